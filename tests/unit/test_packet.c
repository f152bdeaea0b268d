/*
 * test_packet.c - the packet header parser (common/packet.c) against the
 * contract in packet.h.
 *
 * Packets are built byte by byte with the small builders below (Ethernet,
 * 802.1Q/802.1ad, MPLS, LLC/SNAP, IPv4, IPv6 and its extension headers,
 * TCP, UDP, SCTP, ICMP, VXLAN, the cooked and loopback link headers) and
 * handed to pkt_parse() as heap copies of exactly their length, so that an
 * over-read is caught by AddressSanitizer (FS_SANITIZE=ON).  Expected flow
 * keys are written out in full: a field a test does not name must be zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"
#include "exact_buf.h"

#include "netaddr.h"
#include "packet.h"

#define ETH_IPV4	0x0800
#define ETH_ARP		0x0806
#define ETH_8021Q	0x8100
#define ETH_IPV6	0x86DD
#define ETH_MPLS	0x8847
#define ETH_8021AD	0x88A8

#define IPPROTO_HOPOPTS_	0
#define IPPROTO_ICMP_		1
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
#define IPPROTO_ROUTING_	43
#define IPPROTO_FRAGMENT_	44
#define IPPROTO_AH_		51
#define IPPROTO_ICMPV6_		58
#define IPPROTO_NONE_		59
#define IPPROTO_DSTOPTS_	60
#define IPPROTO_SCTP_		132

#define TCP_FIN		0x001
#define TCP_SYN		0x002
#define TCP_RST		0x004
#define TCP_PSH		0x008
#define TCP_ACK		0x010
#define TCP_NS		0x100

#define VXLAN_PORT	4789

#define IPV4_MF		0x2000
#define IPV4_DF		0x4000

#define ETH_LEN		14
#define IPV4_LEN	20
#define IPV6_LEN	40
#define TCP_LEN		20
#define UDP_LEN		8

/* ---- a packet under construction ------------------------------------- */

struct pkt {
	uint8_t	b[2048];
	size_t	len;
};

static void
put8(struct pkt *p, uint8_t v)
{
	assert_true(p->len < sizeof(p->b));
	p->b[p->len++] = v;
}

static void
put16(struct pkt *p, uint16_t v)
{
	put8(p, (uint8_t)(v >> 8));
	put8(p, (uint8_t)v);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void
put_bytes(struct pkt *p, const void *src, size_t n)
{
	assert_true(n <= sizeof(p->b) - p->len);
	memcpy(p->b + p->len, src, n);
	p->len += n;
}

static void
put_fill(struct pkt *p, uint8_t v, size_t n)
{
	assert_true(n <= sizeof(p->b) - p->len);
	memset(p->b + p->len, v, n);
	p->len += n;
}

/* n bytes of recognisable payload. */
static void
put_payload(struct pkt *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(p, (uint8_t)('a' + i % 26));
}

static void
set16(struct pkt *p, size_t off, uint16_t v)
{
	assert_true(off + 2 <= p->len);
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static struct netaddr
addr(const char *text)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(text, &a), 0);
	return a;
}

static void
put_addr(struct pkt *p, const char *text, int family)
{
	struct netaddr a = addr(text);

	assert_int_equal(a.family, family);
	put_bytes(p, a.bytes, family == NETADDR_IPV4 ? 4 : 16);
}

/* ---- link layers ------------------------------------------------------- */

static void
put_eth(struct pkt *p, uint16_t type)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x01,		/* destination */
		0x02, 0, 0, 0, 0, 0x02,		/* source */
	};

	put_bytes(p, macs, sizeof(macs));
	put16(p, type);
}

/* The rest of an 802.1Q/802.1ad tag after its TPID: TCI and next type. */
static void
put_tag(struct pkt *p, uint16_t tci, uint16_t next_type)
{
	put16(p, tci);
	put16(p, next_type);
}

static void
put_mpls(struct pkt *p, uint32_t label, int bottom)
{
	put32(p, label << 12 | 5u << 9 | (bottom ? 1u : 0u) << 8 | 64);
}

/* Linux cooked capture v1: 16 bytes, protocol at offset 14. */
static void
put_sll(struct pkt *p, uint16_t proto)
{
	put16(p, 0);			/* packet type: to us */
	put16(p, 1);			/* ARPHRD_ETHER */
	put16(p, 6);			/* address length */
	put_fill(p, 0x02, 8);		/* address, padded to 8 */
	put16(p, proto);
}

/* Linux cooked capture v2: 20 bytes, protocol at offset 0. */
static void
put_sll2(struct pkt *p, uint16_t proto)
{
	put16(p, proto);
	put16(p, 0);			/* reserved */
	put32(p, 2);			/* interface index */
	put16(p, 1);			/* ARPHRD_ETHER */
	put8(p, 4);			/* packet type: outgoing */
	put8(p, 6);			/* address length */
	put_fill(p, 0x02, 8);
}

/* DLT_NULL: the address family in host byte order. */
static void
put_null(struct pkt *p, uint32_t af)
{
	put_bytes(p, &af, sizeof(af));
}

/* DLT_LOOP: the address family in network byte order. */
static void
put_loop(struct pkt *p, uint32_t af)
{
	put32(p, af);
}

/* ---- IPv4 -------------------------------------------------------------- */

struct ip4 {
	uint8_t		 proto;
	uint8_t		 tos;
	uint8_t		 ttl;
	uint16_t	 frag;		/* flags and fragment offset */
	size_t		 optlen;	/* bytes of options, 4n */
	const char	*src;		/* NULL: 192.0.2.1 */
	const char	*dst;		/* NULL: 198.51.100.2 */
};

/* An IPv4 header; returns its offset for end_ipv4(). */
static size_t
put_ipv4(struct pkt *p, const struct ip4 *h)
{
	size_t at = p->len;

	assert_true(h->optlen % 4 == 0 && h->optlen <= 40);
	put8(p, (uint8_t)(0x40 | (5 + h->optlen / 4)));
	put8(p, h->tos);
	put16(p, 0);			/* total length: end_ipv4() */
	put16(p, 0x1234);		/* identification */
	put16(p, h->frag);
	put8(p, h->ttl);
	put8(p, h->proto);
	put16(p, 0);			/* checksum: end_ipv4() */
	put_addr(p, h->src != NULL ? h->src : "192.0.2.1", NETADDR_IPV4);
	put_addr(p, h->dst != NULL ? h->dst : "198.51.100.2", NETADDR_IPV4);
	if (h->optlen > 0) {
		put_fill(p, 0x01, h->optlen - 1);	/* NOP */
		put8(p, 0x00);			/* end of options */
	}
	return at;
}

static size_t
put_ipv4_simple(struct pkt *p, uint8_t proto)
{
	return put_ipv4(p, &(struct ip4){ .proto = proto, .ttl = 64 });
}

/* Set the total length to everything after the header start, and the sum. */
static void
end_ipv4(struct pkt *p, size_t at)
{
	size_t hlen = (size_t)(p->b[at] & 0x0F) * 4, i;
	uint32_t sum = 0;

	set16(p, at + 2, (uint16_t)(p->len - at));
	for (i = 0; i < hlen; i += 2)
		sum += (uint32_t)(p->b[at + i] << 8 | p->b[at + i + 1]);
	while (sum > 0xFFFF)
		sum = (sum & 0xFFFF) + (sum >> 16);
	set16(p, at + 10, (uint16_t)~sum);
}

/* ---- IPv6 -------------------------------------------------------------- */

struct ip6 {
	uint8_t		 next;
	uint8_t		 tclass;
	uint8_t		 hlim;
	uint32_t	 flow;		/* 20-bit flow label */
	const char	*src;		/* NULL: 2001:db8::1 */
	const char	*dst;		/* NULL: 2001:db8::2 */
};

static size_t
put_ipv6(struct pkt *p, const struct ip6 *h)
{
	size_t at = p->len;

	put32(p, 6u << 28 | (uint32_t)h->tclass << 20 | (h->flow & 0xFFFFF));
	put16(p, 0);			/* payload length: end_ipv6() */
	put8(p, h->next);
	put8(p, h->hlim);
	put_addr(p, h->src != NULL ? h->src : "2001:db8::1", NETADDR_IPV6);
	put_addr(p, h->dst != NULL ? h->dst : "2001:db8::2", NETADDR_IPV6);
	return at;
}

static size_t
put_ipv6_simple(struct pkt *p, uint8_t next)
{
	return put_ipv6(p, &(struct ip6){ .next = next, .hlim = 64 });
}

static void
end_ipv6(struct pkt *p, size_t at)
{
	set16(p, at + 4, (uint16_t)(p->len - at - IPV6_LEN));
}

/*
 * A hop-by-hop or destination options header of len bytes (a multiple of
 * 8), filled with one PadN option.
 */
static void
put_ip6_opts(struct pkt *p, uint8_t next, size_t len)
{
	assert_true(len >= 8 && len % 8 == 0);
	put8(p, next);
	put8(p, (uint8_t)(len / 8 - 1));
	put8(p, 1);			/* PadN */
	put8(p, (uint8_t)(len - 4));
	put_fill(p, 0, len - 4);
}

/* A routing header (segment routing, type 4) of len bytes. */
static void
put_ip6_routing(struct pkt *p, uint8_t next, size_t len)
{
	assert_true(len >= 8 && len % 8 == 0);
	put8(p, next);
	put8(p, (uint8_t)(len / 8 - 1));
	put8(p, 4);			/* routing type */
	put8(p, 0);			/* segments left */
	put_fill(p, 0, len - 4);
}

/* A fragment header: offset in 8-byte units, more fragments flag. */
static void
put_ip6_frag(struct pkt *p, uint8_t next, uint16_t offset, int more)
{
	put8(p, next);
	put8(p, 0);
	put16(p, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	put32(p, 0xCAFEF00D);		/* identification */
}

/* An authentication header: its length is in 4-byte units, minus 2. */
static void
put_ip6_ah(struct pkt *p, uint8_t next, uint8_t len_field)
{
	size_t len = ((size_t)len_field + 2) * 4;

	put8(p, next);
	put8(p, len_field);
	put16(p, 0);
	put32(p, 0x1000);		/* SPI */
	put32(p, 1);			/* sequence number */
	put_fill(p, 0xAB, len - 12);	/* ICV */
}

/* ---- transport --------------------------------------------------------- */

/* A TCP header with 12 flag bits and optlen bytes of NOP options. */
static void
put_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint16_t flags,
    size_t optlen)
{
	assert_true(optlen % 4 == 0 && optlen <= 40);
	put16(p, sport);
	put16(p, dport);
	put32(p, 0x01020304);		/* sequence */
	put32(p, 0x05060708);		/* acknowledgement */
	put8(p, (uint8_t)((5 + optlen / 4) << 4 | (flags >> 8 & 0x0F)));
	put8(p, (uint8_t)flags);
	put16(p, 65535);		/* window */
	put16(p, 0);			/* checksum */
	put16(p, 0);			/* urgent pointer */
	put_fill(p, 0x01, optlen);
}

/* A UDP header; returns its offset for end_udp(). */
static size_t
put_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	size_t at = p->len;

	put16(p, sport);
	put16(p, dport);
	put16(p, 0);			/* length: end_udp() */
	put16(p, 0);			/* checksum */
	return at;
}

static void
end_udp(struct pkt *p, size_t at)
{
	set16(p, at + 4, (uint16_t)(p->len - at));
}

/* The SCTP common header and one empty DATA chunk header. */
static void
put_sctp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	put16(p, sport);
	put16(p, dport);
	put32(p, 0xDEADBEEF);		/* verification tag */
	put32(p, 0);			/* checksum */
	put8(p, 0);			/* chunk type DATA */
	put8(p, 0x03);
	put16(p, 4);
}

/* An ICMP or ICMPv6 header (echo-style: identifier and sequence). */
static void
put_icmp(struct pkt *p, uint8_t type, uint8_t code)
{
	put8(p, type);
	put8(p, code);
	put16(p, 0);			/* checksum */
	put16(p, 0x4242);		/* identifier */
	put16(p, 1);			/* sequence */
}

static void
put_vxlan(struct pkt *p, uint32_t vni)
{
	put8(p, 0x08);			/* I flag: the VNI is valid */
	put8(p, 0);
	put16(p, 0);
	put32(p, vni << 8);
}

/* ---- common packets ---------------------------------------------------- */

/* Ethernet, IPv4 192.0.2.1 -> 198.51.100.2 ttl 64, TCP 40000 -> 443. */
static void
build_eth_ipv4_tcp(struct pkt *p, uint16_t flags, size_t payload)
{
	size_t ip;

	put_eth(p, ETH_IPV4);
	ip = put_ipv4_simple(p, IPPROTO_TCP_);
	put_tcp(p, 40000, 443, flags, 0);
	put_payload(p, payload);
	end_ipv4(p, ip);
}

/* IPv4 192.0.2.1 -> 198.51.100.2, UDP 5353 -> 53, with payload bytes. */
static void
build_ipv4_udp(struct pkt *p, size_t payload)
{
	size_t ip, udp;

	ip = put_ipv4_simple(p, IPPROTO_UDP_);
	udp = put_udp(p, 5353, 53);
	put_payload(p, payload);
	end_udp(p, udp);
	end_ipv4(p, ip);
}

/* IPv6 2001:db8::1 -> 2001:db8::2, TCP 80 -> 55555 ACK, with payload. */
static void
build_ipv6_tcp(struct pkt *p, size_t payload)
{
	size_t ip;

	ip = put_ipv6_simple(p, IPPROTO_TCP_);
	put_tcp(p, 80, 55555, TCP_ACK, 0);
	put_payload(p, payload);
	end_ipv6(p, ip);
}

/* The inner frame of the VXLAN tests: 10.0.0.1 -> 10.0.0.2, TCP SYN. */
static void
build_inner_frame(struct pkt *p)
{
	size_t ip;

	put_eth(p, ETH_IPV4);
	ip = put_ipv4(p, &(struct ip4){ .proto = IPPROTO_TCP_, .ttl = 63,
	    .tos = 0x10, .src = "10.0.0.1", .dst = "10.0.0.2" });
	put_tcp(p, 1234, 80, TCP_SYN, 0);
	end_ipv4(p, ip);
}

/* Outer Ethernet/IPv4/UDP 49152 -> dport / VXLAN vni / the inner frame. */
static void
build_vxlan(struct pkt *p, uint16_t dport, uint32_t vni)
{
	size_t ip, udp;

	put_eth(p, ETH_IPV4);
	ip = put_ipv4_simple(p, IPPROTO_UDP_);
	udp = put_udp(p, 49152, dport);
	put_vxlan(p, vni);
	build_inner_frame(p);
	end_udp(p, udp);
	end_ipv4(p, ip);
}

/* ---- parsing and checking ---------------------------------------------- */

/* The length of the last buffer parsed when it was cut short, else -1. */
static long	cut_len = -1;

/* Say where a packet was cut, after a failed check of a cut packet. */
static void
note_cut(void)
{
	if (cut_len >= 0)
		print_error("  (the packet was cut to %ld bytes)\n", cut_len);
}

/* Parse the first n bytes of p (as an exact heap copy) into *out. */
static void
parse_prefix(const struct pkt *p, size_t n, enum pkt_link link,
    struct pkt_parsed *out)
{
	assert_true(n <= p->len);
	cut_len = n < p->len ? (long)n : -1;
	/* Garbage first: pkt_parse must fill every field. */
	memset(out, 0xA5, sizeof(*out));
	pkt_parse(exact_copy(p->b, n), n, link, out);
}

static void
parse(const struct pkt *p, enum pkt_link link, struct pkt_parsed *out)
{
	parse_prefix(p, p->len, link, out);
}

#define KEY_FIELD(f) do {						\
	if (got->f != want->f) {					\
		print_error("%s:%d: %s.%s is %#lx, want %#lx\n",	\
		    file, line, what, #f, (unsigned long)got->f,	\
		    (unsigned long)want->f);				\
		bad = 1;						\
	}								\
} while (0)

static void
check_addr(const struct netaddr *got, const struct netaddr *want,
    const char *name, const char *file, int line, int *bad)
{
	char g[NETADDR_STRLEN], w[NETADDR_STRLEN];

	if (netaddr_compare(got, want) == 0)
		return;
	print_error("%s:%d: %s is %s (family %d), want %s (family %d)\n",
	    file, line, name, netaddr_format(got, g, sizeof(g)), got->family,
	    netaddr_format(want, w, sizeof(w)), want->family);
	*bad = 1;
}

/* Every field of got equals want; names every field that differs. */
static void
check_key(const struct flow_key *got, const struct flow_key *want,
    const char *what, const char *file, int line)
{
	char name[32];
	int bad = 0;

	snprintf(name, sizeof(name), "%s.src", what);
	check_addr(&got->src, &want->src, name, file, line, &bad);
	snprintf(name, sizeof(name), "%s.dst", what);
	check_addr(&got->dst, &want->dst, name, file, line, &bad);
	KEY_FIELD(mpls_label);
	KEY_FIELD(eth_type);
	KEY_FIELD(vlan);
	KEY_FIELD(inner_vlan);
	KEY_FIELD(sport);
	KEY_FIELD(dport);
	KEY_FIELD(tcp_flags);
	KEY_FIELD(flags);
	KEY_FIELD(vlan_count);
	KEY_FIELD(mpls_count);
	KEY_FIELD(proto);
	KEY_FIELD(tos);
	KEY_FIELD(ttl);
	KEY_FIELD(icmp_type);
	KEY_FIELD(icmp_code);
	if (bad) {
		note_cut();
		_fail(file, line);
	}
}

#define assert_key(got, want)	check_key((got), (want), "key",	\
				    __FILE__, __LINE__)
#define assert_inner(got, want)	check_key((got), (want), "inner", \
				    __FILE__, __LINE__)

/* Where the payload is, and whether the IP/UDP length promised more. */
static void
check_payload(const struct pkt_parsed *got, uint32_t offset, uint32_t length,
    int clipped, const char *file, int line)
{
	const char *what = "out";
	struct {
		uint32_t	payload_offset;
		uint32_t	payload_length;
		uint8_t		payload_clipped;
	} w = { offset, length, (uint8_t)clipped }, *want = &w;
	int bad = 0;

	KEY_FIELD(payload_offset);
	KEY_FIELD(payload_length);
	KEY_FIELD(payload_clipped);
	if (bad) {
		note_cut();
		_fail(file, line);
	}
}

#define assert_payload(out, off, len, clipped)				\
	check_payload((out), (off), (len), (clipped), __FILE__, __LINE__)

static const struct flow_key zero_key;

/* No tunnel was found: the inner part of *out is all zero. */
static void
assert_no_inner(const struct pkt_parsed *out)
{
	assert_int_equal(out->has_inner, 0);
	assert_int_equal(out->vni, 0);
	assert_inner(&out->inner, &zero_key);
}

#define assert_flag_set(key, flag)					\
	do {								\
		if (((key)->flags & (flag)) == 0) {			\
			note_cut();					\
			fail_msg("flags %#x lack " #flag,		\
			    (unsigned)(key)->flags);			\
		}							\
	} while (0)
#define assert_flag_clear(key, flag)					\
	do {								\
		if (((key)->flags & (flag)) != 0) {			\
			note_cut();					\
			fail_msg("flags %#x have " #flag,		\
			    (unsigned)(key)->flags);			\
		}							\
	} while (0)

/* The flow key every build_eth_ipv4_tcp() packet has. */
static struct flow_key
eth_ipv4_tcp_key(uint16_t tcp_flags)
{
	struct flow_key k = {
		.src = addr("192.0.2.1"), .dst = addr("198.51.100.2"),
		.eth_type = ETH_IPV4, .proto = IPPROTO_TCP_, .ttl = 64,
		.sport = 40000, .dport = 443, .tcp_flags = tcp_flags,
		.flags = FLOW_KEY_PORTS | FLOW_KEY_TCP_FLAGS,
	};

	return k;
}

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
