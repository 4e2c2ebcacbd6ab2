/*
 * nsc.c - nsc's on-disk layout both ways (natsauth/nsc.h).
 *
 * Export reads the store and writes an nsc operator tree plus keys; import
 * reads such a tree and writes the store inside the caller's transaction.
 * The layout follows nats-io/nsc: cmd/store/store.go (Info {managed, name,
 * kind, version "1"}, JwtName = SafeName(name) + ".jwt", accounts/<a>/users,
 * files 0600 and directories 0700 via MkdirAll/WriteFile), cmd/store/keys.go
 * (keys/<K>/<pk[1:3]>/<pk>.nk holding kp.Seed() bytes, creds/<env>/<a>/<u>.creds,
 * the .gitignore text) and home/home.go (defaults under XDG_DATA_HOME/nats/nsc).
 *
 * Invariants:
 * - JWTs cross unchanged: export writes the stored token, import stores the
 *   file's token and na_claims_to_json of its decoded claims, exactly what
 *   the management layer stores for a token it issued;
 * - export never overwrites: the operator tree is built in a temporary
 *   directory next to its final place and renamed into it last; key and
 *   creds files are added with link() (no-clobber) after a pass that checks
 *   every existing one, and everything created is removed on failure;
 * - import reads and checks every file's JWT before its first store write
 *   and loads a seed only right before storing it (no pile of secrets in
 *   memory); a conflict or a bad seed found while writing fails the call and
 *   the caller's rollback undoes the rest;
 * - seeds never appear in messages; every buffer that held one is wiped.
 *
 * This file does file I/O and so lives in src/store, not src/core.
 */
#define _GNU_SOURCE /* syncfs, nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "store_internal.h"
#include "natsauth/creds.h"
#include "natsauth/nsc.h"

#define PATH_CAP 4096
#define NAME_MAX_BYTES 249 /* "<name>.creds" must fit in NAME_MAX (255) */
#define NSC_INFO_MAX (64u * 1024u)
#define NK_FILE_MAX 4096u
#define JWT_FILE_MAX (NA_JWT_MAX_TOKEN + 4096u)
#define PUB_CAP (NA_NKEY_PUBLIC_LEN + 1)

/* nsc's AddGitIgnore text, byte for byte (the space after "files" included). */
static const char GITIGNORE[] = "# ignore all nk files \n**/*.nk\n\n"
                                "# ignore all creds files\n**/*.creds\n";

/* ---- small helpers -------------------------------------------------------- */

static na_status oom(na_err *err) { return na_fail(err, NA_ENOMEM, "out of memory"); }

static na_status io_fail(na_err *err, int e, const char *what, const char *path)
{
    na_fail(err, NA_EIO, "%s '%s': %s", what, path, strerror(e));
    if (err)
        err->sub = e;
    return NA_EIO;
}

static void warnf(na_nsc_warn_fn fn, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warnf(na_nsc_warn_fn fn, void *arg, const char *fmt, ...)
{
    char msg[NA_ERR_MSG_MAX * 2];
    va_list ap;
    if (!fn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn(arg, msg);
}

static na_status pathf(char *out, na_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static na_status pathf(char *out, na_err *err, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(out, PATH_CAP, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= PATH_CAP)
        return na_fail(err, NA_EINVAL, "path '%.200s...' is too long", out);
    return NA_OK;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Trim ASCII whitespace in place; returns the start, *len the new length. */
static char *trim(char *s, size_t *len)
{
    size_t n = *len;
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    s[n] = '\0';
    *len = n;
    return s;
}

static void wipe_free(char *p, size_t n)
{
    if (p) {
        na_wipe(p, n);
        free(p);
    }
}

/* Read a whole regular file (at most max bytes) into a new NUL-terminated
 * buffer. A missing file is NA_ENOTFOUND. The caller wipes buffers that may
 * hold a seed (wipe_free with *len + 1). */
static na_status read_file(const char *path, size_t max, char **out, size_t *len, na_err *err)
{
    struct stat sb;
    char *buf = NULL;
    size_t n = 0;
    int fd, e;
    *out = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        e = errno;
        if (e == ENOENT)
            return na_fail(err, NA_ENOTFOUND, "'%s' does not exist", path);
        return io_fail(err, e, "cannot open", path);
    }
    if (fstat(fd, &sb) != 0) {
        e = errno;
        close(fd);
        return io_fail(err, e, "cannot read", path);
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return na_fail(err, NA_EINVAL, "'%s' is not a regular file", path);
    }
    if ((uint64_t)sb.st_size > max) {
        close(fd);
        return na_fail(err, NA_ETOOBIG, "'%s' is larger than %zu bytes", path, max);
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        close(fd);
        return oom(err);
    }
    while (n < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)sb.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            e = r < 0 ? errno : EIO;
            close(fd);
            wipe_free(buf, (size_t)sb.st_size + 1);
            return io_fail(err, e, "cannot read", path);
        }
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return NA_OK;
}

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* Create a new file (O_EXCL, 0600) holding data. */
static na_status write_new(const char *path, const void *data, size_t n, na_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600), e;
    if (fd < 0)
        return io_fail(err, errno, "cannot create", path);
    if (!write_all(fd, data, n)) {
        e = errno ? errno : EIO;
        close(fd);
        unlink(path);
        return io_fail(err, e, "cannot write", path);
    }
    if (close(fd) != 0) {
        e = errno;
        unlink(path);
        return io_fail(err, e, "cannot write", path);
    }
    return NA_OK;
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* A growable string (JSON text). */
typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool bad;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->bad)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *p;
        while (cap < b->n + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->bad = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_adds(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* A JSON string as Go's encoding/json writes it: <, >, & and U+2028/9
 * escaped, control characters as \n, \r, \t or \u00XX, invalid UTF-8 as
 * U+FFFD. */
static void sb_go_str(sbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    sb_add(b, "\"", 1);
    while (*p) {
        unsigned c = *p;
        size_t l = 0;
        if (c < 0x80) {
            char e[7] = "\\u00";
            if (c == '"' || c == '\\') {
                e[1] = (char)c;
                sb_add(b, e, 2);
            } else if (c == '\n') {
                sb_adds(b, "\\n");
            } else if (c == '\r') {
                sb_adds(b, "\\r");
            } else if (c == '\t') {
                sb_adds(b, "\\t");
            } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                e[4] = hex[c >> 4];
                e[5] = hex[c & 15];
                sb_add(b, e, 6);
            } else {
                sb_add(b, (const char *)p, 1);
            }
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf && (p[1] & 0xc0) == 0x80)
            l = 2;
        else if (c >= 0xe0 && c <= 0xef && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
                 !(c == 0xe0 && p[1] < 0xa0) && !(c == 0xed && p[1] > 0x9f))
            l = 3;
        else if (c >= 0xf0 && c <= 0xf4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
                 (p[3] & 0xc0) == 0x80 && !(c == 0xf0 && p[1] < 0x90) &&
                 !(c == 0xf4 && p[1] > 0x8f))
            l = 4;
        if (!l) {
            sb_adds(b, "\\ufffd");
            p++;
        } else if (l == 3 && c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            sb_adds(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
            p += 3;
        } else {
            sb_add(b, (const char *)p, l);
            p += l;
        }
    }
    sb_add(b, "\"", 1);
}

/* Sorted names of the entries of dir that pass keep(dir, name); a missing
 * dir is an empty list. */
typedef bool (*keep_fn)(const char *dir, const char *name);

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        free(l[i]);
    free(l);
}

static na_status list_dir(const char *dir, keep_fn keep, char ***out, size_t *n, na_err *err)
{
    DIR *d;
    struct dirent *de;
    size_t cap = 0;
    na_status st = NA_OK;
    *out = NULL;
    *n = 0;
    d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return NA_OK;
        return io_fail(err, errno, "cannot list", dir);
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (!keep(dir, de->d_name))
            continue;
        if (*n == cap) {
            char **nl = realloc(*out, (cap = cap ? cap * 2 : 16) * sizeof *nl);
            if (!nl) {
                st = oom(err);
                break;
            }
            *out = nl;
        }
        if (!((*out)[*n] = na_store_dupstr(de->d_name))) {
            st = oom(err);
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (st != NA_OK) {
        names_free(*out, *n);
        *out = NULL;
        *n = 0;
        return st;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_str);
    return NA_OK;
}

/* Signing keys listed in account or operator claims JSON: pub, and for
 * user_scope entries the role. */
typedef struct sk_item {
    char *pub;
    char *role;
    bool scoped;
} sk_item;

static void sk_items_free(sk_item *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++) {
        free(l[i].pub);
        free(l[i].role);
    }
    free(l);
}

static na_status claims_sks(const char *claims_json, sk_item **out, size_t *n, na_err *err)
{
    json_t *root, *arr, *v;
    size_t i;
    na_status st = NA_OK;
    *out = NULL;
    *n = 0;
    root = claims_json ? json_loads(claims_json, 0, NULL) : NULL;
    if (!root)
        return na_fail(err, NA_EJSON, "stored claims are not valid JSON");
    arr = json_object_get(json_object_get(root, "nats"), "signing_keys");
    if (json_array_size(arr)) {
        *out = calloc(json_array_size(arr), sizeof **out);
        if (!*out)
            st = oom(err);
    }
    json_array_foreach(arr, i, v)
    {
        const char *pub = NULL, *role = NULL;
        bool scoped = false;
        if (st != NA_OK)
            break;
        if (json_is_string(v)) {
            pub = json_string_value(v);
        } else if (json_is_object(v)) {
            pub = json_string_value(json_object_get(v, "key"));
            role = json_string_value(json_object_get(v, "role"));
            scoped = true;
        }
        if (!pub || !*pub)
            continue;
        (*out)[*n].pub = na_store_dupstr(pub);
        (*out)[*n].role = role && *role ? na_store_dupstr(role) : NULL;
        (*out)[*n].scoped = scoped;
        if (!(*out)[*n].pub || (role && *role && !(*out)[*n].role))
            st = oom(err);
        (*n)++;
    }
    json_decref(root);
    if (st != NA_OK) {
        sk_items_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return st;
}

/* Names become path components verbatim: refuse what nsc could not use. */
static na_status path_name_check(const char *what, const char *name, na_err *err)
{
    size_t n = name ? strlen(name) : 0;
    if (!n || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return na_fail(err, NA_EINVAL, "%s name '%s' cannot be an nsc file name", what,
                       name ? name : "");
    if (strchr(name, '/'))
        return na_fail(err, NA_EINVAL,
                       "%s name '%.200s' contains '/' and cannot be an nsc file name", what, name);
    if (is_space(name[0]) || is_space(name[n - 1]))
        return na_fail(err, NA_EINVAL,
                       "%s name '%.200s' starts or ends with a space, which nsc trims from "
                       "file names",
                       what, name);
    if (n > NAME_MAX_BYTES)
        return na_fail(err, NA_EINVAL, "%s name '%.60s...' is longer than %d bytes", what, name,
                       NAME_MAX_BYTES);
    return NA_OK;
}

/* ---- export ---------------------------------------------------------------- */

/* Files and directories an export created outside its staging directory,
 * undone in reverse order on failure. */
typedef struct created {
    char **paths;
    bool *dirs;
    size_t n, cap;
} created;

static bool created_add(created *c, const char *path, bool dir)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        char **p = realloc(c->paths, cap * sizeof *p);
        bool *d;
        if (!p)
            return false;
        c->paths = p;
        d = realloc(c->dirs, cap * sizeof *d);
        if (!d)
            return false;
        c->dirs = d;
        c->cap = cap;
    }
    if (!(c->paths[c->n] = na_store_dupstr(path)))
        return false;
    c->dirs[c->n++] = dir;
    return true;
}

static void created_undo(created *c)
{
    for (size_t i = c->n; i-- > 0;) {
        if (c->dirs[i])
            rmdir(c->paths[i]);
        else
            unlink(c->paths[i]);
    }
}

static void created_free(created *c)
{
    names_free(c->paths, c->n);
    free(c->dirs);
    memset(c, 0, sizeof *c);
}

/* mkdir -p with 0700, recording what it made. */
static na_status mkdirs(const char *path, created *c, na_err *err)
{
    char p[PATH_CAP];
    size_t len = strlen(path);
    if (len >= sizeof p)
        return na_fail(err, NA_EINVAL, "path '%.200s...' is too long", path);
    memcpy(p, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0700) == 0) {
            if (c && !created_add(c, p, true))
                return oom(err);
        } else if (errno != EEXIST) {
            return io_fail(err, errno, "cannot create directory", p);
        } else if (!is_dir(p)) {
            return na_fail(err, NA_EEXIST, "'%s' exists and is not a directory", p);
        }
        if (i < len)
            p[i] = '/';
    }
    return NA_OK;
}

/* A directory that usually exists already: one mkdir, the full walk only
 * when a parent is missing. */
static na_status ensure_dir(const char *path, created *c, na_err *err)
{
    if (mkdir(path, 0700) == 0)
        return created_add(c, path, true) ? NA_OK : oom(err);
    if (errno == EEXIST)
        return NA_OK; /* not a directory: the file write under it says so */
    if (errno != ENOENT)
        return io_fail(err, errno, "cannot create directory", path);
    return mkdirs(path, c, err);
}

/* Existing file at path: NA_OK with *same set when it holds exactly data,
 * NA_ENOTFOUND when there is none, NA_EEXIST when it differs. */
static na_status compare_existing(const char *path, const char *data, size_t n, bool *same,
                                  na_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    na_err e = {0};
    na_status st = read_file(path, n + 1, &buf, &len, &e);
    *same = false;
    if (st == NA_ENOTFOUND)
        return NA_ENOTFOUND;
    if (st == NA_OK && len == n && memcmp(buf, data, n) == 0)
        *same = true;
    wipe_free(buf, len + 1);
    if (st == NA_OK && !*same)
        return na_fail(err, NA_EEXIST, "'%s' exists with other contents (not overwriting it)",
                       path);
    if (st == NA_ETOOBIG)
        return na_fail(err, NA_EEXIST, "'%s' exists with other contents (not overwriting it)",
                       path);
    if (st != NA_OK && err)
        *err = e;
    return st;
}

/* Add a file to a shared directory without ever replacing one: a temp
 * file, then link() under the final name, which fails if the name exists
 * (then an identical file is fine). Readers never see a partial file.
 * *added says whether it was written. */
static na_status add_file(const char *path, const char *data, size_t n, created *c, bool *added,
                          na_err *err)
{
    char tmp[PATH_CAP];
    bool same = false;
    int fd, e;
    na_status st;
    *added = false;
    if ((st = pathf(tmp, err, "%s.natsauth-XXXXXX", path)) != NA_OK)
        return st;
    fd = mkstemp(tmp); /* 0600 */
    if (fd < 0)
        return io_fail(err, errno, "cannot create a temporary file for", path);
    if (!write_all(fd, data, n) || close(fd) != 0) {
        e = errno ? errno : EIO;
        unlink(tmp);
        return io_fail(err, e, "cannot write", path);
    }
    if (link(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        if (e != EEXIST)
            return io_fail(err, e, "cannot write", path);
        st = compare_existing(path, data, n, &same, err);
        if (st == NA_ENOTFOUND) /* a dangling link, or gone again */
            return na_fail(err, NA_EEXIST, "'%s' appeared while exporting (not overwriting it)",
                           path);
        return st; /* NA_OK: identical, left alone */
    }
    unlink(tmp);
    if (!created_add(c, path, false)) {
        unlink(path);
        return oom(err);
    }
    *added = true;
    return NA_OK;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(p);
    else
        unlink(p);
    return 0;
}

static void rm_tree(const char *path)
{
    if (path && *path)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static na_status sync_dir(const char *path, bool whole_fs, na_err *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
    if (fd < 0)
        return io_fail(err, errno, "cannot open directory", path);
    rc = whole_fs ? syncfs(fd) : fsync(fd);
    if (rc != 0) {
        int e = errno;
        close(fd);
        return io_fail(err, e, "cannot sync", path);
    }
    close(fd);
    return NA_OK;
}

typedef struct xacct {
    na_entity e;
    na_entity *users;
    size_t nusers;
    sk_item *sks; /* store's signing keys of the account, plus any the JWT lists */
    size_t nsks;
} xacct;

typedef struct xstate {
    na_ctx *x;
    const na_nsc_export_opts *o;
    na_entity op;
    sk_item *opsks;
    size_t nopsks;
    xacct *accts;
    size_t naccts;
    char staging[PATH_CAP]; /* <stores>/.natsauth-export-XXXXXX */
    char target[PATH_CAP];  /* <stores>/<op> */
    created made;
    na_nsc_stats stats;
} xstate;

static void xstate_release(xstate *s)
{
    na_entity_release(&s->op);
    sk_items_free(s->opsks, s->nopsks);
    for (size_t i = 0; i < s->naccts; i++) {
        na_entity_release(&s->accts[i].e);
        na_entities_free(s->accts[i].users, s->accts[i].nusers);
        sk_items_free(s->accts[i].sks, s->accts[i].nsks);
    }
    free(s->accts);
    created_free(&s->made);
}

/* Merge the store's signing key rows for owner with the ones the claims list. */
static na_status gather_sks(na_ctx *x, const char *owner, const char *claims_json, sk_item **out,
                            size_t *n, na_err *err)
{
    na_signing_key *rows = NULL;
    size_t nrows = 0;
    na_status st = claims_sks(claims_json, out, n, err);
    if (st == NA_OK)
        st = na_store_sk_list(x->store, owner, &rows, &nrows, err);
    for (size_t i = 0; st == NA_OK && i < nrows; i++) {
        bool known = false;
        sk_item *l;
        for (size_t j = 0; j < *n && !known; j++)
            known = strcmp((*out)[j].pub, rows[i].pub) == 0;
        if (known)
            continue;
        l = realloc(*out, (*n + 1) * sizeof *l);
        if (!l) {
            st = oom(err);
            break;
        }
        *out = l;
        l[*n].pub = na_store_dupstr(rows[i].pub);
        l[*n].role = na_store_dupstr(rows[i].role);
        l[*n].scoped = rows[i].scoped;
        (*n)++;
        if (!l[*n - 1].pub || (rows[i].role && !l[*n - 1].role))
            st = oom(err);
    }
    na_signing_keys_free(rows, nrows);
    return st;
}

static na_status export_load(xstate *s, na_err *err)
{
    na_ctx *x = s->x;
    na_entity *all = NULL;
    size_t n = 0;
    na_status st;
    if ((st = na_store_operator_get(x->store, &s->op, err)) != NA_OK ||
        (st = path_name_check("operator", s->op.name, err)) != NA_OK ||
        (st = gather_sks(x, "operator", s->op.claims_json, &s->opsks, &s->nopsks, err)) != NA_OK ||
        (st = na_store_account_list(x->store, false, &all, &n, err)) != NA_OK)
        return st;
    s->accts = n ? calloc(n, sizeof *s->accts) : NULL;
    if (n && !s->accts) {
        na_entities_free(all, n);
        return oom(err);
    }
    for (size_t i = 0; i < n; i++) {
        s->accts[i].e = all[i];
        memset(&all[i], 0, sizeof all[i]);
    }
    s->naccts = n;
    free(all);
    for (size_t i = 0; i < s->naccts && st == NA_OK; i++) {
        xacct *a = &s->accts[i];
        if ((st = path_name_check("account", a->e.name, err)) != NA_OK ||
            (st = na_store_user_list(x->store, a->e.name, &a->users, &a->nusers, err)) != NA_OK ||
            (st = gather_sks(x, a->e.name, a->e.claims_json, &a->sks, &a->nsks, err)) != NA_OK)
            break;
        for (size_t j = 0; j < a->nusers && st == NA_OK; j++)
            if ((st = path_name_check("user", a->users[j].name, err)) != NA_OK)
                na_err_prefix(err, "account '%s'", a->e.name);
    }
    return st;
}

static na_status put_jwt(const char *path, const char *jwt, na_err *err)
{
    return write_new(path, jwt ? jwt : "", jwt ? strlen(jwt) : 0, err);
}

/* The operator tree in the staging directory. */
static na_status export_tree(xstate *s, bool managed, na_err *err)
{
    char root[PATH_CAP], p[PATH_CAP];
    sbuf info = {0};
    na_status st;
    if ((st = pathf(root, err, "%s/%s", s->staging, s->op.name)) != NA_OK)
        return st;
    if (mkdir(root, 0700) != 0)
        return io_fail(err, errno, "cannot create directory", root);
    /* json.Marshal(store.Info) */
    sb_adds(&info, managed ? "{\"managed\":true,\"name\":" : "{\"managed\":false,\"name\":");
    sb_go_str(&info, s->op.name);
    sb_adds(&info, ",\"kind\":\"operator\",\"version\":\"1\"}");
    if (info.bad) {
        free(info.p);
        return oom(err);
    }
    st = pathf(p, err, "%s/.nsc", root);
    if (st == NA_OK)
        st = write_new(p, info.p, info.n, err);
    free(info.p);
    if (st == NA_OK && (st = pathf(p, err, "%s/%s.jwt", root, s->op.name)) == NA_OK)
        st = put_jwt(p, s->op.jwt, err);
    if (st == NA_OK && (st = pathf(p, err, "%s/accounts", root)) == NA_OK && mkdir(p, 0700) != 0)
        st = io_fail(err, errno, "cannot create directory", p);
    for (size_t i = 0; st == NA_OK && i < s->naccts; i++) {
        const xacct *a = &s->accts[i];
        if ((st = pathf(p, err, "%s/accounts/%s", root, a->e.name)) != NA_OK)
            break;
        if (mkdir(p, 0700) != 0) {
            st = io_fail(err, errno, "cannot create directory", p);
            break;
        }
        if ((st = pathf(p, err, "%s/accounts/%s/%s.jwt", root, a->e.name, a->e.name)) != NA_OK ||
            (st = put_jwt(p, a->e.jwt, err)) != NA_OK)
            break;
        s->stats.accounts++;
        s->stats.signing_keys += a->nsks;
        if (!a->nusers)
            continue;
        if ((st = pathf(p, err, "%s/accounts/%s/users", root, a->e.name)) != NA_OK)
            break;
        if (mkdir(p, 0700) != 0) {
            st = io_fail(err, errno, "cannot create directory", p);
            break;
        }
        for (size_t j = 0; st == NA_OK && j < a->nusers; j++) {
            if ((st = pathf(p, err, "%s/accounts/%s/users/%s.jwt", root, a->e.name,
                            a->users[j].name)) == NA_OK &&
                (st = put_jwt(p, a->users[j].jwt, err)) == NA_OK)
                s->stats.users++;
        }
    }
    s->stats.signing_keys += s->nopsks;
    return st;
}

/* The seed of pub from the store into seed (wiped by the caller), or
 * NA_ENOTFOUND. */
static na_status seed_of(na_ctx *x, const char *pub, char seed[NA_NKEY_SEED_LEN + 1],
                         na_err *err)
{
    na_nkey *k = NULL;
    na_err e = {0};
    na_status st = na_store_key_get(x->store, pub, &k, &e);
    if (st == NA_OK)
        st = na_nkey_seed(k, seed, err);
    else if (st != NA_ENOTFOUND && err)
        *err = e;
    na_nkey_destroy(k);
    return st;
}

typedef enum { PASS_CHECK, PASS_WRITE } kpass;

static na_status key_file(xstate *s, const char *pub, kpass pass, na_err *err)
{
    char seed[NA_NKEY_SEED_LEN + 1], dir[PATH_CAP], p[PATH_CAP];
    bool same = false, added = false;
    na_status st;
    if (!pub || strlen(pub) != NA_NKEY_PUBLIC_LEN)
        return NA_OK;
    st = seed_of(s->x, pub, seed, err);
    if (st == NA_ENOTFOUND)
        return NA_OK;
    if (st == NA_OK)
        st = pathf(dir, err, "%s/keys/%c/%.2s", s->o->keys_dir, pub[0], pub + 1);
    if (st == NA_OK)
        st = pathf(p, err, "%s/%s.nk", dir, pub);
    if (st == NA_OK && pass == PASS_CHECK) {
        st = compare_existing(p, seed, NA_NKEY_SEED_LEN, &same, err);
        if (st == NA_ENOTFOUND)
            st = NA_OK;
    } else if (st == NA_OK) {
        if ((st = ensure_dir(dir, &s->made, err)) == NA_OK &&
            (st = add_file(p, seed, NA_NKEY_SEED_LEN, &s->made, &added, err)) == NA_OK && added)
            s->stats.seeds++;
    }
    na_wipe(seed, sizeof seed);
    return st;
}

static na_status creds_file(xstate *s, const xacct *a, const na_entity *u, kpass pass,
                            na_err *err)
{
    char seed[NA_NKEY_SEED_LEN + 1], dir[PATH_CAP], p[PATH_CAP];
    char *text = NULL;
    bool same = false, added = false;
    na_status st = seed_of(s->x, u->pub, seed, err);
    if (st == NA_ENOTFOUND)
        return NA_OK;
    if (st == NA_OK && (st = na_creds_format(&text, u->jwt, seed, err)) != NA_OK)
        na_err_prefix(err, "creds of user '%s' in account '%s'", u->name, a->e.name);
    na_wipe(seed, sizeof seed);
    if (st == NA_OK)
        st = pathf(dir, err, "%s/creds/%s/%s", s->o->keys_dir, s->op.name, a->e.name);
    if (st == NA_OK)
        st = pathf(p, err, "%s/%s.creds", dir, u->name);
    if (st == NA_OK && pass == PASS_CHECK) {
        st = compare_existing(p, text, strlen(text), &same, err);
        if (st == NA_ENOTFOUND)
            st = NA_OK;
    } else if (st == NA_OK) {
        if ((st = ensure_dir(dir, &s->made, err)) == NA_OK &&
            (st = add_file(p, text, strlen(text), &s->made, &added, err)) == NA_OK && added)
            s->stats.creds++;
    }
    na_free_secret(text);
    return st;
}

static na_status export_keys(xstate *s, kpass pass, na_err *err)
{
    na_status st = key_file(s, s->op.pub, pass, err);
    for (size_t i = 0; st == NA_OK && i < s->nopsks; i++)
        st = key_file(s, s->opsks[i].pub, pass, err);
    for (size_t i = 0; st == NA_OK && i < s->naccts; i++) {
        const xacct *a = &s->accts[i];
        st = key_file(s, a->e.pub, pass, err);
        for (size_t j = 0; st == NA_OK && j < a->nsks; j++)
            st = key_file(s, a->sks[j].pub, pass, err);
        for (size_t j = 0; st == NA_OK && j < a->nusers; j++) {
            st = key_file(s, a->users[j].pub, pass, err);
            if (st == NA_OK && !s->o->no_creds)
                st = creds_file(s, a, &a->users[j], pass, err);
        }
    }
    return st;
}

static bool dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    bool empty = true;
    if (!d)
        return false;
    while (empty && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = false;
    closedir(d);
    return empty;
}

na_status na_nsc_export(na_ctx *x, const na_nsc_export_opts *o, na_nsc_stats *stats,
                        na_err *err)
{
    xstate s;
    char p[PATH_CAP];
    bool managed;
    na_status st;
    memset(&s, 0, sizeof s);
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!x || !x->store || !o || !o->stores_dir || !*o->stores_dir)
        return na_fail(err, NA_EINVAL, "export needs a store and an nsc stores directory");
    if (o->keys_dir && !*o->keys_dir)
        return na_fail(err, NA_EINVAL, "the nsc keys directory path is empty");
    s.x = x;
    s.o = o;
    if ((st = export_load(&s, err)) != NA_OK)
        goto out;
    {
        char seed[NA_NKEY_SEED_LEN + 1];
        na_err e = {0};
        na_status k = seed_of(x, s.op.pub, seed, &e);
        na_wipe(seed, sizeof seed);
        if (k != NA_OK && k != NA_ENOTFOUND) {
            st = k;
            if (err)
                *err = e;
            goto out;
        }
        /* nsc marks an operator whose key it does not hold as managed */
        managed = k == NA_ENOTFOUND;
    }
    if ((st = mkdirs(o->stores_dir, &s.made, err)) != NA_OK ||
        (st = pathf(s.target, err, "%s/%s", o->stores_dir, s.op.name)) != NA_OK)
        goto out;
    if (exists(s.target) && !(is_dir(s.target) && dir_is_empty(s.target))) {
        st = na_fail(err, NA_EEXIST,
                     "nsc operator directory '%s' already exists (export-nsc does not merge "
                     "into or replace an nsc store)",
                     s.target);
        goto out;
    }
    if ((st = pathf(s.staging, err, "%s/.natsauth-export-XXXXXX", o->stores_dir)) != NA_OK)
        goto out;
    if (!mkdtemp(s.staging)) {
        st = io_fail(err, errno, "cannot create a staging directory in", o->stores_dir);
        s.staging[0] = '\0';
        goto out;
    }
    if ((st = export_tree(&s, managed, err)) != NA_OK)
        goto out;
    if (o->keys_dir) {
        bool added = false;
        /* check every existing file first, so a conflict writes nothing (a new
           keys directory has none) */
        if (exists(o->keys_dir) && (st = export_keys(&s, PASS_CHECK, err)) != NA_OK)
            goto out;
        if ((st = mkdirs(o->keys_dir, &s.made, err)) != NA_OK ||
            (st = pathf(p, err, "%s/keys", o->keys_dir)) != NA_OK ||
            (st = mkdirs(p, &s.made, err)) != NA_OK ||
            (st = pathf(p, err, "%s/creds", o->keys_dir)) != NA_OK ||
            (st = mkdirs(p, &s.made, err)) != NA_OK ||
            (st = pathf(p, err, "%s/.gitignore", o->keys_dir)) != NA_OK)
            goto out;
        if (!exists(p) &&
            (st = add_file(p, GITIGNORE, sizeof GITIGNORE - 1, &s.made, &added, err)) != NA_OK)
            goto out;
        if ((st = export_keys(&s, PASS_WRITE, err)) != NA_OK ||
            (st = sync_dir(o->keys_dir, true, err)) != NA_OK)
            goto out;
    }
    if (na_store_in_transaction(x->store) &&
        (st = na_store_auditf(x->store, x->now, err,
                              "nsc export of operator %s (%s) to %.300s: %zu accounts, %zu "
                              "users, %zu seeds",
                              s.op.name, s.op.pub, s.target, s.stats.accounts, s.stats.users,
                              s.stats.seeds)) != NA_OK)
        goto out;
    /* data first, then the one rename that makes the operator appear */
    if ((st = sync_dir(s.staging, true, err)) != NA_OK ||
        (st = pathf(p, err, "%s/%s", s.staging, s.op.name)) != NA_OK)
        goto out;
    if (rename(p, s.target) != 0) {
        int e = errno;
        if (e == EEXIST || e == ENOTEMPTY)
            st = na_fail(err, NA_EEXIST, "nsc operator directory '%s' appeared while exporting",
                         s.target);
        else
            st = io_fail(err, e, "cannot move the exported operator to", s.target);
        goto out;
    }
    (void)sync_dir(o->stores_dir, false, NULL);
out:
    if (s.staging[0])
        rm_tree(s.staging);
    if (st != NA_OK) {
        created_undo(&s.made);
    } else {
        snprintf(s.stats.operator_name, sizeof s.stats.operator_name, "%s", s.op.name);
        snprintf(s.stats.operator_dir, sizeof s.stats.operator_dir, "%s", s.target);
        if (stats)
            *stats = s.stats;
    }
    xstate_release(&s);
    return st;
}

/* ---- import ---------------------------------------------------------------- */

/* A user as read: claims are checked and dropped (an import may hold many). */
typedef struct iuser {
    char *name;
    char *jwt;
    char *json;
    char pub[PUB_CAP];
    char iss[PUB_CAP];
} iuser;

typedef struct iacct {
    char *name;
    char *jwt;
    char *json;
    na_claims *c;
    bool is_system;
    iuser *users;
    size_t nusers;
    sk_item *sks;
    size_t nsks;
} iacct;

typedef struct istate {
    na_ctx *x;
    const na_nsc_import_opts *o;
    char opdir[PATH_CAP];
    char *opname;
    char *jwt;
    char *json;
    na_claims *c;
    sk_item *sks;
    size_t nsks;
    iacct *accts;
    size_t naccts;
    na_nsc_stats stats;
    /* seeds not found, for one summary warning per kind */
    size_t missing[4], total[4];
    char first_missing[4][300];
} istate;

enum { MISS_OPERATOR, MISS_ACCOUNT, MISS_SK, MISS_USER };

static void istate_release(istate *s)
{
    free(s->opname);
    free(s->jwt);
    na_free(s->json);
    na_claims_destroy(s->c);
    sk_items_free(s->sks, s->nsks);
    for (size_t i = 0; i < s->naccts; i++) {
        iacct *a = &s->accts[i];
        free(a->name);
        free(a->jwt);
        na_free(a->json);
        na_claims_destroy(a->c);
        sk_items_free(a->sks, a->nsks);
        for (size_t j = 0; j < a->nusers; j++) {
            free(a->users[j].name);
            free(a->users[j].jwt);
            na_free(a->users[j].json);
        }
        free(a->users);
    }
    free(s->accts);
}

/* Parse a .nsc file: the operator name, or an error if it is not one. */
static na_status read_info(const char *dir, char **name, na_err *err)
{
    char p[PATH_CAP], *buf = NULL;
    size_t len = 0;
    json_t *j = NULL;
    const char *kind, *nm;
    na_status st;
    *name = NULL;
    if ((st = pathf(p, err, "%s/.nsc", dir)) != NA_OK ||
        (st = read_file(p, NSC_INFO_MAX, &buf, &len, err)) != NA_OK)
        return st;
    j = json_loadb(buf, len, 0, NULL);
    free(buf);
    kind = json_string_value(json_object_get(j, "kind"));
    nm = json_string_value(json_object_get(j, "name"));
    if (!json_is_object(j))
        st = na_fail(err, NA_EJSON, "'%s' is not a JSON object", p);
    else if (!kind || strcmp(kind, "operator") != 0)
        st = na_fail(err, NA_EINVAL, "'%s' does not describe an operator (kind '%s')", p,
                     kind ? kind : "");
    else if (!nm || !*nm)
        st = na_fail(err, NA_EINVAL, "'%s' names no operator", p);
    else if (!(*name = na_store_dupstr(nm)))
        st = oom(err);
    json_decref(j);
    return st;
}

static bool keep_operator_dir(const char *dir, const char *name)
{
    char p[PATH_CAP];
    char *nm = NULL;
    bool ok;
    if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p || !is_dir(p))
        return false;
    ok = read_info(p, &nm, NULL) == NA_OK;
    free(nm);
    return ok;
}

/* Find the operator directory and read its .nsc. */
static na_status find_operator(istate *s, na_err *err)
{
    const char *dir = s->o->store_dir;
    char root[PATH_CAP], p[PATH_CAP];
    char **ops = NULL;
    size_t n = 0;
    na_status st;
    if ((st = pathf(p, err, "%s/.nsc", dir)) != NA_OK)
        return st;
    if (exists(p)) {
        if ((st = pathf(s->opdir, err, "%s", dir)) != NA_OK)
            return st;
        if ((st = read_info(s->opdir, &s->opname, err)) != NA_OK)
            return st;
        if (s->o->operator_name && strcmp(s->o->operator_name, s->opname) != 0)
            return na_fail(err, NA_ENOTFOUND, "nsc store '%s' holds operator '%s', not '%s'", dir,
                           s->opname, s->o->operator_name);
        return NA_OK;
    }
    if (!is_dir(dir))
        return na_fail(err, NA_ENOTFOUND, "nsc store directory '%s' does not exist", dir);
    /* an nsc data directory (stores/ and keys/) or a stores root */
    if ((st = pathf(p, err, "%s/stores", dir)) != NA_OK)
        return st;
    if ((st = pathf(root, err, "%s", is_dir(p) ? p : dir)) != NA_OK ||
        (st = list_dir(root, keep_operator_dir, &ops, &n, err)) != NA_OK)
        return st;
    if (s->o->operator_name) {
        size_t i;
        for (i = 0; i < n; i++) {
            char *nm = NULL;
            bool hit;
            (void)pathf(p, NULL, "%s/%s", root, ops[i]);
            hit = read_info(p, &nm, NULL) == NA_OK &&
                  (strcmp(nm, s->o->operator_name) == 0 ||
                   strcmp(ops[i], s->o->operator_name) == 0);
            free(nm);
            if (hit)
                break;
        }
        if (i == n)
            st = na_fail(err, NA_ENOTFOUND, "no nsc operator '%s' in '%s'", s->o->operator_name,
                         root);
        else
            st = pathf(s->opdir, err, "%s/%s", root, ops[i]);
    } else if (n == 0) {
        st = na_fail(err, NA_ENOTFOUND,
                     "no nsc operator in '%s' (want an operator directory holding .nsc, or a "
                     "stores directory holding one)",
                     dir);
    } else if (n > 1) {
        st = na_fail(err, NA_EINVAL, "'%s' holds %zu nsc operators ('%s', '%s'%s): choose one",
                     root, n, ops[0], ops[1], n > 2 ? ", ..." : "");
    } else {
        st = pathf(s->opdir, err, "%s/%s", root, ops[0]);
    }
    names_free(ops, n);
    if (st == NA_OK)
        st = read_info(s->opdir, &s->opname, err);
    return st;
}

/* Read, trim and decode a JWT file of the expected type; *jwt and *json new. */
static na_status read_jwt(const char *path, na_claims_type want, char **jwt, char **json,
                          na_claims **c, na_err *err)
{
    char *buf = NULL, *t;
    size_t len = 0;
    na_status st = read_file(path, JWT_FILE_MAX, &buf, &len, err);
    *jwt = NULL;
    *json = NULL;
    *c = NULL;
    if (st != NA_OK)
        return st;
    t = trim(buf, &len);
    st = na_jwt_decode(c, t, len, err);
    if (st != NA_OK) {
        na_err_prefix(err, "'%s'", path);
    } else if (na_claims_type_of(*c) != want) {
        st = na_fail(err, NA_EINVAL, "'%s' holds %s claims, want %s claims", path,
                     na_claims_type_name(na_claims_type_of(*c)), na_claims_type_name(want));
    } else if (!(*json = na_claims_to_json(*c, 0)) || !(*jwt = na_store_dupstr(t))) {
        st = oom(err);
    }
    free(buf);
    if (st != NA_OK) {
        na_free(*json);
        free(*jwt);
        na_claims_destroy(*c);
        *json = *jwt = NULL;
        *c = NULL;
    }
    return st;
}

static bool keep_account_dir(const char *dir, const char *name)
{
    char p[PATH_CAP];
    struct stat sb;
    if (snprintf(p, sizeof p, "%s/%s/%s.jwt", dir, name, name) >= (int)sizeof p)
        return false;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool keep_jwt_file(const char *dir, const char *name)
{
    char p[PATH_CAP];
    struct stat sb;
    size_t n = strlen(name);
    if (n <= 4 || strcmp(name + n - 4, ".jwt") != 0)
        return false;
    if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p)
        return false;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static na_status read_user(istate *s, iacct *a, const char *dir, const char *file, iuser *u,
                           na_err *err)
{
    char p[PATH_CAP];
    const char *acct_pub = na_claims_subject(a->c), *iss, *ia;
    na_claims *c = NULL;
    na_status st;
    size_t n = strlen(file) - 4;
    if (!(u->name = malloc(n + 1)))
        return oom(err);
    memcpy(u->name, file, n);
    u->name[n] = '\0';
    if ((st = pathf(p, err, "%s/%s", dir, file)) != NA_OK ||
        (st = read_jwt(p, NA_CLAIMS_USER, &u->jwt, &u->json, &c, err)) != NA_OK)
        return st;
    iss = na_claims_issuer(c);
    ia = na_claims_issuer_account(c);
    snprintf(u->pub, sizeof u->pub, "%s", na_claims_subject(c));
    snprintf(u->iss, sizeof u->iss, "%s", iss);
    /* nsc files a user under the account that signed it (Store.StoreRaw, DidSign) */
    if (!(strcmp(iss, acct_pub) == 0 && (!*ia || strcmp(ia, acct_pub) == 0)) &&
        !(*ia && strcmp(ia, acct_pub) == 0)) {
        st = na_fail(err, NA_ECHAIN,
                     "user '%s' ('%s') is issued by '%s'%s%s%s, not by account '%s' (%s) it is "
                     "filed under",
                     u->name, p, iss, *ia ? " for account '" : "", ia, *ia ? "'" : "", a->name,
                     acct_pub);
    } else {
        na_err e = {0};
        na_status cs = na_chain_check_user(a->c, c, &e);
        if (cs != NA_OK && cs != NA_EREVOKED)
            warnf(s->o->warn, s->o->warn_arg, "user '%s' of account '%s': %s", u->name, a->name,
                  e.msg);
    }
    na_claims_destroy(c);
    return st;
}

static na_status read_account(istate *s, const char *accounts, const char *name, iacct *a,
                              na_err *err)
{
    char p[PATH_CAP], ud[PATH_CAP];
    char **files = NULL;
    size_t n = 0;
    const char *sys = NULL;
    na_status st;
    if (!(a->name = na_store_dupstr(name)))
        return oom(err);
    if ((st = pathf(p, err, "%s/%s/%s.jwt", accounts, name, name)) != NA_OK ||
        (st = read_jwt(p, NA_CLAIMS_ACCOUNT, &a->jwt, &a->json, &a->c, err)) != NA_OK)
        return st;
    {
        na_err e = {0};
        if (na_chain_check_account(s->c, a->c, &e) != NA_OK)
            warnf(s->o->warn, s->o->warn_arg, "account '%s': %s", name, e.msg);
    }
    a->is_system = na_claims_get_str(s->c, "nats.system_account", &sys) && sys &&
                   strcmp(sys, na_claims_subject(a->c)) == 0;
    if ((st = claims_sks(a->json, &a->sks, &a->nsks, err)) != NA_OK)
        return st;
    if ((st = pathf(ud, err, "%s/%s/users", accounts, name)) != NA_OK ||
        (st = list_dir(ud, keep_jwt_file, &files, &n, err)) != NA_OK)
        return st;
    a->users = n ? calloc(n, sizeof *a->users) : NULL;
    if (n && !a->users)
        st = oom(err);
    for (size_t i = 0; st == NA_OK && i < n; i++) {
        st = read_user(s, a, ud, files[i], &a->users[i], err);
        a->nusers++;
    }
    names_free(files, n);
    return st;
}

static na_status import_read(istate *s, na_err *err)
{
    char p[PATH_CAP], accounts[PATH_CAP];
    char **dirs = NULL;
    size_t n = 0, len;
    char *name;
    na_status st;
    if ((st = find_operator(s, err)) != NA_OK)
        return st;
    /* JwtName(SafeName(name)) */
    len = strlen(s->opname);
    if (!(name = na_store_dupstr(s->opname)))
        return oom(err);
    st = pathf(p, err, "%s/%s.jwt", s->opdir, trim(name, &len));
    free(name);
    if (st != NA_OK ||
        (st = read_jwt(p, NA_CLAIMS_OPERATOR, &s->jwt, &s->json, &s->c, err)) != NA_OK ||
        (st = claims_sks(s->json, &s->sks, &s->nsks, err)) != NA_OK)
        return st;
    if ((st = pathf(accounts, err, "%s/accounts", s->opdir)) != NA_OK ||
        (st = list_dir(accounts, keep_account_dir, &dirs, &n, err)) != NA_OK)
        return st;
    s->accts = n ? calloc(n, sizeof *s->accts) : NULL;
    if (n && !s->accts)
        st = oom(err);
    for (size_t i = 0; st == NA_OK && i < n; i++) {
        st = read_account(s, accounts, dirs[i], &s->accts[i], err);
        s->naccts++;
    }
    names_free(dirs, n);
    if (st == NA_OK) {
        const char *sys = NULL;
        bool found = false;
        if (na_claims_get_str(s->c, "nats.system_account", &sys) && sys && *sys) {
            for (size_t i = 0; i < s->naccts; i++)
                found = found || s->accts[i].is_system;
            if (!found)
                warnf(s->o->warn, s->o->warn_arg,
                      "the operator's system account '%s' is not in the nsc store", sys);
        }
    }
    return st;
}

/* The seed for pub from the keys directory: its .nk file, else (users) the
 * .creds file. *out NULL when there is none. */
static na_status load_seed(istate *s, const char *pub, const char *acct, const char *user,
                           na_nkey **out, na_err *err)
{
    char p[PATH_CAP], *buf = NULL, *t, *seed = NULL;
    size_t len = 0, full;
    na_err e = {0};
    na_status st;
    *out = NULL;
    if (!s->o->keys_dir || strlen(pub) != NA_NKEY_PUBLIC_LEN)
        return NA_OK;
    if ((st = pathf(p, err, "%s/keys/%c/%.2s/%s.nk", s->o->keys_dir, pub[0], pub + 1, pub)) !=
        NA_OK)
        return st;
    st = read_file(p, NK_FILE_MAX, &buf, &len, &e);
    if (st == NA_ENOTFOUND && user) {
        if ((st = pathf(p, err, "%s/creds/%s/%s/%s.creds", s->o->keys_dir, s->opname, acct,
                        user)) != NA_OK)
            return st;
        st = read_file(p, NA_CREDS_MAX, &buf, &len, &e);
        if (st == NA_OK) {
            st = na_creds_parse(NULL, &seed, buf, len, &e);
            wipe_free(buf, len + 1);
            buf = NULL;
            if (st != NA_OK) {
                if (err)
                    *err = e;
                na_err_prefix(err, "'%s'", p);
                return st;
            }
            st = na_nkey_from_seed(out, seed, strlen(seed), err);
            na_free_secret(seed);
            goto check;
        }
    }
    if (st == NA_ENOTFOUND)
        return NA_OK;
    if (st != NA_OK) {
        if (err)
            *err = e;
        return st;
    }
    full = len + 1;
    t = trim(buf, &len);
    st = na_nkey_from_seed(out, t, len, err);
    wipe_free(buf, full);
check:
    if (st != NA_OK) {
        na_err_prefix(err, "'%s'", p);
        return st;
    }
    if (strcmp(na_nkey_public(*out), pub) != 0) {
        na_nkey_destroy(*out);
        *out = NULL;
        return na_fail(err, NA_EINVAL, "'%s' holds the seed of another key, not of '%s'", p, pub);
    }
    return NA_OK;
}

/* Store the seed of pub when the keys directory has it and the store does
 * not; count what is missing. */
static na_status import_seed(istate *s, int kind, const char *pub, const char *acct,
                             const char *user, const char *label, na_err *err)
{
    na_nkey *k = NULL, *have = NULL;
    na_err e = {0};
    na_status st = load_seed(s, pub, acct, user, &k, err);
    if (st != NA_OK)
        return st;
    s->total[kind]++;
    if (!k) {
        if (s->missing[kind]++ == 0)
            snprintf(s->first_missing[kind], sizeof s->first_missing[kind], "%s", label);
        return NA_OK;
    }
    st = na_store_key_get(s->x->store, pub, &have, &e);
    if (st == NA_ENOTFOUND) {
        st = na_store_key_put(s->x->store, k, err);
        if (st == NA_OK)
            s->stats.seeds++;
    } else if (st != NA_OK && err) {
        *err = e;
    }
    na_nkey_destroy(have);
    na_nkey_destroy(k);
    return st;
}

/* Conflicts with what the store holds. *same: the entity is there, identical. */
static na_status check_entity(istate *s, na_entity_kind kind, const char *acct, const char *name,
                              const char *pub, const char *jwt, bool *same, na_err *err)
{
    na_entity e = {0};
    na_err pe = {0};
    const char *what = kind == NA_ENT_ACCOUNT ? "account" : "user";
    na_status st;
    *same = false;
    st = kind == NA_ENT_ACCOUNT ? na_store_account_get(s->x->store, pub, &e, &pe)
                                : na_store_user_get(s->x->store, acct, pub, &e, &pe);
    if (st == NA_OK) {
        if (strcmp(e.pub, pub) != 0 || strcmp(e.name, name) != 0 || e.deleted)
            st = na_fail(err, NA_EEXIST, "%s '%s' (%s) is '%s'%s in store '%s'", what, name, pub,
                         e.name, e.deleted ? " (removed)" : "", na_store_path(s->x->store));
        else if (strcmp(e.jwt, jwt) != 0)
            st = na_fail(err, NA_EEXIST,
                         "%s '%s' (%s) differs between the nsc store and store '%s' (JWT %s)",
                         what, name, pub, na_store_path(s->x->store),
                         e.jwt && strlen(e.jwt) == strlen(jwt) ? "contents" : "length");
        else
            *same = true;
        na_entity_release(&e);
        return st;
    }
    if (st != NA_ENOTFOUND) {
        if (err)
            *err = pe;
        return st;
    }
    st = kind == NA_ENT_ACCOUNT ? na_store_account_get(s->x->store, name, &e, &pe)
                                : na_store_user_get(s->x->store, acct, name, &e, &pe);
    if (st == NA_OK) {
        st = na_fail(err, NA_EEXIST, "%s '%s' exists in store '%s' with another key (%s, not %s)",
                     what, name, na_store_path(s->x->store), e.pub, pub);
        na_entity_release(&e);
        return st;
    }
    if (st != NA_ENOTFOUND) {
        if (err)
            *err = pe;
        return st;
    }
    return NA_OK;
}

#define audit(s, err, ...) na_store_auditf((s)->x->store, (s)->x->now, (err), __VA_ARGS__)

/* Signing key rows as the owner's JWT lists them (count: the owner is new). */
static na_status import_sks(istate *s, const char *owner, const sk_item *l, size_t n, bool count,
                            na_err *err)
{
    na_status st = NA_OK;
    for (size_t i = 0; st == NA_OK && i < n; i++) {
        char label[300];
        snprintf(label, sizeof label, "%s of %s", l[i].pub, owner);
        if ((st = na_store_sk_put(s->x->store, owner, l[i].pub, l[i].role, l[i].scoped, err)) ==
                NA_OK &&
            (st = import_seed(s, MISS_SK, l[i].pub, NULL, NULL, label, err)) == NA_OK && count)
            s->stats.signing_keys++;
    }
    return st;
}

static na_status import_write(istate *s, bool op_exists, na_err *err)
{
    na_ctx *x = s->x;
    na_entity ent;
    na_status st = NA_OK;
    const char *oppub = na_claims_subject(s->c);
    if (!op_exists) {
        memset(&ent, 0, sizeof ent);
        ent.kind = NA_ENT_OPERATOR;
        ent.name = s->opname;
        ent.pub = (char *)oppub;
        ent.signer = (char *)na_claims_issuer(s->c);
        ent.claims_json = s->json;
        ent.jwt = s->jwt;
        ent.updated_at = x->now;
        if ((st = na_store_operator_put(x->store, &ent, err)) != NA_OK ||
            (st = audit(s, err, "operator %s (%s) from nsc store %.300s", s->opname, oppub,
                        s->opdir)) != NA_OK)
            return st;
    } else {
        s->stats.unchanged++;
    }
    if ((st = import_seed(s, MISS_OPERATOR, oppub, NULL, NULL, s->opname, err)) != NA_OK ||
        (st = import_sks(s, "operator", s->sks, s->nsks, !op_exists, err)) != NA_OK)
        return st;
    for (size_t i = 0; st == NA_OK && i < s->naccts; i++) {
        iacct *a = &s->accts[i];
        const char *apub = na_claims_subject(a->c);
        bool same = false;
        if ((st = check_entity(s, NA_ENT_ACCOUNT, NULL, a->name, apub, a->jwt, &same, err)) !=
            NA_OK)
            return st;
        if (!same) {
            memset(&ent, 0, sizeof ent);
            ent.kind = NA_ENT_ACCOUNT;
            ent.name = a->name;
            ent.pub = (char *)apub;
            ent.signer = (char *)na_claims_issuer(a->c);
            ent.claims_json = a->json;
            ent.jwt = a->jwt;
            ent.is_system = a->is_system;
            ent.updated_at = x->now;
            if ((st = na_store_account_put(x->store, &ent, err)) != NA_OK ||
                (st = audit(s, err, "%saccount %s (%s) from nsc", a->is_system ? "system " : "",
                            a->name, apub)) != NA_OK)
                return st;
            s->stats.accounts++;
        } else {
            s->stats.unchanged++;
        }
        if ((st = import_seed(s, MISS_ACCOUNT, apub, NULL, NULL, a->name, err)) != NA_OK ||
            (st = import_sks(s, a->name, a->sks, a->nsks, !same, err)) != NA_OK)
            return st;
        for (size_t j = 0; st == NA_OK && j < a->nusers; j++) {
            iuser *u = &a->users[j];
            const char *upub = u->pub;
            char label[600];
            if ((st = check_entity(s, NA_ENT_USER, a->name, u->name, upub, u->jwt, &same, err)) !=
                NA_OK)
                return st;
            if (!same) {
                memset(&ent, 0, sizeof ent);
                ent.kind = NA_ENT_USER;
                ent.name = u->name;
                ent.pub = (char *)upub;
                ent.account = a->name;
                ent.signer = u->iss;
                ent.claims_json = u->json;
                ent.jwt = u->jwt;
                ent.updated_at = x->now;
                if ((st = na_store_user_put(x->store, &ent, err)) != NA_OK ||
                    (st = audit(s, err, "user %s (%s) in account %s (%s) from nsc", u->name, upub,
                                a->name, apub)) != NA_OK)
                    return st;
                s->stats.users++;
            } else {
                s->stats.unchanged++;
            }
            snprintf(label, sizeof label, "'%s' in account '%s'", u->name, a->name);
            st = import_seed(s, MISS_USER, upub, a->name, u->name, label, err);
        }
    }
    return st;
}

na_status na_nsc_import(na_ctx *x, const na_nsc_import_opts *o, na_nsc_stats *stats,
                        na_err *err)
{
    istate s;
    na_entity op = {0};
    na_err pe = {0};
    bool op_exists = false;
    na_status st;
    memset(&s, 0, sizeof s);
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!x || !x->store || !o || !o->store_dir || !*o->store_dir)
        return na_fail(err, NA_EINVAL, "import needs a store and an nsc store directory");
    if (!na_store_in_transaction(x->store))
        return na_fail(err, NA_EINVAL, "nsc import needs a transaction (na_store_begin)");
    if (o->keys_dir && !*o->keys_dir)
        return na_fail(err, NA_EINVAL, "the nsc keys directory path is empty");
    s.x = x;
    s.o = o;
    if ((st = import_read(&s, err)) != NA_OK)
        goto out;
    if (o->keys_dir && !is_dir(o->keys_dir)) {
        st = na_fail(err, NA_ENOTFOUND, "nsc keys directory '%s' does not exist", o->keys_dir);
        goto out;
    }
    /* what the store holds already */
    st = na_store_operator_get(x->store, &op, &pe);
    if (st == NA_OK) {
        const char *pub = na_claims_subject(s.c);
        if (strcmp(op.pub, pub) != 0) {
            st = na_fail(err, NA_EEXIST,
                         "store '%s' holds operator '%s' (%s), not the nsc store's '%s' (%s)",
                         na_store_path(x->store), op.name, op.pub, s.opname, pub);
            goto out;
        }
        if (x->conflict != NA_CONFLICT_IDEMPOTENT) {
            st = na_fail(err, NA_EEXIST,
                         "store '%s' already holds operator '%s' (%s): an nsc import fills an "
                         "empty store (with --conflict idempotent it adds only what is missing)",
                         na_store_path(x->store), op.name, op.pub);
            goto out;
        }
        if (strcmp(op.jwt, s.jwt) != 0) {
            st = na_fail(err, NA_EEXIST,
                         "operator '%s' (%s) differs between the nsc store and store '%s'",
                         s.opname, pub, na_store_path(x->store));
            goto out;
        }
        op_exists = true;
    } else if (st == NA_ENOTFOUND) {
        int64_t n = 0;
        if ((st = na_store_count(x->store, NA_ENT_ACCOUNT, &n, err)) != NA_OK)
            goto out;
        if (n) {
            st = na_fail(err, NA_EEXIST, "store '%s' holds accounts but no operator",
                         na_store_path(x->store));
            goto out;
        }
    } else {
        if (err)
            *err = pe;
        goto out;
    }
    if (!o->keys_dir)
        warnf(o->warn, o->warn_arg, "no nsc keys directory: importing JWTs without seeds");
    if ((st = import_write(&s, op_exists, err)) != NA_OK)
        goto out;
    if (o->keys_dir) {
        static const char *const what[] = {"operators", "accounts", "signing keys", "users"};
        for (int k = 0; k < 4; k++)
            if (s.missing[k])
                warnf(o->warn, o->warn_arg,
                      "no seed in '%s' for %zu of %zu %s (first: %s)", o->keys_dir, s.missing[k],
                      s.total[k], what[k], s.first_missing[k]);
    }
    snprintf(s.stats.operator_name, sizeof s.stats.operator_name, "%s", s.opname);
    snprintf(s.stats.operator_dir, sizeof s.stats.operator_dir, "%s", s.opdir);
    if (stats)
        *stats = s.stats;
out:
    na_entity_release(&op);
    istate_release(&s);
    return st;
}
