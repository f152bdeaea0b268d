/*
 * ctl_daemon.c - the controller daemon's skeleton: start-up in the order
 * that lets it drop privileges (config, sockets, files, then the user),
 * the signals (SIGHUP reload, SIGTERM/SIGINT shutdown), the 1 s tick, and
 * a reload that builds everything new aside and swaps only when all of it
 * worked.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl_daemon.h"
#include "daemon_loop.h"
#include "httpd.h"
#include "json_flow.h"
#include "log.h"

#define STATE_FILE	"captures.json"

int64_t
ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
ctl_daemon_policy(const struct ctl_config *cfg, struct ctl_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = cfg->controller.mode;
	p->max_active = cfg->capture.max_active;
	p->min_samples = cfg->capture.min_samples;
	p->min_frames = cfg->capture.min_frames;
}

/* ---- listeners ---------------------------------------------------------- */

static int
same_listen(const struct ctl_listen *a, const struct ctl_listen *b)
{
	return a->port == b->port && netaddr_compare(&a->addr, &b->addr) == 0;
}

/*
 * Open the listeners of cfg, keeping those of the running set that are
 * still wanted (a reload must not drop datagrams on sockets it keeps).
 * On failure nothing of the running set is touched.
 */
static int
listeners_open(struct ctl_daemon *d, const struct ctl_config *cfg,
    char *err, size_t errlen)
{
	const struct ctl_controller_config *c = &cfg->controller;
	struct ctl_listener *next[CTL_MAX_LISTEN] = { NULL };
	int keep[CTL_MAX_LISTEN] = { 0 };
	char e[256], a[CTL_VALUE_STRLEN];
	size_t i, j;

	for (i = 0; i < c->n_sflow_listen; i++) {
		for (j = 0; j < d->n_listeners; j++)
			if (d->listeners[j] != NULL && !keep[j] &&
			    same_listen(ctl_listener_addr(d->listeners[j]),
			    &c->sflow_listen[i]))
				break;
		if (j < d->n_listeners) {
			next[i] = d->listeners[j];
			keep[j] = 1;
			continue;
		}
		next[i] = ctl_listener_new(d->base, &c->sflow_listen[i],
		    c->sflow_rcvbuf, ctl_ingest_datagram, d, e, sizeof(e));
		if (next[i] == NULL) {
			snprintf(err, errlen, "sflow_listen %s: %s",
			    ctl_format_listen(&c->sflow_listen[i], a,
			    sizeof(a)), e);
			for (j = 0; j < i; j++) {
				size_t k;
				int kept = 0;

				for (k = 0; k < d->n_listeners; k++)
					kept |= next[j] == d->listeners[k];
				if (!kept)
					ctl_listener_free(next[j]);
			}
			return -1;
		}
	}
	for (j = 0; j < d->n_listeners; j++)
		if (!keep[j])
			ctl_listener_free(d->listeners[j]);
	memcpy(d->listeners, next, sizeof(next));
	d->n_listeners = c->n_sflow_listen;
	for (i = 0; i < d->n_listeners; i++) {
		struct ctl_listener_stats st;

		ctl_listener_stats(d->listeners[i], &st);
		log_info("sFlow on %s (udp port %u, receive buffer %llu bytes)",
		    ctl_format_listen(ctl_listener_addr(d->listeners[i]), a,
		    sizeof(a)), ctl_listener_port(d->listeners[i]),
		    (unsigned long long)st.rcvbuf);
	}
	return 0;
}

static void
listeners_close(struct ctl_daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_listeners; i++)
		ctl_listener_free(d->listeners[i]);
	d->n_listeners = 0;
}

/* ---- signals and the tick ---------------------------------------------- */

static void
on_tick(void *arg)
{
	ctl_lifecycle_tick(arg, ctl_now_ms());
	ctl_tables_reap(arg);
	ctl_switches_reap(arg);
	ctl_switches_tick(arg, ctl_now_ms());
}

static void
on_reload(void *arg)
{
	ctl_daemon_reload(arg);
}

static void
on_stop(void *arg)
{
	ctl_daemon_stop(arg);
}

static const struct daemon_loop_ops loop_ops = { on_reload, on_stop,
    on_tick };

/* ---- state -------------------------------------------------------------- */

static int
mkdirs(const char *path)
{
	char buf[1024], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0750) == -1 && errno != EEXIST ? -1 : 0;
}

/*
 * The state of the last run: the next capture id, and the captures that
 * were live when it stopped without ending them (a crash).  They are
 * taken back with their ids and times, so an active one runs to its
 * expiry; the switch side reconciles their rules at start-up.
 */
static int
state_load(struct ctl_daemon *d, char *err, size_t errlen)
{
	const struct ctl_config *cfg = d->cfg;
	struct ctl_capture *left = NULL;
	struct json_writer *w;
	uint64_t next_seq = 1;
	size_t n = 0, i, back = 0;
	int rc;

	snprintf(d->state_path, sizeof(d->state_path), "%s/%s",
	    cfg->controller.state_dir, STATE_FILE);
	rc = ctl_captures_load(d->state_path, &next_seq, &left, &n, err,
	    errlen);
	if (rc == -1)
		return -1;
	d->captures = ctl_captures_new(cfg->capture.max_active +
	    CTL_MAX_PENDING, CTL_KEEP_DONE, next_seq);
	if (d->captures == NULL) {
		free(left);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* A switch index from another configuration means nothing. */
		if (left[i].sw >= 0 && (size_t)left[i].sw >= cfg->n_switches)
			left[i].sw = -1;
		if (ctl_captures_restore(d->captures, &left[i]) != NULL) {
			back++;
			continue;
		}
		w = ctl_event_begin(d->events, "capture_orphaned");
		jw_object(w, "capture");
		ctl_capture_json(w, &left[i], cfg);
		jw_object_end(w);
		ctl_event_end(d->events);
	}
	if (n > 0)
		log_warnx("%zu captures of the previous run did not end "
		    "cleanly; %zu taken back", n, back);
	free(left);
	return 0;
}

/* ---- start, stop ------------------------------------------------------ */

/* A capture taken back from the state file in the middle of a change. */
static void
resume(void *ctx, struct ctl_capture *c)
{
	struct ctl_daemon *d = ctx;
	char err[256];

	if (!ctl_capture_has_rule(d, c))
		return;
	if (c->state == CTL_CAP_INSTALLING &&
	    ctl_rule_install(d, c, err, sizeof(err)) == -1)
		log_warnx("capture %s: %s", c->id, err);
	else if (c->state == CTL_CAP_REMOVING)
		ctl_rule_remove(d, c);
}

int
ctl_daemon_start(struct ctl_daemon *d, struct event_base *base,
    const char *config_path, struct ctl_config *cfg, int verbose)
{
	struct sflow_agents_limits al = { 4096, 65536 };
	/* Bounded so that spoofed counter samples cannot grow it past
	 * about 30 MB (1024 agents x 256 interfaces x ~104 bytes). */
	struct ctl_agents_limits cl = { 1024, 256 };
	struct ctl_events_limits el = { 0, 0 };
	char err[512] = "";

	memset(d, 0, sizeof(*d));
	d->base = base;
	d->config_path = config_path;
	d->cfg = cfg;
	d->verbose = verbose;
	d->job_pipe[0] = d->job_pipe[1] = -1;
	d->started_ms = d->loaded_ms = ctl_now_ms();
	ctl_daemon_policy(cfg, &d->policy);

	d->events = ctl_events_new(&el);
	d->seq_agents = sflow_agents_new(&al);
	d->agents = ctl_agents_new(&cl);
	d->flows = ctl_flows_new(cfg->controller.max_flows);
	d->pairs = ctl_pairs_new(CTL_MAX_PAIRS);
	if (d->events == NULL || d->seq_agents == NULL || d->agents == NULL ||
	    d->flows == NULL || d->pairs == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	if (mkdirs(cfg->controller.state_dir) == -1) {
		log_warn("state_dir %s", cfg->controller.state_dir);
		return -1;
	}
	if (cfg->controller.events_file != NULL &&
	    ctl_events_open_file(d->events, cfg->controller.events_file, err,
	    sizeof(err)) == -1) {
		log_warnx("events_file: %s", err);
		return -1;
	}
	if (state_load(d, err, sizeof(err)) == -1) {
		log_warnx("state file %s: %s", d->state_path, err);
		return -1;
	}
	if (ctl_state_start(d, err, sizeof(err)) == -1) {
		log_warnx("state file %s: %s", d->state_path, err);
		return -1;
	}
	if (listeners_open(d, cfg, err, sizeof(err)) == -1 ||
	    ctl_api_start(d, err, sizeof(err)) == -1 ||
	    ctl_tables_start(d, err, sizeof(err)) == -1 ||
	    ctl_switches_start(d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	/* Finish what the last run left half done, then sweep orphans. */
	ctl_captures_foreach_live(d->captures, resume, d);
	ctl_switches_reconcile(d);
	if (daemon_loop_start(&d->loop, d->base, &loop_ops, d) == -1) {
		log_warnx("cannot set up signals and timers");
		return -1;
	}
	ctl_event_begin(d->events, "started");
	ctl_event_end(d->events);
	d->state_dirty = 1;
	ctl_state_write(d, 1);
	return 0;
}

static void
end_all(void *ctx, struct ctl_capture *c)
{
	struct ctl_daemon *d = ctx;

	/*
	 * A removal waiting for its retry is tried once more now: the switch
	 * may well answer, and shutdown_deadline is there to wait for it.
	 * Left as it was, its rule would stay on the switch until the next
	 * start.
	 */
	if (c->state == CTL_CAP_REMOVING && c->retry_ms != 0) {
		c->retry_ms = 0;
		if (ctl_rule_remove(d, c) == -1)
			c->retry_ms = ctl_now_ms() + CTL_REMOVE_RETRY_MS;
		return;
	}
	ctl_capture_end(d, c, "shutdown", ctl_now_ms());
}

/* The rules are off (or the deadline passed): write the state, leave. */
static void
stop_now(struct ctl_daemon *d)
{
	struct timeval soon = { 0, 0 };
	uint32_t left = ctl_captures_removing(d, 0);

	if (left > 0)
		log_warnx("%u rules could not be removed in time; the state "
		    "file keeps them for the next start", left);
	ctl_state_write(d, 1);
	ctl_event_begin(d->events, "stopped");
	ctl_event_end(d->events);
	event_base_loopexit(d->base, &soon);
}

static void
on_stop_wait(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_daemon *d = arg;

	(void)fd;
	(void)what;
	if (ctl_captures_removing(d, 1) == 0 ||
	    ctl_now_ms() >= d->stop_deadline_ms) {
		event_del(d->stop_wait);
		stop_now(d);
	}
}

void
ctl_daemon_stop(struct ctl_daemon *d)
{
	struct timeval tick = { 0, 50 * 1000 };

	if (d->stopping)
		return;
	d->stopping = 1;
	listeners_close(d);		/* stop ingest first */
	ctl_captures_foreach_live(d->captures, end_all, d);
	if (ctl_captures_removing(d, 1) == 0) {
		stop_now(d);
		return;
	}
	/* Rules are coming off the switches: wait for them, up to a
	 * deadline; the loop keeps serving the API meanwhile. */
	d->stop_deadline_ms = ctl_now_ms() +
	    (int64_t)d->cfg->controller.shutdown_deadline_s * 1000;
	d->stop_wait = event_new(d->base, -1, EV_PERSIST, on_stop_wait, d);
	if (d->stop_wait == NULL || event_add(d->stop_wait, &tick) == -1)
		stop_now(d);
}

void
ctl_daemon_free(struct ctl_daemon *d)
{
	listeners_close(d);
	ctl_api_stop(d);
	ctl_switches_stop(d);
	ctl_tables_stop(d);
	daemon_loop_stop(&d->loop);
	if (d->stop_wait != NULL)
		event_free(d->stop_wait);
	ctl_state_stop(d);		/* after the last write */
	ctl_captures_free(d->captures);
	ctl_pairs_free(d->pairs);
	ctl_flows_free(d->flows);
	ctl_agents_free(d->agents);
	sflow_agents_free(d->seq_agents);
	ctl_events_free(d->events);
	ctl_config_free(d->cfg);
	memset(d, 0, sizeof(*d));
}

/* ---- reload ----------------------------------------------------------- */

/* The normalised print of a config, to see which sections changed. */
static char *
config_text(const struct ctl_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	ctl_config_print(cfg, f);
	fclose(f);
	return buf;
}

/* The top-level section starting at line s: its text up to the next. */
static const char *
section_end(const char *s)
{
	const char *p = strchr(s, '\n');

	while (p != NULL && (p[1] == ' ' || p[1] == '-' || p[1] == '#'))
		p = strchr(p + 1, '\n');
	return p != NULL ? p + 1 : s + strlen(s);
}

static void
log_changes(const struct ctl_config *old, const struct ctl_config *cfg)
{
	char *a = config_text(old), *b = config_text(cfg), name[64];
	const char *p, *q, *pe = NULL, *qe;
	size_t n;
	int any = 0;

	if (a == NULL || b == NULL)
		goto out;
	for (q = b; *q != '\0'; q = qe) {
		qe = section_end(q);
		n = strcspn(q, ":\n");
		snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), q);
		for (p = a; *p != '\0'; p = pe) {
			pe = section_end(p);
			if (strncmp(p, q, n + 1) == 0)
				break;
		}
		if (*p == '\0' || pe - p != qe - q ||
		    memcmp(p, q, (size_t)(qe - q)) != 0) {
			log_info("reload: %s changed", name);
			any = 1;
		}
	}
	if (!any)
		log_info("reload: nothing changed");
out:
	free(a);
	free(b);
}

/* Captures name their switch by index: follow the names to the new set. */
struct remap {
	const struct ctl_config *old, *cfg;
	struct ctl_captures	*captures;
};

static void
remap_switch(void *ctx, struct ctl_capture *c)
{
	const struct remap *r = ctx;
	size_t i;
	int32_t to = -1;

	if (c->sw < 0 || (size_t)c->sw >= r->old->n_switches)
		return;
	for (i = 0; i < r->cfg->n_switches; i++)
		if (strcmp(r->cfg->switches[i].name,
		    r->old->switches[c->sw].name) == 0)
			to = (int32_t)i;
	ctl_captures_set_switch(r->captures, c, to);
}

static int
reload_failed(struct ctl_daemon *d, const char *why)
{
	struct json_writer *w;

	d->counters.reload_failures++;
	log_warnx("reload failed, the running configuration stays: %s", why);
	w = ctl_event_begin(d->events, "reload_failed");
	jw_str(w, "error", why);
	ctl_event_end(d->events);
	return -1;
}

static int
api_changed(const struct ctl_config *old, const struct ctl_config *cfg)
{
	const struct ctl_controller_config *a = &old->controller;
	const struct ctl_controller_config *b = &cfg->controller;

	/* A second server cannot bind the address the running one holds;
	 * on the same address the running one takes the new token and
	 * body cap instead (ctl_api_update). */
	return !same_listen(&a->api_listen, &b->api_listen);
}

int
ctl_daemon_reload(struct ctl_daemon *d)
{
	struct ctl_config *cfg, *old = d->cfg;
	struct httpd *running, *fresh = NULL;
	struct ctl_switches_next next_sw = { NULL, 0 };
	int rc;
	struct remap rm;
	struct json_writer *w;
	char err[512] = "";

	if (d->stopping)
		return -1;
	if (d->job != NULL) {
		/* The builder reads the config: swap after it is done. */
		d->reload_pending = 1;
		return 0;
	}
	if ((cfg = ctl_config_load(d->config_path, err, sizeof(err))) == NULL)
		return reload_failed(d, err);
	if (cfg->controller.max_flows != old->controller.max_flows ||
	    strcmp(cfg->controller.state_dir, old->controller.state_dir) != 0)
		log_warnx("reload: max_flows and state_dir take effect at "
		    "the next start");
	/* The API: a new server aside if its address or token changed. */
	running = d->api;
	if (api_changed(old, cfg)) {
		d->cfg = cfg;
		d->api = NULL;
		rc = ctl_api_start(d, err, sizeof(err));
		fresh = d->api;
		d->cfg = old;
		d->api = running;
		if (rc == -1) {
			ctl_config_free(cfg);
			return reload_failed(d, err);
		}
	}
	if (ctl_switches_prepare(d, cfg, &next_sw, err, sizeof(err)) == -1) {
		httpd_free(fresh);
		ctl_config_free(cfg);
		return reload_failed(d, err);
	}
	if (listeners_open(d, cfg, err, sizeof(err)) == -1) {
		ctl_switches_discard(&next_sw);
		httpd_free(fresh);
		ctl_config_free(cfg);
		return reload_failed(d, err);
	}
	/* Everything new is in place: swap. */
	d->cfg = cfg;
	if (fresh != NULL) {
		d->api = fresh;
		httpd_free(running);
	} else if (ctl_api_update(d, err, sizeof(err)) == -1)
		log_warnx("reload: api: %s (the previous token stays)", err);
	if (ctl_events_open_file(d->events, cfg->controller.events_file, err,
	    sizeof(err)) == -1)
		log_warnx("reload: events_file: %s (still writing the old "
		    "file)", err);
	rm.old = old;
	rm.cfg = cfg;
	rm.captures = d->captures;
	ctl_captures_foreach_live(d->captures, remap_switch, &rm);
	ctl_switches_adopt(d, &next_sw);
	ctl_daemon_policy(cfg, &d->policy);
	if (ctl_tables_reload(d, old, err, sizeof(err)) == -1)
		log_warnx("reload: lists: %s", err);
	log_changes(old, cfg);
	ctl_config_free(old);
	d->loaded_ms = ctl_now_ms();
	d->counters.reloads++;
	/* New clients, perhaps new switches or URLs: reconcile with them as
	 * at start-up. */
	ctl_switches_reconcile(d);
	w = ctl_event_begin(d->events, "reloaded");
	jw_str(w, "config", d->config_path);
	ctl_event_end(d->events);
	return 0;
}
