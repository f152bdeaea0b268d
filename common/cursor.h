/*
 * cursor.h - the one bounds-checked reader for untrusted bytes.
 *
 * Every parser in finderscope (sFlow XDR, Ethernet/IP/TCP headers, GRE and
 * ERSPAN) reads the network's bytes through a struct cursor and nothing else.
 *
 * Invariants (after Knot DNS's wire_ctx):
 *  - pos <= end always; bytes are only read between pos and end.
 *  - The error is sticky: the first failed read sets it, moves pos to end and
 *    every later read is a no-op that returns zero.  A parser reads a whole
 *    structure and checks cursor_error() once at the end.
 *  - CURSOR_TRUNCATED means "the bytes ended early"; CURSOR_INVALID is set by
 *    a parser (cursor_fail) when the bytes are there but make no sense.  The
 *    two are different outcomes with different counters.
 *  - cursor_sub() gives a child view of exactly n bytes and moves the parent
 *    past them, so a record can never read into its neighbour, and the caller
 *    can check that the child was consumed exactly.
 *  - Multi-byte reads are big-endian (network order, XDR).  XDR opaque data
 *    is padded to a multiple of 4 bytes; cursor_xdr_* handle the padding.
 *
 * Everything is static inline: the decoders' hot loops call these millions
 * of times a second.
 */
#ifndef FS_CURSOR_H
#define FS_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum cursor_error {
	CURSOR_OK = 0,
	CURSOR_TRUNCATED = 1,	/* ran past the end of the view */
	CURSOR_INVALID = 2,	/* set by a parser: the value makes no sense */
};

struct cursor {
	const uint8_t	*pos;
	const uint8_t	*end;
	int		 error;
};

/* Start reading len bytes at buf. */
static inline void
cursor_init(struct cursor *c, const void *buf, size_t len)
{
	c->pos = buf;
	c->end = c->pos + len;
	c->error = CURSOR_OK;
}

/* Bytes not read yet (0 after an error). */
static inline size_t
cursor_left(const struct cursor *c)
{
	return (size_t)(c->end - c->pos);
}

static inline int
cursor_error(const struct cursor *c)
{
	return c->error;
}

/* Record the first error and stop the cursor; later errors do not replace it. */
static inline void
cursor_fail(struct cursor *c, int error)
{
	if (c->error == CURSOR_OK)
		c->error = error;
	c->pos = c->end;
}

/* True when n more bytes can be read; otherwise fails the cursor. */
static inline int
cursor_need(struct cursor *c, size_t n)
{
	if (c->error != CURSOR_OK)
		return 0;
	if (cursor_left(c) < n) {
		cursor_fail(c, CURSOR_TRUNCATED);
		return 0;
	}
	return 1;
}

static inline uint8_t
cursor_u8(struct cursor *c)
{
	if (!cursor_need(c, 1))
		return 0;
	return *c->pos++;
}

static inline uint16_t
cursor_be16(struct cursor *c)
{
	uint16_t v;

	if (!cursor_need(c, 2))
		return 0;
	v = (uint16_t)(c->pos[0] << 8 | c->pos[1]);
	c->pos += 2;
	return v;
}

static inline uint32_t
cursor_be32(struct cursor *c)
{
	uint32_t v;

	if (!cursor_need(c, 4))
		return 0;
	v = (uint32_t)c->pos[0] << 24 | (uint32_t)c->pos[1] << 16 |
	    (uint32_t)c->pos[2] << 8 | (uint32_t)c->pos[3];
	c->pos += 4;
	return v;
}

static inline uint64_t
cursor_be64(struct cursor *c)
{
	uint64_t hi;

	if (!cursor_need(c, 8))
		return 0;
	hi = cursor_be32(c);
	return hi << 32 | cursor_be32(c);
}

static inline void
cursor_skip(struct cursor *c, size_t n)
{
	if (cursor_need(c, n))
		c->pos += n;
}

/* Copy n bytes out; on failure dst is zero-filled. */
static inline void
cursor_copy(struct cursor *c, void *dst, size_t n)
{
	if (!cursor_need(c, n)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, c->pos, n);
	c->pos += n;
}

/* Borrow n bytes in place (valid as long as the buffer); NULL on failure. */
static inline const uint8_t *
cursor_take(struct cursor *c, size_t n)
{
	const uint8_t *p;

	if (!cursor_need(c, n))
		return NULL;
	p = c->pos;
	c->pos += n;
	return p;
}

/* Peek at the byte at offset off without consuming; 0 if out of range. */
static inline uint8_t
cursor_peek_u8(const struct cursor *c, size_t off)
{
	if (c->error != CURSOR_OK || cursor_left(c) <= off)
		return 0;
	return c->pos[off];
}

/*
 * A child view of exactly n bytes; the parent moves past them.  When fewer
 * than n bytes remain, both parent and child are failed as truncated.
 */
static inline struct cursor
cursor_sub(struct cursor *c, size_t n)
{
	struct cursor sub;

	if (!cursor_need(c, n)) {
		sub.pos = sub.end = c->end;
		sub.error = c->error;
		return sub;
	}
	sub.pos = c->pos;
	sub.end = c->pos + n;
	sub.error = CURSOR_OK;
	c->pos += n;
	return sub;
}

/* A child view of whatever is left; the parent is consumed. */
static inline struct cursor
cursor_rest(struct cursor *c)
{
	return cursor_sub(c, cursor_left(c));
}

/* Number of pad bytes XDR puts after n bytes of opaque data. */
static inline size_t
cursor_xdr_pad(size_t n)
{
	return (4 - (n & 3)) & 3;
}

/* A child view of n bytes of XDR opaque data, skipping its padding. */
static inline struct cursor
cursor_xdr_sub(struct cursor *c, size_t n)
{
	struct cursor sub = cursor_sub(c, n);

	cursor_skip(c, cursor_xdr_pad(n));
	if (c->error != CURSOR_OK)
		cursor_fail(&sub, c->error);
	return sub;
}

#endif /* FS_CURSOR_H */
