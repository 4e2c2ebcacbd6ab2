/*
 * cmd_mint.c - creds from the store: `natsauth creds ACCOUNT USER` (the
 * store form of `creds`, reached through cmd_creds.c) and `natsauth mint`
 * (short-lived creds for a user that is not stored).
 *
 * Both run in a transaction so that the store's audit log records the read
 * (creds) or the mint. The creds text holds a seed: it is printed on stdout
 * only when asked (no -o) and after the transaction committed, or written
 * through a 0600 temp file renamed into place; it is wiped after use.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_store.h"
#include "cmds.h"

/* Public key and expiry of the user in a creds text. */
static na_status creds_info(const char *creds, char *pub, size_t cap, int64_t *exp, na_err *err)
{
    char *jwt = NULL;
    na_claims *c = NULL;
    na_status st = na_creds_parse(&jwt, NULL, creds, strlen(creds), err);
    if (st == NA_OK)
        st = na_jwt_decode(&c, jwt, strlen(jwt), err);
    if (st == NA_OK) {
        snprintf(pub, cap, "%s", na_claims_subject(c));
        *exp = na_claims_expires(c);
    }
    na_claims_destroy(c);
    na_free(jwt);
    return st;
}

/* Print or write the creds (after the commit). */
static int deliver(const char *creds, const char *out, bool json, const char *account,
                   const char *name, bool minted)
{
    char pub[NA_NKEY_PUBLIC_LEN + 1] = "";
    int64_t exp = 0;
    na_err err = {0};
    if (json && creds_info(creds, pub, sizeof pub, &exp, &err) != NA_OK) {
        cli_err("%s", err.msg);
        return CLI_FAIL;
    }
    if (out && cli_write_file_atomic(out, creds, strlen(creds), 0600, true, &err) != NA_OK) {
        cli_err("%s", err.msg);
        return CLI_FAIL;
    }
    if (json) {
        jw w;
        jw_init(&w, stdout);
        jw_obj(&w, NULL);
        jw_str(&w, "account", account);
        jw_str(&w, minted ? "name" : "user", name);
        jw_str(&w, "pub", pub);
        jw_int(&w, "expires", exp);
        if (out)
            jw_str(&w, "file", out);
        else
            jw_str(&w, "creds", creds);
        jw_end(&w, '}');
    } else if (!out) {
        cli_outs(creds);
    }
    return CLI_OK;
}

/* ---- creds ACCOUNT USER ---- */

int store_creds_run(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    char *creds = NULL, *account = NULL;
    const char *out = st_val(cmd, a, "output");
    na_entity acct = {0};
    na_err err = {0};
    na_status st;
    bool json;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    json = s.json;
    if ((st = na_store_account_get(s.store, a->pos[0], &acct, &err)) == NA_OK &&
        (st = na_user_creds(&s.x, acct.name, a->pos[1], &creds, &err)) == NA_OK &&
        !(account = strdup(acct.name)))
        st = na_fail(&err, NA_ENOMEM, "out of memory");
    na_entity_release(&acct);
    rc = st_finish(&s, st, &err);
    if (rc == CLI_OK)
        rc = deliver(creds, out, json, account, a->pos[1], false);
    free(account);
    na_free_secret(creds);
    return rc;
}

/* ---- mint ---- */

enum { M_NAME, M_ALLOW_PUB, M_ALLOW_SUB, M_DENY_PUB, M_DENY_SUB, M_ALLOW_PUBSUB, M_EXPIRY, M_OUT };
static const cli_opt mint_opts[] = {
    {"name", 0, "NAME", "the user's name (required)"},
    {"allow-pub", 0, "SUBJECT...", "allow publishing (repeatable)"},
    {"allow-sub", 0, "SUBJECT...", "allow subscribing (repeatable)"},
    {"deny-pub", 0, "SUBJECT...", "deny publishing (repeatable)"},
    {"deny-sub", 0, "SUBJECT...", "deny subscribing (repeatable)"},
    {"allow-pubsub", 0, "SUBJECT...", "allow publishing and subscribing (repeatable)"},
    {"expiry", 0, "DUR", "lifetime (required): 90s, 30m, 1h, 2d"},
    {"output", 'o', "FILE", "write the creds to FILE (mode 0600, atomically), not stdout"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static int run_mint(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    st_edits ed = {0};
    na_entity before = {0}, after = {0};
    char *creds = NULL, *account = NULL;
    int64_t expiry = 0;
    na_err err = {0};
    na_status st;
    bool json, new_sk = false;
    int rc;
    if (!a->set[M_NAME] || !*a->val[M_NAME])
        return cli_usage(cmd, "--name is required");
    if (!a->set[M_EXPIRY])
        return cli_usage(cmd, "--expiry is required (like 30m)");
    if (!cli_parse_duration(a->val[M_EXPIRY], &expiry))
        return cli_usage(cmd, "--expiry '%.40s' is not a duration (like 90s, 30m, 1h, 2d)",
                         a->val[M_EXPIRY]);
    st_perm_edits(&ed, cmd, a, "nats");
    if ((rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS)) != CLI_OK) {
        st_edits_free(&ed);
        return rc;
    }
    json = s.json;
    st = ed.oom ? na_fail(&err, NA_ENOMEM, "out of memory") : NA_OK;
    if (st == NA_OK)
        st = na_store_account_get(s.store, a->pos[0], &before, &err);
    if (st == NA_OK)
        st = na_user_mint(&s.x, before.name, a->val[M_NAME], ed.e, ed.n, expiry, &creds, &err);
    if (st == NA_OK)
        st = na_store_account_get(s.store, before.name, &after, &err);
    if (st == NA_OK) {
        new_sk = strcmp(before.jwt ? before.jwt : "", after.jwt ? after.jwt : "") != 0;
        if (!(account = strdup(after.name)))
            st = na_fail(&err, NA_ENOMEM, "out of memory");
    }
    na_entity_release(&before);
    na_entity_release(&after);
    st_edits_free(&ed);
    rc = st_finish(&s, st, &err);
    if (rc == CLI_OK && new_sk)
        cli_warn("account '%s' had no signing key: one was created to sign minted users; push "
                 "the account so that servers accept them",
                 account);
    if (rc == CLI_OK)
        rc = deliver(creds, a->val[M_OUT], json, account, a->val[M_NAME], true);
    free(account);
    na_free_secret(creds);
    return rc;
}

static const cli_cmd mint_cmd = {
    "mint", "mint",
    "ACCOUNT --name NAME [--allow-pub SUBJECT]... [--allow-sub SUBJECT]... "
    "[--allow-pubsub SUBJECT]... --expiry DUR [-o FILE]",
    "print short-lived creds for a user that is not stored",
    "Creates a user key, signs a user JWT that expires after DUR with an account\n"
    "signing key (one is created if the account has none: push the account then)\n"
    "and prints the creds (they contain the seed) or writes them to FILE (0600).\n"
    "Nothing of the user is kept; the mint is recorded in the store's audit log.\n"
    "--json prints {\"account\",\"name\",\"pub\",\"expires\",\"creds\"} (\"file\" with -o).\n",
    mint_opts, 1, 1, run_mint,
};

int cmd_mint(int argc, char **argv) { return cli_run(&mint_cmd, argc, argv); }
