/*
 * kv_async: Redis calls made for HTTP workers by one I/O thread, so a worker
 * never waits on Redis.
 *
 * A caller (an ad request whose candidates have frequency caps, or the
 * release of unused cap slots after a response) fills a struct kv_async_job
 * with one command and a completion function and submits it; the request's
 * connection is suspended meanwhile, not its worker thread. The I/O thread
 * takes every job queued since its last pass and sends them as one pipeline
 * on its own connection (one round trip for many concurrent requests), then
 * calls each job's done() with its reply.
 *
 * Deadlines: each job must be answered within the timeout given at
 * kv_async_new(). Every socket wait of a pipeline is bounded by the
 * earliest deadline among its jobs, and jobs are taken in order, so a job
 * queued behind a slow pipeline is answered when its own deadline has come
 * at the latest (KV_ASYNC_TIMEOUT). When a pipeline times out, the jobs
 * whose deadline has not come are sent again in the next pass: commands
 * must be idempotent (the frequency-cap scripts are: a reservation is a
 * set member named after the request and slot). While Redis is
 * unreachable the connection's back-off (kv.h) answers jobs at once with
 * KV_ASYNC_DOWN, so a stopped Redis costs requests nothing but the cap
 * decision; a slow one starts no back-off.
 *
 * Scripts: the texts given to kv_async_new() are loaded (SCRIPT LOAD) when
 * a reply says NOSCRIPT (Redis restarted or flushed its scripts) and those
 * commands are sent once more; an EVALSHA that answered NOSCRIPT ran
 * nothing, so the resend cannot count twice.
 *
 * Queue: a lock-free stack that submitters push onto with one
 * compare-and-swap and the I/O thread empties with one exchange; no lock is
 * shared between requests. At most KV_ASYNC_QUEUE_MAX jobs wait; past that
 * a job is answered at once with KV_ASYNC_DOWN.
 *
 * Load: one pass per wake-up; a pass sends up to KV_ASYNC_BATCH_MAX
 * commands in one round trip.
 */
#ifndef REDIS_KV_ASYNC_H
#define REDIS_KV_ASYNC_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

struct kv;
struct kv_async;

#define KV_ASYNC_BATCH_MAX 64
#define KV_ASYNC_QUEUE_MAX 4096

enum kv_async_status {
    KV_ASYNC_OK,      /* reply is Redis' answer (which may be an error reply) */
    KV_ASYNC_TIMEOUT, /* the deadline passed first; reply is NULL */
    KV_ASYNC_DOWN,    /* Redis unreachable, the connection broke or the queue is full */
    KV_ASYNC_STOPPED, /* the I/O thread is stopping */
};

/*
 * One command. The caller owns the job and what argv points to until done()
 * has been called; done() is called exactly once, from the I/O thread, or
 * from kv_async_submit() itself when the job is refused at once. The reply
 * is freed after done() returns: copy what you need.
 */
struct kv_async_job {
    int argc;
    const char **argv;
    const size_t *argvlen;
    void (*done)(struct kv_async_job *job, enum kv_async_status st, const redisReply *reply);
    /* private to kv_async */
    int64_t deadline_ms;
    struct kv_async_job *next;
};

/*
 * Start the I/O thread named name over kv (its own connection: kv keeps one
 * per thread). timeout_ms (>= 1): how long a job may take from submission
 * to done(). scripts[0..nscripts): Lua texts to load after NOSCRIPT;
 * pointers kept, the strings must outlive the result. NULL with err on
 * failure.
 */
struct kv_async *kv_async_new(struct kv *kv, const char *name, int timeout_ms,
                              const char *const *scripts, size_t nscripts, char *err,
                              size_t errlen);

/* Queue job (see struct kv_async_job). Safe from any thread; never blocks. */
void kv_async_submit(struct kv_async *q, struct kv_async_job *job);

/* Counters since start, for /metrics. */
struct kv_async_stats {
    unsigned long ok, timeouts, down, pipelines, commands;
};
void kv_async_stats(struct kv_async *q, struct kv_async_stats *out);

/*
 * Stop the thread after answering every queued job (KV_ASYNC_STOPPED for
 * those not yet sent) and free q. Call once nothing submits any more (the
 * listeners are stopped). NULL is fine.
 */
void kv_async_free(struct kv_async *q);

#endif
