/*
 * test_ctl_agents.c - the controller's per-agent view: datagram and error
 * accounting, times, sampling rates, interface counters, and every cap
 * (agents, rates, interfaces), including a flood of random agents.
 */
#include "fs_test.h"

#include <string.h>

#include "ctl_agents.h"

static struct ctl_agents *
new_table(size_t max_agents, size_t max_ifs)
{
	struct ctl_agents_limits l = { max_agents, max_ifs };
	struct ctl_agents *t = ctl_agents_new(&l);

	assert_non_null(t);
	return t;
}

static struct netaddr
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct netaddr n;

	memset(&n, 0, sizeof(n));
	n.family = NETADDR_IPV4;
	n.bytes[0] = a;
	n.bytes[1] = b;
	n.bytes[2] = c;
	n.bytes[3] = d;
	return n;
}

static struct netaddr
addr(const char *s)
{
	struct netaddr n;

	assert_int_equal(netaddr_parse(s, &n), 0);
	return n;
}

static struct netaddr
none(void)
{
	struct netaddr n;

	memset(&n, 0, sizeof(n));
	return n;
}

static struct ctl_agent_view
view(const struct ctl_agents *t, const struct netaddr *a)
{
	struct ctl_agent_view v;

	assert_int_equal(ctl_agents_get(t, a, &v), 0);
	return v;
}

static void
flow(struct ctl_agents *t, const struct netaddr *a, uint32_t type,
    uint32_t rate)
{
	struct sflow_flow_sample s;

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.sampling_rate = rate;
	ctl_agents_flow(t, a, &s);
}

static void
counter(struct ctl_agents *t, const struct netaddr *a, uint32_t if_index,
    uint64_t in_octets, int64_t now_ms)
{
	struct sflow_counter_sample s;

	memset(&s, 0, sizeof(s));
	s.type = SFLOW_SAMPLE_COUNTER;
	s.present = SFLOW_HAS_IF_COUNTERS;
	s.ifc.if_index = if_index;
	s.ifc.in_octets = in_octets;
	s.ifc.if_speed = 10000000000ull;
	ctl_agents_counter(t, a, &s, now_ms);
}

/* ---- collecting ---------------------------------------------------------- */

#define COLLECT_MAX	64

struct agents_seen {
	struct ctl_agent_view v[COLLECT_MAX];
	size_t	n;
};

static void
collect_agent(void *ctx, const struct ctl_agent_view *v)
{
	struct agents_seen *c = ctx;

	if (c->n < COLLECT_MAX)
		c->v[c->n] = *v;
	c->n++;
}

struct ifs_seen {
	struct ctl_agent_if i[COLLECT_MAX];
	size_t	n;
};

static void
collect_if(void *ctx, const struct ctl_agent_if *i)
{
	struct ifs_seen *c = ctx;

	if (c->n < COLLECT_MAX)
		c->i[c->n] = *i;
	c->n++;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_new_limits(void **state)
{
	struct ctl_agents_limits big_agents = { (1u << 24) + 1, 0 };
	struct ctl_agents_limits big_ifs = { 0, (1u << 24) + 1 };
	struct ctl_agents *t;
	struct netaddr a = v4(192, 0, 2, 1);
	int i;

	(void)state;
	assert_null(ctl_agents_new(&big_agents));
	assert_null(ctl_agents_new(&big_ifs));
	ctl_agents_free(NULL);

	/* 0 means the defaults: 4096 agents, 1024 interfaces. */
	t = new_table(0, 0);
	assert_int_equal(ctl_agents_count(t), 0);
	assert_int_equal(ctl_agents_dropped(t), 0);
	for (i = 0; i < 1100; i++)
		counter(t, &a, (uint32_t)i + 1, 0, 1);
	assert_int_equal(view(t, &a).n_ifs, 1024);
	assert_int_equal(view(t, &a).ifs_dropped, 1100 - 1024);
	ctl_agents_free(t);
}

static void
test_datagram_accounting(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1), src1 = v4(198, 51, 100, 1);
	struct netaddr src2 = v4(198, 51, 100, 2);
	struct ctl_agent_view v;

	(void)state;
	ctl_agents_datagram(t, &a, &src1, 100, SFLOW_OK, 1000);
	ctl_agents_datagram(t, &a, &src1, 200, SFLOW_TRUNCATED, 1001);
	ctl_agents_datagram(t, &a, &src1, 300, SFLOW_BAD_VERSION, 1002);
	ctl_agents_datagram(t, &a, &src1, 400, SFLOW_BAD_VERSION, 1003);
	ctl_agents_datagram(t, &a, &src1, 500, SFLOW_INVALID, 1004);
	ctl_agents_datagram(t, &a, &src2, 600, SFLOW_OK, 1005);
	v = view(t, &a);
	assert_int_equal(v.datagrams, 6);
	assert_int_equal(v.bytes, 2100);
	assert_int_equal(v.errors.truncated, 1);
	assert_int_equal(v.errors.bad_version, 2);
	assert_int_equal(v.errors.invalid, 1);
	assert_int_equal(netaddr_compare(&v.agent, &a), 0);
	/* The source of the last datagram. */
	assert_int_equal(netaddr_compare(&v.source, &src2), 0);
	assert_int_equal(ctl_agents_count(t), 1);
	assert_int_equal(ctl_agents_dropped(t), 0);
	ctl_agents_free(t);
}

static void
test_unknown_result_is_invalid(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1);
	struct ctl_agent_view v;

	(void)state;
	ctl_agents_datagram(t, &a, &a, 10, -42, 1);
	ctl_agents_datagram(t, &a, &a, 10, 7, 2);
	v = view(t, &a);
	assert_int_equal(v.datagrams, 2);
	assert_int_equal(v.errors.invalid, 2);
	assert_int_equal(v.errors.truncated, 0);
	assert_int_equal(v.errors.bad_version, 0);
	ctl_agents_free(t);
}

static void
test_no_agent_uses_source(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr src = v4(198, 51, 100, 7), agent = v4(192, 0, 2, 1);
	struct netaddr n = none();
	struct ctl_agent_view v;

	(void)state;
	ctl_agents_datagram(t, &n, &src, 48, SFLOW_BAD_VERSION, 10);
	ctl_agents_datagram(t, &n, &src, 12, SFLOW_TRUNCATED, 11);
	assert_int_equal(ctl_agents_count(t), 1);
	v = view(t, &src);
	assert_int_equal(netaddr_compare(&v.agent, &src), 0);
	assert_int_equal(netaddr_compare(&v.source, &src), 0);
	assert_int_equal(v.datagrams, 2);
	assert_int_equal(v.bytes, 60);
	assert_int_equal(v.errors.bad_version, 1);
	assert_int_equal(v.errors.truncated, 1);
	assert_int_equal(ctl_agents_get(t, &n, &v), -1);

	/* A decoded header names the agent, not the source. */
	ctl_agents_datagram(t, &agent, &src, 100, SFLOW_OK, 12);
	assert_int_equal(ctl_agents_count(t), 2);
	assert_int_equal(view(t, &agent).datagrams, 1);
	assert_int_equal(view(t, &src).datagrams, 2);
	ctl_agents_free(t);
}

static void
test_seen_times(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2);
	struct ctl_agent_view v;

	(void)state;
	ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 5000);
	v = view(t, &a);
	assert_int_equal(v.first_ms, 5000);
	assert_int_equal(v.last_ms, 5000);
	ctl_agents_datagram(t, &a, &a, 100, SFLOW_INVALID, 7000);
	ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 9000);
	v = view(t, &a);
	assert_int_equal(v.first_ms, 5000);
	assert_int_equal(v.last_ms, 9000);

	/* Created by a sample: the times wait for its first datagram. */
	flow(t, &b, SFLOW_SAMPLE_FLOW, 512);
	v = view(t, &b);
	assert_int_equal(v.datagrams, 0);
	assert_int_equal(v.first_ms, 0);
	assert_int_equal(v.last_ms, 0);
	assert_int_equal(v.n_rates, 1);
	ctl_agents_datagram(t, &b, &b, 100, SFLOW_OK, 8000);
	ctl_agents_datagram(t, &b, &b, 100, SFLOW_OK, 8500);
	v = view(t, &b);
	assert_int_equal(v.first_ms, 8000);
	assert_int_equal(v.last_ms, 8500);
	assert_int_equal(v.rates[0], 512);
	ctl_agents_free(t);
}

static void
test_rates_distinct_and_capped(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1);
	struct ctl_agent_view v;
	uint32_t i;

	(void)state;
	ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 1);
	flow(t, &a, SFLOW_SAMPLE_FLOW, 4096);
	flow(t, &a, SFLOW_SAMPLE_FLOW, 4096);
	flow(t, &a, SFLOW_SAMPLE_FLOW_EXPANDED, 1024);
	flow(t, &a, SFLOW_SAMPLE_FLOW, 4096);
	v = view(t, &a);
	assert_int_equal(v.n_rates, 2);
	assert_int_equal(v.rates[0], 4096);
	assert_int_equal(v.rates[1], 1024);
	assert_int_equal(v.rates_dropped, 0);

	for (i = 1; i <= 10; i++)
		flow(t, &a, SFLOW_SAMPLE_FLOW, i);
	v = view(t, &a);
	assert_int_equal(v.n_rates, CTL_AGENT_MAX_RATES);
	for (i = 2; i < CTL_AGENT_MAX_RATES; i++)
		assert_int_equal(v.rates[i], i - 1);
	/* 1..6 fitted; 7..10 did not. */
	assert_int_equal(v.rates_dropped, 4);
	/* A listed rate is still found when the list is full. */
	flow(t, &a, SFLOW_SAMPLE_FLOW, 1024);
	flow(t, &a, SFLOW_SAMPLE_FLOW, 6);
	assert_int_equal(view(t, &a).rates_dropped, 4);
	flow(t, &a, SFLOW_SAMPLE_FLOW, 7);
	assert_int_equal(view(t, &a).rates_dropped, 5);
	ctl_agents_free(t);
}

static void
test_rate_zero_ignored(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1);
	struct ctl_agent_view v;
	uint32_t i;

	(void)state;
	ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 1);
	flow(t, &a, SFLOW_SAMPLE_DISCARD, 0);
	v = view(t, &a);
	assert_int_equal(v.n_rates, 0);
	assert_int_equal(v.rates_dropped, 0);
	for (i = 1; i <= CTL_AGENT_MAX_RATES; i++)
		flow(t, &a, SFLOW_SAMPLE_FLOW, i * 100);
	/* Nor is it counted as a rate that did not fit. */
	flow(t, &a, SFLOW_SAMPLE_DISCARD, 0);
	flow(t, &a, SFLOW_SAMPLE_FLOW, 0);
	v = view(t, &a);
	assert_int_equal(v.n_rates, CTL_AGENT_MAX_RATES);
	assert_int_equal(v.rates_dropped, 0);
	for (i = 0; i < CTL_AGENT_MAX_RATES; i++)
		assert_int_not_equal(v.rates[i], 0);
	ctl_agents_free(t);
}

static void
test_rates_per_agent(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2);

	(void)state;
	/* Alternating agents: the remembered last agent must not leak. */
	flow(t, &a, SFLOW_SAMPLE_FLOW, 100);
	flow(t, &b, SFLOW_SAMPLE_FLOW, 200);
	flow(t, &a, SFLOW_SAMPLE_FLOW, 300);
	flow(t, &b, SFLOW_SAMPLE_FLOW, 200);
	assert_int_equal(view(t, &a).n_rates, 2);
	assert_int_equal(view(t, &a).rates[0], 100);
	assert_int_equal(view(t, &a).rates[1], 300);
	assert_int_equal(view(t, &b).n_rates, 1);
	assert_int_equal(view(t, &b).rates[0], 200);
	assert_int_equal(ctl_agents_count(t), 2);
	ctl_agents_free(t);
}

static void
test_if_latest_replaces(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1);
	struct ifs_seen c;

	(void)state;
	ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 1);
	counter(t, &a, 3, 1000, 10);
	counter(t, &a, 3, 2000, 20);
	counter(t, &a, 5, 7000, 25);
	counter(t, &a, 3, 1500, 30);	/* latest wins, not largest */
	assert_int_equal(view(t, &a).n_ifs, 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ctl_agents_foreach_if(t, &a, collect_if, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.i[0].c.if_index, 3);
	assert_int_equal(c.i[0].c.in_octets, 1500);
	assert_int_equal(c.i[0].updated_ms, 30);
	assert_int_equal(c.i[0].c.if_speed, 10000000000ull);
	assert_int_equal(c.i[1].c.if_index, 5);
	assert_int_equal(c.i[1].c.in_octets, 7000);
	assert_int_equal(c.i[1].updated_ms, 25);
	assert_int_equal(view(t, &a).ifs_dropped, 0);
	ctl_agents_free(t);
}

static void
test_counter_without_if_counters(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1);
	struct sflow_counter_sample s;
	struct ifs_seen c;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.type = SFLOW_SAMPLE_COUNTER;
	s.present = SFLOW_HAS_PROCESSOR_COUNTERS | SFLOW_HAS_ETHERNET_COUNTERS;
	s.ifc.if_index = 9;	/* not present: must not be taken */
	ctl_agents_counter(t, &a, &s, 100);
	assert_int_equal(ctl_agents_count(t), 1);
	assert_int_equal(view(t, &a).n_ifs, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ctl_agents_foreach_if(t, &a, collect_if, &c), 0);
	assert_int_equal(c.n, 0);
	ctl_agents_free(t);
}

static void
test_foreach_if_order(void **state)
{
	static const uint32_t order[] = {
		40, 7, 1000000, 1, 23, 8, 0, 4294967295u, 512, 2, 39, 41
	};
	const size_t n = sizeof(order) / sizeof(order[0]);
	struct ctl_agents *t = new_table(8, 64);
	struct netaddr a = v4(192, 0, 2, 1);
	struct ifs_seen c;
	size_t i;

	(void)state;
	for (i = 0; i < n; i++)
		counter(t, &a, order[i], order[i] * 10ull, (int64_t)i);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ctl_agents_foreach_if(t, &a, collect_if, &c), 0);
	assert_int_equal(c.n, n);
	assert_int_equal(view(t, &a).n_ifs, n);
	assert_int_equal(c.i[0].c.if_index, 0);
	assert_int_equal(c.i[n - 1].c.if_index, 4294967295u);
	for (i = 0; i < n; i++) {
		if (i > 0)
			assert_true(c.i[i - 1].c.if_index < c.i[i].c.if_index);
		assert_int_equal(c.i[i].c.in_octets,
		    c.i[i].c.if_index * 10ull);
	}
	ctl_agents_free(t);
}

static void
test_if_cap(void **state)
{
	struct ctl_agents *t = new_table(8, 4);
	struct netaddr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2);
	struct ifs_seen c;

	(void)state;
	counter(t, &a, 10, 1, 1);
	counter(t, &a, 20, 1, 1);
	counter(t, &a, 30, 1, 1);
	counter(t, &a, 40, 1, 1);
	counter(t, &a, 5, 1, 2);	/* a fifth: dropped */
	counter(t, &a, 50, 1, 2);
	counter(t, &a, 5, 1, 3);
	assert_int_equal(view(t, &a).n_ifs, 4);
	assert_int_equal(view(t, &a).ifs_dropped, 3);
	/* The ones kept still take their latest counters. */
	counter(t, &a, 30, 99, 4);
	assert_int_equal(view(t, &a).ifs_dropped, 3);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ctl_agents_foreach_if(t, &a, collect_if, &c), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.i[0].c.if_index, 10);
	assert_int_equal(c.i[2].c.if_index, 30);
	assert_int_equal(c.i[2].c.in_octets, 99);
	assert_int_equal(c.i[3].c.if_index, 40);
	/* The cap is per agent. */
	counter(t, &b, 5, 1, 5);
	assert_int_equal(view(t, &b).n_ifs, 1);
	assert_int_equal(view(t, &b).ifs_dropped, 0);
	ctl_agents_free(t);
}

static void
test_agent_cap(void **state)
{
	struct ctl_agents *t = new_table(2, 8);
	struct netaddr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2);
	struct netaddr c = v4(192, 0, 2, 3), n = none();
	struct ctl_agent_view v;
	struct ifs_seen is;

	(void)state;
	memset(&is, 0, sizeof(is));
	ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 1);
	ctl_agents_datagram(t, &b, &b, 100, SFLOW_OK, 2);
	ctl_agents_datagram(t, &c, &c, 100, SFLOW_OK, 3);
	ctl_agents_datagram(t, &c, &c, 100, SFLOW_OK, 4);
	/* An undecodable datagram from a new source is an agent too. */
	ctl_agents_datagram(t, &n, &c, 100, SFLOW_TRUNCATED, 5);
	assert_int_equal(ctl_agents_count(t), 2);
	assert_int_equal(ctl_agents_dropped(t), 3);
	assert_int_equal(ctl_agents_get(t, &c, &v), -1);
	/* Samples of an untracked agent are ignored, not counted again. */
	flow(t, &c, SFLOW_SAMPLE_FLOW, 100);
	counter(t, &c, 1, 1, 6);
	assert_int_equal(ctl_agents_count(t), 2);
	assert_int_equal(ctl_agents_dropped(t), 3);
	assert_int_equal(ctl_agents_foreach_if(t, &c, collect_if, &is), -1);
	assert_int_equal(is.n, 0);
	/* The tracked ones carry on. */
	ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 7);
	assert_int_equal(view(t, &a).datagrams, 2);
	assert_int_equal(view(t, &b).datagrams, 1);
	ctl_agents_free(t);
}

static void
test_foreach_first_seen(void **state)
{
	struct ctl_agents *t = new_table(100, 8);
	struct agents_seen s;
	struct netaddr a;
	int i;

	(void)state;
	/* 40 agents, enough for the table to grow; descending addresses. */
	for (i = 0; i < 40; i++) {
		a = v4(10, 0, 0, (uint8_t)(200 - i));
		ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, i);
	}
	/* Heard again in another order: the order stays the first one. */
	for (i = 39; i >= 0; i--) {
		a = v4(10, 0, 0, (uint8_t)(200 - i));
		ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 100 + i);
	}
	memset(&s, 0, sizeof(s));
	ctl_agents_foreach(t, collect_agent, &s);
	assert_int_equal(s.n, 40);
	for (i = 0; i < 40; i++) {
		a = v4(10, 0, 0, (uint8_t)(200 - i));
		assert_int_equal(netaddr_compare(&s.v[i].agent, &a), 0);
		assert_int_equal(s.v[i].first_ms, i);
		assert_int_equal(s.v[i].last_ms, 100 + i);
		assert_int_equal(s.v[i].datagrams, 2);
	}
	ctl_agents_free(t);
}

static void
test_unknown_agent(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2);
	struct agents_seen s;
	struct ifs_seen c;
	struct ctl_agent_view v;

	(void)state;
	assert_int_equal(ctl_agents_get(t, &a, &v), -1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ctl_agents_foreach_if(t, &a, collect_if, &c), -1);
	assert_int_equal(c.n, 0);
	memset(&s, 0, sizeof(s));
	ctl_agents_foreach(t, collect_agent, &s);
	assert_int_equal(s.n, 0);

	ctl_agents_datagram(t, &a, &a, 100, SFLOW_OK, 1);
	counter(t, &a, 1, 1, 1);
	assert_int_equal(ctl_agents_get(t, &b, &v), -1);
	assert_int_equal(ctl_agents_foreach_if(t, &b, collect_if, &c), -1);
	assert_int_equal(c.n, 0);
	/* Reading does not create. */
	assert_int_equal(ctl_agents_count(t), 1);
	ctl_agents_free(t);
}

static void
test_ipv6_agents(void **state)
{
	struct ctl_agents *t = new_table(8, 8);
	struct netaddr a = addr("2001:db8::1"), b = addr("2001:db8::2");
	struct netaddr c = addr("2001:db8:1::1"), src = addr("2001:db8::ff");
	struct netaddr four = v4(0x20, 0x01, 0x0d, 0xb8);
	struct netaddr dirty = v4(192, 0, 2, 1), clean = v4(192, 0, 2, 1);
	struct netaddr n = none();
	struct ctl_agent_view v;
	struct agents_seen s;
	struct ifs_seen is;

	(void)state;
	ctl_agents_datagram(t, &a, &src, 100, SFLOW_OK, 1);
	ctl_agents_datagram(t, &b, &src, 200, SFLOW_OK, 2);
	ctl_agents_datagram(t, &n, &c, 300, SFLOW_INVALID, 3);
	/* An IPv4 address with the same leading bytes is another agent. */
	ctl_agents_datagram(t, &four, &four, 400, SFLOW_OK, 4);
	flow(t, &a, SFLOW_SAMPLE_FLOW, 2048);
	counter(t, &b, 17, 5, 5);
	assert_int_equal(ctl_agents_count(t), 4);
	assert_int_equal(view(t, &a).bytes, 100);
	v = view(t, &a);
	assert_int_equal(v.rates[0], 2048);
	assert_int_equal(netaddr_compare(&v.source, &src), 0);
	assert_int_equal(view(t, &b).n_ifs, 1);
	assert_int_equal(view(t, &c).errors.invalid, 1);
	assert_int_equal(view(t, &four).bytes, 400);
	memset(&is, 0, sizeof(is));
	assert_int_equal(ctl_agents_foreach_if(t, &b, collect_if, &is), 0);
	assert_int_equal(is.n, 1);
	assert_int_equal(is.i[0].c.if_index, 17);
	memset(&s, 0, sizeof(s));
	ctl_agents_foreach(t, collect_agent, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(netaddr_compare(&s.v[0].agent, &a), 0);
	assert_int_equal(netaddr_compare(&s.v[1].agent, &b), 0);
	assert_int_equal(netaddr_compare(&s.v[2].agent, &c), 0);
	assert_int_equal(netaddr_compare(&s.v[3].agent, &four), 0);

	/* Bytes an IPv4 address does not use do not make another agent. */
	memset(dirty.bytes + 4, 0xAA, sizeof(dirty.bytes) - 4);
	ctl_agents_datagram(t, &clean, &clean, 10, SFLOW_OK, 6);
	ctl_agents_datagram(t, &dirty, &dirty, 10, SFLOW_OK, 7);
	assert_int_equal(ctl_agents_count(t), 5);
	assert_int_equal(view(t, &clean).datagrams, 2);
	v = view(t, &dirty);
	assert_int_equal(v.datagrams, 2);
	assert_int_equal(netaddr_compare(&v.agent, &clean), 0);
	assert_int_equal(netaddr_compare(&v.source, &clean), 0);
	ctl_agents_free(t);
}

/* xorshift64*: a fixed sequence, so a failure repeats. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

/* The i-th agent: random bytes, made distinct by i in bytes 12..15. */
static struct netaddr
random_agent(uint64_t *s, uint32_t i)
{
	struct netaddr a;
	uint64_t r = rnd(s);

	memset(&a, 0, sizeof(a));
	if (r & 1) {
		a.family = NETADDR_IPV6;
		memcpy(a.bytes, &r, 8);
		r = rnd(s);
		memcpy(a.bytes + 8, &r, 4);
		memcpy(a.bytes + 12, &i, 4);
	} else {
		/* IPv4: i < 2^24 in bytes 0..2 keeps it apart; byte 3 random. */
		a.family = NETADDR_IPV4;
		a.bytes[0] = (uint8_t)(i >> 16);
		a.bytes[1] = (uint8_t)(i >> 8);
		a.bytes[2] = (uint8_t)i;
		a.bytes[3] = (uint8_t)(r >> 8);
	}
	return a;
}

static void
test_stress_random_agents(void **state)
{
	enum { AGENTS = 100000, CAP = 1000 };
	struct ctl_agents *t = new_table(CAP, 4);
	struct netaddr a, src = v4(198, 51, 100, 1), first[CAP];
	struct ctl_agent_view v;
	uint64_t seed = 0x1234567890ABCDEFull;
	uint32_t i;

	(void)state;
	for (i = 0; i < AGENTS; i++) {
		a = random_agent(&seed, i);
		ctl_agents_datagram(t, &a, &src, 100, SFLOW_OK, i);
		flow(t, &a, SFLOW_SAMPLE_FLOW, 1 + i % 3);
		counter(t, &a, i % 7, i, i);
		if (i < CAP)
			first[i] = a;
	}
	assert_int_equal(ctl_agents_count(t), CAP);
	assert_int_equal(ctl_agents_dropped(t), AGENTS - CAP);

	/* The first CAP agents are the ones kept, each with its own data. */
	for (i = 0; i < CAP; i++) {
		v = view(t, &first[i]);
		assert_int_equal(netaddr_compare(&v.agent, &first[i]), 0);
		assert_int_equal(v.datagrams, 1);
		assert_int_equal(v.first_ms, i);
		assert_int_equal(v.n_rates, 1);
		assert_int_equal(v.rates[0], 1 + i % 3);
		assert_int_equal(v.n_ifs, 1);
	}
	/* And none of the rest. */
	seed = 0x1234567890ABCDEFull;
	for (i = 0; i < AGENTS; i++) {
		a = random_agent(&seed, i);
		if (i >= CAP)
			assert_int_equal(ctl_agents_get(t, &a, &v), -1);
	}
	ctl_agents_free(t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_new_limits),
	cmocka_unit_test(test_datagram_accounting),
	cmocka_unit_test(test_unknown_result_is_invalid),
	cmocka_unit_test(test_no_agent_uses_source),
	cmocka_unit_test(test_seen_times),
	cmocka_unit_test(test_rates_distinct_and_capped),
	cmocka_unit_test(test_rate_zero_ignored),
	cmocka_unit_test(test_rates_per_agent),
	cmocka_unit_test(test_if_latest_replaces),
	cmocka_unit_test(test_counter_without_if_counters),
	cmocka_unit_test(test_foreach_if_order),
	cmocka_unit_test(test_if_cap),
	cmocka_unit_test(test_agent_cap),
	cmocka_unit_test(test_foreach_first_seen),
	cmocka_unit_test(test_unknown_agent),
	cmocka_unit_test(test_ipv6_agents),
	cmocka_unit_test(test_stress_random_agents),
};

FS_TEST_MAIN(tests)
