/*
 * routes: the one route table of each listener, the whole API at a glance.
 *
 * It lives here, at the top of the daemon beside main.c, so the transport
 * (http/) never names a handler: handlers (admin/, ad/) point down at the
 * route types of http/route.h, this file points down at both, and main.c
 * hands each table to its listener. Adding an endpoint is one line here
 * plus its handler.
 *
 * Invariants: tables are static and never change after start, so every
 * worker reads them without a lock; the first matching entry wins; GET
 * entries also answer HEAD (the router's rule). Load: read on every
 * request, a linear scan of a few dozen entries.
 */
#include "routes.h"
#include "ad/beacon.h"
#include "ad/serve_adrequest.h"
#include "ad/serve_media.h"
#include "ad/serve_vast.h"
#include "ad/serve_vmap.h"
#include "admin/api_analytics.h"
#include "admin/api_auth.h"
#include "admin/api_campaigns.h"
#include "admin/api_creatives.h"
#include "admin/api_explain.h"
#include "admin/api_root.h"
#include "admin/api_series.h"
#include "admin/api_serving.h"
#include "admin/api_thirdparty.h"
#include "admin/api_uploads.h"

static const struct route admin_routes[] = {
    {"GET", "/", 0, api_root_get, NULL},
    {"GET", "/health", 0, api_root_health, NULL},
    {"GET", "/metrics", 0, api_root_metrics, NULL},
    {"POST", "/api/v1/auth/register", 0, api_auth_register, NULL},
    {"POST", "/api/v1/auth/login", 0, api_auth_login, NULL},
    {"GET", "/api/v1/auth/profile", ROUTE_AUTH, api_auth_profile, NULL},
    {"POST", "/api/v1/auth/logout", ROUTE_AUTH, api_auth_logout, NULL},
    {"POST", "/api/v1/auth/refresh", 0, api_auth_refresh, NULL},
    {"GET", "/api/v1/campaigns", ROUTE_AUTH, api_campaigns_list, NULL},
    {"POST", "/api/v1/campaigns", ROUTE_AUTH, api_campaigns_create, NULL},
    {"GET", "/api/v1/campaigns/:id", ROUTE_AUTH, api_campaigns_get, NULL},
    {"PUT", "/api/v1/campaigns/:id", ROUTE_AUTH, api_campaigns_update, NULL},
    {"PUT", "/api/v1/campaigns/:id/status", ROUTE_AUTH, api_campaigns_set_status, NULL},
    {"DELETE", "/api/v1/campaigns/:id", ROUTE_AUTH, api_campaigns_delete, NULL},
    {"GET", "/api/v1/campaigns/:id/stats", ROUTE_AUTH, api_campaigns_stats, NULL},
    {"GET", "/api/v1/campaigns/:id/targeting", ROUTE_AUTH, api_serving_targeting_get, NULL},
    {"PUT", "/api/v1/campaigns/:id/targeting", ROUTE_AUTH, api_serving_targeting_put, NULL},
    {"GET", "/api/v1/campaigns/:id/caps", ROUTE_AUTH, api_serving_caps_get, NULL},
    {"PUT", "/api/v1/campaigns/:id/caps", ROUTE_AUTH, api_serving_caps_put, NULL},
    {"GET", "/api/v1/campaigns/:id/pacing", ROUTE_AUTH, api_serving_pacing_get, NULL},
    {"PUT", "/api/v1/campaigns/:id/pacing", ROUTE_AUTH, api_serving_pacing_put, NULL},
    {"GET", "/api/v1/campaigns/:id/advertiser", ROUTE_AUTH, api_serving_advertiser_get, NULL},
    {"PUT", "/api/v1/campaigns/:id/advertiser", ROUTE_AUTH, api_serving_advertiser_put, NULL},
    {"GET", "/api/v1/campaigns/:id/vast-tag", ROUTE_AUTH, api_serving_vast_tag, NULL},
    {"GET", "/api/v1/campaigns/:id/trackers", ROUTE_AUTH, api_thirdparty_campaign_trackers_get,
     NULL},
    {"PUT", "/api/v1/campaigns/:id/trackers", ROUTE_AUTH, api_thirdparty_campaign_trackers_put,
     NULL},
    {"GET", "/api/v1/campaigns/:campaignId/creatives", ROUTE_AUTH, api_creatives_list, NULL},
    {"POST", "/api/v1/campaigns/:campaignId/creatives", ROUTE_AUTH | ROUTE_STREAM,
     api_uploads_create, api_uploads_begin},
    {"POST", "/api/v1/campaigns/:campaignId/creatives/upload-url", ROUTE_AUTH, api_uploads_url,
     NULL},
    {"GET", "/api/v1/creatives/:id/media", ROUTE_AUTH, api_uploads_media, NULL},
    {"GET", "/api/v1/creatives/:id", ROUTE_AUTH, api_creatives_get, NULL},
    {"PUT", "/api/v1/creatives/:id", ROUTE_AUTH, api_creatives_update, NULL},
    {"PUT", "/api/v1/creatives/:id/status", ROUTE_AUTH, api_creatives_set_status, NULL},
    {"DELETE", "/api/v1/creatives/:id", ROUTE_AUTH, api_creatives_delete, NULL},
    {"GET", "/api/v1/creatives/:id/stats", ROUTE_AUTH, api_creatives_stats, NULL},
    {"GET", "/api/v1/creatives/:id/trackers", ROUTE_AUTH, api_thirdparty_creative_trackers_get,
     NULL},
    {"PUT", "/api/v1/creatives/:id/trackers", ROUTE_AUTH, api_thirdparty_creative_trackers_put,
     NULL},
    {"GET", "/api/v1/creatives/:id/verifications", ROUTE_AUTH, api_thirdparty_verifications_get,
     NULL},
    {"PUT", "/api/v1/creatives/:id/verifications", ROUTE_AUTH, api_thirdparty_verifications_put,
     NULL},
    {"GET", "/api/v1/analytics/summary", ROUTE_AUTH, api_analytics_summary, NULL},
    {"GET", "/api/v1/analytics/campaigns/:id", ROUTE_AUTH, api_analytics_campaign, NULL},
    {"GET", "/api/v1/decisions/explain", ROUTE_AUTH, api_explain_get, NULL},
    {"POST", "/api/v1/track-impression", 0, beacon_track_impression, NULL},
    {"GET", "/api/v1/campaigns/:id/series", ROUTE_AUTH, api_series_get, NULL},
};

static const struct route ad_routes[] = {
    {"GET", "/health", 0, api_root_ad_health, NULL},
    {"GET", "/vast", 0, serve_vast_get, NULL},
    {"GET", "/vmap", 0, serve_vmap_get, NULL},
    {"GET", "/api/v1/vast", 0, serve_vast_campaign, NULL},
    {"POST", "/api/v1/ad-request", 0, serve_adrequest_post, NULL},
    {"GET", "/media/*", 0, serve_media_get, NULL},
    {"GET", "/t/:event", 0, beacon_track_get, NULL},
    {"POST", "/api/v1/impression", 0, beacon_legacy_impression, NULL},
};

const struct route_table routes_admin = {admin_routes,
                                         sizeof(admin_routes) / sizeof(admin_routes[0])};
const struct route_table routes_ad = {ad_routes, sizeof(ad_routes) / sizeof(ad_routes[0])};
