/*
 * commands.h - the subcommands of the finderscope executable.
 */
#ifndef FS_COMMANDS_H
#define FS_COMMANDS_H

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

#endif /* FS_COMMANDS_H */
