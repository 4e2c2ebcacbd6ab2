/*
 * test_json.c - the strict JSON reader (src/core/json.c) against jansson's
 * own loader: both accept and refuse the same texts and build equal trees,
 * on hand-picked edge cases and on thousands of mutations of real payloads.
 */
#include <jansson.h>
#include <stdint.h>

#include "../../src/core/json_internal.h"
#include "testlib.h"

/* Compare the two readers on one text; returns 1 when they agree. */
static int agree(const char *s, size_t n, int show)
{
    json_error_t je;
    char err[96];
    json_t *a = json_loadb(s, n, JSON_DECODE_ANY, &je);
    json_t *b = na_json_parse(s, n, err, sizeof err);
    int ok = (!a && !b) || (a && b && json_equal(a, b)) ||
             /* deliberate: integers beyond int64 are reals here (Go's float64) */
             (!a && b && strstr(je.text, "too big") != NULL);
    if (!ok && show)
        fprintf(stderr, "disagree on [%.*s]: jansson %s, natsauth %s\n", (int)n, s,
                a ? "accepts" : je.text, b ? "accepts" : err);
    json_decref(a);
    json_decref(b);
    return ok;
}

TEST(edge_cases_match_jansson)
{
    static const char *const cases[] = {
        "{}", "[]", "{\"a\":1}", " { \"a\" : [ 1 , 2.5 , -0 , 1e3 , 1E-2 , true , false , null ] } ",
        "\"str\"", "123", "-1", "0", "01", "1.", ".5", "-", "+1", "1e", "1e+", "1.5e-3",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "1e400", "1e-400",
        "{\"a\":1,}", "[1,]", "[1 2]", "{\"a\" 1}", "{a:1}", "{\"a\":1}}", "[[[]]]",
        "\"\\u00e9\\u20ac\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83dx\"",
        "\"\\u0000\"", "\"\\x\"", "\"a\\/b\\\\c\\\"d\\b\\f\\n\\r\\t\"", "\"tab\there\"",
        "\"\xc3\xa9\"", "\"\xc3\"", "\"\xe2\x80\xa8\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"",
        "\"\xf4\x90\x80\x80\"", "\"\xf0\x9f\x98\x80\"", "\"\xff\"",
        "{\"a\":1,\"a\":2}", "tru", "nul", "falsey", "", " ", "{\"\\u00e9\":\"k\"}",
        "[1]x", "{\"a\":\"\\uD83D\\uDE00\"}", "1 2",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(agree(cases[i], strlen(cases[i]), 1));
}

TEST(big_integers_are_reals)
{
    char err[96];
    const char *s = "[100000000000000000000,-9223372036854775809]";
    json_t *v = na_json_parse(s, strlen(s), err, sizeof err);
    CHECK(v && json_is_real(json_array_get(v, 0)) && json_real_value(json_array_get(v, 0)) == 1e20);
    CHECK(v && json_is_real(json_array_get(v, 1)));
    json_decref(v);
}

TEST(deep_nesting_is_refused_not_crashing)
{
    size_t n = 100000;
    char *s = malloc(2 * n + 1);
    char err[96];
    memset(s, '[', n);
    memset(s + n, ']', n);
    s[2 * n] = '\0';
    CHECK(na_json_parse(s, 2 * n, err, sizeof err) == NULL);
    free(s);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

TEST(mutations_match_jansson)
{
    static const char *const seeds[] = {
        "{\"jti\":\"VN3K\",\"iat\":1700000000,\"name\":\"al\\u00e9 \\u003c\\u0026\",\"nats\":"
        "{\"pub\":{\"allow\":[\"a.\\u003e\",\"b.*\"]},\"sub\":{},\"subs\":-1,\"resp\":{\"max\":1,"
        "\"ttl\":1.5e9},\"tags\":[\"x\"],\"type\":\"user\",\"version\":2}}",
        "{\"nats\":{\"limits\":{\"tiered_limits\":{\"R1\":{\"mem_storage\":-1}}},\"signing_keys\":"
        "[\"AB\",{\"kind\":\"user_scope\",\"template\":{\"pub\":{}}}],\"mappings\":{\"a.*\":[{"
        "\"subject\":\"b.$1\",\"weight\":50}]}}}",
    };
    static const char alphabet[] = "{}[]\",:\\u0123456789abcdefE+-. \t\ntrue\xc3\xa9\xe2\x80\xa8";
    int bad = 0;
    for (int round = 0; round < 20000; round++) {
        const char *seed = seeds[round % 2];
        size_t n = strlen(seed);
        char buf[1024];
        int edits = 1 + (int)(next() % 4);
        memcpy(buf, seed, n);
        for (int e = 0; e < edits; e++) {
            size_t pos = next() % n;
            switch (next() % 3) {
            case 0: /* replace */
                buf[pos] = alphabet[next() % (sizeof alphabet - 1)];
                break;
            case 1: /* delete */
                memmove(buf + pos, buf + pos + 1, n - pos - 1);
                n--;
                break;
            default: /* insert */
                if (n + 1 < sizeof buf) {
                    memmove(buf + pos + 1, buf + pos, n - pos);
                    buf[pos] = alphabet[next() % (sizeof alphabet - 1)];
                    n++;
                }
            }
        }
        if (!agree(buf, n, bad < 5))
            bad++;
    }
    CHECKF(bad == 0, "%d of 20000 mutations disagree", bad);
}

int main(void)
{
    RUN(edge_cases_match_jansson);
    RUN(big_integers_are_reals);
    RUN(deep_nesting_is_refused_not_crashing);
    RUN(mutations_match_jansson);
    return DONE();
}
