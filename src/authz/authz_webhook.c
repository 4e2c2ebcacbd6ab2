/*
 * authz_webhook.c - the "webhook" authorizer: each request is POSTed as
 * JSON to an HTTP(S) endpoint, whose JSON answer allows, denies or skips.
 *
 * libcurl is opened with dlopen (NATSAUTH_LIBCURL_SONAME) when the first
 * webhook authorizer is created, so no other natsauth command loads it (nor
 * the TLS stack behind it); curl_global_init runs once (pthread_once). Each
 * decision uses its own easy handle, so calls on several workers share
 * nothing but the read-only header list.
 *
 * Fail closed: a transport error, a timeout, an HTTP status other than 200,
 * an answer over 64 KiB or an answer that is not the documented JSON is
 * DENY. Reasons never carry the URL (it may hold credentials), the headers
 * or the connect options. Redirects are not followed, only http and https
 * are spoken, and proxies from the environment are not used (the endpoint
 * sees passwords and tokens: they go where the URL says and nowhere else).
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "../core/internal.h"
#include "authz_internal.h"

#ifndef NATSAUTH_LIBCURL_SONAME
#define NATSAUTH_LIBCURL_SONAME "libcurl.so.4"
#endif

#define ANSWER_MAX (64u * 1024u)
#define TIMEOUT_DEFAULT_MS 1000
#define TIMEOUT_MAX_MS 60000
#define REASON_MAX 200

/* ---- libcurl, loaded at run time ----------------------------------------- */

static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} cu;
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static char cu_error[200]; /* "" when libcurl is ready */

static void cu_load(void)
{
    void *h = dlopen(NATSAUTH_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    const char *missing = NULL;
    if (!h) {
        snprintf(cu_error, sizeof cu_error, "cannot load libcurl (%s); install libcurl4",
                 NATSAUTH_LIBCURL_SONAME);
        return;
    }
#define CU_SYM(field, name)                                                                        \
    do {                                                                                           \
        void *p = dlsym(h, name);                                                                  \
        if (!p && !missing)                                                                        \
            missing = name;                                                                        \
        memcpy(&cu.field, &p, sizeof p);                                                           \
    } while (0)
    CU_SYM(global_init, "curl_global_init");
    CU_SYM(easy_init, "curl_easy_init");
    CU_SYM(easy_setopt, "curl_easy_setopt");
    CU_SYM(easy_perform, "curl_easy_perform");
    CU_SYM(easy_getinfo, "curl_easy_getinfo");
    CU_SYM(easy_cleanup, "curl_easy_cleanup");
    CU_SYM(easy_strerror, "curl_easy_strerror");
    CU_SYM(slist_append, "curl_slist_append");
    CU_SYM(slist_free_all, "curl_slist_free_all");
#undef CU_SYM
    if (missing) {
        snprintf(cu_error, sizeof cu_error, "libcurl (%s) lacks %s", NATSAUTH_LIBCURL_SONAME,
                 missing);
        return; /* the handle stays open: harmless, and dlclose is not worth a race */
    }
    if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        snprintf(cu_error, sizeof cu_error, "libcurl does not start (curl_global_init)");
}

static na_status cu_ready(na_err *err)
{
    pthread_once(&cu_once, cu_load);
    if (cu_error[0])
        return na_fail(err, NA_EIO, "webhook authorizer: %s", cu_error);
    return NA_OK;
}

/* ---- the authorizer -------------------------------------------------------- */

typedef struct webhook_authz {
    na_authz base;
    char *url;
    long timeout_ms;
    /* "Name: value" lines; values may be secrets. Built once, shared read
     * only by every call, wiped in destroy. libcurl's per-request copy (the
     * request text it sends) is freed by libcurl without a wipe. */
    struct curl_slist *headers;
} webhook_authz;

typedef struct answer {
    char *p;
    size_t len;
    bool too_big;
} answer;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    answer *a = ud;
    size_t add = size * n;
    char *grown;
    if (add > ANSWER_MAX - a->len) {
        a->too_big = true;
        return 0; /* makes curl_easy_perform fail with CURLE_WRITE_ERROR */
    }
    grown = realloc(a->p, a->len + add + 1);
    if (!grown)
        return 0;
    a->p = grown;
    memcpy(a->p + a->len, data, add);
    a->len += add;
    a->p[a->len] = '\0';
    return add;
}

static void put_str(json_t *obj, const char *key, const char *v)
{
    if (v && *v)
        json_object_set_new(obj, key, json_string(v));
}

/* The request as documented in authz.h: connect_opts carries the client's
 * secrets, so the text is wiped after the call. */
static char *request_body(const na_authreq *r)
{
    json_t *root = json_object(), *server = json_object(), *client = json_object(),
           *opts = json_object(), *tls = json_object();
    char *text = NULL;
    if (!root || !server || !client || !opts || !tls)
        goto out;
    put_str(server, "id", r->server_id);
    put_str(server, "name", r->server_name);
    put_str(server, "host", r->server_host);
    put_str(server, "version", r->server_version);
    put_str(server, "cluster", r->server_cluster);
    put_str(client, "host", r->client_host);
    if (r->client_id)
        json_object_set_new(client, "id", json_integer((json_int_t)r->client_id));
    put_str(client, "user", r->client_user);
    put_str(client, "name", r->client_name);
    put_str(client, "kind", r->client_kind);
    put_str(client, "type", r->client_type);
    put_str(client, "name_tag", r->client_name_tag);
    put_str(client, "mqtt_id", r->client_mqtt_id);
    put_str(opts, "jwt", r->jwt);
    put_str(opts, "nkey", r->nkey);
    put_str(opts, "auth_token", r->token);
    put_str(opts, "user", r->user);
    put_str(opts, "pass", r->pass);
    put_str(opts, "name", r->name);
    put_str(opts, "lang", r->lang);
    put_str(opts, "version", r->version);
    if (r->protocol)
        json_object_set_new(opts, "protocol", json_integer(r->protocol));
    put_str(tls, "version", r->tls_version);
    put_str(tls, "cipher", r->tls_cipher);
    put_str(root, "user_nkey", r->user_nkey);
    json_object_set(root, "server", server);
    json_object_set(root, "client_info", client);
    json_object_set(root, "connect_opts", opts);
    if (json_object_size(tls))
        json_object_set(root, "client_tls", tls);
    text = json_dumps(root, JSON_COMPACT);
out:
    /* jansson's copies of the password and token are freed without a wipe:
     * its allocator is global and not ours to replace in a library */
    json_decref(tls);
    json_decref(opts);
    json_decref(client);
    json_decref(server);
    json_decref(root);
    return text;
}

/* POST body; *status and the answer on success, else err (no secrets). */
static na_status post(const webhook_authz *w, const char *body, long *status, answer *ans,
                      na_err *err)
{
    CURL *h = cu.easy_init();
    CURLcode rc;
    if (!h)
        return na_fail(err, NA_ENOMEM, "webhook: cannot create a curl handle");
    cu.easy_setopt(h, CURLOPT_URL, w->url);
    cu.easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* we run on worker threads */
    cu.easy_setopt(h, CURLOPT_TIMEOUT_MS, w->timeout_ms);
    cu.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, w->timeout_ms);
    cu.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    cu.easy_setopt(h, CURLOPT_PROXY, ""); /* "" = never a proxy, whatever the environment */
    cu.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"); /* ignored by libcurl < 7.85 */
    cu.easy_setopt(h, CURLOPT_HTTPHEADER, w->headers);
    cu.easy_setopt(h, CURLOPT_POSTFIELDS, body);
    cu.easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    cu.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    cu.easy_setopt(h, CURLOPT_WRITEDATA, ans);
    rc = cu.easy_perform(h);
    if (rc == CURLE_OK)
        cu.easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    cu.easy_cleanup(h);
    if (ans->too_big)
        return na_fail(err, NA_ETOOBIG, "webhook answer is larger than %u bytes", ANSWER_MAX);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return na_fail(err, NA_ETIMEOUT, "webhook did not answer within %ld ms", w->timeout_ms);
    if (rc != CURLE_OK) {
        na_fail(err, NA_ENET, "webhook call failed: %s", cu.easy_strerror(rc));
        if (err)
            err->sub = (int)rc;
        return NA_ENET;
    }
    return NA_OK;
}

static na_authz_verdict read_answer(const char *text, size_t len, na_callout_grant *grant,
                                    na_err *err)
{
    static const char *const keys[] = {"allow",       "skip", "reason", "account", "name",
                                       "permissions", "tags", "ttl",    "expires", NULL};
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), *allow, *skip;
    na_authz_spec spec;
    na_authz_verdict v = NA_AUTHZ_DENY;
    if (!root || !json_is_object(root)) {
        na_fail(err, NA_EJSON, "webhook answer is not a JSON object");
        goto out;
    }
    if (na_authz_check_keys(root, keys, "webhook answer", err) != NA_OK)
        goto out;
    allow = json_object_get(root, "allow");
    skip = json_object_get(root, "skip");
    if ((allow && !json_is_boolean(allow)) || (skip && !json_is_boolean(skip)) ||
        (json_is_true(skip) && allow) || (!allow && !json_is_true(skip))) {
        na_fail(err, NA_ESCHEMA, "webhook answer needs \"allow\": true/false or \"skip\": true");
        goto out;
    }
    if (json_is_true(skip)) {
        v = NA_AUTHZ_SKIP;
    } else if (json_is_false(allow)) {
        const char *reason = json_string_value(json_object_get(root, "reason"));
        char clean[REASON_MAX];
        na_authz_clean(clean, sizeof clean, reason && *reason ? reason : "denied by webhook");
        na_fail(err, NA_EINVAL, "%s", clean);
    } else if (na_authz_spec_parse(&spec, root, "webhook answer", err) == NA_OK) {
        if (na_authz_spec_apply(&spec, grant, (int64_t)time(NULL), err) == NA_OK)
            v = NA_AUTHZ_ALLOW;
        na_authz_spec_release(&spec);
    }
out:
    json_decref(root);
    return v;
}

static na_authz_verdict webhook_decide(na_authz *a, const na_authreq *req, na_callout_grant *grant,
                                       na_err *err)
{
    webhook_authz *w = (webhook_authz *)a;
    char *body = request_body(req);
    answer ans = {NULL, 0, false};
    long status = 0;
    na_authz_verdict v = NA_AUTHZ_DENY;
    if (!body) {
        na_fail(err, NA_ENOMEM, "webhook: out of memory");
        return NA_AUTHZ_DENY;
    }
    if (post(w, body, &status, &ans, err) != NA_OK)
        goto out;
    if (status != 200) {
        na_fail(err, NA_ENET, "webhook answered HTTP %ld", status);
        goto out;
    }
    v = read_answer(ans.p ? ans.p : "", ans.len, grant, err);
out:
    na_free_secret(body);
    if (ans.p) {
        sodium_memzero(ans.p, ans.len);
        free(ans.p);
    }
    return v;
}

static void webhook_destroy(na_authz *a)
{
    webhook_authz *w = (webhook_authz *)a;
    for (struct curl_slist *l = w->headers; l; l = l->next)
        if (l->data)
            sodium_memzero(l->data, strlen(l->data));
    if (w->headers)
        cu.slist_free_all(w->headers);
    free(w->url);
    free(w);
}

static const na_authz_ops webhook_ops = {"webhook", webhook_decide, NULL, webhook_destroy};

static bool header_name_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *s)))
            return false;
    return true;
}

static bool header_value_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t')
            return false;
    return true;
}

static na_status add_header(webhook_authz *w, const char *line, na_err *err)
{
    struct curl_slist *l = cu.slist_append(w->headers, line);
    if (!l)
        return na_fail(err, NA_ENOMEM, "webhook authorizer: out of memory");
    w->headers = l;
    return NA_OK;
}

static na_status configure_headers(webhook_authz *w, const json_t *hdrs, na_err *err)
{
    const char *name;
    json_t *v;
    na_status st;
    if ((st = add_header(w, "Content-Type: application/json", err)) != NA_OK ||
        (st = add_header(w, "Accept: application/json", err)) != NA_OK ||
        (st = add_header(w, "Expect:", err)) != NA_OK) /* no 100-continue round trip */
        return st;
    if (!hdrs)
        return NA_OK;
    if (!json_is_object(hdrs))
        return na_fail(err, NA_EINVAL, "webhook authorizer: 'headers' must be an object");
    json_object_foreach((json_t *)hdrs, name, v)
    {
        const char *spec = json_string_value(v);
        char *value = NULL, *line = NULL;
        size_t n;
        char clean[64];
        na_authz_clean(clean, sizeof clean, name);
        if (!header_name_ok(name))
            return na_fail(err, NA_EINVAL, "webhook authorizer: bad header name '%s'", clean);
        if (!spec)
            return na_fail(err, NA_EINVAL, "webhook authorizer: header '%s' must be a string",
                           clean);
        if (strncmp(spec, "env:", 4) == 0) {
            if ((st = na_authz_read_secret(&value, spec, NULL, err)) != NA_OK) {
                na_err_prefix(err, "webhook authorizer: header '%s'", clean);
                return st;
            }
        } else if (!(value = strdup(spec))) {
            return na_fail(err, NA_ENOMEM, "webhook authorizer: out of memory");
        }
        n = strlen(name) + strlen(value) + 3;
        if (!header_value_ok(value))
            st = na_fail(err, NA_EINVAL, "webhook authorizer: header '%s' has a control character",
                         clean);
        else if (!(line = malloc(n)))
            st = na_fail(err, NA_ENOMEM, "webhook authorizer: out of memory");
        else {
            snprintf(line, n, "%s: %s", name, value);
            st = add_header(w, line, err);
        }
        na_free_secret(line);
        na_free_secret(value);
        if (st != NA_OK)
            return st;
    }
    return NA_OK;
}

/* The host of an http URL (after "http://") is 127.0.0.1, [::1] or localhost. */
static bool loopback_url(const char *hostpart)
{
    static const char *const hosts[] = {"127.0.0.1", "[::1]", "localhost"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t n = strlen(hosts[i]);
        if (strncasecmp(hostpart, hosts[i], n) == 0 &&
            (hostpart[n] == '\0' || hostpart[n] == ':' || hostpart[n] == '/'))
            return true;
    }
    return false;
}

na_status na_authz_webhook_create(na_authz **out, const json_t *cfg, const char *base_dir,
                                  na_err *err)
{
    static const char *const keys[] = {"type",    "url", "timeout_ms", "headers",
                                       "allow_plain_http", NULL};
    const char *url;
    json_t *t;
    webhook_authz *w = NULL;
    na_status st;
    (void)base_dir;
    *out = NULL;
    if ((st = na_authz_check_keys(cfg, keys, "webhook authorizer", err)) != NA_OK ||
        (st = na_authz_opt_str(&url, cfg, "url", "webhook authorizer", err)) != NA_OK)
        return st;
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return na_fail(err, NA_EINVAL, "webhook authorizer: needs an http:// or https:// 'url'");
    t = json_object_get(cfg, "allow_plain_http");
    if (t && !json_is_boolean(t))
        return na_fail(err, NA_EINVAL, "webhook authorizer: 'allow_plain_http' must be true or false");
    if (strncmp(url, "http://", 7) == 0 && !loopback_url(url + 7) && !json_is_true(t))
        /* the body carries the client's password or token */
        return na_fail(err, NA_EINVAL,
                       "webhook authorizer: plain http:// to a host other than localhost sends "
                       "passwords and tokens in clear: use https:// (or set "
                       "\"allow_plain_http\": true)");
    t = json_object_get(cfg, "timeout_ms");
    if (t && (!json_is_integer(t) || json_integer_value(t) < 1 ||
              json_integer_value(t) > TIMEOUT_MAX_MS))
        return na_fail(err, NA_EINVAL, "webhook authorizer: 'timeout_ms' must be 1..%d",
                       TIMEOUT_MAX_MS);
    if ((st = cu_ready(err)) != NA_OK)
        return st;
    if (!na_crypto_init())
        return na_fail(err, NA_ENOMEM, "webhook authorizer: libsodium cannot start");
    w = calloc(1, sizeof *w);
    if (!w || !(w->url = strdup(url))) {
        free(w);
        return na_fail(err, NA_ENOMEM, "webhook authorizer: out of memory");
    }
    w->base.ops = &webhook_ops;
    w->timeout_ms = t ? (long)json_integer_value(t) : TIMEOUT_DEFAULT_MS;
    if ((st = configure_headers(w, json_object_get(cfg, "headers"), err)) != NA_OK) {
        webhook_destroy(&w->base);
        return st;
    }
    *out = &w->base;
    return NA_OK;
}
