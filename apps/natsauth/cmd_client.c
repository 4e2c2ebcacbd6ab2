/*
 * cmd_client.c - `natsauth connect-test`: connect to a NATS server with a
 * .creds file and report what the server lets that user publish and
 * subscribe to (natsauth/client.h does the work).
 *
 * Prints "connected as <user> to <server>", then one line per --pub/--sub
 * in command-line order ("publish x: allowed", "publish y: refused (...)"),
 * or a JSON object with --json. Exit 0 when connected, whatever the checks
 * found; 1 when the connection was refused or failed, or a check got no
 * answer; 2 on usage errors. The creds text is read once, wiped after use,
 * and never printed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "natsauth/client.h"

#include "cmd_store.h"
#include "cmds.h"
#include "util.h"

enum { C_SERVER, C_CREDS, C_PUB, C_SUB, C_TIMEOUT, C_JSON };
static const cli_opt client_opts[] = {
    {"server", 's', "URL", "server URL (default $NATS_URL, else " NA_CLIENT_URL_DEFAULT ")"},
    {"creds", 0, "FILE", "the user's .creds file; - for stdin, or env:NAME (required)"},
    {"pub", 0, "SUBJECT...", "publish an empty message to SUBJECT (repeatable)"},
    {"sub", 0, "SUBJECT...", "subscribe to SUBJECT, then unsubscribe (repeatable)"},
    {"timeout", 0, "DUR",
     "wait this long for the server's answer to each check: 300ms (default) "
     "to 60s"},
    {"json", 0, NULL, "print JSON instead of text"},
    {NULL, 0, NULL, NULL},
};

/* The creds text from a file, stdin or env:NAME (bounded; wiped by the caller). */
static na_status read_creds(cli_buf *out, const char *spec, na_err *err)
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
        cli_warn("creds file '%.200s' is accessible by group or others (mode %04o); "
                 "run chmod 600 on it",
                 spec, (unsigned)(sb.st_mode & 07777));
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
    printf("connected as %s to ", rep->user);
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

static int run_connect_test(const cli_cmd *cmd, const cli_args *a)
{
    const char *env = getenv("NATS_URL");
    const char *url = a->val[C_SERVER] && *a->val[C_SERVER] ? a->val[C_SERVER]
                      : env && *env                         ? env
                                                            : NA_CLIENT_URL_DEFAULT;
    na_client_check *checks = NULL;
    na_client_opts co = {0};
    na_client_report rep;
    cli_buf creds = {0};
    na_err err = {0};
    char where[256];
    size_t n = 0, unanswered = 0;
    int rc = CLI_FAIL;
    na_status st;

    if (!a->set[C_CREDS])
        return cli_usage(cmd, "--creds FILE is required (the user's .creds file)");
    if (!a->val[C_CREDS][0])
        return cli_usage(cmd, "--creds is empty (want a file, - or env:NAME)");
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
    if (a->nseq && !(checks = calloc((size_t)a->nseq, sizeof *checks))) {
        cli_err("out of memory");
        return CLI_FAIL;
    }
    for (int i = 0; i < a->nseq; i++) {
        int idx = a->seq[i].idx;
        const char *why = NULL;
        if (idx != C_PUB && idx != C_SUB)
            continue;
        checks[n].op = idx == C_PUB ? NA_CLIENT_PUB : NA_CLIENT_SUB;
        checks[n].subject = a->seq[i].val;
        if (!na_client_subject_valid(checks[n].op, checks[n].subject, &why)) {
            rc = cli_usage(cmd, "--%s '%.100s': %s", idx == C_PUB ? "pub" : "sub",
                           checks[n].subject, why);
            goto out;
        }
        n++;
    }
    if (strncmp(a->val[C_CREDS], "env:", 4) == 0)
        snprintf(where, sizeof where, "environment variable '%.100s'", a->val[C_CREDS] + 4);
    else
        cli_where(a->val[C_CREDS], where, sizeof where);
    if (read_creds(&creds, a->val[C_CREDS], &err) != NA_OK) {
        cli_err("%s", err.msg); /* names the file or variable */
        goto out;
    }
    st = na_client_test(url, creds.p, creds.len, checks, n, &co, &rep, &err);
    cli_buf_free(&creds);
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
    cli_buf_free(&creds);
    free(checks);
    na_client_shutdown(2000);
    return rc;
}

static const cli_cmd connect_test_cmd = {
    "connect-test",
    "connect-test",
    "[--server URL] --creds FILE [--pub SUBJECT]... [--sub SUBJECT]... [--timeout DUR] [--json]",
    "connect with a .creds file; check what it may publish and subscribe to",
    "Connects to the server as the user of the .creds file (the seed stays in\n"
    "natsauth: it signs the server's nonce) and prints \"connected as <user> to\n"
    "<server>\", or the server's refusal (e.g. \"authorization violation\") with\n"
    "exit status 1. Then, in command-line order, each --pub publishes an empty\n"
    "message and each --sub subscribes (and unsubscribes), and waits for the\n"
    "server's answer: \"publish SUBJECT: allowed\" or \"publish SUBJECT: refused\n"
    "(Permissions Violation for Publish to \"SUBJECT\")\". An allowed --pub really\n"
    "publishes. Exit status 0 when connected, even if checks were refused; 1 when\n"
    "the connection failed or a check got no answer within --timeout.\n"
    "--json prints {\"connected\",\"server\",\"user\",\"error\",\"publish\":[{\"subject\",\n"
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
