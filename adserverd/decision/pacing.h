/*
 * pacing: may a campaign serve now, given what it has spent?
 *
 * Spend counters (total and today, micro-units) are refreshed in the
 * background from Redis and handed in by the caller; nothing here reads a
 * clock or a counter. The answer is a serving probability, so a campaign
 * that is slightly ahead of its schedule slows down smoothly instead of
 * switching on and off with every counter refresh (which, across many
 * instances reading the same stale counter, would serve in bursts).
 *
 * ASAP: probability 1 while budget is left, else 0.
 *
 * EVEN (all instants UTC ms; "today" is the campaign's local day, from
 * tz_day_start(), so DST days have their true 23 or 25 hours):
 *   live      = [max(day_start, flight_start), min(day_end, flight_end))
 *               the part of today inside the flight
 *   remaining = budget_total - (spent_total - spent_today)
 *               budget left at the start of today
 *   share     = remaining * |live| / (flight_end - live.start)
 *               today's part of the remaining budget, spread evenly over
 *               the remaining flight time (so yesterday's shortfall or
 *               overspend is spread over the days left)
 *   bound     = catchup_pct / 100 * budget_total * |live| / |flight|
 *               a day may spend at most catchup_pct % of the nominal even
 *               share, so a late or under-delivered campaign does not dump
 *               its backlog into one day
 *   daily_cap = min(share, bound, remaining)
 *   target    = daily_cap * (now - live.start) / |live|
 *               spend we should have reached by now, linear over the day
 *   band      = daily_cap * band_pct / 100
 *   p = 1                                 when spent_today <= target
 *       (target + band - spent_today)/band when target < spent_today < target + band
 *       0                                 when spent_today >= target + band
 *   and p = 0 once spent_today >= daily_cap.
 * The band is also the burst allowance at the start of a day.
 *
 * Ratios are computed in double: budgets up to 10^16 micro-units times
 * flight lengths in ms do not fit int64, and pacing is a control loop, not
 * accounting. Pure functions, safe from any thread.
 */
#ifndef PACING_H
#define PACING_H

#include <stdint.h>

enum pacing_mode {
    PACING_EVEN,
    PACING_ASAP,
};

/* Tunables; see pacing_params_default(). */
struct pacing_params {
    uint32_t catchup_pct; /* bound on a day's spend, % of the nominal even share (>= 100) */
    uint32_t band_pct;    /* width of the smooth-throttling band, % of the daily cap (>= 1) */
};

/* catchup_pct 150, band_pct 5. */
struct pacing_params pacing_params_default(void);

/* Spend counters of one campaign in micro-units, refreshed in the background. */
struct pacing_spend {
    int64_t total; /* over the whole flight */
    int64_t today; /* since the start of the campaign's local day */
};

struct pacing_input {
    enum pacing_mode mode;
    int64_t budget_total;      /* micro-units */
    struct pacing_spend spend; /* micro-units */
    int64_t flight_start_ms, flight_end_ms;
    int64_t day_start_ms, day_end_ms; /* the campaign's local day containing now */
    int64_t now_ms;
};

enum pacing_state {
    PACING_OPEN,       /* on or behind schedule: p = 1 */
    PACING_SLOWED,     /* inside the band: 0 < p < 1 */
    PACING_AHEAD,      /* past the band: p = 0 */
    PACING_DAILY_CAP,  /* today's cap reached: p = 0 */
    PACING_NO_BUDGET,  /* nothing left of the total budget: p = 0 */
    PACING_OFF_FLIGHT, /* now is outside the flight: p = 0 */
};

/* Probability scale: p_ppm = 1,000,000 means always. */
#define PACING_P_ONE 1000000u

struct pacing_result {
    enum pacing_state state;
    uint32_t p_ppm;    /* serving probability, parts per million */
    int64_t daily_cap; /* EVEN only: micro-units allowed today */
    int64_t target;    /* EVEN only: micro-units we should have spent by now */
};

/*
 * Evaluate pacing for one campaign. Returns 0 and fills *out; -1 when the
 * input is inconsistent (day or flight end not after its start, params out
 * of range), *out untouched.
 */
int pacing_evaluate(const struct pacing_params *params, const struct pacing_input *in,
                    struct pacing_result *out);

/* Short name of a state for explain output ("open", "ahead", ...). */
const char *pacing_state_name(enum pacing_state state);

#endif
