/*
 * test_packet_ipv4.c - pkt_parse() (common/packet.c) on Ethernet and IPv4:
 * TCP flags and options, IPv4 options and malformed headers, IPv4
 * fragments, UDP, SCTP and ICMP, and the payload clipped to the IP and UDP
 * lengths, against the contract in packet.h.
 *
 * Packets come from the builders of support/pkt_build.h and are parsed as
 * heap copies of exactly their length (AddressSanitizer catches an
 * over-read).  Expected flow keys are written out in full: a field a test
 * does not name must be zero.
 */
#include "fs_test.h"
#include "pkt_build.h"

/* ---- Ethernet, IPv4, TCP ----------------------------------------------- */

static void
eth_ipv4_tcp_sets_every_field(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = eth_ipv4_tcp_key(TCP_SYN | TCP_ACK);
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4(&p, &(struct ip4){ .proto = IPPROTO_TCP_, .ttl = 64,
	    .tos = 0x28 });
	put_tcp(&p, 40000, 443, TCP_SYN | TCP_ACK, 0);
	put_payload(&p, 5);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);

	want.tos = 0x28;
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN);
	assert_payload(&out, ETH_LEN + IPV4_LEN + TCP_LEN, 5, 0);
	assert_no_inner(&out);
}

static void
tcp_flags_are_twelve_bits(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_eth_ipv4_tcp(&p, 0xFFF, 0);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.tcp_flags, 0xFFF);
}

static void
tcp_flags_include_ns_bit(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = eth_ipv4_tcp_key(TCP_NS | TCP_SYN);

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_NS | TCP_SYN, 0);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

/* The data offset shares byte 12 with the flags and must not leak in. */
static void
tcp_flags_exclude_data_offset(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4_simple(&p, IPPROTO_TCP_);
	/* 40 bytes of options: a data offset of 15, all four bits set. */
	put_tcp(&p, 1, 2, TCP_FIN | TCP_PSH | TCP_ACK, 40);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.tcp_flags, TCP_FIN | TCP_PSH | TCP_ACK);
	assert_payload(&out, ETH_LEN + IPV4_LEN + 60, 0, 0);
}

static void
tcp_options_move_payload(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = eth_ipv4_tcp_key(TCP_PSH | TCP_ACK);
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4_simple(&p, IPPROTO_TCP_);
	put_tcp(&p, 40000, 443, TCP_PSH | TCP_ACK, 12);
	put_payload(&p, 9);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_payload(&out, ETH_LEN + IPV4_LEN + TCP_LEN + 12, 9, 0);
}

static void
tcp_data_offset_below_five_is_malformed(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_SYN, 20);
	p.b[ETH_LEN + IPV4_LEN + 12] = 0x40 | (p.b[ETH_LEN + IPV4_LEN + 12] &
	    0x0F);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_flag_set(&out.key, FLOW_KEY_MALFORMED);
	assert_flag_clear(&out.key, FLOW_KEY_TRUNCATED);
	assert_int_equal(out.key.src.family, NETADDR_IPV4);
	assert_int_equal(out.key.proto, IPPROTO_TCP_);
}

static void
ipv4_options_move_transport_header(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_UDP_, .ttl = 1,
		.sport = 5353, .dport = 53, .flags = FLOW_KEY_PORTS,
	};
	size_t ip, udp;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4(&p, &(struct ip4){ .proto = IPPROTO_UDP_, .ttl = 1,
	    .optlen = 8 });
	udp = put_udp(&p, 5353, 53);
	put_payload(&p, 4);
	end_udp(&p, udp);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN);
	assert_payload(&out, ETH_LEN + IPV4_LEN + 8 + UDP_LEN, 4, 0);
}

static void
ipv4_ihl_below_five_is_malformed(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_SYN, 20);
	p.b[ETH_LEN] = 0x44;
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_flag_set(&out.key, FLOW_KEY_MALFORMED);
	assert_flag_clear(&out.key, FLOW_KEY_TRUNCATED);
	assert_flag_clear(&out.key, FLOW_KEY_PORTS);
	assert_flag_clear(&out.key, FLOW_KEY_TCP_FLAGS);
}

/* EtherType IPv4, but the header's version nibble says 6. */
static void
ipv4_ethertype_with_version_6_is_malformed(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv6_simple(&p, IPPROTO_TCP_);
	put_tcp(&p, 80, 8080, TCP_SYN, 0);
	end_ipv6(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_flag_set(&out.key, FLOW_KEY_MALFORMED);
	assert_flag_clear(&out.key, FLOW_KEY_PORTS);
	assert_int_equal(out.key.eth_type, ETH_IPV4);
}

static void
ipv6_ethertype_with_version_4_is_malformed(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV6);
	ip = put_ipv4_simple(&p, IPPROTO_TCP_);
	put_tcp(&p, 80, 8080, TCP_SYN, 0);
	put_payload(&p, 20);		/* as long as an IPv6 header */
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_flag_set(&out.key, FLOW_KEY_MALFORMED);
	assert_flag_clear(&out.key, FLOW_KEY_PORTS);
	assert_int_equal(out.key.eth_type, ETH_IPV6);
}

/* ---- IPv4 fragments ---------------------------------------------------- */

/* Ethernet/IPv4/UDP with the given fragment field. */
static void
build_udp_fragment(struct pkt *p, uint16_t frag)
{
	size_t ip, udp;

	put_eth(p, ETH_IPV4);
	ip = put_ipv4(p, &(struct ip4){ .proto = IPPROTO_UDP_, .ttl = 64,
	    .frag = frag });
	udp = put_udp(p, 0x1234, 0x5678);
	put_payload(p, 16);
	end_udp(p, udp);
	end_ipv4(p, ip);
}

static void
ipv4_first_fragment_has_ports(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_UDP_, .ttl = 64,
		.sport = 0x1234, .dport = 0x5678,
		.flags = FLOW_KEY_PORTS | FLOW_KEY_FRAGMENT,
	};

	(void)state;
	build_udp_fragment(&p, IPV4_MF);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

/* A later fragment starts with data that merely looks like ports. */
static void
ipv4_later_fragment_has_no_ports(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_UDP_, .ttl = 64,
		.flags = FLOW_KEY_FRAGMENT | FLOW_KEY_LATER_FRAGMENT,
	};

	(void)state;
	build_udp_fragment(&p, 185);		/* offset 1480, last */
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN);
}

static void
ipv4_middle_fragment_is_later_fragment(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_udp_fragment(&p, IPV4_MF | 1);	/* offset 8, more follow */
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags,
	    FLOW_KEY_FRAGMENT | FLOW_KEY_LATER_FRAGMENT);
	assert_int_equal(out.key.sport, 0);
	assert_int_equal(out.key.dport, 0);
}

static void
ipv4_dont_fragment_is_not_a_fragment(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_udp_fragment(&p, IPV4_DF);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_PORTS);
}

/* ---- UDP, SCTP, ICMP; payload clipping --------------------------------- */

static void
eth_ipv4_udp_sets_ports_and_payload(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_UDP_, .ttl = 64,
		.sport = 5353, .dport = 53, .flags = FLOW_KEY_PORTS,
	};

	(void)state;
	put_eth(&p, ETH_IPV4);
	build_ipv4_udp(&p, 5);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN);
	assert_payload(&out, ETH_LEN + IPV4_LEN + UDP_LEN, 5, 0);
	assert_no_inner(&out);
}

/* The UDP length is shorter than the IP payload: UDP wins. */
static void
udp_length_clips_payload(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_eth(&p, ETH_IPV4);
	build_ipv4_udp(&p, 5);
	set16(&p, ETH_LEN + IPV4_LEN + 4, UDP_LEN + 3);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_PORTS);
	assert_payload(&out, ETH_LEN + IPV4_LEN + UDP_LEN, 3, 0);
}

/* A minimum-size Ethernet frame: the padding is not payload. */
static void
ip_length_excludes_ethernet_padding(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = eth_ipv4_tcp_key(TCP_SYN);

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_SYN, 0);
	put_fill(&p, 0, 60 - p.len);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_payload(&out, ETH_LEN + IPV4_LEN + TCP_LEN, 0, 0);
}

static void
udp_ip_length_excludes_ethernet_padding(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_eth(&p, ETH_IPV4);
	build_ipv4_udp(&p, 2);
	put_fill(&p, 0xEE, 60 - p.len);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_PORTS);
	assert_payload(&out, ETH_LEN + IPV4_LEN + UDP_LEN, 2, 0);
}

/* An sFlow sample clipped to 128 bytes: the headers are whole. */
static void
sampled_tcp_header_is_clipped_not_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = eth_ipv4_tcp_key(TCP_ACK);

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_ACK, 1400);
	parse_prefix(&p, 128, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_payload(&out, ETH_LEN + IPV4_LEN + TCP_LEN,
	    128 - (ETH_LEN + IPV4_LEN + TCP_LEN), 1);
}

static void
sampled_udp_header_is_clipped_not_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_eth(&p, ETH_IPV4);
	build_ipv4_udp(&p, 1000);
	parse_prefix(&p, 128, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_PORTS);
	assert_int_equal(out.key.sport, 5353);
	assert_payload(&out, ETH_LEN + IPV4_LEN + UDP_LEN,
	    128 - (ETH_LEN + IPV4_LEN + UDP_LEN), 1);
}

static void
eth_ipv4_sctp_sets_ports(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_SCTP_, .ttl = 64,
		.sport = 2905, .dport = 36412, .flags = FLOW_KEY_PORTS,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4_simple(&p, IPPROTO_SCTP_);
	put_sctp(&p, 2905, 36412);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	/* The 12-byte common header is the transport header. */
	assert_payload(&out, ETH_LEN + IPV4_LEN + 12, 4, 0);
}

static void
eth_ipv4_icmp_echo_sets_type_and_code(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_ICMP_, .ttl = 64,
		.icmp_type = 8, .icmp_code = 0, .flags = FLOW_KEY_ICMP,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4_simple(&p, IPPROTO_ICMP_);
	put_icmp(&p, 8, 0);
	put_payload(&p, 32);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

static void
eth_ipv4_icmp_unreachable_sets_code(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4_simple(&p, IPPROTO_ICMP_);
	put_icmp(&p, 3, 3);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_ICMP);
	assert_int_equal(out.key.icmp_type, 3);
	assert_int_equal(out.key.icmp_code, 3);
	assert_int_equal(out.key.sport, 0);
	assert_int_equal(out.key.dport, 0);
}

/* An IP protocol without ports: a key of addresses and protocol. */
static void
eth_ipv4_gre_has_no_ports(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = 47, .ttl = 64,
	};
	size_t ip;

	(void)state;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4_simple(&p, 47);
	put32(&p, 0x00000800);
	put_payload(&p, 20);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(eth_ipv4_tcp_sets_every_field, exact_free_all),
	cmocka_unit_test_teardown(tcp_flags_are_twelve_bits, exact_free_all),
	cmocka_unit_test_teardown(tcp_flags_include_ns_bit, exact_free_all),
	cmocka_unit_test_teardown(tcp_flags_exclude_data_offset, exact_free_all),
	cmocka_unit_test_teardown(tcp_options_move_payload, exact_free_all),
	cmocka_unit_test_teardown(tcp_data_offset_below_five_is_malformed,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv4_options_move_transport_header,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv4_ihl_below_five_is_malformed, exact_free_all),
	cmocka_unit_test_teardown(ipv4_ethertype_with_version_6_is_malformed,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv6_ethertype_with_version_4_is_malformed,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv4_first_fragment_has_ports, exact_free_all),
	cmocka_unit_test_teardown(ipv4_later_fragment_has_no_ports, exact_free_all),
	cmocka_unit_test_teardown(ipv4_middle_fragment_is_later_fragment,
	    exact_free_all),
	cmocka_unit_test_teardown(ipv4_dont_fragment_is_not_a_fragment,
	    exact_free_all),
	cmocka_unit_test_teardown(eth_ipv4_udp_sets_ports_and_payload,
	    exact_free_all),
	cmocka_unit_test_teardown(udp_length_clips_payload, exact_free_all),
	cmocka_unit_test_teardown(ip_length_excludes_ethernet_padding,
	    exact_free_all),
	cmocka_unit_test_teardown(udp_ip_length_excludes_ethernet_padding,
	    exact_free_all),
	cmocka_unit_test_teardown(sampled_tcp_header_is_clipped_not_truncated,
	    exact_free_all),
	cmocka_unit_test_teardown(sampled_udp_header_is_clipped_not_truncated,
	    exact_free_all),
	cmocka_unit_test_teardown(eth_ipv4_sctp_sets_ports, exact_free_all),
	cmocka_unit_test_teardown(eth_ipv4_icmp_echo_sets_type_and_code,
	    exact_free_all),
	cmocka_unit_test_teardown(eth_ipv4_icmp_unreachable_sets_code,
	    exact_free_all),
	cmocka_unit_test_teardown(eth_ipv4_gre_has_no_ports, exact_free_all),
};

FS_TEST_MAIN(tests)
