/*
 * test_sflow_agents.c - per-agent accounting: loss, reordering, duplicates,
 * restarts, sample sequence gaps, and the table's caps.
 */
#include "fs_test.h"

#include <string.h>

#include "sflow.h"

struct collected {
	struct sflow_agent_info info[4];
	int n;
};

static void
collect(void *ctx, const struct sflow_agent_info *a)
{
	struct collected *c = ctx;

	if (c->n < 4)
		c->info[c->n] = *a;
	c->n++;
}

static struct sflow_agents *
new_table(uint32_t agents, uint32_t sources)
{
	struct sflow_agents_limits l = { agents, sources };
	struct sflow_agents *t = sflow_agents_new(&l);

	assert_non_null(t);
	return t;
}

static struct sflow_datagram
dgram(uint8_t last_octet, uint32_t sub_agent, uint32_t seq, uint32_t uptime)
{
	struct sflow_datagram dg;

	memset(&dg, 0, sizeof(dg));
	dg.version = 5;
	dg.agent.family = NETADDR_IPV4;
	dg.agent.bytes[0] = 192;
	dg.agent.bytes[1] = 0;
	dg.agent.bytes[2] = 2;
	dg.agent.bytes[3] = last_octet;
	dg.sub_agent = sub_agent;
	dg.seq = seq;
	dg.uptime_ms = uptime;
	return dg;
}

/* Feed datagrams with the given sequence numbers, uptime = 1000 * seq. */
static struct sflow_agent_info
feed(const uint32_t *seqs, size_t n)
{
	struct sflow_agents *t = new_table(4, 16);
	struct collected c = { .n = 0 };
	struct sflow_datagram dg;
	size_t i;

	for (i = 0; i < n; i++) {
		dg = dgram(1, 0, seqs[i], 100000 + seqs[i] * 10);
		assert_int_equal(sflow_agents_datagram(t, &dg), 0);
	}
	sflow_agents_foreach(t, collect, &c);
	assert_int_equal(c.n, 1);
	sflow_agents_free(t);
	return c.info[0];
}

static void
test_in_order_no_loss(void **state)
{
	static const uint32_t seqs[] = { 1, 2, 3, 4, 5 };
	struct sflow_agent_info a = feed(seqs, 5);

	(void)state;
	assert_int_equal(a.datagrams, 5);
	assert_int_equal(a.lost, 0);
	assert_int_equal(a.out_of_order, 0);
	assert_int_equal(a.duplicates, 0);
	assert_int_equal(a.last_seq, 5);
}

static void
test_gap_is_lost(void **state)
{
	static const uint32_t seqs[] = { 10, 11, 15, 16 };
	struct sflow_agent_info a = feed(seqs, 4);

	(void)state;
	assert_int_equal(a.lost, 3);
}

static void
test_late_datagram_is_reordered_not_lost(void **state)
{
	static const uint32_t seqs[] = { 1, 2, 4, 3, 5 };
	struct sflow_agent_info a = feed(seqs, 5);

	(void)state;
	assert_int_equal(a.lost, 0);
	assert_int_equal(a.out_of_order, 1);
	assert_int_equal(a.duplicates, 0);
	assert_int_equal(a.last_seq, 5);
}

static void
test_repeat_is_duplicate(void **state)
{
	static const uint32_t seqs[] = { 1, 2, 2, 3, 1 };
	struct sflow_agent_info a = feed(seqs, 5);

	(void)state;
	assert_int_equal(a.duplicates, 2);
	assert_int_equal(a.out_of_order, 0);
	assert_int_equal(a.lost, 0);
}

static void
test_sequence_wraps(void **state)
{
	static const uint32_t seqs[] = { 0xFFFFFFFEu, 0xFFFFFFFFu, 0, 1 };
	struct sflow_agents *t = new_table(4, 16);
	struct collected c = { .n = 0 };
	struct sflow_datagram dg;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		dg = dgram(1, 0, seqs[i], 1000 + (uint32_t)i);
		sflow_agents_datagram(t, &dg);
	}
	sflow_agents_foreach(t, collect, &c);
	assert_int_equal(c.info[0].lost, 0);
	assert_int_equal(c.info[0].resets, 0);
	assert_int_equal(c.info[0].out_of_order, 0);
	sflow_agents_free(t);
}

static void
test_restart_resets_instead_of_loss(void **state)
{
	struct sflow_agents *t = new_table(4, 16);
	struct collected c = { .n = 0 };
	struct sflow_datagram dg;

	(void)state;
	dg = dgram(1, 0, 5000, 9000000);
	sflow_agents_datagram(t, &dg);
	dg = dgram(1, 0, 5001, 9001000);
	sflow_agents_datagram(t, &dg);
	dg = dgram(1, 0, 1, 500);		/* rebooted */
	sflow_agents_datagram(t, &dg);
	dg = dgram(1, 0, 2, 1500);
	sflow_agents_datagram(t, &dg);
	sflow_agents_foreach(t, collect, &c);
	assert_int_equal(c.info[0].resets, 1);
	assert_int_equal(c.info[0].lost, 0);
	assert_int_equal(c.info[0].out_of_order, 0);
	assert_int_equal(c.info[0].duplicates, 0);
	assert_int_equal(c.info[0].datagrams, 4);
	sflow_agents_free(t);
}

static void
test_sub_agents_are_separate(void **state)
{
	struct sflow_agents *t = new_table(4, 16);
	struct collected c = { .n = 0 };
	struct sflow_datagram dg;

	(void)state;
	dg = dgram(1, 0, 1, 100);
	sflow_agents_datagram(t, &dg);
	dg = dgram(1, 1, 500, 100);
	sflow_agents_datagram(t, &dg);
	dg = dgram(1, 0, 2, 200);
	sflow_agents_datagram(t, &dg);
	dg = dgram(1, 1, 501, 200);
	sflow_agents_datagram(t, &dg);
	sflow_agents_foreach(t, collect, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.info[0].sub_agent, 0);
	assert_int_equal(c.info[1].sub_agent, 1);
	assert_int_equal(c.info[0].lost + c.info[1].lost, 0);
	assert_int_equal(sflow_agents_count(t), 2);
	sflow_agents_free(t);
}

static void
flow(struct sflow_agents *t, const struct sflow_datagram *dg, uint32_t type,
    uint32_t source_index, uint32_t seq)
{
	struct sflow_flow_sample s;

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.source_index = source_index;
	s.seq = seq;
	sflow_agents_flow(t, dg, &s);
}

static void
test_sample_gaps_per_source_and_kind(void **state)
{
	struct sflow_agents *t = new_table(4, 16);
	struct collected c = { .n = 0 };
	struct sflow_counter_sample cs;
	struct sflow_datagram dg;

	(void)state;
	dg = dgram(1, 0, 1, 100);
	sflow_agents_datagram(t, &dg);
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 3, 10);
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 3, 11);
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 4, 500);	/* another source */
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 3, 14);		/* 12, 13 missing */
	flow(t, &dg, SFLOW_SAMPLE_FLOW_EXPANDED, 4, 501);
	memset(&cs, 0, sizeof(cs));
	cs.type = SFLOW_SAMPLE_COUNTER;
	cs.source_index = 3;
	cs.seq = 1;				/* counters: own sequence */
	sflow_agents_counter(t, &dg, &cs);
	cs.seq = 2;
	sflow_agents_counter(t, &dg, &cs);
	flow(t, &dg, SFLOW_SAMPLE_DISCARD, 3, 1);
	sflow_agents_foreach(t, collect, &c);
	assert_int_equal(c.info[0].sample_gaps, 2);
	assert_int_equal(c.info[0].flow_samples, 5);
	assert_int_equal(c.info[0].counter_samples, 2);
	assert_int_equal(c.info[0].discard_samples, 1);
	assert_int_equal(c.info[0].sources, 4);
	sflow_agents_free(t);
}

static void
test_agent_cap_counts_dropped(void **state)
{
	struct sflow_agents *t = new_table(1, 16);
	struct sflow_datagram dg;

	(void)state;
	dg = dgram(1, 0, 1, 100);
	assert_int_equal(sflow_agents_datagram(t, &dg), 0);
	dg = dgram(2, 0, 1, 100);
	assert_int_equal(sflow_agents_datagram(t, &dg), -1);
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 1, 1);	/* no agent: ignored */
	assert_int_equal(sflow_agents_count(t), 1);
	assert_int_equal(sflow_agents_dropped(t), 1);
	dg = dgram(1, 0, 2, 200);		/* the known one still works */
	assert_int_equal(sflow_agents_datagram(t, &dg), 0);
	sflow_agents_free(t);
}

static void
test_source_cap_counts_dropped(void **state)
{
	struct sflow_agents *t = new_table(2, 2);
	struct sflow_datagram dg;

	(void)state;
	dg = dgram(1, 0, 1, 100);
	sflow_agents_datagram(t, &dg);
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 1, 1);
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 2, 1);
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 3, 1);
	flow(t, &dg, SFLOW_SAMPLE_FLOW, 4, 1);
	assert_int_equal(sflow_agents_dropped(t), 2);
	sflow_agents_free(t);
}

static void
test_bad_limits_and_free_null(void **state)
{
	struct sflow_agents_limits none = { 0, 0 };

	(void)state;
	assert_null(sflow_agents_new(&none));
	sflow_agents_free(NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_in_order_no_loss),
	cmocka_unit_test(test_gap_is_lost),
	cmocka_unit_test(test_late_datagram_is_reordered_not_lost),
	cmocka_unit_test(test_repeat_is_duplicate),
	cmocka_unit_test(test_sequence_wraps),
	cmocka_unit_test(test_restart_resets_instead_of_loss),
	cmocka_unit_test(test_sub_agents_are_separate),
	cmocka_unit_test(test_sample_gaps_per_source_and_kind),
	cmocka_unit_test(test_agent_cap_counts_dropped),
	cmocka_unit_test(test_source_cap_counts_dropped),
	cmocka_unit_test(test_bad_limits_and_free_null),
};

FS_TEST_MAIN(tests)
