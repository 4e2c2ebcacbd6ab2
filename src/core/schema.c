/*
 * schema.c - Go struct layouts of nats-io/jwt v2 as tables, and the JSON
 * checker/writer that follow them.
 *
 * The writer reproduces encoding/json: fields in struct order (embedded
 * structs inlined where they sit), omitempty drops 0/false/""/nil/empty
 * slices and maps but never a non-pointer struct, maps sorted by key,
 * HTML-safe string escaping. Fields not in a schema are written after the
 * known ones, in the order they were read, so nothing is lost on a round trip.
 * The checker mirrors json.Unmarshal's type errors and its two custom
 * normalisations (CIDR lists given as one string; user_scope templates whose
 * subs/data/payload default to -1).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FIELDS 32 /* the largest struct (User) has 22 */
#define SCHEMA(name, arr) {name, arr, N(arr)}

/* ---- tables ----------------------------------------------------------- */

static const field f_permission[] = {
    {"allow", F_STRS, true, NULL},
    {"deny", F_STRS, true, NULL},
};
static const schema S_PERMISSION = SCHEMA("Permission", f_permission);

static const field f_resp[] = {
    {"max", F_INT, false, NULL},
    {"ttl", F_INT, false, NULL},
};
static const schema S_RESP = SCHEMA("ResponsePermission", f_resp);

static const field f_permissions[] = {
    {"pub", F_STRUCT, false, &S_PERMISSION},
    {"sub", F_STRUCT, false, &S_PERMISSION},
    {"resp", F_PTR, true, &S_RESP},
};
static const schema S_PERMISSIONS = SCHEMA("Permissions", f_permissions);

static const field f_timerange[] = {
    {"start", F_STR, true, NULL},
    {"end", F_STR, true, NULL},
};
static const schema S_TIMERANGE = SCHEMA("TimeRange", f_timerange);

/* UserPermissionLimits = Permissions + Limits(UserLimits + NatsLimits) + ... */
#define USER_PERMISSION_LIMITS_FIELDS                         \
    {"pub", F_STRUCT, false, &S_PERMISSION},                  \
    {"sub", F_STRUCT, false, &S_PERMISSION},                  \
    {"resp", F_PTR, true, &S_RESP},                           \
    {"src", F_CIDRS, true, NULL},                             \
    {"times", F_ARRAY, true, &S_TIMERANGE},                   \
    {"times_location", F_STR, true, NULL},                    \
    {"subs", F_INT, true, NULL},                              \
    {"data", F_INT, true, NULL},                              \
    {"payload", F_INT, true, NULL},                           \
    {"bearer_token", F_BOOL, true, NULL},                     \
    {"proxy_required", F_BOOL, true, NULL},                   \
    {"allowed_connection_types", F_STRS, true, NULL}

static const field f_upl[] = {USER_PERMISSION_LIMITS_FIELDS};
const schema SCHEMA_USER_PERMISSION_LIMITS = SCHEMA("UserPermissionLimits", f_upl);

#define GENERIC_FIELDS                    \
    {"tags", F_STRS, true, NULL},         \
    {"type", F_STR, true, NULL},          \
    {"version", F_INT, true, NULL}

static const field f_user[] = {
    USER_PERMISSION_LIMITS_FIELDS,
    {"issuer_account", F_STR, true, NULL},
    GENERIC_FIELDS,
};
static const schema S_USER = SCHEMA("User", f_user);

static const field f_operator[] = {
    {"signing_keys", F_STRS, true, NULL},
    {"account_server_url", F_STR, true, NULL},
    {"operator_service_urls", F_STRS, true, NULL},
    {"system_account", F_STR, true, NULL},
    {"assert_server_version", F_STR, true, NULL},
    {"strict_signing_key_usage", F_BOOL, true, NULL},
    GENERIC_FIELDS,
};
static const schema S_OPERATOR = SCHEMA("Operator", f_operator);

static const field f_jslimits[] = {
    {"mem_storage", F_INT, true, NULL},
    {"disk_storage", F_INT, true, NULL},
    {"streams", F_INT, true, NULL},
    {"consumer", F_INT, true, NULL},
    {"max_ack_pending", F_INT, true, NULL},
    {"mem_max_stream_bytes", F_INT, true, NULL},
    {"disk_max_stream_bytes", F_INT, true, NULL},
    {"max_bytes_required", F_BOOL, true, NULL},
};
static const schema S_JSLIMITS = SCHEMA("JetStreamLimits", f_jslimits);

static const field f_limits[] = {
    {"subs", F_INT, true, NULL},
    {"data", F_INT, true, NULL},
    {"payload", F_INT, true, NULL},
    {"imports", F_INT, true, NULL},
    {"exports", F_INT, true, NULL},
    {"wildcards", F_BOOL, true, NULL},
    {"disallow_bearer", F_BOOL, true, NULL},
    {"conn", F_INT, true, NULL},
    {"leaf", F_INT, true, NULL},
    {"mem_storage", F_INT, true, NULL},
    {"disk_storage", F_INT, true, NULL},
    {"streams", F_INT, true, NULL},
    {"consumer", F_INT, true, NULL},
    {"max_ack_pending", F_INT, true, NULL},
    {"mem_max_stream_bytes", F_INT, true, NULL},
    {"disk_max_stream_bytes", F_INT, true, NULL},
    {"max_bytes_required", F_BOOL, true, NULL},
    {"tiered_limits", F_MAP_STRUCT, true, &S_JSLIMITS},
};
static const schema S_LIMITS = SCHEMA("OperatorLimits", f_limits);

static const field f_latency[] = {
    {"sampling", F_SAMPLING, false, NULL},
    {"results", F_STR, false, NULL},
};
static const schema S_LATENCY = SCHEMA("ServiceLatency", f_latency);

static const field f_export[] = {
    {"name", F_STR, true, NULL},
    {"subject", F_STR, true, NULL},
    {"type", F_EXPORT_TYPE, true, NULL},
    {"token_req", F_BOOL, true, NULL},
    {"revocations", F_MAP_INT, true, NULL},
    {"response_type", F_STR, true, NULL},
    {"response_threshold", F_INT, true, NULL},
    {"service_latency", F_PTR, true, &S_LATENCY},
    {"account_token_position", F_UINT, true, NULL},
    {"advertise", F_BOOL, true, NULL},
    {"allow_trace", F_BOOL, true, NULL},
    {"description", F_STR, true, NULL},
    {"info_url", F_STR, true, NULL},
};
static const schema S_EXPORT = SCHEMA("Export", f_export);

static const field f_import[] = {
    {"name", F_STR, true, NULL},
    {"subject", F_STR, true, NULL},
    {"account", F_STR, true, NULL},
    {"token", F_STR, true, NULL},
    {"to", F_STR, true, NULL},
    {"local_subject", F_STR, true, NULL},
    {"type", F_EXPORT_TYPE, true, NULL},
    {"share", F_BOOL, true, NULL},
    {"allow_trace", F_BOOL, true, NULL},
};
static const schema S_IMPORT = SCHEMA("Import", f_import);

static const field f_scope[] = {
    {"kind", F_SCOPE_KIND, false, NULL},
    {"key", F_STR, false, NULL},
    {"role", F_STR, false, NULL},
    {"template", F_STRUCT, false, &SCHEMA_USER_PERMISSION_LIMITS},
    {"description", F_STR, false, NULL},
};
static const schema S_SCOPE = SCHEMA("UserScope", f_scope);

static const field f_mapping[] = {
    {"subject", F_STR, false, NULL},
    {"weight", F_UINT8, true, NULL},
    {"cluster", F_STR, true, NULL},
};
static const schema S_MAPPING = SCHEMA("WeightedMapping", f_mapping);

static const field f_extauth[] = {
    {"auth_users", F_STRS, true, NULL},
    {"allowed_accounts", F_STRS, true, NULL},
    {"xkey", F_STR, true, NULL},
};
static const schema S_EXTAUTH = SCHEMA("ExternalAuthorization", f_extauth);

static const field f_trace[] = {
    {"dest", F_STR, true, NULL},
    {"sampling", F_INT, true, NULL},
};
static const schema S_TRACE = SCHEMA("MsgTrace", f_trace);

static const field f_account[] = {
    {"imports", F_ARRAY, true, &S_IMPORT},
    {"exports", F_ARRAY, true, &S_EXPORT},
    {"limits", F_STRUCT, true, &S_LIMITS},
    {"signing_keys", F_SKEYS, true, &S_SCOPE},
    {"revocations", F_MAP_INT, true, NULL},
    {"default_permissions", F_STRUCT, true, &S_PERMISSIONS},
    {"mappings", F_MAP_ARRAY, true, &S_MAPPING},
    {"authorization", F_STRUCT, true, &S_EXTAUTH},
    {"trace", F_PTR, true, &S_TRACE},
    {"cluster_traffic", F_STR, true, NULL},
    {"description", F_STR, true, NULL},
    {"info_url", F_STR, true, NULL},
    GENERIC_FIELDS,
};
static const schema S_ACCOUNT = SCHEMA("Account", f_account);

static const field f_activation[] = {
    {"subject", F_STR, true, NULL},
    {"kind", F_EXPORT_TYPE, true, NULL},
    {"issuer_account", F_STR, true, NULL},
    GENERIC_FIELDS,
};
static const schema S_ACTIVATION = SCHEMA("Activation", f_activation);

static const field f_serverid[] = {
    {"name", F_STR, false, NULL},
    {"host", F_STR, false, NULL},
    {"id", F_STR, false, NULL},
    {"version", F_STR, true, NULL},
    {"cluster", F_STR, true, NULL},
    {"tags", F_STRS, true, NULL},
    {"xkey", F_STR, true, NULL},
};
static const schema S_SERVERID = SCHEMA("ServerID", f_serverid);

static const field f_clientinfo[] = {
    {"host", F_STR, true, NULL},
    {"id", F_UINT, true, NULL},
    {"user", F_STR, true, NULL},
    {"name", F_STR, true, NULL},
    {"tags", F_STRS, true, NULL},
    {"name_tag", F_STR, true, NULL},
    {"kind", F_STR, true, NULL},
    {"type", F_STR, true, NULL},
    {"mqtt_id", F_STR, true, NULL},
    {"nonce", F_STR, true, NULL},
};
static const schema S_CLIENTINFO = SCHEMA("ClientInformation", f_clientinfo);

static const field f_connectopts[] = {
    {"jwt", F_STR, true, NULL},
    {"nkey", F_STR, true, NULL},
    {"sig", F_STR, true, NULL},
    {"auth_token", F_STR, true, NULL},
    {"user", F_STR, true, NULL},
    {"pass", F_STR, true, NULL},
    {"name", F_STR, true, NULL},
    {"lang", F_STR, true, NULL},
    {"version", F_STR, true, NULL},
    {"protocol", F_INT, false, NULL},
};
static const schema S_CONNECTOPTS = SCHEMA("ConnectOptions", f_connectopts);

static const field f_clienttls[] = {
    {"version", F_STR, true, NULL},
    {"cipher", F_STR, true, NULL},
    {"certs", F_STRS, true, NULL},
    {"verified_chains", F_ARRAY_STRS, true, NULL},
};
static const schema S_CLIENTTLS = SCHEMA("ClientTLS", f_clienttls);

static const field f_authreq[] = {
    {"server_id", F_STRUCT, false, &S_SERVERID},
    {"user_nkey", F_STR, false, NULL},
    {"client_info", F_STRUCT, false, &S_CLIENTINFO},
    {"connect_opts", F_STRUCT, false, &S_CONNECTOPTS},
    {"client_tls", F_PTR, true, &S_CLIENTTLS},
    {"request_nonce", F_STR, true, NULL},
    GENERIC_FIELDS,
};
static const schema S_AUTHREQ = SCHEMA("AuthorizationRequest", f_authreq);

static const field f_authresp[] = {
    {"jwt", F_STR, true, NULL},
    {"error", F_STR, true, NULL},
    {"issuer_account", F_STR, true, NULL},
    GENERIC_FIELDS,
};
static const schema S_AUTHRESP = SCHEMA("AuthorizationResponse", f_authresp);

#define CLAIMS_DATA_FIELDS                    \
    {"aud", F_STR, true, NULL},               \
    {"exp", F_INT, true, NULL},               \
    {"jti", F_STR, true, NULL},               \
    {"iat", F_INT, true, NULL},               \
    {"iss", F_STR, true, NULL},               \
    {"name", F_STR, true, NULL},              \
    {"nbf", F_INT, true, NULL},               \
    {"sub", F_STR, true, NULL}

/* "nats" is a value struct with omitempty: Go always writes it, except the
 * generic map, which is dropped when nil/empty. */
static const field f_top_operator[] = {CLAIMS_DATA_FIELDS, {"nats", F_STRUCT, true, &S_OPERATOR}};
static const field f_top_account[] = {CLAIMS_DATA_FIELDS, {"nats", F_STRUCT, true, &S_ACCOUNT}};
static const field f_top_user[] = {CLAIMS_DATA_FIELDS, {"nats", F_STRUCT, true, &S_USER}};
static const field f_top_activation[] = {CLAIMS_DATA_FIELDS,
                                         {"nats", F_STRUCT, true, &S_ACTIVATION}};
static const field f_top_authreq[] = {CLAIMS_DATA_FIELDS, {"nats", F_STRUCT, false, &S_AUTHREQ}};
static const field f_top_authresp[] = {CLAIMS_DATA_FIELDS,
                                       {"nats", F_STRUCT, false, &S_AUTHRESP}};
static const field f_top_generic[] = {CLAIMS_DATA_FIELDS, {"nats", F_ANY, true, NULL}};

static const schema S_TOP[NA_CLAIMS_TYPE_COUNT] = {
    [NA_CLAIMS_OPERATOR] = SCHEMA("OperatorClaims", f_top_operator),
    [NA_CLAIMS_ACCOUNT] = SCHEMA("AccountClaims", f_top_account),
    [NA_CLAIMS_USER] = SCHEMA("UserClaims", f_top_user),
    [NA_CLAIMS_ACTIVATION] = SCHEMA("ActivationClaims", f_top_activation),
    [NA_CLAIMS_AUTH_REQUEST] = SCHEMA("AuthorizationRequestClaims", f_top_authreq),
    [NA_CLAIMS_AUTH_RESPONSE] = SCHEMA("AuthorizationResponseClaims", f_top_authresp),
    [NA_CLAIMS_GENERIC] = SCHEMA("GenericClaims", f_top_generic),
};

const schema *schema_for(na_claims_type t)
{
    return (unsigned)t < NA_CLAIMS_TYPE_COUNT ? &S_TOP[t] : NULL;
}

const field *schema_field(const schema *s, const char *key, size_t keylen)
{
    /* first byte before anything else: most fields differ there */
    for (size_t i = 0; i < s->count; i++) {
        const char *k = s->fields[i].key;
        if (k[0] == key[0] && strncmp(k, key, keylen) == 0 && k[keylen] == '\0')
            return &s->fields[i];
    }
    return NULL;
}

/* ---- checking (json.Unmarshal's type rules) ---------------------------- */

static const char *jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

static na_status want(const char *path, const char *what, const json_t *v, na_err *err)
{
    return na_fail(err, NA_ESCHEMA, "field '%s' must be %s, not %s", path, what, jtype(v));
}

static na_status check_strs(json_t *v, const char *path, na_err *err)
{
    size_t i;
    json_t *e;
    if (!json_is_array(v))
        return want(path, "a list of strings", v, err);
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) && !json_is_null(e))
            return na_fail(err, NA_ESCHEMA, "field '%s[%zu]' must be a string, not %s", path, i,
                           jtype(e));
    }
    return NA_OK;
}

static void subpath(char *out, size_t cap, const char *path, const char *key)
{
    /* runs for every known field a decode checks: plain copies instead of
     * snprintf (bench_core decode_verify); cut to cap like snprintf */
    size_t n = 0, k = strlen(key);
    if (path && *path) {
        n = strlen(path);
        if (n > cap - 2)
            n = cap - 2;
        memcpy(out, path, n);
        out[n++] = '.';
    }
    if (k > cap - 1 - n)
        k = cap - 1 - n;
    memcpy(out + n, key, k);
    out[n + k] = '\0';
}

/* Go's CIDRList.Set: lower-case, split on ',', trim, drop empty and dups. */
static json_t *cidr_list_from_string(const char *s)
{
    json_t *arr = json_array();
    const char *p = s;
    while (arr) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char *tok = na_strndup(p, n), *a = tok, *z;
        bool dup = false;
        size_t i;
        json_t *e;
        if (!tok)
            break;
        while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
            a++;
        z = a + strlen(a);
        while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\n' || z[-1] == '\r'))
            *--z = '\0';
        for (char *c = a; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        json_array_foreach(arr, i, e) {
            if (strcmp(json_string_value(e), a) == 0)
                dup = true;
        }
        if (*a && !dup)
            json_array_append_new(arr, json_string(a));
        free(tok);
        if (!comma)
            break;
        p = comma + 1;
    }
    return arr;
}

na_status schema_check_value(const field *f, json_t *v, const char *path, na_err *err)
{
    size_t i;
    json_t *e;
    const char *k;
    char sp[256];
    na_status st;

    if (json_is_null(v))
        return NA_OK; /* null leaves the Go field at its zero value */
    switch (f->kind) {
    case F_STR:
        return json_is_string(v) ? NA_OK : want(path, "a string", v, err);
    case F_INT:
        return json_is_integer(v) ? NA_OK : want(path, "an integer", v, err);
    case F_UINT:
        if (!json_is_integer(v))
            return want(path, "an integer", v, err);
        if (json_integer_value(v) < 0)
            return na_fail(err, NA_ESCHEMA, "field '%s' must not be negative", path);
        return NA_OK;
    case F_UINT8:
        if (!json_is_integer(v))
            return want(path, "an integer", v, err);
        if (json_integer_value(v) < 0 || json_integer_value(v) > 255)
            return na_fail(err, NA_ESCHEMA, "field '%s' must be between 0 and 255", path);
        return NA_OK;
    case F_BOOL:
        return json_is_boolean(v) ? NA_OK : want(path, "true or false", v, err);
    case F_STRS:
        return check_strs(v, path, err);
    case F_CIDRS:
        if (json_is_string(v))
            return NA_OK; /* normalised by the caller (needs the parent) */
        return check_strs(v, path, err);
    case F_STRUCT:
    case F_PTR:
        if (!json_is_object(v))
            return want(path, "an object", v, err);
        return schema_check(f->sub, v, path, err);
    case F_ARRAY:
        if (!json_is_array(v))
            return want(path, "a list of objects", v, err);
        json_array_foreach(v, i, e) {
            snprintf(sp, sizeof sp, "%s[%zu]", path, i);
            if (json_is_null(e))
                continue;
            if (!json_is_object(e))
                return want(sp, "an object", e, err);
            if ((st = schema_check(f->sub, e, sp, err)) != NA_OK)
                return st;
        }
        return NA_OK;
    case F_ARRAY_STRS:
        if (!json_is_array(v))
            return want(path, "a list of lists of strings", v, err);
        json_array_foreach(v, i, e) {
            snprintf(sp, sizeof sp, "%s[%zu]", path, i);
            if (!json_is_null(e) && (st = check_strs(e, sp, err)) != NA_OK)
                return st;
        }
        return NA_OK;
    case F_MAP_INT:
        if (!json_is_object(v))
            return want(path, "an object of integers", v, err);
        json_object_foreach(v, k, e) {
            subpath(sp, sizeof sp, path, k);
            if (!json_is_integer(e) && !json_is_null(e))
                return want(sp, "an integer", e, err);
        }
        return NA_OK;
    case F_MAP_STRUCT:
        if (!json_is_object(v))
            return want(path, "an object", v, err);
        json_object_foreach(v, k, e) {
            subpath(sp, sizeof sp, path, k);
            if (json_is_null(e))
                continue;
            if (!json_is_object(e))
                return want(sp, "an object", e, err);
            if ((st = schema_check(f->sub, e, sp, err)) != NA_OK)
                return st;
        }
        return NA_OK;
    case F_MAP_ARRAY: {
        field inner = {f->key, F_ARRAY, true, f->sub};
        if (!json_is_object(v))
            return want(path, "an object", v, err);
        json_object_foreach(v, k, e) {
            subpath(sp, sizeof sp, path, k);
            if ((st = schema_check_value(&inner, e, sp, err)) != NA_OK)
                return st;
        }
        return NA_OK;
    }
    case F_EXPORT_TYPE:
        if (!json_is_string(v))
            return want(path, "\"stream\" or \"service\"", v, err);
        if (strcmp(json_string_value(v), "stream") != 0 &&
            strcmp(json_string_value(v), "service") != 0)
            return na_fail(err, NA_ESCHEMA, "field '%s': unknown export type \"%.64s\"", path,
                           json_string_value(v));
        return NA_OK;
    case F_SAMPLING:
        if (json_is_string(v)) {
            if (strcasecmp(json_string_value(v), "headers") == 0) {
                return NA_OK;
            }
            return na_fail(err, NA_ESCHEMA, "field '%s' must be \"headers\" or 1..100", path);
        }
        return json_is_integer(v) ? NA_OK : want(path, "\"headers\" or an integer", v, err);
    case F_SCOPE_KIND:
        if (!json_is_string(v) || strcmp(json_string_value(v), "user_scope") != 0)
            return na_fail(err, NA_ESCHEMA, "field '%s': unknown signing key scope", path);
        return NA_OK;
    case F_SKEYS:
        if (!json_is_array(v))
            return want(path, "a list of keys", v, err);
        json_array_foreach(v, i, e) {
            snprintf(sp, sizeof sp, "%s[%zu]", path, i);
            if (json_is_string(e) || json_is_null(e))
                continue;
            if (!json_is_object(e))
                return want(sp, "a key or a scope object", e, err);
            {
                json_t *kind = json_object_get(e, "kind");
                json_t *tpl;
                if (!json_is_string(kind) || strcmp(json_string_value(kind), "user_scope") != 0)
                    return na_fail(err, NA_ESCHEMA, "field '%s': unknown signing key scope",
                                   sp);
                /* NewUserScope() defaults, applied before unmarshalling */
                tpl = json_object_get(e, "template");
                if (!json_is_object(tpl)) {
                    if (tpl && !json_is_null(tpl))
                        return want(sp, "an object for 'template'", tpl, err);
                    tpl = json_object();
                    json_object_set_new(e, "template", tpl);
                }
                if (!json_object_get(tpl, "subs"))
                    json_object_set_new(tpl, "subs", json_integer(-1));
                if (!json_object_get(tpl, "data"))
                    json_object_set_new(tpl, "data", json_integer(-1));
                if (!json_object_get(tpl, "payload"))
                    json_object_set_new(tpl, "payload", json_integer(-1));
            }
            if ((st = schema_check(f->sub, e, sp, err)) != NA_OK)
                return st;
        }
        return NA_OK;
    case F_ANY:
        return NA_OK;
    }
    return NA_OK;
}

/* True when schema_check_value would accept v for f without a change or a
 * descent: the scalar fields that make up most of a token. Their check then
 * costs no path string (the path is only for messages and sub-structs). */
static bool plain_ok(const field *f, const json_t *v)
{
    switch (f->kind) {
    case F_STR: return json_is_string(v) || json_is_null(v);
    case F_INT: return json_is_integer(v) || json_is_null(v);
    case F_BOOL: return json_is_boolean(v) || json_is_null(v);
    case F_ANY: return true;
    default: return false;
    }
}

na_status schema_check(const schema *s, json_t *obj, const char *path, na_err *err)
{
    const char *k;
    json_t *v;
    char sp[256];
    na_status st;
    json_object_foreach(obj, k, v) {
        const field *f = schema_field(s, k, strlen(k));
        if (!f)
            continue; /* unknown: kept as is */
        if (plain_ok(f, v))
            continue;
        subpath(sp, sizeof sp, path, k);
        if ((st = schema_check_value(f, v, sp, err)) != NA_OK)
            return st;
        if (f->kind == F_CIDRS && json_is_string(v)) {
            json_t *list = cidr_list_from_string(json_string_value(v));
            if (!list)
                return na_fail(err, NA_ENOMEM, "out of memory");
            json_object_set_new(obj, k, list); /* replacing a value keeps iteration valid */
        }
    }
    return NA_OK;
}

/* ---- writing (encoding/json's Marshal) --------------------------------- */

/* The writer's appends: na_buf_put's contract (same limits, same latching
 * of a failure), done inline when the bytes fit the capacity the buffer
 * already has; writing a token is hundreds of small appends, and a call
 * per character cost ~1% of a callout decision. */
static inline bool buf_fits(const na_buf *b, size_t n)
{
    return !b->failed && n <= b->max && b->len + 1 <= b->max - n && b->len + n + 1 <= b->cap;
}

static inline void wput(na_buf *b, const void *p, size_t n)
{
    if (!buf_fits(b, n)) {
        na_buf_put(b, p, n);
        return;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static inline void wputc(na_buf *b, char c)
{
    if (!buf_fits(b, 1)) {
        na_buf_putc(b, c);
        return;
    }
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

static inline void wputs(na_buf *b, const char *s)
{
    wput(b, s, strlen(s));
}

/* %lld without printf: integers are the values a claims writer writes most
 * (bench_core issue spent ~2% of its time in vsnprintf for them) */
static void put_int(na_buf *b, long long x)
{
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (x < 0)
        *--p = '-';
    wput(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Bytes Go's encoder escapes (HTML-safe mode), plus 0xE2, the lead byte of
 * U+2028/U+2029, which is checked in full when met. */
static const unsigned char needs_escape[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1, ['<'] = 1,
    ['>'] = 1,  ['&'] = 1,  [0xE2] = 1,
};

void json_write_string(na_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;
    /* eight bytes a step while none needs escaping (tokens are kilobytes
     * of base64 inside a response), then byte by byte */
    while (i + 8 <= len &&
           !(needs_escape[p[i]] | needs_escape[p[i + 1]] | needs_escape[p[i + 2]] |
             needs_escape[p[i + 3]] | needs_escape[p[i + 4]] | needs_escape[p[i + 5]] |
             needs_escape[p[i + 6]] | needs_escape[p[i + 7]]))
        i += 8;
    while (i < len && !needs_escape[p[i]])
        i++;
    if (i == len && buf_fits(b, len + 2)) {
        /* nothing to escape (the usual case): one append */
        char *o = b->p + b->len;
        o[0] = '"';
        memcpy(o + 1, s, len);
        o[len + 1] = '"';
        b->len += len + 2;
        b->p[b->len] = '\0';
        return;
    }
    i = 0;
    wputc(b, '"');
    while (i < len) {
        unsigned char c;
        const char *esc = NULL;
        char u[7];
        size_t adv = 1;
        while (i < len && !needs_escape[p[i]])
            i++;
        if (i >= len)
            break;
        c = p[i];
        if (c == 0xE2) {
            if (i + 2 < len && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
                esc = p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
                adv = 3;
            } else {
                i++; /* another character starting with 0xE2: written as is */
                continue;
            }
        } else {
            switch (c) {
            case '"': esc = "\\\""; break;
            case '\\': esc = "\\\\"; break;
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            case '\t': esc = "\\t"; break;
            case '\b': esc = "\\b"; break;
            case '\f': esc = "\\f"; break;
            default:
                u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
                u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
                esc = u;
            }
        }
        wput(b, s + start, i - start);
        wputs(b, esc);
        i += adv;
        start = i;
    }
    wput(b, s + start, len - start);
    wputc(b, '"');
}

static void write_key(na_buf *b, bool *first, const char *key)
{
    size_t n = strlen(key), i = 0;
    const unsigned char *k = (const unsigned char *)key;
    while (i < n && !needs_escape[k[i]])
        i++;
    if (i == n && buf_fits(b, n + 4)) {
        /* ,"key": in one append (keys rarely need escapes) */
        char *o = b->p + b->len;
        size_t at = 0;
        if (!*first)
            o[at++] = ',';
        o[at++] = '"';
        memcpy(o + at, key, n);
        at += n;
        o[at++] = '"';
        o[at++] = ':';
        b->len += at;
        b->p[b->len] = '\0';
        *first = false;
        return;
    }
    if (!*first)
        wputc(b, ',');
    *first = false;
    json_write_string(b, key, n);
    wputc(b, ':');
}

/* Go's float64 encoding: shortest round-trip digits, 'f' style unless the
 * magnitude is < 1e-6 or >= 1e21, then 'e' with a trimmed exponent. */
static void write_float(na_buf *b, double f)
{
    char digits[40], out[64];
    int prec, exp10 = 0, nd;
    double a = fabs(f);
    bool neg = f < 0;
    if (!isfinite(f)) {
        wputs(b, "null");
        return;
    }
    if (f == 0) {
        wputs(b, signbit(f) ? "-0" : "0");
        return;
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(out, sizeof out, "%.*e", prec - 1, a);
        if (strtod(out, NULL) == a)
            break;
    }
    /* out = d.ddddde[+-]XX : split into digits and exponent */
    nd = 0;
    for (char *c = out; *c && *c != 'e'; c++)
        if (*c != '.')
            digits[nd++] = *c;
    digits[nd] = '\0';
    exp10 = atoi(strchr(out, 'e') + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    if (neg)
        wputc(b, '-');
    if (a < 1e-6 || a >= 1e21) {
        wputc(b, digits[0]);
        if (nd > 1) {
            wputc(b, '.');
            wputs(b, digits + 1);
        }
        na_buf_printf(b, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        /* Go trims e-09 to e-9 (only for negative exponents) */
        if (exp10 < 0 && exp10 > -10) {
            b->len -= 2;
            na_buf_printf(b, "%d", -exp10);
        }
        return;
    }
    if (exp10 < 0) {
        wputs(b, "0.");
        for (int i = 0; i < -exp10 - 1; i++)
            wputc(b, '0');
        wputs(b, digits);
    } else if (exp10 + 1 >= nd) {
        wputs(b, digits);
        for (int i = nd; i < exp10 + 1; i++)
            wputc(b, '0');
    } else {
        wput(b, digits, (size_t)exp10 + 1);
        wputc(b, '.');
        wputs(b, digits + exp10 + 1);
    }
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of an object (caller frees the array, not the strings). */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
    size_t cnt = json_object_size(obj), i = 0;
    const char **keys = malloc((cnt ? cnt : 1) * sizeof *keys);
    const char *k;
    json_t *v;
    if (!keys)
        return NULL;
    json_object_foreach((json_t *)obj, k, v) {
        (void)v;
        keys[i++] = k;
    }
    qsort(keys, cnt, sizeof *keys, cmp_keys);
    *n = cnt;
    return keys;
}

void json_write_any(na_buf *b, const json_t *v)
{
    size_t i, n;
    json_t *e;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char **keys = sorted_keys(v, &n);
        bool first = true;
        if (!keys) {
            b->failed = true;
            return;
        }
        wputc(b, '{');
        for (i = 0; i < n; i++) {
            write_key(b, &first, keys[i]);
            json_write_any(b, json_object_get(v, keys[i]));
        }
        wputc(b, '}');
        free(keys);
        return;
    }
    case JSON_ARRAY:
        wputc(b, '[');
        json_array_foreach((json_t *)v, i, e) {
            if (i)
                wputc(b, ',');
            json_write_any(b, e);
        }
        wputc(b, ']');
        return;
    case JSON_STRING:
        json_write_string(b, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER: {
        /* interface{} numbers are float64 in Go: integers beyond 2^53 lose
         * precision exactly as they do there */
        json_int_t x = json_integer_value(v);
        if (x > (1LL << 53) || x < -(1LL << 53))
            write_float(b, (double)x);
        else
            put_int(b, (long long)x);
        return;
    }
    case JSON_REAL:
        write_float(b, json_real_value(v));
        return;
    case JSON_TRUE:
        wputs(b, "true");
        return;
    case JSON_FALSE:
        wputs(b, "false");
        return;
    default:
        wputs(b, "null");
        return;
    }
}

static bool is_empty(const field *f, const json_t *v)
{
    if (f->kind == F_STRUCT)
        return false; /* Go never omits a non-pointer struct, even a zero one */
    if (!v || json_is_null(v))
        return true;
    switch (f->kind) {
    case F_STR:
    case F_EXPORT_TYPE:
        return json_is_string(v) && json_string_length(v) == 0;
    case F_INT:
    case F_UINT:
    case F_UINT8:
        return json_is_integer(v) && json_integer_value(v) == 0;
    case F_BOOL:
        return json_is_false(v);
    case F_STRS:
    case F_CIDRS:
    case F_ARRAY:
    case F_ARRAY_STRS:
    case F_SKEYS:
        return json_is_array(v) && json_array_size(v) == 0;
    case F_MAP_INT:
    case F_MAP_STRUCT:
    case F_MAP_ARRAY:
        return json_is_object(v) && json_object_size(v) == 0;
    case F_ANY:
        return (json_is_object(v) && json_object_size(v) == 0) ||
               (json_is_array(v) && json_array_size(v) == 0) ||
               (json_is_string(v) && json_string_length(v) == 0) ||
               json_is_false(v) || (json_is_integer(v) && json_integer_value(v) == 0);
    case F_STRUCT:
    case F_SAMPLING:
    case F_SCOPE_KIND:
    case F_PTR:
        return false;
    }
    return false;
}

static na_status write_value(na_buf *b, const field *f, const json_t *v, const char *path,
                             na_err *err);

static na_status write_struct_array(na_buf *b, const schema *s, const json_t *arr,
                                    bool sort_by_subject, const char *path, na_err *err)
{
    size_t n = json_array_size(arr), i;
    const json_t **items = malloc((n ? n : 1) * sizeof *items);
    na_status st = NA_OK;
    if (!items)
        return na_fail(err, NA_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        items[i] = json_array_get(arr, i);
    if (sort_by_subject) {
        /* stable insertion sort by "subject", like Go's sort for short lists */
        for (i = 1; i < n; i++) {
            const json_t *x = items[i];
            const char *xs = json_string_value(json_object_get(x, "subject"));
            size_t j = i;
            while (j > 0) {
                const char *ps = json_string_value(json_object_get(items[j - 1], "subject"));
                if (strcmp(ps ? ps : "", xs ? xs : "") <= 0)
                    break;
                items[j] = items[j - 1];
                j--;
            }
            items[j] = x;
        }
    }
    wputc(b, '[');
    for (i = 0; i < n && st == NA_OK; i++) {
        if (i)
            wputc(b, ',');
        if (json_is_null(items[i]))
            wputs(b, "null");
        else
            st = schema_write(b, s, items[i], err);
    }
    wputc(b, ']');
    free(items);
    (void)path;
    return st;
}

static void write_strs(na_buf *b, const json_t *v)
{
    size_t i;
    json_t *e;
    wputc(b, '[');
    json_array_foreach((json_t *)v, i, e) {
        if (i)
            wputc(b, ',');
        if (json_is_string(e))
            json_write_string(b, json_string_value(e), json_string_length(e));
        else
            wputs(b, "\"\""); /* null inside []string decodes to "" */
    }
    wputc(b, ']');
}

static na_status write_signing_keys(na_buf *b, const field *f, const json_t *arr, na_err *err)
{
    /* a map in Go: the last entry for a key wins; written sorted by key */
    size_t n = json_array_size(arr), i, m = 0;
    struct sk {
        const char *key;
        const json_t *v;
    } *ks = malloc((n ? n : 1) * sizeof *ks);
    na_status st = NA_OK;
    if (!ks)
        return na_fail(err, NA_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        const char *key;
        size_t j;
        if (json_is_string(e))
            key = json_string_value(e);
        else if (json_is_object(e))
            key = json_string_value(json_object_get(e, "key"));
        else
            continue;
        if (!key)
            key = "";
        for (j = 0; j < m; j++)
            if (strcmp(ks[j].key, key) == 0)
                break;
        ks[j].key = key;
        ks[j].v = e;
        if (j == m)
            m++;
    }
    for (i = 1; i < m; i++) {
        struct sk x = ks[i];
        size_t j = i;
        while (j > 0 && strcmp(ks[j - 1].key, x.key) > 0) {
            ks[j] = ks[j - 1];
            j--;
        }
        ks[j] = x;
    }
    wputc(b, '[');
    for (i = 0; i < m && st == NA_OK; i++) {
        if (i)
            wputc(b, ',');
        if (json_is_string(ks[i].v))
            json_write_string(b, ks[i].key, strlen(ks[i].key));
        else
            st = schema_write(b, f->sub, ks[i].v, err);
    }
    wputc(b, ']');
    free(ks);
    return st;
}

static na_status write_value(na_buf *b, const field *f, const json_t *v, const char *path,
                             na_err *err)
{
    size_t i, n;
    json_t *e;
    na_status st = NA_OK;

    switch (f->kind) {
    case F_STR:
        if (json_is_string(v))
            json_write_string(b, json_string_value(v), json_string_length(v));
        else
            wputs(b, "\"\"");
        return NA_OK;
    case F_INT:
    case F_UINT:
    case F_UINT8:
        put_int(b, json_is_integer(v) ? (long long)json_integer_value(v) : 0LL);
        return NA_OK;
    case F_BOOL:
        wputs(b, json_is_true(v) ? "true" : "false");
        return NA_OK;
    case F_STRS:
    case F_CIDRS:
        if (!json_is_array(v))
            wputs(b, "null");
        else
            write_strs(b, v);
        return NA_OK;
    case F_STRUCT:
        return schema_write(b, f->sub, json_is_object(v) ? v : NULL, err); /* NULL: zero struct */
    case F_PTR:
        if (!json_is_object(v)) {
            wputs(b, "null");
            return NA_OK;
        }
        return schema_write(b, f->sub, v, err);
    case F_ARRAY:
        if (!json_is_array(v)) {
            wputs(b, "null");
            return NA_OK;
        }
        return write_struct_array(b, f->sub, v,
                                  f->sub && (strcmp(f->sub->name, "Export") == 0 ||
                                             strcmp(f->sub->name, "Import") == 0),
                                  path, err);
    case F_ARRAY_STRS:
        if (!json_is_array(v)) {
            wputs(b, "null");
            return NA_OK;
        }
        wputc(b, '[');
        json_array_foreach((json_t *)v, i, e) {
            if (i)
                wputc(b, ',');
            if (json_is_array(e))
                write_strs(b, e);
            else
                wputs(b, "null");
        }
        wputc(b, ']');
        return NA_OK;
    case F_MAP_INT:
    case F_MAP_STRUCT:
    case F_MAP_ARRAY: {
        const char **keys;
        bool first = true;
        field inner = {f->key, f->kind == F_MAP_INT ? F_INT
                               : f->kind == F_MAP_STRUCT ? F_STRUCT : F_ARRAY,
                       false, f->sub};
        if (!json_is_object(v)) {
            wputs(b, "null");
            return NA_OK;
        }
        keys = sorted_keys(v, &n);
        if (!keys)
            return na_fail(err, NA_ENOMEM, "out of memory");
        wputc(b, '{');
        for (i = 0; i < n && st == NA_OK; i++) {
            write_key(b, &first, keys[i]);
            st = write_value(b, &inner, json_object_get(v, keys[i]), path, err);
        }
        wputc(b, '}');
        free(keys);
        return st;
    }
    case F_EXPORT_TYPE:
        if (!json_is_string(v) || json_string_length(v) == 0)
            return na_fail(err, NA_ESCHEMA, "field '%s': unknown export type", path);
        json_write_string(b, json_string_value(v), json_string_length(v));
        return NA_OK;
    case F_SAMPLING:
        if (!v || json_is_null(v) || json_is_string(v) ||
            (json_is_integer(v) && json_integer_value(v) == 0)) {
            wputs(b, "\"headers\"");
            return NA_OK;
        }
        if (json_integer_value(v) < 1 || json_integer_value(v) > 100)
            return na_fail(err, NA_ESCHEMA, "field '%s': sampling rate %lld is not 1..100",
                           path, (long long)json_integer_value(v));
        put_int(b, (long long)json_integer_value(v));
        return NA_OK;
    case F_SCOPE_KIND:
        wputs(b, "\"user_scope\"");
        return NA_OK;
    case F_SKEYS:
        if (!json_is_array(v)) {
            wputs(b, "null");
            return NA_OK;
        }
        return write_signing_keys(b, f, v, err);
    case F_ANY:
        json_write_any(b, v ? v : json_null());
        return NA_OK;
    }
    return NA_OK;
}

na_status schema_write(na_buf *b, const schema *s, const json_t *obj, na_err *err)
{
    return schema_write_fields(b, s, obj, true, err);
}

na_status schema_write_fields(na_buf *b, const schema *s, const json_t *obj, bool unknown,
                              na_err *err)
{
    /* one pass over the object's keys maps each to its field (cheaper than a
     * hash lookup per schema field); then the fields go out in struct order */
    const json_t *vals[MAX_FIELDS] = {0};
    bool first = true, has_unknown = false;
    const char *k;
    json_t *v;
    na_status st;
    assert(s->count <= MAX_FIELDS);
    if (obj)
        json_object_foreach((json_t *)obj, k, v) {
            const field *f = schema_field(s, k, strlen(k));
            if (f)
                vals[f - s->fields] = v;
            else
                has_unknown = true;
        }
    wputc(b, '{');
    for (size_t i = 0; i < s->count; i++) {
        const field *f = &s->fields[i];
        if (f->omitempty && is_empty(f, vals[i]))
            continue;
        write_key(b, &first, f->key);
        if ((st = write_value(b, f, vals[i], f->key, err)) != NA_OK)
            return st;
    }
    /* unknown fields: kept, after the known ones, in their original order */
    if (has_unknown && unknown)
        json_object_foreach((json_t *)obj, k, v) {
            if (schema_field(s, k, strlen(k)))
                continue;
            write_key(b, &first, k);
            json_write_any(b, v);
        }
    wputc(b, '}');
    return na_buf_ok(b) ? NA_OK : na_fail(err, NA_ETOOBIG, "claims are too large to encode");
}
