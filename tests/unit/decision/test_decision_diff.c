/*
 * Differential test of the decision engine: a straightforward reference
 * evaluation, written here only (a linear scan over every campaign applying
 * every rule with plain string comparisons, the time zone library and
 * pacing_evaluate), against the indexed engine (snapshot indexes, ticker
 * state, lazy weighted order) over thousands of random catalogs and
 * requests from a fixed seed.
 *
 * Per request it asserts:
 *  - the same eligible set: a campaign is eligible for the engine
 *    (decision_eligible) exactly when the reference says every rule passes;
 *  - every ad of the pod is eligible, fits the pod's durations, and the pod
 *    keeps count, total duration, no creative twice, domain and category
 *    separation;
 *  - caps: a capped campaign serves at most the slots granted to it, and
 *    never without a reservation; budgets: no spent campaign serves;
 *  - the pod is maximal: every eligible item of an uncapped campaign that
 *    serves for sure (pacing probability 1) is in the pod or cannot join it;
 *  - the no-fill reason (decision_nofill_reason, which avoids looking at
 *    most campaigns) is the one a comparison of every campaign's explain
 *    reason gives.
 * Catalogs come in two kinds: small and densely targeted (the engine
 * enumerates their few candidates), and one in four large (up to 600
 * campaigns) and sparsely targeted, so most requests have more than 64
 * candidates and the engine draws from the ticker's cumulative weights,
 * falling back to enumeration when draws miss. Bounded: 600 catalogs, 8
 * requests each (4,800 decisions), a few seconds under ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decision/decision.h"
#include "decision/pacing.h"
#include "decision/snapshot.h"
#include "decision/tick.h"
#include "util/tz.h"

#define CATALOGS 600
#define REQUESTS 8
#define MAX_CAMPAIGNS 600
#define NOW INT64_C(1748779200000) /* 2025-06-01T12:00:00Z, a Sunday */
#define HOUR_MS INT64_C(3600000)
#define DAY_MS INT64_C(86400000)

static const char *const vocab[SNAPSHOT_NDIMS][4] = {
    {"US", "CA", "GB", "DE"},          {"US-NY", "US-CA", "CA-QC", "GB-ENG"},
    {"501", "803", "602", "504"},      {"ctv", "mobile", "desktop", "stb"},
    {"roku", "tvos", "tizen", "webos"}, {"com.a", "com.b", "com.c", "com.d"},
    {"news", "sports", "drama", "kids"}, {"TV-G", "TV-PG", "TV-14", "TV-MA"},
    {"IAB1", "IAB17", "IAB19", "IAB7"},
};
static const char *const zones[] = {"UTC", "America/New_York", "Asia/Tokyo"};
static const char *const cats[] = {"IAB2", "IAB2-3", "IAB7", "IAB12", "IAB19-1"};
/* Exclusion pairs of every catalog (a parent covers its children). */
static const char *const excl[][2] = {{"IAB2", "IAB2"}, {"IAB7", "IAB12"}};

/* What the reference keeps per campaign: the spec as given, with its own copies. */
struct ref_campaign {
    char id[16], dom[24];
    struct snapshot_campaign_spec spec;
    const char *setv[SNAPSHOT_NDIMS][3];
    const char *catv[2];
    uint32_t dur[3];
    int active[3];
    int n_creatives;
    int64_t spend_total, spend_today;
    int has_spend;
};

struct ref_catalog {
    struct ref_campaign c[MAX_CAMPAIGNS];
    int n;
    struct tz_zone *zone[3];
};

static uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

static int zone_index(const char *name)
{
    for (int z = 0; z < 3; z++) {
        if (strcmp(zones[z], name) == 0)
            return z;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Random catalogs and requests
 * ------------------------------------------------------------------------ */

static void random_campaign(struct ref_campaign *rc, int i, int sparse, uint64_t *r)
{
    struct snapshot_campaign_spec *c = &rc->spec;
    uint64_t x = rnd(r), y = rnd(r);

    memset(rc->setv, 0, sizeof(rc->setv));
    memset(c, 0, sizeof(*c));
    snprintf(rc->id, sizeof(rc->id), "c%d", i);
    snprintf(rc->dom, sizeof(rc->dom), "d%d.example", (int)(x % 40));
    c->id = rc->id;
    c->status = x % 10 == 0 ? SNAPSHOT_STATUS_PAUSED : SNAPSHOT_STATUS_ACTIVE;
    c->start_ms = NOW - HOUR_MS * (int64_t)((x >> 4) % 100) + (x >> 11 & 1 ? HOUR_MS * 3 : 0);
    c->end_ms = c->start_ms + DAY_MS * (int64_t)(1 + (x >> 12) % 20) - (x >> 17 & 1) * DAY_MS;
    if (c->end_ms <= c->start_ms)
        c->end_ms = c->start_ms + HOUR_MS;
    c->pricing = SNAPSHOT_PRICING_CPM;
    c->rate_micros = 1000000;
    c->budget_total_micros = INT64_C(1000000) * (int64_t)(100 + (x >> 18) % 1000);
    c->budget_spent_micros = (x >> 28) % 8 == 0 ? c->budget_total_micros : 0;
    c->priority = 1 + (uint32_t)((x >> 31) % 3);
    c->weight = 1 + (uint32_t)((x >> 33) % 50);
    c->pacing = x >> 39 & 1 ? SNAPSHOT_PACING_EVEN : SNAPSHOT_PACING_ASAP;
    c->time_zone = zones[(x >> 40) % 3];
    c->advertiser_domain = (x >> 42) % 4 == 0 ? NULL : rc->dom;
    rc->catv[0] = cats[(x >> 44) % 5];
    rc->catv[1] = cats[(x >> 47) % 5];
    c->categories = (struct snapshot_strings){rc->catv, (size_t)((x >> 50) % 3)};
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        uint64_t z = rnd(r);
        /* Five in six untargeted; 23 in 24 in a sparse catalog. */
        size_t n = z % (sparse ? 24 : 6) < (sparse ? 23u : 5u) ? 0 : 1 + (size_t)(z >> 5) % 3;
        for (size_t k = 0; k < n; k++)
            rc->setv[d][k] = vocab[d][(z >> (8 + 2 * k)) % 4];
        c->sets[d] = (struct snapshot_strings){rc->setv[d], n};
    }
    if (y % 5 == 0) {
        for (int d = 0; d < 7; d++)
            c->daypart[d] = (uint32_t)(rnd(r) & 0xFFFFFF);
    }
    c->livestream = (enum snapshot_live)((y >> 3) % 4 == 3 ? 1 + (y >> 5) % 2 : 0);
    if ((y >> 6) % 4 == 0)
        c->caps.per_day = 1 + (uint32_t)((y >> 8) % 3);
    rc->n_creatives = (int)((y >> 10) % 4);
    for (int k = 0; k < rc->n_creatives; k++) {
        rc->dur[k] = (uint32_t)(5 + (y >> (12 + 4 * k)) % 5 * 10) * 1000;
        rc->active[k] = (y >> (30 + k)) % 5 != 0;
    }
    rc->has_spend = (y >> 40) % 3 != 0;
    rc->spend_total = (int64_t)((y >> 42) % 3) * c->budget_total_micros / 2;
    rc->spend_today = (int64_t)((y >> 44) % 4) * c->budget_total_micros / 50;
}

static struct snapshot *build_catalog(struct ref_catalog *rc, uint64_t *r)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot *s = NULL;
    char err[160];

    assert_non_null(b);
    int sparse = rnd(r) % 4 == 0;

    rc->n = sparse ? 100 + (int)(rnd(r) % (MAX_CAMPAIGNS - 99)) : 1 + (int)(rnd(r) % 120);
    for (int i = 0; i < rc->n; i++) {
        struct ref_campaign *c = &rc->c[i];
        random_campaign(c, i, sparse, r);
        if (snapshot_builder_add_campaign(b, &c->spec, err, sizeof(err)) != 0)
            fail_msg("campaign %d: %s", i, err);
        for (int k = 0; k < c->n_creatives; k++) {
            struct snapshot_creative_spec cr;
            char cid[24];
            memset(&cr, 0, sizeof(cr));
            snprintf(cid, sizeof(cid), "%s-%d", c->id, k);
            cr.id = cid;
            cr.campaign_id = c->id;
            cr.status = c->active[k] ? SNAPSHOT_CREATIVE_ACTIVE : SNAPSHOT_CREATIVE_INACTIVE;
            cr.duration_ms = c->dur[k];
            if (snapshot_builder_add_creative(b, &cr, err, sizeof(err)) != 0)
                fail_msg("creative: %s", err);
        }
    }
    for (size_t k = 0; k < sizeof(excl) / sizeof(excl[0]); k++) {
        if (snapshot_builder_exclude(b, excl[k][0], excl[k][1], err, sizeof(err)) != 0)
            fail_msg("exclude: %s", err);
    }
    if (snapshot_builder_finish(b, NOW, &s, err, sizeof(err)) != 0)
        fail_msg("finish: %s", err);
    snapshot_builder_free(b);
    return s;
}

static int spend_of(void *ctx, uint32_t i, const struct snapshot_campaign *c,
                    struct pacing_spend *out)
{
    const struct ref_catalog *rc = ctx;

    (void)c;
    if (!rc->c[i].has_spend)
        return -1;
    out->total = rc->c[i].spend_total;
    out->today = rc->c[i].spend_today;
    return 0;
}

static void random_request(struct targeting_request *q, struct decision_pod *pod, uint64_t *r)
{
    const char **v[SNAPSHOT_NDIMS] = {&q->country,      &q->region,        &q->dma,
                                      &q->device_type,  &q->os,            &q->app_bundle,
                                      &q->content_genre, &q->content_rating, &q->content_category};
    uint64_t x = rnd(r);

    memset(q, 0, sizeof(*q));
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        uint64_t z = rnd(r) % 8;
        /* Mostly a known value, sometimes none or one no campaign names. */
        *v[d] = z < 5 ? vocab[d][z % 4] : z == 5 ? "unknown-value" : NULL;
    }
    if (x % 3 == 0)
        q->country = "us"; /* case does not matter */
    q->livestream = (enum targeting_live)((x >> 2) % 3);
    q->now_ms = NOW + (int64_t)((x >> 4) % 48) * HOUR_MS;
    memset(pod, 0, sizeof(*pod));
    pod->max_ads = (uint32_t)((x >> 10) % 6);
    pod->duration_s = (x >> 13) % 3 == 0 ? 0 : 30 + (uint32_t)((x >> 15) % 120);
    pod->min_ad_s = (x >> 22) % 3 == 0 ? (uint32_t)((x >> 24) % 20) : 0;
    pod->max_ad_s = (x >> 29) % 3 == 0 ? pod->min_ad_s + (uint32_t)((x >> 31) % 40) : 0;
}

/* ------------------------------------------------------------------------
 * The reference: every rule, one campaign at a time
 * ------------------------------------------------------------------------ */

static const char *request_value(const struct targeting_request *q, int d)
{
    const char *v[SNAPSHOT_NDIMS] = {q->country,     q->region,         q->dma,
                                     q->device_type, q->os,             q->app_bundle,
                                     q->content_genre, q->content_rating, q->content_category};
    return v[d];
}

static int creative_fits(const struct decision_pod *pod, uint32_t ms)
{
    return (pod->min_ad_s == 0 || ms >= pod->min_ad_s * 1000u) &&
           (pod->max_ad_s == 0 || ms <= pod->max_ad_s * 1000u) &&
           (pod->duration_s == 0 || ms <= pod->duration_s * 1000u);
}

static int has_daypart(const struct snapshot_campaign_spec *sp)
{
    for (int d = 0; d < 7; d++) {
        if (sp->daypart[d] != 0)
            return 1;
    }
    return 0;
}

/* 1 when campaign i passes every rule; *p_ppm its pacing probability. */
static int ref_eligible(const struct ref_catalog *rc, int i, const struct targeting_request *q,
                        const struct decision_pod *pod, const struct pacing_params *pp,
                        uint32_t *p_ppm)
{
    const struct ref_campaign *c = &rc->c[i];
    const struct snapshot_campaign_spec *sp = &c->spec;
    const struct tz_zone *z = rc->zone[zone_index(sp->time_zone)];
    struct tz_local local;
    struct pacing_input in;
    struct pacing_result res;
    int fits = 0;

    *p_ppm = 0;
    if (sp->status != SNAPSHOT_STATUS_ACTIVE || q->now_ms < sp->start_ms ||
        q->now_ms >= sp->end_ms)
        return 0;
    for (int k = 0; k < c->n_creatives; k++)
        fits |= c->active[k] && creative_fits(pod, c->dur[k]);
    if (!fits || sp->budget_spent_micros >= sp->budget_total_micros)
        return 0;
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        const char *v = request_value(q, d);
        int hit = sp->sets[d].n == 0;
        for (size_t k = 0; k < sp->sets[d].n && v != NULL; k++)
            hit |= strcasecmp(sp->sets[d].v[k], v) == 0;
        if (!hit)
            return 0;
    }
    if ((sp->livestream == SNAPSHOT_LIVE_ONLY && q->livestream != TARGETING_LIVE_YES) ||
        (sp->livestream == SNAPSHOT_LIVE_NEVER && q->livestream != TARGETING_LIVE_NO))
        return 0;
    tz_local(z, q->now_ms, &local);
    if (has_daypart(sp) && !(sp->daypart[local.dow] >> local.hour & 1))
        return 0;
    in.mode = sp->pacing == SNAPSHOT_PACING_ASAP ? PACING_ASAP : PACING_EVEN;
    in.budget_total = sp->budget_total_micros;
    in.spend.total = c->has_spend ? c->spend_total : sp->budget_spent_micros;
    in.spend.today = c->has_spend ? c->spend_today : 0;
    if (in.spend.total < sp->budget_spent_micros)
        in.spend.total = sp->budget_spent_micros;
    if (in.spend.total >= sp->budget_total_micros)
        return 0;
    in.flight_start_ms = sp->start_ms;
    in.flight_end_ms = sp->end_ms;
    in.day_start_ms = tz_day_start(z, local.day);
    in.day_end_ms = tz_day_start(z, local.day + 1);
    in.now_ms = q->now_ms;
    assert_int_equal(pacing_evaluate(pp, &in, &res), 0);
    *p_ppm = res.p_ppm;
    return res.p_ppm > 0;
}

/* ------------------------------------------------------------------------
 * Pod checks
 * ------------------------------------------------------------------------ */

/* Category a (or its parent) is c. */
static int covers(const char *cat, const char *c)
{
    size_t n = strlen(c);
    return strcmp(cat, c) == 0 || (strncmp(cat, c, n) == 0 && cat[n] == '-');
}

static int separated(const struct ref_campaign *a, const struct ref_campaign *b)
{
    if (a->spec.advertiser_domain != NULL && b->spec.advertiser_domain != NULL &&
        strcmp(a->spec.advertiser_domain, b->spec.advertiser_domain) == 0)
        return 0;
    for (size_t x = 0; x < a->spec.categories.n; x++) {
        for (size_t y = 0; y < b->spec.categories.n; y++) {
            const char *ca = a->spec.categories.v[x], *cb = b->spec.categories.v[y];
            for (size_t k = 0; k < sizeof(excl) / sizeof(excl[0]); k++) {
                if ((covers(ca, excl[k][0]) && covers(cb, excl[k][1])) ||
                    (covers(ca, excl[k][1]) && covers(cb, excl[k][0])))
                    return 0;
            }
        }
    }
    return 1;
}

struct outcome {
    int eligible[MAX_CAMPAIGNS];
    uint32_t p_ppm[MAX_CAMPAIGNS];
    uint32_t granted[MAX_CAMPAIGNS]; /* slots granted per capped campaign */
    int reserved[MAX_CAMPAIGNS];
};

static void check_pod(const struct ref_catalog *rc, const struct snapshot *s,
                      const struct decision_pod *pod, const struct decision_ad *ads, size_t n,
                      const struct outcome *o)
{
    uint32_t served[MAX_CAMPAIGNS] = {0};
    uint64_t total = 0, left;
    uint32_t max_ads = pod->max_ads < DECISION_MAX_ADS ? pod->max_ads : DECISION_MAX_ADS;

    assert_true(n <= max_ads);
    for (size_t k = 0; k < n; k++) {
        const struct snapshot_creative *cr = snapshot_creative(s, ads[k].creative);
        uint32_t c = ads[k].campaign;
        assert_int_equal(cr->campaign, c);
        assert_true(o->eligible[c]);
        assert_true(cr->status == SNAPSHOT_CREATIVE_ACTIVE);
        assert_true(creative_fits(pod, cr->duration_ms));
        assert_int_equal(ads[k].sequence, k + 1);
        total += cr->duration_ms;
        served[c]++;
        for (size_t j = 0; j < k; j++) {
            assert_int_not_equal(ads[j].creative, ads[k].creative);
            assert_true(separated(&rc->c[ads[j].campaign], &rc->c[c]));
        }
    }
    if (pod->duration_s != 0)
        assert_true(total <= pod->duration_s * UINT64_C(1000));
    for (int c = 0; c < rc->n; c++) {
        const struct snapshot_caps *caps = &rc->c[c].spec.caps;
        if (caps->per_hour || caps->per_day || caps->per_week)
            assert_true(served[c] <= (o->reserved[c] ? o->granted[c] : 0));
    }
    /* Maximal: an uncapped, surely pacing item that is not in the pod cannot join it. */
    if (n == max_ads)
        return;
    left = pod->duration_s ? pod->duration_s * UINT64_C(1000) - total : UINT64_MAX;
    for (int c = 0; c < rc->n; c++) {
        const struct ref_campaign *rcp = &rc->c[c];
        const struct snapshot_caps *caps = &rcp->spec.caps;
        int fits_left = 0, sep_ok = 1;
        if (!o->eligible[c] || o->p_ppm[c] != PACING_P_ONE || caps->per_hour || caps->per_day ||
            caps->per_week)
            continue;
        for (size_t k = 0; k < n; k++)
            sep_ok &= separated(&rc->c[ads[k].campaign], rcp);
        for (int k = 0; k < rcp->n_creatives; k++) {
            char cid[24];
            uint32_t ci;
            int used = 0;
            snprintf(cid, sizeof(cid), "%s-%d", rcp->id, k);
            assert_int_equal(snapshot_creative_find(s, cid, &ci), 0);
            for (size_t j = 0; j < n; j++)
                used |= ads[j].creative == ci;
            fits_left |= rcp->active[k] && !used && creative_fits(pod, rcp->dur[k]) &&
                         rcp->dur[k] <= left;
        }
        if (fits_left && sep_ok)
            fail_msg("campaign %d could still join a pod of %zu ads", c, n);
    }
}

/* ------------------------------------------------------------------------
 * The test
 * ------------------------------------------------------------------------ */

/* The furthest explain reason over every campaign (rank, then lowest index), or -1. */
static int nofill_by_scan(const struct decision_work *w, uint32_t n)
{
    int best = -1, code = -1;

    for (uint32_t i = 0; i < n; i++) {
        struct decision_explain e;
        assert_int_equal(decision_explain(w, i, &e), 0);
        if (e.reason == DECISION_NOT_REQUESTED)
            continue;
        if (decision_reason_rank(e.reason) > best) {
            best = decision_reason_rank(e.reason);
            code = (int)e.reason;
        }
    }
    return code;
}

/* Totals over the run, so a generator that stopped producing real cases fails. */
struct totals {
    unsigned long eligible, ineligible, ads, reserved, nofill_checked;
};

static void one_request(struct ref_catalog *rc, struct snapshot *s, struct decision_work *w,
                        uint64_t *r, struct totals *t)
{
    struct targeting_request q;
    struct decision_pod pod;
    struct decision_options opts = decision_options_default();
    struct decision_spend_source src = {.get = spend_of, .ctx = rc};
    struct decision_rng rng;
    struct outcome o;
    const struct decision_reserve *res;
    const struct decision_ad *ads;
    uint32_t granted[DECISION_MAX_ADS + DECISION_MAX_SPARE];
    size_t nres, n;

    random_request(&q, &pod, r);
    memset(&o, 0, sizeof(o));
    opts.spare_reservations = (uint32_t)(rnd(r) % 4);
    decision_rng_seed(&rng, rnd(r));
    assert_int_equal(tick_evaluate(s, &src, &opts.pacing, q.now_ms), 0);
    assert_int_equal(decision_candidates(w, s, &q, &pod, &opts, &rng), 0);

    for (int i = 0; i < rc->n; i++) {
        int ref = ref_eligible(rc, i, &q, &pod, &opts.pacing, &o.p_ppm[i]);
        int eng = decision_eligible(w, (uint32_t)i);
        if (ref != eng)
            fail_msg("campaign %d: reference %s, engine %s", i, ref ? "eligible" : "not eligible",
                     eng ? "eligible" : "not eligible");
        o.eligible[i] = ref;
        if (ref)
            t->eligible++;
        else
            t->ineligible++;
    }
    res = decision_reserves(w, &nres);
    for (size_t k = 0; k < nres; k++) {
        assert_true(o.eligible[res[k].campaign]);
        granted[k] = (uint32_t)(rnd(r) % (res[k].slots + 2));
        o.reserved[res[k].campaign] = 1;
        t->reserved++;
        o.granted[res[k].campaign] = granted[k] < res[k].slots ? granted[k] : res[k].slots;
    }
    assert_int_equal(decision_choose(w, granted, nres), 0);
    ads = decision_ads(w, &n);
    check_pod(rc, s, &pod, ads, n, &o);
    t->ads += n;
    {
        enum decision_reason why;
        int fast = decision_nofill_reason(w, &why) == 0 ? (int)why : -1;
        assert_int_equal(fast, nofill_by_scan(w, (uint32_t)rc->n));
        t->nofill_checked += n == 0;
    }
}

static void test_decision_diff_random_catalogs(void **state)
{
    static struct ref_catalog rc;
    struct decision_work *w = decision_work_new();
    uint64_t r = UINT64_C(0x5EED5EED12345678);
    struct totals t = {0};
    char err[128];

    (void)state;
    for (int z = 0; z < 3; z++) {
        if (tz_load(NULL, zones[z], &rc.zone[z], err, sizeof(err)) != 0)
            fail_msg("zone %s: %s", zones[z], err);
    }
    for (int k = 0; k < CATALOGS; k++) {
        struct snapshot *s = build_catalog(&rc, &r);
        for (int q = 0; q < REQUESTS; q++)
            one_request(&rc, s, w, &r, &t);
        snapshot_free(s);
    }
    for (int z = 0; z < 3; z++)
        tz_free(rc.zone[z]);
    decision_work_free(w);
    print_message("eligible %lu, not eligible %lu, ads %lu, reservations %lu, no-fills %lu\n",
                  t.eligible, t.ineligible, t.ads, t.reserved, t.nofill_checked);
    assert_true(t.eligible > 2000 && t.ineligible > 20000);
    assert_true(t.ads > 2000 && t.reserved > 200 && t.nofill_checked > 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision_diff_random_catalogs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
