/*
 * child_proc.h - run a program as a child process on a libevent loop,
 * without ever blocking the loop: spawn it, feed it stdin, collect its
 * stdout and stderr, watch its exit, time it out.
 *
 * The program is spawned from an argv (no shell, no PATH search) with
 * posix_spawn(): only the three pipes reach it (every other descriptor is
 * closed in the child), its signal mask is empty and its dispositions are
 * the defaults (a daemon that ignores SIGPIPE does not pass that on), and
 * it leads a new process group, which our kills (SIGKILL) go to as well.
 * stdin is a socket pair end the parent writes without blocking and with
 * MSG_NOSIGNAL, so a child that exits without reading its input cannot
 * kill the parent with SIGPIPE; stdout and stderr are non-blocking pipes
 * read as they fill, each up to a cap (bytes beyond it are counted, and
 * the child is killed: its output is no longer trustworthy).  The exit is
 * watched through a pidfd (pidfd_open(), Linux 5.3) as a read event, so
 * there is no SIGCHLD handler and nothing else reaps our children.
 *
 * A run ends in exactly one call of its callback, from the loop and never
 * from inside child_proc_start(), once the process has exited and been
 * reaped and its output read; the handle is freed when the callback
 * returns.  child_proc_cancel() kills and reaps a run that is under way
 * and frees it without a callback.
 */
#ifndef FS_CHILD_PROC_H
#define FS_CHILD_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CHILD_PROC_MAX_OUTPUT	((size_t)4 << 20)	/* per stream */

struct event_base;
struct child_proc;

/* What to run.  Zero fields take the defaults given. */
struct child_proc_opts {
	const char *const	*argv;		/* argv[0]: the program's path */
	const char *const	*envp;		/* NULL: an empty environment */
	const void		*input;		/* stdin bytes (copied), or
						   NULL: stdin at EOF at once */
	size_t			 input_len;
	uint32_t		 timeout_ms;	/* SIGKILL after it; 0: 10000 */
	size_t			 max_output;	/* per stream; 0: the max */
};

/*
 * How a run ended.  Exactly one of exited, signaled is set.  out and err
 * are NUL-terminated (the NUL not counted) and valid only during the
 * callback.
 */
struct child_result {
	int		 exited;	/* exit_status is valid */
	int		 exit_status;
	int		 signaled;	/* killed by term_signal */
	int		 term_signal;
	int		 timed_out;	/* ... by us, at the deadline */
	int		 overflow;	/* ... by us, over max_output */
	int		 input_short;	/* stdin closed before all was read */
	const char	*out;
	size_t		 out_len;
	size_t		 out_dropped;	/* bytes over the cap */
	const char	*err;
	size_t		 err_len;
	size_t		 err_dropped;
	uint64_t	 elapsed_us;	/* spawn to reaped */
};

typedef void child_proc_cb(void *arg, const struct child_result *);

/*
 * Spawn opts->argv on base.  The handle (valid until the callback has
 * returned or child_proc_cancel()), or NULL with the reason in err when
 * nothing runs: a bad argument, no descriptors or memory, or a program
 * that cannot be executed (glibc's posix_spawn reports exec failures,
 * and has reaped that child already).  *errnop, when not NULL, receives
 * the errno of a failure (0 for a bad argument).
 */
struct child_proc *child_proc_start(struct event_base *,
	    const struct child_proc_opts *, child_proc_cb *, void *arg,
	    int *errnop, char *err, size_t errlen);

/* Kill (SIGKILL), reap and free a run without its callback.  NULL: no-op. */
void	child_proc_cancel(struct child_proc *);

/* The child's process id (for logs and tests). */
pid_t	child_proc_pid(const struct child_proc *);

#endif /* FS_CHILD_PROC_H */
