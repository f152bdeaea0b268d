/*
 * sflow_agents.c - per agent and sub-agent accounting from sequence numbers.
 *
 * Datagram sequence numbers (per agent and sub-agent) tell loss, reordering
 * and duplication on the way from the switch; sample sequence numbers (per
 * data source, flow and counter samples apart) tell samples the agent could
 * not send.  The table is what a peer can grow, so both parts are capped at
 * creation: everything is allocated in sflow_agents_new(), nothing per
 * datagram, and what does not fit is counted in `dropped`.
 *
 * Invariants:
 *  - agents[0..n_agents) are in first-seen order; agent_index is an open
 *    addressing hash (linear probing, power-of-two size, at least twice the
 *    capacity so that it never fills) of slot numbers + 1 (0: empty).
 *  - Likewise sources[] and source_index; a source belongs to one agent slot.
 *  - window bit i is set when datagram last_seq - i has been seen (bit 0 is
 *    last_seq itself), so a late datagram within 64 of the newest is told
 *    apart from a duplicate, and un-counted from `lost`.
 *  - An agent restart (uptime going backwards beyond reordering) starts a
 *    new generation: sequence state of the agent and its sources restarts.
 */
#include <stdlib.h>
#include <string.h>

#include "sflow.h"

#define SEQ_WINDOW		64
/* Uptime may step back this much through reordering without a restart. */
#define UPTIME_REORDER_MS	10000u

struct agent {
	struct sflow_agent_info info;
	uint64_t	window;
	uint32_t	generation;
	int		have_seq;
};

struct source {
	uint32_t	agent;		/* slot in agents[] */
	uint32_t	kind;		/* SFLOW_SAMPLE_FLOW or _COUNTER (expanded folded in) */
	uint32_t	source_class;
	uint32_t	source_index;
	uint32_t	last_seq;
	uint32_t	generation;	/* the agent's, when last_seq was set */
};

struct sflow_agents {
	struct sflow_agents_limits limits;
	struct agent	*agents;
	uint32_t	 n_agents;
	uint32_t	*agent_index;
	uint32_t	 agent_mask;
	struct source	*sources;
	uint32_t	 n_sources;
	uint32_t	*source_index;
	uint32_t	 source_mask;
	int64_t		 current;	/* slot of the last datagram, -1: none */
	uint64_t	 dropped;
};

/*
 * Hashing runs once per sample, so it works on 32-bit words, not bytes:
 * each word is folded in with a multiply, and the result is finished with
 * the murmur3 64-bit mixer so that every input bit reaches the low bits
 * the table index uses.
 */
static uint64_t
hash_word(uint64_t h, uint32_t w)
{
	return (h ^ w) * 0x9E3779B97F4A7C15ull;
}

static uint32_t
hash_finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static uint32_t
hash_agent(const struct netaddr *a, uint32_t sub_agent)
{
	uint64_t h = a->family;
	uint32_t w;
	int i;

	for (i = 0; i < 16; i += 4) {
		memcpy(&w, a->bytes + i, 4);
		h = hash_word(h, w);
	}
	return hash_finish(hash_word(h, sub_agent));
}

static uint32_t
table_size(uint32_t capacity)
{
	uint32_t size = 16;

	while (size < capacity * 2)
		size <<= 1;
	return size;
}

struct sflow_agents *
sflow_agents_new(const struct sflow_agents_limits *limits)
{
	struct sflow_agents *t;
	uint32_t asize, ssize;

	if (limits->max_agents == 0 || limits->max_agents > (1u << 24) ||
	    limits->max_sources > (1u << 26))
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->limits = *limits;
	t->current = -1;
	asize = table_size(limits->max_agents);
	ssize = table_size(limits->max_sources);
	t->agent_mask = asize - 1;
	t->source_mask = ssize - 1;
	t->agents = calloc(limits->max_agents, sizeof(*t->agents));
	t->agent_index = calloc(asize, sizeof(*t->agent_index));
	t->sources = calloc(limits->max_sources ? limits->max_sources : 1,
	    sizeof(*t->sources));
	t->source_index = calloc(ssize, sizeof(*t->source_index));
	if (t->agents == NULL || t->agent_index == NULL || t->sources == NULL ||
	    t->source_index == NULL) {
		sflow_agents_free(t);
		return NULL;
	}
	return t;
}

void
sflow_agents_free(struct sflow_agents *t)
{
	if (t == NULL)
		return;
	free(t->agents);
	free(t->agent_index);
	free(t->sources);
	free(t->source_index);
	free(t);
}

/* The slot of (agent, sub_agent), created if there is room; -1 if not. */
static int64_t
agent_slot(struct sflow_agents *t, const struct sflow_datagram *dg)
{
	uint32_t h, i, slot;
	struct agent *a;

	h = hash_agent(&dg->agent, dg->sub_agent);
	for (i = h & t->agent_mask; t->agent_index[i] != 0;
	    i = (i + 1) & t->agent_mask) {
		a = &t->agents[t->agent_index[i] - 1];
		if (a->info.sub_agent == dg->sub_agent &&
		    netaddr_compare(&a->info.agent, &dg->agent) == 0)
			return t->agent_index[i] - 1;
	}
	if (t->n_agents == t->limits.max_agents)
		return -1;
	slot = t->n_agents++;
	t->agent_index[i] = slot + 1;
	a = &t->agents[slot];
	a->info.agent = dg->agent;
	a->info.sub_agent = dg->sub_agent;
	return slot;
}

/* Datagram sequence accounting; see the invariants above. */
static void
account_sequence(struct agent *a, const struct sflow_datagram *dg)
{
	struct sflow_agent_info *in = &a->info;
	int32_t diff;
	uint32_t back;

	diff = (int32_t)(dg->seq - in->last_seq);
	if (a->have_seq && dg->uptime_ms < in->last_uptime_ms &&
	    (in->last_uptime_ms - dg->uptime_ms > UPTIME_REORDER_MS ||
	    diff <= -SEQ_WINDOW)) {
		in->resets++;
		a->generation++;
		a->have_seq = 0;
	}
	if (!a->have_seq) {
		a->have_seq = 1;
		a->window = 1;
		in->last_seq = dg->seq;
		in->last_uptime_ms = dg->uptime_ms;
		return;
	}
	if (diff > 0) {
		in->lost += (uint32_t)diff - 1;
		a->window = diff >= SEQ_WINDOW ? 1 : a->window << diff | 1;
		in->last_seq = dg->seq;
		in->last_uptime_ms = dg->uptime_ms;
	} else if (diff == 0)
		in->duplicates++;
	else {
		back = (uint32_t)-(int64_t)diff;
		if (back >= SEQ_WINDOW)
			in->out_of_order++;	/* too old to tell */
		else if (a->window & (1ull << back))
			in->duplicates++;
		else {
			a->window |= 1ull << back;
			in->out_of_order++;
			if (in->lost > 0)
				in->lost--;	/* counted lost when the gap opened */
		}
	}
}

int
sflow_agents_datagram(struct sflow_agents *t, const struct sflow_datagram *dg)
{
	int64_t slot = agent_slot(t, dg);

	t->current = slot;
	if (slot < 0) {
		t->dropped++;
		return -1;
	}
	t->agents[slot].info.datagrams++;
	account_sequence(&t->agents[slot], dg);
	return 0;
}

/* Sample sequence gaps of one data source. */
static void
account_source(struct sflow_agents *t, uint32_t slot, uint32_t kind,
    uint32_t source_class, uint32_t source_index, uint32_t seq)
{
	struct agent *a = &t->agents[slot];
	struct source *s;
	uint32_t h, i;
	int32_t diff;

	h = hash_finish(hash_word(hash_word(hash_word(hash_word(0, slot), kind),
	    source_class), source_index));
	for (i = h & t->source_mask; t->source_index[i] != 0;
	    i = (i + 1) & t->source_mask) {
		s = &t->sources[t->source_index[i] - 1];
		if (s->agent == slot && s->kind == kind &&
		    s->source_class == source_class &&
		    s->source_index == source_index)
			goto found;
	}
	if (t->n_sources == t->limits.max_sources) {
		t->dropped++;
		return;
	}
	t->source_index[i] = t->n_sources + 1;
	s = &t->sources[t->n_sources++];
	s->agent = slot;
	s->kind = kind;
	s->source_class = source_class;
	s->source_index = source_index;
	s->last_seq = seq;
	s->generation = a->generation;
	a->info.sources++;
	return;
found:
	if (s->generation != a->generation) {
		s->generation = a->generation;
		s->last_seq = seq;
		return;
	}
	diff = (int32_t)(seq - s->last_seq);
	if (diff > 0) {
		a->info.sample_gaps += (uint32_t)diff - 1;
		s->last_seq = seq;
	}
}

void
sflow_agents_flow(struct sflow_agents *t, const struct sflow_datagram *dg,
    const struct sflow_flow_sample *s)
{
	struct agent *a;

	(void)dg;
	if (t->current < 0)
		return;
	a = &t->agents[t->current];
	if (s->type == SFLOW_SAMPLE_DISCARD) {
		a->info.discard_samples++;
		account_source(t, (uint32_t)t->current, SFLOW_SAMPLE_DISCARD,
		    s->source_class, s->source_index, s->seq);
	} else {
		a->info.flow_samples++;
		account_source(t, (uint32_t)t->current, SFLOW_SAMPLE_FLOW,
		    s->source_class, s->source_index, s->seq);
	}
}

void
sflow_agents_counter(struct sflow_agents *t, const struct sflow_datagram *dg,
    const struct sflow_counter_sample *s)
{
	(void)dg;
	if (t->current < 0)
		return;
	t->agents[t->current].info.counter_samples++;
	account_source(t, (uint32_t)t->current, SFLOW_SAMPLE_COUNTER,
	    s->source_class, s->source_index, s->seq);
}

void
sflow_agents_foreach(const struct sflow_agents *t,
    void (*fn)(void *ctx, const struct sflow_agent_info *), void *ctx)
{
	uint32_t i;

	for (i = 0; i < t->n_agents; i++)
		fn(ctx, &t->agents[i].info);
}

size_t
sflow_agents_count(const struct sflow_agents *t)
{
	return t->n_agents;
}

uint64_t
sflow_agents_dropped(const struct sflow_agents *t)
{
	return t->dropped;
}
