/*
 * ratelimit: see ratelimit.h. The local fallback is a small open-addressing
 * table keyed by address and window, reset wholesale when the window moves
 * on; it only matters while Redis is down.
 */
#include "http/ratelimit.h"
#include "lib/clock.h"
#include "redis/kv.h"
#include "lib/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOCAL_SLOTS 4096

static const char script[] =
    "local c = redis.call('INCR', KEYS[1]) "
    "if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
    "return c";

struct slot {
    char ip[64];
    long count;
};

struct ratelimit {
    struct kv *kv;
    long limit;
    long window_ms;
    pthread_mutex_t lock;
    long long local_window;
    struct slot *slots;
};

struct ratelimit *ratelimit_new(struct kv *kv, long limit, long window_ms)
{
    struct ratelimit *rl = xcalloc(1, sizeof(*rl));

    rl->kv = kv;
    rl->limit = limit;
    rl->window_ms = window_ms;
    rl->slots = xcalloc(LOCAL_SLOTS, sizeof(struct slot));
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->slots);
    free(rl);
}

static unsigned long hash(const char *s)
{
    unsigned long h = 5381;

    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static long local_count(struct ratelimit *rl, const char *ip, long long window)
{
    unsigned long h = hash(ip) % LOCAL_SLOTS;
    long c = 0;

    pthread_mutex_lock(&rl->lock);
    if (window != rl->local_window) {
        memset(rl->slots, 0, LOCAL_SLOTS * sizeof(struct slot));
        rl->local_window = window;
    }
    for (int probe = 0; probe < LOCAL_SLOTS; probe++) {
        struct slot *s = &rl->slots[(h + (unsigned long)probe) % LOCAL_SLOTS];
        if (s->ip[0] == '\0') {
            snprintf(s->ip, sizeof(s->ip), "%s", ip);
        } else if (strcmp(s->ip, ip) != 0) {
            continue;
        }
        c = ++s->count;
        break;
    }
    pthread_mutex_unlock(&rl->lock);
    /* A full table (4096 addresses in one window while Redis is down) fails open. */
    return c;
}

int ratelimit_check(struct ratelimit *rl, const char *ip, struct ratelimit_verdict *out)
{
    long long now, window, reset_ms;
    long count = -1;
    char key[128], ttl[32];
    redisReply *r;

    now = clock_wall_ms();
    window = now / rl->window_ms;
    reset_ms = (window + 1) * rl->window_ms - now;
    if (rl->kv != NULL) {
        snprintf(key, sizeof(key), "ratelimit:%s:%lld", ip, window);
        snprintf(ttl, sizeof(ttl), "%ld", rl->window_ms + 1000);
        r = kv_command(rl->kv, "EVAL %s 1 %s %s", script, key, ttl);
        if (r != NULL) {
            if (r->type == REDIS_REPLY_INTEGER)
                count = (long)r->integer;
            freeReplyObject(r);
        }
    }
    if (count < 0)
        count = local_count(rl, ip, window);
    out->limit = rl->limit;
    out->remaining = rl->limit - count > 0 ? rl->limit - count : 0;
    out->reset_s = (long)((reset_ms + 999) / 1000);
    if (out->reset_s < 1)
        out->reset_s = 1;
    out->window_s = rl->window_ms / 1000;
    return count > rl->limit ? 1 : 0;
}
