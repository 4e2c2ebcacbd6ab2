/*
 * bench_callout.c - auth callout load driver (issue 4): natsauth's callout
 * service against a JS responder, through a real nats-server, and the
 * responder alone.
 *
 *   bench_callout [--quick] [--seconds S] [--rounds R] [--window W] [--no-js]
 *                 [--raw] [--workers N]
 *
 * Setup: two local nats-servers (config mode) with auth_callout { issuer
 * A…, auth_users [auth, bench], account AUTH }, target account APP; the
 * second one also has an xkey, so its requests come sealed. A third server
 * has no callout: with callout on, the server refuses every client's
 * publish to $SYS.REQ.USER.AUTH, so the responder-only mode runs there.
 * Responders run as separate processes, one at a time:
 *   natsauth       this program with --serve: na_callout_start with a
 *                  token-compare handler granting APP (pub app.>, sub
 *                  _INBOX.> and app.>), default workers;
 *   js (node)      bench/js/responder.mjs: the official NATS JS client and
 *                  node's native ed25519 (install with bench/js/install.sh;
 *                  without it the JS rows are skipped; no xkey: node has
 *                  no NaCl box);
 *   natsauth+xkey  the natsauth responder against the xkey server.
 *
 * Each round starts every responder in turn (A, B, C, A, B, C…: the machine
 * is shared and noisy, so medians over rounds are reported) and measures:
 *   end to end     C threads connect with libnats (token), then close, at
 *                  concurrency 1 and 50 for S seconds each: authorized
 *                  connects/s, p50/p99 connect latency, responder CPU per
 *                  authorization, server and driver CPU per connection
 *                  (utime + stime from /proc/<pid>/stat, before/after,
 *                  divided by the connect attempts in the window). libnats
 *                  costs the driver ~250-300 us per connect (two threads per
 *                  connection) on the same two cores; --raw connects with
 *                  the bare protocol instead (INFO, CONNECT + PING, PONG or
 *                  -ERR: ~60 us), so more CPU is left to server and responder;
 *   responder only pre-signed authorization requests from a fake server key
 *                  N… (sealed with a fake server xkey for natsauth+xkey)
 *                  published straight to $SYS.REQ.USER.AUTH by a client with
 *                  W requests outstanding: decisions/s, responder CPU per
 *                  decision and so decisions/s per core (one answer of each
 *                  kind is decoded and checked before timing).
 * Then PASS/MISS lines against the targets: responder CPU <= 120 µs
 * per authorization; connects/s at c=50 >= 1.15 x the JS responder with a
 * p99 no worse (per-round ratios, median); >= 10,000 decisions/s per core.
 *
 * Defaults: S = 3, R = 3, W = 256; --quick: S = 1, R = 1; --workers sets
 * the natsauth service's worker threads (default: its own, online cores).
 * The nats-server binary: $NATS_SERVER_BIN, else the one
 * scripts/fetch-nats-server.sh leaves in <repo>/.cache. Exit status: 0 (also
 * when a target is missed: this is a measurement), 2 on a usage error, 1
 * when the setup or a responder fails.
 *
 * Keys, the token and passwords are made fresh per run, written only to
 * 0600 files in the servers' temp dirs, and never printed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <nats/nats.h>
#include <sodium.h>

#include "natsauth/callout.h"
#include "natsauth/natsauth.h"
#include "natsserver.h"

#ifndef NATSAUTH_SOURCE_DIR
#define NATSAUTH_SOURCE_DIR "."
#endif

#define TARGET_CPU_US 120.0
#define TARGET_RATIO_C50 1.15
#define TARGET_PER_CORE 10000.0
#define TARGET_ACCOUNT "APP"
#define CONNECT_TIMEOUT_MS 5000
#define READY_TIMEOUT_MS 20000
#define WARMUP_S 0.5
#define NREQ 512 /* pre-signed requests per kind (cycled) */
#define MAX_ROUNDS 15
#define DIRECT_REPLY "_INBOX.bench_callout.answers"

typedef enum rkind { R_NATSAUTH, R_JS, R_XKEY, R_COUNT } rkind;
static const char *const rname[R_COUNT] = {"natsauth", "js (node)", "natsauth+xkey"};

typedef struct bench_opts {
    double seconds;
    int rounds;
    int window;
    bool js;
    bool raw;    /* --raw: connect with the bare NATS protocol instead of libnats */
    int workers; /* --workers: the natsauth service's worker threads (0 = its default) */
} bench_opts;

/* Everything a run sets up once: keys, secrets, servers, requests. */
typedef struct bench_env {
    ns_server srv[3]; /* callout [0] plain, [1] with xkey; [2] no callout (responder only) */
    char secrets[2][NS_PATH_MAX + 32]; /* [0] without, [1] with the xkey seed */
    char token[33], auth_pass[33], bench_pass[33];
    na_nkey *issuer, *xkey;         /* ours: auth_callout.issuer and xkey */
    na_nkey *fake_server, *fake_sx; /* responder-only mode: a server N… and its xkey */
    char self[PATH_MAX];
    char js_script[PATH_MAX];
    bool js_ok;
    uint8_t *req[2][NREQ]; /* pre-signed requests: [0] plain, [1] sealed */
    size_t req_len[2][NREQ];
} bench_env;

typedef struct e2e_result {
    double cps, p50_ms, p99_ms, resp_us, srv_us, drv_us;
    uint64_t ok, fail;
} e2e_result;

typedef struct direct_result {
    double dps, cpu_us, per_core;
    uint64_t answers;
} direct_result;

typedef struct results {
    e2e_result e2e[R_COUNT][2][MAX_ROUNDS]; /* [kind][c=1, c=50][round] */
    direct_result direct[R_COUNT][MAX_ROUNDS];
    bool have[R_COUNT];
} results;

static const int g_conc[2] = {1, 50};

/* ---- small utilities ----------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void fail_msg(const char *what, const na_err *err)
{
    fprintf(stderr, "bench_callout: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
}

/* CPU seconds (user + system, all threads, exited ones included) of pid. */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long long ut = 0, st = 0;
    const char *p;
    size_t n;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return NAN;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return NAN;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAX_ROUNDS];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]))
            s[k++] = v[i];
    if (k == 0)
        return NAN;
    qsort(s, (size_t)k, sizeof s[0], cmp_double);
    return k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void random_hex(char *out, size_t nbytes)
{
    uint8_t raw[32];
    randombytes_buf(raw, nbytes);
    sodium_bin2hex(out, nbytes * 2 + 1, raw, nbytes);
    sodium_memzero(raw, sizeof raw);
}

/* ---- responder mode (--serve): the natsauth callout service -------------- */

typedef struct serve_ctx {
    char token[128];
    size_t token_len;
    char account[64];
} serve_ctx;

/* The bench's policy: the right token gets APP with a couple of permissions. */
static na_status grant_by_token(void *ud, const na_authreq *req, na_callout_grant *g, na_err *err)
{
    const serve_ctx *c = ud;
    size_t n = strlen(req->token);
    na_status st;
    if (n != c->token_len || sodium_memcmp(req->token, c->token, n) != 0)
        return na_fail(err, NA_EINVAL, "not authorized");
    snprintf(g->account, sizeof g->account, "%s", c->account);
    snprintf(g->name, sizeof g->name, "bench");
    st = na_claims_create(&g->user, NA_CLAIMS_USER, req->user_nkey, err);
    if (st == NA_OK)
        st = na_claims_perm_add(g->user, NA_PERM_PUB, true, "app.>", err);
    if (st == NA_OK)
        st = na_claims_perm_add(g->user, NA_PERM_SUB, true, "_INBOX.>", err);
    if (st == NA_OK)
        st = na_claims_perm_add(g->user, NA_PERM_SUB, true, "app.>", err);
    return st;
}

/* key=value lines (the secrets file); value copied into out. */
static bool secret_get(const char *text, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = text;
    while (p && *p) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn(v, "\r\n");
            if (n >= cap)
                return false;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return false;
}

#define TEXT_MAX 8192 /* secrets files and responder logs (shown on failure) */

/* The first TEXT_MAX - 1 bytes of a file, NUL-terminated (free it); NULL
 * if it cannot be read. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    if (!f)
        return NULL;
    buf = calloc(1, TEXT_MAX);
    if (buf && fread(buf, 1, TEXT_MAX - 1, f) == 0 && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static int serve_main(const char *url, const char *secrets_path, int workers)
{
    char *text = read_text(secrets_path);
    char seed[NA_NKEY_SEED_LEN + 8], user[64], pass[128];
    serve_ctx ctx;
    na_nkey *issuer = NULL, *xkey = NULL;
    na_callout_xcache *xcache = NULL;
    na_callout *svc = NULL;
    na_callout_opts o;
    na_err err = {0};
    sigset_t set;
    int sig = 0, rc = 1;

    memset(&ctx, 0, sizeof ctx);
    memset(&o, 0, sizeof o);
    if (!text || !secret_get(text, "issuer_seed", seed, sizeof seed) ||
        !secret_get(text, "auth_user", user, sizeof user) ||
        !secret_get(text, "auth_pass", pass, sizeof pass) ||
        !secret_get(text, "token", ctx.token, sizeof ctx.token) ||
        !secret_get(text, "account", ctx.account, sizeof ctx.account)) {
        fprintf(stderr, "bench_callout --serve: cannot read the secrets file\n");
        goto out;
    }
    ctx.token_len = strlen(ctx.token);
    if (na_nkey_from_seed(&issuer, seed, strlen(seed), &err) != NA_OK) {
        fail_msg("--serve: issuer seed", &err);
        goto out;
    }
    if (secret_get(text, "xkey_seed", seed, sizeof seed) &&
        (na_nkey_from_seed(&xkey, seed, strlen(seed), &err) != NA_OK ||
         na_callout_xcache_create(&xcache, xkey, 16, &err) != NA_OK)) {
        fail_msg("--serve: xkey", &err);
        goto out;
    }
    sodium_memzero(seed, sizeof seed);

    /* block the stop signals before libnats starts threads: they inherit the
     * mask and sigwait below takes them */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    o.url = url;
    o.user = user;
    o.password = pass;
    o.name = "natsauth-bench-callout";
    o.conf.issuer = issuer;
    o.conf.xkey = xkey;
    o.conf.xcache = xcache;
    o.handler = grant_by_token;
    o.handler_ud = &ctx;
    o.workers = workers;
    if (na_callout_start(&svc, &o, &err) != NA_OK) {
        fail_msg("--serve: na_callout_start", &err);
        goto out;
    }
    printf("ready\n");
    fflush(stdout);
    sigwait(&set, &sig);
    {
        char *js = na_callout_counters_json(svc);
        na_callout_stop(svc, 1000);
        fprintf(stderr, "bench_callout --serve: stopped (signal %d): %s\n", sig, js ? js : "");
        na_free(js);
    }
    rc = 0;
out:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(pass, sizeof pass);
    sodium_memzero(&ctx, sizeof ctx);
    if (text) {
        sodium_memzero(text, TEXT_MAX);
        free(text);
    }
    na_callout_xcache_destroy(xcache);
    na_nkey_destroy(xkey);
    na_nkey_destroy(issuer);
    return rc;
}

/* ---- setup: keys, secrets, servers, pre-signed requests ------------------ */

/* The responder's secrets file for the server without (i = 0) or with the
 * xkey (i = 1), in that server's temp dir. */
static int write_secrets(bench_env *e, int i)
{
    char seed[NA_NKEY_SEED_LEN + 1], xseed[NA_NKEY_SEED_LEN + 1] = "", text[512];
    na_err err = {0};
    int rc;
    if (na_nkey_seed(e->issuer, seed, &err) != NA_OK ||
        (i == 1 && na_nkey_seed(e->xkey, xseed, &err) != NA_OK)) {
        fail_msg("seed", &err);
        return -1;
    }
    snprintf(text, sizeof text,
             "issuer_seed=%s\n%s%s%sauth_user=auth\nauth_pass=%s\ntoken=%s\naccount=%s\n", seed,
             i == 1 ? "xkey_seed=" : "", xseed, i == 1 ? "\n" : "", e->auth_pass, e->token,
             TARGET_ACCOUNT);
    rc = ns_write_file(&e->srv[i], "secrets", text, 0600, e->secrets[i], sizeof e->secrets[i]);
    sodium_memzero(text, sizeof text);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(xseed, sizeof xseed);
    return rc;
}

/* Server i: callout without (0) or with (1) the xkey, or none (2). Without
 * callout, $SYS.REQ.USER.AUTH is an ordinary subject the bench user may
 * publish to (with callout the server refuses that to every client). */
static int start_server(bench_env *e, int i)
{
    char conf[1024], callout[512] = "";
    int rc;
    if (i < 2)
        snprintf(callout, sizeof callout,
                 "authorization {\n"
                 "  auth_callout {\n"
                 "    issuer: %s\n"
                 "    auth_users: [ auth, bench ]\n"
                 "    account: AUTH\n"
                 "    %s%s\n"
                 "  }\n"
                 "}\n",
                 na_nkey_public(e->issuer), i == 1 ? "xkey: " : "",
                 i == 1 ? na_nkey_public(e->xkey) : "");
    snprintf(conf, sizeof conf,
             "accounts {\n"
             "  AUTH { users: [ { user: auth, password: \"%s\" },"
             " { user: bench, password: \"%s\" } ] }\n"
             "  " TARGET_ACCOUNT " {}\n"
             "}\n%s",
             e->auth_pass, e->bench_pass, callout);
    rc = ns_start(&e->srv[i], conf);
    sodium_memzero(conf, sizeof conf);
    return rc;
}

/* One authorization request as the server would send it, signed by the
 * fake server key, sealed to our xkey when sealed. */
static na_status make_request(bench_env *e, int sealed, int i, int64_t now, na_err *err)
{
    na_claims *c = NULL;
    na_nkey *user = NULL;
    char *jwt = NULL, json[512];
    const char *n = na_nkey_public(e->fake_server);
    na_status st = na_claims_create(&c, NA_CLAIMS_AUTH_REQUEST, na_nkey_public(e->issuer), err);
    if (st == NA_OK)
        st = na_nkey_create(&user, NA_NKEY_USER, err);
    if (st == NA_OK)
        st = na_claims_set_audience(c, NA_CALLOUT_AUDIENCE, err);
    if (st == NA_OK)
        st = na_claims_set_expires(c, now + 3600, err);
    if (st == NA_OK) {
        snprintf(json, sizeof json,
                 "{\"name\":\"%s\",\"host\":\"127.0.0.1\",\"id\":\"%s\",\"version\":\"2.10.27\"}",
                 n, n);
        st = na_claims_set_json(c, "nats.server_id", json, err);
    }
    if (st == NA_OK)
        st = na_claims_set_str(c, "nats.user_nkey", na_nkey_public(user), err);
    if (st == NA_OK) {
        snprintf(json, sizeof json,
                 "{\"host\":\"127.0.0.1\",\"id\":%d,\"user\":\"%s\",\"kind\":\"Client\","
                 "\"type\":\"nats\"}",
                 i + 1, e->token);
        st = na_claims_set_json(c, "nats.client_info", json, err);
    }
    if (st == NA_OK) {
        snprintf(json, sizeof json,
                 "{\"auth_token\":\"%s\",\"lang\":\"C\",\"version\":\"3.4.1\",\"protocol\":1}",
                 e->token);
        st = na_claims_set_json(c, "nats.connect_opts", json, err);
    }
    if (st == NA_OK)
        st = na_claims_encode(c, &jwt, e->fake_server, now, err);
    if (st == NA_OK && sealed) {
        st = na_xkey_seal(e->fake_sx, &e->req[1][i], &e->req_len[1][i], jwt, strlen(jwt),
                          na_nkey_public(e->xkey), err);
    } else if (st == NA_OK) {
        e->req[0][i] = (uint8_t *)jwt;
        e->req_len[0][i] = strlen(jwt);
        jwt = NULL;
    }
    na_free(jwt);
    na_nkey_destroy(user);
    na_claims_destroy(c);
    return st;
}

static int env_init(bench_env *e, const bench_opts *o)
{
    na_err err = {0};
    ssize_t n;
    struct stat st;
    const char *bin = getenv("NATS_SERVER_BIN");
    static char binenv[PATH_MAX];

    if (!bin || !*bin) { /* fall back on the fetched copy, as bench_store does */
        snprintf(binenv, sizeof binenv, "%s/.cache/nats-server/usr/sbin/nats-server",
                 NATSAUTH_SOURCE_DIR);
        setenv("NATS_SERVER_BIN", binenv, 1);
    }
    n = readlink("/proc/self/exe", e->self, sizeof e->self - 1);
    if (n <= 0) {
        fprintf(stderr, "bench_callout: cannot find its own executable\n");
        return -1;
    }
    e->self[n] = '\0';
    random_hex(e->token, 16);
    random_hex(e->auth_pass, 16);
    random_hex(e->bench_pass, 16);
    if (na_nkey_create(&e->issuer, NA_NKEY_ACCOUNT, &err) != NA_OK ||
        na_nkey_create(&e->xkey, NA_NKEY_CURVE, &err) != NA_OK ||
        na_nkey_create(&e->fake_server, NA_NKEY_SERVER, &err) != NA_OK ||
        na_nkey_create(&e->fake_sx, NA_NKEY_CURVE, &err) != NA_OK) {
        fail_msg("key generation", &err);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        if (ns_init(&e->srv[i], "bench_callout") != 0 || (i < 2 && write_secrets(e, i) != 0) ||
            start_server(e, i) != 0)
            return -1;
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < NREQ; i++)
            if (make_request(e, s, i, (int64_t)time(NULL), &err) != NA_OK) {
                fail_msg("pre-signing requests", &err);
                return -1;
            }
    snprintf(e->js_script, sizeof e->js_script, "%s/bench/js/responder.mjs", NATSAUTH_SOURCE_DIR);
    if (o->js) {
        char mod[PATH_MAX + 64];
        snprintf(mod, sizeof mod, "%s/bench/js/node_modules/@nats-io/transport-node/package.json",
                 NATSAUTH_SOURCE_DIR);
        e->js_ok = stat(e->js_script, &st) == 0 && stat(mod, &st) == 0 &&
                   system("node --version >/dev/null 2>&1") == 0;
        if (!e->js_ok)
            printf("JS responder not installed (run bench/js/install.sh)\n");
    }
    return 0;
}

static void env_release(bench_env *e)
{
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < NREQ; i++)
            na_free(e->req[s][i]);
    for (int i = 0; i < 3; i++)
        ns_cleanup(&e->srv[i]); /* removes the secrets files too */
    na_nkey_destroy(e->issuer);
    na_nkey_destroy(e->xkey);
    na_nkey_destroy(e->fake_server);
    na_nkey_destroy(e->fake_sx);
    sodium_memzero(e->token, sizeof e->token);
    sodium_memzero(e->auth_pass, sizeof e->auth_pass);
    sodium_memzero(e->bench_pass, sizeof e->bench_pass);
}

/* ---- responder processes -------------------------------------------------- */

typedef struct responder {
    pid_t pid;
    int out_fd;
    char log[NS_PATH_MAX + 64];
} responder;

static void responder_print_log(const responder *r)
{
    char *t = read_text(r->log);
    fprintf(stderr, "----- responder log (%s) -----\n%s\n-----\n", r->log, t ? t : "(none)");
    free(t);
}

static void responder_stop(responder *r)
{
    int status;
    if (r->pid <= 0)
        return;
    kill(r->pid, SIGTERM);
    for (int i = 0; i < 500; i++) {
        if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
            r->pid = 0;
            break;
        }
        sleep_s(0.01);
    }
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, &status, 0);
        r->pid = 0;
    }
    if (r->out_fd >= 0)
        close(r->out_fd);
    r->out_fd = -1;
}

/* Wait for the "ready" line; 0 when it came. */
static int responder_wait_ready(responder *r)
{
    char buf[64];
    size_t len = 0;
    double deadline = now_s() + READY_TIMEOUT_MS / 1000.0;
    while (now_s() < deadline) {
        struct pollfd p = {r->out_fd, POLLIN, 0};
        int n = poll(&p, 1, 100);
        if (n > 0) {
            ssize_t k = read(r->out_fd, buf + len, sizeof buf - 1 - len);
            if (k <= 0)
                return -1; /* exited */
            len += (size_t)k;
            buf[len] = '\0';
            if (strstr(buf, "ready"))
                return 0;
            if (len == sizeof buf - 1)
                len = 0;
        }
    }
    return -1;
}

static int responder_start(responder *r, const bench_env *e, rkind k, const ns_server *srv,
                           int workers)
{
    const char *argv[8];
    char wbuf[16];
    int pfd[2], logfd;
    memset(r, 0, sizeof *r);
    r->out_fd = -1;
    snprintf(r->log, sizeof r->log, "%s/responder-%d.log", e->srv[0].dir, (int)k);
    if (k == R_JS) {
        argv[0] = "node";
        argv[1] = e->js_script;
        argv[2] = "--url";
        argv[3] = srv->url;
        argv[4] = "--secrets";
        argv[5] = e->secrets[0];
        argv[6] = NULL;
    } else {
        argv[0] = e->self;
        argv[1] = "--serve";
        argv[2] = srv->url;
        argv[3] = e->secrets[k == R_XKEY];
        snprintf(wbuf, sizeof wbuf, "%d", workers);
        argv[4] = wbuf;
        argv[5] = NULL;
    }
    if (pipe(pfd) != 0)
        return -1;
    logfd = open(r->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    fflush(NULL);
    r->pid = fork();
    if (r->pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
        if (nul >= 0)
            dup2(nul, 0);
        dup2(pfd[1], 1);
        if (logfd >= 0)
            dup2(logfd, 2);
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    if (logfd >= 0)
        close(logfd);
    r->out_fd = pfd[0];
    if (r->pid < 0) {
        close(pfd[0]);
        return -1;
    }
    if (responder_wait_ready(r) != 0) {
        fprintf(stderr, "bench_callout: the %s responder did not get ready\n", rname[k]);
        responder_stop(r);
        responder_print_log(r);
        return -1;
    }
    return 0;
}

/* ---- end to end: connects through the server ----------------------------- */

typedef struct e2e_shared {
    const char *url, *token;
    struct sockaddr_in addr; /* --raw */
    char connect_line[256];  /* --raw: CONNECT + PING */
    atomic_bool stop, counting;
} e2e_shared;

typedef struct e2e_worker {
    pthread_t th;
    e2e_shared *sh;
    uint32_t *lat; /* µs of each authorized connect in the window */
    size_t n, cap;
    uint64_t fail;
    natsStatus last;
} e2e_worker;

/* Record one connect attempt of dt seconds (when counting). false: out of memory. */
static bool e2e_record(e2e_worker *w, bool ok, double dt)
{
    if (!atomic_load(&w->sh->counting))
        return true;
    if (!ok) {
        w->fail++;
        return true;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        uint32_t *p = realloc(w->lat, cap * sizeof *p);
        if (!p)
            return false;
        w->lat = p;
        w->cap = cap;
    }
    w->lat[w->n++] = (uint32_t)(dt * 1e6);
    return true;
}

/* Read from fd until buf holds one of the needles; the index of the one
 * found, -1 on error, timeout (SO_RCVTIMEO) or end of stream. */
static int read_until(int fd, char *buf, size_t cap, const char *a, const char *b)
{
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, a))
            return 0;
        if (b && strstr(buf, b))
            return 1;
    }
    return -1;
}

/* One connect with the bare protocol: INFO, CONNECT + PING, PONG (allowed)
 * or -ERR (refused), close. Costs the driver far less CPU than libnats'
 * connect (no threads), so more of the two cores go to server and responder. */
static bool raw_connect_once(const e2e_shared *sh)
{
    char buf[4096];
    struct timeval tv = {CONNECT_TIMEOUT_MS / 1000, 0};
    int one = 1, ok = 0;
    size_t len = strlen(sh->connect_line);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (const struct sockaddr *)&sh->addr, sizeof sh->addr) == 0 &&
        read_until(fd, buf, sizeof buf, "\r\n", NULL) == 0 &&
        write(fd, sh->connect_line, len) == (ssize_t)len)
        ok = read_until(fd, buf, sizeof buf, "PONG\r\n", "-ERR") == 0;
    close(fd);
    return ok;
}

static void *raw_thread(void *arg)
{
    e2e_worker *w = arg;
    while (!atomic_load(&w->sh->stop)) {
        double t0 = now_s();
        bool ok = raw_connect_once(w->sh);
        if (!e2e_record(w, ok, now_s() - t0))
            break;
        if (!ok)
            w->last = NATS_CONNECTION_CLOSED;
    }
    return NULL;
}

static void *e2e_thread(void *arg)
{
    e2e_worker *w = arg;
    natsOptions *opts = NULL;
    if (natsOptions_Create(&opts) != NATS_OK || natsOptions_SetURL(opts, w->sh->url) != NATS_OK ||
        natsOptions_SetToken(opts, w->sh->token) != NATS_OK ||
        natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS) != NATS_OK ||
        natsOptions_SetAllowReconnect(opts, false) != NATS_OK) {
        w->last = NATS_ERR;
        natsOptions_Destroy(opts);
        return NULL;
    }
    while (!atomic_load(&w->sh->stop)) {
        natsConnection *nc = NULL;
        double t0 = now_s();
        natsStatus s = natsConnection_Connect(&nc, opts);
        double dt = now_s() - t0;
        if (nc) {
            natsConnection_Close(nc);
            natsConnection_Destroy(nc);
        }
        if (s != NATS_OK)
            w->last = s;
        if (!e2e_record(w, s == NATS_OK, dt))
            break;
    }
    natsOptions_Destroy(opts);
    return NULL;
}

static int e2e_run(e2e_result *res, const bench_env *e, rkind k, pid_t resp, int conc,
                   const bench_opts *o, double warmup)
{
    double seconds = o->seconds;
    const ns_server *srv = &e->srv[k == R_XKEY];
    e2e_shared sh;
    e2e_worker *w = calloc((size_t)conc, sizeof *w);
    double r0, s0, d0, t0, r1, s1, d1, t1;
    size_t total = 0;
    uint32_t *all;
    natsStatus last = NATS_OK;

    memset(res, 0, sizeof *res);
    if (!w)
        return -1;
    sh.url = srv->url;
    sh.token = e->token;
    memset(&sh.addr, 0, sizeof sh.addr);
    sh.addr.sin_family = AF_INET;
    sh.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sh.addr.sin_port = htons((unsigned short)srv->port);
    snprintf(sh.connect_line, sizeof sh.connect_line,
             "CONNECT {\"verbose\":false,\"pedantic\":false,\"auth_token\":\"%s\","
             "\"lang\":\"C\",\"version\":\"raw\",\"protocol\":1}\r\nPING\r\n",
             e->token);
    atomic_init(&sh.stop, false);
    atomic_init(&sh.counting, false);
    for (int i = 0; i < conc; i++) {
        w[i].sh = &sh;
        pthread_create(&w[i].th, NULL, o->raw ? raw_thread : e2e_thread, &w[i]);
    }
    sleep_s(warmup);
    r0 = proc_cpu_s(resp);
    s0 = proc_cpu_s(srv->pid);
    d0 = proc_cpu_s(getpid());
    t0 = now_s();
    atomic_store(&sh.counting, true);
    sleep_s(seconds);
    atomic_store(&sh.counting, false);
    t1 = now_s();
    r1 = proc_cpu_s(resp);
    s1 = proc_cpu_s(srv->pid);
    d1 = proc_cpu_s(getpid());
    atomic_store(&sh.stop, true);
    for (int i = 0; i < conc; i++) {
        pthread_join(w[i].th, NULL);
        total += w[i].n;
        res->fail += w[i].fail;
        if (w[i].last != NATS_OK)
            last = w[i].last;
    }
    all = malloc((total ? total : 1) * sizeof *all);
    total = 0;
    for (int i = 0; i < conc; i++) {
        if (all && w[i].n)
            memcpy(all + total, w[i].lat, w[i].n * sizeof *all);
        total += w[i].n;
        free(w[i].lat);
    }
    free(w);
    if (!all)
        return -1;
    qsort(all, total, sizeof *all, cmp_u32);
    res->ok = total;
    res->cps = (double)total / (t1 - t0);
    res->p50_ms = total ? all[(size_t)(0.50 * (double)(total - 1))] / 1000.0 : NAN;
    res->p99_ms = total ? all[(size_t)(0.99 * (double)(total - 1))] / 1000.0 : NAN;
    res->resp_us = (r1 - r0) * 1e6 / (double)(total + res->fail ? total + res->fail : 1);
    res->srv_us = (s1 - s0) * 1e6 / (double)(total + res->fail ? total + res->fail : 1);
    res->drv_us = (d1 - d0) * 1e6 / (double)(total + res->fail ? total + res->fail : 1);
    free(all);
    if (res->fail)
        fprintf(stderr, "bench_callout: %s c=%d: %llu connects failed (last: %s)\n", rname[k], conc,
                (unsigned long long)res->fail, natsStatus_GetText(last));
    return total ? 0 : -1;
}

/* ---- responder only: pre-signed requests straight to the subject ---------- */

typedef struct direct_shared {
    atomic_uint_fast64_t answers, counted;
    atomic_bool counting;
} direct_shared;

static void on_answer(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *ud)
{
    direct_shared *d = ud;
    (void)nc;
    (void)sub;
    atomic_fetch_add(&d->answers, 1);
    if (atomic_load(&d->counting))
        atomic_fetch_add(&d->counted, 1);
    natsMsg_Destroy(msg);
}

static natsStatus publish_request(natsConnection *nc, const bench_env *e, int sealed, int i,
                                  const char *reply, natsMsg **out_req)
{
    natsMsg *m = NULL;
    natsStatus s = natsMsg_Create(&m, NA_CALLOUT_SUBJECT, reply, (const char *)e->req[sealed][i],
                                  (int)e->req_len[sealed][i]);
    if (s == NATS_OK && sealed)
        s = natsMsgHeader_Set(m, NA_CALLOUT_XKEY_HEADER, na_nkey_public(e->fake_sx));
    if (s == NATS_OK && out_req) { /* the caller sends it as a request */
        *out_req = m;
        return NATS_OK;
    }
    if (s == NATS_OK)
        s = natsConnection_PublishMsg(nc, m);
    natsMsg_Destroy(m);
    return s;
}

/* One request/answer, decoded and checked: an allow with a user JWT for APP. */
static int direct_check(natsConnection *nc, const bench_env *e, int sealed, rkind k)
{
    natsMsg *req = NULL, *ans = NULL;
    uint8_t *plain = NULL;
    size_t plen = 0;
    na_claims *c = NULL, *u = NULL;
    const char *jwt = NULL, *error = NULL;
    na_err err = {0};
    int rc = -1;
    natsStatus s = publish_request(nc, e, sealed, 0, NULL, &req);
    if (s == NATS_OK)
        s = natsConnection_RequestMsg(&ans, nc, req, 3000);
    if (s != NATS_OK) {
        fprintf(stderr, "bench_callout: %s: no answer to a direct request: %s\n", rname[k],
                natsStatus_GetText(s));
        goto out;
    }
    if (sealed &&
        na_xkey_open(e->fake_sx, &plain, &plen, natsMsg_GetData(ans),
                     (size_t)natsMsg_GetDataLength(ans), na_nkey_public(e->xkey), &err) != NA_OK) {
        fail_msg("opening a sealed answer", &err);
        goto out;
    }
    if (na_jwt_decode(&c, sealed ? (const char *)plain : natsMsg_GetData(ans),
                      sealed ? plen : (size_t)natsMsg_GetDataLength(ans), &err) != NA_OK) {
        fail_msg("decoding an answer", &err);
        goto out;
    }
    if (na_claims_get_str(c, "nats.error", &error) && *error) {
        fprintf(stderr, "bench_callout: %s denied a direct request: %s\n", rname[k], error);
        goto out;
    }
    if (!na_claims_get_str(c, "nats.jwt", &jwt) ||
        na_jwt_decode(&u, jwt, strlen(jwt), &err) != NA_OK ||
        strcmp(na_claims_audience(u), TARGET_ACCOUNT) != 0) {
        fprintf(stderr, "bench_callout: %s: the answer holds no valid user JWT for %s\n", rname[k],
                TARGET_ACCOUNT);
        goto out;
    }
    rc = 0;
out:
    na_claims_destroy(u);
    na_claims_destroy(c);
    na_free(plain);
    natsMsg_Destroy(ans);
    natsMsg_Destroy(req);
    return rc;
}

static int direct_connect(natsConnection **nc, const bench_env *e, const ns_server *srv)
{
    natsOptions *opts = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, srv->url);
    if (s == NATS_OK)
        s = natsOptions_SetUserInfo(opts, "bench", e->bench_pass);
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK)
        fprintf(stderr, "bench_callout: cannot connect as the bench user: %s\n",
                natsStatus_GetText(s));
    return s == NATS_OK ? 0 : -1;
}

static int direct_run(direct_result *res, const bench_env *e, rkind k, pid_t resp, double seconds,
                      int window)
{
    const ns_server *srv = &e->srv[2];
    int sealed = k == R_XKEY;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    direct_shared d;
    uint64_t sent = 0, last_answers = 0;
    double t0 = 0, t1 = 0, r0 = 0, r1 = 0, start = now_s(), progress = start;
    int rc = -1, phase = 0; /* 0 warm-up, 1 counting, 2 done */

    memset(res, 0, sizeof *res);
    atomic_init(&d.answers, 0);
    atomic_init(&d.counted, 0);
    atomic_init(&d.counting, false);
    if (direct_connect(&nc, e, srv) != 0)
        return -1;
    if (direct_check(nc, e, sealed, k) != 0)
        goto out;
    if (natsConnection_Subscribe(&sub, nc, DIRECT_REPLY, on_answer, &d) != NATS_OK ||
        natsSubscription_SetPendingLimits(sub, -1, -1) != NATS_OK ||
        natsConnection_FlushTimeout(nc, 3000) != NATS_OK) {
        fprintf(stderr, "bench_callout: cannot subscribe for answers\n");
        goto out;
    }
    while (phase < 2) {
        double t = now_s();
        uint64_t answered = atomic_load(&d.answers);
        if (phase == 0 && t - start >= WARMUP_S) {
            r0 = proc_cpu_s(resp);
            t0 = now_s();
            atomic_store(&d.counting, true);
            phase = 1;
        } else if (phase == 1 && t - t0 >= seconds) {
            atomic_store(&d.counting, false);
            t1 = now_s();
            r1 = proc_cpu_s(resp);
            phase = 2;
            break;
        }
        if (answered != last_answers) {
            last_answers = answered;
            progress = t;
        } else if (t - progress > 3.0) {
            fprintf(stderr, "bench_callout: %s: no answers for 3 s (%llu sent, %llu answered)\n",
                    rname[k], (unsigned long long)sent, (unsigned long long)answered);
            goto out;
        }
        if (sent - answered >= (uint64_t)window) {
            sleep_s(0.00005);
            continue;
        }
        if (publish_request(nc, e, sealed, (int)(sent % NREQ), DIRECT_REPLY, NULL) != NATS_OK) {
            fprintf(stderr, "bench_callout: publish failed\n");
            goto out;
        }
        sent++;
    }
    res->answers = atomic_load(&d.counted);
    res->dps = (double)res->answers / (t1 - t0);
    res->cpu_us = res->answers ? (r1 - r0) * 1e6 / (double)res->answers : NAN;
    res->per_core = res->cpu_us > 0 ? 1e6 / res->cpu_us : NAN;
    /* let the outstanding answers arrive before the responder goes */
    for (int i = 0; i < 200 && atomic_load(&d.answers) < sent; i++)
        sleep_s(0.01);
    rc = res->answers ? 0 : -1;
out:
    if (sub)
        natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    if (nc) {
        natsConnection_Close(nc);
        natsConnection_Destroy(nc);
    }
    return rc;
}

/* ---- one responder, one round ---------------------------------------------- */

static int run_responder(results *out, int round, const bench_env *e, rkind k, const bench_opts *o)
{
    responder r;
    int rc = 0;
    if (responder_start(&r, e, k, &e->srv[k == R_XKEY], o->workers) != 0)
        return -1;
    for (int c = 0; c < 2 && rc == 0; c++) {
        e2e_result *res = &out->e2e[k][c][round];
        rc = e2e_run(res, e, k, r.pid, g_conc[c], o, c == 0 ? WARMUP_S : 0.2);
        printf("  round %d %-14s c=%-2d %8.0f connects/s  p50 %6.2f ms  p99 %6.2f ms  "
               "responder %5.0f us/auth  server %5.0f us/conn  driver %5.0f us/conn\n",
               round + 1, rname[k], g_conc[c], res->cps, res->p50_ms, res->p99_ms, res->resp_us,
               res->srv_us, res->drv_us);
        fflush(stdout);
    }
    responder_stop(&r);
    if (rc == 0 && responder_start(&r, e, k, &e->srv[2], o->workers) != 0)
        return -1;
    if (rc == 0) {
        direct_result *d = &out->direct[k][round];
        rc = direct_run(d, e, k, r.pid, o->seconds, o->window);
        printf("  round %d %-14s responder only: %8.0f decisions/s  %5.1f us CPU/decision  "
               "%6.0f decisions/s per core\n",
               round + 1, rname[k], d->dps, d->cpu_us, d->per_core);
        fflush(stdout);
    }
    responder_stop(&r);
    if (rc != 0)
        responder_print_log(&r);
    return rc;
}

/* ---- report ------------------------------------------------------------------ */

static double e2e_median(const results *r, rkind k, int c, int rounds, size_t field)
{
    double v[MAX_ROUNDS];
    for (int i = 0; i < rounds; i++)
        v[i] = *(const double *)((const char *)&r->e2e[k][c][i] + field);
    return median(v, rounds);
}

/* Median over rounds of the per-round ratio a/b of one e2e field. */
static double ratio_median(const results *r, rkind a, rkind b, int c, int rounds, size_t field)
{
    double v[MAX_ROUNDS];
    for (int i = 0; i < rounds; i++) {
        double x = *(const double *)((const char *)&r->e2e[a][c][i] + field);
        double y = *(const double *)((const char *)&r->e2e[b][c][i] + field);
        v[i] = y > 0 ? x / y : NAN;
    }
    return median(v, rounds);
}

static void verdict(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void verdict(bool pass, const char *fmt, ...)
{
    va_list ap;
    printf("%s ", pass ? "PASS" : "MISS");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static void report(const results *r, const bench_opts *o)
{
    printf("\nend to end, median of %d round(s) of %.1f s (%s connect with a token, then "
           "close):\n",
           o->rounds, o->seconds, o->raw ? "bare-protocol" : "libnats");
    printf("  %-14s %3s %11s %8s %8s %14s %15s %15s\n", "responder", "c", "connects/s", "p50 ms",
           "p99 ms", "resp us/auth", "server us/conn", "driver us/conn");
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < R_COUNT; k++) {
            if (!r->have[k])
                continue;
            printf("  %-14s %3d %11.0f %8.2f %8.2f %14.0f %15.0f %15.0f\n", rname[k], g_conc[c],
                   e2e_median(r, (rkind)k, c, o->rounds, offsetof(e2e_result, cps)),
                   e2e_median(r, (rkind)k, c, o->rounds, offsetof(e2e_result, p50_ms)),
                   e2e_median(r, (rkind)k, c, o->rounds, offsetof(e2e_result, p99_ms)),
                   e2e_median(r, (rkind)k, c, o->rounds, offsetof(e2e_result, resp_us)),
                   e2e_median(r, (rkind)k, c, o->rounds, offsetof(e2e_result, srv_us)),
                   e2e_median(r, (rkind)k, c, o->rounds, offsetof(e2e_result, drv_us)));
        }
    if (r->have[R_JS] && r->have[R_NATSAUTH])
        for (int c = 0; c < 2; c++)
            printf("  natsauth / js at c=%d (per-round ratios, median): connects/s %.2fx, "
                   "p50 %.2fx, p99 %.2fx, responder CPU %.2fx\n",
                   g_conc[c],
                   ratio_median(r, R_NATSAUTH, R_JS, c, o->rounds, offsetof(e2e_result, cps)),
                   ratio_median(r, R_NATSAUTH, R_JS, c, o->rounds, offsetof(e2e_result, p50_ms)),
                   ratio_median(r, R_NATSAUTH, R_JS, c, o->rounds, offsetof(e2e_result, p99_ms)),
                   ratio_median(r, R_NATSAUTH, R_JS, c, o->rounds, offsetof(e2e_result, resp_us)));

    printf("\nresponder only, median of %d round(s) (pre-signed requests, window %d):\n", o->rounds,
           o->window);
    printf("  %-14s %12s %18s %21s\n", "responder", "decisions/s", "us CPU/decision",
           "decisions/s per core");
    for (int k = 0; k < R_COUNT; k++) {
        double dps[MAX_ROUNDS], cpu[MAX_ROUNDS], pc[MAX_ROUNDS];
        if (!r->have[k])
            continue;
        for (int i = 0; i < o->rounds; i++) {
            dps[i] = r->direct[k][i].dps;
            cpu[i] = r->direct[k][i].cpu_us;
            pc[i] = r->direct[k][i].per_core;
        }
        printf("  %-14s %12.0f %18.1f %21.0f\n", rname[k], median(dps, o->rounds),
               median(cpu, o->rounds), median(pc, o->rounds));
    }

    printf("\ntargets:\n");
    for (int k = 0; k < R_COUNT; k++) {
        double c1, c50, worst;
        if (k == R_JS || !r->have[k])
            continue;
        c1 = e2e_median(r, (rkind)k, 0, o->rounds, offsetof(e2e_result, resp_us));
        c50 = e2e_median(r, (rkind)k, 1, o->rounds, offsetof(e2e_result, resp_us));
        worst = c1 > c50 ? c1 : c50;
        verdict(worst <= TARGET_CPU_US,
                "%s responder CPU per authorization: %.0f us at c=1, %.0f us at c=50 "
                "(target <= %.0f us)",
                rname[k], c1, c50, TARGET_CPU_US);
    }
    if (r->have[R_JS] && r->have[R_NATSAUTH]) {
        double cr = ratio_median(r, R_NATSAUTH, R_JS, 1, o->rounds, offsetof(e2e_result, cps));
        double pr = ratio_median(r, R_NATSAUTH, R_JS, 1, o->rounds, offsetof(e2e_result, p99_ms));
        verdict(cr >= TARGET_RATIO_C50,
                "connects/s at c=50: natsauth %.2fx the JS responder (target >= %.2fx)", cr,
                TARGET_RATIO_C50);
        verdict(pr <= 1.0,
                "p99 connect latency at c=50: natsauth %.2fx the JS responder "
                "(target <= 1.00x)",
                pr);
    } else {
        printf("SKIP natsauth vs JS at c=50: the JS responder did not run\n");
    }
    for (int k = 0; k < R_COUNT; k++) {
        double pc[MAX_ROUNDS];
        if (k == R_JS || !r->have[k])
            continue;
        for (int i = 0; i < o->rounds; i++)
            pc[i] = r->direct[k][i].per_core;
        verdict(median(pc, o->rounds) >= TARGET_PER_CORE,
                "%s responder only: %.0f decisions/s per core (target >= %.0f)", rname[k],
                median(pc, o->rounds), TARGET_PER_CORE);
    }
}

/* ---- main ---------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: bench_callout [--quick] [--seconds S] [--rounds R] [--window W] "
                    "[--no-js] [--raw] [--workers N]\n");
    return 2;
}

static int parse_opts(bench_opts *o, int argc, char **argv)
{
    o->seconds = 3;
    o->rounds = 3;
    o->window = 256;
    o->js = true;
    o->raw = false;
    o->workers = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            o->seconds = 1;
            o->rounds = 1;
        } else if (strcmp(a, "--no-js") == 0) {
            o->js = false;
        } else if (strcmp(a, "--raw") == 0) {
            o->raw = true;
        } else if (strcmp(a, "--workers") == 0 && v) {
            o->workers = atoi(v);
            i++;
        } else if (strcmp(a, "--seconds") == 0 && v) {
            o->seconds = atof(v);
            i++;
        } else if (strcmp(a, "--rounds") == 0 && v) {
            o->rounds = atoi(v);
            i++;
        } else if (strcmp(a, "--window") == 0 && v) {
            o->window = atoi(v);
            i++;
        } else {
            return -1;
        }
    }
    if (o->seconds < 0.2 || o->seconds > 600 || o->rounds < 1 || o->rounds > MAX_ROUNDS ||
        o->window < 1 || o->window > 100000 || o->workers < 0 || o->workers > 64)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts o;
    bench_env e;
    results *r = NULL;
    int rc = 1;

    if (sodium_init() < 0) {
        fprintf(stderr, "bench_callout: sodium_init failed\n");
        return 1;
    }
    if (argc == 5 && strcmp(argv[1], "--serve") == 0)
        return serve_main(argv[2], argv[3], atoi(argv[4]));
    if (parse_opts(&o, argc, argv) != 0)
        return usage();
    signal(SIGPIPE, SIG_IGN);
    memset(&e, 0, sizeof e);
    r = calloc(1, sizeof *r);
    if (!r || env_init(&e, &o) != 0)
        goto out;
    printf("bench_callout: %d round(s), %.1f s per measurement, %ld online cores; servers %s "
           "and %s (xkey)\n",
           o.rounds, o.seconds, sysconf(_SC_NPROCESSORS_ONLN), e.srv[0].url, e.srv[1].url);
    for (int round = 0; round < o.rounds; round++)
        for (int k = 0; k < R_COUNT; k++) {
            if (k == R_JS && !e.js_ok)
                continue;
            if (run_responder(r, round, &e, (rkind)k, &o) != 0)
                goto out;
            r->have[k] = true;
        }
    report(r, &o);
    rc = 0;
out:
    fflush(stdout);
    env_release(&e);
    free(r);
    nats_Close();
    return rc;
}
