/*
 * ticker: the decision ticker thread. Every decision_tick_ms (250..1000,
 * default 250) it evaluates the published snapshot's time- and
 * spend-dependent state with tick_evaluate() (tick.h), so ad requests read
 * flight, day-part, budget and pacing verdicts with atomic loads instead of
 * computing them per campaign. The catalog thread evaluates every snapshot
 * once before publishing it (a new snapshot is never served unevaluated)
 * and kicks the ticker afterwards.
 *
 * Expected load: one pass over the catalog per tick; tests/bench/
 * bench_decision measures 0.4-0.8 ms of CPU for 10,000 campaigns with a
 * trivial spend source, to which the spend refresher's lookup (a read lock
 * and a binary search by id) adds per campaign: a few ms per 250 ms tick.
 */
#ifndef TICKER_H
#define TICKER_H

#include <stddef.h>

struct app;
struct ticker;

/* Default and bounds of decision_tick_ms; config.c checks the bounds. */
#define TICKER_PERIOD_MS_DEFAULT 250
#define TICKER_PERIOD_MS_MIN 250
#define TICKER_PERIOD_MS_MAX 1000

/*
 * Start the thread "adsd-ticker"; app is borrowed (its snapshots and
 * spend_src) and must outlive ticker_stop(). NULL with err.
 */
struct ticker *ticker_start(struct app *app, char *err, size_t errlen);

/* Evaluate now (after a publish); thread-safe, no lock. NULL is fine. */
void ticker_kick(struct ticker *t);

/* Stop and join the thread, free t. NULL is fine. */
void ticker_stop(struct ticker *t);

#endif
