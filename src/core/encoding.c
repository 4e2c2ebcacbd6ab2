/*
 * encoding.c - base32 (nkeys), CRC-16/XMODEM (nkeys), base64url (JWT), SHA-512/256.
 *
 * base32 and crc16 are written here because no well-kept library offers the
 * nkeys variants; base64 comes from libsodium and SHA-512/256 from libcrypto.
 * Decoders are strict: they reject characters outside the alphabet, padding,
 * and non-zero trailing bits, so every byte string has exactly one encoding.
 */
#include <pthread.h>
#include <string.h>

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

static int b32_val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

long na_b32_decode(uint8_t *out, const char *in, size_t len)
{
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    /* lengths that no whole number of bytes produces are invalid */
    size_t rem = len % 8;
    if (rem == 1 || rem == 3 || rem == 6)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b32_val(in[i]);
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

uint16_t na_crc16(const uint8_t *p, size_t n)
{
    /* CRC-16/XMODEM: poly 0x1021, init 0, no reflection, no final xor */
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

size_t na_b64url_enc_len(size_t n)
{
    return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1;
}

void na_b64url_encode(char *out, const uint8_t *in, size_t n)
{
    sodium_bin2base64(out, na_b64url_enc_len(n) + 1, in, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

long na_b64url_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
    size_t olen = 0;
    const char *end = NULL;
    if (len % 4 == 1)
        return -1;
    if (sodium_base642bin(out, cap, in, len, NULL, &olen, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    if (end != in + len)
        return -1;
    return (long)olen;
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
static void sha_fetch(void) { sha_md = EVP_MD_fetch(NULL, "SHA512-256", NULL); }

int na_sha512_256(uint8_t out[32], const void *in, size_t len)
{
    unsigned int olen = 0;
    pthread_once(&sha_once, sha_fetch);
    if (!sha_md || EVP_Digest(in, len, out, &olen, sha_md, NULL) != 1 || olen != 32)
        return -1;
    return 0;
}
