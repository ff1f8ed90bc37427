/*
 * Unit tests of ratelimit_check: the verdict the router turns into the
 * RateLimit-* headers, counted in this process (no Redis) and, when the
 * suite's private Redis is there (REDIS_URL), shared by two limiters as two
 * instances behind one load balancer would share it.
 *
 * Windows are aligned to the epoch, so a run that straddles a window's end
 * sees its count restart; each case retries once when that happened.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/ratelimit.h"
#include "redis/kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define WINDOW_MS 3600000L /* one hour: a run crosses a window's end rarely */

/*
 * Count limit + 1 requests of key on a and b alternately (b may be a) and
 * check each verdict. 0 when checked, 1 when the window rolled over meanwhile
 * (the caller tries again), never returns otherwise on a failed check.
 */
static int count_through(struct ratelimit *a, struct ratelimit *b, const char *key, long limit)
{
    struct ratelimit_verdict v;
    long first_reset = -1;

    for (long i = 1; i <= limit + 1; i++) {
        int over = ratelimit_check(i % 2 ? a : b, key, &v);

        if (first_reset < 0)
            first_reset = v.reset_s;
        if (v.reset_s > first_reset)
            return 1; /* a new window began: the counts restarted */
        assert_int_equal(v.limit, limit);
        assert_int_equal(v.window_s, WINDOW_MS / 1000);
        assert_true(v.reset_s >= 1 && v.reset_s <= WINDOW_MS / 1000);
        if (i <= limit) {
            assert_int_equal(over, 0);
            assert_int_equal(v.remaining, limit - i);
        } else {
            assert_int_equal(over, 1);
            assert_int_equal(v.remaining, 0);
        }
    }
    return 0;
}

/* A key no other run or attempt has counted (the retry needs a fresh one). */
static void unique_key(char *out, size_t n, const char *tag, int attempt)
{
    snprintf(out, n, "test-%s-%ld-%ld-%d", tag, (long)getpid(), (long)time(NULL), attempt);
}

static void test_ratelimit_check_local_counts_down(void **state)
{
    struct ratelimit *rl = ratelimit_new(NULL, 5, WINDOW_MS);
    struct ratelimit_verdict v;
    char key[64];

    (void)state;
    unique_key(key, sizeof(key), "local", 1);
    if (count_through(rl, rl, key, 5) != 0) {
        unique_key(key, sizeof(key), "local", 2);
        assert_int_equal(count_through(rl, rl, key, 5), 0);
    }
    /* another client has its own count */
    assert_int_equal(ratelimit_check(rl, "198.51.100.7", &v), 0);
    assert_int_equal(v.remaining, 4);
    ratelimit_free(rl);
}

static void test_ratelimit_check_redis_shared(void **state)
{
    const char *url = getenv("REDIS_URL");
    char err[256], key[64];
    struct kv *kv;
    struct ratelimit *a, *b;

    (void)state;
    if (url == NULL || url[0] == '\0')
        skip(); /* tests/run.sh provides a private Redis */
    kv = kv_new(url, 1000, err, sizeof(err));
    assert_non_null(kv);
    a = ratelimit_new(kv, 4, WINDOW_MS);
    b = ratelimit_new(kv, 4, WINDOW_MS);
    unique_key(key, sizeof(key), "redis", 1);
    /* a and b take turns: only a shared count reaches the limit */
    if (count_through(a, b, key, 4) != 0) {
        unique_key(key, sizeof(key), "redis", 2);
        assert_int_equal(count_through(a, b, key, 4), 0);
    }
    ratelimit_free(a);
    ratelimit_free(b);
    kv_free(kv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratelimit_check_local_counts_down),
        cmocka_unit_test(test_ratelimit_check_redis_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
