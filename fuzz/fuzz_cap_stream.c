/*
 * fuzz_cap_stream.c - libFuzzer target: one input is the segments of one
 * direction of a TCP session, in the order they arrive, for cap_stream.
 *
 * The input is a list of records, each
 *     seq (4 bytes, big-endian), flags (1 byte), length (2 bytes,
 *     big-endian), then length bytes of payload (fewer when the input
 *     ends first);
 * flags: 0x01 FIN, 0x02 SYN (cap_stream_syn(seq) first; the payload then
 * starts at seq + 1), 0x04 call cap_stream_age() after the segment, and
 * the high five bits advance the clock by that many times 16 ms.  After
 * the last record the stream is flushed and freed.
 *
 * The whole input runs twice: with roomy bounds and no cap, and with
 * tight bounds (3 segments, 300 bytes, 50 ms) and max_stream 1000.  The
 * promises of cap_stream.h are checked (FUZZ_CHECK aborts, which libFuzzer
 * reports like a crash):
 *  - delivered bytes come with contiguous offsets, each call at least one
 *    byte, never more in all than the payload fed, nor than max_stream;
 *  - the counters agree with what the callback saw (delivered; gaps and
 *    gap_bytes when there is no cap), delivered + duplicate + capped
 *    never exceed the bytes fed, overlap_diff <= duplicate;
 *  - between calls the held segments stay within the bounds (and within
 *    the cap); after the flush nothing is held.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cap_stream.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: broken promise: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#define FLAG_FIN	0x01
#define FLAG_SYN	0x02
#define FLAG_AGE	0x04

struct fuzz_sink {
	uint64_t	bytes;		/* delivered, as the callback saw */
	uint64_t	gaps;
	uint64_t	gap_bytes;
	uint32_t	sum;		/* reads every byte delivered */
};

static void
fuzz_cb(void *arg, const uint8_t *data, size_t len, uint64_t offset,
    uint32_t gap)
{
	struct fuzz_sink *k = arg;
	size_t i;

	FUZZ_CHECK(len > 0 && data != NULL);
	FUZZ_CHECK(offset == k->bytes);
	for (i = 0; i < len; i++)
		k->sum += data[i];
	k->bytes += len;
	if (gap > 0) {
		k->gaps++;
		k->gap_bytes += gap;
	}
}

static void
check(const struct cap_stream *s, const struct cap_stream_limits *l,
    const struct fuzz_sink *k, uint64_t fed)
{
	FUZZ_CHECK(s->st.delivered == k->bytes);
	FUZZ_CHECK(s->offset == k->bytes);
	FUZZ_CHECK(k->bytes <= fed);
	FUZZ_CHECK(s->st.delivered + s->st.duplicate + s->st.capped <= fed);
	FUZZ_CHECK(s->st.overlap_diff <= s->st.duplicate);
	FUZZ_CHECK(s->held_segments <= l->max_segments);
	FUZZ_CHECK(s->held_bytes <= l->max_bytes);
	FUZZ_CHECK((s->held == NULL) == (s->held_segments == 0));
	FUZZ_CHECK(s->held_segments <= s->held_bytes);
	if (l->max_stream > 0) {
		FUZZ_CHECK(k->bytes <= l->max_stream);
		FUZZ_CHECK(s->held_bytes <= l->max_stream - s->offset);
	} else {
		FUZZ_CHECK(s->st.capped == 0);
		FUZZ_CHECK(s->st.gaps == k->gaps);
		FUZZ_CHECK(s->st.gap_bytes == k->gap_bytes);
	}
}

static void
run(const uint8_t *data, size_t size, const struct cap_stream_limits *l)
{
	struct cap_stream s;
	struct fuzz_sink k = { 0 };
	uint64_t fed = 0;
	int64_t now = 1000;
	uint32_t seq;
	size_t len;
	uint8_t flags;

	cap_stream_init(&s);
	while (size >= 7) {
		seq = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
		    (uint32_t)data[2] << 8 | data[3];
		flags = data[4];
		len = (size_t)data[5] << 8 | data[6];
		data += 7;
		size -= 7;
		if (len > size)
			len = size;
		now += (flags >> 3) * 16;
		if (flags & FLAG_SYN) {
			cap_stream_syn(&s, seq);
			seq++;
		}
		(void)cap_stream_segment(&s, l, seq, data, len,
		    flags & FLAG_FIN, now, fuzz_cb, &k);
		fed += len;
		check(&s, l, &k, fed);
		if (flags & FLAG_AGE) {
			cap_stream_age(&s, l, now, fuzz_cb, &k);
			check(&s, l, &k, fed);
		}
		data += len;
		size -= len;
	}
	cap_stream_flush(&s, fuzz_cb, &k);
	check(&s, l, &k, fed);
	FUZZ_CHECK(s.held == NULL && s.held_segments == 0 &&
	    s.held_bytes == 0);
	cap_stream_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cap_stream_limits roomy = {
		.max_segments = 16, .max_bytes = 16384, .gap_timeout_ms = 200,
	};
	static const struct cap_stream_limits tight = {
		.max_segments = 3, .max_bytes = 300, .gap_timeout_ms = 50,
		.max_stream = 1000,
	};

	run(data, size, &roomy);
	run(data, size, &tight);
	return 0;
}
