/*
 * test_operator_mode.c - natsauth-made JWTs against a real nats-server 2.10.
 *
 * One server in operator mode with a MEMORY resolver. Every JWT is made by
 * natsauth (keys, claims, encode, creds); the server and libnats (nats.c)
 * decide. The trust setup:
 *
 *   operator O (self-signed, lists signing key OSK, system_account = SYS)
 *     SYS  account, signed by O (the server config does not name it: the
 *          server takes it from the operator JWT)
 *     A    account, signed by O; signing key ASK; revokes user R at t0-5
 *     B    account, signed by OSK (not the identity key)
 *   preloaded with resolver_preload. An account U (unknown) is not preloaded.
 *
 * Each case checks what the server really did: a connection that should
 * work does a publish/subscribe round trip; one that should not fails with
 * "Authorization Violation", and the server's debug log names the reason
 * (so a refusal for the wrong reason, e.g. a bad signature, is caught).
 * Where natsauth has its own check (expiry, chain, revocation), the test
 * also asserts that natsauth agrees with the server.
 *
 * Needs NATS_SERVER_BIN (a missing server is a failure, not a skip).
 * libnats 3.4.1 drops 1 nonce signature in 256 (see lib/natsclient.h): such
 * a connect attempt is retried, and only such an attempt.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <nats/nats.h>

#include "natsauth/natsauth.h"
#include "natsclient.h"
#include "natsserver.h"
#include "testlib.h"

#define MSG_TIMEOUT_MS 3000

/* ---- fixture -------------------------------------------------------------- */

static struct {
    int64_t t0; /* time(NULL) at start: iat of every token unless a case says otherwise */
    ns_server srv;
    bool server_up;
    na_nkey *op, *op_sk, *sys, *acc_a, *acc_a_sk, *acc_b, *acc_unknown, *acc_rogue;
    na_nkey *user_revoked; /* the key A revokes */
    na_claims *op_claims, *a_claims, *b_claims;
    char *op_jwt, *sys_jwt, *a_jwt, *b_jwt;
} g;

static na_err g_err;

#define NA(expr)                                                                       \
    do {                                                                               \
        na_status na_st_ = (expr);                                                     \
        CHECKF(na_st_ == NA_OK, "%s: %s (%s)", #expr, g_err.msg, na_status_str(na_st_)); \
        if (na_st_ != NA_OK)                                                           \
            goto fail;                                                                 \
    } while (0)

/* A user JWT for ukey, signed by signer. issuer_account: NULL unless signed by
 * a signing key. exp: 0 = none. perms: the restricted permission set of case 2. */
static char *user_jwt(const na_nkey *ukey, const na_nkey *signer, const char *issuer_account,
                      int64_t iat, int64_t exp, bool perms, const char *name)
{
    na_claims *c = NULL;
    char *jwt = NULL;
    NA(na_claims_create(&c, NA_CLAIMS_USER, na_nkey_public(ukey), &g_err));
    NA(na_claims_set_name(c, name, &g_err));
    if (issuer_account)
        NA(na_claims_set_str(c, "nats.issuer_account", issuer_account, &g_err));
    if (exp)
        NA(na_claims_set_expires(c, exp, &g_err));
    if (perms) {
        NA(na_claims_perm_add(c, NA_PERM_PUB, true, "allowed.>", &g_err));
        NA(na_claims_perm_add(c, NA_PERM_SUB, true, "_INBOX.>", &g_err));
        NA(na_claims_perm_add(c, NA_PERM_SUB, true, "allowed.>", &g_err));
    }
    NA(na_claims_encode(c, &jwt, signer, iat, &g_err));
fail:
    na_claims_destroy(c);
    return jwt;
}

/* creds text (na_creds_format) for a user key and its JWT; a secret. */
static char *creds_for(const na_nkey *ukey, const char *jwt)
{
    char seed[NA_NKEY_SEED_LEN + 1];
    char *creds = NULL;
    if (!jwt)
        return NULL;
    NA(na_nkey_seed(ukey, seed, &g_err));
    NA(na_creds_format(&creds, jwt, seed, &g_err));
fail:
    na_wipe(seed, sizeof seed);
    return creds;
}

/* ---- a libnats client (lib/natsclient.h) ------------------------------------ */

/* Publish on subj through pub and receive it through sub (same or other
 * connection): proves both connections are really authorized. */
static bool round_trip(natsConnection *pub, natsConnection *sub_nc, const char *subj)
{
    char why[256];
    bool ok = tc_round_trip(pub, sub_nc, subj, MSG_TIMEOUT_MS, why, sizeof why);
    CHECKF(ok, "round trip on %s: %s", subj, why);
    return ok;
}

/* The server's log line (from offset on) that contains `line_has`, must also
 * contain `also` (e.g. the "Authenticated JWT" line of a user names the key
 * that signed it and the account's signer). */
static bool log_line_has(size_t offset, const char *line_has, const char *also)
{
    char *log = NULL, *p, *eol;
    bool ok = false;
    if (!ns_wait_log_from(&g.srv, offset, line_has, 2000))
        return false;
    log = ns_log_read(&g.srv);
    if (log && strlen(log) >= offset && (p = strstr(log + offset, line_has)) != NULL) {
        while (p > log && p[-1] != '\n')
            p--;
        if ((eol = strchr(p, '\n')) != NULL)
            *eol = '\0';
        ok = strstr(p, also) != NULL;
        if (!ok)
            fprintf(stderr, "     log line: %s\n     lacks: %s\n", p, also);
    }
    free(log);
    return ok;
}

/* Connect must fail with an authorization error, and what the server logged
 * about this attempt must contain log_reason (the server's own words, from
 * its debug log: so the refusal is for the intended reason). */
static void expect_refused(const char *creds_text, const char *name, const char *log_reason)
{
    tc_client c;
    size_t mark = ns_log_size(&g.srv);
    tc_init(&c, &g.srv);
    tc_connect(&c, creds_text, NULL, name);
    CHECKF(c.st != NATS_OK, "%s: connected, but the server should have refused it", name);
    CHECKF(c.st == NATS_CONNECTION_AUTH_FAILED || c.st == NATS_NOT_PERMITTED,
           "%s: wrong connect status: %s", name, c.err);
    CHECKF(tc_contains_ci(c.err, "Authorization Violation"), "%s: error text: %s", name, c.err);
    CHECKF(ns_wait_log_from(&g.srv, mark, log_reason, 2000),
           "%s: the server log does not say \"%s\" about it", name, log_reason);
    printf("     %s refused: %s\n", name, c.err);
    tc_close(&c);
}

/* ---- setup ---------------------------------------------------------------- */

static char *encode(na_claims *c, const na_nkey *signer)
{
    char *jwt = NULL;
    NA(na_claims_encode(c, &jwt, signer, g.t0, &g_err));
fail:
    return jwt;
}

TEST(setup)
{
    na_claims *sys = NULL;
    char *conf = NULL, oppath[NS_PATH_MAX];
    size_t n;

    g.t0 = (int64_t)time(NULL);
    NA(na_nkey_create(&g.op, NA_NKEY_OPERATOR, &g_err));
    NA(na_nkey_create(&g.op_sk, NA_NKEY_OPERATOR, &g_err));
    NA(na_nkey_create(&g.sys, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&g.acc_a, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&g.acc_a_sk, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&g.acc_b, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&g.acc_unknown, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&g.acc_rogue, NA_NKEY_ACCOUNT, &g_err));
    NA(na_nkey_create(&g.user_revoked, NA_NKEY_USER, &g_err));

    /* operator: self-signed, one signing key, the system account named */
    NA(na_claims_create(&g.op_claims, NA_CLAIMS_OPERATOR, na_nkey_public(g.op), &g_err));
    NA(na_claims_set_name(g.op_claims, "natsauth-it-op", &g_err));
    NA(na_claims_add_signing_key(g.op_claims, na_nkey_public(g.op_sk), &g_err));
    NA(na_claims_set_str(g.op_claims, "nats.system_account", na_nkey_public(g.sys), &g_err));
    CHECK((g.op_jwt = encode(g.op_claims, g.op)) != NULL);

    NA(na_claims_create(&sys, NA_CLAIMS_ACCOUNT, na_nkey_public(g.sys), &g_err));
    NA(na_claims_set_name(sys, "SYS", &g_err));
    CHECK((g.sys_jwt = encode(sys, g.op)) != NULL);

    /* A: signed by the operator identity; a plain signing key; a revocation */
    NA(na_claims_create(&g.a_claims, NA_CLAIMS_ACCOUNT, na_nkey_public(g.acc_a), &g_err));
    NA(na_claims_set_name(g.a_claims, "A", &g_err));
    NA(na_claims_add_signing_key(g.a_claims, na_nkey_public(g.acc_a_sk), &g_err));
    NA(na_claims_revoke(g.a_claims, na_nkey_public(g.user_revoked), g.t0 - 5, &g_err));
    CHECK((g.a_jwt = encode(g.a_claims, g.op)) != NULL);

    /* B: signed by the operator's signing key */
    NA(na_claims_create(&g.b_claims, NA_CLAIMS_ACCOUNT, na_nkey_public(g.acc_b), &g_err));
    NA(na_claims_set_name(g.b_claims, "B", &g_err));
    CHECK((g.b_jwt = encode(g.b_claims, g.op_sk)) != NULL);
    if (!g.op_jwt || !g.sys_jwt || !g.a_jwt || !g.b_jwt)
        goto fail;

    /* natsauth's own view of the chain before the server's */
    NA(na_chain_check_account(g.op_claims, sys, &g_err));
    NA(na_chain_check_account(g.op_claims, g.a_claims, &g_err));
    NA(na_chain_check_account(g.op_claims, g.b_claims, &g_err));

    if (ns_init(&g.srv, "natsauth-opmode") != 0) {
        CHECKF(0, "no nats-server: integration tests need one (see above)");
        goto fail;
    }
    if (ns_write_file(&g.srv, "operator.jwt", g.op_jwt, 0644, oppath, sizeof oppath) != 0) {
        CHECK(0);
        goto fail;
    }
    n = strlen(g.sys_jwt) + strlen(g.a_jwt) + strlen(g.b_jwt) + 4 * NS_PATH_MAX;
    conf = malloc(n);
    if (!conf) {
        CHECK(0);
        goto fail;
    }
    snprintf(conf, n,
             "debug: true\n"
             "operator: \"%s\"\n"
             "resolver: MEMORY\n"
             "resolver_preload: {\n"
             "  %s: \"%s\"\n"
             "  %s: \"%s\"\n"
             "  %s: \"%s\"\n"
             "}\n",
             oppath, na_nkey_public(g.sys), g.sys_jwt,
             na_nkey_public(g.acc_a), g.a_jwt, na_nkey_public(g.acc_b), g.b_jwt);
    if (ns_start(&g.srv, conf) != 0) {
        CHECKF(0, "nats-server did not start (log above)");
        goto fail;
    }
    g.server_up = true;
    printf("     nats-server %s on %s (dir %s)\n", g.srv.bin, g.srv.url, g.srv.dir);
fail:
    free(conf);
    na_claims_destroy(sys);
}

/* ---- cases ---------------------------------------------------------------- */

/* 1. a user of A with creds connects (creds from memory and from a 0600 file)
 *    and publish/subscribe works, within and across the two connections. */
TEST(user_creds_round_trip)
{
    na_nkey *u = NULL;
    char *jwt = NULL, *creds = NULL, path[NS_PATH_MAX];
    tc_client c1, c2;
    struct stat st;
    tc_init(&c1, &g.srv);
    tc_init(&c2, &g.srv);

    NA(na_nkey_create(&u, NA_NKEY_USER, &g_err));
    jwt = user_jwt(u, g.acc_a, NULL, g.t0, 0, false, "alice");
    creds = creds_for(u, jwt);
    CHECK(creds != NULL);
    if (!creds)
        goto fail;

    CHECKF(tc_connect(&c1, creds, NULL, "alice-mem") == NATS_OK, "memory creds: %s", c1.err);
    if (ns_write_file(&g.srv, "alice.creds", creds, 0600, path, sizeof path) != 0)
        goto fail;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECKF(tc_connect(&c2, NULL, path, "alice-file") == NATS_OK, "creds file: %s", c2.err);
    if (c1.st != NATS_OK || c2.st != NATS_OK)
        goto fail;
    round_trip(c1.nc, c1.nc, "it.self");
    round_trip(c1.nc, c2.nc, "it.cross");
    round_trip(c2.nc, c1.nc, "it.back");
fail:
    tc_close(&c1);
    tc_close(&c2);
    na_free_secret(creds);
    na_free(jwt);
    na_nkey_destroy(u);
}

/* 2. permissions: pub allowed.>, sub _INBOX.> and allowed.>. A request/reply
 *    through allowed.* + _INBOX works; a publish to denied.x is refused
 *    (async -ERR, never delivered) and a subscription to denied.> too. */
TEST(permissions_enforced)
{
    na_nkey *u = NULL, *w = NULL;
    char *ujwt = NULL, *wjwt = NULL, *ucreds = NULL, *wcreds = NULL;
    tc_client pc, wc; /* permission-limited user, unrestricted watcher */
    natsSubscription *echo = NULL, *inbox_sub = NULL, *watch = NULL, *denied_sub = NULL;
    natsInbox *inbox = NULL;
    natsMsg *m = NULL;
    natsStatus s;
    const char *last = NULL;
    size_t mark;
    tc_init(&pc, &g.srv);
    tc_init(&wc, &g.srv);

    NA(na_nkey_create(&u, NA_NKEY_USER, &g_err));
    NA(na_nkey_create(&w, NA_NKEY_USER, &g_err));
    ujwt = user_jwt(u, g.acc_a, NULL, g.t0, 0, true, "limited");
    wjwt = user_jwt(w, g.acc_a, NULL, g.t0, 0, false, "watcher");
    ucreds = creds_for(u, ujwt);
    wcreds = creds_for(w, wjwt);
    if (!ucreds || !wcreds)
        goto fail;
    CHECKF(tc_connect(&pc, ucreds, NULL, "limited") == NATS_OK, "limited: %s", pc.err);
    CHECKF(tc_connect(&wc, wcreds, NULL, "watcher") == NATS_OK, "watcher: %s", wc.err);
    if (pc.st != NATS_OK || wc.st != NATS_OK)
        goto fail;

    /* allowed: request on allowed.echo, reply through the limited user's _INBOX */
    s = natsConnection_SubscribeSync(&echo, wc.nc, "allowed.echo");
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&watch, wc.nc, ">");
    if (s == NATS_OK)
        s = natsConnection_Flush(wc.nc);
    if (s == NATS_OK)
        s = natsInbox_Create(&inbox);
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&inbox_sub, pc.nc, inbox);
    if (s == NATS_OK)
        s = natsConnection_Flush(pc.nc);
    if (s == NATS_OK)
        s = natsConnection_PublishRequestString(pc.nc, "allowed.echo", inbox, "ping");
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&m, echo, MSG_TIMEOUT_MS);
    if (s == NATS_OK)
        s = natsConnection_PublishString(wc.nc, natsMsg_GetReply(m), "pong");
    natsMsg_Destroy(m);
    m = NULL;
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&m, inbox_sub, MSG_TIMEOUT_MS);
    CHECKF(s == NATS_OK && m && natsMsg_GetDataLength(m) == 4 &&
               memcmp(natsMsg_GetData(m), "pong", 4) == 0,
           "request/reply on allowed.echo + _INBOX: %s", natsStatus_GetText(s));
    natsMsg_Destroy(m);
    m = NULL;
    CHECK(natsConnection_GetLastError(pc.nc, &last) == NATS_OK);
    CHECK(pc.async_errs == 0);
    if (s != NATS_OK)
        goto fail;
    /* drain what the watcher saw so far (the request and the reply) */
    while (natsSubscription_NextMsg(&m, watch, 200) == NATS_OK) {
        natsMsg_Destroy(m);
        m = NULL;
    }

    /* denied publish: async permissions violation; the connection stays up */
    mark = ns_log_size(&g.srv);
    s = natsConnection_PublishString(pc.nc, "denied.x", "must not arrive");
    CHECK(s == NATS_OK); /* the client cannot know; the server refuses */
    natsConnection_Flush(pc.nc);
    CHECKF(tc_wait_async_errs(&pc, 1), "no async error for the denied publish");
    CHECKF(pc.async_st == NATS_NOT_PERMITTED, "async status %s",
           natsStatus_GetText(pc.async_st));
    s = natsConnection_GetLastError(pc.nc, &last);
    CHECKF(s == NATS_NOT_PERMITTED, "last error status %s", natsStatus_GetText(s));
    CHECKF(tc_contains_ci(last, "Permissions Violation for Publish to") &&
               tc_contains_ci(last, "denied.x"),
           "last error: %s", last ? last : "(null)");
    printf("     denied publish: %s\n", last ? last : "");
    CHECK(log_line_has(mark, "Publish Violation", "Subject \"denied.x\""));

    /* the publish was dropped: the watcher (subscribed to >) sees the next
     * allowed message from the same connection and nothing before it */
    s = natsConnection_PublishString(pc.nc, "allowed.after", "ok");
    if (s == NATS_OK)
        s = natsConnection_Flush(pc.nc);
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&m, watch, MSG_TIMEOUT_MS);
    CHECKF(s == NATS_OK && m && strcmp(natsMsg_GetSubject(m), "allowed.after") == 0,
           "watcher got %s (%s)", m ? natsMsg_GetSubject(m) : "nothing", natsStatus_GetText(s));
    natsMsg_Destroy(m);
    m = NULL;
    CHECK(natsConnection_Status(pc.nc) == NATS_CONN_STATUS_CONNECTED);

    /* denied subscription */
    mark = ns_log_size(&g.srv);
    s = natsConnection_SubscribeSync(&denied_sub, pc.nc, "denied.>");
    CHECK(s == NATS_OK);
    natsConnection_Flush(pc.nc);
    CHECKF(tc_wait_async_errs(&pc, 2), "no async error for the denied subscription");
    s = natsConnection_GetLastError(pc.nc, &last);
    CHECKF(s == NATS_NOT_PERMITTED &&
               tc_contains_ci(last, "Permissions Violation for Subscription to"),
           "last error: %s %s", natsStatus_GetText(s), last ? last : "(null)");
    printf("     denied subscription: %s\n", last ? last : "");
    CHECK(log_line_has(mark, "Subscription Violation", "Subject \"denied.>\""));
fail:
    natsSubscription_Destroy(denied_sub);
    natsSubscription_Destroy(echo);
    natsSubscription_Destroy(watch);
    natsSubscription_Destroy(inbox_sub);
    natsInbox_Destroy(inbox);
    tc_close(&pc);
    tc_close(&wc);
    na_free_secret(ucreds);
    na_free_secret(wcreds);
    na_free(ujwt);
    na_free(wjwt);
    na_nkey_destroy(u);
    na_nkey_destroy(w);
}

/* 3. a user signed by A's signing key (issuer_account = A) connects. */
TEST(user_signed_by_account_signing_key)
{
    na_nkey *u = NULL;
    na_claims *uc = NULL;
    char *jwt = NULL, *creds = NULL, line[128], want[256];
    size_t mark;
    tc_client c;
    tc_init(&c, &g.srv);
    NA(na_nkey_create(&u, NA_NKEY_USER, &g_err));
    jwt = user_jwt(u, g.acc_a_sk, na_nkey_public(g.acc_a), g.t0, 0, false, "sk-user");
    creds = creds_for(u, jwt);
    if (!creds)
        goto fail;
    NA(na_jwt_decode(&uc, jwt, strlen(jwt), &g_err));
    CHECK_STREQ(na_claims_issuer(uc), na_nkey_public(g.acc_a_sk));
    NA(na_chain_check_user(g.a_claims, uc, &g_err));
    mark = ns_log_size(&g.srv);
    CHECKF(tc_connect(&c, creds, NULL, "sk-user") == NATS_OK, "%s", c.err);
    if (c.st != NATS_OK)
        goto fail;
    round_trip(c.nc, c.nc, "it.sk");
    /* the server took the signing-key path: "... signed with ASK by Account A" */
    snprintf(line, sizeof line, "Client \"%s\"", na_nkey_public(u));
    snprintf(want, sizeof want, "signed with \"%s\" by Account \"%s\"",
             na_nkey_public(g.acc_a_sk), na_nkey_public(g.acc_a));
    CHECK(log_line_has(mark, line, want));
fail:
    tc_close(&c);
    na_claims_destroy(uc);
    na_free_secret(creds);
    na_free(jwt);
    na_nkey_destroy(u);
}

/* 4a. expired user (exp = now - 10): refused; natsauth agrees. */
TEST(refused_expired_user)
{
    na_nkey *u = NULL;
    na_claims *uc = NULL;
    char *jwt = NULL, *creds = NULL;
    int64_t now = (int64_t)time(NULL);
    NA(na_nkey_create(&u, NA_NKEY_USER, &g_err));
    jwt = user_jwt(u, g.acc_a, NULL, g.t0, now - 10, false, "expired");
    creds = creds_for(u, jwt);
    if (!creds)
        goto fail;
    CHECK(na_jwt_verify(&uc, jwt, strlen(jwt), now, &g_err) == NA_EEXPIRED);
    expect_refused(creds, "expired", "claim is expired");
fail:
    na_claims_destroy(uc);
    na_free_secret(creds);
    na_free(jwt);
    na_nkey_destroy(u);
}

/* 4b. issuer_account = A but signed by an account key A does not list. */
TEST(refused_unlisted_signing_key)
{
    na_nkey *u = NULL;
    na_claims *uc = NULL;
    char *jwt = NULL, *creds = NULL;
    NA(na_nkey_create(&u, NA_NKEY_USER, &g_err));
    jwt = user_jwt(u, g.acc_rogue, na_nkey_public(g.acc_a), g.t0, 0, false, "rogue-signed");
    creds = creds_for(u, jwt);
    if (!creds)
        goto fail;
    NA(na_jwt_decode(&uc, jwt, strlen(jwt), &g_err));
    CHECK(na_chain_check_user(g.a_claims, uc, &g_err) != NA_OK);
    expect_refused(creds, "rogue-signed", "User JWT issuer is not known");
fail:
    na_claims_destroy(uc);
    na_free_secret(creds);
    na_free(jwt);
    na_nkey_destroy(u);
}

/* 4c. revocation (A revokes user R at t0-5, revoked iff iat <= t0-5): tokens
 *     of R issued at t0-10 and t0-5 are refused, one issued at t0 is accepted. */
TEST(refused_revoked_user)
{
    na_claims *uc = NULL;
    char *old_jwt = NULL, *eq_jwt = NULL, *new_jwt = NULL;
    char *old_creds = NULL, *eq_creds = NULL, *new_creds = NULL;
    tc_client c;
    tc_init(&c, &g.srv);
    old_jwt = user_jwt(g.user_revoked, g.acc_a, NULL, g.t0 - 10, 0, false, "revoked-old");
    eq_jwt = user_jwt(g.user_revoked, g.acc_a, NULL, g.t0 - 5, 0, false, "revoked-eq");
    new_jwt = user_jwt(g.user_revoked, g.acc_a, NULL, g.t0, 0, false, "reissued");
    old_creds = creds_for(g.user_revoked, old_jwt);
    eq_creds = creds_for(g.user_revoked, eq_jwt);
    new_creds = creds_for(g.user_revoked, new_jwt);
    if (!old_creds || !eq_creds || !new_creds)
        goto fail;

    NA(na_jwt_decode(&uc, eq_jwt, strlen(eq_jwt), &g_err));
    CHECK(na_chain_check_user(g.a_claims, uc, &g_err) == NA_EREVOKED);
    na_claims_destroy(uc);
    uc = NULL;
    NA(na_jwt_decode(&uc, new_jwt, strlen(new_jwt), &g_err));
    CHECKF(na_chain_check_user(g.a_claims, uc, &g_err) == NA_OK, "%s", g_err.msg);
    CHECK(na_claims_is_revoked(g.a_claims, na_nkey_public(g.user_revoked), g.t0 - 10));
    CHECK(!na_claims_is_revoked(g.a_claims, na_nkey_public(g.user_revoked), g.t0));

    expect_refused(old_creds, "revoked-old", "User authentication revoked");
    expect_refused(eq_creds, "revoked-eq", "User authentication revoked");
    CHECKF(tc_connect(&c, new_creds, NULL, "reissued") == NATS_OK,
           "a token issued after the revocation must be accepted: %s", c.err);
    if (c.st == NATS_OK)
        round_trip(c.nc, c.nc, "it.reissued");
fail:
    tc_close(&c);
    na_claims_destroy(uc);
    na_free_secret(old_creds);
    na_free_secret(eq_creds);
    na_free_secret(new_creds);
    na_free(old_jwt);
    na_free(eq_jwt);
    na_free(new_jwt);
}

/* 4d. a user of an account the resolver does not have. */
TEST(refused_unknown_account)
{
    na_nkey *u = NULL;
    char *jwt = NULL, *creds = NULL;
    NA(na_nkey_create(&u, NA_NKEY_USER, &g_err));
    jwt = user_jwt(u, g.acc_unknown, NULL, g.t0, 0, false, "orphan");
    creds = creds_for(u, jwt);
    if (!creds)
        goto fail;
    expect_refused(creds, "orphan", "account missing");
fail:
    na_free_secret(creds);
    na_free(jwt);
    na_nkey_destroy(u);
}

/* 5. account B, signed by the operator's signing key, is accepted: its user
 *    connects; and B is isolated from A (no message crosses accounts). */
TEST(account_signed_by_operator_signing_key)
{
    na_nkey *ub = NULL, *ua = NULL;
    char *bjwt = NULL, *ajwt = NULL, *bcreds = NULL, *acreds = NULL;
    tc_client cb, ca;
    natsSubscription *sub = NULL;
    natsMsg *m = NULL;
    natsStatus s;
    na_claims *bc = NULL;
    char line[128], want[256];
    size_t mark;
    tc_init(&cb, &g.srv);
    tc_init(&ca, &g.srv);

    NA(na_jwt_decode(&bc, g.b_jwt, strlen(g.b_jwt), &g_err));
    CHECK_STREQ(na_claims_issuer(bc), na_nkey_public(g.op_sk));
    NA(na_nkey_create(&ub, NA_NKEY_USER, &g_err));
    NA(na_nkey_create(&ua, NA_NKEY_USER, &g_err));
    bjwt = user_jwt(ub, g.acc_b, NULL, g.t0, 0, false, "bob");
    ajwt = user_jwt(ua, g.acc_a, NULL, g.t0, 0, false, "ann");
    bcreds = creds_for(ub, bjwt);
    acreds = creds_for(ua, ajwt);
    if (!bcreds || !acreds)
        goto fail;
    mark = ns_log_size(&g.srv);
    CHECKF(tc_connect(&cb, bcreds, NULL, "bob") == NATS_OK, "%s", cb.err);
    CHECKF(tc_connect(&ca, acreds, NULL, "ann") == NATS_OK, "%s", ca.err);
    if (cb.st != NATS_OK || ca.st != NATS_OK)
        goto fail;
    round_trip(cb.nc, cb.nc, "it.b");
    /* the server's "Authenticated JWT" line: B "signed with" the operator signing key */
    snprintf(line, sizeof line, "Client \"%s\"", na_nkey_public(ub));
    snprintf(want, sizeof want, "by Account \"%s\"", na_nkey_public(g.acc_b));
    CHECK(log_line_has(mark, line, want));
    snprintf(want, sizeof want, "signed with \"%s\" has", na_nkey_public(g.op_sk));
    CHECK(log_line_has(mark, line, want));
    /* account isolation: A's subscriber does not see B's publish */
    s = natsConnection_SubscribeSync(&sub, ca.nc, "it.iso");
    if (s == NATS_OK)
        s = natsConnection_Flush(ca.nc);
    if (s == NATS_OK)
        s = natsConnection_PublishString(cb.nc, "it.iso", "b");
    if (s == NATS_OK)
        s = natsConnection_Flush(cb.nc);
    CHECK(s == NATS_OK);
    CHECK(natsSubscription_NextMsg(&m, sub, 300) == NATS_TIMEOUT);
fail:
    natsMsg_Destroy(m);
    natsSubscription_Destroy(sub);
    tc_close(&cb);
    tc_close(&ca);
    na_claims_destroy(bc);
    na_free_secret(bcreds);
    na_free_secret(acreds);
    na_free(bjwt);
    na_free(ajwt);
    na_nkey_destroy(ub);
    na_nkey_destroy(ua);
}

/* The system account from the operator JWT is the server's: its user gets an
 * answer from $SYS.REQ.SERVER.PING. */
TEST(system_account_user)
{
    na_nkey *u = NULL;
    char *jwt = NULL, *creds = NULL;
    tc_client c;
    natsMsg *m = NULL;
    natsStatus s;
    tc_init(&c, &g.srv);
    NA(na_nkey_create(&u, NA_NKEY_USER, &g_err));
    jwt = user_jwt(u, g.sys, NULL, g.t0, 0, false, "sysuser");
    creds = creds_for(u, jwt);
    if (!creds)
        goto fail;
    CHECKF(tc_connect(&c, creds, NULL, "sysuser") == NATS_OK, "%s", c.err);
    if (c.st != NATS_OK)
        goto fail;
    s = natsConnection_RequestString(&m, c.nc, "$SYS.REQ.SERVER.PING", "", MSG_TIMEOUT_MS);
    CHECKF(s == NATS_OK && m && natsMsg_GetDataLength(m) > 0 &&
               strstr(natsMsg_GetData(m), "\"server\"") != NULL,
           "$SYS.REQ.SERVER.PING: %s", natsStatus_GetText(s));
fail:
    natsMsg_Destroy(m);
    tc_close(&c);
    na_free_secret(creds);
    na_free(jwt);
    na_nkey_destroy(u);
}

static void teardown(void)
{
    if (g.srv.pid > 0)
        ns_stop(&g.srv); /* nats-server exits 1 on SIGTERM; SIGKILL is reported */
    if (tl_cases_failed && g.server_up) /* ns_start printed it when the start failed */
        ns_print_log(&g.srv);
    ns_cleanup(&g.srv);
    na_claims_destroy(g.op_claims);
    na_claims_destroy(g.a_claims);
    na_claims_destroy(g.b_claims);
    na_free(g.op_jwt);
    na_free(g.sys_jwt);
    na_free(g.a_jwt);
    na_free(g.b_jwt);
    na_nkey_destroy(g.op);
    na_nkey_destroy(g.op_sk);
    na_nkey_destroy(g.sys);
    na_nkey_destroy(g.acc_a);
    na_nkey_destroy(g.acc_a_sk);
    na_nkey_destroy(g.acc_b);
    na_nkey_destroy(g.acc_unknown);
    na_nkey_destroy(g.acc_rogue);
    na_nkey_destroy(g.user_revoked);
}

int main(void)
{
    int rc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    RUN(setup);
    if (g.server_up) {
        RUN(user_creds_round_trip);
        RUN(permissions_enforced);
        RUN(user_signed_by_account_signing_key);
        RUN(refused_expired_user);
        RUN(refused_unlisted_signing_key);
        RUN(refused_revoked_user);
        RUN(refused_unknown_account);
        RUN(account_signed_by_operator_signing_key);
        RUN(system_account_user);
    }
    teardown();
    rc = DONE();
    nats_CloseAndWait(5000);
    return rc;
}
