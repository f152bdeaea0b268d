/*
 * cap_decap.c - from a captured packet to the frame a switch mirrored:
 * link layer (Ethernet with 802.1Q/802.1ad tags, Linux cooked v1/v2, BSD
 * loopback, raw IP), outer IPv4 (RFC 791) or IPv6 with extension headers
 * (RFC 8200), protocol 47, GRE and ERSPAN (cap_gre.c), GRE in GRE.
 *
 * The contract, which tests/unit/test_cap_decap_sweep.c checks on every GRE
 * frame of the shared captures cut at every length:
 *  - The inner frame never extends past the buffer nor past the IP total
 *    length (or IPv6 payload length) of any header around it: Ethernet
 *    padding is not part of the mirrored frame.
 *  - CAP_DECAP_OK implies inner != NULL and inner_len > 0: a GRE or ERSPAN
 *    header with nothing after it is CAP_DECAP_TRUNCATED.
 *  - Capture truncation vs declared truncation: when the bytes end (the
 *    capture's snap length, a switch's cut) before the headers do, the
 *    result is TRUNCATED; when they end inside the mirrored frame, the
 *    result is OK with the bytes that are there (inner_len shorter than the
 *    IP length announced).  When an IP length declares the packet to end
 *    before a header the packet itself announces, the lengths contradict
 *    each other: CAP_DECAP_BAD_LENGTH.  So a packet cut at L bytes gives
 *    TRUNCATED for every L below some threshold and, from there on, the same
 *    result and fields as the whole packet, with inner_len = min(whole
 *    inner_len, L - inner offset).
 *  - GRE in GRE: the payload of GRE carrying IP (0x0800/0x86DD) is walked
 *    again when it is an unfragmented IPv4/IPv6 packet of protocol 47, up
 *    to CAP_MAX_NESTING GRE headers.  Deciding needs the inner IP header
 *    (and IPv6 extension headers) whole, so a GRE-IP packet cut inside them
 *    is TRUNCATED.  An inner IP fragment is not walked: it is the mirrored
 *    packet (as tshark shows it).  Only the outermost protocol-47 packet
 *    being a fragment gives CAP_DECAP_FRAGMENT.
 *  - outer_src/outer_dst are the addresses of the IP header just before the
 *    first GRE header; they are also filled for NOT_GRE and FRAGMENT when an
 *    IP header was read.
 */
#include <string.h>

#include "cap_decap_impl.h"
#include "ipv6_ext.h"

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86DD
#define ETHERTYPE_VLAN		0x8100
#define ETHERTYPE_QINQ		0x88A8
#define ETHERTYPE_QINQ_OLD	0x9100

#define IPPROTO_GRE_		47

#define MAX_VLAN_TAGS		8

/* What an IP header walk found. */
struct ip_info {
	struct netaddr	src, dst;
	uint8_t		proto;		/* after IPv6 extension headers */
	uint8_t		fragment;	/* not a whole packet */
};

/*
 * Clip the view to a payload length declared by an IP header.  When all
 * the declared bytes are there, the packet is whole and running out of it
 * is a contradiction (BAD_LENGTH); a length beyond the bytes that are there
 * is a capture truncation and leaves the view alone.
 */
static void
view_limit(struct cap_view *v, size_t declared)
{
	if (declared <= cursor_left(&v->c)) {
		v->c.end = v->c.pos + declared;
		v->declared_end = 1;
	}
}

/*
 * IPv4 header; the view ends up at the payload, clipped to the total length.
 * Returns OK, a cut result, or NOT_GRE for something that is not IPv4.
 */
static int
ipv4_read(struct cap_view *v, struct ip_info *ip)
{
	uint8_t vhl;
	uint16_t total, frag;
	size_t hlen;

	vhl = cursor_u8(&v->c);
	cursor_skip(&v->c, 1);			/* TOS */
	total = cursor_be16(&v->c);
	cursor_skip(&v->c, 2);			/* identification */
	frag = cursor_be16(&v->c);
	cursor_skip(&v->c, 1);			/* TTL */
	ip->proto = cursor_u8(&v->c);
	cursor_skip(&v->c, 2);			/* checksum */
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	if (vhl >> 4 != 4)
		return CAP_DECAP_NOT_GRE;
	hlen = (size_t)(vhl & 0x0F) * 4;
	if (hlen < 20 || (total != 0 && total < hlen))
		return CAP_DECAP_BAD_LENGTH;
	netaddr_read(&v->c, NETADDR_IPV4, &ip->src);
	netaddr_read(&v->c, NETADDR_IPV4, &ip->dst);
	cursor_skip(&v->c, hlen - 20);		/* options */
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	/* Total length 0: a TSO/GSO frame captured before segmentation. */
	if (total != 0)
		view_limit(v, total - hlen);
	ip->fragment = (frag & 0x3FFF) != 0;	/* MF or an offset */
	return CAP_DECAP_OK;
}

/* IPv6 header and extension headers, as ipv4_read(). */
static int
ipv6_read(struct cap_view *v, struct ip_info *ip)
{
	uint32_t vtcfl;
	uint16_t plen, frag = 0;
	uint8_t next;
	int n, step;

	vtcfl = cursor_be32(&v->c);
	plen = cursor_be16(&v->c);
	next = cursor_u8(&v->c);
	cursor_skip(&v->c, 1);			/* hop limit */
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	if (vtcfl >> 28 != 6)
		return CAP_DECAP_NOT_GRE;
	netaddr_read(&v->c, NETADDR_IPV6, &ip->src);
	netaddr_read(&v->c, NETADDR_IPV6, &ip->dst);
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	/* Payload length 0: a jumbogram (RFC 2675), up to the buffer's end. */
	if (plen != 0)
		view_limit(v, plen);

	for (n = 0; n < IPV6_MAX_EXT_HEADERS; n++) {
		step = ipv6_ext_step(&v->c, &next, &frag);
		if (step == IPV6_EXT_TRANSPORT) {
			ip->proto = next;
			return CAP_DECAP_OK;
		}
		if (cursor_error(&v->c))
			return cap_view_cut(v);
		if (step == IPV6_EXT_FRAGMENT) {
			/* An atomic fragment (offset 0, M 0) is whole. */
			if (frag & 0xFFF9)
				ip->fragment = 1;
			if (frag & 0xFFF8) {	/* a later one: no headers */
				ip->proto = next;
				return CAP_DECAP_OK;
			}
		}
	}
	return CAP_DECAP_NOT_GRE;	/* more extension headers than anyone sends */
}

static int
ip_read(struct cap_view *v, int version, struct ip_info *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (version == 4)
		return ipv4_read(v, ip);
	return ipv6_read(v, ip);
}

/* Ethernet and its VLAN tags: returns OK with *type, or a cut result. */
static int
ethernet_read(struct cap_view *v, uint16_t *type)
{
	int n = 0;

	cursor_skip(&v->c, 12);			/* destination, source */
	*type = cursor_be16(&v->c);
	while (cursor_error(&v->c) == CURSOR_OK && n++ < MAX_VLAN_TAGS &&
	    (*type == ETHERTYPE_VLAN || *type == ETHERTYPE_QINQ ||
	    *type == ETHERTYPE_QINQ_OLD)) {
		cursor_skip(&v->c, 2);		/* PCP, DEI, VLAN id */
		*type = cursor_be16(&v->c);
	}
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	return CAP_DECAP_OK;
}

static int
ethertype_version(uint16_t type)
{
	if (type == ETHERTYPE_IPV4)
		return 4;
	if (type == ETHERTYPE_IPV6)
		return 6;
	return 0;
}

/* The family word of DLT_NULL / DLT_LOOP (BSDs disagree on AF_INET6). */
static int
loopback_version(uint32_t family)
{
	if (family == 2)
		return 4;
	if (family == 10 || family == 24 || family == 28 || family == 30)
		return 6;
	return 0;
}

/*
 * Walk the link layer: returns OK with *version 4 or 6 (0: not IP) and the
 * view at the first IP header, or a cut result.
 */
static int
link_read(struct cap_view *v, enum pkt_link link, int *version)
{
	uint16_t type;
	uint32_t family;
	uint8_t nibble;
	int r;

	*version = 0;
	switch (link) {
	case PKT_LINK_ETHERNET:
		if ((r = ethernet_read(v, &type)) != CAP_DECAP_OK)
			return r;
		*version = ethertype_version(type);
		return CAP_DECAP_OK;
	case PKT_LINK_LINUX_SLL:
		cursor_skip(&v->c, 14);	/* packet type, ARPHRD, address */
		type = cursor_be16(&v->c);
		break;
	case PKT_LINK_LINUX_SLL2:
		type = cursor_be16(&v->c);
		cursor_skip(&v->c, 18);
		break;
	case PKT_LINK_NULL:
		if (!cursor_need(&v->c, 4))
			return cap_view_cut(v);
		/* host byte order: whichever order gives a small number */
		family = (uint32_t)v->c.pos[0] | (uint32_t)v->c.pos[1] << 8 |
		    (uint32_t)v->c.pos[2] << 16 | (uint32_t)v->c.pos[3] << 24;
		if (family > 0xFFFF)
			family = cursor_be32(&v->c);
		else
			cursor_skip(&v->c, 4);
		*version = loopback_version(family);
		return CAP_DECAP_OK;
	case PKT_LINK_LOOP:
		family = cursor_be32(&v->c);
		if (cursor_error(&v->c))
			return cap_view_cut(v);
		*version = loopback_version(family);
		return CAP_DECAP_OK;
	case PKT_LINK_IPV4:
		*version = 4;
		return CAP_DECAP_OK;
	case PKT_LINK_IPV6:
		*version = 6;
		return CAP_DECAP_OK;
	case PKT_LINK_IP:
		if (!cursor_need(&v->c, 1))
			return cap_view_cut(v);
		nibble = cursor_peek_u8(&v->c, 0) >> 4;
		if (nibble == 4 || nibble == 6)
			*version = nibble;
		return CAP_DECAP_OK;
	default:
		return CAP_DECAP_OK;		/* an unknown link: not GRE */
	}
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	*version = ethertype_version(type);
	return CAP_DECAP_OK;
}

/*
 * Is the payload of GRE-IP an unfragmented IPv4/IPv6 packet of protocol 47?
 * Returns OK and sets *nested (with *inner_view at its payload when 1), or
 * a cut result when the inner IP header is cut.
 */
static int
nested_gre(const struct cap_view *v, struct cap_view *inner_view,
    int *nested)
{
	struct ip_info ip;
	uint8_t nibble;
	int r;

	*nested = 0;
	*inner_view = *v;
	nibble = cursor_peek_u8(&v->c, 0) >> 4;
	if (nibble != 4 && nibble != 6)
		return CAP_DECAP_OK;		/* whatever it is, it is the frame */
	r = ip_read(inner_view, nibble, &ip);
	/* Cut inside the inner header: cannot tell.  Nonsense in it: not ours. */
	if (cursor_error(&inner_view->c) != CURSOR_OK)
		return cap_view_cut(inner_view);
	*nested = r == CAP_DECAP_OK && ip.proto == IPPROTO_GRE_ &&
	    !ip.fragment;
	return CAP_DECAP_OK;
}

int
cap_decap(const uint8_t *pkt, size_t len, enum pkt_link link,
    struct cap_decap *out)
{
	struct cap_view v, inner_view;
	struct ip_info ip;
	int version, nested, r;

	memset(out, 0, sizeof(*out));
	cursor_init(&v.c, pkt, len);
	v.declared_end = 0;

	if ((r = link_read(&v, link, &version)) != CAP_DECAP_OK)
		return r;
	if (version == 0)
		return CAP_DECAP_NOT_GRE;
	r = ip_read(&v, version, &ip);
	if (r == CAP_DECAP_OK || r == CAP_DECAP_BAD_LENGTH) {
		out->outer_src = ip.src;
		out->outer_dst = ip.dst;
	}
	if (r != CAP_DECAP_OK)
		return r;
	if (ip.proto != IPPROTO_GRE_)
		return CAP_DECAP_NOT_GRE;
	if (ip.fragment)
		return CAP_DECAP_FRAGMENT;

	for (;;) {
		if (out->n_gre >= CAP_MAX_NESTING)
			return CAP_DECAP_NESTED_TOO_DEEP;
		out->encap = CAP_ENCAP_NONE;
		out->inner_link = 0;
		r = cap_gre_read(&v, out->n_gre == 0, out);
		if (r != CAP_DECAP_OK)
			return r;
		if (out->n_gre == 1) {
			out->payload = v.c.pos;
			out->payload_len = (uint32_t)cursor_left(&v.c);
			out->payload_link = out->inner_link;
		}
		if (out->encap != CAP_ENCAP_GRE_IP)
			break;
		if ((r = nested_gre(&v, &inner_view, &nested)) != CAP_DECAP_OK)
			return r;
		if (!nested)
			break;
		v = inner_view;
	}

	if (cursor_left(&v.c) == 0)
		return v.declared_end ? CAP_DECAP_BAD_LENGTH :
		    CAP_DECAP_TRUNCATED;
	out->inner = v.c.pos;
	out->inner_len = (uint32_t)cursor_left(&v.c);
	return CAP_DECAP_OK;
}

const char *
cap_decap_result_str(int result)
{
	static const char *const names[CAP_DECAP_RESULTS] = {
		[CAP_DECAP_OK] = "ok",
		[CAP_DECAP_NOT_GRE] = "not-gre",
		[CAP_DECAP_TRUNCATED] = "truncated",
		[CAP_DECAP_BAD_VERSION] = "bad-version",
		[CAP_DECAP_PPTP] = "pptp",
		[CAP_DECAP_UNKNOWN_PROTO] = "unknown-proto",
		[CAP_DECAP_UNKNOWN_FRAME_TYPE] = "unknown-frame-type",
		[CAP_DECAP_BAD_LENGTH] = "bad-length",
		[CAP_DECAP_FRAGMENT] = "fragment",
		[CAP_DECAP_NESTED_TOO_DEEP] = "nested-too-deep",
	};

	if (result < 0 || result >= CAP_DECAP_RESULTS)
		return "unknown";
	return names[result];
}

const char *
cap_encap_name(enum cap_encap encap)
{
	switch (encap) {
	case CAP_ENCAP_ERSPAN_I:
		return "erspan-i";
	case CAP_ENCAP_ERSPAN_II:
		return "erspan-ii";
	case CAP_ENCAP_ERSPAN_III:
		return "erspan-iii";
	case CAP_ENCAP_GRE_TEB:
		return "gre-teb";
	case CAP_ENCAP_GRE_IP:
		return "gre-ip";
	case CAP_ENCAP_NONE:
	default:
		return "none";
	}
}
