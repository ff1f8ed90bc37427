/*
 * tick: see tick.h. One pass over the campaigns; time zones are resolved
 * once per zone per pass (campaigns share a handful of zones), spend once
 * per campaign. The live bitset is assembled a word at a time and stored
 * with one atomic store per word, after the state words of its slots.
 */
#include "decision/tick.h"
#include "util/tz.h"

#include <stdatomic.h>
#include <string.h>

#define ZONE_CACHE 32

/* The campaign-local day around now for one zone. */
struct zone_day {
    const struct tz_zone *zone;
    int64_t start_ms, end_ms;
    int dow, hour;
};

struct tick_ctx {
    const struct snapshot *s;
    const struct decision_spend_source *spend;
    const struct pacing_params *pp;
    int64_t now_ms;
    struct zone_day zones[ZONE_CACHE];
    size_t n_zones;
};

static void zone_day(struct tick_ctx *t, const struct tz_zone *z, struct zone_day *out)
{
    struct tz_local local;

    for (size_t k = 0; k < t->n_zones; k++) {
        if (t->zones[k].zone == z) {
            *out = t->zones[k];
            return;
        }
    }
    tz_local(z, t->now_ms, &local);
    out->zone = z;
    out->start_ms = tz_day_start(z, local.day);
    out->end_ms = tz_day_start(z, local.day + 1);
    out->dow = local.dow;
    out->hour = local.hour;
    /* Past the cache's size it is computed every time: slower, still correct. */
    if (t->n_zones < ZONE_CACHE)
        t->zones[t->n_zones++] = *out;
}

static enum decision_reason static_reason(const struct snapshot_campaign *c, int64_t now_ms)
{
    if (c->status != SNAPSHOT_STATUS_ACTIVE)
        return DECISION_STATUS;
    if (now_ms < c->start_ms)
        return DECISION_FLIGHT_PENDING;
    if (now_ms >= c->end_ms)
        return DECISION_FLIGHT_ENDED;
    if (c->n_active_creatives == 0)
        return DECISION_NO_CREATIVE;
    return DECISION_CHOSEN;
}

/* Budget and pacing with the freshest counters: the spend part of a state word. */
static uint64_t spend_state(struct tick_ctx *t, uint32_t i, const struct snapshot_campaign *c,
                            const struct zone_day *day)
{
    struct pacing_spend sp = {.total = c->budget_spent_micros, .today = 0};
    struct pacing_input in;
    struct pacing_result pr;
    enum decision_reason why;

    if (t->spend == NULL || t->spend->get == NULL || t->spend->get(t->spend->ctx, i, c, &sp) != 0) {
        sp.total = c->budget_spent_micros;
        sp.today = 0;
    }
    /* Counters may lag the catalog after a Redis flush: trust the larger total. */
    if (sp.total < c->budget_spent_micros)
        sp.total = c->budget_spent_micros;
    if (sp.total >= c->budget_total_micros)
        return (uint64_t)DECISION_BUDGET << TICK_SPEND_SHIFT |
               (uint64_t)PACING_OFF_FLIGHT << TICK_PACING_SHIFT;
    in.mode = c->pacing == SNAPSHOT_PACING_ASAP ? PACING_ASAP : PACING_EVEN;
    in.budget_total = c->budget_total_micros;
    in.spend = sp;
    in.flight_start_ms = c->start_ms;
    in.flight_end_ms = c->end_ms;
    in.day_start_ms = day->start_ms;
    in.day_end_ms = day->end_ms;
    in.now_ms = t->now_ms;
    /* A day that cannot contain now comes from a broken zone table: do not pace then. */
    if (in.day_start_ms > in.now_ms || in.day_end_ms <= in.now_ms) {
        in.day_start_ms = in.now_ms;
        in.day_end_ms = in.now_ms + 1;
    }
    if (pacing_evaluate(t->pp, &in, &pr) != 0)
        return (uint64_t)DECISION_PACING << TICK_SPEND_SHIFT |
               (uint64_t)PACING_OFF_FLIGHT << TICK_PACING_SHIFT;
    if (pr.state == PACING_NO_BUDGET)
        why = DECISION_BUDGET;
    else if (pr.p_ppm == 0)
        why = DECISION_PACING;
    else
        why = DECISION_CHOSEN;
    return (uint64_t)why << TICK_SPEND_SHIFT | (uint64_t)pr.state << TICK_PACING_SHIFT |
           (pr.p_ppm & TICK_P_MASK);
}

static uint64_t slot_state(struct tick_ctx *t, uint32_t i, const struct snapshot_campaign *c)
{
    enum decision_reason why = static_reason(c, t->now_ms);
    uint64_t st = TICK_EVALUATED | (uint64_t)why << TICK_STATIC_SHIFT;
    struct zone_day day;

    if (why != DECISION_CHOSEN)
        return st | (uint64_t)PACING_OFF_FLIGHT << TICK_PACING_SHIFT;
    zone_day(t, c->zone, &day);
    if (c->has_daypart && (c->daypart[day.dow] >> day.hour & 1u) == 0)
        st |= TICK_DAYPART_OFF;
    /* The snapshot's own budget check comes first in explain; spend is only read past it. */
    if (c->budget_spent_micros >= c->budget_total_micros)
        return st | (uint64_t)DECISION_BUDGET << TICK_SPEND_SHIFT |
               (uint64_t)PACING_OFF_FLIGHT << TICK_PACING_SHIFT;
    return st | spend_state(t, i, c, &day);
}

/*
 * The cumulative weights of the live campaigns per tier, into the buffer
 * readers do not use, then flip. Two passes over the slots: count per tier,
 * then place in slot order.
 */
static void fill_weights(const struct snapshot *s)
{
    _Atomic unsigned *active = snapshot_weights_active(s);
    unsigned b = 1u - (atomic_load_explicit(active, memory_order_relaxed) & 1u);
    struct snapshot_weights *wt = snapshot_weights(s, b);
    _Atomic uint64_t *state = snapshot_slot_state(s);
    uint32_t n = snapshot_campaign_count(s);
    uint32_t off[SNAPSHOT_PRIORITY_MAX + 2] = {0}, next[SNAPSHOT_PRIORITY_MAX + 2];
    uint64_t sum[SNAPSHOT_PRIORITY_MAX + 1] = {0};

    for (uint32_t i = 0; i < n; i++) {
        if (tick_live(atomic_load_explicit(&state[i], memory_order_relaxed)))
            off[snapshot_campaign(s, i)->priority + 1]++;
    }
    for (uint32_t p = 1; p <= SNAPSHOT_PRIORITY_MAX + 1; p++)
        off[p] += off[p - 1];
    memcpy(next, off, sizeof(next));
    for (uint32_t i = 0; i < n; i++) {
        const struct snapshot_campaign *c = snapshot_campaign(s, i);
        uint32_t k;
        if (!tick_live(atomic_load_explicit(&state[i], memory_order_relaxed)))
            continue;
        k = next[c->priority]++;
        sum[c->priority] += c->weight;
        atomic_store_explicit(&wt->cum[k], sum[c->priority], memory_order_relaxed);
        atomic_store_explicit(&wt->slot[k], i, memory_order_relaxed);
    }
    for (uint32_t p = 0; p <= SNAPSHOT_PRIORITY_MAX + 1; p++)
        atomic_store_explicit(&wt->off[p], off[p], memory_order_relaxed);
    atomic_store_explicit(active, b, memory_order_release);
}

int tick_evaluate(const struct snapshot *s, const struct decision_spend_source *spend,
                  const struct pacing_params *pp, int64_t now_ms)
{
    _Atomic uint64_t *state = snapshot_slot_state(s);
    _Atomic uint64_t *live = snapshot_slot_live(s);
    _Atomic uint64_t *paced = snapshot_slot_paced(s);
    uint32_t n = snapshot_campaign_count(s);
    struct tick_ctx t = {.s = s, .spend = spend, .pp = pp, .now_ms = now_ms};
    uint64_t word = 0, pword = 0;

    if (pp->catchup_pct < 100 || pp->band_pct < 1 || pp->band_pct > 100)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t st = slot_state(&t, i, snapshot_campaign(s, i));
        atomic_store_explicit(&state[i], st, memory_order_relaxed);
        if (tick_live(st))
            word |= UINT64_C(1) << (i % 64);
        if (tick_paced(st))
            pword |= UINT64_C(1) << (i % 64);
        if (i % 64 == 63 || i + 1 == n) {
            /* Release: a reader that sees the bit also sees the slot's word. */
            atomic_store_explicit(&live[i / 64], word, memory_order_release);
            atomic_store_explicit(&paced[i / 64], pword, memory_order_release);
            word = pword = 0;
        }
    }
    fill_weights(s);
    snapshot_set_tick_ms(s, now_ms);
    return 0;
}
