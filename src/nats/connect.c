/*
 * connect.c - connect to a NATS server as the user of a .creds file and
 * check what it may publish and subscribe to (natsauth/client.h).
 *
 * Invariants:
 * - the seed stays in natsauth: libnats gets the user JWT and each nonce
 *   signature through its callbacks; the parsed seed is wiped when done;
 * - no asynchronous libnats callback is registered (no error, closed or
 *   message handler): the credentials callbacks run only inside
 *   natsConnection_Connect (reconnects are off), so nothing of ours is
 *   touched by libnats' threads after na_client_test returns;
 * - every wait is bounded: connect attempts by connect_timeout_ms (at most
 *   CONNECT_ATTEMPTS of them), each check by one flush of wait_ms;
 * - server text is untrusted: it is kept printable and bounded;
 * - natsStatus codes are converted here; nothing outside this file sees
 *   libnats.
 *
 * libnats is opened with dlopen on first use, like push.c does (and for the
 * same reason: loading it costs every natsauth process the libssl start-up).
 */
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "natsauth/client.h"
#include "natsauth/creds.h"
#include "natsauth/jwt.h"
#include "natsauth/nkey.h"

#define CONNECT_ATTEMPTS 4 /* see cb_sign */

/* ---- libnats, loaded on first use ----------------------------------------------------- */

#ifndef NATSAUTH_LIBNATS_SONAME
#define NATSAUTH_LIBNATS_SONAME "libnats.so"
#endif

#define CL_FUNCS(X)                                                                                \
    X(natsConnection_Close)                                                                        \
    X(natsConnection_Connect)                                                                      \
    X(natsConnection_Destroy)                                                                      \
    X(natsConnection_FlushTimeout)                                                                 \
    X(natsConnection_GetConnectedUrl)                                                              \
    X(natsConnection_GetLastError)                                                                 \
    X(natsConnection_IsClosed)                                                                     \
    X(natsConnection_Publish)                                                                      \
    X(natsConnection_SubscribeSync)                                                                \
    X(natsOptions_Create)                                                                          \
    X(natsOptions_Destroy)                                                                         \
    X(natsOptions_SetAllowReconnect)                                                               \
    X(natsOptions_SetName)                                                                         \
    X(natsOptions_SetTimeout)                                                                      \
    X(natsOptions_SetURL)                                                                          \
    X(natsOptions_SetUserCredentialsCallbacks)                                                     \
    X(natsStatus_GetText)                                                                          \
    X(natsSubscription_Destroy)                                                                    \
    X(natsSubscription_Unsubscribe)                                                                \
    X(nats_CloseAndWait)                                                                           \
    X(nats_GetLastError)

static struct {
#define CL_FIELD(f) __typeof__(&f) f;
    CL_FUNCS(CL_FIELD)
#undef CL_FIELD
} cl;
static bool cl_loaded;
static char cl_error[256];
static pthread_once_t cl_once = PTHREAD_ONCE_INIT;

static void cl_load_once(void)
{
    static const char *const names[] = {NATSAUTH_LIBNATS_SONAME, "libnats.so"};
    void *h = NULL;
    const char *missing = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(cl_error, sizeof cl_error,
                 "cannot load libnats (%s): %s; install it (Debian: libnats-dev)",
                 NATSAUTH_LIBNATS_SONAME, e ? e : "not found");
        return;
    }
    /* memcpy: ISO C has no object-to-function pointer conversion */
#define CL_SYM(f)                                                                                  \
    {                                                                                              \
        void *p = dlsym(h, #f);                                                                    \
        if (!p && !missing)                                                                        \
            missing = #f;                                                                          \
        memcpy(&cl.f, &p, sizeof p);                                                               \
    }
    CL_FUNCS(CL_SYM)
#undef CL_SYM
    if (missing) {
        snprintf(cl_error, sizeof cl_error, "the libnats found (%s) has no %s",
                 NATSAUTH_LIBNATS_SONAME, missing);
        return; /* the handle stays open: nothing to gain from closing it */
    }
    cl_loaded = true;
}

static na_status cl_load(na_err *err)
{
    pthread_once(&cl_once, cl_load_once);
    return cl_loaded ? NA_OK : na_fail(err, NA_ENOTFOUND, "%s", cl_error);
}

/* ---- helpers ------------------------------------------------------------------------- */

/* Server and libnats text is untrusted: printable, one line, bounded. */
static void clean_copy(char *out, size_t cap, const char *s)
{
    size_t j = 0;
    for (size_t i = 0; s && s[i] && j + 1 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[j++] = ch == '\n' ? ' ' : (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    out[j] = '\0';
}

/* libnats prefixes "(conn.c:2088): " to the thread's last error. */
static const char *strip_location(const char *t)
{
    if (t && t[0] == '(' && strstr(t, "): "))
        return strstr(t, "): ") + 3;
    return t ? t : "";
}

const char *na_client_op_name(na_client_op op)
{
    return op == NA_CLIENT_SUB ? "subscribe" : "publish";
}

bool na_client_subject_valid(na_client_op op, const char *subject, const char **why)
{
    const char *w = NULL;
    size_t n = subject ? strlen(subject) : 0, tok = 0;
    if (n == 0)
        w = "the subject is empty";
    else if (n > NA_CLIENT_SUBJECT_MAX)
        w = "the subject is longer than 1024 bytes";
    for (size_t i = 0; !w && i <= n; i++) {
        unsigned char ch = (unsigned char)subject[i];
        if (ch == '.' || ch == '\0') {
            size_t len = i - tok;
            const char *t = subject + tok;
            if (len == 0)
                w = "the subject has an empty token";
            else if (len == 1 && (t[0] == '*' || t[0] == '>') && op == NA_CLIENT_PUB)
                w = "a publish subject cannot have wildcards";
            else if (len == 1 && t[0] == '>' && ch != '\0')
                w = "'>' must be the last token";
            tok = i + 1;
        } else if (ch <= 0x20 || ch == 0x7f) {
            w = "the subject has whitespace or control characters";
        }
    }
    if (why)
        *why = w;
    return w == NULL;
}

/* ---- who we connect as ------------------------------------------------------------------ */

typedef struct ident {
    char *jwt;
    na_nkey *key;
    bool zero_sig; /* cb_sign refused a signature starting with 0x00 */
} ident;

static void ident_release(ident *id)
{
    na_free(id->jwt);
    na_nkey_destroy(id->key);
    memset(id, 0, sizeof *id);
}

/* The user JWT and key of the creds text; the seed must derive the JWT's
 * subject (else the server would only say "authorization violation"). */
static na_status ident_from_creds(ident *id, const char *text, size_t len, char *user, na_err *err)
{
    char *seed = NULL;
    na_claims *c = NULL;
    na_status st;
    memset(id, 0, sizeof *id);
    if (!text || len == 0) {
        st = na_fail(err, NA_ECREDS, "the creds are empty");
        goto out;
    }
    if ((st = na_creds_parse(&id->jwt, &seed, text, len, err)) != NA_OK)
        goto out;
    if (!strchr(id->jwt, '.')) {
        st = na_fail(err, NA_ECREDS,
                     "no user JWT found (a .creds file holds a user JWT and "
                     "its seed; 'natsauth creds' writes one)");
        goto out;
    }
    if ((st = na_jwt_decode(&c, id->jwt, strlen(id->jwt), err)) != NA_OK) {
        na_err_prefix(err, "the creds' JWT");
        goto out;
    }
    if (na_claims_type_of(c) != NA_CLAIMS_USER) {
        st = na_fail(err, NA_ECREDS, "the creds' JWT is not a user JWT");
        goto out;
    }
    snprintf(user, NA_NKEY_PUBLIC_LEN + 1, "%s", na_claims_subject(c));
    if ((st = na_nkey_from_seed(&id->key, seed, strlen(seed), err)) != NA_OK) {
        na_err_prefix(err, "the creds' seed");
        goto out;
    }
    if (strcmp(na_nkey_public(id->key), na_claims_subject(c)) != 0) {
        st = na_fail(err, NA_ECREDS, "the creds' seed is the key of %s, not of the JWT's user %s",
                     na_nkey_public(id->key), na_claims_subject(c));
        goto out;
    }
out:
    na_free_secret(seed);
    na_claims_destroy(c);
    if (st != NA_OK)
        ident_release(id);
    return st;
}

static natsStatus cb_jwt(char **user_jwt, char **custom_err, void *closure)
{
    ident *id = closure;
    (void)custom_err;
    *user_jwt = strdup(id->jwt);
    return *user_jwt ? NATS_OK : NATS_NO_MEMORY;
}

/* libnats < 3.8 (Debian's 3.4.1) base64-encodes the nonce signature only
 * when its first byte is non-zero (nats.c PR #705): with a 0x00 first byte
 * it sends a CONNECT without "sig" and the server refuses it, 1 connect in
 * 256. Such an attempt is failed here and retried (the server sends a new
 * nonce). */
static natsStatus cb_sign(char **custom_err, unsigned char **sig, int *sig_len, const char *nonce,
                          void *closure)
{
    ident *id = closure;
    na_err e = {0};
    *sig = malloc(NA_NKEY_SIG_LEN);
    if (!*sig)
        return NATS_NO_MEMORY;
    if (na_nkey_sign(id->key, *sig, nonce, strlen(nonce), &e) != NA_OK) {
        free(*sig);
        *sig = NULL;
        *custom_err = strdup(e.msg);
        return NATS_ERR;
    }
    *sig_len = NA_NKEY_SIG_LEN;
    if ((*sig)[0] == 0) {
        id->zero_sig = true;
        free(*sig);
        *sig = NULL;
        *custom_err = strdup("nonce signature starts with 0x00 (libnats < 3.8 would drop it)");
        return NATS_ERR;
    }
    return NATS_OK;
}

static natsStatus connect_once(natsConnection **nc, ident *id, const char *url, const char *name,
                               int timeout_ms)
{
    natsOptions *o = NULL;
    natsStatus ns = cl.natsOptions_Create(&o);
    id->zero_sig = false;
    if (ns == NATS_OK)
        ns = cl.natsOptions_SetURL(o, url);
    if (ns == NATS_OK)
        ns = cl.natsOptions_SetName(o, name);
    if (ns == NATS_OK)
        ns = cl.natsOptions_SetTimeout(o, timeout_ms);
    if (ns == NATS_OK)
        ns = cl.natsOptions_SetAllowReconnect(o, false);
    if (ns == NATS_OK)
        ns = cl.natsOptions_SetUserCredentialsCallbacks(o, cb_jwt, id, cb_sign, id);
    if (ns == NATS_OK)
        ns = cl.natsConnection_Connect(nc, o);
    cl.natsOptions_Destroy(o);
    return ns;
}

/* Why a connect failed, for people: the server's refusal lowercased
 * ("authorization violation"), else libnats' status text and detail. */
static void connect_reason(natsStatus ns, char *out, size_t cap, int timeout_ms)
{
    const char *last = strip_location(cl.nats_GetLastError(NULL));
    const char *text = cl.natsStatus_GetText(ns);
    char buf[NA_CLIENT_TEXT_MAX];
    if (ns == NATS_CONNECTION_AUTH_FAILED || ns == NATS_NOT_PERMITTED) {
        snprintf(buf, sizeof buf, "%s", *last ? last : "authorization violation");
        for (char *p = buf; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    } else if (ns == NATS_TIMEOUT) {
        snprintf(buf, sizeof buf, "no answer within %d ms", timeout_ms);
    } else if (*last && strcmp(last, text) != 0) {
        snprintf(buf, sizeof buf, "%s - %s", text, last);
    } else {
        snprintf(buf, sizeof buf, "%s", text);
    }
    buf[0] = (char)tolower((unsigned char)buf[0]); /* our messages are lowercase */
    clean_copy(out, cap, buf);
}

/* ---- the checks ------------------------------------------------------------------------- */

/* Is the connection's last error the violation for this check? The server
 * says (after libnats strips the quotes around it):
 *   Permissions Violation for Publish to "SUBJECT"
 *   Permissions Violation for Subscription to "SUBJECT"  */
static bool violation_for(const na_client_check *c, const char *last)
{
    char want[NA_CLIENT_SUBJECT_MAX + 64];
    int n = snprintf(want, sizeof want, "Permissions Violation for %s to \"%s\"",
                     c->op == NA_CLIENT_SUB ? "Subscription" : "Publish", c->subject);
    if (n < 0 || (size_t)n >= sizeof want)
        return false;
    return strncasecmp(last, want, (size_t)n) == 0 && (last[n] == '\0' || last[n] == ' ');
}

static void run_check(natsConnection *nc, na_client_check *c, int wait_ms)
{
    natsSubscription *sub = NULL;
    natsStatus ns;
    const char *last = NULL;
    c->answered = false;
    c->allowed = false;
    c->error[0] = '\0';
    if (c->op == NA_CLIENT_SUB)
        ns = cl.natsConnection_SubscribeSync(&sub, nc, c->subject);
    else
        ns = cl.natsConnection_Publish(nc, c->subject, NULL, 0);
    if (ns == NATS_OK)
        ns = cl.natsConnection_FlushTimeout(nc, wait_ms);
    if (ns == NATS_TIMEOUT) {
        snprintf(c->error, sizeof c->error, "no answer from the server within %d ms", wait_ms);
    } else if (ns != NATS_OK && ns != NATS_NOT_PERMITTED) {
        char buf[NA_CLIENT_TEXT_MAX];
        const char *detail = NULL;
        if (cl.natsConnection_GetLastError(nc, &detail) == NATS_OK || !detail)
            detail = "";
        snprintf(buf, sizeof buf, "%s%s%s", cl.natsStatus_GetText(ns), *detail ? ": " : "", detail);
        clean_copy(c->error, sizeof c->error, buf);
    } else {
        /* the server answered the PING: any -ERR for this operation came first */
        c->answered = true;
        if (cl.natsConnection_GetLastError(nc, &last) == NATS_NOT_PERMITTED && last &&
            violation_for(c, last)) {
            clean_copy(c->error, sizeof c->error, last);
        } else {
            c->allowed = true;
        }
    }
    if (sub) {
        cl.natsSubscription_Unsubscribe(sub);
        cl.natsSubscription_Destroy(sub);
    }
}

na_status na_client_test(const char *url, const char *creds, size_t len, na_client_check *checks,
                         size_t n, const na_client_opts *o, na_client_report *rep, na_err *err)
{
    ident id = {0};
    natsConnection *nc = NULL;
    natsStatus ns = NATS_OK;
    na_client_report local;
    int ctimeout =
        o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : NA_CLIENT_CONNECT_TIMEOUT_MS;
    int wait_ms = o && o->wait_ms > 0 ? o->wait_ms : NA_CLIENT_WAIT_MS;
    const char *name = o && o->name && *o->name ? o->name : "natsauth connect-test";
    na_status st;

    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if (!url || !*url)
        url = NA_CLIENT_URL_DEFAULT;
    clean_copy(rep->server, sizeof rep->server, url);
    if (wait_ms > NA_CLIENT_WAIT_MAX_MS)
        wait_ms = NA_CLIENT_WAIT_MAX_MS;
    if (n && !checks)
        return na_fail(err, NA_EINVAL, "the check list is NULL");
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        checks[i].answered = checks[i].allowed = false;
        snprintf(checks[i].error, sizeof checks[i].error, "not checked");
        if (!na_client_subject_valid(checks[i].op, checks[i].subject, &why))
            return na_fail(err, NA_EINVAL, "%s subject '%.200s': %s",
                           na_client_op_name(checks[i].op),
                           checks[i].subject ? checks[i].subject : "", why);
    }
    if ((st = ident_from_creds(&id, creds, len, rep->user, err)) != NA_OK) {
        clean_copy(rep->error, sizeof rep->error, err ? err->msg : "bad creds");
        return st;
    }
    if ((st = cl_load(err)) != NA_OK) {
        clean_copy(rep->error, sizeof rep->error, err ? err->msg : "cannot load libnats");
        goto out;
    }
    for (int attempt = 1; attempt <= CONNECT_ATTEMPTS; attempt++) {
        ns = connect_once(&nc, &id, url, name, ctimeout);
        if (ns == NATS_OK || !id.zero_sig)
            break;
    }
    if (ns != NATS_OK) {
        nc = NULL;
        connect_reason(ns, rep->error, sizeof rep->error, ctimeout);
        st = na_fail(err, ns == NATS_TIMEOUT ? NA_ETIMEOUT : NA_ENET,
                     "cannot connect to '%.200s' as %s: %s", rep->server, rep->user, rep->error);
        if (err)
            err->sub = (int)ns;
        goto out;
    }
    rep->connected = true;
    {
        char buf[NA_CLIENT_TEXT_MAX];
        if (cl.natsConnection_GetConnectedUrl(nc, buf, sizeof buf) == NATS_OK && buf[0])
            clean_copy(rep->server, sizeof rep->server, buf);
    }
    /* After an unanswered check a late PONG could be taken for the next
     * check's, answering it before its -ERR: the rest is not checked. */
    for (size_t i = 0, lost = 0; i < n; i++) {
        if (lost) {
            snprintf(checks[i].error, sizeof checks[i].error,
                     "not checked: an earlier check got no answer");
        } else if (cl.natsConnection_IsClosed(nc)) {
            snprintf(checks[i].error, sizeof checks[i].error,
                     "not checked: the server closed the connection");
        } else {
            run_check(nc, &checks[i], wait_ms);
            lost = !checks[i].answered;
        }
    }
out:
    if (nc) {
        cl.natsConnection_Close(nc);
        cl.natsConnection_Destroy(nc);
    }
    ident_release(&id);
    return st;
}

void na_client_shutdown(int timeout_ms)
{
    if (cl_loaded)
        cl.nats_CloseAndWait(timeout_ms > 0 ? timeout_ms : 1);
}
