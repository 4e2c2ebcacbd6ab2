/*
 * test_crash.c - the store survives what a command can meet: a kill -9 in
 * the middle of a transaction (or of its commit), two processes writing at
 * once, and a full disk.
 *
 * usage: test_crash NATSAUTH_BIN
 *
 * The victims are real: forked children that use the library (natsauth_store)
 * and the natsauth binary itself running one big command (import-nsc of an
 * nsc tree with thousands of users, one transaction). After each event the
 * store must open, pass PRAGMA integrity_check and hold exactly the state
 * before the command (a fingerprint of every row of every table, the audit
 * log included) or, when the kill came after the commit, exactly the state
 * the command makes; never anything in between. A kill is known to land
 * inside the transaction by probing the store's write lock from here.
 *
 * Full disk: a tmpfs of 1 MiB when this runs as root and may mount one, and
 * always RLIMIT_FSIZE (writes fail with EFBIG) - the command fails cleanly
 * and the store is as before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "natsauth/manage.h"
#include "natsauth/natsauth.h"
#include "natsauth/nsc.h"
#include "natsauth/store.h"
#include "testlib.h"

#define NOW 1700000000
#define NBIG 3000  /* users in the big nsc tree (one import transaction) */
#define NSMALL 10  /* users the store holds before the big import */

static char tmpdir[256];
static const char *natsauth_bin;
static char tree[512], small_tree[512], base_db[512];

/* ---- helpers --------------------------------------------------------------- */

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

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec t;
    if (s <= 0)
        return;
    t.tv_sec = (time_t)s;
    t.tv_nsec = (long)((s - (double)t.tv_sec) * 1e9);
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static void die(const char *what, const na_err *err)
{
    fprintf(stderr, "test_crash: %s: %s\n", what, err ? err->msg : strerror(errno));
    exit(2);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* FNV-1a over every row of every table (ordered), and the user count. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 1099511628211ull;
    }
    return h;
}

typedef struct state {
    bool ok;         /* opened and integrity_check said ok */
    uint64_t all;    /* every table, every row */
    uint64_t ents;   /* operator/accounts/users: name, pub, jwt (no times) */
    int64_t users;
    bool has_operator;
} state;

static uint64_t hash_query(sqlite3 *db, const char *sql, uint64_t h, int64_t *rows)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        for (int i = 0; i < n; i++) {
            const void *b = sqlite3_column_blob(st, i);
            int len = sqlite3_column_bytes(st, i);
            h = fnv(h, &len, sizeof len);
            if (b)
                h = fnv(h, b, (size_t)len);
        }
        if (rows)
            (*rows)++;
    }
    sqlite3_finalize(st);
    return h;
}

/* Open the store as a command would (recovering the WAL), then read it. */
static state read_state(const char *path)
{
    state s = {0};
    na_store *store = NULL;
    na_err err = {0};
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    if (na_store_open(&store, path, false, &err) != NA_OK) {
        fprintf(stderr, "reopen %s: %s\n", path, err.msg);
        return s;
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0)
        s.ok = true;
    sqlite3_finalize(st);
    st = NULL;
    if (!s.ok)
        fprintf(stderr, "integrity_check of %s failed\n", path);
    /* every table, in name order */
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1,
                           &st, NULL) == SQLITE_OK) {
        s.all = 14695981039346656037ull;
        while (sqlite3_step(st) == SQLITE_ROW) {
            char sql[300];
            const char *t = (const char *)sqlite3_column_text(st, 0);
            snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", t);
            s.all = fnv(s.all, t, strlen(t));
            s.all = hash_query(db, sql, s.all, NULL);
        }
    }
    sqlite3_finalize(st);
    s.ents = hash_query(db, "SELECT name, pub, jwt FROM operator", 14695981039346656037ull, &n);
    s.has_operator = n > 0;
    s.ents = hash_query(db, "SELECT name, pub, jwt FROM accounts ORDER BY pub", s.ents, NULL);
    s.ents = hash_query(db, "SELECT name, pub, jwt FROM users ORDER BY pub", s.ents, &s.users);
out:
    sqlite3_close(db);
    na_store_close(store);
    return s;
}

/* True if another connection holds the write lock right now. */
static bool store_locked(const char *path)
{
    sqlite3 *db = NULL;
    bool locked = false;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        int rc;
        sqlite3_busy_timeout(db, 0);
        rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        else
            locked = (rc & 0xff) == SQLITE_BUSY;
    }
    sqlite3_close(db);
    return locked;
}

static void copy_store(const char *from, const char *to)
{
    char p[600];
    snprintf(p, sizeof p, "%s-wal", to);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", to);
    unlink(p);
    if (sh("cp '%s' '%s'", from, to) != 0)
        die("cp", NULL);
}

/* Run natsauth import-nsc of the big tree into db; returns the pid (not
 * waited for). fsize > 0: RLIMIT_FSIZE, with SIGXFSZ ignored so writes fail
 * with EFBIG instead of killing. Output goes to log. */
static pid_t spawn_import(const char *db, const char *log, rlim_t fsize)
{
    char stores[600], keys[600];
    pid_t pid;
    snprintf(stores, sizeof stores, "%s/stores/CRASH", tree);
    snprintf(keys, sizeof keys, "%s/keys", tree);
    pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)natsauth_bin, "import-nsc", "--conflict", "idempotent",
                        "--store", stores, "--keys", keys, "--into", (char *)db, NULL};
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (fsize) {
            struct rlimit rl = {fsize, fsize};
            signal(SIGXFSZ, SIG_IGN);
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        unsetenv("NATSAUTH_STORE");
        unsetenv("NATSAUTH_CONFLICT");
        execv(natsauth_bin, argv);
        _exit(127);
    }
    return pid;
}

static int wait_exit(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 65536);
    if (f) {
        size_t n = fread(buf, 1, 65535, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

/* ---- fixture: a big nsc tree and a store holding a small part of it ----------- */

static void setup(void)
{
    char db[600], small_users[700];
    na_ctx x = {NULL, NOW, NA_CONFLICT_STRICT};
    na_err err = {0};
    na_result r;
    static const char *const accts[] = {"APP"};
    na_init_opts io = {"CRASH", accts, 1, true, NULL};
    na_nsc_export_opts eo;
    na_nsc_import_opts im;
    char stores[600], keys[600];

    snprintf(db, sizeof db, "%s/src.db", tmpdir);
    snprintf(tree, sizeof tree, "%s/tree", tmpdir);
    snprintf(small_tree, sizeof small_tree, "%s/small", tmpdir);
    snprintf(base_db, sizeof base_db, "%s/base.db", tmpdir);
    if (na_store_open(&x.store, db, true, &err) != NA_OK ||
        na_store_begin(x.store, "setup", &err) != NA_OK || na_init(&x, &io, &r, &err) != NA_OK)
        die("init", &err);
    for (int i = 0; i < NBIG; i++) {
        char name[32];
        snprintf(name, sizeof name, "user%05d", i);
        if (na_user_add(&x, "APP", name, NULL, NULL, 0, &r, &err) != NA_OK)
            die("user add", &err);
    }
    snprintf(stores, sizeof stores, "%s/stores", tree);
    snprintf(keys, sizeof keys, "%s/keys", tree);
    memset(&eo, 0, sizeof eo);
    eo.stores_dir = stores;
    eo.keys_dir = keys;
    eo.no_creds = true;
    if (na_nsc_export(&x, &eo, NULL, &err) != NA_OK || na_store_commit(x.store, &err) != NA_OK)
        die("export", &err);
    na_store_close(x.store);

    /* the same tree with only the first NSMALL users */
    snprintf(small_users, sizeof small_users, "%s/stores/CRASH/accounts/APP/users", small_tree);
    if (sh("cp -r '%s' '%s' && cd '%s' && ls | sort | tail -n +%d | xargs rm", tree, small_tree,
           small_users, NSMALL + 1) != 0)
        die("small tree", NULL);
    x.store = NULL;
    if (na_store_open(&x.store, base_db, true, &err) != NA_OK ||
        na_store_begin(x.store, "import-nsc", &err) != NA_OK)
        die("base", &err);
    snprintf(stores, sizeof stores, "%s/stores/CRASH", small_tree);
    memset(&im, 0, sizeof im);
    im.store_dir = stores;
    im.keys_dir = keys;
    if (na_nsc_import(&x, &im, NULL, &err) != NA_OK || na_store_commit(x.store, &err) != NA_OK)
        die("base import", &err);
    na_store_close(x.store);
}

/* ---- kill -9 ----------------------------------------------------------------- */

/* A library child: begin, add users until killed (or n), signalling on fd
 * once `after` users are in; commit at the end (signalling 'C' first). */
static void child_writer(const char *db, int fd, int after, int n, const char *prefix)
{
    na_ctx x = {NULL, NOW, NA_CONFLICT_STRICT};
    na_err err = {0};
    na_result r;
    if (na_store_open(&x.store, db, false, &err) != NA_OK ||
        na_store_begin(x.store, "crash-test", &err) != NA_OK)
        _exit(3);
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%06d", prefix, i);
        if (na_user_add(&x, "APP", name, NULL, NULL, 0, &r, &err) != NA_OK)
            _exit(4);
        if (i + 1 == after && write(fd, "B", 1) != 1)
            _exit(5);
    }
    if (write(fd, "C", 1) != 1)
        _exit(5);
    if (na_store_commit(x.store, &err) != NA_OK)
        _exit(6);
    _exit(0);
}

TEST(kill_library_writer_inside_a_big_transaction)
{
    char db[600], wal[610];
    state before, after;
    int p[2];
    pid_t pid;
    char c = 0;
    double t0;
    off_t wal0, walmax = 0;
    snprintf(db, sizeof db, "%s/kill-lib.db", tmpdir);
    snprintf(wal, sizeof wal, "%s-wal", db);
    copy_store(base_db, db);
    before = read_state(db);
    CHECK(before.ok && before.users == NSMALL + 1);
    wal0 = file_size(wal);
    if (pipe(p) != 0)
        die("pipe", NULL);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        /* more than the 32 MiB page cache holds: pages spill into the WAL
           while the transaction is still open */
        child_writer(db, p[1], 100, 60000, "kill");
    }
    close(p[1]);
    CHECK(read(p[0], &c, 1) == 1 && c == 'B');
    CHECK(store_locked(db));
    /* wait until uncommitted pages reach the WAL (cache spill), then kill */
    t0 = mono();
    while (mono() - t0 < 60 && (walmax = file_size(wal)) < wal0 + (1 << 20))
        sleep_s(0.01);
    kill(pid, SIGKILL);
    CHECK(wait_exit(pid) == 128 + SIGKILL);
    close(p[0]);
    printf("     killed with %lld bytes of uncommitted WAL\n", (long long)(walmax - wal0));
    CHECK(walmax > wal0); /* the kill hit a transaction that had written to the WAL */
    after = read_state(db);
    CHECK(after.ok);
    CHECK(after.all == before.all && after.users == before.users);
    /* and the store works: a new transaction commits */
    {
        na_ctx x = {NULL, NOW, NA_CONFLICT_STRICT};
        na_err err = {0};
        na_result r;
        CHECK(na_store_open(&x.store, db, false, &err) == NA_OK);
        CHECK(na_store_begin(x.store, "after", &err) == NA_OK);
        CHECK(na_user_add(&x, "APP", "survivor", NULL, NULL, 0, &r, &err) == NA_OK);
        CHECK(na_store_commit(x.store, &err) == NA_OK);
        na_store_close(x.store);
        CHECK(read_state(db).users == before.users + 1);
    }
}

TEST(kill_library_writer_during_commit)
{
    char db[600];
    static const double delays[] = {0, 0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05};
    int outcomes[2] = {0, 0};
    snprintf(db, sizeof db, "%s/kill-commit.db", tmpdir);
    for (size_t k = 0; k < sizeof delays / sizeof delays[0]; k++) {
        state before, after;
        int p[2];
        pid_t pid;
        char c = 0;
        copy_store(base_db, db);
        before = read_state(db);
        if (pipe(p) != 0)
            die("pipe", NULL);
        pid = fork();
        if (pid == 0) {
            close(p[0]);
            child_writer(db, p[1], 1, 3000, "commit");
        }
        close(p[1]);
        while (read(p[0], &c, 1) == 1 && c != 'C') {
        }
        sleep_s(delays[k]);
        kill(pid, SIGKILL);
        wait_exit(pid);
        close(p[0]);
        after = read_state(db);
        CHECK(after.ok);
        /* all or nothing */
        if (after.all == before.all) {
            outcomes[0]++;
        } else {
            CHECKF(after.users == before.users + 3000, "after a kill %.4fs into commit: %lld users",
                   delays[k], (long long)after.users);
            outcomes[1]++;
        }
    }
    printf("     kills around commit: %d before, %d after\n", outcomes[0], outcomes[1]);
}

TEST(kill_natsauth_import_at_many_points)
{
    char db[600], log[600];
    state before, done;
    double t0, total;
    int outcomes[2] = {0, 0}, inside = 0;
    static const double fractions[] = {0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6,
                                       0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.2};
    snprintf(db, sizeof db, "%s/kill-cli.db", tmpdir);
    snprintf(log, sizeof log, "%s/kill-cli.log", tmpdir);
    /* the uncontested run: how long, and what it makes */
    copy_store(base_db, db);
    before = read_state(db);
    t0 = mono();
    CHECKF(wait_exit(spawn_import(db, log, 0)) == 0, "%s", slurp(log));
    total = mono() - t0;
    done = read_state(db);
    CHECK(done.ok && done.users == NBIG + 1);
    printf("     import of %d users: %.2fs\n", NBIG, total);
    for (size_t k = 0; k < sizeof fractions / sizeof fractions[0]; k++) {
        state after;
        pid_t pid;
        bool locked = false;
        copy_store(base_db, db);
        pid = spawn_import(db, NULL, 0);
        /* from the moment it holds the write lock (inside its transaction) */
        t0 = mono();
        while (mono() - t0 < 30 && !(locked = store_locked(db))) {
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                pid = -1;
                break;
            }
        }
        if (pid > 0) {
            sleep_s(total * fractions[k]);
            kill(pid, SIGKILL);
            wait_exit(pid);
        }
        after = read_state(db);
        CHECK(after.ok);
        if (after.all == before.all) {
            outcomes[0]++;
            inside += locked;
        } else {
            CHECKF(after.ents == done.ents && after.users == done.users,
                   "kill at %.0f%%: %lld users, neither the state before nor after",
                   fractions[k] * 100, (long long)after.users);
            outcomes[1]++;
        }
    }
    printf("     kills: %d left the store as before (%d seen inside the transaction), %d after "
           "the commit\n",
           outcomes[0], inside, outcomes[1]);
    CHECK(inside > 0);
}

/* ---- two writers ----------------------------------------------------------------- */

/* A child doing n one-user transactions; reports ok and busy counts. */
static void child_small_txns(const char *db, int fd, int n, const char *prefix, int busy_ms)
{
    na_ctx x = {NULL, NOW, NA_CONFLICT_STRICT};
    na_err err = {0};
    na_result r;
    int counts[2] = {0, 0};
    if (na_store_open(&x.store, db, false, &err) != NA_OK)
        _exit(3);
    if (busy_ms >= 0)
        na_store_set_busy_timeout(x.store, busy_ms);
    for (int i = 0; i < n; i++) {
        char name[64];
        na_status st;
        snprintf(name, sizeof name, "%s%04d", prefix, i);
        st = na_store_begin(x.store, "two-writers", &err);
        if (st == NA_OK)
            st = na_user_add(&x, "APP", name, NULL, NULL, 0, &r, &err);
        if (st == NA_OK)
            st = na_store_commit(x.store, &err);
        else
            na_store_rollback(x.store);
        if (st == NA_OK)
            counts[0]++;
        else if (st == NA_EBUSY && strstr(err.msg, "another natsauth command holds the store"))
            counts[1]++, sleep_s(0.002); /* as a user would, try again a little later */
        else
            _exit(7);
    }
    na_store_close(x.store);
    if (write(fd, counts, sizeof counts) != sizeof counts)
        _exit(5);
    _exit(0);
}

static void two_writers(int busy_ms, int *ok, int *busy)
{
    char db[600];
    state before, after;
    int p[2];
    pid_t a, b;
    int ca[2] = {0, 0}, cb[2] = {0, 0};
    snprintf(db, sizeof db, "%s/two-%d.db", tmpdir, busy_ms);
    copy_store(base_db, db);
    before = read_state(db);
    if (pipe(p) != 0)
        die("pipe", NULL);
    if ((a = fork()) == 0) {
        close(p[0]);
        child_small_txns(db, p[1], 150, "a", busy_ms);
    }
    if ((b = fork()) == 0) {
        close(p[0]);
        child_small_txns(db, p[1], 150, "b", busy_ms);
    }
    close(p[1]);
    CHECK(wait_exit(a) == 0);
    CHECK(wait_exit(b) == 0);
    CHECK(read(p[0], ca, sizeof ca) == sizeof ca);
    CHECK(read(p[0], cb, sizeof cb) == sizeof cb);
    close(p[0]);
    printf("     (busy wait %d ms: a %d ok %d busy, b %d ok %d busy)\n", busy_ms, ca[0], ca[1],
           cb[0], cb[1]);
    *ok = ca[0] + cb[0];
    *busy = ca[1] + cb[1];
    CHECK(*ok + *busy == 300);
    after = read_state(db);
    CHECK(after.ok);
    CHECKF(after.users == before.users + *ok, "%lld users, want %lld",
           (long long)after.users, (long long)(before.users + *ok));
}

TEST(two_library_writers_both_succeed_or_get_busy)
{
    int ok = 0, busy = 0;
    /* the default bounded wait (NA_STORE_BUSY_MS): everyone gets through */
    two_writers(-1, &ok, &busy);
    CHECK(ok == 300 && busy == 0);
    printf("     default wait: %d committed, %d busy\n", ok, busy);
    /* no waiting at all: some lose, with NA_EBUSY, and nothing is half done */
    two_writers(0, &ok, &busy);
    printf("     no wait: %d committed, %d busy\n", ok, busy);
}

TEST(busy_error_after_the_bounded_wait)
{
    char db[600], log[600], out[600];
    int p[2];
    pid_t holder, cli;
    char c;
    double t0, waited, lib_waited;
    na_store *s = NULL;
    na_err err = {0};
    na_status st;
    snprintf(db, sizeof db, "%s/busy.db", tmpdir);
    snprintf(log, sizeof log, "%s/busy.log", tmpdir);
    copy_store(base_db, db);
    if (pipe(p) != 0)
        die("pipe", NULL);
    if ((holder = fork()) == 0) {
        /* holds the write lock for 9 s: past the CLI's 5 s wait, with room for a slow start */
        na_ctx x = {NULL, NOW, NA_CONFLICT_STRICT};
        na_result r;
        close(p[0]);
        if (na_store_open(&x.store, db, false, &err) != NA_OK ||
            na_store_begin(x.store, "holder", &err) != NA_OK ||
            na_user_add(&x, "APP", "held", NULL, NULL, 0, &r, &err) != NA_OK ||
            write(p[1], "L", 1) != 1)
            _exit(3);
        sleep_s(9);
        _exit(na_store_commit(x.store, &err) == NA_OK ? 0 : 6);
    }
    close(p[1]);
    CHECK(read(p[0], &c, 1) == 1);
    close(p[0]);
    /* the library: a bounded wait, then NA_EBUSY naming the cause */
    CHECK(na_store_open(&s, db, false, &err) == NA_OK);
    na_store_set_busy_timeout(s, 500);
    t0 = mono();
    st = na_store_begin(s, "second", &err);
    waited = lib_waited = mono() - t0;
    CHECK(st == NA_EBUSY);
    CHECKF(strstr(err.msg, "another natsauth command holds the store; try again") != NULL, "%s",
           err.msg);
    CHECKF(waited >= 0.4 && waited < 3, "waited %.2fs", waited);
    na_store_close(s);
    /* the CLI: its default wait (NA_STORE_BUSY_MS), then exit 1 and "busy"-ness in words */
    snprintf(out, sizeof out, "%s/busy-out.log", tmpdir);
    t0 = mono();
    if ((cli = fork()) == 0) {
        char *argv[] = {(char *)natsauth_bin, "--store", db, "account", "add", "LATE", NULL};
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(natsauth_bin, argv);
        _exit(127);
    }
    CHECK(wait_exit(cli) == 1);
    waited = mono() - t0;
    {
        char *text = slurp(out);
        CHECKF(strstr(text, "database is locked (another natsauth command holds the store; try "
                            "again)") != NULL,
               "%s", text);
        free(text);
    }
    CHECKF(waited >= NA_STORE_BUSY_MS / 1000.0 - 0.5 && waited < 8.9, "waited %.2fs", waited);
    printf("     library gave up after %.2fs (500 ms asked), CLI after %.2fs\n", lib_waited,
           waited);
    CHECK(wait_exit(holder) == 0);
    {
        state after = read_state(db);
        CHECK(after.ok && after.users == NSMALL + 2); /* the holder's user, not LATE */
    }
}

TEST(two_cli_writers_at_once)
{
    char db[600];
    state before, after;
    pid_t kids[2];
    int ok = 0;
    snprintf(db, sizeof db, "%s/two-cli.db", tmpdir);
    copy_store(base_db, db);
    before = read_state(db);
    for (int k = 0; k < 2; k++) {
        if ((kids[k] = fork()) == 0) {
            int fails = 0;
            for (int i = 0; i < 25; i++) {
                char name[32];
                pid_t pid;
                snprintf(name, sizeof name, "acct-%c-%02d", 'a' + k, i);
                if ((pid = fork()) == 0) {
                    char *argv[] = {(char *)natsauth_bin, "--store", db, "account", "add", name,
                                    NULL};
                    int fd = open("/dev/null", O_WRONLY);
                    dup2(fd, 1);
                    execv(natsauth_bin, argv);
                    _exit(127);
                }
                fails += wait_exit(pid) != 0;
            }
            _exit(fails);
        }
    }
    for (int k = 0; k < 2; k++)
        ok += wait_exit(kids[k]) == 0;
    CHECK(ok == 2);
    after = read_state(db);
    CHECK(after.ok);
    {
        sqlite3 *h = NULL;
        sqlite3_stmt *st = NULL;
        int64_t n = -1;
        if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(h, "SELECT count(*) FROM accounts WHERE name LIKE 'acct-%'", -1,
                               &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(h);
        CHECKF(n == 50, "%lld accounts", (long long)n);
    }
    CHECK(after.users == before.users);
}

/* ---- full disk ---------------------------------------------------------------------- */

TEST(full_disk_by_rlimit_fsize)
{
    char db[600], wal[610], log[600];
    state before, after;
    rlim_t limit;
    int rc;
    char *text;
    snprintf(db, sizeof db, "%s/fsize.db", tmpdir);
    snprintf(wal, sizeof wal, "%s-wal", db);
    snprintf(log, sizeof log, "%s/fsize.log", tmpdir);
    copy_store(base_db, db);
    before = read_state(db);
    /* the CLI: any write past 64 KiB beyond the biggest file fails with EFBIG */
    limit = (rlim_t)(file_size(db) > file_size(wal) ? file_size(db) : file_size(wal)) + 65536;
    rc = wait_exit(spawn_import(db, log, limit));
    text = slurp(log);
    CHECKF(rc == 1, "exit %d: %s", rc, text);
    CHECKF(strstr(text, "natsauth: ") && strstr(text, "store"), "%s", text);
    printf("     natsauth said: %.200s", text);
    free(text);
    after = read_state(db);
    CHECK(after.ok && after.all == before.all);
    /* the library, in a child: commit fails, rollback, store as before */
    {
        int p[2];
        pid_t pid;
        int res[2] = {0, 0};
        if (pipe(p) != 0)
            die("pipe", NULL);
        if ((pid = fork()) == 0) {
            na_ctx x = {NULL, NOW, NA_CONFLICT_STRICT};
            na_err err = {0};
            na_result r;
            struct rlimit rl = {limit, limit};
            na_status st = NA_OK;
            close(p[0]);
            signal(SIGXFSZ, SIG_IGN);
            setrlimit(RLIMIT_FSIZE, &rl);
            if (na_store_open(&x.store, db, false, &err) != NA_OK ||
                na_store_begin(x.store, "full", &err) != NA_OK)
                _exit(3);
            for (int i = 0; i < 2000 && st == NA_OK; i++) {
                char name[32];
                snprintf(name, sizeof name, "full%05d", i);
                st = na_user_add(&x, "APP", name, NULL, NULL, 0, &r, &err);
            }
            if (st == NA_OK)
                st = na_store_commit(x.store, &err);
            na_store_rollback(x.store);
            res[0] = (int)st;
            res[1] = err.sub;
            if (write(p[1], res, sizeof res) != sizeof res)
                _exit(5);
            na_store_close(x.store);
            _exit(0);
        }
        close(p[1]);
        CHECK(wait_exit(pid) == 0);
        CHECK(read(p[0], res, sizeof res) == sizeof res);
        close(p[0]);
        CHECKF(res[0] != NA_OK, "the transaction committed past the file size limit");
        printf("     library: %s (sqlite %d)\n", na_status_str((na_status)res[0]), res[1]);
        after = read_state(db);
        CHECK(after.ok && after.all == before.all);
    }
}

TEST(full_disk_on_a_small_tmpfs)
{
    char mnt[600], db[700], log[600];
    state before, after;
    int rc;
    char *text;
    snprintf(mnt, sizeof mnt, "%s/tmpfs", tmpdir);
    snprintf(db, sizeof db, "%s/store.db", mnt);
    snprintf(log, sizeof log, "%s/tmpfs.log", tmpdir);
    mkdir(mnt, 0700);
    if (geteuid() != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0700") != 0) {
        printf("     no tmpfs here (%s): the full disk is covered by RLIMIT_FSIZE above\n",
               geteuid() != 0 ? "not root" : strerror(errno));
        return;
    }
    copy_store(base_db, db);
    before = read_state(db);
    rc = wait_exit(spawn_import(db, log, 0));
    text = slurp(log);
    CHECKF(rc == 1, "exit %d: %s", rc, text);
    CHECKF(strstr(text, "full") != NULL, "%s", text);
    printf("     natsauth said: %.200s", text);
    free(text);
    after = read_state(db);
    CHECK(after.ok && after.all == before.all);
    /* a small command still works on the full disk's store afterwards */
    {
        char *argv[] = {(char *)natsauth_bin, "--store", db, "account", "add", "SMALL", NULL};
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(fd, 1);
            dup2(fd, 2);
            execv(natsauth_bin, argv);
            _exit(127);
        }
        rc = wait_exit(pid);
        text = slurp(log);
        CHECKF(rc == 0, "exit %d: %s", rc, text);
        free(text);
    }
    after = read_state(db);
    CHECK(after.ok && after.users == before.users);
    if (umount(mnt) != 0)
        fprintf(stderr, "umount %s: %s\n", mnt, strerror(errno));
}

int main(int argc, char **argv)
{
    const char *base = getenv("TMPDIR");
    if (argc != 2) {
        fprintf(stderr, "usage: test_crash NATSAUTH_BIN\n");
        return 2;
    }
    natsauth_bin = argv[1];
    if (access(natsauth_bin, X_OK) != 0) {
        fprintf(stderr, "test_crash: %s is not executable\n", natsauth_bin);
        return 2;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s/natsauth-crash-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        die("mkdtemp", NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    setup();
    RUN(kill_library_writer_inside_a_big_transaction);
    RUN(kill_library_writer_during_commit);
    RUN(kill_natsauth_import_at_many_points);
    RUN(two_library_writers_both_succeed_or_get_busy);
    RUN(busy_error_after_the_bounded_wait);
    RUN(two_cli_writers_at_once);
    RUN(full_disk_by_rlimit_fsize);
    RUN(full_disk_on_a_small_tmpfs);
    sh("rm -rf '%s'", tmpdir);
    return DONE();
}
