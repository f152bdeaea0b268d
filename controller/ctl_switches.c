/*
 * ctl_switches.c - the controller's side of the switches: one rules
 * client per configured switch (rules/rules.h), and the three things the
 * capture lifecycle asks of it: install a capture's rule, remove it, and
 * at start-up reconcile with what each switch holds: remove the rules of
 * ours that no live capture holds, read back those of the active ones
 * (and install again what a rebooted switch lost).
 *
 * Callbacks find their capture again by the ACL name (rule_prefix + id),
 * never by a pointer: a capture may end while its request is in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_daemon.h"
#include "json_flow.h"
#include "log.h"
#include "rules.h"

#define PASSWORD_MAX	256

/* The first line of a password file (0), or -1 with why in err. */
static int
read_password(const char *path, char *buf, size_t size, char *err,
    size_t errlen)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static void	set_free(struct ctl_switch_rt *, size_t);

/* A client per switch of cfg into *out (n of them); -1 with err. */
static int
set_build(struct ctl_daemon *d, const struct ctl_config *cfg,
    struct ctl_switch_rt **out, size_t *n, char *err, size_t errlen)
{
	struct ctl_switch_rt *sw;
	struct rule_client_opts o;
	char password[PASSWORD_MAX], why[256];
	const char *env;
	size_t i;

	*out = NULL;
	*n = 0;
	if (cfg->n_switches == 0)
		return 0;
	if ((sw = calloc(cfg->n_switches, sizeof(*sw))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < cfg->n_switches; i++) {
		const struct ctl_switch *s = &cfg->switches[i];
		const char *backend = s->backend == CTL_BACKEND_OVS ? "ovs" :
		    "cumulus-acl";

		sw[i].d = d;
		sw[i].index = i;
		if ((sw[i].ops = rule_backend_find(backend)) == NULL) {
			log_warnx("switch %s: backend %s is not available; "
			    "its captures run without a rule", s->name,
			    backend);
			continue;
		}
		memset(&o, 0, sizeof(o));
		password[0] = '\0';
		if (s->password_file != NULL && read_password(s->password_file,
		    password, sizeof(password), why, sizeof(why)) == -1) {
			snprintf(err, errlen, "switch %s: password_file %s",
			    s->name, why);
			set_free(sw, cfg->n_switches);
			return -1;
		}
		if (s->password_env != NULL) {
			if ((env = getenv(s->password_env)) == NULL) {
				snprintf(err, errlen, "switch %s: %s is not "
				    "set", s->name, s->password_env);
				set_free(sw, cfg->n_switches);
				return -1;
			}
			snprintf(password, sizeof(password), "%s", env);
		}
		/* cumulus-acl: the REST base URL; ovs: the OpenFlow target. */
		o.base_url = s->url;
		o.allow_http = 1;	/* the config accepts http:// here */
		o.user = s->user;
		o.password = s->user != NULL ? password : NULL;
		o.ca_file = s->ca_file;
		o.pin = s->pin;
		o.timeout_ms = s->timeout_s * 1000;
		o.retries = s->retries;
		o.retries_set = 1;
		o.concurrency = s->concurrency;
		o.ovs_mirror_port = s->mirror_port;
		o.ovs_priority = s->priority;
		o.ovs_ofctl = s->ofctl;
		sw[i].client = sw[i].ops->client_new(d->base, &o, why,
		    sizeof(why));
		explicit_bzero(password, sizeof(password));
		if (sw[i].client == NULL) {
			snprintf(err, errlen, "switch %s: %s", s->name, why);
			set_free(sw, cfg->n_switches);
			return -1;
		}
	}
	*out = sw;
	*n = cfg->n_switches;
	return 0;
}

int
ctl_switches_start(struct ctl_daemon *d, char *err, size_t errlen)
{
	return set_build(d, d->cfg, &d->sw, &d->n_sw, err, errlen);
}

static size_t
set_busy(const struct ctl_switch_rt *sw, size_t n)
{
	size_t i, busy = 0;

	for (i = 0; i < n; i++)
		if (sw[i].client != NULL)
			busy += sw[i].ops->busy(sw[i].client);
	return busy;
}

static void
set_free(struct ctl_switch_rt *sw, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sw[i].client != NULL)
			sw[i].ops->client_free(sw[i].client);
	free(sw);
}

void
ctl_switches_stop(struct ctl_daemon *d)
{
	size_t i;

	set_free(d->sw, d->n_sw);
	d->sw = NULL;
	d->n_sw = 0;
	for (i = 0; i < d->n_sw_retired; i++)
		set_free(d->sw_retired[i].sw, d->sw_retired[i].n);
	d->n_sw_retired = 0;
}

/*
 * A reload, in two steps so that nothing changes unless all of it works:
 * prepare builds clients for the new config's switches: list (order,
 * URLs, credentials may all have changed) aside; adopt puts them in
 * place.  The old set keeps its requests in flight (their callbacks find
 * captures by name, not by client) and is freed by ctl_switches_reap once
 * idle.
 */
int
ctl_switches_prepare(struct ctl_daemon *d, const struct ctl_config *cfg,
    struct ctl_switches_next *next, char *err, size_t errlen)
{
	return set_build(d, cfg, &next->sw, &next->n, err, errlen);
}

void
ctl_switches_discard(struct ctl_switches_next *next)
{
	set_free(next->sw, next->n);
	next->sw = NULL;
	next->n = 0;
}

void
ctl_switches_adopt(struct ctl_daemon *d, struct ctl_switches_next *next)
{
	struct ctl_switch_rt *old = d->sw;
	size_t n_old = d->n_sw;

	d->sw = next->sw;
	d->n_sw = next->n;
	next->sw = NULL;
	next->n = 0;
	if (set_busy(old, n_old) == 0 ||
	    d->n_sw_retired == CTL_MAX_RETIRED) {
		/* Idle (or too many waiting): abandons what is left. */
		set_free(old, n_old);
		return;
	}
	d->sw_retired[d->n_sw_retired].sw = old;
	d->sw_retired[d->n_sw_retired].n = n_old;
	d->n_sw_retired++;
}

void
ctl_switches_reap(struct ctl_daemon *d)
{
	size_t i = 0;

	while (i < d->n_sw_retired) {
		if (set_busy(d->sw_retired[i].sw, d->sw_retired[i].n) > 0) {
			i++;
			continue;
		}
		set_free(d->sw_retired[i].sw, d->sw_retired[i].n);
		d->sw_retired[i] = d->sw_retired[--d->n_sw_retired];
	}
}

/* The client of capture c's switch, or NULL: no rule for it. */
static struct ctl_switch_rt *
switch_of(struct ctl_daemon *d, const struct ctl_capture *c)
{
	if (c->sw < 0 || (size_t)c->sw >= d->n_sw ||
	    d->sw[c->sw].client == NULL)
		return NULL;
	return &d->sw[c->sw];
}

int
ctl_capture_has_rule(struct ctl_daemon *d, const struct ctl_capture *c)
{
	return switch_of(d, c) != NULL;
}

/* The live capture an ACL name stands for, or NULL. */
static struct ctl_capture *
capture_of(struct ctl_daemon *d, const char *name)
{
	size_t n = strlen(d->cfg->capture.rule_prefix);

	if (strncmp(name, d->cfg->capture.rule_prefix, n) != 0)
		return NULL;
	return ctl_captures_live(d->captures, name + n);
}

static void
rule_event(struct ctl_daemon *d, const char *type,
    const struct rule_result *r)
{
	struct json_writer *w = ctl_event_begin(d->events, type);

	jw_str(w, "acl", r->name);
	jw_str(w, "status", rule_status_name(r->status));
	if (r->http_code != 0)
		jw_u64(w, "http_code", (uint64_t)r->http_code);
	jw_u64(w, "attempts", r->attempts);
	if (r->error[0] != '\0')
		jw_str(w, "error", r->error);
	ctl_event_end(d->events);
}

static void
on_installed(void *arg, const struct rule_result *r)
{
	struct ctl_daemon *d = arg;
	struct ctl_capture *c = capture_of(d, r->name);

	rule_event(d, "rule_installed", r);
	if (c == NULL || c->state != CTL_CAP_INSTALLING) {
		/* Ended while installing: make sure nothing stays. */
		if (c != NULL && c->state == CTL_CAP_REMOVING &&
		    r->status == RULE_OK)
			ctl_rule_remove(d, c);
		return;
	}
	ctl_capture_installed(d, c, r->status == RULE_OK, r->error,
	    ctl_now_ms());
}

static void
on_removed(void *arg, const struct rule_result *r)
{
	struct ctl_daemon *d = arg;
	struct ctl_capture *c = capture_of(d, r->name);

	rule_event(d, "rule_removed", r);
	if (c == NULL || c->state != CTL_CAP_REMOVING)
		return;
	ctl_capture_removed(d, c, r->status == RULE_OK, r->error,
	    ctl_now_ms());
}

/* The rule of c, from its values only. */
static int
rule_of(struct ctl_daemon *d, const struct ctl_capture *c,
    struct rule_capture *rc, char *name, size_t size, char *err,
    size_t errlen)
{
	const struct ctl_switch *s = &d->cfg->switches[c->sw];

	memset(rc, 0, sizeof(*rc));
	rc->local = c->match.local;
	rc->remote = c->match.remote;
	rc->erspan_src = s->erspan_source.family != NETADDR_NONE ?
	    s->erspan_source : s->agents[0];
	rc->receiver = d->cfg->capture.receiver;
	snprintf(rc->in_interface, sizeof(rc->in_interface), "%s",
	    s->in_interface);
	return rule_name_build(d->cfg->capture.rule_prefix, c->id, name, size,
	    err, errlen);
}

int
ctl_rule_install(struct ctl_daemon *d, struct ctl_capture *c, char *err,
    size_t errlen)
{
	struct ctl_switch_rt *sw = switch_of(d, c);
	struct rule_capture rc;
	char name[RULE_NAME_MAX + 1];

	if (sw == NULL) {
		snprintf(err, errlen, "no rule client for this switch");
		return -1;
	}
	if (rule_of(d, c, &rc, name, sizeof(name), err, errlen) == -1)
		return -1;
	return sw->ops->install(sw->client, name, &rc, on_installed, d, err,
	    errlen);
}

int
ctl_rule_remove(struct ctl_daemon *d, struct ctl_capture *c)
{
	struct ctl_switch_rt *sw = switch_of(d, c);
	struct rule_capture rc;
	char name[RULE_NAME_MAX + 1], err[256];

	if (sw == NULL)
		return -1;
	if (rule_of(d, c, &rc, name, sizeof(name), err, sizeof(err)) == -1 ||
	    sw->ops->remove(sw->client, name, on_removed, d, err,
	    sizeof(err)) == -1) {
		log_warnx("capture %s: cannot remove its rule: %s", c->id,
		    err);
		return -1;
	}
	return 0;
}

/* ---- start-up: remove what no live capture holds, verify the rest --- */

static void
on_reinstalled(void *arg, const struct rule_result *r)
{
	struct ctl_daemon *d = arg;
	struct ctl_capture *c = capture_of(d, r->name);
	char why[512];	/* cut to CTL_CAPTURE_WHY_MAX when stored */

	rule_event(d, "rule_reinstalled", r);
	if (c == NULL || c->state != CTL_CAP_ACTIVE || r->status == RULE_OK)
		return;
	snprintf(why, sizeof(why), "rule lost on the switch and not "
	    "installed again: %s", r->error);
	ctl_capture_end(d, c, why, ctl_now_ms());
}

static void
on_verified(void *arg, const struct rule_result *r)
{
	struct ctl_daemon *d = arg;
	struct ctl_capture *c = capture_of(d, r->name);
	struct ctl_switch_rt *sw;
	struct rule_capture rc;
	char name[RULE_NAME_MAX + 1], err[256], why[512];

	rule_event(d, "rule_verified", r);
	if (c == NULL || c->state != CTL_CAP_ACTIVE)
		return;
	switch (r->status) {
	case RULE_OK:
		log_info("capture %s: rule %s is on the switch", c->id,
		    r->name);
		return;
	case RULE_ERROR:
		/* Unreachable now: the capture runs on, and its removal at
		 * expiry retries like any other. */
		log_warnx("capture %s: rule %s not verified: %s", c->id,
		    r->name, r->error);
		return;
	case RULE_COMPILE_FAILED:
		snprintf(why, sizeof(why), "rule does not compile on the "
		    "switch: %s", r->error);
		ctl_capture_end(d, c, why, ctl_now_ms());
		return;
	case RULE_ABSENT:
	case RULE_MISMATCH:
		break;
	}
	/* The switch lost it (a reboot) or holds other lines: put ours
	 * back; the capture keeps its times. */
	log_warnx("capture %s: rule %s is %s on the switch; installing it "
	    "again", c->id, r->name, rule_status_name(r->status));
	if ((sw = switch_of(d, c)) == NULL ||
	    rule_of(d, c, &rc, name, sizeof(name), err, sizeof(err)) == -1 ||
	    sw->ops->install(sw->client, name, &rc, on_reinstalled, d, err,
	    sizeof(err)) == -1) {
		snprintf(why, sizeof(why), "rule lost on the switch and not "
		    "installed again: %s", sw == NULL ? "no client" : err);
		ctl_capture_end(d, c, why, ctl_now_ms());
	}
}

/* The periodic read-back: only what is wrong makes an event. */
static void
on_rechecked(void *arg, const struct rule_result *r)
{
	if (r->status != RULE_OK)
		on_verified(arg, r);
}

/* Read back the rule of an active capture of switch sw. */
static void
verify_rule(struct ctl_switch_rt *sw, struct ctl_capture *c,
    rule_done_cb *cb)
{
	struct ctl_daemon *d = sw->d;
	struct rule_capture rc;
	char name[RULE_NAME_MAX + 1], err[256];

	if (c->state != CTL_CAP_ACTIVE || c->sw != (int32_t)sw->index)
		return;
	if (rule_of(d, c, &rc, name, sizeof(name), err, sizeof(err)) == -1 ||
	    sw->ops->verify(sw->client, name, &rc, cb, d, err,
	    sizeof(err)) == -1)
		log_warnx("capture %s: cannot verify its rule: %s", c->id,
		    err);
}

static void
verify_one(void *ctx, struct ctl_capture *c)
{
	verify_rule(ctx, c, on_verified);
}

static void
recheck_one(void *ctx, struct ctl_capture *c)
{
	verify_rule(ctx, c, on_rechecked);
}

static void
on_orphan_removed(void *arg, const struct rule_result *r)
{
	struct ctl_daemon *d = arg;

	rule_event(d, "rule_orphan_removed", r);
	if (r->status != RULE_OK)
		log_warnx("orphaned rule %s: not removed: %s", r->name,
		    r->error);
	else
		log_info("orphaned rule %s removed", r->name);
}

static void
on_listed(void *arg, const struct rule_result *r)
{
	struct ctl_switch_rt *sw = arg;
	struct ctl_daemon *d = sw->d;
	const char *prefix = d->cfg->capture.rule_prefix;
	struct ctl_capture *c;
	char err[256];
	size_t i;

	if (r->status != RULE_OK) {
		log_warnx("switch %s: cannot list its rules (trying again in "
		    "%d s): %s", d->cfg->switches[sw->index].name,
		    CTL_RELIST_MS / 1000, r->error);
		sw->relist_ms = ctl_now_ms() + CTL_RELIST_MS;
		return;
	}
	sw->relist_ms = 0;
	for (i = 0; i < r->n_names; i++) {
		/* Only ours: names with our prefix, never anyone else's. */
		if (strncmp(r->names[i], prefix, strlen(prefix)) != 0)
			continue;
		c = capture_of(d, r->names[i]);
		if (c != NULL && c->sw == (int32_t)sw->index &&
		    c->state != CTL_CAP_PENDING)
			continue;
		if (sw->ops->remove(sw->client, r->names[i], on_orphan_removed,
		    d, err, sizeof(err)) == -1)
			log_warnx("orphaned rule %s: %s", r->names[i], err);
	}
	ctl_captures_foreach_live(d->captures, verify_one, sw);
}

static void
relist(struct ctl_switch_rt *sw)
{
	char err[256];

	sw->relist_ms = 0;
	if (sw->ops->list(sw->client, on_listed, sw, err, sizeof(err)) == -1) {
		log_warnx("switch %s: %s", sw->d->cfg->switches[sw->index].name,
		    err);
		sw->relist_ms = ctl_now_ms() + CTL_RELIST_MS;
	}
}

void
ctl_switches_reconcile(struct ctl_daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_sw; i++)
		if (d->sw[i].client != NULL)
			relist(&d->sw[i]);
}

/*
 * A switch that could not be listed at start-up is listed again until it
 * answers: orphans left while it was unreachable are still ours to remove.
 * Every capture.verify_interval the rules of active captures are read
 * back: a switch that rebooted, or an OVS that restarted, has lost them
 * while the captures run on, and nothing else would notice.  A switch
 * still busy with earlier requests is skipped until the next round.
 */
void
ctl_switches_tick(struct ctl_daemon *d, int64_t now_ms)
{
	int64_t every = (int64_t)d->cfg->capture.verify_interval_s * 1000;
	struct ctl_switch_rt *sw;
	size_t i;

	if (d->stopping)
		return;
	for (i = 0; i < d->n_sw; i++) {
		sw = &d->sw[i];
		if (sw->client == NULL)
			continue;
		if (sw->relist_ms != 0 && sw->relist_ms <= now_ms)
			relist(sw);
		if (every == 0)
			continue;
		if (sw->reverify_ms == 0)
			sw->reverify_ms = now_ms + every;
		if (sw->reverify_ms > now_ms)
			continue;
		sw->reverify_ms = now_ms + every;
		if (sw->ops->busy(sw->client) == 0)
			ctl_captures_foreach_live(d->captures, recheck_one, sw);
	}
}
