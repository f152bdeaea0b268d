/*
 * httpd.c - the HTTP server itself: the listening socket, evhttp's
 * settings, each connection's bufferevent, the counters.  What happens to
 * a request is in httpd_request.c, replies in httpd_reply.c.
 *
 * evhttp parses HTTP/1.x, enforces the header and body caps and the idle
 * timeout, and hands every complete request to one generic callback.
 *
 * The listening socket is made here rather than by
 * evhttp_bind_socket_with_handle(): that one resolves the literal with
 * AI_ADDRCONFIG, which refuses "::1" on a host whose only IPv6 address is
 * the loopback, and it cannot say why a bind failed.
 *
 * Each connection's bufferevent is made here too (evhttp_set_bevcb), for
 * two things evhttp 2.1 does not do:
 *
 *  - Bound what a client can make us buffer.  evhttp keeps reading while
 *    it writes a reply (for the whole of a stream), into an input buffer
 *    nobody drains; a read high-watermark of input_cap (a request line or
 *    header line, a whole body, and some) stops reading at that point.
 *    A legitimate request always fits, so evhttp never waits on it.
 *
 *  - Count the replies evhttp sends by itself.  Some requests never reach
 *    the generic callback: a body over max_body (413), a malformed request
 *    or headers over max_headers (400), a method we do not serve (501).
 *    There is no per-request hook early enough to see them, so a callback
 *    on the output buffer looks at each append: one that starts with a
 *    status line while we are not writing a reply ourselves (own_output)
 *    is evhttp's, and is counted.  evhttp writes a status line in an
 *    append of its own; a stream's data is always our own writing.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "httpd_impl.h"

/* ---- counting ---------------------------------------------------------- */

void
httpd_count_status(struct httpd *h, int status)
{
	if (status >= 200 && status < 300)
		h->st.status_2xx++;
	else if (status >= 300 && status < 400)
		h->st.status_3xx++;
	else if (status >= 400 && status < 500)
		h->st.status_4xx++;
	else if (status >= 500 && status < 600)
		h->st.status_5xx++;
	if (status == 401)
		h->st.unauthorized++;
	else if (status == 413)
		h->st.too_large++;
}

/* A connection's output grew: count a status line evhttp wrote itself. */
static void
on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct httpd *h = arg;
	struct evbuffer_ptr pos;
	char line[13];		/* "HTTP/1.1 413 " */
	int i, status = 0;

	if (h->own_output > 0 || info->n_added < sizeof(line))
		return;
	if (evbuffer_ptr_set(buf, &pos, info->orig_size,
	    EVBUFFER_PTR_SET) == -1 ||
	    evbuffer_copyout_from(buf, &pos, line, sizeof(line)) !=
	    (ev_ssize_t)sizeof(line))
		return;
	if (memcmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
	    line[12] != ' ')
		return;
	for (i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9')
			return;
		status = status * 10 + (line[i] - '0');
	}
	if (status < 200)	/* 100 Continue: the request goes on */
		return;
	h->st.requests++;
	httpd_count_status(h, status);
}

static struct bufferevent *
on_new_connection(struct event_base *base, void *arg)
{
	struct httpd *h = arg;
	struct bufferevent *bev;

	/* The options evhttp uses when it makes the bufferevent itself. */
	if ((bev = bufferevent_socket_new(base, -1, 0)) == NULL)
		return NULL;	/* evhttp tries again itself */
	bufferevent_setwatermark(bev, EV_READ, 0, h->input_cap);
	/* Without the hook the connection still works, only uncounted. */
	(void)evbuffer_add_cb(bufferevent_get_output(bev), on_output, h);
	return bev;
}

/* ---- the server ---------------------------------------------------------- */

static int
listen_on(const struct netaddr *a, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	char host[NETADDR_STRLEN];
	int fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	netaddr_format(a, host, sizeof(host));
	if (a->family == NETADDR_IPV4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		slen = sizeof(*sin);
	} else if (a->family == NETADDR_IPV6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		slen = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "no address to listen on");
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket for %s: %s", host,
		    strerror(errno));
		return -1;
	}
	/*
	 * SO_REUSEADDR: a restart need not wait for TIME_WAIT (Linux still
	 * refuses a second listener).  IPV6_V6ONLY: "::" means IPv6 only,
	 * whatever the sysctl says; "0.0.0.0" is a server of its own.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)) {
		snprintf(err, errlen, "setsockopt for %s: %s", host,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&ss, slen) == -1) {
		snprintf(err, errlen, "bind to %s port %u: %s", host,
		    (unsigned)port, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 128) == -1) {
		snprintf(err, errlen, "listen on %s port %u: %s", host,
		    (unsigned)port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static ev_ssize_t
ssize_cap(size_t v)
{
	return v > (size_t)SSIZE_MAX ? SSIZE_MAX : (ev_ssize_t)v;
}

struct httpd *
httpd_new(struct event_base *base, const struct httpd_options *opt,
    char *err, size_t errlen)
{
	struct httpd *h;
	int fd;

	if (opt->token != NULL && opt->token[0] == '\0') {
		snprintf(err, errlen, "empty API token");
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	LIST_INIT(&h->open);
	h->base = base;
	h->max_body = opt->max_body;
	h->max_headers = opt->max_headers ? opt->max_headers :
	    HTTPD_DEFAULT_HEADERS;
	h->stream_buffer = opt->stream_buffer ? opt->stream_buffer :
	    HTTPD_DEFAULT_STREAM;
	h->timeout_s = opt->timeout_s == 0 ? HTTPD_DEFAULT_TIMEOUT :
	    opt->timeout_s > INT_MAX ? INT_MAX : (int)opt->timeout_s;
	/* A request line or header line, or a whole body, and some more. */
	h->input_cap = h->max_body > SIZE_MAX - h->max_headers - 4096 ?
	    SIZE_MAX : h->max_headers + h->max_body + 4096;
	snprintf(h->server_name, sizeof(h->server_name), "%s",
	    opt->server_name ? opt->server_name : "finderscope");
	if (opt->token != NULL) {
		h->token_len = strlen(opt->token);
		if ((h->token = strdup(opt->token)) == NULL)
			goto nomem;
	}
	if ((h->chunk = evbuffer_new()) == NULL ||
	    (h->http = evhttp_new(base)) == NULL)
		goto nomem;

	evhttp_set_gencb(h->http, httpd_on_request, h);
	evhttp_set_bevcb(h->http, on_new_connection, h);
	evhttp_set_max_body_size(h->http, ssize_cap(h->max_body));
	evhttp_set_max_headers_size(h->http, ssize_cap(h->max_headers));
	evhttp_set_timeout(h->http, h->timeout_s);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	/*
	 * Read and drop an oversized body before answering 413: closing with
	 * unread data makes the kernel send a reset, and the client would
	 * see that instead of the 413.
	 */
	evhttp_set_flags(h->http, EVHTTP_SERVER_LINGERING_CLOSE);

	if ((fd = listen_on(&opt->addr, opt->port, err, errlen)) == -1)
		goto fail;
	h->port = bound_port(fd);
	if (evhttp_accept_socket_with_handle(h->http, fd) == NULL) {
		snprintf(err, errlen, "cannot accept on the listening socket");
		close(fd);
		goto fail;
	}
	return h;

nomem:
	snprintf(err, errlen, "out of memory");
fail:
	httpd_free(h);
	return NULL;
}

void
httpd_free(struct httpd *h)
{
	struct httpd_req *r;
	unsigned i;

	if (h == NULL)
		return;
	/*
	 * evhttp_free() frees every connection, and freeing a connection
	 * runs its close callback: open requests hear of it there
	 * (httpd_reply.c) and leave httpd.open.
	 */
	if (h->http != NULL)
		evhttp_free(h->http);
	while ((r = LIST_FIRST(&h->open)) != NULL) {
		/* Unreachable unless evhttp skipped a close callback. */
		LIST_REMOVE(r, entry);
		r->linked = 0;
		if (r->closed != NULL)
			r->closed(r, r->closed_ctx);
		httpd_req_release(r);
	}
	if (h->chunk != NULL)
		evbuffer_free(h->chunk);
	for (i = 0; i < h->nroutes; i++)
		free(h->routes[i].segbuf);
	if (h->token != NULL) {
		explicit_bzero(h->token, h->token_len);
		free(h->token);
	}
	free(h);
}

int
httpd_set_token(struct httpd *h, const char *token)
{
	char *copy = NULL;

	if (token != NULL && (token[0] == '\0' ||
	    (copy = strdup(token)) == NULL))
		return -1;
	if (h->token != NULL) {
		explicit_bzero(h->token, h->token_len);
		free(h->token);
	}
	h->token = copy;
	h->token_len = copy != NULL ? strlen(copy) : 0;
	return 0;
}

void
httpd_set_max_body(struct httpd *h, size_t max_body)
{
	h->max_body = max_body;
	h->input_cap = h->max_body > SIZE_MAX - h->max_headers - 4096 ?
	    SIZE_MAX : h->max_headers + h->max_body + 4096;
	evhttp_set_max_body_size(h->http, ssize_cap(h->max_body));
}

uint16_t
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_stats(const struct httpd *h, struct httpd_stats *st)
{
	*st = h->st;
}

