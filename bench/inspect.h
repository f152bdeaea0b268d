/*
 * inspect.h - the parts of bench_inspect (inspect.c), private to it:
 *
 *   inspect_gen.c      the words: background text (HTTP-like) and the
 *                      generated literal keys
 *   inspect_traffic.c  TCP sessions as Ethernet frames, interleaved, some
 *                      segments reordered or retransmitted, with keys
 *                      planted in a known number of them
 *   inspect_mem.c      the memory of many concurrent sessions
 *
 * Everything is generated from one seed before anything is timed: the
 * same options give the same bytes, and so the same expected hits.
 */
#ifndef FS_BENCH_INSPECT_H
#define FS_BENCH_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "cap_keys.h"

/* A deterministic generator (splitmix64). */
struct ib_rng {
	uint64_t	s;
};

uint64_t ib_rand(struct ib_rng *);
/* Uniform in [0, n), n >= 1. */
uint32_t ib_below(struct ib_rng *, uint32_t n);

/* ---- words and keys (inspect_gen.c) ------------------------------------ */

#define IB_KEY_MAXLEN	16

/* One generated key: its bytes (to plant) and its text (to configure). */
struct ib_key {
	uint8_t		bytes[IB_KEY_MAXLEN];
	uint8_t		len;
	uint8_t		nocase;
	char		text[IB_KEY_MAXLEN * 4 + 16];
};

/*
 * n keys of 8-16 bytes: a third words of the background joined by '~', a
 * third random bytes with one at 0x80 or above (written |hex|), a third
 * letters and digits around a '#'; about one in twenty ";nocase".  No
 * key can match the background text (it never holds '~', '#' or a byte
 * above 0x7f), so every hit is a planted one; and none of the first
 * plantable keys holds another key.
 */
struct ib_key	*ib_keys_make(size_t n, size_t plantable, struct ib_rng *);
/* The first n keys as specs for cap_keyset_build(); free() the result. */
struct cap_key_spec *ib_key_specs(const struct ib_key *, size_t n);

/* len bytes of background text (words, spaces, punctuation). */
void	ib_text(struct ib_rng *, uint8_t *buf, size_t len);
/* len bytes of an HTTP request or response: headers, then text. */
void	ib_request(struct ib_rng *, uint8_t *buf, size_t len);
void	ib_response(struct ib_rng *, uint8_t *buf, size_t len);

/* ---- traffic (inspect_traffic.c) --------------------------------------- */

#define IB_F_DUP	0x01	/* a retransmission of a segment sent before */
#define IB_F_LAST	0x02	/* the session's last frame */

struct ib_frame {
	uint64_t	off;		/* in ib_traffic.bytes */
	uint32_t	len;
	uint32_t	sess;
	uint16_t	payoff;		/* payload offset in the frame */
	uint16_t	paylen;
	uint8_t		dir;		/* 0: client to server */
	uint8_t		flags;		/* IB_F_* */
};

struct ib_traffic_opts {
	uint32_t	sessions;
	uint32_t	concurrency;	/* sessions interleaved at a time */
	uint32_t	plant_keys;	/* keys planted are among the first */
	double		hit_fraction;	/* of the sessions */
	double		large_fraction;
	double		ipv6_fraction;
	double		reorder;	/* a data segment swapped with the next */
	double		retransmit;	/* a data segment sent twice */
};

struct ib_traffic {
	uint8_t		*bytes;
	size_t		 len;
	struct ib_frame	*frames;
	size_t		 nframes;
	uint32_t	 nsessions;
	uint32_t	 nlarge;
	uint32_t	 nipv6;
	uint64_t	 payload;	/* each segment's payload once */
	uint64_t	 dup_bytes;	/* payload sent again */
	uint32_t	 data_segments;	/* without the retransmissions */
	uint32_t	 reordered;	/* segments that came before their
					   predecessor */
	uint32_t	 retransmitted;
	/* What inspection must find. */
	uint32_t	 hit_sessions;
	uint32_t	 plants;	/* (session, key, direction), all distinct */
	uint32_t	 plants_split;	/* across two segments */
	uint32_t	 plants_nocase;
};

/* 0, or -1 when out of memory. */
int	ib_traffic_make(struct ib_traffic *, const struct ib_traffic_opts *,
	    const struct ib_key *keys, struct ib_rng *);
void	ib_traffic_free(struct ib_traffic *);

/*
 * One frame of session s (its addresses and ports as ib_traffic_make
 * gives them, IPv6 when v6) into buf (room for 1600 bytes): returns its
 * length.  *payoff gets the payload's offset.
 */
size_t	ib_frame_build(uint8_t *buf, uint32_t s, int v6, int dir,
	    uint16_t tcp_flags, uint32_t seq, uint32_t ack,
	    const uint8_t *payload, size_t paylen, uint16_t *payoff);

/* ---- memory (inspect_mem.c) -------------------------------------------- */

struct ib_mem {
	size_t		table;		/* cap_sessions_memory() */
	size_t		heap;		/* malloc'd meanwhile (mallinfo2) */
	size_t		stream_state;	/* Hyperscan's, per stream */
	uint32_t	sessions;	/* open when measured */
};

/*
 * n sessions open at once, each a SYN, a SYN-ACK and one data segment
 * each way (no FIN), in a table with history_bytes of history (in the
 * sessions folder dir): what the table says it holds, and what the heap
 * grew by.  0, or -1 with a message on stderr.
 */
int	ib_memory(struct cap_keyset *, uint32_t n, uint64_t history_bytes,
	    const char *dir, struct ib_mem *);

#endif /* FS_BENCH_INSPECT_H */
