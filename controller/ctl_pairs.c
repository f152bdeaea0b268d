/*
 * ctl_pairs.c - the bounded memory of (local, remote) pairs that feeds the
 * trigger policy its thresholds and cooldowns.
 *
 * The remote address of every pair comes from the network (any sFlow
 * sample whose remote side is on a watched list), so the table is what a
 * peer can grow: it holds at most max_pairs pairs, all allocated in
 * ctl_pairs_new(), and a new pair in a full table pushes out an old one.
 * The same peer chooses the keys, so the hash is SipHash-1-3 under a
 * random key drawn at creation: chains cannot be lengthened on purpose.
 *
 * Invariants:
 *  - slots[0..n) are in use; n only grows (up to max) because a pair
 *    leaves only when evicted, and its slot is reused at once.
 *  - buckets[h & mask] heads a chain of slot numbers linked by hnext (NIL
 *    ends it); every slot in use is on exactly one chain, the one of its
 *    cached hash.  There are at least as many buckets as slots.
 *  - Every slot in use is on the LRU list, head = most recently matched
 *    (or given a cooldown), tail = least; prev points towards the head.
 *  - Pair addresses are stored canonical (unused bytes zero), so memcmp
 *    compares them whatever the caller left in the unused bytes.
 *  - Eviction looks at up to EVICT_SCAN pairs from the tail and takes the
 *    first whose cooldown is not running; if all are cooling, the tail.
 *    A bounded look keeps a note O(1) while a flood of new pairs still
 *    rarely erases a cooldown (which would let a capture start again).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_policy.h"
#include "siphash.h"

#define NIL		UINT32_MAX
#define EVICT_SCAN	8
#define PAIRS_LIMIT	(1u << 24)	/* keeps slot numbers below NIL */
#define KEY_BYTES	(2 * (1 + 16))

struct slot {
	struct ctl_pair	pair;
	uint64_t	hash;
	uint32_t	hnext;		/* next on the bucket chain */
	uint32_t	prev;		/* LRU: towards the most recent */
	uint32_t	next;		/* LRU: towards the least recent */
};

struct ctl_pairs {
	struct slot	*slots;
	uint32_t	*buckets;
	uint64_t	 mask;
	size_t		 n;
	size_t		 max;
	uint32_t	 head;		/* most recently matched */
	uint32_t	 tail;		/* least recently matched */
	uint64_t	 key[2];	/* SipHash key */
	int64_t		 now_ms;	/* latest time a note was given */
	uint64_t	 evicted;
	uint64_t	 evicted_cooling;
};

/* ---- keys ---------------------------------------------------------------- */

static uint64_t
hash_pair(const struct ctl_pairs *t, const struct netaddr *local,
    const struct netaddr *remote)
{
	uint8_t buf[KEY_BYTES];

	buf[0] = local->family;
	memcpy(buf + 1, local->bytes, 16);
	buf[17] = remote->family;
	memcpy(buf + 18, remote->bytes, 16);
	return siphash13(t->key, buf, sizeof(buf));
}

static int
cooling(const struct ctl_pair *p, int64_t now_ms)
{
	return p->cooldown_until_ms != 0 && now_ms < p->cooldown_until_ms;
}

/* ---- the table ----------------------------------------------------------- */

struct ctl_pairs *
ctl_pairs_new(size_t max_pairs)
{
	struct ctl_pairs *t;
	uint64_t nbuckets = 16;
	uint32_t i;

	if (max_pairs == 0 || max_pairs > PAIRS_LIMIT)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	while (nbuckets < max_pairs)
		nbuckets <<= 1;
	t->mask = nbuckets - 1;
	t->max = max_pairs;
	t->head = t->tail = NIL;
	t->slots = calloc(max_pairs, sizeof(*t->slots));
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	if (t->slots == NULL || t->buckets == NULL) {
		ctl_pairs_free(t);
		return NULL;
	}
	for (i = 0; i < nbuckets; i++)
		t->buckets[i] = NIL;
	siphash_random_key(t->key);
	return t;
}

void
ctl_pairs_free(struct ctl_pairs *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t->buckets);
	free(t);
}

static uint32_t
lookup(const struct ctl_pairs *t, uint64_t h, const struct netaddr *local,
    const struct netaddr *remote)
{
	const struct slot *s;
	uint32_t i;

	for (i = t->buckets[h & t->mask]; i != NIL; i = s->hnext) {
		s = &t->slots[i];
		if (s->hash == h &&
		    memcmp(&s->pair.local, local, sizeof(*local)) == 0 &&
		    memcmp(&s->pair.remote, remote, sizeof(*remote)) == 0)
			return i;
	}
	return NIL;
}

static void
lru_unlink(struct ctl_pairs *t, uint32_t i)
{
	struct slot *s = &t->slots[i];

	if (s->prev != NIL)
		t->slots[s->prev].next = s->next;
	else
		t->head = s->next;
	if (s->next != NIL)
		t->slots[s->next].prev = s->prev;
	else
		t->tail = s->prev;
	s->prev = s->next = NIL;
}

static void
lru_push_front(struct ctl_pairs *t, uint32_t i)
{
	struct slot *s = &t->slots[i];

	s->prev = NIL;
	s->next = t->head;
	if (t->head != NIL)
		t->slots[t->head].prev = i;
	else
		t->tail = i;
	t->head = i;
}

static void
lru_touch(struct ctl_pairs *t, uint32_t i)
{
	if (t->head == i)
		return;
	lru_unlink(t, i);
	lru_push_front(t, i);
}

static void
bucket_unlink(struct ctl_pairs *t, uint32_t i)
{
	uint32_t *link = &t->buckets[t->slots[i].hash & t->mask];

	while (*link != i)
		link = &t->slots[*link].hnext;
	*link = t->slots[i].hnext;
}

/* A free slot: a new one while there are, else the evicted pair's. */
static uint32_t
take_slot(struct ctl_pairs *t, int64_t now_ms)
{
	uint32_t i, victim;
	int k;

	if (t->n < t->max)
		return (uint32_t)t->n++;
	victim = t->tail;
	for (i = t->tail, k = 0; i != NIL && k < EVICT_SCAN;
	    i = t->slots[i].prev, k++) {
		if (!cooling(&t->slots[i].pair, now_ms)) {
			victim = i;
			break;
		}
	}
	t->evicted++;
	if (cooling(&t->slots[victim].pair, now_ms))
		t->evicted_cooling++;
	lru_unlink(t, victim);
	bucket_unlink(t, victim);
	return victim;
}

/* A new pair (canonical addresses) at the head; the caller fills it. */
static struct ctl_pair *
insert(struct ctl_pairs *t, uint64_t h, const struct netaddr *local,
    const struct netaddr *remote, int64_t now_ms)
{
	uint32_t i = take_slot(t, now_ms);
	struct slot *s = &t->slots[i];

	memset(s, 0, sizeof(*s));
	s->pair.local = *local;
	s->pair.remote = *remote;
	s->pair.last_decision = -1;
	s->hash = h;
	s->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = i;
	lru_push_front(t, i);
	return &s->pair;
}

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

struct ctl_pair *
ctl_pairs_note(struct ctl_pairs *t, const struct ctl_match *m,
    const struct flow_key *key, uint64_t frames, uint32_t window_s,
    int64_t now_ms)
{
	struct netaddr local = netaddr_canonical(&m->local);
	struct netaddr remote = netaddr_canonical(&m->remote);
	uint64_t h = hash_pair(t, &local, &remote);
	struct ctl_pair *p;
	uint32_t i;

	if (now_ms > t->now_ms)
		t->now_ms = now_ms;
	if ((i = lookup(t, h, &local, &remote)) == NIL)
		p = insert(t, h, &local, &remote, now_ms);
	else {
		lru_touch(t, i);
		p = &t->slots[i].pair;
	}
	/*
	 * A fixed window, restarted by the first sample after it ended.  A
	 * pair made by a cooldown has no window yet; a clock stepped back
	 * restarts it rather than leaving it open until the clock catches up.
	 */
	if (p->window_samples == 0 || now_ms < p->window_start_ms ||
	    now_ms - p->window_start_ms >= (int64_t)window_s * 1000) {
		p->window_start_ms = now_ms;
		p->window_samples = 1;
		p->window_frames = frames;
		p->first = *m;
		if (key != NULL)
			p->first_key = *key;
		else
			memset(&p->first_key, 0, sizeof(p->first_key));
		p->first_ms = now_ms;
	} else {
		p->window_samples++;
		p->window_frames = add_sat(p->window_frames, frames);
	}
	p->matches++;
	return p;
}

struct ctl_pair *
ctl_pairs_find(struct ctl_pairs *t, const struct netaddr *local,
    const struct netaddr *remote)
{
	struct netaddr l = netaddr_canonical(local), r = netaddr_canonical(remote);
	uint32_t i = lookup(t, hash_pair(t, &l, &r), &l, &r);

	return i == NIL ? NULL : &t->slots[i].pair;
}

/*
 * A cooldown counts as a use for the LRU order: the capture that just
 * ended kept the pair matching until now.  There is no clock here, so an
 * eviction this causes judges cooldowns at the latest note's time.
 */
void
ctl_pairs_cooldown(struct ctl_pairs *t, const struct netaddr *local,
    const struct netaddr *remote, int64_t until_ms)
{
	struct netaddr l = netaddr_canonical(local), r = netaddr_canonical(remote);
	uint64_t h = hash_pair(t, &l, &r);
	struct ctl_pair *p;
	uint32_t i;

	if ((i = lookup(t, h, &l, &r)) == NIL)
		p = insert(t, h, &l, &r, t->now_ms);
	else {
		lru_touch(t, i);
		p = &t->slots[i].pair;
	}
	p->cooldown_until_ms = until_ms;
}

void
ctl_pairs_stats(const struct ctl_pairs *t, struct ctl_pairs_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pairs = t->n;
	st->max_pairs = t->max;
	st->evicted = t->evicted;
	st->evicted_cooling = t->evicted_cooling;
}
