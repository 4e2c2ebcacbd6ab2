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

/* store commands (cmd_store.c has their shared plumbing) */
int cmd_init(int argc, char **argv);
int cmd_operator(int argc, char **argv);
int cmd_account(int argc, char **argv);
int cmd_sk(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_mint(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_tenant(int argc, char **argv);
int cmd_store(int argc, char **argv);
/* `creds ACCOUNT USER`: the store form of `creds` (cmd_mint.c). */
struct cli_cmd;
struct cli_args;
int store_creds_run(const struct cli_cmd *cmd, const struct cli_args *a);
int cmd_push(int argc, char **argv); /* cmd_push.c */
int cmd_pull(int argc, char **argv); /* cmd_push.c */
int cmd_export_nsc(int argc, char **argv);  /* cmd_nsc.c */
int cmd_import_nsc(int argc, char **argv);  /* cmd_nsc.c */
int cmd_export_keys(int argc, char **argv); /* cmd_nsc.c */
int cmd_connect_test(int argc, char **argv); /* cmd_client.c */

#endif
