/*
 * test_httpd.c - the HTTP server (common/httpd*.c) on a real loopback
 * socket and a fresh event_base per case, talked to by a plain
 * non-blocking TCP client driven from the same loop: routing and
 * wildcards, decoding, 404/405/400/501, the bearer token, the body and
 * header caps, JSON and error replies, held requests (answered later,
 * their client gone, a request pipelined behind one), streamed replies (in
 * order, HTTP/1.0, client gone, outliving the idle timeout, a slow client
 * cut off), clients flooding an open request read only so far, freeing
 * with open requests, IPv6, bind errors.  LeakSanitizer checks the
 * freeing under FS_SANITIZE=ON.  The token file is test_httpd_token.c.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "fs_test.h"

#include "httpd.h"

#define TOKEN		"s3cret-token-0123456789abcdef"
#define SLOW_CHUNK	8192

struct fixture {
	struct event_base	*base;
	struct httpd		*h;
	struct httpd_options	 opt;
	int			 timed_out;

	struct httpd_req	*held;		/* held or streaming */
	int			 nopen;		/* requests held or streamed */
	int			 closed;	/* close callbacks */
	struct httpd_req	*closed_req;
	int			 hold_reply_ms;	/* h_hold: 0 never replies */
	struct event		*timer;
	int			 ticks;
	int			 stream_rc;	/* last httpd_stream_write() */
	size_t			 stream_written;
	char			 blob[SLOW_CHUNK];
};

struct client {
	struct fixture	*fx;
	int		 fd;
	struct event	*rev, *wev;
	struct evbuffer	*out, *in;
	int		 reading;	/* 0: a client that never reads */
	int		 eof;		/* the server closed (or reset) */
};

struct response {
	int	 status;
	char	 head[8192];
	char	*body;
	size_t	 body_len;
};

/* ---- the loop ------------------------------------------------------------ */

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *fx = arg;

	(void)fd;
	(void)what;
	fx->timed_out = 1;
}

/* Run the loop until done(arg) or ms milliseconds; done(arg) then. */
static int
run_until(struct fixture *fx, int (*done)(void *), void *arg, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *t = evtimer_new(fx->base, on_deadline, fx);

	assert_non_null(t);
	fx->timed_out = 0;
	evtimer_add(t, &tv);
	while (!done(arg) && !fx->timed_out)
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(t);
	return done(arg);
}

static int
never(void *arg)
{
	(void)arg;
	return 0;
}

static int
nonzero(void *arg)
{
	return *(int *)arg != 0;
}

static void
run_for(struct fixture *fx, int ms)
{
	run_until(fx, never, NULL, ms);
}

/* ---- the client ---------------------------------------------------------- */

static void
on_client_write(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	int n;

	(void)what;
	n = evbuffer_write(c->out, fd);
	if (n == -1 && errno != EAGAIN && errno != EINTR) {
		c->eof = 1;
		event_del(c->wev);
		return;
	}
	if (evbuffer_get_length(c->out) == 0)
		event_del(c->wev);
}

static void
on_client_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	int n;

	(void)what;
	n = evbuffer_read(c->in, fd, 65536);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		c->eof = 1;
		event_del(c->rev);
	}
}

static void
client_send(struct client *c, const void *data, size_t len)
{
	assert_int_equal(evbuffer_add(c->out, data, len), 0);
	event_add(c->wev, NULL);
}

static struct client *
client_to(struct fixture *fx, const struct sockaddr *sa, socklen_t salen,
    int reading, int rcvbuf)
{
	struct client *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fx = fx;
	c->reading = reading;
	c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	if (rcvbuf > 0)
		assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, sizeof(rcvbuf)), 0);
	if (connect(c->fd, sa, salen) == -1)
		assert_int_equal(errno, EINPROGRESS);
	c->out = evbuffer_new();
	c->in = evbuffer_new();
	c->wev = event_new(fx->base, c->fd, EV_WRITE | EV_PERSIST,
	    on_client_write, c);
	c->rev = event_new(fx->base, c->fd, EV_READ | EV_PERSIST,
	    on_client_read, c);
	assert_non_null(c->out);
	assert_non_null(c->in);
	assert_non_null(c->wev);
	assert_non_null(c->rev);
	if (reading)
		event_add(c->rev, NULL);
	return c;
}

/* A client of 127.0.0.1:port sending req. */
static struct client *
client_new(struct fixture *fx, const char *req)
{
	struct sockaddr_in sin;
	struct client *c;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(httpd_port(fx->h));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = client_to(fx, (struct sockaddr *)&sin, sizeof(sin), 1, 0);
	client_send(c, req, strlen(req));
	return c;
}

static void
client_free(struct client *c)
{
	event_free(c->rev);
	event_free(c->wev);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	if (c->fd != -1)
		close(c->fd);
	free(c);
}

static void
client_close(struct client *c)
{
	event_del(c->rev);
	event_del(c->wev);
	close(c->fd);
	c->fd = -1;
}

/* ---- responses ----------------------------------------------------------- */

static int
header(const struct response *rsp, const char *name, char *out, size_t size)
{
	const char *p = strstr(rsp->head, "\r\n");
	size_t n = strlen(name);

	while (p != NULL && p[2] != '\r' && p[2] != '\0') {
		const char *line = p + 2, *end = strstr(line, "\r\n");

		if (end == NULL)
			break;
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			line += n + 1;
			line += strspn(line, " ");
			snprintf(out, size, "%.*s", (int)(end - line), line);
			return 1;
		}
		p = end;
	}
	return 0;
}

static void
response_free(struct response *rsp)
{
	free(rsp->body);
	rsp->body = NULL;
}

/*
 * One response at data[0..len): 1 with *used set, 0 while incomplete, -1
 * malformed.  eof: the connection has ended (a body without a length or
 * chunks ends there).
 */
static int
parse_response(const char *data, size_t len, int eof, struct response *rsp,
    size_t *used)
{
	const char *end = memmem(data, len, "\r\n\r\n", 4), *p, *lim;
	char v[64];
	size_t hlen, blen;

	memset(rsp, 0, sizeof(*rsp));
	if (end == NULL)
		return eof ? -1 : 0;
	hlen = (size_t)(end - data) + 4;
	if (hlen >= sizeof(rsp->head) || len < 12 ||
	    memcmp(data, "HTTP/1.", 7) != 0)
		return -1;
	memcpy(rsp->head, data, hlen);
	rsp->head[hlen] = '\0';
	rsp->status = atoi(data + 9);
	p = data + hlen;
	lim = data + len;
	if (header(rsp, "Transfer-Encoding", v, sizeof(v)) &&
	    strcasecmp(v, "chunked") == 0) {
		rsp->body = malloc(len + 1);
		assert_non_null(rsp->body);
		for (;;) {
			const char *nl = memmem(p, (size_t)(lim - p),
			    "\r\n", 2);
			unsigned long n;

			if (nl == NULL)
				goto more;
			n = strtoul(p, NULL, 16);
			p = nl + 2;
			if ((size_t)(lim - p) < n + 2)
				goto more;
			memcpy(rsp->body + rsp->body_len, p, n);
			rsp->body_len += n;
			p += n + 2;
			if (n == 0)
				break;
		}
		rsp->body[rsp->body_len] = '\0';
		*used = (size_t)(p - data);
		return 1;
	}
	if (header(rsp, "Content-Length", v, sizeof(v))) {
		blen = strtoul(v, NULL, 10);
		if ((size_t)(lim - p) < blen)
			return 0;
	} else if (!eof)
		return 0;
	else
		blen = (size_t)(lim - p);
	rsp->body = malloc(blen + 1);
	assert_non_null(rsp->body);
	memcpy(rsp->body, p, blen);
	rsp->body[blen] = '\0';
	rsp->body_len = blen;
	*used = hlen + blen;
	return 1;
more:
	response_free(rsp);
	return eof ? -1 : 0;
}

/* The n-th response the client has (0-based): 1, 0 incomplete, -1. */
static int
client_response(struct client *c, unsigned n, struct response *rsp)
{
	size_t len = evbuffer_get_length(c->in), off = 0, used;
	const char *data = len > 0 ? (const char *)evbuffer_pullup(c->in, -1) :
	    "";
	int rc;

	for (;;) {
		rc = parse_response(data + off, len - off, c->eof, rsp, &used);
		if (rc != 1 || n == 0)
			return rc;
		response_free(rsp);
		off += used;
		n--;
	}
}

struct wait_rsp {
	struct client	*c;
	unsigned	 n;
};

static int
has_response(void *arg)
{
	struct wait_rsp *w = arg;
	struct response rsp;
	int rc = client_response(w->c, w->n, &rsp);

	response_free(&rsp);
	return rc != 0 || w->c->eof;
}

/* Wait for the n-th response of c and parse it (fails the test if none). */
static void
wait_response(struct fixture *fx, struct client *c, unsigned n,
    struct response *rsp)
{
	struct wait_rsp w = { c, n };

	assert_true(run_until(fx, has_response, &w, 5000));
	assert_int_equal(client_response(c, n, rsp), 1);
}

/* Send req on a new connection and wait for the response. */
static void
fetch(struct fixture *fx, const char *req, struct response *rsp)
{
	struct client *c = client_new(fx, req);

	wait_response(fx, c, 0, rsp);
	client_free(c);
}

static void
get(struct fixture *fx, const char *path, struct response *rsp)
{
	char req[2048];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", path);
	fetch(fx, req, rsp);
}

static void
assert_header(const struct response *rsp, const char *name,
    const char *want)
{
	char v[256];

	if (!header(rsp, name, v, sizeof(v)))
		fail_msg("no %s header in:\n%s", name, rsp->head);
	assert_string_equal(v, want);
}

/* The response is {"error": want} with status, as JSON. */
static void
assert_error(const struct response *rsp, int status, const char *want)
{
	json_error_t jerr;
	json_t *j;

	assert_int_equal(rsp->status, status);
	assert_header(rsp, "Content-Type", "application/json");
	j = json_loads(rsp->body, 0, &jerr);
	if (j == NULL)
		fail_msg("not JSON (%s): %s", jerr.text, rsp->body);
	assert_true(json_is_string(json_object_get(j, "error")));
	if (want != NULL)
		assert_string_equal(json_string_value(json_object_get(j,
		    "error")), want);
	json_decref(j);
}

/* A string member of the JSON body. */
static void
assert_member(const struct response *rsp, const char *key, const char *want)
{
	json_error_t jerr;
	json_t *j = json_loads(rsp->body, 0, &jerr), *v;

	if (j == NULL)
		fail_msg("not JSON (%s): %s", jerr.text, rsp->body);
	v = json_object_get(j, key);
	if (want == NULL)
		assert_null(v);
	else {
		assert_true(json_is_string(v));
		assert_string_equal(json_string_value(v), want);
	}
	json_decref(j);
}

/* ---- handlers ------------------------------------------------------------ */

static void
h_echo(struct httpd_req *r, void *ctx)
{
	struct json_writer *w = httpd_json_begin(r);
	const char *method = "?";
	size_t len;

	(void)ctx;
	switch (httpd_req_method(r)) {
	case HTTPD_GET: method = "GET"; break;
	case HTTPD_POST: method = "POST"; break;
	case HTTPD_PUT: method = "PUT"; break;
	case HTTPD_DELETE: method = "DELETE"; break;
	}
	jw_str(w, "method", method);
	jw_str(w, "path", httpd_req_path(r));
	if (httpd_req_wildcard(r, 0) != NULL)
		jw_str(w, "w0", httpd_req_wildcard(r, 0));
	if (httpd_req_wildcard(r, 1) != NULL)
		jw_str(w, "w1", httpd_req_wildcard(r, 1));
	assert_null(httpd_req_wildcard(r, 2));
	httpd_req_body(r, &len);
	jw_u64(w, "body_len", len);
	httpd_json_send(r, 200);
}

static void
h_query(struct httpd_req *r, void *ctx)
{
	char buf[512];
	const char *name = httpd_req_query(r, "name");
	const char *utf = httpd_req_query(r, "utf");
	const char *missing = httpd_req_query(r, "missing");
	int n;

	(void)ctx;
	n = snprintf(buf, sizeof(buf), "name=%s\nutf=%s\nmissing=%s\n",
	    name ? name : "(null)", utf ? utf : "(null)",
	    missing ? missing : "(null)");
	httpd_reply(r, 200, "text/plain; charset=utf-8", buf, (size_t)n);
}

static void
h_body(struct httpd_req *r, void *ctx)
{
	size_t len;
	const char *body = httpd_req_body(r, &len);

	(void)ctx;
	assert_int_equal(body[len], '\0');	/* NUL-terminated */
	httpd_reply(r, 201, "application/octet-stream", body, len);
}

static void
h_big(struct httpd_req *r, void *ctx)
{
	struct json_writer *w = httpd_json_begin(r);

	(void)ctx;
	jw_u64(w, "max", UINT64_MAX);
	jw_u64(w, "i63", INT64_MAX);
	jw_object(w, "nested");
	jw_bool(w, "ok", 1);
	jw_array(w, "list");
	jw_u64(w, NULL, 1);
	jw_str(w, NULL, "two");
	jw_array_end(w);
	jw_object_end(w);
	httpd_json_send(r, 200);
}

static void
h_error(struct httpd_req *r, void *ctx)
{
	(void)ctx;
	httpd_reply_error(r, 422, "bad \"%s\"\nline2\\ \x01", "x");
}

static void
h_none(struct httpd_req *r, void *ctx)
{
	(void)r;
	(void)ctx;
}

static void
h_twice(struct httpd_req *r, void *ctx)
{
	(void)ctx;
	httpd_reply(r, 200, "text/plain", "first\n", 6);
	httpd_reply(r, 200, "text/plain", "second\n", 7);
	httpd_reply_error(r, 500, "third");
	httpd_stream_start(r, "text/plain", NULL, NULL);
	assert_int_equal(httpd_stream_write(r, "x", 1), -1);
	httpd_stream_end(r);
}

static void
h_json_misuse(struct httpd_req *r, void *ctx)
{
	struct json_writer *w;

	(void)ctx;
	if (httpd_req_query(r, "nobegin") != NULL) {
		httpd_json_send(r, 200);	/* nothing begun: a 500 */
		return;
	}
	w = httpd_json_begin(r);		/* begun twice: starts over */
	jw_str(w, "draft", "dropped");
	jw_object(w, "open");
	w = httpd_json_begin(r);
	jw_str(w, "final", "kept");
	httpd_json_send(r, 200);
}

static void
h_peer(struct httpd_req *r, void *ctx)
{
	struct netaddr a;
	uint16_t port;
	char buf[NETADDR_STRLEN];

	(void)ctx;
	httpd_req_peer(r, &a, &port);
	assert_true(port != 0);
	netaddr_format(&a, buf, sizeof(buf));
	httpd_reply(r, 200, "text/plain", buf, strlen(buf));
}

static void
on_closed(struct httpd_req *r, void *ctx)
{
	struct fixture *fx = ctx;

	fx->closed++;
	fx->closed_req = r;
	fx->nopen--;
	if (fx->held == r)
		fx->held = NULL;
}

static void
on_hold_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *fx = arg;

	(void)fd;
	(void)what;
	if (fx->held != NULL) {
		httpd_reply(fx->held, 200, "text/plain", "late\n", 5);
		fx->held = NULL;
		fx->nopen--;
	}
}

static void
h_hold(struct httpd_req *r, void *ctx)
{
	struct fixture *fx = ctx;

	httpd_req_hold(r, on_closed, fx);
	fx->held = r;
	fx->nopen++;
	if (fx->hold_reply_ms > 0) {
		struct timeval tv = { 0, fx->hold_reply_ms * 1000 };

		fx->timer = evtimer_new(fx->base, on_hold_timer, fx);
		assert_non_null(fx->timer);
		evtimer_add(fx->timer, &tv);
	}
}

/* Chunks 0-4 now, 5-9 one per tick, then the end. */
static void
on_stream_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *fx = arg;
	char buf[32];

	(void)fd;
	(void)what;
	if (fx->held == NULL)
		return;
	snprintf(buf, sizeof(buf), "chunk%d\n", 5 + fx->ticks);
	assert_int_equal(httpd_stream_write(fx->held, buf, strlen(buf)), 0);
	if (++fx->ticks == 5) {
		httpd_stream_end(fx->held);
		fx->held = NULL;
		fx->nopen--;
		event_del(fx->timer);
	}
}

static void
h_stream(struct httpd_req *r, void *ctx)
{
	struct fixture *fx = ctx;
	struct timeval tv = { 0, 2000 };
	char buf[16];
	int i;

	httpd_stream_start(r, "text/event-stream", on_closed, fx);
	fx->held = r;
	fx->nopen++;
	for (i = 0; i < 5; i++) {
		snprintf(buf, sizeof(buf), "chunk%d\n", i);
		assert_int_equal(httpd_stream_write(r, buf, strlen(buf)), 0);
	}
	assert_int_equal(httpd_stream_write(r, "", 0), 0);
	fx->timer = event_new(fx->base, -1, EV_PERSIST, on_stream_timer, fx);
	assert_non_null(fx->timer);
	evtimer_add(fx->timer, &tv);
}

/* A stream that never ends by itself: one line, then nothing. */
static void
h_forever(struct httpd_req *r, void *ctx)
{
	struct fixture *fx = ctx;

	httpd_stream_start(r, "text/plain", on_closed, fx);
	fx->held = r;
	fx->nopen++;
	assert_int_equal(httpd_stream_write(r, "hello\n", 6), 0);
}

/* Write SLOW_CHUNK bytes every millisecond until the client is cut off. */
static void
on_slow_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *fx = arg;

	(void)fd;
	(void)what;
	if (fx->held == NULL || fx->stream_written > 512u * 1024 * 1024) {
		event_del(fx->timer);
		return;
	}
	fx->stream_rc = httpd_stream_write(fx->held, fx->blob,
	    sizeof(fx->blob));
	if (fx->stream_rc == 0)
		fx->stream_written += sizeof(fx->blob);
	else
		event_del(fx->timer);
}

static void
h_slow(struct httpd_req *r, void *ctx)
{
	struct fixture *fx = ctx;
	struct timeval tv = { 0, 1000 };

	httpd_stream_start(r, "application/octet-stream", on_closed, fx);
	fx->held = r;
	fx->nopen++;
	fx->timer = event_new(fx->base, -1, EV_PERSIST, on_slow_timer, fx);
	assert_non_null(fx->timer);
	evtimer_add(fx->timer, &tv);
}

/* ---- set-up -------------------------------------------------------------- */

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || (fx->base = event_base_new()) == NULL)
		return -1;
	assert_int_equal(netaddr_parse("127.0.0.1", &fx->opt.addr), 0);
	fx->opt.max_body = 4096;
	fx->opt.server_name = "fs-test/1";
	memset(fx->blob, 'x', sizeof(fx->blob));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	httpd_free(fx->h);
	if (fx->timer != NULL)
		event_free(fx->timer);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

static void
start(struct fixture *fx)
{
	char err[256];
	struct {
		unsigned	 methods;
		const char	*path;
		httpd_handler	*fn;
	} routes[] = {
		{ HTTPD_GET, "/", h_echo },
		{ HTTPD_GET, "/api/v1/status", h_echo },
		{ HTTPD_GET | HTTPD_DELETE, "/api/v1/captures/*", h_echo },
		{ HTTPD_POST, "/api/v1/captures/*/approve", h_echo },
		{ HTTPD_GET, "/a/*/b/*", h_echo },
		{ HTTPD_GET | HTTPD_PUBLIC, "/healthz", h_echo },
		{ HTTPD_GET, "/q", h_query },
		{ HTTPD_POST | HTTPD_PUT, "/body", h_body },
		{ HTTPD_GET, "/big", h_big },
		{ HTTPD_GET, "/err", h_error },
		{ HTTPD_GET, "/none", h_none },
		{ HTTPD_GET, "/twice", h_twice },
		{ HTTPD_GET, "/peer", h_peer },
		{ HTTPD_GET, "/json", h_json_misuse },
		{ HTTPD_GET, "/hold", h_hold },
		{ HTTPD_GET, "/stream", h_stream },
		{ HTTPD_GET, "/forever", h_forever },
		{ HTTPD_GET, "/slow", h_slow },
	};
	size_t i;

	fx->h = httpd_new(fx->base, &fx->opt, err, sizeof(err));
	if (fx->h == NULL)
		fail_msg("httpd_new: %s", err);
	assert_true(httpd_port(fx->h) != 0);
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		assert_int_equal(httpd_route(fx->h, routes[i].methods,
		    routes[i].path, routes[i].fn, fx), 0);
}

static struct httpd_stats
stats(struct fixture *fx)
{
	struct httpd_stats st;

	httpd_stats(fx->h, &st);
	return st;
}

/* ---- routing ------------------------------------------------------------- */

static void
test_route_exact(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	get(fx, "/api/v1/status", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_header(&rsp, "Content-Type", "application/json");
	assert_header(&rsp, "Server", "fs-test/1");
	assert_member(&rsp, "method", "GET");
	assert_member(&rsp, "path", "/api/v1/status");
	assert_member(&rsp, "w0", NULL);
	/* The writer's trailing newline is kept. */
	assert_int_equal(rsp.body[rsp.body_len - 1], '\n');
	response_free(&rsp);

	get(fx, "/", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_member(&rsp, "path", "/");
	response_free(&rsp);
}

static void
test_route_wildcards(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	get(fx, "/api/v1/captures/abc%20d", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_member(&rsp, "w0", "abc d");
	assert_member(&rsp, "path", "/api/v1/captures/abc d");
	response_free(&rsp);

	/* An encoded slash stays inside its segment. */
	fetch(fx, "POST /api/v1/captures/x%2Fy/approve HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_member(&rsp, "method", "POST");
	assert_member(&rsp, "w0", "x/y");
	response_free(&rsp);

	get(fx, "/a/1/b/two", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_member(&rsp, "w0", "1");
	assert_member(&rsp, "w1", "two");
	response_free(&rsp);

	/* "*" is one non-empty segment: not none, not two. */
	get(fx, "/api/v1/captures/", &rsp);
	assert_error(&rsp, 404, "no such path");
	response_free(&rsp);
	get(fx, "/api/v1/captures/x/y", &rsp);
	assert_error(&rsp, 404, "no such path");
	response_free(&rsp);
	get(fx, "/api/v1/status/", &rsp);
	assert_error(&rsp, 404, "no such path");
	response_free(&rsp);
	get(fx, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t", &rsp);
	assert_error(&rsp, 404, "no such path");
	response_free(&rsp);
}

static void
test_query_decoding(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	get(fx, "/q?name=a%2Bb+c&utf=%E2%82%ac", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_header(&rsp, "Content-Type", "text/plain; charset=utf-8");
	assert_string_equal(rsp.body,
	    "name=a+b c\nutf=\xe2\x82\xac\nmissing=(null)\n");
	response_free(&rsp);

	get(fx, "/q", &rsp);
	assert_string_equal(rsp.body,
	    "name=(null)\nutf=(null)\nmissing=(null)\n");
	response_free(&rsp);
}

static void
test_bad_encoding(void **state)
{
	static const char *const bad[] = {
		"/a%zz", "/a%4", "/a%00b", "/q?name=%4", "/q?name=%g1",
		"/q?name=a%00", "/q?novalue", "/q?&name=x",
	};
	struct fixture *fx = *state;
	struct response rsp;
	size_t i;

	start(fx);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		get(fx, bad[i], &rsp);
		if (rsp.status != 400)
			fail_msg("%s: status %d", bad[i], rsp.status);
		assert_error(&rsp, 400, "malformed request target");
		response_free(&rsp);
	}
	assert_int_equal(stats(fx).status_4xx, i);
}

static void
test_not_found(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	get(fx, "/nope", &rsp);
	assert_error(&rsp, 404, "no such path");
	assert_header(&rsp, "Server", "fs-test/1");
	response_free(&rsp);
}

static void
test_method_not_allowed(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	fetch(fx, "DELETE /api/v1/status HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", &rsp);
	assert_error(&rsp, 405, "method not allowed (allowed: GET)");
	assert_header(&rsp, "Allow", "GET");
	response_free(&rsp);

	fetch(fx, "PUT /api/v1/captures/7 HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", &rsp);
	assert_int_equal(rsp.status, 405);
	assert_header(&rsp, "Allow", "GET, DELETE");
	response_free(&rsp);

	get(fx, "/body", &rsp);
	assert_int_equal(rsp.status, 405);
	assert_header(&rsp, "Allow", "POST, PUT");
	response_free(&rsp);

	fetch(fx, "DELETE /api/v1/captures/7 HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_member(&rsp, "method", "DELETE");
	response_free(&rsp);
}

/* Methods evhttp does not hand us are answered by evhttp, and counted. */
static void
test_unknown_method(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;
	struct httpd_stats st;

	start(fx);
	fetch(fx, "PATCH /api/v1/status HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", &rsp);
	assert_int_equal(rsp.status, 501);
	response_free(&rsp);
	st = stats(fx);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.status_5xx, 1);
	assert_int_equal(st.status_2xx + st.status_4xx, 0);
}

static void
test_route_table(void **state)
{
	struct fixture *fx = *state;
	char path[64];
	int i, n;

	start(fx);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET, "x", h_echo, NULL), -1);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET, "//x", h_echo, NULL),
	    -1);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET, "/x/", h_echo, NULL),
	    -1);
	assert_int_equal(httpd_route(fx->h, HTTPD_PUBLIC, "/x", h_echo, NULL),
	    -1);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET, "/x", NULL, NULL), -1);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET, "/*/*/*/*/*", h_echo,
	    NULL), -1);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET, "/*/*/*/*", h_echo,
	    NULL), 0);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET,
	    "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", h_echo, NULL), -1);
	/* Fill the table: then -1. */
	for (i = 0, n = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/fill/%d", i);
		if (httpd_route(fx->h, HTTPD_GET, path, h_echo, NULL) == -1)
			break;
		n++;
	}
	assert_true(i < 100);
	assert_true(n > 0);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET, "/one-more", h_echo,
	    NULL), -1);
}

/* ---- the token ----------------------------------------------------------- */

static void
get_auth(struct fixture *fx, const char *path, const char *auth,
    struct response *rsp)
{
	char req[1024];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n%s%s%s"
	    "Connection: close\r\n\r\n", path, auth ? "Authorization: " : "",
	    auth ? auth : "", auth ? "\r\n" : "");
	fetch(fx, req, rsp);
}

static void
test_token(void **state)
{
	static const char *const wrong[] = {
		NULL,
		"Bearer",
		"Bearer s3cret-token-0123456789abcdeX",	/* same length */
		"Bearer s3cret-token-0123456789abcde",	/* a prefix */
		"Bearer " TOKEN "0",
		"Basic " TOKEN,
		"Bearer  " TOKEN " x",
		TOKEN,
	};
	struct fixture *fx = *state;
	struct response rsp;
	size_t i;

	fx->opt.token = TOKEN;
	start(fx);
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		get_auth(fx, "/api/v1/status", wrong[i], &rsp);
		if (rsp.status != 401)
			fail_msg("%s: status %d", wrong[i] ? wrong[i] : "none",
			    rsp.status);
		assert_error(&rsp, 401, "missing or wrong bearer token");
		assert_header(&rsp, "WWW-Authenticate", "Bearer");
		response_free(&rsp);
	}
	get_auth(fx, "/api/v1/status", "Bearer " TOKEN, &rsp);
	assert_int_equal(rsp.status, 200);
	response_free(&rsp);
	get_auth(fx, "/api/v1/status", "bearer \t" TOKEN, &rsp);
	assert_int_equal(rsp.status, 200);
	response_free(&rsp);

	/* A public route needs none; others say nothing without it. */
	get_auth(fx, "/healthz", NULL, &rsp);
	assert_int_equal(rsp.status, 200);
	response_free(&rsp);
	fetch(fx, "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", &rsp);
	assert_int_equal(rsp.status, 405);
	response_free(&rsp);
	get_auth(fx, "/nope", NULL, &rsp);
	assert_int_equal(rsp.status, 401);
	response_free(&rsp);
	get_auth(fx, "/nope", "Bearer " TOKEN, &rsp);
	assert_error(&rsp, 404, "no such path");
	response_free(&rsp);

	assert_int_equal(stats(fx).unauthorized, i + 1);
	assert_int_equal(stats(fx).status_4xx, i + 3);
}

static void
test_empty_token_refused(void **state)
{
	struct fixture *fx = *state;
	char err[256];

	fx->opt.token = "";
	assert_null(httpd_new(fx->base, &fx->opt, err, sizeof(err)));
	assert_non_null(strstr(err, "empty"));
}

/* ---- bodies and headers -------------------------------------------------- */

static void
test_body_too_large(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;
	struct httpd_stats st;
	char *req;
	size_t hl;

	fx->opt.max_body = 1024;
	start(fx);
	/* Content-Length over the cap: evhttp's own 413. */
	req = malloc(8192);
	assert_non_null(req);
	hl = (size_t)snprintf(req, 8192, "POST /body HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 4096\r\n\r\n");
	memset(req + hl, 'b', 4096);
	req[hl + 4096] = '\0';
	fetch(fx, req, &rsp);
	assert_int_equal(rsp.status, 413);
	response_free(&rsp);
	st = stats(fx);
	assert_int_equal(st.too_large, 1);
	assert_int_equal(st.status_4xx, 1);
	assert_int_equal(st.requests, 1);

	/* A chunk over the cap. */
	fetch(fx, "POST /body HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n800\r\n", &rsp);
	assert_int_equal(rsp.status, 413);
	response_free(&rsp);
	assert_int_equal(stats(fx).too_large, 2);

	/* Exactly the cap is fine. */
	hl = (size_t)snprintf(req, 8192, "POST /body HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 1024\r\nConnection: close\r\n\r\n");
	memset(req + hl, 'c', 1024);
	req[hl + 1024] = '\0';
	fetch(fx, req, &rsp);
	assert_int_equal(rsp.status, 201);
	assert_int_equal(rsp.body_len, 1024);
	response_free(&rsp);
	st = stats(fx);
	assert_int_equal(st.requests, 3);
	assert_int_equal(st.status_2xx, 1);
	assert_int_equal(st.too_large, 2);
	free(req);
}

static void
test_body_delivered(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;
	char body[3000], req[4096];
	size_t i, hl;

	start(fx);
	for (i = 0; i < sizeof(body); i++)
		body[i] = (char)(i * 7 + 3);	/* every byte value, NULs */
	hl = (size_t)snprintf(req, sizeof(req), "PUT /body HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	    sizeof(body));
	memcpy(req + hl, body, sizeof(body));
	{
		struct client *c = client_new(fx, "");

		client_send(c, req, hl + sizeof(body));
		wait_response(fx, c, 0, &rsp);
		client_free(c);
	}
	assert_int_equal(rsp.status, 201);
	assert_header(&rsp, "Content-Type", "application/octet-stream");
	assert_int_equal(rsp.body_len, sizeof(body));
	assert_memory_equal(rsp.body, body, sizeof(body));
	response_free(&rsp);
}

static void
test_headers_too_large(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;
	char req[4096], pad[2048];

	fx->opt.max_headers = 1024;
	start(fx);
	memset(pad, 'h', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(req, sizeof(req), "GET /api/v1/status HTTP/1.1\r\nHost: t\r\n"
	    "X-Pad: %s\r\nConnection: close\r\n\r\n", pad);
	fetch(fx, req, &rsp);
	assert_int_equal(rsp.status, 400);
	response_free(&rsp);
	assert_int_equal(stats(fx).status_4xx, 1);
	assert_int_equal(stats(fx).requests, 1);
}

/* ---- replies ------------------------------------------------------------- */

static void
test_json_u64(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;
	json_error_t jerr;
	json_t *j;

	start(fx);
	get(fx, "/big", &rsp);
	assert_int_equal(rsp.status, 200);
	/* Exactly, digit for digit: no signed or floating conversion. */
	assert_string_equal(rsp.body, "{\"max\":18446744073709551615,"
	    "\"i63\":9223372036854775807,\"nested\":{\"ok\":true,"
	    "\"list\":[1,\"two\"]}}\n");
	/* jansson cannot hold it as an integer, but it is valid JSON. */
	j = json_loads(rsp.body, JSON_DECODE_INT_AS_REAL, &jerr);
	if (j == NULL)
		fail_msg("not JSON (%s): %s", jerr.text, rsp.body);
	assert_true(json_real_value(json_object_get(j, "max")) ==
	    18446744073709551615.0);
	json_decref(j);
	j = json_loads(rsp.body, 0, &jerr);
	assert_null(j);			/* too big for json_int_t */
	response_free(&rsp);
}

static void
test_error_escaping(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	get(fx, "/err", &rsp);
	assert_error(&rsp, 422, "bad \"x\"\nline2\\ \x01");
	response_free(&rsp);
}

static void
test_handler_no_reply(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	get(fx, "/none", &rsp);
	assert_error(&rsp, 500, "the handler sent no reply");
	response_free(&rsp);
	assert_int_equal(stats(fx).status_5xx, 1);
}

static void
test_reply_twice(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;
	struct httpd_stats st;

	start(fx);
	get(fx, "/twice", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_string_equal(rsp.body, "first\n");
	response_free(&rsp);
	st = stats(fx);
	assert_int_equal(st.status_2xx, 1);
	assert_int_equal(st.status_5xx, 0);
	assert_int_equal(st.streams, 0);
}

static void
test_json_misuse(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	get(fx, "/json", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_string_equal(rsp.body, "{\"final\":\"kept\"}\n");
	response_free(&rsp);
	get(fx, "/json?nobegin=1", &rsp);
	assert_error(&rsp, 500, "the handler began no reply");
	response_free(&rsp);
}

static void
test_peer_ipv4(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;

	start(fx);
	get(fx, "/peer", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_string_equal(rsp.body, "127.0.0.1");
	response_free(&rsp);
}

/* ---- held requests ------------------------------------------------------- */

static void
test_held_reply_later(void **state)
{
	struct fixture *fx = *state;
	struct client *c;
	struct response rsp;

	fx->hold_reply_ms = 100;
	start(fx);
	c = client_new(fx, "GET /hold HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n");
	assert_true(run_until(fx, nonzero, &fx->nopen, 2000));
	run_for(fx, 20);
	assert_int_equal(evbuffer_get_length(c->in), 0);	/* not yet */
	wait_response(fx, c, 0, &rsp);
	assert_int_equal(rsp.status, 200);
	assert_string_equal(rsp.body, "late\n");
	response_free(&rsp);
	client_free(c);
	assert_int_equal(fx->closed, 0);
	assert_int_equal(stats(fx).status_2xx, 1);
}

static void
test_held_client_gone(void **state)
{
	struct fixture *fx = *state;
	struct httpd_req *held;
	struct client *c;
	struct response rsp;

	start(fx);
	c = client_new(fx, "GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_true(run_until(fx, nonzero, &fx->nopen, 2000));
	held = fx->held;
	assert_non_null(held);
	client_close(c);
	assert_true(run_until(fx, nonzero, &fx->closed, 2000));
	assert_int_equal(fx->closed, 1);
	assert_ptr_equal(fx->closed_req, held);
	assert_null(fx->held);		/* so nobody replies to it */
	client_free(c);
	assert_int_equal(stats(fx).status_2xx, 0);

	/* The server goes on. */
	get(fx, "/api/v1/status", &rsp);
	assert_int_equal(rsp.status, 200);
	response_free(&rsp);
	assert_int_equal(fx->closed, 1);
}

/* A request pipelined behind a held one is served after it. */
static void
test_held_pipelined(void **state)
{
	static const char second[] = "GET /api/v1/status HTTP/1.1\r\n"
	    "Host: t\r\nConnection: close\r\n\r\n";
	struct fixture *fx = *state;
	struct client *c;
	struct response rsp;

	start(fx);
	c = client_new(fx, "GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_true(run_until(fx, nonzero, &fx->nopen, 2000));
	client_send(c, second, strlen(second));
	run_for(fx, 50);		/* read while the first is held */
	assert_int_equal(evbuffer_get_length(c->in), 0);
	assert_int_equal(fx->closed, 0);
	httpd_reply(fx->held, 202, "text/plain", "first\n", 6);
	fx->held = NULL;
	wait_response(fx, c, 1, &rsp);
	assert_int_equal(rsp.status, 200);
	assert_member(&rsp, "path", "/api/v1/status");
	response_free(&rsp);
	assert_int_equal(client_response(c, 0, &rsp), 1);
	assert_int_equal(rsp.status, 202);
	assert_string_equal(rsp.body, "first\n");
	response_free(&rsp);
	client_free(c);
	assert_int_equal(fx->closed, 0);
}

/* ---- streams ------------------------------------------------------------- */

static void
test_stream_in_order(void **state)
{
	struct fixture *fx = *state;
	struct response rsp;
	struct httpd_stats st;

	start(fx);
	get(fx, "/stream", &rsp);
	assert_int_equal(rsp.status, 200);
	assert_header(&rsp, "Content-Type", "text/event-stream");
	assert_header(&rsp, "Transfer-Encoding", "chunked");
	assert_header(&rsp, "Server", "fs-test/1");
	assert_string_equal(rsp.body, "chunk0\nchunk1\nchunk2\nchunk3\n"
	    "chunk4\nchunk5\nchunk6\nchunk7\nchunk8\nchunk9\n");
	response_free(&rsp);
	st = stats(fx);
	assert_int_equal(st.streams, 1);
	assert_int_equal(st.streams_open, 0);
	assert_int_equal(st.streams_cut, 0);
	assert_int_equal(st.status_2xx, 1);
	assert_int_equal(fx->closed, 0);
}

/* HTTP/1.0: no chunks, the end of the stream closes the connection. */
static void
test_stream_http10(void **state)
{
	struct fixture *fx = *state;
	struct client *c;
	struct response rsp;

	start(fx);
	c = client_new(fx, "GET /stream HTTP/1.0\r\n\r\n");
	assert_true(run_until(fx, nonzero, &c->eof, 5000));
	assert_int_equal(client_response(c, 0, &rsp), 1);
	assert_int_equal(rsp.status, 200);
	assert_string_equal(rsp.body, "chunk0\nchunk1\nchunk2\nchunk3\n"
	    "chunk4\nchunk5\nchunk6\nchunk7\nchunk8\nchunk9\n");
	response_free(&rsp);
	client_free(c);
}

static void
test_stream_client_gone(void **state)
{
	struct fixture *fx = *state;
	struct client *c;
	struct httpd_stats st;

	start(fx);
	c = client_new(fx, "GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_true(run_until(fx, nonzero, &fx->nopen, 2000));
	run_for(fx, 20);
	assert_non_null(memmem(evbuffer_pullup(c->in, -1),
	    evbuffer_get_length(c->in), "hello\n", 6));
	assert_int_equal(stats(fx).streams_open, 1);
	client_close(c);
	assert_true(run_until(fx, nonzero, &fx->closed, 2000));
	assert_null(fx->held);
	client_free(c);
	st = stats(fx);
	assert_int_equal(st.streams, 1);
	assert_int_equal(st.streams_open, 0);
	assert_int_equal(st.streams_cut, 0);
}

/*
 * A stream outlives the idle timeout (its client never sends anything),
 * and once it ends the connection is idle again and times out.
 */
static void
test_stream_idle_timeout(void **state)
{
	struct fixture *fx = *state;
	struct client *c;
	struct response rsp;

	fx->opt.timeout_s = 1;
	start(fx);
	c = client_new(fx, "GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_true(run_until(fx, nonzero, &fx->nopen, 2000));
	run_for(fx, 2500);
	assert_int_equal(fx->closed, 0);
	assert_int_equal(c->eof, 0);
	assert_int_equal(httpd_stream_write(fx->held, "still\n", 6), 0);
	httpd_stream_end(fx->held);
	fx->held = NULL;
	wait_response(fx, c, 0, &rsp);
	assert_string_equal(rsp.body, "hello\nstill\n");
	response_free(&rsp);
	/* Keep-alive: idle now, so the timeout applies again. */
	assert_int_equal(c->eof, 0);
	assert_true(run_until(fx, nonzero, &c->eof, 3000));
	client_free(c);
	assert_int_equal(fx->closed, 0);
}

/*
 * A client that sends and sends while its request is held or streamed
 * is not read without bound: it stalls on full buffers.
 */
static void
flood(struct fixture *fx, const char *req)
{
	struct client *c;
	char *junk;
	size_t n = 32u * 1024 * 1024;

	start(fx);
	c = client_new(fx, req);
	assert_true(run_until(fx, nonzero, &fx->nopen, 2000));
	junk = malloc(n);
	assert_non_null(junk);
	memset(junk, 'j', n);
	client_send(c, junk, n);
	free(junk);
	run_for(fx, 500);
	/* What the kernel holds, and our cap; most of it still unsent. */
	assert_true(evbuffer_get_length(c->out) > n / 2);
	assert_int_equal(fx->closed, 0);
	client_free(c);
}

static void
test_held_flood(void **state)
{
	flood(*state, "GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
}

static void
test_stream_flood(void **state)
{
	flood(*state, "GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
}

/*
 * A client that never reads, a 64 KiB bound and a writer that goes on:
 * once the kernel's buffers are full the client is cut off, counted, and
 * the server still answers others.
 */
static void
test_stream_slow_client_cut(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_in sin;
	struct client *c;
	struct response rsp;
	struct httpd_stats st;
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";

	fx->opt.stream_buffer = 64 * 1024;
	start(fx);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(httpd_port(fx->h));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = client_to(fx, (struct sockaddr *)&sin, sizeof(sin), 0, 4096);
	client_send(c, req, strlen(req));
	assert_true(run_until(fx, nonzero, &fx->closed, 20000));
	assert_int_equal(fx->stream_rc, -1);
	assert_int_equal(fx->closed, 1);
	assert_null(fx->held);
	/* It got past the bound by what the kernel held, not before. */
	assert_true(fx->stream_written > 64 * 1024);
	st = stats(fx);
	assert_int_equal(st.streams, 1);
	assert_int_equal(st.streams_cut, 1);
	assert_int_equal(st.streams_open, 0);

	get(fx, "/api/v1/status", &rsp);
	assert_int_equal(rsp.status, 200);
	response_free(&rsp);
	client_free(c);
	assert_int_equal(stats(fx).streams_cut, 1);
}

/* A single write larger than the bound cuts at once, inside the handler. */
static void
h_huge(struct httpd_req *r, void *ctx)
{
	struct fixture *fx = ctx;
	size_t len = 80 * 1024;
	char *big = calloc(1, len);

	assert_non_null(big);
	httpd_stream_start(r, "text/plain", on_closed, fx);
	fx->nopen++;
	assert_int_equal(httpd_stream_write(r, big, len), -1);
	assert_int_equal(fx->closed, 1);	/* and r is gone */
	free(big);
}

static void
test_stream_cut_in_handler(void **state)
{
	struct fixture *fx = *state;
	struct client *c;

	fx->opt.stream_buffer = 64 * 1024;
	start(fx);
	assert_int_equal(httpd_route(fx->h, HTTPD_GET, "/huge", h_huge, fx),
	    0);
	c = client_new(fx, "GET /huge HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_true(run_until(fx, nonzero, &c->eof, 2000));
	assert_int_equal(fx->closed, 1);
	assert_int_equal(stats(fx).streams_cut, 1);
	assert_int_equal(stats(fx).streams_open, 0);
	client_free(c);
}

/* ---- freeing ------------------------------------------------------------- */

static int
two_open(void *arg)
{
	return *(int *)arg == 2;
}

static void
test_free_with_open_requests(void **state)
{
	struct fixture *fx = *state;
	struct client *a, *b;

	start(fx);
	a = client_new(fx, "GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
	b = client_new(fx, "GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_true(run_until(fx, two_open, &fx->nopen, 2000));
	assert_int_equal(fx->closed, 0);
	httpd_free(fx->h);
	fx->h = NULL;
	assert_int_equal(fx->closed, 2);
	assert_int_equal(fx->nopen, 0);
	/* Both clients see the end. */
	assert_true(run_until(fx, nonzero, &a->eof, 2000));
	assert_true(run_until(fx, nonzero, &b->eof, 2000));
	client_free(a);
	client_free(b);
}

/* ---- addresses ----------------------------------------------------------- */

static int
have_ipv6_loopback(void)
{
	struct sockaddr_in6 sin6;
	int fd, ok;

	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

static void
test_ipv6(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_in6 sin6;
	struct client *c;
	struct response rsp;
	static const char req[] = "GET /peer HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n";

	if (!have_ipv6_loopback())
		skip();
	assert_int_equal(netaddr_parse("::1", &fx->opt.addr), 0);
	start(fx);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(httpd_port(fx->h));
	sin6.sin6_addr = in6addr_loopback;
	c = client_to(fx, (struct sockaddr *)&sin6, sizeof(sin6), 1, 0);
	client_send(c, req, strlen(req));
	wait_response(fx, c, 0, &rsp);
	assert_int_equal(rsp.status, 200);
	assert_string_equal(rsp.body, "::1");
	response_free(&rsp);
	client_free(c);
}

static void
test_bind_in_use(void **state)
{
	struct fixture *fx = *state;
	struct httpd *second;
	char err[256];

	start(fx);
	fx->opt.port = httpd_port(fx->h);
	second = httpd_new(fx->base, &fx->opt, err, sizeof(err));
	assert_null(second);
	assert_non_null(strstr(err, "127.0.0.1"));
	assert_non_null(strstr(err, strerror(EADDRINUSE)));
}

static void
test_bind_bad_address(void **state)
{
	struct fixture *fx = *state;
	char err[256];

	/* Not an address of this host. */
	assert_int_equal(netaddr_parse("192.0.2.1", &fx->opt.addr), 0);
	assert_null(httpd_new(fx->base, &fx->opt, err, sizeof(err)));
	assert_non_null(strstr(err, "192.0.2.1"));
	assert_non_null(strstr(err, strerror(EADDRNOTAVAIL)));

	memset(&fx->opt.addr, 0, sizeof(fx->opt.addr));
	assert_null(httpd_new(fx->base, &fx->opt, err, sizeof(err)));
	assert_non_null(strstr(err, "no address"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_route_exact, setup, teardown),
	cmocka_unit_test_setup_teardown(test_route_wildcards, setup, teardown),
	cmocka_unit_test_setup_teardown(test_query_decoding, setup, teardown),
	cmocka_unit_test_setup_teardown(test_bad_encoding, setup, teardown),
	cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
	cmocka_unit_test_setup_teardown(test_method_not_allowed, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_unknown_method, setup, teardown),
	cmocka_unit_test_setup_teardown(test_route_table, setup, teardown),
	cmocka_unit_test_setup_teardown(test_token, setup, teardown),
	cmocka_unit_test_setup_teardown(test_empty_token_refused, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_body_too_large, setup, teardown),
	cmocka_unit_test_setup_teardown(test_body_delivered, setup, teardown),
	cmocka_unit_test_setup_teardown(test_headers_too_large, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_json_u64, setup, teardown),
	cmocka_unit_test_setup_teardown(test_error_escaping, setup, teardown),
	cmocka_unit_test_setup_teardown(test_handler_no_reply, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_reply_twice, setup, teardown),
	cmocka_unit_test_setup_teardown(test_json_misuse, setup, teardown),
	cmocka_unit_test_setup_teardown(test_peer_ipv4, setup, teardown),
	cmocka_unit_test_setup_teardown(test_held_reply_later, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_held_client_gone, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_held_pipelined, setup, teardown),
	cmocka_unit_test_setup_teardown(test_stream_in_order, setup, teardown),
	cmocka_unit_test_setup_teardown(test_stream_http10, setup, teardown),
	cmocka_unit_test_setup_teardown(test_stream_client_gone, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_stream_idle_timeout, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_held_flood, setup, teardown),
	cmocka_unit_test_setup_teardown(test_stream_flood, setup, teardown),
	cmocka_unit_test_setup_teardown(test_stream_slow_client_cut, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_stream_cut_in_handler, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_free_with_open_requests, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
	cmocka_unit_test_setup_teardown(test_bind_in_use, setup, teardown),
	cmocka_unit_test_setup_teardown(test_bind_bad_address, setup,
	    teardown),
};

FS_TEST_MAIN(tests)
