/*
 * test_core.c - known answers for the core codecs and the reference vectors.
 *
 * base32 and base64url use the RFC 4648 section 10 test vectors (without
 * padding, as nkeys and JWTs write them); CRC-16/XMODEM the catalogue check
 * value crc16("123456789") = 0x31C3; SHA-512/256 the FIPS 180-4 examples.
 * The nkey, JWT and xkey strings are copied from
 * /work/shared/reference/nats-auth-reference.md sections 8.1, 8.2 and 8.3
 * (cross-checked there against Go, nkeys.js and libsodium). The last tests
 * check that na_err is always filled and never repeats a seed.
 */
#include <sodium.h>

#include "natsauth/natsauth.h"
#include "../../src/core/internal.h"
#include "../testlib.h"

/* ---- base32 ------------------------------------------------------------- */

static const struct {
    const char *plain, *enc;
} rfc4648_b32[] = {
    {"", ""},          {"f", "MY"},           {"fo", "MZXQ"},          {"foo", "MZXW6"},
    {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"},
};

TEST(base32_known_answers)
{
    for (size_t i = 0; i < sizeof rfc4648_b32 / sizeof rfc4648_b32[0]; i++) {
        const char *p = rfc4648_b32[i].plain, *e = rfc4648_b32[i].enc;
        char enc[32];
        uint8_t dec[32];
        long n;
        CHECK(na_b32_enc_len(strlen(p)) == strlen(e));
        na_b32_encode(enc, (const uint8_t *)p, strlen(p));
        CHECK_STREQ(enc, e);
        n = na_b32_decode(dec, e, strlen(e));
        CHECKF(n == (long)strlen(p) && memcmp(dec, p, strlen(p)) == 0, "decode '%s'", e);
    }
}

TEST(base32_rejects_noncanonical)
{
    static const char *const bad[] = {
        "my",         /* lower case */
        "MY======",   /* padding */
        "M1",         /* 1 is not in the alphabet */
        "M0", "M8", "M9", "M ", "M\n",
        "MZ",         /* 'f' is MY: non-zero trailing bits */
        "MZXR",       /* "fo" is MZXQ */
        "M",          /* 1 char: no whole number of bytes */
        "MZX",        /* 3 chars */
        "MZXW6Y",     /* 6 chars */
        "MZXW6YTBO",  /* 9 chars (9 % 8 == 1) */
        "MZ\x80Q",    /* a high byte */
    };
    uint8_t dec[32];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF(na_b32_decode(dec, bad[i], strlen(bad[i])) < 0, "accepted '%s'", bad[i]);
    /* an embedded NUL is a bad character, not an end */
    CHECK(na_b32_decode(dec, "MZ\0Q", 4) < 0);
}

/* ---- crc16 ------------------------------------------------------------- */

TEST(crc16_known_answers)
{
    CHECK(na_crc16((const uint8_t *)"123456789", 9) == 0x31C3);
    CHECK(na_crc16((const uint8_t *)"", 0) == 0);
    CHECK(na_crc16((const uint8_t *)"A", 1) == 0x58E5);
    {
        /* nkeys stores the crc little-endian after prefix|key (section 1.2):
         * check one public key's last two bytes */
        const char *pub = "UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT";
        uint8_t b[40];
        CHECK(na_b32_decode(b, pub, strlen(pub)) == 35);
        CHECK(na_crc16(b, 33) == (uint16_t)(b[33] | (b[34] << 8)));
    }
}

/* ---- base64url --------------------------------------------------------- */

static const struct {
    const char *plain, *enc;
} rfc4648_b64[] = {
    {"", ""},         {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

TEST(b64url_known_answers)
{
    static const uint8_t url_bytes[] = {0xfb, 0xff, 0xbf};
    char enc[64];
    uint8_t dec[64];
    for (size_t i = 0; i < sizeof rfc4648_b64 / sizeof rfc4648_b64[0]; i++) {
        const char *p = rfc4648_b64[i].plain, *e = rfc4648_b64[i].enc;
        long n;
        CHECK(na_b64url_enc_len(strlen(p)) == strlen(e));
        na_b64url_encode(enc, (const uint8_t *)p, strlen(p));
        CHECK_STREQ(enc, e);
        n = na_b64url_decode(dec, sizeof dec, e, strlen(e));
        CHECKF(n == (long)strlen(p) && memcmp(dec, p, strlen(p)) == 0, "decode '%s'", e);
    }
    /* the URL alphabet: 62 is '-', 63 is '_' */
    na_b64url_encode(enc, url_bytes, sizeof url_bytes);
    CHECK_STREQ(enc, "-_-_");
    CHECK(na_b64url_decode(dec, sizeof dec, "-_-_", 4) == 3 && memcmp(dec, url_bytes, 3) == 0);
    /* the JWT header natsauth writes */
    {
        const char *h = "{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}";
        na_b64url_encode(enc, (const uint8_t *)h, strlen(h));
        CHECK_STREQ(enc, "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ");
    }
}

TEST(b64url_rejects_noncanonical)
{
    static const char *const bad[] = {
        "Zg==",  /* padding */
        "Zg=",   /* padding */
        "+_8",   /* standard alphabet */
        "Zm9/",  /* standard alphabet */
        "Zh",    /* 'f' is Zg: non-zero trailing bits */
        "Zm9",   /* "fo" is Zm8 */
        "Z",     /* 1 char: len % 4 == 1 */
        "Zm9vY", /* len % 4 == 1 */
        "Zm 9v", /* whitespace */
        "Zm9v\n",
        "Zm9\x80", /* a high byte: libsodium 1.0.18 took it as '_' */
        "Zm9\xdf", "\xff\xff\xff\xff",
    };
    uint8_t dec[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF(na_b64url_decode(dec, sizeof dec, bad[i], strlen(bad[i])) < 0, "accepted '%s'",
               bad[i]);
    CHECK(na_b64url_decode(dec, sizeof dec, "Zm\0v", 4) < 0);
    /* a short output buffer is an error, not an overflow */
    CHECK(na_b64url_decode(dec, 2, "Zm9v", 4) < 0);
}

TEST(b64url_every_high_byte_rejected)
{
    /* each byte 0x80..0xff in each position of a 4-char group */
    uint8_t dec[8];
    for (int c = 0x80; c < 0x100; c++) {
        for (int pos = 0; pos < 4; pos++) {
            char in[5] = "Zm9v";
            in[pos] = (char)c;
            CHECKF(na_b64url_decode(dec, sizeof dec, in, 4) < 0, "byte 0x%02x at %d", c, pos);
        }
    }
}

/* ---- na_buf -------------------------------------------------------------- */

TEST(buf_take_empty_and_capped)
{
    na_buf b;
    char *s;
    na_buf_init(&b, 8);
    s = na_buf_take(&b); /* nothing put: still a terminated string */
    CHECK(s && s[0] == '\0');
    na_free(s);
    na_buf_init(&b, 8);
    na_buf_puts(&b, "1234567");
    CHECK(na_buf_ok(&b) && b.len == 7);
    na_buf_puts(&b, "89"); /* over the hard maximum: latches failed */
    CHECK(!na_buf_ok(&b));
    na_buf_puts(&b, "x");
    CHECK(na_buf_take(&b) == NULL);
    na_buf_init(&b, 1024);
    na_buf_printf(&b, "%0200d|%s", 7, "end");
    CHECK(b.len == 204 && strcmp(b.p + 200, "|end") == 0);
    na_buf_release(&b);
}

/* ---- SHA-512/256 ------------------------------------------------------- */

TEST(sha512_256_known_answers)
{
    uint8_t h[32];
    char hex[65];
    CHECK(na_sha512_256(h, "abc", 3) == 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    CHECK_STREQ(hex, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
    CHECK(na_sha512_256(h, "", 0) == 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    CHECK_STREQ(hex, "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a");
    /* FIPS 180-4's two-block (896-bit) message, and the same context reused */
    {
        static const char m[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                                "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
        for (int i = 0; i < 2; i++) {
            CHECK(na_sha512_256(h, m, sizeof m - 1) == 0);
            sodium_bin2hex(hex, sizeof hex, h, sizeof h);
            CHECK_STREQ(hex, "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a");
        }
    }
}

/* ---- reference 8.1: nkeys ---------------------------------------------- */

static const struct {
    na_nkey_type type;
    const char *seed, *pub;
} ref81[] = {
    {NA_NKEY_USER, "SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y",
     "UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK"},
    {NA_NKEY_ACCOUNT, "SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYMHI",
     "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV"},
    {NA_NKEY_OPERATOR, "SOAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2AJA",
     "OAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QZVT"},
    {NA_NKEY_SERVER, "SNAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2D5U",
     "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB"},
    {NA_NKEY_CLUSTER, "SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q",
     "CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J"},
    {NA_NKEY_CURVE, "SXAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H74KM",
     "XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7"},
};

static void raw_seq(uint8_t raw[32], int start)
{
    for (int i = 0; i < 32; i++)
        raw[i] = (uint8_t)(start + i);
}

TEST(ref_8_1_nkeys)
{
    uint8_t raw[32], got_raw[32];
    raw_seq(raw, 0);
    for (size_t i = 0; i < sizeof ref81 / sizeof ref81[0]; i++) {
        na_nkey *k = NULL, *k2 = NULL;
        na_nkey_type t;
        char seed[NA_NKEY_SEED_LEN + 1], enc[NA_NKEY_SEED_LEN + 1];
        na_err err = {0};
        /* raw -> key */
        CHECK(na_nkey_from_raw(&k, ref81[i].type, raw, &err) == NA_OK);
        CHECK_STREQ(na_nkey_public(k), ref81[i].pub);
        CHECK(na_nkey_seed(k, seed, &err) == NA_OK);
        CHECK_STREQ(seed, ref81[i].seed);
        /* encoders directly */
        na_nkey_encode_seed(enc, ref81[i].type, raw);
        CHECK_STREQ(enc, ref81[i].seed);
        if (ref81[i].type != NA_NKEY_CURVE) {
            na_nkey_encode_public(enc, ref81[i].type, na_nkey_public_raw(k));
            CHECK_STREQ(enc, ref81[i].pub);
        }
        /* seed -> key, decoders */
        CHECK(na_nkey_from_seed(&k2, ref81[i].seed, strlen(ref81[i].seed), &err) == NA_OK);
        CHECK_STREQ(na_nkey_public(k2), ref81[i].pub);
        CHECK(na_nkey_type_of(k2) == ref81[i].type);
        CHECK(na_nkey_decode_seed(&t, got_raw, ref81[i].seed, NA_NKEY_SEED_LEN, &err) == NA_OK);
        CHECK(t == ref81[i].type && memcmp(got_raw, raw, 32) == 0);
        CHECK(na_nkey_decode_public(&t, NULL, ref81[i].pub, NA_NKEY_PUBLIC_LEN, &err) == NA_OK);
        CHECK(t == ref81[i].type);
        CHECK(na_nkey_is_public(ref81[i].pub, ref81[i].type));
        CHECK(na_nkey_type_letter(ref81[i].type) == ref81[i].pub[0]);
        na_wipe(seed, sizeof seed);
        na_wipe(enc, sizeof enc);
        na_nkey_destroy(k);
        na_nkey_destroy(k2);
    }
}

TEST(ref_8_1_readme_and_signature)
{
    const char *seed = "SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY";
    const char *want_sig =
        "ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg";
    na_nkey *k = NULL;
    uint8_t sig[64];
    char b64[100];
    na_err err = {0};
    CHECK(na_nkey_from_seed(&k, seed, strlen(seed), &err) == NA_OK);
    CHECK_STREQ(na_nkey_public(k), "UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT");
    na_nkey_destroy(k);

    k = NULL;
    CHECK(na_nkey_from_seed(&k, ref81[0].seed, strlen(ref81[0].seed), &err) == NA_OK);
    CHECK(na_nkey_sign(k, sig, "abcdefgh", 8, &err) == NA_OK);
    na_b64url_encode(b64, sig, sizeof sig);
    CHECK_STREQ(b64, want_sig);
    CHECK(na_nkey_verify(k, sig, "abcdefgh", 8, &err) == NA_OK);
    CHECK(na_nkey_verify_with(ref81[0].pub, sig, "abcdefgh", 8, &err) == NA_OK);
    CHECK(na_nkey_verify_with(ref81[0].pub, sig, "abcdefgi", 8, &err) == NA_ESIG);
    sig[0] ^= 1;
    CHECK(na_nkey_verify(k, sig, "abcdefgh", 8, &err) == NA_ESIG);
    na_nkey_destroy(k);
}

/* ---- reference 8.2: a user JWT ------------------------------------------ */

static const char REF_USER_JWT[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ."
    "eyJqdGkiOiJWTjNLWklZMldNUkVPUFRZNktWUExJM1hIVVg1RzU2VUFZT0dMVUpMVjI0QllJVzdJNVRRIiwiaWF0Ij"
    "oxNzAwMDAwMDAwLCJpc3MiOiJBQ1FKVkpQVVBKVFZUQUJQN0ZLN1JYQk5GSUtLTFNNNUVPN0pQNkRFQ0o3N1NPQlVL"
    "V1NQQkkzSSIsIm5hbWUiOiJhbGljZSIsInN1YiI6IlVBTDRXNlAzRk5BU0I0VlI1UlM2SUdNTk5ZRUxGRFVCSDdWUU"
    "RaRkVBQ0JaWEJQQlFDQU00QzQ3IiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEs"
    "InBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ."
    "Y-KnEo3OHidwAkrvJfhqMyEztvTN4W6uVf9YDlWvtAXvvvk4pc9vV6ONNs6gUpBle0kbfnKT7xuhPJJNMUSVCQ";
static const char REF_USER_PAYLOAD[] =
    "{\"jti\":\"VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ\",\"iat\":1700000000,"
    "\"iss\":\"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I\",\"name\":\"alice\","
    "\"sub\":\"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47\",\"nats\":{\"pub\":{},"
    "\"sub\":{},\"subs\":-1,\"data\":-1,\"payload\":-1,\"type\":\"user\",\"version\":2}}";
static const char REF_ACCOUNT_SEED[] = "SAACEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEITNXI";
static const char REF_USER_PUB[] = "UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47";

TEST(ref_8_2_user_jwt)
{
    na_claims *c = NULL, *d = NULL;
    na_nkey *acct = NULL;
    char *json = NULL, *tok = NULL, *pj = NULL;
    na_err err = {0};
    CHECKF(na_jwt_decode(&d, REF_USER_JWT, strlen(REF_USER_JWT), &err) == NA_OK, "%s", err.msg);
    if (!d)
        return;
    json = na_claims_to_json(d, 0);
    CHECK_STREQ(json, REF_USER_PAYLOAD);
    CHECK_STREQ(na_claims_id(d), "VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ");
    CHECK(na_jwt_split(NULL, &pj, REF_USER_JWT, strlen(REF_USER_JWT), &err) == NA_OK);
    CHECK_STREQ(pj, REF_USER_PAYLOAD);

    /* build the same claims from scratch: the same token, byte for byte */
    CHECK(na_nkey_from_seed(&acct, REF_ACCOUNT_SEED, strlen(REF_ACCOUNT_SEED), &err) == NA_OK);
    CHECK(na_claims_create(&c, NA_CLAIMS_USER, REF_USER_PUB, &err) == NA_OK);
    CHECK(na_claims_set_name(c, "alice", &err) == NA_OK);
    CHECK(na_claims_encode(c, &tok, acct, 1700000000, &err) == NA_OK);
    CHECK_STREQ(tok, REF_USER_JWT);

    na_free(json);
    na_free(pj);
    na_free(tok);
    na_claims_destroy(c);
    na_claims_destroy(d);
    na_nkey_destroy(acct);
}

/* ---- reference 8.3: xkey seal ------------------------------------------ */

TEST(ref_8_3_xkey_seal)
{
    static const char want_hex[] = "786b7631"
                                   "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7"
                                   "7f088144f03ecdadc18fda90dc196829"
                                   "61d7838a5897e97d12f6";
    const char *recipient_seed = "SXACAIJCEMSCKJRHFAUSUKZMFUXC6MBRGIZTINJWG44DSOR3HQ6T4PY4AQ";
    const char *recipient_pub = "XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE";
    uint8_t raw[32], nonce[24], *out = NULL, *plain = NULL;
    size_t out_len = 0, plain_len = 0;
    char hex[2 * 54 + 1];
    na_nkey *sender = NULL, *recipient = NULL, *r2 = NULL;
    na_err err = {0};

    raw_seq(raw, 0);
    CHECK(na_nkey_from_raw(&sender, NA_NKEY_CURVE, raw, &err) == NA_OK);
    raw_seq(raw, 0x20);
    CHECK(na_nkey_from_raw(&recipient, NA_NKEY_CURVE, raw, &err) == NA_OK);
    CHECK_STREQ(na_nkey_public(recipient), recipient_pub);
    CHECK(na_nkey_from_seed(&r2, recipient_seed, strlen(recipient_seed), &err) == NA_OK);
    CHECK_STREQ(na_nkey_public(r2), recipient_pub);
    for (int i = 0; i < 24; i++)
        nonce[i] = (uint8_t)(0xa0 + i);

    CHECK(na_xkey_seal_with_nonce(sender, &out, &out_len, "hello xkey", 10, recipient_pub, nonce,
                                  &err) == NA_OK);
    CHECK(out_len == 54);
    if (out && out_len == 54) {
        sodium_bin2hex(hex, sizeof hex, out, out_len);
        CHECK_STREQ(hex, want_hex);
    }
    CHECK(na_xkey_open(r2, &plain, &plain_len, out, out_len, ref81[5].pub, &err) == NA_OK);
    CHECK(plain_len == 10 && plain && memcmp(plain, "hello xkey", 10) == 0 && plain[10] == 0);

    na_free(out);
    na_free(plain);
    na_nkey_destroy(sender);
    na_nkey_destroy(recipient);
    na_nkey_destroy(r2);
}

/* ---- errors ------------------------------------------------------------ */

TEST(status_names)
{
    for (int s = 0; s < NA_STATUS_COUNT; s++) {
        const char *n = na_status_str((na_status)s);
        CHECK(n && *n);
        for (int t = 0; t < s; t++)
            CHECKF(strcmp(n, na_status_str((na_status)t)) != 0, "%d and %d share '%s'", s, t, n);
    }
    CHECK_STREQ(na_status_str(NA_OK), "ok");
    CHECK_STREQ(na_status_str(NA_STATUS_COUNT), "unknown status");
    CHECK_STREQ(na_status_str((na_status)-1), "unknown status");
}

TEST(err_fill_and_prefix)
{
    na_err err;
    char longs[600];
    memset(&err, 0x55, sizeof err);
    CHECK(na_fail(&err, NA_EINVAL, "subject '%s' is empty", "x") == NA_EINVAL);
    CHECK(err.code == NA_EINVAL && err.sub == 0);
    CHECK_STREQ(err.msg, "subject 'x' is empty");
    na_err_prefix(&err, "cannot add %s", "user");
    CHECK_STREQ(err.msg, "cannot add user: subject 'x' is empty");
    CHECK(err.code == NA_EINVAL);
    /* long messages are cut, never overflow, and stay terminated */
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    na_fail(&err, NA_ETOOBIG, "%s", longs);
    CHECK(strlen(err.msg) == NA_ERR_MSG_MAX - 1);
    na_err_prefix(&err, "%s", longs);
    CHECK(strlen(err.msg) < NA_ERR_MSG_MAX);
    /* NULL err is fine everywhere */
    CHECK(na_fail(NULL, NA_ECRC, "x") == NA_ECRC);
    na_err_prefix(NULL, "x");
}

/* No message may contain the seed, or any 8-character piece of its body
 * (a partial seed is still a leak). */
static bool leaks(const char *msg, const char *seed)
{
    size_t n = strlen(seed);
    for (size_t i = 2; i + 8 <= n; i++) {
        char piece[9];
        memcpy(piece, seed + i, 8);
        piece[8] = '\0';
        if (strstr(msg, piece))
            return true;
    }
    return false;
}

TEST(err_messages_never_contain_the_seed)
{
    const char *seed = ref81[0].seed; /* SUAAAAICAMCA... */
    char bad[NA_NKEY_SEED_LEN + 8];
    na_nkey *k = NULL;
    na_err err;
    uint8_t raw[32];
    char *jwt = NULL, *s = NULL, *out = NULL;
    na_status st;

    /* every one-character change of the seed: filled message, no seed text */
    for (size_t i = 0; i < NA_NKEY_SEED_LEN; i++) {
        static const char repl[] = "A7a1=";
        for (size_t r = 0; r < sizeof repl - 1; r++) {
            memcpy(bad, seed, NA_NKEY_SEED_LEN + 1);
            if (bad[i] == repl[r])
                continue;
            bad[i] = repl[r];
            memset(&err, 0, sizeof err);
            st = na_nkey_from_seed(&k, bad, strlen(bad), &err);
            CHECK(st != NA_OK && k == NULL);
            CHECKF(err.code == st && err.msg[0], "status %d, empty message", st);
            CHECKF(!leaks(err.msg, seed), "message '%s' leaks the seed", err.msg);
            memset(&err, 0, sizeof err);
            st = na_nkey_decode_seed(NULL, raw, bad, strlen(bad), &err);
            CHECK(st != NA_OK && err.msg[0] && !leaks(err.msg, seed));
        }
    }
    /* wrong lengths, a seed given as a public key and the reverse */
    memset(&err, 0, sizeof err);
    CHECK(na_nkey_from_seed(&k, seed, NA_NKEY_SEED_LEN - 1, &err) != NA_OK);
    CHECK(err.msg[0] && !leaks(err.msg, seed));
    memset(&err, 0, sizeof err);
    CHECK(na_nkey_from_public(&k, seed, NA_NKEY_SEED_LEN, &err) == NA_EPREFIX);
    CHECK(err.msg[0] && !leaks(err.msg, seed));
    memset(&err, 0, sizeof err);
    CHECK(na_nkey_decode_public(NULL, NULL, seed, NA_NKEY_SEED_LEN, &err) == NA_EPREFIX);
    CHECK(err.msg[0] && !leaks(err.msg, seed));
    /* a seed where a type name or JWT is expected */
    memset(&err, 0, sizeof err);
    {
        na_nkey_type t;
        CHECK(na_nkey_type_parse(&t, seed, &err) == NA_EINVAL);
        CHECKF(err.msg[0] && !leaks(err.msg, seed), "'%s'", err.msg);
    }
    memset(&err, 0, sizeof err);
    {
        na_claims *c = NULL;
        CHECK(na_jwt_decode(&c, seed, strlen(seed), &err) == NA_EJWT);
        CHECK(err.msg[0] && !leaks(err.msg, seed));
        memset(&err, 0, sizeof err);
        CHECK(na_claims_create(&c, NA_CLAIMS_USER, seed, &err) == NA_EINVAL);
        CHECKF(err.msg[0] && !leaks(err.msg, seed), "'%s'", err.msg);
    }
    /* creds: a seed that does not match the JWT subject, a wrong-type seed */
    memset(&err, 0, sizeof err);
    CHECK(na_creds_format(&out, REF_USER_JWT, seed, &err) == NA_EINVAL && out == NULL);
    CHECK(err.msg[0] && !leaks(err.msg, seed));
    memset(&err, 0, sizeof err);
    CHECK(na_creds_format(&out, REF_USER_JWT, REF_ACCOUNT_SEED, &err) == NA_EPREFIX);
    CHECK(err.msg[0] && !leaks(err.msg, REF_ACCOUNT_SEED));
    memset(&err, 0, sizeof err);
    {
        /* a creds text whose seed block holds a non-seed */
        const char *t = "-----BEGIN NATS USER JWT-----\nabc.def.ghi\n------END NATS USER JWT------\n"
                        "-----BEGIN USER NKEY SEED-----\nXUAAAAICAMCAKBQHBAEQ\n"
                        "------END USER NKEY SEED------\n";
        CHECK(na_creds_parse(&jwt, &s, t, strlen(t), &err) == NA_ECREDS);
        CHECK(jwt == NULL && s == NULL && err.msg[0] && !strstr(err.msg, "XUAAAAICAMCAKBQHBAEQ"));
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(base32_known_answers);
    RUN(base32_rejects_noncanonical);
    RUN(crc16_known_answers);
    RUN(b64url_known_answers);
    RUN(b64url_rejects_noncanonical);
    RUN(b64url_every_high_byte_rejected);
    RUN(buf_take_empty_and_capped);
    RUN(sha512_256_known_answers);
    RUN(ref_8_1_nkeys);
    RUN(ref_8_1_readme_and_signature);
    RUN(ref_8_2_user_jwt);
    RUN(ref_8_3_xkey_seal);
    RUN(status_names);
    RUN(err_fill_and_prefix);
    RUN(err_messages_never_contain_the_seed);
    return DONE();
}
