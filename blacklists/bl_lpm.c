/*
 * bl_lpm.c - longest-prefix match: building the Poptrie from sorted
 * prefixes (bl_lpm_layout.h describes what is built, bl_lpm_lookup.c
 * reads it).
 *
 * Building.  The prefixes are copied, their host bits cleared, sorted by
 * (key, plen, input order) and deduplicated (the last of equal key and plen
 * wins).  In that order a covering prefix comes before everything it
 * covers, and the prefixes below one node or dp slot are contiguous.  A
 * level (the dp array or one node) is scanned in one pass over its
 * prefixes: a prefix ending within the level's bits paints its slots with
 * its value (later, more specific prefixes paint over earlier ones); the
 * longer prefixes of one slot form one contiguous run, which becomes a
 * node child with the slot's painted value as its default.  Every prefix
 * that paints a slot comes before the run of that slot, so the default is
 * final when the child is built.  A run whose prefixes all carry the
 * slot's value changes nothing and stays a leaf.  build_block() scans each
 * node of a block to write its leaves, then scans each again to reserve
 * and build its children (scanning twice is cheaper than keeping 64
 * scans).  The recursion is at most 19 levels deep (IPv6), about 1.3 KB
 * of stack each.  Work is the sort plus, per prefix, two steps per level
 * on its path, plus painting: at most 64 slots per node and, in dp, at
 * most (D + 1) << D in all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_lpm.h"
#include "bl_lpm_layout.h"
#include "netaddr.h"

/* ---- building ------------------------------------------------------- */

/* A prefix being built: the key left-aligned in 128 bits, host bits 0. */
struct bpfx {
	uint64_t	hi, lo;
	uint32_t	value;
	uint32_t	plen;
	size_t		order;		/* index in the caller's array */
};

struct builder {
	struct bl_lpm	*t;
	size_t		 cap;		/* arena words allocated */
	const char	*error;		/* static text, set once */
};

/* One level (a node, or a dp slot seen as a node of one child) scanned. */
struct level {
	uint64_t	vector;		/* children that are nodes */
	uint32_t	val[64];	/* each child's painted value */
	size_t		from[64];	/* a node child's prefixes, p[from..to) */
	size_t		to[64];
};

static void
set_err(char *err, size_t errlen, const char *msg)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* w bits (1..32) of the key from bit o on; bits past 128 read as zero. */
static unsigned
key_slot(const struct bpfx *p, unsigned o, unsigned w)
{
	uint64_t x;

	if (o >= 64)
		x = p->lo << (o - 64);
	else if (o == 0)
		x = p->hi;
	else
		x = p->hi << o | p->lo >> (64 - o);
	return (unsigned)(x >> (64 - w));
}

static int
bpfx_cmp(const void *a, const void *b)
{
	const struct bpfx *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return 0;
}

/* Take k more arena words (doubling); their offset, or -1. */
static int64_t
take_words(struct builder *b, size_t k)
{
	struct bl_lpm *t = b->t;
	size_t at = t->n_words, ncap;
	uint32_t *n;

	if (k > MAX_WORDS - at) {
		b->error = "table too large";
		return -1;
	}
	if (at + k > b->cap) {
		ncap = b->cap < 4096 ? 4096 : b->cap;
		while (ncap < at + k)
			ncap = ncap > MAX_WORDS / 2 ? MAX_WORDS : ncap * 2;
		if (ncap > SIZE_MAX / sizeof(*n) ||
		    (n = realloc(t->arena, ncap * sizeof(*n))) == NULL) {
			b->error = "out of memory";
			return -1;
		}
		t->arena = n;
		b->cap = ncap;
	}
	t->n_words += k;
	return (int64_t)at;
}

/* Reserve k consecutive nodes, 8-byte aligned; the first's offset or -1. */
static int64_t
reserve_nodes(struct builder *b, size_t k)
{
	int64_t at;

	if (b->t->n_words % 2 != 0 && take_words(b, 1) == -1)
		return -1;
	if ((at = take_words(b, k * NODE_WORDS)) == -1)
		return -1;
	memset(b->t->arena + at, 0, k * sizeof(struct lpm_node));
	b->t->n_nodes += k;
	return at;
}

static struct lpm_node *
node_at(struct builder *b, size_t at)
{
	return (struct lpm_node *)(void *)(b->t->arena + at);
}

/* Whether every prefix of p[0..n) has value v (they change nothing). */
static int
all_value(const struct bpfx *p, size_t n, uint32_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].value != v)
			return 0;
	return 1;
}

/* The end of the run of prefixes longer than o + w in p[i]'s slot. */
static size_t
slot_run(const struct bpfx *p, size_t i, size_t n, unsigned o, unsigned w)
{
	unsigned s = key_slot(&p[i], o, w);
	size_t j;

	for (j = i + 1; j < n; j++)
		if (p[j].plen <= o + w || key_slot(&p[j], o, w) != s)
			break;
	return j;
}

/*
 * Scan the node at offset o whose subtree holds p[from..to) (all longer
 * than o, sorted) and otherwise the value dflt: paint its 64 children and
 * find the runs that become node children.
 */
static void
scan_level(const struct bpfx *p, size_t from, size_t to, unsigned o,
    uint32_t dflt, struct level *lv)
{
	size_t i, j;
	unsigned s, k, c;

	lv->vector = 0;
	for (s = 0; s < 64; s++)
		lv->val[s] = dflt;
	for (i = from; i < to; i = j) {
		s = key_slot(&p[i], o, STRIDE);
		if (p[i].plen <= o + STRIDE) {
			c = 1u << (o + STRIDE - p[i].plen);
			for (k = 0; k < c; k++)
				lv->val[s + k] = p[i].value;
			j = i + 1;
			continue;
		}
		j = slot_run(p, i, to, o, STRIDE);
		if (all_value(p + i, j - i, lv->val[s]))
			continue;
		lv->vector |= 1ULL << s;
		lv->from[s] = i;
		lv->to[s] = j;
	}
}

/* Append the leaf runs of a scanned node to the arena and describe them. */
static int
put_leaves(struct builder *b, size_t at, const struct level *lv)
{
	uint64_t leafvec = 0;
	uint32_t prev = 0;
	int64_t first = (int64_t)b->t->n_words, w;
	unsigned s;

	for (s = 0; s < 64; s++) {
		if (lv->vector & (1ULL << s))
			continue;
		if ((int64_t)b->t->n_words == first || lv->val[s] != prev) {
			leafvec |= 1ULL << s;
			if ((w = take_words(b, 1)) == -1)
				return -1;
			b->t->arena[w] = prev = lv->val[s];
		}
	}
	node_at(b, at)->vector = lv->vector;
	node_at(b, at)->leafvec = leafvec;
	node_at(b, at)->base0 = (uint32_t)first;
	return 0;
}

/*
 * Build the node children of a scanned level into the block reserved at
 * block (at offset o): first every child's leaves, right after the block,
 * then each child's own children, depth first.
 */
static int
build_block(struct builder *b, size_t block, const struct bpfx *p,
    const struct level *parent, unsigned o)
{
	struct level lv;
	unsigned s, k;
	int64_t sub;

	for (s = 0, k = 0; s < 64; s++) {
		if (!(parent->vector & (1ULL << s)))
			continue;
		scan_level(p, parent->from[s], parent->to[s], o,
		    parent->val[s], &lv);
		if (put_leaves(b, block + NODE_WORDS * k++, &lv) == -1)
			return -1;
	}
	for (s = 0, k = 0; s < 64; s++) {
		if (!(parent->vector & (1ULL << s)))
			continue;
		scan_level(p, parent->from[s], parent->to[s], o,
		    parent->val[s], &lv);
		if (lv.vector == 0) {
			k++;
			continue;
		}
		if ((sub = reserve_nodes(b,
		    (size_t)__builtin_popcountll(lv.vector))) == -1)
			return -1;
		node_at(b, block + NODE_WORDS * k++)->base1 = (uint32_t)sub;
		if (build_block(b, (size_t)sub, p, &lv, o + STRIDE) == -1)
			return -1;
	}
	return 0;
}

/* The dp array and, below it, a root node for each slot that needs one. */
static int
build_dp(struct builder *b, const struct bpfx *p, size_t n)
{
	struct bl_lpm *t = b->t;
	struct level one;
	unsigned d = t->dp_bits, s;
	size_t i, j, k, c;
	int64_t at;

	for (i = 0; i < n; i = j) {
		s = key_slot(&p[i], 0, d);
		if (p[i].plen <= d) {
			c = (size_t)1 << (d - p[i].plen);
			for (k = 0; k < c; k++)
				t->dp[s + k] = p[i].value + 1;
			j = i + 1;
			continue;
		}
		j = slot_run(p, i, n, 0, d);
		if (all_value(p + i, j - i, t->dp[s] - 1))
			continue;
		/* The slot as a level with one node child, the root. */
		one.vector = 1;
		one.val[0] = t->dp[s] - 1;
		one.from[0] = i;
		one.to[0] = j;
		if ((at = reserve_nodes(b, 1)) == -1 ||
		    build_block(b, (size_t)at, p, &one, d) == -1)
			return -1;
		t->dp[s] = DP_NODE | (uint32_t)at;
	}
	return 0;
}

/* Copy, mask, check, sort and deduplicate; the count kept, or -1. */
static struct bpfx *
prepare(int family, const struct bl_lpm_prefix *in, size_t n, size_t *kept,
    char *err, size_t errlen)
{
	unsigned maxlen = family == NETADDR_IPV4 ? 32 : 128;
	struct bpfx *p;
	size_t i, w;

	if (n > SIZE_MAX / sizeof(*p) ||
	    (p = malloc(n ? n * sizeof(*p) : 1)) == NULL) {
		set_err(err, errlen, "out of memory (prefixes)");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		unsigned l = in[i].plen;

		if (l > maxlen || in[i].value > BL_LPM_VALUE_MAX) {
			if (errlen > 0)
				snprintf(err, errlen, "prefix %zu: %s out of "
				    "range", i, l > maxlen ? "length" : "value");
			free(p);
			return NULL;
		}
		if (family == NETADDR_IPV4) {
			p[i].hi = (uint64_t)load_be32(in[i].bytes) << 32;
			p[i].lo = 0;
		} else {
			p[i].hi = load_be64(in[i].bytes);
			p[i].lo = load_be64(in[i].bytes + 8);
		}
		p[i].hi &= l == 0 ? 0 : l >= 64 ? ~0ULL : ~0ULL << (64 - l);
		p[i].lo &= l <= 64 ? 0 : ~0ULL << (128 - l);
		p[i].plen = l;
		p[i].value = in[i].value;
		p[i].order = i;
	}
	qsort(p, n, sizeof(*p), bpfx_cmp);
	/* Of a run of equal (key, plen), keep the last: the latest input. */
	for (i = 0, w = 0; i < n; i++) {
		if (i + 1 < n && p[i + 1].hi == p[i].hi &&
		    p[i + 1].lo == p[i].lo && p[i + 1].plen == p[i].plen)
			continue;
		p[w++] = p[i];
	}
	*kept = w;
	return p;
}

struct bl_lpm *
bl_lpm_build(int family, const struct bl_lpm_prefix *in, size_t n,
    char *err, size_t errlen)
{
	struct builder b;
	struct bl_lpm *t;
	struct bpfx *p;
	size_t kept;
	int64_t at;
	void *shrunk;

	if (family != NETADDR_IPV4 && family != NETADDR_IPV6) {
		set_err(err, errlen, "unknown address family");
		return NULL;
	}
	if (n > 0 && in == NULL) {
		set_err(err, errlen, "no prefixes given");
		return NULL;
	}
	if ((p = prepare(family, in, n, &kept, err, errlen)) == NULL)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		free(p);
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	t->family = family;
	t->dp_bits = family == NETADDR_IPV4 ? DP4 : DP6;
	t->n_prefixes = kept;
#ifdef LPM_DISPATCH
	__builtin_cpu_init();
	t->popcnt = __builtin_cpu_supports("popcnt");
#endif
	memset(&b, 0, sizeof(b));
	b.t = t;
	if ((t->dp = calloc((size_t)1 << t->dp_bits, sizeof(*t->dp))) == NULL)
		b.error = "out of memory (dp)";
	else if (reserve_nodes(&b, 1) == 0 &&
	    (at = take_words(&b, 1)) == (int64_t)NODE_WORDS) {
		/* The stand-in node 0: one leaf run, BL_LPM_NONE. */
		t->arena[at] = BL_LPM_NONE;
		node_at(&b, 0)->leafvec = 1;
		node_at(&b, 0)->base0 = (uint32_t)at;
		(void)build_dp(&b, p, kept);
	}
	free(p);
	if (b.error != NULL) {
		set_err(err, errlen, b.error);
		bl_lpm_free(t);
		return NULL;
	}
	/* Keep exactly what is used (shrinking cannot fail for real). */
	if ((shrunk = realloc(t->arena, t->n_words * sizeof(*t->arena))) !=
	    NULL)
		t->arena = shrunk;
	return t;
}

void
bl_lpm_free(struct bl_lpm *t)
{
	if (t == NULL)
		return;
	free(t->dp);
	free(t->arena);
	free(t);
}

int
bl_lpm_family(const struct bl_lpm *t)
{
	return t->family;
}

size_t
bl_lpm_memory(const struct bl_lpm *t)
{
	return sizeof(*t) + ((size_t)1 << t->dp_bits) * sizeof(*t->dp) +
	    t->n_words * sizeof(*t->arena);
}

size_t
bl_lpm_prefixes(const struct bl_lpm *t)
{
	return t->n_prefixes;
}

void
bl_lpm_use_popcnt(struct bl_lpm *t, int on)
{
	t->popcnt = 0;
#ifdef LPM_DISPATCH
	if (on)
		t->popcnt = __builtin_cpu_supports("popcnt");
#else
	(void)on;
#endif
}
