/*
 * cmd_operator.c - `natsauth operator show|edit`: the store's operator.
 *
 * show reads the operator's JWT (what servers are given) and prints its
 * name, key, signing keys, service URLs, account server and system account;
 * --json adds the JWT and its claims. edit changes the operator claims
 * (na_operator_edit) and its signing keys (na_operator_sk_*), in one
 * transaction, in this order: --sk-add, the claim edits, --sk-rotate,
 * --sk-rm. So `--sk-add --strict-signing-keys` works on an operator that
 * had no signing key, and accounts are re-signed by the library whenever
 * the key that signed them goes away or becomes unusable.
 */
#include <string.h>

#include "cmd_store.h"
#include "cmds.h"

/* ---- operator show ---- */

static void list_lines(FILE *f, const char *label, const na_claims *c, const char *path)
{
    size_t n = na_claims_count(c, path);
    fprintf(f, "%-17s", label);
    if (!n)
        fputs("(none)\n", f);
    for (size_t i = 0; i < n; i++) {
        const char *v = na_claims_str_at(c, path, i);
        fprintf(f, "%s%s\n", i ? "                 " : "", v ? v : "?");
    }
}

static void json_list(jw *w, const char *key, const na_claims *c, const char *path)
{
    size_t n = na_claims_count(c, path);
    jw_arr(w, key);
    for (size_t i = 0; i < n; i++)
        jw_str(w, NULL, na_claims_str_at(c, path, i));
    jw_end(w, ']');
}

static int run_show(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_entity op = {0}, sys = {0};
    na_claims *c = NULL;
    na_err err = {0}, pe = {0};
    const char *syspub = NULL, *v = NULL;
    bool strict = false, have_sys = false;
    char *claims = NULL;
    na_status st;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if ((st = na_store_operator_get(s.store, &op, &err)) != NA_OK ||
        (st = st_decode(&c, op.jwt, &err)) != NA_OK)
        goto out;
    na_claims_get_bool(c, "nats.strict_signing_key_usage", &strict);
    if (na_claims_get_str(c, "nats.system_account", &syspub) && *syspub)
        have_sys = na_store_account_get(s.store, syspub, &sys, &pe) == NA_OK;
    if (s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "name", op.name);
        jw_str(&w, "pub", op.pub);
        json_list(&w, "signing_keys", c, "nats.signing_keys");
        jw_bool(&w, "strict_signing_keys", strict);
        json_list(&w, "service_urls", c, "nats.operator_service_urls");
        jw_str(&w, "account_server_url",
               na_claims_get_str(c, "nats.account_server_url", &v) && *v ? v : NULL);
        if (syspub && *syspub) {
            jw_obj(&w, "system_account");
            jw_str(&w, "name", have_sys ? sys.name : NULL);
            jw_str(&w, "pub", syspub);
            jw_end(&w, '}');
        } else {
            jw_raw(&w, "system_account", NULL);
        }
        jw_int(&w, "iat", na_claims_issued_at(c));
        jw_int(&w, "exp", na_claims_expires(c));
        jw_str(&w, "jwt", op.jwt);
        claims = na_claims_to_json(c, 0);
        jw_raw(&w, "claims", claims);
        jw_end(&w, '}');
    } else {
        fprintf(s.out, "%-17s%s\n", "operator:", op.name);
        fprintf(s.out, "%-17s%s\n", "public key:", op.pub);
        list_lines(s.out, "signing keys:", c, "nats.signing_keys");
        fprintf(s.out, "%-17s%s\n", "strict signing:", strict ? "yes (accounts are signed by a "
                                                                "signing key)" : "no");
        list_lines(s.out, "service URLs:", c, "nats.operator_service_urls");
        fprintf(s.out, "%-17s%s\n", "account server:",
                na_claims_get_str(c, "nats.account_server_url", &v) && *v ? v : "(none)");
        if (syspub && *syspub)
            fprintf(s.out, "%-17s%s (%s)\n", "system account:", have_sys ? sys.name : "?",
                    syspub);
        else
            fprintf(s.out, "%-17s(none)\n", "system account:");
        fprintf(s.out, "%-17s%s\n", "issued:", st_time(na_claims_issued_at(c)));
        fprintf(s.out, "%-17s%s\n", "expires:", st_time(na_claims_expires(c)));
    }
out:
    na_free(claims);
    na_claims_destroy(c);
    na_entity_release(&sys);
    na_entity_release(&op);
    return st_finish(&s, st, &err);
}

/* ---- operator edit ---- */

enum {
    E_URL,
    E_RM_URL,
    E_ACCT_SERVER,
    E_STRICT,
    E_NO_STRICT,
    E_SK_ADD,
    E_SK_RM,
    E_SK_ROTATE,
};
static const cli_opt edit_opts[] = {
    {"service-url", 0, "URL...", "add an operator service URL (nats:// or tls://; repeatable)"},
    {"rm-service-url", 0, "URL...", "remove an operator service URL (repeatable)"},
    {"account-server-url", 0, "URL", "set the account server URL (\"\" removes it)"},
    {"strict-signing-keys", 0, NULL, "accounts must be signed by an operator signing key"},
    {"no-strict-signing-keys", 0, NULL, "the operator identity key may sign accounts again"},
    {"sk-add", 0, NULL, "add a new operator signing key"},
    {"sk-rm", 0, "PUB...", "remove an operator signing key (accounts it signed are re-signed)"},
    {"sk-rotate", 0, "PUB", "replace a signing key with a new one, re-signing every account"},
    ST_OPT_CONFLICT,
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

struct edit_cfg {
    st_edits ed;
    bool sk_add;
    const char *rotate;
};

static int edit_config(const cli_cmd *cmd, const cli_args *a, struct edit_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    if (a->set[E_STRICT] && a->set[E_NO_STRICT])
        return cli_usage(cmd, "--strict-signing-keys and --no-strict-signing-keys cannot be "
                              "used together");
    for (int i = 0; i < a->nseq; i++) {
        const char *v = a->seq[i].val;
        switch (a->seq[i].idx) {
        case E_URL: st_edit(&cfg->ed, NA_EDIT_ADD_STR, "nats.operator_service_urls", v, 0); break;
        case E_RM_URL:
            st_edit(&cfg->ed, NA_EDIT_REMOVE_STR, "nats.operator_service_urls", v, 0);
            break;
        case E_ACCT_SERVER:
            if (*v)
                st_edit(&cfg->ed, NA_EDIT_SET_STR, "nats.account_server_url", v, 0);
            else
                st_edit(&cfg->ed, NA_EDIT_UNSET, "nats.account_server_url", NULL, 0);
            break;
        case E_STRICT:
            st_edit(&cfg->ed, NA_EDIT_SET_BOOL, "nats.strict_signing_key_usage", NULL, 1);
            break;
        case E_NO_STRICT:
            st_edit(&cfg->ed, NA_EDIT_UNSET, "nats.strict_signing_key_usage", NULL, 0);
            break;
        default: break;
        }
    }
    cfg->sk_add = a->set[E_SK_ADD];
    cfg->rotate = a->val[E_SK_ROTATE];
    if (!cfg->ed.n && !cfg->sk_add && !cfg->rotate && !a->set[E_SK_RM]) {
        st_edits_free(&cfg->ed);
        return cli_usage(cmd, "nothing to change (give at least one option)");
    }
    return CLI_OK;
}

static int run_edit(const cli_cmd *cmd, const cli_args *a)
{
    struct edit_cfg cfg;
    st_session s;
    na_result r = {0};
    na_entity op = {0};
    na_err err = {0};
    char added[NA_NKEY_PUBLIC_LEN + 1] = "", rotated[NA_NKEY_PUBLIC_LEN + 1] = "";
    char kept[NA_NKEY_PUBLIC_LEN + 1] = "";
    bool changed = false;
    na_status st = NA_OK;
    int rc = edit_config(cmd, a, &cfg);
    if (rc != CLI_OK)
        return rc;
    if ((rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS)) != CLI_OK) {
        st_edits_free(&cfg.ed);
        return rc;
    }
    if (cfg.ed.oom)
        st = na_fail(&err, NA_ENOMEM, "out of memory");
    if (st == NA_OK && cfg.sk_add && (st = na_operator_sk_add(&s.x, &r, &err)) == NA_OK) {
        changed |= r.changed;
        if (r.changed)
            snprintf(added, sizeof added, "%s", r.pub);
        else
            snprintf(kept, sizeof kept, "%s", r.pub);
    }
    if (st == NA_OK && cfg.ed.n && (st = na_operator_edit(&s.x, cfg.ed.e, cfg.ed.n, &r, &err)) ==
                                       NA_OK)
        changed |= r.changed;
    if (st == NA_OK && cfg.rotate &&
        (st = na_operator_sk_rotate(&s.x, cfg.rotate, &r, &err)) == NA_OK) {
        changed = true;
        snprintf(rotated, sizeof rotated, "%s", r.pub);
    }
    for (int i = 0; st == NA_OK && i < a->nseq; i++)
        if (a->seq[i].idx == E_SK_RM && (st = na_operator_sk_rm(&s.x, a->seq[i].val, &err)) ==
                                            NA_OK)
            changed = true;
    if (st == NA_OK)
        st = na_store_operator_get(s.store, &op, &err);
    if (st == NA_OK && s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "name", op.name);
        jw_str(&w, "pub", op.pub);
        jw_bool(&w, "changed", changed);
        jw_arr(&w, "signing_keys_added");
        if (added[0])
            jw_str(&w, NULL, added);
        if (rotated[0])
            jw_str(&w, NULL, rotated);
        jw_end(&w, ']');
        jw_arr(&w, "signing_keys_removed");
        if (cfg.rotate)
            jw_str(&w, NULL, cfg.rotate);
        for (int i = 0; i < a->nseq; i++)
            if (a->seq[i].idx == E_SK_RM)
                jw_str(&w, NULL, a->seq[i].val);
        jw_end(&w, ']');
        jw_end(&w, '}');
    } else if (st == NA_OK) {
        if (kept[0])
            fprintf(s.out, "operator already has signing key %s\n", kept);
        if (added[0])
            fprintf(s.out, "added operator signing key %s\n", added);
        if (rotated[0])
            fprintf(s.out, "rotated operator signing key %s to %s (accounts re-signed)\n",
                    cfg.rotate, rotated);
        for (int i = 0; i < a->nseq; i++)
            if (a->seq[i].idx == E_SK_RM)
                fprintf(s.out, "removed operator signing key %s\n", a->seq[i].val);
        fprintf(s.out, "operator '%s' %s (%s)\n", op.name, changed ? "updated" : "unchanged",
                op.pub);
    }
    na_entity_release(&op);
    st_edits_free(&cfg.ed);
    return st_finish(&s, st, &err);
}

static const cli_opt show_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static const cli_cmd verbs[] = {
    {"show", "operator show", "[--json]", "show the operator",
     "Prints the operator's name, public key, signing keys, strict signing-key\n"
     "usage, service URLs, account server URL and system account, as its JWT has\n"
     "them. --json prints one object with these and the JWT and its claims:\n"
     "  {\"name\",\"pub\",\"signing_keys\":[],\"strict_signing_keys\":bool,\n"
     "   \"service_urls\":[],\"account_server_url\":\"..\"|null,\n"
     "   \"system_account\":{\"name\",\"pub\"}|null,\"iat\",\"exp\",\"jwt\",\"claims\":{..}}\n",
     show_opts, 0, 0, run_show},
    {"edit", "operator edit",
     "[--service-url URL]... [--rm-service-url URL]... [--account-server-url URL] "
     "[--strict-signing-keys|--no-strict-signing-keys] [--sk-add] [--sk-rm PUB]... "
     "[--sk-rotate PUB]",
     "change the operator's claims and signing keys",
     "Applies, in one transaction and in this order: --sk-add, the claim changes,\n"
     "--sk-rotate, --sk-rm. Accounts are signed by the operator's first signing key\n"
     "(or its identity key when it has none and is not strict); when that key is\n"
     "removed or rotated, the accounts it signed are re-signed. With --conflict\n"
     "idempotent, --sk-add does nothing when the operator has a signing key.\n",
     edit_opts, 0, 0, run_edit},
};

int cmd_operator(int argc, char **argv)
{
    return cli_dispatch("operator", "Show or edit the store's operator.", verbs,
                        sizeof verbs / sizeof verbs[0], argc, argv);
}
