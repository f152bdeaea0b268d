/*
 * ctl_lifecycle.c - a capture's life on the controller's side: requested
 * (pending in manual mode, else installing), active for `duration`
 * (extended while matching samples keep coming, never past
 * `max_duration`), then ended by expiry, by the API or at shutdown, with
 * a cooldown for its pair.  Every transition is an event and rewrites
 * the state file: the snapshot is taken CTL_STATE_DELAY_MS after the
 * change (so a burst costs one) and written by the state writer thread.
 * A capture whose switch has no rules client completes "installing" at
 * once.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl_daemon.h"
#include "json_flow.h"
#include "log.h"

void
ctl_jw_prefix(struct json_writer *w, const char *key,
    const struct netaddr *a, uint8_t plen)
{
	char buf[NETADDR_STRLEN + 8], addr[NETADDR_STRLEN];

	if (a->family == NETADDR_NONE)
		return;
	snprintf(buf, sizeof(buf), "%s/%u", netaddr_format(a, addr,
	    sizeof(addr)), plen);
	jw_str(w, key, buf);
}

void
ctl_jw_time(struct json_writer *w, const char *key, int64_t ms)
{
	char buf[96];	/* room for any int the compiler imagines */
	struct tm tm;
	time_t t;

	if (ms <= 0)
		return;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	jw_str(w, key, buf);
}

void
ctl_capture_json(struct json_writer *w, const struct ctl_capture *c,
    const struct ctl_config *cfg)
{
	jw_str(w, "id", c->id);
	jw_str(w, "state", ctl_capture_state_name(c->state));
	jw_addr(w, "local", &c->match.local);
	jw_addr(w, "remote", &c->match.remote);
	jw_addr(w, "agent", &c->match.agent);
	if (c->sw >= 0 && (size_t)c->sw < cfg->n_switches)
		jw_str(w, "switch", cfg->switches[c->sw].name);
	jw_bool(w, "manual", c->manual);
	if (!c->manual) {
		jw_object(w, "reason");
		jw_str(w, "group", c->match.group);
		jw_str(w, "list", c->match.list);
		jw_str(w, "label", c->match.label);
		ctl_jw_prefix(w, "entry", &c->match.prefix, c->match.plen);
		if (c->match.line > 0)
			jw_u64(w, "line", c->match.line);
		jw_object_end(w);
	}
	if (c->has_first_key) {
		jw_object(w, "first_flow");
		jw_flow_key_members(w, &c->first_key);
		jw_object_end(w);
	}
	ctl_jw_time(w, "created", c->created_ms);
	ctl_jw_time(w, "started", c->started_ms);
	if (c->state == CTL_CAP_ACTIVE) {
		ctl_jw_time(w, "expires", c->expires_ms);
		ctl_jw_time(w, "deadline", c->deadline_ms);
	}
	ctl_jw_time(w, "ended", c->ended_ms);
	jw_u64(w, "duration_s", (uint64_t)(c->duration_ms / 1000));
	jw_u64(w, "samples", c->samples);
	if (c->why[0] != '\0')
		jw_str(w, "why", c->why);
}

static void
capture_event(struct ctl_daemon *d, const char *type,
    const struct ctl_capture *c)
{
	struct json_writer *w = ctl_event_begin(d->events, type);

	jw_object(w, "capture");
	ctl_capture_json(w, c, d->cfg);
	jw_object_end(w);
	ctl_event_end(d->events);
	ctl_state_changed(d);
}

/* The rule is in place (or there is none to place): the capture runs. */
static void
arm(struct ctl_daemon *d, struct ctl_capture *c, int64_t now_ms)
{
	ctl_captures_set_state(d->captures, c, CTL_CAP_ACTIVE, now_ms, NULL);
	c->expires_ms = now_ms + c->duration_ms;
	c->deadline_ms = now_ms + (int64_t)d->cfg->capture.max_duration_s *
	    1000;
	if (c->expires_ms > c->deadline_ms)
		c->expires_ms = c->deadline_ms;
	capture_event(d, "capture_started", c);
	log_info("capture %s started%s", c->id, ctl_capture_has_rule(d, c) ?
	    "" : " (no rule: its switch has no rules client)");
}

static void
cool(struct ctl_daemon *d, const struct ctl_capture *c, int64_t now_ms)
{
	int64_t cooldown = (int64_t)d->cfg->capture.cooldown_s * 1000;

	if (cooldown > 0)
		ctl_pairs_cooldown(d->pairs, &c->match.local, &c->match.remote,
		    now_ms + cooldown);
}

/* why is cut to CTL_CAPTURE_WHY_MAX. */
static void
set_why(struct ctl_capture *c, const char *why)
{
	snprintf(c->why, sizeof(c->why), "%.*s", (int)sizeof(c->why) - 1, why);
}

/* End c for good as type ("capture_ended", "capture_failed"). */
static void
finish(struct ctl_daemon *d, struct ctl_capture *c,
    enum ctl_capture_state state, const char *type, const char *why,
    int64_t now_ms)
{
	const struct ctl_capture *done;
	char id[CTL_CAPTURE_ID_MAX], reason[CTL_CAPTURE_WHY_MAX];

	if (c->state != CTL_CAP_PENDING)
		cool(d, c, now_ms);
	snprintf(id, sizeof(id), "%s", c->id);
	snprintf(reason, sizeof(reason), "%s", why != NULL ? why : "");
	if (state == CTL_CAP_FAILED)
		log_warnx("capture %s failed: %s", id, reason);
	else
		log_info("capture %s ended: %s", id, reason);
	ctl_captures_set_state(d->captures, c, state, now_ms, reason);
	/* c is a free slot now: the finished record is in the ring. */
	if ((done = ctl_captures_get(d->captures, id)) != NULL)
		capture_event(d, type, done);
}

static void
activate(struct ctl_daemon *d, struct ctl_capture *c, int64_t now_ms)
{
	char err[256], why[512];	/* cut to CTL_CAPTURE_WHY_MAX when stored */

	if (!ctl_capture_has_rule(d, c)) {
		arm(d, c, now_ms);
		return;
	}
	/* Installing until the switch has compiled the rule. */
	if (ctl_rule_install(d, c, err, sizeof(err)) == -1) {
		snprintf(why, sizeof(why), "rule not installed: %s", err);
		finish(d, c, CTL_CAP_FAILED, "capture_failed", why, now_ms);
	}
}

void
ctl_capture_installed(struct ctl_daemon *d, struct ctl_capture *c, int ok,
    const char *error, int64_t now_ms)
{
	char why[512];	/* cut to CTL_CAPTURE_WHY_MAX when stored */

	if (ok) {
		arm(d, c, now_ms);
		return;
	}
	snprintf(why, sizeof(why), "rule not installed: %s", error);
	/*
	 * What failed may still be on the switch: an ACL that does not
	 * compile (acl_server keeps the file, and every later compile of the
	 * switch fails on it), or a PUT that went through before the answer
	 * was lost.  It comes off before the capture counts as failed.
	 */
	c->install_failed = 1;
	set_why(c, why);
	ctl_captures_set_state(d->captures, c, CTL_CAP_REMOVING, now_ms, NULL);
	capture_event(d, "capture_removing", c);
	if (ctl_rule_remove(d, c) == -1)
		finish(d, c, CTL_CAP_FAILED, "capture_failed", why, now_ms);
}

void
ctl_capture_removed(struct ctl_daemon *d, struct ctl_capture *c, int ok,
    const char *error, int64_t now_ms)
{
	char why[512];	/* cut to CTL_CAPTURE_WHY_MAX when stored */

	if (ok) {
		snprintf(why, sizeof(why), "%s", c->why);
		if (c->install_failed)
			finish(d, c, CTL_CAP_FAILED, "capture_failed", why,
			    now_ms);
		else
			finish(d, c, CTL_CAP_DONE, "capture_ended", why,
			    now_ms);
		return;
	}
	/* The rule may still be on the switch: the capture stays removing
	 * (holding its switch's budget, and in the state file) and the tick
	 * tries again; SIGTERM tries once more, and after it the next start
	 * does. */
	log_warnx("capture %s: rule not removed (%s); trying again in %d s",
	    c->id, error, CTL_REMOVE_RETRY_MS / 1000);
	c->retry_ms = now_ms + CTL_REMOVE_RETRY_MS;
	ctl_state_changed(d);
}

static void
count_in_flight(void *ctx, struct ctl_capture *c)
{
	uint32_t *n = ctx;

	if (c->state == CTL_CAP_REMOVING && c->retry_ms == 0)
		(*n)++;
}

uint32_t
ctl_captures_removing(struct ctl_daemon *d, int in_flight)
{
	struct ctl_captures_stats st;
	uint32_t n = 0;

	if (in_flight) {
		ctl_captures_foreach_live(d->captures, count_in_flight, &n);
		return n;
	}
	ctl_captures_stats(d->captures, &st);
	return (uint32_t)st.by_state[CTL_CAP_REMOVING];
}

static size_t
pending_count(const struct ctl_daemon *d)
{
	struct ctl_captures_stats st;

	ctl_captures_stats(d->captures, &st);
	return st.by_state[CTL_CAP_PENDING];
}

/* The budgets a capture on switch sw would take from. */
static enum ctl_decision
budgets(struct ctl_daemon *d, int32_t sw, int64_t now_ms)
{
	struct ctl_policy_facts facts;

	memset(&facts, 0, sizeof(facts));
	facts.now_ms = now_ms;
	facts.active = ctl_captures_holding(d->captures, -1);
	if (sw >= 0 && (size_t)sw < d->cfg->n_switches) {
		facts.switch_active = ctl_captures_holding(d->captures, sw);
		facts.switch_max = d->cfg->switches[sw].max_active;
	}
	return ctl_policy_approve(&d->policy, &facts);
}

static struct ctl_capture *
refuse(struct ctl_daemon *d, const struct ctl_match *m, const char *reason,
    const char **why)
{
	struct json_writer *w;
	char l[NETADDR_STRLEN], r[NETADDR_STRLEN];

	d->counters.captures_refused++;
	w = ctl_event_begin(d->events, "capture_refused");
	jw_addr(w, "local", &m->local);
	jw_addr(w, "remote", &m->remote);
	jw_str(w, "why", reason);
	ctl_event_end(d->events);
	log_warnx("capture of %s <-> %s refused: %s",
	    netaddr_format(&m->local, l, sizeof(l)),
	    netaddr_format(&m->remote, r, sizeof(r)), reason);
	if (why != NULL)
		*why = reason;
	return NULL;
}

struct ctl_capture *
ctl_capture_request(struct ctl_daemon *d, enum ctl_decision dec,
    const struct ctl_match *m, const struct flow_key *first_key, int manual,
    int64_t duration_ms, int64_t when_ms, const char **why)
{
	enum ctl_capture_state state = dec == CTL_DECIDE_PENDING ?
	    CTL_CAP_PENDING : CTL_CAP_INSTALLING;
	int32_t sw = ctl_config_switch_of_agent(d->cfg, &m->agent);
	int64_t now_ms = ctl_now_ms();
	enum ctl_decision budget;
	struct ctl_capture *c;
	char l[NETADDR_STRLEN], r[NETADDR_STRLEN];

	/* The policy checked the budgets of a match; a hand is checked here. */
	if (manual && state == CTL_CAP_INSTALLING &&
	    (budget = budgets(d, sw, now_ms)) != CTL_DECIDE_START)
		return refuse(d, m, ctl_decision_name(budget), why);
	if (state == CTL_CAP_PENDING && pending_count(d) >= CTL_MAX_PENDING)
		return refuse(d, m, "no free capture slot", why);
	c = ctl_captures_create(d->captures, state, m, first_key, sw, manual,
	    when_ms > 0 ? when_ms : now_ms);
	if (c == NULL)
		return refuse(d, m, "no free capture slot", why);
	c->duration_ms = duration_ms > 0 ? duration_ms :
	    (int64_t)d->cfg->capture.duration_s * 1000;
	log_info("capture %s of %s <-> %s requested (%s%s%s)", c->id,
	    netaddr_format(&m->local, l, sizeof(l)),
	    netaddr_format(&m->remote, r, sizeof(r)),
	    manual ? "by hand" : "list ", manual ? "" : m->list,
	    state == CTL_CAP_PENDING ? ", waiting for approval" : "");
	capture_event(d, state == CTL_CAP_PENDING ? "capture_pending" :
	    "capture_requested", c);
	if (state == CTL_CAP_INSTALLING)
		activate(d, c, now_ms);
	return c;
}

int
ctl_capture_approve(struct ctl_daemon *d, struct ctl_capture *c,
    int64_t now_ms, enum ctl_decision *why)
{
	enum ctl_decision dec = budgets(d, c->sw, now_ms);

	if (why != NULL)
		*why = dec;
	if (dec != CTL_DECIDE_START)
		return -1;
	ctl_captures_set_state(d->captures, c, CTL_CAP_INSTALLING, now_ms,
	    NULL);
	capture_event(d, "capture_approved", c);
	activate(d, c, now_ms);
	return 0;
}

void
ctl_capture_end(struct ctl_daemon *d, struct ctl_capture *c,
    const char *why, int64_t now_ms)
{
	if (c->state == CTL_CAP_REMOVING)
		return;		/* already on its way out */
	if (c->state == CTL_CAP_PENDING || !ctl_capture_has_rule(d, c)) {
		finish(d, c, CTL_CAP_DONE, "capture_ended", why, now_ms);
		return;
	}
	/* The rule comes off first; done when the switch says so.  An
	 * install still in flight is removed when it answers. */
	snprintf(c->why, sizeof(c->why), "%s", why);
	ctl_captures_set_state(d->captures, c, CTL_CAP_REMOVING, now_ms,
	    NULL);
	capture_event(d, "capture_removing", c);
	if (ctl_rule_remove(d, c) == -1)
		finish(d, c, CTL_CAP_FAILED, "capture_failed",
		    "rule not removed: the request could not start", now_ms);
}

struct expire_walk {
	struct ctl_daemon	*d;
	int64_t			 now_ms;
};

static void
expire_one(void *ctx, struct ctl_capture *c)
{
	struct expire_walk *x = ctx;

	if (c->state == CTL_CAP_ACTIVE && c->expires_ms <= x->now_ms)
		ctl_capture_end(x->d, c, c->expires_ms >= c->deadline_ms ?
		    "reached max_duration" : "expired", x->now_ms);
	else if (c->state == CTL_CAP_REMOVING && c->retry_ms != 0 &&
	    c->retry_ms <= x->now_ms) {
		c->retry_ms = 0;
		if (!ctl_capture_has_rule(x->d, c))	/* its switch went */
			finish(x->d, c, CTL_CAP_FAILED, "capture_failed",
			    "rule not removed: its switch is no longer "
			    "configured", x->now_ms);
		else if (ctl_rule_remove(x->d, c) == -1)
			c->retry_ms = x->now_ms + CTL_REMOVE_RETRY_MS;
	}
}

void
ctl_lifecycle_tick(struct ctl_daemon *d, int64_t now_ms)
{
	struct expire_walk x = { d, now_ms };

	ctl_captures_foreach_live(d->captures, expire_one, &x);
	ctl_state_tick(d);
}
