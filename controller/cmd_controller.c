/*
 * cmd_controller.c - `finderscope controller -c FILE [-d] [-n] [-v]`: the
 * daemon's main, a table of contents in the order OpenBSD daemons use:
 * options, config, check-only exit, detach, open every socket and file,
 * drop privileges, dispatch.
 */
#define _GNU_SOURCE		/* setresuid, setresgid */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "ctl_config.h"
#include "ctl_daemon.h"
#include "ctl_lists.h"
#include "log.h"
#include "version.h"

void
cmd_controller_usage(void)
{
	fprintf(stderr,
	    "usage: finderscope controller -c FILE [-d] [-n] [-v]\n"
	    "\n"
	    "  -c FILE  the configuration file (see docs/config.md)\n"
	    "  -d       stay in the foreground and log to stderr\n"
	    "  -n       check the configuration and exit (with -v: print\n"
	    "           it normalised, every default filled in)\n"
	    "  -v       more logging (debug)\n");
}

/* Hand what the daemon writes to the user it runs as. */
static int
chown_state(const struct ctl_config *cfg, uid_t uid, gid_t gid)
{
	char dir[1024];

	if (chown(cfg->controller.state_dir, uid, gid) == -1)
		return -1;
	if (ctl_lists_cache_dir(cfg, dir, sizeof(dir)) == 0 &&
	    chown(dir, uid, gid) == -1 && errno != ENOENT)
		return -1;
	if (cfg->controller.events_file != NULL &&
	    chown(cfg->controller.events_file, uid, gid) == -1)
		return -1;
	return 0;
}

/*
 * Become cfg's user (and group) after every socket and file is open.
 * Reloads then run as that user: a new listen address below 1024 or an
 * unreadable token file makes the reload fail and the old one stay.
 */
static int
drop_privileges(const struct ctl_config *cfg)
{
	const char *user = cfg->controller.user;
	const char *group = cfg->controller.group;
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if (user == NULL && group == NULL)
		return 0;
	if (user == NULL) {
		log_warnx("'group' needs 'user' as well");
		return -1;
	}
	if ((pw = getpwnam(user)) == NULL) {
		log_warnx("no such user: %s", user);
		return -1;
	}
	gid = pw->pw_gid;
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			log_warnx("no such group: %s", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (chown_state(cfg, pw->pw_uid, gid) == -1) {
		log_warn("giving the state to %s", user);
		return -1;
	}
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		log_warn("dropping privileges to %s", user);
		return -1;
	}
	if (setuid(0) != -1 && pw->pw_uid != 0) {
		log_warnx("could still become root after dropping privileges");
		return -1;
	}
	log_info("running as %s", user);
	return 0;
}

int
cmd_controller(int argc, char **argv)
{
	const char *path = NULL;
	int ch, foreground = 0, check = 0, verbose = 0, rc;
	struct ctl_config *cfg;
	struct event_base *base;
	struct ctl_daemon d;
	char err[1024], abspath[PATH_MAX];

	optind = 1;
	while ((ch = getopt(argc, argv, "c:dnv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			cmd_controller_usage();
			return 1;
		}
	}
	if (path == NULL || optind != argc) {
		cmd_controller_usage();
		return 1;
	}
	log_init("finderscope", foreground || check, verbose);

	if ((cfg = ctl_config_load(path, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	if (check)
		return cmd_config_check(cfg, verbose);
	if (cmd_detach(foreground, &path, abspath, sizeof(abspath)) == -1) {
		ctl_config_free(cfg);
		return 1;
	}
	if ((base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		ctl_config_free(cfg);
		return 1;
	}
	/* From here d owns cfg. */
	if (ctl_daemon_start(&d, base, path, cfg, verbose) == -1 ||
	    drop_privileges(d.cfg) == -1) {
		ctl_daemon_free(&d);
		event_base_free(base);
		return 1;
	}
	log_info("finderscope %s controller started", FINDERSCOPE_VERSION);
	event_base_dispatch(base);
	rc = d.exit_status;
	ctl_daemon_free(&d);
	event_base_free(base);
	log_info("finderscope controller stopped");
	return rc;
}
