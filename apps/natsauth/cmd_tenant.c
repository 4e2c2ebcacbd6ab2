/*
 * cmd_tenant.c - `natsauth tenant add|rm|list`, `tenant app add|rm` and
 * `tenant member add|rm`: organisations of a multi-tenant service. An
 * organisation is an account of the store, an app one of its users (a
 * robot app is a machine identity), a member an e-mail address with an
 * owner flag (kept for the service's own access control; no JWT).
 * `tenant app token|tokens` make, list and revoke an app's bearer tokens
 * for the callout daemon's store authorizer: a token is printed once, when
 * made, and only its hash is stored.
 */
#include <string.h>

#include "cmd_store.h"
#include "cmds.h"

static void result_json(st_session *s, const char *org, const char *key, const char *val,
                        const char *pub, bool changed)
{
    jw w;
    jw_init(&w, s->out);
    jw_obj(&w, NULL);
    jw_str(&w, "org", org);
    if (key)
        jw_str(&w, key, val);
    if (pub)
        jw_str(&w, "pub", pub);
    jw_bool(&w, "changed", changed);
    jw_end(&w, '}');
}

/* ---- tenant add / rm / list ---- */

static const cli_opt add_opts[] = {ST_OPT_CONFLICT, ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};
static const cli_opt rm_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_add(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_result r = {0};
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_tenant_add(&s.x, a->pos[0], &r, &err)) == NA_OK) {
        if (s.json)
            result_json(&s, a->pos[0], "account", a->pos[0], r.pub, r.changed);
        else
            fprintf(s.out, "%s organisation '%s' (account %s)\n",
                    r.changed ? "created" : "unchanged:", a->pos[0], r.pub);
    }
    return st_finish(&s, st, &err);
}

static int run_rm(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_err err = {0};
    char *acct = NULL;
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_tenant_account(s.store, a->pos[0], &acct, &err)) == NA_OK &&
        (st = na_tenant_rm(&s.x, a->pos[0], &err)) == NA_OK) {
        if (s.json)
            result_json(&s, a->pos[0], "account", acct, NULL, true);
        else
            fprintf(s.out,
                    "removed organisation '%s': account '%s' is removed (its users are revoked; "
                    "the next push deletes it from the servers)\n",
                    a->pos[0], acct);
    }
    na_free(acct);
    return st_finish(&s, st, &err);
}

static na_status list_one(st_session *s, const char *org, na_err *err)
{
    char *acct = NULL, **apps = NULL, **members = NULL;
    size_t napps = 0, nmembers = 0;
    jw w;
    na_status st;
    if ((st = na_store_tenant_account(s->store, org, &acct, err)) != NA_OK ||
        (st = na_store_app_list(s->store, org, &apps, &napps, err)) != NA_OK ||
        (st = na_store_member_list(s->store, org, &members, &nmembers, err)) != NA_OK)
        goto out;
    if (s->json) {
        jw_init(&w, s->out);
        jw_obj(&w, NULL);
        jw_str(&w, "org", org);
        jw_str(&w, "account", acct);
        jw_arr(&w, "apps");
    } else {
        fprintf(s->out, "organisation: %s (account '%s')\n", org, acct);
        fprintf(s->out, "apps:%s\n", napps ? "" : " none");
    }
    for (size_t i = 0; i < napps && st == NA_OK; i++) {
        char *user = NULL;
        bool robot = false;
        na_entity u = {0};
        na_err pe = {0};
        if ((st = na_store_app_get(s->store, org, apps[i], &user, &robot, err)) != NA_OK)
            break;
        if (user)
            na_store_user_get(s->store, acct, user, &u, &pe);
        if (s->json) {
            jw_obj(&w, NULL);
            jw_str(&w, "name", apps[i]);
            jw_str(&w, "user", user);
            jw_str(&w, "pub", u.pub);
            jw_bool(&w, "robot", robot);
            jw_end(&w, '}');
        } else {
            fprintf(s->out, "  %s%s%s%s\n", apps[i], robot ? " (robot)" : "", u.pub ? "  " : "",
                    u.pub ? u.pub : "");
        }
        na_entity_release(&u);
        na_free(user);
    }
    if (st != NA_OK)
        goto out;
    if (s->json) {
        jw_end(&w, ']');
        jw_arr(&w, "members");
    } else {
        fprintf(s->out, "members:%s\n", nmembers ? "" : " none");
    }
    for (size_t i = 0; i < nmembers && st == NA_OK; i++) {
        bool owner = false;
        if ((st = na_store_member_get(s->store, org, members[i], &owner, err)) != NA_OK)
            break;
        if (s->json) {
            jw_obj(&w, NULL);
            jw_str(&w, "email", members[i]);
            jw_bool(&w, "owner", owner);
            jw_end(&w, '}');
        } else {
            fprintf(s->out, "  %s%s\n", members[i], owner ? " (owner)" : "");
        }
    }
    if (st == NA_OK && s->json) {
        jw_end(&w, ']');
        jw_end(&w, '}');
    }
out:
    na_strings_free(apps, napps);
    na_strings_free(members, nmembers);
    na_free(acct);
    return st;
}

static const cli_opt list_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_list(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    char **orgs = NULL;
    size_t n = 0;
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if (a->npos) {
        st = list_one(&s, a->pos[0], &err);
        return st_finish(&s, st, &err);
    }
    if ((st = na_store_tenant_list(s.store, &orgs, &n, &err)) == NA_OK) {
        jw w;
        if (s.json) {
            jw_init(&w, s.out);
            jw_arr(&w, NULL);
        } else if (!n) {
            fprintf(s.out, "no organisations in store '%s'\n", s.path);
        }
        for (size_t i = 0; i < n && st == NA_OK; i++) {
            char *acct = NULL, **l = NULL;
            size_t napps = 0, nmem = 0;
            if ((st = na_store_tenant_account(s.store, orgs[i], &acct, &err)) == NA_OK &&
                (st = na_store_app_list(s.store, orgs[i], &l, &napps, &err)) == NA_OK) {
                na_strings_free(l, napps);
                l = NULL;
                st = na_store_member_list(s.store, orgs[i], &l, &nmem, &err);
                na_strings_free(l, nmem);
            }
            if (st == NA_OK && s.json) {
                jw_obj(&w, NULL);
                jw_str(&w, "org", orgs[i]);
                jw_str(&w, "account", acct);
                jw_int(&w, "apps", (int64_t)napps);
                jw_int(&w, "members", (int64_t)nmem);
                jw_end(&w, '}');
            } else if (st == NA_OK) {
                fprintf(s.out, "%s  account '%s'  %zu app%s  %zu member%s\n", orgs[i], acct,
                        napps, napps == 1 ? "" : "s", nmem, nmem == 1 ? "" : "s");
            }
            na_free(acct);
        }
        if (st == NA_OK && s.json)
            jw_end(&w, ']');
    }
    na_strings_free(orgs, n);
    return st_finish(&s, st, &err);
}

/* ---- tenant app ---- */

enum { P_ROBOT };
static const cli_opt app_add_opts[] = {
    {"robot", 0, NULL, "a robot app (a machine identity)"},
    ST_OPT_CONFLICT,
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static int run_app_add(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_result r = {0};
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_tenant_app_add(&s.x, a->pos[0], a->pos[1], a->set[P_ROBOT], &r, &err)) ==
        NA_OK) {
        if (s.json)
            result_json(&s, a->pos[0], "app", a->pos[1], r.pub, r.changed);
        else
            fprintf(s.out, "%s %sapp '%s' in organisation '%s' (user %s)\n",
                    r.changed ? "created" : "unchanged:", a->set[P_ROBOT] ? "robot " : "",
                    a->pos[1], a->pos[0], r.pub);
    }
    return st_finish(&s, st, &err);
}

static int run_app_rm(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_tenant_app_rm(&s.x, a->pos[0], a->pos[1], &err)) == NA_OK) {
        if (s.json)
            result_json(&s, a->pos[0], "app", a->pos[1], NULL, true);
        else
            fprintf(s.out, "removed app '%s' from organisation '%s' (its user is revoked)\n",
                    a->pos[1], a->pos[0]);
    }
    return st_finish(&s, st, &err);
}

/* ---- tenant app token(s) ---- */

enum { T_TTL, T_REVOKE, T_ID };
static const cli_opt token_opts[] = {
    {"ttl", 0, "DUR", "the token expires after DUR (90s, 30m, 12h, 7d); default never"},
    {"revoke", 0, NULL, "delete the app's tokens (all, or the one named by --id)"},
    {"id", 0, "ID", "with --revoke: only the token with this id (see 'tenant app tokens')"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static void token_json(jw *w, const na_app_token *t)
{
    jw_obj(w, NULL);
    jw_str(w, "id", t->id);
    jw_str(w, "org", t->org);
    jw_str(w, "app", t->app);
    jw_str(w, "account", t->account);
    jw_str(w, "user", t->user);
    jw_int(w, "created", t->created);
    jw_int(w, "expires", t->expires);
}

static int run_token_revoke(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_err err = {0};
    size_t n = 0;
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE);
    if (rc != CLI_OK)
        return rc;
    st = na_tenant_app_token_revoke(&s.x, a->pos[0], a->pos[1], a->val[T_ID], &n, &err);
    if (st == NA_OK && s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "org", a->pos[0]);
        jw_str(&w, "app", a->pos[1]);
        jw_int(&w, "revoked", (int64_t)n);
        jw_end(&w, '}');
    } else if (st == NA_OK) {
        fprintf(s.out, "revoked %zu token%s of app '%s' of organisation '%s'\n", n,
                n == 1 ? "" : "s", a->pos[1], a->pos[0]);
    }
    return st_finish(&s, st, &err);
}

/* The token is printed only after the commit (so a token that was not
 * stored is never shown), straight to stdout, whose buffer main() wipes:
 * it never passes through the session's output buffer. */
static void token_print(const na_app_token *t, const char *token, bool json)
{
    if (json) {
        jw w;
        jw_init(&w, stdout);
        token_json(&w, t);
        jw_str(&w, "token", token);
        jw_end(&w, '}');
        return;
    }
    printf("created token %s for app '%s' of organisation '%s' (expires %s); it is shown "
           "only now:\n",
           t->id, t->app, t->org, st_time(t->expires));
    printf("%s\n", token);
}

static int run_token(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_app_token info = {0};
    na_err err = {0};
    char *token = NULL;
    int64_t ttl = 0;
    bool json;
    na_status st;
    int rc;
    if (a->set[T_ID] && !a->set[T_REVOKE])
        return cli_usage(cmd, "--id needs --revoke");
    if (a->set[T_REVOKE]) {
        if (a->set[T_TTL])
            return cli_usage(cmd, "--ttl and --revoke do not go together");
        return run_token_revoke(cmd, a);
    }
    if (a->set[T_TTL] && !cli_parse_duration(a->val[T_TTL], &ttl))
        return cli_usage(cmd, "--ttl '%.40s' is not a duration (90s, 30m, 12h, 7d)",
                         a->val[T_TTL]);
    if ((rc = st_open(&s, cmd, a, ST_WRITE)) != CLI_OK)
        return rc;
    json = s.json;
    st = na_tenant_app_token_create(&s.x, a->pos[0], a->pos[1], ttl, &token, &info, &err);
    rc = st_finish(&s, st, &err);
    if (rc == CLI_OK)
        token_print(&info, token, json);
    na_free_secret(token);
    na_app_token_release(&info);
    return rc;
}

static const cli_opt tokens_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_tokens(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_app_token *list = NULL;
    size_t n = 0;
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_app_get(s.store, a->pos[0], a->pos[1], NULL, NULL, &err)) == NA_OK)
        st = na_store_app_token_list(s.store, a->pos[0], a->pos[1], &list, &n, &err);
    if (st == NA_OK && s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_arr(&w, NULL);
        for (size_t i = 0; i < n; i++) {
            token_json(&w, &list[i]);
            jw_bool(&w, "expired", list[i].expires && list[i].expires <= s.x.now);
            jw_end(&w, '}');
        }
        jw_end(&w, ']');
    } else if (st == NA_OK) {
        if (!n)
            fprintf(s.out, "no tokens for app '%s' of organisation '%s'\n", a->pos[1],
                    a->pos[0]);
        for (size_t i = 0; i < n; i++) {
            fprintf(s.out, "%s  created %s", list[i].id, st_time(list[i].created));
            fprintf(s.out, "  expires %s%s\n", st_time(list[i].expires),
                    list[i].expires && list[i].expires <= s.x.now ? " (expired)" : "");
        }
    }
    na_app_tokens_free(list, n);
    return st_finish(&s, st, &err);
}

/* ---- tenant member ---- */

enum { B_OWNER };
static const cli_opt member_add_opts[] = {
    {"owner", 0, NULL, "the member owns the organisation"},
    ST_OPT_CONFLICT,
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static int run_member_add(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_err err = {0}, pe = {0};
    bool existed, owner = false;
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    existed = na_store_member_get(s.store, a->pos[0], a->pos[1], &owner, &pe) == NA_OK;
    if ((st = na_tenant_member_add(&s.x, a->pos[0], a->pos[1], a->set[B_OWNER], &err)) ==
        NA_OK) {
        if (s.json)
            result_json(&s, a->pos[0], "email", a->pos[1], NULL, !existed);
        else
            fprintf(s.out, "%s %smember '%s' of organisation '%s'\n",
                    existed ? "unchanged:" : "added", a->set[B_OWNER] ? "owner " : "", a->pos[1],
                    a->pos[0]);
    }
    return st_finish(&s, st, &err);
}

static int run_member_rm(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_tenant_member_rm(&s.x, a->pos[0], a->pos[1], &err)) == NA_OK) {
        if (s.json)
            result_json(&s, a->pos[0], "email", a->pos[1], NULL, true);
        else
            fprintf(s.out, "removed member '%s' from organisation '%s'\n", a->pos[1], a->pos[0]);
    }
    return st_finish(&s, st, &err);
}

/* ---- dispatch ---- */

static const cli_cmd app_verbs[] = {
    {"add", "tenant app add", "ORG APP [--robot]", "add an app (a user of the org's account)",
     "Creates a user named APP in the organisation's account. With --conflict\n"
     "idempotent, adding the same app again does nothing.\n",
     app_add_opts, 2, 2, run_app_add},
    {"rm", "tenant app rm", "ORG APP", "remove an app (revoking its user and its tokens)", NULL,
     rm_opts, 2, 2, run_app_rm},
    {"token", "tenant app token", "ORG APP [--ttl DUR] | ORG APP --revoke [--id ID]",
     "make a bearer token for the app (printed once), or revoke its tokens",
     "Prints a new random token (nat_...) for the app, once: only its SHA-256 is\n"
     "stored, so it cannot be shown again. `natsauth callout serve` with a \"store\"\n"
     "authorizer lets a client that connects with this token into the\n"
     "organisation's account, with the app user's permissions. --json:\n"
     "{\"id\",\"org\",\"app\",\"account\",\"user\",\"created\",\"expires\",\"token\"}.\n"
     "--revoke deletes all the app's tokens (or the one named by --id); --json:\n"
     "{\"org\",\"app\",\"revoked\"}. Removing the app removes its tokens.\n",
     token_opts, 2, 2, run_token},
    {"tokens", "tenant app tokens", "ORG APP [--json]", "list the app's tokens (ids, never secrets)",
     "One line per token: its id, when it was made and when it expires. --json:\n"
     "[{\"id\",\"org\",\"app\",\"account\",\"user\",\"created\",\"expires\",\"expired\"}].\n",
     tokens_opts, 2, 2, run_tokens},
};

static const cli_cmd member_verbs[] = {
    {"add", "tenant member add", "ORG EMAIL [--owner]", "add a member to an organisation",
     "Members carry no JWT: they are for the service's own access control. With\n"
     "--conflict idempotent, adding the same member again does nothing.\n",
     member_add_opts, 2, 2, run_member_add},
    {"rm", "tenant member rm", "ORG EMAIL", "remove a member", NULL, rm_opts, 2, 2,
     run_member_rm},
};

static const cli_cmd verbs[] = {
    {"add", "tenant add", "ORG", "add an organisation (an account)",
     "Creates the account ORG (or adopts an existing account of that name) as the\n"
     "organisation's account. With --conflict idempotent, adding an existing\n"
     "organisation does nothing.\n",
     add_opts, 1, 1, run_add},
    {"rm", "tenant rm", "ORG", "remove an organisation and its account",
     "Removes the organisation, its apps and members, and its account ('account\n"
     "rm': users revoked, deleted from the servers by the next push).\n",
     rm_opts, 1, 1, run_rm},
    {"list", "tenant list", "[ORG] [--json]", "list organisations, or one's apps and members",
     "Without ORG: one line per organisation (account, number of apps and members);\n"
     "--json: [{\"org\",\"account\",\"apps\",\"members\"}]. With ORG: its apps and members;\n"
     "--json: {\"org\",\"account\",\"apps\":[{\"name\",\"user\",\"pub\",\"robot\"}],\n"
     "\"members\":[{\"email\",\"owner\"}]}.\n",
     list_opts, 0, 1, run_list},
    /* groups, dispatched by cmd_tenant before the verbs */
    {"app", "tenant app", "add|rm|token|tokens ORG APP", "an organisation's apps and their tokens", NULL,
     rm_opts, 0, 0, NULL},
    {"member", "tenant member", "add|rm ORG EMAIL", "add or remove an organisation's members",
     NULL, rm_opts, 0, 0, NULL},
};

int cmd_tenant(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "app") == 0)
        return cli_dispatch("tenant app", "An organisation's apps and their tokens.", app_verbs,
                            sizeof app_verbs / sizeof app_verbs[0], argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "member") == 0)
        return cli_dispatch("tenant member", "Add or remove an organisation's members.",
                            member_verbs, sizeof member_verbs / sizeof member_verbs[0], argc - 1,
                            argv + 1);
    return cli_dispatch("tenant", "Organisations (accounts), their apps (users) and members.",
                        verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
