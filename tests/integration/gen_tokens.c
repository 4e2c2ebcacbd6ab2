/*
 * gen_tokens.c - print one natsauth-made JWT per line, of every claim type,
 * for the second-opinion check with the official JS library
 * (tests/integration/js_second_opinion.sh | node tests/js/verify.mjs).
 *
 *   gen_tokens            the tokens, one per line
 *   gen_tokens --types    the claim type of each token, one per line, in order
 *   gen_tokens --tampered one token whose signature is corrupted (must FAIL)
 *
 * Every token is also decoded back and validated by natsauth (no blocking
 * issue at the time it is made) before it is printed; any error exits 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "natsauth/natsauth.h"

static na_err err;
static int64_t now;

#define NA(expr)                                                                    \
    do {                                                                            \
        na_status st_ = (expr);                                                     \
        if (st_ != NA_OK) {                                                         \
            fprintf(stderr, "gen_tokens:%d: %s: %s (%s)\n", __LINE__, #expr,         \
                    err.msg, na_status_str(st_));                                   \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

#define MAX_TOKENS 16
static char *tokens[MAX_TOKENS];
static const char *types[MAX_TOKENS];
static size_t ntok;

static na_nkey *key(na_nkey_type t)
{
    na_nkey *k = NULL;
    NA(na_nkey_create(&k, t, &err));
    return k;
}

/* encode with iat = now, check natsauth reads it back as the same type and
 * finds no blocking validation issue, keep it. Destroys c. */
static const char *emit(na_claims *c, const na_nkey *signer)
{
    char *jwt = NULL;
    na_claims *back = NULL;
    na_issues *iss = NULL;
    NA(na_claims_encode(c, &jwt, signer, now, &err));
    NA(na_jwt_verify(&back, jwt, strlen(jwt), now, &err));
    if (na_claims_type_of(back) != na_claims_type_of(c)) {
        fprintf(stderr, "gen_tokens: %s token decodes as %s\n",
                na_claims_type_name(na_claims_type_of(c)),
                na_claims_type_name(na_claims_type_of(back)));
        exit(1);
    }
    NA(na_claims_validate(back, now, &iss, &err));
    if (na_issues_blocking(iss, true)) {
        for (size_t i = 0; i < iss->count; i++)
            fprintf(stderr, "gen_tokens: %s: %s%s\n", na_claims_type_name(na_claims_type_of(c)),
                    iss->items[i].description, iss->items[i].blocking ? " (blocking)" : "");
        exit(1);
    }
    na_issues_destroy(iss);
    na_claims_destroy(back);
    if (ntok == MAX_TOKENS) {
        fprintf(stderr, "gen_tokens: too many tokens\n");
        exit(1);
    }
    types[ntok] = na_claims_type_name(na_claims_type_of(c));
    tokens[ntok++] = jwt;
    na_claims_destroy(c);
    return jwt;
}

int main(int argc, char **argv)
{
    na_nkey *op, *op_sk, *sys, *acc, *acc_sk, *acc_scoped, *acc2, *user, *user2, *server,
        *xk;
    na_claims *c;
    const char *user_token;
    char url[64];
    bool want_types = argc > 1 && strcmp(argv[1], "--types") == 0;
    bool want_tampered = argc > 1 && strcmp(argv[1], "--tampered") == 0;
    if (argc > 2 || (argc == 2 && !want_types && !want_tampered)) {
        fprintf(stderr, "usage: gen_tokens [--types|--tampered]\n");
        return 2;
    }
    now = (int64_t)time(NULL);

    op = key(NA_NKEY_OPERATOR);
    op_sk = key(NA_NKEY_OPERATOR);
    sys = key(NA_NKEY_ACCOUNT);
    acc = key(NA_NKEY_ACCOUNT);
    acc_sk = key(NA_NKEY_ACCOUNT);
    acc_scoped = key(NA_NKEY_ACCOUNT);
    acc2 = key(NA_NKEY_ACCOUNT);
    user = key(NA_NKEY_USER);
    user2 = key(NA_NKEY_USER);
    server = key(NA_NKEY_SERVER);
    xk = key(NA_NKEY_CURVE);

    /* operator: signing key, system account, URLs, tags */
    NA(na_claims_create(&c, NA_CLAIMS_OPERATOR, na_nkey_public(op), &err));
    NA(na_claims_set_name(c, "js-op", &err));
    NA(na_claims_add_signing_key(c, na_nkey_public(op_sk), &err));
    NA(na_claims_set_str(c, "nats.system_account", na_nkey_public(sys), &err));
    NA(na_claims_set_str(c, "nats.account_server_url", "http://127.0.0.1:9090/jwt/v1", &err));
    NA(na_claims_add_str(c, "nats.operator_service_urls", "nats://127.0.0.1:4222", &err));
    NA(na_claims_add_tag(c, "Env:Test", &err));
    emit(c, op);

    /* account: limits, JetStream limits, exports, imports, signing keys (plain
     * and scoped), revocations, default permissions */
    NA(na_claims_create(&c, NA_CLAIMS_ACCOUNT, na_nkey_public(acc), &err));
    NA(na_claims_set_name(c, "js-account <&>", &err));
    NA(na_claims_set_int(c, "nats.limits.conn", 100, &err));
    NA(na_claims_set_int(c, "nats.limits.subs", 1000, &err));
    NA(na_claims_set_int(c, "nats.limits.data", 1 << 20, &err));
    NA(na_claims_set_int(c, "nats.limits.payload", 4096, &err));
    NA(na_claims_set_int(c, "nats.limits.imports", 10, &err));
    NA(na_claims_set_int(c, "nats.limits.exports", 10, &err));
    NA(na_claims_set_int(c, "nats.limits.leaf", 2, &err));
    NA(na_claims_set_bool(c, "nats.limits.wildcards", true, &err));
    NA(na_claims_set_int(c, "nats.limits.mem_storage", 1 << 20, &err));
    NA(na_claims_set_int(c, "nats.limits.disk_storage", 1 << 24, &err));
    NA(na_claims_set_int(c, "nats.limits.streams", 5, &err));
    NA(na_claims_set_int(c, "nats.limits.consumer", 10, &err));
    NA(na_claims_append_json(c, "nats.exports",
                             "{\"name\":\"events\",\"subject\":\"events.>\",\"type\":\"stream\","
                             "\"token_req\":true}",
                             &err));
    NA(na_claims_append_json(c, "nats.exports",
                             "{\"name\":\"help\",\"subject\":\"help.*\",\"type\":\"service\","
                             "\"response_type\":\"Stream\",\"response_threshold\":1000000000,"
                             "\"service_latency\":{\"sampling\":50,\"results\":\"lat.help\"}}",
                             &err));
    snprintf(url, sizeof url, "%s", na_nkey_public(acc2));
    {
        char imp[512];
        snprintf(imp, sizeof imp,
                 "{\"name\":\"other\",\"subject\":\"other.>\",\"account\":\"%s\","
                 "\"type\":\"stream\"}",
                 url);
        NA(na_claims_append_json(c, "nats.imports", imp, &err));
        snprintf(imp, sizeof imp,
                 "{\"name\":\"svc\",\"subject\":\"svc.req\",\"account\":\"%s\","
                 "\"local_subject\":\"local.svc\",\"type\":\"service\"}",
                 url);
        NA(na_claims_append_json(c, "nats.imports", imp, &err));
    }
    NA(na_claims_add_signing_key(c, na_nkey_public(acc_sk), &err));
    NA(na_claims_add_scoped_key(c, na_nkey_public(acc_scoped), "dev",
                                "{\"pub\":{\"allow\":[\"dev.>\"]},\"sub\":{\"allow\":[\"dev.>\"]},"
                                "\"subs\":10,\"data\":-1,\"payload\":-1}",
                                "developers", &err));
    NA(na_claims_revoke(c, na_nkey_public(user2), now - 60, &err));
    NA(na_claims_perm_add(c, NA_PERM_PUB, true, "default.>", &err));
    NA(na_claims_set_str(c, "nats.description", "an account with everything", &err));
    emit(c, op);

    /* account signed by the operator's signing key */
    NA(na_claims_create(&c, NA_CLAIMS_ACCOUNT, na_nkey_public(acc2), &err));
    NA(na_claims_set_name(c, "js-account-2", &err));
    emit(c, op_sk);

    /* user with permissions, limits, times, source networks, expiry */
    NA(na_claims_create(&c, NA_CLAIMS_USER, na_nkey_public(user), &err));
    NA(na_claims_set_name(c, "js-user", &err));
    NA(na_claims_perm_add(c, NA_PERM_PUB, true, "allowed.>", &err));
    NA(na_claims_perm_add(c, NA_PERM_PUB, false, "allowed.secret", &err));
    NA(na_claims_perm_add(c, NA_PERM_SUB, true, "_INBOX.>", &err));
    NA(na_claims_perm_add(c, NA_PERM_SUB, false, "denied.>", &err));
    NA(na_claims_set_resp(c, 1, 5000000000LL, &err));
    NA(na_claims_set_int(c, "nats.subs", 10, &err));
    NA(na_claims_set_int(c, "nats.data", 1 << 20, &err));
    NA(na_claims_set_int(c, "nats.payload", 1024, &err));
    NA(na_claims_set_json(c, "nats.src", "[\"127.0.0.0/8\",\"192.0.2.0/24\"]", &err));
    NA(na_claims_append_json(c, "nats.times", "{\"start\":\"08:00:00\",\"end\":\"17:00:00\"}",
                             &err));
    NA(na_claims_set_str(c, "nats.times_location", "UTC", &err));
    NA(na_claims_add_str(c, "nats.allowed_connection_types", "STANDARD", &err));
    NA(na_claims_add_str(c, "nats.allowed_connection_types", "WEBSOCKET", &err));
    NA(na_claims_set_expires(c, now + 3600, &err));
    NA(na_claims_add_tag(c, "team:a", &err));
    user_token = emit(c, acc);

    /* user signed by the account's signing key (issuer_account) */
    NA(na_claims_create(&c, NA_CLAIMS_USER, na_nkey_public(user2), &err));
    NA(na_claims_set_str(c, "nats.issuer_account", na_nkey_public(acc), &err));
    emit(c, acc_sk);

    /* activation: acc grants acc2 the token-required export events.> */
    NA(na_claims_create(&c, NA_CLAIMS_ACTIVATION, na_nkey_public(acc2), &err));
    NA(na_claims_set_name(c, "events for acc2", &err));
    NA(na_claims_set_str(c, "nats.subject", "events.>", &err));
    NA(na_claims_set_str(c, "nats.kind", "stream", &err));
    NA(na_claims_set_expires(c, now + 600, &err));
    emit(c, acc);

    /* authorization request, signed by a server key */
    NA(na_claims_create(&c, NA_CLAIMS_AUTH_REQUEST, na_nkey_public(user), &err));
    NA(na_claims_set_audience(c, "nats-authorization-request", &err));
    NA(na_claims_set_str(c, "nats.server_id.name", "it-server", &err));
    NA(na_claims_set_str(c, "nats.server_id.host", "127.0.0.1", &err));
    NA(na_claims_set_str(c, "nats.server_id.id", na_nkey_public(server), &err));
    NA(na_claims_set_str(c, "nats.server_id.version", "2.10.27", &err));
    NA(na_claims_set_str(c, "nats.server_id.xkey", na_nkey_public(xk), &err));
    NA(na_claims_set_str(c, "nats.user_nkey", na_nkey_public(user), &err));
    NA(na_claims_set_str(c, "nats.client_info.host", "127.0.0.1", &err));
    NA(na_claims_set_int(c, "nats.client_info.id", 7, &err));
    NA(na_claims_set_str(c, "nats.client_info.user", na_nkey_public(user), &err));
    NA(na_claims_set_str(c, "nats.client_info.kind", "Client", &err));
    NA(na_claims_set_str(c, "nats.client_info.type", "nats", &err));
    NA(na_claims_set_str(c, "nats.client_info.nonce", "abcdef", &err));
    NA(na_claims_set_str(c, "nats.connect_opts.jwt", user_token, &err));
    NA(na_claims_set_str(c, "nats.connect_opts.lang", "C", &err));
    NA(na_claims_set_str(c, "nats.connect_opts.version", "3.4.1", &err));
    NA(na_claims_set_int(c, "nats.connect_opts.protocol", 1, &err));
    emit(c, server);

    /* authorization response: the callout account answers with the user JWT */
    NA(na_claims_create(&c, NA_CLAIMS_AUTH_RESPONSE, na_nkey_public(user), &err));
    NA(na_claims_set_audience(c, na_nkey_public(server), &err));
    NA(na_claims_set_str(c, "nats.jwt", user_token, &err));
    emit(c, acc);

    /* generic claims with free-form data */
    NA(na_claims_create(&c, NA_CLAIMS_GENERIC, "some-subject", &err));
    NA(na_claims_set_name(c, "js-generic", &err));
    NA(na_claims_set_json(c, "nats", "{\"anything\":[1,\"two\",{\"three\":3}],\"x\":\"<&>\"}",
                          &err));
    emit(c, acc);

    for (size_t i = 0; i < ntok; i++) {
        if (want_types)
            printf("%s\n", types[i]);
        else if (!want_tampered)
            printf("%s\n", tokens[i]);
    }
    if (want_tampered) {
        /* flip one character of the user token's signature */
        char *t = tokens[3];
        size_t n = strlen(t);
        t[n - 5] = t[n - 5] == 'A' ? 'B' : 'A';
        printf("%s\n", t);
    }
    for (size_t i = 0; i < ntok; i++)
        na_free(tokens[i]);
    na_nkey_destroy(op);
    na_nkey_destroy(op_sk);
    na_nkey_destroy(sys);
    na_nkey_destroy(acc);
    na_nkey_destroy(acc_sk);
    na_nkey_destroy(acc_scoped);
    na_nkey_destroy(acc2);
    na_nkey_destroy(user);
    na_nkey_destroy(user2);
    na_nkey_destroy(server);
    na_nkey_destroy(xk);
    return fflush(stdout) == 0 ? 0 : 1;
}
