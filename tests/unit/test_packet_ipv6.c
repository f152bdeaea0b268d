/*
 * test_packet_ipv6.c - pkt_parse() (common/packet.c) on IPv6: the fixed
 * header, the extension header chain (hop-by-hop, routing, destination
 * options, fragment, AH), ICMPv6, and the payload length, against the
 * contract in packet.h.
 *
 * Packets come from the builders of support/pkt_build.h and are parsed as
 * heap copies of exactly their length (AddressSanitizer catches an
 * over-read).  Expected flow keys are written out in full: a field a test
 * does not name must be zero.
 */
#include "fs_test.h"
#include "pkt_build.h"

/* ---- IPv6 -------------------------------------------------------------- */

static void
eth_ipv6_tcp_sets_every_field(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_IPV6, .proto = IPPROTO_TCP_,
		.tos = 0xB8, .ttl = 255, .sport = 80, .dport = 55555,
		.tcp_flags = TCP_PSH | TCP_ACK,
		.flags = FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6(&p, &(struct ip6){ .next = IPPROTO_TCP_, .hlim = 255,
	    .tclass = 0xB8, .flow = 0xABCDE });
	put_tcp(&p, 80, 55555, TCP_PSH | TCP_ACK, 0);
	put_payload(&p, 7);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN);
	assert_payload(&out, ETH_LEN + IPV6_LEN + TCP_LEN, 7, 0);
	assert_no_inner(&out);
}

/* MLDv2 report behind a hop-by-hop header (router alert). */
static void
ipv6_hop_by_hop_then_icmpv6_is_proto_58(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("fe80::1"), .dst = addr("ff02::16"),
		.eth_type = ETH_IPV6, .proto = IPPROTO_ICMPV6_, .ttl = 1,
		.icmp_type = 143, .icmp_code = 0, .flags = FLOW_KEY_ICMP,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6(&p, &(struct ip6){ .next = IPPROTO_HOPOPTS_, .hlim = 1,
	    .src = "fe80::1", .dst = "ff02::16" });
	put_ip6_opts(&p, IPPROTO_ICMPV6_, 8);
	put_icmp(&p, 143, 0);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

static void
ipv6_extension_chain_reaches_udp(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_IPV6, .proto = IPPROTO_UDP_, .ttl = 64,
		.sport = 546, .dport = 547, .flags = FLOW_KEY_PORTS,
	};
	size_t ip, udp;
	const uint32_t ext = 8 + 24 + 16;	/* hop-by-hop, routing, dest */

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_HOPOPTS_);
	put_ip6_opts(&p, IPPROTO_ROUTING_, 8);
	put_ip6_routing(&p, IPPROTO_DSTOPTS_, 24);
	put_ip6_opts(&p, IPPROTO_UDP_, 16);
	udp = put_udp(&p, 546, 547);
	put_payload(&p, 6);
	end_udp(&p, udp);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_payload(&out, ETH_LEN + IPV6_LEN + ext + UDP_LEN, 6, 0);
}

static void
ipv6_first_fragment_has_ports(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_IPV6, .proto = IPPROTO_UDP_, .ttl = 64,
		.sport = 4500, .dport = 4500,
		.flags = FLOW_KEY_PORTS | FLOW_KEY_FRAGMENT,
	};
	size_t ip, udp;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_FRAGMENT_);
	put_ip6_frag(&p, IPPROTO_UDP_, 0, 1);
	udp = put_udp(&p, 4500, 4500);
	put_payload(&p, 16);
	end_udp(&p, udp);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

static void
ipv6_later_fragment_has_no_ports(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_IPV6, .proto = IPPROTO_UDP_, .ttl = 64,
		.flags = FLOW_KEY_FRAGMENT | FLOW_KEY_LATER_FRAGMENT,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_FRAGMENT_);
	put_ip6_frag(&p, IPPROTO_UDP_, 181, 0);
	put32(&p, 0x11941194);		/* like ports 4500 -> 4500 */
	put_payload(&p, 16);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

/* The AH length counts 4-byte words, minus 2, unlike other headers. */
static void
ipv6_ah_length_counts_words(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_IPV6, .proto = IPPROTO_TCP_, .ttl = 64,
		.sport = 179, .dport = 50000, .tcp_flags = TCP_ACK,
		.flags = FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_AH_);
	put_ip6_ah(&p, IPPROTO_TCP_, 4);	/* 24 bytes */
	put_tcp(&p, 179, 50000, TCP_ACK, 0);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_payload(&out, ETH_LEN + IPV6_LEN + 24 + TCP_LEN, 0, 0);
}

static void
ipv6_no_next_header_is_a_bare_flow(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_IPV6, .proto = IPPROTO_NONE_, .ttl = 64,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_NONE_);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

static void
ipv6_icmpv6_echo_sets_type_and_code(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_IPV6, .proto = IPPROTO_ICMPV6_, .ttl = 64,
		.icmp_type = 128, .flags = FLOW_KEY_ICMP,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_ICMPV6_);
	put_icmp(&p, 128, 0);
	put_payload(&p, 8);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

static void
ipv6_payload_length_excludes_padding(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t ip, udp;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_UDP_);
	udp = put_udp(&p, 1000, 2000);
	put_payload(&p, 2);
	end_udp(&p, udp);
	end_ipv6(&p, ip);
	put_fill(&p, 0xEE, 10);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_PORTS);
	assert_payload(&out, ETH_LEN + IPV6_LEN + UDP_LEN, 2, 0);
}

/* A hop-by-hop header that says 16 bytes when 10 are left. */
static void
ipv6_extension_header_cut_is_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv6_simple(&p, IPPROTO_HOPOPTS_);
	put_ip6_opts(&p, IPPROTO_UDP_, 16);
	put_udp(&p, 1, 2);
	end_ipv6(&p, ip);
	parse_prefix(&p, ETH_LEN + IPV6_LEN + 10, PKT_LINK_ETHERNET, &out);
	assert_flag_set(&out.key, FLOW_KEY_TRUNCATED);
	assert_flag_clear(&out.key, FLOW_KEY_PORTS);
	assert_int_equal(out.key.src.family, NETADDR_IPV6);
	assert_int_equal(out.payload_length, 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(eth_ipv6_tcp_sets_every_field, exact_free_all),
	cmocka_unit_test_teardown(ipv6_hop_by_hop_then_icmpv6_is_proto_58,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv6_extension_chain_reaches_udp, exact_free_all),
	cmocka_unit_test_teardown(ipv6_first_fragment_has_ports, exact_free_all),
	cmocka_unit_test_teardown(ipv6_later_fragment_has_no_ports, exact_free_all),
	cmocka_unit_test_teardown(ipv6_ah_length_counts_words, exact_free_all),
	cmocka_unit_test_teardown(ipv6_no_next_header_is_a_bare_flow,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv6_icmpv6_echo_sets_type_and_code,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv6_payload_length_excludes_padding,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv6_extension_header_cut_is_truncated,
	    exact_free_all),
};

FS_TEST_MAIN(tests)
