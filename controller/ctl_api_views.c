/*
 * ctl_api_views.c - the read-only views of the REST API: health, status,
 * agents, top flows, blacklists and address lookup (docs/api.md).  Each
 * answers from what the daemon holds right now and changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl_api.h"
#include "ctl_daemon.h"
#include "json_flow.h"
#include "version.h"

#define FLOWS_DEFAULT	20
#define FLOWS_MAX	1000

static const char *
mode_name(enum ctl_mode mode)
{
	return mode == CTL_MODE_MANUAL ? "manual" : "auto";
}

static const char *
group_kind_name(enum bl_group_kind kind)
{
	switch (kind) {
	case BL_GROUP_ALLOW:
		return "allow";
	case BL_GROUP_LOCAL:
		return "local";
	case BL_GROUP_WATCH:
		break;
	}
	return "watch";
}

/* ---- GET /api/v1/status ----------------------------------------------- */

static void
status_listeners(struct json_writer *w, const struct ctl_daemon *d)
{
	struct ctl_listener_stats ls;
	const struct ctl_listen *la;
	size_t i;

	jw_array(w, "listeners");
	for (i = 0; i < d->n_listeners; i++) {
		if (d->listeners[i] == NULL)
			continue;
		la = ctl_listener_addr(d->listeners[i]);
		ctl_listener_stats(d->listeners[i], &ls);
		jw_object(w, NULL);
		jw_addr(w, "address", &la->addr);
		jw_u64(w, "port", ctl_listener_port(d->listeners[i]));
		jw_u64(w, "datagrams", ls.datagrams);
		jw_u64(w, "bytes", ls.bytes);
		jw_u64(w, "kernel_drops", ls.kernel_drops);
		jw_u64(w, "rcvbuf", ls.rcvbuf);
		jw_u64(w, "truncated", ls.truncated);
		jw_u64(w, "errors", ls.errors);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void
status_captures(struct json_writer *w, const struct ctl_daemon *d)
{
	struct ctl_captures_stats cs;
	int s;

	memset(&cs, 0, sizeof(cs));
	if (d->captures != NULL)
		ctl_captures_stats(d->captures, &cs);
	jw_object(w, "captures");
	for (s = 0; s < CTL_CAP_STATES; s++)
		jw_u64(w, ctl_capture_state_name(s), cs.by_state[s]);
	jw_u64(w, "live", cs.live);
	jw_u64(w, "created", cs.created);
	jw_u64(w, "refused_full", cs.refused_full);
	jw_object_end(w);
}

void
ctl_api_status(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;
	struct ctl_events_stats es;
	struct json_writer *w;
	int64_t now = ctl_now_ms();

	memset(&es, 0, sizeof(es));
	if (d->events != NULL)
		ctl_events_stats(d->events, &es);

	w = httpd_json_begin(req);
	jw_str(w, "version", FINDERSCOPE_VERSION);
	ctl_api_time(w, "started", d->started_ms);
	jw_u64(w, "uptime_s", now > d->started_ms ?
	    (uint64_t)(now - d->started_ms) / 1000 : 0);
	jw_object(w, "config");
	jw_str(w, "path", d->config_path != NULL ? d->config_path :
	    d->cfg->path);
	ctl_api_time(w, "loaded", d->loaded_ms);
	jw_object_end(w);
	jw_str(w, "mode", mode_name(d->cfg->controller.mode));

	jw_object(w, "totals");
	jw_u64(w, "datagrams", d->counters.datagrams);
	jw_u64(w, "refused", d->counters.refused);
	jw_u64(w, "flow_samples", d->sflow.flow_samples);
	jw_u64(w, "counter_samples", d->sflow.counter_samples);
	jw_u64(w, "discard_samples", d->sflow.discard_samples);
	jw_object(w, "decode_errors");
	jw_u64(w, "truncated", d->sflow.truncated);
	jw_u64(w, "bad_version", d->sflow.bad_version);
	jw_u64(w, "invalid", d->sflow.invalid);
	jw_object_end(w);
	jw_u64(w, "matches", d->counters.verdicts[CTL_VERDICT_MATCH]);
	jw_object_end(w);

	status_captures(w, d);
	jw_object(w, "events");
	jw_u64(w, "last_seq", es.emitted);
	jw_u64(w, "kept", es.kept);
	jw_u64(w, "dropped", es.dropped);
	jw_u64(w, "subscribers", es.subscribers);
	jw_object_end(w);
	jw_u64(w, "lists", d->n_lists);
	jw_u64(w, "table_prefixes", d->table != NULL ?
	    bl_table_prefixes(d->table) : 0);
	status_listeners(w, d);
	httpd_json_send(req, 200);
}

/* ---- GET /api/v1/agents ----------------------------------------------- */

/*
 * The sequence accounting of sflow_agents, copied and sorted by agent
 * and sub-agent so that each agent of ctl_agents finds its sub-agents by
 * binary search.
 */
struct seq_table {
	struct sflow_agent_info	*v;
	size_t			 n, cap;
};

struct agents_walk {
	struct json_writer	*w;
	const struct ctl_daemon	*d;
	struct seq_table	*seq;
};

static void
seq_collect(void *ctx, const struct sflow_agent_info *info)
{
	struct seq_table *t = ctx;

	if (t->n < t->cap)
		t->v[t->n++] = *info;
}

static int
seq_compare(const void *a, const void *b)
{
	const struct sflow_agent_info *x = a, *y = b;
	int c;

	if ((c = netaddr_compare(&x->agent, &y->agent)) != 0)
		return c;
	return x->sub_agent < y->sub_agent ? -1 : x->sub_agent > y->sub_agent;
}

/* The first entry of agent in the sorted table, or t->n. */
static size_t
seq_first(const struct seq_table *t, const struct netaddr *agent)
{
	size_t lo = 0, hi = t->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (netaddr_compare(&t->v[mid].agent, agent) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
sub_agents_json(struct json_writer *w, const struct seq_table *t,
    const struct netaddr *agent)
{
	const struct sflow_agent_info *s;
	size_t i;

	jw_array(w, "sub_agents");
	for (i = seq_first(t, agent); i < t->n &&
	    netaddr_compare(&t->v[i].agent, agent) == 0; i++) {
		s = &t->v[i];
		jw_object(w, NULL);
		jw_u64(w, "sub_agent", s->sub_agent);
		jw_u64(w, "datagrams", s->datagrams);
		jw_u64(w, "flow_samples", s->flow_samples);
		jw_u64(w, "counter_samples", s->counter_samples);
		jw_u64(w, "discard_samples", s->discard_samples);
		jw_u64(w, "lost", s->lost);
		jw_u64(w, "out_of_order", s->out_of_order);
		jw_u64(w, "duplicates", s->duplicates);
		jw_u64(w, "resets", s->resets);
		jw_u64(w, "sample_gaps", s->sample_gaps);
		jw_u64(w, "sources", s->sources);
		jw_u64(w, "last_seq", s->last_seq);
		jw_u64(w, "uptime_ms", s->last_uptime_ms);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void
interface_json(void *ctx, const struct ctl_agent_if *ifp)
{
	struct json_writer *w = ctx;
	const struct sflow_if_counters *c = &ifp->c;

	jw_object(w, NULL);
	jw_u64(w, "if_index", c->if_index);
	jw_u64(w, "type", c->if_type);
	jw_u64(w, "speed", c->if_speed);
	jw_u64(w, "direction", c->if_direction);
	jw_u64(w, "status", c->if_status);
	/* ifStatus: bit 0 ifAdminStatus up, bit 1 ifOperStatus up. */
	jw_bool(w, "admin_up", (c->if_status & 1) != 0);
	jw_bool(w, "oper_up", (c->if_status & 2) != 0);
	jw_u64(w, "in_octets", c->in_octets);
	jw_u64(w, "in_ucast", c->in_ucast);
	jw_u64(w, "in_multicast", c->in_multicast);
	jw_u64(w, "in_broadcast", c->in_broadcast);
	jw_u64(w, "in_discards", c->in_discards);
	jw_u64(w, "in_errors", c->in_errors);
	jw_u64(w, "in_unknown_protos", c->in_unknown_protos);
	jw_u64(w, "out_octets", c->out_octets);
	jw_u64(w, "out_ucast", c->out_ucast);
	jw_u64(w, "out_multicast", c->out_multicast);
	jw_u64(w, "out_broadcast", c->out_broadcast);
	jw_u64(w, "out_discards", c->out_discards);
	jw_u64(w, "out_errors", c->out_errors);
	ctl_api_time(w, "updated", ifp->updated_ms);
	jw_object_end(w);
}

static void
agent_switch(struct json_writer *w, const struct ctl_config *cfg,
    const struct netaddr *agent)
{
	int32_t sw = ctl_config_switch_of_agent(cfg, agent);

	if (sw >= 0 && (size_t)sw < cfg->n_switches)
		jw_str(w, "switch", cfg->switches[sw].name);
	else
		ctl_api_null(w, "switch");
}

static void
agent_json(void *ctx, const struct ctl_agent_view *v)
{
	struct agents_walk *aw = ctx;
	struct json_writer *w = aw->w;
	uint32_t i;

	jw_object(w, NULL);
	jw_addr(w, "address", &v->agent);
	agent_switch(w, aw->d->cfg, &v->agent);
	jw_addr(w, "source", &v->source);
	ctl_api_time(w, "first_seen", v->first_ms);
	ctl_api_time(w, "last_seen", v->last_ms);
	jw_u64(w, "datagrams", v->datagrams);
	jw_u64(w, "bytes", v->bytes);
	jw_object(w, "errors");
	jw_u64(w, "truncated", v->errors.truncated);
	jw_u64(w, "bad_version", v->errors.bad_version);
	jw_u64(w, "invalid", v->errors.invalid);
	jw_object_end(w);
	jw_array(w, "sampling_rates");
	for (i = 0; i < v->n_rates && i < CTL_AGENT_MAX_RATES; i++)
		jw_u64(w, NULL, v->rates[i]);
	jw_array_end(w);
	jw_u64(w, "sampling_rates_dropped", v->rates_dropped);
	jw_u64(w, "interfaces_dropped", v->ifs_dropped);
	jw_array(w, "interfaces");
	(void)ctl_agents_foreach_if(aw->d->agents, &v->agent, interface_json,
	    w);
	jw_array_end(w);
	sub_agents_json(w, aw->seq, &v->agent);
	jw_object_end(w);
}

/*
 * Agents with sequence accounting but no entry in ctl_agents (its table
 * was full): shown with what is known, so no datagram goes unexplained.
 */
static void
orphan_agents_json(struct json_writer *w, const struct ctl_daemon *d,
    const struct seq_table *t)
{
	struct ctl_agent_view v;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (i > 0 && netaddr_compare(&t->v[i - 1].agent,
		    &t->v[i].agent) == 0)
			continue;
		if (d->agents != NULL &&
		    ctl_agents_get(d->agents, &t->v[i].agent, &v) == 0)
			continue;
		jw_object(w, NULL);
		jw_addr(w, "address", &t->v[i].agent);
		agent_switch(w, d->cfg, &t->v[i].agent);
		jw_bool(w, "untracked", 1);
		sub_agents_json(w, t, &t->v[i].agent);
		jw_object_end(w);
	}
}

void
ctl_api_agents(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;
	struct seq_table seq;
	struct agents_walk aw;
	struct json_writer *w;

	memset(&seq, 0, sizeof(seq));
	if (d->seq_agents != NULL &&
	    (seq.cap = sflow_agents_count(d->seq_agents)) > 0) {
		if ((seq.v = calloc(seq.cap, sizeof(*seq.v))) == NULL) {
			httpd_reply_error(req, 500, "out of memory");
			return;
		}
		sflow_agents_foreach(d->seq_agents, seq_collect, &seq);
		qsort(seq.v, seq.n, sizeof(*seq.v), seq_compare);
	}

	w = httpd_json_begin(req);
	jw_array(w, "agents");
	aw.w = w;
	aw.d = d;
	aw.seq = &seq;
	if (d->agents != NULL)
		ctl_agents_foreach(d->agents, agent_json, &aw);
	orphan_agents_json(w, d, &seq);
	jw_array_end(w);
	jw_u64(w, "untracked_datagrams", d->agents != NULL ?
	    ctl_agents_dropped(d->agents) : 0);
	jw_u64(w, "sequence_untracked", d->seq_agents != NULL ?
	    sflow_agents_dropped(d->seq_agents) : 0);
	httpd_json_send(req, 200);
	free(seq.v);
}

/* ---- GET /api/v1/flows ------------------------------------------------ */

void
ctl_api_flows(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;
	enum ctl_flows_order order = CTL_FLOWS_BY_BYTES;
	struct ctl_flow_info *top = NULL;
	struct json_writer *w;
	const char *by;
	uint64_t limit;
	size_t i, n = 0;

	if (ctl_api_query_uint(req, "limit", FLOWS_DEFAULT, 1, FLOWS_MAX,
	    &limit) == -1)
		return;
	if ((by = httpd_req_query(req, "by")) == NULL)
		by = "bytes";
	else if (strcmp(by, "frames") == 0)
		order = CTL_FLOWS_BY_FRAMES;
	else if (strcmp(by, "bytes") != 0) {
		httpd_reply_error(req, 400, "by: expected bytes or frames");
		return;
	}
	if (d->flows != NULL) {
		if ((top = calloc(limit, sizeof(*top))) == NULL) {
			httpd_reply_error(req, 500, "out of memory");
			return;
		}
		n = ctl_flows_top(d->flows, order, ctl_now_ms(), top, limit);
	}

	w = httpd_json_begin(req);
	jw_str(w, "by", by);
	jw_array(w, "flows");
	for (i = 0; i < n; i++) {
		const struct ctl_flow_info *f = &top[i];

		jw_object(w, NULL);
		jw_addr(w, "agent", &f->key.agent);
		jw_u64(w, "in_if", f->key.in_if);
		jw_u64(w, "out_if", f->key.out_if);
		jw_addr(w, "src", &f->key.src);
		jw_addr(w, "dst", &f->key.dst);
		jw_u64(w, "proto", f->key.proto);
		jw_u64(w, "src_port", f->key.sport);
		jw_u64(w, "dst_port", f->key.dport);
		jw_u64(w, "samples", f->samples);
		jw_u64(w, "frames", f->frames);
		jw_u64(w, "bytes", f->bytes);
		jw_u64(w, "frames_minute", f->frames_minute);
		jw_u64(w, "bytes_minute", f->bytes_minute);
		ctl_api_time(w, "first_seen", f->first_ms);
		ctl_api_time(w, "last_seen", f->last_ms);
		jw_object_end(w);
	}
	jw_array_end(w);
	httpd_json_send(req, 200);
	free(top);
}

/* ---- GET /api/v1/blacklists ------------------------------------------- */

static void
list_json(struct json_writer *w, const struct ctl_blacklist *b,
    const struct ctl_list_state *ls)
{
	char buf[CTL_VALUE_STRLEN];

	jw_object(w, NULL);
	jw_str(w, "name", b->name);
	jw_str(w, "format", bl_format_name(b->format));
	if (b->url != NULL) {
		jw_str(w, "source", "url");
		jw_str(w, "url", b->url);
	} else {
		jw_str(w, "source", "file");
		jw_str(w, "file", b->file != NULL ? b->file : "");
	}
	jw_str(w, "refresh", ctl_format_duration(b->refresh_s, buf,
	    sizeof(buf)));
	if (ls == NULL) {
		/* Not known to the daemon (yet): the config only. */
		jw_bool(w, "loaded", 0);
		jw_object_end(w);
		return;
	}
	jw_bool(w, "loaded", ls->loaded);
	jw_u64(w, "entries", ls->entries);
	jw_u64(w, "rejected", ls->rejected);
	jw_u64(w, "over_cap", ls->over_cap);
	ctl_api_time(w, "last_refresh", ls->updated_ms);
	ctl_api_time(w, "last_attempt", ls->attempt_ms);
	if (ls->last_error[0] != '\0')
		jw_str(w, "last_error", ls->last_error);
	else
		ctl_api_null(w, "last_error");
	ctl_api_time(w, "next_refresh", ls->next_ms);
	jw_u64(w, "fetches", ls->fetches);
	jw_u64(w, "failures", ls->failures);
	jw_u64(w, "matches", ls->matches);
	jw_object_end(w);
}

void
ctl_api_blacklists(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;
	const struct ctl_config *cfg = d->cfg;
	const struct ctl_list_state *ls;
	struct json_writer *w;
	size_t i, j;

	w = httpd_json_begin(req);
	jw_array(w, "lists");
	for (i = 0; i < cfg->n_blacklists; i++) {
		ls = NULL;
		/* The state of list i, by name: it must not be a stale one. */
		if (d->lists != NULL && i < d->n_lists &&
		    strcmp(d->lists[i].name, cfg->blacklists[i].name) == 0)
			ls = &d->lists[i];
		list_json(w, &cfg->blacklists[i], ls);
	}
	jw_array_end(w);

	jw_array(w, "groups");
	for (i = 0; i < cfg->n_groups; i++) {
		const struct ctl_group *g = &cfg->groups[i];

		jw_object(w, NULL);
		jw_str(w, "name", g->name);
		jw_str(w, "kind", group_kind_name(g->kind));
		jw_array(w, "lists");
		for (j = 0; j < g->n_lists; j++)
			if (g->lists[j] < cfg->n_blacklists)
				jw_str(w, NULL,
				    cfg->blacklists[g->lists[j]].name);
		jw_array_end(w);
		jw_object_end(w);
	}
	jw_array_end(w);

	jw_u64(w, "local_networks", cfg->n_local_networks);
	jw_object(w, "table");
	jw_bool(w, "built", d->table != NULL);
	jw_u64(w, "prefixes", d->table != NULL ?
	    bl_table_prefixes(d->table) : 0);
	jw_u64(w, "memory", d->table != NULL ? bl_table_memory(d->table) : 0);
	jw_u64(w, "builds", d->counters.table_builds);
	jw_u64(w, "build_failures", d->counters.table_build_failures);
	jw_object_end(w);
	httpd_json_send(req, 200);
}

/* ---- GET /api/v1/lookup ----------------------------------------------- */

void
ctl_api_lookup(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;
	struct bl_match m[CTL_LOOKUP_MAX];
	char buf[NETADDR_STRLEN];
	struct json_writer *w;
	struct netaddr a;
	const char *s;
	size_t i, n;
	int local = 0, watched = 0, allowed = 0;

	if ((s = httpd_req_query(req, "addr")) == NULL) {
		httpd_reply_error(req, 400, "addr: expected an IPv4 or IPv6 "
		    "address");
		return;
	}
	memset(&a, 0, sizeof(a));
	if (netaddr_parse(s, &a) == -1) {
		httpd_reply_error(req, 400, "addr: expected an IPv4 or IPv6 "
		    "address");
		return;
	}
	if (d->table == NULL) {
		httpd_reply_error(req, 503, "no lookup table yet");
		return;
	}
	n = bl_table_lookup(d->table, &a, m, CTL_LOOKUP_MAX);

	w = httpd_json_begin(req);
	jw_str(w, "addr", netaddr_format(&a, buf, sizeof(buf)));
	jw_array(w, "matches");
	for (i = 0; i < n; i++) {
		switch (m[i].kind) {
		case BL_GROUP_LOCAL:
			local = 1;
			break;
		case BL_GROUP_ALLOW:
			allowed = 1;
			break;
		case BL_GROUP_WATCH:
			watched = 1;
			break;
		}
		jw_object(w, NULL);
		jw_str(w, "group", m[i].group_name);
		jw_str(w, "kind", group_kind_name(m[i].kind));
		jw_str(w, "list", m[i].list);
		/* Labels come from the internet: the writer escapes them. */
		jw_str(w, "label", m[i].label);
		ctl_jw_prefix(w, "prefix", &m[i].prefix, m[i].plen);
		jw_u64(w, "line", m[i].line);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_bool(w, "local", local);
	jw_bool(w, "watched", watched);
	jw_bool(w, "allowed", allowed);
	httpd_json_send(req, 200);
}
