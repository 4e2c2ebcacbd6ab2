/*
 * cmd_store_admin.c - `natsauth store path|seal|unseal`: the store file.
 *
 * path prints which file the store commands use (without opening it).
 * seal encrypts every stored seed with a key derived from a passphrase
 * (na_store_set_passphrase); unseal decrypts them again (the file mode,
 * 0600, then protects them). Both are one transaction of the library's own.
 */
#include <string.h>
#include <sys/stat.h>

#include "cmd_store.h"
#include "cmds.h"

static const cli_opt path_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};
static const cli_opt seal_opts[] = {ST_OPT_STORE, ST_OPT_JSON, ST_OPT_END};

static int run_path(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    struct stat sb;
    bool exists;
    int rc = st_open(&s, cmd, a, ST_PATH_ONLY);
    if (rc != CLI_OK)
        return rc;
    exists = stat(s.path, &sb) == 0;
    if (s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "path", s.path);
        jw_bool(&w, "exists", exists);
        jw_end(&w, '}');
    } else {
        fprintf(s.out, "%s\n", s.path);
    }
    return st_finish(&s, NA_OK, NULL);
}

static void sealed_result(st_session *s, bool sealed, bool changed)
{
    if (s->json) {
        jw w;
        jw_init(&w, s->out);
        jw_obj(&w, NULL);
        jw_str(&w, "path", s->path);
        jw_bool(&w, "sealed", sealed);
        jw_bool(&w, "changed", changed);
        jw_end(&w, '}');
    } else if (changed) {
        fprintf(s->out, "store '%s' %s\n", s->path,
                sealed ? "sealed: its seeds are encrypted with the passphrase"
                       : "unsealed: its seeds are no longer encrypted");
    } else {
        fprintf(s->out, "unchanged: store '%s' is %s\n", s->path,
                sealed ? "already sealed" : "not sealed");
    }
}

static int run_seal(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    char pass[1024];
    na_err err = {0};
    na_status st = NA_OK;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if (na_store_is_sealed(s.store)) {
        sealed_result(&s, true, false);
        return st_finish(&s, NA_OK, NULL);
    }
    st = st_passphrase(pass, sizeof pass, s.path, true, &err);
    if (st == NA_OK)
        st = na_store_set_passphrase(s.store, pass, &err);
    na_wipe(pass, sizeof pass);
    if (st == NA_OK)
        sealed_result(&s, true, true);
    return st_finish(&s, st, &err);
}

static int run_unseal(const cli_cmd *cmd, const cli_args *a)
{
    st_session s;
    na_err err = {0};
    na_status st = NA_OK;
    int rc = st_open(&s, cmd, a, ST_READ);
    if (rc != CLI_OK)
        return rc;
    if (!na_store_is_sealed(s.store)) {
        sealed_result(&s, false, false);
        return st_finish(&s, NA_OK, NULL);
    }
    st = st_unlock(&s, &err);
    if (st == NA_OK)
        st = na_store_set_passphrase(s.store, NULL, &err);
    if (st == NA_OK)
        sealed_result(&s, false, true);
    return st_finish(&s, st, &err);
}

static const cli_cmd verbs[] = {
    {"path", "store path", "[--json]", "print the store's path",
     "The file store commands use: --store PATH, else $NATSAUTH_STORE, else\n"
     "$XDG_DATA_HOME/natsauth/store.db, else ~/.local/share/natsauth/store.db.\n"
     "--json prints {\"path\",\"exists\"}.\n",
     path_opts, 0, 0, run_path},
    {"seal", "store seal", "", "encrypt the store's seeds with a passphrase",
     "The passphrase comes from $NATSAUTH_PASSPHRASE, or is asked twice on the\n"
     "terminal. Commands that sign then need it the same way. 'init --seal' seals\n"
     "a new store from the start.\n",
     seal_opts, 0, 0, run_seal},
    {"unseal", "store unseal", "", "decrypt the store's seeds",
     "Needs the passphrase ($NATSAUTH_PASSPHRASE or asked). The seeds are then\n"
     "protected by the file's mode (0600) only.\n",
     seal_opts, 0, 0, run_unseal},
};

int cmd_store(int argc, char **argv)
{
    return cli_dispatch("store", "The store file: its path; seal or unseal its seeds.", verbs,
                        sizeof verbs / sizeof verbs[0], argc, argv);
}
