/*
 * test_authz.c - the daemon's authorizers (src/authz) end to end.
 *
 * file:    bcrypt and argon2 hashes made here (crypt_gensalt_rn/crypt_rn,
 *          crypto_pwhash_str at the lowest cost), a grants file in a temp
 *          dir; allow/deny/skip, reload (good and broken), schema errors,
 *          concurrent decisions during reloads.
 * jwt:     HS256 tokens signed here with libsodium; RS256/ES256 keys made
 *          with libcrypto, EdDSA with libsodium, published through a JWKS
 *          file written here; every check (exp, nbf, iss, aud, alg, kid).
 * webhook: a tiny HTTP server thread on 127.0.0.1 answers fixed JSON per
 *          path; the POSTed body and headers are checked too.
 * argv[1] is tests/unit/authz_data (fixed config snippets).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <crypt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "../../src/core/internal.h"
#include "authz_internal.h"
#include "natsauth/jwt.h"
#include "../testlib.h"

static char tmpdir[256];
static const char *datadir = "tests/unit/authz_data";

/* ---- helpers --------------------------------------------------------------- */

static void write_text(const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

static void req_init(na_authreq *r)
{
    memset(r, 0, sizeof *r);
    r->server_key = r->server_id = r->server_name = r->server_host = "";
    r->server_version = r->server_cluster = r->account = "";
    r->user_nkey = "UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47";
    r->client_host = r->client_user = r->client_name = r->client_kind = r->client_type = "";
    r->client_name_tag = r->client_mqtt_id = r->client_nonce = "";
    r->jwt = r->nkey = r->sig = r->token = r->user = r->pass = r->name = "";
    r->lang = r->version = r->tls_version = r->tls_cipher = "";
    r->valid = true;
}

static json_t *cfg_of(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    CHECKF(v != NULL, "bad test config %s", text);
    return v;
}

static na_authz *make(const char *cfg_text, na_err *err)
{
    json_t *cfg = cfg_of(cfg_text);
    na_authz *a = NULL;
    na_status st = na_authz_create(&a, cfg, tmpdir, err);
    json_decref(cfg);
    if (st != NA_OK)
        return NULL;
    return a;
}

static na_authz_verdict decide_up(na_authz *a, const char *user, const char *pass,
                                  const char *token, na_callout_grant *g, na_err *err)
{
    na_authreq r;
    req_init(&r);
    r.user = user;
    r.pass = pass;
    r.token = token;
    na_authz_grant_reset(g);
    return na_authz_decide(a, &r, g, err);
}

static bool has_str(const na_claims *c, const char *path, const char *want)
{
    size_t n = c ? na_claims_count(c, path) : 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(na_claims_str_at(c, path, i), want) == 0)
            return true;
    return false;
}

/* ---- shared helpers: permissions, durations, secrets ------------------------ */

TEST(apply_user_json_maps_fields)
{
    na_callout_grant g;
    na_err err;
    json_t *p = cfg_of("{\"pub\":{\"allow\":[\"a.>\"],\"deny\":[\"a.b\"]},\"sub\":{\"allow\":"
                       "[\"_INBOX.>\"]},\"resp\":{\"max\":1,\"ttl\":1000000000},\"subs\":10,"
                       "\"tags\":[\"Team:Blue\"],\"allowed_connection_types\":[\"STANDARD\"]}");
    int64_t n = 0;
    memset(&g, 0, sizeof g);
    CHECK(na_authz_apply_user_json(&g, p, &err) == NA_OK);
    CHECK(g.user != NULL);
    CHECK(has_str(g.user, "nats.pub.allow", "a.>"));
    CHECK(has_str(g.user, "nats.pub.deny", "a.b"));
    CHECK(has_str(g.user, "nats.sub.allow", "_INBOX.>"));
    CHECK(has_str(g.user, "nats.tags", "team:blue")); /* lower-cased like Go's TagList */
    CHECK(na_claims_get_int(g.user, "nats.subs", &n) && n == 10);
    CHECK(na_claims_get_int(g.user, "nats.resp.max", &n) && n == 1);
    CHECK(na_authz_apply_user_json(&g, NULL, &err) == NA_OK);
    na_authz_grant_reset(&g);
    json_decref(p);
}

TEST(apply_user_json_names_bad_fields)
{
    static const struct {
        const char *json, *word;
    } bad[] = {
        {"{\"pubs\":{}}", "pubs"},
        {"{\"subs\":\"many\"}", "subs"},
        {"{\"pub\":{\"alow\":[\"x\"]}}", "alow"},
        {"{\"pub\":{\"allow\":\"x\"}}", "pub"},
        {"{\"tags\":\"x\"}", "tags"},
        {"{\"issuer_account\":\"A\"}", "issuer_account"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        na_callout_grant g;
        na_err err;
        json_t *p = cfg_of(bad[i].json);
        memset(&g, 0, sizeof g);
        CHECKF(na_authz_apply_user_json(&g, p, &err) != NA_OK, "accepted %s", bad[i].json);
        CHECKF(strstr(err.msg, bad[i].word) != NULL, "'%s' not named in: %s", bad[i].word, err.msg);
        CHECK(g.user == NULL); /* nothing half-applied */
        json_decref(p);
    }
}

TEST(parse_duration)
{
    static const struct {
        const char *json;
        int64_t want; /* 0 = error */
    } cases[] = {
        {"\"90s\"", 90},  {"\"10m\"", 600},
        {"\"1h\"", 3600}, {"\"2d\"", 172800},
        {"45", 45},       {"\"30\"", 30},
        {"0", 0},         {"-5", 0},
        {"\"\"", 0},      {"\"5w\"", 0},
        {"\"1h30m\"", 0}, {"\"0s\"", 0},
        {"1.5", 0},       {"\"99999999999999999999d\"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        int64_t out = -1;
        na_err err;
        na_status st = na_authz_parse_duration(&out, v, "ttl", &err);
        if (cases[i].want)
            CHECKF(st == NA_OK && out == cases[i].want, "%s -> %lld", cases[i].json,
                   (long long)out);
        else
            CHECKF(st != NA_OK && strstr(err.msg, "ttl"), "%s accepted", cases[i].json);
        json_decref(v);
    }
}

TEST(read_secret_env_and_file)
{
    char *s = NULL;
    na_err err;
    setenv("NA_TEST_SECRET", "from-env", 1);
    CHECK(na_authz_read_secret(&s, "env:NA_TEST_SECRET", tmpdir, &err) == NA_OK);
    CHECK_STREQ(s, "from-env");
    na_free_secret(s);
    write_text("secret.txt", "from-file\n");
    CHECK(na_authz_read_secret(&s, "secret.txt", tmpdir, &err) == NA_OK);
    CHECK_STREQ(s, "from-file");
    na_free_secret(s);
    CHECK(na_authz_read_secret(&s, "env:NA_TEST_UNSET_VAR", tmpdir, &err) != NA_OK);
    CHECK(s == NULL && strstr(err.msg, "NA_TEST_UNSET_VAR"));
    CHECK(na_authz_read_secret(&s, "missing.txt", tmpdir, &err) != NA_OK);
    write_text("empty.txt", "\n");
    CHECK(na_authz_read_secret(&s, "empty.txt", tmpdir, &err) != NA_OK);
    {
        /* a secret file others can read is refused, naming the file, not its content */
        char path[512];
        write_text("open.txt", "from-open-file\n");
        snprintf(path, sizeof path, "%s/open.txt", tmpdir);
        CHECK(chmod(path, 0644) == 0);
        CHECK(na_authz_read_secret(&s, "open.txt", tmpdir, &err) == NA_EINVAL);
        CHECK(s == NULL && strstr(err.msg, "open.txt") && strstr(err.msg, "chmod 600"));
        CHECK(strstr(err.msg, "from-open-file") == NULL);
    }
}

TEST(create_dispatch_and_errors)
{
    na_err err;
    na_authz *a = make("{\"type\":\"nosuch\"}", &err);
    CHECK(a == NULL && strstr(err.msg, "nosuch"));
    a = make("{\"path\":\"x\"}", &err);
    CHECK(a == NULL && strstr(err.msg, "type"));
    a = make("{\"type\":\"file\",\"path\":\"g.json\",\"pth\":1}", &err);
    CHECK(a == NULL && strstr(err.msg, "pth"));
    CHECK_STREQ(na_authz_kind(NULL), "");
    na_authz_destroy(NULL);
}

/* ---- file ---------------------------------------------------------------- */

static char *bcrypt_hash(const char *pw)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = calloc(1, sizeof *cd);
    char *out = NULL;
    if (crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof salt) &&
        crypt_rn(pw, salt, cd, (int)sizeof *cd))
        out = strdup(cd->output);
    free(cd);
    CHECK(out != NULL && strncmp(out, "$2b$", 4) == 0);
    return out;
}

static char *argon2_hash(const char *pw)
{
    char out[crypto_pwhash_STRBYTES];
    CHECK(crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_MIN,
                            crypto_pwhash_MEMLIMIT_MIN) == 0);
    return strdup(out);
}

static char *h_alice, *h_bob, *h_svc;
static const char sha_token[] = "Zq3v9Lk2mN8pR4tW7xY1bC5dF0gH6jK";

static void write_grants(const char *alice_account)
{
    uint8_t sha[32];
    char hex[65], text[4096];
    crypto_hash_sha256(sha, (const uint8_t *)sha_token, strlen(sha_token));
    sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
    snprintf(
        text, sizeof text,
        "{\"grants\":[\n"
        " {\"user\":\"alice\",\"password_hash\":\"%s\",\"account\":\"%s\",\n"
        "  \"permissions\":{\"pub\":{\"allow\":[\"app.>\"]},\"sub\":{\"allow\":[\"_INBOX.>\"]}},\n"
        "  \"ttl\":\"1h\",\"tags\":[\"team:a\"]},\n"
        " {\"user\":\"bob\",\"password_hash\":\"%s\",\"account\":\"OTHER\",\"name\":\"bobby\"},\n"
        " {\"id\":\"svc\",\"token_hash\":\"%s\",\"account\":\"APP\",\"expires\":4102444800},\n"
        " {\"token_sha256\":\"%s\",\"account\":\"SHA\",\"name\":\"machine\"}\n"
        "]}\n",
        h_alice, alice_account, h_bob, h_svc, hex);
    write_text("grants.json", text);
}

static na_authz *file_authz(na_err *err)
{
    return make("{\"type\":\"file\",\"path\":\"grants.json\"}", err);
}

TEST(file_user_password_grants)
{
    na_err err;
    na_callout_grant g;
    na_authz *a;
    int64_t now = (int64_t)time(NULL);
    memset(&g, 0, sizeof g);
    write_grants("APP");
    a = file_authz(&err);
    CHECKF(a != NULL, "%s", err.msg);
    if (!a)
        return;
    CHECK_STREQ(na_authz_kind(a), "file");
    /* bcrypt */
    CHECK(decide_up(a, "alice", "alice-pw", "", &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "APP");
    CHECK_STREQ(g.name, "alice");
    CHECK(has_str(g.user, "nats.pub.allow", "app.>"));
    CHECK(has_str(g.user, "nats.sub.allow", "_INBOX.>"));
    CHECK(has_str(g.user, "nats.tags", "team:a"));
    CHECK(g.expires >= now + 3600 && g.expires <= now + 3600 + 600);
    CHECK(decide_up(a, "alice", "alice-pW", "", &g, &err) == NA_AUTHZ_DENY);
    CHECK(g.user == NULL && g.account[0] == '\0');
    CHECK(strstr(err.msg, "alice-pW") == NULL);
    CHECK(decide_up(a, "alice", "", "", &g, &err) == NA_AUTHZ_DENY);
    /* argon2 */
    CHECK(decide_up(a, "bob", "bob-pw", "", &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "OTHER");
    CHECK_STREQ(g.name, "bobby");
    CHECK(g.user == NULL); /* no permissions: the account's defaults apply */
    CHECK(decide_up(a, "bob", "alice-pw", "", &g, &err) == NA_AUTHZ_DENY);
    /* not ours */
    CHECK(decide_up(a, "carol", "alice-pw", "", &g, &err) == NA_AUTHZ_SKIP);
    CHECK(decide_up(a, "", "", "", &g, &err) == NA_AUTHZ_SKIP);
    na_authz_grant_reset(&g);
    na_authz_destroy(a);
}

TEST(file_token_grants)
{
    na_err err;
    na_callout_grant g;
    na_authz *a;
    memset(&g, 0, sizeof g);
    write_grants("APP");
    a = file_authz(&err);
    CHECKF(a != NULL, "%s", err.msg);
    if (!a)
        return;
    CHECK(decide_up(a, "", "", "svc.s3cret-token", &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "APP");
    CHECK_STREQ(g.name, "svc"); /* the id names the user by default */
    CHECK(g.expires == 4102444800);
    CHECK(decide_up(a, "", "", "svc.s3cret-tokeN", &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "s3cret") == NULL);
    CHECK(decide_up(a, "", "", "nobody.s3cret-token", &g, &err) == NA_AUTHZ_SKIP);
    CHECK(decide_up(a, "", "", "s3cret-token", &g, &err) == NA_AUTHZ_SKIP);
    CHECK(decide_up(a, "", "", sha_token, &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "SHA");
    CHECK_STREQ(g.name, "machine");
    /* an unknown user falls through to the token */
    CHECK(decide_up(a, "someone", "x", "svc.s3cret-token", &g, &err) == NA_AUTHZ_ALLOW);
    na_authz_grant_reset(&g);
    na_authz_destroy(a);
}

TEST(file_reload)
{
    na_err err;
    na_callout_grant g;
    na_authz *a;
    memset(&g, 0, sizeof g);
    write_grants("APP");
    a = file_authz(&err);
    if (!a) {
        CHECKF(0, "%s", err.msg);
        return;
    }
    write_grants("APP2");
    CHECK(na_authz_reload(a, &err) == NA_OK);
    CHECK(decide_up(a, "alice", "alice-pw", "", &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "APP2");
    write_text("grants.json", "{\"grants\":[{\"user\":\"alice\",");
    CHECK(na_authz_reload(a, &err) != NA_OK);
    CHECK(strstr(err.msg, "grants.json") != NULL);
    CHECK(decide_up(a, "alice", "alice-pw", "", &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "APP2"); /* the old table stayed */
    write_text("grants.json", "{\"grants\":[{\"user\":\"alice\",\"password_hash\":\"x\"}]}");
    CHECK(na_authz_reload(a, &err) != NA_OK);
    CHECK(decide_up(a, "bob", "bob-pw", "", &g, &err) == NA_AUTHZ_ALLOW);
    na_authz_grant_reset(&g);
    na_authz_destroy(a);
}

TEST(file_schema_errors)
{
    /* "%s" in a grant is replaced by a valid bcrypt hash */
    static const struct {
        const char *grant, *word;
    } bad[] = {
        {"{\"user\":\"u\",\"password_hash\":\"%s\",\"acount\":\"A\"}", "acount"},
        {"{\"user\":\"u\",\"password_hash\":\"%s\",\"permissions\":{\"pubs\":{}}}", "pubs"},
        {"{\"user\":\"u\",\"password_hash\":\"%s\",\"ttl\":\"soon\"}", "ttl"},
        {"{\"token_hash\":\"%s\"}", "id"},
        {"{\"user\":\"u\",\"password_hash\":\"$1$md5$notsupported\"}", "bcrypt"},
        {"{\"user\":\"u\",\"password_hash\":\"%s\",\"user\":\"v\"}", "duplicate"},
        {"{\"token_sha256\":\"abc\"}", "token_sha256"},
        {"{\"user\":\"u\",\"password_hash\":\"%s\",\"ttl\":\"1h\",\"expires\":5}", "expires"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char grant[1024], text[1200];
        na_err err;
        na_authz *a;
        const char *at = strstr(bad[i].grant, "%s");
        if (at)
            snprintf(grant, sizeof grant, "%.*s%s%s", (int)(at - bad[i].grant), bad[i].grant,
                     h_alice, at + 2);
        else
            snprintf(grant, sizeof grant, "%s", bad[i].grant);
        snprintf(text, sizeof text, "{\"grants\":[%s]}", grant);
        write_text("bad.json", text);
        a = make("{\"type\":\"file\",\"path\":\"bad.json\"}", &err);
        CHECKF(a == NULL, "accepted %s", grant);
        CHECKF(strstr(err.msg, bad[i].word) != NULL, "'%s' not named in: %s", bad[i].word, err.msg);
        CHECK(strstr(err.msg, "bad.json") != NULL);
        na_authz_destroy(a);
    }
    /* two grants for one user */
    {
        char text[1024];
        na_err err;
        na_authz *a;
        snprintf(text, sizeof text,
                 "{\"grants\":[{\"user\":\"u\",\"password_hash\":\"%s\"},"
                 "{\"user\":\"u\",\"password_hash\":\"%s\"}]}",
                 h_alice, h_bob);
        write_text("dup.json", text);
        a = make("{\"type\":\"file\",\"path\":\"dup.json\"}", &err);
        CHECK(a == NULL && strstr(err.msg, "twice"));
    }
}

typedef struct worker_arg {
    na_authz *a;
    int allowed, wrong;
} worker_arg;

static void *file_worker(void *p)
{
    worker_arg *w = p;
    for (int i = 0; i < 20; i++) {
        na_callout_grant g;
        na_err err;
        memset(&g, 0, sizeof g);
        if (decide_up(w->a, "alice", "alice-pw", "", &g, &err) == NA_AUTHZ_ALLOW &&
            (strcmp(g.account, "APP") == 0 || strcmp(g.account, "APP2") == 0))
            w->allowed++;
        else
            w->wrong++;
        na_authz_grant_reset(&g);
    }
    return NULL;
}

TEST(file_concurrent_decide_and_reload)
{
    na_err err;
    na_authz *a;
    pthread_t th[3];
    worker_arg args[3];
    write_grants("APP");
    a = file_authz(&err);
    if (!a) {
        CHECKF(0, "%s", err.msg);
        return;
    }
    for (int i = 0; i < 3; i++) {
        args[i] = (worker_arg){a, 0, 0};
        pthread_create(&th[i], NULL, file_worker, &args[i]);
    }
    for (int i = 0; i < 10; i++) {
        write_grants(i % 2 ? "APP" : "APP2");
        CHECK(na_authz_reload(a, &err) == NA_OK);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        CHECK(args[i].allowed == 20 && args[i].wrong == 0);
    }
    na_authz_destroy(a);
}

/* ---- jwt ----------------------------------------------------------------- */

static const char hs_secret[] = "0123456789abcdef0123456789abcdef-hs256";

static char *b64(const void *p, size_t n)
{
    char *s = malloc(na_b64url_enc_len(n) + 1);
    na_b64url_encode(s, p, n);
    return s;
}

static char *b64_bn(const BIGNUM *bn, int pad)
{
    uint8_t buf[1024];
    int n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    return b64(buf, (size_t)n);
}

/* "<b64 header>.<b64 payload>" (new) */
static char *signing_input(const char *header, const char *payload)
{
    char *h = b64(header, strlen(header)), *p = b64(payload, strlen(payload));
    size_t n = strlen(h) + strlen(p) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s.%s", h, p);
    free(h);
    free(p);
    return s;
}

static char *join_sig(char *input, const uint8_t *sig, size_t n)
{
    char *s64 = b64(sig, n);
    size_t len = strlen(input) + strlen(s64) + 2;
    char *tok = malloc(len);
    snprintf(tok, len, "%s.%s", input, s64);
    free(s64);
    free(input);
    return tok;
}

static char *hs256_token(const char *header, const char *payload, const char *secret)
{
    char *in = signing_input(header, payload);
    uint8_t mac[32];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const uint8_t *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)in, strlen(in));
    crypto_auth_hmacsha256_final(&st, mac);
    return join_sig(in, mac, sizeof mac);
}

static char *evp_token(EVP_PKEY *k, bool ecdsa, const char *header, const char *payload)
{
    char *in = signing_input(header, payload);
    uint8_t sig[1024], raw[64];
    size_t n = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    CHECK(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) == 1);
    CHECK(EVP_DigestSign(ctx, sig, &n, (const uint8_t *)in, strlen(in)) == 1);
    EVP_MD_CTX_free(ctx);
    if (!ecdsa)
        return join_sig(in, sig, n);
    {
        const uint8_t *p = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
        BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
        ECDSA_SIG_free(es);
    }
    return join_sig(in, raw, sizeof raw);
}

static char *ed_token(const uint8_t sk[64], const char *header, const char *payload)
{
    char *in = signing_input(header, payload);
    uint8_t sig[64];
    crypto_sign_detached(sig, NULL, (const uint8_t *)in, strlen(in), sk);
    return join_sig(in, sig, sizeof sig);
}

static EVP_PKEY *rsa_k, *ec_k;
static uint8_t ed_pk[32], ed_sk[64];

static void write_jwks(void)
{
    BIGNUM *n = NULL, *e = NULL, *x = NULL, *y = NULL;
    char *n64, *e64, *x64, *y64, *ed64, text[4096];
    rsa_k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    ec_k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    crypto_sign_keypair(ed_pk, ed_sk);
    CHECK(rsa_k && ec_k);
    CHECK(EVP_PKEY_get_bn_param(rsa_k, OSSL_PKEY_PARAM_RSA_N, &n) == 1);
    CHECK(EVP_PKEY_get_bn_param(rsa_k, OSSL_PKEY_PARAM_RSA_E, &e) == 1);
    CHECK(EVP_PKEY_get_bn_param(ec_k, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1);
    CHECK(EVP_PKEY_get_bn_param(ec_k, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
    n64 = b64_bn(n, 0);
    e64 = b64_bn(e, 0);
    x64 = b64_bn(x, 32);
    y64 = b64_bn(y, 32);
    ed64 = b64(ed_pk, sizeof ed_pk);
    snprintf(text, sizeof text,
             "{\"keys\":[\n"
             " {\"kty\":\"RSA\",\"kid\":\"rsa1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"%s\","
             "\"e\":\"%s\"},\n"
             " {\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"},\n"
             " {\"kty\":\"OKP\",\"kid\":\"ed1\",\"crv\":\"Ed25519\",\"x\":\"%s\"},\n"
             " {\"kty\":\"RSA\",\"kid\":\"enc1\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"}\n"
             "]}\n",
             n64, e64, x64, y64, ed64);
    write_text("jwks.json", text);
    BN_free(n);
    BN_free(e);
    BN_free(x);
    BN_free(y);
    free(n64);
    free(e64);
    free(x64);
    free(y64);
    free(ed64);
}

static na_authz_verdict decide_token(na_authz *a, const char *tok, na_callout_grant *g, na_err *err)
{
    return decide_up(a, "", "", tok, g, err);
}

/* payload with exp/nbf relative to now */
static void payload(char *out, size_t cap, const char *extra, long exp_in, long nbf_in)
{
    long now = (long)time(NULL);
    snprintf(out, cap,
             "{\"sub\":\"user-42\",\"iss\":\"https://idp\",\"aud\":\"nats\","
             "\"exp\":%ld,\"nbf\":%ld%s}",
             now + exp_in, now + nbf_in, extra);
}

TEST(jwt_hs256)
{
    static const char hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    char pl[512], *tok;
    na_err err;
    na_callout_grant g;
    na_authz *a;
    memset(&g, 0, sizeof g);
    write_text("hs.secret", hs_secret);
    a = make("{\"type\":\"jwt\",\"hs256_secret_file\":\"hs.secret\",\"issuer\":\"https://idp\","
             "\"audience\":\"nats\",\"leeway\":\"30s\",\"account\":\"APP\","
             "\"permissions\":{\"pub\":{\"allow\":[\"jwt.>\"]}},\"ttl_from_exp\":true}",
             &err);
    CHECKF(a != NULL, "%s", err.msg);
    if (!a)
        return;
    CHECK_STREQ(na_authz_kind(a), "jwt");
    payload(pl, sizeof pl, "", 600, -10);
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "APP");
    CHECK_STREQ(g.name, "user-42");
    CHECK(has_str(g.user, "nats.pub.allow", "jwt.>"));
    CHECK(g.expires > (int64_t)time(NULL) && g.expires <= (int64_t)time(NULL) + 600);
    /* the JWT in the password field when the token is empty */
    CHECK(decide_up(a, "someone", tok, "", &g, &err) == NA_AUTHZ_ALLOW);
    /* bad signature: one character of the signature changed */
    tok[strlen(tok) - 2] = tok[strlen(tok) - 2] == 'A' ? 'B' : 'A';
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "signature") != NULL);
    free(tok);
    /* wrong secret */
    tok = hs256_token(hdr, pl, "another-secret-another-secret-another");
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    free(tok);
    /* expired (beyond the leeway), and within it */
    payload(pl, sizeof pl, "", -120, -600);
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(err.code == NA_EEXPIRED);
    free(tok);
    payload(pl, sizeof pl, "", -5, -600);
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    free(tok);
    /* not yet valid */
    payload(pl, sizeof pl, "", 600, 300);
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(err.code == NA_ENOTYET);
    free(tok);
    /* wrong audience; audience list */
    snprintf(pl, sizeof pl, "{\"sub\":\"u\",\"iss\":\"https://idp\",\"aud\":\"other\"}");
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "audience") != NULL);
    free(tok);
    snprintf(pl, sizeof pl,
             "{\"sub\":\"u\",\"iss\":\"https://idp\",\"aud\":[\"x\",\"nats\"],\"exp\":%ld}",
             (long)time(NULL) + 600);
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    CHECK(g.expires == 0 || g.expires == (int64_t)time(NULL) + 600 ||
          g.expires == (int64_t)time(NULL) + 599);
    free(tok);
    /* no exp at all: a token that never expires is refused by default */
    snprintf(pl, sizeof pl, "{\"sub\":\"u\",\"iss\":\"https://idp\",\"aud\":\"nats\"}");
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "no exp") != NULL);
    free(tok);
    /* exp near INT64_MAX: no overflow, still valid */
    snprintf(pl, sizeof pl,
             "{\"sub\":\"u\",\"iss\":\"https://idp\",\"aud\":\"nats\",\"exp\":9223372036854775807}");
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    free(tok);
    snprintf(pl, sizeof pl, "{\"sub\":\"u\",\"iss\":\"https://idp\"}");
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    free(tok);
    /* wrong issuer */
    snprintf(pl, sizeof pl, "{\"sub\":\"u\",\"iss\":\"https://evil\",\"aud\":\"nats\"}");
    tok = hs256_token(hdr, pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "issuer") != NULL);
    free(tok);
    /* alg none, with and without a signature */
    payload(pl, sizeof pl, "", 600, -10);
    tok = signing_input("{\"alg\":\"none\"}", pl);
    {
        size_t n = strlen(tok);
        char *t2 = malloc(n + 2);
        snprintf(t2, n + 2, "%s.", tok);
        CHECK(decide_token(a, t2, &g, &err) == NA_AUTHZ_DENY);
        free(t2);
    }
    free(tok);
    tok = hs256_token("{\"alg\":\"none\"}", pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(g.user == NULL && g.account[0] == '\0');
    free(tok);
    /* an HS256 token with its signature cut off */
    tok = hs256_token(hdr, pl, hs_secret);
    *strrchr(tok, '.') = '\0';
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_SKIP); /* two parts: not a JWT */
    strcat(tok, ".");
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    free(tok);
    /* RS256 header but no JWKS configured */
    tok = hs256_token("{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    free(tok);
    /* not JWTs at all */
    CHECK(decide_token(a, "plain-token", &g, &err) == NA_AUTHZ_SKIP);
    CHECK(decide_token(a, "svc.s3cret", &g, &err) == NA_AUTHZ_SKIP);
    CHECK(decide_token(a, "a.b.c", &g, &err) == NA_AUTHZ_SKIP);
    CHECK(decide_token(a, "\xc3\xa9.\xc3\xa9.\xc3\xa9", &g, &err) == NA_AUTHZ_SKIP);
    CHECK(decide_token(a, "", &g, &err) == NA_AUTHZ_SKIP);
    na_authz_grant_reset(&g);
    na_authz_destroy(a);
}

TEST(jwt_config_errors)
{
    na_err err;
    write_text("hs.secret", hs_secret);
    write_text("short.secret", "short");
    CHECK(make("{\"type\":\"jwt\",\"account\":\"A\"}", &err) == NULL);
    CHECK(make("{\"type\":\"jwt\",\"hs256_secret_file\":\"hs.secret\"}", &err) == NULL);
    CHECK(strstr(err.msg, "account") != NULL);
    CHECK(make("{\"type\":\"jwt\",\"hs256_secret_file\":\"short.secret\",\"account\":\"A\"}",
               &err) == NULL);
    CHECK(strstr(err.msg, "shorter") != NULL && strstr(err.msg, "short\"") == NULL);
    CHECK(make("{\"type\":\"jwt\",\"hs256_secret_file\":\"hs.secret\",\"account\":\"A\","
               "\"audiense\":\"x\"}",
               &err) == NULL);
    CHECK(strstr(err.msg, "audiense") != NULL);
    CHECK(make("{\"type\":\"jwt\",\"hs256_secret_file\":\"hs.secret\",\"account\":\"A\","
               "\"permissions\":{\"pubb\":1}}",
               &err) == NULL);
    CHECK(strstr(err.msg, "pubb") != NULL);
}

TEST(jwt_jwks_algorithms)
{
    char pl[512], *tok;
    na_err err;
    na_callout_grant g;
    na_authz *a;
    memset(&g, 0, sizeof g);
    a = make("{\"type\":\"jwt\",\"jwks_file\":\"jwks.json\",\"audience\":\"nats\","
             "\"account\":\"APP\"}",
             &err);
    CHECKF(a != NULL, "%s", err.msg);
    if (!a)
        return;
    payload(pl, sizeof pl, "", 600, -10);
    tok = evp_token(rsa_k, false, "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.name, "user-42");
    tok[strlen(tok) - 3] = tok[strlen(tok) - 3] == 'A' ? 'B' : 'A';
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    free(tok);
    tok = evp_token(ec_k, true, "{\"alg\":\"ES256\",\"kid\":\"ec1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    free(tok);
    tok = ed_token(ed_sk, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    free(tok);
    /* without a kid: the only key of the type */
    tok = ed_token(ed_sk, "{\"alg\":\"EdDSA\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    free(tok);
    /* alg and key do not match */
    tok = evp_token(rsa_k, false, "{\"alg\":\"RS256\",\"kid\":\"ec1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "match") != NULL);
    free(tok);
    /* unknown kid; the encryption-only key is not a signing key */
    tok = evp_token(rsa_k, false, "{\"alg\":\"RS256\",\"kid\":\"nope\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "kid") != NULL);
    free(tok);
    tok = evp_token(rsa_k, false, "{\"alg\":\"RS256\",\"kid\":\"enc1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    free(tok);
    /* HS256 signed with the RSA modulus as the secret: no HMAC secret here */
    tok = hs256_token("{\"alg\":\"HS256\",\"kid\":\"rsa1\"}", pl, hs_secret);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    free(tok);
    /* a key signed by someone else under our kid */
    {
        uint8_t pk2[32], sk2[64];
        crypto_sign_keypair(pk2, sk2);
        tok = ed_token(sk2, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", pl);
        CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
        free(tok);
    }
    /* reload: a broken JWKS keeps the old keys */
    {
        char good[8192];
        FILE *f;
        char path[512];
        size_t n;
        snprintf(path, sizeof path, "%s/jwks.json", tmpdir);
        f = fopen(path, "r");
        n = f ? fread(good, 1, sizeof good - 1, f) : 0;
        if (f)
            fclose(f);
        good[n] = '\0';
        write_text("jwks.json", "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\"}]}");
        CHECK(na_authz_reload(a, &err) != NA_OK);
        tok = ed_token(ed_sk, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", pl);
        CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
        free(tok);
        write_text("jwks.json", good);
        CHECK(na_authz_reload(a, &err) == NA_OK);
    }
    na_authz_grant_reset(&g);
    na_authz_destroy(a);
}

TEST(jwt_claims_mapping)
{
    char pl[512], *tok;
    na_err err;
    na_callout_grant g;
    na_authz *a;
    memset(&g, 0, sizeof g);
    a = make("{\"type\":\"jwt\",\"jwks_file\":\"jwks.json\",\"account_claim\":\"org\","
             "\"name_claim\":\"email\",\"permissions_claim\":\"nats_perms\"}",
             &err);
    CHECKF(a != NULL, "%s", err.msg);
    if (!a)
        return;
    payload(pl, sizeof pl,
            ",\"org\":\"ACME\",\"email\":\"eve@acme\","
            "\"nats_perms\":{\"pub\":{\"allow\":[\"acme.>\"]},\"subs\":5}",
            600, -10);
    tok = ed_token(ed_sk, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "ACME");
    CHECK_STREQ(g.name, "eve@acme");
    CHECK(has_str(g.user, "nats.pub.allow", "acme.>"));
    CHECK(g.expires == 0); /* ttl_from_exp is off */
    free(tok);
    /* no org claim */
    payload(pl, sizeof pl, ",\"nats_perms\":{}", 600, -10);
    tok = ed_token(ed_sk, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "org") != NULL);
    free(tok);
    /* no permissions claim: never the account defaults */
    payload(pl, sizeof pl, ",\"org\":\"ACME\"", 600, -10);
    tok = ed_token(ed_sk, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    free(tok);
    /* bad permissions in the claim */
    payload(pl, sizeof pl, ",\"org\":\"ACME\",\"nats_perms\":{\"pub\":\"all\"}", 600, -10);
    tok = ed_token(ed_sk, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", pl);
    CHECK(decide_token(a, tok, &g, &err) == NA_AUTHZ_DENY);
    CHECK(g.user == NULL);
    free(tok);
    na_authz_grant_reset(&g);
    na_authz_destroy(a);
}

/* ---- webhook --------------------------------------------------------------- */

static struct {
    int fd, port;
    pthread_t th;
    pthread_mutex_t mu;
    char last_body[8192], last_head[4096];
} srv = {.fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void respond(int fd, int status, const char *body)
{
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n",
             status, strlen(body));
    send_all(fd, head, strlen(head));
    send_all(fd, body, strlen(body));
}

/* one request: returns false on /quit */
static bool serve_one(int c)
{
    char buf[16384];
    size_t len = 0;
    char *end = NULL, path[64] = "";
    long clen = 0;
    while (len < sizeof buf - 1) {
        ssize_t r = recv(c, buf + len, sizeof buf - 1 - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = '\0';
        if (!end && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            char *cl = strstr(buf, "Content-Length:");
            clen = cl && cl < end ? strtol(cl + 15, NULL, 10) : 0;
        }
        if (end && len >= (size_t)(end + 4 - buf) + (size_t)clen)
            break;
    }
    buf[len] = '\0';
    sscanf(buf, "%*s %63s", path);
    pthread_mutex_lock(&srv.mu);
    if (end) {
        snprintf(srv.last_head, sizeof srv.last_head, "%.*s", (int)(end - buf), buf);
        snprintf(srv.last_body, sizeof srv.last_body, "%s", end + 4);
    }
    pthread_mutex_unlock(&srv.mu);
    if (strcmp(path, "/allow") == 0)
        respond(c, 200,
                "{\"allow\":true,\"account\":\"APP\",\"name\":\"hooked\","
                "\"permissions\":{\"pub\":{\"allow\":[\"hook.>\"]}},\"ttl\":\"10m\"}");
    else if (strcmp(path, "/deny") == 0)
        respond(c, 200, "{\"allow\":false,\"reason\":\"no way\\n(really)\"}");
    else if (strcmp(path, "/skip") == 0)
        respond(c, 200, "{\"skip\":true}");
    else if (strcmp(path, "/500") == 0)
        respond(c, 500, "{\"allow\":true,\"account\":\"APP\"}");
    else if (strcmp(path, "/badjson") == 0)
        respond(c, 200, "{\"allow\":tru");
    else if (strcmp(path, "/unknown") == 0)
        respond(c, 200, "{\"allow\":true,\"acount\":\"APP\"}");
    else if (strcmp(path, "/badperms") == 0)
        respond(c, 200, "{\"allow\":true,\"permissions\":{\"pub\":7}}");
    else if (strcmp(path, "/big") == 0) {
        static char big[70 * 1024 + 64];
        memset(big, ' ', sizeof big - 1);
        memcpy(big, "{\"skip\":true}", 13);
        big[sizeof big - 1] = '\0';
        respond(c, 200, big);
    } else if (strcmp(path, "/slow") == 0) {
        /* never answer: wait (at most 10 s) for the client to give up */
        struct pollfd p = {c, POLLIN, 0};
        char tmp[64];
        while (poll(&p, 1, 10000) > 0 && recv(c, tmp, sizeof tmp, 0) > 0)
            ;
    } else if (strcmp(path, "/quit") == 0) {
        respond(c, 200, "{}");
        return false;
    } else {
        respond(c, 404, "{}");
    }
    return true;
}

static void *server_main(void *p)
{
    (void)p;
    for (;;) {
        int c = accept(srv.fd, NULL, NULL);
        bool more;
        if (c < 0)
            break;
        more = serve_one(c);
        close(c);
        if (!more)
            break;
    }
    return NULL;
}

static bool server_start(void)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(srv.fd, 8) != 0 || getsockname(srv.fd, (struct sockaddr *)&sa, &sl) != 0)
        return false;
    srv.port = ntohs(sa.sin_port);
    return pthread_create(&srv.th, NULL, server_main, NULL) == 0;
}

static na_authz *hook(const char *path, const char *extra, na_err *err)
{
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:%d%s\",\"timeout_ms\":%s%s}",
             srv.port, path, strcmp(path, "/slow") == 0 ? "300" : "5000", extra);
    return make(cfg, err);
}

static na_authz_verdict hook_decide(const char *path, na_callout_grant *g, na_err *err)
{
    na_authz *a = hook(path, "", err);
    na_authreq r;
    na_authz_verdict v;
    CHECKF(a != NULL, "%s", err->msg);
    if (!a)
        return NA_AUTHZ_SKIP;
    req_init(&r);
    r.user = "alice";
    r.pass = "pw";
    na_authz_grant_reset(g);
    v = na_authz_decide(a, &r, g, err);
    na_authz_destroy(a);
    return v;
}

TEST(webhook_answers)
{
    na_err err;
    na_callout_grant g;
    na_authz *a;
    na_authreq r;
    json_t *body;
    int64_t now = (int64_t)time(NULL);
    memset(&g, 0, sizeof g);
    if (!server_start()) {
        CHECKF(0, "cannot start the test http server");
        return;
    }
    setenv("NA_TEST_HOOK_AUTH", "Bearer hook-secret", 1);
    a = hook("/allow",
             ",\"headers\":{\"Authorization\":\"env:NA_TEST_HOOK_AUTH\","
             "\"X-Site\":\"lab\"}",
             &err);
    CHECKF(a != NULL, "%s", err.msg);
    if (!a)
        return;
    CHECK_STREQ(na_authz_kind(a), "webhook");
    req_init(&r);
    r.user = "alice";
    r.pass = "pw";
    r.token = "tok-1";
    r.client_host = "10.0.0.7";
    r.server_id = "NSERVERID";
    r.protocol = 1;
    CHECK(na_authz_decide(a, &r, &g, &err) == NA_AUTHZ_ALLOW);
    CHECK_STREQ(g.account, "APP");
    CHECK_STREQ(g.name, "hooked");
    CHECK(has_str(g.user, "nats.pub.allow", "hook.>"));
    CHECK(g.expires >= now + 600 && g.expires <= now + 1200);
    na_authz_destroy(a);
    /* what the endpoint saw */
    pthread_mutex_lock(&srv.mu);
    body = json_loads(srv.last_body, 0, NULL);
    CHECK(strstr(srv.last_head, "POST /allow ") == srv.last_head);
    CHECK(strstr(srv.last_head, "Authorization: Bearer hook-secret") != NULL);
    CHECK(strstr(srv.last_head, "X-Site: lab") != NULL);
    CHECK(strstr(srv.last_head, "Content-Type: application/json") != NULL);
    pthread_mutex_unlock(&srv.mu);
    CHECK(body != NULL);
    {
        json_t *opts = json_object_get(body, "connect_opts");
        CHECK_STREQ(json_string_value(json_object_get(opts, "user")), "alice");
        CHECK_STREQ(json_string_value(json_object_get(opts, "pass")), "pw");
        CHECK_STREQ(json_string_value(json_object_get(opts, "auth_token")), "tok-1");
        CHECK(json_integer_value(json_object_get(opts, "protocol")) == 1);
        CHECK_STREQ(json_string_value(json_object_get(body, "user_nkey")), r.user_nkey);
        CHECK_STREQ(
            json_string_value(json_object_get(json_object_get(body, "client_info"), "host")),
            "10.0.0.7");
        CHECK_STREQ(json_string_value(json_object_get(json_object_get(body, "server"), "id")),
                    "NSERVERID");
    }
    json_decref(body);

    CHECK(hook_decide("/deny", &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "no way") != NULL && strchr(err.msg, '\n') == NULL);
    CHECK(hook_decide("/skip", &g, &err) == NA_AUTHZ_SKIP);
    CHECK(hook_decide("/500", &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "500") != NULL && g.user == NULL && g.account[0] == '\0');
    CHECK(hook_decide("/badjson", &g, &err) == NA_AUTHZ_DENY);
    CHECK(hook_decide("/unknown", &g, &err) == NA_AUTHZ_DENY);
    CHECK(strstr(err.msg, "acount") != NULL);
    CHECK(hook_decide("/badperms", &g, &err) == NA_AUTHZ_DENY);
    CHECK(hook_decide("/big", &g, &err) == NA_AUTHZ_DENY);
    CHECK(err.code == NA_ETOOBIG);
    CHECK(hook_decide("/slow", &g, &err) == NA_AUTHZ_DENY);
    CHECK(err.code == NA_ETIMEOUT);
    CHECK(hook_decide("/nothere", &g, &err) == NA_AUTHZ_DENY);
    /* no secret in any reason */
    CHECK(strstr(err.msg, "pw") == NULL && strstr(err.msg, "127.0.0.1") == NULL);
    na_authz_grant_reset(&g);
    {
        na_authz *q = hook("/quit", "", &err);
        na_authreq rq;
        req_init(&rq);
        if (q) {
            na_authz_decide(q, &rq, &g, &err);
            na_authz_destroy(q);
        }
    }
    pthread_join(srv.th, NULL);
    close(srv.fd);
    /* nobody listening any more: a connection error is a DENY */
    {
        na_authz *d = hook("/allow", "", &err);
        na_authreq rd;
        req_init(&rd);
        if (d) {
            CHECK(na_authz_decide(d, &rd, &g, &err) == NA_AUTHZ_DENY);
            na_authz_destroy(d);
        }
    }
    na_authz_grant_reset(&g);
}

TEST(webhook_config_errors)
{
    na_err err;
    CHECK(make("{\"type\":\"webhook\",\"url\":\"ftp://x/\"}", &err) == NULL);
    CHECK(make("{\"type\":\"webhook\"}", &err) == NULL);
    /* plain http to another host would carry passwords in clear */
    CHECK(make("{\"type\":\"webhook\",\"url\":\"http://auth.example.com/hook\"}", &err) == NULL);
    CHECK(strstr(err.msg, "https://") != NULL);
    {
        na_authz *ok = make("{\"type\":\"webhook\",\"url\":\"http://auth.example.com/hook\","
                            "\"allow_plain_http\":true}",
                            &err);
        CHECK(ok != NULL);
        na_authz_destroy(ok);
        ok = make("{\"type\":\"webhook\",\"url\":\"http://localhost:8080/hook\"}", &err);
        CHECK(ok != NULL);
        na_authz_destroy(ok);
    }
    CHECK(make("{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/\",\"timeout_ms\":0}", &err) == NULL);
    CHECK(make("{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/\",\"tls\":true}", &err) == NULL);
    CHECK(strstr(err.msg, "tls") != NULL);
    CHECK(make("{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/\",\"headers\":{\"A\":\"env:NA_NOPE\"}}",
               &err) == NULL);
    CHECK(strstr(err.msg, "NA_NOPE") != NULL);
    CHECK(make("{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/\",\"headers\":{\"A\":\"x\\r\\nB: y\"}}",
               &err) == NULL);
    CHECK(make("{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/\",\"headers\":{\"A B\":\"x\"}}", &err) ==
          NULL);
}

/* ---- fixed configs from the data directory -------------------------------- */

TEST(data_dir_configs)
{
    char path[512];
    json_error_t je;
    json_t *all;
    size_t i;
    json_t *c;
    snprintf(path, sizeof path, "%s/configs.json", datadir);
    all = json_load_file(path, 0, &je);
    CHECKF(all != NULL, "%s: %s", path, je.text);
    json_array_foreach(all, i, c)
    {
        na_err err;
        na_authz *a = NULL;
        const char *want = json_string_value(json_object_get(c, "error"));
        na_status st = na_authz_create(&a, json_object_get(c, "config"), tmpdir, &err);
        if (want)
            CHECKF(st != NA_OK && strstr(err.msg, want), "case %zu: want error '%s', got '%s'", i,
                   want, st == NA_OK ? "ok" : err.msg);
        else
            CHECKF(st == NA_OK, "case %zu: %s", i, err.msg);
        na_authz_destroy(a);
    }
    json_decref(all);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        datadir = argv[1];
    if (sodium_init() < 0)
        return 1;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_authz.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    h_alice = bcrypt_hash("alice-pw");
    h_bob = argon2_hash("bob-pw");
    h_svc = argon2_hash("svc.s3cret-token");
    write_jwks();
    RUN(apply_user_json_maps_fields);
    RUN(apply_user_json_names_bad_fields);
    RUN(parse_duration);
    RUN(read_secret_env_and_file);
    RUN(create_dispatch_and_errors);
    RUN(file_user_password_grants);
    RUN(file_token_grants);
    RUN(file_reload);
    RUN(file_schema_errors);
    RUN(file_concurrent_decide_and_reload);
    RUN(jwt_hs256);
    RUN(jwt_config_errors);
    RUN(jwt_jwks_algorithms);
    RUN(jwt_claims_mapping);
    RUN(webhook_answers);
    RUN(webhook_config_errors);
    RUN(data_dir_configs);
    free(h_alice);
    free(h_bob);
    free(h_svc);
    EVP_PKEY_free(rsa_k);
    EVP_PKEY_free(ec_k);
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return DONE();
}
