/*
 * authz_jwt.c - the "jwt" authorizer: the client's connect token (or its
 * password when the token is empty) is a JWT from an external identity
 * provider, verified here and mapped to an account, a name and permissions.
 *
 * Algorithms: HS256 against a shared secret (libsodium HMAC-SHA-256),
 * EdDSA (Ed25519, libsodium), RS256 and ES256 (libcrypto EVP) against the
 * keys of a JWKS file. The algorithm named by the token must fit the key it
 * selects: HS256 only ever uses the shared secret and the JWKS keys are
 * never used as HMAC keys, so the RS256->HS256 confusion cannot happen;
 * "none" and every other algorithm are refused.
 *
 * Checks: signature, exp and nbf (with leeway, against time()), iss and aud
 * when configured. A token that does not even look like a JWT (three
 * base64url parts, a JSON header with "alg") is SKIP; a JWT that fails any
 * check is DENY.
 *
 * Thread safety: the keys (secret + JWKS) are an immutable, reference
 * counted snapshot swapped by reload under a mutex; EVP_PKEYs are only read
 * after construction, which OpenSSL 3 allows from many threads.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "../core/internal.h"
#include "authz_internal.h"

#define TOKEN_MAX (64u * 1024u)
#define HEADER_MAX 4096u
#define SIG_MAX 1024u /* RSA up to 8192 bits */
#define JWKS_MAX (1024u * 1024u)
#define HS256_MIN 32 /* RFC 7518 3.2: a key at least as long as the hash */
#define RSA_MIN_BITS 2048

typedef enum { K_RSA, K_EC, K_ED } key_type;

typedef struct jwk {
    key_type type;
    char *kid;      /* NULL when the JWK has none */
    char alg[8];    /* the JWK's "alg", "" when absent */
    EVP_PKEY *pkey; /* RSA, EC */
    uint8_t ed[crypto_sign_PUBLICKEYBYTES];
} jwk;

typedef struct keyset {
    uint8_t *hs; /* sodium_malloc'd HS256 secret, NULL when not configured */
    size_t hs_len;
    jwk *keys;
    size_t nkeys;
    unsigned refs; /* under jwt_authz.mu */
} keyset;

typedef struct jwt_authz {
    na_authz base;
    char *secret_spec, *jwks_path, *base_dir;
    char *issuer, *audience;
    int64_t leeway;
    bool require_exp; /* refuse tokens without exp (default) */
    char *account, *account_claim, *name_claim, *perms_claim;
    json_t *perms;
    bool ttl_from_exp;
    pthread_mutex_t mu;
    keyset *cur;
} jwt_authz;

/* ---- base64url --------------------------------------------------------- */

/* Decode one JWT part into a new buffer (NUL appended); NULL when it is not
 * strict base64url or longer than max bytes decoded. */
static uint8_t *b64_part(size_t *out_len, const char *p, size_t len, size_t max)
{
    size_t cap = len / 4 * 3 + 3;
    uint8_t *buf;
    long n;
    if (cap > max + 3)
        return NULL;
    buf = malloc(cap + 1);
    if (!buf)
        return NULL;
    n = na_b64url_decode(buf, cap, p, len);
    if (n < 0 || (size_t)n > max) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *out_len = (size_t)n;
    return buf;
}

static uint8_t *b64_field(size_t *out_len, const json_t *obj, const char *key, size_t max)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? b64_part(out_len, s, strlen(s), max) : NULL;
}

/* ---- JWKS -------------------------------------------------------------- */

static void keyset_free(keyset *k)
{
    if (!k)
        return;
    if (k->hs)
        sodium_free(k->hs);
    for (size_t i = 0; i < k->nkeys; i++) {
        free(k->keys[i].kid);
        EVP_PKEY_free(k->keys[i].pkey);
    }
    free(k->keys);
    free(k);
}

static EVP_PKEY *rsa_key(const json_t *j)
{
    size_t nl = 0, el = 0;
    uint8_t *nb = b64_field(&nl, j, "n", 2048), *eb = b64_field(&el, j, "e", 16);
    BIGNUM *n = NULL, *e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    if (!nb || !eb || nl == 0 || el == 0)
        goto out;
    n = BN_bin2bn(nb, (int)nl, NULL);
    e = BN_bin2bn(eb, (int)el, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (!n || !e || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)))
        goto out;
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    if (pkey && EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    free(nb);
    free(eb);
    return pkey;
}

static EVP_PKEY *ec_key(const json_t *j)
{
    size_t xl = 0, yl = 0;
    uint8_t *xb = b64_field(&xl, j, "x", 32), *yb = b64_field(&yl, j, "y", 32);
    uint8_t pub[65];
    char group[] = "P-256";
    EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM params[3];
    if (!xb || !yb || xl != 32 || yl != 32)
        goto out;
    pub[0] = 0x04; /* uncompressed point */
    memcpy(pub + 1, xb, 32);
    memcpy(pub + 33, yb, 32);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
    params[2] = OSSL_PARAM_construct_end();
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    /* the point must be on the curve */
    if (pkey && (!(chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) ||
                 EVP_PKEY_public_check(chk) != 1)) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
out:
    EVP_PKEY_CTX_free(chk);
    EVP_PKEY_CTX_free(ctx);
    free(xb);
    free(yb);
    return pkey;
}

static bool str_is(const json_t *j, const char *key, const char *want)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s && strcmp(s, want) == 0;
}

/* One JWKS entry. *used = false for keys this authorizer does not use
 * (encryption keys, other key types, curves or algorithms). */
static na_status parse_jwk(jwk *k, bool *used, const json_t *j, const char *what, na_err *err)
{
    const char *kty, *kid, *alg, *use;
    *used = false;
    if (!json_is_object(j))
        return na_fail(err, NA_EINVAL, "%s is not an object", what);
    kty = json_string_value(json_object_get(j, "kty"));
    kid = json_string_value(json_object_get(j, "kid"));
    alg = json_string_value(json_object_get(j, "alg"));
    use = json_string_value(json_object_get(j, "use"));
    if (!kty)
        return na_fail(err, NA_EINVAL, "%s has no 'kty'", what);
    if (use && strcmp(use, "sig") != 0)
        return NA_OK;
    if (strcmp(kty, "RSA") == 0 && (!alg || strcmp(alg, "RS256") == 0)) {
        k->type = K_RSA;
        if (!(k->pkey = rsa_key(j)))
            return na_fail(err, NA_EINVAL, "%s: bad RSA key (n, e; at least %d bits)", what,
                           RSA_MIN_BITS);
    } else if (strcmp(kty, "EC") == 0 && str_is(j, "crv", "P-256") &&
               (!alg || strcmp(alg, "ES256") == 0)) {
        k->type = K_EC;
        if (!(k->pkey = ec_key(j)))
            return na_fail(err, NA_EINVAL, "%s: bad P-256 key (x, y)", what);
    } else if (strcmp(kty, "OKP") == 0 && str_is(j, "crv", "Ed25519") &&
               (!alg || strcmp(alg, "EdDSA") == 0)) {
        size_t xl = 0;
        uint8_t *x = b64_field(&xl, j, "x", sizeof k->ed);
        bool ok = x && xl == sizeof k->ed;
        if (ok)
            memcpy(k->ed, x, sizeof k->ed);
        free(x);
        if (!ok)
            return na_fail(err, NA_EINVAL, "%s: bad Ed25519 key (x)", what);
        k->type = K_ED;
    } else {
        return NA_OK;
    }
    if (alg)
        snprintf(k->alg, sizeof k->alg, "%s", alg);
    if (kid && !(k->kid = strdup(kid)))
        return na_fail(err, NA_ENOMEM, "out of memory");
    *used = true;
    return NA_OK;
}

static na_status load_jwks(keyset *ks, const char *path, na_err *err)
{
    char *text = NULL;
    size_t len = 0;
    json_t *root, *arr;
    json_error_t je;
    na_status st;
    if ((st = na_authz_read_file(&text, &len, path, JWKS_MAX, err)) != NA_OK)
        return st;
    root = json_loadb(text, len, 0, &je);
    free(text);
    if (!root)
        return na_fail(err, NA_EJSON, "jwks file '%.200s': line %d: %.80s", path, je.line, je.text);
    arr = json_object_get(root, "keys");
    if (!json_is_array(arr)) {
        st = na_fail(err, NA_EINVAL, "jwks file '%.200s' needs a 'keys' list", path);
        goto out;
    }
    ks->keys = calloc(json_array_size(arr) + 1, sizeof *ks->keys);
    if (!ks->keys) {
        st = na_fail(err, NA_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char what[48];
        bool used;
        snprintf(what, sizeof what, "jwks key %zu", i + 1);
        st = parse_jwk(&ks->keys[ks->nkeys], &used, json_array_get(arr, i), what, err);
        if (used || st != NA_OK)
            ks->nkeys++; /* counted so that keyset_free releases it */
        if (st != NA_OK)
            goto fail;
    }
    for (size_t i = 0; i < ks->nkeys; i++)
        for (size_t j = i + 1; j < ks->nkeys; j++)
            if (ks->keys[i].kid && ks->keys[j].kid &&
                strcmp(ks->keys[i].kid, ks->keys[j].kid) == 0) {
                st = na_fail(err, NA_EEXIST, "kid of key %zu appears twice", j + 1);
                goto fail;
            }
    if (ks->nkeys == 0)
        st = na_fail(err, NA_EINVAL, "no RS256, ES256 or EdDSA signing key");
fail:
    if (st != NA_OK)
        na_err_prefix(err, "jwks file '%.200s'", path);
out:
    json_decref(root);
    return st;
}

static na_status load_keys(keyset **out, const jwt_authz *j, na_err *err)
{
    keyset *ks = calloc(1, sizeof *ks);
    na_status st = NA_OK;
    *out = NULL;
    if (!ks)
        return na_fail(err, NA_ENOMEM, "jwt authorizer: out of memory");
    if (j->secret_spec) {
        char *secret = NULL;
        if ((st = na_authz_read_secret(&secret, j->secret_spec, j->base_dir, err)) != NA_OK)
            goto out;
        ks->hs_len = strlen(secret);
        if (ks->hs_len < HS256_MIN)
            st = na_fail(err, NA_EINVAL, "hs256 secret is shorter than %d bytes", HS256_MIN);
        else if (!(ks->hs = sodium_malloc(ks->hs_len)))
            st = na_fail(err, NA_ENOMEM, "out of memory");
        else
            memcpy(ks->hs, secret, ks->hs_len);
        na_free_secret(secret);
        if (st != NA_OK)
            goto out;
    }
    if (j->jwks_path)
        st = load_jwks(ks, j->jwks_path, err);
out:
    if (st != NA_OK) {
        na_err_prefix(err, "jwt authorizer");
        keyset_free(ks);
        return st;
    }
    ks->refs = 1;
    *out = ks;
    return NA_OK;
}

static keyset *keys_get(jwt_authz *j)
{
    keyset *k;
    pthread_mutex_lock(&j->mu);
    k = j->cur;
    k->refs++;
    pthread_mutex_unlock(&j->mu);
    return k;
}

static void keys_put(jwt_authz *j, keyset *k)
{
    unsigned left;
    pthread_mutex_lock(&j->mu);
    left = --k->refs;
    pthread_mutex_unlock(&j->mu);
    if (left == 0)
        keyset_free(k);
}

/* ---- signature --------------------------------------------------------- */

static bool verify_hs256(const keyset *ks, const uint8_t *sig, size_t sig_len, const char *in,
                         size_t in_len)
{
    crypto_auth_hmacsha256_state st;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    bool ok;
    if (!ks->hs || sig_len != sizeof mac)
        return false;
    crypto_auth_hmacsha256_init(&st, ks->hs, ks->hs_len);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)in, in_len);
    crypto_auth_hmacsha256_final(&st, mac);
    ok = sodium_memcmp(mac, sig, sizeof mac) == 0;
    sodium_memzero(&st, sizeof st);
    sodium_memzero(mac, sizeof mac);
    return ok;
}

/* JWS ES256 signatures are r||s (32 bytes each); OpenSSL wants DER. */
static bool es256_der(uint8_t **der, int *der_len, const uint8_t *sig, size_t sig_len)
{
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    bool ok = false;
    *der = NULL;
    if (sig_len != 64 || !(es = ECDSA_SIG_new()))
        return false;
    r = BN_bin2bn(sig, 32, NULL);
    s = BN_bin2bn(sig + 32, 32, NULL);
    if (r && s && ECDSA_SIG_set0(es, r, s) == 1) {
        r = s = NULL; /* owned by es now */
        *der_len = i2d_ECDSA_SIG(es, der);
        ok = *der_len > 0;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return ok;
}

static bool verify_evp(EVP_PKEY *pkey, const uint8_t *sig, size_t sig_len, const char *in,
                       size_t in_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
              EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)in, in_len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static bool verify_key(const jwk *k, const uint8_t *sig, size_t sig_len, const char *in,
                       size_t in_len)
{
    uint8_t *der = NULL;
    int der_len = 0;
    bool ok;
    switch (k->type) {
    case K_ED:
        return sig_len == crypto_sign_BYTES &&
               crypto_sign_verify_detached(sig, (const uint8_t *)in, in_len, k->ed) == 0;
    case K_RSA: return verify_evp(k->pkey, sig, sig_len, in, in_len);
    case K_EC:
        if (!es256_der(&der, &der_len, sig, sig_len))
            return false;
        ok = verify_evp(k->pkey, der, (size_t)der_len, in, in_len);
        OPENSSL_free(der);
        return ok;
    }
    return false;
}

/* The JWKS key for alg and kid, or NULL with err set. Without a kid the
 * token may only use a JWKS holding exactly one key of the right type. */
static const jwk *pick_key(const keyset *ks, key_type type, const char *alg, const char *kid,
                           na_err *err)
{
    const jwk *hit = NULL;
    size_t fits = 0;
    for (size_t i = 0; i < ks->nkeys; i++) {
        const jwk *k = &ks->keys[i];
        if (kid && k->kid && strcmp(k->kid, kid) == 0) {
            if (k->type != type || (k->alg[0] && strcmp(k->alg, alg) != 0)) {
                na_fail(err, NA_ESIG, "token alg does not match its key");
                return NULL;
            }
            return k;
        }
        if (!kid && k->type == type) {
            fits++;
            hit = k;
        }
    }
    if (kid) {
        na_fail(err, NA_ENOTFOUND, "token kid not found");
        return NULL;
    }
    if (fits != 1) {
        na_fail(err, NA_ENOTFOUND, fits ? "token has no kid" : "no key for the token's alg");
        return NULL;
    }
    return hit;
}

/* ---- claims ------------------------------------------------------------ */

static bool num_claim(const json_t *p, const char *key, int64_t *out)
{
    json_t *v = json_object_get(p, key);
    if (json_is_integer(v))
        *out = json_integer_value(v);
    else if (json_is_real(v) && json_real_value(v) > -9e18 && json_real_value(v) < 9e18)
        *out = (int64_t)json_real_value(v);
    else
        return false;
    return true;
}

static bool aud_matches(const json_t *aud, const char *want)
{
    size_t i;
    json_t *v;
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    json_array_foreach(aud, i, v) if (json_is_string(v) &&
                                      strcmp(json_string_value(v), want) == 0) return true;
    return false;
}

/* exp, nbf, iss, aud. DENY reasons name the check, never the values. */
static bool check_claims(const jwt_authz *j, const json_t *p, int64_t now, na_err *err)
{
    int64_t t;
    const char *iss;
    if (json_object_get(p, "exp") && !num_claim(p, "exp", &t))
        return na_fail(err, NA_EJWT, "token exp is not a number"), false;
    /* now - leeway, not exp + leeway: exp may be near INT64_MAX */
    if (num_claim(p, "exp", &t) && now - j->leeway > t)
        return na_fail(err, NA_EEXPIRED, "token expired"), false;
    if (json_object_get(p, "nbf") && !num_claim(p, "nbf", &t))
        return na_fail(err, NA_EJWT, "token nbf is not a number"), false;
    if (num_claim(p, "nbf", &t) && now + j->leeway < t)
        return na_fail(err, NA_ENOTYET, "token not yet valid"), false;
    iss = json_string_value(json_object_get(p, "iss"));
    if (j->issuer && (!iss || strcmp(iss, j->issuer) != 0))
        return na_fail(err, NA_EJWT, "token issuer does not match"), false;
    if (j->audience && !aud_matches(json_object_get(p, "aud"), j->audience))
        return na_fail(err, NA_EJWT, "token audience does not match"), false;
    if (!json_object_get(p, "exp") && j->require_exp)
        return na_fail(err, NA_EJWT, "token has no exp (a token that never expires is refused; "
                                     "\"require_exp\": false accepts it)"),
               false;
    return true;
}

static na_authz_verdict map_claims(const jwt_authz *j, const json_t *p, na_callout_grant *grant,
                                   na_err *err)
{
    const char *account = j->account, *name;
    const json_t *perms = j->perms;
    int64_t exp;
    if (j->account_claim) {
        account = json_string_value(json_object_get(p, j->account_claim));
        if (!account || !*account)
            return na_fail(err, NA_EJWT, "token has no '%s' claim", j->account_claim),
                   NA_AUTHZ_DENY;
    }
    name = json_string_value(json_object_get(p, j->name_claim));
    if (na_authz_set_name(grant->account, account, "token account", err) != NA_OK ||
        na_authz_set_name(grant->name, name ? name : "", "token name", err) != NA_OK)
        return NA_AUTHZ_DENY;
    if (j->perms_claim) {
        perms = json_object_get(p, j->perms_claim);
        /* a missing claim must not fall back to the account's defaults */
        if (!json_is_object(perms))
            return na_fail(err, NA_EJWT, "token has no '%s' object claim", j->perms_claim),
                   NA_AUTHZ_DENY;
    }
    if (na_authz_apply_user_json(grant, perms, err) != NA_OK) {
        na_err_prefix(err, "token");
        return NA_AUTHZ_DENY;
    }
    if (j->ttl_from_exp && num_claim(p, "exp", &exp))
        grant->expires = exp;
    return NA_AUTHZ_ALLOW;
}

/* ---- decide ------------------------------------------------------------ */

typedef struct parts {
    const char *tok;
    size_t signed_len;         /* header.payload */
    const char *payload, *sig; /* start of parts 2 and 3 */
    size_t payload_len, sig_len;
} parts;

/* Three parts, the first two non-empty (the signature may be empty: an
 * unsecured "alg":"none" JWT is still a JWT, to be refused); else not a JWT. */
static bool split(parts *pt, const char *tok)
{
    const char *d1 = strchr(tok, '.'), *d2;
    if (!d1 || d1 == tok)
        return false;
    d2 = strchr(d1 + 1, '.');
    if (!d2 || d2 == d1 + 1 || strchr(d2 + 1, '.'))
        return false;
    pt->tok = tok;
    pt->signed_len = (size_t)(d2 - tok);
    pt->payload = d1 + 1;
    pt->payload_len = (size_t)(d2 - d1 - 1);
    pt->sig = d2 + 1;
    pt->sig_len = strlen(d2 + 1);
    return true;
}

static json_t *json_part(const char *p, size_t len, size_t max)
{
    size_t n = 0;
    uint8_t *buf = b64_part(&n, p, len, max);
    json_t *v = buf ? json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(buf);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static na_authz_verdict verify_sig(const keyset *ks, const json_t *hdr, const parts *pt,
                                   na_err *err)
{
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    json_t *kidv = json_object_get(hdr, "kid");
    const char *kid = json_string_value(kidv);
    uint8_t *sig;
    size_t sig_len = 0;
    bool ok = false;
    key_type type;
    const jwk *k = NULL;
    if (json_object_get(hdr, "crit"))
        return na_fail(err, NA_EJWT, "token has critical header extensions"), NA_AUTHZ_DENY;
    if (kidv && !kid)
        return na_fail(err, NA_EJWT, "token kid is not a string"), NA_AUTHZ_DENY;
    if (strcmp(alg, "HS256") == 0) {
        if (!ks->hs)
            return na_fail(err, NA_ESIG, "HS256 tokens are not accepted"), NA_AUTHZ_DENY;
    } else {
        if (strcmp(alg, "RS256") == 0)
            type = K_RSA;
        else if (strcmp(alg, "ES256") == 0)
            type = K_EC;
        else if (strcmp(alg, "EdDSA") == 0)
            type = K_ED;
        else
            return na_fail(err, NA_ESIG, "token alg is not accepted"), NA_AUTHZ_DENY;
        if (!(k = pick_key(ks, type, alg, kid, err)))
            return NA_AUTHZ_DENY;
    }
    sig = b64_part(&sig_len, pt->sig, pt->sig_len, SIG_MAX);
    if (sig)
        ok = k ? verify_key(k, sig, sig_len, pt->tok, pt->signed_len)
               : verify_hs256(ks, sig, sig_len, pt->tok, pt->signed_len);
    if (sig)
        sodium_memzero(sig, sig_len);
    free(sig);
    if (!ok)
        return na_fail(err, NA_ESIG, "token signature is not valid"), NA_AUTHZ_DENY;
    return NA_AUTHZ_ALLOW;
}

static na_authz_verdict jwt_decide(na_authz *a, const na_authreq *req, na_callout_grant *grant,
                                   na_err *err)
{
    jwt_authz *j = (jwt_authz *)a;
    const char *tok = (req->token && *req->token) ? req->token : req->pass;
    parts pt;
    json_t *hdr = NULL, *payload = NULL;
    keyset *ks;
    na_authz_verdict v;
    if (!tok || !*tok || !split(&pt, tok))
        return NA_AUTHZ_SKIP;
    hdr = json_part(tok, (size_t)(pt.payload - 1 - tok), HEADER_MAX);
    if (!hdr || !json_is_string(json_object_get(hdr, "alg"))) {
        json_decref(hdr);
        return NA_AUTHZ_SKIP;
    }
    if (strlen(tok) > TOKEN_MAX) {
        json_decref(hdr);
        return na_fail(err, NA_ETOOBIG, "token is too large"), NA_AUTHZ_DENY;
    }
    ks = keys_get(j);
    v = verify_sig(ks, hdr, &pt, err);
    keys_put(j, ks);
    if (v != NA_AUTHZ_ALLOW)
        goto out;
    payload = json_part(pt.payload, pt.payload_len, TOKEN_MAX);
    if (!payload) {
        v = NA_AUTHZ_DENY;
        na_fail(err, NA_EJWT, "token payload is not a JSON object");
    } else if (!check_claims(j, payload, (int64_t)time(NULL), err)) {
        v = NA_AUTHZ_DENY;
    } else {
        v = map_claims(j, payload, grant, err);
    }
out:
    json_decref(payload);
    json_decref(hdr);
    return v;
}

/* ---- lifecycle --------------------------------------------------------- */

static na_status jwt_reload(na_authz *a, na_err *err)
{
    jwt_authz *j = (jwt_authz *)a;
    keyset *ks, *old;
    na_status st = load_keys(&ks, j, err);
    if (st != NA_OK)
        return st;
    pthread_mutex_lock(&j->mu);
    old = j->cur;
    j->cur = ks;
    pthread_mutex_unlock(&j->mu);
    keys_put(j, old);
    return NA_OK;
}

static void jwt_destroy(na_authz *a)
{
    jwt_authz *j = (jwt_authz *)a;
    if (j->cur)
        keys_put(j, j->cur);
    pthread_mutex_destroy(&j->mu);
    free(j->secret_spec);
    free(j->jwks_path);
    free(j->base_dir);
    free(j->issuer);
    free(j->audience);
    free(j->account);
    free(j->account_claim);
    free(j->name_claim);
    free(j->perms_claim);
    json_decref(j->perms);
    free(j);
}

static const na_authz_ops jwt_ops = {"jwt", jwt_decide, jwt_reload, jwt_destroy};

/* copy an optional config string (NULL stays NULL) */
static na_status opt_copy(char **dst, const json_t *cfg, const char *key, na_err *err)
{
    const char *s;
    na_status st = na_authz_opt_str(&s, cfg, key, "jwt authorizer", err);
    if (st != NA_OK || !s)
        return st;
    if (!*s)
        return na_fail(err, NA_EINVAL, "jwt authorizer: '%s' is empty", key);
    if (!(*dst = strdup(s)))
        return na_fail(err, NA_ENOMEM, "jwt authorizer: out of memory");
    return NA_OK;
}

static na_status configure(jwt_authz *j, const json_t *cfg, const char *base_dir, na_err *err)
{
    static const char *const keys[] = {
        "type",        "hs256_secret_file", "jwks_file",
        "issuer",      "audience",          "leeway",
        "account",     "account_claim",     "name_claim",
        "permissions", "permissions_claim", "ttl_from_exp",
        "require_exp", NULL,
    };
    char *jwks = NULL;
    json_t *v;
    na_status st;
    if ((st = na_authz_check_keys(cfg, keys, "jwt authorizer", err)) != NA_OK ||
        (st = opt_copy(&j->secret_spec, cfg, "hs256_secret_file", err)) != NA_OK ||
        (st = opt_copy(&jwks, cfg, "jwks_file", err)) != NA_OK ||
        (st = opt_copy(&j->issuer, cfg, "issuer", err)) != NA_OK ||
        (st = opt_copy(&j->audience, cfg, "audience", err)) != NA_OK ||
        (st = opt_copy(&j->account, cfg, "account", err)) != NA_OK ||
        (st = opt_copy(&j->account_claim, cfg, "account_claim", err)) != NA_OK ||
        (st = opt_copy(&j->name_claim, cfg, "name_claim", err)) != NA_OK ||
        (st = opt_copy(&j->perms_claim, cfg, "permissions_claim", err)) != NA_OK)
        goto out;
    if (base_dir && !(j->base_dir = strdup(base_dir))) {
        st = na_fail(err, NA_ENOMEM, "jwt authorizer: out of memory");
        goto out;
    }
    if (jwks && !(j->jwks_path = na_authz_path(jwks, base_dir))) {
        st = na_fail(err, NA_ENOMEM, "jwt authorizer: out of memory");
        goto out;
    }
    if (!j->secret_spec && !j->jwks_path) {
        st = na_fail(err, NA_EINVAL, "jwt authorizer: needs 'hs256_secret_file' or 'jwks_file'");
        goto out;
    }
    if (!j->account == !j->account_claim) {
        st = na_fail(err, NA_EINVAL, "jwt authorizer: give one of 'account' and 'account_claim'");
        goto out;
    }
    if (!j->name_claim && !(j->name_claim = strdup("sub"))) {
        st = na_fail(err, NA_ENOMEM, "jwt authorizer: out of memory");
        goto out;
    }
    v = json_object_get(cfg, "permissions");
    if (v && j->perms_claim) {
        st = na_fail(err, NA_EINVAL,
                     "jwt authorizer: give 'permissions' or 'permissions_claim', not both");
        goto out;
    }
    if (v) {
        na_callout_grant scratch;
        memset(&scratch, 0, sizeof scratch);
        st = na_authz_apply_user_json(&scratch, v, err);
        na_authz_grant_reset(&scratch);
        if (st != NA_OK) {
            na_err_prefix(err, "jwt authorizer");
            goto out;
        }
        j->perms = json_incref(v);
    }
    v = json_object_get(cfg, "leeway");
    if (v && !(json_is_integer(v) && json_integer_value(v) == 0) &&
        (st = na_authz_parse_duration(&j->leeway, v, "jwt authorizer: leeway", err)) != NA_OK)
        goto out;
    v = json_object_get(cfg, "ttl_from_exp");
    if (v && !json_is_boolean(v)) {
        st = na_fail(err, NA_EINVAL, "jwt authorizer: 'ttl_from_exp' must be true or false");
        goto out;
    }
    j->ttl_from_exp = json_is_true(v);
    v = json_object_get(cfg, "require_exp");
    if (v && !json_is_boolean(v)) {
        st = na_fail(err, NA_EINVAL, "jwt authorizer: 'require_exp' must be true or false");
        goto out;
    }
    j->require_exp = !json_is_false(v);
out:
    free(jwks);
    return st;
}

na_status na_authz_jwt_create(na_authz **out, const json_t *cfg, const char *base_dir, na_err *err)
{
    jwt_authz *j;
    na_status st;
    *out = NULL;
    if (!na_crypto_init())
        return na_fail(err, NA_ENOMEM, "jwt authorizer: libsodium cannot start");
    j = calloc(1, sizeof *j);
    if (!j)
        return na_fail(err, NA_ENOMEM, "jwt authorizer: out of memory");
    j->base.ops = &jwt_ops;
    pthread_mutex_init(&j->mu, NULL);
    if ((st = configure(j, cfg, base_dir, err)) != NA_OK ||
        (st = load_keys(&j->cur, j, err)) != NA_OK) {
        jwt_destroy(&j->base);
        return st;
    }
    *out = &j->base;
    return NA_OK;
}
