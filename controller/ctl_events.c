/*
 * ctl_events.c - the controller's numbered JSON events: built with the
 * json_writer into one reused memory stream, kept in a ring bounded by
 * count and bytes, appended to the events file and handed to subscribers.
 *
 * Invariants:
 *  - ring[(head + i) % max_events], i < kept, are the stored events,
 *    oldest first, with increasing seq (contiguous unless an event could
 *    not be stored, hence the binary search in ctl_events_after); bytes is
 *    the sum of their lengths.
 *  - Event text is reference counted: the ring holds one reference and
 *    the delivery queue one.  So the ring may drop an event (a small ring,
 *    an event emitted from a subscriber) while it is still being handed to
 *    subscribers.
 *  - Delivery is not reentrant: only the outermost ctl_event_end() drains
 *    the queue.  An event emitted from a callback waits in the queue, so
 *    every subscriber sees events in seq order, each once.
 *  - A subscriber removed while the queue drains is only marked dead (fn
 *    NULL) and freed after draining, so the list can be walked while
 *    callbacks unsubscribe themselves or others.  A subscriber hears the
 *    events with seq above last_seq at the time it subscribed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_events.h"
#include "log.h"

#define DEFAULT_MAX_EVENTS	10000
#define DEFAULT_MAX_BYTES	(16u << 20)

struct ev_text {
	struct ev_text	*qnext;		/* delivery queue */
	uint64_t	 seq;
	size_t		 len;		/* without the NUL */
	unsigned int	 refs;
	char		 json[];
};

struct ctl_event_sub {
	struct ctl_event_sub *next;
	ctl_event_cb	*fn;		/* NULL: unsubscribed, not yet freed */
	void		*ctx;
	uint64_t	 since;
};

struct ctl_events {
	struct ctl_events_limits limits;
	struct ev_text	**ring;
	size_t		 head;
	size_t		 kept;
	size_t		 bytes;
	uint64_t	 last_seq;
	uint64_t	 dropped;
	uint64_t	 file_errors;

	FILE		*mem;		/* the event being built */
	char		*membuf;
	size_t		 memlen;
	struct json_writer w;
	int		 building;

	FILE		*file;
	char		*path;
	int		 file_failing;	/* in a streak of write errors */

	struct ctl_event_sub *subs;
	uint64_t	 n_subs;	/* live ones */
	struct ev_text	*queue;
	struct ev_text	**queue_tail;
	int		 draining;
};

static void
text_unref(struct ev_text *t)
{
	if (t != NULL && --t->refs == 0)
		free(t);
}

struct ctl_events *
ctl_events_new(const struct ctl_events_limits *limits)
{
	struct ctl_events *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (limits != NULL)
		e->limits = *limits;
	if (e->limits.max_events == 0)
		e->limits.max_events = DEFAULT_MAX_EVENTS;
	if (e->limits.max_bytes == 0)
		e->limits.max_bytes = DEFAULT_MAX_BYTES;
	e->ring = calloc(e->limits.max_events, sizeof(*e->ring));
	e->mem = open_memstream(&e->membuf, &e->memlen);
	if (e->ring == NULL || e->mem == NULL) {
		ctl_events_free(e);
		return NULL;
	}
	e->queue_tail = &e->queue;
	return e;
}

void
ctl_events_free(struct ctl_events *e)
{
	struct ctl_event_sub *s;
	size_t i;

	if (e == NULL)
		return;
	if (e->ring != NULL)
		for (i = 0; i < e->kept; i++)
			text_unref(e->ring[(e->head + i) %
			    e->limits.max_events]);
	free(e->ring);
	if (e->mem != NULL)
		fclose(e->mem);
	free(e->membuf);
	if (e->file != NULL)
		fclose(e->file);
	free(e->path);
	while ((s = e->subs) != NULL) {
		e->subs = s->next;
		free(s);
	}
	free(e);
}

/* Open path for appending, created 0640; NULL with why in err. */
static FILE *
open_append(const char *path, char *err, size_t errlen)
{
	FILE *f;
	int fd;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((f = fdopen(fd, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int
ctl_events_open_file(struct ctl_events *e, const char *path, char *err,
    size_t errlen)
{
	FILE *f;
	char *copy;

	if (path == NULL) {
		if (e->file != NULL)
			fclose(e->file);
		e->file = NULL;
		free(e->path);
		e->path = NULL;
		e->file_failing = 0;
		return 0;
	}
	if ((copy = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((f = open_append(path, err, errlen)) == NULL) {
		free(copy);
		return -1;
	}
	if (e->file != NULL)
		fclose(e->file);
	free(e->path);
	e->file = f;
	e->path = copy;
	e->file_failing = 0;
	return 0;
}

int
ctl_events_reopen(struct ctl_events *e, char *err, size_t errlen)
{
	FILE *f;

	if (e->path == NULL)
		return 0;
	/* Open first: if that fails, keep writing where we were. */
	if ((f = open_append(e->path, err, errlen)) == NULL)
		return -1;
	if (e->file != NULL)
		fclose(e->file);
	e->file = f;
	e->file_failing = 0;
	return 0;
}

/* Now as "2026-11-22T10:15:00.123Z". */
static void
format_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(buf, size, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

struct json_writer *
ctl_event_begin(struct ctl_events *e, const char *type)
{
	char now[64];

	if (e->building)
		fatalx("ctl_event_begin: an event is already being built");
	e->building = 1;
	format_time(now, sizeof(now));
	rewind(e->mem);			/* also clears a past error */
	jw_begin(&e->w, e->mem);
	jw_u64(&e->w, "seq", ++e->last_seq);
	jw_str(&e->w, "time", now);
	jw_str(&e->w, "type", type);
	return &e->w;
}

/* Append the line (membuf, with its "\n") to the events file. */
static void
write_file(struct ctl_events *e, size_t len)
{
	if (e->file == NULL)
		return;
	if (fwrite(e->membuf, 1, len, e->file) == len && !ferror(e->file)) {
		e->file_failing = 0;
		return;
	}
	e->file_errors++;
	if (!e->file_failing)
		log_warn("events file %s: write failed", e->path);
	e->file_failing = 1;
	clearerr(e->file);
}

static void
ring_drop_oldest(struct ctl_events *e)
{
	struct ev_text *t = e->ring[e->head];

	e->ring[e->head] = NULL;
	e->head = (e->head + 1) % e->limits.max_events;
	e->kept--;
	e->bytes -= t->len;
	e->dropped++;
	text_unref(t);
}

static void
ring_store(struct ctl_events *e, struct ev_text *t)
{
	if (e->kept == e->limits.max_events)
		ring_drop_oldest(e);
	t->refs++;
	e->ring[(e->head + e->kept) % e->limits.max_events] = t;
	e->kept++;
	e->bytes += t->len;
	/* May drop t itself when it alone is over the limit. */
	while (e->bytes > e->limits.max_bytes)
		ring_drop_oldest(e);
}

static void
deliver(struct ctl_events *e)
{
	struct ctl_event_sub *s, **sp;
	struct ev_text *t;

	e->draining = 1;
	while ((t = e->queue) != NULL) {
		if ((e->queue = t->qnext) == NULL)
			e->queue_tail = &e->queue;
		for (s = e->subs; s != NULL; s = s->next)
			if (s->fn != NULL && t->seq > s->since)
				s->fn(s->ctx, t->seq, t->json, t->len);
		text_unref(t);
	}
	e->draining = 0;
	for (sp = &e->subs; (s = *sp) != NULL;) {
		if (s->fn == NULL) {
			*sp = s->next;
			free(s);
		} else
			sp = &s->next;
	}
}

uint64_t
ctl_event_end(struct ctl_events *e)
{
	struct ev_text *t;
	uint64_t seq = e->last_seq;
	size_t len;

	if (!e->building)
		fatalx("ctl_event_end: no event is being built");
	e->building = 0;
	jw_end(&e->w);
	if (fflush(e->mem) != 0 || ferror(e->mem) || e->membuf == NULL ||
	    e->memlen == 0) {
		e->dropped++;		/* the stream could not grow */
		return seq;
	}
	len = e->memlen;
	write_file(e, len);
	len--;				/* the "\n" jw_end wrote */
	if ((t = malloc(sizeof(*t) + len + 1)) == NULL) {
		e->dropped++;
		return seq;
	}
	memcpy(t->json, e->membuf, len);
	t->json[len] = '\0';
	t->len = len;
	t->seq = seq;
	t->refs = 1;			/* ours, handed on to the queue */
	t->qnext = NULL;
	ring_store(e, t);
	if (e->subs == NULL) {
		text_unref(t);		/* frees it if the ring did not keep it */
		return seq;
	}
	*e->queue_tail = t;
	e->queue_tail = &t->qnext;
	if (!e->draining)
		deliver(e);
	return seq;
}

uint64_t
ctl_events_last_seq(const struct ctl_events *e)
{
	return e->last_seq;
}

uint64_t
ctl_events_first_seq(const struct ctl_events *e)
{
	return e->kept ? e->ring[e->head]->seq : 0;
}

static const struct ev_text *
ring_at(const struct ctl_events *e, size_t i)
{
	return e->ring[(e->head + i) % e->limits.max_events];
}

size_t
ctl_events_after(const struct ctl_events *e, uint64_t after, size_t max,
    ctl_event_cb *fn, void *ctx)
{
	const struct ev_text *t;
	size_t lo = 0, hi = e->kept, mid, n;

	/* The first stored event with seq > after. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ring_at(e, mid)->seq <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (n = 0; lo < e->kept && (max == 0 || n < max); lo++, n++) {
		t = ring_at(e, lo);
		fn(ctx, t->seq, t->json, t->len);
	}
	return n;
}

struct ctl_event_sub *
ctl_events_subscribe(struct ctl_events *e, ctl_event_cb *fn, void *ctx)
{
	struct ctl_event_sub *s, **sp;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->fn = fn;
	s->ctx = ctx;
	s->since = e->last_seq;
	/* At the end, so that subscribers hear events in subscription order. */
	for (sp = &e->subs; *sp != NULL; sp = &(*sp)->next)
		;
	*sp = s;
	e->n_subs++;
	return s;
}

void
ctl_events_unsubscribe(struct ctl_events *e, struct ctl_event_sub *s)
{
	struct ctl_event_sub **sp;

	if (s == NULL || s->fn == NULL)
		return;
	e->n_subs--;
	if (e->draining) {
		s->fn = NULL;		/* freed when the queue is drained */
		return;
	}
	for (sp = &e->subs; *sp != NULL; sp = &(*sp)->next)
		if (*sp == s) {
			*sp = s->next;
			break;
		}
	free(s);
}

void
ctl_events_stats(const struct ctl_events *e, struct ctl_events_stats *st)
{
	st->emitted = e->last_seq;
	st->dropped = e->dropped;
	st->file_errors = e->file_errors;
	st->subscribers = e->n_subs;
	st->kept = e->kept;
	st->bytes = e->bytes;
}
