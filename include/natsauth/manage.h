/*
 * natsauth/manage.h - account management on the store: the operations behind
 * `natsauth init|operator|account|sk|user|export|import|creds|mint|config|tenant`.
 *
 * Each operation runs inside a transaction the caller opened on the store
 * (na_store_begin ... na_store_commit), so a CLI command is one transaction
 * and a library user can batch thousands of operations in one. Claims are
 * edited with na_edit lists (schema-checked paths, see jwt.h), re-signed and
 * stored with the JWT they produce; every change that affects an account's
 * JWT re-signs that account. Time is a parameter (ctx->now).
 *
 * Signing: accounts are signed by the operator's first signing key when it
 * has one, else by the operator identity key (refused if the operator is
 * strict); users by the account's identity key unless a signing key is
 * chosen (then issuer_account is set).
 */
#ifndef NATSAUTH_MANAGE_H
#define NATSAUTH_MANAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jwt.h"
#include "nkey.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum na_conflict {
    NA_CONFLICT_STRICT = 0,  /* adding what exists is an error that names it */
    NA_CONFLICT_IDEMPOTENT,  /* identical add: no-op; different add: error showing the diff */
} na_conflict;

typedef struct na_ctx {
    na_store *store;
    int64_t now;          /* unix seconds used for iat and revocations */
    na_conflict conflict;
} na_ctx;

/* One claims edit, applied in order (see na_claims_set_* in jwt.h). */
typedef enum na_edit_op {
    NA_EDIT_SET_STR,
    NA_EDIT_SET_INT,
    NA_EDIT_SET_BOOL,
    NA_EDIT_ADD_STR,    /* append to a string list unless present */
    NA_EDIT_REMOVE_STR,
    NA_EDIT_SET_JSON,   /* any value from JSON text */
    NA_EDIT_APPEND_JSON,
    NA_EDIT_UNSET,
} na_edit_op;

typedef struct na_edit {
    na_edit_op op;
    const char *path;  /* e.g. "nats.limits.conn", "name", "exp" */
    const char *str;   /* SET_STR/ADD_STR/REMOVE_STR/SET_JSON/APPEND_JSON */
    int64_t num;       /* SET_INT; SET_BOOL (0/1) */
} na_edit;

/* Apply edits to claims; stops at the first failure (err names the path). */
NA_API na_status na_claims_apply(na_claims *c, const na_edit *edits, size_t n, na_err *err);

/* What an operation did (for "nothing changed" messages and --json). */
typedef struct na_result {
    bool changed;
    char pub[NA_NKEY_PUBLIC_LEN + 1]; /* the entity's public key */
} na_result;

/* ---- init ---- */
typedef struct na_init_opts {
    const char *operator_name;   /* default "natsauth" */
    const char *const *accounts; /* application accounts to create */
    size_t naccounts;
    bool signing_keys;           /* operator + each account get a signing key */
    const char *system_account;  /* default "SYS" */
} na_init_opts;
/* Create what is missing (operator, system account with a "sys" user for
 * push, the named accounts); an existing store with the same operator is
 * left as is (changed=false). A different operator name is an error. */
NA_API na_status na_init(na_ctx *x, const na_init_opts *o, na_result *r, na_err *err);

/* ---- operator ---- */
NA_API na_status na_operator_edit(na_ctx *x, const na_edit *e, size_t n, na_result *r, na_err *err);
/* Add a new operator signing key (re-signs the operator), or rotate: add a
 * new key, re-sign every account with it, then remove old_pub. */
NA_API na_status na_operator_sk_add(na_ctx *x, na_result *r, na_err *err);
NA_API na_status na_operator_sk_rm(na_ctx *x, const char *pub, na_err *err);
NA_API na_status na_operator_sk_rotate(na_ctx *x, const char *old_pub, na_result *r, na_err *err);

/* ---- accounts ---- */
NA_API na_status na_account_add(na_ctx *x, const char *name, const na_edit *e, size_t n,
                                na_result *r, na_err *err);
NA_API na_status na_account_edit(na_ctx *x, const char *name, const na_edit *e, size_t n,
                                 na_result *r, na_err *err);
/* Revoke every user of the account issued at or before `before` ("*"). */
NA_API na_status na_account_revoke_all(na_ctx *x, const char *name, int64_t before, na_err *err);
/* Mark removed: its JWT stays until `push` deletes it from servers. */
NA_API na_status na_account_rm(na_ctx *x, const char *name, na_err *err);
/* Re-sign an account from its stored claims (after key changes). */
NA_API na_status na_account_resign(na_ctx *x, const char *name, na_err *err);

/* ---- account signing keys ---- */
typedef struct na_scope {
    const char *role;
    const char *template_json; /* UserPermissionLimits JSON, NULL = empty */
    const char *description;
} na_scope;
/* scope NULL: a plain signing key. */
NA_API na_status na_account_sk_add(na_ctx *x, const char *account, const na_scope *scope,
                                   na_result *r, na_err *err);
NA_API na_status na_account_sk_rm(na_ctx *x, const char *account, const char *pub, na_err *err);

/* ---- users ---- */
typedef struct na_user_opts {
    const char *signing_key; /* public key or role of the account signing key; NULL = identity */
} na_user_opts;
NA_API na_status na_user_add(na_ctx *x, const char *account, const char *name,
                             const na_user_opts *o, const na_edit *e, size_t n, na_result *r,
                             na_err *err);
NA_API na_status na_user_edit(na_ctx *x, const char *account, const char *name,
                              const na_edit *e, size_t n, na_result *r, na_err *err);
/* Revoke in the account JWT (revoked_at = now), keep the user. */
NA_API na_status na_user_revoke(na_ctx *x, const char *account, const char *name, na_err *err);
/* Revoke, then delete the user and its seed. */
NA_API na_status na_user_rm(na_ctx *x, const char *account, const char *name, na_err *err);
/* Creds text of a stored user (a secret: na_free_secret). */
NA_API na_status na_user_creds(na_ctx *x, const char *account, const char *name, char **creds,
                               na_err *err);
/* Short-lived creds for a user that is not stored, signed by an account
 * signing key (created if the account has none); expiry in seconds. */
NA_API na_status na_user_mint(na_ctx *x, const char *account, const char *name,
                              const na_edit *e, size_t n, int64_t expiry, char **creds,
                              na_err *err);

/* ---- exports / imports ---- */
NA_API na_status na_export_add(na_ctx *x, const char *account, const char *export_json,
                               na_err *err);
NA_API na_status na_export_rm(na_ctx *x, const char *account, const char *subject, na_err *err);
/* Import from another account of the store; a private export (token_req)
 * gets an activation token signed by the exporter. */
NA_API na_status na_import_add(na_ctx *x, const char *account, const char *import_json,
                               na_err *err);
NA_API na_status na_import_rm(na_ctx *x, const char *account, const char *subject, na_err *err);

/* ---- server configuration ---- */
typedef enum na_resolver { NA_RESOLVER_MEMORY, NA_RESOLVER_FULL } na_resolver;
typedef struct na_config_opts {
    na_resolver resolver;
    const char *dir;          /* full: JWT directory, default "./jwt" */
    bool allow_delete;        /* full: default true (so push can delete) */
    const char *interval;     /* full: default "2m" */
} na_config_opts;
/* A nats-server configuration fragment the server loads as is (new string). */
NA_API na_status na_config(na_ctx *x, const na_config_opts *o, char **out, na_err *err);

/* ---- tenants: an organisation is an account, an app is a user ---- */
NA_API na_status na_tenant_add(na_ctx *x, const char *org, na_result *r, na_err *err);
NA_API na_status na_tenant_rm(na_ctx *x, const char *org, na_err *err);
NA_API na_status na_tenant_app_add(na_ctx *x, const char *org, const char *app, bool robot,
                                   na_result *r, na_err *err);
NA_API na_status na_tenant_app_rm(na_ctx *x, const char *org, const char *app, na_err *err);
NA_API na_status na_tenant_member_add(na_ctx *x, const char *org, const char *email, bool owner,
                                      na_err *err);
NA_API na_status na_tenant_member_rm(na_ctx *x, const char *org, const char *email,
                                     na_err *err);

/* ---- tenant app tokens: bearer tokens the `store` callout authorizer
 * accepts (a token maps to the org's account and the app user's
 * permissions) ---- */
#define NA_APP_TOKEN_PREFIX "nat_"
#define NA_APP_TOKEN_RAW_LEN 32 /* random bytes, base64url after the prefix */
/* Make a new random token for org/app, store only its SHA-256 with
 * created = now and expires = now + ttl (ttl 0 = never). *token is new, a
 * secret (na_free_secret): it cannot be shown again. info (may be NULL)
 * receives the stored record (na_app_token_release). Audited without the
 * token. */
NA_API na_status na_tenant_app_token_create(na_ctx *x, const char *org, const char *app,
                                            int64_t ttl, char **token, na_app_token *info,
                                            na_err *err);
/* Delete the app's token with this id, or all its tokens (id NULL); *n
 * (may be NULL) says how many. An unknown id is NA_ENOTFOUND. */
NA_API na_status na_tenant_app_token_revoke(na_ctx *x, const char *org, const char *app,
                                            const char *id, size_t *n, na_err *err);

#ifdef __cplusplus
}
#endif
#endif
