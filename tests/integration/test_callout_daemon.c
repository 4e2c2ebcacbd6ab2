/*
 * test_callout_daemon.c - `natsauth callout serve` end to end against a real
 * nats-server 2.10 (argv[1] = the natsauth binary, NATS_SERVER_BIN = the
 * server):
 *
 *  - config mode, grants file: a bcrypt user gets exactly its permissions
 *    (a publish outside them is refused and not delivered), a token grant
 *    connects, a wrong password or an unknown user is refused
 *    ("Authorization Violation"); a user added to the grants file connects
 *    after SIGHUP; SIGTERM drains and exits 0; the log holds no secret.
 *  - operator mode, store authorizer: `natsauth tenant app token` makes a
 *    token that connects into the organisation's account with the app
 *    user's permissions; after `--revoke` it is refused.
 *
 * Clients are lib/natsclient.h connections (user/password, token, or a
 * sentinel .creds file plus token in operator mode). The only waits are
 * bounded polls for a state (a log line, a message, a process exit); no
 * assertion depends on how long something took.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "natsauth/manage.h"
#include "natsauth/store.h"
#include "natsclient.h"
#include "natsserver.h"
#include "testlib.h"

static const char *g_cli; /* the natsauth binary */

/* bcrypt (cost 4, made with Python's crypt module) of "alice-pw",
 * "carol-pw" and the token "svc.token-secret-1" (a grants file token reads
 * "<id>.<secret>"; the hash covers all of it) */
#define ALICE_HASH "$2b$04$uxiuSzWDqLEzT/gKh85vWuQPvjhMsdtsXsdB5fadrbCiSn9.VllXu"
#define CAROL_HASH "$2b$04$ceRDSONaAHGcR9iAZBaBce1ZphdCfCAzwMVtLPsT5kd90OysKXQ7."
/* dave's grant names the callout account AUTH, which allowed_accounts leaves out */
#define DAVE_HASH "$2b$04$d1.RMCsK7ptPRua6fhsbSugg0awjmeLdraY5AAIk5P/grmqyNjH/e"
#define SVC_TOKEN "svc.token-secret-1"
#define SVC_HASH "$2b$04$RJRPwHTII5dJlKPCwlNer.rMorr59icqZXQwcGb1qIKwcldG5yyZi"

#define PATH_CAP (NS_PATH_MAX + 64)

/* ---- files and processes ----------------------------------------------------- */

static void path_in(char *out, const ns_server *s, const char *name)
{
    snprintf(out, PATH_CAP, "%s/%s", s->dir, name);
}

/* Start natsauth with args in dir; stdout to out_path (or /dev/null),
 * stderr to err_path. Returns the pid (or -1). */
static pid_t spawn(const char *dir, const char *const *args, const char *out_path,
                   const char *err_path)
{
    const char *argv[32];
    int n = 0;
    pid_t pid;
    argv[n++] = g_cli;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int o = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || in < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait at most timeout_ms for pid to exit; its exit code, or -1 (then it
 * is killed). */
static int wait_exit(pid_t pid, int timeout_ms)
{
    int status = 0;
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        usleep(20 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

/* Run natsauth in the server's dir; stdout kept in *out (malloc'd, may be
 * NULL). Returns the exit code. */
static int run_cli(const ns_server *s, const char *const *args, char **out)
{
    char outp[PATH_CAP], errp[PATH_CAP];
    int rc;
    path_in(outp, s, "cli.out");
    path_in(errp, s, "cli.err");
    rc = wait_exit(spawn(s->dir, args, outp, errp), 30000);
    if (out)
        *out = tc_read_file(outp);
    if (rc != 0) {
        char *e = tc_read_file(errp);
        fprintf(stderr, "natsauth %s %s: exit %d: %s\n", args[0], args[1] ? args[1] : "", rc,
                e ? e : "");
        free(e);
    }
    unlink(outp);
    return rc;
}

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Poll (at most timeout_ms) until the file at path contains needle. */
static bool wait_file_contains(const char *path, const char *needle, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        char *t = tc_read_file(path);
        bool found = t && strstr(t, needle);
        free(t);
        if (found)
            return true;
        usleep(20 * 1000);
    }
    return false;
}

static int count_in_file(const char *path, const char *needle)
{
    char *t = tc_read_file(path), *p = t;
    int n = 0;
    while (p && (p = strstr(p, needle))) {
        n++;
        p += strlen(needle);
    }
    free(t);
    return n;
}

/* Poll (at most timeout_ms) until needle appears at least n times: the
 * daemon logs a decision after publishing it, so a client may see the
 * answer a moment before the line is written. */
static bool wait_count(const char *path, const char *needle, int n, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        if (count_in_file(path, needle) >= n)
            return true;
        usleep(20 * 1000);
    }
    return false;
}

/* ---- the daemon ------------------------------------------------------------------ */

typedef struct daemon_proc {
    pid_t pid;
    char log[PATH_CAP];
} daemon_proc;

static bool daemon_start(daemon_proc *d, const ns_server *s, const char *config)
{
    path_in(d->log, s, "daemon.log");
    d->pid = spawn(s->dir, ARGV("callout", "serve", "--config", config), NULL, d->log);
    if (d->pid < 0)
        return false;
    if (!wait_file_contains(d->log, "\"serving\"", 15000)) {
        char *t = tc_read_file(d->log);
        fprintf(stderr, "daemon did not start:\n%s\n", t ? t : "");
        free(t);
        return false;
    }
    return true;
}

/* SIGTERM; the exit code (-1 if it had to be killed). */
static int daemon_stop(daemon_proc *d)
{
    int rc;
    if (d->pid <= 0)
        return -1;
    kill(d->pid, SIGTERM);
    rc = wait_exit(d->pid, 15000);
    d->pid = 0;
    return rc;
}

/* Stop the daemon; after a failed case, print its log and the server's. */
static void daemon_finish(daemon_proc *d, const ns_server *s)
{
    if (tl_case_failed) {
        char *t = d->log[0] ? tc_read_file(d->log) : NULL;
        fprintf(stderr, "---- daemon log ----\n%s\n--------\n", t ? t : "");
        free(t);
        ns_print_log(s);
    }
    daemon_stop(d);
}

/* ---- clients ---------------------------------------------------------------------- */

typedef struct client_auth {
    const char *user, *pass, *token, *creds; /* creds: a .creds file's path */
} client_auth;

/* Connect c (tc_init'ed) as a; c->err says why it failed. */
static natsStatus client_connect(tc_client *c, const client_auth *a, const char *name)
{
    return tc_connect_auth_file(c, a->creds, a->user, a->pass, a->token, name);
}

/* A connect attempt that must be refused by the server's authorization. */
static bool refused(const ns_server *s, const client_auth *a)
{
    tc_client c;
    bool ok;
    tc_init(&c, s);
    ok = client_connect(&c, a, "refused") != NATS_OK &&
         tc_contains_ci(c.err, "Authorization Violation");
    if (c.st != NATS_OK && !ok)
        fprintf(stderr, "refused for another reason: %s\n", c.err);
    tc_close(&c);
    return ok;
}

/* Publish subj on pub and flush; the connection's last error after. */
static void publish(natsConnection *pub, const char *subj, char *last_err, size_t cap)
{
    const char *e = NULL;
    natsConnection_PublishString(pub, subj, subj);
    natsConnection_FlushTimeout(pub, 5000);
    natsConnection_GetLastError(pub, &e);
    snprintf(last_err, cap, "%s", e ? e : "");
}

/* The next message on sub (or "" after timeout_ms). */
static void next_subject(natsSubscription *sub, char *out, size_t cap, int timeout_ms)
{
    natsMsg *m = NULL;
    out[0] = '\0';
    if (natsSubscription_NextMsg(&m, sub, timeout_ms) == NATS_OK) {
        snprintf(out, cap, "%s", natsMsg_GetSubject(m));
        natsMsg_Destroy(m);
    }
}

/* ---- config mode: a grants file -------------------------------------------------- */

static const char grants_v1[] =
    "{\"grants\":["
    "{\"user\":\"alice\",\"password_hash\":\"" ALICE_HASH "\",\"account\":\"APP\","
    "\"name\":\"alice\",\"permissions\":{\"pub\":{\"allow\":[\"alice.>\"]},"
    "\"sub\":{\"allow\":[\"alice.>\",\"_INBOX.>\"]}}},"
    "{\"id\":\"svc\",\"token_hash\":\"" SVC_HASH "\",\"account\":\"APP\",\"name\":\"svc\"},"
    "{\"user\":\"dave\",\"password_hash\":\"" DAVE_HASH "\",\"account\":\"AUTH\"}"
    "]}\n";

static const char grants_v2[] =
    "{\"grants\":["
    "{\"user\":\"alice\",\"password_hash\":\"" ALICE_HASH "\",\"account\":\"APP\","
    "\"name\":\"alice\",\"permissions\":{\"pub\":{\"allow\":[\"alice.>\"]},"
    "\"sub\":{\"allow\":[\"alice.>\",\"_INBOX.>\"]}}},"
    "{\"id\":\"svc\",\"token_hash\":\"" SVC_HASH "\",\"account\":\"APP\",\"name\":\"svc\"},"
    "{\"user\":\"carol\",\"password_hash\":\"" CAROL_HASH "\",\"account\":\"APP\"}"
    "]}\n";

TEST(config_mode_grants_file)
{
    ns_server srv;
    daemon_proc d = {0};
    tc_client svc, alice, carol;
    natsSubscription *all = NULL;
    char got[256], err[512], conf[2048], *issuer = NULL;
    const client_auth a_alice = {"alice", "alice-pw", NULL, NULL};
    const client_auth a_carol = {"carol", "carol-pw", NULL, NULL};
    if (ns_init(&srv, "calloutd") != 0) {
        CHECK(!"nats-server not available");
        return;
    }
    tc_init(&svc, &srv);
    tc_init(&alice, &srv);
    tc_init(&carol, &srv);
    /* the issuer account key (its seed never leaves the file) */
    CHECK(run_cli(&srv, ARGV("keys", "gen", "account", "-o", "issuer.seed"), &issuer) == 0);
    if (!issuer || strlen(issuer) < NA_NKEY_PUBLIC_LEN)
        goto out;
    issuer[NA_NKEY_PUBLIC_LEN] = '\0';
    snprintf(conf, sizeof conf,
             "accounts {\n"
             "  AUTH { users: [ { user: auth, password: auth-secret } ] }\n"
             "  APP {}\n"
             "}\n"
             "authorization {\n"
             "  auth_callout { issuer: %s, auth_users: [ auth ], account: AUTH }\n"
             "}\n",
             issuer);
    if (ns_start(&srv, conf) != 0) {
        CHECK(!"server did not start");
        goto out;
    }
    CHECK(ns_write_file(&srv, "auth.pw", "auth-secret\n", 0600, NULL, 0) == 0);
    CHECK(ns_write_file(&srv, "grants.json", grants_v1, 0600, NULL, 0) == 0);
    snprintf(conf, sizeof conf,
             "{\"nats\":{\"url\":\"%s\",\"user\":\"auth\",\"password\":\"auth.pw\"},\n"
             " \"mode\":\"config\", \"issuer\":{\"seed_file\":\"issuer.seed\"},\n"
             " \"workers\":2, \"deadline\":\"3s\", \"stats_subject\":\"callout.stats\",\n"
             " \"authorizers\":[{\"type\":\"file\",\"path\":\"grants.json\"}],\n"
             " \"default\":\"deny\", \"allowed_accounts\":[\"APP\"]}\n",
             srv.url);
    CHECK(ns_write_file(&srv, "callout.json", conf, 0600, NULL, 0) == 0);
    CHECK(run_cli(&srv, ARGV("callout", "check", "--config", "callout.json"), NULL) == 0);
    if (!daemon_start(&d, &srv, "callout.json")) {
        CHECK(!"daemon did not start");
        goto out;
    }

    /* the token grant: no permissions given, so it sees all of APP */
    CHECKF(client_connect(&svc, &(client_auth){NULL, NULL, SVC_TOKEN, NULL}, "svc") == NATS_OK,
           "svc: %s", svc.err);
    CHECKF(client_connect(&alice, &a_alice, "alice") == NATS_OK, "alice: %s", alice.err);
    if (!svc.nc || !alice.nc)
        goto out;
    CHECK(natsConnection_SubscribeSync(&all, svc.nc, ">") == NATS_OK);
    CHECK(natsConnection_FlushTimeout(svc.nc, 5000) == NATS_OK);

    /* alice: inside her permissions delivered, outside refused and not delivered
     * (the next message after the refused one is the one published after it) */
    publish(alice.nc, "alice.one", err, sizeof err);
    CHECKF(err[0] == '\0', "alice.one: %s", err);
    publish(alice.nc, "bob.one", err, sizeof err);
    CHECKF(tc_contains_ci(err, "Permissions Violation"), "bob.one: '%s'", err);
    publish(alice.nc, "alice.two", err, sizeof err);
    next_subject(all, got, sizeof got, 5000);
    CHECK_STREQ(got, "alice.one");
    next_subject(all, got, sizeof got, 5000);
    CHECK_STREQ(got, "alice.two");

    /* refusals */
    CHECK(refused(&srv, &(client_auth){"alice", "wrong", NULL, NULL}));
    CHECK(refused(&srv, &(client_auth){"mallory", "alice-pw", NULL, NULL}));
    CHECK(refused(&srv, &(client_auth){NULL, NULL, "svc.token-secret-2", NULL}));
    CHECK(refused(&srv, &(client_auth){"carol", "carol-pw", NULL, NULL}));
    /* a right password whose grant names an account outside allowed_accounts
     * (here the callout's own, whose users could read authorization requests) */
    CHECK(refused(&srv, &(client_auth){"dave", "dave-pw", NULL, NULL}));
    CHECK(wait_file_contains(d.log, "not in the daemon's 'allowed_accounts'", 5000));

    /* a new grant after SIGHUP */
    CHECK(ns_write_file(&srv, "grants.json", grants_v2, 0600, NULL, 0) == 0);
    kill(d.pid, SIGHUP);
    CHECK(wait_file_contains(d.log, "\"reloaded\"", 10000));
    CHECKF(client_connect(&carol, &a_carol, "carol") == NATS_OK, "carol after reload: %s",
           carol.err);
    /* a broken grants file: the reload fails, the old grants stay */
    CHECK(ns_write_file(&srv, "grants.json", "{\"grants\":[", 0600, NULL, 0) == 0);
    kill(d.pid, SIGHUP);
    CHECK(wait_file_contains(d.log, "reload failed", 10000));
    tc_close(&carol);
    tc_init(&carol, &srv);
    CHECKF(client_connect(&carol, &a_carol, "carol") == NATS_OK, "carol after a failed reload: %s",
           carol.err);

    CHECK(daemon_stop(&d) == 0);
    CHECK(count_in_file(d.log, "\"stopped\"") == 1);
    CHECK(count_in_file(d.log, "\"result\":\"allow\"") >= 3);
    /* no secret in the log */
    CHECK(count_in_file(d.log, "alice-pw") == 0);
    CHECK(count_in_file(d.log, "carol-pw") == 0);
    CHECK(count_in_file(d.log, SVC_TOKEN) == 0);
    CHECK(count_in_file(d.log, "auth-secret") == 0);
out:
    daemon_finish(&d, &srv);
    natsSubscription_Destroy(all);
    tc_close(&svc);
    tc_close(&alice);
    tc_close(&carol);
    free(issuer);
    ns_cleanup(&srv);
}

/* ---- operator mode: store tokens ------------------------------------------------------ */

/* The callout account AUTH: its identity seed to a file (the daemon's
 * issuer), its authorization block (auth_users: the callout user;
 * allowed_accounts: the organisation's account). Through the library: the
 * CLI has no option for the authorization block. */
static bool setup_auth_account(const ns_server *srv, const char *store_path)
{
    na_store *st = NULL;
    na_entity acct = {0}, org = {0}, user = {0};
    na_nkey *key = NULL;
    na_err err = {0};
    char seed[NA_NKEY_SEED_LEN + 2], json[512];
    bool ok = false;
    na_ctx x;
    if (na_store_open(&st, store_path, false, &err) != NA_OK ||
        na_store_account_get(st, "AUTH", &acct, &err) != NA_OK ||
        na_store_account_get(st, "acme", &org, &err) != NA_OK ||
        na_store_user_get(st, "AUTH", "callout", &user, &err) != NA_OK ||
        na_store_key_get(st, acct.pub, &key, &err) != NA_OK ||
        na_nkey_seed(key, seed, &err) != NA_OK)
        goto out;
    strcat(seed, "\n");
    if (ns_write_file(srv, "issuer.seed", seed, 0600, NULL, 0) != 0)
        goto out;
    snprintf(json, sizeof json, "{\"auth_users\":[\"%s\"],\"allowed_accounts\":[\"%s\"]}", user.pub,
             org.pub);
    x = (na_ctx){st, (int64_t)time(NULL), NA_CONFLICT_STRICT};
    if (na_store_begin(st, "test authorization", &err) != NA_OK)
        goto out;
    if (na_account_edit(&x, "AUTH", &(na_edit){NA_EDIT_SET_JSON, "nats.authorization", json, 0}, 1,
                        NULL, &err) != NA_OK ||
        na_store_commit(st, &err) != NA_OK) {
        na_store_rollback(st);
        goto out;
    }
    ok = true;
out:
    if (!ok)
        fprintf(stderr, "setting up AUTH: %s\n", err.msg);
    na_wipe(seed, sizeof seed);
    na_nkey_destroy(key);
    na_entity_release(&acct);
    na_entity_release(&org);
    na_entity_release(&user);
    na_store_close(st);
    return ok;
}

/* `natsauth creds AUTH <user>` of the store s.db into the file `name` in
 * the server's dir (0600; the printed seed is wiped). */
static bool save_creds(const ns_server *s, const char *user, const char *name)
{
    char *out = NULL;
    bool ok = run_cli(s, ARGV("--store", "s.db", "creds", "AUTH", user), &out) == 0 && out &&
              ns_write_file(s, name, out, 0600, NULL, 0) == 0;
    if (out)
        na_wipe(out, strlen(out));
    free(out);
    return ok;
}

/* The "token" value of `tenant app token --json` output (in place). */
static char *json_token(char *out)
{
    char *p = out ? strstr(out, "\"token\":\"") : NULL, *e;
    if (!p)
        return NULL;
    p += 9;
    if (!(e = strchr(p, '"')))
        return NULL;
    *e = '\0';
    return p;
}

TEST(operator_mode_store_tokens)
{
    ns_server srv;
    daemon_proc d = {0};
    natsConnection *web = NULL;
    natsSubscription *sub = NULL;
    char store[PATH_CAP], sentinel[PATH_CAP], got[256], err[512];
    char *conf = NULL, *out = NULL, *token = NULL, *acme = NULL;
    char dconf[2048];
    tc_client webc;
    if (ns_init(&srv, "calloutd-op") != 0) {
        CHECK(!"nats-server not available");
        return;
    }
    tc_init(&webc, &srv);
    path_in(store, &srv, "s.db");
    path_in(sentinel, &srv, "sentinel.creds");
    /* the store: AUTH (callout account), organisation acme with app web,
     * the callout's user and a sentinel user that can do nothing itself */
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "init", "--account", "AUTH"), NULL) == 0);
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "tenant", "add", "acme"), NULL) == 0);
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "tenant", "app", "add", "acme", "web"), NULL) == 0);
    CHECK(run_cli(&srv,
                  ARGV("--store", "s.db", "user", "edit", "acme", "web", "--allow-pub", "web.>",
                       "--allow-sub", "web.>"),
                  NULL) == 0);
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "user", "add", "AUTH", "callout"), NULL) == 0);
    CHECK(run_cli(&srv,
                  ARGV("--store", "s.db", "user", "add", "AUTH", "sentinel", "--deny-pub", ">",
                       "--deny-sub", ">"),
                  NULL) == 0);
    CHECK(save_creds(&srv, "callout", "callout.creds"));
    CHECK(save_creds(&srv, "sentinel", "sentinel.creds"));
    if (tl_case_failed || !setup_auth_account(&srv, store)) {
        CHECK(!"store setup failed");
        goto out;
    }
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "account", "show", "acme", "--json"), &acme) == 0);
    /* the server: operator mode, memory resolver with every account */
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "config", "--resolver", "memory"), &conf) == 0);
    if (!conf || ns_start(&srv, conf) != 0) {
        CHECK(!"server did not start");
        goto out;
    }
    snprintf(dconf, sizeof dconf,
             "{\"nats\":{\"url\":\"%s\",\"creds\":\"callout.creds\"},\n"
             " \"mode\":\"operator\", \"issuer\":{\"seed_file\":\"issuer.seed\"},\n"
             " \"authorizers\":[{\"type\":\"store\",\"path\":\"s.db\"},\n"
             "                {\"type\":\"file\",\"path\":\"grants.json\"}]}\n",
             srv.url);
    CHECK(ns_write_file(&srv, "callout.json", dconf, 0600, NULL, 0) == 0);
    /* dave's grant names no account: that would be the callout account
     * itself, whose users could read authorization requests */
    CHECK(ns_write_file(&srv, "grants.json",
                        "{\"grants\":[{\"user\":\"dave\",\"password_hash\":\"" DAVE_HASH "\"}]}\n",
                        0600, NULL, 0) == 0);
    if (!daemon_start(&d, &srv, "callout.json")) {
        CHECK(!"daemon did not start");
        goto out;
    }
    /* a token made while the daemon runs counts at once */
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "tenant", "app", "token", "acme", "web", "--json"),
                  &out) == 0);
    token = json_token(out);
    CHECK(token != NULL);
    if (!token)
        goto out;
    /* as the sentinel (creds) with the token */
    CHECKF(client_connect(&webc, &(client_auth){NULL, NULL, token, sentinel}, "web") == NATS_OK,
           "web: %s", webc.err);
    web = webc.nc;
    if (!web)
        goto out;
    /* the app user's permissions, in the organisation's account */
    CHECK(natsConnection_SubscribeSync(&sub, web, "web.>") == NATS_OK);
    publish(web, "web.one", err, sizeof err);
    CHECKF(err[0] == '\0', "web.one: %s", err);
    next_subject(sub, got, sizeof got, 5000);
    CHECK_STREQ(got, "web.one");
    publish(web, "other.one", err, sizeof err);
    CHECKF(tc_contains_ci(err, "Permissions Violation"), "other.one: '%s'", err);
    if (acme) {
        char *p = strstr(acme, "\"pub\":\"");
        char needle[128];
        CHECK(p != NULL);
        if (p) {
            snprintf(needle, sizeof needle, "\"account\":\"%.56s\"", p + 7);
            CHECK(wait_count(d.log, needle, 1, 5000));
        }
    }
    /* an unknown token and a token without the sentinel */
    CHECK(refused(&srv, &(client_auth){NULL, NULL, "nat_notatoken", sentinel}));
    /* an app re-added under a scoped key: its permissions would come from the
     * scope, which the store authorizer does not apply, so it is refused
     * rather than granted the account's defaults under an unscoped key */
    CHECK(run_cli(&srv,
                  ARGV("--store", "s.db", "sk", "add", "acme", "--role", "app", "--allow-pub",
                       "scoped.>"),
                  NULL) == 0);
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "tenant", "app", "add", "acme", "scoped"), NULL) ==
          0);
    CHECK(run_cli(&srv, ARGV("--store", "s.db", "user", "rm", "acme", "scoped"), NULL) == 0);
    CHECK(run_cli(&srv,
                  ARGV("--store", "s.db", "user", "add", "acme", "scoped", "--signing-key", "app"),
                  NULL) == 0);
    {
        char *out2 = NULL, *scoped;
        CHECK(run_cli(&srv,
                      ARGV("--store", "s.db", "tenant", "app", "token", "acme", "scoped",
                           "--json"),
                      &out2) == 0);
        scoped = json_token(out2); /* points into out2 */
        CHECK(scoped != NULL);
        if (scoped) {
            CHECK(refused(&srv, &(client_auth){NULL, NULL, scoped, sentinel}));
            CHECK(wait_file_contains(d.log, "is signed by a scoped signing key", 5000));
        }
        if (out2)
            na_wipe(out2, strlen(out2));
        free(out2);
    }
    /* a right password whose grant would land in the callout account */
    CHECK(refused(&srv, &(client_auth){"dave", "dave-pw", NULL, sentinel}));
    CHECK(wait_file_contains(d.log, "grants into the callout account itself are refused", 5000));
    /* revoked: refused */
    CHECK(run_cli(&srv,
                  ARGV("--store", "s.db", "tenant", "app", "token", "acme", "web", "--revoke"),
                  NULL) == 0);
    CHECK(refused(&srv, &(client_auth){NULL, NULL, token, sentinel}));
    CHECK(wait_count(d.log, "unknown token", 2, 5000));
    CHECK(count_in_file(d.log, token) == 0);
    CHECK(daemon_stop(&d) == 0);
out:
    daemon_finish(&d, &srv);
    natsSubscription_Destroy(sub);
    tc_close(&webc);
    if (out)
        na_wipe(out, strlen(out));
    free(out);
    free(conf);
    free(acme);
    ns_cleanup(&srv);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_callout_daemon PATH/TO/natsauth\n");
        return 2;
    }
    /* absolute: natsauth runs in each test's directory */
    g_cli = realpath(argv[1], NULL);
    if (!g_cli) {
        fprintf(stderr, "test_callout_daemon: no natsauth at '%s'\n", argv[1]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    RUN(config_mode_grants_file);
    RUN(operator_mode_store_tokens);
    nats_CloseAndWait(2000);
    free((char *)g_cli);
    return DONE();
}
