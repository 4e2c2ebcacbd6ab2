/*
 * claims.c - na_claims: creation, JSON in/out, typed path access, encode
 * (iss/iat/jti/version, sign) and decode (header, schema, signature, issuer).
 *
 * Invariant: root is a JSON object that passed schema_check for type, so the
 * writer can trust field types. Every mutation goes through a schema-checked
 * path, so the invariant holds after any sequence of successful calls; a
 * failed call leaves the claims unchanged.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "claims_internal.h"
#include "json_internal.h"
#include "schema.h"

static const char *const type_names[NA_CLAIMS_TYPE_COUNT] = {
    [NA_CLAIMS_OPERATOR] = "operator",
    [NA_CLAIMS_ACCOUNT] = "account",
    [NA_CLAIMS_USER] = "user",
    [NA_CLAIMS_ACTIVATION] = "activation",
    [NA_CLAIMS_AUTH_REQUEST] = "authorization_request",
    [NA_CLAIMS_AUTH_RESPONSE] = "authorization_response",
    [NA_CLAIMS_GENERIC] = "generic",
};

/* {"typ":"JWT","alg":"ed25519-nkey"} */
static const char HEADER_B64[] = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ";

const char *na_claims_type_name(na_claims_type t)
{
    return (unsigned)t < NA_CLAIMS_TYPE_COUNT ? type_names[t] : "unknown";
}

na_status na_claims_type_parse(na_claims_type *out, const char *name, na_err *err)
{
    for (int t = 0; t < NA_CLAIMS_TYPE_COUNT; t++) {
        if (name && strcmp(name, type_names[t]) == 0) {
            *out = (na_claims_type)t;
            return NA_OK;
        }
    }
    return na_fail(err, NA_EINVAL,
                   "unknown claim type '%.60s' (want operator, account, user, activation, "
                   "authorization_request, authorization_response or generic)",
                   name ? name : "");
}

/* A caller's key string as messages show it: never a seed ("S" + type
 * letter), which callers pass by mistake for a public key (err.h: messages
 * never contain a secret). */
static const char *shown_key(const char *s)
{
    if (s && s[0] == 'S' && s[1] && strchr("OAUNCX", s[1]))
        return "(a seed, not shown)";
    return s ? s : "";
}

static na_claims *claims_alloc(na_claims_type t, json_t *root)
{
    na_claims *c = calloc(1, sizeof *c);
    if (!c) {
        json_decref(root);
        return NULL;
    }
    c->type = t;
    c->root = root;
    return c;
}

void na_claims_destroy(na_claims *c)
{
    if (!c)
        return;
    json_decref(c->root);
    free(c);
}

na_claims_type na_claims_type_of(const na_claims *c) { return c->type; }

json_t *claims_nats(const na_claims *c)
{
    return json_object_get(c->root, "nats");
}

static const char *str_or_empty(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static int64_t int_or_zero(const json_t *v)
{
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

const char *na_claims_subject(const na_claims *c) { return str_or_empty(json_object_get(c->root, "sub")); }
const char *na_claims_issuer(const na_claims *c) { return str_or_empty(json_object_get(c->root, "iss")); }
const char *na_claims_name(const na_claims *c) { return str_or_empty(json_object_get(c->root, "name")); }
const char *na_claims_audience(const na_claims *c) { return str_or_empty(json_object_get(c->root, "aud")); }
const char *na_claims_id(const na_claims *c) { return str_or_empty(json_object_get(c->root, "jti")); }
int64_t na_claims_issued_at(const na_claims *c) { return int_or_zero(json_object_get(c->root, "iat")); }
int64_t na_claims_expires(const na_claims *c) { return int_or_zero(json_object_get(c->root, "exp")); }
int64_t na_claims_not_before(const na_claims *c) { return int_or_zero(json_object_get(c->root, "nbf")); }
const char *na_claims_issuer_account(const na_claims *c)
{
    return str_or_empty(json_object_get(claims_nats(c), "issuer_account"));
}

/* ---- creation ------------------------------------------------------------ */

static json_t *account_default_limits(void)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:I,s:I}", "subs", (json_int_t)-1, "data",
                     (json_int_t)-1, "payload", (json_int_t)-1, "imports", (json_int_t)-1,
                     "exports", (json_int_t)-1, "wildcards", 1, "conn", (json_int_t)-1, "leaf",
                     (json_int_t)-1);
}

na_status na_claims_create(na_claims **out, na_claims_type type, const char *subject, na_err *err)
{
    json_t *root, *nats;
    static const int want_key[NA_CLAIMS_TYPE_COUNT] = {
        [NA_CLAIMS_OPERATOR] = NA_NKEY_OPERATOR, [NA_CLAIMS_ACCOUNT] = NA_NKEY_ACCOUNT,
        [NA_CLAIMS_USER] = NA_NKEY_USER,         [NA_CLAIMS_ACTIVATION] = NA_NKEY_ACCOUNT,
        [NA_CLAIMS_AUTH_REQUEST] = -1,           [NA_CLAIMS_AUTH_RESPONSE] = -1,
        [NA_CLAIMS_GENERIC] = -1,
    };
    if (!out)
        return na_fail(err, NA_EINVAL, "output is NULL");
    *out = NULL;
    if ((unsigned)type >= NA_CLAIMS_TYPE_COUNT)
        return na_fail(err, NA_EINVAL, "invalid claim type");
    if (!subject || !*subject)
        return na_fail(err, NA_EINVAL, "subject is not set");
    if (want_key[type] >= 0 && !na_nkey_is_public(subject, (na_nkey_type)want_key[type]))
        return na_fail(err, NA_EINVAL, "subject '%.60s' is not a valid %s public key", shown_key(subject),
                       na_nkey_type_name((na_nkey_type)want_key[type]));
    root = json_object();
    nats = json_object();
    if (!root || !nats) {
        json_decref(root);
        json_decref(nats);
        return na_fail(err, NA_ENOMEM, "out of memory");
    }
    json_object_set_new(root, "sub", json_string(subject));
    switch (type) {
    case NA_CLAIMS_OPERATOR:
        json_object_set_new(root, "iss", json_string(subject));
        break;
    case NA_CLAIMS_ACCOUNT:
        json_object_set_new(nats, "limits", account_default_limits());
        break;
    case NA_CLAIMS_USER:
        json_object_set_new(nats, "subs", json_integer(-1));
        json_object_set_new(nats, "data", json_integer(-1));
        json_object_set_new(nats, "payload", json_integer(-1));
        break;
    default:
        break;
    }
    json_object_set_new(root, "nats", nats);
    *out = claims_alloc(type, root);
    if (!*out)
        return na_fail(err, NA_ENOMEM, "out of memory");
    if (want_key[type] >= 0)
        memcpy((*out)->sub_ok, subject, NA_NKEY_PUBLIC_LEN + 1); /* checked above */
    return NA_OK;
}

/* Type of a payload, as the Go decoder's identifier sees it. *version is 1
 * for a top-level "type" (v1 layout), else nats.version. */
static na_status identify(json_t *root, na_claims_type *type, int64_t *version, na_err *err)
{
    json_t *v1 = json_object_get(root, "type");
    json_t *nats = json_object_get(root, "nats");
    const char *t = NULL;
    *version = 0;
    if (json_is_string(v1) && json_string_length(v1) > 0) {
        t = json_string_value(v1);
        *version = 1;
    } else if (json_is_object(nats)) {
        json_t *nt = json_object_get(nats, "type");
        json_t *nv = json_object_get(nats, "version");
        if (nt && !json_is_string(nt) && !json_is_null(nt))
            return na_fail(err, NA_ESCHEMA, "field 'nats.type' must be a string");
        if (nv && !json_is_integer(nv) && !json_is_null(nv))
            return na_fail(err, NA_ESCHEMA, "field 'nats.version' must be an integer");
        t = json_string_value(nt);
        *version = int_or_zero(nv);
    } else if (nats && !json_is_null(nats)) {
        return na_fail(err, NA_ESCHEMA, "field 'nats' must be an object");
    }
    if (*version > 2)
        return na_fail(err, NA_ESCHEMA, "JWT was generated by a newer version (%lld)",
                       (long long)*version);
    *type = NA_CLAIMS_GENERIC;
    if (!t)
        return NA_OK;
    if (strcmp(t, "cluster") == 0)
        return na_fail(err, NA_ESCHEMA, "cluster claims are not supported");
    if (strcmp(t, "server") == 0)
        return na_fail(err, NA_ESCHEMA, "server claims are not supported");
    for (int i = 0; i < NA_CLAIMS_GENERIC; i++)
        if (strcmp(t, type_names[i]) == 0)
            *type = (na_claims_type)i;
    return NA_OK;
}

static na_status parse_json(json_t **out, const char *json, size_t len, const char *what,
                            na_err *err)
{
    char msg[96];
    json_t *root;
    *out = NULL;
    if (len > NA_JWT_MAX_TOKEN)
        return na_fail(err, NA_ETOOBIG, "%s of %zu bytes exceeds the maximum of %u bytes", what,
                       len, NA_JWT_MAX_TOKEN);
    root = na_json_parse(json, len, msg, sizeof msg);
    if (!root)
        return na_fail(err, NA_EJSON, "%s is not valid JSON: %s", what, msg);
    if (!json_is_object(root)) {
        json_decref(root);
        return na_fail(err, NA_EJSON, "%s is not a JSON object", what);
    }
    *out = root;
    return NA_OK;
}

static na_status claims_from_root(na_claims **out, na_claims_type want, json_t *root,
                                  int64_t *version_out, na_err *err)
{
    na_claims_type t;
    int64_t version;
    na_status st = identify(root, &t, &version, err);
    if (st != NA_OK)
        goto fail;
    if (want != NA_CLAIMS_TYPE_COUNT && want != t) {
        json_t *nats = json_object_get(root, "nats");
        json_t *nt = json_object_get(nats, "type");
        if (t != NA_CLAIMS_GENERIC || (nt && !json_is_null(nt) && json_string_length(nt))) {
            st = na_fail(err, NA_ESCHEMA, "claims say type '%s' but '%s' was asked for",
                         type_names[t], type_names[want]);
            goto fail;
        }
        t = want; /* no nats.type given: take the caller's */
        if (!json_is_object(nats) && want != NA_CLAIMS_GENERIC) {
            nats = json_object();
            json_object_set_new(root, "nats", nats);
        }
    }
    st = schema_check(schema_for(t), root, "", err);
    if (st != NA_OK)
        goto fail;
    if (version_out)
        *version_out = version;
    *out = claims_alloc(t, root);
    return *out ? NA_OK : na_fail(err, NA_ENOMEM, "out of memory");
fail:
    json_decref(root);
    return st;
}

na_status na_claims_from_json(na_claims **out, na_claims_type type, const char *json, size_t len,
                              na_err *err)
{
    json_t *root;
    na_status st;
    if (!out || !json)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_claims_from_json");
    *out = NULL;
    st = parse_json(&root, json, len, "claims", err);
    if (st != NA_OK)
        return st;
    return claims_from_root(out, type, root, NULL, err);
}

na_status na_claims_clone(na_claims **out, const na_claims *c, na_err *err)
{
    json_t *copy;
    *out = NULL;
    copy = json_deep_copy(c->root);
    if (!copy)
        return na_fail(err, NA_ENOMEM, "out of memory");
    *out = claims_alloc(c->type, copy);
    return *out ? NA_OK : na_fail(err, NA_ENOMEM, "out of memory");
}

na_status claims_write(const na_claims *c, na_buf *b, na_err *err)
{
    return schema_write(b, schema_for(c->type), c->root, err);
}

char *na_claims_to_json(const na_claims *c, unsigned flags)
{
    na_buf b;
    char *s;
    na_buf_init(&b, NA_JWT_MAX_TOKEN);
    if (claims_write(c, &b, NULL) != NA_OK) {
        na_buf_release(&b);
        return NULL;
    }
    s = na_buf_take(&b);
    if (s && (flags & NA_JSON_PRETTY)) {
        json_t *t = json_loads(s, 0, NULL);
        char *p = t ? json_dumps(t, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(t);
        free(s);
        s = p;
    }
    return s;
}

/* ---- paths --------------------------------------------------------------- */

typedef struct loc {
    json_t *parent; /* object holding the value */
    char key[256];
    field f;        /* description of the value */
} loc;

static na_status resolve(const na_claims *c, const char *path, bool create, loc *out,
                         na_err *err)
{
    const schema *s = schema_for(c->type);
    json_t *cur = c->root;
    const char *p = path;
    bool any = false;
    if (!path || !*path)
        return na_fail(err, NA_EINVAL, "field path is empty");
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        const field *f = NULL;
        json_t *child;
        if (n == 0 || n >= sizeof out->key)
            return na_fail(err, NA_EINVAL, "field path '%.100s' is malformed", path);
        if (!any) {
            f = schema_field(s, p, n);
            if (!f)
                return na_fail(err, NA_ESCHEMA, "unknown field '%.*s' in '%.100s' (%s)",
                               (int)n, p, path, s->name);
        }
        if (!dot) {
            memcpy(out->key, p, n);
            out->key[n] = '\0';
            out->parent = cur;
            if (f)
                out->f = *f;
            else
                out->f = (field){"", F_ANY, false, NULL};
            return NA_OK;
        }
        /* descend */
        {
            char k[256];
            memcpy(k, p, n);
            k[n] = '\0';
            child = json_object_get(cur, k);
            if (!json_is_object(child)) {
                if (!create)
                    return na_fail(err, NA_ENOTFOUND, "field '%.100s' is not set", path);
                if (f && !(f->kind == F_STRUCT || f->kind == F_PTR || f->kind == F_ANY ||
                           f->kind == F_MAP_INT || f->kind == F_MAP_STRUCT ||
                           f->kind == F_MAP_ARRAY))
                    return na_fail(err, NA_ESCHEMA, "field '%s' has no sub-fields", k);
                child = json_object();
                if (!child)
                    return na_fail(err, NA_ENOMEM, "out of memory");
                json_object_set_new(cur, k, child);
            }
        }
        cur = child;
        p = dot + 1;
        if (any)
            continue;
        switch (f->kind) {
        case F_STRUCT:
        case F_PTR:
            s = f->sub;
            break;
        case F_ANY:
            any = true;
            break;
        case F_MAP_INT:
        case F_MAP_ARRAY:
            /* the rest of the path is the key (subjects contain dots) */
            if (strlen(p) >= sizeof out->key)
                return na_fail(err, NA_EINVAL, "map key in '%.100s' is too long", path);
            strcpy(out->key, p);
            out->parent = cur;
            out->f = (field){"", f->kind == F_MAP_INT ? F_INT : F_ARRAY, false, f->sub};
            return NA_OK;
        case F_MAP_STRUCT: {
            const char *d2 = strchr(p, '.');
            size_t n2 = d2 ? (size_t)(d2 - p) : strlen(p);
            char k[256];
            if (n2 == 0 || n2 >= sizeof k)
                return na_fail(err, NA_EINVAL, "field path '%.100s' is malformed", path);
            memcpy(k, p, n2);
            k[n2] = '\0';
            if (!d2) {
                strcpy(out->key, k);
                out->parent = cur;
                out->f = (field){"", F_STRUCT, false, f->sub};
                return NA_OK;
            }
            child = json_object_get(cur, k);
            if (!json_is_object(child)) {
                if (!create)
                    return na_fail(err, NA_ENOTFOUND, "field '%.100s' is not set", path);
                child = json_object();
                json_object_set_new(cur, k, child);
            }
            cur = child;
            s = f->sub;
            p = d2 + 1;
            break;
        }
        default:
            return na_fail(err, NA_ESCHEMA, "field '%.*s' has no sub-fields", (int)n, path);
        }
    }
}

static json_t *lookup(const na_claims *c, const char *path)
{
    loc l;
    if (resolve(c, path, false, &l, NULL) != NA_OK)
        return NULL;
    return json_object_get(l.parent, l.key);
}

bool na_claims_get_str(const na_claims *c, const char *path, const char **out)
{
    json_t *v = lookup(c, path);
    if (!json_is_string(v))
        return false;
    *out = json_string_value(v);
    return true;
}

bool na_claims_get_int(const na_claims *c, const char *path, int64_t *out)
{
    json_t *v = lookup(c, path);
    if (!json_is_integer(v))
        return false;
    *out = json_integer_value(v);
    return true;
}

bool na_claims_get_bool(const na_claims *c, const char *path, bool *out)
{
    json_t *v = lookup(c, path);
    if (!json_is_boolean(v))
        return false;
    *out = json_is_true(v);
    return true;
}

size_t na_claims_count(const na_claims *c, const char *path)
{
    json_t *v = lookup(c, path);
    if (json_is_array(v))
        return json_array_size(v);
    if (json_is_object(v))
        return json_object_size(v);
    return 0;
}

const char *na_claims_str_at(const na_claims *c, const char *path, size_t i)
{
    return json_string_value(json_array_get(lookup(c, path), i));
}

/* Set a value at path after checking it; takes ownership of v. */
static na_status set_value(na_claims *c, const char *path, json_t *v, na_err *err)
{
    loc l;
    na_status st;
    if (!v)
        return na_fail(err, NA_EINVAL, "value for '%.100s' is not valid (UTF-8 required)", path);
    st = resolve(c, path, true, &l, err);
    if (st == NA_OK)
        st = schema_check_value(&l.f, v, path, err);
    if (st == NA_OK && l.f.kind == F_CIDRS && json_is_string(v)) {
        /* normalise through the parent-level checker */
        json_t *tmp = json_object();
        json_object_set(tmp, l.key, v);
        json_decref(v);
        v = NULL;
        {
            field cf = {l.key, F_CIDRS, true, NULL};
            schema s1 = {"CIDR", &cf, 1};
            st = schema_check(&s1, tmp, "", err);
        }
        if (st == NA_OK)
            v = json_incref(json_object_get(tmp, l.key));
        json_decref(tmp);
    }
    if (st != NA_OK) {
        json_decref(v);
        return st;
    }
    json_object_set_new(l.parent, l.key, v);
    return NA_OK;
}

na_status na_claims_set_str(na_claims *c, const char *path, const char *v, na_err *err)
{
    if (!v)
        return na_fail(err, NA_EINVAL, "value for '%.100s' is NULL", path);
    return set_value(c, path, json_string(v), err);
}

na_status na_claims_set_int(na_claims *c, const char *path, int64_t v, na_err *err)
{
    return set_value(c, path, json_integer(v), err);
}

na_status na_claims_set_bool(na_claims *c, const char *path, bool v, na_err *err)
{
    return set_value(c, path, json_boolean(v), err);
}

na_status na_claims_set_json(na_claims *c, const char *path, const char *json, na_err *err)
{
    json_error_t je;
    json_t *v;
    if (!json)
        return na_fail(err, NA_EINVAL, "value for '%.100s' is NULL", path);
    v = json_loads(json, JSON_DECODE_ANY, &je);
    if (!v)
        return na_fail(err, NA_EJSON, "value for '%.100s' is not valid JSON: %s", path, je.text);
    return set_value(c, path, v, err);
}

static bool is_list_kind(fkind k)
{
    return k == F_STRS || k == F_CIDRS || k == F_ARRAY || k == F_SKEYS || k == F_ARRAY_STRS ||
           k == F_ANY;
}

na_status na_claims_append_json(na_claims *c, const char *path, const char *json, na_err *err)
{
    loc l;
    json_error_t je;
    json_t *v, *arr, *copy;
    na_status st;
    if (!json)
        return na_fail(err, NA_EINVAL, "value for '%.100s' is NULL", path);
    st = resolve(c, path, true, &l, err);
    if (st != NA_OK)
        return st;
    if (!is_list_kind(l.f.kind))
        return na_fail(err, NA_ESCHEMA, "field '%.100s' is not a list", path);
    v = json_loads(json, JSON_DECODE_ANY, &je);
    if (!v)
        return na_fail(err, NA_EJSON, "value for '%.100s' is not valid JSON: %s", path, je.text);
    arr = json_object_get(l.parent, l.key);
    copy = json_is_array(arr) ? json_copy(arr) : json_array();
    json_array_append_new(copy, v);
    st = schema_check_value(&l.f, copy, path, err);
    if (st != NA_OK) {
        json_decref(copy);
        return st;
    }
    json_object_set_new(l.parent, l.key, copy);
    return NA_OK;
}

na_status na_claims_add_str(na_claims *c, const char *path, const char *v, na_err *err)
{
    loc l;
    json_t *arr, *e;
    size_t i, n;
    char *norm = NULL;
    const char *val = v;
    na_status st;
    if (!v)
        return na_fail(err, NA_EINVAL, "value for '%.100s' is NULL", path);
    n = strlen(v);
    if (!na_utf8_valid(v, n))
        return na_fail(err, NA_EINVAL, "value for '%.100s' is not valid UTF-8", path);
    st = resolve(c, path, true, &l, err);
    if (st != NA_OK)
        return st;
    if (l.f.kind != F_STRS && l.f.kind != F_CIDRS && !(l.f.kind == F_ANY))
        return na_fail(err, NA_ESCHEMA, "field '%.100s' is not a list of strings", path);
    if (strcmp(l.key, "tags") == 0 || l.f.kind == F_CIDRS) {
        /* TagList.Add: lower-case and trim (a copy only for these lists) */
        char *a, *z;
        norm = na_strdup(v);
        if (!norm)
            return na_fail(err, NA_ENOMEM, "out of memory");
        a = norm;
        while (isspace((unsigned char)*a))
            a++;
        memmove(norm, a, strlen(a) + 1);
        z = norm + strlen(norm);
        while (z > norm && isspace((unsigned char)z[-1]))
            *--z = '\0';
        for (a = norm; *a; a++)
            *a = (char)tolower((unsigned char)*a);
        val = norm;
        n = strlen(norm);
    }
    if (n == 0)
        goto out; /* Add skips empty values */
    arr = json_object_get(l.parent, l.key);
    if (!json_is_array(arr)) {
        arr = json_array();
        json_object_set_new(l.parent, l.key, arr);
    }
    json_array_foreach(arr, i, e) {
        if (json_is_string(e) && strcmp(json_string_value(e), val) == 0)
            goto out;
    }
    /* validated above: no second UTF-8 pass */
    if (json_array_append_new(arr, json_stringn_nocheck(val, n)) != 0)
        st = na_fail(err, NA_ENOMEM, "out of memory");
out:
    free(norm);
    return st;
}

na_status na_claims_remove_str(na_claims *c, const char *path, const char *v, na_err *err)
{
    loc l;
    json_t *arr;
    na_status st = resolve(c, path, false, &l, err);
    if (st == NA_ENOTFOUND)
        return NA_OK;
    if (st != NA_OK)
        return st;
    arr = json_object_get(l.parent, l.key);
    if (!json_is_array(arr))
        return NA_OK;
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *e = json_array_get(arr, i);
        if (json_is_string(e) && strcasecmp(json_string_value(e), v) == 0)
            json_array_remove(arr, i);
    }
    return NA_OK;
}

na_status na_claims_unset(na_claims *c, const char *path, na_err *err)
{
    loc l;
    na_status st = resolve(c, path, false, &l, err);
    if (st == NA_ENOTFOUND)
        return NA_OK;
    if (st != NA_OK)
        return st;
    json_object_del(l.parent, l.key);
    return NA_OK;
}

na_status na_claims_set_name(na_claims *c, const char *name, na_err *err)
{
    return na_claims_set_str(c, "name", name, err);
}
na_status na_claims_set_expires(na_claims *c, int64_t exp, na_err *err)
{
    return na_claims_set_int(c, "exp", exp, err);
}
na_status na_claims_set_not_before(na_claims *c, int64_t nbf, na_err *err)
{
    return na_claims_set_int(c, "nbf", nbf, err);
}
na_status na_claims_set_audience(na_claims *c, const char *aud, na_err *err)
{
    return na_claims_set_str(c, "aud", aud, err);
}
na_status na_claims_add_tag(na_claims *c, const char *tag, na_err *err)
{
    return na_claims_add_str(c, "nats.tags", tag, err);
}

static const char *perm_base(const na_claims *c)
{
    return c->type == NA_CLAIMS_ACCOUNT ? "nats.default_permissions." : "nats.";
}

na_status na_claims_perm_add(na_claims *c, na_perm_dir dir, bool allow, const char *subject,
                             na_err *err)
{
    static const char *const paths[2][2][2] = {
        /* user */ {{"nats.pub.deny", "nats.pub.allow"}, {"nats.sub.deny", "nats.sub.allow"}},
        /* account */
        {{"nats.default_permissions.pub.deny", "nats.default_permissions.pub.allow"},
         {"nats.default_permissions.sub.deny", "nats.default_permissions.sub.allow"}},
    };
    if (c->type != NA_CLAIMS_USER && c->type != NA_CLAIMS_ACCOUNT)
        return na_fail(err, NA_EINVAL, "%s claims have no permissions", type_names[c->type]);
    return na_claims_add_str(c, paths[c->type == NA_CLAIMS_ACCOUNT][dir == NA_PERM_SUB][allow],
                             subject, err);
}

na_status na_claims_set_resp(na_claims *c, int64_t max_msgs, int64_t ttl_ns, na_err *err)
{
    char path[64];
    json_t *v = json_pack("{s:I,s:I}", "max", (json_int_t)max_msgs, "ttl", (json_int_t)ttl_ns);
    if (c->type != NA_CLAIMS_USER && c->type != NA_CLAIMS_ACCOUNT) {
        json_decref(v);
        return na_fail(err, NA_EINVAL, "%s claims have no permissions", type_names[c->type]);
    }
    snprintf(path, sizeof path, "%sresp", perm_base(c));
    return set_value(c, path, v, err);
}

/* Index of a signing key entry (string or scope object) in the account list. */
static long skey_index(json_t *arr, const char *pub)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *k = json_is_string(e) ? json_string_value(e)
                                          : json_string_value(json_object_get(e, "key"));
        if (k && strcmp(k, pub) == 0)
            return (long)i;
    }
    return -1;
}

na_status na_claims_add_signing_key(na_claims *c, const char *pub, na_err *err)
{
    json_t *nats = claims_nats(c), *arr;
    na_nkey_type want;
    if (c->type == NA_CLAIMS_OPERATOR)
        want = NA_NKEY_OPERATOR;
    else if (c->type == NA_CLAIMS_ACCOUNT)
        want = NA_NKEY_ACCOUNT;
    else
        return na_fail(err, NA_EINVAL, "%s claims have no signing keys", type_names[c->type]);
    if (!na_nkey_is_public(pub, want))
        return na_fail(err, NA_EINVAL, "signing key '%.60s' is not a valid %s public key",
                       shown_key(pub), na_nkey_type_name(want));
    if (!json_is_object(nats)) {
        nats = json_object();
        json_object_set_new(c->root, "nats", nats);
    }
    arr = json_object_get(nats, "signing_keys");
    if (!json_is_array(arr)) {
        arr = json_array();
        json_object_set_new(nats, "signing_keys", arr);
    }
    {
        long i = skey_index(arr, pub);
        if (i >= 0) {
            json_array_set_new(arr, (size_t)i, json_string(pub)); /* now unscoped */
            return NA_OK;
        }
    }
    json_array_append_new(arr, json_string(pub));
    return NA_OK;
}

na_status na_claims_add_scoped_key(na_claims *c, const char *pub, const char *role,
                                   const char *template_json, const char *description,
                                   na_err *err)
{
    json_t *scope, *tpl = NULL, *arr, *copy;
    json_error_t je;
    na_status st;
    long i;
    if (c->type != NA_CLAIMS_ACCOUNT)
        return na_fail(err, NA_EINVAL, "only account claims have scoped signing keys");
    if (!na_nkey_is_public(pub, NA_NKEY_ACCOUNT))
        return na_fail(err, NA_EINVAL, "signing key '%.60s' is not a valid account public key",
                       shown_key(pub));
    if (template_json) {
        tpl = json_loads(template_json, 0, &je);
        if (!json_is_object(tpl)) {
            json_decref(tpl);
            return na_fail(err, NA_EJSON, "scope template is not a JSON object%s%s",
                           tpl ? "" : ": ", tpl ? "" : je.text);
        }
    }
    scope = json_pack("{s:s,s:s,s:s,s:o,s:s}", "kind", "user_scope", "key", pub, "role",
                      role ? role : "", "template", tpl ? tpl : json_object(), "description",
                      description ? description : "");
    if (!scope)
        return na_fail(err, NA_EINVAL, "scope role or description is not valid UTF-8");
    arr = json_object_get(claims_nats(c), "signing_keys");
    copy = json_is_array(arr) ? json_copy(arr) : json_array();
    i = skey_index(copy, pub);
    if (i >= 0)
        json_array_set_new(copy, (size_t)i, scope);
    else
        json_array_append_new(copy, scope);
    /* check the whole list against the account schema's signing_keys field */
    {
        const schema *top = schema_for(NA_CLAIMS_ACCOUNT);
        const field *nf = schema_field(top, "nats", 4);
        const field *sk = schema_field(nf->sub, "signing_keys", 12);
        st = schema_check_value(sk, copy, "nats.signing_keys", err);
    }
    if (st != NA_OK) {
        json_decref(copy);
        return st;
    }
    json_object_set_new(claims_nats(c), "signing_keys", copy);
    return NA_OK;
}

na_status na_claims_revoke(na_claims *c, const char *pub, int64_t at, na_err *err)
{
    json_t *nats = claims_nats(c), *rev, *cur;
    if (c->type != NA_CLAIMS_ACCOUNT)
        return na_fail(err, NA_EINVAL, "only account claims hold revocations");
    if (!pub || (strcmp(pub, "*") != 0 && !na_nkey_is_public(pub, NA_NKEY_USER) &&
                 !na_nkey_is_public(pub, NA_NKEY_ACCOUNT)))
        return na_fail(err, NA_EINVAL, "'%.60s' is not a user key, account key or '*'",
                       shown_key(pub));
    rev = json_object_get(nats, "revocations");
    if (!json_is_object(rev)) {
        rev = json_object();
        json_object_set_new(nats, "revocations", rev);
    }
    cur = json_object_get(rev, pub);
    if (json_is_integer(cur) && json_integer_value(cur) > at)
        return NA_OK; /* Go keeps a later revocation */
    json_object_set_new(rev, pub, json_integer(at));
    return NA_OK;
}

bool claims_revoked_in(const json_t *rev, const char *pub, int64_t iat)
{
    json_t *all = json_object_get(rev, "*");
    json_t *one = json_object_get(rev, pub);
    if (json_is_integer(all) && json_integer_value(all) >= iat)
        return true;
    return json_is_integer(one) && json_integer_value(one) >= iat;
}

bool na_claims_is_revoked(const na_claims *account, const char *pub, int64_t iat)
{
    return claims_revoked_in(json_object_get(claims_nats(account), "revocations"), pub, iat);
}

/* ---- encode -------------------------------------------------------------- */

static const field f_claims_data[] = {
    {"aud", F_STR, true, NULL}, {"exp", F_INT, true, NULL}, {"jti", F_STR, true, NULL},
    {"iat", F_INT, true, NULL}, {"iss", F_STR, true, NULL}, {"name", F_STR, true, NULL},
    {"nbf", F_INT, true, NULL}, {"sub", F_STR, true, NULL},
};
static const schema S_CLAIMS_DATA = {"ClaimsData", f_claims_data, 8};

/* jti = base32(SHA-512/256(json(ClaimsData with jti ""))), unknown fields
 * excluded. b is the caller's scratch buffer (left empty, its memory kept
 * for the payload: one allocation per encode instead of two). */
static na_status compute_jti(const na_claims *c, na_buf *b, char out[53], na_err *err)
{
    uint8_t h[32];
    na_status st;
    /* the caller removed "jti" from root; ClaimsData's fields only */
    st = schema_write_fields(b, &S_CLAIMS_DATA, c->root, false, err);
    if (st == NA_OK && na_sha512_256(h, b->p, b->len) != 0)
        st = na_fail(err, NA_EINVAL, "SHA-512/256 is not available in libcrypto");
    if (st == NA_OK) {
        na_b32_encode(out, h, sizeof h);
        b->len = 0;
        b->p[0] = '\0';
    }
    return st;
}

/* Which issuer key types may sign each claim type (ExpectedPrefixes). */
bool claims_issuer_allowed(na_claims_type t, na_nkey_type k)
{
    switch (t) {
    case NA_CLAIMS_OPERATOR: return k == NA_NKEY_OPERATOR;
    case NA_CLAIMS_ACCOUNT: return k == NA_NKEY_ACCOUNT || k == NA_NKEY_OPERATOR;
    case NA_CLAIMS_USER: return k == NA_NKEY_ACCOUNT;
    case NA_CLAIMS_ACTIVATION: return k == NA_NKEY_ACCOUNT || k == NA_NKEY_OPERATOR;
    case NA_CLAIMS_AUTH_REQUEST: return k == NA_NKEY_SERVER;
    case NA_CLAIMS_AUTH_RESPONSE: return k == NA_NKEY_ACCOUNT;
    default: return k != NA_NKEY_CURVE;
    }
}

static const char *allowed_issuers(na_claims_type t)
{
    switch (t) {
    case NA_CLAIMS_OPERATOR: return "an operator key";
    case NA_CLAIMS_ACCOUNT:
    case NA_CLAIMS_ACTIVATION: return "an account or operator key";
    case NA_CLAIMS_USER:
    case NA_CLAIMS_AUTH_RESPONSE: return "an account key";
    case NA_CLAIMS_AUTH_REQUEST: return "a server key";
    default: return "an ed25519 key";
    }
}

na_status na_claims_encode(na_claims *c, char **jwt, const na_nkey *signer, int64_t iat,
                           na_err *err)
{
    const char *sub;
    char jti[53];
    na_buf b;
    uint8_t sig[NA_NKEY_SIG_LEN];
    size_t plen, hlen = sizeof HEADER_B64 - 1;
    char *out = NULL;
    json_t *nats;
    na_status st;
    static const int want_sub[NA_CLAIMS_TYPE_COUNT] = {
        [NA_CLAIMS_OPERATOR] = NA_NKEY_OPERATOR, [NA_CLAIMS_ACCOUNT] = NA_NKEY_ACCOUNT,
        [NA_CLAIMS_USER] = NA_NKEY_USER,         [NA_CLAIMS_ACTIVATION] = NA_NKEY_ACCOUNT,
        [NA_CLAIMS_AUTH_REQUEST] = -1,           [NA_CLAIMS_AUTH_RESPONSE] = -1,
        [NA_CLAIMS_GENERIC] = -1,
    };
    static const char *const sub_msg[NA_CLAIMS_TYPE_COUNT] = {
        [NA_CLAIMS_OPERATOR] = "expected subject to be an operator public key",
        [NA_CLAIMS_ACCOUNT] = "expected subject to be account public key",
        [NA_CLAIMS_USER] = "expected subject to be user public key",
        [NA_CLAIMS_ACTIVATION] = "expected subject to be an account",
    };

    if (!c || !jwt || !signer)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_claims_encode");
    *jwt = NULL;
    sub = na_claims_subject(c);
    if (!*sub)
        return na_fail(err, NA_EINVAL, "subject is not set");
    if (want_sub[c->type] >= 0 && strcmp(sub, c->sub_ok) != 0) {
        if (!na_nkey_is_public(sub, (na_nkey_type)want_sub[c->type]))
            return na_fail(err, NA_EINVAL, "%s", sub_msg[c->type]);
        memcpy(c->sub_ok, sub, NA_NKEY_PUBLIC_LEN + 1); /* re-encoding skips the decode */
    }
    if (!na_nkey_has_seed(signer))
        return na_fail(err, NA_EKEYOP, "cannot sign: the signing key has no seed");
    if (!claims_issuer_allowed(c->type, na_nkey_type_of(signer)))
        return na_fail(err, NA_EPREFIX, "%s claims must be signed by %s, not a %s key",
                       type_names[c->type], allowed_issuers(c->type),
                       na_nkey_type_name(na_nkey_type_of(signer)));
    if (c->type == NA_CLAIMS_OPERATOR) {
        const char *u = NULL;
        if (na_claims_get_str(c, "nats.account_server_url", &u) && *u && !strstr(u, "://"))
            return na_fail(err, NA_EINVAL, "account server url \"%.100s\" requires a protocol",
                           u);
    }

    json_object_set_new(c->root, "iss", json_string(na_nkey_public(signer)));
    json_object_set_new(c->root, "iat", json_integer(iat));
    json_object_del(c->root, "jti");
    /* a top-level "type" marks a v1 payload (decode would then verify the
     * v2 signature as v1 and fail); Go's v2 structs have no such field */
    json_object_del(c->root, "type");
    na_buf_init(&b, NA_JWT_MAX_TOKEN);
    st = compute_jti(c, &b, jti, err);
    if (st != NA_OK)
        goto out;
    json_object_set_new(c->root, "jti", json_string(jti));
    nats = claims_nats(c);
    if (c->type != NA_CLAIMS_GENERIC) {
        if (!json_is_object(nats)) {
            nats = json_object();
            json_object_set_new(c->root, "nats", nats);
        }
        json_object_set_new(nats, "type", json_string(type_names[c->type]));
        json_object_set_new(nats, "version", json_integer(2));
    } else if (json_is_object(nats)) {
        json_object_set_new(nats, "version", json_integer(2));
    }

    st = claims_write(c, &b, err);
    if (st != NA_OK)
        goto out;
    plen = na_b64url_enc_len(b.len);
    if (hlen + 1 + plen + 1 + na_b64url_enc_len(NA_NKEY_SIG_LEN) > NA_JWT_MAX_TOKEN) {
        /* the payload fits its cap but its base64 may not: never write a
         * token that na_jwt_decode refuses */
        st = na_fail(err, NA_ETOOBIG, "token would exceed the maximum of %u bytes",
                     NA_JWT_MAX_TOKEN);
        goto out;
    }
    out = malloc(hlen + 1 + plen + 1 + na_b64url_enc_len(NA_NKEY_SIG_LEN) + 1);
    if (!out) {
        st = na_fail(err, NA_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(out, HEADER_B64, hlen);
    out[hlen] = '.';
    na_b64url_encode(out + hlen + 1, (const uint8_t *)b.p, b.len);
    st = na_nkey_sign(signer, sig, out, hlen + 1 + plen, err);
    if (st != NA_OK)
        goto out;
    out[hlen + 1 + plen] = '.';
    na_b64url_encode(out + hlen + 1 + plen + 1, sig, sizeof sig);
    *jwt = out;
    out = NULL;
out:
    free(out);
    na_buf_release(&b);
    return st;
}

/* ---- decode -------------------------------------------------------------- */

static na_status check_header(const char *h, size_t hlen, bool *v1, na_err *err)
{
    uint8_t buf[512];
    long n;
    json_t *j, *typ, *alg;
    char a[32];
    na_status st = NA_OK;
    if (hlen > 600)
        return na_fail(err, NA_EJWT, "token header is too long");
    if (hlen == sizeof HEADER_B64 - 1 && memcmp(h, HEADER_B64, hlen) == 0) {
        *v1 = false; /* the header Go and natsauth write: no need to parse it */
        return NA_OK;
    }
    n = na_b64url_decode(buf, sizeof buf, h, hlen);
    if (n < 0)
        return na_fail(err, NA_EJWT, "token header is not valid base64url");
    j = json_loadb((const char *)buf, (size_t)n, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return na_fail(err, NA_EJWT, "token header is not a JSON object");
    }
    typ = json_object_get(j, "typ");
    alg = json_object_get(j, "alg");
    if (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0) {
        st = na_fail(err, NA_EJWT, "not supported type \"%.40s\"", json_string_value(typ) ? json_string_value(typ) : "");
    } else if (!json_is_string(alg) || json_string_length(alg) >= sizeof a) {
        st = na_fail(err, NA_EJWT, "unexpected algorithm");
    } else {
        size_t i;
        for (i = 0; i < json_string_length(alg); i++)
            a[i] = (char)tolower((unsigned char)json_string_value(alg)[i]);
        a[i] = '\0';
        if (strcmp(a, "ed25519-nkey") == 0)
            *v1 = false;
        else if (strcmp(a, "ed25519") == 0)
            *v1 = true;
        else
            st = na_fail(err, NA_EJWT, "unexpected \"%s\" algorithm", json_string_value(alg));
    }
    json_decref(j);
    return st;
}

na_status claims_decode(na_claims **out, const char *token, size_t len, int64_t *version,
                        na_err *err)
{
    const char *d1, *d2;
    size_t hlen, plen, slen;
    uint8_t *payload = NULL, small[2048];
    uint8_t sig[NA_NKEY_SIG_LEN + 3];
    long n;
    bool alg_v1 = false;
    json_t *root = NULL;
    na_claims *c = NULL;
    int64_t ver = 0;
    na_nkey_type ik;
    uint8_t ipk[NA_NKEY_RAW_LEN];
    const char *iss;
    na_status st;

    if (!out || !token)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_jwt_decode");
    *out = NULL;
    if (len > NA_JWT_MAX_TOKEN)
        return na_fail(err, NA_ETOOBIG, "token size %zu exceeds maximum of %u bytes", len,
                       NA_JWT_MAX_TOKEN);
    d1 = memchr(token, '.', len);
    d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
        return na_fail(err, NA_EJWT, "expected 3 chunks separated by '.'");
    hlen = (size_t)(d1 - token);
    plen = (size_t)(d2 - d1 - 1);
    slen = len - (size_t)(d2 + 1 - token);
    st = check_header(token, hlen, &alg_v1, err);
    if (st != NA_OK)
        return st;
    /* a usual payload (an authorization request is ~1 KB) is decoded on the
     * stack: a heap block of that size costs glibc a fastbin sweep */
    payload = plen + 1 <= sizeof small ? small : malloc(plen + 1);
    if (!payload)
        return na_fail(err, NA_ENOMEM, "out of memory");
    n = na_b64url_decode(payload, plen + 1, d1 + 1, plen);
    if (n < 0) {
        st = na_fail(err, NA_EJWT, "token payload is not valid base64url");
        goto out;
    }
    if (slen != 86 || na_b64url_decode(sig, sizeof sig, d2 + 1, slen) != NA_NKEY_SIG_LEN) {
        st = na_fail(err, NA_EJWT, "token signature is not a base64url ed25519 signature");
        goto out;
    }
    st = parse_json(&root, (const char *)payload, (size_t)n, "token payload", err);
    if (st != NA_OK)
        goto out;
    st = claims_from_root(&c, NA_CLAIMS_TYPE_COUNT, root, &ver, err);
    root = NULL;
    if (st != NA_OK)
        goto out;
    iss = na_claims_issuer(c);
    if (na_nkey_decode_public(&ik, ipk, iss, strlen(iss), NULL) != NA_OK || ik == NA_NKEY_CURVE) {
        st = na_fail(err, NA_ESIG, "issuer '%.60s' is not a valid public key", iss);
        goto out;
    }
    {
        /* v2 signs header.payload; v1 signed only the payload. Generic
         * claims follow the header's alg (DecodeGeneric's rule). */
        bool v1 = c->type == NA_CLAIMS_GENERIC ? alg_v1 : ver <= 1;
        const char *msg = v1 ? d1 + 1 : token;
        size_t mlen = v1 ? plen : hlen + 1 + plen;
        /* the issuer key is decoded once, above */
        if (crypto_sign_verify_detached(sig, (const unsigned char *)msg, mlen, ipk) != 0) {
            st = na_fail(err, NA_ESIG, "claim failed %s signature verification", v1 ? "V1" : "V2");
            goto out;
        }
    }
    if (!claims_issuer_allowed(c->type, ik)) {
        st = na_fail(err, NA_EPREFIX, "%s claims must be issued by %s, not a %s key",
                     type_names[c->type], allowed_issuers(c->type), na_nkey_type_name(ik));
        goto out;
    }
    if (c->type == NA_CLAIMS_ACCOUNT && ver == 2) {
        /* Go's loadAccount: tiered JetStream limits clear the flat ones */
        static const char *const js[] = {"mem_storage", "disk_storage", "streams", "consumer",
                                         "max_ack_pending", "mem_max_stream_bytes",
                                         "disk_max_stream_bytes", "max_bytes_required"};
        json_t *lim = json_object_get(claims_nats(c), "limits");
        if (json_object_size(json_object_get(lim, "tiered_limits")) > 0)
            for (size_t i = 0; i < sizeof js / sizeof js[0]; i++)
                json_object_del(lim, js[i]);
    }
    if (version)
        *version = ver;
    *out = c;
    c = NULL;
out:
    na_claims_destroy(c);
    json_decref(root);
    if (payload == small)
        sodium_memzero(small, plen); /* may hold a client's password: leave none on the stack */
    else
        free(payload);
    return st;
}

na_status na_jwt_decode(na_claims **out, const char *token, size_t len, na_err *err)
{
    return claims_decode(out, token, len, NULL, err);
}

na_status claims_time_check(const na_claims *c, int64_t now, na_err *err)
{
    int64_t exp = na_claims_expires(c), nbf = na_claims_not_before(c);
    if (exp > 0 && now > exp)
        return na_fail(err, NA_EEXPIRED, "claim is expired (exp %lld, now %lld)",
                       (long long)exp, (long long)now);
    if (nbf > 0 && nbf > now)
        return na_fail(err, NA_ENOTYET, "claim is not yet valid (nbf %lld, now %lld)",
                       (long long)nbf, (long long)now);
    return NA_OK;
}

na_status na_jwt_verify(na_claims **out, const char *token, size_t len, int64_t now, na_err *err)
{
    na_claims *c = NULL;
    na_status st = na_jwt_decode(&c, token, len, err);
    if (st == NA_OK)
        st = claims_time_check(c, now, err);
    if (st != NA_OK) {
        na_claims_destroy(c);
        c = NULL;
    }
    *out = c;
    return st;
}

na_status na_jwt_split(char **header_json, char **payload_json, const char *token, size_t len,
                       na_err *err)
{
    const char *d1, *d2;
    uint8_t *buf;
    long n;
    if (header_json)
        *header_json = NULL;
    if (payload_json)
        *payload_json = NULL;
    if (!token || len > NA_JWT_MAX_TOKEN)
        return na_fail(err, NA_ETOOBIG, "token is too large");
    d1 = memchr(token, '.', len);
    d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2)
        return na_fail(err, NA_EJWT, "expected 3 chunks separated by '.'");
    buf = malloc(len + 1);
    if (!buf)
        return na_fail(err, NA_ENOMEM, "out of memory");
    if (header_json) {
        n = na_b64url_decode(buf, len, token, (size_t)(d1 - token));
        if (n < 0) {
            free(buf);
            return na_fail(err, NA_EJWT, "token header is not valid base64url");
        }
        *header_json = na_strndup((char *)buf, (size_t)n);
    }
    if (payload_json) {
        n = na_b64url_decode(buf, len, d1 + 1, (size_t)(d2 - d1 - 1));
        if (n < 0) {
            free(buf);
            if (header_json) {
                free(*header_json);
                *header_json = NULL;
            }
            return na_fail(err, NA_EJWT, "token payload is not valid base64url");
        }
        *payload_json = na_strndup((char *)buf, (size_t)n);
    }
    free(buf);
    return NA_OK;
}
