/*
 * test_db: the connection pool and statement helpers of adserverd/db/db
 * against a real PostgreSQL (DATABASE_URL, migrated by tests/run.sh; every
 * case is skipped when it is unset). Covers what handlers and background
 * threads rely on: a full pool makes db_acquire wait at most its timeout
 * and hand out a connection as soon as one is released; a connection given
 * back inside a transaction is reset, never reused mid-transaction;
 * statements are prepared once per connection and report SQLSTATEs; an
 * unreachable server yields NULL, not a hang. Nothing is written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "lib/clock.h"

static int setup(void **state)
{
    const char *url = getenv("DATABASE_URL");

    *state = url != NULL && url[0] != '\0' ? (void *)url : NULL;
    return 0;
}

static void test_db_acquire_full_pool_waits_then_times_out(void **state)
{
    const char *url = *state;
    struct db_pool *pool;
    struct db_conn *a, *b, *c;
    int size, in_use, connected;
    unsigned long resets;
    int64_t t0, took;

    if (url == NULL)
        skip();
    pool = db_pool_new(url, 2);
    assert_non_null(pool);
    a = db_acquire(pool, 5000);
    b = db_acquire(pool, 5000);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    db_pool_stats(pool, &size, &in_use, &connected, &resets);
    assert_int_equal(size, 2);
    assert_int_equal(in_use, 2);
    assert_int_equal(connected, 2);

    t0 = clock_mono_ms();
    c = db_acquire(pool, 300);
    took = clock_mono_ms() - t0;
    assert_null(c);
    assert_true(took >= 250);  /* it did wait ... */
    assert_true(took < 3000);  /* ... and only about its timeout */

    db_release(pool, a);
    c = db_acquire(pool, 300);
    assert_ptr_equal(c, a); /* the released one, already connected */
    db_release(pool, b);
    db_release(pool, c);
    db_release(pool, NULL); /* allowed, does nothing */
    db_pool_stats(pool, &size, &in_use, &connected, &resets);
    assert_int_equal(in_use, 0);
    assert_int_equal(resets, 0);
    db_pool_free(pool);
}

static void test_db_release_inside_transaction_resets(void **state)
{
    const char *url = *state;
    struct db_pool *pool;
    struct db_conn *c;
    int size, in_use, connected;
    unsigned long resets;
    char err[256] = "";

    if (url == NULL)
        skip();
    pool = db_pool_new(url, 1);
    c = db_acquire(pool, 5000);
    assert_non_null(c);
    assert_int_equal(db_simple(c, "BEGIN", err, sizeof(err)), 0);
    assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_INTRANS);
    db_release(pool, c); /* a caller that forgot its ROLLBACK */

    c = db_acquire(pool, 5000);
    assert_non_null(c);
    assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_IDLE);
    db_pool_stats(pool, &size, &in_use, &connected, &resets);
    assert_int_equal(resets, 1);
    db_release(pool, c);
    db_pool_free(pool);
}

static void test_db_exec_prepared_once_and_sqlstate(void **state)
{
    const char *url = *state;
    struct db_pool *pool;
    struct db_conn *c;
    const char *p[1];
    char st[6] = "x";
    PGresult *r;

    if (url == NULL)
        skip();
    pool = db_pool_new(url, 1);
    c = db_acquire(pool, 5000);
    assert_non_null(c);
    for (int i = 0; i < 2; i++) { /* the second run reuses the prepared statement */
        p[0] = i == 0 ? "41" : "99";
        r = db_exec(c, "test_db_add_one", "SELECT $1::int + 1 AS n, NULL::text AS z", 1, p, st);
        assert_non_null(r);
        assert_string_equal(st, "");
        assert_string_equal(db_get(r, 0, "n"), i == 0 ? "42" : "100");
        assert_null(db_get(r, 0, "z"));       /* SQL NULL */
        assert_null(db_get(r, 0, "missing")); /* no such column */
        PQclear(r);
    }
    p[0] = "forty-one";
    assert_null(db_exec(c, "test_db_add_one", "SELECT $1::int + 1 AS n, NULL::text AS z", 1, p,
                        st));
    assert_string_equal(st, "22P02"); /* invalid_text_representation: the client's input */
    assert_null(db_exec(c, "test_db_bad_sql", "SELEC 1", 0, NULL, st));
    assert_string_equal(st, "42601");
    /* a failed statement outside a transaction leaves the connection usable */
    assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_IDLE);
    db_release(pool, c);
    db_pool_free(pool);
}

static void test_db_ping_up_and_down(void **state)
{
    const char *url = *state;
    struct db_pool *pool;
    double ms = -1;
    char err[256] = "";
    int64_t t0;

    if (url == NULL)
        skip();
    pool = db_pool_new(url, 1);
    assert_int_equal(db_ping(pool, &ms, err, sizeof(err)), 0);
    assert_true(ms >= 0);
    db_pool_free(pool);

    /* nothing listens on port 1: refused at once, NULL rather than a hang */
    pool = db_pool_new("postgres://adserver@127.0.0.1:1/adserver", 1);
    t0 = clock_mono_ms();
    assert_null(db_acquire(pool, 1000));
    assert_int_equal(db_ping(pool, &ms, err, sizeof(err)), -1);
    assert_true(err[0] != '\0');
    assert_true(clock_mono_ms() - t0 < 10000);
    db_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_acquire_full_pool_waits_then_times_out),
        cmocka_unit_test(test_db_release_inside_transaction_resets),
        cmocka_unit_test(test_db_exec_prepared_once_and_sqlstate),
        cmocka_unit_test(test_db_ping_up_and_down),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
