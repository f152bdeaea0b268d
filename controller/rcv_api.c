/*
 * rcv_api.c - the receiver's REST API on receiver.api_listen (default
 * 127.0.0.1:8009, bearer token from receiver.api_token_file):
 * health, status, what is archived, the capture list (pushed by a
 * controller, optionally), key-hit events, metrics and the live feed.
 * docs/receiver-api.md says what each answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_events_http.h"
#include "httpd.h"
#include "json_flow.h"
#include "log.h"
#include "rcv_daemon.h"
#include "version.h"

#define TOKEN_MAX	257
#define API_MAX_BODY	(4u << 20)	/* a pushed capture list */

void
rcv_jw_time_ms(struct json_writer *w, const char *key, int64_t ms)
{
	char buf[96];
	struct tm tm;
	time_t t;

	if (ms <= 0) {
		jw_raw(w, key, "null", 4);
		return;
	}
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL) {
		jw_raw(w, key, "null", 4);
		return;
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	jw_str(w, key, buf);
}

/* ---- GET /api/v1/status ----------------------------------------------- */

static void
status_totals(struct json_writer *w, const struct rcv_counters *c)
{
	int i;

	jw_object(w, "totals");
	jw_u64(w, "packets", c->packets);
	jw_u64(w, "bytes", c->bytes);
	jw_object(w, "decap");
	for (i = 0; i < CAP_DECAP_RESULTS; i++)
		jw_u64(w, cap_decap_result_str(i), c->decap[i]);
	jw_object_end(w);
	jw_object(w, "encap");
	for (i = CAP_ENCAP_ERSPAN_I; i <= CAP_ENCAP_GRE_IP; i++)
		jw_u64(w, cap_encap_name(i), c->encap[i]);
	jw_object_end(w);
	jw_u64(w, "assigned", c->assigned);
	jw_u64(w, "unassigned", c->unassigned);
	jw_u64(w, "dropped", c->dropped);
	jw_u64(w, "no_address", c->no_address);
	jw_u64(w, "wrong_switch", c->wrong_switch);
	jw_u64(w, "unassigned_other", c->unassigned_other);
	jw_u64(w, "archive_errors", c->archive_errors);
	jw_u64(w, "erspan_time", c->erspan_time);
	jw_u64(w, "erspan_time_unusable", c->erspan_time_unusable);
	jw_object_end(w);
}

static void
status_archive(struct json_writer *w, const struct rcv_daemon *d)
{
	struct cap_archive_stats st;

	jw_object(w, "archive");
	jw_str(w, "dir", d->cfg->receiver.archive.dir);
	if (d->archive != NULL) {
		cap_archive_stats(d->archive, &st);
		jw_u64(w, "packets", st.packets);
		jw_u64(w, "bytes", st.bytes);
		jw_u64(w, "files_opened", st.files_opened);
		jw_u64(w, "files_closed", st.files_closed);
		jw_u64(w, "files_deleted", st.files_deleted);
		jw_u64(w, "bytes_deleted", st.bytes_deleted);
		jw_u64(w, "files_recovered", st.files_recovered);
		jw_u64(w, "lru_closes", st.lru_closes);
		jw_u64(w, "write_errors", st.write_errors);
		jw_u64(w, "ids_refused", st.ids_refused);
		jw_u64(w, "open_files", st.open_files);
	}
	jw_u64(w, "retention_runs", d->counters.retention_runs);
	jw_object_end(w);
}

static void
status_controller(struct json_writer *w, const struct rcv_daemon *d)
{
	const struct rcv_poll *p = &d->poll;

	jw_object(w, "controller");
	jw_str(w, "url", d->cfg->receiver.controller_url);
	jw_u64(w, "polls", d->counters.polls);
	jw_u64(w, "failures", d->counters.poll_failures);
	jw_u64(w, "pushes", d->counters.pushes);
	rcv_jw_time_ms(w, "last_ok", p->last_ok_ms);
	rcv_jw_time_ms(w, "last_attempt", p->last_attempt_ms);
	if (p->last_error[0] != '\0')
		jw_str(w, "last_error", p->last_error);
	else
		jw_raw(w, "last_error", "null", 4);
	jw_u64(w, "active_captures", cap_assign_count(d->assign));
	jw_u64(w, "skipped", d->counters.poll_skipped);
	jw_u64(w, "ended", d->counters.captures_ended);
	jw_object_end(w);
}

static void
api_status(struct httpd_req *req, void *ctx)
{
	struct rcv_daemon *d = ctx;
	struct httpd_stats hs;
	struct json_writer *w;
	int64_t now = rcv_now_ms();

	w = httpd_json_begin(req);
	jw_str(w, "version", FINDERSCOPE_VERSION);
	rcv_jw_time_ms(w, "started", d->started_ms);
	jw_u64(w, "uptime_s", now > d->started_ms ?
	    (uint64_t)(now - d->started_ms) / 1000 : 0);
	jw_object(w, "config");
	jw_str(w, "path", d->config_path);
	rcv_jw_time_ms(w, "loaded", d->loaded_ms);
	jw_object_end(w);
	jw_object(w, "input");
	rcv_input_json(w, &d->in);
	jw_object_end(w);
	status_totals(w, &d->counters);
	status_controller(w, d);
	status_archive(w, d);
	jw_object(w, "live");
	jw_u64(w, "clients", d->n_live);
	jw_u64(w, "max_clients", RCV_LIVE_MAX);
	jw_u64(w, "records", d->counters.live_records);
	jw_u64(w, "refused", d->counters.live_refused);
	memset(&hs, 0, sizeof(hs));
	if (d->api != NULL)
		httpd_stats(d->api, &hs);
	jw_u64(w, "cut", hs.streams_cut);
	jw_object_end(w);
	httpd_json_send(req, 200);
}

/* ---- GET /api/v1/captures --------------------------------------------- */

static void
archive_members(struct json_writer *w, struct rcv_daemon *d, const char *id)
{
	struct cap_archive_info ai;

	if (cap_archive_info(d->archive, id, &ai) == -1) {
		jw_u64(w, "packets", 0);
		jw_u64(w, "bytes", 0);
		jw_u64(w, "files", 0);
		jw_raw(w, "first", "null", 4);
		jw_raw(w, "last", "null", 4);
		jw_bool(w, "open", 0);
		return;
	}
	jw_u64(w, "packets", ai.packets);
	jw_u64(w, "bytes", ai.bytes);
	jw_u64(w, "files", ai.files);
	jw_u64(w, "files_deleted", ai.files_deleted);
	rcv_jw_time_ms(w, "first", ai.first_ns / 1000000);
	rcv_jw_time_ms(w, "last", ai.last_ns / 1000000);
	if (ai.packets > 0) {
		jw_u64(w, "first_ns", (uint64_t)ai.first_ns);
		jw_u64(w, "last_ns", (uint64_t)ai.last_ns);
	}
	jw_bool(w, "open", ai.open);
	if (ai.day[0] != '\0')
		jw_str(w, "folder", ai.day);
}

static void
entry_json(struct json_writer *w, struct rcv_daemon *d,
    const struct cap_assign_entry *e, const char *state, int64_t ended_ms)
{
	jw_object(w, NULL);
	jw_str(w, "id", e->id);
	jw_str(w, "state", state);
	jw_addr(w, "local", &e->local);
	jw_addr(w, "remote", &e->remote);
	jw_addr(w, "switch_source", &e->source);
	if (ended_ms > 0)
		rcv_jw_time_ms(w, "ended", ended_ms);
	archive_members(w, d, e->id);
	jw_object_end(w);
}

static void
captures_get(struct httpd_req *req, struct rcv_daemon *d)
{
	struct json_writer *w;
	const struct rcv_ended *x;
	uint32_t i, k;

	w = httpd_json_begin(req);
	jw_array(w, "captures");
	for (i = 0; i < cap_assign_count(d->assign); i++)
		entry_json(w, d, cap_assign_at(d->assign, i), "active", 0);
	/* Ended ones, newest first; one that came back is shown active. */
	for (i = 0; i < d->n_ended; i++) {
		k = (d->ended_head + RCV_KEEP_ENDED - 1 - i) % RCV_KEEP_ENDED;
		x = &d->ended[k];
		if (cap_assign_find(d->assign, x->e.id) == NULL)
			entry_json(w, d, &x->e, "ended", x->ended_ms);
	}
	for (i = 0; i < d->n_unassigned; i++) {
		jw_object(w, NULL);
		jw_str(w, "id", d->unassigned[i].id);
		jw_str(w, "state", "unassigned");
		jw_addr(w, "switch_source", &d->unassigned[i].src);
		archive_members(w, d, d->unassigned[i].id);
		jw_object_end(w);
	}
	if (d->counters.unassigned_other > 0) {
		jw_object(w, NULL);
		jw_str(w, "id", RCV_UNASSIGNED_OTHER);
		jw_str(w, "state", "unassigned");
		archive_members(w, d, RCV_UNASSIGNED_OTHER);
		jw_object_end(w);
	}
	jw_array_end(w);
	httpd_json_send(req, 200);
}

/* PUT: a controller pushes its list (the same JSON as its GET). */
static void
captures_put(struct httpd_req *req, struct rcv_daemon *d)
{
	struct cap_assign_parse_stats st;
	struct json_writer *w;
	const char *body;
	size_t len;
	char err[384];

	body = httpd_req_body(req, &len);
	if (body == NULL || len == 0) {
		httpd_reply_error(req, 400, "expected a capture list as JSON");
		return;
	}
	if (rcv_captures_update(d, body, len, &st, err, sizeof(err)) == -1) {
		httpd_reply_error(req, 400, "%s", err);
		return;
	}
	d->counters.pushes++;
	w = httpd_json_begin(req);
	jw_u64(w, "captures", st.captures);
	jw_u64(w, "taken", st.taken);
	jw_u64(w, "inactive", st.inactive);
	jw_u64(w, "invalid", st.invalid);
	jw_u64(w, "refused", st.refused);
	httpd_json_send(req, 200);
}

static void
api_captures(struct httpd_req *req, void *ctx)
{
	if (httpd_req_method(req) == HTTPD_PUT)
		captures_put(req, ctx);
	else
		captures_get(req, ctx);
}

/* ---- GET /metrics ----------------------------------------------------- */

static void
api_metrics(struct httpd_req *req, void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	if ((out = open_memstream(&buf, &len)) == NULL) {
		httpd_reply_error(req, 500, "out of memory");
		return;
	}
	rcv_metrics_write(ctx, out);
	if (ferror(out) || fclose(out) != 0) {
		free(buf);
		httpd_reply_error(req, 500, "out of memory");
		return;
	}
	httpd_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", buf,
	    len);
	free(buf);
}

/* ---- events: key hits and sessions (rcv_inspect.c) ------------------- */

static void
api_events(struct httpd_req *req, void *ctx)
{
	struct rcv_daemon *d = ctx;

	ctl_events_http_poll(req, d->events, d->base);
}

static void
api_events_stream(struct httpd_req *req, void *ctx)
{
	struct rcv_daemon *d = ctx;

	ctl_events_http_stream(req, d->events, d->base);
}

/* ---- the server ------------------------------------------------------- */

struct api_route {
	unsigned	 methods;
	const char	*path;
	void		(*fn)(struct httpd_req *, void *);
};

static const struct api_route api_routes[] = {
	{ HTTPD_GET | HTTPD_PUBLIC, "/healthz", httpd_healthz },
	{ HTTPD_GET, "/metrics", api_metrics },
	{ HTTPD_GET, "/api/v1/status", api_status },
	{ HTTPD_GET | HTTPD_PUT, "/api/v1/captures", api_captures },
	{ HTTPD_GET, "/api/v1/events/stream", api_events_stream },
	{ HTTPD_GET, "/api/v1/events", api_events },
	{ HTTPD_GET, "/live.pcap", rcv_live_get },
};

int
rcv_api_start(struct rcv_daemon *d, const struct ctl_config *cfg,
    struct httpd **out, char *err, size_t errlen)
{
	const struct ctl_receiver_config *rc = &cfg->receiver;
	struct httpd_options opt;
	struct httpd *h;
	char token[TOKEN_MAX], why[256];
	size_t i;

	*out = NULL;
	memset(&opt, 0, sizeof(opt));
	opt.addr = rc->api_listen.addr;
	opt.port = rc->api_listen.port;
	opt.max_body = API_MAX_BODY;
	opt.stream_buffer = RCV_LIVE_BUFFER;
	opt.server_name = "finderscope/" FINDERSCOPE_VERSION;
	if (rc->api_token_file != NULL) {
		if (httpd_read_token_file(rc->api_token_file, token,
		    sizeof(token), why, sizeof(why)) == -1) {
			snprintf(err, errlen, "api_token_file: %s", why);
			return -1;
		}
		opt.token = token;
	}
	h = httpd_new(d->base, &opt, why, sizeof(why));
	explicit_bzero(token, sizeof(token));
	if (h == NULL) {
		snprintf(err, errlen, "api_listen: %s", why);
		return -1;
	}
	for (i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++)
		if (httpd_route(h, api_routes[i].methods, api_routes[i].path,
		    api_routes[i].fn, d) == -1)
			fatalx("%s: route table full at %s", __func__,
			    api_routes[i].path);
	*out = h;
	return 0;
}

void
rcv_api_stop(struct rcv_daemon *d)
{
	/* Live clients hear of it through their close callbacks. */
	httpd_free(d->api);
	d->api = NULL;
}
