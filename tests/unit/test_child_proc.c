/*
 * test_child_proc.c - child processes on a libevent loop
 * (common/child_proc.c): exit codes, stdout and stderr, stdin through
 * /bin/cat, the output cap, the deadline, a program that is not there,
 * cancelling a run, and after each case: no child left (waitpid says
 * ECHILD) and no descriptor left open (/proc/self/fd counted before and
 * after).  A fresh event base per case.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "fs_test.h"

#include "child_proc.h"

struct run {
	struct event_base	*base;
	int			 calls;
	struct child_result	 r;
	char			*out, *err;	/* copies */
	int			 fds_before;
};

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

static void
on_done(void *arg, const struct child_result *r)
{
	struct run *run = arg;

	run->calls++;
	run->r = *r;
	run->out = malloc(r->out_len + 1);
	run->err = malloc(r->err_len + 1);
	assert_non_null(run->out);
	assert_non_null(run->err);
	memcpy(run->out, r->out, r->out_len + 1);
	memcpy(run->err, r->err, r->err_len + 1);
	run->r.out = run->out;
	run->r.err = run->err;
	/* The strings are NUL-terminated where the lengths say. */
	assert_int_equal(r->out[r->out_len], '\0');
	assert_int_equal(r->err[r->err_len], '\0');
}

static void
run_init(struct run *run)
{
	memset(run, 0, sizeof(*run));
	run->fds_before = count_fds();
	run->base = event_base_new();
	assert_non_null(run->base);
}

/* No child of ours is left, zombie or not, and no descriptor. */
static void
run_end(struct run *run)
{
	free(run->out);
	free(run->err);
	event_base_free(run->base);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(count_fds(), run->fds_before);
}

/* Run argv to completion (the loop ends when nothing is left). */
static void
run_argv(struct run *run, const char *const *argv, const char *input,
    uint32_t timeout_ms, size_t max_output)
{
	struct child_proc_opts o;
	struct child_proc *cp;
	char err[256];
	int e;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.input = input;
	o.input_len = input != NULL ? strlen(input) : 0;
	o.timeout_ms = timeout_ms;
	o.max_output = max_output;
	cp = child_proc_start(run->base, &o, on_done, run, &e, err,
	    sizeof(err));
	if (cp == NULL)
		fail_msg("start: %s", err);
	assert_true(child_proc_pid(cp) > 0);
	/* Never called back from inside the start. */
	assert_int_equal(run->calls, 0);
	/* 1: it ran until nothing was left. */
	assert_int_equal(event_base_dispatch(run->base), 1);
	assert_int_equal(run->calls, 1);
}

static void
exit_true(void **state)
{
	static const char *const argv[] = { "/bin/true", NULL };
	struct run run;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, NULL, 5000, 0);
	assert_true(run.r.exited);
	assert_int_equal(run.r.exit_status, 0);
	assert_false(run.r.signaled);
	assert_false(run.r.timed_out);
	assert_int_equal(run.r.out_len, 0);
	assert_int_equal(run.r.err_len, 0);
	run_end(&run);
}

static void
exit_false(void **state)
{
	static const char *const argv[] = { "/bin/false", NULL };
	struct run run;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, NULL, 5000, 0);
	assert_true(run.r.exited);
	assert_int_equal(run.r.exit_status, 1);
	run_end(&run);
}

static void
out_and_err(void **state)
{
	static const char *const argv[] = { "/bin/sh", "-c",
	    "printf 'to out\\n'; printf 'to err\\n' >&2; exit 3", NULL };
	struct run run;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, NULL, 5000, 0);
	assert_true(run.r.exited);
	assert_int_equal(run.r.exit_status, 3);
	assert_string_equal(run.r.out, "to out\n");
	assert_string_equal(run.r.err, "to err\n");
	run_end(&run);
}

/* Only 0, 1 and 2 reach the child; its environment is ours to give. */
static void
no_fds_inherited(void **state)
{
	static const char *const argv[] = { "/bin/sh", "-c",
	    "ls /proc/self/fd | tr '\\n' ' '; printf '[%s]' \"$HOME\"", NULL };
	struct run run;
	int leak;

	(void)state;
	/* A descriptor without close-on-exec, as a careless caller has. */
	leak = dup(2);
	assert_true(leak > 2);
	assert_int_equal(fcntl(leak, F_SETFD, 0), 0);
	run_init(&run);
	run_argv(&run, argv, NULL, 5000, 0);
	/* ls's own directory descriptor is 3. */
	assert_string_equal(run.r.out, "0 1 2 3 []");
	run_end(&run);
	close(leak);
}

static void
stdin_through_cat(void **state)
{
	static const char *const argv[] = { "/bin/cat", NULL };
	struct run run;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, "line one\nline two\n", 5000, 0);
	assert_true(run.r.exited);
	assert_int_equal(run.r.exit_status, 0);
	assert_string_equal(run.r.out, "line one\nline two\n");
	assert_false(run.r.input_short);
	run_end(&run);
}

/* More input than a socket buffer holds goes through without blocking. */
static void
stdin_large(void **state)
{
	static const char *const argv[] = { "/usr/bin/wc", "-c", NULL };
	struct run run;
	size_t n = (size_t)3 << 20;
	char *big = malloc(n + 1);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	run_init(&run);
	run_argv(&run, argv, big, 10000, 0);
	assert_int_equal(run.r.exit_status, 0);
	assert_int_equal(strtoul(run.r.out, NULL, 10), n);
	run_end(&run);
	free(big);
}

/* A child that never reads its input: no SIGPIPE, input_short. */
static void
stdin_not_read(void **state)
{
	static const char *const argv[] = { "/bin/true", NULL };
	struct run run;
	size_t n = (size_t)4 << 20;
	char *big = malloc(n + 1);

	(void)state;
	assert_non_null(big);
	memset(big, 'y', n);
	big[n] = '\0';
	signal(SIGPIPE, SIG_DFL);	/* it would kill us if it came */
	run_init(&run);
	run_argv(&run, argv, big, 5000, 0);
	assert_true(run.r.exited);
	assert_int_equal(run.r.exit_status, 0);
	assert_true(run.r.input_short);
	run_end(&run);
	free(big);
}

static void
output_over_cap(void **state)
{
	static const char *const argv[] = { "/bin/sh", "-c",
	    "while :; do printf '0123456789abcdef'; done", NULL };
	struct run run;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, NULL, 10000, 1000);
	assert_true(run.r.overflow);
	assert_true(run.r.signaled);
	assert_int_equal(run.r.term_signal, SIGKILL);
	assert_false(run.r.timed_out);
	assert_int_equal(run.r.out_len, 1000);
	assert_true(run.r.out_dropped > 0);
	assert_memory_equal(run.r.out, "0123456789abcdef", 16);
	run_end(&run);
}

/* Exactly at the cap is not over it. */
static void
output_at_cap(void **state)
{
	static const char *const argv[] = { "/bin/sh", "-c",
	    "printf '0123456789'", NULL };
	struct run run;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, NULL, 5000, 10);
	assert_false(run.r.overflow);
	assert_true(run.r.exited);
	assert_string_equal(run.r.out, "0123456789");
	run_end(&run);
}

static void
timeout_kills(void **state)
{
	static const char *const argv[] = { "/bin/sleep", "30", NULL };
	struct run run;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, NULL, 200, 0);
	assert_true(run.r.timed_out);
	assert_true(run.r.signaled);
	assert_int_equal(run.r.term_signal, SIGKILL);
	assert_true(run.r.elapsed_us >= 200000);
	assert_true(run.r.elapsed_us < 5000000);
	run_end(&run);
}

/* Live (not zombie) processes in process group pgid. */
static int
count_group(long pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], buf[512], *p, state;
	long pgrp;
	int n = 0;
	FILE *f;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* "pid (comm) state ppid pgrp ...": after the last ')' */
		if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %c %*d %ld", &state, &pgrp) != 2)
			continue;
		if (pgrp == pgid && state != 'Z')
			n++;
	}
	closedir(d);
	return n;
}

/* A shell killed at the deadline takes its own child along (it leads a
 * process group): nothing of it is left running. */
static void
timeout_kills_group(void **state)
{
	static const char *const argv[] = { "/bin/sh", "-c",
	    "echo $$; /bin/sleep 30; echo never", NULL };
	struct run run;
	long pgid;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, NULL, 300, 0);
	assert_true(run.r.timed_out);
	pgid = strtol(run.r.out, NULL, 10);
	assert_true(pgid > 1);
	assert_string_equal(strchr(run.r.out, '\n'), "\n");
	assert_int_equal(count_group(pgid), 0);
	run_end(&run);
}

/* A child that keeps its stdout open through a grandchild: the run
 * still ends when the child exits. */
static void
grandchild_holds_pipe(void **state)
{
	static const char *const argv[] = { "/bin/sh", "-c",
	    "(sleep 2 &) ; echo parent-done", NULL };
	struct run run;

	(void)state;
	run_init(&run);
	run_argv(&run, argv, NULL, 5000, 0);
	assert_true(run.r.exited);
	assert_string_equal(run.r.out, "parent-done\n");
	assert_true(run.r.elapsed_us < 1500000);
	free(run.out);
	free(run.err);
	event_base_free(run.base);
	/* The grandchild is not ours (it was re-parented): no ECHILD check
	 * here, and its pipe end is not ours either. */
	assert_int_equal(count_fds(), run.fds_before);
}

static void
missing_program(void **state)
{
	static const char *const argv[] = { "/nonexistent/ovs-ofctl", "x",
	    NULL };
	struct child_proc_opts o;
	struct run run;
	char err[256];
	int e = 0;

	(void)state;
	run_init(&run);
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	assert_null(child_proc_start(run.base, &o, on_done, &run, &e, err,
	    sizeof(err)));
	assert_int_equal(e, ENOENT);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(event_base_dispatch(run.base), 1);	/* no events */
	assert_int_equal(run.calls, 0);
	run_end(&run);
}

static void
bad_arguments(void **state)
{
	static const char *const empty[] = { NULL };
	struct child_proc_opts o;
	struct run run;
	char err[256];
	int e = -1;

	(void)state;
	run_init(&run);
	memset(&o, 0, sizeof(o));
	assert_null(child_proc_start(run.base, &o, on_done, &run, &e, err,
	    sizeof(err)));
	assert_int_equal(e, 0);
	o.argv = empty;
	assert_null(child_proc_start(run.base, &o, on_done, &run, &e, err,
	    sizeof(err)));
	child_proc_cancel(NULL);
	run_end(&run);
}

static void
cancel_running(void **state)
{
	static const char *const argv[] = { "/bin/sleep", "30", NULL };
	struct child_proc_opts o;
	struct child_proc *cp;
	struct run run;
	char err[256];
	pid_t pid;

	(void)state;
	run_init(&run);
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.input = "unread input";
	o.input_len = 12;
	cp = child_proc_start(run.base, &o, on_done, &run, NULL, err,
	    sizeof(err));
	assert_non_null(cp);
	pid = child_proc_pid(cp);
	/* Let it start, then take it away. */
	event_base_loop(run.base, EVLOOP_NONBLOCK);
	child_proc_cancel(cp);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(event_base_dispatch(run.base), 1);	/* no events */
	assert_int_equal(run.calls, 0);
	run_end(&run);
}

/* Several at once on one loop, each with its own result. */
static void
several_at_once(void **state)
{
	static const char *const a[] = { "/bin/sh", "-c", "echo a; exit 4",
	    NULL };
	static const char *const b[] = { "/bin/cat", NULL };
	static const char *const c[] = { "/bin/sleep", "5", NULL };
	struct child_proc_opts o;
	struct run ra, rb, rc;
	struct event_base *base;
	char err[256];
	int fds = count_fds();

	(void)state;
	base = event_base_new();
	assert_non_null(base);
	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	memset(&rc, 0, sizeof(rc));
	memset(&o, 0, sizeof(o));
	o.argv = a;
	assert_non_null(child_proc_start(base, &o, on_done, &ra, NULL, err,
	    sizeof(err)));
	o.argv = b;
	o.input = "bee";
	o.input_len = 3;
	assert_non_null(child_proc_start(base, &o, on_done, &rb, NULL, err,
	    sizeof(err)));
	o.argv = c;
	o.input = NULL;
	o.input_len = 0;
	o.timeout_ms = 300;
	assert_non_null(child_proc_start(base, &o, on_done, &rc, NULL, err,
	    sizeof(err)));
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(ra.calls + rb.calls + rc.calls, 3);
	assert_int_equal(ra.r.exit_status, 4);
	assert_string_equal(ra.r.out, "a\n");
	assert_string_equal(rb.r.out, "bee");
	assert_true(rc.r.timed_out);
	free(ra.out);
	free(ra.err);
	free(rb.out);
	free(rb.err);
	free(rc.out);
	free(rc.err);
	event_base_free(base);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(count_fds(), fds);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(exit_true),
	cmocka_unit_test(exit_false),
	cmocka_unit_test(out_and_err),
	cmocka_unit_test(no_fds_inherited),
	cmocka_unit_test(stdin_through_cat),
	cmocka_unit_test(stdin_large),
	cmocka_unit_test(stdin_not_read),
	cmocka_unit_test(output_over_cap),
	cmocka_unit_test(output_at_cap),
	cmocka_unit_test(timeout_kills),
	cmocka_unit_test(timeout_kills_group),
	cmocka_unit_test(grandchild_holds_pipe),
	cmocka_unit_test(missing_program),
	cmocka_unit_test(bad_arguments),
	cmocka_unit_test(cancel_running),
	cmocka_unit_test(several_at_once),
};

FS_TEST_MAIN(tests)
