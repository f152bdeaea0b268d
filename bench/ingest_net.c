/*
 * ingest_net.c - bench_ingest's traffic: sender processes that push pool
 * datagrams to 127.0.0.1 with sendmmsg(2), flat out or paced, and the
 * bare receiver, a socket read exactly as ctl_listener reads its own but
 * with nothing done with the datagrams: what any receiver pays.
 *
 * Senders run in processes of their own (a sender thread would share the
 * daemon's process and its accounting).  They number each agent's
 * datagrams from one shared counter per agent, so that the daemon's
 * sequence accounting sees well-behaved agents however the pool cycles
 * (two senders may still swap two datagrams on the way).  Pacing is by absolute deadlines: a
 * sender that falls behind sends without pause until it has caught up, so
 * its achieved rate shows when it, not the receiver, was the limit.
 */
#define _GNU_SOURCE		/* sendmmsg, recvmmsg */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_listener.h"
#include "ingest.h"

#define SEND_BATCH	64
#define SLOT_SIZE	((size_t)CTL_LISTENER_MAX_DATAGRAM + 1)
#define PACE_BURST_NS	50000	/* a paced sender wakes at most this often */

int64_t
ing_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_ingest: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in
loopback(uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

uint16_t
ing_free_port(int type)
{
	struct sockaddr_in	sin = loopback(0);
	socklen_t		len = sizeof(sin);
	int			fd;

	/* The kernel's choice; closed again, it stays free long enough. */
	if ((fd = socket(AF_INET, type | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		die("free port");
	close(fd);
	return ntohs(sin.sin_port);
}

/* ---- senders -------------------------------------------------------------- */

static void
sleep_until(int64_t t_ns)
{
	struct timespec ts = { (time_t)(t_ns / 1000000000),
	    (long)(t_ns % 1000000000) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/* Exit statuses: 2 socket, 3 send. */
static void
sender_run(const struct ing_send_job *job, struct ing_shared *sh)
{
	struct mmsghdr		msgs[SEND_BATCH];
	struct iovec		iov[SEND_BATCH];
	struct sockaddr_in	dst = loopback(job->port);
	struct ing_send_slot	*slot = &sh->senders[job->id];
	const struct ing_pool	*pool = job->pool;
	uint64_t		sent = 0, next = 0, start;
	int64_t			t0;
	int			fd, i, k, n, burst = SEND_BATCH, big = 16 << 20;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&dst,
	    sizeof(dst)) == -1)
		_exit(2);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (job->rate > 0) {
		burst = (int)(job->rate * PACE_BURST_NS / 1e9);
		burst = burst < 1 ? 1 : burst > SEND_BATCH ? SEND_BATCH : burst;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < SEND_BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		iov[i].iov_len = ING_DGRAM_LEN;
	}
	start = (uint64_t)job->id * pool->n / (uint64_t)job->senders;
	t0 = ing_now_ns();
	__atomic_store_n(&slot->start_ns, t0, __ATOMIC_RELEASE);
	while (sent < job->count) {
		if (job->rate > 0)
			sleep_until(t0 + (int64_t)((double)sent * 1e9 /
			    job->rate));
		k = burst;
		if (job->count - sent < (uint64_t)k)
			k = (int)(job->count - sent);
		/* The next k pool datagrams, numbered per agent. */
		for (i = 0; i < k; i++) {
			uint64_t idx = (start + next + (uint64_t)i) % pool->n;
			uint8_t *dg = pool->bytes + idx * ING_DGRAM_LEN;

			ing_dgram_stamp(dg, __atomic_add_fetch(
			    &sh->agent_seq[ing_dgram_agent(dg)], 1,
			    __ATOMIC_RELAXED));
			iov[i].iov_base = dg;
		}
		next += (uint64_t)k;
		for (i = 0; i < k; i += n) {
			n = sendmmsg(fd, msgs + i, (unsigned)(k - i), 0);
			if (n == -1) {
				if (errno == EINTR || errno == ENOBUFS ||
				    errno == EAGAIN) {
					n = 0;
					continue;
				}
				_exit(3);
			}
			sent += (uint64_t)n;
			__atomic_store_n(&slot->sent, sent, __ATOMIC_RELEASE);
		}
	}
	__atomic_store_n(&slot->end_ns, ing_now_ns(), __ATOMIC_RELEASE);
	close(fd);
	_exit(0);
}

pid_t
ing_sender_spawn(const struct ing_send_job *job, struct ing_shared *sh)
{
	pid_t pid;

	memset(&sh->senders[job->id], 0, sizeof(sh->senders[job->id]));
	fflush(stdout);
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0UL, 0UL, 0UL);
		sender_run(job, sh);
	}
	return pid;
}

void
ing_sender_reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_ingest: a sender failed (status %#x)\n",
		    status);
		exit(1);
	}
}

/* ---- the bare receiver ---------------------------------------------------- */

union bare_cmsg {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(sizeof(uint32_t))];
};

struct ing_bare {
	int			 fd;
	uint16_t		 port;
	uint64_t		 rcvbuf;
	uint32_t		 ovfl_last;
	uint64_t		 drops;
	uint8_t			*slots;
	struct mmsghdr		 msgs[CTL_LISTENER_BATCH];
	struct iovec		 iov[CTL_LISTENER_BATCH];
	struct sockaddr_storage	 from[CTL_LISTENER_BATCH];
	union bare_cmsg		 cmsg[CTL_LISTENER_BATCH];
};

struct ing_bare *
ing_bare_open(uint64_t rcvbuf)
{
	struct sockaddr_in	 sin = loopback(0);
	struct ing_bare		*b;
	socklen_t		 len;
	int			 one = 1, v, i;

	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->slots = malloc(CTL_LISTENER_BATCH * SLOT_SIZE)) == NULL)
		die("malloc");
	b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b->fd == -1)
		die("socket");
	if (setsockopt(b->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) == -1)
		die("SO_RXQ_OVFL");
	/* As ctl_listener's set_rcvbuf. */
	v = rcvbuf > INT_MAX / 2 ? INT_MAX / 2 : (int)rcvbuf;
	if (setsockopt(b->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1 &&
	    setsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == -1)
		die("SO_RCVBUF");
	len = sizeof(v);
	if (getsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == -1)
		die("getsockopt SO_RCVBUF");
	b->rcvbuf = (uint64_t)v;
	if (bind(b->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("bind");
	len = sizeof(sin);
	if (getsockname(b->fd, (struct sockaddr *)&sin, &len) == -1)
		die("getsockname");
	b->port = ntohs(sin.sin_port);
	for (i = 0; i < CTL_LISTENER_BATCH; i++) {
		b->iov[i].iov_base = b->slots + (size_t)i * SLOT_SIZE;
		b->iov[i].iov_len = SLOT_SIZE;
		b->msgs[i].msg_hdr.msg_name = &b->from[i];
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		b->msgs[i].msg_hdr.msg_control = b->cmsg[i].buf;
	}
	return b;
}

void
ing_bare_close(struct ing_bare *b)
{
	if (b == NULL)
		return;
	close(b->fd);
	free(b->slots);
	free(b);
}

uint16_t
ing_bare_port(const struct ing_bare *b)
{
	return b->port;
}

int
ing_bare_fd(const struct ing_bare *b)
{
	return b->fd;
}

uint64_t
ing_bare_rcvbuf(const struct ing_bare *b)
{
	return b->rcvbuf;
}

uint64_t
ing_bare_drops(const struct ing_bare *b)
{
	return b->drops;
}

int
ing_bare_batch(struct ing_bare *b)
{
	struct cmsghdr	*c;
	struct msghdr	*h;
	uint32_t	 v;
	int		 n, i;

	for (i = 0; i < CTL_LISTENER_BATCH; i++) {
		b->msgs[i].msg_len = 0;
		b->msgs[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
		b->msgs[i].msg_hdr.msg_controllen = sizeof(b->cmsg[i]);
		b->msgs[i].msg_hdr.msg_flags = 0;
	}
	n = recvmmsg(b->fd, b->msgs, CTL_LISTENER_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		die("recvmmsg");
	}
	/* Every datagram's control messages, as the listener reads them. */
	for (i = 0; i < n; i++) {
		h = &b->msgs[i].msg_hdr;
		for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SO_RXQ_OVFL)
				continue;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			if (v - b->ovfl_last < UINT32_C(1) << 31) {
				b->drops += v - b->ovfl_last;
				b->ovfl_last = v;
			}
		}
	}
	return n;
}
