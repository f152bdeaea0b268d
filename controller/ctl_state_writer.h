/*
 * ctl_state_writer.h - writes the controller's state file off the event
 * loop.
 *
 * The state file is rewritten on every capture transition, and an atomic
 * write costs two fsyncs: milliseconds on a quiet disk, much more on a
 * busy one.  The loop only serialises (microseconds) and hands the bytes
 * over; one thread writes them.  Snapshots that arrive while a write is
 * under way replace each other, so the thread always writes the newest
 * and a burst of transitions costs one or two writes.  A failed write is
 * retried after a second unless a newer snapshot arrives first.
 *
 * A second thread in the controller (the first builds the blacklists'
 * tables): a stalled disk must not stop sFlow ingest or the API.
 */
#ifndef FS_CTL_STATE_WRITER_H
#define FS_CTL_STATE_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct ctl_state_writer;

struct ctl_state_writer_stats {
	uint64_t	submitted;	/* snapshots handed over */
	uint64_t	written;	/* files written */
	uint64_t	superseded;	/* snapshots replaced before written */
	uint64_t	failures;	/* writes that failed */
};

/* A writer of path.  NULL with err. */
struct ctl_state_writer *ctl_state_writer_new(const char *path, char *err,
	    size_t errlen);

/* Hand over buf (len bytes, malloc'd: the writer frees it). */
void	ctl_state_writer_submit(struct ctl_state_writer *, char *buf,
	    size_t len);

/*
 * Wait until the last snapshot is written (or its write failed), at most
 * timeout_ms.  0 when written, -1 otherwise.  For shutdown.
 */
int	ctl_state_writer_drain(struct ctl_state_writer *, int timeout_ms);

/* The counters, and the last failure's message ("" when none) copied
 * into err. */
void	ctl_state_writer_stats(struct ctl_state_writer *,
	    struct ctl_state_writer_stats *, char *err, size_t errlen);

/* Stop the thread (after writing what is pending) and free.  NULL ok. */
void	ctl_state_writer_free(struct ctl_state_writer *);

#endif /* FS_CTL_STATE_WRITER_H */
