/*
 * authz_store.c - the "store" authorizer: app tokens made by `natsauth
 * tenant app token ORG APP` let a client into the organisation's account
 * with the app user's permissions.
 *
 * {"type":"store", "path":"store.db", "passphrase":"env:NAME"|FILE}
 *
 * A connect token "nat_..." is hashed (SHA-256: tokens are 256-bit random)
 * and looked up in the store on every request, so a new or revoked token
 * counts at once. Unknown, expired, removed app or user, removed account:
 * DENY. Other tokens (and no token) are SKIP. The grant names the account
 * by public key and carries its signer, so this is for operator mode only
 * (the daemon refuses it in config mode).
 *
 * Invariants: one SQLite connection, used under a mutex (decide runs on the
 * service's workers). Signing keys are read from the store once per
 * account (at create/reload for every organisation, later on first use)
 * and kept in sodium_malloc'd memory (na_nkey); a key handed out as
 * grant->signer is never freed before destroy, even by a reload (which
 * retires the old keys instead), because the service signs with it after
 * decide returns. Tokens are wiped from our buffers and never appear in
 * an error message.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authz_internal.h"
#include "natsauth/manage.h"
#include "natsauth/store.h"

/* One account's signer. Retired entries (after a reload) stay allocated
 * until destroy: a worker may still be signing with them. */
typedef struct signer {
    char account[NA_NKEY_PUBLIC_LEN + 1];        /* the account's public key */
    char issuer_account[NA_NKEY_PUBLIC_LEN + 1]; /* "" = key is the account key */
    na_nkey *key;
    bool retired;
} signer;

typedef struct store_authz {
    na_authz base;
    pthread_mutex_t mu; /* guards everything below */
    char *path;         /* absolute or as given */
    char *passphrase;   /* the spec ("env:NAME" or a file), not the secret */
    char *base_dir;
    na_store *store;
    signer *signers;
    size_t nsigners, cap;
} store_authz;

static const char *const cfg_keys[] = {"type", "path", "passphrase", NULL};

/* The "nats" fields of the app user's JWT that become the grant's
 * permissions (na_authz_apply_user_json's schema). */
static const char *const user_fields[] = {
    "pub",  "sub",     "resp", "src", "times", "times_location", "subs",
    "data", "payload", "tags", "allowed_connection_types", NULL,
};

/* ---- store and keys ------------------------------------------------------ */

static na_status open_store(na_store **out, const store_authz *s, na_err *err)
{
    char *pass = NULL;
    na_store *st = NULL;
    na_status rc = na_store_open(&st, s->path, false, err);
    if (rc != NA_OK)
        return rc;
    if (na_store_is_sealed(st)) {
        if (!s->passphrase) {
            rc = na_fail(err, NA_EINVAL,
                         "store '%.200s' is sealed: give the authorizer a \"passphrase\" "
                         "(env:NAME or a file)",
                         s->path);
            goto out;
        }
        if ((rc = na_authz_read_secret(&pass, s->passphrase, s->base_dir, err)) != NA_OK ||
            (rc = na_store_unlock(st, pass, err)) != NA_OK)
            goto out;
    }
out:
    na_free_secret(pass);
    if (rc != NA_OK) {
        na_store_close(st);
        return rc;
    }
    *out = st;
    return NA_OK;
}

static signer *find_signer(store_authz *s, const char *account_pub)
{
    for (size_t i = 0; i < s->nsigners; i++)
        if (!s->signers[i].retired && strcmp(s->signers[i].account, account_pub) == 0)
            return &s->signers[i];
    return NULL;
}

/* The account's identity key if the store has its seed, else its first
 * plain (unscoped) signing key: a scoped key would impose its own
 * template instead of the app user's permissions. */
static na_status read_signer_key(na_store *st, const na_entity *acct, na_nkey **key,
                                 char issuer_account[NA_NKEY_PUBLIC_LEN + 1], na_err *err)
{
    na_signing_key *sks = NULL;
    size_t n = 0;
    na_err pe = {0};
    na_status rc = na_store_key_get(st, acct->pub, key, &pe);
    issuer_account[0] = '\0';
    if (rc != NA_ENOTFOUND) {
        if (rc != NA_OK && err)
            *err = pe;
        return rc;
    }
    if ((rc = na_store_sk_list(st, acct->name, &sks, &n, err)) != NA_OK)
        return rc;
    rc = NA_ENOTFOUND;
    for (size_t i = 0; i < n && rc == NA_ENOTFOUND; i++) {
        if (sks[i].scoped)
            continue;
        rc = na_store_key_get(st, sks[i].pub, key, &pe);
        if (rc == NA_OK)
            snprintf(issuer_account, NA_NKEY_PUBLIC_LEN + 1, "%s", acct->pub);
        else if (rc != NA_ENOTFOUND && err)
            *err = pe;
    }
    na_signing_keys_free(sks, n);
    if (rc == NA_ENOTFOUND)
        rc = na_fail(err, NA_ENOTFOUND,
                     "store has no seed for account '%.100s' or a plain signing key of it",
                     acct->name);
    return rc;
}

/* Load (or find) the signer of an account; s->mu held. */
static na_status get_signer(store_authz *s, const na_entity *acct, signer **out, na_err *err)
{
    signer *sg = find_signer(s, acct->pub);
    na_nkey *key = NULL;
    char issuer_account[NA_NKEY_PUBLIC_LEN + 1];
    na_status rc;
    if (sg) {
        *out = sg;
        return NA_OK;
    }
    if ((rc = read_signer_key(s->store, acct, &key, issuer_account, err)) != NA_OK)
        return rc;
    if (s->nsigners == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        signer *n = realloc(s->signers, cap * sizeof *n);
        if (!n) {
            na_nkey_destroy(key);
            return na_fail(err, NA_ENOMEM, "out of memory");
        }
        s->signers = n;
        s->cap = cap;
    }
    sg = &s->signers[s->nsigners++];
    memset(sg, 0, sizeof *sg);
    snprintf(sg->account, sizeof sg->account, "%s", acct->pub);
    memcpy(sg->issuer_account, issuer_account, sizeof sg->issuer_account);
    sg->key = key;
    *out = sg;
    return NA_OK;
}

/* Load the signers of every organisation's account (s->mu held). An
 * account without a usable key is not an error here: its tokens are
 * denied with the reason when used. */
static na_status preload(store_authz *s, na_err *err)
{
    char **orgs = NULL;
    size_t n = 0;
    na_status rc = na_store_tenant_list(s->store, &orgs, &n, err);
    for (size_t i = 0; rc == NA_OK && i < n; i++) {
        char *acct_name = NULL;
        na_entity acct = {0};
        signer *sg;
        if (na_store_tenant_account(s->store, orgs[i], &acct_name, NULL) == NA_OK &&
            na_store_account_get(s->store, acct_name, &acct, NULL) == NA_OK && !acct.deleted)
            get_signer(s, &acct, &sg, NULL);
        na_entity_release(&acct);
        free(acct_name);
    }
    na_strings_free(orgs, n);
    return rc;
}

/* ---- decide ---------------------------------------------------------------- */

/* grant->user from the "nats" object of the app user's JWT. */
static na_status apply_user_jwt(na_callout_grant *grant, const na_claims *user, na_err *err)
{
    char *text = na_claims_to_json(user, 0);
    json_t *root = NULL, *perms = NULL;
    na_status rc = NA_OK;
    if (!text)
        return na_fail(err, NA_ENOMEM, "out of memory");
    root = json_loads(text, 0, NULL);
    na_free(text);
    perms = json_object();
    if (!root || !perms) {
        rc = na_fail(err, NA_ENOMEM, "cannot read the app user's claims");
        goto out;
    }
    for (size_t i = 0; user_fields[i]; i++) {
        json_t *v = json_object_get(json_object_get(root, "nats"), user_fields[i]);
        if (v && json_object_set(perms, user_fields[i], v) != 0) {
            rc = na_fail(err, NA_ENOMEM, "out of memory");
            goto out;
        }
    }
    rc = na_authz_apply_user_json(grant, perms, err);
out:
    json_decref(perms);
    json_decref(root);
    return rc;
}

/* The lookups and the grant, with s->mu held. DENY reasons go to the
 * client and the log: they name the app, never the token. */
/* The claims of a JWT the store issued and keeps. Not verified: the store
 * is as trusted as the seeds it holds (whoever can write it can sign), and
 * two ed25519 verifies per request would double the cost of a decision. */
static na_status stored_claims(na_claims **out, na_claims_type type, const char *jwt,
                               na_err *err)
{
    char *payload = NULL;
    na_status st = na_jwt_split(NULL, &payload, jwt, strlen(jwt), err);
    if (st == NA_OK)
        st = na_claims_from_json(out, type, payload, strlen(payload), err);
    na_free(payload);
    return st;
}

/* The stored user JWT is signed by the account itself or by one of its
 * plain (unscoped) signing keys. Scoped keys are objects in
 * nats.signing_keys, plain ones strings. */
static bool signed_plainly(const na_claims *acct, const char *acct_pub, const na_claims *user)
{
    const char *iss = na_claims_issuer(user);
    size_t n = na_claims_count(acct, "nats.signing_keys");
    if (strcmp(iss, acct_pub) == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        const char *k = na_claims_str_at(acct, "nats.signing_keys", i);
        if (k && strcmp(k, iss) == 0)
            return true;
    }
    return false;
}

static na_authz_verdict decide_locked(store_authz *s, const uint8_t hash[NA_APP_TOKEN_HASH_LEN],
                                      int64_t now, na_callout_grant *grant, na_err *err)
{
    na_app_token tok = {0};
    na_entity acct = {0}, user = {0};
    na_claims *acct_claims = NULL, *user_claims = NULL;
    signer *sg = NULL;
    na_err pe = {0};
    na_authz_verdict v = NA_AUTHZ_DENY;
    na_status rc = na_store_app_token_find(s->store, hash, &tok, &pe);
    if (rc == NA_ENOTFOUND) {
        na_fail(err, NA_ENOTFOUND, "unknown token");
        goto out;
    }
    if (rc != NA_OK) {
        na_fail(err, rc, "token store unavailable");
        goto out;
    }
    if (tok.expires && tok.expires <= now) {
        na_fail(err, NA_EEXPIRED, "token %s of app '%.100s' expired", tok.id, tok.app);
        goto out;
    }
    if (na_store_account_get(s->store, tok.account, &acct, &pe) != NA_OK || acct.deleted) {
        na_fail(err, NA_ENOTFOUND, "account of organisation '%.100s' was removed", tok.org);
        goto out;
    }
    if (na_store_user_get(s->store, tok.account, tok.user, &user, &pe) != NA_OK) {
        na_fail(err, NA_ENOTFOUND, "user of app '%.100s' was removed", tok.app);
        goto out;
    }
    if (stored_claims(&acct_claims, NA_CLAIMS_ACCOUNT, acct.jwt, &pe) != NA_OK ||
        stored_claims(&user_claims, NA_CLAIMS_USER, user.jwt, &pe) != NA_OK) {
        na_fail(err, NA_EINVAL, "stored JWTs of app '%.100s' do not decode: %s", tok.app,
                pe.msg);
        goto out;
    }
    if (na_claims_is_revoked(acct_claims, user.pub, na_claims_issued_at(user_claims))) {
        na_fail(err, NA_EREVOKED, "user of app '%.100s' is revoked", tok.app);
        goto out;
    }
    if (na_claims_expires(user_claims) && na_claims_expires(user_claims) <= now) {
        na_fail(err, NA_EEXPIRED, "user of app '%.100s' expired", tok.app);
        goto out;
    }
    if (!signed_plainly(acct_claims, acct.pub, user_claims)) {
        /* a scoped key's user gets its permissions from the scope, which
         * this authorizer does not apply: refuse rather than grant the
         * account's defaults under an unscoped key (wider than the scope) */
        na_fail(err, NA_EINVAL,
                "app '%.100s' is signed by a scoped signing key: not supported by the store "
                "authorizer (re-add the app without --signing-key)",
                tok.app);
        goto out;
    }
    if (get_signer(s, &acct, &sg, err) != NA_OK)
        goto out;
    if (na_authz_set_name(grant->account, acct.pub, "account", err) != NA_OK ||
        na_authz_set_name(grant->name, tok.app, "app name", err) != NA_OK ||
        apply_user_jwt(grant, user_claims, err) != NA_OK)
        goto out;
    grant->signer = sg->key;
    memcpy(grant->issuer_account, sg->issuer_account, sizeof grant->issuer_account);
    /* no user JWT outlives the token or the app user */
    grant->expires = tok.expires;
    if (na_claims_expires(user_claims) &&
        (!grant->expires || na_claims_expires(user_claims) < grant->expires))
        grant->expires = na_claims_expires(user_claims);
    v = NA_AUTHZ_ALLOW;
out:
    na_claims_destroy(acct_claims);
    na_claims_destroy(user_claims);
    na_entity_release(&user);
    na_entity_release(&acct);
    na_app_token_release(&tok);
    return v;
}

static na_authz_verdict store_decide(na_authz *a, const na_authreq *req, na_callout_grant *grant,
                                     na_err *err)
{
    store_authz *s = (store_authz *)a;
    uint8_t hash[NA_APP_TOKEN_HASH_LEN];
    size_t plen = strlen(NA_APP_TOKEN_PREFIX);
    na_authz_verdict v;
    if (!req->token || strncmp(req->token, NA_APP_TOKEN_PREFIX, plen) != 0 ||
        !req->token[plen])
        return NA_AUTHZ_SKIP;
    na_store_app_token_hash(hash, req->token);
    pthread_mutex_lock(&s->mu);
    v = decide_locked(s, hash, (int64_t)time(NULL), grant, err);
    pthread_mutex_unlock(&s->mu);
    sodium_memzero(hash, sizeof hash);
    return v;
}

/* ---- lifecycle ------------------------------------------------------------- */

static na_status store_reload(na_authz *a, na_err *err)
{
    store_authz *s = (store_authz *)a;
    na_store *fresh = NULL;
    na_status rc = open_store(&fresh, s, err);
    if (rc != NA_OK)
        return rc;
    pthread_mutex_lock(&s->mu);
    na_store_close(s->store);
    s->store = fresh;
    for (size_t i = 0; i < s->nsigners; i++)
        s->signers[i].retired = true;
    rc = preload(s, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static void store_destroy(na_authz *a)
{
    store_authz *s = (store_authz *)a;
    for (size_t i = 0; i < s->nsigners; i++)
        na_nkey_destroy(s->signers[i].key);
    free(s->signers);
    na_store_close(s->store);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s->passphrase);
    free(s->base_dir);
    free(s);
}

static const na_authz_ops store_ops = {"store", store_decide, store_reload, store_destroy};

na_status na_authz_store_create(na_authz **out, const json_t *cfg, const char *base_dir,
                                na_err *err)
{
    const char *path = NULL, *pass = NULL;
    store_authz *s;
    na_status rc;
    if (!out)
        return na_fail(err, NA_EINVAL, "store authorizer: no output");
    *out = NULL;
    if ((rc = na_authz_check_keys(cfg, cfg_keys, "store authorizer", err)) != NA_OK ||
        (rc = na_authz_opt_str(&path, cfg, "path", "store authorizer", err)) != NA_OK ||
        (rc = na_authz_opt_str(&pass, cfg, "passphrase", "store authorizer", err)) != NA_OK)
        return rc;
    if (!path || !*path)
        return na_fail(err, NA_EINVAL, "store authorizer: 'path' (the store file) is required");
    if (!(s = calloc(1, sizeof *s)))
        return na_fail(err, NA_ENOMEM, "out of memory");
    s->base.ops = &store_ops;
    pthread_mutex_init(&s->mu, NULL);
    s->path = na_authz_path(path, base_dir);
    s->passphrase = pass ? strdup(pass) : NULL;
    s->base_dir = strdup(base_dir ? base_dir : "");
    if (!s->path || (pass && !s->passphrase) || !s->base_dir) {
        rc = na_fail(err, NA_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = open_store(&s->store, s, err)) != NA_OK)
        goto fail;
    pthread_mutex_lock(&s->mu);
    rc = preload(s, err);
    pthread_mutex_unlock(&s->mu);
    if (rc != NA_OK)
        goto fail;
    *out = &s->base;
    return NA_OK;
fail:
    na_err_prefix(err, "store authorizer");
    store_destroy(&s->base);
    return rc;
}
