/*
 * capture.h - the receiver's side of finderscope.
 *
 * This part: decapsulation of mirrored traffic.  Switches send what they
 * mirror inside GRE (RFC 2784, RFC 2890 key and sequence): ERSPAN type I
 * (protocol 0x88BE without the sequence bit: Ethernet follows the GRE
 * header), type II (0x88BE with the sequence bit: an 8-byte ERSPAN header),
 * type III (0x22EB: a 12-byte header, and an 8-byte platform subheader
 * when its O bit is set), transparent Ethernet bridging (0x6558), or IP
 * directly (0x0800, 0x86DD), possibly GRE inside GRE.  cap_decap() takes
 * one captured packet and says what is inside; like every parser in
 * finderscope it reads through the bounds-checked cursor, keeps no state
 * and never allocates.
 */
#ifndef FS_CAPTURE_H
#define FS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "packet.h"

/* What carried the inner frame. */
enum cap_encap {
	CAP_ENCAP_NONE = 0,
	CAP_ENCAP_ERSPAN_I,	/* 0x88BE, no S bit */
	CAP_ENCAP_ERSPAN_II,	/* 0x88BE with S, ERSPAN version 1 */
	CAP_ENCAP_ERSPAN_III,	/* 0x22EB, ERSPAN version 2 */
	CAP_ENCAP_GRE_TEB,	/* 0x6558 transparent Ethernet bridging */
	CAP_ENCAP_GRE_IP,	/* 0x0800 / 0x86DD: IP, no Ethernet */
};

/* Outcomes of cap_decap(); the errors are counted by reason. */
enum cap_decap_result {
	CAP_DECAP_OK = 0,
	CAP_DECAP_NOT_GRE,		/* no IPv4/IPv6 packet with protocol 47 */
	CAP_DECAP_TRUNCATED,		/* ended before a header it declares */
	CAP_DECAP_BAD_VERSION,		/* GRE version other than 0 and 1, an
					   ERSPAN version that does not fit */
	CAP_DECAP_PPTP,			/* GRE version 1 (PPTP): ignored */
	CAP_DECAP_UNKNOWN_PROTO,	/* a GRE protocol we do not carry */
	CAP_DECAP_UNKNOWN_FRAME_TYPE,	/* ERSPAN III frame type not 0 or 2 */
	CAP_DECAP_BAD_LENGTH,		/* lengths that contradict each other */
	CAP_DECAP_FRAGMENT,		/* an outer IP fragment: not reassembled */
	CAP_DECAP_NESTED_TOO_DEEP,	/* more GRE-in-GRE than CAP_MAX_NESTING */
	CAP_DECAP_RESULTS		/* the number of results, for counters */
};

#define CAP_MAX_NESTING	4

/* Everything known about one decapsulated packet.  A view into the input. */
struct cap_decap {
	struct netaddr	outer_src;	/* the switch */
	struct netaddr	outer_dst;
	uint8_t		n_gre;		/* GRE headers walked (2: GRE in GRE) */
	uint16_t	gre_flags;	/* first GRE flags and version word */
	uint16_t	gre_proto;	/* first GRE protocol type */
	uint8_t		has_key, has_seq;
	uint32_t	gre_key;	/* first GRE header's, when has_key */
	uint32_t	gre_seq;	/* first GRE header's, when has_seq */

	enum cap_encap	encap;		/* of the innermost layer */
	/* ERSPAN II and III: */
	uint16_t	session;	/* 10 bits */
	uint16_t	vlan;		/* 12 bits: the original VLAN */
	uint8_t		cos;		/* 3 bits */
	uint8_t		truncated;	/* T bit: the switch cut the frame */
	uint8_t		encap_type;	/* II: En bits (0 untagged, 1 ISL, 2 802.1Q, 3 VLAN kept) */
	uint32_t	index;		/* II: port index (20 bits) */
	/* ERSPAN III: */
	uint32_t	timestamp;	/* 32 bits, in granularity units */
	uint8_t		granularity;	/* 0 100 us, 1 100 ns, 2 IEEE 1588, 3 user */
	uint8_t		direction;	/* D bit: 0 ingress, 1 egress */
	uint8_t		frame_type;	/* 0 Ethernet, 2 IP */
	uint16_t	hw_id;		/* 6 bits */
	uint16_t	sgt;		/* security group tag */
	uint8_t		has_subheader;	/* O bit: platform subheader present */
	uint32_t	subheader[2];	/* its two words, uninterpreted */

	/*
	 * What the first GRE (or ERSPAN) layer carries, as far as the capture
	 * goes: the same as inner unless GRE is nested, and set as soon as
	 * that layer is read, even when a nested one then fails (a keepalive
	 * inside GRE).  payload_len 0: not reached.
	 */
	const uint8_t	*payload;
	uint32_t	 payload_len;
	enum pkt_link	 payload_link;

	/* The mirrored frame, inside the input buffer. */
	const uint8_t	*inner;
	uint32_t	 inner_len;
	enum pkt_link	 inner_link;	/* PKT_LINK_ETHERNET or PKT_LINK_IP */
};

/*
 * Decapsulate one packet whose first byte is of link type link (a raw
 * socket gives PKT_LINK_IP, a capture file its own).  Fills *out as far as
 * it got and returns an enum cap_decap_result.
 */
int	cap_decap(const uint8_t *pkt, size_t len, enum pkt_link link,
	    struct cap_decap *out);

/* "ok", "truncated", ... (a static string). */
const char *cap_decap_result_str(int result);
/* "erspan-i", "erspan-ii", "erspan-iii", "gre-teb", "gre-ip", "none". */
const char *cap_encap_name(enum cap_encap);

#endif /* FS_CAPTURE_H */
