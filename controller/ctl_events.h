/*
 * ctl_events.h - the controller's events: every decision, capture state
 * change, list refresh and reload, as one JSON object each, numbered.
 *
 * An event is built with the json_writer: ctl_event_begin() opens an
 * object that already holds "seq" (increasing from 1, never reused while
 * the process runs), "time" (ISO 8601 UTC with milliseconds) and "type";
 * the caller adds members; ctl_event_end() stores it.  Stored events are
 * kept in a ring bounded by count and bytes (the oldest are dropped and
 * counted), appended to the events file when one is open (one line each),
 * and handed to subscribers (long polls, Server-Sent Event streams).
 *
 * Writing the file: the events file is a log, written with one fwrite per
 * event on a line-buffered stream; a failure is counted and logged once
 * per streak, never fatal.  ctl_events_reopen() follows log rotation.
 */
#ifndef FS_CTL_EVENTS_H
#define FS_CTL_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"

struct ctl_events;

struct ctl_events_limits {
	size_t		max_events;	/* kept in memory (0: 10000) */
	size_t		max_bytes;	/* of event text in memory (0: 16 MiB) */
};

struct ctl_events_stats {
	uint64_t	emitted;	/* == last seq */
	uint64_t	dropped;	/* left the ring (oldest first), or never
				   got in (out of memory) */
	uint64_t	file_errors;	/* failed writes to the events file */
	uint64_t	subscribers;	/* now */
	size_t		kept;		/* in the ring now */
	size_t		bytes;		/* of text in the ring now */
};

/* Told of each event as it is stored: seq and the object without "\n". */
typedef void ctl_event_cb(void *ctx, uint64_t seq, const char *json,
	    size_t len);

struct ctl_events *ctl_events_new(const struct ctl_events_limits *);
void	ctl_events_free(struct ctl_events *);

/*
 * Append events to path (created 0640 if missing), or stop writing a file
 * with NULL.  Used at start-up and on SIGHUP (the path may change); on
 * failure -1 with why in err, and the previous file, if any, stays.
 */
int	ctl_events_open_file(struct ctl_events *, const char *path, char *err,
	    size_t errlen);
/* Close and open the same file again (after logrotate moved it). */
int	ctl_events_reopen(struct ctl_events *, char *err, size_t errlen);

/*
 * Start an event of type (a constant such as "capture_started").  The
 * writer is inside the object; add members with jw_*; then end it.  One
 * event is built at a time (begin/end must pair; nesting is a bug).
 */
struct json_writer *ctl_event_begin(struct ctl_events *, const char *type);
/* Store the event; returns its seq. */
uint64_t ctl_event_end(struct ctl_events *);

/* The last seq stored (0 before the first). */
uint64_t ctl_events_last_seq(const struct ctl_events *);
/* The oldest seq still in the ring (0 when empty). */
uint64_t ctl_events_first_seq(const struct ctl_events *);

/*
 * Visit the stored events with seq > after, oldest first, at most max
 * (0: no limit).  Returns how many were visited.  fn copies what it needs
 * and must not emit events (that would move the ring under the visit).
 */
size_t	ctl_events_after(const struct ctl_events *, uint64_t after, size_t max,
	    ctl_event_cb *fn, void *ctx);

/*
 * Hear of every event from now on.  Returns a handle for unsubscribe,
 * or NULL when out of memory.  A callback may unsubscribe itself (or
 * others) while being called, and may emit events: those are delivered
 * after the current one, so every subscriber sees seq order.
 */
struct ctl_event_sub;
struct ctl_event_sub *ctl_events_subscribe(struct ctl_events *,
	    ctl_event_cb *fn, void *ctx);
void	ctl_events_unsubscribe(struct ctl_events *, struct ctl_event_sub *);

void	ctl_events_stats(const struct ctl_events *, struct ctl_events_stats *);

#endif /* FS_CTL_EVENTS_H */
