/*
 * cap_gre.c - one GRE header (RFC 2784, RFC 2890 key and sequence, RFC 1701
 * routing) and the ERSPAN header it may announce (ERSPAN types I, II and III:
 * draft-foschiano-erspan-03, section 4; the layouts agree with Wireshark's
 * packet-erspan.c and tcpdump's print-erspan.c).
 *
 * GRE base header: C(1) R(1) K(1) S(1) s(1) Recur(3) Flags(5) Ver(3),
 * Protocol Type(16), then in this order: checksum and offset/reserved1
 * (4 bytes, when C or R), key (4, when K), sequence number (4, when S), and
 * with R an RFC 1701 list of source route entries ending with a NUL entry.
 *
 * Decisions:
 *  - R (RFC 1701 routing, obsoleted by RFC 2784) is parsed, not refused: the
 *    route entries are skipped by their lengths, as tcpdump and Wireshark do.
 *    The s and Recur bits (RFC 1701) are ignored: real ERSPAN III senders set
 *    them (malformed/tcpdump-erspan-type-iii-pb-1 has flags 0x1d00).
 *  - Version 1 is PPTP's enhanced GRE (RFC 2637): its optional fields are
 *    read like version 0's (the key word then holds the payload length and
 *    call id) and the result is CAP_DECAP_PPTP.  Versions 2 to 7:
 *    CAP_DECAP_BAD_VERSION, without reading further.
 *  - The GRE checksum is not verified: a mirror receiver copies what came.
 *  - Two more carriers of IP that real networks mirror are unwrapped:
 *    0x8909 Cisco MetaData (an 8-byte header: the EtherType it carries,
 *    version, length, options, SGT; as Wireshark's packet-cisco-metadata.c
 *    reads it in GRE) and 0x883E WCCP redirect (WCCPv2 puts a 4-byte
 *    redirect header before the IP packet, WCCPv1 none: told apart by the
 *    IP version nibble).  Both give CAP_ENCAP_GRE_IP.
 *  - PPTP's "key" word is its payload length and call id, not a key:
 *    has_key stays 0 for version 1.
 *  - 0x88BE without S is ERSPAN type I (no ERSPAN header: Ethernet follows);
 *    with S an 8-byte type II header whose version must be 1.  0x22EB is
 *    type III, version 2, 12 bytes, plus an 8-byte platform subheader when
 *    its O bit is set; frame types other than 0 (Ethernet) and 2 (IP) give
 *    CAP_DECAP_UNKNOWN_FRAME_TYPE with every ERSPAN field filled.
 */
#include "cap_decap_impl.h"

#define GRE_C		0x8000	/* checksum present */
#define GRE_R		0x4000	/* routing present (RFC 1701) */
#define GRE_K		0x2000	/* key present */
#define GRE_S		0x1000	/* sequence number present */
#define GRE_VERSION	0x0007

#define GRE_PROTO_IPV4		0x0800
#define GRE_PROTO_IPV6		0x86DD
#define GRE_PROTO_TEB		0x6558
#define GRE_PROTO_ERSPAN	0x88BE	/* types I and II */
#define GRE_PROTO_ERSPAN3	0x22EB
#define GRE_PROTO_CMD		0x8909	/* Cisco MetaData (SGT) */
#define GRE_PROTO_WCCP		0x883E	/* WCCP redirect */
#define CMD_HEADER_LEN		8
#define WCCP2_HEADER_LEN	4

#define ERSPAN2_VERSION		1
#define ERSPAN3_VERSION		2
#define ERSPAN3_FT_ETHERNET	0
#define ERSPAN3_FT_IP		2

int
cap_view_cut(const struct cap_view *v)
{
	if (cursor_error(&v->c) == CURSOR_TRUNCATED && !v->declared_end)
		return CAP_DECAP_TRUNCATED;
	return CAP_DECAP_BAD_LENGTH;
}

/* RFC 1701 source route entries: address family, offset, length, data. */
static void
skip_routing(struct cursor *c)
{
	uint16_t family;
	uint8_t len;

	/* Each entry takes at least 4 bytes: the loop ends with the bytes. */
	while (cursor_error(c) == CURSOR_OK) {
		family = cursor_be16(c);
		cursor_skip(c, 1);		/* SRE offset */
		len = cursor_u8(c);
		if (family == 0 && len == 0)
			return;
		cursor_skip(c, len);
	}
}

/* ERSPAN word 0, shared by types II and III: Ver VLAN COS En/BSO T Session. */
static void
erspan_word0(uint32_t w, struct cap_decap *out)
{
	out->vlan = (uint16_t)(w >> 16 & 0x0FFF);
	out->cos = (uint8_t)(w >> 13 & 0x7);
	out->truncated = (uint8_t)(w >> 10 & 0x1);
	out->session = (uint16_t)(w & 0x03FF);
}

/* Type II: word 0, then Reserved(12) Index(20). */
static int
erspan2_read(struct cap_view *v, struct cap_decap *out)
{
	uint32_t w0, w1;

	w0 = cursor_be32(&v->c);
	w1 = cursor_be32(&v->c);
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	if (w0 >> 28 != ERSPAN2_VERSION)
		return CAP_DECAP_BAD_VERSION;
	erspan_word0(w0, out);
	out->encap_type = (uint8_t)(w0 >> 11 & 0x3);
	out->index = w1 & 0xFFFFF;
	out->encap = CAP_ENCAP_ERSPAN_II;
	out->inner_link = PKT_LINK_ETHERNET;
	return CAP_DECAP_OK;
}

/*
 * Type III: word 0; Timestamp(32); SGT(16) P(1) FT(5) HwID(6) D(1) Gra(2)
 * O(1); with O an 8-byte platform-specific subheader.
 */
static int
erspan3_read(struct cap_view *v, struct cap_decap *out)
{
	uint32_t w0, ts, w2, sub0, sub1;

	w0 = cursor_be32(&v->c);
	ts = cursor_be32(&v->c);
	w2 = cursor_be32(&v->c);
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	if (w0 >> 28 != ERSPAN3_VERSION)
		return CAP_DECAP_BAD_VERSION;
	/* Filled before the subheader: a cut in it still tells the session. */
	out->encap = CAP_ENCAP_ERSPAN_III;
	erspan_word0(w0, out);
	out->timestamp = ts;
	out->sgt = (uint16_t)(w2 >> 16);
	out->frame_type = (uint8_t)(w2 >> 10 & 0x1F);
	out->hw_id = (uint16_t)(w2 >> 4 & 0x3F);
	out->direction = (uint8_t)(w2 >> 3 & 0x1);
	out->granularity = (uint8_t)(w2 >> 1 & 0x3);
	out->has_subheader = (uint8_t)(w2 & 0x1);
	if (out->has_subheader) {
		sub0 = cursor_be32(&v->c);
		sub1 = cursor_be32(&v->c);
		if (cursor_error(&v->c))
			return cap_view_cut(v);
		out->subheader[0] = sub0;
		out->subheader[1] = sub1;
	}
	switch (out->frame_type) {
	case ERSPAN3_FT_ETHERNET:
		out->inner_link = PKT_LINK_ETHERNET;
		return CAP_DECAP_OK;
	case ERSPAN3_FT_IP:
		out->inner_link = PKT_LINK_IP;
		return CAP_DECAP_OK;
	default:
		return CAP_DECAP_UNKNOWN_FRAME_TYPE;
	}
}

/* Cisco MetaData: what it carries is IP, or not ours. */
static int
cmd_read(struct cap_view *v, struct cap_decap *out)
{
	uint16_t ethertype = cursor_be16(&v->c);

	cursor_skip(&v->c, CMD_HEADER_LEN - 2);
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	if (ethertype != GRE_PROTO_IPV4 && ethertype != GRE_PROTO_IPV6)
		return CAP_DECAP_UNKNOWN_PROTO;
	out->encap = CAP_ENCAP_GRE_IP;
	out->inner_link = PKT_LINK_IP;
	return CAP_DECAP_OK;
}

int
cap_gre_read(struct cap_view *v, int first, struct cap_decap *out)
{
	uint16_t flags, proto;
	uint32_t key = 0, seq = 0;

	flags = cursor_be16(&v->c);
	proto = cursor_be16(&v->c);
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	out->n_gre++;
	if (first) {
		out->gre_flags = flags;
		out->gre_proto = proto;
	}
	if ((flags & GRE_VERSION) > 1)
		return CAP_DECAP_BAD_VERSION;

	if (flags & (GRE_C | GRE_R))
		cursor_skip(&v->c, 4);		/* checksum, offset/reserved1 */
	if (flags & GRE_K)
		key = cursor_be32(&v->c);
	if (flags & GRE_S)
		seq = cursor_be32(&v->c);
	if (cursor_error(&v->c))
		return cap_view_cut(v);
	if (first) {
		out->has_key = (flags & GRE_K) != 0 &&
		    (flags & GRE_VERSION) == 0;
		out->has_seq = (flags & GRE_S) != 0;
		out->gre_key = key;
		out->gre_seq = seq;
	}
	if (flags & GRE_R) {
		skip_routing(&v->c);
		if (cursor_error(&v->c))
			return cap_view_cut(v);
	}
	if ((flags & GRE_VERSION) == 1)
		return CAP_DECAP_PPTP;

	switch (proto) {
	case GRE_PROTO_ERSPAN:
		if (flags & GRE_S)
			return erspan2_read(v, out);
		out->encap = CAP_ENCAP_ERSPAN_I;
		out->inner_link = PKT_LINK_ETHERNET;
		return CAP_DECAP_OK;
	case GRE_PROTO_ERSPAN3:
		return erspan3_read(v, out);
	case GRE_PROTO_TEB:
		out->encap = CAP_ENCAP_GRE_TEB;
		out->inner_link = PKT_LINK_ETHERNET;
		return CAP_DECAP_OK;
	case GRE_PROTO_CMD:
		return cmd_read(v, out);
	case GRE_PROTO_WCCP:
		if (cursor_peek_u8(&v->c, 0) >> 4 != 4)
			cursor_skip(&v->c, WCCP2_HEADER_LEN);
		if (cursor_error(&v->c))
			return cap_view_cut(v);
		/* FALLTHROUGH */
	case GRE_PROTO_IPV4:
	case GRE_PROTO_IPV6:
		out->encap = CAP_ENCAP_GRE_IP;
		out->inner_link = PKT_LINK_IP;
		return CAP_DECAP_OK;
	default:
		return CAP_DECAP_UNKNOWN_PROTO;	/* keepalives (0), CDP, ... */
	}
}
