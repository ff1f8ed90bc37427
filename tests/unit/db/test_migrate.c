/*
 * test_migrate: adserverd/db/migrate against a real PostgreSQL
 * (DATABASE_URL, skipped when unset). Instances run migrations at every
 * start, so running them again must apply nothing and change nothing.
 * One case checks the database tests/run.sh already migrated; the other
 * migrates a fresh scratch database from nothing, twice, then drops it
 * (skipped when the test role may not create databases).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"

static int setup(void **state)
{
    const char *url = getenv("DATABASE_URL");

    *state = url != NULL && url[0] != '\0' ? (void *)url : NULL;
    return 0;
}

/* Rows of schema_migrations, in version order, checked against the embedded list. */
static void assert_recorded(struct db_pool *pool)
{
    struct db_conn *c = db_acquire(pool, 5000);
    PGresult *r;

    assert_non_null(c);
    r = db_exec(c, "test_migrate_versions", "SELECT version FROM schema_migrations ORDER BY 1", 0,
                NULL, NULL);
    assert_non_null(r);
    assert_int_equal(PQntuples(r), nmigrations);
    for (int i = 0; i < nmigrations; i++)
        assert_string_equal(PQgetvalue(r, i, 0), migrations[i].name);
    PQclear(r);
    db_release(pool, c);
}

static void test_migrate_run_again_applies_nothing(void **state)
{
    const char *url = *state;
    struct db_pool *pool;
    char err[512] = "";
    int applied = -1;

    if (url == NULL)
        skip();
    pool = db_pool_new(url, 1);
    assert_int_equal(migrate_pending(pool, err, sizeof(err)), 0);
    for (int i = 0; i < 2; i++) {
        applied = -1;
        if (migrate_run(pool, &applied, err, sizeof(err)) != 0)
            fail_msg("migrate_run: %s", err);
        assert_int_equal(applied, 0);
    }
    assert_recorded(pool);
    db_pool_free(pool);
}

/* Run one statement on the server's maintenance connection; 0 when it succeeded. */
static int admin_sql(const char *url, const char *sql)
{
    PGconn *pg = PQconnectdb(url);
    PGresult *r = PQstatus(pg) == CONNECTION_OK ? PQexec(pg, sql) : NULL;
    int ok = r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK;

    PQclear(r);
    PQfinish(pg);
    return ok ? 0 : -1;
}

static void test_migrate_fresh_database_twice(void **state)
{
    const char *url = *state;
    const char *slash;
    char name[64], scratch[1024], sql[128];
    struct db_pool *pool;
    char err[512] = "";
    int applied = -1;

    if (url == NULL)
        skip();
    /* postgres://user@host:port/db: the same server, another database */
    slash = strrchr(url, '/');
    if (slash == NULL || strchr(slash, '?') != NULL || slash - url < 10)
        skip();
    snprintf(name, sizeof(name), "unit_migrate_%ld", (long)getpid());
    if (snprintf(scratch, sizeof(scratch), "%.*s/%s", (int)(slash - url), url, name) >=
        (int)sizeof(scratch))
        skip();
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    if (admin_sql(url, sql) != 0)
        skip(); /* no CREATEDB privilege here */

    pool = db_pool_new(scratch, 1);
    assert_int_equal(migrate_pending(pool, err, sizeof(err)), nmigrations);
    if (migrate_run(pool, &applied, err, sizeof(err)) != 0)
        fail_msg("first migrate_run: %s", err);
    assert_int_equal(applied, nmigrations);
    applied = -1;
    if (migrate_run(pool, &applied, err, sizeof(err)) != 0)
        fail_msg("second migrate_run: %s", err);
    assert_int_equal(applied, 0);
    assert_int_equal(migrate_pending(pool, err, sizeof(err)), 0);
    assert_recorded(pool);
    db_pool_free(pool);

    snprintf(sql, sizeof(sql), "DROP DATABASE %s", name);
    assert_int_equal(admin_sql(url, sql), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_run_again_applies_nothing),
        cmocka_unit_test(test_migrate_fresh_database_twice),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
