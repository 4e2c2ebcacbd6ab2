/*
 * authz.c - the authorizer front: creation by "type", dispatch of decide /
 * reload / kind / destroy, and the helpers every authorizer shares
 * (permissions JSON -> user claims, durations, secrets, config checks,
 * bounded file reads, the common grant fields).
 *
 * Invariants: a decide that does not ALLOW leaves the grant empty (so a
 * half-filled grant is never honoured) and a DENY always carries a reason.
 * Nothing here reads connect options or logs: secrets pass through only
 * na_authz_read_secret, whose buffers the caller wipes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "authz_internal.h"
#include "natsauth/jwt.h"

#define SECRET_MAX (64u * 1024u)
#define DURATION_MAX (100LL * 366 * 24 * 3600) /* a century is "forever" enough */

/* The subject of grant->user is ignored by na_callout_respond (the user JWT
 * is always for the request's user nkey); any valid user key will do. */
static const char placeholder_user[] = "UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47";

/* ---- dispatch ------------------------------------------------------------ */

typedef na_status (*create_fn)(na_authz **out, const json_t *cfg, const char *base_dir,
                               na_err *err);

static const struct {
    const char *type;
    create_fn create;
} kinds[] = {
    {"file", na_authz_file_create},
    {"jwt", na_authz_jwt_create},
    {"webhook", na_authz_webhook_create},
    {"store", na_authz_store_create},
};

na_status na_authz_create(na_authz **out, const json_t *cfg, const char *base_dir, na_err *err)
{
    const char *type;
    char clean[64];
    if (!out)
        return na_fail(err, NA_EINVAL, "authorizer: no output");
    *out = NULL;
    if (!json_is_object(cfg))
        return na_fail(err, NA_EINVAL, "authorizer config must be an object");
    type = json_string_value(json_object_get(cfg, "type"));
    if (!type)
        return na_fail(err, NA_EINVAL, "authorizer config needs a string 'type'");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].type, type) == 0)
            return kinds[i].create(out, cfg, base_dir, err);
    na_authz_clean(clean, sizeof clean, type);
    return na_fail(err, NA_EINVAL, "unknown authorizer type '%s' (file, jwt, webhook or store)",
                   clean);
}

na_authz_verdict na_authz_decide(na_authz *a, const na_authreq *req, na_callout_grant *grant,
                                 na_err *err)
{
    na_authz_verdict v;
    if (!a || !req || !grant) {
        na_fail(err, NA_EINVAL, "authorizer: missing argument");
        return NA_AUTHZ_DENY;
    }
    if (err) {
        err->code = NA_OK;
        err->sub = 0;
        err->msg[0] = '\0';
    }
    v = a->ops->decide(a, req, grant, err);
    if (v != NA_AUTHZ_ALLOW && v != NA_AUTHZ_SKIP)
        v = NA_AUTHZ_DENY;
    if (v != NA_AUTHZ_ALLOW)
        na_authz_grant_reset(grant);
    if (v == NA_AUTHZ_DENY && err && err->code == NA_OK)
        na_fail(err, NA_EINVAL, "%s: not authorized", a->ops->kind);
    return v;
}

na_status na_authz_reload(na_authz *a, na_err *err)
{
    if (!a)
        return na_fail(err, NA_EINVAL, "authorizer: missing argument");
    return a->ops->reload ? a->ops->reload(a, err) : NA_OK;
}

const char *na_authz_kind(const na_authz *a)
{
    return a ? a->ops->kind : "";
}

void na_authz_destroy(na_authz *a)
{
    if (a)
        a->ops->destroy(a);
}

/* ---- permissions JSON -> user claims -------------------------------------- */

/* The user JWT "nats" fields an authorizer may set. Not issuer_account,
 * type or version (the responder owns those) nor bearer_token/proxy_required
 * (meaningless for a client that is already connected). */
static const char *const perm_fields[] = {
    "pub",
    "sub",
    "resp",
    "src",
    "times",
    "times_location",
    "subs",
    "data",
    "payload",
    "tags",
    "allowed_connection_types",
    NULL,
};

/* The claims schema keeps fields it does not know (for round trips), so
 * the keys of the nested objects are checked here: a misspelt "alow" must
 * be an error, not a silently empty allow list. */
static na_status check_nested(const char *key, const json_t *v, na_err *err)
{
    static const char *const perm_keys[] = {"allow", "deny", NULL};
    static const char *const resp_keys[] = {"max", "ttl", NULL};
    static const char *const time_keys[] = {"start", "end", NULL};
    char what[48];
    size_t i;
    json_t *t;
    snprintf(what, sizeof what, "permissions field '%s'", key);
    if ((strcmp(key, "pub") == 0 || strcmp(key, "sub") == 0) && json_is_object(v))
        return na_authz_check_keys(v, perm_keys, what, err);
    if (strcmp(key, "resp") == 0 && json_is_object(v))
        return na_authz_check_keys(v, resp_keys, what, err);
    if (strcmp(key, "times") == 0 && json_is_array(v))
        json_array_foreach(v, i, t)
        {
            if (json_is_object(t) && na_authz_check_keys(t, time_keys, what, err) != NA_OK)
                return NA_EINVAL;
        }
    return NA_OK;
}

static na_status ensure_user(na_callout_grant *grant, na_err *err)
{
    if (grant->user)
        return NA_OK;
    return na_claims_create(&grant->user, NA_CLAIMS_USER, placeholder_user, err);
}

static na_status add_tags(na_claims *user, const json_t *tags, const char *what, na_err *err)
{
    size_t i;
    json_t *t;
    if (!json_is_array(tags))
        return na_fail(err, NA_ESCHEMA, "%s 'tags' must be a list of strings", what);
    json_array_foreach(tags, i, t)
    {
        na_status st;
        if (!json_is_string(t))
            return na_fail(err, NA_ESCHEMA, "%s 'tags' must be a list of strings", what);
        st = na_claims_add_tag(user, json_string_value(t), err);
        if (st != NA_OK) {
            na_err_prefix(err, "%s 'tags'", what);
            return st;
        }
    }
    return NA_OK;
}

na_status na_authz_apply_user_json(na_callout_grant *grant, const json_t *perms, na_err *err)
{
    const char *key;
    json_t *v;
    bool created;
    na_status st;
    if (!grant)
        return na_fail(err, NA_EINVAL, "permissions: no grant");
    if (!perms || json_is_null(perms))
        return NA_OK;
    st = na_authz_check_keys(perms, perm_fields, "permissions", err);
    json_object_foreach((json_t *)perms, key, v)
    {
        if (st == NA_OK)
            st = check_nested(key, v, err);
    }
    if (st != NA_OK)
        return st;
    created = grant->user == NULL;
    st = ensure_user(grant, err);
    if (st != NA_OK)
        return st;
    json_object_foreach((json_t *)perms, key, v)
    {
        char path[64], *text;
        if (strcmp(key, "tags") == 0) {
            st = add_tags(grant->user, v, "permissions", err);
        } else {
            snprintf(path, sizeof path, "nats.%s", key);
            text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            if (!text)
                st = na_fail(err, NA_ENOMEM, "permissions: out of memory");
            else
                st = na_claims_set_json(grant->user, path, text, err);
            free(text);
            if (st != NA_OK)
                na_err_prefix(err, "permissions field '%s'", key);
        }
        if (st != NA_OK)
            break;
    }
    if (st != NA_OK && created) {
        na_claims_destroy(grant->user);
        grant->user = NULL;
    }
    return st;
}

/* ---- durations and secrets ----------------------------------------------- */

na_status na_authz_parse_duration(int64_t *out, const json_t *v, const char *what, na_err *err)
{
    int64_t n = 0, unit = 1;
    const char *s, *p;
    if (!out)
        return na_fail(err, NA_EINVAL, "%s: no output", what);
    *out = 0;
    if (json_is_integer(v)) {
        n = json_integer_value(v);
        if (n <= 0 || n > DURATION_MAX)
            return na_fail(err, NA_EINVAL, "%s must be a positive number of seconds", what);
        *out = n;
        return NA_OK;
    }
    if (!json_is_string(v))
        return na_fail(err, NA_EINVAL,
                       "%s must be a duration like \"90s\", \"10m\", \"1h\", "
                       "\"2d\" or a number of seconds",
                       what);
    s = json_string_value(v);
    for (p = s; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (*p - '0');
        if (n > DURATION_MAX)
            return na_fail(err, NA_EINVAL, "%s is too long", what);
    }
    if (p == s)
        return na_fail(err, NA_EINVAL, "%s: '%.40s' is not a duration (like \"10m\")", what, s);
    switch (*p) {
    case '\0': unit = 1; break;
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: unit = 0; break;
    }
    if (unit == 0 || (*p && p[1]))
        return na_fail(err, NA_EINVAL, "%s: '%.40s' is not a duration (unit s, m, h or d)", what,
                       s);
    if (n == 0 || n > DURATION_MAX / unit)
        return na_fail(err, NA_EINVAL, "%s must be positive and at most a century", what);
    *out = n * unit;
    return NA_OK;
}

na_status na_authz_read_secret(char **out, const char *spec, const char *base_dir, na_err *err)
{
    char *buf = NULL, *path = NULL;
    size_t len = 0;
    na_status st;
    if (!out)
        return na_fail(err, NA_EINVAL, "secret: no output");
    *out = NULL;
    if (!spec || !*spec)
        return na_fail(err, NA_EINVAL, "secret: empty reference");
    if (strncmp(spec, "env:", 4) == 0) {
        const char *v = getenv(spec + 4);
        if (!spec[4])
            return na_fail(err, NA_EINVAL, "secret: 'env:' needs a variable name");
        if (!v || !*v)
            return na_fail(err, NA_ENOTFOUND, "secret: environment variable '%.100s' is not set",
                           spec + 4);
        buf = strdup(v);
        if (!buf)
            return na_fail(err, NA_ENOMEM, "secret: out of memory");
        *out = buf;
        return NA_OK;
    }
    path = na_authz_path(spec, base_dir);
    if (!path)
        return na_fail(err, NA_ENOMEM, "secret: out of memory");
    {
        /* a secret others can read is no secret: refused, like seed files */
        struct stat sb;
        if (stat(path, &sb) == 0 && (sb.st_mode & 077)) {
            st = na_fail(err, NA_EINVAL,
                         "secret file '%.200s' is readable by others (mode %03o): chmod 600 it",
                         path, (unsigned)(sb.st_mode & 0777));
            free(path);
            return st;
        }
    }
    st = na_authz_read_file(&buf, &len, path, SECRET_MAX, err);
    if (st == NA_OK) {
        if (len > 0 && buf[len - 1] == '\n')
            buf[--len] = '\0';
        if (len > 0 && buf[len - 1] == '\r')
            buf[--len] = '\0';
        if (len == 0 || strlen(buf) != len) {
            st = na_fail(err, NA_EINVAL, "secret file '%.200s' is empty or holds a NUL byte", path);
            sodium_memzero(buf, len);
            free(buf);
            buf = NULL;
        }
    }
    free(path);
    *out = buf;
    return st;
}

/* ---- config and files ------------------------------------------------------ */

na_status na_authz_check_keys(const json_t *obj, const char *const *allowed, const char *what,
                              na_err *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(obj))
        return na_fail(err, NA_EINVAL, "%s must be an object", what);
    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i;
        char clean[64];
        (void)v;
        for (i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0)
                break;
        if (!allowed[i]) {
            na_authz_clean(clean, sizeof clean, key);
            return na_fail(err, NA_EINVAL, "%s: unknown key '%s'", what, clean);
        }
    }
    return NA_OK;
}

na_status na_authz_opt_str(const char **out, const json_t *obj, const char *key, const char *what,
                           na_err *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return NA_OK;
    if (!json_is_string(v))
        return na_fail(err, NA_EINVAL, "%s: '%s' must be a string", what, key);
    *out = json_string_value(v);
    return NA_OK;
}

char *na_authz_path(const char *path, const char *base_dir)
{
    size_t n;
    char *p;
    if (path[0] == '/' || !base_dir || !*base_dir)
        return strdup(path);
    n = strlen(base_dir) + strlen(path) + 2;
    p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", base_dir, path);
    return p;
}

na_status na_authz_read_file(char **out, size_t *len, const char *path, size_t max, na_err *err)
{
    FILE *f;
    struct stat sb;
    char *buf = NULL;
    size_t n;
    na_status st = NA_OK;
    *out = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (!f)
        return na_fail(err, NA_EIO, "cannot open '%.200s': %s", path, strerror(errno));
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = na_fail(err, NA_EIO, "'%.200s' is not a regular file", path);
        goto out;
    }
    if ((uint64_t)sb.st_size > max) {
        st = na_fail(err, NA_ETOOBIG, "'%.200s' is larger than %zu bytes", path, max);
        goto out;
    }
    buf = malloc((size_t)sb.st_size + 2);
    if (!buf) {
        st = na_fail(err, NA_ENOMEM, "out of memory reading '%.200s'", path);
        goto out;
    }
    /* read one byte more than stat said, to notice a file that grew */
    n = fread(buf, 1, (size_t)sb.st_size + 1, f);
    if (ferror(f) || n > (size_t)sb.st_size) {
        st = na_fail(err, NA_EIO, "cannot read '%.200s'", path);
        sodium_memzero(buf, (size_t)sb.st_size + 2);
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
out:
    fclose(f);
    return st;
}

/* ---- the common grant fields ----------------------------------------------- */

na_status na_authz_set_name(char dst[NA_CALLOUT_NAME_MAX], const char *src, const char *what,
                            na_err *err)
{
    size_t n = strlen(src);
    if (n >= NA_CALLOUT_NAME_MAX)
        return na_fail(err, NA_ETOOBIG, "%s is longer than %d bytes", what,
                       NA_CALLOUT_NAME_MAX - 1);
    memcpy(dst, src, n + 1);
    return NA_OK;
}

void na_authz_grant_reset(na_callout_grant *g)
{
    if (!g)
        return;
    na_claims_destroy(g->user);
    memset(g, 0, sizeof *g);
}

void na_authz_clean(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    if (cap == 0)
        return;
    for (; src && src[i] && i + 1 < cap; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[i] = '\0';
}

void na_authz_spec_release(na_authz_spec *s)
{
    if (!s)
        return;
    json_decref(s->perms);
    json_decref(s->tags);
    memset(s, 0, sizeof *s);
}

na_status na_authz_spec_parse(na_authz_spec *s, const json_t *obj, const char *what, na_err *err)
{
    const char *account = NULL, *name = NULL;
    json_t *v;
    na_callout_grant scratch;
    na_status st;
    memset(s, 0, sizeof *s);
    memset(&scratch, 0, sizeof scratch);
    if ((st = na_authz_opt_str(&account, obj, "account", what, err)) != NA_OK ||
        (st = na_authz_opt_str(&name, obj, "name", what, err)) != NA_OK)
        return st;
    if (account && (st = na_authz_set_name(s->account, account, "account", err)) != NA_OK)
        goto out;
    if (name && (st = na_authz_set_name(s->name, name, "name", err)) != NA_OK)
        goto out;
    v = json_object_get(obj, "permissions");
    if (v && !json_is_null(v)) {
        st = na_authz_apply_user_json(&scratch, v, err);
        if (st != NA_OK)
            goto out;
        s->perms = json_incref(v);
    }
    v = json_object_get(obj, "tags");
    if (v) {
        if ((st = ensure_user(&scratch, err)) != NA_OK ||
            (st = add_tags(scratch.user, v, "field", err)) != NA_OK)
            goto out;
        s->tags = json_incref(v);
    }
    if (json_object_get(obj, "ttl") && json_object_get(obj, "expires")) {
        st = na_fail(err, NA_EINVAL, "give 'ttl' or 'expires', not both");
        goto out;
    }
    v = json_object_get(obj, "ttl");
    if (v && (st = na_authz_parse_duration(&s->ttl, v, "ttl", err)) != NA_OK)
        goto out;
    v = json_object_get(obj, "expires");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            st = na_fail(err, NA_EINVAL, "'expires' must be unix seconds");
            goto out;
        }
        s->expires = json_integer_value(v);
    }
out:
    na_authz_grant_reset(&scratch);
    if (st != NA_OK) {
        na_err_prefix(err, "%s", what);
        na_authz_spec_release(s);
    }
    return st;
}

na_status na_authz_spec_apply(const na_authz_spec *s, na_callout_grant *grant, int64_t now,
                              na_err *err)
{
    na_status st = NA_OK;
    if (s->expires && s->expires <= now) {
        st = na_fail(err, NA_EEXPIRED, "grant expired");
        goto out;
    }
    memcpy(grant->account, s->account, sizeof grant->account);
    memcpy(grant->name, s->name, sizeof grant->name);
    if ((st = na_authz_apply_user_json(grant, s->perms, err)) != NA_OK)
        goto out;
    if (s->tags && ((st = ensure_user(grant, err)) != NA_OK ||
                    (st = add_tags(grant->user, s->tags, "field", err)) != NA_OK))
        goto out;
    grant->expires = s->expires ? s->expires : s->ttl ? now + s->ttl : 0;
out:
    if (st != NA_OK)
        na_authz_grant_reset(grant);
    return st;
}
