/*
 * cmd_nsc.c - nsc interop and key export: `natsauth export-nsc DIR`,
 * `natsauth import-nsc --store DIR --keys DIR` (natsauth/nsc.h) and
 * `natsauth export-keys ACCOUNT --env FILE`.
 *
 * export-nsc writes DIR/stores/<operator>/... and DIR/keys/... (--keys puts
 * the keys elsewhere, --no-keys leaves them out), the layout of nsc's data
 * directory, so `nsc --data-dir DIR/stores --keystore-dir DIR/keys` (or
 * NKEYS_PATH=DIR/keys) reads it. It never overwrites: the operator directory
 * must not exist, and it appears in one rename once everything is written.
 * It runs inside a store transaction (a consistent snapshot, and the audit
 * line); should that final commit fail, the files stay written and the
 * command still reports the failure.
 *
 * import-nsc's --store is the nsc directory (as nsc calls it), so the
 * natsauth store comes from --into PATH, the global --store before the
 * command word, $NATSAUTH_STORE or the default path; a missing store file
 * is created (and removed again if the import fails). The import is one
 * transaction: all or nothing.
 *
 * export-keys writes an account signing key seed to a .env file (0600,
 * atomically; an existing file only with --force) for minting user JWTs
 * outside natsauth. Seeds go only where the user points: a file, or stdout
 * when FILE is "-" explicitly. Every export of seeds is in the audit log.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natsauth/nsc.h"

#include "cmd_store.h"
#include "cmds.h"

static const char *s_(size_t n) { return n == 1 ? "" : "s"; }

static void warn_cb(void *arg, const char *msg)
{
    (void)arg;
    cli_warn("%s", msg);
}

/* ---- export-nsc ---------------------------------------------------------- */

enum { X_KEYS, X_NO_KEYS, X_NO_CREDS };
static const cli_opt export_nsc_opts[] = {
    {"keys", 0, "KEYSDIR", "write seeds and creds to KEYSDIR (default: DIR/keys)"},
    {"no-keys", 0, NULL, "write only the JWTs (nothing secret)"},
    {"no-creds", 0, NULL, "write seeds (.nk files) but no .creds files"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

struct export_nsc_cfg {
    const char *dir;
    char stores[PATH_MAX];
    char keys[PATH_MAX];
    bool with_keys, creds;
};

static int run_export_nsc(const cli_cmd *cmd, const cli_args *a)
{
    struct export_nsc_cfg cfg;
    na_nsc_export_opts o;
    na_nsc_stats stats;
    st_session s;
    na_err err = {0};
    na_status st;
    int rc;

    memset(&cfg, 0, sizeof cfg);
    cfg.dir = a->pos[0];
    cfg.with_keys = !a->set[X_NO_KEYS];
    cfg.creds = !a->set[X_NO_CREDS];
    if (!*cfg.dir)
        return cli_usage(cmd, "DIR is empty");
    if (a->set[X_NO_KEYS] && (a->set[X_KEYS] || a->set[X_NO_CREDS]))
        return cli_usage(cmd, "--no-keys cannot be combined with --keys or --no-creds");
    if (a->set[X_KEYS] && !*a->val[X_KEYS])
        return cli_usage(cmd, "--keys needs a directory");
    if (snprintf(cfg.stores, sizeof cfg.stores, "%s/stores", cfg.dir) >= (int)sizeof cfg.stores ||
        snprintf(cfg.keys, sizeof cfg.keys, "%s", a->set[X_KEYS] ? a->val[X_KEYS] : "") >=
            (int)sizeof cfg.keys)
        return cli_usage(cmd, "DIR is too long");
    if (!a->set[X_KEYS])
        snprintf(cfg.keys, sizeof cfg.keys, "%s/keys", cfg.dir);

    /* a transaction: one consistent snapshot, and the export is audited */
    if ((rc = st_open(&s, cmd, a, ST_WRITE | (cfg.with_keys ? ST_SEEDS : 0))) != CLI_OK)
        return rc;
    memset(&o, 0, sizeof o);
    o.stores_dir = cfg.stores;
    o.keys_dir = cfg.with_keys ? cfg.keys : NULL;
    o.no_creds = !cfg.creds;
    o.warn = warn_cb;
    st = na_nsc_export(&s.x, &o, &stats, &err);
    if (st == NA_OK && s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "operator", stats.operator_name);
        jw_str(&w, "dir", stats.operator_dir);
        jw_str(&w, "stores", cfg.stores);
        jw_str(&w, "keys", cfg.with_keys ? cfg.keys : NULL);
        jw_int(&w, "accounts", (int64_t)stats.accounts);
        jw_int(&w, "users", (int64_t)stats.users);
        jw_int(&w, "signing_keys", (int64_t)stats.signing_keys);
        jw_int(&w, "seeds", (int64_t)stats.seeds);
        jw_int(&w, "creds", (int64_t)stats.creds);
        jw_end(&w, '}');
    } else if (st == NA_OK) {
        fprintf(s.out,
                "exported operator '%s' to '%s': %zu account%s, %zu user%s, %zu signing key%s\n",
                stats.operator_name, stats.operator_dir, stats.accounts, s_(stats.accounts),
                stats.users, s_(stats.users), stats.signing_keys, s_(stats.signing_keys));
        if (cfg.with_keys)
            fprintf(s.out, "wrote %zu seed%s and %zu creds file%s to '%s'\n", stats.seeds,
                    s_(stats.seeds), stats.creds, s_(stats.creds), cfg.keys);
        fprintf(s.out, "nsc reads it with: nsc --data-dir '%s'%s%s%s env -o '%s'\n", cfg.stores,
                cfg.with_keys ? " --keystore-dir '" : "", cfg.with_keys ? cfg.keys : "",
                cfg.with_keys ? "'" : "", stats.operator_name);
    }
    return st_finish(&s, st, &err);
}

static const cli_cmd export_nsc_cmd = {
    "export-nsc", "export-nsc", "DIR [--keys KEYSDIR | --no-keys] [--no-creds]",
    "write the store in nsc's layout: DIR/stores/<operator> and DIR/keys",
    "Writes the operator, its accounts (removed ones are left out) and their users\n"
    "as nsc keeps them:\n"
    "  DIR/stores/<operator>/.nsc, <operator>.jwt, accounts/<a>/<a>.jwt,\n"
    "    accounts/<a>/users/<u>.jwt\n"
    "  DIR/keys/keys/<K>/<pk[1:3]>/<pk>.nk   every seed the store holds for them\n"
    "  DIR/keys/creds/<operator>/<a>/<u>.creds\n"
    "JWTs are written exactly as stored. Files are 0600, directories 0700. DIR may\n"
    "be nsc's own data directory (~/.local/share/nats/nsc): the operator directory\n"
    "must not exist there yet; key and creds files are only added (an identical\n"
    "file is left alone, a different one is an error). The operator appears in\n"
    "one rename after everything else is written; a failure removes what the\n"
    "export wrote. Names that cannot be nsc file names (with '/', or starting or\n"
    "ending with a space) are refused.\n",
    export_nsc_opts, 1, 1, run_export_nsc,
};

int cmd_export_nsc(int argc, char **argv) { return cli_run(&export_nsc_cmd, argc, argv); }

/* ---- import-nsc ---------------------------------------------------------- */

enum { M_STORE, M_KEYS, M_OPERATOR, M_INTO, M_CONFLICT, M_JSON };
static const cli_opt import_nsc_opts[] = {
    {"store", 0, "DIR", "the nsc store: an operator directory (holding .nsc), a stores "
                        "directory, or nsc's data directory (holding stores/)"},
    {"keys", 0, "DIR", "nsc's keys directory (holding keys/ and creds/); without it no seeds "
                       "are imported"},
    {"operator", 0, "NAME", "the operator to import when DIR holds several"},
    {"into", 0, "PATH", "the natsauth store (default: the global --store, $NATSAUTH_STORE, "
                        "else ~/.local/share/natsauth/store.db)"},
    ST_OPT_CONFLICT,
    ST_OPT_JSON,
    ST_OPT_END,
};

/* st_open reads the natsauth store path from an option named "store":
 * import-nsc's --store is nsc's, so st_open sees this table instead. */
static const cli_opt import_session_opts[] = {ST_OPT_STORE, ST_OPT_CONFLICT, ST_OPT_JSON,
                                              ST_OPT_END};

static int run_import_nsc(const cli_cmd *cmd, const cli_args *a)
{
    cli_cmd scmd = *cmd;
    cli_args sa;
    na_nsc_import_opts o;
    na_nsc_stats stats;
    st_session s;
    na_err err = {0};
    na_status st;
    int rc;

    if (!a->set[M_STORE] || !*a->val[M_STORE])
        return cli_usage(cmd, "--store DIR (the nsc store) is required");
    if (a->set[M_KEYS] && !*a->val[M_KEYS])
        return cli_usage(cmd, "--keys needs a directory");
    if (a->set[M_INTO] && !*a->val[M_INTO])
        return cli_usage(cmd, "--into needs a path");
    if (a->set[M_OPERATOR] && !*a->val[M_OPERATOR])
        return cli_usage(cmd, "--operator needs a name");
    memset(&sa, 0, sizeof sa);
    scmd.opts = import_session_opts;
    sa.val[0] = a->val[M_INTO];
    sa.set[0] = a->set[M_INTO];
    sa.val[1] = a->val[M_CONFLICT];
    sa.set[1] = a->set[M_CONFLICT];
    sa.set[2] = a->set[M_JSON];
    if ((rc = st_open(&s, &scmd, &sa, ST_WRITE | ST_SEEDS | ST_CREATE)) != CLI_OK)
        return rc;
    memset(&o, 0, sizeof o);
    o.store_dir = a->val[M_STORE];
    o.keys_dir = a->val[M_KEYS];
    o.operator_name = a->val[M_OPERATOR];
    o.warn = warn_cb;
    st = na_nsc_import(&s.x, &o, &stats, &err);
    if (st == NA_OK && s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "store", s.path);
        jw_str(&w, "operator", stats.operator_name);
        jw_str(&w, "from", stats.operator_dir);
        jw_int(&w, "accounts", (int64_t)stats.accounts);
        jw_int(&w, "users", (int64_t)stats.users);
        jw_int(&w, "signing_keys", (int64_t)stats.signing_keys);
        jw_int(&w, "seeds", (int64_t)stats.seeds);
        jw_int(&w, "unchanged", (int64_t)stats.unchanged);
        jw_end(&w, '}');
    } else if (st == NA_OK) {
        fprintf(s.out,
                "imported operator '%s' from '%s' into store '%s': %zu account%s, %zu user%s, "
                "%zu signing key%s, %zu seed%s\n",
                stats.operator_name, stats.operator_dir, s.path, stats.accounts,
                s_(stats.accounts), stats.users, s_(stats.users), stats.signing_keys,
                s_(stats.signing_keys), stats.seeds, s_(stats.seeds));
        if (stats.unchanged)
            fprintf(s.out, "%zu already in the store unchanged\n", stats.unchanged);
    }
    return st_finish(&s, st, &err);
}

static const cli_cmd import_nsc_cmd = {
    "import-nsc", "import-nsc", "--store DIR [--keys DIR] [--operator NAME] [--into PATH]",
    "import an nsc operator, its accounts, users and keys into the store",
    "Reads an nsc store (by default nsc keeps it in ~/.local/share/nats/nsc/stores\n"
    "and its keys in ~/.local/share/nats/nsc/keys) and writes the operator,\n"
    "accounts, users and signing keys into the natsauth store in one transaction:\n"
    "all or nothing. JWTs are kept byte for byte (every signature is checked);\n"
    "seeds come from the keys directory's .nk files (a user's also from its .creds\n"
    "file). Missing seeds and trust-chain oddities nsc allows are warnings.\n"
    "\n"
    "The natsauth store must be empty (a missing store file is created). With\n"
    "--conflict idempotent it may already hold the same operator: identical\n"
    "entities are left alone, new ones added, and any that differ are an error.\n",
    import_nsc_opts, 0, 0, run_import_nsc,
};

int cmd_import_nsc(int argc, char **argv) { return cli_run(&import_nsc_cmd, argc, argv); }

/* ---- export-keys --------------------------------------------------------- */

enum { K_ENV, K_SK, K_FORCE };
static const cli_opt export_keys_opts[] = {
    {"env", 0, "FILE", "write the .env file FILE (mode 0600); - for stdout"},
    {"signing-key", 0, "PUB|ROLE", "which signing key (default: the first plain one with a "
                                   "seed)"},
    {"force", 0, NULL, "replace FILE if it exists"},
    ST_OPT_STORE,
    ST_OPT_JSON,
    ST_OPT_END,
};

/* A .env value: bare when plain, else single-quoted (literal in docker
 * compose, systemd and POSIX shells). Returns false if it cannot be quoted. */
static bool env_value(FILE *f, const char *v)
{
    bool plain = *v != '\0';
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_.-@+:/", *p)))
            plain = false;
    if (plain) {
        fputs(v, f);
        return true;
    }
    if (strchr(v, '\'') || strchr(v, '\n'))
        return false;
    fprintf(f, "'%s'", v);
    return true;
}

/* The signing key to export: by public key or role, else the first plain
 * key the store holds a seed for. */
static na_status pick_key(na_store *store, const char *account, const char *want,
                          na_signing_key *out, na_nkey **key, na_err *err)
{
    na_signing_key *l = NULL;
    size_t n = 0;
    bool any_scoped = false;
    na_status st = na_store_sk_list(store, account, &l, &n, err);
    memset(out, 0, sizeof *out);
    *key = NULL;
    if (st != NA_OK)
        return st;
    st = NA_ENOTFOUND;
    for (size_t i = 0; i < n && st == NA_ENOTFOUND; i++) {
        na_err e = {0};
        if (want ? strcmp(l[i].pub, want) != 0 && !(l[i].role && strcmp(l[i].role, want) == 0)
                 : l[i].scoped) {
            any_scoped = any_scoped || l[i].scoped;
            continue;
        }
        st = na_store_key_get(store, l[i].pub, key, &e);
        if (st == NA_OK) {
            *out = l[i];
            memset(&l[i], 0, sizeof l[i]);
        } else if (want || st != NA_ENOTFOUND) {
            if (err)
                *err = e;
            if (st == NA_ENOTFOUND)
                st = na_fail(err, NA_ENOTFOUND,
                             "store '%s' holds no seed for signing key '%s' of account '%s'",
                             na_store_path(store), l[i].pub, account);
            na_signing_keys_free(l, n);
            return st;
        }
    }
    na_signing_keys_free(l, n);
    if (st == NA_OK)
        return NA_OK;
    if (want)
        return na_fail(err, NA_ENOTFOUND, "account '%s' has no signing key '%s' in store '%s'",
                       account, want, na_store_path(store));
    if (n == 0)
        return na_fail(err, NA_ENOTFOUND,
                       "account '%s' has no signing key: add one with 'natsauth sk add %s'",
                       account, account);
    return na_fail(err, NA_ENOTFOUND,
                   "account '%s' has no plain signing key with a seed in store '%s'%s", account,
                   na_store_path(store),
                   any_scoped ? " (choose a scoped one with --signing-key ROLE, or add one with "
                                "'natsauth sk add')"
                              : " (add one with 'natsauth sk add')");
}

static int run_export_keys(const cli_cmd *cmd, const cli_args *a)
{
    const char *account = a->pos[0], *file = a->val[K_ENV];
    bool to_stdout;
    st_session s;
    na_entity acct = {0};
    na_signing_key sk = {0};
    na_nkey *key = NULL;
    char seed[NA_NKEY_SEED_LEN + 1] = {0}, line[768];
    char *text = NULL;
    size_t len = 0;
    FILE *f = NULL;
    bool wrote = false;
    na_err err = {0};
    na_status st;
    int rc;

    if (!file)
        return cli_usage(cmd, "--env FILE is required (- for stdout)");
    if (!*file)
        return cli_usage(cmd, "--env needs a file name");
    to_stdout = strcmp(file, "-") == 0;
    if (to_stdout && st_has(cmd, a, "json"))
        return cli_usage(cmd, "--json cannot be combined with --env - (both use stdout)");
    if ((rc = st_open(&s, cmd, a, ST_WRITE | ST_SEEDS)) != CLI_OK)
        return rc;
    st = na_store_account_get(s.store, account, &acct, &err);
    if (st == NA_OK && acct.deleted)
        st = na_fail(&err, NA_ENOTFOUND, "account '%s' was removed from store '%s'", account,
                     s.path);
    if (st == NA_OK)
        st = pick_key(s.store, acct.name, a->val[K_SK], &sk, &key, &err);
    if (st == NA_OK)
        st = na_nkey_seed(key, seed, &err);
    if (st == NA_OK && !(f = open_memstream(&text, &len)))
        st = na_fail(&err, NA_ENOMEM, "out of memory");
    if (st == NA_OK) {
        fprintf(f,
                "# natsauth export-keys: a signing key of account '%s', for minting user JWTs\n"
                "# outside natsauth (issuer = the key, issuer_account = NATS_ACCOUNT).\n"
                "# This file holds a secret seed: keep it private.\n",
                acct.name);
        fputs("NATS_ACCOUNT_NAME=", f);
        if (!env_value(f, acct.name))
            fputs("\n# (the account name cannot be quoted for a .env file)", f);
        fprintf(f, "\nNATS_ACCOUNT=%s\nNATS_ACCOUNT_SIGNING_KEY=%s\n"
                   "NATS_ACCOUNT_SIGNING_KEY_PUBLIC=%s\n",
                acct.pub, seed, sk.pub);
        if (sk.scoped) {
            fputs("NATS_ACCOUNT_SIGNING_KEY_ROLE=", f);
            if (!env_value(f, sk.role ? sk.role : ""))
                fputs("''", f);
            fputc('\n', f);
        }
        if (fclose(f) != 0)
            st = na_fail(&err, NA_ENOMEM, "out of memory");
        f = NULL;
    }
    na_wipe(seed, sizeof seed);
    if (st == NA_OK) {
        snprintf(line, sizeof line, "signing key %s of account %s (%s) exported to %.300s",
                 sk.pub, acct.name, acct.pub, to_stdout ? "stdout" : file);
        st = na_store_audit(s.store, s.x.now, line, &err);
    }
    if (st == NA_OK && !to_stdout) {
        st = cli_write_file_atomic(file, text, len, 0600, a->set[K_FORCE], &err);
        if (st == NA_EEXIST)
            na_fail(&err, NA_EEXIST, "'%s' already exists (--force replaces it)", file);
        wrote = st == NA_OK;
    }
    if (st == NA_OK && s.json) {
        jw w;
        jw_init(&w, s.out);
        jw_obj(&w, NULL);
        jw_str(&w, "account", acct.name);
        jw_str(&w, "account_pub", acct.pub);
        jw_str(&w, "signing_key", sk.pub);
        jw_str(&w, "role", sk.scoped ? sk.role : NULL);
        jw_str(&w, "file", file);
        jw_end(&w, '}');
    } else if (st == NA_OK && !to_stdout) {
        fprintf(s.out, "wrote signing key %s of account '%s' to '%s'\n", sk.pub, acct.name,
                file);
    }
    rc = st_finish(&s, st, &err);
    if (rc == CLI_OK && to_stdout)
        cli_out(text, len); /* explicitly asked for; main wipes the stdout buffer */
    else if (rc != CLI_OK && wrote && !a->set[K_FORCE])
        unlink(file); /* not recorded as exported: do not leave it behind */
    if (text) {
        na_wipe(text, len);
        free(text);
    }
    na_nkey_destroy(key);
    free(sk.pub);
    free(sk.owner);
    free(sk.role);
    na_entity_release(&acct);
    return rc;
}

static const cli_cmd export_keys_cmd = {
    "export-keys", "export-keys", "ACCOUNT --env FILE [--signing-key PUB|ROLE] [--force]",
    "write an account signing key to a .env file, for minting users elsewhere",
    "Writes, to FILE (mode 0600, atomically):\n"
    "  NATS_ACCOUNT_NAME=<name>\n"
    "  NATS_ACCOUNT=<account public key>           issuer_account of the users\n"
    "  NATS_ACCOUNT_SIGNING_KEY=<seed SA...>        signs the users\n"
    "  NATS_ACCOUNT_SIGNING_KEY_PUBLIC=<its public key>\n"
    "  NATS_ACCOUNT_SIGNING_KEY_ROLE=<role>          (scoped keys only)\n"
    "By default the account's first plain signing key with a seed; an account\n"
    "without one is an error (add one with 'natsauth sk add ACCOUNT'). An existing\n"
    "FILE is replaced only with --force. The seed is printed only when FILE is -\n"
    "(stdout, for piping into a secret store). Each export is in the audit log.\n",
    export_keys_opts, 1, 1, run_export_keys,
};

int cmd_export_keys(int argc, char **argv) { return cli_run(&export_keys_cmd, argc, argv); }
