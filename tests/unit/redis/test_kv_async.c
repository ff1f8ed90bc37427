/*
 * test_kv_async: the Redis I/O thread against a real Redis (REDIS_URL, set
 * by tests/run.sh; skipped without it) and against two network faults made
 * here: a port nobody listens on (refused: KV_ASYNC_DOWN at once) and a
 * socket that accepts but never answers (a frozen Redis: KV_ASYNC_TIMEOUT
 * within the deadline).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "redis/kv.h"
#include "redis/kv_async.h"

#define N_JOBS 200

struct tjob {
    struct kv_async_job job;
    const char *argv[4];
    size_t argl[4];
    char key[64];
    atomic_int status; /* -1 until done */
    long long value;
    int64_t done_ms;
};

static atomic_int n_done;

static void on_done(struct kv_async_job *job, enum kv_async_status st, const redisReply *rep)
{
    struct tjob *t = (struct tjob *)job;

    t->value = -1;
    if (st == KV_ASYNC_OK && rep->type == REDIS_REPLY_INTEGER)
        t->value = rep->integer;
    t->done_ms = clock_mono_ms();
    atomic_store(&t->status, (int)st);
    atomic_fetch_add(&n_done, 1);
}

static void job_init(struct tjob *t, int argc, const char *a0, const char *a1, const char *a2,
                     const char *a3)
{
    const char *v[4] = {a0, a1, a2, a3};

    memset(t, 0, sizeof(*t));
    for (int i = 0; i < argc; i++) {
        t->argv[i] = v[i];
        t->argl[i] = strlen(v[i]);
    }
    t->job.argc = argc;
    t->job.argv = t->argv;
    t->job.argvlen = t->argl;
    t->job.done = on_done;
    atomic_init(&t->status, -1);
}

static void wait_done(int n, int max_ms)
{
    int64_t end = clock_mono_ms() + max_ms;

    while (atomic_load(&n_done) < n && clock_mono_ms() < end)
        usleep(1000);
    assert_int_equal(atomic_load(&n_done), n);
}

static const char *redis_url(void)
{
    const char *u = getenv("REDIS_URL");
    return u != NULL && u[0] != '\0' ? u : NULL;
}

/* Many jobs submitted at once: all answered, in fewer round trips than jobs. */
static void test_kv_async_pipelines_concurrent_jobs(void **state)
{
    static struct tjob jobs[N_JOBS];
    struct kv_async_stats st;
    struct kv_async *q;
    struct kv *kv;
    char err[128], key[64];
    redisReply *r;

    (void)state;
    if (redis_url() == NULL)
        skip();
    kv = kv_new(redis_url(), 200, err, sizeof(err));
    assert_non_null(kv);
    snprintf(key, sizeof(key), "test:kv_async:%ld", (long)getpid());
    r = kv_command(kv, "DEL %s", key);
    assert_non_null(r);
    freeReplyObject(r);
    q = kv_async_new(kv, "test-kvasync", 1000, NULL, 0, err, sizeof(err));
    assert_non_null(q);
    atomic_store(&n_done, 0);
    for (int i = 0; i < N_JOBS; i++) {
        job_init(&jobs[i], 2, "INCR", key, NULL, NULL);
        kv_async_submit(q, &jobs[i].job);
    }
    wait_done(N_JOBS, 5000);
    for (int i = 0; i < N_JOBS; i++) {
        assert_int_equal(atomic_load(&jobs[i].status), KV_ASYNC_OK);
        /* FIFO: the i-th INCR saw i + 1 */
        assert_int_equal(jobs[i].value, i + 1);
    }
    kv_async_stats(q, &st);
    assert_int_equal(st.ok, N_JOBS);
    assert_int_equal(st.commands, N_JOBS);
    assert_true(st.pipelines < N_JOBS);
    kv_async_free(q);
    r = kv_command(kv, "DEL %s", key);
    assert_non_null(r);
    freeReplyObject(r);
    kv_free(kv);
}

/* After SCRIPT FLUSH an EVALSHA is answered by loading the script and resending once. */
static void test_kv_async_reloads_scripts_after_noscript(void **state)
{
    static const char *const scripts[] = {"return 41 + 1"};
    struct tjob j;
    struct kv_async *q;
    struct kv *kv;
    char err[128];
    redisReply *r;

    (void)state;
    if (redis_url() == NULL)
        skip();
    kv = kv_new(redis_url(), 200, err, sizeof(err));
    assert_non_null(kv);
    q = kv_async_new(kv, "test-kvasync", 1000, scripts, 1, err, sizeof(err));
    assert_non_null(q);
    r = kv_command(kv, "SCRIPT LOAD %s", scripts[0]);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    {
        static char sha[64];
        snprintf(sha, sizeof(sha), "%s", r->str);
        freeReplyObject(r);
        /* First call loads on connect; then flush and call again: NOSCRIPT path. */
        for (int round = 0; round < 2; round++) {
            atomic_store(&n_done, 0);
            job_init(&j, 3, "EVALSHA", sha, "0", NULL);
            kv_async_submit(q, &j.job);
            wait_done(1, 3000);
            assert_int_equal(atomic_load(&j.status), KV_ASYNC_OK);
            assert_int_equal(j.value, 42);
            r = kv_command(kv, "SCRIPT FLUSH");
            assert_non_null(r);
            freeReplyObject(r);
        }
    }
    kv_async_free(q);
    kv_free(kv);
}

/* A listening socket that never accepts nor answers: a frozen Redis. */
static int silent_listener(int *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 64), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Every job answered by its deadline (plus scheduling) even though Redis never replies. */
static void test_kv_async_times_out_on_frozen_redis(void **state)
{
    static struct tjob jobs[20];
    struct kv_async *q;
    struct kv *kv;
    char err[128], url[64];
    int port, fd = silent_listener(&port);
    int64_t t0;

    (void)state;
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
    /* The general timeout is long: the job deadline (50 ms) must win. */
    kv = kv_new(url, 3000, err, sizeof(err));
    assert_non_null(kv);
    q = kv_async_new(kv, "test-kvasync", 50, NULL, 0, err, sizeof(err));
    assert_non_null(q);
    atomic_store(&n_done, 0);
    t0 = clock_mono_ms();
    for (int i = 0; i < 20; i++) {
        job_init(&jobs[i], 1, "PING", NULL, NULL, NULL);
        kv_async_submit(q, &jobs[i].job);
        usleep(2000); /* spread: later jobs queue behind the stuck round trip */
    }
    wait_done(20, 2000);
    for (int i = 0; i < 20; i++) {
        /* TIMEOUT, never DOWN: a slow Redis is no outage, so no back-off follows */
        assert_int_equal(atomic_load(&jobs[i].status), KV_ASYNC_TIMEOUT);
        /* submitted at about t0 + 2 ms * i; answered within 50 ms + 100 ms of slack */
        assert_true(jobs[i].done_ms - t0 <= 2 * i + 50 + 100);
    }
    kv_async_free(q);
    kv_free(kv);
    close(fd);
}

/* Nobody listens: answered at once, not after the timeout. */
static void test_kv_async_down_answers_at_once(void **state)
{
    struct tjob j;
    struct kv_async *q;
    struct kv *kv;
    char err[128], url[64];
    int port, fd = silent_listener(&port);
    int64_t t0;

    (void)state;
    close(fd); /* the port is now closed: connections are refused */
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
    kv = kv_new(url, 3000, err, sizeof(err));
    assert_non_null(kv);
    q = kv_async_new(kv, "test-kvasync", 1000, NULL, 0, err, sizeof(err));
    assert_non_null(q);
    for (int round = 0; round < 3; round++) {
        atomic_store(&n_done, 0);
        job_init(&j, 1, "PING", NULL, NULL, NULL);
        t0 = clock_mono_ms();
        kv_async_submit(q, &j.job);
        wait_done(1, 2000);
        assert_int_equal(atomic_load(&j.status), KV_ASYNC_DOWN);
        assert_true(j.done_ms - t0 < 500);
    }
    kv_async_free(q);
    kv_free(kv);
}

/* Jobs still queued at stop are answered (KV_ASYNC_STOPPED), none lost. */
static void test_kv_async_free_answers_queued_jobs(void **state)
{
    static struct tjob jobs[10];
    struct kv_async *q;
    struct kv *kv;
    char err[128], url[64];
    int port, fd = silent_listener(&port);

    (void)state;
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
    kv = kv_new(url, 3000, err, sizeof(err));
    assert_non_null(kv);
    q = kv_async_new(kv, "test-kvasync", 200, NULL, 0, err, sizeof(err));
    assert_non_null(q);
    atomic_store(&n_done, 0);
    for (int i = 0; i < 10; i++) {
        job_init(&jobs[i], 1, "PING", NULL, NULL, NULL);
        kv_async_submit(q, &jobs[i].job);
    }
    kv_async_free(q);
    assert_int_equal(atomic_load(&n_done), 10);
    for (int i = 0; i < 10; i++)
        assert_true(atomic_load(&jobs[i].status) != KV_ASYNC_OK);
    kv_free(kv);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_async_pipelines_concurrent_jobs),
        cmocka_unit_test(test_kv_async_reloads_scripts_after_noscript),
        cmocka_unit_test(test_kv_async_times_out_on_frozen_redis),
        cmocka_unit_test(test_kv_async_down_answers_at_once),
        cmocka_unit_test(test_kv_async_free_answers_queued_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
