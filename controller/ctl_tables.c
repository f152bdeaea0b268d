/*
 * ctl_tables.c - keeping the lookup table current while sFlow keeps
 * flowing: list bodies from the fetcher are parsed and the table is
 * rebuilt in a worker thread, then swapped in on the loop.
 *
 * Why a thread (DESIGN.md asks for a reason): parsing a million-line list
 * and compiling the Poptrie take about a second of CPU (bench/lpm: 0.36 s
 * to build 1M IPv4 prefixes, plus parsing).  Done on the loop, that second
 * would stop ingest and the API, and a burst of datagrams would overflow
 * the socket buffers.  The job is pure (bytes in, lists and a table out:
 * ctl_lists_parse, ctl_lists_build_table) and shares nothing writable with
 * the loop: it owns the bodies it was handed, reads the current lists and
 * the config, which the loop leaves alone while a job runs (a reload waits
 * for the job), and reports through a pipe that the loop watches.
 *
 * Updates arriving together (every list at start-up) are coalesced: a
 * job starts 200 ms after the first pending body, and bodies that come
 * while a job runs wait for the next one.  Build aside, swap once: a
 * failed build keeps the previous table.
 */
#define _GNU_SOURCE		/* pipe2 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_daemon.h"
#include "ctl_lists.h"
#include "json_flow.h"
#include "log.h"
#include "version.h"

#define COALESCE_MS	200

struct ctl_table_job {
	pthread_t		 thread;
	const struct ctl_config	*cfg;
	char			 cache_dir[1024];
	size_t			 n;
	uint8_t			*loaded;	/* had a body before: read it again */
	void			**bodies;	/* new bodies, owned */
	size_t			*lens;
	uint64_t		*entries;	/* results for the new bodies */
	struct bl_parse_report	*reports;
	struct bl_table		*table;
	char			 err[256];
	int64_t			 took_ms;
	int			 wfd;
};

static void job_free(struct ctl_table_job *);

/*
 * The list i for the build: its new body, or the body it had, read again
 * from its file or the fetcher's cache (parsed lists are not kept between
 * builds: at a million entries they weigh ~27 MB, a second copy of what
 * the table holds).  NULL with err set when a list that had a body cannot
 * be read again: the build fails and the running table stays.
 */
static struct bl_list *
job_list(struct ctl_table_job *job, size_t i, int *failed)
{
	struct bl_parse_report spare;
	struct bl_source_spec spec;
	struct bl_list *l;
	char why[200];
	void *body;
	size_t len;
	int rc;

	if (job->bodies[i] != NULL) {
		l = ctl_lists_parse(job->cfg, i, job->bodies[i], job->lens[i],
		    &job->reports[i]);
		if (l == NULL) {
			snprintf(job->err, sizeof(job->err), "out of memory");
			*failed = 1;
		} else
			job->entries[i] = bl_list_count(l);
		return l;
	}
	if (!job->loaded[i])
		return NULL;		/* nothing yet: an empty list */
	ctl_blacklist_source_spec(&job->cfg->blacklists[i], &spec);
	rc = bl_source_load(job->cache_dir, &spec, &body, &len, why,
	    sizeof(why));
	if (rc != 0) {
		snprintf(job->err, sizeof(job->err), "list %s: cannot read its "
		    "last body again: %s", spec.name, rc == 1 ? "gone" : why);
		*failed = 1;
		return NULL;
	}
	l = ctl_lists_parse(job->cfg, i, body, len, &spare);
	free(body);
	if (l == NULL) {
		snprintf(job->err, sizeof(job->err), "out of memory");
		*failed = 1;
	}
	return l;
}

static void *
job_run(void *arg)
{
	struct ctl_table_job *job = arg;
	struct bl_list **use;
	int64_t t0 = ctl_now_ms();
	size_t i;
	int failed = 0;
	char one = 1;

	use = calloc(job->n ? job->n : 1, sizeof(*use));
	if (use == NULL) {
		snprintf(job->err, sizeof(job->err), "out of memory");
		goto done;
	}
	for (i = 0; i < job->n && !failed; i++)
		use[i] = job_list(job, i, &failed);
	if (!failed)
		job->table = ctl_lists_build_table(job->cfg, use, job->err,
		    sizeof(job->err));
	for (i = 0; i < job->n; i++)
		bl_list_free(use[i]);
	free(use);
done:
	job->took_ms = ctl_now_ms() - t0;
	/* A pipe write of one byte is atomic; the loop may be asleep. */
	while (write(job->wfd, &one, 1) == -1 && errno == EINTR)
		;
	return NULL;
}

static void
job_free(struct ctl_table_job *job)
{
	size_t i;

	if (job == NULL)
		return;
	for (i = 0; i < job->n; i++)
		free(job->bodies[i]);
	free(job->loaded);
	free(job->bodies);
	free(job->lens);
	free(job->entries);
	free(job->reports);
	bl_table_free(job->table);
	free(job);
}

static int
any_pending(const struct ctl_daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_lists; i++)
		if (d->lists[i].pending_body != NULL)
			return 1;
	return 0;
}

/* Hand every pending body to a new job; -1 if it cannot start now. */
static int
job_start(struct ctl_daemon *d, int force)
{
	struct ctl_table_job *job;
	size_t i, n = d->n_lists;

	if (d->job != NULL || (!force && !any_pending(d)))
		return -1;
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return -1;
	job->cfg = d->cfg;
	job->n = n;
	job->wfd = d->job_pipe[1];
	job->loaded = calloc(n ? n : 1, sizeof(*job->loaded));
	job->bodies = calloc(n ? n : 1, sizeof(*job->bodies));
	job->lens = calloc(n ? n : 1, sizeof(*job->lens));
	job->entries = calloc(n ? n : 1, sizeof(*job->entries));
	job->reports = calloc(n ? n : 1, sizeof(*job->reports));
	if (job->loaded == NULL || job->bodies == NULL || job->lens == NULL ||
	    job->entries == NULL || job->reports == NULL ||
	    ctl_lists_cache_dir(d->cfg, job->cache_dir,
	    sizeof(job->cache_dir)) == -1) {
		job_free(job);
		return -1;
	}
	for (i = 0; i < n; i++) {
		job->loaded[i] = d->lists[i].loaded;
		job->bodies[i] = d->lists[i].pending_body;
		job->lens[i] = d->lists[i].pending_len;
		d->lists[i].pending_body = NULL;
		d->lists[i].pending_len = 0;
	}
	if (pthread_create(&job->thread, NULL, job_run, job) != 0) {
		log_warnx("cannot start the table builder thread");
		/* Give the bodies back for the next attempt. */
		for (i = 0; i < n; i++) {
			d->lists[i].pending_body = job->bodies[i];
			d->lists[i].pending_len = job->lens[i];
			job->bodies[i] = NULL;
		}
		job_free(job);
		return -1;
	}
	d->job = job;
	return 0;
}

static void
table_event(struct ctl_daemon *d, const struct ctl_table_job *job, int ok)
{
	struct json_writer *w = ctl_event_begin(d->events, ok ?
	    "table_built" : "table_failed");

	if (ok) {
		jw_u64(w, "prefixes", bl_table_prefixes(d->table));
		jw_u64(w, "memory", bl_table_memory(d->table));
	} else
		jw_str(w, "error", job->err);
	jw_u64(w, "took_ms", (uint64_t)job->took_ms);
	ctl_event_end(d->events);
}

/* The job reported: take its lists and table, on the loop. */
static void
job_done(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_daemon *d = arg;
	struct ctl_table_job *job = d->job;
	char buf[16];
	size_t i;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (job == NULL)
		return;
	pthread_join(job->thread, NULL);
	d->job = NULL;
	for (i = 0; i < job->n && i < d->n_lists; i++) {
		struct ctl_list_state *ls = &d->lists[i];

		if (job->bodies[i] == NULL || job->table == NULL)
			continue;
		ls->loaded = 1;
		ls->entries = job->entries[i];
		ls->rejected = job->reports[i].rejected;
		ls->over_cap = job->reports[i].over_cap;
		ctl_lists_log_report(ls->name, &job->reports[i]);
	}
	if (job->table != NULL) {
		bl_table_free(d->table);
		d->table = job->table;
		job->table = NULL;
		/* The build's scratch and the old table leave holes in the
		 * heap that malloc keeps mapped (~40 MB at 1M prefixes). */
		malloc_trim(0);
		d->counters.table_builds++;
		log_info("lookup table: %zu prefixes, %zu bytes, built in "
		    "%lld ms", bl_table_prefixes(d->table),
		    bl_table_memory(d->table), (long long)job->took_ms);
		table_event(d, job, 1);
	} else {
		d->counters.table_build_failures++;
		log_warnx("lookup table not rebuilt, the previous one "
		    "stays: %s", job->err);
		table_event(d, job, 0);
	}
	job_free(job);
	if (d->reload_pending) {
		d->reload_pending = 0;
		ctl_daemon_reload(d);
	} else if (any_pending(d))
		job_start(d, 0);
}

static void
job_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	job_start(arg, 0);
}

static void
schedule(struct ctl_daemon *d)
{
	struct timeval tv = { 0, COALESCE_MS * 1000 };

	if (d->job == NULL && !evtimer_pending(d->job_later, NULL))
		evtimer_add(d->job_later, &tv);
}

static struct ctl_list_state *
find_list(struct ctl_daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_lists; i++)
		if (strcmp(d->lists[i].name, name) == 0)
			return &d->lists[i];
	return NULL;
}

static void
fetch_event(struct ctl_daemon *d, const struct bl_fetch_result *r)
{
	static const char *const names[] = { "", "updated", "not_modified",
	    "cached", "failed" };
	struct json_writer *w = ctl_event_begin(d->events, "list_fetch");

	jw_str(w, "list", r->name);
	jw_str(w, "status", names[r->status]);
	if (r->error != NULL)
		jw_str(w, "error", r->error);
	if (r->http_status != 0)
		jw_u64(w, "http_status", (uint64_t)r->http_status);
	jw_u64(w, "bytes", r->bytes);
	ctl_event_end(d->events);
}

static void
on_fetch(void *ctx, const struct bl_fetch_result *r)
{
	struct ctl_daemon *d = ctx;
	struct ctl_list_state *ls = find_list(d, r->name);
	int64_t now = ctl_now_ms();
	void *copy;

	if (ls == NULL)
		return;
	ls->attempt_ms = now;
	ls->next_ms = (int64_t)r->next_s * 1000;
	if (r->status != BL_FETCH_CACHED)
		ls->fetches++;
	fetch_event(d, r);
	switch (r->status) {
	case BL_FETCH_FAILED:
		ls->failures++;
		snprintf(ls->last_error, sizeof(ls->last_error), "%s",
		    r->error != NULL ? r->error : "failed");
		log_warnx("list %s: %s; the previous copy stays", r->name,
		    ls->last_error);
		return;
	case BL_FETCH_NOT_MODIFIED:
		ls->last_error[0] = '\0';
		return;
	case BL_FETCH_UPDATED:
	case BL_FETCH_CACHED:
		break;
	}
	ls->last_error[0] = '\0';
	if ((copy = malloc(r->len ? r->len : 1)) == NULL) {
		snprintf(ls->last_error, sizeof(ls->last_error),
		    "out of memory");
		return;
	}
	memcpy(copy, r->body, r->len);
	free(ls->pending_body);		/* a newer body replaces a waiting one */
	ls->pending_body = copy;
	ls->pending_len = r->len;
	ls->updated_ms = now;
	schedule(d);
}

static int
lists_init(struct ctl_daemon *d, const struct ctl_config *cfg,
    const struct ctl_config *old, struct ctl_list_state *old_lists,
    size_t n_old)
{
	size_t i, j;

	d->n_lists = cfg->n_blacklists;
	d->lists = calloc(d->n_lists ? d->n_lists : 1, sizeof(*d->lists));
	if (d->lists == NULL)
		return -1;
	for (i = 0; i < d->n_lists; i++) {
		const struct ctl_blacklist *b = &cfg->blacklists[i];

		snprintf(d->lists[i].name, sizeof(d->lists[i].name), "%s",
		    b->name);
		/* Carry a list over when it is the same source and format. */
		for (j = 0; old != NULL && j < n_old; j++) {
			const struct ctl_blacklist *o = &old->blacklists[j];

			if (strcmp(o->name, b->name) != 0 ||
			    o->format != b->format || o->max_entries !=
			    b->max_entries ||
			    (o->url == NULL) != (b->url == NULL) ||
			    strcmp(o->url ? o->url : o->file,
			    b->url ? b->url : b->file) != 0)
				continue;
			d->lists[i] = old_lists[j];
			memset(&old_lists[j], 0, sizeof(old_lists[j]));
			break;
		}
	}
	return 0;
}

static void
lists_free(struct ctl_list_state *lists, size_t n)
{
	size_t i;

	for (i = 0; i < n && lists != NULL; i++)
		free(lists[i].pending_body);
	free(lists);
}

static int
fetcher_start(struct ctl_daemon *d, char *err, size_t errlen)
{
	struct bl_source_spec spec;
	char dir[1024];
	size_t i;

	if (ctl_lists_cache_dir(d->cfg, dir, sizeof(dir)) == -1) {
		snprintf(err, errlen, "state_dir is too long");
		return -1;
	}
	d->fetcher = bl_fetcher_new(d->base, dir, "finderscope/"
	    FINDERSCOPE_VERSION, on_fetch, d, err, errlen);
	if (d->fetcher == NULL)
		return -1;
	for (i = 0; i < d->cfg->n_blacklists; i++) {
		ctl_blacklist_source_spec(&d->cfg->blacklists[i], &spec);
		if (bl_fetcher_add(d->fetcher, &spec, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* agent_networks as a one-group table (NULL when the list is empty). */
static int
agent_table_build(struct ctl_daemon *d, char *err, size_t errlen)
{
	const struct ctl_controller_config *c = &d->cfg->controller;
	const char **texts;
	char (*bufs)[CTL_VALUE_STRLEN];
	struct bl_group_spec spec;
	const struct bl_list *members[1];
	struct bl_list *list;
	size_t i;

	bl_table_free(d->agent_table);
	d->agent_table = NULL;
	if (c->n_agent_networks == 0)
		return 0;
	texts = calloc(c->n_agent_networks, sizeof(*texts));
	bufs = calloc(c->n_agent_networks, sizeof(*bufs));
	if (texts == NULL || bufs == NULL) {
		free(texts);
		free(bufs);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < c->n_agent_networks; i++)
		texts[i] = ctl_format_prefix(&c->agent_networks[i], bufs[i],
		    sizeof(bufs[i]));
	list = bl_list_from_strings("agent_networks", texts,
	    c->n_agent_networks, err, errlen);
	free(texts);
	free(bufs);
	if (list == NULL)
		return -1;
	members[0] = list;
	spec.name = "agents";
	spec.kind = BL_GROUP_WATCH;
	spec.lists = members;
	spec.n_lists = 1;
	d->agent_table = bl_table_build(&spec, 1, err, errlen);
	bl_list_free(list);
	return d->agent_table != NULL ? 0 : -1;
}

int
ctl_tables_start(struct ctl_daemon *d, char *err, size_t errlen)
{
	if (pipe2(d->job_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	d->job_done = event_new(d->base, d->job_pipe[0], EV_READ | EV_PERSIST,
	    job_done, d);
	d->job_later = evtimer_new(d->base, job_later, d);
	if (d->job_done == NULL || d->job_later == NULL ||
	    event_add(d->job_done, NULL) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (lists_init(d, d->cfg, NULL, NULL, 0) == -1 ||
	    agent_table_build(d, err, errlen) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A table with local_networks and empty lists at once, so lookups
	 * work from the first datagram; lists fill in as they arrive. */
	if (job_start(d, 1) == -1) {
		snprintf(err, errlen, "cannot start the table builder");
		return -1;
	}
	return fetcher_start(d, err, errlen);
}

/*
 * Put a fetcher out of service without waiting for it: freeing one whose
 * transfer is still resolving a name waits for getaddrinfo() (libcurl's
 * threaded resolver), and the loop must not.  It is freed by
 * ctl_tables_reap once idle; with too many waiting, the oldest is freed
 * now, the rare case where a reload may wait.
 */
static void
retire(struct ctl_daemon *d, struct bl_fetcher *f)
{
	if (f == NULL)
		return;
	if (bl_fetcher_busy(f) == 0) {
		bl_fetcher_free(f);
		return;
	}
	bl_fetcher_retire(f);
	if (d->n_retired == CTL_MAX_RETIRED) {
		bl_fetcher_free(d->retired[0]);
		memmove(&d->retired[0], &d->retired[1],
		    (CTL_MAX_RETIRED - 1) * sizeof(d->retired[0]));
		d->n_retired--;
	}
	d->retired[d->n_retired++] = f;
}

void
ctl_tables_reap(struct ctl_daemon *d)
{
	size_t i = 0;

	while (i < d->n_retired) {
		if (bl_fetcher_busy(d->retired[i]) > 0) {
			i++;
			continue;
		}
		bl_fetcher_free(d->retired[i]);
		d->retired[i] = d->retired[--d->n_retired];
	}
}

/*
 * At exit: a fetcher with a transfer in flight is left to the operating
 * system rather than freed, which could wait seconds for a name lookup
 * and break "exit within a second".
 */
static void
fetcher_exit(struct bl_fetcher *f)
{
	if (f == NULL)
		return;
	if (bl_fetcher_busy(f) > 0)
		bl_fetcher_retire(f);	/* and not freed: we are exiting */
	else
		bl_fetcher_free(f);
}

int
ctl_tables_reload(struct ctl_daemon *d, const struct ctl_config *old,
    char *err, size_t errlen)
{
	struct ctl_list_state *old_lists = d->lists;
	size_t n_old = d->n_lists;

	retire(d, d->fetcher);
	d->fetcher = NULL;
	if (lists_init(d, d->cfg, old, old_lists, n_old) == -1) {
		d->lists = old_lists;
		d->n_lists = n_old;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lists_free(old_lists, n_old);
	if (agent_table_build(d, err, errlen) == -1)
		return -1;
	/* New groups or local_networks need a new table even when no list
	 * changed; the fetcher reports cached bodies again at once. */
	job_start(d, 1);
	return fetcher_start(d, err, errlen);
}

void
ctl_tables_stop(struct ctl_daemon *d)
{
	if (d->job != NULL) {
		/* Shutting down: wait for the builder; it cannot be cancelled
		 * safely in the middle of an allocation. */
		pthread_join(d->job->thread, NULL);
		job_free(d->job);
		d->job = NULL;
	}
	fetcher_exit(d->fetcher);
	d->fetcher = NULL;
	while (d->n_retired > 0)
		fetcher_exit(d->retired[--d->n_retired]);
	if (d->job_done != NULL)
		event_free(d->job_done);
	if (d->job_later != NULL)
		event_free(d->job_later);
	d->job_done = d->job_later = NULL;
	if (d->job_pipe[0] > 0) {
		close(d->job_pipe[0]);
		close(d->job_pipe[1]);
	}
	d->job_pipe[0] = d->job_pipe[1] = -1;
	lists_free(d->lists, d->n_lists);
	d->lists = NULL;
	d->n_lists = 0;
	bl_table_free(d->table);
	bl_table_free(d->agent_table);
	d->table = d->agent_table = NULL;
}
