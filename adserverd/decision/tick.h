/*
 * tick: evaluate everything about a snapshot's campaigns that depends on
 * time or spend, once, into the snapshot's per-slot state.
 *
 * An ad request must not pay per campaign for time zones, clocks, spend
 * lookups or pacing arithmetic: those facts change at most a few times a
 * second, while requests come by the thousand. So the decision ticker
 * (ticker.h) and the catalog thread (before it publishes a snapshot) call
 * tick_evaluate(), which writes for every campaign slot one state word and
 * one bit of the "may serve now" bitset; a request reads them with atomic
 * loads and draws its pacing coin from the stored probability.
 *
 * Per slot, in the order decision explain reports them:
 *  - status, flight window (start <= now < end), an active creative;
 *  - the day-part, in the campaign's own time zone;
 *  - budget with the freshest spend counters, then pacing (pacing.h) for
 *    the campaign's local day: a serving probability in parts per million.
 * A campaign's state is therefore at most one tick period (plus the spend
 * refresh period for counters) stale; man/adserverd.8 documents the bound.
 *
 * Invariants: one writer per snapshot at a time (the catalog thread before
 * publishing, the ticker after); readers never see a torn word. Load: one
 * pass over the catalog per tick (10,000 campaigns: under a millisecond of
 * CPU plus the spend source's lookups, see ticker.h).
 */
#ifndef TICK_H
#define TICK_H

#include <stdint.h>

#include "decision/decision_reason.h"
#include "decision/pacing.h"
#include "decision/snapshot.h"

/* State word layout. */
#define TICK_P_MASK UINT64_C(0xFFFFF)    /* bits 0..19: pacing probability, ppm */
#define TICK_STATIC_SHIFT 20             /* bits 20..27: status / flight / creative reason */
#define TICK_DAYPART_OFF (UINT64_C(1) << 28) /* the day-part excludes now */
#define TICK_SPEND_SHIFT 32              /* bits 32..39: budget / pacing reason */
#define TICK_PACING_SHIFT 40             /* bits 40..47: enum pacing_state */
#define TICK_EVALUATED (UINT64_C(1) << 48)

/* DECISION_CHOSEN, or STATUS, FLIGHT_PENDING, FLIGHT_ENDED, NO_CREATIVE. */
static inline enum decision_reason tick_static_reason(uint64_t st)
{
    return (enum decision_reason)(st >> TICK_STATIC_SHIFT & 0xFF);
}

/* DECISION_CHOSEN (may serve with tick_p_ppm()), BUDGET or PACING. */
static inline enum decision_reason tick_spend_reason(uint64_t st)
{
    return (enum decision_reason)(st >> TICK_SPEND_SHIFT & 0xFF);
}

static inline enum pacing_state tick_pacing(uint64_t st)
{
    return (enum pacing_state)(st >> TICK_PACING_SHIFT & 0xFF);
}

static inline uint32_t tick_p_ppm(uint64_t st)
{
    return (uint32_t)(st & TICK_P_MASK);
}

/* 1 when the word says the campaign may serve (before creative fit and the pacing draw). */
static inline int tick_live(uint64_t st)
{
    return (st & TICK_EVALUATED) && tick_static_reason(st) == DECISION_CHOSEN &&
           !(st & TICK_DAYPART_OFF) && tick_spend_reason(st) == DECISION_CHOSEN;
}

/* 1 when only pacing holds the campaign back (status, flight, creatives, day-part, budget pass). */
static inline int tick_paced(uint64_t st)
{
    return (st & TICK_EVALUATED) && tick_static_reason(st) == DECISION_CHOSEN &&
           !(st & TICK_DAYPART_OFF) && tick_spend_reason(st) == DECISION_PACING;
}

/*
 * Evaluate every campaign of s at now_ms with spend counters from spend
 * (NULL: the snapshot's budget_spent and nothing today) and pacing params
 * pp, into s's per-slot state. The snapshot's structure is not touched.
 * 0, or -1 when pp is out of range (state untouched).
 */
int tick_evaluate(const struct snapshot *s, const struct decision_spend_source *spend,
                  const struct pacing_params *pp, int64_t now_ms);

#endif
