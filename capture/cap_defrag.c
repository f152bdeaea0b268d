/*
 * cap_defrag.c - the table of IP datagrams being reassembled for L7
 * inspection (cap_defrag.h); cap_defrag_ip.c reads the headers.
 *
 * A peer chooses every key and every offset here, so everything is
 * bounded and the hash is SipHash-1-3 under a key drawn at creation.
 *
 * Invariants:
 *  - A datagram is live (collecting fragments) or dead.  Dead ones were
 *    given up for what their fragments said (an IPv6 overlap, too many
 *    fragments) and are remembered, without data, until their timeout, so
 *    that their later fragments are dropped too instead of starting a
 *    datagram that can never complete (RFC 5722: "including those not yet
 *    received").  Both kinds are on the hash chain of their key; live ones
 *    on the live list, dead ones on the dead list, each oldest first.  A
 *    datagram's age counts from its first fragment, so each list is also
 *    in timeout order (as long as the caller's clock does not go back),
 *    and the oldest live datagram is the one evicted for room.
 *  - At most max_datagrams live and max_datagrams dead ones; bytes_held,
 *    the sum of the live ones' bytes (fragment data and the copy of the
 *    first fragment's header), never exceeds max_bytes.
 *  - Holes: a live datagram's pieces are disjoint byte ranges of its
 *    payload, sorted by offset, each holding its bytes; the holes are the
 *    gaps between them.  Every piece lies below end once end is known (a
 *    fragment reaching past it, or a last fragment ending below data
 *    held, is refused), so "have == end" (have: the bytes of all pieces)
 *    says exactly that no hole is left.
 *  - Overlaps: an IPv4 fragment keeps the bytes already held (the first
 *    copy wins) and only the parts that fill holes are stored, so one
 *    fragment may become several pieces; a fragment that differs from
 *    what it overlaps is counted.  An IPv6 overlap gives the datagram up,
 *    except an exact duplicate (same offset, bytes and M flag), which
 *    RFC 8200 section 4.5 allows to be ignored and which mirrored traffic
 *    holds often; so an IPv6 piece is always exactly one fragment.
 *  - nfrags counts the fragments that brought bytes not held before; a
 *    duplicate costs a walk of the pieces but no memory.
 *  - The first fragment (offset 0) gives the header the datagram is
 *    rebuilt with; later copies of it do not replace it.  Its room (65535
 *    less the header bytes the length field counts) bounds every piece.
 */
#include <stdlib.h>
#include <string.h>

#include "cap_defrag.h"
#include "cap_defrag_impl.h"
#include "siphash.h"

#define DEF_MAX_DATAGRAMS	1024
#define DEF_MAX_BYTES		(16u * 1024 * 1024)
#define DEF_MAX_FRAGMENTS	64
#define DEF_TIMEOUT_MS		30000
#define MAX_DATAGRAMS_LIMIT	(1u << 20)

struct piece {
	struct piece	*next;		/* higher offsets */
	uint32_t	 off;
	uint32_t	 len;
	uint8_t		 data[];
};

struct dgram {
	uint8_t			 key[DEFRAG_KEY_BYTES];
	uint64_t		 hash;
	struct dgram		*hnext, **hprev;	/* hash chain */
	struct dgram		*older, *newer;		/* live or dead list */
	int64_t			 created_ms;
	int			 dead;
	uint8_t			 family;
	uint8_t			 has_first;
	uint8_t			 has_end;
	struct defrag_frag	 first;	/* when has_first; hdr is hdr_copy */
	uint8_t			*hdr_copy;
	struct piece		*pieces;
	uint32_t		 end;	/* payload length, when has_end */
	uint32_t		 extent; /* where the furthest piece ends */
	uint32_t		 have;	/* bytes in pieces */
	uint32_t		 nfrags;
	size_t			 bytes;	/* counted in bytes_held */
};

struct age_list {
	struct dgram	*oldest, *newest;
	uint32_t	 n;
};

struct cap_defrag {
	struct cap_defrag_limits lim;
	struct dgram		**buckets;
	uint64_t		 mask;
	uint64_t		 key[2];
	struct age_list		 live, dead;
	size_t			 bytes_held;
	struct cap_defrag_stats	 st;
	uint8_t			*out;	/* DEFRAG_MAX_OUTPUT bytes */
};

/* What a fragment has in common with the pieces held. */
struct overlap {
	uint32_t	newbytes;	/* bytes that fill holes */
	uint32_t	pieces;		/* pieces it overlaps */
	int		differ;		/* an overlapped byte differs */
	int		same_range;	/* one of them has its offset and length */
};

/* ---- lists and hash ------------------------------------------------------ */

static void
list_append(struct age_list *l, struct dgram *d)
{
	d->newer = NULL;
	d->older = l->newest;
	if (l->newest != NULL)
		l->newest->newer = d;
	else
		l->oldest = d;
	l->newest = d;
	l->n++;
}

static void
list_remove(struct age_list *l, struct dgram *d)
{
	if (d->older != NULL)
		d->older->newer = d->newer;
	else
		l->oldest = d->newer;
	if (d->newer != NULL)
		d->newer->older = d->older;
	else
		l->newest = d->older;
	d->older = d->newer = NULL;
	l->n--;
}

static struct dgram *
lookup(const struct cap_defrag *t, const uint8_t *key, uint64_t hash)
{
	struct dgram *d;

	for (d = t->buckets[hash & t->mask]; d != NULL; d = d->hnext)
		if (d->hash == hash && memcmp(d->key, key, DEFRAG_KEY_BYTES) == 0)
			return d;
	return NULL;
}

static void
hash_insert(struct cap_defrag *t, struct dgram *d)
{
	struct dgram **b = &t->buckets[d->hash & t->mask];

	d->hnext = *b;
	if (*b != NULL)
		(*b)->hprev = &d->hnext;
	d->hprev = b;
	*b = d;
}

static void
hash_remove(struct dgram *d)
{
	*d->hprev = d->hnext;
	if (d->hnext != NULL)
		d->hnext->hprev = d->hprev;
}

/* ---- datagrams ----------------------------------------------------------- */

/* Free what a datagram holds, and uncount it. */
static void
dgram_release(struct cap_defrag *t, struct dgram *d)
{
	struct piece *p, *next;

	for (p = d->pieces; p != NULL; p = next) {
		next = p->next;
		free(p);
	}
	d->pieces = NULL;
	free(d->hdr_copy);
	d->hdr_copy = NULL;
	d->has_first = 0;
	t->bytes_held -= d->bytes;
	d->bytes = 0;
}

/* Forget a dead datagram. */
static void
dead_forget(struct cap_defrag *t, struct dgram *d)
{
	list_remove(&t->dead, d);
	hash_remove(d);
	free(d);
}

/*
 * A live datagram leaves: completed or given up.  With remember, its key
 * stays (dead) until its timeout, so its later fragments are dropped.
 */
static void
live_end(struct cap_defrag *t, struct dgram *d, int remember)
{
	dgram_release(t, d);
	list_remove(&t->live, d);
	if (!remember) {
		hash_remove(d);
		free(d);
		return;
	}
	if (t->dead.n >= t->lim.max_datagrams)
		dead_forget(t, t->dead.oldest);
	d->dead = 1;
	list_append(&t->dead, d);
}

static struct dgram *
dgram_new(struct cap_defrag *t, const struct defrag_frag *f, uint64_t hash,
    int64_t now_ms)
{
	struct dgram *d;

	if (t->live.n >= t->lim.max_datagrams) {
		t->st.evicted++;
		live_end(t, t->live.oldest, 0);
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	memcpy(d->key, f->key, DEFRAG_KEY_BYTES);
	d->hash = hash;
	d->family = f->family;
	d->created_ms = now_ms;
	hash_insert(t, d);
	list_append(&t->live, d);
	return d;
}

static int
expired(const struct cap_defrag *t, const struct dgram *d, int64_t now_ms)
{
	if (now_ms < d->created_ms)
		return 0;
	return (uint64_t)now_ms - (uint64_t)d->created_ms >=
	    (uint64_t)t->lim.timeout_ms;
}

/* ---- pieces -------------------------------------------------------------- */

static void
overlap_scan(const struct dgram *d, const struct defrag_frag *f,
    struct overlap *o)
{
	const struct piece *p;
	uint32_t cur = f->offset, fend = f->offset + (uint32_t)f->len;
	uint32_t pend, hi;

	memset(o, 0, sizeof(*o));
	for (p = d->pieces; p != NULL && p->off < fend; p = p->next) {
		pend = p->off + p->len;
		if (pend <= cur)
			continue;
		if (p->off > cur) {
			o->newbytes += p->off - cur;
			cur = p->off;
		}
		hi = pend < fend ? pend : fend;
		if (memcmp(f->data + (cur - f->offset), p->data + (cur - p->off),
		    hi - cur) != 0)
			o->differ = 1;
		if (p->off == f->offset && p->len == f->len)
			o->same_range = 1;
		o->pieces++;
		cur = hi;
	}
	if (cur < fend)
		o->newbytes += fend - cur;
}

/* Store the parts of f that fill holes; -1 when out of memory. */
static int
pieces_insert(struct cap_defrag *t, struct dgram *d,
    const struct defrag_frag *f)
{
	struct piece **pp = &d->pieces, *p, *n;
	uint32_t cur = f->offset, fend = f->offset + (uint32_t)f->len, to;

	while (cur < fend) {
		p = *pp;
		if (p != NULL && p->off <= cur) {
			/* Held already (or behind us): the first copy wins. */
			if (p->off + p->len > cur)
				cur = p->off + p->len;
			pp = &p->next;
			continue;
		}
		to = p != NULL && p->off < fend ? p->off : fend;
		if ((n = malloc(sizeof(*n) + (to - cur))) == NULL)
			return -1;
		n->off = cur;
		n->len = to - cur;
		memcpy(n->data, f->data + (cur - f->offset), n->len);
		n->next = p;
		*pp = n;
		pp = &n->next;
		d->have += n->len;
		d->bytes += n->len;
		t->bytes_held += n->len;
		cur = to;
	}
	if (fend > d->extent)
		d->extent = fend;
	return 0;
}

/* Keep the first fragment's header; -1 when out of memory. */
static int
keep_first(struct cap_defrag *t, struct dgram *d, const struct defrag_frag *f)
{
	if ((d->hdr_copy = malloc(f->hdrlen)) == NULL)
		return -1;
	memcpy(d->hdr_copy, f->hdr, f->hdrlen);
	d->first = *f;
	d->first.hdr = d->hdr_copy;
	d->first.data = NULL;
	d->first.len = 0;
	d->has_first = 1;
	d->bytes += f->hdrlen;
	t->bytes_held += f->hdrlen;
	return 0;
}

/*
 * Make room for need more bytes by evicting the oldest datagrams other
 * than d; 0 when even d alone would not fit.
 */
static int
make_room(struct cap_defrag *t, const struct dgram *d, size_t need)
{
	struct dgram *o;

	if (need > t->lim.max_bytes)
		return 0;
	while (t->bytes_held + need > t->lim.max_bytes) {
		o = t->live.oldest;
		if (o == d)
			o = o->newer;
		if (o == NULL)
			return 0;
		t->st.evicted++;
		live_end(t, o, 0);
	}
	return 1;
}

/* ---- results ------------------------------------------------------------- */

static enum cap_defrag_result
complete(struct cap_defrag *t, struct dgram *d, const uint8_t **out,
    size_t *outlen)
{
	const struct piece *p;
	size_t n;

	n = defrag_write_header(&d->first, d->end, t->out);
	for (p = d->pieces; p != NULL; p = p->next)
		memcpy(t->out + n + p->off, p->data, p->len);
	*out = t->out;
	*outlen = n + d->end;
	t->st.reassembled++;
	live_end(t, d, 0);
	return CAP_DEFRAG_DONE;
}

/* Give up d for what a fragment said; dropped, counted by the caller. */
static enum cap_defrag_result
refuse(struct cap_defrag *t, struct dgram *d, uint64_t *counter,
    int remember)
{
	(*counter)++;
	live_end(t, d, remember);
	return CAP_DEFRAG_DROPPED;
}

/*
 * Drop one fragment that contradicts what its datagram holds; the
 * datagram stays (a new, empty one contradicts nothing, so none is left
 * empty).
 */
static enum cap_defrag_result
drop_fragment(uint64_t *counter)
{
	(*counter)++;
	return CAP_DEFRAG_DROPPED;
}

static enum cap_defrag_result
add_fragment(struct cap_defrag *t, struct dgram *d,
    const struct defrag_frag *f, const uint8_t **out, size_t *outlen)
{
	struct overlap o;
	uint32_t fend = f->offset + (uint32_t)f->len;
	int new_first = f->offset == 0 && !d->has_first;
	size_t need;

	/* The first fragment's header bounds the datagram's length. */
	if ((d->has_first && fend > d->first.room) ||
	    (new_first && d->extent > f->room))
		return drop_fragment(&t->st.too_long);
	/* A second end, or data held past the end. */
	if (!f->more && ((d->has_end && d->end != fend) || d->extent > fend))
		return drop_fragment(&t->st.malformed);
	if (f->more && d->has_end && fend > d->end)
		return drop_fragment(&t->st.malformed);

	overlap_scan(d, f, &o);
	if (d->family == 6 && o.pieces > 0 && !(o.pieces == 1 &&
	    o.same_range && !o.differ &&
	    f->more == !(d->has_end && fend == d->end)))
		return refuse(t, d, &t->st.overlap_drops, 1);
	if (o.differ)
		t->st.overlaps++;

	if (o.newbytes > 0) {
		if (d->nfrags >= t->lim.max_fragments)
			return refuse(t, d, &t->st.too_many, 1);
		need = o.newbytes + (new_first ? f->hdrlen : 0);
		if (!make_room(t, d, need))
			return refuse(t, d, &t->st.evicted, 0);
		if ((new_first && keep_first(t, d, f) == -1) ||
		    pieces_insert(t, d, f) == -1)
			return refuse(t, d, &t->st.evicted, 0);
		d->nfrags++;
	}
	if (!f->more) {
		d->has_end = 1;
		d->end = fend;
	}
	if (d->has_end && d->have == d->end)
		return complete(t, d, out, outlen);
	return CAP_DEFRAG_HELD;
}

/* ---- the interface ------------------------------------------------------- */

struct cap_defrag *
cap_defrag_new(const struct cap_defrag_limits *lim)
{
	struct cap_defrag *t;
	uint64_t nbuckets = 16;

	if (lim->max_datagrams > MAX_DATAGRAMS_LIMIT || lim->timeout_ms < 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->lim = *lim;
	if (t->lim.max_datagrams == 0)
		t->lim.max_datagrams = DEF_MAX_DATAGRAMS;
	if (t->lim.max_bytes == 0)
		t->lim.max_bytes = DEF_MAX_BYTES;
	if (t->lim.max_fragments == 0)
		t->lim.max_fragments = DEF_MAX_FRAGMENTS;
	if (t->lim.timeout_ms == 0)
		t->lim.timeout_ms = DEF_TIMEOUT_MS;
	/* Live and dead ones together: a chain averages at most one. */
	while (nbuckets < 2 * (uint64_t)t->lim.max_datagrams)
		nbuckets <<= 1;
	t->mask = nbuckets - 1;
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	t->out = malloc(DEFRAG_MAX_OUTPUT);
	if (t->buckets == NULL || t->out == NULL) {
		cap_defrag_free(t);
		return NULL;
	}
	siphash_random_key(t->key);
	return t;
}

void
cap_defrag_free(struct cap_defrag *t)
{
	if (t == NULL)
		return;
	while (t->live.oldest != NULL)
		live_end(t, t->live.oldest, 0);
	while (t->dead.oldest != NULL)
		dead_forget(t, t->dead.oldest);
	free(t->buckets);
	free(t->out);
	free(t);
}

void
cap_defrag_expire(struct cap_defrag *t, int64_t now_ms)
{
	while (t->live.oldest != NULL && expired(t, t->live.oldest, now_ms)) {
		t->st.timeouts++;
		live_end(t, t->live.oldest, 0);
	}
	while (t->dead.oldest != NULL && expired(t, t->dead.oldest, now_ms))
		dead_forget(t, t->dead.oldest);
}

enum cap_defrag_result
cap_defrag_feed(struct cap_defrag *t, const uint8_t *ip, size_t len,
    int64_t now_ms, const uint8_t **out, size_t *outlen)
{
	struct defrag_frag f;
	struct dgram *d;
	uint64_t hash;

	*out = NULL;
	*outlen = 0;
	cap_defrag_expire(t, now_ms);
	switch (defrag_parse(ip, len, &f)) {
	case DEFRAG_PARSE_WHOLE:
		return CAP_DEFRAG_WHOLE;
	case DEFRAG_PARSE_FRAGMENT:
		break;
	default:
		t->st.malformed++;
		return CAP_DEFRAG_DROPPED;
	}
	t->st.fragments++;
	/* Only the last fragment may end off the 8-byte grid (RFC 791). */
	if (f.len == 0 || (f.more && f.len % 8 != 0)) {
		t->st.malformed++;
		return CAP_DEFRAG_DROPPED;
	}
	if ((uint64_t)f.offset + f.len > f.room) {
		t->st.too_long++;
		return CAP_DEFRAG_DROPPED;
	}

	hash = siphash13(t->key, f.key, DEFRAG_KEY_BYTES);
	d = lookup(t, f.key, hash);
	if (d != NULL && d->dead) {
		t->st.dropped_late++;
		return CAP_DEFRAG_DROPPED;
	}
	if (d == NULL && (d = dgram_new(t, &f, hash, now_ms)) == NULL) {
		t->st.evicted++;
		return CAP_DEFRAG_DROPPED;
	}
	return add_fragment(t, d, &f, out, outlen);
}

void
cap_defrag_stats(const struct cap_defrag *t, struct cap_defrag_stats *st)
{
	*st = t->st;
	st->in_progress = t->live.n;
	st->bytes_held = t->bytes_held;
}
