/*
 * test_packet_robust.c - pkt_parse() (common/packet.c) on cut, tunnelled
 * and damaged packets: truncation at every length, VXLAN and its inner
 * flow, and mutated packets on every link type, against the contract in
 * packet.h.
 *
 * Packets come from the builders of support/pkt_build.h and are parsed as
 * heap copies of exactly their length, so that AddressSanitizer
 * (FS_SANITIZE=ON) catches any read past the end of a cut packet.
 */
#include <string.h>

#include "fs_test.h"
#include "pkt_build.h"

/* ---- truncation -------------------------------------------------------- */

static void
empty_buffer_is_truncated_on_every_link(void **state)
{
	static const struct flow_key want = { .flags = FLOW_KEY_TRUNCATED };
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	int link;

	(void)state;
	for (link = PKT_LINK_ETHERNET; link <= PKT_LINK_LOOP; link++) {
		parse(&p, (enum pkt_link)link, &out);
		assert_key(&out.key, &want);
		assert_no_inner(&out);
		assert_int_equal(out.payload_length, 0);
		assert_int_equal(out.payload_clipped, 0);
		exact_release_last();
	}
}

static void
ethernet_header_cut_is_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_SYN, 0);
	parse_prefix(&p, ETH_LEN - 1, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_TRUNCATED);
	assert_int_equal(out.key.src.family, NETADDR_NONE);
	assert_no_inner(&out);
}

static void
ipv4_header_cut_is_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_SYN, 0);
	parse_prefix(&p, ETH_LEN + 12, PKT_LINK_ETHERNET, &out);
	assert_flag_set(&out.key, FLOW_KEY_TRUNCATED);
	assert_flag_clear(&out.key, FLOW_KEY_PORTS);
	assert_int_equal(out.key.eth_type, ETH_IPV4);
	assert_int_equal(out.payload_length, 0);
}

/* The TCP header ends at 54; its flags byte at 47. */
#define TCP_PKT_HDR_END	(ETH_LEN + IPV4_LEN + TCP_LEN)
#define TCP_PKT_FLAGS_END (ETH_LEN + IPV4_LEN + 14)

/*
 * Every prefix of a valid packet parses (ASan watches the reads); a cut
 * before the end of the TCP flags is truncated, a cut after the TCP header
 * is not, and whatever is present is reported correctly.
 */
static void
every_prefix_of_tcp_packet_parses(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = eth_ipv4_tcp_key(TCP_PSH | TCP_ACK);
	size_t n;

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_PSH | TCP_ACK, 10);
	for (n = 0; n <= p.len; n++) {
		parse_prefix(&p, n, PKT_LINK_ETHERNET, &out);
		if (n < TCP_PKT_FLAGS_END)
			assert_flag_set(&out.key, FLOW_KEY_TRUNCATED);
		if (n >= ETH_LEN + IPV4_LEN) {
			assert_int_equal(netaddr_compare(&out.key.src,
			    &want.src), 0);
			assert_int_equal(netaddr_compare(&out.key.dst,
			    &want.dst), 0);
			assert_int_equal(out.key.proto, IPPROTO_TCP_);
			assert_int_equal(out.l3_offset, ETH_LEN);
		}
		if (n >= TCP_PKT_HDR_END) {
			assert_key(&out.key, &want);
			assert_payload(&out, TCP_PKT_HDR_END,
			    (uint32_t)(n - TCP_PKT_HDR_END), n < p.len);
		} else
			assert_int_equal(out.payload_length, 0);
		assert_no_inner(&out);
		exact_release_last();
	}
}

/*
 * The header's own rule: FLOW_KEY_TRUNCATED means "the bytes ended before
 * the headers did" - also after the flags, inside window/checksum/urgent.
 */
static void
tcp_header_cut_after_flags_is_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t n;

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_SYN, 0);
	for (n = TCP_PKT_FLAGS_END; n < TCP_PKT_HDR_END; n++) {
		parse_prefix(&p, n, PKT_LINK_ETHERNET, &out);
		assert_flag_set(&out.key, FLOW_KEY_TRUNCATED);
		exact_release_last();
	}
}

static void
every_prefix_of_ipv6_extension_packet_parses(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t ip, udp, n, ports_end, hdr_end;

	(void)state;
	put_eth(&p, ETH_8021Q);
	put_tag(&p, 7, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_HOPOPTS_);
	put_ip6_opts(&p, IPPROTO_FRAGMENT_, 8);
	put_ip6_frag(&p, IPPROTO_DSTOPTS_, 0, 1);
	put_ip6_opts(&p, IPPROTO_UDP_, 16);
	udp = put_udp(&p, 33434, 33435);
	ports_end = udp + 4;
	hdr_end = p.len;
	put_payload(&p, 12);
	end_udp(&p, udp);
	end_ipv6(&p, ip);
	for (n = 0; n <= p.len; n++) {
		parse_prefix(&p, n, PKT_LINK_ETHERNET, &out);
		if (n < ports_end)
			assert_flag_clear(&out.key, FLOW_KEY_PORTS);
		if (n < hdr_end) {
			assert_flag_set(&out.key, FLOW_KEY_TRUNCATED);
			assert_int_equal(out.payload_length, 0);
		} else {
			assert_int_equal(out.key.flags, FLOW_KEY_VLAN |
			    FLOW_KEY_FRAGMENT | FLOW_KEY_PORTS);
			assert_int_equal(out.key.proto, IPPROTO_UDP_);
			assert_int_equal(out.key.sport, 33434);
			assert_payload(&out, (uint32_t)hdr_end,
			    (uint32_t)(n - hdr_end), n < p.len);
		}
		exact_release_last();
	}
}

static void
every_prefix_of_vxlan_packet_parses(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t n, outer_end = ETH_LEN + IPV4_LEN + UDP_LEN;

	(void)state;
	build_vxlan(&p, VXLAN_PORT, 77);
	for (n = 0; n <= p.len; n++) {
		parse_prefix(&p, n, PKT_LINK_ETHERNET, &out);
		if (n < outer_end)
			assert_flag_set(&out.key, FLOW_KEY_TRUNCATED);
		else {
			assert_int_equal(out.key.flags, FLOW_KEY_PORTS);
			assert_int_equal(out.key.dport, VXLAN_PORT);
		}
		if (out.payload_length > 0)
			assert_true(out.payload_offset + out.payload_length
			    <= n);
		assert_true(out.has_inner <= 1);
		if (n == p.len) {
			assert_int_equal(out.has_inner, 1);
			assert_int_equal(out.inner.flags,
			    FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS);
		}
		exact_release_last();
	}
}

/* ---- VXLAN ------------------------------------------------------------- */

/* The inner flow of build_inner_frame(). */
static struct flow_key
inner_frame_key(void)
{
	struct flow_key k = {
		.src = addr("10.0.0.1"), .dst = addr("10.0.0.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_TCP_, .tos = 0x10,
		.ttl = 63, .sport = 1234, .dport = 80, .tcp_flags = TCP_SYN,
		.flags = FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS,
	};

	return k;
}

static void
vxlan_yields_outer_and_inner_flows(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key outer = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_UDP_, .ttl = 64,
		.sport = 49152, .dport = VXLAN_PORT, .flags = FLOW_KEY_PORTS,
	};
	struct flow_key inner = inner_frame_key();

	(void)state;
	build_vxlan(&p, VXLAN_PORT, 0x123456);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &outer);
	assert_int_equal(out.has_inner, 1);
	assert_int_equal(out.vni, 0x123456);
	assert_inner(&out.inner, &inner);
	assert_int_equal(out.l3_offset, ETH_LEN);
}

/* The reserved byte after the VNI is not part of it. */
static void
vxlan_vni_is_twenty_four_bits(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t vni_end = ETH_LEN + IPV4_LEN + UDP_LEN + 8;

	(void)state;
	build_vxlan(&p, VXLAN_PORT, 0xFFFFFF);
	p.b[vni_end - 1] = 0xFF;
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.has_inner, 1);
	assert_int_equal(out.vni, 0xFFFFFF);
}

static void
vxlan_inner_vlan_is_the_inner_keys(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key inner = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_8021Q, .vlan = 42, .vlan_count = 1,
		.proto = IPPROTO_TCP_, .ttl = 64, .sport = 80, .dport = 55555,
		.tcp_flags = TCP_ACK,
		.flags = FLOW_KEY_VLAN | FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS,
	};
	size_t ip, udp;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4_simple(&p, IPPROTO_UDP_);
	udp = put_udp(&p, 50000, VXLAN_PORT);
	put_vxlan(&p, 5000);
	put_eth(&p, ETH_8021Q);
	put_tag(&p, 42, ETH_IPV6);
	build_ipv6_tcp(&p, 0);
	end_udp(&p, udp);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_PORTS);
	assert_int_equal(out.key.vlan_count, 0);
	assert_int_equal(out.has_inner, 1);
	assert_int_equal(out.vni, 5000);
	assert_inner(&out.inner, &inner);
}

static void
vxlan_over_ipv6_yields_inner_flow(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key inner = inner_frame_key();
	size_t ip, udp;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_UDP_);
	udp = put_udp(&p, 50001, VXLAN_PORT);
	put_vxlan(&p, 1);
	build_inner_frame(&p);
	end_udp(&p, udp);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.src.family, NETADDR_IPV6);
	assert_int_equal(out.key.dport, VXLAN_PORT);
	assert_int_equal(out.has_inner, 1);
	assert_int_equal(out.vni, 1);
	assert_inner(&out.inner, &inner);
}

static void
udp_to_other_port_has_no_inner(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_vxlan(&p, VXLAN_PORT + 1, 0x123456);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.dport, VXLAN_PORT + 1);
	assert_no_inner(&out);
}

/* The inner frame ends inside its TCP header, after the flags. */
static void
vxlan_inner_tcp_cut_is_truncated_inner(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_vxlan(&p, VXLAN_PORT, 8);
	parse_prefix(&p, p.len - 2, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.has_inner, 1);
	assert_int_equal(out.inner.sport, 1234);
	assert_int_equal(out.inner.dport, 80);
	assert_flag_set(&out.inner, FLOW_KEY_TRUNCATED);
}

/* The inner frame ends inside its IPv4 header. */
static void
vxlan_inner_ip_cut_is_truncated_inner(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t inner_ip = ETH_LEN + IPV4_LEN + UDP_LEN + 8 + ETH_LEN;

	(void)state;
	build_vxlan(&p, VXLAN_PORT, 8);
	parse_prefix(&p, inner_ip + 10, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.has_inner, 1);
	assert_int_equal(out.inner.eth_type, ETH_IPV4);
	assert_flag_set(&out.inner, FLOW_KEY_TRUNCATED);
	assert_flag_clear(&out.inner, FLOW_KEY_PORTS);
	/* The outer headers are whole. */
	assert_int_equal(out.key.dport, VXLAN_PORT);
	assert_flag_clear(&out.key, FLOW_KEY_TRUNCATED);
}

/* ---- robustness -------------------------------------------------------- */

/* A small deterministic generator (xorshift32). */
static uint32_t
next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* What pkt_parse promises about any output, for any input. */
static void
assert_output_sane(const struct pkt_parsed *out, size_t len)
{
	const uint16_t known = FLOW_KEY_TRUNCATED | FLOW_KEY_MALFORMED |
	    FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS | FLOW_KEY_ICMP |
	    FLOW_KEY_FRAGMENT | FLOW_KEY_LATER_FRAGMENT | FLOW_KEY_VLAN |
	    FLOW_KEY_MPLS;

	assert_int_equal(out->key.flags & ~known, 0);
	assert_int_equal(out->inner.flags & ~known, 0);
	/* A header cut between the addresses leaves a partial key. */
	if ((out->key.flags & FLOW_KEY_TRUNCATED) == 0)
		assert_true(out->key.src.family == out->key.dst.family);
	assert_true(out->key.src.family == NETADDR_NONE ||
	    out->key.src.family == NETADDR_IPV4 ||
	    out->key.src.family == NETADDR_IPV6);
	assert_true(out->has_inner <= 1);
	assert_true(out->payload_clipped <= 1);
	assert_true(out->key.tcp_flags <= 0xFFF);
	assert_true(out->key.mpls_label <= 0xFFFFF);
	assert_true(out->key.vlan <= 0xFFF && out->key.inner_vlan <= 0xFFF);
	if (out->payload_length > 0)
		assert_true((size_t)out->payload_offset + out->payload_length
		    <= len);
}

/*
 * Mutate valid packets (random bytes flipped, random cut) for every link
 * type: no crash, no over-read, and a sane result.
 */
static void
mutated_packets_parse_sanely(void **state)
{
	struct pkt seeds[4] = { { .len = 0 } };
	struct pkt_parsed out;
	uint32_t rng = 0x9E3779B9;
	size_t s, i, k, n;

	(void)state;
	build_vxlan(&seeds[0], VXLAN_PORT, 9);
	build_eth_ipv4_tcp(&seeds[1], TCP_SYN, 8);
	put_eth(&seeds[2], ETH_8021AD);
	put_tag(&seeds[2], 1, ETH_8021Q);
	put_tag(&seeds[2], 2, ETH_MPLS);
	put_mpls(&seeds[2], 3, 1);
	build_ipv6_tcp(&seeds[2], 4);
	put_sll(&seeds[3], ETH_IPV6);
	put_ipv6_simple(&seeds[3], IPPROTO_HOPOPTS_);
	put_ip6_opts(&seeds[3], IPPROTO_AH_, 8);
	put_ip6_ah(&seeds[3], IPPROTO_FRAGMENT_, 1);
	put_ip6_frag(&seeds[3], IPPROTO_SCTP_, 0, 0);
	put_sctp(&seeds[3], 1, 2);

	for (s = 0; s < 4; s++) {
		for (i = 0; i < 4000; i++) {
			struct pkt m = seeds[s];
			enum pkt_link link = (enum pkt_link)
			    (PKT_LINK_ETHERNET + next_random(&rng) % 8);

			/* Half on the seed's own link. */
			if (i < 2000)
				link = s == 3 ? PKT_LINK_LINUX_SLL :
				    PKT_LINK_ETHERNET;
			for (k = next_random(&rng) % 4; k > 0; k--)
				m.b[next_random(&rng) % m.len] =
				    (uint8_t)next_random(&rng);
			n = next_random(&rng) % (m.len + 1);
			parse_prefix(&m, n, link, &out);
			assert_output_sane(&out, n);
			exact_release_last();
		}
	}
}

/* The key is a value: two parses give memcmp-equal keys, padding too. */
static void
keys_are_memcmp_comparable(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed a, b;
	uint8_t *buf;

	(void)state;
	build_vxlan(&p, VXLAN_PORT, 3);
	buf = exact_copy(p.b, p.len);
	memset(&a, 0x00, sizeof(a));
	memset(&b, 0xFF, sizeof(b));
	pkt_parse(buf, p.len, PKT_LINK_ETHERNET, &a);
	pkt_parse(buf, p.len, PKT_LINK_ETHERNET, &b);
	assert_memory_equal(&a.key, &b.key, sizeof(a.key));
	assert_memory_equal(&a.inner, &b.inner, sizeof(a.inner));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(empty_buffer_is_truncated_on_every_link,
	    exact_free_all),
	cmocka_unit_test_teardown(ethernet_header_cut_is_truncated, exact_free_all),
	cmocka_unit_test_teardown(ipv4_header_cut_is_truncated, exact_free_all),
	cmocka_unit_test_teardown(every_prefix_of_tcp_packet_parses,
	    exact_free_all),
	cmocka_unit_test_teardown(tcp_header_cut_after_flags_is_truncated,
	    exact_free_all),
	cmocka_unit_test_teardown(every_prefix_of_ipv6_extension_packet_parses,
	    exact_free_all),
	cmocka_unit_test_teardown(every_prefix_of_vxlan_packet_parses,
	    exact_free_all),
	cmocka_unit_test_teardown(vxlan_yields_outer_and_inner_flows,
	    exact_free_all),
	cmocka_unit_test_teardown(vxlan_vni_is_twenty_four_bits, exact_free_all),
	cmocka_unit_test_teardown(vxlan_inner_vlan_is_the_inner_keys,
	    exact_free_all),
	cmocka_unit_test_teardown(vxlan_over_ipv6_yields_inner_flow,
	    exact_free_all),
	cmocka_unit_test_teardown(udp_to_other_port_has_no_inner, exact_free_all),
	cmocka_unit_test_teardown(vxlan_inner_tcp_cut_is_truncated_inner,
	    exact_free_all),
	cmocka_unit_test_teardown(vxlan_inner_ip_cut_is_truncated_inner,
	    exact_free_all),
	cmocka_unit_test_teardown(mutated_packets_parse_sanely, exact_free_all),
	cmocka_unit_test_teardown(keys_are_memcmp_comparable, exact_free_all),
};

FS_TEST_MAIN(tests)
