/*
 * authz_file.c - the "file" authorizer: a static grants file of users with
 * password hashes and of tokens, reloaded on demand (SIGHUP).
 *
 * Hashes: bcrypt ($2a$, $2b$, $2y$) through libxcrypt's crypt_rn, argon2
 * ($argon2id$, $argon2i$) through libsodium. Both are deliberately slow, so
 * a request never tries more than one hash:
 *  - user grants are found by user name, then the password is verified;
 *  - token_hash grants carry an "id" and their tokens read "<id>.<secret>"
 *    (the hash covers the whole token): the id picks the grant, then the
 *    token is verified against that one hash;
 *  - token_sha256 grants (hex SHA-256 of the token) are for high-entropy,
 *    machine-made tokens only (a SHA-256 of a guessable token is easily
 *    brute-forced): one SHA-256 per request, compared in constant time
 *    against every such grant.
 *
 * Thread safety: decide runs on many workers. The parsed table is
 * immutable and reference counted; reload builds a new table and swaps the
 * pointer under a mutex, so a failed reload keeps the old table and a
 * request in flight finishes with the table it started with.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <crypt.h>
#include <sodium.h>

#include "../core/internal.h"
#include "authz_internal.h"

#define GRANTS_MAX (16u * 1024u * 1024u)
#define ID_MAX 64
#define SECRET_LEN_MAX 4096 /* passwords and tokens longer than this are refused */

typedef enum { G_USER, G_TOKEN_ID, G_TOKEN_SHA } grant_kind;

typedef struct fgrant {
    grant_kind kind;
    char *key;  /* user name or token id (NULL for G_TOKEN_SHA) */
    char *hash; /* bcrypt/argon2 string (NULL for G_TOKEN_SHA) */
    uint8_t sha[32];
    na_authz_spec spec;
} fgrant;

typedef struct table {
    fgrant *grants;
    size_t n;
    fgrant **users, **ids, **shas; /* sorted by key (users, ids); shas unsorted */
    size_t nusers, nids, nshas;
    unsigned refs; /* under file_authz.mu */
} table;

typedef struct file_authz {
    na_authz base;
    char *path;
    pthread_mutex_t mu;
    table *cur;
} file_authz;

/* ---- table ----------------------------------------------------------------- */

static void table_free(table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->grants[i].key);
        free(t->grants[i].hash);
        na_authz_spec_release(&t->grants[i].spec);
    }
    free(t->grants);
    free(t->users);
    free(t->ids);
    free(t->shas);
    free(t);
}

static int by_key(const void *a, const void *b)
{
    return strcmp((*(fgrant *const *)a)->key, (*(fgrant *const *)b)->key);
}

static bool is_bcrypt(const char *h)
{
    return (strncmp(h, "$2a$", 4) == 0 || strncmp(h, "$2b$", 4) == 0 ||
            strncmp(h, "$2y$", 4) == 0) &&
           strlen(h) == 60;
}

static bool is_argon2(const char *h)
{
    return (strncmp(h, "$argon2id$", 10) == 0 || strncmp(h, "$argon2i$", 9) == 0) &&
           strlen(h) < crypto_pwhash_STRBYTES;
}

static bool valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_sha(uint8_t out[32], const char *hex)
{
    if (strlen(hex) != 64)
        return false;
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static const char *const grant_keys[] = {
    "user", "password_hash", "token_hash", "token_sha256", "id",      "account",
    "name", "permissions",   "tags",       "ttl",          "expires", NULL,
};

static na_status parse_grant(fgrant *g, const json_t *obj, const char *what, na_err *err)
{
    const char *user, *pw, *th, *ts, *id, *hash;
    na_status st;
    if ((st = na_authz_check_keys(obj, grant_keys, what, err)) != NA_OK)
        return st;
    if ((st = na_authz_opt_str(&user, obj, "user", what, err)) != NA_OK ||
        (st = na_authz_opt_str(&pw, obj, "password_hash", what, err)) != NA_OK ||
        (st = na_authz_opt_str(&th, obj, "token_hash", what, err)) != NA_OK ||
        (st = na_authz_opt_str(&ts, obj, "token_sha256", what, err)) != NA_OK ||
        (st = na_authz_opt_str(&id, obj, "id", what, err)) != NA_OK)
        return st;
    if (user) {
        if (!pw || th || ts || id)
            return na_fail(err, NA_EINVAL,
                           "%s: a 'user' grant takes 'password_hash' (and no "
                           "token fields)",
                           what);
        if (!*user || strlen(user) >= NA_CALLOUT_NAME_MAX)
            return na_fail(err, NA_EINVAL, "%s: 'user' must be 1..%d bytes", what,
                           NA_CALLOUT_NAME_MAX - 1);
        g->kind = G_USER;
        g->key = strdup(user);
        hash = pw;
    } else if (th) {
        if (pw || ts)
            return na_fail(err, NA_EINVAL, "%s: give one of 'token_hash' and 'token_sha256'", what);
        if (!id || !valid_id(id))
            return na_fail(err, NA_EINVAL,
                           "%s: a 'token_hash' grant needs an 'id' (1..%d of A-Z a-z 0-9 _ -); "
                           "its tokens read '<id>.<secret>'",
                           what, ID_MAX);
        g->kind = G_TOKEN_ID;
        g->key = strdup(id);
        hash = th;
    } else if (ts) {
        if (pw || id)
            return na_fail(err, NA_EINVAL,
                           "%s: a 'token_sha256' grant takes no 'id' or "
                           "'password_hash'",
                           what);
        if (!parse_sha(g->sha, ts))
            return na_fail(err, NA_EINVAL, "%s: 'token_sha256' must be 64 hex digits", what);
        g->kind = G_TOKEN_SHA;
        hash = NULL;
    } else {
        return na_fail(err, NA_EINVAL,
                       "%s: needs 'user' + 'password_hash', 'id' + 'token_hash' or "
                       "'token_sha256'",
                       what);
    }
    if (hash && !is_bcrypt(hash) && !is_argon2(hash))
        return na_fail(err, NA_EINVAL,
                       "%s: hash must be bcrypt ($2a$, $2b$, $2y$) or argon2 "
                       "($argon2id$, $argon2i$)",
                       what);
    if (g->kind != G_TOKEN_SHA && (!g->key || !(g->hash = strdup(hash))))
        return na_fail(err, NA_ENOMEM, "%s: out of memory", what);
    if ((st = na_authz_spec_parse(&g->spec, obj, what, err)) != NA_OK)
        return st;
    /* the user name (or token id) is the default name of the user JWT */
    if (!g->spec.name[0] && g->key)
        snprintf(g->spec.name, sizeof g->spec.name, "%s", g->key);
    return NA_OK;
}

static na_status check_unique(fgrant **v, size_t n, const char *what, na_err *err)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1]->key, v[i]->key) == 0) {
            char clean[80];
            na_authz_clean(clean, sizeof clean, v[i]->key);
            return na_fail(err, NA_EEXIST, "%s '%s' appears twice", what, clean);
        }
    return NA_OK;
}

static na_status index_table(table *t, na_err *err)
{
    t->users = calloc(t->n + 1, sizeof *t->users);
    t->ids = calloc(t->n + 1, sizeof *t->ids);
    t->shas = calloc(t->n + 1, sizeof *t->shas);
    if (!t->users || !t->ids || !t->shas)
        return na_fail(err, NA_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->n; i++) {
        fgrant *g = &t->grants[i];
        if (g->kind == G_USER)
            t->users[t->nusers++] = g;
        else if (g->kind == G_TOKEN_ID)
            t->ids[t->nids++] = g;
        else
            t->shas[t->nshas++] = g;
    }
    qsort(t->users, t->nusers, sizeof *t->users, by_key);
    qsort(t->ids, t->nids, sizeof *t->ids, by_key);
    for (size_t i = 0; i < t->nshas; i++)
        for (size_t j = i + 1; j < t->nshas; j++)
            if (memcmp(t->shas[i]->sha, t->shas[j]->sha, 32) == 0)
                return na_fail(err, NA_EEXIST, "a token_sha256 appears twice");
    na_status st = check_unique(t->users, t->nusers, "user", err);
    return st != NA_OK ? st : check_unique(t->ids, t->nids, "token id", err);
}

static na_status load_table(table **out, const char *path, na_err *err)
{
    char *text = NULL;
    size_t len = 0;
    json_t *root = NULL, *arr;
    json_error_t je;
    table *t = NULL;
    na_status st;
    *out = NULL;
    if ((st = na_authz_read_file(&text, &len, path, GRANTS_MAX, err)) != NA_OK)
        return st;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    sodium_memzero(text, len);
    free(text);
    if (!root) {
        st = na_fail(err, NA_EJSON, "grants file '%.200s': line %d: %.80s", path, je.line, je.text);
        goto out;
    }
    if ((st = na_authz_check_keys(root, (const char *const[]){"grants", NULL}, "grants file",
                                  err)) != NA_OK)
        goto fail;
    arr = json_object_get(root, "grants");
    if (!json_is_array(arr)) {
        st = na_fail(err, NA_EINVAL, "grants file needs a 'grants' list");
        goto fail;
    }
    t = calloc(1, sizeof *t);
    if (!t || !(t->grants = calloc(json_array_size(arr) + 1, sizeof *t->grants))) {
        st = na_fail(err, NA_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char what[32];
        snprintf(what, sizeof what, "grant %zu", i + 1);
        t->n = i + 1;
        if ((st = parse_grant(&t->grants[i], json_array_get(arr, i), what, err)) != NA_OK)
            goto fail;
    }
    if ((st = index_table(t, err)) != NA_OK)
        goto fail;
    t->refs = 1;
    *out = t;
    t = NULL;
    goto out;
fail:
    na_err_prefix(err, "grants file '%.200s'", path);
out:
    table_free(t);
    json_decref(root);
    return st;
}

/* ---- the authorizer -------------------------------------------------------- */

static table *table_get(file_authz *f)
{
    table *t;
    pthread_mutex_lock(&f->mu);
    t = f->cur;
    t->refs++;
    pthread_mutex_unlock(&f->mu);
    return t;
}

static void table_put(file_authz *f, table *t)
{
    unsigned left;
    pthread_mutex_lock(&f->mu);
    left = --t->refs;
    pthread_mutex_unlock(&f->mu);
    if (left == 0)
        table_free(t);
}

static fgrant *find(fgrant **v, size_t n, const char *key)
{
    fgrant probe = {.key = (char *)key}, *pp = &probe, **hit;
    hit = bsearch(&pp, v, n, sizeof *v, by_key);
    return hit ? *hit : NULL;
}

/* true iff secret matches the bcrypt/argon2 hash */
static bool verify_hash(const char *hash, const char *secret)
{
    bool ok = false;
    if (is_argon2(hash))
        return crypto_pwhash_str_verify(hash, secret, strlen(secret)) == 0;
    /* struct crypt_data is ~32 KiB: too big for a worker's stack by habit */
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return false;
    if (crypt_rn(secret, hash, cd, (int)sizeof *cd)) {
        size_t n = strlen(hash);
        ok = strnlen(cd->output, sizeof cd->output) == n && sodium_memcmp(cd->output, hash, n) == 0;
    }
    sodium_memzero(cd, sizeof *cd);
    free(cd);
    return ok;
}

static fgrant *find_sha(table *t, const char *token)
{
    uint8_t h[32];
    fgrant *hit = NULL;
    crypto_hash_sha256(h, (const uint8_t *)token, strlen(token));
    for (size_t i = 0; i < t->nshas; i++)
        if (sodium_memcmp(h, t->shas[i]->sha, 32) == 0)
            hit = t->shas[i];
    sodium_memzero(h, sizeof h);
    return hit;
}

static na_authz_verdict allow(const fgrant *g, na_callout_grant *grant, na_err *err)
{
    if (na_authz_spec_apply(&g->spec, grant, (int64_t)time(NULL), err) != NA_OK)
        return NA_AUTHZ_DENY;
    return NA_AUTHZ_ALLOW;
}

static na_authz_verdict decide_user(const fgrant *g, const na_authreq *req, na_callout_grant *grant,
                                    na_err *err)
{
    size_t n = strlen(req->pass);
    if (n == 0 || n > SECRET_LEN_MAX || !verify_hash(g->hash, req->pass)) {
        na_fail(err, NA_ESIG, "wrong password");
        return NA_AUTHZ_DENY;
    }
    return allow(g, grant, err);
}

static na_authz_verdict decide_token(table *t, const char *token, na_callout_grant *grant,
                                     na_err *err)
{
    const char *dot = strchr(token, '.');
    fgrant *g = NULL;
    if (strlen(token) > SECRET_LEN_MAX)
        return NA_AUTHZ_SKIP;
    if (dot && dot > token && (size_t)(dot - token) <= ID_MAX) {
        char id[ID_MAX + 1];
        memcpy(id, token, (size_t)(dot - token));
        id[dot - token] = '\0';
        g = find(t->ids, t->nids, id);
        if (g) {
            if (!verify_hash(g->hash, token)) {
                na_fail(err, NA_ESIG, "wrong token");
                return NA_AUTHZ_DENY;
            }
            return allow(g, grant, err);
        }
    }
    if (t->nshas && (g = find_sha(t, token)) != NULL)
        return allow(g, grant, err);
    return NA_AUTHZ_SKIP;
}

static na_authz_verdict file_decide(na_authz *a, const na_authreq *req, na_callout_grant *grant,
                                    na_err *err)
{
    file_authz *f = (file_authz *)a;
    table *t = table_get(f);
    fgrant *g = NULL;
    na_authz_verdict v = NA_AUTHZ_SKIP;
    if (req->user && *req->user)
        g = find(t->users, t->nusers, req->user);
    if (g)
        v = decide_user(g, req, grant, err);
    else if (req->token && *req->token)
        v = decide_token(t, req->token, grant, err);
    table_put(f, t);
    return v;
}

static na_status file_reload(na_authz *a, na_err *err)
{
    file_authz *f = (file_authz *)a;
    table *t, *old;
    na_status st = load_table(&t, f->path, err);
    if (st != NA_OK)
        return st;
    pthread_mutex_lock(&f->mu);
    old = f->cur;
    f->cur = t;
    pthread_mutex_unlock(&f->mu);
    table_put(f, old);
    return NA_OK;
}

static void file_destroy(na_authz *a)
{
    file_authz *f = (file_authz *)a;
    if (f->cur)
        table_put(f, f->cur);
    pthread_mutex_destroy(&f->mu);
    free(f->path);
    free(f);
}

static const na_authz_ops file_ops = {"file", file_decide, file_reload, file_destroy};

na_status na_authz_file_create(na_authz **out, const json_t *cfg, const char *base_dir, na_err *err)
{
    static const char *const keys[] = {"type", "path", NULL};
    const char *path;
    file_authz *f;
    na_status st;
    *out = NULL;
    if ((st = na_authz_check_keys(cfg, keys, "file authorizer", err)) != NA_OK ||
        (st = na_authz_opt_str(&path, cfg, "path", "file authorizer", err)) != NA_OK)
        return st;
    if (!path || !*path)
        return na_fail(err, NA_EINVAL, "file authorizer: needs 'path' (the grants file)");
    if (!na_crypto_init())
        return na_fail(err, NA_ENOMEM, "file authorizer: libsodium cannot start");
    f = calloc(1, sizeof *f);
    if (!f || !(f->path = na_authz_path(path, base_dir))) {
        free(f);
        return na_fail(err, NA_ENOMEM, "file authorizer: out of memory");
    }
    f->base.ops = &file_ops;
    pthread_mutex_init(&f->mu, NULL);
    if ((st = load_table(&f->cur, f->path, err)) != NA_OK) {
        file_destroy(&f->base);
        return st;
    }
    *out = &f->base;
    return NA_OK;
}
