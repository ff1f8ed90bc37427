/*
 * targeting: does an ad request match a campaign's targeting rules?
 *
 * The request's attributes are parsed and bounded by the HTTP layer into a
 * struct targeting_request (borrowed strings). targeting_resolve() looks
 * each string value up once in the snapshot's interned values, so matching
 * one campaign is integer set membership per dimension; a value no campaign
 * mentions resolves to "unknown" and fails every non-empty set. An empty set
 * means "any value, or none". Day-parting uses the campaign's time zone.
 *
 * Pure functions: no allocation, no I/O, safe from any thread.
 */
#ifndef TARGETING_H
#define TARGETING_H

#include <stdint.h>

#include "decision/snapshot.h"

/* What the request says about live content. */
enum targeting_live {
    TARGETING_LIVE_UNKNOWN, /* not said: matches only campaigns that do not care */
    TARGETING_LIVE_YES,
    TARGETING_LIVE_NO,
};

/*
 * One ad request's attributes. Strings are borrowed, NUL-terminated, NULL
 * or "" when absent; comparisons ignore ASCII case. ifa .. ua are not
 * targeted; they feed the frequency-cap key (freqcap.h).
 */
struct targeting_request {
    const char *country;          /* ISO 3166-1 alpha-2, e.g. "US" */
    const char *region;           /* ISO 3166-2 subdivision, e.g. "US-NY" */
    const char *dma;              /* Nielsen DMA code, e.g. "501" */
    const char *device_type;      /* "ctv", "mobile", "desktop", "stb", ... */
    const char *os;               /* "roku", "tvos", "tizen", "android", ... */
    const char *app_bundle;       /* store id of the app */
    const char *content_genre;    /* free text of the publisher, e.g. "sports" */
    const char *content_rating;   /* e.g. "TV-PG" */
    const char *content_category; /* IAB content category, e.g. "IAB17" */
    enum targeting_live livestream;
    const char *ifa;
    const char *ifa_type; /* "rida", "aaid", "idfa", "tifa", ... */
    const char *device_id;
    const char *ip;
    const char *ua;
    int64_t now_ms; /* the request's time, from the caller's clock */
};

/* The request resolved against one snapshot; lives on the caller's stack. */
struct targeting_keys {
    uint32_t ids[SNAPSHOT_NDIMS]; /* interned ids, SNAPSHOT_NO_ID when absent or unknown */
    int present[SNAPSHOT_NDIMS];  /* 1 when the request carried the value */
    enum targeting_live livestream;
    int64_t now_ms;
};

/* Why a campaign did not match: the first failing rule, in this order. */
enum targeting_result {
    TARGETING_MATCH = 0,
    TARGETING_FAIL_DIM, /* a string dimension; the dimension is reported apart */
    TARGETING_FAIL_LIVESTREAM,
    TARGETING_FAIL_DAYPART,
};

/* Resolve r's values in s into *out. Never fails; r's strings are not kept. */
void targeting_resolve(const struct snapshot *s, const struct targeting_request *r,
                       struct targeting_keys *out);

/*
 * Match campaign c against k. TARGETING_MATCH, or the first failing rule;
 * for TARGETING_FAIL_DIM *dim (when not NULL) receives the dimension.
 * Dimensions are checked in enum snapshot_dim order, then livestream, then
 * day-part (local hour and day of week of k->now_ms in c's zone).
 */
enum targeting_result targeting_match(const struct snapshot_campaign *c,
                                      const struct targeting_keys *k, enum snapshot_dim *dim);

/*
 * The campaigns of s that pass k's string dimensions and livestream rule
 * and whose slot is live (the ticker's bitset), into out
 * (snapshot_words(s) words); scratch is as long and is overwritten. A bit
 * set here means targeting_match() would pass every rule but the day-part
 * (the ticker folds the day-part into the live bitset). Cost: one pass over
 * the words per targeted dimension plus the postings of the request's
 * values; dimensions no campaign targets cost nothing.
 */
void targeting_candidates(const struct snapshot *s, const struct targeting_keys *k, uint64_t *out,
                          uint64_t *scratch);

/* The same over another of the ticker's bitsets than the live one (base). */
void targeting_candidates_in(const struct snapshot *s, const struct targeting_keys *k,
                             _Atomic uint64_t *base, uint64_t *out, uint64_t *scratch);

/* Lower-case name of a dimension for explain output ("country", "dma", ...). */
const char *targeting_dim_name(enum snapshot_dim dim);

#endif
