/*
 * test_callout.c - the auth callout service (na_callout_*) against a real
 * nats-server 2.10, with libnats clients whose connects it decides.
 *
 * The handler decides on the client's connect token:
 *   TOK_GOOD     account APP, name alice, pub allow app.{{name}}.>, sub allow app.>
 *   TOK_WATCH    account APP, name watcher, the account's permissions (all)
 *   TOK_OTHER    account OTHER
 *   TOK_EXPIRED  like TOK_GOOD but expiring in the past (cannot be honoured)
 *   TOK_NOWHERE  an account the server does not know
 *   TOK_HANG     blocks until the test releases it
 *   TOK_SLOW     like TOK_WATCH after 200 ms
 *   anything else (no token too): denied
 *
 * Cases:
 *   config_mode_plain / config_mode_xkey  config-mode server (auth_callout
 *       issuer/auth_users/account, with and without xkey; with it, the
 *       service is given a URL list led by a dead address): who connects,
 *       where they land, what they may publish, exact counters, the stats
 *       subject, a log without secrets
 *   bad_requests  malformed and non-server-signed requests sent straight
 *       to a service instance get error answers
 *   operator_mode   operator JWTs (memory resolver), AUTH's authorization
 *       (auth_users, allowed_accounts, xkey), a bearer sentinel user of AUTH
 *       whose connect goes to the callout, the grant signed by APP's
 *       signing key (issuer_account): the good token lands in APP
 *   fault_server_restart  the server restarts (same port) under load: the
 *       service reconnects and later connects succeed
 *   fault_replica_killed  a second instance (this binary re-run with
 *       --replica) in the queue group is SIGKILLed under load: every later
 *       connect is answered by the survivor
 *   drain_on_stop   requests queued when na_callout_stop is called are
 *       still answered (allowed), not dropped
 *   fault_hung_handler    a handler that hangs: its client and the one
 *       queued behind it are refused by the watchdog's error answer (the
 *       server log carries our reason, not its own timeout), one more finds
 *       the queue (max_pending 1) full and is refused at once, and the late
 *       result is discarded
 *   tls_options  a server with `tls { verify: true }` and certificates made
 *       at test time with the openssl tool: a service whose tls_ca did not
 *       sign the server's certificate refuses to start (the error names
 *       the SSL failure), one with the right CA and a client certificate
 *       serves TLS clients, and the handler sees nats.client_tls
 *
 * No timing assertions: "answered by the watchdog" is shown by the reason
 * in the server's log and by a client connect timeout (3 s) shorter than
 * the server's auth timeout (4 s).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>
#include <sodium.h>

#include "natsauth/callout.h"
#include "natsauth/natsauth.h"
#include "natsclient.h"
#include "natsserver.h"
#include "testlib.h"

#define TOK_GOOD "tok-good-5b1e0c"
#define TOK_WATCH "tok-watch-77a2"
#define TOK_OTHER "tok-other-19fe"
#define TOK_EXPIRED "tok-expired-c3"
#define TOK_NOWHERE "tok-nowhere-4d"
#define TOK_HANG "tok-hang-0e91"
#define TOK_SLOW "tok-slow-3a77"
#define AUTH_PW "auth-pw-6c0d93e1"
#define STATS_SUBJECT "natsauth.callout.stats"
#define MSG_TIMEOUT_MS 3000
#define WAIT_MS 15000

static na_err g_err;

#define NA(expr)                                                                                   \
    do {                                                                                           \
        na_status na_st_ = (expr);                                                                 \
        CHECKF(na_st_ == NA_OK, "%s: %s (%s)", #expr, g_err.msg, na_status_str(na_st_));           \
        if (na_st_ != NA_OK)                                                                       \
            goto fail;                                                                             \
    } while (0)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- the handler ------------------------------------------------------------ */

typedef struct hctx {
    const char *app, *other, *nowhere; /* config mode: names; operator mode: keys */
    const na_nkey *app_signer;         /* operator mode: APP's signing key */
    const char *app_pub;               /* its issuer_account */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool release; /* TOK_HANG returns */
    int hanging;  /* handlers inside TOK_HANG */
    int returned; /* handlers that left TOK_HANG */
} hctx;

static void hctx_init(hctx *h, const char *app, const char *other, const char *nowhere)
{
    memset(h, 0, sizeof *h);
    h->app = app;
    h->other = other;
    h->nowhere = nowhere;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
}

static void hctx_release(hctx *h)
{
    pthread_mutex_lock(&h->mu);
    h->release = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

static void hctx_destroy(hctx *h)
{
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
}

static na_status grant_app(const hctx *h, const na_authreq *req, na_callout_grant *g,
                           const char *name, bool restricted, na_err *err)
{
    na_status st = NA_OK;
    snprintf(g->account, sizeof g->account, "%s", h->app);
    snprintf(g->name, sizeof g->name, "%s", name);
    if (h->app_signer) {
        g->signer = h->app_signer;
        snprintf(g->issuer_account, sizeof g->issuer_account, "%s", h->app_pub);
    }
    if (!restricted)
        return NA_OK;
    st = na_claims_create(&g->user, NA_CLAIMS_USER, req->user_nkey, err);
    if (st == NA_OK)
        st = na_claims_perm_add(g->user, NA_PERM_PUB, true, "app.{{name}}.>", err);
    if (st == NA_OK)
        st = na_claims_perm_add(g->user, NA_PERM_SUB, true, "app.>", err);
    return st;
}

static na_status test_handler(void *ud, const na_authreq *req, na_callout_grant *g, na_err *err)
{
    hctx *h = ud;
    const char *t = req->token;
    if (strcmp(t, TOK_GOOD) == 0)
        return grant_app(h, req, g, "alice", true, err);
    if (strcmp(t, TOK_WATCH) == 0)
        return grant_app(h, req, g, "watcher", false, err);
    if (strcmp(t, TOK_EXPIRED) == 0) {
        na_status st = grant_app(h, req, g, "alice", true, err);
        g->expires = (int64_t)time(NULL) - 60;
        return st;
    }
    if (strcmp(t, TOK_SLOW) == 0) {
        sleep_ms(200);
        return grant_app(h, req, g, "slow", false, err);
    }
    if (strcmp(t, TOK_OTHER) == 0 && h->other) {
        snprintf(g->account, sizeof g->account, "%s", h->other);
        snprintf(g->name, sizeof g->name, "outsider");
        return NA_OK;
    }
    if (strcmp(t, TOK_NOWHERE) == 0 && h->nowhere) {
        snprintf(g->account, sizeof g->account, "%s", h->nowhere);
        return NA_OK;
    }
    if (strcmp(t, TOK_HANG) == 0) {
        int64_t end = now_ms() + 30000; /* a test that forgets to release still ends */
        pthread_mutex_lock(&h->mu);
        h->hanging++;
        pthread_cond_broadcast(&h->cv);
        while (!h->release && now_ms() < end) {
            pthread_mutex_unlock(&h->mu);
            sleep_ms(10);
            pthread_mutex_lock(&h->mu);
        }
        h->hanging--;
        h->returned++;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        return grant_app(h, req, g, "late", false, err); /* must be discarded */
    }
    return na_fail(err, NA_EINVAL, "unknown token");
}

/* ---- the service's log -------------------------------------------------------- */

typedef struct logbuf {
    pthread_mutex_t mu;
    char *text;
    size_t len, cap;
} logbuf;

static void log_capture(void *ud, const char *line)
{
    logbuf *b = ud;
    size_t n = strlen(line);
    pthread_mutex_lock(&b->mu);
    if (b->len + n + 2 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n + 2;
        char *p = realloc(b->text, cap);
        if (!p) {
            pthread_mutex_unlock(&b->mu);
            return;
        }
        b->text = p;
        b->cap = cap;
    }
    memcpy(b->text + b->len, line, n);
    b->len += n;
    b->text[b->len++] = '\n';
    b->text[b->len] = '\0';
    pthread_mutex_unlock(&b->mu);
}

static bool log_has(logbuf *b, const char *needle)
{
    bool has;
    pthread_mutex_lock(&b->mu);
    has = b->text && strstr(b->text, needle) != NULL;
    pthread_mutex_unlock(&b->mu);
    return has;
}

/* ---- counters ------------------------------------------------------------------- */

/* Wait until the service counted at least n requests and every one of them
 * is decided (the client may learn the answer before the service counts it). */
static na_callout_counters wait_counted(const na_callout *svc, uint64_t n)
{
    na_callout_counters c;
    int64_t end = now_ms() + WAIT_MS;
    for (;;) {
        na_callout_counters_get(svc, &c);
        if ((c.requests >= n &&
             c.requests == c.allowed + c.denied + c.errors + c.timeouts + c.dropped) ||
            now_ms() >= end)
            return c;
        sleep_ms(10);
    }
}

static uint64_t latency_total(const na_callout_counters *c)
{
    uint64_t n = 0;
    for (int i = 0; i < NA_CALLOUT_LAT_BUCKETS; i++)
        n += c->latency[i];
    return n;
}

/* ---- clients --------------------------------------------------------------------- */

/* c must be tc_init'ed (to srv). */
static bool connect_token(tc_client *c, const char *token, const char *name)
{
    return tc_connect_auth(c, NULL, NULL, NULL, token, name) == NATS_OK;
}

/* The connect must be refused as an authorization violation. */
static void expect_refused(const ns_server *srv, const char *creds, const char *token,
                           const char *name)
{
    tc_client c;
    tc_init(&c, srv);
    tc_connect_auth(&c, creds, NULL, NULL, token, name);
    CHECKF(c.st != NATS_OK && tc_contains_ci(c.err, "Authorization Violation"),
           "%s: want an authorization violation, got %s", name,
           c.st == NATS_OK ? "a connection" : c.err);
    tc_close(&c);
}

/* Receive one message on sub and compare its payload. */
static bool next_is(natsSubscription *sub, const char *want)
{
    natsMsg *m = NULL;
    bool ok = natsSubscription_NextMsg(&m, sub, MSG_TIMEOUT_MS) == NATS_OK &&
              natsMsg_GetDataLength(m) == (int)strlen(want) &&
              memcmp(natsMsg_GetData(m), want, strlen(want)) == 0;
    natsMsg_Destroy(m);
    return ok;
}

/* Nothing is waiting on sub (call after a marker proved delivery is done). */
static bool nothing_on(natsSubscription *sub)
{
    natsMsg *m = NULL;
    natsStatus s = natsSubscription_NextMsg(&m, sub, 1);
    natsMsg_Destroy(m);
    return s == NATS_TIMEOUT;
}

/* ---- a config-mode environment ------------------------------------------------------ */

typedef struct env {
    ns_server srv;
    na_nkey *issuer, *xkey;
    hctx h;
    logbuf log;
    na_callout *svc;
    na_callout_opts o;
    int http_port; /* monitoring, when asked for */
    char urls[160];
    bool up;
} env;

/* Keys, handler context, log and temp dir (no server yet). */
static bool env_init(env *e, const char *prefix, bool with_xkey)
{
    memset(e, 0, sizeof *e);
    pthread_mutex_init(&e->log.mu, NULL);
    hctx_init(&e->h, "APP", "OTHER", "NOWHERE");
    NA(na_nkey_create(&e->issuer, NA_NKEY_ACCOUNT, &g_err));
    if (with_xkey)
        NA(na_nkey_create(&e->xkey, NA_NKEY_CURVE, &g_err));
    if (ns_init(&e->srv, prefix) != 0) {
        CHECKF(0, "no nats-server: integration tests need one (see above)");
        goto fail;
    }
    return true;
fail:
    return false;
}

/* The config-mode server (auth timeout 4 s; extra_conf, when not NULL, is
 * added to its config) and the service options that reach it (2 workers,
 * default deadline and queue). */
static bool env_server(env *e, bool monitor, const char *extra_conf)
{
    char conf[4096], xline[128] = "", http[64] = "";
    if (e->xkey)
        snprintf(xline, sizeof xline, "    xkey: %s\n", na_nkey_public(e->xkey));
    if (monitor) {
        e->http_port = ns_free_port();
        snprintf(http, sizeof http, "http: 127.0.0.1:%d\n", e->http_port);
    }
    snprintf(conf, sizeof conf,
             "%s"
             "%s"
             "accounts {\n"
             "  AUTH { users: [ { user: auth, password: \"%s\" } ] }\n"
             "  APP {}\n"
             "  OTHER {}\n"
             "  SYS {}\n"
             "}\n"
             "system_account: SYS\n"
             "authorization {\n"
             "  timeout: 4\n"
             "  auth_callout {\n"
             "    issuer: %s\n"
             "    auth_users: [ auth ]\n"
             "    account: AUTH\n"
             "%s"
             "  }\n"
             "}\n",
             http, extra_conf ? extra_conf : "", AUTH_PW, na_nkey_public(e->issuer), xline);
    if (ns_start(&e->srv, conf) != 0) {
        CHECKF(0, "nats-server did not start (log above)");
        return false;
    }
    e->o.url = e->srv.url;
    if (e->xkey) { /* and a URL list whose first server is not there */
        snprintf(e->urls, sizeof e->urls, "nats://127.0.0.1:%d,%s", ns_free_port(), e->srv.url);
        e->o.url = e->urls;
    }
    e->o.user = "auth";
    e->o.password = AUTH_PW;
    e->o.name = "natsauth-callout-test";
    e->o.workers = 2;
    e->o.stats_subject = STATS_SUBJECT;
    e->o.conf.issuer = e->issuer;
    e->o.conf.xkey = e->xkey;
    e->o.handler = test_handler;
    e->o.handler_ud = &e->h;
    e->o.logger = log_capture;
    e->o.logger_ud = &e->log;
    return true;
}

/* Server (config mode, auth timeout 4 s) and service (2 workers unless
 * workers says otherwise; deadline_ms 0 = default). */
static bool env_start(env *e, const char *prefix, bool with_xkey, bool monitor, int workers,
                      int deadline_ms, int max_pending)
{
    if (!env_init(e, prefix, with_xkey) || !env_server(e, monitor, NULL))
        return false;
    if (workers)
        e->o.workers = workers;
    e->o.deadline_ms = deadline_ms;
    e->o.max_pending = max_pending;
    NA(na_callout_start(&e->svc, &e->o, &g_err));
    e->up = true;
    return true;
fail:
    return false;
}

static void env_stop(env *e)
{
    hctx_release(&e->h);
    na_callout_stop(e->svc, 2000);
    e->svc = NULL;
    if (tl_case_failed && e->srv.pid > 0)
        ns_print_log(&e->srv);
    ns_cleanup(&e->srv);
    na_nkey_destroy(e->issuer);
    na_nkey_destroy(e->xkey);
    hctx_destroy(&e->h);
    free(e->log.text);
    pthread_mutex_destroy(&e->log.mu);
}

/* na_callout_stats_fetch, connecting as the service does, gets the
 * counters na_callout_counters_get reads in process (nothing happens in
 * between); an unset subject and one nobody answers are errors naming it. */
static void stats_fetch_matches(env *e)
{
    na_callout_opts o = e->o;
    na_callout_counters c;
    char *js = NULL;
    json_t *j = NULL, *counts;
    na_err err = {0};
    CHECKF(na_callout_stats_fetch(&js, &e->o, 3000, &err) == NA_OK, "stats fetch: %s", err.msg);
    na_callout_counters_get(e->svc, &c);
    if (!js || !(j = json_loads(js, 0, NULL))) {
        CHECKF(0, "stats fetch: no JSON: %s", js ? js : err.msg);
        goto out;
    }
    CHECKF(json_integer_value(json_object_get(j, "requests")) == (json_int_t)c.requests &&
               json_integer_value(json_object_get(j, "allowed")) == (json_int_t)c.allowed &&
               json_integer_value(json_object_get(j, "denied")) == (json_int_t)c.denied &&
               json_integer_value(json_object_get(j, "errors")) == (json_int_t)c.errors &&
               json_integer_value(json_object_get(j, "timeouts")) == (json_int_t)c.timeouts &&
               json_integer_value(json_object_get(j, "dropped")) == (json_int_t)c.dropped &&
               json_integer_value(json_object_get(j, "reconnects")) == (json_int_t)c.reconnects &&
               json_is_true(json_object_get(j, "connected")) == c.connected,
           "fetched %s, in process requests %llu allowed %llu denied %llu", js,
           (unsigned long long)c.requests, (unsigned long long)c.allowed,
           (unsigned long long)c.denied);
    counts = json_object_get(json_object_get(j, "latency"), "counts");
    CHECK(json_array_size(counts) == NA_CALLOUT_LAT_BUCKETS);
    for (size_t i = 0; i < json_array_size(counts); i++)
        CHECKF(json_integer_value(json_array_get(counts, i)) == (json_int_t)c.latency[i],
               "latency bucket %zu: fetched %s", i, js);

    na_free(js);
    js = NULL;
    o.stats_subject = NULL;
    CHECK(na_callout_stats_fetch(&js, &o, 1000, &err) == NA_EINVAL && js == NULL);
    CHECKF(strstr(err.msg, "stats_subject") != NULL, "unset subject: '%s'", err.msg);
    o.stats_subject = "natsauth.callout.nobody";
    CHECK(na_callout_stats_fetch(&js, &o, 1000, &err) != NA_OK && js == NULL);
    CHECKF(strstr(err.msg, "natsauth.callout.nobody") != NULL, "no responder: '%s'", err.msg);
out:
    json_decref(j);
    na_free(js);
}

/* ---- 1. config mode ----------------------------------------------------------------- */

/* Who gets in, where they land and what they may do; exact counters. */
static void config_mode(bool with_xkey)
{
    env e = {.up = false};
    tc_client alice, watcher, outsider, auth;
    natsSubscription *w_app = NULL, *w_other = NULL, *o_app = NULL;
    natsMsg *m = NULL;
    na_callout_counters c;
    tc_init(&alice, &e.srv);
    tc_init(&watcher, &e.srv);
    tc_init(&outsider, &e.srv);
    tc_init(&auth, &e.srv);
    if (!env_start(&e, with_xkey ? "natsauth-callout-x" : "natsauth-callout", with_xkey, false, 0,
                   0, 0))
        goto fail;

    CHECKF(connect_token(&alice, TOK_GOOD, "alice"), "alice: %s", alice.err);
    CHECKF(connect_token(&watcher, TOK_WATCH, "watcher"), "watcher: %s", watcher.err);
    CHECKF(connect_token(&outsider, TOK_OTHER, "outsider"), "outsider: %s", outsider.err);
    if (!alice.nc || !watcher.nc || !outsider.nc)
        goto fail;

    /* alice publishes within her permissions, outside them, then a marker */
    CHECK(natsConnection_SubscribeSync(&w_app, watcher.nc, "app.alice.x") == NATS_OK);
    CHECK(natsConnection_SubscribeSync(&w_other, watcher.nc, "other.x") == NATS_OK);
    CHECK(natsConnection_SubscribeSync(&o_app, outsider.nc, "app.alice.x") == NATS_OK);
    CHECK(natsConnection_Flush(watcher.nc) == NATS_OK);
    CHECK(natsConnection_Flush(outsider.nc) == NATS_OK);
    if (!w_app || !w_other || !o_app)
        goto fail;
    CHECK(natsConnection_PublishString(alice.nc, "app.alice.x", "m1") == NATS_OK);
    CHECK(natsConnection_PublishString(alice.nc, "other.x", "m2") == NATS_OK);
    CHECK(natsConnection_PublishString(alice.nc, "app.alice.x", "m3") == NATS_OK);
    natsConnection_Flush(alice.nc);
    CHECKF(next_is(w_app, "m1"), "the APP subscriber did not get alice's app.alice.x");
    CHECKF(next_is(w_app, "m3"), "the APP subscriber did not get alice's marker");
    CHECKF(nothing_on(w_other), "alice's publish to other.x was delivered");
    CHECK(natsConnection_Flush(outsider.nc) == NATS_OK);
    CHECKF(nothing_on(o_app), "a subscriber in OTHER got a message published in APP");
    CHECKF(tc_wait_async_errs(&alice, 1) &&
               tc_contains_ci(alice.async_text, "Permissions Violation"),
           "alice's publish to other.x was not refused: '%s'", alice.async_text);

    expect_refused(&e.srv, NULL, "tok-bad", "bad token");
    expect_refused(&e.srv, NULL, NULL, "no token");
    expect_refused(&e.srv, NULL, TOK_EXPIRED, "expired grant");
    expect_refused(&e.srv, NULL, TOK_NOWHERE, "unknown account");

    /* 7 connects: good, watch, other, nowhere allowed (the server refuses
     * the last); bad, none and expired (not honoured) denied */
    c = wait_counted(e.svc, 7);
    CHECKF(c.requests == 7 && c.allowed == 4 && c.denied == 3 && c.errors == 0 && c.timeouts == 0 &&
               c.dropped == 0,
           "requests %llu allowed %llu denied %llu errors %llu timeouts %llu dropped %llu",
           (unsigned long long)c.requests, (unsigned long long)c.allowed,
           (unsigned long long)c.denied, (unsigned long long)c.errors,
           (unsigned long long)c.timeouts, (unsigned long long)c.dropped);
    CHECK(latency_total(&c) == 7);
    CHECK(c.connected);

    /* the stats subject answers with the same counters */
    CHECKF(tc_connect_auth(&auth, NULL, "auth", AUTH_PW, NULL, "auth") == NATS_OK, "auth: %s",
           auth.err);
    if (auth.nc &&
        natsConnection_RequestString(&m, auth.nc, STATS_SUBJECT, "", MSG_TIMEOUT_MS) == NATS_OK) {
        json_t *j = json_loadb(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), 0, NULL);
        CHECKF(j && json_integer_value(json_object_get(j, "requests")) == 7 &&
                   json_integer_value(json_object_get(j, "allowed")) == 4 &&
                   json_integer_value(json_object_get(j, "denied")) == 3,
               "stats: %.*s", natsMsg_GetDataLength(m), natsMsg_GetData(m));
        json_decref(j);
    } else {
        CHECKF(0, "no answer on %s", STATS_SUBJECT);
    }
    stats_fetch_matches(&e);

    /* one decision line per request, and no secret in the log */
    CHECK(log_has(&e.log, "\"event\":\"connected\""));
    CHECK(log_has(&e.log, "\"result\":\"allow\""));
    CHECK(log_has(&e.log, "\"result\":\"deny\""));
    CHECK(log_has(&e.log, "\"client_name\":\"alice\""));
    CHECKF(!log_has(&e.log, TOK_GOOD) && !log_has(&e.log, "tok-bad") && !log_has(&e.log, AUTH_PW),
           "the service log shows a token or password");
    if (tl_case_failed && e.log.text)
        fprintf(stderr, "service log:\n%s", e.log.text);
fail:
    natsMsg_Destroy(m);
    natsSubscription_Destroy(w_app);
    natsSubscription_Destroy(w_other);
    natsSubscription_Destroy(o_app);
    tc_close(&alice);
    tc_close(&watcher);
    tc_close(&outsider);
    tc_close(&auth);
    env_stop(&e);
}

TEST(config_mode_plain)
{
    config_mode(false);
}

TEST(config_mode_xkey)
{
    config_mode(true);
}

/* base64url without padding (new, free). */
static char *b64url(const void *bin, size_t len)
{
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(n);
    if (out)
        sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* A JWT of claims c signed by any key (natsauth's encoder refuses to sign
 * a request with anything but a server key: forging one is the point). */
static char *forge_jwt(na_claims *c, const na_nkey *signer)
{
    static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}";
    char *payload = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL, *msg = NULL, *jwt = NULL;
    uint8_t sig[NA_NKEY_SIG_LEN];
    size_t n;
    NA(na_claims_set_str(c, "iss", na_nkey_public(signer), &g_err));
    NA(na_claims_set_int(c, "iat", (int64_t)time(NULL), &g_err));
    NA(na_claims_set_str(c, "jti", "FORGEDREQUEST", &g_err));
    if (!(payload = na_claims_to_json(c, 0)) || !(h64 = b64url(header, strlen(header))) ||
        !(p64 = b64url(payload, strlen(payload))))
        goto fail;
    n = strlen(h64) + strlen(p64) + 2;
    if (!(msg = malloc(n)))
        goto fail;
    snprintf(msg, n, "%s.%s", h64, p64);
    NA(na_nkey_sign(signer, sig, msg, strlen(msg), &g_err));
    if (!(s64 = b64url(sig, sizeof sig)))
        goto fail;
    n = strlen(msg) + strlen(s64) + 2;
    if ((jwt = malloc(n)) != NULL)
        snprintf(jwt, n, "%s.%s", msg, s64);
fail:
    na_free(payload);
    free(h64);
    free(p64);
    free(s64);
    free(msg);
    return jwt;
}

#define DIRECT_SUBJECT "natsauth.callout.direct"

/* Send payload straight to a service instance; the answer must be an
 * authorization response JWT with nats.error set. */
static void expect_error_answer(natsConnection *nc, const char *what, const void *payload,
                                size_t len)
{
    natsMsg *m = NULL;
    na_claims *resp = NULL;
    const char *error = NULL;
    natsStatus s =
        natsConnection_Request(&m, nc, DIRECT_SUBJECT, payload, (int)len, MSG_TIMEOUT_MS);
    CHECKF(s == NATS_OK, "%s: no answer: %s", what, natsStatus_GetText(s));
    if (s != NATS_OK)
        return;
    CHECKF(na_jwt_decode(&resp, natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), &g_err) ==
               NA_OK,
           "%s: the answer is no JWT: %s", what, g_err.msg);
    if (resp) {
        CHECK(na_claims_type_of(resp) == NA_CLAIMS_AUTH_RESPONSE);
        CHECKF(na_claims_get_str(resp, "nats.error", &error) && error && *error,
               "%s: the answer has no nats.error", what);
    }
    na_claims_destroy(resp);
    natsMsg_Destroy(m);
}

/* The server lets no client publish on $SYS.REQ.USER.AUTH, so a second
 * instance (same keys) listens on DIRECT_SUBJECT, where the auth user
 * sends garbage and a request signed by an account key instead of a server
 * key: both get error answers, none reaches the handler. */
TEST(bad_requests)
{
    env e = {.up = false};
    tc_client auth;
    na_nkey *rogue = NULL, *unk = NULL;
    na_claims *req = NULL;
    char *forged = NULL;
    na_callout *direct = NULL;
    na_callout_opts o;
    na_callout_counters c;
    tc_init(&auth, &e.srv);
    if (!env_start(&e, "natsauth-callout-bad", false, false, 0, 0, 0))
        goto fail;
    o = e.o;
    o.subject = DIRECT_SUBJECT;
    o.stats_subject = NULL;
    NA(na_callout_start(&direct, &o, &g_err));
    CHECKF(tc_connect_auth(&auth, NULL, "auth", AUTH_PW, NULL, "auth") == NATS_OK, "auth: %s",
           auth.err);
    if (!auth.nc)
        goto fail;
    expect_error_answer(auth.nc, "garbage", "not a jwt \x01\xff", 12);
    expect_error_answer(auth.nc, "empty", "", 0);

    NA(na_nkey_create(&rogue, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&unk, NA_NKEY_USER, &g_err));
    NA(na_claims_create(&req, NA_CLAIMS_AUTH_REQUEST, na_nkey_public(e.issuer), &g_err));
    NA(na_claims_set_audience(req, NA_CALLOUT_AUDIENCE, &g_err));
    NA(na_claims_set_str(req, "nats.user_nkey", na_nkey_public(unk), &g_err));
    NA(na_claims_set_str(req, "nats.server_id.id", "NFORGEDSERVERID", &g_err));
    NA(na_claims_set_str(req, "nats.server_id.name", "forger", &g_err));
    NA(na_claims_set_str(req, "nats.connect_opts.auth_token", TOK_GOOD, &g_err));
    forged = forge_jwt(req, rogue);
    CHECK(forged != NULL);
    if (!forged)
        goto fail;
    expect_error_answer(auth.nc, "signed by an account key", forged, strlen(forged));

    c = wait_counted(direct, 3);
    CHECKF(c.requests == 3 && c.errors == 3 && c.allowed == 0 && c.denied == 0,
           "requests %llu errors %llu allowed %llu denied %llu", (unsigned long long)c.requests,
           (unsigned long long)c.errors, (unsigned long long)c.allowed,
           (unsigned long long)c.denied);
    CHECK(log_has(&e.log, "\"result\":\"error\""));
fail:
    na_callout_stop(direct, 1000);
    na_claims_destroy(req);
    free(forged);
    na_nkey_destroy(rogue);
    na_nkey_destroy(unk);
    tc_close(&auth);
    env_stop(&e);
}

/* ---- 2. operator mode ------------------------------------------------------------------ */

static char *encode(na_claims *c, const na_nkey *signer)
{
    char *jwt = NULL;
    NA(na_claims_encode(c, &jwt, signer, (int64_t)time(NULL), &g_err));
fail:
    return jwt;
}

/* creds text for a user of `account` signed by signer; bearer and deny-all
 * for the sentinel (a secret: na_free_secret). */
static char *user_creds(const na_nkey *signer, const char *issuer_account, bool sentinel,
                        na_nkey **key_out)
{
    na_nkey *u = NULL;
    na_claims *c = NULL;
    char *jwt = NULL, *creds = NULL, seed[NA_NKEY_SEED_LEN + 1];
    NA(na_nkey_create(&u, NA_NKEY_USER, &g_err));
    NA(na_claims_create(&c, NA_CLAIMS_USER, na_nkey_public(u), &g_err));
    if (issuer_account)
        NA(na_claims_set_str(c, "nats.issuer_account", issuer_account, &g_err));
    if (sentinel) {
        NA(na_claims_set_bool(c, "nats.bearer_token", true, &g_err));
        NA(na_claims_perm_add(c, NA_PERM_PUB, false, ">", &g_err));
        NA(na_claims_perm_add(c, NA_PERM_SUB, false, ">", &g_err));
    }
    if (!(jwt = encode(c, signer)))
        goto fail;
    NA(na_nkey_seed(u, seed, &g_err));
    NA(na_creds_format(&creds, jwt, seed, &g_err));
fail:
    na_wipe(seed, sizeof seed);
    na_claims_destroy(c);
    na_free(jwt);
    if (key_out)
        *key_out = u;
    else
        na_nkey_destroy(u);
    return creds;
}

TEST(operator_mode)
{
    ns_server srv = {0};
    na_nkey *op = NULL, *sys = NULL, *auth = NULL, *app = NULL, *app_sk = NULL, *xkey = NULL,
            *svc_user = NULL;
    na_claims *opc = NULL, *sysc = NULL, *authc = NULL, *appc = NULL;
    char *op_jwt = NULL, *sys_jwt = NULL, *auth_jwt = NULL, *app_jwt = NULL;
    char *svc_creds = NULL, *sentinel = NULL, *app_user = NULL, *conf = NULL;
    char oppath[NS_PATH_MAX], credspath[NS_PATH_MAX], authz[512];
    hctx h;
    logbuf log = {.text = NULL};
    na_callout *svc = NULL;
    na_callout_opts o = {0};
    na_callout_counters c;
    tc_client alice, direct;
    size_t n;

    pthread_mutex_init(&log.mu, NULL);
    tc_init(&alice, &srv);
    tc_init(&direct, &srv);
    NA(na_nkey_create(&op, NA_NKEY_OPERATOR, &g_err));
    NA(na_nkey_create(&sys, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&auth, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&app, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&app_sk, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&xkey, NA_NKEY_CURVE, &g_err));
    hctx_init(&h, na_nkey_public(app), NULL, NULL);
    h.app_signer = app_sk;
    h.app_pub = na_nkey_public(app);

    NA(na_claims_create(&opc, NA_CLAIMS_OPERATOR, na_nkey_public(op), &g_err));
    NA(na_claims_set_name(opc, "natsauth-callout-op", &g_err));
    NA(na_claims_set_str(opc, "nats.system_account", na_nkey_public(sys), &g_err));
    NA(na_claims_create(&sysc, NA_CLAIMS_ACCOUNT, na_nkey_public(sys), &g_err));
    NA(na_claims_set_name(sysc, "SYS", &g_err));
    NA(na_claims_create(&appc, NA_CLAIMS_ACCOUNT, na_nkey_public(app), &g_err));
    NA(na_claims_set_name(appc, "APP", &g_err));
    NA(na_claims_add_signing_key(appc, na_nkey_public(app_sk), &g_err));

    /* the service user: a user of AUTH, listed in auth_users, so it is not
     * itself sent to the callout */
    svc_creds = user_creds(auth, NULL, false, &svc_user);
    CHECK(svc_creds != NULL);
    if (!svc_creds)
        goto fail;
    NA(na_claims_create(&authc, NA_CLAIMS_ACCOUNT, na_nkey_public(auth), &g_err));
    NA(na_claims_set_name(authc, "AUTH", &g_err));
    snprintf(authz, sizeof authz,
             "{\"auth_users\":[\"%s\"],\"allowed_accounts\":[\"%s\"],\"xkey\":\"%s\"}",
             na_nkey_public(svc_user), na_nkey_public(app), na_nkey_public(xkey));
    NA(na_claims_set_json(authc, "nats.authorization", authz, &g_err));
    op_jwt = encode(opc, op);
    sys_jwt = encode(sysc, op);
    auth_jwt = encode(authc, op);
    app_jwt = encode(appc, op);
    sentinel = user_creds(auth, NULL, true, NULL);
    app_user = user_creds(app, NULL, false, NULL);
    if (!op_jwt || !sys_jwt || !auth_jwt || !app_jwt || !sentinel || !app_user) {
        CHECK(0);
        goto fail;
    }

    if (ns_init(&srv, "natsauth-callout-op") != 0) {
        CHECKF(0, "no nats-server: integration tests need one (see above)");
        goto fail;
    }
    if (ns_write_file(&srv, "operator.jwt", op_jwt, 0644, oppath, sizeof oppath) != 0 ||
        ns_write_file(&srv, "service.creds", svc_creds, 0600, credspath, sizeof credspath) != 0) {
        CHECK(0);
        goto fail;
    }
    n = strlen(sys_jwt) + strlen(auth_jwt) + strlen(app_jwt) + 4 * NS_PATH_MAX;
    if (!(conf = malloc(n))) {
        CHECK(0);
        goto fail;
    }
    snprintf(conf, n,
             "operator: \"%s\"\n"
             "resolver: MEMORY\n"
             "resolver_preload: {\n"
             "  %s: \"%s\"\n"
             "  %s: \"%s\"\n"
             "  %s: \"%s\"\n"
             "}\n",
             oppath, na_nkey_public(sys), sys_jwt, na_nkey_public(auth), auth_jwt,
             na_nkey_public(app), app_jwt);
    if (ns_start(&srv, conf) != 0) {
        CHECKF(0, "nats-server did not start (log above)");
        goto fail;
    }

    /* the service connects with a creds file (libnats signs the nonce) */
    o.url = srv.url;
    o.creds_file = credspath;
    o.workers = 2;
    o.conf.issuer = auth;
    o.conf.operator_mode = true;
    o.conf.xkey = xkey;
    o.handler = test_handler;
    o.handler_ud = &h;
    o.logger = log_capture;
    o.logger_ud = &log;
    NA(na_callout_start(&svc, &o, &g_err));

    /* the sentinel's connect goes to the callout: the good token lands in APP */
    CHECKF(tc_connect_auth(&alice, sentinel, NULL, NULL, TOK_GOOD, "alice") == NATS_OK,
           "alice (sentinel + good token): %s", alice.err);
    CHECKF(tc_connect(&direct, app_user, NULL, "app-user") == NATS_OK, "APP user: %s", direct.err);
    if (alice.nc && direct.nc) {
        char why[256];
        CHECKF(tc_round_trip(alice.nc, direct.nc, "app.alice.x", MSG_TIMEOUT_MS, why, sizeof why),
               "alice -> APP user: %s", why);
    }
    expect_refused(&srv, sentinel, "tok-bad", "sentinel + bad token");
    c = wait_counted(svc, 2);
    CHECKF(c.requests == 2 && c.allowed == 1 && c.denied == 1 && c.errors == 0,
           "requests %llu allowed %llu denied %llu errors %llu", (unsigned long long)c.requests,
           (unsigned long long)c.allowed, (unsigned long long)c.denied,
           (unsigned long long)c.errors);
    CHECKF(!log_has(&log, TOK_GOOD), "the service log shows a token");
fail:
    tc_close(&alice);
    tc_close(&direct);
    na_callout_stop(svc, 2000);
    if (tl_case_failed && srv.pid > 0)
        ns_print_log(&srv);
    ns_cleanup(&srv);
    hctx_destroy(&h);
    free(log.text);
    pthread_mutex_destroy(&log.mu);
    free(conf);
    na_free_secret(svc_creds);
    na_free_secret(sentinel);
    na_free_secret(app_user);
    na_free(op_jwt);
    na_free(sys_jwt);
    na_free(auth_jwt);
    na_free(app_jwt);
    na_claims_destroy(opc);
    na_claims_destroy(sysc);
    na_claims_destroy(authc);
    na_claims_destroy(appc);
    na_nkey_destroy(op);
    na_nkey_destroy(sys);
    na_nkey_destroy(auth);
    na_nkey_destroy(app);
    na_nkey_destroy(app_sk);
    na_nkey_destroy(xkey);
    na_nkey_destroy(svc_user);
}

/* ---- 3. faults ----------------------------------------------------------------------------- */

/* Clients connecting with the good token in a loop, until told to stop. */
typedef struct load {
    const ns_server *srv;
    pthread_t th;
    bool started;
    atomic_bool stop;
    atomic_int ok, failed;
} load;

static void *load_main(void *arg)
{
    load *l = arg;
    while (!atomic_load(&l->stop)) {
        tc_client c;
        tc_init(&c, l->srv);
        if (tc_connect_auth(&c, NULL, NULL, NULL, TOK_GOOD, "load") == NATS_OK) {
            atomic_fetch_add(&l->ok, 1);
        } else {
            atomic_fetch_add(&l->failed, 1);
            sleep_ms(20); /* the server may be down: do not spin */
        }
        tc_close(&c);
    }
    return NULL;
}

static bool load_start(load *l, const ns_server *srv)
{
    memset(l, 0, sizeof *l);
    l->srv = srv;
    atomic_init(&l->stop, false);
    atomic_init(&l->ok, 0);
    atomic_init(&l->failed, 0);
    l->started = pthread_create(&l->th, NULL, load_main, l) == 0;
    CHECK(l->started);
    return l->started;
}

static void load_stop(load *l)
{
    atomic_store(&l->stop, true);
    if (l->started)
        pthread_join(l->th, NULL);
    l->started = false;
}

/* Wait until the load made n more good connects than `from`. */
static bool load_wait_ok(load *l, int from, int n)
{
    int64_t end = now_ms() + WAIT_MS;
    while (atomic_load(&l->ok) < from + n && now_ms() < end)
        sleep_ms(10);
    return atomic_load(&l->ok) >= from + n;
}

/* n connects in a row with the good token: all must succeed. */
static void all_connect(const ns_server *srv, int n, const char *what)
{
    int ok = 0;
    char err[512] = "";
    for (int i = 0; i < n; i++) {
        tc_client c;
        tc_init(&c, srv);
        if (connect_token(&c, TOK_GOOD, "after"))
            ok++;
        else
            snprintf(err, sizeof err, "%s", c.err);
        tc_close(&c);
    }
    CHECKF(ok == n, "%s: %d of %d connects succeeded (last error: %s)", what, ok, n, err);
}

/* Start the server again on its port, with its config (ns_start would pick
 * a new port, and the service must find the server where it was). */
static bool respawn(ns_server *s)
{
    int logfd = open(s->log, O_WRONLY | O_APPEND | O_CLOEXEC);
    int64_t end = now_ms() + WAIT_MS;
    pid_t pid;
    if (logfd < 0)
        return false;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(logfd);
        return false;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(logfd, 1);
        dup2(logfd, 2);
        execl(s->bin, s->bin, "-c", s->conf, (char *)NULL);
        _exit(127);
    }
    close(logfd);
    s->pid = pid;
    while (now_ms() < end) {
        tc_client c;
        bool up;
        tc_init(&c, s);
        /* a connect the server answers (refused or not) means it is up */
        tc_connect_auth(&c, NULL, "auth", AUTH_PW, NULL, "probe");
        up = c.st == NATS_OK;
        tc_close(&c);
        if (up)
            return true;
        if (!ns_running(s))
            return false;
        sleep_ms(50);
    }
    return false;
}

TEST(fault_server_restart)
{
    env e = {.up = false};
    load l = {.started = false};
    na_callout_counters c;
    int64_t end;
    if (!env_start(&e, "natsauth-callout-restart", false, false, 0, 0, 0))
        goto fail;
    if (!load_start(&l, &e.srv))
        goto fail;
    CHECKF(load_wait_ok(&l, 0, 10), "no load before the restart (ok %d failed %d)",
           atomic_load(&l.ok), atomic_load(&l.failed));

    ns_stop(&e.srv);
    CHECKF(respawn(&e.srv), "the server did not come back on port %d", e.srv.port);
    end = now_ms() + WAIT_MS;
    do {
        na_callout_counters_get(e.svc, &c);
        if (c.reconnects >= 1 && c.connected)
            break;
        sleep_ms(20);
    } while (now_ms() < end);
    CHECKF(c.reconnects >= 1 && c.connected, "the service did not reconnect (reconnects %llu)",
           (unsigned long long)c.reconnects);
    CHECKF(load_wait_ok(&l, atomic_load(&l.ok), 10), "the load does not get in after the restart");
    load_stop(&l);
    all_connect(&e.srv, 5, "after the restart");
    CHECK(log_has(&e.log, "\"event\":\"disconnected\""));
    CHECK(log_has(&e.log, "\"event\":\"reconnected\""));
fail:
    load_stop(&l);
    env_stop(&e);
}

/* The body of GET path from the server's monitoring port (new, free). */
static char *http_get(int port, const char *path)
{
    struct sockaddr_in a;
    char req[256], *buf = NULL, *body = NULL;
    size_t len = 0, cap = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        write(fd, req, strlen(req)) != (ssize_t)strlen(req))
        goto out;
    for (;;) {
        ssize_t r;
        if (len + 4096 + 1 > cap) {
            char *p = realloc(buf, cap = cap * 2 + 8192);
            if (!p)
                goto out;
            buf = p;
        }
        r = read(fd, buf + len, cap - len - 1);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    if (buf) {
        char *p;
        buf[len] = '\0';
        if ((p = strstr(buf, "\r\n\r\n")) != NULL)
            body = strdup(p + 4);
    }
out:
    close(fd);
    free(buf);
    return body;
}

/* How many client connections named name the server has (-1: no answer). */
static int connections_named(int port, const char *name)
{
    char *body = http_get(port, "/connz?limit=4096");
    json_t *j = body ? json_loads(body, 0, NULL) : NULL, *conns, *c;
    size_t i;
    int n = -1;
    if (j && json_is_array(conns = json_object_get(j, "connections"))) {
        n = 0;
        json_array_foreach(conns, i, c)
        {
            const char *cn = json_string_value(json_object_get(c, "name"));
            n += cn && strcmp(cn, name) == 0;
        }
    }
    json_decref(j);
    free(body);
    return n;
}

/* The replica: this binary with --replica <url> <issuer seed file>, a
 * second service instance in the same queue group until it is killed. */
static int replica_main(const char *url, const char *seed_path)
{
    char *seed = tc_read_file(seed_path);
    na_nkey *issuer = NULL;
    na_callout *svc = NULL;
    na_callout_opts o = {0};
    na_err e = {0};
    hctx h;
    hctx_init(&h, "APP", "OTHER", "NOWHERE");
    if (!seed || na_nkey_from_seed(&issuer, seed, strlen(seed), &e) != NA_OK) {
        fprintf(stderr, "replica: no issuer seed: %s\n", e.msg);
        return 1;
    }
    na_free_secret(seed);
    o.url = url;
    o.user = "auth";
    o.password = AUTH_PW;
    o.name = "natsauth-replica";
    o.workers = 2;
    o.conf.issuer = issuer;
    o.handler = test_handler;
    o.handler_ud = &h;
    if (na_callout_start(&svc, &o, &e) != NA_OK) {
        fprintf(stderr, "replica: %s\n", e.msg);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause(); /* until SIGKILL */
}

static pid_t spawn_replica(env *e)
{
    char seed[NA_NKEY_SEED_LEN + 1], path[NS_PATH_MAX], buf[16] = "";
    int fds[2];
    pid_t pid;
    struct pollfd p;
    ssize_t r = 0;
    if (na_nkey_seed(e->issuer, seed, &g_err) != NA_OK ||
        ns_write_file(&e->srv, "issuer.nk", seed, 0600, path, sizeof path) != 0) {
        na_wipe(seed, sizeof seed);
        return -1;
    }
    na_wipe(seed, sizeof seed);
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/proc/self/exe", "test_callout", "--replica", e->srv.url, path, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    p.fd = fds[0];
    p.events = POLLIN;
    if (pid > 0 && poll(&p, 1, WAIT_MS) == 1)
        r = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    if (pid > 0 && (r <= 0 || strncmp(buf, "ready", 5) != 0)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

TEST(fault_replica_killed)
{
    env e = {.up = false};
    load l = {.started = false};
    na_callout_counters c;
    pid_t replica = -1;
    int64_t end;
    int n;
    if (!env_start(&e, "natsauth-callout-replica", false, true, 0, 0, 0))
        goto fail;
    replica = spawn_replica(&e);
    CHECKF(replica > 0, "the replica did not start");
    if (replica <= 0)
        goto fail;

    /* both instances answer: the queue group spreads 20 connects */
    all_connect(&e.srv, 20, "with two instances");
    c = wait_counted(e.svc, 0);
    CHECKF(c.requests < 20, "the replica answered none of 20 requests (this one took %llu)",
           (unsigned long long)c.requests);

    CHECKF(connections_named(e.http_port, "natsauth-replica") == 1,
           "the server's connz does not show the replica");
    if (!load_start(&l, &e.srv))
        goto fail;
    CHECK(load_wait_ok(&l, 0, 5));
    kill(replica, SIGKILL);
    waitpid(replica, NULL, 0);
    replica = -1;
    /* the server has dropped the replica (and its queue subscription) */
    end = now_ms() + WAIT_MS;
    while ((n = connections_named(e.http_port, "natsauth-replica")) != 0 && now_ms() < end)
        sleep_ms(20);
    CHECKF(n == 0, "the server did not drop the killed replica (%d)", n);
    CHECKF(load_wait_ok(&l, atomic_load(&l.ok), 10), "the load does not get in after the kill");
    load_stop(&l);
    all_connect(&e.srv, 20, "after the replica was killed");
fail:
    load_stop(&l);
    if (replica > 0) {
        kill(replica, SIGKILL);
        waitpid(replica, NULL, 0);
    }
    env_stop(&e);
}

/* A client connecting with `token` on its own thread. */
typedef struct bg_client {
    const ns_server *srv;
    const char *token;
    pthread_t th;
    bool started;
    natsStatus st;
    char err[512];
} bg_client;

static void *bg_main(void *arg)
{
    bg_client *b = arg;
    tc_client c;
    tc_init(&c, b->srv);
    b->st = tc_connect_auth(&c, NULL, NULL, NULL, b->token, "background");
    snprintf(b->err, sizeof b->err, "%s", c.err);
    tc_close(&c);
    return NULL;
}

static bool bg_start(bg_client *b, const ns_server *srv, const char *token)
{
    memset(b, 0, sizeof *b);
    b->srv = srv;
    b->token = token;
    b->st = NATS_ERR;
    b->started = pthread_create(&b->th, NULL, bg_main, b) == 0;
    CHECK(b->started);
    return b->started;
}

static void bg_join(bg_client *b)
{
    if (b->started)
        pthread_join(b->th, NULL);
    b->started = false;
}

/* Jobs waiting in the service's queue (from the counters JSON). */
static long long pending_of(const na_callout *svc)
{
    char *js = na_callout_counters_json(svc);
    json_t *j = js ? json_loads(js, 0, NULL) : NULL;
    long long n = j ? (long long)json_integer_value(json_object_get(j, "pending")) : -1;
    json_decref(j);
    na_free(js);
    return n;
}

TEST(drain_on_stop)
{
    enum { N = 4 };
    env e = {.up = false};
    bg_client sc[N];
    na_callout_counters c;
    int64_t end;
    memset(sc, 0, sizeof sc);
    /* one worker, 200 ms per request: when all N are received, most wait
     * in the queue; the deadline (3 s) leaves room for all of them */
    if (!env_start(&e, "natsauth-callout-drain", false, false, 1, 3000, 0))
        goto fail;
    for (int i = 0; i < N; i++)
        bg_start(&sc[i], &e.srv, TOK_SLOW);
    end = now_ms() + WAIT_MS;
    do
        na_callout_counters_get(e.svc, &c);
    while (c.requests < N && now_ms() < end && (sleep_ms(5), true));
    CHECKF(c.requests == N, "the service received %llu of %d requests",
           (unsigned long long)c.requests, N);
    CHECKF(c.allowed < N, "all requests were answered before the stop (%llu)",
           (unsigned long long)c.allowed);
    na_callout_stop(e.svc, 5000);
    e.svc = NULL;
    for (int i = 0; i < N; i++) {
        if (!sc[i].started)
            continue;
        bg_join(&sc[i]);
        CHECKF(sc[i].st == NATS_OK, "client %d, queued at the stop: %s", i, sc[i].err);
    }
fail:
    for (int i = 0; i < N; i++)
        bg_join(&sc[i]);
    env_stop(&e);
}

TEST(fault_hung_handler)
{
    env e = {.up = false};
    tc_client late;
    bg_client queued = {.started = false};
    na_callout_counters c;
    size_t mark;
    int64_t end;
    tc_init(&late, &e.srv);
    /* one worker, a 1.5 s deadline, one queue place; the server waits 4 s,
     * clients 3 s */
    if (!env_start(&e, "natsauth-callout-hang", false, false, 1, 1500, 1))
        goto fail;
    mark = ns_log_size(&e.srv);
    expect_refused(&e.srv, NULL, TOK_HANG, "hung");
    CHECKF(ns_wait_log_from(&e.srv, mark, "authorization timed out", WAIT_MS),
           "the server did not get the service's timeout answer");

    /* the only worker is still stuck: the next request waits in the queue
     * (its only place) until its deadline and the watchdog answers it; one
     * more meanwhile finds the queue full and is refused at once */
    pthread_mutex_lock(&e.h.mu);
    CHECK(e.h.hanging == 1);
    pthread_mutex_unlock(&e.h.mu);
    if (!bg_start(&queued, &e.srv, TOK_GOOD))
        goto fail;
    end = now_ms() + WAIT_MS;
    while (pending_of(e.svc) != 1 && now_ms() < end)
        sleep_ms(2);
    CHECK(pending_of(e.svc) == 1);
    mark = ns_log_size(&e.srv);
    expect_refused(&e.srv, NULL, TOK_GOOD, "full");
    CHECKF(ns_wait_log_from(&e.srv, mark, "authorization service overloaded", WAIT_MS),
           "the server did not get the service's overload answer");
    bg_join(&queued);
    CHECKF(queued.st != NATS_OK && tc_contains_ci(queued.err, "Authorization Violation"),
           "queued behind a hung handler: want an authorization violation, got %s",
           queued.st == NATS_OK ? "a connection" : queued.err);

    /* released, the late grant is discarded and the worker serves again */
    hctx_release(&e.h);
    end = now_ms() + WAIT_MS;
    pthread_mutex_lock(&e.h.mu);
    while (e.h.returned < 1 && now_ms() < end) {
        pthread_mutex_unlock(&e.h.mu);
        sleep_ms(10);
        pthread_mutex_lock(&e.h.mu);
    }
    pthread_mutex_unlock(&e.h.mu);
    CHECKF(connect_token(&late, TOK_GOOD, "later"), "after the release: %s", late.err);
    c = wait_counted(e.svc, 4);
    CHECKF(c.requests == 4 && c.timeouts == 2 && c.errors == 1 && c.allowed == 1 && c.denied == 0,
           "requests %llu timeouts %llu errors %llu allowed %llu denied %llu",
           (unsigned long long)c.requests, (unsigned long long)c.timeouts,
           (unsigned long long)c.errors, (unsigned long long)c.allowed,
           (unsigned long long)c.denied);
    CHECK(log_has(&e.log, "\"result\":\"timeout\""));
fail:
    bg_join(&queued);
    tc_close(&late);
    env_stop(&e);
}

/* ---- 9. TLS ------------------------------------------------------------------------- */

/* A throwaway PKI made at test time with the openssl command-line tool:
 * our CA signs the server's certificate (IP SAN 127.0.0.1) and one client
 * certificate; a second CA signs nothing we use. */
typedef struct tls_files {
    char ca[NS_PATH_MAX + 32], other_ca[NS_PATH_MAX + 32];
    char server_cert[NS_PATH_MAX + 32], server_key[NS_PATH_MAX + 32];
    char client_cert[NS_PATH_MAX + 32], client_key[NS_PATH_MAX + 32];
} tls_files;

/* Extensions for each kind of certificate; openssl reads no system config. */
#define TLS_OPENSSL_CNF                                                                            \
    "[req]\n"                                                                                      \
    "distinguished_name = dn\n"                                                                    \
    "prompt = no\n"                                                                                \
    "[dn]\n"                                                                                       \
    "CN = natsauth test\n"                                                                         \
    "[ca_ext]\n"                                                                                   \
    "basicConstraints = critical,CA:TRUE\n"                                                        \
    "keyUsage = critical,keyCertSign,cRLSign\n"                                                    \
    "subjectKeyIdentifier = hash\n"                                                                \
    "[server_ext]\n"                                                                               \
    "basicConstraints = critical,CA:FALSE\n"                                                       \
    "keyUsage = critical,digitalSignature\n"                                                       \
    "extendedKeyUsage = serverAuth\n"                                                              \
    "subjectAltName = IP:127.0.0.1\n"                                                              \
    "[client_ext]\n"                                                                               \
    "basicConstraints = critical,CA:FALSE\n"                                                       \
    "keyUsage = critical,digitalSignature\n"                                                       \
    "extendedKeyUsage = clientAuth\n"

/* The openssl binary on PATH (into bin); false if there is none. */
static bool openssl_find(char *bin, size_t cap)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", path && *path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(bin, cap, "%s/openssl", d);
        if (access(bin, X_OK) == 0)
            return true;
    }
    return false;
}

/* Run openssl with argv (argv[0] is replaced by bin) in dir, umask 077 so
 * every file it writes is 0600; its output goes to <dir>/openssl.log. */
static bool openssl_run(const char *bin, const char *dir, char *argv[])
{
    char log[NS_PATH_MAX + 16];
    int status = 0;
    pid_t pid;
    snprintf(log, sizeof log, "%s/openssl.log", dir);
    argv[0] = (char *)bin;
    pid = fork();
    if (pid == 0) {
        int fd, in;
        umask(077);
        fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        in = open("/dev/null", O_RDONLY);
        if (fd < 0 || in < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(in, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(bin, argv);
        _exit(127);
    }
    if (pid < 0)
        return false;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A self-signed CA: <name>.pem, <name>.key. */
static bool make_ca(const char *bin, const char *dir, const char *name, const char *cn)
{
    char key[64], pem[64], subj[96];
    snprintf(key, sizeof key, "%s.key", name);
    snprintf(pem, sizeof pem, "%s.pem", name);
    snprintf(subj, sizeof subj, "/CN=%s", cn);
    /* one option and its value per line */
    /* clang-format off */
    char *argv[] = {"openssl", "req", "-x509", "-nodes",
                    "-config", "tls.cnf",
                    "-extensions", "ca_ext",
                    "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-keyout", key,
                    "-out", pem,
                    "-days", "2",
                    "-subj", subj,
                    NULL};
    /* clang-format on */
    return openssl_run(bin, dir, argv);
}

/* A key and certificate <name>.key, <name>.pem signed by ca.pem with the
 * extensions of section ext. */
static bool make_leaf(const char *bin, const char *dir, const char *name, const char *cn,
                      const char *ext, const char *serial)
{
    char key[64], csr[64], pem[64], subj[96];
    snprintf(key, sizeof key, "%s.key", name);
    snprintf(csr, sizeof csr, "%s.csr", name);
    snprintf(pem, sizeof pem, "%s.pem", name);
    snprintf(subj, sizeof subj, "/CN=%s", cn);
    /* one option and its value per line */
    /* clang-format off */
    char *req[] = {"openssl", "req", "-new", "-nodes",
                   "-config", "tls.cnf",
                   "-newkey", "ec",
                   "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-keyout", key,
                   "-out", csr,
                   "-subj", subj,
                   NULL};
    char *sign[] = {"openssl", "x509", "-req",
                    "-in", csr,
                    "-CA", "ca.pem",
                    "-CAkey", "ca.key",
                    "-set_serial", (char *)serial,
                    "-days", "1",
                    "-extfile", "tls.cnf",
                    "-extensions", (char *)ext,
                    "-out", pem,
                    NULL};
    /* clang-format on */
    return openssl_run(bin, dir, req) && openssl_run(bin, dir, sign);
}

static bool make_pki(const char *dir, tls_files *f)
{
    char bin[NS_PATH_MAX + 16], log[NS_PATH_MAX + 16];
    char *text;
    if (!openssl_find(bin, sizeof bin)) {
        CHECKF(0, "no openssl on PATH: the TLS case makes its certificates with it");
        return false;
    }
    snprintf(f->ca, sizeof f->ca, "%s/ca.pem", dir);
    snprintf(f->other_ca, sizeof f->other_ca, "%s/other.pem", dir);
    snprintf(f->server_cert, sizeof f->server_cert, "%s/server.pem", dir);
    snprintf(f->server_key, sizeof f->server_key, "%s/server.key", dir);
    snprintf(f->client_cert, sizeof f->client_cert, "%s/client.pem", dir);
    snprintf(f->client_key, sizeof f->client_key, "%s/client.key", dir);
    if (make_ca(bin, dir, "ca", "natsauth test CA") &&
        make_ca(bin, dir, "other", "natsauth other CA") &&
        make_leaf(bin, dir, "server", "127.0.0.1", "server_ext", "2") &&
        make_leaf(bin, dir, "client", "natsauth-callout-client", "client_ext", "3"))
        return true;
    snprintf(log, sizeof log, "%s/openssl.log", dir);
    text = tc_read_file(log);
    CHECKF(0, "openssl could not make the test certificates:\n%s", text ? text : "(no log)");
    free(text);
    return false;
}

/* What the handler saw of the good client's TLS (nats.client_tls). */
typedef struct tls_seen {
    hctx *h;
    pthread_mutex_t mu;
    char version[64], cipher[128];
} tls_seen;

static na_status tls_handler(void *ud, const na_authreq *req, na_callout_grant *g, na_err *err)
{
    tls_seen *t = ud;
    if (strcmp(req->token, TOK_GOOD) == 0) {
        pthread_mutex_lock(&t->mu);
        snprintf(t->version, sizeof t->version, "%s", req->tls_version);
        snprintf(t->cipher, sizeof t->cipher, "%s", req->tls_cipher);
        pthread_mutex_unlock(&t->mu);
    }
    return test_handler(t->h, req, g, err);
}

/* One connect attempt over TLS trusting our CA, with the client
 * certificate when with_cert; why says what failed. */
static natsStatus tls_connect(natsConnection **nc, const ns_server *srv, const tls_files *f,
                              bool with_cert, const char *token, char *why, size_t cap)
{
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    *nc = NULL;
    if (s == NATS_OK)
        s = natsOptions_SetURL(o, srv->url);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, "tls-client");
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, TC_CONNECT_TIMEOUT_MS);
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(o, false);
    if (s == NATS_OK)
        s = natsOptions_SetSecure(o, true);
    if (s == NATS_OK)
        s = natsOptions_LoadCATrustedCertificates(o, f->ca);
    if (s == NATS_OK && with_cert)
        s = natsOptions_LoadCertificatesChain(o, f->client_cert, f->client_key);
    if (s == NATS_OK && token)
        s = natsOptions_SetToken(o, token);
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, o);
    if (s != NATS_OK) {
        snprintf(why, cap, "%s (%s)", natsStatus_GetText(s), nats_GetLastError(NULL));
        *nc = NULL;
    }
    natsOptions_Destroy(o);
    return s;
}

/* A server with `tls { verify: true }`: a service trusting another CA
 * refuses to start and says why; with our CA and a client certificate it
 * serves, and a TLS client with the good token gets in through it (the
 * handler sees the client's TLS version and cipher). */
TEST(tls_options)
{
    env e = {.up = false};
    tls_files f;
    tls_seen seen = {.h = NULL};
    char tls_conf[6 * NS_PATH_MAX], why[512] = "";
    natsConnection *good = NULL, *bad = NULL, *certless = NULL;
    na_callout *wrong = NULL;
    na_callout_opts o;
    na_callout_counters c;
    na_err err = {0};
    char *js = NULL;
    natsStatus ns;
    pthread_mutex_init(&seen.mu, NULL);
    if (!env_init(&e, "natsauth-callout-tls", false))
        goto fail;
    if (ns_write_file(&e.srv, "tls.cnf", TLS_OPENSSL_CNF, 0600, NULL, 0) != 0 ||
        !make_pki(e.srv.dir, &f))
        goto fail;
    snprintf(tls_conf, sizeof tls_conf,
             "tls {\n"
             "  cert_file: \"%s\"\n"
             "  key_file: \"%s\"\n"
             "  ca_file: \"%s\"\n"
             "  verify: true\n"
             "  timeout: 2\n"
             "}\n",
             f.server_cert, f.server_key, f.ca);
    if (!env_server(&e, false, tls_conf))
        goto fail;
    seen.h = &e.h;
    e.o.handler = tls_handler;
    e.o.handler_ud = &seen;
    e.o.tls_cert = f.client_cert;
    e.o.tls_key = f.client_key;

    /* a CA that did not sign the server's certificate: no start */
    o = e.o;
    o.tls_ca = f.other_ca;
    CHECK(na_callout_start(&wrong, &o, &err) != NA_OK && wrong == NULL);
    CHECKF(tc_contains_ci(err.msg, "ssl") || tc_contains_ci(err.msg, "tls") ||
               tc_contains_ci(err.msg, "certificate"),
           "the error does not name TLS or the certificate: '%s'", err.msg);

    e.o.tls_ca = f.ca;
    NA(na_callout_start(&e.svc, &e.o, &g_err));
    e.up = true;
    CHECKF(tls_connect(&good, &e.srv, &f, true, TOK_GOOD, why, sizeof why) == NATS_OK,
           "good token over TLS: %s", why);
    ns = tls_connect(&bad, &e.srv, &f, true, "tok-bad", why, sizeof why);
    CHECKF(ns != NATS_OK && tc_contains_ci(why, "Authorization Violation"),
           "bad token over TLS: want an authorization violation, got %s",
           ns == NATS_OK ? "a connection" : why);
    /* the server demands a client certificate: a client without one is
     * turned away before any authorization request (so the service, which
     * connected, presented tls_cert) */
    ns = tls_connect(&certless, &e.srv, &f, false, TOK_GOOD, why, sizeof why);
    CHECKF(ns != NATS_OK, "a TLS client without a certificate connected to a verify server");
    c = wait_counted(e.svc, 2);
    CHECKF(c.requests == 2 && c.allowed == 1 && c.denied == 1 && c.errors == 0,
           "requests %llu allowed %llu denied %llu errors %llu", (unsigned long long)c.requests,
           (unsigned long long)c.allowed, (unsigned long long)c.denied,
           (unsigned long long)c.errors);
    pthread_mutex_lock(&seen.mu);
    CHECKF(seen.version[0] && seen.cipher[0], "client_tls in the request: version '%s' cipher '%s'",
           seen.version, seen.cipher);
    pthread_mutex_unlock(&seen.mu);

    /* na_callout_stats_fetch connects with the same TLS files */
    CHECKF(na_callout_stats_fetch(&js, &e.o, 3000, &err) == NA_OK && js &&
               strstr(js, "\"allowed\":1") != NULL,
           "stats over TLS: %s", js ? js : err.msg);
    if (tl_case_failed && e.log.text)
        fprintf(stderr, "service log:\n%s", e.log.text);
fail:
    na_free(js);
    na_callout_stop(wrong, 0);
    natsConnection_Destroy(good);
    natsConnection_Destroy(bad);
    natsConnection_Destroy(certless);
    env_stop(&e);
    pthread_mutex_destroy(&seen.mu);
}

/* A case named on the command line runs alone (all of them otherwise). */
#define RUN_SELECTED(name)                                                                         \
    do {                                                                                           \
        if (!only || strcmp(only, #name) == 0)                                                     \
            RUN(name);                                                                             \
    } while (0)

int main(int argc, char **argv)
{
    int rc;
    const char *only = argc == 2 ? argv[1] : NULL;
    if (argc == 4 && strcmp(argv[1], "--replica") == 0)
        return replica_main(argv[2], argv[3]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    RUN_SELECTED(config_mode_plain);
    RUN_SELECTED(config_mode_xkey);
    RUN_SELECTED(bad_requests);
    RUN_SELECTED(operator_mode);
    RUN_SELECTED(drain_on_stop);
    RUN_SELECTED(fault_server_restart);
    RUN_SELECTED(fault_replica_killed);
    RUN_SELECTED(fault_hung_handler);
    RUN_SELECTED(tls_options);
    rc = DONE();
    nats_CloseAndWait(5000);
    return rc;
}
