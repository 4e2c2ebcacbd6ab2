/*
 * cmd_sk.c - `natsauth sk add|list|rm`: an account's signing keys.
 *
 * A plain signing key can sign any user of the account; a scoped key
 * (user_scope) fixes the permissions of the users it signs through its
 * template. Any of --role, --description or a permission option makes the
 * new key scoped; the template is the UserPermissionLimits JSON built from
 * the permission options, subjects kept exactly as given (templates such as
 * users.{{name()}}.> included); the library adds NewUserScope's defaults.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_store.h"
#include "cmds.h"

enum { K_ROLE, K_ALLOW_PUB, K_ALLOW_SUB, K_DENY_PUB, K_DENY_SUB, K_ALLOW_PUBSUB, K_DESC };
static const cli_opt add_opts[] = {
    {"role", 0, "ROLE", "a role name for a scoped key (users choose it with --signing-key)"},
    {"allow-pub", 0, "SUBJECT...", "scope: allow publishing (repeatable; templates kept)"},
    {"allow-sub", 0, "SUBJECT...", "scope: allow subscribing (repeatable)"},
    {"deny-pub", 0, "SUBJECT...", "scope: deny publishing (repeatable)"},
    {"deny-sub", 0, "SUBJECT...", "scope: deny subscribing (repeatable)"},
    {"allow-pubsub", 0, "SUBJECT...", "scope: allow both (repeatable)"},
    {"description", 0, "TEXT", "a description of the scoped key"},
    ST_OPT_CONFLICT,
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

/* One permission list of the template: the values of opts a and b (b may
 * be -1) in command-line order. */
static void tpl_list(jw *w, const char *key, const cli_args *a, int o1, int o2)
{
    bool any = false;
    for (int i = 0; i < a->nseq && !any; i++)
        any = a->seq[i].idx == o1 || a->seq[i].idx == o2;
    if (!any)
        return;
    jw_arr(w, key);
    for (int i = 0; i < a->nseq; i++)
        if (a->seq[i].idx == o1 || a->seq[i].idx == o2)
            jw_str(w, NULL, a->seq[i].val);
    jw_end(w, ']');
}

/* {"pub":{"allow":[..],"deny":[..]},"sub":{..}} (new string) or NULL. */
static char *scope_template(const cli_args *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    jw w;
    if (!f)
        return NULL;
    jw_init(&w, f);
    w.depth = 1; /* no newline at the end */
    jw_obj(&w, NULL);
    jw_obj(&w, "pub");
    tpl_list(&w, "allow", a, K_ALLOW_PUB, K_ALLOW_PUBSUB);
    tpl_list(&w, "deny", a, K_DENY_PUB, -1);
    jw_end(&w, '}');
    jw_obj(&w, "sub");
    tpl_list(&w, "allow", a, K_ALLOW_SUB, K_ALLOW_PUBSUB);
    tpl_list(&w, "deny", a, K_DENY_SUB, -1);
    jw_end(&w, '}');
    jw_end(&w, '}');
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int run_add(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_scope scope = {a->val[K_ROLE], NULL, a->val[K_DESC]};
    bool scoped = a->set[K_ROLE] || a->set[K_DESC] || st_has_perms(cmd, a);
    char *tpl = NULL;
    na_result r = {0};
    na_entity acct = {0};
    na_err err = {0};
    na_status st = NA_OK;
    int rc;
    if (a->set[K_ROLE] && !*a->val[K_ROLE])
        return cli_usage(cmd, "--role needs a name");
    if ((rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS)) != CLI_OK)
        return rc;
    if (scoped && !(tpl = scope_template(a)))
        st = na_fail(&err, NA_ENOMEM, "out of memory");
    scope.template_json = tpl;
    if (st == NA_OK)
        st = na_store_account_get(s.store, a->pos[0], &acct, &err);
    if (st == NA_OK)
        st = na_account_sk_add(&s.x, a->pos[0], scoped ? &scope : NULL, &r, &err);
    if (st == NA_OK && s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "account", acct.name);
        jw_str(&w, "pub", r.pub);
        jw_bool(&w, "scoped", scoped);
        jw_str(&w, "role", scope.role);
        jw_bool(&w, "changed", r.changed);
        jw_end(&w, '}');
    } else if (st == NA_OK) {
        if (!r.changed)
            fprintf(s.out, "unchanged: account '%s' already has %ssigning key %s\n", acct.name,
                    scoped ? "the scoped " : "a ", r.pub);
        else if (scoped)
            fprintf(s.out, "created scoped signing key %s%s%s%s of account '%s'\n", r.pub,
                    scope.role ? " (role '" : "", scope.role ? scope.role : "",
                    scope.role ? "')" : "", acct.name);
        else
            fprintf(s.out, "created signing key %s of account '%s'\n", r.pub, acct.name);
    }
    free(tpl);
    na_entity_release(&acct);
    return st_finish(&s, st, &err);
}

static const cli_opt list_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_list(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity acct = {0};
    na_signing_key *l = NULL;
    size_t n = 0;
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_account_get(s.store, a->pos[0], &acct, &err)) == NA_OK &&
        (st = na_store_sk_list(s.store, acct.name, &l, &n, &err)) == NA_OK) {
        jw w;
        if (s.json) {
            jw_init(&w, s.out);
            jw_arr(&w, NULL);
        } else if (n) {
            fprintf(s.out, "%-56s  %-6s  %s\n", "PUBLIC KEY", "KIND", "ROLE");
        } else {
            fprintf(s.out, "account '%s' has no signing keys\n", acct.name);
        }
        for (size_t i = 0; i < n; i++) {
            if (s.json) {
                jw_obj(&w, NULL);
                jw_str(&w, "pub", l[i].pub);
                jw_bool(&w, "scoped", l[i].scoped);
                jw_str(&w, "role", l[i].role);
                jw_end(&w, '}');
            } else {
                if (l[i].role)
                    fprintf(s.out, "%-56s  %-6s  %s\n", l[i].pub,
                            l[i].scoped ? "scoped" : "plain", l[i].role);
                else
                    fprintf(s.out, "%-56s  %s\n", l[i].pub, l[i].scoped ? "scoped" : "plain");
            }
        }
        if (s.json)
            jw_end(&w, ']');
    }
    na_signing_keys_free(l, n);
    na_entity_release(&acct);
    return st_finish(&s, st, &err);
}

static const cli_opt rm_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_rm(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity acct = {0};
    na_err err = {0};
    na_status st;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_account_get(s.store, a->pos[0], &acct, &err)) == NA_OK &&
        (st = na_account_sk_rm(&s.x, a->pos[0], a->pos[1], &err)) == NA_OK) {
        if (s.json) {
            jw w;
            jw_init(&w, s.out);
            jw_obj(&w, NULL);
            jw_str(&w, "account", acct.name);
            jw_str(&w, "removed", a->pos[1]);
            jw_end(&w, '}');
        } else {
            fprintf(s.out, "removed signing key %s from account '%s'\n", a->pos[1], acct.name);
        }
    }
    na_entity_release(&acct);
    return st_finish(&s, st, &err);
}

static const cli_cmd verbs[] = {
    {"add", "sk add",
     "ACCOUNT [--role ROLE] [--allow-pub SUBJECT]... [--allow-sub SUBJECT]... "
     "[--deny-pub SUBJECT]... [--deny-sub SUBJECT]... [--description TEXT]",
     "add a signing key to an account",
     "Without options: a plain signing key. With --role, --description or any\n"
     "permission option: a scoped key whose template sets the permissions of every\n"
     "user it signs (users of a scoped key carry no permissions of their own).\n"
     "Subjects are kept exactly as given, so templates work:\n"
     "  natsauth sk add A --role app --allow-pub 'users.{{name()}}.>'\n"
     "With --conflict idempotent, adding a plain key to an account that has one,\n"
     "or a role that exists with the same scope, does nothing.\n",
     add_opts, 1, 1, run_add},
    {"list", "sk list", "ACCOUNT [--json]", "list an account's signing keys",
     "One line per key: public key, plain or scoped, role. --json prints an array\n"
     "of {\"pub\",\"scoped\",\"role\"}. 'account show' shows the scope templates.\n",
     list_opts, 1, 1, run_list},
    {"rm", "sk rm", "ACCOUNT PUB|ROLE", "remove a signing key from an account",
     "Removes the key (by public key, or a scoped key by role) from the account and\n"
     "re-signs the account. Users signed by it are no longer valid: remove and add\n"
     "them again.\n",
     rm_opts, 2, 2, run_rm},
};

int cmd_sk(int argc, char **argv)
{
    return cli_dispatch("sk", "Add, list and remove account signing keys.", verbs,
                        sizeof verbs / sizeof verbs[0], argc, argv);
}
