/*
 * log.h - one logging interface for the daemons and the tools (after
 * OpenBSD's log.c): to stderr in the foreground, to syslog otherwise.
 */
#ifndef FS_LOG_H
#define FS_LOG_H

#include <stdarg.h>

/*
 * Start logging as progname.  foreground: write to stderr, else syslog.
 * verbose: 0 info and above, 1 also debug.
 */
void	log_init(const char *progname, int foreground, int verbose);
void	log_setverbose(int verbose);
int	log_getverbose(void);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log and exit(1): only at start-up or for impossible states. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* FS_LOG_H */
