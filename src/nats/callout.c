/*
 * callout.c - the auth callout service: answers the server's authorization
 * requests on $SYS.REQ.USER.AUTH (see natsauth/callout.h for the protocol;
 * the decision itself is na_callout_open / respond in src/core/callout.c).
 *
 * Threads and who owns what:
 *  - libnats' delivery thread runs on_request: it only copies the payload,
 *    the reply subject, the Nats-Server-Xkey header and the receive time
 *    into a job and queues it (at most max_pending jobs; beyond that the
 *    request is answered at once with an error, counted in errors), then
 *    returns. A message without a reply subject cannot be answered: dropped.
 *  - `workers` threads pop jobs (FIFO), open the request, call the handler
 *    (only for a valid request), build the answer and publish it on the
 *    reply subject. While a handler runs, its job sits in the worker's slot.
 *    Two connections carry the answers: when no other request waits, the
 *    main one, which sends at once (libnats' SendAsap): the worker's
 *    publish writes the answer itself. Without it libnats' flusher thread
 *    is woken per answer and waits 1 ms before it writes: measured with
 *    bench/bench_callout, SendAsap halves the latency at low load (p50
 *    0.9-1.8 ms -> 0.75-0.9 ms) and saves ~25 us of CPU per authorization
 *    there (two thread wake-ups). While requests wait, a second connection
 *    without SendAsap ("<name>-answers", publish only, no callbacks): its
 *    flusher writes a burst's answers together (one write for many
 *    instead of one each). Both reconnect; stop flushes and closes both.
 *  - the watchdog thread wakes every deadline_ms / 20 (5 to 25 ms: it is
 *    never woken per request) and answers, with an
 *    error counted in timeouts, every queued job past its deadline (received
 *    + deadline_ms) and every job whose handler is still running past it.
 *    Whoever answers first marks the job (job->answered, atomic) and the
 *    other's answer is discarded: a handler that returns late is ignored
 *    (one that returns past the deadline before the watchdog saw it is
 *    answered as a timeout too). A handler that never returns costs one
 *    worker for good (its client was answered by the watchdog), and
 *    na_callout_stop waits for it: the handler may still use the request
 *    and the handler's own state.
 *  - na_callout_stop drains: the subscription stops (libnats' drain: what
 *    the server already sent is still delivered), the workers answer the
 *    queue until the timeout, what is left then is answered with an error
 *    (timeouts); then the connection closes and the threads are joined.
 *  - every request is counted once in requests and once in exactly one of
 *    allowed, denied, errors, timeouts or dropped (an answer that could not
 *    be built or published is dropped), when it was decided; the latency
 *    histogram covers the published answers (receive -> publish).
 *  - libnats' callback thread runs the connection events (logged, counted)
 *    and on_stats (the counters as JSON on stats_subject).
 *
 * What the server is told: the handler's reason for a denial; for a
 * request that does not open, only "invalid authorization request" (the
 * why goes to the log: verification says pass/fail to the peer).
 *
 * Secrets: the connect password/token are handed to libnats, which keeps
 * its own copy (we cannot wipe it); tokens, passwords, signatures and JWTs
 * from requests are never logged: the decision log names the user key, the
 * account, the server and the client (host, user, name) only, and the
 * client's user is redacted when it is the token or password (with token
 * auth the server puts the token itself in client_info.user).
 */
#include "natsauth/callout.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "libnats.h"

#define DEFAULT_URL "nats://127.0.0.1:4222"
#define DEFAULT_NAME "natsauth-callout"
#define DEFAULT_QUEUE "natsauth-callout"
#define DEFAULT_STATS_NAME "natsauth-callout-status"
#define DEFAULT_DEADLINE_MS 1500
#define DEFAULT_MAX_PENDING 10000
#define MAX_WORKERS 256
#define WATCHDOG_TICK_MIN_MS 5  /* the watchdog wakes every deadline_ms / 20 */
#define WATCHDOG_TICK_MAX_MS 25 /* within these bounds */
#define CONNECT_TIMEOUT_MS 2000     /* one connect attempt */
#define FIRST_CONNECT_WAIT_MS 10000 /* the first connect is retried this long */
#define AUTH_FAIL_ATTEMPTS 4        /* auth refusals tolerated at the first connect */
#define RECONNECT_WAIT_MS 250
#define RECONNECT_BUF_SIZE (1 << 20)
#define CLOSE_WAIT_MS 5000 /* for libnats to say its callbacks are done */
#define XCACHE_ENTRIES 64
#define LOG_FIELD_MAX 256
#define MAX_REQUEST (NA_JWT_MAX_TOKEN + NA_XKEY_OVERHEAD) /* larger ones cannot be valid */

#define REASON_INVALID "invalid authorization request"
#define REASON_TIMEOUT "authorization timed out"
#define REASON_OVERLOAD "authorization service overloaded"
#define REASON_STOPPING "authorization service stopping"
#define REASON_DENIED "not authorized"

const uint32_t na_callout_lat_bounds_us[NA_CALLOUT_LAT_BUCKETS - 1] = {
    100,   250,    500,    1000,   2500,    5000,    10000,  25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000};

typedef enum outcome { OUT_ALLOW, OUT_DENY, OUT_ERROR, OUT_TIMEOUT } outcome;
static const char *const outcome_names[] = {"allow", "deny", "error", "timeout"};

/* One request, from the delivery thread to whoever answers it. */
typedef struct job {
    struct job *next;
    uint8_t *data; /* NUL-terminated copy of the payload (NULL: too big to be valid) */
    size_t len;
    char *reply;   /* data and reply: in the job's own allocation */
    char xkey[NA_NKEY_PUBLIC_LEN + 8]; /* header value, cut (a longer one is no key) */
    int64_t recv_ns, deadline_ns;      /* CLOCK_MONOTONIC */
    na_authreq *req;                   /* set by the worker before the job enters its slot */
    atomic_bool answered;              /* worker or watchdog: the first to set it answers */
} job;

/* The job a worker's handler is deciding (NULL when none); the watchdog
 * reads it under mu, the worker clears it under mu before it answers. */
typedef struct slot {
    pthread_mutex_t mu;
    job *job;
    na_callout *owner;
} slot;

/* Counters live apart from the service so the const accessors can read
 * atomics through a non-const pointer. */
typedef struct counters {
    atomic_uint_fast64_t requests, allowed, denied, errors, timeouts, dropped, reconnects;
    atomic_uint_fast64_t latency[NA_CALLOUT_LAT_BUCKETS];
    atomic_bool connected;
    atomic_size_t pending;
    int workers;
} counters;

struct na_callout {
    /* settings (strings copied; conf, handler and logger borrowed) */
    char *url, *name, *subject, *queue, *stats_subject;
    int deadline_ms, max_pending, nworkers;
    int tick_ms; /* watchdog period */
    na_callout_conf conf;
    na_callout_xcache *own_xcache;
    na_callout_handler handler;
    void *handler_ud;
    na_callout_logger logger;
    void *logger_ud;
    counters *ctr;

    natsConnection *nc;       /* requests, stats; answers when none are waiting (SendAsap) */
    natsConnection *nc_batch; /* answers while more requests wait (NULL: nc does all) */
    natsSubscription *sub, *stats;

    pthread_mutex_t mu; /* the queue, the flags below */
    pthread_cond_t cv_work, cv_idle, cv_tick, cv_done;
    job *head, *tail;
    size_t queued;
    int busy;     /* jobs popped and not yet finished */
    bool quit;    /* workers: leave once the queue is empty */
    bool wd_quit; /* watchdog: leave */
    bool sub_done, stats_done, closed_cb;

    pthread_t *workers;
    slot *slots;
    int workers_started;
    pthread_t watchdog;
    bool watchdog_started;
};

/* ---- time and small helpers -------------------------------------------------------------- */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t unix_now(void)
{
    return (int64_t)time(NULL);
}

static void abs_mono(struct timespec *ts, int64_t at_ns)
{
    ts->tv_sec = (time_t)(at_ns / 1000000000);
    ts->tv_nsec = (long)(at_ns % 1000000000);
}

static int cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    int rc = pthread_condattr_init(&a);
    if (rc == 0)
        rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
    return rc;
}

/* Wait on cv until at_ns (monotonic); false when the time has come. */
static bool wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t at_ns)
{
    struct timespec ts;
    abs_mono(&ts, at_ns);
    return pthread_cond_timedwait(cv, mu, &ts) != ETIMEDOUT;
}

static char *dup_or(const char *s, const char *dflt)
{
    return strdup(s && *s ? s : dflt);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static void job_free(job *j)
{
    if (!j)
        return;
    na_authreq_destroy(j->req);
    if (j->data) /* an unsealed request carries the client's password or token */
        sodium_memzero(j->data, j->len);
    free(j); /* data and reply live in the same block */
}

/* One allocation for the job, its reply subject and its payload (len
 * bytes + NUL; no room for a payload larger than any valid request: data
 * stays NULL). NULL when out of memory. */
static job *job_new(const char *reply, size_t len)
{
    size_t rlen = strlen(reply) + 1;
    size_t room = len <= MAX_REQUEST ? len + 1 : 0;
    job *j = malloc(sizeof *j + rlen + room);
    if (!j)
        return NULL;
    memset(j, 0, sizeof *j);
    atomic_init(&j->answered, false);
    j->reply = (char *)(j + 1);
    memcpy(j->reply, reply, rlen);
    if (room) {
        j->data = (uint8_t *)j->reply + rlen;
        j->len = len;
    }
    return j;
}

/* ---- log ---------------------------------------------------------------------------------- */

/* Untrusted text as a JSON string: one line, bounded, valid UTF-8 (a value
 * that is not, or was cut inside a character, keeps its ASCII only). */
static json_t *jstr(const char *s)
{
    char buf[LOG_FIELD_MAX];
    json_t *v;
    na_nl_clean_copy(buf, sizeof buf, s);
    if ((v = json_string(buf)) != NULL)
        return v;
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    return json_string(buf);
}

static void log_emit(const na_callout *s, json_t *o)
{
    char *line;
    if (!o)
        return;
    line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (line) {
        s->logger(s->logger_ud, line);
        free(line);
    }
}

static void log_event(const na_callout *s, const char *event, const char *detail_key,
                      const char *detail)
{
    json_t *o;
    if (!s->logger)
        return;
    o = json_object();
    if (!o)
        return;
    json_object_set_new(o, "event", json_string(event));
    if (detail_key)
        json_object_set_new(o, detail_key, jstr(detail));
    log_emit(s, o);
}

/* The server fills client_info.user from the connect: with token auth it
 * is the token itself, so it is only logged when it is no secret. */
static const char *client_user(const na_authreq *req)
{
    const char *u = req ? nz(req->client_user) : "";
    if ((req && req->token && *req->token && strcmp(u, req->token) == 0) ||
        (req && req->pass && *req->pass && strcmp(u, req->pass) == 0))
        return "[REDACTED]";
    return u;
}

/* One decision: the request's identity fields only (never a secret). */
static void log_decision(const na_callout *s, const na_authreq *req, outcome out,
                         const char *account, const char *reason, int64_t latency_us, bool answered)
{
    json_t *o;
    if (!s->logger)
        return;
    o = json_object();
    if (!o)
        return;
    json_object_set_new(o, "event", json_string("decision"));
    json_object_set_new(o, "result", json_string(outcome_names[out]));
    json_object_set_new(o, "user_nkey", jstr(req ? req->user_nkey : ""));
    json_object_set_new(o, "account", jstr(account));
    json_object_set_new(o, "server_id", jstr(req ? req->server_id : ""));
    json_object_set_new(o, "client_host", jstr(req ? req->client_host : ""));
    json_object_set_new(o, "client_user", jstr(client_user(req)));
    json_object_set_new(o, "client_name", jstr(req ? req->client_name : ""));
    json_object_set_new(o, "reason", jstr(reason));
    json_object_set_new(o, "latency_us", json_integer(latency_us));
    if (!answered)
        json_object_set_new(o, "answered", json_false());
    log_emit(s, o);
}

/* ---- answering ------------------------------------------------------------------------------ */

static void count_outcome(counters *c, outcome out)
{
    atomic_uint_fast64_t *n = out == OUT_ALLOW   ? &c->allowed
                              : out == OUT_DENY  ? &c->denied
                              : out == OUT_ERROR ? &c->errors
                                                 : &c->timeouts;
    atomic_fetch_add(n, 1);
}

static void count_latency(counters *c, int64_t us)
{
    size_t i = 0;
    while (i < NA_CALLOUT_LAT_BUCKETS - 1 && us > (int64_t)na_callout_lat_bounds_us[i])
        i++;
    atomic_fetch_add(&c->latency[i], 1);
}

/* Publish one answer. While more requests wait, on the batch connection:
 * libnats' flusher writes the answers of a burst together (one write and
 * one thread wake-up for many); when none waits, on the SendAsap one, so a
 * lone request is answered at once. A batch connection that is not
 * connected (reconnecting: the answer would wait in its buffer; or closed
 * for good) leaves the answer to the main one. */
static bool publish_answer(na_callout *s, const char *reply, const uint8_t *buf, int len)
{
    if (s->nc_batch && atomic_load(&s->ctr->pending) > 0 &&
        na_nl.natsConnection_Status(s->nc_batch) == NATS_CONN_STATUS_CONNECTED &&
        na_nl.natsConnection_Publish(s->nc_batch, reply, buf, len) == NATS_OK)
        return true;
    return na_nl.natsConnection_Publish(s->nc, reply, buf, len) == NATS_OK;
}

/* Build and publish the answer to j (grant: allow, else an error response
 * with reason), count it and log it. req NULL (the request could not even
 * be allocated): nothing can be answered, dropped. log_reason: what the log
 * says when it differs from what the server is told (NULL: the same). */
static void answer(na_callout *s, const job *j, const na_authreq *req, outcome out,
                   const na_callout_grant *grant, const char *reason, const char *log_reason)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    bool denied = false, sent = false;
    na_err e = {0};
    int64_t lat_us;
    if (!req) {
        log_reason = "the request could not be read (out of memory)";
    } else if (na_callout_respond(&buf, &len, req, &s->conf, unix_now(),
                                  out == OUT_ALLOW ? grant : NULL, reason, &denied, &e) != NA_OK) {
        log_reason = e.msg; /* no answer could be built */
    } else {
        if (out == OUT_ALLOW && denied) { /* a grant that cannot be honoured */
            out = OUT_DENY;
            log_reason = e.msg;
        }
        sent = len <= (size_t)INT32_MAX && publish_answer(s, j->reply, buf, (int)len);
        if (!sent)
            log_reason = "the answer could not be published";
    }
    na_free(buf);
    lat_us = (mono_ns() - j->recv_ns) / 1000;
    if (sent) {
        count_outcome(s->ctr, out);
        count_latency(s->ctr, lat_us);
    } else {
        atomic_fetch_add(&s->ctr->dropped, 1);
    }
    log_decision(s, req, out, out == OUT_ALLOW ? grant->account : "",
                 log_reason ? log_reason : nz(reason), lat_us, sent);
}

/* Answer j with an error without a handler (timeout, overload, stopping,
 * or a request that does not open): open it just to learn whom to answer. */
static void answer_unopened(na_callout *s, job *j, outcome out, const char *reason)
{
    na_authreq *req = NULL;
    na_err e = {0};
    na_status st = na_callout_open(&req, j->data ? j->data : (const uint8_t *)"",
                                   j->data ? j->len : 0, j->xkey, &s->conf, unix_now(), &e);
    if (st != NA_OK || !req || !req->valid)
        answer(s, j, req, OUT_ERROR, NULL, REASON_INVALID, e.msg[0] ? e.msg : REASON_INVALID);
    else
        answer(s, j, req, out, NULL, reason, NULL);
    na_authreq_destroy(req);
}

/* ---- workers --------------------------------------------------------------------------------- */

static void decide(na_callout *s, slot *sl, job *j)
{
    na_callout_grant g;
    na_err e = {0};
    na_status st;
    if (mono_ns() >= j->deadline_ns) {
        if (!atomic_exchange(&j->answered, true))
            answer_unopened(s, j, OUT_TIMEOUT, REASON_TIMEOUT);
        return;
    }
    st = na_callout_open(&j->req, j->data, j->len, j->xkey, &s->conf, unix_now(), &e);
    if (st != NA_OK || !j->req || !j->req->valid) {
        if (!atomic_exchange(&j->answered, true))
            answer(s, j, j->req, OUT_ERROR, NULL, REASON_INVALID,
                   e.msg[0] ? e.msg : REASON_INVALID);
        return;
    }
    pthread_mutex_lock(&sl->mu);
    sl->job = j;
    pthread_mutex_unlock(&sl->mu);

    na_callout_grant_init(&g);
    st = s->handler(s->handler_ud, j->req, &g, &e);

    pthread_mutex_lock(&sl->mu); /* from here on the watchdog cannot touch j */
    sl->job = NULL;
    pthread_mutex_unlock(&sl->mu);
    if (!atomic_exchange(&j->answered, true)) {
        if (mono_ns() > j->deadline_ns)
            answer(s, j, j->req, OUT_TIMEOUT, NULL, REASON_TIMEOUT,
                   "the handler returned after the deadline");
        else if (st == NA_OK)
            answer(s, j, j->req, OUT_ALLOW, &g, NULL, NULL);
        else
            answer(s, j, j->req, OUT_DENY, NULL, e.msg[0] ? e.msg : REASON_DENIED, NULL);
    }
    na_callout_grant_clear(&g);
}

static void *worker_main(void *arg)
{
    slot *sl = arg;
    na_callout *s = sl->owner;
    for (;;) {
        job *j;
        pthread_mutex_lock(&s->mu);
        while (!s->head && !s->quit)
            pthread_cond_wait(&s->cv_work, &s->mu);
        if (!s->head) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        j = s->head;
        s->head = j->next;
        if (!s->head)
            s->tail = NULL;
        s->queued--;
        atomic_store(&s->ctr->pending, s->queued);
        s->busy++;
        pthread_mutex_unlock(&s->mu);

        decide(s, sl, j);
        job_free(j);

        pthread_mutex_lock(&s->mu);
        s->busy--;
        if (!s->head && s->busy == 0)
            pthread_cond_broadcast(&s->cv_idle);
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

/* ---- watchdog ------------------------------------------------------------------------------ */

/* Answer (with an error counted in timeouts) and free a list of jobs taken
 * off the queue, each unless something answered it already. */
static void answer_unqueued(na_callout *s, job *list, const char *reason)
{
    while (list) {
        job *j = list;
        list = j->next;
        if (!atomic_exchange(&j->answered, true))
            answer_unopened(s, j, OUT_TIMEOUT, reason);
        job_free(j);
    }
}

/* Answer every queued job past its deadline (the queue is in deadline
 * order: every job has the same deadline_ms) and every handler still
 * running past it. */
static void watchdog_sweep(na_callout *s)
{
    int64_t now = mono_ns();
    job *late = NULL, **tail = &late;
    pthread_mutex_lock(&s->mu);
    while (s->head && s->head->deadline_ns <= now) {
        job *j = s->head;
        s->head = j->next;
        if (!s->head)
            s->tail = NULL;
        s->queued--;
        j->next = NULL;
        *tail = j;
        tail = &j->next;
    }
    atomic_store(&s->ctr->pending, s->queued);
    if (late && !s->head && s->busy == 0)
        pthread_cond_broadcast(&s->cv_idle);
    pthread_mutex_unlock(&s->mu);
    answer_unqueued(s, late, REASON_TIMEOUT);
    for (int i = 0; i < s->workers_started; i++) {
        slot *sl = &s->slots[i];
        pthread_mutex_lock(&sl->mu);
        if (sl->job && now >= sl->job->deadline_ns && !atomic_exchange(&sl->job->answered, true))
            answer(s, sl->job, sl->job->req, OUT_TIMEOUT, NULL, REASON_TIMEOUT,
                   "the handler did not return before the deadline");
        pthread_mutex_unlock(&sl->mu);
    }
}

static void *watchdog_main(void *arg)
{
    na_callout *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->wd_quit) {
        wait_until(&s->cv_tick, &s->mu, mono_ns() + (int64_t)s->tick_ms * 1000000);
        if (s->wd_quit)
            break;
        pthread_mutex_unlock(&s->mu);
        watchdog_sweep(s);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- libnats callbacks ------------------------------------------------------------------------
 */

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure)
{
    na_callout *s = closure;
    const char *reply = na_nl.natsMsg_GetReply(m);
    const char *xkey = NULL;
    int dlen = na_nl.natsMsg_GetDataLength(m);
    job *j = NULL;
    bool queued = false, stopping = false;
    (void)nc;
    (void)sub;
    atomic_fetch_add(&s->ctr->requests, 1);
    if (!reply || !*reply) {
        atomic_fetch_add(&s->ctr->dropped, 1);
        log_decision(s, NULL, OUT_ERROR, "", "request without a reply subject", 0, false);
        goto out;
    }
    j = job_new(reply, dlen > 0 ? (size_t)dlen : 0);
    if (!j) {
        atomic_fetch_add(&s->ctr->dropped, 1);
        log_decision(s, NULL, OUT_ERROR, "", "out of memory", 0, false);
        goto out;
    }
    j->recv_ns = mono_ns();
    j->deadline_ns = j->recv_ns + (int64_t)s->deadline_ms * 1000000;
    if (na_nl.natsMsgHeader_Get(m, NA_CALLOUT_XKEY_HEADER, &xkey) == NATS_OK && xkey)
        snprintf(j->xkey, sizeof j->xkey, "%s", xkey);
    if (!j->data) {
        /* no valid request is this big: answered at once, not copied */
        atomic_store(&j->answered, true);
        answer_unopened(s, j, OUT_ERROR, REASON_INVALID);
        goto out;
    }
    if (j->len)
        memcpy(j->data, na_nl.natsMsg_GetData(m), j->len);
    j->data[j->len] = 0;

    pthread_mutex_lock(&s->mu);
    stopping = s->quit; /* a message libnats still delivers after the drain */
    if (!stopping && s->queued < (size_t)s->max_pending) {
        if (s->tail)
            s->tail->next = j;
        else
            s->head = j;
        s->tail = j;
        s->queued++;
        atomic_store(&s->ctr->pending, s->queued);
        queued = true;
    }
    pthread_mutex_unlock(&s->mu);
    if (queued) /* after the unlock: the worker woken does not block on mu */
        pthread_cond_signal(&s->cv_work);
    if (!queued) {
        atomic_store(&j->answered, true);
        answer_unopened(s, j, OUT_ERROR, stopping ? REASON_STOPPING : REASON_OVERLOAD);
    }
out:
    if (!queued)
        job_free(j);
    na_nl.natsMsg_Destroy(m);
}

static void on_stats(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure)
{
    na_callout *s = closure;
    const char *reply = na_nl.natsMsg_GetReply(m);
    (void)sub;
    if (reply && *reply) {
        char *js = na_callout_counters_json(s);
        if (js)
            na_nl.natsConnection_Publish(nc, reply, js, (int)strlen(js));
        na_free(js);
    }
    na_nl.natsMsg_Destroy(m);
}

static void set_flag(na_callout *s, bool *flag)
{
    pthread_mutex_lock(&s->mu);
    *flag = true;
    pthread_cond_broadcast(&s->cv_done);
    pthread_mutex_unlock(&s->mu);
}

static void on_sub_done(void *closure)
{
    na_callout *s = closure;
    set_flag(s, &s->sub_done);
}

static void on_stats_done(void *closure)
{
    na_callout *s = closure;
    set_flag(s, &s->stats_done);
}

static void log_url_event(na_callout *s, natsConnection *nc, const char *event)
{
    char url[256] = "";
    if (nc)
        na_nl.natsConnection_GetConnectedUrl(nc, url, sizeof url);
    log_event(s, event, "url", url);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    na_callout *s = closure;
    (void)nc;
    atomic_store(&s->ctr->connected, false);
    log_event(s, "disconnected", NULL, NULL);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    na_callout *s = closure;
    atomic_fetch_add(&s->ctr->reconnects, 1);
    atomic_store(&s->ctr->connected, true);
    log_url_event(s, nc, "reconnected");
}

static void on_closed(natsConnection *nc, void *closure)
{
    na_callout *s = closure;
    (void)nc;
    atomic_store(&s->ctr->connected, false);
    log_event(s, "closed", NULL, NULL);
    set_flag(s, &s->closed_cb); /* last: stop frees s once it sees this */
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus st, void *closure)
{
    na_callout *s = closure;
    (void)nc;
    (void)sub;
    log_event(s, "error", "error", na_nl.natsStatus_GetText(st));
}

/* ---- connect ----------------------------------------------------------------------------------
 */

static na_status nats_fail(na_err *err, natsStatus ns, const char *what)
{
    char last[192];
    const char *text = na_nl.natsStatus_GetText(ns);
    na_nl_clean_copy(last, sizeof last, na_nl_last_error());
    na_fail(err, ns == NATS_TIMEOUT ? NA_ETIMEOUT : NA_ENET, "%s: %s%s%s", what, text,
            last[0] && strcmp(last, text) ? " - " : "", last[0] && strcmp(last, text) ? last : "");
    if (err)
        err->sub = (int)ns;
    return ns == NATS_TIMEOUT ? NA_ETIMEOUT : NA_ENET;
}

/* Where and as whom (libnats keeps its own copies of the password and
 * token: we cannot wipe those), TLS: shared by the service and
 * na_callout_stats_fetch. */
static natsStatus base_options(natsOptions **out, const char *url, const char *name,
                               int timeout_ms, const na_callout_opts *o)
{
    natsOptions *no = NULL;
    natsStatus ns = na_nl.natsOptions_Create(&no);
    if (ns == NATS_OK)
        ns = na_nl_set_url(no, url);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetName(no, name);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetTimeout(no, timeout_ms);
    if (ns == NATS_OK && o->creds_file && *o->creds_file)
        ns = na_nl.natsOptions_SetUserCredentialsFromFiles(no, o->creds_file, NULL);
    if (ns == NATS_OK && o->user && *o->user)
        ns = na_nl.natsOptions_SetUserInfo(no, o->user, o->password ? o->password : "");
    if (ns == NATS_OK && o->token && *o->token)
        ns = na_nl.natsOptions_SetToken(no, o->token);
    if (ns == NATS_OK && ((o->tls_ca && *o->tls_ca) || (o->tls_cert && *o->tls_cert)))
        ns = na_nl.natsOptions_SetSecure(no, true);
    if (ns == NATS_OK && o->tls_ca && *o->tls_ca)
        ns = na_nl.natsOptions_LoadCATrustedCertificates(no, o->tls_ca);
    if (ns == NATS_OK && o->tls_cert && *o->tls_cert)
        ns = na_nl.natsOptions_LoadCertificatesChain(no, o->tls_cert,
                                                     o->tls_key ? o->tls_key : o->tls_cert);
    if (ns != NATS_OK && no) {
        na_nl.natsOptions_Destroy(no);
        no = NULL;
    }
    *out = no;
    return ns;
}

/* The service's connections: base_options, reconnect forever. The main
 * one (batch false) sends at once and runs our connection callbacks; the
 * batch one leaves its writes to libnats' flusher and has no callbacks (so
 * nothing of it refers to s: stop can destroy it at once after closing). */
static natsStatus make_options(natsOptions **out, na_callout *s, const na_callout_opts *o,
                               bool batch)
{
    natsOptions *no = NULL;
    char name[300];
    natsStatus ns;
    /* the batch connection has a name of its own: the server's connz
     * shows one connection per instance under the configured name */
    snprintf(name, sizeof name, "%s%s", s->name, batch ? "-answers" : "");
    ns = base_options(&no, s->url, name, CONNECT_TIMEOUT_MS, o);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetMaxReconnect(no, -1);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetReconnectWait(no, RECONNECT_WAIT_MS);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetReconnectBufSize(no, RECONNECT_BUF_SIZE);
    /* a lone answer goes out from the worker's publish: libnats' flusher
     * would otherwise wake twice per answer and wait 1 ms (see the header) */
    if (ns == NATS_OK && !batch)
        ns = na_nl.natsOptions_SetSendAsap(no, true);
    if (ns != NATS_OK || batch)
        goto out;
    ns = na_nl.natsOptions_SetDisconnectedCB(no, on_disconnected, s);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetReconnectedCB(no, on_reconnected, s);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetClosedCB(no, on_closed, s);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetErrorHandler(no, on_async_error, s);
out:
    if (ns != NATS_OK && no) {
        na_nl.natsOptions_Destroy(no);
        no = NULL;
    }
    *out = no;
    return ns;
}

/* The first connect, retried for FIRST_CONNECT_WAIT_MS (the server may be
 * starting). An authorization refusal is retried a few times only: libnats
 * < 3.8 drops a nonce signature starting with 0x00, 1 connect in 256 with
 * a creds file, and the next attempt gets a new nonce. A TLS handshake
 * failure is too: the server is up, and a certificate it does not accept
 * or one we do not trust will not change by waiting. */
static natsStatus connect_until(natsConnection **nc, natsOptions *no, int64_t end_ns)
{
    natsStatus ns;
    int auth_fails = 0;
    for (;;) {
        ns = na_nl.natsConnection_Connect(nc, no);
        if (ns == NATS_OK)
            return ns;
        *nc = NULL;
        if (ns == NATS_CONNECTION_AUTH_FAILED || ns == NATS_SSL_ERROR ||
            contains_ci(na_nl_last_error(), "authoriz")) {
            if (++auth_fails >= AUTH_FAIL_ATTEMPTS)
                return ns;
        } else if (mono_ns() >= end_ns) {
            return ns;
        }
        usleep(200 * 1000);
    }
}

static na_status connect_fail(na_err *err, natsStatus ns, const char *url_list)
{
    char what[300];
    char url[200];
    na_nl_clean_copy(url, sizeof url, url_list);
    snprintf(what, sizeof what, "cannot connect to '%s'", url);
    return nats_fail(err, ns, what);
}

/* The batch connection, one attempt right after the main one: without it
 * the main connection sends every answer (slower under load, still right). */
static void connect_batch(na_callout *s, const na_callout_opts *o)
{
    natsOptions *no = NULL;
    natsStatus ns = make_options(&no, s, o, true);
    if (ns == NATS_OK)
        ns = connect_until(&s->nc_batch, no, 0);
    na_nl.natsOptions_Destroy(no);
    if (ns != NATS_OK) {
        s->nc_batch = NULL;
        log_event(s, "error", "error",
                  "no second connection for answers under load: the main one sends them all");
    }
}

static na_status first_connect(na_callout *s, const na_callout_opts *o, na_err *err)
{
    natsOptions *no = NULL;
    natsStatus ns = make_options(&no, s, o, false);
    if (ns != NATS_OK)
        return nats_fail(err, ns, "cannot set up the connection to the server");
    ns = connect_until(&s->nc, no, mono_ns() + (int64_t)FIRST_CONNECT_WAIT_MS * 1000000);
    na_nl.natsOptions_Destroy(no);
    if (ns != NATS_OK)
        return connect_fail(err, ns, s->url);
    atomic_store(&s->ctr->connected, true);
    log_url_event(s, s->nc, "connected");
    connect_batch(s, o);
    return NA_OK;
}

static na_status subscribe(na_callout *s, na_err *err)
{
    natsStatus ns =
        na_nl.natsConnection_QueueSubscribe(&s->sub, s->nc, s->subject, s->queue, on_request, s);
    if (ns == NATS_OK)
        ns = na_nl.natsSubscription_SetOnCompleteCB(s->sub, on_sub_done, s);
    if (ns == NATS_OK && s->stats_subject) {
        ns = na_nl.natsConnection_Subscribe(&s->stats, s->nc, s->stats_subject, on_stats, s);
        if (ns == NATS_OK)
            ns = na_nl.natsSubscription_SetOnCompleteCB(s->stats, on_stats_done, s);
    }
    if (ns == NATS_OK) /* the server knows the subscriptions when start returns */
        ns = na_nl.natsConnection_FlushTimeout(s->nc, CONNECT_TIMEOUT_MS);
    if (ns != NATS_OK)
        return nats_fail(err, ns, "cannot subscribe to the authorization requests");
    return NA_OK;
}

/* ---- lifecycle ---------------------------------------------------------------------------------
 */

static int default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}

static na_status check_opts(const na_callout_opts *o, na_err *err)
{
    if (!o)
        return na_fail(err, NA_EINVAL, "callout: no options");
    if (!o->handler)
        return na_fail(err, NA_EINVAL, "callout: no handler");
    if (!o->conf.issuer || !na_nkey_has_seed(o->conf.issuer) ||
        na_nkey_type_of(o->conf.issuer) != NA_NKEY_ACCOUNT)
        return na_fail(err, NA_EINVAL,
                       "callout: the issuer must be an account key (or signing key) with its seed");
    if (o->conf.xkey &&
        (!na_nkey_has_seed(o->conf.xkey) || na_nkey_type_of(o->conf.xkey) != NA_NKEY_CURVE))
        return na_fail(err, NA_EINVAL, "callout: the xkey must be a curve key with its seed");
    if (o->workers < 0 || o->workers > MAX_WORKERS)
        return na_fail(err, NA_EINVAL, "callout: workers %d out of range (0..%d)", o->workers,
                       MAX_WORKERS);
    if (o->deadline_ms < 0 || o->max_pending < 0)
        return na_fail(err, NA_EINVAL, "callout: negative deadline_ms or max_pending");
    if (o->tls_key && *o->tls_key && !(o->tls_cert && *o->tls_cert))
        return na_fail(err, NA_EINVAL, "callout: a TLS key without its certificate");
    return NA_OK;
}

/* Allocate s and copy the settings (no thread, no connection yet). */
static na_status service_new(na_callout **out, const na_callout_opts *o, na_err *err)
{
    na_callout *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s || !(s->ctr = calloc(1, sizeof *s->ctr))) {
        free(s);
        return na_fail(err, NA_ENOMEM, "callout: out of memory");
    }
    *out = s;
    s->url = dup_or(o->url, DEFAULT_URL);
    s->name = dup_or(o->name, DEFAULT_NAME);
    s->subject = dup_or(o->subject, NA_CALLOUT_SUBJECT);
    s->queue = dup_or(o->queue, DEFAULT_QUEUE);
    s->stats_subject = o->stats_subject && *o->stats_subject ? strdup(o->stats_subject) : NULL;
    s->deadline_ms = o->deadline_ms ? o->deadline_ms : DEFAULT_DEADLINE_MS;
    s->max_pending = o->max_pending ? o->max_pending : DEFAULT_MAX_PENDING;
    s->tick_ms = s->deadline_ms / 20;
    if (s->tick_ms < WATCHDOG_TICK_MIN_MS)
        s->tick_ms = WATCHDOG_TICK_MIN_MS;
    if (s->tick_ms > WATCHDOG_TICK_MAX_MS)
        s->tick_ms = WATCHDOG_TICK_MAX_MS;
    s->nworkers = o->workers ? o->workers : default_workers();
    s->ctr->workers = s->nworkers;
    s->conf = o->conf;
    s->handler = o->handler;
    s->handler_ud = o->handler_ud;
    s->logger = o->logger;
    s->logger_ud = o->logger_ud;
    s->slots = calloc((size_t)s->nworkers, sizeof *s->slots);
    s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
    if (!s->url || !s->name || !s->subject || !s->queue ||
        (o->stats_subject && *o->stats_subject && !s->stats_subject) || !s->slots || !s->workers)
        return na_fail(err, NA_ENOMEM, "callout: out of memory");
    if (pthread_mutex_init(&s->mu, NULL) || cond_init_mono(&s->cv_work) ||
        cond_init_mono(&s->cv_idle) || cond_init_mono(&s->cv_tick) || cond_init_mono(&s->cv_done))
        return na_fail(err, NA_ENOMEM, "callout: cannot create the locks");
    for (int i = 0; i < s->nworkers; i++) {
        s->slots[i].owner = s;
        if (pthread_mutex_init(&s->slots[i].mu, NULL))
            return na_fail(err, NA_ENOMEM, "callout: cannot create the locks");
    }
    if (s->conf.xkey && !s->conf.xcache) {
        na_status st = na_callout_xcache_create(&s->own_xcache, s->conf.xkey, XCACHE_ENTRIES, err);
        if (st != NA_OK)
            return st;
        s->conf.xcache = s->own_xcache;
    }
    return NA_OK;
}

/* Workers first: the watchdog reads workers_started without a lock, so it
 * must not change once the watchdog runs. */
static na_status start_threads(na_callout *s, na_err *err)
{
    for (int i = 0; i < s->nworkers; i++) {
        if (pthread_create(&s->workers[i], NULL, worker_main, &s->slots[i]) != 0)
            return na_fail(err, NA_ENOMEM, "callout: cannot start worker %d", i + 1);
        s->workers_started = i + 1;
    }
    if (pthread_create(&s->watchdog, NULL, watchdog_main, s) != 0)
        return na_fail(err, NA_ENOMEM, "callout: cannot start the watchdog thread");
    s->watchdog_started = true;
    return NA_OK;
}

/* Free s; libnats must be done with it (or never have seen it). */
static void service_free(na_callout *s)
{
    while (s->head) {
        job *j = s->head;
        s->head = j->next;
        job_free(j);
    }
    if (s->slots)
        for (int i = 0; i < s->nworkers; i++)
            pthread_mutex_destroy(&s->slots[i].mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv_work);
    pthread_cond_destroy(&s->cv_idle);
    pthread_cond_destroy(&s->cv_tick);
    pthread_cond_destroy(&s->cv_done);
    na_callout_xcache_destroy(s->own_xcache);
    free(s->slots);
    free(s->workers);
    free(s->url);
    free(s->name);
    free(s->subject);
    free(s->queue);
    free(s->stats_subject);
    free(s->ctr);
    free(s);
}

na_status na_callout_start(na_callout **out, const na_callout_opts *opts, na_err *err)
{
    na_callout *s = NULL;
    na_status st;
    if (!out)
        return na_fail(err, NA_EINVAL, "callout: no output handle");
    *out = NULL;
    if ((st = check_opts(opts, err)) != NA_OK || (st = na_nl_load(err)) != NA_OK)
        return st;
    if ((st = service_new(&s, opts, err)) != NA_OK)
        goto fail;
    /* workers first: a request may arrive as soon as the subscription exists */
    if ((st = start_threads(s, err)) != NA_OK)
        goto fail;
    if ((st = first_connect(s, opts, err)) != NA_OK)
        goto fail;
    if ((st = subscribe(s, err)) != NA_OK)
        goto fail;
    *out = s;
    return NA_OK;
fail:
    if (s && s->nc) {
        na_callout_stop(s, 0);
        return st;
    }
    if (s) {
        pthread_mutex_lock(&s->mu);
        s->quit = s->wd_quit = true;
        pthread_cond_broadcast(&s->cv_work);
        pthread_cond_broadcast(&s->cv_tick);
        pthread_mutex_unlock(&s->mu);
        for (int i = 0; i < s->workers_started; i++)
            pthread_join(s->workers[i], NULL);
        if (s->watchdog_started)
            pthread_join(s->watchdog, NULL);
        service_free(s);
    }
    return st;
}

void na_callout_counters_get(const na_callout *s, na_callout_counters *out)
{
    counters *c;
    memset(out, 0, sizeof *out);
    if (!s)
        return;
    c = s->ctr;
    out->requests = atomic_load(&c->requests);
    out->allowed = atomic_load(&c->allowed);
    out->denied = atomic_load(&c->denied);
    out->errors = atomic_load(&c->errors);
    out->timeouts = atomic_load(&c->timeouts);
    out->dropped = atomic_load(&c->dropped);
    for (int i = 0; i < NA_CALLOUT_LAT_BUCKETS; i++)
        out->latency[i] = atomic_load(&c->latency[i]);
    out->reconnects = atomic_load(&c->reconnects);
    out->connected = atomic_load(&c->connected);
}

char *na_callout_counters_json(const na_callout *s)
{
    na_callout_counters c;
    json_t *o = json_object(), *bounds = json_array(), *counts = json_array();
    char *text = NULL, *out = NULL;
    if (!s || !o || !bounds || !counts)
        goto done;
    na_callout_counters_get(s, &c);
    json_object_set_new(o, "requests", json_integer((json_int_t)c.requests));
    json_object_set_new(o, "allowed", json_integer((json_int_t)c.allowed));
    json_object_set_new(o, "denied", json_integer((json_int_t)c.denied));
    json_object_set_new(o, "errors", json_integer((json_int_t)c.errors));
    json_object_set_new(o, "timeouts", json_integer((json_int_t)c.timeouts));
    json_object_set_new(o, "dropped", json_integer((json_int_t)c.dropped));
    json_object_set_new(o, "reconnects", json_integer((json_int_t)c.reconnects));
    json_object_set_new(o, "connected", json_boolean(c.connected));
    json_object_set_new(o, "pending", json_integer((json_int_t)atomic_load(&s->ctr->pending)));
    json_object_set_new(o, "workers", json_integer(s->ctr->workers));
    for (int i = 0; i < NA_CALLOUT_LAT_BUCKETS; i++) {
        if (i < NA_CALLOUT_LAT_BUCKETS - 1)
            json_array_append_new(bounds, json_integer(na_callout_lat_bounds_us[i]));
        json_array_append_new(counts, json_integer((json_int_t)c.latency[i]));
    }
    /* latency.counts[i] counts answers taking at most bounds_us[i] (the
     * last count: more than the last bound) */
    json_object_set_new(o, "latency",
                        json_pack("{s:O,s:O}", "bounds_us", bounds, "counts", counts));
    text = json_dumps(o, JSON_COMPACT);
    if (text) { /* natsauth strings are freed with na_free */
        size_t n = strlen(text) + 1;
        if ((out = malloc(n)) != NULL)
            memcpy(out, text, n);
    }
done:
    free(text);
    json_decref(bounds);
    json_decref(counts);
    json_decref(o);
    return out;
}

/* Wait for a flag set by a libnats callback, at most until at_ns. */
static bool wait_flag(na_callout *s, const bool *flag, int64_t at_ns)
{
    bool ok;
    pthread_mutex_lock(&s->mu);
    while (!*flag && wait_until(&s->cv_done, &s->mu, at_ns))
        ;
    ok = *flag;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* Stop taking requests and let the workers answer the queued ones until
 * at_ns; whatever is still queued then is answered with an error. */
static void drain_requests(na_callout *s, int64_t at_ns)
{
    job *rest;
    int64_t left_ms = (at_ns - mono_ns()) / 1000000;
    if (s->stats)
        na_nl.natsSubscription_Unsubscribe(s->stats);
    if (s->sub) {
        if (left_ms > 0 && na_nl.natsSubscription_DrainTimeout(s->sub, left_ms) == NATS_OK)
            na_nl.natsSubscription_WaitForDrainCompletion(s->sub, left_ms);
        else
            na_nl.natsSubscription_Unsubscribe(s->sub);
    }
    pthread_mutex_lock(&s->mu);
    while ((s->head || s->busy) && wait_until(&s->cv_idle, &s->mu, at_ns))
        ;
    rest = s->head;
    s->head = s->tail = NULL;
    s->queued = 0;
    atomic_store(&s->ctr->pending, 0);
    s->quit = true;
    pthread_cond_broadcast(&s->cv_work);
    pthread_mutex_unlock(&s->mu);
    answer_unqueued(s, rest, REASON_STOPPING);
}

void na_callout_stop(na_callout *s, int drain_timeout_ms)
{
    int64_t end;
    bool done = true;
    if (!s)
        return;
    end = mono_ns() + (int64_t)(drain_timeout_ms > 0 ? drain_timeout_ms : 0) * 1000000;
    drain_requests(s, end);
    /* the workers finish their handlers (a hung one is waited for: it may
     * still use the request and its own state), the watchdog answers late
     * ones meanwhile */
    for (int i = 0; i < s->workers_started; i++)
        pthread_join(s->workers[i], NULL);
    pthread_mutex_lock(&s->mu);
    s->wd_quit = true;
    pthread_cond_broadcast(&s->cv_tick);
    pthread_mutex_unlock(&s->mu);
    if (s->watchdog_started)
        pthread_join(s->watchdog, NULL);

    if (s->nc_batch) { /* no callbacks: nothing of it refers to s */
        na_nl.natsConnection_FlushTimeout(s->nc_batch, 1000);
        na_nl.natsConnection_Close(s->nc_batch);
        na_nl.natsConnection_Destroy(s->nc_batch);
        s->nc_batch = NULL;
    }
    if (s->nc) {
        int64_t cb_end;
        na_nl.natsConnection_FlushTimeout(s->nc, 1000);
        na_nl.natsConnection_Close(s->nc);
        /* libnats runs our callbacks on its own threads: s must live until
         * it says the last one is done */
        cb_end = mono_ns() + (int64_t)CLOSE_WAIT_MS * 1000000;
        done = wait_flag(s, &s->closed_cb, cb_end);
        if (s->sub)
            done = wait_flag(s, &s->sub_done, cb_end) && done;
        if (s->stats)
            done = wait_flag(s, &s->stats_done, cb_end) && done;
        if (s->sub)
            na_nl.natsSubscription_Destroy(s->sub);
        if (s->stats)
            na_nl.natsSubscription_Destroy(s->stats);
        na_nl.natsConnection_Destroy(s->nc);
    }
    if (done)
        service_free(s);
    /* else: libnats never said it is done with s; leaking it is safer */
}

/* ---- stats fetch (natsauth callout status) ------------------------------------------------ */

/* The stats answer as a new NUL-terminated string (na_free); it must be a
 * JSON object (a stranger answering on the subject is caught here). */
static na_status stats_copy(char **json, natsMsg *m, const char *subj, na_err *err)
{
    int n = na_nl.natsMsg_GetDataLength(m);
    const char *data = na_nl.natsMsg_GetData(m);
    json_t *j = n > 0 ? json_loadb(data, (size_t)n, 0, NULL) : NULL;
    bool object = json_is_object(j);
    json_decref(j);
    if (!object)
        return na_fail(err, NA_EJSON, "callout stats: the answer on '%s' is not a JSON object",
                       subj);
    if (!(*json = malloc((size_t)n + 1)))
        return na_fail(err, NA_ENOMEM, "callout stats: out of memory");
    memcpy(*json, data, (size_t)n);
    (*json)[n] = '\0';
    return NA_OK;
}

na_status na_callout_stats_fetch(char **json, const na_callout_opts *opts, int timeout_ms,
                                 na_err *err)
{
    natsOptions *no = NULL;
    natsConnection *nc = NULL;
    natsMsg *m = NULL;
    natsStatus ns;
    na_status st;
    char subj[200];
    const char *url;
    if (!json || !opts)
        return na_fail(err, NA_EINVAL, "callout stats: no output or no options");
    *json = NULL;
    if (!opts->stats_subject || !*opts->stats_subject)
        return na_fail(err, NA_EINVAL,
                       "callout stats: no stats_subject set: the service publishes no counters");
    if ((st = na_nl_load(err)) != NA_OK)
        return st;
    na_nl_clean_copy(subj, sizeof subj, opts->stats_subject);
    url = opts->url && *opts->url ? opts->url : DEFAULT_URL;
    if (timeout_ms <= 0)
        timeout_ms = CONNECT_TIMEOUT_MS;
    ns = base_options(&no, url, DEFAULT_STATS_NAME, timeout_ms, opts);
    if (ns == NATS_OK)
        ns = na_nl.natsOptions_SetAllowReconnect(no, false);
    if (ns != NATS_OK) {
        na_nl.natsOptions_Destroy(no);
        return nats_fail(err, ns, "callout stats: cannot set up the connection to the server");
    }
    ns = connect_until(&nc, no, 0); /* one attempt (and the libnats < 3.8 retries) */
    na_nl.natsOptions_Destroy(no);
    if (ns != NATS_OK)
        return connect_fail(err, ns, url);
    ns = na_nl.natsConnection_Request(&m, nc, opts->stats_subject, "", 0, timeout_ms);
    if (ns == NATS_OK)
        st = stats_copy(json, m, subj, err);
    else if (ns == NATS_NO_RESPONDERS)
        st = na_fail(err, NA_ENOTFOUND, "callout stats: no callout service answers on '%s'", subj);
    else if (ns == NATS_TIMEOUT)
        st = na_fail(err, NA_ETIMEOUT, "callout stats: no answer on '%s' within %d ms", subj,
                     timeout_ms);
    else
        st = nats_fail(err, ns, "callout stats: the request failed");
    na_nl.natsMsg_Destroy(m);
    na_nl.natsConnection_Destroy(nc);
    return st;
}
