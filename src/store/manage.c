/*
 * manage.c - account management on the store (natsauth/manage.h).
 *
 * Every operation reads what it needs from the store, builds or edits claims
 * with the core API, signs them, validates the result (blocking issues refuse
 * the change, listing them) and writes claims JSON + JWT back, all inside the
 * caller's transaction: nothing here begins, commits or rolls back. Checks
 * and signing come before the first write, so a refused operation normally
 * writes nothing; a store failure halfway leaves the caller to roll back.
 *
 * Invariants:
 * - an operation that changes nothing writes nothing (the JWTs stay
 *   byte-identical) and reports changed=false;
 * - audit lines name entities by name and public key, never a seed;
 * - the clock is ctx->now only;
 * - accounts are signed by the first operator signing key (claims order) the
 *   store holds a seed for, else by the operator identity key (refused when
 *   the operator is strict); users by the account identity key or the
 *   account signing key they were added with;
 * - a removed account stays as a tombstone (deleted=1) with its JWT, all its
 *   users revoked, so `push` can delete it from servers.
 *
 * Choices where manage.h is silent (the CLI documents them to users):
 * - init: NULL operator/system names mean "whatever the store has" (on a new
 *   store "natsauth" / "SYS"); a differing explicit name is NA_EEXIST. A
 *   re-run creates only what is missing: the "sys" user, the operator
 *   signing key and a plain signing key per named account when
 *   signing_keys is set. The system account gets no signing key.
 * - idempotent compares ignore iss/iat/jti/sub/nats.type/nats.version and,
 *   for accounts, the fields other commands manage (signing_keys,
 *   revocations, exports, imports) unless the add's edits set them; a user's
 *   signer is compared as "signer". Plain signing key adds (operator or
 *   account) are no-ops in idempotent mode when one exists already; scoped
 *   keys conflict by role. Members conflict like apps (by their flag).
 * - removed accounts are "not found" for every operation; re-adding the name
 *   renames the tombstone "<name>~deleted~<pub>". account rm and tenant rm
 *   revoke "*" at now, drop the account's signing keys and tenant rows.
 * - operator sk rm re-signs the accounts the key signed with the next
 *   signer (refused for a strict operator left without signing keys);
 *   turning strict on re-signs accounts the identity key signed.
 * - a user signed by a key the account no longer has cannot be edited
 *   (NA_ECHAIN): re-signing it with the identity key would drop its scope.
 * - one export per subject (add replaces); one import per (exporter,
 *   subject), and an identical import keeps its activation; rm by subject.
 *   Imports resolve the exporter by name or key within the store and need a
 *   matching export; activations are signed by the exporter identity key.
 * - scope templates get NewUserScope's subs/data/payload = -1 when unset.
 * - changes are audited; no-ops are not; creds reads are audited when made
 *   inside a transaction, mints always.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "store_internal.h"
#include "natsauth/creds.h"
#include "natsauth/manage.h"

#define PUB_CAP (NA_NKEY_PUBLIC_LEN + 1)

/* ---- small helpers ------------------------------------------------------- */

/* Replace an owned string field. */
static bool set_owned(char **field, const char *v)
{
    char *p = na_store_dupstr(v);
    if (v && !p)
        return false;
    free(*field);
    *field = p;
    return true;
}

static void res_init(na_result *r)
{
    if (r) {
        r->changed = false;
        r->pub[0] = '\0';
    }
}

static void res_set(na_result *r, bool changed, const char *pub)
{
    if (r) {
        r->changed = changed;
        snprintf(r->pub, sizeof r->pub, "%s", pub ? pub : "");
    }
}

static const char *spath(const na_ctx *x) { return na_store_path(x->store); }

static na_status ctx_check(const na_ctx *x, na_err *err)
{
    if (!x || !x->store)
        return na_fail(err, NA_EINVAL, "no store in the management context");
    return NA_OK;
}

/* Names end up in config comments and audit lines: no control characters. */
static na_status name_check(const char *what, const char *name, na_err *err)
{
    if (!name || !*name)
        return na_fail(err, NA_EINVAL, "%s name is empty", what);
    if (strlen(name) > 256)
        return na_fail(err, NA_EINVAL, "%s name '%.40s...' is longer than 256 bytes", what, name);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return na_fail(err, NA_EINVAL, "%s name '%.60s' contains a control character", what,
                           name);
    return NA_OK;
}

#define audit(x, err, ...) na_store_auditf((x)->store, (x)->now, (err), __VA_ARGS__)

static na_status oom(na_err *err) { return na_fail(err, NA_ENOMEM, "out of memory"); }

/* Copy a probe's error into err (probes use a local record so that an
 * expected NA_ENOTFOUND does not clobber the caller's). */
static na_status pass(na_err *err, const na_err *e, na_status st)
{
    if (err && e)
        *err = *e;
    return st;
}

/* ---- edits ----------------------------------------------------------------- */

na_status na_claims_apply(na_claims *c, const na_edit *edits, size_t n, na_err *err)
{
    if (!c || (n && !edits))
        return na_fail(err, NA_EINVAL, "invalid arguments to na_claims_apply");
    for (size_t i = 0; i < n; i++) {
        const na_edit *e = &edits[i];
        na_status st;
        if (!e->path || !*e->path)
            return na_fail(err, NA_EINVAL, "edit %zu has no path", i + 1);
        switch (e->op) {
        case NA_EDIT_SET_STR: st = na_claims_set_str(c, e->path, e->str, err); break;
        case NA_EDIT_SET_INT: st = na_claims_set_int(c, e->path, e->num, err); break;
        case NA_EDIT_SET_BOOL: st = na_claims_set_bool(c, e->path, e->num != 0, err); break;
        case NA_EDIT_ADD_STR: st = na_claims_add_str(c, e->path, e->str, err); break;
        case NA_EDIT_REMOVE_STR:
            st = e->str ? na_claims_remove_str(c, e->path, e->str, err)
                        : na_fail(err, NA_EINVAL, "value for '%.100s' is NULL", e->path);
            break;
        case NA_EDIT_SET_JSON: st = na_claims_set_json(c, e->path, e->str, err); break;
        case NA_EDIT_APPEND_JSON: st = na_claims_append_json(c, e->path, e->str, err); break;
        case NA_EDIT_UNSET: st = na_claims_unset(c, e->path, err); break;
        default: st = na_fail(err, NA_EINVAL, "edit %zu has an unknown operation", i + 1); break;
        }
        if (st != NA_OK)
            return st;
    }
    return NA_OK;
}

static bool edits_touch(const na_edit *e, size_t n, const char *prefix)
{
    size_t l = strlen(prefix);
    for (size_t i = 0; i < n; i++)
        if (e[i].path && strncmp(e[i].path, prefix, l) == 0 &&
            (e[i].path[l] == '\0' || e[i].path[l] == '.'))
            return true;
    return false;
}

/* ---- JSON trees and differences --------------------------------------------- */

static json_t *claims_tree(const na_claims *c)
{
    char *s = na_claims_to_json(c, 0);
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    na_free(s);
    return j;
}

static void del_path(json_t *root, const char *path)
{
    char buf[128], *tok, *save = NULL;
    json_t *cur = root, *parent = NULL;
    const char *last = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
        if (!json_is_object(cur))
            return;
        parent = cur;
        last = tok;
        cur = json_object_get(cur, tok);
    }
    if (parent && last)
        json_object_del(parent, last);
}

typedef struct diffbuf {
    char s[NA_ERR_MSG_MAX];
    size_t len;
    int count;
} diffbuf;

static void show_value(char *out, size_t cap, const json_t *v)
{
    char *d;
    if (!v) {
        snprintf(out, cap, "(unset)");
        return;
    }
    d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!d) {
        snprintf(out, cap, "?");
        return;
    }
    if (strlen(d) > 72)
        snprintf(out, cap, "%.69s...", d);
    else
        snprintf(out, cap, "%s", d);
    free(d);
}

static void diff_add(diffbuf *d, const char *path, const json_t *a, const json_t *b)
{
    char va[80], vb[80];
    int n;
    show_value(va, sizeof va, a);
    show_value(vb, sizeof vb, b);
    if (d->len >= sizeof d->s - 1)
        return;
    n = snprintf(d->s + d->len, sizeof d->s - d->len, "%s%s: %s -> %s", d->count ? "; " : "",
                 *path ? path : "(claims)", va, vb);
    d->count++;
    if (n > 0)
        d->len = d->len + (size_t)n < sizeof d->s ? d->len + (size_t)n : sizeof d->s - 1;
}

/* Paths that differ between a (stored) and b (wanted); arrays as a whole. */
static void json_diff(diffbuf *d, const char *path, const json_t *a, const json_t *b)
{
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        char sub[256];
        json_object_foreach((json_t *)a, k, v) {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
            json_diff(d, sub, v, json_object_get(b, k));
        }
        json_object_foreach((json_t *)b, k, v) {
            if (json_object_get(a, k))
                continue;
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
            diff_add(d, sub, NULL, v);
        }
        return;
    }
    if (!a || !b || !json_equal(a, b))
        diff_add(d, path, a, b);
}

/* Fields an add does not decide: set by signing, or kept by other commands. */
static const char *const IGNORE_BASE[] = {"iss", "iat", "jti", "sub", "nats.type",
                                          "nats.version", NULL};
static const char *const ACCOUNT_MANAGED[] = {"nats.signing_keys", "nats.revocations",
                                              "nats.exports", "nats.imports", NULL};

/* Difference between stored claims JSON and wanted claims, ignoring the base
 * fields, `extra` and (unless the edits touch them) `managed`. d->count == 0
 * when equal. */
static na_status claims_diff(diffbuf *d, const char *stored, const na_claims *want,
                             const char *const *managed, const na_edit *e, size_t n,
                             const char *extra, na_err *err)
{
    json_t *a = json_loads(stored ? stored : "", 0, NULL), *b = claims_tree(want);
    if (!a || !b) {
        json_decref(a);
        json_decref(b);
        return na_fail(err, NA_EJSON, "stored claims are not valid JSON");
    }
    for (int i = 0; IGNORE_BASE[i]; i++) {
        del_path(a, IGNORE_BASE[i]);
        del_path(b, IGNORE_BASE[i]);
    }
    for (int i = 0; managed && managed[i]; i++)
        if (!edits_touch(e, n, managed[i])) {
            del_path(a, managed[i]);
            del_path(b, managed[i]);
        }
    if (extra) {
        del_path(a, extra);
        del_path(b, extra);
    }
    json_diff(d, "", a, b);
    json_decref(a);
    json_decref(b);
    return NA_OK;
}

/* ---- claims, validation, signing ---------------------------------------------- */

static na_status claims_parse(na_claims **out, na_claims_type t, const char *json,
                              const char *what, const char *name, const na_ctx *x, na_err *err)
{
    na_status st = na_claims_from_json(out, t, json ? json : "", json ? strlen(json) : 0, err);
    if (st != NA_OK)
        na_err_prefix(err, "stored claims of %s '%s' in store '%s'", what, name, spath(x));
    return st;
}

static na_status check_valid(const na_claims *c, int64_t now, const char *what,
                             const char *name, na_err *err)
{
    na_issues *v = NULL;
    na_status st = na_claims_validate(c, now, &v, err);
    if (st != NA_OK)
        return st;
    if (na_issues_blocking(v, false)) {
        char msg[NA_ERR_MSG_MAX];
        size_t len = 0;
        msg[0] = '\0';
        for (size_t i = 0; i < v->count && len < sizeof msg - 1; i++) {
            int k;
            if (!v->items[i].blocking)
                continue;
            k = snprintf(msg + len, sizeof msg - len, "%s%s", len ? "; " : "",
                         v->items[i].description);
            if (k > 0)
                len = len + (size_t)k < sizeof msg ? len + (size_t)k : sizeof msg - 1;
        }
        st = na_fail(err, NA_EINVALID, "%s '%s' would not be valid: %s", what, name, msg);
    }
    na_issues_destroy(v);
    return st;
}

/* Encode with signer at ctx->now, validate, and give the JWT and the claims
 * JSON to store (new strings). */
static na_status sign_claims(na_ctx *x, na_claims *c, const na_nkey *signer, const char *what,
                             const char *name, char **jwt, char **json, na_err *err)
{
    na_status st;
    *jwt = NULL;
    *json = NULL;
    st = na_claims_encode(c, jwt, signer, x->now, err);
    if (st != NA_OK) {
        na_err_prefix(err, "cannot sign %s '%s'", what, name);
        return st;
    }
    st = check_valid(c, x->now, what, name, err);
    if (st == NA_OK && !(*json = na_claims_to_json(c, 0)))
        st = oom(err);
    if (st != NA_OK) {
        na_free(*jwt);
        *jwt = NULL;
    }
    return st;
}

/* Store a new key pair (created here) and give it to the caller. */
static na_status key_create(na_nkey **out, na_nkey_type t, na_err *err)
{
    return na_nkey_create(out, t, err);
}

/* ---- the operator ---------------------------------------------------------------- */

typedef struct op_state {
    na_entity e;
    na_claims *c;
} op_state;

static void op_release(op_state *op)
{
    na_claims_destroy(op->c);
    na_entity_release(&op->e);
    op->c = NULL;
}

static na_status op_load(na_ctx *x, op_state *op, na_err *err)
{
    na_status st;
    memset(op, 0, sizeof *op);
    if ((st = na_store_operator_get(x->store, &op->e, err)) != NA_OK)
        return st;
    st = claims_parse(&op->c, NA_CLAIMS_OPERATOR, op->e.claims_json, "operator", op->e.name, x,
                      err);
    if (st != NA_OK)
        op_release(op);
    return st;
}

/* Re-sign the operator with its identity key and store it. */
static na_status op_save(na_ctx *x, op_state *op, na_err *err)
{
    na_nkey *k = NULL;
    char *jwt = NULL, *json = NULL;
    const char *nm;
    na_status st = na_store_key_get(x->store, op->e.pub, &k, err);
    if (st == NA_OK)
        st = sign_claims(x, op->c, k, "operator", op->e.name, &jwt, &json, err);
    nm = na_claims_name(op->c);
    if (st == NA_OK) {
        free(op->e.jwt);
        free(op->e.claims_json);
        op->e.jwt = jwt;
        op->e.claims_json = json;
        jwt = json = NULL;
        if (!set_owned(&op->e.signer, op->e.pub) || (*nm && !set_owned(&op->e.name, nm)))
            st = oom(err);
        op->e.updated_at = x->now;
    }
    if (st == NA_OK)
        st = na_store_operator_put(x->store, &op->e, err);
    na_nkey_destroy(k);
    return st;
}

static bool op_is_strict(const op_state *op)
{
    bool strict = false;
    return na_claims_get_bool(op->c, "nats.strict_signing_key_usage", &strict) && strict;
}

/* The key that signs accounts: the first operator signing key with a seed in
 * the store, else the identity key unless the operator is strict. */
static na_status op_account_signer(na_ctx *x, const op_state *op, na_nkey **out, na_err *err)
{
    size_t n = na_claims_count(op->c, "nats.signing_keys");
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *pub = na_claims_str_at(op->c, "nats.signing_keys", i);
        na_err e = {0};
        na_status st;
        if (!pub)
            continue;
        st = na_store_key_get(x->store, pub, out, &e);
        if (st == NA_OK)
            return NA_OK;
        if (st != NA_ENOTFOUND)
            return pass(err, &e, st);
    }
    if (op_is_strict(op))
        return na_fail(err, NA_ECHAIN,
                       "operator '%s' requires signing keys (strict_signing_key_usage) but store "
                       "'%s' holds no seed for any of them (add one with 'operator sk add')",
                       op->e.name, spath(x));
    return na_store_key_get(x->store, op->e.pub, out, err);
}

/* ---- accounts ---------------------------------------------------------------------- */

typedef struct acct_state {
    na_entity e;
    na_claims *c;
} acct_state;

static void acct_release(acct_state *a)
{
    na_claims_destroy(a->c);
    na_entity_release(&a->e);
    a->c = NULL;
}

/* A live (not removed) account by name or public key; with_claims: parse
 * its claims too (a->c stays NULL otherwise). */
static na_status acct_get(na_ctx *x, const char *name, acct_state *a, bool with_claims,
                          na_err *err)
{
    na_status st;
    memset(a, 0, sizeof *a);
    if (!name || !*name)
        return na_fail(err, NA_EINVAL, "account name is empty");
    if ((st = na_store_account_get(x->store, name, &a->e, err)) != NA_OK)
        return st;
    if (a->e.deleted) {
        acct_release(a);
        return na_fail(err, NA_ENOTFOUND,
                       "account '%s' was removed from store '%s' (its deletion is pending the "
                       "next push)",
                       name, spath(x));
    }
    if (!with_claims)
        return NA_OK;
    st = claims_parse(&a->c, NA_CLAIMS_ACCOUNT, a->e.claims_json, "account", a->e.name, x, err);
    if (st != NA_OK)
        acct_release(a);
    return st;
}

static na_status acct_load(na_ctx *x, const char *name, acct_state *a, na_err *err)
{
    return acct_get(x, name, a, true, err);
}

/* Sign the account's claims (signer NULL: the operator's account signer) and
 * store them. op may be NULL (loaded here). */
static na_status acct_save(na_ctx *x, op_state *op, acct_state *a, const na_nkey *signer,
                           na_err *err)
{
    op_state local = {0};
    na_nkey *k = NULL;
    char *jwt = NULL, *json = NULL;
    na_status st = NA_OK;
    if (!signer) {
        if (!op) {
            if ((st = op_load(x, &local, err)) != NA_OK)
                return st;
            op = &local;
        }
        st = op_account_signer(x, op, &k, err);
        signer = k;
    }
    if (st == NA_OK)
        st = sign_claims(x, a->c, signer, "account", a->e.name, &jwt, &json, err);
    if (st == NA_OK) {
        free(a->e.jwt);
        free(a->e.claims_json);
        a->e.jwt = jwt;
        a->e.claims_json = json;
        if (!set_owned(&a->e.signer, na_nkey_public(signer)))
            st = oom(err);
        a->e.updated_at = x->now;
    }
    if (st == NA_OK)
        st = na_store_account_put(x->store, &a->e, err);
    na_nkey_destroy(k);
    op_release(&local);
    return st;
}

static na_status sk_find(na_ctx *x, const char *owner, const char *want, na_signing_key *out,
                         na_err *err)
{
    na_signing_key *l = NULL;
    size_t n = 0;
    na_status st = na_store_sk_list(x->store, owner, &l, &n, err);
    memset(out, 0, sizeof *out);
    if (st != NA_OK)
        return st;
    st = NA_ENOTFOUND;
    for (size_t pass_ = 0; pass_ < 2 && st == NA_ENOTFOUND; pass_++)
        for (size_t i = 0; i < n; i++) {
            bool hit = pass_ == 0 ? strcmp(l[i].pub, want) == 0
                                  : (l[i].role && strcmp(l[i].role, want) == 0);
            if (hit) {
                *out = l[i];
                memset(&l[i], 0, sizeof l[i]);
                st = NA_OK;
                break;
            }
        }
    na_signing_keys_free(l, n);
    if (st != NA_OK)
        st = na_fail(err, NA_ENOTFOUND, "signing key '%s' not found in account '%s' of store '%s'",
                     want, owner, spath(x));
    return st;
}

static void sk_release(na_signing_key *k)
{
    free(k->pub);
    free(k->owner);
    free(k->role);
    memset(k, 0, sizeof *k);
}

/* First plain signing key of an account whose seed the store holds. */
static na_status first_plain_sk(na_ctx *x, const char *owner, na_nkey **out, na_err *err)
{
    na_signing_key *l = NULL;
    size_t n = 0;
    na_status st = na_store_sk_list(x->store, owner, &l, &n, err);
    *out = NULL;
    if (st != NA_OK)
        return st;
    st = NA_ENOTFOUND;
    for (size_t i = 0; i < n && st == NA_ENOTFOUND; i++) {
        na_err e = {0};
        if (l[i].scoped)
            continue;
        st = na_store_key_get(x->store, l[i].pub, out, &e);
        if (st != NA_OK && st != NA_ENOTFOUND)
            pass(err, &e, st);
    }
    na_signing_keys_free(l, n);
    return st;
}

/* Add a new plain signing key to a loaded account and re-sign it. */
static na_status acct_add_plain_sk(na_ctx *x, op_state *op, acct_state *a, na_nkey **keep,
                                   char pub[PUB_CAP], na_err *err)
{
    na_nkey *k = NULL;
    na_status st = key_create(&k, NA_NKEY_ACCOUNT, err);
    if (st == NA_OK)
        st = na_claims_add_signing_key(a->c, na_nkey_public(k), err);
    if (st == NA_OK)
        st = acct_save(x, op, a, NULL, err);
    if (st == NA_OK)
        st = na_store_key_put(x->store, k, err);
    if (st == NA_OK)
        st = na_store_sk_put(x->store, a->e.name, na_nkey_public(k), NULL, false, err);
    if (st == NA_OK)
        st = audit(x, err, "signing key %s of account %s (%s)", na_nkey_public(k), a->e.name,
                   a->e.pub);
    if (st == NA_OK && pub)
        snprintf(pub, PUB_CAP, "%s", na_nkey_public(k));
    if (st == NA_OK && keep)
        *keep = k;
    else
        na_nkey_destroy(k);
    return st;
}

/* A new account. A removed account of the same name (a tombstone waiting
 * for push) is renamed "<name>~deleted~<pub>" to free the name. pre: an
 * identity key to use (borrowed; stored here), or NULL for a new one. */
static na_status account_create(na_ctx *x, op_state *op, const char *name, const na_edit *e,
                                size_t n, bool is_system, bool with_sk, const na_nkey *pre,
                                char pub[PUB_CAP], na_err *err)
{
    na_nkey *made = NULL, *sk = NULL, *signer = NULL;
    const na_nkey *k = pre;
    na_entity old = {0}, ent = {0};
    na_claims *c = NULL;
    char *jwt = NULL, *json = NULL, *tomb = NULL;
    na_err pe = {0};
    na_status st;

    st = na_store_account_get(x->store, name, &old, &pe);
    if (st == NA_OK) {
        if (!old.deleted) {
            st = na_fail(err, NA_EEXIST, "account '%s' already exists in store '%s'", name,
                         spath(x));
            goto out;
        }
        tomb = malloc(strlen(old.name) + sizeof "~deleted~" + strlen(old.pub));
        if (!tomb) {
            st = oom(err);
            goto out;
        }
        sprintf(tomb, "%s~deleted~%s", old.name, old.pub);
    } else if (st != NA_ENOTFOUND) {
        st = pass(err, &pe, st);
        goto out;
    }
    if (!k) {
        if ((st = key_create(&made, NA_NKEY_ACCOUNT, err)) != NA_OK)
            goto out;
        k = made;
    }
    if ((st = na_claims_create(&c, NA_CLAIMS_ACCOUNT, na_nkey_public(k), err)) != NA_OK ||
        (st = na_claims_set_name(c, name, err)) != NA_OK)
        goto out;
    if ((st = na_claims_apply(c, e, n, err)) != NA_OK) {
        na_err_prefix(err, "account '%s'", name);
        goto out;
    }
    if (with_sk) {
        if ((st = key_create(&sk, NA_NKEY_ACCOUNT, err)) != NA_OK ||
            (st = na_claims_add_signing_key(c, na_nkey_public(sk), err)) != NA_OK)
            goto out;
    }
    if ((st = op_account_signer(x, op, &signer, err)) != NA_OK ||
        (st = sign_claims(x, c, signer, "account", name, &jwt, &json, err)) != NA_OK)
        goto out;

    /* writes */
    if (tomb) {
        char *keep = old.name;
        old.name = tomb;
        st = na_store_account_put(x->store, &old, err);
        old.name = keep;
        if (st != NA_OK)
            goto out;
    }
    if ((st = na_store_key_put(x->store, k, err)) != NA_OK)
        goto out;
    ent.kind = NA_ENT_ACCOUNT;
    ent.name = (char *)name;
    ent.pub = (char *)na_nkey_public(k);
    ent.signer = (char *)na_nkey_public(signer);
    ent.claims_json = json;
    ent.jwt = jwt;
    ent.is_system = is_system;
    ent.updated_at = x->now;
    if ((st = na_store_account_put(x->store, &ent, err)) != NA_OK)
        goto out;
    if ((st = audit(x, err, "%saccount %s (%s)", is_system ? "system " : "", name,
                    na_nkey_public(k))) != NA_OK)
        goto out;
    if (sk) {
        if ((st = na_store_key_put(x->store, sk, err)) != NA_OK ||
            (st = na_store_sk_put(x->store, name, na_nkey_public(sk), NULL, false, err)) !=
                NA_OK ||
            (st = audit(x, err, "signing key %s of account %s (%s)", na_nkey_public(sk), name,
                        na_nkey_public(k))) != NA_OK)
            goto out;
    }
    if (pub)
        snprintf(pub, PUB_CAP, "%s", na_nkey_public(k));
out:
    free(tomb);
    na_free(jwt);
    na_free(json);
    na_claims_destroy(c);
    na_entity_release(&old);
    na_nkey_destroy(signer);
    na_nkey_destroy(sk);
    na_nkey_destroy(made);
    return st;
}

/* ---- users ---------------------------------------------------------------------- */

/* The first permission or limit a UserPermissionLimits-shaped object sets
 * (scoped users may carry none: the scope template supplies them), or NULL. */
static const char *first_permission(const json_t *n)
{
    static const char *const lists[] = {"pub", "sub", NULL};
    static const char *const keys[] = {"src", "times", "times_location", "subs", "data",
                                       "payload", "allowed_connection_types", NULL};
    for (int i = 0; lists[i]; i++) {
        const json_t *p = json_object_get(n, lists[i]);
        if (json_array_size(json_object_get(p, "allow")) ||
            json_array_size(json_object_get(p, "deny")))
            return lists[i];
    }
    if (json_object_get(n, "resp") && !json_is_null(json_object_get(n, "resp")))
        return "resp";
    if (json_is_true(json_object_get(n, "bearer_token")))
        return "bearer_token";
    if (json_is_true(json_object_get(n, "proxy_required")))
        return "proxy_required";
    for (int i = 0; keys[i]; i++) {
        const json_t *v = json_object_get(n, keys[i]);
        if ((json_is_integer(v) && json_integer_value(v) != 0) ||
            (json_is_string(v) && json_string_length(v)) || json_array_size(v))
            return keys[i];
    }
    return NULL;
}

/* How a user is signed. */
typedef struct usigner {
    na_nkey *key;
    bool via_sk;    /* an account signing key: issuer_account is set */
    bool scoped;
    char *role;
} usigner;

static void usigner_release(usigner *u)
{
    na_nkey_destroy(u->key);
    free(u->role);
    memset(u, 0, sizeof *u);
}

/* want: NULL/"" or the account's public key = identity key; else the public
 * key or role of one of the account's signing keys. */
static na_status usigner_find(na_ctx *x, const acct_state *a, const char *want, usigner *u,
                              na_err *err)
{
    na_signing_key sk;
    na_status st;
    memset(u, 0, sizeof *u);
    if (!want || !*want || strcmp(want, a->e.pub) == 0)
        return na_store_key_get(x->store, a->e.pub, &u->key, err);
    if ((st = sk_find(x, a->e.name, want, &sk, err)) != NA_OK)
        return st;
    st = na_store_key_get(x->store, sk.pub, &u->key, err);
    u->via_sk = true;
    u->scoped = sk.scoped;
    u->role = sk.role;
    sk.role = NULL;
    sk_release(&sk);
    if (st != NA_OK)
        usigner_release(u);
    return st;
}

static na_status scoped_check(const na_claims *c, const char *user, const acct_state *a,
                              const usigner *u, na_err *err)
{
    json_t *t = claims_tree(c);
    const char *f;
    na_status st = NA_OK;
    if (!t)
        return oom(err);
    f = first_permission(json_object_get(t, "nats"));
    if (f)
        st = na_fail(err, NA_EINVAL,
                     "user '%s' of account '%s' is signed by scoped signing key '%s'%s%s%s and "
                     "cannot carry permissions or limits of its own (nats.%s is set): the scope "
                     "template supplies them",
                     user, a->e.name, na_nkey_public(u->key), u->role ? " (role '" : "",
                     u->role ? u->role : "", u->role ? "')" : "", f);
    json_decref(t);
    return st;
}

/* The claims a user would get: scoped users start empty (no pub/sub/limits),
 * others from the Go defaults; then issuer_account and the edits. */
static na_status user_build(na_claims **out, const char *upub, const char *name,
                            const acct_state *a, const usigner *u, const na_edit *e, size_t n,
                            na_err *err)
{
    na_claims *c = NULL;
    na_status st;
    *out = NULL;
    if (u->scoped) {
        json_t *j = json_pack("{s:s,s:s}", "sub", upub, "name", name);
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!s)
            return na_fail(err, NA_EINVAL, "user name '%.60s' is not valid UTF-8", name);
        st = na_claims_from_json(&c, NA_CLAIMS_USER, s, strlen(s), err);
        free(s);
    } else {
        st = na_claims_create(&c, NA_CLAIMS_USER, upub, err);
        if (st == NA_OK)
            st = na_claims_set_name(c, name, err);
    }
    if (st == NA_OK && u->via_sk)
        st = na_claims_set_str(c, "nats.issuer_account", a->e.pub, err);
    if (st == NA_OK && (st = na_claims_apply(c, e, n, err)) != NA_OK)
        na_err_prefix(err, "user '%s'", name);
    if (st == NA_OK && u->scoped)
        st = scoped_check(c, name, a, u, err);
    if (st != NA_OK)
        na_claims_destroy(c);
    else
        *out = c;
    return st;
}

static na_status user_create(na_ctx *x, const acct_state *a, const char *name,
                             const char *sk_want, const na_edit *e, size_t n,
                             char pub[PUB_CAP], na_err *err)
{
    usigner u = {0};
    na_nkey *k = NULL;
    na_claims *c = NULL;
    char *jwt = NULL, *json = NULL;
    na_entity ent = {0};
    na_status st;
    if ((st = usigner_find(x, a, sk_want, &u, err)) != NA_OK ||
        (st = key_create(&k, NA_NKEY_USER, err)) != NA_OK ||
        (st = user_build(&c, na_nkey_public(k), name, a, &u, e, n, err)) != NA_OK ||
        (st = sign_claims(x, c, u.key, "user", name, &jwt, &json, err)) != NA_OK)
        goto out;
    if ((st = na_store_key_put(x->store, k, err)) != NA_OK)
        goto out;
    ent.kind = NA_ENT_USER;
    ent.name = (char *)name;
    ent.pub = (char *)na_nkey_public(k);
    ent.account = a->e.name;
    ent.signer = (char *)na_nkey_public(u.key);
    ent.claims_json = json;
    ent.jwt = jwt;
    ent.updated_at = x->now;
    if ((st = na_store_user_put(x->store, &ent, err)) != NA_OK)
        goto out;
    st = audit(x, err, "user %s (%s) in account %s (%s)%s%s", name, na_nkey_public(k), a->e.name,
               a->e.pub, u.via_sk ? ", signed by " : "", u.via_sk ? na_nkey_public(u.key) : "");
    if (st == NA_OK && pub)
        snprintf(pub, PUB_CAP, "%s", na_nkey_public(k));
out:
    na_free(jwt);
    na_free(json);
    na_claims_destroy(c);
    na_nkey_destroy(k);
    usigner_release(&u);
    return st;
}

/* user add with the conflict policy, on a loaded account. */
static na_status user_add_in(na_ctx *x, const acct_state *a, const char *name,
                             const char *sk_want, const na_edit *e, size_t n, na_result *r,
                             na_err *err)
{
    na_entity old = {0};
    na_err pe = {0};
    char pub[PUB_CAP];
    na_status st = na_store_user_get(x->store, a->e.name, name, &old, &pe);
    if (st == NA_ENOTFOUND) {
        st = user_create(x, a, name, sk_want, e, n, pub, err);
        if (st == NA_OK)
            res_set(r, true, pub);
        return st;
    }
    if (st != NA_OK)
        return pass(err, &pe, st);
    if (x->conflict != NA_CONFLICT_IDEMPOTENT) {
        st = na_fail(err, NA_EEXIST, "user '%s' already exists in account '%s' of store '%s'",
                     name, a->e.name, spath(x));
    } else {
        usigner u = {0};
        na_claims *want = NULL;
        diffbuf d = {{0}, 0, 0};
        st = usigner_find(x, a, sk_want, &u, err);
        if (st == NA_OK)
            st = user_build(&want, old.pub, name, a, &u, e, n, err);
        if (st == NA_OK && strcmp(old.signer ? old.signer : "", na_nkey_public(u.key)) != 0) {
            json_t *sa = json_string(old.signer ? old.signer : ""),
                   *sb = json_string(na_nkey_public(u.key));
            diff_add(&d, "signer", sa, sb);
            json_decref(sa);
            json_decref(sb);
        }
        if (st == NA_OK)
            st = claims_diff(&d, old.claims_json, want, NULL, e, n, "nats.issuer_account", err);
        if (st == NA_OK && d.count)
            st = na_fail(err, NA_EEXIST,
                         "user '%s' exists in account '%s' with different settings: %s", name,
                         a->e.name, d.s);
        if (st == NA_OK)
            res_set(r, false, old.pub);
        na_claims_destroy(want);
        usigner_release(&u);
    }
    na_entity_release(&old);
    return st;
}

/* ---- init ------------------------------------------------------------------------- */

/* Find the live system account (entity copied to out), NA_ENOTFOUND if none. */
static na_status find_system(na_ctx *x, na_entity *out, na_err *err)
{
    na_entity *l = NULL;
    size_t n = 0;
    na_status st = na_store_account_list(x->store, false, &l, &n, err);
    memset(out, 0, sizeof *out);
    if (st != NA_OK)
        return st;
    st = NA_ENOTFOUND;
    for (size_t i = 0; i < n; i++)
        if (l[i].is_system) {
            *out = l[i];
            memset(&l[i], 0, sizeof l[i]);
            st = NA_OK;
            break;
        }
    na_entities_free(l, n);
    return st;
}

static bool has_plain_sk(na_ctx *x, const char *owner, na_status *st, na_err *err)
{
    na_signing_key *l = NULL;
    size_t n = 0;
    bool found = false;
    *st = na_store_sk_list(x->store, owner, &l, &n, err);
    for (size_t i = 0; *st == NA_OK && i < n; i++)
        if (!l[i].scoped)
            found = true;
    na_signing_keys_free(l, n);
    return found;
}

/* The system account (with its "sys" user) for an operator; updates the
 * operator's nats.system_account and re-signs it. */
static na_status create_system(na_ctx *x, op_state *op, const char *sysname, na_err *err)
{
    na_nkey *k = NULL;
    acct_state a = {0};
    na_status st = key_create(&k, NA_NKEY_ACCOUNT, err);
    if (st == NA_OK)
        st = na_claims_set_str(op->c, "nats.system_account", na_nkey_public(k), err);
    if (st == NA_OK)
        st = op_save(x, op, err);
    if (st == NA_OK)
        st = account_create(x, op, sysname, NULL, 0, true, false, k, NULL, err);
    if (st == NA_OK)
        st = acct_load(x, na_nkey_public(k), &a, err);
    if (st == NA_OK)
        st = user_create(x, &a, "sys", NULL, NULL, 0, NULL, err);
    acct_release(&a);
    na_nkey_destroy(k);
    return st;
}

static na_status op_add_sk(na_ctx *x, op_state *op, char pub[PUB_CAP], na_err *err);

static na_status init_operator(na_ctx *x, const char *opname, const char *sysname, bool sk,
                               op_state *op, na_err *err)
{
    na_nkey *ok = NULL, *osk = NULL;
    na_claims *c = NULL;
    char *jwt = NULL, *json = NULL;
    na_entity ent = {0};
    na_status st;
    if ((st = key_create(&ok, NA_NKEY_OPERATOR, err)) != NA_OK ||
        (st = na_claims_create(&c, NA_CLAIMS_OPERATOR, na_nkey_public(ok), err)) != NA_OK ||
        (st = na_claims_set_name(c, opname, err)) != NA_OK)
        goto out;
    if (sk && ((st = key_create(&osk, NA_NKEY_OPERATOR, err)) != NA_OK ||
               (st = na_claims_add_signing_key(c, na_nkey_public(osk), err)) != NA_OK))
        goto out;
    if ((st = sign_claims(x, c, ok, "operator", opname, &jwt, &json, err)) != NA_OK ||
        (st = na_store_key_put(x->store, ok, err)) != NA_OK)
        goto out;
    ent.kind = NA_ENT_OPERATOR;
    ent.name = (char *)opname;
    ent.pub = (char *)na_nkey_public(ok);
    ent.signer = ent.pub;
    ent.claims_json = json;
    ent.jwt = jwt;
    ent.updated_at = x->now;
    if ((st = na_store_operator_put(x->store, &ent, err)) != NA_OK ||
        (st = audit(x, err, "operator %s (%s)", opname, na_nkey_public(ok))) != NA_OK)
        goto out;
    if (osk && ((st = na_store_key_put(x->store, osk, err)) != NA_OK ||
                (st = na_store_sk_put(x->store, "operator", na_nkey_public(osk), NULL, false,
                                      err)) != NA_OK ||
                (st = audit(x, err, "operator signing key %s", na_nkey_public(osk))) != NA_OK))
        goto out;
    if ((st = op_load(x, op, err)) != NA_OK)
        goto out;
    st = create_system(x, op, sysname, err);
out:
    na_free(jwt);
    na_free(json);
    na_claims_destroy(c);
    na_nkey_destroy(osk);
    na_nkey_destroy(ok);
    return st;
}

na_status na_init(na_ctx *x, const na_init_opts *o, na_result *r, na_err *err)
{
    const char *opname = o && o->operator_name && *o->operator_name ? o->operator_name : NULL;
    const char *sysname = o && o->system_account && *o->system_account ? o->system_account
                                                                         : NULL;
    bool sk = o && o->signing_keys, changed = false;
    op_state op = {0};
    na_entity cur = {0}, sys = {0};
    na_err pe = {0};
    na_status st;

    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if ((opname && (st = name_check("operator", opname, err)) != NA_OK) ||
        (sysname && (st = name_check("system account", sysname, err)) != NA_OK))
        return st;
    for (size_t i = 0; o && i < o->naccounts; i++)
        if ((st = name_check("account", o->accounts[i], err)) != NA_OK)
            return st;

    st = na_store_operator_get(x->store, &cur, &pe);
    if (st == NA_ENOTFOUND) {
        if ((st = init_operator(x, opname ? opname : "natsauth", sysname ? sysname : "SYS", sk,
                                &op, err)) != NA_OK)
            goto out;
        changed = true;
    } else if (st != NA_OK) {
        st = pass(err, &pe, st);
        goto out;
    } else {
        if (opname && strcmp(opname, cur.name) != 0) {
            st = na_fail(err, NA_EEXIST, "store '%s' already holds operator '%s', not '%s'",
                         spath(x), cur.name, opname);
            goto out;
        }
        if ((st = op_load(x, &op, err)) != NA_OK)
            goto out;
        st = find_system(x, &sys, &pe);
        if (st == NA_OK) {
            na_entity u = {0};
            if (sysname && strcmp(sysname, sys.name) != 0) {
                st = na_fail(err, NA_EEXIST,
                             "store '%s' already has system account '%s', not '%s'", spath(x),
                             sys.name, sysname);
                goto out;
            }
            st = na_store_user_get(x->store, sys.name, "sys", &u, &pe);
            na_entity_release(&u);
            if (st == NA_ENOTFOUND) {
                acct_state a;
                if ((st = acct_load(x, sys.name, &a, err)) != NA_OK)
                    goto out;
                st = user_create(x, &a, "sys", NULL, NULL, 0, NULL, err);
                acct_release(&a);
                changed = true;
            } else if (st != NA_OK) {
                st = pass(err, &pe, st);
            }
        } else if (st == NA_ENOTFOUND) {
            st = create_system(x, &op, sysname ? sysname : "SYS", err);
            changed = true;
        } else {
            st = pass(err, &pe, st);
        }
        if (st != NA_OK)
            goto out;
        if (sk && na_claims_count(op.c, "nats.signing_keys") == 0) {
            if ((st = op_add_sk(x, &op, NULL, err)) != NA_OK)
                goto out;
            changed = true;
        }
    }
    na_entity_release(&sys);
    if ((st = find_system(x, &sys, err)) != NA_OK)
        goto out;

    for (size_t i = 0; o && i < o->naccounts; i++) {
        const char *name = o->accounts[i];
        na_entity ae = {0};
        if (strcmp(name, sys.name) == 0)
            continue;
        st = na_store_account_get(x->store, name, &ae, &pe);
        if (st == NA_OK && !ae.deleted) {
            if (sk) {
                bool has = has_plain_sk(x, ae.name, &st, err);
                if (st == NA_OK && !has) {
                    acct_state a;
                    if ((st = acct_load(x, ae.name, &a, err)) == NA_OK)
                        st = acct_add_plain_sk(x, &op, &a, NULL, NULL, err);
                    acct_release(&a);
                    changed = true;
                }
            }
        } else if (st == NA_OK || st == NA_ENOTFOUND) {
            st = account_create(x, &op, name, NULL, 0, false, sk, NULL, NULL, err);
            changed = true;
        } else {
            st = pass(err, &pe, st);
        }
        na_entity_release(&ae);
        if (st != NA_OK)
            goto out;
    }
    res_set(r, changed, op.e.pub);
out:
    na_entity_release(&sys);
    na_entity_release(&cur);
    op_release(&op);
    return st;
}

/* ---- operator ------------------------------------------------------------------------ */

/* Re-sign the live accounts that `signer_pub` signed (every one when NULL)
 * with `with` (NULL: the operator's current account signer). */
static na_status resign_accounts(na_ctx *x, op_state *op, const char *signer_pub,
                                 const na_nkey *with, size_t *count, na_err *err)
{
    na_entity *l = NULL;
    size_t n = 0;
    na_status st = na_store_account_list(x->store, false, &l, &n, err);
    if (count)
        *count = 0;
    for (size_t i = 0; st == NA_OK && i < n; i++) {
        acct_state a = {0};
        if (signer_pub && strcmp(l[i].signer ? l[i].signer : "", signer_pub) != 0)
            continue;
        a.e = l[i];
        memset(&l[i], 0, sizeof l[i]);
        st = claims_parse(&a.c, NA_CLAIMS_ACCOUNT, a.e.claims_json, "account", a.e.name, x, err);
        if (st == NA_OK)
            st = acct_save(x, op, &a, with, err);
        if (st == NA_OK && count)
            (*count)++;
        acct_release(&a);
    }
    na_entities_free(l, n);
    return st;
}

na_status na_operator_edit(na_ctx *x, const na_edit *e, size_t n, na_result *r, na_err *err)
{
    op_state op = {0};
    char *before = NULL, *after = NULL;
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK || (st = op_load(x, &op, err)) != NA_OK)
        return st;
    if (!(before = na_claims_to_json(op.c, 0))) {
        st = oom(err);
        goto out;
    }
    if ((st = na_claims_apply(op.c, e, n, err)) != NA_OK) {
        na_err_prefix(err, "operator '%s'", op.e.name);
        goto out;
    }
    if (!(after = na_claims_to_json(op.c, 0))) {
        st = oom(err);
        goto out;
    }
    if (strcmp(before, after) == 0) {
        res_set(r, false, op.e.pub);
        goto out;
    }
    if ((st = op_save(x, &op, err)) != NA_OK)
        goto out;
    /* a strict operator may no longer sign accounts with its identity key */
    if (op_is_strict(&op) && (st = resign_accounts(x, &op, op.e.pub, NULL, NULL, err)) != NA_OK)
        goto out;
    if ((st = audit(x, err, "operator %s (%s) edited", op.e.name, op.e.pub)) == NA_OK)
        res_set(r, true, op.e.pub);
out:
    na_free(before);
    na_free(after);
    op_release(&op);
    return st;
}

/* Add a new operator signing key to the loaded operator and re-sign it. */
static na_status op_add_sk(na_ctx *x, op_state *op, char pub[PUB_CAP], na_err *err)
{
    na_nkey *k = NULL;
    na_status st = key_create(&k, NA_NKEY_OPERATOR, err);
    if (st == NA_OK)
        st = na_claims_add_signing_key(op->c, na_nkey_public(k), err);
    if (st == NA_OK)
        st = op_save(x, op, err);
    if (st == NA_OK)
        st = na_store_key_put(x->store, k, err);
    if (st == NA_OK)
        st = na_store_sk_put(x->store, "operator", na_nkey_public(k), NULL, false, err);
    if (st == NA_OK)
        st = audit(x, err, "operator signing key %s", na_nkey_public(k));
    if (st == NA_OK && pub)
        snprintf(pub, PUB_CAP, "%s", na_nkey_public(k));
    na_nkey_destroy(k);
    return st;
}

static bool op_has_sk(const op_state *op, const char *pub)
{
    size_t n = na_claims_count(op->c, "nats.signing_keys");
    for (size_t i = 0; i < n; i++) {
        const char *k = na_claims_str_at(op->c, "nats.signing_keys", i);
        if (k && strcmp(k, pub) == 0)
            return true;
    }
    return false;
}

na_status na_operator_sk_add(na_ctx *x, na_result *r, na_err *err)
{
    op_state op = {0};
    char pub[PUB_CAP];
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK || (st = op_load(x, &op, err)) != NA_OK)
        return st;
    if (x->conflict == NA_CONFLICT_IDEMPOTENT && na_claims_count(op.c, "nats.signing_keys")) {
        /* idempotent: "the operator has a signing key" already holds */
        res_set(r, false, na_claims_str_at(op.c, "nats.signing_keys", 0));
    } else if ((st = op_add_sk(x, &op, pub, err)) == NA_OK) {
        res_set(r, true, pub);
    }
    op_release(&op);
    return st;
}

static na_status op_drop_sk(op_state *op, const char *pub, na_err *err)
{
    na_status st = na_claims_remove_str(op->c, "nats.signing_keys", pub, err);
    if (st == NA_OK && na_claims_count(op->c, "nats.signing_keys") == 0)
        st = na_claims_unset(op->c, "nats.signing_keys", err);
    return st;
}

na_status na_operator_sk_rm(na_ctx *x, const char *pub, na_err *err)
{
    op_state op = {0};
    size_t moved = 0;
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK || (st = op_load(x, &op, err)) != NA_OK)
        return st;
    if (!pub || !op_has_sk(&op, pub)) {
        st = na_fail(err, NA_ENOTFOUND, "operator signing key '%s' not found in store '%s'",
                     pub ? pub : "", spath(x));
        goto out;
    }
    if ((st = op_drop_sk(&op, pub, err)) != NA_OK || (st = op_save(x, &op, err)) != NA_OK)
        goto out;
    /* accounts it signed would no longer be trusted: move them to the next signer */
    if ((st = resign_accounts(x, &op, pub, NULL, &moved, err)) != NA_OK ||
        (st = na_store_sk_delete(x->store, pub, err)) != NA_OK)
        goto out;
    st = audit(x, err, "operator signing key %s removed (%zu accounts re-signed)", pub, moved);
out:
    op_release(&op);
    return st;
}

na_status na_operator_sk_rotate(na_ctx *x, const char *old_pub, na_result *r, na_err *err)
{
    op_state op = {0};
    na_nkey *k = NULL;
    char *old = NULL;
    size_t moved = 0;
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK || (st = op_load(x, &op, err)) != NA_OK)
        return st;
    if (!old_pub || !*old_pub) {
        if (na_claims_count(op.c, "nats.signing_keys") != 1) {
            st = na_fail(err, NA_EINVAL,
                         "operator '%s' has %zu signing keys: name the one to rotate",
                         op.e.name, na_claims_count(op.c, "nats.signing_keys"));
            goto out;
        }
        old_pub = na_claims_str_at(op.c, "nats.signing_keys", 0);
    }
    if (!op_has_sk(&op, old_pub)) {
        st = na_fail(err, NA_ENOTFOUND, "operator signing key '%s' not found in store '%s'",
                     old_pub, spath(x));
        goto out;
    }
    if (!(old = na_store_dupstr(old_pub))) {
        st = oom(err);
        goto out;
    }
    if ((st = key_create(&k, NA_NKEY_OPERATOR, err)) != NA_OK ||
        (st = na_claims_add_signing_key(op.c, na_nkey_public(k), err)) != NA_OK ||
        (st = op_drop_sk(&op, old, err)) != NA_OK || (st = op_save(x, &op, err)) != NA_OK ||
        (st = na_store_key_put(x->store, k, err)) != NA_OK ||
        (st = na_store_sk_put(x->store, "operator", na_nkey_public(k), NULL, false, err)) !=
            NA_OK)
        goto out;
    if ((st = resign_accounts(x, &op, NULL, k, &moved, err)) != NA_OK ||
        (st = na_store_sk_delete(x->store, old, err)) != NA_OK)
        goto out;
    st = audit(x, err, "operator signing key %s rotated to %s (%zu accounts re-signed)", old,
               na_nkey_public(k), moved);
    if (st == NA_OK)
        res_set(r, true, na_nkey_public(k));
out:
    free(old);
    na_nkey_destroy(k);
    op_release(&op);
    return st;
}

/* ---- accounts ---------------------------------------------------------------------------- */

na_status na_account_add(na_ctx *x, const char *name, const na_edit *e, size_t n,
                         na_result *r, na_err *err)
{
    op_state op = {0};
    na_entity old = {0};
    na_claims *want = NULL;
    na_err pe = {0};
    char pub[PUB_CAP];
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK || (st = name_check("account", name, err)) != NA_OK ||
        (st = op_load(x, &op, err)) != NA_OK)
        return st;
    st = na_store_account_get(x->store, name, &old, &pe);
    if (st == NA_OK && !old.deleted) {
        if (x->conflict != NA_CONFLICT_IDEMPOTENT) {
            st = na_fail(err, NA_EEXIST, "account '%s' already exists in store '%s'", name,
                         spath(x));
        } else {
            diffbuf d = {{0}, 0, 0};
            if ((st = na_claims_create(&want, NA_CLAIMS_ACCOUNT, old.pub, err)) == NA_OK &&
                (st = na_claims_set_name(want, name, err)) == NA_OK &&
                (st = na_claims_apply(want, e, n, err)) != NA_OK)
                na_err_prefix(err, "account '%s'", name);
            if (st == NA_OK)
                st = claims_diff(&d, old.claims_json, want, ACCOUNT_MANAGED, e, n, NULL, err);
            if (st == NA_OK && d.count)
                st = na_fail(err, NA_EEXIST, "account '%s' exists with different settings: %s",
                             name, d.s);
            if (st == NA_OK)
                res_set(r, false, old.pub);
        }
    } else if (st == NA_OK || st == NA_ENOTFOUND) {
        st = account_create(x, &op, name, e, n, false, false, NULL, pub, err);
        if (st == NA_OK)
            res_set(r, true, pub);
    } else {
        st = pass(err, &pe, st);
    }
    na_claims_destroy(want);
    na_entity_release(&old);
    op_release(&op);
    return st;
}

na_status na_account_edit(na_ctx *x, const char *name, const na_edit *e, size_t n,
                          na_result *r, na_err *err)
{
    acct_state a = {0};
    char *before = NULL, *after = NULL;
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK || (st = acct_load(x, name, &a, err)) != NA_OK)
        return st;
    if (!(before = na_claims_to_json(a.c, 0))) {
        st = oom(err);
        goto out;
    }
    if ((st = na_claims_apply(a.c, e, n, err)) != NA_OK) {
        na_err_prefix(err, "account '%s'", a.e.name);
        goto out;
    }
    if (!(after = na_claims_to_json(a.c, 0))) {
        st = oom(err);
        goto out;
    }
    if (strcmp(before, after) == 0) {
        res_set(r, false, a.e.pub);
        goto out;
    }
    if ((st = acct_save(x, NULL, &a, NULL, err)) == NA_OK &&
        (st = audit(x, err, "account %s (%s) edited", a.e.name, a.e.pub)) == NA_OK)
        res_set(r, true, a.e.pub);
out:
    na_free(before);
    na_free(after);
    acct_release(&a);
    return st;
}

/* Add a revocation to a loaded account and re-sign it if that changed it. */
static na_status acct_revoke(na_ctx *x, acct_state *a, const char *pub, int64_t at,
                             bool *changed, na_err *err)
{
    char *before = na_claims_to_json(a->c, 0), *after = NULL;
    na_status st = before ? na_claims_revoke(a->c, pub, at, err) : oom(err);
    *changed = false;
    if (st == NA_OK && !(after = na_claims_to_json(a->c, 0)))
        st = oom(err);
    if (st == NA_OK && strcmp(before, after) != 0) {
        *changed = true;
        st = acct_save(x, NULL, a, NULL, err);
    }
    na_free(before);
    na_free(after);
    return st;
}

na_status na_account_revoke_all(na_ctx *x, const char *name, int64_t before, na_err *err)
{
    acct_state a = {0};
    bool changed;
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK || (st = acct_load(x, name, &a, err)) != NA_OK)
        return st;
    st = acct_revoke(x, &a, "*", before, &changed, err);
    if (st == NA_OK && changed)
        st = audit(x, err, "account %s (%s): users issued at or before %lld revoked", a.e.name,
                   a.e.pub, (long long)before);
    acct_release(&a);
    return st;
}

/* Remove an account: revoke all its users, keep it as a tombstone
 * (deleted=1, JWT kept for push), drop its signing keys and tenants. */
static na_status account_remove(na_ctx *x, const char *name, na_err *err)
{
    acct_state a = {0};
    na_signing_key *sks = NULL;
    size_t nsk = 0, norg = 0;
    char **orgs = NULL;
    na_status st;
    if ((st = acct_load(x, name, &a, err)) != NA_OK)
        return st;
    if (a.e.is_system) {
        st = na_fail(err, NA_EINVAL, "the system account '%s' of store '%s' cannot be removed",
                     a.e.name, spath(x));
        goto out;
    }
    a.e.deleted = true;
    if ((st = na_claims_revoke(a.c, "*", x->now, err)) != NA_OK ||
        (st = acct_save(x, NULL, &a, NULL, err)) != NA_OK)
        goto out;
    if ((st = na_store_sk_list(x->store, a.e.name, &sks, &nsk, err)) != NA_OK)
        goto out;
    for (size_t i = 0; i < nsk && st == NA_OK; i++)
        st = na_store_sk_delete(x->store, sks[i].pub, err);
    if (st != NA_OK || (st = na_store_tenant_list(x->store, &orgs, &norg, err)) != NA_OK)
        goto out;
    for (size_t i = 0; i < norg && st == NA_OK; i++) {
        char *acct = NULL;
        st = na_store_tenant_account(x->store, orgs[i], &acct, err);
        if (st == NA_OK && acct && strcmp(acct, a.e.name) == 0) {
            st = na_store_tenant_delete(x->store, orgs[i], err);
            if (st == NA_OK)
                st = audit(x, err, "organisation %s removed with account %s", orgs[i], a.e.name);
        }
        free(acct);
    }
    if (st == NA_OK)
        st = audit(x, err, "account %s (%s) removed", a.e.name, a.e.pub);
out:
    na_strings_free(orgs, norg);
    na_signing_keys_free(sks, nsk);
    acct_release(&a);
    return st;
}

na_status na_account_rm(na_ctx *x, const char *name, na_err *err)
{
    na_status st = ctx_check(x, err);
    return st == NA_OK ? account_remove(x, name, err) : st;
}

na_status na_account_resign(na_ctx *x, const char *name, na_err *err)
{
    acct_state a = {0};
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK || (st = acct_load(x, name, &a, err)) != NA_OK)
        return st;
    if ((st = acct_save(x, NULL, &a, NULL, err)) == NA_OK)
        st = audit(x, err, "account %s (%s) re-signed by %s", a.e.name, a.e.pub, a.e.signer);
    acct_release(&a);
    return st;
}

/* ---- account signing keys ------------------------------------------------------------ */

/* A scope template with NewUserScope's defaults (subs/data/payload -1)
 * where the given one leaves them out. New string. */
static na_status scope_template(const char *tpl, char **out, na_err *err)
{
    json_error_t je;
    json_t *t = tpl ? json_loads(tpl, 0, &je) : json_object();
    static const char *const lim[] = {"subs", "data", "payload", NULL};
    *out = NULL;
    if (!json_is_object(t)) {
        json_decref(t);
        return na_fail(err, NA_EJSON, "scope template is not a JSON object%s%s", tpl ? ": " : "",
                       tpl ? je.text : "");
    }
    for (int i = 0; lim[i]; i++)
        if (!json_object_get(t, lim[i]))
            json_object_set_new(t, lim[i], json_integer(-1));
    *out = json_dumps(t, JSON_COMPACT);
    json_decref(t);
    return *out ? NA_OK : oom(err);
}

/* The signing_keys entry for pub in a claims tree (string or scope object). */
static json_t *skey_entry(json_t *tree, const char *pub, size_t *index)
{
    json_t *arr = json_object_get(json_object_get(tree, "nats"), "signing_keys"), *e;
    size_t i;
    json_array_foreach(arr, i, e) {
        const char *k = json_is_string(e) ? json_string_value(e)
                                          : json_string_value(json_object_get(e, "key"));
        if (k && strcmp(k, pub) == 0) {
            if (index)
                *index = i;
            return e;
        }
    }
    return NULL;
}

na_status na_account_sk_add(na_ctx *x, const char *account, const na_scope *scope,
                            na_result *r, na_err *err)
{
    acct_state a = {0};
    na_nkey *k = NULL, *plain = NULL;
    char *tpl = NULL;
    const char *role = scope && scope->role && *scope->role ? scope->role : NULL;
    na_signing_key same = {0};
    na_err pe = {0};
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK || (st = acct_load(x, account, &a, err)) != NA_OK)
        return st;
    if (!scope) {
        if (x->conflict == NA_CONFLICT_IDEMPOTENT &&
            (st = first_plain_sk(x, a.e.name, &plain, &pe)) != NA_ENOTFOUND) {
            /* idempotent: "the account has a plain signing key" already holds */
            if (st == NA_OK)
                res_set(r, false, na_nkey_public(plain));
            else
                pass(err, &pe, st);
            goto out;
        }
        char pub[PUB_CAP];
        if ((st = acct_add_plain_sk(x, NULL, &a, NULL, pub, err)) == NA_OK)
            res_set(r, true, pub);
        goto out;
    }
    if ((st = scope_template(scope->template_json, &tpl, err)) != NA_OK)
        goto out;
    if (role) {
        st = sk_find(x, a.e.name, role, &same, &pe);
        if (st == NA_OK && same.role && strcmp(same.role, role) == 0) {
            if (x->conflict != NA_CONFLICT_IDEMPOTENT) {
                st = na_fail(err, NA_EEXIST,
                             "signing key role '%s' already exists in account '%s' of store '%s'",
                             role, a.e.name, spath(x));
            } else {
                /* compare the scope as it is with the scope as asked */
                na_claims *want = NULL;
                json_t *t1 = claims_tree(a.c), *t2 = NULL;
                diffbuf d = {{0}, 0, 0};
                st = na_claims_clone(&want, a.c, err);
                if (st == NA_OK)
                    st = na_claims_add_scoped_key(want, same.pub, role, tpl,
                                                  scope->description, err);
                if (st == NA_OK && !(t2 = claims_tree(want)))
                    st = oom(err);
                if (st == NA_OK && t1)
                    json_diff(&d, "", skey_entry(t1, same.pub, NULL),
                              skey_entry(t2, same.pub, NULL));
                if (st == NA_OK && d.count)
                    st = na_fail(err, NA_EEXIST,
                                 "signing key role '%s' exists in account '%s' with different "
                                 "settings: %s",
                                 role, a.e.name, d.s);
                if (st == NA_OK)
                    res_set(r, false, same.pub);
                json_decref(t1);
                json_decref(t2);
                na_claims_destroy(want);
            }
            goto out;
        }
        if (st != NA_OK && st != NA_ENOTFOUND) {
            pass(err, &pe, st);
            goto out;
        }
    }
    if ((st = key_create(&k, NA_NKEY_ACCOUNT, err)) != NA_OK ||
        (st = na_claims_add_scoped_key(a.c, na_nkey_public(k), role, tpl, scope->description,
                                       err)) != NA_OK ||
        (st = acct_save(x, NULL, &a, NULL, err)) != NA_OK ||
        (st = na_store_key_put(x->store, k, err)) != NA_OK ||
        (st = na_store_sk_put(x->store, a.e.name, na_nkey_public(k), role, true, err)) != NA_OK ||
        (st = audit(x, err, "scoped signing key %s (role %s) of account %s (%s)",
                    na_nkey_public(k), role ? role : "-", a.e.name, a.e.pub)) != NA_OK)
        goto out;
    res_set(r, true, na_nkey_public(k));
out:
    sk_release(&same);
    free(tpl);
    na_nkey_destroy(plain);
    na_nkey_destroy(k);
    acct_release(&a);
    return st;
}

na_status na_account_sk_rm(na_ctx *x, const char *account, const char *pub, na_err *err)
{
    acct_state a = {0};
    na_signing_key sk = {0};
    json_t *tree = NULL;
    char *arr = NULL, *key = NULL;
    size_t idx = 0;
    na_err pe = {0};
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK || (st = acct_load(x, account, &a, err)) != NA_OK)
        return st;
    if (!pub || !*pub) {
        st = na_fail(err, NA_EINVAL, "no signing key named");
        goto out;
    }
    /* by public key or role in the store, else a key only the claims list */
    st = sk_find(x, a.e.name, pub, &sk, &pe);
    if (st != NA_OK && st != NA_ENOTFOUND) {
        pass(err, &pe, st);
        goto out;
    }
    if (!(key = na_store_dupstr(st == NA_OK ? sk.pub : pub)) || !(tree = claims_tree(a.c))) {
        st = oom(err);
        goto out;
    }
    if (!skey_entry(tree, key, &idx)) {
        st = na_fail(err, NA_ENOTFOUND,
                     "signing key '%s' not found in account '%s' of store '%s'", pub, a.e.name,
                     spath(x));
        goto out;
    }
    {
        json_t *list = json_object_get(json_object_get(tree, "nats"), "signing_keys");
        json_array_remove(list, idx);
        if (json_array_size(list) == 0) {
            st = na_claims_unset(a.c, "nats.signing_keys", err);
        } else if (!(arr = json_dumps(list, JSON_COMPACT))) {
            st = oom(err);
        } else {
            st = na_claims_set_json(a.c, "nats.signing_keys", arr, err);
        }
    }
    if (st == NA_OK)
        st = acct_save(x, NULL, &a, NULL, err);
    if (st == NA_OK)
        st = na_store_sk_delete(x->store, key, err);
    if (st == NA_OK)
        st = audit(x, err, "signing key %s of account %s (%s) removed", key, a.e.name, a.e.pub);
out:
    free(arr);
    free(key);
    json_decref(tree);
    sk_release(&sk);
    acct_release(&a);
    return st;
}

/* ---- users ------------------------------------------------------------------------- */

na_status na_user_add(na_ctx *x, const char *account, const char *name, const na_user_opts *o,
                      const na_edit *e, size_t n, na_result *r, na_err *err)
{
    acct_state a = {0};
    na_status st;
    res_init(r);
    /* users need the account's name and keys, not its claims */
    if ((st = ctx_check(x, err)) != NA_OK || (st = name_check("user", name, err)) != NA_OK ||
        (st = acct_get(x, account, &a, false, err)) != NA_OK)
        return st;
    st = user_add_in(x, &a, name, o ? o->signing_key : NULL, e, n, r, err);
    acct_release(&a);
    return st;
}

typedef struct user_state {
    acct_state a;
    na_entity u;
} user_state;

static void user_release(user_state *s)
{
    acct_release(&s->a);
    na_entity_release(&s->u);
}

static na_status user_load(na_ctx *x, const char *account, const char *name, user_state *s,
                           bool acct_claims, na_err *err)
{
    na_status st;
    memset(s, 0, sizeof *s);
    if (!name || !*name)
        return na_fail(err, NA_EINVAL, "user name is empty");
    if ((st = acct_get(x, account, &s->a, acct_claims, err)) != NA_OK)
        return st;
    if ((st = na_store_user_get(x->store, s->a.e.name, name, &s->u, err)) != NA_OK)
        user_release(s);
    return st;
}

na_status na_user_edit(na_ctx *x, const char *account, const char *name, const na_edit *e,
                       size_t n, na_result *r, na_err *err)
{
    user_state s = {0};
    usigner u = {0};
    na_claims *c = NULL;
    char *before = NULL, *after = NULL, *jwt = NULL, *json = NULL;
    na_err pe = {0};
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK ||
        (st = user_load(x, account, name, &s, false, err)) != NA_OK)
        return st;
    if ((st = claims_parse(&c, NA_CLAIMS_USER, s.u.claims_json, "user", s.u.name, x, err)) !=
            NA_OK ||
        !(before = na_claims_to_json(c, 0))) {
        st = st != NA_OK ? st : oom(err);
        goto out;
    }
    if ((st = na_claims_apply(c, e, n, err)) != NA_OK) {
        na_err_prefix(err, "user '%s'", s.u.name);
        goto out;
    }
    if (!(after = na_claims_to_json(c, 0))) {
        st = oom(err);
        goto out;
    }
    if (strcmp(before, after) == 0) {
        res_set(r, false, s.u.pub);
        goto out;
    }
    /* re-sign with the key that signed it */
    st = usigner_find(x, &s.a, s.u.signer, &u, &pe);
    if (st == NA_ENOTFOUND) {
        st = na_fail(err, NA_ECHAIN,
                     "user '%s' of account '%s' was signed by '%s', which is no longer a signing "
                     "key of the account (remove and add the user again)",
                     s.u.name, s.a.e.name, s.u.signer ? s.u.signer : "");
        goto out;
    }
    if (st != NA_OK) {
        pass(err, &pe, st);
        goto out;
    }
    if (u.scoped && (st = scoped_check(c, s.u.name, &s.a, &u, err)) != NA_OK)
        goto out;
    if ((st = sign_claims(x, c, u.key, "user", s.u.name, &jwt, &json, err)) != NA_OK)
        goto out;
    free(s.u.jwt);
    free(s.u.claims_json);
    s.u.jwt = jwt;
    s.u.claims_json = json;
    jwt = json = NULL;
    s.u.updated_at = x->now;
    if ((st = na_store_user_put(x->store, &s.u, err)) == NA_OK &&
        (st = audit(x, err, "user %s (%s) in account %s (%s) edited", s.u.name, s.u.pub,
                    s.a.e.name, s.a.e.pub)) == NA_OK)
        res_set(r, true, s.u.pub);
out:
    na_free(jwt);
    na_free(json);
    na_free(before);
    na_free(after);
    na_claims_destroy(c);
    usigner_release(&u);
    user_release(&s);
    return st;
}

static na_status user_revoke_in(na_ctx *x, user_state *s, na_err *err)
{
    bool changed;
    na_status st = acct_revoke(x, &s->a, s->u.pub, x->now, &changed, err);
    if (st == NA_OK && changed)
        st = audit(x, err, "user %s (%s) in account %s (%s) revoked", s->u.name, s->u.pub,
                   s->a.e.name, s->a.e.pub);
    return st;
}

na_status na_user_revoke(na_ctx *x, const char *account, const char *name, na_err *err)
{
    user_state s = {0};
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK ||
        (st = user_load(x, account, name, &s, true, err)) != NA_OK)
        return st;
    st = user_revoke_in(x, &s, err);
    user_release(&s);
    return st;
}

static na_status user_rm_in(na_ctx *x, user_state *s, na_err *err)
{
    na_status st = user_revoke_in(x, s, err);
    if (st == NA_OK)
        st = na_store_user_delete(x->store, s->a.e.name, s->u.name, err);
    if (st == NA_OK)
        st = audit(x, err, "user %s (%s) in account %s (%s) removed", s->u.name, s->u.pub,
                   s->a.e.name, s->a.e.pub);
    return st;
}

na_status na_user_rm(na_ctx *x, const char *account, const char *name, na_err *err)
{
    user_state s = {0};
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK ||
        (st = user_load(x, account, name, &s, true, err)) != NA_OK)
        return st;
    st = user_rm_in(x, &s, err);
    user_release(&s);
    return st;
}

/* Creds text for a JWT and the seed of key (a secret: na_free_secret). */
static na_status creds_of(char **out, const char *jwt, const na_nkey *k, na_err *err)
{
    char seed[NA_NKEY_SEED_LEN + 1];
    na_status st = na_nkey_seed(k, seed, err);
    if (st == NA_OK)
        st = na_creds_format(out, jwt, seed, err);
    na_wipe(seed, sizeof seed);
    return st;
}

na_status na_user_creds(na_ctx *x, const char *account, const char *name, char **creds,
                        na_err *err)
{
    user_state s = {0};
    na_nkey *k = NULL;
    na_status st;
    if (creds)
        *creds = NULL;
    if (!creds)
        return na_fail(err, NA_EINVAL, "creds output is NULL");
    if ((st = ctx_check(x, err)) != NA_OK ||
        (st = user_load(x, account, name, &s, false, err)) != NA_OK)
        return st;
    if ((st = na_store_key_get(x->store, s.u.pub, &k, err)) == NA_OK)
        st = creds_of(creds, s.u.jwt, k, err);
    /* reading creds is audited when it happens inside a transaction */
    if (st == NA_OK && na_store_in_transaction(x->store))
        st = audit(x, err, "creds of user %s (%s) in account %s (%s) read", s.u.name, s.u.pub,
                   s.a.e.name, s.a.e.pub);
    if (st != NA_OK) {
        na_free_secret(*creds);
        *creds = NULL;
    }
    na_nkey_destroy(k);
    user_release(&s);
    return st;
}

na_status na_user_mint(na_ctx *x, const char *account, const char *name, const na_edit *e,
                       size_t n, int64_t expiry, char **creds, na_err *err)
{
    acct_state a = {0};
    usigner u = {0};
    na_nkey *k = NULL;
    na_claims *c = NULL;
    char *jwt = NULL, *json = NULL;
    const char *nm = name ? name : "";
    na_err pe = {0};
    na_status st;
    if (creds)
        *creds = NULL;
    if (!creds)
        return na_fail(err, NA_EINVAL, "creds output is NULL");
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if (*nm && (st = name_check("user", nm, err)) != NA_OK)
        return st;
    if (expiry <= 0)
        return na_fail(err, NA_EINVAL, "mint expiry must be a positive number of seconds, not %lld",
                       (long long)expiry);
    if ((st = acct_load(x, account, &a, err)) != NA_OK)
        return st;
    st = first_plain_sk(x, a.e.name, &u.key, &pe);
    if (st == NA_ENOTFOUND)
        st = acct_add_plain_sk(x, NULL, &a, &u.key, NULL, err);
    else if (st != NA_OK)
        pass(err, &pe, st);
    if (st != NA_OK)
        goto out;
    u.via_sk = true;
    if ((st = key_create(&k, NA_NKEY_USER, err)) != NA_OK ||
        (st = user_build(&c, na_nkey_public(k), nm, &a, &u, e, n, err)) != NA_OK ||
        (st = na_claims_set_expires(c, x->now + expiry, err)) != NA_OK ||
        (st = sign_claims(x, c, u.key, "user", nm, &jwt, &json, err)) != NA_OK ||
        (st = creds_of(creds, jwt, k, err)) != NA_OK)
        goto out;
    st = audit(x, err, "minted user %s (%s) in account %s (%s), signed by %s, expires %lld",
               *nm ? nm : "-", na_nkey_public(k), a.e.name, a.e.pub, na_nkey_public(u.key),
               (long long)(x->now + expiry));
out:
    if (st != NA_OK) {
        na_free_secret(*creds);
        *creds = NULL;
    }
    na_free(jwt);
    na_free(json);
    na_claims_destroy(c);
    na_nkey_destroy(k);
    usigner_release(&u);
    acct_release(&a);
    return st;
}

/* ---- exports / imports ------------------------------------------------------------------ */

/* Subject.IsContainedIn: every subject `sub` matches is matched by `in`. */
static bool subject_contained(const char *sub, const char *in)
{
    while (*sub && *in) {
        size_t ls = strcspn(sub, "."), li = strcspn(in, ".");
        if (li == 1 && in[0] == '>')
            return true;
        if (!(li == 1 && in[0] == '*' && !(ls == 1 && sub[0] == '>')) &&
            !(ls == li && memcmp(sub, in, ls) == 0))
            return false;
        sub += ls;
        in += li;
        if (*sub != *in)
            return false;
        if (*sub)
            sub++, in++;
    }
    return !*sub && !*in;
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Parse an Export/Import object argument. */
static na_status parse_object(json_t **out, const char *what, const char *text, na_err *err)
{
    json_error_t je;
    *out = NULL;
    if (!text)
        return na_fail(err, NA_EINVAL, "%s is NULL", what);
    *out = json_loads(text, 0, &je);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return na_fail(err, NA_EJSON, "%s is not a JSON object: %s", what,
                       je.text[0] ? je.text : "not an object");
    }
    if (!*jstr(*out, "subject")) {
        json_decref(*out);
        *out = NULL;
        return na_fail(err, NA_EINVAL, "%s has no subject", what);
    }
    return NA_OK;
}

/* Put a list (an array in tree.nats.<field>) back into the claims. */
static na_status set_list(na_claims *c, const char *path, json_t *list, na_err *err)
{
    char *s;
    na_status st;
    if (json_array_size(list) == 0)
        return na_claims_unset(c, path, err);
    if (!(s = json_dumps(list, JSON_COMPACT)))
        return oom(err);
    st = na_claims_set_json(c, path, s, err);
    free(s);
    return st;
}

na_status na_export_add(na_ctx *x, const char *account, const char *export_json, na_err *err)
{
    acct_state a = {0};
    json_t *ex = NULL, *tree = NULL, *list, *el;
    size_t i;
    bool same = false;
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK ||
        (st = parse_object(&ex, "export", export_json, err)) != NA_OK)
        return st;
    if (!json_object_get(ex, "type"))
        json_object_set_new(ex, "type", json_string("stream"));
    if ((st = acct_load(x, account, &a, err)) != NA_OK)
        goto out;
    if (!(tree = claims_tree(a.c))) {
        st = oom(err);
        goto out;
    }
    list = json_object_get(json_object_get(tree, "nats"), "exports");
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(json_object_get(tree, "nats"), "exports", list);
    }
    /* one export per subject: a new one replaces the old */
    for (i = json_array_size(list); i-- > 0;) {
        el = json_array_get(list, i);
        if (strcmp(jstr(el, "subject"), jstr(ex, "subject")) == 0) {
            same = same || json_equal(el, ex);
            json_array_remove(list, i);
        }
    }
    if (same)
        goto out; /* identical: nothing to do */
    json_array_append(list, ex);
    if ((st = set_list(a.c, "nats.exports", list, err)) != NA_OK) {
        na_err_prefix(err, "export '%s' of account '%s'", jstr(ex, "subject"), a.e.name);
        goto out;
    }
    if ((st = acct_save(x, NULL, &a, NULL, err)) == NA_OK)
        st = audit(x, err, "%s export %s of account %s (%s)", jstr(ex, "type"),
                   jstr(ex, "subject"), a.e.name, a.e.pub);
out:
    json_decref(tree);
    json_decref(ex);
    acct_release(&a);
    return st;
}

static na_status list_remove(na_ctx *x, const char *account, const char *field,
                             const char *what, const char *subject, na_err *err)
{
    acct_state a = {0};
    json_t *tree = NULL, *list;
    char path[32];
    size_t removed = 0;
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if (!subject || !*subject)
        return na_fail(err, NA_EINVAL, "%s subject is empty", what);
    if ((st = acct_load(x, account, &a, err)) != NA_OK)
        return st;
    if (!(tree = claims_tree(a.c))) {
        st = oom(err);
        goto out;
    }
    list = json_object_get(json_object_get(tree, "nats"), field);
    for (size_t i = json_array_size(list); i-- > 0;)
        if (strcmp(jstr(json_array_get(list, i), "subject"), subject) == 0) {
            json_array_remove(list, i);
            removed++;
        }
    if (!removed) {
        st = na_fail(err, NA_ENOTFOUND, "%s '%s' not found in account '%s' of store '%s'", what,
                     subject, a.e.name, spath(x));
        goto out;
    }
    snprintf(path, sizeof path, "nats.%s", field);
    if ((st = set_list(a.c, path, list, err)) == NA_OK &&
        (st = acct_save(x, NULL, &a, NULL, err)) == NA_OK)
        st = audit(x, err, "%s %s of account %s (%s) removed", what, subject, a.e.name, a.e.pub);
out:
    json_decref(tree);
    acct_release(&a);
    return st;
}

na_status na_export_rm(na_ctx *x, const char *account, const char *subject, na_err *err)
{
    return list_remove(x, account, "exports", "export", subject, err);
}

/* An activation for importer pub signed by the exporter's identity key. */
static na_status make_activation(na_ctx *x, const acct_state *exp, const char *importer,
                                 const char *subject, const char *kind, char **token,
                                 na_err *err)
{
    na_claims *act = NULL;
    na_nkey *k = NULL;
    char *json = NULL;
    na_status st;
    *token = NULL;
    if ((st = na_claims_create(&act, NA_CLAIMS_ACTIVATION, importer, err)) == NA_OK &&
        (st = na_claims_set_str(act, "nats.subject", subject, err)) == NA_OK &&
        (st = na_claims_set_str(act, "nats.kind", kind, err)) == NA_OK &&
        (st = na_store_key_get(x->store, exp->e.pub, &k, err)) == NA_OK)
        st = sign_claims(x, act, k, "activation for", subject, token, &json, err);
    na_free(json);
    na_nkey_destroy(k);
    na_claims_destroy(act);
    return st;
}

na_status na_import_add(na_ctx *x, const char *account, const char *import_json, na_err *err)
{
    acct_state a = {0}, ea = {0};
    json_t *im = NULL, *etree = NULL, *tree = NULL, *list, *match = NULL, *el;
    const char *from, *subject, *type;
    char *token = NULL;
    size_t i;
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK ||
        (st = parse_object(&im, "import", import_json, err)) != NA_OK)
        return st;
    from = jstr(im, "account");
    subject = jstr(im, "subject");
    if (!*from) {
        st = na_fail(err, NA_EINVAL, "import '%s' names no account to import from", subject);
        goto out;
    }
    if ((st = acct_load(x, account, &a, err)) != NA_OK ||
        (st = acct_load(x, from, &ea, err)) != NA_OK)
        goto out;
    if (strcmp(a.e.pub, ea.e.pub) == 0) {
        st = na_fail(err, NA_EINVAL, "account '%s' cannot import '%s' from itself", a.e.name,
                     subject);
        goto out;
    }
    if (!(etree = claims_tree(ea.c)) || !(tree = claims_tree(a.c))) {
        st = oom(err);
        goto out;
    }
    type = jstr(im, "type");
    json_array_foreach(json_object_get(json_object_get(etree, "nats"), "exports"), i, el) {
        if ((!*type || strcmp(type, jstr(el, "type")) == 0) &&
            subject_contained(subject, jstr(el, "subject"))) {
            match = el;
            break;
        }
    }
    if (!match) {
        st = na_fail(err, NA_ENOTFOUND, "account '%s' has no %s%sexport matching '%s'",
                     ea.e.name, type, *type ? " " : "", subject);
        goto out;
    }
    if (!*type)
        json_object_set_new(im, "type", json_string(jstr(match, "type")));
    type = jstr(im, "type");
    json_object_set_new(im, "account", json_string(ea.e.pub));
    list = json_object_get(json_object_get(tree, "nats"), "imports");
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(json_object_get(tree, "nats"), "imports", list);
    }
    /* one import per (exporter, subject); an identical one (token aside) stays */
    for (i = json_array_size(list); i-- > 0;) {
        el = json_array_get(list, i);
        if (strcmp(jstr(el, "subject"), subject) == 0 &&
            strcmp(jstr(el, "account"), ea.e.pub) == 0) {
            json_t *c1 = json_copy(el), *c2 = json_copy(im);
            const char *given = jstr(im, "token");
            bool same;
            json_object_del(c1, "token");
            json_object_del(c2, "token");
            same = c1 && c2 && json_equal(c1, c2) &&
                   (!json_is_true(json_object_get(match, "token_req")) || *jstr(el, "token")) &&
                   (!*given || strcmp(given, jstr(el, "token")) == 0);
            json_decref(c1);
            json_decref(c2);
            if (same)
                goto out;
            json_array_remove(list, i);
        }
    }
    if (json_is_true(json_object_get(match, "token_req")) && !*jstr(im, "token")) {
        if ((st = make_activation(x, &ea, a.e.pub, subject, type, &token, err)) != NA_OK)
            goto out;
        json_object_set_new(im, "token", json_string(token));
    }
    json_array_append(list, im);
    if ((st = set_list(a.c, "nats.imports", list, err)) != NA_OK) {
        na_err_prefix(err, "import '%s' of account '%s'", subject, a.e.name);
        goto out;
    }
    if ((st = acct_save(x, NULL, &a, NULL, err)) == NA_OK)
        st = audit(x, err, "%s import %s from account %s (%s) into account %s (%s)%s", type,
                   subject, ea.e.name, ea.e.pub, a.e.name, a.e.pub,
                   token ? " with an activation" : "");
out:
    na_free(token);
    json_decref(tree);
    json_decref(etree);
    json_decref(im);
    acct_release(&ea);
    acct_release(&a);
    return st;
}

na_status na_import_rm(na_ctx *x, const char *account, const char *subject, na_err *err)
{
    return list_remove(x, account, "imports", "import", subject, err);
}

/* ---- server configuration ----------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool failed;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (b->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!b->p || b->len + (size_t)n >= b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *np;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        if (!(np = realloc(b->p, cap))) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* A name for a // comment: no line breaks. New string. */
static char *comment_safe(const char *s)
{
    char *c = na_store_dupstr(s ? s : "");
    for (char *p = c; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return c;
}

static int by_pub(const void *a, const void *b)
{
    return strcmp(((const na_entity *)a)->pub, ((const na_entity *)b)->pub);
}

static bool conf_safe(const char *s)
{
    for (; *s; s++)
        if (*s == '\'' || *s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            return false;
    return true;
}

na_status na_config(na_ctx *x, const na_config_opts *o, char **out, na_err *err)
{
    na_config_opts def = {NA_RESOLVER_MEMORY, NULL, true, NULL};
    na_entity op = {0}, *l = NULL, *sys = NULL;
    size_t n = 0;
    sbuf b = {0};
    char *opname = NULL;
    na_status st;
    if (out)
        *out = NULL;
    if (!out)
        return na_fail(err, NA_EINVAL, "config output is NULL");
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if (!o)
        o = &def;
    if ((st = na_store_operator_get(x->store, &op, err)) != NA_OK ||
        (st = na_store_account_list(x->store, false, &l, &n, err)) != NA_OK)
        goto out;
    if (n)
        qsort(l, n, sizeof *l, by_pub);
    for (size_t i = 0; i < n; i++)
        if (l[i].is_system)
            sys = &l[i];
    if (!(opname = comment_safe(op.name))) {
        st = oom(err);
        goto out;
    }
    sb_add(&b, "// Operator \"%s\"\noperator: %s\n\n", opname, op.jwt);
    if (o->resolver == NA_RESOLVER_MEMORY) {
        if (sys)
            sb_add(&b, "system_account: %s\n\n", sys->pub);
        sb_add(&b, "resolver: MEMORY\n\nresolver_preload: {\n");
        for (size_t i = 0; i < n; i++) {
            char *nm = comment_safe(l[i].name);
            sb_add(&b, "  // Account \"%s\"\n  %s: %s\n\n", nm ? nm : "", l[i].pub, l[i].jwt);
            free(nm);
        }
        sb_add(&b, "}\n");
    } else if (o->resolver == NA_RESOLVER_FULL) {
        const char *dir = o->dir && *o->dir ? o->dir : "./jwt";
        const char *interval = o->interval && *o->interval ? o->interval : "2m";
        char *sysname;
        if (!sys) {
            st = na_fail(err, NA_EINVAL,
                         "store '%s' has no system account, which the full resolver needs",
                         spath(x));
            goto out;
        }
        if (!conf_safe(dir) || !conf_safe(interval)) {
            st = na_fail(err, NA_EINVAL,
                         "resolver dir '%s' or interval '%s' contains a quote, a backslash or a "
                         "control character",
                         dir, interval);
            goto out;
        }
        sysname = comment_safe(sys->name);
        sb_add(&b,
               "system_account: %s\n\n"
               "resolver {\n"
               "  type: full\n"
               "  dir: '%s'\n"
               "  allow_delete: %s\n"
               "  interval: \"%s\"\n"
               "  timeout: \"1.9s\"\n"
               "}\n\n"
               "resolver_preload: {\n"
               "  // System Account \"%s\"\n"
               "  %s: %s\n"
               "}\n",
               sys->pub, dir, o->allow_delete ? "true" : "false", interval,
               sysname ? sysname : "", sys->pub, sys->jwt);
        free(sysname);
    } else {
        st = na_fail(err, NA_EINVAL, "unknown resolver type %d", (int)o->resolver);
        goto out;
    }
    if (b.failed) {
        st = oom(err);
        goto out;
    }
    *out = b.p;
    b.p = NULL;
out:
    free(b.p);
    free(opname);
    na_entities_free(l, n);
    na_entity_release(&op);
    return st;
}

/* ---- tenants ---------------------------------------------------------------------------- */

na_status na_tenant_add(na_ctx *x, const char *org, na_result *r, na_err *err)
{
    op_state op = {0};
    acct_state a = {0};
    char *acct = NULL;
    char pub[PUB_CAP];
    na_err pe = {0};
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK ||
        (st = name_check("organisation", org, err)) != NA_OK)
        return st;
    st = na_store_tenant_account(x->store, org, &acct, &pe);
    if (st == NA_OK) {
        if (x->conflict != NA_CONFLICT_IDEMPOTENT) {
            st = na_fail(err, NA_EEXIST, "organisation '%s' already exists in store '%s'", org,
                         spath(x));
        } else if ((st = acct_load(x, acct, &a, err)) == NA_OK) {
            res_set(r, false, a.e.pub);
        }
        goto out;
    }
    if (st != NA_ENOTFOUND) {
        pass(err, &pe, st);
        goto out;
    }
    /* the organisation's account: an existing one of that name, else a new one */
    st = acct_load(x, org, &a, &pe);
    if (st == NA_OK) {
        snprintf(pub, sizeof pub, "%s", a.e.pub);
    } else if (st == NA_ENOTFOUND) {
        if ((st = op_load(x, &op, err)) != NA_OK ||
            (st = account_create(x, &op, org, NULL, 0, false, false, NULL, pub, err)) != NA_OK)
            goto out;
    } else {
        pass(err, &pe, st);
        goto out;
    }
    if ((st = na_store_tenant_put(x->store, org, org, err)) == NA_OK &&
        (st = audit(x, err, "organisation %s (account %s)", org, pub)) == NA_OK)
        res_set(r, true, pub);
out:
    free(acct);
    acct_release(&a);
    op_release(&op);
    return st;
}

na_status na_tenant_rm(na_ctx *x, const char *org, na_err *err)
{
    char *acct = NULL;
    na_entity ae = {0};
    na_err pe = {0};
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if (!org || (st = na_store_tenant_account(x->store, org, &acct, err)) != NA_OK)
        return org ? st : na_fail(err, NA_EINVAL, "organisation name is empty");
    /* revoke every user and mark the account removed: that drops the
     * tenant rows of the account (and audits them) */
    st = na_store_account_get(x->store, acct, &ae, &pe);
    if (st == NA_OK && !ae.deleted) {
        st = account_remove(x, acct, err);
    } else if (st == NA_OK || st == NA_ENOTFOUND) {
        st = na_store_tenant_delete(x->store, org, err);
        if (st == NA_OK)
            st = audit(x, err, "organisation %s removed", org);
    } else {
        pass(err, &pe, st);
    }
    na_entity_release(&ae);
    free(acct);
    return st;
}

na_status na_tenant_app_add(na_ctx *x, const char *org, const char *app, bool robot,
                            na_result *r, na_err *err)
{
    acct_state a = {0};
    na_result ur = {0};
    char *acct = NULL, *user = NULL;
    bool was_robot = false;
    na_err pe = {0};
    na_status st;
    res_init(r);
    if ((st = ctx_check(x, err)) != NA_OK || (st = name_check("app", app, err)) != NA_OK ||
        !org || (st = na_store_tenant_account(x->store, org, &acct, err)) != NA_OK)
        return st != NA_OK ? st : na_fail(err, NA_EINVAL, "organisation name is empty");
    if ((st = acct_load(x, acct, &a, err)) != NA_OK)
        goto out;
    st = na_store_app_get(x->store, org, app, &user, &was_robot, &pe);
    if (st == NA_OK) {
        na_entity u = {0};
        if (x->conflict != NA_CONFLICT_IDEMPOTENT)
            st = na_fail(err, NA_EEXIST, "app '%s' already exists in organisation '%s' of store "
                         "'%s'", app, org, spath(x));
        else if (was_robot != robot)
            st = na_fail(err, NA_EEXIST,
                         "app '%s' exists in organisation '%s' with different settings: robot: "
                         "%s -> %s",
                         app, org, was_robot ? "true" : "false", robot ? "true" : "false");
        else if ((st = na_store_user_get(x->store, a.e.name, user, &u, err)) == NA_OK)
            res_set(r, false, u.pub);
        na_entity_release(&u);
        goto out;
    }
    if (st != NA_ENOTFOUND) {
        pass(err, &pe, st);
        goto out;
    }
    /* the app's user (an identical existing user is adopted when idempotent) */
    if ((st = user_add_in(x, &a, app, NULL, NULL, 0, &ur, err)) != NA_OK)
        goto out;
    if ((st = na_store_app_put(x->store, org, app, app, robot, err)) == NA_OK &&
        (st = audit(x, err, "app %s%s of organisation %s (user %s)", app,
                    robot ? " (robot)" : "", org, ur.pub)) == NA_OK)
        res_set(r, true, ur.pub);
out:
    free(user);
    free(acct);
    acct_release(&a);
    return st;
}

na_status na_tenant_app_rm(na_ctx *x, const char *org, const char *app, na_err *err)
{
    char *acct = NULL, *user = NULL;
    user_state s = {0};
    na_err pe = {0};
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if (!org || !app)
        return na_fail(err, NA_EINVAL, "organisation or app name is empty");
    if ((st = na_store_tenant_account(x->store, org, &acct, err)) != NA_OK ||
        (st = na_store_app_get(x->store, org, app, &user, NULL, err)) != NA_OK)
        goto out;
    /* revoke and delete its user (already gone: only the row is left) */
    st = user_load(x, acct, user, &s, true, &pe);
    if (st == NA_OK)
        st = user_rm_in(x, &s, err);
    else if (st == NA_ENOTFOUND)
        st = NA_OK;
    else
        pass(err, &pe, st);
    if (st == NA_OK)
        st = na_store_app_delete(x->store, org, app, err);
    if (st == NA_OK)
        st = audit(x, err, "app %s of organisation %s removed", app, org);
out:
    user_release(&s);
    free(user);
    free(acct);
    return st;
}

na_status na_tenant_member_add(na_ctx *x, const char *org, const char *email, bool owner,
                               na_err *err)
{
    bool was_owner = false;
    char *acct = NULL;
    na_err pe = {0};
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK || (st = name_check("member", email, err)) != NA_OK)
        return st;
    if (!org || (st = na_store_tenant_account(x->store, org, &acct, err)) != NA_OK)
        return org ? st : na_fail(err, NA_EINVAL, "organisation name is empty");
    free(acct);
    st = na_store_member_get(x->store, org, email, &was_owner, &pe);
    if (st == NA_OK) {
        if (x->conflict != NA_CONFLICT_IDEMPOTENT)
            return na_fail(err, NA_EEXIST,
                           "member '%s' already exists in organisation '%s' of store '%s'", email,
                           org, spath(x));
        if (was_owner != owner)
            return na_fail(err, NA_EEXIST,
                           "member '%s' exists in organisation '%s' with different settings: "
                           "owner: %s -> %s",
                           email, org, was_owner ? "true" : "false", owner ? "true" : "false");
        return NA_OK;
    }
    if (st != NA_ENOTFOUND)
        return pass(err, &pe, st);
    if ((st = na_store_member_put(x->store, org, email, owner, err)) != NA_OK)
        return st;
    return audit(x, err, "member %s%s of organisation %s", email, owner ? " (owner)" : "", org);
}

na_status na_tenant_member_rm(na_ctx *x, const char *org, const char *email, na_err *err)
{
    na_status st;
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if (!org || !email)
        return na_fail(err, NA_EINVAL, "organisation or member is empty");
    if ((st = na_store_member_get(x->store, org, email, NULL, err)) != NA_OK ||
        (st = na_store_member_delete(x->store, org, email, err)) != NA_OK)
        return st;
    return audit(x, err, "member %s of organisation %s removed", email, org);
}

/* ---- tenant app tokens ---------------------------------------------------------------------- */

/* "nat_" + base64url(32 random bytes): 256 bits, so one SHA-256 of it is a
 * safe thing to store and look up (no salt or slow hash needed). */
static na_status token_make(char **out, na_err *err)
{
    uint8_t raw[NA_APP_TOKEN_RAW_LEN];
    size_t prefix = strlen(NA_APP_TOKEN_PREFIX);
    size_t cap = prefix + sodium_base64_ENCODED_LEN(sizeof raw,
                                                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *t = malloc(cap);
    if (!t)
        return oom(err);
    randombytes_buf(raw, sizeof raw);
    memcpy(t, NA_APP_TOKEN_PREFIX, prefix);
    sodium_bin2base64(t + prefix, cap - prefix, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    *out = t;
    return NA_OK;
}

na_status na_tenant_app_token_create(na_ctx *x, const char *org, const char *app, int64_t ttl,
                                     char **token, na_app_token *info, na_err *err)
{
    uint8_t hash[NA_APP_TOKEN_HASH_LEN];
    char id[NA_APP_TOKEN_ID_LEN + 1];
    char *t = NULL, *acct = NULL, *user = NULL;
    int64_t expires = ttl > 0 ? x->now + ttl : 0;
    na_err pe = {0};
    na_status st;
    *token = NULL;
    if (info)
        memset(info, 0, sizeof *info);
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if (!org || !app)
        return na_fail(err, NA_EINVAL, "organisation or app name is empty");
    if (ttl < 0)
        return na_fail(err, NA_EINVAL, "token lifetime must be positive");
    if ((st = na_store_tenant_account(x->store, org, &acct, err)) != NA_OK ||
        (st = na_store_app_get(x->store, org, app, &user, NULL, err)) != NA_OK)
        goto out;
    /* a clash of two random 256-bit tokens (or of their 48-bit ids) is
     * astronomically rare; try again rather than fail */
    for (int attempt = 0; attempt < 3; attempt++) {
        na_free_secret(t);
        t = NULL;
        if ((st = token_make(&t, err)) != NA_OK)
            goto out;
        na_store_app_token_hash(hash, t);
        st = na_store_app_token_put(x->store, org, app, hash, x->now, expires, id, &pe);
        if (st != NA_EEXIST)
            break;
    }
    if (st != NA_OK) {
        pass(err, &pe, st);
        goto out;
    }
    if ((st = audit(x, err, "token %s of app %s of organisation %s (expires %lld)", id, app, org,
                    (long long)expires)) != NA_OK)
        goto out;
    if (info) {
        snprintf(info->id, sizeof info->id, "%s", id);
        info->created = x->now;
        info->expires = expires;
        if (!(info->org = na_store_dupstr(org)) || !(info->app = na_store_dupstr(app)) ||
            !(info->account = na_store_dupstr(acct)) || !(info->user = na_store_dupstr(user))) {
            na_app_token_release(info);
            st = oom(err);
            goto out;
        }
    }
    *token = t;
    t = NULL;
out:
    sodium_memzero(hash, sizeof hash);
    na_free_secret(t);
    free(user);
    free(acct);
    return st;
}

na_status na_tenant_app_token_revoke(na_ctx *x, const char *org, const char *app, const char *id,
                                     size_t *n, na_err *err)
{
    size_t deleted = 0;
    na_status st;
    if (n)
        *n = 0;
    if ((st = ctx_check(x, err)) != NA_OK)
        return st;
    if (!org || !app)
        return na_fail(err, NA_EINVAL, "organisation or app name is empty");
    if ((st = na_store_app_get(x->store, org, app, NULL, NULL, err)) != NA_OK ||
        (st = na_store_app_token_delete(x->store, org, app, id, &deleted, err)) != NA_OK)
        return st;
    if (id && deleted == 0)
        return na_fail(err, NA_ENOTFOUND, "token '%s' not found for app '%s' of organisation '%s'",
                       id, app, org);
    if (n)
        *n = deleted;
    if (deleted == 0)
        return NA_OK; /* nothing changed: nothing to audit */
    if (id)
        return audit(x, err, "token %s of app %s of organisation %s revoked", id, app, org);
    return audit(x, err, "%zu token%s of app %s of organisation %s revoked", deleted,
                 deleted == 1 ? "" : "s", app, org);
}
