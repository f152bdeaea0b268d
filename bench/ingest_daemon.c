/*
 * ingest_daemon.c - the controller daemon under test, in a process of its
 * own: ctl_daemon_start() on a fresh event base, exactly as `finderscope
 * controller -d` runs it, plus a control socket on the same loop.
 *
 * Why a process: its resident memory is then the daemon's alone, it has a
 * CPU clock of its own, and the bench's senders and bare receiver compete
 * with it for the CPUs as other programs on the host would.  It is forked
 * before the bench allocates its datagram pool, and waits for START.
 *
 * The protocol is one fixed-size struct each way over a SOCK_SEQPACKET
 * socketpair; every command gets exactly one reply.  PAUSE stops the loop
 * (the reply comes once it has stopped), so the kernel queues datagrams
 * for the daemon without anybody reading them; DRAIN then runs the loop
 * flat out until n more datagrams went through ctl_ingest_datagram and
 * times it in the daemon's process.  An event subscriber is the trigger
 * hook (see struct ing_shared).
 */
#define _GNU_SOURCE		/* memmem, pipe2 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ctl_daemon.h"
#include "ingest.h"
#include "log.h"

#define CALL_TIMEOUT_MS		120000
#define DRAIN_IDLE		1000	/* empty loop passes: nothing more came */
#define PATH_LEN		1024

enum ing_op {
	ING_CMD_START = 1,
	ING_CMD_STATS,
	ING_CMD_PAUSE,
	ING_CMD_DRAIN,
	ING_CMD_TRIM,
	ING_CMD_QUIT,
};

struct ing_cmd {
	int		op;
	uint64_t	arg;
	char		config[PATH_LEN];
	char		log[PATH_LEN];
};

struct ing_reply {
	int		ok;
	char		err[256];
	struct ing_stats st;
};

struct child {
	struct ctl_daemon	 d;
	struct event_base	*base;
	struct event		*ev_ctl;
	struct ctl_event_sub	*sub;
	struct ing_shared	*sh;
	struct ing_cmd		 start;		/* d.config_path points here */
	int			 ctl;
	int			 notify;
	pid_t			 parent;
	int			 started;
	int			 paused;
	int			 quit;
};

/* ---- the daemon's side ---------------------------------------------------- */

static void
read_status(uint64_t *rss_kb, uint64_t *hwm_kb)
{
	char line[256];
	FILE *f;

	*rss_kb = *hwm_kb = 0;
	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss_kb = strtoull(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm_kb = strtoull(line + 6, NULL, 10);
	}
	fclose(f);
}

static void
stats_fill(const struct child *c, struct ing_stats *st)
{
	const struct ctl_daemon *d = &c->d;
	struct ctl_listener_stats ls;
	struct ctl_flows_stats fs;
	struct ctl_captures_stats cs;
	struct ctl_events_stats es;
	struct timespec ts;
	struct mallinfo2 mi = mallinfo2();

	memset(st, 0, sizeof(*st));
	read_status(&st->vm_rss_kb, &st->vm_hwm_kb);
	st->heap_free = mi.fordblks;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	st->cpu_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (!c->started)
		return;
	st->datagrams = d->counters.datagrams;
	if (d->n_listeners > 0 && d->listeners[0] != NULL) {
		ctl_listener_stats(d->listeners[0], &ls);
		st->kernel_drops = ls.kernel_drops;
		st->rcvbuf = ls.rcvbuf;
		st->sflow_port = ctl_listener_port(d->listeners[0]);
	}
	st->flow_samples = d->sflow.flow_samples;
	st->decode_errors = d->sflow.bad_version + d->sflow.truncated +
	    d->sflow.invalid + d->sflow.bad_samples;
	st->keyed = d->counters.flow_samples_keyed;
	memcpy(st->verdicts, d->counters.verdicts, sizeof(st->verdicts));
	memcpy(st->decisions, d->counters.decisions, sizeof(st->decisions));
	if (d->table != NULL) {
		st->prefixes = bl_table_prefixes(d->table);
		st->table_memory = bl_table_memory(d->table);
	}
	st->table_builds = d->counters.table_builds;
	st->building = d->job != NULL;
	ctl_flows_stats(d->flows, &fs);
	st->flows = fs.flows;
	st->max_flows = fs.max_flows;
	st->flows_evicted = fs.evicted;
	st->flows_memory = fs.memory;
	ctl_captures_stats(d->captures, &cs);
	st->live_captures = cs.live;
	st->captures_created = cs.created;
	if (d->state_writer != NULL) {
		struct ctl_state_writer_stats ws;

		ctl_state_writer_stats(d->state_writer, &ws, NULL, 0);
		st->state_writes = ws.written;
	}
	ctl_events_stats(d->events, &es);
	st->events = es.emitted;
}

static void
child_reply(struct child *c, int ok, const char *err, const struct ing_stats *st)
{
	struct ing_reply r;

	memset(&r, 0, sizeof(r));
	r.ok = ok;
	if (err != NULL)
		snprintf(r.err, sizeof(r.err), "%s", err);
	if (st != NULL)
		r.st = *st;
	else
		stats_fill(c, &r.st);
	while (send(c->ctl, &r, sizeof(r), MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			_exit(1);
}

/* A command, waiting without the loop; exits when the bench is gone. */
static void
child_recv(struct child *c, struct ing_cmd *cmd)
{
	struct pollfd pfd = { c->ctl, POLLIN, 0 };
	ssize_t n;

	for (;;) {
		if (getppid() != c->parent)
			_exit(1);
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = recv(c->ctl, cmd, sizeof(*cmd), 0);
		if (n == (ssize_t)sizeof(*cmd))
			return;
		if (n == -1 && errno == EINTR)
			continue;
		_exit(1);
	}
}

static void
format_local(uint32_t a, char *buf, size_t size)
{
	snprintf(buf, size, "\"local\":\"%u.%u.%u.%u\"", a >> 24,
	    (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/*
 * The trigger hook.  The clock is read first: this is the moment the
 * request has left the policy (ctl_capture_request stores the event before
 * it activates the capture).
 */
static void
on_event(void *ctx, uint64_t seq, const char *json, size_t len)
{
	static const char req[] = "\"type\":\"capture_requested\"";
	static const char started[] = "\"type\":\"capture_started\"";
	struct child *c = ctx;
	struct ing_shared *sh = c->sh;
	int64_t t = ing_now_ns();
	char pat[64];

	(void)seq;
	if (!__atomic_load_n(&sh->armed, __ATOMIC_ACQUIRE))
		return;
	format_local(__atomic_load_n(&sh->expect_local, __ATOMIC_ACQUIRE),
	    pat, sizeof(pat));
	if (memmem(json, len, req, sizeof(req) - 1) != NULL) {
		if (memmem(json, len, pat, strlen(pat)) == NULL) {
			__atomic_add_fetch(&sh->mismatched, 1, __ATOMIC_RELEASE);
			return;
		}
		__atomic_store_n(&sh->requested_ns, t, __ATOMIC_RELEASE);
		__atomic_add_fetch(&sh->requested, 1, __ATOMIC_RELEASE);
	} else if (memmem(json, len, started, sizeof(started) - 1) != NULL &&
	    memmem(json, len, pat, strlen(pat)) != NULL) {
		while (write(c->notify, "x", 1) == -1 && errno == EINTR)
			;
	}
}

static void
on_ctl(evutil_socket_t fd, short what, void *arg)
{
	struct child *c = arg;
	struct ing_cmd cmd;
	ssize_t n;

	(void)what;
	n = recv(fd, &cmd, sizeof(cmd), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != (ssize_t)sizeof(cmd)) {
		/* The bench is gone: stop as on SIGTERM. */
		c->quit = 1;
		ctl_daemon_stop(&c->d);
		return;
	}
	switch (cmd.op) {
	case ING_CMD_STATS:
		child_reply(c, 1, NULL, NULL);
		break;
	case ING_CMD_TRIM:
		(void)malloc_trim(0);
		child_reply(c, 1, NULL, NULL);
		break;
	case ING_CMD_PAUSE:
		c->paused = 1;
		event_base_loopbreak(c->base);
		break;
	case ING_CMD_QUIT:
		c->quit = 1;
		ctl_daemon_stop(&c->d);
		break;
	default:
		child_reply(c, 0, "command not valid while running", NULL);
	}
}

/* Paused: the socket fills.  Then run flat out until n more went in. */
static void
child_drain(struct child *c, uint64_t n)
{
	struct ing_stats st;
	uint64_t first = c->d.counters.datagrams, before;
	int64_t t0, t1;
	int idle = 0;

	t0 = ing_now_ns();
	while (c->d.counters.datagrams - first < n && idle < DRAIN_IDLE) {
		before = c->d.counters.datagrams;
		event_base_loop(c->base, EVLOOP_NONBLOCK);
		idle = c->d.counters.datagrams == before ? idle + 1 : 0;
	}
	t1 = ing_now_ns();
	stats_fill(c, &st);
	st.drain_seconds = (double)(t1 - t0) / 1e9;
	st.drained = c->d.counters.datagrams - first;
	child_reply(c, 1, NULL, &st);
}

static void
child_paused(struct child *c)
{
	struct ing_cmd cmd;

	child_reply(c, 1, NULL, NULL);
	while (c->paused) {
		child_recv(c, &cmd);
		switch (cmd.op) {
		case ING_CMD_STATS:
			child_reply(c, 1, NULL, NULL);
			break;
		case ING_CMD_DRAIN:
			c->paused = 0;
			child_drain(c, cmd.arg);
			break;
		case ING_CMD_QUIT:
			c->paused = 0;
			c->quit = 1;
			ctl_daemon_stop(&c->d);
			break;
		default:
			child_reply(c, 0, "command not valid while paused",
			    NULL);
		}
	}
}

static int
child_start(struct child *c)
{
	struct ctl_config *cfg;
	char err[PATH_LEN + 256];
	int fd;

	/* Before START, only the memory of the process as forked. */
	for (child_recv(c, &c->start); c->start.op == ING_CMD_STATS;
	    child_recv(c, &c->start))
		child_reply(c, 1, NULL, NULL);
	if (c->start.op != ING_CMD_START)
		_exit(1);
	fd = open(c->start.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd == -1 || dup2(fd, STDERR_FILENO) == -1) {
		snprintf(err, sizeof(err), "%s: %s", c->start.log,
		    strerror(errno));
		child_reply(c, 0, err, NULL);
		return -1;
	}
	close(fd);
	log_init("finderscope", 1, 0);
	if ((cfg = ctl_config_load(c->start.config, err, sizeof(err))) == NULL) {
		child_reply(c, 0, err, NULL);
		return -1;
	}
	if ((c->base = event_base_new()) == NULL) {
		ctl_config_free(cfg);
		child_reply(c, 0, "event_base_new failed", NULL);
		return -1;
	}
	if (ctl_daemon_start(&c->d, c->base, c->start.config, cfg, 0) == -1) {
		snprintf(err, sizeof(err), "the daemon did not start (see %s)",
		    c->start.log);
		child_reply(c, 0, err, NULL);
		return -1;
	}
	c->started = 1;
	c->sub = ctl_events_subscribe(c->d.events, on_event, c);
	c->ev_ctl = event_new(c->base, c->ctl, EV_READ | EV_PERSIST, on_ctl,
	    c);
	if (c->sub == NULL || c->ev_ctl == NULL ||
	    event_add(c->ev_ctl, NULL) == -1) {
		child_reply(c, 0, "out of memory", NULL);
		return -1;
	}
	child_reply(c, 1, NULL, NULL);
	return 0;
}

static void
child_main(int ctl, int notify, struct ing_shared *sh, pid_t parent)
{
	struct ing_stats st;
	struct child *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		_exit(1);
	c->ctl = ctl;
	c->notify = notify;
	c->sh = sh;
	c->parent = parent;
	if (child_start(c) == -1)
		_exit(1);
	while (!c->quit) {
		event_base_dispatch(c->base);
		if (c->paused)
			child_paused(c);
		else if (!c->quit && c->d.stopping)
			break;		/* SIGTERM: the bench is gone */
	}
	stats_fill(c, &st);
	event_free(c->ev_ctl);
	ctl_events_unsubscribe(c->d.events, c->sub);
	ctl_daemon_free(&c->d);
	event_base_free(c->base);
	if (c->quit)
		child_reply(c, 1, NULL, &st);
	free(c);
	_exit(0);
}

/* ---- the bench's side ----------------------------------------------------- */

static void
fail(struct ing_daemon *dm, const char *what)
{
	fprintf(stderr, "bench_ingest: daemon process %ld: %s\n",
	    (long)dm->pid, what);
	kill(dm->pid, SIGKILL);
	exit(1);
}

static void
call(struct ing_daemon *dm, const struct ing_cmd *cmd, struct ing_reply *rep)
{
	struct pollfd pfd = { dm->ctl, POLLIN, 0 };
	ssize_t n;
	int rc;

	while ((n = send(dm->ctl, cmd, sizeof(*cmd), MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*cmd))
		fail(dm, "cannot send a command");
	while ((rc = poll(&pfd, 1, CALL_TIMEOUT_MS)) == -1 && errno == EINTR)
		;
	if (rc == 0)
		fail(dm, "no answer");
	while ((n = recv(dm->ctl, rep, sizeof(*rep), 0)) == -1 &&
	    errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*rep))
		fail(dm, "gone");
}

static void
simple(struct ing_daemon *dm, int op, uint64_t arg, struct ing_stats *st)
{
	struct ing_cmd cmd;
	struct ing_reply rep;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = op;
	cmd.arg = arg;
	call(dm, &cmd, &rep);
	if (!rep.ok)
		fail(dm, rep.err);
	if (st != NULL)
		*st = rep.st;
}

void
ing_daemon_fork(struct ing_daemon *dm, struct ing_shared *sh)
{
	int sv[2], pfd[2], fd;
	pid_t parent = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1 ||
	    pipe2(pfd, O_CLOEXEC) == -1) {
		perror("bench_ingest: socketpair");
		exit(1);
	}
	fflush(stdout);
	fflush(stderr);
	if ((dm->pid = fork()) == -1) {
		perror("bench_ingest: fork");
		exit(1);
	}
	if (dm->pid == 0) {
		/* Only its own ends: another daemon's must see it go. */
		for (fd = 3; fd < 1024; fd++)
			if (fd != sv[1] && fd != pfd[1])
				close(fd);
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0UL, 0UL, 0UL);
		child_main(sv[1], pfd[1], sh, parent);
	}
	close(sv[1]);
	close(pfd[1]);
	dm->ctl = sv[0];
	dm->notify = pfd[0];
}

int
ing_daemon_start(struct ing_daemon *dm, const char *config_path,
    const char *log_path, struct ing_stats *st, char *err, size_t errlen)
{
	struct ing_cmd cmd;
	struct ing_reply rep;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = ING_CMD_START;
	if (snprintf(cmd.config, sizeof(cmd.config), "%s", config_path) >=
	    (int)sizeof(cmd.config) ||
	    snprintf(cmd.log, sizeof(cmd.log), "%s", log_path) >=
	    (int)sizeof(cmd.log)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	call(dm, &cmd, &rep);
	if (!rep.ok) {
		snprintf(err, errlen, "%s", rep.err);
		waitpid(dm->pid, NULL, 0);
		return -1;
	}
	*st = rep.st;
	return 0;
}

void
ing_daemon_stats(struct ing_daemon *dm, struct ing_stats *st)
{
	simple(dm, ING_CMD_STATS, 0, st);
}

void
ing_daemon_trim(struct ing_daemon *dm, struct ing_stats *st)
{
	simple(dm, ING_CMD_TRIM, 0, st);
}

void
ing_daemon_pause(struct ing_daemon *dm)
{
	simple(dm, ING_CMD_PAUSE, 0, NULL);
}

void
ing_daemon_drain(struct ing_daemon *dm, uint64_t n, struct ing_stats *st)
{
	simple(dm, ING_CMD_DRAIN, n, st);
}

void
ing_daemon_quit(struct ing_daemon *dm)
{
	int status;

	simple(dm, ING_CMD_QUIT, 0, NULL);
	while (waitpid(dm->pid, &status, 0) == -1)
		if (errno != EINTR)
			break;
	close(dm->ctl);
	close(dm->notify);
}
