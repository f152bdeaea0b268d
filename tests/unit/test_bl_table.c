/*
 * test_bl_table.c - groups of lists compiled for lookup: the most specific
 * entry per group, which list wins a tie, labels and lines, both families,
 * and a randomised comparison with a naive scan.
 */
#include "fs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blacklists.h"

static struct bl_list *
list_of(const char *name, const char *const *prefixes, size_t n)
{
	char err[256];
	struct bl_list *l = bl_list_from_strings(name, prefixes, n, err,
	    sizeof(err));

	if (l == NULL)
		fail_msg("%s: %s", name, err);
	return l;
}

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

static const char *
prefix_str(const struct bl_match *m, char *buf, size_t size)
{
	char a[NETADDR_STRLEN];

	snprintf(buf, size, "%s/%u", netaddr_format(&m->prefix, a, sizeof(a)),
	    m->plen);
	return buf;
}

/* watch = [et, own], allow = [allow], local = [local] */
struct fixture {
	struct bl_list	*et, *own, *allow, *local;
	struct bl_table	*t;
};

static int
setup(void **state)
{
	static const char *const et[] = { "10.0.0.0/8", "198.51.100.0/24",
	    "2001:db8::/32", "203.0.113.7" };
	static const char *const own[] = { "198.51.100.0/24", "198.51.100.128/25",
	    "203.0.113.0/24" };
	static const char *const allow[] = { "10.1.0.0/16", "198.51.100.200" };
	static const char *const local[] = { "10.0.0.0/8", "192.168.0.0/16",
	    "fd00::/8" };
	struct fixture *f = calloc(1, sizeof(*f));
	const struct bl_list *watch_lists[2], *allow_lists[1], *local_lists[1];
	struct bl_group_spec groups[3];
	char err[256];

	assert_non_null(f);
	f->et = list_of("et", et, 4);
	f->own = list_of("own", own, 3);
	f->allow = list_of("allow", allow, 2);
	f->local = list_of("local_networks", local, 3);
	watch_lists[0] = f->et;
	watch_lists[1] = f->own;
	allow_lists[0] = f->allow;
	local_lists[0] = f->local;
	groups[0] = (struct bl_group_spec){ "watch", BL_GROUP_WATCH,
	    watch_lists, 2 };
	groups[1] = (struct bl_group_spec){ "allow", BL_GROUP_ALLOW,
	    allow_lists, 1 };
	groups[2] = (struct bl_group_spec){ "local", BL_GROUP_LOCAL,
	    local_lists, 1 };
	f->t = bl_table_build(groups, 3, err, sizeof(err));
	if (f->t == NULL)
		fail_msg("build: %s", err);
	/* The table owns what it reports: the lists can go now. */
	bl_list_free(f->et);
	bl_list_free(f->own);
	bl_list_free(f->allow);
	bl_list_free(f->local);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	bl_table_free(f->t);
	free(f);
	return 0;
}

/* Look addr up; check n matches, then "group list prefix" of each. */
static void
expect(const struct bl_table *t, const char *a, size_t n,
    const char *const *want)
{
	struct bl_match m[BL_MAX_GROUPS];
	struct netaddr ad = addr(a);
	char got[128], p[64];
	size_t i, k;

	k = bl_table_lookup(t, &ad, m, BL_MAX_GROUPS);
	if (k != n)
		fail_msg("%s: %zu matches, expected %zu", a, k, n);
	for (i = 0; i < k; i++) {
		snprintf(got, sizeof(got), "%s %s %s", m[i].group_name,
		    m[i].list, prefix_str(&m[i], p, sizeof(p)));
		if (strcmp(got, want[i]) != 0)
			fail_msg("%s match %zu: '%s', expected '%s'", a, i, got,
			    want[i]);
	}
}

static void
test_nested_prefixes_across_groups(void **state)
{
	struct fixture *f = *state;
	static const char *const a[] = { "watch et 10.0.0.0/8",
	    "allow allow 10.1.0.0/16", "local local_networks 10.0.0.0/8" };
	static const char *const b[] = { "watch et 10.0.0.0/8",
	    "local local_networks 10.0.0.0/8" };

	expect(f->t, "10.1.2.3", 3, a);
	expect(f->t, "10.2.0.1", 2, b);
}

static void
test_most_specific_wins_within_group(void **state)
{
	struct fixture *f = *state;
	static const char *const hi[] = { "watch own 198.51.100.128/25" };
	static const char *const lo[] = { "watch et 198.51.100.0/24" };
	static const char *const host[] = { "watch own 198.51.100.128/25",
	    "allow allow 198.51.100.200/32" };

	expect(f->t, "198.51.100.129", 1, hi);
	/* Same /24 in et and own: the first list of the group wins. */
	expect(f->t, "198.51.100.1", 1, lo);
	expect(f->t, "198.51.100.200", 2, host);
}

static void
test_host_entry_and_its_network(void **state)
{
	struct fixture *f = *state;
	static const char *const host[] = { "watch et 203.0.113.7/32" };
	static const char *const net[] = { "watch own 203.0.113.0/24" };

	expect(f->t, "203.0.113.7", 1, host);
	expect(f->t, "203.0.113.8", 1, net);
}

static void
test_ipv6(void **state)
{
	struct fixture *f = *state;
	static const char *const doc[] = { "watch et 2001:db8::/32" };
	static const char *const ula[] = { "local local_networks fd00::/8" };

	expect(f->t, "2001:db8:1::1", 1, doc);
	expect(f->t, "fd12:3456::1", 1, ula);
	expect(f->t, "2001:db9::1", 0, NULL);
	/* An IPv4 address never matches an IPv6 prefix, nor the reverse. */
	expect(f->t, "::a00:1", 0, NULL);
}

static void
test_not_listed(void **state)
{
	struct fixture *f = *state;

	expect(f->t, "192.0.2.1", 0, NULL);
	expect(f->t, "11.0.0.0", 0, NULL);
	expect(f->t, "9.255.255.255", 0, NULL);
}

static void
test_max_limits_output(void **state)
{
	struct fixture *f = *state;
	struct bl_match m[1];
	struct netaddr a = addr("10.1.2.3");

	assert_int_equal(bl_table_lookup(f->t, &a, m, 1), 1);
	assert_string_equal(m[0].group_name, "watch");
	assert_int_equal(m[0].kind, BL_GROUP_WATCH);
	assert_int_equal(bl_table_lookup(f->t, &a, m, 0), 0);
}

static void
test_line_and_group_kind_reported(void **state)
{
	struct fixture *f = *state;
	struct bl_match m[BL_MAX_GROUPS];
	struct netaddr a = addr("198.51.100.200");

	assert_int_equal(bl_table_lookup(f->t, &a, m, BL_MAX_GROUPS), 2);
	assert_int_equal(m[0].line, 2);		/* own: second prefix */
	assert_int_equal(m[1].kind, BL_GROUP_ALLOW);
	assert_int_equal(m[1].line, 2);
	assert_string_equal(m[1].label, "");
	assert_true(bl_table_prefixes(f->t) >= 10);
	assert_true(bl_table_memory(f->t) > 0);
}

static void
test_too_many_groups(void **state)
{
	struct bl_group_spec groups[BL_MAX_GROUPS + 1];
	char err[128];

	(void)state;
	memset(groups, 0, sizeof(groups));
	assert_null(bl_table_build(groups, BL_MAX_GROUPS + 1, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "groups"));
}

static void
test_empty_table(void **state)
{
	struct bl_group_spec g = { "watch", BL_GROUP_WATCH, NULL, 0 };
	struct bl_match m[1];
	struct netaddr a = addr("192.0.2.1");
	struct bl_table *t;
	char err[128];

	(void)state;
	t = bl_table_build(&g, 1, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(bl_table_lookup(t, &a, m, 1), 0);
	assert_int_equal(bl_table_prefixes(t), 0);
	bl_table_free(t);
	bl_table_free(NULL);
}

/* ---- randomised: against a naive scan ------------------------------- */

#define RAND_GROUPS	3
#define RAND_PREFIXES	600
#define RAND_LOOKUPS	20000

static uint32_t rng = 2463534242u;

static uint32_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Prefixes inside 10.0.0.0/8 so that they nest and overlap often. */
static void
random_prefix(char *buf, size_t size, uint32_t *net, uint8_t *plen)
{
	uint32_t a = 0x0A000000u | (xorshift() & 0x00FFFFFFu);

	*plen = (uint8_t)(8 + xorshift() % 25);
	*net = *plen == 0 ? 0 : a & (0xFFFFFFFFu << (32 - *plen));
	snprintf(buf, size, "%u.%u.%u.%u/%u", *net >> 24, (*net >> 16) & 255,
	    (*net >> 8) & 255, *net & 255, *plen);
}

static void
test_random_against_naive_scan(void **state)
{
	static char text[RAND_GROUPS][RAND_PREFIXES][24];
	static uint32_t nets[RAND_GROUPS][RAND_PREFIXES];
	static uint8_t plens[RAND_GROUPS][RAND_PREFIXES];
	const char *ptrs[RAND_PREFIXES];
	const struct bl_list *lists[RAND_GROUPS][1];
	struct bl_list *owned[RAND_GROUPS];
	struct bl_group_spec groups[RAND_GROUPS];
	struct bl_match m[RAND_GROUPS];
	struct bl_table *t;
	char err[256], name[16];
	size_t g, i, k, n;

	(void)state;
	for (g = 0; g < RAND_GROUPS; g++) {
		for (i = 0; i < RAND_PREFIXES; i++) {
			random_prefix(text[g][i], sizeof(text[g][i]),
			    &nets[g][i], &plens[g][i]);
			ptrs[i] = text[g][i];
		}
		snprintf(name, sizeof(name), "l%zu", g);
		owned[g] = list_of(name, ptrs, RAND_PREFIXES);
		lists[g][0] = owned[g];
		groups[g] = (struct bl_group_spec){ name, BL_GROUP_WATCH,
		    lists[g], 1 };
		groups[g].name = g == 0 ? "a" : g == 1 ? "b" : "c";
	}
	t = bl_table_build(groups, RAND_GROUPS, err, sizeof(err));
	if (t == NULL)
		fail_msg("build: %s", err);
	for (k = 0; k < RAND_LOOKUPS; k++) {
		uint32_t a = 0x0A000000u | (xorshift() & 0x00FFFFFFu);
		struct netaddr ad = { .family = NETADDR_IPV4 };
		size_t j = 0;

		ad.bytes[0] = (uint8_t)(a >> 24);
		ad.bytes[1] = (uint8_t)(a >> 16);
		ad.bytes[2] = (uint8_t)(a >> 8);
		ad.bytes[3] = (uint8_t)a;
		n = bl_table_lookup(t, &ad, m, RAND_GROUPS);
		for (g = 0; g < RAND_GROUPS; g++) {
			int best = -1;

			/* Naive: the longest prefix of group g covering a,
			 * the first one listed on a tie. */
			for (i = 0; i < RAND_PREFIXES; i++) {
				uint32_t mask = 0xFFFFFFFFu << (32 - plens[g][i]);

				if ((a & mask) == nets[g][i] && (best < 0 ||
				    plens[g][i] > plens[g][best]))
					best = (int)i;
			}
			if (best < 0)
				continue;
			if (j >= n || m[j].group != g ||
			    m[j].plen != plens[g][best] ||
			    m[j].line != (uint32_t)best + 1)
				fail_msg("lookup %zu: group %zu: expected %s "
				    "(line %d)", k, g, text[g][best], best + 1);
			j++;
		}
		if (j != n)
			fail_msg("lookup %zu: %zu matches, expected %zu", k, n, j);
	}
	bl_table_free(t);
	for (g = 0; g < RAND_GROUPS; g++)
		bl_list_free(owned[g]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_nested_prefixes_across_groups,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(test_most_specific_wins_within_group,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(test_host_entry_and_its_network,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
	cmocka_unit_test_setup_teardown(test_not_listed, setup, teardown),
	cmocka_unit_test_setup_teardown(test_max_limits_output, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_line_and_group_kind_reported,
	    setup, teardown),
	cmocka_unit_test(test_too_many_groups),
	cmocka_unit_test(test_empty_table),
	cmocka_unit_test(test_random_against_naive_scan),
};

FS_TEST_MAIN(tests)
