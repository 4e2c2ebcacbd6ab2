/*
 * store_internal.h - helpers shared by the store and nats layers (not installed).
 */
#ifndef NATSAUTH_STORE_INTERNAL_H
#define NATSAUTH_STORE_INTERNAL_H

/* strdup that accepts NULL (returns NULL); new, free(). */
char *na_store_dupstr(const char *s);

#endif
