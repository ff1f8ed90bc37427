/*
 * spend: the spend counters decisioning reads, kept
 * fresh in the background so the ad path never waits on Redis or
 * PostgreSQL for them.
 *
 * Every spend_refresh_ms a thread reads each campaign's Redis counters
 * (sp:{C}:t, the flight total, and sp:{C}:h:<utc hour>, per hour, both in
 * micro-units, written by beacon intake on every instance) and publishes
 * them; every few seconds it also reads PostgreSQL's record (campaign_spend
 * and the last 48 hours of beacon_events) and the campaigns'
 * click-through URLs. What decisioning sees is the larger of the two, so a
 * Redis outage or FLUSHALL never makes a spent campaign serve again; the
 * refresh interval bounds how long another instance's spend takes to stop
 * a campaign (default 250 ms, well inside the 1 s target).
 *
 * After a Redis FLUSHALL or restart (the marker key sp:epoch is gone) the
 * thread rebuilds the counters from PostgreSQL, never lowering one that
 * intake has already raised again: spend totals and hours, and the
 * frequency-cap counters of the current hour, day and week (beacon_events
 * keeps each impression's cap key). Retry markers and freqcap's dedup sets
 * are not rebuilt: a beacon retried across a flush counts again in Redis
 * (never in PostgreSQL), which only makes caps and budgets stricter.
 */
#ifndef SPEND_H
#define SPEND_H

#include "lib/buf.h"
#include "decision/pacing.h"

#include <stddef.h>
#include <stdint.h>

struct app;
struct snapshot_campaign;
struct spend;
struct tz_zone;

/* Start the refresh thread; the first refresh runs before this returns. NULL with err. */
struct spend *spend_start(struct app *app, char *err, size_t errlen);
void spend_stop(struct spend *s); /* NULL ok */

/*
 * The decision_spend_source callback (ctx = struct spend *): c's counters
 * (total over the flight, today in c's time zone). 0, or -1 when the
 * campaign is not known yet (decisioning then uses the snapshot's
 * budget_spent). Called by the decision ticker (tick.h), never per ad
 * request: it takes the read lock and searches by id.
 */
int spend_get(void *ctx, uint32_t i, const struct snapshot_campaign *c, struct pacing_spend *out);
/* Same by campaign id, today as UTC day (tests, the series endpoint). */
int spend_lookup(struct spend *s, const char *campaign_id, int64_t *total, int64_t *today_utc);

/* The campaign's click-through URL into out; 0, or -1 when none or unknown. */
int spend_click_url(struct spend *s, const char *campaign_id, char *out, size_t n);

/*
 * The campaign's time zone (its frequency-cap and pacing windows), or NULL
 * when unknown. Valid until spend_stop().
 */
const struct tz_zone *spend_zone(struct spend *s, const char *campaign_id);

/* Prometheus lines (overspend, dead letters, counter rebuilds). 0, or -1 when full. */
int spend_metrics(struct spend *s, struct buf *out);

#endif
