/*
 * test_ctl_policy.c - the trigger policy as tables of cases: which side is
 * local, when a sample matches and with which entry, and which decision
 * wins when several apply (each rule beats every rule after it).
 */
#include "fs_test.h"

#include <stdio.h>
#include <string.h>

#include "ctl_policy.h"

#define L10	"0123456789"
#define L50	L10 L10 L10 L10 L10
#define L200	L50 L50 L50 L50

/* Group index -> the names the table would report. */
enum { G_LOCAL, G_ALLOW, G_WA, G_WB, G_LONG, G_N };

static const char *const group_names[G_N] = {
	"local", "allow", "watch-a", "watch-b", "g" L200,
};
static const char *const list_names[G_N] = {
	"local_networks", "allow-list", "et-compromised", "own-list",
	"l" L200,
};

/* One bl_match, by hand. */
struct m_spec {
	enum bl_group_kind kind;
	uint32_t	group;
	const char	*prefix;
	uint8_t		plen;
	uint32_t	line;
	const char	*label;		/* NULL: the table's "" */
};

#define LOCAL4		{ BL_GROUP_LOCAL, G_LOCAL, "10.0.0.0", 8, 1, NULL }
#define LOCAL6		{ BL_GROUP_LOCAL, G_LOCAL, "2001:db8::", 32, 2, NULL }
#define ALLOW(p, l)	{ BL_GROUP_ALLOW, G_ALLOW, p, l, 3, "allowed" }
#define WA(p, l, n)	{ BL_GROUP_WATCH, G_WA, p, l, n, "botnet" }
#define WB(p, l, n)	{ BL_GROUP_WATCH, G_WB, p, l, n, "scanner" }

#define MAXM	4

struct classify_case {
	const char	*name;
	const char	*src;		/* NULL: NETADDR_NONE */
	const char	*dst;
	size_t		 ns;
	struct m_spec	 s[MAXM];
	size_t		 nd;
	struct m_spec	 d[MAXM];
	enum ctl_verdict want;
	/* With CTL_VERDICT_MATCH: */
	const char	*local;
	const char	*remote;
	int		 local_is_src;
	int		 side_is_dst;	/* the reported entry is d[entry] */
	size_t		 entry;		/* else s[entry] */
};

static const struct classify_case classify_cases[] = {
	{ "local only", "10.0.0.1", "198.51.100.7",
	    1, { LOCAL4 }, 0, { { 0 } }, CTL_VERDICT_NOT_LISTED,
	    NULL, NULL, 0, 0, 0 },
	{ "watch only", "198.51.100.7", "203.0.113.9",
	    1, { WA("198.51.100.0", 24, 5) }, 0, { { 0 } },
	    CTL_VERDICT_NOT_LOCAL, NULL, NULL, 0, 0, 0 },
	{ "no lookups at all", "192.0.2.1", "192.0.2.2",
	    0, { { 0 } }, 0, { { 0 } }, CTL_VERDICT_NOT_LOCAL,
	    NULL, NULL, 0, 0, 0 },
	{ "local to watched", "10.0.0.1", "198.51.100.7",
	    1, { LOCAL4 }, 1, { WA("198.51.100.0", 24, 5) },
	    CTL_VERDICT_MATCH, "10.0.0.1", "198.51.100.7", 1, 1, 0 },
	{ "watched to local", "198.51.100.7", "10.0.0.1",
	    1, { WA("198.51.100.0", 24, 5) }, 1, { LOCAL4 },
	    CTL_VERDICT_MATCH, "10.0.0.1", "198.51.100.7", 0, 0, 0 },
	{ "a watched local side does not make a match",
	    "10.0.0.1", "198.51.100.7",
	    2, { LOCAL4, WA("10.0.0.0", 24, 9) }, 0, { { 0 } },
	    CTL_VERDICT_NOT_LISTED, NULL, NULL, 0, 0, 0 },
	{ "both local, destination watched", "10.0.0.1", "10.0.0.66",
	    1, { LOCAL4 }, 2, { LOCAL4, WA("10.0.0.66", 32, 7) },
	    CTL_VERDICT_MATCH, "10.0.0.1", "10.0.0.66", 1, 1, 1 },
	{ "both local, source watched", "10.0.0.66", "10.0.0.1",
	    2, { LOCAL4, WA("10.0.0.66", 32, 7) }, 1, { LOCAL4 },
	    CTL_VERDICT_MATCH, "10.0.0.1", "10.0.0.66", 0, 0, 1 },
	{ "both local, both watched: the destination", "10.0.0.5", "10.0.0.6",
	    2, { LOCAL4, WA("10.0.0.5", 32, 11) },
	    2, { LOCAL4, WB("10.0.0.6", 32, 12) },
	    CTL_VERDICT_MATCH, "10.0.0.5", "10.0.0.6", 1, 1, 1 },
	{ "both local, neither watched", "10.0.0.5", "10.0.0.6",
	    1, { LOCAL4 }, 1, { LOCAL4 }, CTL_VERDICT_NOT_LISTED,
	    NULL, NULL, 0, 0, 0 },
	{ "allow on the remote side wins", "10.0.0.1", "198.51.100.7",
	    1, { LOCAL4 },
	    2, { WA("198.51.100.0", 24, 5), ALLOW("198.51.100.7", 32) },
	    CTL_VERDICT_ALLOWED, NULL, NULL, 0, 0, 0 },
	{ "allow on the local side wins", "10.0.0.1", "198.51.100.7",
	    2, { LOCAL4, ALLOW("10.0.0.0", 24) },
	    1, { WA("198.51.100.0", 24, 5) },
	    CTL_VERDICT_ALLOWED, NULL, NULL, 0, 0, 0 },
	{ "allow on the source, watched source", "198.51.100.7", "10.0.0.1",
	    2, { ALLOW("198.51.0.0", 16), WB("198.51.100.7", 32, 4) },
	    1, { LOCAL4 }, CTL_VERDICT_ALLOWED, NULL, NULL, 0, 0, 0 },
	{ "allow wins over not local", "192.0.2.1", "198.51.100.7",
	    0, { { 0 } }, 2, { WA("198.51.100.0", 24, 5),
	    ALLOW("198.51.100.0", 24) },
	    CTL_VERDICT_ALLOWED, NULL, NULL, 0, 0, 0 },
	{ "no source address", NULL, "198.51.100.7",
	    1, { LOCAL4 }, 1, { WA("198.51.100.0", 24, 5) },
	    CTL_VERDICT_NO_ADDRESS, NULL, NULL, 0, 0, 0 },
	{ "no destination address", "10.0.0.1", NULL,
	    1, { LOCAL4 }, 1, { WA("198.51.100.0", 24, 5) },
	    CTL_VERDICT_NO_ADDRESS, NULL, NULL, 0, 0, 0 },
	{ "no address beats allow", NULL, NULL,
	    1, { ALLOW("0.0.0.0", 0) }, 0, { { 0 } },
	    CTL_VERDICT_NO_ADDRESS, NULL, NULL, 0, 0, 0 },
	{ "longest prefix across groups", "10.0.0.1", "198.51.100.7",
	    1, { LOCAL4 },
	    2, { WA("198.51.0.0", 16, 21), WB("198.51.100.0", 24, 22) },
	    CTL_VERDICT_MATCH, "10.0.0.1", "198.51.100.7", 1, 1, 1 },
	{ "longest prefix, first group", "198.51.100.7", "10.0.0.1",
	    2, { WA("198.51.100.7", 32, 21), WB("198.51.100.0", 24, 22) },
	    1, { LOCAL4 },
	    CTL_VERDICT_MATCH, "10.0.0.1", "198.51.100.7", 0, 0, 0 },
	{ "a tie goes to the first group", "10.0.0.1", "198.51.100.7",
	    1, { LOCAL4 },
	    2, { WA("198.51.100.0", 24, 31), WB("198.51.100.0", 24, 32) },
	    CTL_VERDICT_MATCH, "10.0.0.1", "198.51.100.7", 1, 1, 0 },
	{ "a tie goes to group order, not array order",
	    "10.0.0.1", "198.51.100.7", 1, { LOCAL4 },
	    2, { WB("198.51.100.0", 24, 32), WA("198.51.100.0", 24, 31) },
	    CTL_VERDICT_MATCH, "10.0.0.1", "198.51.100.7", 1, 1, 1 },
	{ "long names and labels are cut", "10.0.0.1", "198.51.100.7",
	    1, { LOCAL4 },
	    1, { { BL_GROUP_WATCH, G_LONG, "198.51.100.0", 24, 77,
	    "x" L200 } },
	    CTL_VERDICT_MATCH, "10.0.0.1", "198.51.100.7", 1, 1, 0 },
	{ "no label", "10.0.0.1", "198.51.100.7",
	    1, { LOCAL4 },
	    1, { { BL_GROUP_WATCH, G_WA, "198.51.100.0", 24, 78, NULL } },
	    CTL_VERDICT_MATCH, "10.0.0.1", "198.51.100.7", 1, 1, 0 },
	{ "IPv6 both local, source watched", "2001:db8:bad::1", "2001:db8::1",
	    2, { LOCAL6, WA("2001:db8:bad::", 48, 40) }, 1, { LOCAL6 },
	    CTL_VERDICT_MATCH, "2001:db8::1", "2001:db8:bad::1", 0, 0, 1 },
	{ "IPv6 local to watched", "2001:db8::1", "2a00:bad::99",
	    1, { LOCAL6 }, 1, { WB("2a00:bad::", 32, 41) },
	    CTL_VERDICT_MATCH, "2001:db8::1", "2a00:bad::99", 1, 1, 0 },
	{ "IPv6 watched to local", "2a00:bad::99", "2001:db8::1",
	    2, { WA("2a00:bad::", 32, 42), WB("2a00:bad::", 64, 43) },
	    1, { LOCAL6 },
	    CTL_VERDICT_MATCH, "2001:db8::1", "2a00:bad::99", 0, 0, 1 },
	{ "IPv6 not listed", "2001:db8::1", "2a00:bad::99",
	    1, { LOCAL6 }, 0, { { 0 } }, CTL_VERDICT_NOT_LISTED,
	    NULL, NULL, 0, 0, 0 },
};

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	memset(&a, 0, sizeof(a));
	if (s != NULL && netaddr_parse(s, &a) != 0)
		fail_msg("bad address in a case: %s", s);
	return a;
}

static void
build(const struct m_spec *spec, size_t n, struct bl_match *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].group = spec[i].group;
		out[i].kind = spec[i].kind;
		out[i].group_name = group_names[spec[i].group];
		out[i].list = list_names[spec[i].group];
		out[i].label = spec[i].label != NULL ? spec[i].label : "";
		out[i].prefix = addr(spec[i].prefix);
		out[i].plen = spec[i].plen;
		out[i].line = spec[i].line;
	}
}

/* got is want cut to size - 1 bytes. */
static void
check_cut(const char *what, const char *c, const char *got,
    const char *want, size_t size)
{
	size_t n = strlen(want) < size - 1 ? strlen(want) : size - 1;

	if (strlen(got) != n || strncmp(got, want, n) != 0)
		fail_msg("%s: %s \"%s\", want \"%.*s\"", c, what, got, (int)n,
		    want);
}

static void
check_match(const struct classify_case *c, const struct netaddr *agent,
    const struct ctl_match *got)
{
	const struct m_spec *e = c->side_is_dst ? &c->d[c->entry] :
	    &c->s[c->entry];
	struct netaddr want;

	want = addr(c->local);
	if (netaddr_compare(&got->local, &want) != 0)
		fail_msg("%s: wrong local side", c->name);
	want = addr(c->remote);
	if (netaddr_compare(&got->remote, &want) != 0)
		fail_msg("%s: wrong remote side", c->name);
	if (netaddr_compare(&got->agent, agent) != 0)
		fail_msg("%s: agent not copied", c->name);
	if (got->local_is_src != c->local_is_src)
		fail_msg("%s: local_is_src %u", c->name, got->local_is_src);
	want = addr(e->prefix);
	if (netaddr_compare(&got->prefix, &want) != 0 || got->plen != e->plen)
		fail_msg("%s: wrong prefix (plen %u)", c->name, got->plen);
	if (got->line != e->line)
		fail_msg("%s: line %u, want %u", c->name, got->line, e->line);
	check_cut("group", c->name, got->group, group_names[e->group],
	    CTL_NAME_MAX);
	check_cut("list", c->name, got->list, list_names[e->group],
	    CTL_NAME_MAX);
	check_cut("label", c->name, got->label,
	    e->label != NULL ? e->label : "", CTL_LABEL_MAX);
}

static void
test_classify_table(void **state)
{
	struct bl_match sm[MAXM], dm[MAXM];
	struct ctl_match out, untouched;
	struct netaddr agent = addr("192.0.2.254"), src, dst;
	enum ctl_verdict v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]);
	    i++) {
		const struct classify_case *c = &classify_cases[i];

		build(c->s, c->ns, sm);
		build(c->d, c->nd, dm);
		src = addr(c->src);
		dst = addr(c->dst);
		memset(&out, 0xa5, sizeof(out));
		memcpy(&untouched, &out, sizeof(out));
		v = ctl_policy_classify(&agent, &src, &dst, sm, c->ns, dm,
		    c->nd, &out);
		if (v != c->want)
			fail_msg("%s: verdict %s, want %s", c->name,
			    ctl_verdict_name(v), ctl_verdict_name(c->want));
		if (v == CTL_VERDICT_MATCH)
			check_match(c, &agent, &out);
		else if (memcmp(&out, &untouched, sizeof(out)) != 0)
			fail_msg("%s: out written without a match", c->name);
	}
}

/* Both directions of a pair give the same (local, remote). */
static void
test_classify_both_directions_one_pair(void **state)
{
	static const struct m_spec l[] = { LOCAL4 };
	static const struct m_spec w[] = { WA("198.51.100.0", 24, 5) };
	struct bl_match lm[1], wm[1];
	struct netaddr a = addr("10.0.0.1"), b = addr("198.51.100.7");
	struct ctl_match ab, ba;

	(void)state;
	build(l, 1, lm);
	build(w, 1, wm);
	assert_int_equal(ctl_policy_classify(NULL, &a, &b, lm, 1, wm, 1, &ab),
	    CTL_VERDICT_MATCH);
	assert_int_equal(ctl_policy_classify(NULL, &b, &a, wm, 1, lm, 1, &ba),
	    CTL_VERDICT_MATCH);
	assert_memory_equal(&ab.local, &ba.local, sizeof(ab.local));
	assert_memory_equal(&ab.remote, &ba.remote, sizeof(ab.remote));
	assert_int_equal(ab.local_is_src, 1);
	assert_int_equal(ba.local_is_src, 0);
	/* No agent given: a zero address. */
	assert_int_equal(ab.agent.family, NETADDR_NONE);
}

/* Missing inputs are answers, not crashes. */
static void
test_classify_null_inputs(void **state)
{
	static const struct m_spec l[] = { LOCAL4 };
	static const struct m_spec w[] = { WA("198.51.100.0", 24, 5) };
	struct bl_match lm[1], wm[1];
	struct netaddr a = addr("10.0.0.1"), b = addr("198.51.100.7");

	(void)state;
	build(l, 1, lm);
	build(w, 1, wm);
	/* Only the verdict wanted. */
	assert_int_equal(ctl_policy_classify(NULL, &a, &b, lm, 1, wm, 1, NULL),
	    CTL_VERDICT_MATCH);
	assert_int_equal(ctl_policy_classify(NULL, NULL, &b, lm, 1, wm, 1,
	    NULL), CTL_VERDICT_NO_ADDRESS);
	assert_int_equal(ctl_policy_classify(NULL, &a, NULL, lm, 1, wm, 1,
	    NULL), CTL_VERDICT_NO_ADDRESS);
	/* A NULL array is no matches, whatever the count says. */
	assert_int_equal(ctl_policy_classify(NULL, &a, &b, NULL, 3, wm, 1,
	    NULL), CTL_VERDICT_NOT_LOCAL);
	assert_int_equal(ctl_policy_classify(NULL, &a, &b, lm, 1, NULL, 3,
	    NULL), CTL_VERDICT_NOT_LISTED);
}

/* ---- decisions ---------------------------------------------------------- */

#define NOW	100000
#define AUTO	{ CTL_MODE_AUTO, 4, 2, 0 }
#define AUTO_F	{ CTL_MODE_AUTO, 4, 2, 1000 }
#define MANUAL	{ CTL_MODE_MANUAL, 4, 2, 0 }

struct decide_case {
	const char	*name;
	struct ctl_policy p;
	struct ctl_policy_facts f;	/* now, covered, cooldown, samples,
					   frames, active, sw_active, sw_max */
	enum ctl_decision want;		/* ctl_policy_decide */
	enum ctl_decision want_approve;	/* ctl_policy_approve */
};

static const struct decide_case decide_cases[] = {
	{ "all clear", AUTO, { NOW, 0, 0, 2, 0, 0, 0, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "covered beats everything", MANUAL,
	    { NOW, 1, NOW + 1, 0, 0, 4, 2, 2 },
	    CTL_DECIDE_COVERED, CTL_DECIDE_GLOBAL_BUDGET },
	{ "covered, else fine", AUTO, { NOW, 1, 0, 5, 0, 0, 0, 0 },
	    CTL_DECIDE_COVERED, CTL_DECIDE_START },
	{ "cooldown beats threshold, mode and budgets", MANUAL,
	    { NOW, 0, NOW + 1, 0, 0, 4, 2, 2 },
	    CTL_DECIDE_COOLDOWN, CTL_DECIDE_GLOBAL_BUDGET },
	{ "cooldown beats switch budget", AUTO,
	    { NOW, 0, NOW + 60000, 9, 0, 0, 2, 2 },
	    CTL_DECIDE_COOLDOWN, CTL_DECIDE_SWITCH_BUDGET },
	{ "cooldown ends at its time", AUTO, { NOW, 0, NOW, 2, 0, 0, 0, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "cooldown over", AUTO, { NOW, 0, NOW - 1, 2, 0, 0, 0, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "no cooldown at time 0", AUTO, { -5, 0, 0, 2, 0, 0, 0, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "too few samples beats mode and budgets", MANUAL,
	    { NOW, 0, 0, 1, 0, 4, 2, 2 },
	    CTL_DECIDE_BELOW_THRESHOLD, CTL_DECIDE_GLOBAL_BUDGET },
	{ "too few samples, auto", AUTO, { NOW, 0, 0, 1, 0, 0, 0, 0 },
	    CTL_DECIDE_BELOW_THRESHOLD, CTL_DECIDE_START },
	{ "samples reach the threshold", AUTO, { NOW, 0, 0, 2, 0, 0, 0, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "too few frames", AUTO_F, { NOW, 0, 0, 50, 999, 0, 0, 0 },
	    CTL_DECIDE_BELOW_THRESHOLD, CTL_DECIDE_START },
	{ "too few frames beats budgets", AUTO_F,
	    { NOW, 0, 0, 50, 999, 4, 2, 2 },
	    CTL_DECIDE_BELOW_THRESHOLD, CTL_DECIDE_GLOBAL_BUDGET },
	{ "frames reach the threshold", AUTO_F,
	    { NOW, 0, 0, 2, 1000, 0, 0, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "frames without enough samples", AUTO_F,
	    { NOW, 0, 0, 1, 1000000, 0, 0, 0 },
	    CTL_DECIDE_BELOW_THRESHOLD, CTL_DECIDE_START },
	{ "no frames threshold", AUTO, { NOW, 0, 0, 2, 0, 0, 0, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "manual waits", MANUAL, { NOW, 0, 0, 2, 0, 0, 0, 0 },
	    CTL_DECIDE_PENDING, CTL_DECIDE_START },
	{ "manual beats the global budget", MANUAL,
	    { NOW, 0, 0, 2, 0, 4, 0, 0 },
	    CTL_DECIDE_PENDING, CTL_DECIDE_GLOBAL_BUDGET },
	{ "manual beats the switch budget", MANUAL,
	    { NOW, 0, 0, 2, 0, 0, 3, 3 },
	    CTL_DECIDE_PENDING, CTL_DECIDE_SWITCH_BUDGET },
	{ "global budget full", AUTO, { NOW, 0, 0, 2, 0, 4, 0, 0 },
	    CTL_DECIDE_GLOBAL_BUDGET, CTL_DECIDE_GLOBAL_BUDGET },
	{ "global budget over (smaller after reload)", AUTO,
	    { NOW, 0, 0, 2, 0, 7, 0, 0 },
	    CTL_DECIDE_GLOBAL_BUDGET, CTL_DECIDE_GLOBAL_BUDGET },
	{ "global beats switch budget", AUTO, { NOW, 0, 0, 2, 0, 4, 2, 2 },
	    CTL_DECIDE_GLOBAL_BUDGET, CTL_DECIDE_GLOBAL_BUDGET },
	{ "global budget one left", AUTO, { NOW, 0, 0, 2, 0, 3, 0, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "switch budget full", AUTO, { NOW, 0, 0, 2, 0, 2, 2, 2 },
	    CTL_DECIDE_SWITCH_BUDGET, CTL_DECIDE_SWITCH_BUDGET },
	{ "switch budget one left", AUTO, { NOW, 0, 0, 2, 0, 2, 1, 2 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "no switch known: no switch budget", AUTO,
	    { NOW, 0, 0, 2, 0, 0, 100, 0 },
	    CTL_DECIDE_START, CTL_DECIDE_START },
	{ "approve ignores covered, cooldown and threshold", MANUAL,
	    { NOW, 1, NOW + 1, 0, 0, 0, 0, 1 },
	    CTL_DECIDE_COVERED, CTL_DECIDE_START },
};

static void
test_decide_table(void **state)
{
	enum ctl_decision d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		const struct decide_case *c = &decide_cases[i];

		d = ctl_policy_decide(&c->p, &c->f);
		if (d != c->want)
			fail_msg("%s: decide %s, want %s", c->name,
			    ctl_decision_name(d), ctl_decision_name(c->want));
	}
}

static void
test_approve_table(void **state)
{
	enum ctl_decision d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		const struct decide_case *c = &decide_cases[i];

		d = ctl_policy_approve(&c->p, &c->f);
		if (d != c->want_approve)
			fail_msg("%s: approve %s, want %s", c->name,
			    ctl_decision_name(d),
			    ctl_decision_name(c->want_approve));
	}
}

/* The tables above reach every decision at least once. */
static void
test_decide_table_covers_every_decision(void **state)
{
	int seen[CTL_DECISIONS] = { 0 };
	size_t i;
	int d;

	(void)state;
	for (i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		seen[decide_cases[i].want]++;
		seen[decide_cases[i].want_approve]++;
	}
	for (d = 0; d < CTL_DECISIONS; d++)
		if (seen[d] == 0)
			fail_msg("no case for %s", ctl_decision_name(d));
}

/* ---- names -------------------------------------------------------------- */

static void
check_names(const char *(*name)(int), int n, const char *const *want)
{
	int i, j;

	for (i = 0; i < n; i++) {
		assert_non_null(name(i));
		assert_string_equal(name(i), want[i]);
		for (j = 0; j < i; j++)
			if (strcmp(name(i), name(j)) == 0)
				fail_msg("%d and %d share \"%s\"", i, j,
				    name(i));
	}
	/* Out of range: still a string to print. */
	assert_non_null(name(n));
	assert_non_null(name(-1));
	for (i = 0; i < n; i++)
		assert_string_not_equal(name(n), name(i));
}

static const char *
verdict_name(int v)
{
	return ctl_verdict_name((enum ctl_verdict)v);
}

static const char *
decision_name(int d)
{
	return ctl_decision_name((enum ctl_decision)d);
}

static void
test_verdict_names(void **state)
{
	static const char *const want[CTL_VERDICTS] = {
		"match", "no_address", "not_local", "not_listed", "allowed",
	};

	(void)state;
	check_names(verdict_name, CTL_VERDICTS, want);
}

static void
test_decision_names(void **state)
{
	static const char *const want[CTL_DECISIONS] = {
		"start", "pending", "covered", "cooldown", "below_threshold",
		"global_budget", "switch_budget",
	};

	(void)state;
	check_names(decision_name, CTL_DECISIONS, want);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_classify_table),
	cmocka_unit_test(test_classify_both_directions_one_pair),
	cmocka_unit_test(test_classify_null_inputs),
	cmocka_unit_test(test_decide_table),
	cmocka_unit_test(test_approve_table),
	cmocka_unit_test(test_decide_table_covers_every_decision),
	cmocka_unit_test(test_verdict_names),
	cmocka_unit_test(test_decision_names),
};

FS_TEST_MAIN(tests)
