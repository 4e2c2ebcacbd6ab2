/*
 * fuzz_xkey_open.c - na_xkey_open with a fixed recipient and sender.
 *
 * Keys: recipient = curve key from raw 00..1f, sender = curve key from
 * 32 x 0x44 (test-only, as in tests/vectors/go xkey/44-to-00-1f).
 *
 * Properties: opening random bytes fails with NA_EDECRYPT (or NA_ETOOBIG)
 * and leaves the outputs empty; if it succeeds the input must be a real box,
 * i.e. re-sealing the plaintext with the input's nonce reproduces the input
 * byte for byte. The precomputed-key path must agree with na_xkey_open.
 */
#include "fuzz_common.h"

static na_nkey *recipient, *sender;
static na_xkey_shared *shared;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = (uint8_t *)1, *out2 = NULL;
    size_t out_len = 1, out2_len = 0;
    na_err err = {0};
    na_status st, st2;

    if (!recipient) {
        recipient = fuzz_key(NA_NKEY_CURVE, -1);
        sender = fuzz_key(NA_NKEY_CURVE, 0x44);
        FUZZ_CHECK(na_xkey_shared_create(&shared, recipient, na_nkey_public(sender), NULL) ==
                   NA_OK);
    }

    st = na_xkey_open(recipient, &out, &out_len, data, size, na_nkey_public(sender), &err);
    st2 = na_xkey_shared_open(shared, &out2, &out2_len, data, size, NULL);
    FUZZ_CHECK(st == st2);
    if (st != NA_OK) {
        FUZZ_CHECK(st == NA_EDECRYPT || st == NA_ETOOBIG);
        FUZZ_CHECK(out == NULL && out_len == 0 && out2 == NULL);
        FUZZ_CHECK(err.code == st && err.msg[0]);
        return 0;
    }
    /* success: it has to be a genuine box from sender to recipient */
    FUZZ_CHECK(size >= NA_XKEY_OVERHEAD && out_len == size - NA_XKEY_OVERHEAD);
    FUZZ_CHECK(out[out_len] == 0);
    FUZZ_CHECK(out2_len == out_len && memcmp(out, out2, out_len) == 0);
    {
        uint8_t *again = NULL;
        size_t again_len = 0;
        FUZZ_CHECK(na_xkey_seal_with_nonce(sender, &again, &again_len, out, out_len,
                                           na_nkey_public(recipient), data + 4, &err) == NA_OK);
        FUZZ_CHECK(again_len == size && memcmp(again, data, size) == 0);
        na_free(again);
    }
    na_free(out);
    na_free(out2);
    return 0;
}
