/*
 * libnats.c - libnats loaded on first use, and the connect as a user whose
 * seed stays in natsauth (with or without a user name, password or token);
 * shared by push.c and connect.c (see libnats.h).
 */
#include "libnats.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- libnats, loaded on first use ----------------------------------------------------- */

#ifndef NATSAUTH_LIBNATS_SONAME
#define NATSAUTH_LIBNATS_SONAME "libnats.so"
#endif

na_nl_api na_nl;
static bool nl_loaded;
static char nl_error[256];
static pthread_once_t nl_once = PTHREAD_ONCE_INIT;

static void nl_load_once(void)
{
    static const char *const names[] = {NATSAUTH_LIBNATS_SONAME, "libnats.so"};
    void *h = NULL;
    const char *missing = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(nl_error, sizeof nl_error,
                 "cannot load libnats (%s): %s; install it (Debian: libnats-dev)",
                 NATSAUTH_LIBNATS_SONAME, e ? e : "not found");
        return;
    }
    /* memcpy: ISO C has no object-to-function pointer conversion */
#define NL_SYM(f)                                                                                  \
    {                                                                                              \
        void *p = dlsym(h, #f);                                                                    \
        if (!p && !missing)                                                                        \
            missing = #f;                                                                          \
        memcpy(&na_nl.f, &p, sizeof p);                                                            \
    }
    NA_NL_FUNCS(NL_SYM)
#undef NL_SYM
    if (missing) {
        snprintf(nl_error, sizeof nl_error, "the libnats found (%s) has no %s",
                 NATSAUTH_LIBNATS_SONAME, missing);
        memset(&na_nl, 0, sizeof na_nl); /* all or nothing */
        return; /* the handle stays open: nothing to gain from closing it */
    }
    nl_loaded = true;
}

na_status na_nl_load(na_err *err)
{
    pthread_once(&nl_once, nl_load_once);
    return nl_loaded ? NA_OK : na_fail(err, NA_ENOTFOUND, "%s", nl_error);
}

void na_nl_shutdown(int timeout_ms)
{
    if (nl_loaded)
        na_nl.nats_CloseAndWait(timeout_ms > 0 ? timeout_ms : 1);
}

/* ---- text ------------------------------------------------------------------------------ */

void na_nl_clean_copy(char *out, size_t cap, const char *s)
{
    size_t j = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; s && s[i] && j + 1 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[j++] = ch == '\n' ? ' ' : (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    out[j] = '\0';
}

const char *na_nl_last_error(void)
{
    const char *t = na_nl.nats_GetLastError(NULL);
    const char *rest = t && t[0] == '(' ? strstr(t, "): ") : NULL;
    if (rest)
        return rest + 3;
    return t ? t : "";
}

/* ---- where to connect --------------------------------------------------------------------- */

natsStatus na_nl_set_url(natsOptions *no, const char *url)
{
    char *copy, *save = NULL, *tok;
    const char **list;
    size_t n = 1;
    natsStatus ns;
    if (!strchr(url, ','))
        return na_nl.natsOptions_SetURL(no, url);
    for (const char *p = url; *p; p++)
        n += *p == ',';
    copy = strdup(url);
    list = calloc(n, sizeof *list);
    n = 0;
    if (copy && list)
        for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
            list[n++] = tok;
    ns = !copy || !list ? NATS_NO_MEMORY
         : n == 0       ? NATS_INVALID_ARG
                        : na_nl.natsOptions_SetServers(no, list, (int)n);
    free(list);
    free(copy);
    return ns;
}

/* ---- connect as a user ------------------------------------------------------------------ */

void na_nl_ident_release(na_nl_ident *id)
{
    na_free(id->jwt);
    na_nkey_destroy(id->key);
    memset(id, 0, sizeof *id);
}

static natsStatus cb_jwt(char **user_jwt, char **custom_err, void *closure)
{
    na_nl_ident *id = closure;
    (void)custom_err;
    *user_jwt = strdup(id->jwt);
    return *user_jwt ? NATS_OK : NATS_NO_MEMORY;
}

/* Sign the server's nonce; a signature starting with 0x00 fails the attempt
 * (see na_nl_connect). */
static natsStatus cb_sign(char **custom_err, unsigned char **sig, int *sig_len, const char *nonce,
                          void *closure)
{
    na_nl_ident *id = closure;
    na_err e = {0};
    *sig = malloc(NA_NKEY_SIG_LEN);
    if (!*sig)
        return NATS_NO_MEMORY;
    if (na_nkey_sign(id->key, *sig, nonce, strlen(nonce), &e) != NA_OK) {
        free(*sig);
        *sig = NULL;
        *custom_err = strdup(e.msg);
        return NATS_ERR;
    }
    *sig_len = NA_NKEY_SIG_LEN;
    if ((*sig)[0] == 0) {
        id->zero_sig = true;
        free(*sig);
        *sig = NULL;
        *custom_err = strdup("nonce signature starts with 0x00 (libnats < 3.8 would drop it)");
        return NATS_ERR;
    }
    return NATS_OK;
}

static natsStatus connect_once(natsConnection **nc, na_nl_ident *id, const na_nl_login *login,
                               const char *url, const char *name, int timeout_ms)
{
    natsOptions *o = NULL;
    natsStatus ns = na_nl.natsOptions_Create(&o);
    if (id)
        id->zero_sig = false;
    if (ns == NATS_OK)
        ns = na_nl_set_url(o, url);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetName(o, name);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetTimeout(o, timeout_ms);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetAllowReconnect(o, false);
    if (ns == NATS_OK && id)
        ns = na_nl.natsOptions_SetUserCredentialsCallbacks(o, cb_jwt, id, cb_sign, id);
    if (ns == NATS_OK && login && login->user)
        ns = na_nl.natsOptions_SetUserInfo(o, login->user, login->password ? login->password : "");
    if (ns == NATS_OK && login && login->token)
        ns = na_nl.natsOptions_SetToken(o, login->token);
    if (ns == NATS_OK)
        ns = na_nl.natsConnection_Connect(nc, o);
    na_nl.natsOptions_Destroy(o);
    return ns;
}

natsStatus na_nl_connect(natsConnection **nc, na_nl_ident *id, const na_nl_login *login,
                         const char *url, const char *name, int timeout_ms)
{
    natsStatus ns = NATS_ERR;
    *nc = NULL;
    for (int attempt = 1; attempt <= NA_NL_CONNECT_ATTEMPTS; attempt++) {
        ns = connect_once(nc, id, login, url, name, timeout_ms);
        if (ns == NATS_OK || !id || !id->zero_sig)
            break;
    }
    if (ns != NATS_OK)
        *nc = NULL;
    return ns;
}
