/*
 * Fuzz target for adserverd/decision: the input describes a small snapshot
 * (up to 8 campaigns with random status, flight, budget, priority, weight,
 * domain, categories, country targeting, livestream, day-part, caps and up
 * to 3 creatives each), a category-exclusion table, a request, a pod and
 * Redis's granted slots. Both phases run; the pod must respect every rule:
 * count and duration bounds, per-ad bounds, sequence 1..n, no creative
 * twice, no shared advertiser domain, no excluded category pair, granted
 * slots for capped campaigns, only eligible campaigns, and explain must
 * agree. Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/decision.h"
#include "decision/snapshot.h"
#include "decision/tick.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW INT64_C(1748779200000) /* 2025-06-01T12:00:00Z, a Sunday */
#define DAY_MS INT64_C(86400000)

struct reader {
    const uint8_t *p;
    size_t n;
};

/* Next byte, or 0 once the input is used up (short inputs stay meaningful). */
static uint8_t next(struct reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static const char *const domains[] = {NULL, "a.example", "A.EXAMPLE", "b.example"};
static const char *const cats[] = {"IAB1", "IAB2-1", "IAB2-2", "IAB3"};
static const char *const countries[] = {"US", "CA", "fr"};

static uint32_t granted_ok(const struct decision_reserve *res, size_t nres, const uint32_t *g,
                           uint32_t campaign)
{
    for (size_t i = 0; i < nres; i++) {
        if (res[i].campaign == campaign)
            return g[i] < res[i].slots ? g[i] : res[i].slots;
    }
    return 0;
}

static void check(const struct snapshot *s, struct decision_work *w, const struct decision_pod *pod,
                  int64_t now, const struct decision_reserve *res, size_t nres,
                  const uint32_t *granted)
{
    const struct decision_ad *ads;
    size_t n;
    uint64_t total = 0;
    uint32_t per_campaign[8] = {0};
    char text[256];

    ads = decision_ads(w, &n);
    if (n > pod->max_ads || n > DECISION_MAX_ADS)
        abort();
    for (size_t i = 0; i < n; i++) {
        const struct snapshot_creative *cr = snapshot_creative(s, ads[i].creative);
        const struct snapshot_campaign *c = snapshot_campaign(s, ads[i].campaign);
        struct decision_explain e;
        int is_capped = c->caps.per_hour || c->caps.per_day || c->caps.per_week;

        if (ads[i].sequence != i + 1 || cr->campaign != ads[i].campaign ||
            cr->status != SNAPSHOT_CREATIVE_ACTIVE || c->status != SNAPSHOT_STATUS_ACTIVE ||
            now < c->start_ms || now >= c->end_ms)
            abort();
        if ((pod->min_ad_s && cr->duration_ms < pod->min_ad_s * 1000u) ||
            (pod->max_ad_s && cr->duration_ms > pod->max_ad_s * 1000u))
            abort();
        total += cr->duration_ms;
        if (decision_explain(w, ads[i].campaign, &e) != 0 || e.reason != DECISION_CHOSEN)
            abort();
        if (is_capped) {
            if (ads[i].slot != per_campaign[ads[i].campaign] ||
                ads[i].slot >= granted_ok(res, nres, granted, ads[i].campaign))
                abort();
        } else if (ads[i].slot != DECISION_NO_SLOT) {
            abort();
        }
        per_campaign[ads[i].campaign]++;
        for (size_t j = 0; j < i; j++) {
            const struct snapshot_campaign *o = snapshot_campaign(s, ads[j].campaign);
            if (ads[j].creative == ads[i].creative)
                abort();
            if (c->domain_id != SNAPSHOT_NO_ID && c->domain_id == o->domain_id)
                abort();
            for (uint32_t x = 0; x < c->n_categories; x++) {
                for (uint32_t y = 0; y < o->n_categories; y++) {
                    if (snapshot_excludes(s, c->categories[x], o->categories[y]))
                        abort();
                }
            }
        }
    }
    if (pod->duration_s && total > (uint64_t)pod->duration_s * 1000)
        abort();
    for (uint32_t i = 0; i < snapshot_campaign_count(s); i++) {
        struct decision_explain e;
        if (decision_explain(w, i, &e) != 0 || decision_explain_format(w, i, text, sizeof(text)))
            abort();
        if ((e.reason == DECISION_CHOSEN) != (per_campaign[i] > 0))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reader r = {data, size};
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot *s = NULL;
    struct decision_work *w = decision_work_new();
    struct decision_options opts = decision_options_default();
    struct decision_rng rng;
    struct targeting_request req;
    struct decision_pod pod;
    const struct decision_reserve *res;
    uint32_t granted[DECISION_MAX_ADS + DECISION_MAX_SPARE];
    size_t nres;
    char err[160];
    int n_campaigns = next(&r) % 8 + 1;

    for (int i = 0; i < n_campaigns; i++) {
        struct snapshot_campaign_spec c;
        const char *cat_v[4], *country_v[3];
        char id[8];
        uint8_t flags = next(&r), mask = next(&r), cmask = next(&r);
        int n_creatives = next(&r) % 4;

        memset(&c, 0, sizeof(c));
        snprintf(id, sizeof(id), "c%d", i);
        c.id = id;
        c.status = (flags & 7) == 0 ? SNAPSHOT_STATUS_PAUSED : SNAPSHOT_STATUS_ACTIVE;
        c.start_ms = NOW - DAY_MS * (next(&r) % 4) + (flags & 8 ? DAY_MS : 0);
        c.end_ms = c.start_ms + DAY_MS * (next(&r) % 10 + 1);
        c.budget_total_micros = 1000000 * (int64_t)(next(&r) % 100);
        c.budget_spent_micros = c.budget_total_micros * (next(&r) % 4) / 4;
        c.priority = next(&r) % 3 + 1;
        c.weight = next(&r) % 5 + 1;
        c.pacing = flags & 16 ? SNAPSHOT_PACING_EVEN : SNAPSHOT_PACING_ASAP;
        c.time_zone = flags & 32 ? "America/New_York" : "UTC";
        c.advertiser_domain = domains[mask & 3];
        c.categories.v = cat_v;
        for (int k = 0; k < 4; k++) {
            if (mask >> (2 + k) & 1)
                cat_v[c.categories.n++] = cats[k];
        }
        c.sets[SNAPSHOT_DIM_COUNTRY].v = country_v;
        for (int k = 0; k < 3; k++) {
            if (cmask >> k & 1)
                country_v[c.sets[SNAPSHOT_DIM_COUNTRY].n++] = countries[k];
        }
        c.livestream = (enum snapshot_live)(cmask >> 3 & 3) % 3;
        if (cmask & 32)
            c.daypart[0] = 0xffffffu >> (next(&r) % 24);
        if (flags & 64)
            c.caps.per_day = next(&r) % 3 + 1;
        if (snapshot_builder_add_campaign(b, &c, err, sizeof(err)) != 0)
            continue;
        for (int k = 0; k < n_creatives; k++) {
            struct snapshot_creative_spec cr;
            char cid[16];
            uint8_t d = next(&r);
            memset(&cr, 0, sizeof(cr));
            snprintf(cid, sizeof(cid), "c%d-%d", i, k);
            cr.id = cid;
            cr.campaign_id = id;
            cr.status = d & 128 ? SNAPSHOT_CREATIVE_INACTIVE : SNAPSHOT_CREATIVE_ACTIVE;
            cr.duration_ms = (uint32_t)(d % 40 + 1) * 1000 + (d & 64 ? 500 : 0);
            if (snapshot_builder_add_creative(b, &cr, err, sizeof(err)) != 0)
                abort();
        }
    }
    uint8_t excl = next(&r);
    for (int k = 0; k < 4; k++) {
        if (excl >> k & 1 &&
            snapshot_builder_exclude(b, cats[k], cats[(k + excl / 16) % 4], err, sizeof(err)) != 0)
            abort();
    }
    if (snapshot_builder_finish(b, 0, &s, err, sizeof(err)) != 0)
        abort();

    memset(&req, 0, sizeof(req));
    uint8_t q = next(&r);
    req.country = q % 4 < 3 ? countries[q % 4] : NULL;
    req.livestream = (enum targeting_live)(q >> 2 & 3) % 3;
    req.now_ms = NOW + (int64_t)(q >> 4) * 3600000;
    memset(&pod, 0, sizeof(pod));
    pod.max_ads = next(&r) % 7;
    pod.duration_s = next(&r) % 121;
    pod.min_ad_s = next(&r) % 20;
    pod.max_ad_s = pod.min_ad_s + next(&r) % 40;
    if (next(&r) & 1)
        pod.min_ad_s = 0;
    opts.spare_reservations = next(&r) % 4;
    decision_rng_seed(&rng, next(&r));

    if (tick_evaluate(s, NULL, &opts.pacing, req.now_ms) != 0 ||
        decision_candidates(w, s, &req, &pod, &opts, &rng) != 0)
        abort();
    res = decision_reserves(w, &nres);
    if (nres > DECISION_MAX_ADS + DECISION_MAX_SPARE)
        abort();
    for (size_t i = 0; i < nres; i++)
        granted[i] = next(&r) % (res[i].slots + 2);
    if (decision_choose(w, granted, nres) != 0)
        abort();
    check(s, w, &pod, req.now_ms, res, nres, granted);

    decision_work_free(w);
    snapshot_free(s);
    snapshot_builder_free(b);
    return 0;
}
