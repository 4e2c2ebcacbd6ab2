/*
 * connect.c - connect to a NATS server as a user (a .creds file, a user
 * name and password, a token, or creds with a token or password) and check
 * what it may publish and subscribe to (natsauth/client.h).
 *
 * Invariants:
 * - the seed stays in natsauth: libnats gets the user JWT and each nonce
 *   signature through its callbacks; the parsed seed is wiped when done;
 * - the password and token go to libnats' options (for the CONNECT) and
 *   nowhere else: no message or report holds them;
 * - no asynchronous libnats callback is registered (no error, closed or
 *   message handler): the credentials callbacks run only inside
 *   natsConnection_Connect (reconnects are off), so nothing of ours is
 *   touched by libnats' threads after na_client_test returns;
 * - every wait is bounded: connect attempts by connect_timeout_ms (at most
 *   NA_NL_CONNECT_ATTEMPTS of them), each check by one flush of wait_ms;
 * - server text is untrusted: it is kept printable and bounded;
 * - natsStatus codes are converted here; nothing outside this file sees
 *   libnats.
 *
 * libnats is opened with dlopen on first use, and the connect (credentials
 * callbacks, user name, password and token, the retry of an attempt spoilt
 * by libnats < 3.8) is na_nl_connect's (libnats.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <nats/nats.h>

#include "natsauth/client.h"
#include "natsauth/creds.h"
#include "natsauth/jwt.h"
#include "natsauth/nkey.h"

#include "libnats.h"

/* ---- helpers ------------------------------------------------------------------------- */

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

/* The user JWT and key of the creds text; the seed must derive the JWT's
 * subject (else the server would only say "authorization violation"). */
static na_status ident_from_creds(na_nl_ident *id, const char *text, size_t len, char *user,
                                  na_err *err)
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
        na_nl_ident_release(id);
    return st;
}

/* ---- connecting ------------------------------------------------------------------------- */

/* rep->as: who we connect as, for messages (never a secret). */
static void describe_auth(na_client_report *rep)
{
    const char *u = rep->user, *l = rep->login;
    if (*u && *l)
        snprintf(rep->as, sizeof rep->as, "as %s (user %s)%s", u, l,
                 rep->token ? " with a token" : "");
    else if (*u || *l)
        snprintf(rep->as, sizeof rep->as, "as %s%s", *u ? u : l, rep->token ? " with a token" : "");
    else
        snprintf(rep->as, sizeof rep->as, "with a token");
}

/* Why a connect failed, for people: the server's refusal lowercased
 * ("authorization violation"), else libnats' status text and detail. */
static void connect_reason(natsStatus ns, char *out, size_t cap, int timeout_ms)
{
    const char *last = na_nl_last_error();
    const char *text = na_nl.natsStatus_GetText(ns);
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
    na_nl_clean_copy(out, cap, buf);
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
        ns = na_nl.natsConnection_SubscribeSync(&sub, nc, c->subject);
    else
        ns = na_nl.natsConnection_Publish(nc, c->subject, NULL, 0);
    if (ns == NATS_OK)
        ns = na_nl.natsConnection_FlushTimeout(nc, wait_ms);
    if (ns == NATS_TIMEOUT) {
        snprintf(c->error, sizeof c->error, "no answer from the server within %d ms", wait_ms);
    } else if (ns != NATS_OK && ns != NATS_NOT_PERMITTED) {
        char buf[NA_CLIENT_TEXT_MAX];
        const char *detail = NULL;
        if (na_nl.natsConnection_GetLastError(nc, &detail) == NATS_OK || !detail)
            detail = "";
        snprintf(buf, sizeof buf, "%s%s%s", na_nl.natsStatus_GetText(ns), *detail ? ": " : "",
                 detail);
        na_nl_clean_copy(c->error, sizeof c->error, buf);
    } else {
        /* the server answered the PING: any -ERR for this operation came first */
        c->answered = true;
        if (na_nl.natsConnection_GetLastError(nc, &last) == NATS_NOT_PERMITTED && last &&
            violation_for(c, last)) {
            na_nl_clean_copy(c->error, sizeof c->error, last);
        } else {
            c->allowed = true;
        }
    }
    if (sub) {
        na_nl.natsSubscription_Unsubscribe(sub);
        na_nl.natsSubscription_Destroy(sub);
    }
}

na_status na_client_test(const char *url, const char *creds, size_t len, na_client_check *checks,
                         size_t n, const na_client_opts *o, na_client_report *rep, na_err *err)
{
    na_nl_ident id = {0};    /* id.jwt NULL: no creds */
    na_nl_login login = {0}; /* borrowed from o */
    natsConnection *nc = NULL;
    natsStatus ns = NATS_OK;
    na_client_report local;
    int ctimeout =
        o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : NA_CLIENT_CONNECT_TIMEOUT_MS;
    int wait_ms = o && o->wait_ms > 0 ? o->wait_ms : NA_CLIENT_WAIT_MS;
    const char *name = o && o->name && *o->name ? o->name : "natsauth connect-test";
    na_err local_err = {0};
    na_status st = NA_OK;

    if (!rep)
        rep = &local;
    if (!err)
        err = &local_err; /* rep->error gets the message either way */
    memset(rep, 0, sizeof *rep);
    if (!url || !*url)
        url = NA_CLIENT_URL_DEFAULT;
    na_nl_clean_copy(rep->server, sizeof rep->server, url);
    if (wait_ms > NA_CLIENT_WAIT_MAX_MS)
        wait_ms = NA_CLIENT_WAIT_MAX_MS;
    if (n && !checks) {
        st = na_fail(err, NA_EINVAL, "the check list is NULL");
        na_nl_clean_copy(rep->error, sizeof rep->error, err->msg);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        checks[i].answered = checks[i].allowed = false;
        snprintf(checks[i].error, sizeof checks[i].error, "not checked");
        if (!na_client_subject_valid(checks[i].op, checks[i].subject, &why)) {
            st = na_fail(err, NA_EINVAL, "%s subject '%.200s': %s", na_client_op_name(checks[i].op),
                         checks[i].subject ? checks[i].subject : "", why);
            na_nl_clean_copy(rep->error, sizeof rep->error, err->msg);
            return st;
        }
    }
    if (!creds && !(o && (o->user || o->token)))
        st = na_fail(err, NA_EINVAL, "nothing to connect with: no creds, user or token");
    else if (o && o->password && !o->user)
        st = na_fail(err, NA_EINVAL, "a password needs a user name");
    else if (creds)
        st = ident_from_creds(&id, creds, len, rep->user, err);
    if (st != NA_OK) {
        na_nl_clean_copy(rep->error, sizeof rep->error, err->msg);
        return st;
    }
    if (o && o->user) {
        login.user = o->user;
        login.password = o->password;
        na_nl_clean_copy(rep->login, sizeof rep->login, o->user);
    }
    login.token = o ? o->token : NULL;
    rep->token = login.token != NULL;
    describe_auth(rep);
    if ((st = na_nl_load(err)) != NA_OK) {
        na_nl_clean_copy(rep->error, sizeof rep->error, err->msg);
        goto out;
    }
    ns = na_nl_connect(&nc, id.jwt ? &id : NULL, &login, url, name, ctimeout);
    if (ns != NATS_OK) {
        connect_reason(ns, rep->error, sizeof rep->error, ctimeout);
        st = na_fail(err, ns == NATS_TIMEOUT ? NA_ETIMEOUT : NA_ENET,
                     "cannot connect to '%.200s' %.300s: %s", rep->server, rep->as, rep->error);
        err->sub = (int)ns;
        goto out;
    }
    rep->connected = true;
    {
        char buf[NA_CLIENT_TEXT_MAX];
        if (na_nl.natsConnection_GetConnectedUrl(nc, buf, sizeof buf) == NATS_OK && buf[0])
            na_nl_clean_copy(rep->server, sizeof rep->server, buf);
    }
    /* After an unanswered check a late PONG could be taken for the next
     * check's, answering it before its -ERR: the rest is not checked. */
    for (size_t i = 0, lost = 0; i < n; i++) {
        if (lost) {
            snprintf(checks[i].error, sizeof checks[i].error,
                     "not checked: an earlier check got no answer");
        } else if (na_nl.natsConnection_IsClosed(nc)) {
            snprintf(checks[i].error, sizeof checks[i].error,
                     "not checked: the server closed the connection");
        } else {
            run_check(nc, &checks[i], wait_ms);
            lost = !checks[i].answered;
        }
    }
out:
    if (nc) {
        na_nl.natsConnection_Close(nc);
        na_nl.natsConnection_Destroy(nc);
    }
    na_nl_ident_release(&id);
    return st;
}

void na_client_shutdown(int timeout_ms)
{
    na_nl_shutdown(timeout_ms);
}
