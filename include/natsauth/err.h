/*
 * natsauth/err.h - status codes and the caller-owned error record.
 *
 * Every fallible natsauth function returns an na_status (NA_OK == 0) and, when
 * given a non-NULL na_err, fills it with the same code and a message that names
 * what was wrong. Filling an na_err never allocates. Messages never contain a
 * secret (seed, private key, password, token body).
 */
#ifndef NATSAUTH_ERR_H
#define NATSAUTH_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(NATSAUTH_BUILD)
#define NA_API __attribute__((visibility("default")))
#else
#define NA_API
#endif

typedef enum na_status {
    NA_OK = 0,
    NA_EINVAL,    /* bad argument or malformed input */
    NA_ENOMEM,    /* allocation failed */
    NA_EBASE32,   /* input is not valid base32 */
    NA_ECRC,      /* key checksum does not match */
    NA_EPREFIX,   /* key has the wrong prefix (type) */
    NA_ELENGTH,   /* key or buffer has the wrong length */
    NA_EKEYOP,    /* the key cannot do this (curve sign, ed25519 seal, no seed) */
    NA_ESIG,      /* signature verification failed */
    NA_EDECRYPT,  /* sealed message could not be opened */
    NA_EJWT,      /* token is malformed (chunks, base64, header) */
    NA_EJSON,     /* claims are not valid JSON */
    NA_ESCHEMA,   /* a claim field has the wrong JSON type or value */
    NA_ETOOBIG,   /* input exceeds a hard maximum */
    NA_EEXPIRED,  /* claim is expired */
    NA_ENOTYET,   /* claim is not yet valid */
    NA_EINVALID,  /* claim failed validation (blocking issues) */
    NA_ECHAIN,    /* trust chain does not hold */
    NA_EREVOKED,  /* the user or activation is revoked */
    NA_ECREDS,    /* creds text is malformed */
    NA_EIO,       /* file or stream error (tools only; the core does no I/O) */
    NA_ENOTFOUND, /* a named thing does not exist */
    NA_EEXIST,    /* a named thing already exists */
    NA_EBUSY,     /* resource busy */
    NA_ETIMEOUT,  /* operation timed out */
    NA_ENET,      /* network / server error */
    NA_STATUS_COUNT
} na_status;

#define NA_ERR_MSG_MAX 320

typedef struct na_err {
    na_status code;
    int sub;                   /* foreign code (errno, sqlite, natsStatus), 0 if none */
    char msg[NA_ERR_MSG_MAX];  /* lowercase, no final period, NUL-terminated */
} na_err;

/* Short constant name of a status ("ok", "invalid argument", ...). Never NULL. */
NA_API const char *na_status_str(na_status s);

/* Fill err (if non-NULL) and return code. printf-style. Never allocates. */
NA_API na_status na_fail(na_err *err, na_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix err->msg with "context: " (keeps code). No-op when err is NULL. */
NA_API void na_err_prefix(na_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Free memory returned by natsauth (strings, buffers). NULL is a no-op. */
NA_API void na_free(void *p);

/* Wipe a NUL-terminated secret string (seed, creds text) and free it. NULL ok. */
NA_API void na_free_secret(char *p);

/* Wipe len bytes at p (sodium_memzero). */
NA_API void na_wipe(void *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif
