/*
 * cmd_push.c - `natsauth push` and `natsauth pull`: the store's account JWTs
 * to and from NATS servers (natsauth/push.h does the work).
 *
 * push prints one line per account (or a JSON array with --json) after all
 * answers are in, a progress line on stderr while it waits when stderr is a
 * terminal, and exits 1 when any account was not updated or deleted. pull
 * prints the accounts whose JWT differs between the server and the store.
 * Neither prints a seed; the store is opened without creating it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "natsauth/push.h"

#include "cmd_store.h"
#include "cmds.h"
#include "util.h"

/* ---- shared: the store, the server URL, the timeout ---------------------------------- */

static const char *server_url(const char *opt)
{
    const char *env = getenv("NATS_URL");
    if (opt && *opt)
        return opt;
    return env && *env ? env : NA_PUSH_URL_DEFAULT;
}

static bool parse_timeout(const char *s, int *ms)
{
    int64_t secs = 0;
    if (!s) {
        *ms = 0;
        return true;
    }
    if (!cli_parse_duration(s, &secs) || secs <= 0 || secs > 3600)
        return false;
    *ms = (int)(secs * 1000);
    return true;
}

/* Split argv into options (with their values) for cli_parse and positional
 * arguments (any number: push takes a list of accounts). */
static int split_args(const cli_cmd *cmd, int argc, char **argv, char **opts, int *nopts,
                      const char **pos, int *npos)
{
    bool only_pos = false;
    *nopts = 0;
    *npos = 0;
    opts[(*nopts)++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        bool takes = false;
        if (only_pos || s[0] != '-' || strcmp(s, "-") == 0) {
            pos[(*npos)++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_pos = true;
            continue;
        }
        opts[(*nopts)++] = argv[i];
        for (size_t k = 0; cmd->opts[k].name; k++) {
            const cli_opt *o = &cmd->opts[k];
            if (!o->arg)
                continue;
            if ((s[1] == '-' && strcmp(s + 2, o->name) == 0) ||
                (s[1] != '-' && o->short_name && s[1] == o->short_name && !s[2]))
                takes = true;
        }
        if (takes && i + 1 < argc)
            opts[(*nopts)++] = argv[++i];
    }
    return CLI_OK;
}

/* ---- push ------------------------------------------------------------------------------ */

enum { P_SERVER, P_TIMEOUT };
static const cli_opt push_opts[] = {
    {"server", 's', "URL", "server URL (default $NATS_URL, else " NA_PUSH_URL_DEFAULT ")"},
    {"timeout", 0, "DURATION", "give up after this long without an answer (default 10s)"},
    ST_OPT_JSON,
    ST_OPT_STORE,
    ST_OPT_END,
};

typedef struct push_out {
    bool json, tty, progress_shown;
    size_t nresults;
    int64_t last_ms;
} push_out;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void push_progress(void *closure, size_t done, size_t total)
{
    push_out *o = closure;
    int64_t t = now_ms();
    if (!o->tty || (done != total && t - o->last_ms < 100))
        return;
    o->last_ms = t;
    o->progress_shown = true;
    fprintf(stderr, "\rnatsauth: push: %zu/%zu answered", done, total);
    fflush(stderr);
}

static void clear_progress(push_out *o)
{
    if (o->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        o->progress_shown = false;
    }
}

static void push_result(void *closure, const na_push_result *r)
{
    push_out *o = closure;
    clear_progress(o);
    if (o->json) {
        printf("%s\n  {\"account\": ", o->nresults ? "," : "[");
        cli_json_str(stdout, r->account);
        printf(", \"pub\": \"%s\", \"action\": \"%s\", \"result\": \"%s\", \"servers\": %d, "
               "\"server\": ",
               r->pub, na_push_action_name(r->action), na_push_outcome_name(r->outcome),
               r->servers);
        cli_json_str(stdout, r->server);
        printf(", \"message\": ");
        cli_json_str(stdout, r->message);
        printf("}");
    } else {
        printf("%-8s ", na_push_outcome_name(r->outcome));
        cli_out_clean(r->account);
        printf(" (%s): ", r->pub);
        cli_out_clean(r->message);
        printf("\n");
    }
    o->nresults++;
}

static int run_push_args(const cli_cmd *cmd, const cli_args *a, const char *const *accounts,
                         size_t n)
{
    push_out out = {0};
    na_push_opts po = {0};
    na_push_summary sum = {0};
    st_session ss;
    na_err err = {0};
    const char *url = server_url(a->val[P_SERVER]);
    int rc;
    na_status st;

    if (!parse_timeout(a->val[P_TIMEOUT], &po.timeout_ms))
        return cli_usage(cmd, "--timeout '%.40s' is not a duration of 1s to 1h (e.g. 30s, 2m)",
                         a->val[P_TIMEOUT]);
    /* no transaction: push reads, talks to servers, then opens its own to
     * forget the accounts the servers deleted */
    if ((rc = st_open(&ss, cmd, a, ST_READ | ST_SEEDS)) != CLI_OK)
        return rc;
    out.json = ss.json;
    out.tty = isatty(STDERR_FILENO);
    po.progress = push_progress;
    po.result = push_result;
    po.closure = &out;
    st = na_push(&ss.x, url, accounts, n, &po, &sum, &err);
    clear_progress(&out);
    if (out.json && (out.nresults || st == NA_OK))
        printf("%s]\n", out.nresults ? "\n" : "[");
    if (!out.json && (st == NA_OK || out.nresults))
        printf("pushed %zu account%s to %s: %zu updated, %zu skipped, %zu deleted, %zu failed\n",
               sum.total, sum.total == 1 ? "" : "s", url, sum.updated, sum.skipped, sum.deleted,
               sum.failed);
    if (sum.skipped)
        cli_warn("%zu account%s skipped: a server with the memory resolver takes updates only "
                 "for the accounts it preloaded; regenerate its configuration ('natsauth config "
                 "--resolver memory') and reload it",
                 sum.skipped, sum.skipped == 1 ? " was" : "s were");
    rc = CLI_OK;
    if (st != NA_OK) {
        cli_err("%s", err.msg);
        rc = CLI_FAIL;
    }
    st_abort(&ss);
    na_push_shutdown(2000);
    return rc;
}

static int run_push(const cli_cmd *cmd, const cli_args *a)
{
    return run_push_args(cmd, a, NULL, 0);
}

static const cli_cmd push_cmd = {
    "push",
    "push",
    "[--server URL] [--json] [ACCOUNT...]",
    "send account JWTs to NATS servers through the system account",
    "Sends the JWT of each named account (all accounts of the store when none is\n"
    "named) to $SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE, all at once, and reports each\n"
    "server's answer. Accounts removed from the store ('account rm') are pushed\n"
    "with all their users revoked, then deleted with $SYS.REQ.CLAIMS.DELETE (needs\n"
    "the full resolver with allow_delete: true) and, once a server confirmed it,\n"
    "deleted from the store. A server with the memory resolver answers \"jwt update\n"
    "skipped\" for accounts it did not preload. Connects as the system account's\n"
    "'sys' user. Exit status 1 when any account was not updated or deleted.\n",
    push_opts,
    0,
    0,
    run_push,
};

int cmd_push(int argc, char **argv)
{
    char **opts = calloc((size_t)argc + 1, sizeof *opts);
    const char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int nopts = 0, npos = 0, rc;
    cli_args a;
    if (!opts || !pos) {
        free(opts);
        free(pos);
        cli_err("out of memory");
        return CLI_FAIL;
    }
    split_args(&push_cmd, argc, argv, opts, &nopts, pos, &npos);
    rc = cli_parse(&push_cmd, nopts, opts, &a);
    if (rc < 0)
        rc = CLI_OK;
    else if (rc == CLI_OK)
        rc = run_push_args(&push_cmd, &a, pos, (size_t)npos);
    free(opts);
    free(pos);
    return rc;
}

/* ---- pull ------------------------------------------------------------------------------ */

enum { L_SERVER, L_TIMEOUT, L_DRY };
static const cli_opt pull_opts[] = {
    {"server", 's', "URL", "server URL (default $NATS_URL, else " NA_PUSH_URL_DEFAULT ")"},
    {"timeout", 0, "DURATION", "give up after this long without a JWT (default 10s)"},
    {"dry-run", 'n', NULL, "only report: do not take newer JWTs into the store"},
    ST_OPT_JSON,
    ST_OPT_STORE,
    ST_OPT_END,
};

typedef struct pull_out {
    bool json;
    size_t n;
} pull_out;

static void pull_result(void *closure, const na_pull_result *r)
{
    pull_out *o = closure;
    if (o->json) {
        printf("%s\n  {\"account\": ", o->n ? "," : "[");
        cli_json_str(stdout, r->account);
        printf(", \"pub\": \"%s\", \"state\": \"%s\", \"store_iat\": %lld, \"server_iat\": %lld, "
               "\"message\": ",
               r->pub, na_pull_state_name(r->state), (long long)r->store_iat,
               (long long)r->server_iat);
        cli_json_str(stdout, r->message);
        printf("}");
    } else if (r->state != NA_PULL_SAME) {
        printf("%-8s ", na_pull_state_name(r->state));
        cli_out_clean(r->account[0] ? r->account : "-");
        printf(" (%s)", r->pub);
        if (r->store_iat || r->server_iat)
            printf(": store iat %lld, server iat %lld", (long long)r->store_iat,
                   (long long)r->server_iat);
        if (r->message[0]) {
            printf(": ");
            cli_out_clean(r->message);
        }
        printf("\n");
    }
    o->n++;
}

static int run_pull(const cli_cmd *cmd, const cli_args *a)
{
    pull_out out = {0};
    na_pull_opts po = {0};
    na_pull_summary sum = {0};
    st_session ss;
    na_err err = {0};
    const char *url = server_url(a->val[L_SERVER]);
    int rc;

    if (!parse_timeout(a->val[L_TIMEOUT], &po.timeout_ms))
        return cli_usage(cmd, "--timeout '%.40s' is not a duration of 1s to 1h (e.g. 30s, 2m)",
                         a->val[L_TIMEOUT]);
    /* no transaction: pull opens its own for the JWTs it takes */
    if ((rc = st_open(&ss, cmd, a, ST_READ | ST_SEEDS)) != CLI_OK)
        return rc;
    out.json = ss.json;
    po.dry_run = a->set[L_DRY];
    po.result = pull_result;
    po.closure = &out;
    rc = CLI_FAIL;
    if (na_pull(&ss.x, url, &po, &sum, &err) != NA_OK) {
        cli_err("%s", err.msg);
        goto out;
    }
    if (out.json) {
        printf("%s]\n", out.n ? "\n" : "[");
    } else {
        printf("pulled %zu account JWT%s from %s: %zu same, %zu taken, %zu newer, %zu stale, "
               "%zu conflict, %zu missing, %zu removed, %zu unknown, %zu invalid\n",
               sum.server_total, sum.server_total == 1 ? "" : "s", url, sum.counts[NA_PULL_SAME],
               sum.counts[NA_PULL_TAKEN], sum.counts[NA_PULL_NEWER], sum.counts[NA_PULL_STALE],
               sum.counts[NA_PULL_CONFLICT], sum.counts[NA_PULL_MISSING],
               sum.counts[NA_PULL_REMOVED], sum.counts[NA_PULL_UNKNOWN],
               sum.counts[NA_PULL_INVALID]);
    }
    rc = CLI_OK;
out:
    st_abort(&ss);
    na_push_shutdown(2000);
    return rc;
}

static const cli_cmd pull_cmd = {
    "pull",
    "pull",
    "[--server URL] [--dry-run] [--json]",
    "fetch the server's account JWTs and compare them with the store",
    "Fetches every account JWT the server holds ($SYS.REQ.CLAIMS.PACK; needs the\n"
    "full resolver) and prints the accounts that differ: taken (the server's JWT\n"
    "was newer by iat, signed by the store's operator and valid: the store took\n"
    "it, keeping its name for the account), newer (same, with --dry-run), stale\n"
    "(the store's is newer: push it), conflict (same iat, different JWT), missing\n"
    "(not on the server), removed (removed in the store, still on the server),\n"
    "unknown (not in the store; left alone), invalid.\n",
    pull_opts,
    0,
    0,
    run_pull,
};

int cmd_pull(int argc, char **argv)
{
    return cli_run(&pull_cmd, argc, argv);
}
