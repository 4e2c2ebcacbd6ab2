/*
 * schema.h - the claim schemas (Go struct layouts of nats-io/jwt v2) and the
 * Go-compatible JSON writer/checker built on them. Private to the core.
 */
#ifndef NATSAUTH_SCHEMA_H
#define NATSAUTH_SCHEMA_H

#include <jansson.h>

#include "internal.h"
#include "natsauth/jwt.h"

typedef enum fkind {
    F_STR,        /* string */
    F_INT,        /* int64 */
    F_UINT,       /* unsigned integer (uint, uint64) */
    F_UINT8,      /* uint8 (weights) */
    F_BOOL,
    F_STRS,       /* []string */
    F_CIDRS,      /* []string, or a comma-separated string on decode */
    F_STRUCT,     /* nested non-pointer struct: never omitted */
    F_PTR,        /* pointer to struct: omitted when nil */
    F_ARRAY,      /* []struct */
    F_ARRAY_STRS, /* [][]string */
    F_MAP_INT,    /* map[string]int64 (sorted) */
    F_MAP_STRUCT, /* map[string]struct (sorted) */
    F_MAP_ARRAY,  /* map[string][]struct (sorted) */
    F_EXPORT_TYPE,/* ExportType: "stream" | "service", int 0 when absent */
    F_SAMPLING,   /* SamplingRate: "headers" (0) or 1..100 */
    F_SCOPE_KIND, /* ScopeType: "user_scope" */
    F_SKEYS,      /* SigningKeys: sorted array of "A..." | user_scope object */
    F_ANY,        /* interface{} / map[string]interface{} */
} fkind;

typedef struct schema schema;

typedef struct field {
    const char *key;
    fkind kind;
    bool omitempty;
    const schema *sub; /* for struct-like kinds */
} field;

struct schema {
    const char *name;
    const field *fields;
    size_t count;
};

/* Top-level schema of a claim type (ClaimsData + "nats"). */
const schema *schema_for(na_claims_type t);
extern const schema SCHEMA_USER_PERMISSION_LIMITS;

/* Field lookup in a schema (NULL if unknown). */
const field *schema_field(const schema *s, const char *key, size_t keylen);

/* Check a decoded tree against a schema and normalise it in place the way
 * Go's Unmarshal would (CIDR strings to lists, scope template defaults).
 * path is the dotted prefix for messages. */
na_status schema_check(const schema *s, json_t *obj, const char *path, na_err *err);
/* Check one value against a field description. */
na_status schema_check_value(const field *f, json_t *v, const char *path, na_err *err);

/* Write obj as Go's encoding/json would marshal the struct (compact). */
na_status schema_write(na_buf *b, const schema *s, const json_t *obj, na_err *err);
/* Same, with unknown fields left out when unknown is false (the jti hash
 * covers exactly Go's ClaimsData fields). */
na_status schema_write_fields(na_buf *b, const schema *s, const json_t *obj, bool unknown,
                              na_err *err);
/* Write any JSON value the way Go marshals interface{} (sorted maps). */
void json_write_any(na_buf *b, const json_t *v);
/* Go string escaping (HTML-safe), with quotes. */
void json_write_string(na_buf *b, const char *s, size_t len);

/* Pretty-print any JSON (2-space indent, keys in the given order). */
void json_write_pretty(na_buf *b, const json_t *v, int indent);

#endif
