/*
 * fetch: the network worker thread of ctvtui (see fetch.h).
 *
 * Queue in, queue out, both under one mutex; a self-pipe wakes the UI. The
 * worker's apiclient refreshes an expired access token by itself; the new
 * pair is posted as a FETCH_TOKENS result because only the UI thread may
 * touch clientcfg (it is not thread-safe) and write the token file.
 * Expected load: a handful of requests a second at most (live stats poll
 * every few seconds), so one thread and a linked list are plenty.
 */
#include "fetch.h"

#include "lib/clock.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FETCH_QUEUE_MAX 64
#define FETCH_FIELDS_MAX 16

struct job {
    struct job *next;
    enum fetch_op op;
    unsigned owner;
    int tag;
    char method[8];
    char *path;
    char *body; /* JSON text */
    char *email;
    char *password;
    char *file;
    char *fields[FETCH_FIELDS_MAX + 1];
};

struct result_node {
    struct result_node *next;
    struct fetch_result *r;
};

struct fetch {
    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *jobs, **jobs_tail;
    int njobs;
    int running; /* a job is in flight */
    struct result_node *results, **results_tail;
    int pipe_r, pipe_w;
    int stop;
    _Atomic unsigned cancel_owner; /* owner whose upload must abort, 0 none */
    unsigned current_owner;
    char *server; /* guarded by mu; the worker re-reads it per job */
    int server_changed;
    long timeout_ms;
    char *access, *refresh; /* initial tokens, handed to the client */
    struct apiclient *client; /* worker thread only */
    int exited;               /* worker done, guarded by mu */
    pthread_cond_t exited_cv;
};

static void job_free(struct job *j)
{
    if (j == NULL)
        return;
    free(j->path);
    free(j->body);
    free(j->email);
    if (j->password) {
        explicit_bzero(j->password, strlen(j->password));
        free(j->password);
    }
    free(j->file);
    for (size_t i = 0; i < FETCH_FIELDS_MAX && j->fields[i]; i++)
        free(j->fields[i]);
    free(j);
}

void fetch_result_free(struct fetch_result *r)
{
    if (r == NULL)
        return;
    json_decref(r->json);
    free(r->access_token);
    free(r->refresh_token);
    free(r);
}

/* Called with mu held. */
static void post_locked(struct fetch *f, struct fetch_result *r)
{
    struct result_node *n = xcalloc(1, sizeof *n);
    n->r = r;
    *f->results_tail = n;
    f->results_tail = &n->next;
    char b = 1;
    /* the pipe is non-blocking: full means the UI already has a wake-up */
    ssize_t rc = write(f->pipe_w, &b, 1);
    (void)rc;
}

static void post(struct fetch *f, struct fetch_result *r)
{
    pthread_mutex_lock(&f->mu);
    post_locked(f, r);
    pthread_mutex_unlock(&f->mu);
}

static void on_tokens(void *ctx, const char *access, const char *refresh)
{
    struct fetch *f = ctx;
    struct fetch_result *r = xcalloc(1, sizeof *r);
    r->kind = FETCH_TOKENS;
    r->access_token = access ? xstrdup(access) : NULL;
    r->refresh_token = refresh ? xstrdup(refresh) : NULL;
    post(f, r);
}

struct upload_ctx {
    struct fetch *f;
    unsigned owner;
    int tag;
    int64_t last_ms;
};

static int on_progress(void *ctx, uint64_t sent, uint64_t total)
{
    struct upload_ctx *u = ctx;
    if (atomic_load(&u->f->cancel_owner) == u->owner)
        return 1;
    int64_t now = clock_mono_ms();
    if (now - u->last_ms < 100 && !(total > 0 && sent == total))
        return 0;
    u->last_ms = now;
    struct fetch_result *r = xcalloc(1, sizeof *r);
    r->kind = FETCH_PROGRESS;
    r->owner = u->owner;
    r->tag = u->tag;
    r->sent = sent;
    r->total = total;
    post(u->f, r);
    return 0;
}

static void run_job(struct fetch *f, struct job *j, struct fetch_result *r)
{
    struct apiclient_response resp;
    memset(&resp, 0, sizeof resp);
    int64_t t0 = clock_mono_ms();
    switch (j->op) {
    case FETCH_REQUEST: {
        json_t *body = NULL;
        if (j->body) {
            body = json_loads(j->body, 0, NULL);
            if (body == NULL) {
                r->err = APICLIENT_ELOCAL;
                snprintf(r->message, sizeof r->message, "request body is not JSON");
                return;
            }
        }
        apiclient_request(f->client, j->method, j->path, body, 0, &resp);
        json_decref(body);
        break;
    }
    case FETCH_LOGIN:
        apiclient_login(f->client, j->email, j->password, &resp);
        if (resp.err == APICLIENT_OK)
            on_tokens(f, apiclient_access_token(f->client), apiclient_refresh_token(f->client));
        break;
    case FETCH_UPLOAD: {
        struct upload_ctx u = {f, j->owner, j->tag, 0};
        const char *ct = "video/mp4";
        const char *dot = strrchr(j->file, '.');
        if (dot && strcasecmp(dot, ".mov") == 0)
            ct = "video/quicktime";
        else if (dot && strcasecmp(dot, ".avi") == 0)
            ct = "video/x-msvideo";
        else if (dot && strcasecmp(dot, ".webm") == 0)
            ct = "video/webm";
        apiclient_upload(f->client, j->path, "video", j->file, NULL, ct,
                         (const char *const *)j->fields, on_progress, &u, &resp);
        break;
    }
    }
    r->err = resp.err;
    r->status = resp.status;
    r->json = resp.json;
    resp.json = NULL;
    snprintf(r->message, sizeof r->message, "%s", resp.message);
    r->elapsed_ms = clock_mono_ms() - t0;
    r->retry_after = resp.retry_after;
    apiclient_response_release(&resp);
}

static void *worker(void *arg)
{
    struct fetch *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (!f->stop && f->jobs == NULL)
            pthread_cond_wait(&f->cv, &f->mu);
        if (f->stop)
            break;
        struct job *j = f->jobs;
        f->jobs = j->next;
        if (f->jobs == NULL)
            f->jobs_tail = &f->jobs;
        f->njobs--;
        f->running = 1;
        f->current_owner = j->owner;
        char *server = f->server_changed ? xstrdup(f->server) : NULL;
        f->server_changed = 0;
        pthread_mutex_unlock(&f->mu);

        if (server) {
            /* a new server: a new client (its tokens belong to the old one) */
            struct apiclient *c = apiclient_new(server, f->timeout_ms);
            if (c) {
                apiclient_free(f->client);
                f->client = c;
                apiclient_on_tokens(c, on_tokens, f);
            }
            free(server);
        }
        struct fetch_result *r = xcalloc(1, sizeof *r);
        r->kind = FETCH_DONE;
        r->owner = j->owner;
        r->tag = j->tag;
        run_job(f, j, r);
        job_free(j);

        pthread_mutex_lock(&f->mu);
        f->running = 0;
        f->current_owner = 0;
        post_locked(f, r);
    }
    f->exited = 1;
    pthread_cond_broadcast(&f->exited_cv);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

struct fetch *fetch_new(const char *server, long timeout_ms, const char *access_token,
                        const char *refresh_token, char *err, size_t errlen)
{
    struct fetch *f = xcalloc(1, sizeof *f);
    int fds[2] = {-1, -1};
    f->jobs_tail = &f->jobs;
    f->results_tail = &f->results;
    f->timeout_ms = timeout_ms;
    f->server = xstrdup(server);
    f->pipe_r = f->pipe_w = -1;
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    f->pipe_r = fds[0];
    f->pipe_w = fds[1];
    f->client = apiclient_new(server, timeout_ms);
    if (f->client == NULL) {
        snprintf(err, errlen, "cannot make an HTTP client");
        goto fail;
    }
    apiclient_set_tokens(f->client, access_token, refresh_token);
    apiclient_on_tokens(f->client, on_tokens, f);
    if (pthread_mutex_init(&f->mu, NULL) != 0 || pthread_cond_init(&f->cv, NULL) != 0 ||
        pthread_cond_init(&f->exited_cv, NULL) != 0) {
        snprintf(err, errlen, "cannot make the worker's locks");
        goto fail;
    }
    int rc = pthread_create(&f->thread, NULL, worker, f);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the network thread: %s", strerror(rc));
        goto fail;
    }
    f->thread_started = 1;
    return f;
fail:
    apiclient_free(f->client);
    if (f->pipe_r >= 0)
        close(f->pipe_r);
    if (f->pipe_w >= 0)
        close(f->pipe_w);
    free(f->server);
    free(f);
    return NULL;
}

void fetch_free(struct fetch *f, long wait_ms)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    if (f->running)
        atomic_store(&f->cancel_owner, f->current_owner);
    pthread_cond_broadcast(&f->cv);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    while (!f->exited && rc == 0)
        rc = pthread_cond_timedwait(&f->exited_cv, &f->mu, &until);
    int exited = f->exited;
    pthread_mutex_unlock(&f->mu);
    if (!exited)
        return; /* a request is still in flight: leave it to the process exit */
    pthread_join(f->thread, NULL);
    while (f->jobs) {
        struct job *j = f->jobs;
        f->jobs = j->next;
        job_free(j);
    }
    while (f->results) {
        struct result_node *n = f->results;
        f->results = n->next;
        fetch_result_free(n->r);
        free(n);
    }
    apiclient_free(f->client);
    close(f->pipe_r);
    close(f->pipe_w);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    pthread_cond_destroy(&f->exited_cv);
    free(f->server);
    free(f);
}

int fetch_fd(const struct fetch *f)
{
    return f->pipe_r;
}

int fetch_submit(struct fetch *f, const struct fetch_job *in)
{
    struct job *j = xcalloc(1, sizeof *j);
    j->op = in->op;
    j->owner = in->owner;
    j->tag = in->tag;
    snprintf(j->method, sizeof j->method, "%s", in->method ? in->method : "GET");
    j->path = xstrdup(in->path ? in->path : "/");
    if (in->body) {
        j->body = json_dumps(in->body, JSON_COMPACT);
        if (j->body == NULL) {
            job_free(j);
            return -1;
        }
    }
    j->email = in->email ? xstrdup(in->email) : NULL;
    j->password = in->password ? xstrdup(in->password) : NULL;
    j->file = in->file ? xstrdup(in->file) : NULL;
    for (size_t i = 0; in->fields && in->fields[i] && i < FETCH_FIELDS_MAX; i++)
        j->fields[i] = xstrdup(in->fields[i]);
    pthread_mutex_lock(&f->mu);
    if (f->njobs >= FETCH_QUEUE_MAX) {
        pthread_mutex_unlock(&f->mu);
        job_free(j);
        return -1;
    }
    if (atomic_load(&f->cancel_owner) == in->owner)
        atomic_store(&f->cancel_owner, 0);
    *f->jobs_tail = j;
    f->jobs_tail = &j->next;
    f->njobs++;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

void fetch_cancel(struct fetch *f, unsigned owner)
{
    pthread_mutex_lock(&f->mu);
    if (f->running && f->current_owner == owner)
        atomic_store(&f->cancel_owner, owner);
    struct job **pp = &f->jobs;
    while (*pp) {
        struct job *j = *pp;
        if (j->owner == owner) {
            *pp = j->next;
            job_free(j);
            f->njobs--;
        } else {
            pp = &j->next;
        }
    }
    f->jobs_tail = &f->jobs;
    while (*f->jobs_tail)
        f->jobs_tail = &(*f->jobs_tail)->next;
    pthread_mutex_unlock(&f->mu);
}

struct fetch_result *fetch_take(struct fetch *f)
{
    char drain[64];
    while (read(f->pipe_r, drain, sizeof drain) > 0)
        ;
    pthread_mutex_lock(&f->mu);
    struct result_node *n = f->results;
    if (n) {
        f->results = n->next;
        if (f->results == NULL)
            f->results_tail = &f->results;
    }
    pthread_mutex_unlock(&f->mu);
    if (n == NULL)
        return NULL;
    struct fetch_result *r = n->r;
    free(n);
    return r;
}

int fetch_pending(struct fetch *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->njobs + f->running;
    pthread_mutex_unlock(&f->mu);
    return n;
}

void fetch_set_server(struct fetch *f, const char *server)
{
    pthread_mutex_lock(&f->mu);
    free(f->server);
    f->server = xstrdup(server);
    f->server_changed = 1;
    pthread_mutex_unlock(&f->mu);
}
