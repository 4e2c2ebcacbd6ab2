/*
 * err.c - status names, error filling, and the free/wipe helpers.
 * The name table must have one entry per na_status (checked at compile time).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

static const char *const status_names[] = {
    "ok",
    "invalid argument",
    "out of memory",
    "invalid base32",
    "invalid checksum",
    "invalid prefix",
    "invalid length",
    "invalid key operation",
    "signature verification failed",
    "could not decrypt",
    "malformed token",
    "malformed json",
    "invalid claim field",
    "input too large",
    "expired",
    "not yet valid",
    "validation failed",
    "trust chain failed",
    "revoked",
    "malformed creds",
    "i/o error",
    "not found",
    "already exists",
    "busy",
    "timeout",
    "network error",
};
_Static_assert(sizeof(status_names) / sizeof(status_names[0]) == NA_STATUS_COUNT,
               "status_names must match na_status");

const char *na_status_str(na_status s)
{
    if ((unsigned)s >= NA_STATUS_COUNT)
        return "unknown status";
    return status_names[s];
}

na_status na_fail(na_err *err, na_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        err->sub = 0;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void na_err_prefix(na_err *err, const char *fmt, ...)
{
    char tmp[NA_ERR_MSG_MAX];
    size_t n;
    va_list ap;
    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    n = strlen(tmp);
    if (n + 3 < sizeof tmp) {
        size_t m = strnlen(err->msg, sizeof err->msg - 1);
        if (m > sizeof tmp - n - 3)
            m = sizeof tmp - n - 3;
        memcpy(tmp + n, ": ", 2);
        memcpy(tmp + n + 2, err->msg, m);
        tmp[n + 2 + m] = '\0';
    }
    memcpy(err->msg, tmp, sizeof tmp);
}

void na_free(void *p) { free(p); }

void na_free_secret(char *p)
{
    if (!p)
        return;
    sodium_memzero(p, strlen(p));
    free(p);
}

void na_wipe(void *p, size_t len)
{
    if (p && len)
        sodium_memzero(p, len);
}

char *na_strdup(const char *s)
{
    return s ? na_strndup(s, strlen(s)) : NULL;
}

char *na_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void na_buf_init(na_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = false;
}

void na_buf_release(na_buf *b)
{
    free(b->p);
    na_buf_init(b, b->max);
}

static bool buf_reserve(na_buf *b, size_t extra)
{
    size_t need, ncap;
    char *np;
    if (b->failed)
        return false;
    if (extra > b->max || b->len + 1 > b->max - extra) {
        b->failed = true;
        return false;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    ncap = b->cap ? b->cap : 1024; /* a user JWT payload fits: no regrowth */
    while (ncap < need)
        ncap *= 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    np = realloc(b->p, ncap);
    if (!np) {
        b->failed = true;
        return false;
    }
    b->p = np;
    b->cap = ncap;
    return true;
}

void na_buf_put(na_buf *b, const void *p, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void na_buf_puts(na_buf *b, const char *s) { na_buf_put(b, s, strlen(s)); }

void na_buf_putc(na_buf *b, char c)
{
    if (!buf_reserve(b, 1))
        return;
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

void na_buf_printf(na_buf *b, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        na_buf_put(b, small, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

bool na_buf_ok(const na_buf *b) { return !b->failed; }

char *na_buf_take(na_buf *b)
{
    char *p;
    if (b->failed) {
        na_buf_release(b);
        return NULL;
    }
    if (!b->p && !buf_reserve(b, 0))
        return NULL;
    b->p[b->len] = '\0'; /* a buffer nothing was put in has no terminator yet */
    p = b->p;
    na_buf_init(b, b->max);
    return p;
}
