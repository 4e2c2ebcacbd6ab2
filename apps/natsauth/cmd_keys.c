/*
 * cmd_keys.c - `natsauth keys`: generate nkeys/xkeys, derive public keys,
 * sign and verify data, seal and open xkv1 messages.
 *
 * Every verb parses its options into a config struct, checks it, then calls
 * libnatsauth. Seeds come only from files, stdin or env:NAME (cli_load_seed)
 * and are wiped after use; the only verb that prints a seed is `gen`, whose
 * purpose it is.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "util.h"

#define SEED_HELP "seed: a file (bare seed or .creds), - for stdin, or env:NAME"

static int fail(const na_err *err)
{
    cli_err("%s", err->msg);
    return CLI_FAIL;
}

/* ---- keys gen ---- */

enum { GEN_PUB, GEN_OUT };
static const cli_opt gen_opts[] = {
    {"pub", 0, NULL, "print the public key on stdout too (second line)"},
    {"output", 'o', "FILE", "write the seed to a new FILE (mode 0600) and print the public key"},
    {NULL, 0, NULL, NULL},
};

struct gen_cfg {
    na_nkey_type type;
    bool pub_stdout;
    const char *out;
};

static int run_gen(const cli_cmd *cmd, const cli_args *a)
{
    struct gen_cfg cfg = {.pub_stdout = a->set[GEN_PUB], .out = a->val[GEN_OUT]};
    na_err err = {0};
    na_nkey *k = NULL;
    char seed[NA_NKEY_SEED_LEN + 2];
    int rc = CLI_FAIL;

    if (na_nkey_type_parse(&cfg.type, a->pos[0], &err) != NA_OK)
        return cli_usage(cmd, "%s", err.msg);
    if (na_nkey_create(&k, cfg.type, &err) != NA_OK || na_nkey_seed(k, seed, &err) != NA_OK)
        goto out;
    if (cfg.out) {
        size_t n = strlen(seed);
        seed[n] = '\n';
        if (cli_write_file_atomic(cfg.out, seed, n + 1, 0600, false, &err) != NA_OK)
            goto out;
        printf("%s\n", na_nkey_public(k));
    } else {
        printf("%s\n", seed);
        if (cfg.pub_stdout)
            printf("%s\n", na_nkey_public(k));
        else
            fprintf(stderr, "public key: %s\n", na_nkey_public(k));
    }
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        fail(&err);
    na_wipe(seed, sizeof seed);
    na_nkey_destroy(k);
    return rc;
}

/* ---- keys pub ---- */

static int run_pub(const cli_cmd *cmd, const cli_args *a)
{
    const char *src = a->npos ? a->pos[0] : "-";
    na_err err = {0};
    na_nkey *k = NULL;
    (void)cmd;
    if (cli_load_seed(&k, src, &err) != NA_OK)
        return fail(&err);
    printf("%s\n", na_nkey_public(k));
    na_nkey_destroy(k);
    return CLI_OK;
}

/* ---- keys sign ---- */

enum { SIGN_SEED };
static const cli_opt sign_opts[] = {
    {"seed", 0, "FILE", SEED_HELP},
    {NULL, 0, NULL, NULL},
};

struct sign_cfg {
    const char *seed, *data;
};

static int run_sign(const cli_cmd *cmd, const cli_args *a)
{
    struct sign_cfg cfg = {a->val[SIGN_SEED], a->npos ? a->pos[0] : "-"};
    na_err err = {0};
    na_nkey *k = NULL;
    cli_buf data = {0};
    uint8_t sig[NA_NKEY_SIG_LEN];
    char *b64 = NULL;
    int rc = CLI_FAIL;

    if (!cfg.seed)
        return cli_usage(cmd, "--seed is required");
    if (strcmp(cfg.seed, "-") == 0 && strcmp(cfg.data, "-") == 0)
        return cli_usage(cmd, "--seed - and DATA from stdin cannot both read stdin");
    if (cli_load_seed(&k, cfg.seed, &err) != NA_OK || cli_read(&data, cfg.data, CLI_MAX_DATA, &err) != NA_OK)
        goto out;
    if (na_nkey_sign(k, sig, data.p, data.len, &err) != NA_OK) {
        na_err_prefix(&err, "cannot sign");
        goto out;
    }
    b64 = cli_b64_encode(sig, sizeof sig, true);
    if (!b64) {
        na_fail(&err, NA_ENOMEM, "out of memory");
        goto out;
    }
    printf("%s\n", b64);
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        fail(&err);
    free(b64);
    cli_buf_free(&data);
    na_nkey_destroy(k);
    return rc;
}

/* ---- keys verify ---- */

enum { VERIFY_KEY, VERIFY_SIG };
static const cli_opt verify_opts[] = {
    {"key", 0, "PUB", "the signer's public key (O..., A..., U..., N..., C...)"},
    {"sig", 0, "SIG", "the signature, base64url (padding and the standard alphabet are accepted)"},
    {NULL, 0, NULL, NULL},
};

struct verify_cfg {
    const char *key, *sig, *data;
};

static int run_verify(const cli_cmd *cmd, const cli_args *a)
{
    struct verify_cfg cfg = {a->val[VERIFY_KEY], a->val[VERIFY_SIG], a->npos ? a->pos[0] : "-"};
    na_err err = {0};
    cli_buf data = {0};
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    na_nkey *pub = NULL;
    na_status st;
    int rc = CLI_FAIL;

    if (!cfg.key)
        return cli_usage(cmd, "--key is required");
    if (!cfg.sig)
        return cli_usage(cmd, "--sig is required");
    if (na_nkey_from_public(&pub, cfg.key, strlen(cfg.key), &err) != NA_OK) {
        na_err_prefix(&err, "invalid --key");
        goto out;
    }
    if (cli_b64_decode(&sig, &sig_len, cfg.sig, strlen(cfg.sig), &err) != NA_OK) {
        na_err_prefix(&err, "invalid --sig");
        goto out;
    }
    if (sig_len != NA_NKEY_SIG_LEN) {
        na_fail(&err, NA_ELENGTH, "invalid --sig: signature is %zu bytes, want %d", sig_len,
                NA_NKEY_SIG_LEN);
        goto out;
    }
    if (cli_read(&data, cfg.data, CLI_MAX_DATA, &err) != NA_OK)
        goto out;
    st = na_nkey_verify(pub, sig, data.p, data.len, &err);
    if (st == NA_ESIG) {
        na_fail(&err, NA_ESIG, "signature verification failed");
        goto out;
    }
    if (st != NA_OK) {
        na_err_prefix(&err, "cannot verify");
        goto out;
    }
    printf("signature verified\n");
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        fail(&err);
    cli_buf_free(&data);
    free(sig);
    na_nkey_destroy(pub);
    return rc;
}

/* ---- keys seal / open ---- */

enum { XK_SEED, XK_PEER, XK_BASE64 };
static const cli_opt seal_opts[] = {
    {"seed", 0, "FILE", "the sender's curve (SX...) " SEED_HELP},
    {"to", 0, "XPUB", "the recipient's curve public key (X...)"},
    {"base64", 0, NULL, "write standard base64 text instead of raw bytes"},
    {NULL, 0, NULL, NULL},
};
static const cli_opt open_opts[] = {
    {"seed", 0, "FILE", "the recipient's curve (SX...) " SEED_HELP},
    {"from", 0, "XPUB", "the sender's curve public key (X...)"},
    {"base64", 0, NULL, "the input is base64 text (detected anyway when it starts with eGt2M)"},
    {NULL, 0, NULL, NULL},
};

struct xk_cfg {
    const char *seed, *peer, *in;
    bool base64;
};

static int xk_config(const cli_cmd *cmd, const cli_args *a, struct xk_cfg *cfg)
{
    cfg->seed = a->val[XK_SEED];
    cfg->peer = a->val[XK_PEER];
    cfg->in = a->npos ? a->pos[0] : "-";
    cfg->base64 = a->set[XK_BASE64];
    if (!cfg->seed)
        return cli_usage(cmd, "--seed is required");
    if (!cfg->peer)
        return cli_usage(cmd, "--%s is required", cmd->opts[XK_PEER].name);
    if (strcmp(cfg->seed, "-") == 0 && strcmp(cfg->in, "-") == 0)
        return cli_usage(cmd, "--seed - and input from stdin cannot both read stdin");
    return CLI_OK;
}

static int run_seal(const cli_cmd *cmd, const cli_args *a)
{
    struct xk_cfg cfg;
    na_err err = {0};
    na_nkey *k = NULL;
    cli_buf in = {0};
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    char *b64 = NULL;
    int rc = xk_config(cmd, a, &cfg);

    if (rc != CLI_OK)
        return rc;
    rc = CLI_FAIL;
    if (!cfg.base64 && isatty(STDOUT_FILENO)) {
        na_fail(&err, NA_EINVAL, "refusing to write binary to a terminal (use --base64 or "
                                 "redirect stdout)");
        goto out;
    }
    if (cli_load_seed(&k, cfg.seed, &err) != NA_OK || cli_read(&in, cfg.in, CLI_MAX_DATA, &err) != NA_OK)
        goto out;
    if (na_xkey_seal(k, &sealed, &sealed_len, in.p, in.len, cfg.peer, &err) != NA_OK) {
        na_err_prefix(&err, "cannot seal");
        goto out;
    }
    if (cfg.base64) {
        b64 = cli_b64_encode(sealed, sealed_len, false);
        if (!b64) {
            na_fail(&err, NA_ENOMEM, "out of memory");
            goto out;
        }
        printf("%s\n", b64);
    } else {
        cli_out(sealed, sealed_len);
    }
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        fail(&err);
    free(b64);
    na_free(sealed);
    cli_buf_free(&in);
    na_nkey_destroy(k);
    return rc;
}

static bool starts_with(const char *p, size_t n, const char *prefix)
{
    size_t m = strlen(prefix);
    return n >= m && memcmp(p, prefix, m) == 0;
}

static int run_open(const cli_cmd *cmd, const cli_args *a)
{
    struct xk_cfg cfg;
    na_err err = {0};
    na_nkey *k = NULL;
    cli_buf in = {0};
    uint8_t *raw = NULL, *plain = NULL;
    size_t raw_len = 0, plain_len = 0;
    const uint8_t *sealed;
    size_t sealed_len;
    char where[256];
    int rc = xk_config(cmd, a, &cfg);

    if (rc != CLI_OK)
        return rc;
    rc = CLI_FAIL;
    if (cli_load_seed(&k, cfg.seed, &err) != NA_OK ||
        cli_read(&in, cfg.in, CLI_MAX_SEALED_B64, &err) != NA_OK)
        goto out;
    cli_where(cfg.in, where, sizeof where);
    sealed = (const uint8_t *)in.p;
    sealed_len = in.len;
    /* raw input starts with "xkv1"; its base64 form with "eGt2M" */
    if (cfg.base64 || (!starts_with(in.p, in.len, "xkv1") &&
                       starts_with(in.p + strspn(in.p, " \t\r\n"),
                                   in.len - strspn(in.p, " \t\r\n"), "eGt2M"))) {
        if (cli_b64_decode(&raw, &raw_len, in.p, in.len, &err) != NA_OK) {
            na_err_prefix(&err, "cannot open %s", where);
            goto out;
        }
        sealed = raw;
        sealed_len = raw_len;
    }
    if (na_xkey_open(k, &plain, &plain_len, sealed, sealed_len, cfg.peer, &err) != NA_OK) {
        na_err_prefix(&err, "cannot open %s", where);
        goto out;
    }
    cli_out(plain, plain_len);
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        fail(&err);
    if (plain) {
        na_wipe(plain, plain_len);
        na_free(plain);
    }
    free(raw);
    cli_buf_free(&in);
    na_nkey_destroy(k);
    return rc;
}

static const cli_opt no_opts[] = {{NULL, 0, NULL, NULL}};

static const cli_cmd verbs[] = {
    {"gen", "keys gen", "TYPE [--pub] [-o FILE]", "generate a key pair and print its seed",
     "TYPE is operator, account, user, server, cluster or curve (also: xkey, or the\n"
     "prefix letter O, A, U, N, C, X). The seed goes to stdout, or with -o to FILE\n"
     "(which must not exist yet: a key file is never overwritten). The public key\n"
     "goes to stderr, or to stdout with --pub (after the seed) or with -o.\n",
     gen_opts, 1, 1, run_gen},
    {"pub", "keys pub", "[SEEDFILE|-|env:NAME]", "print the public key of a seed",
     "The seed source is a file holding the seed or a .creds file, - for stdin\n"
     "(the default), or env:NAME for the environment variable NAME.\n",
     no_opts, 0, 1, run_pub},
    {"sign", "keys sign", "--seed FILE [DATA|-]", "sign data with an nkey (ed25519)",
     "Signs the raw bytes of DATA (a file, or - for stdin, the default) and prints\n"
     "the signature as base64url without padding.\n",
     sign_opts, 0, 1, run_sign},
    {"verify", "keys verify", "--key PUB --sig SIG [DATA|-]", "verify an ed25519 signature",
     "Checks SIG over the raw bytes of DATA (a file, or - for stdin, the default).\n"
     "Exit 0 if it is valid, 1 with \"signature verification failed\" if not.\n",
     verify_opts, 0, 1, run_verify},
    {"seal", "keys seal", "--seed FILE --to XPUB [--base64] [IN|-]",
     "encrypt data for a curve public key (xkv1)",
     "Encrypts IN (a file, or - for stdin, the default) for XPUB with the sender's\n"
     "curve seed and writes \"xkv1\" | nonce(24) | box: raw bytes, or standard base64\n"
     "text with --base64. Raw output is refused when stdout is a terminal.\n",
     seal_opts, 0, 1, run_seal},
    {"open", "keys open", "--seed FILE --from XPUB [--base64] [IN|-]", "decrypt xkv1 sealed data",
     "Decrypts sealed IN (a file, or - for stdin, the default; raw or base64) sent by\n"
     "XPUB with the recipient's curve seed and writes the plaintext.\n",
     open_opts, 0, 1, run_open},
};

int cmd_keys(int argc, char **argv)
{
    return cli_dispatch("keys", "Generate nkeys and xkeys; sign, verify, seal and open data.",
                        verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
