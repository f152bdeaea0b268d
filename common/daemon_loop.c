/*
 * daemon_loop.c - signals and the 1 s tick as libevent events (so their
 * handlers run on the loop like everything else, never in signal context).
 */
#include <signal.h>
#include <string.h>

#include <event2/event.h>

#include "daemon_loop.h"
#include "log.h"

static void
on_sighup(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_loop *l = arg;

	(void)fd;
	(void)what;
	log_info("SIGHUP: reloading");
	l->ops->reload(l->ctx);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_loop *l = arg;

	(void)what;
	log_info("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	l->ops->stop(l->ctx);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_loop *l = arg;

	(void)fd;
	(void)what;
	l->ops->tick(l->ctx);
}

int
daemon_loop_start(struct daemon_loop *l, struct event_base *base,
    const struct daemon_loop_ops *ops, void *ctx)
{
	struct timeval one = { 1, 0 };

	memset(l, 0, sizeof(*l));
	l->ops = ops;
	l->ctx = ctx;
	signal(SIGPIPE, SIG_IGN);
	l->sighup = evsignal_new(base, SIGHUP, on_sighup, l);
	l->sigterm = evsignal_new(base, SIGTERM, on_stop, l);
	l->sigint = evsignal_new(base, SIGINT, on_stop, l);
	l->tick = event_new(base, -1, EV_PERSIST, on_tick, l);
	if (l->sighup == NULL || l->sigterm == NULL || l->sigint == NULL ||
	    l->tick == NULL || evsignal_add(l->sighup, NULL) == -1 ||
	    evsignal_add(l->sigterm, NULL) == -1 ||
	    evsignal_add(l->sigint, NULL) == -1 ||
	    event_add(l->tick, &one) == -1) {
		daemon_loop_stop(l);
		return -1;
	}
	return 0;
}

void
daemon_loop_stop(struct daemon_loop *l)
{
	struct event **e[] = { &l->sighup, &l->sigterm, &l->sigint,
	    &l->tick };
	size_t i;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		if (*e[i] != NULL)
			event_free(*e[i]);
		*e[i] = NULL;
	}
}
