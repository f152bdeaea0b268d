/*
 * test_sflow_decode.c - the sFlow v5 decoder on datagrams built here, one
 * feature or one kind of bad input per case.
 */
#include "fs_test.h"

#include <stdlib.h>

#include "sflow.h"
#include "xdr_build.h"

#define AGENT_192_0_2_1	0xC0000201u

/* What the visitor saw: copies of the samples (their views die after). */
struct seen {
	int			 datagrams;
	int			 flows;
	int			 counters;
	struct sflow_datagram	 dg;
	struct sflow_flow_sample flow[4];
	struct sflow_counter_sample counter[4];
	int			 skipped;
	struct sflow_skipped_sample skip[4];
};

static void
see_datagram(void *ctx, const struct sflow_datagram *dg)
{
	struct seen *s = ctx;

	s->datagrams++;
	s->dg = *dg;
}

static void
see_flow(void *ctx, const struct sflow_datagram *dg,
    const struct sflow_flow_sample *f)
{
	struct seen *s = ctx;

	(void)dg;
	if (s->flows < 4)
		s->flow[s->flows] = *f;
	s->flows++;
}

static void
see_counter(void *ctx, const struct sflow_datagram *dg,
    const struct sflow_counter_sample *c)
{
	struct seen *s = ctx;

	(void)dg;
	if (s->counters < 4)
		s->counter[s->counters] = *c;
	s->counters++;
}

static void
see_skipped(void *ctx, const struct sflow_datagram *dg,
    const struct sflow_skipped_sample *k)
{
	struct seen *s = ctx;

	(void)dg;
	if (s->skipped < 4)
		s->skip[s->skipped] = *k;
	s->skipped++;
}

static const struct sflow_visitor seer = { see_datagram, see_flow,
    see_counter, see_skipped };

/* Decode b into *seen and *st (both zeroed here); returns the result. */
static int
decode(const struct xb *b, struct seen *seen, struct sflow_stats *st,
    struct sflow_error *err)
{
	uint8_t *copy;
	int rc;

	memset(seen, 0, sizeof(*seen));
	memset(st, 0, sizeof(*st));
	/* An exact-size heap copy, so that ASan sees any over-read. */
	copy = malloc(b->len ? b->len : 1);
	assert_non_null(copy);
	memcpy(copy, b->buf, b->len);
	rc = sflow_decode(copy, b->len, SFLOW_DECODE_FLOW_KEY, &seer, seen, st,
	    err);
	free(copy);
	return rc;
}

/* Ethernet / IPv4 10.0.0.1 > 203.0.113.9 / TCP 40000 > 443 PSH+ACK */
static const uint8_t eth_ipv4_tcp[54] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0x08, 0x00,
	0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 203, 0, 113, 9,
	0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x18, 0xff, 0xff,
	0, 0, 0, 0,
};

static void
raw_header_record(struct xb *b, uint32_t protocol, const void *hdr,
    size_t len, uint32_t frame_length)
{
	size_t rec = xb_open(b, SFLOW_FLOW_RAW_HEADER);

	xb_u32(b, protocol);
	xb_u32(b, frame_length);
	xb_u32(b, 4);			/* stripped */
	xb_u32(b, (uint32_t)len);
	xb_opaque(b, hdr, len);
	xb_close(b, rec);
}

static void
ext_switch_record(struct xb *b, size_t extra_bytes)
{
	size_t rec = xb_open(b, SFLOW_FLOW_EXT_SWITCH), i;

	xb_u32(b, 10);
	xb_u32(b, 1);
	xb_u32(b, 20);
	xb_u32(b, 2);
	for (i = 0; i < extra_bytes / 4; i++)
		xb_u32(b, 0);
	xb_close(b, rec);
}

/* A compact flow sample head: seq 7, source 0:3, rate 100, in 1 out word. */
static size_t
compact_flow_head(struct xb *b, uint32_t out_word, uint32_t n_records)
{
	size_t at = xb_open(b, SFLOW_SAMPLE_FLOW);

	xb_u32(b, 7);
	xb_u32(b, 3);			/* class 0, index 3 */
	xb_u32(b, 100);
	xb_u32(b, 700);
	xb_u32(b, 2);
	xb_u32(b, 1);
	xb_u32(b, out_word);
	xb_u32(b, n_records);
	return at;
}

static void
test_header_ipv4_agent_no_samples(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	char buf[NETADDR_STRLEN];

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 3, 1234, 5678, 0);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.datagrams, 1);
	assert_string_equal(netaddr_format(&seen.dg.agent, buf, sizeof(buf)),
	    "192.0.2.1");
	assert_int_equal(seen.dg.sub_agent, 3);
	assert_int_equal(seen.dg.seq, 1234);
	assert_int_equal(seen.dg.uptime_ms, 5678);
	assert_int_equal(err.offset, b.len);
	assert_int_equal(st.datagrams, 1);
	assert_int_equal(st.trailing_bytes, 0);
}

static void
test_header_ipv6_agent(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	char buf[NETADDR_STRLEN];

	(void)state;
	xb_u32(&b, 5);
	xb_u32(&b, 2);
	xb_bytes(&b, v6, 16);
	xb_u32(&b, 0);
	xb_u32(&b, 1);
	xb_u32(&b, 1);
	xb_u32(&b, 0);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_string_equal(netaddr_format(&seen.dg.agent, buf, sizeof(buf)),
	    "2001:db8::7");
}

static void
test_netflow_v5_is_bad_version(void **state)
{
	static const uint8_t netflow[24] = { 0x00, 0x05, 0x00, 0x01 };
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };

	(void)state;
	xb_bytes(&b, netflow, sizeof(netflow));
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_BAD_VERSION);
	assert_int_equal(st.bad_version, 1);
	assert_int_equal(seen.datagrams, 0);
	assert_string_equal(sflow_result_str(err.result), "bad_version");
}

static void
test_unknown_agent_address_type_is_invalid(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };

	(void)state;
	xb_u32(&b, 5);
	xb_u32(&b, 3);			/* not 1 (IPv4) or 2 (IPv6) */
	xb_u32(&b, 0);
	xb_u32(&b, 0);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_INVALID);
	assert_int_equal(st.invalid, 1);
}

static void
test_compact_flow_sample_with_tcp_header(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	const struct sflow_flow_sample *f;
	char buf[NETADDR_STRLEN];
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 2);
	ext_switch_record(&b, 0);
	raw_header_record(&b, SFLOW_HEADER_ETHERNET, eth_ipv4_tcp,
	    sizeof(eth_ipv4_tcp), 1500);
	xb_close(&b, at);

	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.flows, 1);
	f = &seen.flow[0];
	assert_int_equal(f->type, SFLOW_SAMPLE_FLOW);
	assert_int_equal(f->index, 1);
	assert_int_equal(f->seq, 7);
	assert_int_equal(f->source_class, 0);
	assert_int_equal(f->source_index, 3);
	assert_int_equal(f->sampling_rate, 100);
	assert_int_equal(f->sample_pool, 700);
	assert_int_equal(f->drops, 2);
	assert_int_equal(f->input.format, 0);
	assert_int_equal(f->input.value, 1);
	assert_int_equal(f->output.value, 5);
	assert_int_equal(f->records.declared, 2);
	assert_int_equal(f->records.listed, 2);
	assert_int_equal(f->records.formats[0], SFLOW_FLOW_EXT_SWITCH);
	assert_int_equal(f->records.formats[1], SFLOW_FLOW_RAW_HEADER);
	assert_int_equal(f->sw.src_vlan, 10);
	assert_int_equal(f->sw.dst_vlan, 20);
	assert_int_equal(f->header.frame_length, 1500);
	assert_int_equal(f->header.length, sizeof(eth_ipv4_tcp));
	assert_true(f->present & SFLOW_HAS_FLOW_KEY);
	assert_int_equal(f->pkt.key.eth_type, 0x0800);
	assert_string_equal(netaddr_format(&f->pkt.key.src, buf, sizeof(buf)),
	    "10.0.0.1");
	assert_string_equal(netaddr_format(&f->pkt.key.dst, buf, sizeof(buf)),
	    "203.0.113.9");
	assert_int_equal(f->pkt.key.proto, 6);
	assert_int_equal(f->pkt.key.sport, 40000);
	assert_int_equal(f->pkt.key.dport, 443);
	assert_int_equal(f->pkt.key.tcp_flags, 0x018);
	assert_int_equal(sflow_scaled_frames(f), 100);
	assert_int_equal(sflow_scaled_bytes(f), 150000);
	assert_int_equal(st.flow_samples, 1);
	assert_int_equal(st.flow_records, 2);
}

static void
test_compact_interface_formats(void **state)
{
	static const uint32_t words[] = { 0x40000005u, 0x80000007u,
	    0x3FFFFFFFu };
	static const uint32_t formats[] = { 1, 2, 0 };
	static const uint32_t values[] = { 5, 7, 0x3FFFFFFF };
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	size_t i, at;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct xb b = { .len = 0 };

		xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
		at = compact_flow_head(&b, words[i], 0);
		xb_close(&b, at);
		assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
		assert_int_equal(seen.flows, 1);
		assert_int_equal(seen.flow[0].output.format, formats[i]);
		assert_int_equal(seen.flow[0].output.value, values[i]);
	}
}

static void
test_expanded_flow_sample(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = xb_open(&b, SFLOW_SAMPLE_FLOW_EXPANDED);
	xb_u32(&b, 9);			/* seq */
	xb_u32(&b, 2);			/* source class */
	xb_u32(&b, 0x01020304);		/* index wider than 24 bits */
	xb_u32(&b, 512);
	xb_u32(&b, 1024);
	xb_u32(&b, 0);
	xb_u32(&b, 0);
	xb_u32(&b, 0x3FFFFFFF);		/* input: local */
	xb_u32(&b, 2);
	xb_u32(&b, 3);			/* output: 3 interfaces */
	xb_u32(&b, 1);
	raw_header_record(&b, SFLOW_HEADER_ETHERNET, eth_ipv4_tcp,
	    sizeof(eth_ipv4_tcp), 64);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.flows, 1);
	assert_int_equal(seen.flow[0].type, SFLOW_SAMPLE_FLOW_EXPANDED);
	assert_int_equal(seen.flow[0].source_class, 2);
	assert_int_equal(seen.flow[0].source_index, 0x01020304);
	assert_int_equal(seen.flow[0].input.value, SFLOW_IF_LOCAL);
	assert_int_equal(seen.flow[0].output.format, 2);
	assert_int_equal(seen.flow[0].output.value, 3);
	assert_int_equal(seen.flow[0].pkt.key.dport, 443);
}

static void
test_discard_sample_skips_unknown_record(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, rec;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = xb_open(&b, SFLOW_SAMPLE_DISCARD);
	xb_u32(&b, 2);			/* seq */
	xb_u32(&b, 0);
	xb_u32(&b, 1);
	xb_u32(&b, 256);		/* drops */
	xb_u32(&b, 1);			/* input */
	xb_u32(&b, 2);			/* output */
	xb_u32(&b, 1);			/* reason: host unreachable */
	xb_u32(&b, 1);
	rec = xb_open(&b, 1036);	/* egress queue: unknown to us */
	xb_u32(&b, 42);
	xb_close(&b, rec);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.flows, 1);
	assert_int_equal(seen.flow[0].type, SFLOW_SAMPLE_DISCARD);
	assert_int_equal(seen.flow[0].drops, 256);
	assert_int_equal(seen.flow[0].reason, 1);
	assert_int_equal(seen.flow[0].input.value, 1);
	assert_int_equal(seen.flow[0].output.value, 2);
	assert_int_equal(seen.flow[0].records.formats[0], 1036);
	assert_int_equal(st.discard_samples, 1);
	assert_int_equal(st.flow_samples, 0);
	assert_int_equal(st.unknown_records, 1);
}

static void
test_counter_sample_all_records(void **state)
{
	static const uint8_t mac_a[6] = { 1, 2, 3, 4, 5, 6 };
	static const uint8_t mac_b[6] = { 6, 5, 4, 3, 2, 1 };
	static const uint8_t port_state[4] = { 0x3d, 0x3f, 0x3c, 0x3e };
	const struct sflow_counter_sample *c;
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, rec;
	int i;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = xb_open(&b, SFLOW_SAMPLE_COUNTER);
	xb_u32(&b, 11);
	xb_u32(&b, 0x01000064);		/* class 1 (VLAN), index 100 */
	xb_u32(&b, 5);
	rec = xb_open(&b, SFLOW_COUNTER_GENERIC_IF);
	xb_u32(&b, 55);
	xb_u32(&b, 6);
	xb_u64(&b, 10000000000ull);
	xb_u32(&b, 1);
	xb_u32(&b, 3);
	xb_u64(&b, 0xFFFFFFFFFFFFFFFFull);	/* in octets: all bits */
	for (i = 0; i < 6; i++)
		xb_u32(&b, 100 + (uint32_t)i);
	xb_u64(&b, 123456789012ull);
	for (i = 0; i < 6; i++)
		xb_u32(&b, 200 + (uint32_t)i);
	xb_close(&b, rec);
	rec = xb_open(&b, SFLOW_COUNTER_ETHERNET);
	for (i = 0; i < 13; i++)
		xb_u32(&b, 300 + (uint32_t)i);
	xb_close(&b, rec);
	rec = xb_open(&b, SFLOW_COUNTER_VLAN);
	xb_u32(&b, 100);
	xb_u64(&b, 999);
	for (i = 0; i < 4; i++)
		xb_u32(&b, 400 + (uint32_t)i);
	xb_close(&b, rec);
	rec = xb_open(&b, SFLOW_COUNTER_LAG);
	xb_opaque(&b, mac_a, 6);
	xb_opaque(&b, mac_b, 6);
	xb_u32(&b, 77);
	xb_bytes(&b, port_state, 4);
	for (i = 0; i < 8; i++)
		xb_u32(&b, 500 + (uint32_t)i);
	xb_close(&b, rec);
	rec = xb_open(&b, SFLOW_COUNTER_PROCESSOR);
	xb_u32(&b, 1234);
	xb_u32(&b, 2345);
	xb_u32(&b, 3456);
	xb_u64(&b, 1ull << 34);
	xb_u64(&b, 1ull << 33);
	xb_close(&b, rec);
	xb_close(&b, at);

	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.counters, 1);
	c = &seen.counter[0];
	assert_int_equal(c->seq, 11);
	assert_int_equal(c->source_class, 1);
	assert_int_equal(c->source_index, 100);
	assert_int_equal(c->present, SFLOW_HAS_IF_COUNTERS |
	    SFLOW_HAS_ETHERNET_COUNTERS | SFLOW_HAS_VLAN_COUNTERS |
	    SFLOW_HAS_LAG_COUNTERS | SFLOW_HAS_PROCESSOR_COUNTERS);
	assert_int_equal(c->ifc.if_index, 55);
	assert_true(c->ifc.if_speed == 10000000000ull);
	assert_true(c->ifc.in_octets == 0xFFFFFFFFFFFFFFFFull);
	assert_int_equal(c->ifc.in_ucast, 100);
	assert_int_equal(c->ifc.in_unknown_protos, 105);
	assert_true(c->ifc.out_octets == 123456789012ull);
	assert_int_equal(c->ifc.promiscuous, 205);
	assert_int_equal(c->ethernet.alignment_errors, 300);
	assert_int_equal(c->ethernet.symbol_errors, 312);
	assert_int_equal(c->vlan.vlan_id, 100);
	assert_int_equal(c->vlan.octets, 999);
	assert_int_equal(c->vlan.discards, 403);
	assert_memory_equal(c->lag.actor_system_id, mac_a, 6);
	assert_memory_equal(c->lag.partner_system_id, mac_b, 6);
	assert_int_equal(c->lag.attached_agg_id, 77);
	assert_memory_equal(c->lag.port_state, port_state, 4);
	assert_int_equal(c->lag.lacpdus_rx, 500);
	assert_int_equal(c->lag.marker_response_pdus_tx, 507);
	assert_int_equal(c->processor.cpu_5s, 1234);
	assert_true(c->processor.total_memory == 1ull << 34);
	assert_int_equal(st.counter_samples, 1);
	assert_int_equal(st.counter_records, 5);
}

static void
test_expanded_counter_sample(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = xb_open(&b, SFLOW_SAMPLE_COUNTER_EXPANDED);
	xb_u32(&b, 3);
	xb_u32(&b, 0);
	xb_u32(&b, 0x7FFFFFFF);
	xb_u32(&b, 0);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.counters, 1);
	assert_int_equal(seen.counter[0].type, SFLOW_SAMPLE_COUNTER_EXPANDED);
	assert_int_equal(seen.counter[0].source_index, 0x7FFFFFFF);
}

static void
test_unknown_samples_are_skipped_by_length(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 3);
	at = xb_open(&b, 9);			/* unknown sample type */
	xb_u32(&b, 0xdeadbeef);
	xb_close(&b, at);
	at = xb_open(&b, 4300u << 12 | 1);	/* another enterprise's */
	xb_u32(&b, 1);
	xb_u32(&b, 2);
	xb_close(&b, at);
	at = compact_flow_head(&b, 5, 0);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(st.unknown_samples, 2);
	assert_int_equal(seen.skipped, 2);
	assert_int_equal(seen.skip[0].index, 1);
	assert_int_equal(seen.skip[0].data_format, 9);
	assert_int_equal(seen.skip[0].length, 4);
	assert_int_equal(seen.skip[1].index, 2);
	assert_int_equal(seen.skip[1].data_format, 4300u << 12 | 1);
	assert_int_equal(seen.skip[1].length, 8);
	assert_int_equal(seen.flows, 1);
	assert_int_equal(seen.flow[0].index, 3);	/* skipped ones count */
}

static void
test_unknown_record_is_skipped_and_listed(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, rec;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 2);
	rec = xb_open(&b, 8800u << 12 | 7);
	xb_opaque(&b, "abcde", 5);
	xb_close(&b, rec);
	ext_switch_record(&b, 0);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(st.unknown_records, 1);
	assert_int_equal(seen.flow[0].records.formats[0], 8800u << 12 | 7);
	assert_true(seen.flow[0].present & SFLOW_HAS_EXT_SWITCH);
}

static void
test_known_record_of_wrong_length_is_ignored(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 2);
	ext_switch_record(&b, 4);		/* 20 bytes instead of 16 */
	raw_header_record(&b, SFLOW_HEADER_ETHERNET, eth_ipv4_tcp,
	    sizeof(eth_ipv4_tcp), 60);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_INVALID);
	assert_int_equal(st.bad_records, 1);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(err.sample_index, 1);
	assert_int_equal(err.record_index, 1);
	assert_int_equal(err.record_format, SFLOW_FLOW_EXT_SWITCH);
	/* The sample is still delivered, without the bad record's values. */
	assert_int_equal(seen.flows, 1);
	assert_false(seen.flow[0].present & SFLOW_HAS_EXT_SWITCH);
	assert_true(seen.flow[0].present & SFLOW_HAS_RAW_HEADER);
}

static void
test_sample_with_bytes_after_records_is_dropped(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 2);
	at = compact_flow_head(&b, 5, 0);
	xb_u32(&b, 0);				/* 4 bytes nobody declared */
	xb_close(&b, at);
	at = compact_flow_head(&b, 6, 0);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_INVALID);
	assert_int_equal(st.bad_samples, 1);
	assert_int_equal(err.sample_index, 1);
	assert_int_equal(seen.flows, 1);	/* the second one */
	assert_int_equal(seen.flow[0].output.value, 6);
}

static void
test_record_longer_than_sample_is_invalid(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 1);
	xb_u32(&b, SFLOW_FLOW_EXT_SWITCH);
	xb_u32(&b, 1000);			/* the sample has 8 more */
	xb_u64(&b, 0);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_INVALID);
	assert_int_equal(seen.flows, 0);
	assert_int_equal(st.bad_samples, 1);
	assert_int_equal(err.record_index, 1);
}

static void
test_huge_record_count_is_invalid_not_slow(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 0xFFFFFFFFu);
	ext_switch_record(&b, 0);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_INVALID);
	assert_int_equal(seen.flows, 0);
}

static void
test_sample_past_datagram_end_is_truncated(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 3);
	at = compact_flow_head(&b, 5, 0);
	xb_close(&b, at);
	at = compact_flow_head(&b, 6, 0);
	xb_close(&b, at);
	b.len -= 4;				/* cut the second sample */
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_TRUNCATED);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(err.sample_index, 2);
	assert_int_equal(seen.flows, 1);	/* the first was delivered */
}

static void
test_truncation_after_invalid_sample_is_the_result(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 2);
	at = compact_flow_head(&b, 5, 1);
	ext_switch_record(&b, 4);		/* invalid: 20 bytes */
	xb_close(&b, at);
	at = compact_flow_head(&b, 6, 0);
	xb_close(&b, at);
	b.len -= 4;				/* and the next one cut */
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_TRUNCATED);
	assert_int_equal(err.result, SFLOW_TRUNCATED);
	assert_int_equal(err.sample_index, 2);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.invalid, 0);
	assert_int_equal(seen.flows, 1);
}

static void
test_huge_sample_count_is_truncated(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 0xFFFFFFFFu);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_TRUNCATED);
	assert_int_equal(err.sample_index, 1);
}

static void
test_trailing_bytes_are_counted_and_ignored(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, end;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 0);
	xb_close(&b, at);
	end = b.len;
	at = compact_flow_head(&b, 6, 0);	/* not declared */
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.flows, 1);
	assert_int_equal(err.offset, end);
	assert_int_equal(st.trailing_bytes, 1);
}

static void
test_every_cut_is_truncated(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, full;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 2);
	at = compact_flow_head(&b, 5, 2);
	ext_switch_record(&b, 0);
	raw_header_record(&b, SFLOW_HEADER_ETHERNET, eth_ipv4_tcp, 53, 60);
	xb_close(&b, at);
	at = xb_open(&b, SFLOW_SAMPLE_COUNTER);
	xb_u32(&b, 1);
	xb_u32(&b, 1);
	xb_u32(&b, 0);
	xb_close(&b, at);
	full = b.len;
	for (b.len = 0; b.len < full; b.len++)
		assert_int_equal(decode(&b, &seen, &st, &err),
		    SFLOW_TRUNCATED);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
}

static void
test_first_of_repeated_records_wins(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, rec;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 2);
	ext_switch_record(&b, 0);
	rec = xb_open(&b, SFLOW_FLOW_EXT_SWITCH);
	xb_u32(&b, 99);
	xb_u32(&b, 0);
	xb_u32(&b, 99);
	xb_u32(&b, 0);
	xb_close(&b, rec);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.flow[0].sw.src_vlan, 10);
	assert_int_equal(seen.flow[0].records.listed, 2);
}

static void
test_raw_ipv4_and_ipv6_header_protocols(void **state)
{
	static const uint8_t ipv6_udp[48] = {
		0x60, 0, 0, 0, 0, 8, 17, 64,
		0x20, 0x01, 0x0d, 0xb8, [23] = 1,
		[24] = 0x20, 0x01, 0x0d, 0xb8, [39] = 2,
		[40] = 0x00, 0x35, 0x30, 0x39, 0x00, 0x08, 0, 0,
	};
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 3);
	at = compact_flow_head(&b, 5, 1);
	raw_header_record(&b, SFLOW_HEADER_IPV4, eth_ipv4_tcp + 14, 40, 44);
	xb_close(&b, at);
	at = compact_flow_head(&b, 5, 1);
	raw_header_record(&b, SFLOW_HEADER_IPV6, ipv6_udp, sizeof(ipv6_udp),
	    52);
	xb_close(&b, at);
	at = compact_flow_head(&b, 5, 1);
	raw_header_record(&b, 7, ipv6_udp, 10, 14);	/* 802.11: unknown */
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_int_equal(seen.flows, 3);
	assert_int_equal(seen.flow[0].pkt.key.eth_type, 0);
	assert_int_equal(seen.flow[0].pkt.key.sport, 40000);
	assert_int_equal(seen.flow[1].pkt.key.src.family, NETADDR_IPV6);
	assert_int_equal(seen.flow[1].pkt.key.proto, 17);
	assert_int_equal(seen.flow[1].pkt.key.sport, 53);
	assert_int_equal(seen.flow[1].pkt.key.dport, 12345);
	assert_false(seen.flow[2].present & SFLOW_HAS_FLOW_KEY);
	assert_int_equal(st.unknown_header_protocols, 1);
}

static void
test_clipped_header_gives_truncated_key(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 1);
	raw_header_record(&b, SFLOW_HEADER_ETHERNET, eth_ipv4_tcp, 38, 1514);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_true(seen.flow[0].pkt.key.flags & FLOW_KEY_TRUNCATED);
	assert_true(seen.flow[0].pkt.key.flags & FLOW_KEY_PORTS);
	assert_false(seen.flow[0].pkt.key.flags & FLOW_KEY_TCP_FLAGS);
	assert_int_equal(seen.flow[0].pkt.key.dport, 443);
	assert_int_equal(st.headers_truncated, 1);
}

static void
test_sampled_ipv4_record_gives_key(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, rec;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 1);
	rec = xb_open(&b, SFLOW_FLOW_SAMPLED_IPV4);
	xb_u32(&b, 84);
	xb_u32(&b, 6);
	xb_u32(&b, 0x0A000001);
	xb_u32(&b, 0x0A000002);
	xb_u32(&b, 1234);
	xb_u32(&b, 80);
	xb_u32(&b, 0x12);
	xb_u32(&b, 0);
	xb_close(&b, rec);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	assert_true(seen.flow[0].present & SFLOW_HAS_FLOW_KEY);
	assert_int_equal(seen.flow[0].pkt.key.proto, 6);
	assert_int_equal(seen.flow[0].pkt.key.sport, 1234);
	assert_int_equal(seen.flow[0].pkt.key.dport, 80);
	assert_int_equal(seen.flow[0].pkt.key.tcp_flags, 0x12);
	assert_int_equal(sflow_frame_length(&seen.flow[0]), 84);
}

static void
test_extended_gateway_as_path(void **state)
{
	const struct sflow_ext_gateway *g;
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, rec;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 1);
	rec = xb_open(&b, SFLOW_FLOW_EXT_GATEWAY);
	xb_u32(&b, 1);
	xb_u32(&b, 0xC0000202);		/* next hop 192.0.2.2 */
	xb_u32(&b, 65000);
	xb_u32(&b, 65001);
	xb_u32(&b, 65002);
	xb_u32(&b, 2);			/* segments */
	xb_u32(&b, 2);			/* AS_SEQUENCE */
	xb_u32(&b, 2);
	xb_u32(&b, 100);
	xb_u32(&b, 200);
	xb_u32(&b, 1);			/* AS_SET */
	xb_u32(&b, 1);
	xb_u32(&b, 300);
	xb_u32(&b, 2);			/* communities */
	xb_u32(&b, 1);
	xb_u32(&b, 2);
	xb_u32(&b, 150);		/* local pref */
	xb_close(&b, rec);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_OK);
	g = &seen.flow[0].gateway;
	assert_int_equal(g->as, 65000);
	assert_int_equal(g->src_as, 65001);
	assert_int_equal(g->src_peer_as, 65002);
	assert_int_equal(g->as_path_segments, 2);
	assert_int_equal(g->as_path_length, 3);
	assert_int_equal(g->dst_peer_as, 100);
	assert_int_equal(g->dst_as, 300);
	assert_int_equal(g->communities, 2);
	assert_int_equal(g->local_pref, 150);
}

static void
test_gateway_with_absurd_counts_is_bad_record(void **state)
{
	struct sflow_stats st;
	struct sflow_error err;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at, rec;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 1);
	rec = xb_open(&b, SFLOW_FLOW_EXT_GATEWAY);
	xb_u32(&b, 1);
	xb_u32(&b, 0xC0000202);
	xb_u32(&b, 1);
	xb_u32(&b, 2);
	xb_u32(&b, 3);
	xb_u32(&b, 1);
	xb_u32(&b, 2);
	xb_u32(&b, 0x40000000);		/* 2^30 AS numbers follow? no */
	xb_u32(&b, 100);
	xb_close(&b, rec);
	xb_close(&b, at);
	assert_int_equal(decode(&b, &seen, &st, &err), SFLOW_INVALID);
	assert_int_equal(st.bad_records, 1);
	assert_false(seen.flow[0].present & SFLOW_HAS_EXT_GATEWAY);
}

static void
test_without_flow_key_flag_no_key(void **state)
{
	struct sflow_stats st;
	struct seen seen;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 1);
	raw_header_record(&b, SFLOW_HEADER_ETHERNET, eth_ipv4_tcp,
	    sizeof(eth_ipv4_tcp), 60);
	xb_close(&b, at);
	memset(&seen, 0, sizeof(seen));
	memset(&st, 0, sizeof(st));
	assert_int_equal(sflow_decode(b.buf, b.len, 0, &seer, &seen, &st,
	    NULL), SFLOW_OK);
	assert_int_equal(seen.flows, 1);
	assert_false(seen.flow[0].present & SFLOW_HAS_FLOW_KEY);
	assert_int_equal(seen.flow[0].pkt.key.src.family, NETADDR_NONE);
}

static void
test_null_visitor_only_counts(void **state)
{
	struct sflow_stats st;
	struct xb b = { .len = 0 };
	size_t at;

	(void)state;
	xb_header4(&b, AGENT_192_0_2_1, 0, 1, 1, 1);
	at = compact_flow_head(&b, 5, 0);
	xb_close(&b, at);
	memset(&st, 0, sizeof(st));
	assert_int_equal(sflow_decode(b.buf, b.len, SFLOW_DECODE_FLOW_KEY,
	    NULL, NULL, &st, NULL), SFLOW_OK);
	assert_int_equal(st.flow_samples, 1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_header_ipv4_agent_no_samples),
	cmocka_unit_test(test_header_ipv6_agent),
	cmocka_unit_test(test_netflow_v5_is_bad_version),
	cmocka_unit_test(test_unknown_agent_address_type_is_invalid),
	cmocka_unit_test(test_compact_flow_sample_with_tcp_header),
	cmocka_unit_test(test_compact_interface_formats),
	cmocka_unit_test(test_expanded_flow_sample),
	cmocka_unit_test(test_discard_sample_skips_unknown_record),
	cmocka_unit_test(test_counter_sample_all_records),
	cmocka_unit_test(test_expanded_counter_sample),
	cmocka_unit_test(test_unknown_samples_are_skipped_by_length),
	cmocka_unit_test(test_unknown_record_is_skipped_and_listed),
	cmocka_unit_test(test_known_record_of_wrong_length_is_ignored),
	cmocka_unit_test(test_sample_with_bytes_after_records_is_dropped),
	cmocka_unit_test(test_record_longer_than_sample_is_invalid),
	cmocka_unit_test(test_huge_record_count_is_invalid_not_slow),
	cmocka_unit_test(test_sample_past_datagram_end_is_truncated),
	cmocka_unit_test(test_truncation_after_invalid_sample_is_the_result),
	cmocka_unit_test(test_huge_sample_count_is_truncated),
	cmocka_unit_test(test_trailing_bytes_are_counted_and_ignored),
	cmocka_unit_test(test_every_cut_is_truncated),
	cmocka_unit_test(test_first_of_repeated_records_wins),
	cmocka_unit_test(test_raw_ipv4_and_ipv6_header_protocols),
	cmocka_unit_test(test_clipped_header_gives_truncated_key),
	cmocka_unit_test(test_sampled_ipv4_record_gives_key),
	cmocka_unit_test(test_extended_gateway_as_path),
	cmocka_unit_test(test_gateway_with_absurd_counts_is_bad_record),
	cmocka_unit_test(test_without_flow_key_flag_no_key),
	cmocka_unit_test(test_null_visitor_only_counts),
};

FS_TEST_MAIN(tests)
