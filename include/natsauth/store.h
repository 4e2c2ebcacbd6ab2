/*
 * natsauth/store.h - the embedded account store (SQLite).
 *
 * One file holds one operator, its accounts (the system account among them),
 * their users, signing keys, tenants (organisation -> account, app -> user,
 * members), activation tokens and an append-only audit log. Each entity keeps
 * its desired claims (payload JSON, as natsauth's claims API reads it) and
 * the JWT last issued from them; seeds live in their own table, optionally
 * sealed with a key derived from a passphrase (crypto_pwhash +
 * crypto_secretbox). Without a passphrase the file mode (0600) protects them.
 *
 * Every change happens inside na_store_begin() .. na_store_commit(): a failed
 * or interrupted command leaves the file as it was (SQLite WAL). A writer
 * that finds the store locked waits up to a bounded time, then fails with
 * NA_EBUSY. Names are unique per kind (accounts) or per account (users).
 */
#ifndef NATSAUTH_STORE_H
#define NATSAUTH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "nkey.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct na_store na_store;

#define NA_STORE_SCHEMA_VERSION 2 /* 2: app_tokens */
#define NA_STORE_BUSY_MS 5000 /* how long a writer waits for the lock */

/* Resolve the store path: explicit (may be NULL), else $NATSAUTH_STORE, else
 * $XDG_DATA_HOME/natsauth/store.db, else $HOME/.local/share/natsauth/store.db. */
NA_API na_status na_store_default_path(char *out, size_t cap, const char *explicit_path,
                                       na_err *err);

/* Open (creating the file 0600 and its directory 0700 when create is true)
 * and migrate the schema. A missing file without create is NA_ENOTFOUND. */
NA_API na_status na_store_open(na_store **out, const char *path, bool create, na_err *err);
NA_API void na_store_close(na_store *s);
NA_API const char *na_store_path(const na_store *s);
/* How long a writer waits for the lock before NA_EBUSY (default NA_STORE_BUSY_MS). */
NA_API void na_store_set_busy_timeout(na_store *s, int ms);

/* Seeds at rest. If the store is sealed, na_store_unlock must be called with
 * the passphrase before seeds can be read or written. set_passphrase seals
 * every stored seed (or unseals them with passphrase NULL); it runs in its
 * own transaction. */
NA_API bool na_store_is_sealed(na_store *s);
NA_API na_status na_store_unlock(na_store *s, const char *passphrase, na_err *err);
NA_API na_status na_store_set_passphrase(na_store *s, const char *passphrase, na_err *err);

/* Transactions. begin takes the write lock (BEGIN IMMEDIATE, bounded wait);
 * command names the CLI command for the audit log. rollback is safe to call
 * when no transaction is open. */
NA_API na_status na_store_begin(na_store *s, const char *command, na_err *err);
NA_API na_status na_store_commit(na_store *s, na_err *err);
NA_API void na_store_rollback(na_store *s);
/* True between na_store_begin and commit/rollback. */
NA_API bool na_store_in_transaction(const na_store *s);
/* Append an audit line (time, the command given to begin, entity). Never a secret. */
NA_API na_status na_store_audit(na_store *s, int64_t now, const char *entity, na_err *err);
/* The same with a printf-style entity (cut at 767 bytes). */
NA_API na_status na_store_auditf(na_store *s, int64_t now, na_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- keys ---- */
NA_API na_status na_store_key_put(na_store *s, const na_nkey *k, na_err *err);
/* *out is new (na_nkey_destroy). NA_ENOTFOUND if the store has no seed for pub. */
NA_API na_status na_store_key_get(na_store *s, const char *pub, na_nkey **out, na_err *err);
NA_API na_status na_store_key_delete(na_store *s, const char *pub, na_err *err);

/* ---- entities ---- */
typedef enum na_entity_kind { NA_ENT_OPERATOR, NA_ENT_ACCOUNT, NA_ENT_USER } na_entity_kind;

typedef struct na_entity {
    na_entity_kind kind;
    char *name;
    char *pub;
    char *account;     /* users: the owning account's name */
    char *signer;      /* users/accounts: public key that signed the JWT */
    char *claims_json; /* desired claims: payload JSON */
    char *jwt;         /* last issued JWT */
    bool is_system;    /* accounts: the system account */
    bool deleted;      /* accounts: removed, pending deletion on the next push */
    int64_t updated_at;
} na_entity;

/* Free the strings of an entity and zero it (the struct itself is caller's). */
NA_API void na_entity_release(na_entity *e);
NA_API void na_entities_free(na_entity *list, size_t n);

NA_API na_status na_store_operator_get(na_store *s, na_entity *out, na_err *err);
NA_API na_status na_store_operator_put(na_store *s, const na_entity *e, na_err *err);

/* Accounts by name or public key. put inserts or updates (by pub). */
NA_API na_status na_store_account_get(na_store *s, const char *name_or_pub, na_entity *out,
                                      na_err *err);
NA_API na_status na_store_account_put(na_store *s, const na_entity *e, na_err *err);
/* Delete the account row, its users and their seeds (CASCADE). */
NA_API na_status na_store_account_delete(na_store *s, const char *name, na_err *err);
/* All accounts (deleted ones only when include_deleted), sorted by name. */
NA_API na_status na_store_account_list(na_store *s, bool include_deleted, na_entity **out,
                                       size_t *n, na_err *err);

NA_API na_status na_store_user_get(na_store *s, const char *account, const char *name_or_pub,
                                   na_entity *out, na_err *err);
NA_API na_status na_store_user_put(na_store *s, const na_entity *e, na_err *err);
NA_API na_status na_store_user_delete(na_store *s, const char *account, const char *name,
                                      na_err *err);
NA_API na_status na_store_user_list(na_store *s, const char *account, na_entity **out,
                                    size_t *n, na_err *err);
NA_API na_status na_store_count(na_store *s, na_entity_kind kind, int64_t *n, na_err *err);

/* ---- signing keys (seed kept in keys) ---- */
typedef struct na_signing_key {
    char *pub;
    char *owner; /* "operator" or the account name */
    char *role;  /* scoped keys: role name, else NULL */
    bool scoped;
} na_signing_key;
NA_API na_status na_store_sk_put(na_store *s, const char *owner, const char *pub,
                                 const char *role, bool scoped, na_err *err);
NA_API na_status na_store_sk_delete(na_store *s, const char *pub, na_err *err);
NA_API na_status na_store_sk_list(na_store *s, const char *owner, na_signing_key **out,
                                  size_t *n, na_err *err);
NA_API void na_signing_keys_free(na_signing_key *list, size_t n);

/* ---- tenants ---- */
NA_API na_status na_store_tenant_put(na_store *s, const char *org, const char *account,
                                     na_err *err);
NA_API na_status na_store_tenant_delete(na_store *s, const char *org, na_err *err);
/* Account name of an organisation (new string) or NA_ENOTFOUND. */
NA_API na_status na_store_tenant_account(na_store *s, const char *org, char **account,
                                         na_err *err);
NA_API na_status na_store_tenant_list(na_store *s, char ***orgs, size_t *n, na_err *err);
NA_API na_status na_store_app_put(na_store *s, const char *org, const char *app,
                                  const char *user, bool robot, na_err *err);
NA_API na_status na_store_app_delete(na_store *s, const char *org, const char *app, na_err *err);
NA_API na_status na_store_member_put(na_store *s, const char *org, const char *email,
                                     bool owner, na_err *err);
NA_API na_status na_store_member_delete(na_store *s, const char *org, const char *email,
                                        na_err *err);
/* An app's user name (new string; user may be NULL) and robot flag, or NA_ENOTFOUND. */
NA_API na_status na_store_app_get(na_store *s, const char *org, const char *app, char **user,
                                  bool *robot, na_err *err);
/* A member's owner flag, or NA_ENOTFOUND. */
NA_API na_status na_store_member_get(na_store *s, const char *org, const char *email,
                                     bool *owner, na_err *err);
/* App names / member emails of an organisation, sorted (na_strings_free). */
NA_API na_status na_store_app_list(na_store *s, const char *org, char ***apps, size_t *n,
                                   na_err *err);
NA_API na_status na_store_member_list(na_store *s, const char *org, char ***emails, size_t *n,
                                      na_err *err);
NA_API void na_strings_free(char **list, size_t n);

/* ---- app tokens: bearer tokens for an organisation's app ----
 * Only a SHA-256 of each token is stored (tokens are 256-bit random, so a
 * fast hash is enough and the lookup goes by hash); the token itself is
 * shown once, when it is made (na_tenant_app_token_create). Removing the app
 * or its organisation removes its tokens. */
#define NA_APP_TOKEN_HASH_LEN 32
#define NA_APP_TOKEN_ID_LEN 12 /* hex of the hash's first 6 bytes: names a token */

typedef struct na_app_token {
    char id[NA_APP_TOKEN_ID_LEN + 1];
    char *org;     /* organisation */
    char *app;     /* app name */
    char *account; /* the organisation's account name */
    char *user;    /* the app's user name in that account */
    int64_t created;
    int64_t expires; /* unix seconds, 0 = never */
} na_app_token;

/* SHA-256 of a token's text. */
NA_API void na_store_app_token_hash(uint8_t hash[NA_APP_TOKEN_HASH_LEN], const char *token);
/* Store a token hash for org/app (NA_ENOTFOUND if the app does not exist,
 * NA_EEXIST if the hash or its id is stored already); id receives its id. */
NA_API na_status na_store_app_token_put(na_store *s, const char *org, const char *app,
                                        const uint8_t hash[NA_APP_TOKEN_HASH_LEN],
                                        int64_t created, int64_t expires,
                                        char id[NA_APP_TOKEN_ID_LEN + 1], na_err *err);
/* The token with this hash, or NA_ENOTFOUND ("unknown token"). Release
 * *out with na_app_token_release. Expiry is not checked here. */
NA_API na_status na_store_app_token_find(na_store *s, const uint8_t hash[NA_APP_TOKEN_HASH_LEN],
                                         na_app_token *out, na_err *err);
/* The tokens of one app, oldest first (na_app_tokens_free). */
NA_API na_status na_store_app_token_list(na_store *s, const char *org, const char *app,
                                         na_app_token **out, size_t *n, na_err *err);
/* Delete one token of the app (by id) or all of them (id NULL); *deleted
 * (may be NULL) says how many went. */
NA_API na_status na_store_app_token_delete(na_store *s, const char *org, const char *app,
                                           const char *id, size_t *deleted, na_err *err);
NA_API void na_app_token_release(na_app_token *t);
NA_API void na_app_tokens_free(na_app_token *list, size_t n);

#ifdef __cplusplus
}
#endif
#endif
