/*
 * natsauth/creds.h - the .creds file (user JWT + user seed) and decorated blocks.
 *
 * Writing produces exactly jwt.FormatUserConfig's text (5 dashes on BEGIN
 * lines, 6 on END lines). Parsing accepts what the clients accept: any header
 * line starting and ending with >= 3 dashes, CRLF, a missing footer or
 * "***" lines, a bare JWT, or a seed found on its own line.
 */
#ifndef NATSAUTH_CREDS_H
#define NATSAUTH_CREDS_H

#include <stddef.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NA_CREDS_MAX (1024u * 1024u + 4096u)

/* Format a creds file. jwt must be a user JWT whose subject the SU seed
 * derives. *out is new (a secret: na_free_secret). */
NA_API na_status na_creds_format(char **out, const char *jwt, const char *seed, na_err *err);

/* "-----BEGIN NATS <KIND> JWT-----\n<jwt>\n------END NATS <KIND> JWT------\n\n"
 * with KIND from the claim type. New string (na_free). */
NA_API na_status na_creds_decorate_jwt(char **out, const char *jwt, na_err *err);

/* Extract the JWT (first decorated block, or the whole trimmed text when
 * there is none) and/or the seed (second block, else the first line starting
 * with SO, SA or SU). Either output may be NULL. *seed is a secret
 * (na_free_secret). Missing parts are NA_ECREDS errors. */
NA_API na_status na_creds_parse(char **jwt, char **seed, const char *text, size_t len,
                                na_err *err);

#ifdef __cplusplus
}
#endif
#endif
