/*
 * decision_reason: the two facts the decision engine and its ticker
 * (tick.h) share: why a campaign did or did not serve, and where fresh
 * spend comes from. Apart from decision.h so that the ticker, which
 * decision.c reads, does not include the engine it feeds.
 */
#ifndef DECISION_DECISION_REASON_H
#define DECISION_DECISION_REASON_H

#include <stdint.h>

#include "decision/pacing.h"
#include "decision/snapshot.h"

/*
 * Where fresh spend counters come from (refreshed in the background). get()
 * fills *out for campaign index i of the snapshot and returns 0, or returns
 * -1 when it has none (the snapshot's budget_spent and 0 today are used).
 * It runs on the ticker (tick_evaluate()), never on a request thread. A
 * NULL source or get means "none for anybody".
 */
struct decision_spend_source {
    int (*get)(void *ctx, uint32_t i, const struct snapshot_campaign *c, struct pacing_spend *out);
    void *ctx;
};

/* Why a campaign did or did not serve, in the order checks run. */
enum decision_reason {
    DECISION_CHOSEN,            /* in the pod */
    DECISION_NOT_REACHED,       /* eligible; the pod filled before its turn */
    DECISION_NO_ROOM,           /* eligible; its creatives were longer than the time left */
    DECISION_SEP_DOMAIN,        /* eligible; an ad of the same advertiser domain was in the pod */
    DECISION_SEP_CATEGORY,      /* eligible; an ad of an excluded IAB category was in the pod */
    DECISION_FREQ_CAP,          /* eligible; the viewer reached a cap (or no slot left) */
    DECISION_FREQ_UNCHECKED,    /* eligible; capped but not reserved in this request */
    DECISION_STATUS,            /* not active */
    DECISION_FLIGHT_PENDING,    /* flight starts later */
    DECISION_FLIGHT_ENDED,      /* flight is over */
    DECISION_NO_CREATIVE,       /* no active creative */
    DECISION_CREATIVE_DURATION, /* no active creative fits the ad and pod duration limits */
    DECISION_BUDGET,            /* total budget spent */
    DECISION_TARGETING,         /* targeting did not match (see dim / targeting) */
    DECISION_PACING,            /* pacing said no (see pacing, p_ppm) */
    DECISION_NOT_REQUESTED,     /* the request named another campaign (only_campaign) */
};

#endif
