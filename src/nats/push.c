/*
 * push.c - account JWTs to and from NATS servers (natsauth/push.h) over a
 * libnats connection in the system account.
 *
 * Invariants:
 * - every request of a phase is published before any reply is awaited, each
 *   with the reply subject "<inbox>.<index>" under one wildcard
 *   subscription; a reply is matched by that index only (never by content,
 *   so a server's error without an account still lands on its request);
 * - waiting is bounded: a phase ends when every request has an answer and
 *   the connection has been quiet for linger_ms, or at its deadline;
 * - the store changes only for what a server confirmed (push: deleted
 *   accounts) or sent (pull: newer JWTs), in one transaction opened here,
 *   re-reading each row inside it so a concurrent change is never undone;
 * - seeds stay in natsauth: libnats gets the user JWT and the nonce
 *   signature through its callbacks (libnats.c, shared with connect.c:
 *   libnats is loaded there on first use, and a connect spoilt by Debian's
 *   libnats 3.4.1 is retried there);
 * - natsStatus codes are converted here (NA_ENET / NA_ETIMEOUT, the code kept
 *   in err->sub); nothing outside this file sees libnats.
 *
 * Must not depend on the CLI; uses only the public store, management and
 * core APIs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <nats/nats.h>

#include "../store/store_internal.h"
#include "natsauth/push.h"

#include "libnats.h"

#define PUB_CAP (NA_NKEY_PUBLIC_LEN + 1)
#define PULL_MAX_BYTES (512u * 1024u * 1024u) /* hard maximum for a pull */
#define PULL_MAX_ACCOUNTS 1000000u
#define MSG_CAP 320        /* kept per request */
#define EPHEMERAL_TTL 3600 /* a push user made for one connection */

/* ---- small helpers --------------------------------------------------------------- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static na_status oom(na_err *err)
{
    return na_fail(err, NA_ENOMEM, "out of memory");
}

/* Copy a probe's error into err (probes keep an expected NA_ENOTFOUND off it). */
static na_status pass(na_err *err, const na_err *e, na_status st)
{
    if (err && e)
        *err = *e;
    return st;
}

const char *na_push_action_name(na_push_action a)
{
    return a == NA_PUSH_DELETE ? "delete" : "update";
}

const char *na_push_outcome_name(na_push_outcome o)
{
    switch (o) {
    case NA_PUSH_UPDATED: return "updated";
    case NA_PUSH_SKIPPED: return "skipped";
    case NA_PUSH_DELETED: return "deleted";
    case NA_PUSH_FAILED: return "failed";
    case NA_PUSH_TIMEOUT: return "timeout";
    }
    return "unknown";
}

const char *na_pull_state_name(na_pull_state s)
{
    static const char *const names[] = {"same",    "taken",   "newer",   "stale",  "conflict",
                                        "missing", "removed", "unknown", "invalid"};
    return (unsigned)s <= NA_PULL_INVALID ? names[s] : "unknown";
}

/* A store, and no transaction of the caller's: push and pull open their own. */
static na_status ctx_check(const na_ctx *x, const char *what, na_err *err)
{
    if (!x || !x->store)
        return na_fail(err, NA_EINVAL, "no store in the management context");
    if (na_store_in_transaction(x->store))
        return na_fail(err, NA_EINVAL, "%s must not run inside a store transaction", what);
    return NA_OK;
}

/* ---- the store side: system account, operator signer ------------------------------ */

static na_status op_claims_load(na_ctx *x, na_entity *op, na_claims **c, na_err *err)
{
    na_status st = na_store_operator_get(x->store, op, err);
    if (st != NA_OK)
        return st;
    st = na_claims_from_json(c, NA_CLAIMS_OPERATOR, op->claims_json,
                             strlen(op->claims_json ? op->claims_json : ""), err);
    if (st != NA_OK)
        na_err_prefix(err, "stored claims of operator '%s' in store '%s'", op->name,
                      na_store_path(x->store));
    return st;
}

/* The key that signs operator requests (delete): the first operator signing
 * key the store holds a seed for, else the identity key unless strict. */
static na_status op_request_signer(na_ctx *x, na_nkey **out, na_err *err)
{
    na_entity op = {0};
    na_claims *c = NULL;
    bool strict = false;
    na_status st = op_claims_load(x, &op, &c, err);
    *out = NULL;
    if (st != NA_OK)
        goto out;
    for (size_t i = 0; i < na_claims_count(c, "nats.signing_keys"); i++) {
        const char *pub = na_claims_str_at(c, "nats.signing_keys", i);
        na_err e = {0};
        if (!pub)
            continue;
        st = na_store_key_get(x->store, pub, out, &e);
        if (st == NA_OK || st != NA_ENOTFOUND) {
            pass(err, &e, st);
            goto out;
        }
    }
    if (na_claims_get_bool(c, "nats.strict_signing_key_usage", &strict) && strict) {
        st = na_fail(err, NA_ECHAIN,
                     "operator '%s' requires signing keys but store '%s' holds no seed for any "
                     "of them",
                     op.name, na_store_path(x->store));
        goto out;
    }
    st = na_store_key_get(x->store, op.pub, out, err);
out:
    na_claims_destroy(c);
    na_entity_release(&op);
    return st;
}

/* Who we connect as: a user JWT and its key, and who that is for people. */
typedef struct ident {
    na_nl_ident cred;
    char desc[160];
} ident;

/* The stored "sys" user of the system account when it still works (JWT not
 * expiring within a minute, not revoked, seed present); else NA_ENOTFOUND. */
static na_status ident_stored(na_ctx *x, const na_entity *sys, ident *id, na_err *err)
{
    na_entity u = {0};
    na_claims *uc = NULL, *sc = NULL;
    na_err e = {0};
    na_status st = na_store_user_get(x->store, sys->name, "sys", &u, &e);
    if (st != NA_OK) {
        if (st != NA_ENOTFOUND)
            pass(err, &e, st);
        goto out;
    }
    if (!u.jwt || na_jwt_decode(&uc, u.jwt, strlen(u.jwt), &e) != NA_OK ||
        na_claims_from_json(&sc, NA_CLAIMS_ACCOUNT, sys->claims_json,
                            strlen(sys->claims_json ? sys->claims_json : ""), &e) != NA_OK) {
        st = NA_ENOTFOUND;
        goto out;
    }
    if ((na_claims_expires(uc) && na_claims_expires(uc) < x->now + 60) ||
        na_claims_is_revoked(sc, u.pub, na_claims_issued_at(uc))) {
        st = NA_ENOTFOUND;
        goto out;
    }
    st = na_store_key_get(x->store, u.pub, &id->cred.key, &e);
    if (st != NA_OK) {
        if (st != NA_ENOTFOUND)
            pass(err, &e, st);
        goto out;
    }
    if (!(id->cred.jwt = na_store_dupstr(u.jwt))) {
        st = oom(err);
        goto out;
    }
    snprintf(id->desc, sizeof id->desc, "user 'sys' (%s) of system account '%s'", u.pub, sys->name);
out:
    na_claims_destroy(uc);
    na_claims_destroy(sc);
    na_entity_release(&u);
    if (st != NA_OK) {
        na_nkey_destroy(id->cred.key);
        id->cred.key = NULL;
    }
    return st;
}

/* A user made for this connection only, signed by the system account key
 * (or its first plain signing key), expiring in an hour. Never stored. */
static na_status ident_ephemeral(na_ctx *x, const na_entity *sys, ident *id, na_err *err)
{
    na_nkey *signer = NULL;
    na_claims *c = NULL;
    na_signing_key *sks = NULL;
    size_t nsk = 0;
    bool via_sk = false;
    na_err e = {0};
    na_status st = na_store_key_get(x->store, sys->pub, &signer, &e);
    if (st == NA_ENOTFOUND) {
        if ((st = na_store_sk_list(x->store, sys->name, &sks, &nsk, err)) != NA_OK)
            goto out;
        st = NA_ENOTFOUND;
        for (size_t i = 0; i < nsk && st == NA_ENOTFOUND; i++)
            if (!sks[i].scoped)
                st = na_store_key_get(x->store, sks[i].pub, &signer, &e);
        via_sk = st == NA_OK;
        if (st == NA_ENOTFOUND) {
            st = na_fail(err, NA_ENOTFOUND,
                         "system account '%s' has no usable 'sys' user and store '%s' holds no "
                         "key to sign one",
                         sys->name, na_store_path(x->store));
            goto out;
        }
    }
    if (st != NA_OK) {
        pass(err, &e, st);
        goto out;
    }
    if ((st = na_nkey_create(&id->cred.key, NA_NKEY_USER, err)) != NA_OK ||
        (st = na_claims_create(&c, NA_CLAIMS_USER, na_nkey_public(id->cred.key), err)) != NA_OK ||
        (st = na_claims_set_name(c, "natsauth push", err)) != NA_OK ||
        (st = na_claims_set_expires(c, x->now + EPHEMERAL_TTL, err)) != NA_OK ||
        (via_sk && (st = na_claims_set_str(c, "nats.issuer_account", sys->pub, err)) != NA_OK) ||
        (st = na_claims_encode(c, &id->cred.jwt, signer, x->now, err)) != NA_OK)
        goto out;
    snprintf(id->desc, sizeof id->desc, "a temporary user (%s) of system account '%s'",
             na_nkey_public(id->cred.key), sys->name);
out:
    na_signing_keys_free(sks, nsk);
    na_claims_destroy(c);
    na_nkey_destroy(signer);
    if (st != NA_OK) {
        na_nkey_destroy(id->cred.key);
        id->cred.key = NULL;
    }
    return st;
}

static na_status ident_load(na_ctx *x, ident *id, na_err *err)
{
    na_entity op = {0}, sys = {0};
    na_claims *oc = NULL;
    const char *syspub = NULL;
    na_status st;
    memset(id, 0, sizeof *id);
    if ((st = op_claims_load(x, &op, &oc, err)) != NA_OK)
        goto out;
    if (!na_claims_get_str(oc, "nats.system_account", &syspub) || !*syspub) {
        st = na_fail(err, NA_ENOTFOUND,
                     "operator '%s' in store '%s' has no system account (run 'natsauth init')",
                     op.name, na_store_path(x->store));
        goto out;
    }
    if ((st = na_store_account_get(x->store, syspub, &sys, err)) != NA_OK)
        goto out;
    st = ident_stored(x, &sys, id, err);
    if (st == NA_ENOTFOUND)
        st = ident_ephemeral(x, &sys, id, err);
out:
    na_claims_destroy(oc);
    na_entity_release(&sys);
    na_entity_release(&op);
    return st;
}

/* ---- the connection ----------------------------------------------------------------- */

/* Replies arrive through an asynchronous subscription (libnats hands a
 * sync subscription's "no responders" status over without its subject, so
 * it could not be matched to its request) into a queue the calling thread
 * drains. The queue lives on the heap and is freed only once libnats said
 * the subscription's handler is done (on-complete callback); no other
 * asynchronous libnats callback is registered, so nothing of ours is
 * touched by libnats' threads after sess_close. */
typedef struct rxq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    natsMsg **q; /* received, not yet taken */
    size_t qhead, qlen, qcap;
    bool qfail; /* a message was dropped (out of memory) */
    bool done;  /* the subscription's handler will not run again */
} rxq;

typedef struct session {
    natsConnection *nc;
    natsSubscription *sub;
    char *inbox; /* reply prefix; replies are <inbox>.<index> */
    ident id;
    rxq *rx;
    bool sub_cb; /* the on-complete callback of sub is set (it will say done) */
} session;

static void cb_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure)
{
    rxq *r = closure;
    (void)nc;
    (void)sub;
    pthread_mutex_lock(&r->mu);
    if (r->qhead + r->qlen == r->qcap) {
        if (r->qhead) { /* compact before growing */
            memmove(r->q, r->q + r->qhead, r->qlen * sizeof *r->q);
            r->qhead = 0;
        } else {
            size_t cap = r->qcap ? r->qcap * 2 : 1024;
            natsMsg **nq = realloc(r->q, cap * sizeof *nq);
            if (!nq) {
                r->qfail = true;
                pthread_cond_broadcast(&r->cv);
                pthread_mutex_unlock(&r->mu);
                na_nl.natsMsg_Destroy(m);
                return;
            }
            r->q = nq;
            r->qcap = cap;
        }
    }
    r->q[r->qhead + r->qlen++] = m;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void cb_sub_done(void *closure)
{
    rxq *r = closure;
    pthread_mutex_lock(&r->mu);
    r->done = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void deadline_in(struct timespec *dl, int64_t ms)
{
    clock_gettime(CLOCK_REALTIME, dl);
    dl->tv_sec += (time_t)(ms / 1000);
    dl->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl->tv_nsec >= 1000000000L) {
        dl->tv_sec++;
        dl->tv_nsec -= 1000000000L;
    }
}

/* The next reply, waiting at most timeout_ms: NATS_OK (*m is the caller's),
 * NATS_TIMEOUT, NATS_CONNECTION_CLOSED or NATS_NO_MEMORY (a reply was lost).
 * Waits in slices so a closed connection is noticed without a callback. */
static natsStatus sess_next(session *s, natsMsg **m, int64_t timeout_ms)
{
    rxq *r = s->rx;
    int64_t end = mono_ms() + timeout_ms;
    natsStatus ns = NATS_TIMEOUT;
    *m = NULL;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        struct timespec dl;
        int64_t left;
        if (r->qlen) {
            *m = r->q[r->qhead++];
            if (!--r->qlen)
                r->qhead = 0;
            ns = NATS_OK;
            break;
        }
        if (r->qfail) {
            ns = NATS_NO_MEMORY;
            break;
        }
        if (na_nl.natsConnection_IsClosed(s->nc)) {
            ns = NATS_CONNECTION_CLOSED;
            break;
        }
        if ((left = end - mono_ms()) <= 0)
            break;
        deadline_in(&dl, left < 50 ? left : 50);
        pthread_cond_timedwait(&r->cv, &r->mu, &dl);
    }
    pthread_mutex_unlock(&r->mu);
    return ns;
}

/* What the server last complained about on this connection (a permissions
 * violation, say), "" if nothing. */
static void last_error(session *s, char *out, size_t cap)
{
    const char *text = NULL;
    natsStatus ns = s->nc ? na_nl.natsConnection_GetLastError(s->nc, &text) : NATS_OK;
    out[0] = '\0';
    if (ns != NATS_OK) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s%s%s", na_nl.natsStatus_GetText(ns), text && *text ? ": " : "",
                 text ? text : "");
        na_nl_clean_copy(out, cap, buf);
    }
}

static na_status nats_fail(na_err *err, natsStatus ns, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static na_status nats_fail(na_err *err, natsStatus ns, const char *fmt, ...)
{
    char what[192], last[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    na_nl_clean_copy(last, sizeof last, na_nl_last_error());
    na_fail(err, ns == NATS_TIMEOUT ? NA_ETIMEOUT : NA_ENET, "%s: %s%s%s", what,
            na_nl.natsStatus_GetText(ns),
            last[0] && strcmp(last, na_nl.natsStatus_GetText(ns)) ? " - " : "",
            last[0] && strcmp(last, na_nl.natsStatus_GetText(ns)) ? last : "");
    if (err)
        err->sub = (int)ns;
    return ns == NATS_TIMEOUT ? NA_ETIMEOUT : NA_ENET;
}

/* Close what sess_open opened, however far it got (nothing at all when
 * libnats could not be loaded: its functions are NULL then). */
static void sess_close(session *s)
{
    rxq *r = s->rx;
    bool done = !s->sub;
    if (s->sub) {
        struct timespec dl;
        na_nl.natsSubscription_Unsubscribe(s->sub);
        deadline_in(&dl, 5000);
        pthread_mutex_lock(&r->mu);
        /* without an on-complete callback, done never comes: do not wait */
        while (!r->done && s->sub_cb)
            if (pthread_cond_timedwait(&r->cv, &r->mu, &dl) == ETIMEDOUT)
                break;
        done = r->done;
        pthread_mutex_unlock(&r->mu);
        na_nl.natsSubscription_Destroy(s->sub);
    }
    if (s->nc) {
        na_nl.natsConnection_Close(s->nc);
        na_nl.natsConnection_Destroy(s->nc);
    }
    if (s->inbox)
        na_nl.natsInbox_Destroy(s->inbox);
    na_nl_ident_release(&s->id.cred);
    /* if libnats never said its handler is done, leave the queue to it */
    if (r && done) {
        for (size_t i = 0; i < r->qlen; i++)
            na_nl.natsMsg_Destroy(r->q[r->qhead + i]);
        free(r->q);
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        free(r);
    }
    memset(s, 0, sizeof *s);
}

/* Connect as the system account and subscribe to a fresh inbox. */
static na_status sess_open(session *s, na_ctx *x, const char *url, int timeout_ms, na_err *err)
{
    char subj[128];
    natsStatus ns = NATS_OK;
    na_status st;
    memset(s, 0, sizeof *s);
    if ((st = na_nl_load(err)) != NA_OK)
        return st;
    if ((st = ident_load(x, &s->id, err)) != NA_OK)
        return st;
    if ((ns = na_nl_connect(&s->nc, &s->id.cred, NULL, url, "natsauth", timeout_ms)) != NATS_OK) {
        st = nats_fail(err, ns, "cannot connect to '%s' as %s", url, s->id.desc);
        if (ns == NATS_CONNECTION_AUTH_FAILED || ns == NATS_NOT_PERMITTED)
            na_err_prefix(err, "the server does not trust the store's operator or system "
                               "account");
        return st;
    }
    if ((ns = na_nl.natsInbox_Create(&s->inbox)) != NATS_OK)
        return nats_fail(err, ns, "cannot create an inbox for the server's answers");
    snprintf(subj, sizeof subj, "%s.*", s->inbox);
    if (!(s->rx = calloc(1, sizeof *s->rx)))
        return oom(err);
    if (pthread_mutex_init(&s->rx->mu, NULL) != 0) {
        free(s->rx);
        s->rx = NULL;
        return na_fail(err, NA_ENOMEM, "cannot create a mutex for the server's answers");
    }
    if (pthread_cond_init(&s->rx->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->rx->mu);
        free(s->rx);
        s->rx = NULL;
        return na_fail(err, NA_ENOMEM,
                       "cannot create a condition variable for the server's answers");
    }
    if ((ns = na_nl.natsConnection_Subscribe(&s->sub, s->nc, subj, cb_msg, s->rx)) != NATS_OK) {
        s->sub = NULL;
        return nats_fail(err, ns, "cannot subscribe to '%s'", subj);
    }
    if ((ns = na_nl.natsSubscription_SetOnCompleteCB(s->sub, cb_sub_done, s->rx)) != NATS_OK)
        return nats_fail(err, ns, "cannot set up the subscription to '%s'", subj);
    s->sub_cb = true;
    if ((ns = na_nl.natsSubscription_SetPendingLimits(s->sub, -1, -1)) != NATS_OK)
        return nats_fail(err, ns, "cannot set up the subscription to '%s'", subj);
    return NA_OK;
}

/* ---- requests and their answers ------------------------------------------------------ */

typedef struct req {
    size_t acct; /* index into the account list */
    na_push_action action;
    char *body; /* account JWT, or the delete request JWT (owned) */
    int replies;
    bool failed;  /* some server answered with an error (or nobody serves it) */
    bool updated; /* some server took it */
    char server[64];
    char msg[MSG_CAP]; /* first answer, or the first error */
} req;

/* Record one answer: JSON {"server":{"name":..}, "data":{"message":..}} or
 * {"error":{"description":..}} (respondToUpdate), or a no-responders status. */
static void req_answer(req *r, natsMsg *m)
{
    json_t *root = NULL, *data, *error, *server;
    const char *text = NULL, *name = NULL;
    bool is_err = false;
    json_error_t je;
    r->replies++;
    if (na_nl.natsMsg_IsNoResponders(m)) {
        is_err = true;
        text = "no server serves this request";
    } else if (!(root = json_loadb(na_nl.natsMsg_GetData(m), (size_t)na_nl.natsMsg_GetDataLength(m),
                                   0, &je)) ||
               !json_is_object(root)) {
        is_err = true;
        text = "the server's answer is not JSON";
    } else {
        data = json_object_get(root, "data");
        error = json_object_get(root, "error");
        server = json_object_get(root, "server");
        name = json_string_value(json_object_get(server, "name"));
        if (json_is_object(error)) {
            is_err = true;
            text = json_string_value(json_object_get(error, "description"));
            if (!text)
                text = "the server answered with an error without a description";
        } else if (json_is_object(data)) {
            text = json_string_value(json_object_get(data, "message"));
            if (!text)
                text = "";
        } else {
            is_err = true;
            text = "the server's answer has neither data nor error";
        }
    }
    if (!r->server[0] && name)
        na_nl_clean_copy(r->server, sizeof r->server, name);
    if (is_err) {
        if (!r->failed)
            na_nl_clean_copy(r->msg, sizeof r->msg, text);
        r->failed = true;
    } else {
        if (!strstr(text, "skipped"))
            r->updated = true;
        if (r->replies == 1)
            na_nl_clean_copy(r->msg, sizeof r->msg, text);
    }
    json_decref(root);
}

typedef struct phase {
    req *reqs; /* all requests of the push (earlier phases' late answers are kept) */
    size_t nreqs;
    size_t lo, hi; /* this phase's requests */
    size_t answered;
    size_t progress_base, progress_total;
} phase;

/* Publish reqs [lo, hi): a request the server cannot take (too big) is
 * answered here. */
static na_status phase_send(session *s, phase *p, const char *const *pubs, na_err *err)
{
    int64_t maxp = na_nl.natsConnection_GetMaxPayload(s->nc);
    for (size_t i = p->lo; i < p->hi; i++) {
        req *r = &p->reqs[i];
        char subj[128], reply[160];
        size_t len = strlen(r->body);
        natsStatus ns;
        if (maxp > 0 && (int64_t)len > maxp) {
            r->replies = 1;
            r->failed = true;
            snprintf(r->msg, sizeof r->msg,
                     "the JWT (%zu bytes) exceeds the server's max_payload (%lld bytes)", len,
                     (long long)maxp);
            p->answered++;
            continue;
        }
        if (r->action == NA_PUSH_DELETE)
            snprintf(subj, sizeof subj, "$SYS.REQ.CLAIMS.DELETE");
        else
            snprintf(subj, sizeof subj, "$SYS.REQ.ACCOUNT.%s.CLAIMS.UPDATE", pubs[r->acct]);
        snprintf(reply, sizeof reply, "%s.%zu", s->inbox, i);
        ns = na_nl.natsConnection_PublishRequest(s->nc, subj, reply, r->body, (int)len);
        if (ns != NATS_OK)
            return nats_fail(err, ns, "cannot publish to '%s'", subj);
    }
    return NA_OK;
}

/* Read answers until every request of the phase has one and the connection
 * was quiet for linger_ms, or the deadline. A lost connection ends it with
 * an error (requests without an answer then report it). */
static na_status phase_collect(session *s, phase *p, int timeout_ms, int linger_ms,
                               const na_push_opts *o, char *lost, size_t lost_cap)
{
    size_t plen = strlen(s->inbox);
    int64_t start = mono_ms(), last = start;
    /* a server answers each request in well under a millisecond: allow one
     * per request on top of the timeout before giving up on the whole phase */
    int64_t cap = start + timeout_ms + (int64_t)(p->hi - p->lo);
    lost[0] = '\0';
    for (;;) {
        int64_t now = mono_ms(), wait;
        int64_t deadline = last + timeout_ms < cap ? last + timeout_ms : cap;
        natsMsg *m = NULL;
        natsStatus ns;
        const char *subj, *dot;
        char *end;
        unsigned long long idx;
        if (now >= deadline)
            break;
        if (p->answered < p->hi - p->lo)
            wait = deadline - now;
        else if (linger_ms < 0)
            break;
        else
            wait = linger_ms < deadline - now ? linger_ms : deadline - now;
        ns = sess_next(s, &m, wait > 0 ? wait : 1);
        if (ns == NATS_TIMEOUT) {
            if (p->answered >= p->hi - p->lo)
                break;
            continue;
        }
        if (ns == NATS_NO_MEMORY) {
            snprintf(lost, lost_cap, "an answer was dropped: out of memory");
            return NA_ENOMEM;
        }
        if (ns != NATS_OK) {
            snprintf(lost, lost_cap, "the connection was lost: %s", na_nl.natsStatus_GetText(ns));
            return NA_ENET;
        }
        subj = na_nl.natsMsg_GetSubject(m);
        dot = strrchr(subj, '.');
        if (dot && (size_t)(dot - subj) == plen && strncmp(subj, s->inbox, plen) == 0) {
            errno = 0;
            idx = strtoull(dot + 1, &end, 10);
            if (!errno && *end == '\0' && dot[1] && idx < p->nreqs) {
                req *r = &p->reqs[idx];
                bool first = r->replies == 0;
                req_answer(r, m);
                if (first && idx >= p->lo && idx < p->hi) {
                    p->answered++;
                    if (o && o->progress)
                        o->progress(o->closure, p->progress_base + p->answered, p->progress_total);
                }
            }
        }
        na_nl.natsMsg_Destroy(m);
        last = mono_ms();
    }
    return NA_OK;
}

/* ---- push ------------------------------------------------------------------------------ */

typedef struct acct {
    na_entity e;
    size_t upd, del;    /* request indices; del == SIZE_MAX when live */
    bool confirmed;     /* deleted on the server(s) */
    bool store_deleted; /* and from the store */
    char note[MSG_CAP];
} acct;

static int acct_by_name(const void *a, const void *b)
{
    return strcmp(((const acct *)a)->e.name, ((const acct *)b)->e.name);
}

/* The accounts to push: the named ones (removed ones found by name or
 * key), or all of them; deduplicated, sorted by name. */
static na_status select_accounts(na_ctx *x, const char *const *names, size_t n, acct **out,
                                 size_t *nout, na_err *err)
{
    na_entity *l = NULL;
    size_t nlist = 0, k = 0;
    acct *a = NULL;
    na_status st = NA_OK;
    *out = NULL;
    *nout = 0;
    if (n == 0) {
        if ((st = na_store_account_list(x->store, true, &l, &nlist, err)) != NA_OK)
            return st;
        if (nlist && !(a = calloc(nlist, sizeof *a))) {
            na_entities_free(l, nlist);
            return oom(err);
        }
        for (size_t i = 0; i < nlist; i++) {
            a[i].e = l[i];
            memset(&l[i], 0, sizeof l[i]);
        }
        free(l);
        k = nlist;
    } else {
        if (!(a = calloc(n, sizeof *a)))
            return oom(err);
        for (size_t i = 0; i < n && st == NA_OK; i++) {
            bool dup = false;
            if (!names[i] || !*names[i]) {
                st = na_fail(err, NA_EINVAL, "account name is empty");
                break;
            }
            st = na_store_account_get(x->store, names[i], &a[k].e, err);
            for (size_t j = 0; st == NA_OK && j < k; j++)
                dup = dup || strcmp(a[j].e.pub, a[k].e.pub) == 0;
            if (st == NA_OK && dup)
                na_entity_release(&a[k].e);
            else if (st == NA_OK)
                k++;
        }
        if (st != NA_OK) {
            for (size_t i = 0; i <= k && i < n; i++)
                na_entity_release(&a[i].e);
            free(a);
            return st;
        }
    }
    if (k)
        qsort(a, k, sizeof *a, acct_by_name);
    for (size_t i = 0; i < k; i++)
        if (!a[i].e.jwt || !*a[i].e.jwt) {
            st = na_fail(err, NA_ENOTFOUND, "account '%s' in store '%s' has no JWT", a[i].e.name,
                         na_store_path(x->store));
            for (size_t j = 0; j < k; j++)
                na_entity_release(&a[j].e);
            free(a);
            return st;
        }
    *out = a;
    *nout = k;
    return NA_OK;
}

/* The delete request for one account: a generic JWT self-signed by an
 * operator key (handleDeleteRequest: iss == sub, issuer trusted, a list of
 * account keys in nats.accounts). */
static na_status delete_request(na_ctx *x, const na_nkey *signer, const char *pub, char **out,
                                na_err *err)
{
    na_claims *c = NULL;
    char list[PUB_CAP + 8];
    na_status st;
    snprintf(list, sizeof list, "[\"%s\"]", pub);
    if ((st = na_claims_create(&c, NA_CLAIMS_GENERIC, na_nkey_public(signer), err)) == NA_OK &&
        (st = na_claims_set_json(c, "nats.accounts", list, err)) == NA_OK)
        st = na_claims_encode(c, out, signer, x->now, err);
    na_claims_destroy(c);
    return st;
}

/* Delete the confirmed accounts from the store: one transaction; each row
 * is re-read by key and deleted only if it is still a removed account. */
static na_status forget_deleted(na_ctx *x, acct *a, size_t n, na_err *err)
{
    na_status st;
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any = any || a[i].confirmed;
    if (!any)
        return NA_OK;
    if ((st = na_store_begin(x->store, "push", err)) != NA_OK)
        return st;
    for (size_t i = 0; i < n && st == NA_OK; i++) {
        na_entity cur = {0};
        na_err e = {0};
        char line[256];
        if (!a[i].confirmed)
            continue;
        st = na_store_account_get(x->store, a[i].e.pub, &cur, &e);
        if (st == NA_ENOTFOUND) {
            st = NA_OK; /* gone already (another push) */
            a[i].store_deleted = true;
            continue;
        }
        if (st != NA_OK) {
            pass(err, &e, st);
            break;
        }
        if (cur.deleted) {
            st = na_store_account_delete(x->store, cur.name, err);
            snprintf(line, sizeof line, "account %s (%s) deleted from the servers and the store",
                     cur.name, cur.pub);
            if (st == NA_OK)
                st = na_store_audit(x->store, x->now, line, err);
            a[i].store_deleted = st == NA_OK;
        } else {
            snprintf(a[i].note, sizeof a[i].note,
                     "; the store holds it again (re-added meanwhile), so it stays");
        }
        na_entity_release(&cur);
    }
    if (st == NA_OK)
        st = na_store_commit(x->store, err);
    if (st != NA_OK) {
        na_store_rollback(x->store);
        for (size_t i = 0; i < n; i++)
            a[i].store_deleted = false;
    }
    return st;
}

static void report(const acct *a, const req *u, const req *d, int timeout_ms, const char *lost,
                   const na_push_opts *o, na_push_summary *sum)
{
    na_push_result r;
    char msg[MSG_CAP * 2 + 64];
    const req *m = d ? d : u;
    r.account = a->e.name;
    r.pub = a->e.pub;
    r.action = d ? NA_PUSH_DELETE : NA_PUSH_UPDATE;
    r.servers = m->replies;
    r.server = m->server;
    if (m->replies == 0) {
        r.outcome = lost[0] ? NA_PUSH_FAILED : NA_PUSH_TIMEOUT;
        if (lost[0])
            snprintf(msg, sizeof msg, "no answer: %s", lost);
        else
            snprintf(msg, sizeof msg, "no answer within %d ms", timeout_ms);
    } else if (m->failed) {
        r.outcome = NA_PUSH_FAILED;
        snprintf(msg, sizeof msg, "%s", m->msg);
    } else if (d) {
        /* deleted on the server(s); the store keeps it only if it was
         * re-added meanwhile (note) or the store transaction failed */
        r.outcome = a->store_deleted ? NA_PUSH_DELETED : NA_PUSH_FAILED;
        snprintf(msg, sizeof msg, "%s%s%s", m->msg,
                 a->store_deleted ? "; removed from the store"
                 : a->note[0]     ? ""
                                  : "; but the store could not forget it (see the error)",
                 a->note);
    } else {
        r.outcome = m->updated ? NA_PUSH_UPDATED : NA_PUSH_SKIPPED;
        snprintf(msg, sizeof msg, "%s", m->msg);
    }
    if (d && (m->replies == 0 || m->failed)) {
        /* say what the revoking update did: users may be refused already */
        size_t k = strlen(msg);
        snprintf(msg + k, sizeof msg - k, " (not deleted; the update revoking its users: %s)",
                 u->replies ? (u->failed    ? u->msg
                               : u->updated ? "jwt updated"
                                            : u->msg)
                            : "no answer");
    }
    r.message = msg;
    if (sum) {
        switch (r.outcome) {
        case NA_PUSH_UPDATED: sum->updated++; break;
        case NA_PUSH_SKIPPED: sum->skipped++; break;
        case NA_PUSH_DELETED: sum->deleted++; break;
        default: sum->failed++; break;
        }
    }
    if (o && o->result)
        o->result(o->closure, &r);
}

na_status na_push(na_ctx *x, const char *url, const char *const *accounts, size_t n,
                  const na_push_opts *o, na_push_summary *sum, na_err *err)
{
    session s = {0};
    acct *a = NULL;
    size_t na = 0, ndel = 0, nreq = 0, nfail = 0, ntimeout = 0, first_bad = SIZE_MAX;
    req *reqs = NULL;
    const char **pubs = NULL;
    na_nkey *opkey = NULL;
    na_push_summary local = {0};
    int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : NA_PUSH_TIMEOUT_MS;
    int ctimeout =
        o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : NA_PUSH_CONNECT_TIMEOUT_MS;
    int linger = o && o->linger_ms ? o->linger_ms : NA_PUSH_LINGER_MS;
    char lost[160] = "";
    phase p = {0};
    na_status st;

    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if ((st = ctx_check(x, "push", err)) != NA_OK)
        return st;
    if (!url || !*url)
        url = NA_PUSH_URL_DEFAULT;
    if (n && !accounts)
        return na_fail(err, NA_EINVAL, "account list is NULL");
    if ((st = select_accounts(x, accounts, n, &a, &na, err)) != NA_OK)
        return st;
    sum->total = na;
    for (size_t i = 0; i < na; i++)
        ndel += a[i].e.deleted;
    if (ndel && (st = op_request_signer(x, &opkey, err)) != NA_OK) {
        na_err_prefix(err, "cannot sign the deletion of removed accounts");
        goto out;
    }
    nreq = na + ndel;
    if (na && (!(reqs = calloc(nreq, sizeof *reqs)) || !(pubs = calloc(na, sizeof *pubs)))) {
        st = oom(err);
        goto out;
    }
    /* phase 1: every account's JWT (removed ones revoke all their users) */
    for (size_t i = 0; i < na; i++) {
        pubs[i] = a[i].e.pub;
        a[i].upd = i;
        a[i].del = SIZE_MAX;
        reqs[i].acct = i;
        reqs[i].action = NA_PUSH_UPDATE;
        if (!(reqs[i].body = na_store_dupstr(a[i].e.jwt))) {
            st = oom(err);
            goto out;
        }
    }
    for (size_t i = 0, k = na; i < na; i++) {
        if (!a[i].e.deleted)
            continue;
        a[i].del = k;
        reqs[k].acct = i;
        reqs[k].action = NA_PUSH_DELETE;
        if ((st = delete_request(x, opkey, a[i].e.pub, &reqs[k].body, err)) != NA_OK)
            goto out;
        k++;
    }
    if (na == 0)
        goto out;
    if ((st = sess_open(&s, x, url, ctimeout, err)) != NA_OK)
        goto out;

    p.reqs = reqs;
    p.nreqs = nreq;
    p.lo = 0;
    p.hi = na;
    p.progress_total = nreq;
    if ((st = phase_send(&s, &p, pubs, err)) != NA_OK)
        goto out;
    if (phase_collect(&s, &p, timeout_ms, linger, o, lost, sizeof lost) == NA_OK && ndel) {
        /* phase 2: delete removed accounts, after their updates were answered */
        p.lo = na;
        p.hi = nreq;
        p.progress_base = p.answered;
        p.answered = 0;
        if ((st = phase_send(&s, &p, pubs, err)) != NA_OK)
            goto out;
        phase_collect(&s, &p, timeout_ms, linger, o, lost, sizeof lost);
    }
    if (!lost[0])
        last_error(&s, lost, sizeof lost); /* e.g. a permissions violation */
    sess_close(&s);

    for (size_t i = 0; i < na; i++)
        if (a[i].del != SIZE_MAX && reqs[a[i].del].replies && !reqs[a[i].del].failed)
            a[i].confirmed = true;
    if ((st = forget_deleted(x, a, na, err)) != NA_OK)
        na_err_prefix(err, "removed accounts were deleted on the server but not from the store");

    for (size_t i = 0; i < na; i++) {
        const req *u = &reqs[a[i].upd], *d = a[i].del != SIZE_MAX ? &reqs[a[i].del] : NULL;
        size_t before = sum->failed;
        report(&a[i], u, d, timeout_ms, lost, o, sum);
        if (sum->failed > before) {
            const req *m = d ? d : u;
            if (first_bad == SIZE_MAX)
                first_bad = i;
            if (m->replies == 0 && !lost[0])
                ntimeout++;
            else
                nfail++;
        }
    }
    if (st == NA_OK && first_bad != SIZE_MAX) {
        const req *m =
            a[first_bad].del != SIZE_MAX ? &reqs[a[first_bad].del] : &reqs[a[first_bad].upd];
        st = na_fail(err, nfail ? NA_ENET : NA_ETIMEOUT,
                     "%zu of %zu accounts were not pushed to '%s' (first: '%s': %s)",
                     nfail + ntimeout, na, url, a[first_bad].e.name,
                     m->replies ? m->msg
                     : lost[0]  ? lost
                                : "no answer in time");
    }
out:
    sess_close(&s);
    for (size_t i = 0; reqs && i < nreq; i++)
        na_free(reqs[i].body);
    free(reqs);
    free(pubs);
    for (size_t i = 0; i < na; i++)
        na_entity_release(&a[i].e);
    free(a);
    na_nkey_destroy(opkey);
    return st;
}

/* ---- pull ---------------------------------------------------------------------------- */

typedef struct srv_jwt {
    char *pub; /* points into the owning buffer */
    char *jwt;
    bool matched;
} srv_jwt;

typedef struct pack {
    char **bufs; /* message copies, NUL-terminated; entries point into them */
    size_t nbufs, capbufs, bytes;
    srv_jwt *e;
    size_t n, cap;
} pack;

static void pack_free(pack *p)
{
    for (size_t i = 0; i < p->nbufs; i++)
        free(p->bufs[i]);
    free(p->bufs);
    free(p->e);
    memset(p, 0, sizeof *p);
}

/* One PACK message: lines "<pub>|<jwt>". */
static na_status pack_add(pack *p, const char *data, size_t len, na_err *err)
{
    char *b, *line, *save = NULL;
    if (p->bytes + len > PULL_MAX_BYTES)
        return na_fail(err, NA_ETOOBIG, "the server sent more than %u bytes of JWTs",
                       PULL_MAX_BYTES);
    if (p->nbufs == p->capbufs) {
        size_t nc = p->capbufs ? p->capbufs * 2 : 64;
        char **nb = realloc(p->bufs, nc * sizeof *nb);
        if (!nb)
            return oom(err);
        p->bufs = nb;
        p->capbufs = nc;
    }
    if (!(b = malloc(len + 1)))
        return oom(err);
    memcpy(b, data, len);
    b[len] = '\0';
    p->bufs[p->nbufs++] = b;
    p->bytes += len;
    for (line = strtok_r(b, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *bar = strchr(line, '|');
        if (!bar)
            continue;
        *bar = '\0';
        if (p->n == p->cap) {
            size_t nc = p->cap ? p->cap * 2 : 256;
            srv_jwt *ne;
            if (nc > PULL_MAX_ACCOUNTS)
                return na_fail(err, NA_ETOOBIG, "the server sent more than %u JWTs",
                               PULL_MAX_ACCOUNTS);
            if (!(ne = realloc(p->e, nc * sizeof *ne)))
                return oom(err);
            p->e = ne;
            p->cap = nc;
        }
        p->e[p->n].pub = line;
        p->e[p->n].jwt = bar + 1;
        p->e[p->n].matched = false;
        p->n++;
    }
    return NA_OK;
}

static int srv_by_pub(const void *a, const void *b)
{
    return strcmp(((const srv_jwt *)a)->pub, ((const srv_jwt *)b)->pub);
}

/* Everything the server holds: an empty PACK request (no hash), answered by
 * messages and an empty message at the end. */
static na_status fetch_pack(session *s, pack *p, int timeout_ms, na_err *err)
{
    char reply[160];
    int64_t deadline;
    natsStatus ns;
    snprintf(reply, sizeof reply, "%s.0", s->inbox);
    ns = na_nl.natsConnection_PublishRequest(s->nc, "$SYS.REQ.CLAIMS.PACK", reply, "", 0);
    if (ns != NATS_OK)
        return nats_fail(err, ns, "cannot publish to '$SYS.REQ.CLAIMS.PACK'");
    deadline = mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - mono_ms();
        natsMsg *m = NULL;
        na_status st;
        if (left <= 0)
            return na_fail(err, NA_ETIMEOUT,
                           "the server's JWTs did not all arrive within %d ms "
                           "($SYS.REQ.CLAIMS.PACK)",
                           timeout_ms);
        ns = sess_next(s, &m, left);
        if (ns == NATS_TIMEOUT)
            continue;
        if (ns != NATS_OK)
            return nats_fail(err, ns, "cannot read the server's JWTs");
        if (na_nl.natsMsg_IsNoResponders(m)) {
            na_nl.natsMsg_Destroy(m);
            return na_fail(err, NA_ENET,
                           "no server serves $SYS.REQ.CLAIMS.PACK: pull needs a server with the "
                           "full resolver (resolver { type: full })");
        }
        if (na_nl.natsMsg_GetDataLength(m) == 0) {
            na_nl.natsMsg_Destroy(m);
            return NA_OK;
        }
        st = pack_add(p, na_nl.natsMsg_GetData(m), (size_t)na_nl.natsMsg_GetDataLength(m), err);
        na_nl.natsMsg_Destroy(m);
        if (st != NA_OK)
            return st;
    }
}

typedef struct cmp {
    na_pull_state state;
    int64_t store_iat, server_iat;
    na_claims *server; /* decoded server claims when taken */
    const char *jwt;   /* the server's JWT (borrowed from the pack) */
    char msg[MSG_CAP];
} cmp;

static int64_t jwt_iat(const char *jwt)
{
    na_claims *c = NULL;
    int64_t iat = 0;
    if (jwt && na_jwt_decode(&c, jwt, strlen(jwt), NULL) == NA_OK)
        iat = na_claims_issued_at(c);
    na_claims_destroy(c);
    return iat;
}

/* Check a server JWT for a store account: an account JWT for this key,
 * signed by the store's operator, valid. Returns the claims or NULL. */
static na_claims *server_claims(const na_claims *op, const char *pub, const char *jwt, char *msg,
                                size_t cap)
{
    na_claims *c = NULL;
    na_issues *v = NULL;
    na_err e = {0};
    if (na_jwt_decode(&c, jwt, strlen(jwt), &e) != NA_OK) {
        snprintf(msg, cap, "%s", e.msg);
        return NULL;
    }
    if (na_claims_type_of(c) != NA_CLAIMS_ACCOUNT || strcmp(na_claims_subject(c), pub) != 0) {
        snprintf(msg, cap, "not an account JWT for %s", pub);
    } else if (na_chain_check_account(op, c, &e) != NA_OK) {
        snprintf(msg, cap, "%s", e.msg);
    } else if (na_claims_validate(c, 0, &v, &e) != NA_OK || na_issues_blocking(v, false)) {
        snprintf(msg, cap, "the server's JWT is not valid%s%.250s", e.msg[0] ? ": " : "", e.msg);
    } else {
        na_issues_destroy(v);
        return c;
    }
    na_issues_destroy(v);
    na_claims_destroy(c);
    return NULL;
}

/* Take the newer server JWTs, in one transaction, each row re-read and
 * taken only if its JWT is still the one compared. */
static na_status take_newer(na_ctx *x, na_entity *l, cmp *c, size_t n, na_err *err)
{
    na_status st;
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any = any || c[i].state == NA_PULL_TAKEN;
    if (!any)
        return NA_OK;
    if ((st = na_store_begin(x->store, "pull", err)) != NA_OK)
        return st;
    for (size_t i = 0; i < n && st == NA_OK; i++) {
        na_entity cur = {0};
        char *json = NULL, line[256];
        if (c[i].state != NA_PULL_TAKEN)
            continue;
        if ((st = na_store_account_get(x->store, l[i].pub, &cur, err)) != NA_OK)
            break;
        if (cur.deleted || !cur.jwt || strcmp(cur.jwt, l[i].jwt) != 0) {
            c[i].state = NA_PULL_NEWER;
            snprintf(c[i].msg, sizeof c[i].msg, "the store changed meanwhile; not taken");
            na_entity_release(&cur);
            continue;
        }
        if (!(json = na_claims_to_json(c[i].server, 0))) {
            na_entity_release(&cur);
            st = oom(err);
            break;
        }
        na_free(cur.claims_json);
        na_free(cur.jwt);
        na_free(cur.signer);
        cur.claims_json = json;
        cur.jwt = na_store_dupstr(c[i].jwt);
        cur.signer = na_store_dupstr(na_claims_issuer(c[i].server));
        cur.updated_at = x->now;
        if (!cur.jwt || !cur.signer)
            st = oom(err);
        if (st == NA_OK)
            st = na_store_account_put(x->store, &cur, err);
        snprintf(line, sizeof line, "account %s (%s) taken from the server (iat %lld, was %lld)",
                 cur.name, cur.pub, (long long)c[i].server_iat, (long long)c[i].store_iat);
        if (st == NA_OK)
            st = na_store_audit(x->store, x->now, line, err);
        na_entity_release(&cur);
    }
    if (st == NA_OK)
        st = na_store_commit(x->store, err);
    if (st != NA_OK)
        na_store_rollback(x->store);
    return st;
}

na_status na_pull(na_ctx *x, const char *url, const na_pull_opts *o, na_pull_summary *sum,
                  na_err *err)
{
    session s = {0};
    pack p = {0};
    na_entity *l = NULL, op = {0};
    na_claims *oc = NULL;
    cmp *c = NULL;
    size_t n = 0;
    na_pull_summary local = {0};
    int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : NA_PUSH_TIMEOUT_MS;
    int ctimeout =
        o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : NA_PUSH_CONNECT_TIMEOUT_MS;
    na_status st;

    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if ((st = ctx_check(x, "pull", err)) != NA_OK)
        return st;
    if (!url || !*url)
        url = NA_PUSH_URL_DEFAULT;
    if ((st = op_claims_load(x, &op, &oc, err)) != NA_OK)
        goto out;
    if ((st = sess_open(&s, x, url, ctimeout, err)) != NA_OK ||
        (st = fetch_pack(&s, &p, timeout_ms, err)) != NA_OK)
        goto out;
    sess_close(&s);
    sum->server_total = p.n;
    if (p.n)
        qsort(p.e, p.n, sizeof *p.e, srv_by_pub);
    if ((st = na_store_account_list(x->store, true, &l, &n, err)) != NA_OK)
        goto out;
    if (n && !(c = calloc(n, sizeof *c))) {
        st = oom(err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        srv_jwt key = {l[i].pub, NULL, false}, *hit;
        hit = p.n ? bsearch(&key, p.e, p.n, sizeof *p.e, srv_by_pub) : NULL;
        c[i].store_iat = jwt_iat(l[i].jwt);
        if (!hit) {
            c[i].state = l[i].deleted ? NA_PULL_SAME : NA_PULL_MISSING;
            continue;
        }
        hit->matched = true;
        c[i].jwt = hit->jwt;
        c[i].server_iat = jwt_iat(hit->jwt);
        if (l[i].deleted) {
            c[i].state = NA_PULL_REMOVED;
        } else if (l[i].jwt && strcmp(l[i].jwt, hit->jwt) == 0) {
            c[i].state = NA_PULL_SAME;
        } else if (!(c[i].server =
                         server_claims(oc, l[i].pub, hit->jwt, c[i].msg, sizeof c[i].msg))) {
            c[i].state = NA_PULL_INVALID;
            c[i].server_iat = 0;
        } else if (c[i].server_iat > c[i].store_iat) {
            c[i].state = o && o->dry_run ? NA_PULL_NEWER : NA_PULL_TAKEN;
        } else if (c[i].server_iat < c[i].store_iat) {
            c[i].state = NA_PULL_STALE;
        } else {
            c[i].state = NA_PULL_CONFLICT;
        }
    }
    if ((st = take_newer(x, l, c, n, err)) != NA_OK)
        goto out;

    for (size_t i = 0; i < n; i++) {
        na_pull_result r = {l[i].name,      l[i].pub,        c[i].state,
                            c[i].store_iat, c[i].server_iat, c[i].msg};
        if (l[i].deleted && c[i].state == NA_PULL_SAME)
            continue; /* removed and not on the server: nothing to say */
        sum->counts[c[i].state]++;
        if (o && o->result)
            o->result(o->closure, &r);
    }
    for (size_t i = 0; i < p.n; i++) {
        na_pull_result r = {"", p.e[i].pub, NA_PULL_UNKNOWN, 0, jwt_iat(p.e[i].jwt), ""};
        if (p.e[i].matched)
            continue;
        sum->counts[NA_PULL_UNKNOWN]++;
        if (o && o->result)
            o->result(o->closure, &r);
    }
out:
    sess_close(&s);
    for (size_t i = 0; c && i < n; i++)
        na_claims_destroy(c[i].server);
    free(c);
    na_entities_free(l, n);
    pack_free(&p);
    na_claims_destroy(oc);
    na_entity_release(&op);
    return st;
}

void na_push_shutdown(int timeout_ms)
{
    na_nl_shutdown(timeout_ms);
}
