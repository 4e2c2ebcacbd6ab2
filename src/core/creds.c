/*
 * creds.c - .creds files: exact FormatUserConfig output, tolerant parsing.
 *
 * Parsing follows the Go regex of jwt/v2 creds_utils.go in spirit: a block is
 * a header line (>= 3 dashes at both ends), one token line of [A-Za-z0-9_-.=]
 * and a footer line like the header (the last may end without a newline).
 * Block 1 is the JWT, block 2 the seed; without blocks the whole text is the
 * JWT, and the seed is the first line starting with SO, SA or SU.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "claims_internal.h"
#include "natsauth/creds.h"

typedef struct line {
    const char *p;
    size_t n;
} line;

static bool is_header(line l)
{
    size_t lead = 0, trail = 0;
    while (lead < l.n && l.p[lead] == '-')
        lead++;
    while (trail < l.n - lead && l.p[l.n - 1 - trail] == '-')
        trail++;
    return lead >= 3 && trail >= 3;
}

static bool is_token(line l)
{
    if (l.n == 0)
        return false;
    for (size_t i = 0; i < l.n; i++) {
        unsigned char c = (unsigned char)l.p[i];
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c == '='))
            return false;
    }
    return true;
}

/* Split into lines without their \r\n. Returns count; lines is new. */
static size_t split_lines(const char *text, size_t len, line **out)
{
    size_t cap = 16, n = 0, start = 0;
    line *ls = malloc(cap * sizeof *ls);
    if (!ls)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            size_t e = i;
            if (e > start && text[e - 1] == '\r')
                e--;
            if (n == cap) {
                line *nl = realloc(ls, 2 * cap * sizeof *ls);
                if (!nl) {
                    free(ls);
                    return 0;
                }
                ls = nl;
                cap *= 2;
            }
            ls[n].p = text + start;
            ls[n].n = e - start;
            n++;
            start = i + 1;
        }
    }
    *out = ls;
    return n;
}

static void trim(const char **p, size_t *n)
{
    while (*n && isspace((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

na_status na_creds_parse(char **jwt, char **seed, const char *text, size_t len, na_err *err)
{
    line *ls = NULL, blocks[2];
    size_t nl, nb = 0;
    na_status st = NA_OK;
    if (jwt)
        *jwt = NULL;
    if (seed)
        *seed = NULL;
    if (!text)
        return na_fail(err, NA_EINVAL, "creds text is missing");
    if (len > NA_CREDS_MAX)
        return na_fail(err, NA_ETOOBIG, "creds text of %zu bytes exceeds %u", len, NA_CREDS_MAX);
    if (memchr(text, '\0', len))
        return na_fail(err, NA_ECREDS, "creds text contains a NUL byte");
    nl = split_lines(text, len, &ls);
    if (!ls)
        return na_fail(err, NA_ENOMEM, "out of memory");
    for (size_t i = 0; i + 2 < nl && nb < 2; i++) {
        line tok = ls[i + 1];
        if (!is_header(ls[i]))
            continue;
        if (is_token(tok) && is_header(ls[i + 2])) {
            blocks[nb++] = tok;
            i += 2;
        }
    }
    if (jwt) {
        const char *p = text;
        size_t n = len;
        if (nb >= 1) {
            p = blocks[0].p;
            n = blocks[0].n;
        } else {
            trim(&p, &n);
        }
        if (n == 0 || !is_token((line){p, n})) {
            st = na_fail(err, NA_ECREDS, "no JWT found in creds");
            goto out;
        }
        if (n >= 2 && p[0] == 'S' && strchr("OAUNCX", p[1]) && !memchr(p, '.', n)) {
            /* a bare seed is never taken for a JWT (nor copied around) */
            st = na_fail(err, NA_ECREDS, "no JWT found in creds (the text is a seed)");
            goto out;
        }
        *jwt = na_strndup(p, n);
        if (!*jwt) {
            st = na_fail(err, NA_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (seed) {
        const char *p = NULL;
        size_t n = 0;
        if (nb >= 2) {
            p = blocks[1].p;
            n = blocks[1].n;
        } else {
            for (size_t i = 0; i < nl; i++) {
                const char *q = ls[i].p;
                size_t m = ls[i].n;
                trim(&q, &m);
                if (m >= 2 && q[0] == 'S' && (q[1] == 'O' || q[1] == 'A' || q[1] == 'U')) {
                    p = q;
                    n = m;
                    break;
                }
            }
        }
        if (!p) {
            st = na_fail(err, NA_ECREDS, "no nkey seed found in creds");
            goto out;
        }
        if (n < 2 || p[0] != 'S' || !(p[1] == 'O' || p[1] == 'A' || p[1] == 'U')) {
            st = na_fail(err, NA_ECREDS, "creds do not contain an operator, account or user seed");
            goto out;
        }
        *seed = na_strndup(p, n);
        if (!*seed)
            st = na_fail(err, NA_ENOMEM, "out of memory");
    }
out:
    if (st != NA_OK && jwt && *jwt) {
        free(*jwt);
        *jwt = NULL;
    }
    free(ls);
    return st;
}

static const char *kind_upper(na_claims_type t)
{
    switch (t) {
    case NA_CLAIMS_OPERATOR: return "OPERATOR";
    case NA_CLAIMS_ACCOUNT: return "ACCOUNT";
    case NA_CLAIMS_USER: return "USER";
    case NA_CLAIMS_ACTIVATION: return "ACTIVATION";
    case NA_CLAIMS_AUTH_REQUEST: return "AUTHORIZATION_REQUEST";
    case NA_CLAIMS_AUTH_RESPONSE: return "AUTHORIZATION_RESPONSE";
    default: return "GENERIC";
    }
}

static void put_jwt_block(na_buf *b, const char *kind, const char *jwt)
{
    na_buf_printf(b, "-----BEGIN NATS %s JWT-----\n", kind);
    na_buf_puts(b, jwt);
    na_buf_printf(b, "\n------END NATS %s JWT------\n\n", kind);
}

na_status na_creds_decorate_jwt(char **out, const char *jwt, na_err *err)
{
    na_claims *c = NULL;
    na_buf b;
    na_status st;
    if (!out || !jwt)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_creds_decorate_jwt");
    *out = NULL;
    st = na_jwt_decode(&c, jwt, strlen(jwt), err);
    if (st != NA_OK)
        return st;
    na_buf_init(&b, NA_CREDS_MAX);
    put_jwt_block(&b, kind_upper(c->type), jwt);
    na_claims_destroy(c);
    *out = na_buf_take(&b);
    return *out ? NA_OK : na_fail(err, NA_ENOMEM, "out of memory");
}

na_status na_creds_format(char **out, const char *jwt, const char *seed, na_err *err)
{
    na_claims *c = NULL;
    na_nkey *k = NULL;
    na_status st;
    if (!out || !jwt || !seed)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_creds_format");
    *out = NULL;
    st = na_jwt_decode(&c, jwt, strlen(jwt), err);
    if (st != NA_OK)
        return st;
    if (c->type != NA_CLAIMS_USER) {
        st = na_fail(err, NA_EINVAL, "\"%s\" cannot be serialized as a user config",
                     na_claims_type_name(c->type));
        goto out;
    }
    st = na_nkey_from_seed(&k, seed, strlen(seed), err);
    if (st != NA_OK)
        goto out;
    if (na_nkey_type_of(k) != NA_NKEY_USER) {
        st = na_fail(err, NA_EPREFIX, "seed is a %s seed, want a user (SU) seed",
                     na_nkey_type_name(na_nkey_type_of(k)));
        goto out;
    }
    if (strcmp(na_nkey_public(k), na_claims_subject(c)) != 0) {
        st = na_fail(err, NA_EINVAL, "seed does not match the JWT subject '%s'",
                     na_claims_subject(c));
        goto out;
    }
    {
        /* one exact allocation, so no realloc leaves a copy of the seed behind */
        static const char fmt[] =
            "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n"
            "NKEYs are sensitive and should be treated as secrets.\n\n"
            "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n\n"
            "*************************************************************\n";
        int n = snprintf(NULL, 0, fmt, jwt, seed);
        char *o = n > 0 ? malloc((size_t)n + 1) : NULL;
        if (!o) {
            st = na_fail(err, NA_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(o, (size_t)n + 1, fmt, jwt, seed);
        *out = o;
    }
out:
    na_nkey_destroy(k);
    na_claims_destroy(c);
    return st;
}
