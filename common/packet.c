/*
 * packet.c - packet headers to a flow key: Ethernet (IEEE 802.3, 802.1Q,
 * 802.1ad), MPLS (RFC 3032), IPv4 (RFC 791), IPv6 and its extension headers
 * (RFC 8200, 4302, 6275, 7401, 5533), TCP (RFC 9293), UDP (RFC 768), SCTP
 * (RFC 9260), ICMP (RFC 792), ICMPv6 (RFC 4443), VXLAN (RFC 7348).
 *
 * Every header is read through a cursor.  A cursor that runs out marks the
 * key FLOW_KEY_TRUNCATED and the fields read so far stay valid: an sFlow
 * agent clips sampled headers (usually at 128 bytes), and a clipped header is
 * still a useful partial key, not an error.
 */
#include <string.h>

#include "cursor.h"
#include "ipv6_ext.h"
#include "packet.h"

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_VLAN		0x8100
#define ETHERTYPE_QINQ		0x88A8
#define ETHERTYPE_QINQ_OLD	0x9100
#define ETHERTYPE_IPV6		0x86DD
#define ETHERTYPE_MPLS		0x8847
#define ETHERTYPE_MPLS_MCAST	0x8848
#define ETHERTYPE_MIN		0x0600	/* below: an 802.3 length */

#define IPPROTO_ICMP_		1
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
#define IPPROTO_ICMPV6_		58
#define IPPROTO_SCTP_		132

#define VXLAN_PORT		4789
#define VXLAN_FLAG_VNI		0x08

/* Caps on what a hostile header can make us loop over. */
#define MAX_VLAN_TAGS		8
#define MAX_MPLS_LABELS		16

/* Where the parse of one layer stands; the buffer start anchors offsets. */
struct parse {
	const uint8_t	*start;
	struct cursor	 c;
	struct flow_key	*key;
	struct pkt_parsed *out;
	int		 outer;		/* filling out->key, not out->inner */
};

static void parse_ethernet(struct parse *);
static void parse_ip(struct parse *, int version);

static uint32_t
parse_offset(const struct parse *p)
{
	return (uint32_t)(p->c.pos - p->start);
}

/* Turn a cursor failure into a key flag; returns 1 if the parse must stop. */
static int
parse_failed(struct parse *p)
{
	switch (cursor_error(&p->c)) {
	case CURSOR_OK:
		return 0;
	case CURSOR_TRUNCATED:
		p->key->flags |= FLOW_KEY_TRUNCATED;
		return 1;
	default:
		p->key->flags |= FLOW_KEY_MALFORMED;
		return 1;
	}
}

static void
parse_malformed(struct parse *p)
{
	cursor_fail(&p->c, CURSOR_INVALID);
	p->key->flags |= FLOW_KEY_MALFORMED;
}

/* Dispatch on an EtherType that follows Ethernet, a tag or a cooked header. */
static void
parse_ethertype(struct parse *p, uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4:
		parse_ip(p, 4);
		break;
	case ETHERTYPE_IPV6:
		parse_ip(p, 6);
		break;
	default:
		break;		/* ARP, LLDP, ...: a key without addresses */
	}
}

/* MPLS label stack; the payload's IP version is guessed from its first nibble. */
static void
parse_mpls(struct parse *p)
{
	uint32_t entry;
	uint8_t nibble;

	p->key->flags |= FLOW_KEY_MPLS;
	do {
		entry = cursor_be32(&p->c);
		if (parse_failed(p))
			return;
		if (p->key->mpls_count == 0)
			p->key->mpls_label = entry >> 12;
		if (++p->key->mpls_count > MAX_MPLS_LABELS) {
			parse_malformed(p);
			return;
		}
	} while ((entry & 0x100) == 0);	/* bottom of stack bit */

	nibble = cursor_peek_u8(&p->c, 0) >> 4;
	if (cursor_left(&p->c) == 0)
		p->key->flags |= FLOW_KEY_TRUNCATED;
	else if (nibble == 4 || nibble == 6)
		parse_ip(p, nibble);
}

static void
parse_ethernet(struct parse *p)
{
	uint16_t type;

	cursor_skip(&p->c, 12);			/* destination, source MAC */
	type = cursor_be16(&p->c);
	if (parse_failed(p))
		return;
	p->key->eth_type = type;

	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
	    type == ETHERTYPE_QINQ_OLD) {
		uint16_t vid = cursor_be16(&p->c) & 0x0FFF;

		type = cursor_be16(&p->c);
		if (parse_failed(p))
			return;
		if (p->key->vlan_count == 0)
			p->key->vlan = vid;
		else if (p->key->vlan_count == 1)
			p->key->inner_vlan = vid;
		p->key->flags |= FLOW_KEY_VLAN;
		if (++p->key->vlan_count > MAX_VLAN_TAGS) {
			parse_malformed(p);
			return;
		}
	}

	if (type < ETHERTYPE_MIN) {
		/* 802.3 length: only LLC/SNAP carries an EtherType. */
		uint8_t dsap = cursor_u8(&p->c), ssap = cursor_u8(&p->c);
		uint8_t control = cursor_u8(&p->c);

		if (parse_failed(p) || dsap != 0xAA || ssap != 0xAA ||
		    control != 0x03)
			return;
		cursor_skip(&p->c, 3);		/* OUI */
		type = cursor_be16(&p->c);
		if (parse_failed(p))
			return;
	}
	if (type == ETHERTYPE_MPLS || type == ETHERTYPE_MPLS_MCAST)
		parse_mpls(p);
	else
		parse_ethertype(p, type);
}

static void
parse_vxlan(struct parse *p)
{
	struct parse inner;
	uint8_t flags;
	uint32_t vni;

	flags = cursor_u8(&p->c);
	cursor_skip(&p->c, 3);
	vni = cursor_be32(&p->c) >> 8;
	if (cursor_error(&p->c) != CURSOR_OK || !(flags & VXLAN_FLAG_VNI))
		return;		/* not VXLAN after all: the outer key stands */

	p->out->has_inner = 1;
	p->out->vni = vni;
	inner.start = p->start;
	inner.c = p->c;
	inner.key = &p->out->inner;
	inner.out = p->out;
	inner.outer = 0;
	parse_ethernet(&inner);
}

/* TCP, UDP, SCTP, ICMP, ICMPv6 at the cursor; l4 holds the IP payload. */
static void
parse_transport(struct parse *p, uint8_t proto)
{
	struct flow_key *k = p->key;
	const uint8_t *l4 = p->c.pos;
	uint32_t hdrlen = 0;
	uint16_t udp_len = 0;
	size_t present;

	switch (proto) {
	case IPPROTO_TCP_: {
		uint8_t off_flags;

		k->sport = cursor_be16(&p->c);
		k->dport = cursor_be16(&p->c);
		if (parse_failed(p))
			return;
		k->flags |= FLOW_KEY_PORTS;
		cursor_skip(&p->c, 8);		/* sequence, acknowledgment */
		off_flags = cursor_u8(&p->c);
		k->tcp_flags = (uint16_t)((off_flags & 0x0F) << 8);
		k->tcp_flags |= cursor_u8(&p->c);
		if (parse_failed(p)) {
			k->tcp_flags = 0;
			return;
		}
		k->flags |= FLOW_KEY_TCP_FLAGS;
		hdrlen = (uint32_t)(off_flags >> 4) * 4;
		if (hdrlen < 20) {
			parse_malformed(p);
			return;
		}
		break;
	}
	case IPPROTO_UDP_:
		k->sport = cursor_be16(&p->c);
		k->dport = cursor_be16(&p->c);
		if (parse_failed(p))
			return;
		k->flags |= FLOW_KEY_PORTS;
		udp_len = cursor_be16(&p->c);
		cursor_skip(&p->c, 2);		/* checksum */
		if (parse_failed(p))
			return;
		if (udp_len < 8) {
			parse_malformed(p);
			return;
		}
		hdrlen = 8;
		break;
	case IPPROTO_SCTP_:
		k->sport = cursor_be16(&p->c);
		k->dport = cursor_be16(&p->c);
		if (parse_failed(p))
			return;
		k->flags |= FLOW_KEY_PORTS;
		hdrlen = 12;
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		k->icmp_type = cursor_u8(&p->c);
		k->icmp_code = cursor_u8(&p->c);
		if (parse_failed(p)) {
			k->icmp_type = 0;
			return;
		}
		k->flags |= FLOW_KEY_ICMP;
		return;
	default:
		return;
	}

	present = cursor_left(&p->c) + (size_t)(p->c.pos - l4);
	if (present < hdrlen) {
		k->flags |= FLOW_KEY_TRUNCATED;
		return;
	}
	/* Payload bookkeeping only for the outer flow: what a reader extracts. */
	if (p->outer) {
		uint32_t have = (uint32_t)(present - hdrlen);

		if (proto == IPPROTO_UDP_) {
			if ((uint32_t)udp_len - 8 > have)
				p->out->payload_clipped = 1;
			else
				have = (uint32_t)udp_len - 8;
		}
		p->out->payload_offset = (uint32_t)(l4 - p->start) + hdrlen;
		p->out->payload_length = have;
	}

	if (proto == IPPROTO_UDP_ && k->dport == VXLAN_PORT && p->outer)
		parse_vxlan(p);
}

/*
 * The IP payload is cut to the length the IP header declares, so trailing
 * Ethernet padding is never parsed as transport; a declared length beyond
 * the buffer means the capture was clipped.
 */
static void
limit_to_ip_length(struct parse *p, uint32_t declared)
{
	if (declared <= cursor_left(&p->c))
		p->c.end = p->c.pos + declared;
	else if (p->outer)
		p->out->payload_clipped = 1;
}

/* Source and destination together: a key never has one without the other. */
static int
read_addresses(struct parse *p, int family)
{
	struct netaddr src, dst;

	netaddr_read(&p->c, family, &src);
	netaddr_read(&p->c, family, &dst);
	if (parse_failed(p))
		return -1;
	p->key->src = src;
	p->key->dst = dst;
	return 0;
}

static void
parse_ipv4(struct parse *p)
{
	struct flow_key *k = p->key;
	uint8_t vhl, proto;
	uint16_t total, frag;
	uint32_t hlen;

	vhl = cursor_u8(&p->c);
	k->tos = cursor_u8(&p->c);
	total = cursor_be16(&p->c);
	cursor_skip(&p->c, 2);			/* identification */
	frag = cursor_be16(&p->c);
	k->ttl = cursor_u8(&p->c);
	proto = cursor_u8(&p->c);
	cursor_skip(&p->c, 2);			/* checksum */
	if (parse_failed(p))
		return;
	hlen = (uint32_t)(vhl & 0x0F) * 4;
	if (vhl >> 4 != 4 || hlen < 20 || (total != 0 && total < hlen)) {
		parse_malformed(p);
		return;
	}
	if (read_addresses(p, NETADDR_IPV4) == -1)
		return;
	k->proto = proto;
	cursor_skip(&p->c, hlen - 20);		/* options */
	if (parse_failed(p))
		return;
	/* Total length 0: a TSO/GSO frame captured before segmentation. */
	if (total != 0)
		limit_to_ip_length(p, total - hlen);

	if (frag & 0x3FFF) {			/* MF set or an offset */
		k->flags |= FLOW_KEY_FRAGMENT;
		if (frag & 0x1FFF) {
			k->flags |= FLOW_KEY_LATER_FRAGMENT;
			return;
		}
	}
	parse_transport(p, proto);
}

static void
parse_ipv6(struct parse *p)
{
	struct flow_key *k = p->key;
	uint32_t vtcfl;
	uint16_t plen, frag = 0;
	uint8_t next;
	int n, step;

	vtcfl = cursor_be32(&p->c);
	plen = cursor_be16(&p->c);
	next = cursor_u8(&p->c);
	k->ttl = cursor_u8(&p->c);
	if (parse_failed(p))
		return;
	if (vtcfl >> 28 != 6) {
		parse_malformed(p);
		return;
	}
	k->tos = (uint8_t)(vtcfl >> 20);
	if (read_addresses(p, NETADDR_IPV6) == -1)
		return;
	k->proto = next;
	/* A payload length of 0 is a jumbogram (RFC 2675): leave the end alone. */
	if (plen != 0)
		limit_to_ip_length(p, plen);

	for (n = 0; n < IPV6_MAX_EXT_HEADERS; n++) {
		step = ipv6_ext_step(&p->c, &next, &frag);
		if (step == IPV6_EXT_TRANSPORT) {
			parse_transport(p, next);
			return;
		}
		if (parse_failed(p))
			return;
		k->proto = next;
		if (step == IPV6_EXT_FRAGMENT) {
			k->flags |= FLOW_KEY_FRAGMENT;
			if (frag & 0xFFF8) {
				k->flags |= FLOW_KEY_LATER_FRAGMENT;
				return;
			}
		}
	}
	parse_malformed(p);		/* more extension headers than anyone sends */
}

static void
parse_ip(struct parse *p, int version)
{
	if (p->outer)
		p->out->l3_offset = parse_offset(p);
	if (version == 4)
		parse_ipv4(p);
	else
		parse_ipv6(p);
}

/* The family word of DLT_NULL / DLT_LOOP: BSDs disagree on AF_INET6. */
static void
parse_loopback_family(struct parse *p, uint32_t family)
{
	if (family == 2)
		parse_ip(p, 4);
	else if (family == 24 || family == 28 || family == 30 || family == 10)
		parse_ip(p, 6);
}

void
pkt_parse(const uint8_t *buf, size_t len, enum pkt_link link,
    struct pkt_parsed *out)
{
	struct parse p;
	uint32_t family;
	uint16_t proto;
	uint8_t nibble;

	memset(out, 0, sizeof(*out));
	p.start = buf;
	cursor_init(&p.c, buf, len);
	p.key = &out->key;
	p.out = out;
	p.outer = 1;

	switch (link) {
	case PKT_LINK_ETHERNET:
		parse_ethernet(&p);
		break;
	case PKT_LINK_IPV4:
		parse_ip(&p, 4);
		break;
	case PKT_LINK_IPV6:
		parse_ip(&p, 6);
		break;
	case PKT_LINK_IP:
		nibble = cursor_peek_u8(&p.c, 0) >> 4;
		if (len == 0)
			p.key->flags |= FLOW_KEY_TRUNCATED;
		else if (nibble == 4 || nibble == 6)
			parse_ip(&p, nibble);
		else
			p.key->flags |= FLOW_KEY_MALFORMED;
		break;
	case PKT_LINK_LINUX_SLL:
		cursor_skip(&p.c, 14);	/* packet type, ARPHRD, address */
		proto = cursor_be16(&p.c);
		if (!parse_failed(&p)) {
			p.key->eth_type = proto;
			parse_ethertype(&p, proto);
		}
		break;
	case PKT_LINK_LINUX_SLL2:
		proto = cursor_be16(&p.c);
		cursor_skip(&p.c, 18);
		if (!parse_failed(&p)) {
			p.key->eth_type = proto;
			parse_ethertype(&p, proto);
		}
		break;
	case PKT_LINK_NULL:
		cursor_need(&p.c, 4);
		if (parse_failed(&p))
			break;
		/* host byte order: whichever order gives a small number */
		family = (uint32_t)p.c.pos[0] | (uint32_t)p.c.pos[1] << 8 |
		    (uint32_t)p.c.pos[2] << 16 | (uint32_t)p.c.pos[3] << 24;
		if (family > 0xFFFF)
			family = cursor_be32(&p.c);
		else
			cursor_skip(&p.c, 4);
		parse_loopback_family(&p, family);
		break;
	case PKT_LINK_LOOP:
		family = cursor_be32(&p.c);
		if (!parse_failed(&p))
			parse_loopback_family(&p, family);
		break;
	default:
		p.key->flags |= FLOW_KEY_MALFORMED;
		break;
	}
}
