/*
 * main.c - the natsauth tool: the top-level command table and process exit.
 *
 * Each command group lives in cmd_<noun>.c and parses its arguments into a
 * config struct before calling libnatsauth. Only main() exits. Standard
 * output is fully buffered in a buffer we own, so that a seed printed by
 * `keys gen` or `creds` can be wiped from it after the final flush; a write
 * error on stdout (full disk, closed pipe) turns into exit code 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd_store.h"
#include "cmds.h"
#include "util.h"

int cmd_callout(int argc, char **argv); /* cmd_callout.c */

typedef struct cli_noun {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} cli_noun;

static const cli_noun nouns[] = {
    {"keys", cmd_keys, "generate nkeys and xkeys; sign, verify, seal and open data"},
    {"jwt", cmd_jwt, "sign NATS JWT v2 claims"},
    {"decode", cmd_decode, "show (and with --verify, check) a JWT, decorated JWT or .creds file"},
    {"creds", cmd_creds, "write a .creds file: from a user JWT and its seed, or of a stored user"},
    /* the account store (cmd_store.c: shared plumbing) */
    {"init", cmd_init, "create the store: operator, system account, accounts"},
    {"operator", cmd_operator, "show or edit the operator (service URLs, signing keys)"},
    {"account", cmd_account, "add, edit, show, list, remove and revoke accounts"},
    {"sk", cmd_sk, "account signing keys, plain or scoped (roles)"},
    {"user", cmd_user, "add, edit, show, list, remove and revoke users"},
    {"export", cmd_export, "add or remove an account's stream/service exports"},
    {"import", cmd_import, "add or remove an account's imports"},
    {"mint", cmd_mint, "short-lived creds for a user that is not stored"},
    {"config", cmd_config, "nats-server configuration for the operator and accounts"},
    {"tenant", cmd_tenant, "organisations (accounts), their apps (users) and members"},
    {"store", cmd_store, "the store file: its path; seal or unseal its seeds"},
    {"push", cmd_push, "send account JWTs to NATS servers (update, delete removed accounts)"},
    {"pull", cmd_pull, "fetch the servers' account JWTs and compare them with the store"},
    {"export-nsc", cmd_export_nsc, "write the store in nsc's layout (stores and keys)"},
    {"import-nsc", cmd_import_nsc, "import an nsc operator, accounts, users and keys"},
    {"export-keys", cmd_export_keys, "write an account signing key to a .env file"},
    {"connect-test", cmd_connect_test, "connect with a .creds file; try publishes and subscribes"},
    {"callout", cmd_callout, "the auth callout daemon: serve, check or query its config"},
};
#define NOUN_COUNT (sizeof nouns / sizeof nouns[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: natsauth COMMAND [ARGS]\n\n"
               "A native toolkit for NATS decentralized auth (nkeys, xkeys, JWT v2, creds).\n\n"
               "commands:\n");
    for (size_t i = 0; i < NOUN_COUNT; i++)
        fprintf(f, "  %-8s %s\n", nouns[i].name, nouns[i].help);
    fprintf(f, "  %-8s %s\n", "help", "show this help, or 'help COMMAND' for a command");
    fprintf(f, "  %-8s %s\n", "version", "print the version");
    fprintf(f, "\nSeeds are never taken from the command line: options that need one take a\n"
               "file (a seed or a .creds file), - for stdin, or env:NAME.\n"
               "Store commands (init ... pull) keep the operator, accounts and users in a\n"
               "SQLite file: --store PATH (before or after the command), else $NATSAUTH_STORE,\n"
               "else ~/.local/share/natsauth/store.db. A sealed store needs\n"
               "$NATSAUTH_PASSPHRASE (or asks on a terminal). --conflict idempotent (or\n"
               "$NATSAUTH_CONFLICT) makes an identical add a no-op instead of an error.\n"
               "Exit status: 0 ok, 1 failure, 2 usage error.\n"
               "Run 'natsauth COMMAND --help' for the options of a command.\n");
}

static const cli_noun *find_noun(const char *name)
{
    for (size_t i = 0; i < NOUN_COUNT; i++)
        if (strcmp(nouns[i].name, name) == 0)
            return &nouns[i];
    return NULL;
}

static int run(int argc, char **argv)
{
    const cli_noun *n;
    const char *cmd;
    int first = st_global_options(argc, argv); /* [--store PATH] [--conflict POLICY] */
    if (first < 0)
        return CLI_USAGE;
    argc -= first - 1;
    argv += first - 1;
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        if (argc > 2) {
            cli_err("version: unexpected argument '%.60s'", argv[2]);
            return CLI_USAGE;
        }
        printf("natsauth %s\n", NATSAUTH_VERSION);
        return CLI_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        char help_flag[] = "--help";
        char *sub[2];
        if (argc < 3) {
            usage(stdout);
            return CLI_OK;
        }
        if (argc > 3) {
            cli_err("help: unexpected argument '%.60s'", argv[3]);
            return CLI_USAGE;
        }
        n = find_noun(argv[2]);
        if (!n) {
            cli_err("help: unknown command '%.60s' (try 'natsauth help')", argv[2]);
            return CLI_USAGE;
        }
        sub[0] = argv[2];
        sub[1] = help_flag;
        return n->fn(2, sub);
    }
    n = find_noun(cmd);
    if (!n) {
        cli_err("unknown command '%.60s' (try 'natsauth help')", cmd);
        return CLI_USAGE;
    }
    return n->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    static char outbuf[1 << 16];
    int rc;
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    rc = run(argc, argv);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno;
        /* report once; a failing command already said what failed */
        if (rc == CLI_OK)
            cli_err("cannot write to stdout: %s", e ? cli_errstr(e) : "write error");
        rc = rc == CLI_OK ? CLI_FAIL : rc;
    }
    na_wipe(outbuf, sizeof outbuf);
    return rc;
}
