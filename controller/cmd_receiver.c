/*
 * cmd_receiver.c - `finderscope receiver -c FILE [-d] [-n] [-v] [--read
 * IN.pcap]`: the receiver daemon's main, a table of contents in the order
 * OpenBSD daemons use: options, config, check-only exit, detach, open
 * every socket and file, dispatch.
 *
 * The receiver keeps root: its raw sockets and libpcap need CAP_NET_RAW,
 * and an input that libpcap stops on is opened again.  Run it with only
 * that capability (systemd AmbientCapabilities=CAP_NET_RAW) where the
 * archive folder allows.
 *
 * --read replays a capture file through the same path (decapsulation,
 * filing, archive) and exits when it is done: 0 when the file was read to
 * its end, 1 otherwise.  It asks the controller once first, so a replay
 * files packets by the captures active now; it opens no API.
 */
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "commands.h"
#include "ctl_config.h"
#include "log.h"
#include "rcv_daemon.h"
#include "version.h"

void
cmd_receiver_usage(void)
{
	fprintf(stderr,
	    "usage: finderscope receiver -c FILE [-d] [-n] [-v] "
	    "[--read IN.pcap]\n"
	    "\n"
	    "  -c FILE         the configuration file (see docs/config.md)\n"
	    "  -d              stay in the foreground and log to stderr\n"
	    "  -n              check the configuration and exit (with -v:\n"
	    "                  print it normalised, every default filled in)\n"
	    "  -v              more logging (debug)\n"
	    "  --read IN.pcap  take the packets from a capture file instead\n"
	    "                  of the configured input, file them, flush\n"
	    "                  and exit (stays in the foreground)\n");
}

int
cmd_receiver(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *read_path = NULL;
	int ch, foreground = 0, check = 0, verbose = 0, rc;
	struct ctl_config *cfg;
	struct event_base *base;
	struct rcv_daemon *d;
	char err[1024], abspath[PATH_MAX];

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:dnvh", opts, NULL)) != -1) {
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
		case 'r':
			read_path = optarg;
			break;
		case 'h':
			cmd_receiver_usage();
			return 0;
		default:
			cmd_receiver_usage();
			return 1;
		}
	}
	if (path == NULL || optind != argc) {
		cmd_receiver_usage();
		return 1;
	}
	if (read_path != NULL)
		foreground = 1;
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
	/* Large (the live clients, the unassigned ids): not on the stack. */
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		free(d);
		ctl_config_free(cfg);
		return 1;
	}
	/* From here d owns cfg. */
	if (rcv_daemon_start(d, base, path, cfg, read_path, verbose) == -1) {
		rcv_daemon_free(d);
		event_base_free(base);
		free(d);
		return 1;
	}
	log_info("finderscope %s receiver started", FINDERSCOPE_VERSION);
	event_base_dispatch(base);
	rc = d->exit_status;
	rcv_daemon_free(d);
	event_base_free(base);
	free(d);
	log_info("finderscope receiver stopped");
	return rc;
}
