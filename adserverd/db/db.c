/*
 * db: see db.h. The pool is an array guarded by one mutex and a condition
 * variable; the critical section is only the hand-out, never a query.
 */
#include "db/db.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct db_conn {
    PGconn *pg;
    int in_use;
    int broken;
    char **prepared; /* statement names prepared on this connection */
    size_t nprepared;
};

struct db_pool {
    char *url;
    int size;
    struct db_conn *conns;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned long resets;
};

struct db_pool *db_pool_new(const char *url, int size)
{
    struct db_pool *p = xcalloc(1, sizeof(*p));

    p->url = xstrdup(url);
    p->size = size;
    p->conns = xcalloc((size_t)size, sizeof(struct db_conn));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    return p;
}

static void forget_prepared(struct db_conn *c)
{
    for (size_t i = 0; i < c->nprepared; i++)
        free(c->prepared[i]);
    free(c->prepared);
    c->prepared = NULL;
    c->nprepared = 0;
}

void db_pool_free(struct db_pool *pool)
{
    if (pool == NULL)
        return;
    for (int i = 0; i < pool->size; i++) {
        if (pool->conns[i].pg != NULL)
            PQfinish(pool->conns[i].pg);
        forget_prepared(&pool->conns[i]);
    }
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->cond);
    free(pool->conns);
    free(pool->url);
    free(pool);
}

/* Server notices ("relation already exists, skipping") are expected; keep stderr JSON-only. */
static void drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Open or heal c; 0 when it is usable. Runs outside the pool lock. */
static int conn_ready(struct db_pool *pool, struct db_conn *c)
{
    static const char *const keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {pool->url, "3", "adserverd", NULL};
    PGresult *r;

    if (c->pg != NULL && !c->broken && PQstatus(c->pg) == CONNECTION_OK)
        return 0;
    forget_prepared(c);
    if (c->pg != NULL) {
        PQfinish(c->pg);
        c->pg = NULL;
        __atomic_add_fetch(&pool->resets, 1, __ATOMIC_RELAXED);
    }
    c->broken = 0;
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK)
        goto fail;
    PQsetNoticeProcessor(c->pg, drop_notice, NULL);
    r = PQexec(c->pg, "SET TIME ZONE 'UTC'; SET statement_timeout = 30000");
    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    return 0;
fail:
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
    return -1;
}

struct db_conn *db_acquire(struct db_pool *pool, int timeout_ms)
{
    struct timespec deadline;
    struct db_conn *c = NULL;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        /* Prefer a connection that is already open. */
        for (int i = 0; i < pool->size && c == NULL; i++)
            if (!pool->conns[i].in_use && pool->conns[i].pg != NULL)
                c = &pool->conns[i];
        for (int i = 0; i < pool->size && c == NULL; i++)
            if (!pool->conns[i].in_use)
                c = &pool->conns[i];
        if (c != NULL)
            break;
        if (pthread_cond_timedwait(&pool->cond, &pool->lock, &deadline) == ETIMEDOUT)
            break;
    }
    if (c != NULL)
        c->in_use = 1;
    pthread_mutex_unlock(&pool->lock);
    if (c != NULL && conn_ready(pool, c) != 0) {
        db_release(pool, c);
        c = NULL;
    }
    return c;
}

void db_release(struct db_pool *pool, struct db_conn *conn)
{
    if (conn == NULL)
        return;
    /* A connection left inside a transaction by a failed caller is not reusable as is. */
    if (conn->pg != NULL && PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
        conn->broken = 1;
    pthread_mutex_lock(&pool->lock);
    conn->in_use = 0;
    pthread_cond_signal(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
}

static int is_prepared(struct db_conn *c, const char *name)
{
    for (size_t i = 0; i < c->nprepared; i++)
        if (strcmp(c->prepared[i], name) == 0)
            return 1;
    return 0;
}

static void set_state(PGresult *r, char sqlstate[6])
{
    const char *s = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    if (sqlstate == NULL)
        return;
    snprintf(sqlstate, 6, "%s", s != NULL ? s : "");
}

PGresult *db_exec(struct db_conn *conn, const char *name, const char *sql, int nparams,
                  const char *const *params, char sqlstate[6])
{
    PGresult *r;
    ExecStatusType st;

    if (sqlstate != NULL)
        sqlstate[0] = '\0';
    if (!is_prepared(conn, name)) {
        r = PQprepare(conn->pg, name, sql, nparams, NULL);
        if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
            set_state(r, sqlstate);
            PQclear(r);
            if (PQstatus(conn->pg) != CONNECTION_OK)
                conn->broken = 1;
            return NULL;
        }
        PQclear(r);
        conn->prepared = xrealloc(conn->prepared, (conn->nprepared + 1) * sizeof(char *));
        conn->prepared[conn->nprepared++] = xstrdup(name);
    }
    r = PQexecPrepared(conn->pg, name, nparams, params, NULL, NULL, 0);
    st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    set_state(r, sqlstate);
    PQclear(r);
    if (PQstatus(conn->pg) != CONNECTION_OK)
        conn->broken = 1;
    return NULL;
}

int db_simple(struct db_conn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn->pg, sql);
    ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = 0;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        if (err != NULL)
            snprintf(err, errlen, "%s", r != NULL ? PQresultErrorMessage(r) : "no result");
        if (PQstatus(conn->pg) != CONNECTION_OK)
            conn->broken = 1;
        rc = -1;
    }
    PQclear(r);
    return rc;
}

PGconn *db_pg(struct db_conn *conn)
{
    return conn->pg;
}

int db_ping(struct db_pool *pool, double *latency_ms, char *err, size_t errlen)
{
    struct timespec a, b;
    struct db_conn *c;
    PGresult *r;
    int rc = -1;

    clock_gettime(CLOCK_MONOTONIC, &a);
    c = db_acquire(pool, 2000);
    if (c == NULL) {
        snprintf(err, errlen, "connection to PostgreSQL failed");
        return -1;
    }
    r = db_exec(c, "db_ping", "SELECT 1", 0, NULL, NULL);
    if (r == NULL) {
        snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
        goto cleanup;
    }
    PQclear(r);
    clock_gettime(CLOCK_MONOTONIC, &b);
    *latency_ms = (double)(b.tv_sec - a.tv_sec) * 1000.0 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    rc = 0;
cleanup:
    db_release(pool, c);
    return rc;
}

void db_pool_stats(struct db_pool *pool, int *size, int *in_use, int *connected,
                   unsigned long *resets)
{
    int u = 0, k = 0;

    pthread_mutex_lock(&pool->lock);
    for (int i = 0; i < pool->size; i++) {
        u += pool->conns[i].in_use;
        k += pool->conns[i].pg != NULL && !pool->conns[i].broken;
    }
    pthread_mutex_unlock(&pool->lock);
    *size = pool->size;
    *in_use = u;
    *connected = k;
    *resets = __atomic_load_n(&pool->resets, __ATOMIC_RELAXED);
}

const char *db_get(const PGresult *res, int row, const char *name)
{
    int col = PQfnumber(res, name);

    if (col < 0 || row >= PQntuples(res) || PQgetisnull(res, row, col))
        return NULL;
    return PQgetvalue(res, row, col);
}
