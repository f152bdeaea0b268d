/*
 * ctl_metrics.c - GET /metrics: the controller's counters in the
 * Prometheus text format (common/prom.h writes and escapes).
 *
 * Every name starts with finderscope_; counters end in _total.  Labels:
 * agent and sub_agent for per-agent series, listen for listeners, list for
 * lists, verdict and decision for the policy, state for captures, kind for
 * decode errors, class for HTTP statuses.  docs/api.md lists them all.
 * Label values from the network (agent addresses, list names) are bounded
 * by the tables they come from (max agents, configured lists).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_api.h"
#include "ctl_daemon.h"
#include "httpd.h"
#include "prom.h"
#include "version.h"

/* The uint64_t member at off of a stats struct (families share a loop). */
static uint64_t
field_u64(const void *base, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

static double
seconds(int64_t ms)
{
	return ms > 0 ? (double)ms / 1000.0 : 0.0;
}

static void
state_metrics(FILE *out, const struct ctl_daemon *d)
{
	struct ctl_state_writer_stats st;

	memset(&st, 0, sizeof(st));
	if (d->state_writer != NULL)
		ctl_state_writer_stats(d->state_writer, &st, NULL, 0);
	prom_single_u64(out, "finderscope_state_snapshots_total", PROM_COUNTER,
	    "State file snapshots taken (a burst of changes takes one).",
	    st.submitted);
	prom_single_u64(out, "finderscope_state_writes_total", PROM_COUNTER,
	    "State file writes.", st.written);
	prom_single_u64(out, "finderscope_state_write_failures_total",
	    PROM_COUNTER, "State file writes that failed.", st.failures);
}

static void
process_metrics(FILE *out, const struct ctl_daemon *d)
{
	struct prom_label l = { "version", FINDERSCOPE_VERSION };
	int64_t now = ctl_now_ms();

	prom_family(out, "finderscope_build_info", PROM_GAUGE,
	    "The version of finderscope running (always 1).");
	prom_u64(out, "finderscope_build_info", &l, 1, 1);
	prom_family(out, "finderscope_start_time_seconds", PROM_GAUGE,
	    "When the controller started, seconds since the epoch.");
	prom_double(out, "finderscope_start_time_seconds", NULL, 0,
	    seconds(d->started_ms));
	prom_family(out, "finderscope_uptime_seconds", PROM_GAUGE,
	    "Seconds since the controller started.");
	prom_double(out, "finderscope_uptime_seconds", NULL, 0,
	    now > d->started_ms ? seconds(now - d->started_ms) : 0.0);
	prom_family(out, "finderscope_config_loaded_time_seconds", PROM_GAUGE,
	    "When the configuration was last (re)loaded.");
	prom_double(out, "finderscope_config_loaded_time_seconds", NULL, 0,
	    seconds(d->loaded_ms));
	prom_single_u64(out, "finderscope_reloads_total", PROM_COUNTER,
	    "Configuration reloads that succeeded.", d->counters.reloads);
	prom_single_u64(out, "finderscope_reload_failures_total",
	    PROM_COUNTER, "Configuration reloads refused (the old one kept).",
	    d->counters.reload_failures);
	state_metrics(out, d);
	prom_single_u64(out, "finderscope_reports_total", PROM_COUNTER,
	    "Receiver reports (key hits) taken.", d->counters.reports);
	prom_single_u64(out, "finderscope_reports_refused_total",
	    PROM_COUNTER, "Receiver reports refused (bad body).",
	    d->counters.reports_refused);
	prom_single_u64(out, "finderscope_reports_extended_total",
	    PROM_COUNTER, "Receiver reports that extended their capture.",
	    d->counters.reports_extended);
}

static void
sflow_metrics(FILE *out, const struct ctl_daemon *d)
{
	const struct sflow_stats *s = &d->sflow;
	struct prom_label l;

	prom_single_u64(out, "finderscope_sflow_datagrams_total", PROM_COUNTER,
	    "sFlow datagrams received by the listeners.",
	    d->counters.datagrams);
	prom_single_u64(out, "finderscope_sflow_refused_total", PROM_COUNTER,
	    "Datagrams from sources outside agent_networks, dropped.",
	    d->counters.refused);
	prom_single_u64(out, "finderscope_sflow_decoded_datagrams_total",
	    PROM_COUNTER, "Datagrams handed to the decoder.", s->datagrams);

	prom_family(out, "finderscope_sflow_decode_errors_total", PROM_COUNTER,
	    "Datagrams that did not decode, by kind.");
	l.name = "kind";
	l.value = "truncated";
	prom_u64(out, "finderscope_sflow_decode_errors_total", &l, 1,
	    s->truncated);
	l.value = "bad_version";
	prom_u64(out, "finderscope_sflow_decode_errors_total", &l, 1,
	    s->bad_version);
	l.value = "invalid";
	prom_u64(out, "finderscope_sflow_decode_errors_total", &l, 1,
	    s->invalid);

	prom_family(out, "finderscope_sflow_samples_total", PROM_COUNTER,
	    "Samples decoded, by type (unknown: skipped by length; bad: "
	    "length mismatch, not used).");
	l.name = "type";
	l.value = "flow";
	prom_u64(out, "finderscope_sflow_samples_total", &l, 1,
	    s->flow_samples);
	l.value = "counter";
	prom_u64(out, "finderscope_sflow_samples_total", &l, 1,
	    s->counter_samples);
	l.value = "discard";
	prom_u64(out, "finderscope_sflow_samples_total", &l, 1,
	    s->discard_samples);
	l.value = "unknown";
	prom_u64(out, "finderscope_sflow_samples_total", &l, 1,
	    s->unknown_samples);
	l.value = "bad";
	prom_u64(out, "finderscope_sflow_samples_total", &l, 1,
	    s->bad_samples);
	prom_single_u64(out, "finderscope_sflow_headers_truncated_total",
	    PROM_COUNTER, "Flow keys taken from clipped sampled headers.",
	    s->headers_truncated);
}

/* ---- listeners -------------------------------------------------------- */

struct listener_row {
	char				listen[CTL_VALUE_STRLEN];
	struct ctl_listener_stats	st;
};

static void
listener_family(FILE *out, const struct listener_row *rows, size_t n,
    const char *name, enum prom_type type, const char *help, size_t off)
{
	struct prom_label l = { "listen", NULL };
	size_t i;

	prom_family(out, name, type, help);
	for (i = 0; i < n; i++) {
		l.value = rows[i].listen;
		prom_u64(out, name, &l, 1, field_u64(&rows[i].st, off));
	}
}

static void
listener_metrics(FILE *out, const struct ctl_daemon *d)
{
	struct listener_row rows[CTL_MAX_LISTEN];
	struct ctl_listen la;
	size_t i, n = 0;

	for (i = 0; i < d->n_listeners && i < CTL_MAX_LISTEN; i++) {
		if (d->listeners[i] == NULL)
			continue;
		/* The port bound: the configured one, or the ephemeral one. */
		la = *ctl_listener_addr(d->listeners[i]);
		la.port = ctl_listener_port(d->listeners[i]);
		ctl_format_listen(&la, rows[n].listen, sizeof(rows[n].listen));
		ctl_listener_stats(d->listeners[i], &rows[n].st);
		n++;
	}
	listener_family(out, rows, n, "finderscope_listener_datagrams_total",
	    PROM_COUNTER, "Datagrams received on the socket.",
	    offsetof(struct ctl_listener_stats, datagrams));
	listener_family(out, rows, n, "finderscope_listener_bytes_total",
	    PROM_COUNTER, "Bytes of datagrams received on the socket.",
	    offsetof(struct ctl_listener_stats, bytes));
	listener_family(out, rows, n,
	    "finderscope_listener_kernel_drops_total", PROM_COUNTER,
	    "Datagrams the kernel dropped: the receive buffer was full.",
	    offsetof(struct ctl_listener_stats, kernel_drops));
	listener_family(out, rows, n, "finderscope_listener_truncated_total",
	    PROM_COUNTER, "Datagrams too long for the buffer, dropped.",
	    offsetof(struct ctl_listener_stats, truncated));
	listener_family(out, rows, n, "finderscope_listener_errors_total",
	    PROM_COUNTER, "Receive errors.",
	    offsetof(struct ctl_listener_stats, errors));
	listener_family(out, rows, n, "finderscope_listener_rcvbuf_bytes",
	    PROM_GAUGE, "The socket receive buffer the kernel granted.",
	    offsetof(struct ctl_listener_stats, rcvbuf));
}

/* ---- agents ----------------------------------------------------------- */

/*
 * One family per pass over the agents: Prometheus wants the samples of a
 * family together, and the tables are walked again for each (bounded by
 * max_agents; a scrape is rare).
 */
struct seq_pass {
	FILE		*out;
	const char	*name;
	size_t		 off;	/* of a uint64_t in sflow_agent_info */
};

static void
seq_sample(void *ctx, const struct sflow_agent_info *a)
{
	struct seq_pass *p = ctx;
	struct prom_label l[2];
	char agent[NETADDR_STRLEN], sub[16];

	l[0].name = "agent";
	l[0].value = netaddr_format(&a->agent, agent, sizeof(agent));
	l[1].name = "sub_agent";
	snprintf(sub, sizeof(sub), "%u", (unsigned)a->sub_agent);
	l[1].value = sub;
	prom_u64(p->out, p->name, l, 2, field_u64(a, p->off));
}

static void
seq_family(FILE *out, const struct ctl_daemon *d, const char *name,
    const char *help, size_t off)
{
	struct seq_pass p = { out, name, off };

	prom_family(out, name, PROM_COUNTER, help);
	if (d->seq_agents != NULL)
		sflow_agents_foreach(d->seq_agents, seq_sample, &p);
}

enum agent_value {
	AGENT_BYTES,
	AGENT_LAST_SEEN,
	AGENT_ERRORS,
};

struct agent_pass {
	FILE		*out;
	const char	*name;
	enum agent_value what;
};

static void
agent_sample(void *ctx, const struct ctl_agent_view *v)
{
	struct agent_pass *p = ctx;
	struct prom_label l[2];
	char agent[NETADDR_STRLEN];

	l[0].name = "agent";
	l[0].value = netaddr_format(&v->agent, agent, sizeof(agent));
	switch (p->what) {
	case AGENT_BYTES:
		prom_u64(p->out, p->name, l, 1, v->bytes);
		break;
	case AGENT_LAST_SEEN:
		prom_double(p->out, p->name, l, 1, seconds(v->last_ms));
		break;
	case AGENT_ERRORS:
		l[1].name = "kind";
		l[1].value = "truncated";
		prom_u64(p->out, p->name, l, 2, v->errors.truncated);
		l[1].value = "bad_version";
		prom_u64(p->out, p->name, l, 2, v->errors.bad_version);
		l[1].value = "invalid";
		prom_u64(p->out, p->name, l, 2, v->errors.invalid);
		break;
	}
}

static void
agent_family(FILE *out, const struct ctl_daemon *d, const char *name,
    enum prom_type type, const char *help, enum agent_value what)
{
	struct agent_pass p = { out, name, what };

	prom_family(out, name, type, help);
	if (d->agents != NULL)
		ctl_agents_foreach(d->agents, agent_sample, &p);
}

static void
agent_metrics(FILE *out, const struct ctl_daemon *d)
{
	prom_single_u64(out, "finderscope_agents", PROM_GAUGE,
	    "sFlow agents tracked.",
	    d->agents != NULL ? ctl_agents_count(d->agents) : 0);
	prom_single_u64(out, "finderscope_agents_untracked_datagrams_total",
	    PROM_COUNTER, "Datagrams of agents beyond the table's cap.",
	    d->agents != NULL ? ctl_agents_dropped(d->agents) : 0);
	agent_family(out, d, "finderscope_agent_bytes_total", PROM_COUNTER,
	    "Bytes of sFlow datagrams from the agent.", AGENT_BYTES);
	agent_family(out, d, "finderscope_agent_decode_errors_total",
	    PROM_COUNTER, "Datagrams of the agent that did not decode.",
	    AGENT_ERRORS);
	agent_family(out, d, "finderscope_agent_last_seen_seconds",
	    PROM_GAUGE, "When the agent was last heard from.",
	    AGENT_LAST_SEEN);

	seq_family(out, d, "finderscope_agent_datagrams_total",
	    "Datagrams decoded from the agent.",
	    offsetof(struct sflow_agent_info, datagrams));
	seq_family(out, d, "finderscope_agent_lost_datagrams_total",
	    "Datagrams missing from the agent's sequence.",
	    offsetof(struct sflow_agent_info, lost));
	seq_family(out, d, "finderscope_agent_out_of_order_total",
	    "Datagrams that arrived after a later one.",
	    offsetof(struct sflow_agent_info, out_of_order));
	seq_family(out, d, "finderscope_agent_duplicates_total",
	    "Datagrams with a sequence number seen before.",
	    offsetof(struct sflow_agent_info, duplicates));
	seq_family(out, d, "finderscope_agent_resets_total",
	    "Agent restarts (its uptime went backwards).",
	    offsetof(struct sflow_agent_info, resets));
	seq_family(out, d, "finderscope_agent_flow_samples_total",
	    "Flow samples from the agent.",
	    offsetof(struct sflow_agent_info, flow_samples));
	seq_family(out, d, "finderscope_agent_counter_samples_total",
	    "Counter samples from the agent.",
	    offsetof(struct sflow_agent_info, counter_samples));
	seq_family(out, d, "finderscope_agent_sample_gaps_total",
	    "Samples missing from the agent's data source sequences.",
	    offsetof(struct sflow_agent_info, sample_gaps));
}

/* ---- lists and the table ---------------------------------------------- */

enum list_value {
	LIST_ENTRIES,
	LIST_REJECTED,
	LIST_OVER_CAP,
	LIST_FETCHES,
	LIST_FAILURES,
	LIST_MATCHES,
	LIST_LAST_REFRESH,
	LIST_LAST_OK,
};

static void
list_family(FILE *out, const struct ctl_daemon *d, const char *name,
    enum prom_type type, const char *help, enum list_value what)
{
	const struct ctl_list_state *ls;
	struct prom_label l = { "list", NULL };
	size_t i;

	prom_family(out, name, type, help);
	for (i = 0; d->lists != NULL && i < d->n_lists; i++) {
		ls = &d->lists[i];
		l.value = ls->name;
		switch (what) {
		case LIST_ENTRIES:
			prom_u64(out, name, &l, 1, ls->entries);
			break;
		case LIST_REJECTED:
			prom_u64(out, name, &l, 1, ls->rejected);
			break;
		case LIST_OVER_CAP:
			prom_u64(out, name, &l, 1, ls->over_cap);
			break;
		case LIST_FETCHES:
			prom_u64(out, name, &l, 1, ls->fetches);
			break;
		case LIST_FAILURES:
			prom_u64(out, name, &l, 1, ls->failures);
			break;
		case LIST_MATCHES:
			prom_u64(out, name, &l, 1, ls->matches);
			break;
		case LIST_LAST_REFRESH:
			prom_double(out, name, &l, 1, seconds(ls->updated_ms));
			break;
		case LIST_LAST_OK:
			prom_u64(out, name, &l, 1, ls->last_error[0] == '\0');
			break;
		}
	}
}

static void
list_metrics(FILE *out, const struct ctl_daemon *d)
{
	list_family(out, d, "finderscope_list_entries", PROM_GAUGE,
	    "Entries in the list's last body.", LIST_ENTRIES);
	list_family(out, d, "finderscope_list_rejected_lines", PROM_GAUGE,
	    "Lines of the last body that were not entries.", LIST_REJECTED);
	list_family(out, d, "finderscope_list_over_cap_entries", PROM_GAUGE,
	    "Entries of the last body dropped by max_entries.", LIST_OVER_CAP);
	list_family(out, d, "finderscope_list_fetches_total", PROM_COUNTER,
	    "Attempts to refresh the list.", LIST_FETCHES);
	list_family(out, d, "finderscope_list_failures_total", PROM_COUNTER,
	    "Refresh attempts that failed.", LIST_FAILURES);
	list_family(out, d, "finderscope_list_matches_total", PROM_COUNTER,
	    "Samples matched against the list.", LIST_MATCHES);
	list_family(out, d, "finderscope_list_last_refresh_time_seconds",
	    PROM_GAUGE, "When the list's last body was taken (0: never).",
	    LIST_LAST_REFRESH);
	list_family(out, d, "finderscope_list_last_fetch_ok", PROM_GAUGE,
	    "1 when the last refresh attempt succeeded.", LIST_LAST_OK);

	prom_single_u64(out, "finderscope_table_prefixes", PROM_GAUGE,
	    "Prefixes in the lookup table.",
	    d->table != NULL ? bl_table_prefixes(d->table) : 0);
	prom_single_u64(out, "finderscope_table_memory_bytes", PROM_GAUGE,
	    "Memory of the lookup table.",
	    d->table != NULL ? bl_table_memory(d->table) : 0);
	prom_single_u64(out, "finderscope_table_builds_total", PROM_COUNTER,
	    "Lookup tables built.", d->counters.table_builds);
	prom_single_u64(out, "finderscope_table_build_failures_total",
	    PROM_COUNTER, "Lookup table builds that failed (the old one kept).",
	    d->counters.table_build_failures);
}

/* ---- flows, policy, captures ------------------------------------------ */

static void
flow_metrics(FILE *out, const struct ctl_daemon *d)
{
	struct ctl_flows_stats fs;
	struct ctl_pairs_stats ps;

	memset(&fs, 0, sizeof(fs));
	if (d->flows != NULL)
		ctl_flows_stats(d->flows, &fs);
	prom_single_u64(out, "finderscope_flows", PROM_GAUGE,
	    "Flows in the table.", fs.flows);
	prom_single_u64(out, "finderscope_flows_max", PROM_GAUGE,
	    "The flow table's capacity.", fs.max_flows);
	prom_single_u64(out, "finderscope_flows_added_total", PROM_COUNTER,
	    "New flows.", fs.added);
	prom_single_u64(out, "finderscope_flows_evicted_total", PROM_COUNTER,
	    "Flows pushed out of the full table by newer ones.", fs.evicted);
	prom_single_u64(out, "finderscope_flows_memory_bytes", PROM_GAUGE,
	    "Memory of the flow table.", fs.memory);

	memset(&ps, 0, sizeof(ps));
	if (d->pairs != NULL)
		ctl_pairs_stats(d->pairs, &ps);
	prom_single_u64(out, "finderscope_pairs", PROM_GAUGE,
	    "Address pairs remembered for thresholds and cooldowns.",
	    ps.pairs);
	prom_single_u64(out, "finderscope_pairs_evicted_total", PROM_COUNTER,
	    "Pairs pushed out by newer ones.", ps.evicted);
	prom_single_u64(out, "finderscope_pairs_evicted_cooling_total",
	    PROM_COUNTER, "Pairs pushed out while their cooldown still ran.",
	    ps.evicted_cooling);
}

static void
policy_metrics(FILE *out, const struct ctl_daemon *d)
{
	struct prom_label l;
	int i;

	prom_single_u64(out, "finderscope_flow_samples_keyed_total",
	    PROM_COUNTER, "Flow samples with addresses to look up.",
	    d->counters.flow_samples_keyed);
	prom_family(out, "finderscope_verdicts_total", PROM_COUNTER,
	    "Flow samples classified, by verdict.");
	l.name = "verdict";
	for (i = 0; i < CTL_VERDICTS; i++) {
		l.value = ctl_verdict_name(i);
		prom_u64(out, "finderscope_verdicts_total", &l, 1,
		    d->counters.verdicts[i]);
	}
	prom_family(out, "finderscope_decisions_total", PROM_COUNTER,
	    "Matches decided, by decision.");
	l.name = "decision";
	for (i = 0; i < CTL_DECISIONS; i++) {
		l.value = ctl_decision_name(i);
		prom_u64(out, "finderscope_decisions_total", &l, 1,
		    d->counters.decisions[i]);
	}
	prom_single_u64(out, "finderscope_unknown_agent_matches_total",
	    PROM_COUNTER, "Matches from agents of no configured switch.",
	    d->counters.unknown_agent_matches);
}

static void
capture_metrics(FILE *out, const struct ctl_daemon *d)
{
	struct ctl_captures_stats cs;
	struct prom_label l = { "state", NULL };
	int s;

	memset(&cs, 0, sizeof(cs));
	if (d->captures != NULL)
		ctl_captures_stats(d->captures, &cs);
	prom_family(out, "finderscope_captures", PROM_GAUGE,
	    "Captures by state (done and failed: those still kept).");
	for (s = 0; s < CTL_CAP_STATES; s++) {
		l.value = ctl_capture_state_name(s);
		prom_u64(out, "finderscope_captures", &l, 1, cs.by_state[s]);
	}
	prom_single_u64(out, "finderscope_captures_live", PROM_GAUGE,
	    "Captures not finished yet.", cs.live);
	prom_single_u64(out, "finderscope_captures_created_total",
	    PROM_COUNTER, "Captures created.", cs.created);
	prom_single_u64(out, "finderscope_captures_refused_full_total",
	    PROM_COUNTER, "Captures refused: no free slot.", cs.refused_full);
	prom_single_u64(out, "finderscope_captures_refused_total",
	    PROM_COUNTER, "Captures refused for any reason (no slot, too "
	    "many pending, a budget): each is a capture_refused event.",
	    d->counters.captures_refused);
}

/* ---- events and HTTP -------------------------------------------------- */

static void
event_metrics(FILE *out, const struct ctl_daemon *d)
{
	struct ctl_events_stats es;

	memset(&es, 0, sizeof(es));
	if (d->events != NULL)
		ctl_events_stats(d->events, &es);
	prom_single_u64(out, "finderscope_events_emitted_total", PROM_COUNTER,
	    "Events emitted.", es.emitted);
	prom_single_u64(out, "finderscope_events_dropped_total", PROM_COUNTER,
	    "Events that left the in-memory ring or never got in.",
	    es.dropped);
	prom_single_u64(out, "finderscope_events_file_errors_total",
	    PROM_COUNTER, "Failed writes to the events file.", es.file_errors);
	prom_single_u64(out, "finderscope_events_subscribers", PROM_GAUGE,
	    "Long polls and event streams open.", es.subscribers);
}

static void
http_metrics(FILE *out, const struct ctl_daemon *d)
{
	static const char *const classes[] = { "2xx", "3xx", "4xx", "5xx" };
	struct httpd_stats hs;
	struct prom_label l = { "class", NULL };
	uint64_t v[4];
	size_t i;

	memset(&hs, 0, sizeof(hs));
	if (d->api != NULL)
		httpd_stats(d->api, &hs);
	v[0] = hs.status_2xx;
	v[1] = hs.status_3xx;
	v[2] = hs.status_4xx;
	v[3] = hs.status_5xx;
	prom_family(out, "finderscope_http_requests_total", PROM_COUNTER,
	    "API requests answered, by status class.");
	for (i = 0; i < 4; i++) {
		l.value = classes[i];
		prom_u64(out, "finderscope_http_requests_total", &l, 1, v[i]);
	}
	prom_single_u64(out, "finderscope_http_unauthorized_total",
	    PROM_COUNTER, "Requests without the right token (401).",
	    hs.unauthorized);
	prom_single_u64(out, "finderscope_http_too_large_total", PROM_COUNTER,
	    "Requests with a body over api_max_body (413).", hs.too_large);
	prom_single_u64(out, "finderscope_http_streams_total", PROM_COUNTER,
	    "Streamed replies started.", hs.streams);
	prom_single_u64(out, "finderscope_http_streams_cut_total",
	    PROM_COUNTER, "Stream clients cut off for being too slow.",
	    hs.streams_cut);
	prom_single_u64(out, "finderscope_http_streams_open", PROM_GAUGE,
	    "Streamed replies open now.", hs.streams_open);
}

void
ctl_metrics_write(struct ctl_daemon *d, FILE *out)
{
	process_metrics(out, d);
	sflow_metrics(out, d);
	listener_metrics(out, d);
	agent_metrics(out, d);
	list_metrics(out, d);
	flow_metrics(out, d);
	policy_metrics(out, d);
	capture_metrics(out, d);
	event_metrics(out, d);
	http_metrics(out, d);
}

/* GET /metrics */
void
ctl_api_metrics(struct httpd_req *req, void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	if ((out = open_memstream(&buf, &len)) == NULL) {
		httpd_reply_error(req, 500, "out of memory");
		return;
	}
	ctl_metrics_write(ctx, out);
	if (ferror(out)) {
		fclose(out);
		free(buf);
		httpd_reply_error(req, 500, "out of memory");
		return;
	}
	if (fclose(out) != 0) {
		free(buf);
		httpd_reply_error(req, 500, "out of memory");
		return;
	}
	httpd_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", buf,
	    len);
	free(buf);
}
