/*
 * ctl_state.c - the controller's state file on the loop's side: a
 * snapshot of the captures CTL_STATE_DELAY_MS after every change, handed
 * to the writer thread (ctl_state_writer.h), and what the tick checks.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "ctl_daemon.h"
#include "log.h"

/* Say so when writes start failing, and when they work again. */
static void
state_check(struct ctl_daemon *d)
{
	struct ctl_state_writer_stats st;
	char err[512];

	if (d->state_writer == NULL)
		return;
	ctl_state_writer_stats(d->state_writer, &st, err, sizeof(err));
	if (st.failures > d->state_failures_seen && !d->state_failing) {
		log_warnx("state file %s: %s", d->state_path, err);
		d->state_failing = 1;
	} else if (st.failures == d->state_failures_seen &&
	    d->state_failing && st.written > d->state_written_seen) {
		log_info("state file %s written again", d->state_path);
		d->state_failing = 0;
	}
	d->state_failures_seen = st.failures;
	d->state_written_seen = st.written;
}

static void
on_state_changed(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ctl_state_write(arg, 0);
}

int
ctl_state_start(struct ctl_daemon *d, char *err, size_t errlen)
{
	d->state_writer = ctl_state_writer_new(d->state_path, err, errlen);
	if (d->state_writer == NULL)
		return -1;
	d->state_ev = event_new(d->base, -1, 0, on_state_changed, d);
	if (d->state_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
ctl_state_changed(struct ctl_daemon *d)
{
	struct timeval soon = { 0, CTL_STATE_DELAY_MS * 1000 };

	d->state_dirty = 1;
	if (d->state_ev != NULL && !event_pending(d->state_ev, EV_TIMEOUT,
	    NULL))
		evtimer_add(d->state_ev, &soon);
}

void
ctl_state_tick(struct ctl_daemon *d)
{
	ctl_state_write(d, 0);	/* a snapshot that could not be taken */
	state_check(d);
}

void
ctl_state_write(struct ctl_daemon *d, int force)
{
	char *buf;
	size_t len;

	if ((!d->state_dirty && !force) || d->state_writer == NULL)
		return;
	if (ctl_captures_serialize(d->captures, &buf, &len) == -1) {
		/* Stays dirty: the next change or tick tries again. */
		log_warnx("state file: out of memory");
		return;
	}
	ctl_state_writer_submit(d->state_writer, buf, len);
	d->state_dirty = 0;
}

void
ctl_state_stop(struct ctl_daemon *d)
{
	char err[512];

	if (d->state_ev != NULL) {
		event_free(d->state_ev);
		d->state_ev = NULL;
	}
	if (d->state_writer == NULL)
		return;
	if (ctl_state_writer_drain(d->state_writer, 5000) == -1) {
		struct ctl_state_writer_stats st;

		ctl_state_writer_stats(d->state_writer, &st, err,
		    sizeof(err));
		log_warnx("state file %s not written at exit: %s",
		    d->state_path, err[0] != '\0' ? err : "timed out");
	}
	ctl_state_writer_free(d->state_writer);
	d->state_writer = NULL;
}
