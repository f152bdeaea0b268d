/*
 * live_net.c - network namespace, GRE senders and loop running for the
 * live input tests (see live_net.h).
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "live_net.h"

#define IPPROTO_GRE_	47

int
live_net_enter(void)
{
	struct ifreq	ifr;
	int		fd, rc;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) == -1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc == 0 ? 0 : -1;
}

int
live_net_has_ipv6(void)
{
	struct sockaddr_in6	sin6;
	int			fd, ok;

	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

void
live_erspan2(struct pkt *p, uint16_t session, uint32_t seq, size_t payload,
    size_t *inner_off)
{
	p->len = 0;
	put16(p, 0x1000);			/* S */
	put16(p, 0x88BE);
	put32(p, seq);
	put32(p, 1u << 28 | 7u << 16 | (uint32_t)(session & 0x3FF));
	put32(p, 42);				/* port index */
	*inner_off = p->len;
	build_eth_ipv4_tcp(p, TCP_ACK, payload);
}

/* The address text into a sockaddr; fails the test when it is not one. */
static socklen_t
sockaddr_of(const char *text, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	return sizeof(*sin6);
}

int
live_gre_sender(int family, const char *src)
{
	struct sock_filter	insn[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog	prog = { 1, insn };
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, small = 1;

	fd = socket(family == NETADDR_IPV4 ? AF_INET : AF_INET6,
	    SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE_);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	len = sockaddr_of(src, 0, &ss);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

void
live_send(int fd, const char *dst, const void *buf, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen = sockaddr_of(dst, 0, &ss);

	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&ss,
	    sslen), (ssize_t)len);
}

void
live_send_udp(const char *src, const char *dst, uint16_t port, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	uint8_t			buf[2048];
	int			fd;

	assert_true(len <= sizeof(buf));
	memset(buf, 'u', len);
	sslen = sockaddr_of(src, 0, &ss);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, sslen), 0);
	sslen = sockaddr_of(dst, port, &ss);
	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&ss,
	    sslen), (ssize_t)len);
	close(fd);
}

int
live_as_nobody(int (*fn)(void *), void *arg)
{
	pid_t	pid;
	int	status;

	if (geteuid() != 0)
		return fn(arg);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* A uid change drops every capability (no keep-caps). */
		if (setgroups(0, NULL) == -1 ||
		    setresgid(65534, 65534, 65534) == -1 ||
		    setresuid(65534, 65534, 65534) == -1)
			_exit(100);
		_exit(fn(arg));
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
live_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
live_loop(struct event_base *base, int (*done)(void *), void *arg, int ms)
{
	struct timeval	 tv = { 0, 5000 };
	struct event	*ev;
	int64_t		 end = mono_ms() + ms;
	int		 ok = 0;

	/* A short tick so that the loop wakes up to look at the clock. */
	ev = event_new(base, -1, EV_PERSIST, tick, NULL);
	assert_non_null(ev);
	assert_int_equal(event_add(ev, &tv), 0);
	while (!(done != NULL && (ok = done(arg))) && mono_ms() < end)
		assert_true(event_base_loop(base, EVLOOP_ONCE) >= 0);
	event_free(ev);
	return ok;
}
