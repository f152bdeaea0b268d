/*
 * cap_rawsock.c - the raw IPPROTO_GRE socket input: recvmmsg(2) batches
 * into preallocated buffers on the event loop (see capture.h).
 *
 * Buffers: CAP_RAWSOCK_BATCH slots, each CAP_RAWSOCK_HEADROOM bytes of
 * headroom, then CAP_RAWSOCK_MAX_PACKET bytes that recvmmsg fills, and a
 * control buffer for the ancillary data.  The kernel writes only what it
 * received, so the 4 MiB of slots cost memory only as far as packets
 * reach.  For IPv6 the synthetic header is written into the headroom just
 * before the payload, so the callback gets one contiguous packet without a
 * copy.
 *
 * SO_RXQ_OVFL: each packet carries the socket's drop counter as it was
 * when the packet was queued (a 32-bit counter that wraps; the kernel
 * leaves it out while it is 0).  The drops are added as differences
 * between the counters seen, so kernel_drops covers every drop before the
 * last packet read; drops after it show with the next packet.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <linux/filter.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "capture.h"

#define IPV6_HDR_LEN	40
#define IPPROTO_GRE_	47

/* Room for a time stamp, the drop counter and IPv6's pktinfo, tclass, hlim. */
#define CONTROL_LEN	(CMSG_SPACE(sizeof(struct timespec)) +		\
			 CMSG_SPACE(sizeof(uint32_t)) +			\
			 CMSG_SPACE(sizeof(struct in6_pktinfo)) +	\
			 2 * CMSG_SPACE(sizeof(int)))

/* Keep every slot's start 64-byte aligned. */
#define SLOT_LEN	\
	((CAP_RAWSOCK_HEADROOM + CAP_RAWSOCK_MAX_PACKET + 63) & ~63)

struct cap_rawsock {
	int			 fd;
	int			 family;	/* NETADDR_IPV4 or _IPV6 */
	struct netaddr		 bound;		/* NETADDR_NONE: any */
	struct event		*ev;
	cap_packet_cb		*cb;
	void			*ctx;

	uint8_t			*slots;		/* BATCH x SLOT_LEN */
	uint8_t			*control;	/* BATCH x CONTROL_LEN */
	struct mmsghdr		 msgs[CAP_RAWSOCK_BATCH];
	struct iovec		 iov[CAP_RAWSOCK_BATCH];
	struct sockaddr_in6	 names[CAP_RAWSOCK_BATCH];	/* IPv6 only */

	uint32_t		 last_ovfl;	/* SO_RXQ_OVFL last seen */
	struct cap_rawsock_stats stats;
};

/* What the ancillary data of one packet said. */
struct rx_meta {
	int			 has_ts;
	struct timespec		 ts;
	int			 has_dst;
	struct in6_addr		 dst;
	int			 tclass;
	int			 hlim;
};

static void	rawsock_read(evutil_socket_t, short, void *);
static void	rawsock_rearm(struct cap_rawsock *, int);

static int
set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

/* SO_RCVBUFFORCE first: root may go past net.core.rmem_max. */
static void
set_rcvbuf(struct cap_rawsock *rs, uint64_t want)
{
	int		v = want > INT_MAX ? INT_MAX : (int)want;
	socklen_t	len = sizeof(v);

	if (want > 0 && set_int(rs->fd, SOL_SOCKET, SO_RCVBUFFORCE, v) == -1)
		(void)set_int(rs->fd, SOL_SOCKET, SO_RCVBUF, v);
	if (getsockopt(rs->fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 && v > 0)
		rs->stats.rcvbuf = (uint64_t)v;
}

static int
rawsock_bind(struct cap_rawsock *rs, const struct netaddr *a, char *err,
    size_t errlen)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	char			text[NETADDR_STRLEN];

	memset(&ss, 0, sizeof(ss));
	if (rs->family == NETADDR_IPV4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->bytes, 4);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		sslen = sizeof(*sin6);
	}
	if (bind(rs->fd, (struct sockaddr *)&ss, sslen) == -1) {
		snprintf(err, errlen, "raw GRE socket: bind to %s: %s",
		    netaddr_format(a, text, sizeof(text)), strerror(errno));
		return -1;
	}
	return 0;
}

/* Point every message at its slot, once. */
static void
rawsock_setup(struct cap_rawsock *rs)
{
	int i;

	for (i = 0; i < CAP_RAWSOCK_BATCH; i++) {
		struct msghdr *mh = &rs->msgs[i].msg_hdr;

		rs->iov[i].iov_base = rs->slots + (size_t)i * SLOT_LEN +
		    CAP_RAWSOCK_HEADROOM;
		rs->iov[i].iov_len = CAP_RAWSOCK_MAX_PACKET;
		mh->msg_iov = &rs->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = rs->control + (size_t)i * CONTROL_LEN;
		if (rs->family == NETADDR_IPV6)
			mh->msg_name = &rs->names[i];
	}
	rawsock_rearm(rs, CAP_RAWSOCK_BATCH);
}

/* recvmmsg() rewrote these lengths of the first n messages: restore them. */
static void
rawsock_rearm(struct cap_rawsock *rs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct msghdr *mh = &rs->msgs[i].msg_hdr;

		mh->msg_controllen = CONTROL_LEN;
		mh->msg_flags = 0;
		if (rs->family == NETADDR_IPV6)
			mh->msg_namelen = sizeof(rs->names[i]);
	}
}

struct cap_rawsock *
cap_rawsock_new(struct event_base *base, int family,
    const struct netaddr *bind_addr, uint64_t rcvbuf, cap_packet_cb *cb,
    void *ctx, char *err, size_t errlen)
{
	struct cap_rawsock	*rs;
	int			 af;

	if (family == NETADDR_IPV4)
		af = AF_INET;
	else if (family == NETADDR_IPV6)
		af = AF_INET6;
	else {
		snprintf(err, errlen, "raw GRE socket: family %d is neither "
		    "IPv4 nor IPv6", family);
		return NULL;
	}
	if (bind_addr != NULL && bind_addr->family != NETADDR_NONE &&
	    bind_addr->family != family) {
		snprintf(err, errlen, "raw GRE socket: bind address of "
		    "another family than the socket (IPv%d)", family);
		return NULL;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		snprintf(err, errlen, "raw GRE socket: out of memory");
		return NULL;
	}
	rs->fd = -1;
	rs->family = family;
	rs->cb = cb;
	rs->ctx = ctx;
	rs->slots = malloc((size_t)CAP_RAWSOCK_BATCH * SLOT_LEN);
	rs->control = malloc((size_t)CAP_RAWSOCK_BATCH * CONTROL_LEN);
	if (rs->slots == NULL || rs->control == NULL) {
		snprintf(err, errlen, "raw GRE socket: out of memory");
		goto fail;
	}
	rs->fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_GRE_);
	if (rs->fd == -1) {
		snprintf(err, errlen, "raw GRE socket (IPv%d): %s%s", family,
		    strerror(errno), errno == EPERM ?
		    " (needs root or CAP_NET_RAW)" : "");
		goto fail;
	}
	/* Time stamps and drop counts are extras: go on without them. */
	(void)set_int(rs->fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	(void)set_int(rs->fd, SOL_SOCKET, SO_RXQ_OVFL, 1);
	if (family == NETADDR_IPV6) {
		/* The destination is needed for the synthetic header. */
		if (set_int(rs->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) == -1) {
			snprintf(err, errlen, "raw GRE socket: "
			    "IPV6_RECVPKTINFO: %s", strerror(errno));
			goto fail;
		}
		(void)set_int(rs->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
		(void)set_int(rs->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	}
	set_rcvbuf(rs, rcvbuf);
	if (bind_addr != NULL && bind_addr->family != NETADDR_NONE) {
		if (rawsock_bind(rs, bind_addr, err, errlen) == -1)
			goto fail;
		rs->bound = *bind_addr;
	}
	rawsock_setup(rs);
	rs->ev = event_new(base, rs->fd, EV_READ | EV_PERSIST, rawsock_read,
	    rs);
	if (rs->ev == NULL || event_add(rs->ev, NULL) == -1) {
		snprintf(err, errlen, "raw GRE socket: cannot add the read "
		    "event");
		goto fail;
	}
	return rs;
fail:
	cap_rawsock_free(rs);
	return NULL;
}

void
cap_rawsock_free(struct cap_rawsock *rs)
{
	if (rs == NULL)
		return;
	if (rs->ev != NULL)
		event_free(rs->ev);
	if (rs->fd != -1)
		close(rs->fd);
	free(rs->slots);
	free(rs->control);
	free(rs);
}

int
cap_rawsock_drop_all(struct cap_rawsock *rs)
{
	struct sock_filter	insn[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog	prog = { 1, insn };
	uint8_t			scratch[1];
	int			i;

	if (setsockopt(rs->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1)
		return -1;
	/*
	 * What was queued before the filter stays queued: read it out so
	 * that it does not hold buffer space forever.  Bounded, because
	 * only packets from before the filter can be there.
	 */
	for (i = 0; i < 1 << 20; i++)
		if (recv(rs->fd, scratch, sizeof(scratch), MSG_DONTWAIT |
		    MSG_TRUNC) == -1)
			break;
	return 0;
}

void
cap_rawsock_stats(const struct cap_rawsock *rs, struct cap_rawsock_stats *st)
{
	*st = rs->stats;
}

static void
meta_read(struct cap_rawsock *rs, struct msghdr *mh, struct rx_meta *m)
{
	struct cmsghdr *c;

	memset(m, 0, sizeof(*m));
	m->hlim = -1;
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(m->ts))) {
			memcpy(&m->ts, CMSG_DATA(c), sizeof(m->ts));
			m->has_ts = 1;
		} else if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_RXQ_OVFL &&
		    c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			uint32_t ovfl;

			memcpy(&ovfl, CMSG_DATA(c), sizeof(ovfl));
			/* Unsigned difference: right across a wrap. */
			rs->stats.kernel_drops += (uint32_t)(ovfl -
			    rs->last_ovfl);
			rs->last_ovfl = ovfl;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			m->dst = pi.ipi6_addr;
			m->has_dst = 1;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    (c->cmsg_type == IPV6_TCLASS ||
		    c->cmsg_type == IPV6_HOPLIMIT) &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			if (c->cmsg_type == IPV6_TCLASS)
				m->tclass = v & 0xFF;
			else
				m->hlim = v & 0xFF;
		}
	}
}

/*
 * Write the synthetic IPv6 header into the headroom before the payload of
 * plen bytes and return where the packet starts.
 */
static uint8_t *
ipv6_header(struct cap_rawsock *rs, uint8_t *payload, size_t plen,
    const struct sockaddr_in6 *from, const struct rx_meta *m)
{
	uint8_t *h = payload - IPV6_HDR_LEN;

	h[0] = (uint8_t)(0x60 | m->tclass >> 4);
	h[1] = (uint8_t)((m->tclass & 0x0F) << 4);
	h[2] = h[3] = 0;			/* flow label: unknown */
	h[4] = (uint8_t)(plen >> 8);
	h[5] = (uint8_t)plen;
	h[6] = IPPROTO_GRE_;
	h[7] = m->hlim >= 0 ? (uint8_t)m->hlim : 0;
	memcpy(h + 8, &from->sin6_addr, 16);
	if (m->has_dst)
		memcpy(h + 24, &m->dst, 16);
	else if (rs->bound.family == NETADDR_IPV6)
		memcpy(h + 24, rs->bound.bytes, 16);
	else
		memset(h + 24, 0, 16);
	return h;
}

static void
rawsock_deliver(struct cap_rawsock *rs, struct mmsghdr *mm,
    const struct timespec *batch_ts)
{
	struct msghdr	*mh = &mm->msg_hdr;
	uint8_t		*pkt = mh->msg_iov->iov_base;
	size_t		 len = mm->msg_len;
	struct rx_meta	 m;

	meta_read(rs, mh, &m);
	if (mh->msg_flags & MSG_TRUNC) {
		rs->stats.truncated++;
		return;
	}
	if (rs->family == NETADDR_IPV6) {
		pkt = ipv6_header(rs, pkt, len, mh->msg_name, &m);
		len += IPV6_HDR_LEN;
	}
	rs->stats.packets++;
	rs->stats.bytes += len;
	if (rs->cb != NULL)
		rs->cb(rs->ctx, pkt, len, m.has_ts ? &m.ts : batch_ts);
}

/*
 * Up to CAP_RAWSOCK_MAX_ROUNDS full batches, then back to the loop: the
 * event is level-triggered and fires again at once if more is queued.
 */
static void
rawsock_read(evutil_socket_t fd, short what, void *arg)
{
	struct cap_rawsock	*rs = arg;
	struct timespec		 batch_ts;
	int			 round, n, i;

	(void)what;
	for (round = 0; round < CAP_RAWSOCK_MAX_ROUNDS; round++) {
		n = recvmmsg(fd, rs->msgs, CAP_RAWSOCK_BATCH, MSG_DONTWAIT,
		    NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				rs->stats.errors++;
			return;
		}
		if (n == 0)
			return;
		rs->stats.batches++;
		clock_gettime(CLOCK_REALTIME, &batch_ts);
		for (i = 0; i < n; i++)
			rawsock_deliver(rs, &rs->msgs[i], &batch_ts);
		rawsock_rearm(rs, n);
		if (n < CAP_RAWSOCK_BATCH)
			return;			/* drained */
	}
}
