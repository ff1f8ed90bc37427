/*
 * migrate: applies the SQL migrations compiled into the binary
 * (sql/NNN_*.sql, embedded at build time by scripts/embed_sql.sh).
 *
 * Each pending file runs in its own transaction together with its row in
 * schema_migrations (named by file, as the reference records them), under
 * a PostgreSQL advisory lock so instances starting together never race.
 * Running it again applies nothing.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include <stddef.h>

struct db_pool;

struct migration {
    const char *name; /* file name, e.g. "001_create_users_table.sql" */
    const char *sql;
};

extern const struct migration migrations[];
extern const int nmigrations;

/* Apply pending migrations; *applied receives how many ran. 0, or -1 with err. */
int migrate_run(struct db_pool *pool, int *applied, char *err, size_t errlen);
/* Number of embedded migrations not yet applied, or -1 with err. */
int migrate_pending(struct db_pool *pool, char *err, size_t errlen);

#endif
