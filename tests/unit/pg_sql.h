/*
 * pg_sql: the one helper the unit tests that need PostgreSQL share to set
 * up and read back rows (static, included by each test that uses it). The
 * code under test never goes through it: it has its own pool and
 * prepared statements; this is the test's independent view of the tables.
 */
#ifndef TESTS_UNIT_PG_SQL_H
#define TESTS_UNIT_PG_SQL_H

#include <libpq-fe.h>
#include <stdio.h>

/* Run a statement; copy the first value of the first row into out when given. */
static inline int sql(PGconn *pg, const char *q, int n, const char *const *params, char *out,
                      size_t outlen)
{
    PGresult *res = PQexecParams(pg, q, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

    if (!ok)
        fprintf(stderr, "sql failed: %s: %s", q, PQerrorMessage(pg));
    if (ok && out != NULL) {
        ok = PQntuples(res) > 0;
        if (ok)
            snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return ok ? 0 : -1;
}

#endif
