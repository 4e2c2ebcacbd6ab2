/*
 * cmd_store.c - plumbing shared by the store commands (see cmd_store.h).
 *
 * The store path comes from --store (after the command, or before it as a
 * global option), else $NATSAUTH_STORE, else the XDG default
 * (na_store_default_path). The conflict policy from --conflict, else
 * $NATSAUTH_CONFLICT, else strict. A sealed store is unlocked only by
 * commands that need seeds, with $NATSAUTH_PASSPHRASE or, when that is
 * unset and stdin is a terminal, a passphrase typed without echo on
 * /dev/tty. Passphrase buffers are wiped.
 *
 * Output of a store command is collected in a memory buffer and printed
 * only after the transaction committed. It never holds a secret: commands
 * that print a seed (creds, mint) print it themselves after st_finish.
 */
#include "cmd_store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- global options ---- */

static const char *g_store, *g_conflict;
static int g_argc;
static char **g_argv;

static bool global_opt(const char *arg, const char *name, const char **val, int *i, int argc,
                       char **argv, int *bad)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return false;
    if (arg[n] == '=') {
        *val = arg + n + 1;
        return true;
    }
    if (arg[n] != '\0')
        return false;
    if (*i + 1 >= argc) {
        cli_err("option '%s' needs an argument", name);
        *bad = 1;
        return true;
    }
    *val = argv[++*i];
    return true;
}

int st_global_options(int argc, char **argv)
{
    int i = 1, bad = 0;
    while (i < argc) {
        const char *s = argv[i];
        if (!global_opt(s, "--store", &g_store, &i, argc, argv, &bad) &&
            !global_opt(s, "--conflict", &g_conflict, &i, argc, argv, &bad))
            break;
        if (bad)
            return -1;
        i++;
    }
    g_argc = argc - i;
    g_argv = argv + i;
    return i;
}

/* ---- options by name ---- */

int st_opt_index(const cli_cmd *cmd, const char *name)
{
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return i;
    return -1;
}

const char *st_val(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    int i = st_opt_index(cmd, name);
    return i >= 0 && a->set[i] ? a->val[i] : NULL;
}

bool st_has(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    int i = st_opt_index(cmd, name);
    return i >= 0 && a->set[i];
}

/* ---- passphrase ---- */

static na_status tty_read(int fd, const char *prompt, char *buf, size_t cap, na_err *err)
{
    struct termios old, quiet;
    size_t n = 0;
    bool restore = false;
    na_status st = NA_OK;
    if (tcgetattr(fd, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* the prompt is a courtesy; reading decides */
    }
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n' || c == '\r')
            break;
        if (n + 1 >= cap) {
            st = na_fail(err, NA_ETOOBIG, "the passphrase is longer than %zu bytes", cap - 1);
            break;
        }
        buf[n++] = c;
    }
    buf[n] = '\0';
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* as above */
    }
    return st;
}

na_status st_passphrase(char *buf, size_t cap, const char *path, bool confirm, na_err *err)
{
    const char *env = getenv("NATSAUTH_PASSPHRASE");
    char prompt[PATH_MAX + 64], again[1024];
    na_status st;
    int fd;
    if (env) {
        if (!*env)
            return na_fail(err, NA_EINVAL, "NATSAUTH_PASSPHRASE is set but empty");
        if (strlen(env) >= cap)
            return na_fail(err, NA_ETOOBIG, "NATSAUTH_PASSPHRASE is longer than %zu bytes",
                           cap - 1);
        memcpy(buf, env, strlen(env) + 1);
        return NA_OK;
    }
    if (!isatty(STDIN_FILENO) || (fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0)
        return na_fail(err, NA_EINVAL,
                       confirm ? "sealing store '%s' needs a passphrase: set NATSAUTH_PASSPHRASE "
                                 "(or run on a terminal to be asked for it)"
                               : "store '%s' is sealed: set NATSAUTH_PASSPHRASE (or run on a "
                                 "terminal to be asked for it)",
                       path);
    snprintf(prompt, sizeof prompt, "natsauth: passphrase for store '%s': ", path);
    st = tty_read(fd, prompt, buf, cap, err);
    if (st == NA_OK && !buf[0])
        st = na_fail(err, NA_EINVAL, "the passphrase is empty");
    if (st == NA_OK && confirm) {
        st = tty_read(fd, "natsauth: the same passphrase again: ", again, sizeof again, err);
        if (st == NA_OK && strcmp(again, buf) != 0)
            st = na_fail(err, NA_EINVAL, "the passphrases differ");
        na_wipe(again, sizeof again);
    }
    close(fd);
    if (st != NA_OK)
        na_wipe(buf, cap);
    return st;
}

/* ---- sessions ---- */

static void st_close(st_session *s)
{
    if (s->out) {
        fclose(s->out);
        s->out = NULL;
    }
    free(s->outbuf);
    s->outbuf = NULL;
    if (s->store) {
        na_store_rollback(s->store);
        na_store_close(s->store);
        s->store = NULL;
    }
}

/* A store file this command created is removed when the command fails,
 * provided nothing was committed to it (no operator): a concurrent init
 * that got further keeps its store. Call before st_close. */
static bool created_empty(st_session *s)
{
    na_entity op = {0};
    struct stat sb;
    bool empty;
    if (!s->created)
        return false;
    if (!s->store)
        return stat(s->path, &sb) == 0 && sb.st_size == 0;
    na_store_rollback(s->store);
    empty = na_store_operator_get(s->store, &op, NULL) == NA_ENOTFOUND;
    na_entity_release(&op);
    return empty;
}

static void remove_files(const char *path)
{
    char p[PATH_MAX + 8];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* Close after a failure, removing a store file the command created. */
static void close_failed(st_session *s)
{
    bool remove = created_empty(s);
    st_close(s);
    if (remove)
        remove_files(s->path);
}

static int conflict_policy(const cli_cmd *cmd, const cli_args *a, na_conflict *out)
{
    const char *v = st_val(cmd, a, "conflict"), *from = "--conflict";
    if (!v && g_conflict) {
        v = g_conflict;
    } else if (!v && (v = getenv("NATSAUTH_CONFLICT")) != NULL) {
        from = "NATSAUTH_CONFLICT";
    }
    *out = NA_CONFLICT_STRICT;
    if (!v || strcmp(v, "strict") == 0)
        return CLI_OK;
    if (strcmp(v, "idempotent") == 0) {
        *out = NA_CONFLICT_IDEMPOTENT;
        return CLI_OK;
    }
    return cli_usage(cmd, "%s '%.40s' is not a conflict policy (strict or idempotent)", from, v);
}

na_status st_begin(st_session *s, na_err *err)
{
    char line[1024], clean[1024];
    size_t n = 0;
    line[0] = '\0';
    /* the audit log names the command as given (seeds are never arguments;
     * seed-shaped words are redacted anyway) */
    for (int i = 0; i < g_argc && n + 2 < sizeof line; i++) {
        int k = snprintf(line + n, sizeof line - n, "%s%s", i ? " " : "", g_argv[i]);
        if (k < 0)
            break;
        n += (size_t)k < sizeof line - n ? (size_t)k : sizeof line - n - 1;
    }
    if (!line[0])
        snprintf(line, sizeof line, "%s", s->cmd->path);
    cli_redact(clean, sizeof clean, line);
    return na_store_begin(s->store, clean, err);
}

na_status st_unlock(st_session *s, na_err *err)
{
    char pass[1024];
    na_status st;
    if (!na_store_is_sealed(s->store))
        return NA_OK;
    st = st_passphrase(pass, sizeof pass, s->path, false, err);
    if (st == NA_OK)
        st = na_store_unlock(s->store, pass, err);
    na_wipe(pass, sizeof pass);
    return st;
}

int st_open(st_session *s, const cli_cmd *cmd, const cli_args *a, unsigned flags)
{
    const char *explicit_path = st_val(cmd, a, "store");
    na_conflict conflict;
    na_err err = {0};
    struct stat sb;
    int rc;

    memset(s, 0, sizeof *s);
    s->cmd = cmd;
    s->json = st_has(cmd, a, "json");
    if ((rc = conflict_policy(cmd, a, &conflict)) != CLI_OK)
        return rc;
    if (!explicit_path)
        explicit_path = g_store;
    if (na_store_default_path(s->path, sizeof s->path, explicit_path, &err) != NA_OK)
        goto fail;
    if (flags & ST_PATH_ONLY) {
        if (!(s->out = open_memstream(&s->outbuf, &s->outlen))) {
            na_fail(&err, NA_ENOMEM, "out of memory");
            goto fail;
        }
        return CLI_OK;
    }
    if ((flags & ST_CREATE) && stat(s->path, &sb) != 0 && errno == ENOENT)
        s->created = true;
    if (na_store_open(&s->store, s->path, (flags & ST_CREATE) != 0, &err) != NA_OK) {
        s->store = NULL;
        goto fail;
    }
    if ((flags & ST_SEEDS) && st_unlock(s, &err) != NA_OK)
        goto fail;
    s->x.store = s->store;
    s->x.now = (int64_t)time(NULL);
    s->x.conflict = conflict;
    s->out = open_memstream(&s->outbuf, &s->outlen);
    if (!s->out) {
        na_fail(&err, NA_ENOMEM, "out of memory");
        goto fail;
    }
    if ((flags & ST_WRITE) && st_begin(s, &err) != NA_OK)
        goto fail;
    return CLI_OK;
fail:
    cli_err("%s", err.msg);
    close_failed(s);
    return CLI_FAIL;
}

int st_finish(st_session *s, na_status st, const na_err *err)
{
    na_err cerr = {0};
    int rc = CLI_OK;
    if (st == NA_OK && s->store && na_store_in_transaction(s->store) &&
        na_store_commit(s->store, &cerr) != NA_OK) {
        st = cerr.code ? cerr.code : NA_EIO;
        err = &cerr;
    }
    if (st != NA_OK) {
        na_store_rollback(s->store);
        cli_err("%s", err && err->msg[0] ? err->msg : na_status_str(st));
        rc = CLI_FAIL;
    }
    if (s->out) {
        fclose(s->out);
        s->out = NULL;
        if (rc == CLI_OK)
            cli_out(s->outbuf, s->outlen);
    }
    if (rc != CLI_OK)
        close_failed(s);
    else
        st_close(s);
    return rc;
}

void st_abort(st_session *s) { close_failed(s); }

/* ---- values ---- */

static bool parse_digits(const char **p, int64_t *v)
{
    const char *s = *p;
    *v = 0;
    if (!isdigit((unsigned char)*s))
        return false;
    while (isdigit((unsigned char)*s)) {
        if (*v > (INT64_MAX - 9) / 10)
            return false;
        *v = *v * 10 + (*s++ - '0');
    }
    *p = s;
    return true;
}

bool st_parse_size(const char *s, int64_t *out)
{
    static const char units[] = "KMGT";
    int64_t v, mult = 1;
    const char *p = s;
    if (!s)
        return false;
    if (strcmp(s, "-1") == 0) {
        *out = -1;
        return true;
    }
    if (!parse_digits(&p, &v))
        return false;
    if (*p) {
        const char *u = strchr(units, toupper((unsigned char)*p));
        if (u) {
            int64_t base = 1000;
            p++;
            if (*p == 'i' || *p == 'I') {
                base = 1024;
                p++;
            }
            for (const char *q = units; q <= u; q++)
                mult *= base;
        }
        if (*p == 'b' || *p == 'B')
            p++;
        if (*p)
            return false;
    }
    if (v > INT64_MAX / mult)
        return false;
    *out = v * mult;
    return true;
}

bool st_parse_count(const char *s, int64_t *out)
{
    const char *p = s;
    int64_t v;
    if (!s)
        return false;
    if (strcmp(s, "-1") == 0) {
        *out = -1;
        return true;
    }
    if (!parse_digits(&p, &v) || *p)
        return false;
    *out = v;
    return true;
}

bool st_parse_nanos(const char *s, int64_t *out)
{
    static const struct {
        const char *u;
        int64_t ns;
    } units[] = {{"ns", 1},
                 {"us", 1000},
                 {"ms", 1000000},
                 {"s", 1000000000},
                 {"m", 60 * (int64_t)1000000000},
                 {"h", 3600 * (int64_t)1000000000}};
    const char *p = s;
    int64_t total = 0, v;
    if (!s || !*s)
        return false;
    if (parse_digits(&p, &v) && !*p) { /* a bare number is seconds */
        if (v <= 0 || v > INT64_MAX / 1000000000)
            return false;
        *out = v * 1000000000;
        return true;
    }
    p = s;
    while (*p) {
        size_t best = 0, len = 0;
        if (!parse_digits(&p, &v))
            return false;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t n = strlen(units[i].u);
            /* longest match first: "ms" before "m" */
            if (strncmp(p, units[i].u, n) == 0 && n > len) {
                best = i;
                len = n;
            }
        }
        if (!len || v > INT64_MAX / units[best].ns || total > INT64_MAX - v * units[best].ns)
            return false;
        total += v * units[best].ns;
        p += len;
    }
    if (total <= 0)
        return false;
    *out = total;
    return true;
}

bool st_parse_clock(const char *s)
{
    int h, m, sec;
    char tail;
    if (strlen(s) != 8 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]) ||
        s[5] != ':' || !isdigit((unsigned char)s[6]) || !isdigit((unsigned char)s[7]))
        return false;
    if (sscanf(s, "%2d:%2d:%2d%c", &h, &m, &sec, &tail) != 3)
        return false;
    return h < 24 && m < 60 && sec < 60;
}

int st_expiry(const cli_cmd *cmd, const cli_args *a, int64_t now, int64_t *exp, bool *set)
{
    const char *dur = st_val(cmd, a, "expiry"), *at = st_val(cmd, a, "exp");
    int64_t d;
    *exp = 0;
    *set = false;
    if (dur && at)
        return cli_usage(cmd, "--expiry and --exp cannot be used together");
    if (dur) {
        if (!cli_parse_duration(dur, &d) || d > INT64_MAX - now)
            return cli_usage(cmd, "--expiry '%.40s' is not a duration (like 90s, 30m, 1h, 2d, 1w)",
                             dur);
        *exp = now + d;
        *set = true;
    } else if (at) {
        if (!cli_parse_i64(at, exp) || *exp < 0)
            return cli_usage(cmd, "--exp '%.40s' is not a unix time (0 for no expiry)", at);
        *set = true;
    }
    return CLI_OK;
}

/* ---- edits ---- */

static char *dup_or_null(const char *s, bool *oom)
{
    char *p;
    if (!s)
        return NULL;
    p = strdup(s);
    if (!p)
        *oom = true;
    return p;
}

void st_edit(st_edits *ed, na_edit_op op, const char *path, const char *str, int64_t num)
{
    na_edit *e;
    if (ed->oom)
        return;
    if (ed->n == ed->cap) {
        size_t cap = ed->cap ? ed->cap * 2 : 16;
        na_edit *ne = realloc(ed->e, cap * sizeof *ne);
        if (!ne) {
            ed->oom = true;
            return;
        }
        ed->e = ne;
        ed->cap = cap;
    }
    e = &ed->e[ed->n];
    e->op = op;
    e->num = num;
    e->path = dup_or_null(path, &ed->oom);
    e->str = dup_or_null(str, &ed->oom);
    ed->n++;
}

void st_edits_free(st_edits *ed)
{
    for (size_t i = 0; i < ed->n; i++) {
        free((char *)ed->e[i].path);
        free((char *)ed->e[i].str);
    }
    free(ed->e);
    memset(ed, 0, sizeof *ed);
}

static const char *const perm_opts[] = {"allow-pub", "allow-sub", "deny-pub", "deny-sub",
                                        "allow-pubsub", NULL};

bool st_has_perms(const cli_cmd *cmd, const cli_args *a)
{
    for (int i = 0; perm_opts[i]; i++)
        if (st_has(cmd, a, perm_opts[i]))
            return true;
    return false;
}

void st_perm_edits(st_edits *ed, const cli_cmd *cmd, const cli_args *a, const char *base)
{
    static const char *const lists[] = {"pub.allow", "sub.allow", "pub.deny", "sub.deny"};
    char path[128];
    for (int i = 0; i < a->nseq; i++) {
        const char *name = cmd->opts[a->seq[i].idx].name, *v = a->seq[i].val;
        int which = -1;
        for (int k = 0; perm_opts[k]; k++)
            if (strcmp(name, perm_opts[k]) == 0)
                which = k;
        if (which >= 0 && which < 4) {
            snprintf(path, sizeof path, "%s.%s", base, lists[which]);
            st_edit(ed, NA_EDIT_ADD_STR, path, v, 0);
        } else if (which == 4) {
            for (int k = 0; k < 2; k++) {
                snprintf(path, sizeof path, "%s.%s", base, lists[k]);
                st_edit(ed, NA_EDIT_ADD_STR, path, v, 0);
            }
        } else if (strcmp(name, "rm") == 0) {
            for (int k = 0; k < 4; k++) {
                snprintf(path, sizeof path, "%s.%s", base, lists[k]);
                st_edit(ed, NA_EDIT_REMOVE_STR, path, v, 0);
            }
        }
    }
}

/* ---- output ---- */

void jw_init(jw *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
}

static void jw_key(jw *w, const char *key)
{
    if (w->more[w->depth])
        fputc(',', w->f);
    w->more[w->depth] = true;
    if (key) {
        cli_json_str(w->f, key);
        fputc(':', w->f);
    }
}

static void jw_open(jw *w, const char *key, char c)
{
    jw_key(w, key);
    fputc(c, w->f);
    if (w->depth + 1 < (int)(sizeof w->more / sizeof w->more[0]))
        w->depth++;
    w->more[w->depth] = false;
}

void jw_obj(jw *w, const char *key) { jw_open(w, key, '{'); }
void jw_arr(jw *w, const char *key) { jw_open(w, key, '['); }

void jw_end(jw *w, char close)
{
    fputc(close, w->f);
    if (w->depth > 0)
        w->depth--;
    if (w->depth == 0)
        fputc('\n', w->f);
}

void jw_str(jw *w, const char *key, const char *v)
{
    jw_key(w, key);
    if (v)
        cli_json_str(w->f, v);
    else
        fputs("null", w->f);
}

void jw_int(jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    fprintf(w->f, "%lld", (long long)v);
}

void jw_bool(jw *w, const char *key, bool v)
{
    jw_key(w, key);
    fputs(v ? "true" : "false", w->f);
}

void jw_raw(jw *w, const char *key, const char *json)
{
    jw_key(w, key);
    fputs(json && *json ? json : "null", w->f);
}

const char *st_time(int64_t t)
{
    static char buf[64];
    struct tm tm;
    time_t tt = (time_t)t;
    if (t == 0)
        return "never";
    if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, sizeof buf, "%lld", (long long)t);
    return buf;
}

na_status st_decode(na_claims **out, const char *jwt, na_err *err)
{
    na_status st;
    *out = NULL;
    if (!jwt || !*jwt)
        return na_fail(err, NA_EINVAL, "the store holds no JWT for it");
    st = na_jwt_decode(out, jwt, strlen(jwt), err);
    if (st != NA_OK)
        na_err_prefix(err, "stored JWT");
    return st;
}
