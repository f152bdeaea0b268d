/*
 * commands.h - the subcommands of the finderscope executable.
 */
#ifndef FS_COMMANDS_H
#define FS_COMMANDS_H

#include <stddef.h>

#include "ctl_config.h"

/* Each returns the process exit status; argv[0] is the subcommand name. */
int	cmd_sflow(int argc, char **argv);
void	cmd_sflow_usage(void);
int	cmd_blacklist(int argc, char **argv);
void	cmd_blacklist_usage(void);
int	cmd_decap(int argc, char **argv);
void	cmd_decap_usage(void);
int	cmd_controller(int argc, char **argv);
void	cmd_controller_usage(void);
int	cmd_receiver(int argc, char **argv);
void	cmd_receiver_usage(void);

/* -n: "configuration OK", or with verbose the normalised print; frees
 * cfg; the exit status. */
int	cmd_config_check(struct ctl_config *cfg, int verbose);
/*
 * Unless foreground, become a daemon; *config_path is made absolute first
 * (into buf) so that a reload after the move to "/" finds it.  0 or -1.
 */
int	cmd_detach(int foreground, const char **config_path, char *buf,
	    size_t size);

#endif /* FS_COMMANDS_H */
