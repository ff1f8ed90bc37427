/*
 * catalog_load: the catalog builder's reads (the catalog flow): every
 * servable campaign with its serving, targeting and cap rows, their
 * creatives with the measured media facts, and the IAB category exclusions,
 * fed into a snapshot_builder.
 *
 * Servable means status 'active' and an end date no more than a day ago
 * (the decision checks the exact flight; the day of slack lets explain show
 * a campaign that has just ended). Missing serving, targeting or cap rows
 * mean the defaults of sql/008. Money arrives as micro-units computed in SQL
 * (numeric * 1000000), never through floating point.
 *
 * All reads run in one REPEATABLE READ, READ ONLY transaction so the
 * snapshot is consistent. A bad row (unknown time zone, value out of range)
 * is logged and skipped; only a database failure fails the load.
 *
 * Runs on the catalog thread's own connection (catalog.h), never the pool's.
 *
 * In decision/, not db/: it is the catalog's loader, feeding rows straight
 * into a snapshot_builder and turning storage keys into player URLs
 * (media/creative_url.h), both above the database layer.
 */
#ifndef DECISION_CATALOG_LOAD_H
#define DECISION_CATALOG_LOAD_H

#include <libpq-fe.h>
#include <stddef.h>

struct app;
struct snapshot_builder;

/* What one load fed to the builder. */
struct catalog_load_counts {
    unsigned long campaigns;  /* added */
    unsigned long creatives;  /* added */
    unsigned long exclusions; /* added */
    unsigned long skipped;    /* rows logged and left out */
};

/*
 * Prepare the catalog statements on pg; call once after each (re)connect.
 * 0, or -1 with a message in err.
 */
int catalog_load_prepare(PGconn *pg, char *err, size_t errlen);

/*
 * Read the catalog from pg into b. app gives the media URLs: when
 * app->storage is set, a creative whose storage key is known (creative_media,
 * or derived from video_url) is served from creative_url_player(); otherwise
 * its video_url is used as is. 0 and *counts, or -1 with err when a
 * statement failed (b then holds part of the catalog: throw it away).
 */
int catalog_load_read(PGconn *pg, struct app *app, struct snapshot_builder *b,
                    struct catalog_load_counts *counts, char *err, size_t errlen);

#endif
