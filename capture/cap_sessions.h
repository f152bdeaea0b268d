/*
 * cap_sessions.h - L7 inspection of mirrored traffic: the session table.
 *
 * Every decapsulated frame the receiver archives is also given here.  A
 * session is a TCP or UDP 5-tuple (both directions are one session),
 * found through a hash table keyed with a random SipHash key.  For TCP
 * each direction is reassembled (cap_stream.h, after IPv4/IPv6
 * defragmentation, cap_defrag.h) and scanned by its own Hyperscan stream
 * (cap_keys.h), so a key split across segments matches; UDP payloads are
 * scanned one datagram at a time when inspect_udp is set.
 *
 * History: every session keeps copies of its recent frames, all sessions
 * together at most history_bytes, the oldest frame anywhere evicted first.
 * When a key hits, the session's files are opened (cap_session_files.h),
 * its history written first, and from then on its frames go to the file
 * until the session ends (FIN both ways and the ACK after, RST, idle for
 * timeout_ms, or shutdown); then session.L7 and session.json are written
 * and the folder put in place.  So a hit mid-session still gives a pcap from the SYN
 * when the history held it ("history_complete" in session.json says
 * whether it did).
 *
 * Bounds, all counted when hit: sessions (a new session beyond
 * max_sessions evicts the idlest one without a hit; when all have hits it
 * is not tracked), bytes inspected per direction, out-of-order segments
 * and bytes per direction, sessions with open files.
 *
 * Single-threaded: the receiver's loop calls everything.
 */
#ifndef FS_CAP_SESSIONS_H
#define FS_CAP_SESSIONS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cap_keys.h"
#include "netaddr.h"

enum cap_record {
	CAP_RECORD_SESSION = 0,	/* the whole session from the hit on, with
				   its history */
	CAP_RECORD_FRAME,	/* only the frames in which a key ended */
};

/* A TCP session ends with the ACK that follows FIN both ways; when no
 * such ACK comes, it ends this long after its last frame (at a tick). */
#define CAP_SESSIONS_LINGER_MS	1000

struct cap_sessions_config {
	const char	*dir;		/* sessions folder (created) */
	uint32_t	 max_sessions;	/* 0: 65536 */
	uint32_t	 max_open;	/* sessions with open files; 0: 256 */
	uint64_t	 max_stream_bytes; /* inspected per direction; 0: 16 MiB */
	uint32_t	 max_ooo_segments; /* per direction; 0: 64 */
	uint32_t	 max_ooo_bytes;	/* per direction; 0: 256 KiB */
	int64_t		 timeout_ms;	/* idle; 0: 30 s */
	uint64_t	 history_bytes;	/* all sessions; 0: no history */
	int		 inspect_udp;
	int		 onedir;	/* record only the hit's direction */
	int		 keep_pure_acks; /* record ACKs without payload */
	enum cap_record	 record;
	int		 merge_by_time;	/* session.pcap in timestamp order */
	int		 nanosecond;	/* nanosecond session.pcap */
};

struct cap_sessions_stats {
	uint64_t	frames;		/* given to cap_sessions_frame() */
	uint64_t	not_inspected;	/* not TCP/UDP over IP, or unparsable,
					   or no session and nothing to
					   inspect (an ACK, FIN or RST
					   without payload; UDP when
					   !inspect_udp) */
	uint64_t	sessions_total;	/* created */
	uint32_t	sessions_now;
	uint32_t	open_now;	/* sessions writing files */
	uint64_t	sessions_capped;  /* not tracked: table full of hits */
	uint64_t	sessions_evicted; /* dropped for room */
	uint64_t	sessions_timed_out;
	uint64_t	sessions_ended;	/* FIN/RST */
	uint64_t	stream_capped;	/* directions that hit max_stream_bytes */
	uint64_t	ooo_drops;	/* segments not held: bounds */
	uint64_t	gaps, gap_bytes;
	uint64_t	duplicate_bytes, overlap_diff_bytes;
	uint64_t	bytes_scanned;
	uint64_t	hits;		/* (session, key, direction) first hits */
	uint64_t	hits_capped;	/* not reported: past the per-session
					   bound of remembered hits */
	uint64_t	sessions_hit;
	uint64_t	files_written;	/* session folders completed */
	uint64_t	file_errors;
	uint64_t	open_capped;	/* hits not recorded: max_open reached */
	uint64_t	scan_errors;	/* Hyperscan failures */
	uint64_t	history_bytes_now;
	uint64_t	history_evicted; /* frames evicted from the history */
	uint64_t	defrag_reassembled, defrag_dropped;
};

/* A key hit, as it happens (for the event and the controller report).
 * path is "" when the session has no files (max_open reached, or its
 * folder could not be made). */
struct cap_session_hit {
	const char			*capture_id;	/* "" when none */
	struct netaddr			 src, dst;	/* direction of the hit */
	uint16_t			 sport, dport;
	uint8_t				 proto;
	const struct cap_key_info	*key;
	uint64_t			 offset;	/* end of the match in that
							   direction's stream */
	struct timespec			 ts;		/* of the frame */
	const char			*path;		/* the session folder */
};

/* A session's files completed (or failed: also when they could not be
 * opened at its first hit; path is "" then). */
struct cap_session_done {
	const char	*capture_id;
	const char	*path;		/* the folder */
	uint64_t	 frames;
	uint32_t	 keys_hit;
	int		 ok;		/* 0: error, see error */
	const char	*error;
};

/* Called from inside cap_sessions_frame(), _tick(), _close_all() and
 * _free() (a hit in the middle of a scan): they must not call the table. */
struct cap_sessions_callbacks {
	void	(*hit)(void *arg, const struct cap_session_hit *);
	void	(*done)(void *arg, const struct cap_session_done *);
	void	*arg;
};

struct cap_sessions;

/* keys: referenced (NULL: track and record nothing, count frames). */
struct cap_sessions *cap_sessions_new(const struct cap_sessions_config *,
	    struct cap_keyset *keys, const struct cap_sessions_callbacks *,
	    char *err, size_t errlen);
/* Ends every session (as cap_sessions_close_all), then frees. */
void	cap_sessions_free(struct cap_sessions *);

/* A reload: sessions created from now on use keys (referenced); running
 * ones finish with the set they started with. */
void	cap_sessions_set_keys(struct cap_sessions *, struct cap_keyset *keys);

/*
 * One decapsulated frame (Ethernet, as archived) of capture capture_id
 * ("" or NULL: none), captured at ts, arriving at now_ms (the monotonic
 * clock that timeouts use).
 */
void	cap_sessions_frame(struct cap_sessions *, const char *capture_id,
	    const struct timespec *ts, const uint8_t *frame, uint32_t caplen,
	    uint32_t wirelen, int64_t now_ms);

/* Timeouts: idle sessions, stuck gaps, fragments. Call every second. */
void	cap_sessions_tick(struct cap_sessions *, int64_t now_ms);

/* Shutdown: end every session, writing the files of those with hits. */
void	cap_sessions_close_all(struct cap_sessions *);

void	cap_sessions_stats(const struct cap_sessions *,
	    struct cap_sessions_stats *);

/* Bytes the table holds now (sessions, streams, held segments, history),
 * for the benchmark's memory figure. */
size_t	cap_sessions_memory(const struct cap_sessions *);

#endif /* FS_CAP_SESSIONS_H */
