/*
 * cmd_account.c - `natsauth account add|edit|show|list|rm|revoke`.
 *
 * add and edit turn their options into na_edit lists (in command-line
 * order) on the account claims: limits under nats.limits, JetStream limits
 * under nats.limits or, with --js-tier, nats.limits.tiered_limits.<TIER>,
 * default permissions under nats.default_permissions, and exp, tags,
 * description, info_url. The library applies them, re-signs and validates
 * (a change that would make the account invalid is refused and nothing is
 * written). show and list read the store without a transaction.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_store.h"
#include "cmds.h"

/* ---- add / edit ---- */

enum {
    A_CONN,
    A_LEAF,
    A_SUBS,
    A_DATA,
    A_PAYLOAD,
    A_IMPORTS,
    A_EXPORTS,
    A_WILDCARDS,
    A_NO_WILDCARDS,
    A_DISALLOW_BEARER,
    A_ALLOW_BEARER,
    A_JS_MEM,
    A_JS_DISK,
    A_JS_STREAMS,
    A_JS_CONSUMERS,
    A_JS_ACK,
    A_JS_TIER,
    A_ALLOW_PUB,
    A_ALLOW_SUB,
    A_DENY_PUB,
    A_DENY_SUB,
    A_ALLOW_PUBSUB,
    A_RM,
    A_EXPIRY,
    A_EXP,
    A_TAG,
    A_RM_TAG,
    A_DESCRIPTION,
    A_INFO_URL,
    A_AUTH_USER,
    A_RM_AUTH_USER,
    A_ALLOWED_ACCOUNT,
    A_RM_ALLOWED_ACCOUNT,
    A_AUTH_XKEY,
};

static const cli_opt edit_opts[] = {
    {"conn", 0, "N", "max connections (-1 unlimited)"},
    {"leaf", 0, "N", "max leaf node connections (-1 unlimited)"},
    {"subs", 0, "N", "max subscriptions (-1 unlimited)"},
    {"data", 0, "SIZE", "max data in bytes (-1 unlimited)"},
    {"payload", 0, "SIZE", "max message payload (-1 unlimited)"},
    {"imports", 0, "N", "max imports (-1 unlimited)"},
    {"exports", 0, "N", "max exports (-1 unlimited)"},
    {"wildcards", 0, NULL, "allow wildcard exports (the default)"},
    {"no-wildcards", 0, NULL, "refuse wildcard exports"},
    {"disallow-bearer", 0, NULL, "refuse bearer-token users"},
    {"allow-bearer", 0, NULL, "accept bearer-token users again"},
    {"js-mem", 0, "SIZE", "JetStream memory storage (-1 unlimited; 0 with --js-disk 0: off)"},
    {"js-disk", 0, "SIZE", "JetStream disk storage (-1 unlimited)"},
    {"js-streams", 0, "N", "JetStream max streams (-1 unlimited)"},
    {"js-consumers", 0, "N", "JetStream max consumers (-1 unlimited)"},
    {"js-max-ack-pending", 0, "N", "JetStream max ack pending (-1 unlimited)"},
    {"js-tier", 0, "TIER", "apply the --js-* options to the tier R1, R3, ... instead"},
    {"allow-pub", 0, "SUBJECT...", "default permission: allow publishing (repeatable)"},
    {"allow-sub", 0, "SUBJECT...", "default permission: allow subscribing (repeatable)"},
    {"deny-pub", 0, "SUBJECT...", "default permission: deny publishing (repeatable)"},
    {"deny-sub", 0, "SUBJECT...", "default permission: deny subscribing (repeatable)"},
    {"allow-pubsub", 0, "SUBJECT...", "default permission: allow both (repeatable)"},
    {"rm", 0, "SUBJECT...", "remove a subject from the default permissions (repeatable)"},
    {"expiry", 0, "DUR", "expire DUR from now: 90s, 30m, 1h, 2d, 1w"},
    {"exp", 0, "UNIX", "expire at this unix time (0: never)"},
    {"tag", 0, "TAG...", "add a tag (lower-cased; repeatable)"},
    {"rm-tag", 0, "TAG...", "remove a tag (repeatable)"},
    {"description", 0, "TEXT", "the account's description (\"\" removes it)"},
    {"info-url", 0, "URL", "a URL with more information (\"\" removes it)"},
    {"auth-user", 0, "UPUB...", "auth callout: a user (U...) the callout service connects as (repeatable)"},
    {"rm-auth-user", 0, "UPUB...", "auth callout: remove an auth user (repeatable)"},
    {"allowed-account", 0, "APUB...", "auth callout: an account (A... or *) the service may place users in (repeatable)"},
    {"rm-allowed-account", 0, "APUB...", "auth callout: remove an allowed account (repeatable)"},
    {"auth-xkey", 0, "XPUB", "auth callout: the service's curve key (X...); requests are sealed to it (\"\" removes it)"},
    ST_OPT_CONFLICT,
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static int bad_value(const cli_cmd *cmd, const char *opt, const char *v, bool size)
{
    return cli_usage(cmd, "--%s '%.40s' is not a %s", opt, v,
                     size ? "size (like 1024, 10K, 5M, 2G, 1Gi, or -1 for unlimited)"
                          : "count (a number, or -1 for unlimited)");
}

static int str_edit(st_edits *ed, const char *path, const char *v)
{
    if (*v)
        st_edit(ed, NA_EDIT_SET_STR, path, v, 0);
    else
        st_edit(ed, NA_EDIT_UNSET, path, NULL, 0);
    return CLI_OK;
}

/* The edits of account add/edit, in command-line order. */
static int account_edits(const cli_cmd *cmd, const cli_args *a, int64_t now, st_edits *ed)
{
    static const struct {
        int idx;
        const char *field;
        bool size, js;
    } nums[] = {
        {A_CONN, "conn", false, false},          {A_LEAF, "leaf", false, false},
        {A_SUBS, "subs", false, false},          {A_DATA, "data", true, false},
        {A_PAYLOAD, "payload", true, false},     {A_IMPORTS, "imports", false, false},
        {A_EXPORTS, "exports", false, false},    {A_JS_MEM, "mem_storage", true, true},
        {A_JS_DISK, "disk_storage", true, true}, {A_JS_STREAMS, "streams", false, true},
        {A_JS_CONSUMERS, "consumer", false, true}, {A_JS_ACK, "max_ack_pending", false, true},
    };
    char js_base[96] = "nats.limits", path[160];
    const char *tier = a->val[A_JS_TIER];
    bool any_js = false;
    int64_t exp;
    bool exp_set;
    int rc;

    if (a->set[A_WILDCARDS] && a->set[A_NO_WILDCARDS])
        return cli_usage(cmd, "--wildcards and --no-wildcards cannot be used together");
    if (a->set[A_DISALLOW_BEARER] && a->set[A_ALLOW_BEARER])
        return cli_usage(cmd, "--disallow-bearer and --allow-bearer cannot be used together");
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
        any_js |= nums[k].js && a->set[nums[k].idx];
    if (tier) {
        size_t n = strlen(tier);
        if (n < 2 || n > 8 || tier[0] != 'R' || strspn(tier + 1, "0123456789") != n - 1)
            return cli_usage(cmd, "--js-tier '%.40s' is not a tier (R1, R3, ...)", tier);
        if (!any_js)
            return cli_usage(cmd, "--js-tier needs at least one --js-* limit");
        snprintf(js_base, sizeof js_base, "nats.limits.tiered_limits.%s", tier);
    }
    if ((rc = st_expiry(cmd, a, now, &exp, &exp_set)) != CLI_OK)
        return rc;
    for (int i = 0; i < a->nseq; i++) {
        int idx = a->seq[i].idx;
        const char *v = a->seq[i].val;
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
            int64_t num;
            if (nums[k].idx != idx)
                continue;
            if (!(nums[k].size ? st_parse_size(v, &num) : st_parse_count(v, &num)))
                return bad_value(cmd, cmd->opts[idx].name, v, nums[k].size);
            snprintf(path, sizeof path, "%s.%s", nums[k].js ? js_base : "nats.limits",
                     nums[k].field);
            st_edit(ed, NA_EDIT_SET_INT, path, NULL, num);
        }
        switch (idx) {
        case A_WILDCARDS: st_edit(ed, NA_EDIT_SET_BOOL, "nats.limits.wildcards", NULL, 1); break;
        case A_NO_WILDCARDS:
            st_edit(ed, NA_EDIT_SET_BOOL, "nats.limits.wildcards", NULL, 0);
            break;
        case A_DISALLOW_BEARER:
            st_edit(ed, NA_EDIT_SET_BOOL, "nats.limits.disallow_bearer", NULL, 1);
            break;
        case A_ALLOW_BEARER:
            st_edit(ed, NA_EDIT_SET_BOOL, "nats.limits.disallow_bearer", NULL, 0);
            break;
        case A_TAG: st_edit(ed, NA_EDIT_ADD_STR, "nats.tags", v, 0); break;
        case A_RM_TAG: {
            char low[256];
            size_t n = 0;
            for (; v[n] && n + 1 < sizeof low; n++)
                low[n] = (char)tolower((unsigned char)v[n]);
            low[n] = '\0';
            st_edit(ed, NA_EDIT_REMOVE_STR, "nats.tags", low, 0);
            break;
        }
        case A_DESCRIPTION: str_edit(ed, "nats.description", v); break;
        case A_INFO_URL: str_edit(ed, "nats.info_url", v); break;
        case A_AUTH_USER: st_edit(ed, NA_EDIT_ADD_STR, "nats.authorization.auth_users", v, 0); break;
        case A_RM_AUTH_USER:
            st_edit(ed, NA_EDIT_REMOVE_STR, "nats.authorization.auth_users", v, 0);
            break;
        case A_ALLOWED_ACCOUNT:
            st_edit(ed, NA_EDIT_ADD_STR, "nats.authorization.allowed_accounts", v, 0);
            break;
        case A_RM_ALLOWED_ACCOUNT:
            st_edit(ed, NA_EDIT_REMOVE_STR, "nats.authorization.allowed_accounts", v, 0);
            break;
        case A_AUTH_XKEY: str_edit(ed, "nats.authorization.xkey", v); break;
        default: break;
        }
    }
    st_perm_edits(ed, cmd, a, "nats.default_permissions");
    if (exp_set)
        st_edit(ed, exp ? NA_EDIT_SET_INT : NA_EDIT_UNSET, "exp", NULL, exp);
    return CLI_OK;
}

static void print_result(st_session *s, const char *name, const na_result *r,
                         const char *done)
{
    if (s->json) {
        jw w;
        jw_init(&w, s->out);
        jw_obj(&w, NULL);
        jw_str(&w, "name", name);
        jw_str(&w, "pub", r->pub);
        jw_bool(&w, "changed", r->changed);
        jw_end(&w, '}');
    } else {
        fprintf(s->out, "%s account '%s' (%s)\n", r->changed ? done : "unchanged:", name, r->pub);
    }
}

static int run_add_edit(const cli_cmd *cmd, const cli_args *a, bool add)
{
    st_session s;
    st_edits ed = {0};
    na_result r = {0};
    na_err err = {0};
    na_status st;
    const char *name = a->pos[0];
    int rc = account_edits(cmd, a, (int64_t)time(NULL), &ed);
    if (rc == CLI_OK && !add && !ed.n)
        rc = cli_usage(cmd, "nothing to change (give at least one option)");
    if (rc != CLI_OK || (rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS)) != CLI_OK) {
        st_edits_free(&ed);
        return rc;
    }
    if (ed.oom)
        st = na_fail(&err, NA_ENOMEM, "out of memory");
    else if (add)
        st = na_account_add(&s.x, name, ed.e, ed.n, &r, &err);
    else
        st = na_account_edit(&s.x, name, ed.e, ed.n, &r, &err);
    if (st == NA_OK)
        print_result(&s, name, &r, add ? "created" : "updated");
    st_edits_free(&ed);
    return st_finish(&s, st, &err);
}

static int run_add(const cli_cmd *cmd, const cli_args *a) { return run_add_edit(cmd, a, true); }
static int run_edit(const cli_cmd *cmd, const cli_args *a) { return run_add_edit(cmd, a, false); }

/* ---- show ---- */

static const cli_opt show_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_show(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity e = {0}, *users = NULL;
    size_t nusers = 0;
    na_claims *c = NULL;
    na_err err = {0};
    char *json = NULL;
    na_status st;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_account_get(s.store, a->pos[0], &e, &err)) != NA_OK ||
        (st = na_store_user_list(s.store, e.name, &users, &nusers, &err)) != NA_OK ||
        (st = st_decode(&c, e.jwt, &err)) != NA_OK)
        goto out;
    json = na_claims_to_json(c, s.json ? 0 : NA_JSON_PRETTY);
    if (!json) {
        st = na_fail(&err, NA_ENOMEM, "out of memory");
        goto out;
    }
    if (s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "name", e.name);
        jw_str(&w, "pub", e.pub);
        jw_str(&w, "signer", e.signer);
        jw_bool(&w, "system", e.is_system);
        jw_bool(&w, "deleted", e.deleted);
        jw_int(&w, "users", (int64_t)nusers);
        jw_str(&w, "jwt", e.jwt);
        jw_raw(&w, "claims", json);
        jw_end(&w, '}');
    } else {
        FILE *f = s.out;
        fprintf(f, "%-16s%s\n", "account:", e.name);
        fprintf(f, "%-16s%s\n", "public key:", e.pub);
        fprintf(f, "%-16s%s\n", "signed by:", na_claims_issuer(c));
        fprintf(f, "%-16s%s\n", "system account:", e.is_system ? "yes" : "no");
        if (e.deleted)
            fprintf(f, "%-16s%s\n", "removed:", "yes (the next push deletes it from servers)");
        fprintf(f, "%-16s%zu\n", "users:", nusers);
        fprintf(f, "%-16s%zu\n", "signing keys:", na_claims_count(c, "nats.signing_keys"));
        fprintf(f, "%-16s%zu\n", "exports:", na_claims_count(c, "nats.exports"));
        fprintf(f, "%-16s%zu\n", "imports:", na_claims_count(c, "nats.imports"));
        fprintf(f, "%-16s%s\n", "issued:", st_time(na_claims_issued_at(c)));
        fprintf(f, "%-16s%s\n", "expires:", st_time(na_claims_expires(c)));
        fprintf(f, "\n[claims]\n%s\n", json);
    }
out:
    na_free(json);
    na_claims_destroy(c);
    na_entities_free(users, nusers);
    na_entity_release(&e);
    return st_finish(&s, st, &err);
}

/* ---- list ---- */

static int run_list(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity *l = NULL;
    size_t n = 0;
    int64_t *counts = NULL;
    int width = 4;
    na_err err = {0};
    na_status st;
    jw w;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_account_list(s.store, true, &l, &n, &err)) != NA_OK)
        goto out;
    if (n && !(counts = calloc(n, sizeof *counts))) {
        st = na_fail(&err, NA_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n && st == NA_OK; i++) {
        na_entity *u = NULL;
        size_t nu = 0;
        if ((st = na_store_user_list(s.store, l[i].name, &u, &nu, &err)) == NA_OK)
            counts[i] = (int64_t)nu;
        na_entities_free(u, nu);
        if ((int)strlen(l[i].name) > width)
            width = (int)strlen(l[i].name);
    }
    if (st != NA_OK)
        goto out;
    if (s.json) {
        jw_init(&w, s.out);
        jw_arr(&w, NULL);
    } else if (n) {
        fprintf(s.out, "%-*s  %-56s  %5s  %s\n", width, "NAME", "PUBLIC KEY", "USERS", "FLAGS");
    } else {
        fprintf(s.out, "no accounts in store '%s'\n", s.path);
    }
    for (size_t i = 0; i < n; i++) {
        if (s.json) {
            jw_obj(&w, NULL);
            jw_str(&w, "name", l[i].name);
            jw_str(&w, "pub", l[i].pub);
            jw_int(&w, "users", counts[i]);
            jw_bool(&w, "system", l[i].is_system);
            jw_bool(&w, "deleted", l[i].deleted);
            jw_end(&w, '}');
        } else {
            const char *flags = l[i].is_system ? (l[i].deleted ? "system,deleted" : "system")
                                : l[i].deleted   ? "deleted"
                                                 : "";
            fprintf(s.out, "%-*s  %-56s  %5lld%s%s\n", width, l[i].name, l[i].pub,
                    (long long)counts[i], *flags ? "  " : "", flags);
        }
    }
    if (s.json)
        jw_end(&w, ']');
out:
    free(counts);
    na_entities_free(l, n);
    return st_finish(&s, st, &err);
}

/* ---- rm / revoke ---- */

static const cli_opt rm_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_rm(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity e = {0};
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_account_get(s.store, a->pos[0], &e, &err)) == NA_OK &&
        (st = na_account_rm(&s.x, a->pos[0], &err)) == NA_OK) {
        if (s.json) {
            jw w;
            jw_init(&w, s.out);
            jw_obj(&w, NULL);
            jw_str(&w, "name", e.name);
            jw_str(&w, "pub", e.pub);
            jw_bool(&w, "removed", true);
            jw_end(&w, '}');
        } else {
            fprintf(s.out,
                    "removed account '%s' (%s): its users are revoked; the next push deletes it "
                    "from the servers\n",
                    e.name, e.pub);
        }
    }
    na_entity_release(&e);
    return st_finish(&s, st, &err);
}

enum { R_BEFORE };
static const cli_opt revoke_opts[] = {
    {"all-before", 0, "UNIX", "revoke every user issued at or before this unix time, or now"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static int run_revoke(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity before = {0}, after = {0};
    const char *v = a->val[R_BEFORE];
    int64_t at = 0;
    bool changed;
    na_err err = {0};
    na_status st;
    int rc;
    if (!v)
        return cli_usage(cmd, "--all-before is required (a unix time, or now)");
    if (strcmp(v, "now") != 0 && (!cli_parse_i64(v, &at) || at <= 0))
        return cli_usage(cmd, "--all-before '%.40s' is not a unix time or now", v);
    if ((rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS)) != CLI_OK)
        return rc;
    if (strcmp(v, "now") == 0)
        at = s.x.now;
    if ((st = na_store_account_get(s.store, a->pos[0], &before, &err)) == NA_OK &&
        (st = na_account_revoke_all(&s.x, a->pos[0], at, &err)) == NA_OK &&
        (st = na_store_account_get(s.store, a->pos[0], &after, &err)) == NA_OK) {
        changed = strcmp(before.jwt ? before.jwt : "", after.jwt ? after.jwt : "") != 0;
        if (s.json) {
            jw w;
            jw_init(&w, s.out);
            jw_obj(&w, NULL);
            jw_str(&w, "name", after.name);
            jw_str(&w, "pub", after.pub);
            jw_int(&w, "all_before", at);
            jw_bool(&w, "changed", changed);
            jw_end(&w, '}');
        } else {
            fprintf(s.out, "%saccount '%s' (%s): users issued at or before %s are revoked\n",
                    changed ? "" : "unchanged: ", after.name, after.pub, st_time(at));
        }
    }
    na_entity_release(&before);
    na_entity_release(&after);
    return st_finish(&s, st, &err);
}

static const cli_opt list_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

#define LIMITS_HELP                                                                            \
    "SIZE is bytes: 1024, 10K, 5M, 2G (powers of 1000, as nsc), 10Ki, 5Mi, 2Gi (powers\n"      \
    "of 1024); N is a count. -1 means unlimited for both. New accounts start with\n"          \
    "no limits (-1) and JetStream off; --js-mem/--js-disk turn it on. --js-tier R1\n"          \
    "sets the --js-* limits of that tier (nats.limits.tiered_limits.R1) instead.\n"           \
    "--allow-*/--deny-* set the default permissions of the account's users.\n"                \
    "The change is validated: what would make the account invalid is refused.\n"

static const cli_cmd verbs[] = {
    {"add", "account add", "NAME [OPTIONS]", "create an account",
     LIMITS_HELP "With --conflict idempotent, adding an account that exists with the same\n"
                 "settings does nothing; different settings are an error showing them.\n",
     edit_opts, 1, 1, run_add},
    {"edit", "account edit", "NAME [OPTIONS]", "change an account's limits, permissions, tags",
     LIMITS_HELP, edit_opts, 1, 1, run_edit},
    {"show", "account show", "NAME [--json]", "show an account and its claims",
     "Prints a summary and the decoded claims of the account's JWT. NAME may be the\n"
     "account's public key. --json prints\n"
     "  {\"name\",\"pub\",\"signer\",\"system\",\"deleted\",\"users\",\"jwt\",\"claims\":{..}}\n",
     show_opts, 1, 1, run_show},
    {"list", "account list", "[--json]", "list the accounts",
     "One line per account: name, public key, number of users and flags (system,\n"
     "deleted: removed, waiting for push to delete it from the servers). --json\n"
     "prints an array of {\"name\",\"pub\",\"users\",\"system\",\"deleted\"}.\n",
     list_opts, 0, 0, run_list},
    {"rm", "account rm", "NAME", "remove an account",
     "Revokes every user of the account and marks it removed: it keeps its JWT\n"
     "until 'natsauth push' deletes it from the servers. The system account cannot\n"
     "be removed.\n",
     rm_opts, 1, 1, run_rm},
    {"revoke", "account revoke", "NAME --all-before UNIX|now",
     "revoke every user issued at or before a time",
     "Adds the \"*\" revocation to the account: users whose JWT was issued at or\n"
     "before the time are rejected by servers once the account JWT is pushed.\n",
     revoke_opts, 1, 1, run_revoke},
};

int cmd_account(int argc, char **argv)
{
    return cli_dispatch("account", "Add, edit, show, list, remove and revoke accounts.", verbs,
                        sizeof verbs / sizeof verbs[0], argc, argv);
}
