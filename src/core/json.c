/*
 * json.c - a strict JSON reader that builds jansson trees.
 *
 * jansson's own loader reads through a per-character stream callback and
 * spends ~40 us on a 2 KB token payload, while building the same tree takes
 * ~4 us; token decoding is natsauth's hot path (callout, decode --verify),
 * so this reader parses the buffer directly and builds the tree with
 * jansson's constructors. It accepts exactly RFC 8259 JSON with jansson's
 * loader semantics: integers without fraction or exponent that fit in
 * int64 become integers, other numbers reals (jansson refuses integers
 * beyond int64; Go, and so this reader, take them as float64);
 * duplicate keys keep the last value; UTF-8 is validated and NUL (\u0000)
 * is refused. Nesting is capped at NA_JSON_MAX_DEPTH.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"

typedef struct reader {
    const unsigned char *p, *end;
    int depth;
    char *scratch; /* unescaped string buffer */
    size_t cap;
} reader;

static void ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(reader *r, unsigned *out)
{
    unsigned v = 0;
    if (r->end - r->p < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        int h = hexval(r->p[i]);
        if (h < 0)
            return false;
        v = v << 4 | (unsigned)h;
    }
    r->p += 4;
    *out = v;
    return true;
}

/* Length of a valid UTF-8 sequence starting at p (1..4), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static bool scratch_put(reader *r, size_t at, const void *src, size_t n)
{
    if (at + n + 1 > r->cap) {
        size_t nc = r->cap ? r->cap : 256;
        char *np;
        while (nc < at + n + 1)
            nc *= 2;
        np = realloc(r->scratch, nc);
        if (!np)
            return false;
        r->scratch = np;
        r->cap = nc;
    }
    memcpy(r->scratch + at, src, n);
    return true;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Read a string (r->p at the opening quote). On success *s points either
 * into the input (no escapes) or into r->scratch, *n is its length. */
static bool read_string(reader *r, const char **s, size_t *n)
{
    const unsigned char *start;
    size_t out = 0;
    bool escaped = false;
    r->p++; /* opening quote */
    start = r->p;
    for (;;) {
        const unsigned char *run = r->p;
        while (r->p < r->end && *r->p >= 0x20 && *r->p < 0x80 && *r->p != '"' && *r->p != '\\')
            r->p++;
        if (escaped && r->p > run && !scratch_put(r, out, run, (size_t)(r->p - run)))
            return false;
        if (escaped)
            out += (size_t)(r->p - run);
        if (r->p >= r->end || *r->p < 0x20)
            return false; /* unterminated, or a raw control character */
        if (*r->p == '"') {
            if (escaped) {
                *s = r->scratch;
                *n = out;
            } else {
                *s = (const char *)start;
                *n = (size_t)(r->p - start);
            }
            r->p++;
            return true;
        }
        if (*r->p >= 0x80) {
            size_t l = utf8_len(r->p, r->end);
            if (!l)
                return false;
            if (escaped && !scratch_put(r, out, r->p, l))
                return false;
            if (escaped)
                out += l;
            r->p += l;
            continue;
        }
        /* backslash: switch to the scratch buffer, copying what came before */
        if (!escaped) {
            if (!scratch_put(r, 0, start, (size_t)(r->p - start)))
                return false;
            out = (size_t)(r->p - start);
            escaped = true;
        }
        r->p++;
        if (r->p >= r->end)
            return false;
        {
            char c;
            unsigned cp;
            char u[4];
            switch (*r->p++) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
                if (!read_hex4(r, &cp))
                    return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
                        return false;
                    r->p += 2;
                    if (!read_hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                        return false;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return false;
                }
                if (cp == 0)
                    return false; /* NUL would truncate C strings */
                if (!scratch_put(r, out, u, put_utf8(u, cp)))
                    return false;
                out += put_utf8(u, cp);
                continue;
            default:
                return false;
            }
            if (!scratch_put(r, out, &c, 1))
                return false;
            out++;
        }
    }
}

static json_t *read_number(reader *r)
{
    const unsigned char *s = r->p;
    bool is_int = true;
    char buf[64];
    size_t n;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end)
        return NULL;
    if (*r->p == '0') {
        r->p++;
    } else if (*r->p >= '1' && *r->p <= '9') {
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    } else {
        return NULL;
    }
    if (r->p < r->end && *r->p == '.') {
        is_int = false;
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return NULL;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        is_int = false;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return NULL;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    n = (size_t)(r->p - s);
    if (is_int && n <= 18) {
        /* up to 18 characters: at most 18 digits, no overflow, the value
         * strtoll would give without the copy and the call */
        long long v = 0;
        for (const unsigned char *d = s + (*s == '-'); d < r->p; d++)
            v = v * 10 + (*d - '0');
        return json_integer(*s == '-' ? -v : v);
    }
    if (n >= sizeof buf)
        return NULL; /* 64+ character numbers: refuse */
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    if (is_int) {
        long long v = strtoll(buf, NULL, 10);
        if (errno != ERANGE)
            return json_integer(v);
        /* beyond int64: a real, as Go reads numbers into interface{} (and
         * writes them back, e.g. 1e20 as 100000000000000000000); typed
         * integer fields still refuse it in the schema check */
        errno = 0;
    }
    {
        double d = strtod(buf, NULL);
        if (errno == ERANGE && (d > 1 || d < -1))
            return NULL; /* overflow to infinity */
        return json_real(d);
    }
}

static bool lit(reader *r, const char *w, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
        return false;
    r->p += n;
    return true;
}

static json_t *read_value(reader *r);

static json_t *read_object(reader *r)
{
    json_t *o = json_object();
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return o;
    }
    while (o) {
        const char *k;
        size_t kn;
        char *key = NULL;
        json_t *v;
        int rc;
        ws(r);
        if (r->p >= r->end || *r->p != '"' || !read_string(r, &k, &kn))
            break;
        /* a key with escapes lives in scratch, which the value can
         * overwrite: it is copied; any other key points into the input,
         * which stays put (jansson copies keys by length) */
        if (k == r->scratch) {
            key = malloc(kn + 1);
            if (!key)
                break;
            memcpy(key, k, kn);
            key[kn] = '\0';
            k = key;
        }
        ws(r);
        if (r->p >= r->end || *r->p != ':') {
            free(key);
            break;
        }
        r->p++;
        v = read_value(r);
        rc = v ? json_object_setn_new_nocheck(o, k, kn, v) : -1;
        free(key);
        if (rc != 0)
            break;
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return o;
        }
        break;
    }
    json_decref(o);
    return NULL;
}

static json_t *read_array(reader *r)
{
    json_t *a = json_array();
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return a;
    }
    while (a) {
        json_t *v = read_value(r);
        if (!v || json_array_append_new(a, v) != 0)
            break;
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return a;
        }
        break;
    }
    json_decref(a);
    return NULL;
}

static json_t *read_value(reader *r)
{
    json_t *v = NULL;
    ws(r);
    if (r->p >= r->end)
        return NULL;
    if (++r->depth > NA_JSON_MAX_DEPTH)
        return NULL;
    switch (*r->p) {
    case '{':
        v = read_object(r);
        break;
    case '[':
        v = read_array(r);
        break;
    case '"': {
        const char *s;
        size_t n;
        if (read_string(r, &s, &n))
            v = json_stringn_nocheck(s, n);
        break;
    }
    case 't':
        v = lit(r, "true", 4) ? json_true() : NULL;
        break;
    case 'f':
        v = lit(r, "false", 5) ? json_false() : NULL;
        break;
    case 'n':
        v = lit(r, "null", 4) ? json_null() : NULL;
        break;
    default:
        v = read_number(r);
        break;
    }
    r->depth--;
    return v;
}

json_t *na_json_parse(const char *text, size_t len, char *err, size_t errcap)
{
    reader r = {(const unsigned char *)text, (const unsigned char *)text + len, 0, NULL, 0};
    json_t *v = read_value(&r);
    if (v) {
        ws(&r);
        if (r.p != r.end) {
            json_decref(v);
            v = NULL;
        }
    }
    if (!v && err && errcap)
        snprintf(err, errcap, "invalid JSON near byte %zu", (size_t)(r.p - (const unsigned char *)text));
    free(r.scratch);
    return v;
}

bool na_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t l = *p < 0x80 ? 1 : utf8_len(p, end);
        if (!l)
            return false;
        p += l;
    }
    return true;
}
