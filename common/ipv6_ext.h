/*
 * ipv6_ext.h - one step over the IPv6 extension header chain (RFC 8200
 * section 4; AH RFC 4302; mobility RFC 6275; HIP RFC 7401; shim6 RFC 5533),
 * shared by the flow key parser and the GRE decapsulator.  What a fragment
 * means is left to the caller.
 */
#ifndef FS_IPV6_EXT_H
#define FS_IPV6_EXT_H

#include <stdint.h>

#include "cursor.h"

/* More extension headers than this is not a packet anyone sends. */
#define IPV6_MAX_EXT_HEADERS	16

enum ipv6_ext_step {
	IPV6_EXT_TRANSPORT = 0,	/* next is not an extension header: done */
	IPV6_EXT_SKIPPED,	/* an extension header was skipped */
	IPV6_EXT_FRAGMENT,	/* a fragment header: *frag is its offset word */
};

/*
 * If next is an extension header, read it at c, set *next to the header
 * it announces and return IPV6_EXT_SKIPPED or IPV6_EXT_FRAGMENT; otherwise
 * return IPV6_EXT_TRANSPORT without reading.  A header cut short fails the
 * cursor: the caller checks cursor_error() after a step.
 */
int	ipv6_ext_step(struct cursor *c, uint8_t *next, uint16_t *frag);

#endif /* FS_IPV6_EXT_H */
