/*
 * internal.h - helpers shared by the core modules. Not installed.
 *
 * The core is pure: no file or network I/O, no clock. Randomness comes only
 * from libsodium's randombytes in na_nkey_create() and na_xkey_seal().
 */
#ifndef NATSAUTH_INTERNAL_H
#define NATSAUTH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natsauth/err.h"

/* base32 (RFC 4648 std alphabet, no padding). enc_len = ceil(n*8/5). */
size_t na_b32_enc_len(size_t n);
void na_b32_encode(char *out, const uint8_t *in, size_t n); /* writes enc_len chars + NUL */
/* Returns decoded length or -1 on a bad char / bad trailing bits. out >= len*5/8 */
long na_b32_decode(uint8_t *out, const char *in, size_t len);

uint16_t na_crc16(const uint8_t *p, size_t n);

/* base64url without padding (the JWT alphabet). */
size_t na_b64url_enc_len(size_t n);
void na_b64url_encode(char *out, const uint8_t *in, size_t n); /* + NUL */
/* Strict: rejects padding, whitespace and non-canonical trailing bits. */
long na_b64url_decode(uint8_t *out, size_t cap, const char *in, size_t len);

/* libsodium's sodium_init, once per process (sodium_malloc and the RNG need
 * it). Returns false if libsodium cannot start. */
bool na_crypto_init(void);

/* SHA-512/256 (FIPS 180-4), via OpenSSL libcrypto. */
int na_sha512_256(uint8_t out[32], const void *in, size_t len);

/* Growable byte buffer with a hard maximum. On overflow/ENOMEM it latches
 * failed and further appends are ignored; check with na_buf_ok(). */
typedef struct na_buf {
    char *p;
    size_t len, cap, max;
    bool failed;
} na_buf;
void na_buf_init(na_buf *b, size_t max);
void na_buf_release(na_buf *b);
void na_buf_put(na_buf *b, const void *p, size_t n);
void na_buf_puts(na_buf *b, const char *s);
void na_buf_putc(na_buf *b, char c);
void na_buf_printf(na_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool na_buf_ok(const na_buf *b);
/* Hand the NUL-terminated contents to the caller (na_free); b is reset. */
char *na_buf_take(na_buf *b);

char *na_strdup(const char *s);
char *na_strndup(const char *s, size_t n);

#endif
