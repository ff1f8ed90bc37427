/*
 * spool_drain: the background thread that moves spooled events into
 * PostgreSQL (docs/architecture.md, flow 4).
 *
 * Each batch (up to drain_batch records) is one transaction: raw events
 * (ON CONFLICT on the event id, so a replay after a crash or a player's
 * retry counts once), the contract's impressions rows (an impression makes
 * the row; quartiles, complete and click update it), campaign_daily_stats
 * counts and spend (beacon_spend_apply). Only events that were new in
 * beacon_events are counted. Spool segments are released (deleted) only
 * after the transaction committed; kill -9 between the two replays the
 * batch, which the event ids make harmless.
 *
 * PostgreSQL down: the batch is retried with a back-off and the spool
 * grows. An event that cannot be applied (unknown campaign or creative,
 * malformed field, undecodable record) goes to beacon_dead_letters with the
 * reason; a batch that fails for a reason other than the connection is
 * retried one record per transaction, so one bad event never blocks the
 * rest.
 */
#ifndef SPOOL_DRAIN_H
#define SPOOL_DRAIN_H

#include "lib/buf.h"

#include <stdint.h>

struct app;
struct spool_drain;

/* Start the thread (needs app->spool and app->db). NULL with err. */
struct spool_drain *spool_drain_start(struct app *app, char *err, size_t errlen);
/* Stop after the batch in progress (what is left stays in the spool). NULL ok. */
void spool_drain_stop(struct spool_drain *d);

/* Records in the spool not yet committed to PostgreSQL (queue_size in docs/admin-api.md). */
uint64_t spool_drain_pending(struct spool_drain *d);

/* Prometheus lines (spool and drain). 0, or -1 when out is full. */
int spool_drain_metrics(struct spool_drain *d, struct buf *out);

#endif
