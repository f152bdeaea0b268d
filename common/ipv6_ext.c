/*
 * ipv6_ext.c - skip one IPv6 extension header.
 */
#include "ipv6_ext.h"

int
ipv6_ext_step(struct cursor *c, uint8_t *next, uint16_t *frag)
{
	uint8_t len;

	switch (*next) {
	case 0:		/* hop-by-hop options */
	case 43:	/* routing */
	case 60:	/* destination options */
	case 135:	/* mobility */
	case 139:	/* HIP */
	case 140:	/* shim6 */
		*next = cursor_u8(c);
		len = cursor_u8(c);
		cursor_skip(c, (size_t)len * 8 + 6);
		return IPV6_EXT_SKIPPED;
	case 51:	/* AH: its length is in 4-byte units, minus 2 */
		*next = cursor_u8(c);
		len = cursor_u8(c);
		cursor_skip(c, ((size_t)len + 2) * 4 - 2);
		return IPV6_EXT_SKIPPED;
	case 44:	/* fragment */
		*next = cursor_u8(c);
		cursor_skip(c, 1);
		*frag = cursor_be16(c);
		cursor_skip(c, 4);		/* identification */
		return IPV6_EXT_FRAGMENT;
	default:
		return IPV6_EXT_TRANSPORT;
	}
}
