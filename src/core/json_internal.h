/*
 * json_internal.h - the strict JSON reader (json.c). Private to the core.
 */
#ifndef NATSAUTH_JSON_INTERNAL_H
#define NATSAUTH_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define NA_JSON_MAX_DEPTH 256

/* Parse text[0..len) into a new tree, or NULL with a message in err. */
json_t *na_json_parse(const char *text, size_t len, char *err, size_t errcap);

/* True iff s[0..n) is well-formed UTF-8 (no surrogates, no overlongs). */
bool na_utf8_valid(const char *s, size_t n);

#endif
