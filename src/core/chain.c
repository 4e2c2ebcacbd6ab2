/*
 * chain.c - trust chain checks: operator -> account -> user / activation.
 *
 * Mirrors what nats-server checks when it loads an account and admits a user
 * (server/accounts.go, auth.go) and the jwt library's DidSign/IsRevoked rules.
 * Signatures are checked by na_jwt_decode; here only who signed what.
 */
#include <string.h>

#include "claims_internal.h"

static bool str_in_list(const json_t *arr, const char *s)
{
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)arr, i, e) {
        if (json_is_string(e) && strcmp(json_string_value(e), s) == 0)
            return true;
    }
    return false;
}

/* The scope object for a signing key of an account, NULL if plain or absent;
 * *listed tells whether the key is listed at all. */
static const json_t *account_signing_key(const na_claims *acct, const char *key, bool *listed)
{
    size_t i;
    json_t *e;
    *listed = false;
    json_array_foreach(json_object_get(claims_nats(acct), "signing_keys"), i, e) {
        if (json_is_string(e) && strcmp(json_string_value(e), key) == 0) {
            *listed = true;
            return NULL;
        }
        if (json_is_object(e) &&
            json_is_string(json_object_get(e, "key")) &&
            strcmp(json_string_value(json_object_get(e, "key")), key) == 0) {
            *listed = true;
            return e;
        }
    }
    return NULL;
}

na_status na_chain_check_account(const na_claims *op, const na_claims *acct, na_err *err)
{
    const json_t *opn, *sks;
    const char *opsub, *iss;
    bool strict;
    if (!op || !acct || op->type != NA_CLAIMS_OPERATOR || acct->type != NA_CLAIMS_ACCOUNT)
        return na_fail(err, NA_EINVAL, "chain check needs operator and account claims");
    opn = claims_nats(op);
    sks = json_object_get(opn, "signing_keys");
    opsub = na_claims_subject(op);
    strict = json_is_true(json_object_get(opn, "strict_signing_key_usage"));
    if (strcmp(na_claims_issuer(op), opsub) != 0 && !str_in_list(sks, na_claims_issuer(op)))
        return na_fail(err, NA_ECHAIN, "operator '%s' is not self-signed", opsub);
    iss = na_claims_issuer(acct);
    if (strcmp(iss, opsub) == 0) {
        if (strict)
            return na_fail(err, NA_ECHAIN,
                           "account '%s' is signed by the operator identity key, but the "
                           "operator requires signing keys (strict_signing_key_usage)",
                           na_claims_subject(acct));
        return NA_OK;
    }
    if (str_in_list(sks, iss))
        return NA_OK;
    return na_fail(err, NA_ECHAIN,
                   "account '%s' is signed by '%s', which is neither operator '%s' nor one of "
                   "its signing keys",
                   na_claims_subject(acct), iss, opsub);
}

/* Does a UserPermissionLimits-shaped nats object carry any permission or limit? */
static bool has_permissions_or_limits(const json_t *n)
{
    static const char *const keys[] = {"src", "times", "times_location", "subs", "data",
                                       "payload", "allowed_connection_types", NULL};
    const json_t *pub = json_object_get(n, "pub"), *sub = json_object_get(n, "sub");
    if (json_array_size(json_object_get(pub, "allow")) || json_array_size(json_object_get(pub, "deny")) ||
        json_array_size(json_object_get(sub, "allow")) || json_array_size(json_object_get(sub, "deny")))
        return true;
    if (json_is_object(json_object_get(n, "resp")))
        return true;
    if (json_is_true(json_object_get(n, "bearer_token")) ||
        json_is_true(json_object_get(n, "proxy_required")))
        return true;
    for (int i = 0; keys[i]; i++) {
        const json_t *v = json_object_get(n, keys[i]);
        if ((json_is_integer(v) && json_integer_value(v) != 0) ||
            (json_is_string(v) && json_string_length(v)) || json_array_size(v))
            return true;
    }
    return false;
}

static na_status check_issued_by_account(const na_claims *acct, const na_claims *c,
                                         const char *what, const json_t **scope, na_err *err)
{
    const char *asub = na_claims_subject(acct), *iss = na_claims_issuer(c);
    const char *ia = na_claims_issuer_account(c);
    bool listed;
    *scope = NULL;
    if (*ia && strcmp(ia, asub) != 0)
        return na_fail(err, NA_ECHAIN, "%s '%s' names issuer_account '%s', not account '%s'",
                       what, na_claims_subject(c), ia, asub);
    if (strcmp(iss, asub) == 0)
        return NA_OK;
    *scope = account_signing_key(acct, iss, &listed);
    if (!listed)
        return na_fail(err, NA_ECHAIN,
                       "%s '%s' is signed by '%s', which is neither account '%s' nor one of its "
                       "signing keys",
                       what, na_claims_subject(c), iss, asub);
    if (!*ia)
        return na_fail(err, NA_ECHAIN,
                       "%s '%s' is signed by a signing key of account '%s' but has no "
                       "issuer_account",
                       what, na_claims_subject(c), asub);
    return NA_OK;
}

na_status na_chain_check_user(const na_claims *acct, const na_claims *user, na_err *err)
{
    const json_t *scope, *un;
    const char *usub;
    na_status st;
    if (!acct || !user || acct->type != NA_CLAIMS_ACCOUNT || user->type != NA_CLAIMS_USER)
        return na_fail(err, NA_EINVAL, "chain check needs account and user claims");
    st = check_issued_by_account(acct, user, "user", &scope, err);
    if (st != NA_OK)
        return st;
    un = claims_nats(user);
    usub = na_claims_subject(user);
    if (scope && has_permissions_or_limits(un))
        return na_fail(err, NA_ECHAIN,
                       "user '%s' is signed by scoped signing key '%s' and must not carry "
                       "permissions or limits (scoped users require no permissions or limits set)",
                       usub, na_claims_issuer(user));
    if (na_claims_is_revoked(acct, usub, na_claims_issued_at(user)))
        return na_fail(err, NA_EREVOKED, "user '%s' is revoked by account '%s'", usub,
                       na_claims_subject(acct));
    if (json_is_true(json_object_get(un, "bearer_token")) &&
        json_is_true(json_object_get(json_object_get(claims_nats(acct), "limits"),
                                     "disallow_bearer")))
        return na_fail(err, NA_ECHAIN, "user '%s' is a bearer token but account '%s' disallows "
                       "bearer tokens", usub, na_claims_subject(acct));
    return NA_OK;
}

na_status na_chain_check_activation(const na_claims *acct, const na_claims *act, na_err *err)
{
    const json_t *scope;
    if (!acct || !act || acct->type != NA_CLAIMS_ACCOUNT || act->type != NA_CLAIMS_ACTIVATION)
        return na_fail(err, NA_EINVAL, "chain check needs account and activation claims");
    return check_issued_by_account(acct, act, "activation", &scope, err);
}
