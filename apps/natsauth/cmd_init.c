/*
 * cmd_init.c - `natsauth init`: create the store and what it must hold (an
 * operator, the system account with its "sys" user, the named accounts;
 * signing keys with --signing-keys) through na_init, in one transaction.
 *
 * What was created is found by comparing the store's keys before and after
 * na_init (it only reports "changed"), so the output names every new
 * operator, account, signing key and user. A re-run that finds everything
 * in place prints "nothing to do" and changes nothing (the JWTs stay
 * byte-identical). A store file created by a failed init is removed.
 *
 * --seal seals the seeds of a new store with a passphrase before anything
 * is written to it ($NATSAUTH_PASSPHRASE, or asked twice on a terminal).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_store.h"
#include "cmds.h"

enum { I_OPERATOR, I_ACCOUNT, I_SYSTEM, I_SK, I_SEAL };
static const cli_opt init_opts[] = {
    {"operator", 0, "NAME", "the operator's name (default: natsauth)"},
    {"account", 0, "NAME...", "an application account to create (repeatable)"},
    {"system-account", 0, "NAME", "the system account's name (default: SYS)"},
    {"signing-keys", 0, NULL, "give the operator and each named account a signing key"},
    {"seal", 0, NULL, "seal the seeds of a new store with a passphrase "
                      "($NATSAUTH_PASSPHRASE, or asked on the terminal)"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

struct init_cfg {
    na_init_opts o;
    const char *accounts[CLI_MAX_SEQ];
    bool seal;
};

/* One thing in the store, for the before/after comparison. */
typedef struct item {
    int kind; /* sorts the output: see item_kinds */
    char *name, *pub, *owner;
    bool system;
} item;

enum { K_OPERATOR, K_OPERATOR_SK, K_ACCOUNT, K_ACCOUNT_SK, K_USER };

typedef struct items {
    item *v;
    size_t n, cap;
    bool oom;
} items;

static void items_add(items *l, int kind, const char *name, const char *pub, const char *owner,
                      bool system)
{
    item *it;
    if (l->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        item *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            l->oom = true;
            return;
        }
        l->v = nv;
        l->cap = cap;
    }
    it = &l->v[l->n++];
    it->kind = kind;
    it->system = system;
    it->name = name ? strdup(name) : NULL;
    it->pub = strdup(pub ? pub : "");
    it->owner = owner ? strdup(owner) : NULL;
    if ((name && !it->name) || !it->pub || (owner && !it->owner))
        l->oom = true;
}

static void items_free(items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].pub);
        free(l->v[i].owner);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool items_has(const items *l, const char *pub)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].pub, pub) == 0)
            return true;
    return false;
}

/* Everything init can create: operator, signing keys, accounts, users. */
static na_status snapshot(na_store *s, items *l, na_err *err)
{
    na_entity op = {0}, *accts = NULL, *users = NULL;
    na_signing_key *sks = NULL;
    size_t na = 0, nu = 0, nsk = 0;
    na_err pe = {0};
    na_status st = na_store_operator_get(s, &op, &pe);
    if (st == NA_ENOTFOUND)
        return NA_OK; /* a new store: nothing yet */
    if (st != NA_OK) {
        *err = pe;
        return st;
    }
    items_add(l, K_OPERATOR, op.name, op.pub, NULL, false);
    if ((st = na_store_sk_list(s, NULL, &sks, &nsk, err)) == NA_OK &&
        (st = na_store_account_list(s, false, &accts, &na, err)) == NA_OK &&
        (st = na_store_user_list(s, NULL, &users, &nu, err)) == NA_OK) {
        for (size_t i = 0; i < nsk; i++)
            items_add(l, strcmp(sks[i].owner, "operator") == 0 ? K_OPERATOR_SK : K_ACCOUNT_SK,
                      NULL, sks[i].pub, sks[i].owner, false);
        for (size_t i = 0; i < na; i++)
            items_add(l, K_ACCOUNT, accts[i].name, accts[i].pub, NULL, accts[i].is_system);
        for (size_t i = 0; i < nu; i++)
            items_add(l, K_USER, users[i].name, users[i].pub, users[i].account, false);
    }
    if (st == NA_OK && l->oom)
        st = na_fail(err, NA_ENOMEM, "out of memory");
    na_signing_keys_free(sks, nsk);
    na_entities_free(accts, na);
    na_entities_free(users, nu);
    na_entity_release(&op);
    return st;
}

static void print_created(st_session *s, const items *before, const items *after, bool changed)
{
    static const char *const kinds[] = {"operator", "operator_signing_key", "account",
                                        "signing_key", "user"};
    FILE *f = s->out;
    jw w;
    if (s->json) {
        jw_init(&w, f);
        jw_obj(&w, NULL);
        jw_str(&w, "store", s->path);
        jw_bool(&w, "changed", changed);
        jw_arr(&w, "created");
    }
    /* by kind; the system account before the others */
    for (int pass = 0; pass < (K_USER + 1) * 2; pass++)
        for (size_t i = 0; i < after->n; i++) {
            const item *it = &after->v[i];
            int kind = pass / 2;
            if (it->kind != kind || (kind == K_ACCOUNT && it->system != (pass % 2 == 0)) ||
                (kind != K_ACCOUNT && pass % 2) || items_has(before, it->pub))
                continue;
            if (s->json) {
                jw_obj(&w, NULL);
                jw_str(&w, "kind", kinds[kind]);
                if (it->name)
                    jw_str(&w, "name", it->name);
                if (kind == K_ACCOUNT)
                    jw_bool(&w, "system", it->system);
                if (kind == K_ACCOUNT_SK || kind == K_USER)
                    jw_str(&w, "account", it->owner);
                jw_str(&w, "pub", it->pub);
                jw_end(&w, '}');
                continue;
            }
            switch (kind) {
            case K_OPERATOR: fprintf(f, "created operator '%s' (%s)\n", it->name, it->pub); break;
            case K_OPERATOR_SK: fprintf(f, "created operator signing key %s\n", it->pub); break;
            case K_ACCOUNT:
                fprintf(f, "created %saccount '%s' (%s)\n", it->system ? "system " : "",
                        it->name, it->pub);
                break;
            case K_ACCOUNT_SK:
                fprintf(f, "created signing key %s of account '%s'\n", it->pub, it->owner);
                break;
            default:
                fprintf(f, "created user '%s' in account '%s' (%s)\n", it->name, it->owner,
                        it->pub);
                break;
            }
        }
    if (s->json) {
        jw_end(&w, ']');
        jw_end(&w, '}');
    } else if (!changed) {
        fprintf(f, "nothing to do: store '%s' already initialised\n", s->path);
    } else {
        fprintf(f, "store '%s' %s\n", s->path, before->n ? "updated" : "initialised");
    }
}

/* --seal: a new store gets its passphrase before the first seed is written. */
static na_status seal_new(st_session *s, na_err *err)
{
    char pass[1024];
    na_entity op = {0};
    na_err pe = {0};
    na_status st;
    if (na_store_is_sealed(s->store))
        return st_unlock(s, err);
    st = na_store_operator_get(s->store, &op, &pe);
    na_entity_release(&op);
    if (st != NA_ENOTFOUND)
        return st == NA_OK ? na_fail(err, NA_EINVAL,
                                     "store '%s' is already initialised: seal it with 'natsauth "
                                     "store seal'",
                                     s->path)
                           : (*err = pe, st);
    if ((st = st_passphrase(pass, sizeof pass, s->path, true, err)) == NA_OK)
        st = na_store_set_passphrase(s->store, pass, err);
    na_wipe(pass, sizeof pass);
    return st;
}

static int run_init(const cli_cmd *cmd, const cli_args *a)
{
    struct init_cfg cfg;
    st_session s;
    items before = {0}, after = {0};
    na_result r = {0};
    na_err err = {0};
    na_status st;
    int rc;

    memset(&cfg, 0, sizeof cfg);
    cfg.o.operator_name = a->val[I_OPERATOR];
    cfg.o.system_account = a->val[I_SYSTEM];
    cfg.o.signing_keys = a->set[I_SK];
    cfg.seal = a->set[I_SEAL];
    for (int i = 0; i < a->nseq; i++)
        if (a->seq[i].idx == I_ACCOUNT)
            cfg.accounts[cfg.o.naccounts++] = a->seq[i].val;
    cfg.o.accounts = cfg.accounts;
    if (cfg.o.operator_name && !*cfg.o.operator_name)
        return cli_usage(cmd, "--operator needs a name");
    /* a sealed store is unlocked first: init creates keys */
    if ((rc = st_open(&s, cmd, a, ST_CREATE)) != CLI_OK)
        return rc;
    st = cfg.seal ? seal_new(&s, &err) : st_unlock(&s, &err);
    if (st == NA_OK)
        st = st_begin(&s, &err);
    if (st == NA_OK)
        st = snapshot(s.store, &before, &err);
    if (st == NA_OK)
        st = na_init(&s.x, &cfg.o, &r, &err);
    if (st == NA_OK)
        st = snapshot(s.store, &after, &err);
    if (st == NA_OK)
        print_created(&s, &before, &after, r.changed);
    items_free(&before);
    items_free(&after);
    return st_finish(&s, st, &err);
}

static const cli_cmd init_cmd = {
    "init", "init",
    "[--operator NAME] [--account NAME]... [--system-account NAME] [--signing-keys] [--seal]",
    "create the store: an operator, the system account and application accounts",
    "Creates what is missing, in one transaction: the operator, the system account\n"
    "(with a user \"sys\" that push uses) and each --account. Prints what it\n"
    "created. Run again it changes nothing that exists: it prints \"nothing to do\"\n"
    "when everything is there, or adds only new accounts (and, with\n"
    "--signing-keys, missing signing keys). A different --operator or\n"
    "--system-account name than the store's is an error.\n"
    "\n"
    "With --signing-keys the operator signs accounts with an operator signing key\n"
    "and each named account gets a signing key (the system account does not).\n"
    "--seal seals the seeds of a new store: every command that signs then needs\n"
    "$NATSAUTH_PASSPHRASE (or asks on a terminal).\n",
    init_opts, 0, 0, run_init,
};

int cmd_init(int argc, char **argv) { return cli_run(&init_cmd, argc, argv); }
