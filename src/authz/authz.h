/*
 * authz.h - the daemon's authorizers (internal to natsauth; used by
 * `natsauth callout serve`). Each authorizer looks at one decoded
 * authorization request and says SKIP (not mine: next authorizer), ALLOW
 * (grant filled) or DENY (err says why). The daemon tries them in order.
 *
 * A grant from an authorizer names the target account by its name in the
 * daemon config (grant->account) and leaves grant->signer NULL; the daemon
 * then maps the name to a public key and signing key in operator mode. An
 * authorizer that knows the keys itself (the store) sets both.
 *
 * Permissions everywhere are JSON in the shape of a user JWT's "nats"
 * object (na_authz_apply_user_json): {"pub":{"allow":[..],"deny":[..]},
 * "sub":{..}, "resp":{"max":1,"ttl":1000000000}, "subs":-1, "data":-1,
 * "payload":-1, "tags":[..], "allowed_connection_types":[..], "src":[..]}.
 * Subjects may hold templates ({{name}}, {{tag(K)}}, ...; see
 * na_callout_expand), expanded per request by na_callout_respond.
 *
 * Secrets (tokens, passwords, HMAC keys) are compared in constant time,
 * wiped after use and never logged or put in an error message.
 */
#ifndef NATSAUTH_AUTHZ_H
#define NATSAUTH_AUTHZ_H

#include <jansson.h>

#include "natsauth/callout.h"
#include "natsauth/err.h"

typedef enum na_authz_verdict {
    NA_AUTHZ_SKIP = 0, /* not for this authorizer: try the next */
    NA_AUTHZ_ALLOW,    /* grant filled */
    NA_AUTHZ_DENY,     /* refused; err holds the reason (fit for the client) */
} na_authz_verdict;

typedef struct na_authz na_authz;

/* Every authorizer is created from its object in the daemon config's
 * "authorizers" array; relative paths are relative to base_dir (the config
 * file's directory). Unknown keys in cfg are an error naming the key. */

/* {"type":"file","path":"grants.json"}: a static grants file, reloaded by
 * na_authz_reload (SIGHUP). The file:
 * {"grants":[
 *   {"id":"svc", "token_hash":"$argon2id$...", "account":"APP", "name":"svc",
 *    "permissions":{...}, "ttl":"1h"},
 *   {"token_sha256":"<64 hex>", "account":"APP", "expires":1767225600},
 *   {"user":"alice", "password_hash":"$2b$12$...", "account":"APP", ...},
 *   {"user":"bob", "password_hash":"$argon2id$...", ...}
 * ]}
 * token_hash / password_hash: bcrypt ($2a$/$2b$/$2y$, libcrypt) or argon2
 * ($argon2id$/$argon2i$, libsodium). Slow hashes are never tried one after
 * another: a token_hash grant needs an "id" (A-Z a-z 0-9 _ -, up to 64) and
 * its tokens read "<id>.<secret>" (the hash covers the whole token), so the
 * id picks the one hash to verify; token_sha256 (hex SHA-256 of the token,
 * compared in constant time) is only for high-entropy machine tokens.
 * Other grant fields: account, name (default: the user or id), permissions,
 * tags, ttl or expires (unix seconds). Unknown fields are errors.
 * A request whose token or user does not appear is SKIP; a known user or
 * token with a wrong password is DENY. */
na_status na_authz_file_create(na_authz **out, const json_t *cfg, const char *base_dir,
                               na_err *err);

/* {"type":"jwt", "hs256_secret_file":"...", "jwks_file":"...",
 *  "issuer":"https://idp", "audience":"nats", "leeway":"30s",
 *  "account":"APP" | "account_claim":"org", "name_claim":"sub",
 *  "permissions":{...} | "permissions_claim":"nats_permissions",
 *  "ttl_from_exp":true }
 * The connect token (or password) is an external JWT: HS256 with a shared
 * secret (at least 32 bytes; "env:NAME" works too), or RS256/ES256/EdDSA
 * against a JWKS file (kid matched; a token without kid needs a JWKS with
 * one key of its type); exp, nbf, iss, aud checked (leeway default 0).
 * Claims named by *_claim are top-level claims; a configured
 * permissions_claim missing from a token is DENY. A token that is not a JWT
 * at all is SKIP; a JWT that fails any check is DENY. */
na_status na_authz_jwt_create(na_authz **out, const json_t *cfg, const char *base_dir,
                              na_err *err);

/* {"type":"webhook", "url":"http://127.0.0.1:8080/nats-auth",
 *  "timeout_ms":1000, "headers":{"Authorization":"env:HOOK_AUTH"}}
 * POSTs {"user_nkey","server":{..},"client_info":{..},"connect_opts":{..}}
 * (NATS's field names; connect_opts holds auth_token, user, pass: the
 * endpoint decides) and
 * reads {"allow":true,"account":"APP","name":"..","permissions":{..},
 * "ttl":"10m"|"expires":UNIX} or {"allow":false,"reason":".."} or
 * {"skip":true}. HTTP errors, timeouts and bad JSON are DENY (never a
 * silent allow). libcurl is loaded at run time; redirects are not
 * followed and no proxy is used. */
na_status na_authz_webhook_create(na_authz **out, const json_t *cfg, const char *base_dir,
                                  na_err *err);

/* {"type":"store", "path":"store.db"}: app tokens made by
 * `natsauth tenant app token ORG APP` (only a hash is stored): the token
 * maps to the org's account (public key, signed with the account's key)
 * and the app user's permissions. */
na_status na_authz_store_create(na_authz **out, const json_t *cfg, const char *base_dir,
                                na_err *err);

/* Dispatch on cfg's "type". */
na_status na_authz_create(na_authz **out, const json_t *cfg, const char *base_dir, na_err *err);

na_authz_verdict na_authz_decide(na_authz *a, const na_authreq *req, na_callout_grant *grant,
                                 na_err *err);
/* Re-read files (grants, JWKS, secrets). On error the old state stays. */
na_status na_authz_reload(na_authz *a, na_err *err);
const char *na_authz_kind(const na_authz *a);
void na_authz_destroy(na_authz *a);

/* Fill grant->user (created when NULL, type user) from a permissions
 * object as described above; every field is schema-checked (an unknown or
 * mistyped field is an error naming it). NULL perms: nothing to do. */
na_status na_authz_apply_user_json(na_callout_grant *grant, const json_t *perms, na_err *err);

/* "90s", "10m", "1h", "2d" or a number of seconds -> seconds (> 0). */
na_status na_authz_parse_duration(int64_t *out, const json_t *v, const char *what, na_err *err);

/* Read a secret: "env:NAME", or a file path (trailing newline dropped).
 * New buffer (na_free_secret). */
na_status na_authz_read_secret(char **out, const char *spec, const char *base_dir, na_err *err);

/* Implementation hooks (authz.c dispatches through them). */
typedef struct na_authz_ops {
    const char *kind;
    na_authz_verdict (*decide)(na_authz *a, const na_authreq *req, na_callout_grant *grant,
                               na_err *err);
    na_status (*reload)(na_authz *a, na_err *err); /* NULL: nothing to reload */
    void (*destroy)(na_authz *a);
} na_authz_ops;

struct na_authz {
    const na_authz_ops *ops;
};

#endif
