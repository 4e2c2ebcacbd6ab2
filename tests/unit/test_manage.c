/*
 * test_manage.c - the management layer (natsauth/manage.h) on real store
 * files: init and its idempotence, who signs what (checked with the core's
 * chain checks against the stored JWTs), conflict policies, revocation and
 * removal, scoped signing keys, minting, exports/imports with activation
 * tokens, the server configuration text and tenants. Time is fixed.
 */
#include <stdint.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "natsauth/natsauth.h"
#include "natsauth/manage.h"
#include "natsauth/store.h"
#include "testlib.h"

#define NOW 1700000000

static char tmpdir[256];
static int store_seq;

static void make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/natsauth-manage-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(2);
    }
}

static void rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", path);
}

/* A context on a new store, in a transaction. */
static na_ctx fresh(void)
{
    char path[400];
    na_ctx x = {NULL, NOW, NA_CONFLICT_STRICT};
    na_err err = {0};
    snprintf(path, sizeof path, "%s/store-%d.db", tmpdir, ++store_seq);
    if (na_store_open(&x.store, path, true, &err) != NA_OK ||
        na_store_begin(x.store, "test", &err) != NA_OK) {
        fprintf(stderr, "store: %s\n", err.msg);
        exit(2);
    }
    return x;
}

static void done(na_ctx *x)
{
    na_err err = {0};
    if (na_store_in_transaction(x->store) && na_store_commit(x->store, &err) != NA_OK)
        fprintf(stderr, "commit: %s\n", err.msg);
    na_store_close(x->store);
}

static na_status init_default(na_ctx *x, bool sk, na_result *r, na_err *err)
{
    static const char *const accts[] = {"APP"};
    na_init_opts o = {NULL, accts, 1, sk, NULL};
    return na_init(x, &o, r, err);
}

/* Stored entities decoded from their JWTs (signature checked). */
static na_claims *jwt_claims(const char *jwt)
{
    na_claims *c = NULL;
    na_err err = {0};
    if (!jwt || na_jwt_decode(&c, jwt, strlen(jwt), &err) != NA_OK)
        fprintf(stderr, "decode: %s\n", err.msg);
    return c;
}

static na_claims *op_claims(na_ctx *x)
{
    na_entity e = {0};
    na_claims *c;
    na_store_operator_get(x->store, &e, NULL);
    c = jwt_claims(e.jwt);
    na_entity_release(&e);
    return c;
}

static na_claims *acct_claims(na_ctx *x, const char *name)
{
    na_entity e = {0};
    na_claims *c;
    na_store_account_get(x->store, name, &e, NULL);
    c = jwt_claims(e.jwt);
    na_entity_release(&e);
    return c;
}

static na_claims *user_claims(na_ctx *x, const char *acct, const char *name)
{
    na_entity e = {0};
    na_claims *c;
    na_store_user_get(x->store, acct, name, &e, NULL);
    c = jwt_claims(e.jwt);
    na_entity_release(&e);
    return c;
}

static char *acct_jwt(na_ctx *x, const char *name)
{
    na_entity e = {0};
    char *j;
    na_store_account_get(x->store, name, &e, NULL);
    j = e.jwt;
    e.jwt = NULL;
    na_entity_release(&e);
    return j;
}

/* The account is signed as expected and its operator trusts it. */
static bool account_chain_ok(na_ctx *x, const char *name)
{
    na_claims *op = op_claims(x), *a = acct_claims(x, name);
    na_err err = {0};
    bool ok = op && a && na_chain_check_account(op, a, &err) == NA_OK;
    if (!ok)
        fprintf(stderr, "account chain %s: %s\n", name, err.msg);
    na_claims_destroy(op);
    na_claims_destroy(a);
    return ok;
}

static na_status user_chain(na_ctx *x, const char *acct, const char *name, na_err *err)
{
    na_claims *a = acct_claims(x, acct), *u = user_claims(x, acct, name);
    na_status st = a && u ? na_chain_check_user(a, u, err) : NA_EINVAL;
    na_claims_destroy(a);
    na_claims_destroy(u);
    return st;
}

static size_t nsk(na_ctx *x, const char *owner)
{
    na_signing_key *l = NULL;
    size_t n = 0;
    na_store_sk_list(x->store, owner, &l, &n, NULL);
    na_signing_keys_free(l, n);
    return n;
}

static int64_t count_rows(na_ctx *x, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    /* a second connection sees only committed data: commit first */
    na_store_commit(x->store, NULL);
    if (sqlite3_open(na_store_path(x->store), &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    na_store_begin(x->store, "test", NULL);
    return n;
}

static size_t count_str(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static int by_pub(const void *a, const void *b)
{
    return strcmp(((const na_entity *)a)->pub, ((const na_entity *)b)->pub);
}

/* ---- claims_apply -------------------------------------------------------------- */

TEST(apply_edits_in_order)
{
    na_nkey *k = NULL;
    na_claims *c = NULL;
    na_err err = {0};
    int64_t v = 0;
    bool b = true;
    const char *s = NULL;
    na_edit e[] = {
        {NA_EDIT_SET_INT, "nats.limits.conn", NULL, 5},
        {NA_EDIT_SET_BOOL, "nats.limits.wildcards", NULL, 0},
        {NA_EDIT_SET_STR, "nats.description", "shop", 0},
        {NA_EDIT_ADD_STR, "nats.tags", "Team:A", 0},
        {NA_EDIT_ADD_STR, "nats.tags", "b", 0},
        {NA_EDIT_REMOVE_STR, "nats.tags", "b", 0},
        {NA_EDIT_SET_JSON, "nats.mappings.orders", "[{\"subject\":\"o2\",\"weight\":100}]", 0},
        {NA_EDIT_APPEND_JSON, "nats.exports", "{\"subject\":\"x.>\",\"type\":\"stream\"}", 0},
        {NA_EDIT_SET_INT, "nats.limits.leaf", NULL, 3},
        {NA_EDIT_UNSET, "nats.limits.leaf", NULL, 0},
    };
    na_edit bad[] = {{NA_EDIT_SET_INT, "nats.limits.con", NULL, 1}};
    na_edit nopath[] = {{NA_EDIT_SET_INT, NULL, NULL, 1}};
    na_nkey_create(&k, NA_NKEY_ACCOUNT, NULL);
    CHECK(na_claims_create(&c, NA_CLAIMS_ACCOUNT, na_nkey_public(k), NULL) == NA_OK);
    CHECK(na_claims_apply(c, e, sizeof e / sizeof e[0], &err) == NA_OK);
    CHECK(na_claims_get_int(c, "nats.limits.conn", &v) && v == 5);
    CHECK(na_claims_get_bool(c, "nats.limits.wildcards", &b) && !b);
    CHECK(na_claims_get_str(c, "nats.description", &s) && strcmp(s, "shop") == 0);
    CHECK(na_claims_count(c, "nats.tags") == 1 && strcmp(na_claims_str_at(c, "nats.tags", 0), "team:a") == 0);
    CHECK(na_claims_count(c, "nats.mappings") == 1);
    CHECK(na_claims_count(c, "nats.exports") == 1);
    CHECK(!na_claims_get_int(c, "nats.limits.leaf", &v));
    CHECK(na_claims_apply(c, bad, 1, &err) == NA_ESCHEMA);
    CHECK(strstr(err.msg, "nats.limits.con") != NULL);
    CHECK(na_claims_apply(c, nopath, 1, &err) == NA_EINVAL);
    na_claims_destroy(c);
    na_nkey_destroy(k);
}

/* ---- init ---------------------------------------------------------------------- */

TEST(init_creates_operator_system_account_and_accounts)
{
    na_ctx x = fresh();
    na_result r = {0};
    na_err err = {0};
    na_entity op = {0}, sys = {0}, app = {0}, su = {0};
    na_claims *oc = NULL, *ac = NULL;
    const char *v = NULL;
    CHECK(init_default(&x, true, &r, &err) == NA_OK);
    CHECK(r.changed);
    CHECK(na_store_operator_get(x.store, &op, &err) == NA_OK);
    CHECK_STREQ(op.name, "natsauth");
    CHECK_STREQ(r.pub, op.pub);
    CHECK(na_store_account_get(x.store, "SYS", &sys, &err) == NA_OK && sys.is_system);
    CHECK(na_store_account_get(x.store, "APP", &app, &err) == NA_OK && !app.is_system);
    CHECK(na_store_user_get(x.store, "SYS", "sys", &su, &err) == NA_OK);
    oc = op_claims(&x);
    CHECK(oc && na_claims_get_str(oc, "nats.system_account", &v) && strcmp(v, sys.pub) == 0);
    CHECK(oc && na_claims_count(oc, "nats.signing_keys") == 1);
    CHECK(oc && strcmp(na_claims_issuer(oc), op.pub) == 0); /* self-signed */
    /* accounts: signed by the operator signing key */
    CHECK(oc && strcmp(sys.signer, na_claims_str_at(oc, "nats.signing_keys", 0)) == 0);
    CHECK(oc && strcmp(app.signer, na_claims_str_at(oc, "nats.signing_keys", 0)) == 0);
    CHECK(account_chain_ok(&x, "SYS"));
    CHECK(account_chain_ok(&x, "APP"));
    /* APP got a plain signing key, SYS none */
    ac = acct_claims(&x, "APP");
    CHECK(ac && na_claims_count(ac, "nats.signing_keys") == 1);
    CHECK(nsk(&x, "APP") == 1 && nsk(&x, "SYS") == 0 && nsk(&x, "operator") == 1);
    CHECK(ac && strcmp(na_claims_name(ac), "APP") == 0);
    /* the sys user: signed by SYS, trusted */
    CHECK(strcmp(su.signer, sys.pub) == 0);
    CHECK(user_chain(&x, "SYS", "sys", &err) == NA_OK);
    /* stored claims are what the JWT carries */
    {
        char *j = na_claims_to_json(ac, 0);
        CHECK_STREQ(app.claims_json, j);
        na_free(j);
    }
    na_claims_destroy(ac);
    na_claims_destroy(oc);
    na_entity_release(&op);
    na_entity_release(&sys);
    na_entity_release(&app);
    na_entity_release(&su);
    done(&x);
}

TEST(init_without_signing_keys_uses_identity_keys)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_entity op = {0}, app = {0};
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_store_operator_get(x.store, &op, &err) == NA_OK);
    CHECK(na_store_account_get(x.store, "APP", &app, &err) == NA_OK);
    CHECK_STREQ(app.signer, op.pub);
    CHECK(account_chain_ok(&x, "APP"));
    CHECK(nsk(&x, NULL) == 0);
    na_entity_release(&op);
    na_entity_release(&app);
    done(&x);
}

TEST(init_is_idempotent)
{
    na_ctx x = fresh();
    na_result r = {0};
    na_err err = {0};
    na_entity op1 = {0}, op2 = {0}, su1 = {0}, su2 = {0};
    char *sys1, *app1, *sys2, *app2, *app3;
    static const char *const more[] = {"APP", "SHOP"};
    na_init_opts o2 = {NULL, more, 2, true, NULL};
    na_init_opts other = {"acme", NULL, 0, false, NULL};
    na_init_opts othersys = {"natsauth", NULL, 0, false, "SYSTEM"};
    int64_t audits;
    CHECK(init_default(&x, true, &r, &err) == NA_OK && r.changed);
    na_store_operator_get(x.store, &op1, NULL);
    na_store_user_get(x.store, "SYS", "sys", &su1, NULL);
    sys1 = acct_jwt(&x, "SYS");
    app1 = acct_jwt(&x, "APP");
    audits = count_rows(&x, "SELECT count(*) FROM audit");
    x.now = NOW + 100;
    CHECK(init_default(&x, true, &r, &err) == NA_OK);
    CHECK(!r.changed);
    CHECK_STREQ(r.pub, op1.pub);
    na_store_operator_get(x.store, &op2, NULL);
    na_store_user_get(x.store, "SYS", "sys", &su2, NULL);
    sys2 = acct_jwt(&x, "SYS");
    app2 = acct_jwt(&x, "APP");
    CHECK_STREQ(op1.jwt, op2.jwt);
    CHECK_STREQ(su1.jwt, su2.jwt);
    CHECK_STREQ(sys1, sys2);
    CHECK_STREQ(app1, app2);
    CHECK(count_rows(&x, "SELECT count(*) FROM audit") == audits);
    /* a new account name: only that account is added */
    CHECK(na_init(&x, &o2, &r, &err) == NA_OK && r.changed);
    app3 = acct_jwt(&x, "APP");
    CHECK_STREQ(app1, app3);
    CHECK(account_chain_ok(&x, "SHOP"));
    CHECK(nsk(&x, "SHOP") == 1);
    CHECK(na_init(&x, &o2, &r, &err) == NA_OK && !r.changed);
    /* another operator name is refused, naming both */
    CHECK(na_init(&x, &other, &r, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "operator 'natsauth', not 'acme'") != NULL);
    CHECK(strstr(err.msg, na_store_path(x.store)) != NULL);
    CHECK(na_init(&x, &othersys, &r, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "system account 'SYS', not 'SYSTEM'") != NULL);
    free(sys1);
    free(app1);
    free(sys2);
    free(app2);
    free(app3);
    na_entity_release(&op1);
    na_entity_release(&op2);
    na_entity_release(&su1);
    na_entity_release(&su2);
    done(&x);
}

TEST(init_adds_missing_signing_keys_and_sys_user)
{
    na_ctx x = fresh();
    na_result r = {0};
    na_err err = {0};
    CHECK(init_default(&x, false, &r, &err) == NA_OK);
    CHECK(na_user_rm(&x, "SYS", "sys", &err) == NA_OK);
    CHECK(init_default(&x, false, &r, &err) == NA_OK && r.changed);
    CHECK(user_chain(&x, "SYS", "sys", &err) == NA_OK);
    CHECK(init_default(&x, true, &r, &err) == NA_OK && r.changed);
    CHECK(nsk(&x, "operator") == 1 && nsk(&x, "APP") == 1);
    CHECK(init_default(&x, true, &r, &err) == NA_OK && !r.changed);
    done(&x);
}

TEST(operations_need_an_operator)
{
    na_ctx x = fresh();
    na_err err = {0};
    CHECK(na_account_add(&x, "A", NULL, 0, NULL, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "has no operator") != NULL);
    done(&x);
}

/* ---- accounts ------------------------------------------------------------------- */

TEST(account_add_conflict_policies)
{
    na_ctx x = fresh();
    na_result r = {0}, r2 = {0};
    na_err err = {0};
    na_edit five[] = {{NA_EDIT_SET_INT, "nats.limits.conn", NULL, 5}};
    na_edit ten[] = {{NA_EDIT_SET_INT, "nats.limits.conn", NULL, 10},
                     {NA_EDIT_SET_STR, "nats.description", "d", 0}};
    char *j1, *j2, msg[400];
    CHECK(init_default(&x, true, NULL, &err) == NA_OK);
    CHECK(na_account_add(&x, "shop", five, 1, &r, &err) == NA_OK && r.changed);
    CHECK(na_nkey_is_public(r.pub, NA_NKEY_ACCOUNT));
    CHECK(account_chain_ok(&x, "shop"));
    j1 = acct_jwt(&x, "shop");
    /* strict: an error naming the account and the store */
    snprintf(msg, sizeof msg, "account 'shop' already exists in store '%s'", na_store_path(x.store));
    CHECK(na_account_add(&x, "shop", five, 1, &r2, &err) == NA_EEXIST);
    CHECK_STREQ(err.msg, msg);
    /* idempotent, same settings: nothing happens */
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    x.now = NOW + 5;
    CHECK(na_account_add(&x, "shop", five, 1, &r2, &err) == NA_OK);
    CHECK(!r2.changed);
    CHECK_STREQ(r2.pub, r.pub);
    j2 = acct_jwt(&x, "shop");
    CHECK_STREQ(j1, j2);
    free(j2);
    /* idempotent, other settings: the difference is shown */
    CHECK(na_account_add(&x, "shop", ten, 2, &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "account 'shop' exists with different settings: ") != NULL);
    CHECK(strstr(err.msg, "nats.limits.conn: 5 -> 10") != NULL);
    CHECK(strstr(err.msg, "nats.description: (unset) -> \"d\"") != NULL);
    /* fields other commands manage (signing keys) do not count */
    CHECK(na_account_sk_add(&x, "shop", NULL, NULL, &err) == NA_OK);
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECK(na_account_add(&x, "shop", five, 1, &r2, &err) == NA_OK && !r2.changed);
    free(j1);
    done(&x);
}

TEST(account_edit_resigns_only_on_change)
{
    na_ctx x = fresh();
    na_result r = {0};
    na_err err = {0};
    na_edit e[] = {{NA_EDIT_SET_INT, "nats.limits.js_disk", NULL, 1}};
    na_edit js[] = {{NA_EDIT_SET_INT, "nats.limits.disk_storage", NULL, 1 << 20},
                    {NA_EDIT_ADD_STR, "nats.tags", "env:prod", 0}};
    na_claims *c;
    int64_t v = 0;
    char *j1, *j2;
    CHECK(init_default(&x, true, NULL, &err) == NA_OK);
    j1 = acct_jwt(&x, "APP");
    CHECK(na_account_edit(&x, "APP", e, 1, &r, &err) == NA_ESCHEMA);
    CHECK(strstr(err.msg, "account 'APP'") != NULL && strstr(err.msg, "js_disk") != NULL);
    x.now = NOW + 10;
    CHECK(na_account_edit(&x, "APP", js, 2, &r, &err) == NA_OK && r.changed);
    c = acct_claims(&x, "APP");
    CHECK(c && na_claims_get_int(c, "nats.limits.disk_storage", &v) && v == 1 << 20);
    CHECK(c && na_claims_issued_at(c) == NOW + 10);
    na_claims_destroy(c);
    CHECK(account_chain_ok(&x, "APP"));
    x.now = NOW + 20;
    j2 = acct_jwt(&x, "APP");
    CHECK(na_account_edit(&x, "APP", js, 2, &r, &err) == NA_OK && !r.changed);
    {
        char *j3 = acct_jwt(&x, "APP");
        CHECK_STREQ(j2, j3);
        free(j3);
    }
    CHECK(strcmp(j1, j2) != 0);
    CHECK(na_account_edit(&x, "NOPE", js, 2, &r, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "account 'NOPE' not found in store '") != NULL);
    free(j1);
    free(j2);
    done(&x);
}

TEST(invalid_claims_are_refused_with_the_issues)
{
    na_ctx x = fresh();
    na_err err = {0};
    int64_t n;
    na_edit bad[] = {{NA_EDIT_SET_JSON, "nats.exports", "[{\"subject\":\"a b\",\"type\":\"stream\"}]", 0}};
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    n = count_rows(&x, "SELECT count(*) FROM keys");
    CHECK(na_account_add(&x, "bad", bad, 1, NULL, &err) == NA_EINVALID);
    CHECK(strstr(err.msg, "account 'bad' would not be valid: ") != NULL);
    CHECK(strstr(err.msg, "cannot have spaces") != NULL);
    /* nothing was written */
    CHECK(count_rows(&x, "SELECT count(*) FROM keys") == n);
    CHECK(na_store_account_get(x.store, "bad", &(na_entity){0}, NULL) == NA_ENOTFOUND);
    done(&x);
}

TEST(account_rm_keeps_a_revoked_tombstone)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_result r = {0}, r2 = {0};
    na_entity e = {0}, *list = NULL;
    na_claims *c = NULL;
    size_t n = 0;
    char *conf = NULL;
    na_config_opts mem = {NA_RESOLVER_MEMORY, NULL, true, NULL};
    CHECK(init_default(&x, true, NULL, &err) == NA_OK);
    CHECK(na_account_add(&x, "gone", NULL, 0, &r, &err) == NA_OK);
    CHECK(na_user_add(&x, "gone", "u1", NULL, NULL, 0, NULL, &err) == NA_OK);
    CHECK(na_account_sk_add(&x, "gone", NULL, NULL, &err) == NA_OK);
    x.now = NOW + 50;
    CHECK(na_account_rm(&x, "gone", &err) == NA_OK);
    CHECK(na_store_account_get(x.store, "gone", &e, &err) == NA_OK);
    CHECK(e.deleted && e.jwt && *e.jwt);
    c = jwt_claims(e.jwt);
    CHECK(c && na_claims_is_revoked(c, "UANY", NOW + 50)); /* "*" revocation */
    na_claims_destroy(c);
    na_entity_release(&e);
    CHECK(nsk(&x, "gone") == 0);
    CHECK(na_store_account_list(x.store, false, &list, &n, &err) == NA_OK && n == 2);
    na_entities_free(list, n);
    /* removed accounts are gone for every operation */
    CHECK(na_account_edit(&x, "gone", NULL, 0, NULL, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "was removed") != NULL);
    CHECK(na_user_add(&x, "gone", "u2", NULL, NULL, 0, NULL, &err) == NA_ENOTFOUND);
    CHECK(na_account_rm(&x, "gone", &err) == NA_ENOTFOUND);
    CHECK(na_account_rm(&x, "SYS", &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "system account 'SYS'") != NULL);
    CHECK(na_config(&x, &mem, &conf, &err) == NA_OK);
    CHECK(conf && strstr(conf, r.pub) == NULL);
    na_free(conf);
    /* the name can be used again; the tombstone keeps waiting for push */
    CHECK(na_account_add(&x, "gone", NULL, 0, &r2, &err) == NA_OK);
    CHECK(strcmp(r.pub, r2.pub) != 0);
    CHECK(na_store_account_get(x.store, r.pub, &e, &err) == NA_OK);
    CHECK(e.deleted && strstr(e.name, "gone~deleted~") == e.name);
    na_entity_release(&e);
    CHECK(na_store_account_list(x.store, true, &list, &n, &err) == NA_OK && n == 4);
    na_entities_free(list, n);
    done(&x);
}

TEST(account_revoke_all)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_claims *a, *u;
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "old", NULL, NULL, 0, NULL, &err) == NA_OK);
    x.now = NOW + 100;
    CHECK(na_account_revoke_all(&x, "APP", NOW + 50, &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "new", NULL, NULL, 0, NULL, &err) == NA_OK);
    CHECK(user_chain(&x, "APP", "old", &err) == NA_EREVOKED);
    CHECK(user_chain(&x, "APP", "new", &err) == NA_OK);
    a = acct_claims(&x, "APP");
    u = user_claims(&x, "APP", "old");
    CHECK(a && u && na_claims_is_revoked(a, na_claims_subject(u), na_claims_issued_at(u)));
    na_claims_destroy(a);
    na_claims_destroy(u);
    done(&x);
}

/* ---- users ------------------------------------------------------------------------- */

TEST(users_are_signed_by_the_account_or_a_signing_key)
{
    na_ctx x = fresh();
    na_result r = {0};
    na_err err = {0};
    na_entity app = {0}, u = {0};
    na_signing_key *sks = NULL;
    size_t n = 0;
    na_claims *c;
    na_edit perms[] = {{NA_EDIT_ADD_STR, "nats.pub.allow", "orders.>", 0},
                       {NA_EDIT_ADD_STR, "nats.sub.allow", "_INBOX.>", 0}};
    na_user_opts by_sk = {NULL}, nosuch = {"ANOSUCHKEY"};
    CHECK(init_default(&x, true, NULL, &err) == NA_OK);
    CHECK(na_store_account_get(x.store, "APP", &app, &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "alice", NULL, perms, 2, &r, &err) == NA_OK && r.changed);
    CHECK(na_nkey_is_public(r.pub, NA_NKEY_USER));
    CHECK(na_store_user_get(x.store, "APP", "alice", &u, &err) == NA_OK);
    CHECK_STREQ(u.signer, app.pub);
    CHECK_STREQ(u.pub, r.pub);
    c = jwt_claims(u.jwt);
    CHECK(c && strcmp(na_claims_issuer(c), app.pub) == 0 && !*na_claims_issuer_account(c));
    CHECK(c && strcmp(na_claims_str_at(c, "nats.pub.allow", 0), "orders.>") == 0);
    CHECK(c && strcmp(na_claims_name(c), "alice") == 0);
    na_claims_destroy(c);
    na_entity_release(&u);
    CHECK(user_chain(&x, "APP", "alice", &err) == NA_OK);
    /* with the plain signing key (by public key) */
    CHECK(na_store_sk_list(x.store, "APP", &sks, &n, &err) == NA_OK && n == 1);
    by_sk.signing_key = sks[0].pub;
    CHECK(na_user_add(&x, "APP", "bob", &by_sk, NULL, 0, &r, &err) == NA_OK);
    c = user_claims(&x, "APP", "bob");
    CHECK(c && strcmp(na_claims_issuer(c), sks[0].pub) == 0);
    CHECK(c && strcmp(na_claims_issuer_account(c), app.pub) == 0);
    na_claims_destroy(c);
    CHECK(user_chain(&x, "APP", "bob", &err) == NA_OK);
    /* an unknown signing key is named */
    CHECK(na_user_add(&x, "APP", "carol", &nosuch, NULL, 0, &r, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "signing key 'ANOSUCHKEY' not found in account 'APP'") != NULL);
    /* user edit re-signs with the same key */
    x.now = NOW + 7;
    CHECK(na_user_edit(&x, "APP", "bob", perms, 1, &r, &err) == NA_OK && r.changed);
    c = user_claims(&x, "APP", "bob");
    CHECK(c && strcmp(na_claims_issuer(c), sks[0].pub) == 0 && na_claims_issued_at(c) == NOW + 7);
    na_claims_destroy(c);
    CHECK(na_user_edit(&x, "APP", "bob", perms, 1, &r, &err) == NA_OK && !r.changed);
    CHECK(na_user_edit(&x, "APP", "nobody", perms, 1, &r, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "user 'nobody' not found in account 'APP'") != NULL);
    na_signing_keys_free(sks, n);
    na_entity_release(&app);
    done(&x);
}

TEST(user_add_conflict_policies)
{
    na_ctx x = fresh();
    na_result r = {0}, r2 = {0};
    na_err err = {0};
    na_edit a[] = {{NA_EDIT_ADD_STR, "nats.pub.allow", "a.>", 0}};
    na_edit b[] = {{NA_EDIT_ADD_STR, "nats.pub.allow", "b.>", 0}};
    na_signing_key *sks = NULL;
    size_t n = 0;
    na_user_opts by_sk = {NULL};
    CHECK(init_default(&x, true, NULL, &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "u", NULL, a, 1, &r, &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "u", NULL, a, 1, &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "user 'u' already exists in account 'APP' of store '") != NULL);
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECK(na_user_add(&x, "APP", "u", NULL, a, 1, &r2, &err) == NA_OK && !r2.changed);
    CHECK_STREQ(r2.pub, r.pub);
    CHECK(na_user_add(&x, "APP", "u", NULL, b, 1, &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "user 'u' exists in account 'APP' with different settings: "
                          "nats.pub.allow: [\"a.>\"] -> [\"b.>\"]") != NULL);
    /* another signer is a difference too */
    na_store_sk_list(x.store, "APP", &sks, &n, NULL);
    by_sk.signing_key = n ? sks[0].pub : "";
    CHECK(na_user_add(&x, "APP", "u", &by_sk, a, 1, &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "signer: ") != NULL);
    na_signing_keys_free(sks, n);
    done(&x);
}

TEST(user_revoke_and_rm)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_result r = {0};
    na_claims *a, *u;
    na_nkey *k = NULL;
    char *creds = NULL, *jwt = NULL, *seed = NULL;
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "eve", NULL, NULL, 0, &r, &err) == NA_OK);
    CHECK(na_user_creds(&x, "APP", "eve", &creds, &err) == NA_OK);
    CHECK(creds && na_creds_parse(&jwt, &seed, creds, strlen(creds), &err) == NA_OK);
    CHECK(seed && strncmp(seed, "SU", 2) == 0);
    na_free_secret(creds);
    na_free_secret(seed);
    na_free(jwt);
    /* revoke: the account JWT lists the user, the user stays */
    CHECK(na_user_revoke(&x, "APP", "eve", &err) == NA_OK);
    a = acct_claims(&x, "APP");
    u = user_claims(&x, "APP", "eve");
    CHECK(a && u && na_claims_is_revoked(a, r.pub, na_claims_issued_at(u)));
    na_claims_destroy(u);
    na_claims_destroy(a);
    CHECK(user_chain(&x, "APP", "eve", &err) == NA_EREVOKED);
    CHECK(account_chain_ok(&x, "APP"));
    /* rm: revoked, row and seed deleted */
    CHECK(na_user_add(&x, "APP", "mallory", NULL, NULL, 0, &r, &err) == NA_OK);
    x.now = NOW + 3;
    CHECK(na_user_rm(&x, "APP", "mallory", &err) == NA_OK);
    a = acct_claims(&x, "APP");
    CHECK(a && na_claims_is_revoked(a, r.pub, NOW));
    na_claims_destroy(a);
    CHECK(na_store_user_get(x.store, "APP", "mallory", &(na_entity){0}, &err) == NA_ENOTFOUND);
    CHECK(na_store_key_get(x.store, r.pub, &k, &err) == NA_ENOTFOUND);
    CHECK(na_user_rm(&x, "APP", "mallory", &err) == NA_ENOTFOUND);
    CHECK(na_user_creds(&x, "APP", "mallory", &creds, &err) == NA_ENOTFOUND && creds == NULL);
    done(&x);
}

/* ---- scoped signing keys ------------------------------------------------------------- */

TEST(scoped_signing_keys)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_result r = {0}, r2 = {0};
    na_scope dev = {"dev", "{\"pub\":{\"allow\":[\"dev.{{name()}}.>\"]}}", "developers"};
    na_scope dev2 = {"dev", "{\"pub\":{\"allow\":[\"other.>\"]}}", "developers"};
    na_user_opts by_role = {"dev"};
    na_edit perm[] = {{NA_EDIT_ADD_STR, "nats.sub.allow", "x", 0}};
    na_edit tag[] = {{NA_EDIT_ADD_STR, "nats.tags", "team:a", 0}};
    na_edit lim[] = {{NA_EDIT_SET_INT, "nats.subs", NULL, 10}};
    na_claims *a, *u;
    int64_t v = 0;
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_account_sk_add(&x, "APP", &dev, &r, &err) == NA_OK && r.changed);
    a = acct_claims(&x, "APP");
    {
        char *j = a ? na_claims_to_json(a, 0) : NULL;
        CHECK(j && strstr(j, "\"kind\":\"user_scope\"") && strstr(j, "\"role\":\"dev\"") &&
              strstr(j, "dev.{{name()}}.\\u003e") && strstr(j, "\"subs\":-1") &&
              strstr(j, "\"description\":\"developers\""));
        na_free(j);
    }
    na_claims_destroy(a);
    CHECK(account_chain_ok(&x, "APP"));
    /* a user of the role: no permissions or limits of its own */
    CHECK(na_user_add(&x, "APP", "dana", &by_role, tag, 1, &r2, &err) == NA_OK);
    u = user_claims(&x, "APP", "dana");
    CHECK(u && strcmp(na_claims_issuer(u), r.pub) == 0);
    CHECK(u && na_claims_count(u, "nats.pub.allow") == 0 && !na_claims_get_int(u, "nats.subs", &v));
    {
        char *j = u ? na_claims_to_json(u, 0) : NULL;
        CHECK(j && !strstr(j, "\"subs\"") && !strstr(j, "\"data\"") && !strstr(j, "\"payload\""));
        na_free(j);
    }
    na_claims_destroy(u);
    CHECK(user_chain(&x, "APP", "dana", &err) == NA_OK);
    /* permissions or limits on such a user are refused, clearly */
    CHECK(na_user_add(&x, "APP", "dan", &by_role, perm, 1, &r2, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "scoped signing key") && strstr(err.msg, "role 'dev'") &&
          strstr(err.msg, "nats.sub"));
    CHECK(na_user_edit(&x, "APP", "dana", lim, 1, &r2, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "nats.subs is set") != NULL);
    CHECK(na_user_edit(&x, "APP", "dana", tag, 1, &r2, &err) == NA_OK && !r2.changed);
    /* the same role again: strict error; idempotent no-op or diff */
    CHECK(na_account_sk_add(&x, "APP", &dev, &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "signing key role 'dev' already exists in account 'APP'") != NULL);
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECK(na_account_sk_add(&x, "APP", &dev, &r2, &err) == NA_OK && !r2.changed);
    CHECK_STREQ(r2.pub, r.pub);
    CHECK(na_account_sk_add(&x, "APP", &dev2, &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "with different settings: template.pub.allow: ") != NULL);
    /* remove by role: gone from the claims and the store */
    CHECK(na_account_sk_rm(&x, "APP", "dev", &err) == NA_OK);
    a = acct_claims(&x, "APP");
    CHECK(a && na_claims_count(a, "nats.signing_keys") == 0);
    na_claims_destroy(a);
    CHECK(nsk(&x, "APP") == 0);
    CHECK(user_chain(&x, "APP", "dana", &err) == NA_ECHAIN);
    CHECK(na_account_sk_rm(&x, "APP", "dev", &err) == NA_ENOTFOUND);
    /* its user can no longer be re-signed */
    CHECK(na_user_edit(&x, "APP", "dana", (na_edit[]){{NA_EDIT_ADD_STR, "nats.tags", "x", 0}}, 1,
                       &r2, &err) == NA_ECHAIN);
    CHECK(strstr(err.msg, "no longer a signing key of the account") != NULL);
    done(&x);
}

TEST(plain_account_signing_keys)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_result r = {0}, r2 = {0};
    na_claims *a;
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_account_sk_add(&x, "APP", NULL, &r, &err) == NA_OK && r.changed);
    CHECK(na_account_sk_add(&x, "APP", NULL, &r2, &err) == NA_OK && r2.changed);
    CHECK(strcmp(r.pub, r2.pub) != 0 && nsk(&x, "APP") == 2);
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECK(na_account_sk_add(&x, "APP", NULL, &r2, &err) == NA_OK && !r2.changed);
    CHECK(nsk(&x, "APP") == 2);
    CHECK(na_account_sk_rm(&x, "APP", r.pub, &err) == NA_OK);
    a = acct_claims(&x, "APP");
    CHECK(a && na_claims_count(a, "nats.signing_keys") == 1);
    na_claims_destroy(a);
    CHECK(na_account_sk_rm(&x, "APP", r.pub, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "signing key '") && strstr(err.msg, "not found in account 'APP'"));
    done(&x);
}

/* ---- mint -------------------------------------------------------------------------------- */

TEST(mint_short_lived_creds)
{
    na_ctx x = fresh();
    na_err err = {0};
    char *creds = NULL, *jwt = NULL, *seed = NULL, *creds2 = NULL;
    na_claims *u = NULL, *a = NULL, *u2 = NULL;
    na_entity app = {0};
    na_nkey *sk = NULL;
    int64_t users, audits;
    na_edit perms[] = {{NA_EDIT_ADD_STR, "nats.pub.allow", "users.42.>", 0},
                       {NA_EDIT_ADD_STR, "nats.sub.allow", "users.42.>", 0}};
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    users = count_rows(&x, "SELECT count(*) FROM users");
    audits = count_rows(&x, "SELECT count(*) FROM audit");
    CHECK(na_user_mint(&x, "APP", "web-42", perms, 2, 0, &creds, &err) == NA_EINVAL);
    CHECK(na_user_mint(&x, "APP", "web-42", perms, 2, 1800, &creds, &err) == NA_OK);
    CHECK(creds && na_creds_parse(&jwt, &seed, creds, strlen(creds), &err) == NA_OK);
    u = jwt_claims(jwt);
    CHECK(u && na_claims_expires(u) == NOW + 1800 && na_claims_issued_at(u) == NOW);
    CHECK(u && strcmp(na_claims_name(u), "web-42") == 0);
    CHECK(u && strcmp(na_claims_str_at(u, "nats.pub.allow", 0), "users.42.>") == 0);
    /* the seed is the subject's */
    {
        na_nkey *k = NULL;
        CHECK(seed && na_nkey_from_seed(&k, seed, strlen(seed), NULL) == NA_OK);
        CHECK(k && u && strcmp(na_nkey_public(k), na_claims_subject(u)) == 0);
        na_nkey_destroy(k);
    }
    /* signed by a (new) signing key of the account, which now lists it */
    CHECK(na_store_account_get(x.store, "APP", &app, &err) == NA_OK);
    a = jwt_claims(app.jwt);
    CHECK(a && na_claims_count(a, "nats.signing_keys") == 1);
    CHECK(a && u && strcmp(na_claims_issuer(u), na_claims_str_at(a, "nats.signing_keys", 0)) == 0);
    CHECK(u && strcmp(na_claims_issuer_account(u), app.pub) == 0);
    CHECK(a && u && na_chain_check_user(a, u, &err) == NA_OK);
    CHECK(u && na_store_key_get(x.store, na_claims_issuer(u), &sk, &err) == NA_OK);
    na_nkey_destroy(sk);
    CHECK(account_chain_ok(&x, "APP"));
    /* nothing stored about the user; audited without secrets */
    CHECK(count_rows(&x, "SELECT count(*) FROM users") == users);
    CHECK(count_rows(&x, "SELECT count(*) FROM audit WHERE entity LIKE 'minted user web-42%'") == 1);
    CHECK(count_rows(&x, "SELECT count(*) FROM audit") > audits);
    {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE instr(entity, '%.20s') > 0",
                 seed ? seed : "x");
        CHECK(count_rows(&x, sql) == 0);
    }
    /* a second mint reuses the key */
    CHECK(na_user_mint(&x, "APP", NULL, NULL, 0, 60, &creds2, &err) == NA_OK);
    CHECK(nsk(&x, "APP") == 1);
    {
        char *j2 = NULL;
        CHECK(creds2 && na_creds_parse(&j2, NULL, creds2, strlen(creds2), &err) == NA_OK);
        u2 = jwt_claims(j2);
        CHECK(u2 && u && strcmp(na_claims_issuer(u2), na_claims_issuer(u)) == 0);
        CHECK(u2 && na_claims_expires(u2) == NOW + 60);
        na_free(j2);
    }
    na_free_secret(creds2);
    creds2 = NULL;
    CHECK(na_user_mint(&x, "NOPE", "n", NULL, 0, 60, &creds2, &err) == NA_ENOTFOUND);
    CHECK(creds2 == NULL);
    na_claims_destroy(u2);
    na_claims_destroy(u);
    na_claims_destroy(a);
    na_entity_release(&app);
    na_free_secret(creds);
    na_free_secret(seed);
    na_free(jwt);
    done(&x);
}

/* ---- exports / imports ------------------------------------------------------------------ */

TEST(exports_and_imports_with_activation)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_result rp = {0}, rc = {0};
    na_claims *p, *c, *act = NULL;
    const char *tok = NULL, *acc = NULL;
    static const char *const accts[] = {"PROVIDER", "CONSUMER"};
    na_init_opts o = {NULL, accts, 2, true, NULL};
    CHECK(na_init(&x, &o, NULL, &err) == NA_OK);
    {
        na_entity e = {0};
        na_store_account_get(x.store, "PROVIDER", &e, NULL);
        snprintf(rp.pub, sizeof rp.pub, "%s", e.pub);
        na_entity_release(&e);
        na_store_account_get(x.store, "CONSUMER", &e, NULL);
        snprintf(rc.pub, sizeof rc.pub, "%s", e.pub);
        na_entity_release(&e);
    }
    CHECK(na_export_add(&x, "PROVIDER", "{\"name\":\"events\",\"subject\":\"events.>\",\"type\":\"stream\"}", &err) == NA_OK);
    CHECK(na_export_add(&x, "PROVIDER", "{\"name\":\"rpc\",\"subject\":\"rpc.req\",\"type\":\"service\",\"token_req\":true,\"response_type\":\"Stream\"}", &err) == NA_OK);
    CHECK(na_export_add(&x, "PROVIDER", "{\"subject\":\"bad\",\"type\":\"service\",\"response_type\":\"Nope\"}", &err) == NA_EINVALID);
    CHECK(strstr(err.msg, "account 'PROVIDER' would not be valid") != NULL);
    CHECK(na_export_add(&x, "PROVIDER", "{\"type\":\"service\"}", &err) == NA_EINVAL);
    CHECK(na_export_add(&x, "PROVIDER", "not json", &err) == NA_EJSON);
    p = acct_claims(&x, "PROVIDER");
    CHECK(p && na_claims_count(p, "nats.exports") == 2);
    na_claims_destroy(p);
    CHECK(account_chain_ok(&x, "PROVIDER"));
    /* replace by subject */
    CHECK(na_export_add(&x, "PROVIDER", "{\"name\":\"events2\",\"subject\":\"events.>\",\"type\":\"stream\"}", &err) == NA_OK);
    p = acct_claims(&x, "PROVIDER");
    CHECK(p && na_claims_count(p, "nats.exports") == 2);
    {
        char *j = p ? na_claims_to_json(p, 0) : NULL;
        CHECK(j && strstr(j, "events2") && !strstr(j, "\"events\""));
        na_free(j);
    }
    na_claims_destroy(p);

    /* public stream import by exporter name */
    CHECK(na_import_add(&x, "CONSUMER", "{\"name\":\"ev\",\"account\":\"PROVIDER\",\"subject\":\"events.orders\",\"local_subject\":\"prov.orders\"}", &err) == NA_OK);
    /* private service import: an activation signed by the exporter */
    CHECK(na_import_add(&x, "CONSUMER", "{\"account\":\"PROVIDER\",\"subject\":\"rpc.req\",\"type\":\"service\"}", &err) == NA_OK);
    c = acct_claims(&x, "CONSUMER");
    CHECK(c && na_claims_count(c, "nats.imports") == 2);
    CHECK(account_chain_ok(&x, "CONSUMER"));
    {
        char *j = c ? na_claims_to_json(c, 0) : NULL;
        json_error_t je;
        json_t *t = j ? json_loads(j, 0, &je) : NULL, *im;
        size_t i;
        json_array_foreach(json_object_get(json_object_get(t, "nats"), "imports"), i, im) {
            const char *sub = json_string_value(json_object_get(im, "subject"));
            acc = json_string_value(json_object_get(im, "account"));
            CHECK(acc && strcmp(acc, rp.pub) == 0);
            if (sub && strcmp(sub, "rpc.req") == 0) {
                tok = json_string_value(json_object_get(im, "token"));
                CHECK(tok && na_jwt_decode(&act, tok, strlen(tok), &err) == NA_OK);
                CHECK_STREQ(json_string_value(json_object_get(im, "type")), "service");
            } else {
                CHECK(json_object_get(im, "token") == NULL);
                CHECK_STREQ(json_string_value(json_object_get(im, "type")), "stream");
            }
        }
        json_decref(t);
        na_free(j);
    }
    p = acct_claims(&x, "PROVIDER");
    CHECK(act && na_claims_type_of(act) == NA_CLAIMS_ACTIVATION);
    CHECK(act && strcmp(na_claims_subject(act), rc.pub) == 0);
    CHECK(act && strcmp(na_claims_issuer(act), rp.pub) == 0);
    CHECK(act && p && na_chain_check_activation(p, act, &err) == NA_OK);
    {
        const char *s = NULL;
        CHECK(act && na_claims_get_str(act, "nats.subject", &s) && strcmp(s, "rpc.req") == 0);
        CHECK(act && na_claims_get_str(act, "nats.kind", &s) && strcmp(s, "service") == 0);
    }
    na_claims_destroy(act);
    na_claims_destroy(p);
    na_claims_destroy(c);
    /* the same import again changes nothing (the token is kept) */
    {
        char *j1 = acct_jwt(&x, "CONSUMER"), *j2;
        x.now = NOW + 9;
        CHECK(na_import_add(&x, "CONSUMER", "{\"account\":\"PROVIDER\",\"subject\":\"rpc.req\",\"type\":\"service\"}", &err) == NA_OK);
        j2 = acct_jwt(&x, "CONSUMER");
        CHECK_STREQ(j1, j2);
        free(j1);
        free(j2);
    }
    /* errors */
    CHECK(na_import_add(&x, "CONSUMER", "{\"account\":\"PROVIDER\",\"subject\":\"nothing.here\"}", &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "account 'PROVIDER' has no export matching 'nothing.here'") != NULL);
    CHECK(na_import_add(&x, "CONSUMER", "{\"account\":\"GHOST\",\"subject\":\"a\"}", &err) == NA_ENOTFOUND);
    CHECK(na_import_add(&x, "PROVIDER", "{\"account\":\"PROVIDER\",\"subject\":\"rpc.req\"}", &err) == NA_EINVAL);
    CHECK(na_import_add(&x, "CONSUMER", "{\"subject\":\"a\"}", &err) == NA_EINVAL);
    /* rm by subject */
    CHECK(na_import_rm(&x, "CONSUMER", "rpc.req", &err) == NA_OK);
    CHECK(na_import_rm(&x, "CONSUMER", "rpc.req", &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "import 'rpc.req' not found in account 'CONSUMER'") != NULL);
    CHECK(na_export_rm(&x, "PROVIDER", "rpc.req", &err) == NA_OK);
    CHECK(na_export_rm(&x, "PROVIDER", "events.>", &err) == NA_OK);
    p = acct_claims(&x, "PROVIDER");
    CHECK(p && na_claims_count(p, "nats.exports") == 0);
    na_claims_destroy(p);
    CHECK(na_export_rm(&x, "PROVIDER", "events.>", &err) == NA_ENOTFOUND);
    done(&x);
}

/* ---- operator signing keys --------------------------------------------------------------- */

TEST(operator_signing_keys_add_rotate_rm)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_result r = {0}, r2 = {0};
    na_entity op = {0}, e = {0};
    na_claims *oc;
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_store_operator_get(x.store, &op, &err) == NA_OK);
    CHECK(na_operator_sk_add(&x, &r, &err) == NA_OK && r.changed);
    CHECK(na_nkey_is_public(r.pub, NA_NKEY_OPERATOR));
    oc = op_claims(&x);
    CHECK(oc && na_claims_count(oc, "nats.signing_keys") == 1);
    na_claims_destroy(oc);
    /* existing accounts stay valid; new ones use the signing key */
    CHECK(account_chain_ok(&x, "APP"));
    CHECK(na_account_add(&x, "NEW", NULL, 0, NULL, &err) == NA_OK);
    CHECK(na_store_account_get(x.store, "NEW", &e, &err) == NA_OK);
    CHECK_STREQ(e.signer, r.pub);
    na_entity_release(&e);
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECK(na_operator_sk_add(&x, &r2, &err) == NA_OK && !r2.changed);
    CHECK_STREQ(r2.pub, r.pub);
    x.conflict = NA_CONFLICT_STRICT;
    /* rotate: every account re-signed by the new key, the old one gone */
    x.now = NOW + 30;
    CHECK(na_operator_sk_rotate(&x, NULL, &r2, &err) == NA_OK && r2.changed);
    CHECK(strcmp(r2.pub, r.pub) != 0);
    oc = op_claims(&x);
    CHECK(oc && na_claims_count(oc, "nats.signing_keys") == 1);
    CHECK(oc && strcmp(na_claims_str_at(oc, "nats.signing_keys", 0), r2.pub) == 0);
    na_claims_destroy(oc);
    {
        static const char *const names[] = {"SYS", "APP", "NEW"};
        for (int i = 0; i < 3; i++) {
            CHECK(na_store_account_get(x.store, names[i], &e, &err) == NA_OK);
            CHECK_STREQ(e.signer, r2.pub);
            na_entity_release(&e);
            CHECK(account_chain_ok(&x, names[i]));
        }
    }
    CHECK(nsk(&x, "operator") == 1);
    CHECK(na_store_key_get(x.store, r.pub, &(na_nkey *){NULL}, &err) == NA_ENOTFOUND);
    CHECK(na_operator_sk_rotate(&x, r.pub, NULL, &err) == NA_ENOTFOUND);
    /* rm: accounts move back to the identity key */
    CHECK(na_operator_sk_rm(&x, r2.pub, &err) == NA_OK);
    CHECK(na_store_account_get(x.store, "APP", &e, &err) == NA_OK);
    CHECK_STREQ(e.signer, op.pub);
    na_entity_release(&e);
    CHECK(account_chain_ok(&x, "APP"));
    CHECK(na_operator_sk_rm(&x, r2.pub, &err) == NA_ENOTFOUND);
    na_entity_release(&op);
    done(&x);
}

TEST(operator_edit_and_strict_signing)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_result r = {0}, sk = {0};
    na_entity e = {0};
    na_edit strict[] = {{NA_EDIT_SET_BOOL, "nats.strict_signing_key_usage", NULL, 1}};
    na_edit urls[] = {{NA_EDIT_ADD_STR, "nats.operator_service_urls", "nats://127.0.0.1:4222", 0}};
    na_edit badurl[] = {{NA_EDIT_ADD_STR, "nats.operator_service_urls", "http://x", 0}};
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_store_commit(x.store, &err) == NA_OK && na_store_begin(x.store, "t", &err) == NA_OK);
    CHECK(na_operator_edit(&x, urls, 1, &r, &err) == NA_OK && r.changed);
    CHECK(na_operator_edit(&x, urls, 1, &r, &err) == NA_OK && !r.changed);
    CHECK(na_operator_edit(&x, badurl, 1, &r, &err) == NA_EINVALID);
    CHECK(strstr(err.msg, "operator 'natsauth' would not be valid") != NULL);
    /* strict without a signing key: accounts could not be signed */
    CHECK(na_operator_edit(&x, strict, 1, &r, &err) == NA_ECHAIN);
    CHECK(strstr(err.msg, "strict_signing_key_usage") != NULL);
    /* the caller rolls the failed command back */
    na_store_rollback(x.store);
    na_store_begin(x.store, "test", NULL);
    CHECK(na_operator_sk_add(&x, &sk, &err) == NA_OK);
    CHECK(na_operator_edit(&x, strict, 1, &r, &err) == NA_OK && r.changed);
    CHECK(na_store_account_get(x.store, "APP", &e, &err) == NA_OK);
    CHECK_STREQ(e.signer, sk.pub);
    na_entity_release(&e);
    CHECK(account_chain_ok(&x, "APP"));
    CHECK(account_chain_ok(&x, "SYS"));
    /* the last signing key of a strict operator cannot go */
    {
        na_claims *oc = op_claims(&x);
        char pub[64];
        snprintf(pub, sizeof pub, "%s", oc ? na_claims_str_at(oc, "nats.signing_keys", 0) : "");
        na_claims_destroy(oc);
        CHECK(na_operator_sk_rm(&x, pub, &err) == NA_ECHAIN);
    }
    done(&x);
}

/* ---- config ------------------------------------------------------------------------------- */

TEST(config_memory_resolver_text)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_entity op = {0}, *l = NULL;
    size_t n = 0;
    char *conf = NULL, head[1200];
    static const char *const accts[] = {"A1", "A2", "A3"};
    na_init_opts o = {"demo", accts, 3, false, NULL};
    CHECK(na_init(&x, &o, NULL, &err) == NA_OK);
    CHECK(na_store_operator_get(x.store, &op, &err) == NA_OK);
    CHECK(na_config(&x, NULL, &conf, &err) == NA_OK);
    snprintf(head, sizeof head, "// Operator \"demo\"\noperator: %s\n\n", op.jwt);
    CHECK(conf && strncmp(conf, head, strlen(head)) == 0);
    CHECK(na_store_account_list(x.store, false, &l, &n, &err) == NA_OK && n == 4);
    for (size_t i = 0; i < n; i++) {
        char block[1400];
        if (l[i].is_system) {
            snprintf(block, sizeof block, "\n\nsystem_account: %s\n\nresolver: MEMORY\n\nresolver_preload: {\n",
                     l[i].pub);
            CHECK(conf && strstr(conf, block) != NULL);
        }
        snprintf(block, sizeof block, "  // Account \"%s\"\n  %s: %s\n\n", l[i].name, l[i].pub,
                 l[i].jwt);
        CHECK(conf && strstr(conf, block) != NULL);
    }
    /* sorted by public key, closed */
    qsort(l, n, sizeof *l, by_pub);
    for (size_t i = 1; conf && i < n; i++) {
        char k1[80], k2[80];
        const char *a, *b;
        snprintf(k1, sizeof k1, "\n  %s: ", l[i - 1].pub);
        snprintf(k2, sizeof k2, "\n  %s: ", l[i].pub);
        a = strstr(conf, k1);
        b = strstr(conf, k2);
        CHECK(a && b && strstr(conf, "resolver_preload") < a && a < b);
    }
    CHECK(conf && strlen(conf) > 3 && strcmp(conf + strlen(conf) - 3, "\n}\n") == 0);
    CHECK(count_str(conf, "// Account") == 4);
    na_entities_free(l, n);
    na_entity_release(&op);
    na_free(conf);
    done(&x);
}

TEST(config_full_resolver_text)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_entity op = {0}, sys = {0};
    char *conf = NULL, want[4000];
    na_config_opts full = {NA_RESOLVER_FULL, NULL, true, NULL};
    na_config_opts custom = {NA_RESOLVER_FULL, "/var/lib/nats/jwt", false, "30s"};
    na_config_opts bad = {NA_RESOLVER_FULL, "it's", true, NULL};
    CHECK(init_default(&x, true, NULL, &err) == NA_OK);
    CHECK(na_store_operator_get(x.store, &op, &err) == NA_OK);
    CHECK(na_store_account_get(x.store, "SYS", &sys, &err) == NA_OK);
    CHECK(na_config(&x, &full, &conf, &err) == NA_OK);
    snprintf(want, sizeof want,
             "// Operator \"natsauth\"\noperator: %s\n\nsystem_account: %s\n\n"
             "resolver {\n  type: full\n  dir: './jwt'\n  allow_delete: true\n  interval: \"2m\"\n"
             "  timeout: \"1.9s\"\n}\n\n"
             "resolver_preload: {\n  // System Account \"SYS\"\n  %s: %s\n}\n",
             op.jwt, sys.pub, sys.pub, sys.jwt);
    CHECK_STREQ(conf, want);
    na_free(conf);
    CHECK(na_config(&x, &custom, &conf, &err) == NA_OK);
    CHECK(conf && strstr(conf, "  dir: '/var/lib/nats/jwt'\n  allow_delete: false\n  interval: \"30s\"\n"));
    na_free(conf);
    CHECK(na_config(&x, &bad, &conf, &err) == NA_EINVAL && conf == NULL);
    na_entity_release(&op);
    na_entity_release(&sys);
    done(&x);
}

/* ---- tenants ---------------------------------------------------------------------------- */

TEST(tenants_orgs_apps_members)
{
    na_ctx x = fresh();
    na_err err = {0};
    na_result r = {0}, r2 = {0}, ra = {0};
    na_entity e = {0};
    char *acct = NULL, *user = NULL;
    bool robot = false;
    na_claims *a;
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_tenant_add(&x, "acme", &r, &err) == NA_OK && r.changed);
    CHECK(na_store_account_get(x.store, "acme", &e, &err) == NA_OK);
    CHECK_STREQ(e.pub, r.pub);
    na_entity_release(&e);
    CHECK(account_chain_ok(&x, "acme"));
    CHECK(na_store_tenant_account(x.store, "acme", &acct, &err) == NA_OK);
    CHECK_STREQ(acct, "acme");
    free(acct);
    CHECK(na_tenant_add(&x, "acme", &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "organisation 'acme' already exists in store '") != NULL);
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECK(na_tenant_add(&x, "acme", &r2, &err) == NA_OK && !r2.changed);
    CHECK_STREQ(r2.pub, r.pub);
    /* an existing account becomes the organisation's */
    CHECK(na_tenant_add(&x, "APP", &r2, &err) == NA_OK && r2.changed);
    x.conflict = NA_CONFLICT_STRICT;

    /* apps are users of the organisation's account */
    CHECK(na_tenant_app_add(&x, "acme", "web", true, &ra, &err) == NA_OK && ra.changed);
    CHECK(na_store_user_get(x.store, "acme", "web", &e, &err) == NA_OK);
    CHECK_STREQ(e.pub, ra.pub);
    na_entity_release(&e);
    CHECK(user_chain(&x, "acme", "web", &err) == NA_OK);
    CHECK(na_store_app_get(x.store, "acme", "web", &user, &robot, &err) == NA_OK && robot);
    CHECK_STREQ(user, "web");
    free(user);
    CHECK(na_tenant_app_add(&x, "acme", "web", true, &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "app 'web' already exists in organisation 'acme'") != NULL);
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECK(na_tenant_app_add(&x, "acme", "web", true, &r2, &err) == NA_OK && !r2.changed);
    CHECK_STREQ(r2.pub, ra.pub);
    CHECK(na_tenant_app_add(&x, "acme", "web", false, &r2, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "robot: true -> false") != NULL);
    x.conflict = NA_CONFLICT_STRICT;
    CHECK(na_tenant_app_add(&x, "nope", "web", false, &r2, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "organisation 'nope' not found") != NULL);
    CHECK(na_tenant_app_add(&x, "acme", "api", false, &r2, &err) == NA_OK);

    /* app rm revokes and deletes its user */
    x.now = NOW + 1;
    CHECK(na_tenant_app_rm(&x, "acme", "api", &err) == NA_OK);
    CHECK(na_store_user_get(x.store, "acme", "api", &e, &err) == NA_ENOTFOUND);
    a = acct_claims(&x, "acme");
    CHECK(a && na_claims_is_revoked(a, r2.pub, NOW));
    na_claims_destroy(a);
    CHECK(na_tenant_app_rm(&x, "acme", "api", &err) == NA_ENOTFOUND);

    /* members are rows */
    CHECK(na_tenant_member_add(&x, "acme", "ceo@acme.io", true, &err) == NA_OK);
    CHECK(na_tenant_member_add(&x, "acme", "ceo@acme.io", true, &err) == NA_EEXIST);
    x.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECK(na_tenant_member_add(&x, "acme", "ceo@acme.io", true, &err) == NA_OK);
    CHECK(na_tenant_member_add(&x, "acme", "ceo@acme.io", false, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "owner: true -> false") != NULL);
    CHECK(na_tenant_member_add(&x, "acme", "dev@acme.io", false, &err) == NA_OK);
    CHECK(na_tenant_member_rm(&x, "acme", "dev@acme.io", &err) == NA_OK);
    CHECK(na_tenant_member_rm(&x, "acme", "dev@acme.io", &err) == NA_ENOTFOUND);
    CHECK(na_tenant_member_add(&x, "ghost", "a@b", false, &err) == NA_ENOTFOUND);

    /* tenant rm: every user revoked, the account removed, the rows gone */
    x.now = NOW + 2;
    CHECK(na_tenant_rm(&x, "acme", &err) == NA_OK);
    CHECK(na_store_account_get(x.store, "acme", &e, &err) == NA_OK && e.deleted);
    a = jwt_claims(e.jwt);
    CHECK(a && na_claims_is_revoked(a, ra.pub, NOW + 2));
    na_claims_destroy(a);
    na_entity_release(&e);
    CHECK(na_store_tenant_account(x.store, "acme", &acct, &err) == NA_ENOTFOUND);
    CHECK(na_store_member_get(x.store, "acme", "ceo@acme.io", NULL, &err) == NA_ENOTFOUND);
    CHECK(na_tenant_rm(&x, "acme", &err) == NA_ENOTFOUND);
    /* account rm drops the tenant that used it */
    CHECK(na_account_rm(&x, "APP", &err) == NA_OK);
    CHECK(na_store_tenant_account(x.store, "APP", &acct, &err) == NA_ENOTFOUND);
    done(&x);
}

/* ---- cross-cutting ------------------------------------------------------------------------ */

TEST(audit_names_entities_never_seeds)
{
    na_ctx x = fresh();
    na_err err = {0};
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *creds = NULL;
    int rows = 0, bad = 0;
    CHECK(init_default(&x, true, NULL, &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "u", NULL, NULL, 0, NULL, &err) == NA_OK);
    CHECK(na_user_creds(&x, "APP", "u", &creds, &err) == NA_OK);
    na_free_secret(creds);
    CHECK(na_user_mint(&x, "APP", "m", NULL, 0, 60, &creds, &err) == NA_OK);
    na_free_secret(creds);
    CHECK(na_tenant_add(&x, "org", NULL, &err) == NA_OK);
    done(&x);
    {
        char path[400];
        snprintf(path, sizeof path, "%s/store-%d.db", tmpdir, store_seq);
        CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    }
    /* every audit line against every seed in the store */
    CHECK(sqlite3_prepare_v2(db, "SELECT a.entity, k.seed FROM audit a, keys k", -1, &st, NULL) ==
          SQLITE_OK);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *ent = (const char *)sqlite3_column_text(st, 0);
        const char *seed = (const char *)sqlite3_column_text(st, 1);
        rows++;
        if (ent && seed && strstr(ent, seed))
            bad++;
        if (ent && (strstr(ent, "SU") == ent || strstr(ent, " SA") || strstr(ent, " SO")))
            bad++;
    }
    sqlite3_finalize(st);
    CHECK(rows > 0 && bad == 0);
    st = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT entity FROM audit WHERE entity LIKE 'account APP (A%'",
                             -1, &st, NULL) == SQLITE_OK);
    CHECK(st && sqlite3_step(st) == SQLITE_ROW);
    sqlite3_finalize(st);
    st = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT count(*) FROM audit WHERE entity LIKE 'creds of user u %'",
                             -1, &st, NULL) == SQLITE_OK);
    CHECK(st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

TEST(sealed_store_needs_unlock_for_management)
{
    char path[400];
    na_ctx x = {NULL, NOW, NA_CONFLICT_STRICT};
    na_err err = {0};
    snprintf(path, sizeof path, "%s/sealed.db", tmpdir);
    CHECK(na_store_open(&x.store, path, true, &err) == NA_OK);
    CHECK(na_store_begin(x.store, "init", &err) == NA_OK);
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_store_commit(x.store, &err) == NA_OK);
    CHECK(na_store_set_passphrase(x.store, "pw", &err) == NA_OK);
    na_store_close(x.store);
    CHECK(na_store_open(&x.store, path, false, &err) == NA_OK);
    CHECK(na_store_begin(x.store, "user add", &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "u", NULL, NULL, 0, NULL, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "sealed") != NULL);
    na_store_rollback(x.store);
    CHECK(na_store_unlock(x.store, "pw", &err) == NA_OK);
    CHECK(na_store_begin(x.store, "user add", &err) == NA_OK);
    CHECK(na_user_add(&x, "APP", "u", NULL, NULL, 0, NULL, &err) == NA_OK);
    CHECK(user_chain(&x, "APP", "u", &err) == NA_OK);
    done(&x);
}

TEST(bad_arguments)
{
    na_ctx x = fresh();
    na_ctx none = {NULL, NOW, NA_CONFLICT_STRICT};
    na_err err = {0};
    char *out = NULL;
    CHECK(na_account_add(&none, "a", NULL, 0, NULL, &err) == NA_EINVAL);
    CHECK(init_default(&x, false, NULL, &err) == NA_OK);
    CHECK(na_account_add(&x, "", NULL, 0, NULL, &err) == NA_EINVAL);
    CHECK(na_account_add(&x, "a\nb", NULL, 0, NULL, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "control character") != NULL);
    CHECK(na_user_add(&x, "APP", NULL, NULL, NULL, 0, NULL, &err) == NA_EINVAL);
    CHECK(na_config(&x, NULL, NULL, &err) == NA_EINVAL);
    CHECK(na_user_creds(&x, "APP", "sys", &out, &err) == NA_ENOTFOUND && out == NULL);
    done(&x);
}

int main(void)
{
    make_tmpdir();
    RUN(apply_edits_in_order);
    RUN(init_creates_operator_system_account_and_accounts);
    RUN(init_without_signing_keys_uses_identity_keys);
    RUN(init_is_idempotent);
    RUN(init_adds_missing_signing_keys_and_sys_user);
    RUN(operations_need_an_operator);
    RUN(account_add_conflict_policies);
    RUN(account_edit_resigns_only_on_change);
    RUN(invalid_claims_are_refused_with_the_issues);
    RUN(account_rm_keeps_a_revoked_tombstone);
    RUN(account_revoke_all);
    RUN(users_are_signed_by_the_account_or_a_signing_key);
    RUN(user_add_conflict_policies);
    RUN(user_revoke_and_rm);
    RUN(scoped_signing_keys);
    RUN(plain_account_signing_keys);
    RUN(mint_short_lived_creds);
    RUN(exports_and_imports_with_activation);
    RUN(operator_signing_keys_add_rotate_rm);
    RUN(operator_edit_and_strict_signing);
    RUN(config_memory_resolver_text);
    RUN(config_full_resolver_text);
    RUN(tenants_orgs_apps_members);
    RUN(audit_names_entities_never_seeds);
    RUN(sealed_store_needs_unlock_for_management);
    RUN(bad_arguments);
    rm_rf(tmpdir);
    return DONE();
}
