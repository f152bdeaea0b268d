/*
 * cap_stream.c - TCP reassembly of one direction (see cap_stream.h).
 *
 * Invariants, true between calls:
 *
 *  - Every held segment starts strictly after next and ends at most
 *    CAP_STREAM_WINDOW bytes after it, so every comparison of two
 *    sequence numbers the stream makes is between numbers less than 2^31
 *    apart, where serial arithmetic (RFC 1982: (int32_t)(a - b)) is
 *    exact.  A segment farther ahead than the largest TCP window (2^30
 *    bytes, RFC 7323 section 2.3) cannot be valid for this stream and is
 *    not held.
 *  - Held segments are sorted by sequence number and never overlap: a new
 *    segment is cut around the bytes already held (the first copy wins),
 *    so each of its pieces is stored at most once.  held_segments and
 *    held_bytes are the list's length and the sum of its lengths.
 *  - gap_since_ms is the earliest arrival of the segments held (0 when
 *    none): the gap before the first held byte has been open at least
 *    that long, since nothing filled it meanwhile.
 *  - With max_stream set, held_bytes never exceeds the bytes the cap still
 *    allows (max_stream - offset): a held byte could at best be delivered
 *    at offset + the held bytes before it, so anything past that can never
 *    be delivered and is dropped (counted in capped) when a call ends.
 *    That is what lets cap_stream_flush(), which is not given the limits,
 *    deliver everything held without passing the cap.
 *  - After a FIN, nothing at or past fin_seq is held or delivered.
 *
 * Bytes in order are passed to the callback straight from the caller's
 * buffer (no copy, no allocation); only segments ahead of next are copied,
 * one allocation each with the bytes inline.
 */
#include <stdlib.h>
#include <string.h>

#include "cap_stream.h"

#define CAP_STREAM_DEF_SEGMENTS	64
#define CAP_STREAM_DEF_BYTES	(256 * 1024)
#define CAP_STREAM_DEF_TIMEOUT	5000
/* The largest TCP window: no valid segment reaches farther ahead. */
#define CAP_STREAM_WINDOW	(1U << 30)

/* Serial-number comparisons (RFC 1982). */
#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

struct cap_stream_seg {
	struct cap_stream_seg	*next;
	int64_t			 arrived_ms;
	uint32_t		 seq;
	uint32_t		 len;		/* > 0 */
	uint8_t			 data[];
};

/* The limits with their defaults filled in. */
struct stream_lim {
	uint32_t	max_segments;
	uint32_t	max_bytes;
	int64_t		gap_timeout_ms;
	uint64_t	max_stream;
};

/* What holding a segment would take: the pieces not already held. */
struct hold_plan {
	uint32_t	pieces;
	uint64_t	bytes;
	uint64_t	duplicate;
	uint64_t	overlap_diff;
};

static void
lim_resolve(const struct cap_stream_limits *in, struct stream_lim *l)
{
	l->max_segments = CAP_STREAM_DEF_SEGMENTS;
	l->max_bytes = CAP_STREAM_DEF_BYTES;
	l->gap_timeout_ms = CAP_STREAM_DEF_TIMEOUT;
	l->max_stream = 0;
	if (in == NULL)
		return;
	if (in->max_segments > 0)
		l->max_segments = in->max_segments;
	if (in->max_bytes > 0)
		l->max_bytes = in->max_bytes;
	if (in->gap_timeout_ms > 0)
		l->gap_timeout_ms = in->gap_timeout_ms;
	l->max_stream = in->max_stream;
}

static uint32_t
seg_end(const struct cap_stream_seg *h)
{
	return h->seq + h->len;
}

static uint64_t
count_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint64_t diff = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		diff += a[i] != b[i];
	return diff;
}

/* The earliest arrival among the held segments (after some left). */
static void
gap_since_update(struct cap_stream *s)
{
	const struct cap_stream_seg *h;

	if (s->held == NULL) {
		s->gap_since_ms = 0;
		return;
	}
	s->gap_since_ms = s->held->arrived_ms;
	for (h = s->held->next; h != NULL; h = h->next)
		if (h->arrived_ms < s->gap_since_ms)
			s->gap_since_ms = h->arrived_ms;
}

/* Unlink and free *pp and every segment after it; the bytes it held. */
static uint64_t
held_drop_from(struct cap_stream *s, struct cap_stream_seg **pp)
{
	struct cap_stream_seg *h;
	uint64_t bytes = 0;

	while ((h = *pp) != NULL) {
		*pp = h->next;
		bytes += h->len;
		s->held_segments--;
		s->held_bytes -= h->len;
		free(h);
	}
	return bytes;
}

/* Shorten *pp to keep bytes (0 < keep < len); the bytes cut. */
static uint32_t
held_shorten(struct cap_stream *s, struct cap_stream_seg **pp, uint32_t keep)
{
	struct cap_stream_seg *h = *pp, *n;
	uint32_t cut = h->len - keep;

	h->len = keep;
	s->held_bytes -= cut;
	/* Give the memory back too, so held_bytes stays what is allocated;
	 * a shrink that fails leaves the larger block, which is harmless. */
	n = realloc(h, sizeof(*h) + keep);
	if (n != NULL)
		*pp = n;
	return cut;
}

/*
 * Pass len bytes at next to the callback, as far as max_stream allows
 * (the rest is counted capped), and advance next past all of them.  *gap
 * goes with the first bytes delivered and is then cleared.
 */
static void
deliver(struct cap_stream *s, uint64_t max_stream, const uint8_t *data,
    uint32_t len, uint32_t *gap, cap_stream_data_cb *cb, void *arg)
{
	uint64_t n = len;

	if (max_stream > 0) {
		if (s->offset >= max_stream)
			n = 0;
		else if (n > max_stream - s->offset)
			n = max_stream - s->offset;
	}
	s->next += len;
	s->st.capped += len - n;
	if (n == 0)
		return;
	cb(arg, data, (size_t)n, s->offset, *gap);
	s->offset += n;
	s->st.delivered += n;
	*gap = 0;
}

/* Deliver the held segments that have become contiguous with next. */
static void
drain(struct cap_stream *s, uint64_t max_stream, uint32_t *gap,
    cap_stream_data_cb *cb, void *arg)
{
	struct cap_stream_seg *h;
	uint32_t skip;

	while ((h = s->held) != NULL && SEQ_LEQ(h->seq, s->next)) {
		s->held = h->next;
		s->held_segments--;
		s->held_bytes -= h->len;
		/* The invariant says h->seq == next; cope anyway. */
		skip = s->next - h->seq;
		if (skip < h->len)
			deliver(s, max_stream, h->data + skip, h->len - skip,
			    gap, cb, arg);
		free(h);
	}
	gap_since_update(s);
}

/* Give up on the gap before target (next < target): count it. */
static uint32_t
skip_to(struct cap_stream *s, uint32_t target)
{
	uint32_t gap = target - s->next;

	s->st.gaps++;
	s->st.gap_bytes += gap;
	s->next = target;
	return gap;
}

/*
 * A segment starting at next.  Up to the first held segment its bytes go
 * out from the caller's buffer; where a held copy exists that copy is
 * delivered and the new bytes are only compared with it.
 */
static void
in_order(struct cap_stream *s, uint64_t max_stream, const uint8_t *data,
    uint32_t len, uint32_t gap, cap_stream_data_cb *cb, void *arg)
{
	struct cap_stream_seg *h;
	uint32_t n;

	while (len > 0) {
		h = s->held;
		if (h == NULL || (uint32_t)(h->seq - s->next) >= len) {
			deliver(s, max_stream, data, len, &gap, cb, arg);
			break;
		}
		n = h->seq - s->next;
		if (n > 0) {
			deliver(s, max_stream, data, n, &gap, cb, arg);
			data += n;
			len -= n;
		}
		n = len < h->len ? len : h->len;
		s->st.duplicate += n;
		s->st.overlap_diff += count_diff(data, h->data, n);
		data += n;
		len -= n;
		s->held = h->next;
		s->held_segments--;
		s->held_bytes -= h->len;
		deliver(s, max_stream, h->data, h->len, &gap, cb, arg);
		free(h);
	}
	drain(s, max_stream, &gap, cb, arg);
}

/* One piece of a new segment not held yet: plan it, or copy it. */
static int
plan_piece(struct hold_plan *p, struct cap_stream_seg ***tail, uint32_t seq,
    const uint8_t *data, uint32_t len, int64_t now_ms)
{
	struct cap_stream_seg *c;

	p->pieces++;
	p->bytes += len;
	if (tail == NULL)
		return 0;
	if ((c = malloc(sizeof(*c) + len)) == NULL)
		return -1;
	c->next = NULL;
	c->arrived_ms = now_ms;
	c->seq = seq;
	c->len = len;
	memcpy(c->data, data, len);
	**tail = c;
	*tail = &c->next;
	return 0;
}

/*
 * Cut [seq, seq + len) (ahead of next) around the held segments.  With
 * chain NULL only count the pieces; else copy them, in order, into a new
 * list *chain and count the overlaps.  -1: an allocation failed (*chain
 * then holds the pieces copied so far).
 */
static int
plan_hold(const struct cap_stream *s, uint32_t seq, const uint8_t *data,
    uint32_t len, int64_t now_ms, struct hold_plan *p,
    struct cap_stream_seg **chain)
{
	const struct cap_stream_seg *h;
	struct cap_stream_seg **tail = chain;
	uint32_t cur = seq, end = seq + len, stop;

	memset(p, 0, sizeof(*p));
	for (h = s->held; h != NULL && SEQ_LT(cur, end); h = h->next) {
		if (SEQ_LEQ(seg_end(h), cur))
			continue;
		if (SEQ_GEQ(h->seq, end))
			break;
		if (SEQ_LT(cur, h->seq)) {
			if (plan_piece(p, chain ? &tail : NULL, cur,
			    data + (cur - seq), h->seq - cur, now_ms) == -1)
				return -1;
			cur = h->seq;
		}
		stop = SEQ_LT(end, seg_end(h)) ? end : seg_end(h);
		p->duplicate += stop - cur;
		if (chain != NULL)
			p->overlap_diff += count_diff(data + (cur - seq),
			    h->data + (cur - h->seq), stop - cur);
		cur = stop;
	}
	if (SEQ_LT(cur, end) && plan_piece(p, chain ? &tail : NULL, cur,
	    data + (cur - seq), end - cur, now_ms) == -1)
		return -1;
	return 0;
}

static int
plan_fits(const struct cap_stream *s, const struct stream_lim *l,
    const struct hold_plan *p)
{
	return (uint64_t)s->held_segments + p->pieces <= l->max_segments &&
	    (uint64_t)s->held_bytes + p->bytes <= l->max_bytes;
}

static void
chain_free(struct cap_stream_seg *c)
{
	struct cap_stream_seg *n;

	for (; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
}

/* Copy the pieces of a segment ahead of next into the held list. */
static int
hold(struct cap_stream *s, uint32_t seq, const uint8_t *data, uint32_t len,
    int64_t now_ms)
{
	struct cap_stream_seg *chain = NULL, *c, **pp;
	struct hold_plan p;

	if (plan_hold(s, seq, data, len, now_ms, &p, &chain) == -1) {
		chain_free(chain);
		s->st.ooo_drops++;
		return -1;
	}
	s->st.duplicate += p.duplicate;
	s->st.overlap_diff += p.overlap_diff;
	if (p.pieces == 0)
		return 0;
	if (s->held == NULL)
		s->gap_since_ms = now_ms;
	else if (now_ms < s->gap_since_ms)
		s->gap_since_ms = now_ms;
	/* Both lists are sorted and disjoint: merge. */
	pp = &s->held;
	while ((c = chain) != NULL) {
		while (*pp != NULL && SEQ_LT((*pp)->seq, c->seq))
			pp = &(*pp)->next;
		chain = c->next;
		c->next = *pp;
		*pp = c;
		pp = &c->next;
	}
	s->held_segments += p.pieces;
	s->held_bytes += (uint32_t)p.bytes;
	s->st.ooo_segments++;
	return 0;
}

/*
 * New bytes from a segment (len > 0, not past the FIN, the stream
 * started): drop what was delivered already, deliver what is at next,
 * hold what is ahead, skipping a gap when the bounds say so.
 */
static int
accept_bytes(struct cap_stream *s, const struct stream_lim *l, uint32_t seq,
    const uint8_t *data, uint32_t len, int64_t now_ms, cap_stream_data_cb *cb,
    void *arg)
{
	struct hold_plan p;
	uint32_t d, gap;
	int skipped = 0;

	for (;;) {
		if (SEQ_LT(seq, s->next)) {
			if (SEQ_LEQ(seq + len, s->next)) {
				s->st.duplicate += len;
				return 0;
			}
			d = s->next - seq;
			s->st.duplicate += d;
			seq += d;
			data += d;
			len -= d;
		}
		if (seq == s->next) {
			in_order(s, l->max_stream, data, len, 0, cb, arg);
			return 0;
		}
		if ((uint64_t)(uint32_t)(seq - s->next) + len >
		    CAP_STREAM_WINDOW) {
			s->st.ooo_drops++;
			return 0;
		}
		if (l->max_stream > 0 && s->offset >= l->max_stream) {
			/* Nothing more will be delivered: do not copy. */
			s->st.capped += len;
			return 0;
		}
		plan_hold(s, seq, data, len, now_ms, &p, NULL);
		if (p.pieces == 0 || plan_fits(s, l, &p))
			return hold(s, seq, data, len, now_ms);
		if (skipped) {
			s->st.ooo_drops++;
			return 0;
		}
		/*
		 * No room: give up the gap before the lowest byte we have
		 * (held, or this segment's), then look at the segment again:
		 * it may now be in order, or fit.
		 */
		skipped = 1;
		if (s->held == NULL || SEQ_LT(seq, s->held->seq)) {
			gap = skip_to(s, seq);
			in_order(s, l->max_stream, data, len, gap, cb, arg);
			return 0;
		}
		gap = skip_to(s, s->held->seq);
		drain(s, l->max_stream, &gap, cb, arg);
	}
}

/* The gap has been open timeout ms or more (no overflow for any clock). */
static int
gap_expired(const struct cap_stream *s, const struct stream_lim *l,
    int64_t now_ms)
{
	if (now_ms < s->gap_since_ms)
		return 0;
	return (uint64_t)now_ms - (uint64_t)s->gap_since_ms >=
	    (uint64_t)l->gap_timeout_ms;
}

/* Skip gaps older than the timeout, oldest first. */
static void
age(struct cap_stream *s, const struct stream_lim *l, int64_t now_ms,
    cap_stream_data_cb *cb, void *arg)
{
	uint32_t gap;

	while (s->held != NULL && gap_expired(s, l, now_ms)) {
		gap = skip_to(s, s->held->seq);
		drain(s, l->max_stream, &gap, cb, arg);
	}
}

/* Keep held_bytes within what max_stream still allows (see the top). */
static void
trim_to_cap(struct cap_stream *s, const struct stream_lim *l)
{
	struct cap_stream_seg **pp;
	uint64_t room, acc = 0;

	if (l->max_stream == 0)
		return;
	room = s->offset >= l->max_stream ? 0 : l->max_stream - s->offset;
	if (s->held_bytes <= room)
		return;
	for (pp = &s->held; *pp != NULL; pp = &(*pp)->next) {
		if (acc + (*pp)->len > room)
			break;
		acc += (*pp)->len;
	}
	if (*pp != NULL && room > acc) {
		s->st.capped += held_shorten(s, pp, (uint32_t)(room - acc));
		pp = &(*pp)->next;
	}
	s->st.capped += held_drop_from(s, pp);
	gap_since_update(s);
}

/* Nothing at or past the FIN stays held. */
static void
trim_to_fin(struct cap_stream *s)
{
	struct cap_stream_seg **pp;

	for (pp = &s->held; *pp != NULL; pp = &(*pp)->next) {
		if (SEQ_GEQ((*pp)->seq, s->fin_seq))
			break;
		if (SEQ_GT(seg_end(*pp), s->fin_seq)) {
			held_shorten(s, pp, s->fin_seq - (*pp)->seq);
			pp = &(*pp)->next;
			break;
		}
	}
	held_drop_from(s, pp);
	gap_since_update(s);
}

void
cap_stream_init(struct cap_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void
cap_stream_free(struct cap_stream *s)
{
	held_drop_from(s, &s->held);
	s->gap_since_ms = 0;
}

void
cap_stream_syn(struct cap_stream *s, uint32_t isn)
{
	/* A SYN repeated, or one after the data started, changes nothing. */
	if (s->started)
		return;
	s->next = isn + 1;
	s->started = 1;
}

int
cap_stream_segment(struct cap_stream *s, const struct cap_stream_limits *lim,
    uint32_t seq, const uint8_t *data, size_t len, int fin, int64_t now_ms,
    cap_stream_data_cb *cb, void *arg)
{
	struct stream_lim l;
	uint32_t n;
	int rc = 0;

	lim_resolve(lim, &l);
	if (len > CAP_STREAM_WINDOW) {
		/* Longer than any window: not a segment of this stream. */
		s->st.ooo_drops++;
		goto out;
	}
	n = (uint32_t)len;
	/* The first FIN counts, unless it ends before bytes already given. */
	if (fin && !s->fin && (!s->started || SEQ_GEQ(seq + n, s->next))) {
		s->fin = 1;
		s->fin_seq = seq + n;
		trim_to_fin(s);
	}
	if (s->fin) {
		if (SEQ_GEQ(seq, s->fin_seq))
			n = 0;
		else if (SEQ_GT(seq + n, s->fin_seq))
			n = s->fin_seq - seq;
	}
	if (n > 0) {
		if (!s->started) {
			s->next = seq;
			s->started = 1;
		}
		rc = accept_bytes(s, &l, seq, data, n, now_ms, cb, arg);
	}
 out:
	age(s, &l, now_ms, cb, arg);
	trim_to_cap(s, &l);
	return rc;
}

void
cap_stream_age(struct cap_stream *s, const struct cap_stream_limits *lim,
    int64_t now_ms, cap_stream_data_cb *cb, void *arg)
{
	struct stream_lim l;

	lim_resolve(lim, &l);
	age(s, &l, now_ms, cb, arg);
	trim_to_cap(s, &l);
}

void
cap_stream_flush(struct cap_stream *s, cap_stream_data_cb *cb, void *arg)
{
	uint32_t gap;

	/* No cap needed: held_bytes is within it (see the top). */
	while (s->held != NULL) {
		gap = skip_to(s, s->held->seq);
		drain(s, 0, &gap, cb, arg);
	}
}
