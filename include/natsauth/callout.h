/*
 * natsauth/callout.h - NATS auth callout: the decision step (core, pure) and
 * the service (libnats) that answers $SYS.REQ.USER.AUTH.
 *
 * The protocol (nats-server 2.10, server/auth_callout.go):
 *  - for each connecting client the server makes a fresh user nkey U… and
 *    sends an authorization request JWT, signed by the server's own key N…,
 *    audience "nats-authorization-request", nats.user_nkey = U…, server id
 *    in nats.server_id.id, on $SYS.REQ.USER.AUTH with a private reply subject;
 *  - when an xkey is configured (config mode `auth_callout { xkey }`, or the
 *    callout account's authorization.xkey in operator mode) the request is
 *    sealed from the server's curve key to ours, and the header
 *    Nats-Server-Xkey carries the server's X… public key;
 *  - the answer is an authorization response JWT: subject = user_nkey,
 *    audience = server id, nats.jwt = a user JWT for user_nkey, or
 *    nats.error = a reason; sealed back to the server's xkey when the request
 *    was sealed. Config mode: the response and the user JWT are signed by
 *    auth_callout.issuer, the user JWT's audience names the target account.
 *    Operator mode: the response is signed by the callout account (or one of
 *    its signing keys, issuer_account set); the user JWT is signed by the
 *    target account or a signing key of it (issuer_account set), and the
 *    target must be the callout account or in its allowed_accounts.
 *
 * The decision step never reads a clock (now is a parameter) and never does
 * I/O; the service owns the connection, the worker pool and the deadline.
 */
#ifndef NATSAUTH_CALLOUT_H
#define NATSAUTH_CALLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jwt.h"
#include "nkey.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NA_CALLOUT_SUBJECT "$SYS.REQ.USER.AUTH"
#define NA_CALLOUT_AUDIENCE "nats-authorization-request"
#define NA_CALLOUT_XKEY_HEADER "Nats-Server-Xkey"

/* ---- decision step (src/core/callout.c) ---------------------------------- */

/* Shared x25519 keys (ours x the server's xkey), cached per server xkey so a
 * busy responder does one scalar multiplication per server, not per request.
 * Thread-safe, bounded (least recently created entries are dropped). */
typedef struct na_callout_xcache na_callout_xcache;
NA_API na_status na_callout_xcache_create(na_callout_xcache **out, const na_nkey *xkey,
                                          size_t max_entries, na_err *err);
NA_API void na_callout_xcache_destroy(na_callout_xcache *c);

/* Keys and policy of a responder. Borrowed: must outlive every call. */
typedef struct na_callout_conf {
    /* Signs the authorization responses. Config mode: the auth_callout.issuer
     * account key (A…). Operator mode: the callout account's key, or a
     * signing key of it with issuer_account = the account's public key. */
    const na_nkey *issuer;
    const char *issuer_account; /* NULL unless issuer is a signing key */
    bool operator_mode;         /* the server runs in operator mode */
    /* Our curve key (X… seed) when the server seals requests; NULL when it
     * does not. With an xkey, an unsealed request is refused (no downgrade). */
    const na_nkey *xkey;
    na_callout_xcache *xcache; /* optional cache for xkey; NULL = no cache */
    /* Pinned server keys (N…): when nservers > 0 a request signed by any
     * other server key is refused. */
    const char *const *servers;
    size_t nservers;
    /* User JWT lifetime: a grant without expiry gets now + default_ttl; no
     * user JWT outlives now + max_ttl (0 = 3600 and 600 s respectively). */
    int64_t max_ttl;
    int64_t default_ttl;
} na_callout_conf;

/* A decoded authorization request. Strings are borrowed from the request
 * claims (never NULL: "" when absent) and valid until na_authreq_destroy. */
typedef struct na_authreq {
    na_claims *claims; /* the whole request (authorization_request claims) */
    bool valid;        /* opened, verified and checked; false: see na_callout_open */
    bool sealed;       /* the request came sealed (the answer will be too) */
    char peer_xkey[NA_NKEY_PUBLIC_LEN + 1]; /* Nats-Server-Xkey header, "" if none */
    const char *server_key; /* iss, N… */
    const char *server_id;  /* nats.server_id.id: the response audience */
    const char *server_name, *server_host, *server_version, *server_cluster;
    const char *account;   /* sub: config mode the issuer, operator mode the callout account */
    const char *user_nkey; /* nats.user_nkey: subject of the response and the user JWT */
    int64_t expires;       /* exp of the request (the server stops waiting then), 0 if none */
    /* nats.client_info */
    const char *client_host, *client_user, *client_name, *client_kind, *client_type,
        *client_name_tag, *client_mqtt_id, *client_nonce;
    uint64_t client_id;
    /* nats.connect_opts (secrets: never log token, pass, sig) */
    const char *jwt, *nkey, *sig, *token, *user, *pass, *name, *lang, *version;
    int64_t protocol;
    /* nats.client_tls (NULL strings as "" when the client did not use TLS) */
    const char *tls_version, *tls_cipher;
    /* Lists are read from the claims: na_claims_count / na_claims_str_at on
     * "nats.client_info.tags", "nats.server_id.tags", "nats.client_tls.certs"
     * (PEM); "nats.client_tls.verified_chains" with na_claims_get_* paths. */
} na_authreq;

/* Open (when sealed), decode and check one request message:
 *   msg/len      the message payload as received;
 *   xkey_header  the Nats-Server-Xkey header value, NULL or "" if absent;
 *   now          unix seconds, for exp/nbf.
 * Checks: sealed iff conf->xkey (and the header is a valid X… key); a JWT of
 * type authorization_request; signature; issuer a server key N… (and pinned
 * when conf->servers); audience "nats-authorization-request"; user_nkey a
 * user public key; server_id.id present; not expired; reference validation.
 *
 * On success *out is a valid request. On failure the status and err say
 * what is wrong AND *out is still set (unless it could not be allocated)
 * with valid = false and whatever could be read without trusting it
 * (user_nkey, server_id, sealed, peer_xkey): enough for na_callout_respond
 * to answer with an error, so no request goes unanswered. */
NA_API na_status na_callout_open(na_authreq **out, const uint8_t *msg, size_t len,
                                 const char *xkey_header, const na_callout_conf *conf,
                                 int64_t now, na_err *err);
NA_API void na_authreq_destroy(na_authreq *r);

/* What a handler grants. Zero it (na_callout_grant_init), then fill. */
#define NA_CALLOUT_NAME_MAX 256
typedef struct na_callout_grant {
    /* Target account. Config mode: the account name (user JWT audience;
     * "" = "$G"). Operator mode: the account's public key (A…; "" = the
     * callout account itself, conf->issuer_account or conf->issuer). */
    char account[NA_CALLOUT_NAME_MAX];
    /* Name of the user JWT and {{name}} in templates ("" = none). */
    char name[NA_CALLOUT_NAME_MAX];
    /* Signs the user JWT; NULL = conf->issuer. Operator mode, other
     * account: that account's key or one of its signing keys (then
     * issuer_account = the account's public key). Borrowed: must outlive
     * na_callout_respond. */
    const na_nkey *signer;
    char issuer_account[NA_NKEY_PUBLIC_LEN + 1];
    /* User claims template (type user; its subject is ignored): permissions
     * (templates allowed in nats.pub/sub allow/deny), limits, tags,
     * allowed_connection_types, resp. NULL = no permission fields (the
     * account's defaults apply). Owned by the grant: na_callout_grant_clear
     * destroys it. */
    na_claims *user;
    int64_t expires; /* unix seconds; 0 = now + default_ttl; capped at now + max_ttl */
} na_callout_grant;

NA_API void na_callout_grant_init(na_callout_grant *g);
NA_API void na_callout_grant_clear(na_callout_grant *g); /* destroys g->user, re-inits */

/* Expand permission templates in one subject:
 *   {{name}}  grant name (the identity the handler verified)
 *   {{nkey}}  request user_nkey     {{account}} grant account ("$G" when "")
 *   {{tag(K)}} value V of a user tag "K:V" in grant->user (tags are lower case)
 * {{user}} and {{client_name}} (connect_opts.user/.name) are refused with a
 * message saying why: the client types them and nothing verifies them (a
 * token client may send any user name), so they must never pick subjects;
 * a handler that verified the user name puts it in grant->name.
 * "{{ name() }}" spellings (spaces, trailing "()") are accepted too. Every
 * value must be one subject token: non-empty, no '.', '*', '>', whitespace or
 * control characters, else NA_EINVAL naming the variable (a client must not
 * widen its permissions through the name it chooses). An unknown variable is
 * NA_EINVAL. Result: new string (na_free). */
NA_API na_status na_callout_expand(char **out, const char *tmpl, const na_authreq *req,
                                   const na_callout_grant *g, na_err *err);

/* Build the answer (new buffer, na_free) for req at time now:
 *  - grant != NULL and req->valid: a user JWT for req->user_nkey from
 *    grant (templates expanded, expiry bounded, audience/issuer_account per
 *    mode) inside a signed authorization response;
 *  - else: a signed authorization response with nats.error = reason (NULL =
 *    "not authorized"; control characters replaced, at most 256 bytes).
 *    When req->user_nkey is not a user key the response subject is a fresh
 *    user key, when server_id is empty the audience is left out.
 * Sealed to req->peer_xkey when req->sealed (or, for a request that failed
 * to open, when the header named a valid xkey and conf->xkey is set).
 * A grant that cannot be honoured (bad template value, wrong signer type…)
 * becomes an error response, never a wider grant: the status is then
 * NA_OK with *denied = true and err describing why (denied may be NULL). */
NA_API na_status na_callout_respond(uint8_t **out, size_t *out_len, const na_authreq *req,
                                    const na_callout_conf *conf, int64_t now,
                                    const na_callout_grant *grant, const char *reason,
                                    bool *denied, na_err *err);

/* ---- service (src/nats/callout.c; loads libnats at run time) ------------- */

typedef struct na_callout na_callout;

/* Decide one request: fill grant and return NA_OK to allow; return any
 * other status (err says why, in words fit for the client and the log) to
 * deny. Called on a worker thread; must be thread-safe. */
typedef na_status (*na_callout_handler)(void *ud, const na_authreq *req, na_callout_grant *grant,
                                        na_err *err);

/* One structured log line per decision (JSON, no secrets), or a service
 * event ("connected", "disconnected", ...). Called from any thread. */
typedef void (*na_callout_logger)(void *ud, const char *json_line);

typedef struct na_callout_opts {
    const char *url;        /* "nats://127.0.0.1:4222", comma-separated list allowed */
    const char *creds_file; /* connect as: a .creds file, or user/password, or token */
    const char *user, *password, *token;
    const char *tls_ca, *tls_cert, *tls_key; /* PEM files; tls_ca alone = verify server */
    const char *name;    /* connection name (default "natsauth-callout") */
    const char *subject; /* default NA_CALLOUT_SUBJECT */
    const char *queue;   /* queue group (default "natsauth-callout") */
    int workers;         /* handler threads (0 = online cores) */
    int deadline_ms;     /* per request: queued + handler time (0 = 1500) */
    int max_pending;     /* requests queued beyond which new ones are refused at once (0 = 10000) */
    /* Subject answered with the counters as JSON (NULL = none). */
    const char *stats_subject;
    na_callout_conf conf;
    na_callout_handler handler;
    void *handler_ud;
    na_callout_logger logger; /* NULL = no log */
    void *logger_ud;
} na_callout_opts;

/* Latency buckets (upper bounds, microseconds; the last bucket is open). */
#define NA_CALLOUT_LAT_BUCKETS 16
NA_API extern const uint32_t na_callout_lat_bounds_us[NA_CALLOUT_LAT_BUCKETS - 1];

typedef struct na_callout_counters {
    uint64_t requests; /* messages received on the subject */
    uint64_t allowed;
    uint64_t denied;   /* handler said no, or a grant could not be honoured */
    uint64_t errors;   /* malformed/unverifiable requests (answered with an error) */
    uint64_t timeouts; /* deadline passed (answered with an error) */
    uint64_t dropped;  /* could not be answered at all (no reply subject, publish failed) */
    uint64_t latency[NA_CALLOUT_LAT_BUCKETS]; /* receive -> answer published */
    uint64_t reconnects;
    bool connected;
} na_callout_counters;

/* Connect, subscribe (queue group), start the workers. The first connect is
 * retried until timeout (libnats reconnects by itself afterwards, forever). */
NA_API na_status na_callout_start(na_callout **out, const na_callout_opts *opts, na_err *err);
NA_API void na_callout_counters_get(const na_callout *s, na_callout_counters *out);
/* Counters as one JSON object (na_free). */
NA_API char *na_callout_counters_json(const na_callout *s);
/* Drain (stop taking requests, answer the queued ones within timeout_ms),
 * close, join the workers, free. NULL is a no-op. */
NA_API void na_callout_stop(na_callout *s, int drain_timeout_ms);

/* Ask a running service for its counters (what na_callout_counters_json
 * gives, answered on stats_subject): connects with opts' url, creds_file /
 * user+password / token and TLS files (one attempt, no reconnect), requests
 * opts->stats_subject and sets *json to the answer (a JSON object, na_free).
 * Errors name the subject: NA_EINVAL when it is unset, NA_ENOTFOUND when no
 * service answers on it, NA_ETIMEOUT when none does within timeout_ms
 * (<= 0: 2000), NA_EJSON when the answer is not a JSON object, NA_ENET
 * when the connect fails. */
NA_API na_status na_callout_stats_fetch(char **json, const na_callout_opts *opts, int timeout_ms,
                                        na_err *err);

#ifdef __cplusplus
}
#endif
#endif
