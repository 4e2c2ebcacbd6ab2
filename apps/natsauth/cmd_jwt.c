/*
 * cmd_jwt.c - `natsauth jwt`: sign NATS JWT v2 claims given as payload JSON.
 *
 * `jwt sign` reads the claims, applies --exp/--expiry/--nbf, encodes and
 * signs with na_claims_encode (which fills iss, iat and jti), then runs the
 * reference's validation at the issue time: blocking issues refuse the
 * token, other issues are printed as warnings. With a fixed --iat the
 * output is byte-for-byte reproducible.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "util.h"

enum { SIGN_TYPE, SIGN_SEED, SIGN_IAT, SIGN_EXPIRY, SIGN_EXP, SIGN_NBF };
static const cli_opt sign_opts[] = {
    {"type", 't', "TYPE", "claim type: operator, account, user, activation, "
                          "authorization_request, authorization_response, generic"},
    {"seed", 0, "FILE", "signing seed: a file (bare seed or .creds), - for stdin, or env:NAME"},
    {"iat", 0, "UNIX", "issued-at time in unix seconds (default: now)"},
    {"expiry", 0, "DUR", "expire DUR after iat: 90s, 30m, 1h, 2d, 1w, 1h30m or plain seconds"},
    {"exp", 0, "UNIX", "expire at this unix time"},
    {"nbf", 0, "UNIX", "not valid before this unix time"},
    {NULL, 0, NULL, NULL},
};

struct sign_cfg {
    na_claims_type type;
    const char *seed, *claims;
    int64_t iat, exp, nbf; /* exp/nbf 0 = leave as in the claims */
};

static int sign_config(const cli_cmd *cmd, const cli_args *a, struct sign_cfg *cfg)
{
    na_err err = {0};
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = a->val[SIGN_SEED];
    cfg->claims = a->npos ? a->pos[0] : "-";
    if (!a->set[SIGN_TYPE])
        return cli_usage(cmd, "--type is required");
    if (na_claims_type_parse(&cfg->type, a->val[SIGN_TYPE], &err) != NA_OK)
        return cli_usage(cmd, "%s", err.msg);
    if (!cfg->seed)
        return cli_usage(cmd, "--seed is required");
    if (strcmp(cfg->seed, "-") == 0 && strcmp(cfg->claims, "-") == 0)
        return cli_usage(cmd, "--seed - and claims from stdin cannot both read stdin");
    if (a->set[SIGN_IAT]) {
        if (!cli_parse_i64(a->val[SIGN_IAT], &cfg->iat) || cfg->iat <= 0)
            return cli_usage(cmd, "--iat '%.40s' is not a positive unix time", a->val[SIGN_IAT]);
    } else {
        cfg->iat = (int64_t)time(NULL);
    }
    if (a->set[SIGN_EXPIRY] && a->set[SIGN_EXP])
        return cli_usage(cmd, "--expiry and --exp cannot be used together");
    if (a->set[SIGN_EXPIRY]) {
        int64_t d;
        if (!cli_parse_duration(a->val[SIGN_EXPIRY], &d) || d > INT64_MAX - cfg->iat)
            return cli_usage(cmd, "--expiry '%.40s' is not a duration (like 90s, 30m, 1h, 2d)",
                             a->val[SIGN_EXPIRY]);
        cfg->exp = cfg->iat + d;
    }
    if (a->set[SIGN_EXP] && (!cli_parse_i64(a->val[SIGN_EXP], &cfg->exp) || cfg->exp <= 0))
        return cli_usage(cmd, "--exp '%.40s' is not a positive unix time", a->val[SIGN_EXP]);
    if (a->set[SIGN_NBF] && (!cli_parse_i64(a->val[SIGN_NBF], &cfg->nbf) || cfg->nbf <= 0))
        return cli_usage(cmd, "--nbf '%.40s' is not a positive unix time", a->val[SIGN_NBF]);
    return CLI_OK;
}

static int run_sign(const cli_cmd *cmd, const cli_args *a)
{
    struct sign_cfg cfg;
    na_err err = {0};
    na_nkey *signer = NULL;
    na_claims *c = NULL;
    na_issues *issues = NULL;
    cli_buf json = {0};
    char *jwt = NULL, where[256];
    size_t blocking = 0;
    int64_t exp;
    int rc = sign_config(cmd, a, &cfg);

    if (rc != CLI_OK)
        return rc;
    rc = CLI_FAIL;
    if (cli_load_seed(&signer, cfg.seed, &err) != NA_OK ||
        cli_read(&json, cfg.claims, CLI_MAX_TEXT, &err) != NA_OK)
        goto out;
    cli_where(cfg.claims, where, sizeof where);
    if (na_claims_from_json(&c, cfg.type, json.p, json.len, &err) != NA_OK) {
        na_err_prefix(&err, "invalid claims in %s", where);
        goto out;
    }
    if ((cfg.exp && na_claims_set_expires(c, cfg.exp, &err) != NA_OK) ||
        (cfg.nbf && na_claims_set_not_before(c, cfg.nbf, &err) != NA_OK))
        goto out;
    exp = na_claims_expires(c);
    if (exp > 0 && exp <= cfg.iat) {
        na_fail(&err, NA_EEXPIRED, "the token would be expired when issued (exp %lld, iat %lld)",
                (long long)exp, (long long)cfg.iat);
        goto out;
    }
    if (na_claims_encode(c, &jwt, signer, cfg.iat, &err) != NA_OK) {
        na_err_prefix(&err, "cannot sign %s claims", na_claims_type_name(cfg.type));
        goto out;
    }
    if (na_claims_validate(c, cfg.iat, &issues, &err) != NA_OK)
        goto out;
    for (size_t i = 0; i < issues->count; i++) {
        const na_issue *is = &issues->items[i];
        if (is->blocking) {
            cli_err("blocking issue: %s", is->description);
            blocking++;
        } else if (!is->time_check) {
            /* time checks at iat only restate --nbf; expiry was refused above */
            cli_warn("%s", is->description);
        }
    }
    if (blocking) {
        na_fail(&err, NA_EINVALID, "refusing to sign: the claims have %zu blocking issue%s",
                blocking, blocking == 1 ? "" : "s");
        goto out;
    }
    printf("%s\n", jwt);
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        cli_err("%s", err.msg);
    na_issues_destroy(issues);
    na_free(jwt);
    na_claims_destroy(c);
    cli_buf_free(&json);
    na_nkey_destroy(signer);
    return rc;
}

static const cli_cmd verbs[] = {
    {"sign", "jwt sign",
     "--type TYPE --seed FILE [--iat UNIX] [--expiry DUR|--exp UNIX] [--nbf UNIX] "
     "[CLAIMS.json|-]",
     "sign claims given as payload JSON and print the token",
     "CLAIMS.json (a file, or - for stdin, the default) is the JWT payload, e.g.\n"
     "  {\"sub\":\"U...\",\"name\":\"alice\",\"nats\":{\"pub\":{\"allow\":[\"a.>\"]}}}\n"
     "The JSON is taken as it is, the way Go decodes a payload: a field left out is\n"
     "zero, and a zero limit is not unlimited, so write -1 for unlimited (users:\n"
     "\"subs\":-1,\"data\":-1,\"payload\":-1; accounts: \"limits\":{\"conn\":-1,...}).\n"
     "iss, iat and jti are set when signing; --expiry is relative to iat. The claims\n"
     "are validated at iat: blocking issues refuse the token (exit 1), other issues\n"
     "are printed as warnings on stderr.\n",
     sign_opts, 0, 1, run_sign},
};

int cmd_jwt(int argc, char **argv)
{
    return cli_dispatch("jwt", "Sign NATS JWT v2 claims.", verbs, sizeof verbs / sizeof verbs[0],
                        argc, argv);
}
