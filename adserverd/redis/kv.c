/*
 * kv: see kv.h. Per-thread contexts live in a pthread key whose destructor
 * frees them when a worker thread exits. Only one struct kv exists per
 * process; the key is created by kv_new.
 */
#include "redis/kv.h"
#include "lib/clock.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* After a failure, this thread waits this long before trying again. */
#define KV_BACKOFF_MS 1000

struct kv {
    char *host;
    int port;
    char *user;
    char *password;
    int db;
    int timeout_ms;
    pthread_key_t key;
    atomic_ulong connects;
    atomic_ulong failures;
};

struct kv_tls {
    redisContext *ctx;
    long long retry_at_ms;
};

static void tls_free(void *p)
{
    struct kv_tls *t = p;

    if (t != NULL && t->ctx != NULL)
        redisFree(t->ctx);
    free(t);
}

static int parse_url(struct kv *kv, const char *url, char *err, size_t errlen)
{
    const char *p = url;
    const char *at, *hostend, *slash;

    if (strncmp(p, "redis://", 8) != 0) {
        snprintf(err, errlen, "REDIS_URL must start with redis://");
        return -1;
    }
    p += 8;
    slash = strchr(p, '/');
    at = strchr(p, '@');
    if (at != NULL && (slash == NULL || at < slash)) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon != NULL) {
            if (colon > p)
                kv->user = xstrndup(p, (size_t)(colon - p));
            kv->password = xstrndup(colon + 1, (size_t)(at - colon - 1));
        } else {
            kv->password = xstrndup(p, (size_t)(at - p));
        }
        p = at + 1;
    }
    hostend = p + strcspn(p, ":/");
    kv->host = xstrndup(p, (size_t)(hostend - p));
    if (kv->host[0] == '\0') {
        free(kv->host);
        kv->host = xstrdup("localhost");
    }
    kv->port = 6379;
    if (*hostend == ':') {
        char *e;
        long port = strtol(hostend + 1, &e, 10);
        if (e == hostend + 1 || port < 1 || port > 65535 || (*e != '\0' && *e != '/')) {
            snprintf(err, errlen, "REDIS_URL has a bad port");
            return -1;
        }
        kv->port = (int)port;
        hostend = e;
    }
    if (*hostend == '/' && hostend[1] != '\0') {
        char *e;
        long db = strtol(hostend + 1, &e, 10);
        if (*e != '\0' || db < 0 || db > 1000) {
            snprintf(err, errlen, "REDIS_URL has a bad database number");
            return -1;
        }
        kv->db = (int)db;
    }
    return 0;
}

struct kv *kv_new(const char *url, int timeout_ms, char *err, size_t errlen)
{
    struct kv *kv = xcalloc(1, sizeof(*kv));

    kv->timeout_ms = timeout_ms > 0 ? timeout_ms : 200;
    if (parse_url(kv, url, err, errlen) != 0)
        goto fail;
    if (pthread_key_create(&kv->key, tls_free) != 0) {
        snprintf(err, errlen, "pthread_key_create failed");
        goto fail;
    }
    return kv;
fail:
    free(kv->host);
    free(kv->user);
    free(kv->password);
    free(kv);
    return NULL;
}

void kv_free(struct kv *kv)
{
    if (kv == NULL)
        return;
    /* The calling thread's context; other threads' contexts went with their threads. */
    tls_free(pthread_getspecific(kv->key));
    pthread_setspecific(kv->key, NULL);
    pthread_key_delete(kv->key);
    free(kv->host);
    free(kv->user);
    free(kv->password);
    free(kv);
}

static struct kv_tls *tls_get(struct kv *kv)
{
    struct kv_tls *t = pthread_getspecific(kv->key);

    if (t == NULL) {
        t = xcalloc(1, sizeof(*t));
        if (pthread_setspecific(kv->key, t) != 0) {
            free(t);
            return NULL;
        }
    }
    return t;
}

static void drop(struct kv *kv, struct kv_tls *t)
{
    if (t->ctx != NULL)
        redisFree(t->ctx);
    t->ctx = NULL;
    t->retry_at_ms = clock_mono_ms() + KV_BACKOFF_MS;
    atomic_fetch_add(&kv->failures, 1);
}

static struct timeval tv_of(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

/* This thread's connection; a new one is bounded by timeout_ms (connect, AUTH, SELECT). */
static redisContext *conn_get_within(struct kv *kv, int timeout_ms)
{
    struct kv_tls *t = tls_get(kv);
    struct timeval tv = tv_of(timeout_ms);
    redisReply *r;

    if (t == NULL)
        return NULL;
    if (t->ctx != NULL)
        return t->ctx;
    if (clock_mono_ms() < t->retry_at_ms)
        return NULL;
    t->ctx = redisConnectWithTimeout(kv->host, kv->port, tv);
    if (t->ctx == NULL || t->ctx->err != 0 || redisSetTimeout(t->ctx, tv) != REDIS_OK)
        goto fail;
    if (kv->password != NULL) {
        r = kv->user != NULL ? redisCommand(t->ctx, "AUTH %s %s", kv->user, kv->password)
                             : redisCommand(t->ctx, "AUTH %s", kv->password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            if (r != NULL)
                freeReplyObject(r);
            goto fail;
        }
        freeReplyObject(r);
    }
    if (kv->db != 0) {
        r = redisCommand(t->ctx, "SELECT %d", kv->db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            if (r != NULL)
                freeReplyObject(r);
            goto fail;
        }
        freeReplyObject(r);
    }
    if (timeout_ms != kv->timeout_ms && redisSetTimeout(t->ctx, tv_of(kv->timeout_ms)) != REDIS_OK)
        goto fail;
    atomic_fetch_add(&kv->connects, 1);
    return t->ctx;
fail:
    drop(kv, t);
    return NULL;
}

static redisContext *conn_get(struct kv *kv)
{
    return conn_get_within(kv, kv->timeout_ms);
}

redisReply *kv_command(struct kv *kv, const char *fmt, ...)
{
    redisContext *c = conn_get(kv);
    redisReply *r;
    va_list ap;

    if (c == NULL)
        return NULL;
    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r == NULL)
        drop(kv, tls_get(kv));
    return r;
}

redisReply *kv_command_argv(struct kv *kv, int argc, const char **argv, const size_t *argvlen)
{
    redisContext *c = conn_get(kv);
    redisReply *r;

    if (c == NULL)
        return NULL;
    r = redisCommandArgv(c, argc, argv, argvlen);
    if (r == NULL)
        drop(kv, tls_get(kv));
    return r;
}

int kv_pipeline(struct kv *kv, int n, const int *argc, const char **const *argv,
                const size_t *const *argvlen, redisReply **replies)
{
    redisContext *c = conn_get(kv);
    int got = 0;

    if (c == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        if (redisAppendCommandArgv(c, argc[i], argv[i], argvlen[i]) != REDIS_OK)
            goto fail;
    for (; got < n; got++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK || r == NULL)
            goto fail;
        replies[got] = r;
    }
    return 0;
fail:
    for (int i = 0; i < got; i++)
        freeReplyObject(replies[i]);
    drop(kv, tls_get(kv));
    return -1;
}

int kv_pipeline_within(struct kv *kv, int timeout_ms, int n, const int *argc,
                       const char **const *argv, const size_t *const *argvlen,
                       redisReply **replies)
{
    struct kv_tls *t;
    redisContext *c;
    int got = 0, saved;

    if (timeout_ms <= 0)
        timeout_ms = 1;
    c = conn_get_within(kv, timeout_ms < kv->timeout_ms ? timeout_ms : kv->timeout_ms);
    if (c == NULL)
        return -1;
    if (redisSetTimeout(c, tv_of(timeout_ms)) != REDIS_OK)
        goto fail;
    for (int i = 0; i < n; i++)
        if (redisAppendCommandArgv(c, argc[i], argv[i], argvlen[i]) != REDIS_OK)
            goto fail;
    for (; got < n; got++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK || r == NULL)
            goto fail;
        replies[got] = r;
    }
    if (redisSetTimeout(c, tv_of(kv->timeout_ms)) != REDIS_OK)
        drop(kv, tls_get(kv));
    return 0;
fail:
    saved = errno;
    for (int i = 0; i < got; i++)
        freeReplyObject(replies[i]);
    t = tls_get(kv);
    /*
     * A slow answer is not an outage: the caller's deadline passed, the
     * connection is out of step and goes, but the next call may connect
     * again at once. The back-off is for Redis refusing or breaking.
     */
    if (c->err == REDIS_ERR_IO && (saved == EAGAIN || saved == EWOULDBLOCK) && t != NULL) {
        redisFree(t->ctx);
        t->ctx = NULL;
        atomic_fetch_add(&kv->failures, 1);
        return -2;
    }
    drop(kv, t);
    return -1;
}

int kv_connected(struct kv *kv)
{
    return conn_get(kv) != NULL;
}

void kv_stats(struct kv *kv, unsigned long *connects, unsigned long *failures)
{
    *connects = atomic_load(&kv->connects);
    *failures = atomic_load(&kv->failures);
}
