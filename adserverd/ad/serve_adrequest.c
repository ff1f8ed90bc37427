/*
 * serve_adrequest: see serve_adrequest.h.
 */
#include "ad/serve_adrequest.h"
#include "decision/adparams.h"
#include "core/app.h"
#include "lib/log.h"
#include "http/http_server.h"
#include "http/reply.h"
#include "http/public_base.h"
#include "http/request.h"
#include "decision/serving.h"
#include "vast/vast.h"
#include "lib/xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOLD_MS (15 * 60 * 1000)
#define CONTEXT_MAX 32

static int invalid(struct request *req, const char *details)
{
    return reply_json(req, 400,
                      json_pack("{s:s,s:s}", "error", "Invalid request", "details", details));
}

/* Copy of a context value as text, kept alive in store until the request ends. */
static const char *text_of(json_t *v, char *store, size_t n)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_true(v))
        return "1";
    if (json_is_false(v))
        return "0";
    if (json_is_integer(v)) {
        snprintf(store, n, "%lld", (long long)json_integer_value(v));
        return store;
    }
    return NULL;
}

/* A request between its decision and its answer; lives in req->state. */
struct adrequest_state {
    struct adparams p;
    struct serving_result r;
    char nums[CONTEXT_MAX][24]; /* context numbers as text, borrowed by p */
};

static void state_free(void *state)
{
    free(state);
}

static int render(struct request *req, struct adrequest_state *st, int decided)
{
    struct serving *sv = req->app->serving;
    struct serving_result *rr = &st->r;
    struct serving_strings strs = {0};
    struct vast_ad ads[DECISION_MAX_ADS];
    char ts[96];
    size_t n = 0;
    int rc;

    if (!decided || serving_ads(sv, rr, &st->p, 0, ads, &n, &strs) != 0) {
        log_error("ad decision failed", "route", "ad_request");
        n = 0;
    }
    if (n == 0) {
        (void)request_add_header(req, "X-Adserverd-No-Fill",
                                 rr->breaks[0].no_fill ? rr->breaks[0].no_fill : "internal_error");
        rc = reply_empty(req, 204);
    } else {
        const struct vast_ad *a = &ads[0];
        const struct snapshot_campaign *c =
            snapshot_campaign(rr->snap, rr->breaks[0].ads[0].campaign);
        const char *mime = a->media_files[0].mime_type;
        const char *slash = strchr(mime, '/');
        time_t now = (time_t)(rr->now_ms / 1000);
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(rr->now_ms % 1000));
        rc = reply_json(req, 200,
                        json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s?,s:s,s:s}", "ad_id",
                                  a->ad_serving_id, "campaign_id", c->id, "creative_id",
                                  a->creative_id, "video_url", a->media_files[0].url, "duration",
                                  (json_int_t)((a->duration_ms + 500) / 1000), "format",
                                  slash != NULL ? slash + 1 : mime, "click_url", a->click_through,
                                  "tracking_url", a->impressions[0].url, "timestamp", ts));
    }
    serving_count(sv, "ad_request", n, n == 0 ? rr->breaks[0].no_fill : NULL);
    req->after_state = serving_done(sv, rr);
    req->after = serving_after;
    serving_strings_free(&strs);
    return rc;
}

/* The cap call answered (Redis I/O thread): let MHD call on_resumed. */
static void on_caps(void *ctx)
{
    http_server_resume(ctx);
}

static int on_resumed(struct request *req)
{
    struct adrequest_state *st = req->state;

    return render(req, st, serving_continue(req->app->serving, &st->r) == 0);
}

int serve_adrequest_post(struct request *req)
{
    struct serving *sv = req->app->serving;
    json_t *body = req->json, *ctx, *v;
    struct adrequest_state *st = xmalloc(sizeof(*st));
    struct adparams *p = &st->p;
    char err[256], details[320];
    static const char *const top[][2] = {{"device_id", "device_id"},
                                         {"device_type", "device_type"},
                                         {"app_id", "app_bundle"},
                                         {"user_agent", "ua"}};
    int64_t hold = HOLD_MS;
    int rc, k = 0;
    const char *key;

    /* p borrows the body's strings and st->nums until completion; st must not move. */
    req->state = st;
    req->state_free = state_free;
    if (!json_is_object(body))
        return invalid(req, "body must be a JSON object");
    v = json_object_get(body, "device_id");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return invalid(req, "device_id is required and must be a non-empty string");
    adparams_init(p);
    for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
        v = json_object_get(body, top[i][0]);
        if (v == NULL || json_is_null(v))
            continue;
        if (!json_is_string(v)) {
            snprintf(details, sizeof(details), "%s must be a string", top[i][0]);
            return invalid(req, details);
        }
        if (adparams_set(p, top[i][1], json_string_value(v), err, sizeof(err)) != 0) {
            snprintf(details, sizeof(details), "%s: %s", top[i][0], err);
            return invalid(req, details);
        }
    }
    ctx = json_object_get(body, "context");
    if (ctx != NULL && !json_is_null(ctx)) {
        if (!json_is_object(ctx))
            return invalid(req, "context must be an object");
        if (json_object_size(ctx) > CONTEXT_MAX)
            return invalid(req, "context has too many keys");
        json_object_foreach(ctx, key, v) {
            const char *t = text_of(v, st->nums[k], sizeof(st->nums[k]));
            k++;
            if (t == NULL) {
                snprintf(details, sizeof(details), "context.%.64s must be a string, number or boolean",
                         key);
                return invalid(req, details);
            }
            if (adparams_set(p, key, t, err, sizeof(err)) != 0) {
                snprintf(details, sizeof(details), "context: %s", err);
                return invalid(req, details);
            }
        }
    }
    if (adparams_finish(p, err, sizeof(err)) != 0)
        return invalid(req, err);
    p->pod.max_ads = 1;
    p->base = http_public_base(req);
    adparams_device(p, serving_proxies(sv), req->ip, request_header(req, "User-Agent"),
                    request_header(req, "X-Forwarded-For"), request_header(req, "X-Device-IP"),
                    request_header(req, "X-Device-User-Agent"));
    rc = serving_begin(sv, p, &p->pod, &hold, 1, 1, &st->r);
    if (rc == SERVING_CAPS) {
        http_server_suspend(req, on_resumed); /* before the submit: the wake may come first */
        serving_caps_submit(sv, &st->r, on_caps, req);
        return 0;
    }
    return render(req, st, rc == SERVING_READY);
}
