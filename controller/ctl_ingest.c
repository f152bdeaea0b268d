/*
 * ctl_ingest.c - the controller's hot path: one sFlow datagram from a
 * listener, decoded, every flow sample accounted (agents, flows), both of
 * its addresses looked up, classified and decided by the trigger policy.
 *
 * Nothing here blocks or allocates per sample: the decoder calls back
 * with values on the stack, the lookups write into arrays on the stack,
 * and the tables (flows, agents, pairs, captures) are bounded and
 * allocated at start-up.  A datagram that does not decode is counted
 * (globally and per agent) and dropped; its good samples before the
 * damage are still used, as sflow_decode delivers them as it goes.
 */
#include <string.h>

#include "ctl_daemon.h"
#include "json_flow.h"
#include "log.h"

struct ingest {
	struct ctl_daemon	*d;
	const struct netaddr	*source;
	int64_t			 now_ms;
	struct netaddr		 agent;		/* from the datagram header */
};

static struct ctl_list_state *
list_state(struct ctl_daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_lists; i++)
		if (strcmp(d->lists[i].name, name) == 0)
			return &d->lists[i];
	return NULL;
}

/* One event per change of a pair's decision, not one per sample. */
static void
decision_event(struct ctl_daemon *d, enum ctl_decision dec,
    const struct ctl_match *m, const struct ctl_pair *pair)
{
	struct json_writer *w = ctl_event_begin(d->events, "decision");

	jw_str(w, "decision", ctl_decision_name(dec));
	jw_addr(w, "local", &m->local);
	jw_addr(w, "remote", &m->remote);
	jw_addr(w, "agent", &m->agent);
	jw_str(w, "group", m->group);
	jw_str(w, "list", m->list);
	jw_str(w, "label", m->label);
	ctl_jw_prefix(w, "entry", &m->prefix, m->plen);
	jw_u64(w, "window_samples", pair->window_samples);
	jw_u64(w, "window_frames", pair->window_frames);
	ctl_event_end(d->events);
}

static void
trigger(struct ingest *in, const struct flow_key *key, uint64_t frames)
{
	struct ctl_daemon *d = in->d;
	const struct ctl_config *cfg = d->cfg;
	struct bl_match sm[CTL_LOOKUP_MAX], dm[CTL_LOOKUP_MAX];
	struct ctl_policy_facts facts;
	struct ctl_list_state *ls;
	struct ctl_capture *cap;
	struct ctl_pair *pair;
	struct ctl_match m;
	enum ctl_verdict v;
	enum ctl_decision dec;
	size_t ns = 0, nd = 0;
	int32_t sw;

	if (d->table != NULL && key->src.family != NETADDR_NONE) {
		ns = bl_table_lookup(d->table, &key->src, sm, CTL_LOOKUP_MAX);
		nd = bl_table_lookup(d->table, &key->dst, dm, CTL_LOOKUP_MAX);
	}
	v = ctl_policy_classify(&in->agent, &key->src, &key->dst, sm, ns,
	    dm, nd, &m);
	d->counters.verdicts[v]++;
	if (v != CTL_VERDICT_MATCH)
		return;
	if ((ls = list_state(d, m.list)) != NULL)
		ls->matches++;

	pair = ctl_pairs_note(d->pairs, &m, key, frames,
	    cfg->capture.window_s, in->now_ms);
	cap = ctl_captures_find_pair(d->captures, &m.local, &m.remote);
	if (cap != NULL) {
		cap->samples++;
		/* Still talking: keep capturing, up to max_duration. */
		if (cap->state == CTL_CAP_ACTIVE)
			ctl_captures_extend(cap, in->now_ms, cap->duration_ms);
	}
	sw = ctl_config_switch_of_agent(cfg, &m.agent);
	if (sw < 0 && cfg->n_switches > 0)
		d->counters.unknown_agent_matches++;

	memset(&facts, 0, sizeof(facts));
	facts.now_ms = in->now_ms;
	facts.covered = cap != NULL;
	facts.cooldown_until_ms = pair->cooldown_until_ms;
	facts.window_samples = pair->window_samples;
	facts.window_frames = pair->window_frames;
	facts.active = ctl_captures_holding(d->captures, -1);
	if (sw >= 0) {
		facts.switch_active = ctl_captures_holding(d->captures, sw);
		facts.switch_max = cfg->switches[sw].max_active;
	}
	dec = ctl_policy_decide(&d->policy, &facts);
	d->counters.decisions[dec]++;
	if ((int)dec != pair->last_decision) {
		pair->last_decision = (int)dec;
		decision_event(d, dec, &m, pair);
	}
	if (dec == CTL_DECIDE_START || dec == CTL_DECIDE_PENDING)
		ctl_capture_request(d, dec, &pair->first, &pair->first_key, 0,
		    0, pair->first_ms, NULL);
}

static void
on_datagram(void *ctx, const struct sflow_datagram *dg)
{
	struct ingest *in = ctx;

	in->agent = dg->agent;
	sflow_agents_datagram(in->d->seq_agents, dg);
}

static void
on_flow(void *ctx, const struct sflow_datagram *dg,
    const struct sflow_flow_sample *s)
{
	struct ingest *in = ctx;
	struct ctl_daemon *d = in->d;
	const struct flow_key *key = &s->pkt.key;
	struct ctl_flow_key fk;
	uint64_t frames, bytes;

	sflow_agents_flow(d->seq_agents, dg, s);
	ctl_agents_flow(d->agents, &dg->agent, s);
	if ((s->present & SFLOW_HAS_FLOW_KEY) == 0 ||
	    key->src.family == NETADDR_NONE)
		return;
	d->counters.flow_samples_keyed++;
	frames = sflow_scaled_frames(s);
	bytes = sflow_scaled_bytes(s);

	memset(&fk, 0, sizeof(fk));
	fk.agent = dg->agent;
	fk.in_if = s->input.format == SFLOW_IF_FORMAT_INDEX ?
	    s->input.value : 0;
	fk.out_if = s->output.format == SFLOW_IF_FORMAT_INDEX ?
	    s->output.value : 0;
	fk.src = key->src;
	fk.dst = key->dst;
	fk.proto = key->proto;
	fk.sport = key->sport;
	fk.dport = key->dport;
	ctl_flows_add(d->flows, &fk, frames, bytes, in->now_ms);

	trigger(in, key, frames);
}

static void
on_counter(void *ctx, const struct sflow_datagram *dg,
    const struct sflow_counter_sample *s)
{
	struct ingest *in = ctx;

	sflow_agents_counter(in->d->seq_agents, dg, s);
	ctl_agents_counter(in->d->agents, &dg->agent, s, in->now_ms);
}

static const struct sflow_visitor visitor = {
	.datagram = on_datagram,
	.flow = on_flow,
	.counter = on_counter,
};

static int
agent_allowed(const struct ctl_daemon *d, const struct netaddr *from)
{
	struct bl_match m;

	if (d->agent_table == NULL)
		return 1;
	return bl_table_lookup(d->agent_table, from, &m, 1) > 0;
}

void
ctl_ingest_datagram(void *ctx, const struct netaddr *from,
    uint16_t from_port, const uint8_t *buf, size_t len, int64_t now_ms)
{
	struct ctl_daemon *d = ctx;
	struct ingest in;
	int rc;

	(void)from_port;
	d->counters.datagrams++;
	if (d->stopping)
		return;
	if (!agent_allowed(d, from)) {
		d->counters.refused++;
		return;
	}
	memset(&in, 0, sizeof(in));
	in.d = d;
	in.source = from;
	in.now_ms = now_ms;
	rc = sflow_decode(buf, len, SFLOW_DECODE_FLOW_KEY, &visitor, &in,
	    &d->sflow, NULL);
	ctl_agents_datagram(d->agents, &in.agent, from, len, rc, now_ms);
	if (rc != SFLOW_OK && d->verbose) {
		char a[NETADDR_STRLEN];

		log_debug("datagram from %s: %s", netaddr_format(from, a,
		    sizeof(a)), sflow_result_str(rc));
	}
}
