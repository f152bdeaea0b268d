/*
 * curl_loop.c - a libcurl multi handle driven by a libevent loop (the
 * "multi_socket" API, after curl's hiperfifo example), so downloads never
 * block the loop.
 *
 * libcurl tells us, through two callbacks, what to wait for:
 *  - the socket callback: watch socket s for reading and/or writing, or
 *    stop watching it (CURL_POLL_REMOVE).  Each watched socket has one
 *    struct sock holding a persistent event; curl_multi_assign() hangs it
 *    on the socket so the next callback finds it again.
 *  - the timer callback: call us back in timeout_ms (-1: never).  One
 *    evtimer serves the whole multi.  libcurl must not be called from
 *    inside this callback, so even a 0 ms timeout goes through the loop.
 * When a socket is ready or the timer fires we hand the event to
 * curl_multi_socket_action() and then collect finished transfers with
 * curl_multi_info_read().  A finished handle leaves the multi before the
 * owner hears of it, so the owner may free it or start new transfers from
 * its callback.
 *
 * Invariant: every struct sock is on the list, and its event is pending
 * exactly while libcurl wants the socket watched.  libcurl may ask us to
 * remove sockets during curl_multi_remove_handle() and
 * curl_multi_cleanup(), so the structure lives until curl_loop_free()
 * has finished with libcurl; whatever libcurl did not remove is freed
 * then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "curl_loop.h"

struct sock {
	struct sock		*next;
	struct curl_loop	*bc;
	curl_socket_t		 fd;
	int			 added;		/* ev is pending */
	struct event		 ev;
};

struct curl_loop {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct sock		*socks;
	curl_loop_done	*done;
	void			*ctx;
	int			 global;	/* curl_global_init() done */
};

/* Hand every finished transfer to the owner. */
static void
check_done(struct curl_loop *bc)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(bc->multi, &left)) != NULL) {
		CURL *easy;
		CURLcode code;

		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg is invalid once the handle is removed: copy first. */
		easy = msg->easy_handle;
		code = msg->data.result;
		curl_multi_remove_handle(bc->multi, easy);
		bc->done(bc->ctx, easy, code);
	}
}

static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct sock *s = arg;
	struct curl_loop *bc = s->bc;	/* s may be freed below */
	int action = 0, running = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(bc->multi, fd, action, &running);
	check_done(bc);
	/*
	 * Unlike hiperfifo, the timer is not deleted when nothing runs:
	 * libcurl says so itself (timeout -1), and a transfer started from
	 * the done callback may just have armed it.
	 */
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct curl_loop *bc = arg;
	int running = 0;

	(void)fd;
	(void)what;
	curl_multi_socket_action(bc->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(bc);
}

static void
sock_unlink(struct curl_loop *bc, struct sock *s)
{
	struct sock **pp;

	for (pp = &bc->socks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->added)
		event_del(&s->ev);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION */
static int
multi_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct curl_loop *bc = userp;
	struct sock *s = socketp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		/* libcurl forgets the socket's pointer itself. */
		if (s != NULL)
			sock_unlink(bc, s);
		return 0;
	}
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;	/* libcurl fails the transfer */
		s->bc = bc;
		s->fd = fd;
		s->next = bc->socks;
		bc->socks = s;
		curl_multi_assign(bc->multi, fd, s);
	}
	if (s->added) {
		event_del(&s->ev);
		s->added = 0;
	}
	kind = EV_PERSIST;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		kind |= EV_READ;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		kind |= EV_WRITE;
	if (event_assign(&s->ev, bc->base, fd, kind, on_socket, s) == -1 ||
	    event_add(&s->ev, NULL) == -1)
		return -1;
	s->added = 1;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION */
static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_loop *bc = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0)
		return evtimer_del(bc->timer) == 0 ? 0 : -1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(bc->timer, &tv) == 0 ? 0 : -1;
}

struct curl_loop *
curl_loop_new(struct event_base *base, curl_loop_done *done,
    void *ctx, char *err, size_t errlen)
{
	struct curl_loop *bc;
	CURLMcode mc = CURLM_OK;

	if ((bc = calloc(1, sizeof(*bc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	bc->base = base;
	bc->done = done;
	bc->ctx = ctx;
	/* Reference counted by libcurl; undone in curl_loop_free(). */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		goto fail;
	}
	bc->global = 1;
	if ((bc->timer = evtimer_new(base, on_timer, bc)) == NULL ||
	    (bc->multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	mc = curl_multi_setopt(bc->multi, CURLMOPT_SOCKETFUNCTION,
	    multi_socket_cb);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(bc->multi, CURLMOPT_SOCKETDATA, bc);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(bc->multi, CURLMOPT_TIMERFUNCTION,
		    multi_timer_cb);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(bc->multi, CURLMOPT_TIMERDATA, bc);
	if (mc != CURLM_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
		goto fail;
	}
	return bc;
fail:
	curl_loop_free(bc);
	return NULL;
}

int
curl_loop_add(struct curl_loop *bc, CURL *easy, char *err,
    size_t errlen)
{
	CURLMcode mc;

	/* libcurl arms the timer (0 ms): the transfer starts on the loop. */
	if ((mc = curl_multi_add_handle(bc->multi, easy)) != CURLM_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
		return -1;
	}
	return 0;
}

void
curl_loop_remove(struct curl_loop *bc, CURL *easy)
{
	curl_multi_remove_handle(bc->multi, easy);
}

void
curl_loop_free(struct curl_loop *bc)
{
	if (bc == NULL)
		return;
	/* May call the socket callback for cached connections. */
	if (bc->multi != NULL)
		curl_multi_cleanup(bc->multi);
	while (bc->socks != NULL)
		sock_unlink(bc, bc->socks);
	if (bc->timer != NULL)
		event_free(bc->timer);
	if (bc->global)
		curl_global_cleanup();
	free(bc);
}
