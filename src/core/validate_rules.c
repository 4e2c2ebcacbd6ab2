/*
 * validate_rules.c - per-claim-type Validate rules (placeholder: filled in next).
 */
#include "validate_internal.h"

void validate_type(const na_claims *c, na_issues *v)
{
    (void)c;
    (void)v;
}
