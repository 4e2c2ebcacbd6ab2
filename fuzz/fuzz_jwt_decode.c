/*
 * fuzz_jwt_decode.c - na_jwt_decode on arbitrary bytes.
 *
 * Input that starts with '{' is taken as a payload: the harness wraps it in
 * the nkey header and signs header.payload with whichever fixed test key's
 * public key appears as "iss" (else the account key), so mutations of real
 * payloads get past the signature and reach the code after it. Any other
 * input is passed to the decoder as the token itself.
 *
 * Properties: a failed decode leaves *out NULL and fills the error message;
 * a decoded claim set serializes (compact and pretty), validates without
 * crashing, re-parses from its own JSON with the same type, and the re-parse
 * (and a clone) serialize to the same bytes (up to Go's scope-template
 * quirk, see fuzz_same_claims_json).
 */
#include "fuzz_common.h"
#include "internal.h"

static const char HEADER_B64[] = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ";

static const struct {
    na_nkey_type type;
    int fill;
} signer_specs[] = {
    {NA_NKEY_ACCOUNT, 0x22}, /* first: the default signer */
    {NA_NKEY_OPERATOR, 0x11}, {NA_NKEY_OPERATOR, 0x12}, {NA_NKEY_ACCOUNT, 0x21},
    {NA_NKEY_ACCOUNT, 0x23},  {NA_NKEY_ACCOUNT, 0x24},  {NA_NKEY_ACCOUNT, 0x25},
    {NA_NKEY_SERVER, 0x55},   {NA_NKEY_USER, 0x33},
};
#define NSIGNERS (sizeof signer_specs / sizeof signer_specs[0])
static na_nkey *signers[NSIGNERS];

static void init_keys(void)
{
    if (signers[0])
        return;
    for (size_t i = 0; i < NSIGNERS; i++)
        signers[i] = fuzz_key(signer_specs[i].type, signer_specs[i].fill);
}

static int contains(const uint8_t *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

static const na_nkey *pick_signer(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < NSIGNERS; i++) {
        char pat[NA_NKEY_PUBLIC_LEN + 16];
        int n = snprintf(pat, sizeof pat, "\"iss\":\"%s\"", na_nkey_public(signers[i]));
        if (contains(data, size, pat, (size_t)n))
            return signers[i];
    }
    return signers[0];
}

/* header.b64(payload).sig, signed by the matching test key (new string). */
static char *wrap(const uint8_t *payload, size_t size)
{
    size_t hlen = sizeof HEADER_B64 - 1, plen = na_b64url_enc_len(size);
    size_t slen = na_b64url_enc_len(NA_NKEY_SIG_LEN);
    uint8_t sig[NA_NKEY_SIG_LEN];
    char *t = malloc(hlen + 1 + plen + 1 + slen + 1);
    FUZZ_CHECK(t != NULL);
    memcpy(t, HEADER_B64, hlen);
    t[hlen] = '.';
    na_b64url_encode(t + hlen + 1, payload, size);
    FUZZ_CHECK(na_nkey_sign(pick_signer(payload, size), sig, t, hlen + 1 + plen, NULL) == NA_OK);
    t[hlen + 1 + plen] = '.';
    na_b64url_encode(t + hlen + 1 + plen + 1, sig, sizeof sig);
    return t;
}

static void check_token(const char *token, size_t len)
{
    na_claims *c = (na_claims *)1, *c2 = NULL, *c3 = NULL;
    na_issues *issues = NULL;
    char *j1, *j2, *j3, *pretty, *hj = NULL, *pj = NULL;
    na_err err = {0};
    na_status st;

    /* split never verifies; it must only not crash or leak */
    if (na_jwt_split(&hj, &pj, token, len, NULL) == NA_OK)
        FUZZ_CHECK(hj && pj);
    na_free(hj);
    na_free(pj);

    st = na_jwt_decode(&c, token, len, &err);
    if (st != NA_OK) {
        FUZZ_CHECK(c == NULL);
        FUZZ_CHECK(err.code == st && err.msg[0] != '\0');
        return;
    }
    FUZZ_CHECK(c != NULL);
    (void)na_claims_subject(c);
    (void)na_claims_issuer_account(c);

    j1 = na_claims_to_json(c, 0);
    if (!j1) {
        /* the one case Go cannot write either (see fuzz_bad_sampling) */
        FUZZ_CHECK(na_jwt_split(NULL, &pj, token, len, NULL) == NA_OK);
        FUZZ_CHECK(fuzz_bad_sampling(pj, strlen(pj)));
        na_free(pj);
        na_claims_destroy(c);
        return;
    }
    pretty = na_claims_to_json(c, NA_JSON_PRETTY);
    FUZZ_CHECK(pretty != NULL);
    na_free(pretty);

    FUZZ_CHECK(na_claims_validate(c, 1700000000, &issues, &err) == NA_OK && issues);
    (void)na_issues_blocking(issues, true);
    na_issues_destroy(issues);

    st = na_claims_from_json(&c2, na_claims_type_of(c), j1, strlen(j1), &err);
    if (st != NA_OK)
        fprintf(stderr, "re-parse failed: %s\njson: %s\n", err.msg, j1);
    FUZZ_CHECK(st == NA_OK);
    FUZZ_CHECK(na_claims_type_of(c2) == na_claims_type_of(c));
    j2 = na_claims_to_json(c2, 0);
    FUZZ_CHECK(j2 != NULL);
    if (!fuzz_same_claims_json(j1, j2))
        fprintf(stderr, "first:  %s\nsecond: %s\n", j1, j2);
    FUZZ_CHECK(fuzz_same_claims_json(j1, j2));

    FUZZ_CHECK(na_claims_clone(&c3, c, &err) == NA_OK);
    j3 = na_claims_to_json(c3, 0);
    FUZZ_CHECK(j3 && strcmp(j1, j3) == 0);

    na_free(j1);
    na_free(j2);
    na_free(j3);
    na_claims_destroy(c);
    na_claims_destroy(c2);
    na_claims_destroy(c3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_keys();
    if (size && data[0] == '{') {
        char *t = wrap(data, size);
        check_token(t, strlen(t));
        na_free(t);
    } else {
        check_token((const char *)data, size);
    }
    return 0;
}
