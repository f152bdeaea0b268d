/*
 * test_bl_lpm.c - the longest-prefix-match table (blacklists/bl_lpm.c):
 * edge cases by hand, every prefix length at its first and last address and
 * one outside, and random sets against a naive linear scan.
 *
 * Addresses are looked up from heap copies of exactly 4 or 16 bytes, so
 * AddressSanitizer (FS_SANITIZE=ON) catches a lookup reading too far.  The
 * bigger differential test against Python's ipaddress is
 * tests/blacklists/lpm_reference.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"

#include "bl_lpm.h"
#include "netaddr.h"

#define NONE	BL_LPM_NONE

/* Tables of the running test, freed by its teardown even after a failure. */
static struct bl_lpm *held[8];
static size_t nheld;
static int portable;	/* build() turns POPCNT off */

static void
drop_tables(void)
{
	while (nheld > 0)
		bl_lpm_free(held[--nheld]);
}

/* The teardown. */
static int
free_tables(void **state)
{
	(void)state;
	drop_tables();
	portable = 0;
	return 0;
}

static struct bl_lpm *
build(int family, const struct bl_lpm_prefix *p, size_t n)
{
	char err[128] = "";
	struct bl_lpm *t;

	t = bl_lpm_build(family, p, n, err, sizeof(err));
	if (t == NULL)
		fail_msg("bl_lpm_build: %s", err);
	assert_true(nheld < sizeof(held) / sizeof(held[0]));
	held[nheld++] = t;
	bl_lpm_use_popcnt(t, !portable);
	return t;
}

static size_t
alen(int family)
{
	return family == NETADDR_IPV4 ? 4 : 16;
}

/* Look bytes up from an exact-size heap copy; batch must agree. */
static uint32_t
lookup(const struct bl_lpm *t, const uint8_t *bytes)
{
	size_t len = alen(bl_lpm_family(t));
	uint8_t *a = malloc(len);
	const uint8_t *one[1];
	uint32_t v, bv = 0;

	assert_non_null(a);
	memcpy(a, bytes, len);
	v = bl_lpm_lookup(t, a);
	one[0] = a;
	bl_lpm_lookup_batch(t, one, &bv, 1);
	free(a);
	assert_int_equal(v, bv);
	return v;
}

static uint32_t
lookup_str(const struct bl_lpm *t, const char *s)
{
	struct netaddr a;

	if (netaddr_parse(s, &a) == -1)
		fail_msg("bad address in test: %s", s);
	assert_int_equal(a.family, bl_lpm_family(t));
	return lookup(t, a.bytes);
}

/* "10.1.0.0/16" with value into *p. */
static void
pfx(struct bl_lpm_prefix *p, const char *cidr, uint32_t value)
{
	char buf[64];
	char *slash;
	struct netaddr a;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = '\0';
	if (netaddr_parse(buf, &a) == -1)
		fail_msg("bad prefix in test: %s", cidr);
	memset(p, 0, sizeof(*p));
	memcpy(p->bytes, a.bytes, 16);
	p->plen = (uint8_t)atoi(slash + 1);
	p->value = value;
}

/* ---- a naive reference and address arithmetic ------------------------ */

static int
covers(const struct bl_lpm_prefix *p, const uint8_t *a)
{
	unsigned full = p->plen / 8, rest = p->plen % 8;

	if (memcmp(p->bytes, a, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((p->bytes[full] ^ a[full]) & (0xFF << (8 - rest)) & 0xFF) == 0;
}

/* The longest covering prefix; of equal ones the last (duplicates). */
static uint32_t
naive(const struct bl_lpm_prefix *p, size_t n, const uint8_t *a)
{
	uint32_t v = NONE;
	int best = -1;
	size_t i;

	for (i = 0; i < n; i++)
		if (covers(&p[i], a) && (int)p[i].plen >= best) {
			best = p[i].plen;
			v = p[i].value;
		}
	return v;
}

/* The first (ones = 0) or last (ones = 1) address of p. */
static void
edge(const struct bl_lpm_prefix *p, size_t len, int ones, uint8_t *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned bit0 = (unsigned)i * 8, m;

		if (bit0 + 8 <= p->plen)
			m = 0xFF;
		else if (bit0 >= p->plen)
			m = 0;
		else
			m = (0xFF << (8 - (p->plen - bit0))) & 0xFF;
		out[i] = (uint8_t)((p->bytes[i] & m) | (ones ? ~m & 0xFF : 0));
	}
}

/* a += 1 (delta 1) or a -= 1 (delta -1); 0 if it wrapped around. */
static int
step(uint8_t *a, size_t len, int delta)
{
	size_t i = len;

	while (i-- > 0) {
		a[i] = (uint8_t)(a[i] + delta);
		if (a[i] != (delta > 0 ? 0x00 : 0xFF))
			return 1;
	}
	return 0;
}

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void
random_bytes(uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(rng() >> 56);
}

/* Check addr against the naive scan. */
static void
check_addr(const struct bl_lpm *t, const struct bl_lpm_prefix *p, size_t n,
    const uint8_t *a)
{
	uint32_t want = naive(p, n, a), got = lookup(t, a);

	if (want != got) {
		struct netaddr na = { .family = (uint8_t)bl_lpm_family(t) };
		char buf[NETADDR_STRLEN];

		memcpy(na.bytes, a, alen(na.family));
		fail_msg("%s: got %u, want %u", netaddr_format(&na, buf,
		    sizeof(buf)), got, want);
	}
}

/* Check the first, last, one before and one past every prefix. */
static void
check_edges(const struct bl_lpm *t, const struct bl_lpm_prefix *p, size_t n)
{
	size_t len = alen(bl_lpm_family(t)), i;
	uint8_t a[16];

	for (i = 0; i < n; i++) {
		edge(&p[i], len, 0, a);
		check_addr(t, p, n, a);
		if (step(a, len, -1))
			check_addr(t, p, n, a);
		edge(&p[i], len, 1, a);
		check_addr(t, p, n, a);
		if (step(a, len, 1))
			check_addr(t, p, n, a);
	}
}

/* ---- cases ------------------------------------------------------------ */

static void
empty_table(void **state)
{
	struct bl_lpm *t4 = build(NETADDR_IPV4, NULL, 0);
	struct bl_lpm *t6 = build(NETADDR_IPV6, NULL, 0);

	(void)state;
	assert_int_equal(lookup_str(t4, "0.0.0.0"), NONE);
	assert_int_equal(lookup_str(t4, "192.0.2.1"), NONE);
	assert_int_equal(lookup_str(t4, "255.255.255.255"), NONE);
	assert_int_equal(lookup_str(t6, "::"), NONE);
	assert_int_equal(lookup_str(t6, "2001:db8::1"), NONE);
	assert_int_equal(lookup_str(t6,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), NONE);
	assert_int_equal(bl_lpm_prefixes(t4), 0);
	assert_true(bl_lpm_memory(t4) > 0);
}

static void
default_route(void **state)
{
	struct bl_lpm_prefix p4, p6;
	struct bl_lpm *t4, *t6;

	(void)state;
	pfx(&p4, "0.0.0.0/0", 7);
	pfx(&p6, "::/0", 9);
	t4 = build(NETADDR_IPV4, &p4, 1);
	t6 = build(NETADDR_IPV6, &p6, 1);
	assert_int_equal(lookup_str(t4, "0.0.0.0"), 7);
	assert_int_equal(lookup_str(t4, "10.20.30.40"), 7);
	assert_int_equal(lookup_str(t4, "255.255.255.255"), 7);
	assert_int_equal(lookup_str(t6, "::"), 9);
	assert_int_equal(lookup_str(t6, "2001:db8::1"), 9);
	assert_int_equal(lookup_str(t6,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 9);
}

static void
host_routes(void **state)
{
	struct bl_lpm_prefix p4[3], p6[3];
	struct bl_lpm *t4, *t6;

	(void)state;
	pfx(&p4[0], "192.0.2.1/32", 1);
	pfx(&p4[1], "0.0.0.0/32", 2);
	pfx(&p4[2], "255.255.255.255/32", 3);
	pfx(&p6[0], "2001:db8::1/128", 4);
	pfx(&p6[1], "::/128", 5);
	pfx(&p6[2], "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 6);
	t4 = build(NETADDR_IPV4, p4, 3);
	t6 = build(NETADDR_IPV6, p6, 3);
	assert_int_equal(lookup_str(t4, "192.0.2.1"), 1);
	assert_int_equal(lookup_str(t4, "192.0.2.0"), NONE);
	assert_int_equal(lookup_str(t4, "192.0.2.2"), NONE);
	assert_int_equal(lookup_str(t4, "0.0.0.0"), 2);
	assert_int_equal(lookup_str(t4, "0.0.0.1"), NONE);
	assert_int_equal(lookup_str(t4, "255.255.255.255"), 3);
	assert_int_equal(lookup_str(t4, "255.255.255.254"), NONE);
	assert_int_equal(lookup_str(t6, "2001:db8::1"), 4);
	assert_int_equal(lookup_str(t6, "2001:db8::"), NONE);
	assert_int_equal(lookup_str(t6, "2001:db8::2"), NONE);
	assert_int_equal(lookup_str(t6, "::"), 5);
	assert_int_equal(lookup_str(t6, "::1"), NONE);
	assert_int_equal(lookup_str(t6,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 6);
	assert_int_equal(lookup_str(t6,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), NONE);
	check_edges(t4, p4, 3);
	check_edges(t6, p6, 3);
}

static void
nested_prefixes(void **state)
{
	struct bl_lpm_prefix p[6], q[6];
	struct bl_lpm *t4, *t6;

	(void)state;
	/* Deliberately not in order. */
	pfx(&p[0], "10.1.2.128/25", 4);
	pfx(&p[1], "10.0.0.0/8", 1);
	pfx(&p[2], "10.1.2.129/32", 5);
	pfx(&p[3], "10.1.0.0/16", 2);
	pfx(&p[4], "10.1.2.0/24", 3);
	pfx(&p[5], "0.0.0.0/0", 0);
	t4 = build(NETADDR_IPV4, p, 6);
	assert_int_equal(lookup_str(t4, "9.255.255.255"), 0);
	assert_int_equal(lookup_str(t4, "10.0.0.0"), 1);
	assert_int_equal(lookup_str(t4, "10.1.0.0"), 2);
	assert_int_equal(lookup_str(t4, "10.1.2.0"), 3);
	assert_int_equal(lookup_str(t4, "10.1.2.127"), 3);
	assert_int_equal(lookup_str(t4, "10.1.2.128"), 4);
	assert_int_equal(lookup_str(t4, "10.1.2.129"), 5);
	assert_int_equal(lookup_str(t4, "10.1.2.130"), 4);
	assert_int_equal(lookup_str(t4, "10.1.3.0"), 2);
	assert_int_equal(lookup_str(t4, "10.2.0.0"), 1);
	assert_int_equal(lookup_str(t4, "11.0.0.0"), 0);
	check_edges(t4, p, 6);

	pfx(&q[0], "2001:db8:1:2::/64", 4);
	pfx(&q[1], "2001:db8::/32", 1);
	pfx(&q[2], "2001:db8:1:2::1/128", 5);
	pfx(&q[3], "2001:db8:1::/48", 2);
	pfx(&q[4], "2001:db8:1:2::/63", 3);
	pfx(&q[5], "2000::/3", 0);
	t6 = build(NETADDR_IPV6, q, 6);
	assert_int_equal(lookup_str(t6, "2001:db8:1:2::1"), 5);
	assert_int_equal(lookup_str(t6, "2001:db8:1:2::2"), 4);
	assert_int_equal(lookup_str(t6, "2001:db8:1:3::"), 3);
	assert_int_equal(lookup_str(t6, "2001:db8:1:4::"), 2);
	assert_int_equal(lookup_str(t6, "2001:db8:2::"), 1);
	assert_int_equal(lookup_str(t6, "2001:db9::"), 0);
	assert_int_equal(lookup_str(t6, "4000::"), NONE);
	check_edges(t6, q, 6);
}

static void
duplicates_last_wins(void **state)
{
	struct bl_lpm_prefix p[5];
	struct bl_lpm *t;

	(void)state;
	pfx(&p[0], "192.0.2.0/24", 1);
	pfx(&p[1], "198.51.100.0/24", 2);
	pfx(&p[2], "192.0.2.0/24", 3);
	pfx(&p[3], "192.0.2.77/24", 4);	/* the same, host bits set */
	pfx(&p[4], "192.0.2.0/25", 5);
	t = build(NETADDR_IPV4, p, 5);
	assert_int_equal(bl_lpm_prefixes(t), 3);
	assert_int_equal(lookup_str(t, "192.0.2.200"), 4);
	assert_int_equal(lookup_str(t, "192.0.2.1"), 5);
	assert_int_equal(lookup_str(t, "198.51.100.1"), 2);

	pfx(&p[0], "2001:db8::/32", 1);
	pfx(&p[1], "2001:db8::/32", 2);
	t = build(NETADDR_IPV6, p, 2);
	assert_int_equal(bl_lpm_prefixes(t), 1);
	assert_int_equal(lookup_str(t, "2001:db8::1"), 2);
}

static void
host_bits_ignored(void **state)
{
	struct bl_lpm_prefix p[3];
	struct bl_lpm *t;

	(void)state;
	pfx(&p[0], "10.255.255.255/8", 1);
	pfx(&p[1], "172.16.99.99/12", 2);
	pfx(&p[2], "255.255.255.255/0", 3);
	t = build(NETADDR_IPV4, p, 3);
	assert_int_equal(lookup_str(t, "10.0.0.0"), 1);
	assert_int_equal(lookup_str(t, "172.16.0.0"), 2);
	assert_int_equal(lookup_str(t, "172.31.255.255"), 2);
	assert_int_equal(lookup_str(t, "172.32.0.0"), 3);
	assert_int_equal(lookup_str(t, "0.0.0.0"), 3);

	pfx(&p[0], "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/32", 1);
	pfx(&p[1], "2001:db8:0:0:8000::1/65", 2);
	t = build(NETADDR_IPV6, p, 2);
	assert_int_equal(lookup_str(t, "2001:db8::"), 1);
	assert_int_equal(lookup_str(t, "2001:db8::8000:0:0:0"), 2);
	assert_int_equal(lookup_str(t, "2001:db8::ffff:ffff:ffff:ffff"), 2);
	assert_int_equal(lookup_str(t, "2001:db8::7fff:ffff:ffff:ffff"), 1);
}

/*
 * Every length, alone and nested in each shorter one: the stride edges
 * (IPv4 18, 24, 30; IPv6 16, 22, ..., 124, 64) are all among them.
 */
static void
every_length(int family)
{
	unsigned maxlen = family == NETADDR_IPV4 ? 32 : 128, l;
	size_t len = alen(family);
	struct bl_lpm_prefix p[2];
	struct bl_lpm *t;

	rng_state = 0x9E3779B97F4A7C15ULL + (uint64_t)family;
	for (l = 0; l <= maxlen; l++) {
		/* Alone, at a random place. */
		memset(p, 0, sizeof(p));
		random_bytes(p[0].bytes, len);
		p[0].plen = (uint8_t)l;
		p[0].value = l;
		t = build(family, p, 1);
		check_edges(t, p, 1);
		drop_tables();

		/* Below a prefix one bit (and then 7 bits) shorter. */
		if (l == 0)
			continue;
		p[1] = p[0];
		p[1].plen = (uint8_t)(l - 1);
		p[1].value = 1000 + l;
		t = build(family, p, 2);
		check_edges(t, p, 2);
		drop_tables();
		p[1].plen = (uint8_t)(l > 7 ? l - 7 : 0);
		t = build(family, p, 2);
		check_edges(t, p, 2);
		drop_tables();
	}
}

static void
every_length_v4(void **state)
{
	(void)state;
	every_length(NETADDR_IPV4);
}

static void
every_length_v6(void **state)
{
	(void)state;
	every_length(NETADDR_IPV6);
}

/* The named edges, by hand: 15..19, 24, 30..32 (IPv4). */
static void
stride_edges_v4(void **state)
{
	static const unsigned lens[] = { 15, 16, 17, 18, 19, 24, 30, 31, 32 };
	struct bl_lpm_prefix p[9];
	struct bl_lpm *t;
	size_t i;

	(void)state;
	/* All nested at 203.0.113.255's path, each its own value. */
	for (i = 0; i < 9; i++) {
		pfx(&p[i], "203.0.113.255/32", (uint32_t)i);
		p[i].plen = (uint8_t)lens[i];
	}
	t = build(NETADDR_IPV4, p, 9);
	assert_int_equal(lookup_str(t, "203.0.113.255"), 8);
	assert_int_equal(lookup_str(t, "203.0.113.254"), 7);
	assert_int_equal(lookup_str(t, "203.0.113.252"), 6);
	assert_int_equal(lookup_str(t, "203.0.113.251"), 5);
	assert_int_equal(lookup_str(t, "203.0.113.0"), 5);
	assert_int_equal(lookup_str(t, "203.0.112.255"), 4);
	assert_int_equal(lookup_str(t, "203.0.96.0"), 4);
	assert_int_equal(lookup_str(t, "203.0.95.255"), 3);
	assert_int_equal(lookup_str(t, "203.0.64.0"), 3);
	assert_int_equal(lookup_str(t, "203.0.63.255"), 2);
	assert_int_equal(lookup_str(t, "203.0.0.0"), 2);
	assert_int_equal(lookup_str(t, "203.0.128.0"), 1);
	assert_int_equal(lookup_str(t, "203.0.255.255"), 1);
	assert_int_equal(lookup_str(t, "203.1.0.0"), 0);
	assert_int_equal(lookup_str(t, "203.1.255.255"), 0);
	assert_int_equal(lookup_str(t, "203.2.0.0"), NONE);
	assert_int_equal(lookup_str(t, "202.255.255.255"), NONE);
	check_edges(t, p, 9);
}

/* And IPv6's: 15..19, 24, 30..32, 63..65, 127, 128. */
static void
stride_edges_v6(void **state)
{
	static const unsigned lens[] = { 15, 16, 17, 18, 19, 24, 30, 31, 32,
	    63, 64, 65, 127, 128 };
	struct bl_lpm_prefix p[14];
	struct bl_lpm *t;
	size_t i;

	(void)state;
	for (i = 0; i < 14; i++) {
		pfx(&p[i], "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/128",
		    (uint32_t)i);
		p[i].plen = (uint8_t)lens[i];
	}
	t = build(NETADDR_IPV6, p, 14);
	assert_int_equal(lookup_str(t,
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 13);
	assert_int_equal(lookup_str(t,
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe"), 12);
	assert_int_equal(lookup_str(t,
	    "2001:db8:ffff:ffff:8000::"), 11);
	assert_int_equal(lookup_str(t,
	    "2001:db8:ffff:ffff:7fff:ffff:ffff:ffff"), 10);
	assert_int_equal(lookup_str(t, "2001:db8:ffff:fffe::"), 9);
	assert_int_equal(lookup_str(t, "2001:db8::"), 8);
	assert_int_equal(lookup_str(t, "2001:db9::"), 7);
	assert_int_equal(lookup_str(t, "2001:dba::"), 6);
	assert_int_equal(lookup_str(t, "2001:dbc::"), 5);
	assert_int_equal(lookup_str(t, "2001:d00::"), 5);
	assert_int_equal(lookup_str(t, "2001:c00::"), 4);
	assert_int_equal(lookup_str(t, "2001::"), 4);
	assert_int_equal(lookup_str(t, "2001:2000::"), 3);
	assert_int_equal(lookup_str(t, "2001:4000::"), 2);
	assert_int_equal(lookup_str(t, "2001:8000::"), 1);
	assert_int_equal(lookup_str(t, "2000::"), 0);
	assert_int_equal(lookup_str(t, "2002::"), NONE);
	check_edges(t, p, 14);
}

/*
 * Random small sets, clustered so that prefixes nest and collide, against
 * the naive scan at every prefix edge and at random addresses.
 */
static void
random_sets(int family, unsigned rounds)
{
	size_t len = alen(family), n, i, k;
	unsigned maxlen = family == NETADDR_IPV4 ? 32 : 128, r, l;
	struct bl_lpm_prefix p[300];
	struct bl_lpm *t;
	uint8_t root[16], a[16];

	rng_state = 0xC0FFEE + (uint64_t)family;
	for (r = 0; r < rounds; r++) {
		random_bytes(root, len);
		n = 1 + rng() % 300;
		for (i = 0; i < n; i++) {
			memset(&p[i], 0, sizeof(p[i]));
			random_bytes(p[i].bytes, len);
			/* Mostly below a common root, to nest. */
			k = rng() % 4 == 0 ? 0 : (size_t)(rng() % (len - 1));
			memcpy(p[i].bytes, root, k);
			if (rng() % 8 == 0 && i > 0)	/* a duplicate */
				memcpy(p[i].bytes, p[rng() % i].bytes, len);
			p[i].plen = (uint8_t)(rng() % (maxlen + 1));
			if (rng() % 2) {	/* near the root's length */
				l = (unsigned)(k * 8 + rng() % 17);
				p[i].plen = (uint8_t)(l > maxlen ? maxlen : l);
			}
			p[i].value = (uint32_t)(rng() % 1000);
		}
		t = build(family, p, n);
		check_edges(t, p, n);
		for (i = 0; i < 2000; i++) {
			random_bytes(a, len);
			k = (size_t)(rng() % len);
			memcpy(a, root, k);
			check_addr(t, p, n, a);
		}
		drop_tables();
	}
}

static void
random_vs_naive_v4(void **state)
{
	(void)state;
	random_sets(NETADDR_IPV4, 60);
}

static void
random_vs_naive_v6(void **state)
{
	(void)state;
	random_sets(NETADDR_IPV6, 60);
}

/* The same through the portable copy of the lookups (no POPCNT). */
static void
random_vs_naive_portable(void **state)
{
	(void)state;
	portable = 1;
	random_sets(NETADDR_IPV4, 20);
	random_sets(NETADDR_IPV6, 20);
	portable = 0;
}

/* The batch gives what single lookups give, at every batch size. */
static void
batch_equals_single(void **state)
{
	enum { N = 3000, M = 1000 };
	static struct bl_lpm_prefix p[N];
	static uint8_t addr[M][16];
	const uint8_t *ptr[M];
	uint32_t got[M + 1];
	int families[2] = { NETADDR_IPV4, NETADDR_IPV6 };
	struct bl_lpm *t;
	size_t i, len, f, cnt;

	(void)state;
	rng_state = 42;
	for (f = 0; f < 2; f++) {
		len = alen(families[f]);
		for (i = 0; i < N; i++) {
			memset(&p[i], 0, sizeof(p[i]));
			random_bytes(p[i].bytes, len);
			p[i].bytes[0] = (uint8_t)(p[i].bytes[0] & 0x3F);
			p[i].plen = (uint8_t)(rng() % (len * 8 + 1));
			p[i].value = (uint32_t)i;
		}
		t = build(families[f], p, N);
		for (i = 0; i < M; i++) {
			random_bytes(addr[i], len);
			if (i % 2)	/* inside one of the prefixes */
				memcpy(addr[i], p[rng() % N].bytes, len - 1);
			ptr[i] = addr[i];
		}
		for (cnt = 0; cnt <= M; cnt += cnt < 40 ? 1 : 97) {
			got[cnt] = 0xABCD;	/* not written past n */
			bl_lpm_lookup_batch(t, ptr, got, cnt);
			assert_int_equal(got[cnt], 0xABCD);
			for (i = 0; i < cnt; i++)
				assert_int_equal(got[i],
				    bl_lpm_lookup(t, ptr[i]));
		}
		bl_lpm_lookup_batch(t, ptr, got, M);
		for (i = 0; i < M; i++)
			assert_int_equal(got[i], naive(p, N, ptr[i]));
		drop_tables();
	}
}

static void
values_extremes(void **state)
{
	struct bl_lpm_prefix p[2];
	struct bl_lpm *t;

	(void)state;
	pfx(&p[0], "10.0.0.0/8", BL_LPM_VALUE_MAX);
	pfx(&p[1], "10.1.2.0/24", 0);
	t = build(NETADDR_IPV4, p, 2);
	assert_int_equal(lookup_str(t, "10.0.0.1"), BL_LPM_VALUE_MAX);
	assert_int_equal(lookup_str(t, "10.1.2.1"), 0);
	pfx(&p[1], "10.1.2.0/30", 0);	/* below dp: a leaf, not dp */
	t = build(NETADDR_IPV4, p, 2);
	assert_int_equal(lookup_str(t, "10.1.2.1"), 0);
	assert_int_equal(lookup_str(t, "10.1.2.4"), BL_LPM_VALUE_MAX);
}

/* A deeper prefix with the value of the one above changes nothing. */
static void
redundant_prefixes(void **state)
{
	struct bl_lpm_prefix p[3];
	struct bl_lpm *t, *u;

	(void)state;
	pfx(&p[0], "10.0.0.0/8", 5);
	t = build(NETADDR_IPV4, p, 1);
	pfx(&p[1], "10.1.2.0/24", 5);
	pfx(&p[2], "10.1.2.3/32", 5);
	u = build(NETADDR_IPV4, p, 3);
	assert_int_equal(bl_lpm_memory(u), bl_lpm_memory(t));
	assert_int_equal(lookup_str(u, "10.1.2.3"), 5);
	assert_int_equal(lookup_str(u, "11.1.2.3"), NONE);
}

static void
bad_input_rejected(void **state)
{
	struct bl_lpm_prefix p;
	char err[128];

	(void)state;
	pfx(&p, "10.0.0.0/8", 1);
	err[0] = '\0';
	assert_null(bl_lpm_build(5, &p, 1, err, sizeof(err)));
	assert_true(err[0] != '\0');

	p.plen = 33;
	err[0] = '\0';
	assert_null(bl_lpm_build(NETADDR_IPV4, &p, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "length"));
	p.plen = 129;
	assert_null(bl_lpm_build(NETADDR_IPV6, &p, 1, err, sizeof(err)));

	p.plen = 8;
	p.value = BL_LPM_VALUE_MAX + 1;
	err[0] = '\0';
	assert_null(bl_lpm_build(NETADDR_IPV4, &p, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "value"));
	p.value = NONE;
	assert_null(bl_lpm_build(NETADDR_IPV4, &p, 1, NULL, 0));

	assert_null(bl_lpm_build(NETADDR_IPV4, NULL, 1, err, sizeof(err)));
	bl_lpm_free(NULL);
}

static void
memory_counts_what_grows(void **state)
{
	static struct bl_lpm_prefix p[5000];
	struct bl_lpm *small, *big;
	size_t i;

	(void)state;
	rng_state = 7;
	for (i = 0; i < 5000; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		random_bytes(p[i].bytes, 4);
		p[i].plen = 28;
		p[i].value = (uint32_t)i;
	}
	small = build(NETADDR_IPV4, p, 1);
	big = build(NETADDR_IPV4, p, 5000);
	assert_int_equal(bl_lpm_prefixes(big), 5000);
	/* dp alone is 1 MB; a /28 needs 2 nodes of 24 bytes (few share). */
	assert_true(bl_lpm_memory(small) >= ((size_t)1 << 18) * 4);
	assert_true(bl_lpm_memory(big) >= bl_lpm_memory(small) + 5000 * 40);
	assert_true(bl_lpm_memory(big) < 16 * 1024 * 1024);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(empty_table, free_tables),
	cmocka_unit_test_teardown(default_route, free_tables),
	cmocka_unit_test_teardown(host_routes, free_tables),
	cmocka_unit_test_teardown(nested_prefixes, free_tables),
	cmocka_unit_test_teardown(duplicates_last_wins, free_tables),
	cmocka_unit_test_teardown(host_bits_ignored, free_tables),
	cmocka_unit_test_teardown(every_length_v4, free_tables),
	cmocka_unit_test_teardown(every_length_v6, free_tables),
	cmocka_unit_test_teardown(stride_edges_v4, free_tables),
	cmocka_unit_test_teardown(stride_edges_v6, free_tables),
	cmocka_unit_test_teardown(random_vs_naive_v4, free_tables),
	cmocka_unit_test_teardown(random_vs_naive_v6, free_tables),
	cmocka_unit_test_teardown(random_vs_naive_portable, free_tables),
	cmocka_unit_test_teardown(batch_equals_single, free_tables),
	cmocka_unit_test_teardown(values_extremes, free_tables),
	cmocka_unit_test_teardown(redundant_prefixes, free_tables),
	cmocka_unit_test_teardown(bad_input_rejected, free_tables),
	cmocka_unit_test_teardown(memory_counts_what_grows, free_tables),
};

FS_TEST_MAIN(tests)
