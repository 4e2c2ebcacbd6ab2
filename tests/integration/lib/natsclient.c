/*
 * natsclient.c - a libnats client for the integration tests. See natsclient.h.
 */
#include "natsclient.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "natsauth/creds.h"
#include "natsauth/err.h"

static natsStatus cb_jwt(char **user_jwt, char **custom_err, void *closure)
{
    tc_client *c = closure;
    (void)custom_err;
    *user_jwt = strdup(c->jwt);
    return *user_jwt ? NATS_OK : NATS_NO_MEMORY;
}

static natsStatus cb_sign(char **custom_err, unsigned char **sig, int *sig_len, const char *nonce,
                          void *closure)
{
    tc_client *c = closure;
    na_err e = {0};
    *sig = malloc(NA_NKEY_SIG_LEN);
    if (!*sig)
        return NATS_NO_MEMORY;
    if (na_nkey_sign(c->key, *sig, nonce, strlen(nonce), &e) != NA_OK) {
        free(*sig);
        *sig = NULL;
        *custom_err = strdup(e.msg);
        return NATS_ERR;
    }
    *sig_len = NA_NKEY_SIG_LEN;
    if ((*sig)[0] == 0) {
        /* libnats < 3.8 would send a CONNECT without "sig" (see
         * natsclient.h): fail this attempt here, tc_connect retries */
        c->zero_sig = true;
        free(*sig);
        *sig = NULL;
        *custom_err = strdup("signature starts with 0x00 (libnats < 3.8 would drop it)");
        return NATS_ERR;
    }
    return NATS_OK;
}

static void cb_async_err(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    tc_client *c = closure;
    const char *t = NULL;
    (void)sub;
    natsConnection_GetLastError(nc, &t);
    pthread_mutex_lock(&c->mu);
    c->async_errs++;
    c->async_st = err;
    snprintf(c->async_text, sizeof c->async_text, "%s", t ? t : "");
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void tc_init(tc_client *c, const ns_server *srv)
{
    memset(c, 0, sizeof *c);
    c->srv = srv;
    c->st = NATS_NOT_YET_CONNECTED;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
}

bool tc_wait_async_errs(tc_client *c, int n)
{
    struct timespec dl;
    bool ok;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += TC_ASYNC_ERR_TIMEOUT_MS / 1000;
    dl.tv_nsec += (long)(TC_ASYNC_ERR_TIMEOUT_MS % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->mu);
    while (c->async_errs < n)
        if (pthread_cond_timedwait(&c->cv, &c->mu, &dl) == ETIMEDOUT)
            break;
    ok = c->async_errs >= n;
    pthread_mutex_unlock(&c->mu);
    return ok;
}

/* Who a connect is as: a creds file libnats reads (creds_path), and/or a
 * user, password or token (each NULL = not sent); c->jwt/c->key when set. */
typedef struct tc_auth {
    const char *creds_path, *user, *password, *token;
} tc_auth;

/* One connect attempt (see tc_connect). */
static natsStatus connect_once(tc_client *c, const tc_auth *a, const char *name)
{
    natsOptions *o = NULL;
    natsStatus s;
    c->err[0] = '\0';
    c->zero_sig = false;
    s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = natsOptions_SetURL(o, c->srv->url);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, name);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, TC_CONNECT_TIMEOUT_MS);
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(o, false);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(o, cb_async_err, c);
    if (s == NATS_OK && c->jwt)
        s = natsOptions_SetUserCredentialsCallbacks(o, cb_jwt, c, cb_sign, c);
    if (s == NATS_OK && a->creds_path)
        s = natsOptions_SetUserCredentialsFromFiles(o, a->creds_path, NULL);
    if (s == NATS_OK && a->user)
        s = natsOptions_SetUserInfo(o, a->user, a->password ? a->password : "");
    if (s == NATS_OK && a->token)
        s = natsOptions_SetToken(o, a->token);
    if (s == NATS_OK)
        s = natsConnection_Connect(&c->nc, o);
    if (s != NATS_OK) {
        const char *t = nats_GetLastError(NULL);
        c->nc = NULL;
        snprintf(c->err, sizeof c->err, "%s: %s", natsStatus_GetText(s), t ? t : "");
    }
    natsOptions_Destroy(o);
    return s;
}

/* Forget the credentials of an earlier connect; take creds_text's (NULL:
 * none). False with c->err set when it does not parse. */
static bool take_creds_text(tc_client *c, const char *creds_text)
{
    char *seed = NULL;
    na_err e = {0};
    na_status ns = NA_OK;
    free(c->jwt);
    c->jwt = NULL;
    na_nkey_destroy(c->key);
    c->key = NULL;
    if (!creds_text)
        return true;
    ns = na_creds_parse(&c->jwt, &seed, creds_text, strlen(creds_text), &e);
    if (ns == NA_OK)
        ns = na_nkey_from_seed(&c->key, seed, strlen(seed), &e);
    na_free_secret(seed);
    if (ns != NA_OK)
        snprintf(c->err, sizeof c->err, "natsauth: %s", e.msg);
    return ns == NA_OK;
}

/* Connect as creds_text and a, retrying only an attempt spoilt by a 0x00
 * nonce signature: seen on our side (creds text) or in the server's log
 * (a creds file libnats signs with). */
static natsStatus connect_retrying(tc_client *c, const char *creds_text, const tc_auth *a,
                                   const char *name)
{
    c->st = NATS_ERR;
    c->err[0] = '\0';
    if (!c->srv) {
        snprintf(c->err, sizeof c->err, "test: no server");
        return c->st;
    }
    if (!take_creds_text(c, creds_text))
        return c->st;
    for (int attempt = 1; attempt <= TC_CONNECT_ATTEMPTS; attempt++) {
        size_t mark = ns_log_size(c->srv);
        c->st = connect_once(c, a, name);
        if (c->st == NATS_OK)
            break;
        if (!c->zero_sig && !ns_wait_log_from(c->srv, mark, "Signature missing", 0))
            break;
        printf("     %s: attempt %d: a nonce signature started with 0x00, which libnats < 3.8 "
               "drops; retrying\n",
               name, attempt);
    }
    return c->st;
}

natsStatus tc_connect(tc_client *c, const char *creds_text, const char *creds_path,
                      const char *name)
{
    if (!creds_text && !creds_path) {
        c->st = NATS_ERR;
        snprintf(c->err, sizeof c->err, "test: no credentials");
        return c->st;
    }
    return connect_retrying(c, creds_text,
                            &(tc_auth){creds_text ? NULL : creds_path, NULL, NULL, NULL}, name);
}

natsStatus tc_connect_auth(tc_client *c, const char *creds_text, const char *user,
                           const char *password, const char *token, const char *name)
{
    return connect_retrying(c, creds_text, &(tc_auth){NULL, user, password, token}, name);
}

natsStatus tc_connect_creds_file(tc_client *c, const char *path, const char *name)
{
    return tc_connect_auth_file(c, path, NULL, NULL, NULL, name);
}

void tc_close(tc_client *c)
{
    if (c->nc) {
        natsConnection_Close(c->nc);
        natsConnection_Destroy(c->nc);
        c->nc = NULL;
    }
    free(c->jwt);
    c->jwt = NULL;
    na_nkey_destroy(c->key);
    c->key = NULL;
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
}

bool tc_round_trip(natsConnection *pub, natsConnection *sub_nc, const char *subj, int timeout_ms,
                   char *why, size_t why_cap)
{
    natsSubscription *sub = NULL;
    natsMsg *m = NULL;
    char payload[300];
    bool ok = false;
    natsStatus s;
    snprintf(payload, sizeof payload, "hello %s", subj);
    s = natsConnection_SubscribeSync(&sub, sub_nc, subj);
    if (s == NATS_OK)
        s = natsConnection_Flush(sub_nc);
    if (s == NATS_OK)
        s = natsConnection_PublishString(pub, subj, payload);
    if (s == NATS_OK)
        s = natsConnection_Flush(pub);
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&m, sub, timeout_ms);
    if (s == NATS_OK)
        ok = natsMsg_GetDataLength(m) == (int)strlen(payload) &&
             memcmp(natsMsg_GetData(m), payload, strlen(payload)) == 0;
    if (why && why_cap) {
        const char *t = nats_GetLastError(NULL);
        if (s != NATS_OK)
            snprintf(why, why_cap, "%s %s", natsStatus_GetText(s), t ? t : "");
        else if (!ok)
            snprintf(why, why_cap, "received another message than '%s'", payload);
        else
            why[0] = '\0';
    }
    natsMsg_Destroy(m);
    natsSubscription_Destroy(sub);
    return ok;
}

bool tc_contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!hay)
        return false;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

char *tc_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (p = malloc((size_t)n + 1)) != NULL) {
        if (fread(p, 1, (size_t)n, f) != (size_t)n) {
            na_wipe(p, (size_t)n); /* may be a creds file */
            free(p);
            p = NULL;
        } else {
            p[n] = '\0';
        }
    }
    fclose(f);
    return p;
}

natsStatus tc_connect_auth_file(tc_client *c, const char *creds_path, const char *user,
                                const char *password, const char *token, const char *name)
{
    char *text = creds_path ? tc_read_file(creds_path) : NULL;
    if (creds_path && !text) {
        c->st = NATS_ERR;
        snprintf(c->err, sizeof c->err, "test: cannot read '%s'", creds_path);
        return c->st;
    }
    tc_connect_auth(c, text, user, password, token, name);
    if (text) {
        na_wipe(text, strlen(text));
        free(text);
    }
    return c->st;
}
