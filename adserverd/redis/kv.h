/*
 * kv: the daemon's only door to Redis (hiredis 0.14, pre-1.0 API).
 *
 * One connection per thread, made on first use, so worker threads never
 * share or lock a context. Every command has a timeout; after a failure the
 * thread's connection is dropped and not retried for a short back-off, so a
 * dead Redis costs each request at most one timeout per back-off period,
 * not one per command. Nothing in Redis is required for correctness of the
 * admin API (docs/architecture.md): callers treat NULL as "Redis unavailable".
 */
#ifndef KV_H
#define KV_H

#include <hiredis/hiredis.h>
#include <stddef.h>

struct kv;

/* Parse url (redis://[[user]:password@]host[:port][/db]); no connection yet. */
struct kv *kv_new(const char *url, int timeout_ms, char *err, size_t errlen);
void kv_free(struct kv *kv);

/*
 * Run one command on this thread's connection. Returns the reply (caller
 * frees with freeReplyObject), or NULL when Redis is unreachable or the
 * connection broke. A Redis error reply is returned as REDIS_REPLY_ERROR.
 */
redisReply *kv_command(struct kv *kv, const char *fmt, ...);
redisReply *kv_command_argv(struct kv *kv, int argc, const char **argv, const size_t *argvlen);
/*
 * Pipeline: send n commands (each an argv) in one round trip; replies[i]
 * receive the answers (caller frees each). 0, or -1 when the connection
 * failed (no replies are returned then).
 */
int kv_pipeline(struct kv *kv, int n, const int *argc, const char **const *argv,
                const size_t *const *argvlen, redisReply **replies);

/*
 * kv_pipeline() with every wait bounded by timeout_ms instead of the
 * connection's default: making the connection (when this thread has none)
 * and each socket read or write. For callers with a deadline of their own
 * (the frequency-cap I/O thread). 0; -2 on a timeout: the connection is
 * dropped (its replies would arrive out of step) but no back-off applies,
 * a slow answer is not an outage and the next call connects again; -1 on
 * other failures (refused, broken), which start the back-off as usual.
 * The commands may have run in Redis even when -1 or -2 is returned.
 */
int kv_pipeline_within(struct kv *kv, int timeout_ms, int n, const int *argc,
                       const char **const *argv, const size_t *const *argvlen,
                       redisReply **replies);

/* 1 when this thread has (or can now make) a live connection. */
int kv_connected(struct kv *kv);
/* Connections made and failures since start, for /metrics. */
void kv_stats(struct kv *kv, unsigned long *connects, unsigned long *failures);

#endif
