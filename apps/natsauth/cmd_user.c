/*
 * cmd_user.c - `natsauth user add|edit|show|list|rm|revoke`.
 *
 * add and edit turn their options into na_edit lists on the user claims
 * (permissions under nats.pub/nats.sub, response permission nats.resp,
 * source networks nats.src, time windows nats.times and their zone,
 * connection types, bearer token, limits, exp, tags), in command-line
 * order. A user is signed by the account's identity key unless
 * --signing-key names one of its signing keys (by public key or role);
 * users of a scoped key take their permissions from the scope and may not
 * carry their own (the library refuses them).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_store.h"
#include "cmds.h"

enum {
    U_ALLOW_PUB,
    U_ALLOW_SUB,
    U_DENY_PUB,
    U_DENY_SUB,
    U_ALLOW_PUBSUB,
    U_RM,
    U_RESP_MAX,
    U_RESP_TTL,
    U_SRC,
    U_RM_SRC,
    U_TIME,
    U_CLEAR_TIMES,
    U_TZ,
    U_CONN_TYPE,
    U_RM_CONN_TYPE,
    U_BEARER,
    U_NO_BEARER,
    U_EXPIRY,
    U_EXP,
    U_TAG,
    U_RM_TAG,
    U_SUBS,
    U_DATA,
    U_PAYLOAD,
    U_SIGNING_KEY, /* after USER_OPTS in both tables */
};

#define USER_OPTS                                                                              \
    {"allow-pub", 0, "SUBJECT...", "allow publishing (repeatable)"},                          \
    {"allow-sub", 0, "SUBJECT...", "allow subscribing (repeatable)"},                         \
    {"deny-pub", 0, "SUBJECT...", "deny publishing (repeatable)"},                            \
    {"deny-sub", 0, "SUBJECT...", "deny subscribing (repeatable)"},                           \
    {"allow-pubsub", 0, "SUBJECT...", "allow publishing and subscribing (repeatable)"},       \
    {"rm", 0, "SUBJECT...", "remove a subject from every permission list (repeatable)"},      \
    {"resp-max", 0, "N", "may publish N responses to requests it received"},                  \
    {"resp-ttl", 0, "DUR", "... within DUR (500ms, 5s, 1m)"},                                  \
    {"src", 0, "CIDR...", "only connect from this network (repeatable)"},                     \
    {"rm-src", 0, "CIDR...", "remove a source network (repeatable)"},                         \
    {"time", 0, "START-END...", "only connect between HH:MM:SS-HH:MM:SS (repeatable)"},       \
    {"clear-times", 0, NULL, "remove every --time window"},                                   \
    {"time-zone", 0, "TZ", "the zone of the --time windows (e.g. Europe/Berlin)"},            \
    {"conn-type", 0, "TYPE...", "allowed connection type: STANDARD, WEBSOCKET, MQTT, ..."},    \
    {"rm-conn-type", 0, "TYPE...", "remove an allowed connection type (repeatable)"},         \
    {"bearer", 0, NULL, "a bearer token: connects without proving the key"},                  \
    {"no-bearer", 0, NULL, "not a bearer token"},                                             \
    {"expiry", 0, "DUR", "expire DUR from now: 90s, 30m, 1h, 2d, 1w"},                        \
    {"exp", 0, "UNIX", "expire at this unix time (0: never)"},                                \
    {"tag", 0, "TAG...", "add a tag (lower-cased; repeatable)"},                              \
    {"rm-tag", 0, "TAG...", "remove a tag (repeatable)"},                                     \
    {"subs", 0, "N", "max subscriptions (-1 unlimited)"},                                     \
    {"data", 0, "SIZE", "max data in bytes: 1024, 10K, 5M, 2G, 1Gi (-1 unlimited)"},          \
    {"payload", 0, "SIZE", "max message payload (-1 unlimited)"}

static const cli_opt add_opts[] = {
    USER_OPTS,
    {"signing-key", 0, "PUB|ROLE", "sign with this account signing key (default: the "
                                   "account's identity key)"},
    ST_OPT_CONFLICT,
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static const cli_opt edit_opts[] = {
    USER_OPTS,
    {"signing-key", 0, "PUB|ROLE", "must be the key that signed the user (re-signing with "
                                   "another key is not supported: remove and add the user)"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static const char *const conn_types[] = {"STANDARD", "WEBSOCKET", "LEAFNODE", "LEAFNODE_WS",
                                         "MQTT",     "MQTT_WS",   "IN_PROCESS", NULL};

static bool upper_conn_type(const char *v, char *out, size_t cap)
{
    size_t n = 0;
    for (; v[n] && n + 1 < cap; n++)
        out[n] = (char)toupper((unsigned char)v[n]);
    out[n] = '\0';
    for (int i = 0; conn_types[i]; i++)
        if (strcmp(out, conn_types[i]) == 0)
            return true;
    return false;
}

/* The edits of user add/edit, in command-line order. */
static int user_edits(const cli_cmd *cmd, const cli_args *a, int64_t now, st_edits *ed)
{
    int64_t exp, num;
    bool exp_set;
    char buf[256];
    int rc;
    if (a->set[U_BEARER] && a->set[U_NO_BEARER])
        return cli_usage(cmd, "--bearer and --no-bearer cannot be used together");
    if ((rc = st_expiry(cmd, a, now, &exp, &exp_set)) != CLI_OK)
        return rc;
    for (int i = 0; i < a->nseq; i++) {
        const char *v = a->seq[i].val;
        switch (a->seq[i].idx) {
        case U_RESP_MAX:
            if (!cli_parse_i64(v, &num) || num < -1)
                return cli_usage(cmd, "--resp-max '%.40s' is not a count (-1 unlimited)", v);
            st_edit(ed, NA_EDIT_SET_INT, "nats.resp.max", NULL, num);
            break;
        case U_RESP_TTL:
            if (!st_parse_nanos(v, &num))
                return cli_usage(cmd, "--resp-ttl '%.40s' is not a duration (like 500ms, 5s, 1m)",
                                 v);
            st_edit(ed, NA_EDIT_SET_INT, "nats.resp.ttl", NULL, num);
            break;
        case U_SRC: st_edit(ed, NA_EDIT_ADD_STR, "nats.src", v, 0); break;
        case U_RM_SRC: st_edit(ed, NA_EDIT_REMOVE_STR, "nats.src", v, 0); break;
        case U_TIME: {
            const char *dash = strchr(v, '-');
            char start[16], end[16];
            if (!dash || dash - v != 8 || strlen(dash + 1) != 8)
                return cli_usage(cmd, "--time '%.40s' is not HH:MM:SS-HH:MM:SS", v);
            memcpy(start, v, 8);
            start[8] = '\0';
            memcpy(end, dash + 1, 9);
            if (!st_parse_clock(start) || !st_parse_clock(end))
                return cli_usage(cmd, "--time '%.40s' is not HH:MM:SS-HH:MM:SS", v);
            snprintf(buf, sizeof buf, "{\"start\":\"%s\",\"end\":\"%s\"}", start, end);
            st_edit(ed, NA_EDIT_APPEND_JSON, "nats.times", buf, 0);
            break;
        }
        case U_CLEAR_TIMES: st_edit(ed, NA_EDIT_UNSET, "nats.times", NULL, 0); break;
        case U_TZ:
            if (*v)
                st_edit(ed, NA_EDIT_SET_STR, "nats.times_location", v, 0);
            else
                st_edit(ed, NA_EDIT_UNSET, "nats.times_location", NULL, 0);
            break;
        case U_CONN_TYPE:
        case U_RM_CONN_TYPE:
            if (!upper_conn_type(v, buf, sizeof buf))
                return cli_usage(cmd,
                                 "--%s '%.40s' is not a connection type (STANDARD, WEBSOCKET, "
                                 "LEAFNODE, LEAFNODE_WS, MQTT, MQTT_WS, IN_PROCESS)",
                                 cmd->opts[a->seq[i].idx].name, v);
            st_edit(ed, a->seq[i].idx == U_CONN_TYPE ? NA_EDIT_ADD_STR : NA_EDIT_REMOVE_STR,
                    "nats.allowed_connection_types", buf, 0);
            break;
        case U_BEARER: st_edit(ed, NA_EDIT_SET_BOOL, "nats.bearer_token", NULL, 1); break;
        case U_NO_BEARER: st_edit(ed, NA_EDIT_UNSET, "nats.bearer_token", NULL, 0); break;
        case U_TAG: st_edit(ed, NA_EDIT_ADD_STR, "nats.tags", v, 0); break;
        case U_RM_TAG: {
            size_t n = 0;
            for (; v[n] && n + 1 < sizeof buf; n++)
                buf[n] = (char)tolower((unsigned char)v[n]);
            buf[n] = '\0';
            st_edit(ed, NA_EDIT_REMOVE_STR, "nats.tags", buf, 0);
            break;
        }
        case U_SUBS:
            if (!st_parse_count(v, &num))
                return cli_usage(cmd, "--subs '%.40s' is not a count (a number, or -1 for "
                                      "unlimited)", v);
            st_edit(ed, NA_EDIT_SET_INT, "nats.subs", NULL, num);
            break;
        case U_DATA:
        case U_PAYLOAD:
            if (!st_parse_size(v, &num))
                return cli_usage(cmd, "--%s '%.40s' is not a size (like 1024, 10K, 5M, 2G, 1Gi, "
                                      "or -1 for unlimited)",
                                 cmd->opts[a->seq[i].idx].name, v);
            st_edit(ed, NA_EDIT_SET_INT, a->seq[i].idx == U_DATA ? "nats.data" : "nats.payload",
                    NULL, num);
            break;
        default: break;
        }
    }
    st_perm_edits(ed, cmd, a, "nats");
    if (exp_set)
        st_edit(ed, exp ? NA_EDIT_SET_INT : NA_EDIT_UNSET, "exp", NULL, exp);
    return CLI_OK;
}

static void print_result(st_session *s, const char *account, const char *name,
                         const na_result *r, const char *done)
{
    if (s->json) {
        jw w;
        jw_init(&w, s->out);
        jw_obj(&w, NULL);
        jw_str(&w, "account", account);
        jw_str(&w, "name", name);
        jw_str(&w, "pub", r->pub);
        jw_bool(&w, "changed", r->changed);
        jw_end(&w, '}');
    } else {
        fprintf(s->out, "%s user '%s' in account '%s' (%s)\n", r->changed ? done : "unchanged:",
                name, account, r->pub);
    }
}

/* user edit --signing-key: the library re-signs a user with the key that
 * signed it, so the option may only name that key (by key or role). */
static na_status same_signer(st_session *s, const na_entity *acct, const char *user,
                             const char *want, na_err *err)
{
    na_entity u = {0};
    na_signing_key *l = NULL;
    size_t n = 0;
    bool same = false;
    na_status st = na_store_user_get(s->store, acct->name, user, &u, err);
    if (st == NA_OK && u.signer) {
        same = strcmp(want, u.signer) == 0 || (strcmp(want, acct->pub) == 0 &&
                                               strcmp(u.signer, acct->pub) == 0);
        if (!same && (st = na_store_sk_list(s->store, acct->name, &l, &n, err)) == NA_OK)
            for (size_t i = 0; i < n; i++)
                same |= l[i].role && strcmp(l[i].role, want) == 0 &&
                        strcmp(l[i].pub, u.signer) == 0;
    }
    if (st == NA_OK && !same)
        st = na_fail(err, NA_EINVAL,
                     "user '%s' of account '%s' is signed by '%s', not '%s': edit cannot change "
                     "the signing key (remove the user and add it with --signing-key)",
                     user, acct->name, u.signer ? u.signer : "?", want);
    na_signing_keys_free(l, n);
    na_entity_release(&u);
    return st;
}

static int run_add_edit(const cli_cmd *cmd, const cli_args *a, bool add)
{
    st_session s;
    st_edits ed = {0};
    na_user_opts uo = {a->val[U_SIGNING_KEY]};
    na_result r = {0};
    na_entity acct = {0};
    na_err err = {0};
    na_status st;
    int rc = user_edits(cmd, a, (int64_t)time(NULL), &ed);
    if (rc == CLI_OK && !add && !ed.n)
        rc = cli_usage(cmd, "nothing to change (give at least one option)");
    if (rc != CLI_OK || (rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS)) != CLI_OK) {
        st_edits_free(&ed);
        return rc;
    }
    if (ed.oom)
        st = na_fail(&err, NA_ENOMEM, "out of memory");
    else
        st = na_store_account_get(s.store, a->pos[0], &acct, &err);
    if (st == NA_OK && !add && uo.signing_key)
        st = same_signer(&s, &acct, a->pos[1], uo.signing_key, &err);
    if (st == NA_OK && add)
        st = na_user_add(&s.x, a->pos[0], a->pos[1], &uo, ed.e, ed.n, &r, &err);
    else if (st == NA_OK)
        st = na_user_edit(&s.x, a->pos[0], a->pos[1], ed.e, ed.n, &r, &err);
    if (st == NA_OK)
        print_result(&s, acct.name, a->pos[1], &r, add ? "created" : "updated");
    na_entity_release(&acct);
    st_edits_free(&ed);
    return st_finish(&s, st, &err);
}

static int run_add(const cli_cmd *cmd, const cli_args *a) { return run_add_edit(cmd, a, true); }
static int run_edit(const cli_cmd *cmd, const cli_args *a) { return run_add_edit(cmd, a, false); }

/* ---- show / list ---- */

/* "account key", "signing key", "scoped signing key (role 'x')" */
static void signer_kind(na_store *s, const na_entity *acct, const char *signer, char *out,
                        size_t cap)
{
    na_signing_key *l = NULL;
    size_t n = 0;
    snprintf(out, cap, "%s", "unknown key: no longer a key of the account");
    if (signer && strcmp(signer, acct->pub) == 0) {
        snprintf(out, cap, "the account's identity key");
        return;
    }
    if (na_store_sk_list(s, acct->name, &l, &n, NULL) != NA_OK)
        return;
    for (size_t i = 0; i < n; i++)
        if (signer && strcmp(l[i].pub, signer) == 0)
            snprintf(out, cap, "%s signing key%s%s%s", l[i].scoped ? "scoped" : "plain",
                     l[i].role ? ", role '" : "", l[i].role ? l[i].role : "",
                     l[i].role ? "'" : "");
    na_signing_keys_free(l, n);
}

/* Is the user (its current JWT) revoked by the account's JWT? */
static bool is_revoked(const na_claims *acct, const na_claims *user)
{
    return acct && user &&
           na_claims_is_revoked(acct, na_claims_subject(user), na_claims_issued_at(user));
}

static const cli_opt show_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_show(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity acct = {0}, u = {0};
    na_claims *ac = NULL, *uc = NULL;
    char *json = NULL, kind[160];
    na_err err = {0};
    na_status st;
    bool revoked;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_account_get(s.store, a->pos[0], &acct, &err)) != NA_OK ||
        (st = na_store_user_get(s.store, acct.name, a->pos[1], &u, &err)) != NA_OK ||
        (st = st_decode(&ac, acct.jwt, &err)) != NA_OK ||
        (st = st_decode(&uc, u.jwt, &err)) != NA_OK)
        goto out;
    if (!(json = na_claims_to_json(uc, s.json ? 0 : NA_JSON_PRETTY))) {
        st = na_fail(&err, NA_ENOMEM, "out of memory");
        goto out;
    }
    revoked = is_revoked(ac, uc);
    signer_kind(s.store, &acct, u.signer, kind, sizeof kind);
    if (s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "name", u.name);
        jw_str(&w, "account", acct.name);
        jw_str(&w, "account_pub", acct.pub);
        jw_str(&w, "pub", u.pub);
        jw_str(&w, "signer", u.signer);
        jw_bool(&w, "revoked", revoked);
        jw_str(&w, "jwt", u.jwt);
        jw_raw(&w, "claims", json);
        jw_end(&w, '}');
    } else {
        FILE *f = s.out;
        fprintf(f, "%-12s%s\n", "user:", u.name);
        fprintf(f, "%-12s%s (%s)\n", "account:", acct.name, acct.pub);
        fprintf(f, "%-12s%s\n", "public key:", u.pub);
        fprintf(f, "%-12s%s (%s)\n", "signed by:", u.signer ? u.signer : "?", kind);
        fprintf(f, "%-12s%s\n", "revoked:", revoked ? "yes" : "no");
        fprintf(f, "%-12s%s\n", "issued:", st_time(na_claims_issued_at(uc)));
        fprintf(f, "%-12s%s\n", "expires:", st_time(na_claims_expires(uc)));
        fprintf(f, "\n[claims]\n%s\n", json);
    }
out:
    na_free(json);
    na_claims_destroy(uc);
    na_claims_destroy(ac);
    na_entity_release(&u);
    na_entity_release(&acct);
    return st_finish(&s, st, &err);
}

static const cli_opt list_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_list(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity acct = {0}, *l = NULL;
    size_t n = 0;
    na_claims *ac = NULL;
    char *ac_name = NULL;
    int wa = 7, wn = 4;
    na_err err = {0};
    na_status st = NA_OK;
    jw w;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if (a->npos && (st = na_store_account_get(s.store, a->pos[0], &acct, &err)) != NA_OK)
        goto out;
    if ((st = na_store_user_list(s.store, a->npos ? acct.name : NULL, &l, &n, &err)) != NA_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if ((int)strlen(l[i].account) > wa)
            wa = (int)strlen(l[i].account);
        if ((int)strlen(l[i].name) > wn)
            wn = (int)strlen(l[i].name);
    }
    if (s.json) {
        jw_init(&w, s.out);
        jw_arr(&w, NULL);
    } else if (n) {
        fprintf(s.out, "%-*s  %-*s  %-56s  %s\n", wa, "ACCOUNT", wn, "NAME", "PUBLIC KEY",
                "FLAGS");
    } else if (a->npos) {
        fprintf(s.out, "account '%s' has no users\n", acct.name);
    } else {
        fprintf(s.out, "no users in store '%s'\n", s.path);
    }
    for (size_t i = 0; i < n; i++) {
        na_claims *uc = NULL;
        bool revoked;
        if (!ac_name || strcmp(ac_name, l[i].account) != 0) {
            na_entity e = {0};
            na_claims_destroy(ac);
            ac = NULL;
            free(ac_name);
            ac_name = strdup(l[i].account);
            if (na_store_account_get(s.store, l[i].account, &e, NULL) == NA_OK)
                st_decode(&ac, e.jwt, NULL);
            na_entity_release(&e);
        }
        st_decode(&uc, l[i].jwt, NULL);
        revoked = is_revoked(ac, uc);
        na_claims_destroy(uc);
        if (s.json) {
            jw_obj(&w, NULL);
            jw_str(&w, "account", l[i].account);
            jw_str(&w, "name", l[i].name);
            jw_str(&w, "pub", l[i].pub);
            jw_bool(&w, "revoked", revoked);
            jw_end(&w, '}');
        } else {
            fprintf(s.out, "%-*s  %-*s  %s%s\n", wa, l[i].account, wn, l[i].name, l[i].pub,
                    revoked ? "  revoked" : "");
        }
    }
    if (s.json)
        jw_end(&w, ']');
out:
    free(ac_name);
    na_claims_destroy(ac);
    na_entities_free(l, n);
    na_entity_release(&acct);
    return st_finish(&s, st, &err);
}

/* ---- rm / revoke ---- */

static const cli_opt rm_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_rm_revoke(const cli_cmd *cmd, const cli_args *a, bool rm)
{
    st_session s;
    na_entity acct = {0}, u = {0}, after = {0};
    na_err err = {0};
    na_status st;
    bool changed = true;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_account_get(s.store, a->pos[0], &acct, &err)) != NA_OK ||
        (st = na_store_user_get(s.store, acct.name, a->pos[1], &u, &err)) != NA_OK)
        goto out;
    st = rm ? na_user_rm(&s.x, acct.name, u.name, &err)
            : na_user_revoke(&s.x, acct.name, u.name, &err);
    if (st == NA_OK && !rm &&
        (st = na_store_account_get(s.store, acct.name, &after, &err)) == NA_OK)
        changed = strcmp(acct.jwt ? acct.jwt : "", after.jwt ? after.jwt : "") != 0;
    if (st != NA_OK)
        goto out;
    if (s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "account", acct.name);
        jw_str(&w, "name", u.name);
        jw_str(&w, "pub", u.pub);
        jw_bool(&w, rm ? "removed" : "revoked", true);
        jw_bool(&w, "changed", changed);
        jw_end(&w, '}');
    } else if (rm) {
        fprintf(s.out, "removed user '%s' from account '%s' (%s): it is revoked in the account "
                       "JWT\n",
                u.name, acct.name, u.pub);
    } else {
        fprintf(s.out, "%srevoked user '%s' of account '%s' (%s)\n",
                changed ? "" : "unchanged: already ", u.name, acct.name, u.pub);
    }
out:
    na_entity_release(&after);
    na_entity_release(&u);
    na_entity_release(&acct);
    return st_finish(&s, st, &err);
}

static int run_rm(const cli_cmd *cmd, const cli_args *a) { return run_rm_revoke(cmd, a, true); }
static int run_revoke(const cli_cmd *cmd, const cli_args *a)
{
    return run_rm_revoke(cmd, a, false);
}

#define USER_HELP                                                                              \
    "Permissions: --allow-pub/--allow-sub/--deny-pub/--deny-sub/--allow-pubsub add\n"          \
    "subjects (kept exactly as given), --rm removes one from every list. SIZE is\n"           \
    "bytes (1024, 10K, 5M, 2G as powers of 1000, 1Ki, 5Mi, 2Gi of 1024), N a count;\n"        \
    "-1 is unlimited. New users have no limits (-1) and no permissions (all\n"                \
    "subjects allowed, unless the account has default permissions). --conn-type:\n"           \
    "STANDARD, WEBSOCKET, LEAFNODE, LEAFNODE_WS, MQTT, MQTT_WS, IN_PROCESS.\n"                 \
    "--store PATH (or $NATSAUTH_STORE), --conflict strict|idempotent (or\n"                    \
    "$NATSAUTH_CONFLICT): see 'natsauth help'.\n"                                             \
    "The change is validated: what would make the user invalid is refused.\n"

static const cli_cmd verbs[] = {
    {"add", "user add", "ACCOUNT NAME [OPTIONS] [--signing-key PUB|ROLE]", "create a user",
     USER_HELP "--signing-key signs the user with one of the account's signing keys (its\n"
               "public key or, for a scoped key, its role): the user then carries\n"
               "issuer_account, and a scoped key's user takes its permissions from the scope.\n"
               "With --conflict idempotent, adding a user that exists with the same settings\n"
               "does nothing; different settings are an error showing them.\n",
     add_opts, 2, 2, run_add},
    {"edit", "user edit", "ACCOUNT NAME [OPTIONS]", "change a user's permissions and limits",
     USER_HELP "The user is re-signed by the key that signed it.\n", edit_opts, 2, 2, run_edit},
    {"show", "user show", "ACCOUNT NAME [--json]", "show a user and its claims",
     "Prints a summary (signer, revoked or not) and the decoded claims of the user's\n"
     "JWT. --json prints\n"
     "  {\"name\",\"account\",\"account_pub\",\"pub\",\"signer\",\"revoked\",\"jwt\",\n"
     "   \"claims\":{..}}\n",
     show_opts, 2, 2, run_show},
    {"list", "user list", "[ACCOUNT] [--json]", "list the users (of one account)",
     "One line per user: account, name, public key and \"revoked\" when the account\n"
     "JWT revokes it. --json prints an array of {\"account\",\"name\",\"pub\",\"revoked\"}.\n",
     list_opts, 0, 1, run_list},
    {"rm", "user rm", "ACCOUNT NAME", "remove a user (revoking it)",
     "Revokes the user in the account JWT (so a copy of its creds stops working once\n"
     "the account is pushed), then deletes it and its seed from the store.\n",
     rm_opts, 2, 2, run_rm},
    {"revoke", "user revoke", "ACCOUNT NAME", "revoke a user, keeping it",
     "Revokes the user's current JWT in the account JWT (revoked at now). The user\n"
     "stays in the store; 'user edit' issues it a new JWT, which is valid again.\n",
     rm_opts, 2, 2, run_revoke},
};

int cmd_user(int argc, char **argv)
{
    return cli_dispatch("user", "Add, edit, show, list, remove and revoke users.", verbs,
                        sizeof verbs / sizeof verbs[0], argc, argv);
}
