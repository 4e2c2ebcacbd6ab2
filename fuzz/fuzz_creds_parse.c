/*
 * fuzz_creds_parse.c - na_creds_parse on arbitrary text.
 *
 * Properties: outputs are both set on success and both NULL on failure;
 * asking for one part gives the same bytes as asking for both; a parsed JWT
 * is a single token line and a parsed seed starts with SO, SA or SU; when
 * the pair formats as a creds file (a user JWT and its SU seed), parsing
 * the formatted text gives the same JWT and seed back.
 */
#include "fuzz_common.h"

static void check_token_chars(const char *s)
{
    FUZZ_CHECK(*s != '\0');
    for (; *s; s++)
        FUZZ_CHECK(!strchr(" \t\r\n", *s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char *jwt = (char *)1, *seed = (char *)1, *j1 = NULL, *s1 = NULL, *out = NULL;
    na_err err = {0};
    na_status st, sj, ss;

    st = na_creds_parse(&jwt, &seed, text, size, &err);
    if (st != NA_OK) {
        FUZZ_CHECK(jwt == NULL && seed == NULL && err.msg[0]);
    } else {
        FUZZ_CHECK(jwt && seed);
        check_token_chars(jwt);
        FUZZ_CHECK(seed[0] == 'S' && strchr("OAU", seed[1]));
    }

    sj = na_creds_parse(&j1, NULL, text, size, NULL);
    ss = na_creds_parse(NULL, &s1, text, size, NULL);
    FUZZ_CHECK((sj == NA_OK) == (j1 != NULL));
    FUZZ_CHECK((ss == NA_OK) == (s1 != NULL));
    if (st == NA_OK) {
        FUZZ_CHECK(sj == NA_OK && strcmp(j1, jwt) == 0);
        FUZZ_CHECK(ss == NA_OK && strcmp(s1, seed) == 0);
    } else {
        FUZZ_CHECK(sj != NA_OK || ss != NA_OK);
    }

    if (st == NA_OK && na_creds_format(&out, jwt, seed, &err) == NA_OK) {
        char *j2 = NULL, *s2 = NULL;
        FUZZ_CHECK(na_creds_parse(&j2, &s2, out, strlen(out), &err) == NA_OK);
        FUZZ_CHECK(strcmp(j2, jwt) == 0 && strcmp(s2, seed) == 0);
        na_free(j2);
        na_free_secret(s2);
        na_free_secret(out);
    }

    na_free(j1);
    na_free_secret(s1);
    if (st == NA_OK) {
        na_free(jwt);
        na_free_secret(seed);
    }
    return 0;
}
