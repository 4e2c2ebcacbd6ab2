/*
 * natsauth/client.h - connect to a NATS server as a user and find out what
 * the server lets it do: the operation behind `natsauth connect-test`.
 *
 * The user is given by a .creds file, a user name and password, a token, or
 * a .creds file with a token or password: the auth callout "sentinel" flow,
 * where the creds only get the client to the callout service and the token
 * or password decides what it gets (docs/callout.md).
 *
 * libnats is loaded at run time, as for push and pull (natsauth/push.h).
 * The creds text is parsed here; libnats only gets the user JWT and the
 * nonce signature through its callbacks (Debian's libnats 3.4.1 has no
 * natsOptions_SetUserCredentialsFromMemory), so the seed never leaves
 * natsauth. A connect whose nonce signature starts with 0x00 (which
 * libnats < 3.8 drops) is retried, up to 4 attempts in all. The password
 * and token are the caller's: they go into the CONNECT only and are never
 * copied into a report or an error.
 *
 * Each check is one operation followed by a flush (PING/PONG) bounded by
 * wait_ms. nats-server answers a PUB or SUB it refuses with
 * -ERR 'Permissions Violation for Publish to "SUBJECT"' (or "Subscription
 * to") before it answers the PING, and libnats records that error before it
 * processes the PONG, so once the flush returns the answer is known: the
 * check is refused when the connection's last error is the violation for
 * its subject, allowed otherwise. (A permission violation does not close
 * the connection; permissions do not change during one, so a subject
 * checked twice gets the same answer.) A flush that times out leaves the
 * check unanswered, and the checks after it are not run (a late PONG
 * could be taken for theirs).
 *
 * An allowed publish really publishes an empty message to its subject; an
 * allowed subscription is removed again right after its check.
 */
#ifndef NATSAUTH_CLIENT_H
#define NATSAUTH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "nkey.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NA_CLIENT_URL_DEFAULT "nats://127.0.0.1:4222"
#define NA_CLIENT_CONNECT_TIMEOUT_MS 5000 /* per connect attempt */
#define NA_CLIENT_WAIT_MS 300             /* per check: the server's answer */
#define NA_CLIENT_WAIT_MAX_MS 60000
#define NA_CLIENT_SUBJECT_MAX 1024
#define NA_CLIENT_TEXT_MAX 256

typedef enum na_client_op {
    NA_CLIENT_PUB = 0, /* publish an empty message */
    NA_CLIENT_SUB,     /* subscribe, then unsubscribe */
} na_client_op;

/* "publish" / "subscribe" */
NA_API const char *na_client_op_name(na_client_op op);

/* One check: op and subject in, the rest out. */
typedef struct na_client_check {
    na_client_op op;
    const char *subject; /* borrowed */
    bool answered;       /* the server answered (false: no answer in time, or not
                            checked: an earlier check got none, or the connection
                            was closed) */
    bool allowed;        /* answered without a permissions violation */
    /* refused: the server's error (Permissions Violation for Publish to "x");
     * unanswered: why; allowed: "" */
    char error[NA_CLIENT_TEXT_MAX];
} na_client_check;

typedef struct na_client_opts {
    int connect_timeout_ms; /* 0: NA_CLIENT_CONNECT_TIMEOUT_MS */
    int wait_ms;            /* 0: NA_CLIENT_WAIT_MS; at most NA_CLIENT_WAIT_MAX_MS */
    const char *name;       /* client name the server sees; NULL: "natsauth connect-test" */
    const char *user;       /* user name sent in the CONNECT (with password); NULL: none */
    const char *password;   /* its password (a secret, borrowed); needs user */
    const char *token;      /* auth token sent in the CONNECT (a secret, borrowed); NULL: none */
} na_client_opts;

typedef struct na_client_report {
    bool connected;
    char user[NA_NKEY_PUBLIC_LEN + 1]; /* the creds' user, "" without creds or when
                                          they did not parse */
    char login[NA_CLIENT_TEXT_MAX];    /* opts->user (printable, bounded), "" without */
    bool token;                        /* a token was sent */
    /* who we connected as, for messages: "as U...", "as alice", "with a token",
     * "as U... with a token", "as U... (user alice)" */
    char as[NA_CLIENT_TEXT_MAX + 80];
    char server[NA_CLIENT_TEXT_MAX]; /* the URL connected to, else the one tried */
    char error[NA_CLIENT_TEXT_MAX];  /* not connected: why ("authorization violation",
                                        "no server available for connection", ...) */
} na_client_report;

/* Is subject usable for op? Tokens separated by '.', none empty, no
 * whitespace or control characters, at most NA_CLIENT_SUBJECT_MAX bytes;
 * SUB: '*' and a final '>' may be whole tokens; PUB: no wildcards. When
 * false, *why (if why is non-NULL) says what is wrong (static text). */
NA_API bool na_client_subject_valid(na_client_op op, const char *subject, const char **why);

/*
 * Connect to url (NULL or "": NA_CLIENT_URL_DEFAULT; a comma-separated list
 * is allowed) as the user of the creds text (creds/len: a .creds file's
 * contents; the seed's public key must be the user JWT's subject; creds
 * NULL: no creds) and/or with o->user + o->password and/or o->token, then
 * run the checks in order. rep is always filled.
 *
 * Returns NA_OK when the connection was made (whatever the checks found;
 * a check the server did not answer is only marked so); NA_ECREDS (or the
 * JWT / nkey error) for creds that do not hold a user JWT and its seed;
 * NA_EINVAL for a bad subject, no creds, user nor token, or a password
 * without a user; NA_ENET when the server refused the
 * connection or none could be reached; NA_ETIMEOUT when the connect timed
 * out; NA_ENOTFOUND when libnats cannot be loaded. err and rep never hold
 * the seed, the password or the token.
 */
NA_API na_status na_client_test(const char *url, const char *creds, size_t len,
                                na_client_check *checks, size_t n, const na_client_opts *o,
                                na_client_report *rep, na_err *err);

/* Release libnats' global state, waiting at most timeout_ms (for a program
 * about to exit, so leak checkers see a clean exit). */
NA_API void na_client_shutdown(int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
