/*
 * serving: see serving.h. Hot path: no lock, at most one Redis round trip,
 * made by the Redis I/O thread (kv_async) while the request's connection is
 * suspended; allocation only for the rendered strings and, on a capped
 * request, the call's arguments.
 */
#include "decision/serving.h"
#include "core/app.h"
#include "lib/clock.h"
#include "lib/hexcode.h"
#include "core/config.h"
#include "redis/kv.h"
#include "redis/kv_async.h"
#include "lib/log.h"
#include "vast/macros.h"
#include "vast/prerender.h"
#include "decision/snapshot.h"
#include "vast/trackers.h"
#include "vast/trackurl.h"
#include "vast/vmap.h"
#include "util/uuid.h"
#include "lib/version.h"
#include "lib/xalloc.h"

#include <assert.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATEGORY_AUTHORITY "https://iabtechlab.com/standards/content-taxonomy/"
/* UniversalAdId registry of the creative ids this server assigns itself. */
#define UNIVERSAL_AD_ID_REGISTRY "adserverd"

/* No-fill reasons beyond the decision's own. */
enum {
    NOFILL_CATALOG = DECISION_NOT_REQUESTED + 1, /* no snapshot published yet */
    NOFILL_EMPTY,                                /* the catalog has no servable campaign */
    NOFILL_UNKNOWN_CAMPAIGN,                     /* campaign_id not in the catalog */
    NOFILL_COUNT
};

static const char *const routes[] = {"vast", "api_vast", "vmap", "ad_request", "other"};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

struct serving {
    struct app *app;
    char base[TRACKURL_BASE_MAX + 1];
    struct adparams_proxies proxies;
    char sha_reserve[41], sha_release[41];
    const char *scripts[2];  /* reloaded by the I/O thread after NOSCRIPT */
    struct kv_async *io;     /* the Redis I/O thread of cap calls */
    pthread_key_t key;
    atomic_ulong requests[NROUTES];
    atomic_ulong filled[NROUTES];
    atomic_ulong ads[NROUTES];
    atomic_ulong nofill[NOFILL_COUNT];
    atomic_ulong redis_errors;    /* every reserve call without a usable reply */
    atomic_ulong cap_timeouts;    /* ... of which the deadline passed */
    atomic_ulong cap_unavailable; /* ... of which Redis was unreachable or the queue full */
    atomic_ulong cap_skipped;     /* capped candidates decided without a call (explain) */
    atomic_ulong releases;
    atomic_ulong renders_spliced; /* VAST answers spliced from fragments */
    atomic_ulong renders_tree;    /* ... that fell back to the libxml2 tree */
    atomic_ulong vmap_spliced;    /* inline VMAP answers spliced from fragments */
    atomic_ulong vmap_tree;       /* ... that fell back to the libxml2 tree */
};

/* Spare decision works a thread keeps for requests that suspend. */
#define WORK_POOL_MAX 8

struct thread_state {
    struct decision_work *w[SERVING_MAX_BREAKS];
    /* Works handed back by requests that suspended, for reuse (grown to the snapshot). */
    struct decision_work *pool[WORK_POOL_MAX];
    size_t n_pool;
    struct freqcap_args args; /* scratch for building a cap command, copied by job_new() */
};

static struct vast_prerender *prerender_build(const struct snapshot *s, void *ctx);

static void thread_state_free(void *p)
{
    struct thread_state *ts = p;

    if (ts == NULL)
        return;
    for (size_t i = 0; i < SERVING_MAX_BREAKS; i++)
        decision_work_free(ts->w[i]);
    for (size_t i = 0; i < ts->n_pool; i++)
        decision_work_free(ts->pool[i]);
    free(ts);
}

static struct thread_state *thread_state(struct serving *sv)
{
    struct thread_state *ts = pthread_getspecific(sv->key);

    if (ts == NULL) {
        ts = xcalloc(1, sizeof(*ts));
        if (pthread_setspecific(sv->key, ts) != 0) {
            free(ts);
            return NULL;
        }
    }
    return ts;
}

static struct decision_work *thread_work(struct thread_state *ts, size_t i)
{
    if (ts->w[i] == NULL)
        ts->w[i] = ts->n_pool > 0 ? ts->pool[--ts->n_pool] : decision_work_new();
    return ts->w[i];
}

struct serving *serving_new(struct app *app, char *err, size_t errlen)
{
    const struct config *cfg = app->cfg;
    struct serving *sv = xcalloc(1, sizeof(*sv));
    int n;

    sv->app = app;
    if (cfg->public_url != NULL && cfg->public_url[0] != '\0') {
        size_t len = strlen(cfg->public_url);
        while (len > 0 && cfg->public_url[len - 1] == '/')
            len--;
        n = snprintf(sv->base, sizeof(sv->base), "%.*s", (int)len, cfg->public_url);
    } else if (strchr(cfg->ad_bind, ':') != NULL) {
        n = snprintf(sv->base, sizeof(sv->base), "http://[%s]:%d", cfg->ad_bind, cfg->ad_port);
    } else {
        n = snprintf(sv->base, sizeof(sv->base), "http://%s:%d", cfg->ad_bind, cfg->ad_port);
    }
    if (n < 0 || (size_t)n >= sizeof(sv->base)) {
        snprintf(err, errlen, "public_url is longer than %d bytes", TRACKURL_BASE_MAX);
        goto fail;
    }
    if (adparams_proxies_parse(&sv->proxies, cfg->trusted_proxies, err, errlen) != 0)
        goto fail;
    if (freqcap_script_sha1(FREQCAP_SCRIPT_RESERVE, sv->sha_reserve) != 0 ||
        freqcap_script_sha1(FREQCAP_SCRIPT_RELEASE, sv->sha_release) != 0) {
        snprintf(err, errlen, "cannot hash the frequency-cap scripts");
        goto fail;
    }
    if (pthread_key_create(&sv->key, thread_state_free) != 0) {
        snprintf(err, errlen, "cannot create the serving thread key");
        goto fail;
    }
    sv->scripts[0] = freqcap_script(FREQCAP_SCRIPT_RESERVE);
    sv->scripts[1] = freqcap_script(FREQCAP_SCRIPT_RELEASE);
    sv->io = kv_async_new(app->kv, "redis-caps", cfg->cap_timeout_ms, sv->scripts, 2, err,
                          errlen);
    if (sv->io == NULL) {
        pthread_key_delete(sv->key);
        goto fail;
    }
    /* The catalog thread renders each snapshot's fragments before publishing it. */
    snapshot_holder_set_prerender(app->snapshots, prerender_build, sv);
    return sv;
fail:
    free(sv);
    return NULL;
}

void serving_free(struct serving *sv)
{
    if (sv == NULL)
        return;
    kv_async_free(sv->io); /* answers what is queued: releases drop their snapshot refs */
    /* The calling thread's state; worker threads freed theirs when they ended. */
    thread_state_free(pthread_getspecific(sv->key));
    pthread_setspecific(sv->key, NULL);
    pthread_key_delete(sv->key);
    free(sv);
}

const char *serving_base_url(const struct serving *sv)
{
    return sv->base;
}

const struct adparams_proxies *serving_proxies(const struct serving *sv)
{
    return &sv->proxies;
}

/* ------------------------------------------------------------------------
 * Decision
 * ------------------------------------------------------------------------ */

static const char *nofill_name(int code)
{
    switch (code) {
    case NOFILL_CATALOG:
        return "catalog_not_ready";
    case NOFILL_EMPTY:
        return "no_eligible_campaign";
    case NOFILL_UNKNOWN_CAMPAIGN:
        return "campaign_not_servable";
    default:
        return decision_reason_name((enum decision_reason)code);
    }
}

/* The no-fill reason code of a decided break: how far its best campaign got. */
static int break_nofill(struct decision_work *w)
{
    enum decision_reason why;

    return decision_nofill_reason(w, &why) == 0 ? (int)why : NOFILL_EMPTY;
}

static void make_rid(char rid[37])
{
    if (uuid_v4(rid) != 0)
        snprintf(rid, 37, "00000000-0000-4000-8000-000000000000");
    memcpy(rid + 32, "0000", 4);
}

/*
 * Phase 1 for every break, and the merge of the capped campaigns they want
 * into r->caps.items (one reserve call for the whole request).
 */
static int phase1(struct thread_state *ts, const struct adparams *p,
                  const struct decision_pod *pods, const int64_t *hold_ms, size_t n_breaks,
                  struct serving_result *r)
{
    struct serving_caps *cs = &r->caps;
    struct decision_options opts = decision_options_default();
    struct decision_rng rng;

    if (p->campaign_id != NULL) {
        uint32_t idx;
        if (snapshot_campaign_find(r->snap, p->campaign_id, &idx) != 0) {
            for (size_t b = 0; b < n_breaks; b++)
                r->breaks[b].no_fill = nofill_name(NOFILL_UNKNOWN_CAMPAIGN);
            return 1;
        }
        opts.only_campaign = idx;
    }
    r->treq = p->t;
    r->treq.now_ms = r->now_ms;
    decision_rng_seed(&rng, (uint64_t)r->now_ms ^ ((uint64_t)strtoul(r->rid, NULL, 16) << 20));

    for (size_t b = 0; b < n_breaks; b++) {
        struct serving_break *br = &r->breaks[b];
        const struct decision_reserve *res;
        size_t nres;

        br->w = thread_work(ts, b);
        if (decision_candidates(br->w, r->snap, &r->treq, &pods[b], &opts, &rng) != 0)
            return -1;
        res = decision_reserves(br->w, &nres);
        for (size_t k = 0; k < nres && k < DECISION_MAX_ADS + DECISION_MAX_SPARE; k++) {
            const struct snapshot_campaign *c = snapshot_campaign(r->snap, res[k].campaign);
            size_t m;
            for (m = 0; m < cs->n_items; m++)
                if (cs->merged[m] == res[k].campaign)
                    break;
            if (m == cs->n_items) {
                if (cs->n_items == FREQCAP_MAX_ITEMS) {
                    cs->asked_before[b][k] = UINT32_MAX; /* no room in the call: denied */
                    continue;
                }
                cs->merged[m] = res[k].campaign;
                cs->items[m].campaign_id = c->id;
                cs->items[m].caps = &c->caps;
                cs->items[m].zone = c->zone;
                cs->items[m].slots = 0;
                cs->items[m].slots_end = 0;
                cs->n_items++;
            }
            cs->asked_before[b][k] = cs->items[m].slots;
            cs->items[m].slots += res[k].slots;
        }
        if (hold_ms[b] > cs->hold_ms)
            cs->hold_ms = hold_ms[b];
    }
    return 0;
}

/* Unused granted slots of a break, merged per campaign, for the release. */
static void release_unused(struct serving_result *r, const struct serving_break *br, size_t nres)
{
    const struct decision_unused *un;
    size_t nun;

    un = decision_unused(br->w, &nun);
    for (size_t u = 0; u < nun; u++) {
        uint32_t off = 0;
        const struct snapshot_campaign *c = snapshot_campaign(r->snap, un[u].campaign);
        for (size_t k = 0; k < nres; k++)
            if (br->res_campaign[k] == un[u].campaign)
                off = br->res_offset[k];
        if (r->n_release >= FREQCAP_MAX_ITEMS)
            break;
        r->release[r->n_release].campaign_id = c->id;
        r->release[r->n_release].slots = off + un[u].from;
        r->release[r->n_release].slots_end = off + un[u].to;
        r->n_release++;
    }
}

/* Phase 2: each break gets the granted slots (r->caps.granted) in break order. */
static int phase2(struct serving_result *r)
{
    struct serving_caps *cs = &r->caps;

    for (size_t b = 0; b < r->n_breaks; b++) {
        struct serving_break *br = &r->breaks[b];
        const struct decision_reserve *res;
        uint32_t g[DECISION_MAX_ADS + DECISION_MAX_SPARE];
        size_t nres;

        res = decision_reserves(br->w, &nres);
        if (nres > DECISION_MAX_ADS + DECISION_MAX_SPARE)
            return -1;
        for (size_t k = 0; k < nres; k++) {
            size_t m;
            g[k] = 0;
            br->res_campaign[k] = UINT32_MAX;
            br->res_offset[k] = 0;
            if (cs->asked_before[b][k] == UINT32_MAX)
                continue;
            for (m = 0; m < cs->n_items; m++)
                if (cs->merged[m] == res[k].campaign)
                    break;
            if (m < cs->n_items && cs->granted[m] > cs->asked_before[b][k]) {
                uint32_t left = cs->granted[m] - cs->asked_before[b][k];
                g[k] = left < res[k].slots ? left : res[k].slots;
            }
            br->res_campaign[k] = res[k].campaign;
            br->res_offset[k] = cs->asked_before[b][k];
        }
        br->n_res = nres;
        if (decision_choose(br->w, g, nres) != 0)
            return -1;
        br->ads = decision_ads(br->w, &br->n);
        br->no_fill = br->n == 0 ? nofill_name(snapshot_campaign_count(r->snap) == 0
                                                   ? NOFILL_EMPTY
                                                   : break_nofill(br->w))
                                 : NULL;
        if (cs->reserved)
            release_unused(r, br, nres);
    }
    return 0;
}

int serving_begin(struct serving *sv, const struct adparams *p, const struct decision_pod *pods,
                  const int64_t *hold_ms, size_t n_breaks, int want_reserve,
                  struct serving_result *r)
{
    struct thread_state *ts = thread_state(sv);
    struct serving_caps *cs = &r->caps;
    enum freqcap_source src;
    int rc;

    memset(r, 0, sizeof(*r));
    if (ts == NULL || n_breaks == 0 || n_breaks > SERVING_MAX_BREAKS)
        return -1;
    r->now_ms = clock_wall_ms();
    make_rid(r->rid);
    r->has_cap_key = freqcap_key(p->t.ifa, p->t.device_id, p->t.ip, p->t.ua, r->cap_key, &src) == 0;
    if (!r->has_cap_key)
        memset(r->cap_key, '0', FREQCAP_KEY_HEX);
    r->cap_key[FREQCAP_KEY_HEX] = '\0';
    r->n_breaks = n_breaks;
    /*
     * The one place a request's base URL (scheme://host[:port] of its
     * tracking and local media URLs) is chosen: the one the transport
     * derived from the request (public_url, a trusted proxy's forwarded
     * host, or the validated Host), else the configured one.
     */
    r->base = p->base != NULL && p->base[0] != '\0' ? p->base : sv->base;
    r->snap = snapshot_acquire(sv->app->snapshots);
    for (size_t b = 0; b < n_breaks; b++)
        r->breaks[b].no_fill = nofill_name(NOFILL_CATALOG);
    if (r->snap == NULL)
        return SERVING_READY;
    rc = phase1(ts, p, pods, hold_ms, n_breaks, r);
    if (rc != 0)
        return rc < 0 ? -1 : SERVING_READY;
    if (cs->n_items > 0 && want_reserve && r->has_cap_key) {
        /*
         * The works hold phase 1 until the reply: this thread serves other
         * requests meanwhile, so they leave its state with the request.
         */
        for (size_t b = 0; b < n_breaks; b++)
            ts->w[b] = NULL;
        r->owns_works = 1;
        return SERVING_CAPS;
    }
    if (!want_reserve)
        for (size_t m = 0; m < cs->n_items; m++)
            cs->granted[m] = cs->items[m].slots; /* explain: assume room */
    return phase2(r) != 0 ? -1 : SERVING_READY;
}

int serving_decide(struct serving *sv, const struct adparams *p, const struct decision_pod *pods,
                   const int64_t *hold_ms, size_t n_breaks, int want_reserve,
                   struct serving_result *r)
{
    int rc = serving_begin(sv, p, pods, hold_ms, n_breaks, want_reserve, r);

    if (rc == SERVING_CAPS) {
        /* A caller that cannot wait: capped candidates count as at their cap. */
        atomic_fetch_add(&sv->cap_skipped, 1);
        return phase2(r);
    }
    return rc;
}

/* ------------------------------------------------------------------------
 * The cap call, through the Redis I/O thread
 * ------------------------------------------------------------------------ */

/* One reserve call in flight: the job kv_async answers and its arguments. */
struct serving_call {
    struct kv_async_job job; /* first: see job_new() */
    struct serving *sv;
    struct serving_result *r;
    void (*wake)(void *ctx);
    void *ctx;
};

/*
 * A block of `size` bytes (a struct starting with its kv_async_job) with
 * a's arguments copied behind it and the job pointing at them. A queued
 * job keeps only the few hundred bytes of its command, not the
 * thread's argument scratch (tens of KiB): under load thousands may wait.
 */
static void *job_new(size_t size, const struct freqcap_args *a)
{
    size_t head = (size + 15) & ~(size_t)15, nargs = (size_t)a->argc;
    char *blk = xmalloc(head + nargs * (sizeof(char *) + sizeof(size_t)) + a->used);
    const char **argv = (const char **)(void *)(blk + head);
    size_t *argl = (size_t *)(void *)(argv + nargs);
    char *store = (char *)(argl + nargs);
    struct kv_async_job *job = (struct kv_async_job *)(void *)blk;

    memset(blk, 0, size);
    memcpy(store, a->store, a->used);
    for (size_t i = 0; i < nargs; i++) {
        /* every argument freqcap builds lives in its store */
        argv[i] = store + (a->argv[i] - a->store);
        argl[i] = a->argvlen[i];
    }
    job->argc = a->argc;
    job->argv = argv;
    job->argvlen = argl;
    return blk;
}

/* Runs on the Redis I/O thread: read the reply into r, then wake the request. */
static void reserve_done(struct kv_async_job *job, enum kv_async_status st,
                         const redisReply *rep)
{
    struct serving_call *call = (struct serving_call *)job;
    struct serving *sv = call->sv;
    struct serving_caps *cs = &call->r->caps;
    long long vals[FREQCAP_MAX_ITEMS];
    size_t n = cs->n_items;

    cs->status = st;
    if (st == KV_ASYNC_TIMEOUT) {
        atomic_fetch_add(&sv->cap_timeouts, 1);
    } else if (st != KV_ASYNC_OK) {
        atomic_fetch_add(&sv->cap_unavailable, 1);
    } else if (rep->type != REDIS_REPLY_ARRAY || rep->elements != n) {
        cs->status = KV_ASYNC_DOWN;
        atomic_fetch_add(&sv->redis_errors, 1);
    } else {
        size_t i;
        for (i = 0; i < n && rep->element[i]->type == REDIS_REPLY_INTEGER; i++)
            vals[i] = rep->element[i]->integer;
        if (i < n || freqcap_reserve_check(cs->items, n, vals, n, cs->granted) != 0) {
            memset(cs->granted, 0, sizeof(cs->granted));
            cs->status = KV_ASYNC_DOWN;
            atomic_fetch_add(&sv->redis_errors, 1);
        } else {
            cs->reserved = 1;
        }
    }
    call->wake(call->ctx);
}

void serving_caps_submit(struct serving *sv, struct serving_result *r, void (*wake)(void *ctx),
                         void *ctx)
{
    struct serving_caps *cs = &r->caps;
    struct thread_state *ts = thread_state(sv);
    struct serving_call *call;

    memset(cs->granted, 0, sizeof(cs->granted)); /* the policy when no reply comes */
    cs->status = KV_ASYNC_DOWN;
    r->redis_calls = 1;
    if (ts == NULL || freqcap_reserve_args(&ts->args, sv->sha_reserve, r->cap_key, r->rid,
                                           r->now_ms, cs->hold_ms, cs->items, cs->n_items) != 0) {
        atomic_fetch_add(&sv->redis_errors, 1);
        wake(ctx);
        return;
    }
    call = job_new(sizeof(*call), &ts->args);
    call->sv = sv;
    call->r = r;
    call->wake = wake;
    call->ctx = ctx;
    call->job.done = reserve_done;
    r->caps.call = call;
    kv_async_submit(sv->io, &call->job);
}

int serving_continue(struct serving *sv, struct serving_result *r)
{
    (void)sv;
    free(r->caps.call);
    r->caps.call = NULL;
    return phase2(r);
}

/* ------------------------------------------------------------------------
 * Rendering
 * ------------------------------------------------------------------------ */

static char *keep(struct serving_strings *s, char *str)
{
    if (str == NULL)
        return NULL;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = str;
    return str;
}

static void *keep_block(struct serving_strings *s, size_t size)
{
    return keep(s, xcalloc(1, size));
}

void serving_strings_free(struct serving_strings *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static void cap_key_bytes(const char *hex, unsigned char out[TRACKURL_CAP_KEY_LEN])
{
    /* freqcap_key() always writes 32 hex digits; all zero means "no key". */
    if (hex_decode(hex, out, TRACKURL_CAP_KEY_LEN) != 0)
        memset(out, 0, TRACKURL_CAP_KEY_LEN);
}

static char *sign(struct serving *sv, const struct serving_result *r, struct trackurl_event *ev,
                  enum trackurl_type t)
{
    char *url = NULL;

    ev->type = t;
    if (trackurl_sign(sv->app->track_key, sv->app->track_key_len, ev, r->base, &url) != 0)
        return NULL;
    return url;
}

const char *serving_nofill_url(struct serving *sv, struct serving_result *r,
                               struct serving_strings *strs)
{
    struct trackurl_event ev;

    memset(&ev, 0, sizeof(ev));
    snprintf(ev.ad_serving_id, sizeof(ev.ad_serving_id), "%s", r->rid);
    snprintf(ev.campaign_id, sizeof(ev.campaign_id), "00000000-0000-0000-0000-000000000000");
    snprintf(ev.creative_id, sizeof(ev.creative_id), "00000000-0000-0000-0000-000000000000");
    ev.issued_at = r->now_ms / 1000;
    cap_key_bytes(r->cap_key, ev.cap_key);
    return keep(strs, sign(sv, r, &ev, TRACKURL_NOFILL));
}

static const struct {
    enum vast_event ve;
    enum trackurl_type tt;
} events[] = {
    {VAST_EVENT_START, TRACKURL_START},
    {VAST_EVENT_FIRST_QUARTILE, TRACKURL_FIRST_QUARTILE},
    {VAST_EVENT_MIDPOINT, TRACKURL_MIDPOINT},
    {VAST_EVENT_THIRD_QUARTILE, TRACKURL_THIRD_QUARTILE},
    {VAST_EVENT_COMPLETE, TRACKURL_COMPLETE},
    {VAST_EVENT_PAUSE, TRACKURL_PAUSE},
    {VAST_EVENT_RESUME, TRACKURL_RESUME},
    {VAST_EVENT_MUTE, TRACKURL_MUTE},
    {VAST_EVENT_UNMUTE, TRACKURL_UNMUTE},
    {VAST_EVENT_SKIP, TRACKURL_SKIP},
    {VAST_EVENT_CLOSE, TRACKURL_CLOSE},
};
#define NEVENTS (sizeof(events) / sizeof(events[0]))

/* Storage of one rendered ad that vast_ad points into. */
/* The most MediaFiles of a creative: its renditions, the HLS master, spares. */
#define MEDIA_FILES_MAX 16

/* A creative's MediaFiles and Mezzanine under one answer's base (rebase_media()). */
struct media_rebase {
    struct vast_media_file files[MEDIA_FILES_MAX];
    struct vast_media_file mezz;
};

struct ad_store {
    struct vast_impression imp;
    struct vast_media_file media;
    struct media_rebase rebase; /* MediaFiles and Mezzanine under this request's base */
    struct vast_tracking tracking[NEVENTS];
    const char *click_tracking[1];
    const char *error_urls[1];
    const char *click_through; /* macros expanded; NULL when none or expansion failed */
    char serving_id[37];
};

static int64_t price_of(const struct snapshot_campaign *c, enum trackurl_type t)
{
    switch (c->pricing) {
    case SNAPSHOT_PRICING_CPM:
        return t == TRACKURL_IMPRESSION ? c->rate_micros / 1000 : 0;
    case SNAPSHOT_PRICING_CPC:
        return t == TRACKURL_CLICK ? c->rate_micros : 0;
    case SNAPSHOT_PRICING_CPV:
        return t == TRACKURL_COMPLETE ? c->rate_micros : 0;
    case SNAPSHOT_PRICING_FLAT:
        return 0;
    }
    return 0;
}

static enum vast_pricing_model vast_model(enum snapshot_pricing p)
{
    switch (p) {
    case SNAPSHOT_PRICING_CPM:
        return VAST_PRICING_CPM;
    case SNAPSHOT_PRICING_CPC:
        return VAST_PRICING_CPC;
    case SNAPSHOT_PRICING_CPV:
        return VAST_PRICING_CPV;
    case SNAPSHOT_PRICING_FLAT:
        return VAST_PRICING_FLAT;
    }
    return VAST_PRICING_NONE;
}

static const char *regulations(const struct adparams *p)
{
    if (p->gdpr == 1 && p->us_privacy != NULL)
        return "gdpr,ccpa";
    if (p->gdpr == 1)
        return "gdpr";
    if (p->us_privacy != NULL)
        return "ccpa";
    return NULL;
}

static uint32_t slot_of(const struct serving_break *br, const struct decision_ad *ad)
{
    if (ad->slot == DECISION_NO_SLOT)
        return DECISION_NO_SLOT;
    for (size_t k = 0; k < br->n_res; k++)
        if (br->res_campaign[k] == ad->campaign)
            return br->res_offset[k] + ad->slot;
    return ad->slot;
}

static void macros_of(struct macros_ctx *mc, const struct serving_result *r,
                      const struct adparams *p)
{
    macros_ctx_init(mc);
    mc->now_ms = r->now_ms;
    mc->cachebuster = (long)(r->now_ms % 100000000);
    mc->limit_ad_tracking = p->lmt;
    mc->ifa = p->t.ifa;
    mc->ifa_type = p->t.ifa_type;
    mc->device_ua = p->t.ua;
    mc->device_ip = p->t.ip;
    mc->app_bundle = p->t.app_bundle;
    mc->gdpr_consent = p->gdpr_consent;
    mc->regulations = regulations(p);
}

/*
 * What an ad is whatever the request: everything of the vast_ad but the
 * per-request fields (sequence, AdServingId, URLs of impressions, errors,
 * tracking and clicks), which are left NULL/0. The prerender builder and
 * the tree path both start from here, so their static parts cannot differ.
 */
static void ad_static(const struct snapshot_campaign *c, const struct snapshot_creative *cr,
                      struct vast_ad *a, struct vast_media_file *media)
{
    memset(a, 0, sizeof(*a));
    a->id = cr->id;
    a->ad_system = "adserverd";
    a->ad_system_version = ADSERVERD_VERSION;
    a->title = c->name != NULL && c->name[0] != '\0' && vast_text_ok(c->name) ? c->name : "Ad";
    a->advertiser = c->advertiser_domain;
    a->pricing_model = vast_model(c->pricing);
    a->pricing_currency = "USD";
    a->pricing_micros = c->rate_micros;
    a->categories = c->category_names;
    a->n_categories = c->n_category_names;
    a->category_authority = CATEGORY_AUTHORITY;
    a->creative_id = cr->id;
    a->creative_ad_id = cr->id;
    a->duration_ms = cr->duration_ms;

    memset(media, 0, sizeof(*media));
    media->url = cr->media_url;
    media->delivery = VAST_DELIVERY_PROGRESSIVE;
    media->mime_type = cr->mime != NULL && cr->mime[0] != '\0' ? cr->mime : "video/mp4";
    media->width = cr->width ? cr->width : 1280;
    media->height = cr->height ? cr->height : 720;
    media->bitrate_kbps = cr->bitrate_kbps;
    a->media_files = media;
    a->n_media_files = 1;
    if (cr->n_media_files > 0) {
        /* ready renditions, made once per snapshot; the upload is the Mezzanine */
        a->media_files = cr->media_files;
        a->n_media_files = cr->n_media_files;
        a->mezzanine = cr->mezzanine;
    }
    /* a stable id under our own registry: stitchers cache transcodes by it */
    a->universal_ad_id_registry = UNIVERSAL_AD_ID_REGISTRY;
    a->universal_ad_id = cr->id;
}

/*
 * Local files are kept in the snapshot as paths ("/media/<key>") when no
 * public_url says where players reach us: each answer puts its base in
 * front (a request its own base, the fragment builder the base marker).
 * rebase_media() points a's MediaFiles and Mezzanine at copies in mr, with
 * join(ctx, prefix, path) for every path; 0, or -1 when join fails or there
 * are more files than mr holds. Absolute URLs are left as they are.
 */
typedef char *media_join_fn(void *ctx, const char *prefix, const char *path);

static int rebase_media(struct vast_ad *a, const char *prefix, struct media_rebase *mr,
                        media_join_fn *join, void *ctx)
{
    if (a->n_media_files > MEDIA_FILES_MAX)
        return -1;
    for (size_t i = 0; i < a->n_media_files; i++) {
        mr->files[i] = a->media_files[i];
        if (mr->files[i].url != NULL && mr->files[i].url[0] == '/' &&
            (mr->files[i].url = join(ctx, prefix, mr->files[i].url)) == NULL)
            return -1;
    }
    a->media_files = mr->files;
    if (a->mezzanine != NULL) {
        mr->mezz = *a->mezzanine;
        if (mr->mezz.url != NULL && mr->mezz.url[0] == '/' &&
            (mr->mezz.url = join(ctx, prefix, mr->mezz.url)) == NULL)
            return -1;
        a->mezzanine = &mr->mezz;
    }
    return 0;
}

/*
 * The per-request parts of ad i of break br into st: its AdServingId (the
 * next ordinal of r), signed tracking URLs and expanded click-through.
 * 0, or -1 when a URL cannot be signed.
 */
static int ad_request_parts(struct serving *sv, struct serving_result *r, struct macros_ctx *mc,
                            const struct serving_break *br, size_t i, struct ad_store *st,
                            struct serving_strings *strs)
{
    const struct decision_ad *d = &br->ads[i];
    const struct snapshot_campaign *c = snapshot_campaign(r->snap, d->campaign);
    const struct snapshot_creative *cr = snapshot_creative(r->snap, d->creative);
    struct trackurl_event ev;
    uint32_t slot = slot_of(br, d);
    unsigned ord = ++r->ordinal;

    memcpy(st->serving_id, r->rid, sizeof(st->serving_id));
    snprintf(st->serving_id + 32, 5, "%02x%02x", slot < 255 ? slot : 255u,
             ord < 255 ? ord : 255u);
    memset(&ev, 0, sizeof(ev));
    memcpy(ev.ad_serving_id, st->serving_id, sizeof(ev.ad_serving_id));
    snprintf(ev.campaign_id, sizeof(ev.campaign_id), "%s", c->id);
    snprintf(ev.creative_id, sizeof(ev.creative_id), "%s", cr->id);
    ev.issued_at = r->now_ms / 1000;
    cap_key_bytes(r->cap_key, ev.cap_key);

    ev.price_micros = price_of(c, TRACKURL_IMPRESSION);
    st->imp.url = keep(strs, sign(sv, r, &ev, TRACKURL_IMPRESSION));
    st->imp.id = st->serving_id;
    ev.price_micros = 0;
    st->error_urls[0] = keep(strs, sign(sv, r, &ev, TRACKURL_ERROR));
    for (size_t k = 0; k < NEVENTS; k++) {
        ev.price_micros = price_of(c, events[k].tt);
        st->tracking[k].event = events[k].ve;
        st->tracking[k].url = keep(strs, sign(sv, r, &ev, events[k].tt));
        if (st->tracking[k].url == NULL)
            return -1;
    }
    ev.price_micros = price_of(c, TRACKURL_CLICK);
    st->click_tracking[0] = keep(strs, sign(sv, r, &ev, TRACKURL_CLICK));
    if (st->imp.url == NULL || st->error_urls[0] == NULL || st->click_tracking[0] == NULL)
        return -1;
    st->click_through = NULL;
    if (c->click_url != NULL && c->click_url[0] != '\0') {
        struct buf u;
        mc->ad_serving_id = st->serving_id;
        buf_init(&u, 8192);
        if (macros_expand(mc, c->click_url, &u) == 0 && buf_putc(&u, '\0') == 0)
            st->click_through = keep(strs, buf_detach(&u, NULL));
        else
            buf_release(&u);
    }
    return 0;
}

/* base + path, kept in the answer's strings (ctx). */
static char *join_kept(void *ctx, const char *base, const char *path)
{
    size_t bl = strlen(base), pl = strlen(path);
    char *s = xmalloc(bl + pl + 1);

    memcpy(s, base, bl);
    memcpy(s + bl, path, pl + 1);
    return keep(ctx, s);
}

/*
 * The advertiser's own trackers and verifications of creative cr, after our
 * signed URLs: their macros are filled for this ad (vast/trackers.h), the
 * block holding them lives as long as strs.
 */
static int add_thirdparty(const struct snapshot_creative *cr, struct macros_ctx *mc,
                          const char *serving_id, struct vast_ad *a, struct serving_strings *strs)
{
    void *block = NULL;

    mc->ad_serving_id = serving_id;
    if (trackers_ad_fill(cr->trackers, mc, a, &block) != 0)
        return -1;
    if (block != NULL)
        keep(strs, block);
    return 0;
}

int serving_ads(struct serving *sv, struct serving_result *r, const struct adparams *p, size_t b,
                struct vast_ad *ads, size_t *n, struct serving_strings *strs)
{
    const struct serving_break *br = &r->breaks[b];
    struct macros_ctx mc;

    *n = 0;
    macros_of(&mc, r, p);
    for (size_t i = 0; i < br->n && i < DECISION_MAX_ADS; i++) {
        const struct decision_ad *d = &br->ads[i];
        const struct snapshot_creative *cr = snapshot_creative(r->snap, d->creative);
        struct ad_store *st = keep_block(strs, sizeof(*st));
        struct vast_ad *a = &ads[i];

        if (ad_request_parts(sv, r, &mc, br, i, st, strs) != 0)
            return -1;
        ad_static(snapshot_campaign(r->snap, d->campaign), cr, a, &st->media);
        if (rebase_media(a, r->base, &st->rebase, join_kept, strs) != 0)
            return -1;
        a->sequence = br->n > 1 ? d->sequence : 0;
        a->ad_serving_id = st->serving_id;
        a->impressions = &st->imp;
        a->n_impressions = 1;
        a->error_urls = st->error_urls;
        a->n_error_urls = 1;
        a->tracking = st->tracking;
        a->n_tracking = NEVENTS;
        a->click_tracking = st->click_tracking;
        a->n_click_tracking = 1;
        a->click_through = st->click_through;
        if (cr->trackers != NULL && add_thirdparty(cr, &mc, st->serving_id, a, strs) != 0)
            return -1;
        (*n)++;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Fragments: built per snapshot, spliced per request
 * ------------------------------------------------------------------------ */

/* Marker-based URLs of one creative's template, in a fixed scratch area. */
struct marker_urls {
    char buf[(MEDIA_FILES_MAX + 1) * 2 * 1024];
    size_t used;
};

static char *join_marker(void *ctx, const char *marker, const char *path)
{
    struct marker_urls *mu = ctx;
    size_t left = sizeof(mu->buf) - mu->used;
    int n = snprintf(mu->buf + mu->used, left, "%s%s", marker, path);
    char *out = mu->buf + mu->used;

    if (n < 0 || (size_t)n >= left)
        return NULL;
    mu->used += (size_t)n + 1;
    return out;
}

/* Runs on the catalog thread before a snapshot is published (snapshot.h). */
static struct vast_prerender *prerender_build(const struct snapshot *s, void *ctx)
{
    uint32_t n = snapshot_creative_count(s);
    struct vast_prerender *pr = vast_prerender_new(n);

    (void)ctx; /* the base is a slot: nothing of the serving context is baked in */
    for (uint32_t i = 0; i < n; i++) {
        const struct snapshot_creative *cr = snapshot_creative(s, i);
        const struct snapshot_campaign *c = snapshot_campaign(s, cr->campaign);
        struct vast_ad a;
        struct vast_media_file media;
        struct vast_impression imp;
        struct vast_tracking tracking[NEVENTS];
        const char *ct[1], *eu[1];
        struct media_rebase mr;
        struct marker_urls mu = {.used = 0};

        /*
         * Third-party trackers and verifications carry this request's macro
         * values in URLs of their own: such a creative is rendered by the
         * tree per request (vast_prerender_ad() answers 1 for it).
         */
        if (cr->trackers != NULL)
            continue;
        ad_static(c, cr, &a, &media);
        /* A creative served by the ad listener itself: its base is the request's. */
        if (rebase_media(&a, vast_prerender_marker(VAST_SLOT_BASE), &mr, join_marker, &mu) != 0)
            continue; /* left to the tree renderer, per request */
        a.ad_serving_id = vast_prerender_marker(VAST_SLOT_SERVING_ID);
        imp.url = vast_prerender_marker(VAST_SLOT_IMPRESSION);
        imp.id = vast_prerender_marker(VAST_SLOT_SERVING_ID);
        a.impressions = &imp;
        a.n_impressions = 1;
        eu[0] = vast_prerender_marker(VAST_SLOT_ERROR);
        a.error_urls = eu;
        a.n_error_urls = 1;
        for (size_t k = 0; k < NEVENTS; k++) {
            memset(&tracking[k], 0, sizeof(tracking[k]));
            tracking[k].event = events[k].ve;
            tracking[k].url = vast_prerender_marker((enum vast_slot)(VAST_SLOT_TRACKING + k));
        }
        a.tracking = tracking;
        a.n_tracking = NEVENTS;
        ct[0] = vast_prerender_marker(VAST_SLOT_CLICK_TRACKING);
        a.click_tracking = ct;
        a.n_click_tracking = 1;
        if (c->click_url != NULL && c->click_url[0] != '\0')
            a.click_through = vast_prerender_marker(VAST_SLOT_CLICK_THROUGH);
        /* 1: this creative is rendered by the tree per request; -1 cannot happen (xalloc). */
        (void)vast_prerender_add(pr, i, &a);
    }
    return pr;
}

/* The slot values of one ad (the base is set once per answer). */
static void ad_values(const struct ad_store *st, const char *seq,
                      const char *values[VAST_SLOT_COUNT])
{
    values[VAST_SLOT_SERVING_ID] = st->serving_id;
    values[VAST_SLOT_SEQUENCE] = seq;
    values[VAST_SLOT_IMPRESSION] = st->imp.url;
    values[VAST_SLOT_ERROR] = st->error_urls[0];
    values[VAST_SLOT_CLICK_TRACKING] = st->click_tracking[0];
    values[VAST_SLOT_CLICK_THROUGH] = st->click_through;
    for (size_t k = 0; k < NEVENTS; k++)
        values[VAST_SLOT_TRACKING + k] = st->tracking[k].url;
}

int serving_render_vast(struct serving *sv, struct serving_result *r, const struct adparams *p,
                        size_t b, enum vast_version v, struct buf *out,
                        struct serving_strings *strs, size_t *n)
{
    const struct serving_break *br = &r->breaks[b];
    const struct vast_prerender *pr = snapshot_prerender(r->snap);
    const char *values[VAST_SLOT_COUNT];
    size_t mark = out->len;
    unsigned ordinal = r->ordinal;
    struct macros_ctx mc;
    char seq[12];
    int rc;

    if (br->n == 0)
        return 1; /* a no-fill has nothing to splice */
    /* The signed URLs start with the base: outside the alphabet, only the tree can escape it. */
    if (pr == NULL || !vast_prerender_value_ok(VAST_SLOT_BASE, r->base))
        goto fallback;
    for (size_t i = 0; i < br->n; i++)
        if (!vast_prerender_has(pr, br->ads[i].creative))
            goto fallback;
    macros_of(&mc, r, p);
    if (vast_prerender_open(pr, v, out) != 0)
        goto fallback;
    memset(values, 0, sizeof(values));
    values[VAST_SLOT_BASE] = r->base;
    for (size_t i = 0; i < br->n && i < DECISION_MAX_ADS; i++) {
        const struct decision_ad *d = &br->ads[i];
        const struct snapshot_campaign *c = snapshot_campaign(r->snap, d->campaign);
        struct ad_store *st = keep_block(strs, sizeof(*st));

        if (ad_request_parts(sv, r, &mc, br, i, st, strs) != 0)
            return -1;
        /* The fragment has a ClickThrough: a failed expansion must drop it, as the tree does. */
        if (c->click_url != NULL && c->click_url[0] != '\0' && st->click_through == NULL)
            goto fallback;
        seq[0] = '\0';
        if (br->n > 1 && d->sequence > 0)
            snprintf(seq, sizeof(seq), "%u", d->sequence);
        ad_values(st, seq, values);
        rc = vast_prerender_ad(pr, d->creative, v, values, out);
        if (rc < 0)
            return -1;
        if (rc > 0)
            goto fallback;
    }
    if (vast_prerender_close(pr, v, out) != 0)
        goto fallback;
    *n = br->n;
    atomic_fetch_add(&sv->renders_spliced, 1);
    return 0;
fallback:
    out->len = mark;
    r->ordinal = ordinal;
    atomic_fetch_add(&sv->renders_tree, 1);
    return 1;
}

int serving_render_vmap(struct serving *sv, struct serving_result *r, const struct adparams *p,
                        const struct vmap_break *breaks, struct buf *out,
                        struct serving_strings *strs, size_t *total)
{
    const struct vast_prerender *pr = snapshot_prerender(r->snap);
    const char *values[VAST_SLOT_COUNT];
    size_t mark = out->len, n = 0;
    unsigned ordinal = r->ordinal;
    struct macros_ctx mc;
    char seq[12], off[16];
    int rc;

    /* An empty break is an inline no-fill: the tree writes those. */
    if (pr == NULL || r->n_breaks == 0 || !vast_prerender_value_ok(VAST_SLOT_BASE, r->base))
        goto fallback;
    for (size_t b = 0; b < r->n_breaks; b++) {
        if (r->breaks[b].n == 0 || breaks[b].break_id == NULL || breaks[b].break_id[0] == '\0')
            goto fallback;
        for (size_t i = 0; i < r->breaks[b].n; i++)
            if (!vast_prerender_has(pr, r->breaks[b].ads[i].creative))
                goto fallback;
    }
    macros_of(&mc, r, p);
    memset(values, 0, sizeof(values));
    values[VAST_SLOT_BASE] = r->base;
    if (vast_prerender_vmap_open(pr, out) != 0)
        goto fallback;
    for (size_t b = 0; b < r->n_breaks; b++) {
        const struct serving_break *br = &r->breaks[b];

        vmap_time_offset(&breaks[b], off);
        if (vast_prerender_vmap_break_open(pr, off, breaks[b].break_id, out) != 0)
            goto fallback;
        for (size_t i = 0; i < br->n && i < DECISION_MAX_ADS; i++) {
            const struct decision_ad *d = &br->ads[i];
            const struct snapshot_campaign *c = snapshot_campaign(r->snap, d->campaign);
            struct ad_store *st = keep_block(strs, sizeof(*st));

            if (ad_request_parts(sv, r, &mc, br, i, st, strs) != 0)
                return -1;
            if (c->click_url != NULL && c->click_url[0] != '\0' && st->click_through == NULL)
                goto fallback;
            seq[0] = '\0';
            if (br->n > 1 && d->sequence > 0)
                snprintf(seq, sizeof(seq), "%u", d->sequence);
            ad_values(st, seq, values);
            rc = vast_prerender_vmap_ad(pr, d->creative, values, out);
            if (rc < 0)
                return -1;
            if (rc > 0)
                goto fallback;
            n++;
        }
        if (vast_prerender_vmap_break_close(pr, out) != 0)
            goto fallback;
    }
    if (vast_prerender_vmap_close(pr, out) != 0)
        goto fallback;
    *total = n;
    atomic_fetch_add(&sv->vmap_spliced, 1);
    return 0;
fallback:
    out->len = mark;
    r->ordinal = ordinal;
    atomic_fetch_add(&sv->vmap_tree, 1);
    return 1;
}

/* ------------------------------------------------------------------------
 * After the response
 * ------------------------------------------------------------------------ */

/* The after-response release: its command, copied (no snapshot reference needed). */
struct release_state {
    struct kv_async_job job; /* first: see job_new() */
    struct serving *sv;
};

/* Runs on the Redis I/O thread (or in kv_async_submit when refused at once). */
static void release_done(struct kv_async_job *job, enum kv_async_status s, const redisReply *rep)
{
    struct release_state *st = (struct release_state *)job;

    /* Slots not freed here expire after their hold: a failed release costs reach, not caps. */
    if (s == KV_ASYNC_OK && rep->type == REDIS_REPLY_INTEGER)
        atomic_fetch_add(&st->sv->releases, 1);
    free(st);
}

/* The request's decision works go back to this thread's pool (or are freed). */
static void works_return(struct serving *sv, struct serving_result *r)
{
    struct thread_state *ts = thread_state(sv);

    for (size_t b = 0; b < r->n_breaks; b++) {
        struct decision_work *w = r->breaks[b].w;
        r->breaks[b].w = NULL;
        if (w == NULL)
            continue;
        if (ts != NULL && ts->n_pool < WORK_POOL_MAX)
            ts->pool[ts->n_pool++] = w;
        else
            decision_work_free(w);
    }
    r->owns_works = 0;
}

void *serving_done(struct serving *sv, struct serving_result *r)
{
    struct release_state *st = NULL;
    struct thread_state *ts;

    free(r->caps.call); /* set only when serving_continue() never ran */
    r->caps.call = NULL;
    if (r->owns_works)
        works_return(sv, r);
    if (r->snap == NULL)
        return NULL;
    /* The arguments copy the campaign ids: the snapshot can go now. */
    ts = r->n_release > 0 ? thread_state(sv) : NULL;
    if (ts != NULL && freqcap_release_args(&ts->args, sv->sha_release, r->cap_key, r->rid,
                                           r->release, r->n_release) == 0) {
        st = job_new(sizeof(*st), &ts->args);
        st->sv = sv;
        st->job.done = release_done;
    }
    snapshot_release(r->snap);
    r->snap = NULL;
    return st;
}

void serving_after(void *state)
{
    struct release_state *st = state;

    if (st != NULL)
        kv_async_submit(st->sv->io, &st->job);
}

/* ------------------------------------------------------------------------
 * Metrics
 * ------------------------------------------------------------------------ */

static size_t route_index(const char *route)
{
    for (size_t i = 0; i + 1 < NROUTES; i++)
        if (strcmp(routes[i], route) == 0)
            return i;
    return NROUTES - 1;
}

void serving_count(struct serving *sv, const char *route, size_t ads, const char *no_fill)
{
    size_t ri = route_index(route);

    atomic_fetch_add(&sv->requests[ri], 1);
    if (ads > 0) {
        atomic_fetch_add(&sv->filled[ri], 1);
        atomic_fetch_add(&sv->ads[ri], ads);
        return;
    }
    for (int code = 0; code < NOFILL_COUNT; code++) {
        if (no_fill != NULL && strcmp(nofill_name(code), no_fill) == 0) {
            atomic_fetch_add(&sv->nofill[code], 1);
            return;
        }
    }
}

int serving_metrics(struct serving *sv, struct buf *out)
{
    struct kv_async_stats io;
    int rc = 0;

    rc |= buf_puts(out, "# HELP adserverd_ad_decisions_total Ad decisions by route and result.\n"
                        "# TYPE adserverd_ad_decisions_total counter\n");
    for (size_t i = 0; i < NROUTES; i++) {
        unsigned long req = atomic_load(&sv->requests[i]), fill = atomic_load(&sv->filled[i]);
        rc |= buf_printf(out,
                         "adserverd_ad_decisions_total{route=\"%s\",result=\"fill\"} %lu\n"
                         "adserverd_ad_decisions_total{route=\"%s\",result=\"no_fill\"} %lu\n",
                         routes[i], fill, routes[i], req - fill);
    }
    rc |= buf_puts(out, "# HELP adserverd_ads_served_total Ads placed in answers, by route.\n"
                        "# TYPE adserverd_ads_served_total counter\n");
    for (size_t i = 0; i < NROUTES; i++)
        rc |= buf_printf(out, "adserverd_ads_served_total{route=\"%s\"} %lu\n", routes[i],
                         atomic_load(&sv->ads[i]));
    rc |= buf_puts(out, "# HELP adserverd_ad_no_fill_total No-fill answers by reason.\n"
                        "# TYPE adserverd_ad_no_fill_total counter\n");
    for (int code = 0; code < NOFILL_COUNT; code++)
        rc |= buf_printf(out, "adserverd_ad_no_fill_total{reason=\"%s\"} %lu\n",
                         nofill_name(code), atomic_load(&sv->nofill[code]));
    rc |= buf_printf(out,
                     "# HELP adserverd_freqcap_errors_total Reserve calls without a usable reply "
                     "(capped candidates skipped).\n"
                     "# TYPE adserverd_freqcap_errors_total counter\n"
                     "adserverd_freqcap_errors_total %lu\n"
                     "# HELP adserverd_freqcap_releases_total Release calls after responses.\n"
                     "# TYPE adserverd_freqcap_releases_total counter\n"
                     "adserverd_freqcap_releases_total %lu\n",
                     atomic_load(&sv->redis_errors) + atomic_load(&sv->cap_timeouts) +
                         atomic_load(&sv->cap_unavailable),
                     atomic_load(&sv->releases));
    kv_async_stats(sv->io, &io);
    rc |= buf_printf(
        out,
        "# HELP adserverd_freqcap_timeouts_total Reserve calls not answered within "
        "cap_timeout_ms (uncapped candidates served).\n"
        "# TYPE adserverd_freqcap_timeouts_total counter\n"
        "adserverd_freqcap_timeouts_total %lu\n"
        "# HELP adserverd_freqcap_unavailable_total Reserve calls answered at once because "
        "Redis was unreachable or the queue full (uncapped candidates served).\n"
        "# TYPE adserverd_freqcap_unavailable_total counter\n"
        "adserverd_freqcap_unavailable_total %lu\n"
        "# HELP adserverd_freqcap_pipelines_total Round trips of the Redis I/O thread.\n"
        "# TYPE adserverd_freqcap_pipelines_total counter\n"
        "adserverd_freqcap_pipelines_total %lu\n"
        "# HELP adserverd_freqcap_commands_total Reserve and release calls sent in them.\n"
        "# TYPE adserverd_freqcap_commands_total counter\n"
        "adserverd_freqcap_commands_total %lu\n",
        atomic_load(&sv->cap_timeouts), atomic_load(&sv->cap_unavailable), io.pipelines,
        io.commands);
    rc |= buf_printf(out,
                     "# HELP adserverd_vast_renders_total Filled VAST answers by how they "
                     "were made: spliced from pre-rendered fragments or built as a tree.\n"
                     "# TYPE adserverd_vast_renders_total counter\n"
                     "adserverd_vast_renders_total{path=\"fragments\"} %lu\n"
                     "adserverd_vast_renders_total{path=\"tree\"} %lu\n"
                     "# HELP adserverd_vmap_renders_total Inline VMAP answers by how they "
                     "were made.\n"
                     "# TYPE adserverd_vmap_renders_total counter\n"
                     "adserverd_vmap_renders_total{path=\"fragments\"} %lu\n"
                     "adserverd_vmap_renders_total{path=\"tree\"} %lu\n",
                     atomic_load(&sv->renders_spliced), atomic_load(&sv->renders_tree),
                     atomic_load(&sv->vmap_spliced), atomic_load(&sv->vmap_tree));
    return rc != 0 ? -1 : 0;
}
