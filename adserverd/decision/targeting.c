/*
 * targeting: see targeting.h.
 *
 * Ad requests use targeting_candidates(): per targeted dimension one pass
 * over the snapshot's bitset words plus the postings of the request's
 * value, never a pass over campaigns. targeting_match() checks one
 * campaign (explain, tests): nine binary searches over small sorted
 * integer sets at most, one tz lookup only for campaigns with a day-part,
 * geo before content, which is also the order explain reports.
 */
#include "decision/targeting.h"
#include "util/tz.h"

#include <stdatomic.h>
#include <string.h>

static const char *const dim_names[SNAPSHOT_NDIMS] = {
    [SNAPSHOT_DIM_COUNTRY] = "country",
    [SNAPSHOT_DIM_REGION] = "region",
    [SNAPSHOT_DIM_DMA] = "dma",
    [SNAPSHOT_DIM_DEVICE_TYPE] = "device_type",
    [SNAPSHOT_DIM_OS] = "os",
    [SNAPSHOT_DIM_APP_BUNDLE] = "app_bundle",
    [SNAPSHOT_DIM_CONTENT_GENRE] = "content_genre",
    [SNAPSHOT_DIM_CONTENT_RATING] = "content_rating",
    [SNAPSHOT_DIM_CONTENT_CATEGORY] = "content_category",
};

const char *targeting_dim_name(enum snapshot_dim dim)
{
    return (unsigned)dim < SNAPSHOT_NDIMS ? dim_names[dim] : "unknown";
}

void targeting_resolve(const struct snapshot *s, const struct targeting_request *r,
                       struct targeting_keys *out)
{
    const char *v[SNAPSHOT_NDIMS] = {
        [SNAPSHOT_DIM_COUNTRY] = r->country,
        [SNAPSHOT_DIM_REGION] = r->region,
        [SNAPSHOT_DIM_DMA] = r->dma,
        [SNAPSHOT_DIM_DEVICE_TYPE] = r->device_type,
        [SNAPSHOT_DIM_OS] = r->os,
        [SNAPSHOT_DIM_APP_BUNDLE] = r->app_bundle,
        [SNAPSHOT_DIM_CONTENT_GENRE] = r->content_genre,
        [SNAPSHOT_DIM_CONTENT_RATING] = r->content_rating,
        [SNAPSHOT_DIM_CONTENT_CATEGORY] = r->content_category,
    };

    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        out->present[d] = v[d] != NULL && v[d][0] != '\0';
        out->ids[d] =
            out->present[d] ? snapshot_intern_find(s, v[d], strlen(v[d])) : SNAPSHOT_NO_ID;
    }
    out->livestream = r->livestream;
    out->now_ms = r->now_ms;
}

enum targeting_result targeting_match(const struct snapshot_campaign *c,
                                      const struct targeting_keys *k, enum snapshot_dim *dim)
{
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        const struct snapshot_set *set = &c->sets[d];
        if (set->n == 0)
            continue;
        if (k->ids[d] == SNAPSHOT_NO_ID || !snapshot_set_has(set, k->ids[d])) {
            if (dim != NULL)
                *dim = (enum snapshot_dim)d;
            return TARGETING_FAIL_DIM;
        }
    }
    /* A request that does not say whether it is live matches neither ONLY nor NEVER. */
    if ((c->livestream == SNAPSHOT_LIVE_ONLY && k->livestream != TARGETING_LIVE_YES) ||
        (c->livestream == SNAPSHOT_LIVE_NEVER && k->livestream != TARGETING_LIVE_NO))
        return TARGETING_FAIL_LIVESTREAM;
    if (c->has_daypart) {
        struct tz_local local;
        tz_local(c->zone, k->now_ms, &local);
        if ((c->daypart[local.dow] >> local.hour & 1u) == 0)
            return TARGETING_FAIL_DAYPART;
    }
    return TARGETING_MATCH;
}

/* out &= any | postings of (d, id): the campaigns that pass dimension d. */
static void and_dimension(const struct snapshot *s, enum snapshot_dim d, uint32_t id,
                          const uint64_t *any, uint64_t *out, uint64_t *scratch, size_t words)
{
    const uint32_t *slots;
    uint32_t n = 0;

    if (id == SNAPSHOT_NO_ID) {
        for (size_t w = 0; w < words; w++)
            out[w] &= any[w];
        return;
    }
    slots = snapshot_index_postings(s, d, id, &n);
    memcpy(scratch, any, words * sizeof(*scratch));
    for (uint32_t k = 0; k < n; k++)
        scratch[slots[k] / 64] |= UINT64_C(1) << (slots[k] % 64);
    for (size_t w = 0; w < words; w++)
        out[w] &= scratch[w];
}

void targeting_candidates(const struct snapshot *s, const struct targeting_keys *k, uint64_t *out,
                          uint64_t *scratch)
{
    targeting_candidates_in(s, k, snapshot_slot_live(s), out, scratch);
}

void targeting_candidates_in(const struct snapshot *s, const struct targeting_keys *k,
                             _Atomic uint64_t *live, uint64_t *out, uint64_t *scratch)
{
    size_t words = snapshot_words(s);
    const uint64_t *lany = snapshot_index_live(s, SNAPSHOT_LIVE_ANY);
    const uint64_t *lmore = k->livestream == TARGETING_LIVE_YES  ? snapshot_index_live(s, SNAPSHOT_LIVE_ONLY)
                            : k->livestream == TARGETING_LIVE_NO ? snapshot_index_live(s, SNAPSHOT_LIVE_NEVER)
                                                                  : NULL;

    /* Acquire pairs with the ticker's release: a set bit comes with its slot's state word. */
    for (size_t w = 0; w < words; w++)
        out[w] = atomic_load_explicit(&live[w], memory_order_acquire) &
                 (lany[w] | (lmore != NULL ? lmore[w] : 0));
    for (int d = 0; d < SNAPSHOT_NDIMS; d++) {
        const uint64_t *any = snapshot_index_any(s, (enum snapshot_dim)d);
        if (any != NULL)
            and_dimension(s, (enum snapshot_dim)d, k->ids[d], any, out, scratch, words);
    }
}
