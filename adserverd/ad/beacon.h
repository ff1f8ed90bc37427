/*
 * beacon: event intake (ARCHITECTURE.md flow 4). The signed tracking URLs
 * of the VAST we serve (GET|HEAD /t/:event on the ad listener),
 * POST /api/v1/track-impression (admin, API-CONTRACT.md 3.5) and the old
 * POST /api/v1/impression (ad listener) all end here:
 *
 *   verify -> queue the Redis counter updates (spend with a SET NX retry
 *   marker, freqcap commit; a counter thread pipelines everything queued in
 *   one round trip) -> spool_append -> wait for the record's group commit
 *   with the connection suspended -> answer.
 *
 * A beacon that does not verify (unsigned, altered, expired) gets exactly
 * the answer a valid one gets, so an attacker learns nothing, and is
 * spooled as invalid: stored, never counted or billed. A click answers 302
 * to the campaign's click-through URL, which comes from our own table (never
 * from the request), so the redirect cannot be forged.
 *
 * The hot path touches no PostgreSQL; Redis is best effort (down or slow:
 * the beacon still succeeds, the drain writes the record to PostgreSQL and
 * the spend module takes the larger of the two counters).
 */
#ifndef BEACON_H
#define BEACON_H

#include "lib/buf.h"

#include <stdint.h>

struct app;
struct request;

/* Per-process intake state (counters, script hashes). */
struct beacon;

struct kv;

/* Start the counter thread (Redis updates of intake, on kv). NULL on failure. */
struct beacon *beacon_new(struct kv *kv);
void beacon_free(struct beacon *b);

/* Campaign time zones for the cap windows of the freqcap commit (spend.h). */
struct spend;
void beacon_set_spend(struct beacon *b, struct spend *s);

/* Handlers (router.c). */
int beacon_track_get(struct request *req);           /* GET|HEAD /t/:event */
int beacon_track_impression(struct request *req);    /* POST /api/v1/track-impression */
int beacon_legacy_impression(struct request *req);   /* POST /api/v1/impression */

/* Prometheus lines for /metrics. 0, or -1 when out is full. */
int beacon_metrics(struct app *app, struct buf *out);

#endif
