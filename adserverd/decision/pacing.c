/*
 * pacing: see pacing.h for the algorithm; this file is its arithmetic.
 * Called once per eligible campaign per ad request: a handful of float
 * operations, no allocation.
 */
#include "decision/pacing.h"

struct pacing_params pacing_params_default(void)
{
    struct pacing_params p = {.catchup_pct = 150, .band_pct = 5};
    return p;
}

const char *pacing_state_name(enum pacing_state state)
{
    switch (state) {
    case PACING_OPEN:
        return "open";
    case PACING_SLOWED:
        return "slowed";
    case PACING_AHEAD:
        return "ahead";
    case PACING_DAILY_CAP:
        return "daily_cap";
    case PACING_NO_BUDGET:
        return "no_budget";
    case PACING_OFF_FLIGHT:
        return "off_flight";
    }
    return "unknown";
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Round a non-negative double into int64 without overflow. */
static int64_t to_micros(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 9.0e18)
        return INT64_MAX;
    return (int64_t)(v + 0.5);
}

static void set(struct pacing_result *out, enum pacing_state state, uint32_t p, int64_t cap,
                int64_t target)
{
    out->state = state;
    out->p_ppm = p;
    out->daily_cap = cap;
    out->target = target;
}

int pacing_evaluate(const struct pacing_params *params, const struct pacing_input *in,
                    struct pacing_result *out)
{
    int64_t live_start, live_end, spent_before, remaining, daily_cap, target;
    double live, rest, flight, share, bound, band, over;
    int64_t today = max64(in->spend.today, 0);

    if (params->catchup_pct < 100 || params->band_pct < 1 || params->band_pct > 100 ||
        in->flight_end_ms <= in->flight_start_ms || in->day_end_ms <= in->day_start_ms)
        return -1;
    if (in->now_ms < in->flight_start_ms || in->now_ms >= in->flight_end_ms) {
        set(out, PACING_OFF_FLIGHT, 0, 0, 0);
        return 0;
    }
    if (max64(in->spend.total, 0) >= in->budget_total) {
        set(out, PACING_NO_BUDGET, 0, 0, 0);
        return 0;
    }
    if (in->mode == PACING_ASAP) {
        set(out, PACING_OPEN, PACING_P_ONE, 0, 0);
        return 0;
    }

    live_start = max64(in->day_start_ms, in->flight_start_ms);
    live_end = min64(in->day_end_ms, in->flight_end_ms);
    /* now lies in the flight and (per the caller) in today, so live is not empty. */
    if (in->now_ms < live_start || in->now_ms >= live_end)
        return -1;
    /* Spend of today may exceed the total while counters refresh apart; clamp. */
    spent_before = max64(max64(in->spend.total, 0) - today, 0);
    remaining = max64(in->budget_total - spent_before, 0);
    live = (double)(live_end - live_start);
    rest = (double)(in->flight_end_ms - live_start);
    flight = (double)(in->flight_end_ms - in->flight_start_ms);
    share = (double)remaining * live / rest;
    bound = (double)params->catchup_pct / 100.0 * (double)in->budget_total * live / flight;
    daily_cap = min64(to_micros(share < bound ? share : bound), remaining);
    target = to_micros((double)daily_cap * (double)(in->now_ms - live_start) / live);

    if (today >= daily_cap) {
        set(out, PACING_DAILY_CAP, 0, daily_cap, target);
        return 0;
    }
    if (today <= target) {
        set(out, PACING_OPEN, PACING_P_ONE, daily_cap, target);
        return 0;
    }
    band = (double)daily_cap * (double)params->band_pct / 100.0;
    over = (double)(today - target);
    if (over >= band) {
        set(out, PACING_AHEAD, 0, daily_cap, target);
        return 0;
    }
    /* Strictly inside the band: 0 < p < 1, never rounded to either end. */
    double p = (band - over) / band * (double)PACING_P_ONE;
    uint32_t ppm = p < 1.0 ? 1u : p > PACING_P_ONE - 1.0 ? PACING_P_ONE - 1 : (uint32_t)p;
    set(out, PACING_SLOWED, ppm, daily_cap, target);
    return 0;
}
