/*
 * fuzz_cap_defrag.c - libFuzzer target: one input is a sequence of IP
 * packets fed to one reassembly table (capture/cap_defrag.c), as the
 * session table feeds it the frames of a capture.
 *
 * Input: byte 0 picks the limits, two bits each (max_datagrams, max_bytes,
 * max_fragments, timeout_ms), small enough that every cap is reached.
 * Then records: a 2-byte big-endian length, one byte of time step (units
 * of 16 ms), and that many bytes of packet (what is left when fewer).
 * Each packet is fed as a heap copy of exactly its length, so an
 * over-read is caught.  After the last one everything expires.
 *
 * The promises of cap_defrag.h checked (FUZZ_CHECK aborts, which libFuzzer
 * reports like a crash):
 *  - the result is one of enum cap_defrag_result; *out is set for DONE
 *    only;
 *  - DONE gives an IPv4 datagram with a valid header (IHL inside, total
 *    length == outlen, MF and offset clear, checksum right), which fed
 *    again is WHOLE; or an IPv6 packet of 40 + payload length bytes; at
 *    most 65535 bytes of IP payload either way;
 *  - counters never go back; fragments grows by one for HELD and DONE,
 *    not for WHOLE; DONE adds one to reassembled; DROPPED adds to one of
 *    the drop counters;
 *  - in_progress <= max_datagrams and bytes_held <= max_bytes always, and
 *    both are zero once every timeout has passed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_defrag.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: broken promise: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#define STEP_MS		16

static const uint32_t	max_datagrams[4] = { 1, 3, 16, 0 };
static const size_t	max_bytes[4] = { 128, 2048, 65536, 0 };
static const uint32_t	max_fragments[4] = { 2, 4, 16, 0 };
static const int64_t	timeouts[4] = { 50, 500, 5000, 0 };

static volatile uint32_t sink;

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint64_t
drops(const struct cap_defrag_stats *st)
{
	return st->malformed + st->too_long + st->too_many +
	    st->overlap_drops + st->evicted + st->dropped_late;
}

/* Counters only grow. */
static void
check_monotonic(const struct cap_defrag_stats *a,
    const struct cap_defrag_stats *b)
{
	FUZZ_CHECK(b->fragments >= a->fragments);
	FUZZ_CHECK(b->reassembled >= a->reassembled);
	FUZZ_CHECK(b->timeouts >= a->timeouts);
	FUZZ_CHECK(b->evicted >= a->evicted);
	FUZZ_CHECK(b->too_many >= a->too_many);
	FUZZ_CHECK(b->overlaps >= a->overlaps);
	FUZZ_CHECK(b->overlap_drops >= a->overlap_drops);
	FUZZ_CHECK(b->too_long >= a->too_long);
	FUZZ_CHECK(b->malformed >= a->malformed);
	FUZZ_CHECK(b->dropped_late >= a->dropped_late);
}

static void
check_bounds(const struct cap_defrag_limits *lim,
    const struct cap_defrag_stats *st)
{
	FUZZ_CHECK(st->in_progress <= (lim->max_datagrams ?
	    lim->max_datagrams : 1024));
	FUZZ_CHECK(st->bytes_held <= (lim->max_bytes ? lim->max_bytes :
	    16u * 1024 * 1024));
}

static void
check_ipv4(struct cap_defrag *t, const uint8_t *out, size_t outlen,
    int64_t now)
{
	const uint8_t *o2;
	uint8_t *copy;
	size_t ihl = (size_t)(out[0] & 0x0F) * 4, i, o2len;
	uint32_t sum = 0;

	FUZZ_CHECK(ihl >= 20 && ihl <= outlen);
	FUZZ_CHECK(be16(out + 2) == outlen);
	FUZZ_CHECK((be16(out + 6) & 0x3FFF) == 0);
	for (i = 0; i < ihl; i += 2)
		sum += be16(out + i);
	while (sum > 0xFFFF)
		sum = (sum & 0xFFFF) + (sum >> 16);
	FUZZ_CHECK(sum == 0xFFFF);

	if ((copy = malloc(outlen)) == NULL)
		return;
	memcpy(copy, out, outlen);
	FUZZ_CHECK(cap_defrag_feed(t, copy, outlen, now, &o2, &o2len) ==
	    CAP_DEFRAG_WHOLE);
	FUZZ_CHECK(o2 == NULL && o2len == 0);
	free(copy);
}

static void
check_done(struct cap_defrag *t, const uint8_t *out, size_t outlen,
    int64_t now)
{
	size_t i;
	uint32_t s = 0;

	FUZZ_CHECK(out != NULL && outlen >= 20);
	for (i = 0; i < outlen; i++)		/* every byte readable */
		s += out[i];
	sink += s;
	switch (out[0] >> 4) {
	case 4:
		FUZZ_CHECK(outlen <= 65535);
		check_ipv4(t, out, outlen, now);
		break;
	case 6:
		FUZZ_CHECK(outlen >= 40 && outlen <= 40 + 65535);
		FUZZ_CHECK(40 + be16(out + 4) == outlen);
		break;
	default:
		FUZZ_CHECK(!"reassembled neither IPv4 nor IPv6");
	}
}

static void
feed_one(struct cap_defrag *t, const struct cap_defrag_limits *lim,
    const uint8_t *pkt, size_t len, int64_t now)
{
	struct cap_defrag_stats before, after;
	const uint8_t *out;
	uint8_t *copy;
	size_t outlen;
	int r;

	/* malloc(0) may return NULL; an empty packet still needs a pointer. */
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		return;
	memcpy(copy, pkt, len);
	cap_defrag_stats(t, &before);
	r = cap_defrag_feed(t, copy, len, now, &out, &outlen);
	free(copy);		/* *out must not point into the packet */
	cap_defrag_stats(t, &after);

	FUZZ_CHECK(r >= CAP_DEFRAG_WHOLE && r <= CAP_DEFRAG_DROPPED);
	if (r != CAP_DEFRAG_DONE)
		FUZZ_CHECK(out == NULL && outlen == 0);
	check_monotonic(&before, &after);
	check_bounds(lim, &after);
	switch (r) {
	case CAP_DEFRAG_WHOLE:
		FUZZ_CHECK(after.fragments == before.fragments);
		break;
	case CAP_DEFRAG_HELD:
		FUZZ_CHECK(after.fragments == before.fragments + 1);
		FUZZ_CHECK(after.in_progress > 0);
		break;
	case CAP_DEFRAG_DONE:
		FUZZ_CHECK(after.fragments == before.fragments + 1);
		FUZZ_CHECK(after.reassembled == before.reassembled + 1);
		check_done(t, out, outlen, now);
		break;
	case CAP_DEFRAG_DROPPED:
		FUZZ_CHECK(drops(&after) > drops(&before));
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_defrag_limits lim;
	struct cap_defrag_stats st;
	struct cap_defrag *t;
	int64_t now = 0;
	size_t pos = 1, n;

	if (size == 0)
		return 0;
	lim.max_datagrams = max_datagrams[data[0] & 3];
	lim.max_bytes = max_bytes[data[0] >> 2 & 3];
	lim.max_fragments = max_fragments[data[0] >> 4 & 3];
	lim.timeout_ms = timeouts[data[0] >> 6 & 3];
	if ((t = cap_defrag_new(&lim)) == NULL)
		return 0;

	while (size - pos >= 3) {
		n = be16(data + pos);
		now += (int64_t)data[pos + 2] * STEP_MS;
		pos += 3;
		if (n > size - pos)
			n = size - pos;
		feed_one(t, &lim, data + pos, n, now);
		pos += n;
	}

	cap_defrag_expire(t, now + (lim.timeout_ms ? lim.timeout_ms : 30000));
	cap_defrag_stats(t, &st);
	FUZZ_CHECK(st.in_progress == 0 && st.bytes_held == 0);
	cap_defrag_free(t);
	return 0;
}
