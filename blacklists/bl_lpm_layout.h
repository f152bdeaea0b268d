/*
 * bl_lpm_layout.h - the Poptrie behind bl_lpm.h: its arrays and invariants.
 *
 * Private to bl_lpm.c (building) and bl_lpm_lookup.c (lookups).
 *
 * After Asai and Ohara, "Poptrie: A Compressed Trie with Population Count
 * for Fast and Scalable Software IP Routing Table Lookup" (SIGCOMM 2015),
 * with the paper's direct pointing and leaf compression.  The same build
 * serves IPv4 and IPv6: a key is 128 bits, left-aligned (an IPv4 address is
 * the top 32 bits of it, the rest zero); only the lookups are written per
 * family, to keep their key arithmetic in one or two registers.
 *
 * Layout.  Two arrays, both read-only once built:
 *
 *   dp[1 << D]      direct pointing on the top D bits of the key (D = 18
 *                   for IPv4, 22 for IPv6: 16 MB, one node level less
 *                   on every IPv6 walk; a table with no IPv6 prefix is
 *                   never built).  An entry with DP_NODE set is
 *                   DP_NODE | w, the root node of that slice at arena word
 *                   w; an entry without it is value + 1 of the longest
 *                   prefix of length <= D covering the slice, so 0 is
 *                   "none" and entry - 1 is the answer in uint32 arithmetic
 *                   (0 - 1 == BL_LPM_NONE).  That is why values have 31 bits.
 *   arena[]         32-bit words holding the nodes (6 words, 8-byte
 *                   aligned: offsets are even) and the leaves (1 word, a
 *                   value, BL_LPM_NONE included).  A node at offset o
 *                   (bits o..o+5 of the key: the root nodes have o = D,
 *                   their children o + 6, ...) has 64 children numbered by
 *                   those 6 bits, most significant first.  Child s is a
 *                   node when bit s of vector is set, otherwise a leaf.
 *
 * A node's node children are one block of consecutive nodes from base1, in
 * slot order; its leaf children are compressed into runs (consecutive leaf
 * children with the same value, skipping node children, share one word),
 * consecutive from base0.  Bit s of leafvec is set when child s is a leaf
 * and the leaf child before it, if any, has another value: a run starts at
 * s.  So, with mask(s) the bits 0..s ("bit s" is 1 << s):
 *
 *   node child s:  the node at base1 + 6 * (popcount(vector & mask(s)) - 1)
 *   leaf child s:  arena[base0 + popcount(leafvec & mask(s)) - 1]
 *
 * Arena order, for locality: each block of nodes is followed at once by the
 * leaf runs of its nodes, then come the blocks below, depth first.  A root
 * node is a block of one, so an IPv4 lookup that ends there (most do) reads
 * its node and its leaf from the same or the next cache line: one miss
 * after dp instead of two.  Word 0 holds a stand-in node (no node children,
 * one leaf run, BL_LPM_NONE) that the IPv4 lookup walks for dp leaves
 * instead of branching on the dp entry (see lookup4).
 *
 * Why a lookup never reads out of bounds:
 *  - the dp index is the top D bits of the key: < 1 << D;
 *  - a DP_NODE entry and every base1 were returned by reserve_nodes() for
 *    a block of exactly popcount(vector) nodes, so when bit s of vector is
 *    set, popcount(vector & mask(s)) is in 1..popcount(vector);
 *  - the first leaf child of a node always starts a run, so when child s
 *    is a leaf, popcount(leafvec & mask(s)) is in 1..(runs of that node),
 *    and put_leaves() appended exactly those runs at base0;
 *  - a node at offset o exists only when some prefix is longer than o + 6,
 *    so o + 6 < 32 (IPv4) or < 128 (IPv6): IPv4 offsets are 18, 24, 30
 *    and IPv6 ones 22, 28, ..., 124.  The 6 bits of a child number may run
 *    past the end of the key; they read as zero there (shifting in zeros),
 *    and the builder computes slots the same way from zero host bits.  The
 *    IPv6 offsets never straddle the two 64-bit halves (64 - 22 is a
 *    multiple of 6); the shifts are all less than 64;
 *  - offsets are below MAX_WORDS (31 bits), checked as the arena grows.
 */
#ifndef FS_BL_LPM_LAYOUT_H
#define FS_BL_LPM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define DP4		18	/* direct pointing bits, IPv4 */
#define DP6		22	/* IPv6; (64 - DP6) % 6 == 0, see above */
#define STRIDE		6
#define DP_NODE		0x80000000u

_Static_assert((64 - DP6) % STRIDE == 0, "IPv6 strides straddle a half");
_Static_assert(DP4 + 2 * STRIDE + STRIDE >= 32, "IPv4 deeper than planned");

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && \
    !defined(__POPCNT__)
/* Built for any x86-64: pick a POPCNT copy of the lookups at run time. */
#define LPM_DISPATCH	1
#define LPM_POPCNT	__attribute__((target("popcnt")))
#endif

struct lpm_node {
	uint64_t	vector;		/* bit s: child s is a node */
	uint64_t	leafvec;	/* bit s: a leaf run starts at child s */
	uint32_t	base0;		/* arena word of the first leaf run */
	uint32_t	base1;		/* arena word of the first node child */
};

#define NODE_WORDS	(sizeof(struct lpm_node) / sizeof(uint32_t))
#define MAX_WORDS	((size_t)DP_NODE - 1)	/* offsets fit in 31 bits */

_Static_assert(sizeof(struct lpm_node) == 24, "node is 6 words");

struct bl_lpm {
	int		 family;	/* NETADDR_IPV4 or NETADDR_IPV6 */
	unsigned	 dp_bits;	/* DP4 or DP6 */
	int		 popcnt;	/* the CPU has POPCNT (LPM_DISPATCH) */
	uint32_t	*dp;		/* 1 << dp_bits entries */
	uint32_t	*arena;		/* nodes and leaves, 32-bit words */
	size_t		 n_words;
	size_t		 n_nodes;	/* for the record */
	size_t		 n_prefixes;	/* after deduplication */
};

static inline uint64_t
load_be64(const uint8_t *b)
{
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 |
	    (uint64_t)b[2] << 40 | (uint64_t)b[3] << 32 |
	    (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	    (uint64_t)b[6] << 8 | (uint64_t)b[7];
}

static inline uint32_t
load_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

#endif /* FS_BL_LPM_LAYOUT_H */
