/*
 * rcv_inspect.c - the receiver's L7 inspection: the configured keys
 * compiled into one Hyperscan database (cap_keys.h), the session table
 * (cap_sessions.h) fed every decapsulated frame, and what a hit produces
 * here: an event (the API and events_file) and a report to the
 * controller (rcv_report.c).
 *
 * A reload builds the new database aside and swaps it in; sessions that
 * are running finish with the database they started with.  Session
 * settings other than the keys (folder, bounds, options) take effect on
 * a reload too: the running table is closed (its sessions with hits are
 * written) and a new one started.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_flow.h"
#include "log.h"
#include "rcv_daemon.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The keyset of cfg, NULL with err (or NULL and err "" without keys). */
static struct cap_keyset *
keys_build(const struct ctl_config *cfg, char *err, size_t errlen)
{
	const struct ctl_receiver_config *rc = &cfg->receiver;
	struct cap_key_spec *specs;
	struct cap_keyset *set;
	char why[512];
	size_t i;

	err[0] = '\0';
	if (rc->n_keys == 0)
		return NULL;
	if ((specs = calloc(rc->n_keys, sizeof(*specs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < rc->n_keys; i++) {
		specs[i].text = rc->keys[i].text;
		specs[i].name = rc->keys[i].name;
		specs[i].id = rc->keys[i].id;
		specs[i].line = rc->keys[i].line;
		specs[i].regex = rc->keys[i].regex;
		specs[i].nocase = rc->keys[i].nocase;
	}
	set = cap_keyset_build(specs, rc->n_keys, why, sizeof(why));
	free(specs);
	if (set == NULL)
		snprintf(err, errlen, "%s: receiver keys: %s", cfg->path, why);
	return set;
}

static void
sessions_config(const struct ctl_config *cfg, struct cap_sessions_config *sc)
{
	const struct ctl_sessions_config *s = &cfg->receiver.sessions;

	memset(sc, 0, sizeof(*sc));
	sc->dir = s->dir;
	sc->max_sessions = s->max_sessions;
	sc->max_open = s->max_open;
	sc->max_stream_bytes = s->max_stream;
	sc->max_ooo_segments = s->max_out_of_order;
	sc->max_ooo_bytes = (uint32_t)s->max_out_of_order_bytes;
	sc->timeout_ms = (int64_t)s->timeout_s * 1000;
	sc->history_bytes = s->history;
	sc->inspect_udp = s->inspect_udp;
	sc->onedir = s->onedir;
	sc->keep_pure_acks = s->keep_pure_acks;
	sc->record = s->record == CTL_RECORD_FRAME ? CAP_RECORD_FRAME :
	    CAP_RECORD_SESSION;
	sc->merge_by_time = s->merge_by_time;
	sc->nanosecond = cfg->receiver.archive.nanosecond;
}

static void
jw_ts(struct json_writer *w, const char *key, const struct timespec *ts)
{
	rcv_jw_time_ms(w, key, (int64_t)ts->tv_sec * 1000 +
	    ts->tv_nsec / 1000000);
}

/* The controller takes paths of a restricted charset only (its
 * ctl_api_report_body.c); a sessions dir with other characters in its
 * name is left out of the report rather than have the report refused. */
static int
path_reportable(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && strstr(s, "..") == NULL && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-/:") == n;
}

/* The report for the controller: only parsed values, in the shape
 * controller/ctl_api_report.c accepts. */
static void
report(struct rcv_daemon *d, const struct cap_session_hit *h)
{
	struct json_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return;
	jw_begin(&w, f);
	jw_str(&w, "type", "key_hit");
	/* An unassigned archive is not one of the controller's captures. */
	if (h->capture_id != NULL && h->capture_id[0] != '\0' &&
	    strncmp(h->capture_id, RCV_UNASSIGNED_PREFIX,
	    sizeof(RCV_UNASSIGNED_PREFIX) - 1) != 0)
		jw_str(&w, "capture", h->capture_id);
	jw_u64(&w, "key_id", h->key->id);
	if (h->key->name != NULL && h->key->name[0] != '\0')
		jw_str(&w, "key_name", h->key->name);
	jw_addr(&w, "src", &h->src);
	jw_addr(&w, "dst", &h->dst);
	jw_u64(&w, "sport", h->sport);
	jw_u64(&w, "dport", h->dport);
	jw_u64(&w, "proto", h->proto);
	jw_u64(&w, "offset", h->offset);
	if (h->path != NULL && path_reportable(h->path))
		jw_str(&w, "session", h->path);
	jw_end(&w);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return;
	}
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	rcv_report_queue(d, buf);
}

static void
on_hit(void *arg, const struct cap_session_hit *h)
{
	struct rcv_daemon *d = arg;
	struct json_writer *w;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];

	d->counters.key_hits++;
	w = ctl_event_begin(d->events, "key_hit");
	if (h->capture_id != NULL && h->capture_id[0] != '\0')
		jw_str(w, "capture", h->capture_id);
	jw_object(w, "key");
	jw_u64(w, "id", h->key->id);
	if (h->key->name != NULL && h->key->name[0] != '\0')
		jw_str(w, "name", h->key->name);
	jw_str(w, "text", h->key->text);
	jw_bool(w, "regex", h->key->regex);
	jw_object_end(w);
	jw_addr(w, "src", &h->src);
	jw_addr(w, "dst", &h->dst);
	jw_u64(w, "sport", h->sport);
	jw_u64(w, "dport", h->dport);
	jw_u64(w, "proto", h->proto);
	jw_u64(w, "offset", h->offset);
	jw_ts(w, "packet_time", &h->ts);
	if (h->path != NULL)
		jw_str(w, "session", h->path);
	ctl_event_end(d->events);
	log_info("key %u%s%s hit in %s:%u -> %s:%u (capture %s)",
	    h->key->id, h->key->name != NULL && h->key->name[0] != '\0' ?
	    " " : "", h->key->name != NULL ? h->key->name : "",
	    netaddr_format(&h->src, a, sizeof(a)), h->sport,
	    netaddr_format(&h->dst, b, sizeof(b)), h->dport,
	    h->capture_id != NULL && h->capture_id[0] != '\0' ?
	    h->capture_id : "none");
	report(d, h);
}

static void
on_done(void *arg, const struct cap_session_done *s)
{
	struct rcv_daemon *d = arg;
	struct json_writer *w;

	if (s->ok)
		d->counters.sessions_written++;
	else
		d->counters.session_errors++;
	w = ctl_event_begin(d->events, s->ok ? "session_written" :
	    "session_failed");
	if (s->capture_id != NULL && s->capture_id[0] != '\0')
		jw_str(w, "capture", s->capture_id);
	jw_str(w, "session", s->path != NULL ? s->path : "");
	jw_u64(w, "frames", s->frames);
	jw_u64(w, "keys_hit", s->keys_hit);
	if (!s->ok && s->error != NULL)
		jw_str(w, "error", s->error);
	ctl_event_end(d->events);
	if (s->ok)
		log_info("session written: %s (%llu frames)", s->path,
		    (unsigned long long)s->frames);
	else
		log_warnx("session %s: %s", s->path != NULL ? s->path : "?",
		    s->error != NULL ? s->error : "not written");
}

static struct cap_sessions *
sessions_new(struct rcv_daemon *d, const struct ctl_config *cfg,
    struct cap_keyset *keys, char *err, size_t errlen)
{
	struct cap_sessions_callbacks cb = { on_hit, on_done, d };
	struct cap_sessions_config sc;

	sessions_config(cfg, &sc);
	return cap_sessions_new(&sc, keys, &cb, err, errlen);
}

int
rcv_events_open(struct rcv_daemon *d, const struct ctl_config *cfg,
    char *err, size_t errlen)
{
	struct ctl_events_limits el = { 0, 0 };

	if ((d->events = ctl_events_new(&el)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return rcv_events_reopen(d, cfg, err, errlen);
}

int
rcv_events_reopen(struct rcv_daemon *d, const struct ctl_config *cfg,
    char *err, size_t errlen)
{
	char why[512];

	if (ctl_events_open_file(d->events, cfg->receiver.events_file, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "receiver.events_file: %s", why);
		return -1;
	}
	return 0;
}

int
rcv_inspect_start(struct rcv_daemon *d, const struct ctl_config *cfg,
    char *err, size_t errlen)
{
	if ((d->keys = keys_build(cfg, err, errlen)) == NULL &&
	    err[0] != '\0') {
		d->counters.keys_build_failures++;
		return -1;
	}
	if (d->keys == NULL)
		return 0;	/* no keys: nothing to inspect */
	d->counters.keys_builds++;
	if ((d->sessions = sessions_new(d, cfg, d->keys, err, errlen)) ==
	    NULL)
		return -1;
	log_info("inspecting sessions for %zu keys (stream state %zu bytes)",
	    cap_keyset_count(d->keys), cap_keyset_stream_size(d->keys));
	return 0;
}

static int
sessions_differ(const struct ctl_config *a, const struct ctl_config *b)
{
	struct cap_sessions_config x, y;

	sessions_config(a, &x);
	sessions_config(b, &y);
	return strcmp(x.dir, y.dir) != 0 || (x.dir = y.dir, memcmp(&x, &y,
	    sizeof(x)) != 0);
}

int
rcv_inspect_reload(struct rcv_daemon *d, const struct ctl_config *cfg,
    char *err, size_t errlen)
{
	struct cap_keyset *keys;
	struct cap_sessions *fresh;

	keys = keys_build(cfg, err, errlen);
	if (keys == NULL && err[0] != '\0') {
		d->counters.keys_build_failures++;
		return -1;
	}
	if (keys != NULL)
		d->counters.keys_builds++;
	if (keys == NULL || d->sessions == NULL ||
	    sessions_differ(d->cfg, cfg)) {
		fresh = NULL;
		if (keys != NULL && (fresh = sessions_new(d, cfg, keys, err,
		    errlen)) == NULL) {
			cap_keyset_unref(keys);
			return -1;
		}
		cap_sessions_free(d->sessions);	/* writes those with hits */
		d->sessions = fresh;
	} else
		cap_sessions_set_keys(d->sessions, keys);
	cap_keyset_unref(d->keys);
	d->keys = keys;
	return 0;
}

void
rcv_inspect_frame(struct rcv_daemon *d, const char *capture_id,
    const struct cap_frame *f, const struct timespec *ts)
{
	if (d->sessions != NULL)
		cap_sessions_frame(d->sessions, capture_id, ts, f->data,
		    f->caplen, f->wirelen, mono_ms());
}

void
rcv_inspect_tick(struct rcv_daemon *d)
{
	if (d->sessions != NULL)
		cap_sessions_tick(d->sessions, mono_ms());
	rcv_report_tick(d);
}

void
rcv_inspect_stop(struct rcv_daemon *d)
{
	if (d->sessions != NULL)
		cap_sessions_close_all(d->sessions);
}

void
rcv_inspect_free(struct rcv_daemon *d)
{
	cap_sessions_free(d->sessions);
	d->sessions = NULL;
	cap_keyset_unref(d->keys);
	d->keys = NULL;
	ctl_events_free(d->events);
	d->events = NULL;
	rcv_report_free(d);
}
