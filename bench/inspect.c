/*
 * inspect.c - how fast the receiver's L7 inspection runs on one core
 * (parsing, session lookup, TCP reassembly, Hyperscan stream scans, the
 * history), next to Hyperscan block-mode scans of the same payload bytes
 * in the same run; and what 100,000 concurrent sessions cost in memory.
 *
 * usage: bench_inspect [-n SESSIONS] [-c CONCURRENT] [-k KEYS[,KEYS...]]
 *            [-r RUNS] [-m MEMSESSIONS] [-p HIT%] [-H HISTORY_MIB] [-d DIR]
 *            [-P PASS[,PASS...]]
 *
 * The traffic (inspect_traffic.c) is generated in memory first: SESSIONS
 * TCP sessions (default 4,000; 80 % small, 20 % of 64-512 KB, 10 % IPv6),
 * CONCURRENT at a time (default 1,000) interleaved frame by frame, 2 % of
 * data segments out of order and 1 % retransmitted, keys planted in HIT%
 * of the sessions (default 1).  The keys (inspect_gen.c) are literals of
 * 8-16 bytes; each count in KEYS (default 1000,10000) is one set, the
 * first N of one list, and the plants come from the first 1,000, so every
 * set sees the same traffic and the same expected hits.
 *
 * Passes, RUNS times each (default 3) taking turns, best run reported:
 *   block        cap_keyset_scan_block() of each segment's payload, each
 *                segment once (no retransmissions), in arrival order:
 *                the baseline the goal is set against;
 *   block-1MiB   the same bytes copied together, scanned 1 MiB at a time:
 *                Hyperscan's ceiling on this data, without per-call costs;
 *   stream       one cap_keystream per direction fed the same segments in
 *                arrival order (no reassembly: a swapped pair is scanned
 *                swapped): Hyperscan's streaming cost with the sessions'
 *                states;
 *   full         every frame through cap_sessions_frame() (and a tick per
 *                second of the frames' clock), then cap_sessions_close_all():
 *                the receiver's path, HISTORY_MIB of history (default 64),
 *                session folders in DIR (default /dev/shm, removed);
 *   full-nohist  the same without history.
 * Throughput is payload Gbit/s (each segment's payload counted once), and
 * "x block" the ratio to the block pass: the goal is >= 0.60 for full.
 * -P runs only the passes named (block always: it is the baseline), for a
 * profiler's sake.
 *
 * Checks, which make the exit status 1 (the ctest relies on them): the
 * full passes must report exactly the planted (session, key, direction)
 * hits and hit sessions, write one folder per hit session, scan every
 * payload byte once (no gaps, nothing dropped), count the retransmitted
 * bytes as duplicates; the block pass must find the plants that lie in
 * one segment.
 *
 * Memory (inspect_mem.c): MEMSESSIONS sessions (default 100,000; 0: none)
 * open at once, for each key count with and without history.
 */
#define _XOPEN_SOURCE 700	/* nftw */
#include <ftw.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cap_sessions.h"
#include "inspect.h"

#define KEYSETS_MAX	8
#define PLANT_KEYS	1000
#define RUNS_MAX	64
#define FLAT_CHUNK	(1u << 20)
#define NS_PER_FRAME	10000		/* the frames' clock: 100,000 a second */

enum { P_BLOCK, P_FLAT, P_STREAM, P_FULL, P_FULL_NOHIST, PASSES };
static const char *const pass_names[PASSES] = {
	"block", "block-1MiB", "stream", "full", "full-nohist" };

struct bench {
	const struct ib_traffic	*tr;
	uint8_t			*flat;		/* the payload, together */
	struct cap_keyset	*set;
	struct cap_keyscratch	*sc;
	const char		*dir;		/* sessions folder */
	uint64_t		 history;
	int			 failed;
};

struct result {
	double		secs[RUNS_MAX];
	long		faults[RUNS_MAX];	/* minor page faults */
	int		nruns;
	uint64_t	hits;
	struct cap_sessions_stats st;
	uint64_t	files_bytes;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
count_hit(void *arg, uint32_t key, uint64_t end)
{
	(void)key;
	(void)end;
	(*(uint64_t *)arg)++;
}

/* ---- the passes -------------------------------------------------------- */

static double
run_block(struct bench *b, uint64_t *hits)
{
	const struct ib_traffic *tr = b->tr;
	double t0 = now();
	size_t i;

	for (i = 0; i < tr->nframes; i++) {
		const struct ib_frame *f = &tr->frames[i];

		if (f->paylen == 0 || (f->flags & IB_F_DUP))
			continue;
		if (cap_keyset_scan_block(b->set, b->sc, tr->bytes + f->off +
		    f->payoff, f->paylen, count_hit, hits) == -1)
			b->failed = 1;
	}
	return now() - t0;
}

static double
run_flat(struct bench *b, uint64_t *hits)
{
	uint64_t o, len = b->tr->payload;
	double t0 = now();

	for (o = 0; o < len; o += FLAT_CHUNK)
		if (cap_keyset_scan_block(b->set, b->sc, b->flat + o,
		    len - o < FLAT_CHUNK ? len - o : FLAT_CHUNK, count_hit,
		    hits) == -1)
			b->failed = 1;
	return now() - t0;
}

static double
run_stream(struct bench *b, uint64_t *hits)
{
	const struct ib_traffic *tr = b->tr;
	struct cap_keystream **ks;
	double t0, t;
	size_t i;

	if ((ks = calloc((size_t)tr->nsessions * 2, sizeof(*ks))) == NULL) {
		b->failed = 1;
		return 0;
	}
	t0 = now();
	for (i = 0; i < tr->nframes; i++) {
		const struct ib_frame *f = &tr->frames[i];
		struct cap_keystream **k = &ks[(size_t)f->sess * 2 + f->dir];

		if (f->paylen > 0 && !(f->flags & IB_F_DUP)) {
			if (*k == NULL && (*k = cap_keystream_open(b->set)) ==
			    NULL)
				b->failed = 1;
			else if (cap_keystream_scan(*k, b->sc, tr->bytes +
			    f->off + f->payoff, f->paylen, count_hit,
			    hits) == -1)
				b->failed = 1;
		}
		if (f->flags & IB_F_LAST) {
			k = &ks[(size_t)f->sess * 2];
			cap_keystream_close(k[0], b->sc, count_hit, hits);
			cap_keystream_close(k[1], b->sc, count_hit, hits);
			k[0] = k[1] = NULL;
		}
	}
	t = now() - t0;
	free(ks);
	return t;
}

static void
on_hit(void *arg, const struct cap_session_hit *h)
{
	(void)h;
	(*(uint64_t *)arg)++;
}

static uint64_t files_bytes;

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)flag;
	if (ftw->level == 0)
		return 0;
	if (S_ISREG(sb->st_mode))
		files_bytes += (uint64_t)sb->st_size;
	return remove(path);
}

/* Empty dir; how many bytes of files it held. */
static uint64_t
dir_empty(const char *dir)
{
	files_bytes = 0;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return files_bytes;
}

static double
run_full(struct bench *b, uint64_t history, uint64_t *hits,
    struct result *res)
{
	const struct ib_traffic *tr = b->tr;
	struct cap_sessions_callbacks cb = { on_hit, NULL, hits };
	struct cap_sessions_config cfg;
	struct cap_sessions *t;
	struct timespec ts;
	char err[256];
	int64_t now_ms, tick = 1000;
	double t0, secs;
	size_t i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = b->dir;
	cfg.history_bytes = history;
	if ((t = cap_sessions_new(&cfg, b->set, &cb, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "bench_inspect: %s\n", err);
		b->failed = 1;
		return 0;
	}
	t0 = now();
	for (i = 0; i < tr->nframes; i++) {
		const struct ib_frame *f = &tr->frames[i];
		uint64_t ns = (uint64_t)i * NS_PER_FRAME;

		ts.tv_sec = 1795000000 + (time_t)(ns / 1000000000);
		ts.tv_nsec = (long)(ns % 1000000000);
		now_ms = (int64_t)(ns / 1000000);
		if (now_ms >= tick) {
			cap_sessions_tick(t, now_ms);
			tick += 1000;
		}
		cap_sessions_frame(t, "bench", &ts, tr->bytes + f->off, f->len,
		    f->len, now_ms);
	}
	cap_sessions_close_all(t);
	secs = now() - t0;
	cap_sessions_stats(t, &res->st);
	cap_sessions_free(t);
	res->files_bytes = dir_empty(b->dir);
	return secs;
}

static long
minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void
run_pass(struct bench *b, int p, struct result *res)
{
	uint64_t hits = 0;
	long f0 = minflt();
	double s;

	switch (p) {
	case P_BLOCK:
		s = run_block(b, &hits);
		break;
	case P_FLAT:
		s = run_flat(b, &hits);
		break;
	case P_STREAM:
		s = run_stream(b, &hits);
		break;
	case P_FULL:
		s = run_full(b, b->history, &hits, res);
		break;
	default:
		s = run_full(b, 0, &hits, res);
		break;
	}
	res->faults[res->nruns] = minflt() - f0;
	res->secs[res->nruns++] = s;
	res->hits = hits;
}

/* ---- checks and figures ------------------------------------------------ */

static int	fail(const char *, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_inspect: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

#define CHECK_EQ(what, got, want)					\
	((uint64_t)(got) == (uint64_t)(want) ? 0 :			\
	    fail("%zu keys, %s: %s = %llu, expected %llu", nkeys,	\
	    pass_names[p], what, (unsigned long long)(got),		\
	    (unsigned long long)(want)))

/* What the last run of pass p must have found. */
static int
check(const struct ib_traffic *tr, size_t nkeys, int p, const struct result *r)
{
	const struct cap_sessions_stats *st = &r->st;
	int bad = 0;

	switch (p) {
	case P_BLOCK:
		bad |= CHECK_EQ("hits", r->hits, tr->plants - tr->plants_split);
		break;
	case P_FULL:
	case P_FULL_NOHIST:
		bad |= CHECK_EQ("hits", st->hits, tr->plants);
		bad |= CHECK_EQ("hit callbacks", r->hits, tr->plants);
		bad |= CHECK_EQ("sessions_hit", st->sessions_hit,
		    tr->hit_sessions);
		bad |= CHECK_EQ("files_written", st->files_written,
		    tr->hit_sessions);
		bad |= CHECK_EQ("file_errors", st->file_errors, 0);
		bad |= CHECK_EQ("open_capped", st->open_capped, 0);
		bad |= CHECK_EQ("sessions_total", st->sessions_total,
		    tr->nsessions);
		bad |= CHECK_EQ("sessions_ended", st->sessions_ended,
		    tr->nsessions);
		bad |= CHECK_EQ("bytes_scanned", st->bytes_scanned,
		    tr->payload);
		bad |= CHECK_EQ("duplicate_bytes", st->duplicate_bytes,
		    tr->dup_bytes);
		bad |= CHECK_EQ("gaps", st->gaps, 0);
		bad |= CHECK_EQ("ooo_drops", st->ooo_drops, 0);
		bad |= CHECK_EQ("scan_errors", st->scan_errors, 0);
		bad |= CHECK_EQ("hits_capped", st->hits_capped, 0);
		break;
	default:
		break;
	}
	return bad;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
best_run(const struct result *r)
{
	int i, b = 0;

	for (i = 1; i < r->nruns; i++)
		if (r->secs[i] < r->secs[b])
			b = i;
	return b;
}

static double
best_of(const struct result *r)
{
	return r->secs[best_run(r)];
}

static double
median_of(const struct result *r)
{
	double s[RUNS_MAX];

	memcpy(s, r->secs, sizeof(s[0]) * (size_t)r->nruns);
	qsort(s, (size_t)r->nruns, sizeof(s[0]), cmp_double);
	return r->nruns % 2 ? s[r->nruns / 2] :
	    (s[r->nruns / 2 - 1] + s[r->nruns / 2]) / 2;
}

static void
report(const struct ib_traffic *tr, size_t nkeys, size_t stream_size,
    struct result *res, unsigned passes)
{
	double base = best_of(&res[P_BLOCK]), mbase = median_of(&res[P_BLOCK]);
	int p;

	for (p = 0; p < PASSES; p++) {
		struct result *r = &res[p];
		double b, m, gbps;

		if (!(passes & (1u << p)))
			continue;
		b = best_of(r);
		m = median_of(r);
		gbps = tr->payload * 8.0 / b / 1e9;

		printf("%6zu  %-11s %8.3f %8.2f %8.2f %9.3f %7llu\n", nkeys,
		    pass_names[p], b, gbps, gbps / 8, base / b,
		    (unsigned long long)(p >= P_FULL ? r->st.hits : r->hits));
		printf("RESULT keys=%zu pass=%s seconds=%.4f median=%.4f "
		    "gbps=%.3f ratio=%.3f median_ratio=%.3f ns_per_frame=%.1f "
		    "hits=%llu stream_state=%zu page_faults=%ld", nkeys,
		    pass_names[p], b, m, gbps, base / b, mbase / m,
		    b * 1e9 / tr->nframes,
		    (unsigned long long)(p >= P_FULL ? r->st.hits : r->hits),
		    stream_size, r->faults[best_run(r)]);
		if (p >= P_FULL)
			printf(" sessions_hit=%llu files=%llu files_mb=%.1f "
			    "history_evicted=%llu",
			    (unsigned long long)r->st.sessions_hit,
			    (unsigned long long)r->st.files_written,
			    r->files_bytes / 1e6,
			    (unsigned long long)r->st.history_evicted);
		printf("\n");
	}
	if (passes & (1u << P_FULL))
		printf("RESULT keys=%zu goal=full_vs_block ratio=%.3f "
		    "goal_ratio=0.60 %s\n", nkeys,
		    base / best_of(&res[P_FULL]),
		    base / best_of(&res[P_FULL]) >= 0.60 ? "met" : "missed");
}

/* ---- main -------------------------------------------------------------- */

static int
parse_counts(const char *s, size_t *counts, size_t *n)
{
	char *end;

	*n = 0;
	while (*s != '\0' && *n < KEYSETS_MAX) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > CAP_KEYS_MAX)
			return -1;
		counts[(*n)++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -1;
	}
	return *n > 0 && *s == '\0' ? 0 : -1;
}

/* A list of pass names into a mask; block is always in. */
static int
parse_passes(const char *s, unsigned *mask)
{
	size_t len;
	int p;

	*mask = 1u << P_BLOCK;
	while (*s != '\0') {
		len = strcspn(s, ",");
		for (p = 0; p < PASSES; p++)
			if (strlen(pass_names[p]) == len &&
			    strncmp(s, pass_names[p], len) == 0)
				break;
		if (p == PASSES)
			return -1;
		*mask |= 1u << p;
		s += len + (s[len] == ',');
	}
	return 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n SESSIONS] [-c CONCURRENT] "
	    "[-k KEYS[,KEYS...]] [-r RUNS] [-m MEMSESSIONS] [-p HIT%%] "
	    "[-H HISTORY_MIB] [-d DIR] [-P PASS[,PASS...]]\n", prog);
	exit(2);
}

/* The memory table for one key set. */
static int
memory(struct cap_keyset *set, size_t nkeys, uint32_t n, uint64_t history,
    const char *dir)
{
	int h, bad = 0;

	for (h = 0; h < 2; h++) {
		struct ib_mem m;
		uint64_t hb = h ? history : 0;

		if (ib_memory(set, n, hb, dir, &m) == -1) {
			bad = 1;
			continue;
		}
		dir_empty(dir);
		printf("%6zu  %7llu  %8u  %7zu  %12.1f %10.0f %12.1f %10.0f\n",
		    nkeys, (unsigned long long)(hb >> 20), n, m.stream_state,
		    m.table * 100000.0 / n / 1048576, (double)m.table / n,
		    m.heap * 100000.0 / n / 1048576, (double)m.heap / n);
		printf("RESULT memory keys=%zu history_mib=%llu sessions=%u "
		    "stream_state=%zu table_bytes=%zu "
		    "table_mib_per_100k=%.1f table_per_session=%.0f "
		    "heap_bytes=%zu heap_mib_per_100k=%.1f "
		    "heap_per_session=%.0f\n", nkeys,
		    (unsigned long long)(hb >> 20), n, m.stream_state, m.table,
		    m.table * 100000.0 / n / 1048576, (double)m.table / n,
		    m.heap, m.heap * 100000.0 / n / 1048576,
		    (double)m.heap / n);
	}
	return bad;
}

int
main(int argc, char **argv)
{
	struct ib_traffic_opts o = { 4000, 1000, PLANT_KEYS, 0.01, 0.2, 0.1,
	    0.02, 0.01 };
	struct ib_traffic tr;
	struct ib_rng rng = { 20261122 };
	struct ib_key *keys;
	struct bench b;
	size_t counts[KEYSETS_MAX] = { 1000, 10000 }, ncounts = 2, maxk = 0;
	size_t i, f, o_flat;
	const char *base = "/dev/shm";
	char dir[512], sdir[600], mdir[600], err[512];
	uint32_t memn = 100000;
	uint64_t history = 64ULL << 20;
	unsigned passes = (1u << PASSES) - 1;
	int runs = 3, ch, p, k, bad = 0;
	double t0;

	while ((ch = getopt(argc, argv, "n:c:k:r:m:p:H:d:P:")) != -1) {
		switch (ch) {
		case 'n':
			o.sessions = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o.concurrency = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'k':
			if (parse_counts(optarg, counts, &ncounts) == -1)
				usage(argv[0]);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'm':
			memn = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o.hit_fraction = atof(optarg) / 100;
			break;
		case 'H':
			history = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'd':
			base = optarg;
			break;
		case 'P':
			if (parse_passes(optarg, &passes) == -1)
				usage(argv[0]);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (o.sessions == 0 || o.concurrency == 0 || runs < 1 ||
	    runs > RUNS_MAX || o.hit_fraction < 0 || o.hit_fraction > 1 ||
	    optind != argc)
		usage(argv[0]);
	for (i = 0; i < ncounts; i++)
		maxk = counts[i] > maxk ? counts[i] : maxk;
	for (i = 0; i < ncounts; i++)
		if (counts[i] < o.plant_keys)
			o.plant_keys = (uint32_t)counts[i];

	snprintf(dir, sizeof(dir), "%s/bench_inspect.XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "%s: cannot make a folder in %s\n", argv[0],
		    base);
		return 1;
	}
	snprintf(sdir, sizeof(sdir), "%s/sessions", dir);
	snprintf(mdir, sizeof(mdir), "%s/memory", dir);

	t0 = now();
	if ((keys = ib_keys_make(maxk, o.plant_keys, &rng)) == NULL ||
	    ib_traffic_make(&tr, &o, keys, &rng) == -1) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 1;
	}
	memset(&b, 0, sizeof(b));
	b.tr = &tr;
	b.dir = sdir;
	b.history = history;
	if ((b.flat = malloc(tr.payload + 1)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 1;
	}
	for (f = 0, o_flat = 0; f < tr.nframes; f++) {
		const struct ib_frame *fr = &tr.frames[f];

		if (fr->paylen == 0 || (fr->flags & IB_F_DUP))
			continue;
		memcpy(b.flat + o_flat, tr.bytes + fr->off + fr->payoff,
		    fr->paylen);
		o_flat += fr->paylen;
	}
	printf("traffic: %u sessions (%u large, %u IPv6), %u at a time; "
	    "%zu frames, %.1f MB of frames, %.1f MB of payload; %u data "
	    "segments, %u out of order, %u retransmitted; %u of %u keys "
	    "planted %u times (%u across segments, %u nocase) in %u "
	    "sessions; made in %.1f s\n",
	    tr.nsessions, tr.nlarge, tr.nipv6, o.concurrency, tr.nframes,
	    tr.len / 1e6, tr.payload / 1e6, tr.data_segments, tr.reordered,
	    tr.retransmitted, o.plant_keys, (unsigned)maxk, tr.plants,
	    tr.plants_split, tr.plants_nocase, tr.hit_sessions, now() - t0);
	printf("RESULT traffic sessions=%u large=%u ipv6=%u concurrency=%u "
	    "frames=%zu frame_bytes=%zu payload_bytes=%llu data_segments=%u "
	    "reordered=%u retransmitted=%u hit_sessions=%u plants=%u "
	    "plants_split=%u plants_nocase=%u\n", tr.nsessions, tr.nlarge,
	    tr.nipv6, o.concurrency, tr.nframes, tr.len,
	    (unsigned long long)tr.payload, tr.data_segments, tr.reordered,
	    tr.retransmitted, tr.hit_sessions, tr.plants, tr.plants_split,
	    tr.plants_nocase);

	for (i = 0; i < ncounts; i++) {
		struct result res[PASSES];
		struct cap_key_spec *specs;
		double tb;

		if ((specs = ib_key_specs(keys, counts[i])) == NULL)
			return 1;
		tb = now();
		b.set = cap_keyset_build(specs, counts[i], err, sizeof(err));
		free(specs);
		if (b.set == NULL || cap_keyscratch_fit(&b.sc, b.set, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "%s: %s\n", argv[0], err);
			return 1;
		}
		printf("\n%zu keys: compiled in %.2f s, stream state %zu "
		    "bytes; best of %d runs\n", counts[i], now() - tb,
		    cap_keyset_stream_size(b.set), runs);
		printf("%6s  %-11s %8s %8s %8s %9s %7s\n", "keys", "pass",
		    "seconds", "Gbit/s", "GB/s", "x block", "hits");
		memset(res, 0, sizeof(res));
		for (k = 0; k < runs; k++)
			for (p = 0; p < PASSES; p++) {
				if (!(passes & (1u << p)))
					continue;
				run_pass(&b, p, &res[p]);
				bad |= check(&tr, counts[i], p, &res[p]);
			}
		report(&tr, counts[i], cap_keyset_stream_size(b.set), res,
		    passes);
		if (memn > 0) {
			printf("\n%6s  %7s  %8s  %7s  %12s %10s %12s %10s\n",
			    "keys", "history", "sessions", "state",
			    "table MiB/100k", "B/session", "heap MiB/100k",
			    "B/session");
			bad |= memory(b.set, counts[i], memn, history, mdir);
		}
		cap_keyscratch_free(b.sc);
		b.sc = NULL;
		cap_keyset_unref(b.set);
	}
	if (b.failed)
		bad |= fail("a scan or the session table failed");
	dir_empty(dir);
	rmdir(dir);
	ib_traffic_free(&tr);
	free(b.flat);
	free(keys);
	return bad ? 1 : 0;
}
