/*
 * ratelimit: fixed-window request counting per client address for the
 * admin listener's /api paths (docs/admin-api.md, "Rate limit").
 *
 * Windows are aligned to the epoch (every instance agrees on when a window
 * resets). Counts live in Redis, so instances behind one load balancer share
 * them; one round trip (a Lua INCR + PEXPIRE) per request. When Redis is
 * unreachable the count falls back to this process's own table, so the
 * headers stay consistent and the API stays up.
 *
 * It counts keys (client addresses), not requests: the router turns the
 * verdict into RateLimit-* headers, so this module knows nothing of HTTP.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

struct kv;
struct ratelimit;

/* limit requests per window_ms; kv may be NULL (local counting only). */
struct ratelimit *ratelimit_new(struct kv *kv, long limit, long window_ms);
void ratelimit_free(struct ratelimit *rl);

/* What one count says, for the RateLimit-* headers. */
struct ratelimit_verdict {
    long limit;     /* requests allowed per window */
    long remaining; /* left in this window after this request, >= 0 */
    long reset_s;   /* seconds until the window resets, >= 1 */
    long window_s;  /* the window's length in seconds */
};

/*
 * Count one request from ip (any client key) and fill *out.
 * Returns 0 when allowed, 1 when over the limit (caller answers 429).
 */
int ratelimit_check(struct ratelimit *rl, const char *ip, struct ratelimit_verdict *out);

#endif
