/*
 * xdr_build.h - build sFlow datagrams in tests: big-endian words, opaque
 * data padded to 4, and length fields patched once their body is written.
 * Test code only; overflowing the fixed buffer fails the test.
 */
#ifndef FS_XDR_BUILD_H
#define FS_XDR_BUILD_H

#include <stdint.h>
#include <string.h>

#define XB_SIZE	4096

struct xb {
	uint8_t		buf[XB_SIZE];
	size_t		len;
};

static inline void
xb_bytes(struct xb *b, const void *p, size_t n)
{
	assert_true(b->len + n <= XB_SIZE);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static inline void
xb_u32(struct xb *b, uint32_t v)
{
	uint8_t w[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	xb_bytes(b, w, 4);
}

static inline void
xb_u64(struct xb *b, uint64_t v)
{
	xb_u32(b, (uint32_t)(v >> 32));
	xb_u32(b, (uint32_t)v);
}

/* Opaque bytes and their XDR padding (no length word). */
static inline void
xb_opaque(struct xb *b, const void *p, size_t n)
{
	static const uint8_t zero[4];

	xb_bytes(b, p, n);
	xb_bytes(b, zero, (4 - (n & 3)) & 3);
}

/* Start "format, length, body": returns where the length goes. */
static inline size_t
xb_open(struct xb *b, uint32_t data_format)
{
	size_t at;

	xb_u32(b, data_format);
	at = b->len;
	xb_u32(b, 0);
	return at;
}

/* Patch the length written by xb_open() to the body written since. */
static inline void
xb_close(struct xb *b, size_t at)
{
	uint32_t n = (uint32_t)(b->len - at - 4);

	b->buf[at] = (uint8_t)(n >> 24);
	b->buf[at + 1] = (uint8_t)(n >> 16);
	b->buf[at + 2] = (uint8_t)(n >> 8);
	b->buf[at + 3] = (uint8_t)n;
}

/* Datagram header with an IPv4 agent a.b.c.d. */
static inline void
xb_header4(struct xb *b, uint32_t agent, uint32_t sub_agent, uint32_t seq,
    uint32_t uptime, uint32_t num_samples)
{
	xb_u32(b, 5);
	xb_u32(b, 1);
	xb_u32(b, agent);
	xb_u32(b, sub_agent);
	xb_u32(b, seq);
	xb_u32(b, uptime);
	xb_u32(b, num_samples);
}

#endif /* FS_XDR_BUILD_H */
