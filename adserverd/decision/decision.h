/*
 * decision: choose the ads of one pod from a snapshot (docs/architecture.md, flow 3).
 *
 * Two phases, so the HTTP layer makes its single Redis round trip between
 * them:
 *   1. decision_candidates(): the campaigns that can match are found from
 *      the snapshot's indexes and the ticker's per-slot state (tick.h:
 *      status, flight, creatives, day-part, budget and pacing are
 *      evaluated per tick, not per request); each is checked for creative
 *      duration fit and draws its pacing coin from the stored probability;
 *      survivors are ordered by priority tier (1 first) and, inside a tier,
 *      by a weighted random draw; the pod is assembled tentatively as if no
 *      frequency cap applied. decision_reserves() then lists the capped
 *      campaigns to reserve: those in the tentative pod (one slot per ad)
 *      plus up to opts->spare_reservations next in line, as fallbacks.
 *   2. The caller runs freqcap's reserve script for that list (no call when
 *      it is empty) and passes the granted slots to decision_choose(), which
 *      assembles the final pod over the same order: a capped campaign serves
 *      at most its granted slots, and a capped campaign that was not
 *      reserved does not serve. decision_unused() lists granted slots left
 *      unused, for freqcap's release script (off the response path).
 *
 * Weighted choice: each eligible campaign's fitting creatives share its
 * weight; each (campaign, creative) gets the key -ln(u) / share with u
 * uniform in (0, 1] (exponential clocks, Efraimidis-Spirakis), and the pod
 * takes items by ascending (priority, key), skipping any that do not fit.
 * This is exactly "draw by weight among what still fits, again and again",
 * because an item that does not fit never fits later in the same pod: the
 * time left only shrinks and the separation constraints only grow. The
 * first ad of a pod is campaign c with probability weight_c / sum of
 * weights in the top tier.
 *
 * Pod rules: at most max_ads ads; sum of durations <= duration_s (when
 * set); each ad within [min_ad_s, max_ad_s] (when set); no creative twice;
 * no two ads with the same advertiser domain (so one campaign with a domain
 * serves once); no two ads whose IAB categories are marked as excluding
 * each other. Sequence numbers are 1..n in pick order.
 *
 * Explain: every campaign of the snapshot gets a reason (decision_explain),
 * so an operator sees why a campaign did or did not serve; the reasons of
 * campaigns the request never visited are derived on demand, in the same
 * check order, from the same per-slot state.
 *
 * Memory: a struct decision_work per worker thread, reused across requests;
 * it grows only when a snapshot is larger than any seen before, so a steady
 * state makes no allocation per request. No I/O, no locks, no clock: the
 * request's time is only used for explain texts; time-dependent rules come
 * from the last tick (tick_evaluate() must have run on the snapshot, or
 * nothing serves). Randomness comes from the caller's struct decision_rng.
 */
#ifndef DECISION_H
#define DECISION_H

#include <stddef.h>
#include <stdint.h>

#include "decision/decision_reason.h"
#include "decision/pacing.h"
#include "decision/snapshot.h"
#include "decision/targeting.h"

#define DECISION_MAX_ADS 32   /* ads in one pod; larger requests are clamped */
#define DECISION_MAX_SPARE 32 /* spare reservations beyond the tentative pod */
#define DECISION_NO_SLOT UINT32_MAX

/* xorshift64* state; seed it per request (e.g. from the request id) or per thread. */
struct decision_rng {
    uint64_t s;
};

/* Seed the generator; any seed works (0 included). */
void decision_rng_seed(struct decision_rng *r, uint64_t seed);
uint64_t decision_rng_next(struct decision_rng *r);

struct decision_pod {
    uint32_t max_ads;    /* 0 = an empty pod */
    uint32_t duration_s; /* bound on the sum of durations; 0 = none */
    uint32_t min_ad_s;   /* bound on each ad; 0 = none */
    uint32_t max_ad_s;   /* bound on each ad; 0 = none */
};

#define DECISION_ALL UINT32_MAX

struct decision_options {
    struct pacing_params pacing;
    uint32_t spare_reservations; /* at most DECISION_MAX_SPARE */
    /* Snapshot index of the only campaign that may serve (a campaign's own
     * tag), or DECISION_ALL; the others get DECISION_NOT_REQUESTED. */
    uint32_t only_campaign;
};

/* Pacing defaults, spare_reservations 2, only_campaign DECISION_ALL. */
struct decision_options decision_options_default(void);

struct decision_explain {
    enum decision_reason reason;
    enum targeting_result targeting; /* DECISION_TARGETING: which rule */
    enum snapshot_dim dim;           /* ... and for TARGETING_FAIL_DIM, which dimension */
    enum pacing_state pacing;        /* when pacing ran */
    uint32_t p_ppm;                  /* when pacing ran: serving probability */
    uint32_t sequence;               /* DECISION_CHOSEN: the first of its ads */
};

/* One ad of the pod. */
struct decision_ad {
    uint32_t campaign; /* snapshot index */
    uint32_t creative; /* snapshot index */
    uint32_t sequence; /* 1..n */
    uint32_t slot;     /* frequency-cap reservation slot, DECISION_NO_SLOT when uncapped */
};

/* A capped campaign to reserve for: phase 1's output, freqcap's input. */
struct decision_reserve {
    uint32_t campaign;
    uint32_t slots;
};

/* Granted slots [from, to) of a campaign that the pod did not use. */
struct decision_unused {
    uint32_t campaign;
    uint32_t from, to;
};

/* A new work area (decision_work_free()); one per worker thread. */
struct decision_work *decision_work_new(void);
void decision_work_free(struct decision_work *w);

/*
 * Phase 1. s (referenced, ticked) and req (with its strings) are borrowed
 * until the last result or explain call of this decision; nothing is
 * copied. Draws from rng. 0, or -1 when pod is inconsistent (min_ad_s >
 * max_ad_s, both set).
 */
int decision_candidates(struct decision_work *w, const struct snapshot *s,
                        const struct targeting_request *req, const struct decision_pod *pod,
                        const struct decision_options *opts, struct decision_rng *rng);

/*
 * The campaigns phase 1 visited (they passed targeting and the ticker's
 * state), ascending; their explain reasons are the request's own, every
 * other campaign's reason is pacing, targeting or an earlier check. Valid
 * until the next decision_candidates().
 */
const uint32_t *decision_touched(const struct decision_work *w, size_t *n);

/* The reservations phase 1 wants, in order; valid until the next decision_candidates(). */
const struct decision_reserve *decision_reserves(const struct decision_work *w, size_t *n);

/*
 * Phase 2. granted[i] = slots Redis granted to decision_reserves()[i]
 * (n must be that count). granted NULL (Redis unreachable, or no viewer
 * key) means none granted: capped campaigns do not serve. 0, or -1 when
 * n does not match or phase 1 did not run.
 */
int decision_choose(struct decision_work *w, const uint32_t *granted, size_t n);

/* The pod, in sequence order; valid until the next decision_candidates(). */
const struct decision_ad *decision_ads(const struct decision_work *w, size_t *n);

/* Granted but unused slots, to release; valid until the next decision_candidates(). */
const struct decision_unused *decision_unused(const struct decision_work *w, size_t *n);

/*
 * 1 when campaign i passed every rule of phase 1 before its pacing coin:
 * targeting (indexes), the ticker's status, flight, day-part, budget and
 * a pacing probability above 0, and a creative that fits the pod; else 0
 * (also for a bad index). For tests and explain: it costs a creative fit.
 */
int decision_eligible(const struct decision_work *w, uint32_t i);

/* Why campaign i (snapshot index) did or did not serve. 0, or -1 for a bad index. */
int decision_explain(const struct decision_work *w, uint32_t i, struct decision_explain *out);

/*
 * How far a reason got, for naming a no-fill: 100 eligible (chosen, not
 * reached), 90 frequency caps, 85 separation, 80 no room, 70 pacing,
 * 60 targeting, 50 budget, 40 creative duration, 30 no creative,
 * 20 flight, 10 status, 0 not requested.
 */
int decision_reason_rank(enum decision_reason reason);

/*
 * Why this request's pod is empty: the reason of the campaign that got
 * furthest (highest rank, the lowest index among equals), exactly as if
 * every campaign's decision_explain() were compared, but without deriving
 * the reasons of campaigns that cannot beat the best one found: the
 * visited campaigns first, then the unvisited candidates and the ones only
 * pacing held back (from bitsets), then a scan in index order that stops at
 * the first campaign reaching the highest rank still possible. 0 and *out,
 * or -1 when no campaign was considered (an empty catalog, or only
 * DECISION_NOT_REQUESTED ones). Call after phase 1 or 2.
 */
int decision_nofill_reason(struct decision_work *w, enum decision_reason *out);

/* Short stable name of a reason ("chosen", "targeting", ...). */
const char *decision_reason_name(enum decision_reason reason);

/*
 * One human-readable line for campaign i ("targeting: country \"fr\" is not
 * targeted"), NUL-terminated in buf (truncated to fit). 0, or -1 for a bad
 * index.
 */
int decision_explain_format(const struct decision_work *w, uint32_t i, char *buf, size_t len);

#endif
