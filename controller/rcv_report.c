/*
 * rcv_report.c - reports to the controller: each key hit is POSTed to
 * controller_url's /api/v1/events (with the controller's token), so the
 * controller records it and extends the capture that produced the
 * session.
 *
 * Reports ride on the poll's connection (rcv_poll.c: same host, same
 * token, evhttp queues the requests), one in flight at a time, from a
 * bounded queue: a flood of hits while the controller is away drops the
 * oldest reports, counted, never memory.  A report that gets no 2xx is
 * tried again with the next tick, at most RCV_REPORT_TRIES times.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rcv_daemon.h"
#include "version.h"

static void	report_next(struct rcv_daemon *);

static void
drop_head(struct rcv_reports *q)
{
	free(q->body[q->head]);
	q->body[q->head] = NULL;
	q->head = (q->head + 1) % RCV_REPORT_QUEUE;
	q->n--;
	q->tries = 0;
}

static void
on_reply(struct evhttp_request *req, void *arg)
{
	struct rcv_daemon *d = arg;
	struct rcv_reports *q = &d->reports;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;

	q->req = NULL;
	if (q->n == 0)
		return;
	if (code >= 200 && code < 300) {
		d->counters.reports_sent++;
		drop_head(q);
		q->failing = 0;
		report_next(d);
		return;
	}
	d->counters.report_failures++;
	if (!q->failing)
		log_warnx("report to the controller: %s (trying again; logged "
		    "once until one goes through)", code == 0 ? "no answer" :
		    code == 401 ? "401 (check controller_token_file)" :
		    code == 400 ? "400 (refused)" : "not accepted");
	q->failing = 1;
	/* A refusal will not change: give it up.  Else the tick retries. */
	if (code == 400 || ++q->tries >= RCV_REPORT_TRIES) {
		d->counters.reports_dropped++;
		drop_head(q);
	}
}

static void
report_next(struct rcv_daemon *d)
{
	struct rcv_reports *q = &d->reports;
	struct rcv_poll *p = &d->poll;
	struct evhttp_request *req;
	struct evkeyvalq *h;
	const char *body;

	if (q->req != NULL || q->n == 0 || p->conn == NULL)
		return;
	if ((req = evhttp_request_new(on_reply, d)) == NULL)
		return;		/* the tick tries again */
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", p->host);
	/* As the poll does (rcv_poll.c): a controller may close an idle
	 * connection without a word, and the next request on it would be
	 * lost; a connection per request has no such race. */
	evhttp_add_header(h, "Connection", "close");
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "User-Agent", "finderscope-receiver/"
	    FINDERSCOPE_VERSION);
	if (p->auth != NULL)
		evhttp_add_header(h, "Authorization", p->auth);
	body = q->body[q->head];
	evbuffer_add(evhttp_request_get_output_buffer(req), body,
	    strlen(body));
	if (evhttp_make_request(p->conn, req, EVHTTP_REQ_POST,
	    p->events_path) == -1)
		return;		/* freed by the failure; the tick retries */
	q->req = req;
}

void
rcv_report_queue(struct rcv_daemon *d, char *body)
{
	struct rcv_reports *q = &d->reports;

	if (q->n == RCV_REPORT_QUEUE) {
		d->counters.reports_dropped++;
		if (q->req != NULL) {
			/* The head is in flight: drop the next oldest and
			 * close the hole, keeping the order. */
			uint32_t i, at = (q->head + 1) % RCV_REPORT_QUEUE;

			free(q->body[at]);
			for (i = 1; i + 1 < q->n; i++) {
				uint32_t next = (at + 1) % RCV_REPORT_QUEUE;

				q->body[at] = q->body[next];
				at = next;
			}
			q->body[at] = NULL;
			q->n--;
		} else
			drop_head(q);
	}
	q->body[(q->head + q->n) % RCV_REPORT_QUEUE] = body;
	q->n++;
	d->counters.reports_queued++;
	report_next(d);
}

void
rcv_report_tick(struct rcv_daemon *d)
{
	report_next(d);
}

void
rcv_report_detach(struct rcv_daemon *d)
{
	/* The connection is going away and takes the request with it,
	 * without a callback: the report stays queued for the next one. */
	d->reports.req = NULL;
}

void
rcv_report_free(struct rcv_daemon *d)
{
	struct rcv_reports *q = &d->reports;

	while (q->n > 0)
		drop_head(q);
	q->req = NULL;
}
