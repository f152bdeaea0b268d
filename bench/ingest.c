/*
 * ingest.c - the controller's whole ingest path on loopback: how many sFlow
 * datagrams a second the daemon takes through decode, flow table, lookups
 * against a million prefixes and the trigger policy, next to what a bare
 * recvmmsg() loop takes on the same socket settings; how long a listed
 * flow takes from the wire to a capture request; and how much memory the
 * daemon holds with a million prefixes and a full flow table.
 *
 * usage: bench_ingest [--smoke] [-P PREFIXES] [-L threat|routing]
 *            [-n DATAGRAMS] [-r RUNS] [-R RATES] [-s SECONDS]
 *            [-b RCVBUF_MIB] [-t TRIGGERS] [-f MAX_FLOWS] [-F FLOWS]
 *
 * The daemon is the real one (ctl_daemon_start(), as `finderscope
 * controller -d`), in a process of its own (ingest_daemon.c), configured
 * with one plain watch list of PREFIXES random IPv4 prefixes (default
 * 1,000,000 shaped like a threat list, 64 % single addresses; "-L routing"
 * shapes them like bench/lpm's routing table) plus 203.0.113.0/24,
 * local_networks 10.0.0.0/8, max_flows MAX_FLOWS (default 100,000), an
 * events file and a state directory under $TMPDIR.  The datagrams: a pool
 * of 16,384, 1,372 bytes each with 7 flow samples (a 128-byte
 * Ethernet/IPv4/TCP header each), from 16 agents.  By default every
 * sample is a flow of its own: 114,688 flows, so the flow table is full
 * and evicts on every sample; -F draws the samples from FLOWS flows
 * instead.  1 flow in 16 is one of 64 listed pairs with a local side (a
 * capture starts once for each pair the budget allows; then they are
 * covered or over budget), 4 in 16 have a listed side but no local one,
 * the rest random public addresses.  Both addresses of every sample are
 * looked up.  Senders are processes of their own.
 *
 * 1. drain   Daemon A (capture.max_active at its default, 16) with a
 *            1 GiB receive buffer (the config's maximum), so the kernel
 *            holds DATAGRAMS datagrams (default 250,000) for a reader
 *            that is not reading.  Two senders fill it while the daemon's
 *            loop is paused; then the daemon drains exactly those, timed
 *            inside its process.  The same for a bare socket
 *            (ingest_net.c: same buffer request, SO_RXQ_OVFL, batch and
 *            slot sizes as ctl_listener) drained with recvmmsg(64) in a
 *            tight loop.  Best of RUNS (default 3).  A sender makes only
 *            a third of what a bare drain takes, so this is the way to
 *            see the receiver's own limit.  Goal: the daemon's drain rate
 *            >= 80 % of the bare drain.
 * 2. rates   Daemon B (max_active 65536, for phase 4) with the receive
 *            buffer an operator would run (RCVBUF_MIB, default 8: the
 *            config's default).  Paced senders (one per 200k datagrams/s,
 *            at most four) send RATES (thousands of datagrams/s, default
 *            50,100,125,150,175,200,300,...,800) for SECONDS each (default
 *            1) to the bare socket, then to the daemon, until two steps in
 *            a row lose; loss is what was sent and never handled.  The
 *            highest achieved rate with < 0.1 % loss is reported, marked
 *            when the senders fell short of the target (the receiver's
 *            limit is then higher).  With 2 CPUs the senders and the
 *            receiver share them; "cpu" is the receiver's share of one.
 * 3. memory  VmRSS and VmHWM of daemons A and B (forked before the bench
 *            allocated anything, so the figures are the daemons' own)
 *            with 1M prefixes and a full flow table, and A's after
 *            malloc_trim(0).  Goal: < 150 MB.
 * 4. trigger TRIGGERS times (default 10,000), one at a time: a one-sample
 *            datagram with a new pair (10.1.x.y, in local_networks, with
 *            203.0.113.z) is sent to daemon B; the time from just before
 *            send() to the capture_requested event (stored by
 *            ctl_capture_request, after the policy said START) is read in
 *            the daemon's process on the same clock.  The next trigger is
 *            sent once that capture has started.  Every capture stays
 *            live, so the last triggers see TRIGGERS live captures; the
 *            first and last tenth are reported apart.  Goal: p99 < 1 ms.
 * --smoke: 10,000 prefixes, 2,000 datagrams, 200 triggers, two short rate
 * steps: a check that it all works, in a few seconds.
 *
 * "RESULT" lines repeat the figures for scripts; "goal" lines judge them.
 * Exit status: 1 when something fails to run, not for slow figures.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ingest.h"

#define DRAIN_RCVBUF		(1ULL << 30)	/* the config's maximum */
#define FILL_SENDERS		2
#define PER_SENDER_RATE		200000.0	/* paced: one sender per this */
#define POOL_DATAGRAMS		16384
#define SMOKE_POOL		1024
#define TRIGGER_TIMEOUT_MS	1000
#define TABLE_TIMEOUT_S		120

struct opts {
	int		 smoke;
	uint64_t	 prefixes;
	uint64_t	 drain_n;
	int		 runs;
	double		 rates[ING_MAX_RATES];	/* datagrams/s */
	int		 n_rates;
	double		 seconds;
	uint64_t	 rcvbuf;		/* the rates daemon's */
	uint64_t	 triggers;
	uint64_t	 max_flows;
	size_t		 pool;
	size_t		 flows;		/* distinct in the pool, 0: all */
	enum ing_shape	 shape;
};

struct bench {
	struct opts		 o;
	char			 dir[PATH_MAX / 2];
	char			 list[PATH_MAX];
	struct ing_shared	*sh;
	struct ing_daemon	 dm[2];		/* drain, rates */
	struct ing_pool		 pool;
	uint64_t		 rss_fork_kb[2]; /* the daemons, not started */
};

static const char prog[] = "bench_ingest";

static void
die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s [--smoke] [-P PREFIXES] [-L threat|routing] "
	    "[-n DATAGRAMS] [-r RUNS]\n"
	    "           [-R RATES] [-s SECONDS] [-b RCVBUF_MIB] [-t TRIGGERS] "
	    "[-f MAX_FLOWS] [-F FLOWS]\n"
	    "  RATES: thousands of datagrams/s, comma separated "
	    "(50,100,200,...)\n", prog);
	exit(2);
}

static int
parse_rates(struct opts *o, const char *text)
{
	char *end;
	double v;

	o->n_rates = 0;
	while (*text != '\0') {
		v = strtod(text, &end);
		if (end == text || v <= 0 || o->n_rates == ING_MAX_RATES)
			return -1;
		o->rates[o->n_rates++] = v * 1000;
		text = end;
		if (*text == ',')
			text++;
		else if (*text != '\0')
			return -1;
	}
	return o->n_rates > 0 ? 0 : -1;
}

static uint64_t
number(const char *text)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0')
		usage();
	return v;
}

static void
opts_parse(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "smoke", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	*o = (struct opts){ .prefixes = 1000000, .drain_n = 250000,
	    .runs = 3, .seconds = 1.0, .rcvbuf = 8ULL << 20,
	    .triggers = 10000, .max_flows = 100000, .pool = POOL_DATAGRAMS };
	(void)parse_rates(o, "50,100,125,150,175,200,300,400,500,600,800");
	while ((ch = getopt_long(argc, argv, "P:L:n:r:R:s:b:t:f:F:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'S':
			o->smoke = 1;
			o->prefixes = 10000;
			o->drain_n = 2000;
			o->runs = 1;
			o->seconds = 0.2;
			o->triggers = 200;
			o->max_flows = 5000;
			o->pool = SMOKE_POOL;
			(void)parse_rates(o, "20,50");
			break;
		case 'P':
			o->prefixes = number(optarg);
			break;
		case 'L':
			if (strcmp(optarg, "threat") == 0)
				o->shape = ING_SHAPE_THREAT;
			else if (strcmp(optarg, "routing") == 0)
				o->shape = ING_SHAPE_ROUTING;
			else
				usage();
			break;
		case 'n':
			o->drain_n = number(optarg);
			break;
		case 'r':
			o->runs = (int)number(optarg);
			break;
		case 'R':
			if (parse_rates(o, optarg) == -1)
				usage();
			break;
		case 's':
			o->seconds = atof(optarg);
			break;
		case 'b':
			o->rcvbuf = number(optarg) << 20;
			break;
		case 't':
			o->triggers = number(optarg);
			break;
		case 'f':
			o->max_flows = number(optarg);
			break;
		case 'F':
			o->flows = number(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->prefixes == 0 || o->prefixes > 10000000 ||
	    o->drain_n < FILL_SENDERS || o->runs < 1 || o->seconds <= 0 ||
	    o->rcvbuf < (64 << 10) || o->rcvbuf > DRAIN_RCVBUF ||
	    o->triggers == 0 || o->triggers > 0x00FE0000 ||
	    o->max_flows == 0 || o->max_flows > 10000000 ||
	    o->flows > 10000000)
		usage();
}

/* ---- set-up --------------------------------------------------------------- */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
files_make(struct bench *b)
{
	struct ing_prefixes pf;
	struct ing_rng rng = { 0x5EEDF00DULL };
	int64_t t0 = ing_now_ns();
	char flows[64];

	snprintf(b->list, sizeof(b->list), "%s/watch.txt", b->dir);
	if (ing_prefixes_make(&pf, b->o.prefixes, b->o.shape, &rng) == -1)
		die("prefixes");
	if (ing_prefixes_write(&pf, b->list) == -1)
		die(b->list);
	if (ing_pool_build(&b->pool, b->o.pool, b->o.flows, &pf, &rng) == -1)
		die("datagram pool");
	ing_prefixes_free(&pf);
	if (b->o.flows == 0)
		snprintf(flows, sizeof(flows), "each sample its own flow");
	else
		snprintf(flows, sizeof(flows), "samples of %zu flows",
		    b->o.flows);
	printf("watch list: %llu random prefixes (%s shape) + 203.0.113.0/24; "
	    "pool: %zu datagrams of %d bytes, %d flow samples each, %s "
	    "(%.1f s to make)\n", (unsigned long long)b->o.prefixes,
	    b->o.shape == ING_SHAPE_ROUTING ? "routing table" : "threat list",
	    b->pool.n, ING_DGRAM_LEN, ING_SAMPLES, flows,
	    (double)(ing_now_ns() - t0) / 1e9);
	printf("samples in the pool: %.1f %% listed pair with a local side, "
	    "%.1f %% listed side only, %.1f %% random\n",
	    100.0 * (double)b->pool.by_class[ING_CLASS_MATCH] /
	    (double)(b->pool.n * ING_SAMPLES),
	    100.0 * (double)b->pool.by_class[ING_CLASS_LISTED] /
	    (double)(b->pool.n * ING_SAMPLES),
	    100.0 * (double)b->pool.by_class[ING_CLASS_RANDOM] /
	    (double)(b->pool.n * ING_SAMPLES));
}

/* max_active 0: the default (16). */
static void
config_write(const struct bench *b, const char *path, char tag,
    uint64_t rcvbuf, unsigned max_active)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		die(path);
	fprintf(f, "# bench_ingest: daemon %c\n"
	    "controller:\n"
	    "  sflow_listen: [\"127.0.0.1:%u\"]\n"
	    "  api_listen: 127.0.0.1:%u\n"
	    "  state_dir: %s/state-%c\n"
	    "  events_file: %s/events-%c.json\n"
	    "  sflow_rcvbuf: %llu\n"
	    "  max_flows: %llu\n"
	    "local_networks: [10.0.0.0/8]\n"
	    "blacklists:\n"
	    "  - name: watch\n"
	    "    format: plain\n"
	    "    file: %s\n"
	    "    max_size: 1G\n"
	    "    max_entries: %llu\n"
	    "groups:\n"
	    "  watched: [watch]\n"
	    "capture:\n"
	    "  duration: 1h\n"
	    "  max_duration: 1h\n",
	    tag, ing_free_port(SOCK_DGRAM), ing_free_port(SOCK_STREAM),
	    b->dir, tag, b->dir, tag, (unsigned long long)rcvbuf,
	    (unsigned long long)b->o.max_flows, b->list,
	    (unsigned long long)b->o.prefixes + 1);
	if (max_active > 0)
		fprintf(f, "  max_active: %u\n", max_active);
	if (fclose(f) != 0)
		die(path);
}

/* Start daemon which (0: drain, 1: rates) and wait for its full table. */
static void
daemon_up(struct bench *b, int which, uint64_t rcvbuf, struct ing_stats *st)
{
	char config[PATH_MAX + 32], log[PATH_MAX + 32], err[512];
	char tag = which == 0 ? 'A' : 'B';
	int64_t t0;

	snprintf(config, sizeof(config), "%s/config-%c.yaml", b->dir, tag);
	snprintf(log, sizeof(log), "%s/daemon-%c.log", b->dir, tag);
	config_write(b, config, tag, rcvbuf, which == 0 ? 0 : 65536);
	ing_daemon_stats(&b->dm[which], st);
	b->rss_fork_kb[which] = st->vm_rss_kb;
	t0 = ing_now_ns();
	if (ing_daemon_start(&b->dm[which], config, log, st, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: daemon %c: %s\n", prog, tag, err);
		exit(1);
	}
	/* The list is read and the table rebuilt in the daemon's worker. */
	for (;;) {
		ing_daemon_stats(&b->dm[which], st);
		if (st->prefixes > b->o.prefixes && !st->building)
			break;
		if (ing_now_ns() - t0 > (int64_t)TABLE_TIMEOUT_S * 1000000000) {
			fprintf(stderr, "%s: daemon %c: no table of %llu "
			    "prefixes after %d s (see %s)\n", prog, tag,
			    (unsigned long long)b->o.prefixes,
			    TABLE_TIMEOUT_S, log);
			exit(1);
		}
		usleep(20000);
	}
	printf("daemon %c: up with %llu prefixes (table %.1f MiB) %.2f s after "
	    "start, VmRSS %.1f MiB, VmHWM %.1f MiB; receive buffer %llu MiB "
	    "asked, %llu MiB granted\n", tag,
	    (unsigned long long)st->prefixes,
	    (double)st->table_memory / 1048576,
	    (double)(ing_now_ns() - t0) / 1e9, (double)st->vm_rss_kb / 1024,
	    (double)st->vm_hwm_kb / 1024, (unsigned long long)(rcvbuf >> 20),
	    (unsigned long long)(st->rcvbuf >> 20));
}

/* ---- senders -------------------------------------------------------------- */

/* count datagrams to port from k senders at rate in all (0: flat out);
 * waits for them.  Returns what they sent; *achieved: datagrams/s. */
static uint64_t
send_all(struct bench *b, uint16_t port, uint64_t count, double rate, int k,
    double *achieved)
{
	struct ing_send_job job;
	pid_t pids[ING_MAX_SENDERS];
	uint64_t sent = 0;
	int64_t first = INT64_MAX, last = 0;
	int i;

	for (i = 0; i < k; i++) {
		job.port = port;
		job.count = count / (uint64_t)k +
		    (i < (int)(count % (uint64_t)k) ? 1 : 0);
		job.rate = rate / k;
		job.id = i;
		job.senders = k;
		job.pool = &b->pool;
		pids[i] = ing_sender_spawn(&job, b->sh);
	}
	for (i = 0; i < k; i++)
		ing_sender_reap(pids[i]);
	for (i = 0; i < k; i++) {
		const struct ing_send_slot *s = &b->sh->senders[i];

		sent += s->sent;
		first = s->start_ns < first ? s->start_ns : first;
		last = s->end_ns > last ? s->end_ns : last;
	}
	if (achieved != NULL)
		*achieved = last > first ? (double)sent * 1e9 /
		    (double)(last - first) : 0;
	return sent;
}

/* ---- 1. drain ------------------------------------------------------------- */

static void
drain_keep(struct ing_drain *best, uint64_t got, uint64_t drops,
    double seconds)
{
	if (best->seconds == 0 || (double)got / seconds >
	    (double)best->datagrams / best->seconds) {
		best->datagrams = got;
		best->drops = drops;
		best->seconds = seconds;
	}
}

static void
drain_note(const char *pass, uint64_t got, uint64_t want, uint64_t drops)
{
	if (got != want || drops != 0)
		printf("  (%s: %llu of %llu datagrams, %llu dropped by the "
		    "kernel: the buffer did not hold them all)\n", pass,
		    (unsigned long long)got, (unsigned long long)want,
		    (unsigned long long)drops);
}

/* last[0]: daemon A's counters after the last drain; last[1]: the same
 * after malloc_trim(0). */
static void
phase_drain(struct bench *b, struct ing_drain r[2], struct ing_stats last[2])
{
	struct ing_bare *bare;
	struct ing_stats st, after;
	uint64_t n = b->o.drain_n, got, drops0;
	int64_t t0;
	double secs;
	int run, idle, k;

	memset(r, 0, 2 * sizeof(*r));
	printf("\n== 1. drain: %llu datagrams queued while nobody reads, "
	    "then read; best of %d\n", (unsigned long long)n, b->o.runs);
	bare = ing_bare_open(DRAIN_RCVBUF);
	daemon_up(b, 0, DRAIN_RCVBUF, &st);
	for (run = 0; run < b->o.runs; run++) {
		/* Bare. */
		drops0 = ing_bare_drops(bare);
		(void)send_all(b, ing_bare_port(bare), n, 0, FILL_SENDERS, NULL);
		usleep(50000);		/* let the last softirqs finish */
		t0 = ing_now_ns();
		for (got = 0, idle = 0; got < n && idle < 1000;) {
			k = ing_bare_batch(bare);
			got += (uint64_t)k;
			idle = k == 0 ? idle + 1 : 0;
		}
		secs = (double)(ing_now_ns() - t0) / 1e9;
		drain_keep(&r[0], got, ing_bare_drops(bare) - drops0, secs);
		drain_note("bare", got, n, ing_bare_drops(bare) - drops0);

		/* The daemon. */
		ing_daemon_stats(&b->dm[0], &st);
		ing_daemon_pause(&b->dm[0]);
		(void)send_all(b, st.sflow_port, n, 0, FILL_SENDERS, NULL);
		usleep(50000);
		ing_daemon_drain(&b->dm[0], n, &after);
		drain_keep(&r[1], after.drained,
		    after.kernel_drops - st.kernel_drops, after.drain_seconds);
		drain_note("daemon", after.drained, n,
		    after.kernel_drops - st.kernel_drops);
		printf("  run %d: bare %.3f M datagrams/s, daemon %.3f M "
		    "datagrams/s\n", run + 1, (double)got / secs / 1e6,
		    (double)after.drained / after.drain_seconds / 1e6);
	}
	if (after.decode_errors != 0)
		printf("  (the daemon counted %llu decode errors)\n",
		    (unsigned long long)after.decode_errors);
	ing_daemon_stats(&b->dm[0], &last[0]);
	ing_daemon_trim(&b->dm[0], &last[1]);
	ing_daemon_quit(&b->dm[0]);
	ing_bare_close(bare);
}

/* ---- 2. rising rates ------------------------------------------------------ */

static int
senders_for(double rate)
{
	int k = (int)ceil(rate / PER_SENDER_RATE);

	return k < 1 ? 1 : k > ING_MAX_SENDERS ? ING_MAX_SENDERS : k;
}

static double
thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The bare socket while paced senders run; it reads until they are done
 * and nothing more comes. */
static void
step_bare(struct bench *b, struct ing_bare *bare, struct ing_step *s)
{
	struct ing_send_job job;
	pid_t pids[ING_MAX_SENDERS];
	struct pollfd pfd = { ing_bare_fd(bare), POLLIN, 0 };
	uint64_t count = (uint64_t)(s->target * b->o.seconds), got = 0;
	uint64_t drops0 = ing_bare_drops(bare);
	int64_t first = INT64_MAX, last = 0, quiet_since = 0;
	double cpu0 = thread_cpu();
	int i, k, running = s->senders, status;

	for (i = 0; i < s->senders; i++) {
		job.port = ing_bare_port(bare);
		job.count = count / (uint64_t)s->senders +
		    (i < (int)(count % (uint64_t)s->senders) ? 1 : 0);
		job.rate = s->target / s->senders;
		job.id = i;
		job.senders = s->senders;
		job.pool = &b->pool;
		pids[i] = ing_sender_spawn(&job, b->sh);
	}
	for (;;) {
		if ((k = ing_bare_batch(bare)) > 0) {
			got += (uint64_t)k;
			quiet_since = 0;
			continue;
		}
		for (i = 0; i < s->senders; i++) {
			if (pids[i] <= 0 || waitpid(pids[i], &status,
			    WNOHANG) <= 0)
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fprintf(stderr, "%s: a sender failed\n", prog);
				exit(1);
			}
			pids[i] = 0;
			running--;
		}
		if (running == 0) {
			if (quiet_since == 0)
				quiet_since = ing_now_ns();
			else if (ing_now_ns() - quiet_since > 20000000)
				break;
		}
		(void)poll(&pfd, 1, 1);
	}
	s->cpu = thread_cpu() - cpu0;
	for (i = 0; i < s->senders; i++) {
		const struct ing_send_slot *sl = &b->sh->senders[i];

		s->sent += sl->sent;
		first = sl->start_ns < first ? sl->start_ns : first;
		last = sl->end_ns > last ? sl->end_ns : last;
	}
	s->achieved = (double)s->sent * 1e9 / (double)(last - first);
	s->cpu /= (double)(last - first) / 1e9;
	s->handled = got;
	s->drops = ing_bare_drops(bare) - drops0;
}

/* The daemon while paced senders run; then until its count settles. */
static void
step_daemon(struct bench *b, struct ing_step *s)
{
	struct ing_daemon *dm = &b->dm[1];
	struct ing_stats st0, st;
	uint64_t count = (uint64_t)(s->target * b->o.seconds), last = 0;
	int64_t t0;
	int same = 0;

	ing_daemon_stats(dm, &st0);
	t0 = ing_now_ns();
	s->sent = send_all(b, st0.sflow_port, count, s->target, s->senders,
	    &s->achieved);
	for (;;) {
		ing_daemon_stats(dm, &st);
		same = st.datagrams == last ? same + 1 : 0;
		last = st.datagrams;
		if (same >= 3 || st.datagrams - st0.datagrams >= s->sent)
			break;
		usleep(10000);
	}
	s->handled = st.datagrams - st0.datagrams;
	s->drops = st.kernel_drops - st0.kernel_drops;
	/* CPU over the sending time (the drain after it is short). */
	s->cpu = (double)(st.cpu_ns - st0.cpu_ns) /
	    ((double)(ing_now_ns() - t0));
}

static void
rates_run(struct bench *b, struct ing_bare *bare, const char *pass,
    struct ing_rates *r)
{
	struct ing_step *s;
	int i, bad = 0;

	r->n = 0;
	r->best = -1;
	for (i = 0; i < b->o.n_rates && bad < 2; i++) {
		s = &r->steps[r->n++];
		memset(s, 0, sizeof(*s));
		s->target = b->o.rates[i];
		s->senders = senders_for(s->target);
		if (bare != NULL)
			step_bare(b, bare, s);
		else
			step_daemon(b, s);
		ing_report_step(pass, s);
		if (ing_step_loss(s) < ING_LOSS_LIMIT) {
			if (r->best < 0 ||
			    s->achieved > r->steps[r->best].achieved)
				r->best = r->n - 1;
			bad = 0;
		} else
			bad++;
	}
}

static void
phase_rates(struct bench *b, struct ing_rates r[2], struct ing_stats *st)
{
	struct ing_bare *bare;

	printf("\n== 2. rising rates for %.1f s each; receive buffer %llu "
	    "MiB; loss = sent - handled\n", b->o.seconds,
	    (unsigned long long)(b->o.rcvbuf >> 20));
	bare = ing_bare_open(b->o.rcvbuf);
	daemon_up(b, 1, b->o.rcvbuf, st);
	printf("%-6s %9s %9s %3s %9s %9s %7s %8s %7s\n", "pass", "target/s",
	    "sent/s", "snd", "sent", "handled", "drops", "loss %", "cpu");
	rates_run(b, bare, "bare", &r[0]);
	rates_run(b, NULL, "daemon", &r[1]);
	ing_bare_close(bare);
	ing_daemon_stats(&b->dm[1], st);
}

/* ---- 4. trigger latency --------------------------------------------------- */

static void
phase_latency(struct bench *b, uint16_t port, struct ing_latency *l)
{
	struct ing_shared *sh = b->sh;
	struct sockaddr_in sin;
	struct pollfd pfd = { b->dm[1].notify, POLLIN, 0 };
	uint8_t dg[ING_TRIGGER_LEN];
	uint64_t i, before;
	int64_t t;
	char c;
	int fd, rc;

	memset(l, 0, sizeof(*l));
	l->n = b->o.triggers;
	if ((l->ns = calloc(l->n, sizeof(*l->ns))) == NULL)
		die("calloc");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("trigger socket");
	__atomic_store_n(&sh->armed, 1, __ATOMIC_RELEASE);
	for (i = 0; i < l->n; i++) {
		uint32_t local = ING_TRIGGER_LOCAL + 1 + (uint32_t)i;

		ing_trigger_build(dg, local,
		    ING_KNOWN_PREFIX + 1 + (uint32_t)(i % 254), (uint32_t)i + 1);
		__atomic_store_n(&sh->expect_local, local, __ATOMIC_RELEASE);
		before = __atomic_load_n(&sh->requested, __ATOMIC_ACQUIRE);
		t = ing_now_ns();
		if (send(fd, dg, sizeof(dg), 0) != (ssize_t)sizeof(dg))
			die("send");
		while ((rc = poll(&pfd, 1, TRIGGER_TIMEOUT_MS)) == -1 &&
		    errno == EINTR)
			;
		if (rc == 1 && read(pfd.fd, &c, 1) == 1 &&
		    __atomic_load_n(&sh->requested, __ATOMIC_ACQUIRE) ==
		    before + 1)
			l->ns[i] = __atomic_load_n(&sh->requested_ns,
			    __ATOMIC_ACQUIRE) - t;
		else {
			l->ns[i] = -1;
			l->lost++;
		}
	}
	__atomic_store_n(&sh->armed, 0, __ATOMIC_RELEASE);
	l->mismatched = sh->mismatched;
	close(fd);
}

int
main(int argc, char **argv)
{
	struct bench b;
	struct ing_drain drain[2];
	struct ing_rates rates[2];
	struct ing_stats st, mem, mem_a[2];
	struct ing_latency lat;
	const char *tmp;
	int64_t t0;

	memset(&b, 0, sizeof(b));
	opts_parse(&b.o, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(b.dir, sizeof(b.dir), "%s/bench_ingest.XXXXXX", tmp);
	if (mkdtemp(b.dir) == NULL)
		die(b.dir);
	b.sh = mmap(NULL, sizeof(*b.sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b.sh == MAP_FAILED)
		die("mmap");
	/* First, while this process is small: see ingest_daemon.c. */
	ing_daemon_fork(&b.dm[0], b.sh);
	ing_daemon_fork(&b.dm[1], b.sh);

#if !defined(__OPTIMIZE__) || defined(__SANITIZE_ADDRESS__)
	printf("warning: not an optimised build without sanitizers: "
	    "the figures below mean little\n");
#endif
	if (geteuid() != 0)
		printf("(not root: receive buffers are capped at "
		    "net.core.rmem_max)\n");
	printf("%s: %ld CPUs online; files in %s\n", prog,
	    sysconf(_SC_NPROCESSORS_ONLN), b.dir);
	files_make(&b);

	phase_drain(&b, drain, mem_a);
	ing_report_drain(drain);

	phase_rates(&b, rates, &st);
	ing_report_rates(rates);
	ing_report_pipeline(&st);

	printf("\n== 3. memory of the daemon processes\n");
	printf("%-16s VmRSS %6.1f MiB (forked, before the daemon started)\n",
	    "fork", (double)b.rss_fork_kb[1] / 1024);
	ing_report_memory("A_after_drain", &mem_a[0]);
	ing_report_memory("A_trimmed", &mem_a[1]);
	mem = st;
	ing_report_memory("B_after_rates", &mem);

	printf("\n== 4. trigger latency: send() -> capture_requested, one at "
	    "a time\n");
	phase_latency(&b, st.sflow_port, &lat);
	ing_daemon_stats(&b.dm[1], &st);
	lat.live_after = st.live_captures;
	lat.state_writes = st.state_writes - mem.state_writes;
	ing_report_latency(&lat, mem.live_captures);
	ing_report_memory("B_after_trigger", &st);
	t0 = ing_now_ns();
	ing_daemon_quit(&b.dm[1]);
	/* Shutdown ends every live capture (an event and a log line each). */
	printf("daemon B stopped in %.2f s, ending %llu live captures\n",
	    (double)(ing_now_ns() - t0) / 1e9,
	    (unsigned long long)st.live_captures);
	printf("RESULT stop seconds=%.3f live_captures=%llu\n",
	    (double)(ing_now_ns() - t0) / 1e9,
	    (unsigned long long)st.live_captures);

	printf("\n");
	ing_report_goals(drain, &lat, &mem_a[0], &mem, b.o.smoke);
	free(lat.ns);
	ing_pool_free(&b.pool);
	munmap(b.sh, sizeof(*b.sh));
	nftw(b.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
