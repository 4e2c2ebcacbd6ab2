/*
 * cmd_decode.c - `natsauth decode`: show a JWT and, with --verify, check it.
 *
 * Input: a bare token (starts with "eyJ"), a file holding a token, a
 * decorated JWT block or a .creds file (the seed in it is never shown), or
 * - for stdin. Decoding always checks the signature (na_jwt_decode); a bad
 * signature is an error. Without --verify, expiry and validation issues are
 * only reported; with --verify (implied by --operator/--account) the exit
 * code is 0 only when the signature, the times at --now, the validation
 * (no blocking issues) and the requested chain checks all hold.
 *
 * --json prints exactly one JSON object on stdout, also on failure. Its
 * schema is stable; fields are only ever added:
 *
 *   {
 *     "header":   object | null,   the token header as it is in the token
 *     "claims":   object | null,   the payload (na_claims_to_json, compact)
 *     "type":     string | null,   nats.type: "operator", "account", "user", ...
 *     "issues":   [ { "description": string,   validation at --now
 *                     "blocking":    bool,
 *                     "time_check":  bool } ],
 *     "verified": bool,            true only with --verify and all checks passed
 *     "error":    string | null    what failed (as printed on stderr), else null
 *   }
 *
 * header/claims/type are null when the token could not be read or decoded.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "util.h"

enum { D_VERIFY, D_OPERATOR, D_ACCOUNT, D_JSON, D_NOW };
static const cli_opt decode_opts[] = {
    {"verify", 0, NULL, "fail unless signature, times, validation and chain all hold"},
    {"operator", 0, "JWTFILE", "operator JWT (raw or decorated) the chain must lead to"},
    {"account", 0, "JWTFILE", "account JWT (raw or decorated) that issued the user/activation"},
    {"json", 0, NULL, "print one JSON object (schema: natsauth decode --help)"},
    {"now", 0, "UNIX", "the time for expiry checks (default: now)"},
    {NULL, 0, NULL, NULL},
};

struct decode_cfg {
    const char *src, *op_path, *acct_path;
    bool verify, json;
    int64_t now;
};

/* What decode found, printed at the end in either format. */
struct decode_result {
    char *token, *header;
    na_claims *claims;
    na_issues *issues;
    /* --verify: what failed in each check ("" = ok); the signature is
     * checked by decoding, which must succeed to get here */
    char times[NA_ERR_MSG_MAX], valid[NA_ERR_MSG_MAX], chain[NA_ERR_MSG_MAX * 2];
    bool verified;
    char error[NA_ERR_MSG_MAX * 5];
};

static bool is_bare_token(const char *s) { return strncmp(s, "eyJ", 3) == 0 && strchr(s, '.'); }

static int decode_config(const cli_cmd *cmd, const cli_args *a, struct decode_cfg *cfg)
{
    int stdin_users;
    memset(cfg, 0, sizeof *cfg);
    cfg->src = a->npos ? a->pos[0] : "-";
    cfg->op_path = a->val[D_OPERATOR];
    cfg->acct_path = a->val[D_ACCOUNT];
    cfg->json = a->set[D_JSON];
    cfg->verify = a->set[D_VERIFY] || cfg->op_path || cfg->acct_path;
    if (a->set[D_NOW]) {
        if (!cli_parse_i64(a->val[D_NOW], &cfg->now) || cfg->now < 0)
            return cli_usage(cmd, "--now '%.40s' is not a unix time", a->val[D_NOW]);
    } else {
        cfg->now = (int64_t)time(NULL);
    }
    stdin_users = (strcmp(cfg->src, "-") == 0) + (cfg->op_path && !strcmp(cfg->op_path, "-")) +
                  (cfg->acct_path && !strcmp(cfg->acct_path, "-"));
    if (stdin_users > 1)
        return cli_usage(cmd, "only one input can be read from stdin");
    return CLI_OK;
}

/* Load a chain token (--operator/--account): signature and type are fatal
 * errors; an expired chain token is a verification failure noted in r. */
static na_status load_chain(na_claims **out, const char *opt, const char *path,
                            na_claims_type want, const struct decode_cfg *cfg,
                            struct decode_result *r, na_err *err)
{
    char *jwt = NULL, where[256];
    na_claims *tmp = NULL;
    na_err terr = {0};
    na_status st;
    *out = NULL;
    cli_where(path, where, sizeof where);
    st = cli_load_jwt(&jwt, path, err);
    if (st != NA_OK)
        goto out;
    st = na_jwt_decode(out, jwt, strlen(jwt), err);
    if (st != NA_OK) {
        na_err_prefix(err, "--%s %s", opt, where);
        goto out;
    }
    if (na_claims_type_of(*out) != want) {
        st = na_fail(err, NA_EINVAL, "--%s %s holds %s claims, want %s claims", opt, where,
                     na_claims_type_name(na_claims_type_of(*out)), na_claims_type_name(want));
        goto out;
    }
    if (na_jwt_verify(&tmp, jwt, strlen(jwt), cfg->now, &terr) != NA_OK) {
        size_t n = strlen(r->chain);
        snprintf(r->chain + n, sizeof r->chain - n, "%s%s %s: %s", n ? "; " : "",
                 na_claims_type_name(want), where, terr.msg);
    }
out:
    if (st != NA_OK) {
        na_claims_destroy(*out);
        *out = NULL;
    }
    na_claims_destroy(tmp);
    na_free(jwt);
    return st;
}

static void chain_note(struct decode_result *r, na_status st, const na_err *e)
{
    size_t n = strlen(r->chain);
    if (st != NA_OK)
        snprintf(r->chain + n, sizeof r->chain - n, "%s%s", n ? "; " : "", e->msg);
}

/* The chain checks. Returns CLI_OK, CLI_USAGE (options do not fit the
 * token type) or CLI_FAIL (a chain token could not be loaded; err set). */
static int check_chain(const cli_cmd *cmd, const struct decode_cfg *cfg,
                       struct decode_result *r, na_err *err)
{
    na_claims_type t = na_claims_type_of(r->claims);
    na_claims *op = NULL, *acct = NULL;
    na_err e = {0};
    int rc = CLI_FAIL;

    if (!cfg->op_path && !cfg->acct_path)
        return CLI_OK;
    if (t == NA_CLAIMS_ACCOUNT) {
        if (cfg->acct_path)
            return cli_usage(cmd, "--account does not apply to an account token "
                                  "(use --operator)");
    } else if (t == NA_CLAIMS_USER || t == NA_CLAIMS_ACTIVATION) {
        if (!cfg->acct_path)
            return cli_usage(cmd, "checking a %s token against --operator also needs --account",
                             na_claims_type_name(t));
    } else {
        return cli_usage(cmd, "--operator and --account do not apply to %s tokens",
                         na_claims_type_name(t));
    }
    if (cfg->op_path &&
        load_chain(&op, "operator", cfg->op_path, NA_CLAIMS_OPERATOR, cfg, r, err) != NA_OK)
        goto out;
    if (cfg->acct_path &&
        load_chain(&acct, "account", cfg->acct_path, NA_CLAIMS_ACCOUNT, cfg, r, err) != NA_OK)
        goto out;
    if (t == NA_CLAIMS_ACCOUNT) {
        chain_note(r, na_chain_check_account(op, r->claims, &e), &e);
    } else {
        if (op)
            chain_note(r, na_chain_check_account(op, acct, &e), &e);
        if (t == NA_CLAIMS_USER)
            chain_note(r, na_chain_check_user(acct, r->claims, &e), &e);
        else
            chain_note(r, na_chain_check_activation(acct, r->claims, &e), &e);
    }
    rc = CLI_OK;
out:
    na_claims_destroy(op);
    na_claims_destroy(acct);
    return rc;
}

static void add_failure(char *buf, size_t n, const char *msg)
{
    size_t len = strlen(buf);
    if (msg[0])
        snprintf(buf + len, n - len, "%s%s", len ? "; " : "", msg);
}

static void print_human(const struct decode_cfg *cfg, const struct decode_result *r)
{
    char *pretty;
    if (!r->claims)
        return;
    pretty = na_claims_to_json(r->claims, NA_JSON_PRETTY);
    cli_outs("[header]\n");
    cli_out_clean(r->header);
    printf("\n\n[claims] %s ", na_claims_type_name(na_claims_type_of(r->claims)));
    cli_out_clean(na_claims_subject(r->claims));
    printf("\n%s\n", pretty ? pretty : "(out of memory)");
    na_free(pretty);
    printf("\n[issues]%s\n", r->issues->count ? "" : " none");
    for (size_t i = 0; i < r->issues->count; i++) {
        const na_issue *is = &r->issues->items[i];
        cli_outs("- ");
        cli_out_clean(is->description);
        printf("%s\n", is->blocking     ? " (blocking)"
                       : is->time_check ? " (time check)"
                                        : " (warning)");
    }
    if (cfg->verify) {
        printf("\n[verify] %s at %lld\n", r->verified ? "ok" : "FAILED", (long long)cfg->now);
        printf("signature:  ok\n");
        printf("times:      %s\n", r->times[0] ? r->times : "ok");
        printf("validation: %s\n", r->valid[0] ? r->valid : "ok");
        printf("chain:      %s\n", r->chain[0] ? r->chain
                                   : (cfg->op_path || cfg->acct_path) ? "ok"
                                                                      : "not checked (no "
                                                                        "--operator/--account)");
    }
}

static void print_json(const struct decode_result *r)
{
    char clean[sizeof r->error];
    char *compact = r->claims ? na_claims_to_json(r->claims, 0) : NULL;
    printf("{\"header\":%s,\"claims\":%s,\"type\":", r->claims && r->header ? r->header : "null",
           compact ? compact : "null");
    if (r->claims)
        cli_json_str(stdout, na_claims_type_name(na_claims_type_of(r->claims)));
    else
        fputs("null", stdout);
    fputs(",\"issues\":[", stdout);
    for (size_t i = 0; r->issues && i < r->issues->count; i++) {
        const na_issue *is = &r->issues->items[i];
        fputs(i ? ",{\"description\":" : "{\"description\":", stdout);
        cli_json_str(stdout, is->description);
        printf(",\"blocking\":%s,\"time_check\":%s}", is->blocking ? "true" : "false",
               is->time_check ? "true" : "false");
    }
    printf("],\"verified\":%s,\"error\":", r->verified ? "true" : "false");
    if (r->error[0]) {
        cli_redact(clean, sizeof clean, r->error);
        cli_json_str(stdout, clean);
    } else {
        fputs("null", stdout);
    }
    fputs("}\n", stdout);
    na_free(compact);
}

static int run_decode(const cli_cmd *cmd, const cli_args *a)
{
    struct decode_cfg cfg;
    struct decode_result *r;
    na_err err = {0};
    na_claims *tmp = NULL;
    char where[256];
    int rc = decode_config(cmd, a, &cfg);

    if (rc != CLI_OK)
        return rc;
    r = calloc(1, sizeof *r);
    if (!r) {
        cli_err("out of memory");
        return CLI_FAIL;
    }
    rc = CLI_FAIL;
    if (is_bare_token(cfg.src)) {
        snprintf(where, sizeof where, "the token argument");
        r->token = strdup(cfg.src);
        if (!r->token) {
            na_fail(&err, NA_ENOMEM, "out of memory");
            goto out;
        }
    } else {
        cli_where(cfg.src, where, sizeof where);
        if (cli_load_jwt(&r->token, cfg.src, &err) != NA_OK)
            goto out;
    }
    if (na_jwt_decode(&r->claims, r->token, strlen(r->token), &err) != NA_OK) {
        if (err.code == NA_ESIG && !strstr(err.msg, na_status_str(NA_ESIG)))
            na_err_prefix(&err, "%s", na_status_str(NA_ESIG));
        na_err_prefix(&err, "cannot decode %s", where);
        goto out;
    }
    if (na_jwt_split(&r->header, NULL, r->token, strlen(r->token), &err) != NA_OK ||
        na_claims_validate(r->claims, cfg.now, &r->issues, &err) != NA_OK)
        goto out;
    if (cfg.verify) {
        size_t nblock = 0;
        const char *first = NULL;
        if (na_jwt_verify(&tmp, r->token, strlen(r->token), cfg.now, &err) != NA_OK)
            snprintf(r->times, sizeof r->times, "%s", err.msg);
        for (size_t i = 0; i < r->issues->count; i++)
            if (r->issues->items[i].blocking && nblock++ == 0)
                first = r->issues->items[i].description;
        if (nblock)
            snprintf(r->valid, sizeof r->valid, "%zu blocking issue%s: %s%s", nblock,
                     nblock == 1 ? "" : "s", first, nblock > 1 ? "; ..." : "");
        rc = check_chain(cmd, &cfg, r, &err);
        if (rc == CLI_USAGE)
            goto done;
        if (rc != CLI_OK)
            goto out;
        rc = CLI_FAIL;
        add_failure(r->error, sizeof r->error, r->times);
        add_failure(r->error, sizeof r->error, r->valid);
        add_failure(r->error, sizeof r->error, r->chain);
        if (r->error[0]) {
            static const char pre[] = "verification failed: ";
            size_t n = strnlen(r->error, sizeof r->error - 1);
            if (n > sizeof r->error - sizeof pre)
                n = sizeof r->error - sizeof pre; /* keep the terminator */
            memmove(r->error + sizeof pre - 1, r->error, n);
            memcpy(r->error, pre, sizeof pre - 1);
            r->error[sizeof pre - 1 + n] = '\0';
            goto out_printed;
        }
        r->verified = true;
    }
    rc = CLI_OK;
    goto out_printed;
out:
    snprintf(r->error, sizeof r->error, "%s", err.msg);
    if (r->claims) {
        na_claims_destroy(r->claims); /* keep output consistent: nothing half-shown */
        r->claims = NULL;
    }
    na_issues_destroy(r->issues);
    r->issues = NULL;
out_printed:
    if (cfg.json)
        print_json(r);
    else
        print_human(&cfg, r);
    if (r->error[0])
        cli_err("%s", r->error);
done:
    na_claims_destroy(tmp);
    na_issues_destroy(r->issues);
    na_claims_destroy(r->claims);
    na_free(r->header);
    na_free(r->token);
    free(r);
    return rc;
}

static const cli_cmd decode_cmd = {
    "decode", "decode", "[--verify] [--operator JWTFILE] [--account JWTFILE] [--json] "
                        "[--now UNIX] [TOKEN|FILE|-]",
    "show a JWT's header, claims and validation issues; with --verify, check it",
    "The input is a bare token (starts with eyJ), a file holding a token, a\n"
    "decorated JWT or a .creds file, or - for stdin (the default). A bad signature\n"
    "is always an error. Without --verify, expiry and issues are only reported.\n"
    "With --verify (implied by --operator/--account), exit 0 only when the\n"
    "signature, the times at --now, the validation (no blocking issue) and the\n"
    "chain hold: --operator checks an account token (or, with --account, the\n"
    "account of a user/activation token) against the operator; --account checks\n"
    "that a user or activation token was issued by the account (signing keys,\n"
    "scopes, revocations).\n"
    "\n"
    "--json prints one object, also on failure:\n"
    "  {\"header\":{..}|null, \"claims\":{..}|null, \"type\":\"user\"|null,\n"
    "   \"issues\":[{\"description\":\"..\",\"blocking\":false,\"time_check\":true}],\n"
    "   \"verified\":true|false, \"error\":null|\"..\"}\n"
    "verified is true only with --verify and every check passed.\n",
    decode_opts, 0, 1, run_decode,
};

int cmd_decode(int argc, char **argv) { return cli_run(&decode_cmd, argc, argv); }
