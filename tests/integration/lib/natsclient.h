/*
 * natsclient.h - a libnats client for the integration tests: connect to a
 * test server (natsserver.h) as a natsauth-made user and watch the server's
 * asynchronous errors (permissions violations).
 *
 *   tc_client c;
 *   tc_init(&c, &srv);                                  // before any goto to cleanup
 *   if (tc_connect(&c, creds_text, NULL, "alice") != NATS_OK) ... c.err says why
 *   ... c.nc ...
 *   tc_close(&c);                                       // always, connected or not
 *
 * Credentials come either from creds text (parsed by natsauth; libnats gets
 * the user JWT and each nonce signature through its callbacks, the seed
 * stays here and is wiped) or from a creds file (libnats reads and signs).
 *
 * libnats 3.4.1 (Debian's) drops a nonce signature whose first byte is 0x00
 * (fixed in nats.c 3.8, PR #705), 1 connect in 256: the server then refuses
 * with "Signature missing". Such an attempt (seen on our side for creds
 * text, in the server log for a creds file) is retried with a new nonce, at
 * most TC_CONNECT_ATTEMPTS attempts in all; nothing else is retried.
 *
 * Nothing here records test failures (testlib.h's counters are per test
 * file): functions return what happened and the test checks it.
 */
#ifndef NATSAUTH_TEST_NATSCLIENT_H
#define NATSAUTH_TEST_NATSCLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <nats/nats.h>

#include "natsauth/nkey.h"
#include "natsserver.h"

#define TC_CONNECT_TIMEOUT_MS 3000   /* per connect attempt */
#define TC_CONNECT_ATTEMPTS 4        /* see above */
#define TC_ASYNC_ERR_TIMEOUT_MS 3000 /* tc_wait_async_errs */

typedef struct tc_client {
    const ns_server *srv; /* where tc_connect connects (its url is read then) */
    natsConnection *nc;   /* NULL unless connected */
    natsStatus st;        /* natsConnection_Connect's status */
    char err[512];        /* why the connect failed */
    char *jwt;            /* credentials from creds text */
    na_nkey *key;
    bool zero_sig;      /* the last attempt made a nonce signature starting with 0x00 */
    pthread_mutex_t mu; /* guards the async error handler's state below */
    pthread_cond_t cv;
    int async_errs;       /* times the async error handler ran */
    natsStatus async_st;  /* its last status */
    char async_text[256]; /* the connection's last error then */
} tc_client;

/* Zero c and set it up for connects to srv (whose url may still be unset). */
void tc_init(tc_client *c, const ns_server *srv);

/* Connect with creds_text (a .creds file's contents) or, when it is NULL,
 * the creds file creds_path, as client name `name`. Returns and keeps in
 * c->st the connect status; c->err says why when it is not NATS_OK
 * ("natsauth: ..." when the creds text does not parse). */
natsStatus tc_connect(tc_client *c, const char *creds_text, const char *creds_path,
                      const char *name);

/* tc_connect with the text of the creds file at path (natsauth parses it
 * and signs; the text is wiped after). c->err says so when the file cannot
 * be read. */
natsStatus tc_connect_creds_file(tc_client *c, const char *path, const char *name);

/* Connect as a client an auth callout decides on: with a token and/or a
 * user and password (each NULL = not sent) and, when creds_text is not
 * NULL, as that (sentinel) user too. Same status, c->err and retry rule as
 * tc_connect (only an attempt spoilt by a 0x00 nonce signature is retried). */
natsStatus tc_connect_auth(tc_client *c, const char *creds_text, const char *user,
                           const char *password, const char *token, const char *name);

/* tc_connect_auth with the text of the creds file at creds_path (NULL:
 * none; the text is wiped after). c->err says so when it cannot be read. */
natsStatus tc_connect_auth_file(tc_client *c, const char *creds_path, const char *user,
                                const char *password, const char *token, const char *name);

/* Close the connection and free everything (the key is wiped). */
void tc_close(tc_client *c);

/* Wait (at most TC_ASYNC_ERR_TIMEOUT_MS) until the async error handler has
 * run at least n times in all; true if it has. */
bool tc_wait_async_errs(tc_client *c, int n);

/* Subscribe to subj on sub (and flush), publish "hello <subj>" on pub, and
 * receive that message within timeout_ms: proves both connections are
 * really authorized. False with why (may be NULL) saying what failed. */
bool tc_round_trip(natsConnection *pub, natsConnection *sub, const char *subj, int timeout_ms,
                   char *why, size_t why_cap);

/* Case-insensitive substring; false for a NULL hay. */
bool tc_contains_ci(const char *hay, const char *needle);

/* A whole file, NUL-terminated (malloc'd, free it; wipe it first when it
 * holds a secret); NULL if it cannot be read. */
char *tc_read_file(const char *path);

#endif
