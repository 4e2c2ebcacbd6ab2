/*
 * fuzz_nkey_decode.c - nkey public/seed decoding, and the base32 and
 * base64url decoders under them, on arbitrary bytes.
 *
 * Properties: decoding is exact, so a successful decode re-encodes to the
 * input byte for byte (public keys, seeds, base32, base64url); the
 * trimming constructors give back the trimmed input; a failure is one of
 * the documented statuses and fills the message, which never repeats the
 * input (it may be a seed).
 */
#include <ctype.h>

#include "fuzz_common.h"
#include "internal.h"

static void check_fail(na_status st, const na_err *err, const char *in, size_t len)
{
    FUZZ_CHECK(st == NA_EBASE32 || st == NA_ECRC || st == NA_EPREFIX || st == NA_ELENGTH ||
               st == NA_EINVAL || st == NA_EKEYOP);
    FUZZ_CHECK(err->code == st && err->msg[0]);
    (void)len;
    if (strlen(in) >= 12) /* a long-enough input never appears in the message */
        FUZZ_CHECK(!strstr(err->msg, in));
}

static void trimmed(const char *s, size_t len, const char **p, size_t *n)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    *p = s;
    *n = len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size); /* the API wants strings; NULs cut nothing here */
    uint8_t raw[NA_NKEY_RAW_LEN];
    na_nkey_type t;
    na_nkey *k = NULL;
    na_err err = {0};
    na_status st;
    const char *tp;
    size_t tn;

    st = na_nkey_decode_public(&t, raw, s, size, &err);
    if (st == NA_OK) {
        char enc[NA_NKEY_PUBLIC_LEN + 1];
        na_nkey_encode_public(enc, t, raw);
        FUZZ_CHECK(size == NA_NKEY_PUBLIC_LEN && memcmp(enc, s, size) == 0);
        FUZZ_CHECK(t != NA_NKEY_CURVE || s[0] == 'X');
        FUZZ_CHECK(na_nkey_is_public(s, t) == (strlen(s) == size));
    } else {
        check_fail(st, &err, s, size);
    }

    st = na_nkey_decode_seed(&t, raw, s, size, &err);
    if (st == NA_OK) {
        char enc[NA_NKEY_SEED_LEN + 1];
        na_nkey_encode_seed(enc, t, raw);
        FUZZ_CHECK(size == NA_NKEY_SEED_LEN && memcmp(enc, s, size) == 0);
        na_wipe(enc, sizeof enc);
    } else {
        check_fail(st, &err, s, size);
    }
    na_wipe(raw, sizeof raw);

    trimmed(s, size, &tp, &tn);
    st = na_nkey_from_seed(&k, s, size, &err);
    if (st == NA_OK) {
        char enc[NA_NKEY_SEED_LEN + 1];
        uint8_t sig[NA_NKEY_SIG_LEN];
        FUZZ_CHECK(na_nkey_seed(k, enc, &err) == NA_OK);
        FUZZ_CHECK(tn == NA_NKEY_SEED_LEN && memcmp(enc, tp, tn) == 0);
        na_wipe(enc, sizeof enc);
        if (na_nkey_type_of(k) != NA_NKEY_CURVE) {
            FUZZ_CHECK(na_nkey_sign(k, sig, data, size, &err) == NA_OK);
            FUZZ_CHECK(na_nkey_verify_with(na_nkey_public(k), sig, data, size, &err) == NA_OK);
        }
        na_nkey_destroy(k);
        k = NULL;
    } else {
        FUZZ_CHECK(k == NULL);
        check_fail(st, &err, s, size);
    }

    st = na_nkey_from_public(&k, s, size, &err);
    if (st == NA_OK) {
        FUZZ_CHECK(tn == NA_NKEY_PUBLIC_LEN && memcmp(na_nkey_public(k), tp, tn) == 0);
        FUZZ_CHECK(!na_nkey_has_seed(k));
        na_nkey_destroy(k);
    } else {
        FUZZ_CHECK(k == NULL);
        check_fail(st, &err, s, size);
    }

    if (na_nkey_type_parse(&t, s, NULL) == NA_OK)
        FUZZ_CHECK((unsigned)t < NA_NKEY_TYPE_COUNT);

    /* the codecs themselves: strict, so decode succeeds only on canonical text */
    {
        uint8_t *buf = malloc(size + 1);
        long n;
        FUZZ_CHECK(buf != NULL);
        n = na_b32_decode(buf, s, size);
        if (n >= 0) {
            char *enc = malloc(na_b32_enc_len((size_t)n) + 1);
            FUZZ_CHECK(enc != NULL);
            na_b32_encode(enc, buf, (size_t)n);
            FUZZ_CHECK(strlen(enc) == size && memcmp(enc, s, size) == 0);
            free(enc);
        }
        n = na_b64url_decode(buf, size + 1, s, size);
        if (n >= 0) {
            char *enc = malloc(na_b64url_enc_len((size_t)n) + 1);
            FUZZ_CHECK(enc != NULL);
            na_b64url_encode(enc, buf, (size_t)n);
            FUZZ_CHECK(strlen(enc) == size && memcmp(enc, s, size) == 0);
            free(enc);
        }
        free(buf);
    }
    free(s);
    return 0;
}
