/*
 * cmd_export.c - `natsauth export add|rm` and `natsauth import add|rm`.
 *
 * The options become the Export / Import JSON objects of the account
 * claims (jwt.Export, jwt.Import) given to na_export_add / na_import_add.
 * An account has one export per subject (adding replaces) and one import
 * per exporter and subject; an import of a private export gets an
 * activation token signed by the exporter. Whether anything changed is
 * read from the account's JWT before and after.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd_store.h"
#include "cmds.h"

/* JSON text built with jw into a new string. */
typedef struct jbuf {
    char *p;
    size_t len;
    FILE *f;
    jw w;
} jbuf;

static bool jbuf_open(jbuf *b)
{
    memset(b, 0, sizeof *b);
    if (!(b->f = open_memstream(&b->p, &b->len)))
        return false;
    jw_init(&b->w, b->f);
    b->w.depth = 1; /* no newline at the end */
    jw_obj(&b->w, NULL);
    return true;
}

static char *jbuf_close(jbuf *b)
{
    jw_end(&b->w, '}');
    if (fclose(b->f) != 0) {
        free(b->p);
        return NULL;
    }
    return b->p;
}

/* Run one export/import change and report it from the account JWTs. */
typedef na_status (*change_fn)(na_ctx *x, const char *account, const char *arg, na_err *err);

static int run_change(const cli_cmd *cmd, const cli_args *a, change_fn fn, const char *arg,
                      const char *what, const char *subject, const char *done, const char *prep)
{
    st_session s;
    na_entity before = {0}, after = {0};
    na_err err = {0};
    na_status st = NA_OK;
    int rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS);
    if (rc != CLI_OK)
        return rc;
    if (!arg)
        st = na_fail(&err, NA_ENOMEM, "out of memory");
    if (st == NA_OK)
        st = na_store_account_get(s.store, a->pos[0], &before, &err);
    if (st == NA_OK)
        st = fn(&s.x, before.name, arg, &err);
    if (st == NA_OK)
        st = na_store_account_get(s.store, before.name, &after, &err);
    if (st == NA_OK) {
        bool changed = strcmp(before.jwt ? before.jwt : "", after.jwt ? after.jwt : "") != 0;
        if (s.json) {
            jw w;
            jw_init(&w, s.out);
            jw_obj(&w, NULL);
            jw_str(&w, "account", after.name);
            jw_str(&w, what, subject);
            jw_bool(&w, "changed", changed);
            jw_end(&w, '}');
        } else {
            if (changed)
                fprintf(s.out, "%s %s '%s' %s account '%s'\n", done, what, subject, prep,
                        after.name);
            else
                fprintf(s.out, "unchanged: account '%s' already has this %s of '%s'\n",
                        after.name, what, subject);
        }
    }
    na_entity_release(&before);
    na_entity_release(&after);
    return st_finish(&s, st, &err);
}

/* ---- export ---- */

enum { X_SERVICE, X_STREAM, X_PRIVATE, X_NAME, X_RESP, X_DESC };
static const cli_opt export_add_opts[] = {
    {"service", 0, NULL, "a service export (requests and replies)"},
    {"stream", 0, NULL, "a stream export (the default)"},
    {"private", 0, NULL, "importers need an activation token (token_req)"},
    {"name", 0, "NAME", "the export's name (default: the subject)"},
    {"response-type", 0, "TYPE", "service responses: Singleton (default), Stream or Chunked"},
    {"description", 0, "TEXT", "a description of the export"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static na_status export_add(na_ctx *x, const char *account, const char *json, na_err *err)
{
    return na_export_add(x, account, json, err);
}

static int run_export_add(const cli_cmd *cmd, const cli_args *a)
{
    static const char *const resp[] = {"Singleton", "Stream", "Chunked", NULL};
    const char *rt = NULL, *subject = a->pos[1];
    bool service = a->set[X_SERVICE];
    char *json;
    jbuf b;
    int rc;
    if (a->set[X_SERVICE] && a->set[X_STREAM])
        return cli_usage(cmd, "--service and --stream cannot be used together");
    if (!*subject)
        return cli_usage(cmd, "the subject is empty");
    if (a->set[X_RESP]) {
        if (!service)
            return cli_usage(cmd, "--response-type applies to --service exports only");
        for (int i = 0; resp[i]; i++)
            if (strcasecmp(a->val[X_RESP], resp[i]) == 0)
                rt = resp[i];
        if (!rt)
            return cli_usage(cmd, "--response-type '%.40s' is not Singleton, Stream or Chunked",
                             a->val[X_RESP]);
    }
    if (!jbuf_open(&b)) {
        cli_err("out of memory");
        return CLI_FAIL;
    }
    jw_str(&b.w, "name", a->set[X_NAME] ? a->val[X_NAME] : subject);
    jw_str(&b.w, "subject", subject);
    jw_str(&b.w, "type", service ? "service" : "stream");
    if (a->set[X_PRIVATE])
        jw_bool(&b.w, "token_req", true);
    if (rt)
        jw_str(&b.w, "response_type", rt);
    if (a->set[X_DESC] && *a->val[X_DESC])
        jw_str(&b.w, "description", a->val[X_DESC]);
    json = jbuf_close(&b);
    rc = run_change(cmd, a, export_add, json, "export", subject,
                    service ? "added service" : "added stream", "to");
    free(json);
    return rc;
}

static const cli_opt rm_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_export_rm(const cli_cmd *cmd, const cli_args *a)
{
    return run_change(cmd, a, na_export_rm, a->pos[1], "export", a->pos[1], "removed", "from");
}

static const cli_cmd export_verbs[] = {
    {"add", "export add",
     "ACCOUNT SUBJECT [--service|--stream] [--private] [--name NAME] [--response-type TYPE]",
     "export a stream or service from an account",
     "Adds the export to the account (replacing one with the same subject) and\n"
     "re-signs it. --private exports need an activation token: 'import add' makes\n"
     "one for accounts of the store. Subjects may hold wildcards unless the account\n"
     "has --no-wildcards.\n",
     export_add_opts, 2, 2, run_export_add},
    {"rm", "export rm", "ACCOUNT SUBJECT", "remove an export",
     "Removes the account's export of SUBJECT and re-signs the account.\n", rm_opts, 2, 2,
     run_export_rm},
};

int cmd_export(int argc, char **argv)
{
    return cli_dispatch("export", "Add or remove an account's exports.", export_verbs,
                        sizeof export_verbs / sizeof export_verbs[0], argc, argv);
}

/* ---- import ---- */

enum { M_FROM, M_LOCAL, M_SERVICE, M_STREAM, M_NAME };
static const cli_opt import_add_opts[] = {
    {"from", 0, "ACCOUNT", "the exporting account (name or public key; required)"},
    {"local-subject", 0, "SUBJECT", "the subject in the importing account (default: the same)"},
    {"service", 0, NULL, "import a service export"},
    {"stream", 0, NULL, "import a stream export"},
    {"name", 0, "NAME", "the import's name (default: the subject)"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

static na_status import_add(na_ctx *x, const char *account, const char *json, na_err *err)
{
    return na_import_add(x, account, json, err);
}

static int run_import_add(const cli_cmd *cmd, const cli_args *a)
{
    const char *subject = a->pos[1];
    char *json;
    jbuf b;
    int rc;
    if (!a->set[M_FROM] || !*a->val[M_FROM])
        return cli_usage(cmd, "--from is required (the exporting account)");
    if (a->set[M_SERVICE] && a->set[M_STREAM])
        return cli_usage(cmd, "--service and --stream cannot be used together");
    if (!*subject)
        return cli_usage(cmd, "the subject is empty");
    if (!jbuf_open(&b)) {
        cli_err("out of memory");
        return CLI_FAIL;
    }
    jw_str(&b.w, "name", a->set[M_NAME] ? a->val[M_NAME] : subject);
    jw_str(&b.w, "subject", subject);
    jw_str(&b.w, "account", a->val[M_FROM]);
    if (a->set[M_LOCAL] && *a->val[M_LOCAL])
        jw_str(&b.w, "local_subject", a->val[M_LOCAL]);
    if (a->set[M_SERVICE] || a->set[M_STREAM])
        jw_str(&b.w, "type", a->set[M_SERVICE] ? "service" : "stream");
    json = jbuf_close(&b);
    rc = run_change(cmd, a, import_add, json, "import", subject, "added", "to");
    free(json);
    return rc;
}

static int run_import_rm(const cli_cmd *cmd, const cli_args *a)
{
    return run_change(cmd, a, na_import_rm, a->pos[1], "import", a->pos[1], "removed", "from");
}

static const cli_cmd import_verbs[] = {
    {"add", "import add",
     "ACCOUNT --from EXPORTER SUBJECT [--local-subject SUBJECT] [--service|--stream] "
     "[--name NAME]",
     "import another account's export",
     "EXPORTER (an account of the store) must export SUBJECT (or a subject that\n"
     "contains it); the type is the export's unless given. A private export gets an\n"
     "activation token signed by the exporter. The account is re-signed.\n",
     import_add_opts, 2, 2, run_import_add},
    {"rm", "import rm", "ACCOUNT SUBJECT", "remove an import",
     "Removes the account's imports of SUBJECT and re-signs the account.\n", rm_opts, 2, 2,
     run_import_rm},
};

int cmd_import(int argc, char **argv)
{
    return cli_dispatch("import", "Add or remove an account's imports.", import_verbs,
                        sizeof import_verbs / sizeof import_verbs[0], argc, argv);
}
