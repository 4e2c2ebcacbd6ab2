/*
 * nkey.c - nkeys and xkeys: encode/decode, create, sign/verify, seal/open.
 *
 * Invariants: an na_nkey is heap memory locked against swapping (mlock, best
 * effort) and wiped when destroyed; sodium_malloc's guard pages cost two
 * mmaps and an mprotect per key (~40 us), too much for bulk issuing and
 * per-request keys, so it is kept for long-lived shared keys only; pub is always the NUL-terminated encoding of pk; sk is meaningful
 * only when has_seed. For ed25519 types sk is libsodium's 64-byte secret key
 * (seed | pk) and seed is the 32-byte seed; for CURVE, seed is the x25519
 * scalar exactly as stored in the encoded seed (not pre-clamped).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "natsauth/nkey.h"

struct na_nkey {
    na_nkey_type type;
    bool has_seed;
    uint8_t pk[NA_NKEY_RAW_LEN];
    uint8_t seed[NA_NKEY_RAW_LEN];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    char pub[NA_NKEY_PUBLIC_LEN + 1];
};

#define PREFIX_SEED 0x90u /* 18 << 3 */

static const struct {
    const char *name;
    uint8_t prefix;
    char letter;
} types[NA_NKEY_TYPE_COUNT] = {
    [NA_NKEY_OPERATOR] = {"operator", 14u << 3, 'O'},
    [NA_NKEY_ACCOUNT] = {"account", 0u, 'A'},
    [NA_NKEY_USER] = {"user", 20u << 3, 'U'},
    [NA_NKEY_SERVER] = {"server", 13u << 3, 'N'},
    [NA_NKEY_CLUSTER] = {"cluster", 2u << 3, 'C'},
    [NA_NKEY_CURVE] = {"curve", 23u << 3, 'X'},
};

static int type_from_prefix(uint8_t prefix)
{
    for (int t = 0; t < NA_NKEY_TYPE_COUNT; t++)
        if (types[t].prefix == prefix)
            return t;
    return -1;
}

const char *na_nkey_type_name(na_nkey_type t)
{
    return (unsigned)t < NA_NKEY_TYPE_COUNT ? types[t].name : "unknown";
}

char na_nkey_type_letter(na_nkey_type t)
{
    return (unsigned)t < NA_NKEY_TYPE_COUNT ? types[t].letter : '?';
}

na_status na_nkey_type_parse(na_nkey_type *out, const char *name, na_err *err)
{
    if (!name)
        return na_fail(err, NA_EINVAL, "key type is missing");
    for (int t = 0; t < NA_NKEY_TYPE_COUNT; t++) {
        if (strcasecmp(name, types[t].name) == 0 ||
            (name[0] && !name[1] && toupper((unsigned char)name[0]) == types[t].letter)) {
            *out = (na_nkey_type)t;
            return NA_OK;
        }
    }
    if (strcasecmp(name, "xkey") == 0 || strcasecmp(name, "x25519") == 0) {
        *out = NA_NKEY_CURVE;
        return NA_OK;
    }
    return na_fail(err, NA_EINVAL,
                   "unknown key type '%.40s' (want operator, account, user, server, "
                   "cluster or curve)",
                   name[0] == 'S' && strlen(name) > 8 ? "(a seed?)" : name); /* no secrets */
}

void na_nkey_encode_public(char out[NA_NKEY_PUBLIC_LEN + 1], na_nkey_type t,
                           const uint8_t raw[NA_NKEY_RAW_LEN])
{
    uint8_t b[35];
    uint16_t crc;
    b[0] = types[t].prefix;
    memcpy(b + 1, raw, 32);
    crc = na_crc16(b, 33);
    b[33] = (uint8_t)(crc & 0xff);
    b[34] = (uint8_t)(crc >> 8);
    na_b32_encode(out, b, sizeof b);
}

void na_nkey_encode_seed(char out[NA_NKEY_SEED_LEN + 1], na_nkey_type t,
                         const uint8_t raw[NA_NKEY_RAW_LEN])
{
    uint8_t b[36];
    uint16_t crc;
    b[0] = (uint8_t)(PREFIX_SEED | (types[t].prefix >> 5));
    b[1] = (uint8_t)((types[t].prefix & 0x1f) << 3);
    memcpy(b + 2, raw, 32);
    crc = na_crc16(b, 34);
    b[34] = (uint8_t)(crc & 0xff);
    b[35] = (uint8_t)(crc >> 8);
    na_b32_encode(out, b, sizeof b);
    sodium_memzero(b, sizeof b);
}

/* Shared decoding: base32, then length, then checksum. */
static na_status decode_raw(uint8_t *b, size_t want, const char *s, size_t len,
                            const char *what, na_err *err)
{
    uint8_t tmp[64];
    long n;
    uint16_t crc;
    if (len != na_b32_enc_len(want)) /* a wrong length says so, not "bad base32" */
        return na_fail(err, NA_ELENGTH, "%s is %zu characters, want %zu", what, len,
                       na_b32_enc_len(want));
    n = na_b32_decode(tmp, s, len);
    if (n < 0) {
        sodium_memzero(tmp, sizeof tmp);
        return na_fail(err, NA_EBASE32, "%s is not valid base32", what);
    }
    if ((size_t)n != want) {
        sodium_memzero(tmp, sizeof tmp);
        return na_fail(err, NA_ELENGTH, "%s is %zu characters, want %zu", what, len,
                       na_b32_enc_len(want));
    }
    crc = (uint16_t)(tmp[want - 2] | (tmp[want - 1] << 8));
    if (na_crc16(tmp, want - 2) != crc) {
        sodium_memzero(tmp, sizeof tmp);
        return na_fail(err, NA_ECRC, "%s has an invalid checksum", what);
    }
    memcpy(b, tmp, want);
    sodium_memzero(tmp, sizeof tmp);
    return NA_OK;
}

na_status na_nkey_decode_public(na_nkey_type *type, uint8_t raw[NA_NKEY_RAW_LEN],
                                const char *pub, size_t len, na_err *err)
{
    uint8_t b[35];
    int t;
    na_status st;
    if (!pub)
        return na_fail(err, NA_EINVAL, "public key is missing");
    if (len > 0 && pub[0] == 'S')
        return na_fail(err, NA_EPREFIX, "expected a public key but got a seed");
    st = decode_raw(b, sizeof b, pub, len, "public key", err);
    if (st != NA_OK)
        return st;
    t = type_from_prefix(b[0]);
    if (t < 0)
        return na_fail(err, NA_EPREFIX, "public key has an invalid prefix byte 0x%02x", b[0]);
    if (type)
        *type = (na_nkey_type)t;
    if (raw)
        memcpy(raw, b + 1, 32);
    return NA_OK;
}

na_status na_nkey_decode_seed(na_nkey_type *type, uint8_t raw[NA_NKEY_RAW_LEN],
                              const char *seed, size_t len, na_err *err)
{
    uint8_t b[36];
    int t;
    na_status st;
    if (!seed)
        return na_fail(err, NA_EINVAL, "seed is missing");
    st = decode_raw(b, sizeof b, seed, len, "seed", err);
    if (st != NA_OK)
        return st;
    if ((b[0] & 0xf8) != PREFIX_SEED) {
        sodium_memzero(b, sizeof b);
        return na_fail(err, NA_EPREFIX, "not a seed (prefix is not 'S')");
    }
    t = type_from_prefix((uint8_t)(((b[0] & 7) << 5) | ((b[1] & 0xf8) >> 3)));
    if (t < 0 || (b[1] & 7) != 0) {
        sodium_memzero(b, sizeof b);
        return na_fail(err, NA_EPREFIX, "seed has an invalid key type");
    }
    if (type)
        *type = (na_nkey_type)t;
    if (raw)
        memcpy(raw, b + 2, 32);
    sodium_memzero(b, sizeof b);
    return NA_OK;
}

bool na_nkey_is_public(const char *s, na_nkey_type t)
{
    na_nkey_type got;
    if (!s || strlen(s) != NA_NKEY_PUBLIC_LEN)
        return false;
    return na_nkey_decode_public(&got, NULL, s, NA_NKEY_PUBLIC_LEN, NULL) == NA_OK && got == t;
}

static na_nkey *key_alloc(void)
{
    na_nkey *k = na_crypto_init() ? calloc(1, sizeof *k) : NULL;
    if (k)
        (void)sodium_mlock(k, sizeof *k); /* may fail under RLIMIT_MEMLOCK: still wiped */
    return k;
}

na_status na_nkey_from_raw(na_nkey **out, na_nkey_type t, const uint8_t raw[NA_NKEY_RAW_LEN],
                           na_err *err)
{
    na_nkey *k;
    if (!out || !raw || (unsigned)t >= NA_NKEY_TYPE_COUNT)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_nkey_from_raw");
    *out = NULL;
    k = key_alloc();
    if (!k)
        return na_fail(err, NA_ENOMEM, "out of memory");
    k->type = t;
    k->has_seed = true;
    memcpy(k->seed, raw, 32);
    if (t == NA_NKEY_CURVE) {
        if (crypto_scalarmult_base(k->pk, k->seed) != 0) {
            na_nkey_destroy(k);
            return na_fail(err, NA_EKEYOP, "curve seed gives an invalid public key");
        }
    } else {
        crypto_sign_seed_keypair(k->pk, k->sk, k->seed);
    }
    na_nkey_encode_public(k->pub, t, k->pk);
    *out = k;
    return NA_OK;
}

na_status na_nkey_create(na_nkey **out, na_nkey_type t, na_err *err)
{
    uint8_t raw[32];
    na_status st;
    if (!na_crypto_init())
        return na_fail(err, NA_ENOMEM, "libsodium failed to initialise");
    randombytes_buf(raw, sizeof raw);
    st = na_nkey_from_raw(out, t, raw, err);
    sodium_memzero(raw, sizeof raw);
    return st;
}

static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

na_status na_nkey_from_seed(na_nkey **out, const char *seed, size_t len, na_err *err)
{
    uint8_t raw[32];
    na_nkey_type t;
    na_status st;
    if (!out)
        return na_fail(err, NA_EINVAL, "output is NULL");
    *out = NULL;
    if (!seed)
        return na_fail(err, NA_EINVAL, "seed is missing");
    trim(&seed, &len);
    if (len && seed[0] != 'S')
        return na_fail(err, NA_EPREFIX, "not a seed (does not start with 'S')");
    st = na_nkey_decode_seed(&t, raw, seed, len, err);
    if (st == NA_OK)
        st = na_nkey_from_raw(out, t, raw, err);
    sodium_memzero(raw, sizeof raw);
    return st;
}

na_status na_nkey_from_public(na_nkey **out, const char *pub, size_t len, na_err *err)
{
    uint8_t raw[32];
    na_nkey_type t;
    na_status st;
    na_nkey *k;
    if (!out)
        return na_fail(err, NA_EINVAL, "output is NULL");
    *out = NULL;
    if (pub)
        trim(&pub, &len);
    st = na_nkey_decode_public(&t, raw, pub, len, err);
    if (st != NA_OK)
        return st;
    k = key_alloc();
    if (!k)
        return na_fail(err, NA_ENOMEM, "out of memory");
    k->type = t;
    memcpy(k->pk, raw, 32);
    na_nkey_encode_public(k->pub, t, k->pk);
    *out = k;
    return NA_OK;
}

void na_nkey_destroy(na_nkey *k)
{
    if (!k)
        return;
    sodium_munlock(k, sizeof *k); /* wipes, then unlocks */
    free(k);
}

na_nkey_type na_nkey_type_of(const na_nkey *k) { return k->type; }
const char *na_nkey_public(const na_nkey *k) { return k ? k->pub : NULL; }
const uint8_t *na_nkey_public_raw(const na_nkey *k) { return k->pk; }
bool na_nkey_has_seed(const na_nkey *k) { return k && k->has_seed; }

na_status na_nkey_seed(const na_nkey *k, char out[NA_NKEY_SEED_LEN + 1], na_err *err)
{
    if (!k || !k->has_seed)
        return na_fail(err, NA_EKEYOP, "no seed available (public key only)");
    na_nkey_encode_seed(out, k->type, k->seed);
    return NA_OK;
}

na_status na_nkey_sign(const na_nkey *k, uint8_t sig[NA_NKEY_SIG_LEN], const void *msg,
                       size_t len, na_err *err)
{
    if (!k || !sig)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_nkey_sign");
    if (k->type == NA_NKEY_CURVE)
        return na_fail(err, NA_EKEYOP, "curve key is not valid for sign/verify");
    if (!k->has_seed)
        return na_fail(err, NA_EKEYOP, "cannot sign: no private key available");
    crypto_sign_detached(sig, NULL, msg, len, k->sk);
    return NA_OK;
}

static na_status verify_raw(const uint8_t pk[32], const uint8_t sig[64], const void *msg,
                            size_t len, na_err *err)
{
    if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
        return na_fail(err, NA_ESIG, "signature verification failed");
    return NA_OK;
}

na_status na_nkey_verify(const na_nkey *k, const uint8_t sig[NA_NKEY_SIG_LEN], const void *msg,
                         size_t len, na_err *err)
{
    if (!k || !sig)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_nkey_verify");
    if (k->type == NA_NKEY_CURVE)
        return na_fail(err, NA_EKEYOP, "curve key is not valid for sign/verify");
    return verify_raw(k->pk, sig, msg, len, err);
}

na_status na_nkey_verify_with(const char *pub, const uint8_t sig[NA_NKEY_SIG_LEN],
                              const void *msg, size_t len, na_err *err)
{
    uint8_t pk[32];
    na_nkey_type t;
    na_status st = na_nkey_decode_public(&t, pk, pub, pub ? strlen(pub) : 0, err);
    if (st != NA_OK)
        return st;
    if (t == NA_NKEY_CURVE)
        return na_fail(err, NA_EKEYOP, "curve key is not valid for sign/verify");
    return verify_raw(pk, sig, msg, len, err);
}

/* ---- xkeys ---------------------------------------------------------------- */

static const uint8_t xkv1[4] = {'x', 'k', 'v', '1'};

static na_status curve_peer(uint8_t pk[32], const char *peer, const char *role, na_err *err)
{
    na_nkey_type t;
    na_status st;
    if (!peer)
        return na_fail(err, NA_EINVAL, "%s key is missing", role);
    st = na_nkey_decode_public(&t, pk, peer, strlen(peer), err);
    if (st != NA_OK) {
        na_err_prefix(err, "%s is not a valid curve public key", role);
        return st;
    }
    if (t != NA_NKEY_CURVE)
        return na_fail(err, NA_EPREFIX, "%s is a %s key, want a curve (X...) key", role,
                       na_nkey_type_name(t));
    return NA_OK;
}

static na_status curve_self(const na_nkey *k, const char *op, na_err *err)
{
    if (!k)
        return na_fail(err, NA_EINVAL, "key is missing");
    if (k->type != NA_NKEY_CURVE)
        return na_fail(err, NA_EKEYOP, "only curve keys can %s (this is a %s key)", op,
                       na_nkey_type_name(k->type));
    if (!k->has_seed)
        return na_fail(err, NA_EKEYOP, "cannot %s: no private curve key available", op);
    return NA_OK;
}

struct na_xkey_shared {
    uint8_t k[crypto_box_BEFORENMBYTES];
};

static na_status seal_common(const uint8_t *k, uint8_t **out, size_t *out_len,
                             const void *msg, size_t len, const uint8_t nonce[24], na_err *err)
{
    uint8_t *o;
    if (len > NA_XKEY_MAX_INPUT)
        return na_fail(err, NA_ETOOBIG, "message of %zu bytes exceeds %u", len,
                       NA_XKEY_MAX_INPUT);
    o = malloc(len + NA_XKEY_OVERHEAD + 1);
    if (!o)
        return na_fail(err, NA_ENOMEM, "out of memory");
    memcpy(o, xkv1, 4);
    memcpy(o + 4, nonce, 24);
    crypto_box_easy_afternm(o + 28, msg, len, nonce, k);
    o[len + NA_XKEY_OVERHEAD] = 0;
    *out = o;
    *out_len = len + NA_XKEY_OVERHEAD;
    return NA_OK;
}

static na_status open_common(const uint8_t *k, uint8_t **out, size_t *out_len, const void *in,
                             size_t len, na_err *err)
{
    const uint8_t *p = in;
    uint8_t *o;
    if (len > NA_XKEY_MAX_INPUT + NA_XKEY_OVERHEAD)
        return na_fail(err, NA_ETOOBIG, "sealed input of %zu bytes is too large", len);
    if (len < NA_XKEY_OVERHEAD)
        return na_fail(err, NA_EDECRYPT, "encrypted input is not valid (%zu bytes, want >= %d)",
                       len, NA_XKEY_OVERHEAD);
    if (memcmp(p, xkv1, 4) != 0)
        return na_fail(err, NA_EDECRYPT, "encrypted input has the wrong version (want xkv1)");
    o = malloc(len - NA_XKEY_OVERHEAD + 1);
    if (!o)
        return na_fail(err, NA_ENOMEM, "out of memory");
    if (crypto_box_open_easy_afternm(o, p + 28, len - 28, p + 4, k) != 0) {
        free(o);
        return na_fail(err, NA_EDECRYPT, "could not decrypt input");
    }
    o[len - NA_XKEY_OVERHEAD] = 0;
    *out = o;
    *out_len = len - NA_XKEY_OVERHEAD;
    return NA_OK;
}

static na_status shared_key(uint8_t k[32], const na_nkey *ours, const char *peer,
                            const char *role, const char *op, na_err *err)
{
    uint8_t pk[32];
    na_status st = curve_self(ours, op, err);
    if (st == NA_OK)
        st = curve_peer(pk, peer, role, err);
    if (st == NA_OK && crypto_box_beforenm(k, pk, ours->seed) != 0)
        st = na_fail(err, NA_EKEYOP, "%s key is a weak curve point", role);
    return st;
}

na_status na_xkey_seal_with_nonce(const na_nkey *sender, uint8_t **out, size_t *out_len,
                                  const void *msg, size_t len, const char *recipient,
                                  const uint8_t nonce[NA_XKEY_NONCE_LEN], na_err *err)
{
    uint8_t k[32];
    na_status st;
    if (!out || !out_len || (!msg && len))
        return na_fail(err, NA_EINVAL, "invalid arguments to na_xkey_seal");
    *out = NULL;
    *out_len = 0;
    st = shared_key(k, sender, recipient, "recipient", "seal", err);
    if (st == NA_OK)
        st = seal_common(k, out, out_len, msg, len, nonce, err);
    sodium_memzero(k, sizeof k);
    return st;
}

na_status na_xkey_seal(const na_nkey *sender, uint8_t **out, size_t *out_len, const void *msg,
                       size_t len, const char *recipient, na_err *err)
{
    uint8_t nonce[NA_XKEY_NONCE_LEN];
    if (!na_crypto_init())
        return na_fail(err, NA_ENOMEM, "libsodium failed to initialise");
    randombytes_buf(nonce, sizeof nonce);
    return na_xkey_seal_with_nonce(sender, out, out_len, msg, len, recipient, nonce, err);
}

na_status na_xkey_open(const na_nkey *recipient, uint8_t **out, size_t *out_len, const void *in,
                       size_t len, const char *sender, na_err *err)
{
    uint8_t k[32];
    na_status st;
    if (!out || !out_len || (!in && len))
        return na_fail(err, NA_EINVAL, "invalid arguments to na_xkey_open");
    *out = NULL;
    *out_len = 0;
    st = shared_key(k, recipient, sender, "sender", "open", err);
    if (st == NA_OK)
        st = open_common(k, out, out_len, in, len, err);
    sodium_memzero(k, sizeof k);
    return st;
}

na_status na_xkey_shared_create(na_xkey_shared **out, const na_nkey *ours, const char *peer,
                                na_err *err)
{
    na_xkey_shared *s;
    na_status st;
    if (!out)
        return na_fail(err, NA_EINVAL, "output is NULL");
    *out = NULL;
    s = na_crypto_init() ? sodium_malloc(sizeof *s) : NULL;
    if (!s)
        return na_fail(err, NA_ENOMEM, "out of memory");
    st = shared_key(s->k, ours, peer, "peer", "seal", err);
    if (st != NA_OK) {
        sodium_free(s);
        return st;
    }
    *out = s;
    return NA_OK;
}

void na_xkey_shared_destroy(na_xkey_shared *s)
{
    if (s)
        sodium_free(s);
}

na_status na_xkey_shared_seal(const na_xkey_shared *s, uint8_t **out, size_t *out_len,
                              const void *msg, size_t len, na_err *err)
{
    uint8_t nonce[NA_XKEY_NONCE_LEN];
    if (!s || !out || !out_len || (!msg && len))
        return na_fail(err, NA_EINVAL, "invalid arguments to na_xkey_shared_seal");
    *out = NULL;
    *out_len = 0;
    if (!na_crypto_init())
        return na_fail(err, NA_ENOMEM, "libsodium failed to initialise");
    randombytes_buf(nonce, sizeof nonce);
    return seal_common(s->k, out, out_len, msg, len, nonce, err);
}

na_status na_xkey_shared_open(const na_xkey_shared *s, uint8_t **out, size_t *out_len,
                              const void *in, size_t len, na_err *err)
{
    if (!s || !out || !out_len || (!in && len))
        return na_fail(err, NA_EINVAL, "invalid arguments to na_xkey_shared_open");
    *out = NULL;
    *out_len = 0;
    return open_common(s->k, out, out_len, in, len, err);
}
