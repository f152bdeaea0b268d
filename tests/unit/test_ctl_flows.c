/*
 * test_ctl_flows.c - the bounded flow table: sums, the sliding last
 * minute, top-N orders and ties, LRU eviction, and a million random keys
 * through a small table.
 */
#include "fs_test.h"

#include <string.h>

#include "ctl_flows.h"

#define SEC	1000

/* Flow n: 10.(n>>16).(n>>8).n -> 192.0.2.1:443, agent 192.0.2.254. */
static struct ctl_flow_key
key_n(uint32_t n)
{
	struct ctl_flow_key k;

	memset(&k, 0, sizeof(k));
	k.agent.family = NETADDR_IPV4;
	k.agent.bytes[0] = 192;
	k.agent.bytes[2] = 2;
	k.agent.bytes[3] = 254;
	k.in_if = 3;
	k.out_if = 7;
	k.src.family = NETADDR_IPV4;
	k.src.bytes[0] = 10;
	k.src.bytes[1] = (uint8_t)(n >> 16);
	k.src.bytes[2] = (uint8_t)(n >> 8);
	k.src.bytes[3] = (uint8_t)n;
	k.dst.family = NETADDR_IPV4;
	k.dst.bytes[0] = 192;
	k.dst.bytes[2] = 2;
	k.dst.bytes[3] = 1;
	k.sport = (uint16_t)(1024 + (n >> 24));
	k.dport = 443;
	k.proto = 6;
	return k;
}

static struct ctl_flows *
new_table(size_t max)
{
	struct ctl_flows *t = ctl_flows_new(max);

	assert_non_null(t);
	return t;
}

static struct ctl_flow_info
get(const struct ctl_flows *t, uint32_t n, int64_t now)
{
	struct ctl_flow_key k = key_n(n);
	struct ctl_flow_info fi;

	assert_int_equal(ctl_flows_get(t, &k, now, &fi), 0);
	assert_memory_equal(&fi.key, &k, sizeof(k));
	return fi;
}

static void
add(struct ctl_flows *t, uint32_t n, uint64_t frames, uint64_t bytes,
    int64_t now)
{
	struct ctl_flow_key k = key_n(n);

	ctl_flows_add(t, &k, frames, bytes, now);
}

static int
has(const struct ctl_flows *t, uint32_t n)
{
	struct ctl_flow_key k = key_n(n);
	struct ctl_flow_info fi;

	return ctl_flows_get(t, &k, 0, &fi) == 0;
}

static void
test_new_invalid(void **state)
{
	(void)state;
	assert_null(ctl_flows_new(0));
	assert_null(ctl_flows_new((size_t)1 << 40));
	ctl_flows_free(NULL);
}

static void
test_add_get(void **state)
{
	struct ctl_flows *t = new_table(16);
	struct ctl_flow_key k = key_n(1), dirty;
	struct ctl_flow_info fi;

	(void)state;
	assert_int_equal(ctl_flows_get(t, &k, 0, &fi), -1);
	ctl_flows_add(t, &k, 1, 100, 5 * SEC);
	/* Same fields, garbage in the padding: still the same flow. */
	memset(&dirty, 0xA5, sizeof(dirty));
	dirty.agent = k.agent;
	dirty.in_if = k.in_if;
	dirty.out_if = k.out_if;
	dirty.src = k.src;
	dirty.dst = k.dst;
	dirty.sport = k.sport;
	dirty.dport = k.dport;
	dirty.proto = k.proto;
	ctl_flows_add(t, &dirty, 2, 300, 7 * SEC);
	fi = get(t, 1, 7 * SEC);
	assert_int_equal(fi.samples, 2);
	assert_int_equal(fi.frames, 3);
	assert_int_equal(fi.bytes, 400);
	assert_int_equal(fi.frames_minute, 3);
	assert_int_equal(fi.bytes_minute, 400);
	assert_int_equal(fi.first_ms, 5 * SEC);
	assert_int_equal(fi.last_ms, 7 * SEC);
	/* A key differing in any field is another flow. */
	k.proto = 17;
	assert_int_equal(ctl_flows_get(t, &k, 0, &fi), -1);
	k = key_n(1);
	k.out_if = 8;
	assert_int_equal(ctl_flows_get(t, &k, 0, &fi), -1);
	assert_false(has(t, 2));
	ctl_flows_free(t);
}

/* Frames and bytes arrive already scaled by the sampling rate. */
static void
test_scaled_sums(void **state)
{
	struct ctl_flows *t = new_table(16);
	struct ctl_flow_info fi;
	uint64_t rate = 4096;
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		add(t, 1, rate, rate * (uint64_t)(64 + i), i * SEC);
	fi = get(t, 1, 10 * SEC);
	assert_int_equal(fi.samples, 10);
	assert_int_equal(fi.frames, 10 * rate);
	assert_int_equal(fi.bytes, rate * (64 * 10 + 45));
	assert_int_equal(fi.frames_minute, fi.frames);
	assert_int_equal(fi.bytes_minute, fi.bytes);
	ctl_flows_free(t);
}

/* A hostile sampling rate saturates the counters instead of wrapping. */
static void
test_saturation(void **state)
{
	struct ctl_flows *t = new_table(4);
	struct ctl_flow_info fi;

	(void)state;
	add(t, 1, UINT64_MAX - 1, UINT64_MAX - 1, 0);
	add(t, 1, 5, 5, 1);
	fi = get(t, 1, 1);
	assert_true(fi.frames == UINT64_MAX);
	assert_true(fi.bytes == UINT64_MAX);
	assert_true(fi.bytes_minute == UINT64_MAX);
	/* Per-bucket frames are 32 bits: held at the top, not wrapped. */
	assert_true(fi.frames_minute >= UINT32_MAX);
	ctl_flows_free(t);
}

static void
test_minute_window(void **state)
{
	struct ctl_flows *t = new_table(16);
	struct ctl_flow_info fi, top[4];

	(void)state;
	add(t, 1, 100, 1000, 0);
	add(t, 1, 10, 100, 30 * SEC);
	fi = get(t, 1, 30 * SEC);
	assert_int_equal(fi.frames_minute, 110);
	assert_int_equal(fi.bytes_minute, 1100);
	/* The first sample's bucket [0, 10 s) leaves at 60 s. */
	fi = get(t, 1, 60 * SEC - 1);
	assert_int_equal(fi.frames_minute, 110);
	fi = get(t, 1, 60 * SEC);
	assert_int_equal(fi.frames_minute, 10);
	assert_int_equal(fi.bytes_minute, 100);
	assert_int_equal(fi.frames, 110);
	assert_int_equal(fi.bytes, 1100);
	/* All of it is older than a minute at 100 s. */
	fi = get(t, 1, 100 * SEC);
	assert_int_equal(fi.frames_minute, 0);
	assert_int_equal(fi.bytes_minute, 0);
	assert_int_equal(fi.frames, 110);
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 100 * SEC, top,
	    4), 0);
	/* 120 s lands in the ring slot of 0 s: what was there is gone. */
	add(t, 1, 5, 50, 120 * SEC);
	fi = get(t, 1, 120 * SEC);
	assert_int_equal(fi.frames_minute, 5);
	assert_int_equal(fi.bytes_minute, 50);
	assert_int_equal(fi.frames, 115);
	assert_int_equal(fi.last_ms, 120 * SEC);
	/* Moving on by less than the ring: only the passed buckets clear. */
	add(t, 1, 1, 1, 150 * SEC);
	fi = get(t, 1, 150 * SEC);
	assert_int_equal(fi.frames_minute, 6);
	/* A sample older than the ring counts in the totals only. */
	add(t, 1, 1000, 1000, 10 * SEC);
	fi = get(t, 1, 150 * SEC);
	assert_int_equal(fi.frames_minute, 6);
	assert_int_equal(fi.frames, 1116);
	assert_int_equal(fi.first_ms, 0);
	assert_int_equal(fi.last_ms, 150 * SEC);
	/* A late one within the ring still counts in its bucket. */
	add(t, 1, 3, 3, 140 * SEC);
	fi = get(t, 1, 150 * SEC);
	assert_int_equal(fi.frames_minute, 9);
	assert_int_equal(fi.last_ms, 150 * SEC);
	fi = get(t, 1, 205 * SEC);		/* only 150 s is left */
	assert_int_equal(fi.frames_minute, 1);
	ctl_flows_free(t);
}

static void
test_first_seen_moves_back(void **state)
{
	struct ctl_flows *t = new_table(4);
	struct ctl_flow_info fi;

	(void)state;
	add(t, 1, 1, 1, 50 * SEC);
	add(t, 1, 1, 1, 45 * SEC);
	fi = get(t, 1, 50 * SEC);
	assert_int_equal(fi.first_ms, 45 * SEC);
	assert_int_equal(fi.last_ms, 50 * SEC);
	assert_int_equal(fi.frames_minute, 2);
	ctl_flows_free(t);
}

/* Big packets (1) against many small ones (2) and something between (3). */
static void
test_top_orders(void **state)
{
	struct ctl_flows *t = new_table(16);
	struct ctl_flow_info top[3];

	(void)state;
	add(t, 1, 10, 15000, 1 * SEC);
	add(t, 2, 50, 3200, 2 * SEC);
	add(t, 3, 20, 6000, 3 * SEC);
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 5 * SEC, top, 3),
	    3);
	assert_int_equal(top[0].bytes_minute, 15000);
	assert_int_equal(top[1].bytes_minute, 6000);
	assert_int_equal(top[2].bytes_minute, 3200);
	assert_int_equal(top[0].key.src.bytes[3], 1);
	assert_int_equal(top[1].key.src.bytes[3], 3);
	assert_int_equal(top[2].key.src.bytes[3], 2);
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_FRAMES, 5 * SEC, top,
	    3), 3);
	assert_int_equal(top[0].key.src.bytes[3], 2);
	assert_int_equal(top[1].key.src.bytes[3], 3);
	assert_int_equal(top[2].key.src.bytes[3], 1);
	assert_int_equal(top[0].frames_minute, 50);
	assert_int_equal(top[0].samples, 1);
	assert_int_equal(top[0].first_ms, 2 * SEC);
	/* n = 1 keeps only the largest. */
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 5 * SEC, top, 1),
	    1);
	assert_int_equal(top[0].key.src.bytes[3], 1);
	/* By the last minute, not by the totals. */
	add(t, 2, 1, 100000, 70 * SEC);
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 70 * SEC, top,
	    3), 1);
	assert_int_equal(top[0].key.src.bytes[3], 2);
	assert_int_equal(top[0].bytes_minute, 100000);
	assert_int_equal(top[0].bytes, 103200);
	ctl_flows_free(t);
}

static void
test_top_ties(void **state)
{
	struct ctl_flows *t = new_table(16);
	struct ctl_flow_info top[8];

	(void)state;
	/* Equal figures, seen first at 3 s, 1 s, 2 s; then a larger one. */
	add(t, 1, 10, 500, 3 * SEC);
	add(t, 2, 10, 500, 1 * SEC);
	add(t, 3, 10, 500, 2 * SEC);
	add(t, 4, 11, 501, 4 * SEC);
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 5 * SEC, top, 8),
	    4);
	assert_int_equal(top[0].key.src.bytes[3], 4);
	assert_int_equal(top[1].key.src.bytes[3], 2);
	assert_int_equal(top[2].key.src.bytes[3], 3);
	assert_int_equal(top[3].key.src.bytes[3], 1);
	/* With room for two, the older of the tied ones wins the place. */
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_FRAMES, 5 * SEC, top,
	    2), 2);
	assert_int_equal(top[0].key.src.bytes[3], 4);
	assert_int_equal(top[1].key.src.bytes[3], 2);
	assert_int_equal(top[1].first_ms, 1 * SEC);
	ctl_flows_free(t);
}

static void
test_top_n_larger_than_flows(void **state)
{
	struct ctl_flows *t = new_table(4);
	struct ctl_flow_info top[16];

	(void)state;
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 0, top, 16), 0);
	add(t, 1, 1, 100, 0);
	add(t, 2, 1, 200, 100 * SEC);
	add(t, 3, 1, 300, 100 * SEC);
	/* Flow 1 has nothing in the last minute: left out. */
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 100 * SEC, top,
	    16), 2);
	assert_int_equal(top[0].bytes_minute, 300);
	assert_int_equal(top[1].bytes_minute, 200);
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 100 * SEC, top,
	    0), 0);
	ctl_flows_free(t);
}

static void
test_lru_eviction(void **state)
{
	struct ctl_flows *t = new_table(3);
	struct ctl_flows_stats s;
	struct ctl_flow_info top[4];

	(void)state;
	add(t, 1, 1, 10, 1);
	add(t, 2, 1, 10, 2);
	add(t, 3, 1, 10, 3);
	ctl_flows_stats(t, &s);
	assert_int_equal(s.flows, 3);
	assert_int_equal(s.evicted, 0);
	add(t, 4, 1, 10, 4);
	ctl_flows_stats(t, &s);
	assert_int_equal(s.flows, 3);
	assert_int_equal(s.max_flows, 3);
	assert_int_equal(s.added, 4);
	assert_int_equal(s.evicted, 1);
	assert_false(has(t, 1));
	assert_true(has(t, 2) && has(t, 3) && has(t, 4));
	/* The slot is reused from scratch: nothing of flow 1 is left. */
	assert_int_equal(get(t, 4, 4).samples, 1);
	assert_int_equal(get(t, 4, 4).first_ms, 4);
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, 4, top, 4), 3);
	/* Flow 1 again: new, pushing out 2. */
	add(t, 1, 1, 10, 5);
	assert_false(has(t, 2));
	assert_int_equal(get(t, 1, 5).samples, 1);
	ctl_flows_stats(t, &s);
	assert_int_equal(s.added, 5);
	assert_int_equal(s.evicted, 2);
	ctl_flows_free(t);
}

static void
test_readd_refreshes(void **state)
{
	struct ctl_flows *t = new_table(3);
	struct ctl_flows_stats s;

	(void)state;
	add(t, 1, 1, 10, 1);
	add(t, 2, 1, 10, 2);
	add(t, 3, 1, 10, 3);
	add(t, 1, 1, 10, 4);		/* 1 is now the most recent */
	add(t, 4, 1, 10, 5);
	assert_true(has(t, 1));
	assert_false(has(t, 2));
	add(t, 3, 1, 10, 6);
	add(t, 5, 1, 10, 7);		/* 1 is the oldest now */
	assert_false(has(t, 1));
	assert_true(has(t, 3) && has(t, 4) && has(t, 5));
	ctl_flows_stats(t, &s);
	assert_int_equal(s.added, 5);
	assert_int_equal(s.evicted, 2);
	ctl_flows_free(t);
}

/* A table of one: every new key replaces the last. */
static void
test_table_of_one(void **state)
{
	struct ctl_flows *t = new_table(1);
	struct ctl_flows_stats s;

	(void)state;
	add(t, 1, 1, 10, 1);
	add(t, 1, 1, 10, 2);
	add(t, 2, 1, 10, 3);
	assert_false(has(t, 1));
	assert_int_equal(get(t, 2, 3).samples, 1);
	ctl_flows_stats(t, &s);
	assert_int_equal(s.flows, 1);
	assert_int_equal(s.added, 2);
	assert_int_equal(s.evicted, 1);
	ctl_flows_free(t);
}

static void
test_stats_memory(void **state)
{
	struct ctl_flows *t = new_table(100000);
	struct ctl_flows_stats s;

	(void)state;
	ctl_flows_stats(t, &s);
	assert_int_equal(s.flows, 0);
	assert_int_equal(s.max_flows, 100000);
	assert_int_equal(s.added, 0);
	assert_true(s.memory > 0);
	/* Entries and hash heads together: about 200 bytes a flow. */
	assert_true(s.memory / s.max_flows <= 210);
	assert_true(s.memory / s.max_flows >= 100);
	ctl_flows_free(t);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define STRESS_KEYS	1000000u
#define STRESS_TABLE	10000u

/* The i-th random key of a stream seeded with *rng. */
static struct ctl_flow_key
random_key(uint64_t *rng, uint64_t *r)
{
	struct ctl_flow_key k;

	*r = xorshift(rng);
	k = key_n((uint32_t)*r);
	k.dport = (uint16_t)(*r >> 32);
	return k;
}

static void
test_stress_random_keys(void **state)
{
	static struct ctl_flow_info all[STRESS_TABLE], top[100];
	struct ctl_flows *t = new_table(STRESS_TABLE);
	struct ctl_flows_stats s;
	struct ctl_flow_info fi;
	struct ctl_flow_key k;
	uint64_t rng = 0x243F6A8885A308D3ull, kept_rng = 0, r;
	const int64_t end = STRESS_KEYS / 20;
	uint32_t i;
	size_t n, j;

	(void)state;
	for (i = 0; i < STRESS_KEYS; i++) {
		if (i == STRESS_KEYS - STRESS_TABLE)
			kept_rng = rng;
		k = random_key(&rng, &r);
		ctl_flows_add(t, &k, 1 + (r >> 60), 64 + (r >> 52),
		    (int64_t)(i / 20));
	}
	ctl_flows_stats(t, &s);
	assert_int_equal(s.flows, STRESS_TABLE);
	assert_int_equal(s.added, s.evicted + s.flows);
	assert_true(s.added > STRESS_KEYS - 1000 && s.added <= STRESS_KEYS);
	/* The last STRESS_TABLE keys added are all still there. */
	rng = kept_rng;
	for (i = 0; i < STRESS_TABLE; i++) {
		k = random_key(&rng, &r);
		assert_int_equal(ctl_flows_get(t, &k, end, &fi), 0);
		assert_true(fi.samples >= 1);
		assert_true(fi.bytes_minute >= 64);
	}
	/* All of them are within the minute (50 s of adds). */
	n = ctl_flows_top(t, CTL_FLOWS_BY_BYTES, end, all, STRESS_TABLE);
	assert_int_equal(n, STRESS_TABLE);
	for (j = 1; j < n; j++)
		assert_true(all[j - 1].bytes_minute > all[j].bytes_minute ||
		    (all[j - 1].bytes_minute == all[j].bytes_minute &&
		    all[j - 1].first_ms <= all[j].first_ms));
	/* The bounded heap of 100 picks the same head as the full sort. */
	assert_int_equal(ctl_flows_top(t, CTL_FLOWS_BY_BYTES, end, top, 100),
	    100);
	for (j = 0; j < 100; j++) {
		assert_memory_equal(&top[j].key, &all[j].key,
		    sizeof(top[j].key));
		assert_int_equal(top[j].bytes_minute, all[j].bytes_minute);
	}
	n = ctl_flows_top(t, CTL_FLOWS_BY_FRAMES, end, top, 100);
	assert_int_equal(n, 100);
	for (j = 1; j < n; j++)
		assert_true(top[j - 1].frames_minute >= top[j].frames_minute);
	ctl_flows_free(t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_new_invalid),
	cmocka_unit_test(test_add_get),
	cmocka_unit_test(test_scaled_sums),
	cmocka_unit_test(test_saturation),
	cmocka_unit_test(test_minute_window),
	cmocka_unit_test(test_first_seen_moves_back),
	cmocka_unit_test(test_top_orders),
	cmocka_unit_test(test_top_ties),
	cmocka_unit_test(test_top_n_larger_than_flows),
	cmocka_unit_test(test_lru_eviction),
	cmocka_unit_test(test_readd_refreshes),
	cmocka_unit_test(test_table_of_one),
	cmocka_unit_test(test_stats_memory),
	cmocka_unit_test(test_stress_random_keys),
};

FS_TEST_MAIN(tests)
