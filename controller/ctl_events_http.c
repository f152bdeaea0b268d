/*
 * ctl_events_http.c - an event ring (ctl_events.h) over HTTP, for the
 * controller's API (docs/api.md) and the receiver's (docs/receiver-api.md):
 *
 *  GET /api/v1/events         a long poll: the events after a sequence
 *                             number now, or held until one comes or the
 *                             wait runs out;
 *  GET /api/v1/events/stream  Server-Sent Events: the recent ones, then
 *                             each as it is stored, with a keep-alive
 *                             comment every CTL_EVENTS_HTTP_PING_S seconds.
 *
 * Stored events are JSON objects already; they are spliced into replies
 * as they are (jw_raw), never parsed again.  Every waiting client holds
 * a subscription and a timer; both are released on whichever comes first
 * of its answer, its leaving, or the server going away (httpd_free calls
 * the close callbacks).  Together they are capped by
 * CTL_EVENTS_HTTP_MAX_SUBSCRIBERS; a stream client too slow to keep up is cut off
 * by httpd_stream_write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ctl_api.h"
#include "ctl_events_http.h"

#define EVENTS_LIMIT_DEFAULT	1000
#define EVENTS_LIMIT_MAX	10000
#define EVENTS_WAIT_MAX		60	/* seconds */

/* Room for "id: SEQ\ndata: " and "\n\n". */
#define SSE_OVERHEAD		48

static int
subscribers_full(struct ctl_events *ev)
{
	struct ctl_events_stats es;

	ctl_events_stats(ev, &es);
	return es.subscribers >= CTL_EVENTS_HTTP_MAX_SUBSCRIBERS;
}

/* ---- the long poll ---------------------------------------------------- */

struct events_reply {
	struct json_writer	*w;
	uint64_t		 after;
	uint64_t		 first;	/* seq of the first written */
	uint64_t		 last;	/* ... and of the last */
	size_t			 n;
};

static void
reply_add(void *ctx, uint64_t seq, const char *json, size_t len)
{
	struct events_reply *r = ctx;

	if (r->n++ == 0)
		r->first = seq;
	r->last = seq;
	jw_raw(r->w, NULL, json, len);
}

/*
 * Answer with the stored events after `after` (at most limit).  json, if
 * not NULL, is the event just delivered (seq): written when the ring no
 * longer holds anything after `after` (a small ring under a burst).
 */
static void
events_reply(struct httpd_req *req, struct ctl_events *ev, uint64_t after,
    size_t limit, uint64_t seq, const char *json, size_t len)
{
	struct events_reply r;
	uint64_t last_seq = ctl_events_last_seq(ev);

	memset(&r, 0, sizeof(r));
	r.w = httpd_json_begin(req);
	r.after = after;
	jw_array(r.w, "events");
	if (after < last_seq)
		ctl_events_after(ev, after, limit, reply_add, &r);
	if (r.n == 0 && json != NULL && seq > after)
		reply_add(&r, seq, json, len);
	jw_array_end(r.w);
	/* Where to go on from: the last event given, or the newest there is. */
	jw_u64(r.w, "last_seq", r.n > 0 ? r.last : last_seq);
	jw_u64(r.w, "first_seq", ctl_events_first_seq(ev));
	/* Events that left the ring before the client asked for them. */
	jw_u64(r.w, "missed", r.n > 0 && r.first > after + 1 ?
	    r.first - after - 1 : 0);
	jw_bool(r.w, "more", r.n > 0 && r.last < last_seq);
	httpd_json_send(req, 200);
}

struct events_wait {
	struct ctl_events	*ev;
	struct httpd_req	*req;
	struct ctl_event_sub	*sub;
	struct event		*timer;
	uint64_t		 after;
	size_t			 limit;
};

static void
wait_free(struct events_wait *ew)
{
	if (ew->sub != NULL)
		ctl_events_unsubscribe(ew->ev, ew->sub);
	if (ew->timer != NULL)
		event_free(ew->timer);
	free(ew);
}

/* The client left, or the server is going away: do not reply. */
static void
wait_closed(struct httpd_req *req, void *ctx)
{
	(void)req;
	wait_free(ctx);
}

static void
wait_event(void *ctx, uint64_t seq, const char *json, size_t len)
{
	struct events_wait *ew = ctx;

	if (seq <= ew->after)
		return;
	events_reply(ew->req, ew->ev, ew->after, ew->limit, seq, json,
	    len);
	wait_free(ew);
}

static void
wait_timeout(evutil_socket_t fd, short what, void *ctx)
{
	struct events_wait *ew = ctx;

	(void)fd;
	(void)what;
	events_reply(ew->req, ew->ev, ew->after, ew->limit, 0, NULL,
	    0);
	wait_free(ew);
}

void
ctl_events_http_poll(struct httpd_req *req, struct ctl_events *ev,
    struct event_base *base)
{
	struct events_wait *ew;
	struct timeval tv;
	uint64_t after, wait, limit, last;

	if (ctl_api_query_uint(req, "after", 0, 0, UINT64_MAX, &after) ==
	    -1 || ctl_api_query_uint(req, "wait", 0, 0, EVENTS_WAIT_MAX,
	    &wait) == -1 || ctl_api_query_uint(req, "limit",
	    EVENTS_LIMIT_DEFAULT, 1, EVENTS_LIMIT_MAX, &limit) == -1)
		return;
	if (ev == NULL) {
		httpd_reply_error(req, 503, "no events yet");
		return;
	}
	last = ctl_events_last_seq(ev);
	/*
	 * Something to say now; or nothing to wait for; or a client ahead
	 * of us (it saw a previous run of the daemon, whose numbers were
	 * higher), which learns the current last_seq at once instead of
	 * waiting for a number that may be far away.
	 */
	if (last != after || wait == 0) {
		events_reply(req, ev, after, limit, 0, NULL, 0);
		return;
	}
	if (subscribers_full(ev)) {
		httpd_reply_error(req, 503, "too many clients waiting for "
		    "events");
		return;
	}
	if ((ew = calloc(1, sizeof(*ew))) == NULL) {
		httpd_reply_error(req, 503, "out of memory");
		return;
	}
	ew->ev = ev;
	ew->req = req;
	ew->after = after;
	ew->limit = limit;
	if ((ew->timer = evtimer_new(base, wait_timeout, ew)) == NULL ||
	    (ew->sub = ctl_events_subscribe(ev, wait_event, ew)) ==
	    NULL) {
		wait_free(ew);
		httpd_reply_error(req, 503, "out of memory");
		return;
	}
	tv.tv_sec = (time_t)wait;
	tv.tv_usec = 0;
	evtimer_add(ew->timer, &tv);
	httpd_req_hold(req, wait_closed, ew);
}

/* ---- Server-Sent Events ----------------------------------------------- */

/*
 * busy counts the sections that write to the stream.  A write may cut
 * the client off, and the close callback may then run inside it: while
 * busy, the callback only marks the client closed, and whoever leaves the
 * last section frees it.
 */
struct sse_client {
	struct ctl_events	*ev;
	struct httpd_req	*req;
	struct ctl_event_sub	*sub;
	struct event		*ping;
	int			 busy;
	int			 closed;
};

static void
sse_free(struct sse_client *c)
{
	if (c->sub != NULL)
		ctl_events_unsubscribe(c->ev, c->sub);
	if (c->ping != NULL)
		event_free(c->ping);
	free(c);
}

static void
sse_closed(struct httpd_req *req, void *ctx)
{
	struct sse_client *c = ctx;

	(void)req;
	c->closed = 1;
	if (c->busy == 0)
		sse_free(c);
}

/* Leave a writing section: 0, or -1 when the client is gone (freed). */
static int
sse_leave(struct sse_client *c)
{
	if (--c->busy == 0 && c->closed) {
		sse_free(c);
		return -1;
	}
	return c->closed ? -1 : 0;
}

/* One event as "id: SEQ\ndata: JSON\n\n" (the JSON holds no newline). */
static void
sse_event(void *ctx, uint64_t seq, const char *json, size_t len)
{
	struct sse_client *c = ctx;
	char *buf;
	int n;

	if (c->closed)
		return;
	if (len > SIZE_MAX - SSE_OVERHEAD ||
	    (buf = malloc(len + SSE_OVERHEAD)) == NULL)
		return;		/* the client sees a gap in the ids */
	n = snprintf(buf, SSE_OVERHEAD, "id: %" PRIu64 "\ndata: ", seq);
	memcpy(buf + n, json, len);
	memcpy(buf + n + len, "\n\n", 2);
	c->busy++;
	(void)httpd_stream_write(c->req, buf, (size_t)n + len + 2);
	free(buf);
	(void)sse_leave(c);
}

static void
sse_ping(evutil_socket_t fd, short what, void *ctx)
{
	static const char ping[] = ": ping\n\n";
	struct sse_client *c = ctx;

	(void)fd;
	(void)what;
	c->busy++;
	(void)httpd_stream_write(c->req, ping, sizeof(ping) - 1);
	(void)sse_leave(c);
}

void
ctl_events_http_stream(struct httpd_req *req, struct ctl_events *ev,
    struct event_base *base)
{
	struct sse_client *c;
	struct timeval tv;
	uint64_t after, limit, last;
	const char *resume;
	char *end;

	if (ctl_api_query_uint(req, "after", 0, 0, UINT64_MAX, &after) ==
	    -1 || ctl_api_query_uint(req, "limit", EVENTS_LIMIT_DEFAULT, 1,
	    EVENTS_LIMIT_MAX, &limit) == -1)
		return;
	/* An EventSource reconnecting names the last event it saw. */
	if ((resume = httpd_req_header(req, "Last-Event-ID")) != NULL) {
		errno = 0;
		after = strtoull(resume, &end, 10);
		if (errno != 0 || end == resume || *end != '\0' ||
		    resume[0] < '0' || resume[0] > '9') {
			httpd_reply_error(req, 400, "Last-Event-ID: expected "
			    "an event sequence number");
			return;
		}
	}
	if (ev == NULL) {
		httpd_reply_error(req, 503, "no events yet");
		return;
	}
	if (subscribers_full(ev)) {
		httpd_reply_error(req, 503, "too many clients waiting for "
		    "events");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		httpd_reply_error(req, 503, "out of memory");
		return;
	}
	c->ev = ev;
	c->req = req;
	/*
	 * Subscribe before the replay: nothing is stored while it runs (one
	 * thread, and writing to a client emits no event), so the replay ends
	 * exactly where the subscription begins.
	 */
	if ((c->ping = event_new(base, -1, EV_PERSIST, sse_ping, c)) ==
	    NULL || (c->sub = ctl_events_subscribe(ev, sse_event, c)) ==
	    NULL) {
		sse_free(c);
		httpd_reply_error(req, 503, "out of memory");
		return;
	}
	tv.tv_sec = CTL_EVENTS_HTTP_PING_S;
	tv.tv_usec = 0;
	event_add(c->ping, &tv);

	c->busy++;
	httpd_stream_start(req, "text/event-stream", sse_closed, c);
	/* Replay the newest `limit` of those after `after`. */
	last = ctl_events_last_seq(ev);
	if (last > after && last - after > limit)
		after = last - limit;
	if (!c->closed && last > after)
		ctl_events_after(ev, after, limit, sse_event, c);
	(void)sse_leave(c);
}
