/*
 * beacon: the HTTP handlers of beacon intake (flow 4 of the daemon: player
 * -> tracking URL -> spool -> answer). The signed tracking URLs of the VAST
 * we serve (GET|HEAD /t/:event on the ad listener),
 * POST /api/v1/track-impression (admin listener, the contract's impression
 * route) and the old POST /api/v1/impression (ad listener) all end here:
 *
 *   parse -> beacon_verify_track / build the record -> beacon_intake
 *   (beacon/intake.h: spool append, Redis counters, durability waiter) ->
 *   suspend the connection until the record is durable -> answer
 *   204 / 1x1 GIF / 302 (clicks) / 202 (posted impressions) / 503.
 *
 * A beacon that does not verify (unsigned, altered, expired) gets exactly
 * the answer a valid one gets, so an attacker learns nothing. A click
 * answers 302 to the campaign's click-through URL, which comes from our own
 * table (never from the request), so the redirect cannot be forged.
 *
 * The hot path touches no PostgreSQL and never waits on Redis or on the
 * disk with a worker thread: the connection is suspended while its record's
 * group commit runs.
 */
#ifndef BEACON_H
#define BEACON_H

/* the intake state (beacon_new, beacon_free, beacon_metrics) the handlers use */
#include "beacon/intake.h"

struct request;

/* Handlers (router.c). */
int beacon_track_get(struct request *req);           /* GET|HEAD /t/:event */
int beacon_track_impression(struct request *req);    /* POST /api/v1/track-impression */
int beacon_legacy_impression(struct request *req);   /* POST /api/v1/impression */

#endif
