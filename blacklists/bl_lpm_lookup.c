/*
 * bl_lpm_lookup.c - longest-prefix match: the lookups, single and batched,
 * over the arrays that bl_lpm_layout.h describes.
 *
 * Each lookup exists twice, with and without the POPCNT instruction: the
 * project builds for any x86-64, so the copy is chosen when a table is
 * built, from what the CPU says (bl_lpm_use_popcnt() can force the
 * portable one, for tests).
 */
#include <stddef.h>
#include <stdint.h>

#include "bl_lpm.h"
#include "bl_lpm_layout.h"
#include "netaddr.h"

#define BATCH_LANES	16	/* lookups overlapped by the batch */

/*
 * The bodies are always_inline so that each copy below (with and without
 * the POPCNT instruction) gets its own inlined version.
 */
#define LPM_INLINE	static inline __attribute__((always_inline))

/* Bits 0..v of a 64-bit word. */
#define UPTO(v)		(~0ULL >> (63 - (v)))
/* The node at arena word off. */
#define NODE(t, off)	((const struct lpm_node *)(const void *)	\
			    ((t)->arena + (off)))

LPM_INLINE uint32_t
lookup4(const struct bl_lpm *t, uint32_t a)
{
	const struct lpm_node *n;
	uint32_t e = t->dp[a >> (32 - DP4)], leaf, node_mask;
	unsigned o = DP4, v;

	/*
	 * No branch on the dp entry: whether a slot has a node is random to
	 * the branch predictor, and a mispredicted branch stops the next
	 * lookups' loads.  A leaf entry walks the stand-in node 0 (always
	 * cached) instead, and its answer is picked at the end.
	 */
	node_mask = 0 - (e >> 31);		/* all ones for a node */
	n = NODE(t, e & ~DP_NODE & node_mask);
	for (;;) {
		v = (a << o) >> (32 - STRIDE);
		if (!(n->vector & (1ULL << v)))
			break;
		n = NODE(t, n->base1 + NODE_WORDS *
		    ((uint32_t)__builtin_popcountll(n->vector & UPTO(v)) - 1));
		o += STRIDE;
	}
	leaf = t->arena[n->base0 +
	    (uint32_t)__builtin_popcountll(n->leafvec & UPTO(v)) - 1];
	return (leaf & node_mask) | ((e - 1) & ~node_mask);
}

LPM_INLINE uint32_t
lookup6(const struct bl_lpm *t, uint64_t hi, uint64_t lo)
{
	const struct lpm_node *n;
	uint32_t e = t->dp[hi >> (64 - DP6)];
	unsigned o = DP6, v;

	if (!(e & DP_NODE))
		return e - 1;
	n = NODE(t, e & ~DP_NODE);
	for (;;) {
		v = (unsigned)((o < 64 ? hi << o : lo << (o - 64)) >>
		    (64 - STRIDE));
		if (!(n->vector & (1ULL << v)))
			return t->arena[n->base0 +
			    (uint32_t)__builtin_popcountll(n->leafvec & UPTO(v))
			    - 1];
		n = NODE(t, n->base1 + NODE_WORDS *
		    ((uint32_t)__builtin_popcountll(n->vector & UPTO(v)) - 1));
		o += STRIDE;
	}
}

/*
 * The batch: BATCH_LANES lookups advance one level per round, and each
 * prefetches what it reads next, so their cache misses overlap instead of
 * queueing behind one another.
 */
LPM_INLINE void
batch(const struct bl_lpm *t, const uint8_t *const *addrs, uint32_t *values,
    size_t n)
{
	const struct lpm_node *nd[BATCH_LANES];
	const uint32_t *leaf[BATCH_LANES];
	uint64_t hi[BATCH_LANES], lo[BATCH_LANES];
	unsigned off[BATCH_LANES], act[BATCH_LANES];
	int v4 = t->family == NETADDR_IPV4;
	unsigned shift = 64 - t->dp_bits;
	size_t base, m, i, k, na, still;

	for (base = 0; base < n; base += m) {
		m = n - base < BATCH_LANES ? n - base : BATCH_LANES;
		for (i = 0; i < m; i++) {
			const uint8_t *a = addrs[base + i];

			if (v4) {
				hi[i] = (uint64_t)load_be32(a) << 32;
				lo[i] = 0;
			} else {
				hi[i] = load_be64(a);
				lo[i] = load_be64(a + 8);
			}
			__builtin_prefetch(&t->dp[hi[i] >> shift]);
		}
		for (i = 0, na = 0; i < m; i++) {
			uint32_t e = t->dp[hi[i] >> shift];

			leaf[i] = NULL;
			if (!(e & DP_NODE)) {
				values[base + i] = e - 1;
				continue;
			}
			nd[i] = NODE(t, e & ~DP_NODE);
			__builtin_prefetch(nd[i]);
			off[i] = t->dp_bits;
			act[na++] = (unsigned)i;
		}
		while (na > 0) {
			for (k = 0, still = 0; k < na; k++) {
				const struct lpm_node *nn;
				unsigned o, v;

				i = act[k];
				nn = nd[i];
				o = off[i];
				v = (unsigned)((o < 64 ? hi[i] << o :
				    lo[i] << (o - 64)) >> (64 - STRIDE));
				if (nn->vector & (1ULL << v)) {
					nd[i] = NODE(t, nn->base1 +
					    NODE_WORDS * ((uint32_t)
					    __builtin_popcountll(nn->vector &
					    UPTO(v)) - 1));
					__builtin_prefetch(nd[i]);
					off[i] = o + STRIDE;
					act[still++] = (unsigned)i;
				} else {
					leaf[i] = &t->arena[nn->base0 +
					    (uint32_t)__builtin_popcountll(
					    nn->leafvec & UPTO(v)) - 1];
					__builtin_prefetch(leaf[i]);
				}
			}
			na = still;
		}
		for (i = 0; i < m; i++)
			if (leaf[i] != NULL)
				values[base + i] = *leaf[i];
	}
}

static uint32_t
lookup4_plain(const struct bl_lpm *t, uint32_t a)
{
	return lookup4(t, a);
}

static uint32_t
lookup6_plain(const struct bl_lpm *t, uint64_t hi, uint64_t lo)
{
	return lookup6(t, hi, lo);
}

static void
batch_plain(const struct bl_lpm *t, const uint8_t *const *addrs,
    uint32_t *values, size_t n)
{
	batch(t, addrs, values, n);
}

#ifdef LPM_DISPATCH
LPM_POPCNT static uint32_t
lookup4_popcnt(const struct bl_lpm *t, uint32_t a)
{
	return lookup4(t, a);
}

LPM_POPCNT static uint32_t
lookup6_popcnt(const struct bl_lpm *t, uint64_t hi, uint64_t lo)
{
	return lookup6(t, hi, lo);
}

LPM_POPCNT static void
batch_popcnt(const struct bl_lpm *t, const uint8_t *const *addrs,
    uint32_t *values, size_t n)
{
	batch(t, addrs, values, n);
}
#endif

uint32_t
bl_lpm_lookup(const struct bl_lpm *t, const uint8_t *addr)
{
	if (t->family == NETADDR_IPV4) {
#ifdef LPM_DISPATCH
		if (t->popcnt)
			return lookup4_popcnt(t, load_be32(addr));
#endif
		return lookup4_plain(t, load_be32(addr));
	}
#ifdef LPM_DISPATCH
	if (t->popcnt)
		return lookup6_popcnt(t, load_be64(addr), load_be64(addr + 8));
#endif
	return lookup6_plain(t, load_be64(addr), load_be64(addr + 8));
}

void
bl_lpm_lookup_batch(const struct bl_lpm *t, const uint8_t *const *addrs,
    uint32_t *values, size_t n)
{
#ifdef LPM_DISPATCH
	if (t->popcnt) {
		batch_popcnt(t, addrs, values, n);
		return;
	}
#endif
	batch_plain(t, addrs, values, n);
}
