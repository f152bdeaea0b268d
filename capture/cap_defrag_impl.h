/*
 * cap_defrag_impl.h - private to cap_defrag*.c: what the datagram table
 * (cap_defrag.c) needs from the IP header code (cap_defrag_ip.c).
 *
 * cap_defrag_ip.c reads one packet into a struct defrag_frag (where its
 * fragment data lies, which datagram it belongs to, the header part a
 * reassembled datagram would keep) and writes the header of a reassembled
 * datagram; it knows RFC 791 and RFC 8200 but nothing of the table.
 */
#ifndef FS_CAP_DEFRAG_IMPL_H
#define FS_CAP_DEFRAG_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* family, source, destination (16 bytes each), protocol, identification */
#define DEFRAG_KEY_BYTES	(1 + 16 + 16 + 1 + 4)

/* IP payload of a reassembled datagram at most (16-bit length fields). */
#define DEFRAG_MAX_PAYLOAD	65535u
/* The longest reassembled datagram: an IPv6 header and 65535 bytes. */
#define DEFRAG_MAX_OUTPUT	(40 + DEFRAG_MAX_PAYLOAD)

enum defrag_parse {
	DEFRAG_PARSE_WHOLE = 0,		/* not a fragment */
	DEFRAG_PARSE_FRAGMENT,
	DEFRAG_PARSE_MALFORMED,		/* bad or truncated header */
};

/*
 * One fragment as read.  The pointers point into the packet.  Key bytes
 * that a family does not use are zero, so keys compare with memcmp.
 */
struct defrag_frag {
	uint8_t		 key[DEFRAG_KEY_BYTES];
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 more;		/* more fragments follow (MF, M) */
	uint8_t		 next;		/* IPv6: the Fragment header's next
					   header */
	const uint8_t	*hdr;		/* the part a reassembled datagram
					   keeps: the IPv4 header with its
					   options; the IPv6 header and the
					   extension headers before the
					   Fragment header */
	size_t		 hdrlen;
	size_t		 nh_off;	/* IPv6: offset in hdr of the next
					   header byte naming the Fragment
					   header */
	uint32_t	 room;		/* payload bytes a datagram under this
					   header can hold (65535 at most in
					   the 16-bit length, minus what of
					   hdr that length counts) */
	uint32_t	 offset;	/* of data, in the datagram's payload */
	const uint8_t	*data;		/* the fragment's data, len bytes */
	size_t		 len;
};

/*
 * Read the IPv4 or IPv6 packet of len bytes at ip.  A fragment fills *f;
 * an IPv6 atomic fragment (offset 0, M clear) is WHOLE.
 * The IP length clips the packet; a length past the bytes captured leaves
 * the fragment's data shorter than declared.
 */
int	defrag_parse(const uint8_t *ip, size_t len, struct defrag_frag *f);

/*
 * Write at out the header of a datagram reassembled from a first fragment
 * read as first (its hdr, hdrlen, nh_off and next; hdr may be a copy) with
 * paylen bytes of fragment data, which the caller puts right after it.
 * IPv4: total length set, MF and offset cleared (DF kept), checksum
 * recomputed.  IPv6: payload length set, the header before the Fragment
 * header naming what it carried.  Returns hdrlen.
 */
size_t	defrag_write_header(const struct defrag_frag *first, uint32_t paylen,
	    uint8_t *out);

#endif /* FS_CAP_DEFRAG_IMPL_H */
