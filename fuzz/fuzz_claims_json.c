/*
 * fuzz_claims_json.c - na_claims_from_json with every claim type.
 *
 * For each type (and "from nats.type", NA_CLAIMS_TYPE_COUNT) the input is
 * parsed; on success the claims must serialize and validate, and encoding
 * with a fixed test key allowed to sign the type must give a token that
 * decodes back to a claim set whose JSON equals the token's payload bytes.
 * (Byte equality, up to Go's scope-template quirk: fuzz_same_claims_json.)
 * Encoding may refuse (a subject of the wrong key type, say); decoding what
 * was encoded must not.
 */
#include "fuzz_common.h"

static na_nkey *op_key, *acct_key, *server_key;

static const na_nkey *signer_for(na_claims_type t)
{
    switch (t) {
    case NA_CLAIMS_OPERATOR:
    case NA_CLAIMS_ACCOUNT:
    case NA_CLAIMS_ACTIVATION: return op_key;
    case NA_CLAIMS_AUTH_REQUEST: return server_key;
    default: return acct_key; /* user, auth response, generic */
    }
}

/* Generic claims whose nats.type names another claim type (possible when a
 * v1 top-level "type" hid it at parse time) decode as that type, as with
 * Go's jwt.Decode: nothing to compare then. */
static bool renamed_generic(const na_claims *c)
{
    const char *nt = NULL;
    na_claims_type kt;
    if (na_claims_type_of(c) != NA_CLAIMS_GENERIC || !na_claims_get_str(c, "nats.type", &nt))
        return false;
    return strcmp(nt, "server") == 0 || strcmp(nt, "cluster") == 0 ||
           (na_claims_type_parse(&kt, nt, NULL) == NA_OK && kt != NA_CLAIMS_GENERIC);
}

static void one(na_claims_type want, const char *json, size_t len)
{
    na_claims *c = NULL, *d = NULL;
    na_issues *issues = NULL;
    char *j, *tok = NULL, *hj = NULL, *pj = NULL, *dj, *cj;
    na_err err = {0};
    na_status st;

    st = na_claims_from_json(&c, want, json, len, &err);
    if (st != NA_OK) {
        FUZZ_CHECK(c == NULL && err.code == st && err.msg[0]);
        return;
    }
    FUZZ_CHECK(want == NA_CLAIMS_TYPE_COUNT || na_claims_type_of(c) == want);
    j = na_claims_to_json(c, 0);
    if (!j) {
        FUZZ_CHECK(fuzz_bad_sampling(json, len)); /* the one case Go cannot write either */
        na_claims_destroy(c);
        return;
    }
    na_free(j);
    FUZZ_CHECK(na_claims_validate(c, 1700000000, &issues, &err) == NA_OK);
    na_issues_destroy(issues);

    st = na_claims_encode(c, &tok, signer_for(na_claims_type_of(c)), 1700000000, &err);
    if (st != NA_OK) {
        FUZZ_CHECK(tok == NULL && err.msg[0]);
        na_claims_destroy(c);
        return;
    }
    FUZZ_CHECK(na_jwt_split(&hj, &pj, tok, strlen(tok), &err) == NA_OK);
    /* the claims now hold what was signed */
    cj = na_claims_to_json(c, 0);
    FUZZ_CHECK(cj && strcmp(cj, pj) == 0);

    st = na_jwt_decode(&d, tok, strlen(tok), &err);
    if (renamed_generic(c) || (st == NA_EJSON && fuzz_huge_int(pj))) {
        /* nothing to compare: a renamed generic (above), or the known limit
         * that a float64 in [2^63, 1e21) is written in Go's digits form,
         * which the reader cannot take back (see fuzz_huge_int) */
        na_claims_destroy(d);
        na_free(cj);
        na_free(hj);
        na_free(pj);
        na_free(tok);
        na_claims_destroy(c);
        return;
    }
    if (st != NA_OK)
        fprintf(stderr, "decode of own token failed: %s\npayload: %s\n", err.msg, pj);
    FUZZ_CHECK(st == NA_OK);
    FUZZ_CHECK(na_claims_type_of(d) == na_claims_type_of(c));
    dj = na_claims_to_json(d, 0);
    if (!dj || !fuzz_same_claims_json(pj, dj))
        fprintf(stderr, "payload: %s\ndecoded: %s\n", pj, dj ? dj : "(null)");
    FUZZ_CHECK(dj && fuzz_same_claims_json(pj, dj));

    na_free(dj);
    na_free(cj);
    na_free(hj);
    na_free(pj);
    na_free(tok);
    na_claims_destroy(d);
    na_claims_destroy(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!op_key) {
        op_key = fuzz_key(NA_NKEY_OPERATOR, 0x11);
        acct_key = fuzz_key(NA_NKEY_ACCOUNT, 0x22);
        server_key = fuzz_key(NA_NKEY_SERVER, 0x55);
    }
    for (int t = 0; t <= NA_CLAIMS_TYPE_COUNT; t++)
        one((na_claims_type)t, (const char *)data, size);
    return 0;
}
