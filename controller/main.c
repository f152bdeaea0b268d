/*
 * main.c - finderscope: one executable, subcommands like git.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "version.h"

struct command {
	const char	*name;
	const char	*summary;
	int		(*run)(int, char **);
	void		(*usage)(void);
};

static const struct command commands[] = {
	{ "controller", "the daemon: sFlow in, blacklist match, captures, "
	    "REST API", cmd_controller, cmd_controller_usage },
	{ "receiver", "the companion: GRE/ERSPAN in, pcap archive, live "
	    "feed", cmd_receiver, cmd_receiver_usage },
	{ "sflow", "decode sFlow v5 datagrams from a capture file",
	    cmd_sflow, cmd_sflow_usage },
	{ "blacklist", "look addresses up in the lists; fetch the lists",
	    cmd_blacklist, cmd_blacklist_usage },
	{ "decap", "take GRE/ERSPAN off the frames of a capture file",
	    cmd_decap, cmd_decap_usage },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: finderscope SUBCOMMAND [ARGS...]\n"
	    "       finderscope help SUBCOMMAND\n"
	    "       finderscope --version\n\nsubcommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name,
		    commands[i].summary);
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct command *cmd;

	log_init("finderscope", 1, 0);
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("finderscope %s\n", FINDERSCOPE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc > 2 && (cmd = find_command(argv[2])) != NULL) {
			cmd->usage();
			return 0;
		}
		usage(stdout);
		return argc > 2 ? 1 : 0;
	}
	if ((cmd = find_command(argv[1])) == NULL) {
		fprintf(stderr, "finderscope: unknown subcommand '%s'\n",
		    argv[1]);
		usage(stderr);
		return 1;
	}
	return cmd->run(argc - 1, argv + 1);
}
