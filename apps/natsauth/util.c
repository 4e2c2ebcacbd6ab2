/*
 * util.c - plumbing shared by the natsauth commands (see util.h).
 *
 * Everything here is tool-side: it does I/O and reads the environment, so it
 * must not move into src/core. Buffers that may hold a seed are wiped before
 * free, including the old buffer when a read buffer grows (no realloc, which
 * could leave a copy behind).
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- messages ---- */

static bool is_b32(char c) { return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'); }

/* A seed is 58 base32 characters starting with 'S'. Redact any run of 32 or
 * more base32 characters starting with 'S' so that even a truncated seed in
 * a library message is not printed. */
#define REDACT_MIN_RUN 32
static const char redacted[] = "<redacted seed>";

void cli_redact(char *out, size_t n, const char *msg)
{
    size_t o = 0;
    if (n == 0)
        return;
    for (size_t i = 0; msg[i] && o + 1 < n;) {
        size_t run = 0;
        bool boundary = i == 0 || !is_b32(msg[i - 1]);
        while (is_b32(msg[i + run]))
            run++;
        if (boundary && run >= REDACT_MIN_RUN && msg[i] == 'S') {
            for (size_t k = 0; redacted[k] && o + 1 < n; k++)
                out[o++] = redacted[k];
            i += run;
            continue;
        }
        if (run == 0)
            run = 1;
        for (size_t k = 0; k < run && o + 1 < n; k++) {
            unsigned char c = (unsigned char)msg[i + k];
            /* no terminal control sequences from token contents */
            out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        i += run;
    }
    out[o] = '\0';
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    char raw[2048], clean[2048];
    vsnprintf(raw, sizeof raw, fmt, ap);
    cli_redact(clean, sizeof clean, raw);
    fflush(stdout);
    fprintf(stderr, "natsauth: %s%s\n", prefix, clean);
    na_wipe(raw, sizeof raw);
}

void cli_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

int cli_usage(const cli_cmd *cmd, const char *fmt, ...)
{
    char raw[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    cli_err("%s: %s", cmd->path, raw);
    fprintf(stderr, "usage: natsauth %s %s\n", cmd->path, cmd->args);
    fprintf(stderr, "Try 'natsauth %s --help' for more information.\n", cmd->path);
    return CLI_USAGE;
}

/* ---- option parsing and help ---- */

static size_t opt_count(const cli_cmd *cmd)
{
    size_t n = 0;
    while (cmd->opts && cmd->opts[n].name)
        n++;
    return n;
}

void cli_help(const cli_cmd *cmd, FILE *f)
{
    size_t n = opt_count(cmd);
    fprintf(f, "usage: natsauth %s %s\n\n%s\n", cmd->path, cmd->args, cmd->summary);
    if (cmd->details)
        fprintf(f, "\n%s", cmd->details);
    fprintf(f, "\noptions:\n");
    for (size_t i = 0; i < n; i++) {
        const cli_opt *o = &cmd->opts[i];
        char lhs[64];
        if (o->short_name)
            snprintf(lhs, sizeof lhs, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(lhs, sizeof lhs, "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        fprintf(f, "  %-24s %s\n", lhs, o->help);
    }
    fprintf(f, "  %-24s %s\n", "-h, --help", "show this help");
}

static int find_long(const cli_cmd *cmd, const char *name, size_t len)
{
    for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static int find_short(const cli_cmd *cmd, char c)
{
    for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++)
        if (cmd->opts[i].short_name == c)
            return (int)i;
    return -1;
}

bool cli_opt_repeatable(const cli_opt *o)
{
    size_t n = o->arg ? strlen(o->arg) : 0;
    return n > 3 && strcmp(o->arg + n - 3, "...") == 0;
}

int cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a)
{
    bool only_pos = false;
    memset(a, 0, sizeof *a);
    if (opt_count(cmd) > CLI_MAX_OPTS) {
        cli_err("%s: internal error: more than %d options", cmd->path, CLI_MAX_OPTS);
        return CLI_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *val = NULL;
        int idx;
        char shown[80];
        if (only_pos || s[0] != '-' || strcmp(s, "-") == 0) {
            if (a->npos >= cmd->max_pos || a->npos >= CLI_MAX_POS)
                return cli_usage(cmd, "unexpected argument '%.60s'", s);
            a->pos[a->npos++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            cli_help(cmd, stdout);
            return -1;
        }
        if (s[1] == '-') {
            const char *eq = strchr(s + 2, '=');
            size_t len = eq ? (size_t)(eq - (s + 2)) : strlen(s + 2);
            idx = find_long(cmd, s + 2, len);
            snprintf(shown, sizeof shown, "--%.*s", (int)(len > 40 ? 40 : len), s + 2);
            if (idx < 0)
                return cli_usage(cmd, "unknown option '%s'", shown);
            if (eq) {
                if (!cmd->opts[idx].arg)
                    return cli_usage(cmd, "option '%s' takes no argument", shown);
                val = eq + 1;
            }
        } else {
            idx = find_short(cmd, s[1]);
            snprintf(shown, sizeof shown, "-%c", s[1]);
            if (idx < 0)
                return cli_usage(cmd, "unknown option '%s'", shown);
            if (s[2]) {
                if (!cmd->opts[idx].arg)
                    return cli_usage(cmd, "option '%s' takes no argument", shown);
                val = s + 2;
            }
        }
        if (cmd->opts[idx].arg && !val) {
            if (i + 1 >= argc)
                return cli_usage(cmd, "option '%s' needs an argument (%s)", shown,
                                 cmd->opts[idx].arg);
            val = argv[++i];
        }
        if (a->set[idx] && !cli_opt_repeatable(&cmd->opts[idx]))
            return cli_usage(cmd, "option '--%s' is given more than once", cmd->opts[idx].name);
        if (a->nseq >= CLI_MAX_SEQ)
            return cli_usage(cmd, "too many options (at most %d)", CLI_MAX_SEQ);
        if (!a->set[idx])
            a->val[idx] = val;
        a->set[idx] = true;
        a->seq[a->nseq].idx = idx;
        a->seq[a->nseq++].val = val;
    }
    if (a->npos < cmd->min_pos)
        return cli_usage(cmd, "missing argument");
    return CLI_OK;
}

int cli_run(const cli_cmd *cmd, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(cmd, argc, argv, &a);
    if (rc < 0)
        return CLI_OK;
    if (rc != CLI_OK)
        return rc;
    return cmd->run(cmd, &a);
}

static void noun_help(const char *noun, const char *summary, const cli_cmd *verbs, size_t n,
                      FILE *f)
{
    fprintf(f, "usage: natsauth %s COMMAND [OPTIONS] [ARGS]\n\n%s\n\ncommands:\n", noun,
            summary);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(f, "\nRun 'natsauth %s COMMAND --help' for the options of a command.\n", noun);
}

int cli_dispatch(const char *noun, const char *summary, const cli_cmd *verbs, size_t n,
                 int argc, char **argv)
{
    if (argc < 2) {
        cli_err("%s: missing command", noun);
        noun_help(noun, summary, verbs, n, stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        noun_help(noun, summary, verbs, n, stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return cli_run(&verbs[i], argc - 1, argv + 1);
    cli_err("%s: unknown command '%.40s' (try 'natsauth %s --help')", noun, argv[1], noun);
    return CLI_USAGE;
}

/* ---- input ---- */

static bool stdin_used;

void cli_buf_free(cli_buf *b)
{
    if (b->p) {
        na_wipe(b->p, b->len);
        free(b->p);
    }
    b->p = NULL;
    b->len = 0;
}

const char *cli_where(const char *path, char *buf, size_t n)
{
    if (strcmp(path, "-") == 0)
        snprintf(buf, n, "stdin");
    else
        snprintf(buf, n, "'%.200s'", path);
    return buf;
}

const char *cli_errstr(int e)
{
    static char b[128];
    snprintf(b, sizeof b, "%s", strerror(e));
    if (b[0] && isupper((unsigned char)b[0]) && !(b[1] && isupper((unsigned char)b[1])))
        b[0] = (char)tolower((unsigned char)b[0]);
    return b;
}

na_status cli_read(cli_buf *out, const char *path, size_t max, na_err *err)
{
    char where[256];
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = 0;
    char *p = NULL;
    size_t len = 0, cap = 4096;
    na_status st = NA_OK;
    struct stat sb;

    out->p = NULL;
    out->len = 0;
    cli_where(path, where, sizeof where);
    if (is_stdin) {
        if (stdin_used)
            return na_fail(err, NA_EINVAL, "stdin can only be read once");
        stdin_used = true;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            st = na_fail(err, NA_EIO, "cannot open %s: %s", where, cli_errstr(e));
            if (err)
                err->sub = e;
            return st;
        }
    }
    if (fstat(fd, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            st = na_fail(err, NA_EIO, "cannot read %s: it is a directory", where);
            goto out;
        }
        if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size > max) {
            st = na_fail(err, NA_ETOOBIG, "%s is larger than the maximum of %zu bytes", where,
                         max);
            goto out;
        }
        if (S_ISREG(sb.st_mode) && (size_t)sb.st_size + 1 > cap)
            cap = (size_t)sb.st_size + 1;
    }
    p = malloc(cap);
    if (!p) {
        st = na_fail(err, NA_ENOMEM, "out of memory reading %s", where);
        goto out;
    }
    for (;;) {
        ssize_t r;
        if (len + 1 >= cap) {
            /* grow by copy + wipe: realloc could leave a stale copy of a seed */
            size_t ncap = cap > max / 2 ? max + 2 : cap * 2;
            char *np;
            if (len > max) {
                st = na_fail(err, NA_ETOOBIG, "%s is larger than the maximum of %zu bytes",
                             where, max);
                goto out;
            }
            np = malloc(ncap);
            if (!np) {
                st = na_fail(err, NA_ENOMEM, "out of memory reading %s", where);
                goto out;
            }
            memcpy(np, p, len);
            na_wipe(p, cap);
            free(p);
            p = np;
            cap = ncap;
        }
        r = read(fd, p + len, cap - 1 - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            st = na_fail(err, NA_EIO, "cannot read %s: %s", where, cli_errstr(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > max) {
            st = na_fail(err, NA_ETOOBIG, "%s is larger than the maximum of %zu bytes", where,
                         max);
            goto out;
        }
    }
    p[len] = '\0';
    out->p = p;
    out->len = len;
    p = NULL;
out:
    if (p) {
        na_wipe(p, cap);
        free(p);
    }
    if (!is_stdin)
        close(fd);
    return st;
}

static bool looks_like_seed(const char *s)
{
    size_t n = 0;
    if (s[0] != 'S')
        return false;
    while (is_b32(s[n]))
        n++;
    return s[n] == '\0' && n >= REDACT_MIN_RUN;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

na_status cli_load_seed(na_nkey **out, const char *spec, na_err *err)
{
    cli_buf in = {0};
    char where[256];
    char *seed = NULL;
    const char *p;
    size_t n;
    bool bare = true;
    na_status st;

    *out = NULL;
    if (!spec[0])
        return na_fail(err, NA_EINVAL, "the seed source is empty (want a file, - or env:NAME)");
    if (looks_like_seed(spec))
        return na_fail(err, NA_EINVAL,
                       "seeds are never taken from the command line: give a file, - (stdin) "
                       "or env:NAME");
    if (strncmp(spec, "env:", 4) == 0) {
        /* getenv's copy lives in the environment; we cannot wipe that one */
        const char *v = getenv(spec + 4);
        snprintf(where, sizeof where, "environment variable '%.100s'", spec + 4);
        if (!spec[4])
            return na_fail(err, NA_EINVAL, "'env:' needs a variable name (env:NAME)");
        if (!v)
            return na_fail(err, NA_ENOTFOUND, "environment variable '%.100s' is not set",
                           spec + 4);
        in.len = strlen(v);
        in.p = malloc(in.len + 1);
        if (!in.p)
            return na_fail(err, NA_ENOMEM, "out of memory");
        memcpy(in.p, v, in.len + 1);
    } else {
        struct stat sb;
        cli_where(spec, where, sizeof where);
        st = cli_read(&in, spec, CLI_MAX_TEXT, err);
        if (st != NA_OK)
            return st;
        if (strcmp(spec, "-") != 0 && stat(spec, &sb) == 0 && S_ISREG(sb.st_mode) &&
            (sb.st_mode & (S_IRWXG | S_IRWXO)))
            cli_warn("seed file '%.200s' is accessible by group or others (mode %04o); "
                     "run chmod 600 on it",
                     spec, (unsigned)(sb.st_mode & 07777));
    }
    p = in.p;
    n = in.len;
    trim(&p, &n);
    for (size_t i = 0; i < n; i++)
        if (isspace((unsigned char)p[i]))
            bare = false;
    if (bare) {
        st = na_nkey_from_seed(out, p, n, err);
    } else {
        st = na_creds_parse(NULL, &seed, in.p, in.len, err);
        if (st == NA_OK)
            st = na_nkey_from_seed(out, seed, strlen(seed), err);
    }
    if (st != NA_OK)
        na_err_prefix(err, "cannot load seed from %s", where);
    na_free_secret(seed);
    cli_buf_free(&in);
    return st;
}

na_status cli_load_jwt(char **jwt, const char *path, na_err *err)
{
    cli_buf in = {0};
    char where[256];
    na_status st = cli_read(&in, path, CLI_MAX_TEXT, err);
    *jwt = NULL;
    if (st != NA_OK)
        return st;
    st = na_creds_parse(jwt, NULL, in.p, in.len, err);
    if (st != NA_OK)
        na_err_prefix(err, "cannot read a JWT from %s", cli_where(path, where, sizeof where));
    cli_buf_free(&in);
    return st;
}

/* ---- output ---- */

void cli_out(const void *p, size_t n)
{
    if (n)
        fwrite(p, 1, n, stdout);
}

void cli_outs(const char *s) { cli_out(s, strlen(s)); }

void cli_out_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        putchar((*p < 0x20 && *p != '\n') || *p == 0x7f ? '?' : *p);
}

static bool write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

na_status cli_write_file_atomic(const char *path, const void *data, size_t n, mode_t mode,
                                bool replace, na_err *err)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    char tmp[PATH_MAX];
    int fd, e;
    if (!path[0] || (slash && !slash[1]))
        return na_fail(err, NA_EINVAL, "output path '%.200s' names no file", path);
    if (snprintf(tmp, sizeof tmp, "%.*s.%s.tmpXXXXXX", (int)dlen, path,
                 slash ? slash + 1 : path) >= (int)sizeof tmp)
        return na_fail(err, NA_EINVAL, "output path '%.200s' is too long", path);
    fd = mkstemp(tmp); /* created 0600 */
    if (fd < 0) {
        e = errno;
        na_fail(err, NA_EIO, "cannot create a temporary file next to '%.200s': %s", path,
                cli_errstr(e));
        if (err)
            err->sub = e;
        return NA_EIO;
    }
    if (fchmod(fd, mode) != 0 || !write_all(fd, data, n) || fsync(fd) != 0) {
        e = errno;
        close(fd);
        unlink(tmp);
        na_fail(err, NA_EIO, "cannot write '%.200s': %s", path, cli_errstr(e));
        if (err)
            err->sub = e;
        return NA_EIO;
    }
    if (close(fd) != 0) {
        e = errno;
        unlink(tmp);
        na_fail(err, NA_EIO, "cannot write '%.200s': %s", path, cli_errstr(e));
        if (err)
            err->sub = e;
        return NA_EIO;
    }
    /* link() fails with EEXIST instead of replacing: no-clobber, atomically */
    if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        if (e == EEXIST)
            return na_fail(err, NA_EEXIST, "'%.200s' already exists (not overwriting it)", path);
        na_fail(err, NA_EIO, "cannot write '%.200s': %s", path, cli_errstr(e));
        if (err)
            err->sub = e;
        return NA_EIO;
    }
    if (!replace)
        unlink(tmp);
    return NA_OK;
}

/* Length of a valid UTF-8 sequence at s (RFC 3629), 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
            return 0; /* overlong, surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
            return 0;
        return 4;
    }
    return 0;
}

void cli_json_str(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    while (*p) {
        size_t n;
        switch (*p) {
        case '"': fputs("\\\"", f); p++; continue;
        case '\\': fputs("\\\\", f); p++; continue;
        case '\n': fputs("\\n", f); p++; continue;
        case '\r': fputs("\\r", f); p++; continue;
        case '\t': fputs("\\t", f); p++; continue;
        default: break;
        }
        if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p);
            p++;
            continue;
        }
        n = utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", f);
            p++;
            continue;
        }
        fwrite(p, 1, n, f);
        p += n;
    }
    fputc('"', f);
}

/* ---- base64 ---- */

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *cli_b64_encode(const void *data, size_t n, bool url)
{
    const uint8_t *p = data;
    const char *alpha = url ? b64_url : b64_std;
    char *out, *o;
    if (n > (SIZE_MAX - 4) / 4 * 3 - 3)
        return NULL;
    out = malloc((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    o = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t rem = n - i;
        if (rem > 1)
            v |= (uint32_t)p[i + 1] << 8;
        if (rem > 2)
            v |= p[i + 2];
        *o++ = alpha[(v >> 18) & 63];
        *o++ = alpha[(v >> 12) & 63];
        if (rem > 1)
            *o++ = alpha[(v >> 6) & 63];
        else if (!url)
            *o++ = '=';
        if (rem > 2)
            *o++ = alpha[v & 63];
        else if (!url)
            *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

na_status cli_b64_decode(uint8_t **out, size_t *out_len, const char *s, size_t n, na_err *err)
{
    uint8_t *buf = malloc(n / 4 * 3 + 3);
    size_t o = 0, pad = 0, count = 0;
    uint32_t acc = 0;
    *out = NULL;
    *out_len = 0;
    if (!buf)
        return na_fail(err, NA_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v;
        if (isspace((unsigned char)c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        v = b64_val(c);
        if (v < 0 || pad) {
            free(buf);
            return na_fail(err, NA_EINVAL, "input is not valid base64 (bad character at "
                           "offset %zu)", i);
        }
        acc = (acc << 6) | (uint32_t)v;
        if (++count % 4 == 0) {
            buf[o++] = (uint8_t)(acc >> 16);
            buf[o++] = (uint8_t)(acc >> 8);
            buf[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    switch (count % 4) {
    case 0: break;
    case 2: buf[o++] = (uint8_t)(acc >> 4); break;
    case 3:
        buf[o++] = (uint8_t)(acc >> 10);
        buf[o++] = (uint8_t)(acc >> 2);
        break;
    default:
        free(buf);
        return na_fail(err, NA_EINVAL, "input is not valid base64 (truncated)");
    }
    if (pad > 2 || (pad && (count + pad) % 4 != 0)) {
        free(buf);
        return na_fail(err, NA_EINVAL, "input is not valid base64 (bad padding)");
    }
    *out = buf;
    *out_len = o;
    return NA_OK;
}

/* ---- numbers ---- */

bool cli_parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (!s || !*s || isspace((unsigned char)*s))
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (int64_t)v;
    return true;
}

bool cli_parse_duration(const char *s, int64_t *secs)
{
    int64_t total = 0;
    const char *p = s;
    if (!s || !*s)
        return false;
    while (*p) {
        int64_t v = 0, unit = 1;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p)) {
            if (v > (INT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (*p++ - '0');
        }
        switch (*p) {
        case '\0': /* a bare number is seconds, but only on its own */
            if (p != s + strspn(s, "0123456789"))
                return false;
            break;
        case 's': unit = 1; p++; break;
        case 'm': unit = 60; p++; break;
        case 'h': unit = 3600; p++; break;
        case 'd': unit = 86400; p++; break;
        case 'w': unit = 604800; p++; break;
        default: return false;
        }
        if (v > INT64_MAX / unit || total > INT64_MAX - v * unit)
            return false;
        total += v * unit;
    }
    if (total <= 0)
        return false;
    *secs = total;
    return true;
}
