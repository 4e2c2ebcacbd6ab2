/*
 * authz_internal.h - helpers the authorizers share (private to src/authz).
 *
 * Config checking (unknown keys are errors), path resolution against the
 * config's directory, bounded file reading, and filling a grant from the
 * common grant fields (account, name, permissions, tags, ttl/expires) that
 * the grants file and the webhook answer both use.
 */
#ifndef NATSAUTH_AUTHZ_INTERNAL_H
#define NATSAUTH_AUTHZ_INTERNAL_H

#include <stdint.h>

#include <jansson.h>

#include "authz.h"

/* Every key of obj must be in allowed (NULL-terminated); else NA_EINVAL
 * "<what>: unknown key 'k'". obj must be an object. */
na_status na_authz_check_keys(const json_t *obj, const char *const *allowed, const char *what,
                              na_err *err);

/* Optional string member: *out borrowed from obj, NULL when absent. A
 * member of another type is NA_EINVAL naming what.key. */
na_status na_authz_opt_str(const char **out, const json_t *obj, const char *key, const char *what,
                           na_err *err);

/* path made absolute against base_dir (new, free()); absolute paths and a
 * NULL/empty base_dir are copied. */
char *na_authz_path(const char *path, const char *base_dir);

/* Whole file into a new NUL-terminated buffer (free(); wipe it first if it
 * holds a secret). More than max bytes is NA_ETOOBIG. */
na_status na_authz_read_file(char **out, size_t *len, const char *path, size_t max, na_err *err);

/* The grant fields shared by grants files and webhook answers, parsed and
 * checked once. Owns perms and tags (json references). */
typedef struct na_authz_spec {
    char account[NA_CALLOUT_NAME_MAX];
    char name[NA_CALLOUT_NAME_MAX];
    json_t *perms;   /* permissions object or NULL */
    json_t *tags;    /* array of strings or NULL */
    int64_t ttl;     /* seconds, 0 = none */
    int64_t expires; /* unix seconds, 0 = none */
} na_authz_spec;

/* Read "account", "name", "permissions", "tags", "ttl", "expires" from obj
 * (other keys are the caller's business). what names obj in errors. The
 * permissions and tags are checked by applying them to a scratch grant. */
na_status na_authz_spec_parse(na_authz_spec *s, const json_t *obj, const char *what, na_err *err);
void na_authz_spec_release(na_authz_spec *s);

/* Fill grant from spec at time now (account, name, user claims, expires).
 * An expires already in the past is NA_EEXPIRED. On error the grant is
 * reset. */
na_status na_authz_spec_apply(const na_authz_spec *s, na_callout_grant *grant, int64_t now,
                              na_err *err);

/* Copy a name into a grant field (account/name); too long is NA_ETOOBIG. */
na_status na_authz_set_name(char dst[NA_CALLOUT_NAME_MAX], const char *src, const char *what,
                            na_err *err);

/* Destroy grant->user and zero the grant (what na_callout_grant_clear does,
 * without depending on the service). */
void na_authz_grant_reset(na_callout_grant *g);

/* A copy of an untrusted string fit for an error message: printable ASCII
 * only (others become '?'), at most cap-1 bytes. */
void na_authz_clean(char *dst, size_t cap, const char *src);

#endif
