/*
 * pkt_build.c - packets built byte by byte, and the checks of what
 * pkt_parse() makes of them (see pkt_build.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_build.h"

/* ---- a packet under construction ------------------------------------- */

void
put8(struct pkt *p, uint8_t v)
{
	assert_true(p->len < sizeof(p->b));
	p->b[p->len++] = v;
}

void
put16(struct pkt *p, uint16_t v)
{
	put8(p, (uint8_t)(v >> 8));
	put8(p, (uint8_t)v);
}

void
put32(struct pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

void
put_bytes(struct pkt *p, const void *src, size_t n)
{
	assert_true(n <= sizeof(p->b) - p->len);
	memcpy(p->b + p->len, src, n);
	p->len += n;
}

void
put_fill(struct pkt *p, uint8_t v, size_t n)
{
	assert_true(n <= sizeof(p->b) - p->len);
	memset(p->b + p->len, v, n);
	p->len += n;
}

/* n bytes of recognisable payload. */
void
put_payload(struct pkt *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(p, (uint8_t)('a' + i % 26));
}

void
set16(struct pkt *p, size_t off, uint16_t v)
{
	assert_true(off + 2 <= p->len);
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

struct netaddr
addr(const char *text)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(text, &a), 0);
	return a;
}

void
put_addr(struct pkt *p, const char *text, int family)
{
	struct netaddr a = addr(text);

	assert_int_equal(a.family, family);
	put_bytes(p, a.bytes, family == NETADDR_IPV4 ? 4 : 16);
}

/* ---- link layers ------------------------------------------------------- */

void
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
void
put_tag(struct pkt *p, uint16_t tci, uint16_t next_type)
{
	put16(p, tci);
	put16(p, next_type);
}

void
put_mpls(struct pkt *p, uint32_t label, int bottom)
{
	put32(p, label << 12 | 5u << 9 | (bottom ? 1u : 0u) << 8 | 64);
}

/* Linux cooked capture v1: 16 bytes, protocol at offset 14. */
void
put_sll(struct pkt *p, uint16_t proto)
{
	put16(p, 0);			/* packet type: to us */
	put16(p, 1);			/* ARPHRD_ETHER */
	put16(p, 6);			/* address length */
	put_fill(p, 0x02, 8);		/* address, padded to 8 */
	put16(p, proto);
}

/* Linux cooked capture v2: 20 bytes, protocol at offset 0. */
void
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
void
put_null(struct pkt *p, uint32_t af)
{
	put_bytes(p, &af, sizeof(af));
}

/* DLT_LOOP: the address family in network byte order. */
void
put_loop(struct pkt *p, uint32_t af)
{
	put32(p, af);
}

/* ---- IPv4 -------------------------------------------------------------- */

/* An IPv4 header; returns its offset for end_ipv4(). */
size_t
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

size_t
put_ipv4_simple(struct pkt *p, uint8_t proto)
{
	return put_ipv4(p, &(struct ip4){ .proto = proto, .ttl = 64 });
}

/* Set the total length to everything after the header start, and the sum. */
void
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

size_t
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

size_t
put_ipv6_simple(struct pkt *p, uint8_t next)
{
	return put_ipv6(p, &(struct ip6){ .next = next, .hlim = 64 });
}

void
end_ipv6(struct pkt *p, size_t at)
{
	set16(p, at + 4, (uint16_t)(p->len - at - IPV6_LEN));
}

/*
 * A hop-by-hop or destination options header of len bytes (a multiple of
 * 8), filled with one PadN option.
 */
void
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
void
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
void
put_ip6_frag(struct pkt *p, uint8_t next, uint16_t offset, int more)
{
	put8(p, next);
	put8(p, 0);
	put16(p, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	put32(p, 0xCAFEF00D);		/* identification */
}

/* An authentication header: its length is in 4-byte units, minus 2. */
void
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
void
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
size_t
put_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	size_t at = p->len;

	put16(p, sport);
	put16(p, dport);
	put16(p, 0);			/* length: end_udp() */
	put16(p, 0);			/* checksum */
	return at;
}

void
end_udp(struct pkt *p, size_t at)
{
	set16(p, at + 4, (uint16_t)(p->len - at));
}

/* The SCTP common header and one empty DATA chunk header. */
void
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
void
put_icmp(struct pkt *p, uint8_t type, uint8_t code)
{
	put8(p, type);
	put8(p, code);
	put16(p, 0);			/* checksum */
	put16(p, 0x4242);		/* identifier */
	put16(p, 1);			/* sequence */
}

void
put_vxlan(struct pkt *p, uint32_t vni)
{
	put8(p, 0x08);			/* I flag: the VNI is valid */
	put8(p, 0);
	put16(p, 0);
	put32(p, vni << 8);
}

/* ---- common packets ---------------------------------------------------- */

/* Ethernet, IPv4 192.0.2.1 -> 198.51.100.2 ttl 64, TCP 40000 -> 443. */
void
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
void
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
void
build_ipv6_tcp(struct pkt *p, size_t payload)
{
	size_t ip;

	ip = put_ipv6_simple(p, IPPROTO_TCP_);
	put_tcp(p, 80, 55555, TCP_ACK, 0);
	put_payload(p, payload);
	end_ipv6(p, ip);
}

/* The inner frame of the VXLAN tests: 10.0.0.1 -> 10.0.0.2, TCP SYN. */
void
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
void
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
void
note_cut(void)
{
	if (cut_len >= 0)
		print_error("  (the packet was cut to %ld bytes)\n", cut_len);
}

/* Parse the first n bytes of p (as an exact heap copy) into *out. */
void
parse_prefix(const struct pkt *p, size_t n, enum pkt_link link,
    struct pkt_parsed *out)
{
	assert_true(n <= p->len);
	cut_len = n < p->len ? (long)n : -1;
	/* Garbage first: pkt_parse must fill every field. */
	memset(out, 0xA5, sizeof(*out));
	pkt_parse(exact_copy(p->b, n), n, link, out);
}

void
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
void
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

/* Where the payload is, and whether the IP/UDP length promised more. */
void
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

static const struct flow_key zero_key;

/* No tunnel was found: the inner part of *out is all zero. */
void
assert_no_inner(const struct pkt_parsed *out)
{
	assert_int_equal(out->has_inner, 0);
	assert_int_equal(out->vni, 0);
	assert_inner(&out->inner, &zero_key);
}

/* The flow key every build_eth_ipv4_tcp() packet has. */
struct flow_key
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
