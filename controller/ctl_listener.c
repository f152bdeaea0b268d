/*
 * ctl_listener.c - the sFlow UDP socket: opened and bound once, then read
 * on the event loop with recvmmsg(2) in bounded batches.
 *
 * All receive memory is allocated when the listener is created: BATCH
 * slots of MAX_DATAGRAM + 1 bytes, one sockaddr and one control buffer per
 * slot, and the mmsghdr array pointing at them.  A readable event costs no
 * allocation whatever a peer sends.
 *
 * Invariants:
 *  - msgs[i] always points at slot i, from[i] and cmsg[i]; only the
 *    lengths and flags the kernel overwrites are reset before each call.
 *  - A slot is one byte longer than CTL_LISTENER_MAX_DATAGRAM, so a
 *    datagram that does not fit is seen both ways: MSG_TRUNC, or a length
 *    above the maximum.  Either is counted as truncated and dropped.
 *  - One event does at most CTL_LISTENER_MAX_ROUNDS recvmmsg calls (EINTR
 *    included), so a flood cannot starve the API and the timers; the event
 *    is level-triggered, so what is left wakes us again.
 *  - kernel_drops only grows.  The kernel stamps each queued datagram with
 *    the socket's drop count at the time it was queued (SO_RXQ_OVFL, a
 *    32-bit counter that also includes checksum and filter drops), so the
 *    count is learned from the next datagram queued after the drops; we
 *    add the difference to the last value seen, which survives the 32-bit
 *    wrap.
 *
 * SO_REUSEADDR is deliberately not set: UDP has no TIME_WAIT to skip, and
 * on Linux two UDP sockets that both set it may bind the same address and
 * port, the later one then receiving the unicast traffic.  A second
 * daemon started by mistake would silently steal the sFlow feed; without
 * the option its bind fails with EADDRINUSE.
 */
#define _GNU_SOURCE		/* recvmmsg, struct mmsghdr */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ctl_config.h"
#include "ctl_listener.h"
#include "log.h"

#define SLOT_SIZE	((size_t)CTL_LISTENER_MAX_DATAGRAM + 1)

/* Room for the SO_RXQ_OVFL message, aligned for struct cmsghdr. */
union listener_cmsg {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(sizeof(uint32_t))];
};

struct ctl_listener {
	struct event		*ev;
	int			 fd;
	struct ctl_listen	 addr;		/* with the port bound */
	char			 name[CTL_VALUE_STRLEN]; /* for messages */
	ctl_datagram_cb		*cb;
	void			*ctx;
	struct ctl_listener_stats st;
	uint32_t		 ovfl_last;	/* last SO_RXQ_OVFL value */
	int			 err_logged;	/* this error streak: logged */
	uint8_t			*slots;		/* BATCH slots */
	struct mmsghdr		 msgs[CTL_LISTENER_BATCH];
	struct iovec		 iov[CTL_LISTENER_BATCH];
	struct sockaddr_storage	 from[CTL_LISTENER_BATCH];
	union listener_cmsg	 cmsg[CTL_LISTENER_BATCH];
};

static void	on_readable(evutil_socket_t, short, void *);

static void
seterr(char *err, size_t errlen, const char *name, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "listen %s: %s: %s", name, what,
		    strerror(errno));
}

static socklen_t
to_sockaddr(const struct ctl_listen *l, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (l->addr.family == NETADDR_IPV4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(l->port);
		memcpy(&sin->sin_addr, l->addr.bytes, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(l->port);
	memcpy(&sin6->sin6_addr, l->addr.bytes, 16);
	return sizeof(*sin6);
}

/* The source of a datagram; NETADDR_NONE and port 0 if not IP. */
static uint16_t
from_sockaddr(const struct sockaddr_storage *ss, socklen_t len,
    struct netaddr *a)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET && len >= sizeof(*sin)) {
		a->family = NETADDR_IPV4;
		memcpy(a->bytes, &sin->sin_addr, 4);
		return ntohs(sin->sin_port);
	}
	if (ss->ss_family == AF_INET6 && len >= sizeof(*sin6)) {
		a->family = NETADDR_IPV6;
		memcpy(a->bytes, &sin6->sin6_addr, 16);
		return ntohs(sin6->sin6_port);
	}
	return 0;
}

static int
setopt_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

/*
 * SO_RCVBUFFORCE lets root go beyond net.core.rmem_max; without
 * CAP_NET_ADMIN it fails and SO_RCVBUF is capped at rmem_max silently.
 * The kernel doubles the value (for its bookkeeping) and caps it at
 * INT_MAX, hence the clamp to INT_MAX / 2.
 */
static int
set_rcvbuf(struct ctl_listener *l, uint64_t want, char *err, size_t errlen)
{
	int		v;
	socklen_t	len = sizeof(v);

	if (want > 0) {
		v = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;
		if (setopt_int(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, v) == -1 &&
		    setopt_int(l->fd, SOL_SOCKET, SO_RCVBUF, v) == -1) {
			seterr(err, errlen, l->name, "SO_RCVBUF");
			return -1;
		}
	}
	if (getsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == -1) {
		seterr(err, errlen, l->name, "getsockopt SO_RCVBUF");
		return -1;
	}
	l->st.rcvbuf = v < 0 ? 0 : (uint64_t)v;
	return 0;
}

static int
open_socket(struct ctl_listener *l, uint64_t rcvbuf, char *err,
    size_t errlen)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			af;

	af = l->addr.addr.family == NETADDR_IPV4 ? AF_INET : AF_INET6;
	l->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd == -1) {
		seterr(err, errlen, l->name, "socket");
		return -1;
	}
	if (af == AF_INET6 &&
	    setopt_int(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) == -1) {
		seterr(err, errlen, l->name, "IPV6_V6ONLY");
		return -1;
	}
	if (setopt_int(l->fd, SOL_SOCKET, SO_RXQ_OVFL, 1) == -1) {
		seterr(err, errlen, l->name, "SO_RXQ_OVFL");
		return -1;
	}
	if (set_rcvbuf(l, rcvbuf, err, errlen) == -1)
		return -1;
	sslen = to_sockaddr(&l->addr, &ss);
	if (bind(l->fd, (struct sockaddr *)&ss, sslen) == -1) {
		seterr(err, errlen, l->name, "bind");
		return -1;
	}
	sslen = sizeof(ss);
	if (getsockname(l->fd, (struct sockaddr *)&ss, &sslen) == -1) {
		seterr(err, errlen, l->name, "getsockname");
		return -1;
	}
	l->addr.port = ss.ss_family == AF_INET ?
	    ntohs(((struct sockaddr_in *)&ss)->sin_port) :
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

struct ctl_listener *
ctl_listener_new(struct event_base *base, const struct ctl_listen *addr,
    uint64_t rcvbuf, ctl_datagram_cb *cb, void *ctx, char *err,
    size_t errlen)
{
	struct ctl_listener	*l;
	int			 i;

	if (addr->addr.family != NETADDR_IPV4 &&
	    addr->addr.family != NETADDR_IPV6) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "listen: no address");
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->slots = malloc(CTL_LISTENER_BATCH * SLOT_SIZE)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "listen: out of memory");
		free(l);
		return NULL;
	}
	l->fd = -1;
	l->addr = *addr;
	l->cb = cb;
	l->ctx = ctx;
	ctl_format_listen(addr, l->name, sizeof(l->name));
	for (i = 0; i < CTL_LISTENER_BATCH; i++) {
		l->iov[i].iov_base = l->slots + (size_t)i * SLOT_SIZE;
		l->iov[i].iov_len = SLOT_SIZE;
		l->msgs[i].msg_hdr.msg_name = &l->from[i];
		l->msgs[i].msg_hdr.msg_iov = &l->iov[i];
		l->msgs[i].msg_hdr.msg_iovlen = 1;
		l->msgs[i].msg_hdr.msg_control = l->cmsg[i].buf;
	}
	if (open_socket(l, rcvbuf, err, errlen) == -1)
		goto fail;
	ctl_format_listen(&l->addr, l->name, sizeof(l->name));
	l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, on_readable, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "listen %s: cannot add the "
			    "event", l->name);
		goto fail;
	}
	return l;
fail:
	ctl_listener_free(l);
	return NULL;
}

void
ctl_listener_free(struct ctl_listener *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->fd != -1)
		close(l->fd);
	free(l->slots);
	free(l);
}

uint16_t
ctl_listener_port(const struct ctl_listener *l)
{
	return l->addr.port;
}

const struct ctl_listen *
ctl_listener_addr(const struct ctl_listener *l)
{
	return &l->addr;
}

void
ctl_listener_stats(const struct ctl_listener *l, struct ctl_listener_stats *st)
{
	*st = l->st;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The kernel overwrites these; everything else in msgs stays put. */
static void
reset_batch(struct ctl_listener *l)
{
	int i;

	for (i = 0; i < CTL_LISTENER_BATCH; i++) {
		l->msgs[i].msg_len = 0;
		l->msgs[i].msg_hdr.msg_namelen = sizeof(l->from[i]);
		l->msgs[i].msg_hdr.msg_controllen = sizeof(l->cmsg[i]);
		l->msgs[i].msg_hdr.msg_flags = 0;
	}
}

/*
 * A stamp lower than the last one (from concurrent queueing) adds
 * nothing rather than a wrapped-around 4 billion.
 */
static void
read_drops(struct ctl_listener *l, struct msghdr *h)
{
	struct cmsghdr	*c;
	uint32_t	 v, d;

	for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SO_RXQ_OVFL ||
		    c->cmsg_len < CMSG_LEN(sizeof(v)))
			continue;
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		d = v - l->ovfl_last;
		if (d < UINT32_C(1) << 31) {
			l->st.kernel_drops += d;
			l->ovfl_last = v;
		}
	}
}

static void
deliver(struct ctl_listener *l, int n)
{
	struct netaddr	 from;
	struct msghdr	*h;
	uint16_t	 port;
	int64_t		 now_ms;
	size_t		 len;
	int		 i;

	l->st.batches++;
	l->err_logged = 0;
	now_ms = wall_ms();
	for (i = 0; i < n; i++) {
		h = &l->msgs[i].msg_hdr;
		len = l->msgs[i].msg_len;
		read_drops(l, h);
		if ((h->msg_flags & MSG_TRUNC) != 0 ||
		    len > CTL_LISTENER_MAX_DATAGRAM) {
			l->st.truncated++;
			continue;
		}
		port = from_sockaddr(&l->from[i], h->msg_namelen, &from);
		l->st.datagrams++;
		l->st.bytes += len;
		l->cb(l->ctx, &from, port, l->iov[i].iov_base, len, now_ms);
	}
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_listener	*l = arg;
	int			 n, round;

	(void)fd;
	(void)what;
	for (round = 0; round < CTL_LISTENER_MAX_ROUNDS; round++) {
		reset_batch(l);
		n = recvmmsg(l->fd, l->msgs, CTL_LISTENER_BATCH, MSG_DONTWAIT,
		    NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			l->st.errors++;
			if (!l->err_logged) {
				log_warn("listen %s: recvmmsg", l->name);
				l->err_logged = 1;
			}
			return;
		}
		if (n > 0)
			deliver(l, n);
		if (n < CTL_LISTENER_BATCH)
			return;
	}
}
