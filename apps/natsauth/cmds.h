/*
 * cmds.h - the natsauth command groups, one file per noun (cmd_<noun>.c).
 * Each entry point gets argv with argv[0] = the noun and returns an exit
 * code (CLI_OK, CLI_FAIL, CLI_USAGE).
 */
#ifndef NATSAUTH_CLI_CMDS_H
#define NATSAUTH_CLI_CMDS_H

int cmd_keys(int argc, char **argv);
int cmd_jwt(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_creds(int argc, char **argv);

#endif
