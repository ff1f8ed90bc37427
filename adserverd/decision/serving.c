/*
 * serving: see serving.h. Hot path: no allocation but the rendered
 * strings, no lock, at most one Redis round trip.
 */
#include "decision/serving.h"
#include "core/app.h"
#include "lib/clock.h"
#include "core/config.h"
#include "redis/kv.h"
#include "lib/log.h"
#include "vast/macros.h"
#include "decision/snapshot.h"
#include "vast/trackers.h"
#include "vast/trackurl.h"
#include "util/uuid.h"
#include "lib/version.h"
#include "lib/xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATEGORY_AUTHORITY "https://iabtechlab.com/standards/content-taxonomy/"

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
    pthread_key_t key;
    atomic_ulong requests[NROUTES];
    atomic_ulong filled[NROUTES];
    atomic_ulong ads[NROUTES];
    atomic_ulong nofill[NOFILL_COUNT];
    atomic_ulong redis_errors;
    atomic_ulong releases;
};

struct thread_state {
    struct decision_work *w[SERVING_MAX_BREAKS];
    struct freqcap_args args;
};

static void thread_state_free(void *p)
{
    struct thread_state *ts = p;

    if (ts == NULL)
        return;
    for (size_t i = 0; i < SERVING_MAX_BREAKS; i++)
        decision_work_free(ts->w[i]);
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
        ts->w[i] = decision_work_new();
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
    return sv;
fail:
    free(sv);
    return NULL;
}

void serving_free(struct serving *sv)
{
    if (sv == NULL)
        return;
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

/* How far a campaign got; the furthest one names a no-fill. */
static int reason_rank(enum decision_reason r)
{
    switch (r) {
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

/* The no-fill reason code of a decided break. */
static int break_nofill(const struct snapshot *s, struct decision_work *w)
{
    uint32_t n = snapshot_campaign_count(s);
    int best = -1, code = NOFILL_EMPTY;
    struct decision_explain e;

    for (uint32_t i = 0; i < n; i++) {
        if (decision_explain(w, i, &e) != 0 || e.reason == DECISION_NOT_REQUESTED)
            continue;
        if (reason_rank(e.reason) > best) {
            best = reason_rank(e.reason);
            code = (int)e.reason;
        }
    }
    return code;
}

/* The one reserve call; granted[] per merged item, all zero on any failure. */
static void reserve(struct serving *sv, struct thread_state *ts, struct serving_result *r,
                    const struct freqcap_item *items, size_t n, int64_t hold_ms,
                    uint32_t *granted)
{
    redisReply *rep;
    long long vals[FREQCAP_MAX_ITEMS];

    memset(granted, 0, n * sizeof(*granted));
    if (freqcap_reserve_args(&ts->args, sv->sha_reserve, r->cap_key, r->rid, r->now_ms, hold_ms,
                             items, n) != 0)
        return;
    r->redis_calls = 1;
    rep = kv_command_argv(sv->app->kv, ts->args.argc, ts->args.argv, ts->args.argvlen);
    if (rep != NULL && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        /* Redis lost its script cache (restart, SCRIPT FLUSH): send the text once. */
        freeReplyObject(rep);
        ts->args.argv[0] = "EVAL";
        ts->args.argvlen[0] = 4;
        ts->args.argv[1] = freqcap_script(FREQCAP_SCRIPT_RESERVE);
        ts->args.argvlen[1] = strlen(ts->args.argv[1]);
        rep = kv_command_argv(sv->app->kv, ts->args.argc, ts->args.argv, ts->args.argvlen);
    }
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != n) {
        atomic_fetch_add(&sv->redis_errors, 1);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (rep->element[i]->type != REDIS_REPLY_INTEGER) {
            atomic_fetch_add(&sv->redis_errors, 1);
            goto out;
        }
        vals[i] = rep->element[i]->integer;
    }
    if (freqcap_reserve_check(items, n, vals, n, granted) != 0) {
        memset(granted, 0, n * sizeof(*granted));
        atomic_fetch_add(&sv->redis_errors, 1);
    }
out:
    if (rep != NULL)
        freeReplyObject(rep);
}

static void make_rid(char rid[37])
{
    if (uuid_v4(rid) != 0)
        snprintf(rid, 37, "00000000-0000-4000-8000-000000000000");
    memcpy(rid + 32, "0000", 4);
}

int serving_decide(struct serving *sv, const struct adparams *p, const struct decision_pod *pods,
                   const int64_t *hold_ms, size_t n_breaks, int want_reserve,
                   struct serving_result *r)
{
    struct thread_state *ts = thread_state(sv);
    struct decision_options opts = decision_options_default();
    struct decision_rng rng;
    struct freqcap_item items[FREQCAP_MAX_ITEMS];
    uint32_t asked_before[SERVING_MAX_BREAKS][DECISION_MAX_ADS + DECISION_MAX_SPARE];
    uint32_t granted[FREQCAP_MAX_ITEMS];
    uint32_t merged_cap[FREQCAP_MAX_ITEMS];
    size_t n_items = 0;
    int64_t hold = 0;
    struct targeting_request treq;
    enum freqcap_source src;

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
    r->snap = snapshot_acquire(sv->app->snapshots);
    for (size_t b = 0; b < n_breaks; b++)
        r->breaks[b].no_fill = nofill_name(NOFILL_CATALOG);
    if (r->snap == NULL)
        return 0;
    if (p->campaign_id != NULL) {
        uint32_t idx;
        if (snapshot_campaign_find(r->snap, p->campaign_id, &idx) != 0) {
            for (size_t b = 0; b < n_breaks; b++)
                r->breaks[b].no_fill = nofill_name(NOFILL_UNKNOWN_CAMPAIGN);
            return 0;
        }
        opts.only_campaign = idx;
    }
    treq = p->t;
    treq.now_ms = r->now_ms;
    decision_rng_seed(&rng, (uint64_t)r->now_ms ^ ((uint64_t)strtoul(r->rid, NULL, 16) << 20));

    /* Phase 1 for every break; merge the capped campaigns they want. */
    for (size_t b = 0; b < n_breaks; b++) {
        struct serving_break *br = &r->breaks[b];
        const struct decision_reserve *res;
        size_t nres;

        br->w = thread_work(ts, b);
        if (decision_candidates(br->w, r->snap, &treq, &pods[b], &opts, sv->app->spend_src,
                                &rng) != 0)
            return -1;
        res = decision_reserves(br->w, &nres);
        for (size_t k = 0; k < nres && k < DECISION_MAX_ADS + DECISION_MAX_SPARE; k++) {
            const struct snapshot_campaign *c = snapshot_campaign(r->snap, res[k].campaign);
            size_t m;
            for (m = 0; m < n_items; m++)
                if (merged_cap[m] == res[k].campaign)
                    break;
            if (m == n_items) {
                if (n_items == FREQCAP_MAX_ITEMS) {
                    asked_before[b][k] = UINT32_MAX; /* no room in the call: denied */
                    continue;
                }
                merged_cap[m] = res[k].campaign;
                items[m].campaign_id = c->id;
                items[m].caps = &c->caps;
                items[m].zone = c->zone;
                items[m].slots = 0;
                items[m].slots_end = 0;
                n_items++;
            }
            asked_before[b][k] = items[m].slots;
            items[m].slots += res[k].slots;
        }
        if (hold_ms[b] > hold)
            hold = hold_ms[b];
    }
    if (n_items > 0 && want_reserve && r->has_cap_key)
        reserve(sv, ts, r, items, n_items, hold, granted);
    else if (n_items > 0 && !want_reserve)
        for (size_t m = 0; m < n_items; m++)
            granted[m] = items[m].slots;
    else
        memset(granted, 0, sizeof(granted));

    /* Phase 2: each break gets the granted slots in break order. */
    for (size_t b = 0; b < n_breaks; b++) {
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
            if (asked_before[b][k] == UINT32_MAX)
                continue;
            for (m = 0; m < n_items; m++)
                if (merged_cap[m] == res[k].campaign)
                    break;
            if (m < n_items && granted[m] > asked_before[b][k]) {
                uint32_t left = granted[m] - asked_before[b][k];
                g[k] = left < res[k].slots ? left : res[k].slots;
            }
            br->res_campaign[k] = res[k].campaign;
            br->res_offset[k] = asked_before[b][k];
        }
        br->n_res = nres;
        if (decision_choose(br->w, g, nres) != 0)
            return -1;
        br->ads = decision_ads(br->w, &br->n);
        br->no_fill = br->n == 0 ? nofill_name(snapshot_campaign_count(r->snap) == 0
                                                   ? NOFILL_EMPTY
                                                   : break_nofill(r->snap, br->w))
                                 : NULL;
        /* Unused granted slots, merged per campaign, for the release. */
        if (want_reserve && r->redis_calls > 0) {
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
    }
    return 0;
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
    for (int i = 0; i < TRACKURL_CAP_KEY_LEN; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
}

static char *sign(struct serving *sv, struct trackurl_event *ev, enum trackurl_type t)
{
    char *url = NULL;

    ev->type = t;
    if (trackurl_sign(sv->app->track_key, sv->app->track_key_len, ev, sv->base, &url) != 0)
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
    return keep(strs, sign(sv, &ev, TRACKURL_NOFILL));
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
struct ad_store {
    struct vast_impression imp;
    struct vast_media_file media;
    struct vast_tracking tracking[NEVENTS];
    const char *click_tracking[1];
    const char *error_urls[1];
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
    macros_ctx_init(&mc);
    mc.now_ms = r->now_ms;
    mc.cachebuster = (long)(r->now_ms % 100000000);
    mc.limit_ad_tracking = p->lmt;
    mc.ifa = p->t.ifa;
    mc.ifa_type = p->t.ifa_type;
    mc.device_ua = p->t.ua;
    mc.device_ip = p->t.ip;
    mc.app_bundle = p->t.app_bundle;
    mc.gdpr_consent = p->gdpr_consent;
    mc.regulations = regulations(p);

    for (size_t i = 0; i < br->n && i < DECISION_MAX_ADS; i++) {
        const struct decision_ad *d = &br->ads[i];
        const struct snapshot_campaign *c = snapshot_campaign(r->snap, d->campaign);
        const struct snapshot_creative *cr = snapshot_creative(r->snap, d->creative);
        struct ad_store *st = keep_block(strs, sizeof(*st));
        struct vast_ad *a = &ads[i];
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

        memset(a, 0, sizeof(*a));
        a->id = cr->id;
        a->sequence = br->n > 1 ? d->sequence : 0;
        a->ad_serving_id = st->serving_id;
        a->ad_system = "adserverd";
        a->ad_system_version = ADSERVERD_VERSION;
        a->title = c->name != NULL && c->name[0] != '\0' && vast_text_ok(c->name) ? c->name
                                                                                 : "Ad";
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

        st->media.url = cr->media_url;
        st->media.delivery = VAST_DELIVERY_PROGRESSIVE;
        st->media.mime_type = cr->mime != NULL && cr->mime[0] != '\0' ? cr->mime : "video/mp4";
        st->media.width = cr->width ? cr->width : 1280;
        st->media.height = cr->height ? cr->height : 720;
        st->media.bitrate_kbps = cr->bitrate_kbps;
        a->media_files = &st->media;
        a->n_media_files = 1;

        ev.price_micros = price_of(c, TRACKURL_IMPRESSION);
        st->imp.url = keep(strs, sign(sv, &ev, TRACKURL_IMPRESSION));
        st->imp.id = st->serving_id;
        a->impressions = &st->imp;
        a->n_impressions = 1;
        ev.price_micros = 0;
        st->error_urls[0] = keep(strs, sign(sv, &ev, TRACKURL_ERROR));
        a->error_urls = st->error_urls;
        a->n_error_urls = 1;
        for (size_t k = 0; k < NEVENTS; k++) {
            ev.price_micros = price_of(c, events[k].tt);
            st->tracking[k].event = events[k].ve;
            st->tracking[k].url = keep(strs, sign(sv, &ev, events[k].tt));
            if (st->tracking[k].url == NULL)
                return -1;
        }
        a->tracking = st->tracking;
        a->n_tracking = NEVENTS;
        ev.price_micros = price_of(c, TRACKURL_CLICK);
        st->click_tracking[0] = keep(strs, sign(sv, &ev, TRACKURL_CLICK));
        a->click_tracking = st->click_tracking;
        a->n_click_tracking = 1;
        if (st->imp.url == NULL || st->error_urls[0] == NULL || st->click_tracking[0] == NULL)
            return -1;
        if (c->click_url != NULL && c->click_url[0] != '\0') {
            struct buf u;
            mc.ad_serving_id = st->serving_id;
            buf_init(&u, 8192);
            if (macros_expand(&mc, c->click_url, &u) == 0 && buf_putc(&u, '\0') == 0)
                a->click_through = keep(strs, buf_detach(&u, NULL));
            else
                buf_release(&u);
        }
        if (cr->trackers != NULL && add_thirdparty(cr, &mc, st->serving_id, a, strs) != 0)
            return -1;
        (*n)++;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * After the response
 * ------------------------------------------------------------------------ */

struct release_state {
    struct serving *sv;
    struct snapshot *snap; /* keeps the campaign ids alive */
    char cap_key[FREQCAP_KEY_HEX + 1];
    char rid[37];
    struct freqcap_item items[FREQCAP_MAX_ITEMS];
    size_t n;
};

void *serving_done(struct serving *sv, struct serving_result *r)
{
    struct release_state *st;

    if (r->snap == NULL)
        return NULL;
    if (r->n_release == 0) {
        snapshot_release(r->snap);
        r->snap = NULL;
        return NULL;
    }
    st = xcalloc(1, sizeof(*st));
    st->sv = sv;
    st->snap = r->snap;
    r->snap = NULL;
    memcpy(st->cap_key, r->cap_key, sizeof(st->cap_key));
    memcpy(st->rid, r->rid, sizeof(st->rid));
    memcpy(st->items, r->release, r->n_release * sizeof(st->items[0]));
    st->n = r->n_release;
    return st;
}

void serving_after(void *state)
{
    struct release_state *st = state;
    struct thread_state *ts;
    redisReply *rep;

    if (st == NULL)
        return;
    ts = thread_state(st->sv);
    if (ts != NULL && freqcap_release_args(&ts->args, st->sv->sha_release, st->cap_key, st->rid,
                                           st->items, st->n) == 0) {
        rep = kv_command_argv(st->sv->app->kv, ts->args.argc, ts->args.argv, ts->args.argvlen);
        if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
            strncmp(rep->str, "NOSCRIPT", 8) == 0) {
            freeReplyObject(rep);
            ts->args.argv[0] = "EVAL";
            ts->args.argvlen[0] = 4;
            ts->args.argv[1] = freqcap_script(FREQCAP_SCRIPT_RELEASE);
            ts->args.argvlen[1] = strlen(ts->args.argv[1]);
            rep = kv_command_argv(st->sv->app->kv, ts->args.argc, ts->args.argv,
                                  ts->args.argvlen);
        }
        if (rep != NULL)
            freeReplyObject(rep);
        atomic_fetch_add(&st->sv->releases, 1);
    }
    snapshot_release(st->snap);
    free(st);
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
                     "# HELP adserverd_freqcap_errors_total Reserve calls that failed (caps "
                     "treated as reached).\n"
                     "# TYPE adserverd_freqcap_errors_total counter\n"
                     "adserverd_freqcap_errors_total %lu\n"
                     "# HELP adserverd_freqcap_releases_total Release calls after responses.\n"
                     "# TYPE adserverd_freqcap_releases_total counter\n"
                     "adserverd_freqcap_releases_total %lu\n",
                     atomic_load(&sv->redis_errors), atomic_load(&sv->releases));
    return rc != 0 ? -1 : 0;
}
