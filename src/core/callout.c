/*
 * callout.c - the decision step of NATS auth callout: open and check one
 * authorization request, expand permission templates, and build the signed
 * (and, when the request was, sealed) authorization response.
 *
 * The rules mirror what nats-server 2.10 (server/auth_callout.go) checks on
 * the answer, so that everything this file produces is accepted as it is or
 * is an explicit error response:
 *  - response: sub = the request's user_nkey, aud = server id, exactly one of
 *    nats.jwt / nats.error, signed by conf->issuer (issuer_account when that
 *    is a signing key); sealed back to the server's xkey iff the request was;
 *  - user JWT, config mode: issuer = auth_callout.issuer, no issuer_account,
 *    aud = target account name; operator mode: signed by the target account
 *    or one of its signing keys (then issuer_account = the account);
 *  - the server refuses a user JWT with any validation issue (warnings too),
 *    so a grant whose user JWT has one becomes an error response here.
 *
 * Invariants: no request goes unanswered (a request that fails to open still
 * yields a partial na_authreq that respond can answer with an error); a grant
 * that cannot be honoured is never widened, it is refused; template values
 * are single subject tokens. The core does no I/O and reads no clock.
 *
 * Cost: one ed25519 verify per request, two signs per answer, one box open
 * and one seal (with the xcache: no scalar multiplication). The request is
 * parsed once; its fields are borrowed from that tree. The user key is
 * checked once per answer; a grant's user template is copied shallowly
 * (only what the answer changes), and the response is built on its tree
 * directly (the user JWT we just wrote needs no UTF-8 check).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "claims_internal.h"
#include "json_internal.h"
#include "natsauth/callout.h"

#define SERVER_ID_MAX 128        /* copies kept from a request that failed */
#define REASON_MAX 256           /* error text in a response, bytes */
#define EXPAND_MAX (16u * 1024u) /* one expanded subject */
#define XCACHE_DEFAULT 64
#define XCACHE_MAX 65536
#define DEFAULT_MAX_TTL 3600
#define DEFAULT_TTL 600

static const char EMPTY[] = "";

/* ---- xcache ---------------------------------------------------------------- */

/* One shared key. refs counts users outside the lock; an entry dropped from
 * the table while in use is freed by its last user. */
typedef struct xentry {
    char peer[NA_NKEY_PUBLIC_LEN + 1];
    na_xkey_shared *shared;
    unsigned refs;
    bool cached;
} xentry;

struct na_callout_xcache {
    pthread_mutex_t mu;
    const na_nkey *xkey; /* borrowed */
    xentry **slots;      /* creation order, a ring */
    size_t max, next;
};

static void xentry_free(xentry *e)
{
    if (!e)
        return;
    na_xkey_shared_destroy(e->shared);
    free(e);
}

na_status na_callout_xcache_create(na_callout_xcache **out, const na_nkey *xkey, size_t max_entries,
                                   na_err *err)
{
    na_callout_xcache *c;
    if (!out)
        return na_fail(err, NA_EINVAL, "output is NULL");
    *out = NULL;
    if (!xkey || na_nkey_type_of(xkey) != NA_NKEY_CURVE || !na_nkey_has_seed(xkey))
        return na_fail(err, NA_EKEYOP, "xcache needs a curve key with its seed (an X... seed)");
    if (max_entries == 0)
        max_entries = XCACHE_DEFAULT;
    if (max_entries > XCACHE_MAX)
        return na_fail(err, NA_EINVAL, "xcache of %zu entries exceeds the maximum of %d",
                       max_entries, XCACHE_MAX);
    c = calloc(1, sizeof *c);
    if (c)
        c->slots = calloc(max_entries, sizeof *c->slots);
    if (!c || !c->slots || pthread_mutex_init(&c->mu, NULL) != 0) {
        if (c)
            free(c->slots);
        free(c);
        return na_fail(err, NA_ENOMEM, "out of memory");
    }
    c->xkey = xkey;
    c->max = max_entries;
    *out = c;
    return NA_OK;
}

void na_callout_xcache_destroy(na_callout_xcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->max; i++)
        xentry_free(c->slots[i]); /* callers are done: no refs remain */
    free(c->slots);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static xentry *xcache_find(na_callout_xcache *c, const char *peer)
{
    for (size_t i = 0; i < c->max; i++) {
        xentry *e = c->slots[i];
        if (e && memcmp(e->peer, peer, NA_NKEY_PUBLIC_LEN) == 0)
            return e;
    }
    return NULL;
}

/* The entry for peer (a valid X... key), made outside the lock when new: the
 * scalar multiplication must not serialise the workers. */
static na_status xcache_acquire(na_callout_xcache *c, const char *peer, xentry **out, na_err *err)
{
    xentry *e, *fresh;
    na_status st;
    pthread_mutex_lock(&c->mu);
    e = xcache_find(c, peer);
    if (e)
        e->refs++;
    pthread_mutex_unlock(&c->mu);
    if (e) {
        *out = e;
        return NA_OK;
    }
    fresh = calloc(1, sizeof *fresh);
    if (!fresh)
        return na_fail(err, NA_ENOMEM, "out of memory");
    memcpy(fresh->peer, peer, NA_NKEY_PUBLIC_LEN);
    st = na_xkey_shared_create(&fresh->shared, c->xkey, peer, err);
    if (st != NA_OK) {
        free(fresh);
        return st;
    }
    pthread_mutex_lock(&c->mu);
    e = xcache_find(c, peer); /* another worker may have won the race */
    if (!e) {
        xentry *victim = c->slots[c->next];
        if (victim) {
            victim->cached = false;
            if (victim->refs == 0)
                xentry_free(victim);
        }
        c->slots[c->next] = fresh;
        c->next = (c->next + 1) % c->max;
        fresh->cached = true;
        e = fresh;
        fresh = NULL;
    }
    e->refs++;
    pthread_mutex_unlock(&c->mu);
    xentry_free(fresh);
    *out = e;
    return NA_OK;
}

static void xcache_release(na_callout_xcache *c, xentry *e)
{
    bool drop;
    if (!e)
        return;
    pthread_mutex_lock(&c->mu);
    drop = --e->refs == 0 && !e->cached;
    pthread_mutex_unlock(&c->mu);
    if (drop)
        xentry_free(e);
}

/* The cache when it belongs to conf->xkey, else NULL (then every box costs a
 * scalar multiplication, but stays correct). */
static na_callout_xcache *conf_cache(const na_callout_conf *conf)
{
    na_callout_xcache *c = conf->xcache;
    if (!c || !conf->xkey)
        return NULL;
    if (c->xkey != conf->xkey && strcmp(na_nkey_public(c->xkey), na_nkey_public(conf->xkey)) != 0)
        return NULL;
    return c;
}

static na_status box_open(const na_callout_conf *conf, uint8_t **out, size_t *out_len,
                          const uint8_t *in, size_t len, const char *peer, na_err *err)
{
    na_callout_xcache *c = conf_cache(conf);
    xentry *e = NULL;
    na_status st;
    if (!c)
        return na_xkey_open(conf->xkey, out, out_len, in, len, peer, err);
    st = xcache_acquire(c, peer, &e, err);
    if (st == NA_OK)
        st = na_xkey_shared_open(e->shared, out, out_len, in, len, err);
    xcache_release(c, e);
    return st;
}

static na_status box_seal(const na_callout_conf *conf, uint8_t **out, size_t *out_len,
                          const void *msg, size_t len, const char *peer, na_err *err)
{
    na_callout_xcache *c = conf_cache(conf);
    xentry *e = NULL;
    na_status st;
    if (!c)
        return na_xkey_seal(conf->xkey, out, out_len, msg, len, peer, err);
    st = xcache_acquire(c, peer, &e, err);
    if (st == NA_OK)
        st = na_xkey_shared_seal(e->shared, out, out_len, msg, len, err);
    xcache_release(c, e);
    return st;
}

/* ---- open ------------------------------------------------------------------ */

/* The public struct first, then what a request that failed keeps by value
 * (it has no trusted claims to borrow from). Only na_callout_open makes one. */
typedef struct authreq_box {
    na_authreq pub;
    char user_nkey[NA_NKEY_PUBLIC_LEN + 1];
    char server_id[SERVER_ID_MAX];
} authreq_box;

static const char *jstr(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : EMPTY;
}

static int64_t jint(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static void fill_fields(na_authreq *r)
{
    const json_t *root = r->claims->root;
    const json_t *n = claims_nats(r->claims);
    const json_t *sid = json_object_get(n, "server_id");
    const json_t *ci = json_object_get(n, "client_info");
    const json_t *co = json_object_get(n, "connect_opts");
    const json_t *tls = json_object_get(n, "client_tls");
    r->server_key = jstr(root, "iss");
    r->account = jstr(root, "sub");
    r->expires = jint(root, "exp");
    r->user_nkey = jstr(n, "user_nkey");
    r->server_id = jstr(sid, "id");
    r->server_name = jstr(sid, "name");
    r->server_host = jstr(sid, "host");
    r->server_version = jstr(sid, "version");
    r->server_cluster = jstr(sid, "cluster");
    r->client_host = jstr(ci, "host");
    r->client_user = jstr(ci, "user");
    r->client_name = jstr(ci, "name");
    r->client_kind = jstr(ci, "kind");
    r->client_type = jstr(ci, "type");
    r->client_name_tag = jstr(ci, "name_tag");
    r->client_mqtt_id = jstr(ci, "mqtt_id");
    r->client_nonce = jstr(ci, "nonce");
    r->client_id = (uint64_t)jint(ci, "id");
    r->jwt = jstr(co, "jwt");
    r->nkey = jstr(co, "nkey");
    r->sig = jstr(co, "sig");
    r->token = jstr(co, "auth_token");
    r->user = jstr(co, "user");
    r->pass = jstr(co, "pass");
    r->name = jstr(co, "name");
    r->lang = jstr(co, "lang");
    r->version = jstr(co, "version");
    r->protocol = jint(co, "protocol");
    r->tls_version = jstr(tls, "version");
    r->tls_cipher = jstr(tls, "cipher");
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* Keep, by value, what an error answer needs from a payload nobody vouched
 * for: a user_nkey only if it is a user key, a server id only if short and
 * printable. */
/* The client's secrets in a request tree (connect_opts pass, auth_token,
 * sig, jwt; client_info.user, which the server fills with the token of a
 * token client) are wiped in place before the tree is freed. */
static void wipe_request_secrets(json_t *root)
{
    static const char *const co_keys[] = {"pass", "auth_token", "sig", "jwt"};
    const json_t *n = json_object_get(root, "nats");
    json_t *co = json_object_get(n, "connect_opts");
    json_t *ci = json_object_get(n, "client_info");
    json_t *v;
    for (size_t i = 0; i < sizeof co_keys / sizeof co_keys[0]; i++)
        if (json_is_string(v = json_object_get(co, co_keys[i])))
            sodium_memzero((char *)json_string_value(v), json_string_length(v));
    if (json_is_string(v = json_object_get(ci, "user")))
        sodium_memzero((char *)json_string_value(v), json_string_length(v));
}

static void salvage_root(authreq_box *b, const json_t *root)
{
    const json_t *n = json_object_get(root, "nats");
    const char *nk = jstr(n, "user_nkey");
    const char *id = jstr(json_object_get(n, "server_id"), "id");
    if (na_nkey_is_public(nk, NA_NKEY_USER))
        memcpy(b->user_nkey, nk, NA_NKEY_PUBLIC_LEN + 1);
    if (strlen(id) < sizeof b->server_id && printable(id))
        strcpy(b->server_id, id);
}

static void salvage_token(authreq_box *b, const char *token, size_t len)
{
    char *payload = NULL;
    json_t *root;
    if (na_jwt_split(NULL, &payload, token, len, NULL) != NA_OK)
        return;
    root = na_json_parse(payload, strlen(payload), NULL, 0);
    if (json_is_object(root))
        salvage_root(b, root);
    if (json_is_object(root))
        wipe_request_secrets(root);
    json_decref(root);
    sodium_memzero(payload, strlen(payload));
    free(payload);
}

static void set_empty(na_authreq *r)
{
    const char **fields[] = {
        &r->server_key,
        &r->server_id,
        &r->server_name,
        &r->server_host,
        &r->server_version,
        &r->server_cluster,
        &r->account,
        &r->user_nkey,
        &r->client_host,
        &r->client_user,
        &r->client_name,
        &r->client_kind,
        &r->client_type,
        &r->client_name_tag,
        &r->client_mqtt_id,
        &r->client_nonce,
        &r->jwt,
        &r->nkey,
        &r->sig,
        &r->token,
        &r->user,
        &r->pass,
        &r->name,
        &r->lang,
        &r->version,
        &r->tls_version,
        &r->tls_cipher,
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        *fields[i] = EMPTY;
}

/* Sealed iff we hold an xkey: an unsealed request to a responder with an
 * xkey is a downgrade, a sealed one to a responder without cannot be read. */
static na_status open_seal(na_authreq *r, uint8_t **plain, size_t *plen, const uint8_t *msg,
                           size_t len, const char *hdr, const na_callout_conf *conf, na_err *err)
{
    bool has_hdr = hdr && *hdr;
    na_status st;
    *plain = NULL;
    *plen = 0;
    if (has_hdr && strlen(hdr) == NA_NKEY_PUBLIC_LEN)
        memcpy(r->peer_xkey, hdr, NA_NKEY_PUBLIC_LEN + 1);
    if (!conf->xkey) {
        if (has_hdr)
            return na_fail(err, NA_EINVAL,
                           "request is sealed (header '%s') but no xkey is configured",
                           NA_CALLOUT_XKEY_HEADER);
        if (len >= 4 && memcmp(msg, "xkv1", 4) == 0)
            return na_fail(err, NA_EINVAL, "request is sealed but no xkey is configured");
        return NA_OK;
    }
    if (!has_hdr)
        return na_fail(err, NA_EINVAL,
                       "unsealed request refused: an xkey is configured and the request has "
                       "no '%s' header",
                       NA_CALLOUT_XKEY_HEADER);
    if (!na_nkey_is_public(hdr, NA_NKEY_CURVE))
        return na_fail(err, NA_EINVAL, "header '%s' is not a curve public key (X...)",
                       NA_CALLOUT_XKEY_HEADER);
    r->sealed = true;
    st = box_open(conf, plain, plen, msg, len, hdr, err);
    if (st != NA_OK)
        na_err_prefix(err, "cannot open the sealed request");
    return st;
}

static bool server_pinned(const na_callout_conf *conf, const char *key)
{
    if (conf->nservers == 0)
        return true;
    for (size_t i = 0; i < conf->nservers; i++)
        if (conf->servers[i] && strcmp(conf->servers[i], key) == 0)
            return true;
    return false;
}

/* The checks on a decoded, signature-verified token. */
static na_status check_request(const na_claims *c, const na_callout_conf *conf, int64_t now,
                               na_err *err)
{
    const json_t *n = claims_nats(c);
    const char *nk = jstr(n, "user_nkey");
    na_issues *iss = NULL;
    na_status st;
    if (c->type != NA_CLAIMS_AUTH_REQUEST)
        return na_fail(err, NA_EINVAL, "not an authorization request (claims of type '%s')",
                       na_claims_type_name(c->type));
    if (!server_pinned(conf, na_claims_issuer(c)))
        return na_fail(err, NA_ECHAIN, "request signed by server '%.60s', which is not pinned",
                       na_claims_issuer(c));
    if (strcmp(na_claims_audience(c), NA_CALLOUT_AUDIENCE) != 0)
        return na_fail(err, NA_EINVAL, "request audience is '%.80s', want '%s'",
                       na_claims_audience(c), NA_CALLOUT_AUDIENCE);
    if (!*nk)
        return na_fail(err, NA_EINVAL, "request has no user_nkey");
    if (!na_nkey_is_public(nk, NA_NKEY_USER))
        return na_fail(err, NA_EINVAL, "request user_nkey '%.60s' is not a user public key", nk);
    if (!*jstr(json_object_get(n, "server_id"), "id"))
        return na_fail(err, NA_EINVAL, "request has no server_id.id");
    st = claims_time_check(c, now, err);
    if (st != NA_OK) {
        na_err_prefix(err, "request");
        return st;
    }
    /* the reference rules (all covered above today; kept as the backstop) */
    st = na_claims_validate(c, now, &iss, err);
    if (st == NA_OK && na_issues_blocking(iss, true)) {
        for (size_t i = 0; i < iss->count; i++)
            if (iss->items[i].blocking || iss->items[i].time_check) {
                st = na_fail(err, NA_EINVALID, "request is not valid: %s",
                             iss->items[i].description);
                break;
            }
    }
    na_issues_destroy(iss);
    return st;
}

na_status na_callout_open(na_authreq **out, const uint8_t *msg, size_t len, const char *xkey_header,
                          const na_callout_conf *conf, int64_t now, na_err *err)
{
    authreq_box *b;
    na_authreq *r;
    uint8_t *plain = NULL;
    size_t plen = 0;
    const char *token;
    size_t tlen;
    na_claims *c = NULL;
    na_status st;

    if (!out)
        return na_fail(err, NA_EINVAL, "output is NULL");
    *out = NULL;
    b = calloc(1, sizeof *b);
    if (!b)
        return na_fail(err, NA_ENOMEM, "out of memory");
    r = &b->pub;
    set_empty(r);
    r->user_nkey = b->user_nkey;
    r->server_id = b->server_id;
    *out = r;
    if (!conf || (!msg && len))
        return na_fail(err, NA_EINVAL, "invalid arguments to na_callout_open");
    if (len == 0)
        return na_fail(err, NA_EINVAL, "request is empty");
    if (len > NA_JWT_MAX_TOKEN + NA_XKEY_OVERHEAD)
        return na_fail(err, NA_ETOOBIG, "request of %zu bytes exceeds the maximum of %u", len,
                       NA_JWT_MAX_TOKEN + NA_XKEY_OVERHEAD);

    st = open_seal(r, &plain, &plen, msg, len, xkey_header, conf, err);
    if (st != NA_OK)
        goto out;
    token = plain ? (const char *)plain : (const char *)msg;
    tlen = plain ? plen : len;
    st = na_jwt_decode(&c, token, tlen, err);
    if (st != NA_OK) {
        na_err_prefix(err, "invalid authorization request");
        salvage_token(b, token, tlen);
        goto out;
    }
    st = check_request(c, conf, now, err);
    if (st != NA_OK) {
        salvage_root(b, c->root);
        goto out;
    }
    r->claims = c;
    c = NULL;
    fill_fields(r);
    r->valid = true;
out:
    if (c)
        wipe_request_secrets(c->root);
    na_claims_destroy(c);
    if (plain) {
        /* the opened JWT carries the client's password or token */
        sodium_memzero(plain, plen);
        free(plain);
    }
    return st;
}

void na_authreq_destroy(na_authreq *r)
{
    if (!r)
        return;
    if (r->claims)
        wipe_request_secrets(r->claims->root);
    na_claims_destroy(r->claims);
    free((authreq_box *)r); /* r is the first member of the box open made */
}

/* ---- grants and templates ---------------------------------------------------- */

void na_callout_grant_init(na_callout_grant *g)
{
    if (g)
        memset(g, 0, sizeof *g);
}

void na_callout_grant_clear(na_callout_grant *g)
{
    if (!g)
        return;
    na_claims_destroy(g->user);
    na_callout_grant_init(g);
}

/* Why v is not one subject token, or NULL if it is. */
static const char *token_flaw(const char *v)
{
    if (!*v)
        return "is empty";
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '.')
            return "contains '.'";
        if (*p == '*' || *p == '>')
            return "contains a wildcard";
        if (*p < 0x20 || *p == 0x7f)
            return "contains a control character";
        if (isspace(*p))
            return "contains whitespace";
    }
    return NULL;
}

static bool array_terminated(const char *a, size_t n)
{
    return memchr(a, '\0', n) != NULL;
}

/* The value V of the one tag "k:V" in the grant's user claims. */
static na_status tag_value(const char **out, const na_callout_grant *g, const char *key,
                           na_err *err)
{
    const json_t *tags = g && g->user ? json_object_get(claims_nats(g->user), "tags") : NULL;
    size_t klen = strlen(key), i, found = 0;
    const json_t *t;
    *out = NULL;
    json_array_foreach(tags, i, t)
    {
        const char *s = json_string_value(t);
        if (s && strncmp(s, key, klen) == 0 && s[klen] == ':') {
            if (found++ == 0)
                *out = s + klen + 1;
        }
    }
    if (found == 0)
        return na_fail(err, NA_EINVAL, "template variable 'tag(%.40s)': no tag '%.40s:...'", key,
                       key);
    if (found > 1)
        return na_fail(err, NA_EINVAL, "template variable 'tag(%.40s)' has %zu values", key, found);
    return NA_OK;
}

/* Resolve the variable inner[0..n) ("name", " tag(k) ", "user()") to its
 * value, checked to be one subject token. */
static na_status variable(const char **out, const char *inner, size_t n, const na_authreq *req,
                          const na_callout_grant *g, const char *account, na_err *err)
{
    char var[64], key[64];
    const char *v = NULL, *flaw;
    size_t len;
    bool is_tag;
    while (n && isspace((unsigned char)*inner))
        inner++, n--;
    while (n && isspace((unsigned char)inner[n - 1]))
        n--;
    if (n == 0 || n >= sizeof var)
        return na_fail(err, NA_EINVAL, "template variable '%.*s' is not known",
                       (int)(n > 40 ? 40 : n), inner);
    memcpy(var, inner, n);
    var[n] = '\0';
    len = n;
    is_tag = len >= 5 && strncmp(var, "tag(", 4) == 0 && var[len - 1] == ')';
    if (!is_tag && len > 2 && strcmp(var + len - 2, "()") == 0)
        var[len -= 2] = '\0'; /* "name()" is "name" */
    if (is_tag) {
        size_t kn = len - 5;
        const char *k = var + 4;
        na_status st;
        while (kn && isspace((unsigned char)*k))
            k++, kn--;
        while (kn && isspace((unsigned char)k[kn - 1]))
            kn--;
        for (size_t i = 0; i < kn; i++)
            key[i] = (char)tolower((unsigned char)k[i]);
        key[kn] = '\0';
        if (!kn)
            return na_fail(err, NA_EINVAL, "template variable 'tag()' names no tag");
        st = tag_value(&v, g, key, err);
        if (st != NA_OK)
            return st;
    } else if (strcmp(var, "name") == 0) {
        v = g ? g->name : EMPTY;
    } else if (strcmp(var, "user") == 0 || strcmp(var, "client_name") == 0) {
        /* connect_opts.user / .name: typed by the client and verified by no
         * one (a token client may send any user name), so a subject built
         * from them would let a client pick another's subjects */
        return na_fail(err, NA_EINVAL,
                       "template variable '%s' is not offered: the client chooses it unchecked; "
                       "use {{name}}, the identity the authorizer verified",
                       var);
    } else if (strcmp(var, "nkey") == 0) {
        v = req->user_nkey;
    } else if (strcmp(var, "account") == 0) {
        v = account;
    } else {
        return na_fail(err, NA_EINVAL, "template variable '%.40s' is not known", var);
    }
    flaw = token_flaw(v ? v : EMPTY);
    if (flaw)
        return na_fail(err, NA_EINVAL,
                       "template variable '%.40s' %s: its value must be one subject token", var,
                       flaw);
    *out = v;
    return NA_OK;
}

static na_status expand_with(char **out, const char *tmpl, const na_authreq *req,
                             const na_callout_grant *g, const char *account, na_err *err)
{
    const char *p = tmpl, *s;
    na_buf b;
    na_status st = NA_OK;
    na_buf_init(&b, EXPAND_MAX);
    while ((s = strstr(p, "{{")) != NULL) {
        const char *e = strstr(s + 2, "}}"), *v = NULL;
        if (!e) {
            st = na_fail(err, NA_EINVAL, "template '%.100s' has '{{' without '}}'", tmpl);
            goto out;
        }
        st = variable(&v, s + 2, (size_t)(e - s - 2), req, g, account, err);
        if (st != NA_OK)
            goto out;
        na_buf_put(&b, p, (size_t)(s - p));
        na_buf_puts(&b, v);
        p = e + 2;
    }
    na_buf_puts(&b, p);
    if (!na_buf_ok(&b)) {
        st = na_fail(err, b.failed && b.len < b.max ? NA_ENOMEM : NA_ETOOBIG,
                     "expanded template is too large (max %u bytes)", EXPAND_MAX);
        goto out;
    }
    *out = na_buf_take(&b);
    if (!*out)
        st = na_fail(err, NA_ENOMEM, "out of memory");
out:
    na_buf_release(&b);
    return st;
}

na_status na_callout_expand(char **out, const char *tmpl, const na_authreq *req,
                            const na_callout_grant *g, na_err *err)
{
    const char *account = "$G";
    if (!out)
        return na_fail(err, NA_EINVAL, "output is NULL");
    *out = NULL;
    if (!tmpl || !req)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_callout_expand");
    if (g && !array_terminated(g->account, sizeof g->account))
        return na_fail(err, NA_EINVAL, "grant account is not terminated");
    if (g && !array_terminated(g->name, sizeof g->name))
        return na_fail(err, NA_EINVAL, "grant name is not terminated");
    if (g && g->account[0])
        account = g->account;
    return expand_with(out, tmpl, req, g, account, err);
}

/* ---- respond ----------------------------------------------------------------- */

/* What the user JWT will say about its issuer and placement. */
typedef struct placement {
    const na_nkey *signer;
    const char *account;        /* {{account}}; config mode also the audience */
    const char *aud;            /* NULL in operator mode */
    const char *issuer_account; /* "" when the signer is the account itself */
} placement;

static const char *callout_account(const na_callout_conf *conf)
{
    return conf->issuer_account && *conf->issuer_account ? conf->issuer_account
                                                         : na_nkey_public(conf->issuer);
}

static na_status place_config(placement *pl, const na_callout_conf *conf, const na_callout_grant *g,
                              na_err *err)
{
    if (g->signer && strcmp(na_nkey_public(g->signer), na_nkey_public(conf->issuer)) != 0)
        return na_fail(err, NA_ECHAIN,
                       "config mode: the user JWT must be signed by the auth_callout issuer "
                       "'%s', not '%s'",
                       na_nkey_public(conf->issuer), na_nkey_public(g->signer));
    if (g->issuer_account[0] || (conf->issuer_account && *conf->issuer_account))
        return na_fail(err, NA_ECHAIN,
                       "config mode: the user JWT cannot carry issuer_account (the server "
                       "wants the auth_callout issuer key itself)");
    if (!printable(g->account))
        return na_fail(err, NA_EINVAL, "grant account name contains a control character");
    for (const char *p = g->account; *p; p++)
        if (isspace((unsigned char)*p))
            return na_fail(err, NA_EINVAL, "grant account name '%.80s' contains whitespace",
                           g->account);
    pl->signer = conf->issuer;
    pl->account = g->account[0] ? g->account : "$G";
    pl->aud = pl->account;
    pl->issuer_account = EMPTY;
    return NA_OK;
}

static na_status place_operator(placement *pl, const na_callout_conf *conf,
                                const na_callout_grant *g, na_err *err)
{
    const char *callout = callout_account(conf);
    const char *target = g->account[0] ? g->account : callout;
    const char *spub;
    if (!na_nkey_is_public(target, NA_NKEY_ACCOUNT))
        return na_fail(err, NA_EINVAL,
                       "operator mode: grant account '%.80s' is not an account public key", target);
    if (!g->signer && strcmp(target, callout) != 0)
        return na_fail(err, NA_ECHAIN,
                       "operator mode: account '%s' is not the callout account: the grant "
                       "needs a signer of that account",
                       target);
    pl->signer = g->signer ? g->signer : conf->issuer;
    spub = na_nkey_public(pl->signer);
    pl->account = target;
    pl->aud = NULL;
    pl->issuer_account = strcmp(spub, target) == 0 ? EMPTY : target;
    if (g->issuer_account[0] && strcmp(g->issuer_account, target) != 0)
        return na_fail(err, NA_ECHAIN,
                       "grant issuer_account '%.60s' is not the target account '%s'",
                       g->issuer_account, target);
    return NA_OK;
}

/* Expand the templates of one permission list in place. */
static na_status expand_list(json_t *list, const na_authreq *req, const na_callout_grant *g,
                             const char *account, na_err *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        char *x = NULL;
        json_t *nv;
        na_status st;
        if (!s || !strstr(s, "{{"))
            continue;
        st = expand_with(&x, s, req, g, account, err);
        if (st != NA_OK)
            return st;
        nv = json_string(x);
        free(x);
        if (!nv || json_array_set_new(list, i, nv) != 0)
            return na_fail(err, NA_ENOMEM, "cannot store an expanded subject");
    }
    return NA_OK;
}

static bool has_template(const json_t *list)
{
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        if (s && strstr(s, "{{"))
            return true;
    }
    return false;
}

/* Replace obj[key] (an object or array shared with the grant's template) by
 * a shallow copy of its own, which this answer may change. */
static json_t *own_copy(json_t *obj, const char *key, json_t *shared)
{
    json_t *mine = json_copy(shared);
    if (!mine || json_object_set_new(obj, key, mine) != 0)
        return NULL;
    return mine;
}

/* Expand the permission lists of u's "nats" (an object u owns). A list with
 * a template, and its pub/sub object, are copied first: the rest of the
 * tree may be shared with the grant's template, which stays unchanged. */
static na_status expand_permissions(na_claims *u, const na_authreq *req, const na_callout_grant *g,
                                    const char *account, na_err *err)
{
    static const char *const dirs[] = {"pub", "sub"}, *const kinds[] = {"allow", "deny"};
    json_t *n = claims_nats(u);
    for (size_t d = 0; d < 2; d++) {
        json_t *dir = json_object_get(n, dirs[d]);
        bool owned = false;
        for (size_t k = 0; k < 2; k++) {
            json_t *list = json_object_get(dir, kinds[k]);
            na_status st;
            if (!json_is_array(list) || !has_template(list))
                continue;
            if (!owned && !(dir = own_copy(n, dirs[d], dir)))
                return na_fail(err, NA_ENOMEM, "out of memory");
            owned = true;
            if (!(list = own_copy(dir, kinds[k], list)))
                return na_fail(err, NA_ENOMEM, "out of memory");
            st = expand_list(list, req, g, account, err);
            if (st != NA_OK)
                return st;
        }
    }
    return NA_OK;
}

static int64_t user_expiry(const na_callout_conf *conf, const na_callout_grant *g, int64_t now)
{
    int64_t max_ttl = conf->max_ttl > 0 ? conf->max_ttl : DEFAULT_MAX_TTL;
    int64_t def_ttl = conf->default_ttl > 0 ? conf->default_ttl : DEFAULT_TTL;
    int64_t exp = g->expires > 0 ? g->expires : now + def_ttl;
    return exp > now + max_ttl ? now + max_ttl : exp;
}

/* The server refuses a user JWT with any issue, warnings included. */
static na_status check_user(const na_claims *u, int64_t now, na_err *err)
{
    na_issues *iss = NULL;
    na_status st = na_claims_validate(u, now, &iss, err);
    if (st == NA_OK && iss->count > 0)
        st = na_fail(err, NA_EINVALID, "the user JWT would be refused: %s",
                     iss->items[0].description);
    na_issues_destroy(iss);
    return st;
}

/* obj[key] = v, or no key when v is NULL or "". What na_claims_set_str and
 * na_claims_unset do for a string field, without the path walk and schema
 * lookup (every field set here is a string field of the user schema). */
static na_status set_or_unset(json_t *obj, const char *key, const char *path, const char *v,
                              na_err *err)
{
    json_t *s;
    if (!v || !*v) {
        json_object_del(obj, key);
        return NA_OK;
    }
    s = json_string(v);
    if (!s)
        return na_fail(err, NA_EINVAL, "value for '%.100s' is not valid (UTF-8 required)", path);
    if (json_object_set_new(obj, key, s) != 0)
        return na_fail(err, NA_ENOMEM, "out of memory");
    return NA_OK;
}

/* The user claims for one answer from the grant's template, for subject
 * user_nkey (a checked user key). Only the root and "nats" are copied
 * (shallow): the permission lists a template expands are copied when they
 * are (expand_permissions); everything else is shared, read-only, with the
 * template, so a grant's template costs no deep copy per answer (jansson's
 * reference counts are atomic: a template shared by threads stays safe). */
static na_status user_from_template(na_claims **out, const na_claims *tmpl, const char *user_nkey,
                                    na_err *err)
{
    na_claims *u = calloc(1, sizeof *u);
    json_t *root = json_copy(tmpl->root), *nats = json_object_get(tmpl->root, "nats");
    json_t *sub = json_string_nocheck(user_nkey);
    *out = NULL;
    if (!u || !root || !sub || (json_is_object(nats) && !own_copy(root, "nats", nats)) ||
        json_object_set_new(root, "sub", sub) != 0) {
        free(u);
        json_decref(root);
        return na_fail(err, NA_ENOMEM, "out of memory");
    }
    u->type = NA_CLAIMS_USER;
    u->root = root;
    memcpy(u->sub_ok, user_nkey, NA_NKEY_PUBLIC_LEN + 1); /* encode need not decode it again */
    *out = u;
    return NA_OK;
}

/* Sets the user JWT's fields from the placement and the grant. */
static na_status user_fields(na_claims *u, const placement *pl, const na_callout_conf *conf,
                             const na_callout_grant *g, int64_t now, na_err *err)
{
    json_t *root = u->root, *nats = claims_nats(u), *exp;
    na_status st = set_or_unset(root, "name", "name", g->name, err);
    if (st == NA_OK)
        st = set_or_unset(root, "aud", "aud", pl->aud, err);
    if (st == NA_OK && *pl->issuer_account && !json_is_object(nats)) {
        nats = json_object();
        if (!nats || json_object_set_new(root, "nats", nats) != 0)
            return na_fail(err, NA_ENOMEM, "out of memory");
    }
    if (st == NA_OK && json_is_object(nats))
        st = set_or_unset(nats, "issuer_account", "nats.issuer_account", pl->issuer_account,
                          err);
    if (st != NA_OK)
        return st;
    exp = json_integer(user_expiry(conf, g, now));
    if (!exp || json_object_set_new(root, "exp", exp) != 0)
        return na_fail(err, NA_ENOMEM, "out of memory");
    return NA_OK;
}

/* The user JWT for req->user_nkey from grant g (new token, na_free).
 * user_ok: req->user_nkey is a user public key (checked by the caller). */
static na_status user_jwt(char **out, const na_authreq *req, bool user_ok,
                          const na_callout_conf *conf, int64_t now, const na_callout_grant *g,
                          na_err *err)
{
    placement pl = {0};
    na_claims *u = NULL;
    na_status st;
    *out = NULL;
    if (!array_terminated(g->account, sizeof g->account) ||
        !array_terminated(g->name, sizeof g->name) ||
        !array_terminated(g->issuer_account, sizeof g->issuer_account))
        return na_fail(err, NA_EINVAL, "grant has a string that is not terminated");
    if (!user_ok)
        return na_fail(err, NA_EINVAL, "request user_nkey is not a user public key");
    if (g->signer &&
        (na_nkey_type_of(g->signer) != NA_NKEY_ACCOUNT || !na_nkey_has_seed(g->signer)))
        return na_fail(err, NA_EKEYOP,
                       "grant signer must be an account key or signing key with its seed, "
                       "not a %s key",
                       na_nkey_type_name(na_nkey_type_of(g->signer)));
    if (g->user && na_claims_type_of(g->user) != NA_CLAIMS_USER)
        return na_fail(err, NA_EINVAL, "grant user template has type '%s', want 'user'",
                       na_claims_type_name(na_claims_type_of(g->user)));
    if (g->expires < 0 || (g->expires > 0 && g->expires <= now))
        return na_fail(err, NA_EEXPIRED, "grant expires at %lld, not after now (%lld)",
                       (long long)g->expires, (long long)now);
    st = conf->operator_mode ? place_operator(&pl, conf, g, err) : place_config(&pl, conf, g, err);
    if (st != NA_OK)
        return st;

    st = g->user ? user_from_template(&u, g->user, req->user_nkey, err)
                 : na_claims_create(&u, NA_CLAIMS_USER, req->user_nkey, err);
    if (st == NA_OK)
        st = user_fields(u, &pl, conf, g, now, err);
    if (st == NA_OK)
        st = expand_permissions(u, req, g, pl.account, err);
    if (st == NA_OK)
        st = check_user(u, now, err);
    if (st == NA_OK)
        st = na_claims_encode(u, out, pl.signer, now, err);
    na_claims_destroy(u);
    return st;
}

/* Control characters (and bytes that are not UTF-8) become '?'; at most
 * REASON_MAX bytes, cut on a character boundary. */
static void sanitize_reason(char out[REASON_MAX + 1], const char *in)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        size_t n = *p < 0x80             ? 1
                   : (*p & 0xe0) == 0xc0 ? 2
                   : (*p & 0xf0) == 0xe0 ? 3
                   : (*p & 0xf8) == 0xf0 ? 4
                                         : 0;
        size_t have = 0;
        while (have < n && p[have])
            have++;
        if (n == 0 || have < n || !na_utf8_valid((const char *)p, n) ||
            (n == 1 && (*p < 0x20 || *p == 0x7f))) {
            if (o + 1 > REASON_MAX)
                break;
            out[o++] = '?';
            p += n && have ? have : 1;
            continue;
        }
        if (o + n > REASON_MAX)
            break;
        memcpy(out + o, p, n);
        o += n;
        p += n;
    }
    out[o] = '\0';
}

static na_status check_conf(const na_callout_conf *conf, na_err *err)
{
    if (!conf->issuer || !na_nkey_has_seed(conf->issuer) ||
        na_nkey_type_of(conf->issuer) != NA_NKEY_ACCOUNT)
        return na_fail(err, NA_EKEYOP,
                       "callout issuer must be an account key (or signing key) with its seed");
    if (conf->issuer_account && *conf->issuer_account &&
        !na_nkey_is_public(conf->issuer_account, NA_NKEY_ACCOUNT))
        return na_fail(err, NA_EINVAL,
                       "callout issuer_account '%.60s' is not an account public key",
                       conf->issuer_account);
    return NA_OK;
}

/* obj[key] = a new string v; v known to be UTF-8 when trusted (a token we
 * wrote), else checked the way na_claims_set_str does. */
static na_status put_str(json_t *obj, const char *key, const char *path, const char *v,
                         bool trusted, na_err *err)
{
    json_t *s = trusted ? json_string_nocheck(v) : json_string(v);
    if (!s)
        return na_fail(err, NA_EINVAL, "value for '%.100s' is not valid (UTF-8 required)", path);
    if (json_object_set_new(obj, key, s) != 0)
        return na_fail(err, NA_ENOMEM, "out of memory");
    return NA_OK;
}

/* The signed response token (new, na_free) carrying jwt or error. Fields
 * are set on the tree directly: all are strings of the response schema.
 * user_ok: req->user_nkey is a user public key. */
static na_status response_token(char **out, const na_authreq *req, bool user_ok,
                                const na_callout_conf *conf, int64_t now, const char *jwt,
                                const char *error, na_err *err)
{
    na_claims *c = NULL;
    na_nkey *fresh = NULL;
    const char *sub = req->user_nkey;
    na_status st = NA_OK;
    *out = NULL;
    if (!user_ok) {
        /* the server matches the subject against the key it made; with no
         * readable one, any user key carries the error just as well */
        st = na_nkey_create(&fresh, NA_NKEY_USER, err);
        sub = fresh ? na_nkey_public(fresh) : NULL;
    }
    if (st == NA_OK)
        st = na_claims_create(&c, NA_CLAIMS_AUTH_RESPONSE, sub, err);
    if (st == NA_OK && req->server_id && *req->server_id)
        st = put_str(c->root, "aud", "aud", req->server_id, false, err);
    if (st == NA_OK)
        st = jwt ? put_str(claims_nats(c), "jwt", "nats.jwt", jwt, true, err)
                 : put_str(claims_nats(c), "error", "nats.error", error, false, err);
    if (st == NA_OK && conf->issuer_account && *conf->issuer_account)
        st = put_str(claims_nats(c), "issuer_account", "nats.issuer_account",
                     conf->issuer_account, false, err);
    if (st == NA_OK)
        st = na_claims_encode(c, out, conf->issuer, now, err);
    na_claims_destroy(c);
    na_nkey_destroy(fresh);
    return st;
}

/* Sealed iff the request was; a request that failed to open is answered
 * sealed when its header named a curve key we can seal to. */
static bool answer_sealed(const na_authreq *req, const na_callout_conf *conf)
{
    if (req->sealed)
        return true;
    return !req->valid && conf->xkey && na_nkey_is_public(req->peer_xkey, NA_NKEY_CURVE);
}

na_status na_callout_respond(uint8_t **out, size_t *out_len, const na_authreq *req,
                             const na_callout_conf *conf, int64_t now,
                             const na_callout_grant *grant, const char *reason, bool *denied,
                             na_err *err)
{
    char *ujwt = NULL, *tok = NULL;
    char text[REASON_MAX + 1];
    bool refused = true, user_ok;
    na_status st;

    if (denied)
        *denied = false;
    if (!out || !out_len)
        return na_fail(err, NA_EINVAL, "output is NULL");
    *out = NULL;
    *out_len = 0;
    if (!req || !conf)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_callout_respond");
    st = check_conf(conf, err);
    if (st != NA_OK)
        return st;
    if (answer_sealed(req, conf) && !conf->xkey)
        return na_fail(err, NA_EINVAL, "the request was sealed but no xkey is configured");

    /* one check of the user key serves the user JWT and the response */
    user_ok = req->user_nkey && na_nkey_is_public(req->user_nkey, NA_NKEY_USER);
    if (grant && req->valid) {
        na_err gerr = {0};
        if (user_jwt(&ujwt, req, user_ok, conf, now, grant, &gerr) == NA_OK) {
            refused = false;
        } else if (err) {
            *err = gerr; /* the answer says only "not authorized"; the why is local */
        }
    }
    if (refused) {
        sanitize_reason(text, reason ? reason : EMPTY);
        if (!text[0]) /* Go refuses a response with neither jwt nor error */
            strcpy(text, "not authorized");
    }
    st = response_token(&tok, req, user_ok, conf, now, ujwt, refused ? text : NULL, err);
    if (st != NA_OK)
        goto out;
    if (answer_sealed(req, conf)) {
        st = box_seal(conf, out, out_len, tok, strlen(tok), req->peer_xkey, err);
        if (st != NA_OK) {
            na_err_prefix(err, "cannot seal the response");
            goto out;
        }
    } else {
        *out_len = strlen(tok);
        *out = (uint8_t *)tok;
        tok = NULL;
    }
    if (denied)
        *denied = refused;
out:
    free(ujwt);
    free(tok);
    return st;
}
