/*
 * httpd_reply.c - answering a request: a JSON object, an error, any body;
 * and answering later: held requests (long polls) and streamed replies
 * with a bounded buffer per client.
 *
 * Knowing when the client goes.  While a handler runs and for as long as
 * a request is held, evhttp 2.1 does not read from the connection, so it
 * would never notice that a held request's client has left.  An open (held
 * or streaming) request therefore watches its socket itself: bytes that
 * arrive are moved into the connection's input buffer, where evhttp would
 * have put them, so a pipelined request is served after this one (up to
 * input_cap bytes; then the watch stops and the client is only noticed by
 * a failed write); end of file or an error means the client is gone, and
 * we free the connection.  A client that only half-closes its side is
 * taken as gone too.  During a stream evhttp reads as well (it does while
 * it writes): whichever sees the end first frees the connection.
 *
 * Streams and the idle timeout.  Because evhttp reads while it writes, the
 * idle timeout would also run on reading, and a listener that never sends
 * anything would be dropped after timeout_s; a stream keeps only the write
 * timeout (no progress at all for timeout_s: the client is dropped), and
 * gets the read timeout back when it ends, for the idle keep-alive that
 * may follow.
 *
 * One place learns that an open request is gone: the connection's close
 * callback.  evhttp calls it whenever the connection is freed: by us (end
 * of file seen by the watch, a stream cut off) or by evhttp (a failed
 * write, the write timeout, evhttp_free()).  When evhttp drops a
 * connection after a failed write it first detaches the unfinished request
 * and leaves it to the user to free; the callback frees it then.  An
 * attached request is freed by evhttp right after the callback.
 *
 * Replying closes the request on our side first (no close callback, no
 * watch), so a connection that fails while the reply is being written
 * never reaches the user.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "httpd_impl.h"
#include "log.h"

/* The request is DONE: free it, unless its handler is still running. */
static void
req_done(struct httpd_req *r)
{
	r->state = HTTPD_REQ_DONE;
	if (!r->in_handler)
		httpd_req_release(r);
}

/* Undo req_open(): nothing but a reply or the close comes next. */
static void
req_settle(struct httpd_req *r)
{
	if (r->linked) {
		LIST_REMOVE(r, entry);
		r->linked = 0;
		evhttp_connection_set_closecb(r->evcon, NULL, NULL);
	}
	if (r->watch != NULL) {
		event_free(r->watch);
		r->watch = NULL;
	}
	if (r->streaming) {
		r->streaming = 0;
		r->h->st.streams_open--;
	}
}

static void
on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct httpd_req *r = arg;
	struct evhttp_request *evreq = r->evreq;
	int detached = evhttp_request_get_connection(evreq) == NULL;

	(void)evcon;
	req_settle(r);
	r->state = HTTPD_REQ_DONE;
	if (r->closed != NULL)
		r->closed(r, r->closed_ctx);
	if (detached)
		evhttp_request_free(evreq);
	req_done(r);
}

/*
 * Free the connection of r (its close callback runs).  Its bufferevent is
 * stopped first: freed inside one of its own callbacks it lives on until
 * the callback returns, and its events must not outlive the socket.
 */
static void
conn_drop(struct httpd_req *r)
{
	bufferevent_disable(evhttp_connection_get_bufferevent(r->evcon),
	    EV_READ | EV_WRITE);
	evhttp_connection_free(r->evcon);
}

/* The socket of an open request is readable. */
static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_req *r = arg;
	struct evbuffer *in;
	size_t have, cap = r->h->input_cap;
	int n, saved;

	(void)what;
	in = bufferevent_get_input(evhttp_connection_get_bufferevent(r->evcon));
	if ((have = evbuffer_get_length(in)) >= cap) {
		event_del(r->watch);	/* enough pipelined: stop reading */
		return;
	}
	/* The bufferevent keeps the end of its input frozen but to itself. */
	evbuffer_unfreeze(in, 0);
	n = evbuffer_read(in, fd, cap - have > 65536 ? 65536 :
	    (int)(cap - have));
	saved = errno;
	evbuffer_freeze(in, 0);
	if (n > 0 || (n == -1 && (saved == EAGAIN || saved == EWOULDBLOCK ||
	    saved == EINTR)))
		return;
	conn_drop(r);			/* runs on_conn_close() */
}

/* Held or streaming: hear of the client leaving. */
static void
req_open(struct httpd_req *r, httpd_close_cb *closed, void *ctx)
{
	struct httpd *h = r->h;
	struct bufferevent *bev;

	r->closed = closed;
	r->closed_ctx = ctx;
	if (r->linked)
		return;
	LIST_INSERT_HEAD(&h->open, r, entry);
	r->linked = 1;
	evhttp_connection_set_closecb(r->evcon, on_conn_close, r);
	bev = evhttp_connection_get_bufferevent(r->evcon);
	/* Without the watch a gone client is noticed only by writing. */
	r->watch = event_new(h->base, bufferevent_getfd(bev),
	    EV_READ | EV_PERSIST, on_watch, r);
	if (r->watch != NULL && event_add(r->watch, NULL) == -1) {
		event_free(r->watch);
		r->watch = NULL;
	}
}

static void
set_headers(struct httpd_req *r, const char *content_type)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(r->evreq);

	evhttp_remove_header(hdr, "Content-Type");
	evhttp_add_header(hdr, "Content-Type", content_type);
	evhttp_add_header(hdr, "Server", r->h->server_name);
}

static int
can_reply(const struct httpd_req *r)
{
	return r->state == HTTPD_REQ_ACTIVE || r->state == HTTPD_REQ_HELD;
}

void
httpd_reply(struct httpd_req *r, int status, const char *content_type,
    const void *body, size_t len)
{
	struct httpd *h = r->h;

	if (!can_reply(r))
		return;		/* a second reply: the first one stands */
	set_headers(r, content_type);
	if (len > 0 && evbuffer_add(evhttp_request_get_output_buffer(r->evreq),
	    body, len) == -1)
		status = 500;
	req_settle(r);
	h->own_output++;
	evhttp_send_reply(r->evreq, status, NULL, NULL);
	h->own_output--;
	httpd_count_status(h, status);
	req_done(r);
}

struct json_writer *
httpd_json_begin(struct httpd_req *r)
{
	if (r->json != NULL) {			/* begun again: start over */
		fclose(r->json);
		free(r->json_buf);
		r->json_buf = NULL;
	}
	r->json_failed = 0;
	if ((r->json = open_memstream(&r->json_buf, &r->json_len)) == NULL) {
		/* Out of memory: let the handler write, answer 500. */
		r->json_failed = 1;
		if ((r->json = fopen("/dev/null", "w")) == NULL)
			fatal("httpd: no memory for a reply");
	}
	jw_begin(&r->jw, r->json);
	return &r->jw;
}

void
httpd_json_send(struct httpd_req *r, int status)
{
	char *buf;
	size_t len;
	int failed;

	if (r->json == NULL) {
		httpd_reply_error(r, 500, "the handler began no reply");
		return;
	}
	jw_end(&r->jw);
	failed = fclose(r->json) != 0 || r->json_failed;
	r->json = NULL;
	buf = r->json_buf;
	len = r->json_len;
	r->json_buf = NULL;
	if (failed) {		/* not through the writer: it failed */
		static const char oom[] = "{\"error\":\"out of memory\"}\n";

		free(buf);
		httpd_reply(r, 500, "application/json", oom, sizeof(oom) - 1);
		return;
	}
	httpd_reply(r, status, "application/json", buf, len);	/* may free r */
	free(buf);
}

void
httpd_reply_error(struct httpd_req *r, int status, const char *fmt, ...)
{
	struct json_writer *w;
	char msg[512];
	va_list ap;

	if (!can_reply(r))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w = httpd_json_begin(r);
	jw_str(w, "error", msg);
	httpd_json_send(r, status);
}

void
httpd_req_hold(struct httpd_req *r, httpd_close_cb *closed, void *ctx)
{
	if (r->state != HTTPD_REQ_ACTIVE)
		return;
	r->state = HTTPD_REQ_HELD;
	req_open(r, closed, ctx);
}

static void
stream_timeouts(struct httpd_req *r, int reading)
{
	struct timeval tv = { r->h->timeout_s, 0 };

	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(r->evcon),
	    reading ? &tv : NULL, &tv);
}

void
httpd_stream_start(struct httpd_req *r, const char *content_type,
    httpd_close_cb *closed, void *ctx)
{
	struct httpd *h = r->h;

	if (!can_reply(r))
		return;
	set_headers(r, content_type);
	/* A live feed: no cache or proxy may sit on it. */
	evhttp_add_header(evhttp_request_get_output_headers(r->evreq),
	    "Cache-Control", "no-cache");
	req_open(r, closed, ctx);
	r->state = HTTPD_REQ_STREAMING;
	r->streaming = 1;
	h->st.streams++;
	h->st.streams_open++;
	h->own_output++;
	evhttp_send_reply_start(r->evreq, 200, NULL);
	h->own_output--;
	httpd_count_status(h, 200);
	stream_timeouts(r, 0);		/* see the top of the file */
}

int
httpd_stream_write(struct httpd_req *r, const void *buf, size_t len)
{
	struct httpd *h = r->h;
	struct evbuffer *out;
	size_t queued;

	if (r->state != HTTPD_REQ_STREAMING)
		return -1;
	if (len == 0)
		return 0;
	out = bufferevent_get_output(evhttp_connection_get_bufferevent(
	    r->evcon));
	queued = evbuffer_get_length(out);
	if (queued > h->stream_buffer || len > h->stream_buffer - queued ||
	    evbuffer_add(h->chunk, buf, len) == -1) {
		/* Too slow (or no memory): cut off, never wait for it. */
		h->st.streams_cut++;
		conn_drop(r);			/* runs on_conn_close() */
		return -1;
	}
	h->own_output++;
	evhttp_send_reply_chunk(r->evreq, h->chunk);
	h->own_output--;
	evbuffer_drain(h->chunk, evbuffer_get_length(h->chunk));
	return 0;
}

void
httpd_stream_end(struct httpd_req *r)
{
	struct httpd *h = r->h;

	if (r->state != HTTPD_REQ_STREAMING)
		return;
	req_settle(r);
	stream_timeouts(r, 1);		/* idle again afterwards */
	h->own_output++;
	evhttp_send_reply_end(r->evreq);
	h->own_output--;
	req_done(r);
}

void
httpd_healthz(struct httpd_req *req, void *ctx)
{
	struct json_writer *w;

	(void)ctx;
	w = httpd_json_begin(req);
	jw_str(w, "status", "ok");
	httpd_json_send(req, 200);
}
