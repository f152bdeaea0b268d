/*
 * daemon_loop.h - the signals and the clock both daemons answer on their
 * event loop: SIGHUP reloads, SIGTERM and SIGINT stop, a tick every second
 * runs their housekeeping.  SIGPIPE is ignored: a client that leaves in
 * the middle of a reply is an error on that write, not the end of us.
 */
#ifndef FS_DAEMON_LOOP_H
#define FS_DAEMON_LOOP_H

struct event;
struct event_base;

struct daemon_loop_ops {
	void	(*reload)(void *ctx);	/* SIGHUP */
	void	(*stop)(void *ctx);	/* SIGTERM, SIGINT */
	void	(*tick)(void *ctx);	/* every second */
};

struct daemon_loop {
	const struct daemon_loop_ops *ops;
	void		*ctx;
	struct event	*sighup, *sigterm, *sigint, *tick;
};

/* Register on base; 0, or -1 (out of memory) with nothing left behind. */
int	daemon_loop_start(struct daemon_loop *, struct event_base *,
	    const struct daemon_loop_ops *, void *ctx);
/* Unregister; safe on a zeroed or half-started loop. */
void	daemon_loop_stop(struct daemon_loop *);

#endif /* FS_DAEMON_LOOP_H */
