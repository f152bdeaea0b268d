/*
 * cap_session_json.c - the end of a session that hit: close its files
 * (cap_session_files.h writes session.L7 and renames the folder) with
 * session.json saying what the session table knew, count the result and
 * tell the done callback.
 *
 * session.json's members (inside the object cap_session_files opens):
 *   capture_id, proto ("tcp"|"udp"), client, client_port, server,
 *   server_port, first, last (ISO 8601 UTC of the session's first and
 *   last frames seen), keys: [{id, name, key, direction, offset, time}]
 *   in the order they hit, keys_dropped (hits beyond the per-session
 *   bound), history_complete, ended ("fin"|"rst"|"timeout"|"evicted"|
 *   "shutdown"), pcap_frames, and per direction as
 *   {"client_to_server": N, "server_to_client": M}: frames (seen), bytes
 *   (inspected), gaps, gap_bytes, duplicate, overlap_diff, ooo_drops.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cap_sessions_impl.h"
#include "json_writer.h"
#include "log.h"

static const char *const end_names[] = {
	[CAP_SESS_END_FIN] = "fin",
	[CAP_SESS_END_RST] = "rst",
	[CAP_SESS_END_TIMEOUT] = "timeout",
	[CAP_SESS_END_EVICTED] = "evicted",
	[CAP_SESS_END_SHUTDOWN] = "shutdown",
};

static const char *const dir_names[2] = {
	"client_to_server", "server_to_client",
};

struct json_ctx {
	const struct cap_sessions	*t;
	const struct cap_sess		*s;
	enum cap_sess_end		 why;
};

/* "2024-05-01T12:00:00.123456Z" (nanoseconds when the pcap has them). */
static void
iso_time(char *buf, size_t len, const struct timespec *ts, int nanosecond)
{
	struct tm	tm;
	time_t		sec = ts->tv_sec;
	char		day[32];

	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "invalid");
		return;
	}
	if (nanosecond)
		snprintf(buf, len, "%s.%09ldZ", day, (long)ts->tv_nsec);
	else
		snprintf(buf, len, "%s.%06ldZ", day, (long)ts->tv_nsec / 1000);
}

static void
per_dir(struct json_writer *w, const char *key, uint64_t c2s, uint64_t s2c)
{
	jw_object(w, key);
	jw_u64(w, dir_names[0], c2s);
	jw_u64(w, dir_names[1], s2c);
	jw_object_end(w);
}

static void
write_keys(struct json_writer *w, const struct json_ctx *c)
{
	const struct cap_sess_rec	*r = c->s->rec;
	const struct cap_key_info	*k;
	char				 when[64];
	uint32_t			 i;

	jw_array(w, "keys");
	for (i = 0; i < r->nhits; i++) {
		k = cap_keyset_key(c->s->keys, r->hits[i].key);
		iso_time(when, sizeof(when), &r->hits[i].ts,
		    c->t->cfg.nanosecond);
		jw_object(w, NULL);
		jw_u64(w, "id", k->id);
		jw_str(w, "name", k->name);
		jw_str(w, "key", k->text);
		jw_str(w, "direction", dir_names[r->hits[i].dir & 1]);
		jw_u64(w, "offset", r->hits[i].offset);
		jw_str(w, "time", when);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_u64(w, "keys_dropped", r->keys_dropped);
}

static void
write_json(void *arg, struct json_writer *w,
    const struct cap_transcript_stats *tst)
{
	const struct json_ctx	*c = arg;
	const struct cap_sess	*s = c->s;
	const struct cap_stream_stats *a = &s->st[0].st, *b = &s->st[1].st;
	char			 buf[64];

	jw_str(w, "capture_id", s->rec->capture_id);
	jw_str(w, "proto", s->proto == 6 ? "tcp" : "udp");
	jw_str(w, "client", netaddr_format(&s->addr[0], buf, sizeof(buf)));
	jw_u64(w, "client_port", s->port[0]);
	jw_str(w, "server", netaddr_format(&s->addr[1], buf, sizeof(buf)));
	jw_u64(w, "server_port", s->port[1]);
	iso_time(buf, sizeof(buf), &s->first_ts, c->t->cfg.nanosecond);
	jw_str(w, "first", buf);
	iso_time(buf, sizeof(buf), &s->last_ts, c->t->cfg.nanosecond);
	jw_str(w, "last", buf);
	write_keys(w, c);
	jw_bool(w, "history_complete", s->rec->history_complete);
	jw_str(w, "ended", end_names[c->why]);
	jw_u64(w, "pcap_frames", tst != NULL ? tst->frames : s->rec->written);
	per_dir(w, "frames", s->frames[0], s->frames[1]);
	per_dir(w, "bytes", s->bytes[0], s->bytes[1]);
	per_dir(w, "gaps", a->gaps, b->gaps);
	per_dir(w, "gap_bytes", a->gap_bytes, b->gap_bytes);
	per_dir(w, "duplicate", a->duplicate, b->duplicate);
	per_dir(w, "overlap_diff", a->overlap_diff, b->overlap_diff);
	per_dir(w, "ooo_drops", a->ooo_drops, b->ooo_drops);
}

void
cap_sess_files_close(struct cap_sessions *t, struct cap_sess *s,
    enum cap_sess_end why)
{
	struct cap_sess_rec	*r = s->rec;
	struct cap_session_done	 done;
	struct json_ctx		 c = { t, s, why };
	char			 path[4096], err[256];
	int			 rc;

	if (r == NULL || (r->files == NULL && !r->failed))
		return;			/* no hit, or max_open: no files */
	memset(&done, 0, sizeof(done));
	done.capture_id = r->capture_id;
	done.frames = r->written;
	done.keys_hit = r->nhits;
	path[0] = '\0';
	if (r->files != NULL) {
		snprintf(path, sizeof(path), "%s", csf_path(r->files));
		t->st.open_now--;
		rc = csf_close(r->files, t->cfg.merge_by_time, write_json, &c,
		    err, sizeof(err));
		r->files = NULL;
		if (rc == -1) {
			log_warnx("session %s: %s", path, err);
			if (!r->failed)
				snprintf(r->error, sizeof(r->error), "%s", err);
			r->failed = 1;
		}
		/* One count per session: a failed open counted already. */
		if (r->failed)
			t->st.file_errors++;
		else
			t->st.files_written++;
	}
	done.path = path;
	done.ok = !r->failed;
	done.error = r->failed ? r->error : NULL;
	if (t->cb.done != NULL)
		t->cb.done(t->cb.arg, &done);
}
