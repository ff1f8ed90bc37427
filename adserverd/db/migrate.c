/*
 * migrate: see migrate.h. The advisory lock key is an arbitrary constant
 * ("ctvad" in ASCII) shared by every adserverd.
 */
#include "db/migrate.h"
#include "db/db.h"
#include "lib/log.h"

#include <stdio.h>
#include <string.h>

#define LOCK_KEY "418464375140"

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version varchar(255) PRIMARY KEY,"
    " applied_at timestamptz DEFAULT now())";

static int is_applied(struct db_conn *c, const char *name, char *err, size_t errlen)
{
    const char *p[1] = {name};
    PGresult *r = db_exec(c, "migrate_is_applied",
                          "SELECT 1 FROM schema_migrations WHERE version = $1", 1, p, NULL);
    int rc;

    if (r == NULL) {
        snprintf(err, errlen, "reading schema_migrations: %s", PQerrorMessage(db_pg(c)));
        return -1;
    }
    rc = PQntuples(r) > 0;
    PQclear(r);
    return rc;
}

static int apply_one(struct db_conn *c, const struct migration *m, char *err, size_t errlen)
{
    const char *p[1] = {m->name};
    char why[512];
    PGresult *r;

    if (db_simple(c, "BEGIN", err, errlen) != 0)
        return -1;
    if (db_simple(c, m->sql, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: %s", m->name, why);
        goto rollback;
    }
    r = db_exec(c, "migrate_record", "INSERT INTO schema_migrations (version) VALUES ($1)", 1, p,
                NULL);
    if (r == NULL) {
        snprintf(err, errlen, "%s: recording: %s", m->name, PQerrorMessage(db_pg(c)));
        goto rollback;
    }
    PQclear(r);
    return db_simple(c, "COMMIT", err, errlen);
rollback:
    db_simple(c, "ROLLBACK", NULL, 0);
    return -1;
}

int migrate_run(struct db_pool *pool, int *applied, char *err, size_t errlen)
{
    struct db_conn *c = db_acquire(pool, 10000);
    int n = 0;
    int rc = -1;

    if (c == NULL) {
        snprintf(err, errlen, "cannot connect to PostgreSQL");
        return -1;
    }
    if (db_simple(c, "SELECT pg_advisory_lock(" LOCK_KEY ")", err, errlen) != 0)
        goto cleanup;
    if (db_simple(c, create_table, err, errlen) != 0)
        goto unlock;
    for (int i = 0; i < nmigrations; i++) {
        int done = is_applied(c, migrations[i].name, err, errlen);
        if (done < 0)
            goto unlock;
        if (done)
            continue;
        if (apply_one(c, &migrations[i], err, errlen) != 0)
            goto unlock;
        log_info("migration applied", "version", migrations[i].name);
        n++;
    }
    *applied = n;
    rc = 0;
unlock:
    db_simple(c, "SELECT pg_advisory_unlock(" LOCK_KEY ")", NULL, 0);
cleanup:
    db_release(pool, c);
    return rc;
}

int migrate_pending(struct db_pool *pool, char *err, size_t errlen)
{
    struct db_conn *c = db_acquire(pool, 10000);
    int pending = 0;

    if (c == NULL) {
        snprintf(err, errlen, "cannot connect to PostgreSQL");
        return -1;
    }
    if (db_simple(c, create_table, err, errlen) != 0) {
        pending = -1;
        goto cleanup;
    }
    for (int i = 0; i < nmigrations; i++) {
        int done = is_applied(c, migrations[i].name, err, errlen);
        if (done < 0) {
            pending = -1;
            goto cleanup;
        }
        pending += !done;
    }
cleanup:
    db_release(pool, c);
    return pending;
}
