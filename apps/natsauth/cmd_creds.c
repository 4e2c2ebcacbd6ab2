/*
 * cmd_creds.c - `natsauth creds`: build a .creds file (user JWT + user seed)
 * with na_creds_format, exactly as jwt.FormatUserConfig writes it. With two
 * arguments (`creds ACCOUNT USER`) the creds of a stored user instead
 * (store_creds_run in cmd_mint.c).
 *
 * The output holds a seed: it goes to stdout only when asked (no -o), and
 * to a file only through a 0600 temp file renamed into place, so no reader
 * ever sees a partial or world-readable creds file. Buffers are wiped.
 */
#include <string.h>

#include "cmds.h"
#include "util.h"

enum { C_JWT, C_SEED, C_OUT, C_STORE, C_JSON };
static const cli_opt creds_opts[] = {
    {"jwt", 0, "FILE", "the user JWT: raw, decorated or a .creds file; - for stdin"},
    {"seed", 0, "FILE", "the user seed (SU...): a file (bare seed or .creds), - for stdin, "
                        "or env:NAME"},
    {"output", 'o', "OUT", "write to OUT (mode 0600, atomically) instead of stdout"},
    {"store", 0, "PATH", "ACCOUNT USER: the store (default: $NATSAUTH_STORE, else "
                         "~/.local/share/natsauth/store.db)"},
    {"json", 0, NULL, "ACCOUNT USER: print {\"account\",\"user\",\"pub\",\"expires\",\"creds\"} "
                    "(\"file\" with -o)"},
    {NULL, 0, NULL, NULL},
};

struct creds_cfg {
    const char *jwt, *seed, *out;
};

static int run_creds(const cli_cmd *cmd, const cli_args *a)
{
    struct creds_cfg cfg = {a->val[C_JWT], a->val[C_SEED], a->val[C_OUT]};
    na_err err = {0};
    na_nkey *k = NULL;
    char *jwt = NULL, *text = NULL;
    char seed[NA_NKEY_SEED_LEN + 1] = {0};
    int rc = CLI_FAIL;

    if (a->npos) {
        if (cfg.jwt || cfg.seed)
            return cli_usage(cmd, "unexpected argument '%.60s' (ACCOUNT USER is the store form, "
                                  "without --jwt/--seed)",
                             a->pos[0]);
        if (a->npos != 2)
            return cli_usage(cmd, "the store form needs ACCOUNT USER");
        return store_creds_run(cmd, a);
    }
    if (a->set[C_STORE] || a->set[C_JSON])
        return cli_usage(cmd, "--%s applies to the store form (creds ACCOUNT USER)",
                         a->set[C_STORE] ? "store" : "json");
    if (!cfg.jwt)
        return cli_usage(cmd, "--jwt is required (or give ACCOUNT USER)");
    if (!cfg.seed)
        return cli_usage(cmd, "--seed is required");
    if (strcmp(cfg.jwt, "-") == 0 && strcmp(cfg.seed, "-") == 0)
        return cli_usage(cmd, "--jwt - and --seed - cannot both read stdin");
    if (cli_load_jwt(&jwt, cfg.jwt, &err) != NA_OK || cli_load_seed(&k, cfg.seed, &err) != NA_OK ||
        na_nkey_seed(k, seed, &err) != NA_OK)
        goto out;
    if (na_creds_format(&text, jwt, seed, &err) != NA_OK) {
        na_err_prefix(&err, "cannot build creds");
        goto out;
    }
    if (cfg.out) {
        if (cli_write_file_atomic(cfg.out, text, strlen(text), 0600, true, &err) != NA_OK)
            goto out;
    } else {
        cli_outs(text);
    }
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        cli_err("%s", err.msg);
    na_free_secret(text);
    na_wipe(seed, sizeof seed);
    na_free(jwt);
    na_nkey_destroy(k);
    return rc;
}

static const cli_cmd creds_cmd = {
    "creds", "creds", "--jwt FILE --seed FILE [-o OUT] | ACCOUNT USER [-o OUT]",
    "write a .creds file from a user JWT and its seed, or of a stored user",
    "The seed must be the user seed whose public key is the JWT's subject. Without\n"
    "-o the creds text (which contains the seed) is printed on stdout.\n"
    "With ACCOUNT USER instead: the creds of a user of the store (see 'natsauth\n"
    "user add'); the read is recorded in the store's audit log.\n",
    creds_opts, 0, 2, run_creds,
};

int cmd_creds(int argc, char **argv) { return cli_run(&creds_cmd, argc, argv); }
