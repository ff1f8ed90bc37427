/*
 * db: the daemon's only door to PostgreSQL (libpq): a fixed pool of
 * connections, parameterized statements only.
 *
 * Statements are prepared once per connection, lazily, under the name the
 * caller gives (by convention the db_<table> function that owns the query),
 * and re-prepared after a reconnect. A connection found broken is reset on
 * its next use, so the pool heals by itself after an outage; a request that
 * hits the outage gets NULL and answers 500/503. Every session runs with
 * TimeZone UTC so timestamps come back as UTC text.
 *
 * Only the admin listener and background threads use this module: the ad
 * listener's request path never waits on PostgreSQL (docs/architecture.md).
 */
#ifndef DB_H
#define DB_H

#include <libpq-fe.h>
#include <stddef.h>

struct db_pool;
struct db_conn;

/* No connection is made yet; each is opened on first acquire. */
struct db_pool *db_pool_new(const char *url, int size);
void db_pool_free(struct db_pool *pool);

/* Wait up to timeout_ms for a free connection; NULL on timeout or when it cannot connect. */
struct db_conn *db_acquire(struct db_pool *pool, int timeout_ms);
/* Give conn back. */
void db_release(struct db_pool *pool, struct db_conn *conn);

/*
 * Execute the statement called name (prepared on first use on this
 * connection) with text parameters (NULL = SQL NULL). Returns the result
 * (caller PQclear()s it) when its status is COMMAND_OK or TUPLES_OK, else
 * NULL; *sqlstate (if given) receives the SQLSTATE of a failed statement
 * ("" for connection failures).
 */
PGresult *db_exec(struct db_conn *conn, const char *name, const char *sql, int nparams,
                  const char *const *params, char sqlstate[6]);
/* Run a fixed, parameterless statement (BEGIN, COMMIT, ROLLBACK, migrations); 0 or -1. */
int db_simple(struct db_conn *conn, const char *sql, char *err, size_t errlen);
/* The raw connection, for COPY and LISTEN users. */
PGconn *db_pg(struct db_conn *conn);

/* SELECT 1 on a pooled connection; latency in ms; -1 with err when down. */
int db_ping(struct db_pool *pool, double *latency_ms, char *err, size_t errlen);
/* For /metrics. */
void db_pool_stats(struct db_pool *pool, int *size, int *in_use, int *connected,
                   unsigned long *resets);

/* Column helpers: value of column name in row, NULL when SQL NULL or no such column. */
const char *db_get(const PGresult *res, int row, const char *name);

#endif
