/*
 * ctl_policy.h - the trigger policy: does this flow sample call for a
 * capture, and may one start now?  Pure functions of their inputs (no
 * clock, no sockets, no globals), so tables of cases test them; plus the
 * bounded per-pair memory (ctl_pairs) that feeds them thresholds and
 * cooldowns.
 *
 * Classify: the side of the flow in the local group is local; the other
 * side is remote.  The sample matches when the remote side is on a watched
 * list and neither side is on an allow list (allow wins over everything).
 * When both sides are local, a side that is also watched is the remote one
 * (an internal host on a list); when both are, the destination is.  Both
 * directions of a pair give the same (local, remote), so they count as one.
 * Of several watched entries covering remote, the longest prefix is kept;
 * on a tie, the first group in configuration order.
 *
 * Decide, in this order: an active or pending capture of the pair already
 * covers it; the pair is cooling down after its last capture ended; the
 * threshold (matching samples, and scaled frames, within the window) is
 * not reached yet; then, in auto mode, the global budget (max_active) and
 * the switch's budget; in manual mode the capture waits as pending and
 * the budgets are checked when it is approved (ctl_policy_approve).
 */
#ifndef FS_CTL_POLICY_H
#define FS_CTL_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "blacklists.h"
#include "ctl_config.h"
#include "netaddr.h"
#include "packet.h"

#define CTL_NAME_MAX	64	/* list and group names: 63 + NUL */
#define CTL_LABEL_MAX	128	/* labels are cut to 127 bytes */

/* Why a sample matched: a value (strings copied, the table may go). */
struct ctl_match {
	struct netaddr	local;
	struct netaddr	remote;
	struct netaddr	agent;
	struct netaddr	prefix;		/* the listed entry covering remote */
	uint8_t		plen;
	uint8_t		local_is_src;	/* this sample went local -> remote */
	uint32_t	line;		/* the entry's line in its list */
	char		group[CTL_NAME_MAX];
	char		list[CTL_NAME_MAX];
	char		label[CTL_LABEL_MAX];
};

enum ctl_verdict {
	CTL_VERDICT_MATCH = 0,
	CTL_VERDICT_NO_ADDRESS,		/* the sample carried no IP addresses */
	CTL_VERDICT_NOT_LOCAL,		/* neither side is local */
	CTL_VERDICT_NOT_LISTED,		/* the remote side is on no watched list */
	CTL_VERDICT_ALLOWED,		/* a side is on an allow list */
	CTL_VERDICTS
};

/*
 * Classify one sample from the lookups of its source and destination
 * (bl_table_lookup output).  Fills *out on CTL_VERDICT_MATCH only.
 */
enum ctl_verdict ctl_policy_classify(const struct netaddr *agent,
	    const struct netaddr *src, const struct netaddr *dst,
	    const struct bl_match *src_matches, size_t n_src,
	    const struct bl_match *dst_matches, size_t n_dst,
	    struct ctl_match *out);

enum ctl_decision {
	CTL_DECIDE_START = 0,		/* start a capture now */
	CTL_DECIDE_PENDING,		/* manual mode: wait for approval */
	CTL_DECIDE_COVERED,		/* a capture of the pair is already there */
	CTL_DECIDE_COOLDOWN,		/* the pair's last capture ended recently */
	CTL_DECIDE_BELOW_THRESHOLD,	/* not enough matching samples yet */
	CTL_DECIDE_GLOBAL_BUDGET,	/* max_active captures are running */
	CTL_DECIDE_SWITCH_BUDGET,	/* the switch's max_active are running */
	CTL_DECISIONS
};

/* The policy's knobs, from the configuration. */
struct ctl_policy {
	enum ctl_mode	mode;
	uint32_t	max_active;	/* over all switches, >= 1 */
	uint32_t	min_samples;	/* matching samples in the window, >= 1 */
	uint64_t	min_frames;	/* scaled frames in the window, 0: none */
};

/* What the caller knows about the pair and the budgets right now. */
struct ctl_policy_facts {
	int64_t		now_ms;
	int		covered;	/* an active/pending capture of the pair */
	int64_t		cooldown_until_ms; /* 0: none */
	uint64_t	window_samples;	/* this sample included */
	uint64_t	window_frames;	/* scaled, this sample included */
	uint32_t	active;		/* captures holding the global budget */
	uint32_t	switch_active;	/* ... on the agent's switch */
	uint32_t	switch_max;	/* 0: no switch known for the agent */
};

enum ctl_decision ctl_policy_decide(const struct ctl_policy *,
	    const struct ctl_policy_facts *);

/* A pending capture is approved: START, or the budget that refuses it. */
enum ctl_decision ctl_policy_approve(const struct ctl_policy *,
	    const struct ctl_policy_facts *);

/* Stable lower-case names for events, metrics and the API
 * ("match", "not_local", ...; "start", "pending", "covered", ...). */
const char *ctl_verdict_name(enum ctl_verdict);
const char *ctl_decision_name(enum ctl_decision);

/* ---- the pairs: thresholds and cooldowns ------------------------------ */

/*
 * What is remembered per (local, remote).  The window is a fixed window
 * that restarts with the first matching sample after it expired.
 */
struct ctl_pair {
	struct netaddr	local;
	struct netaddr	remote;
	struct ctl_match first;		/* the first match of this window */
	struct flow_key	first_key;	/* that sample's flow key */
	int64_t		first_ms;	/* its time */
	int64_t		window_start_ms;
	uint64_t	window_samples;
	uint64_t	window_frames;
	uint64_t	matches;	/* all matching samples ever */
	int64_t		cooldown_until_ms; /* 0: none */
	int		last_decision;	/* enum ctl_decision, or -1: none yet */
};

struct ctl_pairs_stats {
	size_t		pairs;
	size_t		max_pairs;
	uint64_t	evicted;	/* pushed out by newer pairs */
	uint64_t	evicted_cooling; /* ... while their cooldown still ran */
};

struct ctl_pairs;

/* At most max_pairs (>= 1) pairs; NULL when out of memory. */
struct ctl_pairs *ctl_pairs_new(size_t max_pairs);
void	ctl_pairs_free(struct ctl_pairs *);

/*
 * Account one matching sample: find or create the pair of m (evicting the
 * least recently matched pair when full, preferring pairs without a
 * running cooldown), restart its window if window_s have passed since it
 * started, add one sample and frames.  The pointer is valid until the
 * next call that may add a pair.  Never NULL.
 */
struct ctl_pair *ctl_pairs_note(struct ctl_pairs *, const struct ctl_match *m,
	    const struct flow_key *key, uint64_t frames, uint32_t window_s,
	    int64_t now_ms);

/* The pair, or NULL.  Valid like ctl_pairs_note's answer. */
struct ctl_pair *ctl_pairs_find(struct ctl_pairs *, const struct netaddr *local,
	    const struct netaddr *remote);

/* A capture of the pair ended: no new one before until_ms (creates the
 * pair if needed, so a cooldown survives a quiet spell). */
void	ctl_pairs_cooldown(struct ctl_pairs *, const struct netaddr *local,
	    const struct netaddr *remote, int64_t until_ms);

void	ctl_pairs_stats(const struct ctl_pairs *, struct ctl_pairs_stats *);

#endif /* FS_CTL_POLICY_H */
