/*
 * cap_link.c - find the IP packet inside a frame of a libpcap link type
 * (tcpdump's LINKTYPE list, https://www.tcpdump.org/linktypes.html), for
 * the live libpcap input, which hands its callback bare IP packets.
 *
 * Ethernet (IEEE 802.3 with EtherType, any number of 802.1Q/802.1ad tags up
 * to LINK_MAX_TAGS), Linux cooked capture v1 (16 bytes, protocol at offset
 * 14) and v2 (20 bytes, protocol at offset 0), raw IP, and BSD loopback
 * (a 4-byte address family, host order for DLT_NULL, network order for
 * DLT_LOOP).  The bytes come from the network and are read through the
 * cursor only.
 */
#include <pcap/pcap.h>

#include "capture.h"
#include "cursor.h"

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86DD
#define ETHERTYPE_VLAN		0x8100
#define ETHERTYPE_QINQ		0x88A8
#define ETHERTYPE_QINQ_OLD	0x9100

#define LINKTYPE_RAW_		101	/* DLT_RAW as files write it */

#define LINK_MAX_TAGS		8

/* 4 or 6 for an EtherType that carries IP, else 0. */
static int
ethertype_version(uint16_t type)
{
	if (type == ETHERTYPE_IPV4)
		return 4;
	if (type == ETHERTYPE_IPV6)
		return 6;
	return 0;
}

/* BSD address families: AF_INET is 2 everywhere, AF_INET6 is not. */
static int
family_version(uint32_t family)
{
	if (family == 2)
		return 4;
	if (family == 10 || family == 24 || family == 28 || family == 30)
		return 6;
	return 0;
}

static uint32_t
swap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xFF00) | (v << 8 & 0xFF0000) | v << 24;
}

static int
ethernet_version(struct cursor *c)
{
	uint16_t	type;
	int		n = 0;

	cursor_skip(c, 12);			/* destination, source */
	type = cursor_be16(c);
	while (n++ < LINK_MAX_TAGS && (type == ETHERTYPE_VLAN ||
	    type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD)) {
		cursor_skip(c, 2);		/* PCP, DEI, VLAN id */
		type = cursor_be16(c);
	}
	return ethertype_version(type);
}

long
cap_link_ip_offset(int dlt, const uint8_t *frame, size_t caplen)
{
	struct cursor	c;
	uint32_t	family;
	int		version = 0;	/* 0: any of 4 and 6 */

	cursor_init(&c, frame, caplen);
	switch (dlt) {
	case DLT_EN10MB:
		if ((version = ethernet_version(&c)) == 0)
			return -1;
		break;
	case DLT_LINUX_SLL:
		cursor_skip(&c, 14);
		if ((version = ethertype_version(cursor_be16(&c))) == 0)
			return -1;
		break;
	case DLT_LINUX_SLL2:
		if ((version = ethertype_version(cursor_be16(&c))) == 0)
			return -1;
		cursor_skip(&c, 18);
		break;
	case DLT_RAW:
	case LINKTYPE_RAW_:
		break;
	case DLT_IPV4:
		version = 4;
		break;
	case DLT_IPV6:
		version = 6;
		break;
	case DLT_NULL:
		/* The writer's byte order: try both. */
		family = cursor_be32(&c);
		if ((version = family_version(family)) == 0 &&
		    (version = family_version(swap32(family))) == 0)
			return -1;
		break;
	case DLT_LOOP:
		if ((version = family_version(cursor_be32(&c))) == 0)
			return -1;
		break;
	default:
		return -2;
	}
	/* The IP version nibble must be there and agree with the link. */
	if (cursor_error(&c) || cursor_left(&c) == 0)
		return -1;
	if (cursor_peek_u8(&c, 0) >> 4 != 4 && cursor_peek_u8(&c, 0) >> 4 != 6)
		return -1;
	if (version != 0 && cursor_peek_u8(&c, 0) >> 4 != version)
		return -1;
	return (long)(c.pos - frame);
}
