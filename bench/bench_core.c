/*
 * bench_core.c - CPU cost of natsauth's hot operations against the raw
 * libsodium calls they wrap.
 *
 * Each operation runs in interleaved rounds (round r runs every operation
 * once, N times) so drift in clock speed or load hits all of them alike;
 * per operation the median of the rounds' CPU time per op is reported
 * (CLOCK_PROCESS_CPUTIME_ID), with the wall time beside it. N is calibrated
 * once so that a round of one operation takes about --round-ms.
 *
 * Targets (ratios of per-op CPU time, raw / natsauth):
 *   issue          >= 0.80 of raw crypto_sign_detached over the same bytes
 *   decode+verify  >= 0.85 of raw crypto_sign_verify_detached, same bytes
 *   auth callout   one decision (na_callout_open + na_callout_respond of a
 *                  server-style request, config mode, two templated
 *                  permissions) >= 0.80 of its crypto floor measured in the
 *                  same run: raw verify of the request + raw signs of the
 *                  user JWT and of the response (+ box open and seal with a
 *                  precomputed key when sealed); issue 4 asks <= 120 us CPU
 *
 * usage: bench_core [--json] [--rounds R] [--round-ms MS] [--quick] [--only OP]
 * (--only runs one operation, e.g. under perf record; ratios need both sides)
 * Exit status: 0 (also when a target is missed: this is a measurement, not
 * a test), 2 on a usage error, 1 if an operation fails.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "natsauth/callout.h"
#include "natsauth/natsauth.h"

#define IAT 1700000000
#define NOW (IAT + 60)
#define MAX_ROUNDS 51

/* ---- fixtures ------------------------------------------------------------ */

static na_nkey *acct, *user, *xa, *xb;
static na_xkey_shared *shared_ab, *shared_ba;
static char *big_token;      /* ~2 KB user token, many permissions */
static size_t big_len;
static size_t big_signed_len; /* header.payload length of big_token */
static size_t issue_signed_len; /* header.payload length of an issued token */
static uint8_t sign_msg[8192], sig_small[64], sig_big[64];
static uint8_t box_msg[512], box_nonce[24];
static uint8_t raw_box[512 + 16], nacl_box_pk[32];
static uint8_t na_box_buf[1024];
static size_t na_box_len;
static uint8_t raw_shared[32];
static unsigned char sk_acct[64], pk_acct[32];
static volatile size_t sink;

/* auth callout: a request as nats-server sends it, plain and sealed */
static na_nkey *srv, *srv_x, *co_x;
static na_callout_xcache *co_cache;
static na_callout_conf co_conf, co_conf_x, co_conf_x_nocache;
static char *co_req;              /* plain request token */
static size_t co_req_len, co_req_signed_len;
static uint8_t *co_sealed;        /* the same, sealed srv_x -> co_x */
static size_t co_sealed_len;
static size_t co_user_signed_len, co_resp_signed_len, co_resp_len; /* sizes of one answer */
static uint8_t co_req_sig[64], pk_srv[32], co_shared[32], co_box[4096];
static size_t co_box_len; /* request-size box for the raw open */
static uint8_t co_nonce[24];

static void die(const char *what, const na_err *err)
{
    fprintf(stderr, "bench_core: %s failed%s%s\n", what, err ? ": " : "", err ? err->msg : "");
    exit(1);
}

static na_nkey *key_from(na_nkey_type t, int fill)
{
    uint8_t raw[32];
    na_nkey *k = NULL;
    na_err err;
    memset(raw, fill, sizeof raw);
    if (na_nkey_from_raw(&k, t, raw, &err) != NA_OK)
        die("key", &err);
    return k;
}

/* The user JWT the issue benchmark writes (also used once to size it). */
static char *issue_one(void)
{
    na_claims *c = NULL;
    char *tok = NULL;
    na_err err;
    if (na_claims_create(&c, NA_CLAIMS_USER, na_nkey_public(user), &err) != NA_OK ||
        na_claims_set_name(c, "alice", &err) != NA_OK ||
        na_claims_perm_add(c, NA_PERM_PUB, true, "orders.>", &err) != NA_OK ||
        na_claims_perm_add(c, NA_PERM_PUB, true, "_INBOX.>", &err) != NA_OK ||
        na_claims_perm_add(c, NA_PERM_SUB, true, "replies.alice.>", &err) != NA_OK ||
        na_claims_set_expires(c, IAT + 3600, &err) != NA_OK ||
        na_claims_encode(c, &tok, acct, IAT, &err) != NA_OK)
        die("issue", &err);
    na_claims_destroy(c);
    return tok;
}

static void setup(void)
{
    na_err err;
    na_claims *c = NULL;
    char subj[64], *tok;
    if (sodium_init() < 0)
        die("sodium_init", NULL);
    acct = key_from(NA_NKEY_ACCOUNT, 0x22);
    user = key_from(NA_NKEY_USER, 0x33);
    xa = key_from(NA_NKEY_CURVE, 0x44);
    xb = key_from(NA_NKEY_CURVE, 0x55);
    {
        /* libsodium's own key pair for the account seed, for raw signing */
        uint8_t seed[32];
        memset(seed, 0x22, sizeof seed);
        crypto_sign_seed_keypair(pk_acct, sk_acct, seed);
    }
    if (na_xkey_shared_create(&shared_ab, xa, na_nkey_public(xb), &err) != NA_OK ||
        na_xkey_shared_create(&shared_ba, xb, na_nkey_public(xa), &err) != NA_OK)
        die("xkey shared", &err);

    /* the ~2 KB token: 30 allow/deny subjects, limits, tags, exp */
    if (na_claims_create(&c, NA_CLAIMS_USER, na_nkey_public(user), &err) != NA_OK)
        die("create", &err);
    na_claims_set_name(c, "bench-user-with-many-permissions", &err);
    for (int i = 0; i < 30; i++) {
        snprintf(subj, sizeof subj, "svc.orders.region-%02d.>", i);
        if (na_claims_perm_add(c, i % 3 ? NA_PERM_PUB : NA_PERM_SUB, i % 5 != 0, subj, &err) !=
            NA_OK)
            die("perm_add", &err);
    }
    na_claims_set_resp(c, 1, 5000000000LL, &err);
    na_claims_set_int(c, "nats.subs", 100, &err);
    na_claims_set_int(c, "nats.data", 1 << 20, &err);
    na_claims_set_int(c, "nats.payload", 1 << 16, &err);
    na_claims_add_str(c, "nats.allowed_connection_types", "STANDARD", &err);
    na_claims_add_tag(c, "bench", &err);
    na_claims_set_expires(c, IAT + 86400, &err);
    if (na_claims_encode(c, &big_token, acct, IAT, &err) != NA_OK)
        die("encode big token", &err);
    na_claims_destroy(c);
    big_len = strlen(big_token);
    big_signed_len = (size_t)(strrchr(big_token, '.') - big_token);
    memcpy(sign_msg, big_token, big_signed_len); /* the raw ops sign these bytes */

    tok = issue_one();
    issue_signed_len = (size_t)(strrchr(tok, '.') - tok);
    na_free(tok);

    crypto_sign_detached(sig_small, NULL, sign_msg, issue_signed_len, sk_acct);
    crypto_sign_detached(sig_big, NULL, sign_msg, big_signed_len, sk_acct);

    randombytes_buf(box_msg, sizeof box_msg);
    randombytes_buf(box_nonce, sizeof box_nonce);
    memcpy(nacl_box_pk, na_nkey_public_raw(xb), 32);
    {
        uint8_t *o = NULL;
        if (na_xkey_seal(xa, &o, &na_box_len, box_msg, sizeof box_msg, na_nkey_public(xb),
                         &err) != NA_OK)
            die("seal", &err);
        memcpy(na_box_buf, o, na_box_len);
        na_free(o);
    }
}


/* ---- auth callout fixtures ------------------------------------------------- */

static void co_grant(na_callout_grant *g)
{
    na_err err;
    na_callout_grant_init(g);
    strcpy(g->account, "APP");
    strcpy(g->name, "alice");
    if (na_claims_create(&g->user, NA_CLAIMS_USER, na_nkey_public(user), &err) != NA_OK ||
        na_claims_perm_add(g->user, NA_PERM_PUB, true, "orders.{{name}}.>", &err) != NA_OK ||
        na_claims_perm_add(g->user, NA_PERM_PUB, true, "_INBOX.>", &err) != NA_OK ||
        na_claims_perm_add(g->user, NA_PERM_SUB, true, "replies.{{nkey}}.>", &err) != NA_OK)
        die("callout grant", &err);
}

/* One decision: open, grant, respond; returns the answer's length. */
static size_t co_decide(const uint8_t *msg, size_t len, const char *hdr,
                        const na_callout_conf *conf)
{
    na_authreq *r = NULL;
    na_callout_grant g;
    uint8_t *out = NULL;
    size_t n = 0;
    bool denied = true;
    na_err err;
    if (na_callout_open(&r, msg, len, hdr, conf, NOW, &err) != NA_OK)
        die("na_callout_open", &err);
    co_grant(&g);
    if (na_callout_respond(&out, &n, r, conf, NOW, &g, NULL, &denied, &err) != NA_OK || denied)
        die("na_callout_respond", &err);
    na_callout_grant_clear(&g);
    na_authreq_destroy(r);
    na_free(out);
    return n;
}

static void co_setup(void)
{
    na_claims *c = NULL;
    na_err err;
    uint8_t srv_seed[32];
    srv = key_from(NA_NKEY_SERVER, 0x61);
    srv_x = key_from(NA_NKEY_CURVE, 0x63);
    co_x = key_from(NA_NKEY_CURVE, 0x64);
    memset(srv_seed, 0x61, sizeof srv_seed);
    {
        unsigned char sk[64];
        crypto_sign_seed_keypair(pk_srv, sk, srv_seed);
        sodium_memzero(sk, sizeof sk);
    }
    if (na_claims_create(&c, NA_CLAIMS_AUTH_REQUEST, na_nkey_public(acct), &err) != NA_OK ||
        na_claims_set_audience(c, NA_CALLOUT_AUDIENCE, &err) != NA_OK ||
        na_claims_set_expires(c, NOW + 2, &err) != NA_OK ||
        na_claims_set_json(c, "nats.server_id",
                           "{\"name\":\"n1\",\"host\":\"0.0.0.0\",\"id\":\"\",\"version\":"
                           "\"2.10.27\"}",
                           &err) != NA_OK ||
        na_claims_set_str(c, "nats.server_id.id", na_nkey_public(srv), &err) != NA_OK ||
        na_claims_set_str(c, "nats.server_id.xkey", na_nkey_public(srv_x), &err) != NA_OK ||
        na_claims_set_str(c, "nats.user_nkey", na_nkey_public(user), &err) != NA_OK ||
        na_claims_set_json(c, "nats.client_info",
                           "{\"host\":\"127.0.0.1\",\"id\":42,\"user\":\"alice\","
                           "\"kind\":\"Client\",\"type\":\"nats\"}",
                           &err) != NA_OK ||
        na_claims_set_json(c, "nats.connect_opts",
                           "{\"user\":\"alice\",\"pass\":\"pw\",\"lang\":\"go\","
                           "\"version\":\"1.31.0\",\"protocol\":1}",
                           &err) != NA_OK ||
        na_claims_encode(c, &co_req, srv, NOW - 1, &err) != NA_OK)
        die("callout request", &err);
    na_claims_destroy(c);
    co_req_len = strlen(co_req);
    co_req_signed_len = (size_t)(strrchr(co_req, '.') - co_req);
    if (na_xkey_seal(srv_x, &co_sealed, &co_sealed_len, co_req, co_req_len, na_nkey_public(co_x),
                     &err) != NA_OK ||
        na_callout_xcache_create(&co_cache, co_x, 16, &err) != NA_OK)
        die("callout seal", &err);
    co_conf.issuer = acct;
    co_conf_x = co_conf;
    co_conf_x.xkey = co_x;
    co_conf_x.xcache = co_cache;
    co_conf_x_nocache = co_conf_x;
    co_conf_x_nocache.xcache = NULL;

    /* the sizes the floor signs: one answer, taken apart */
    {
        na_authreq *r = NULL;
        na_callout_grant g;
        uint8_t *out = NULL;
        na_claims *resp = NULL;
        const char *uj = NULL;
        if (na_callout_open(&r, (const uint8_t *)co_req, co_req_len, NULL, &co_conf, NOW, &err) !=
            NA_OK)
            die("na_callout_open", &err);
        co_grant(&g);
        if (na_callout_respond(&out, &co_resp_len, r, &co_conf, NOW, &g, NULL, NULL, &err) !=
                NA_OK ||
            na_jwt_decode(&resp, (const char *)out, co_resp_len, &err) != NA_OK ||
            !na_claims_get_str(resp, "nats.jwt", &uj))
            die("callout answer", &err);
        co_resp_signed_len = (size_t)(strrchr((const char *)out, '.') - (const char *)out);
        co_user_signed_len = (size_t)(strrchr(uj, '.') - uj);
        na_claims_destroy(resp);
        na_free(out);
        na_callout_grant_clear(&g);
        na_authreq_destroy(r);
    }
    if (co_resp_signed_len > sizeof sign_msg || co_req_len + 16 > sizeof co_box)
        die("callout sizes", NULL);
    {
        /* the request's own signature, for the raw verify of the floor */
        const char *s64 = co_req + co_req_signed_len + 1;
        size_t n = 0;
        uint8_t srv_x_sk[32], nonce[24];
        if (sodium_base642bin(co_req_sig, sizeof co_req_sig, s64, strlen(s64), NULL, &n, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            n != 64)
            die("callout request signature", NULL);
        memset(srv_x_sk, 0x63, sizeof srv_x_sk); /* curve seeds are the x25519 scalars */
        randombytes_buf(nonce, sizeof nonce);
        if (crypto_box_beforenm(co_shared, na_nkey_public_raw(co_x), srv_x_sk) != 0)
            die("callout shared key", NULL);
        co_box_len = co_req_len + 16;
        crypto_box_easy_afternm(co_box, (const uint8_t *)co_req, co_req_len, nonce, co_shared);
        memcpy(co_nonce, nonce, sizeof nonce);
    }
}

/* ---- the operations ------------------------------------------------------ */

/* raw x25519 secret of xa (the seed is the scalar for curve keys) */
static uint8_t xa_sk[32], xb_sk[32];

static void op_raw_sign(void)
{
    uint8_t sig[64];
    crypto_sign_detached(sig, NULL, sign_msg, issue_signed_len, sk_acct);
    sink += sig[0];
}

static void op_na_sign(void)
{
    uint8_t sig[64];
    if (na_nkey_sign(acct, sig, sign_msg, issue_signed_len, NULL) != NA_OK)
        die("na_nkey_sign", NULL);
    sink += sig[0];
}

static void op_raw_verify(void)
{
    if (crypto_sign_verify_detached(sig_big, sign_msg, big_signed_len, pk_acct) != 0)
        die("crypto_sign_verify_detached", NULL);
}

static void op_na_verify(void)
{
    if (na_nkey_verify(acct, sig_big, sign_msg, big_signed_len, NULL) != NA_OK)
        die("na_nkey_verify", NULL);
}

static void op_issue(void)
{
    char *tok = issue_one();
    sink += (size_t)tok[0];
    na_free(tok);
}

static void op_decode_verify(void)
{
    na_claims *c = NULL;
    na_err err;
    if (na_jwt_verify(&c, big_token, big_len, NOW, &err) != NA_OK)
        die("na_jwt_verify", &err);
    na_claims_destroy(c);
}

static void op_raw_box(void)
{
    uint8_t out[sizeof box_msg + 16];
    if (crypto_box_easy(out, box_msg, sizeof box_msg, box_nonce, nacl_box_pk, xa_sk) != 0)
        die("crypto_box_easy", NULL);
    sink += out[0];
}

static void op_raw_box_open(void)
{
    uint8_t out[sizeof box_msg];
    if (crypto_box_open_easy(out, raw_box, sizeof raw_box, box_nonce, na_nkey_public_raw(xa),
                             xb_sk) != 0)
        die("crypto_box_open_easy", NULL);
}

static void op_na_seal(void)
{
    uint8_t *o = NULL;
    size_t n = 0;
    if (na_xkey_seal(xa, &o, &n, box_msg, sizeof box_msg, na_nkey_public(xb), NULL) != NA_OK)
        die("na_xkey_seal", NULL);
    na_free(o);
}

static void op_na_open(void)
{
    uint8_t *o = NULL;
    size_t n = 0;
    if (na_xkey_open(xb, &o, &n, na_box_buf, na_box_len, na_nkey_public(xa), NULL) != NA_OK)
        die("na_xkey_open", NULL);
    na_free(o);
}

static void op_raw_box_afternm(void)
{
    uint8_t out[sizeof box_msg + 16];
    crypto_box_easy_afternm(out, box_msg, sizeof box_msg, box_nonce, raw_shared);
    sink += out[0];
}

static void op_raw_box_open_afternm(void)
{
    uint8_t out[sizeof box_msg];
    if (crypto_box_open_easy_afternm(out, raw_box, sizeof raw_box, box_nonce, raw_shared) != 0)
        die("crypto_box_open_easy_afternm", NULL);
}

static void op_na_shared_seal(void)
{
    uint8_t *o = NULL;
    size_t n = 0;
    if (na_xkey_shared_seal(shared_ab, &o, &n, box_msg, sizeof box_msg, NULL) != NA_OK)
        die("na_xkey_shared_seal", NULL);
    na_free(o);
}

static void op_na_shared_open(void)
{
    uint8_t *o = NULL;
    size_t n = 0;
    if (na_xkey_shared_open(shared_ba, &o, &n, na_box_buf, na_box_len, NULL) != NA_OK)
        die("na_xkey_shared_open", NULL);
    na_free(o);
}

static void op_co_plain(void)
{
    sink += co_decide((const uint8_t *)co_req, co_req_len, NULL, &co_conf);
}

static void op_co_sealed(void)
{
    sink += co_decide(co_sealed, co_sealed_len, na_nkey_public(srv_x), &co_conf_x);
}

static void op_co_sealed_nocache(void)
{
    sink += co_decide(co_sealed, co_sealed_len, na_nkey_public(srv_x), &co_conf_x_nocache);
}

/* What a decision cannot avoid: verify the request, sign the user JWT and
 * the response (same byte counts as one real answer). */
static void op_co_floor_plain(void)
{
    uint8_t sig[64];
    if (crypto_sign_verify_detached(co_req_sig, (const uint8_t *)co_req, co_req_signed_len,
                                    pk_srv) != 0)
        die("callout floor verify", NULL);
    crypto_sign_detached(sig, NULL, sign_msg, co_user_signed_len, sk_acct);
    sink += sig[0];
    crypto_sign_detached(sig, NULL, sign_msg, co_resp_signed_len, sk_acct);
    sink += sig[0];
}

/* ... plus opening the request box and sealing the answer (precomputed key). */
static void op_co_floor_sealed(void)
{
    uint8_t out[4096];
    op_co_floor_plain();
    if (crypto_box_open_easy_afternm(out, co_box, co_box_len, co_nonce, co_shared) != 0)
        die("callout floor open", NULL);
    crypto_box_easy_afternm(out, sign_msg, co_resp_len, co_nonce, co_shared);
    sink += out[0];
}

typedef struct bench {
    const char *name, *what;
    void (*fn)(void);
    size_t n;                     /* ops per round */
    double cpu_us[MAX_ROUNDS];    /* per op, each round */
    double wall_us[MAX_ROUNDS];
    double cpu_med, wall_med, cpu_min, cpu_max;
} bench;

static bench benches[] = {
    {"raw_sign", "crypto_sign_detached (issue-size msg)", op_raw_sign, 0, {0}, {0}, 0, 0, 0, 0},
    {"nkey_sign", "na_nkey_sign (same msg)", op_na_sign, 0, {0}, {0}, 0, 0, 0, 0},
    {"issue", "user JWT: create+5 setters+encode", op_issue, 0, {0}, {0}, 0, 0, 0, 0},
    {"raw_verify", "crypto_sign_verify_detached (2KB)", op_raw_verify, 0, {0}, {0}, 0, 0, 0, 0},
    {"nkey_verify", "na_nkey_verify (same msg)", op_na_verify, 0, {0}, {0}, 0, 0, 0, 0},
    {"decode_verify", "na_jwt_verify of the 2KB token", op_decode_verify, 0, {0}, {0}, 0, 0, 0, 0},
    {"raw_box", "crypto_box_easy 512B", op_raw_box, 0, {0}, {0}, 0, 0, 0, 0},
    {"xkey_seal", "na_xkey_seal 512B", op_na_seal, 0, {0}, {0}, 0, 0, 0, 0},
    {"raw_box_open", "crypto_box_open_easy 512B", op_raw_box_open, 0, {0}, {0}, 0, 0, 0, 0},
    {"xkey_open", "na_xkey_open 512B", op_na_open, 0, {0}, {0}, 0, 0, 0, 0},
    {"raw_afternm", "crypto_box_easy_afternm 512B", op_raw_box_afternm, 0, {0}, {0}, 0, 0, 0,
     0},
    {"shared_seal", "na_xkey_shared_seal 512B", op_na_shared_seal, 0, {0}, {0}, 0, 0, 0, 0},
    {"raw_open_afternm", "crypto_box_open_easy_afternm 512B", op_raw_box_open_afternm, 0, {0},
     {0}, 0, 0, 0, 0},
    {"shared_open", "na_xkey_shared_open 512B", op_na_shared_open, 0, {0}, {0}, 0, 0, 0, 0},
    {"callout_floor", "callout crypto: verify + 2 signs", op_co_floor_plain, 0, {0}, {0}, 0, 0,
     0, 0},
    {"callout_plain", "callout open+respond, plain", op_co_plain, 0, {0}, {0}, 0, 0, 0, 0},
    {"callout_floor_x", "callout crypto + box open/seal (afternm)", op_co_floor_sealed, 0, {0},
     {0}, 0, 0, 0, 0},
    {"callout_sealed", "callout open+respond, sealed, xcache", op_co_sealed, 0, {0}, {0}, 0, 0,
     0, 0},
    {"callout_nocache", "callout open+respond, sealed, no cache", op_co_sealed_nocache, 0, {0},
     {0}, 0, 0, 0, 0},
};
#define NBENCH (sizeof benches / sizeof benches[0])

/* natsauth op vs its raw counterpart; target 0 = informational */
static const struct {
    const char *label, *raw, *ours;
    double target;
} ratios[] = {
    {"issue vs raw sign", "raw_sign", "issue", 0.80},
    {"decode+verify vs raw verify", "raw_verify", "decode_verify", 0.85},
    {"nkey_sign vs raw sign", "raw_sign", "nkey_sign", 0},
    {"nkey_verify vs raw verify", "raw_verify", "nkey_verify", 0},
    {"xkey_seal vs crypto_box_easy", "raw_box", "xkey_seal", 0},
    {"xkey_open vs crypto_box_open_easy", "raw_box_open", "xkey_open", 0},
    {"shared_seal vs box_easy_afternm", "raw_afternm", "shared_seal", 0},
    {"shared_open vs box_open_afternm", "raw_open_afternm", "shared_open", 0},
    {"callout plain vs crypto floor", "callout_floor", "callout_plain", 0.80},
    {"callout sealed+xcache vs floor", "callout_floor_x", "callout_sealed", 0.80},
    {"callout sealed, no cache vs floor", "callout_floor_x", "callout_nocache", 0},
};

static const bench *find(const char *name)
{
    for (size_t i = 0; i < NBENCH; i++)
        if (strcmp(benches[i].name, name) == 0)
            return &benches[i];
    return NULL;
}

/* ---- timing -------------------------------------------------------------- */

static double now_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double tmp[MAX_ROUNDS];
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* ops per round so that a round takes about round_ms of CPU */
static size_t calibrate(void (*fn)(void), double round_ms)
{
    size_t n = 0;
    double t0 = now_us(CLOCK_PROCESS_CPUTIME_ID), dt;
    do {
        fn();
        n++;
        dt = now_us(CLOCK_PROCESS_CPUTIME_ID) - t0;
    } while (dt < 20000 && n < 1000000);
    n = (size_t)((double)n * round_ms * 1000.0 / dt);
    return n < 10 ? 10 : n;
}

int main(int argc, char **argv)
{
    bool json = false;
    const char *only = NULL;
    int rounds = 5;
    double round_ms = 100;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--round-ms") == 0 && i + 1 < argc) {
            round_ms = atof(argv[++i]);
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
            if (!find(only)) {
                fprintf(stderr, "bench_core: unknown operation '%s'\n", only);
                return 2;
            }
        } else if (strcmp(argv[i], "--quick") == 0) {
            rounds = 3;
            round_ms = 10;
        } else {
            fprintf(stderr, "usage: bench_core [--json] [--rounds R] [--round-ms MS] [--quick] "
                            "[--only OP]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > MAX_ROUNDS || round_ms <= 0) {
        fprintf(stderr, "bench_core: --rounds must be 1..%d and --round-ms > 0\n", MAX_ROUNDS);
        return 2;
    }

    setup();
    co_setup();
    memset(xa_sk, 0x44, 32); /* curve seeds are the x25519 scalars */
    memset(xb_sk, 0x55, 32);
    if (crypto_box_easy(raw_box, box_msg, sizeof box_msg, box_nonce, nacl_box_pk, xa_sk) != 0 ||
        crypto_box_beforenm(raw_shared, nacl_box_pk, xa_sk) != 0)
        die("crypto_box setup", NULL);

    for (size_t b = 0; b < NBENCH; b++) {
        if (only && strcmp(only, benches[b].name) != 0)
            continue;
        benches[b].fn(); /* warm up */
        benches[b].n = calibrate(benches[b].fn, round_ms);
    }
    for (int r = 0; r < rounds; r++) {
        for (size_t b = 0; b < NBENCH; b++) {
            bench *x = &benches[b];
            if (only && strcmp(only, x->name) != 0)
                continue;
            double c0 = now_us(CLOCK_PROCESS_CPUTIME_ID), w0 = now_us(CLOCK_MONOTONIC);
            for (size_t i = 0; i < x->n; i++)
                x->fn();
            x->cpu_us[r] = (now_us(CLOCK_PROCESS_CPUTIME_ID) - c0) / (double)x->n;
            x->wall_us[r] = (now_us(CLOCK_MONOTONIC) - w0) / (double)x->n;
        }
    }
    for (size_t b = 0; b < NBENCH; b++) {
        bench *x = &benches[b];
        x->cpu_med = median(x->cpu_us, rounds);
        x->wall_med = median(x->wall_us, rounds);
        x->cpu_min = x->cpu_max = x->cpu_us[0];
        for (int r = 1; r < rounds; r++) {
            if (x->cpu_us[r] < x->cpu_min)
                x->cpu_min = x->cpu_us[r];
            if (x->cpu_us[r] > x->cpu_max)
                x->cpu_max = x->cpu_us[r];
        }
    }

    if (only) {
        const bench *x = find(only);
        printf("%s: %.2f us/op cpu (median of %d rounds of %zu), %.2f us/op wall\n", x->name,
               x->cpu_med, rounds, x->n, x->wall_med);
    } else if (json) {
        printf("{\"rounds\":%d,\"issue_signed_bytes\":%zu,\"token_bytes\":%zu,"
               "\"token_signed_bytes\":%zu,\"ops\":[",
               rounds, issue_signed_len, big_len, big_signed_len);
        for (size_t b = 0; b < NBENCH; b++) {
            const bench *x = &benches[b];
            printf("%s{\"name\":\"%s\",\"ops_per_round\":%zu,\"cpu_us_median\":%.3f,"
                   "\"cpu_us_min\":%.3f,\"cpu_us_max\":%.3f,\"wall_us_median\":%.3f}",
                   b ? "," : "", x->name, x->n, x->cpu_med, x->cpu_min, x->cpu_max,
                   x->wall_med);
        }
        printf("],\"ratios\":[");
        for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
            double q = find(ratios[i].raw)->cpu_med / find(ratios[i].ours)->cpu_med;
            printf("%s{\"name\":\"%s\",\"raw\":\"%s\",\"op\":\"%s\",\"ratio\":%.3f", i ? "," : "",
                   ratios[i].label, ratios[i].raw, ratios[i].ours, q);
            if (ratios[i].target > 0)
                printf(",\"target\":%.2f,\"pass\":%s", ratios[i].target,
                       q >= ratios[i].target ? "true" : "false");
            printf("}");
        }
        printf("]}\n");
    } else {
        printf("natsauth bench_core: %d interleaved rounds, median CPU time per op\n", rounds);
        printf("issue signs %zu bytes; the decode token is %zu bytes (%zu signed)\n\n",
               issue_signed_len, big_len, big_signed_len);
        printf("%-17s %-38s %9s %10s %10s %10s %11s\n", "op", "what", "ops/round", "cpu us/op",
               "min", "max", "wall us/op");
        for (size_t b = 0; b < NBENCH; b++) {
            const bench *x = &benches[b];
            printf("%-17s %-38s %9zu %10.2f %10.2f %10.2f %11.2f\n", x->name, x->what, x->n,
                   x->cpu_med, x->cpu_min, x->cpu_max, x->wall_med);
        }
        printf("\n%-36s %8s %8s\n", "ratio (raw time / natsauth time)", "ratio", "target");
        for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
            double q = find(ratios[i].raw)->cpu_med / find(ratios[i].ours)->cpu_med;
            if (ratios[i].target > 0)
                printf("%-36s %8.3f %8.2f\n", ratios[i].label, q, ratios[i].target);
            else
                printf("%-36s %8.3f %8s\n", ratios[i].label, q, "-");
        }
        printf("\n");
        for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
            double q;
            if (ratios[i].target <= 0)
                continue;
            q = find(ratios[i].raw)->cpu_med / find(ratios[i].ours)->cpu_med;
            printf("%s %s: %.3f (target >= %.2f)\n", q >= ratios[i].target ? "PASS" : "MISS",
                   ratios[i].label, q, ratios[i].target);
        }
        {
            const bench *cs = find("callout_sealed"), *cp = find("callout_plain");
            printf("%s callout decision CPU: %.1f us sealed+xcache, %.1f us plain (target <= "
                   "120 us; answer %zu bytes)\n",
                   cs->cpu_med <= 120 ? "PASS" : "MISS", cs->cpu_med, cp->cpu_med, co_resp_len);
        }
    }
    na_callout_xcache_destroy(co_cache);
    na_nkey_destroy(srv);
    na_nkey_destroy(srv_x);
    na_nkey_destroy(co_x);
    na_free(co_req);
    na_free(co_sealed);
    na_xkey_shared_destroy(shared_ab);
    na_xkey_shared_destroy(shared_ba);
    na_nkey_destroy(acct);
    na_nkey_destroy(user);
    na_nkey_destroy(xa);
    na_nkey_destroy(xb);
    na_free(big_token);
    return 0;
}
