/*
 * kv_async: see kv_async.h.
 *
 * Invariants: a job is on exactly one list at a time (the shared stack,
 * then the I/O thread's private FIFO) until done() is called, after which
 * kv_async never touches it again. Only the I/O thread uses its kv
 * connection, so the pipeline needs no lock either.
 */
#include "redis/kv_async.h"
#include "core/bgthread.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "redis/kv.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kv_async {
    struct kv *kv;
    int timeout_ms;
    const char *const *scripts;
    size_t nscripts;
    struct bgthread *t;

    _Atomic(struct kv_async_job *) head; /* pushed by submitters, newest first */
    atomic_int queued;                   /* submitted, done() not yet called */
    atomic_bool stopping;

    /* I/O thread only: jobs taken from the stack, oldest first. */
    struct kv_async_job *fifo, *fifo_tail;
    /* I/O thread only: the scripts were loaded on the current connection. */
    bool loaded;

    atomic_ulong ok, timeouts, down, pipelines, commands;
};

static void finish(struct kv_async *q, struct kv_async_job *job, enum kv_async_status st,
                   const redisReply *reply)
{
    switch (st) {
    case KV_ASYNC_OK:
        atomic_fetch_add(&q->ok, 1);
        break;
    case KV_ASYNC_TIMEOUT:
        atomic_fetch_add(&q->timeouts, 1);
        break;
    case KV_ASYNC_DOWN:
    case KV_ASYNC_STOPPED:
        atomic_fetch_add(&q->down, 1);
        break;
    }
    atomic_fetch_sub(&q->queued, 1);
    job->done(job, st, reply);
}

void kv_async_submit(struct kv_async *q, struct kv_async_job *job)
{
    struct kv_async_job *old;

    if (atomic_fetch_add(&q->queued, 1) >= KV_ASYNC_QUEUE_MAX) {
        finish(q, job, KV_ASYNC_DOWN, NULL);
        return;
    }
    if (atomic_load(&q->stopping)) {
        finish(q, job, KV_ASYNC_STOPPED, NULL);
        return;
    }
    job->deadline_ms = clock_mono_ms() + q->timeout_ms;
    old = atomic_load(&q->head);
    do {
        job->next = old;
    } while (!atomic_compare_exchange_weak(&q->head, &old, job));
    /* Only the push onto an empty stack wakes: the thread empties it on every pass. */
    if (old == NULL)
        bgthread_wake(q->t);
}

/* Move everything pushed so far to the end of the private FIFO, oldest first. */
static void take(struct kv_async *q)
{
    struct kv_async_job *j = atomic_exchange(&q->head, NULL), *rev = NULL, *tail;

    if (j == NULL)
        return;
    tail = j;
    while (j != NULL) {
        struct kv_async_job *next = j->next;
        j->next = rev;
        rev = j;
        j = next;
    }
    if (q->fifo_tail != NULL)
        q->fifo_tail->next = rev;
    else
        q->fifo = rev;
    q->fifo_tail = tail;
}

static size_t pop_batch(struct kv_async *q, struct kv_async_job **jobs, size_t max)
{
    size_t n = 0;

    while (n < max && q->fifo != NULL) {
        jobs[n++] = q->fifo;
        q->fifo = q->fifo->next;
    }
    if (q->fifo == NULL)
        q->fifo_tail = NULL;
    return n;
}

/* SCRIPT LOAD every registered script; 0 when all loaded. */
static int load_scripts(struct kv_async *q, int timeout_ms)
{
    int argc[8];
    const char *argv[8][3];
    size_t argl[8][3];
    const char **av[8];
    const size_t *al[8];
    redisReply *rep[8];
    int n = (int)(q->nscripts < 8 ? q->nscripts : 8), rc = 0;

    for (int i = 0; i < n; i++) {
        argc[i] = 3;
        argv[i][0] = "SCRIPT";
        argv[i][1] = "LOAD";
        argv[i][2] = q->scripts[i];
        argl[i][0] = 6;
        argl[i][1] = 4;
        argl[i][2] = strlen(q->scripts[i]);
        av[i] = argv[i];
        al[i] = argl[i];
    }
    if (n == 0 || kv_pipeline_within(q->kv, timeout_ms, n, argc, av, al, rep) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (rep[i]->type == REDIS_REPLY_ERROR)
            rc = -1;
        freeReplyObject(rep[i]);
    }
    return rc;
}

static int is_noscript(const redisReply *r)
{
    return r->type == REDIS_REPLY_ERROR && r->str != NULL && strncmp(r->str, "NOSCRIPT", 8) == 0;
}

/* Put jobs[0..n) back at the head of the FIFO, in order: they go out in the next pass. */
static void requeue(struct kv_async *q, struct kv_async_job **jobs, size_t n)
{
    if (n == 0)
        return;
    for (size_t i = 0; i + 1 < n; i++)
        jobs[i]->next = jobs[i + 1];
    jobs[n - 1]->next = q->fifo;
    if (q->fifo == NULL)
        q->fifo_tail = jobs[n - 1];
    q->fifo = jobs[0];
}

/* Answer every job whose deadline has come; keep the others in jobs[0..return). */
static size_t drop_late(struct kv_async *q, struct kv_async_job **jobs, size_t n, int64_t now)
{
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        if (jobs[i]->deadline_ms <= now)
            finish(q, jobs[i], KV_ASYNC_TIMEOUT, NULL);
        else
            jobs[m++] = jobs[i];
    }
    return m;
}

/* One round trip for jobs[0..n); every job is answered before this returns. */
static void run_batch(struct kv_async *q, struct kv_async_job **jobs, size_t n)
{
    int argc[KV_ASYNC_BATCH_MAX];
    const char **av[KV_ASYNC_BATCH_MAX];
    const size_t *al[KV_ASYNC_BATCH_MAX];
    redisReply *rep[KV_ASYNC_BATCH_MAX];

    for (int attempt = 0; attempt < 2; attempt++) {
        int64_t now = clock_mono_ms(), earliest = INT64_MAX;
        size_t m = 0;
        int rc;

        n = drop_late(q, jobs, n, now);
        if (n == 0)
            return;
        for (size_t i = 0; i < n; i++) {
            argc[i] = jobs[i]->argc;
            av[i] = jobs[i]->argv;
            al[i] = jobs[i]->argvlen;
            if (jobs[i]->deadline_ms < earliest)
                earliest = jobs[i]->deadline_ms;
        }
        /*
         * A new connection may be to a restarted Redis: load the scripts
         * first, so EVALSHA does not fail on the first pass after every
         * reconnect. A failure here is the pipeline's failure below.
         */
        if (!q->loaded && q->nscripts > 0)
            q->loaded = load_scripts(q, (int)(earliest - now)) == 0;
        atomic_fetch_add(&q->pipelines, 1);
        atomic_fetch_add(&q->commands, n);
        now = clock_mono_ms();
        rc = now >= earliest ? -2
                             : kv_pipeline_within(q->kv, (int)(earliest - now), (int)n, argc, av,
                                                  al, rep);
        if (rc != 0) {
            q->loaded = false; /* the connection was dropped: the next one loads again */
            /*
             * The round trip waited only as long as its earliest job may: the
             * others still have time and go out again in the next pass (the
             * commands must be idempotent, see kv_async.h). Refused or broken:
             * Redis is down and the back-off answers everything at once.
             */
            if (rc == -2)
                requeue(q, jobs, drop_late(q, jobs, n, clock_mono_ms()));
            else
                for (size_t i = 0; i < n; i++)
                    finish(q, jobs[i], KV_ASYNC_DOWN, NULL);
            return;
        }
        /* Answer what ran; keep the NOSCRIPT ones for one resend after loading. */
        for (size_t i = 0; i < n; i++) {
            if (attempt == 0 && is_noscript(rep[i])) {
                jobs[m++] = jobs[i];
            } else {
                finish(q, jobs[i], KV_ASYNC_OK, rep[i]);
            }
            freeReplyObject(rep[i]);
        }
        n = m;
        if (n == 0)
            return;
        now = clock_mono_ms();
        if (now >= earliest || load_scripts(q, (int)(earliest - now)) != 0) {
            q->loaded = false;
            now = clock_mono_ms();
            for (size_t i = 0; i < n; i++)
                finish(q, jobs[i], jobs[i]->deadline_ms <= now ? KV_ASYNC_TIMEOUT : KV_ASYNC_DOWN,
                       NULL);
            return;
        }
    }
}

static void io_main(struct bgthread *t, void *arg)
{
    struct kv_async *q = arg;
    struct kv_async_job *jobs[KV_ASYNC_BATCH_MAX];
    size_t n;

    log_set_request(NULL);
    while (bgthread_wait(t, -1)) {
        take(q);
        while ((n = pop_batch(q, jobs, KV_ASYNC_BATCH_MAX)) > 0) {
            run_batch(q, jobs, n);
            take(q); /* what arrived during the round trip joins the next one */
        }
    }
    take(q);
    while ((n = pop_batch(q, jobs, KV_ASYNC_BATCH_MAX)) > 0)
        for (size_t i = 0; i < n; i++)
            finish(q, jobs[i], KV_ASYNC_STOPPED, NULL);
}

struct kv_async *kv_async_new(struct kv *kv, const char *name, int timeout_ms,
                              const char *const *scripts, size_t nscripts, char *err,
                              size_t errlen)
{
    struct kv_async *q;

    if (kv == NULL || timeout_ms < 1 || nscripts > 8) {
        snprintf(err, errlen, "kv_async: bad arguments");
        return NULL;
    }
    q = xcalloc(1, sizeof(*q));
    q->kv = kv;
    q->timeout_ms = timeout_ms;
    q->scripts = scripts;
    q->nscripts = nscripts;
    atomic_init(&q->head, NULL);
    q->t = bgthread_start(name, 1, io_main, q, err, errlen);
    if (q->t == NULL) {
        free(q);
        return NULL;
    }
    return q;
}

void kv_async_stats(struct kv_async *q, struct kv_async_stats *out)
{
    out->ok = atomic_load(&q->ok);
    out->timeouts = atomic_load(&q->timeouts);
    out->down = atomic_load(&q->down);
    out->pipelines = atomic_load(&q->pipelines);
    out->commands = atomic_load(&q->commands);
}

void kv_async_free(struct kv_async *q)
{
    if (q == NULL)
        return;
    atomic_store(&q->stopping, true);
    bgthread_stop(q->t); /* the thread answers what is queued before it returns */
    free(q);
}
