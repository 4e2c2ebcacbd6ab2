/*
 * cmd_client.c - `natsauth connect-test`: connect to a NATS server with a
 * .creds file, a user name and password, a token, or creds with a token or
 * password (the auth callout sentinel flow), and report what the server
 * lets that user publish and subscribe to (natsauth/client.h does the work).
 *
 * Prints "connected as <user> to <server>", then one line per --pub/--sub
 * in command-line order ("publish x: allowed", "publish y: refused (...)"),
 * or a JSON object with --json. Exit 0 when connected, whatever the checks
 * found; 1 when the connection was refused or failed, or a check got no
 * answer; 2 on usage errors. Secrets (the creds, the password, the token)
 * come from a file, stdin or env:NAME, never from the command line; each is
 * read once, wiped after use, and never printed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "natsauth/client.h"

#include "cmd_store.h"
#include "cmds.h"
#include "util.h"

enum { C_SERVER, C_CREDS, C_USER, C_PASSWORD, C_TOKEN, C_PUB, C_SUB, C_TIMEOUT, C_JSON };
static const cli_opt client_opts[] = {
    {"server", 's', "URL", "server URL (default $NATS_URL, else " NA_CLIENT_URL_DEFAULT ")"},
    {"creds", 0, "FILE", "the user's .creds file; - for stdin, or env:NAME"},
    {"user", 0, "NAME", "user name to send (with --password)"},
    {"password", 0, "FILE",
     "the user's password: a file (its first line), - for stdin, or env:NAME; "
     "never the password itself"},
    {"token", 0, "FILE",
     "auth token to send: a file (its first line), - for stdin, or env:NAME; "
     "never the token itself"},
    {"pub", 0, "SUBJECT...", "publish an empty message to SUBJECT (repeatable)"},
    {"sub", 0, "SUBJECT...", "subscribe to SUBJECT, then unsubscribe (repeatable)"},
    {"timeout", 0, "DUR",
     "wait this long for the server's answer to each check: 300ms (default) "
     "to 60s"},
    {"json", 0, NULL, "print JSON instead of text"},
    {NULL, 0, NULL, NULL},
};

/* The text of a secret source: a file, stdin ("-") or env:NAME (bounded;
 * wiped by the caller). what names it in the warning ("creds", "password"). */
static na_status read_source(cli_buf *out, const char *spec, const char *what, na_err *err)
{
    struct stat sb;
    if (strncmp(spec, "env:", 4) == 0) {
        const char *v = getenv(spec + 4);
        if (!spec[4])
            return na_fail(err, NA_EINVAL, "'env:' needs a variable name (env:NAME)");
        if (!v)
            return na_fail(err, NA_ENOTFOUND, "environment variable '%.100s' is not set", spec + 4);
        out->len = strlen(v);
        if (out->len > CLI_MAX_TEXT)
            return na_fail(err, NA_ETOOBIG, "environment variable '%.100s' is too long", spec + 4);
        if (!(out->p = malloc(out->len + 1)))
            return na_fail(err, NA_ENOMEM, "out of memory");
        memcpy(out->p, v, out->len + 1);
        return NA_OK;
    }
    if (cli_read(out, spec, CLI_MAX_TEXT, err) != NA_OK)
        return err->code;
    if (strcmp(spec, "-") != 0 && stat(spec, &sb) == 0 && S_ISREG(sb.st_mode) &&
        (sb.st_mode & (S_IRWXG | S_IRWXO)))
        cli_warn("%s file '%.200s' is accessible by group or others (mode %04o); "
                 "run chmod 600 on it",
                 what, spec, (unsigned)(sb.st_mode & 07777));
    return NA_OK;
}

/* A password or token source must be a file, - or env:NAME. A value naming
 * no file is most likely the secret itself: refused without repeating it. */
static bool secret_spec_ok(const cli_cmd *cmd, const char *opt, const char *spec, int *rc)
{
    struct stat sb;
    if (!spec[0]) {
        *rc = cli_usage(cmd, "--%s is empty (want a file, - or env:NAME)", opt);
        return false;
    }
    if (strcmp(spec, "-") == 0 || strncmp(spec, "env:", 4) == 0)
        return true;
    if (stat(spec, &sb) != 0 && errno == ENOENT) {
        *rc = cli_usage(cmd,
                        "--%s takes a file, - (stdin) or env:NAME, never the %s itself: "
                        "no file of that name",
                        opt, opt);
        return false;
    }
    return true;
}

/* A password or token: a file's or stdin's first line, or a variable's whole
 * value; must not be empty. */
static na_status read_secret(cli_buf *out, const char *spec, const char *what, na_err *err)
{
    char where[256];
    bool env = strncmp(spec, "env:", 4) == 0;
    char *nl;
    if (read_source(out, spec, what, err) != NA_OK)
        return err->code;
    if (!env && (nl = strchr(out->p, '\n')) != NULL) {
        out->len = (size_t)(nl - out->p);
        if (out->len && out->p[out->len - 1] == '\r')
            out->len--;
        out->p[out->len] = '\0';
    }
    if (env)
        snprintf(where, sizeof where, "environment variable '%.100s'", spec + 4);
    else
        cli_where(spec, where, sizeof where);
    if (out->len == 0 || strlen(out->p) != out->len)
        return na_fail(err, NA_EINVAL, "the %s in %s is empty or has a NUL byte", what, where);
    return NA_OK;
}

static void print_json(const na_client_report *rep, const na_client_check *c, size_t n)
{
    jw w;
    jw_init(&w, stdout);
    jw_obj(&w, NULL);
    jw_bool(&w, "connected", rep->connected);
    jw_str(&w, "server", rep->server);
    jw_str(&w, "user", rep->user[0] ? rep->user : NULL);
    jw_str(&w, "login", rep->login[0] ? rep->login : NULL);
    jw_bool(&w, "token", rep->token);
    jw_str(&w, "error", rep->connected ? NULL : rep->error);
    for (int op = NA_CLIENT_PUB; op <= NA_CLIENT_SUB; op++) {
        jw_arr(&w, na_client_op_name((na_client_op)op));
        for (size_t i = 0; i < n; i++) {
            if ((int)c[i].op != op)
                continue;
            jw_obj(&w, NULL);
            jw_str(&w, "subject", c[i].subject);
            jw_bool(&w, "allowed", c[i].allowed);
            jw_str(&w, "error", c[i].allowed ? NULL : c[i].error);
            jw_end(&w, '}');
        }
        jw_end(&w, ']');
    }
    jw_end(&w, '}');
}

static void print_text(const na_client_report *rep, const na_client_check *c, size_t n)
{
    printf("connected ");
    cli_out_clean(rep->as);
    printf(" to ");
    cli_out_clean(rep->server);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        printf("%s ", na_client_op_name(c[i].op));
        cli_out_clean(c[i].subject);
        if (c[i].allowed) {
            printf(": allowed\n");
            continue;
        }
        printf(": %s (", c[i].answered ? "refused" : "unknown");
        cli_out_clean(c[i].error);
        printf(")\n");
    }
}

/* The secrets to connect with; wiped by release_secrets. */
typedef struct client_secrets {
    cli_buf creds, password, token;
} client_secrets;

static void release_secrets(client_secrets *s)
{
    cli_buf_free(&s->creds);
    cli_buf_free(&s->password);
    cli_buf_free(&s->token);
}

/* Which of --creds, --user/--password, --token; at most one of them from
 * stdin. false (the usage error's status in *rc) when they do not fit. */
static bool check_auth_opts(const cli_cmd *cmd, const cli_args *a, int *rc)
{
    int from_stdin = 0;
    if (a->set[C_USER] != a->set[C_PASSWORD]) {
        *rc = cli_usage(cmd, a->set[C_USER] ? "--user needs --password FILE (a file, - or env:NAME)"
                                            : "--password needs --user NAME");
        return false;
    }
    if (!a->set[C_CREDS] && !a->set[C_USER] && !a->set[C_TOKEN]) {
        *rc = cli_usage(cmd, "give --creds FILE, --user NAME with --password FILE, or --token FILE "
                             "(or --creds with --token or --password)");
        return false;
    }
    if (a->set[C_CREDS] && !a->val[C_CREDS][0]) {
        *rc = cli_usage(cmd, "--creds is empty (want a file, - or env:NAME)");
        return false;
    }
    if (a->set[C_USER] && !a->val[C_USER][0]) {
        *rc = cli_usage(cmd, "--user is empty (want a user name)");
        return false;
    }
    if (a->set[C_PASSWORD] && !secret_spec_ok(cmd, "password", a->val[C_PASSWORD], rc))
        return false;
    if (a->set[C_TOKEN] && !secret_spec_ok(cmd, "token", a->val[C_TOKEN], rc))
        return false;
    for (int i = C_CREDS; i <= C_TOKEN; i++)
        from_stdin += i != C_USER && a->set[i] && strcmp(a->val[i], "-") == 0;
    if (from_stdin > 1) {
        *rc = cli_usage(cmd, "only one of --creds, --password and --token can be - (stdin)");
        return false;
    }
    return true;
}

/* Read the secrets the options name; errors name the file or variable. */
static na_status read_secrets(client_secrets *s, const cli_args *a, na_err *err)
{
    if (a->set[C_CREDS] && read_source(&s->creds, a->val[C_CREDS], "creds", err) != NA_OK)
        return err->code;
    if (a->set[C_PASSWORD] &&
        read_secret(&s->password, a->val[C_PASSWORD], "password", err) != NA_OK)
        return err->code;
    if (a->set[C_TOKEN] && read_secret(&s->token, a->val[C_TOKEN], "token", err) != NA_OK)
        return err->code;
    return NA_OK;
}

/* The --pub/--sub checks in command-line order; *n of them. */
static bool parse_checks(const cli_cmd *cmd, const cli_args *a, na_client_check **out, size_t *n,
                         int *rc)
{
    na_client_check *checks = NULL;
    *n = 0;
    if (a->nseq && !(checks = calloc((size_t)a->nseq, sizeof *checks))) {
        cli_err("out of memory");
        *rc = CLI_FAIL;
        return false;
    }
    for (int i = 0; i < a->nseq; i++) {
        int idx = a->seq[i].idx;
        const char *why = NULL;
        if (idx != C_PUB && idx != C_SUB)
            continue;
        checks[*n].op = idx == C_PUB ? NA_CLIENT_PUB : NA_CLIENT_SUB;
        checks[*n].subject = a->seq[i].val;
        if (!na_client_subject_valid(checks[*n].op, checks[*n].subject, &why)) {
            *rc = cli_usage(cmd, "--%s '%.100s': %s", idx == C_PUB ? "pub" : "sub",
                            checks[*n].subject, why);
            free(checks);
            return false;
        }
        (*n)++;
    }
    *out = checks;
    return true;
}

static int run_connect_test(const cli_cmd *cmd, const cli_args *a)
{
    const char *env = getenv("NATS_URL");
    const char *url = a->val[C_SERVER] && *a->val[C_SERVER] ? a->val[C_SERVER]
                      : env && *env                         ? env
                                                            : NA_CLIENT_URL_DEFAULT;
    na_client_check *checks = NULL;
    na_client_opts co = {0};
    na_client_report rep;
    client_secrets sec = {0};
    na_err err = {0};
    char where[256] = "";
    size_t n = 0, unanswered = 0;
    int rc = CLI_FAIL;
    na_status st;

    if (a->val[C_TIMEOUT]) {
        int64_t ns = 0;
        if (!st_parse_nanos(a->val[C_TIMEOUT], &ns) || ns < 1000000 ||
            ns > (int64_t)NA_CLIENT_WAIT_MAX_MS * 1000000)
            return cli_usage(cmd,
                             "--timeout '%.40s' is not a duration of 1ms to 60s "
                             "(e.g. 300ms, 2s)",
                             a->val[C_TIMEOUT]);
        co.wait_ms = (int)(ns / 1000000);
    }
    if (!parse_checks(cmd, a, &checks, &n, &rc))
        return rc;
    if (!check_auth_opts(cmd, a, &rc)) {
        free(checks);
        return rc;
    }
    if (a->set[C_CREDS] && strncmp(a->val[C_CREDS], "env:", 4) == 0)
        snprintf(where, sizeof where, "environment variable '%.100s'", a->val[C_CREDS] + 4);
    else if (a->set[C_CREDS])
        cli_where(a->val[C_CREDS], where, sizeof where);
    if (read_secrets(&sec, a, &err) != NA_OK) {
        cli_err("%s", err.msg); /* names the file or variable */
        goto out;
    }
    co.user = a->set[C_USER] ? a->val[C_USER] : NULL;
    co.password = sec.password.p;
    co.token = sec.token.p;
    st = na_client_test(url, a->set[C_CREDS] ? (sec.creds.p ? sec.creds.p : "") : NULL,
                        sec.creds.len, checks, n, &co, &rep, &err);
    release_secrets(&sec);
    if (st != NA_OK && !rep.connected && (err.code == NA_ENET || err.code == NA_ETIMEOUT)) {
        /* the connection was tried and refused or failed: a test result */
        if (a->set[C_JSON])
            print_json(&rep, checks, 0);
        cli_err("%s", err.msg);
        goto out;
    }
    if (st != NA_OK) {
        if (st == NA_ECREDS || st == NA_EJWT || st == NA_EBASE32 || st == NA_ECRC ||
            st == NA_EPREFIX || st == NA_ELENGTH || st == NA_EJSON || st == NA_ESCHEMA)
            na_err_prefix(&err, "bad creds in %s", where);
        cli_err("%s", err.msg);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        unanswered += !checks[i].answered;
    if (a->set[C_JSON])
        print_json(&rep, checks, n);
    else
        print_text(&rep, checks, n);
    rc = CLI_OK;
    if (unanswered) {
        cli_err("%zu of %zu checks got no answer from the server", unanswered, n);
        rc = CLI_FAIL;
    }
out:
    release_secrets(&sec);
    free(checks);
    na_client_shutdown(2000);
    return rc;
}

static const cli_cmd connect_test_cmd = {
    "connect-test",
    "connect-test",
    "[--server URL] [--creds FILE] [--user NAME --password FILE] [--token FILE] "
    "[--pub SUBJECT]... [--sub SUBJECT]... [--timeout DUR] [--json]",
    "connect as a user; check what it may publish and subscribe to",
    "Connects to the server as the user of the .creds file (the seed stays in\n"
    "natsauth: it signs the server's nonce), and/or with a user name and\n"
    "password, and/or a token: at least one of them. With auth callout, the\n"
    "callout service decides on the user and password or the token; in operator\n"
    "mode the client also needs the callout account's (sentinel) creds: give\n"
    "--creds with --token or --password. The password and token come from a\n"
    "file (its first line), - (stdin) or env:NAME, never from the command line.\n"
    "Prints \"connected as <user> to <server>\" (\"connected with a token to\n"
    "...\" for a token alone), or the server's refusal (e.g. \"authorization\n"
    "violation\") with exit status 1. Then, in command-line order, each --pub publishes an empty\n"
    "message and each --sub subscribes (and unsubscribes), and waits for the\n"
    "server's answer: \"publish SUBJECT: allowed\" or \"publish SUBJECT: refused\n"
    "(Permissions Violation for Publish to \"SUBJECT\")\". An allowed --pub really\n"
    "publishes. Exit status 0 when connected, even if checks were refused; 1 when\n"
    "the connection failed or a check got no answer within --timeout.\n"
    "--json prints {\"connected\",\"server\",\"user\" (the creds' user),\"login\"\n"
    "(--user),\"token\" (true when one was sent),\"error\",\"publish\":[{\"subject\",\n"
    "\"allowed\",\"error\"}],\"subscribe\":[...]}.\n",
    client_opts,
    0,
    0,
    run_connect_test,
};

int cmd_connect_test(int argc, char **argv)
{
    return cli_run(&connect_test_cmd, argc, argv);
}
