/*
 * natsauth/nkey.h - NATS nkeys (ed25519 identities) and xkeys (x25519 curve keys).
 *
 * Wire formats (byte-compatible with github.com/nats-io/nkeys):
 *   public key = base32(prefix(1) | key(32) | crc16_le(2))           56 chars
 *   seed       = base32(b1 | b2 | raw_seed(32) | crc16_le(2))        58 chars
 *   base32 is RFC 4648, upper case, no padding; crc16 is XMODEM.
 *   xkey seal  = "xkv1" | nonce(24) | poly1305 tag(16) | ciphertext  (crypto_box_easy)
 *
 * Decoding is stricter than Go: exact lengths are required. Bad base32, a bad
 * checksum, a wrong prefix and a wrong length are distinct errors
 * (NA_EBASE32, NA_ECRC, NA_EPREFIX, NA_ELENGTH).
 *
 * An na_nkey holding a seed keeps it in sodium_malloc'd memory that is wiped
 * by na_nkey_destroy(). Functions that write a seed into a caller buffer leave
 * wiping it to the caller (na_wipe).
 */
#ifndef NATSAUTH_NKEY_H
#define NATSAUTH_NKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NA_NKEY_RAW_LEN 32    /* raw ed25519 seed / x25519 scalar / public key */
#define NA_NKEY_PUBLIC_LEN 56 /* encoded public key, without NUL */
#define NA_NKEY_SEED_LEN 58   /* encoded seed, without NUL */
#define NA_NKEY_SIG_LEN 64    /* ed25519 signature */
#define NA_XKEY_NONCE_LEN 24
#define NA_XKEY_OVERHEAD 44   /* "xkv1" + nonce + tag */
#define NA_XKEY_MAX_INPUT (16u * 1024u * 1024u)

typedef enum na_nkey_type {
    NA_NKEY_OPERATOR = 0,
    NA_NKEY_ACCOUNT,
    NA_NKEY_USER,
    NA_NKEY_SERVER,
    NA_NKEY_CLUSTER,
    NA_NKEY_CURVE,
    NA_NKEY_TYPE_COUNT
} na_nkey_type;

typedef struct na_nkey na_nkey;

/* "operator", "account", "user", "server", "cluster", "curve". */
NA_API const char *na_nkey_type_name(na_nkey_type t);
/* Parse a type name (also accepts the prefix letter: O, A, U, N, C, X and "xkey"). */
NA_API na_status na_nkey_type_parse(na_nkey_type *out, const char *name, na_err *err);
/* The first character of public keys of this type ('O', 'A', ...). */
NA_API char na_nkey_type_letter(na_nkey_type t);

/* Encode raw key material. out must hold NA_NKEY_PUBLIC_LEN+1 / NA_NKEY_SEED_LEN+1. */
NA_API void na_nkey_encode_public(char out[NA_NKEY_PUBLIC_LEN + 1], na_nkey_type t,
                                  const uint8_t raw[NA_NKEY_RAW_LEN]);
NA_API void na_nkey_encode_seed(char out[NA_NKEY_SEED_LEN + 1], na_nkey_type t,
                                const uint8_t raw[NA_NKEY_RAW_LEN]);

/* Decode and check a public key; type and raw may be NULL. */
NA_API na_status na_nkey_decode_public(na_nkey_type *type, uint8_t raw[NA_NKEY_RAW_LEN],
                                       const char *pub, size_t len, na_err *err);
/* Decode and check a seed. raw receives the secret: wipe it. */
NA_API na_status na_nkey_decode_seed(na_nkey_type *type, uint8_t raw[NA_NKEY_RAW_LEN],
                                     const char *seed, size_t len, na_err *err);

/* True iff s (NUL-terminated) is a valid public key of type t. */
NA_API bool na_nkey_is_public(const char *s, na_nkey_type t);

/* New random key pair (libsodium's system RNG). */
NA_API na_status na_nkey_create(na_nkey **out, na_nkey_type t, na_err *err);
/* Key pair from a raw 32-byte seed (ed25519 seed, or x25519 scalar for CURVE). */
NA_API na_status na_nkey_from_raw(na_nkey **out, na_nkey_type t,
                                  const uint8_t raw[NA_NKEY_RAW_LEN], na_err *err);
/* Key pair from an encoded seed ("SU..."). Surrounding whitespace is ignored. */
NA_API na_status na_nkey_from_seed(na_nkey **out, const char *seed, size_t len, na_err *err);
/* Public-only key from an encoded public key. */
NA_API na_status na_nkey_from_public(na_nkey **out, const char *pub, size_t len, na_err *err);
/* Wipe and free. NULL is a no-op. */
NA_API void na_nkey_destroy(na_nkey *k);

NA_API na_nkey_type na_nkey_type_of(const na_nkey *k);
/* Borrowed, NUL-terminated, valid until destroy. */
NA_API const char *na_nkey_public(const na_nkey *k);
NA_API const uint8_t *na_nkey_public_raw(const na_nkey *k);
NA_API bool na_nkey_has_seed(const na_nkey *k);
/* Write the encoded seed into out (a secret: wipe it after use). */
NA_API na_status na_nkey_seed(const na_nkey *k, char out[NA_NKEY_SEED_LEN + 1], na_err *err);

/* ed25519 sign / verify (RFC 8032, not prehashed). Curve keys refuse (NA_EKEYOP). */
NA_API na_status na_nkey_sign(const na_nkey *k, uint8_t sig[NA_NKEY_SIG_LEN],
                              const void *msg, size_t len, na_err *err);
NA_API na_status na_nkey_verify(const na_nkey *k, const uint8_t sig[NA_NKEY_SIG_LEN],
                                const void *msg, size_t len, na_err *err);
/* Verify with an encoded public key (any ed25519 type). */
NA_API na_status na_nkey_verify_with(const char *pub, const uint8_t sig[NA_NKEY_SIG_LEN],
                                     const void *msg, size_t len, na_err *err);

/* xkey seal: out (new, na_free) = "xkv1" | nonce | tag | ct, *out_len = len + 44.
 * sender must be a CURVE key with a seed, recipient an encoded X... public key. */
NA_API na_status na_xkey_seal(const na_nkey *sender, uint8_t **out, size_t *out_len,
                              const void *msg, size_t len, const char *recipient,
                              na_err *err);
/* Same with a caller-chosen nonce (test vectors only: never reuse a nonce). */
NA_API na_status na_xkey_seal_with_nonce(const na_nkey *sender, uint8_t **out,
                                         size_t *out_len, const void *msg, size_t len,
                                         const char *recipient,
                                         const uint8_t nonce[NA_XKEY_NONCE_LEN],
                                         na_err *err);
/* xkey open: out (new, na_free; NUL appended but not counted) = plaintext. */
NA_API na_status na_xkey_open(const na_nkey *recipient, uint8_t **out, size_t *out_len,
                              const void *in, size_t len, const char *sender,
                              na_err *err);

/* A precomputed x25519 shared key for one (our key, peer) pair: seal/open
 * without the scalar multiplication. Lives in sodium_malloc memory. */
typedef struct na_xkey_shared na_xkey_shared;
NA_API na_status na_xkey_shared_create(na_xkey_shared **out, const na_nkey *ours,
                                       const char *peer, na_err *err);
NA_API void na_xkey_shared_destroy(na_xkey_shared *s);
NA_API na_status na_xkey_shared_seal(const na_xkey_shared *s, uint8_t **out, size_t *out_len,
                                     const void *msg, size_t len, na_err *err);
NA_API na_status na_xkey_shared_open(const na_xkey_shared *s, uint8_t **out, size_t *out_len,
                                     const void *in, size_t len, na_err *err);

#ifdef __cplusplus
}
#endif
#endif
