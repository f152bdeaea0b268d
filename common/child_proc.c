/*
 * child_proc.c - a child process on a libevent loop (see child_proc.h).
 *
 * A run owns up to five descriptors, every one close-on-exec and, on our
 * side, non-blocking:
 *   in     our end of the stdin socket pair, until the input is written
 *   out    the read end of the stdout pipe, until EOF
 *   err    the read end of the stderr pipe, until EOF
 *   pidfd  the child, readable once it has exited
 * and a timer.  The run completes when the pidfd says the child exited:
 * it is reaped (waitpid on our own pid: nothing else reaps it, and its
 * pid cannot be reused before that), whatever is still in the pipes is
 * read without waiting (a grandchild that keeps a pipe open cannot hold
 * the run), and the callback gets the result.  Until the child is reaped
 * every kill goes through the pidfd, so it can never reach another
 * process.  The child leads a process group of its own, so a kill (at the
 * deadline, over the output cap, on cancel) takes whatever it started
 * too, and a terminal's ^C goes to us, not to it.
 */
#define _GNU_SOURCE		/* posix_spawn_file_actions_addclosefrom_np */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "child_proc.h"

#define DEFAULT_TIMEOUT_MS	10000
#define READ_CHUNK		65536

struct stream {
	int		 fd;		/* -1 once closed */
	struct event	*ev;
	char		*buf;
	size_t		 len, cap;
	size_t		 dropped;
};

struct child_proc {
	struct event_base	*base;
	pid_t			 pid;
	int			 pidfd;
	int			 reaped, status, killed;
	struct event		*exit_ev, *timer;
	/* stdin */
	int			 in_fd;
	struct event		*in_ev;
	unsigned char		*input;
	size_t			 input_len, input_off;
	int			 input_short;
	struct stream		 out, err;
	size_t			 max_output;
	int			 timed_out, overflow;
	struct timespec		 t0;
	child_proc_cb		*cb;
	void			*arg;
};

static const char *const empty_env[] = { NULL };

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
free_event(struct event **ev)
{
	if (*ev != NULL)
		event_free(*ev);
	*ev = NULL;
}

static void
stream_close(struct stream *s)
{
	free_event(&s->ev);
	close_fd(&s->fd);
}

static void
input_close(struct child_proc *cp)
{
	free_event(&cp->in_ev);
	close_fd(&cp->in_fd);
}

/*
 * SIGKILL the child and its process group (a shell's children too) while
 * they are ours to signal: until the child is reaped neither its pid nor
 * its group id can be reused.
 */
static void
kill_child(struct child_proc *cp)
{
	if (cp->reaped || cp->killed)
		return;
	kill(-cp->pid, SIGKILL);
	if (pidfd_send_signal(cp->pidfd, SIGKILL, NULL, 0) == 0 ||
	    errno == ESRCH)
		cp->killed = 1;
}

static void
proc_free(struct child_proc *cp)
{
	input_close(cp);
	stream_close(&cp->out);
	stream_close(&cp->err);
	free_event(&cp->exit_ev);
	free_event(&cp->timer);
	close_fd(&cp->pidfd);
	free(cp->out.buf);
	free(cp->err.buf);
	free(cp->input);
	free(cp);
}

/* Keep n bytes of data in s, up to the cap; the rest is counted. */
static void
stream_keep(struct child_proc *cp, struct stream *s, const char *data,
    size_t n)
{
	size_t room = cp->max_output - s->len, take = n < room ? n : room;

	if (take > 0) {
		if (s->len + take + 1 > s->cap) {
			size_t cap = s->cap ? s->cap : 4096;
			char *p;

			while (cap < s->len + take + 1)
				cap *= 2;
			if ((p = realloc(s->buf, cap)) == NULL) {
				/* Counted as dropped, like bytes over the cap. */
				s->dropped += n;
				cp->overflow = 1;
				kill_child(cp);
				return;
			}
			s->buf = p;
			s->cap = cap;
		}
		memcpy(s->buf + s->len, data, take);
		s->len += take;
		s->buf[s->len] = '\0';
	}
	if (take < n) {
		s->dropped += n - take;
		cp->overflow = 1;
		kill_child(cp);
	}
}

/*
 * Read what s holds now: until it would block (0) or ends (EOF or an
 * error: the stream is closed, 1).
 */
static int
stream_read(struct child_proc *cp, struct stream *s)
{
	char chunk[READ_CHUNK];
	ssize_t n;

	while (s->fd >= 0) {
		n = read(s->fd, chunk, sizeof(chunk));
		if (n > 0) {
			stream_keep(cp, s, chunk, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		stream_close(s);
		return 1;
	}
	return 1;
}

static void
on_stream(evutil_socket_t fd, short what, void *arg)
{
	struct child_proc *cp = arg;

	(void)what;
	stream_read(cp, fd == cp->out.fd ? &cp->out : &cp->err);
}

static void
on_input(evutil_socket_t fd, short what, void *arg)
{
	struct child_proc *cp = arg;
	ssize_t n;

	(void)fd;
	(void)what;
	while (cp->input_off < cp->input_len) {
		n = send(cp->in_fd, cp->input + cp->input_off,
		    cp->input_len - cp->input_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			cp->input_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* EPIPE, ECONNRESET: the child closed its stdin early. */
		cp->input_short = 1;
		break;
	}
	/* All written (or refused): closing our end is the child's EOF. */
	input_close(cp);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct child_proc *cp = arg;

	(void)fd;
	(void)what;
	cp->timed_out = 1;
	kill_child(cp);
}

static uint64_t
elapsed_us(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - t0->tv_sec) * 1000000u +
	    (uint64_t)((now.tv_nsec - t0->tv_nsec) / 1000);
}

static void
on_exit_ready(evutil_socket_t fd, short what, void *arg)
{
	struct child_proc *cp = arg;
	struct child_result r;
	pid_t w;

	(void)fd;
	(void)what;
	do
		w = waitpid(cp->pid, &cp->status, WNOHANG);
	while (w == -1 && errno == EINTR);
	if (w == 0) {
		/* Readable but not a zombie yet: impossible; look again. */
		event_add(cp->exit_ev, NULL);
		return;
	}
	cp->reaped = 1;
	if (w == -1)
		cp->status = 0x7f00;	/* reaped by someone else: exit 127 */
	/* What the child wrote is in the pipes: take it, do not wait. */
	stream_read(cp, &cp->out);
	stream_read(cp, &cp->err);
	input_close(cp);

	memset(&r, 0, sizeof(r));
	if (WIFSIGNALED(cp->status)) {
		r.signaled = 1;
		r.term_signal = WTERMSIG(cp->status);
	} else {
		r.exited = 1;
		r.exit_status = WEXITSTATUS(cp->status);
	}
	r.timed_out = cp->timed_out;
	r.overflow = cp->overflow;
	r.input_short = cp->input_short ||
	    cp->input_off < cp->input_len;
	r.out = cp->out.buf != NULL ? cp->out.buf : "";
	r.out_len = cp->out.len;
	r.out_dropped = cp->out.dropped;
	r.err = cp->err.buf != NULL ? cp->err.buf : "";
	r.err_len = cp->err.len;
	r.err_dropped = cp->err.dropped;
	r.elapsed_us = elapsed_us(&cp->t0);
	cp->cb(cp->arg, &r);
	proc_free(cp);
}

/* fd moved to 3 or above (so the child's dup2s cannot clash), CLOEXEC. */
static int
fd_above_stdio(int fd)
{
	int moved;

	if (fd < 0 || fd > 2)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return moved;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Spawn argv with child ends cin, cout, cerr as 0, 1, 2.  0 or errno. */
static int
spawn(struct child_proc *cp, const struct child_proc_opts *o, int cin,
    int cout, int cerr)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawn_file_actions_adddup2(&fa, cin, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, cout, 1)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, cerr, 2)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&attr, &all)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) == 0 &&
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)) == 0)
		rc = posix_spawn(&cp->pid, o->argv[0], &fa, &attr,
		    (char *const *)(uintptr_t)o->argv,
		    (char *const *)(uintptr_t)(o->envp != NULL ? o->envp :
		    empty_env));
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

static int
fail(int *errnop, int e, char *err, size_t errlen, const char *what)
{
	if (errnop != NULL)
		*errnop = e;
	if (e != 0)
		snprintf(err, errlen, "%s: %s", what, strerror(e));
	else
		snprintf(err, errlen, "%s", what);
	return -1;
}

struct child_proc *
child_proc_start(struct event_base *base, const struct child_proc_opts *o,
    child_proc_cb *cb, void *arg, int *errnop, char *err, size_t errlen)
{
	struct child_proc *cp;
	struct timeval tv;
	int sv[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	uint32_t ms;
	int e;

	if (errnop != NULL)
		*errnop = 0;
	if (o->argv == NULL || o->argv[0] == NULL || o->argv[0][0] == '\0' ||
	    cb == NULL) {
		fail(errnop, 0, err, errlen, "no program to run");
		return NULL;
	}
	if ((cp = calloc(1, sizeof(*cp))) == NULL) {
		fail(errnop, errno, err, errlen, "child_proc");
		return NULL;
	}
	cp->base = base;
	cp->pid = -1;
	cp->pidfd = cp->in_fd = cp->out.fd = cp->err.fd = -1;
	cp->cb = cb;
	cp->arg = arg;
	cp->max_output = o->max_output ? o->max_output : CHILD_PROC_MAX_OUTPUT;
	if (o->input_len > 0) {
		if (o->input == NULL || (cp->input = malloc(o->input_len)) ==
		    NULL) {
			fail(errnop, o->input == NULL ? 0 : ENOMEM, err, errlen,
			    "stdin");
			goto out;
		}
		memcpy(cp->input, o->input, o->input_len);
		cp->input_len = o->input_len;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1 ||
	    pipe2(po, O_CLOEXEC) == -1 || pipe2(pe, O_CLOEXEC) == -1) {
		fail(errnop, errno, err, errlen, "pipes");
		goto out;
	}
	sv[0] = fd_above_stdio(sv[0]);
	sv[1] = fd_above_stdio(sv[1]);
	po[0] = fd_above_stdio(po[0]);
	po[1] = fd_above_stdio(po[1]);
	pe[0] = fd_above_stdio(pe[0]);
	pe[1] = fd_above_stdio(pe[1]);
	if (sv[0] < 0 || sv[1] < 0 || po[0] < 0 || po[1] < 0 || pe[0] < 0 ||
	    pe[1] < 0 || set_nonblock(sv[0]) == -1 ||
	    set_nonblock(po[0]) == -1 || set_nonblock(pe[0]) == -1) {
		fail(errnop, errno, err, errlen, "pipes");
		goto out;
	}
	/* Only the child reads stdin: no half of it flows back to us. */
	shutdown(sv[0], SHUT_RD);
	cp->in_fd = sv[0];
	cp->out.fd = po[0];
	cp->err.fd = pe[0];
	sv[0] = po[0] = pe[0] = -1;
	clock_gettime(CLOCK_MONOTONIC, &cp->t0);
	if ((e = spawn(cp, o, sv[1], po[1], pe[1])) != 0) {
		cp->pid = -1;
		fail(errnop, e, err, errlen, o->argv[0]);
		goto out;
	}
	close_fd(&sv[1]);
	close_fd(&po[1]);
	close_fd(&pe[1]);
	if ((cp->pidfd = pidfd_open(cp->pid, 0)) == -1) {
		e = errno;
		kill(-cp->pid, SIGKILL);	/* not reaped: still ours */
		while (waitpid(cp->pid, NULL, 0) == -1 && errno == EINTR)
			;
		cp->pid = -1;
		fail(errnop, e, err, errlen, "pidfd_open");
		goto out;
	}
	ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	if ((cp->exit_ev = event_new(base, cp->pidfd, EV_READ, on_exit_ready,
	    cp)) == NULL ||
	    (cp->out.ev = event_new(base, cp->out.fd, EV_READ | EV_PERSIST,
	    on_stream, cp)) == NULL ||
	    (cp->err.ev = event_new(base, cp->err.fd, EV_READ | EV_PERSIST,
	    on_stream, cp)) == NULL ||
	    (cp->timer = evtimer_new(base, on_timeout, cp)) == NULL ||
	    event_add(cp->exit_ev, NULL) == -1 ||
	    event_add(cp->out.ev, NULL) == -1 ||
	    event_add(cp->err.ev, NULL) == -1 ||
	    evtimer_add(cp->timer, &tv) == -1) {
		child_proc_cancel(cp);
		fail(errnop, ENOMEM, err, errlen, "events");
		return NULL;
	}
	if (cp->input_len == 0)
		input_close(cp);
	else if ((cp->in_ev = event_new(base, cp->in_fd, EV_WRITE |
	    EV_PERSIST, on_input, cp)) == NULL ||
	    event_add(cp->in_ev, NULL) == -1) {
		child_proc_cancel(cp);
		fail(errnop, ENOMEM, err, errlen, "events");
		return NULL;
	}
	return cp;
out:
	close_fd(&sv[0]);
	close_fd(&sv[1]);
	close_fd(&po[0]);
	close_fd(&po[1]);
	close_fd(&pe[0]);
	close_fd(&pe[1]);
	proc_free(cp);
	return NULL;
}

void
child_proc_cancel(struct child_proc *cp)
{
	if (cp == NULL)
		return;
	if (cp->pid > 0 && !cp->reaped) {
		kill_child(cp);
		/*
		 * SIGKILL cannot be caught: the wait is as long as the kernel
		 * takes to tear the process down, not as long as it likes.
		 */
		while (waitpid(cp->pid, NULL, 0) == -1 && errno == EINTR)
			;
		cp->reaped = 1;
	}
	proc_free(cp);
}

pid_t
child_proc_pid(const struct child_proc *cp)
{
	return cp->pid;
}
