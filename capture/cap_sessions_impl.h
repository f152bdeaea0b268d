/*
 * cap_sessions_impl.h - the session table's private structures, shared by
 * cap_sessions.c (the table, a session's life, the API),
 * cap_session_inspect.c (a frame's way through: parse, reassemble, scan,
 * hits, recording), cap_session_history.c (frame copies waiting for a
 * hit) and cap_session_json.c (closing the files with session.json).
 *
 * Invariants of the table:
 *  - A session is in exactly one hash chain and exactly one of two lists,
 *    each ordered by last activity (oldest first): "idle" holds the
 *    sessions without a hit (eviction takes its head), "hit" the sessions
 *    with one (never evicted; they end by FIN/RST, timeout or shutdown).
 *  - A session's rec is NULL until its first hit; from then on its history
 *    is empty and stays empty (frames go to its files, or nowhere when it
 *    has none: max_open reached, or the files failed).
 *  - A keystream (ks[d]) exists only from a direction's first scanned
 *    byte until the direction is done (capped, scan error, a gap, the
 *    end); it references the session's keyset, as the session does.
 *
 * Invariants of the frame copies (struct cap_hcache):
 *  - Every copy is on exactly two lists: its owner's (a session's history
 *    or a datagram's fragments), oldest first, and its cache's age list,
 *    oldest first.  Copies are appended to both at once, so an owner's
 *    oldest copy is always the first of its copies on the age list: the
 *    cache evicts its oldest copy by taking the head of that owner's list.
 *  - cache->bytes is the sum of CAP_HFRAME_COST() of its copies and never
 *    exceeds cache->max after an add returns.
 */
#ifndef FS_CAP_SESSIONS_IMPL_H
#define FS_CAP_SESSIONS_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cap_defrag.h"
#include "cap_keys.h"
#include "cap_session_files.h"
#include "cap_sessions.h"
#include "cap_stream.h"
#include "capture.h"
#include "netaddr.h"

/* What one heap block costs beyond what was asked (glibc's header, for
 * the memory figure). */
#define CAP_SESS_MALLOC_OVERHEAD	16
/* A held out-of-order segment's bookkeeping (cap_stream's struct is
 * private): list links, sequence, length, arrival, and the block. */
#define CAP_SESS_SEG_OVERHEAD		(40 + CAP_SESS_MALLOC_OVERHEAD)
/* An open session folder: the pcap writer's 64 KiB buffer and its state
 * (four PATH_MAX paths). */
#define CAP_SESS_FILES_ESTIMATE		(64 * 1024 + 4 * 4096 + 512)
/* An open keystream beyond Hyperscan's stream state: its handle. */
#define CAP_SESS_KS_OVERHEAD		(32 + 2 * CAP_SESS_MALLOC_OVERHEAD)
/* (key, direction) hits remembered per session; more are counted only. */
#define CAP_SESS_HITS_MAX		1024

/* Fragments waiting for their datagram (see cap_session_history.c). */
#define CAP_SESS_FRAG_DATAGRAMS		1024	/* = cap_defrag's default */
#define CAP_SESS_FRAG_FRAMES		64	/* per datagram (cap_defrag) */
#define CAP_SESS_FRAG_BYTES		(8u * 1024 * 1024)
#define CAP_SESS_FRAG_TIMEOUT_MS	30000

/* ---- frame copies ------------------------------------------------------ */

struct cap_hlist;

struct cap_hframe {
	struct cap_hframe	*next;		/* owner's list, oldest first */
	struct cap_hframe	*age_prev;	/* the cache's list */
	struct cap_hframe	*age_next;
	struct cap_hlist	*owner;
	struct timespec		 ts;
	uint32_t		 caplen;
	uint32_t		 wirelen;
	uint8_t			 dir;		/* 0: client to server */
	uint8_t			 pure_ack;	/* a TCP ACK without payload */
	uint8_t			 data[];
};

/* What one copy costs against the cache's budget. */
#define CAP_HFRAME_COST(caplen)						\
	(sizeof(struct cap_hframe) + (size_t)(caplen) +			\
	    CAP_SESS_MALLOC_OVERHEAD)

/* An owner's copies. */
struct cap_hlist {
	struct cap_hframe	*head;
	struct cap_hframe	*tail;
	uint32_t		 frames;
	uint8_t			 lost;		/* a copy evicted or refused */
};

/* All copies under one budget, oldest first. */
struct cap_hcache {
	struct cap_hframe	*oldest;
	struct cap_hframe	*newest;
	uint64_t		 bytes;		/* sum of CAP_HFRAME_COST */
	uint64_t		 max;		/* 0: nothing is kept */
	uint64_t		 frames;	/* now */
	uint64_t		 evicted;	/* copies evicted or refused */
};

void	cap_hcache_init(struct cap_hcache *, uint64_t max);
/* Copy a frame to the end of l, evicting the cache's oldest copies for
 * room.  0, or -1 (too big for the budget, or out of memory): l->lost. */
int	cap_hcache_add(struct cap_hcache *, struct cap_hlist *l,
	    const struct timespec *ts, const uint8_t *frame, uint32_t caplen,
	    uint32_t wirelen, uint8_t dir, uint8_t pure_ack);
/* Move src's copies to the end of dst (in cache to, under its budget),
 * setting their direction to dir; src ends empty.  A copy that does not
 * fit is dropped (dst->lost). */
void	cap_hlist_move(struct cap_hcache *from, struct cap_hlist *src,
	    struct cap_hcache *to, struct cap_hlist *dst, uint8_t dir);

typedef void cap_hframe_cb(void *arg, const struct cap_hframe *);
/* Give each copy of l to cb (when not NULL), oldest first, and free it.
 * l->lost stays as it was. */
void	cap_hlist_drain(struct cap_hcache *, struct cap_hlist *l,
	    cap_hframe_cb *cb, void *arg);

/* ---- fragments waiting for their datagram ------------------------------ */

/* What identifies a datagram in reassembly (as cap_defrag keys it). */
struct cap_fkey {
	struct netaddr	src;
	struct netaddr	dst;
	uint32_t	id;
	uint8_t		proto;		/* IPv4 only; 0 for IPv6 */
};

struct cap_fgroup {
	struct cap_fgroup	*hnext;
	struct cap_fgroup	*prev;		/* by arrival, oldest first */
	struct cap_fgroup	*next;
	struct cap_fkey		 key;
	int64_t			 since_ms;
	struct cap_hlist	 frames;
};

struct cap_fpending {
	struct cap_hcache	  cache;
	struct cap_fgroup	**buckets;
	uint32_t		  mask;
	uint32_t		  groups;	/* now */
	struct cap_fgroup	 *oldest;
	struct cap_fgroup	 *newest;
	uint64_t		  hkey[2];
	uint64_t		  dropped;	/* groups given up */
};

int	cap_fpending_init(struct cap_fpending *, const uint64_t hkey[2]);
void	cap_fpending_free(struct cap_fpending *);
/* Keep a copy of a fragment frame until its datagram completes. */
void	cap_fpending_hold(struct cap_fpending *, const struct cap_fkey *,
	    const struct timespec *ts, const uint8_t *frame, uint32_t caplen,
	    uint32_t wirelen, int64_t now_ms);
/* The group of key, taken out of the table (the caller moves or drains
 * its frames, then calls cap_fpending_release), or NULL. */
struct cap_fgroup *cap_fpending_take(struct cap_fpending *,
	    const struct cap_fkey *);
void	cap_fpending_release(struct cap_fpending *, struct cap_fgroup *);
/* Drop groups older than CAP_SESS_FRAG_TIMEOUT_MS. */
void	cap_fpending_expire(struct cap_fpending *, int64_t now_ms);
size_t	cap_fpending_memory(const struct cap_fpending *);

/* ---- sessions ---------------------------------------------------------- */

enum cap_sess_end {
	CAP_SESS_END_FIN = 0,
	CAP_SESS_END_RST,
	CAP_SESS_END_TIMEOUT,
	CAP_SESS_END_EVICTED,
	CAP_SESS_END_SHUTDOWN,
};

/* session.flags */
#define CAP_SESS_FIRST_SYN	0x01	/* the first frame was the client's SYN
					   (or the first of a UDP session) */
#define CAP_SESS_HIT_LIST	0x02	/* on the hit list */

/* One (key, direction) first hit, for session.json. */
struct cap_sess_hitrec {
	uint32_t	key;		/* index in the session's keyset */
	uint8_t		dir;
	uint64_t	offset;
	struct timespec	ts;
};

/* What a session has once it hit (allocated at its first hit). */
struct cap_sess_rec {
	struct cap_session_files *files;	/* NULL: none (capped/failed) */
	struct cap_sess_hitrec	*hits;		/* in the order they came */
	uint32_t		*sorted;	/* key << 1 | dir, ascending */
	uint32_t		 nhits;
	uint32_t		 cap;
	uint32_t		 keys_dropped;	/* beyond CAP_SESS_HITS_MAX */
	uint8_t			 hit_dirs;	/* bit d: a key hit in d */
	uint8_t			 history_complete;
	uint8_t			 failed;	/* a write or the open failed */
	uint64_t		 written;	/* frames given to csf_packet */
	char			 capture_id[CAP_ARCHIVE_ID_MAX + 1];
	char			 error[256];	/* the first failure */
};

struct cap_sess {
	struct cap_sess		*hnext;		/* hash chain */
	struct cap_sess		*prev;		/* idle or hit list */
	struct cap_sess		*next;
	struct cap_keyset	*keys;		/* referenced; NULL: none */
	struct cap_keystream	*ks[2];		/* [d], opened on first bytes */
	struct cap_sess_rec	*rec;
	struct cap_hlist	 hist;
	struct cap_stream	 st[2];		/* [0] client to server (TCP) */
	uint64_t		 bytes[2];	/* inspected */
	int64_t			 last_ms;	/* of the last frame */
	struct timespec		 first_ts;	/* of the first frame */
	struct timespec		 last_ts;
	uint32_t		 frames[2];	/* seen */
	struct netaddr		 addr[2];	/* [0] client, [1] server */
	uint16_t		 port[2];
	uint8_t			 proto;
	uint8_t			 flags;		/* CAP_SESS_* */
	uint8_t			 fin;		/* bit d: FIN seen in d */
	uint8_t			 done;		/* bit d: d not inspected */
};

struct cap_sess_list {
	struct cap_sess		*head;		/* least recently active */
	struct cap_sess		*tail;
};

struct cap_sessions {
	struct cap_sessions_config	 cfg;	/* defaults filled in */
	char				*dir;	/* cfg.dir points here */
	struct cap_sessions_callbacks	 cb;
	struct cap_keyset		*keys;	/* for new sessions */
	struct cap_keyscratch		*scratch;
	struct cap_stream_limits	 lim;
	uint64_t			 hkey[2];
	struct cap_sess			**buckets;
	uint32_t			 mask;
	struct cap_sess_list		 idle;
	struct cap_sess_list		 hit;
	struct cap_hcache		 hist;
	struct cap_fpending		 frags;
	struct cap_defrag		*defrag;
	struct cap_sessions_stats	 st;	/* counters; stream counters of
						   ended sessions only */
	/* The frame being handled (cap_sessions_frame), else NULL. */
	struct cap_sess			*cur;
	const char			*cur_id;
	const struct timespec		*cur_ts;
	int				 cur_hit; /* a key ended in it */
};

/* ---- cap_sessions.c: the table ---------------------------------------- */

/* The session of a packet src:sport -> dst:dport (canonical addresses),
 * and its direction in *dir (0: from the client), or NULL. */
struct cap_sess *cap_sess_find(struct cap_sessions *, uint8_t proto,
	    const struct netaddr *src, uint16_t sport,
	    const struct netaddr *dst, uint16_t dport, int *dir);
/* A new session on the idle list, evicting the idlest session without a
 * hit when the table is full; NULL (counted in sessions_capped) when
 * every session has a hit. */
struct cap_sess *cap_sess_new(struct cap_sessions *, uint8_t proto,
	    const struct netaddr *client, uint16_t cport,
	    const struct netaddr *server, uint16_t sport, int first_syn,
	    const struct timespec *ts);
/* A frame of s at now_ms: it becomes the most recently active. */
void	cap_sess_touch(struct cap_sessions *, struct cap_sess *,
	    int64_t now_ms, const struct timespec *ts);
/* s hit: from the idle list to the hit list (never evicted). */
void	cap_sess_mark_hit(struct cap_sessions *, struct cap_sess *);
/* End s: last inspection, files closed, everything freed. */
void	cap_sess_end(struct cap_sessions *, struct cap_sess *,
	    enum cap_sess_end);

/* ---- cap_session_inspect.c: a frame's way through --------------------- */

/* A timer: skip s's gaps older than the stream's gap timeout. */
void	cap_sess_inspect_age(struct cap_sessions *, struct cap_sess *,
	    int64_t now_ms);
/* s ends: with report, deliver what its streams hold and report what its
 * keystreams still match; close the keystreams in any case. */
void	cap_sess_inspect_end(struct cap_sessions *, struct cap_sess *,
	    int report);

/* ---- cap_session_json.c ------------------------------------------------ */

/* Close s's files writing session.json, count the result and call the
 * done callback.  s->rec->files is NULL after. */
void	cap_sess_files_close(struct cap_sessions *, struct cap_sess *,
	    enum cap_sess_end);

#endif /* FS_CAP_SESSIONS_IMPL_H */
