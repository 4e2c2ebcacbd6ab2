/*
 * natsauth/push.h - send the store's account JWTs to NATS servers and read
 * them back: the operations behind `natsauth push` and `natsauth pull`.
 *
 * Both connect to a server as a user of the store's system account: its
 * "sys" user (na_init creates it) when that user is usable, else a
 * short-lived user made for this connection and signed by the system
 * account key (never stored). The nonce is signed by natsauth; the seed
 * does not leave natsauth (libnats only gets the JWT and the signature).
 *
 * Wire protocol (nats-server 2.10, server/accounts.go + events.go):
 * - update: each account JWT goes to $SYS.REQ.ACCOUNT.<pub>.CLAIMS.UPDATE,
 *   which the full/cache resolvers and the memory resolver all serve (the
 *   memory resolver answers "jwt update skipped" for accounts it did not
 *   preload). All requests are published back to back, each with its own
 *   reply subject under one inbox (one wildcard subscription), and replies
 *   are matched to accounts by that subject, so N accounts take one round
 *   trip plus the server's work, not N timeouts. Every server of a cluster
 *   answers: after each account has one answer, replies are still read
 *   until the connection has been quiet for linger_ms.
 * - delete: an account removed from the store (a tombstone) is first
 *   updated (its JWT revokes every user, so even a server that cannot
 *   delete refuses them), then deleted with $SYS.REQ.CLAIMS.DELETE and a
 *   generic JWT {"sub": signer, "nats": {"accounts": [pub]}} self-signed
 *   (iss == sub) by an operator signing key of the store (else the
 *   operator identity key). Only accounts a server confirmed deleting
 *   ("deleted 1 accounts") are then deleted from the store, in one store
 *   transaction opened by na_push. A server without the full resolver and
 *   allow_delete: true refuses or does not answer: the account stays in
 *   the store, pending the next push.
 * - pull: $SYS.REQ.CLAIMS.PACK with an empty body; the full resolver
 *   answers with messages of "<pub>|<jwt>" lines and an empty message at
 *   the end.
 *
 * Time: ctx->now is the clock for JWTs (iat, expiry) and the store;
 * timeouts use the monotonic clock.
 */
#ifndef NATSAUTH_PUSH_H
#define NATSAUTH_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "manage.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NA_PUSH_URL_DEFAULT "nats://127.0.0.1:4222"
#define NA_PUSH_TIMEOUT_MS 10000        /* give up after this long without an answer */
#define NA_PUSH_CONNECT_TIMEOUT_MS 5000 /* per connect attempt */
#define NA_PUSH_LINGER_MS 100           /* quiet time that ends a collection */

typedef enum na_push_action {
    NA_PUSH_UPDATE = 0, /* a live account's JWT was sent */
    NA_PUSH_DELETE,     /* a removed account was deleted */
} na_push_action;

typedef enum na_push_outcome {
    NA_PUSH_UPDATED = 0, /* every server that answered took the JWT ("jwt updated") */
    NA_PUSH_SKIPPED,     /* answered "jwt update skipped": a memory resolver that did
                            not preload the account (regenerate its config instead) */
    NA_PUSH_DELETED,     /* deleted on the servers and then from the store */
    NA_PUSH_FAILED,      /* a server answered with an error, or nobody serves it */
    NA_PUSH_TIMEOUT,     /* no answer within the timeout */
} na_push_outcome;

/* "update"/"delete", "updated"/"skipped"/"deleted"/"failed"/"timeout". */
NA_API const char *na_push_action_name(na_push_action a);
NA_API const char *na_push_outcome_name(na_push_outcome o);

/* One account's result. Strings are borrowed, valid during the callback. */
typedef struct na_push_result {
    const char *account; /* name in the store */
    const char *pub;
    na_push_action action;
    na_push_outcome outcome;
    int servers;         /* answers received (one per server) */
    const char *server;  /* name of the first server that answered, "" if none */
    const char *message; /* the server's message or error description, or why
                            there is none ("no answer within 10000 ms") */
} na_push_result;

typedef struct na_push_summary {
    size_t total, updated, skipped, deleted, failed; /* failed counts timeouts */
} na_push_summary;

typedef struct na_push_opts {
    /* 0: NA_PUSH_TIMEOUT_MS. Requests still unanswered after this long
     * without any answer time out; a phase (updates, then deletions) ends
     * at the latest timeout_ms + 1 ms per request after its requests were
     * sent, so the wait is bounded whatever the servers do. */
    int timeout_ms;
    int connect_timeout_ms; /* 0: NA_PUSH_CONNECT_TIMEOUT_MS */
    int linger_ms;          /* 0: NA_PUSH_LINGER_MS; < 0: stop at the first answers */
    /* Called while answers arrive (done of total requests answered), from the
     * calling thread; may be NULL. */
    void (*progress)(void *closure, size_t done, size_t total);
    /* Called once per account, in the order of the request (accounts sorted
     * by name), after all answers are in; may be NULL. */
    void (*result)(void *closure, const na_push_result *r);
    void *closure;
} na_push_opts;

/*
 * Push account JWTs to the server(s) at url (NULL: NA_PUSH_URL_DEFAULT; a
 * comma-separated list is allowed). accounts: names or public keys (n = 0:
 * every account of the store, removed ones included). The caller must not
 * hold a store transaction (na_push opens its own for deletions).
 *
 * Returns NA_OK when every account was updated, skipped or deleted;
 * NA_ENET (a server refused something, or nobody serves a request) or
 * NA_ETIMEOUT (only timeouts) when some were not, with err naming how many
 * and the first; results go to the callbacks in every case. Connection and
 * store errors return before any result (NA_ENET, NA_ENOTFOUND for an
 * unknown account, ...). sum (may be NULL) gets the counts.
 */
NA_API na_status na_push(na_ctx *x, const char *url, const char *const *accounts, size_t n,
                         const na_push_opts *o, na_push_summary *sum, na_err *err);

/* ---- pull ---- */

typedef enum na_pull_state {
    NA_PULL_SAME = 0, /* the server holds the store's JWT */
    NA_PULL_TAKEN,    /* the server's JWT is newer (iat): the store took it */
    NA_PULL_NEWER,    /* the server's JWT is newer, not taken (dry run) */
    NA_PULL_STALE,    /* the store's JWT is newer: push it */
    NA_PULL_CONFLICT, /* same iat, different JWT: neither is taken */
    NA_PULL_MISSING,  /* in the store, not on the server: push it */
    NA_PULL_REMOVED,  /* removed in the store, still on the server: push deletes it */
    NA_PULL_UNKNOWN,  /* on the server, not in the store (left alone) */
    NA_PULL_INVALID,  /* the server's JWT does not decode, is not an account JWT,
                         or is not signed by the store's operator */
} na_pull_state;

/* "same", "taken", "newer", "stale", "conflict", "missing", "removed",
 * "unknown", "invalid". */
NA_API const char *na_pull_state_name(na_pull_state s);

typedef struct na_pull_result {
    const char *account; /* name in the store, "" when unknown */
    const char *pub;
    na_pull_state state;
    int64_t store_iat;   /* 0 when not in the store */
    int64_t server_iat;  /* 0 when not on the server or invalid */
    const char *message; /* why INVALID, else "" */
} na_pull_result;

typedef struct na_pull_summary {
    size_t server_total; /* JWTs the server sent */
    size_t counts[NA_PULL_INVALID + 1];
} na_pull_summary;

typedef struct na_pull_opts {
    int timeout_ms;         /* 0: NA_PUSH_TIMEOUT_MS */
    int connect_timeout_ms; /* 0: NA_PUSH_CONNECT_TIMEOUT_MS */
    bool dry_run;           /* report NEWER instead of taking the server's JWT */
    /* Called once per account (store accounts by name, then unknown ones by
     * public key); may be NULL. */
    void (*result)(void *closure, const na_pull_result *r);
    void *closure;
} na_pull_opts;

/*
 * Fetch every account JWT the server holds (full resolver) and compare with
 * the store. A server JWT whose iat is later than the stored one, for a
 * live account of the store, signed by the store's operator (identity or
 * signing key) and valid, replaces the stored JWT and claims (the store
 * keeps its name for the account); all such changes are one store
 * transaction opened by na_pull. Accounts the store does not know are only
 * reported. Returns NA_OK when the comparison ran (whatever it found);
 * NA_ENET when no server serves $SYS.REQ.CLAIMS.PACK (not a full resolver).
 */
NA_API na_status na_pull(na_ctx *x, const char *url, const na_pull_opts *o, na_pull_summary *sum,
                         na_err *err);

/* Release libnats' global state (its threads and caches), waiting at most
 * timeout_ms. For a program that is done with push/pull and about to exit
 * (so leak checkers see a clean exit); not needed otherwise. */
NA_API void na_push_shutdown(int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
