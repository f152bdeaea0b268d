/*
 * rcv_daemon.c - the receiver daemon's skeleton: start-up (buffers, the
 * archive, the inputs, the API, the controller poll), the signals
 * (SIGHUP reload, SIGTERM/SIGINT shutdown), the 1 s tick (retention, an
 * input that stopped), and a reload that builds everything that changed
 * aside and swaps only when all of it worked.
 *
 * Shutdown flushes: inputs stop first, sessions with key hits are
 * written, the reports they made get up to STOP_REPORTS_MS to reach the
 * controller, live streams end, every archive file is closed (fsync,
 * .part renamed, index written), then the loop gets a moment to send the
 * streams' last bytes and exits.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "daemon_loop.h"
#include "httpd.h"
#include "log.h"
#include "rcv_daemon.h"

#define STOP_GRACE_US	100000	/* for the live streams' last bytes */
#define STOP_REPORTS_MS	2000	/* for the reports still queued */

int64_t
rcv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
rcv_archive_config(const struct ctl_config *cfg, struct cap_archive_config *a)
{
	const struct ctl_archive_config *c = &cfg->receiver.archive;

	memset(a, 0, sizeof(*a));
	a->dir = c->dir;
	a->rotate_size = c->rotate_size;
	a->rotate_age_s = c->rotate_age_s;
	a->quota = c->quota;
	if (c->min_free.is_percent)
		a->min_free_percent = c->min_free.percent;
	else
		a->min_free_bytes = c->min_free.bytes;
	a->max_age_s = c->max_age_s;
	a->nanosecond = c->nanosecond;
}

static int
same_archive(const struct ctl_config *a, const struct ctl_config *b)
{
	struct cap_archive_config x, y;

	rcv_archive_config(a, &x);
	rcv_archive_config(b, &y);
	return strcmp(x.dir, y.dir) == 0 && x.rotate_size == y.rotate_size &&
	    x.rotate_age_s == y.rotate_age_s && x.quota == y.quota &&
	    x.min_free_percent == y.min_free_percent &&
	    x.min_free_bytes == y.min_free_bytes &&
	    x.max_age_s == y.max_age_s && x.nanosecond == y.nanosecond;
}

static struct cap_archive *
archive_open(const struct ctl_config *cfg, char *err, size_t errlen)
{
	struct cap_archive_config ac;
	struct cap_archive *a;
	char e[512];

	rcv_archive_config(cfg, &ac);
	if ((a = cap_archive_new(&ac, e, sizeof(e))) == NULL)
		snprintf(err, errlen, "%s", e);
	return a;
}

/* ---- signals and the tick ---------------------------------------------- */

static void
retention(struct rcv_daemon *d)
{
	uint64_t fs_free = 0, fs_total = 0;
	int n;

	/* A replay's old packets would fall to max_age at once. */
	if (d->archive == NULL || d->read_path != NULL)
		return;
	if (cap_archive_fs_space(d->archive, &fs_free, &fs_total) == -1) {
		log_warn("archive %s: statvfs", d->cfg->receiver.archive.dir);
		fs_free = fs_total = 0;		/* quota and age still apply */
	}
	n = cap_archive_enforce(d->archive, time(NULL), fs_free, fs_total);
	d->counters.retention_runs++;
	if (n > 0) {
		d->counters.retention_deleted += (uint64_t)n;
		log_info("retention: %d archive files deleted", n);
	}
}

/* libpcap stopped on a read error: open the inputs again. */
static void
revive_input(struct rcv_daemon *d)
{
	struct cap_pcap_live_stats st;
	struct rcv_input fresh;
	char err[512];

	if (d->in.kind != RCV_INPUT_PCAP || d->in.pcap == NULL)
		return;
	cap_pcap_live_stats(d->in.pcap, &st);
	if (!st.stopped)
		return;
	log_warnx("pcap input stopped (%s): opening it again",
	    cap_pcap_live_error(d->in.pcap) != NULL ?
	    cap_pcap_live_error(d->in.pcap) : "read error");
	if (rcv_input_open(d, d->cfg, NULL, &fresh, err, sizeof(err)) == -1) {
		log_warnx("pcap input: %s (trying again in a second)", err);
		return;
	}
	rcv_input_close(&d->in);
	d->in = fresh;
}

static void
on_tick(void *arg)
{
	struct rcv_daemon *d = arg;
	int64_t now = rcv_now_ms();

	if (d->stopping)
		return;
	rcv_inspect_tick(d);
	if (now >= d->next_retention_ms) {
		d->next_retention_ms = now + RCV_RETENTION_S * 1000;
		retention(d);
	}
	revive_input(d);
}

static void
on_reload(void *arg)
{
	rcv_daemon_reload(arg);
}

static void
on_stop(void *arg)
{
	rcv_daemon_stop(arg);
}

static const struct daemon_loop_ops loop_ops = { on_reload, on_stop,
    on_tick };

/* ---- start, stop ------------------------------------------------------ */

static void
log_inputs(const struct rcv_daemon *d)
{
	struct cap_rawsock_stats rs;
	const struct rcv_input *in = &d->in;

	memset(&rs, 0, sizeof(rs));
	if (in->raw[0] != NULL)
		cap_rawsock_stats(in->raw[0], &rs);
	switch (in->kind) {
	case RCV_INPUT_FILE:
		log_info("reading %s", in->file_path);
		break;
	case RCV_INPUT_PCAP:
		log_info("capturing on %s (filter \"%s\"), with drop-all GRE "
		    "sockets", in->interface, in->filter != NULL ? in->filter :
		    CAP_PCAP_LIVE_FILTER);
		break;
	case RCV_INPUT_RAW:
		log_info("raw GRE socket%s (receive buffer %llu bytes%s)",
		    in->raw[1] != NULL ? "s, IPv4 and IPv6" : ", IPv4",
		    (unsigned long long)rs.rcvbuf, in->raw[1] != NULL ?
		    " each" : "");
		break;
	}
}

int
rcv_daemon_start(struct rcv_daemon *d, struct event_base *base,
    const char *config_path, struct ctl_config *cfg, const char *read_path,
    int verbose)
{
	char err[512] = "";

	memset(d, 0, sizeof(*d));
	d->base = base;
	d->config_path = config_path;
	d->cfg = cfg;
	d->verbose = verbose;
	d->read_path = read_path;
	d->started_ms = d->loaded_ms = rcv_now_ms();
	d->scratch = malloc(CAP_ARCHIVE_SNAPLEN);
	d->live_buf = malloc(16 + CAP_ARCHIVE_SNAPLEN);
	d->assign = cap_assign_new(RCV_MAX_CAPTURES);
	if (d->scratch == NULL || d->live_buf == NULL || d->assign == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	if ((d->archive = archive_open(cfg, err, sizeof(err))) == NULL ||
	    rcv_input_open(d, cfg, read_path, &d->in, err, sizeof(err)) ==
	    -1 ||
	    (read_path == NULL && rcv_api_start(d, cfg, &d->api, err,
	    sizeof(err)) == -1) ||
	    rcv_poll_open(d, cfg, &d->poll, err, sizeof(err)) == -1 ||
	    rcv_events_open(d, cfg, err, sizeof(err)) == -1 ||
	    rcv_inspect_start(d, cfg, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (daemon_loop_start(&d->loop, d->base, &loop_ops, d) == -1) {
		log_warnx("cannot set up signals and timers");
		return -1;
	}
	log_inputs(d);
	log_info("archive in %s; controller %s every %us",
	    cfg->receiver.archive.dir, cfg->receiver.controller_url,
	    cfg->receiver.poll_interval_s);
	return 0;
}

static void	stop_finish(struct rcv_daemon *);

static void
on_stop_wait(evutil_socket_t fd, short what, void *arg)
{
	struct rcv_daemon *d = arg;

	(void)fd;
	(void)what;
	if (d->reports.n == 0 || rcv_now_ms() >= d->stop_deadline_ms) {
		event_free(d->stop_wait);
		d->stop_wait = NULL;
		stop_finish(d);
	}
}

void
rcv_daemon_stop(struct rcv_daemon *d)
{
	struct timeval tick = { 0, 20 * 1000 };

	if (d->stopping)
		return;
	d->stopping = 1;
	rcv_input_close(&d->in);	/* stop ingest first */
	rcv_inspect_stop(d);		/* sessions with hits: written */
	if (d->reports.n == 0) {
		stop_finish(d);
		return;
	}
	/* Their reports go to the controller first, briefly. */
	d->stop_deadline_ms = rcv_now_ms() + STOP_REPORTS_MS;
	d->stop_wait = event_new(d->base, -1, EV_PERSIST, on_stop_wait, d);
	if (d->stop_wait == NULL || event_add(d->stop_wait, &tick) == -1)
		stop_finish(d);
}

static void
stop_finish(struct rcv_daemon *d)
{
	struct timeval grace = { 0, STOP_GRACE_US };

	if (d->reports.n > 0)
		log_warnx("%u reports to the controller not sent",
		    d->reports.n);
	rcv_report_detach(d);
	rcv_poll_close(&d->poll);
	rcv_live_end_all(d);
	if (cap_archive_flush_all(d->archive) == -1) {
		log_warnx("archive: some files did not close cleanly");
		d->counters.archive_errors++;
	}
	/* A replay whose output is incomplete has failed. */
	if (d->read_path != NULL && d->counters.archive_errors > 0)
		d->exit_status = 1;
	event_base_loopexit(d->base, &grace);
}

void
rcv_daemon_free(struct rcv_daemon *d)
{
	rcv_input_close(&d->in);
	rcv_report_detach(d);
	rcv_poll_close(&d->poll);
	rcv_api_stop(d);
	daemon_loop_stop(&d->loop);
	if (d->stop_wait != NULL)
		event_free(d->stop_wait);
	rcv_inspect_free(d);
	cap_archive_free(d->archive);
	cap_assign_free(d->assign);
	if (d->live_dead != NULL)
		pcap_close(d->live_dead);
	free(d->live_buf);
	free(d->scratch);
	ctl_config_free(d->cfg);
	memset(d, 0, sizeof(*d));
}

/* ---- reload ----------------------------------------------------------- */

static int
reload_failed(struct rcv_daemon *d, const char *why)
{
	d->counters.reload_failures++;
	log_warnx("reload failed, the running configuration stays: %s", why);
	return -1;
}

static int
same_listen(const struct ctl_listen *a, const struct ctl_listen *b)
{
	return a->port == b->port && netaddr_compare(&a->addr, &b->addr) == 0;
}

/*
 * The archive after a reload: the running one when nothing changed; a
 * new one aside for a new folder; for new limits on the same folder, the
 * running one is flushed first (a new writer renames every .part it
 * finds, and the running one then has none open).  *next NULL: keep.
 */
static int
archive_reload(struct rcv_daemon *d, const struct ctl_config *cfg,
    struct cap_archive **next, char *err, size_t errlen)
{
	*next = NULL;
	if (same_archive(d->cfg, cfg))
		return 0;
	if (strcmp(d->cfg->receiver.archive.dir, cfg->receiver.archive.dir)
	    != 0) {
		*next = archive_open(cfg, err, errlen);
		return *next != NULL ? 0 : -1;
	}
	(void)cap_archive_flush_all(d->archive);
	*next = archive_open(cfg, err, errlen);
	return *next != NULL ? 0 : -1;
}

int
rcv_daemon_reload(struct rcv_daemon *d)
{
	struct ctl_config *cfg, *old = d->cfg;
	struct httpd *fresh_api = NULL;
	struct rcv_input fresh_in;
	struct rcv_poll fresh_poll, *op = &d->poll;
	struct cap_archive *fresh_archive = NULL;
	int new_in = 0;
	char err[512] = "";

	if (d->stopping)
		return -1;
	if (d->read_path != NULL) {
		log_info("reload: not while reading a file");
		return 0;
	}
	if ((cfg = ctl_config_load(d->config_path, err, sizeof(err))) == NULL)
		return reload_failed(d, err);
	if (!same_listen(&old->receiver.api_listen, &cfg->receiver.api_listen)
	    && rcv_api_start(d, cfg, &fresh_api, err, sizeof(err)) == -1)
		goto fail;
	if (rcv_input_changed(&d->in, cfg)) {
		if (rcv_input_open(d, cfg, NULL, &fresh_in, err, sizeof(err)) ==
		    -1)
			goto fail;
		new_in = 1;
	}
	if (rcv_poll_open(d, cfg, &fresh_poll, err, sizeof(err)) == -1) {
		if (new_in)
			rcv_input_close(&fresh_in);
		goto fail;
	}
	if (archive_reload(d, cfg, &fresh_archive, err, sizeof(err)) == -1 ||
	    rcv_events_reopen(d, cfg, err, sizeof(err)) == -1 ||
	    /* The last step that may fail; it swaps the keys itself. */
	    rcv_inspect_reload(d, cfg, err, sizeof(err)) == -1) {
		cap_archive_free(fresh_archive);
		rcv_poll_close(&fresh_poll);
		if (new_in)
			rcv_input_close(&fresh_in);
		goto fail;
	}

	/* Everything new is in place: swap. */
	if (fresh_api != NULL) {
		rcv_api_stop(d);	/* its live clients are cut */
		d->api = fresh_api;
	} else if (cfg->receiver.api_token_file != NULL ||
	    old->receiver.api_token_file != NULL)
		log_warnx("reload: a new API token takes effect at the next "
		    "start or with a new api_listen");
	if (new_in) {
		rcv_input_close(&d->in);
		d->in = fresh_in;
	}
	fresh_poll.last_ok_ms = op->last_ok_ms;
	fresh_poll.last = op->last;
	fresh_poll.failing = op->failing;
	rcv_report_detach(d);		/* re-sent on the new connection */
	rcv_poll_close(op);
	d->poll = fresh_poll;
	if (fresh_archive != NULL) {
		cap_archive_free(d->archive);
		d->archive = fresh_archive;
		log_info("reload: archive in %s", cfg->receiver.archive.dir);
	}
	d->cfg = cfg;
	ctl_config_free(old);
	d->loaded_ms = rcv_now_ms();
	d->next_retention_ms = 0;	/* limits may have changed */
	d->counters.reloads++;
	log_info("reloaded %s", d->config_path);
	return 0;
fail:
	httpd_free(fresh_api);
	ctl_config_free(cfg);
	return reload_failed(d, err);
}
