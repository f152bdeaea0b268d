/*
 * cap_defrag_ip.c - the IP side of reassembly: which datagram a fragment
 * belongs to and where its data lies (IPv4, RFC 791 section 3.2; IPv6,
 * RFC 8200 sections 4.5 and 4.1 for the extension header order), and the
 * header of the reassembled datagram.
 *
 * Everything is read through the bounds-checked cursor.  A datagram is
 * keyed by (source, destination, protocol, identification) for IPv4 and
 * (source, destination, identification) for IPv6, which is what RFC 791
 * and RFC 8200 say identifies it.  Checksums of fragments are not checked:
 * the bytes are a mirror of someone else's traffic, not ours to refuse.
 */
#include <string.h>

#include "cap_defrag_impl.h"
#include "cursor.h"
#include "ipv6_ext.h"

#define IPV4_HDR_MIN	20
#define IPV4_MF		0x2000
#define IPV4_OFFSET	0x1FFF
#define IPV4_KEEP_FLAGS	0xC000		/* reserved bit and DF */

#define IPV6_HDR	40
#define IPV6_FRAG_HDR	8
#define IPV6_FRAG_OFFSET	0xFFF8
#define IPV6_FRAG_M	0x0001
#define IPV6_NH_OFF	6		/* next header byte of the fixed header */
#define IPPROTO_HOPOPTS_	0
#define IPPROTO_FRAGMENT_	44

#define KEY_SRC		1
#define KEY_DST		17
#define KEY_PROTO	33
#define KEY_ID		34

static void
key_id(uint8_t *key, uint32_t id)
{
	key[KEY_ID] = (uint8_t)(id >> 24);
	key[KEY_ID + 1] = (uint8_t)(id >> 16);
	key[KEY_ID + 2] = (uint8_t)(id >> 8);
	key[KEY_ID + 3] = (uint8_t)id;
}

static int
parse_ipv4(const uint8_t *ip, size_t len, struct defrag_frag *f)
{
	struct cursor c;
	const uint8_t *src, *dst;
	uint16_t total, id, fo;
	uint8_t vhl, proto;
	size_t ihl;

	cursor_init(&c, ip, len);
	vhl = cursor_u8(&c);
	cursor_skip(&c, 1);			/* type of service */
	total = cursor_be16(&c);
	id = cursor_be16(&c);
	fo = cursor_be16(&c);
	cursor_skip(&c, 1);			/* TTL */
	proto = cursor_u8(&c);
	cursor_skip(&c, 2);			/* checksum */
	src = cursor_take(&c, 4);
	dst = cursor_take(&c, 4);
	if (cursor_error(&c) != CURSOR_OK)
		return DEFRAG_PARSE_MALFORMED;
	ihl = (size_t)(vhl & 0x0F) * 4;
	if (ihl < IPV4_HDR_MIN || total < ihl)
		return DEFRAG_PARSE_MALFORMED;
	cursor_skip(&c, ihl - IPV4_HDR_MIN);	/* options */
	if (cursor_error(&c) != CURSOR_OK)
		return DEFRAG_PARSE_MALFORMED;
	if ((fo & (IPV4_MF | IPV4_OFFSET)) == 0)
		return DEFRAG_PARSE_WHOLE;

	/* Ethernet padding is not data; a capture cut short is less of it. */
	if ((size_t)total - ihl < cursor_left(&c))
		c.end = c.pos + (total - ihl);

	memset(f, 0, sizeof(*f));
	f->key[0] = 4;
	memcpy(f->key + KEY_SRC, src, 4);
	memcpy(f->key + KEY_DST, dst, 4);
	f->key[KEY_PROTO] = proto;
	key_id(f->key, id);
	f->family = 4;
	f->more = (fo & IPV4_MF) != 0;
	f->hdr = ip;
	f->hdrlen = ihl;
	f->room = DEFRAG_MAX_PAYLOAD - (uint32_t)ihl;
	f->offset = (uint32_t)(fo & IPV4_OFFSET) * 8;
	f->len = cursor_left(&c);
	f->data = cursor_take(&c, f->len);
	return DEFRAG_PARSE_FRAGMENT;
}

static int
parse_ipv6(const uint8_t *ip, size_t len, struct defrag_frag *f)
{
	struct cursor c;
	const uint8_t *src, *dst, *at;
	size_t nh_off = IPV6_NH_OFF;
	uint16_t plen, fo, unused;
	uint32_t id;
	uint8_t next, fnext;
	int i, step;

	cursor_init(&c, ip, len);
	cursor_skip(&c, 4);		/* version, class, flow label */
	plen = cursor_be16(&c);
	next = cursor_u8(&c);
	cursor_skip(&c, 1);			/* hop limit */
	src = cursor_take(&c, 16);
	dst = cursor_take(&c, 16);
	if (cursor_error(&c) != CURSOR_OK)
		return DEFRAG_PARSE_MALFORMED;
	/* A jumbogram (RFC 2675) is never fragmented. */
	if (plen == 0 && next == IPPROTO_HOPOPTS_)
		return DEFRAG_PARSE_WHOLE;
	if (plen < cursor_left(&c))
		c.end = c.pos + plen;

	for (i = 0; next != IPPROTO_FRAGMENT_; i++) {
		if (i == IPV6_MAX_EXT_HEADERS)
			return DEFRAG_PARSE_MALFORMED;
		at = c.pos;
		step = ipv6_ext_step(&c, &next, &unused);
		if (cursor_error(&c) != CURSOR_OK)
			return DEFRAG_PARSE_MALFORMED;
		if (step == IPV6_EXT_TRANSPORT)
			return DEFRAG_PARSE_WHOLE;
		/* Every extension header opens with its next header byte. */
		nh_off = (size_t)(at - ip);
	}

	at = c.pos;
	fnext = cursor_u8(&c);
	cursor_skip(&c, 1);			/* reserved */
	fo = cursor_be16(&c);
	id = cursor_be32(&c);
	if (cursor_error(&c) != CURSOR_OK)
		return DEFRAG_PARSE_MALFORMED;
	/* An atomic fragment is a datagram by itself (RFC 6946 section 4):
	 * parsers read through its Fragment header. */
	if ((fo & (IPV6_FRAG_OFFSET | IPV6_FRAG_M)) == 0)
		return DEFRAG_PARSE_WHOLE;

	memset(f, 0, sizeof(*f));
	f->key[0] = 6;
	memcpy(f->key + KEY_SRC, src, 16);
	memcpy(f->key + KEY_DST, dst, 16);
	key_id(f->key, id);
	f->family = 6;
	f->more = (fo & IPV6_FRAG_M) != 0;
	f->next = fnext;
	f->hdr = ip;
	f->hdrlen = (size_t)(at - ip);
	f->nh_off = nh_off;
	/* The payload length counts the extension headers kept. */
	f->room = DEFRAG_MAX_PAYLOAD - (uint32_t)(f->hdrlen - IPV6_HDR);
	f->offset = (uint32_t)(fo >> 3) * 8;
	f->len = cursor_left(&c);
	f->data = cursor_take(&c, f->len);
	return DEFRAG_PARSE_FRAGMENT;
}

int
defrag_parse(const uint8_t *ip, size_t len, struct defrag_frag *f)
{
	struct cursor c;

	cursor_init(&c, ip, len);
	switch (cursor_peek_u8(&c, 0) >> 4) {
	case 4:
		return parse_ipv4(ip, len, f);
	case 6:
		return parse_ipv6(ip, len, f);
	default:
		return DEFRAG_PARSE_MALFORMED;
	}
}

static void
put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The Internet checksum (RFC 1071) of an IPv4 header. */
static uint16_t
ipv4_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum > 0xFFFF)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
defrag_write_header(const struct defrag_frag *first, uint32_t paylen,
    uint8_t *out)
{
	size_t n = first->hdrlen;

	memcpy(out, first->hdr, n);
	if (first->family == 4) {
		put_be16(out + 2, (uint32_t)n + paylen);
		out[6] &= IPV4_KEEP_FLAGS >> 8;
		out[7] = 0;
		put_be16(out + 10, 0);
		put_be16(out + 10, ipv4_checksum(out, n));
	} else {
		put_be16(out + 4, (uint32_t)(n - IPV6_HDR) + paylen);
		out[first->nh_off] = first->next;
	}
	return n;
}
