/*
 * test_cap_defrag.c - IPv4 and IPv6 reassembly (capture/cap_defrag.c):
 * datagrams built here, cut into fragments and fed in order, reversed,
 * in every order, duplicated and overlapping; each reassembled datagram
 * is compared byte for byte with the one before it was cut.  Then every
 * limit (datagrams, bytes, fragments, 65535 bytes, timeouts) and every
 * malformed header, each with its counter.
 *
 * Fragments are fed as heap copies of exactly their length, freed as soon
 * as the call returns, so AddressSanitizer catches an over-read and a
 * table that kept a pointer into a packet.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"
#include "pkt_build.h"

#include "cap_defrag.h"

#define OUT_MAX		(40 + 65535)

/* A datagram before it is cut. */
struct orig {
	uint8_t		b[OUT_MAX + 64];	/* zero past len */
	size_t		len;
	int		family;		/* 4 or 6 */
	size_t		hdrlen;		/* in every fragment (IPv4: only the
					   first has the options) */
	size_t		nh_off;		/* IPv6: the byte naming what follows
					   hdrlen */
	uint32_t	id;		/* IPv6 fragment identification */
};

struct fx {
	struct cap_defrag	*t;
	struct orig		 o[3];
	uint8_t			 frag[OUT_MAX + 64 + 8];
	const uint8_t		*out;
	size_t			 outlen;
};

struct piece {
	size_t	off;
	size_t	len;
	int	more;
};

enum ext {
	EXT_NONE,		/* IPv6 | Fragment | UDP */
	EXT_HBH,		/* IPv6 | hop-by-hop | Fragment | UDP */
	EXT_HBH_RT_DST,		/* ... | routing | Fragment | dest opts | UDP */
	EXT_DST_RT,		/* IPv6 | dest opts | routing | Fragment | UDP */
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	cap_defrag_free(fx->t);
	free(fx);
	return exact_free_all(state);
}

static struct cap_defrag *
table(struct fx *fx, uint32_t max_datagrams, size_t max_bytes,
    uint32_t max_fragments, int64_t timeout_ms)
{
	struct cap_defrag_limits lim = { max_datagrams, max_bytes,
	    max_fragments, timeout_ms };

	fx->t = cap_defrag_new(&lim);
	assert_non_null(fx->t);
	return fx->t;
}

static struct cap_defrag_stats
stats(const struct fx *fx)
{
	struct cap_defrag_stats st;

	memset(&st, 0xA5, sizeof(st));
	cap_defrag_stats(fx->t, &st);
	return st;
}

/* Nothing was given up, refused or found overlapping. */
static void
assert_no_drops(const struct fx *fx)
{
	struct cap_defrag_stats st = stats(fx);

	assert_int_equal(st.timeouts, 0);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.too_many, 0);
	assert_int_equal(st.overlaps, 0);
	assert_int_equal(st.overlap_drops, 0);
	assert_int_equal(st.too_long, 0);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.dropped_late, 0);
}

/* Nothing held any more. */
static void
assert_empty(const struct fx *fx)
{
	struct cap_defrag_stats st = stats(fx);

	assert_int_equal(st.in_progress, 0);
	assert_int_equal(st.bytes_held, 0);
}

/* ---- building datagrams and fragments ------------------------------------ */

static void
wr16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xFFFF);
}

static uint32_t
ip4_sum(const uint8_t *h)
{
	size_t n = (size_t)(h[0] & 0x0F) * 4, i;
	uint32_t sum = 0;

	for (i = 0; i < n; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum > 0xFFFF)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return sum;
}

static void
ip4_fix(uint8_t *h)
{
	wr16(h + 10, 0);
	wr16(h + 10, ~ip4_sum(h) & 0xFFFF);
}

/* Payload bytes that no shifted copy of themselves matches. */
static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 7 + i / 256 * 13 + 1);
}

/* o: the headers of p, then payload bytes; lengths set. */
static void
orig_make(struct orig *o, const struct pkt *p, int family, size_t hdrlen,
    size_t nh_off, size_t payload)
{
	size_t i;

	assert_true(p->len + payload <= sizeof(o->b));
	memcpy(o->b, p->b, p->len);
	for (i = 0; i < payload; i++)
		o->b[p->len + i] = pattern(i);
	o->len = p->len + payload;
	o->family = family;
	o->hdrlen = hdrlen;
	o->nh_off = nh_off;
	o->id = 0xCAFEF00D;
	if (family == 4) {
		wr16(o->b + 2, o->len);
		ip4_fix(o->b);
	} else
		wr16(o->b + 4, o->len - IPV6_LEN);
}

/* IPv4 192.0.2.1 -> 198.51.100.2, UDP, payload bytes after the UDP header. */
static void
orig_ipv4(struct orig *o, size_t optlen, uint8_t proto, uint16_t id,
    uint16_t flags, size_t payload)
{
	struct pkt p = { .len = 0 };
	size_t udp;

	put_ipv4(&p, &(struct ip4){ .proto = proto, .ttl = 64, .frag = flags,
	    .optlen = optlen });
	udp = put_udp(&p, 5353, 53);
	orig_make(o, &p, 4, IPV4_LEN + optlen, 0, payload);
	wr16(o->b + udp + 4, o->len - udp);
	wr16(o->b + 4, id);
	ip4_fix(o->b);
}

/* IPv6 2001:db8::1 -> 2001:db8::2 with ext's headers, UDP, payload. */
static void
orig_ipv6(struct orig *o, enum ext ext, uint32_t id, size_t payload)
{
	struct pkt p = { .len = 0 };
	size_t udp, hdrlen = 0, nh_off = 6;

	switch (ext) {
	case EXT_NONE:
		put_ipv6_simple(&p, IPPROTO_UDP_);
		break;
	case EXT_HBH:
		put_ipv6_simple(&p, IPPROTO_HOPOPTS_);
		nh_off = p.len;
		put_ip6_opts(&p, IPPROTO_UDP_, 8);
		break;
	case EXT_HBH_RT_DST:
		put_ipv6_simple(&p, IPPROTO_HOPOPTS_);
		put_ip6_opts(&p, IPPROTO_ROUTING_, 8);
		nh_off = p.len;
		put_ip6_routing(&p, IPPROTO_DSTOPTS_, 24);
		/* Destination options after routing are fragmentable. */
		hdrlen = p.len;
		put_ip6_opts(&p, IPPROTO_UDP_, 16);
		break;
	case EXT_DST_RT:
		put_ipv6_simple(&p, IPPROTO_DSTOPTS_);
		put_ip6_opts(&p, IPPROTO_ROUTING_, 8);
		nh_off = p.len;
		put_ip6_routing(&p, IPPROTO_UDP_, 16);
		break;
	}
	if (hdrlen == 0)
		hdrlen = p.len;
	udp = put_udp(&p, 5353, 53);
	orig_make(o, &p, 6, hdrlen, nh_off, payload);
	wr16(o->b + udp + 4, o->len - udp);
	o->id = id;
}

/*
 * Fragment [off, off + len) of o's payload (o's bytes past its end are
 * zero) into fx->frag; returns the fragment's length.  IPv4 fragments
 * after the first carry no options.
 */
static size_t
cut(struct fx *fx, const struct orig *o, size_t off, size_t len, int more)
{
	uint8_t *f = fx->frag;
	size_t h;

	assert_true(off % 8 == 0 && o->hdrlen + off + len <= sizeof(o->b));
	if (o->family == 4) {
		h = off == 0 ? o->hdrlen : IPV4_LEN;
		memcpy(f, o->b, h);
		f[0] = (uint8_t)(0x40 | h / 4);
		wr16(f + 2, h + len);
		wr16(f + 6, ((size_t)o->b[6] << 8 & 0xC000) |
		    (more ? IPV4_MF : 0) | off / 8);
		memcpy(f + h, o->b + o->hdrlen + off, len);
		ip4_fix(f);
		return h + len;
	}
	h = o->hdrlen;
	memcpy(f, o->b, h);
	f[o->nh_off] = IPPROTO_FRAGMENT_;
	f[h] = o->b[o->nh_off];
	f[h + 1] = 0;
	wr16(f + h + 2, off | (more ? 1 : 0));
	wr32(f + h + 4, o->id);
	memcpy(f + h + 8, o->b + h + off, len);
	wr16(f + 4, h - IPV6_LEN + 8 + len);
	return h + 8 + len;
}

/* Feed n bytes as an exact heap copy, freed right after. */
static enum cap_defrag_result
feed_buf(struct fx *fx, const uint8_t *b, size_t n, int64_t now)
{
	enum cap_defrag_result r;
	uint8_t *copy = exact_copy(b, n);

	fx->out = fx->frag;
	fx->outlen = 12345;
	r = cap_defrag_feed(fx->t, copy, n, now, &fx->out, &fx->outlen);
	exact_release_last();
	if (r != CAP_DEFRAG_DONE) {
		assert_null(fx->out);
		assert_int_equal(fx->outlen, 0);
	}
	return r;
}

static enum cap_defrag_result
feed(struct fx *fx, const struct orig *o, size_t off, size_t len, int more,
    int64_t now)
{
	return feed_buf(fx, fx->frag, cut(fx, o, off, len, more), now);
}

/* The last call completed o: the output is o byte for byte. */
static void
assert_done_is(const struct fx *fx, const struct orig *o)
{
	assert_non_null(fx->out);
	assert_int_equal(fx->outlen, o->len);
	assert_memory_equal(fx->out, o->b, o->len);
	if (o->family == 4)
		assert_int_equal(ip4_sum(fx->out), 0xFFFF);
}

/* o's payload in pieces of size bytes (a multiple of 8). */
static size_t
plan(const struct orig *o, size_t size, struct piece *pc, size_t max)
{
	size_t n, off, payload = o->len - o->hdrlen;

	for (n = 0, off = 0; off < payload; n++, off += size) {
		assert_true(n < max);
		pc[n].off = off;
		pc[n].len = payload - off < size ? payload - off : size;
		pc[n].more = off + pc[n].len < payload;
	}
	return n;
}

/* Feed pc in order: each is held, the last completes o. */
static void
feed_order(struct fx *fx, const struct orig *o, const struct piece *pc,
    const size_t *order, size_t n, int64_t now)
{
	const struct piece *p;
	size_t i;

	for (i = 0; i < n; i++) {
		p = &pc[order[i]];
		if (i + 1 < n)
			assert_int_equal(feed(fx, o, p->off, p->len, p->more,
			    now), CAP_DEFRAG_HELD);
		else
			assert_int_equal(feed(fx, o, p->off, p->len, p->more,
			    now), CAP_DEFRAG_DONE);
	}
	assert_done_is(fx, o);
}

/* ---- IPv4 ---------------------------------------------------------------- */

static void
ipv4_two_in_order(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct cap_defrag_stats st;

	table(fx, 0, 0, 0, 0);
	orig_ipv4(o, 0, IPPROTO_UDP_, 0x1234, 0, 100);	/* 108 bytes */
	assert_int_equal(feed(fx, o, 0, 56, 1, 0), CAP_DEFRAG_HELD);
	st = stats(fx);
	assert_int_equal(st.fragments, 1);
	assert_int_equal(st.in_progress, 1);
	assert_int_equal(st.bytes_held, 56 + IPV4_LEN);
	assert_int_equal(feed(fx, o, 56, 52, 0, 1), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);
	st = stats(fx);
	assert_int_equal(st.fragments, 2);
	assert_int_equal(st.reassembled, 1);
	assert_empty(fx);
	assert_no_drops(fx);
}

static void
ipv4_three_in_order(void **state)
{
	struct fx *fx = *state;
	struct piece pc[3];
	static const size_t order[] = { 0, 1, 2 };

	table(fx, 0, 0, 0, 0);
	orig_ipv4(&fx->o[0], 0, IPPROTO_UDP_, 1, 0, 100);
	assert_int_equal(plan(&fx->o[0], 40, pc, 3), 3);
	feed_order(fx, &fx->o[0], pc, order, 3, 0);
	assert_int_equal(stats(fx).reassembled, 1);
	assert_empty(fx);
	assert_no_drops(fx);
}

static void
ipv4_reversed(void **state)
{
	struct fx *fx = *state;
	struct piece pc[3];
	static const size_t order[] = { 2, 1, 0 };

	table(fx, 0, 0, 0, 0);
	orig_ipv4(&fx->o[0], 0, IPPROTO_UDP_, 2, 0, 100);
	assert_int_equal(plan(&fx->o[0], 40, pc, 3), 3);
	feed_order(fx, &fx->o[0], pc, order, 3, 0);
	assert_empty(fx);
	assert_no_drops(fx);
}

static size_t
factorial(size_t n)
{
	return n <= 1 ? 1 : n * factorial(n - 1);
}

/* The k-th of the n! orders of 0..n-1. */
static void
nth_order(size_t k, size_t *order, size_t n)
{
	size_t pool[8], i, j, f;

	assert_true(n <= 8);
	for (i = 0; i < n; i++)
		pool[i] = i;
	for (i = 0; i < n; i++) {
		f = factorial(n - 1 - i);
		j = k / f;
		k %= f;
		order[i] = pool[j];
		memmove(pool + j, pool + j + 1, (n - 1 - i - j) * sizeof(*pool));
	}
}

static void
ipv4_every_order(void **state)
{
	struct fx *fx = *state;
	struct piece pc[4];
	size_t order[4], k;

	table(fx, 0, 0, 0, 0);
	orig_ipv4(&fx->o[0], 0, IPPROTO_UDP_, 3, 0, 100);
	assert_int_equal(plan(&fx->o[0], 32, pc, 4), 4);
	for (k = 0; k < 24; k++) {
		nth_order(k, order, 4);
		feed_order(fx, &fx->o[0], pc, order, 4, (int64_t)k);
		assert_empty(fx);
	}
	assert_int_equal(stats(fx).reassembled, 24);
	assert_no_drops(fx);
}

/* Copies change nothing and do not count against max_fragments. */
static void
ipv4_duplicated(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];

	table(fx, 0, 0, 3, 0);
	orig_ipv4(o, 0, IPPROTO_UDP_, 4, 0, 100);
	assert_int_equal(feed(fx, o, 0, 40, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 0, 40, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 40, 40, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 0, 40, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 40, 40, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).bytes_held, 80 + IPV4_LEN);
	assert_int_equal(feed(fx, o, 80, 28, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);
	assert_empty(fx);
	assert_no_drops(fx);
	/* A copy after completion starts a datagram of its own. */
	assert_int_equal(feed(fx, o, 80, 28, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).in_progress, 1);
}

/* Options and flags come from the first fragment, wherever it arrives. */
static void
ipv4_options_of_first(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct piece pc[3];
	static const size_t order[] = { 2, 0, 1 };

	table(fx, 0, 0, 0, 0);
	orig_ipv4(o, 12, IPPROTO_UDP_, 5, IPV4_DF, 100);
	assert_int_equal(o->hdrlen, 32);
	assert_int_equal(plan(o, 40, pc, 3), 3);
	feed_order(fx, o, pc, order, 3, 0);
	assert_int_equal(fx->out[0], 0x48);
	assert_int_equal(fx->out[6], IPV4_DF >> 8);
	assert_empty(fx);
	assert_no_drops(fx);
}

static void
ipv4_overlap_same_bytes(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];

	table(fx, 0, 0, 0, 0);
	orig_ipv4(o, 0, IPPROTO_UDP_, 6, 0, 100);
	assert_int_equal(feed(fx, o, 0, 24, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 16, 32, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).bytes_held, 48 + IPV4_LEN);
	assert_int_equal(feed(fx, o, 40, 68, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);
	assert_empty(fx);
	assert_no_drops(fx);
}

/* Flip the bytes of a cut IPv4 fragment (data at off) within [lo, hi). */
static void
flip(struct fx *fx, size_t hdr, size_t off, size_t lo, size_t hi)
{
	size_t i;

	for (i = lo; i < hi; i++)
		fx->frag[hdr + i - off] ^= 0xFF;
}

static void
ipv4_overlap_first_wins(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0], *late = &fx->o[1], *want = &fx->o[2];
	size_t n, i;

	table(fx, 0, 0, 0, 0);
	orig_ipv4(o, 0, IPPROTO_UDP_, 7, 0, 100);

	/* Held first: [0,16) and [32,48); then [8,56) differing there. */
	assert_int_equal(feed(fx, o, 0, 16, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 32, 16, 1, 0), CAP_DEFRAG_HELD);
	n = cut(fx, o, 8, 48, 1);
	flip(fx, IPV4_LEN, 8, 8, 16);
	flip(fx, IPV4_LEN, 8, 32, 48);
	assert_int_equal(feed_buf(fx, fx->frag, n, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).overlaps, 1);
	/* It filled both holes, [16,32) and [48,56). */
	assert_int_equal(stats(fx).bytes_held, 56 + IPV4_LEN);
	assert_int_equal(feed(fx, o, 56, 52, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);

	/* The differing copy first: it wins, both originals are counted. */
	orig_ipv4(late, 0, IPPROTO_UDP_, 8, 0, 100);
	*want = *late;
	for (i = 8; i < 16; i++)
		want->b[IPV4_LEN + i] ^= 0xFF;
	for (i = 32; i < 48; i++)
		want->b[IPV4_LEN + i] ^= 0xFF;
	n = cut(fx, late, 8, 48, 1);
	flip(fx, IPV4_LEN, 8, 8, 16);
	flip(fx, IPV4_LEN, 8, 32, 48);
	assert_int_equal(feed_buf(fx, fx->frag, n, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, late, 0, 16, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, late, 32, 16, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).overlaps, 3);
	assert_int_equal(feed(fx, late, 56, 52, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, want);
	assert_int_equal(stats(fx).overlap_drops, 0);
	assert_empty(fx);
}

/* The key is (src, dst, protocol, id): same id, other protocol, apart. */
static void
ipv4_keys_apart(void **state)
{
	struct fx *fx = *state;
	int i;

	table(fx, 0, 0, 0, 0);
	orig_ipv4(&fx->o[0], 0, IPPROTO_UDP_, 9, 0, 100);
	orig_ipv4(&fx->o[1], 0, IPPROTO_TCP_, 9, 0, 100);
	orig_ipv4(&fx->o[2], 0, IPPROTO_UDP_, 10, 0, 100);
	fx->o[1].b[IPV4_LEN + 20] ^= 0x55;	/* another payload */
	for (i = 0; i < 3; i++)
		assert_int_equal(feed(fx, &fx->o[i], 0, 56, 1, 0),
		    CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).in_progress, 3);
	for (i = 2; i >= 0; i--) {
		assert_int_equal(feed(fx, &fx->o[i], 56, 52, 0, 0),
		    CAP_DEFRAG_DONE);
		assert_done_is(fx, &fx->o[i]);
	}
	assert_empty(fx);
	assert_no_drops(fx);
}

/* Padding after the total length is not data; a cut fragment leaves a
 * hole that keeps the datagram held until the bytes come. */
static void
ipv4_padding_and_cut(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0], *o2 = &fx->o[1];
	size_t n;

	table(fx, 0, 0, 0, 0);
	orig_ipv4(o, 0, IPPROTO_UDP_, 11, 0, 100);
	n = cut(fx, o, 0, 56, 1);
	memset(fx->frag + n, 0, 6);
	assert_int_equal(feed_buf(fx, fx->frag, n + 6, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).bytes_held, 56 + IPV4_LEN);
	assert_int_equal(feed(fx, o, 56, 52, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);

	orig_ipv4(o2, 0, IPPROTO_UDP_, 12, 0, 100);
	n = cut(fx, o2, 0, 56, 1);
	assert_int_equal(feed_buf(fx, fx->frag, n - 8, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).bytes_held, 48 + IPV4_LEN);
	assert_int_equal(feed(fx, o2, 56, 52, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o2, 0, 56, 1, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o2);
	assert_empty(fx);
	assert_no_drops(fx);
}

/* A 65535-byte datagram in 45 fragments, in a scrambled order. */
static void
ipv4_largest(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct piece pc[45];
	size_t order[45], i;

	table(fx, 0, 0, 0, 0);
	orig_ipv4(o, 0, IPPROTO_UDP_, 13, 0, 65535 - IPV4_LEN - UDP_LEN);
	assert_int_equal(o->len, 65535);
	assert_int_equal(plan(o, 1480, pc, 45), 45);
	for (i = 0; i < 45; i++)
		order[i] = i * 7 % 45;
	feed_order(fx, o, pc, order, 45, 0);
	assert_empty(fx);
	assert_no_drops(fx);
}

/* ---- IPv6 ---------------------------------------------------------------- */

static void
ipv6_out_of_order(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];

	table(fx, 0, 0, 0, 0);
	orig_ipv6(o, EXT_NONE, 1, 100);
	assert_int_equal(feed(fx, o, 56, 52, 0, 0), CAP_DEFRAG_HELD);
	/* No header kept before the first fragment comes. */
	assert_int_equal(stats(fx).bytes_held, 52);
	assert_int_equal(feed(fx, o, 0, 56, 1, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);
	assert_int_equal(fx->out[6], IPPROTO_UDP_);
	assert_empty(fx);
	assert_no_drops(fx);
}

static void
ipv6_extension_headers(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct piece pc[8];
	static const size_t order[] = { 3, 0, 4, 2, 1 };
	static const size_t hdrlen[] = { 40, 48, 72, 64 };
	int e;

	table(fx, 0, 0, 0, 0);
	for (e = EXT_NONE; e <= EXT_DST_RT; e++) {
		/* 108 bytes after the headers kept, in each layout. */
		orig_ipv6(o, (enum ext)e, 100 + (uint32_t)e,
		    e == EXT_HBH_RT_DST ? 84 : 100);
		assert_int_equal(o->hdrlen, hdrlen[e]);
		assert_int_equal(plan(o, 24, pc, 8), 5);
		feed_order(fx, o, pc, order, 5, 0);
		assert_empty(fx);
	}
	assert_int_equal(stats(fx).reassembled, 4);
	assert_no_drops(fx);
}

/* Later fragments may carry other unfragmentable headers: the first's win. */
static void
ipv6_header_of_first(void **state)
{
	struct fx *fx = *state;
	struct orig *hbh = &fx->o[0], *none = &fx->o[1];

	table(fx, 0, 0, 0, 0);
	orig_ipv6(hbh, EXT_HBH, 7, 100);
	orig_ipv6(none, EXT_NONE, 7, 100);
	assert_int_equal(feed(fx, none, 32, 76, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, hbh, 0, 32, 1, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, hbh);
	assert_no_drops(fx);
}

/* Offset 0 and no more fragments: a datagram by itself (RFC 6946),
 * used as it is, whatever is held under the same key. */
static void
ipv6_atomic_fragment(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct cap_defrag_stats st;

	table(fx, 0, 0, 0, 0);
	orig_ipv6(o, EXT_HBH, 2, 100);
	assert_int_equal(feed(fx, o, 0, 108, 0, 0), CAP_DEFRAG_WHOLE);
	assert_int_equal(feed(fx, o, 0, 32, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 0, 108, 0, 0), CAP_DEFRAG_WHOLE);
	st = stats(fx);
	assert_int_equal(st.fragments, 1);
	assert_int_equal(st.in_progress, 1);
	assert_int_equal(feed(fx, o, 32, 76, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);
	assert_int_equal(stats(fx).reassembled, 1);
	assert_empty(fx);
	assert_no_drops(fx);
}

/* Any overlap, even of equal bytes, discards the datagram and the
 * fragments still to come until its timeout (RFC 5722). */
static void
ipv6_overlap_drops(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct cap_defrag_stats st;

	table(fx, 0, 0, 0, 1000);
	orig_ipv6(o, EXT_NONE, 3, 100);
	assert_int_equal(feed(fx, o, 0, 32, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 24, 32, 1, 10), CAP_DEFRAG_DROPPED);
	st = stats(fx);
	assert_int_equal(st.overlap_drops, 1);
	assert_int_equal(st.overlaps, 0);
	assert_empty(fx);
	assert_int_equal(feed(fx, o, 56, 52, 0, 20), CAP_DEFRAG_DROPPED);
	assert_int_equal(feed(fx, o, 0, 32, 1, 999), CAP_DEFRAG_DROPPED);
	st = stats(fx);
	assert_int_equal(st.dropped_late, 2);
	assert_int_equal(st.overlap_drops, 1);
	assert_empty(fx);
	/* The datagram's timeout passed: the key is free again. */
	assert_int_equal(feed(fx, o, 0, 32, 1, 1000), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 32, 76, 0, 1000), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);
	assert_int_equal(stats(fx).timeouts, 0);
}

/* An exact copy is ignored (RFC 8200 4.5); a copy that changes M is not. */
static void
ipv6_exact_duplicate(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0], *o2 = &fx->o[1];
	size_t n;

	table(fx, 0, 0, 0, 0);
	orig_ipv6(o, EXT_NONE, 4, 88);			/* 96 bytes */
	assert_int_equal(feed(fx, o, 0, 32, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 0, 32, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 32, 64, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);
	assert_no_drops(fx);

	orig_ipv6(o2, EXT_NONE, 5, 88);
	assert_int_equal(feed(fx, o2, 32, 64, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o2, 32, 64, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o2, 32, 64, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).overlap_drops, 1);
	/* Same range, other bytes: an overlap too. */
	o2->id = 6;
	assert_int_equal(feed(fx, o2, 0, 32, 1, 0), CAP_DEFRAG_HELD);
	n = cut(fx, o2, 0, 32, 1);
	fx->frag[n - 1] ^= 1;
	assert_int_equal(feed_buf(fx, fx->frag, n, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).overlap_drops, 2);
	assert_empty(fx);
}

/* Given-up keys are remembered at most max_datagrams at a time. */
static void
ipv6_dropped_keys_bounded(void **state)
{
	struct fx *fx = *state;
	struct orig *a = &fx->o[0], *b = &fx->o[1];

	table(fx, 1, 0, 0, 1000);
	orig_ipv6(a, EXT_NONE, 11, 100);
	orig_ipv6(b, EXT_NONE, 12, 100);
	assert_int_equal(feed(fx, a, 0, 32, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, a, 24, 32, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(feed(fx, b, 0, 32, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, b, 24, 32, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).overlap_drops, 2);
	/* b's key pushed a's out: a starts again, b is still dropped. */
	assert_int_equal(feed(fx, b, 56, 52, 0, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(feed(fx, a, 56, 52, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).dropped_late, 1);
	assert_int_equal(stats(fx).in_progress, 1);
	assert_int_equal(stats(fx).evicted, 0);
}

/* A 65535-byte IPv6 payload. */
static void
ipv6_largest(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct piece pc[46];
	size_t order[46], i;

	table(fx, 0, 0, 0, 0);
	orig_ipv6(o, EXT_NONE, 14, 65535 - UDP_LEN);
	assert_int_equal(o->len, IPV6_LEN + 65535);
	assert_int_equal(plan(o, 1448, pc, 46), 46);
	for (i = 0; i < 46; i++)
		order[i] = 45 - i;
	feed_order(fx, o, pc, order, 46, 0);
	assert_empty(fx);
	assert_no_drops(fx);
}

/* ---- limits -------------------------------------------------------------- */

static void
timeout(void **state)
{
	struct fx *fx = *state;
	struct orig *a = &fx->o[0], *b = &fx->o[1], *c = &fx->o[2];
	struct pkt p = { .len = 0 };
	struct cap_defrag_stats st;

	table(fx, 0, 0, 0, 1000);
	orig_ipv4(a, 0, IPPROTO_UDP_, 1, 0, 100);
	orig_ipv4(b, 0, IPPROTO_UDP_, 2, 0, 100);
	orig_ipv6(c, EXT_NONE, 3, 100);
	assert_int_equal(feed(fx, a, 0, 56, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, b, 0, 56, 1, 500), CAP_DEFRAG_HELD);
	/* Still in time one millisecond before. */
	assert_int_equal(feed(fx, a, 56, 52, 0, 999), CAP_DEFRAG_DONE);
	assert_done_is(fx, a);
	assert_int_equal(feed(fx, c, 0, 56, 1, 1000), CAP_DEFRAG_HELD);
	cap_defrag_expire(fx->t, 1499);
	assert_int_equal(stats(fx).in_progress, 2);
	cap_defrag_expire(fx->t, 1500);
	st = stats(fx);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.in_progress, 1);
	assert_int_equal(st.bytes_held, 56 + IPV6_LEN);
	/* b's first fragment is gone: its last one starts anew. */
	assert_int_equal(feed(fx, b, 56, 52, 0, 1500), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).in_progress, 2);
	/* A clock that goes back expires nothing. */
	cap_defrag_expire(fx->t, -5000);
	assert_int_equal(stats(fx).in_progress, 2);
	/* Any packet fed expires what is overdue first. */
	build_ipv4_udp(&p, 10);
	assert_int_equal(feed_buf(fx, p.b, p.len, 5000), CAP_DEFRAG_WHOLE);
	st = stats(fx);
	assert_int_equal(st.timeouts, 3);
	assert_int_equal(st.reassembled, 1);
	assert_empty(fx);
}

static void
evict_max_datagrams(void **state)
{
	struct fx *fx = *state;
	struct orig *a = &fx->o[0], *b = &fx->o[1], *c = &fx->o[2];

	table(fx, 2, 0, 0, 0);
	orig_ipv4(a, 0, IPPROTO_UDP_, 1, 0, 100);
	orig_ipv4(b, 0, IPPROTO_UDP_, 2, 0, 100);
	orig_ipv6(c, EXT_NONE, 3, 100);
	assert_int_equal(feed(fx, a, 0, 56, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, b, 0, 56, 1, 1), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, c, 0, 56, 1, 2), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).evicted, 1);
	assert_int_equal(stats(fx).in_progress, 2);
	assert_int_equal(stats(fx).bytes_held, 2 * 56 + IPV4_LEN + IPV6_LEN);
	assert_int_equal(feed(fx, b, 56, 52, 0, 3), CAP_DEFRAG_DONE);
	assert_done_is(fx, b);
	assert_int_equal(feed(fx, c, 56, 52, 0, 3), CAP_DEFRAG_DONE);
	assert_done_is(fx, c);
	/* a, the oldest, was the one evicted. */
	assert_int_equal(feed(fx, a, 56, 52, 0, 4), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).evicted, 1);
	assert_int_equal(stats(fx).bytes_held, 52);
}

static void
evict_max_bytes(void **state)
{
	struct fx *fx = *state;
	struct orig *a = &fx->o[0], *b = &fx->o[1], *c = &fx->o[2];
	struct cap_defrag_stats st;

	/* Room for two first fragments (76 bytes each with their header)
	 * and one last one (52): 204 bytes. */
	table(fx, 0, 210, 0, 0);
	orig_ipv4(a, 0, IPPROTO_UDP_, 1, 0, 100);
	orig_ipv4(b, 0, IPPROTO_UDP_, 2, 0, 100);
	orig_ipv4(c, 0, IPPROTO_UDP_, 3, 0, 100);
	assert_int_equal(feed(fx, a, 0, 56, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, b, 0, 56, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).bytes_held, 152);
	assert_int_equal(feed(fx, c, 0, 56, 1, 0), CAP_DEFRAG_HELD);
	st = stats(fx);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.bytes_held, 152);
	assert_int_equal(feed(fx, b, 56, 52, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, b);
	assert_int_equal(feed(fx, c, 56, 52, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, c);
	assert_int_equal(feed(fx, a, 56, 52, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).bytes_held, 52);

	/* More than max_bytes alone: dropped, nothing else evicted for it. */
	orig_ipv4(b, 0, IPPROTO_UDP_, 4, 0, 300);
	assert_int_equal(feed(fx, b, 0, 208, 1, 0), CAP_DEFRAG_DROPPED);
	st = stats(fx);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.in_progress, 1);
	assert_int_equal(st.bytes_held, 52);
	/* It fits once a, the oldest, is gone. */
	assert_int_equal(feed(fx, b, 0, 176, 1, 0), CAP_DEFRAG_HELD);
	st = stats(fx);
	assert_int_equal(st.evicted, 3);
	assert_int_equal(st.in_progress, 1);
	assert_int_equal(st.bytes_held, 176 + IPV4_LEN);
}

/* Room for the oldest datagram's own fragment is made from the others. */
static void
evict_for_oldest(void **state)
{
	struct fx *fx = *state;
	struct orig *a = &fx->o[0], *b = &fx->o[1];
	struct cap_defrag_stats st;

	table(fx, 0, 150, 0, 0);
	orig_ipv4(a, 0, IPPROTO_UDP_, 1, 0, 100);
	orig_ipv4(b, 0, IPPROTO_UDP_, 2, 0, 100);
	assert_int_equal(feed(fx, a, 0, 56, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, b, 56, 52, 0, 1), CAP_DEFRAG_HELD);
	assert_int_equal(stats(fx).bytes_held, 76 + 52);
	assert_int_equal(feed(fx, a, 56, 52, 0, 2), CAP_DEFRAG_DONE);
	assert_done_is(fx, a);
	st = stats(fx);
	assert_int_equal(st.evicted, 1);
	assert_empty(fx);
	/* b was the one evicted. */
	assert_int_equal(feed(fx, b, 0, 56, 1, 3), CAP_DEFRAG_HELD);
}

static void
too_many_fragments(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct cap_defrag_stats st;

	table(fx, 0, 0, 2, 0);
	orig_ipv4(o, 0, IPPROTO_UDP_, 1, 0, 100);
	assert_int_equal(feed(fx, o, 0, 16, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 0, 16, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 16, 16, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 32, 16, 1, 0), CAP_DEFRAG_DROPPED);
	st = stats(fx);
	assert_int_equal(st.too_many, 1);
	assert_int_equal(st.fragments, 4);
	assert_empty(fx);
	/* The rest of that datagram cannot complete: dropped too. */
	assert_int_equal(feed(fx, o, 48, 60, 0, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).dropped_late, 1);
	assert_empty(fx);
}

static void
too_long(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];

	table(fx, 0, 0, 0, 0);
	/* IPv4: 65535 - 20 bytes of payload at most. */
	orig_ipv4(o, 0, IPPROTO_UDP_, 1, 0, 100);
	assert_int_equal(feed(fx, o, 65528, 16, 0, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(feed(fx, o, 65512, 8, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).too_long, 2);
	assert_int_equal(stats(fx).in_progress, 0);
	assert_int_equal(feed(fx, o, 65512, 3, 0, 0), CAP_DEFRAG_HELD);

	/* A first fragment with 40 bytes of options leaves room for less. */
	orig_ipv4(o, 40, IPPROTO_UDP_, 2, 0, 100);
	assert_int_equal(feed(fx, o, 65464, 16, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 0, 8, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).too_long, 3);
	orig_ipv4(o, 40, IPPROTO_UDP_, 3, 0, 100);
	assert_int_equal(feed(fx, o, 0, 8, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 65464, 16, 0, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).too_long, 4);
	assert_int_equal(stats(fx).in_progress, 3);

	/* IPv6: the payload length counts the headers kept. */
	orig_ipv6(o, EXT_NONE, 4, 100);
	assert_int_equal(feed(fx, o, 65528, 16, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(feed(fx, o, 65520, 8, 1, 0), CAP_DEFRAG_HELD);
	orig_ipv6(o, EXT_HBH, 5, 100);
	assert_int_equal(feed(fx, o, 65520, 8, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).too_long, 6);
	assert_int_equal(stats(fx).malformed, 0);
}

/* ---- malformed ----------------------------------------------------------- */

/* p is dropped as malformed without being a fragment. */
static void
assert_bad_header(struct fx *fx, const uint8_t *b, size_t n,
    uint64_t *count)
{
	assert_int_equal(feed_buf(fx, b, n, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).malformed, ++*count);
	assert_int_equal(stats(fx).fragments, 0);
}

static void
malformed_headers(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct pkt p;
	uint64_t count = 0;
	size_t n, ip;
	int i;

	table(fx, 0, 0, 0, 0);
	orig_ipv4(o, 8, IPPROTO_UDP_, 1, 0, 100);
	n = cut(fx, o, 0, 56, 1);
	assert_bad_header(fx, fx->frag, 0, &count);		/* empty */
	assert_bad_header(fx, fx->frag, 19, &count);		/* cut */
	assert_bad_header(fx, fx->frag, 27, &count);		/* options cut */
	fx->frag[0] = 0x44;					/* IHL 4 */
	assert_bad_header(fx, fx->frag, n, &count);
	fx->frag[0] = 0x4F;					/* IHL 15 */
	assert_bad_header(fx, fx->frag, 56, &count);
	fx->frag[0] = 0x57;					/* version 5 */
	assert_bad_header(fx, fx->frag, n, &count);
	n = cut(fx, o, 0, 56, 1);
	wr16(fx->frag + 2, 27);			/* total below the header */
	assert_bad_header(fx, fx->frag, n, &count);

	orig_ipv6(o, EXT_HBH, 2, 100);
	n = cut(fx, o, 0, 56, 1);
	assert_bad_header(fx, fx->frag, 39, &count);		/* IPv6 cut */
	assert_bad_header(fx, fx->frag, 44, &count);		/* in HBH */
	assert_bad_header(fx, fx->frag, 52, &count);		/* in Fragment */
	wr16(fx->frag + 4, 12);		/* payload length ends in Fragment */
	assert_bad_header(fx, fx->frag, n, &count);

	/* 16 extension headers before the Fragment header, then 17. */
	for (i = 16; i <= 17; i++) {
		p.len = 0;
		ip = put_ipv6_simple(&p, IPPROTO_DSTOPTS_);
		for (n = 0; n < (size_t)i; n++)
			put_ip6_opts(&p, n + 1 < (size_t)i ? IPPROTO_DSTOPTS_ :
			    IPPROTO_FRAGMENT_, 8);
		put_ip6_frag(&p, IPPROTO_UDP_, 1, 1);
		put_payload(&p, 8);
		end_ipv6(&p, ip);
		if (i == 16)
			assert_int_equal(feed_buf(fx, p.b, p.len, 0),
			    CAP_DEFRAG_HELD);
		else
			assert_int_equal(feed_buf(fx, p.b, p.len, 0),
			    CAP_DEFRAG_DROPPED);
	}
	assert_int_equal(stats(fx).malformed, count + 1);
	assert_int_equal(stats(fx).fragments, 1);
}

static void
malformed_fragments(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0], *o6 = &fx->o[1], *b = &fx->o[2];
	struct cap_defrag_stats st;
	size_t n;

	table(fx, 0, 0, 0, 0);
	orig_ipv4(o, 0, IPPROTO_UDP_, 1, 0, 100);
	orig_ipv6(o6, EXT_NONE, 2, 100);
	/* More to come, but not a multiple of 8 bytes. */
	assert_int_equal(feed(fx, o, 0, 12, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(feed(fx, o6, 8, 20, 1, 0), CAP_DEFRAG_DROPPED);
	/* No data at all. */
	assert_int_equal(feed(fx, o, 8, 0, 1, 0), CAP_DEFRAG_DROPPED);
	n = cut(fx, o, 8, 16, 0);
	wr16(fx->frag + 2, IPV4_LEN);
	assert_int_equal(feed_buf(fx, fx->frag, n, 0), CAP_DEFRAG_DROPPED);
	st = stats(fx);
	assert_int_equal(st.malformed, 4);
	assert_int_equal(st.fragments, 4);
	assert_empty(fx);

	/* Against what is held: a second end, data past the end. */
	assert_int_equal(feed(fx, o, 56, 52, 0, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 56, 44, 0, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(feed(fx, o, 104, 8, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).malformed, 6);
	/* An end below the data held. */
	orig_ipv4(b, 0, IPPROTO_UDP_, 3, 0, 100);
	assert_int_equal(feed(fx, b, 64, 16, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, b, 56, 16, 0, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).malformed, 7);
	/* The datagrams themselves are unharmed. */
	assert_int_equal(feed(fx, o, 0, 56, 1, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, o);
	assert_int_equal(feed(fx, b, 0, 64, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, b, 80, 28, 0, 0), CAP_DEFRAG_DONE);
	assert_done_is(fx, b);
	assert_empty(fx);
	st = stats(fx);
	assert_int_equal(st.too_long + st.evicted + st.overlaps, 0);
}

/* ---- not fragments, the table itself ------------------------------------- */

static void
not_fragments_whole(void **state)
{
	struct fx *fx = *state;
	struct pkt p;
	size_t ip;

	table(fx, 0, 0, 0, 0);
	p.len = 0;
	build_ipv4_udp(&p, 30);
	assert_int_equal(feed_buf(fx, p.b, p.len, 0), CAP_DEFRAG_WHOLE);
	put_fill(&p, 0, 6);				/* Ethernet padding */
	assert_int_equal(feed_buf(fx, p.b, p.len, 0), CAP_DEFRAG_WHOLE);

	p.len = 0;
	ip = put_ipv4(&p, &(struct ip4){ .proto = IPPROTO_TCP_, .ttl = 1,
	    .frag = IPV4_DF, .optlen = 4 });
	put_tcp(&p, 1, 2, TCP_SYN, 0);
	end_ipv4(&p, ip);
	assert_int_equal(feed_buf(fx, p.b, p.len, 0), CAP_DEFRAG_WHOLE);

	p.len = 0;
	build_ipv6_tcp(&p, 20);
	assert_int_equal(feed_buf(fx, p.b, p.len, 0), CAP_DEFRAG_WHOLE);

	p.len = 0;
	ip = put_ipv6_simple(&p, IPPROTO_HOPOPTS_);
	put_ip6_opts(&p, IPPROTO_ROUTING_, 8);
	put_ip6_routing(&p, IPPROTO_TCP_, 24);
	put_tcp(&p, 1, 2, TCP_ACK, 0);
	end_ipv6(&p, ip);
	assert_int_equal(feed_buf(fx, p.b, p.len, 0), CAP_DEFRAG_WHOLE);

	/* A jumbogram (payload length 0, hop-by-hop first). */
	set16(&p, ip + 4, 0);
	assert_int_equal(feed_buf(fx, p.b, p.len, 0), CAP_DEFRAG_WHOLE);

	p.len = 0;
	ip = put_ipv6_simple(&p, IPPROTO_NONE_);
	end_ipv6(&p, ip);
	assert_int_equal(feed_buf(fx, p.b, p.len, 0), CAP_DEFRAG_WHOLE);

	assert_int_equal(stats(fx).fragments, 0);
	assert_empty(fx);
	assert_no_drops(fx);
}

static void
limits_and_defaults(void **state)
{
	struct fx *fx = *state;
	struct orig *o = &fx->o[0];
	struct cap_defrag_limits bad = { 0 };
	struct cap_defrag *t;
	size_t i, n;

	bad.max_datagrams = (1u << 20) + 1;
	assert_null(cap_defrag_new(&bad));
	bad.max_datagrams = 0;
	bad.timeout_ms = -1;
	assert_null(cap_defrag_new(&bad));
	bad.timeout_ms = 0;
	bad.max_datagrams = 1u << 20;
	t = cap_defrag_new(&bad);
	assert_non_null(t);
	cap_defrag_free(t);
	cap_defrag_free(NULL);

	table(fx, 0, 0, 0, 0);
	/* 64 fragments per datagram, */
	orig_ipv4(o, 0, IPPROTO_UDP_, 1, 0, 1000);
	for (i = 0; i < 64; i++)
		assert_int_equal(feed(fx, o, i * 8, 8, 1, 0), CAP_DEFRAG_HELD);
	assert_int_equal(feed(fx, o, 64 * 8, 8, 1, 0), CAP_DEFRAG_DROPPED);
	assert_int_equal(stats(fx).too_many, 1);
	/* 1024 datagrams, */
	n = cut(fx, o, 0, 8, 1);
	for (i = 0; i < 1025; i++) {
		wr16(fx->frag + 4, 1000 + i);	/* id 1 is given up */
		ip4_fix(fx->frag);
		assert_int_equal(feed_buf(fx, fx->frag, n, 0), CAP_DEFRAG_HELD);
	}
	assert_int_equal(stats(fx).in_progress, 1024);
	assert_int_equal(stats(fx).evicted, 1);
	/* and 30 seconds. */
	cap_defrag_expire(fx->t, 29999);
	assert_int_equal(stats(fx).in_progress, 1024);
	cap_defrag_expire(fx->t, 30000);
	assert_int_equal(stats(fx).timeouts, 1024);
	assert_empty(fx);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(ipv4_two_in_order, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_three_in_order, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_reversed, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_every_order, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_duplicated, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_options_of_first, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_overlap_same_bytes, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv4_overlap_first_wins, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv4_keys_apart, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_padding_and_cut, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_largest, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv6_out_of_order, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv6_extension_headers, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv6_header_of_first, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv6_atomic_fragment, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv6_overlap_drops, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv6_exact_duplicate, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv6_dropped_keys_bounded, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv6_largest, setup, teardown),
	cmocka_unit_test_setup_teardown(timeout, setup, teardown),
	cmocka_unit_test_setup_teardown(evict_max_datagrams, setup, teardown),
	cmocka_unit_test_setup_teardown(evict_max_bytes, setup, teardown),
	cmocka_unit_test_setup_teardown(evict_for_oldest, setup, teardown),
	cmocka_unit_test_setup_teardown(too_many_fragments, setup, teardown),
	cmocka_unit_test_setup_teardown(too_long, setup, teardown),
	cmocka_unit_test_setup_teardown(malformed_headers, setup, teardown),
	cmocka_unit_test_setup_teardown(malformed_fragments, setup, teardown),
	cmocka_unit_test_setup_teardown(not_fragments_whole, setup, teardown),
	cmocka_unit_test_setup_teardown(limits_and_defaults, setup, teardown),
};

FS_TEST_MAIN(tests)
