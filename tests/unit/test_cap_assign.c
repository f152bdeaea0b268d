/*
 * test_cap_assign.c - the receiver's capture table: lookups by unordered
 * address pair and by id, the switch filter, every refusal of
 * cap_assign_add(), growth past the first allocation with every entry
 * still found, the cap, and cap_assign_parse() on the controller's JSON
 * (states taken and not, items skipped, documents refused).
 */
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "fs_test.h"

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

static struct cap_assign_entry
entry(const char *id, const char *local, const char *remote)
{
	struct cap_assign_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.id, sizeof(e.id), "%s", id);
	e.local = addr(local);
	e.remote = addr(remote);
	return e;
}

static void
lookup_either_direction(void **state)
{
	struct cap_assign *t = cap_assign_new(0);
	struct cap_assign_entry e = entry("c1", "10.1.2.3", "203.0.113.9");
	const struct cap_assign_entry *got;
	struct netaddr a = addr("10.1.2.3"), b = addr("203.0.113.9");
	struct netaddr c = addr("10.1.2.4");

	(void)state;
	assert_non_null(t);
	assert_null(cap_assign_lookup(t, &a, &b));	/* empty */
	assert_int_equal(cap_assign_add(t, &e), 0);
	got = cap_assign_lookup(t, &a, &b);
	assert_non_null(got);
	assert_string_equal(got->id, "c1");
	got = cap_assign_lookup(t, &b, &a);
	assert_non_null(got);
	assert_string_equal(got->id, "c1");
	assert_null(cap_assign_lookup(t, &a, &c));
	assert_null(cap_assign_lookup(t, &c, &b));
	assert_null(cap_assign_lookup(t, &a, &a));
	assert_int_equal(cap_assign_count(t), 1);
	assert_string_equal(cap_assign_at(t, 0)->id, "c1");
	assert_null(cap_assign_at(t, 1));
	cap_assign_free(t);
	cap_assign_free(NULL);
	assert_null(cap_assign_lookup(NULL, &a, &b));
	assert_int_equal(cap_assign_count(NULL), 0);
}

static void
lookup_ipv6(void **state)
{
	struct cap_assign *t = cap_assign_new(8);
	struct cap_assign_entry e = entry("v6", "2001:db8::1", "2001:db8::2");
	struct netaddr a = addr("2001:db8::2"), b = addr("2001:db8::1");
	struct netaddr v4 = addr("0.0.0.0");

	(void)state;
	assert_int_equal(cap_assign_add(t, &e), 0);
	assert_non_null(cap_assign_lookup(t, &a, &b));
	/* Same bytes, other family: not the pair. */
	assert_null(cap_assign_lookup(t, &v4, &b));
	cap_assign_free(t);
}

static void
find_by_id(void **state)
{
	struct cap_assign *t = cap_assign_new(0);
	struct cap_assign_entry e1 = entry("c1", "10.0.0.1", "10.0.0.2");
	struct cap_assign_entry e2 = entry("c2", "10.0.0.1", "10.0.0.3");

	(void)state;
	assert_null(cap_assign_find(t, "c1"));
	assert_int_equal(cap_assign_add(t, &e1), 0);
	assert_int_equal(cap_assign_add(t, &e2), 0);
	assert_non_null(cap_assign_find(t, "c1"));
	assert_non_null(cap_assign_find(t, "c2"));
	assert_null(cap_assign_find(t, "c3"));
	assert_null(cap_assign_find(t, NULL));
	assert_null(cap_assign_find(NULL, "c1"));
	cap_assign_free(t);
}

static void
switch_filter(void **state)
{
	struct cap_assign_entry e = entry("c1", "10.0.0.1", "10.0.0.2");
	struct netaddr leaf1 = addr("192.0.2.1"), leaf2 = addr("192.0.2.2");

	(void)state;
	/* No source: any switch. */
	assert_true(cap_assign_from_switch(&e, &leaf1));
	assert_true(cap_assign_from_switch(&e, &leaf2));
	e.source = leaf1;
	assert_true(cap_assign_from_switch(&e, &leaf1));
	assert_false(cap_assign_from_switch(&e, &leaf2));
}

static void
refusals(void **state)
{
	struct cap_assign *t = cap_assign_new(2);
	struct cap_assign_entry e;

	(void)state;
	e = entry("bad id", "10.0.0.1", "10.0.0.2");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_BAD_ID);
	e = entry("../x", "10.0.0.1", "10.0.0.2");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_BAD_ID);
	e = entry("", "10.0.0.1", "10.0.0.2");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_BAD_ID);
	e = entry("c1", "10.0.0.1", "2001:db8::2");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_BAD_PAIR);
	e = entry("c1", "10.0.0.1", "10.0.0.1");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_BAD_PAIR);
	memset(&e, 0, sizeof(e));
	snprintf(e.id, sizeof(e.id), "c1");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_BAD_PAIR);

	e = entry("c1", "10.0.0.1", "10.0.0.2");
	assert_int_equal(cap_assign_add(t, &e), 0);
	e = entry("c1", "10.0.0.1", "10.0.0.3");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_DUP_ID);
	/* The same pair the other way round is the same pair. */
	e = entry("c2", "10.0.0.2", "10.0.0.1");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_DUP_PAIR);
	e = entry("c2", "10.0.0.1", "10.0.0.3");
	assert_int_equal(cap_assign_add(t, &e), 0);
	e = entry("c3", "10.0.0.1", "10.0.0.4");
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_FULL);
	assert_int_equal(cap_assign_count(t), 2);
	cap_assign_free(t);
}

/* Past several regrowths, every entry is still found both ways. */
static void
growth_keeps_everything(void **state)
{
	struct cap_assign *t = cap_assign_new(0);
	struct cap_assign_entry e;
	struct netaddr a, b;
	char id[32], la[32], ra[32];
	uint32_t i, n = 5000;

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "c%u", i);
		snprintf(la, sizeof(la), "10.%u.%u.1", i >> 8, i & 255);
		snprintf(ra, sizeof(ra), "198.51.%u.%u", i >> 8, i & 255);
		e = entry(id, la, ra);
		assert_int_equal(cap_assign_add(t, &e), 0);
	}
	assert_int_equal(cap_assign_count(t), n);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "c%u", i);
		snprintf(la, sizeof(la), "10.%u.%u.1", i >> 8, i & 255);
		snprintf(ra, sizeof(ra), "198.51.%u.%u", i >> 8, i & 255);
		a = addr(la);
		b = addr(ra);
		assert_non_null(cap_assign_lookup(t, &b, &a));
		assert_string_equal(cap_assign_lookup(t, &a, &b)->id, id);
		assert_string_equal(cap_assign_find(t, id)->id, id);
		assert_string_equal(cap_assign_at(t, i)->id, id);
	}
	cap_assign_free(t);
}

static void
cap_at_max(void **state)
{
	struct cap_assign *t = cap_assign_new(CAP_ASSIGN_MAX + 100);
	struct cap_assign_entry e;
	char id[32];
	uint32_t i;

	(void)state;
	/* A larger max is held to CAP_ASSIGN_MAX. */
	for (i = 0; i < CAP_ASSIGN_MAX; i++) {
		snprintf(id, sizeof(id), "c%u", i);
		memset(&e, 0, sizeof(e));
		snprintf(e.id, sizeof(e.id), "%s", id);
		e.local.family = e.remote.family = NETADDR_IPV4;
		e.local.bytes[0] = 10;
		e.local.bytes[2] = (uint8_t)(i >> 8);
		e.local.bytes[3] = (uint8_t)i;
		e.remote.bytes[0] = 192;
		assert_int_equal(cap_assign_add(t, &e), 0);
	}
	snprintf(e.id, sizeof(e.id), "one-more");
	e.remote.bytes[0] = 193;
	assert_int_equal(cap_assign_add(t, &e), CAP_ASSIGN_FULL);
	cap_assign_free(t);
}

/* ---- the controller's JSON ---------------------------------------------- */

static int
source_of(void *ctx, const char *name, struct netaddr *source)
{
	int *calls = ctx;

	(*calls)++;
	if (strcmp(name, "leaf1") != 0)
		return -1;
	return netaddr_parse("192.0.2.1", source);
}

static const char controller_list[] =
    "{\"captures\":["
    "{\"id\":\"c1\",\"state\":\"active\",\"local\":\"10.1.2.3\","
    " \"remote\":\"203.0.113.9\",\"agent\":\"10.0.0.52\","
    " \"switch\":\"leaf1\",\"manual\":false,"
    " \"reason\":{\"group\":\"watch\"},\"samples\":4},"
    "{\"id\":\"c2\",\"state\":\"installing\",\"local\":\"10.1.2.4\","
    " \"remote\":\"203.0.113.9\",\"switch\":\"leaf9\"},"
    "{\"id\":\"c3\",\"state\":\"removing\",\"local\":\"2001:db8::1\","
    " \"remote\":\"2001:db8::2\",\"switch\":null},"
    "{\"id\":\"c4\",\"state\":\"pending\",\"local\":\"10.1.2.5\","
    " \"remote\":\"203.0.113.9\"},"
    "{\"id\":\"c5\",\"state\":\"done\",\"local\":\"10.1.2.3\","
    " \"remote\":\"203.0.113.9\"},"
    "{\"id\":\"c6\",\"state\":\"failed\",\"local\":\"10.1.2.6\","
    " \"remote\":\"203.0.113.9\"},"
    "{\"id\":\"c7\",\"state\":\"active\",\"local\":\"not an address\","
    " \"remote\":\"203.0.113.9\"},"
    "{\"id\":7,\"state\":\"active\",\"local\":\"10.1.2.7\","
    " \"remote\":\"203.0.113.9\"},"
    "{\"state\":\"active\",\"local\":\"10.1.2.7\","
    " \"remote\":\"203.0.113.9\"},"
    "[1,2],"
    "\"c8\","
    "{\"id\":\"c/9\",\"state\":\"active\",\"local\":\"10.1.2.8\","
    " \"remote\":\"203.0.113.9\"},"
    "{\"id\":\"c10\",\"state\":\"active\",\"local\":\"10.1.2.4\","
    " \"remote\":\"203.0.113.9\"},"
    "{\"id\":\"c11\",\"state\":\"active\",\"local\":\"10.1.2.9\","
    " \"remote\":\"2001:db8::9\"}"
    "]}";

static void
parse_controller_list(void **state)
{
	struct cap_assign *t = cap_assign_new(0);
	struct cap_assign_parse_stats st;
	const struct cap_assign_entry *e;
	struct netaddr leaf1 = addr("192.0.2.1"), other = addr("192.0.2.7");
	char err[256] = "";
	int calls = 0;

	(void)state;
	assert_int_equal(cap_assign_parse(t, controller_list,
	    strlen(controller_list), source_of, &calls, &st, err,
	    sizeof(err)), 0);
	assert_int_equal(st.captures, 14);
	assert_int_equal(st.taken, 3);		/* c1, c2, c3 */
	assert_int_equal(st.inactive, 3);	/* c4, c5, c6 */
	/* c7 (address), 7 (id type), no id, [1,2], "c8" */
	assert_int_equal(st.invalid, 5);
	/* c/9 (unsafe id), c10 (c2's pair), c11 (mixed families) */
	assert_int_equal(st.refused, 3);
	assert_int_equal(cap_assign_count(t), 3);
	assert_int_equal(calls, 2);		/* leaf1, leaf9 */

	e = cap_assign_find(t, "c1");
	assert_non_null(e);
	assert_true(cap_assign_from_switch(e, &leaf1));
	assert_false(cap_assign_from_switch(e, &other));
	/* leaf9 is unknown, c3 names none: any switch. */
	assert_true(cap_assign_from_switch(cap_assign_find(t, "c2"), &other));
	assert_true(cap_assign_from_switch(cap_assign_find(t, "c3"), &other));
	assert_null(cap_assign_find(t, "c4"));
	assert_null(cap_assign_find(t, "c5"));
	cap_assign_free(t);
}

static void
parse_without_source(void **state)
{
	struct cap_assign *t = cap_assign_new(0);
	struct cap_assign_parse_stats st;
	struct netaddr any = addr("192.0.2.7");
	char err[256];

	(void)state;
	assert_int_equal(cap_assign_parse(t, controller_list,
	    strlen(controller_list), NULL, NULL, &st, err, sizeof(err)), 0);
	assert_int_equal(st.taken, 3);
	assert_true(cap_assign_from_switch(cap_assign_find(t, "c1"), &any));
	cap_assign_free(t);
}

static void
parse_refuses_documents(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{}",
		"{\"captures\":{}}",
		"{\"captures\":null}",
		"{\"captures\":[],\"captures\":[]}",	/* duplicate */
		"{\"captures\":[",
	};
	struct cap_assign_parse_stats st;
	struct cap_assign *t;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = cap_assign_new(0);
		err[0] = '\0';
		assert_int_equal(cap_assign_parse(t, bad[i], strlen(bad[i]),
		    NULL, NULL, &st, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		cap_assign_free(t);
	}
	/* An empty list is a list: no captures. */
	t = cap_assign_new(0);
	assert_int_equal(cap_assign_parse(t, "{\"captures\":[]}", 15, NULL,
	    NULL, &st, err, sizeof(err)), 0);
	assert_int_equal(st.captures, 0);
	assert_int_equal(cap_assign_count(t), 0);
	cap_assign_free(t);
}

static void
parse_over_max(void **state)
{
	struct cap_assign *t = cap_assign_new(1);
	struct cap_assign_parse_stats st;
	char err[256];

	(void)state;
	assert_int_equal(cap_assign_parse(t, controller_list,
	    strlen(controller_list), NULL, NULL, &st, err, sizeof(err)), 0);
	assert_int_equal(st.taken, 1);
	assert_int_equal(st.refused, 5);	/* + c2 and c3: full */
	cap_assign_free(t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(lookup_either_direction),
	cmocka_unit_test(lookup_ipv6),
	cmocka_unit_test(find_by_id),
	cmocka_unit_test(switch_filter),
	cmocka_unit_test(refusals),
	cmocka_unit_test(growth_keeps_everything),
	cmocka_unit_test(cap_at_max),
	cmocka_unit_test(parse_controller_list),
	cmocka_unit_test(parse_without_source),
	cmocka_unit_test(parse_refuses_documents),
	cmocka_unit_test(parse_over_max),
};

FS_TEST_MAIN(tests)
