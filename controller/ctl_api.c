/*
 * ctl_api.c - the controller's REST API: the HTTP server on api_listen,
 * its route table, and the helpers the handlers share (times, query
 * parameters).  The handlers live in ctl_api_views.c (read-only views),
 * ctl_api_captures.c (captures), ctl_events_http.c (long poll and
 * Server-Sent Events), ctl_api_report.c (receivers' reports) and
 * ctl_metrics.c (GET /metrics); docs/api.md says what each answers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl_api.h"
#include "ctl_daemon.h"
#include "ctl_events_http.h"
#include "httpd.h"
#include "log.h"
#include "version.h"

#define TOKEN_MAX	257	/* 256 characters and the NUL */

struct api_route {
	unsigned	 methods;
	const char	*path;
	void		(*fn)(struct httpd_req *, void *);
};

/* More specific paths first: the first match wins. */
static const struct api_route api_routes[] = {
	{ HTTPD_GET | HTTPD_PUBLIC, "/healthz", httpd_healthz },
	{ HTTPD_GET, "/metrics", ctl_api_metrics },
	{ HTTPD_GET, "/api/v1/status", ctl_api_status },
	{ HTTPD_GET, "/api/v1/agents", ctl_api_agents },
	{ HTTPD_GET, "/api/v1/flows", ctl_api_flows },
	{ HTTPD_GET, "/api/v1/blacklists", ctl_api_blacklists },
	{ HTTPD_GET, "/api/v1/lookup", ctl_api_lookup },
	{ HTTPD_GET | HTTPD_POST, "/api/v1/captures", ctl_api_captures },
	{ HTTPD_POST, "/api/v1/captures/*/approve", ctl_api_capture_approve },
	{ HTTPD_GET | HTTPD_DELETE, "/api/v1/captures/*", ctl_api_capture },
	{ HTTPD_GET, "/api/v1/events/stream", ctl_api_events_stream },
	{ HTTPD_GET | HTTPD_POST, "/api/v1/events", ctl_api_events },
};

void
ctl_api_events(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;

	if (httpd_req_method(req) == HTTPD_POST)
		ctl_api_report(req, d);
	else
		ctl_events_http_poll(req, d->events, d->base);
}

void
ctl_api_events_stream(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;

	ctl_events_http_stream(req, d->events, d->base);
}

int
ctl_api_start(struct ctl_daemon *d, char *err, size_t errlen)
{
	const struct ctl_controller_config *cc = &d->cfg->controller;
	struct httpd_options opt;
	char token[TOKEN_MAX], why[256];
	size_t i;

	memset(&opt, 0, sizeof(opt));
	opt.addr = cc->api_listen.addr;
	opt.port = cc->api_listen.port;
	opt.max_body = cc->api_max_body;
	opt.server_name = "finderscope/" FINDERSCOPE_VERSION;
	if (cc->api_token_file != NULL) {
		if (httpd_read_token_file(cc->api_token_file, token,
		    sizeof(token), why, sizeof(why)) == -1) {
			snprintf(err, errlen, "api_token_file: %s", why);
			return -1;
		}
		opt.token = token;
	}
	d->api = httpd_new(d->base, &opt, why, sizeof(why));
	/* httpd_new keeps its own copy: leave no secret on the stack. */
	explicit_bzero(token, sizeof(token));
	if (d->api == NULL) {
		snprintf(err, errlen, "api_listen: %s", why);
		return -1;
	}
	for (i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		if (httpd_route(d->api, api_routes[i].methods,
		    api_routes[i].path, api_routes[i].fn, d) == -1)
			fatalx("%s: route table full at %s", __func__,
			    api_routes[i].path);
	}
	return 0;
}

/*
 * After a reload on the same address: the running server takes the new
 * token (read again, so a rotated secret takes effect) and body cap.  A
 * token file that cannot be read keeps the old token.
 */
int
ctl_api_update(struct ctl_daemon *d, char *err, size_t errlen)
{
	const struct ctl_controller_config *cc = &d->cfg->controller;
	char token[TOKEN_MAX], why[256];
	int rc = 0;

	httpd_set_max_body(d->api, cc->api_max_body);
	if (cc->api_token_file == NULL) {
		httpd_set_token(d->api, NULL);
		return 0;
	}
	if (httpd_read_token_file(cc->api_token_file, token, sizeof(token),
	    why, sizeof(why)) == -1) {
		snprintf(err, errlen, "api_token_file: %s", why);
		return -1;
	}
	if (httpd_set_token(d->api, token) == -1) {
		snprintf(err, errlen, "api_token_file: out of memory");
		rc = -1;
	}
	explicit_bzero(token, sizeof(token));
	return rc;
}

void
ctl_api_stop(struct ctl_daemon *d)
{
	/*
	 * Held long polls and event streams hear of it through their close
	 * callbacks, which drop their subscriptions and timers: so this must
	 * run while d->events is still there.
	 */
	httpd_free(d->api);
	d->api = NULL;
}

/* ---- helpers ---------------------------------------------------------- */

void
ctl_api_null(struct json_writer *w, const char *key)
{
	jw_raw(w, key, "null", 4);
}

void
ctl_api_time(struct json_writer *w, const char *key, int64_t ms)
{
	if (ms <= 0)
		ctl_api_null(w, key);
	else
		ctl_jw_time(w, key, ms);
}

int
ctl_api_query_uint(struct httpd_req *req, const char *name, uint64_t def,
    uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s;
	char why[128];

	if ((s = httpd_req_query(req, name)) == NULL) {
		*out = def;
		return 0;
	}
	if (ctl_parse_uint(s, max, out, why, sizeof(why)) == -1 ||
	    *out < min) {
		httpd_reply_error(req, 400, "%s: expected a whole number from "
		    "%" PRIu64 " to %" PRIu64, name, min, max);
		return -1;
	}
	return 0;
}
