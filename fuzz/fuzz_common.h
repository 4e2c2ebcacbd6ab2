/*
 * fuzz_common.h - shared helpers for the libFuzzer targets in fuzz/.
 *
 * The keys here are test-only keys derived from fixed raw seeds (the same
 * seeds as tests/vectors/go: 32 x 0x11 operator, 32 x 0x22 account, ...);
 * they protect nothing. A property violation calls FUZZ_CHECK, which prints
 * what failed and aborts, so libFuzzer records the input as a crash.
 */
#ifndef NATSAUTH_FUZZ_COMMON_H
#define NATSAUTH_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "natsauth/natsauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* A key from 32 copies of one byte (fill) or 00..1f (fill < 0). Never fails
 * for valid types; aborts otherwise (the harness itself is broken). */
static inline na_nkey *fuzz_key(na_nkey_type t, int fill)
{
    uint8_t raw[NA_NKEY_RAW_LEN];
    na_nkey *k = NULL;
    for (int i = 0; i < NA_NKEY_RAW_LEN; i++)
        raw[i] = (uint8_t)(fill < 0 ? i : fill);
    FUZZ_CHECK(na_nkey_from_raw(&k, t, raw, NULL) == NA_OK);
    return k;
}

/* NUL-terminated copy of the input (malloc; the input is not terminated). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    FUZZ_CHECK(s != NULL);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* True if the JSON text holds a service_latency sampling rate outside
 * 0..100 (anywhere). Such claims parse but do not serialize, exactly as in
 * Go, whose SamplingRate.UnmarshalJSON takes any integer while MarshalJSON
 * fails with "unknown sampling rate"; the harnesses accept that case only. */
static inline int fuzz_bad_sampling_in(const json_t *v)
{
    const char *k;
    json_t *e;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach((json_t *)v, i, e)
            if (fuzz_bad_sampling_in(e))
                return 1;
        return 0;
    }
    if (!json_is_object(v))
        return 0;
    json_object_foreach((json_t *)v, k, e) {
        if (strcmp(k, "service_latency") == 0 && json_is_object(e)) {
            json_t *r = json_object_get(e, "sampling");
            if (json_is_integer(r) && (json_integer_value(r) < 0 || json_integer_value(r) > 100))
                return 1;
        }
        if (fuzz_bad_sampling_in(e))
            return 1;
    }
    return 0;
}

static inline int fuzz_bad_sampling(const char *json, size_t len)
{
    json_t *root = json_loadb(json, len, 0, NULL);
    int bad = fuzz_bad_sampling_in(root);
    json_decref(root);
    return bad;
}

/* True if the JSON text has an integer literal outside int64 (outside
 * strings). Go writes a float64 in [2^63, 1e21) as plain digits (1e20 ->
 * 100000000000000000000); natsauth's reader takes no integer that large, so
 * such claims encode but do not decode: a known, reported limit. */
static inline int fuzz_huge_int(const char *s)
{
    int in_str = 0;
    for (const char *p = s; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_str = 0;
            continue;
        }
        if (*p == '"') {
            in_str = 1;
        } else if ((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' && p[1] <= '9')) {
            const char *q = p + (*p == '-');
            size_t nd = 0;
            while (q[nd] >= '0' && q[nd] <= '9')
                nd++;
            if (q[nd] != '.' && q[nd] != 'e' && q[nd] != 'E' &&
                (nd > 19 || (nd == 19 && strncmp(q, *p == '-' ? "9223372036854775808"
                                                               : "9223372036854775807", 19) > 0)))
                return 1;
            p = q + nd - 1;
        }
    }
    return 0;
}

/* True if two payload JSON texts are the same claims. Byte equality is the
 * rule, with two exceptions that Go has too and natsauth copies on purpose:
 * - a scope template's subs/data/payload of 0 is omitted on write and read
 *   back as NewUserScope's -1, so a -1 that stands where the first text has
 *   nothing is accepted (jwt v2 signingkeys.go; reference 2.8.4);
 * - decoding an account drops flat JetStream limits when tiered limits are
 *   present (Go's loadAccount), so those are ignored next to tiers. */
static inline int fuzz_same_claims_json(const char *a, const char *b)
{
    static const char *const lim[] = {"subs", "data", "payload"};
    json_t *ja, *jb, *ka, *kb, *eb;
    size_t i;
    int same = 0;
    if (strcmp(a, b) == 0)
        return 1;
    ja = json_loads(a, 0, NULL);
    jb = json_loads(b, 0, NULL);
    ka = json_object_get(json_object_get(ja, "nats"), "signing_keys");
    kb = json_object_get(json_object_get(jb, "nats"), "signing_keys");
    json_array_foreach(kb, i, eb) {
        json_t *tb = json_object_get(eb, "template");
        json_t *ta = json_object_get(json_array_get(ka, i), "template");
        if (!json_is_object(ta) || !json_is_object(tb))
            continue;
        for (size_t k = 0; k < 3; k++)
            if (!json_object_get(ta, lim[k]) &&
                json_integer_value(json_object_get(tb, lim[k])) == -1)
                json_object_del(tb, lim[k]);
    }
    for (int side = 0; side < 2; side++) {
        static const char *const js[] = {"mem_storage", "disk_storage", "streams", "consumer",
                                         "max_ack_pending", "mem_max_stream_bytes",
                                         "disk_max_stream_bytes", "max_bytes_required"};
        json_t *la = json_object_get(json_object_get(ja, "nats"), "limits");
        json_t *lb = json_object_get(json_object_get(jb, "nats"), "limits");
        json_t *l = side ? lb : la;
        if (json_object_size(json_object_get(la, "tiered_limits")) == 0 &&
            json_object_size(json_object_get(lb, "tiered_limits")) == 0)
            break;
        for (size_t k = 0; k < sizeof js / sizeof js[0]; k++)
            json_object_del(l, js[k]);
    }
    if (ja && jb)
        same = json_equal(ja, jb);
    json_decref(ja);
    json_decref(jb);
    return same;
}

#endif
