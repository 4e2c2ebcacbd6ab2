/*
 * encoding.c - base32 (nkeys), CRC-16/XMODEM (nkeys), base64url (JWT), SHA-512/256.
 *
 * base32 and crc16 are written here because no well-kept library offers the
 * nkeys variants; base64url is a table codec here too (libsodium's is
 * constant time and slow, see the decoder); SHA-512/256 comes from libcrypto.
 * Decoders are strict: they reject characters outside the alphabet, padding,
 * and non-zero trailing bits, so every byte string has exactly one encoding.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "internal.h"

static const char b32_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t na_b32_enc_len(size_t n) { return (n * 8 + 4) / 5; }

void na_b32_encode(char *out, const uint8_t *in, size_t n)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = b32_alpha[(acc >> bits) & 31];
        }
    }
    if (bits > 0)
        out[o++] = b32_alpha[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

/* value + 1 of each base32 character; 0 = not in the alphabet */
static const signed char b32_val[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['2'] = 27, ['3'] = 28,
    ['4'] = 29, ['5'] = 30, ['6'] = 31, ['7'] = 32,
};

long na_b32_decode(uint8_t *out, const char *in, size_t len)
{
    const unsigned char *p = (const unsigned char *)in;
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    size_t i = 0;
    /* lengths that no whole number of bytes produces are invalid */
    size_t rem = len % 8;
    if (rem == 1 || rem == 3 || rem == 6)
        return -1;
    /* whole groups: 8 characters are exactly 5 bytes (a public key is 7) */
    for (; i + 8 <= len; i += 8, p += 8) {
        uint64_t g = 0;
        int bad = 0;
        for (int j = 0; j < 8; j++) {
            int v = b32_val[p[j]] - 1;
            bad |= v;
            g = g << 5 | (uint64_t)(v & 31);
        }
        if (bad < 0)
            return -1;
        out[o++] = (uint8_t)(g >> 32);
        out[o++] = (uint8_t)(g >> 24);
        out[o++] = (uint8_t)(g >> 16);
        out[o++] = (uint8_t)(g >> 8);
        out[o++] = (uint8_t)g;
    }
    for (; i < len; i++, p++) {
        int v = b32_val[*p] - 1;
        if (v < 0)
            return -1;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return o;
}

/* CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no final xor), two
 * bytes a step ("slicing by 2": the two lookups do not wait on each other,
 * which halves the dependency chain of a byte-wise table). crc_table[0] is
 * the byte table; crc_table[1][x] is the CRC of x followed by a zero byte.
 * Both are built once from the polynomial. */
static uint16_t crc_table[2][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t c = (uint16_t)(i << 8);
        for (int b = 0; b < 8; b++)
            c = (c & 0x8000) ? (uint16_t)((c << 1) ^ 0x1021) : (uint16_t)(c << 1);
        crc_table[0][i] = c;
    }
    for (unsigned i = 0; i < 256; i++)
        crc_table[1][i] = (uint16_t)((crc_table[0][i] << 8) ^ crc_table[0][crc_table[0][i] >> 8]);
}

uint16_t na_crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    size_t i = 0;
    pthread_once(&crc_once, crc_init);
    for (; i + 2 <= n; i += 2)
        crc = (uint16_t)(crc_table[1][(crc >> 8) ^ p[i]] ^ crc_table[0][(crc & 0xff) ^ p[i + 1]]);
    if (i < n)
        crc = (uint16_t)((crc << 8) ^ crc_table[0][((crc >> 8) ^ p[i]) & 0xff]);
    return crc;
}

size_t na_b64url_enc_len(size_t n) { return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0); }

static const char b64url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The two characters of each 12-bit value: a 3-byte group is two lookups
 * instead of four (payloads are kilobytes; the encoder runs on every token
 * written). Built once. */
static char b64url_pairs[4096][2];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_init(void)
{
    for (unsigned v = 0; v < 4096; v++) {
        b64url_pairs[v][0] = b64url_alpha[v >> 6];
        b64url_pairs[v][1] = b64url_alpha[v & 63];
    }
}

void na_b64url_encode(char *out, const uint8_t *in, size_t n)
{
    /* table encoder for the same reason as the decoder below */
    const char *alpha = b64url_alpha;
    size_t i = 0, o = 0;
    pthread_once(&b64_once, b64_init);
    for (; i + 3 <= n; i += 3, o += 4) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        memcpy(out + o, b64url_pairs[v >> 12], 2);
        memcpy(out + o + 2, b64url_pairs[v & 0xfff], 2);
    }
    if (n - i == 1) {
        out[o++] = alpha[in[i] >> 2];
        out[o++] = alpha[(in[i] & 3) << 4];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
        out[o++] = alpha[v >> 10];
        out[o++] = alpha[(v >> 4) & 63];
        out[o++] = alpha[(v & 15) << 2];
    }
    out[o] = '\0';
}

/* A table decoder rather than libsodium's: sodium_base642bin is constant
 * time (meant for secrets) and costs ~4 ns a character (12 us for a 3 KB
 * token), and 1.0.18 reads every byte >= 0x80 as '_'. Token segments are
 * public, so speed matters more here than constant time. */
static const signed char b64url_val[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
    ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
    ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['-'] = 63,
    ['_'] = 64,
}; /* value + 1; 0 = not in the alphabet */

long na_b64url_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t full = len / 4, rem = len % 4, o = 0;
    if (rem == 1 || full * 3 + (rem ? rem - 1 : 0) > cap)
        return -1;
    for (size_t i = 0; i < full; i++, p += 4) {
        int a = b64url_val[p[0]] - 1, b = b64url_val[p[1]] - 1, c = b64url_val[p[2]] - 1,
            d = b64url_val[p[3]] - 1;
        if ((a | b | c | d) < 0)
            return -1;
        out[o++] = (uint8_t)(a << 2 | b >> 4);
        out[o++] = (uint8_t)(b << 4 | c >> 2);
        out[o++] = (uint8_t)(c << 6 | d);
    }
    if (rem) {
        int a = b64url_val[p[0]] - 1, b = b64url_val[p[1]] - 1;
        int c = rem == 3 ? b64url_val[p[2]] - 1 : 0;
        if ((a | b | c) < 0)
            return -1;
        out[o++] = (uint8_t)(a << 2 | b >> 4);
        if (rem == 2) {
            if (b & 0x0f)
                return -1; /* non-canonical: stray low bits */
        } else {
            out[o++] = (uint8_t)(b << 4 | c >> 2);
            if (c & 0x03)
                return -1;
        }
    }
    return (long)o;
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ok;
static void sodium_start(void) { sodium_ok = sodium_init() >= 0; }

bool na_crypto_init(void)
{
    pthread_once(&sodium_once, sodium_start);
    return sodium_ok;
}

/* fetched once: an explicit fetch avoids a per-call name lookup in OpenSSL 3 */
static EVP_MD *sha_md;
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;
static pthread_key_t sha_ctx_key;
static void sha_ctx_free(void *ctx) { EVP_MD_CTX_free(ctx); }
static void sha_fetch(void)
{
    /* natsauth needs no OpenSSL configuration: skipping openssl.cnf saves
     * most of libcrypto's first-use cost in every CLI process */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    sha_md = EVP_MD_fetch(NULL, "SHA512-256", NULL);
    if (pthread_key_create(&sha_ctx_key, sha_ctx_free) != 0) {
        EVP_MD_free(sha_md);
        sha_md = NULL;
    }
}

int na_sha512_256(uint8_t out[32], const void *in, size_t len)
{
    /* one digest context per thread, reused: EVP_Digest allocates and frees
     * a context on every call, which costs more than hashing 200 bytes */
    EVP_MD_CTX *ctx;
    unsigned int olen = 0;
    pthread_once(&sha_once, sha_fetch);
    if (!sha_md)
        return -1;
    ctx = pthread_getspecific(sha_ctx_key);
    if (!ctx) {
        if (!(ctx = EVP_MD_CTX_new()))
            return -1;
        pthread_setspecific(sha_ctx_key, ctx); /* freed when the thread exits */
    }
    if (EVP_DigestInit_ex2(ctx, sha_md, NULL) != 1 || EVP_DigestUpdate(ctx, in, len) != 1 ||
        EVP_DigestFinal_ex(ctx, out, &olen) != 1 || olen != 32)
        return -1;
    return 0;
}
