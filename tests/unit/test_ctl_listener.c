/*
 * test_ctl_listener.c - the sFlow UDP listener (controller/ctl_listener.c)
 * on a real libevent loop and real loopback sockets: order, source
 * address and bytes of what arrives, recvmmsg batching and its round cap,
 * the receive buffer, the kernel's drop count, the largest datagrams,
 * IPv4 and IPv6 on one port, and the bind errors.
 *
 * Loopback delivery is synchronous: when sendto() returns, the datagram
 * is queued on the receiving socket (or dropped), so one non-blocking
 * pass of the loop sees everything sent before it.
 *
 * What loopback cannot produce (recvmmsg failures, EINTR, truncation,
 * drop stamps near the 32-bit wrap) is injected: this file defines
 * recvmmsg(), which the listener linked into this executable calls
 * instead of libc's; it makes the real system call and then applies the
 * faults armed in the one file-level pointer below (NULL: none).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "fs_test.h"

#include "ctl_config.h"
#include "ctl_listener.h"

#define MAX_SEEN	2048
#define HEAD		16		/* bytes of each datagram kept */

struct seen {
	struct netaddr	from;
	uint16_t	port;
	size_t		len;
	uint8_t		head[HEAD];
	int		pattern_ok;	/* the bytes matched pattern() */
	int64_t		now_ms;
};

struct fixture {
	struct event_base	*base;
	struct seen		 s[MAX_SEEN];
	int			 n;
};

/* A peer bound to a known local address and port, sending to the listener. */
struct peer {
	int			fd;
	struct netaddr		addr;
	uint16_t		port;
	struct sockaddr_storage	to;
	socklen_t		tolen;
};

struct fault {
	int		 fail;		/* next calls fail with err */
	int		 err;
	int		 trunc;		/* next batch: message 0 MSG_TRUNC */
	int		 oversize;	/* next batch: message 0 MAX + 1 */
	const uint32_t	*stamps;	/* SO_RXQ_OVFL values for the */
	int		 nstamps;	/* next messages, in order */
	int		 calls;
};

static struct fault *fault;

int
recvmmsg(int fd, struct mmsghdr *v, unsigned int vlen, int flags,
    struct timespec *tmo)
{
	size_t		 controllen[CTL_LISTENER_BATCH];
	struct cmsghdr	*c;
	unsigned int	 i;
	int		 n;

	if (fault != NULL) {
		fault->calls++;
		if (fault->fail > 0) {
			fault->fail--;
			errno = fault->err;
			return -1;
		}
	}
	for (i = 0; i < vlen && i < CTL_LISTENER_BATCH; i++)
		controllen[i] = v[i].msg_hdr.msg_controllen;
	n = (int)syscall(SYS_recvmmsg, fd, v, vlen, flags, tmo);
	if (fault == NULL || n <= 0)
		return n;
	if (fault->trunc) {
		fault->trunc = 0;
		v[0].msg_hdr.msg_flags |= MSG_TRUNC;
	}
	if (fault->oversize) {
		fault->oversize = 0;
		v[0].msg_len = CTL_LISTENER_MAX_DATAGRAM + 1;
	}
	for (i = 0; i < (unsigned int)n && fault->nstamps > 0; i++) {
		assert_true(controllen[i] >= CMSG_SPACE(sizeof(uint32_t)));
		v[i].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint32_t));
		c = CMSG_FIRSTHDR(&v[i].msg_hdr);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SO_RXQ_OVFL;
		c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		memcpy(CMSG_DATA(c), fault->stamps, sizeof(uint32_t));
		fault->stamps++;
		fault->nstamps--;
	}
	return n;
}

static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static void
on_datagram(void *ctx, const struct netaddr *from, uint16_t from_port,
    const uint8_t *buf, size_t len, int64_t now_ms)
{
	struct fixture	*fx = ctx;
	struct seen	*s;
	size_t		 i;

	if (fx->n == MAX_SEEN)
		return;
	s = &fx->s[fx->n++];
	s->from = *from;
	s->port = from_port;
	s->len = len;
	memcpy(s->head, buf, len < HEAD ? len : HEAD);
	s->pattern_ok = 1;
	for (i = 0; i < len; i++)
		if (buf[i] != pattern(i)) {
			s->pattern_ok = 0;
			break;
		}
	s->now_ms = now_ms;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || (fx->base = event_base_new()) == NULL) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	fault = NULL;
	event_base_free(fx->base);
	free(fx);
	return 0;
}

static struct ctl_listen
listen_at(const char *ip, uint16_t port)
{
	struct ctl_listen l;

	memset(&l, 0, sizeof(l));
	assert_int_equal(netaddr_parse(ip, &l.addr), 0);
	l.port = port;
	return l;
}

static struct ctl_listener *
listener(struct fixture *fx, const char *ip, uint16_t port, uint64_t rcvbuf)
{
	struct ctl_listen	 at = listen_at(ip, port);
	struct ctl_listener	*l;
	char			 err[256];

	l = ctl_listener_new(fx->base, &at, rcvbuf, on_datagram, fx, err,
	    sizeof(err));
	if (l == NULL)
		fail_msg("listen %s: %s", ip, err);
	assert_int_not_equal(ctl_listener_port(l), 0);
	return l;
}

/* IPv6 loopback usable here (not in every container). */
static int
have_ipv6(void)
{
	struct sockaddr_in6	sin6;
	int			fd, ok;

	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) == -1)
		return 0;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

static void
set_sockaddr(const struct netaddr *a, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == NETADDR_IPV4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		*len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		*len = sizeof(*sin6);
	}
}

/* A socket bound to ip:0 sending to ip:port. */
static void
peer_open(struct peer *p, const char *ip, uint16_t port)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			sndbuf = 1 << 20;

	memset(p, 0, sizeof(*p));
	assert_int_equal(netaddr_parse(ip, &p->addr), 0);
	p->fd = socket(p->addr.family == NETADDR_IPV4 ? AF_INET : AF_INET6,
	    SOCK_DGRAM, 0);
	assert_int_not_equal(p->fd, -1);
	setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	set_sockaddr(&p->addr, 0, &ss, &len);
	assert_int_equal(bind(p->fd, (struct sockaddr *)&ss, len), 0);
	len = sizeof(ss);
	assert_int_equal(getsockname(p->fd, (struct sockaddr *)&ss, &len), 0);
	p->port = ss.ss_family == AF_INET ?
	    ntohs(((struct sockaddr_in *)&ss)->sin_port) :
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	set_sockaddr(&p->addr, port, &p->to, &p->tolen);
}

static void
peer_send(struct peer *p, const void *buf, size_t len)
{
	ssize_t n;

	n = sendto(p->fd, buf, len, 0, (struct sockaddr *)&p->to, p->tolen);
	if (n == -1)
		fail_msg("sendto: %s", strerror(errno));
	assert_int_equal((size_t)n, len);
}

/* Send n datagrams "<tag><i>" of a few bytes each. */
static void
peer_send_numbered(struct peer *p, char tag, int n)
{
	char	buf[HEAD];
	int	i, len;

	for (i = 0; i < n; i++) {
		len = snprintf(buf, sizeof(buf), "%c%d", tag, i);
		peer_send(p, buf, (size_t)len);
	}
}

/*
 * One pass of the loop: at most one readable event per listener.  (With
 * EVLOOP_NONBLOCK alone libevent goes round until nothing is active.)
 * 1 means no event was registered at all.
 */
static void
pump(struct fixture *fx)
{
	assert_int_not_equal(event_base_loop(fx->base,
	    EVLOOP_ONCE | EVLOOP_NONBLOCK), -1);
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
assert_numbered(const struct fixture *fx, int first, char tag, int n,
    const struct peer *p)
{
	char	want[HEAD];
	int	i, len;

	for (i = 0; i < n; i++) {
		const struct seen *s = &fx->s[first + i];

		len = snprintf(want, sizeof(want), "%c%d", tag, i);
		assert_int_equal(s->len, (size_t)len);
		assert_memory_equal(s->head, want, (size_t)len);
		assert_int_equal(netaddr_compare(&s->from, &p->addr), 0);
		assert_int_equal(s->port, p->port);
	}
}

static void
in_order(struct fixture *fx, const char *ip)
{
	struct ctl_listener		*l = listener(fx, ip, 0, 0);
	struct ctl_listener_stats	 st;
	struct peer			 p;
	int64_t				 t0, t1;

	assert_int_equal(ctl_listener_addr(l)->port, ctl_listener_port(l));
	assert_int_equal(ctl_listener_addr(l)->addr.family,
	    ip[0] == ':' ? NETADDR_IPV6 : NETADDR_IPV4);
	peer_open(&p, ip, ctl_listener_port(l));
	peer_send_numbered(&p, 'a', 5);
	t0 = wall_ms();
	pump(fx);
	t1 = wall_ms();
	assert_int_equal(fx->n, 5);
	assert_numbered(fx, 0, 'a', 5, &p);
	assert_true(fx->s[0].now_ms >= t0 && fx->s[0].now_ms <= t1);
	assert_true(fx->s[4].now_ms == fx->s[0].now_ms);	/* one batch */
	ctl_listener_stats(l, &st);
	assert_int_equal(st.datagrams, 5);
	assert_int_equal(st.bytes, 10);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.truncated, 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.kernel_drops, 0);

	/* Nothing queued: a pass of the loop reads nothing. */
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_int_equal(st.batches, 1);
	assert_int_equal(fx->n, 5);

	/* A second burst, later: the listener is still armed. */
	peer_send_numbered(&p, 'b', 3);
	pump(fx);
	assert_int_equal(fx->n, 8);
	assert_numbered(fx, 5, 'b', 3, &p);
	close(p.fd);
	ctl_listener_free(l);
}

static void
test_ipv4_in_order(void **state)
{
	in_order(*state, "127.0.0.1");
}

static void
test_ipv6_in_order(void **state)
{
	if (!have_ipv6())
		skip();
	in_order(*state, "::1");
}

/* 200 = 3 x 64 + 8: four recvmmsg rounds in one readable event. */
static void
test_batch_of_200(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l;
	struct ctl_listener_stats	 st;
	struct peer			 p;

	l = listener(fx, "127.0.0.1", 0, 1 << 20);
	peer_open(&p, "127.0.0.1", ctl_listener_port(l));
	peer_send_numbered(&p, 'x', 200);
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_int_equal(st.kernel_drops, 0);
	assert_int_equal(fx->n, 200);
	assert_int_equal(st.datagrams, 200);
	assert_int_equal(st.batches, 4);
	assert_numbered(fx, 0, 'x', 200, &p);
	close(p.fd);
	ctl_listener_free(l);
}

/* A flood yields to the loop after MAX_ROUNDS full batches. */
static void
test_round_cap(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l;
	struct ctl_listener_stats	 st;
	struct peer			 p;
	const int			 cap = CTL_LISTENER_BATCH *
					    CTL_LISTENER_MAX_ROUNDS;
	const int			 sent = cap + 76;

	assert_true(sent <= MAX_SEEN);
	l = listener(fx, "127.0.0.1", 0, 16 << 20);
	peer_open(&p, "127.0.0.1", ctl_listener_port(l));
	peer_send_numbered(&p, 'f', sent);
	pump(fx);
	ctl_listener_stats(l, &st);
	if (st.kernel_drops != 0)
		skip();		/* the buffer was capped below 16 MiB */
	assert_int_equal(fx->n, cap);
	assert_int_equal(st.batches, CTL_LISTENER_MAX_ROUNDS);
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_int_equal(fx->n, sent);
	assert_int_equal(st.datagrams, sent);
	assert_int_equal(st.batches, CTL_LISTENER_MAX_ROUNDS + 2);
	assert_numbered(fx, 0, 'f', sent, &p);
	close(p.fd);
	ctl_listener_free(l);
}

static uint64_t
default_rcvbuf(void)
{
	int		fd, v = 0;
	socklen_t	len = sizeof(v);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_not_equal(fd, -1);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	close(fd);
	return (uint64_t)v;
}

static void
test_rcvbuf_default(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l = listener(fx, "127.0.0.1", 0, 0);
	struct ctl_listener_stats	 st;

	ctl_listener_stats(l, &st);
	assert_true(st.rcvbuf > 0);
	assert_int_equal(st.rcvbuf, default_rcvbuf());
	ctl_listener_free(l);
}

/* Beyond net.core.rmem_max: only SO_RCVBUFFORCE (root) gets it. */
static void
test_rcvbuf_forced(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l;
	struct ctl_listener_stats	 st;
	const uint64_t			 want = 48u << 20;

	l = listener(fx, "127.0.0.1", 0, want);
	ctl_listener_stats(l, &st);
	ctl_listener_free(l);
	assert_true(st.rcvbuf > 0);
	if (geteuid() != 0)
		skip();
	/* Linux reports twice what was set. */
	assert_int_equal(st.rcvbuf, 2 * want);
}

/* Larger than the kernel takes: clamped, not wrapped to a small int. */
static void
test_rcvbuf_huge(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l;
	struct ctl_listener_stats	 st;

	l = listener(fx, "127.0.0.1", 0, (UINT64_C(1) << 32) + 4096);
	ctl_listener_stats(l, &st);
	ctl_listener_free(l);
	if (geteuid() != 0)
		skip();
	assert_true(st.rcvbuf >= UINT64_C(1) << 30);
}

/*
 * The kernel stamps each datagram it queues with the drops so far, so the
 * datagrams queued before the buffer filled say nothing; the count comes
 * with the first datagram queued after the drops.
 */
static void
test_kernel_drops(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l;
	struct ctl_listener_stats	 st;
	struct peer			 p;
	uint8_t				 buf[200];
	const int			 flood = 500;

	l = listener(fx, "127.0.0.1", 0, 4096);
	memset(buf, 'd', sizeof(buf));
	ctl_listener_stats(l, &st);
	assert_true(st.rcvbuf >= 4096 && st.rcvbuf < 65536);
	peer_open(&p, "127.0.0.1", ctl_listener_port(l));
	for (int i = 0; i < flood; i++)
		peer_send(&p, buf, sizeof(buf));
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_true(st.datagrams > 0 && st.datagrams < (uint64_t)flood);

	peer_send(&p, buf, sizeof(buf));
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_true(st.kernel_drops > 0);
	assert_int_equal(st.datagrams + st.kernel_drops, flood + 1);
	assert_int_equal(st.datagrams, (uint64_t)fx->n);
	assert_int_equal(st.bytes, st.datagrams * sizeof(buf));

	/* The count is cumulative: no new drops, no change. */
	peer_send(&p, buf, sizeof(buf));
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_int_equal(st.datagrams + st.kernel_drops, flood + 2);
	close(p.fd);
	ctl_listener_free(l);
}

static void
largest(struct fixture *fx, const char *ip, size_t max)
{
	struct ctl_listener		*l = listener(fx, ip, 0, 1 << 20);
	struct ctl_listener_stats	 st;
	struct peer			 p;
	uint8_t				*buf = malloc(max);
	size_t				 i;

	assert_non_null(buf);
	for (i = 0; i < max; i++)
		buf[i] = pattern(i);
	peer_open(&p, ip, ctl_listener_port(l));
	peer_send(&p, buf, max);
	peer_send(&p, buf, 100);
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->s[0].len, max);
	assert_true(fx->s[0].pattern_ok);
	assert_int_equal(fx->s[1].len, 100);
	assert_true(fx->s[1].pattern_ok);
	assert_int_equal(st.bytes, max + 100);
	assert_int_equal(st.truncated, 0);
	free(buf);
	close(p.fd);
	ctl_listener_free(l);
}

/* 65535 - 20 (IPv4) - 8 (UDP): the largest a UDP/IPv4 datagram can be. */
static void
test_largest_ipv4(void **state)
{
	largest(*state, "127.0.0.1", 65507);
}

/* 65535 - 8: the IPv6 payload length counts the UDP header only. */
static void
test_largest_ipv6(void **state)
{
	if (!have_ipv6())
		skip();
	largest(*state, "::1", 65527);
}

static void
test_zero_length(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l = listener(fx, "127.0.0.1", 0, 0);
	struct ctl_listener_stats	 st;
	struct peer			 p;

	peer_open(&p, "127.0.0.1", ctl_listener_port(l));
	peer_send(&p, "", 0);
	peer_send(&p, "z", 1);
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->s[0].len, 0);
	assert_int_equal(fx->s[0].port, p.port);
	assert_int_equal(fx->s[1].len, 1);
	assert_int_equal(st.datagrams, 2);
	assert_int_equal(st.bytes, 1);
	close(p.fd);
	ctl_listener_free(l);
}

/* IPV6_V6ONLY: the wildcard of each family on one port, each its own. */
static void
test_dual_stack_same_port(void **state)
{
	struct fixture		*fx = *state;
	struct ctl_listener	*l4, *l6;
	struct peer		 p4, p6;
	uint16_t		 port;

	if (!have_ipv6())
		skip();
	l4 = listener(fx, "0.0.0.0", 0, 0);
	port = ctl_listener_port(l4);
	l6 = listener(fx, "::", port, 0);
	assert_int_equal(ctl_listener_port(l6), port);

	peer_open(&p4, "127.0.0.1", port);
	peer_open(&p6, "::1", port);
	peer_send_numbered(&p4, '4', 1);
	peer_send_numbered(&p6, '6', 1);
	pump(fx);
	assert_int_equal(fx->n, 2);
	/* Either order: two sockets, two events. */
	if (fx->s[0].from.family == NETADDR_IPV6) {
		struct seen t = fx->s[0];

		fx->s[0] = fx->s[1];
		fx->s[1] = t;
	}
	assert_numbered(fx, 0, '4', 1, &p4);
	assert_int_equal(fx->s[1].head[0], '6');
	assert_int_equal(netaddr_compare(&fx->s[1].from, &p6.addr), 0);
	assert_int_equal(fx->s[1].port, p6.port);
	close(p4.fd);
	close(p6.fd);
	ctl_listener_free(l6);
	ctl_listener_free(l4);
}

static void
listen_fails(struct fixture *fx, const char *ip, uint16_t port,
    const char *want1, const char *want2)
{
	struct ctl_listen	 at = listen_at(ip, port);
	struct ctl_listener	*l;
	char			 err[256];

	err[0] = '\0';
	l = ctl_listener_new(fx->base, &at, 0, on_datagram, fx, err,
	    sizeof(err));
	assert_null(l);
	if (strstr(err, want1) == NULL || strstr(err, want2) == NULL)
		fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", err, want1,
		    want2);
}

/* No SO_REUSEADDR: a second listener cannot steal the port. */
static void
test_bind_in_use(void **state)
{
	struct fixture		*fx = *state;
	struct ctl_listener	*l = listener(fx, "127.0.0.1", 0, 0);
	char			 want[64];

	snprintf(want, sizeof(want), "127.0.0.1:%u", ctl_listener_port(l));
	listen_fails(fx, "127.0.0.1", ctl_listener_port(l), want,
	    strerror(EADDRINUSE));
	snprintf(want, sizeof(want), "0.0.0.0:%u", ctl_listener_port(l));
	listen_fails(fx, "0.0.0.0", ctl_listener_port(l), want,
	    strerror(EADDRINUSE));
	ctl_listener_free(l);
}

static void
test_bind_in_use_ipv6(void **state)
{
	struct fixture		*fx = *state;
	struct ctl_listener	*l;
	char			 want[64];

	if (!have_ipv6())
		skip();
	l = listener(fx, "::1", 0, 0);
	snprintf(want, sizeof(want), "[::1]:%u", ctl_listener_port(l));
	listen_fails(fx, "::1", ctl_listener_port(l), want,
	    strerror(EADDRINUSE));
	ctl_listener_free(l);
}

/* TEST-NET-1 is on no interface here. */
static void
test_bind_not_local(void **state)
{
	listen_fails(*state, "192.0.2.1", 6343, "192.0.2.1:6343",
	    strerror(EADDRNOTAVAIL));
}

static void
test_no_address(void **state)
{
	struct fixture		*fx = *state;
	struct ctl_listen	 at;
	char			 err[256];

	memset(&at, 0, sizeof(at));
	at.port = 6343;
	assert_null(ctl_listener_new(fx->base, &at, 0, on_datagram, fx, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "no address"));
	/* No error buffer: still a clean failure. */
	assert_null(ctl_listener_new(fx->base, &at, 0, on_datagram, fx, NULL,
	    0));
}

/*
 * Freeing with datagrams still queued closes the socket (the port can be
 * bound again) and frees everything (LeakSanitizer under FS_SANITIZE).
 */
static void
test_free_closes(void **state)
{
	struct fixture		*fx = *state;
	struct ctl_listener	*l = listener(fx, "127.0.0.1", 0, 0);
	struct peer		 p;
	uint16_t		 port = ctl_listener_port(l);

	ctl_listener_free(NULL);
	peer_open(&p, "127.0.0.1", port);
	peer_send_numbered(&p, 'q', 3);
	ctl_listener_free(l);
	pump(fx);
	assert_int_equal(fx->n, 0);
	l = listener(fx, "127.0.0.1", port, 0);
	assert_int_equal(ctl_listener_port(l), port);
	ctl_listener_free(l);
	close(p.fd);
}

/* Run fn with stderr in a file; return how many times needle was written. */
static int
stderr_count(void (*fn)(void *), void *arg, const char *needle)
{
	char	 path[] = "/tmp/test_ctl_listener.XXXXXX";
	char	 text[4096], *p;
	int	 fd, saved, count = 0;
	ssize_t	 n;

	fd = mkstemp(path);
	assert_int_not_equal(fd, -1);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	assert_int_not_equal(saved, -1);
	assert_int_not_equal(dup2(fd, 2), -1);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	assert_true(n >= 0);
	text[n] = '\0';
	for (p = text; (p = strstr(p, needle)) != NULL; p++)
		count++;
	return count;
}

struct errors_case {
	struct fixture		*fx;
	struct ctl_listener	*l;
	struct peer		 p;
};

/* Three failures in a row, then data, then one more failure. */
static void
errors_run(void *arg)
{
	struct errors_case		*c = arg;
	struct ctl_listener_stats	 st;
	struct fault			 f = { .fail = 3, .err = EIO };

	fault = &f;
	peer_send_numbered(&c->p, 'e', 1);
	pump(c->fx);
	pump(c->fx);
	pump(c->fx);
	ctl_listener_stats(c->l, &st);
	assert_int_equal(st.errors, 3);
	assert_int_equal(st.datagrams, 0);
	assert_int_equal(f.calls, 3);	/* a failure ends the event */
	pump(c->fx);
	ctl_listener_stats(c->l, &st);
	assert_int_equal(st.errors, 3);
	assert_int_equal(st.datagrams, 1);
	f.fail = 1;
	f.err = ENOMEM;
	peer_send_numbered(&c->p, 'e', 1);
	pump(c->fx);
	ctl_listener_stats(c->l, &st);
	assert_int_equal(st.errors, 4);
	fault = NULL;
}

/* Counted every time, logged once per streak of failures. */
static void
test_recv_errors(void **state)
{
	struct errors_case c;

	c.fx = *state;
	c.l = listener(c.fx, "127.0.0.1", 0, 0);
	peer_open(&c.p, "127.0.0.1", ctl_listener_port(c.l));
	assert_int_equal(stderr_count(errors_run, &c, "recvmmsg"), 2);
	assert_int_equal(c.fx->n, 1);
	close(c.p.fd);
	ctl_listener_free(c.l);
}

static void
test_eintr_retried(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l = listener(fx, "127.0.0.1", 0, 0);
	struct ctl_listener_stats	 st;
	struct fault			 f = { .fail = 2, .err = EINTR };
	struct peer			 p;

	peer_open(&p, "127.0.0.1", ctl_listener_port(l));
	peer_send_numbered(&p, 'i', 2);
	fault = &f;
	pump(fx);
	fault = NULL;
	ctl_listener_stats(l, &st);
	assert_int_equal(f.calls, 3);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.datagrams, 2);
	assert_numbered(fx, 0, 'i', 2, &p);
	close(p.fd);
	ctl_listener_free(l);
}

/* EINTR forever still ends the event after MAX_ROUNDS calls. */
static void
test_eintr_bounded(void **state)
{
	struct fixture			*fx = *state;
	struct ctl_listener		*l = listener(fx, "127.0.0.1", 0, 0);
	struct ctl_listener_stats	 st;
	struct fault			 f = { .fail = 1000, .err = EINTR };
	struct peer			 p;

	peer_open(&p, "127.0.0.1", ctl_listener_port(l));
	peer_send_numbered(&p, 'i', 1);
	fault = &f;
	pump(fx);
	fault = NULL;
	assert_int_equal(f.calls, CTL_LISTENER_MAX_ROUNDS);
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.datagrams, 1);
	close(p.fd);
	ctl_listener_free(l);
}

static void
truncated(struct fixture *fx, struct fault *f)
{
	struct ctl_listener		*l = listener(fx, "127.0.0.1", 0, 0);
	struct ctl_listener_stats	 st;
	struct peer			 p;

	peer_open(&p, "127.0.0.1", ctl_listener_port(l));
	peer_send_numbered(&p, 't', 3);
	fault = f;
	pump(fx);
	fault = NULL;
	ctl_listener_stats(l, &st);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.datagrams, 2);
	assert_int_equal(st.bytes, 4);
	assert_int_equal(fx->n, 2);
	assert_memory_equal(fx->s[0].head, "t1", 2);
	assert_memory_equal(fx->s[1].head, "t2", 2);
	close(p.fd);
	ctl_listener_free(l);
}

/* The kernel says MSG_TRUNC: counted and dropped, the rest delivered. */
static void
test_truncated_flag(void **state)
{
	struct fault f = { .trunc = 1 };

	truncated(*state, &f);
}

/* Longer than the maximum but within the slot: dropped all the same. */
static void
test_truncated_length(void **state)
{
	struct fault f = { .oversize = 1 };

	truncated(*state, &f);
}

/*
 * Drop stamps are cumulative 32-bit counters: kernel_drops follows them
 * across the wrap and ignores one lower than the last.
 */
static void
test_drop_stamps(void **state)
{
	static const uint32_t		 stamps[] = {
		7, 7, 5, 0x7fffffff, 0xfffffff0, 4
	};
	static const uint64_t		 want[] = {
		0x7fffffff, 0xfffffff0, (UINT64_C(1) << 32) + 4
	};
	struct fixture			*fx = *state;
	struct ctl_listener		*l = listener(fx, "127.0.0.1", 0, 0);
	struct ctl_listener_stats	 st;
	struct fault			 f = { .stamps = stamps,
					    .nstamps = 6 };
	struct peer			 p;
	int				 i;

	peer_open(&p, "127.0.0.1", ctl_listener_port(l));
	peer_send_numbered(&p, 's', 3);
	fault = &f;
	pump(fx);
	ctl_listener_stats(l, &st);
	assert_int_equal(st.kernel_drops, 7);	/* 7, 7, then 5 ignored */
	for (i = 0; i < 3; i++) {
		peer_send_numbered(&p, 's', 1);
		pump(fx);
		ctl_listener_stats(l, &st);
		assert_int_equal(st.kernel_drops, want[i]);
	}
	fault = NULL;
	assert_int_equal(st.datagrams, 6);
	close(p.fd);
	ctl_listener_free(l);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_ipv4_in_order, setup, teardown),
	cmocka_unit_test_setup_teardown(test_ipv6_in_order, setup, teardown),
	cmocka_unit_test_setup_teardown(test_batch_of_200, setup, teardown),
	cmocka_unit_test_setup_teardown(test_round_cap, setup, teardown),
	cmocka_unit_test_setup_teardown(test_rcvbuf_default, setup, teardown),
	cmocka_unit_test_setup_teardown(test_rcvbuf_forced, setup, teardown),
	cmocka_unit_test_setup_teardown(test_rcvbuf_huge, setup, teardown),
	cmocka_unit_test_setup_teardown(test_kernel_drops, setup, teardown),
	cmocka_unit_test_setup_teardown(test_largest_ipv4, setup, teardown),
	cmocka_unit_test_setup_teardown(test_largest_ipv6, setup, teardown),
	cmocka_unit_test_setup_teardown(test_zero_length, setup, teardown),
	cmocka_unit_test_setup_teardown(test_dual_stack_same_port, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_bind_in_use, setup, teardown),
	cmocka_unit_test_setup_teardown(test_bind_in_use_ipv6, setup, teardown),
	cmocka_unit_test_setup_teardown(test_bind_not_local, setup, teardown),
	cmocka_unit_test_setup_teardown(test_no_address, setup, teardown),
	cmocka_unit_test_setup_teardown(test_free_closes, setup, teardown),
	cmocka_unit_test_setup_teardown(test_recv_errors, setup, teardown),
	cmocka_unit_test_setup_teardown(test_eintr_retried, setup, teardown),
	cmocka_unit_test_setup_teardown(test_eintr_bounded, setup, teardown),
	cmocka_unit_test_setup_teardown(test_truncated_flag, setup, teardown),
	cmocka_unit_test_setup_teardown(test_truncated_length, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_drop_stamps, setup, teardown),
};

FS_TEST_MAIN(tests)
