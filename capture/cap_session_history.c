/*
 * cap_session_history.c - copies of frames kept until their fate is known.
 *
 * Two kinds of owner hold copies (see cap_sessions_impl.h for the list
 * invariants):
 *  - a session without a hit keeps its recent frames, so that a hit
 *    later in the session still gives a pcap from its SYN.  All sessions
 *    share one budget (history_bytes); the oldest copy anywhere goes
 *    first, and its session's history is then incomplete.
 *  - a datagram in reassembly keeps its fragment frames: a fragment after
 *    the first carries no ports, so which session it belongs to is known
 *    only when cap_defrag completes the datagram.  The session table then
 *    moves them to that session (history or file).  These have their own
 *    budget (CAP_SESS_FRAG_*, matching cap_defrag's defaults), so a key
 *    carried in fragments is recorded with all of them even when the
 *    history budget is 0.  Fragments of a datagram that never completes
 *    are dropped with their group (room, or CAP_SESS_FRAG_TIMEOUT_MS).
 */
#include <stdlib.h>
#include <string.h>

#include "cap_sessions_impl.h"
#include "siphash.h"

/* ---- the age list ------------------------------------------------------ */

static void
age_unlink(struct cap_hcache *c, struct cap_hframe *f)
{
	if (f->age_prev != NULL)
		f->age_prev->age_next = f->age_next;
	else
		c->oldest = f->age_next;
	if (f->age_next != NULL)
		f->age_next->age_prev = f->age_prev;
	else
		c->newest = f->age_prev;
	f->age_prev = f->age_next = NULL;
	c->bytes -= CAP_HFRAME_COST(f->caplen);
	c->frames--;
}

static void
age_append(struct cap_hcache *c, struct cap_hframe *f)
{
	f->age_next = NULL;
	f->age_prev = c->newest;
	if (c->newest != NULL)
		c->newest->age_next = f;
	else
		c->oldest = f;
	c->newest = f;
	c->bytes += CAP_HFRAME_COST(f->caplen);
	c->frames++;
}

static void
owner_append(struct cap_hlist *l, struct cap_hframe *f)
{
	f->next = NULL;
	f->owner = l;
	if (l->tail != NULL)
		l->tail->next = f;
	else
		l->head = f;
	l->tail = f;
	l->frames++;
}

/* Take l's oldest copy off both lists. */
static struct cap_hframe *
owner_pop(struct cap_hcache *c, struct cap_hlist *l)
{
	struct cap_hframe *f = l->head;

	if (f == NULL)
		return NULL;
	l->head = f->next;
	if (l->head == NULL)
		l->tail = NULL;
	l->frames--;
	age_unlink(c, f);
	return f;
}

/* Evict the oldest copies until need more bytes fit. */
static void
make_room(struct cap_hcache *c, size_t need)
{
	struct cap_hframe *f;

	while (c->oldest != NULL && c->bytes + need > c->max) {
		struct cap_hlist *owner = c->oldest->owner;

		/* The oldest copy is its owner's head (appended together). */
		f = owner_pop(c, owner);
		owner->lost = 1;
		c->evicted++;
		free(f);
	}
}

void
cap_hcache_init(struct cap_hcache *c, uint64_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max;
}

int
cap_hcache_add(struct cap_hcache *c, struct cap_hlist *l,
    const struct timespec *ts, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint8_t dir, uint8_t pure_ack)
{
	size_t		   cost = CAP_HFRAME_COST(caplen);
	struct cap_hframe *f;

	if (cost > c->max) {
		l->lost = 1;
		c->evicted++;
		return -1;
	}
	make_room(c, cost);
	if ((f = malloc(sizeof(*f) + caplen)) == NULL) {
		l->lost = 1;
		c->evicted++;
		return -1;
	}
	f->ts = *ts;
	f->caplen = caplen;
	f->wirelen = wirelen;
	f->dir = dir;
	f->pure_ack = pure_ack;
	memcpy(f->data, frame, caplen);
	owner_append(l, f);
	age_append(c, f);
	return 0;
}

void
cap_hlist_move(struct cap_hcache *from, struct cap_hlist *src,
    struct cap_hcache *to, struct cap_hlist *dst, uint8_t dir)
{
	struct cap_hframe *f;

	if (src->lost)
		dst->lost = 1;
	while ((f = owner_pop(from, src)) != NULL) {
		size_t cost = CAP_HFRAME_COST(f->caplen);

		if (cost > to->max) {
			dst->lost = 1;
			to->evicted++;
			free(f);
			continue;
		}
		make_room(to, cost);
		f->dir = dir;
		owner_append(dst, f);
		age_append(to, f);
	}
}

void
cap_hlist_drain(struct cap_hcache *c, struct cap_hlist *l, cap_hframe_cb *cb,
    void *arg)
{
	struct cap_hframe *f;

	while ((f = owner_pop(c, l)) != NULL) {
		if (cb != NULL)
			cb(arg, f);
		free(f);
	}
}

/* ---- fragments waiting for their datagram ------------------------------ */

/* The key as bytes (a struct may have padding). */
static uint64_t
fkey_hash(const struct cap_fpending *p, const struct cap_fkey *k)
{
	uint8_t	b[2 * 17 + 5];

	b[0] = k->src.family;
	memcpy(b + 1, k->src.bytes, 16);
	b[17] = k->dst.family;
	memcpy(b + 18, k->dst.bytes, 16);
	b[34] = (uint8_t)(k->id >> 24);
	b[35] = (uint8_t)(k->id >> 16);
	b[36] = (uint8_t)(k->id >> 8);
	b[37] = (uint8_t)k->id;
	b[38] = k->proto;
	return siphash13(p->hkey, b, sizeof(b));
}

static int
fkey_equal(const struct cap_fkey *a, const struct cap_fkey *b)
{
	return a->id == b->id && a->proto == b->proto &&
	    netaddr_compare(&a->src, &b->src) == 0 &&
	    netaddr_compare(&a->dst, &b->dst) == 0;
}

int
cap_fpending_init(struct cap_fpending *p, const uint64_t hkey[2])
{
	memset(p, 0, sizeof(*p));
	cap_hcache_init(&p->cache, CAP_SESS_FRAG_BYTES);
	p->mask = CAP_SESS_FRAG_DATAGRAMS - 1;
	p->buckets = calloc((size_t)p->mask + 1, sizeof(*p->buckets));
	if (p->buckets == NULL)
		return -1;
	p->hkey[0] = hkey[0];
	p->hkey[1] = hkey[1];
	return 0;
}

/* Take g out of the hash chain and the arrival list. */
static void
group_unlink(struct cap_fpending *p, struct cap_fgroup *g)
{
	struct cap_fgroup **pp;

	pp = &p->buckets[fkey_hash(p, &g->key) & p->mask];
	while (*pp != NULL && *pp != g)
		pp = &(*pp)->hnext;
	if (*pp == g)
		*pp = g->hnext;
	if (g->prev != NULL)
		g->prev->next = g->next;
	else
		p->oldest = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	else
		p->newest = g->prev;
	g->hnext = g->prev = g->next = NULL;
	p->groups--;
}

void
cap_fpending_release(struct cap_fpending *p, struct cap_fgroup *g)
{
	if (g == NULL)
		return;
	cap_hlist_drain(&p->cache, &g->frames, NULL, NULL);
	free(g);
}

void
cap_fpending_free(struct cap_fpending *p)
{
	struct cap_fgroup *g;

	while ((g = p->oldest) != NULL) {
		group_unlink(p, g);
		cap_fpending_release(p, g);
	}
	free(p->buckets);
	p->buckets = NULL;
}

static struct cap_fgroup *
group_find(struct cap_fpending *p, const struct cap_fkey *k)
{
	struct cap_fgroup *g;

	for (g = p->buckets[fkey_hash(p, k) & p->mask]; g != NULL;
	    g = g->hnext)
		if (fkey_equal(&g->key, k))
			return g;
	return NULL;
}

void
cap_fpending_hold(struct cap_fpending *p, const struct cap_fkey *k,
    const struct timespec *ts, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, int64_t now_ms)
{
	struct cap_fgroup	*g;
	uint64_t		 h;

	cap_fpending_expire(p, now_ms);
	if ((g = group_find(p, k)) == NULL) {
		if (p->groups > p->mask) {
			g = p->oldest;
			group_unlink(p, g);
			cap_fpending_release(p, g);
			p->dropped++;
		}
		if ((g = calloc(1, sizeof(*g))) == NULL) {
			p->dropped++;
			return;
		}
		g->key = *k;
		g->since_ms = now_ms;
		h = fkey_hash(p, k) & p->mask;
		g->hnext = p->buckets[h];
		p->buckets[h] = g;
		g->prev = p->newest;
		if (p->newest != NULL)
			p->newest->next = g;
		else
			p->oldest = g;
		p->newest = g;
		p->groups++;
	}
	/* cap_defrag gives up a datagram of more fragments than this. */
	if (g->frames.frames >= CAP_SESS_FRAG_FRAMES) {
		g->frames.lost = 1;
		return;
	}
	(void)cap_hcache_add(&p->cache, &g->frames, ts, frame, caplen, wirelen,
	    0, 0);
}

struct cap_fgroup *
cap_fpending_take(struct cap_fpending *p, const struct cap_fkey *k)
{
	struct cap_fgroup *g = group_find(p, k);

	if (g != NULL)
		group_unlink(p, g);
	return g;
}

void
cap_fpending_expire(struct cap_fpending *p, int64_t now_ms)
{
	struct cap_fgroup *g;

	while ((g = p->oldest) != NULL &&
	    now_ms - g->since_ms >= CAP_SESS_FRAG_TIMEOUT_MS) {
		group_unlink(p, g);
		cap_fpending_release(p, g);
		p->dropped++;
	}
}

size_t
cap_fpending_memory(const struct cap_fpending *p)
{
	return ((size_t)p->mask + 1) * sizeof(*p->buckets) +
	    (size_t)p->groups * (sizeof(struct cap_fgroup) +
	    CAP_SESS_MALLOC_OVERHEAD) + (size_t)p->cache.bytes;
}
