/*
 * cmd_common.c - what the two daemons' mains share: -n (check and maybe
 * print the configuration) and detaching from the terminal.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "commands.h"
#include "log.h"

int
cmd_config_check(struct ctl_config *cfg, int verbose)
{
	int rc = 0;

	if (verbose)
		rc = ctl_config_print(cfg, stdout) == 0 ? 0 : 1;
	else
		fprintf(stderr, "configuration OK\n");
	ctl_config_free(cfg);
	return rc;
}

int
cmd_detach(int foreground, const char **config_path, char *buf, size_t size)
{
	char *abs;

	if (foreground)
		return 0;
	/* daemon() moves to "/": a relative name would not reload. */
	if ((abs = realpath(*config_path, NULL)) != NULL) {
		if (snprintf(buf, size, "%s", abs) < (int)size)
			*config_path = buf;
		free(abs);
	}
	if (daemon(0, 0) == -1) {
		log_warn("daemon");
		return -1;
	}
	return 0;
}
