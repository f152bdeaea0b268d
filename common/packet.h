/*
 * packet.h - parse the headers of a packet into a flow key.
 *
 * Used on the headers that sFlow agents sample (which are clipped, usually
 * to 128 bytes) and on whole frames read from capture files.  Only the
 * headers are read, through the bounds-checked cursor; a header that ends
 * early gives a partial key flagged FLOW_KEY_TRUNCATED, never an error.
 *
 * Understood: Ethernet II and 802.3 LLC/SNAP, 802.1Q/802.1ad tags (QinQ),
 * MPLS label stacks, IPv4 (options, fragments: only the first fragment has
 * a transport header), IPv6 with extension headers (hop-by-hop, routing,
 * fragment, destination options, AH, mobility, HIP, shim6), TCP, UDP, SCTP,
 * ICMP, ICMPv6; VXLAN (UDP 4789, RFC 7348) yields the inner flow too.
 */
#ifndef FS_PACKET_H
#define FS_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/* What the first byte of a buffer is. */
enum pkt_link {
	PKT_LINK_ETHERNET = 1,	/* Ethernet (DLT_EN10MB) */
	PKT_LINK_IPV4,		/* a bare IPv4 header */
	PKT_LINK_IPV6,		/* a bare IPv6 header */
	PKT_LINK_IP,		/* IPv4 or IPv6, by the version nibble */
	PKT_LINK_LINUX_SLL,	/* Linux cooked capture v1 (DLT_LINUX_SLL) */
	PKT_LINK_LINUX_SLL2,	/* Linux cooked capture v2 (DLT_LINUX_SLL2) */
	PKT_LINK_NULL,		/* BSD loopback (DLT_NULL): the family word
				   in either byte order; AF 2 is IPv4,
				   10/24/28/30 IPv6 */
	PKT_LINK_LOOP,		/* OpenBSD loopback, network order (DLT_LOOP) */
};

/* flow_key.flags */
#define FLOW_KEY_TRUNCATED	0x0001	/* the bytes ended before the headers did */
#define FLOW_KEY_MALFORMED	0x0002	/* a header made no sense; parsing stopped there */
#define FLOW_KEY_PORTS		0x0004	/* sport and dport are set (TCP, UDP, SCTP) */
#define FLOW_KEY_TCP_FLAGS	0x0008	/* tcp_flags is set */
#define FLOW_KEY_ICMP		0x0010	/* icmp_type and icmp_code are set */
#define FLOW_KEY_FRAGMENT	0x0020	/* an IP fragment, first or later */
#define FLOW_KEY_LATER_FRAGMENT	0x0040	/* not the first fragment: no transport header */
#define FLOW_KEY_VLAN		0x0080	/* vlan (and with 2 tags inner_vlan) is set */
#define FLOW_KEY_MPLS		0x0100	/* mpls_label is the top label */
#define FLOW_KEY_SUMMARY	0x0200	/* filled from a sampler's summary (sFlow
					   sampled IPv4/IPv6 record), not parsed
					   from headers: no TTL, no EtherType */

/*
 * The fields of one packet that the rest of finderscope keys and reports on.
 * A plain value: zero-initialised by the parser, no pointers.  The IP
 * version is src.family (NETADDR_NONE when no IP header was found).
 */
struct flow_key {
	struct netaddr	src;
	struct netaddr	dst;
	uint32_t	mpls_label;	/* top of the label stack */
	uint16_t	eth_type;	/* outermost EtherType (0x8100 when tagged);
					   a cooked capture's protocol; 0 for
					   raw IP and loopback links */
	uint16_t	vlan;		/* first 802.1Q/802.1ad VLAN id */
	uint16_t	inner_vlan;	/* second VLAN id (QinQ) */
	uint16_t	sport;
	uint16_t	dport;
	uint16_t	tcp_flags;	/* the 12 flag bits, NS..FIN */
	uint16_t	flags;		/* FLOW_KEY_* */
	uint8_t		vlan_count;
	uint8_t		mpls_count;
	uint8_t		proto;		/* IPv4 protocol; IPv6 transport after extension headers */
	uint8_t		tos;		/* IPv4 TOS / IPv6 traffic class */
	uint8_t		ttl;		/* TTL / hop limit */
	uint8_t		icmp_type;
	uint8_t		icmp_code;
};

/*
 * A parsed packet: its flow, the tunnelled flow, and where the payload is.
 * The payload fields are set only for TCP, UDP and SCTP of the outer flow
 * (0 otherwise: ICMP, later fragments, unknown protocols).  A key is
 * partial when flagged truncated: fields read before the cut stay set
 * (ports without TCP flags, say), but addresses come in pairs.
 */
struct pkt_parsed {
	struct flow_key	key;		/* the first (outer) IP flow */
	struct flow_key	inner;		/* the flow inside VXLAN, when has_inner */
	uint32_t	vni;		/* VXLAN network identifier, when has_inner */
	uint8_t		has_inner;
	uint32_t	l3_offset;	/* first byte of the first IP header */
	uint32_t	payload_offset;	/* first byte after the transport header */
	/*
	 * Transport payload bytes that are present, clipped to the IP length
	 * and, for UDP, to the UDP length; never past the buffer.
	 */
	uint32_t	payload_length;
	uint8_t		payload_clipped; /* the IP/UDP length promised more than is here */
};

/*
 * Parse buf as link-layer type link.  Always fills *out (a zeroed key when
 * nothing could be read); problems show as FLOW_KEY_TRUNCATED/_MALFORMED in
 * out->key.flags.
 */
void	pkt_parse(const uint8_t *buf, size_t len, enum pkt_link link,
	    struct pkt_parsed *out);

#endif /* FS_PACKET_H */
