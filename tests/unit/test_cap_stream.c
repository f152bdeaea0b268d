/*
 * test_cap_stream.c - TCP reassembly of one direction: in order (from the
 * caller's buffer), out of order (reversed, random permutations, with
 * duplicates), retransmissions and overlaps (first copy wins, differing
 * bytes counted), gaps filled, timed out, skipped at the bounds and at
 * flush, sequence wrap-around, the stream cap, FIN, streams without SYN,
 * empty segments, segments outside the window, and a failed allocation.
 * Every case compares the bytes delivered with the bytes expected and
 * checks the counters.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cap_stream.h"
#include "fs_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifdef TEST_ASAN
/* alloc_fails needs malloc to return NULL under ASan as it does in libc. */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

#define MAX_GAPS	80	/* random_overlaps: at most 16 */

/* What the callback saw, checked as it comes: offsets are contiguous. */
struct sink {
	uint8_t		*buf;
	size_t		 len;
	size_t		 cap;
	size_t		 calls;
	const uint8_t	*last_data;	/* the last call's data pointer */
	size_t		 ngaps;
	uint32_t	 gap[MAX_GAPS];
	uint64_t	 gap_at[MAX_GAPS];	/* offset after the gap */
};

static void
sink_cb(void *arg, const uint8_t *data, size_t len, uint64_t offset,
    uint32_t gap)
{
	struct sink *k = arg;

	assert_true(len > 0);
	assert_non_null(data);
	assert_int_equal(offset, k->len);
	if (k->len + len > k->cap) {
		k->cap = (k->len + len) * 2;
		k->buf = realloc(k->buf, k->cap);
		assert_non_null(k->buf);
	}
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	k->calls++;
	k->last_data = data;
	if (gap > 0) {
		assert_true(k->ngaps < MAX_GAPS);
		k->gap[k->ngaps] = gap;
		k->gap_at[k->ngaps] = offset;
		k->ngaps++;
	}
}

static void
sink_reset(struct sink *k)
{
	free(k->buf);
	memset(k, 0, sizeof(*k));
}

/* The stream's bytes: a pattern that differs from its neighbours. */
static void
fill(uint8_t *b, size_t n, unsigned salt)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + (i >> 8) * 13 + salt);
}

static void
feed(struct cap_stream *s, const struct cap_stream_limits *l, uint32_t seq,
    const uint8_t *data, size_t len, int fin, int64_t now, struct sink *k)
{
	assert_int_equal(cap_stream_segment(s, l, seq, data, len, fin, now,
	    sink_cb, k), 0);
}

static void
assert_delivered(const struct sink *k, const uint8_t *want, size_t len)
{
	assert_int_equal(k->len, len);
	if (len > 0)
		assert_memory_equal(k->buf, want, len);
}

/* The counters that should be zero in a clean in-order stream. */
static void
assert_clean(const struct cap_stream *s)
{
	assert_int_equal(s->st.duplicate, 0);
	assert_int_equal(s->st.overlap_diff, 0);
	assert_int_equal(s->st.gaps, 0);
	assert_int_equal(s->st.gap_bytes, 0);
	assert_int_equal(s->st.ooo_drops, 0);
	assert_int_equal(s->st.capped, 0);
}

static void
assert_empty(const struct cap_stream *s)
{
	assert_null(s->held);
	assert_int_equal(s->held_segments, 0);
	assert_int_equal(s->held_bytes, 0);
	assert_int_equal(s->gap_since_ms, 0);
}

static uint32_t
lcg(uint32_t *st)
{
	*st = *st * 1103515245U + 12345U;
	return *st >> 8;
}

static void
shuffle(size_t *v, size_t n, uint32_t *st)
{
	size_t i, j, t;

	for (i = 0; i < n; i++)
		v[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = lcg(st) % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static void
in_order(void **state)
{
	uint8_t d[300];
	struct cap_stream s;
	struct sink k = { 0 };
	size_t i;

	(void)state;
	fill(d, sizeof(d), 1);
	cap_stream_init(&s);
	cap_stream_syn(&s, 1000);
	assert_int_equal(s.next, 1001);
	for (i = 0; i < 3; i++) {
		feed(&s, NULL, 1001 + i * 100, d + i * 100, 100, i == 2, i, &k);
		/* Straight from the caller's buffer: no copy. */
		assert_ptr_equal(k.last_data, d + i * 100);
		assert_int_equal(k.calls, i + 1);
		assert_empty(&s);
	}
	assert_delivered(&k, d, 300);
	assert_int_equal(s.st.delivered, 300);
	assert_int_equal(s.offset, 300);
	assert_int_equal(s.next, 1301);
	assert_int_equal(s.fin, 1);
	assert_int_equal(s.fin_seq, 1301);
	assert_int_equal(s.st.ooo_segments, 0);
	assert_clean(&s);
	assert_int_equal(k.ngaps, 0);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
reverse_of_three(void **state)
{
	uint8_t d[300];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 2);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, NULL, 201, d + 200, 100, 0, 10, &k);
	assert_int_equal(k.calls, 0);
	assert_int_equal(s.held_segments, 1);
	assert_int_equal(s.held_bytes, 100);
	assert_int_equal(s.gap_since_ms, 10);
	feed(&s, NULL, 101, d + 100, 100, 0, 20, &k);
	assert_int_equal(k.calls, 0);
	assert_int_equal(s.held_segments, 2);
	assert_int_equal(s.held_bytes, 200);
	assert_int_equal(s.gap_since_ms, 10);
	feed(&s, NULL, 1, d, 100, 0, 30, &k);
	assert_int_equal(k.calls, 3);
	assert_delivered(&k, d, 300);
	assert_empty(&s);
	assert_int_equal(s.next, 301);
	assert_int_equal(s.st.delivered, 300);
	assert_int_equal(s.st.ooo_segments, 2);
	assert_clean(&s);
	cap_stream_free(&s);
	sink_reset(&k);
}

/*
 * Ten segments of uneven sizes in random orders starting at isn + 1, each
 * sent once, or (dup) some twice: the bytes come out exactly, and a
 * segment is held iff one before it was still missing when it came.
 */
static const size_t perm_sizes[10] = { 1, 37, 100, 5, 64, 13, 200, 2, 77, 30 };

static void
permutations(uint32_t isn, unsigned rounds, int dup, uint32_t seed)
{
	uint8_t d[600];
	size_t start[10], order[20], perm[10], total = 0, i, j, n;
	struct cap_stream s;
	struct sink k = { 0 };
	uint64_t held_expect, dup_expect;
	int arrived[10];
	unsigned r;

	for (i = 0; i < 10; i++) {
		start[i] = total;
		total += perm_sizes[i];
	}
	assert_true(total <= sizeof(d));
	fill(d, total, 3);
	for (r = 0; r < rounds; r++) {
		shuffle(perm, 10, &seed);
		memcpy(order, perm, sizeof(perm));
		n = 10;
		/* Copies sent again, each somewhere after its first. */
		while (dup && n < 20 && lcg(&seed) % 4 != 0) {
			size_t g = lcg(&seed) % 10, p, q;

			for (p = 0; order[p] != g; p++)
				;
			q = p + 1 + lcg(&seed) % (n - p);
			memmove(order + q + 1, order + q,
			    (n - q) * sizeof(order[0]));
			order[q] = g;
			n++;
		}
		dup_expect = 0;
		memset(arrived, 0, sizeof(arrived));
		held_expect = 0;
		cap_stream_init(&s);
		cap_stream_syn(&s, isn);
		for (i = 0; i < n; i++) {
			size_t g = order[i];

			if (arrived[g]) {
				dup_expect += perm_sizes[g];
			} else {
				for (j = 0; j < g; j++)
					if (!arrived[j])
						break;
				if (j < g)
					held_expect++;
				arrived[g] = 1;
			}
			feed(&s, NULL, isn + 1 + (uint32_t)start[g],
			    d + start[g], perm_sizes[g], 0, (int64_t)i, &k);
		}
		assert_delivered(&k, d, total);
		assert_empty(&s);
		assert_int_equal(s.next, isn + 1 + (uint32_t)total);
		assert_int_equal(s.st.ooo_segments, held_expect);
		assert_int_equal(s.st.duplicate, dup_expect);
		assert_int_equal(s.st.overlap_diff, 0);
		assert_int_equal(s.st.gaps, 0);
		assert_int_equal(s.st.ooo_drops, 0);
		assert_int_equal(s.st.delivered, total);
		cap_stream_free(&s);
		sink_reset(&k);
	}
}

static void
random_permutations(void **state)
{
	(void)state;
	permutations(12345, 500, 0, 1);
}

static void
random_permutations_with_duplicates(void **state)
{
	(void)state;
	permutations(777, 500, 1, 2);
}

/*
 * Random overlapping segments, some with bytes of their own, in random
 * order, then a flush, against a model: each position comes out once,
 * with the bytes of the first segment that covered it; a run no segment
 * covered is a gap (not after the last byte); every other byte fed is a
 * duplicate.  The stream starts just before the sequence numbers wrap.
 */
static void
random_overlaps(void **state)
{
	enum { POS = 400, SEGS = 15, ROUNDS = 300 };
	uint8_t truth[POS], want[POS], data[SEGS][80];
	size_t start[SEGS], len[SEGS], i, j, p, nwant, fed;
	int covered[POS];
	uint64_t gaps, gap_bytes;
	struct cap_stream s;
	struct sink k = { 0 };
	struct cap_stream_limits l = { .max_segments = 10000 };
	uint32_t seed = 5, isn = 0xffffff00;
	unsigned r;

	(void)state;
	fill(truth, sizeof(truth), 23);
	for (r = 0; r < ROUNDS; r++) {
		memset(covered, 0, sizeof(covered));
		fed = 0;
		cap_stream_init(&s);
		cap_stream_syn(&s, isn);
		for (i = 0; i < SEGS; i++) {
			start[i] = lcg(&seed) % POS;
			len[i] = 1 + lcg(&seed) % 80;
			if (start[i] + len[i] > POS)
				len[i] = POS - start[i];
			for (j = 0; j < len[i]; j++)
				data[i][j] = lcg(&seed) % 4 == 0 ?
				    (uint8_t)lcg(&seed) : truth[start[i] + j];
			for (j = 0; j < len[i]; j++) {
				p = start[i] + j;
				if (!covered[p]) {
					covered[p] = 1;
					want[p] = data[i][j];
				}
			}
			fed += len[i];
			feed(&s, &l, isn + 1 + (uint32_t)start[i], data[i],
			    len[i], 0, 0, &k);
		}
		cap_stream_flush(&s, sink_cb, &k);
		nwant = gaps = gap_bytes = 0;
		for (p = 0, j = 0; p < POS; p++) {
			if (!covered[p]) {
				j++;
				continue;
			}
			if (j > 0) {
				gaps++;
				gap_bytes += j;
				j = 0;
			}
			want[nwant++] = want[p];
		}
		assert_delivered(&k, want, nwant);
		assert_int_equal(s.st.delivered, nwant);
		assert_int_equal(s.st.duplicate, fed - nwant);
		assert_true(s.st.overlap_diff <= s.st.duplicate);
		assert_int_equal(s.st.gaps, gaps);
		assert_int_equal(s.st.gap_bytes, gap_bytes);
		assert_int_equal(k.ngaps, gaps);
		assert_int_equal(s.st.ooo_drops, 0);
		assert_empty(&s);
		cap_stream_free(&s);
		sink_reset(&k);
	}
}

static void
duplicates(void **state)
{
	uint8_t d[250];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 4);
	cap_stream_init(&s);
	cap_stream_syn(&s, 99);
	feed(&s, NULL, 100, d, 100, 0, 0, &k);
	/* The whole segment again. */
	feed(&s, NULL, 100, d, 100, 0, 0, &k);
	assert_int_equal(s.st.duplicate, 100);
	assert_int_equal(k.calls, 1);
	/* Starting before next: only its new part goes out. */
	feed(&s, NULL, 150, d + 50, 100, 0, 0, &k);
	assert_int_equal(s.st.duplicate, 150);
	assert_int_equal(k.calls, 2);
	assert_ptr_equal(k.last_data, d + 100);
	assert_delivered(&k, d, 150);
	/* A held segment twice, same bytes. */
	feed(&s, NULL, 300, d + 200, 50, 0, 0, &k);
	feed(&s, NULL, 300, d + 200, 50, 0, 0, &k);
	assert_int_equal(s.held_segments, 1);
	assert_int_equal(s.held_bytes, 50);
	assert_int_equal(s.st.duplicate, 200);
	assert_int_equal(s.st.overlap_diff, 0);
	/* A held segment again with different bytes: the first one stays. */
	{
		uint8_t other[50];

		memcpy(other, d + 200, 50);
		other[0] ^= 0xff;
		other[49] ^= 0x01;
		feed(&s, NULL, 300, other, 50, 0, 0, &k);
	}
	assert_int_equal(s.st.duplicate, 250);
	assert_int_equal(s.st.overlap_diff, 2);
	feed(&s, NULL, 250, d + 150, 50, 0, 0, &k);
	assert_delivered(&k, d, 250);
	assert_empty(&s);
	assert_int_equal(s.st.ooo_segments, 1);
	assert_int_equal(s.st.delivered, 250);
	assert_int_equal(s.st.gaps, 0);
	assert_int_equal(s.st.capped, 0);
	cap_stream_free(&s);
	sink_reset(&k);
}

/* Held A [100,200), then B [150,250) overlapping it: B is trimmed. */
static void
overlap_held(unsigned ndiff)
{
	uint8_t d[250], b[100];
	struct cap_stream s;
	struct sink k = { 0 };
	unsigned i;

	fill(d, sizeof(d), 5);
	memcpy(b, d + 150, 100);
	for (i = 0; i < ndiff; i++)
		b[i * 5] ^= 0x5a;	/* inside the overlap [150,200) */
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xffffffff);		/* data starts at 0 */
	feed(&s, NULL, 100, d + 100, 100, 0, 0, &k);
	feed(&s, NULL, 150, b, 100, 0, 0, &k);
	assert_int_equal(s.held_segments, 2);
	assert_int_equal(s.held_bytes, 150);
	assert_int_equal(s.st.duplicate, 50);
	assert_int_equal(s.st.overlap_diff, ndiff);
	assert_int_equal(s.st.ooo_segments, 2);
	feed(&s, NULL, 0, d, 100, 0, 0, &k);
	/* A's bytes, never B's, in [150,200). */
	assert_delivered(&k, d, 250);
	assert_empty(&s);
	assert_int_equal(s.st.delivered, 250);
	assert_int_equal(s.st.gaps, 0);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
overlap_same_bytes(void **state)
{
	(void)state;
	overlap_held(0);
}

static void
overlap_different_bytes(void **state)
{
	(void)state;
	overlap_held(7);
}

/* A segment at next running into a held one: the held copy wins. */
static void
overlap_at_next(void **state)
{
	uint8_t d[100], mine[80];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 6);
	memcpy(mine, d, 80);
	mine[55] ^= 1;
	mine[60] ^= 1;
	mine[79] ^= 1;
	mine[10] ^= 1;		/* before the held copy: delivered as it is */
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, NULL, 51, d + 50, 50, 0, 0, &k);
	feed(&s, NULL, 1, mine, 80, 0, 0, &k);
	assert_int_equal(k.calls, 2);
	assert_int_equal(k.len, 100);
	assert_memory_equal(k.buf, mine, 50);
	assert_memory_equal(k.buf + 50, d + 50, 50);
	assert_int_equal(s.st.duplicate, 30);
	assert_int_equal(s.st.overlap_diff, 3);
	assert_empty(&s);
	assert_int_equal(s.next, 101);
	cap_stream_free(&s);
	sink_reset(&k);
}

/*
 * Held [10,20) [30,40) [50,60) (with their own bytes, which win); then one
 * segment over all of them.  ahead: it starts at 5 (next is 0), so it is
 * cut into the four holes and held; else it starts at next and goes out
 * through the held copies.
 */
static void
cover_several(int ahead)
{
	uint8_t truth[70], held[70], big[70], want[70];
	struct cap_stream s;
	struct sink k = { 0 };
	size_t i;

	fill(truth, sizeof(truth), 7);
	memcpy(held, truth, sizeof(held));
	held[12] ^= 0x80;
	held[35] ^= 0x80;
	held[59] ^= 0x80;
	memcpy(big, truth, sizeof(big));
	memcpy(want, truth, sizeof(want));
	for (i = 10; i < 60; i++)
		if ((i / 10) % 2 == 1)
			want[i] = held[i];
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xffffffff);
	feed(&s, NULL, 10, held + 10, 10, 0, 0, &k);
	feed(&s, NULL, 30, held + 30, 10, 0, 0, &k);
	feed(&s, NULL, 50, held + 50, 10, 0, 0, &k);
	assert_int_equal(s.held_segments, 3);
	if (ahead) {
		feed(&s, NULL, 5, big + 5, 65, 0, 0, &k);
		assert_int_equal(k.calls, 0);
		assert_int_equal(s.held_segments, 7);
		assert_int_equal(s.held_bytes, 65);
		assert_int_equal(s.st.ooo_segments, 4);
		assert_int_equal(s.st.duplicate, 30);
		assert_int_equal(s.st.overlap_diff, 3);
		feed(&s, NULL, 0, big, 5, 0, 0, &k);
		assert_int_equal(k.calls, 8);
	} else {
		feed(&s, NULL, 0, big, 70, 0, 0, &k);
		/* Caller, held, caller, held, caller, held, caller. */
		assert_int_equal(k.calls, 7);
		assert_ptr_equal(k.last_data, big + 60);
		assert_int_equal(s.st.ooo_segments, 3);
		assert_int_equal(s.st.duplicate, 30);
		assert_int_equal(s.st.overlap_diff, 3);
	}
	assert_delivered(&k, want, 70);
	assert_empty(&s);
	assert_int_equal(s.next, 70);
	assert_int_equal(s.st.gaps, 0);
	assert_int_equal(s.st.ooo_drops, 0);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
cover_several_held_ahead(void **state)
{
	(void)state;
	cover_several(1);
}

static void
cover_several_held_at_next(void **state)
{
	(void)state;
	cover_several(0);
}

static void
gap_filled_later(void **state)
{
	uint8_t d[200];
	struct cap_stream s;
	struct sink k = { 0 };
	struct cap_stream_limits l = { 0 };

	(void)state;
	fill(d, sizeof(d), 8);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, &l, 101, d + 100, 100, 0, 1000, &k);
	cap_stream_age(&s, &l, 5999, sink_cb, &k);	/* default 5 s */
	assert_int_equal(k.calls, 0);
	assert_int_equal(s.held_segments, 1);
	feed(&s, &l, 1, d, 100, 0, 5999, &k);
	assert_delivered(&k, d, 200);
	assert_empty(&s);
	assert_int_equal(s.st.ooo_segments, 1);
	assert_clean(&s);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
gap_times_out(void **state)
{
	uint8_t d[400];
	struct cap_stream s;
	struct sink k = { 0 };
	struct cap_stream_limits l = { .gap_timeout_ms = 1000 };

	(void)state;
	fill(d, sizeof(d), 9);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xffffffff);
	feed(&s, &l, 100, d + 100, 100, 0, 10, &k);
	feed(&s, &l, 300, d + 300, 100, 0, 500, &k);
	assert_int_equal(s.gap_since_ms, 10);
	cap_stream_age(&s, &l, 1009, sink_cb, &k);
	assert_int_equal(k.calls, 0);
	/* A clock going back is not a timeout. */
	cap_stream_age(&s, &l, -5, sink_cb, &k);
	assert_int_equal(k.calls, 0);
	cap_stream_age(&s, &l, 1010, sink_cb, &k);
	assert_delivered(&k, d + 100, 100);
	assert_int_equal(k.ngaps, 1);
	assert_int_equal(k.gap[0], 100);
	assert_int_equal(k.gap_at[0], 0);
	assert_int_equal(s.st.gaps, 1);
	assert_int_equal(s.st.gap_bytes, 100);
	/* The second gap has been open since its segment came, at 500. */
	assert_int_equal(s.held_segments, 1);
	assert_int_equal(s.gap_since_ms, 500);
	cap_stream_age(&s, &l, 1499, sink_cb, &k);
	assert_int_equal(k.calls, 1);
	cap_stream_age(&s, &l, 1500, sink_cb, &k);
	assert_int_equal(k.calls, 2);
	assert_int_equal(k.len, 200);
	assert_memory_equal(k.buf + 100, d + 300, 100);
	assert_int_equal(k.ngaps, 2);
	assert_int_equal(k.gap[1], 100);
	assert_int_equal(k.gap_at[1], 100);
	assert_int_equal(s.st.gaps, 2);
	assert_int_equal(s.st.gap_bytes, 200);
	assert_int_equal(s.st.delivered, 200);
	assert_empty(&s);
	/* The bytes of the gaps, late: old now. */
	feed(&s, &l, 0, d, 100, 0, 1600, &k);
	feed(&s, &l, 200, d + 200, 100, 0, 1600, &k);
	assert_int_equal(s.st.duplicate, 200);
	assert_int_equal(k.calls, 2);
	cap_stream_free(&s);
	sink_reset(&k);
}

/* The timeout is checked on every segment too, after it is taken. */
static void
gap_times_out_on_segment(void **state)
{
	uint8_t d[600];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 10);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xffffffff);
	feed(&s, NULL, 100, d + 100, 100, 0, 0, &k);
	feed(&s, NULL, 500, d + 500, 10, 0, 4999, &k);
	assert_int_equal(k.calls, 0);
	assert_int_equal(s.held_segments, 2);
	/* An empty segment (an ACK) is enough to look at the clock. */
	feed(&s, NULL, 0, NULL, 0, 0, 5000, &k);
	assert_delivered(&k, d + 100, 100);
	assert_int_equal(k.gap[0], 100);
	assert_int_equal(s.held_segments, 1);
	assert_int_equal(s.gap_since_ms, 4999);
	/* The segment that comes late fills the gap before the check. */
	feed(&s, NULL, 200, d + 200, 300, 0, 20000, &k);
	assert_int_equal(k.len, 410);
	assert_memory_equal(k.buf + 100, d + 200, 310);
	assert_int_equal(s.st.gaps, 1);
	assert_int_equal(s.st.gap_bytes, 100);
	assert_empty(&s);
	cap_stream_free(&s);
	sink_reset(&k);
}

/* After a drain, the gap's age is that of the oldest segment left. */
static void
gap_age_after_drain(void **state)
{
	uint8_t d[600];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 22);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xffffffff);
	feed(&s, NULL, 500, d + 500, 100, 0, 100, &k);
	feed(&s, NULL, 300, d + 300, 100, 0, 200, &k);
	feed(&s, NULL, 100, d + 100, 100, 0, 300, &k);
	assert_int_equal(s.gap_since_ms, 100);
	feed(&s, NULL, 0, d, 100, 0, 400, &k);
	assert_delivered(&k, d, 200);
	assert_int_equal(s.held_segments, 2);
	assert_int_equal(s.gap_since_ms, 100);
	cap_stream_age(&s, NULL, 5099, sink_cb, &k);
	assert_int_equal(k.len, 200);
	/* Both gaps go: the second one is as old as its segment. */
	cap_stream_age(&s, NULL, 5200, sink_cb, &k);
	assert_int_equal(k.len, 400);
	assert_int_equal(s.st.gaps, 2);
	assert_int_equal(s.st.gap_bytes, 200);
	assert_empty(&s);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
gap_skipped_at_max_segments(void **state)
{
	uint8_t d[400];
	struct cap_stream s;
	struct sink k = { 0 };
	struct cap_stream_limits l = { .max_segments = 2 };

	(void)state;
	fill(d, sizeof(d), 11);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xffffffff);
	feed(&s, &l, 100, d + 100, 10, 0, 0, &k);
	feed(&s, &l, 200, d + 200, 10, 0, 0, &k);
	assert_int_equal(k.calls, 0);
	/* No room: skip to the first held byte, then hold the new one. */
	feed(&s, &l, 300, d + 300, 10, 0, 0, &k);
	assert_delivered(&k, d + 100, 10);
	assert_int_equal(k.gap[0], 100);
	assert_int_equal(s.st.gaps, 1);
	assert_int_equal(s.st.gap_bytes, 100);
	assert_int_equal(s.held_segments, 2);
	assert_int_equal(s.st.ooo_segments, 3);
	assert_int_equal(s.st.ooo_drops, 0);
	assert_int_equal(s.next, 110);
	/* No room, and the new one is the lowest: skip to it. */
	feed(&s, &l, 150, d + 150, 10, 0, 0, &k);
	assert_int_equal(k.len, 20);
	assert_memory_equal(k.buf + 10, d + 150, 10);
	assert_ptr_equal(k.last_data, d + 150);
	assert_int_equal(k.gap[1], 40);
	assert_int_equal(k.gap_at[1], 10);
	assert_int_equal(s.st.gaps, 2);
	assert_int_equal(s.st.gap_bytes, 140);
	assert_int_equal(s.held_segments, 2);
	assert_int_equal(s.next, 160);
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(k.len, 40);
	assert_memory_equal(k.buf + 20, d + 200, 10);
	assert_memory_equal(k.buf + 30, d + 300, 10);
	assert_int_equal(s.st.gaps, 4);
	assert_int_equal(s.st.gap_bytes, 140 + 40 + 90);
	assert_int_equal(s.st.delivered, 40);
	assert_empty(&s);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
gap_skipped_at_max_bytes(void **state)
{
	uint8_t d[400];
	struct cap_stream s;
	struct sink k = { 0 };
	struct cap_stream_limits l = { .max_bytes = 100 };

	(void)state;
	fill(d, sizeof(d), 12);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xffffffff);
	feed(&s, &l, 100, d + 100, 60, 0, 0, &k);
	feed(&s, &l, 200, d + 200, 40, 0, 0, &k);
	assert_int_equal(s.held_bytes, 100);
	/* Skipping the first gap frees 60 bytes: still no room for 80. */
	feed(&s, &l, 300, d + 300, 80, 0, 0, &k);
	assert_delivered(&k, d + 100, 60);
	assert_int_equal(s.st.gaps, 1);
	assert_int_equal(s.st.gap_bytes, 100);
	assert_int_equal(s.st.ooo_drops, 1);
	assert_int_equal(s.st.ooo_segments, 2);
	assert_int_equal(s.held_segments, 1);
	assert_int_equal(s.held_bytes, 40);
	/* Bigger than max_bytes with nothing below it: skip to it. */
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(k.len, 100);
	feed(&s, &l, 300, d + 100, 150, 0, 0, &k);
	assert_int_equal(k.len, 250);
	assert_memory_equal(k.buf + 100, d + 100, 150);
	assert_ptr_equal(k.last_data, d + 100);
	assert_int_equal(s.st.gaps, 3);
	assert_int_equal(s.st.gap_bytes, 100 + 40 + 60);
	assert_int_equal(s.st.ooo_drops, 1);
	assert_empty(&s);
	cap_stream_free(&s);
	sink_reset(&k);
}

/* No limits given: 64 segments are held, the 65th makes a skip. */
static void
default_limits(void **state)
{
	uint8_t d[2000];
	struct cap_stream s;
	struct sink k = { 0 };
	uint32_t i;

	(void)state;
	fill(d, sizeof(d), 13);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	for (i = 0; i < 64; i++)
		feed(&s, NULL, 1 + 20 + i * 20, d + 20 + i * 20, 10, 0, 0, &k);
	assert_int_equal(s.held_segments, 64);
	assert_int_equal(k.calls, 0);
	feed(&s, NULL, 1 + 20 + 64 * 20, d + 20 + 64 * 20, 10, 0, 0, &k);
	assert_int_equal(s.st.gaps, 1);
	assert_int_equal(s.st.gap_bytes, 20);
	assert_int_equal(s.held_segments, 64);
	assert_delivered(&k, d + 20, 10);
	/* 256 KiB of held bytes at most. */
	cap_stream_free(&s);
	sink_reset(&k);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	{
		uint8_t *big = calloc(1, 256 * 1024 + 1);

		assert_non_null(big);
		feed(&s, NULL, 11, big, 256 * 1024, 0, 0, &k);
		assert_int_equal(s.held_bytes, 256 * 1024);
		assert_int_equal(s.st.gaps, 0);
		feed(&s, NULL, 11 + 256 * 1024 + 5, big, 1, 0, 0, &k);
		assert_int_equal(s.st.gaps, 1);
		assert_int_equal(s.held_bytes, 1);
		free(big);
	}
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
flush_reports_gaps(void **state)
{
	uint8_t d[60];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 14);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xffffffff);
	feed(&s, NULL, 45, d + 45, 5, 0, 0, &k);
	feed(&s, NULL, 10, d + 10, 10, 0, 0, &k);
	feed(&s, NULL, 30, d + 30, 10, 0, 0, &k);
	feed(&s, NULL, 40, d + 40, 3, 0, 0, &k);	/* contiguous with 30 */
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(k.len, 28);
	assert_memory_equal(k.buf, d + 10, 10);
	assert_memory_equal(k.buf + 10, d + 30, 13);
	assert_memory_equal(k.buf + 23, d + 45, 5);
	assert_int_equal(k.ngaps, 3);
	assert_int_equal(k.gap[0], 10);
	assert_int_equal(k.gap_at[0], 0);
	assert_int_equal(k.gap[1], 10);
	assert_int_equal(k.gap_at[1], 10);
	assert_int_equal(k.gap[2], 2);
	assert_int_equal(k.gap_at[2], 23);
	assert_int_equal(s.st.gaps, 3);
	assert_int_equal(s.st.gap_bytes, 22);
	assert_int_equal(s.st.delivered, 28);
	assert_empty(&s);
	/* Nothing left: a second flush does nothing; the stream goes on. */
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(k.calls, 4);
	feed(&s, NULL, 50, d + 50, 10, 0, 0, &k);
	assert_int_equal(k.len, 38);
	assert_int_equal(s.st.gaps, 3);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
wraparound(void **state)
{
	uint8_t d[100];
	struct cap_stream s;
	struct sink k = { 0 };
	uint32_t i;

	(void)state;
	fill(d, sizeof(d), 15);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xfffffff0);
	for (i = 0; i < 5; i++)
		feed(&s, NULL, 0xfffffff1 + i * 20, d + i * 20, 20, 0, 0, &k);
	assert_delivered(&k, d, 100);
	assert_int_equal(s.next, 0x55);
	assert_int_equal(k.calls, 5);
	assert_clean(&s);
	cap_stream_free(&s);
	sink_reset(&k);

	/* Out of order across the wrap: the last first, then a straddler. */
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xfffffff0);
	feed(&s, NULL, 0xfffffff1 + 80, d + 80, 20, 0, 0, &k);
	feed(&s, NULL, 0xfffffff1 + 10, d + 10, 20, 0, 0, &k);	/* over 0 */
	feed(&s, NULL, 0xfffffff1 + 20, d + 20, 70, 0, 0, &k);	/* overlaps */
	assert_int_equal(s.held_segments, 3);
	assert_int_equal(s.held_bytes, 90);
	assert_int_equal(s.st.duplicate, 20);
	feed(&s, NULL, 0xfffffff1, d, 10, 0, 0, &k);
	assert_delivered(&k, d, 100);
	assert_int_equal(s.next, 0x55);
	assert_empty(&s);
	assert_int_equal(s.st.overlap_diff, 0);
	cap_stream_free(&s);
	sink_reset(&k);

	/* A gap across the wrap, skipped at the flush. */
	cap_stream_init(&s);
	cap_stream_syn(&s, 0xfffffff0);
	feed(&s, NULL, 0xfffffff1, d, 5, 0, 0, &k);
	feed(&s, NULL, 0x10, d + 0x1f, 10, 0, 0, &k);
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(s.st.gap_bytes, 0x1f - 5);
	assert_int_equal(k.gap[0], 0x1f - 5);
	assert_int_equal(k.len, 15);
	assert_memory_equal(k.buf + 5, d + 0x1f, 10);
	cap_stream_free(&s);
	sink_reset(&k);

	/* And random orders over the wrap. */
	permutations(0xfffffff0, 200, 0, 3);
	permutations(0xfffffe00, 200, 1, 4);
}

static void
max_stream_cap(void **state)
{
	uint8_t d[200];
	struct cap_stream s;
	struct sink k = { 0 };
	struct cap_stream_limits l = { .max_stream = 50 };

	(void)state;
	fill(d, sizeof(d), 16);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, &l, 1, d, 30, 0, 0, &k);
	feed(&s, &l, 31, d + 30, 30, 0, 0, &k);
	feed(&s, &l, 61, d + 60, 30, 0, 0, &k);
	assert_delivered(&k, d, 50);
	assert_int_equal(k.calls, 2);
	assert_int_equal(s.offset, 50);
	assert_int_equal(s.st.delivered, 50);
	assert_int_equal(s.st.capped, 40);
	assert_int_equal(s.next, 91);
	/* Capped: what comes ahead is not even held. */
	feed(&s, &l, 101, d + 100, 30, 0, 0, &k);
	assert_empty(&s);
	assert_int_equal(s.st.capped, 70);
	assert_int_equal(s.st.ooo_segments, 0);
	assert_int_equal(k.calls, 2);
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(k.calls, 2);
	cap_stream_free(&s);
	sink_reset(&k);

	/* Held bytes are kept within the cap, so a flush cannot pass it. */
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, &l, 1, d, 10, 0, 0, &k);
	feed(&s, &l, 71, d + 70, 30, 0, 0, &k);
	feed(&s, &l, 41, d + 40, 20, 0, 0, &k);
	assert_int_equal(s.held_segments, 2);
	assert_int_equal(s.held_bytes, 40);
	assert_int_equal(s.st.capped, 10);
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(k.len, 50);
	assert_memory_equal(k.buf, d, 10);
	assert_memory_equal(k.buf + 10, d + 40, 20);
	assert_memory_equal(k.buf + 30, d + 70, 20);
	assert_int_equal(s.st.delivered, 50);
	assert_int_equal(s.st.gaps, 2);
	cap_stream_free(&s);
	sink_reset(&k);

	/* In order after the trim: the cap then drops what was held. */
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, &l, 41, d + 40, 30, 0, 0, &k);
	assert_int_equal(s.held_bytes, 30);
	feed(&s, &l, 1, d, 30, 0, 0, &k);	/* room 20 < held 30 */
	assert_int_equal(s.held_bytes, 20);
	assert_int_equal(s.st.capped, 10);
	feed(&s, &l, 31, d + 30, 10, 0, 0, &k);
	assert_delivered(&k, d, 50);
	assert_int_equal(s.st.capped, 20);
	assert_empty(&s);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
data_after_fin(void **state)
{
	uint8_t d[300];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 17);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, NULL, 1, d, 100, 0, 0, &k);
	feed(&s, NULL, 101, d + 100, 50, 1, 0, &k);
	assert_int_equal(s.fin, 1);
	assert_int_equal(s.fin_seq, 151);
	feed(&s, NULL, 151, d + 150, 50, 0, 0, &k);	/* past: ignored */
	feed(&s, NULL, 171, d + 170, 50, 0, 0, &k);
	assert_empty(&s);
	feed(&s, NULL, 141, d + 140, 20, 0, 0, &k);	/* up to it: dup */
	assert_delivered(&k, d, 150);
	assert_int_equal(s.st.duplicate, 10);
	assert_int_equal(s.st.ooo_segments, 0);
	/* A second FIN farther on does not move the end. */
	feed(&s, NULL, 151, d + 150, 50, 1, 0, &k);
	assert_int_equal(s.fin_seq, 151);
	assert_int_equal(k.len, 150);
	cap_stream_free(&s);
	sink_reset(&k);

	/* A FIN ahead cuts what was held past it. */
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, NULL, 141, d + 140, 30, 0, 0, &k);
	feed(&s, NULL, 201, d + 200, 100, 0, 0, &k);
	assert_int_equal(s.held_bytes, 130);
	feed(&s, NULL, 101, d + 100, 50, 1, 0, &k);
	assert_int_equal(s.fin_seq, 151);
	assert_int_equal(s.held_segments, 2);
	assert_int_equal(s.held_bytes, 50);
	feed(&s, NULL, 1, d, 100, 0, 0, &k);
	assert_delivered(&k, d, 150);
	assert_empty(&s);
	assert_int_equal(s.next, 151);
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(k.len, 150);
	assert_int_equal(s.st.gaps, 0);
	cap_stream_free(&s);
	sink_reset(&k);

	/* A FIN before bytes already delivered is not the end. */
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, NULL, 1, d, 100, 0, 0, &k);
	feed(&s, NULL, 1, d, 10, 1, 0, &k);
	assert_int_equal(s.fin, 0);
	feed(&s, NULL, 101, d + 100, 10, 0, 0, &k);
	assert_delivered(&k, d, 110);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
no_syn(void **state)
{
	uint8_t d[40];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 18);
	cap_stream_init(&s);
	feed(&s, NULL, 500, NULL, 0, 0, 0, &k);		/* an ACK */
	assert_int_equal(s.started, 0);
	feed(&s, NULL, 1000, d + 10, 10, 0, 0, &k);
	assert_int_equal(s.started, 1);
	assert_int_equal(s.next, 1010);
	assert_ptr_equal(k.last_data, d + 10);
	/* Before where it started: as if already seen. */
	feed(&s, NULL, 990, d, 10, 0, 0, &k);
	assert_int_equal(s.st.duplicate, 10);
	feed(&s, NULL, 1020, d + 30, 10, 0, 0, &k);
	assert_int_equal(s.held_segments, 1);
	feed(&s, NULL, 1010, d + 20, 10, 0, 0, &k);
	assert_delivered(&k, d + 10, 30);
	assert_empty(&s);
	/* A SYN now changes nothing. */
	cap_stream_syn(&s, 5);
	assert_int_equal(s.next, 1030);
	cap_stream_free(&s);
	sink_reset(&k);

	/* A repeated SYN keeps the first; a bare FIN before any data. */
	cap_stream_init(&s);
	cap_stream_syn(&s, 100);
	cap_stream_syn(&s, 200);
	assert_int_equal(s.next, 101);
	cap_stream_free(&s);
	cap_stream_init(&s);
	feed(&s, NULL, 2000, NULL, 0, 1, 0, &k);
	assert_int_equal(s.fin, 1);
	assert_int_equal(s.fin_seq, 2000);
	assert_int_equal(s.started, 0);
	feed(&s, NULL, 1990, d, 20, 0, 0, &k);
	assert_delivered(&k, d, 10);
	assert_int_equal(s.next, 2000);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
zero_length(void **state)
{
	uint8_t d[20];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 19);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, NULL, 1, NULL, 0, 0, 0, &k);
	feed(&s, NULL, 50, d, 0, 0, 0, &k);
	feed(&s, NULL, 0xffff0000, NULL, 0, 0, 0, &k);
	assert_int_equal(k.calls, 0);
	assert_empty(&s);
	assert_clean(&s);
	assert_int_equal(s.st.ooo_segments, 0);
	assert_int_equal(s.next, 1);
	feed(&s, NULL, 1, d, 10, 0, 0, &k);
	feed(&s, NULL, 15, d + 14, 6, 0, 0, &k);
	feed(&s, NULL, 13, NULL, 0, 0, 0, &k);		/* in the gap */
	assert_int_equal(s.held_segments, 1);
	feed(&s, NULL, 11, NULL, 0, 1, 0, &k);		/* an empty FIN */
	assert_int_equal(s.fin, 1);
	assert_int_equal(s.fin_seq, 11);
	assert_empty(&s);			/* [15,21) is past it */
	assert_delivered(&k, d, 10);
	assert_int_equal(s.st.duplicate, 0);
	assert_int_equal(s.st.delivered, 10);
	cap_stream_free(&s);
	sink_reset(&k);
}

static void
old_retransmission(void **state)
{
	uint8_t *d = malloc(100000);
	struct cap_stream s;
	struct sink k = { 0 };
	uint32_t next;

	(void)state;
	assert_non_null(d);
	fill(d, 100000, 20);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0x7ffffff0);
	feed(&s, NULL, 0x7ffffff1, d, 100000, 0, 0, &k);
	next = s.next;
	/* Far behind: old, never held. */
	feed(&s, NULL, next - 0x70000000, d, 100, 0, 0, &k);
	feed(&s, NULL, next - 0x7fffffff, d, 100, 0, 0, &k);
	feed(&s, NULL, next - 0x80000000U, d, 100, 0, 0, &k);	/* half */
	feed(&s, NULL, next - 100000, d, 100, 0, 0, &k);
	assert_empty(&s);
	assert_int_equal(s.st.duplicate, 400);
	assert_int_equal(s.st.ooo_segments, 0);
	/* Farther ahead than any window: not of this stream. */
	feed(&s, NULL, next + 0x50000000, d, 100, 0, 0, &k);
	feed(&s, NULL, next + (1U << 30) - 10, d, 20, 0, 0, &k);
	assert_empty(&s);
	assert_int_equal(s.st.ooo_drops, 2);
	/* Just inside the window is held. */
	feed(&s, NULL, next + (1U << 30) - 20, d, 20, 0, 0, &k);
	assert_int_equal(s.held_segments, 1);
	/* Longer than any window: dropped whatever its place (and not
	 * read, so the short buffer is fine). */
	assert_int_equal(cap_stream_segment(&s, NULL, next,
	    d, (size_t)(1U << 30) + 1, 0, 0, sink_cb, &k), 0);
	assert_int_equal(s.st.ooo_drops, 3);
	assert_int_equal(k.len, 100000);
	assert_int_equal(s.next, next);
	cap_stream_free(&s);
	assert_empty(&s);
	sink_reset(&k);
	free(d);
}

static long
vm_data_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmData:", 7) == 0)
			kb = atol(line + 7);
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/*
 * A held copy that cannot be allocated: -1, counted, nothing held.  The
 * failure is real: RLIMIT_DATA just above what the process uses makes a
 * 32 MiB malloc() fail (Linux counts private mappings since 4.7).  The
 * segment is cut in two around a held one, and only its second piece
 * fails: the first, already copied, must go too (ASan sees a leak).
 */
static void
alloc_fails(void **state)
{
	const size_t big = 32 << 20;
	uint8_t *d = calloc(1, big);
	struct cap_stream s;
	struct sink k = { 0 };
	struct cap_stream_limits l = { .max_bytes = UINT32_MAX };
	struct rlimit old, lim;
	long used;
	int rc;

	(void)state;
	assert_non_null(d);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, &l, 101, d + 10, 10, 0, 0, &k);
	used = vm_data_bytes();
	if (used < 0)
		skip();
	assert_int_equal(getrlimit(RLIMIT_DATA, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)used + (8 << 20);
	if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < lim.rlim_cur)
		skip();
	assert_int_equal(setrlimit(RLIMIT_DATA, &lim), 0);
	rc = cap_stream_segment(&s, &l, 91, d, big, 0, 0, sink_cb, &k);
	assert_int_equal(setrlimit(RLIMIT_DATA, &old), 0);
	assert_int_equal(rc, -1);
	assert_int_equal(s.st.ooo_drops, 1);
	assert_int_equal(s.held_segments, 1);
	assert_int_equal(s.held_bytes, 10);
	assert_int_equal(s.st.ooo_segments, 1);
	assert_int_equal(s.st.duplicate, 0);
	/* The same segment again, with memory: held, in two pieces. */
	feed(&s, &l, 91, d, big, 0, 0, &k);
	assert_int_equal(s.held_segments, 3);
	assert_int_equal(s.held_bytes, big);
	assert_int_equal(s.st.duplicate, 10);
	assert_int_equal(s.st.overlap_diff, 0);
	cap_stream_flush(&s, sink_cb, &k);
	assert_int_equal(k.len, big);
	assert_int_equal(k.calls, 3);
	assert_int_equal(k.gap[0], 90);
	assert_int_equal(s.st.ooo_drops, 1);
	cap_stream_free(&s);
	sink_reset(&k);
	free(d);
}

/* cap_stream_free drops what is held (ASan sees any leak); reuse. */
static void
free_and_reuse(void **state)
{
	uint8_t d[100];
	struct cap_stream s;
	struct sink k = { 0 };

	(void)state;
	fill(d, sizeof(d), 21);
	cap_stream_init(&s);
	cap_stream_syn(&s, 0);
	feed(&s, NULL, 11, d, 10, 0, 7, &k);
	feed(&s, NULL, 31, d, 10, 0, 7, &k);
	assert_int_equal(s.held_segments, 2);
	cap_stream_free(&s);
	assert_empty(&s);
	assert_int_equal(k.calls, 0);
	cap_stream_free(&s);		/* twice is harmless */
	cap_stream_init(&s);
	assert_int_equal(s.started, 0);
	assert_int_equal(s.st.ooo_segments, 0);
	cap_stream_syn(&s, 50);
	feed(&s, NULL, 51, d, 100, 0, 0, &k);
	assert_delivered(&k, d, 100);
	cap_stream_free(&s);
	sink_reset(&k);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(in_order),
	cmocka_unit_test(reverse_of_three),
	cmocka_unit_test(random_permutations),
	cmocka_unit_test(random_permutations_with_duplicates),
	cmocka_unit_test(random_overlaps),
	cmocka_unit_test(duplicates),
	cmocka_unit_test(overlap_same_bytes),
	cmocka_unit_test(overlap_different_bytes),
	cmocka_unit_test(overlap_at_next),
	cmocka_unit_test(cover_several_held_ahead),
	cmocka_unit_test(cover_several_held_at_next),
	cmocka_unit_test(gap_filled_later),
	cmocka_unit_test(gap_times_out),
	cmocka_unit_test(gap_times_out_on_segment),
	cmocka_unit_test(gap_age_after_drain),
	cmocka_unit_test(gap_skipped_at_max_segments),
	cmocka_unit_test(gap_skipped_at_max_bytes),
	cmocka_unit_test(default_limits),
	cmocka_unit_test(flush_reports_gaps),
	cmocka_unit_test(wraparound),
	cmocka_unit_test(max_stream_cap),
	cmocka_unit_test(data_after_fin),
	cmocka_unit_test(no_syn),
	cmocka_unit_test(zero_length),
	cmocka_unit_test(old_retransmission),
	cmocka_unit_test(alloc_fails),
	cmocka_unit_test(free_and_reuse),
};

FS_TEST_MAIN(tests)
