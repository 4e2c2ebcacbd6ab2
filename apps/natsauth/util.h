/*
 * util.h - the natsauth tool's shared plumbing: command tables and option
 * parsing, error printing, bounded input reading, seed loading, atomic file
 * writes, base64 and JSON string output.
 *
 * Only the tool uses this; it depends on the public libnatsauth API and libc.
 * Invariants: every buffer read from a file or stdin has a hard maximum and
 * is wiped before it is freed (an input may be a .creds file holding a
 * seed); no error message printed through cli_err() contains a seed (seed
 * shaped words are redacted as a last line of defence).
 */
#ifndef NATSAUTH_CLI_UTIL_H
#define NATSAUTH_CLI_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "natsauth/natsauth.h"

/* Exit codes (STYLE rule 23). */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Hard maximums for inputs. */
#define CLI_MAX_TEXT (NA_CREDS_MAX)           /* tokens, creds, claims JSON, seed files */
#define CLI_MAX_DATA (NA_XKEY_MAX_INPUT)      /* data to sign, seal or open */
#define CLI_MAX_SEALED_B64 ((NA_XKEY_MAX_INPUT + NA_XKEY_OVERHEAD) / 3 * 4 + 4096)

/* ---- command tables ---- */

/* One option. arg == NULL: a flag; otherwise the metavariable ("FILE"). A
 * metavariable ending in "..." ("SUBJECT...") marks an option that may be
 * given more than once; every occurrence is kept in cli_args.seq. */
typedef struct cli_opt {
    const char *name;  /* long name without "--" */
    char short_name;   /* 0 if none */
    const char *arg;
    const char *help;
} cli_opt;

#define CLI_MAX_OPTS 40
#define CLI_MAX_POS 4
#define CLI_MAX_SEQ 256 /* options given on one command line */

/* The parsed command line of one command: val/set are indexed like the
 * command's option table (val: the first occurrence); pos holds the
 * positional arguments; seq every option given, in command-line order
 * (all borrowed from argv). */
typedef struct cli_args {
    const char *val[CLI_MAX_OPTS];
    bool set[CLI_MAX_OPTS];
    const char *pos[CLI_MAX_POS];
    int npos;
    struct {
        int idx;
        const char *val;
    } seq[CLI_MAX_SEQ];
    int nseq;
} cli_args;

typedef struct cli_cmd cli_cmd;
struct cli_cmd {
    const char *name;    /* verb ("sign") or noun for single commands ("decode") */
    const char *path;    /* full command ("keys sign") for usage and errors */
    const char *args;    /* synopsis after the path */
    const char *summary; /* one line, for tables */
    const char *details; /* more help text, may be NULL */
    const cli_opt *opts; /* terminated by {NULL}; at most CLI_MAX_OPTS */
    int min_pos, max_pos;
    int (*run)(const cli_cmd *cmd, const cli_args *a);
};

/* Parse argv (argv[0] is the command word) against cmd. Returns CLI_OK,
 * CLI_USAGE after printing the problem, or -1 after printing help to
 * stdout for --help / -h (the caller then exits 0). */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a);
/* True if the option may be given more than once (metavariable "X..."). */
bool cli_opt_repeatable(const cli_opt *o);
void cli_help(const cli_cmd *cmd, FILE *f);
/* Parse and run one command. */
int cli_run(const cli_cmd *cmd, int argc, char **argv);
/* A noun with verbs: argv[0] is the noun, argv[1] the verb. */
int cli_dispatch(const char *noun, const char *summary, const cli_cmd *verbs, size_t n,
                 int argc, char **argv);

/* ---- messages ---- */

/* "natsauth: <message>" on stderr; control characters are replaced and
 * seed-shaped words redacted. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* strerror(e), lowercased as our messages are (static buffer). */
const char *cli_errstr(int e);
/* Print a usage error for cmd and return CLI_USAGE. */
int cli_usage(const cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copy msg into out (size n), redacting seed-shaped words. */
void cli_redact(char *out, size_t n, const char *msg);

/* ---- input ---- */

/* A NUL-terminated byte buffer (len excludes the NUL); wiped when freed. */
typedef struct cli_buf {
    char *p;
    size_t len;
} cli_buf;
void cli_buf_free(cli_buf *b);

/* Read all of path ("-" = stdin) into out, at most max bytes (NA_ETOOBIG
 * beyond). Errors (NA_EIO ...) name the input. stdin can be read once. */
na_status cli_read(cli_buf *out, const char *path, size_t max, na_err *err);
/* "stdin" or "'path'", for messages. */
const char *cli_where(const char *path, char *buf, size_t n);

/* Load a key pair from a seed source: a file path, "-" (stdin) or
 * "env:NAME". The text may be the bare seed or a .creds file. Warns when
 * a seed file is readable by group or others. Seeds never appear in err. */
na_status cli_load_seed(na_nkey **out, const char *spec, na_err *err);

/* Read a JWT from a file or stdin: bare, decorated or in a .creds file. *jwt
 * is new (na_free). */
na_status cli_load_jwt(char **jwt, const char *path, na_err *err);

/* ---- output ---- */

/* Write to stdout (errors are caught by the final flush in main). */
void cli_out(const void *p, size_t n);
void cli_outs(const char *s);
/* Write text from a token (untrusted) for people: control characters other
 * than newline become '?', so a token cannot drive the terminal. */
void cli_out_clean(const char *s);
/* Write data to path atomically (temp file in the same directory, fsync,
 * then rename) with the given mode. Without replace an existing path is
 * an NA_EEXIST error and is left alone. */
na_status cli_write_file_atomic(const char *path, const void *data, size_t n, mode_t mode,
                                bool replace, na_err *err);

/* JSON string literal with escapes; invalid UTF-8 becomes U+FFFD. */
void cli_json_str(FILE *f, const char *s);

/* ---- encodings and numbers ---- */

/* base64: url = URL alphabet without padding, else standard with padding.
 * New string (free). NULL on ENOMEM. */
char *cli_b64_encode(const void *p, size_t n, bool url);
/* Decode either alphabet, padding optional, ASCII whitespace ignored. *out
 * is new (free). */
na_status cli_b64_decode(uint8_t **out, size_t *out_len, const char *s, size_t n, na_err *err);

/* Strict decimal int64 (whole string); false on junk or overflow. */
bool cli_parse_i64(const char *s, int64_t *out);
/* Duration: "90", "90s", "30m", "1h", "2d", "1w", "1h30m". Seconds > 0. */
bool cli_parse_duration(const char *s, int64_t *secs);

#endif
