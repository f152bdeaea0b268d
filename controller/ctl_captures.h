/*
 * ctl_captures.h - the captures the controller runs: their ids, states,
 * times and reasons, bounded, and the state file that outlives a crash.
 *
 * A capture is born pending (manual mode, waiting for approval) or
 * installing (its rule is being pushed), becomes active, then removing
 * (its rule is being deleted) and finally done; any step may end it as
 * failed with a reason.  Live captures sit in a fixed table of slots
 * (max_live); finished ones move to a ring of the most recent (keep_done)
 * so the API can still show them.  Ids are "c" and a decimal sequence
 * number that the state file carries across restarts, so an id is never
 * reused for another capture: it names the switch's rule and the
 * receiver's archive folder.
 *
 * The table does no I/O except ctl_captures_save/load, and keeps no
 * clock: times are the caller's milliseconds since the epoch.
 */
#ifndef FS_CTL_CAPTURES_H
#define FS_CTL_CAPTURES_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_config.h"
#include "ctl_policy.h"
#include "netaddr.h"
#include "packet.h"

#define CTL_CAPTURE_ID_MAX	24	/* "c" + up to 20 digits + NUL */
#define CTL_CAPTURE_WHY_MAX	160
#define CTL_CAPTURES_STATE_MAX	(16u << 20)	/* state file bytes */

enum ctl_capture_state {
	CTL_CAP_PENDING = 0,
	CTL_CAP_INSTALLING,
	CTL_CAP_ACTIVE,
	CTL_CAP_REMOVING,
	CTL_CAP_DONE,
	CTL_CAP_FAILED,
	CTL_CAP_STATES
};

struct ctl_capture {
	char		id[CTL_CAPTURE_ID_MAX];
	enum ctl_capture_state state;
	struct ctl_match match;		/* pair, agent, and what matched */
	struct flow_key	first_key;	/* the first sample's, if has_first_key */
	uint8_t		has_first_key;
	uint8_t		manual;		/* started by hand through the API */
	uint8_t		install_failed;	/* removing what a failed install
					   may have left: ends as failed */
	int32_t		sw;		/* switch index in the config, -1: none */
	int64_t		duration_ms;	/* runs this long, from activation and
					   from each extension (the caller's) */
	int64_t		created_ms;
	int64_t		started_ms;	/* became active; 0: not yet */
	int64_t		expires_ms;	/* active: ends at */
	int64_t		deadline_ms;	/* no extension past this */
	int64_t		ended_ms;	/* done or failed at */
	uint64_t	samples;	/* matching samples while live */
	int64_t		retry_ms;	/* removing: try the switch again at */
	char		why[CTL_CAPTURE_WHY_MAX]; /* how it ended, or failed */
};

struct ctl_captures_stats {
	size_t		live;
	size_t		by_state[CTL_CAP_STATES];	/* live ones, and done/failed kept */
	uint64_t	created;
	uint64_t	refused_full;	/* no free slot */
	uint64_t	next_seq;
};

struct ctl_captures;

/* NULL when out of memory.  first_seq: the next id's number (>= 1). */
struct ctl_captures *ctl_captures_new(size_t max_live, size_t keep_done,
	    uint64_t first_seq);
void	ctl_captures_free(struct ctl_captures *);

/*
 * A new live capture in state (PENDING or INSTALLING) with the next id.
 * key may be NULL (a manual capture).  NULL when every slot is taken.
 * The pointer stays valid while the capture is live.
 */
struct ctl_capture *ctl_captures_create(struct ctl_captures *,
	    enum ctl_capture_state state, const struct ctl_match *m,
	    const struct flow_key *key, int32_t sw, int manual, int64_t now_ms);

/*
 * Put back a capture read from the state file, keeping its id (the next
 * ids are then above it).  NULL when every slot is taken (counted as
 * refused_full), when its state is not a live one, its id is not one
 * ctl_capture_id_number accepts, or a live capture has that number.
 */
struct ctl_capture *ctl_captures_restore(struct ctl_captures *,
	    const struct ctl_capture *);

/*
 * Move a live capture to state.  Entering ACTIVE sets started_ms (the
 * first time only); expires_ms and deadline_ms are the caller's to set
 * (they depend on configuration the table does not know).  Entering DONE
 * or FAILED sets ended_ms and why (may be NULL), moves the capture to the
 * ring of finished ones and frees its slot: the pointer is invalid
 * afterwards.
 */
void	ctl_captures_set_state(struct ctl_captures *, struct ctl_capture *,
	    enum ctl_capture_state state, int64_t now_ms, const char *why);

/* Push an active capture's expiry to now + duration, never past its
 * deadline.  Returns 1 if it moved. */
int	ctl_captures_extend(struct ctl_capture *, int64_t now_ms,
	    int64_t duration_ms);

/* A live capture by id, or NULL. */
struct ctl_capture *ctl_captures_live(struct ctl_captures *, const char *id);
/* Any capture by id (live or finished and still kept), or NULL. */
const struct ctl_capture *ctl_captures_get(const struct ctl_captures *,
	    const char *id);
/* The live capture of the pair (any agent), or NULL. */
struct ctl_capture *ctl_captures_find_pair(struct ctl_captures *,
	    const struct netaddr *local, const struct netaddr *remote);

/* Live captures holding a budget (installing, active, removing): all of
 * them (sw < 0) or those of switch sw. */
uint32_t ctl_captures_holding(const struct ctl_captures *, int32_t sw);

/* A live capture now belongs to switch sw (-1: none), e.g. after a
 * reload renumbered the switches; keeps the budget counts right. */
void	ctl_captures_set_switch(struct ctl_captures *, struct ctl_capture *,
	    int32_t sw);

/* Visit live captures (in creation order), then finished (newest first). */
void	ctl_captures_foreach(const struct ctl_captures *,
	    void (*fn)(void *ctx, const struct ctl_capture *), void *ctx);
/* Visit live captures with a mutable pointer; fn may change their state
 * (including to DONE/FAILED, which frees the slot being visited). */
void	ctl_captures_foreach_live(struct ctl_captures *,
	    void (*fn)(void *ctx, struct ctl_capture *), void *ctx);

void	ctl_captures_stats(const struct ctl_captures *,
	    struct ctl_captures_stats *);

const char *ctl_capture_state_name(enum ctl_capture_state);

/* The number of an id ("c42": 42): 0, or -1 if id is not "c" and 1 to 20
 * digits with a value below INT64_MAX (so the next one still fits a JSON
 * integer in the state file). */
int	ctl_capture_id_number(const char *id, uint64_t *n);

/*
 * The state file: the next sequence number and every live capture, as
 * JSON in a malloc'd *buf of *len bytes (0; -1: out of memory).
 */
int	ctl_captures_serialize(const struct ctl_captures *, char **buf,
	    size_t *len);
/* The same written atomically to path (common/atomic_file.h): 0, or -1
 * with why in err. */
int	ctl_captures_save(const struct ctl_captures *, const char *path,
	    char *err, size_t errlen);
/*
 * Read a state file: *next_seq and the captures that were live (malloc'd
 * array in *caps, count in *n; the caller frees).  1 when there is no
 * file, 0 when read, -1 with why in err (the file is then left alone).
 */
int	ctl_captures_load(const char *path, uint64_t *next_seq,
	    struct ctl_capture **caps, size_t *n, char *err, size_t errlen);

#endif /* FS_CTL_CAPTURES_H */
