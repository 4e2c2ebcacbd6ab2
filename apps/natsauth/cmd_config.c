/*
 * cmd_config.c - `natsauth config`: the nats-server configuration fragment
 * for the store's operator (na_config): the operator JWT, the system
 * account and a resolver. memory preloads every account JWT; full points
 * the server at a JWT directory and preloads the system account only (the
 * other accounts arrive with `natsauth push`).
 */
#include <string.h>

#include "cmd_store.h"
#include "cmds.h"

enum { C_RESOLVER, C_DIR, C_OUT };
static const cli_opt config_opts[] = {
    {"resolver", 0, "TYPE", "memory (every account JWT in the file) or full (a JWT directory "
                            "the server keeps; push updates it)"},
    {"dir", 0, "DIR", "full: the server's JWT directory (default ./jwt)"},
    {"output", 'o', "FILE", "write to FILE (atomically) instead of stdout"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static int run_config(const cli_cmd *cmd, const cli_args *a)
{
    na_config_opts o = {NA_RESOLVER_MEMORY, NULL, true, NULL};
    const char *r = a->val[C_RESOLVER], *out = a->val[C_OUT];
    st_session s;
    char *text = NULL;
    na_err err = {0};
    na_status st;
    int rc;
    if (!r)
        return cli_usage(cmd, "--resolver is required (memory or full)");
    if (strcmp(r, "full") == 0)
        o.resolver = NA_RESOLVER_FULL;
    else if (strcmp(r, "memory") != 0)
        return cli_usage(cmd, "--resolver '%.40s' is not memory or full", r);
    if (a->set[C_DIR] && o.resolver != NA_RESOLVER_FULL)
        return cli_usage(cmd, "--dir applies to --resolver full only");
    o.dir = a->val[C_DIR];
    if ((rc = st_open(&s, cmd, a, ST_READ)) != CLI_OK)
        return rc;
    st = na_config(&s.x, &o, &text, &err);
    if (st == NA_OK && out)
        st = cli_write_file_atomic(out, text, strlen(text), 0644, true, &err);
    if (st == NA_OK && s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "resolver", r);
        if (out)
            jw_str(&w, "file", out);
        else
            jw_str(&w, "config", text);
        jw_end(&w, '}');
    } else if (st == NA_OK && !out) {
        fputs(text, s.out);
    }
    na_free(text);
    return st_finish(&s, st, &err);
}

static const cli_cmd config_cmd = {
    "config", "config", "--resolver memory|full [--dir DIR] [-o FILE]",
    "print the nats-server configuration for the store's operator",
    "A fragment to include in nats-server.conf: the operator JWT, the system\n"
    "account and the resolver. memory: every account JWT is in the file (re-run\n"
    "after changes). full: the server keeps account JWTs in DIR and accepts\n"
    "updates and deletions from 'natsauth push'; only the system account is\n"
    "preloaded. --json prints {\"resolver\",\"config\"} (\"file\" with -o).\n",
    config_opts, 0, 0, run_config,
};

int cmd_config(int argc, char **argv) { return cli_run(&config_cmd, argc, argv); }
