/*
 * natsauth/natsauth.h - umbrella header for libnatsauth.
 */
#ifndef NATSAUTH_H
#define NATSAUTH_H

#include "err.h"
#include "nkey.h"
#include "jwt.h"
#include "creds.h"

#define NATSAUTH_VERSION "0.1.0"

#endif
