/*
 * claims_internal.h - the na_claims representation, shared by claims.c,
 * validate.c and chain.c. Private to the core.
 */
#ifndef NATSAUTH_CLAIMS_INTERNAL_H
#define NATSAUTH_CLAIMS_INTERNAL_H

#include <jansson.h>

#include "internal.h"
#include "natsauth/jwt.h"

struct na_claims {
    na_claims_type type;
    json_t *root; /* payload object, schema-checked */
    char sub_ok[NA_NKEY_PUBLIC_LEN + 1]; /* a subject already checked for the type */
};

json_t *claims_nats(const na_claims *c);
bool claims_issuer_allowed(na_claims_type t, na_nkey_type k);
bool claims_revoked_in(const json_t *rev, const char *pub, int64_t iat);
na_status claims_time_check(const na_claims *c, int64_t now, na_err *err);
na_status claims_write(const na_claims *c, na_buf *b, na_err *err);
na_status claims_decode(na_claims **out, const char *token, size_t len, int64_t *version,
                        na_err *err);

#endif
