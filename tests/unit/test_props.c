/*
 * test_props.c - property tests: round trips, flip-one-byte-must-fail,
 * truncations, maximal inputs.
 *
 * Claims of every type are built at random (names with <>&, quotes,
 * control characters, non-ASCII and U+2028/U+2029; random permissions,
 * limits, exports, imports, keys, generic JSON) and must survive
 * encode -> decode -> encode byte for byte. Tokens, nkeys and sealed xkey
 * boxes must refuse every single-byte change and every truncation. Creds
 * text is parsed in its tolerated variants and written in the exact format.
 *
 * The generator is a seeded splitmix64, so a run is reproducible: the seed
 * is printed, and NATSAUTH_PROPS_SEED=<n> repeats a run (NATSAUTH_PROPS_N
 * sets the number of random claim sets per type, default 40).
 */
#include <ctype.h>
#include <inttypes.h>

#include <jansson.h>
#include <sodium.h>

#include "natsauth/natsauth.h"
#include "../../src/core/internal.h"
#include "../testlib.h"

#define IAT 1700000000

/* ---- deterministic randomness -------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t rn(size_t n) { return n ? (size_t)(rnd() % n) : 0; }
static bool coin(void) { return rnd() & 1; }

static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static na_nkey *rnd_key(na_nkey_type t)
{
    uint8_t raw[32];
    na_nkey *k = NULL;
    rnd_bytes(raw, sizeof raw);
    if (na_nkey_from_raw(&k, t, raw, NULL) != NA_OK)
        abort();
    na_wipe(raw, sizeof raw);
    return k;
}

/* A public key of type t (static buffer per slot; the key is discarded). */
static const char *rnd_pub(na_nkey_type t)
{
    static char bufs[8][NA_NKEY_PUBLIC_LEN + 1];
    static size_t slot;
    uint8_t raw[32];
    char *b = bufs[slot++ % 8];
    rnd_bytes(raw, sizeof raw);
    na_nkey_encode_public(b, t, raw);
    return b;
}

/* Strings meant to trip up the JSON writer: HTML-escaped <>&, JSON escapes,
 * control characters, 2/3/4-byte UTF-8, and the JavaScript line separators. */
static const char *const frags[] = {
    "a", "Z", "9", " ", "-", "_", ".", "<", ">", "&", "\"", "\\", "/", "'", "\n", "\t",
    "\r", "\b", "\f", "\x01", "\x1f", "\x7f", "é", "ß", "日本", "😀", "\xe2\x80\xa8",
    "\xe2\x80\xa9", "\xef\xbb\xbf", "\\u0000", "{{name()}}", "%s", "alice", "$SYS",
};

static char *rnd_str(size_t maxfrags)
{
    na_buf b;
    size_t n = rn(maxfrags + 1);
    na_buf_init(&b, 1u << 20);
    for (size_t i = 0; i < n; i++)
        na_buf_puts(&b, frags[rn(sizeof frags / sizeof frags[0])]);
    return na_buf_take(&b);
}

static char *rnd_subject(void)
{
    static const char *const toks[] = {"foo", "bar", "*", "baz", "_INBOX", "$JS", "a<b",
                                       "x&y", "é", "q>", "orders", "1"};
    na_buf b;
    size_t n = 1 + rn(5);
    na_buf_init(&b, 4096);
    for (size_t i = 0; i < n; i++) {
        if (i)
            na_buf_putc(&b, '.');
        na_buf_puts(&b, toks[rn(sizeof toks / sizeof toks[0])]);
    }
    if (rn(4) == 0)
        na_buf_puts(&b, ".>");
    return na_buf_take(&b);
}

static int64_t rnd_limit(void)
{
    switch (rn(4)) {
    case 0: return -1;
    case 1: return 0;
    case 2: return (int64_t)rn(1000);
    default: return (int64_t)(rnd() >> 2);
    }
}

/* JSON text of a value (new string). */
static char *dump(json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(v);
    if (!s)
        abort();
    return s;
}

static json_t *jstr_new(char *s) /* takes s */
{
    json_t *v = json_string(s);
    free(s);
    return v;
}

/* ---- claim builders ----------------------------------------------------- */

#define OKC(call)                                                                     \
    do {                                                                              \
        na_err e_ = {0};                                                              \
        na_status st_ = (call);                                                       \
        CHECKF(st_ == NA_OK, "%s: %s", #call, e_.msg);                                \
        (void)e_;                                                                     \
    } while (0)
/* inside OKC(...), ERRP is the na_err * of that call */
#define ERRP (&e_)

static void set_common(na_claims *c)
{
    char *s = rnd_str(8);
    OKC(na_claims_set_name(c, s, ERRP));
    free(s);
    if (coin())
        OKC(na_claims_set_expires(c, IAT + 1 + (int64_t)rn(1000000), ERRP));
    if (coin())
        OKC(na_claims_set_not_before(c, IAT - (int64_t)rn(1000), ERRP));
    if (rn(3) == 0) {
        s = rnd_str(3);
        OKC(na_claims_set_audience(c, s, ERRP));
        free(s);
    }
    for (size_t i = rn(3); i > 0; i--) {
        s = rnd_str(3);
        OKC(na_claims_add_tag(c, s, ERRP));
        free(s);
    }
}

static void add_perms(na_claims *c)
{
    for (size_t i = rn(6); i > 0; i--) {
        char *s = rnd_subject();
        OKC(na_claims_perm_add(c, coin() ? NA_PERM_PUB : NA_PERM_SUB, rn(3) != 0, s, ERRP));
        free(s);
    }
    if (rn(3) == 0)
        OKC(na_claims_set_resp(c, (int64_t)rn(100), (int64_t)rn(1000) * 1000000, ERRP));
}

static na_claims *make_operator(na_nkey **signer)
{
    na_claims *c = NULL;
    *signer = rnd_key(NA_NKEY_OPERATOR);
    OKC(na_claims_create(&c, NA_CLAIMS_OPERATOR, na_nkey_public(*signer), ERRP));
    set_common(c);
    for (size_t i = rn(3); i > 0; i--)
        OKC(na_claims_add_signing_key(c, rnd_pub(NA_NKEY_OPERATOR), ERRP));
    if (coin()) {
        char url[64];
        snprintf(url, sizeof url, "nats://h%zu.example:%zu", rn(100), rn(65536));
        OKC(na_claims_set_str(c, "nats.account_server_url", url, ERRP));
        OKC(na_claims_add_str(c, "nats.operator_service_urls", url, ERRP));
    }
    if (coin())
        OKC(na_claims_set_str(c, "nats.system_account", rnd_pub(NA_NKEY_ACCOUNT), ERRP));
    if (coin())
        OKC(na_claims_set_bool(c, "nats.strict_signing_key_usage", coin(), ERRP));
    if (coin())
        OKC(na_claims_set_str(c, "nats.assert_server_version", "2.10.0", ERRP));
    return c;
}

static char *rnd_export(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "subject", jstr_new(rnd_subject()));
    if (coin())
        json_object_set_new(o, "name", jstr_new(rnd_str(4)));
    if (rn(4))
        json_object_set_new(o, "type", json_string(coin() ? "stream" : "service"));
    if (coin())
        json_object_set_new(o, "token_req", json_boolean(coin()));
    if (coin())
        json_object_set_new(o, "revocations",
                            json_pack("{s:I}", rnd_pub(NA_NKEY_ACCOUNT), (json_int_t)IAT));
    if (coin())
        json_object_set_new(o, "response_type", json_string("Stream"));
    if (coin())
        json_object_set_new(o, "response_threshold", json_integer((json_int_t)rn(1000000)));
    if (coin())
        json_object_set_new(o, "service_latency",
                            json_pack("{s:I,s:s}", "sampling", (json_int_t)(1 + rn(100)),
                                      "results", "lat.results"));
    if (coin())
        json_object_set_new(o, "account_token_position", json_integer((json_int_t)rn(5)));
    if (coin())
        json_object_set_new(o, "description", jstr_new(rnd_str(6)));
    if (coin())
        json_object_set_new(o, "info_url", json_string("https://example.com/x?a=1&b=<2>"));
    return dump(o);
}

static char *rnd_import(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "subject", jstr_new(rnd_subject()));
    json_object_set_new(o, "account", json_string(rnd_pub(NA_NKEY_ACCOUNT)));
    if (coin())
        json_object_set_new(o, "name", jstr_new(rnd_str(4)));
    if (rn(4))
        json_object_set_new(o, "type", json_string(coin() ? "stream" : "service"));
    if (coin())
        json_object_set_new(o, "local_subject", jstr_new(rnd_subject()));
    if (coin())
        json_object_set_new(o, "share", json_boolean(coin()));
    if (coin())
        json_object_set_new(o, "token", json_string("eyJ.x.y"));
    return dump(o);
}

/* A scope template. Its subs/data/payload are never 0: Go (and natsauth)
 * write 0 as omitted and read an omitted value as -1, so 0 cannot round
 * trip (see template_zero_limit_reads_back_as_minus_one). */
static char *rnd_template(void)
{
    json_t *o = json_object(), *pub = json_object();
    json_t *allow = json_array();
    for (size_t i = 1 + rn(3); i > 0; i--)
        json_array_append_new(allow, jstr_new(rnd_subject()));
    json_object_set_new(pub, "allow", allow);
    json_object_set_new(o, "pub", pub);
    json_object_set_new(o, "subs", json_integer(coin() ? -1 : (json_int_t)(1 + rn(100))));
    json_object_set_new(o, "data", json_integer(coin() ? -1 : (json_int_t)(1 + rn(100))));
    if (coin())
        json_object_set_new(o, "bearer_token", json_true());
    if (coin())
        json_object_set_new(o, "allowed_connection_types", json_pack("[s]", "STANDARD"));
    return dump(o);
}

static na_claims *make_account(na_nkey **signer)
{
    static const char *const lim_keys[] = {"subs", "data", "payload", "imports", "exports",
                                           "conn", "leaf", "mem_storage", "disk_storage",
                                           "streams", "consumer", "max_ack_pending"};
    na_claims *c = NULL;
    char path[64], *s;
    *signer = rnd_key(coin() ? NA_NKEY_OPERATOR : NA_NKEY_ACCOUNT);
    OKC(na_claims_create(&c, NA_CLAIMS_ACCOUNT,
                         na_nkey_type_of(*signer) == NA_NKEY_ACCOUNT ? na_nkey_public(*signer)
                                                                     : rnd_pub(NA_NKEY_ACCOUNT),
                         ERRP));
    bool tiered = rn(4) == 0;
    set_common(c);
    for (size_t i = 0; i < sizeof lim_keys / sizeof lim_keys[0]; i++) {
        /* flat JetStream limits (from mem_storage on) and tiers exclude
         * each other: decode drops flat ones when tiers exist, as Go does */
        if (!coin() || (tiered && i >= 7))
            continue;
        snprintf(path, sizeof path, "nats.limits.%s", lim_keys[i]);
        OKC(na_claims_set_int(c, path, rnd_limit(), ERRP));
    }
    if (coin())
        OKC(na_claims_set_bool(c, "nats.limits.wildcards", coin(), ERRP));
    if (coin())
        OKC(na_claims_set_bool(c, "nats.limits.disallow_bearer", coin(), ERRP));
    if (tiered)
        OKC(na_claims_set_json(c, "nats.limits.tiered_limits",
                               "{\"R3\":{\"mem_storage\":-1,\"disk_storage\":1024},"
                               "\"R1\":{\"streams\":10}}",
                               ERRP));
    add_perms(c);
    for (size_t i = rn(4); i > 0; i--) {
        s = rnd_export();
        OKC(na_claims_append_json(c, "nats.exports", s, ERRP));
        free(s);
    }
    for (size_t i = rn(4); i > 0; i--) {
        s = rnd_import();
        OKC(na_claims_append_json(c, "nats.imports", s, ERRP));
        free(s);
    }
    for (size_t i = rn(3); i > 0; i--)
        OKC(na_claims_revoke(c, coin() ? rnd_pub(NA_NKEY_USER) : "*", IAT - (int64_t)rn(100),
                             ERRP));
    for (size_t i = rn(3); i > 0; i--)
        OKC(na_claims_add_signing_key(c, rnd_pub(NA_NKEY_ACCOUNT), ERRP));
    for (size_t i = rn(3); i > 0; i--) {
        char *role = rnd_str(3), *desc = rnd_str(5);
        s = rnd_template();
        OKC(na_claims_add_scoped_key(c, rnd_pub(NA_NKEY_ACCOUNT), role, coin() ? s : NULL, desc,
                                     ERRP));
        free(s);
        free(role);
        free(desc);
    }
    if (coin()) {
        json_t *m = json_object();
        char *from = rnd_subject();
        json_object_set_new(m, from,
                            json_pack("[{s:s,s:i},{s:s,s:i,s:s}]", "subject", "dst.a", "weight",
                                      (int)rn(50), "subject", "dst.b", "weight", (int)rn(50),
                                      "cluster", "east"));
        free(from);
        s = dump(m);
        OKC(na_claims_set_json(c, "nats.mappings", s, ERRP));
        free(s);
    }
    if (coin()) {
        json_t *a = json_pack("{s:[s],s:[s],s:s}", "auth_users", rnd_pub(NA_NKEY_USER),
                              "allowed_accounts", coin() ? "*" : rnd_pub(NA_NKEY_ACCOUNT),
                              "xkey", rnd_pub(NA_NKEY_CURVE));
        s = dump(a);
        OKC(na_claims_set_json(c, "nats.authorization", s, ERRP));
        free(s);
    }
    if (coin())
        OKC(na_claims_set_json(c, "nats.trace", "{\"dest\":\"trace.x\",\"sampling\":50}", ERRP));
    if (coin()) {
        s = rnd_str(10);
        OKC(na_claims_set_str(c, "nats.description", s, ERRP));
        free(s);
    }
    if (coin())
        OKC(na_claims_set_str(c, "nats.cluster_traffic", coin() ? "system" : "owner", ERRP));
    return c;
}

static na_claims *make_user(na_nkey **signer)
{
    static const char *const cidrs[] = {"10.0.0.0/8", " 192.168.1.0/24 ", "2001:DB8::/32",
                                        "127.0.0.1/32"};
    static const char *const ctypes[] = {"STANDARD", "WEBSOCKET", "LEAFNODE", "MQTT"};
    na_claims *c = NULL;
    *signer = rnd_key(NA_NKEY_ACCOUNT);
    OKC(na_claims_create(&c, NA_CLAIMS_USER, rnd_pub(NA_NKEY_USER), ERRP));
    set_common(c);
    add_perms(c);
    if (coin())
        OKC(na_claims_set_int(c, "nats.subs", rnd_limit(), ERRP));
    if (coin())
        OKC(na_claims_set_int(c, "nats.data", rnd_limit(), ERRP));
    if (coin())
        OKC(na_claims_set_int(c, "nats.payload", rnd_limit(), ERRP));
    for (size_t i = rn(3); i > 0; i--)
        OKC(na_claims_add_str(c, "nats.src", cidrs[rn(4)], ERRP));
    if (rn(3) == 0) {
        OKC(na_claims_append_json(c, "nats.times", "{\"start\":\"08:00:00\",\"end\":\"17:00:00\"}",
                                  ERRP));
        OKC(na_claims_set_str(c, "nats.times_location", "Europe/Berlin", ERRP));
    }
    if (coin())
        OKC(na_claims_set_bool(c, "nats.bearer_token", coin(), ERRP));
    if (coin())
        OKC(na_claims_set_bool(c, "nats.proxy_required", coin(), ERRP));
    for (size_t i = rn(3); i > 0; i--)
        OKC(na_claims_add_str(c, "nats.allowed_connection_types", ctypes[rn(4)], ERRP));
    if (coin())
        OKC(na_claims_set_str(c, "nats.issuer_account", rnd_pub(NA_NKEY_ACCOUNT), ERRP));
    return c;
}

static na_claims *make_activation(na_nkey **signer)
{
    na_claims *c = NULL;
    char *s = rnd_subject();
    *signer = rnd_key(coin() ? NA_NKEY_ACCOUNT : NA_NKEY_OPERATOR);
    OKC(na_claims_create(&c, NA_CLAIMS_ACTIVATION, rnd_pub(NA_NKEY_ACCOUNT), ERRP));
    set_common(c);
    OKC(na_claims_set_str(c, "nats.subject", s, ERRP));
    OKC(na_claims_set_str(c, "nats.kind", coin() ? "stream" : "service", ERRP));
    if (coin())
        OKC(na_claims_set_str(c, "nats.issuer_account", rnd_pub(NA_NKEY_ACCOUNT), ERRP));
    free(s);
    return c;
}

static na_claims *make_auth_request(na_nkey **signer)
{
    na_claims *c = NULL;
    char *s;
    json_t *o;
    *signer = rnd_key(NA_NKEY_SERVER);
    OKC(na_claims_create(&c, NA_CLAIMS_AUTH_REQUEST, na_nkey_public(*signer), ERRP));
    set_common(c);
    OKC(na_claims_set_audience(c, "nats-authorization-request", ERRP));
    o = json_pack("{s:o,s:s,s:s,s:s}", "name", jstr_new(rnd_str(4)), "host", "127.0.0.1", "id",
                  na_nkey_public(*signer), "xkey", rnd_pub(NA_NKEY_CURVE));
    if (coin())
        json_object_set_new(o, "tags", json_pack("[s,s]", "a", "b<c>"));
    s = dump(o);
    OKC(na_claims_set_json(c, "nats.server_id", s, ERRP));
    free(s);
    OKC(na_claims_set_str(c, "nats.user_nkey", rnd_pub(NA_NKEY_USER), ERRP));
    o = json_pack("{s:s,s:I,s:o,s:s,s:s}", "host", "10.1.2.3", "id", (json_int_t)rn(100000),
                  "user", jstr_new(rnd_str(4)), "kind", "Client", "type", "nats");
    s = dump(o);
    OKC(na_claims_set_json(c, "nats.client_info", s, ERRP));
    free(s);
    o = json_pack("{s:o,s:o,s:s,s:i}", "user", jstr_new(rnd_str(4)), "pass",
                  jstr_new(rnd_str(4)), "lang", "C", "protocol", (int)rn(3));
    s = dump(o);
    OKC(na_claims_set_json(c, "nats.connect_opts", s, ERRP));
    free(s);
    if (coin())
        OKC(na_claims_set_json(c, "nats.client_tls",
                               "{\"version\":\"1.3\",\"cipher\":\"TLS_AES_128_GCM_SHA256\","
                               "\"certs\":[\"-----BEGIN CERTIFICATE-----\\nMIIB\\n\"],"
                               "\"verified_chains\":[[\"a\",\"b\"],[]]}",
                               ERRP));
    if (coin())
        OKC(na_claims_set_str(c, "nats.request_nonce", "bm9uY2U", ERRP));
    return c;
}

static na_claims *make_auth_response(na_nkey **signer)
{
    na_claims *c = NULL;
    char *s = rnd_str(6);
    *signer = rnd_key(NA_NKEY_ACCOUNT);
    OKC(na_claims_create(&c, NA_CLAIMS_AUTH_RESPONSE, rnd_pub(NA_NKEY_USER), ERRP));
    set_common(c);
    OKC(na_claims_set_audience(c, rnd_pub(NA_NKEY_SERVER), ERRP));
    if (coin())
        OKC(na_claims_set_str(c, "nats.jwt", "eyJ0eXAiOiJKV1QifQ.e30.c2ln", ERRP));
    else
        OKC(na_claims_set_str(c, "nats.error", s, ERRP));
    if (coin())
        OKC(na_claims_set_str(c, "nats.issuer_account", rnd_pub(NA_NKEY_ACCOUNT), ERRP));
    free(s);
    return c;
}

static json_t *rnd_json(int depth)
{
    switch (rn(depth > 0 ? 9 : 6)) {
    case 0: return jstr_new(rnd_str(5));
    case 1: return json_integer((json_int_t)rn(1000) - 500);
    /* beyond 2^53 a Go float64; kept below 2^63, since a number literal
     * outside int64 cannot be read back (jansson: "too big integer") */
    case 2: return json_integer((json_int_t)(rnd() >> 2));
    case 3: return json_real((double)(rnd() >> 11) / 1024.0 * (coin() ? 1e-9 : 1e3));
    case 4: return json_boolean(coin());
    case 5: return json_null();
    case 6:
    case 7: {
        json_t *o = json_object();
        for (size_t i = rn(4); i > 0; i--) {
            char *k = rnd_str(2);
            json_object_set_new(o, k, rnd_json(depth - 1));
            free(k);
        }
        return o;
    }
    default: {
        json_t *a = json_array();
        for (size_t i = rn(4); i > 0; i--)
            json_array_append_new(a, rnd_json(depth - 1));
        return a;
    }
    }
}

static na_claims *make_generic(na_nkey **signer)
{
    static const na_nkey_type kinds[] = {NA_NKEY_OPERATOR, NA_NKEY_ACCOUNT, NA_NKEY_USER,
                                         NA_NKEY_SERVER, NA_NKEY_CLUSTER};
    na_claims *c = NULL;
    char *sub = rnd_str(4);
    *signer = rnd_key(kinds[rn(5)]);
    OKC(na_claims_create(&c, NA_CLAIMS_GENERIC, *sub ? sub : "s", ERRP));
    free(sub);
    set_common(c);
    for (size_t i = rn(5); i > 0; i--) {
        char path[64], *v = dump(rnd_json(3));
        snprintf(path, sizeof path, "nats.f%zu", rn(20));
        OKC(na_claims_set_json(c, path, v, ERRP));
        free(v);
    }
    return c;
}

typedef na_claims *(*maker)(na_nkey **signer);
static const maker makers[NA_CLAIMS_TYPE_COUNT] = {
    [NA_CLAIMS_OPERATOR] = make_operator,         [NA_CLAIMS_ACCOUNT] = make_account,
    [NA_CLAIMS_USER] = make_user,                 [NA_CLAIMS_ACTIVATION] = make_activation,
    [NA_CLAIMS_AUTH_REQUEST] = make_auth_request, [NA_CLAIMS_AUTH_RESPONSE] = make_auth_response,
    [NA_CLAIMS_GENERIC] = make_generic,
};

/* Re-read the claims from JSON with unknown fields added at the top and in
 * "nats" (kept after the known ones, in order). */
static na_claims *with_unknown_fields(na_claims *c)
{
    char *j = na_claims_to_json(c, 0), *s;
    json_t *root = json_loads(j, 0, NULL), *nats;
    na_claims *out = NULL;
    na_err err = {0};
    CHECK(root != NULL);
    json_object_set_new(root, "x_future", rnd_json(2));
    nats = json_object_get(root, "nats");
    if (json_is_object(nats))
        json_object_set_new(nats, "zz_later", jstr_new(rnd_str(3)));
    s = json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT);
    CHECKF(na_claims_from_json(&out, na_claims_type_of(c), s, strlen(s), &err) == NA_OK, "%s",
           err.msg);
    free(s);
    free(j);
    json_decref(root);
    na_claims_destroy(c);
    return out;
}

static size_t n_per_type(void)
{
    const char *s = getenv("NATSAUTH_PROPS_N");
    return s && atoi(s) > 0 ? (size_t)atoi(s) : 40;
}

/* ---- claims round trips ------------------------------------------------ */

TEST(claims_roundtrip_every_type)
{
    size_t n = n_per_type(), total = 0;
    for (int t = 0; t < NA_CLAIMS_TYPE_COUNT; t++) {
        for (size_t i = 0; i < n; i++) {
            na_nkey *signer = NULL;
            na_claims *c = makers[t](&signer), *d = NULL, *v = NULL, *cl = NULL;
            char *tok1 = NULL, *tok2 = NULL, *tok3 = NULL, *pj = NULL, *dj = NULL;
            na_err err = {0};
            if (!c) {
                na_nkey_destroy(signer);
                continue;
            }
            if (rn(3) == 0)
                c = with_unknown_fields(c);
            if (!c)
                continue;
            CHECKF(na_claims_encode(c, &tok1, signer, IAT, &err) == NA_OK, "type %d: %s", t,
                   err.msg);
            if (!tok1)
                goto next;
            CHECK(strlen(tok1) < NA_JWT_MAX_TOKEN);
            CHECKF(na_jwt_decode(&d, tok1, strlen(tok1), &err) == NA_OK, "type %d: %s\n%s", t,
                   err.msg, tok1);
            if (!d)
                goto next;
            CHECK(na_claims_type_of(d) == (na_claims_type)t);
            CHECK_STREQ(na_claims_issuer(d), na_nkey_public(signer));
            CHECK(na_claims_issued_at(d) == IAT);
            /* the decoded claims are the signed payload, byte for byte */
            CHECK(na_jwt_split(NULL, &pj, tok1, strlen(tok1), &err) == NA_OK);
            dj = na_claims_to_json(d, 0);
            CHECK_STREQ(dj, pj);
            /* and encode to the very same token (ed25519 is deterministic) */
            CHECK(na_claims_encode(d, &tok2, signer, IAT, &err) == NA_OK);
            CHECK_STREQ(tok2, tok1);
            CHECK(na_claims_clone(&cl, d, &err) == NA_OK);
            CHECK(na_claims_encode(cl, &tok3, signer, IAT, &err) == NA_OK);
            CHECK_STREQ(tok3, tok1);
            /* verify passes inside the validity window */
            CHECKF(na_jwt_verify(&v, tok1, strlen(tok1), IAT, &err) == NA_OK, "%s", err.msg);
            total++;
        next:
            na_free(tok1);
            na_free(tok2);
            na_free(tok3);
            na_free(pj);
            na_free(dj);
            na_claims_destroy(c);
            na_claims_destroy(d);
            na_claims_destroy(v);
            na_claims_destroy(cl);
            na_nkey_destroy(signer);
        }
    }
    CHECK(total == n * NA_CLAIMS_TYPE_COUNT);
}

TEST(template_zero_limit_reads_back_as_minus_one)
{
    /* Go's quirk, kept on purpose: NewUserScope() presets subs/data/payload
     * to -1 before unmarshalling, and a 0 is omitted when written. */
    const char *acct_pub = rnd_pub(NA_NKEY_ACCOUNT);
    char key[NA_NKEY_PUBLIC_LEN + 1];
    na_claims *c = NULL, *d = NULL;
    char *j = NULL;
    na_err err = {0};
    memcpy(key, rnd_pub(NA_NKEY_ACCOUNT), sizeof key);
    CHECK(na_claims_create(&c, NA_CLAIMS_ACCOUNT, acct_pub, &err) == NA_OK);
    CHECK(na_claims_add_scoped_key(c, key, "r", "{\"subs\":0,\"data\":0,\"payload\":0}", "",
                                   &err) == NA_OK);
    j = na_claims_to_json(c, 0);
    CHECK(j && strstr(j, "\"template\":{\"pub\":{},\"sub\":{}}"));
    CHECK(na_claims_from_json(&d, NA_CLAIMS_ACCOUNT, j, strlen(j), &err) == NA_OK);
    na_free(j);
    j = d ? na_claims_to_json(d, 0) : NULL;
    CHECK(j && strstr(j, "\"template\":{\"pub\":{},\"sub\":{},\"subs\":-1,\"data\":-1,"
                         "\"payload\":-1}"));
    na_free(j);
    na_claims_destroy(c);
    na_claims_destroy(d);
}

/* ---- tokens: flips, truncations, size caps ------------------------------ */

/* One token per claim type plus a large user token (~2 KB). */
static size_t sample_tokens(char **toks, size_t cap)
{
    size_t n = 0;
    for (int t = 0; t < NA_CLAIMS_TYPE_COUNT && n < cap; t++) {
        na_nkey *signer = NULL;
        na_claims *c = makers[t](&signer);
        if (c && na_claims_encode(c, &toks[n], signer, IAT, NULL) == NA_OK)
            n++;
        na_claims_destroy(c);
        na_nkey_destroy(signer);
    }
    if (n < cap) {
        na_nkey *acct = rnd_key(NA_NKEY_ACCOUNT);
        na_claims *c = NULL;
        char subj[64];
        na_claims_create(&c, NA_CLAIMS_USER, rnd_pub(NA_NKEY_USER), NULL);
        na_claims_set_name(c, "big <user> & co", NULL);
        for (int i = 0; i < 60; i++) {
            snprintf(subj, sizeof subj, "svc.orders.region%d.>", i);
            na_claims_perm_add(c, i % 2 ? NA_PERM_SUB : NA_PERM_PUB, i % 5 != 0, subj, NULL);
        }
        if (na_claims_encode(c, &toks[n], acct, IAT, NULL) == NA_OK)
            n++;
        na_claims_destroy(c);
        na_nkey_destroy(acct);
    }
    return n;
}

static bool token_fail_status(na_status st)
{
    return st == NA_EJWT || st == NA_ESIG || st == NA_EJSON || st == NA_ESCHEMA ||
           st == NA_EPREFIX;
}

TEST(token_every_byte_flip_fails)
{
    static const struct {
        uint8_t xor_, set;
    } muts[] = {{0x01, 0}, {0x02, 0}, {0x20, 0}, {0x80, 0}, {0, 'A'}, {0, '_'},
                {0, '-'},  {0, '.'},  {0, '='},  {0, '+'},  {0, '/'}, {0, '\n'}};
    char *toks[8] = {0};
    size_t nt = sample_tokens(toks, 8), flips = 0;
    CHECK(nt == 8);
    for (size_t k = 0; k < nt; k++) {
        size_t len = strlen(toks[k]);
        char *m = malloc(len + 1);
        CHECK(k < 7 || len > 2000);
        for (size_t i = 0; i < len; i++) {
            for (size_t j = 0; j < sizeof muts / sizeof muts[0]; j++) {
                na_claims *c = NULL;
                na_err err = {0};
                na_status st;
                memcpy(m, toks[k], len + 1);
                m[i] = muts[j].set ? (char)muts[j].set : (char)(m[i] ^ muts[j].xor_);
                if (m[i] == toks[k][i])
                    continue;
                flips++;
                st = na_jwt_decode(&c, m, len, &err);
                CHECKF(st != NA_OK && c == NULL, "token %zu byte %zu 0x%02x -> 0x%02x decodes", k,
                       i, (unsigned char)toks[k][i], (unsigned char)m[i]);
                CHECKF(token_fail_status(st) && err.msg[0], "status %d (%s)", st, err.msg);
                na_claims_destroy(c);
            }
        }
        free(m);
    }
    CHECK(flips > 20000);
    for (size_t k = 0; k < nt; k++)
        na_free(toks[k]);
}

TEST(token_every_truncation_and_extension_fails)
{
    char *toks[8] = {0};
    size_t nt = sample_tokens(toks, 8);
    for (size_t k = 0; k < nt; k++) {
        size_t len = strlen(toks[k]);
        char *m = malloc(len + 2);
        na_claims *c = NULL;
        na_err err = {0};
        CHECK(na_jwt_decode(&c, toks[k], len, &err) == NA_OK);
        na_claims_destroy(c);
        for (size_t n = 0; n < len; n++) {
            c = NULL;
            /* both as a length and as a NUL-terminated copy */
            CHECKF(na_jwt_decode(&c, toks[k], n, &err) != NA_OK && !c, "prefix %zu decodes", n);
            memcpy(m, toks[k], n);
            m[n] = '\0';
            CHECK(na_jwt_decode(&c, m, strlen(m), &err) != NA_OK && !c);
        }
        /* and one more character of any kind at the end */
        for (int ch = 1; ch < 256; ch++) {
            memcpy(m, toks[k], len);
            m[len] = (char)ch;
            m[len + 1] = '\0';
            c = NULL;
            CHECKF(na_jwt_decode(&c, m, len + 1, &err) != NA_OK && !c, "suffix 0x%02x decodes",
                   ch);
        }
        free(m);
        na_free(toks[k]);
    }
}

TEST(oversize_inputs_refused)
{
    size_t big = NA_JWT_MAX_TOKEN + 1;
    char *t = malloc(NA_CREDS_MAX + 2);
    char *h = NULL, *p = NULL, *j = NULL, *s = NULL;
    na_claims *c = NULL;
    na_err err = {0};
    /* a token-shaped string just over the cap */
    memset(t, 'A', big);
    memcpy(t, "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.", 47);
    t[big - 90] = '.';
    t[big] = '\0';
    CHECK(na_jwt_decode(&c, t, big, &err) == NA_ETOOBIG && !c && err.code == NA_ETOOBIG);
    CHECK(na_jwt_verify(&c, t, big, IAT, &err) == NA_ETOOBIG && !c);
    CHECK(na_jwt_split(&h, &p, t, big, &err) == NA_ETOOBIG && !h && !p);
    /* at the cap it is judged on its content, not its size */
    CHECK(na_jwt_decode(&c, t, big - 1, &err) != NA_ETOOBIG && !c);
    /* claims JSON over the cap */
    memset(t, ' ', big);
    t[0] = '{';
    t[big - 1] = '}';
    CHECK(na_claims_from_json(&c, NA_CLAIMS_USER, t, big, &err) == NA_ETOOBIG && !c);
    CHECK(na_claims_from_json(&c, NA_CLAIMS_USER, t, big - 1, &err) != NA_ETOOBIG);
    /* creds over its cap */
    memset(t, 'A', NA_CREDS_MAX + 1);
    CHECK(na_creds_parse(&j, &s, t, NA_CREDS_MAX + 1, &err) == NA_ETOOBIG && !j && !s);
    free(t);
}

TEST(encode_never_writes_a_token_decode_refuses)
{
    /* claims whose payload fits the 1 MiB JSON cap but whose token (4/3 of
     * it in base64) would not: encode must refuse rather than write a token
     * nobody can read */
    na_nkey *acct = rnd_key(NA_NKEY_ACCOUNT);
    na_claims *c = NULL, *d = NULL;
    char *tok = NULL, subj[64];
    na_err err = {0};
    na_status st;
    CHECK(na_claims_create(&c, NA_CLAIMS_USER, rnd_pub(NA_NKEY_USER), &err) == NA_OK);
    for (int i = 0; i < 28000; i++) {
        snprintf(subj, sizeof subj, "a.subject.that.is.long.%d", i);
        na_claims_perm_add(c, NA_PERM_PUB, true, subj, NULL);
    }
    st = na_claims_encode(c, &tok, acct, IAT, &err);
    if (st == NA_OK) {
        CHECKF(strlen(tok) <= NA_JWT_MAX_TOKEN, "encode wrote a %zu-byte token", strlen(tok));
        CHECK(na_jwt_decode(&d, tok, strlen(tok), &err) == NA_OK);
    } else {
        CHECKF(st == NA_ETOOBIG && tok == NULL, "status %d: %s", st, err.msg);
    }
    na_free(tok);
    na_claims_destroy(c);
    na_claims_destroy(d);
    na_nkey_destroy(acct);
}

/* ---- nkeys -------------------------------------------------------------- */

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static bool key_fail_status(na_status st)
{
    return st == NA_EBASE32 || st == NA_ECRC || st == NA_EPREFIX || st == NA_ELENGTH;
}

static void check_key_mutants(const char *key, bool seed)
{
    static const char extra[] = "a0189=- \x80";
    size_t len = strlen(key);
    char m[80];
    uint8_t raw[32];
    na_nkey *k = NULL;
    na_err err;
    na_status st;
    char alphabet[64];
    snprintf(alphabet, sizeof alphabet, "%s%s", B32, extra);
    for (size_t i = 0; i < len; i++) {
        for (size_t r = 0; alphabet[r]; r++) {
            memcpy(m, key, len + 1);
            if (m[i] == alphabet[r])
                continue;
            m[i] = alphabet[r];
            memset(&err, 0, sizeof err);
            st = seed ? na_nkey_decode_seed(NULL, raw, m, len, &err)
                      : na_nkey_decode_public(NULL, raw, m, len, &err);
            CHECKF(st != NA_OK, "%s with [%zu]='%c' decodes", key, i, alphabet[r]);
            CHECKF(key_fail_status(st) && err.code == st && err.msg[0], "status %d", st);
            st = seed ? na_nkey_from_seed(&k, m, len, &err) : na_nkey_from_public(&k, m, len, &err);
            CHECK(st != NA_OK && k == NULL && key_fail_status(st));
            if (!seed)
                CHECK(!na_nkey_is_public(m, NA_NKEY_USER) && !na_nkey_is_public(m, NA_NKEY_CURVE));
        }
        /* drop character i, and insert one before it */
        memcpy(m, key, i);
        memcpy(m + i, key + i + 1, len - i);
        st = seed ? na_nkey_decode_seed(NULL, raw, m, len - 1, &err)
                  : na_nkey_decode_public(NULL, raw, m, len - 1, &err);
        CHECK(st != NA_OK && key_fail_status(st));
        memcpy(m, key, i);
        m[i] = 'A';
        memcpy(m + i + 1, key + i, len - i + 1);
        st = seed ? na_nkey_decode_seed(NULL, raw, m, len + 1, &err)
                  : na_nkey_decode_public(NULL, raw, m, len + 1, &err);
        CHECK(st != NA_OK && key_fail_status(st));
    }
    na_wipe(raw, sizeof raw);
}

TEST(nkey_every_char_change_fails)
{
    for (int t = 0; t < NA_NKEY_TYPE_COUNT; t++) {
        for (int rep = 0; rep < 3; rep++) {
            na_nkey *k = rnd_key((na_nkey_type)t);
            char seed[NA_NKEY_SEED_LEN + 1];
            CHECK(na_nkey_seed(k, seed, NULL) == NA_OK);
            check_key_mutants(na_nkey_public(k), false);
            check_key_mutants(seed, true);
            na_wipe(seed, sizeof seed);
            na_nkey_destroy(k);
        }
    }
}

/* base32 of prefix bytes + 32 key bytes + a correct crc (test helper). */
static void forge(char *out, const uint8_t *head, size_t hn)
{
    uint8_t b[40];
    uint16_t crc;
    memcpy(b, head, hn);
    memset(b + hn, 0x42, 32);
    crc = na_crc16(b, hn + 32);
    b[hn + 32] = (uint8_t)(crc & 0xff);
    b[hn + 33] = (uint8_t)(crc >> 8);
    na_b32_encode(out, b, hn + 34);
}

TEST(nkey_each_status_has_a_case)
{
    na_nkey *u = rnd_key(NA_NKEY_USER);
    const char *pub = na_nkey_public(u);
    char seed[NA_NKEY_SEED_LEN + 1], m[128];
    na_nkey *k = NULL;
    na_err err = {0};
    CHECK(na_nkey_seed(u, seed, NULL) == NA_OK);

    /* NA_EBASE32: outside the alphabet, lower case, padding, bad length */
    memcpy(m, pub, NA_NKEY_PUBLIC_LEN + 1);
    m[10] = (char)tolower((unsigned char)m[10]) == m[10] ? '1' : (char)tolower((unsigned char)m[10]);
    CHECK(na_nkey_decode_public(NULL, NULL, m, NA_NKEY_PUBLIC_LEN, &err) == NA_EBASE32);
    memcpy(m, pub, NA_NKEY_PUBLIC_LEN + 1);
    m[20] = '1';
    CHECK(na_nkey_decode_public(NULL, NULL, m, NA_NKEY_PUBLIC_LEN, &err) == NA_EBASE32);
    memcpy(m, seed, NA_NKEY_SEED_LEN + 1);
    memcpy(m + NA_NKEY_SEED_LEN - 2, "==", 2);
    CHECK(na_nkey_decode_seed(NULL, NULL, m, NA_NKEY_SEED_LEN, &err) == NA_EBASE32);
    CHECK(err.code == NA_EBASE32 && strstr(err.msg, "base32"));

    /* NA_ECRC: a valid character changed */
    memcpy(m, pub, NA_NKEY_PUBLIC_LEN + 1);
    m[30] = m[30] == 'B' ? 'C' : 'B';
    CHECK(na_nkey_decode_public(NULL, NULL, m, NA_NKEY_PUBLIC_LEN, &err) == NA_ECRC);
    CHECK(err.code == NA_ECRC && strstr(err.msg, "checksum"));
    memcpy(m, seed, NA_NKEY_SEED_LEN + 1);
    m[30] = m[30] == 'B' ? 'C' : 'B';
    CHECK(na_nkey_decode_seed(NULL, NULL, m, NA_NKEY_SEED_LEN, &err) == NA_ECRC);
    CHECK(na_nkey_from_seed(&k, m, NA_NKEY_SEED_LEN, &err) == NA_ECRC && !k);

    /* NA_EPREFIX: a seed where a public key goes and the reverse, a prefix
     * byte that names no type (valid crc), a seed with a bad type */
    CHECK(na_nkey_decode_public(NULL, NULL, seed, NA_NKEY_SEED_LEN, &err) == NA_EPREFIX);
    CHECK(na_nkey_from_seed(&k, pub, NA_NKEY_PUBLIC_LEN, &err) == NA_EPREFIX && !k);
    {
        uint8_t head[2] = {1u << 3, 0}; /* 'B': not a key type */
        forge(m, head, 1);
        CHECK(strlen(m) == NA_NKEY_PUBLIC_LEN);
        CHECK(na_nkey_decode_public(NULL, NULL, m, NA_NKEY_PUBLIC_LEN, &err) == NA_EPREFIX);
        head[0] = 0x90 | ((1u << 3) >> 5); /* seed of type 'B' */
        head[1] = (uint8_t)(((1u << 3) & 0x1f) << 3);
        forge(m, head, 2);
        CHECK(strlen(m) == NA_NKEY_SEED_LEN);
        CHECK(na_nkey_decode_seed(NULL, NULL, m, NA_NKEY_SEED_LEN, &err) == NA_EPREFIX);
        head[0] = 20u << 3; /* a user prefix where the seed marker goes */
        head[1] = 0;
        forge(m, head, 2);
        CHECK(na_nkey_decode_seed(NULL, NULL, m, NA_NKEY_SEED_LEN, &err) == NA_EPREFIX);
    }

    /* NA_ELENGTH: any length but 56/58 (checked before the characters) */
    CHECK(na_nkey_decode_public(NULL, NULL, pub, NA_NKEY_PUBLIC_LEN + 1, &err) == NA_ELENGTH);
    memcpy(m, seed, NA_NKEY_SEED_LEN);
    memcpy(m + NA_NKEY_SEED_LEN, "======", 7);
    CHECK(na_nkey_decode_seed(NULL, NULL, m, strlen(m), &err) == NA_ELENGTH);
    CHECK(na_nkey_decode_public(NULL, NULL, pub, NA_NKEY_PUBLIC_LEN - 1, &err) == NA_ELENGTH);
    CHECK(na_nkey_decode_public(NULL, NULL, pub, 48, &err) == NA_ELENGTH);
    CHECK(na_nkey_decode_public(NULL, NULL, "", 0, &err) == NA_ELENGTH);
    memset(m, 'A', 120);
    m[120] = '\0';
    CHECK(na_nkey_decode_public(NULL, NULL, m, 120, &err) == NA_ELENGTH);
    CHECK(na_nkey_decode_seed(NULL, NULL, m, 64, &err) == NA_ELENGTH);
    CHECK(na_nkey_decode_seed(NULL, NULL, seed, NA_NKEY_SEED_LEN - 3, &err) == NA_ELENGTH);
    CHECK(err.code == NA_ELENGTH && err.msg[0]);

    /* NA_EINVAL: NULL */
    CHECK(na_nkey_decode_public(NULL, NULL, NULL, 0, &err) == NA_EINVAL);
    CHECK(na_nkey_decode_seed(NULL, NULL, NULL, 0, &err) == NA_EINVAL);

    /* and the untouched keys decode, with surrounding whitespace for the
     * constructors */
    snprintf(m, sizeof m, " \t%s\r\n", seed);
    CHECK(na_nkey_from_seed(&k, m, strlen(m), &err) == NA_OK);
    CHECK(k && strcmp(na_nkey_public(k), pub) == 0);
    na_nkey_destroy(k);
    k = NULL;
    snprintf(m, sizeof m, "\n%s  ", pub);
    CHECK(na_nkey_from_public(&k, m, strlen(m), &err) == NA_OK && !na_nkey_has_seed(k));
    na_nkey_destroy(k);
    na_wipe(seed, sizeof seed);
    na_wipe(m, sizeof m);
    na_nkey_destroy(u);
}

/* ---- xkeys -------------------------------------------------------------- */

TEST(xkey_roundtrip_sizes_0_to_1000)
{
    na_nkey *a = rnd_key(NA_NKEY_CURVE), *b = rnd_key(NA_NKEY_CURVE);
    na_xkey_shared *sa = NULL, *sb = NULL;
    uint8_t msg[1001];
    na_err err = {0};
    CHECK(na_xkey_shared_create(&sa, a, na_nkey_public(b), &err) == NA_OK);
    CHECK(na_xkey_shared_create(&sb, b, na_nkey_public(a), &err) == NA_OK);
    rnd_bytes(msg, sizeof msg);
    for (size_t n = 0; n <= 1000; n++) {
        uint8_t *box = NULL, *plain = NULL, *box2 = NULL, *plain2 = NULL;
        size_t bl = 0, pl = 0, bl2 = 0, pl2 = 0;
        CHECK(na_xkey_seal(a, &box, &bl, msg, n, na_nkey_public(b), &err) == NA_OK);
        CHECK(bl == n + NA_XKEY_OVERHEAD && box && memcmp(box, "xkv1", 4) == 0);
        CHECK(na_xkey_open(b, &plain, &pl, box, bl, na_nkey_public(a), &err) == NA_OK);
        CHECK(pl == n && plain && memcmp(plain, msg, n) == 0 && plain[n] == 0);
        /* precomputed keys interoperate with the one-shot calls */
        CHECK(na_xkey_shared_open(sb, &plain2, &pl2, box, bl, &err) == NA_OK);
        CHECK(pl2 == n && memcmp(plain2, msg, n) == 0);
        CHECK(na_xkey_shared_seal(sa, &box2, &bl2, msg, n, &err) == NA_OK);
        na_free(plain);
        plain = NULL;
        CHECK(na_xkey_open(b, &plain, &pl, box2, bl2, na_nkey_public(a), &err) == NA_OK);
        CHECK(pl == n && memcmp(plain, msg, n) == 0);
        /* fresh nonces: two seals of one message differ */
        CHECK(bl2 == bl && memcmp(box + 4, box2 + 4, 24) != 0);
        na_free(box);
        na_free(box2);
        na_free(plain);
        na_free(plain2);
    }
    na_xkey_shared_destroy(sa);
    na_xkey_shared_destroy(sb);
    na_nkey_destroy(a);
    na_nkey_destroy(b);
}

TEST(xkey_tampered_box_never_opens)
{
    static const size_t sizes[] = {0, 1, 16, 100, 333};
    na_nkey *a = rnd_key(NA_NKEY_CURVE), *b = rnd_key(NA_NKEY_CURVE), *c = rnd_key(NA_NKEY_CURVE);
    na_nkey *ed = rnd_key(NA_NKEY_USER);
    na_xkey_shared *sb = NULL;
    uint8_t msg[400];
    na_err err = {0};
    CHECK(na_xkey_shared_create(&sb, b, na_nkey_public(a), &err) == NA_OK);
    rnd_bytes(msg, sizeof msg);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint8_t *box = NULL, *m = NULL, *out = NULL;
        size_t bl = 0, ol = 0;
        CHECK(na_xkey_seal(a, &box, &bl, msg, sizes[s], na_nkey_public(b), &err) == NA_OK);
        if (!box)
            continue;
        m = malloc(bl);
        for (size_t i = 0; i < bl; i++) {
            static const uint8_t xors[] = {0x01, 0x80, 0xff};
            for (size_t x = 0; x < sizeof xors; x++) {
                memcpy(m, box, bl);
                m[i] ^= xors[x];
                out = (uint8_t *)1;
                ol = 1;
                CHECKF(na_xkey_open(b, &out, &ol, m, bl, na_nkey_public(a), &err) == NA_EDECRYPT,
                       "size %zu byte %zu", sizes[s], i);
                CHECK(out == NULL && ol == 0);
                CHECK(na_xkey_shared_open(sb, &out, &ol, m, bl, &err) == NA_EDECRYPT);
            }
        }
        /* every truncation, and one byte more */
        for (size_t n = 0; n < bl; n++)
            CHECK(na_xkey_open(b, &out, &ol, box, n, na_nkey_public(a), &err) == NA_EDECRYPT);
        {
            uint8_t *longer = malloc(bl + 1);
            memcpy(longer, box, bl);
            longer[bl] = 0;
            CHECK(na_xkey_open(b, &out, &ol, longer, bl + 1, na_nkey_public(a), &err) ==
                  NA_EDECRYPT);
            free(longer);
        }
        /* the wrong sender, the wrong recipient, a non-curve key */
        CHECK(na_xkey_open(b, &out, &ol, box, bl, na_nkey_public(c), &err) == NA_EDECRYPT);
        CHECK(na_xkey_open(c, &out, &ol, box, bl, na_nkey_public(a), &err) == NA_EDECRYPT);
        CHECK(na_xkey_open(ed, &out, &ol, box, bl, na_nkey_public(a), &err) == NA_EKEYOP);
        CHECK(na_xkey_open(b, &out, &ol, box, bl, na_nkey_public(ed), &err) == NA_EPREFIX);
        free(m);
        na_free(box);
    }
    {
        uint8_t *box = NULL;
        size_t bl = 0;
        CHECK(na_xkey_seal(a, &box, &bl, "x", 1, na_nkey_public(ed), &err) == NA_EPREFIX);
        CHECK(box == NULL && bl == 0);
        CHECK(na_xkey_seal(ed, &box, &bl, "x", 1, na_nkey_public(b), &err) == NA_EKEYOP);
    }
    na_xkey_shared_destroy(sb);
    na_nkey_destroy(a);
    na_nkey_destroy(b);
    na_nkey_destroy(c);
    na_nkey_destroy(ed);
}

/* ---- creds -------------------------------------------------------------- */

/* /work/shared/reference/vectors/alice.creds (jwt.FormatUserConfig output) */
static const char ALICE_JWT[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ."
    "eyJqdGkiOiJWTjNLWklZMldNUkVPUFRZNktWUExJM1hIVVg1RzU2VUFZT0dMVUpMVjI0QllJVzdJNVRRIiwiaWF0Ij"
    "oxNzAwMDAwMDAwLCJpc3MiOiJBQ1FKVkpQVVBKVFZUQUJQN0ZLN1JYQk5GSUtLTFNNNUVPN0pQNkRFQ0o3N1NPQlVL"
    "V1NQQkkzSSIsIm5hbWUiOiJhbGljZSIsInN1YiI6IlVBTDRXNlAzRk5BU0I0VlI1UlM2SUdNTk5ZRUxGRFVCSDdWUU"
    "RaRkVBQ0JaWEJQQlFDQU00QzQ3IiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEs"
    "InBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ."
    "Y-KnEo3OHidwAkrvJfhqMyEztvTN4W6uVf9YDlWvtAXvvvk4pc9vV6ONNs6gUpBle0kbfnKT7xuhPJJNMUSVCQ";
static const char ALICE_SEED[] = "SUADGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGM6RL4";

static char *alice_creds(int begin_dashes, int end_dashes, const char *nl, bool stars,
                         bool seed_footer)
{
    na_buf b;
    char d1[16], d2[16];
    memset(d1, '-', (size_t)begin_dashes);
    d1[begin_dashes] = '\0';
    memset(d2, '-', (size_t)end_dashes);
    d2[end_dashes] = '\0';
    na_buf_init(&b, 1u << 16);
    na_buf_printf(&b, "%sBEGIN NATS USER JWT%s%s%s%s", d1, d1, nl, ALICE_JWT, nl);
    na_buf_printf(&b, "%sEND NATS USER JWT%s%s%s", d2, d2, nl, nl);
    if (stars)
        na_buf_printf(&b,
                      "************************* IMPORTANT *************************%s"
                      "NKEY Seed printed below can be used to sign and prove identity.%s"
                      "NKEYs are sensitive and should be treated as secrets.%s%s",
                      nl, nl, nl, nl);
    na_buf_printf(&b, "%sBEGIN USER NKEY SEED%s%s%s", d1, d1, nl, ALICE_SEED);
    if (seed_footer) {
        na_buf_printf(&b, "%s%sEND USER NKEY SEED%s%s%s", nl, d2, d2, nl, nl);
        if (stars)
            na_buf_printf(&b, "*************************************************************%s",
                          nl);
    }
    return na_buf_take(&b);
}

static void check_parse(const char *text, const char *want_jwt, const char *want_seed)
{
    char *jwt = NULL, *seed = NULL;
    na_err err = {0};
    na_status st = na_creds_parse(&jwt, &seed, text, strlen(text), &err);
    if (want_seed) {
        CHECKF(st == NA_OK, "%s\n--- text:\n%s", err.msg, text);
        CHECK_STREQ(jwt, want_jwt);
        CHECK_STREQ(seed, want_seed);
    } else {
        CHECK(st == NA_ECREDS && !jwt && !seed);
        CHECK(na_creds_parse(&jwt, NULL, text, strlen(text), &err) == NA_OK);
        CHECK_STREQ(jwt, want_jwt);
    }
    na_free(jwt);
    na_free_secret(seed);
}

TEST(creds_format_exact)
{
    static const char want[] =
        "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
        "************************* IMPORTANT *************************\n"
        "NKEY Seed printed below can be used to sign and prove identity.\n"
        "NKEYs are sensitive and should be treated as secrets.\n\n"
        "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n\n"
        "*************************************************************\n";
    char *out = NULL, *dec = NULL, exp[2048];
    na_err err = {0};
    snprintf(exp, sizeof exp, want, ALICE_JWT, ALICE_SEED);
    CHECKF(na_creds_format(&out, ALICE_JWT, ALICE_SEED, &err) == NA_OK, "%s", err.msg);
    CHECK_STREQ(out, exp);
    {
        char *gen = alice_creds(5, 6, "\n", true, true);
        CHECK_STREQ(gen, exp); /* the variant generator's baseline is the real file */
        na_free(gen);
    }
    CHECK(na_creds_decorate_jwt(&dec, ALICE_JWT, &err) == NA_OK);
    snprintf(exp, sizeof exp,
             "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n", ALICE_JWT);
    CHECK_STREQ(dec, exp);
    na_free_secret(out);
    na_free(dec);
}

TEST(creds_parse_tolerant_variants)
{
    char *t;
    /* dashes 3..10 on BEGIN and END lines, LF and CRLF, with and without
     * the *** lines, with and without the seed footer */
    static const int end_dashes[] = {3, 6, 10};
    for (int bd = 3; bd <= 10; bd++)
        for (size_t e = 0; e < 3; e++)
            for (int crlf = 0; crlf < 2; crlf++)
                for (int stars = 0; stars < 2; stars++)
                    for (int footer = 0; footer < 2; footer++) {
                        t = alice_creds(bd, end_dashes[e], crlf ? "\r\n" : "\n", stars, footer);
                        check_parse(t, ALICE_JWT, ALICE_SEED);
                        na_free(t);
                    }
    for (int d = 3; d <= 10; d++) {
        t = alice_creds(d, d, "\n", true, true);
        check_parse(t, ALICE_JWT, ALICE_SEED);
        na_free(t);
    }
    /* a bare JWT file: the JWT, and no seed */
    check_parse(ALICE_JWT, ALICE_JWT, NULL);
    {
        char b[1024];
        snprintf(b, sizeof b, "\n  %s \r\n\n", ALICE_JWT);
        check_parse(b, ALICE_JWT, NULL);
        /* a decorated JWT and the seed on its own line */
        snprintf(b, sizeof b,
                 "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n  %s  \n",
                 ALICE_JWT, ALICE_SEED);
        check_parse(b, ALICE_JWT, ALICE_SEED);
        /* only the JWT block */
        snprintf(b, sizeof b, "-----BEGIN NATS USER JWT-----\r\n%s\r\n------END NATS USER JWT------",
                 ALICE_JWT);
        check_parse(b, ALICE_JWT, NULL);
    }
    /* fewer than 3 dashes is not a block; nothing decorated, no token line */
    t = alice_creds(2, 2, "\n", true, true);
    {
        char *jwt = NULL, *seed = NULL;
        CHECK(na_creds_parse(&jwt, &seed, t, strlen(t), NULL) == NA_ECREDS && !jwt && !seed);
        CHECK(na_creds_parse(NULL, &seed, t, strlen(t), NULL) == NA_OK);
        CHECK_STREQ(seed, ALICE_SEED); /* the seed line is still found on its own */
        na_free_secret(seed);
    }
    na_free(t);
    /* empty and whitespace-only texts */
    {
        char *jwt = NULL;
        CHECK(na_creds_parse(&jwt, NULL, "", 0, NULL) == NA_ECREDS && !jwt);
        CHECK(na_creds_parse(&jwt, NULL, " \n\r\n", 4, NULL) == NA_ECREDS && !jwt);
        CHECK(na_creds_parse(&jwt, NULL, "a\0b", 3, NULL) == NA_ECREDS && !jwt);
    }
}

TEST(creds_roundtrip_random_users)
{
    for (int i = 0; i < 20; i++) {
        na_nkey *acct = rnd_key(NA_NKEY_ACCOUNT), *user = rnd_key(NA_NKEY_USER);
        na_claims *c = NULL;
        char *tok = NULL, *creds = NULL, *jwt = NULL, *seed = NULL, s[NA_NKEY_SEED_LEN + 1];
        na_err err = {0};
        CHECK(na_claims_create(&c, NA_CLAIMS_USER, na_nkey_public(user), &err) == NA_OK);
        {
            char *name = rnd_str(6);
            CHECK(na_claims_set_name(c, name, &err) == NA_OK);
            free(name);
        }
        CHECK(na_claims_encode(c, &tok, acct, IAT, &err) == NA_OK);
        CHECK(na_nkey_seed(user, s, &err) == NA_OK);
        CHECK(na_creds_format(&creds, tok, s, &err) == NA_OK);
        CHECK(na_creds_parse(&jwt, &seed, creds, strlen(creds), &err) == NA_OK);
        CHECK_STREQ(jwt, tok);
        CHECK_STREQ(seed, s);
        na_wipe(s, sizeof s);
        na_free(tok);
        na_free(jwt);
        na_free_secret(creds);
        na_free_secret(seed);
        na_claims_destroy(c);
        na_nkey_destroy(acct);
        na_nkey_destroy(user);
    }
}

int main(void)
{
    const char *s = getenv("NATSAUTH_PROPS_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : 0x6e617473617574ULL;
    if (sodium_init() < 0)
        return 1;
    rng_state = seed;
    printf("# NATSAUTH_PROPS_SEED=%" PRIu64 " NATSAUTH_PROPS_N=%zu\n", seed, n_per_type());
    RUN(claims_roundtrip_every_type);
    RUN(template_zero_limit_reads_back_as_minus_one);
    RUN(token_every_byte_flip_fails);
    RUN(token_every_truncation_and_extension_fails);
    RUN(oversize_inputs_refused);
    RUN(encode_never_writes_a_token_decode_refuses);
    RUN(nkey_every_char_change_fails);
    RUN(nkey_each_status_has_a_case);
    RUN(xkey_roundtrip_sizes_0_to_1000);
    RUN(xkey_tampered_box_never_opens);
    RUN(creds_format_exact);
    RUN(creds_parse_tolerant_variants);
    RUN(creds_roundtrip_random_users);
    return DONE();
}
