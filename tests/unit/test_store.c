/*
 * test_store.c - the SQLite store on real files in a temporary directory:
 * file modes, reopen, transactions and rollback, the bounded busy wait,
 * keys, sealing seeds with a passphrase, schema versions, entities, tenants
 * and the audit log.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "natsauth/natsauth.h"
#include "natsauth/store.h"
#include "testlib.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/natsauth-store-XXXXXX", base && *base ? base : "/tmp");
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

/* A fresh store path under the temporary directory. */
static const char *store_path(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static na_store *open_new(const char *name)
{
    na_store *s = NULL;
    na_err err = {0};
    if (na_store_open(&s, store_path(name), true, &err) != NA_OK)
        fprintf(stderr, "open: %s\n", err.msg);
    return s;
}

/* Whole file contents (NULL if absent); *n its size. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long len;
    *n = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf && len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = len > 0 ? (size_t)len : 0;
    return buf;
}

static bool file_contains(const char *path, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    unsigned char *b = slurp(path, &n);
    bool found = false;
    for (size_t i = 0; b && n >= l && i <= n - l && !found; i++)
        found = memcmp(b + i, needle, l) == 0;
    free(b);
    return found;
}

/* The database file or its WAL contains needle. */
static bool store_contains(const char *path, const char *needle)
{
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    return file_contains(path, needle) || file_contains(wal, needle);
}

static na_entity account(const char *name, const char *pub, const char *jwt)
{
    na_entity e = {0};
    e.kind = NA_ENT_ACCOUNT;
    e.name = (char *)name;
    e.pub = (char *)pub;
    e.signer = (char *)"OSIGNER";
    e.claims_json = (char *)"{}";
    e.jwt = (char *)jwt;
    e.updated_at = 1700000000;
    return e;
}

TEST(open_creates_private_file_and_directory)
{
    char dir[400], path[450], wal[460];
    struct stat sb;
    na_store *s = NULL;
    na_err err = {0};
    na_entity a = account("A", "APUB1", "jwt1");
    snprintf(dir, sizeof dir, "%s/nested/deeper", tmpdir);
    snprintf(path, sizeof path, "%s/store.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    CHECK(na_store_open(&s, path, false, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "does not exist") != NULL && strstr(err.msg, path) != NULL);
    CHECK(s == NULL);
    CHECK(na_store_open(&s, path, true, &err) == NA_OK);
    CHECK(s && strcmp(na_store_path(s), path) == 0);
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700);
    snprintf(dir, sizeof dir, "%s/nested", tmpdir);
    CHECK(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700);
    /* the WAL written by a transaction is private too */
    CHECK(na_store_begin(s, "test", &err) == NA_OK);
    CHECK(na_store_account_put(s, &a, &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(stat(wal, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    na_store_close(s);
    /* a directory is not a store */
    CHECK(na_store_open(&s, dir, true, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "not a regular file") != NULL);
}

TEST(reopen_keeps_committed_data)
{
    na_store *s = open_new("reopen.db");
    na_entity a = account("acme", "APUB1", "jwt-acme"), got = {0};
    na_err err = {0};
    CHECK(s != NULL);
    CHECK(na_store_begin(s, "account add", &err) == NA_OK);
    CHECK(na_store_account_put(s, &a, &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    na_store_close(s);
    s = NULL;
    CHECK(na_store_open(&s, store_path("reopen.db"), false, &err) == NA_OK);
    CHECK(na_store_account_get(s, "acme", &got, &err) == NA_OK);
    CHECK_STREQ(got.pub, "APUB1");
    CHECK_STREQ(got.jwt, "jwt-acme");
    CHECK(!got.deleted && !got.is_system && got.updated_at == 1700000000);
    na_entity_release(&got);
    /* by public key too */
    CHECK(na_store_account_get(s, "APUB1", &got, &err) == NA_OK);
    CHECK_STREQ(got.name, "acme");
    na_entity_release(&got);
    na_store_close(s);
}

TEST(rollback_discards_and_writes_need_a_transaction)
{
    na_store *s = open_new("rollback.db");
    na_entity a = account("temp", "APUBT", "jwt"), got = {0};
    na_err err = {0};
    int64_t n = -1;
    CHECK(na_store_account_put(s, &a, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "transaction") != NULL);
    CHECK(na_store_commit(s, &err) == NA_EINVAL);
    na_store_rollback(s); /* no transaction: harmless */
    CHECK(!na_store_in_transaction(s));
    CHECK(na_store_begin(s, "account add", &err) == NA_OK);
    CHECK(na_store_in_transaction(s));
    CHECK(na_store_begin(s, "again", &err) == NA_EINVAL);
    CHECK(na_store_account_put(s, &a, &err) == NA_OK);
    CHECK(na_store_account_get(s, "temp", &got, &err) == NA_OK);
    na_entity_release(&got);
    na_store_rollback(s);
    CHECK(!na_store_in_transaction(s));
    CHECK(na_store_account_get(s, "temp", &got, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "account 'temp' not found in store '") != NULL);
    CHECK(na_store_count(s, NA_ENT_ACCOUNT, &n, &err) == NA_OK && n == 0);
    /* closing with an open transaction rolls it back */
    CHECK(na_store_begin(s, "account add", &err) == NA_OK);
    CHECK(na_store_account_put(s, &a, &err) == NA_OK);
    na_store_close(s);
    s = NULL;
    CHECK(na_store_open(&s, store_path("rollback.db"), false, &err) == NA_OK);
    CHECK(na_store_account_get(s, "temp", &got, &err) == NA_ENOTFOUND);
    na_store_close(s);
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST(busy_store_fails_after_bounded_wait)
{
    na_store *s = open_new("busy.db");
    sqlite3 *other = NULL;
    na_err err = {0};
    int64_t t0, dt;
    CHECK(s != NULL);
    CHECK(sqlite3_open(store_path("busy.db"), &other) == SQLITE_OK);
    CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    na_store_set_busy_timeout(s, 200);
    t0 = ms_now();
    CHECK(na_store_begin(s, "user add", &err) == NA_EBUSY);
    dt = ms_now() - t0;
    CHECKF(dt >= 150 && dt < 3000, "waited %lld ms", (long long)dt);
    CHECK(strstr(err.msg, "another natsauth command holds the store") != NULL);
    CHECK(strstr(err.msg, store_path("busy.db")) != NULL);
    CHECK(!na_store_in_transaction(s));
    /* once the other writer is done, begin works */
    CHECK(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(na_store_begin(s, "user add", &err) == NA_OK);
    na_store_rollback(s);
    sqlite3_close(other);
    na_store_close(s);
}

/* Processes creating the same new store at once all succeed (WAL switch and
 * schema migration happen once; the others wait and see them done). */
TEST(concurrent_first_open)
{
    int failed = 0;
    for (int round = 0; round < 5; round++) {
        char name[32];
        snprintf(name, sizeof name, "race-%d.db", round);
        for (int i = 0; i < 6; i++) {
            pid_t pid = fork();
            if (pid == 0) {
                na_store *s = NULL;
                na_err err = {0};
                na_status rc = na_store_open(&s, store_path(name), true, &err);
                if (rc != NA_OK)
                    fprintf(stderr, "child: %s\n", err.msg);
                na_store_close(s);
                _exit(rc == NA_OK ? 0 : 1);
            }
            if (pid < 0)
                failed++;
        }
        for (int st = 0; wait(&st) > 0;)
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                failed++;
    }
    CHECK(failed == 0);
}

TEST(keys_round_trip)
{
    na_store *s = open_new("keys.db");
    na_nkey *k = NULL, *back = NULL;
    char seed1[NA_NKEY_SEED_LEN + 1], seed2[NA_NKEY_SEED_LEN + 1];
    na_err err = {0};
    CHECK(na_nkey_create(&k, NA_NKEY_USER, NULL) == NA_OK);
    CHECK(na_store_key_put(s, k, &err) == NA_EINVAL); /* needs a transaction */
    CHECK(na_store_begin(s, "keys", &err) == NA_OK);
    CHECK(na_store_key_put(s, k, &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(na_store_key_get(s, na_nkey_public(k), &back, &err) == NA_OK);
    CHECK(back && strcmp(na_nkey_public(back), na_nkey_public(k)) == 0);
    CHECK(back && na_nkey_seed(k, seed1, NULL) == NA_OK && na_nkey_seed(back, seed2, NULL) == NA_OK &&
          strcmp(seed1, seed2) == 0);
    na_nkey_destroy(back);
    back = NULL;
    CHECK(na_store_key_get(s, "UNKNOWN", &back, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "no seed for key 'UNKNOWN'") != NULL);
    CHECK(strstr(err.msg, seed1) == NULL);
    CHECK(na_store_begin(s, "keys", &err) == NA_OK);
    CHECK(na_store_key_delete(s, na_nkey_public(k), &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(na_store_key_get(s, na_nkey_public(k), &back, &err) == NA_ENOTFOUND);
    na_wipe(seed1, sizeof seed1);
    na_wipe(seed2, sizeof seed2);
    na_nkey_destroy(k);
    na_store_close(s);
}

TEST(passphrase_seals_seeds_at_rest)
{
    const char *path = store_path("sealed.db");
    na_store *s = open_new("sealed.db");
    na_nkey *k1 = NULL, *k2 = NULL, *back = NULL;
    char seed1[NA_NKEY_SEED_LEN + 1], seed2[NA_NKEY_SEED_LEN + 1];
    na_err err = {0};
    CHECK(na_nkey_create(&k1, NA_NKEY_ACCOUNT, NULL) == NA_OK);
    CHECK(na_nkey_create(&k2, NA_NKEY_USER, NULL) == NA_OK);
    CHECK(na_nkey_seed(k1, seed1, NULL) == NA_OK);
    CHECK(na_nkey_seed(k2, seed2, NULL) == NA_OK);
    CHECK(!na_store_is_sealed(s));
    CHECK(na_store_begin(s, "keys", &err) == NA_OK);
    CHECK(na_store_key_put(s, k1, &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(store_contains(path, seed1)); /* unsealed: the file mode protects it */
    CHECK(na_store_set_passphrase(s, "", &err) == NA_EINVAL);
    CHECK(na_store_set_passphrase(s, "correct horse", &err) == NA_OK);
    CHECK(na_store_is_sealed(s));
    CHECK(!store_contains(path, seed1));
    /* a key written while sealed is sealed too */
    CHECK(na_store_begin(s, "keys", &err) == NA_OK);
    CHECK(na_store_key_put(s, k2, &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(na_store_key_get(s, na_nkey_public(k1), &back, &err) == NA_OK);
    na_nkey_destroy(back);
    back = NULL;
    na_store_close(s);
    CHECK(!store_contains(path, seed1));
    CHECK(!store_contains(path, seed2));

    s = NULL;
    CHECK(na_store_open(&s, path, false, &err) == NA_OK);
    CHECK(na_store_is_sealed(s));
    CHECK(na_store_key_get(s, na_nkey_public(k1), &back, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "sealed") != NULL);
    CHECK(na_store_unlock(s, NULL, &err) == NA_EINVAL);
    CHECK(na_store_unlock(s, "wrong horse", &err) == NA_EDECRYPT);
    CHECK(strstr(err.msg, "wrong passphrase") != NULL);
    CHECK(na_store_set_passphrase(s, "new", &err) == NA_EINVAL); /* locked */
    CHECK(na_store_unlock(s, "correct horse", &err) == NA_OK);
    CHECK(na_store_key_get(s, na_nkey_public(k2), &back, &err) == NA_OK);
    CHECK(back && strcmp(na_nkey_public(back), na_nkey_public(k2)) == 0);
    na_nkey_destroy(back);
    back = NULL;
    /* unseal */
    CHECK(na_store_set_passphrase(s, NULL, &err) == NA_OK);
    CHECK(!na_store_is_sealed(s));
    na_store_close(s);
    s = NULL;
    CHECK(na_store_open(&s, path, false, &err) == NA_OK);
    CHECK(!na_store_is_sealed(s));
    CHECK(na_store_key_get(s, na_nkey_public(k1), &back, &err) == NA_OK);
    na_nkey_destroy(back);
    CHECK(store_contains(path, seed1));
    na_store_close(s);
    na_wipe(seed1, sizeof seed1);
    na_wipe(seed2, sizeof seed2);
    na_nkey_destroy(k1);
    na_nkey_destroy(k2);
}

TEST(newer_schema_is_refused)
{
    const char *path = store_path("future.db");
    na_store *s = open_new("future.db");
    sqlite3 *db = NULL;
    na_err err = {0};
    na_store_close(s);
    s = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(na_store_open(&s, path, false, &err) == NA_EINVAL);
    CHECK(s == NULL);
    CHECK(strstr(err.msg, "schema version 99, newer than this natsauth") != NULL);
}

TEST(users_signing_keys_and_cascade)
{
    na_store *s = open_new("entities.db");
    na_entity a = account("acme", "APUB1", "jwt-a"), u = {0}, got = {0}, *list = NULL;
    na_signing_key *sks = NULL;
    na_nkey *uk = NULL, *back = NULL;
    size_t n = 0;
    int64_t cnt = 0;
    na_err err = {0};
    CHECK(na_nkey_create(&uk, NA_NKEY_USER, NULL) == NA_OK);
    u.kind = NA_ENT_USER;
    u.name = (char *)"alice";
    u.pub = (char *)na_nkey_public(uk);
    u.account = (char *)"acme";
    u.signer = (char *)"APUB1";
    u.claims_json = (char *)"{}";
    u.jwt = (char *)"jwt-u";
    CHECK(na_store_begin(s, "setup", &err) == NA_OK);
    /* a user of a missing account */
    u.account = (char *)"nope";
    CHECK(na_store_user_put(s, &u, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "account 'nope' not found") != NULL);
    u.account = (char *)"acme";
    CHECK(na_store_account_put(s, &a, &err) == NA_OK);
    CHECK(na_store_user_put(s, &u, &err) == NA_OK);
    CHECK(na_store_key_put(s, uk, &err) == NA_OK);
    CHECK(na_store_sk_put(s, "acme", "ASK1", "dev", true, &err) == NA_OK);
    CHECK(na_store_sk_put(s, "acme", "ASK2", NULL, false, &err) == NA_OK);
    CHECK(na_store_sk_put(s, "operator", "OSK1", NULL, false, &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);

    CHECK(na_store_user_get(s, "acme", "alice", &got, &err) == NA_OK);
    CHECK_STREQ(got.account, "acme");
    CHECK_STREQ(got.jwt, "jwt-u");
    na_entity_release(&got);
    CHECK(na_store_user_get(s, "APUB1", na_nkey_public(uk), &got, &err) == NA_OK);
    na_entity_release(&got);
    CHECK(na_store_user_get(s, "acme", "bob", &got, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "user 'bob' not found in account 'acme'") != NULL);
    CHECK(na_store_user_list(s, "acme", &list, &n, &err) == NA_OK && n == 1);
    na_entities_free(list, n);
    CHECK(na_store_count(s, NA_ENT_USER, &cnt, &err) == NA_OK && cnt == 1);
    CHECK(na_store_sk_list(s, "acme", &sks, &n, &err) == NA_OK && n == 2);
    CHECK(n == 2 && strcmp(sks[0].pub, "ASK1") == 0 && sks[0].scoped &&
          strcmp(sks[0].role, "dev") == 0 && !sks[1].scoped && sks[1].role == NULL);
    na_signing_keys_free(sks, n);
    CHECK(na_store_sk_list(s, NULL, &sks, &n, &err) == NA_OK && n == 3);
    na_signing_keys_free(sks, n);

    /* a duplicate user name in the account is a conflict */
    {
        na_entity dup = u;
        dup.pub = (char *)"UOTHER";
        CHECK(na_store_begin(s, "dup", &err) == NA_OK);
        CHECK(na_store_user_put(s, &dup, &err) == NA_EEXIST);
        na_store_rollback(s);
    }

    /* deleting the account takes its users, their seeds and its signing keys */
    CHECK(na_store_begin(s, "account delete", &err) == NA_OK);
    CHECK(na_store_account_delete(s, "acme", &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(na_store_user_get(s, "acme", "alice", &got, &err) == NA_ENOTFOUND);
    CHECK(na_store_key_get(s, na_nkey_public(uk), &back, &err) == NA_ENOTFOUND);
    CHECK(na_store_sk_list(s, "acme", &sks, &n, &err) == NA_OK && n == 0);
    na_signing_keys_free(sks, n);
    CHECK(na_store_sk_list(s, "operator", &sks, &n, &err) == NA_OK && n == 1);
    na_signing_keys_free(sks, n);
    na_nkey_destroy(uk);
    na_store_close(s);
}

TEST(deleted_accounts_are_listed_on_request)
{
    na_store *s = open_new("deleted.db");
    na_entity a = account("b", "APUB2", "j2"), c = account("a", "APUB1", "j1"), *list = NULL;
    size_t n = 0;
    int64_t cnt = 0;
    na_err err = {0};
    a.deleted = true;
    CHECK(na_store_begin(s, "setup", &err) == NA_OK);
    CHECK(na_store_account_put(s, &a, &err) == NA_OK);
    CHECK(na_store_account_put(s, &c, &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(na_store_account_list(s, false, &list, &n, &err) == NA_OK && n == 1);
    CHECK(n == 1 && strcmp(list[0].name, "a") == 0);
    na_entities_free(list, n);
    CHECK(na_store_account_list(s, true, &list, &n, &err) == NA_OK && n == 2);
    CHECK(n == 2 && strcmp(list[0].name, "a") == 0 && list[1].deleted);
    na_entities_free(list, n);
    CHECK(na_store_count(s, NA_ENT_ACCOUNT, &cnt, &err) == NA_OK && cnt == 1);
    na_store_close(s);
}

TEST(tenants_apps_members)
{
    na_store *s = open_new("tenants.db");
    char *acct = NULL, *user = NULL, **orgs = NULL;
    size_t n = 0;
    bool flag = false;
    na_err err = {0};
    CHECK(na_store_begin(s, "tenant", &err) == NA_OK);
    CHECK(na_store_app_put(s, "ghost", "web", "web", false, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "organisation 'ghost' not found") != NULL);
    CHECK(na_store_tenant_put(s, "acme", "acme", &err) == NA_OK);
    CHECK(na_store_tenant_put(s, "beta", "beta-acct", &err) == NA_OK);
    CHECK(na_store_app_put(s, "acme", "web", "web-user", true, &err) == NA_OK);
    CHECK(na_store_app_put(s, "acme", "api", "api", false, &err) == NA_OK);
    CHECK(na_store_member_put(s, "acme", "a@x.io", true, &err) == NA_OK);
    CHECK(na_store_member_put(s, "acme", "b@x.io", false, &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);

    CHECK(na_store_tenant_account(s, "beta", &acct, &err) == NA_OK);
    CHECK_STREQ(acct, "beta-acct");
    free(acct);
    CHECK(na_store_tenant_account(s, "nope", &acct, &err) == NA_ENOTFOUND && acct == NULL);
    CHECK(na_store_tenant_list(s, &orgs, &n, &err) == NA_OK && n == 2);
    CHECK(n == 2 && strcmp(orgs[0], "acme") == 0 && strcmp(orgs[1], "beta") == 0);
    na_strings_free(orgs, n);
    CHECK(na_store_app_get(s, "acme", "web", &user, &flag, &err) == NA_OK);
    CHECK_STREQ(user, "web-user");
    CHECK(flag);
    free(user);
    CHECK(na_store_app_get(s, "acme", "none", &user, &flag, &err) == NA_ENOTFOUND);
    CHECK(strstr(err.msg, "app 'none' not found in organisation 'acme'") != NULL);
    CHECK(na_store_app_list(s, "acme", &orgs, &n, &err) == NA_OK && n == 2);
    CHECK(n == 2 && strcmp(orgs[0], "api") == 0);
    na_strings_free(orgs, n);
    CHECK(na_store_member_get(s, "acme", "a@x.io", &flag, &err) == NA_OK && flag);
    CHECK(na_store_member_get(s, "acme", "b@x.io", &flag, &err) == NA_OK && !flag);
    CHECK(na_store_member_get(s, "beta", "a@x.io", &flag, &err) == NA_ENOTFOUND);
    CHECK(na_store_member_list(s, "acme", &orgs, &n, &err) == NA_OK && n == 2);
    na_strings_free(orgs, n);

    CHECK(na_store_begin(s, "tenant rm", &err) == NA_OK);
    CHECK(na_store_app_delete(s, "acme", "api", &err) == NA_OK);
    CHECK(na_store_member_delete(s, "acme", "b@x.io", &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(na_store_app_get(s, "acme", "api", NULL, NULL, &err) == NA_ENOTFOUND);
    CHECK(na_store_member_get(s, "acme", "b@x.io", NULL, &err) == NA_ENOTFOUND);
    /* deleting the tenant takes its apps and members */
    CHECK(na_store_begin(s, "tenant rm", &err) == NA_OK);
    CHECK(na_store_tenant_delete(s, "acme", &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    CHECK(na_store_app_list(s, "acme", &orgs, &n, &err) == NA_OK && n == 0);
    na_strings_free(orgs, n);
    CHECK(na_store_member_get(s, "acme", "a@x.io", NULL, &err) == NA_ENOTFOUND);
    na_store_close(s);
}

static int audit_row(void *arg, int ncol, char **v, char **names)
{
    char *out = arg;
    (void)names;
    if (ncol == 3)
        snprintf(out + strlen(out), 512 - strlen(out), "%s|%s|%s\n", v[0], v[1], v[2]);
    return 0;
}

TEST(audit_log_records_command_and_entity)
{
    na_store *s = open_new("audit.db");
    sqlite3 *db = NULL;
    char rows[512] = "";
    na_err err = {0};
    CHECK(na_store_audit(s, 1, "x", &err) == NA_EINVAL);
    CHECK(na_store_begin(s, "account add", &err) == NA_OK);
    CHECK(na_store_audit(s, 1700000001, "account ACME (APUB)", &err) == NA_OK);
    CHECK(na_store_commit(s, &err) == NA_OK);
    na_store_close(s);
    CHECK(sqlite3_open(store_path("audit.db"), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "SELECT at, command, entity FROM audit", audit_row, rows, NULL) ==
          SQLITE_OK);
    CHECK_STREQ(rows, "1700000001|account add|account ACME (APUB)\n");
    sqlite3_close(db);
}

TEST(default_path_order)
{
    char out[512];
    na_err err = {0};
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("NATSAUTH_STORE", "/env/store.db", 1);
    CHECK(na_store_default_path(out, sizeof out, "/explicit.db", &err) == NA_OK);
    CHECK_STREQ(out, "/explicit.db");
    CHECK(na_store_default_path(out, sizeof out, NULL, &err) == NA_OK);
    CHECK_STREQ(out, "/env/store.db");
    unsetenv("NATSAUTH_STORE");
    setenv("XDG_DATA_HOME", "/xdg", 1);
    CHECK(na_store_default_path(out, sizeof out, NULL, &err) == NA_OK);
    CHECK_STREQ(out, "/xdg/natsauth/store.db");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/u", 1);
    CHECK(na_store_default_path(out, sizeof out, "", &err) == NA_OK);
    CHECK_STREQ(out, "/home/u/.local/share/natsauth/store.db");
    CHECK(na_store_default_path(out, 8, NULL, &err) == NA_EINVAL);
    unsetenv("HOME");
    CHECK(na_store_default_path(out, sizeof out, NULL, &err) == NA_EINVAL);
    if (home) {
        setenv("HOME", home, 1);
        free(home);
    }
}

int main(void)
{
    make_tmpdir();
    RUN(open_creates_private_file_and_directory);
    RUN(reopen_keeps_committed_data);
    RUN(rollback_discards_and_writes_need_a_transaction);
    RUN(busy_store_fails_after_bounded_wait);
    RUN(concurrent_first_open);
    RUN(keys_round_trip);
    RUN(passphrase_seals_seeds_at_rest);
    RUN(newer_schema_is_refused);
    RUN(users_signing_keys_and_cascade);
    RUN(deleted_accounts_are_listed_on_request);
    RUN(tenants_apps_members);
    RUN(audit_log_records_command_and_entity);
    RUN(default_path_order);
    rm_rf(tmpdir);
    return DONE();
}
