/*
 * cmd_callout.c - `natsauth callout serve|check|status --config FILE`: the
 * auth callout daemon. It answers nats-server's $SYS.REQ.USER.AUTH
 * requests (natsauth/callout.h does the protocol and the connection) by
 * asking the configured authorizers (src/authz) in order: SKIP goes to the
 * next one, ALLOW grants, DENY refuses; when none matches, the "default"
 * decides (deny, or a default grant).
 *
 * The config file is JSON (docs/callout.md). Checks are strict: an unknown
 * key is an error naming it, seed files must be mode 0600 (a seed readable
 * by others is refused, naming the file), secrets (password, token) come
 * from "env:NAME" or a file, never from the config text. Relative paths are
 * relative to the config file's directory.
 *
 * Signals: SIGHUP, SIGTERM and SIGINT are blocked in every thread (the mask
 * is set before na_callout_start creates any) and the main thread takes
 * them with sigwait, so no work happens in a signal handler. SIGHUP reloads
 * every authorizer (one that fails to reload keeps its old state; the log
 * says why); SIGTERM/SIGINT drain the service and exit 0. A reload holds
 * the authorizers' write lock, decisions the read lock.
 *
 * Log lines (the service's, and ours) go to stderr, one JSON object each;
 * no secret is ever in them. Keys live in na_nkey (sodium_malloc'd, wiped
 * by na_nkey_destroy); the NATS password/token are wiped at exit.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "authz.h"
#include "authz_internal.h"
#include "cmd_store.h"
#include "cmds.h"
#include "natsauth/callout.h"
#include "util.h"

#define CONFIG_MAX (1024u * 1024u)
#define DRAIN_TIMEOUT_MS 5000

#define STATUS_TIMEOUT_MS 3000

/* ---- the loaded config ---------------------------------------------------- */

typedef struct co_account {
    char *name;
    char pub[NA_NKEY_PUBLIC_LEN + 1];
    na_nkey *key;                                /* NULL: signed by the issuer */
    char issuer_account[NA_NKEY_PUBLIC_LEN + 1]; /* key is a signing key of pub */
} co_account;

typedef struct co_conf {
    char path[PATH_MAX];
    char dir[PATH_MAX];
    json_t *root;
    /* nats */
    const char *url, *user;
    char *creds, *tls_ca, *tls_cert, *tls_key; /* resolved paths */
    char *password, *token;                    /* secrets (wiped) */
    const char *name, *queue, *stats_subject;
    /* keys and policy */
    bool operator_mode;
    na_nkey *issuer, *xkey;
    char issuer_account[NA_NKEY_PUBLIC_LEN + 1];
    const char **servers;
    size_t nservers;
    int workers, deadline_ms, max_pending;
    int64_t max_ttl, default_ttl;
    co_account *accounts;
    size_t naccounts;
    na_authz **authz;
    size_t nauthz;
    bool has_default;
    na_authz_spec default_grant;
    const char **allowed; /* config mode: the account names grants may name (NULL: any) */
    size_t nallowed;
    bool allow_callout_account; /* operator mode: grants into the callout account */
    /* serving */
    pthread_mutex_t log_mu;
} co_conf;

static void conf_release(co_conf *c)
{
    for (size_t i = 0; i < c->nauthz; i++)
        na_authz_destroy(c->authz[i]);
    free(c->authz);
    for (size_t i = 0; i < c->naccounts; i++) {
        free(c->accounts[i].name);
        na_nkey_destroy(c->accounts[i].key);
    }
    free(c->accounts);
    free((void *)c->servers);
    free((void *)c->allowed);
    na_nkey_destroy(c->issuer);
    na_nkey_destroy(c->xkey);
    na_free_secret(c->password);
    na_free_secret(c->token);
    free(c->creds);
    free(c->tls_ca);
    free(c->tls_cert);
    free(c->tls_key);
    if (c->has_default)
        na_authz_spec_release(&c->default_grant);
    json_decref(c->root);
    memset(c, 0, sizeof *c);
}

/* ---- small config readers ---------------------------------------------- */

static char *resolve(const co_conf *c, const char *path)
{
    return na_authz_path(path, c->dir);
}

/* A string member; absent is NULL, another type is an error. */
static na_status get_str(const char **out, const json_t *obj, const char *key, const char *what,
                         na_err *err)
{
    return na_authz_opt_str(out, obj, key, what, err);
}

/* A seed file: regular, mode 0600 or stricter, holding a seed of type t. */
static na_status load_seed_file(na_nkey **out, const co_conf *c, const char *file,
                                na_nkey_type t, const char *what, na_err *err)
{
    struct stat sb;
    char *path = resolve(c, file);
    na_status st;
    *out = NULL;
    if (!path)
        return na_fail(err, NA_ENOMEM, "out of memory");
    if (stat(path, &sb) != 0) {
        st = na_fail(err, NA_EIO, "%s: cannot read seed file '%.200s': %s", what, path,
                     cli_errstr(errno));
    } else if (!S_ISREG(sb.st_mode)) {
        st = na_fail(err, NA_EINVAL, "%s: seed file '%.200s' is not a regular file", what, path);
    } else if (sb.st_mode & 077) {
        st = na_fail(err, NA_EINVAL,
                     "%s: seed file '%.200s' is accessible by group or others (mode %04o): "
                     "chmod 600 it",
                     what, path, (unsigned)(sb.st_mode & 07777));
    } else if ((st = cli_load_seed(out, path, err)) != NA_OK) {
        na_err_prefix(err, "%s", what);
    } else if (na_nkey_type_of(*out) != t) {
        st = na_fail(err, NA_EPREFIX, "%s: seed file '%.200s' holds %s key, not %s key", what,
                     path, na_nkey_type_name(na_nkey_type_of(*out)), na_nkey_type_name(t));
        na_nkey_destroy(*out);
        *out = NULL;
    }
    free(path);
    return st;
}

static na_status get_secret(char **out, const json_t *obj, const char *key, const co_conf *c,
                            na_err *err)
{
    const char *spec = NULL;
    na_status st = get_str(&spec, obj, key, "nats", err);
    *out = NULL;
    if (st != NA_OK || !spec)
        return st;
    if ((st = na_authz_read_secret(out, spec, c->dir, err)) != NA_OK)
        na_err_prefix(err, "nats '%s'", key);
    return st;
}

static na_status get_path(char **out, const json_t *obj, const char *key, const char *what,
                          const co_conf *c, na_err *err)
{
    const char *p = NULL;
    na_status st = get_str(&p, obj, key, what, err);
    *out = NULL;
    if (st != NA_OK || !p)
        return st;
    if (!(*out = resolve(c, p)))
        return na_fail(err, NA_ENOMEM, "out of memory");
    return NA_OK;
}

/* "1500ms", "2s" (Go-style, st_parse_nanos) or a number of milliseconds. */
static na_status get_ms(int *out, const json_t *v, const char *what, na_err *err)
{
    int64_t ns = 0;
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= 3600000) {
        *out = (int)json_integer_value(v);
        return NA_OK;
    }
    if (!json_is_string(v) || !st_parse_nanos(json_string_value(v), &ns) ||
        ns < 1000000 || ns > 3600LL * 1000000000)
        return na_fail(err, NA_EINVAL, "'%s' must be a duration like \"1500ms\" or \"2s\"", what);
    *out = (int)(ns / 1000000);
    return NA_OK;
}

static na_status get_int(int *out, const json_t *obj, const char *key, int max, na_err *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return NA_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max)
        return na_fail(err, NA_EINVAL, "'%s' must be a whole number from 1 to %d", key, max);
    *out = (int)json_integer_value(v);
    return NA_OK;
}

/* ---- config sections ---------------------------------------------------- */

static const char *const top_keys[] = {
    "nats",     "mode",    "issuer",      "xkey",        "servers",       "workers",
    "deadline", "max_ttl", "default_ttl", "max_pending", "stats_subject", "name",
    "queue",    "accounts", "authorizers", "default",    "allowed_accounts",
    "allow_callout_account", NULL,
};
static const char *const nats_keys[] = {"url", "creds", "user", "password", "token", "tls", NULL};
static const char *const tls_keys[] = {"ca", "cert", "key", NULL};
static const char *const issuer_keys[] = {"seed_file", "account", NULL};
static const char *const xkey_keys[] = {"seed_file", NULL};
static const char *const account_keys[] = {"public_key", "signing_key_file", NULL};
static const char *const default_keys[] = {"account", "name", "permissions", "tags", "ttl",
                                           NULL};

static na_status parse_nats(co_conf *c, const json_t *n, na_err *err)
{
    const json_t *tls = json_object_get(n, "tls");
    na_status st;
    int ways;
    if (!n)
        return na_fail(err, NA_EINVAL, "'nats' (url and credentials) is required");
    if ((st = na_authz_check_keys(n, nats_keys, "nats", err)) != NA_OK ||
        (st = get_str(&c->url, n, "url", "nats", err)) != NA_OK ||
        (st = get_str(&c->user, n, "user", "nats", err)) != NA_OK ||
        (st = get_path(&c->creds, n, "creds", "nats", c, err)) != NA_OK ||
        (st = get_secret(&c->password, n, "password", c, err)) != NA_OK ||
        (st = get_secret(&c->token, n, "token", c, err)) != NA_OK)
        return st;
    ways = (c->creds != NULL) + (c->user != NULL) + (c->token != NULL);
    if (ways > 1)
        return na_fail(err, NA_EINVAL, "nats: give one of 'creds', 'user' (+ 'password') or "
                                       "'token'");
    if (c->password && !c->user)
        return na_fail(err, NA_EINVAL, "nats: 'password' needs 'user'");
    if (c->user && !c->password)
        return na_fail(err, NA_EINVAL, "nats: 'user' needs 'password' (env:NAME or a file)");
    if (c->creds) {
        struct stat sb;
        if (stat(c->creds, &sb) != 0)
            return na_fail(err, NA_EIO, "nats: cannot read creds file '%.200s': %s", c->creds,
                           cli_errstr(errno));
        if (sb.st_mode & 077)
            return na_fail(err, NA_EINVAL,
                           "nats: creds file '%.200s' is accessible by group or others (mode "
                           "%04o): chmod 600 it",
                           c->creds, (unsigned)(sb.st_mode & 07777));
    }
    if (!tls)
        return NA_OK;
    if ((st = na_authz_check_keys(tls, tls_keys, "nats.tls", err)) != NA_OK ||
        (st = get_path(&c->tls_ca, tls, "ca", "nats.tls", c, err)) != NA_OK ||
        (st = get_path(&c->tls_cert, tls, "cert", "nats.tls", c, err)) != NA_OK ||
        (st = get_path(&c->tls_key, tls, "key", "nats.tls", c, err)) != NA_OK)
        return st;
    if (!c->tls_cert != !c->tls_key)
        return na_fail(err, NA_EINVAL, "nats.tls: 'cert' and 'key' go together");
    return NA_OK;
}

static na_status parse_keys(co_conf *c, const json_t *root, na_err *err)
{
    const json_t *is = json_object_get(root, "issuer"), *xk = json_object_get(root, "xkey");
    const char *seed = NULL, *acct = NULL;
    na_status st;
    if (!is)
        return na_fail(err, NA_EINVAL, "'issuer' (the seed that signs responses) is required");
    if ((st = na_authz_check_keys(is, issuer_keys, "issuer", err)) != NA_OK ||
        (st = get_str(&seed, is, "seed_file", "issuer", err)) != NA_OK ||
        (st = get_str(&acct, is, "account", "issuer", err)) != NA_OK)
        return st;
    if (!seed)
        return na_fail(err, NA_EINVAL, "issuer: 'seed_file' is required");
    if ((st = load_seed_file(&c->issuer, c, seed, NA_NKEY_ACCOUNT, "issuer", err)) != NA_OK)
        return st;
    if (acct) {
        if (!na_nkey_is_public(acct, NA_NKEY_ACCOUNT))
            return na_fail(err, NA_EINVAL, "issuer: 'account' must be an account public key");
        if (!c->operator_mode)
            return na_fail(err, NA_EINVAL, "issuer: 'account' (a signing key's account) is for "
                                           "mode \"operator\"");
        if (strcmp(acct, na_nkey_public(c->issuer)) != 0)
            snprintf(c->issuer_account, sizeof c->issuer_account, "%s", acct);
    }
    if (!xk)
        return NA_OK;
    if ((st = na_authz_check_keys(xk, xkey_keys, "xkey", err)) != NA_OK ||
        (st = get_str(&seed, xk, "seed_file", "xkey", err)) != NA_OK)
        return st;
    if (!seed)
        return na_fail(err, NA_EINVAL, "xkey: 'seed_file' is required");
    return load_seed_file(&c->xkey, c, seed, NA_NKEY_CURVE, "xkey", err);
}

static na_status parse_servers(co_conf *c, const json_t *v, na_err *err)
{
    size_t i;
    json_t *s;
    if (!v)
        return NA_OK;
    if (!json_is_array(v))
        return na_fail(err, NA_EINVAL, "'servers' must be a list of server public keys (N...)");
    if (!(c->servers = calloc(json_array_size(v) + 1, sizeof *c->servers)))
        return na_fail(err, NA_ENOMEM, "out of memory");
    json_array_foreach(v, i, s) {
        const char *k = json_string_value(s);
        if (!k || !na_nkey_is_public(k, NA_NKEY_SERVER))
            return na_fail(err, NA_EINVAL, "servers[%zu] is not a server public key (N...)", i);
        c->servers[c->nservers++] = k;
    }
    return NA_OK;
}

static na_status parse_account(co_account *a, const char *name, const json_t *v,
                               const co_conf *c, na_err *err)
{
    const char *pub = NULL, *seed = NULL;
    char what[300];
    na_status st;
    snprintf(what, sizeof what, "accounts.%.200s", name);
    if ((st = na_authz_check_keys(v, account_keys, what, err)) != NA_OK ||
        (st = get_str(&pub, v, "public_key", what, err)) != NA_OK ||
        (st = get_str(&seed, v, "signing_key_file", what, err)) != NA_OK)
        return st;
    if (!(a->name = strdup(name)))
        return na_fail(err, NA_ENOMEM, "out of memory");
    if (!pub || !na_nkey_is_public(pub, NA_NKEY_ACCOUNT))
        return na_fail(err, NA_EINVAL, "%s: 'public_key' must be an account public key (A...)",
                       what);
    snprintf(a->pub, sizeof a->pub, "%s", pub);
    if (seed) {
        if ((st = load_seed_file(&a->key, c, seed, NA_NKEY_ACCOUNT, what, err)) != NA_OK)
            return st;
        if (strcmp(na_nkey_public(a->key), pub) != 0)
            snprintf(a->issuer_account, sizeof a->issuer_account, "%s", pub);
        return NA_OK;
    }
    /* without a key only the callout account itself can be granted */
    if (strcmp(pub, c->issuer_account[0] ? c->issuer_account : na_nkey_public(c->issuer)) != 0)
        return na_fail(err, NA_EINVAL,
                       "%s: 'signing_key_file' is required (the account is not the callout "
                       "account, whose issuer key signs)",
                       what);
    return NA_OK;
}

/* Where grants may place clients: config mode "allowed_accounts" (names;
 * the server places a callout user in whatever account the user JWT's
 * audience names, so this list is the only fence), operator mode
 * "allow_callout_account" (the server checks allowed_accounts itself). */
static na_status parse_placement(co_conf *c, const json_t *root, na_err *err)
{
    const json_t *v = json_object_get(root, "allowed_accounts");
    const json_t *b = json_object_get(root, "allow_callout_account");
    size_t i;
    json_t *e;
    if (b && !json_is_boolean(b))
        return na_fail(err, NA_EINVAL, "'allow_callout_account' must be true or false");
    c->allow_callout_account = json_is_true(b);
    if (b && !c->operator_mode)
        return na_fail(err, NA_EINVAL, "'allow_callout_account' is for operator mode; config "
                                       "mode uses 'allowed_accounts'");
    if (!v)
        return NA_OK;
    if (c->operator_mode)
        return na_fail(err, NA_EINVAL,
                       "'allowed_accounts' is for config mode; in operator mode the callout "
                       "account's JWT lists them (natsauth account edit --allowed-account)");
    if (!json_is_array(v) || json_array_size(v) == 0)
        return na_fail(err, NA_EINVAL, "'allowed_accounts' must be a non-empty list of names");
    c->allowed = calloc(json_array_size(v), sizeof *c->allowed);
    if (!c->allowed)
        return na_fail(err, NA_ENOMEM, "out of memory");
    json_array_foreach(v, i, e)
    {
        const char *n = json_string_value(e);
        if (!n || !*n)
            return na_fail(err, NA_EINVAL, "'allowed_accounts' entry %zu is not a name", i + 1);
        if (strcmp(n, "$SYS") == 0)
            return na_fail(err, NA_EINVAL, "'allowed_accounts' may not name $SYS");
        c->allowed[c->nallowed++] = n; /* borrowed from c->root */
    }
    return NA_OK;
}

static na_status parse_accounts(co_conf *c, const json_t *v, na_err *err)
{
    const char *name;
    json_t *a;
    if (!v)
        return NA_OK;
    if (!json_is_object(v))
        return na_fail(err, NA_EINVAL, "'accounts' must be an object: name -> {public_key, "
                                       "signing_key_file}");
    if (!c->operator_mode)
        return na_fail(err, NA_EINVAL, "'accounts' maps names to account keys in mode "
                                       "\"operator\"; in mode \"config\" grants name accounts "
                                       "as in the server config");
    if (!(c->accounts = calloc(json_object_size(v) + 1, sizeof *c->accounts)))
        return na_fail(err, NA_ENOMEM, "out of memory");
    json_object_foreach((json_t *)v, name, a) {
        na_status st = parse_account(&c->accounts[c->naccounts++], name, a, c, err);
        if (st != NA_OK)
            return st;
    }
    return NA_OK;
}

static na_status parse_authorizers(co_conf *c, const json_t *v, na_err *err)
{
    size_t i;
    json_t *a;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return na_fail(err, NA_EINVAL, "'authorizers' must be a non-empty list");
    if (!(c->authz = calloc(json_array_size(v), sizeof *c->authz)))
        return na_fail(err, NA_ENOMEM, "out of memory");
    json_array_foreach(v, i, a) {
        const char *type = json_string_value(json_object_get(a, "type"));
        na_status st;
        if (type && strcmp(type, "store") == 0 && !c->operator_mode)
            return na_fail(err, NA_EINVAL,
                           "authorizers[%zu]: the \"store\" authorizer grants the store's "
                           "accounts: it needs mode \"operator\"",
                           i);
        if ((st = na_authz_create(&c->authz[c->nauthz], a, c->dir, err)) != NA_OK) {
            na_err_prefix(err, "authorizers[%zu]", i);
            return st;
        }
        c->nauthz++;
    }
    return NA_OK;
}

static na_status parse_default(co_conf *c, const json_t *v, na_err *err)
{
    na_status st;
    if (!v || (json_is_string(v) && strcmp(json_string_value(v), "deny") == 0))
        return NA_OK;
    if (!json_is_object(v))
        return na_fail(err, NA_EINVAL, "'default' must be \"deny\" or a grant object");
    if ((st = na_authz_check_keys(v, default_keys, "default", err)) != NA_OK ||
        (st = na_authz_spec_parse(&c->default_grant, v, "default", err)) != NA_OK)
        return st;
    c->has_default = true;
    return NA_OK;
}

static na_status parse_policy(co_conf *c, const json_t *root, na_err *err)
{
    json_t *v;
    na_status st;
    c->deadline_ms = 1500;
    c->max_ttl = 3600;
    c->default_ttl = 600;
    if ((st = get_int(&c->workers, root, "workers", 256, err)) != NA_OK ||
        (st = get_int(&c->max_pending, root, "max_pending", 1000000, err)) != NA_OK ||
        (st = get_str(&c->stats_subject, root, "stats_subject", "config", err)) != NA_OK ||
        (st = get_str(&c->name, root, "name", "config", err)) != NA_OK ||
        (st = get_str(&c->queue, root, "queue", "config", err)) != NA_OK)
        return st;
    if ((v = json_object_get(root, "deadline")) && (st = get_ms(&c->deadline_ms, v, "deadline",
                                                                err)) != NA_OK)
        return st;
    if ((v = json_object_get(root, "max_ttl")) &&
        (st = na_authz_parse_duration(&c->max_ttl, v, "max_ttl", err)) != NA_OK)
        return st;
    if ((v = json_object_get(root, "default_ttl")) &&
        (st = na_authz_parse_duration(&c->default_ttl, v, "default_ttl", err)) != NA_OK)
        return st;
    if (c->default_ttl > c->max_ttl)
        return na_fail(err, NA_EINVAL, "'default_ttl' is longer than 'max_ttl'");
    return NA_OK;
}

static na_status parse_mode(co_conf *c, const json_t *root, na_err *err)
{
    const char *mode = NULL;
    na_status st = get_str(&mode, root, "mode", "config", err);
    if (st != NA_OK)
        return st;
    if (!mode || strcmp(mode, "config") == 0)
        c->operator_mode = false;
    else if (strcmp(mode, "operator") == 0)
        c->operator_mode = true;
    else
        return na_fail(err, NA_EINVAL, "'mode' must be \"config\" or \"operator\"");
    return NA_OK;
}

static na_status read_json(co_conf *c, na_err *err)
{
    cli_buf b = {0};
    json_error_t je;
    na_status st = cli_read(&b, c->path, CONFIG_MAX, err);
    if (st != NA_OK)
        return st;
    c->root = json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES, &je);
    cli_buf_free(&b);
    if (!c->root)
        return na_fail(err, NA_EJSON, "config '%.200s': line %d: %.100s", c->path, je.line,
                       je.text);
    if (!json_is_object(c->root))
        return na_fail(err, NA_EJSON, "config '%.200s' must hold a JSON object", c->path);
    return NA_OK;
}

/* Load and check the whole config (authorizers created: their files are
 * read, stores opened). On failure err names the file and the problem. */
static na_status conf_load(co_conf *c, const char *path, na_err *err)
{
    char *slash;
    na_status st;
    memset(c, 0, sizeof *c);
    if (snprintf(c->path, sizeof c->path, "%s", path) >= (int)sizeof c->path)
        return na_fail(err, NA_EINVAL, "config path is too long");
    snprintf(c->dir, sizeof c->dir, "%s", path);
    slash = strrchr(c->dir, '/');
    if (slash)
        *(slash == c->dir ? slash + 1 : slash) = '\0';
    else
        snprintf(c->dir, sizeof c->dir, ".");
    if ((st = read_json(c, err)) != NA_OK)
        return st;
    if ((st = na_authz_check_keys(c->root, top_keys, "config", err)) != NA_OK ||
        (st = parse_mode(c, c->root, err)) != NA_OK ||
        (st = parse_nats(c, json_object_get(c->root, "nats"), err)) != NA_OK ||
        (st = parse_keys(c, c->root, err)) != NA_OK ||
        (st = parse_servers(c, json_object_get(c->root, "servers"), err)) != NA_OK ||
        (st = parse_policy(c, c->root, err)) != NA_OK ||
        (st = parse_accounts(c, json_object_get(c->root, "accounts"), err)) != NA_OK ||
        (st = parse_placement(c, c->root, err)) != NA_OK ||
        (st = parse_default(c, json_object_get(c->root, "default"), err)) != NA_OK ||
        (st = parse_authorizers(c, json_object_get(c->root, "authorizers"), err)) != NA_OK) {
        if (!strstr(err->msg, c->path))
            na_err_prefix(err, "config '%.200s'", c->path);
        return st;
    }
    return NA_OK;
}

/* ---- deciding ------------------------------------------------------------ */

static void log_line(co_conf *c, const char *line)
{
    pthread_mutex_lock(&c->log_mu);
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
    pthread_mutex_unlock(&c->log_mu);
}

static void service_log(void *ud, const char *json_line) { log_line(ud, json_line); }

/* Our own events, as the service's: {"ts":..,"event":..,...}. */
static void log_event(co_conf *c, const char *event, const char *key, const char *val,
                      const char *error)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    fprintf(f, "{\"ts\":%lld,\"event\":", (long long)time(NULL));
    cli_json_str(f, event);
    if (key) {
        fprintf(f, ",\"%s\":", key);
        cli_json_str(f, val);
    }
    if (error) {
        fputs(",\"error\":", f);
        cli_json_str(f, error);
    }
    fputc('}', f);
    fclose(f);
    log_line(c, buf);
    free(buf);
}

static const co_account *find_account(const co_conf *c, const char *name)
{
    for (size_t i = 0; i < c->naccounts; i++)
        if (strcmp(c->accounts[i].name, name) == 0)
            return &c->accounts[i];
    return NULL;
}

/* Config mode: the server puts the client in the account the user JWT's
 * audience names, unchecked, so the daemon is the fence: never $SYS, and
 * only "allowed_accounts" when the config lists them. */
static na_status place_config(const co_conf *c, const na_callout_grant *g, na_err *err)
{
    const char *name = g->account[0] ? g->account : "$G";
    if (strcmp(name, "$SYS") == 0)
        return na_fail(err, NA_EINVAL, "grants into the system account are refused");
    if (!c->allowed)
        return NA_OK;
    for (size_t i = 0; i < c->nallowed; i++)
        if (strcmp(c->allowed[i], name) == 0)
            return NA_OK;
    return na_fail(err, NA_EINVAL, "account '%.100s' is not in the daemon's 'allowed_accounts'",
                   name);
}

/* Operator mode: a grant naming an account by its config name gets that
 * account's public key and signer. A grant into the callout account itself
 * (no account, or its key) is refused unless "allow_callout_account": its
 * users could subscribe to $SYS.REQ.USER.AUTH and read every client's
 * password or token, or answer in the service's place. */
static na_status place_operator(const co_conf *c, na_callout_grant *g, na_err *err)
{
    const co_account *a;
    const char *callout = c->issuer_account[0] ? c->issuer_account : na_nkey_public(c->issuer);
    if (!g->signer && g->account[0] && (a = find_account(c, g->account))) {
        snprintf(g->account, sizeof g->account, "%s", a->pub);
        g->signer = a->key;
        snprintf(g->issuer_account, sizeof g->issuer_account, "%s", a->issuer_account);
    }
    if (!g->account[0] || strcmp(g->account, callout) == 0) {
        if (!c->allow_callout_account)
            return na_fail(err, NA_EINVAL,
                           "grants into the callout account itself are refused (its users could "
                           "read authorization requests); name another account, or set "
                           "\"allow_callout_account\": true");
        return NA_OK;
    }
    if (!g->signer)
        return na_fail(err, NA_ENOTFOUND, "account '%.100s' is not in the daemon's 'accounts'",
                       g->account);
    return NA_OK;
}

static na_status place(const co_conf *c, na_callout_grant *g, na_err *err)
{
    return c->operator_mode ? place_operator(c, g, err) : place_config(c, g, err);
}

static na_status decide(void *ud, const na_authreq *req, na_callout_grant *grant, na_err *err)
{
    co_conf *c = ud;
    na_status st = NA_EINVAL;
    bool matched = false;
    /* no lock: each authorizer swaps its own state on reload (a lock held
     * across a slow webhook call would starve SIGHUP, and SIGTERM with it) */
    for (size_t i = 0; i < c->nauthz && !matched; i++) {
        na_authz_verdict v = na_authz_decide(c->authz[i], req, grant, err);
        if (v == NA_AUTHZ_SKIP)
            continue;
        matched = true;
        if (v == NA_AUTHZ_ALLOW)
            st = place(c, grant, err);
        else
            st = err->code != NA_OK ? err->code : NA_EINVAL;
    }
    if (matched)
        return st;
    if (!c->has_default)
        return na_fail(err, NA_EINVAL, "no authorizer accepted the client");
    if ((st = na_authz_spec_apply(&c->default_grant, grant, (int64_t)time(NULL), err)) != NA_OK)
        return st;
    return place(c, grant, err);
}

/* ---- serve ----------------------------------------------------------------- */

static void fill_opts(na_callout_opts *o, co_conf *c)
{
    memset(o, 0, sizeof *o);
    o->url = c->url;
    o->creds_file = c->creds;
    o->user = c->user;
    o->password = c->password;
    o->token = c->token;
    o->tls_ca = c->tls_ca;
    o->tls_cert = c->tls_cert;
    o->tls_key = c->tls_key;
    o->name = c->name;
    o->queue = c->queue;
    o->workers = c->workers;
    o->deadline_ms = c->deadline_ms;
    o->max_pending = c->max_pending;
    o->stats_subject = c->stats_subject;
    o->conf.issuer = c->issuer;
    o->conf.issuer_account = c->issuer_account[0] ? c->issuer_account : NULL;
    o->conf.operator_mode = c->operator_mode;
    o->conf.xkey = c->xkey;
    o->conf.servers = c->servers;
    o->conf.nservers = c->nservers;
    o->conf.max_ttl = c->max_ttl;
    o->conf.default_ttl = c->default_ttl;
    o->handler = decide;
    o->handler_ud = c;
    o->logger = service_log;
    o->logger_ud = c;
}

static void reload_all(co_conf *c)
{
    for (size_t i = 0; i < c->nauthz; i++) {
        na_err err = {0};
        char idx[32];
        snprintf(idx, sizeof idx, "%zu", i);
        if (na_authz_reload(c->authz[i], &err) == NA_OK)
            log_event(c, "reloaded", "authorizer", na_authz_kind(c->authz[i]), NULL);
        else
            log_event(c, "reload failed (old state kept)", "authorizer",
                      na_authz_kind(c->authz[i]), err.msg);
    }
}

static int serve(co_conf *c)
{
    na_callout_opts o;
    na_callout *svc = NULL;
    na_callout_xcache *xc = NULL;
    na_err err = {0};
    sigset_t set;
    int sig = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* before any thread exists, so every thread inherits the mask */
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
        cli_err("cannot block signals");
        return CLI_FAIL;
    }
    fill_opts(&o, c);
    if (c->xkey && na_callout_xcache_create(&xc, c->xkey, 64, &err) == NA_OK)
        o.conf.xcache = xc;
    if (na_callout_start(&svc, &o, &err) != NA_OK) {
        cli_err("callout serve: %s", err.msg);
        na_callout_xcache_destroy(xc);
        return CLI_FAIL;
    }
    log_event(c, "serving", "config", c->path, NULL);
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload_all(c);
            continue;
        }
        break;
    }
    log_event(c, "stopping", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
    na_callout_stop(svc, DRAIN_TIMEOUT_MS);
    na_callout_xcache_destroy(xc);
    log_event(c, "stopped", NULL, NULL, NULL);
    return CLI_OK;
}

/* ---- check ----------------------------------------------------------------- */

static void print_summary(const co_conf *c)
{
    printf("config '%s' is valid\n", c->path);
    printf("mode: %s\n", c->operator_mode ? "operator" : "config");
    printf("nats: %s as %s\n", c->url ? c->url : "nats://127.0.0.1:4222",
           c->creds ? "the creds file" : c->user ? "user/password" : c->token ? "token"
                                                                                : "no credentials");
    if (c->issuer_account[0])
        printf("issuer: %s (signing key of %s)\n", na_nkey_public(c->issuer), c->issuer_account);
    else
        printf("issuer: %s\n", na_nkey_public(c->issuer));
    printf("xkey: %s\n", c->xkey ? na_nkey_public(c->xkey) : "none (requests are not sealed)");
    printf("servers: %s\n", c->nservers ? "" : "any");
    for (size_t i = 0; i < c->nservers; i++)
        printf("  %s\n", c->servers[i]);
    printf("deadline %d ms, default ttl %llds, max ttl %llds, ", c->deadline_ms,
           (long long)c->default_ttl, (long long)c->max_ttl);
    if (c->workers)
        printf("workers %d\n", c->workers);
    else
        printf("workers auto\n");
    for (size_t i = 0; i < c->naccounts; i++)
        printf("account %s: %s%s\n", c->accounts[i].name, c->accounts[i].pub,
               c->accounts[i].key ? (c->accounts[i].issuer_account[0] ? " (signing key)"
                                                                       : " (account key)")
                                  : " (callout issuer)");
    for (size_t i = 0; i < c->nauthz; i++)
        printf("authorizer %zu: %s\n", i + 1, na_authz_kind(c->authz[i]));
    printf("default: %s\n", c->has_default ? "grant" : "deny");
    if (!c->operator_mode && !c->allowed)
        printf("warning: no 'allowed_accounts': a grant may name any account of the server "
               "(except $SYS), including the callout's own\n");
    for (size_t i = 0; i < c->nallowed; i++)
        printf("allowed account: %s\n", c->allowed[i]);
    if (c->allow_callout_account)
        printf("warning: grants into the callout account itself are allowed\n");
}

/* ---- status ---------------------------------------------------------------- */

static bool status_json; /* --json: print the daemon's answer as it is */

static long long jnum(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* A latency bound in words: microseconds below 1 ms, else milliseconds. */
static void print_bound(long long us)
{
    if (us < 1000)
        printf("%lld us", us);
    else
        printf("%lld ms", us / 1000);
}

/* The counters for people: totals, then the latency histogram (only the
 * buckets that counted something). */
static void print_counters(const json_t *o)
{
    const json_t *lat = json_object_get(o, "latency");
    const json_t *bounds = json_object_get(lat, "bounds_us"), *counts = json_object_get(lat, "counts");
    size_t nb = json_array_size(bounds);
    printf("connected: %s\n", json_is_true(json_object_get(o, "connected")) ? "yes" : "no");
    printf("requests: %lld (allowed %lld, denied %lld, errors %lld, timeouts %lld, dropped %lld)\n",
           jnum(o, "requests"), jnum(o, "allowed"), jnum(o, "denied"), jnum(o, "errors"),
           jnum(o, "timeouts"), jnum(o, "dropped"));
    printf("pending: %lld, workers: %lld, reconnects: %lld\n", jnum(o, "pending"),
           jnum(o, "workers"), jnum(o, "reconnects"));
    printf("latency (received -> answered):\n");
    for (size_t i = 0; i < json_array_size(counts); i++) {
        long long n = (long long)json_integer_value(json_array_get(counts, i));
        if (n == 0)
            continue;
        if (i < nb) {
            printf("  <= ");
            print_bound((long long)json_integer_value(json_array_get(bounds, i)));
        } else {
            printf("  >  ");
            print_bound(nb ? (long long)json_integer_value(json_array_get(bounds, nb - 1)) : 0);
        }
        printf(": %lld\n", n);
    }
}

static int status(co_conf *c)
{
    na_callout_opts o;
    na_err err = {0};
    char *json = NULL;
    json_t *parsed;
    if (!c->stats_subject) {
        cli_err("config '%s' has no 'stats_subject': the daemon publishes no counters",
                c->path);
        return CLI_FAIL;
    }
    fill_opts(&o, c);
    if (na_callout_stats_fetch(&json, &o, STATUS_TIMEOUT_MS, &err) != NA_OK) {
        cli_err("callout status: %s", err.msg);
        return CLI_FAIL;
    }
    if (status_json) {
        cli_outs(json);
        cli_outs("\n");
    } else if ((parsed = json_loads(json, 0, NULL)) != NULL) {
        print_counters(parsed);
        json_decref(parsed);
    } else { /* na_callout_stats_fetch checked it: out of memory */
        cli_err("callout status: cannot read the daemon's answer");
        na_free(json);
        return CLI_FAIL;
    }
    na_free(json);
    return CLI_OK;
}

/* ---- commands ---------------------------------------------------------------- */

enum { O_CONFIG };
static const cli_opt opts[] = {
    {"config", 'c', "FILE", "the daemon's JSON config (docs/callout.md)"},
    {NULL, 0, NULL, NULL},
};
enum { O_STATUS_JSON = 1 };
static const cli_opt status_opts[] = {
    {"config", 'c', "FILE", "the daemon's JSON config (docs/callout.md)"},
    {"json", 0, NULL, "print the counters as the daemon's JSON object"},
    {NULL, 0, NULL, NULL},
};

static int run_with_config(const cli_cmd *cmd, const cli_args *a, int (*fn)(co_conf *))
{
    co_conf c;
    na_err err = {0};
    int rc;
    if (!a->set[O_CONFIG])
        return cli_usage(cmd, "--config FILE is required");
    if (conf_load(&c, a->val[O_CONFIG], &err) != NA_OK) {
        cli_err("%s", err.msg);
        conf_release(&c);
        return CLI_FAIL;
    }
    pthread_mutex_init(&c.log_mu, NULL);
    rc = fn(&c);
    pthread_mutex_destroy(&c.log_mu);
    conf_release(&c);
    return rc;
}

static int check_fn(co_conf *c)
{
    print_summary(c);
    return CLI_OK;
}

static int run_serve(const cli_cmd *cmd, const cli_args *a)
{
    return run_with_config(cmd, a, serve);
}
static int run_check(const cli_cmd *cmd, const cli_args *a)
{
    return run_with_config(cmd, a, check_fn);
}
static int run_status(const cli_cmd *cmd, const cli_args *a)
{
    status_json = a->set[O_STATUS_JSON];
    return run_with_config(cmd, a, status);
}

static const cli_cmd verbs[] = {
    {"serve", "callout serve", "--config FILE", "run the auth callout daemon",
     "Answers nats-server's authorization requests ($SYS.REQ.USER.AUTH) with the\n"
     "configured authorizers, tried in order. Logs one JSON line per decision on\n"
     "stderr. SIGHUP reloads the authorizers (grants files, JWKS, stores); SIGTERM\n"
     "or SIGINT drains and exits 0. See docs/callout.md for the config.\n",
     opts, 0, 0, run_serve},
    {"check", "callout check", "--config FILE", "check a daemon config and summarise it",
     "Reads the config as `serve` would (seed files, secrets, authorizers and\n"
     "their files) without connecting; exit 0 when it is valid, 1 with the\n"
     "problem otherwise.\n",
     opts, 0, 0, run_check},
    {"status", "callout status", "--config FILE [--json]", "print a running daemon's counters",
     "Connects as the config's NATS user and requests 'stats_subject'; prints the\n"
     "counters the daemon answers with (requests and their outcomes, pending\n"
     "requests, workers, reconnects, the latency histogram), or with --json its\n"
     "JSON object as it is.\n",
     status_opts, 0, 0, run_status},
};

int cmd_callout(int argc, char **argv)
{
    return cli_dispatch("callout", "The auth callout daemon: answer nats-server's "
                                   "authorization requests.",
                        verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
