/*
 * lpm.c - how fast the blacklists' longest-prefix match (bl_lpm) builds and
 * looks up, next to a binary search over the same prefixes as sorted ranges.
 *
 * usage: bench_lpm [-4 N] [-6 N] [-n LOOKUPS] [-r RUNS] [-s SEED]
 *
 * Builds N random IPv4 prefixes (default 1,000,000; lengths spread like a
 * real routing table: mostly /16-/24, a few /8-/15 and /25-/32) and N
 * random IPv6 prefixes (default 200,000 under 2000::/3: mostly /32-/48, a
 * few out to /64 and /128, half of them inside one of the /29-/32
 * "allocations" so that they nest), with distinct values.  Then, best of
 * RUNS (default 3), over LOOKUPS addresses (default 10,000,000):
 *   build     bl_lpm_build() from the unsorted array (sort included);
 *   single    bl_lpm_lookup() on each address in turn;
 *   batch     bl_lpm_lookup_batch() over the whole array;
 *   bsearch   a branch-free binary search over the disjoint ranges the
 *             same prefixes cut the address space into (built in this
 *             process by a sweep over the sorted prefixes): the baseline.
 * Two address sets per family: "uniform" (IPv4: any address; IPv6: any
 * address in 2000::/3) and "inside" (a random address inside a random
 * prefix, the deep lookups).  Every lookup's answer is compared with the
 * binary search's, so the run doubles as a differential test at full size.
 * It prints build seconds, memory, lookups/s and the ratio to bsearch,
 * then "RESULT" lines for scripts.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_lpm.h"
#include "netaddr.h"

#define GOAL_V4		50e6	/* lookups/s, one core */
#define GOAL_V6		10e6
#define GOAL_MEMORY_MB	150.0	/* for 1M IPv4 prefixes */

typedef unsigned __int128 u128;

/* A prefix-length distribution: weights in 1/10,000. */
struct len_weight {
	unsigned	plen;
	unsigned	weight;
};

/* Roughly a BGP table's shape (/24 about half), with some /25-/32. */
static const struct len_weight v4_lengths[] = {
	{ 8, 2 }, { 9, 3 }, { 10, 5 }, { 11, 10 }, { 12, 20 }, { 13, 30 },
	{ 14, 40 }, { 15, 50 }, { 16, 150 }, { 17, 100 }, { 18, 200 },
	{ 19, 350 }, { 20, 500 }, { 21, 550 }, { 22, 1000 }, { 23, 1000 },
	{ 24, 5400 }, { 25, 100 }, { 26, 100 }, { 27, 80 }, { 28, 80 },
	{ 29, 60 }, { 30, 60 }, { 31, 30 }, { 32, 80 },
};

/* IPv6 beyond the allocations: /32-/48 mostly, some to /64 and /128. */
static const struct len_weight v6_lengths[] = {
	{ 32, 1500 }, { 33, 100 }, { 34, 100 }, { 35, 100 }, { 36, 300 },
	{ 40, 500 }, { 44, 800 }, { 46, 200 }, { 47, 300 }, { 48, 4500 },
	{ 52, 100 }, { 56, 500 }, { 60, 100 }, { 64, 700 }, { 96, 50 },
	{ 112, 50 }, { 126, 50 }, { 128, 150 },
};

static uint64_t rng_state = 0x1234567;

static uint64_t
rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned
pick_len(const struct len_weight *t, size_t n)
{
	unsigned total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		total += t[i].weight;
	r = (unsigned)(rng() % total);
	for (i = 0; i < n; i++) {
		if (r < t[i].weight)
			return t[i].plen;
		r -= t[i].weight;
	}
	return t[n - 1].plen;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL) {
		fprintf(stderr, "bench_lpm: out of memory\n");
		exit(1);
	}
	return p;
}

/* ---- 128-bit keys (IPv4 in the top 32 bits) -------------------------- */

static u128
key_of(const uint8_t *b, size_t len)
{
	u128 k = 0;
	size_t i;

	for (i = 0; i < 16; i++)
		k = k << 8 | (i < len ? b[i] : 0);
	return k;
}

static void
key_to(u128 k, uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(k >> (120 - 8 * i));
}

static u128
mask_of(unsigned plen)
{
	return plen == 0 ? 0 : ~(u128)0 << (128 - plen);
}

/* ---- the baseline: disjoint ranges, binary search --------------------- */

struct ranges {
	size_t		 n;
	uint32_t	*start4;	/* IPv4: the first address of each */
	u128		*start6;	/* IPv6 */
	uint32_t	*value;
};

struct sorted {
	u128		key;
	unsigned	plen;
	uint32_t	value;
	size_t		order;
};

static int
sorted_cmp(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
range_emit(struct ranges *r, u128 start, uint32_t value, int v4)
{
	/* A range cut to nothing by a prefix starting at the same place. */
	if (r->n > 0 && (v4 ? r->start4[r->n - 1] == (uint32_t)(start >> 96) :
	    r->start6[r->n - 1] == start))
		r->n--;
	if (r->n > 0 && r->value[r->n - 1] == value)
		return;		/* the same answer goes on */
	if (v4)
		r->start4[r->n] = (uint32_t)(start >> 96);
	else
		r->start6[r->n] = start;
	r->value[r->n++] = value;
}

/*
 * The sweep: prefixes in (key, plen) order nest like brackets; a stack
 * holds the open ones.  Every boundary starts a range with the value of
 * the innermost prefix open there.
 */
static void
ranges_build(struct ranges *r, const struct bl_lpm_prefix *p, size_t n,
    int v4)
{
	size_t len = v4 ? 4 : 16, i, w, depth = 0;
	struct sorted *s = xcalloc(n, sizeof(*s));
	struct sorted *stack[130];
	u128 lastkey = v4 ? (u128)0xFFFFFFFFu << 96 : ~(u128)0;
	u128 end;
	int done = 0;

	for (i = 0; i < n; i++) {
		s[i].key = key_of(p[i].bytes, len) & mask_of(p[i].plen);
		s[i].plen = p[i].plen;
		s[i].value = p[i].value;
		s[i].order = i;
	}
	qsort(s, n, sizeof(*s), sorted_cmp);
	for (i = 0, w = 0; i < n; i++)		/* duplicates: the last wins */
		if (i + 1 == n || s[i + 1].key != s[i].key ||
		    s[i + 1].plen != s[i].plen)
			s[w++] = s[i];
	n = w;
	r->n = 0;
	r->value = xcalloc(2 * n + 1, sizeof(*r->value));
	if (v4)
		r->start4 = xcalloc(2 * n + 1, sizeof(*r->start4));
	else
		r->start6 = xcalloc(2 * n + 1, sizeof(*r->start6));

#define END(e)	((e)->key | (~mask_of((e)->plen) & lastkey))
	for (i = 0; i <= n && !done; i++) {
		/* Close what ends before s[i] (everything, at the end). */
		while (depth > 0 && (i == n || END(stack[depth - 1]) <
		    s[i].key)) {
			end = END(stack[depth - 1]);
			/* With the prefixes ending at the same place. */
			while (depth > 0 && END(stack[depth - 1]) == end)
				depth--;
			if (end == lastkey) {
				done = 1;
				break;
			}
			range_emit(r, end + (v4 ? (u128)1 << 96 : 1), depth > 0 ?
			    stack[depth - 1]->value : BL_LPM_NONE, v4);
		}
		if (i == n || done)
			break;
		if (r->n == 0 && s[i].key != 0)
			range_emit(r, 0, BL_LPM_NONE, v4);
		range_emit(r, s[i].key, s[i].value, v4);
		stack[depth++] = &s[i];
	}
#undef END
	if (r->n == 0)
		range_emit(r, 0, BL_LPM_NONE, v4);
	free(s);
}

static size_t
ranges_memory(const struct ranges *r, int v4)
{
	return r->n * (sizeof(uint32_t) + (v4 ? sizeof(uint32_t) :
	    sizeof(u128)));
}

/* The last range starting at or before a (start[0] is 0). */
static uint32_t
ranges_lookup4(const struct ranges *r, uint32_t a)
{
	const uint32_t *base = r->start4;
	size_t n = r->n, half;

	while (n > 1) {
		half = n / 2;
		base = base[half] <= a ? base + half : base;
		n -= half;
	}
	return r->value[base - r->start4];
}

static uint32_t
ranges_lookup6(const struct ranges *r, u128 a)
{
	const u128 *base = r->start6;
	size_t n = r->n, half;

	while (n > 1) {
		half = n / 2;
		base = base[half] <= a ? base + half : base;
		n -= half;
	}
	return r->value[base - r->start6];
}

/* ---- inputs ------------------------------------------------------------ */

static void
gen_v4(struct bl_lpm_prefix *p, size_t n)
{
	size_t i;
	uint32_t a;

	for (i = 0; i < n; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		a = (uint32_t)(rng() >> 32);
		key_to((u128)a << 96, p[i].bytes, 4);
		p[i].plen = (uint8_t)pick_len(v4_lengths,
		    sizeof(v4_lengths) / sizeof(v4_lengths[0]));
		p[i].value = (uint32_t)i;
	}
}

static void
gen_v6(struct bl_lpm_prefix *p, size_t n)
{
	size_t alloc = n / 10 ? n / 10 : 1, i;
	u128 k, base;

	for (i = 0; i < n; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		k = (u128)rng() << 64 | rng();
		k = k >> 3 | (u128)1 << 125;		/* 2000::/3 */
		if (i < alloc) {
			p[i].plen = (uint8_t)(29 + rng() % 4);
		} else {
			p[i].plen = (uint8_t)pick_len(v6_lengths,
			    sizeof(v6_lengths) / sizeof(v6_lengths[0]));
			if (rng() % 2 == 0 && p[i].plen > 32) {
				/* Inside an allocation. */
				const struct bl_lpm_prefix *a =
				    &p[rng() % alloc];

				base = key_of(a->bytes, 16) &
				    mask_of(a->plen);
				k = base | (k & ~mask_of(a->plen));
			}
		}
		key_to(k, p[i].bytes, 16);
		p[i].value = (uint32_t)i;
	}
}

/* LOOKUPS addresses: uniform (inside = 0) or inside random prefixes. */
static uint8_t *
gen_addrs(const struct bl_lpm_prefix *p, size_t np, size_t n, int v4,
    int inside)
{
	size_t len = v4 ? 4 : 16, i;
	uint8_t *a = xcalloc(n, len);
	u128 k, m;

	for (i = 0; i < n; i++) {
		k = (u128)rng() << 64 | rng();
		if (!v4 && !inside)
			k = k >> 3 | (u128)1 << 125;
		if (inside) {
			const struct bl_lpm_prefix *q = &p[rng() % np];

			m = mask_of(q->plen);
			k = (key_of(q->bytes, len) & m) | (k & ~m);
		}
		key_to(k, a + i * len, len);
	}
	return a;
}

/* ---- measuring ----------------------------------------------------------- */

struct figures {
	double		build_s;
	size_t		memory;
	double		single, batch, bsearch;	/* seconds, best run */
};

static double
best(double a, double b)
{
	return a < b ? a : b;
}

static double
worst(double a, double b)
{
	return a > b ? a : b;
}

/* Time the three lookups over one address set; -1 on a mismatch. */
static int
measure_lookups(const struct bl_lpm *t, const struct ranges *r,
    const uint8_t *addrs, size_t n, int v4, int runs, struct figures *f,
    uint64_t *sink)
{
	size_t len = v4 ? 4 : 16, i, bad = 0;
	const uint8_t **ptr = xcalloc(n, sizeof(*ptr));
	uint32_t *got = xcalloc(n, sizeof(*got));
	uint32_t *want = xcalloc(n, sizeof(*want));
	double t0;
	int run;

	for (i = 0; i < n; i++)
		ptr[i] = addrs + i * len;
	f->single = f->batch = f->bsearch = 1e30;
	for (run = 0; run < runs; run++) {
		t0 = now();
		for (i = 0; i < n; i++)
			got[i] = bl_lpm_lookup(t, ptr[i]);
		f->single = best(f->single, now() - t0);

		t0 = now();
		bl_lpm_lookup_batch(t, ptr, got, n);
		f->batch = best(f->batch, now() - t0);

		t0 = now();
		if (v4)
			for (i = 0; i < n; i++)
				want[i] = ranges_lookup4(r,
				    (uint32_t)(key_of(ptr[i], 4) >> 96));
		else
			for (i = 0; i < n; i++)
				want[i] = ranges_lookup6(r,
				    key_of(ptr[i], 16));
		f->bsearch = best(f->bsearch, now() - t0);
	}
	for (i = 0; i < n; i++) {
		*sink += got[i];
		if (got[i] != want[i] || bl_lpm_lookup(t, ptr[i]) != want[i])
			bad++;
	}
	free(ptr);
	free(got);
	free(want);
	if (bad > 0) {
		fprintf(stderr, "bench_lpm: %zu of %zu lookups differ from the "
		    "binary search\n", bad, n);
		return -1;
	}
	return 0;
}

static void
print_row(const char *what, size_t n, double s, double base)
{
	printf("  %-22s %8.3f s %10.2fM/s %8.1fx bsearch\n", what, s,
	    (double)n / s / 1e6, base / s);
}

static int
bench_family(int v4, size_t np, size_t nl, int runs)
{
	const char *fam = v4 ? "ipv4" : "ipv6";
	const char *sets[2] = { "uniform", "inside" };
	struct bl_lpm_prefix *p = xcalloc(np, sizeof(*p));
	struct ranges r = { 0 };
	struct figures f[2];
	struct bl_lpm *t = NULL;
	double t0, build_s = 1e30, ranges_s, goal = v4 ? GOAL_V4 : GOAL_V6;
	char err[128];
	uint64_t sink = 0;
	int run, set, rc = 0;

	if (v4)
		gen_v4(p, np);
	else
		gen_v6(p, np);
	for (run = 0; run < runs; run++) {
		bl_lpm_free(t);
		t0 = now();
		t = bl_lpm_build(v4 ? NETADDR_IPV4 : NETADDR_IPV6, p, np, err,
		    sizeof(err));
		build_s = best(build_s, now() - t0);
		if (t == NULL) {
			fprintf(stderr, "bench_lpm: %s\n", err);
			return -1;
		}
	}
	t0 = now();
	ranges_build(&r, p, np, v4);
	ranges_s = now() - t0;

	printf("%s: %zu prefixes (%zu distinct), %zu lookups per pass\n", fam,
	    np, bl_lpm_prefixes(t), nl);
	printf("  build                  %8.3f s   memory %7.1f MB\n",
	    build_s, (double)bl_lpm_memory(t) / 1e6);
	printf("  bsearch ranges build   %8.3f s   memory %7.1f MB "
	    "(%zu ranges)\n", ranges_s, (double)ranges_memory(&r, v4) / 1e6,
	    r.n);
	for (set = 0; set < 2; set++) {
		uint8_t *a = gen_addrs(p, np, nl, v4, set);
		char what[64];

		if (measure_lookups(t, &r, a, nl, v4, runs, &f[set], &sink))
			rc = -1;
		free(a);
		printf(" %s addresses:\n", sets[set]);
		snprintf(what, sizeof(what), "single");
		print_row(what, nl, f[set].single, f[set].bsearch);
		snprintf(what, sizeof(what), "batch");
		print_row(what, nl, f[set].batch, f[set].bsearch);
		snprintf(what, sizeof(what), "bsearch");
		print_row(what, nl, f[set].bsearch, f[set].bsearch);
	}
	for (set = 0; set < 2; set++)
		printf("RESULT family=%s addresses=%s prefixes=%zu build_s=%.4f "
		    "memory_bytes=%zu single_per_s=%.0f batch_per_s=%.0f "
		    "bsearch_per_s=%.0f bsearch_memory_bytes=%zu "
		    "single_x_bsearch=%.2f batch_x_bsearch=%.2f\n", fam,
		    sets[set], np, build_s, bl_lpm_memory(t),
		    (double)nl / f[set].single, (double)nl / f[set].batch,
		    (double)nl / f[set].bsearch, ranges_memory(&r, v4),
		    f[set].bsearch / f[set].single,
		    f[set].bsearch / f[set].batch);
	printf("goal %s: >= %.0fM lookups/s on one core: single %s, batch "
	    "%s (worst address set)", fam, goal / 1e6,
	    (double)nl / worst(f[0].single, f[1].single) >= goal ? "met" :
	    "NOT met", (double)nl / worst(f[0].batch, f[1].batch) >= goal ?
	    "met" : "NOT met");
	if (v4)
		printf("; memory < %.0f MB: %s", GOAL_MEMORY_MB,
		    (double)bl_lpm_memory(t) / 1e6 < GOAL_MEMORY_MB ? "met" :
		    "NOT met");
	printf("; build %.2f s\n\n", build_s);
	(void)sink;
	bl_lpm_free(t);
	free(r.start4);
	free(r.start6);
	free(r.value);
	free(p);
	return rc;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-4 N] [-6 N] [-n LOOKUPS] [-r RUNS] "
	    "[-s SEED]\n", prog);
	exit(2);
}

static size_t
count_arg(const char *s, const char *prog)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*end != '\0' || v > SIZE_MAX / 64)
		usage(prog);
	return (size_t)v;
}

int
main(int argc, char **argv)
{
	size_t n4 = 1000000, n6 = 200000, nl = 10000000;
	int ch, runs = 3, rc = 0;

	while ((ch = getopt(argc, argv, "4:6:n:r:s:")) != -1) {
		switch (ch) {
		case '4':
			n4 = count_arg(optarg, argv[0]);
			break;
		case '6':
			n6 = count_arg(optarg, argv[0]);
			break;
		case 'n':
			nl = count_arg(optarg, argv[0]);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 's':
			rng_state = count_arg(optarg, argv[0]) | 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || runs < 1 || nl == 0)
		usage(argv[0]);
#if !defined(__OPTIMIZE__) || defined(__SANITIZE_ADDRESS__)
	printf("warning: not an optimised build without sanitizers: "
	    "the figures below mean little\n");
#endif
	printf("best of %d runs\n\n", runs);
	if (n4 > 0 && bench_family(1, n4, nl, runs) == -1)
		rc = 1;
	if (n6 > 0 && bench_family(0, n6, nl, runs) == -1)
		rc = 1;
	return rc;
}
