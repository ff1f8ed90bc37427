/*
 * ratelimit: fixed-window request counting per client address for the
 * admin listener's /api paths (API-CONTRACT.md 1.6).
 *
 * Windows are aligned to the epoch (every instance agrees on when a window
 * resets). Counts live in Redis, so instances behind one load balancer share
 * them; one round trip (a Lua INCR + PEXPIRE) per request. When Redis is
 * unreachable the count falls back to this process's own table, so the
 * headers stay consistent and the API stays up.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

struct kv;
struct request;
struct ratelimit;

/* limit requests per window_ms; kv may be NULL (local counting only). */
struct ratelimit *ratelimit_new(struct kv *kv, long limit, long window_ms);
void ratelimit_free(struct ratelimit *rl);

/*
 * Count one request from ip and set req's RateLimit-* fields.
 * Returns 0 when allowed, 1 when over the limit (caller answers 429).
 */
int ratelimit_check(struct ratelimit *rl, const char *ip, struct request *req);

#endif
