/*
 * natsauth/nsc.h - nsc's on-disk layout, both ways: export a store to an nsc
 * data directory, import an nsc operator (and its keys) into a store.
 *
 * The layout (nats-io/nsc cmd/store/store.go, cmd/store/keys.go, home/home.go):
 *
 *   <stores>/<op>/.nsc                     json.Marshal(store.Info):
 *                                          {"managed":false,"name":"<op>","kind":"operator",
 *                                           "version":"1"} (managed: true when the store holds
 *                                           no operator identity seed)
 *   <stores>/<op>/<op>.jwt                 the operator JWT, raw (no decoration, no newline)
 *   <stores>/<op>/accounts/<a>/<a>.jwt     account JWTs
 *   <stores>/<op>/accounts/<a>/users/<u>.jwt
 *   <keys>/keys/<K>/<pk[1:3]>/<pk>.nk      a seed, bare (no newline); K = pk[0]
 *   <keys>/creds/<op>/<a>/<u>.creds        jwt.FormatUserConfig text
 *   <keys>/.gitignore                      nsc's text ignoring .nk and .creds files (if missing)
 *
 * Files are 0600, directories 0700. Names are used verbatim as path
 * components (nsc's SafeName only trims spaces), so a name that is empty,
 * "." or "..", contains '/' or starts or ends with a space cannot be
 * exported and is refused. nsc's defaults are $XDG_DATA_HOME/nats/nsc/stores
 * and .../keys (nsc --data-dir / --keystore-dir, NKEYS_PATH).
 *
 * JWTs cross unchanged in both directions: export writes the stored token,
 * import stores the file's token (outer whitespace trimmed) with the claims
 * JSON natsauth writes for it, so a round trip keeps every JWT byte for byte.
 */
#ifndef NATSAUTH_NSC_H
#define NATSAUTH_NSC_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "manage.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called for things worth telling but not fatal (a seed missing from the
 * keys directory, an account whose signer the operator no longer lists).
 * msg is borrowed for the call; never holds a secret. */
typedef void (*na_nsc_warn_fn)(void *arg, const char *msg);

/* What an export or import did. */
typedef struct na_nsc_stats {
    size_t accounts;     /* accounts written / imported */
    size_t users;
    size_t signing_keys; /* operator + account signing keys */
    size_t seeds;        /* .nk files written (new) / seeds imported */
    size_t creds;        /* .creds files written */
    size_t unchanged;    /* import --conflict idempotent: entities already identical */
    char operator_name[257];
    char operator_dir[4096]; /* export: the operator directory written; import: the one read */
} na_nsc_stats;

typedef struct na_nsc_export_opts {
    const char *stores_dir; /* nsc stores root: receives <op>/ (created 0700 if missing) */
    const char *keys_dir;   /* nsc keys directory: receives keys/ and creds/; NULL: no seeds */
    bool no_creds;          /* write .nk files but no .creds files */
    na_nsc_warn_fn warn;    /* may be NULL */
    void *warn_arg;
} na_nsc_export_opts;

/* Write the store's operator, its live accounts (removed ones are left
 * out), their users, and (with keys_dir) every seed the store holds for
 * them and their signing keys, plus a .creds file per user with a seed.
 *
 * Nothing existing is overwritten: <stores>/<op> must not exist (or be an
 * empty directory); a key or creds file that exists with the same bytes is
 * left alone, with other bytes it is an NA_EEXIST error. The operator tree
 * is written in a temporary directory beside it and renamed into place as
 * the last step, so nsc never sees half a store; on failure every file and
 * directory the export created is removed. Reads the store through x->store
 * (inside a transaction for a consistent snapshot and an audit line; outside
 * one it works without the audit line). stats may be NULL. */
NA_API na_status na_nsc_export(na_ctx *x, const na_nsc_export_opts *o, na_nsc_stats *stats,
                               na_err *err);

typedef struct na_nsc_import_opts {
    /* An nsc operator directory (holding .nsc), a stores root holding
     * operator directories, or an nsc data directory holding stores/. */
    const char *store_dir;
    const char *operator_name; /* which operator of a stores root; NULL: the only one */
    const char *keys_dir;      /* nsc keys directory; NULL: import without seeds */
    na_nsc_warn_fn warn;       /* may be NULL */
    void *warn_arg;
} na_nsc_import_opts;

/* Read the nsc operator, its accounts, users and signing keys (seeds from
 * keys_dir when there: <pk>.nk files, for users also their .creds file) and
 * write them into the store inside the caller's transaction; on failure the
 * caller rolls back and the store is as before. Every JWT is decoded and its
 * signature checked; a user must be issued by its account (its identity key
 * or, with issuer_account, a signing key); a seed must derive the key it is
 * filed under. Trust-chain findings the nsc store can legitimately hold (an
 * account signed by a key the operator no longer lists) are warnings.
 *
 * The store must hold no operator, or (x->conflict idempotent) the same
 * operator: then entities whose stored JWT is identical are left as they
 * are (stats->unchanged), new ones are added, and any that differ are an
 * NA_EEXIST error naming them. stats may be NULL. */
NA_API na_status na_nsc_import(na_ctx *x, const na_nsc_import_opts *o, na_nsc_stats *stats,
                               na_err *err);

#ifdef __cplusplus
}
#endif
#endif
