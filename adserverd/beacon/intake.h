/*
 * intake: what happens to a beacon between the HTTP handler and the
 * answer, with no HTTP in it (the handlers of ad/beacon.c parse the
 * request and render 204 / GIF / 302 / 202 / 503):
 *
 *   verify the signed tracking URL -> build the spool record -> append it
 *   to the spool -> queue its Redis counter updates (spend with a SET NX
 *   retry marker, the frequency-cap commit) -> register a waiter for the
 *   record's durability under the spool's fsync policy.
 *
 * A counter thread (one bgthread) sends everything queued in one pipelined
 * Redis call per pass, so no worker waits on Redis and a burst of beacons
 * costs one round trip, not one each. The queue is bounded: past it (Redis
 * far behind or down) an update is dropped and counted; the spool record,
 * which the drain writes to PostgreSQL and spend.h reads, stays exact.
 *
 * Invariants: only a record whose append succeeded is counted in Redis;
 * a beacon that does not verify is spooled as invalid (stored, never
 * counted or billed) and its caller answers exactly as for a valid one.
 * Expected load: the ad listener's busiest route (one beacon per quartile
 * per ad); per beacon one HMAC, one write(2) under the spool lock, one
 * queue push, a share of one fdatasync and of one Redis round trip.
 */
#ifndef BEACON_INTAKE_H
#define BEACON_INTAKE_H

#include "beacon/beacon_record.h"
#include "beacon/spool.h"
#include "lib/buf.h"
#include "vast/trackurl.h"

#include <stddef.h>
#include <stdint.h>

struct app;
struct kv;
struct spend;

/* Per-process intake state: counters, script hashes, the counter thread. */
struct beacon;

/*
 * Start the counter thread (Redis updates of intake, on kv, which the
 * caller keeps alive until beacon_free). NULL on failure.
 */
struct beacon *beacon_new(struct kv *kv);
/* Send what is queued, stop the counter thread, free. NULL is a no-op. */
void beacon_free(struct beacon *b);

/* Campaign time zones for the cap windows of the freqcap commit (spend.h);
 * s must outlive b's counter thread (beacon_free before spend_stop). */
void beacon_set_spend(struct beacon *b, struct spend *s);

/*
 * Verify a tracking-URL beacon (path_and_query as received, event_name the
 * route's :event) and fill *r for the spool: a signed beacon's fields, or
 * an invalid record (counted by reason) when it does not verify. r's
 * strings point into ev, user_agent and ip (either may be NULL): they must
 * live until the append. *ev is written only when the result is TRACKURL_OK.
 */
enum trackurl_result beacon_verify_track(struct beacon *b, const unsigned char *key,
                                         size_t keylen, const char *path_and_query,
                                         int64_t now_s, int64_t max_age_s,
                                         const char *event_name, const char *user_agent,
                                         const char *ip, struct beacon_record *r,
                                         struct trackurl_event *ev);

/* Count an impression posted to the API (src: BEACON_SRC_TRACK or _LEGACY). */
void beacon_count_posted(struct beacon *b, enum beacon_source src);

/*
 * Spool r (its id and receive time are set here) and, for a verified
 * beacon (ev != NULL), queue its counter updates. The caller fills
 * w->wake and w->ctx first; this sets w->seq.
 * Returns 1 when the record is durable under the fsync policy now (answer
 * at once), 0 when w is registered (w->wake follows, possibly before this
 * returns; before_wait(ctx) runs first, see spool_wait), -1 when refused
 * (spool full, failed or the record malformed: answer 503).
 */
int beacon_intake(struct beacon *b, struct spool *sp, struct beacon_record *r,
                  const struct trackurl_event *ev, struct spool_waiter *w,
                  void (*before_wait)(void *ctx), void *ctx);

/* Prometheus lines for /metrics (app->beacon; none when NULL). 0, or -1 when out is full. */
int beacon_metrics(struct app *app, struct buf *out);

#endif
