/*
 * ctl_agents.c - the controller's per-agent view: when each sFlow agent was
 * heard, its sampling rates, its undecodable datagrams and its latest
 * interface counters (behind GET /api/v1/agents and /metrics).
 *
 * Agent addresses come from the network (the datagram header, or the UDP
 * source when even that did not decode), so the table is capped at
 * max_agents and hashed with SipHash-1-3 under a random key drawn at
 * creation: a peer choosing addresses cannot aim them at one probe run.
 * ctl_agents_flow() runs once per flow sample, so the agent of the last
 * call is remembered: the samples of one datagram then cost one compare.
 *
 * Invariants:
 *  - agents[0..n) are in use, in first-seen order; agents are never
 *    removed, so a slot number names its agent for the table's life.
 *    n <= cap <= max; the array grows by doubling, so the memory follows
 *    the agents really seen rather than the configured cap.
 *  - index[] is an open addressing hash (linear probing, a power of two,
 *    at least twice cap, so it never fills) of slot numbers + 1 (0: empty),
 *    placed by each agent's cached hash; it is rebuilt when cap grows.
 *  - Stored addresses are canonical (bytes the family does not use are
 *    zero), so they hash and compare as bytes whatever the caller left in
 *    the unused bytes.
 *  - last is a slot in use or NIL.
 *  - An agent's ifs[0..view.n_ifs) are sorted by ifIndex without
 *    duplicates; n_ifs <= ifs_cap <= max_ifs.  A counter sample is O(log n)
 *    to find plus a memmove for a new ifIndex, which is rare.
 *  - rates[0..n_rates) are distinct and non-zero.
 *  - first_ms and last_ms come from datagrams only (the samples carry no
 *    time of their own): first_ms is set by the first datagram, even when
 *    a sample created the agent before its datagram was accounted.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_agents.h"
#include "siphash.h"

#define NIL			UINT32_MAX
#define DEFAULT_MAX_AGENTS	4096
#define DEFAULT_MAX_IFS		1024
/* Slot numbers and ifs counts are 32 bits with NIL reserved. */
#define LIMIT_MAX		(1u << 24)
#define INITIAL_AGENTS		16
#define INITIAL_IFS		8

struct agent {
	struct ctl_agent_view view;
	uint64_t	hash;
	struct ctl_agent_if *ifs;	/* sorted by c.if_index */
	uint32_t	ifs_cap;
};

struct ctl_agents {
	struct agent	*agents;
	uint32_t	 n;
	uint32_t	 cap;		/* allocated in agents[] */
	uint32_t	 max;
	uint32_t	 max_ifs;
	uint32_t	*index;
	uint32_t	 mask;
	uint32_t	 last;		/* slot of the last mutating call, or NIL */
	uint64_t	 key[2];	/* SipHash key */
	uint64_t	 dropped;
};

/* ---- keys ---------------------------------------------------------------- */

/* Both canonical. */
static int
same_addr(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

static uint64_t
hash_addr(const struct ctl_agents *t, const struct netaddr *a)
{
	uint8_t buf[1 + sizeof(a->bytes)];

	buf[0] = a->family;
	memcpy(buf + 1, a->bytes, sizeof(a->bytes));
	return siphash13(t->key, buf, sizeof(buf));
}

static uint32_t
index_size(uint32_t cap)
{
	uint32_t size = 16;

	while (size < cap * 2)
		size <<= 1;
	return size;
}

/* ---- the table ----------------------------------------------------------- */

struct ctl_agents *
ctl_agents_new(const struct ctl_agents_limits *limits)
{
	struct ctl_agents *t;
	size_t max = limits->max_agents ? limits->max_agents :
	    DEFAULT_MAX_AGENTS;
	size_t max_ifs = limits->max_ifs ? limits->max_ifs : DEFAULT_MAX_IFS;
	uint32_t size;

	if (max > LIMIT_MAX || max_ifs > LIMIT_MAX)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->max = (uint32_t)max;
	t->max_ifs = (uint32_t)max_ifs;
	t->cap = t->max < INITIAL_AGENTS ? t->max : INITIAL_AGENTS;
	t->last = NIL;
	size = index_size(t->cap);
	t->agents = calloc(t->cap, sizeof(*t->agents));
	t->index = calloc(size, sizeof(*t->index));
	if (t->agents == NULL || t->index == NULL) {
		ctl_agents_free(t);
		return NULL;
	}
	t->mask = size - 1;
	siphash_random_key(t->key);
	return t;
}

void
ctl_agents_free(struct ctl_agents *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	if (t->agents != NULL)
		for (i = 0; i < t->n; i++)
			free(t->agents[i].ifs);
	free(t->agents);
	free(t->index);
	free(t);
}

/* The slot of canonical address k with hash h, or NIL; *pos: its index. */
static uint32_t
lookup(const struct ctl_agents *t, const struct netaddr *k, uint64_t h,
    uint32_t *pos)
{
	const struct agent *a;
	uint32_t i;

	for (i = (uint32_t)h & t->mask; t->index[i] != 0;
	    i = (i + 1) & t->mask) {
		a = &t->agents[t->index[i] - 1];
		if (a->hash == h && same_addr(&a->view.agent, k)) {
			*pos = i;
			return t->index[i] - 1;
		}
	}
	*pos = i;
	return NIL;
}

/* Double agents[] (up to max) and rebuild the index; -1 without memory. */
static int
grow(struct ctl_agents *t)
{
	uint32_t cap, size, mask, i, j, *index;
	struct agent *agents;

	cap = t->cap > t->max / 2 ? t->max : t->cap * 2;
	size = index_size(cap);
	if ((index = calloc(size, sizeof(*index))) == NULL)
		return -1;
	if ((agents = reallocarray(t->agents, cap, sizeof(*agents))) == NULL) {
		free(index);
		return -1;
	}
	mask = size - 1;
	for (i = 0; i < t->n; i++) {
		for (j = (uint32_t)agents[i].hash & mask; index[j] != 0;
		    j = (j + 1) & mask)
			;
		index[j] = i + 1;
	}
	free(t->index);
	t->agents = agents;
	t->index = index;
	t->mask = mask;
	t->cap = cap;
	return 0;
}

/*
 * The slot of agent addr, created if there is room; NIL if not.  Remembers
 * it, so the next call for the same agent skips the hash.
 */
static uint32_t
agent_slot(struct ctl_agents *t, const struct netaddr *addr)
{
	struct netaddr k = netaddr_canonical(addr);
	struct agent *a;
	uint32_t slot, pos;
	uint64_t h;

	if (t->last != NIL && same_addr(&t->agents[t->last].view.agent, &k))
		return t->last;
	h = hash_addr(t, &k);
	if ((slot = lookup(t, &k, h, &pos)) != NIL)
		return t->last = slot;
	if (t->n == t->max)
		return NIL;
	if (t->n == t->cap) {
		if (grow(t) == -1)
			return NIL;
		(void)lookup(t, &k, h, &pos);
	}
	slot = t->n++;
	t->index[pos] = slot + 1;
	a = &t->agents[slot];
	memset(a, 0, sizeof(*a));
	a->view.agent = k;
	a->hash = h;
	return t->last = slot;
}

/* The agent of addr, not created; NULL if unknown. */
static const struct agent *
find(const struct ctl_agents *t, const struct netaddr *addr)
{
	struct netaddr k = netaddr_canonical(addr);
	uint32_t slot, pos;

	slot = lookup(t, &k, hash_addr(t, &k), &pos);
	return slot == NIL ? NULL : &t->agents[slot];
}

/* ---- accounting ---------------------------------------------------------- */

void
ctl_agents_datagram(struct ctl_agents *t, const struct netaddr *agent,
    const struct netaddr *source, size_t len, int result, int64_t now_ms)
{
	struct ctl_agent_view *v;
	uint32_t slot;

	/* Without a decoded header, the source is the only name there is. */
	slot = agent_slot(t, agent->family == NETADDR_NONE ? source : agent);
	if (slot == NIL) {
		t->dropped++;
		return;
	}
	v = &t->agents[slot].view;
	if (v->datagrams == 0)
		v->first_ms = now_ms;
	v->last_ms = now_ms;
	v->source = netaddr_canonical(source);
	v->datagrams++;
	v->bytes += len;
	switch (result) {
	case SFLOW_OK:
		break;
	case SFLOW_TRUNCATED:
		v->errors.truncated++;
		break;
	case SFLOW_BAD_VERSION:
		v->errors.bad_version++;
		break;
	default:
		/* SFLOW_INVALID, and any result this code does not know. */
		v->errors.invalid++;
		break;
	}
}

void
ctl_agents_flow(struct ctl_agents *t, const struct netaddr *agent,
    const struct sflow_flow_sample *s)
{
	struct ctl_agent_view *v;
	uint32_t slot, i, rate = s->sampling_rate;

	if ((slot = agent_slot(t, agent)) == NIL)
		return;
	if (rate == 0)
		return;		/* discard samples: no sampling */
	v = &t->agents[slot].view;
	for (i = 0; i < v->n_rates; i++)
		if (v->rates[i] == rate)
			return;
	if (v->n_rates < CTL_AGENT_MAX_RATES)
		v->rates[v->n_rates++] = rate;
	else
		v->rates_dropped++;
}

/* The first position in ifs[0..n) whose ifIndex is not below if_index. */
static size_t
if_lower_bound(const struct ctl_agent_if *ifs, size_t n, uint32_t if_index)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ifs[mid].c.if_index < if_index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
ctl_agents_counter(struct ctl_agents *t, const struct netaddr *agent,
    const struct sflow_counter_sample *s, int64_t now_ms)
{
	struct ctl_agent_if *ifs;
	struct agent *a;
	uint32_t slot, cap;
	size_t i, n;

	if ((slot = agent_slot(t, agent)) == NIL)
		return;
	if ((s->present & SFLOW_HAS_IF_COUNTERS) == 0)
		return;
	a = &t->agents[slot];
	n = a->view.n_ifs;
	i = if_lower_bound(a->ifs, n, s->ifc.if_index);
	if (i < n && a->ifs[i].c.if_index == s->ifc.if_index) {
		/* Arrival order decides: agents restart, so seq cannot. */
		a->ifs[i].updated_ms = now_ms;
		a->ifs[i].c = s->ifc;
		return;
	}
	if (n == t->max_ifs) {
		a->view.ifs_dropped++;
		return;
	}
	if (n == a->ifs_cap) {
		cap = a->ifs_cap == 0 ? INITIAL_IFS : a->ifs_cap * 2;
		if (cap > t->max_ifs)
			cap = t->max_ifs;
		if ((ifs = reallocarray(a->ifs, cap, sizeof(*ifs))) == NULL) {
			a->view.ifs_dropped++;
			return;
		}
		a->ifs = ifs;
		a->ifs_cap = cap;
	}
	memmove(&a->ifs[i + 1], &a->ifs[i], (n - i) * sizeof(a->ifs[0]));
	a->ifs[i].updated_ms = now_ms;
	a->ifs[i].c = s->ifc;
	a->view.n_ifs = n + 1;
}

/* ---- reading ------------------------------------------------------------- */

void
ctl_agents_foreach(const struct ctl_agents *t,
    void (*fn)(void *ctx, const struct ctl_agent_view *), void *ctx)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		fn(ctx, &t->agents[i].view);
}

int
ctl_agents_foreach_if(const struct ctl_agents *t, const struct netaddr *agent,
    void (*fn)(void *ctx, const struct ctl_agent_if *), void *ctx)
{
	const struct agent *a;
	size_t i;

	if ((a = find(t, agent)) == NULL)
		return -1;
	for (i = 0; i < a->view.n_ifs; i++)
		fn(ctx, &a->ifs[i]);
	return 0;
}

int
ctl_agents_get(const struct ctl_agents *t, const struct netaddr *agent,
    struct ctl_agent_view *out)
{
	const struct agent *a;

	if ((a = find(t, agent)) == NULL)
		return -1;
	*out = a->view;
	return 0;
}

size_t
ctl_agents_count(const struct ctl_agents *t)
{
	return t->n;
}

uint64_t
ctl_agents_dropped(const struct ctl_agents *t)
{
	return t->dropped;
}
