/*
 * validate_internal.h - shared between validate.c and validate_rules.c.
 */
#ifndef NATSAUTH_VALIDATE_INTERNAL_H
#define NATSAUTH_VALIDATE_INTERNAL_H

#include "claims_internal.h"

void vr_add(na_issues *v, bool blocking, bool time_check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define vr_error(v, ...) vr_add((v), true, false, __VA_ARGS__)
#define vr_warn(v, ...) vr_add((v), false, false, __VA_ARGS__)

/* Type-specific rules (validate_rules.c). */
void validate_type(const na_claims *c, na_issues *v);

#endif
