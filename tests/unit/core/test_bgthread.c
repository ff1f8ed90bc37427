/*
 * Unit tests for core/bgthread: wake-ups are never lost, a group of threads
 * all stop, a timeout alone runs the loop again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <time.h>

#include "core/bgthread.h"

struct counter {
    atomic_int passes;
    atomic_int exited;
    int timeout_ms;
};

static void count_main(struct bgthread *t, void *arg)
{
    struct counter *c = arg;

    while (bgthread_wait(t, c->timeout_ms))
        atomic_fetch_add(&c->passes, 1);
    atomic_fetch_add(&c->exited, 1);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Waits up to 2 s for *v to reach at least want. */
static int wait_for(atomic_int *v, int want)
{
    for (int i = 0; i < 2000 && atomic_load(v) < want; i++)
        sleep_ms(1);
    return atomic_load(v);
}

static void test_bgthread_wake_runs_the_loop(void **state)
{
    struct counter c = {.timeout_ms = -1};
    char err[128];
    struct bgthread *t;

    (void)state;
    atomic_init(&c.passes, 0);
    atomic_init(&c.exited, 0);
    t = bgthread_start("test-wake", 1, count_main, &c, err, sizeof(err));
    assert_non_null(t);
    bgthread_wake(t);
    assert_true(wait_for(&c.passes, 1) >= 1);
    bgthread_stop(t);
    assert_int_equal(atomic_load(&c.exited), 1);
}

static void test_bgthread_wake_before_wait_is_kept(void **state)
{
    struct counter c = {.timeout_ms = -1};
    char err[128];
    struct bgthread *t;

    (void)state;
    atomic_init(&c.passes, 0);
    atomic_init(&c.exited, 0);
    t = bgthread_start("test-early", 1, count_main, &c, err, sizeof(err));
    assert_non_null(t);
    /* Several wakes while the thread may not have reached its wait yet:
     * at least one pass must follow, never zero. */
    bgthread_wake(t);
    bgthread_wake(t);
    bgthread_wake(t);
    assert_true(wait_for(&c.passes, 1) >= 1);
    bgthread_stop(t);
}

static void test_bgthread_timeout_runs_the_loop(void **state)
{
    struct counter c = {.timeout_ms = 5};
    char err[128];
    struct bgthread *t;

    (void)state;
    atomic_init(&c.passes, 0);
    atomic_init(&c.exited, 0);
    t = bgthread_start("test-tick", 1, count_main, &c, err, sizeof(err));
    assert_non_null(t);
    assert_true(wait_for(&c.passes, 3) >= 3);
    bgthread_stop(t);
    assert_int_equal(atomic_load(&c.exited), 1);
}

static void test_bgthread_group_all_stop(void **state)
{
    struct counter c = {.timeout_ms = -1};
    char err[128];
    struct bgthread *t;

    (void)state;
    atomic_init(&c.passes, 0);
    atomic_init(&c.exited, 0);
    t = bgthread_start("test-group", 4, count_main, &c, err, sizeof(err));
    assert_non_null(t);
    bgthread_stop(t);
    assert_int_equal(atomic_load(&c.exited), 4);
}

static void test_bgthread_start_bad_arguments(void **state)
{
    char err[128] = "";
    struct counter c = {.timeout_ms = -1};

    (void)state;
    assert_null(bgthread_start("x", 0, count_main, &c, err, sizeof(err)));
    assert_string_not_equal(err, "");
    assert_null(bgthread_start("x", 17, count_main, &c, err, sizeof(err)));
    assert_null(bgthread_start("x", 1, NULL, &c, err, sizeof(err)));
    bgthread_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgthread_wake_runs_the_loop),
        cmocka_unit_test(test_bgthread_wake_before_wait_is_kept),
        cmocka_unit_test(test_bgthread_timeout_runs_the_loop),
        cmocka_unit_test(test_bgthread_group_all_stop),
        cmocka_unit_test(test_bgthread_start_bad_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
