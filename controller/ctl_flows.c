/*
 * ctl_flows.c - the bounded table of recent flows behind GET /api/v1/flows.
 *
 * Flow keys come from sFlow datagrams, that is from the network, so the
 * table is sized once (ctl_flows_new allocates everything) and the hash is
 * SipHash-1-3 keyed with getrandom(): a peer that can choose addresses and
 * ports cannot aim its keys at one chain.
 *
 * Invariants:
 *  - flows[0..n) are in use; slots are handed out in order until the table
 *    is full, after which a new key takes over the slot of the least
 *    recently seen flow (the tail of the LRU list).  No slot is ever freed
 *    otherwise, so there is no free list.
 *  - heads[] (a power of two, at least max_flows) holds the first slot of
 *    each hash chain, chained through flow.hnext; NONE ends a chain.  Load
 *    is at most 1, so chains stay short with a keyed hash.
 *  - The LRU list runs from lru_head (last added to) to lru_tail through
 *    prev/next; every used slot is on it exactly once.
 *  - Stored keys are canonical: the struct's padding is zero (key_canon),
 *    so keys hash and compare as bytes even if a caller forgot to zero.
 *  - last_ms is the latest time the flow was seen; its bucket
 *    (last_ms / BUCKET_MS, rounded down) is the newest of the ring, and the
 *    ring holds buckets newest-RING_BUCKETS+1 .. newest at index
 *    bucket % RING_BUCKETS.  The last minute as of now is the sum of the
 *    buckets newer than now's bucket - RING_BUCKETS: whole buckets, so it
 *    covers between 50 and 60 s.  Samples stamped after now (a clock
 *    stepping back) still count rather than hide every flow.
 *
 * Memory: an entry is 192 bytes on LP64 (100000 flows: 19 MB plus 0.5 MB
 * of hash heads).  To stay there, the per-bucket frame counts are 32 bits
 * and saturate: 2^32 frames in 10 s is 429 Mpps on one flow, which only a
 * lying agent (a huge sampling rate) reaches, and saturation keeps such a
 * flow at the top where the operator sees it.  All other counters are 64
 * bits and saturate too.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_flows.h"
#include "siphash.h"

#define RING_BUCKETS	6
#define BUCKET_MS	10000
#define NONE		UINT32_MAX
/* Slot numbers are 32 bits with NONE reserved; far beyond any real use. */
#define CTL_FLOWS_MAX	(1u << 28)

struct flow {
	struct ctl_flow_key key;
	uint32_t	hnext;
	uint64_t	samples;
	uint64_t	frames;
	uint64_t	bytes;
	int64_t		first_ms;
	int64_t		last_ms;
	uint32_t	prev;
	uint32_t	next;
	uint64_t	ring_bytes[RING_BUCKETS];
	uint32_t	ring_frames[RING_BUCKETS];
	uint32_t	hbucket;	/* its hash chain: eviction needs no rehash */
};

_Static_assert(sizeof(struct flow) <= 200, "flow entry over 200 bytes");

struct ctl_flows {
	struct flow	*flows;
	uint32_t	*heads;
	uint32_t	 mask;
	uint32_t	 max;
	uint32_t	 n;
	uint32_t	 lru_head;
	uint32_t	 lru_tail;
	uint64_t	 sipkey[2];
	uint64_t	 added;
	uint64_t	 evicted;
	size_t		 memory;
};

/* A copy of k with every padding byte zero, to hash and compare as bytes. */
static void
key_canon(const struct ctl_flow_key *k, struct ctl_flow_key *c)
{
	memset(c, 0, sizeof(*c));
	c->agent = k->agent;
	c->in_if = k->in_if;
	c->out_if = k->out_if;
	c->src = k->src;
	c->dst = k->dst;
	c->sport = k->sport;
	c->dport = k->dport;
	c->proto = k->proto;
}

static uint32_t
key_bucket(const struct ctl_flows *t, const struct ctl_flow_key *canon)
{
	return (uint32_t)siphash13(t->sipkey, canon, sizeof(*canon)) & t->mask;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint32_t
sat_add32(uint32_t a, uint64_t b)
{
	return b >= (uint64_t)(UINT32_MAX - a) ? UINT32_MAX : a + (uint32_t)b;
}

/* Time buckets, rounded down also before the epoch. */
static int64_t
bucket_of(int64_t ms)
{
	int64_t b = ms / BUCKET_MS;

	return ms % BUCKET_MS < 0 ? b - 1 : b;
}

static unsigned int
ring_index(int64_t bucket)
{
	int64_t i = bucket % RING_BUCKETS;

	return (unsigned int)(i < 0 ? i + RING_BUCKETS : i);
}

struct ctl_flows *
ctl_flows_new(size_t max_flows)
{
	struct ctl_flows *t;
	size_t size = 16;

	if (max_flows == 0 || max_flows > CTL_FLOWS_MAX)
		return NULL;
	while (size < max_flows)
		size <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->flows = calloc(max_flows, sizeof(*t->flows));
	t->heads = malloc(size * sizeof(*t->heads));
	if (t->flows == NULL || t->heads == NULL) {
		ctl_flows_free(t);
		return NULL;
	}
	memset(t->heads, 0xff, size * sizeof(*t->heads));	/* NONE */
	t->mask = (uint32_t)size - 1;
	t->max = (uint32_t)max_flows;
	t->lru_head = t->lru_tail = NONE;
	t->memory = sizeof(*t) + max_flows * sizeof(*t->flows) +
	    size * sizeof(*t->heads);
	siphash_random_key(t->sipkey);
	return t;
}

void
ctl_flows_free(struct ctl_flows *t)
{
	if (t == NULL)
		return;
	free(t->flows);
	free(t->heads);
	free(t);
}

static int64_t
find(const struct ctl_flows *t, const struct ctl_flow_key *canon,
    uint32_t bucket)
{
	uint32_t i;

	for (i = t->heads[bucket]; i != NONE; i = t->flows[i].hnext)
		if (memcmp(&t->flows[i].key, canon, sizeof(*canon)) == 0)
			return i;
	return -1;
}

static void
lru_unlink(struct ctl_flows *t, uint32_t i)
{
	struct flow *f = &t->flows[i];

	if (f->prev != NONE)
		t->flows[f->prev].next = f->next;
	else
		t->lru_head = f->next;
	if (f->next != NONE)
		t->flows[f->next].prev = f->prev;
	else
		t->lru_tail = f->prev;
}

static void
lru_push_front(struct ctl_flows *t, uint32_t i)
{
	struct flow *f = &t->flows[i];

	f->prev = NONE;
	f->next = t->lru_head;
	if (t->lru_head != NONE)
		t->flows[t->lru_head].prev = i;
	else
		t->lru_tail = i;
	t->lru_head = i;
}

/* Take slot i off its hash chain. */
static void
hash_unlink(struct ctl_flows *t, uint32_t i)
{
	uint32_t *p = &t->heads[t->flows[i].hbucket];

	while (*p != i)
		p = &t->flows[*p].hnext;
	*p = t->flows[i].hnext;
}

/* A slot for a new flow: an unused one, else the least recently seen. */
static uint32_t
take_slot(struct ctl_flows *t)
{
	uint32_t i;

	if (t->n < t->max)
		return t->n++;
	i = t->lru_tail;
	lru_unlink(t, i);
	hash_unlink(t, i);
	t->evicted++;
	return i;
}

void
ctl_flows_add(struct ctl_flows *t, const struct ctl_flow_key *key,
    uint64_t frames, uint64_t bytes, int64_t now_ms)
{
	struct ctl_flow_key canon;
	struct flow *f;
	int64_t found, b, newest, j;
	uint32_t hb, i;
	unsigned int r;

	key_canon(key, &canon);
	hb = key_bucket(t, &canon);
	b = bucket_of(now_ms);
	if ((found = find(t, &canon, hb)) >= 0) {
		i = (uint32_t)found;
		f = &t->flows[i];
		lru_unlink(t, i);
		newest = bucket_of(f->last_ms);
		/* Clear the buckets the ring moves over. */
		for (j = newest + 1; j <= b && j <= newest + RING_BUCKETS; j++) {
			r = ring_index(j);
			f->ring_bytes[r] = 0;
			f->ring_frames[r] = 0;
		}
		if (now_ms > f->last_ms)
			f->last_ms = now_ms;
		if (now_ms < f->first_ms)
			f->first_ms = now_ms;
	} else {
		i = take_slot(t);
		f = &t->flows[i];
		memset(f, 0, sizeof(*f));
		f->key = canon;
		f->first_ms = f->last_ms = now_ms;
		f->hbucket = hb;
		f->hnext = t->heads[hb];
		t->heads[hb] = i;
		t->added++;
	}
	lru_push_front(t, i);
	f->samples = sat_add(f->samples, 1);
	f->frames = sat_add(f->frames, frames);
	f->bytes = sat_add(f->bytes, bytes);
	/* A late sample older than the ring counts in the totals only. */
	if (b > bucket_of(f->last_ms) - RING_BUCKETS) {
		r = ring_index(b);
		f->ring_bytes[r] = sat_add(f->ring_bytes[r], bytes);
		f->ring_frames[r] = sat_add32(f->ring_frames[r], frames);
	}
}

/* The flow's figures over the last minute as of now_ms. */
static void
minute(const struct flow *f, int64_t now_ms, uint64_t *frames,
    uint64_t *bytes)
{
	int64_t oldest = bucket_of(now_ms) - RING_BUCKETS;
	int64_t j, newest = bucket_of(f->last_ms);
	unsigned int r;

	*frames = *bytes = 0;
	for (j = newest; j > newest - RING_BUCKETS && j > oldest; j--) {
		r = ring_index(j);
		*frames = sat_add(*frames, f->ring_frames[r]);
		*bytes = sat_add(*bytes, f->ring_bytes[r]);
	}
}

static void
fill_info(const struct flow *f, int64_t now_ms, struct ctl_flow_info *out)
{
	out->key = f->key;
	out->samples = f->samples;
	out->frames = f->frames;
	out->bytes = f->bytes;
	minute(f, now_ms, &out->frames_minute, &out->bytes_minute);
	out->first_ms = f->first_ms;
	out->last_ms = f->last_ms;
}

int
ctl_flows_get(const struct ctl_flows *t, const struct ctl_flow_key *key,
    int64_t now_ms, struct ctl_flow_info *out)
{
	struct ctl_flow_key canon;
	int64_t i;

	key_canon(key, &canon);
	if ((i = find(t, &canon, key_bucket(t, &canon))) < 0)
		return -1;
	fill_info(&t->flows[i], now_ms, out);
	return 0;
}

static uint64_t
metric(const struct ctl_flow_info *f, enum ctl_flows_order order)
{
	return order == CTL_FLOWS_BY_FRAMES ? f->frames_minute :
	    f->bytes_minute;
}

/*
 * Whether a ranks strictly before b: larger figure, then older, then the
 * key's bytes so that the order never depends on table slots.
 */
static int
better(const struct ctl_flow_info *a, const struct ctl_flow_info *b,
    enum ctl_flows_order order)
{
	uint64_t ma = metric(a, order), mb = metric(b, order);

	if (ma != mb)
		return ma > mb;
	if (a->first_ms != b->first_ms)
		return a->first_ms < b->first_ms;
	return memcmp(&a->key, &b->key, sizeof(a->key)) < 0;
}

static void
swap_info(struct ctl_flow_info *a, struct ctl_flow_info *b)
{
	struct ctl_flow_info tmp = *a;

	*a = *b;
	*b = tmp;
}

/* The heap keeps its worst entry at the root: no parent ranks before a child. */
static void
sift_down(struct ctl_flow_info *h, size_t size, size_t i,
    enum ctl_flows_order order)
{
	size_t c, worst;

	for (;;) {
		worst = i;
		for (c = 2 * i + 1; c <= 2 * i + 2 && c < size; c++)
			if (better(&h[worst], &h[c], order))
				worst = c;
		if (worst == i)
			return;
		swap_info(&h[i], &h[worst]);
		i = worst;
	}
}

static void
sift_up(struct ctl_flow_info *h, size_t i, enum ctl_flows_order order)
{
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!better(&h[parent], &h[i], order))
			return;
		swap_info(&h[parent], &h[i]);
		i = parent;
	}
}

/*
 * A bounded heap of the best n built in out itself (no allocation), then
 * sorted in place by taking the worst to the end: O(flows log n).
 */
size_t
ctl_flows_top(const struct ctl_flows *t, enum ctl_flows_order order,
    int64_t now_ms, struct ctl_flow_info *out, size_t n)
{
	struct ctl_flow_info cand;
	size_t size = 0, k;
	uint32_t i;

	if (n > t->n)
		n = t->n;
	if (n == 0)
		return 0;
	for (i = 0; i < t->n; i++) {
		/* Most flows lose on the figure alone: skip the copy. */
		minute(&t->flows[i], now_ms, &cand.frames_minute,
		    &cand.bytes_minute);
		if (metric(&cand, order) == 0 || (size == n &&
		    metric(&cand, order) < metric(&out[0], order)))
			continue;
		fill_info(&t->flows[i], now_ms, &cand);
		if (size < n) {
			out[size] = cand;
			sift_up(out, size++, order);
		} else if (better(&cand, &out[0], order)) {
			out[0] = cand;
			sift_down(out, size, 0, order);
		}
	}
	for (k = size; k > 1; k--) {
		swap_info(&out[0], &out[k - 1]);
		sift_down(out, k - 1, 0, order);
	}
	return size;
}

void
ctl_flows_stats(const struct ctl_flows *t, struct ctl_flows_stats *s)
{
	s->flows = t->n;
	s->max_flows = t->max;
	s->added = t->added;
	s->evicted = t->evicted;
	s->memory = t->memory;
}
