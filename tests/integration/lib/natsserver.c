/*
 * natsserver.c - start and stop a real nats-server for integration tests.
 * See natsserver.h.
 */
#include "natsserver.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define NS_START_TIMEOUT_MS 10000
#define NS_STOP_TIMEOUT_MS 5000
#define NS_POLL_MS 10
#define NS_PORT_RETRIES 4

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

const char *ns_server_bin(void)
{
    const char *bin = getenv("NATS_SERVER_BIN");
    struct stat st;
    if (!bin || !*bin) {
        fprintf(stderr,
                "natsserver: NATS_SERVER_BIN is not set: a nats-server binary is required.\n"
                "  Fetch one with `bash scripts/fetch-nats-server.sh` (prints its path) and\n"
                "  configure with -DNATS_SERVER_BIN=<path> or export NATS_SERVER_BIN=<path>.\n");
        return NULL;
    }
    if (stat(bin, &st) != 0 || !S_ISREG(st.st_mode) || access(bin, X_OK) != 0) {
        fprintf(stderr, "natsserver: NATS_SERVER_BIN=%s is not an executable file\n", bin);
        return NULL;
    }
    return bin;
}

int ns_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int port = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int ns_init(ns_server *s, const char *prefix)
{
    const char *bin, *tmp = getenv("TMPDIR");
    memset(s, 0, sizeof *s);
    bin = ns_server_bin();
    if (!bin)
        return -1;
    if ((size_t)snprintf(s->bin, sizeof s->bin, "%s", bin) >= sizeof s->bin) {
        fprintf(stderr, "natsserver: NATS_SERVER_BIN path is too long\n");
        return -1;
    }
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(s->dir, sizeof s->dir, "%s/%s.XXXXXX", tmp, prefix ? prefix : "natsserver");
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "natsserver: mkdtemp %s: %s\n", s->dir, strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    snprintf(s->conf, sizeof s->conf, "%s/nats.conf", s->dir);
    snprintf(s->log, sizeof s->log, "%s/nats-server.log", s->dir);
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int ns_write_file(const ns_server *s, const char *name, const char *content, mode_t mode,
                  char *path, size_t pathlen)
{
    char p[NS_PATH_MAX];
    int fd, rc = 0;
    if ((size_t)snprintf(p, sizeof p, "%s/%s", s->dir, name) >= sizeof p) {
        fprintf(stderr, "natsserver: path too long for %s\n", name);
        return -1;
    }
    /* create with no permissions for anyone else from the start, then set mode */
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "natsserver: open %s: %s\n", p, strerror(errno));
        return -1;
    }
    if (fchmod(fd, mode) != 0 || write_all(fd, content, strlen(content)) != 0) {
        fprintf(stderr, "natsserver: write %s: %s\n", p, strerror(errno));
        rc = -1;
    }
    if (close(fd) != 0 && rc == 0) {
        fprintf(stderr, "natsserver: close %s: %s\n", p, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && path && pathlen)
        snprintf(path, pathlen, "%s", p);
    return rc;
}

char *ns_log_read(const ns_server *s)
{
    FILE *f = fopen(s->log, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    if (!f)
        return NULL;
    for (;;) {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap ? cap * 2 : 8192);
            if (!nb)
                break;
            buf = nb;
            cap = cap ? cap * 2 : 8192;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

void ns_print_log(const ns_server *s)
{
    char *log = ns_log_read(s);
    fprintf(stderr, "----- nats-server log (%s) -----\n%s%s----- end of nats-server log -----\n",
            s->log, log ? log : "(no log)\n",
            log && *log && log[strlen(log) - 1] != '\n' ? "\n" : "");
    free(log);
}

size_t ns_log_size(const ns_server *s)
{
    struct stat st;
    return stat(s->log, &st) == 0 ? (size_t)st.st_size : 0;
}

static int log_contains_from(const ns_server *s, size_t offset, const char *needle)
{
    char *log = ns_log_read(s);
    int found = log && strlen(log) >= offset && strstr(log + offset, needle) != NULL;
    free(log);
    return found;
}

int ns_log_contains(const ns_server *s, const char *needle)
{
    return log_contains_from(s, 0, needle);
}

int ns_wait_log_from(const ns_server *s, size_t offset, const char *needle, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (log_contains_from(s, offset, needle))
            return 1;
        if (now_ms() >= deadline)
            return 0;
        sleep_ms(NS_POLL_MS);
    }
}

int ns_wait_log(const ns_server *s, const char *needle, int timeout_ms)
{
    return ns_wait_log_from(s, 0, needle, timeout_ms);
}

/* 0 when something accepts a TCP connection on 127.0.0.1:port. */
static int probe(int port)
{
    struct sockaddr_in a;
    int rc, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
    return rc == 0 ? 0 : -1;
}

int ns_running(ns_server *s)
{
    int status;
    pid_t r;
    if (s->pid <= 0)
        return 0;
    do
        r = waitpid(s->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return 1;
    s->exit_status = r > 0 ? status : -1;
    s->pid = 0; /* exited (reaped) or not our child */
    return 0;
}

/* fork/exec the server; 0 on success. */
static int spawn(ns_server *s)
{
    char *argv[4];
    char dash_c[] = "-c";
    int logfd, nullfd;
    pid_t pid;

    logfd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0) {
        fprintf(stderr, "natsserver: open %s: %s\n", s->log, strerror(errno));
        return -1;
    }
    nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    argv[0] = s->bin;
    argv[1] = dash_c;
    argv[2] = s->conf;
    argv[3] = NULL;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "natsserver: fork: %s\n", strerror(errno));
        close(logfd);
        if (nullfd >= 0)
            close(nullfd);
        return -1;
    }
    if (pid == 0) {
        /* child: only async-signal-safe calls until exec */
        static const char msg[] = "natsserver: exec of the nats-server binary failed\n";
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
#endif
        if (nullfd >= 0)
            dup2(nullfd, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        execv(argv[0], argv);
        (void)!write(2, msg, sizeof msg - 1);
        _exit(127);
    }
    close(logfd);
    if (nullfd >= 0)
        close(nullfd);
    s->pid = pid;
    return 0;
}

int ns_start(ns_server *s, const char *conf_body)
{
    for (int attempt = 0; attempt <= NS_PORT_RETRIES; attempt++) {
        size_t n = strlen(conf_body) + 128;
        char *conf = malloc(n);
        long long deadline;
        int rc;
        if (!conf)
            return -1;
        s->port = ns_free_port();
        if (s->port <= 0) {
            fprintf(stderr, "natsserver: cannot find a free port: %s\n", strerror(errno));
            free(conf);
            return -1;
        }
        snprintf(s->url, sizeof s->url, "nats://127.0.0.1:%d", s->port);
        snprintf(conf, n, "listen: 127.0.0.1:%d\n%s\n", s->port, conf_body);
        rc = ns_write_file(s, "nats.conf", conf, 0600, NULL, 0);
        free(conf);
        if (rc != 0 || spawn(s) != 0)
            return -1;

        deadline = now_ms() + NS_START_TIMEOUT_MS;
        for (;;) {
            if (!ns_running(s)) {
                if (attempt < NS_PORT_RETRIES && ns_log_contains(s, "address already in use")) {
                    fprintf(stderr, "natsserver: port %d was taken, retrying\n", s->port);
                    break; /* next attempt with a new port */
                }
                fprintf(stderr,
                        "natsserver: nats-server exited during startup (%s -c %s): %s %d\n",
                        s->bin, s->conf,
                        WIFSIGNALED(s->exit_status) ? "signal" : "exit code",
                        WIFSIGNALED(s->exit_status) ? WTERMSIG(s->exit_status)
                                                    : WEXITSTATUS(s->exit_status));
                ns_print_log(s);
                return -1;
            }
            if (probe(s->port) == 0)
                return 0;
            if (now_ms() >= deadline) {
                fprintf(stderr, "natsserver: nats-server did not accept connections on port %d "
                                "within %d ms\n",
                        s->port, NS_START_TIMEOUT_MS);
                ns_stop(s);
                ns_print_log(s);
                return -1;
            }
            sleep_ms(NS_POLL_MS);
        }
    }
    return -1;
}

int ns_stop(ns_server *s)
{
    int status = 0;
    pid_t r;
    long long deadline;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    deadline = now_ms() + NS_STOP_TIMEOUT_MS;
    for (;;) {
        r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid || (r < 0 && errno != EINTR)) {
            s->pid = 0;
            s->exit_status = r < 0 ? -1 : status;
            return s->exit_status;
        }
        if (now_ms() >= deadline)
            break;
        sleep_ms(NS_POLL_MS);
    }
    fprintf(stderr, "natsserver: nats-server (pid %d) ignored SIGTERM for %d ms; SIGKILL\n",
            (int)s->pid, NS_STOP_TIMEOUT_MS);
    kill(s->pid, SIGKILL);
    do
        r = waitpid(s->pid, &status, 0);
    while (r < 0 && errno == EINTR);
    s->pid = 0;
    s->exit_status = status;
    return status;
}

void ns_cleanup(ns_server *s)
{
    DIR *d;
    struct dirent *e;
    const char *keep = getenv("NATS_TEST_KEEP_TMP");
    if (s->pid > 0)
        ns_stop(s);
    if (!s->dir[0])
        return;
    if (keep && *keep && strcmp(keep, "0") != 0) {
        fprintf(stderr, "natsserver: keeping %s\n", s->dir);
        return;
    }
    /* the directory holds only the flat files this helper and its caller wrote */
    d = opendir(s->dir);
    if (d) {
        while ((e = readdir(d)) != NULL) {
            char p[NS_PATH_MAX + 256];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", s->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    if (rmdir(s->dir) != 0)
        fprintf(stderr, "natsserver: cannot remove %s: %s\n", s->dir, strerror(errno));
    s->dir[0] = '\0';
}
