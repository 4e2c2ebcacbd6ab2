/*
 * fuzz_callout.c - the auth callout decision step on untrusted requests.
 *
 * Input: byte 0 picks the mode, the rest is the message.
 *   0  a request to a responder without an xkey (config mode);
 *   1  a sealed request to a responder with an xkey (header = server xkey);
 *   2  a permission template expanded for a fixed request.
 * Keys are the test-only keys of tests/vectors/callout (32 x 0x61 server,
 * 0x63 server xkey, 0x64 our xkey, 0x65 issuer); the clock is that of the
 * vectors, so the seed corpus holds requests that open.
 *
 * Properties: na_callout_open always yields a request to answer; a failed
 * one is !valid, holds no claims and only a user_nkey that is a user key;
 * na_callout_respond always answers (NA_OK), sealed iff the request was,
 * and the answer decodes as an authorization response with exactly one of
 * jwt / error, subject a user key, jwt only for a valid request. An expanded
 * template without "{{" is the template itself; a value that is not one
 * subject token never appears; an expansion fails only with NA_EINVAL or
 * NA_ETOOBIG.
 */
#include "fuzz_common.h"
#include "natsauth/callout.h"

#define NOW 1700000001

static na_nkey *issuer, *xkey, *server_x;
static na_callout_xcache *cache;

static void check_answer(const na_authreq *r, const na_callout_conf *conf)
{
    na_callout_grant g;
    uint8_t *out = NULL, *plain = NULL;
    size_t len = 0, plen = 0;
    bool denied = false;
    na_claims *c = NULL;
    na_err err = {0};
    const char *jwt = "", *error = "";
    na_callout_grant_init(&g);
    FUZZ_CHECK(na_callout_respond(&out, &len, r, conf, NOW, &g, "fuzz", &denied, &err) == NA_OK);
    FUZZ_CHECK(out != NULL && len > 0);
    if (r->sealed) {
        FUZZ_CHECK(na_xkey_open(server_x, &plain, &plen, out, len, na_nkey_public(xkey), NULL) ==
                   NA_OK);
    } else if (!r->valid && conf->xkey && na_nkey_is_public(r->peer_xkey, NA_NKEY_CURVE)) {
        FUZZ_CHECK(len > 4 && memcmp(out, "xkv1", 4) == 0); /* sealed to a key we do not hold */
    } else {
        plain = out;
        plen = len;
        out = NULL;
    }
    if (plain) {
        FUZZ_CHECK(na_jwt_decode(&c, (const char *)plain, plen, NULL) == NA_OK);
        FUZZ_CHECK(na_claims_type_of(c) == NA_CLAIMS_AUTH_RESPONSE);
        FUZZ_CHECK(na_nkey_is_public(na_claims_subject(c), NA_NKEY_USER));
        na_claims_get_str(c, "nats.jwt", &jwt);
        na_claims_get_str(c, "nats.error", &error);
        FUZZ_CHECK((*jwt != 0) != (*error != 0));
        FUZZ_CHECK(!*jwt || r->valid);
        FUZZ_CHECK(denied == (*error != 0));
        if (r->valid)
            FUZZ_CHECK(strcmp(na_claims_subject(c), r->user_nkey) == 0);
    }
    na_claims_destroy(c);
    na_free(plain);
    na_free(out);
}

static void fuzz_open(const uint8_t *data, size_t size, bool sealed)
{
    na_callout_conf conf = {0};
    na_authreq *r = NULL;
    na_err err = {0};
    na_status st;
    conf.issuer = issuer;
    if (sealed) {
        conf.xkey = xkey;
        conf.xcache = cache;
    }
    st =
        na_callout_open(&r, data, size, sealed ? na_nkey_public(server_x) : NULL, &conf, NOW, &err);
    FUZZ_CHECK(r != NULL);
    FUZZ_CHECK(r->valid == (st == NA_OK));
    if (st != NA_OK) {
        FUZZ_CHECK(err.code == st && err.msg[0]);
        FUZZ_CHECK(r->claims == NULL);
        FUZZ_CHECK(!*r->user_nkey || na_nkey_is_public(r->user_nkey, NA_NKEY_USER));
    } else {
        FUZZ_CHECK(r->claims && na_nkey_is_public(r->user_nkey, NA_NKEY_USER) && *r->server_id);
        FUZZ_CHECK(r->sealed == sealed);
    }
    check_answer(r, &conf);
    na_authreq_destroy(r);
}

static void fuzz_expand(const uint8_t *data, size_t size)
{
    char *tmpl = fuzz_strndup(data, size), *out = NULL;
    na_authreq req;
    na_callout_grant g;
    na_status st;
    memset(&req, 0, sizeof req);
    req.user = "alice";
    req.user_nkey = "UDRU2OQBWYIS4FBJ5LLBM2CAL5HPJPSPRBJ2X3SQPHJIVRWBH765A7WZ";
    req.name = "app.1"; /* a value that must be refused */
    na_callout_grant_init(&g);
    strcpy(g.name, "svc");
    st = na_callout_expand(&out, tmpl, &req, &g, NULL);
    FUZZ_CHECK(st == NA_OK || st == NA_EINVAL || st == NA_ETOOBIG);
    FUZZ_CHECK((st == NA_OK) == (out != NULL));
    if (st == NA_OK && !strstr(tmpl, "{{"))
        FUZZ_CHECK(strcmp(out, tmpl) == 0);
    /* {{client_name}} ("app.1") is always refused: the only way to see
     * "app.1" in a result is to have written it */
    if (st == NA_OK && strstr(out, "app.1"))
        FUZZ_CHECK(strstr(tmpl, "app.1") != NULL);
    na_free(out);
    free(tmpl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!issuer) {
        issuer = fuzz_key(NA_NKEY_ACCOUNT, 0x65);
        xkey = fuzz_key(NA_NKEY_CURVE, 0x64);
        server_x = fuzz_key(NA_NKEY_CURVE, 0x63);
        FUZZ_CHECK(na_callout_xcache_create(&cache, xkey, 4, NULL) == NA_OK);
    }
    if (size == 0)
        return 0;
    switch (data[0]) {
    case 0: fuzz_open(data + 1, size - 1, false); break;
    case 1: fuzz_open(data + 1, size - 1, true); break;
    case 2: fuzz_expand(data + 1, size - 1); break;
    default: break;
    }
    return 0;
}
