/*
 * The subcommands of the shenbao binary (CONTRACT.md, "Command line").
 */
#ifndef SB_CLI_H
#define SB_CLI_H

/* Runs the command line; returns the process exit status. */
int cli_main(int argc, char **argv);

#endif
