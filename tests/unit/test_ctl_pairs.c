/*
 * test_ctl_pairs.c - the bounded pair memory behind thresholds and
 * cooldowns: one pair per (local, remote) whatever the direction, the
 * fixed window, LRU eviction that spares running cooldowns, and a flood
 * of random pairs into a small table.
 */
#include "fs_test.h"

#include <stdio.h>
#include <string.h>

#include "ctl_policy.h"

#define WINDOW_S	60

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

/* The n-th test pair: 10.x.y.z local, 198.51.x.y remote. */
static struct netaddr
local_n(uint32_t n)
{
	struct netaddr a;

	memset(&a, 0, sizeof(a));
	a.family = NETADDR_IPV4;
	a.bytes[0] = 10;
	a.bytes[1] = (uint8_t)(n >> 16);
	a.bytes[2] = (uint8_t)(n >> 8);
	a.bytes[3] = (uint8_t)n;
	return a;
}

static struct ctl_match
match_of(struct netaddr local, struct netaddr remote, const char *label)
{
	struct ctl_match m;

	memset(&m, 0, sizeof(m));
	m.local = local;
	m.remote = remote;
	m.agent = addr("192.0.2.254");
	m.prefix = remote;
	m.plen = remote.family == NETADDR_IPV4 ? 32 : 128;
	m.local_is_src = 1;
	m.line = 7;
	snprintf(m.group, sizeof(m.group), "watch");
	snprintf(m.list, sizeof(m.list), "et-compromised");
	snprintf(m.label, sizeof(m.label), "%s", label);
	return m;
}

static struct ctl_match
match_n(uint32_t n)
{
	return match_of(local_n(n), addr("198.51.100.7"), "n");
}

static struct flow_key
key_of(uint16_t sport)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.proto = 6;
	k.sport = sport;
	k.dport = 443;
	k.flags = FLOW_KEY_PORTS;
	return k;
}

static struct ctl_pairs *
new_pairs(size_t max)
{
	struct ctl_pairs *t = ctl_pairs_new(max);

	assert_non_null(t);
	return t;
}

static struct ctl_pairs_stats
stats_of(const struct ctl_pairs *t)
{
	struct ctl_pairs_stats st;

	ctl_pairs_stats(t, &st);
	return st;
}

static void
test_new_limits(void **state)
{
	struct ctl_pairs *t;
	struct ctl_pairs_stats st;

	(void)state;
	assert_null(ctl_pairs_new(0));
	assert_null(ctl_pairs_new((size_t)1 << 40));
	t = new_pairs(4);
	st = stats_of(t);
	assert_int_equal(st.pairs, 0);
	assert_int_equal(st.max_pairs, 4);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.evicted_cooling, 0);
	ctl_pairs_free(t);
	ctl_pairs_free(NULL);
}

static void
test_note_creates_pair(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match m = match_of(addr("10.0.0.1"), addr("198.51.100.7"),
	    "first");
	struct flow_key k = key_of(1234);
	struct netaddr l = addr("10.0.0.1"), r = addr("198.51.100.7");
	struct ctl_pair *p;

	(void)state;
	assert_null(ctl_pairs_find(t, &l, &r));
	p = ctl_pairs_note(t, &m, &k, 512, WINDOW_S, 1000);
	assert_non_null(p);
	assert_memory_equal(&p->local, &l, sizeof(l));
	assert_memory_equal(&p->remote, &r, sizeof(r));
	assert_int_equal(p->last_decision, -1);
	assert_int_equal(p->window_start_ms, 1000);
	assert_int_equal(p->first_ms, 1000);
	assert_int_equal(p->window_samples, 1);
	assert_int_equal(p->window_frames, 512);
	assert_int_equal(p->matches, 1);
	assert_int_equal(p->cooldown_until_ms, 0);
	assert_memory_equal(&p->first, &m, sizeof(m));
	assert_memory_equal(&p->first_key, &k, sizeof(k));
	assert_ptr_equal(ctl_pairs_find(t, &l, &r), p);
	/* The caller keeps its decision in the pair. */
	p->last_decision = CTL_DECIDE_BELOW_THRESHOLD;
	assert_int_equal(ctl_pairs_find(t, &l, &r)->last_decision,
	    CTL_DECIDE_BELOW_THRESHOLD);
	/* Neither swapped sides nor another remote are the same pair. */
	assert_null(ctl_pairs_find(t, &r, &l));
	r = addr("198.51.100.8");
	assert_null(ctl_pairs_find(t, &l, &r));
	assert_int_equal(stats_of(t).pairs, 1);
	ctl_pairs_free(t);
}

static void
test_no_flow_key(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match m = match_n(1);
	struct flow_key zero;
	struct ctl_pair *p;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	p = ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 5);
	assert_memory_equal(&p->first_key, &zero, sizeof(zero));
	ctl_pairs_free(t);
}

/* A sample each way: one pair, two samples, the first one kept. */
static void
test_both_directions_one_pair(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match out = match_of(addr("10.0.0.1"),
	    addr("198.51.100.7"), "out");
	struct ctl_match in = out;
	struct flow_key ko = key_of(1), ki = key_of(2);
	struct ctl_pair *p, *q;

	(void)state;
	in.local_is_src = 0;
	snprintf(in.label, sizeof(in.label), "in");
	p = ctl_pairs_note(t, &out, &ko, 10, WINDOW_S, 1000);
	q = ctl_pairs_note(t, &in, &ki, 20, WINDOW_S, 2000);
	assert_ptr_equal(p, q);
	assert_int_equal(q->window_samples, 2);
	assert_int_equal(q->window_frames, 30);
	assert_int_equal(q->matches, 2);
	assert_int_equal(q->first.local_is_src, 1);
	assert_string_equal(q->first.label, "out");
	assert_int_equal(q->first_key.sport, 1);
	assert_int_equal(q->first_ms, 1000);
	assert_int_equal(stats_of(t).pairs, 1);
	ctl_pairs_free(t);
}

/* Bytes an address's family does not use do not make another pair. */
static void
test_canonical_addresses(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match m = match_n(1);
	struct netaddr l = local_n(1), r = addr("198.51.100.7"), mapped;
	struct ctl_pair *p;

	(void)state;
	memset(m.local.bytes + 4, 0xee, 12);
	m.remote.bytes[15] = 0x42;
	p = ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1);
	assert_ptr_equal(ctl_pairs_find(t, &l, &r), p);
	assert_memory_equal(&p->local, &l, sizeof(l));
	assert_ptr_equal(ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 2), p);
	assert_int_equal(p->window_samples, 2);
	/* The same bytes as IPv4-mapped IPv6 are another address. */
	mapped = addr("::ffff:10.0.0.1");
	assert_null(ctl_pairs_find(t, &mapped, &r));
	assert_int_equal(stats_of(t).pairs, 1);
	ctl_pairs_free(t);
}

/* Samples and frames add up within the window; at its end it restarts. */
static void
test_window(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match a = match_n(1), b = match_n(1);
	struct flow_key ka = key_of(1), kb = key_of(2);
	struct ctl_pair *p;

	(void)state;
	snprintf(b.label, sizeof(b.label), "later");
	p = ctl_pairs_note(t, &a, &ka, 100, WINDOW_S, 10000);
	p = ctl_pairs_note(t, &a, &ka, 200, WINDOW_S, 20000);
	p = ctl_pairs_note(t, &b, &kb, 300, WINDOW_S, 10000 + 59999);
	assert_int_equal(p->window_samples, 3);
	assert_int_equal(p->window_frames, 600);
	assert_int_equal(p->window_start_ms, 10000);
	assert_string_equal(p->first.label, "n");
	/* window_s after its start: a new window, this sample first. */
	p = ctl_pairs_note(t, &b, &kb, 50, WINDOW_S, 10000 + 60000);
	assert_int_equal(p->window_samples, 1);
	assert_int_equal(p->window_frames, 50);
	assert_int_equal(p->window_start_ms, 70000);
	assert_int_equal(p->first_ms, 70000);
	assert_string_equal(p->first.label, "later");
	assert_int_equal(p->first_key.sport, 2);
	assert_int_equal(p->matches, 4);
	/* A clock stepped back restarts the window too. */
	p = ctl_pairs_note(t, &a, &ka, 7, WINDOW_S, 5000);
	assert_int_equal(p->window_samples, 1);
	assert_int_equal(p->window_start_ms, 5000);
	assert_string_equal(p->first.label, "n");
	assert_int_equal(p->matches, 5);
	ctl_pairs_free(t);
}

/* A window of 0 s holds one sample; frames never wrap around. */
static void
test_window_edges(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match a = match_n(1), b = match_n(2);
	struct ctl_pair *p;

	(void)state;
	ctl_pairs_note(t, &a, NULL, 5, 0, 100);
	p = ctl_pairs_note(t, &a, NULL, 5, 0, 100);
	assert_int_equal(p->window_samples, 1);
	assert_int_equal(p->matches, 2);
	ctl_pairs_note(t, &b, NULL, UINT64_MAX - 1, WINDOW_S, 100);
	p = ctl_pairs_note(t, &b, NULL, 5, WINDOW_S, 101);
	assert_true(p->window_frames == UINT64_MAX);
	assert_int_equal(p->window_samples, 2);
	ctl_pairs_free(t);
}

/* The least recently matched pair goes first. */
static void
test_lru_eviction(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match m;
	struct netaddr r = addr("198.51.100.7"), l;
	struct ctl_pairs_stats st;
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		m = match_n(i);
		ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1000 + i);
	}
	m = match_n(0);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1010);	/* 1 is oldest */
	m = match_n(4);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1011);
	l = local_n(1);
	assert_null(ctl_pairs_find(t, &l, &r));
	for (i = 0; i < 5; i++) {
		if (i == 1)
			continue;
		l = local_n(i);
		assert_non_null(ctl_pairs_find(t, &l, &r));
	}
	st = stats_of(t);
	assert_int_equal(st.pairs, 4);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.evicted_cooling, 0);
	/* find is no use: 2 is the oldest now, looked up or not. */
	l = local_n(2);
	assert_non_null(ctl_pairs_find(t, &l, &r));
	m = match_n(5);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1012);
	assert_null(ctl_pairs_find(t, &l, &r));
	/* An evicted pair comes back as new. */
	m = match_n(1);
	assert_int_equal(ctl_pairs_note(t, &m, NULL, 1, WINDOW_S,
	    1013)->matches, 1);
	assert_int_equal(stats_of(t).evicted, 3);
	ctl_pairs_free(t);
}

/* A one-pair table replaces its pair each time. */
static void
test_single_slot(void **state)
{
	struct ctl_pairs *t = new_pairs(1);
	struct ctl_match m;
	struct netaddr r = addr("198.51.100.7"), l;
	uint32_t i;

	(void)state;
	for (i = 0; i < 10; i++) {
		m = match_n(i);
		assert_int_equal(ctl_pairs_note(t, &m, NULL, 1, WINDOW_S,
		    i)->matches, 1);
	}
	l = local_n(9);
	assert_non_null(ctl_pairs_find(t, &l, &r));
	l = local_n(8);
	assert_null(ctl_pairs_find(t, &l, &r));
	assert_int_equal(stats_of(t).pairs, 1);
	assert_int_equal(stats_of(t).evicted, 9);
	ctl_pairs_free(t);
}

/* The oldest pair is cooling down: the next oldest goes instead. */
static void
test_eviction_spares_cooldown(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match m;
	struct netaddr r = addr("198.51.100.7"), l;
	struct ctl_pairs_stats st;
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		m = match_n(i);
		ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1000 + i);
	}
	/* Pairs 1..3 are matched again after 0 got its cooldown. */
	l = local_n(0);
	ctl_pairs_cooldown(t, &l, &r, 50000);
	for (i = 1; i < 4; i++) {
		m = match_n(i);
		ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 2000 + i);
	}
	m = match_n(4);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 3000);
	assert_non_null(ctl_pairs_find(t, &l, &r));
	assert_int_equal(ctl_pairs_find(t, &l, &r)->cooldown_until_ms, 50000);
	l = local_n(1);
	assert_null(ctl_pairs_find(t, &l, &r));
	st = stats_of(t);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.evicted_cooling, 0);
	ctl_pairs_free(t);
}

/* A cooldown that ended is no reason to keep a pair. */
static void
test_eviction_cooldown_over(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match m;
	struct netaddr r = addr("198.51.100.7"), l = local_n(0);
	uint32_t i;

	(void)state;
	ctl_pairs_cooldown(t, &l, &r, 3000);
	for (i = 1; i < 4; i++) {
		m = match_n(i);
		ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 2000 + i);
	}
	m = match_n(4);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 3000);	/* until == now */
	assert_null(ctl_pairs_find(t, &l, &r));
	assert_int_equal(stats_of(t).evicted, 1);
	assert_int_equal(stats_of(t).evicted_cooling, 0);
	ctl_pairs_free(t);
}

/* All cooling: the oldest goes anyway, and that is counted. */
static void
test_eviction_all_cooling(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct ctl_match m;
	struct netaddr r = addr("198.51.100.7"), l;
	struct ctl_pairs_stats st;
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		m = match_n(i);
		ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1000 + i);
		l = local_n(i);
		ctl_pairs_cooldown(t, &l, &r, 100000);
	}
	m = match_n(4);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 2000);
	l = local_n(0);
	assert_null(ctl_pairs_find(t, &l, &r));
	for (i = 1; i < 5; i++) {
		l = local_n(i);
		assert_non_null(ctl_pairs_find(t, &l, &r));
	}
	st = stats_of(t);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.evicted_cooling, 1);
	ctl_pairs_free(t);
}

/* The look for a pair without a cooldown goes past several cooling ones. */
static void
test_eviction_looks_past_cooling(void **state)
{
	struct ctl_pairs *t = new_pairs(16);
	struct ctl_match m;
	struct netaddr r = addr("198.51.100.7"), l;
	uint32_t i;

	(void)state;
	for (i = 0; i < 7; i++) {
		l = local_n(i);
		ctl_pairs_cooldown(t, &l, &r, 100000);
	}
	for (i = 7; i < 16; i++) {
		m = match_n(i);
		ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1000 + i);
	}
	m = match_n(16);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 2000);
	l = local_n(7);
	assert_null(ctl_pairs_find(t, &l, &r));
	for (i = 0; i < 7; i++) {
		l = local_n(i);
		assert_non_null(ctl_pairs_find(t, &l, &r));
	}
	assert_int_equal(stats_of(t).evicted, 1);
	assert_int_equal(stats_of(t).evicted_cooling, 0);
	ctl_pairs_free(t);
}

/* A cooldown for an unknown pair makes one; its first sample opens a
 * window even before window_s have passed since time 0. */
static void
test_cooldown_creates_pair(void **state)
{
	struct ctl_pairs *t = new_pairs(4);
	struct netaddr l = addr("10.0.0.1"), r = addr("198.51.100.7");
	struct ctl_match m = match_of(l, r, "after");
	struct ctl_match zero;
	struct ctl_pair *p;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	ctl_pairs_cooldown(t, &l, &r, 9000);
	p = ctl_pairs_find(t, &l, &r);
	assert_non_null(p);
	assert_int_equal(p->cooldown_until_ms, 9000);
	assert_int_equal(p->window_samples, 0);
	assert_int_equal(p->matches, 0);
	assert_int_equal(p->last_decision, -1);
	assert_memory_equal(&p->first, &zero, sizeof(zero));
	assert_memory_equal(&p->local, &l, sizeof(l));
	assert_int_equal(stats_of(t).pairs, 1);

	p = ctl_pairs_note(t, &m, NULL, 3, WINDOW_S, 1000);
	assert_int_equal(p->cooldown_until_ms, 9000);
	assert_int_equal(p->window_samples, 1);
	assert_int_equal(p->window_frames, 3);
	assert_int_equal(p->window_start_ms, 1000);
	assert_string_equal(p->first.label, "after");
	assert_int_equal(p->matches, 1);

	/* Another cooldown replaces the time, keeps the counts. */
	ctl_pairs_cooldown(t, &l, &r, 20000);
	assert_int_equal(p->cooldown_until_ms, 20000);
	assert_int_equal(p->window_samples, 1);
	assert_int_equal(stats_of(t).pairs, 1);
	ctl_pairs_free(t);
}

/* A cooldown counts as recent use for eviction. */
static void
test_cooldown_refreshes_lru(void **state)
{
	struct ctl_pairs *t = new_pairs(2);
	struct ctl_match m;
	struct netaddr r = addr("198.51.100.7"), l;

	(void)state;
	m = match_n(0);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1000);
	m = match_n(1);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 1001);
	l = local_n(0);
	ctl_pairs_cooldown(t, &l, &r, 1002);	/* over by the next note */
	m = match_n(2);
	ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, 5000);
	assert_non_null(ctl_pairs_find(t, &l, &r));
	l = local_n(1);
	assert_null(ctl_pairs_find(t, &l, &r));
	ctl_pairs_free(t);
}

/* IPv6 pairs live beside IPv4 ones. */
static void
test_ipv6_pairs(void **state)
{
	struct ctl_pairs *t = new_pairs(8);
	struct netaddr l6 = addr("2001:db8::1"), r6 = addr("2a00:bad::99");
	struct netaddr r6b = addr("2a00:bad::98");
	struct ctl_match m6 = match_of(l6, r6, "v6");
	struct ctl_match m6b = match_of(l6, r6b, "v6b");
	struct ctl_match m4 = match_n(1);

	(void)state;
	ctl_pairs_note(t, &m6, NULL, 1, WINDOW_S, 1);
	ctl_pairs_note(t, &m6b, NULL, 1, WINDOW_S, 1);
	ctl_pairs_note(t, &m4, NULL, 1, WINDOW_S, 1);
	assert_string_equal(ctl_pairs_find(t, &l6, &r6)->first.label, "v6");
	assert_string_equal(ctl_pairs_find(t, &l6, &r6b)->first.label, "v6b");
	assert_int_equal(stats_of(t).pairs, 3);
	ctl_pairs_free(t);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * 100000 samples of random pairs (IPv4 and IPv6, with repeats and
 * cooldowns) into 1000 pairs: the counts always add up; then 1000 new
 * pairs after every cooldown ended replace everything that was there.
 */
static void
test_stress_random(void **state)
{
	struct ctl_pairs *t = new_pairs(1000);
	struct ctl_pairs_stats st;
	struct ctl_match m;
	struct ctl_pair *p;
	uint64_t seed = 0x9e3779b97f4a7c15ull, x, created = 0;
	int64_t now = 1000000;
	uint32_t i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		x = xorshift(&seed);
		memset(&m, 0, sizeof(m));
		m.local = local_n((uint32_t)(x & 0xf));
		m.remote.family = (x >> 8) & 1 ? NETADDR_IPV6 : NETADDR_IPV4;
		/* 8192 pairs: many come back while still in the table. */
		m.remote.bytes[0] = 198;
		m.remote.bytes[2] = (uint8_t)((x >> 16) & 0x3f);
		m.remote.bytes[3] = (uint8_t)((x >> 24) & 0x3);
		if (m.remote.family == NETADDR_IPV6)
			m.remote.bytes[15] = 1;
		now += (int64_t)((x >> 40) & 0xff);
		if (ctl_pairs_find(t, &m.local, &m.remote) == NULL)
			created++;
		p = ctl_pairs_note(t, &m, NULL, x >> 56, WINDOW_S, now);
		assert_non_null(p);
		assert_memory_equal(&p->remote, &m.remote, sizeof(m.remote));
		assert_ptr_equal(ctl_pairs_find(t, &m.local, &m.remote), p);
		if (x % 13 == 0)
			ctl_pairs_cooldown(t, &m.local, &m.remote,
			    now + (int64_t)((x >> 32) & 0xfffff));
		st = stats_of(t);
		assert_true(st.pairs <= 1000);
		assert_true(created - st.evicted == st.pairs);
		assert_true(st.evicted_cooling <= st.evicted);
	}
	st = stats_of(t);
	assert_int_equal(st.pairs, 1000);
	assert_true(st.evicted > 10000);
	assert_true(st.evicted_cooling < st.evicted);

	now += 0x100000;	/* past every cooldown */
	for (i = 0; i < 1000; i++) {
		m = match_of(local_n(100000 + i), addr("203.0.113.1"), "new");
		ctl_pairs_note(t, &m, NULL, 1, WINDOW_S, now + i);
	}
	for (i = 0; i < 1000; i++) {
		m = match_of(local_n(100000 + i), addr("203.0.113.1"), "new");
		assert_non_null(ctl_pairs_find(t, &m.local, &m.remote));
	}
	st = stats_of(t);
	assert_int_equal(st.pairs, 1000);
	assert_true(created + 1000 - st.evicted == 1000);
	ctl_pairs_free(t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_new_limits),
	cmocka_unit_test(test_note_creates_pair),
	cmocka_unit_test(test_no_flow_key),
	cmocka_unit_test(test_both_directions_one_pair),
	cmocka_unit_test(test_canonical_addresses),
	cmocka_unit_test(test_window),
	cmocka_unit_test(test_window_edges),
	cmocka_unit_test(test_lru_eviction),
	cmocka_unit_test(test_single_slot),
	cmocka_unit_test(test_eviction_spares_cooldown),
	cmocka_unit_test(test_eviction_cooldown_over),
	cmocka_unit_test(test_eviction_all_cooling),
	cmocka_unit_test(test_eviction_looks_past_cooling),
	cmocka_unit_test(test_cooldown_creates_pair),
	cmocka_unit_test(test_cooldown_refreshes_lru),
	cmocka_unit_test(test_ipv6_pairs),
	cmocka_unit_test(test_stress_random),
};

FS_TEST_MAIN(tests)
