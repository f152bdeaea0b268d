/*
 * pkt_build.h - packets built byte by byte for the tests of the packet
 * header parser (common/packet.c), and the checks of what it returns.
 *
 * The builders append Ethernet, 802.1Q/802.1ad, MPLS, IPv4, IPv6 and its
 * extension headers, TCP, UDP, SCTP, ICMP, VXLAN and the cooked and
 * loopback link headers to a struct pkt.  parse() hands pkt_parse() a heap
 * copy of exactly the packet's length, so that an over-read is caught by
 * AddressSanitizer (FS_SANITIZE=ON).  Expected flow keys are written out in
 * full: a field a test does not name must be zero.
 */
#ifndef FS_PKT_BUILD_H
#define FS_PKT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "exact_buf.h"
#include "fs_test.h"

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

/* Append one byte; fails the test when the packet is full. */
void	put8(struct pkt *p, uint8_t v);
/* Append a 16-bit value, big-endian. */
void	put16(struct pkt *p, uint16_t v);
/* Append a 32-bit value, big-endian. */
void	put32(struct pkt *p, uint32_t v);
/* Append n bytes of src. */
void	put_bytes(struct pkt *p, const void *src, size_t n);
/* Append n bytes of value v. */
void	put_fill(struct pkt *p, uint8_t v, size_t n);
/* Append n bytes of recognisable payload ("abc..."). */
void	put_payload(struct pkt *p, size_t n);
/* Overwrite the 16-bit big-endian value at off (already appended). */
void	set16(struct pkt *p, size_t off, uint16_t v);
/* The address in text (IPv4 or IPv6); fails the test if it does not parse. */
struct netaddr	addr(const char *text);
/* Append the 4 or 16 bytes of text, which must be of family. */
void	put_addr(struct pkt *p, const char *text, int family);

/* ---- link layers ------------------------------------------------------- */

/* An Ethernet header 02:00:00:00:00:02 -> 02:00:00:00:00:01, type. */
void	put_eth(struct pkt *p, uint16_t type);
/* The rest of an 802.1Q/802.1ad tag after its TPID: TCI and next type. */
void	put_tag(struct pkt *p, uint16_t tci, uint16_t next_type);
/* One MPLS label stack entry (TC 5, TTL 64); bottom sets the S bit. */
void	put_mpls(struct pkt *p, uint32_t label, int bottom);
/* Linux cooked capture v1: 16 bytes, protocol at offset 14. */
void	put_sll(struct pkt *p, uint16_t proto);
/* Linux cooked capture v2: 20 bytes, protocol at offset 0. */
void	put_sll2(struct pkt *p, uint16_t proto);
/* DLT_NULL: the address family in host byte order. */
void	put_null(struct pkt *p, uint32_t af);
/* DLT_LOOP: the address family in network byte order. */
void	put_loop(struct pkt *p, uint32_t af);

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
size_t	put_ipv4(struct pkt *p, const struct ip4 *h);
/* An IPv4 header with TTL 64 and the default addresses. */
size_t	put_ipv4_simple(struct pkt *p, uint8_t proto);
/* Set the total length to everything after the header start, and the sum. */
void	end_ipv4(struct pkt *p, size_t at);

/* ---- IPv6 -------------------------------------------------------------- */

struct ip6 {
	uint8_t		 next;
	uint8_t		 tclass;
	uint8_t		 hlim;
	uint32_t	 flow;		/* 20-bit flow label */
	const char	*src;		/* NULL: 2001:db8::1 */
	const char	*dst;		/* NULL: 2001:db8::2 */
};

/* An IPv6 header; returns its offset for end_ipv6(). */
size_t	put_ipv6(struct pkt *p, const struct ip6 *h);
/* An IPv6 header with hop limit 64 and the default addresses. */
size_t	put_ipv6_simple(struct pkt *p, uint8_t next);
/* Set the payload length to everything after the fixed header. */
void	end_ipv6(struct pkt *p, size_t at);
/*
 * A hop-by-hop or destination options header of len bytes (a multiple of
 * 8), filled with one PadN option.
 */
void	put_ip6_opts(struct pkt *p, uint8_t next, size_t len);
/* A routing header (segment routing, type 4) of len bytes. */
void	put_ip6_routing(struct pkt *p, uint8_t next, size_t len);
/* A fragment header: offset in 8-byte units, more fragments flag. */
void	put_ip6_frag(struct pkt *p, uint8_t next, uint16_t offset, int more);
/* An authentication header: its length is in 4-byte units, minus 2. */
void	put_ip6_ah(struct pkt *p, uint8_t next, uint8_t len_field);

/* ---- transport --------------------------------------------------------- */

/* A TCP header with 12 flag bits and optlen bytes of NOP options. */
void	put_tcp(struct pkt *p, uint16_t sport, uint16_t dport,
	    uint16_t flags, size_t optlen);
/* A UDP header; returns its offset for end_udp(). */
size_t	put_udp(struct pkt *p, uint16_t sport, uint16_t dport);
/* Set the UDP length to everything after the header start. */
void	end_udp(struct pkt *p, size_t at);
/* The SCTP common header and one empty DATA chunk header. */
void	put_sctp(struct pkt *p, uint16_t sport, uint16_t dport);
/* An ICMP or ICMPv6 header (echo-style: identifier and sequence). */
void	put_icmp(struct pkt *p, uint8_t type, uint8_t code);
/* A VXLAN header with the I flag and vni. */
void	put_vxlan(struct pkt *p, uint32_t vni);

/* ---- common packets ---------------------------------------------------- */

/* Ethernet, IPv4 192.0.2.1 -> 198.51.100.2 ttl 64, TCP 40000 -> 443. */
void	build_eth_ipv4_tcp(struct pkt *p, uint16_t flags, size_t payload);
/* IPv4 192.0.2.1 -> 198.51.100.2, UDP 5353 -> 53, with payload bytes. */
void	build_ipv4_udp(struct pkt *p, size_t payload);
/* IPv6 2001:db8::1 -> 2001:db8::2, TCP 80 -> 55555 ACK, with payload. */
void	build_ipv6_tcp(struct pkt *p, size_t payload);
/* The inner frame of the VXLAN tests: 10.0.0.1 -> 10.0.0.2, TCP SYN. */
void	build_inner_frame(struct pkt *p);
/* Outer Ethernet/IPv4/UDP 49152 -> dport / VXLAN vni / the inner frame. */
void	build_vxlan(struct pkt *p, uint16_t dport, uint32_t vni);

/* ---- parsing and checking ---------------------------------------------- */

/*
 * Parse the first n bytes of p (as an exact heap copy, freed by
 * exact_free_all) into *out, which is filled with garbage first.
 */
void	parse_prefix(const struct pkt *p, size_t n, enum pkt_link link,
	    struct pkt_parsed *out);
/* Parse all of p, as parse_prefix(). */
void	parse(const struct pkt *p, enum pkt_link link, struct pkt_parsed *out);
/* Say where a packet was cut, after a failed check of a cut packet. */
void	note_cut(void);

/* Every field of got equals want; names every field that differs. */
void	check_key(const struct flow_key *got, const struct flow_key *want,
	    const char *what, const char *file, int line);

#define assert_key(got, want)	check_key((got), (want), "key",	\
				    __FILE__, __LINE__)
#define assert_inner(got, want)	check_key((got), (want), "inner", \
				    __FILE__, __LINE__)

/* Where the payload is, and whether the IP/UDP length promised more. */
void	check_payload(const struct pkt_parsed *got, uint32_t offset,
	    uint32_t length, int clipped, const char *file, int line);

#define assert_payload(out, off, len, clipped)				\
	check_payload((out), (off), (len), (clipped), __FILE__, __LINE__)

/* No tunnel was found: the inner part of *out is all zero. */
void	assert_no_inner(const struct pkt_parsed *out);

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
struct flow_key	eth_ipv4_tcp_key(uint16_t tcp_flags);

#endif /* FS_PKT_BUILD_H */
