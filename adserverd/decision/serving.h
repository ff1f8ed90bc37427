/*
 * serving: one ad request from parsed parameters to VAST ads
 * (docs/architecture.md, flow 3), shared by /vast, /api/v1/vast, /vmap,
 * /api/v1/ad-request and the admin explain route.
 *
 * A request has one or more breaks (a VAST answer is one break; a VMAP has
 * one per pre-, mid- and post-roll). serving_decide() takes one snapshot
 * reference, runs decision phase 1 for every break (each in its own
 * per-thread decision_work), merges the capped campaigns of all breaks into
 * ONE freqcap reserve call (none when no candidate is capped), hands each
 * break its share of the granted slots, and runs phase 2. So a request,
 * VMAP included, touches Redis at most once on the response path; unused
 * slots are released after the response is sent (serving_after(), from the
 * request's completion callback).
 *
 * No worker waits on Redis: serving_begin() runs phase 1 and says whether a
 * reserve call is needed; the handler then suspends its connection and
 * serving_caps_submit() hands the call to the Redis I/O thread (kv_async),
 * which pipelines the calls of concurrent requests and wakes the request;
 * serving_continue() runs phase 2 on the resumed worker. The release goes
 * through the same thread. Policy when the call fails (Redis down, slower
 * than cap_timeout_ms, a bad reply): every capped candidate counts as at
 * its cap, so only uncapped campaigns are served (a cap is never exceeded
 * because Redis is unwell); counted in /metrics (see adserverd(8)).
 *
 * Identity of an ad (the beacons engineer relies on it): the request draws
 * one reservation id R, a UUID whose last four hex digits are 0000. The
 * AdServingId of each ad is R with its last four hex digits replaced by
 * kk (the ad's frequency-cap slot within R for its campaign, "ff" when the
 * campaign is uncapped) and nn (the ad's ordinal in the request, 01..ff).
 * The commit at the impression beacon therefore takes reservation id =
 * AdServingId with the last four hex digits set to 0000, slot = kk.
 *
 * The struct serving lives as long as the daemon and owns the Redis I/O
 * thread; the per-thread state (decision works) hangs off a pthread key. A
 * request that suspends takes its decision works with it and hands them
 * back to the pool of the thread that finishes it (serving_done()).
 */
#ifndef SERVING_H
#define SERVING_H

#include <stddef.h>
#include <stdint.h>

#include "decision/adparams.h"
#include "lib/buf.h"
#include "decision/decision.h"
#include "decision/freqcap.h"
#include "decision/targeting.h"
#include "vast/vast.h"

struct app;
struct serving;
struct snapshot;

#define SERVING_MAX_BREAKS (ADPARAMS_MAX_MIDROLLS + 2)

/* A new serving context; NULL with err when the base URL or a key is unusable. */
struct serving *serving_new(struct app *app, char *err, size_t errlen);
void serving_free(struct serving *sv);

/* The ad listener's base URL (no trailing '/'), for tags and beacons. */
const char *serving_base_url(const struct serving *sv);
/* The trusted proxies parsed from the configuration. */
const struct adparams_proxies *serving_proxies(const struct serving *sv);

/* What serving_decide() found for one break. */
struct serving_break {
    const struct decision_ad *ads; /* in the break's decision_work; valid until serving_done() */
    size_t n;
    const char *no_fill;           /* reason name when n == 0, else NULL */
    struct decision_work *w;       /* for explain */
    /* Reservation slot offset of each reserved campaign of this break. */
    uint32_t res_campaign[DECISION_MAX_ADS + DECISION_MAX_SPARE];
    uint32_t res_offset[DECISION_MAX_ADS + DECISION_MAX_SPARE];
    size_t n_res;
};

/* The cap call of a request (private to serving.c; in the result so it needs no allocation). */
struct serving_call;
struct serving_caps {
    struct freqcap_item items[FREQCAP_MAX_ITEMS]; /* merged capped campaigns */
    uint32_t merged[FREQCAP_MAX_ITEMS];           /* their snapshot indexes */
    size_t n_items;
    uint32_t asked_before[SERVING_MAX_BREAKS][DECISION_MAX_ADS + DECISION_MAX_SPARE];
    uint32_t granted[FREQCAP_MAX_ITEMS];
    int64_t hold_ms;
    int status;   /* enum kv_async_status of the call */
    int reserved; /* 1 when Redis granted (so unused slots are released) */
    struct serving_call *call;
};

struct serving_result {
    struct snapshot *snap; /* one reference, dropped by serving_done() */
    const char *base;      /* base URL of this request's tracking and local media URLs:
                              adparams' base, else the configured one (p's lifetime) */
    struct targeting_request treq; /* the decision's view of the request (borrows adparams) */
    int owns_works;                /* the breaks' works left the thread (suspended request) */
    struct serving_caps caps;
    struct serving_break breaks[SERVING_MAX_BREAKS];
    size_t n_breaks;
    char rid[37];                 /* reservation id R (see above) */
    char cap_key[FREQCAP_KEY_HEX + 1];
    int has_cap_key;
    int redis_calls;              /* 0 or 1 on the response path */
    int64_t now_ms;
    unsigned ordinal;             /* ads rendered so far, for AdServingIds */
    /* Slots to release after the response, filled by serving_decide(). */
    struct freqcap_item release[FREQCAP_MAX_ITEMS];
    size_t n_release;
};

#define SERVING_READY 0 /* the result is final: render it */
#define SERVING_CAPS 1  /* a reserve call is needed: suspend, submit, continue */

/*
 * Decide n_breaks breaks (pods[i], 1 <= n_breaks <= SERVING_MAX_BREAKS)
 * for p: phase 1, and phase 2 unless a reserve call is needed. reserve: 1
 * reserves caps in Redis (the serving routes); 0 assumes every cap has room
 * and touches nothing (explain). hold_ms[i] is how long the reservations of
 * break i are held without an impression. p and r must stay where they are
 * until serving_done() (r borrows p's strings and is referenced by the
 * I/O thread while a call is in flight). Always fills *r (a no-fill is a
 * result). SERVING_READY, SERVING_CAPS, or -1 on a programming error.
 * Call serving_done() afterwards in every case.
 */
int serving_begin(struct serving *sv, const struct adparams *p, const struct decision_pod *pods,
                  const int64_t *hold_ms, size_t n_breaks, int reserve, struct serving_result *r);

/*
 * After SERVING_CAPS: send the one reserve call through the Redis I/O
 * thread. wake(ctx) is called exactly once, from that thread or from this
 * call itself, within cap_timeout_ms (plus scheduling): suspend the
 * connection BEFORE calling this, resume it from wake. Never blocks.
 */
void serving_caps_submit(struct serving *sv, struct serving_result *r, void (*wake)(void *ctx),
                         void *ctx);
/* After the wake: phase 2 with what Redis granted (nothing on failure). 0, or -1. */
int serving_continue(struct serving *sv, struct serving_result *r);

/*
 * serving_begin() for callers that cannot suspend (explain): with reserve
 * 1 a needed reserve call is not made and capped candidates count as at
 * their cap. 0, or -1.
 */
int serving_decide(struct serving *sv, const struct adparams *p, const struct decision_pod *pods,
                   const int64_t *hold_ms, size_t n_breaks, int reserve, struct serving_result *r);

/*
 * Strings made while rendering (signed URLs, expanded macros, ids): one
 * list freed by serving_strings_free().
 */
struct serving_strings {
    char **v;
    size_t n, cap;
};
void serving_strings_free(struct serving_strings *s);

/*
 * The vast_ad structs of break b, into ads[0..*n) (room for
 * DECISION_MAX_ADS). Everything they point to lives in r's snapshot, in
 * strs, or in the storage blocks strs owns. 0, or -1 when a URL cannot be
 * signed (bad key or base).
 */
int serving_ads(struct serving *sv, struct serving_result *r, const struct adparams *p, size_t b,
                struct vast_ad *ads, size_t *n, struct serving_strings *strs);

/*
 * Break b as a whole VAST document of version v appended to out, spliced
 * from the snapshot's pre-rendered fragments (byte for byte what
 * serving_ads() + vast_render() would give). *n: ads written. 0; 1 when the
 * break cannot be spliced (no-fill, a creative without fragments, a
 * click-through outside the URL alphabet): nothing appended, use
 * serving_ads() + vast_render(); -1 when a URL cannot be signed or out is
 * full.
 */
int serving_render_vast(struct serving *sv, struct serving_result *r, const struct adparams *p,
                        size_t b, enum vast_version v, struct buf *out,
                        struct serving_strings *strs, size_t *n);

/*
 * The whole VMAP playlist of r's breaks, all inline (breaks[b] gives break
 * b's offset and id, as for vmap_render()), spliced from fragments into out
 * (byte for byte what serving_ads() + vmap_render() would give). *total:
 * ads written. 0; 1 when it cannot be spliced (a break without ads, a
 * creative without fragments, a click-through outside the URL alphabet):
 * nothing appended, render by tree; -1 when a URL cannot be signed or out
 * is full.
 */
struct vmap_break;
int serving_render_vmap(struct serving *sv, struct serving_result *r, const struct adparams *p,
                        const struct vmap_break *breaks, struct buf *out,
                        struct serving_strings *strs, size_t *total);

/* The signed no-fill Error URL of the request (owned by strs), or NULL. */
const char *serving_nofill_url(struct serving *sv, struct serving_result *r,
                               struct serving_strings *strs);

/*
 * Hand the release of unused slots to after-response work: returns a state
 * for serving_after() (or NULL when nothing is to be released) and drops
 * r's snapshot reference either way. r may not be used afterwards.
 */
void *serving_done(struct serving *sv, struct serving_result *r);
/*
 * Hand the release (one EVALSHA) to the Redis I/O thread, which frees
 * state; for the completion callback, never blocks. NULL is fine.
 */
void serving_after(void *state);

/* Count a served request: ads (0 = no-fill with reason). Lock-free. */
void serving_count(struct serving *sv, const char *route, size_t ads, const char *no_fill);
/* Append the decision counters to out in Prometheus text. 0, or -1 when out is full. */
int serving_metrics(struct serving *sv, struct buf *out);

#endif
