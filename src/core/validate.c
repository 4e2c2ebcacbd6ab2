/*
 * validate.c - the reference's Validate rules as a list of issues.
 *
 * Each issue is blocking (an error), a time check (exp/nbf, not blocking by
 * itself) or a warning, as in nats-io/jwt v2 validation.go. Messages keep the
 * reference's wording so users can search for them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims_internal.h"
#include "validate_internal.h"

void vr_add(na_issues *v, bool blocking, bool time_check, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    na_issue *ni;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ni = realloc(v->items, (v->count + 1) * sizeof *ni);
    if (!ni)
        return; /* an issue lost to ENOMEM; callers see fewer issues, never a crash */
    v->items = ni;
    ni[v->count].description = na_strdup(msg);
    ni[v->count].blocking = blocking;
    ni[v->count].time_check = time_check;
    if (ni[v->count].description)
        v->count++;
}

void na_issues_destroy(na_issues *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i].description);
    free(v->items);
    free(v);
}

bool na_issues_blocking(const na_issues *v, bool include_time)
{
    for (size_t i = 0; v && i < v->count; i++)
        if (v->items[i].blocking || (include_time && v->items[i].time_check))
            return true;
    return false;
}

static void validate_claims_data(const na_claims *c, int64_t now, na_issues *v)
{
    int64_t exp = na_claims_expires(c), nbf = na_claims_not_before(c);
    if (exp > 0 && now > exp)
        vr_add(v, false, true, "claim is expired");
    if (nbf > 0 && nbf > now)
        vr_add(v, false, true, "claim is not yet valid");
}

na_status na_claims_validate(const na_claims *c, int64_t now, na_issues **out, na_err *err)
{
    na_issues *v;
    if (!c || !out)
        return na_fail(err, NA_EINVAL, "invalid arguments to na_claims_validate");
    v = calloc(1, sizeof *v);
    if (!v)
        return na_fail(err, NA_ENOMEM, "out of memory");
    validate_claims_data(c, now, v);
    validate_type(c, v);
    *out = v;
    return NA_OK;
}
