/*
 * rcv_poll.c - which captures are active: the receiver asks the
 * controller (GET /api/v1/captures under receiver.controller_url, with
 * the controller's bearer token when controller_token_file is set) every
 * poll_interval, with libevent's non-blocking HTTP client, and files
 * packets by the answer.
 *
 * Each answer builds a new capture table aside (cap_assign_parse) and
 * swaps it in whole; an answer that does not parse, or no answer, keeps
 * the running table, so a controller restart does not scatter a capture
 * into the unassigned archive.  A capture that leaves the list of active
 * ones (done, failed, forgotten) has its archive file closed and its
 * index written at once.
 *
 * One request at a time, each on a fresh connection ("Connection:
 * close"): at one request per few seconds that costs nothing and avoids
 * the race of a keep-alive connection the server closes just as the next
 * request goes out.  The answer is capped (RCV_POLL_MAX_BODY) and the
 * request times out after RCV_POLL_TIMEOUT_S.  Host names are resolved
 * with evdns, never by a blocking call.
 */
#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "log.h"
#include "rcv_daemon.h"
#include "version.h"

#define API_PATH	"/api/v1/captures"
#define EVENTS_PATH	"/api/v1/events"	/* reports (rcv_report.c) */
#define TOKEN_MAX	257

/* The outer source address of a switch's mirrored packets (cap_assign). */
static int
switch_source(void *ctx, const char *name, struct netaddr *source)
{
	const struct ctl_config *cfg = ctx;
	size_t i;

	for (i = 0; i < cfg->n_switches; i++)
		if (strcmp(cfg->switches[i].name, name) == 0 &&
		    cfg->switches[i].erspan_source.family != NETADDR_NONE) {
			*source = cfg->switches[i].erspan_source;
			return 0;
		}
	return -1;
}

static void
remember_ended(struct rcv_daemon *d, const struct cap_assign_entry *e,
    int64_t now)
{
	struct rcv_ended *slot = &d->ended[d->ended_head];

	slot->e = *e;
	slot->ended_ms = now;
	d->ended_head = (d->ended_head + 1) % RCV_KEEP_ENDED;
	if (d->n_ended < RCV_KEEP_ENDED)
		d->n_ended++;
}

int
rcv_captures_update(struct rcv_daemon *d, const char *json, size_t len,
    struct cap_assign_parse_stats *st, char *err, size_t errlen)
{
	struct cap_assign *next, *old = d->assign;
	const struct cap_assign_entry *e;
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	int64_t now = rcv_now_ms();
	uint32_t i;

	if ((next = cap_assign_new(RCV_MAX_CAPTURES)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cap_assign_parse(next, json, len, switch_source, d->cfg, st, err,
	    errlen) == -1) {
		cap_assign_free(next);
		return -1;
	}
	d->counters.poll_skipped += st->invalid + st->refused;
	for (i = 0; i < cap_assign_count(old); i++) {
		e = cap_assign_at(old, i);
		if (cap_assign_find(next, e->id) != NULL)
			continue;
		if (cap_archive_close(d->archive, e->id) == -1)
			log_warnx("capture %s: closing its archive failed",
			    e->id);
		remember_ended(d, e, now);
		d->counters.captures_ended++;
		log_info("capture %s ended: archive closed", e->id);
	}
	for (i = 0; i < cap_assign_count(next); i++) {
		e = cap_assign_at(next, i);
		if (cap_assign_find(old, e->id) == NULL)
			log_info("capture %s: filing %s <-> %s", e->id,
			    netaddr_format(&e->local, a, sizeof(a)),
			    netaddr_format(&e->remote, b, sizeof(b)));
	}
	d->assign = next;
	cap_assign_free(old);
	return 0;
}

/* ---- the client --------------------------------------------------------- */

static void schedule(struct rcv_poll *, uint32_t seconds);

static void
poll_failed(struct rcv_daemon *d, const char *why)
{
	struct rcv_poll *p = &d->poll;
	size_t n = strlen(why);

	d->counters.poll_failures++;
	if (n >= sizeof(p->last_error))
		n = sizeof(p->last_error) - 1;	/* the log has it whole */
	memcpy(p->last_error, why, n);
	p->last_error[n] = '\0';
	if (!p->failing)
		log_warnx("controller poll: %s (the running capture table "
		    "stays; logged once until a poll succeeds)", why);
	p->failing = 1;
}

static const char *
error_name(enum evhttp_request_error e)
{
	switch (e) {
	case EVREQ_HTTP_TIMEOUT:
		return "timed out";
	case EVREQ_HTTP_EOF:
		return "connection closed";
	case EVREQ_HTTP_INVALID_HEADER:
		return "invalid reply header";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "connection failed";
	case EVREQ_HTTP_REQUEST_CANCEL:
		return "cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "reply too large";
	}
	return "failed";
}

static void
on_error(enum evhttp_request_error e, void *arg)
{
	struct rcv_daemon *d = arg;

	snprintf(d->poll.req_error, sizeof(d->poll.req_error), "%s",
	    error_name(e));
}

static void
on_reply(struct evhttp_request *req, void *arg)
{
	struct rcv_daemon *d = arg;
	struct rcv_poll *p = &d->poll;
	struct cap_assign_parse_stats st;
	struct evbuffer *body;
	char why[768], err[384];
	size_t len;
	int code;

	p->req = NULL;
	code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (code == 0) {
		snprintf(why, sizeof(why), "no answer from %s (%s)", p->host,
		    p->req_error[0] != '\0' ? p->req_error :
		    "cannot connect");
		poll_failed(d, why);
	} else if (code != 200) {
		snprintf(why, sizeof(why), "%s answered %d %s", p->host, code,
		    code == 401 ? "(check controller_token_file)" : "");
		poll_failed(d, why);
	} else {
		body = evhttp_request_get_input_buffer(req);
		len = evbuffer_get_length(body);
		if (len == 0) {
			snprintf(why, sizeof(why), "%s: an empty answer",
			    p->host);
			poll_failed(d, why);
		} else if (rcv_captures_update(d, (const char *)
		    evbuffer_pullup(body, -1), len, &st, err, sizeof(err)) ==
		    -1) {
			snprintf(why, sizeof(why), "%s: %s", p->host, err);
			poll_failed(d, why);
		} else {
			if (p->failing)
				log_info("controller poll: working again");
			p->failing = 0;
			p->last_error[0] = '\0';
			p->last_ok_ms = rcv_now_ms();
			p->last = st;
		}
	}
	/* --read begins once the first answer (or failure) is in. */
	rcv_input_file_start(d);
	if (!d->stopping)
		schedule(p, p->interval_s);
}

static void
poll_now(struct rcv_daemon *d)
{
	struct rcv_poll *p = &d->poll;
	struct evhttp_request *req;
	struct evkeyvalq *h;

	if (p->req != NULL || d->stopping)
		return;
	d->counters.polls++;
	p->last_attempt_ms = rcv_now_ms();
	p->req_error[0] = '\0';
	if ((req = evhttp_request_new(on_reply, d)) == NULL) {
		poll_failed(d, "out of memory");
		schedule(p, p->interval_s);
		return;
	}
	evhttp_request_set_error_cb(req, on_error);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", p->host);
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "Connection", "close");
	evhttp_add_header(h, "User-Agent", "finderscope-receiver/"
	    FINDERSCOPE_VERSION);
	if (p->auth != NULL)
		evhttp_add_header(h, "Authorization", p->auth);
	if (evhttp_make_request(p->conn, req, EVHTTP_REQ_GET, p->path) ==
	    -1) {
		/* The request is freed by the failure. */
		poll_failed(d, "cannot send the request");
		rcv_input_file_start(d);
		schedule(p, p->interval_s);
		return;
	}
	p->req = req;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	poll_now(arg);
}

static void
schedule(struct rcv_poll *p, uint32_t seconds)
{
	struct timeval tv = { seconds, 0 };

	if (p->timer != NULL)
		evtimer_add(p->timer, &tv);
}

/* ---- start, stop -------------------------------------------------------- */

/* The token line as an Authorization value. */
static int
read_auth(const char *path, char **auth, char *err, size_t errlen)
{
	char token[TOKEN_MAX], why[256];
	size_t n;

	*auth = NULL;
	if (path == NULL)
		return 0;
	if (httpd_read_token_file(path, token, sizeof(token), why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "controller_token_file: %s", why);
		return -1;
	}
	n = strlen(token) + sizeof("Bearer ");
	if ((*auth = malloc(n)) == NULL) {
		explicit_bzero(token, sizeof(token));
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(*auth, n, "Bearer %s", token);
	explicit_bzero(token, sizeof(token));
	return 0;
}

/* host, port and path of controller_url (http:// only). */
static int
parse_url(const char *url, struct rcv_poll *p, char *addr, size_t addrlen,
    int *port, char *err, size_t errlen)
{
	struct evhttp_uri *u;
	const char *scheme, *host, *path;
	size_t n, hl;
	int rc = -1;

	if ((u = evhttp_uri_parse_with_flags(url, 0)) == NULL) {
		snprintf(err, errlen, "controller_url '%s' is not a URL", url);
		return -1;
	}
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	path = evhttp_uri_get_path(u);
	if (scheme == NULL || strcmp(scheme, "http") != 0) {
		snprintf(err, errlen, "controller_url '%s': the receiver "
		    "speaks plain http:// only (put the controller's API on a "
		    "loopback or management address)", url);
		goto out;
	}
	if (host == NULL || *host == '\0' || (hl = strlen(host)) >=
	    addrlen) {
		snprintf(err, errlen, "controller_url '%s': no host", url);
		goto out;
	}
	*port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
	/* "[::1]" for the Host: header, "::1" to connect to. */
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']')
		snprintf(addr, addrlen, "%.*s", (int)(hl - 2), host + 1);
	else
		snprintf(addr, addrlen, "%s", host);
	snprintf(p->host, sizeof(p->host), "%s:%d", host, *port);
	if (path == NULL)
		path = "";
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if ((p->path = malloc(n + sizeof(API_PATH))) == NULL ||
	    (p->events_path = malloc(n + sizeof(EVENTS_PATH))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(p->path, path, n);
	memcpy(p->path + n, API_PATH, sizeof(API_PATH));
	memcpy(p->events_path, path, n);
	memcpy(p->events_path + n, EVENTS_PATH, sizeof(EVENTS_PATH));
	rc = 0;
out:
	evhttp_uri_free(u);
	return rc;
}

static int
is_literal(const char *host)
{
	struct netaddr a;

	return netaddr_parse(host, &a) == 0;
}

int
rcv_poll_open(struct rcv_daemon *d, const struct ctl_config *cfg,
    struct rcv_poll *p, char *err, size_t errlen)
{
	const struct ctl_receiver_config *rc = &cfg->receiver;
	char addr[256];
	int port;

	memset(p, 0, sizeof(*p));
	p->interval_s = rc->poll_interval_s;
	if (parse_url(rc->controller_url, p, addr, sizeof(addr), &port, err,
	    errlen) == -1 ||
	    read_auth(rc->controller_token_file, &p->auth, err, errlen) == -1)
		goto fail;
	if (!is_literal(addr) && (p->dns = evdns_base_new(d->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL) {
		snprintf(err, errlen, "controller_url: cannot set up the "
		    "resolver");
		goto fail;
	}
	p->conn = evhttp_connection_base_new(d->base, p->dns, addr,
	    (uint16_t)port);
	/* The callbacks find the poll as d->poll: the caller puts it there. */
	p->timer = evtimer_new(d->base, on_timer, d);
	if (p->conn == NULL || p->timer == NULL) {
		snprintf(err, errlen, "controller_url: out of memory");
		goto fail;
	}
	evhttp_connection_set_timeout(p->conn, RCV_POLL_TIMEOUT_S);
	evhttp_connection_set_max_body_size(p->conn, RCV_POLL_MAX_BODY);
	evhttp_connection_set_max_headers_size(p->conn, 64 * 1024);
	schedule(p, 0);
	return 0;
fail:
	rcv_poll_close(p);
	return -1;
}

void
rcv_poll_close(struct rcv_poll *p)
{
	if (p->timer != NULL)
		event_free(p->timer);
	/* Frees a request in flight too, without calling it back. */
	if (p->conn != NULL)
		evhttp_connection_free(p->conn);
	if (p->dns != NULL)
		evdns_base_free(p->dns, 0);
	free(p->path);
	free(p->events_path);
	if (p->auth != NULL) {
		explicit_bzero(p->auth, strlen(p->auth));
		free(p->auth);
	}
	memset(p, 0, sizeof(*p));
}
