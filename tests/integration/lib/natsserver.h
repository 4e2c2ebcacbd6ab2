/*
 * natsserver.h - start and stop a real nats-server for integration tests.
 *
 * Plain POSIX (fork/exec, sockets), no dependency on natsauth or libnats.
 *
 *   ns_server s;
 *   if (ns_init(&s, "optest") != 0) ...            // mkdtemp dir, binary from NATS_SERVER_BIN
 *   ns_write_file(&s, "op.jwt", jwt, 0644, path, sizeof path);
 *   if (ns_start(&s, "operator: ...\n") != 0) ...  // picks a port, writes nats.conf, waits
 *   ... connect to s.url ...
 *   ns_stop(&s);                                    // SIGTERM, bounded wait, SIGKILL
 *   ns_cleanup(&s);                                 // removes the temp dir
 *
 * The config text given to ns_start is written after a generated
 * "listen: 127.0.0.1:<port>" line. The server's stdout and stderr go to
 * nats-server.log in the temp dir; ns_start prints that log to stderr when the
 * server does not come up, and ns_print_log prints it on demand (on a test
 * failure). Set NATS_TEST_KEEP_TMP=1 to keep the temp dir.
 */
#ifndef NATSAUTH_TEST_NATSSERVER_H
#define NATSAUTH_TEST_NATSSERVER_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NS_PATH_MAX 512

typedef struct ns_server {
    char bin[NS_PATH_MAX];  /* nats-server binary (from NATS_SERVER_BIN) */
    char dir[NS_PATH_MAX];  /* mkdtemp directory */
    char conf[NS_PATH_MAX + 32]; /* <dir>/nats.conf */
    char log[NS_PATH_MAX + 32];  /* <dir>/nats-server.log */
    char url[64];           /* nats://127.0.0.1:<port> */
    int port;
    pid_t pid;              /* 0 when not running */
    int exit_status;        /* wait status once reaped (ns_running, ns_stop) */
} ns_server;

/* Binary from NATS_SERVER_BIN: NULL (with a message on stderr) when the
 * variable is unset or does not name an executable file. */
const char *ns_server_bin(void);

/* A free TCP port on 127.0.0.1 (bind port 0, read it, close); -1 on error. */
int ns_free_port(void);

/* Find the binary and create the temp dir (under $TMPDIR or /tmp, named
 * <prefix>.XXXXXX). 0 on success, -1 with a message on stderr. */
int ns_init(ns_server *s, const char *prefix);

/* Write content to <dir>/<name> with the given mode (the mode is enforced
 * with fchmod, whatever the umask). The full path goes to path (if not NULL).
 * 0 on success, -1 with a message on stderr. */
int ns_write_file(const ns_server *s, const char *name, const char *content, mode_t mode,
                  char *path, size_t pathlen);

/* Pick a port, write nats.conf ("listen" line + conf_body), start the server
 * (-c nats.conf) and wait (at most ~10 s) until the port accepts connections.
 * A port lost to another process between the pick and the server's bind is
 * retried with a new port. 0 on success; -1 (log printed) on failure. */
int ns_start(ns_server *s, const char *conf_body);

/* SIGTERM, wait up to ~5 s, then SIGKILL and reap. Returns the server's wait
 * status (0 = clean exit), -1 if it was not running. Safe to call twice. */
int ns_stop(ns_server *s);

/* True while the server process has not exited. */
int ns_running(ns_server *s);

/* Print the server log to stderr, framed. */
void ns_print_log(const ns_server *s);

/* The whole server log, NUL-terminated (malloc'd, free it); NULL if unreadable. */
char *ns_log_read(const ns_server *s);

/* True if the server log contains needle (the log is re-read each call). */
int ns_log_contains(const ns_server *s, const char *needle);

/* Wait (polling, at most timeout_ms) until the log contains needle. */
int ns_wait_log(const ns_server *s, const char *needle, int timeout_ms);

/* Current size of the log: take it before an action, then look for what the
 * server logged about that action only, with ns_wait_log_from. */
size_t ns_log_size(const ns_server *s);
int ns_wait_log_from(const ns_server *s, size_t offset, const char *needle, int timeout_ms);

/* Stop the server if needed and remove the temp dir (kept when
 * NATS_TEST_KEEP_TMP is set). */
void ns_cleanup(ns_server *s);

#ifdef __cplusplus
}
#endif
#endif
