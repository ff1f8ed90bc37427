/*
 * decision: see decision.h for the model.
 *
 * Load: a request costs what can match, not the catalog. The ticker
 * (tick.h) has already folded status, flight, day-part, budget and pacing
 * into the snapshot's per-slot state; targeting_candidates() intersects the
 * snapshot's inverted indexes with the live bitset (a pass over
 * campaigns / 64 words per targeted dimension), and only the campaigns left
 * are visited: creative fit, the pacing draw with the stored probability,
 * items. Explain reasons of the campaigns never visited are derived on
 * demand (decision_explain), so nothing is reset per campaign per request:
 * a generation stamp says which explain entries belong to this request.
 *
 * The pick order is produced lazily, one priority tier at a time (keys
 * drawn, tier heapified, popped as needed), so a pod usually costs
 * O(items of its first tier) plus O(log n) per item looked at. Phase 2
 * replays the order phase 1 produced and extends it with the same
 * generator: granting every reservation reproduces phase 1's pod exactly.
 */
#include "decision/decision.h"
#include "decision/tick.h"
#include "util/tz.h"
#include "lib/xalloc.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One (campaign, creative) that may serve. */
struct item {
    double key; /* exponential clock, drawn when its tier is reached: smaller goes first */
    double per; /* 1 / its share of the campaign's weight */
    uint32_t priority;
    uint32_t campaign;
    uint32_t creative;
    uint32_t duration_ms;
    int ordered; /* already in the pick order */
};

#define SPARE_LOOKAHEAD 8                 /* items looked at for spares past the pod, per ad */
#define FAST_MIN_CANDIDATES 64 /* fewer candidates: enumerate them, draws would mostly miss */
/*
 * Misses a tier may spend before it is enumerated: FAST_DRAWS plus
 * FAST_PER_HIT per item found. A draw costs a binary search (~100 ns at
 * 10,000 campaigns), enumerating a tier costs a visit, a log() and a heap
 * push per candidate: drawing pays while at least 1 draw in 8 hits.
 */
#define FAST_DRAWS 32
#define FAST_PER_HIT 8

struct decision_work {
    const struct snapshot *s;
    const struct targeting_request *req; /* borrowed, for explain texts */
    struct targeting_keys keys;
    struct decision_pod pod;
    uint32_t spare;
    int phase;               /* 0 none, 1 candidates done, 2 chosen */
    struct decision_rng rng; /* for item keys; seeded from the caller's in phase 1 */
    uint32_t only_campaign;  /* opts->only_campaign of this request */

    /*
     * Per campaign (capacity cap_campaigns). explain[i] belongs to this
     * request only when stamp[i] == gen; others are derived on demand.
     * avail/taken are only meaningful for the campaigns in elig[].
     */
    struct decision_explain *explain;
    uint32_t *stamp;
    uint32_t gen;
    uint32_t *avail; /* slots a campaign may still take; UINT32_MAX = uncapped */
    uint32_t *taken; /* ads taken in the current walk */
    uint32_t n_campaigns, cap_campaigns;

    /* Campaigns that passed targeting and the ticker, ascending (capacity cap_campaigns). */
    uint32_t *touched;
    uint32_t n_touched;
    /* Of those, the ones with items (capacity cap_campaigns). */
    uint32_t *elig;
    uint32_t n_elig;

    /* Candidate bitset, its scratch and a third for naming a no-fill (capacity cap_words). */
    uint64_t *bits, *scratch, *aux;
    size_t cap_words;

    /*
     * Items (capacity cap_items): the fitting creatives of the campaigns
     * visited so far, campaign by campaign (item_first/item_n, valid when
     * the campaign is stamped). The pick order is generated lazily into
     * order[], tier by tier: first by drawing campaigns from the ticker's
     * cumulative weights (O(log n) per draw, a draw that hits a campaign
     * the request cannot use is simply repeated), and when draws miss too
     * often, by enumerating the tier's candidates with exponential keys in
     * a heap. Phase 2 replays order[] and extends it when it needs more.
     */
    struct item *items;
    uint32_t *heap;
    uint32_t *order;
    uint32_t *item_first, *item_n;
    uint32_t n_items, cap_items;
    uint32_t n_heap, n_order;
    const struct snapshot_weights *wt; /* the ticker's table this request draws from */
    uint32_t cur_tier;                 /* priority being ordered; past the last: done */
    int exact;                         /* the current tier is enumerated (heap) */
    int force_exact;                   /* every tier is: few candidates or one campaign */
    uint32_t draws, hits;              /* weighted draws in the current tier */
    int choosing;                      /* in decision_choose(): visits start unreserved */
    uint32_t min_item_ms; /* shortest eligible creative: below it the pod is full */

    struct decision_reserve reserves[DECISION_MAX_ADS + DECISION_MAX_SPARE];
    size_t n_reserves;
    struct decision_unused unused[DECISION_MAX_ADS + DECISION_MAX_SPARE];
    size_t n_unused;
    struct decision_ad ads[DECISION_MAX_ADS];
    size_t n_ads;
};

/* ------------------------------------------------------------------------
 * Randomness
 * ------------------------------------------------------------------------ */

void decision_rng_seed(struct decision_rng *r, uint64_t seed)
{
    /* splitmix64 of the seed: xorshift must not start at 0, and close seeds must diverge. */
    uint64_t z = seed + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    r->s = z ? z : UINT64_C(0x9E3779B97F4A7C15);
}

uint64_t decision_rng_next(struct decision_rng *r)
{
    uint64_t x = r->s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Uniform in (0, 1]: never 0, so -log() is finite. */
static double rng_unit(struct decision_rng *r)
{
    return (double)((decision_rng_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------------
 * Work area
 * ------------------------------------------------------------------------ */

struct decision_options decision_options_default(void)
{
    struct decision_options o = {
        .pacing = pacing_params_default(), .spare_reservations = 2, .only_campaign = DECISION_ALL};
    return o;
}

struct decision_work *decision_work_new(void)
{
    return xcalloc(1, sizeof(struct decision_work));
}

void decision_work_free(struct decision_work *w)
{
    if (w == NULL)
        return;
    free(w->explain);
    free(w->stamp);
    free(w->touched);
    free(w->elig);
    free(w->bits);
    free(w->scratch);
    free(w->aux);
    free(w->avail);
    free(w->taken);
    free(w->items);
    free(w->item_first);
    free(w->item_n);
    free(w->heap);
    free(w->order);
    free(w);
}

/* Grow to the snapshot's size: only when it is larger than any seen before. */
static void reserve_capacity(struct decision_work *w, const struct snapshot *s)
{
    uint32_t nc = snapshot_campaign_count(s), ni = snapshot_creative_count(s);
    size_t nw = snapshot_words(s);

    if (nw > w->cap_words) {
        w->bits = xrealloc(w->bits, st_mult(nw, sizeof(*w->bits)));
        w->scratch = xrealloc(w->scratch, st_mult(nw, sizeof(*w->scratch)));
        w->aux = xrealloc(w->aux, st_mult(nw, sizeof(*w->aux)));
        w->cap_words = nw;
    }
    if (nc > w->cap_campaigns) {
        w->explain = xrealloc(w->explain, st_mult(nc, sizeof(*w->explain)));
        /* Stamps start over: every old one would be stale anyway. */
        free(w->stamp);
        w->stamp = xcalloc(nc, sizeof(*w->stamp));
        w->gen = 0;
        w->touched = xrealloc(w->touched, st_mult(nc, sizeof(*w->touched)));
        w->item_first = xrealloc(w->item_first, st_mult(nc, sizeof(*w->item_first)));
        w->item_n = xrealloc(w->item_n, st_mult(nc, sizeof(*w->item_n)));
        w->elig = xrealloc(w->elig, st_mult(nc, sizeof(*w->elig)));
        w->avail = xrealloc(w->avail, st_mult(nc, sizeof(*w->avail)));
        w->taken = xrealloc(w->taken, st_mult(nc, sizeof(*w->taken)));
        w->cap_campaigns = nc;
    }
    if (ni > w->cap_items) {
        w->items = xrealloc(w->items, st_mult(ni, sizeof(*w->items)));
        w->heap = xrealloc(w->heap, st_mult(ni, sizeof(*w->heap)));
        w->order = xrealloc(w->order, st_mult(ni, sizeof(*w->order)));
        w->cap_items = ni;
    }
}

/* ------------------------------------------------------------------------
 * Phase 1: eligibility, targeting, pacing
 * ------------------------------------------------------------------------ */

static int capped(const struct snapshot_campaign *c)
{
    return c->caps.per_hour != 0 || c->caps.per_day != 0 || c->caps.per_week != 0;
}

/* A creative may fill one slot of this pod on its own. */
static int creative_fits(const struct decision_pod *pod, const struct snapshot_creative *cr)
{
    uint64_t d = cr->duration_ms;

    return (pod->min_ad_s == 0 || d >= (uint64_t)pod->min_ad_s * 1000) &&
           (pod->max_ad_s == 0 || d <= (uint64_t)pod->max_ad_s * 1000) &&
           (pod->duration_s == 0 || d <= (uint64_t)pod->duration_s * 1000);
}

/*
 * Creatives that fit this pod, into *n_fit: DECISION_CHOSEN when any does,
 * else DECISION_CREATIVE_DURATION. The campaign has an active creative
 * (the ticker checked).
 */
static enum decision_reason creative_fit(const struct decision_work *w,
                                         const struct snapshot_campaign *c, uint32_t *n_fit)
{
    const struct decision_pod *pod = &w->pod;
    uint64_t lo = c->min_active_ms, hi = c->max_active_ms;

    *n_fit = 0;
    /* Usually every active creative fits or none does: the build-time range tells. */
    if ((pod->min_ad_s == 0 || lo >= (uint64_t)pod->min_ad_s * 1000) &&
        (pod->max_ad_s == 0 || hi <= (uint64_t)pod->max_ad_s * 1000) &&
        (pod->duration_s == 0 || hi <= (uint64_t)pod->duration_s * 1000)) {
        *n_fit = c->n_active_creatives;
        return DECISION_CHOSEN;
    }
    if ((pod->min_ad_s != 0 && hi < (uint64_t)pod->min_ad_s * 1000) ||
        (pod->max_ad_s != 0 && lo > (uint64_t)pod->max_ad_s * 1000) ||
        (pod->duration_s != 0 && lo > (uint64_t)pod->duration_s * 1000))
        return DECISION_CREATIVE_DURATION;
    for (uint32_t j = 0; j < c->n_creatives; j++) {
        const struct snapshot_creative *cr = snapshot_creative(w->s, c->first_creative + j);
        if (cr->status == SNAPSHOT_CREATIVE_ACTIVE)
            *n_fit += creative_fits(pod, cr);
    }
    return *n_fit ? DECISION_CHOSEN : DECISION_CREATIVE_DURATION;
}

/* Status, flight and creatives, from the ticker's word, then creative fit. */
static enum decision_reason static_checks(const struct decision_work *w,
                                          const struct snapshot_campaign *c, uint64_t st,
                                          uint32_t *n_fit)
{
    *n_fit = 0;
    if (!(st & TICK_EVALUATED))
        return DECISION_STATUS; /* never evaluated: nothing may serve from it */
    if (tick_static_reason(st) != DECISION_CHOSEN)
        return tick_static_reason(st);
    return creative_fit(w, c, n_fit);
}

static void add_items(struct decision_work *w, uint32_t i, const struct snapshot_campaign *c,
                      uint32_t n_fit)
{
    /* The campaign's weight is shared by its fitting creatives. */
    double per = (double)n_fit / (double)c->weight;

    for (uint32_t j = 0; j < c->n_creatives; j++) {
        uint32_t ci = c->first_creative + j;
        const struct snapshot_creative *cr = snapshot_creative(w->s, ci);
        struct item *it;
        if (cr->status != SNAPSHOT_CREATIVE_ACTIVE || !creative_fits(&w->pod, cr))
            continue;
        it = &w->items[w->n_items++];
        it->key = 0;
        it->per = per;
        it->priority = c->priority;
        it->campaign = i;
        it->creative = ci;
        it->duration_ms = cr->duration_ms;
        it->ordered = 0;
    }
}

/* ------------------------------------------------------------------------
 * Pick order: tiers in priority order, items by key inside a tier
 * ------------------------------------------------------------------------ */

static int before(const struct decision_work *w, uint32_t a, uint32_t b)
{
    const struct item *x = &w->items[a], *y = &w->items[b];

    if (x->key != y->key)
        return x->key < y->key;
    return x->creative < y->creative;
}

static void sift_down(struct decision_work *w, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i, t;
        if (l < n && before(w, w->heap[l], w->heap[m]))
            m = l;
        if (r < n && before(w, w->heap[r], w->heap[m]))
            m = r;
        if (m == i)
            return;
        t = w->heap[i];
        w->heap[i] = w->heap[m];
        w->heap[m] = t;
        i = m;
    }
}

static void visit(struct decision_work *w, uint32_t i);

static int is_candidate(const struct decision_work *w, uint32_t i)
{
    return w->bits[i / 64] >> (i % 64) & 1;
}

/* Visited this request with items to offer. */
static int has_items(const struct decision_work *w, uint32_t i)
{
    return w->stamp[i] == w->gen && w->item_n[i] > 0;
}

/* Enumerate the current tier: every candidate visited, unordered items keyed and heapified. */
static void load_exact(struct decision_work *w)
{
    const uint64_t *tier = snapshot_index_tier(w->s, w->cur_tier);
    size_t words = snapshot_words(w->s);

    w->n_heap = 0;
    for (size_t k = 0; k < words; k++) {
        uint64_t m = w->bits[k] & tier[k];
        while (m != 0) {
            uint32_t c = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(m));
            m &= m - 1;
            if (w->stamp[c] != w->gen)
                visit(w, c);
            if (!has_items(w, c))
                continue;
            for (uint32_t j = w->item_first[c]; j < w->item_first[c] + w->item_n[c]; j++) {
                struct item *it = &w->items[j];
                if (it->ordered)
                    continue;
                it->key = -log(rng_unit(&w->rng)) * it->per;
                w->heap[w->n_heap++] = j;
            }
        }
    }
    for (uint32_t k = w->n_heap / 2; k-- > 0;)
        sift_down(w, w->n_heap, k);
}

/* The sum of the current tier's weights in the ticker's table (0: nothing live). */
static uint64_t tier_total(const struct decision_work *w)
{
    uint32_t from = atomic_load_explicit(&w->wt->off[w->cur_tier], memory_order_relaxed);
    uint32_t to = atomic_load_explicit(&w->wt->off[w->cur_tier + 1], memory_order_relaxed);

    if (to <= from || to > w->n_campaigns)
        return 0;
    return atomic_load_explicit(&w->wt->cum[to - 1], memory_order_relaxed);
}

/* Start ordering tier cur_tier: drawn, or enumerated at once. */
static void enter_tier(struct decision_work *w)
{
    w->draws = w->hits = 0;
    w->n_heap = 0;
    if (w->cur_tier > SNAPSHOT_PRIORITY_MAX)
        return; /* every tier done */
    w->exact = w->force_exact || tier_total(w) == 0;
    if (w->exact)
        load_exact(w);
}

/*
 * One weighted draw in the current tier: a campaign with probability
 * weight / tier total among the live ones, then one of its fitting
 * creatives uniformly, which is "an item by its share of the weight". A
 * draw that lands on a campaign the request cannot use, or on an item
 * already ordered, is repeated: that is drawing among what is left.
 * 1 and *out: an item; 0: a miss; -1: too many misses, enumerate instead.
 */
static int draw_weighted(struct decision_work *w, uint32_t *out)
{
    uint32_t p = w->cur_tier;
    uint32_t lo = atomic_load_explicit(&w->wt->off[p], memory_order_relaxed);
    uint32_t hi = atomic_load_explicit(&w->wt->off[p + 1], memory_order_relaxed);
    uint64_t total = tier_total(w), u;
    uint32_t c, k, n = hi - lo;

    if (total == 0 || w->draws >= FAST_DRAWS + FAST_PER_HIT * w->hits)
        return -1;
    w->draws++;
    u = decision_rng_next(&w->rng) % total;
    /*
     * The first entry whose running sum exceeds u, so entry k is drawn with
     * probability weight_k / total. Branch-free halving (the answer stays
     * in [lo, lo + n)): the comparison is a coin flip the CPU cannot
     * predict, and this loop is most of a draw's cost.
     */
    while (n > 1) {
        uint32_t half = n / 2;
        lo = atomic_load_explicit(&w->wt->cum[lo + half - 1], memory_order_relaxed) > u
                 ? lo
                 : lo + half;
        n -= half;
    }
    c = atomic_load_explicit(&w->wt->slot[lo], memory_order_relaxed);
    /* The table and the bitset may come from two ticks: check what was drawn. */
    if (c >= w->n_campaigns || !is_candidate(w, c) || snapshot_campaign(w->s, c)->priority != p)
        return 0;
    if (w->stamp[c] != w->gen)
        visit(w, c);
    if (!has_items(w, c))
        return 0;
    k = w->item_first[c] + (uint32_t)(decision_rng_next(&w->rng) % w->item_n[c]);
    if (w->items[k].ordered)
        return 0;
    w->items[k].ordered = 1;
    w->hits++;
    *out = k;
    return 1;
}

/* The next item of the pick order into *out: 0, or -1 when every tier is exhausted. */
static int next_item(struct decision_work *w, uint32_t *out)
{
    while (w->cur_tier <= SNAPSHOT_PRIORITY_MAX) {
        if (!w->exact) {
            int r = draw_weighted(w, out);
            if (r > 0)
                return 0;
            if (r < 0) {
                w->exact = 1;
                load_exact(w);
            }
            continue;
        }
        while (w->n_heap > 0) {
            uint32_t idx = w->heap[0];
            w->heap[0] = w->heap[--w->n_heap];
            sift_down(w, w->n_heap, 0);
            if (!w->items[idx].ordered) {
                w->items[idx].ordered = 1;
                *out = idx;
                return 0;
            }
        }
        w->cur_tier++;
        enter_tier(w);
    }
    return -1;
}

/* The item at position pos of the pick order, generating it if needed; -1 past the end. */
static int order_at(struct decision_work *w, uint32_t pos, uint32_t *out)
{
    while (pos >= w->n_order) {
        uint32_t idx;
        if (next_item(w, &idx) != 0)
            return -1;
        w->order[w->n_order++] = idx;
    }
    *out = w->order[pos];
    return 0;
}

/* ------------------------------------------------------------------------
 * Pod assembly
 * ------------------------------------------------------------------------ */

/* Why item it cannot join the pod as it stands; DECISION_CHOSEN when it can. */
static enum decision_reason pod_check(const struct decision_work *w, const struct item *it,
                                      uint64_t left_ms)
{
    const struct snapshot_campaign *c = snapshot_campaign(w->s, it->campaign);

    if (w->avail[it->campaign] == 0)
        return w->explain[it->campaign].reason == DECISION_FREQ_UNCHECKED ? DECISION_FREQ_UNCHECKED
                                                                          : DECISION_FREQ_CAP;
    if (it->duration_ms > left_ms)
        return DECISION_NO_ROOM;
    for (size_t k = 0; k < w->n_ads; k++) {
        const struct decision_ad *ad = &w->ads[k];
        const struct snapshot_campaign *o = snapshot_campaign(w->s, ad->campaign);
        /* Items are unique per creative; the check keeps the rule explicit. */
        if (ad->creative == it->creative)
            return DECISION_NO_ROOM;
        if (c->domain_id != SNAPSHOT_NO_ID && c->domain_id == o->domain_id)
            return DECISION_SEP_DOMAIN;
        for (uint32_t x = 0; x < c->n_categories; x++) {
            for (uint32_t y = 0; y < o->n_categories; y++) {
                if (snapshot_excludes(w->s, c->categories[x], o->categories[y]))
                    return DECISION_SEP_CATEGORY;
            }
        }
    }
    return DECISION_CHOSEN;
}

/*
 * Take items in pick order while the pod has room. With record set, skips
 * and picks are written to the explain array (phase 2). *end receives the
 * position after the last item looked at.
 */
static void walk(struct decision_work *w, int record, uint32_t *end)
{
    uint64_t left_ms = w->pod.duration_s ? (uint64_t)w->pod.duration_s * 1000 : UINT64_MAX;
    uint32_t max_ads = w->pod.max_ads < DECISION_MAX_ADS ? w->pod.max_ads : DECISION_MAX_ADS;
    uint32_t idx, pos = 0;

    w->n_ads = 0;
    while (w->n_ads < max_ads && left_ms >= w->min_item_ms && order_at(w, pos, &idx) == 0) {
        const struct item *it = &w->items[idx];
        struct decision_explain *e = &w->explain[it->campaign];
        enum decision_reason why = pod_check(w, it, left_ms);
        pos++;
        if (why != DECISION_CHOSEN) {
            if (record && e->reason == DECISION_NOT_REACHED)
                e->reason = why;
            continue;
        }
        struct decision_ad *ad = &w->ads[w->n_ads++];
        ad->campaign = it->campaign;
        ad->creative = it->creative;
        ad->sequence = (uint32_t)w->n_ads;
        ad->slot = w->avail[it->campaign] == UINT32_MAX ? DECISION_NO_SLOT : w->taken[it->campaign];
        w->taken[it->campaign]++;
        if (w->avail[it->campaign] != UINT32_MAX)
            w->avail[it->campaign]--;
        left_ms -= it->duration_ms;
        if (record && e->reason != DECISION_CHOSEN) {
            e->reason = DECISION_CHOSEN;
            e->sequence = ad->sequence;
        }
    }
    *end = pos;
}

static int any_capped(const struct decision_work *w)
{
    const uint64_t *capped_bits = snapshot_index_capped(w->s);
    size_t words = snapshot_words(w->s);

    for (size_t k = 0; k < words; k++) {
        if (w->bits[k] & capped_bits[k])
            return 1;
    }
    return 0;
}

static size_t find_reserve(const struct decision_work *w, uint32_t campaign)
{
    for (size_t r = 0; r < w->n_reserves; r++) {
        if (w->reserves[r].campaign == campaign)
            return r;
    }
    return SIZE_MAX;
}

/* Phase 1's tentative pod, its capped campaigns and the spares after them. */
static void plan_reservations(struct decision_work *w)
{
    uint32_t pos, idx, limit, spares = 0;

    for (uint32_t k = 0; k < w->n_elig; k++) {
        w->avail[w->elig[k]] = UINT32_MAX;
        w->taken[w->elig[k]] = 0;
    }
    walk(w, 0, &pos);
    w->n_reserves = 0;
    for (size_t k = 0; k < w->n_ads; k++) {
        uint32_t c = w->ads[k].campaign;
        size_t r;
        if (!capped(snapshot_campaign(w->s, c)))
            continue;
        r = find_reserve(w, c);
        if (r == SIZE_MAX) {
            w->reserves[w->n_reserves].campaign = c;
            w->reserves[w->n_reserves].slots = 0;
            r = w->n_reserves++;
        }
        w->reserves[r].slots++;
    }
    /*
     * Spares: the next capped campaigns in line, in case a cap denies one of
     * the pod's; they are what would replace a denied ad first. A denial
     * moves the walk on by a few items only, so looking further than a few
     * items per ad would reserve slots that are never reached (and cost a
     * pass over every tier when capped campaigns are rare).
     */
    limit = pos + SPARE_LOOKAHEAD * (w->pod.max_ads ? w->pod.max_ads : 1);
    /* No capped candidate at all: nothing to look for (and no order to generate). */
    if (!any_capped(w))
        limit = pos;
    while (spares < w->spare && pos < limit && order_at(w, pos++, &idx) == 0) {
        uint32_t c = w->items[idx].campaign;
        if (!capped(snapshot_campaign(w->s, c)) || find_reserve(w, c) != SIZE_MAX)
            continue;
        w->reserves[w->n_reserves].campaign = c;
        w->reserves[w->n_reserves].slots = 1;
        w->n_reserves++;
        spares++;
    }
}

/* Reset the per-request fields; -1 when the pod is inconsistent. */
static int begin_request(struct decision_work *w, const struct snapshot *s,
                         const struct targeting_request *req, const struct decision_pod *pod,
                         const struct decision_options *opts, struct decision_rng *rng)
{
    w->phase = 0;
    w->n_ads = w->n_reserves = w->n_unused = 0;
    w->n_items = 0;
    w->n_campaigns = 0;
    w->n_touched = w->n_elig = 0;
    if (pod->min_ad_s != 0 && pod->max_ad_s != 0 && pod->min_ad_s > pod->max_ad_s)
        return -1;
    reserve_capacity(w, s);
    if (++w->gen == 0) {
        /* Wrapped after 2^32 requests: old stamps could look current. */
        memset(w->stamp, 0, sizeof(*w->stamp) * w->cap_campaigns);
        w->gen = 1;
    }
    w->s = s;
    w->req = req;
    w->pod = *pod;
    w->spare = opts->spare_reservations < DECISION_MAX_SPARE ? opts->spare_reservations
                                                             : DECISION_MAX_SPARE;
    w->only_campaign = opts->only_campaign;
    w->n_campaigns = snapshot_campaign_count(s);
    /* A lower bound of every eligible item, known without visiting one: the walk stops below it. */
    w->min_item_ms = snapshot_min_active_ms(s);
    if ((uint64_t)pod->min_ad_s * 1000 > w->min_item_ms)
        w->min_item_ms = pod->min_ad_s * 1000;
    w->choosing = 0;
    w->n_order = 0;
    w->wt = snapshot_weights(
        s, atomic_load_explicit(snapshot_weights_active(s), memory_order_acquire));
    decision_rng_seed(&w->rng, decision_rng_next(rng));
    targeting_resolve(s, req, &w->keys);
    return 0;
}

/* This request's explain entry of campaign i, cleared and stamped. */
static struct decision_explain *stamp(struct decision_work *w, uint32_t i)
{
    struct decision_explain *e = &w->explain[i];

    w->stamp[i] = w->gen;
    w->item_n[i] = 0;
    memset(e, 0, sizeof(*e));
    e->pacing = PACING_OFF_FLIGHT;
    return e;
}

/*
 * The candidate bitset: targeting and the ticker's live slots (or the one
 * campaign asked for). Few candidates are cheaper to enumerate than to
 * draw from the whole tier's weights, so they force exact ordering.
 */
static void candidate_bits(struct decision_work *w)
{
    size_t words = snapshot_words(w->s), count = 0;

    targeting_candidates(w->s, &w->keys, w->bits, w->scratch);
    for (size_t k = 0; k < words; k++) {
        if (w->only_campaign != DECISION_ALL)
            w->bits[k] &=
                k == w->only_campaign / 64 ? UINT64_C(1) << (w->only_campaign % 64) : 0;
        count += (size_t)__builtin_popcountll(w->bits[k]);
    }
    w->force_exact = count <= FAST_MIN_CANDIDATES;
}

/*
 * One candidate, the first time the pick order reaches it: the ticker's
 * word again (the bitset and the word may come from two ticks), creative
 * fit, the pacing coin with the stored probability; items for a survivor.
 * A campaign first reached in phase 2 has no reservation: capped, it may
 * not serve.
 */
static void visit(struct decision_work *w, uint32_t i)
{
    const struct snapshot_campaign *c = snapshot_campaign(w->s, i);
    uint64_t st = atomic_load_explicit(&snapshot_slot_state(w->s)[i], memory_order_relaxed);
    struct decision_explain *e;
    enum decision_reason why;
    uint32_t n_fit;

    if (!tick_live(st))
        return; /* a tick in between: explained on demand like any non-candidate */
    e = stamp(w, i);
    w->touched[w->n_touched++] = i;
    why = static_checks(w, c, st, &n_fit);
    if (why == DECISION_CHOSEN) {
        uint32_t p = tick_p_ppm(st);
        e->pacing = tick_pacing(st);
        e->p_ppm = p;
        if (p < PACING_P_ONE && decision_rng_next(&w->rng) % PACING_P_ONE >= p)
            why = DECISION_PACING;
    }
    if (why != DECISION_CHOSEN) {
        e->reason = why;
        return;
    }
    e->reason = DECISION_NOT_REACHED;
    w->elig[w->n_elig++] = i;
    w->item_first[i] = w->n_items;
    add_items(w, i, c, n_fit);
    w->item_n[i] = w->n_items - w->item_first[i];
    w->taken[i] = 0;
    w->avail[i] = UINT32_MAX;
    if (w->choosing && capped(c)) {
        w->avail[i] = 0;
        e->reason = DECISION_FREQ_UNCHECKED;
    }
}

int decision_candidates(struct decision_work *w, const struct snapshot *s,
                        const struct targeting_request *req, const struct decision_pod *pod,
                        const struct decision_options *opts, struct decision_rng *rng)
{
    if (begin_request(w, s, req, pod, opts, rng) != 0)
        return -1;
    candidate_bits(w);
    w->cur_tier = 1;
    enter_tier(w);
    plan_reservations(w);
    w->n_ads = 0;
    w->phase = 1;
    return 0;
}

const uint32_t *decision_touched(const struct decision_work *w, size_t *n)
{
    *n = w->phase >= 1 ? w->n_touched : 0;
    return w->touched;
}

const struct decision_reserve *decision_reserves(const struct decision_work *w, size_t *n)
{
    *n = w->phase >= 1 ? w->n_reserves : 0;
    return w->reserves;
}

int decision_choose(struct decision_work *w, const uint32_t *granted, size_t n)
{
    uint32_t end;

    if (w->phase != 1 || n != w->n_reserves)
        return -1;
    for (uint32_t k = 0; k < w->n_elig; k++) {
        uint32_t i = w->elig[k];
        const struct snapshot_campaign *c = snapshot_campaign(w->s, i);
        w->avail[i] = capped(c) ? 0 : UINT32_MAX;
        if (capped(c) && w->explain[i].reason == DECISION_NOT_REACHED)
            w->explain[i].reason = DECISION_FREQ_UNCHECKED;
    }
    for (size_t r = 0; r < n; r++) {
        uint32_t c = w->reserves[r].campaign;
        uint32_t g = granted ? granted[r] : 0;
        w->avail[c] = g < w->reserves[r].slots ? g : w->reserves[r].slots;
        w->explain[c].reason = w->avail[c] > 0 ? DECISION_NOT_REACHED : DECISION_FREQ_CAP;
    }
    for (uint32_t k = 0; k < w->n_elig; k++)
        w->taken[w->elig[k]] = 0;
    w->choosing = 1;
    walk(w, 1, &end);
    w->n_unused = 0;
    for (size_t r = 0; r < n; r++) {
        uint32_t c = w->reserves[r].campaign;
        uint32_t g =
            granted ? (granted[r] < w->reserves[r].slots ? granted[r] : w->reserves[r].slots) : 0;
        if (w->taken[c] < g) {
            struct decision_unused *u = &w->unused[w->n_unused++];
            u->campaign = c;
            u->from = w->taken[c];
            u->to = g;
        }
    }
    w->phase = 2;
    return 0;
}

const struct decision_ad *decision_ads(const struct decision_work *w, size_t *n)
{
    *n = w->phase == 2 ? w->n_ads : 0;
    return w->ads;
}

const struct decision_unused *decision_unused(const struct decision_work *w, size_t *n)
{
    *n = w->phase == 2 ? w->n_unused : 0;
    return w->unused;
}

/* ------------------------------------------------------------------------
 * Explain
 * ------------------------------------------------------------------------ */

/*
 * The reason of a campaign this request never visited, in the order the
 * checks are documented: status, flight, creatives (ticker), creative fit
 * (this pod), the snapshot's budget, targeting dimensions and livestream
 * (this request), the day-part, budget and pacing (ticker).
 */
static void derive(const struct decision_work *w, uint32_t i, struct decision_explain *e)
{
    const struct snapshot_campaign *c = snapshot_campaign(w->s, i);
    uint64_t st = atomic_load_explicit(&snapshot_slot_state(w->s)[i], memory_order_relaxed);
    uint32_t n_fit;

    memset(e, 0, sizeof(*e));
    e->pacing = PACING_OFF_FLIGHT;
    if (w->only_campaign != DECISION_ALL && w->only_campaign != i) {
        e->reason = DECISION_NOT_REQUESTED;
        return;
    }
    e->reason = static_checks(w, c, st, &n_fit);
    if (e->reason != DECISION_CHOSEN)
        return;
    if (c->budget_spent_micros >= c->budget_total_micros) {
        e->reason = DECISION_BUDGET;
        return;
    }
    e->targeting = targeting_match(c, &w->keys, &e->dim);
    /* The day-part is the ticker's verdict, the one the request acted on. */
    if (e->targeting == TARGETING_FAIL_DAYPART || e->targeting == TARGETING_MATCH)
        e->targeting = (st & TICK_DAYPART_OFF) ? TARGETING_FAIL_DAYPART : TARGETING_MATCH;
    if (e->targeting != TARGETING_MATCH) {
        e->reason = DECISION_TARGETING;
        return;
    }
    e->pacing = tick_pacing(st);
    e->p_ppm = tick_spend_reason(st) == DECISION_BUDGET ? 0 : tick_p_ppm(st);
    e->reason = tick_spend_reason(st);
    /* Eligible, but the pick order never reached it; capped, it had no reservation either. */
    if (e->reason == DECISION_CHOSEN)
        e->reason = w->phase == 2 && capped(c) ? DECISION_FREQ_UNCHECKED : DECISION_NOT_REACHED;
}

int decision_eligible(const struct decision_work *w, uint32_t i)
{
    uint64_t st;
    uint32_t n_fit;

    if (w->phase == 0 || i >= w->n_campaigns || !(w->bits[i / 64] >> (i % 64) & 1))
        return 0;
    st = atomic_load_explicit(&snapshot_slot_state(w->s)[i], memory_order_relaxed);
    return tick_live(st) &&
           static_checks(w, snapshot_campaign(w->s, i), st, &n_fit) == DECISION_CHOSEN;
}

int decision_explain(const struct decision_work *w, uint32_t i, struct decision_explain *out)
{
    if (w->phase == 0 || i >= w->n_campaigns)
        return -1;
    if (w->stamp[i] == w->gen)
        *out = w->explain[i];
    else
        derive(w, i, out);
    return 0;
}

int decision_reason_rank(enum decision_reason reason)
{
    switch (reason) {
    case DECISION_CHOSEN:
    case DECISION_NOT_REACHED:
        return 100;
    case DECISION_FREQ_CAP:
    case DECISION_FREQ_UNCHECKED:
        return 90;
    case DECISION_SEP_DOMAIN:
    case DECISION_SEP_CATEGORY:
        return 85;
    case DECISION_NO_ROOM:
        return 80;
    case DECISION_PACING:
        return 70;
    case DECISION_TARGETING:
        return 60;
    case DECISION_BUDGET:
        return 50;
    case DECISION_CREATIVE_DURATION:
        return 40;
    case DECISION_NO_CREATIVE:
        return 30;
    case DECISION_FLIGHT_PENDING:
    case DECISION_FLIGHT_ENDED:
        return 20;
    case DECISION_STATUS:
        return 10;
    case DECISION_NOT_REQUESTED:
        return 0;
    }
    return 0;
}

/* The furthest reason so far: rank, then the lowest campaign index. */
struct nofill_best {
    int rank;
    uint32_t index;
    enum decision_reason reason;
};

static void nofill_offer(const struct decision_work *w, uint32_t i, struct nofill_best *b)
{
    struct decision_explain e;
    int rank;

    if (decision_explain(w, i, &e) != 0 || e.reason == DECISION_NOT_REQUESTED)
        return;
    rank = decision_reason_rank(e.reason);
    if (rank > b->rank || (rank == b->rank && i < b->index)) {
        b->rank = rank;
        b->index = i;
        b->reason = e.reason;
    }
}

/* Offer every campaign of a bitset that this request did not visit. */
static void nofill_offer_bits(const struct decision_work *w, const uint64_t *bits,
                              struct nofill_best *b)
{
    size_t words = snapshot_words(w->s);

    for (size_t k = 0; k < words; k++) {
        uint64_t m = bits[k];
        while (m != 0) {
            uint32_t i = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(m));
            m &= m - 1;
            if (w->stamp[i] != w->gen)
                nofill_offer(w, i, b);
        }
    }
}

int decision_nofill_reason(struct decision_work *w, enum decision_reason *out)
{
    struct nofill_best b = {.rank = -1, .index = UINT32_MAX, .reason = DECISION_NOT_REQUESTED};

    if (w->phase == 0)
        return -1;
    if (w->only_campaign != DECISION_ALL) {
        if (w->only_campaign < w->n_campaigns)
            nofill_offer(w, w->only_campaign, &b);
        goto done;
    }
    /* Visited campaigns, then unvisited candidates (eligible, rank 100, or creative duration). */
    for (uint32_t k = 0; k < w->n_touched; k++)
        nofill_offer(w, w->touched[k], &b);
    nofill_offer_bits(w, w->bits, &b);
    if (b.rank >= decision_reason_rank(DECISION_PACING))
        goto done;
    /* Any other campaign reaching pacing passes targeting and is only held back by pacing. */
    targeting_candidates_in(w->s, &w->keys, snapshot_slot_paced(w->s), w->aux, w->scratch);
    nofill_offer_bits(w, w->aux, &b);
    if (b.rank >= decision_reason_rank(DECISION_PACING))
        goto done;
    /* Nothing left can beat targeting: the first campaign that reaches it wins. */
    for (uint32_t i = 0; i < w->n_campaigns; i++) {
        if (b.rank >= decision_reason_rank(DECISION_TARGETING) && i > b.index)
            break;
        nofill_offer(w, i, &b);
    }
done:
    if (b.rank < 0)
        return -1;
    *out = b.reason;
    return 0;
}

const char *decision_reason_name(enum decision_reason reason)
{
    switch (reason) {
    case DECISION_CHOSEN:
        return "chosen";
    case DECISION_NOT_REACHED:
        return "not_reached";
    case DECISION_NO_ROOM:
        return "no_room";
    case DECISION_SEP_DOMAIN:
        return "separation_domain";
    case DECISION_SEP_CATEGORY:
        return "separation_category";
    case DECISION_FREQ_CAP:
        return "frequency_cap";
    case DECISION_FREQ_UNCHECKED:
        return "frequency_cap_unchecked";
    case DECISION_STATUS:
        return "status";
    case DECISION_FLIGHT_PENDING:
        return "flight_pending";
    case DECISION_FLIGHT_ENDED:
        return "flight_ended";
    case DECISION_NO_CREATIVE:
        return "no_active_creative";
    case DECISION_CREATIVE_DURATION:
        return "creative_duration";
    case DECISION_BUDGET:
        return "budget";
    case DECISION_TARGETING:
        return "targeting";
    case DECISION_PACING:
        return "pacing";
    case DECISION_NOT_REQUESTED:
        return "not_requested";
    }
    return "unknown";
}

static const char *status_name(enum snapshot_status s)
{
    switch (s) {
    case SNAPSHOT_STATUS_DRAFT:
        return "draft";
    case SNAPSHOT_STATUS_ACTIVE:
        return "active";
    case SNAPSHOT_STATUS_PAUSED:
        return "paused";
    case SNAPSHOT_STATUS_COMPLETED:
        return "completed";
    }
    return "unknown";
}

/* The request's own text for a dimension (explain shows what the player sent). */
static const char *request_value(const struct targeting_request *r, enum snapshot_dim d)
{
    switch (d) {
    case SNAPSHOT_DIM_COUNTRY:
        return r->country;
    case SNAPSHOT_DIM_REGION:
        return r->region;
    case SNAPSHOT_DIM_DMA:
        return r->dma;
    case SNAPSHOT_DIM_DEVICE_TYPE:
        return r->device_type;
    case SNAPSHOT_DIM_OS:
        return r->os;
    case SNAPSHOT_DIM_APP_BUNDLE:
        return r->app_bundle;
    case SNAPSHOT_DIM_CONTENT_GENRE:
        return r->content_genre;
    case SNAPSHOT_DIM_CONTENT_RATING:
        return r->content_rating;
    case SNAPSHOT_DIM_CONTENT_CATEGORY:
        return r->content_category;
    case SNAPSHOT_NDIMS:
        break;
    }
    return NULL;
}

int decision_explain_format(const struct decision_work *w, uint32_t i, char *buf, size_t len)
{
    const struct snapshot_campaign *c;
    const struct decision_explain *e;
    struct decision_explain ex;
    const char *value;
    struct tz_local local;

    if (len == 0 || decision_explain(w, i, &ex) != 0)
        return -1;
    c = snapshot_campaign(w->s, i);
    e = &ex;
    /* Truncation only shortens the text. */
    switch (e->reason) {
    case DECISION_CHOSEN:
        (void)snprintf(buf, len, "chosen: sequence %u", e->sequence);
        break;
    case DECISION_NOT_REACHED:
        (void)snprintf(buf, len,
                       "eligible, not chosen: the pod filled before its turn "
                       "(priority %u, weight %u)",
                       c->priority, c->weight);
        break;
    case DECISION_NO_ROOM:
        (void)snprintf(buf, len,
                       "eligible, not chosen: its creatives are longer than the time "
                       "left in the pod");
        break;
    case DECISION_SEP_DOMAIN:
        (void)snprintf(buf, len, "eligible, not chosen: the pod already has an ad of %s",
                       c->advertiser_domain ? c->advertiser_domain : "its advertiser");
        break;
    case DECISION_SEP_CATEGORY:
        (void)snprintf(buf, len,
                       "eligible, not chosen: the pod already has an ad of an "
                       "excluded IAB category");
        break;
    case DECISION_FREQ_CAP:
        (void)snprintf(buf, len, "eligible, not chosen: frequency cap reached for this viewer");
        break;
    case DECISION_FREQ_UNCHECKED:
        (void)snprintf(buf, len,
                       "eligible, not chosen: frequency-capped and not reserved for "
                       "this request");
        break;
    case DECISION_STATUS:
        (void)snprintf(buf, len, "not eligible: status is %s", status_name(c->status));
        break;
    case DECISION_FLIGHT_PENDING:
        (void)snprintf(buf, len, "not eligible: flight has not started");
        break;
    case DECISION_FLIGHT_ENDED:
        (void)snprintf(buf, len, "not eligible: flight has ended");
        break;
    case DECISION_NO_CREATIVE:
        (void)snprintf(buf, len, "not eligible: no active creative");
        break;
    case DECISION_CREATIVE_DURATION:
        (void)snprintf(buf, len, "not eligible: no active creative fits the requested durations");
        break;
    case DECISION_BUDGET:
        (void)snprintf(buf, len, "not eligible: budget spent");
        break;
    case DECISION_TARGETING:
        if (e->targeting == TARGETING_FAIL_DIM) {
            value = request_value(w->req, e->dim);
            if (value == NULL || value[0] == '\0')
                (void)snprintf(buf, len, "not eligible: targeting: request has no %s",
                               targeting_dim_name(e->dim));
            else
                (void)snprintf(buf, len, "not eligible: targeting: %s \"%.64s\" is not targeted",
                               targeting_dim_name(e->dim), value);
        } else if (e->targeting == TARGETING_FAIL_LIVESTREAM) {
            (void)snprintf(buf, len, "not eligible: targeting: livestream");
        } else {
            tz_local(c->zone, w->keys.now_ms, &local);
            (void)snprintf(buf, len,
                           "not eligible: targeting: day-part excludes day %d hour %d in %s",
                           local.dow, local.hour, c->time_zone);
        }
        break;
    case DECISION_PACING:
        (void)snprintf(buf, len, "not eligible: pacing %s (serving probability %.4f)",
                       pacing_state_name(e->pacing), (double)e->p_ppm / PACING_P_ONE);
        break;
    case DECISION_NOT_REQUESTED:
        (void)snprintf(buf, len, "not considered: the request named another campaign");
        break;
    }
    return 0;
}
