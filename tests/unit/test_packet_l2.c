/*
 * test_packet_l2.c - pkt_parse() (common/packet.c) below IP: 802.1Q and
 * 802.1ad tags, MPLS stacks, LLC/SNAP, non-IP frames, and the link types
 * other than Ethernet (bare IPv4/IPv6/IP, Linux cooked v1 and v2, BSD
 * NULL and LOOP), against the contract in packet.h.
 *
 * Packets come from the builders of support/pkt_build.h and are parsed as
 * heap copies of exactly their length (AddressSanitizer catches an
 * over-read).  Expected flow keys are written out in full: a field a test
 * does not name must be zero.
 */
#include "fs_test.h"
#include "pkt_build.h"

/* ---- VLAN tags, MPLS, LLC/SNAP, non-IP --------------------------------- */

static void
vlan_tag_sets_vlan_and_outer_ethertype(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = eth_ipv4_tcp_key(TCP_SYN);
	size_t ip;

	(void)state;
	put_eth(&p, ETH_8021Q);
	put_tag(&p, 0xE064, ETH_IPV4);		/* PCP 7, VID 100 */
	ip = put_ipv4_simple(&p, IPPROTO_TCP_);
	put_tcp(&p, 40000, 443, TCP_SYN, 0);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);

	want.eth_type = ETH_8021Q;
	want.vlan = 100;
	want.vlan_count = 1;
	want.flags |= FLOW_KEY_VLAN;
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN + 4);
	assert_payload(&out, ETH_LEN + 4 + IPV4_LEN + TCP_LEN, 0, 0);
}

static void
qinq_8021ad_sets_both_vlans(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("2001:db8::1"), .dst = addr("2001:db8::2"),
		.eth_type = ETH_8021AD, .vlan = 200, .inner_vlan = 300,
		.vlan_count = 2, .proto = IPPROTO_TCP_, .ttl = 64,
		.sport = 80, .dport = 55555, .tcp_flags = TCP_ACK,
		.flags = FLOW_KEY_VLAN | FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS,
	};

	(void)state;
	put_eth(&p, ETH_8021AD);
	put_tag(&p, 200, ETH_8021Q);
	put_tag(&p, 0x1000 | 300, ETH_IPV6);	/* DEI set */
	build_ipv6_tcp(&p, 3);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN + 8);
	assert_payload(&out, ETH_LEN + 8 + IPV6_LEN + TCP_LEN, 3, 0);
}

static void
two_8021q_tags_set_both_vlans(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_eth(&p, ETH_8021Q);
	put_tag(&p, 4094, ETH_8021Q);
	put_tag(&p, 1, ETH_IPV4);
	build_ipv4_udp(&p, 0);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.eth_type, ETH_8021Q);
	assert_int_equal(out.key.vlan, 4094);
	assert_int_equal(out.key.inner_vlan, 1);
	assert_int_equal(out.key.vlan_count, 2);
	assert_int_equal(out.key.flags, FLOW_KEY_VLAN | FLOW_KEY_PORTS);
	assert_int_equal(out.l3_offset, ETH_LEN + 8);
}

static void
vlan_tag_cut_is_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_eth(&p, ETH_8021Q);
	put_tag(&p, 100, ETH_IPV4);
	parse_prefix(&p, ETH_LEN + 2, PKT_LINK_ETHERNET, &out);
	assert_flag_set(&out.key, FLOW_KEY_TRUNCATED);
	assert_int_equal(out.key.src.family, NETADDR_NONE);
	assert_int_equal(out.key.eth_type, ETH_8021Q);
}

static void
mpls_stack_sets_top_label_and_count(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_MPLS, .mpls_label = 16, .mpls_count = 2,
		.proto = IPPROTO_UDP_, .ttl = 64, .sport = 5353, .dport = 53,
		.flags = FLOW_KEY_MPLS | FLOW_KEY_PORTS,
	};

	(void)state;
	put_eth(&p, ETH_MPLS);
	put_mpls(&p, 16, 0);
	put_mpls(&p, 1000, 1);
	build_ipv4_udp(&p, 4);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN + 8);
	assert_payload(&out, ETH_LEN + 8 + IPV4_LEN + UDP_LEN, 4, 0);
}

/* The label is the top 20 bits: TC, S and TTL must not leak in. */
static void
mpls_label_is_twenty_bits_then_ipv6(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_eth(&p, ETH_MPLS);
	put_mpls(&p, 0xFFFFF, 1);
	build_ipv6_tcp(&p, 0);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.mpls_label, 0xFFFFF);
	assert_int_equal(out.key.mpls_count, 1);
	assert_int_equal(out.key.src.family, NETADDR_IPV6);
	assert_int_equal(out.key.flags,
	    FLOW_KEY_MPLS | FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS);
	assert_int_equal(out.l3_offset, ETH_LEN + 4);
}

static void
vlan_then_mpls_sets_both(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = eth_ipv4_tcp_key(TCP_RST);
	size_t ip;

	(void)state;
	put_eth(&p, ETH_8021Q);
	put_tag(&p, 10, ETH_MPLS);
	put_mpls(&p, 500, 1);
	ip = put_ipv4_simple(&p, IPPROTO_TCP_);
	put_tcp(&p, 40000, 443, TCP_RST, 0);
	end_ipv4(&p, ip);
	parse(&p, PKT_LINK_ETHERNET, &out);

	want.eth_type = ETH_8021Q;
	want.vlan = 10;
	want.vlan_count = 1;
	want.mpls_label = 500;
	want.mpls_count = 1;
	want.flags |= FLOW_KEY_VLAN | FLOW_KEY_MPLS;
	assert_key(&out.key, &want);
	assert_int_equal(out.l3_offset, ETH_LEN + 4 + 4);
}

static void
mpls_stack_without_bottom_is_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_eth(&p, ETH_MPLS);
	put_mpls(&p, 16, 0);
	put_mpls(&p, 17, 0);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_flag_set(&out.key, FLOW_KEY_TRUNCATED);
	assert_int_equal(out.key.src.family, NETADDR_NONE);
}

/* 802.3 length field, LLC AA-AA-03, SNAP OUI 0, EtherType IPv4. */
static void
llc_snap_carries_ipv4(void **state)
{
	static const uint8_t snap[8] = {
		0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00
	};
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_eth(&p, 0);			/* length: set below */
	put_bytes(&p, snap, sizeof(snap));
	build_ipv4_udp(&p, 4);
	set16(&p, 12, (uint16_t)(p.len - ETH_LEN));
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_int_equal(out.key.src.family, NETADDR_IPV4);
	assert_int_equal(out.key.proto, IPPROTO_UDP_);
	assert_int_equal(out.key.sport, 5353);
	assert_int_equal(out.key.dport, 53);
	assert_int_equal(out.key.flags, FLOW_KEY_PORTS);
	assert_int_equal(out.l3_offset, ETH_LEN + 8);
	assert_payload(&out, ETH_LEN + 8 + IPV4_LEN + UDP_LEN, 4, 0);
}

/* ARP is understood to be "not IP": no flow, and no complaint. */
static void
arp_frame_has_no_ip_flow(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;
	struct flow_key want = { .eth_type = ETH_ARP };

	(void)state;
	put_eth(&p, ETH_ARP);
	put16(&p, 1);			/* Ethernet */
	put16(&p, ETH_IPV4);
	put8(&p, 6);
	put8(&p, 4);
	put16(&p, 1);			/* request */
	put_fill(&p, 0x11, 20);
	parse(&p, PKT_LINK_ETHERNET, &out);
	assert_key(&out.key, &want);
	assert_no_inner(&out);
	assert_int_equal(out.payload_length, 0);
}

/* ---- other link types -------------------------------------------------- */

/* The IPv4/UDP flow of build_ipv4_udp(), found at l3. */
static void
assert_ipv4_udp_at(const struct pkt_parsed *out, uint32_t l3)
{
	assert_int_equal(out->key.src.family, NETADDR_IPV4);
	assert_int_equal(netaddr_compare(&out->key.src, &(struct netaddr){
	    .family = NETADDR_IPV4, .bytes = { 192, 0, 2, 1 } }), 0);
	assert_int_equal(out->key.proto, IPPROTO_UDP_);
	assert_int_equal(out->key.sport, 5353);
	assert_int_equal(out->key.dport, 53);
	assert_int_equal(out->key.ttl, 64);
	assert_int_equal(out->key.flags, FLOW_KEY_PORTS);
	assert_int_equal(out->l3_offset, l3);
	assert_payload(out, l3 + IPV4_LEN + UDP_LEN, 3, 0);
}

/* The IPv6/TCP flow of build_ipv6_tcp(), found at l3. */
static void
assert_ipv6_tcp_at(const struct pkt_parsed *out, uint32_t l3)
{
	assert_int_equal(out->key.src.family, NETADDR_IPV6);
	assert_int_equal(netaddr_compare(&out->key.dst, &(struct netaddr){
	    .family = NETADDR_IPV6, .bytes = { 0x20, 0x01, 0x0d, 0xb8,
	    [15] = 2 } }), 0);
	assert_int_equal(out->key.proto, IPPROTO_TCP_);
	assert_int_equal(out->key.sport, 80);
	assert_int_equal(out->key.dport, 55555);
	assert_int_equal(out->key.tcp_flags, TCP_ACK);
	assert_int_equal(out->key.flags, FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS);
	assert_int_equal(out->l3_offset, l3);
	assert_payload(out, l3 + IPV6_LEN + TCP_LEN, 3, 0);
}

static void
link_ipv4_is_a_bare_header(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_ipv4_udp(&p, 3);
	parse(&p, PKT_LINK_IPV4, &out);
	assert_ipv4_udp_at(&out, 0);
}

static void
link_ipv6_is_a_bare_header(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_ipv6_tcp(&p, 3);
	parse(&p, PKT_LINK_IPV6, &out);
	assert_ipv6_tcp_at(&out, 0);
}

static void
link_ipv4_with_version_6_is_malformed(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_ipv6_tcp(&p, 3);
	parse(&p, PKT_LINK_IPV4, &out);
	assert_flag_set(&out.key, FLOW_KEY_MALFORMED);
	assert_flag_clear(&out.key, FLOW_KEY_PORTS);
}

static void
link_ipv6_with_version_4_is_malformed(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_ipv4_udp(&p, 40);
	parse(&p, PKT_LINK_IPV6, &out);
	assert_flag_set(&out.key, FLOW_KEY_MALFORMED);
	assert_flag_clear(&out.key, FLOW_KEY_PORTS);
}

static void
link_ip_picks_version_from_first_nibble(void **state)
{
	struct pkt p4 = { .len = 0 }, p6 = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_ipv4_udp(&p4, 3);
	parse(&p4, PKT_LINK_IP, &out);
	assert_ipv4_udp_at(&out, 0);
	build_ipv6_tcp(&p6, 3);
	parse(&p6, PKT_LINK_IP, &out);
	assert_ipv6_tcp_at(&out, 0);
}

static void
link_ip_unknown_version_is_malformed(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	build_ipv4_udp(&p, 3);
	p.b[0] = 0x55;
	parse(&p, PKT_LINK_IP, &out);
	assert_flag_set(&out.key, FLOW_KEY_MALFORMED);
	assert_int_equal(out.key.src.family, NETADDR_NONE);
}

static void
link_linux_sll_protocol_at_offset_14(void **state)
{
	struct pkt p4 = { .len = 0 }, p6 = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_sll(&p4, ETH_IPV4);
	build_ipv4_udp(&p4, 3);
	parse(&p4, PKT_LINK_LINUX_SLL, &out);
	assert_ipv4_udp_at(&out, 16);

	put_sll(&p6, ETH_IPV6);
	build_ipv6_tcp(&p6, 3);
	parse(&p6, PKT_LINK_LINUX_SLL, &out);
	assert_ipv6_tcp_at(&out, 16);
}

static void
link_linux_sll2_protocol_at_offset_0(void **state)
{
	struct pkt p4 = { .len = 0 }, p6 = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_sll2(&p4, ETH_IPV4);
	build_ipv4_udp(&p4, 3);
	parse(&p4, PKT_LINK_LINUX_SLL2, &out);
	assert_ipv4_udp_at(&out, 20);

	put_sll2(&p6, ETH_IPV6);
	build_ipv6_tcp(&p6, 3);
	parse(&p6, PKT_LINK_LINUX_SLL2, &out);
	assert_ipv6_tcp_at(&out, 20);
}

/*
 * The cooked headers' protocol field is an EtherType, so it is the key's
 * outermost EtherType, as on Ethernet.
 */
static void
link_linux_sll_protocol_is_eth_type(void **state)
{
	struct pkt p1 = { .len = 0 }, p2 = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_sll(&p1, ETH_IPV4);
	build_ipv4_udp(&p1, 3);
	parse(&p1, PKT_LINK_LINUX_SLL, &out);
	assert_int_equal(out.key.eth_type, ETH_IPV4);

	put_sll2(&p2, ETH_IPV6);
	build_ipv6_tcp(&p2, 3);
	parse(&p2, PKT_LINK_LINUX_SLL2, &out);
	assert_int_equal(out.key.eth_type, ETH_IPV6);
}

static void
link_linux_sll_cut_is_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_sll(&p, ETH_IPV4);
	build_ipv4_udp(&p, 3);
	parse_prefix(&p, 15, PKT_LINK_LINUX_SLL, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_TRUNCATED);
	assert_int_equal(out.key.src.family, NETADDR_NONE);
}

/* BSD AF_INET is 2 everywhere; AF_INET6 is 24, 28 or 30 by OS. */
static const uint32_t bsd_af_inet6[] = { 24, 28, 30 };

static void
link_null_host_order_family(void **state)
{
	struct pkt_parsed out;
	size_t i;

	(void)state;
	{
		struct pkt p = { .len = 0 };

		put_null(&p, 2);
		build_ipv4_udp(&p, 3);
		parse(&p, PKT_LINK_NULL, &out);
		assert_ipv4_udp_at(&out, 4);
	}
	for (i = 0; i < sizeof(bsd_af_inet6) / sizeof(bsd_af_inet6[0]); i++) {
		struct pkt p = { .len = 0 };

		put_null(&p, bsd_af_inet6[i]);
		build_ipv6_tcp(&p, 3);
		parse(&p, PKT_LINK_NULL, &out);
		assert_ipv6_tcp_at(&out, 4);
	}
}

static void
link_loop_network_order_family(void **state)
{
	struct pkt_parsed out;
	size_t i;

	(void)state;
	{
		struct pkt p = { .len = 0 };

		put_loop(&p, 2);
		build_ipv4_udp(&p, 3);
		parse(&p, PKT_LINK_LOOP, &out);
		assert_ipv4_udp_at(&out, 4);
	}
	for (i = 0; i < sizeof(bsd_af_inet6) / sizeof(bsd_af_inet6[0]); i++) {
		struct pkt p = { .len = 0 };

		put_loop(&p, bsd_af_inet6[i]);
		build_ipv6_tcp(&p, 3);
		parse(&p, PKT_LINK_LOOP, &out);
		assert_ipv6_tcp_at(&out, 4);
	}
}

static void
link_null_unknown_family_has_no_ip_flow(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_null(&p, 7);		/* AF_LINK-ish: not IP */
	build_ipv4_udp(&p, 3);
	parse(&p, PKT_LINK_NULL, &out);
	assert_int_equal(out.key.src.family, NETADDR_NONE);
	assert_flag_clear(&out.key, FLOW_KEY_PORTS);
	assert_flag_clear(&out.key, FLOW_KEY_TRUNCATED);
}

static void
link_loop_cut_is_truncated(void **state)
{
	struct pkt p = { .len = 0 };
	struct pkt_parsed out;

	(void)state;
	put_loop(&p, 2);
	build_ipv4_udp(&p, 3);
	parse_prefix(&p, 3, PKT_LINK_LOOP, &out);
	assert_int_equal(out.key.flags, FLOW_KEY_TRUNCATED);
	assert_int_equal(out.key.src.family, NETADDR_NONE);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(vlan_tag_sets_vlan_and_outer_ethertype,
	    exact_free_all),
	cmocka_unit_test_teardown(qinq_8021ad_sets_both_vlans, exact_free_all),
	cmocka_unit_test_teardown(two_8021q_tags_set_both_vlans, exact_free_all),
	cmocka_unit_test_teardown(vlan_tag_cut_is_truncated, exact_free_all),
	cmocka_unit_test_teardown(mpls_stack_sets_top_label_and_count,
	    exact_free_all),
	cmocka_unit_test_teardown(mpls_label_is_twenty_bits_then_ipv6,
	    exact_free_all),
	cmocka_unit_test_teardown(vlan_then_mpls_sets_both, exact_free_all),
	cmocka_unit_test_teardown(mpls_stack_without_bottom_is_truncated,
	    exact_free_all),
	cmocka_unit_test_teardown(llc_snap_carries_ipv4, exact_free_all),
	cmocka_unit_test_teardown(arp_frame_has_no_ip_flow, exact_free_all),
	cmocka_unit_test_teardown(link_ipv4_is_a_bare_header, exact_free_all),
	cmocka_unit_test_teardown(link_ipv6_is_a_bare_header, exact_free_all),
	cmocka_unit_test_teardown(link_ipv4_with_version_6_is_malformed,
	    exact_free_all),
	cmocka_unit_test_teardown(link_ipv6_with_version_4_is_malformed,
	    exact_free_all),
	cmocka_unit_test_teardown(link_ip_picks_version_from_first_nibble,
	    exact_free_all),
	cmocka_unit_test_teardown(link_ip_unknown_version_is_malformed,
	    exact_free_all),
	cmocka_unit_test_teardown(link_linux_sll_protocol_at_offset_14,
	    exact_free_all),
	cmocka_unit_test_teardown(link_linux_sll2_protocol_at_offset_0,
	    exact_free_all),
	cmocka_unit_test_teardown(link_linux_sll_protocol_is_eth_type,
	    exact_free_all),
	cmocka_unit_test_teardown(link_linux_sll_cut_is_truncated, exact_free_all),
	cmocka_unit_test_teardown(link_null_host_order_family, exact_free_all),
	cmocka_unit_test_teardown(link_loop_network_order_family, exact_free_all),
	cmocka_unit_test_teardown(link_null_unknown_family_has_no_ip_flow,
	    exact_free_all),
	cmocka_unit_test_teardown(link_loop_cut_is_truncated, exact_free_all),
};

FS_TEST_MAIN(tests)
