/*
 * ctl_policy.c - the trigger policy: classify a flow sample from the
 * blacklist lookups of its two addresses, and decide whether a capture
 * starts.  Pure functions of their arguments, so that tables of cases
 * (tests/unit/test_ctl_policy.c) pin every rule and its precedence.
 *
 * Classification order (see ctl_policy.h for the rules themselves):
 *  1. an address of family NETADDR_NONE: no_address;
 *  2. an allow entry on either side: allowed.  Allow "wins over
 *     everything", so it is checked before locality too: the count of
 *     allowed samples is what the allow lists suppressed, whatever else
 *     the sample was;
 *  3. neither side in a local group: not_local;
 *  4. pick the remote side (the non-local one; of two local sides the
 *     watched one, the destination when both are watched);
 *  5. no watched entry covering remote: not_listed; otherwise match, with
 *     the longest watched prefix, ties to the group first in order.
 */
#include <string.h>

#include "ctl_policy.h"

static const char *const verdict_names[CTL_VERDICTS] = {
	[CTL_VERDICT_MATCH] = "match",
	[CTL_VERDICT_NO_ADDRESS] = "no_address",
	[CTL_VERDICT_NOT_LOCAL] = "not_local",
	[CTL_VERDICT_NOT_LISTED] = "not_listed",
	[CTL_VERDICT_ALLOWED] = "allowed",
};

static const char *const decision_names[CTL_DECISIONS] = {
	[CTL_DECIDE_START] = "start",
	[CTL_DECIDE_PENDING] = "pending",
	[CTL_DECIDE_COVERED] = "covered",
	[CTL_DECIDE_COOLDOWN] = "cooldown",
	[CTL_DECIDE_BELOW_THRESHOLD] = "below_threshold",
	[CTL_DECIDE_GLOBAL_BUDGET] = "global_budget",
	[CTL_DECIDE_SWITCH_BUDGET] = "switch_budget",
};

/* Copy s (NULL: "") into dst[size], cut and always terminated. */
static void
copy_string(char *dst, size_t size, const char *s)
{
	size_t n;

	if (s == NULL)
		s = "";
	n = strnlen(s, size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int
has_kind(const struct bl_match *m, size_t n, enum bl_group_kind kind)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].kind == kind)
			return 1;
	return 0;
}

/*
 * The watched entry to report: the longest prefix; on a tie the lower
 * group index.  bl_table_lookup gives matches in group order already, but
 * comparing the index keeps the rule independent of the array's order.
 */
static const struct bl_match *
best_watch(const struct bl_match *m, size_t n)
{
	const struct bl_match *best = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (m[i].kind != BL_GROUP_WATCH)
			continue;
		if (best == NULL || m[i].plen > best->plen ||
		    (m[i].plen == best->plen && m[i].group < best->group))
			best = &m[i];
	}
	return best;
}

enum ctl_verdict
ctl_policy_classify(const struct netaddr *agent, const struct netaddr *src,
    const struct netaddr *dst, const struct bl_match *src_matches,
    size_t n_src, const struct bl_match *dst_matches, size_t n_dst,
    struct ctl_match *out)
{
	const struct bl_match *w, *src_watch, *dst_watch;
	int src_local, dst_local, local_is_src;

	if (src == NULL || dst == NULL || src->family == NETADDR_NONE ||
	    dst->family == NETADDR_NONE)
		return CTL_VERDICT_NO_ADDRESS;
	if (src_matches == NULL)
		n_src = 0;
	if (dst_matches == NULL)
		n_dst = 0;
	if (has_kind(src_matches, n_src, BL_GROUP_ALLOW) ||
	    has_kind(dst_matches, n_dst, BL_GROUP_ALLOW))
		return CTL_VERDICT_ALLOWED;

	src_local = has_kind(src_matches, n_src, BL_GROUP_LOCAL);
	dst_local = has_kind(dst_matches, n_dst, BL_GROUP_LOCAL);
	if (!src_local && !dst_local)
		return CTL_VERDICT_NOT_LOCAL;

	src_watch = best_watch(src_matches, n_src);
	dst_watch = best_watch(dst_matches, n_dst);
	if (src_local && dst_local)
		/* An internal host on a list; both listed: the destination. */
		local_is_src = dst_watch != NULL || src_watch == NULL;
	else
		local_is_src = src_local;
	w = local_is_src ? dst_watch : src_watch;
	if (w == NULL)
		return CTL_VERDICT_NOT_LISTED;
	if (out == NULL)
		return CTL_VERDICT_MATCH;

	memset(out, 0, sizeof(*out));
	out->local = local_is_src ? *src : *dst;
	out->remote = local_is_src ? *dst : *src;
	if (agent != NULL)
		out->agent = *agent;
	out->prefix = w->prefix;
	out->plen = w->plen;
	out->local_is_src = (uint8_t)local_is_src;
	out->line = w->line;
	copy_string(out->group, sizeof(out->group), w->group_name);
	copy_string(out->list, sizeof(out->list), w->list);
	copy_string(out->label, sizeof(out->label), w->label);
	return CTL_VERDICT_MATCH;
}

/* The budgets, shared by decide (auto mode) and approve. */
static enum ctl_decision
budget(const struct ctl_policy *p, const struct ctl_policy_facts *f)
{
	if (f->active >= p->max_active)
		return CTL_DECIDE_GLOBAL_BUDGET;
	if (f->switch_max > 0 && f->switch_active >= f->switch_max)
		return CTL_DECIDE_SWITCH_BUDGET;
	return CTL_DECIDE_START;
}

enum ctl_decision
ctl_policy_decide(const struct ctl_policy *p, const struct ctl_policy_facts *f)
{
	if (f->covered)
		return CTL_DECIDE_COVERED;
	if (f->cooldown_until_ms != 0 && f->now_ms < f->cooldown_until_ms)
		return CTL_DECIDE_COOLDOWN;
	if (f->window_samples < p->min_samples ||
	    (p->min_frames > 0 && f->window_frames < p->min_frames))
		return CTL_DECIDE_BELOW_THRESHOLD;
	if (p->mode == CTL_MODE_MANUAL)
		return CTL_DECIDE_PENDING;
	return budget(p, f);
}

enum ctl_decision
ctl_policy_approve(const struct ctl_policy *p, const struct ctl_policy_facts *f)
{
	return budget(p, f);
}

const char *
ctl_verdict_name(enum ctl_verdict v)
{
	if ((unsigned)v >= CTL_VERDICTS)
		return "unknown";
	return verdict_names[v];
}

const char *
ctl_decision_name(enum ctl_decision d)
{
	if ((unsigned)d >= CTL_DECISIONS)
		return "unknown";
	return decision_names[d];
}
