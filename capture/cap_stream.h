/*
 * cap_stream.h - TCP reassembly of one direction of a session (private to
 * capture/: the session table keeps two per session, the transcript
 * writer two per file).
 *
 * Payload goes out through a callback in sequence order, each byte once.
 * A retransmitted or overlapping byte is dropped (the first copy wins);
 * when it differs from the copy still held (out of order) it is counted.
 * Segments ahead of the next expected byte are copied and held, bounded
 * in count and bytes; when a gap does not fill (the bounds are reached,
 * the gap is older than gap_timeout_ms, or the stream is flushed at its
 * end) the stream skips to the first held byte and reports the gap.
 * Sequence numbers compare in serial arithmetic (RFC 1982), so
 * wrap-around past 2^32 is ordinary.  No state is global; a struct
 * cap_stream is embedded by its owner and holds only a pointer to the
 * out-of-order list (NULL while everything arrives in order).
 */
#ifndef FS_CAP_STREAM_H
#define FS_CAP_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct cap_stream_limits {
	uint32_t	max_segments;	/* held out of order (0: 64) */
	uint32_t	max_bytes;	/* held out of order (0: 256 KiB) */
	int64_t		gap_timeout_ms;	/* (0: 5000) */
	uint64_t	max_stream;	/* bytes delivered at most; 0: no cap */
};

struct cap_stream_stats {
	uint64_t	delivered;	/* bytes passed to the callback */
	uint64_t	duplicate;	/* bytes dropped as already seen */
	uint64_t	overlap_diff;	/* dropped bytes that differed from the
					   copy held */
	uint64_t	gaps;		/* gaps skipped */
	uint64_t	gap_bytes;	/* sequence space skipped */
	uint64_t	ooo_segments;	/* segments held at least once */
	uint64_t	ooo_drops;	/* segments not held: bounds reached */
	uint64_t	capped;		/* bytes past max_stream, not delivered */
};

struct cap_stream_seg;

struct cap_stream {
	uint32_t		 next;		/* next expected sequence number */
	uint8_t			 started;	/* next is known */
	uint8_t			 fin;		/* a FIN was seen (fin_seq valid) */
	uint32_t		 fin_seq;
	uint64_t		 offset;	/* bytes delivered so far */
	int64_t			 gap_since_ms;	/* first held segment's arrival */
	uint32_t		 held_segments;
	uint32_t		 held_bytes;
	struct cap_stream_seg	*held;		/* sorted by sequence */
	struct cap_stream_stats	 st;
};

/*
 * In-order payload: len bytes at stream offset (bytes delivered before,
 * gaps not counted).  gap: the sequence space skipped just before these
 * bytes (0 normally).
 */
typedef void cap_stream_data_cb(void *arg, const uint8_t *data, size_t len,
	    uint64_t offset, uint32_t gap);

void	cap_stream_init(struct cap_stream *);
/* Drop held segments (no callback); the struct may be reused after
 * cap_stream_init(). */
void	cap_stream_free(struct cap_stream *);

/* A SYN (or SYN-ACK) with sequence number isn: data starts at isn + 1. */
void	cap_stream_syn(struct cap_stream *, uint32_t isn);

/*
 * One segment's payload at sequence seq (fin: the segment has FIN).  A
 * stream without a SYN starts at its first segment with payload.
 * Deliveries happen inside the call.  Returns 0, or -1 when a held copy
 * could not be allocated (counted in ooo_drops: the bytes are lost as if
 * the bound were reached).
 */
int	cap_stream_segment(struct cap_stream *, const struct cap_stream_limits *,
	    uint32_t seq, const uint8_t *data, size_t len, int fin,
	    int64_t now_ms, cap_stream_data_cb *cb, void *arg);

/* Skip a gap older than gap_timeout_ms (a timer's call). */
void	cap_stream_age(struct cap_stream *, const struct cap_stream_limits *,
	    int64_t now_ms, cap_stream_data_cb *cb, void *arg);

/* The end of the stream: deliver everything held, skipping gaps. */
void	cap_stream_flush(struct cap_stream *, cap_stream_data_cb *cb,
	    void *arg);

#endif /* FS_CAP_STREAM_H */
