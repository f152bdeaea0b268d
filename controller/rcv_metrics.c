/*
 * rcv_metrics.c - GET /metrics: the receiver's counters in the Prometheus
 * text format (common/prom.h writes and escapes).
 *
 * Every name starts with finderscope_receiver_; counters end in _total.
 * Labels: result for decap outcomes (cap_decap_result_str names), encap
 * for what carried the frames, outcome for filing, class for HTTP
 * statuses.  No label takes its value from the network, so the page is
 * bounded by the code.  docs/receiver-api.md lists them all.
 */
#include <stdio.h>

#include "httpd.h"
#include "prom.h"
#include "rcv_daemon.h"
#include "version.h"

#define P	"finderscope_receiver_"

static double
seconds(int64_t ms)
{
	return ms > 0 ? (double)ms / 1000.0 : 0.0;
}

static void
process_metrics(FILE *out, const struct rcv_daemon *d)
{
	struct prom_label l = { "version", FINDERSCOPE_VERSION };
	int64_t now = rcv_now_ms();

	prom_family(out, P "build_info", PROM_GAUGE,
	    "The version of finderscope running (always 1).");
	prom_u64(out, P "build_info", &l, 1, 1);
	prom_family(out, P "start_time_seconds", PROM_GAUGE,
	    "When the receiver started, seconds since the epoch.");
	prom_double(out, P "start_time_seconds", NULL, 0,
	    seconds(d->started_ms));
	prom_family(out, P "uptime_seconds", PROM_GAUGE,
	    "Seconds since the receiver started.");
	prom_double(out, P "uptime_seconds", NULL, 0,
	    now > d->started_ms ? seconds(now - d->started_ms) : 0.0);
	prom_single_u64(out, P "reloads_total", PROM_COUNTER,
	    "Configuration reloads that succeeded.", d->counters.reloads);
	prom_single_u64(out, P "reload_failures_total", PROM_COUNTER,
	    "Configuration reloads refused (the old one kept).",
	    d->counters.reload_failures);
}

static void
input_metrics(FILE *out, const struct rcv_daemon *d)
{
	struct rcv_input_totals t;
	struct prom_label l = { "kind", rcv_input_kind_name(d->in.kind) };

	rcv_input_totals(&d->in, &t);
	prom_family(out, P "input_info", PROM_GAUGE,
	    "The input in use: raw, pcap or file (always 1).");
	prom_u64(out, P "input_info", &l, 1, 1);
	prom_single_u64(out, P "input_packets_total", PROM_COUNTER,
	    "Packets the input read.", t.packets);
	prom_single_u64(out, P "input_bytes_total", PROM_COUNTER,
	    "Bytes of those packets.", t.bytes);
	prom_single_u64(out, P "input_kernel_drops_total", PROM_COUNTER,
	    "Packets the kernel dropped: the receive buffer was full.",
	    t.kernel_drops);
	prom_single_u64(out, P "input_truncated_total", PROM_COUNTER,
	    "Packets longer than the input's buffer, dropped.", t.truncated);
	prom_single_u64(out, P "input_errors_total", PROM_COUNTER,
	    "Read errors.", t.errors);
	prom_single_u64(out, P "input_rcvbuf_bytes", PROM_GAUGE,
	    "Receive buffer the kernel granted (sum over sockets).", t.rcvbuf);
}

static void
packet_metrics(FILE *out, const struct rcv_counters *c)
{
	struct prom_label l;
	int i;

	prom_single_u64(out, P "packets_total", PROM_COUNTER,
	    "Packets handed to decapsulation.", c->packets);
	prom_family(out, P "decap_total", PROM_COUNTER,
	    "Decapsulation outcomes; they add up to packets_total.");
	for (i = 0; i < CAP_DECAP_RESULTS; i++) {
		l.name = "result";
		l.value = cap_decap_result_str(i);
		prom_u64(out, P "decap_total", &l, 1, c->decap[i]);
	}
	prom_family(out, P "encap_total", PROM_COUNTER,
	    "Decapsulated packets by what carried them.");
	for (i = CAP_ENCAP_ERSPAN_I; i <= CAP_ENCAP_GRE_IP; i++) {
		l.name = "encap";
		l.value = cap_encap_name(i);
		prom_u64(out, P "encap_total", &l, 1, c->encap[i]);
	}
	prom_family(out, P "filed_total", PROM_COUNTER,
	    "Decapsulated packets by where they went; they add up to "
	    "decap_total{result=\"ok\"}.");
	l.name = "outcome";
	l.value = "assigned";
	prom_u64(out, P "filed_total", &l, 1, c->assigned);
	l.value = "unassigned";
	prom_u64(out, P "filed_total", &l, 1, c->unassigned);
	l.value = "dropped";
	prom_u64(out, P "filed_total", &l, 1, c->dropped);
	prom_single_u64(out, P "no_address_total", PROM_COUNTER,
	    "Unassigned or dropped packets without an inner IP pair.",
	    c->no_address);
	prom_single_u64(out, P "wrong_switch_total", PROM_COUNTER,
	    "Packets of a capture's pair from another switch.",
	    c->wrong_switch);
	prom_single_u64(out, P "unassigned_other_total", PROM_COUNTER,
	    "Unassigned packets beyond the per-switch id cap.",
	    c->unassigned_other);
	prom_single_u64(out, P "archive_errors_total", PROM_COUNTER,
	    "Packets the archive failed to write.", c->archive_errors);
	prom_single_u64(out, P "erspan_time_total", PROM_COUNTER,
	    "Packets timed by their ERSPAN III time stamp.", c->erspan_time);
	prom_single_u64(out, P "erspan_time_unusable_total", PROM_COUNTER,
	    "ERSPAN III time stamps that could not be used.",
	    c->erspan_time_unusable);
}

static void
archive_metrics(FILE *out, const struct rcv_daemon *d)
{
	struct cap_archive_stats st = { 0 };

	if (d->archive != NULL)
		cap_archive_stats(d->archive, &st);
	prom_single_u64(out, P "archive_packets_total", PROM_COUNTER,
	    "Packets written to the archive.", st.packets);
	prom_single_u64(out, P "archive_bytes_total", PROM_COUNTER,
	    "Captured bytes written to the archive.", st.bytes);
	prom_single_u64(out, P "archive_files_opened_total", PROM_COUNTER,
	    "Archive files opened.", st.files_opened);
	prom_single_u64(out, P "archive_files_closed_total", PROM_COUNTER,
	    "Archive files closed (renamed to .pcap).", st.files_closed);
	prom_single_u64(out, P "archive_files_deleted_total", PROM_COUNTER,
	    "Archive files deleted by retention.", st.files_deleted);
	prom_single_u64(out, P "archive_bytes_deleted_total", PROM_COUNTER,
	    "Bytes deleted by retention.", st.bytes_deleted);
	prom_single_u64(out, P "archive_write_errors_total", PROM_COUNTER,
	    "Archive I/O errors.", st.write_errors);
	prom_single_u64(out, P "archive_lru_closes_total", PROM_COUNTER,
	    "Files closed because too many were open.", st.lru_closes);
	prom_single_u64(out, P "archive_open_files", PROM_GAUGE,
	    "Archive files open now.", st.open_files);
}

static void
control_metrics(FILE *out, const struct rcv_daemon *d)
{
	const struct rcv_counters *c = &d->counters;
	struct httpd_stats hs = { 0 };
	struct prom_label l = { "class", NULL };
	static const char *const classes[] = { "2xx", "3xx", "4xx", "5xx" };
	uint64_t v[4];
	int i;

	prom_single_u64(out, P "captures_active", PROM_GAUGE,
	    "Active captures packets are filed by.",
	    cap_assign_count(d->assign));
	prom_single_u64(out, P "captures_ended_total", PROM_COUNTER,
	    "Captures that left the controller's list (archive closed).",
	    c->captures_ended);
	prom_single_u64(out, P "polls_total", PROM_COUNTER,
	    "Requests for the controller's capture list.", c->polls);
	prom_single_u64(out, P "poll_failures_total", PROM_COUNTER,
	    "Polls without a usable answer.", c->poll_failures);
	prom_single_u64(out, P "poll_skipped_total", PROM_COUNTER,
	    "Capture list items not taken (invalid or refused).",
	    c->poll_skipped);
	prom_single_u64(out, P "pushes_total", PROM_COUNTER,
	    "Capture lists pushed with PUT /api/v1/captures.", c->pushes);
	prom_family(out, P "last_poll_ok_time_seconds", PROM_GAUGE,
	    "When the controller last answered a poll (0: never).");
	prom_double(out, P "last_poll_ok_time_seconds", NULL, 0,
	    seconds(d->poll.last_ok_ms));
	prom_single_u64(out, P "live_clients", PROM_GAUGE,
	    "Live feed clients now.", d->n_live);
	prom_single_u64(out, P "live_records_total", PROM_COUNTER,
	    "Packets written to live feed clients.", c->live_records);
	prom_single_u64(out, P "live_refused_total", PROM_COUNTER,
	    "Live feed requests refused: too many clients.",
	    c->live_refused);
	if (d->api != NULL)
		httpd_stats(d->api, &hs);
	prom_single_u64(out, P "live_cut_total", PROM_COUNTER,
	    "Streaming clients cut off for reading too slowly.",
	    hs.streams_cut);
	prom_family(out, P "http_requests_total", PROM_COUNTER,
	    "API replies by status class.");
	v[0] = hs.status_2xx;
	v[1] = hs.status_3xx;
	v[2] = hs.status_4xx;
	v[3] = hs.status_5xx;
	for (i = 0; i < 4; i++) {
		l.value = classes[i];
		prom_u64(out, P "http_requests_total", &l, 1, v[i]);
	}
	prom_single_u64(out, P "http_unauthorized_total", PROM_COUNTER,
	    "API requests without the right token (401).", hs.unauthorized);
}

void
rcv_metrics_write(struct rcv_daemon *d, FILE *out)
{
	process_metrics(out, d);
	input_metrics(out, d);
	packet_metrics(out, &d->counters);
	archive_metrics(out, d);
	control_metrics(out, d);
	rcv_inspect_metrics(out, d);
}
