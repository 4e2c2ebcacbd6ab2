/*
 * natsauth/jwt.h - NATS JWT v2 claims: build, encode, decode, validate, verify.
 *
 * An na_claims is a claim set of one type (operator, account, user, activation,
 * authorization request/response, generic). Internally it is the payload JSON
 * tree; natsauth writes it back in exactly the bytes the Go reference
 * (nats-io/jwt v2) writes: Go struct field order, Go omitempty rules,
 * sorted maps and signing keys, exports/imports sorted by subject,
 * `<>&` escaped as \u003c \u003e \u0026. Fields the reference does not know
 * are kept, after the known ones, so decode -> edit -> encode loses nothing.
 *
 * Paths name fields from the payload root with dots: "name", "exp",
 * "nats.limits.conn", "nats.pub.allow". Every path is checked against the
 * schema of the claim type, so a misspelt field or a wrong value type is an
 * NA_ESCHEMA error naming the path.
 *
 * Time is always a parameter (unix seconds); the library never reads a clock.
 */
#ifndef NATSAUTH_JWT_H
#define NATSAUTH_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "nkey.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NA_JWT_MAX_TOKEN (1024u * 1024u) /* as jwt >= v2.8.1: 1 MiB */

typedef enum na_claims_type {
    NA_CLAIMS_OPERATOR = 0,
    NA_CLAIMS_ACCOUNT,
    NA_CLAIMS_USER,
    NA_CLAIMS_ACTIVATION,
    NA_CLAIMS_AUTH_REQUEST,
    NA_CLAIMS_AUTH_RESPONSE,
    NA_CLAIMS_GENERIC,
    NA_CLAIMS_TYPE_COUNT
} na_claims_type;

typedef struct na_claims na_claims;

/* The nats.type string: "operator", "account", "user", "activation",
 * "authorization_request", "authorization_response", "generic". */
NA_API const char *na_claims_type_name(na_claims_type t);
NA_API na_status na_claims_type_parse(na_claims_type *out, const char *name, na_err *err);

/* New claims with the Go New*Claims defaults for the type, subject set
 * (and for operators, issuer = subject). The subject's key type is checked. */
NA_API na_status na_claims_create(na_claims **out, na_claims_type type, const char *subject,
                                  na_err *err);
/* Claims from payload JSON. If type is NA_CLAIMS_TYPE_COUNT the type comes
 * from nats.type (absent or unknown: generic); otherwise the JSON must agree
 * with the given type or leave nats.type out. Field types are checked. */
NA_API na_status na_claims_from_json(na_claims **out, na_claims_type type, const char *json,
                                     size_t len, na_err *err);
NA_API na_status na_claims_clone(na_claims **out, const na_claims *c, na_err *err);
NA_API void na_claims_destroy(na_claims *c);

/* Payload JSON (new, na_free). flags: 0 = compact Go bytes, NA_JSON_PRETTY. */
#define NA_JSON_PRETTY 1u
NA_API char *na_claims_to_json(const na_claims *c, unsigned flags);

/* Accessors (borrowed strings, valid until the claims change; "" if unset). */
NA_API na_claims_type na_claims_type_of(const na_claims *c);
NA_API const char *na_claims_subject(const na_claims *c);
NA_API const char *na_claims_issuer(const na_claims *c);
NA_API const char *na_claims_name(const na_claims *c);
NA_API const char *na_claims_audience(const na_claims *c);
NA_API const char *na_claims_id(const na_claims *c);
NA_API const char *na_claims_issuer_account(const na_claims *c);
NA_API int64_t na_claims_issued_at(const na_claims *c);
NA_API int64_t na_claims_expires(const na_claims *c);
NA_API int64_t na_claims_not_before(const na_claims *c);

/* Typed path access. Getters return false when unset or of another type. */
NA_API bool na_claims_get_str(const na_claims *c, const char *path, const char **out);
NA_API bool na_claims_get_int(const na_claims *c, const char *path, int64_t *out);
NA_API bool na_claims_get_bool(const na_claims *c, const char *path, bool *out);
/* Number of elements of an array/map field (0 if unset). */
NA_API size_t na_claims_count(const na_claims *c, const char *path);
/* i-th element of a string array field. */
NA_API const char *na_claims_str_at(const na_claims *c, const char *path, size_t i);

NA_API na_status na_claims_set_str(na_claims *c, const char *path, const char *v, na_err *err);
NA_API na_status na_claims_set_int(na_claims *c, const char *path, int64_t v, na_err *err);
NA_API na_status na_claims_set_bool(na_claims *c, const char *path, bool v, na_err *err);
/* Append v to a string-list field unless already present (tags are lower-cased
 * and trimmed, as Go's TagList.Add does). */
NA_API na_status na_claims_add_str(na_claims *c, const char *path, const char *v, na_err *err);
/* Remove v from a string-list field (no-op if absent). */
NA_API na_status na_claims_remove_str(na_claims *c, const char *path, const char *v,
                                      na_err *err);
/* Set any field (object, array, map entry "nats.revocations.UABC") from JSON text. */
NA_API na_status na_claims_set_json(na_claims *c, const char *path, const char *json,
                                    na_err *err);
/* Append a JSON object/value to an array field ("nats.exports", "nats.imports",
 * "nats.signing_keys", "nats.times"). */
NA_API na_status na_claims_append_json(na_claims *c, const char *path, const char *json,
                                       na_err *err);
/* Remove a field or map entry (no-op if absent). */
NA_API na_status na_claims_unset(na_claims *c, const char *path, na_err *err);

/* Convenience setters for the common ClaimsData fields. */
NA_API na_status na_claims_set_name(na_claims *c, const char *name, na_err *err);
NA_API na_status na_claims_set_expires(na_claims *c, int64_t exp, na_err *err);
NA_API na_status na_claims_set_not_before(na_claims *c, int64_t nbf, na_err *err);
NA_API na_status na_claims_set_audience(na_claims *c, const char *aud, na_err *err);
NA_API na_status na_claims_add_tag(na_claims *c, const char *tag, na_err *err);

/* Permissions of a user (or "nats.default_permissions" of an account, or a
 * scope template): which = NA_PERM_PUB / NA_PERM_SUB, allow = true/false. */
typedef enum { NA_PERM_PUB, NA_PERM_SUB } na_perm_dir;
NA_API na_status na_claims_perm_add(na_claims *c, na_perm_dir dir, bool allow,
                                    const char *subject, na_err *err);
/* Response permission (ttl in nanoseconds, as Go's time.Duration). */
NA_API na_status na_claims_set_resp(na_claims *c, int64_t max_msgs, int64_t ttl_ns,
                                    na_err *err);
/* Account: add a plain signing key, or a scoped (user_scope) key with its
 * template given as JSON of UserPermissionLimits (NULL = empty template). */
NA_API na_status na_claims_add_signing_key(na_claims *c, const char *pub, na_err *err);
NA_API na_status na_claims_add_scoped_key(na_claims *c, const char *pub, const char *role,
                                          const char *template_json, const char *description,
                                          na_err *err);
/* Account (users, "*" = all) or export revocation: keeps a later existing entry. */
NA_API na_status na_claims_revoke(na_claims *c, const char *pub, int64_t at, na_err *err);
/* True iff the account revokes a claim with this subject issued at iat. */
NA_API bool na_claims_is_revoked(const na_claims *account, const char *pub, int64_t iat);

/* Encode and sign: sets iss (signer's public key), iat, jti (Go's
 * SHA-512/256 rule) and nats.version = 2; checks the subject and signer
 * types; writes a new token (na_free). Does not validate (see below). */
NA_API na_status na_claims_encode(na_claims *c, char **jwt, const na_nkey *signer, int64_t iat,
                                  na_err *err);

/* Decode a token: size cap, 3 chunks, header, payload JSON against the claim
 * schema, ed25519 signature over header.payload (payload only for v1 tokens),
 * issuer prefix allowed for the type. No time checks, no validation. */
NA_API na_status na_jwt_decode(na_claims **out, const char *token, size_t len, na_err *err);
/* na_jwt_decode + expiry/not-before against now (unix seconds). */
NA_API na_status na_jwt_verify(na_claims **out, const char *token, size_t len, int64_t now,
                               na_err *err);
/* Decoded header and payload JSON text of a token without verifying anything
 * (for display). New strings (na_free). */
NA_API na_status na_jwt_split(char **header_json, char **payload_json, const char *token,
                              size_t len, na_err *err);

/* ---- validation ---- */

typedef struct na_issue {
    char *description;
    bool blocking;
    bool time_check;
} na_issue;

typedef struct na_issues {
    size_t count;
    na_issue *items;
} na_issues;

/* Run the reference's Validate rules for the type at time now. Returns NA_OK
 * and a list (possibly empty) in *out (free with na_issues_destroy). */
NA_API na_status na_claims_validate(const na_claims *c, int64_t now, na_issues **out,
                                    na_err *err);
NA_API void na_issues_destroy(na_issues *v);
/* true if any issue is blocking (time checks count when include_time). */
NA_API bool na_issues_blocking(const na_issues *v, bool include_time);

/* ---- trust chain ---- */

/* Operator claims and account claims: the account's issuer is the operator
 * identity key (refused under strict_signing_key_usage) or one of its signing
 * keys; the operator is self-signed or signed by one of its signing keys. */
NA_API na_status na_chain_check_account(const na_claims *op, const na_claims *acct,
                                        na_err *err);
/* Account claims and user claims: issuer is the account key or a listed
 * signing key (then issuer_account must name the account), scoped-key rules,
 * revocation (revoked_at >= iat), disallow_bearer. */
NA_API na_status na_chain_check_user(const na_claims *acct, const na_claims *user, na_err *err);
/* Activation against the exporting account (issuer is it or a signing key). */
NA_API na_status na_chain_check_activation(const na_claims *acct, const na_claims *act,
                                           na_err *err);

#ifdef __cplusplus
}
#endif
#endif
