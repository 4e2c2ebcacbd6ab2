/*
 * test_callout_core.c - the auth callout decision step (src/core/callout.c)
 * against vectors made with the Go reference (tests/vectors/callout, see its
 * PROVENANCE.md), plus the rules a deployment relies on: every request is
 * answered, a grant that cannot be honoured is refused (never widened),
 * template values are single subject tokens, user JWT expiry is capped, the
 * error text is sanitized, and the answer is sealed iff the request was.
 *
 * usage: test_callout_core VECTORS_DIR
 */
#include <pthread.h>

#include <jansson.h>
#include <sodium.h>

#include "natsauth/callout.h"
#include "natsauth/natsauth.h"
#include "../testlib.h"

static const char *vec_dir;
static json_t *keys;     /* meta.keys: name -> {public, seed} */
static json_t *req_rows; /* requests.jsonl without the meta line */
static json_t *resp_rows;
static int64_t NOW;

/* ---- fixtures ---------------------------------------------------------------- */

static json_t *load_jsonl(const char *name)
{
    char path[1024], line[65536];
    json_t *rows = json_array();
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", vec_dir, name);
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    while (fgets(line, sizeof line, f)) {
        json_t *row = json_loads(line, 0, NULL);
        if (!row) {
            fprintf(stderr, "bad JSON line in %s\n", path);
            exit(1);
        }
        if (json_is_true(json_object_get(row, "meta"))) {
            if (!keys) {
                keys = json_incref(json_object_get(row, "keys"));
                NOW = json_integer_value(json_object_get(row, "now"));
            }
            json_decref(row);
            continue;
        }
        json_array_append_new(rows, row);
    }
    fclose(f);
    return rows;
}

static const char *pub_of(const char *name)
{
    return json_string_value(json_object_get(json_object_get(keys, name), "public"));
}

/* Key pair of a named vector key (new). */
static na_nkey *key(const char *name)
{
    const char *seed = json_string_value(json_object_get(json_object_get(keys, name), "seed"));
    na_nkey *k = NULL;
    na_err err;
    if (!seed || na_nkey_from_seed(&k, seed, strlen(seed), &err) != NA_OK) {
        fprintf(stderr, "vector key '%s' is unusable\n", name);
        exit(1);
    }
    return k;
}

static json_t *find_row(json_t *rows, const char *name)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "case")), name) == 0)
            return r;
    }
    fprintf(stderr, "no vector case '%s'\n", name);
    exit(1);
}

/* The message bytes of a request row (new, free). */
static uint8_t *row_msg(const json_t *row, size_t *len)
{
    const char *b64 = json_string_value(json_object_get(row, "msg_b64"));
    size_t cap = strlen(b64) + 1;
    uint8_t *b = malloc(cap);
    if (sodium_base642bin(b, cap, b64, strlen(b64), NULL, len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        fprintf(stderr, "bad msg_b64\n");
        exit(1);
    }
    return b;
}

/* Keys of the tests, loaded once. */
static na_nkey *k_issuer, *k_issuer_sk, *k_target, *k_target_sk, *k_xkey, *k_server, *k_server_xkey,
    *k_user;

static void config_conf(na_callout_conf *c)
{
    memset(c, 0, sizeof *c);
    c->issuer = k_issuer;
}

/* Open a row of requests.jsonl with the conf its "conf" asks for. */
static na_status open_row(na_authreq **r, const json_t *row, na_callout_conf *conf,
                          const char **servers, na_err *err)
{
    const json_t *c = json_object_get(row, "conf");
    const json_t *sv = json_object_get(c, "servers");
    const char *hdr = json_string_value(json_object_get(row, "header"));
    size_t len, i;
    const json_t *s;
    uint8_t *msg = row_msg(row, &len);
    na_status st;
    config_conf(conf);
    if (json_is_true(json_object_get(c, "xkey")))
        conf->xkey = k_xkey;
    json_array_foreach(sv, i, s) servers[i] = pub_of(json_string_value(s));
    conf->servers = servers;
    conf->nservers = json_array_size(sv);
    st = na_callout_open(r, msg, len, hdr, conf, json_integer_value(json_object_get(row, "now")),
                         err);
    free(msg);
    return st;
}

/* A request made here (signed by the vector server key), for cases the Go
 * vectors do not need to cover: odd connect_opts values. */
static char *make_request(const char *user, const char *client_name)
{
    na_claims *c = NULL;
    char *tok = NULL;
    na_err err;
    if (na_claims_create(&c, NA_CLAIMS_AUTH_REQUEST, na_nkey_public(k_issuer), &err) != NA_OK ||
        na_claims_set_audience(c, NA_CALLOUT_AUDIENCE, &err) != NA_OK ||
        na_claims_set_str(c, "nats.user_nkey", na_nkey_public(k_user), &err) != NA_OK ||
        na_claims_set_str(c, "nats.server_id.id", na_nkey_public(k_server), &err) != NA_OK ||
        na_claims_set_str(c, "nats.connect_opts.user", user, &err) != NA_OK ||
        na_claims_set_str(c, "nats.connect_opts.name", client_name, &err) != NA_OK ||
        na_claims_set_expires(c, NOW + 2, &err) != NA_OK ||
        na_claims_encode(c, &tok, k_server, NOW - 1, &err) != NA_OK) {
        fprintf(stderr, "make_request: %s\n", err.msg);
        exit(1);
    }
    na_claims_destroy(c);
    return tok;
}

static na_authreq *open_made(const char *user, const char *client_name)
{
    char *tok = make_request(user, client_name);
    na_authreq *r = NULL;
    na_callout_conf conf;
    na_err err;
    config_conf(&conf);
    CHECKF(na_callout_open(&r, (const uint8_t *)tok, strlen(tok), NULL, &conf, NOW, &err) == NA_OK,
           "%s", err.msg);
    na_free(tok);
    return r;
}

/* Decode a plain response (the bytes must be a JWT). New claims or NULL. */
static na_claims *decode_response(const uint8_t *out, size_t len)
{
    na_claims *c = NULL;
    na_err err;
    CHECKF(na_jwt_decode(&c, (const char *)out, len, &err) == NA_OK, "%s", err.msg);
    CHECK(!c || na_claims_type_of(c) == NA_CLAIMS_AUTH_RESPONSE);
    return c;
}

/* Open a sealed response as the server would (server_xkey, from our xkey). */
static na_claims *open_sealed_response(const uint8_t *out, size_t len)
{
    uint8_t *plain = NULL;
    size_t plen = 0;
    na_claims *c = NULL;
    na_err err;
    CHECK(len > 4 && memcmp(out, "xkv1", 4) == 0);
    CHECKF(na_xkey_open(k_server_xkey, &plain, &plen, out, len, na_nkey_public(k_xkey), &err) ==
               NA_OK,
           "%s", err.msg);
    if (plain)
        c = decode_response(plain, plen);
    na_free(plain);
    return c;
}

static const char *nats_str(const na_claims *c, const char *path)
{
    const char *s = "";
    na_claims_get_str(c, path, &s);
    return s;
}

/* The user JWT inside an allowing response (new claims, verified at NOW). */
static na_claims *inner_user(const na_claims *resp)
{
    const char *jwt = nats_str(resp, "nats.jwt");
    na_claims *u = NULL;
    na_err err;
    CHECKF(*jwt && na_jwt_verify(&u, jwt, strlen(jwt), NOW, &err) == NA_OK, "%s", err.msg);
    CHECK(!u || na_claims_type_of(u) == NA_CLAIMS_USER);
    return u;
}

/* ---- open -------------------------------------------------------------------- */

TEST(open_vectors)
{
    size_t i;
    json_t *row;
    json_array_foreach(req_rows, i, row)
    {
        const char *name = json_string_value(json_object_get(row, "case"));
        const json_t *want = json_object_get(row, "want");
        const char *wst = json_string_value(json_object_get(want, "status"));
        const char *sub = json_string_value(json_object_get(want, "contains"));
        const json_t *partial = json_object_get(row, "partial");
        const char *servers[4];
        na_callout_conf conf;
        na_authreq *r = NULL;
        na_err err = {0};
        na_status st = open_row(&r, row, &conf, servers, &err);
        CHECKF(strcmp(na_status_str(st), wst) == 0, "%s: status '%s' want '%s' (%s)", name,
               na_status_str(st), wst, err.msg);
        CHECKF(r != NULL, "%s: no request to answer", name);
        if (!r)
            continue;
        CHECKF(r->valid == (st == NA_OK), "%s: valid flag", name);
        if (st != NA_OK) {
            CHECKF(err.code == st && sub && strstr(err.msg, sub), "%s: message '%s' lacks '%s'",
                   name, err.msg, sub ? sub : "");
            CHECKF(!strstr(err.msg, "s3cret"), "%s: message shows the password", name);
            CHECK(r->claims == NULL);
        }
        if (partial) {
            CHECK_STREQ(r->user_nkey, json_string_value(json_object_get(partial, "user_nkey")));
            CHECK_STREQ(r->server_id, json_string_value(json_object_get(partial, "server_id")));
        }
        CHECK(r->user_nkey && r->server_id && r->client_user && r->pass && r->tls_cipher);
        na_authreq_destroy(r);
    }
    CHECK(json_array_size(req_rows) >= 20);
}

TEST(open_fills_fields)
{
    static const char *const cases[] = {"plain", "sealed"};
    for (size_t i = 0; i < 2; i++) {
        const char *servers[4];
        na_callout_conf conf;
        na_authreq *r = NULL;
        na_err err;
        CHECKF(open_row(&r, find_row(req_rows, cases[i]), &conf, servers, &err) == NA_OK, "%s",
               err.msg);
        if (!r || !r->valid)
            continue;
        CHECK(r->sealed == (i == 1));
        CHECK_STREQ(r->peer_xkey, i == 1 ? pub_of("server_xkey") : "");
        CHECK_STREQ(r->server_key, pub_of("server"));
        CHECK_STREQ(r->server_id, pub_of("server"));
        CHECK_STREQ(r->server_name, "n1");
        CHECK_STREQ(r->server_host, "0.0.0.0");
        CHECK_STREQ(r->server_version, "2.10.27");
        CHECK_STREQ(r->server_cluster, "c1");
        CHECK_STREQ(r->account, pub_of("issuer"));
        CHECK_STREQ(r->user_nkey, pub_of("user"));
        CHECK(r->expires == NOW + 1);
        CHECK_STREQ(r->client_host, "127.0.0.1");
        CHECK_STREQ(r->client_user, "alice");
        CHECK_STREQ(r->client_name, "app-1");
        CHECK_STREQ(r->client_kind, "Client");
        CHECK_STREQ(r->client_type, "nats");
        CHECK_STREQ(r->client_nonce, "");
        CHECK(r->client_id == 7);
        CHECK_STREQ(r->user, "alice");
        CHECK_STREQ(r->pass, "s3cret");
        CHECK_STREQ(r->token, "");
        CHECK_STREQ(r->name, "app-1");
        CHECK_STREQ(r->lang, "go");
        CHECK_STREQ(r->version, "1.31.0");
        CHECK(r->protocol == 1);
        CHECK_STREQ(r->tls_version, "1.3");
        CHECK_STREQ(r->tls_cipher, "TLS_AES_128_GCM_SHA256");
        CHECK(r->claims && na_claims_type_of(r->claims) == NA_CLAIMS_AUTH_REQUEST);
        na_authreq_destroy(r);
    }
}

TEST(open_flip_any_byte_fails)
{
    /* every single-byte change of a request is refused, and still answerable */
    const json_t *row = find_row(req_rows, "plain");
    size_t len;
    uint8_t *msg = row_msg(row, &len);
    na_callout_conf conf;
    config_conf(&conf);
    for (size_t i = 0; i < len; i += 7) {
        na_authreq *r = NULL;
        na_err err;
        msg[i] ^= 0x01;
        CHECKF(na_callout_open(&r, msg, len, NULL, &conf, NOW, &err) != NA_OK, "byte %zu", i);
        CHECK(r && !r->valid);
        na_authreq_destroy(r);
        msg[i] ^= 0x01;
    }
    free(msg);
    na_authreq_destroy(NULL);
}

/* ---- respond: Go vectors -------------------------------------------------- */

static na_nkey *key_or(const json_t *obj, const char *field, const char *dflt)
{
    const char *name = json_string_value(json_object_get(obj, field));
    return name ? key(name) : dflt ? key(dflt) : NULL;
}

static void grant_from(na_callout_grant *g, const json_t *spec, na_nkey **signer)
{
    const json_t *user = json_object_get(spec, "user");
    na_callout_grant_init(g);
    snprintf(g->account, sizeof g->account, "%s",
             json_string_value(json_object_get(spec, "account")));
    snprintf(g->name, sizeof g->name, "%s", json_string_value(json_object_get(spec, "name")));
    g->expires = json_integer_value(json_object_get(spec, "expires"));
    *signer = key_or(spec, "signer", NULL);
    g->signer = *signer;
    if (user) {
        char *js = json_dumps(user, JSON_COMPACT);
        na_err err;
        CHECKF(na_claims_from_json(&g->user, NA_CLAIMS_USER, js, strlen(js), &err) == NA_OK, "%s",
               err.msg);
        free(js);
    }
}

TEST(respond_vectors_match_go)
{
    size_t i;
    json_t *row;
    const char *servers[4];
    na_callout_conf oconf;
    na_authreq *req = NULL;
    na_err err;
    CHECK(open_row(&req, find_row(req_rows, "plain"), &oconf, servers, &err) == NA_OK);
    json_array_foreach(resp_rows, i, row)
    {
        const char *name = json_string_value(json_object_get(row, "case"));
        const json_t *cs = json_object_get(row, "conf"), *gs = json_object_get(row, "grant");
        const char *want = json_string_value(json_object_get(row, "want_response"));
        const char *want_user = json_string_value(json_object_get(row, "want_user_jwt"));
        bool op = strcmp(json_string_value(json_object_get(row, "mode")), "operator") == 0;
        na_nkey *issuer = key_or(cs, "issuer", "issuer"), *signer = NULL;
        na_callout_conf conf = {0};
        na_callout_grant g;
        uint8_t *out = NULL;
        size_t len = 0;
        bool denied = true;
        na_claims *resp;
        conf.issuer = issuer;
        conf.issuer_account = json_string_value(json_object_get(cs, "issuer_account"));
        conf.operator_mode = op;
        conf.max_ttl = json_integer_value(json_object_get(cs, "max_ttl"));
        conf.default_ttl = json_integer_value(json_object_get(cs, "default_ttl"));
        if (json_is_object(gs))
            grant_from(&g, gs, &signer);
        CHECKF(na_callout_respond(&out, &len, req, &conf, NOW, json_is_object(gs) ? &g : NULL,
                                  json_string_value(json_object_get(cs, "reason")), &denied,
                                  &err) == NA_OK,
               "%s: %s", name, err.msg);
        CHECKF(denied == !json_is_object(gs), "%s: denied", name);
        /* byte for byte what the Go library writes for the same claims */
        CHECKF(out && len == strlen(want) && memcmp(out, want, len) == 0,
               "%s: response differs from Go\n  got  %.*s\n  want %s", name, (int)len,
               out ? (const char *)out : "", want);
        resp = out ? decode_response(out, len) : NULL;
        if (resp) {
            CHECK_STREQ(na_claims_subject(resp), pub_of("user"));
            CHECK_STREQ(na_claims_audience(resp), pub_of("server"));
            CHECK_STREQ(na_claims_issuer(resp), na_nkey_public(issuer));
            CHECK_STREQ(na_claims_issuer_account(resp),
                        conf.issuer_account ? conf.issuer_account : "");
            if (want_user) {
                na_claims *u = inner_user(resp);
                CHECK_STREQ(nats_str(resp, "nats.jwt"), want_user);
                CHECK_STREQ(nats_str(resp, "nats.error"), "");
                if (u) {
                    CHECK_STREQ(na_claims_subject(u), pub_of("user"));
                    CHECK(na_claims_issued_at(u) == NOW);
                }
                na_claims_destroy(u);
            } else {
                CHECK_STREQ(nats_str(resp, "nats.jwt"), "");
                CHECK(*nats_str(resp, "nats.error"));
            }
        }
        na_claims_destroy(resp);
        na_free(out);
        if (json_is_object(gs))
            na_callout_grant_clear(&g);
        na_nkey_destroy(issuer);
        na_nkey_destroy(signer);
    }
    na_authreq_destroy(req);
}

/* One allowed answer for req, plain; returns the user claims (new). */
static na_claims *allow(const na_authreq *req, const na_callout_conf *conf,
                        const na_callout_grant *g)
{
    uint8_t *out = NULL;
    size_t len = 0;
    bool denied = true;
    na_claims *resp = NULL, *u = NULL;
    na_err err;
    CHECKF(na_callout_respond(&out, &len, req, conf, NOW, g, NULL, &denied, &err) == NA_OK, "%s",
           err.msg);
    CHECKF(!denied, "denied: %s", err.msg);
    if (out)
        resp = decode_response(out, len);
    if (resp && !denied)
        u = inner_user(resp);
    na_claims_destroy(resp);
    na_free(out);
    return u;
}

/* One refused answer: denied, an error response with no user JWT. */
static void refuse(const na_authreq *req, const na_callout_conf *conf, const na_callout_grant *g,
                   const char *why)
{
    uint8_t *out = NULL;
    size_t len = 0;
    bool denied = false;
    na_claims *resp;
    na_err err = {0};
    CHECKF(na_callout_respond(&out, &len, req, conf, NOW, g, NULL, &denied, &err) == NA_OK, "%s",
           err.msg);
    CHECKF(denied, "grant was honoured, want refusal for '%s'", why);
    CHECKF(err.code != NA_OK && strstr(err.msg, why), "err '%s' lacks '%s'", err.msg, why);
    resp = out ? decode_response(out, len) : NULL;
    if (resp) {
        CHECK_STREQ(nats_str(resp, "nats.jwt"), "");
        CHECK_STREQ(nats_str(resp, "nats.error"), "not authorized");
        CHECK_STREQ(na_claims_subject(resp), pub_of("user"));
    }
    na_claims_destroy(resp);
    na_free(out);
}

TEST(respond_config_mode)
{
    na_authreq *req = open_made("alice", "app-1");
    na_callout_conf conf;
    na_callout_grant g;
    na_claims *u;
    config_conf(&conf);
    conf.default_ttl = 100;
    na_callout_grant_init(&g);
    strcpy(g.account, "APP");
    u = allow(req, &conf, &g);
    if (u) {
        CHECK_STREQ(na_claims_audience(u), "APP");
        CHECK_STREQ(na_claims_issuer(u), pub_of("issuer"));
        CHECK_STREQ(na_claims_issuer_account(u), "");
        CHECK(na_claims_expires(u) == NOW + 100);
        CHECK(na_claims_count(u, "nats.pub.allow") == 0); /* no template: account defaults */
    }
    na_claims_destroy(u);
    /* grant expiry below the cap is kept */
    g.expires = NOW + 30;
    u = allow(req, &conf, &g);
    CHECK(u && na_claims_expires(u) == NOW + 30);
    na_claims_destroy(u);
    /* the default ttl is capped by max_ttl too */
    g.expires = 0;
    conf.default_ttl = 7200;
    conf.max_ttl = 60;
    u = allow(req, &conf, &g);
    CHECK(u && na_claims_expires(u) == NOW + 60);
    na_claims_destroy(u);
    na_authreq_destroy(req);
}

TEST(respond_refuses_what_it_cannot_honour)
{
    na_authreq *req = open_made("alice", "app-1");
    na_callout_conf conf;
    na_callout_grant g;
    na_nkey *ukey = key("user");
    config_conf(&conf);
    na_callout_grant_init(&g);

    g.signer = k_target; /* config mode: only the auth_callout issuer signs */
    refuse(req, &conf, &g, "auth_callout issuer");
    g.signer = NULL;
    strcpy(g.issuer_account, pub_of("issuer"));
    refuse(req, &conf, &g, "issuer_account");
    g.issuer_account[0] = '\0';
    g.signer = ukey; /* a user key cannot sign a user JWT */
    refuse(req, &conf, &g, "signer");
    g.signer = NULL;
    g.expires = NOW - 5;
    refuse(req, &conf, &g, "expires");
    g.expires = 0;
    strcpy(g.account, "A\nB");
    refuse(req, &conf, &g, "control");
    g.account[0] = '\0';
    CHECK(na_claims_create(&g.user, NA_CLAIMS_ACCOUNT, pub_of("target"), NULL) == NA_OK);
    refuse(req, &conf, &g, "want 'user'");
    na_callout_grant_clear(&g);
    CHECK(g.user == NULL && g.account[0] == '\0');
    /* a user template the server would refuse (bad subject) is refused here */
    CHECK(na_claims_create(&g.user, NA_CLAIMS_USER, pub_of("user"), NULL) == NA_OK);
    CHECK(na_claims_perm_add(g.user, NA_PERM_PUB, true, "a..b", NULL) == NA_OK ||
          na_claims_set_json(g.user, "nats.pub.allow", "[\"a..b\"]", NULL) == NA_OK);
    refuse(req, &conf, &g, "user JWT would be refused");
    na_callout_grant_clear(&g);

    conf.operator_mode = true;
    strcpy(g.account, "APP"); /* operator mode wants an account public key */
    refuse(req, &conf, &g, "not an account public key");
    strcpy(g.account, pub_of("target")); /* another account needs its own signer */
    refuse(req, &conf, &g, "needs a signer");
    g.signer = k_target_sk;
    strcpy(g.issuer_account, pub_of("issuer"));
    refuse(req, &conf, &g, "is not the target account");
    na_callout_grant_clear(&g);
    na_nkey_destroy(ukey);
    na_authreq_destroy(req);
}

TEST(respond_operator_signers)
{
    na_authreq *req = open_made("alice", "app-1");
    na_callout_conf conf;
    na_callout_grant g;
    na_claims *u;
    config_conf(&conf);
    conf.operator_mode = true;
    na_callout_grant_init(&g);
    /* the target account's own key: no issuer_account */
    strcpy(g.account, pub_of("target"));
    g.signer = k_target;
    u = allow(req, &conf, &g);
    if (u) {
        CHECK_STREQ(na_claims_issuer(u), pub_of("target"));
        CHECK_STREQ(na_claims_issuer_account(u), "");
        CHECK_STREQ(na_claims_audience(u), ""); /* placement comes from the issuer */
    }
    na_claims_destroy(u);
    /* a signing key of it: issuer_account = the account */
    g.signer = k_target_sk;
    u = allow(req, &conf, &g);
    if (u) {
        CHECK_STREQ(na_claims_issuer(u), pub_of("target_sk"));
        CHECK_STREQ(na_claims_issuer_account(u), pub_of("target"));
    }
    na_claims_destroy(u);
    /* callout account through its signing key (conf) */
    na_callout_grant_init(&g);
    conf.issuer = k_issuer_sk;
    conf.issuer_account = pub_of("issuer");
    u = allow(req, &conf, &g);
    if (u) {
        CHECK_STREQ(na_claims_issuer(u), pub_of("issuer_sk"));
        CHECK_STREQ(na_claims_issuer_account(u), pub_of("issuer"));
    }
    na_claims_destroy(u);
    na_authreq_destroy(req);
}

/* ---- templates -------------------------------------------------------------- */

TEST(expand_templates)
{
    na_authreq *req = open_made("alice", "app-1");
    na_callout_grant g;
    char *out = NULL;
    na_err err;
    static const struct {
        const char *tmpl, *want;
    } ok[] = {
        {"plain.subject", "plain.subject"}, {"u.{{name}}.>", "u.svc.>"},
        {"u.{{ name() }}.x", "u.svc.x"},    {"{{name}}", "svc"},
        {"a.{{account}}", "a.APP"},         {"n.{{nkey}}", NULL}, /* the user nkey, checked below */
        {"t.{{tag(Team)}}.{{tag( env )}}", "t.blue.prod"},
        {"{{name}}{{name}}", "svcsvc"},     {"x}}y", "x}}y"},
    };
    if (!req)
        return;
    na_callout_grant_init(&g);
    strcpy(g.name, "svc");
    strcpy(g.account, "APP");
    CHECK(na_claims_create(&g.user, NA_CLAIMS_USER, pub_of("user"), NULL) == NA_OK);
    CHECK(na_claims_add_tag(g.user, "team:blue", NULL) == NA_OK);
    CHECK(na_claims_add_tag(g.user, "env:prod", NULL) == NA_OK);
    CHECK(na_claims_add_tag(g.user, "dup:a", NULL) == NA_OK);
    CHECK(na_claims_add_tag(g.user, "dup:b", NULL) == NA_OK);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "n.%s", pub_of("user"));
        CHECKF(na_callout_expand(&out, ok[i].tmpl, req, &g, &err) == NA_OK, "%s: %s", ok[i].tmpl,
               err.msg);
        CHECK_STREQ(out, ok[i].want ? ok[i].want : want);
        na_free(out);
    }
    /* "" account is the global account */
    g.account[0] = '\0';
    CHECK(na_callout_expand(&out, "{{account}}", req, &g, &err) == NA_OK);
    CHECK_STREQ(out, "$G");
    na_free(out);
    {
        static const struct {
            const char *tmpl, *why;
        } bad[] = {
            {"{{nope}}", "'nope' is not known"},
            {"a.{{name", "without '}}'"},
            /* chosen by the client, verified by no one: never a subject part */
            {"u.{{user}}.>", "'user' is not offered"},
            {"c.{{client_name}}", "'client_name' is not offered"},
            {"{{tag(missing)}}", "no tag 'missing:"},
            {"{{tag(dup)}}", "has 2 values"},
            {"{{tag()}}", "names no tag"},
            {"{{}}", "is not known"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            out = (char *)1;
            CHECKF(na_callout_expand(&out, bad[i].tmpl, req, &g, &err) == NA_EINVAL, "accepted %s",
                   bad[i].tmpl);
            CHECK(out == NULL);
            CHECKF(strstr(err.msg, bad[i].why) != NULL, "%s: '%s' lacks '%s'", bad[i].tmpl, err.msg,
                   bad[i].why);
        }
    }
    na_callout_grant_clear(&g);
    na_authreq_destroy(req);
}

TEST(template_injection_refused)
{
    /* names a client chooses must not widen what it may do */
    static const struct {
        const char *user, *why;
    } evil[] = {
        {"a.b", "contains '.'"}, {">", "wildcard"},    {"*", "wildcard"}, {"a b", "whitespace"},
        {"a\tb", "control"},     {"a\x7f", "control"}, {"", "is empty"},  {"x\xc2\xa0", NULL},
    };
    na_callout_conf conf;
    config_conf(&conf);
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        /* a name from an external JWT's claim or a webhook answer */
        na_authreq *req = open_made("alice", "app-1");
        na_callout_grant g;
        char *out = NULL;
        na_err err;
        if (!req)
            continue;
        na_callout_grant_init(&g);
        snprintf(g.name, sizeof g.name, "%s", evil[i].user);
        CHECK(na_claims_create(&g.user, NA_CLAIMS_USER, pub_of("user"), NULL) == NA_OK);
        CHECK(na_claims_perm_add(g.user, NA_PERM_SUB, true, "inbox.{{name}}.>", NULL) == NA_OK);
        if (evil[i].why) {
            CHECKF(na_callout_expand(&out, "inbox.{{name}}.>", req, &g, &err) == NA_EINVAL,
                   "name '%s' accepted", evil[i].user);
            CHECK(strstr(err.msg, "'name'") && strstr(err.msg, evil[i].why));
            refuse(req, &conf, &g, "'name'");
        } else {
            /* a non-ASCII (non-breaking space) byte sequence is a plain token */
            na_claims *u = allow(req, &conf, &g);
            CHECK(u && strcmp(na_claims_str_at(u, "nats.sub.allow", 0), "inbox.x\xc2\xa0.>") == 0);
            na_claims_destroy(u);
        }
        na_callout_grant_clear(&g);
        na_authreq_destroy(req);
    }
}

/* ---- errors, partial requests ----------------------------------------------- */

TEST(failed_requests_are_answered)
{
    size_t i;
    json_t *row;
    json_array_foreach(req_rows, i, row)
    {
        const char *name = json_string_value(json_object_get(row, "case"));
        const json_t *partial = json_object_get(row, "partial");
        const char *hdr = json_string_value(json_object_get(row, "header"));
        const char *servers[4];
        na_callout_conf conf;
        na_authreq *r = NULL;
        na_callout_grant g;
        uint8_t *out = NULL;
        size_t len = 0;
        bool denied = false;
        na_claims *resp = NULL;
        na_err err;
        if (open_row(&r, row, &conf, servers, &err) == NA_OK || !r) {
            na_authreq_destroy(r);
            continue;
        }
        /* even with a grant in hand, a request that failed gets an error */
        na_callout_grant_init(&g);
        CHECKF(na_callout_respond(&out, &len, r, &conf, NOW, &g, "bad request", &denied, &err) ==
                   NA_OK,
               "%s: %s", name, err.msg);
        CHECKF(denied, "%s", name);
        /* sealed back when the header named a curve key and we have an xkey */
        if (conf.xkey && hdr && strcmp(hdr, pub_of("server_xkey")) == 0)
            resp = open_sealed_response(out, len);
        else if (conf.xkey && hdr && na_nkey_is_public(hdr, NA_NKEY_CURVE))
            CHECKF(len > 4 && memcmp(out, "xkv1", 4) == 0, "%s: not sealed", name);
        else
            resp = decode_response(out, len);
        if (resp) {
            CHECK_STREQ(nats_str(resp, "nats.error"), "bad request");
            CHECK_STREQ(nats_str(resp, "nats.jwt"), "");
            CHECK(na_nkey_is_public(na_claims_subject(resp), NA_NKEY_USER));
            if (partial && *r->user_nkey)
                CHECK_STREQ(na_claims_subject(resp), r->user_nkey);
            CHECK_STREQ(na_claims_audience(resp), r->server_id); /* "" = left out */
        }
        na_claims_destroy(resp);
        na_free(out);
        na_authreq_destroy(r);
    }
}

TEST(partial_request_fresh_subject)
{
    /* bad user_nkey: each answer gets a fresh user key as its subject */
    const char *servers[4];
    na_callout_conf conf;
    na_authreq *r = NULL;
    char first[NA_NKEY_PUBLIC_LEN + 1] = "";
    CHECK(open_row(&r, find_row(req_rows, "bad-user-nkey"), &conf, servers, NULL) != NA_OK);
    for (int n = 0; r && n < 2; n++) {
        uint8_t *out = NULL;
        size_t len = 0;
        na_claims *resp;
        CHECK(na_callout_respond(&out, &len, r, &conf, NOW, NULL, NULL, NULL, NULL) == NA_OK);
        resp = out ? decode_response(out, len) : NULL;
        if (resp) {
            const char *s = na_claims_subject(resp);
            CHECK(na_nkey_is_public(s, NA_NKEY_USER));
            CHECK(strcmp(s, pub_of("target")) != 0 && strcmp(s, first) != 0);
            snprintf(first, sizeof first, "%s", s);
            CHECK_STREQ(na_claims_audience(resp), pub_of("server"));
            CHECK_STREQ(nats_str(resp, "nats.error"), "not authorized");
        }
        na_claims_destroy(resp);
        na_free(out);
    }
    na_authreq_destroy(r);
}

TEST(reason_sanitized)
{
    const char *servers[4];
    na_callout_conf conf;
    na_authreq *r = NULL;
    char reason[600];
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"line\none", "line?one"},
        {"bell\a\x1b[31m", "bell??[31m"},
        {"caf\xc3\xa9 ok", "caf\xc3\xa9 ok"},
        {"bad\xff\xfe utf8", "bad?? utf8"},
        {"cut\xe2\x82", "cut?"},
        {"", "not authorized"},
    };
    CHECK(open_row(&r, find_row(req_rows, "plain"), &conf, servers, NULL) == NA_OK);
    if (!r)
        return;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] + 2; i++) {
        uint8_t *out = NULL;
        size_t len = 0;
        bool denied = false;
        na_claims *resp;
        const char *in, *e;
        if (i < sizeof cases / sizeof cases[0]) {
            in = cases[i].in;
        } else {
            /* 300 bytes: cut to 256, and never inside a UTF-8 character */
            memset(reason, 'x', 300);
            reason[300] = '\0';
            if (i == sizeof cases / sizeof cases[0] + 1)
                for (int k = 0; k < 150; k++)
                    memcpy(reason + 2 * k, "\xc3\xa9", 2);
            in = reason;
        }
        CHECK(na_callout_respond(&out, &len, r, &conf, NOW, NULL, in, &denied, NULL) == NA_OK);
        CHECK(denied);
        resp = out ? decode_response(out, len) : NULL;
        e = resp ? nats_str(resp, "nats.error") : NULL;
        if (e && i < sizeof cases / sizeof cases[0]) {
            CHECK_STREQ(e, cases[i].want);
        } else if (e && i == sizeof cases / sizeof cases[0]) {
            CHECK(strlen(e) == 256 && strspn(e, "x") == 256);
        } else if (e && i > sizeof cases / sizeof cases[0]) {
            CHECK(strlen(e) == 256 && memcmp(e, "\xc3\xa9", 2) == 0);
        }
        na_claims_destroy(resp);
        na_free(out);
    }
    na_authreq_destroy(r);
}

/* ---- sealing and the xcache ------------------------------------------------ */

static void sealed_round(na_callout_xcache *cache)
{
    const char *servers[4];
    na_callout_conf conf;
    na_authreq *r = NULL;
    na_callout_grant g;
    uint8_t *out = NULL;
    size_t len = 0;
    bool denied = true;
    na_claims *resp = NULL, *u = NULL;
    na_err err;
    CHECK(open_row(&r, find_row(req_rows, "sealed"), &conf, servers, &err) == NA_OK);
    conf.xcache = cache;
    na_callout_grant_init(&g);
    strcpy(g.account, "APP");
    CHECKF(na_callout_respond(&out, &len, r, &conf, NOW, &g, NULL, &denied, &err) == NA_OK, "%s",
           err.msg);
    CHECK(!denied);
    if (out)
        resp = open_sealed_response(out, len);
    if (resp)
        u = inner_user(resp);
    CHECK(u && strcmp(na_claims_audience(u), "APP") == 0);
    na_claims_destroy(u);
    na_claims_destroy(resp);
    na_free(out);
    na_authreq_destroy(r);
}

TEST(sealed_iff_request_sealed)
{
    na_callout_xcache *cache = NULL;
    na_err err;
    sealed_round(NULL);
    CHECKF(na_callout_xcache_create(&cache, k_xkey, 4, &err) == NA_OK, "%s", err.msg);
    sealed_round(cache);
    sealed_round(cache); /* second time from the cache */
    {
        /* a plain request is answered plain (a JWT) */
        const char *servers[4];
        na_callout_conf conf;
        na_authreq *r = NULL;
        uint8_t *out = NULL;
        size_t len = 0;
        CHECK(open_row(&r, find_row(req_rows, "plain"), &conf, servers, NULL) == NA_OK);
        conf.xcache = cache;
        CHECK(na_callout_respond(&out, &len, r, &conf, NOW, NULL, NULL, NULL, NULL) == NA_OK);
        CHECK(out && len > 3 && memcmp(out, "eyJ", 3) == 0);
        na_free(out);
        na_authreq_destroy(r);
    }
    na_callout_xcache_destroy(cache);
    na_callout_xcache_destroy(NULL);
    CHECK(na_callout_xcache_create(&cache, k_issuer, 4, &err) == NA_EKEYOP);
    CHECK(cache == NULL);
}

/* Sealed request from server curve key #i (made here) to our xkey. */
static uint8_t *sealed_from(na_nkey *sx, size_t *len)
{
    char *tok = make_request("alice", "app-1");
    uint8_t *out = NULL;
    CHECK(na_xkey_seal(sx, &out, len, tok, strlen(tok), na_nkey_public(k_xkey), NULL) == NA_OK);
    na_free(tok);
    return out;
}

typedef struct churn {
    na_callout_xcache *cache;
    na_nkey **sx;
    uint8_t **msg;
    size_t *len;
    int nserv, iters, failures;
} churn;

static void *churn_worker(void *arg)
{
    churn *c = arg;
    na_callout_conf conf;
    config_conf(&conf);
    conf.xkey = k_xkey;
    conf.xcache = c->cache;
    for (int i = 0; i < c->iters; i++) {
        int s = i % c->nserv;
        na_authreq *r = NULL;
        uint8_t *out = NULL, *plain = NULL;
        size_t len = 0, plen = 0;
        na_callout_grant g;
        na_callout_grant_init(&g);
        if (na_callout_open(&r, c->msg[s], c->len[s], na_nkey_public(c->sx[s]), &conf, NOW, NULL) !=
                NA_OK ||
            na_callout_respond(&out, &len, r, &conf, NOW, &g, NULL, NULL, NULL) != NA_OK ||
            na_xkey_open(c->sx[s], &plain, &plen, out, len, na_nkey_public(k_xkey), NULL) != NA_OK)
            c->failures++;
        na_free(plain);
        na_free(out);
        na_authreq_destroy(r);
    }
    return NULL;
}

TEST(xcache_evicts_and_is_thread_safe)
{
    /* 3 servers through a cache of 2: entries are dropped while other
     * threads still use them; every answer must open with its server's key */
    enum { NSERV = 3, NTHREAD = 3 };
    na_nkey *sx[NSERV];
    uint8_t *msg[NSERV];
    size_t len[NSERV];
    churn c[NTHREAD];
    pthread_t th[NTHREAD];
    na_callout_xcache *cache = NULL;
    CHECK(na_callout_xcache_create(&cache, k_xkey, 2, NULL) == NA_OK);
    for (int i = 0; i < NSERV; i++) {
        CHECK(na_nkey_create(&sx[i], NA_NKEY_CURVE, NULL) == NA_OK);
        msg[i] = sealed_from(sx[i], &len[i]);
    }
    for (int t = 0; t < NTHREAD; t++) {
        c[t] = (churn){cache, sx, msg, len, NSERV, 60, 0};
        pthread_create(&th[t], NULL, churn_worker, &c[t]);
    }
    for (int t = 0; t < NTHREAD; t++) {
        pthread_join(th[t], NULL);
        CHECKF(c[t].failures == 0, "thread %d: %d failures", t, c[t].failures);
    }
    na_callout_xcache_destroy(cache);
    for (int i = 0; i < NSERV; i++) {
        na_nkey_destroy(sx[i]);
        na_free(msg[i]);
    }
}

TEST(respond_argument_errors)
{
    const char *servers[4];
    na_callout_conf conf;
    na_authreq *r = NULL;
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    na_err err;
    CHECK(open_row(&r, find_row(req_rows, "plain"), &conf, servers, NULL) == NA_OK);
    conf.issuer = k_user; /* only account keys sign responses */
    CHECK(na_callout_respond(&out, &len, r, &conf, NOW, NULL, NULL, NULL, &err) == NA_EKEYOP);
    CHECK(out == NULL && len == 0);
    conf.issuer = k_issuer;
    conf.issuer_account = "nope";
    CHECK(na_callout_respond(&out, &len, r, &conf, NOW, NULL, NULL, NULL, &err) == NA_EINVAL);
    CHECK(na_callout_respond(&out, &len, NULL, &conf, NOW, NULL, NULL, NULL, &err) == NA_EINVAL);
    na_authreq_destroy(r);
    CHECK(na_callout_open(NULL, NULL, 0, NULL, &conf, NOW, &err) == NA_EINVAL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_callout_core VECTORS_DIR\n");
        return 2;
    }
    vec_dir = argv[1];
    if (sodium_init() < 0)
        return 1;
    req_rows = load_jsonl("requests.jsonl");
    resp_rows = load_jsonl("responses.jsonl");
    k_issuer = key("issuer");
    k_issuer_sk = key("issuer_sk");
    k_target = key("target");
    k_target_sk = key("target_sk");
    k_xkey = key("xkey");
    k_server = key("server");
    k_server_xkey = key("server_xkey");
    k_user = key("user");

    RUN(open_vectors);
    RUN(open_fills_fields);
    RUN(open_flip_any_byte_fails);
    RUN(respond_vectors_match_go);
    RUN(respond_config_mode);
    RUN(respond_refuses_what_it_cannot_honour);
    RUN(respond_operator_signers);
    RUN(expand_templates);
    RUN(template_injection_refused);
    RUN(failed_requests_are_answered);
    RUN(partial_request_fresh_subject);
    RUN(reason_sanitized);
    RUN(sealed_iff_request_sealed);
    RUN(xcache_evicts_and_is_thread_safe);
    RUN(respond_argument_errors);

    na_nkey *all[] = {k_issuer, k_issuer_sk, k_target,      k_target_sk,
                      k_xkey,   k_server,    k_server_xkey, k_user};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        na_nkey_destroy(all[i]);
    json_decref(req_rows);
    json_decref(resp_rows);
    json_decref(keys);
    return DONE();
}
