/*
 * Unit tests for adserverd/decision: each eligibility rule (status, flight,
 * budget, creative status and duration fit, targeting, pacing), priority
 * tiers, weights (10,000 draws with a fixed seed), pod assembly (duration,
 * count, sequence, no creative twice, separation by domain and by excluded
 * categories), empty pods, the two-phase frequency-cap protocol with spare
 * reservations, explain output and determinism. Time is fixed: every
 * request happens at NOW.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision.h"
#include "util/isodate.h"
#include "decision/snapshot.h"
#include "decision/tick.h"

#define UNIT INT64_C(1000000)

static int64_t at(const char *iso)
{
    int64_t ms = 0;

    if (isodate_parse(iso, strlen(iso), &ms) != 0)
        fail_msg("bad instant %s", iso);
    return ms;
}

#define NOW at("2025-06-01T12:00:00Z")

struct fixture {
    struct snapshot_builder *b;
    struct snapshot *s;
    struct decision_work *w;
    struct decision_rng rng;
    struct decision_options opts;
    struct targeting_request req;
    struct decision_pod pod;
    struct decision_spend_source *spend;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->b = snapshot_builder_new(NULL);
    f->w = decision_work_new();
    decision_rng_seed(&f->rng, 42);
    f->opts = decision_options_default();
    f->req.now_ms = NOW;
    f->req.country = "US";
    f->pod = (struct decision_pod){.max_ads = 1};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    snapshot_builder_free(f->b);
    snapshot_free(f->s);
    decision_work_free(f->w);
    free(f);
    return 0;
}

static struct snapshot_campaign_spec spec(const char *id)
{
    struct snapshot_campaign_spec s;

    memset(&s, 0, sizeof(s));
    s.id = id;
    s.status = SNAPSHOT_STATUS_ACTIVE;
    s.start_ms = at("2025-01-01T00:00:00Z");
    s.end_ms = at("2026-01-01T00:00:00Z");
    s.budget_total_micros = 1000 * UNIT;
    s.priority = 5;
    s.weight = 1;
    s.pacing = SNAPSHOT_PACING_ASAP;
    s.advertiser_domain = id; /* distinct advertisers unless a test says otherwise */
    return s;
}

static void add(struct fixture *f, struct snapshot_campaign_spec s)
{
    char err[160] = "";

    if (snapshot_builder_add_campaign(f->b, &s, err, sizeof(err)) != 0)
        fail_msg("add campaign %s: %s", s.id, err);
}

static void creative(struct fixture *f, const char *id, const char *campaign, uint32_t seconds,
                     enum snapshot_creative_status status)
{
    struct snapshot_creative_spec c;
    char err[160] = "";

    memset(&c, 0, sizeof(c));
    c.id = id;
    c.campaign_id = campaign;
    c.status = status;
    c.duration_ms = seconds * 1000;
    if (snapshot_builder_add_creative(f->b, &c, err, sizeof(err)) != 0)
        fail_msg("add creative %s: %s", id, err);
}

/* A campaign with one active creative "<id>-1" of the given length. */
static void simple(struct fixture *f, struct snapshot_campaign_spec s, uint32_t seconds)
{
    char cid[64];

    add(f, s);
    snprintf(cid, sizeof(cid), "%s-1", s.id);
    creative(f, cid, s.id, seconds, SNAPSHOT_CREATIVE_ACTIVE);
}

static void finish(struct fixture *f)
{
    char err[160] = "";

    if (snapshot_builder_finish(f->b, 0, &f->s, err, sizeof(err)) != 0)
        fail_msg("finish: %s", err);
}

/*
 * Phase 1 as the daemon runs it: the ticker has evaluated the snapshot at
 * the request's time with these spend counters, then the request decides.
 */
static int candidates(struct fixture *f, const struct decision_spend_source *spend)
{
    assert_int_equal(tick_evaluate(f->s, spend, &f->opts.pacing, f->req.now_ms), 0);
    return decision_candidates(f->w, f->s, &f->req, &f->pod, &f->opts, &f->rng);
}

/* Both phases, every reservation granted in full. Returns the pod size. */
static size_t decide(struct fixture *f, const struct decision_ad **ads)
{
    const struct decision_reserve *res;
    uint32_t granted[DECISION_MAX_ADS + DECISION_MAX_SPARE];
    size_t n;

    assert_int_equal(candidates(f, f->spend),
                     0);
    res = decision_reserves(f->w, &n);
    for (size_t i = 0; i < n; i++)
        granted[i] = res[i].slots;
    assert_int_equal(decision_choose(f->w, granted, n), 0);
    *ads = decision_ads(f->w, &n);
    return n;
}

static uint32_t idx(const struct fixture *f, const char *id)
{
    uint32_t i;

    if (snapshot_campaign_find(f->s, id, &i) != 0)
        fail_msg("no campaign %s", id);
    return i;
}

static const char *ad_campaign(const struct fixture *f, const struct decision_ad *ad)
{
    return snapshot_campaign(f->s, ad->campaign)->id;
}

static enum decision_reason reason(const struct fixture *f, const char *id)
{
    struct decision_explain e;

    assert_int_equal(decision_explain(f->w, idx(f, id), &e), 0);
    return e.reason;
}

/* The single chosen campaign's id, or "" for an empty pod. */
static const char *winner(struct fixture *f)
{
    const struct decision_ad *ads;
    size_t n = decide(f, &ads);

    assert_true(n <= 1);
    return n ? ad_campaign(f, &ads[0]) : "";
}

/* ------------------------------------------------------------------------
 * Eligibility
 * ------------------------------------------------------------------------ */

static void test_decision_status_must_be_active(void **state)
{
    struct fixture *f = *state;
    static const enum snapshot_status st[] = {SNAPSHOT_STATUS_DRAFT, SNAPSHOT_STATUS_PAUSED,
                                              SNAPSHOT_STATUS_COMPLETED};
    static const char *const ids[] = {"draft", "paused", "completed"};
    struct snapshot_campaign_spec s;

    for (int i = 0; i < 3; i++) {
        s = spec(ids[i]);
        s.status = st[i];
        s.priority = 1; /* would win if status were ignored */
        simple(f, s, 15);
    }
    simple(f, spec("active"), 15);
    finish(f);
    assert_string_equal(winner(f), "active");
    for (int i = 0; i < 3; i++)
        assert_int_equal(reason(f, ids[i]), DECISION_STATUS);
}

static void test_decision_flight_window(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s;

    s = spec("later"), s.start_ms = NOW + 1, s.priority = 1;
    simple(f, s, 15);
    s = spec("over"), s.end_ms = NOW, s.priority = 1;
    simple(f, s, 15);
    s = spec("starts-now"), s.start_ms = NOW, s.priority = 2;
    simple(f, s, 15);
    finish(f);
    assert_string_equal(winner(f), "starts-now");
    assert_int_equal(reason(f, "later"), DECISION_FLIGHT_PENDING);
    assert_int_equal(reason(f, "over"), DECISION_FLIGHT_ENDED);
}

static int spend_table(void *ctx, uint32_t i, const struct snapshot_campaign *c,
                       struct pacing_spend *out)
{
    const int64_t *totals = ctx;

    (void)c;
    if (totals[i] < 0)
        return -1;
    out->total = totals[i];
    out->today = 0;
    return 0;
}

static void test_decision_budget_exhausted(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s;
    int64_t totals[4] = {-1, 1000 * UNIT, 10 * UNIT, -1};
    struct decision_spend_source src = {.get = spend_table, .ctx = totals};

    /* Spent per the catalog, spent per the fresher counters, and counters behind the catalog. */
    s = spec("catalog-spent"), s.budget_spent_micros = 1000 * UNIT, s.priority = 1;
    simple(f, s, 15);
    s = spec("counter-spent"), s.priority = 1;
    simple(f, s, 15);
    s = spec("counter-behind"), s.budget_spent_micros = 1000 * UNIT, s.priority = 1;
    simple(f, s, 15);
    simple(f, spec("fresh"), 15);
    finish(f);
    f->spend = &src;
    assert_string_equal(winner(f), "fresh");
    assert_int_equal(reason(f, "catalog-spent"), DECISION_BUDGET);
    assert_int_equal(reason(f, "counter-spent"), DECISION_BUDGET);
    assert_int_equal(reason(f, "counter-behind"), DECISION_BUDGET);
}

static void test_decision_creative_must_be_active(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s = spec("a");
    const struct decision_ad *ads;

    s.priority = 1;
    add(f, s);
    creative(f, "a-off", "a", 15, SNAPSHOT_CREATIVE_INACTIVE);
    creative(f, "a-proc", "a", 15, SNAPSHOT_CREATIVE_PROCESSING);
    add(f, spec("b"));
    creative(f, "b-fail", "b", 15, SNAPSHOT_CREATIVE_FAILED);
    creative(f, "b-on", "b", 15, SNAPSHOT_CREATIVE_ACTIVE);
    finish(f);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(decide(f, &ads), 1);
        assert_string_equal(snapshot_creative(f->s, ads[0].creative)->id, "b-on");
    }
    assert_int_equal(reason(f, "a"), DECISION_NO_CREATIVE);
}

static void test_decision_creative_duration_must_fit(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s;
    const struct decision_ad *ads;

    s = spec("long"), s.priority = 1;
    simple(f, s, 30);
    s = spec("short"), s.priority = 1;
    simple(f, s, 5);
    s = spec("mixed"), s.priority = 2;
    add(f, s);
    creative(f, "mixed-30", "mixed", 30, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "mixed-15", "mixed", 15, SNAPSHOT_CREATIVE_ACTIVE);
    /* Only an inactive creative would fit: that does not count. */
    s = spec("fits-inactive"), s.priority = 1;
    add(f, s);
    creative(f, "fi-30", "fits-inactive", 30, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "fi-15", "fits-inactive", 15, SNAPSHOT_CREATIVE_INACTIVE);
    /* Active ones on both sides of the bounds, the one inside inactive. */
    s = spec("straddle"), s.priority = 1;
    add(f, s);
    creative(f, "st-5", "straddle", 5, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "st-30", "straddle", 30, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "st-15", "straddle", 15, SNAPSHOT_CREATIVE_INACTIVE);
    finish(f);
    f->pod = (struct decision_pod){.max_ads = 1, .min_ad_s = 10, .max_ad_s = 20};
    /* Many draws: a too-long creative must never be picked, not just lose a coin toss. */
    for (int i = 0; i < 50; i++) {
        assert_int_equal(decide(f, &ads), 1);
        assert_string_equal(snapshot_creative(f->s, ads[0].creative)->id, "mixed-15");
    }
    assert_int_equal(reason(f, "straddle"), DECISION_CREATIVE_DURATION);
    assert_int_equal(reason(f, "long"), DECISION_CREATIVE_DURATION);
    assert_int_equal(reason(f, "short"), DECISION_CREATIVE_DURATION);
    assert_int_equal(reason(f, "fits-inactive"), DECISION_CREATIVE_DURATION);
    /* The pod's own length bounds a single ad too. */
    f->pod = (struct decision_pod){.max_ads = 1, .duration_s = 10};
    for (int i = 0; i < 50; i++) {
        assert_int_equal(decide(f, &ads), 1);
        assert_int_equal(snapshot_creative(f->s, ads[0].creative)->duration_ms, 5000);
    }
    assert_int_equal(reason(f, "mixed"), DECISION_CREATIVE_DURATION);
}

static void test_decision_targeting_excludes(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s = spec("fr-only");
    const char *const fr[] = {"FR"};
    char text[200];

    s.sets[SNAPSHOT_DIM_COUNTRY].v = fr;
    s.sets[SNAPSHOT_DIM_COUNTRY].n = 1;
    s.priority = 1;
    simple(f, s, 15);
    simple(f, spec("anywhere"), 15);
    finish(f);
    assert_string_equal(winner(f), "anywhere");
    assert_int_equal(reason(f, "fr-only"), DECISION_TARGETING);
    assert_int_equal(decision_explain_format(f->w, idx(f, "fr-only"), text, sizeof(text)), 0);
    assert_string_equal(text, "not eligible: targeting: country \"US\" is not targeted");
    f->req.country = "fr";
    assert_string_equal(winner(f), "fr-only");
}

static int spend_ahead(void *ctx, uint32_t i, const struct snapshot_campaign *c,
                       struct pacing_spend *out)
{
    (void)ctx;
    (void)i;
    /* Half of a 10-day budget already spent today. */
    out->total = out->today = c->budget_total_micros / 2;
    return 0;
}

static void test_decision_pacing_throttles(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s = spec("even");
    struct decision_spend_source src = {.get = spend_ahead};
    struct decision_explain e;

    s.pacing = SNAPSHOT_PACING_EVEN;
    s.start_ms = at("2025-06-01T00:00:00Z");
    s.end_ms = at("2025-06-11T00:00:00Z");
    s.priority = 1;
    simple(f, s, 15);
    s = spec("asap");
    s.start_ms = at("2025-06-01T00:00:00Z");
    s.end_ms = at("2025-06-11T00:00:00Z");
    simple(f, s, 15);
    finish(f);
    f->spend = &src;
    assert_string_equal(winner(f), "asap");
    assert_int_equal(decision_explain(f->w, idx(f, "even"), &e), 0);
    assert_int_equal(e.reason, DECISION_PACING);
    assert_int_equal(e.pacing, PACING_DAILY_CAP);
    /* Without counters both are on schedule and priority decides. */
    f->spend = NULL;
    assert_string_equal(winner(f), "even");
}

/* ------------------------------------------------------------------------
 * Choice
 * ------------------------------------------------------------------------ */

static void test_decision_priority_tiers(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s;
    const struct decision_ad *ads;

    s = spec("p1"), s.priority = 1, s.weight = 1;
    simple(f, s, 15);
    s = spec("p2"), s.priority = 2, s.weight = SNAPSHOT_WEIGHT_MAX;
    simple(f, s, 15);
    finish(f);
    for (int i = 0; i < 1000; i++)
        assert_string_equal(winner(f), "p1");
    assert_int_equal(reason(f, "p2"), DECISION_NOT_REACHED);
    /* With room for two, the lower tier follows. */
    f->pod.max_ads = 2;
    assert_int_equal(decide(f, &ads), 2);
    assert_string_equal(ad_campaign(f, &ads[0]), "p1");
    assert_string_equal(ad_campaign(f, &ads[1]), "p2");
}

/* Share of 10,000 single-ad decisions won by each of n campaigns. */
static void draw_shares(struct fixture *f, size_t n, const char *const *ids, double *share)
{
    const struct decision_ad *ads;
    int wins[8] = {0};

    for (int i = 0; i < 10000; i++) {
        assert_int_equal(decide(f, &ads), 1);
        for (size_t k = 0; k < n; k++)
            wins[k] += strcmp(ad_campaign(f, &ads[0]), ids[k]) == 0;
    }
    for (size_t k = 0; k < n; k++)
        share[k] = wins[k] / 10000.0;
}

static void test_decision_weights_statistical(void **state)
{
    struct fixture *f = *state;
    static const char *const ids[] = {"w1", "w3", "w6"};
    static const uint32_t weights[] = {1, 3, 6};
    struct snapshot_campaign_spec s;
    double share[3];

    for (int i = 0; i < 3; i++) {
        s = spec(ids[i]);
        s.weight = weights[i];
        simple(f, s, 15);
    }
    finish(f);
    draw_shares(f, 3, ids, share);
    /* 4 standard deviations of a 10,000-draw proportion are under 0.02. */
    for (int i = 0; i < 3; i++) {
        if (share[i] < weights[i] / 10.0 - 0.02 || share[i] > weights[i] / 10.0 + 0.02)
            fail_msg("%s won %.4f, want %.2f", ids[i], share[i], weights[i] / 10.0);
    }
}

static void test_decision_creatives_share_campaign_weight(void **state)
{
    struct fixture *f = *state;
    static const char *const ids[] = {"four", "one"};
    double share[2];

    add(f, spec("four"));
    creative(f, "four-1", "four", 15, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "four-2", "four", 15, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "four-3", "four", 15, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "four-4", "four", 15, SNAPSHOT_CREATIVE_ACTIVE);
    simple(f, spec("one"), 15);
    finish(f);
    draw_shares(f, 2, ids, share);
    /* Equal weights: 50/50, not 80/20 by creative count. */
    assert_true(share[0] > 0.48 && share[0] < 0.52);
}

static void test_decision_same_seed_same_pod(void **state)
{
    struct fixture *f = *state;
    const struct decision_ad *ads;
    uint32_t first[4];
    char id[16];

    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof(id), "c%d", i);
        simple(f, spec(id), 15);
    }
    finish(f);
    f->pod = (struct decision_pod){.max_ads = 4};
    decision_rng_seed(&f->rng, 7);
    assert_int_equal(decide(f, &ads), 4);
    for (int i = 0; i < 4; i++)
        first[i] = ads[i].creative;
    decision_rng_seed(&f->rng, 7);
    assert_int_equal(decide(f, &ads), 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ads[i].creative, first[i]);
}

/* ------------------------------------------------------------------------
 * Pods
 * ------------------------------------------------------------------------ */

static void test_decision_pod_fills_duration_in_sequence(void **state)
{
    struct fixture *f = *state;
    static const char *const ids[] = {"s30", "s20", "s15", "s10"};
    static const uint32_t secs[] = {30, 20, 15, 10};
    struct snapshot_campaign_spec s;
    const struct decision_ad *ads;
    uint32_t total = 0;
    size_t n;

    for (int i = 0; i < 4; i++) {
        s = spec(ids[i]);
        s.priority = (uint32_t)i + 1;
        simple(f, s, secs[i]);
    }
    finish(f);
    f->pod = (struct decision_pod){.max_ads = 10, .duration_s = 60};
    n = decide(f, &ads);
    /* 30 + 20 leaves 10: the 15 s ad is skipped, the 10 s one fills the pod. */
    assert_int_equal(n, 3);
    assert_string_equal(ad_campaign(f, &ads[0]), "s30");
    assert_string_equal(ad_campaign(f, &ads[1]), "s20");
    assert_string_equal(ad_campaign(f, &ads[2]), "s10");
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ads[i].sequence, i + 1);
        assert_int_equal(ads[i].slot, DECISION_NO_SLOT);
        total += snapshot_creative(f->s, ads[i].creative)->duration_ms;
    }
    assert_int_equal(total, 60000);
    assert_int_equal(reason(f, "s15"), DECISION_NO_ROOM);
}

static void test_decision_pod_max_ads(void **state)
{
    struct fixture *f = *state;
    const struct decision_ad *ads;
    char id[16];
    int reached = 0;

    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof(id), "c%d", i);
        simple(f, spec(id), 15);
    }
    finish(f);
    f->pod = (struct decision_pod){.max_ads = 2, .duration_s = 300};
    assert_int_equal(decide(f, &ads), 2);
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof(id), "c%d", i);
        reached += reason(f, id) == DECISION_NOT_REACHED;
    }
    assert_int_equal(reached, 4);
}

static void test_decision_pod_no_creative_twice(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s = spec("solo");
    const struct decision_ad *ads;

    s.advertiser_domain = NULL; /* no domain: the campaign may fill several slots */
    add(f, s);
    creative(f, "solo-1", "solo", 10, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "solo-2", "solo", 10, SNAPSHOT_CREATIVE_ACTIVE);
    finish(f);
    f->pod = (struct decision_pod){.max_ads = 4, .duration_s = 60};
    assert_int_equal(decide(f, &ads), 2);
    assert_true(ads[0].creative != ads[1].creative);
    assert_int_equal(ads[0].campaign, ads[1].campaign);
}

static void test_decision_separation_by_domain(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s;
    const struct decision_ad *ads;
    char text[200];

    s = spec("brand-a"), s.advertiser_domain = "brand.example", s.priority = 1;
    simple(f, s, 15);
    s = spec("brand-b"), s.advertiser_domain = "Brand.Example", s.priority = 2;
    simple(f, s, 15);
    s = spec("other"), s.advertiser_domain = "other.example", s.priority = 3;
    simple(f, s, 15);
    s = spec("two-creatives"), s.advertiser_domain = "two.example", s.priority = 4;
    add(f, s);
    creative(f, "two-1", "two-creatives", 15, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "two-2", "two-creatives", 15, SNAPSHOT_CREATIVE_ACTIVE);
    finish(f);
    f->pod = (struct decision_pod){.max_ads = 5, .duration_s = 120};
    assert_int_equal(decide(f, &ads), 3);
    assert_string_equal(ad_campaign(f, &ads[0]), "brand-a");
    assert_string_equal(ad_campaign(f, &ads[1]), "other");
    /* A campaign with a domain serves once, whatever its creative count. */
    assert_string_equal(ad_campaign(f, &ads[2]), "two-creatives");
    assert_int_equal(reason(f, "brand-b"), DECISION_SEP_DOMAIN);
    assert_int_equal(decision_explain_format(f->w, idx(f, "brand-b"), text, sizeof(text)), 0);
    assert_non_null(strstr(text, "brand.example"));
}

static void test_decision_separation_by_category(void **state)
{
    struct fixture *f = *state;
    const char *const auto1[] = {"IAB2-1"}, *const auto3[] = {"IAB2-3"},
                      *const travel[] = {"IAB20"}, *const news[] = {"IAB12"},
                      *const politics[] = {"IAB11"};
    struct snapshot_campaign_spec s;
    const struct decision_ad *ads;
    char err[160];

    s = spec("car-a"), s.categories = (struct snapshot_strings){auto1, 1}, s.priority = 1;
    simple(f, s, 15);
    s = spec("car-b"), s.categories = (struct snapshot_strings){auto3, 1}, s.priority = 2;
    simple(f, s, 15);
    s = spec("news"), s.categories = (struct snapshot_strings){news, 1}, s.priority = 3;
    simple(f, s, 15);
    s = spec("politics"), s.categories = (struct snapshot_strings){politics, 1}, s.priority = 4;
    simple(f, s, 15);
    s = spec("travel"), s.categories = (struct snapshot_strings){travel, 1}, s.priority = 5;
    simple(f, s, 15);
    /* No two automotive ads (the parent covers IAB2-1 and IAB2-3); news vs politics. */
    assert_int_equal(snapshot_builder_exclude(f->b, "IAB2", "IAB2", err, sizeof(err)), 0);
    assert_int_equal(snapshot_builder_exclude(f->b, "IAB11", "IAB12", err, sizeof(err)), 0);
    finish(f);
    f->pod = (struct decision_pod){.max_ads = 5, .duration_s = 120};
    assert_int_equal(decide(f, &ads), 3);
    assert_string_equal(ad_campaign(f, &ads[0]), "car-a");
    assert_string_equal(ad_campaign(f, &ads[1]), "news");
    assert_string_equal(ad_campaign(f, &ads[2]), "travel");
    assert_int_equal(reason(f, "car-b"), DECISION_SEP_CATEGORY);
    assert_int_equal(reason(f, "politics"), DECISION_SEP_CATEGORY);
}

static void test_decision_empty_pods(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s = spec("paused");
    const struct decision_ad *ads;
    size_t n;

    s.status = SNAPSHOT_STATUS_PAUSED;
    simple(f, s, 15);
    simple(f, spec("ok"), 15);
    finish(f);
    /* Nothing asked for. */
    f->pod = (struct decision_pod){.max_ads = 0};
    assert_int_equal(decide(f, &ads), 0);
    assert_int_equal(reason(f, "ok"), DECISION_NOT_REACHED);
    /* Nothing fits. */
    f->pod = (struct decision_pod){.max_ads = 3, .duration_s = 5};
    assert_int_equal(decide(f, &ads), 0);
    /* Nothing eligible: no reservations, and choose still answers. */
    f->req.now_ms = at("2027-01-01T00:00:00Z");
    f->pod = (struct decision_pod){.max_ads = 3, .duration_s = 60};
    assert_int_equal(candidates(f, NULL), 0);
    decision_reserves(f->w, &n);
    assert_int_equal(n, 0);
    assert_int_equal(decision_choose(f->w, NULL, 0), 0);
    decision_ads(f->w, &n);
    assert_int_equal(n, 0);
}

static void test_decision_empty_snapshot(void **state)
{
    struct fixture *f = *state;
    const struct decision_ad *ads;

    finish(f);
    f->pod = (struct decision_pod){.max_ads = 3, .duration_s = 60};
    assert_int_equal(decide(f, &ads), 0);
}

static void test_decision_rejects_misuse(void **state)
{
    struct fixture *f = *state;
    struct decision_explain e;
    uint32_t g = 1;

    simple(f, spec("a"), 15);
    finish(f);
    assert_int_equal(decision_choose(f->w, NULL, 0), -1); /* before phase 1 */
    assert_int_equal(decision_explain(f->w, 0, &e), -1);
    f->pod = (struct decision_pod){.max_ads = 1, .min_ad_s = 30, .max_ad_s = 15};
    assert_int_equal(candidates(f, NULL),
                     -1);
    f->pod = (struct decision_pod){.max_ads = 1};
    assert_int_equal(candidates(f, NULL), 0);
    assert_int_equal(decision_choose(f->w, &g, 1), -1); /* no reservation was asked */
    assert_int_equal(decision_explain(f->w, 5, &e), -1);
}

/* ------------------------------------------------------------------------
 * Frequency caps (two phases)
 * ------------------------------------------------------------------------ */

static void test_decision_cap_granted_or_denied(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s = spec("capped");
    const struct decision_reserve *res;
    const struct decision_ad *ads;
    const struct decision_unused *un;
    uint32_t granted;
    size_t n;

    s.caps.per_day = 3;
    s.priority = 1;
    simple(f, s, 15);
    simple(f, spec("free"), 15);
    finish(f);
    f->opts.spare_reservations = 0;
    assert_int_equal(candidates(f, NULL), 0);
    res = decision_reserves(f->w, &n);
    assert_int_equal(n, 1);
    assert_int_equal(res[0].campaign, idx(f, "capped"));
    assert_int_equal(res[0].slots, 1);
    /* Granted: the capped campaign serves in slot 0. */
    granted = 1;
    assert_int_equal(decision_choose(f->w, &granted, 1), 0);
    ads = decision_ads(f->w, &n);
    assert_int_equal(n, 1);
    assert_string_equal(ad_campaign(f, &ads[0]), "capped");
    assert_int_equal(ads[0].slot, 0);
    decision_unused(f->w, &n);
    assert_int_equal(n, 0);
    /* Denied (at cap): the uncapped campaign replaces it. */
    assert_int_equal(candidates(f, NULL), 0);
    granted = 0;
    assert_int_equal(decision_choose(f->w, &granted, 1), 0);
    ads = decision_ads(f->w, &n);
    assert_int_equal(n, 1);
    assert_string_equal(ad_campaign(f, &ads[0]), "free");
    assert_int_equal(reason(f, "capped"), DECISION_FREQ_CAP);
    /* Redis unreachable: same. */
    assert_int_equal(candidates(f, NULL), 0);
    assert_int_equal(decision_choose(f->w, NULL, 1), 0);
    ads = decision_ads(f->w, &n);
    assert_string_equal(ad_campaign(f, &ads[0]), "free");
    un = decision_unused(f->w, &n);
    (void)un;
    assert_int_equal(n, 0);
}

static void test_decision_cap_spare_replaces_denied(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s;
    const struct decision_reserve *res;
    const struct decision_ad *ads;
    const struct decision_unused *un;
    uint32_t granted[2];
    size_t n;

    s = spec("cap-1"), s.caps.per_hour = 1, s.priority = 1;
    simple(f, s, 15);
    s = spec("cap-2"), s.caps.per_week = 5, s.priority = 2;
    simple(f, s, 15);
    s = spec("cap-3"), s.caps.per_week = 5, s.priority = 3;
    simple(f, s, 15);
    s = spec("free"), s.priority = 4;
    simple(f, s, 15);
    finish(f);
    f->opts.spare_reservations = 1;
    assert_int_equal(candidates(f, NULL), 0);
    res = decision_reserves(f->w, &n);
    assert_int_equal(n, 2);
    assert_int_equal(res[0].campaign, idx(f, "cap-1"));
    assert_int_equal(res[1].campaign, idx(f, "cap-2"));
    granted[0] = 0;
    granted[1] = 1;
    assert_int_equal(decision_choose(f->w, granted, 2), 0);
    ads = decision_ads(f->w, &n);
    assert_int_equal(n, 1);
    assert_string_equal(ad_campaign(f, &ads[0]), "cap-2");
    /* Not reserved, so not served, and explain says why. */
    assert_int_equal(reason(f, "cap-3"), DECISION_FREQ_UNCHECKED);
    assert_int_equal(reason(f, "cap-1"), DECISION_FREQ_CAP);
    /* Both granted: the spare's slot goes back. */
    assert_int_equal(candidates(f, NULL), 0);
    granted[0] = granted[1] = 1;
    assert_int_equal(decision_choose(f->w, granted, 2), 0);
    ads = decision_ads(f->w, &n);
    assert_string_equal(ad_campaign(f, &ads[0]), "cap-1");
    un = decision_unused(f->w, &n);
    assert_int_equal(n, 1);
    assert_int_equal(un[0].campaign, idx(f, "cap-2"));
    assert_int_equal(un[0].from, 0);
    assert_int_equal(un[0].to, 1);
}

static void test_decision_cap_slots_per_ad(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s = spec("multi");
    const struct decision_reserve *res;
    const struct decision_ad *ads;
    uint32_t granted;
    size_t n;

    s.advertiser_domain = NULL;
    s.caps.per_day = 10;
    add(f, s);
    creative(f, "m1", "multi", 10, SNAPSHOT_CREATIVE_ACTIVE);
    creative(f, "m2", "multi", 10, SNAPSHOT_CREATIVE_ACTIVE);
    finish(f);
    f->pod = (struct decision_pod){.max_ads = 3, .duration_s = 60};
    assert_int_equal(candidates(f, NULL), 0);
    res = decision_reserves(f->w, &n);
    assert_int_equal(n, 1);
    assert_int_equal(res[0].slots, 2);
    /* Only one slot left under the cap: one ad. */
    granted = 1;
    assert_int_equal(decision_choose(f->w, &granted, 1), 0);
    ads = decision_ads(f->w, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ads[0].slot, 0);
    /* A reply above the ask is clamped to it. */
    assert_int_equal(candidates(f, NULL), 0);
    granted = 9;
    assert_int_equal(decision_choose(f->w, &granted, 1), 0);
    ads = decision_ads(f->w, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ads[0].slot, 0);
    assert_int_equal(ads[1].slot, 1);
}

static void test_decision_explain_texts(void **state)
{
    struct fixture *f = *state;
    struct snapshot_campaign_spec s;
    char text[200];

    s = spec("paused"), s.status = SNAPSHOT_STATUS_PAUSED;
    simple(f, s, 15);
    s = spec("night"), s.daypart[0] = 1; /* Sunday 00:00 only */
    simple(f, s, 15);
    simple(f, spec("winner"), 15);
    finish(f);
    assert_string_equal(winner(f), "winner");
    assert_int_equal(decision_explain_format(f->w, idx(f, "paused"), text, sizeof(text)), 0);
    assert_string_equal(text, "not eligible: status is paused");
    assert_int_equal(decision_explain_format(f->w, idx(f, "night"), text, sizeof(text)), 0);
    assert_string_equal(text, "not eligible: targeting: day-part excludes day 0 hour 12 in UTC");
    assert_int_equal(decision_explain_format(f->w, idx(f, "winner"), text, sizeof(text)), 0);
    assert_string_equal(text, "chosen: sequence 1");
    assert_string_equal(decision_reason_name(DECISION_SEP_CATEGORY), "separation_category");
    /* A short buffer truncates, never overflows. */
    assert_int_equal(decision_explain_format(f->w, idx(f, "paused"), text, 8), 0);
    assert_string_equal(text, "not eli");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_decision_status_must_be_active),
        T(test_decision_flight_window),
        T(test_decision_budget_exhausted),
        T(test_decision_creative_must_be_active),
        T(test_decision_creative_duration_must_fit),
        T(test_decision_targeting_excludes),
        T(test_decision_pacing_throttles),
        T(test_decision_priority_tiers),
        T(test_decision_weights_statistical),
        T(test_decision_creatives_share_campaign_weight),
        T(test_decision_same_seed_same_pod),
        T(test_decision_pod_fills_duration_in_sequence),
        T(test_decision_pod_max_ads),
        T(test_decision_pod_no_creative_twice),
        T(test_decision_separation_by_domain),
        T(test_decision_separation_by_category),
        T(test_decision_empty_pods),
        T(test_decision_empty_snapshot),
        T(test_decision_rejects_misuse),
        T(test_decision_cap_granted_or_denied),
        T(test_decision_cap_spare_replaces_denied),
        T(test_decision_cap_slots_per_ad),
        T(test_decision_explain_texts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
