/*
 * catalog: the catalog builder thread; see catalog.h.
 *
 * The loop keeps three facts: whether a build is owed (dirty: start,
 * NOTIFY, kick, refresh deadline, reconnect), when the last build started
 * (for the 200 ms debounce), and the next refresh deadline. It sleeps in
 * poll() on the PG socket and its bgthread's eventfd until the earliest of
 * them.
 * Notifications that arrive while a build runs are queued by libpq and
 * drained afterwards, so a change made during a build is never missed.
 *
 * Invariants: only this thread touches pg; the published snapshot is only
 * replaced by a complete build; counters are guarded by mu.
 */
#include "decision/catalog.h"
#include "core/bgthread.h"
#include "lib/clock.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/config.h"
#include "decision/catalog_load.h"
#include "lib/log.h"
#include "decision/snapshot.h"
#include "decision/tick.h"
#include "decision/ticker.h"
#include "lib/xalloc.h"

#define DEBOUNCE_MS 200
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_MS 5000

struct catalog {
    struct app *app;
    struct snapshot_holder *holder;
    struct bgthread *thread; /* "adsd-catalog"; the loop gets it as its argument too */
    atomic_int kicked;
    int64_t refresh_ms;
    PGconn *pg;
    pthread_mutex_t mu;
    struct catalog_stats stats;
};

static void count_failure(struct catalog *c)
{
    pthread_mutex_lock(&c->mu);
    c->stats.failures++;
    pthread_mutex_unlock(&c->mu);
}

static void set_connected(struct catalog *c, int up)
{
    pthread_mutex_lock(&c->mu);
    c->stats.connected = up;
    pthread_mutex_unlock(&c->mu);
}

static void disconnect(struct catalog *c)
{
    PQfinish(c->pg);
    c->pg = NULL;
    set_connected(c, 0);
}

/*
 * Connect without blocking the thread: PQconnectPoll() driven by poll() on
 * the socket and the eventfd, so catalog_stop() is not held up by a server
 * that does not answer. 0 when connected, -1 with err (or when stopping).
 */
static int connect_async(struct catalog *c, struct bgthread *t, char *err, size_t errlen)
{
    static const char *const keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {c->app->cfg->database_url, "adserverd-catalog", NULL};
    int64_t deadline = clock_mono_ms() + CONNECT_TIMEOUT_MS;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;

    c->pg = PQconnectStartParams(keys, vals, 1);
    if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
        snprintf(err, errlen, "%s", c->pg != NULL ? PQerrorMessage(c->pg) : "out of memory");
        return -1;
    }
    for (;;) {
        struct pollfd pfd[2];
        int64_t left = deadline - clock_mono_ms();
        int rc;

        if (st == PGRES_POLLING_OK)
            return 0;
        if (st == PGRES_POLLING_FAILED) {
            snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
            return -1;
        }
        if (bgthread_stopping(t)) {
            snprintf(err, errlen, "stopping");
            return -1;
        }
        if (left <= 0) {
            snprintf(err, errlen, "connection timed out");
            return -1;
        }
        pfd[0].fd = bgthread_fd(t);
        pfd[0].events = POLLIN;
        pfd[1].fd = PQsocket(c->pg);
        pfd[1].events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        rc = poll(pfd, 2, (int)left);
        if (rc < 0 && errno != EINTR) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            return -1;
        }
        if (rc > 0 && (pfd[0].revents & POLLIN))
            bgthread_drain(t); /* stop is checked above, a kick has its own flag */
        if (rc > 0 && pfd[1].revents != 0)
            st = PQconnectPoll(c->pg);
    }
}

/* libpq would print server notices (a FATAL on termination) raw on stderr. */
static void on_notice(void *arg, const char *msg)
{
    char text[512];
    size_t n;

    (void)arg;
    snprintf(text, sizeof(text), "%s", msg); /* truncation is fine for a log line */
    n = strlen(text);
    while (n > 0 && text[n - 1] == '\n')
        text[--n] = '\0';
    log_info("catalog: database notice", "message", text);
}

/* Open the LISTEN connection; 0, or -1 with err. */
static int connect_pg(struct catalog *c, struct bgthread *t, char *err, size_t errlen)
{
    PGresult *res;
    int ok;

    if (connect_async(c, t, err, errlen) != 0)
        goto fail;
    PQsetNoticeProcessor(c->pg, on_notice, NULL);
    res = PQexec(c->pg, "LISTEN adserverd_catalog");
    ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "listen: %s", PQerrorMessage(c->pg));
    PQclear(res);
    if (!ok || catalog_load_prepare(c->pg, err, errlen) != 0)
        goto fail;
    set_connected(c, 1);
    return 0;
fail:
    PQfinish(c->pg);
    c->pg = NULL;
    return -1;
}

/* Build and publish one snapshot; 0, or -1 (the previous one stays). */
static int build(struct catalog *c)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot *s = NULL;
    struct catalog_load_counts counts;
    struct pacing_params pp;
    int64_t t0 = clock_mono_ms(), took;
    char err[512], ms[32];
    int ret = -1;

    if (catalog_load_read(c->pg, c->app, b, &counts, err, sizeof(err)) != 0) {
        log_error("catalog build failed", "error", err);
        goto cleanup;
    }
    if (snapshot_builder_finish(b, clock_wall_ms(), &s, err, sizeof(err)) != 0) {
        log_error("catalog snapshot failed", "error", err);
        goto cleanup;
    }
    /* Never publish unevaluated per-slot state: nothing would serve until the next tick. */
    pp = pacing_params_default();
    if (tick_evaluate(s, c->app->spend_src, &pp, clock_wall_ms()) != 0) {
        log_error("catalog snapshot evaluation failed");
        snapshot_free(s);
        goto cleanup;
    }
    took = clock_mono_ms() - t0;
    pthread_mutex_lock(&c->mu);
    c->stats.builds++;
    c->stats.skipped_rows = counts.skipped;
    c->stats.last_build_ms = took;
    c->stats.last_built_at_ms = snapshot_built_ms(s);
    c->stats.campaigns = snapshot_campaign_count(s);
    c->stats.creatives = snapshot_creative_count(s);
    pthread_mutex_unlock(&c->mu);
    snprintf(ms, sizeof(ms), "%lld", (long long)took);
    log_debug("catalog published", "ms", ms);
    snapshot_publish(c->holder, s);
    ticker_kick(c->app->ticker);
    ret = 0;
cleanup:
    snapshot_builder_free(b);
    if (ret != 0)
        count_failure(c);
    return ret;
}

/* Read the socket and drop queued notifications; 1 when any came, 0 none, -1 broken. */
static int drain_notifies(struct catalog *c)
{
    PGnotify *n;
    int any = 0;

    if (PQconsumeInput(c->pg) == 0)
        return -1;
    while ((n = PQnotifies(c->pg)) != NULL) {
        any = 1;
        PQfreemem(n);
    }
    return any;
}

static void run(struct bgthread *t, void *arg)
{
    struct catalog *c = arg;
    int64_t now, last_build = 0, next_refresh = 0, retry_at = 0, backoff = BACKOFF_MIN_MS;
    int dirty = 1, have_built = 0;
    char err[512];

    while (!bgthread_stopping(t)) {
        struct pollfd pfd[2];
        int64_t wait_ms;
        int nfds = 1, rc;

        now = clock_mono_ms();
        if (atomic_exchange(&c->kicked, 0))
            dirty = 1;
        if (c->pg == NULL && now >= retry_at) {
            if (connect_pg(c, t, err, sizeof(err)) == 0) {
                if (backoff > BACKOFF_MIN_MS)
                    log_info("catalog: database connection restored");
                backoff = BACKOFF_MIN_MS;
                dirty = 1;
            } else {
                if (bgthread_stopping(t))
                    break;
                count_failure(c);
                if (backoff == BACKOFF_MIN_MS)
                    log_error("catalog: cannot connect to the database", "error", err);
                retry_at = clock_mono_ms() + backoff;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            }
            now = clock_mono_ms();
        }
        if (c->pg != NULL && have_built && now >= next_refresh)
            dirty = 1;
        if (c->pg != NULL && dirty && (!have_built || now - last_build >= DEBOUNCE_MS)) {
            last_build = now;
            dirty = 0;
            if (build(c) == 0) {
                have_built = 1;
                next_refresh = clock_mono_ms() + c->refresh_ms;
            } else if (PQstatus(c->pg) != CONNECTION_OK) {
                disconnect(c);
                dirty = 1;
                retry_at = clock_mono_ms() + backoff;
            } else {
                /* A bad statement, not an outage: retry at the refresh interval. */
                have_built = 1;
                next_refresh = clock_mono_ms() + c->refresh_ms;
            }
            /* A change committed while the build ran may be missing from it:
             * any notification queued meanwhile owes another build. */
            if (c->pg != NULL) {
                rc = drain_notifies(c);
                if (rc < 0)
                    disconnect(c);
                if (rc != 0)
                    dirty = 1;
            }
            continue;
        }
        if (c->pg == NULL)
            wait_ms = retry_at - now;
        else if (dirty)
            wait_ms = last_build + DEBOUNCE_MS - now;
        else
            wait_ms = next_refresh - now;
        if (wait_ms < 0)
            wait_ms = 0;
        pfd[0].fd = bgthread_fd(t);
        pfd[0].events = POLLIN;
        if (c->pg != NULL) {
            pfd[1].fd = PQsocket(c->pg);
            pfd[1].events = POLLIN;
            nfds = 2;
        }
        rc = poll(pfd, (nfds_t)nfds, (int)wait_ms);
        if (rc < 0) {
            if (errno != EINTR)
                log_error("catalog: poll failed", "error", strerror(errno));
            continue;
        }
        if (rc == 0)
            continue;
        if (pfd[0].revents & POLLIN)
            bgthread_drain(t);
        if (nfds == 2 && pfd[1].revents != 0) {
            rc = drain_notifies(c);
            if (rc > 0) {
                dirty = 1;
            } else if (rc < 0 || PQstatus(c->pg) != CONNECTION_OK) {
                log_warn("catalog: database connection lost; keeping the last snapshot");
                count_failure(c);
                disconnect(c);
                retry_at = clock_mono_ms();
                backoff = BACKOFF_MIN_MS * 2; /* so the restore is logged */
                dirty = 1;
            }
        }
    }
}

struct catalog *catalog_start(struct app *app, struct snapshot_holder *holder, char *err,
                              size_t errlen)
{
    struct catalog *c;
    int rc;

    if (app == NULL || app->cfg == NULL || app->cfg->database_url == NULL || holder == NULL) {
        snprintf(err, errlen, "catalog needs DATABASE_URL and a snapshot holder");
        return NULL;
    }
    c = xcalloc(1, sizeof(*c));
    c->app = app;
    c->holder = holder;
    c->refresh_ms =
        (int64_t)(app->cfg->catalog_refresh_s > 0 ? app->cfg->catalog_refresh_s : 30) * 1000;
    atomic_init(&c->kicked, 0);
    rc = pthread_mutex_init(&c->mu, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "pthread_mutex_init: %s", strerror(rc));
        free(c);
        return NULL;
    }
    c->thread = bgthread_start("adsd-catalog", 1, run, c, err, errlen);
    if (c->thread == NULL) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

void catalog_kick(struct catalog *c)
{
    atomic_store(&c->kicked, 1);
    bgthread_wake(c->thread);
}

void catalog_stats(struct catalog *c, struct catalog_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}

void catalog_stop(struct catalog *c)
{
    if (c == NULL)
        return;
    bgthread_stop(c->thread);
    PQfinish(c->pg);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
