/*
 * test_nsc.c - nsc's on-disk layout both ways (natsauth/nsc.h) on real
 * files. A store built with the management API (signing keys, a scoped key,
 * users signed three ways, a revocation, exports and an import with an
 * activation token) is exported, checked file by file against nsc's layout,
 * imported into a fresh store and compared: same entities, JWTs byte for
 * byte, seeds, signing keys; exporting the copy gives the same tree. A tree
 * written here the way nsc writes it (fixed keys) imports too. Every refusal
 * leaves the store and the directories as they were. Time is fixed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "natsauth/natsauth.h"
#include "natsauth/manage.h"
#include "natsauth/nsc.h"
#include "natsauth/store.h"
#include "testlib.h"

#define NOW 1700000000
#define IAT 1700000000

static char tmpdir[256];
static int seq;

static void make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/natsauth-nsc-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(2);
    }
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* Output of a shell command (new string). */
static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh_out(const char *fmt, ...)
{
    char cmd[4096];
    char *out = calloc(1, 1 << 16);
    size_t n = 0;
    FILE *f;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    f = popen(cmd, "r");
    if (f) {
        n = fread(out, 1, (1 << 16) - 1, f);
        pclose(f);
    }
    out[n] = '\0';
    return out;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* Write a file (parents made 0700, file 0600). */
static void spit(const char *path, const char *data)
{
    FILE *f;
    sh("mkdir -p -m 700 \"$(dirname '%s')\"", path);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, strlen(data), f) != strlen(data)) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fclose(f);
    chmod(path, 0600);
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static na_ctx open_ctx(const char *path, na_conflict conflict)
{
    na_ctx x = {NULL, NOW, conflict};
    na_err err = {0};
    if (na_store_open(&x.store, path, true, &err) != NA_OK) {
        fprintf(stderr, "store: %s\n", err.msg);
        exit(2);
    }
    return x;
}

static void begin(na_ctx *x)
{
    na_err err = {0};
    if (na_store_begin(x->store, "test", &err) != NA_OK) {
        fprintf(stderr, "begin: %s\n", err.msg);
        exit(2);
    }
}

static void commit(na_ctx *x)
{
    na_err err = {0};
    if (na_store_commit(x->store, &err) != NA_OK) {
        fprintf(stderr, "commit: %s\n", err.msg);
        exit(2);
    }
}

static void new_path(char *out, size_t cap, const char *what)
{
    snprintf(out, cap, "%s/%s-%d", tmpdir, what, ++seq);
}

static void collect_warning(void *arg, const char *msg)
{
    char *buf = arg;
    size_t n = strlen(buf);
    snprintf(buf + n, 8192 - n, "%s\n", msg);
}

/* ---- comparing two stores ------------------------------------------------- */

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool entity_eq(const na_entity *a, const na_entity *b)
{
    bool ok = str_eq(a->name, b->name) && str_eq(a->pub, b->pub) &&
              str_eq(a->account, b->account) && str_eq(a->signer, b->signer) &&
              str_eq(a->claims_json, b->claims_json) && str_eq(a->jwt, b->jwt) &&
              a->is_system == b->is_system && a->deleted == b->deleted;
    if (!ok)
        fprintf(stderr, "entity differs: %s/%s (%s) vs %s/%s (%s)\n", a->account ? a->account : "",
                a->name, a->pub, b->account ? b->account : "", b->name, b->pub);
    return ok;
}

static int sk_cmp(const void *a, const void *b)
{
    return strcmp(((const na_signing_key *)a)->pub, ((const na_signing_key *)b)->pub);
}

static bool sks_eq(na_store *a, na_store *b, const char *owner)
{
    na_signing_key *la = NULL, *lb = NULL;
    size_t na = 0, nb = 0;
    bool ok = na_store_sk_list(a, owner, &la, &na, NULL) == NA_OK &&
              na_store_sk_list(b, owner, &lb, &nb, NULL) == NA_OK && na == nb;
    if (ok && na) {
        qsort(la, na, sizeof *la, sk_cmp);
        qsort(lb, nb, sizeof *lb, sk_cmp);
    }
    for (size_t i = 0; ok && i < na; i++)
        ok = str_eq(la[i].pub, lb[i].pub) && str_eq(la[i].owner, lb[i].owner) &&
             str_eq(la[i].role, lb[i].role) && la[i].scoped == lb[i].scoped;
    if (!ok)
        fprintf(stderr, "signing keys of %s differ (%zu vs %zu)\n", owner, na, nb);
    na_signing_keys_free(la, na);
    na_signing_keys_free(lb, nb);
    return ok;
}

/* Public keys with a seed in a store (committed state), sorted, one per line. */
static char *key_pubs(na_store *s)
{
    char *out = sh_out("sqlite3 '%s' 'SELECT pub FROM keys ORDER BY pub'", na_store_path(s));
    return out;
}

static bool seeds_eq(na_store *a, na_store *b)
{
    char *pa = key_pubs(a), *pb = key_pubs(b), *line, *save = NULL;
    bool ok = pa && pb && strcmp(pa, pb) == 0 && *pa;
    if (!ok)
        fprintf(stderr, "seeded keys differ:\n%s---\n%s", pa, pb);
    for (line = ok ? strtok_r(pa, "\n", &save) : NULL; ok && line;
         line = strtok_r(NULL, "\n", &save)) {
        na_nkey *ka = NULL, *kb = NULL;
        char sa[NA_NKEY_SEED_LEN + 1] = {0}, sb[NA_NKEY_SEED_LEN + 1] = {0};
        ok = na_store_key_get(a, line, &ka, NULL) == NA_OK &&
             na_store_key_get(b, line, &kb, NULL) == NA_OK &&
             na_nkey_seed(ka, sa, NULL) == NA_OK && na_nkey_seed(kb, sb, NULL) == NA_OK &&
             strcmp(sa, sb) == 0;
        if (!ok)
            fprintf(stderr, "seed of %s differs\n", line);
        na_nkey_destroy(ka);
        na_nkey_destroy(kb);
    }
    free(pa);
    free(pb);
    return ok;
}

static bool stores_eq(na_store *a, na_store *b)
{
    na_entity oa = {0}, ob = {0}, *la = NULL, *lb = NULL, *ua = NULL, *ub = NULL;
    size_t na = 0, nb = 0, nua = 0, nub = 0;
    bool ok = na_store_operator_get(a, &oa, NULL) == NA_OK &&
              na_store_operator_get(b, &ob, NULL) == NA_OK && entity_eq(&oa, &ob) &&
              sks_eq(a, b, "operator");
    ok = ok && na_store_account_list(a, false, &la, &na, NULL) == NA_OK &&
         na_store_account_list(b, false, &lb, &nb, NULL) == NA_OK && na == nb;
    for (size_t i = 0; ok && i < na; i++)
        ok = entity_eq(&la[i], &lb[i]) && sks_eq(a, b, la[i].name);
    ok = ok && na_store_user_list(a, NULL, &ua, &nua, NULL) == NA_OK &&
         na_store_user_list(b, NULL, &ub, &nub, NULL) == NA_OK && nua == nub;
    for (size_t i = 0; ok && i < nua; i++)
        ok = entity_eq(&ua[i], &ub[i]);
    ok = ok && seeds_eq(a, b);
    na_entity_release(&oa);
    na_entity_release(&ob);
    na_entities_free(la, na);
    na_entities_free(lb, nb);
    na_entities_free(ua, nua);
    na_entities_free(ub, nub);
    return ok;
}

/* ---- a store built with the management API --------------------------------- */

static char *first_plain_sk(na_ctx *x, const char *owner)
{
    na_signing_key *l = NULL;
    size_t n = 0;
    char *pub = NULL;
    na_store_sk_list(x->store, owner, &l, &n, NULL);
    for (size_t i = 0; i < n && !pub; i++)
        if (!l[i].scoped)
            pub = strdup(l[i].pub);
    na_signing_keys_free(l, n);
    return pub;
}

static void build_store(na_ctx *x)
{
    static const char *const accts[] = {"APP", "OTHER"};
    na_init_opts io = {"ACME", accts, 2, true, NULL};
    na_scope dev = {"dev", "{\"pub\":{\"allow\":[\"dev.{{name()}}.>\"]}}", "developers"};
    na_edit perms[] = {{NA_EDIT_ADD_STR, "nats.pub.allow", "orders.>", 0},
                       {NA_EDIT_ADD_STR, "nats.sub.allow", "_INBOX.>", 0}};
    na_edit limits[] = {{NA_EDIT_SET_INT, "nats.limits.conn", NULL, 10},
                        {NA_EDIT_SET_INT, "nats.limits.disk_storage", NULL, 1 << 20},
                        {NA_EDIT_SET_STR, "nats.description", "shop <&> front", 0}};
    na_result r;
    na_err err = {0};
    char *sk;
    na_user_opts by_sk = {NULL}, by_role = {"dev"};
    begin(x);
    CHECKF(na_init(x, &io, &r, &err) == NA_OK, "%s", err.msg);
    CHECKF(na_account_edit(x, "APP", limits, 3, &r, &err) == NA_OK, "%s", err.msg);
    CHECKF(na_user_add(x, "APP", "alice", NULL, perms, 2, &r, &err) == NA_OK, "%s", err.msg);
    sk = first_plain_sk(x, "APP");
    by_sk.signing_key = sk;
    CHECKF(na_user_add(x, "APP", "bob", &by_sk, NULL, 0, &r, &err) == NA_OK, "%s", err.msg);
    CHECKF(na_account_sk_add(x, "APP", &dev, &r, &err) == NA_OK, "%s", err.msg);
    CHECKF(na_user_add(x, "APP", "dana", &by_role, NULL, 0, &r, &err) == NA_OK, "%s", err.msg);
    CHECKF(na_user_add(x, "APP", "eve", NULL, NULL, 0, &r, &err) == NA_OK, "%s", err.msg);
    CHECKF(na_user_revoke(x, "APP", "eve", &err) == NA_OK, "%s", err.msg);
    CHECKF(na_user_add(x, "APP", "Zo\xc3\xab Smith", NULL, NULL, 0, &r, &err) == NA_OK, "%s",
           err.msg);
    CHECKF(na_export_add(x, "OTHER",
                         "{\"name\":\"events\",\"subject\":\"events.>\",\"type\":\"stream\"}",
                         &err) == NA_OK,
           "%s", err.msg);
    CHECKF(na_export_add(x, "OTHER",
                         "{\"name\":\"rpc\",\"subject\":\"rpc.req\",\"type\":\"service\","
                         "\"token_req\":true}",
                         &err) == NA_OK,
           "%s", err.msg);
    CHECKF(na_import_add(x, "APP",
                         "{\"name\":\"ev\",\"account\":\"OTHER\",\"subject\":\"events.>\"}",
                         &err) == NA_OK,
           "%s", err.msg);
    CHECKF(na_import_add(x, "APP",
                         "{\"account\":\"OTHER\",\"subject\":\"rpc.req\",\"type\":\"service\"}",
                         &err) == NA_OK,
           "%s", err.msg);
    CHECKF(na_user_add(x, "OTHER", "svc", NULL, NULL, 0, &r, &err) == NA_OK, "%s", err.msg);
    commit(x);
    free(sk);
}

static na_status do_export(na_ctx *x, const char *root, bool keys, na_nsc_stats *st, na_err *err)
{
    char stores[512], kd[512];
    na_nsc_export_opts o = {stores, keys ? kd : NULL, false, NULL, NULL};
    na_status rc;
    snprintf(stores, sizeof stores, "%s/stores", root);
    snprintf(kd, sizeof kd, "%s/keys", root);
    begin(x);
    rc = na_nsc_export(x, &o, st, err);
    if (rc == NA_OK)
        commit(x);
    else
        na_store_rollback(x->store);
    return rc;
}

static na_status do_import(na_ctx *x, const char *dir, const char *keys, const char *opname,
                           char *warnings, na_nsc_stats *st, na_err *err)
{
    na_nsc_import_opts o = {dir, opname, keys, warnings ? collect_warning : NULL, warnings};
    na_status rc;
    begin(x);
    rc = na_nsc_import(x, &o, st, err);
    if (rc == NA_OK)
        commit(x);
    else
        na_store_rollback(x->store);
    return rc;
}

static char *entity_jwt(na_store *s, na_entity_kind kind, const char *acct, const char *name)
{
    na_entity e = {0};
    char *j;
    if (kind == NA_ENT_OPERATOR)
        na_store_operator_get(s, &e, NULL);
    else if (kind == NA_ENT_ACCOUNT)
        na_store_account_get(s, name, &e, NULL);
    else
        na_store_user_get(s, acct, name, &e, NULL);
    j = e.jwt;
    e.jwt = NULL;
    na_entity_release(&e);
    return j;
}

static char *entity_pub(na_store *s, na_entity_kind kind, const char *acct, const char *name)
{
    na_entity e = {0};
    char *p;
    if (kind == NA_ENT_OPERATOR)
        na_store_operator_get(s, &e, NULL);
    else if (kind == NA_ENT_ACCOUNT)
        na_store_account_get(s, name, &e, NULL);
    else
        na_store_user_get(s, acct, name, &e, NULL);
    p = e.pub;
    e.pub = NULL;
    na_entity_release(&e);
    return p;
}

static bool file_is(const char *path, const char *want)
{
    char *got = slurp(path);
    bool ok = got && want && strcmp(got, want) == 0;
    if (!ok)
        fprintf(stderr, "%s: got %.80s, want %.80s\n", path, got ? got : "(missing)",
                want ? want : "(null)");
    free(got);
    return ok;
}

static bool file_is_jwt(const char *path, na_store *s, na_entity_kind kind, const char *acct,
                        const char *name)
{
    char *jwt = entity_jwt(s, kind, acct, name);
    bool ok = file_is(path, jwt);
    free(jwt);
    return ok;
}

static bool jwt_is(na_store *s, na_entity_kind kind, const char *acct, const char *name,
                   const char *want)
{
    char *jwt = entity_jwt(s, kind, acct, name);
    bool ok = jwt && strcmp(jwt, want) == 0;
    if (!ok)
        fprintf(stderr, "JWT of %s differs\n", name ? name : "the operator");
    free(jwt);
    return ok;
}

static char *seed_text(na_store *s, const char *pub)
{
    na_nkey *k = NULL;
    char *seed = calloc(1, NA_NKEY_SEED_LEN + 1);
    if (na_store_key_get(s, pub, &k, NULL) != NA_OK || na_nkey_seed(k, seed, NULL) != NA_OK) {
        free(seed);
        seed = NULL;
    }
    na_nkey_destroy(k);
    return seed;
}

static void key_path(char *out, size_t cap, const char *keys, const char *pub)
{
    snprintf(out, cap, "%s/keys/%c/%.2s/%s.nk", keys, pub[0], pub + 1, pub);
}

/* ---- tests ------------------------------------------------------------------- */

TEST(export_writes_nsc_layout)
{
    char db[512], root[512], p[1024], kd[600];
    na_ctx x;
    na_nsc_stats st;
    na_err err = {0};
    char *pub, *seed, *creds = NULL, *out;
    new_path(db, sizeof db, "layout.db");
    new_path(root, sizeof root, "layout");
    x = open_ctx(db, NA_CONFLICT_STRICT);
    build_store(&x);
    CHECKF(do_export(&x, root, true, &st, &err) == NA_OK, "%s", err.msg);
    CHECK(st.accounts == 3 && st.users == 7);
    CHECK_STREQ(st.operator_name, "ACME");
    snprintf(p, sizeof p, "%s/stores/ACME", root);
    CHECK_STREQ(st.operator_dir, p);
    /* stores */
    snprintf(p, sizeof p, "%s/stores/ACME/.nsc", root);
    CHECK(file_is(p, "{\"managed\":false,\"name\":\"ACME\",\"kind\":\"operator\","
                     "\"version\":\"1\"}"));
    snprintf(p, sizeof p, "%s/stores/ACME/ACME.jwt", root);
    CHECK(file_is_jwt(p, x.store, NA_ENT_OPERATOR, NULL, NULL));
    snprintf(p, sizeof p, "%s/stores/ACME/accounts/APP/APP.jwt", root);
    CHECK(file_is_jwt(p, x.store, NA_ENT_ACCOUNT, NULL, "APP"));
    snprintf(p, sizeof p, "%s/stores/ACME/accounts/SYS/users/sys.jwt", root);
    CHECK(file_is_jwt(p, x.store, NA_ENT_USER, "SYS", "sys"));
    snprintf(p, sizeof p, "%s/stores/ACME/accounts/APP/users/Zo\xc3\xab Smith.jwt", root);
    CHECK(file_is_jwt(p, x.store, NA_ENT_USER, "APP", "Zo\xc3\xab Smith"));
    /* keys: bare seed, no newline, sharded by pk[1:3] */
    snprintf(kd, sizeof kd, "%s/keys", root);
    pub = entity_pub(x.store, NA_ENT_OPERATOR, NULL, NULL);
    seed = seed_text(x.store, pub);
    key_path(p, sizeof p, kd, pub);
    CHECK(seed && strlen(seed) == NA_NKEY_SEED_LEN && file_is(p, seed));
    free(pub);
    pub = entity_pub(x.store, NA_ENT_USER, "APP", "alice");
    key_path(p, sizeof p, kd, pub);
    CHECK(exists(p));
    free(pub);
    /* creds exactly as the store makes them */
    CHECK(na_user_creds(&x, "APP", "alice", &creds, &err) == NA_OK);
    snprintf(p, sizeof p, "%s/keys/creds/ACME/APP/alice.creds", root);
    CHECK(file_is(p, creds));
    na_free_secret(creds);
    snprintf(p, sizeof p, "%s/keys/.gitignore", root);
    CHECK(file_is(p, "# ignore all nk files \n**/*.nk\n\n# ignore all creds files\n**/*.creds\n"));
    /* modes: files 0600, directories 0700; no staging left behind */
    out = sh_out("find '%s' -mindepth 1 \\( -type f ! -perm 600 \\) -o \\( -type d ! -perm 700 \\)",
                 root);
    CHECKF(out[0] == '\0', "wrong modes:\n%s", out);
    free(out);
    out = sh_out("ls -A '%s/stores'", root);
    CHECK_STREQ(out, "ACME\n");
    free(out);
    /* 15 seeds, one .nk file each: the operator and its signing key, 3 accounts, 3 account
       signing keys (APP plain and scoped, OTHER), 7 users */
    out = sh_out("find '%s/keys/keys' -name '*.nk' | wc -l", root);
    CHECKF(atoi(out) == (int)st.seeds && st.seeds == 2 + 3 + 3 + 7, "%s seeds, stats %zu", out,
           st.seeds);
    free(out);
    out = sh_out("find '%s/keys/creds' -name '*.creds' | wc -l", root);
    CHECK(atoi(out) == 7 && st.creds == 7);
    free(out);
    /* the export is in the audit log, without a seed */
    out = sh_out("sqlite3 '%s' \"SELECT entity FROM audit WHERE entity LIKE 'nsc export%%'\"", db);
    CHECK(strstr(out, "nsc export of operator ACME") && seed && !strstr(out, seed));
    free(out);
    free(seed);
    na_store_close(x.store);
}

TEST(round_trip_gives_the_same_store)
{
    char db1[512], db2[512], db3[512], r1[512], r2[512], p[1100];
    na_ctx a, b, c;
    na_nsc_stats st;
    na_err err = {0};
    char warnings[8192] = {0};
    na_result r;
    na_user_opts by_role = {"dev"};
    na_edit e[] = {{NA_EDIT_SET_INT, "nats.limits.subs", NULL, 100}};
    new_path(db1, sizeof db1, "rt-a.db");
    new_path(db2, sizeof db2, "rt-b.db");
    new_path(db3, sizeof db3, "rt-c.db");
    new_path(r1, sizeof r1, "rt-1");
    new_path(r2, sizeof r2, "rt-2");
    a = open_ctx(db1, NA_CONFLICT_STRICT);
    build_store(&a);
    CHECKF(do_export(&a, r1, true, NULL, &err) == NA_OK, "%s", err.msg);
    b = open_ctx(db2, NA_CONFLICT_STRICT);
    snprintf(p, sizeof p, "%s/stores/ACME", r1);
    {
        char kd[600];
        snprintf(kd, sizeof kd, "%s/keys", r1);
        CHECKF(do_import(&b, p, kd, NULL, warnings, &st, &err) == NA_OK, "%s", err.msg);
    }
    CHECKF(warnings[0] == '\0', "%s", warnings);
    CHECK(st.accounts == 3 && st.users == 7 && st.seeds == 15 && st.unchanged == 0);
    CHECK(st.signing_keys == 4);
    CHECK(stores_eq(a.store, b.store));
    /* exporting the copy gives the same tree, byte for byte */
    CHECKF(do_export(&b, r2, true, NULL, &err) == NA_OK, "%s", err.msg);
    CHECK(sh("diff -r '%s' '%s' >&2", r1, r2) == 0);
    /* the copy is managed like the original: a scoped user, an edit re-signed by the operator
       signing key */
    begin(&b);
    CHECKF(na_user_add(&b, "APP", "frank", &by_role, NULL, 0, &r, &err) == NA_OK, "%s", err.msg);
    CHECKF(na_account_edit(&b, "APP", e, 1, &r, &err) == NA_OK && r.changed, "%s", err.msg);
    commit(&b);
    {
        na_entity op = {0}, ap = {0};
        na_claims *oc = NULL, *ac = NULL;
        na_store_operator_get(b.store, &op, NULL);
        na_store_account_get(b.store, "APP", &ap, NULL);
        CHECK(na_jwt_decode(&oc, op.jwt, strlen(op.jwt), NULL) == NA_OK);
        CHECK(na_jwt_decode(&ac, ap.jwt, strlen(ap.jwt), NULL) == NA_OK);
        CHECK(na_chain_check_account(oc, ac, &err) == NA_OK);
        CHECK(strcmp(ap.signer, op.pub) != 0); /* the operator signing key, as in the original */
        na_claims_destroy(oc);
        na_claims_destroy(ac);
        na_entity_release(&op);
        na_entity_release(&ap);
    }
    /* an nsc data directory (stores/ + keys/) is accepted as --store too */
    c = open_ctx(db3, NA_CONFLICT_STRICT);
    {
        char kd[600];
        snprintf(kd, sizeof kd, "%s/keys", r1);
        CHECKF(do_import(&c, r1, kd, NULL, NULL, &st, &err) == NA_OK, "%s", err.msg);
    }
    CHECK(stores_eq(a.store, c.store));
    na_store_close(a.store);
    na_store_close(b.store);
    na_store_close(c.store);
}

TEST(import_conflict_policies)
{
    char db1[512], db2[512], root[512], p[1100], kd[600];
    na_ctx a, b;
    na_nsc_stats st;
    na_err err = {0};
    na_result r;
    na_edit e[] = {{NA_EDIT_ADD_STR, "nats.pub.allow", "more.>", 0}};
    char *before, *after;
    new_path(db1, sizeof db1, "cp-a.db");
    new_path(db2, sizeof db2, "cp-b.db");
    new_path(root, sizeof root, "cp");
    a = open_ctx(db1, NA_CONFLICT_STRICT);
    build_store(&a);
    CHECKF(do_export(&a, root, true, NULL, &err) == NA_OK, "%s", err.msg);
    snprintf(p, sizeof p, "%s/stores/ACME", root);
    snprintf(kd, sizeof kd, "%s/keys", root);
    /* into the original store: strict refuses, naming the operator */
    CHECK(do_import(&a, p, kd, NULL, NULL, &st, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "already holds operator 'ACME'") != NULL);
    /* idempotent: everything is identical, nothing changes */
    before = sh_out("sqlite3 '%s' 'SELECT count(*) FROM audit; SELECT sum(length(jwt)) FROM users'",
                    db1);
    a.conflict = NA_CONFLICT_IDEMPOTENT;
    CHECKF(do_import(&a, p, kd, NULL, NULL, &st, &err) == NA_OK, "%s", err.msg);
    CHECK(st.unchanged == 1 + 3 + 7 && st.accounts == 0 && st.users == 0 && st.seeds == 0 &&
          st.signing_keys == 0);
    after = sh_out("sqlite3 '%s' 'SELECT count(*) FROM audit; SELECT sum(length(jwt)) FROM users'",
                   db1);
    CHECK_STREQ(before, after);
    free(before);
    free(after);
    /* a user that changed since: the import names it and writes nothing */
    begin(&a);
    CHECK(na_user_edit(&a, "APP", "alice", e, 1, &r, &err) == NA_OK);
    commit(&a);
    CHECK(do_import(&a, p, kd, NULL, NULL, &st, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "user 'alice'") && strstr(err.msg, "differs"));
    /* a store of another operator */
    b = open_ctx(db2, NA_CONFLICT_IDEMPOTENT);
    {
        na_init_opts io = {"OTHEROP", NULL, 0, false, NULL};
        begin(&b);
        CHECK(na_init(&b, &io, &r, &err) == NA_OK);
        commit(&b);
    }
    CHECK(do_import(&b, p, kd, NULL, NULL, &st, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "holds operator 'OTHEROP'") != NULL);
    na_store_close(a.store);
    na_store_close(b.store);
}

TEST(export_refuses_and_leaves_nothing_behind)
{
    char db[512], root[512], p[1100], kd[600];
    na_ctx x;
    na_err err = {0};
    char *pub, *out;
    new_path(db, sizeof db, "refuse.db");
    new_path(root, sizeof root, "refuse");
    x = open_ctx(db, NA_CONFLICT_STRICT);
    build_store(&x);
    snprintf(kd, sizeof kd, "%s/keys", root);
    /* an existing operator directory is never merged into */
    snprintf(p, sizeof p, "%s/stores/ACME/keep", root);
    spit(p, "mine");
    CHECK(do_export(&x, root, true, NULL, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "already exists") != NULL);
    CHECK(!exists(kd));
    sh("rm -rf '%s'", root);
    /* an empty one is fine (rename replaces an empty directory) */
    snprintf(p, sizeof p, "%s/stores/ACME", root);
    sh("mkdir -p '%s'", p);
    CHECKF(do_export(&x, root, false, NULL, &err) == NA_OK, "%s", err.msg);
    CHECK(!exists(kd));
    sh("rm -rf '%s'", root);
    /* a key file with other contents: refused before anything is written */
    pub = entity_pub(x.store, NA_ENT_ACCOUNT, NULL, "APP");
    key_path(p, sizeof p, kd, pub);
    spit(p, "SAnotreally");
    CHECK(do_export(&x, root, true, NULL, &err) == NA_EEXIST);
    CHECK(strstr(err.msg, "exists with other contents") != NULL);
    out = sh_out("cd '%s' && find . | sort", root);
    {
        char want[1024];
        snprintf(want, sizeof want,
                 ".\n./keys\n./keys/keys\n./keys/keys/A\n./keys/keys/A/%.2s\n"
                 "./keys/keys/A/%.2s/%s.nk\n",
                 pub + 1, pub + 1, pub);
        CHECK_STREQ(out, want);
    }
    free(out);
    free(pub);
    sh("rm -rf '%s'", root);
    /* a failure halfway through the keys (a name taken by a dangling link, seen only when
       writing): everything written so far is removed again */
    pub = entity_pub(x.store, NA_ENT_USER, "APP", "alice");
    key_path(p, sizeof p, kd, pub);
    sh("mkdir -p \"$(dirname '%s')\" && ln -s /nonexistent/x '%s'", p, p);
    CHECK(do_export(&x, root, true, NULL, &err) == NA_EEXIST);
    CHECKF(strstr(err.msg, "appeared while exporting") != NULL, "%s", err.msg);
    out = sh_out("cd '%s' && find . | sort", root);
    {
        char want[1024];
        snprintf(want, sizeof want,
                 ".\n./keys\n./keys/keys\n./keys/keys/U\n./keys/keys/U/%.2s\n"
                 "./keys/keys/U/%.2s/%s.nk\n",
                 pub + 1, pub + 1, pub);
        CHECK_STREQ(out, want);
    }
    free(out);
    free(pub);
    sh("rm -rf '%s'", root);
    /* names that cannot be file names */
    {
        na_result r;
        begin(&x);
        CHECK(na_account_add(&x, "a/b", NULL, 0, &r, &err) == NA_OK);
        commit(&x);
        CHECK(do_export(&x, root, true, NULL, &err) == NA_EINVAL);
        CHECK(strstr(err.msg, "account name 'a/b' contains '/'") != NULL);
        CHECK(!exists(root));
    }
    na_store_close(x.store);
}

/* ---- a tree written the way nsc writes it ------------------------------------ */

static na_nkey *raw_key(na_nkey_type t, uint8_t b)
{
    uint8_t raw[NA_NKEY_RAW_LEN];
    na_nkey *k = NULL;
    memset(raw, b, sizeof raw);
    if (na_nkey_from_raw(&k, t, raw, NULL) != NA_OK)
        exit(2);
    return k;
}

static char *sign(na_claims *c, na_nkey *k)
{
    char *jwt = NULL;
    na_err err = {0};
    if (na_claims_encode(c, &jwt, k, IAT, &err) != NA_OK) {
        fprintf(stderr, "sign: %s\n", err.msg);
        exit(2);
    }
    na_claims_destroy(c);
    return jwt;
}

static na_claims *claims(na_claims_type t, const na_nkey *sub, const char *name)
{
    na_claims *c = NULL;
    if (na_claims_create(&c, t, na_nkey_public(sub), NULL) != NA_OK ||
        na_claims_set_name(c, name, NULL) != NA_OK)
        exit(2);
    return c;
}

static void put_seed(const char *keys, const na_nkey *k)
{
    char p[1024], seed[NA_NKEY_SEED_LEN + 1];
    key_path(p, sizeof p, keys, na_nkey_public(k));
    na_nkey_seed(k, seed, NULL);
    spit(p, seed);
}

typedef struct handmade {
    char root[512], stores[600], keys[600];
    char *op, *sys, *app, *alice, *bob, *carol;
    na_nkey *kop, *kosk, *ksys, *kapp, *kask, *kscoped, *kalice, *kbob, *kcarol;
} handmade;

static void handmade_free(handmade *h)
{
    free(h->op);
    free(h->sys);
    free(h->app);
    free(h->alice);
    free(h->bob);
    free(h->carol);
    na_nkey_destroy(h->kop);
    na_nkey_destroy(h->kosk);
    na_nkey_destroy(h->ksys);
    na_nkey_destroy(h->kapp);
    na_nkey_destroy(h->kask);
    na_nkey_destroy(h->kscoped);
    na_nkey_destroy(h->kalice);
    na_nkey_destroy(h->kbob);
    na_nkey_destroy(h->kcarol);
}

/* Operator OP (signing key, system account SYS), accounts SYS (signed by
 * the operator signing key) and APP (by the identity key; a plain and a
 * scoped signing key; bob revoked), users alice (APP identity), bob (plain
 * signing key) and carol (scoped key). Seeds: all but carol's and the scoped
 * key's; bob's only in his .creds file. */
static void make_handmade(handmade *h)
{
    char p[1100], *creds = NULL, seed[NA_NKEY_SEED_LEN + 1];
    na_claims *c;
    new_path(h->root, sizeof h->root, "handmade");
    snprintf(h->stores, sizeof h->stores, "%s/stores", h->root);
    snprintf(h->keys, sizeof h->keys, "%s/keys", h->root);
    h->kop = raw_key(NA_NKEY_OPERATOR, 0x11);
    h->kosk = raw_key(NA_NKEY_OPERATOR, 0x88);
    h->ksys = raw_key(NA_NKEY_ACCOUNT, 0x77);
    h->kapp = raw_key(NA_NKEY_ACCOUNT, 0x22);
    h->kask = raw_key(NA_NKEY_ACCOUNT, 0x55);
    h->kscoped = raw_key(NA_NKEY_ACCOUNT, 0x99);
    h->kalice = raw_key(NA_NKEY_USER, 0x33);
    h->kbob = raw_key(NA_NKEY_USER, 0x66);
    h->kcarol = raw_key(NA_NKEY_USER, 0x44);

    c = claims(NA_CLAIMS_OPERATOR, h->kop, "OP");
    na_claims_add_signing_key(c, na_nkey_public(h->kosk), NULL);
    na_claims_set_str(c, "nats.system_account", na_nkey_public(h->ksys), NULL);
    h->op = sign(c, h->kop);
    h->sys = sign(claims(NA_CLAIMS_ACCOUNT, h->ksys, "SYS"), h->kosk);
    c = claims(NA_CLAIMS_ACCOUNT, h->kapp, "APP");
    na_claims_add_signing_key(c, na_nkey_public(h->kask), NULL);
    na_claims_add_scoped_key(c, na_nkey_public(h->kscoped), "svc",
                             "{\"sub\":{\"allow\":[\"svc.>\"]}}", "services", NULL);
    na_claims_revoke(c, na_nkey_public(h->kbob), IAT + 10, NULL);
    h->app = sign(c, h->kop);
    c = claims(NA_CLAIMS_USER, h->kalice, "alice");
    na_claims_perm_add(c, NA_PERM_PUB, true, "orders.>", NULL);
    h->alice = sign(c, h->kapp);
    c = claims(NA_CLAIMS_USER, h->kbob, "bob");
    na_claims_set_str(c, "nats.issuer_account", na_nkey_public(h->kapp), NULL);
    h->bob = sign(c, h->kask);
    {
        char json[300];
        snprintf(json, sizeof json,
                 "{\"sub\":\"%s\",\"name\":\"carol\",\"nats\":{\"issuer_account\":\"%s\"}}",
                 na_nkey_public(h->kcarol), na_nkey_public(h->kapp));
        c = NULL;
        if (na_claims_from_json(&c, NA_CLAIMS_USER, json, strlen(json), NULL) != NA_OK)
            exit(2);
        h->carol = sign(c, h->kscoped);
    }

    snprintf(p, sizeof p, "%s/OP/.nsc", h->stores);
    spit(p, "{\"managed\":false,\"name\":\"OP\",\"kind\":\"operator\",\"version\":\"1\"}");
    snprintf(p, sizeof p, "%s/OP/OP.jwt", h->stores);
    spit(p, h->op);
    snprintf(p, sizeof p, "%s/OP/accounts/SYS/SYS.jwt", h->stores);
    spit(p, h->sys);
    snprintf(p, sizeof p, "%s/OP/accounts/APP/APP.jwt", h->stores);
    spit(p, h->app);
    snprintf(p, sizeof p, "%s/OP/accounts/APP/users/alice.jwt", h->stores);
    {
        /* a hand-edited file with a final newline: the token is what counts */
        char *nl = malloc(strlen(h->alice) + 2);
        sprintf(nl, "%s\n", h->alice);
        spit(p, nl);
        free(nl);
    }
    snprintf(p, sizeof p, "%s/OP/accounts/APP/users/bob.jwt", h->stores);
    spit(p, h->bob);
    snprintf(p, sizeof p, "%s/OP/accounts/APP/users/carol.jwt", h->stores);
    spit(p, h->carol);
    /* what nsc ignores: other files, directories without their JWT */
    snprintf(p, sizeof p, "%s/OP/accounts/APP/notes.txt", h->stores);
    spit(p, "not a jwt");
    snprintf(p, sizeof p, "%s/OP/accounts/junk/readme", h->stores);
    spit(p, "no account here");

    put_seed(h->keys, h->kop);
    put_seed(h->keys, h->kosk);
    put_seed(h->keys, h->ksys);
    put_seed(h->keys, h->kapp);
    put_seed(h->keys, h->kask);
    put_seed(h->keys, h->kalice);
    na_nkey_seed(h->kbob, seed, NULL);
    na_creds_format(&creds, h->bob, seed, NULL);
    snprintf(p, sizeof p, "%s/creds/OP/APP/bob.creds", h->keys);
    spit(p, creds);
    na_free_secret(creds);
}

static bool has_seed(na_store *s, const na_nkey *k)
{
    char *seed = seed_text(s, na_nkey_public(k)), want[NA_NKEY_SEED_LEN + 1];
    bool ok;
    na_nkey_seed(k, want, NULL);
    ok = seed && strcmp(seed, want) == 0;
    free(seed);
    return ok;
}

TEST(import_handmade_nsc_tree)
{
    handmade h = {0};
    char db[512], p[1100], warnings[8192] = {0};
    na_ctx x;
    na_nsc_stats st;
    na_err err = {0};
    na_result r;
    na_entity e = {0};
    na_signing_key *sks = NULL;
    size_t n = 0;
    make_handmade(&h);
    new_path(db, sizeof db, "handmade.db");
    x = open_ctx(db, NA_CONFLICT_STRICT);
    snprintf(p, sizeof p, "%s/OP", h.stores);
    CHECKF(do_import(&x, p, h.keys, NULL, warnings, &st, &err) == NA_OK, "%s", err.msg);
    CHECK(st.accounts == 2 && st.users == 3 && st.signing_keys == 3 && st.seeds == 7);
    /* JWTs byte for byte (alice's without the file's newline) */
    CHECK(jwt_is(x.store, NA_ENT_OPERATOR, NULL, NULL, h.op));
    CHECK(jwt_is(x.store, NA_ENT_ACCOUNT, NULL, "SYS", h.sys));
    CHECK(jwt_is(x.store, NA_ENT_ACCOUNT, NULL, "APP", h.app));
    CHECK(jwt_is(x.store, NA_ENT_USER, "APP", "alice", h.alice));
    CHECK(jwt_is(x.store, NA_ENT_USER, "APP", "bob", h.bob));
    CHECK(jwt_is(x.store, NA_ENT_USER, "APP", "carol", h.carol));
    /* names, keys, signers, the system account */
    CHECK(na_store_operator_get(x.store, &e, NULL) == NA_OK);
    CHECK_STREQ(e.name, "OP");
    CHECK_STREQ(e.pub, na_nkey_public(h.kop));
    na_entity_release(&e);
    CHECK(na_store_account_get(x.store, "SYS", &e, NULL) == NA_OK && e.is_system);
    CHECK_STREQ(e.signer, na_nkey_public(h.kosk));
    na_entity_release(&e);
    CHECK(na_store_account_get(x.store, "APP", &e, NULL) == NA_OK && !e.is_system);
    na_entity_release(&e);
    CHECK(na_store_user_get(x.store, "APP", "bob", &e, NULL) == NA_OK);
    CHECK_STREQ(e.signer, na_nkey_public(h.kask));
    na_entity_release(&e);
    /* seeds: from .nk files, bob's from his creds; none for carol and the scoped key */
    CHECK(has_seed(x.store, h.kop) && has_seed(x.store, h.kosk) && has_seed(x.store, h.ksys) &&
          has_seed(x.store, h.kapp) && has_seed(x.store, h.kask) && has_seed(x.store, h.kalice) &&
          has_seed(x.store, h.kbob));
    CHECK(!has_seed(x.store, h.kcarol) && !has_seed(x.store, h.kscoped));
    CHECKF(strstr(warnings, "for 1 of 3 users (first: 'carol' in account 'APP')") &&
               strstr(warnings, "for 1 of 3 signing keys"),
           "%s", warnings);
    /* signing keys as the JWTs list them */
    CHECK(na_store_sk_list(x.store, "APP", &sks, &n, NULL) == NA_OK && n == 2);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(sks[i].pub, na_nkey_public(h.kscoped)) == 0)
            CHECK(sks[i].scoped && sks[i].role && strcmp(sks[i].role, "svc") == 0);
        else
            CHECK(!sks[i].scoped && !sks[i].role &&
                  strcmp(sks[i].pub, na_nkey_public(h.kask)) == 0);
    }
    na_signing_keys_free(sks, n);
    CHECK(na_store_sk_list(x.store, "operator", &sks, &n, NULL) == NA_OK && n == 1 &&
          strcmp(sks[0].pub, na_nkey_public(h.kosk)) == 0);
    na_signing_keys_free(sks, n);
    /* and natsauth manages it: a new user, an account edit signed with the operator
       signing key, bob stays revoked */
    begin(&x);
    CHECKF(na_user_add(&x, "APP", "dave", NULL, NULL, 0, &r, &err) == NA_OK, "%s", err.msg);
    {
        na_edit ed[] = {{NA_EDIT_SET_INT, "nats.limits.conn", NULL, 5}};
        CHECKF(na_account_edit(&x, "APP", ed, 1, &r, &err) == NA_OK, "%s", err.msg);
    }
    commit(&x);
    CHECK(na_store_account_get(x.store, "APP", &e, NULL) == NA_OK);
    CHECK_STREQ(e.signer, na_nkey_public(h.kosk));
    {
        na_claims *ac = NULL;
        CHECK(na_jwt_decode(&ac, e.jwt, strlen(e.jwt), NULL) == NA_OK);
        CHECK(ac && na_claims_is_revoked(ac, na_nkey_public(h.kbob), IAT));
        na_claims_destroy(ac);
    }
    na_entity_release(&e);
    na_store_close(x.store);
    handmade_free(&h);
}

/* An operator whose seed the store lacks is "managed" for nsc (created from
 * a JWT alone); seeds the store lacks are simply not written. */
TEST(export_of_an_operator_without_its_seed_is_managed)
{
    handmade h = {0};
    char db[512], root[512], p[1100];
    const char *pub;
    na_ctx x;
    na_nsc_stats st;
    na_err err = {0};
    make_handmade(&h);
    pub = na_nkey_public(h.kop);
    key_path(p, sizeof p, h.keys, pub);
    CHECK(unlink(p) == 0);
    new_path(db, sizeof db, "managed.db");
    new_path(root, sizeof root, "managed");
    x = open_ctx(db, NA_CONFLICT_STRICT);
    snprintf(p, sizeof p, "%s/OP", h.stores);
    CHECKF(do_import(&x, p, h.keys, NULL, NULL, &st, &err) == NA_OK, "%s", err.msg);
    CHECKF(do_export(&x, root, true, &st, &err) == NA_OK, "%s", err.msg);
    CHECK(st.seeds == 6 && st.creds == 2);
    snprintf(p, sizeof p, "%s/stores/OP/.nsc", root);
    CHECK(file_is(p, "{\"managed\":true,\"name\":\"OP\",\"kind\":\"operator\","
                     "\"version\":\"1\"}"));
    {
        char kd[600];
        snprintf(kd, sizeof kd, "%s/keys", root);
        key_path(p, sizeof p, kd, pub);
    }
    CHECK(!exists(p));
    na_store_close(x.store);
    handmade_free(&h);
}

TEST(import_finds_the_operator)
{
    handmade h = {0};
    char db[512], p[1100];
    na_ctx x;
    na_nsc_stats st;
    na_err err = {0};
    make_handmade(&h);
    new_path(db, sizeof db, "find.db");
    x = open_ctx(db, NA_CONFLICT_STRICT);
    /* a stores root holding one operator */
    CHECKF(do_import(&x, h.stores, h.keys, NULL, NULL, &st, &err) == NA_OK, "%s", err.msg);
    CHECK_STREQ(st.operator_name, "OP");
    na_store_close(x.store);
    unlink(db);
    /* two operators: one must be named */
    snprintf(p, sizeof p, "%s/OTHER/.nsc", h.stores);
    spit(p, "{\"managed\":false,\"name\":\"OTHER\",\"kind\":\"operator\",\"version\":\"1\"}");
    x = open_ctx(db, NA_CONFLICT_STRICT);
    CHECK(do_import(&x, h.stores, h.keys, NULL, NULL, &st, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "holds 2 nsc operators ('OP', 'OTHER')") != NULL);
    CHECKF(do_import(&x, h.stores, h.keys, "OP", NULL, &st, &err) == NA_OK, "%s", err.msg);
    na_store_close(x.store);
    unlink(db);
    x = open_ctx(db, NA_CONFLICT_STRICT);
    CHECK(do_import(&x, h.stores, h.keys, "NOPE", NULL, &st, &err) == NA_ENOTFOUND);
    snprintf(p, sizeof p, "%s/nothing", h.root);
    CHECK(do_import(&x, p, h.keys, NULL, NULL, &st, &err) == NA_ENOTFOUND);
    snprintf(p, sizeof p, "%s/OP", h.stores);
    snprintf(p + strlen(p), sizeof p - strlen(p), "/../../nokeys");
    {
        char op[700];
        snprintf(op, sizeof op, "%s/OP", h.stores);
        CHECK(do_import(&x, op, p, NULL, NULL, &st, &err) == NA_ENOTFOUND);
        CHECK(strstr(err.msg, "keys directory") != NULL);
    }
    na_store_close(x.store);
    handmade_free(&h);
}

/* A broken tree is refused and the store stays empty. */
static void refuse(handmade *h, const char *file, const char *content, na_status want,
                   const char *msg)
{
    char db[512], p[1100], *old;
    na_ctx x;
    na_err err = {0};
    int64_t n = -1;
    snprintf(p, sizeof p, "%s/%s", h->root, file);
    old = slurp(p);
    spit(p, content);
    new_path(db, sizeof db, "refuse.db");
    x = open_ctx(db, NA_CONFLICT_STRICT);
    snprintf(p, sizeof p, "%s/OP", h->stores);
    CHECKF(do_import(&x, p, h->keys, NULL, NULL, NULL, &err) == want, "%s: %s", file, err.msg);
    CHECKF(strstr(err.msg, msg) != NULL, "%s: %s", file, err.msg);
    CHECK(na_store_count(x.store, NA_ENT_OPERATOR, &n, NULL) == NA_OK && n == 0);
    CHECK(na_store_count(x.store, NA_ENT_USER, &n, NULL) == NA_OK && n == 0);
    {
        char *pubs = key_pubs(x.store);
        CHECKF(pubs[0] == '\0', "%s", pubs);
        free(pubs);
    }
    na_store_close(x.store);
    snprintf(p, sizeof p, "%s/%s", h->root, file);
    if (old)
        spit(p, old);
    else
        unlink(p);
    free(old);
}

TEST(import_refuses_broken_trees)
{
    handmade h = {0};
    char f[300], seed[NA_NKEY_SEED_LEN + 1], *tampered;
    const char *pub;
    make_handmade(&h);
    /* a seed filed under another key */
    pub = na_nkey_public(h.kalice);
    snprintf(f, sizeof f, "keys/keys/U/%.2s/%s.nk", pub + 1, pub);
    na_nkey_seed(h.kbob, seed, NULL);
    refuse(&h, f, seed, NA_EINVAL, "holds the seed of another key");
    refuse(&h, f, "garbage", NA_EPREFIX, f);
    /* a user filed under an account that did not issue it */
    refuse(&h, "stores/OP/accounts/SYS/users/alice.jwt", h.alice, NA_ECHAIN,
           "not by account 'SYS'");
    /* a tampered token names its file */
    tampered = strdup(h.app);
    {
        char *c = tampered + strlen(tampered) - 10;
        *c = *c == 'A' ? 'B' : 'A';
    }
    refuse(&h, "stores/OP/accounts/APP/APP.jwt", tampered, NA_ESIG, "APP.jwt");
    free(tampered);
    /* a JWT of the wrong type */
    refuse(&h, "stores/OP/accounts/APP/APP.jwt", h.op, NA_EINVAL, "holds operator claims");
    /* not an operator */
    refuse(&h, "stores/OP/.nsc", "{\"name\":\"OP\",\"kind\":\"account\"}", NA_EINVAL,
           "does not describe an operator");
    refuse(&h, "stores/OP/.nsc", "{", NA_EJSON, ".nsc");
    handmade_free(&h);
}

TEST(import_needs_a_transaction_and_arguments)
{
    char db[512];
    na_ctx x;
    na_err err = {0};
    na_nsc_import_opts io = {"/nonexistent", NULL, NULL, NULL, NULL};
    na_nsc_export_opts eo = {NULL, NULL, false, NULL, NULL};
    new_path(db, sizeof db, "args.db");
    x = open_ctx(db, NA_CONFLICT_STRICT);
    CHECK(na_nsc_import(&x, &io, NULL, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "transaction") != NULL);
    CHECK(na_nsc_import(NULL, &io, NULL, &err) == NA_EINVAL);
    CHECK(na_nsc_export(&x, &eo, NULL, &err) == NA_EINVAL);
    eo.stores_dir = "/nonexistent-natsauth-test";
    CHECK(na_nsc_export(&x, &eo, NULL, &err) == NA_ENOTFOUND); /* no operator */
    CHECK(!exists("/nonexistent-natsauth-test"));
    na_store_close(x.store);
}

int main(void)
{
    make_tmpdir();
    RUN(export_writes_nsc_layout);
    RUN(round_trip_gives_the_same_store);
    RUN(import_conflict_policies);
    RUN(export_refuses_and_leaves_nothing_behind);
    RUN(import_handmade_nsc_tree);
    RUN(export_of_an_operator_without_its_seed_is_managed);
    RUN(import_finds_the_operator);
    RUN(import_refuses_broken_trees);
    RUN(import_needs_a_transaction_and_arguments);
    sh("rm -rf '%s'", tmpdir);
    return DONE();
}
