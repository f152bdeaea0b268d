/*
 * decap_live.c - the receiver's live path on loopback: how fast a raw
 * IPPROTO_GRE socket drains, and how much of that rate the whole path
 * keeps: cap_rawsock (recvmmsg batches on libevent) -> cap_decap() ->
 * cap_archive_write() to tmpfs.
 *
 * usage: bench_decap_live [--smoke] [-m prefill|stream] [-n PACKETS]
 *            [-r RUNS] [-t SECONDS] [-p SENDERS] [-b RCVBUF_MIB] [-d DIR]
 *
 * The packets: 1,500-byte IPv4 packets (GRE with sequence numbers, ERSPAN
 * type II, a 1,464-byte inner Ethernet frame; sequence and session differ
 * per packet), sent with sendmmsg() from raw GRE sockets bound to
 * 127.0.0.2 to 127.0.0.1 by forked sender processes.  Three passes each:
 *   bare   recvmmsg() of 64 packets into the same buffers and with the
 *          same socket options as cap_rawsock (receive buffer,
 *          SO_TIMESTAMPNS, SO_RXQ_OVFL): what any receiver pays;
 *   decap  cap_rawsock on an event loop and cap_decap() of every packet:
 *          the input's own cost, apart from the archive's;
 *   full   the same and cap_archive_write() of each inner frame (64 MiB
 *          files, a 1 GiB quota enforced as it goes) to a folder under DIR
 *          (default /dev/shm, tmpfs, so that disk speed does not count).
 * And two methods, because one sender makes fewer packets than a bare
 * drain takes (about 1 Mpps here):
 *   prefill  one sender fills a big receive buffer (SO_RCVBUFFORCE,
 *            RCVBUF_MIB, default 512: the kernel grants twice that) with
 *            PACKETS packets (default 200,000) while the receiver sleeps;
 *            then the drain of exactly those is timed, best of RUNS
 *            (default 3).  Receiver speed alone, on an idle CPU.
 *   stream   SENDERS processes (default 2) send without pause; the
 *            receiver runs for SECONDS (default 2) after a short warm-up
 *            and its rate is what it handled in that window.  Senders and
 *            receiver share the CPUs, so this is the rate of a loaded
 *            host; the offered rate and the kernel's drops are printed.
 * -m runs one method only.  Each pass prints Mpps, Gbit/s of the IP
 * packets and its rate as a ratio of the bare pass of the same method.
 * --smoke: 20,000 packets, one run, 0.3 s streams, a 64 MiB buffer: a
 * check that it all works, in a few seconds.
 *
 * Needs root (raw sockets; a network namespace of its own, so that other
 * GRE traffic on the host does not count): otherwise it says so and exits
 * with 77, which ctest reports as skipped.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "capture.h"

#define PKT_LEN		1500			/* the IP packet */
#define IP_HDR		20
#define GRE_LEN		(PKT_LEN - IP_HDR)	/* what a sender writes */
#define POOL		1024
#define SEND_BATCH	64
#define IPPROTO_GRE_	47
#define SKIP_STATUS	77
#define CAPTURE_ID	"bench-live"
#define ENFORCE_EVERY	16384		/* packets between retention runs */

/* As cap_rawsock lays its buffers out. */
#define SLOT_LEN	\
	((CAP_RAWSOCK_HEADROOM + CAP_RAWSOCK_MAX_PACKET + 63) & ~63)
#define CONTROL_LEN	256

struct opts {
	uint64_t	 n;
	int		 runs;
	double		 seconds;
	int		 senders;
	uint64_t	 rcvbuf;
	const char	*dir;
	int		 methods;	/* METHOD_* bits */
};

#define METHOD_PREFILL	1
#define METHOD_STREAM	2

enum { PASS_BARE, PASS_DECAP, PASS_FULL, PASSES };
static const char *const pass_names[PASSES] = { "bare", "decap", "full" };

/* Shared with the sender processes (pool: their copy after fork). */
struct shared {
	volatile int		stop;
	volatile uint64_t	sent[16];
	const uint8_t		*pool;		/* POOL x GRE_LEN */
};

struct full_ctx {
	struct cap_archive	*archive;	/* NULL: decap only */
	uint64_t		 packets;
	uint64_t		 bad;		/* decap or write failures */
	char			 err[256];
};

struct result {
	uint64_t	packets;
	double		seconds;
	uint64_t	drops;
	double		offered_pps;	/* stream */
};

static const char prog[] = "bench_decap_live";

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

/* GRE (S) + ERSPAN II + an Ethernet/IPv4/TCP frame: 1,480 bytes each. */
static uint8_t *
pool_build(void)
{
	uint8_t	*pool;
	size_t	 i, j;

	if ((pool = calloc(POOL, GRE_LEN)) == NULL)
		die("calloc");
	for (i = 0; i < POOL; i++) {
		uint8_t *p = pool + i * GRE_LEN, *inner;

		p = put16(p, 0x1000);
		p = put16(p, 0x88BE);
		p = put32(p, (uint32_t)i);
		p = put32(p, 1u << 28 | (uint32_t)(i & 0x3FF));
		p = put32(p, 7);
		inner = p;
		memcpy(p, "\x02\0\0\0\0\x04\x02\0\0\0\0\x03\x08\x00", 14);
		p += 14;
		*p++ = 0x45;
		*p++ = 0;
		p = put16(p, (uint16_t)(GRE_LEN - 16 - 14));
		p = put32(p, 0x4000);
		*p++ = 64;
		*p++ = 6;
		p = put16(p, 0);
		p = put32(p, 0x0A000001);
		p = put32(p, 0x0A000002);
		for (j = (size_t)(p - inner); j < GRE_LEN - 16; j++)
			inner[j] = (uint8_t)(i + j);
	}
	return pool;
}

/* A namespace with only lo in it, up; 0, or -1 (stay where we are). */
static int
netns_enter(void)
{
	struct ifreq	ifr;
	int		fd, rc;

	if (unshare(CLONE_NEWNET) == -1)
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
	return rc;
}

static struct sockaddr_in
sin_of(const char *text)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, text, &sin.sin_addr);
	return sin;
}

/*
 * A sender process: count packets (0: until sh->stop) to 127.0.0.1 in
 * sendmmsg() batches, from 127.0.0.2 so that its own socket, which would
 * otherwise get a copy of each, matches none of them.
 */
static void
sender(struct shared *sh, int id, uint64_t count)
{
	struct mmsghdr		msgs[SEND_BATCH];
	struct iovec		iov[SEND_BATCH];
	struct sockaddr_in	src = sin_of("127.0.0.2");
	struct sockaddr_in	dst = sin_of("127.0.0.1");
	uint64_t		sent = 0;
	int			fd, i, k, n, big = 4 << 20;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE_);
	if (fd == -1 || bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1)
		_exit(2);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < SEND_BATCH; i++) {
		iov[i].iov_len = GRE_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}
	while (!sh->stop && (count == 0 || sent < count)) {
		k = SEND_BATCH;
		if (count != 0 && count - sent < (uint64_t)k)
			k = (int)(count - sent);
		for (i = 0; i < k; i++)
			iov[i].iov_base = (void *)(uintptr_t)(sh->pool +
			    ((sent + (uint64_t)i + (uint64_t)id * 97) % POOL) *
			    GRE_LEN);
		n = sendmmsg(fd, msgs, (unsigned)k, 0);
		if (n == -1) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR)
				continue;
			_exit(3);
		}
		sent += (uint64_t)n;
		sh->sent[id] = sent;
	}
	_exit(0);
}

static pid_t
spawn(struct shared *sh, int id, uint64_t count)
{
	pid_t pid = fork();

	if (pid == -1)
		die("fork");
	if (pid == 0)
		sender(sh, id, count);
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: a sender failed (status %d)\n", prog,
		    status);
		exit(1);
	}
}

/* ---- the bare receiver ------------------------------------------------ */

struct bare {
	int		 fd;
	uint8_t		*slots, *control;
	struct mmsghdr	 msgs[CAP_RAWSOCK_BATCH];
	struct iovec	 iov[CAP_RAWSOCK_BATCH];
	uint32_t	 ovfl;		/* the last SO_RXQ_OVFL seen */
};

static void
bare_open(struct bare *b, uint64_t rcvbuf)
{
	struct sockaddr_in	sin = sin_of("127.0.0.1");
	int			one = 1, v = (int)rcvbuf, i;

	memset(b, 0, sizeof(*b));
	b->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_GRE_);
	if (b->fd == -1)
		die("raw socket");
	(void)setsockopt(b->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	(void)setsockopt(b->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (setsockopt(b->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (bind(b->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("bind");
	b->slots = malloc((size_t)CAP_RAWSOCK_BATCH * SLOT_LEN);
	b->control = malloc((size_t)CAP_RAWSOCK_BATCH * CONTROL_LEN);
	if (b->slots == NULL || b->control == NULL)
		die("malloc");
	for (i = 0; i < CAP_RAWSOCK_BATCH; i++) {
		b->iov[i].iov_base = b->slots + (size_t)i * SLOT_LEN +
		    CAP_RAWSOCK_HEADROOM;
		b->iov[i].iov_len = CAP_RAWSOCK_MAX_PACKET;
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		b->msgs[i].msg_hdr.msg_control = b->control +
		    (size_t)i * CONTROL_LEN;
	}
}

static void
bare_close(struct bare *b)
{
	close(b->fd);
	free(b->slots);
	free(b->control);
}

/* One recvmmsg(): packets read (0 when none are queued). */
static int
bare_batch(struct bare *b)
{
	struct cmsghdr	*c;
	int		 n, i;

	for (i = 0; i < CAP_RAWSOCK_BATCH; i++)
		b->msgs[i].msg_hdr.msg_controllen = CONTROL_LEN;
	n = recvmmsg(b->fd, b->msgs, CAP_RAWSOCK_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		die("recvmmsg");
	}
	/*
	 * The drop counter of the last packet: no per-packet work.  The
	 * kernel sends it only once it is not 0.
	 */
	if (n > 0) {
		struct msghdr *mh = &b->msgs[n - 1].msg_hdr;

		for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SO_RXQ_OVFL)
				memcpy(&b->ovfl, CMSG_DATA(c), sizeof(b->ovfl));
	}
	return n;
}

/* ---- the full path ---------------------------------------------------- */

static void
full_cb(void *arg, const uint8_t *pkt, size_t len, const struct timespec *ts)
{
	struct full_ctx		*fc = arg;
	struct cap_decap	 d;
	struct cap_archive_stats st;
	uint64_t		 fs_free, fs_total;

	fc->packets++;
	if (cap_decap(pkt, len, PKT_LINK_IP, &d) != CAP_DECAP_OK ||
	    d.encap != CAP_ENCAP_ERSPAN_II) {
		fc->bad++;
		return;
	}
	if (fc->archive == NULL)
		return;
	if (cap_archive_write(fc->archive, CAPTURE_ID, ts, d.inner,
	    d.inner_len, d.inner_len, fc->err, sizeof(fc->err)) == -1)
		fc->bad++;
	/*
	 * Retention, as the receiver's timer would run it; only closed files
	 * can go, so not before one was closed.
	 */
	if (fc->packets % ENFORCE_EVERY != 0)
		return;
	cap_archive_stats(fc->archive, &st);
	if (st.files_closed > st.files_deleted &&
	    cap_archive_fs_space(fc->archive, &fs_free, &fs_total) == 0)
		(void)cap_archive_enforce(fc->archive, time(NULL), fs_free,
		    fs_total);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

struct full {
	struct event_base	*base;
	struct cap_rawsock	*rs;
	struct full_ctx		 fc;
	char			 dir[512];
};

/* The archive writer of the full pass, in a new folder under o->dir. */
static void
archive_open(struct full *f, const struct opts *o)
{
	struct cap_archive_config	cfg;
	char				err[256];

	snprintf(f->dir, sizeof(f->dir), "%s/bench_decap_live.XXXXXX",
	    o->dir);
	if (mkdtemp(f->dir) == NULL)
		die(f->dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = f->dir;
	cfg.rotate_size = 64 << 20;
	cfg.quota = 1ULL << 30;
	if ((f->fc.archive = cap_archive_new(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", prog, err);
		exit(1);
	}
}

/* The receiver of the decap and full passes (archive: full). */
static void
full_open(struct full *f, const struct opts *o, int archive)
{
	struct netaddr	lo;
	char		err[256];

	memset(f, 0, sizeof(*f));
	if (archive)
		archive_open(f, o);
	if ((f->base = event_base_new()) == NULL)
		die("event_base_new");
	netaddr_parse("127.0.0.1", &lo);
	f->rs = cap_rawsock_new(f->base, NETADDR_IPV4, &lo, o->rcvbuf,
	    full_cb, &f->fc, err, sizeof(err));
	if (f->rs == NULL) {
		fprintf(stderr, "%s: %s\n", prog, err);
		exit(1);
	}
}

static void
full_close(struct full *f)
{
	cap_rawsock_free(f->rs);
	event_base_free(f->base);
	if (f->fc.archive != NULL) {
		cap_archive_free(f->fc.archive);
		nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	if (f->fc.bad != 0) {
		fprintf(stderr, "%s: %llu packets failed to decapsulate or "
		    "write (%s)\n", prog, (unsigned long long)f->fc.bad,
		    f->fc.err);
		exit(1);
	}
}

static uint64_t
full_drops(const struct full *f)
{
	struct cap_rawsock_stats st;

	cap_rawsock_stats(f->rs, &st);
	return st.kernel_drops;
}

/* ---- method 1: prefill, then time the drain --------------------------- */

static struct result
prefill(const struct opts *o, struct shared *sh, int pass)
{
	struct result	r = { 0, 0, 0, 0 };
	struct bare	b;
	struct full	f;
	double		t0;
	int		idle = 0, n, full_path = pass != PASS_BARE;

	if (full_path)
		full_open(&f, o, pass == PASS_FULL);
	else
		bare_open(&b, o->rcvbuf);
	sh->stop = 0;
	reap(spawn(sh, 0, o->n));
	usleep(20000);			/* let the last softirqs finish */
	t0 = now();
	if (full_path) {
		while (f.fc.packets < o->n && idle < 3) {
			uint64_t before = f.fc.packets;

			event_base_loop(f.base, EVLOOP_NONBLOCK);
			idle = f.fc.packets == before ? idle + 1 : 0;
		}
		r.seconds = now() - t0;
		r.packets = f.fc.packets;
		r.drops = full_drops(&f);
		full_close(&f);
	} else {
		while (r.packets < o->n && idle < 3) {
			n = bare_batch(&b);
			r.packets += (uint64_t)n;
			idle = n == 0 ? idle + 1 : 0;
		}
		r.seconds = now() - t0;
		r.drops = b.ovfl;
		bare_close(&b);
	}
	return r;
}

/* ---- method 2: senders and receiver at once --------------------------- */

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static uint64_t
sent_total(const struct shared *sh, int senders)
{
	uint64_t	sum = 0;
	int		i;

	for (i = 0; i < senders; i++)
		sum += sh->sent[i];
	return sum;
}

static struct result
stream(const struct opts *o, struct shared *sh, int pass)
{
	struct result	 r = { 0, 0, 0, 0 };
	struct bare	 b;
	struct full	 f;
	struct event	*ev = NULL;
	struct timeval	 tv = { 0, 10000 };
	pid_t		 pids[16];
	double		 t0 = 0, t_end, start;
	uint64_t	 got = 0, got0 = 0, sent0 = 0, drops0 = 0;
	int		 i, measuring = 0, full_path = pass != PASS_BARE;

	if (full_path) {
		full_open(&f, o, pass == PASS_FULL);
		/* A tick, so that the loop looks at the clock when idle. */
		ev = event_new(f.base, -1, EV_PERSIST, tick, NULL);
		if (ev == NULL || event_add(ev, &tv) == -1)
			die("event_new");
	} else
		bare_open(&b, o->rcvbuf);
	sh->stop = 0;
	memset((void *)sh->sent, 0, sizeof(sh->sent));
	for (i = 0; i < o->senders; i++)
		pids[i] = spawn(sh, i, 0);
	start = now();
	t_end = start + 0.2 + o->seconds;	/* 0.2 s of warm-up */
	for (;;) {
		double t = now();

		if (!measuring && t >= start + 0.2) {
			measuring = 1;
			t0 = t;
			got0 = got;
			sent0 = sent_total(sh, o->senders);
			drops0 = full_path ? full_drops(&f) : b.ovfl;
		}
		if (t >= t_end)
			break;
		if (full_path) {
			event_base_loop(f.base, EVLOOP_ONCE);
			got = f.fc.packets;
		} else {
			struct pollfd pfd = { b.fd, POLLIN, 0 };
			int n;

			if ((n = bare_batch(&b)) == 0)
				(void)poll(&pfd, 1, 10);
			got += (uint64_t)n;
		}
	}
	r.seconds = now() - t0;
	r.packets = got - got0;
	r.offered_pps = (double)(sent_total(sh, o->senders) - sent0) /
	    r.seconds;
	r.drops = (full_path ? full_drops(&f) : b.ovfl) - drops0;
	sh->stop = 1;
	for (i = 0; i < o->senders; i++)
		reap(pids[i]);
	if (full_path) {
		event_free(ev);
		full_close(&f);
	} else
		bare_close(&b);
	return r;
}

/* ---- main ------------------------------------------------------------- */

static void
report(const char *method, const char *pass, const struct result *r,
    double bare_pps)
{
	double pps = (double)r->packets / r->seconds;

	printf("%-18s %-5s %9llu %8.3f %8.3f %8.2f %7.2f",
	    method, pass, (unsigned long long)r->packets, r->seconds,
	    pps / 1e6, pps * PKT_LEN * 8 / 1e9, pps / bare_pps);
	if (r->offered_pps > 0)
		printf("   offered %.3f Mpps", r->offered_pps / 1e6);
	printf("   drops %llu\n", (unsigned long long)r->drops);
	printf("RESULT method=%s pass=%s packets=%llu mpps=%.3f gbps=%.3f "
	    "ratio=%.3f drops=%llu\n", method, pass,
	    (unsigned long long)r->packets, pps / 1e6,
	    pps * PKT_LEN * 8 / 1e9, pps / bare_pps,
	    (unsigned long long)r->drops);
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s [--smoke] [-m prefill|stream] [-n PACKETS] "
	    "[-r RUNS] [-t SECONDS] [-p SENDERS] [-b RCVBUF_MIB] [-d DIR]\n",
	    prog);
	exit(2);
}

static void
opts_parse(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	*o = (struct opts){ .n = 200000, .runs = 3, .seconds = 2.0,
	    .senders = 2, .rcvbuf = 512ULL << 20, .dir = "/dev/shm",
	    .methods = METHOD_PREFILL | METHOD_STREAM };
	while ((ch = getopt_long(argc, argv, "m:n:r:t:p:b:d:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			o->n = 20000;
			o->runs = 1;
			o->seconds = 0.3;
			o->rcvbuf = 64ULL << 20;
			break;
		case 'm':
			if (strcmp(optarg, "prefill") == 0)
				o->methods = METHOD_PREFILL;
			else if (strcmp(optarg, "stream") == 0)
				o->methods = METHOD_STREAM;
			else
				usage();
			break;
		case 'n':
			o->n = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			o->runs = atoi(optarg);
			break;
		case 't':
			o->seconds = atof(optarg);
			break;
		case 'p':
			o->senders = atoi(optarg);
			break;
		case 'b':
			o->rcvbuf = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'd':
			o->dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->n == 0 || o->runs < 1 || o->seconds <= 0 ||
	    o->senders < 1 || o->senders > 16 || o->rcvbuf == 0 ||
	    o->rcvbuf > (1ULL << 30))
		usage();
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct shared	*sh;
	struct result	 best[PASSES], r;
	struct statfs	 sfs;
	uint8_t		*pool;
	char		 method[32];
	int		 pass, k;

	opts_parse(&o, argc, argv);
	if (geteuid() != 0) {
		printf("%s: skipped: raw sockets need root\n", prog);
		return SKIP_STATUS;
	}
	signal(SIGPIPE, SIG_IGN);
	if (netns_enter() == -1)
		printf("(no network namespace of its own: other GRE traffic on "
		    "this host would count)\n");
	if (statfs(o.dir, &sfs) == 0 && sfs.f_type != TMPFS_MAGIC)
		printf("(%s is not tmpfs: the archive's disk speed counts)\n",
		    o.dir);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	memset(sh, 0, sizeof(*sh));
	sh->pool = pool = pool_build();

	printf("live receive on loopback: %d-byte GRE/ERSPAN II packets, "
	    "raw IPPROTO_GRE socket, receive buffer %llu MiB asked\n",
	    PKT_LEN, (unsigned long long)(o.rcvbuf >> 20));
	printf("%-18s %-5s %9s %8s %8s %8s %7s\n", "method", "pass",
	    "packets", "seconds", "Mpps", "Gbit/s", "x bare");

	/* Prefill: best of RUNS for each pass. */
	snprintf(method, sizeof(method), "prefill");
	for (pass = 0; pass < PASSES && (o.methods & METHOD_PREFILL); pass++) {
		best[pass].seconds = 0;
		for (k = 0; k < o.runs; k++) {
			r = prefill(&o, sh, pass);
			if (r.packets < o.n)
				printf("(prefill %s: %llu of %llu packets "
				    "arrived; %llu dropped: the buffer is too "
				    "small for -n)\n", pass_names[pass],
				    (unsigned long long)r.packets,
				    (unsigned long long)o.n,
				    (unsigned long long)r.drops);
			if (best[pass].seconds == 0 ||
			    r.packets / r.seconds >
			    best[pass].packets / best[pass].seconds)
				best[pass] = r;
		}
		report(method, pass_names[pass], &best[pass],
		    (double)best[0].packets / best[0].seconds);
	}

	/* Streaming: one window each. */
	snprintf(method, sizeof(method), "stream-%d-senders", o.senders);
	for (pass = 0; pass < PASSES && (o.methods & METHOD_STREAM); pass++) {
		best[pass] = stream(&o, sh, pass);
		report(method, pass_names[pass], &best[pass],
		    (double)best[0].packets / best[0].seconds);
	}
	free(pool);
	return 0;
}
