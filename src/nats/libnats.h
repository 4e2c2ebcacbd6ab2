/*
 * libnats.h - what push.c, connect.c and callout.c share about libnats (internal to
 * src/nats; nothing outside it sees libnats):
 *
 * - libnats is opened with dlopen on first use (na_nl_load), not linked:
 *   it links libssl, and loading libssl costs every process about 1.4 ms
 *   (measured on this kind of machine: a program linking libssl starts in
 *   2.2 ms, without it in 0.8 ms). Only push, pull and connect-test need
 *   libnats, so every other natsauth command starts without it. The
 *   functions are called through na_nl, filled from NATSAUTH_LIBNATS_SONAME
 *   (the build's libnats) or else "libnats.so".
 * - a connect as a user whose seed stays in natsauth, with or without a
 *   user name, password or token (na_nl_connect): libnats gets the user JWT
 *   and each nonce signature through its credentials callbacks (Debian's
 *   libnats 3.4.1 has no natsOptions_SetUserCredentialsFromMemory);
 *   reconnects are off, so those callbacks run only inside
 *   natsConnection_Connect and nothing of ours is touched by libnats'
 *   threads afterwards; each attempt is bounded by its timeout and only an
 *   attempt spoilt by libnats < 3.8 is retried.
 * - libnats' and the server's text is untrusted: na_nl_clean_copy keeps it
 *   printable, one line and bounded.
 * - the auth callout service (callout.c) connects on its own (creds file,
 *   user/password or token, TLS, reconnects forever) with the same table.
 */
#ifndef NATSAUTH_NATS_LIBNATS_H
#define NATSAUTH_NATS_LIBNATS_H

#include <stdbool.h>
#include <stddef.h>

#include <nats/nats.h>

#include "natsauth/err.h"
#include "natsauth/nkey.h"

/* Every libnats function src/nats calls. */
#define NA_NL_FUNCS(X)                                                                             \
    X(natsConnection_Close)                                                                        \
    X(natsConnection_Connect)                                                                      \
    X(natsConnection_Destroy)                                                                      \
    X(natsConnection_FlushTimeout)                                                                 \
    X(natsConnection_GetConnectedUrl)                                                              \
    X(natsConnection_GetLastError)                                                                 \
    X(natsConnection_GetMaxPayload)                                                                \
    X(natsConnection_IsClosed)                                                                     \
    X(natsConnection_Publish)                                                                      \
    X(natsConnection_PublishRequest)                                                               \
    X(natsConnection_Request)                                                                      \
    X(natsConnection_Status)                                                                       \
    X(natsConnection_QueueSubscribe)                                                               \
    X(natsConnection_Subscribe)                                                                    \
    X(natsConnection_SubscribeSync)                                                                \
    X(natsInbox_Create)                                                                            \
    X(natsInbox_Destroy)                                                                           \
    X(natsMsgHeader_Get)                                                                           \
    X(natsMsg_Destroy)                                                                             \
    X(natsMsg_GetData)                                                                             \
    X(natsMsg_GetDataLength)                                                                       \
    X(natsMsg_GetReply)                                                                            \
    X(natsMsg_GetSubject)                                                                          \
    X(natsMsg_IsNoResponders)                                                                      \
    X(natsOptions_Create)                                                                          \
    X(natsOptions_Destroy)                                                                         \
    X(natsOptions_LoadCATrustedCertificates)                                                       \
    X(natsOptions_LoadCertificatesChain)                                                           \
    X(natsOptions_SetAllowReconnect)                                                               \
    X(natsOptions_SetClosedCB)                                                                     \
    X(natsOptions_SetDisconnectedCB)                                                               \
    X(natsOptions_SetErrorHandler)                                                                 \
    X(natsOptions_SetMaxReconnect)                                                                 \
    X(natsOptions_SetName)                                                                         \
    X(natsOptions_SetReconnectBufSize)                                                             \
    X(natsOptions_SetReconnectWait)                                                                \
    X(natsOptions_SetReconnectedCB)                                                                \
    X(natsOptions_SetSecure)                                                                       \
    X(natsOptions_SetSendAsap)                                                                     \
    X(natsOptions_SetServers)                                                                      \
    X(natsOptions_SetTimeout)                                                                      \
    X(natsOptions_SetToken)                                                                        \
    X(natsOptions_SetURL)                                                                          \
    X(natsOptions_SetUserCredentialsCallbacks)                                                     \
    X(natsOptions_SetUserCredentialsFromFiles)                                                     \
    X(natsOptions_SetUserInfo)                                                                     \
    X(natsStatus_GetText)                                                                          \
    X(natsSubscription_Destroy)                                                                    \
    X(natsSubscription_DrainTimeout)                                                               \
    X(natsSubscription_SetOnCompleteCB)                                                            \
    X(natsSubscription_SetPendingLimits)                                                           \
    X(natsSubscription_Unsubscribe)                                                                \
    X(natsSubscription_WaitForDrainCompletion)                                                     \
    X(nats_CloseAndWait)                                                                           \
    X(nats_GetLastError)

typedef struct na_nl_api {
#define NA_NL_FIELD(f) __typeof__(&f) f;
    NA_NL_FUNCS(NA_NL_FIELD)
#undef NA_NL_FIELD
} na_nl_api;

/* The libnats functions: callable only after na_nl_load returned NA_OK
 * (before that, or when it failed, they are NULL). */
extern na_nl_api na_nl;

/* Load libnats once per process (thread-safe). NA_ENOTFOUND, saying which
 * library or which function is missing, when it cannot be loaded. */
na_status na_nl_load(na_err *err);

/* Release libnats' global state, waiting at most timeout_ms; nothing when
 * libnats was never loaded. */
void na_nl_shutdown(int timeout_ms);

/* Who we connect as: a user JWT and its key. */
typedef struct na_nl_ident {
    char *jwt;
    na_nkey *key;  /* wiped by na_nkey_destroy */
    bool zero_sig; /* the last attempt made a nonce signature starting with 0x00 */
} na_nl_ident;

/* Free (the key is wiped) and zero. */
void na_nl_ident_release(na_nl_ident *id);

/* The secrets a CONNECT may carry besides (or instead of) a user JWT;
 * borrowed, each may be NULL. They go to libnats' options and nowhere else. */
typedef struct na_nl_login {
    const char *user;
    const char *password; /* only with user */
    const char *token;
} na_nl_login;

#define NA_NL_CONNECT_ATTEMPTS 4 /* see na_nl_connect */

/* Connect to url (a comma-separated list is allowed) as id (NULL: no user
 * JWT) with login (NULL: none), with client name `name`, no reconnects,
 * each attempt bounded by timeout_ms. libnats < 3.8 (Debian's 3.4.1) drops
 * a nonce signature whose first byte is 0x00 (nats.c PR #705) and the
 * server refuses the CONNECT ("Signature missing"), 1 connect in 256: such
 * an attempt is failed on our side and retried (the server sends a new
 * nonce), at most NA_NL_CONNECT_ATTEMPTS attempts in all; nothing else is
 * retried. *nc is set only on NATS_OK. na_nl_load must have succeeded. */
natsStatus na_nl_connect(natsConnection **nc, na_nl_ident *id, const na_nl_login *login,
                         const char *url, const char *name, int timeout_ms);

/* Set the server(s) to connect to: url is one URL or a comma-separated
 * list (natsOptions_SetURL takes one URL only: in libnats 3.4.1 a list is
 * one bad URL, so a list goes to natsOptions_SetServers). */
natsStatus na_nl_set_url(natsOptions *o, const char *url);

/* Copy untrusted text s (NULL: "") into out: newlines become spaces, other
 * control characters '?', at most cap - 1 bytes, always NUL-terminated. */
void na_nl_clean_copy(char *out, size_t cap, const char *s);

/* The calling thread's last libnats error without the "(conn.c:2088): "
 * location libnats puts in front; "" when there is none. */
const char *na_nl_last_error(void);

#endif
