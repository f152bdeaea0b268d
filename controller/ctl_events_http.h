/*
 * ctl_events_http.h - an event ring (ctl_events.h) served over HTTP, by
 * the controller's API and the receiver's alike: the long poll and the
 * Server-Sent Events stream (docs/api.md, "Events").
 */
#ifndef FS_CTL_EVENTS_HTTP_H
#define FS_CTL_EVENTS_HTTP_H

#include <event2/event.h>

#include "ctl_events.h"
#include "httpd.h"

/* Long polls and event streams together (a subscription each). */
#define CTL_EVENTS_HTTP_MAX_SUBSCRIBERS	256
/* The keep-alive comment of an event stream, every this many seconds. */
#define CTL_EVENTS_HTTP_PING_S		15

/* GET ...?after=SEQ&wait=S&limit=N: the events after SEQ now, or held
 * until one comes or the wait runs out.  ev NULL: 503. */
void	ctl_events_http_poll(struct httpd_req *, struct ctl_events *ev,
	    struct event_base *);
/* GET ...?after=SEQ&limit=N (or Last-Event-ID): Server-Sent Events. */
void	ctl_events_http_stream(struct httpd_req *, struct ctl_events *ev,
	    struct event_base *);

#endif /* FS_CTL_EVENTS_HTTP_H */
