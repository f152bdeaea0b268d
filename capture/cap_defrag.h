/*
 * cap_defrag.h - IPv4 and IPv6 fragment reassembly for L7 inspection
 * (private to capture/: the session table uses it).
 *
 * The frames themselves are archived as they came; only inspection needs
 * whole datagrams, so reassembly hands back a copy.  Memory and time are
 * bounded: at most max_datagrams in progress holding at most max_bytes of
 * fragment data together, each given up after timeout_ms (the oldest is
 * evicted when a new one does not fit).  Everything dropped is counted.
 *
 * Overlaps: IPv6 datagrams with overlapping fragments are discarded whole
 * (RFC 5722; an exact duplicate is ignored, as RFC 8200 4.5 allows); for
 * IPv4 the first copy of a byte wins and a differing overlap is counted.
 * A datagram is keyed by (src, dst, protocol, id)
 * (IPv4) or (src, dst, id) (IPv6); reassembled it is at most 65535 bytes
 * of IP payload.
 */
#ifndef FS_CAP_DEFRAG_H
#define FS_CAP_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

struct cap_defrag_limits {
	uint32_t	max_datagrams;	/* in progress at once (0: 1024) */
	size_t		max_bytes;	/* fragment bytes held (0: 16 MiB) */
	uint32_t	max_fragments;	/* per datagram (0: 64) */
	int64_t		timeout_ms;	/* per datagram (0: 30000) */
};

struct cap_defrag_stats {
	uint64_t	fragments;	/* fragments fed */
	uint64_t	reassembled;	/* datagrams completed */
	uint64_t	timeouts;	/* given up: timeout_ms passed */
	uint64_t	evicted;	/* given up: no room for a new one */
	uint64_t	too_many;	/* given up: more than max_fragments */
	uint64_t	overlaps;	/* IPv4 overlaps with differing bytes */
	uint64_t	overlap_drops;	/* IPv6 datagrams dropped for overlap */
	uint64_t	too_long;	/* would exceed 65535 bytes */
	uint64_t	malformed;	/* bad header, bad offset/length */
	uint64_t	dropped_late;	/* fragments of a datagram given up
					   for an IPv6 overlap or too many
					   fragments, until its timeout */
	uint32_t	in_progress;	/* now */
	size_t		bytes_held;	/* now */
};

enum cap_defrag_result {
	CAP_DEFRAG_WHOLE = 0,	/* not a fragment (or an IPv6 atomic
				   fragment, RFC 6946): use the packet as
				   it is */
	CAP_DEFRAG_HELD,	/* a fragment, kept (or a copy of one held):
				   nothing to inspect yet */
	CAP_DEFRAG_DONE,	/* the last missing fragment: *out is whole */
	CAP_DEFRAG_DROPPED,	/* malformed, or its datagram was given up
				   (counted) */
};

struct cap_defrag;

/* NULL when out of memory or a limit is out of range (max_datagrams above
 * 2^20, a negative timeout). */
struct cap_defrag *cap_defrag_new(const struct cap_defrag_limits *);
void	cap_defrag_free(struct cap_defrag *);

/*
 * Feed one IP packet (ip points at the IPv4 or IPv6 header, len bytes up
 * to the IP length or the capture's end).  On CAP_DEFRAG_DONE *out and
 * *outlen hold the reassembled datagram: a valid IPv4 header with the
 * total length set, MF and offset cleared and the checksum recomputed; or
 * an IPv6 packet whose Fragment header is gone (the header before it
 * names the next header, payload length set).  *out is valid until the
 * next call.  Expires what is overdue at now_ms first.  A packet whose IP
 * header is bad or cut short is DROPPED (malformed): whether it is a
 * fragment cannot be told.
 */
enum cap_defrag_result cap_defrag_feed(struct cap_defrag *,
	    const uint8_t *ip, size_t len, int64_t now_ms,
	    const uint8_t **out, size_t *outlen);

/* Give up datagrams older than timeout_ms (call from a timer too). */
void	cap_defrag_expire(struct cap_defrag *, int64_t now_ms);

void	cap_defrag_stats(const struct cap_defrag *, struct cap_defrag_stats *);

#endif /* FS_CAP_DEFRAG_H */
