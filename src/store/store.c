/*
 * store.c - the SQLite account store.
 *
 * Invariants: the file is created 0600 (its directory 0700); the connection
 * runs with WAL, foreign keys on, secure_delete (freed pages are zeroed, so
 * a deleted or re-sealed seed leaves no copy) and a busy timeout of
 * NA_STORE_BUSY_MS;
 * writes happen only between na_store_begin (BEGIN IMMEDIATE) and
 * na_store_commit, so a failure or a kill leaves the last committed state.
 *
 * Durability: WAL with synchronous=NORMAL. A commit appends to the WAL
 * without an fsync; the WAL is fsynced before each checkpoint and the
 * database file after it. A killed process loses nothing it committed; a
 * power loss or OS crash may lose the last transactions committed before it
 * (those not yet checkpointed), but never corrupts the store (standard
 * SQLite WAL guarantees). The window is short: SQLite checkpoints when the
 * WAL passes 1000 pages, and the last connection to close (so every CLI
 * command, unless another one has the store open) checkpoints the whole WAL
 * into the database file, fsynced, and truncates the WAL to zero bytes:
 * after such a close the store file alone holds everything committed. The
 * WAL and -shm files are kept between commands (PERSIST_WAL) rather than
 * created and deleted by every process, which saves a file create, an
 * unlink and a directory update per command. A write command costs three
 * fdatasyncs (WAL header, WAL before the checkpoint, database after it)
 * plus one of the directory.
 * Seeds are never logged and never part of an error message; a sealed
 * store's key lives in sodium_malloc memory and is wiped on close.
 * SQLite result codes become na_status here (sub-code kept in err->sub).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "natsauth/store.h"
#include "store_internal.h"

struct na_store {
    sqlite3 *db;
    char *path;
    char *command;        /* of the open transaction, for the audit log */
    bool in_tx;
    bool sealed;          /* seeds are sealed at rest */
    unsigned char *key;   /* secretbox key once unlocked (sodium_malloc) */
};

char *na_store_dupstr(const char *s)
{
    size_t n;
    char *p;
    if (!s)
        return NULL;
    n = strlen(s);
    p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

static na_status db_fail(na_store *s, na_err *err, const char *what)
{
    int rc = sqlite3_extended_errcode(s->db);
    na_status code = NA_EIO;
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        code = NA_EBUSY;
    else if ((rc & 0xff) == SQLITE_CONSTRAINT)
        code = NA_EEXIST;
    else if ((rc & 0xff) == SQLITE_NOMEM)
        code = NA_ENOMEM;
    na_fail(err, code, "%s in store '%s': %s%s", what, s->path, sqlite3_errmsg(s->db),
            code == NA_EBUSY ? " (another natsauth command holds the store; try again)" : "");
    if (err)
        err->sub = rc;
    return code;
}

static const char *const migrations[] = {
    /* version 1 */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE keys(pub TEXT PRIMARY KEY, kind TEXT NOT NULL, seed BLOB NOT NULL,"
    "  sealed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE operator(id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL,"
    "  pub TEXT NOT NULL, signer TEXT, claims TEXT NOT NULL, jwt TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  pub TEXT NOT NULL UNIQUE, signer TEXT, claims TEXT NOT NULL, jwt TEXT NOT NULL,"
    "  is_system INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE users(id INTEGER PRIMARY KEY,"
    "  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, pub TEXT NOT NULL UNIQUE, signer TEXT, claims TEXT NOT NULL,"
    "  jwt TEXT NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(account_id, name));"
    "CREATE TABLE signing_keys(pub TEXT PRIMARY KEY, owner TEXT NOT NULL, role TEXT,"
    "  scoped INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE tenants(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  account TEXT NOT NULL);"
    "CREATE TABLE tenant_apps(tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, user TEXT NOT NULL, robot INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(tenant_id, name));"
    "CREATE TABLE tenant_members(tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  email TEXT NOT NULL, owner INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(tenant_id, email));"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, command TEXT NOT NULL,"
    "  entity TEXT NOT NULL);"
    "CREATE INDEX users_by_account ON users(account_id, name);",
    /* version 2: app tokens (`tenant app token`): only a SHA-256 of each
     * token is kept; deleting the app (or its organisation) deletes them */
    "CREATE TABLE IF NOT EXISTS app_tokens(id TEXT PRIMARY KEY, hash BLOB NOT NULL UNIQUE,"
    "  tenant_id INTEGER NOT NULL, app TEXT NOT NULL, created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL DEFAULT 0,"
    "  FOREIGN KEY(tenant_id, app) REFERENCES tenant_apps(tenant_id, name) ON DELETE CASCADE);"
    "CREATE INDEX IF NOT EXISTS app_tokens_by_app ON app_tokens(tenant_id, app);",
};

static na_status exec(na_store *s, const char *sql, const char *what, na_err *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(s, err, what);
    return NA_OK;
}

static na_status migrate(na_store *s, na_err *err)
{
    sqlite3_stmt *st = NULL;
    int version = 0;
    na_status rc;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "cannot read schema version");
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > NA_STORE_SCHEMA_VERSION)
        return na_fail(err, NA_EINVAL,
                       "store '%s' has schema version %d, newer than this natsauth (%d)",
                       s->path, version, NA_STORE_SCHEMA_VERSION);
    if (version == NA_STORE_SCHEMA_VERSION)
        return NA_OK;
    if ((rc = exec(s, "BEGIN IMMEDIATE", "cannot lock for migration", err)) != NA_OK)
        return rc;
    /* another process may have migrated while we waited for the lock */
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(s, err, "cannot read schema version");
        goto fail;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > NA_STORE_SCHEMA_VERSION) {
        rc = na_fail(err, NA_EINVAL,
                     "store '%s' has schema version %d, newer than this natsauth (%d)", s->path,
                     version, NA_STORE_SCHEMA_VERSION);
        goto fail;
    }
    for (int v = version; v < NA_STORE_SCHEMA_VERSION; v++) {
        char sql[64];
        if ((rc = exec(s, migrations[v], "cannot migrate schema", err)) != NA_OK)
            goto fail;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = exec(s, sql, "cannot set schema version", err)) != NA_OK)
            goto fail;
    }
    return exec(s, "COMMIT", "cannot commit migration", err);
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

na_status na_store_default_path(char *out, size_t cap, const char *explicit_path, na_err *err)
{
    const char *env = getenv("NATSAUTH_STORE"), *xdg = getenv("XDG_DATA_HOME"),
               *home = getenv("HOME");
    int n;
    if (explicit_path && *explicit_path)
        n = snprintf(out, cap, "%s", explicit_path);
    else if (env && *env)
        n = snprintf(out, cap, "%s", env);
    else if (xdg && *xdg)
        n = snprintf(out, cap, "%s/natsauth/store.db", xdg);
    else if (home && *home)
        n = snprintf(out, cap, "%s/.local/share/natsauth/store.db", home);
    else
        return na_fail(err, NA_EINVAL, "no store path: use --store, NATSAUTH_STORE or HOME");
    if (n < 0 || (size_t)n >= cap)
        return na_fail(err, NA_EINVAL, "store path is too long");
    return NA_OK;
}

/* mkdir -p for the parent directory, 0700 for directories we create. */
static na_status make_parent(const char *path, na_err *err)
{
    char *dir = na_store_dupstr(path), *p;
    if (!dir)
        return na_fail(err, NA_ENOMEM, "out of memory");
    p = strrchr(dir, '/');
    if (p && p != dir) {
        *p = '\0';
        for (char *q = dir + 1; *q; q++) {
            if (*q != '/')
                continue;
            *q = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                na_fail(err, NA_EIO, "cannot create directory '%s': %s", dir, strerror(errno));
                free(dir);
                return NA_EIO;
            }
            *q = '/';
        }
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            na_fail(err, NA_EIO, "cannot create directory '%s': %s", dir, strerror(errno));
            free(dir);
            return NA_EIO;
        }
    }
    free(dir);
    return NA_OK;
}

/* Switching a new file to WAL needs an exclusive lock and SQLite does not
 * call the busy handler for it: processes opening a new store at the same
 * moment retry here within the usual bounded wait. */
static na_status enable_wal(na_store *s, na_err *err)
{
    for (int waited = 0;; waited += 10) {
        na_status rc = exec(s, "PRAGMA journal_mode=WAL", "cannot enable WAL", err);
        if (rc != NA_EBUSY || waited >= NA_STORE_BUSY_MS)
            return rc;
        usleep(10 * 1000);
    }
}

na_status na_store_open(na_store **out, const char *path, bool create, na_err *err)
{
    na_store *s;
    struct stat sb;
    na_status rc;
    int fd;
    if (!out || !path || !*path)
        return na_fail(err, NA_EINVAL, "store path is empty");
    *out = NULL;
    if (sodium_init() < 0)
        return na_fail(err, NA_ENOMEM, "libsodium failed to initialise");
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return na_fail(err, NA_EIO, "cannot open store '%s': %s", path, strerror(errno));
        if (!create)
            return na_fail(err, NA_ENOTFOUND,
                           "store '%s' does not exist (run 'natsauth init' first)", path);
        if ((rc = make_parent(path, err)) != NA_OK)
            return rc;
        /* create it 0600 ourselves so SQLite never makes it world-readable */
        fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return na_fail(err, NA_EIO, "cannot create store '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
    } else if (!S_ISREG(sb.st_mode)) {
        return na_fail(err, NA_EINVAL, "store '%s' is not a regular file", path);
    }
    s = calloc(1, sizeof *s);
    if (!s)
        return na_fail(err, NA_ENOMEM, "out of memory");
    s->path = na_store_dupstr(path);
    if (!s->path) {
        free(s);
        return na_fail(err, NA_ENOMEM, "out of memory");
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        rc = na_fail(err, NA_EIO, "cannot open store '%s': %s", path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
        na_store_close(s);
        return rc;
    }
    sqlite3_busy_timeout(s->db, NA_STORE_BUSY_MS);
    {
        /* keep the -wal and -shm files when the last connection closes
         * (see Durability above); with journal_size_limit set, SQLite
         * truncates the WAL to zero bytes after that connection's
         * checkpoint instead of deleting it: no stale frames (old copies of
         * seeds) stay in it, and the next process does not re-read frames
         * that were already checkpointed */
        int persist = 1;
        sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    }
    /* WAL files inherit the database's mode (SQLite copies it), so they stay 0600 too */
    if ((rc = enable_wal(s, err)) != NA_OK ||
        (rc = exec(s, "PRAGMA journal_size_limit=0", "cannot set journal_size_limit", err)) !=
            NA_OK ||
        (rc = exec(s, "PRAGMA foreign_keys=ON", "cannot enable foreign keys", err)) != NA_OK ||
        /* see Durability above */
        (rc = exec(s, "PRAGMA synchronous=NORMAL", "cannot set synchronous", err)) != NA_OK ||
        /* freed pages are zeroed: a deleted or re-sealed seed leaves no copy in the file */
        (rc = exec(s, "PRAGMA secure_delete=ON", "cannot set secure_delete", err)) != NA_OK ||
        /* 32 MiB of page cache: bulk transactions (thousands of users) do not spill */
        (rc = exec(s, "PRAGMA cache_size=-32768", "cannot set cache_size", err)) != NA_OK ||
        (rc = migrate(s, err)) != NA_OK) {
        na_store_close(s);
        return rc;
    }
    {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM meta WHERE key='kdf'", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            s->sealed = true;
        sqlite3_finalize(st);
    }
    *out = s;
    return NA_OK;
}

void na_store_close(na_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        na_store_rollback(s);
    if (s->db)
        sqlite3_close_v2(s->db);
    if (s->key)
        sodium_free(s->key);
    free(s->command);
    free(s->path);
    free(s);
}

const char *na_store_path(const na_store *s) { return s->path; }

void na_store_set_busy_timeout(na_store *s, int ms)
{
    sqlite3_busy_timeout(s->db, ms < 0 ? 0 : ms);
}

bool na_store_in_transaction(const na_store *s) { return s->in_tx; }

/* ---- transactions ---- */

na_status na_store_begin(na_store *s, const char *command, na_err *err)
{
    na_status rc;
    if (s->in_tx)
        return na_fail(err, NA_EINVAL, "a transaction is already open on store '%s'", s->path);
    if ((rc = exec(s, "BEGIN IMMEDIATE", "cannot lock", err)) != NA_OK)
        return rc;
    free(s->command);
    s->command = na_store_dupstr(command ? command : "");
    s->in_tx = true;
    return NA_OK;
}

na_status na_store_commit(na_store *s, na_err *err)
{
    na_status rc;
    if (!s->in_tx)
        return na_fail(err, NA_EINVAL, "no transaction is open");
    rc = exec(s, "COMMIT", "cannot commit", err);
    if (rc != NA_OK) {
        na_store_rollback(s);
        return rc;
    }
    s->in_tx = false;
    return NA_OK;
}

void na_store_rollback(na_store *s)
{
    if (s && s->in_tx) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_tx = false;
    }
}

/* ---- a small statement helper ---- */

typedef struct q {
    na_store *s;
    sqlite3_stmt *st;
} q;

static na_status q_prep(q *x, na_store *s, const char *sql, na_err *err)
{
    x->s = s;
    x->st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &x->st, NULL) != SQLITE_OK)
        return db_fail(s, err, "cannot prepare a query");
    return NA_OK;
}

static void q_text(q *x, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(x->st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(x->st, i);
}

static void q_int(q *x, int i, int64_t v) { sqlite3_bind_int64(x->st, i, v); }

/* Step a statement that returns no rows. */
static na_status q_run(q *x, const char *what, na_err *err)
{
    int rc = sqlite3_step(x->st);
    na_status st = NA_OK;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        st = db_fail(x->s, err, what);
    sqlite3_finalize(x->st);
    x->st = NULL;
    return st;
}

static char *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? na_store_dupstr((const char *)t) : NULL;
}

static na_status need_tx(na_store *s, na_err *err)
{
    if (!s->in_tx)
        return na_fail(err, NA_EINVAL, "store writes need a transaction (na_store_begin)");
    return NA_OK;
}

na_status na_store_audit(na_store *s, int64_t now, const char *entity, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s, "INSERT INTO audit(at, command, entity) VALUES(?,?,?)", err);
    if (rc != NA_OK)
        return rc;
    q_int(&x, 1, now);
    q_text(&x, 2, s->command ? s->command : "");
    q_text(&x, 3, entity ? entity : "");
    return q_run(&x, "cannot write the audit log", err);
}

na_status na_store_auditf(na_store *s, int64_t now, na_err *err, const char *fmt, ...)
{
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return na_store_audit(s, now, line, err);
}

/* ---- seeds at rest ---- */

#define KDF_SALT crypto_pwhash_SALTBYTES
static const char CHECK_TEXT[] = "natsauth-store-key-check";

static na_status derive(unsigned char *key, const char *pass, const unsigned char *salt,
                        unsigned long long ops, size_t mem, na_err *err)
{
    if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, pass, strlen(pass), salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return na_fail(err, NA_ENOMEM, "cannot derive the store key (out of memory)");
    return NA_OK;
}

bool na_store_is_sealed(na_store *s) { return s->sealed; }

na_status na_store_unlock(na_store *s, const char *passphrase, na_err *err)
{
    q x;
    unsigned char salt[KDF_SALT], *key;
    unsigned long long ops = 0;
    size_t mem = 0;
    na_status rc;
    bool ok = false;
    if (!s->sealed)
        return NA_OK;
    if (!passphrase)
        return na_fail(err, NA_EINVAL, "store '%s' is sealed: set NATSAUTH_PASSPHRASE", s->path);
    if ((rc = q_prep(&x, s, "SELECT value FROM meta WHERE key='kdf'", err)) != NA_OK)
        return rc;
    if (sqlite3_step(x.st) == SQLITE_ROW &&
        sqlite3_column_bytes(x.st, 0) == (int)(KDF_SALT + 16)) {
        const unsigned char *v = sqlite3_column_blob(x.st, 0);
        memcpy(salt, v, KDF_SALT);
        for (int i = 0; i < 8; i++) {
            ops = ops << 8 | v[KDF_SALT + i];
            mem = mem << 8 | v[KDF_SALT + 8 + i];
        }
        ok = true;
    }
    sqlite3_finalize(x.st);
    if (!ok)
        return na_fail(err, NA_EINVAL, "store '%s' has a damaged key record", s->path);
    key = sodium_malloc(crypto_secretbox_KEYBYTES);
    if (!key)
        return na_fail(err, NA_ENOMEM, "out of memory");
    if ((rc = derive(key, passphrase, salt, ops, mem, err)) != NA_OK)
        goto fail;
    /* check value: a box of a known text */
    if ((rc = q_prep(&x, s, "SELECT value FROM meta WHERE key='check'", err)) != NA_OK)
        goto fail;
    rc = NA_EDECRYPT;
    if (sqlite3_step(x.st) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_blob(x.st, 0);
        int n = sqlite3_column_bytes(x.st, 0);
        unsigned char plain[64];
        if (n == (int)(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + sizeof CHECK_TEXT - 1) &&
            crypto_secretbox_open_easy(plain, v + crypto_secretbox_NONCEBYTES,
                                       (unsigned long long)n - crypto_secretbox_NONCEBYTES, v,
                                       key) == 0)
            rc = NA_OK;
    }
    sqlite3_finalize(x.st);
    if (rc != NA_OK) {
        rc = na_fail(err, NA_EDECRYPT, "wrong passphrase for store '%s'", s->path);
        goto fail;
    }
    if (s->key)
        sodium_free(s->key);
    s->key = key;
    return NA_OK;
fail:
    sodium_free(key);
    return rc;
}

/* seed text -> stored blob (plain or nonce|box) */
static na_status seal_seed(na_store *s, const char *seed, unsigned char **blob, size_t *n,
                           na_err *err)
{
    size_t len = strlen(seed);
    if (!s->sealed) {
        *blob = malloc(len);
        if (!*blob)
            return na_fail(err, NA_ENOMEM, "out of memory");
        memcpy(*blob, seed, len);
        *n = len;
        return NA_OK;
    }
    if (!s->key)
        return na_fail(err, NA_EINVAL, "store '%s' is sealed: set NATSAUTH_PASSPHRASE", s->path);
    *n = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    *blob = malloc(*n);
    if (!*blob)
        return na_fail(err, NA_ENOMEM, "out of memory");
    randombytes_buf(*blob, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(*blob + crypto_secretbox_NONCEBYTES, (const unsigned char *)seed, len,
                          *blob, s->key);
    return NA_OK;
}

static na_status put_seed_blob(na_store *s, const char *pub, const char *kind,
                               const unsigned char *blob, size_t n, bool sealed, na_err *err)
{
    q x;
    na_status rc = q_prep(&x, s,
                          "INSERT INTO keys(pub, kind, seed, sealed) VALUES(?,?,?,?) "
                          "ON CONFLICT(pub) DO UPDATE SET seed=excluded.seed, sealed=excluded.sealed",
                          err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, pub);
    q_text(&x, 2, kind);
    sqlite3_bind_blob(x.st, 3, blob, (int)n, SQLITE_TRANSIENT);
    q_int(&x, 4, sealed);
    return q_run(&x, "cannot store a key", err);
}

na_status na_store_key_put(na_store *s, const na_nkey *k, na_err *err)
{
    char seed[NA_NKEY_SEED_LEN + 1];
    unsigned char *blob = NULL;
    size_t n = 0;
    na_status rc = need_tx(s, err);
    if (rc != NA_OK)
        return rc;
    if ((rc = na_nkey_seed(k, seed, err)) != NA_OK)
        return rc;
    rc = seal_seed(s, seed, &blob, &n, err);
    sodium_memzero(seed, sizeof seed);
    if (rc == NA_OK)
        rc = put_seed_blob(s, na_nkey_public(k), na_nkey_type_name(na_nkey_type_of(k)), blob, n,
                           s->sealed, err);
    if (blob) {
        sodium_memzero(blob, n);
        free(blob);
    }
    return rc;
}

na_status na_store_key_get(na_store *s, const char *pub, na_nkey **out, na_err *err)
{
    q x;
    char seed[NA_NKEY_SEED_LEN + 1];
    na_status rc;
    *out = NULL;
    if ((rc = q_prep(&x, s, "SELECT seed, sealed FROM keys WHERE pub=?", err)) != NA_OK)
        return rc;
    q_text(&x, 1, pub);
    if (sqlite3_step(x.st) != SQLITE_ROW) {
        sqlite3_finalize(x.st);
        return na_fail(err, NA_ENOTFOUND, "no seed for key '%s' in store '%s'", pub, s->path);
    }
    {
        const unsigned char *v = sqlite3_column_blob(x.st, 0);
        int n = sqlite3_column_bytes(x.st, 0);
        bool sealed = sqlite3_column_int(x.st, 1) != 0;
        rc = NA_OK;
        if (!sealed) {
            if (n != NA_NKEY_SEED_LEN)
                rc = na_fail(err, NA_EINVAL, "stored seed for '%s' is damaged", pub);
            else
                memcpy(seed, v, NA_NKEY_SEED_LEN);
        } else if (!s->key) {
            rc = na_fail(err, NA_EINVAL, "store '%s' is sealed: set NATSAUTH_PASSPHRASE", s->path);
        } else if (n != (int)(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                              NA_NKEY_SEED_LEN) ||
                   crypto_secretbox_open_easy((unsigned char *)seed,
                                              v + crypto_secretbox_NONCEBYTES,
                                              (unsigned long long)n - crypto_secretbox_NONCEBYTES,
                                              v, s->key) != 0) {
            rc = na_fail(err, NA_EDECRYPT, "stored seed for '%s' cannot be opened", pub);
        }
    }
    sqlite3_finalize(x.st);
    if (rc == NA_OK) {
        seed[NA_NKEY_SEED_LEN] = '\0';
        rc = na_nkey_from_seed(out, seed, NA_NKEY_SEED_LEN, err);
    }
    sodium_memzero(seed, sizeof seed);
    return rc;
}

na_status na_store_key_delete(na_store *s, const char *pub, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s, "DELETE FROM keys WHERE pub=?", err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, pub);
    return q_run(&x, "cannot delete a key", err);
}

na_status na_store_set_passphrase(na_store *s, const char *passphrase, na_err *err)
{
    unsigned char salt[KDF_SALT], meta[KDF_SALT + 16], *key = NULL;
    unsigned char check[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                        sizeof CHECK_TEXT - 1];
    unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    char **pubs = NULL;
    size_t npubs = 0;
    na_status rc;
    q x;
    if (s->sealed && !s->key)
        return na_fail(err, NA_EINVAL, "unlock store '%s' before changing its passphrase", s->path);
    if (passphrase && !*passphrase)
        return na_fail(err, NA_EINVAL, "passphrase is empty");
    if ((rc = na_store_begin(s, "store passphrase", err)) != NA_OK)
        return rc;
    /* read every seed in clear first (with the old key) */
    if ((rc = q_prep(&x, s, "SELECT pub FROM keys", err)) != NA_OK)
        goto out;
    while (sqlite3_step(x.st) == SQLITE_ROW) {
        char **np = realloc(pubs, (npubs + 1) * sizeof *pubs);
        if (!np) {
            rc = na_fail(err, NA_ENOMEM, "out of memory");
            break;
        }
        pubs = np;
        pubs[npubs++] = col_str(x.st, 0);
    }
    sqlite3_finalize(x.st);
    if (rc != NA_OK)
        goto out;
    {
        na_nkey **keys = calloc(npubs ? npubs : 1, sizeof *keys);
        if (!keys) {
            rc = na_fail(err, NA_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < npubs && rc == NA_OK; i++)
            rc = na_store_key_get(s, pubs[i], &keys[i], err);
        if (rc == NA_OK) {
            if (passphrase) {
                key = sodium_malloc(crypto_secretbox_KEYBYTES);
                if (!key)
                    rc = na_fail(err, NA_ENOMEM, "out of memory");
                randombytes_buf(salt, sizeof salt);
                if (rc == NA_OK)
                    rc = derive(key, passphrase, salt, ops, mem, err);
                memcpy(meta, salt, KDF_SALT);
                for (int i = 0; i < 8; i++) {
                    meta[KDF_SALT + i] = (unsigned char)(ops >> (56 - 8 * i));
                    meta[KDF_SALT + 8 + i] = (unsigned char)((unsigned long long)mem >> (56 - 8 * i));
                }
                randombytes_buf(check, crypto_secretbox_NONCEBYTES);
                if (rc == NA_OK)
                    crypto_secretbox_easy(check + crypto_secretbox_NONCEBYTES,
                                          (const unsigned char *)CHECK_TEXT, sizeof CHECK_TEXT - 1,
                                          check, key);
            }
            if (rc == NA_OK)
                rc = exec(s, "DELETE FROM meta WHERE key IN ('kdf','check')", "cannot reset keys", err);
            if (rc == NA_OK && passphrase) {
                q y;
                if ((rc = q_prep(&y, s, "INSERT INTO meta(key, value) VALUES('kdf', ?), ('check', ?)",
                                 err)) == NA_OK) {
                    sqlite3_bind_blob(y.st, 1, meta, sizeof meta, SQLITE_TRANSIENT);
                    sqlite3_bind_blob(y.st, 2, check, sizeof check, SQLITE_TRANSIENT);
                    rc = q_run(&y, "cannot store the key record", err);
                }
            }
            if (rc == NA_OK) {
                unsigned char *old = s->key;
                bool old_sealed = s->sealed;
                s->key = key;
                s->sealed = passphrase != NULL;
                for (size_t i = 0; i < npubs && rc == NA_OK; i++)
                    rc = na_store_key_put(s, keys[i], err);
                if (rc == NA_OK)
                    rc = na_store_audit(s, (int64_t)time(NULL),
                                        passphrase ? "seeds sealed" : "seeds unsealed", err);
                if (rc == NA_OK)
                    rc = na_store_commit(s, err);
                if (rc != NA_OK) {
                    /* the file keeps the old seeds: keep the old key with them */
                    s->key = old;
                    s->sealed = old_sealed;
                } else {
                    key = old; /* freed below */
                }
            }
        }
        for (size_t i = 0; i < npubs; i++)
            na_nkey_destroy(keys[i]);
        free(keys);
    }
    /* the previous form of every seed may still sit in the WAL: fold it into
     * the (secure_delete) database file and truncate the log */
    if (rc == NA_OK)
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
out:
    if (rc != NA_OK)
        na_store_rollback(s);
    if (key)
        sodium_free(key);
    for (size_t i = 0; i < npubs; i++)
        free(pubs[i]);
    free(pubs);
    return rc;
}

/* ---- entities ---- */

void na_entity_release(na_entity *e)
{
    if (!e)
        return;
    free(e->name);
    free(e->pub);
    free(e->account);
    free(e->signer);
    free(e->claims_json);
    free(e->jwt);
    memset(e, 0, sizeof *e);
}

void na_entities_free(na_entity *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        na_entity_release(&list[i]);
    free(list);
}

#define ACCOUNT_COLS "name, pub, signer, claims, jwt, is_system, deleted, updated_at"
#define USER_COLS "u.name, u.pub, u.signer, u.claims, u.jwt, a.name, u.updated_at"

static void read_account(sqlite3_stmt *st, na_entity *e)
{
    memset(e, 0, sizeof *e);
    e->kind = NA_ENT_ACCOUNT;
    e->name = col_str(st, 0);
    e->pub = col_str(st, 1);
    e->signer = col_str(st, 2);
    e->claims_json = col_str(st, 3);
    e->jwt = col_str(st, 4);
    e->is_system = sqlite3_column_int(st, 5) != 0;
    e->deleted = sqlite3_column_int(st, 6) != 0;
    e->updated_at = sqlite3_column_int64(st, 7);
}

static void read_user(sqlite3_stmt *st, na_entity *e)
{
    memset(e, 0, sizeof *e);
    e->kind = NA_ENT_USER;
    e->name = col_str(st, 0);
    e->pub = col_str(st, 1);
    e->signer = col_str(st, 2);
    e->claims_json = col_str(st, 3);
    e->jwt = col_str(st, 4);
    e->account = col_str(st, 5);
    e->updated_at = sqlite3_column_int64(st, 6);
}

na_status na_store_operator_get(na_store *s, na_entity *out, na_err *err)
{
    q x;
    na_status rc;
    memset(out, 0, sizeof *out);
    if ((rc = q_prep(&x, s, "SELECT name, pub, signer, claims, jwt, updated_at FROM operator "
                            "WHERE id=1", err)) != NA_OK)
        return rc;
    if (sqlite3_step(x.st) == SQLITE_ROW) {
        out->kind = NA_ENT_OPERATOR;
        out->name = col_str(x.st, 0);
        out->pub = col_str(x.st, 1);
        out->signer = col_str(x.st, 2);
        out->claims_json = col_str(x.st, 3);
        out->jwt = col_str(x.st, 4);
        out->updated_at = sqlite3_column_int64(x.st, 5);
    } else {
        rc = na_fail(err, NA_ENOTFOUND, "store '%s' has no operator (run 'natsauth init')",
                     s->path);
    }
    sqlite3_finalize(x.st);
    return rc;
}

na_status na_store_operator_put(na_store *s, const na_entity *e, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s,
                    "INSERT INTO operator(id, name, pub, signer, claims, jwt, updated_at) "
                    "VALUES(1,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name=excluded.name, "
                    "pub=excluded.pub, signer=excluded.signer, claims=excluded.claims, "
                    "jwt=excluded.jwt, updated_at=excluded.updated_at",
                    err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, e->name);
    q_text(&x, 2, e->pub);
    q_text(&x, 3, e->signer);
    q_text(&x, 4, e->claims_json);
    q_text(&x, 5, e->jwt);
    q_int(&x, 6, e->updated_at);
    return q_run(&x, "cannot store the operator", err);
}

na_status na_store_account_get(na_store *s, const char *name_or_pub, na_entity *out, na_err *err)
{
    q x;
    na_status rc;
    memset(out, 0, sizeof *out);
    if ((rc = q_prep(&x, s, "SELECT " ACCOUNT_COLS " FROM accounts WHERE name=?1 OR pub=?1",
                     err)) != NA_OK)
        return rc;
    q_text(&x, 1, name_or_pub);
    if (sqlite3_step(x.st) == SQLITE_ROW)
        read_account(x.st, out);
    else
        rc = na_fail(err, NA_ENOTFOUND, "account '%s' not found in store '%s'", name_or_pub,
                     s->path);
    sqlite3_finalize(x.st);
    return rc;
}

na_status na_store_account_put(na_store *s, const na_entity *e, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s,
                    "INSERT INTO accounts(name, pub, signer, claims, jwt, is_system, deleted, "
                    "updated_at) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(pub) DO UPDATE SET "
                    "name=excluded.name, signer=excluded.signer, claims=excluded.claims, "
                    "jwt=excluded.jwt, is_system=excluded.is_system, deleted=excluded.deleted, "
                    "updated_at=excluded.updated_at",
                    err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, e->name);
    q_text(&x, 2, e->pub);
    q_text(&x, 3, e->signer);
    q_text(&x, 4, e->claims_json);
    q_text(&x, 5, e->jwt);
    q_int(&x, 6, e->is_system);
    q_int(&x, 7, e->deleted);
    q_int(&x, 8, e->updated_at);
    return q_run(&x, "cannot store the account", err);
}

na_status na_store_account_delete(na_store *s, const char *name, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    /* users' seeds go with them; the account's own seed and signing keys too */
    if (rc == NA_OK)
        rc = q_prep(&x, s,
                    "DELETE FROM keys WHERE pub IN (SELECT u.pub FROM users u JOIN accounts a "
                    "ON u.account_id=a.id WHERE a.name=?1) OR pub IN (SELECT pub FROM accounts "
                    "WHERE name=?1) OR pub IN (SELECT pub FROM signing_keys WHERE owner=?1)",
                    err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, name);
    if ((rc = q_run(&x, "cannot delete account keys", err)) != NA_OK)
        return rc;
    if ((rc = q_prep(&x, s, "DELETE FROM signing_keys WHERE owner=?", err)) != NA_OK)
        return rc;
    q_text(&x, 1, name);
    if ((rc = q_run(&x, "cannot delete signing keys", err)) != NA_OK)
        return rc;
    if ((rc = q_prep(&x, s, "DELETE FROM accounts WHERE name=?", err)) != NA_OK)
        return rc;
    q_text(&x, 1, name);
    return q_run(&x, "cannot delete the account", err);
}

na_status na_store_account_list(na_store *s, bool include_deleted, na_entity **out, size_t *n,
                                na_err *err)
{
    q x;
    size_t cap = 0;
    na_status rc;
    *out = NULL;
    *n = 0;
    if ((rc = q_prep(&x, s,
                     include_deleted ? "SELECT " ACCOUNT_COLS " FROM accounts ORDER BY name"
                                     : "SELECT " ACCOUNT_COLS
                                       " FROM accounts WHERE deleted=0 ORDER BY name",
                     err)) != NA_OK)
        return rc;
    while (sqlite3_step(x.st) == SQLITE_ROW) {
        if (*n == cap) {
            na_entity *ne = realloc(*out, (cap = cap ? 2 * cap : 16) * sizeof *ne);
            if (!ne) {
                rc = na_fail(err, NA_ENOMEM, "out of memory");
                break;
            }
            *out = ne;
        }
        read_account(x.st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(x.st);
    if (rc != NA_OK) {
        na_entities_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

na_status na_store_user_get(na_store *s, const char *account, const char *name_or_pub,
                            na_entity *out, na_err *err)
{
    q x;
    na_status rc;
    memset(out, 0, sizeof *out);
    if ((rc = q_prep(&x, s,
                     "SELECT " USER_COLS " FROM users u JOIN accounts a ON u.account_id=a.id "
                     "WHERE (a.name=?1 OR a.pub=?1) AND (u.name=?2 OR u.pub=?2)",
                     err)) != NA_OK)
        return rc;
    q_text(&x, 1, account);
    q_text(&x, 2, name_or_pub);
    if (sqlite3_step(x.st) == SQLITE_ROW)
        read_user(x.st, out);
    else
        rc = na_fail(err, NA_ENOTFOUND, "user '%s' not found in account '%s' of store '%s'",
                     name_or_pub, account, s->path);
    sqlite3_finalize(x.st);
    return rc;
}

na_status na_store_user_put(na_store *s, const na_entity *e, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s,
                    "INSERT INTO users(account_id, name, pub, signer, claims, jwt, updated_at) "
                    "SELECT id, ?2, ?3, ?4, ?5, ?6, ?7 FROM accounts WHERE name=?1 "
                    "ON CONFLICT(pub) DO UPDATE SET name=excluded.name, signer=excluded.signer, "
                    "claims=excluded.claims, jwt=excluded.jwt, updated_at=excluded.updated_at",
                    err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, e->account);
    q_text(&x, 2, e->name);
    q_text(&x, 3, e->pub);
    q_text(&x, 4, e->signer);
    q_text(&x, 5, e->claims_json);
    q_text(&x, 6, e->jwt);
    q_int(&x, 7, e->updated_at);
    rc = q_run(&x, "cannot store the user", err);
    if (rc == NA_OK && sqlite3_changes(s->db) == 0)
        rc = na_fail(err, NA_ENOTFOUND, "account '%s' not found in store '%s'", e->account,
                     s->path);
    return rc;
}

na_status na_store_user_delete(na_store *s, const char *account, const char *name, na_err *err)
{
    q x;
    const char *where = "(SELECT u.pub FROM users u JOIN accounts a ON u.account_id=a.id "
                        "WHERE a.name=?1 AND u.name=?2)";
    char sql[256];
    na_status rc = need_tx(s, err);
    if (rc != NA_OK)
        return rc;
    snprintf(sql, sizeof sql, "DELETE FROM keys WHERE pub IN %s", where);
    if ((rc = q_prep(&x, s, sql, err)) != NA_OK)
        return rc;
    q_text(&x, 1, account);
    q_text(&x, 2, name);
    if ((rc = q_run(&x, "cannot delete the user's key", err)) != NA_OK)
        return rc;
    snprintf(sql, sizeof sql, "DELETE FROM users WHERE pub IN %s", where);
    if ((rc = q_prep(&x, s, sql, err)) != NA_OK)
        return rc;
    q_text(&x, 1, account);
    q_text(&x, 2, name);
    return q_run(&x, "cannot delete the user", err);
}

na_status na_store_user_list(na_store *s, const char *account, na_entity **out, size_t *n,
                             na_err *err)
{
    q x;
    size_t cap = 0;
    na_status rc;
    *out = NULL;
    *n = 0;
    if ((rc = q_prep(&x, s,
                     "SELECT " USER_COLS " FROM users u JOIN accounts a ON u.account_id=a.id "
                     "WHERE ?1 IS NULL OR a.name=?1 ORDER BY a.name, u.name",
                     err)) != NA_OK)
        return rc;
    q_text(&x, 1, account);
    while (sqlite3_step(x.st) == SQLITE_ROW) {
        if (*n == cap) {
            na_entity *ne = realloc(*out, (cap = cap ? 2 * cap : 16) * sizeof *ne);
            if (!ne) {
                rc = na_fail(err, NA_ENOMEM, "out of memory");
                break;
            }
            *out = ne;
        }
        read_user(x.st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(x.st);
    if (rc != NA_OK) {
        na_entities_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

na_status na_store_count(na_store *s, na_entity_kind kind, int64_t *n, na_err *err)
{
    q x;
    na_status rc = q_prep(&x, s,
                          kind == NA_ENT_USER      ? "SELECT count(*) FROM users"
                          : kind == NA_ENT_ACCOUNT ? "SELECT count(*) FROM accounts WHERE deleted=0"
                                                   : "SELECT count(*) FROM operator",
                          err);
    if (rc != NA_OK)
        return rc;
    *n = sqlite3_step(x.st) == SQLITE_ROW ? sqlite3_column_int64(x.st, 0) : 0;
    sqlite3_finalize(x.st);
    return NA_OK;
}

/* ---- signing keys ---- */

na_status na_store_sk_put(na_store *s, const char *owner, const char *pub, const char *role,
                          bool scoped, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s,
                    "INSERT INTO signing_keys(pub, owner, role, scoped) VALUES(?,?,?,?) "
                    "ON CONFLICT(pub) DO UPDATE SET owner=excluded.owner, role=excluded.role, "
                    "scoped=excluded.scoped",
                    err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, pub);
    q_text(&x, 2, owner);
    q_text(&x, 3, role);
    q_int(&x, 4, scoped);
    return q_run(&x, "cannot store the signing key", err);
}

na_status na_store_sk_delete(na_store *s, const char *pub, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s, "DELETE FROM signing_keys WHERE pub=?", err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, pub);
    if ((rc = q_run(&x, "cannot delete the signing key", err)) != NA_OK)
        return rc;
    return na_store_key_delete(s, pub, err);
}

void na_signing_keys_free(na_signing_key *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        free(list[i].pub);
        free(list[i].owner);
        free(list[i].role);
    }
    free(list);
}

na_status na_store_sk_list(na_store *s, const char *owner, na_signing_key **out, size_t *n,
                           na_err *err)
{
    q x;
    size_t cap = 0;
    na_status rc;
    *out = NULL;
    *n = 0;
    if ((rc = q_prep(&x, s,
                     "SELECT pub, owner, role, scoped FROM signing_keys WHERE ?1 IS NULL OR "
                     "owner=?1 ORDER BY owner, pub",
                     err)) != NA_OK)
        return rc;
    q_text(&x, 1, owner);
    while (sqlite3_step(x.st) == SQLITE_ROW) {
        if (*n == cap) {
            na_signing_key *nk = realloc(*out, (cap = cap ? 2 * cap : 8) * sizeof *nk);
            if (!nk) {
                rc = na_fail(err, NA_ENOMEM, "out of memory");
                break;
            }
            *out = nk;
        }
        (*out)[*n].pub = col_str(x.st, 0);
        (*out)[*n].owner = col_str(x.st, 1);
        (*out)[*n].role = col_str(x.st, 2);
        (*out)[*n].scoped = sqlite3_column_int(x.st, 3) != 0;
        (*n)++;
    }
    sqlite3_finalize(x.st);
    if (rc != NA_OK) {
        na_signing_keys_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- tenants ---- */

na_status na_store_tenant_put(na_store *s, const char *org, const char *account, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s,
                    "INSERT INTO tenants(name, account) VALUES(?,?) ON CONFLICT(name) DO UPDATE "
                    "SET account=excluded.account",
                    err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, org);
    q_text(&x, 2, account);
    return q_run(&x, "cannot store the tenant", err);
}

na_status na_store_tenant_delete(na_store *s, const char *org, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s, "DELETE FROM tenants WHERE name=?", err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, org);
    return q_run(&x, "cannot delete the tenant", err);
}

na_status na_store_tenant_account(na_store *s, const char *org, char **account, na_err *err)
{
    q x;
    na_status rc;
    *account = NULL;
    if ((rc = q_prep(&x, s, "SELECT account FROM tenants WHERE name=?", err)) != NA_OK)
        return rc;
    q_text(&x, 1, org);
    if (sqlite3_step(x.st) == SQLITE_ROW)
        *account = col_str(x.st, 0);
    else
        rc = na_fail(err, NA_ENOTFOUND, "organisation '%s' not found in store '%s'", org,
                     s->path);
    sqlite3_finalize(x.st);
    return rc;
}

void na_strings_free(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

na_status na_store_tenant_list(na_store *s, char ***orgs, size_t *n, na_err *err)
{
    q x;
    na_status rc;
    *orgs = NULL;
    *n = 0;
    if ((rc = q_prep(&x, s, "SELECT name FROM tenants ORDER BY name", err)) != NA_OK)
        return rc;
    while (sqlite3_step(x.st) == SQLITE_ROW) {
        char **no = realloc(*orgs, (*n + 1) * sizeof *no);
        if (!no) {
            rc = na_fail(err, NA_ENOMEM, "out of memory");
            break;
        }
        *orgs = no;
        (*orgs)[(*n)++] = col_str(x.st, 0);
    }
    sqlite3_finalize(x.st);
    if (rc != NA_OK) {
        na_strings_free(*orgs, *n);
        *orgs = NULL;
        *n = 0;
    }
    return rc;
}

static na_status tenant_child(na_store *s, const char *sql, const char *org, const char *a,
                              const char *b, int64_t flag, const char *what, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s, sql, err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, org);
    q_text(&x, 2, a);
    if (b)
        q_text(&x, 3, b);
    q_int(&x, b ? 4 : 3, flag);
    rc = q_run(&x, what, err);
    if (rc == NA_OK && sqlite3_changes(s->db) == 0 && strncmp(sql, "INSERT", 6) == 0)
        rc = na_fail(err, NA_ENOTFOUND, "organisation '%s' not found in store '%s'", org,
                     s->path);
    return rc;
}

na_status na_store_app_put(na_store *s, const char *org, const char *app, const char *user,
                           bool robot, na_err *err)
{
    return tenant_child(s,
                        "INSERT INTO tenant_apps(tenant_id, name, user, robot) SELECT id, ?2, ?3, "
                        "?4 FROM tenants WHERE name=?1 ON CONFLICT(tenant_id, name) DO UPDATE "
                        "SET user=excluded.user, robot=excluded.robot",
                        org, app, user, robot, "cannot store the app", err);
}

na_status na_store_app_delete(na_store *s, const char *org, const char *app, na_err *err)
{
    return tenant_child(s,
                        "DELETE FROM tenant_apps WHERE tenant_id=(SELECT id FROM tenants WHERE "
                        "name=?1) AND name=?2 AND ?3 IS NOT NULL",
                        org, app, NULL, 1, "cannot delete the app", err);
}

na_status na_store_member_put(na_store *s, const char *org, const char *email, bool owner,
                              na_err *err)
{
    return tenant_child(s,
                        "INSERT INTO tenant_members(tenant_id, email, owner) SELECT id, ?2, ?3 "
                        "FROM tenants WHERE name=?1 ON CONFLICT(tenant_id, email) DO UPDATE SET "
                        "owner=excluded.owner",
                        org, email, NULL, owner, "cannot store the member", err);
}

na_status na_store_member_delete(na_store *s, const char *org, const char *email, na_err *err)
{
    return tenant_child(s,
                        "DELETE FROM tenant_members WHERE tenant_id=(SELECT id FROM tenants WHERE "
                        "name=?1) AND email=?2 AND ?3 IS NOT NULL",
                        org, email, NULL, 1, "cannot delete the member", err);
}

na_status na_store_app_get(na_store *s, const char *org, const char *app, char **user,
                           bool *robot, na_err *err)
{
    q x;
    na_status rc;
    if (user)
        *user = NULL;
    if (robot)
        *robot = false;
    if ((rc = q_prep(&x, s,
                     "SELECT p.user, p.robot FROM tenant_apps p JOIN tenants t ON "
                     "p.tenant_id=t.id WHERE t.name=?1 AND p.name=?2",
                     err)) != NA_OK)
        return rc;
    q_text(&x, 1, org);
    q_text(&x, 2, app);
    if (sqlite3_step(x.st) == SQLITE_ROW) {
        if (user && !(*user = col_str(x.st, 0)))
            rc = na_fail(err, NA_ENOMEM, "out of memory");
        if (robot)
            *robot = sqlite3_column_int(x.st, 1) != 0;
    } else {
        rc = na_fail(err, NA_ENOTFOUND, "app '%s' not found in organisation '%s' of store '%s'",
                     app, org, s->path);
    }
    sqlite3_finalize(x.st);
    return rc;
}

na_status na_store_member_get(na_store *s, const char *org, const char *email, bool *owner,
                              na_err *err)
{
    q x;
    na_status rc;
    if (owner)
        *owner = false;
    if ((rc = q_prep(&x, s,
                     "SELECT m.owner FROM tenant_members m JOIN tenants t ON m.tenant_id=t.id "
                     "WHERE t.name=?1 AND m.email=?2",
                     err)) != NA_OK)
        return rc;
    q_text(&x, 1, org);
    q_text(&x, 2, email);
    if (sqlite3_step(x.st) == SQLITE_ROW) {
        if (owner)
            *owner = sqlite3_column_int(x.st, 0) != 0;
    } else {
        rc = na_fail(err, NA_ENOTFOUND,
                     "member '%s' not found in organisation '%s' of store '%s'", email, org,
                     s->path);
    }
    sqlite3_finalize(x.st);
    return rc;
}

static na_status name_list(na_store *s, const char *sql, const char *org, char ***out,
                           size_t *n, na_err *err)
{
    q x;
    na_status rc;
    *out = NULL;
    *n = 0;
    if ((rc = q_prep(&x, s, sql, err)) != NA_OK)
        return rc;
    q_text(&x, 1, org);
    while (sqlite3_step(x.st) == SQLITE_ROW) {
        char **no = realloc(*out, (*n + 1) * sizeof *no);
        if (!no || !(no[*n] = col_str(x.st, 0))) {
            if (no)
                *out = no;
            rc = na_fail(err, NA_ENOMEM, "out of memory");
            break;
        }
        *out = no;
        (*n)++;
    }
    sqlite3_finalize(x.st);
    if (rc != NA_OK) {
        na_strings_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

na_status na_store_app_list(na_store *s, const char *org, char ***apps, size_t *n, na_err *err)
{
    return name_list(s,
                     "SELECT p.name FROM tenant_apps p JOIN tenants t ON p.tenant_id=t.id "
                     "WHERE t.name=?1 ORDER BY p.name",
                     org, apps, n, err);
}

na_status na_store_member_list(na_store *s, const char *org, char ***emails, size_t *n,
                               na_err *err)
{
    return name_list(s,
                     "SELECT m.email FROM tenant_members m JOIN tenants t ON m.tenant_id=t.id "
                     "WHERE t.name=?1 ORDER BY m.email",
                     org, emails, n, err);
}

/* ---- app tokens ---- */

void na_store_app_token_hash(uint8_t hash[NA_APP_TOKEN_HASH_LEN], const char *token)
{
    crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

/* The id shown to people: the first bytes of the hash in hex. It says
 * nothing about the token beyond what the stored hash already does. */
static void token_id(char id[NA_APP_TOKEN_ID_LEN + 1], const uint8_t hash[NA_APP_TOKEN_HASH_LEN])
{
    sodium_bin2hex(id, NA_APP_TOKEN_ID_LEN + 1, hash, NA_APP_TOKEN_ID_LEN / 2);
}

void na_app_token_release(na_app_token *t)
{
    if (!t)
        return;
    free(t->org);
    free(t->app);
    free(t->account);
    free(t->user);
    memset(t, 0, sizeof *t);
}

void na_app_tokens_free(na_app_token *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        na_app_token_release(&list[i]);
    free(list);
}

na_status na_store_app_token_put(na_store *s, const char *org, const char *app,
                                 const uint8_t hash[NA_APP_TOKEN_HASH_LEN], int64_t created,
                                 int64_t expires, char id[NA_APP_TOKEN_ID_LEN + 1], na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (rc == NA_OK)
        rc = q_prep(&x, s,
                    "INSERT INTO app_tokens(id, hash, tenant_id, app, created, expires) "
                    "SELECT ?1, ?2, p.tenant_id, p.name, ?5, ?6 FROM tenant_apps p JOIN tenants "
                    "t ON p.tenant_id=t.id WHERE t.name=?3 AND p.name=?4",
                    err);
    if (rc != NA_OK)
        return rc;
    token_id(id, hash);
    q_text(&x, 1, id);
    sqlite3_bind_blob(x.st, 2, hash, NA_APP_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
    q_text(&x, 3, org);
    q_text(&x, 4, app);
    q_int(&x, 5, created);
    q_int(&x, 6, expires);
    if ((rc = q_run(&x, "cannot store the app token", err)) != NA_OK)
        return rc;
    if (sqlite3_changes(s->db) == 0)
        return na_fail(err, NA_ENOTFOUND, "app '%s' not found in organisation '%s' of store '%s'",
                       app, org, s->path);
    return NA_OK;
}

#define TOKEN_COLS                                                                             \
    "SELECT k.id, t.name, p.name, t.account, p.user, k.created, k.expires FROM app_tokens k "  \
    "JOIN tenants t ON t.id=k.tenant_id JOIN tenant_apps p ON p.tenant_id=k.tenant_id AND "    \
    "p.name=k.app "

static bool read_token(sqlite3_stmt *st, na_app_token *t)
{
    const unsigned char *id = sqlite3_column_text(st, 0);
    snprintf(t->id, sizeof t->id, "%s", id ? (const char *)id : "");
    t->org = col_str(st, 1);
    t->app = col_str(st, 2);
    t->account = col_str(st, 3);
    t->user = col_str(st, 4);
    t->created = sqlite3_column_int64(st, 5);
    t->expires = sqlite3_column_int64(st, 6);
    return t->org && t->app && t->account && t->user;
}

na_status na_store_app_token_find(na_store *s, const uint8_t hash[NA_APP_TOKEN_HASH_LEN],
                                  na_app_token *out, na_err *err)
{
    q x;
    na_status rc;
    int step;
    memset(out, 0, sizeof *out);
    if ((rc = q_prep(&x, s, TOKEN_COLS "WHERE k.hash=?1", err)) != NA_OK)
        return rc;
    sqlite3_bind_blob(x.st, 1, hash, NA_APP_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
    step = sqlite3_step(x.st);
    if (step == SQLITE_ROW) {
        if (!read_token(x.st, out)) {
            na_app_token_release(out);
            rc = na_fail(err, NA_ENOMEM, "out of memory");
        }
    } else if (step == SQLITE_DONE) {
        rc = na_fail(err, NA_ENOTFOUND, "unknown token");
    } else {
        rc = db_fail(s, err, "cannot look up the token");
    }
    sqlite3_finalize(x.st);
    return rc;
}

na_status na_store_app_token_list(na_store *s, const char *org, const char *app,
                                  na_app_token **out, size_t *n, na_err *err)
{
    q x;
    na_status rc;
    int step;
    *out = NULL;
    *n = 0;
    if ((rc = q_prep(&x, s, TOKEN_COLS "WHERE t.name=?1 AND p.name=?2 ORDER BY k.created, k.id",
                     err)) != NA_OK)
        return rc;
    q_text(&x, 1, org);
    q_text(&x, 2, app);
    while ((step = sqlite3_step(x.st)) == SQLITE_ROW) {
        na_app_token *no = realloc(*out, (*n + 1) * sizeof *no);
        if (!no) {
            rc = na_fail(err, NA_ENOMEM, "out of memory");
            break;
        }
        *out = no;
        memset(&no[*n], 0, sizeof no[*n]);
        if (!read_token(x.st, &no[(*n)++])) {
            rc = na_fail(err, NA_ENOMEM, "out of memory");
            break;
        }
    }
    if (rc == NA_OK && step != SQLITE_DONE)
        rc = db_fail(s, err, "cannot list the app tokens");
    sqlite3_finalize(x.st);
    if (rc != NA_OK) {
        na_app_tokens_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

na_status na_store_app_token_delete(na_store *s, const char *org, const char *app,
                                    const char *id, size_t *deleted, na_err *err)
{
    q x;
    na_status rc = need_tx(s, err);
    if (deleted)
        *deleted = 0;
    if (rc == NA_OK)
        rc = q_prep(&x, s,
                    "DELETE FROM app_tokens WHERE tenant_id=(SELECT id FROM tenants WHERE "
                    "name=?1) AND app=?2 AND (?3 IS NULL OR id=?3)",
                    err);
    if (rc != NA_OK)
        return rc;
    q_text(&x, 1, org);
    q_text(&x, 2, app);
    q_text(&x, 3, id);
    if ((rc = q_run(&x, "cannot delete the app tokens", err)) == NA_OK && deleted)
        *deleted = (size_t)sqlite3_changes(s->db);
    return rc;
}
