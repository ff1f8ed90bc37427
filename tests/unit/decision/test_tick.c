/*
 * Unit tests for decision/tick (the per-slot state a tick writes) and
 * decision/ticker (the thread that writes it): each reason a state word
 * carries, the live bitset, the per-tier cumulative weights, spend and
 * pacing read once per tick, and the ticker evaluating a published
 * snapshot by itself and again when kicked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/config.h"
#include "decision/snapshot.h"
#include "decision/tick.h"
#include "decision/ticker.h"

#define NOW INT64_C(1748779200000) /* 2025-06-01T12:00:00Z, a Sunday */
#define HOUR_MS INT64_C(3600000)
#define DAY_MS INT64_C(86400000)

static struct snapshot_campaign_spec spec(const char *id)
{
    struct snapshot_campaign_spec c;

    memset(&c, 0, sizeof(c));
    c.id = id;
    c.status = SNAPSHOT_STATUS_ACTIVE;
    c.start_ms = NOW - DAY_MS;
    c.end_ms = NOW + DAY_MS;
    c.budget_total_micros = INT64_C(1000000000);
    c.priority = 1;
    c.weight = 10;
    c.pacing = SNAPSHOT_PACING_ASAP;
    return c;
}

static void add(struct snapshot_builder *b, struct snapshot_campaign_spec c, int creative)
{
    char err[128], cid[32];
    struct snapshot_creative_spec cr;

    if (snapshot_builder_add_campaign(b, &c, err, sizeof(err)) != 0)
        fail_msg("campaign %s: %s", c.id, err);
    if (!creative)
        return;
    memset(&cr, 0, sizeof(cr));
    snprintf(cid, sizeof(cid), "%s-cr", c.id);
    cr.id = cid;
    cr.campaign_id = c.id;
    cr.status = SNAPSHOT_CREATIVE_ACTIVE;
    cr.duration_ms = 15000;
    if (snapshot_builder_add_creative(b, &cr, err, sizeof(err)) != 0)
        fail_msg("creative: %s", err);
}

/* open, paused, pending, ended, no-creative, daypart-off, spent, p1 (weight 5), p3 (weight 7). */
static struct snapshot *catalog(void)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot_campaign_spec c;
    struct snapshot *s = NULL;
    char err[128];

    add(b, spec("open"), 1);
    c = spec("paused"), c.status = SNAPSHOT_STATUS_PAUSED;
    add(b, c, 1);
    c = spec("pending"), c.start_ms = NOW + HOUR_MS;
    add(b, c, 1);
    c = spec("ended"), c.end_ms = NOW;
    add(b, c, 1);
    add(b, spec("bare"), 0);
    c = spec("night"), c.daypart[0] = 1u; /* Sunday 00:00-01:00 UTC only */
    add(b, c, 1);
    c = spec("spent"), c.budget_spent_micros = c.budget_total_micros;
    add(b, c, 1);
    c = spec("p1"), c.weight = 5;
    add(b, c, 1);
    c = spec("p3"), c.priority = 3, c.weight = 7;
    add(b, c, 1);
    if (snapshot_builder_finish(b, NOW, &s, err, sizeof(err)) != 0)
        fail_msg("finish: %s", err);
    snapshot_builder_free(b);
    return s;
}

static uint32_t slot(const struct snapshot *s, const char *id)
{
    uint32_t i;

    assert_int_equal(snapshot_campaign_find(s, id, &i), 0);
    return i;
}

static uint64_t state(const struct snapshot *s, const char *id)
{
    return atomic_load(&snapshot_slot_state(s)[slot(s, id)]);
}

static int live_bit(const struct snapshot *s, const char *id)
{
    uint32_t i = slot(s, id);
    return (int)(atomic_load(&snapshot_slot_live(s)[i / 64]) >> (i % 64) & 1);
}

static void test_tick_reasons(void **st)
{
    struct snapshot *s = catalog();
    struct pacing_params pp = pacing_params_default();

    (void)st;
    /* Before any tick nothing may serve. */
    assert_false(tick_live(state(s, "open")));
    assert_int_equal(snapshot_tick_ms(s), 0);
    assert_int_equal(tick_evaluate(s, NULL, &pp, NOW), 0);
    assert_int_equal(snapshot_tick_ms(s), NOW);

    assert_true(tick_live(state(s, "open")) && live_bit(s, "open"));
    assert_int_equal(tick_p_ppm(state(s, "open")), PACING_P_ONE);
    assert_int_equal(tick_static_reason(state(s, "paused")), DECISION_STATUS);
    assert_int_equal(tick_static_reason(state(s, "pending")), DECISION_FLIGHT_PENDING);
    assert_int_equal(tick_static_reason(state(s, "ended")), DECISION_FLIGHT_ENDED);
    assert_int_equal(tick_static_reason(state(s, "bare")), DECISION_NO_CREATIVE);
    assert_true(state(s, "night") & TICK_DAYPART_OFF);
    assert_int_equal(tick_spend_reason(state(s, "spent")), DECISION_BUDGET);
    for (const char *const *id = (const char *const[]){"paused", "pending", "ended", "bare",
                                                        "night", "spent", NULL};
         *id != NULL; id++) {
        assert_false(tick_live(state(s, *id)));
        assert_false(live_bit(s, *id));
    }
    /* An hour later the flight has started; at Sunday 00:30 the day-part is open. */
    assert_int_equal(tick_evaluate(s, NULL, &pp, NOW + HOUR_MS), 0);
    assert_true(tick_live(state(s, "pending")));
    assert_int_equal(tick_evaluate(s, NULL, &pp, NOW - 11 * HOUR_MS - HOUR_MS / 2), 0);
    assert_true(tick_live(state(s, "night")));
    /* Out-of-range pacing parameters leave the state alone. */
    pp.band_pct = 0;
    assert_int_equal(tick_evaluate(s, NULL, &pp, NOW), -1);
    assert_true(tick_live(state(s, "night")));
    snapshot_free(s);
}

/* Everything spent according to the counters, except "open". */
static int all_spent(void *ctx, uint32_t i, const struct snapshot_campaign *c,
                     struct pacing_spend *out)
{
    int *calls = ctx;

    (*calls)++;
    (void)i;
    out->total = strcmp(c->id, "open") == 0 ? 0 : c->budget_total_micros;
    out->today = 0;
    return 0;
}

static void test_tick_spend_read_once_per_campaign(void **st)
{
    struct snapshot *s = catalog();
    struct pacing_params pp = pacing_params_default();
    int calls = 0;
    struct decision_spend_source src = {.get = all_spent, .ctx = &calls};

    (void)st;
    assert_int_equal(tick_evaluate(s, &src, &pp, NOW), 0);
    /* Only campaigns past status, flight, creatives and the snapshot budget ask. */
    assert_int_equal(calls, 4); /* open, night, p1, p3 */
    assert_true(tick_live(state(s, "open")));
    assert_int_equal(tick_spend_reason(state(s, "p1")), DECISION_BUDGET);
    assert_false(live_bit(s, "p1"));
    snapshot_free(s);
}

static void test_tick_weights_per_tier(void **st)
{
    struct snapshot *s = catalog();
    struct pacing_params pp = pacing_params_default();
    const struct snapshot_weights *wt;
    unsigned before;

    (void)st;
    before = atomic_load(snapshot_weights_active(s));
    assert_int_equal(tick_evaluate(s, NULL, &pp, NOW), 0);
    assert_int_not_equal(atomic_load(snapshot_weights_active(s)), before);
    wt = snapshot_weights(s, atomic_load(snapshot_weights_active(s)));
    /* Tier 1: open (10), p1 (5) in slot order; tier 3: p3 (7); the rest are not live. */
    assert_int_equal(atomic_load(&wt->off[1]), 0);
    assert_int_equal(atomic_load(&wt->off[2]), 2);
    assert_int_equal(atomic_load(&wt->off[3]), 2);
    assert_int_equal(atomic_load(&wt->off[4]), 3);
    assert_int_equal(atomic_load(&wt->off[SNAPSHOT_PRIORITY_MAX + 1]), 3);
    assert_int_equal(atomic_load(&wt->slot[0]), slot(s, "open"));
    assert_int_equal(atomic_load(&wt->cum[0]), 10);
    assert_int_equal(atomic_load(&wt->slot[1]), slot(s, "p1"));
    assert_int_equal(atomic_load(&wt->cum[1]), 15);
    assert_int_equal(atomic_load(&wt->slot[2]), slot(s, "p3"));
    assert_int_equal(atomic_load(&wt->cum[2]), 7);
    snapshot_free(s);
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait (at most 3 s) until the published snapshot has been ticked after `after`. */
static int ticked_after(struct snapshot_holder *h, int64_t after)
{
    int64_t deadline = mono_ms() + 3000;

    while (mono_ms() < deadline) {
        struct snapshot *s = snapshot_acquire(h);
        int64_t t = s != NULL ? snapshot_tick_ms(s) : 0;
        snapshot_release(s);
        if (t > after)
            return 1;
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    return 0;
}

static void test_ticker_evaluates_published_snapshot(void **st)
{
    struct config cfg;
    struct app app;
    struct snapshot_holder holder;
    struct ticker *t;
    struct snapshot *s;
    char err[128];
    int64_t first;

    (void)st;
    memset(&cfg, 0, sizeof(cfg));
    memset(&app, 0, sizeof(app));
    cfg.decision_tick_ms = 250;
    app.cfg = &cfg;
    app.snapshots = &holder;
    assert_int_equal(snapshot_holder_init(app.snapshots), 0);
    t = ticker_start(&app, err, sizeof(err));
    assert_non_null(t);
    snapshot_publish(app.snapshots, catalog());
    ticker_kick(t);
    assert_true(ticked_after(app.snapshots, 0));
    s = snapshot_acquire(app.snapshots);
    /* The ticker uses the wall clock: the 2025 flights of the catalog are over by now. */
    assert_true(state(s, "open") & TICK_EVALUATED);
    assert_int_equal(tick_static_reason(state(s, "open")), DECISION_FLIGHT_ENDED);
    first = snapshot_tick_ms(s);
    snapshot_release(s);
    /* And again by itself within a period or so. */
    assert_true(ticked_after(app.snapshots, first));
    ticker_stop(t);
    snapshot_holder_release(app.snapshots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_reasons),
        cmocka_unit_test(test_tick_spend_read_once_per_campaign),
        cmocka_unit_test(test_tick_weights_per_tier),
        cmocka_unit_test(test_ticker_evaluates_published_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
