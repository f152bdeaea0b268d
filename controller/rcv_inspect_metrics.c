/*
 * rcv_inspect_metrics.c - the L7 inspection's part of GET /metrics:
 * the session table's counters (cap_sessions_stats), the keys, the
 * reports to the controller and the events.  Names as in rcv_metrics.c.
 */
#include <stddef.h>
#include <stdio.h>

#include "prom.h"
#include "rcv_daemon.h"

#define P	"finderscope_receiver_"
#define S(f)	offsetof(struct cap_sessions_stats, f)

struct stat_metric {
	const char	*name;
	enum prom_type	 type;
	const char	*help;
	size_t		 offset;	/* of a uint64_t in the stats */
};

static const struct stat_metric session_metrics[] = {
	{ P "sessions_frames_total", PROM_COUNTER,
	  "Frames given to the session table.", S(frames) },
	{ P "sessions_not_inspected_total", PROM_COUNTER,
	  "Frames not inspected: not TCP/UDP over IP, unparsable, or nothing "
	  "to scan.", S(not_inspected) },
	{ P "sessions_created_total", PROM_COUNTER,
	  "Sessions tracked.", S(sessions_total) },
	{ P "sessions_capped_total", PROM_COUNTER,
	  "Sessions not tracked: the table was full of sessions with hits.",
	  S(sessions_capped) },
	{ P "sessions_evicted_total", PROM_COUNTER,
	  "Sessions dropped to make room (max_sessions).",
	  S(sessions_evicted) },
	{ P "sessions_timed_out_total", PROM_COUNTER,
	  "Sessions ended by the idle timeout.", S(sessions_timed_out) },
	{ P "sessions_ended_total", PROM_COUNTER,
	  "Sessions ended by FIN or RST.", S(sessions_ended) },
	{ P "sessions_stream_capped_total", PROM_COUNTER,
	  "Directions that reached max_stream (later bytes not scanned).",
	  S(stream_capped) },
	{ P "sessions_out_of_order_dropped_total", PROM_COUNTER,
	  "Out-of-order segments not held (max_out_of_order bounds).",
	  S(ooo_drops) },
	{ P "sessions_gaps_total", PROM_COUNTER,
	  "Gaps in TCP streams skipped.", S(gaps) },
	{ P "sessions_gap_bytes_total", PROM_COUNTER,
	  "Bytes missing in skipped gaps.", S(gap_bytes) },
	{ P "sessions_duplicate_bytes_total", PROM_COUNTER,
	  "TCP bytes seen again (retransmissions, overlaps).",
	  S(duplicate_bytes) },
	{ P "sessions_overlap_differs_bytes_total", PROM_COUNTER,
	  "Overlapping TCP bytes that differed from the first copy (kept).",
	  S(overlap_diff_bytes) },
	{ P "sessions_scanned_bytes_total", PROM_COUNTER,
	  "Payload bytes scanned for keys.", S(bytes_scanned) },
	{ P "key_hits_total", PROM_COUNTER,
	  "First hits of a key in a direction of a session.", S(hits) },
	{ P "key_hits_capped_total", PROM_COUNTER,
	  "Hits not reported: past the per-session bound.", S(hits_capped) },
	{ P "sessions_hit_total", PROM_COUNTER,
	  "Sessions with at least one hit.", S(sessions_hit) },
	{ P "sessions_written_total", PROM_COUNTER,
	  "Session folders completed.", S(files_written) },
	{ P "sessions_file_errors_total", PROM_COUNTER,
	  "Session files that could not be written.", S(file_errors) },
	{ P "sessions_open_capped_total", PROM_COUNTER,
	  "Hits not recorded: max_open sessions were writing.",
	  S(open_capped) },
	{ P "sessions_scan_errors_total", PROM_COUNTER,
	  "Hyperscan failures.", S(scan_errors) },
	{ P "sessions_history_bytes", PROM_GAUGE,
	  "Bytes of frames in the history now.", S(history_bytes_now) },
	{ P "sessions_history_evicted_total", PROM_COUNTER,
	  "Frames evicted from the history.", S(history_evicted) },
	{ P "defrag_reassembled_total", PROM_COUNTER,
	  "IP datagrams reassembled from fragments.", S(defrag_reassembled) },
	{ P "defrag_dropped_total", PROM_COUNTER,
	  "IP datagrams whose fragments were dropped (bounds, overlaps, "
	  "timeout).", S(defrag_dropped) },
};

void
rcv_inspect_metrics(FILE *out, const struct rcv_daemon *d)
{
	const struct rcv_counters *c = &d->counters;
	struct cap_sessions_stats st = { 0 };
	struct ctl_events_stats es = { 0 };
	const struct stat_metric *m;
	size_t i;

	if (d->sessions != NULL)
		cap_sessions_stats(d->sessions, &st);
	for (i = 0; i < sizeof(session_metrics) / sizeof(*m); i++) {
		m = &session_metrics[i];
		prom_single_u64(out, m->name, m->type, m->help,
		    *(const uint64_t *)((const char *)&st + m->offset));
	}
	prom_single_u64(out, P "sessions", PROM_GAUGE,
	    "Sessions tracked now.", st.sessions_now);
	prom_single_u64(out, P "sessions_open", PROM_GAUGE,
	    "Sessions writing files now.", st.open_now);
	prom_single_u64(out, P "keys", PROM_GAUGE,
	    "Keys and regexes inspected for.",
	    d->keys != NULL ? cap_keyset_count(d->keys) : 0);
	prom_single_u64(out, P "keys_builds_total", PROM_COUNTER,
	    "Key databases compiled.", c->keys_builds);
	prom_single_u64(out, P "keys_build_failures_total", PROM_COUNTER,
	    "Key databases that failed to compile.", c->keys_build_failures);
	prom_single_u64(out, P "reports_total", PROM_COUNTER,
	    "Key hits queued as reports to the controller.",
	    c->reports_queued);
	prom_single_u64(out, P "reports_sent_total", PROM_COUNTER,
	    "Reports the controller accepted.", c->reports_sent);
	prom_single_u64(out, P "report_failures_total", PROM_COUNTER,
	    "Report attempts without a 2xx answer.", c->report_failures);
	prom_single_u64(out, P "reports_dropped_total", PROM_COUNTER,
	    "Reports given up (refused, out of tries, or the queue full).",
	    c->reports_dropped);
	prom_single_u64(out, P "reports_queued", PROM_GAUGE,
	    "Reports waiting to go.", d->reports.n);
	if (d->events != NULL)
		ctl_events_stats(d->events, &es);
	prom_single_u64(out, P "events_total", PROM_COUNTER,
	    "Events recorded.", es.emitted);
	prom_single_u64(out, P "events_file_errors_total", PROM_COUNTER,
	    "Failed writes to events_file.", es.file_errors);
}
