/*
 * ctl_state_writer.c - the state file's writer thread (see
 * ctl_state_writer.h).  One mutex guards the pending snapshot, the
 * counters and the flags; the file is written outside it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic_file.h"
#include "ctl_state_writer.h"

#define RETRY_MS	1000

struct ctl_state_writer {
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 wake;		/* work or stop */
	pthread_cond_t		 idle;		/* nothing pending */
	char			*pending;	/* newest snapshot not written */
	size_t			 pending_len;
	int			 busy;		/* a write is under way */
	int			 failed;	/* the last write failed */
	int			 stop;
	struct ctl_state_writer_stats st;
	char			 last_error[512];
	char			 path[];
};

static void
deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *
run(void *arg)
{
	struct ctl_state_writer *w = arg;
	struct timespec retry;
	char *buf, err[512];
	size_t len;
	int rc;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->pending == NULL && !w->stop)
			pthread_cond_wait(&w->wake, &w->mu);
		if (w->pending == NULL)
			break;		/* stopping with nothing left */
		buf = w->pending;
		len = w->pending_len;
		w->pending = NULL;
		w->busy = 1;
		pthread_mutex_unlock(&w->mu);

		rc = atomic_file_write(w->path, buf, len, 0600, err,
		    sizeof(err));

		pthread_mutex_lock(&w->mu);
		w->busy = 0;
		if (rc == 0) {
			w->st.written++;
			w->failed = 0;
			free(buf);
		} else {
			w->st.failures++;
			w->failed = 1;
			snprintf(w->last_error, sizeof(w->last_error), "%s",
			    err);
			if (w->pending == NULL && !w->stop) {
				/* Nothing newer: try this one again soon. */
				w->pending = buf;
				w->pending_len = len;
				deadline_in(&retry, RETRY_MS);
				while (!w->stop && w->pending == buf &&
				    pthread_cond_timedwait(&w->wake, &w->mu,
				    &retry) != ETIMEDOUT)
					;
			} else
				free(buf);
		}
		if (w->pending == NULL || w->stop)
			pthread_cond_broadcast(&w->idle);
	}
	pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct ctl_state_writer *
ctl_state_writer_new(const char *path, char *err, size_t errlen)
{
	size_t n = strlen(path) + 1;
	struct ctl_state_writer *w;

	if ((w = calloc(1, sizeof(*w) + n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(w->path, path, n);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->idle, NULL);
	if ((errno = pthread_create(&w->thread, NULL, run, w)) != 0) {
		snprintf(err, errlen, "cannot start the state writer: %s",
		    strerror(errno));
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

void
ctl_state_writer_submit(struct ctl_state_writer *w, char *buf, size_t len)
{
	pthread_mutex_lock(&w->mu);
	w->st.submitted++;
	if (w->pending != NULL) {
		free(w->pending);
		w->st.superseded++;
	}
	w->pending = buf;
	w->pending_len = len;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

int
ctl_state_writer_drain(struct ctl_state_writer *w, int timeout_ms)
{
	struct timespec until;
	int rc = 0;

	deadline_in(&until, timeout_ms);
	pthread_mutex_lock(&w->mu);
	while ((w->busy || (w->pending != NULL && !w->failed)) && rc == 0)
		rc = pthread_cond_timedwait(&w->idle, &w->mu, &until);
	rc = w->busy || w->pending != NULL || w->failed ? -1 : 0;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void
ctl_state_writer_stats(struct ctl_state_writer *w,
    struct ctl_state_writer_stats *st, char *err, size_t errlen)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", w->last_error);
	pthread_mutex_unlock(&w->mu);
}

void
ctl_state_writer_free(struct ctl_state_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	free(w->pending);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
