/*
 * catalog: the catalog builder thread (docs/architecture.md, flow 2).
 *
 * One thread with its own PostgreSQL connection (not the pool's: it sits in
 * LISTEN adserverd_catalog for the daemon's lifetime). It builds a snapshot
 * at start, publishes it into a snapshot_holder with an atomic swap, and
 * rebuilds when a trigger NOTIFYs (sql/008; bursts coalesce, at most one
 * rebuild per 200 ms, so a change is served within about a second) and
 * every ADSERVERD_CATALOG_REFRESH_S seconds as a safety net. When PostgreSQL
 * goes away the last snapshot stays published and the thread reconnects by
 * itself with a backoff of up to 5 s. The thread is a core/bgthread
 * ("adsd-catalog"); catalog_stop() wakes it at once
 * (poll() on the PG socket and its eventfd, connecting with PQconnectPoll();
 * only a host name lookup inside libpq can still block it).
 *
 * Expected load: one build per refresh interval or admin write.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct catalog;
struct snapshot_holder;

/* Counters for /metrics. */
struct catalog_stats {
    unsigned long builds;       /* snapshots published */
    unsigned long failures;     /* builds or connections that failed */
    unsigned long skipped_rows; /* rows left out by the last build */
    int64_t last_build_ms;      /* duration of the last successful build */
    int64_t last_built_at_ms;   /* wall clock of the last publish, 0 = never */
    uint32_t campaigns;         /* campaigns in the published snapshot */
    uint32_t creatives;         /* creatives in the published snapshot */
    int connected;              /* 1 while the LISTEN connection is up */
};

/*
 * Start the thread: connects to app->cfg->database_url, refresh interval
 * app->cfg->catalog_refresh_s (<= 0: 30). app and holder are borrowed and
 * must outlive catalog_stop(). The first build happens on the thread; a
 * caller that needs it waits for snapshot_acquire(holder) to be non-NULL.
 * NULL with a message in err when the thread cannot be started (a database
 * that is down is not an error: the thread keeps trying).
 */
struct catalog *catalog_start(struct app *app, struct snapshot_holder *holder, char *err,
                              size_t errlen);

/* Ask for a rebuild now (as a NOTIFY would). Thread-safe. */
void catalog_kick(struct catalog *c);

/* Copy the counters; thread-safe. */
void catalog_stats(struct catalog *c, struct catalog_stats *out);

/* Stop and join the thread, close its connection, free c. NULL is fine. The holder keeps the
 * last snapshot. */
void catalog_stop(struct catalog *c);

#endif
