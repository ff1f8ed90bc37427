/*
 * Unit tests for adserverd/pacing: ASAP, even pacing's daily cap and
 * linear target, the smooth band, the catch-up bound, partial first days,
 * DST-length days, and inputs it must refuse. Money: a 10-day flight with a
 * budget of 10,000 units (10^10 micro-units), so the nominal day is 10^9.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "util/isodate.h"
#include "decision/pacing.h"

#define UNIT INT64_C(1000000)
#define HOUR_MS INT64_C(3600000)

static int64_t at(const char *iso)
{
    int64_t ms = 0;

    if (isodate_parse(iso, strlen(iso), &ms) != 0)
        fail_msg("bad instant %s", iso);
    return ms;
}

/* Even pacing, flight 2025-06-01 .. 06-11 UTC, today = the UTC day of now. */
static struct pacing_input even(const char *now, int64_t total, int64_t today)
{
    struct pacing_input in;

    memset(&in, 0, sizeof(in));
    in.mode = PACING_EVEN;
    in.budget_total = 10000 * UNIT;
    in.spend.total = total;
    in.spend.today = today;
    in.flight_start_ms = at("2025-06-01T00:00:00Z");
    in.flight_end_ms = at("2025-06-11T00:00:00Z");
    in.now_ms = at(now);
    in.day_start_ms = in.now_ms - in.now_ms % (24 * HOUR_MS);
    in.day_end_ms = in.day_start_ms + 24 * HOUR_MS;
    return in;
}

static struct pacing_result eval(const struct pacing_input *in)
{
    struct pacing_params p = pacing_params_default();
    struct pacing_result r;

    if (pacing_evaluate(&p, in, &r) != 0)
        fail_msg("pacing_evaluate refused the input");
    return r;
}

static void test_pacing_asap_serves_until_budget_is_spent(void **state)
{
    struct pacing_input in = even("2025-06-03T12:00:00Z", 9999 * UNIT, 5000 * UNIT);
    struct pacing_result r;

    (void)state;
    in.mode = PACING_ASAP;
    /* ASAP ignores today's spend: half the budget in one day is fine. */
    r = eval(&in);
    assert_int_equal(r.state, PACING_OPEN);
    assert_int_equal(r.p_ppm, PACING_P_ONE);
    in.spend.total = 10000 * UNIT;
    r = eval(&in);
    assert_int_equal(r.state, PACING_NO_BUDGET);
    assert_int_equal(r.p_ppm, 0);
}

static void test_pacing_even_open_behind_schedule(void **state)
{
    struct pacing_input in = even("2025-06-01T12:00:00Z", 0, 0);
    struct pacing_result r;

    (void)state;
    r = eval(&in);
    assert_int_equal(r.state, PACING_OPEN);
    assert_int_equal(r.p_ppm, PACING_P_ONE);
    assert_true(r.daily_cap == 1000 * UNIT);
    assert_true(r.target == 500 * UNIT);
    in.spend.today = in.spend.total = 500 * UNIT; /* exactly on target */
    assert_int_equal(eval(&in).state, PACING_OPEN);
}

static void test_pacing_even_slows_smoothly_in_band(void **state)
{
    struct pacing_input in = even("2025-06-01T12:00:00Z", 520 * UNIT, 520 * UNIT);
    struct pacing_result r;
    uint32_t last = PACING_P_ONE;

    (void)state;
    /* 20 over a target of 500, band 50 (5 % of 1000): p = 30/50. */
    r = eval(&in);
    assert_int_equal(r.state, PACING_SLOWED);
    assert_int_equal(r.p_ppm, 600000);
    /* p falls monotonically through the band, strictly between 0 and 1. */
    for (int64_t over = 1; over < 50; over++) {
        in.spend.today = in.spend.total = (500 + over) * UNIT;
        r = eval(&in);
        assert_int_equal(r.state, PACING_SLOWED);
        assert_true(r.p_ppm < last && r.p_ppm > 0);
        last = r.p_ppm;
    }
}

static void test_pacing_even_stops_ahead_of_schedule(void **state)
{
    struct pacing_input in = even("2025-06-01T12:00:00Z", 560 * UNIT, 560 * UNIT);
    struct pacing_result r;

    (void)state;
    r = eval(&in);
    assert_int_equal(r.state, PACING_AHEAD);
    assert_int_equal(r.p_ppm, 0);
    /* Later the same day the target has moved past that spend. */
    in = even("2025-06-01T18:00:00Z", 560 * UNIT, 560 * UNIT);
    assert_int_equal(eval(&in).state, PACING_OPEN);
}

static void test_pacing_even_daily_cap(void **state)
{
    struct pacing_input in = even("2025-06-01T23:59:00Z", 1000 * UNIT, 1000 * UNIT);

    (void)state;
    assert_int_equal(eval(&in).state, PACING_DAILY_CAP);
}

static void test_pacing_even_catch_up_is_bounded(void **state)
{
    struct pacing_input in;
    struct pacing_result r;

    (void)state;
    /* Day 6 of 10 with only 1,000 spent: 9,000 over 5 days = 1,800, bounded to 1,500. */
    in = even("2025-06-06T12:00:00Z", 1000 * UNIT, 0);
    r = eval(&in);
    assert_true(r.daily_cap == 1500 * UNIT);
    assert_true(r.target == 750 * UNIT);
    /* 4,000 spent: 6,000 over 5 days = 1,200, under the bound: catch up by 200 a day. */
    in = even("2025-06-06T12:00:00Z", 4000 * UNIT, 0);
    assert_true(eval(&in).daily_cap == 1200 * UNIT);
    /* 6,000 spent (ahead): 4,000 over 5 days = 800, so the days after an overspend slow down. */
    in = even("2025-06-06T12:00:00Z", 6000 * UNIT, 0);
    assert_true(eval(&in).daily_cap == 800 * UNIT);
    /* A wider bound lets the 1,800 through. */
    in = even("2025-06-06T12:00:00Z", 1000 * UNIT, 0);
    {
        struct pacing_params p = {.catchup_pct = 200, .band_pct = 5};
        assert_int_equal(pacing_evaluate(&p, &in, &r), 0);
        assert_true(r.daily_cap == 1800 * UNIT);
    }
}

static void test_pacing_even_today_spend_is_not_double_counted(void **state)
{
    /* Day 6, 1,000 spent before today and 700 today: the cap is still 1,500. */
    struct pacing_input in = even("2025-06-06T12:00:00Z", 1700 * UNIT, 700 * UNIT);
    struct pacing_result r = eval(&in);

    (void)state;
    assert_true(r.daily_cap == 1500 * UNIT);
    assert_int_equal(r.state, PACING_OPEN);
}

static void test_pacing_even_partial_first_day(void **state)
{
    struct pacing_input in = even("2025-06-01T18:00:00Z", 0, 0);
    struct pacing_result r;

    (void)state;
    /* Flight starts at noon: today has 12 of the flight's 240 hours. */
    in.flight_start_ms = at("2025-06-01T12:00:00Z");
    in.flight_end_ms = at("2025-06-11T12:00:00Z");
    r = eval(&in);
    assert_true(r.daily_cap == 500 * UNIT);
    assert_true(r.target == 250 * UNIT);
}

static void test_pacing_even_dst_day_length(void **state)
{
    /* A 23-hour local day: halfway through it is 11.5 hours in. */
    struct pacing_input in = even("2025-06-03T00:00:00Z", 0, 0);
    struct pacing_result r;

    (void)state;
    in.day_start_ms = at("2025-06-03T00:00:00Z");
    in.day_end_ms = in.day_start_ms + 23 * HOUR_MS;
    in.now_ms = in.day_start_ms + 23 * HOUR_MS / 2;
    r = eval(&in);
    /* 10,000 over the 192 hours left, 23 of them today. */
    assert_true(r.daily_cap == (int64_t)(10000.0 * UNIT * 23 / 192 + 0.5));
    assert_true(r.target == (r.daily_cap + 1) / 2 || r.target == r.daily_cap / 2);
}

static void test_pacing_outside_flight_and_bad_input(void **state)
{
    struct pacing_input in = even("2025-05-31T12:00:00Z", 0, 0);
    struct pacing_params p = pacing_params_default();
    struct pacing_result r;

    (void)state;
    assert_int_equal(eval(&in).state, PACING_OFF_FLIGHT);
    in = even("2025-06-11T00:00:00Z", 0, 0);
    assert_int_equal(eval(&in).state, PACING_OFF_FLIGHT);
    in = even("2025-06-02T00:00:00Z", 0, 0);
    in.day_end_ms = in.day_start_ms;
    assert_int_equal(pacing_evaluate(&p, &in, &r), -1);
    in = even("2025-06-02T00:00:00Z", 0, 0);
    p.catchup_pct = 50;
    assert_int_equal(pacing_evaluate(&p, &in, &r), -1);
    assert_string_equal(pacing_state_name(PACING_DAILY_CAP), "daily_cap");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pacing_asap_serves_until_budget_is_spent),
        cmocka_unit_test(test_pacing_even_open_behind_schedule),
        cmocka_unit_test(test_pacing_even_slows_smoothly_in_band),
        cmocka_unit_test(test_pacing_even_stops_ahead_of_schedule),
        cmocka_unit_test(test_pacing_even_daily_cap),
        cmocka_unit_test(test_pacing_even_catch_up_is_bounded),
        cmocka_unit_test(test_pacing_even_today_spend_is_not_double_counted),
        cmocka_unit_test(test_pacing_even_partial_first_day),
        cmocka_unit_test(test_pacing_even_dst_day_length),
        cmocka_unit_test(test_pacing_outside_flight_and_bad_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
