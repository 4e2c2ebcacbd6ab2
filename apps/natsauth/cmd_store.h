/*
 * cmd_store.h - plumbing shared by the commands that work on the account
 * store (init, operator, account, sk, user, export, import, creds ACCOUNT
 * USER, mint, config, tenant): finding and opening the store, unlocking its
 * seeds, running a command as one transaction, the conflict policy, option
 * values (sizes, counts, durations), claims edits and JSON output.
 *
 * A store command opens the store (st_open), does its work through
 * natsauth/manage.h, writing what it wants to show to s->out (a buffer), and
 * ends with st_finish: on success the transaction is committed and only
 * then is the buffer written to stdout; on any failure it is rolled back,
 * nothing is printed on stdout and the error goes to stderr. So a command
 * either did everything it says or nothing.
 */
#ifndef NATSAUTH_CLI_CMD_STORE_H
#define NATSAUTH_CLI_CMD_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "natsauth/manage.h"
#include "natsauth/store.h"
#include "util.h"

/* Global options before the command word: natsauth [--store PATH]
 * [--conflict POLICY] COMMAND ... Returns the index of the command word in
 * argv, or -1 after printing a usage error. Remembers argv from the command
 * word on for the audit log. */
int st_global_options(int argc, char **argv);

/* Options every store command takes (at the end of its table); looked up
 * by name, so commands do not need enum slots for them. */
#define ST_OPT_STORE                                                                           \
    {"store", 0, "PATH", "the store file (default $NATSAUTH_STORE, else ~/.local/share/...)"}
#define ST_OPT_CONFLICT                                                                        \
    {"conflict", 0, "POLICY", "strict (default) or idempotent: an identical add is a no-op"}
#define ST_OPT_JSON {"json", 0, NULL, "print JSON instead of text"}
#define ST_OPT_END {NULL, 0, NULL, NULL}

enum {
    ST_READ = 0,       /* no transaction, no seeds */
    ST_WRITE = 1 << 0, /* one transaction (write lock), conflict policy */
    ST_SEEDS = 1 << 1, /* unlock a sealed store (needs the passphrase) */
    ST_CREATE = 1 << 2, /* create the store file if missing (init) */
    ST_PATH_ONLY = 1 << 3 /* only resolve the path: s->store stays NULL */
};

typedef struct st_session {
    const cli_cmd *cmd;
    na_store *store;
    na_ctx x;           /* store, now, conflict */
    char path[PATH_MAX];
    bool json;          /* --json */
    bool created;       /* the store file did not exist before (ST_CREATE) */
    FILE *out;          /* what to print on success */
    char *outbuf;
    size_t outlen;
} st_session;

/* Resolve the store path, open it (ST_CREATE: create if missing), unlock
 * it (ST_SEEDS) and begin the transaction (ST_WRITE). On failure prints the
 * error and returns CLI_FAIL (CLI_USAGE for a bad --conflict); s is then
 * closed. */
int st_open(st_session *s, const cli_cmd *cmd, const cli_args *a, unsigned flags);
/* Commit (if a transaction is open) when st == NA_OK, print s->out and
 * close; otherwise roll back, print err and close. Returns the exit code. */
int st_finish(st_session *s, na_status st, const na_err *err);
/* Close without output (after a usage problem found late). */
void st_abort(st_session *s);

/* ---- options by name ---- */

int st_opt_index(const cli_cmd *cmd, const char *name);
/* Value of the first occurrence, or NULL. */
const char *st_val(const cli_cmd *cmd, const cli_args *a, const char *name);
bool st_has(const cli_cmd *cmd, const cli_args *a, const char *name);

/* ---- values ---- */

/* SIZE: bytes as 1024, 10K, 5M, 2G, 1T (powers of 1000, as nsc), 10Ki, 5Mi,
 * 2Gi (powers of 1024), an optional trailing B, or -1 for unlimited. */
bool st_parse_size(const char *s, int64_t *out);
/* N: a count >= 0, or -1 for unlimited. */
bool st_parse_count(const char *s, int64_t *out);
/* A Go-style duration in nanoseconds: 500ms, 1s, 1m30s, 2h (units ns, us,
 * ms, s, m, h), > 0. */
bool st_parse_nanos(const char *s, int64_t *out);
/* HH:MM:SS */
bool st_parse_clock(const char *s);

/* --expiry DUR / --exp UNIX from the command's options (both named so):
 * *set is false when neither is given; --exp 0 means "no expiry" (*exp = 0).
 * Returns CLI_OK or a usage error. */
int st_expiry(const cli_cmd *cmd, const cli_args *a, int64_t now, int64_t *exp, bool *set);

/* ---- claims edits ---- */

typedef struct st_edits {
    na_edit *e;
    size_t n, cap;
    bool oom;
} st_edits;

void st_edit(st_edits *ed, na_edit_op op, const char *path, const char *str, int64_t num);
void st_edits_free(st_edits *ed);
/* --allow-pub/--allow-sub/--deny-pub/--deny-sub/--allow-pubsub (any the
 * command has), in command-line order, as ADD_STR edits under base
 * ("nats" or "nats.default_permissions"); --rm SUBJECT (if the command
 * has it) as REMOVE_STR from all four lists. */
void st_perm_edits(st_edits *ed, const cli_cmd *cmd, const cli_args *a, const char *base);
/* True if any of the permission options above is given. */
bool st_has_perms(const cli_cmd *cmd, const cli_args *a);

/* ---- output ---- */

/* A minimal JSON writer (strings escaped by cli_json_str). */
typedef struct jw {
    FILE *f;
    int depth;
    bool more[32];
} jw;
void jw_init(jw *w, FILE *f);
void jw_obj(jw *w, const char *key);
void jw_arr(jw *w, const char *key);
void jw_end(jw *w, char close);
void jw_str(jw *w, const char *key, const char *v); /* v NULL: null */
void jw_int(jw *w, const char *key, int64_t v);
void jw_bool(jw *w, const char *key, bool v);
void jw_raw(jw *w, const char *key, const char *json); /* json NULL: null */

/* "2024-05-01 12:00:00 UTC" (static buffer), "never" for 0. */
const char *st_time(int64_t t);

/* Decoded claims of a stored JWT (for show commands): new, or NULL with err. */
na_status st_decode(na_claims **out, const char *jwt, na_err *err);

/* Unlock a sealed store (no-op when not sealed). */
na_status st_unlock(st_session *s, na_err *err);
/* Begin the transaction now (for commands that open without ST_WRITE and
 * must do something outside it first, like init --seal). */
na_status st_begin(st_session *s, na_err *err);
/* The store passphrase: $NATSAUTH_PASSPHRASE, else asked on the terminal
 * without echo (twice when confirm) if stdin is one, else an error naming
 * the store. */
na_status st_passphrase(char *buf, size_t cap, const char *path, bool confirm, na_err *err);

#endif
