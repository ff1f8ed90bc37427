/*
 * api_explain: see api_explain.h.
 */
#include "admin/api_explain.h"
#include "decision/adparams.h"
#include "core/app.h"
#include "http/reply.h"
#include "http/request.h"
#include "ad/serve_vast.h"
#include "decision/serving.h"
#include "decision/snapshot.h"

#include <jansson.h>
#include <string.h>

static void put(json_t *o, const char *k, const char *v)
{
    if (v != NULL && v[0] != '\0')
        json_object_set_new(o, k, json_string(v));
}

static json_t *request_json(const struct adparams *p)
{
    json_t *o = json_object();

    put(o, "ifa", p->t.ifa);
    put(o, "ifa_type", p->t.ifa_type);
    put(o, "device_id", p->t.device_id);
    put(o, "ip", p->t.ip);
    put(o, "ua", p->t.ua);
    put(o, "device_type", p->t.device_type);
    put(o, "os", p->t.os);
    put(o, "country", p->t.country);
    put(o, "region", p->t.region);
    put(o, "dma", p->t.dma);
    put(o, "app_bundle", p->t.app_bundle);
    put(o, "app_name", p->app_name);
    put(o, "content_genre", p->t.content_genre);
    put(o, "content_rating", p->t.content_rating);
    put(o, "content_category", p->t.content_category);
    if (p->t.livestream != TARGETING_LIVE_UNKNOWN)
        json_object_set_new(o, "livestream", json_boolean(p->t.livestream == TARGETING_LIVE_YES));
    put(o, "us_privacy", p->us_privacy);
    if (p->gdpr >= 0)
        json_object_set_new(o, "gdpr", json_integer(p->gdpr));
    put(o, "campaign_id", p->campaign_id);
    json_object_set_new(o, "vast_version", json_string(vast_version_name(p->version)));
    json_object_set_new(o, "pod_max_ads", json_integer(p->pod.max_ads));
    if (p->pod.duration_s)
        json_object_set_new(o, "pod_duration", json_integer(p->pod.duration_s));
    if (p->pod.min_ad_s)
        json_object_set_new(o, "min_ad_duration", json_integer(p->pod.min_ad_s));
    if (p->pod.max_ad_s)
        json_object_set_new(o, "max_ad_duration", json_integer(p->pod.max_ad_s));
    return o;
}

int api_explain_get(struct request *req)
{
    struct serving *sv = req->app->serving;
    int admin = strcmp(req->user.role, "admin") == 0;
    struct adparams p;
    struct serving_result r;
    struct serving_break *br;
    json_t *chosen, *campaigns;
    int64_t hold = 0;
    char detail[256];

    if (serve_vast_params(req, &p) != 0)
        return 0;
    if (serving_decide(sv, &p, &p.pod, &hold, 1, 0, &r) != 0) {
        (void)serving_done(sv, &r);
        return reply_internal(req, 500, "decision failed");
    }
    br = &r.breaks[0];
    chosen = json_array();
    campaigns = json_array();
    for (size_t i = 0; i < br->n; i++) {
        const struct snapshot_campaign *c = snapshot_campaign(r.snap, br->ads[i].campaign);
        const struct snapshot_creative *cr = snapshot_creative(r.snap, br->ads[i].creative);
        if (!admin && (c->owner_id == NULL || strcmp(c->owner_id, req->user.id) != 0))
            continue;
        json_array_append_new(chosen, json_pack("{s:s,s:s,s:i}", "campaign_id", c->id,
                                                "creative_id", cr->id, "sequence",
                                                (int)br->ads[i].sequence));
    }
    if (r.snap != NULL && br->w != NULL) {
        uint32_t nc = snapshot_campaign_count(r.snap);
        for (uint32_t i = 0; i < nc; i++) {
            const struct snapshot_campaign *c = snapshot_campaign(r.snap, i);
            struct decision_explain e;
            if (!admin && (c->owner_id == NULL || strcmp(c->owner_id, req->user.id) != 0))
                continue;
            if (decision_explain(br->w, i, &e) != 0 ||
                decision_explain_format(br->w, i, detail, sizeof(detail)) != 0)
                continue;
            if (e.reason == DECISION_NOT_REQUESTED)
                continue;
            if (c->caps.per_hour || c->caps.per_day || c->caps.per_week)
                strncat(detail, " (frequency caps assumed open: explain does not reserve)",
                        sizeof(detail) - strlen(detail) - 1);
            json_array_append_new(campaigns,
                                  json_pack("{s:s,s:s,s:s,s:s}", "campaign_id", c->id, "name",
                                            c->name ? c->name : "", "reason",
                                            decision_reason_name(e.reason), "detail", detail));
        }
    }
    json_t *body = json_pack("{s:o,s:o,s:o,s:o}", "request", request_json(&p), "chosen", chosen,
                             "campaigns", campaigns, "no_fill_reason",
                             br->n == 0 ? json_string(br->no_fill) : json_null());
    (void)serving_done(sv, &r);
    return reply_json(req, 200, body);
}
