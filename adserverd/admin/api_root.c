/*
 * api_root: see api_root.h. /health writes and reads back a Redis key and
 * runs SELECT 1 (docs/admin-api.md); DISCONNECTED (Redis unreachable) is not
 * an error status, a failing command is.
 */
#include "admin/api_root.h"
#include "core/app.h"
#include "lib/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "util/isodate.h"
#include "redis/kv.h"
#include "core/metrics.h"
#include "decision/serving.h"
#include "ad/beacon.h"
#include "decision/spend.h"
#include "beacon/spool.h"
#include "beacon/spool_drain.h"
#include "http/http_server.h"
#include "http/reply.h"
#include "http/request.h"
#include "lib/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void now_iso(char out[ISODATE_SIZE])
{
    if (isodate_format(clock_wall_ms(), out) != 0)
        snprintf(out, ISODATE_SIZE, "1970-01-01T00:00:00.000Z");
}

int api_root_get(struct request *req)
{
    char ts[ISODATE_SIZE];

    now_iso(ts);
    return reply_json(req, 200,
                      json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s}}", "message",
                                "CTV Ad Server API Gateway", "version", ADSERVERD_API_VERSION,
                                "environment", req->app->cfg->node_env, "timestamp", ts,
                                "endpoints", "health", "/health", "auth", "/api/v1/auth",
                                "campaigns", "/api/v1/campaigns", "creatives",
                                "/api/v1/campaigns/:id/creatives", "analytics",
                                "/api/v1/analytics"));
}

static json_t *check_redis(struct app *app, int *error)
{
    int64_t t0 = clock_mono_ms();
    redisReply *r;
    int ok;

    if (!kv_connected(app->kv))
        return json_pack("{s:s}", "status", "DISCONNECTED");
    /* A connection that breaks during the probe is a disconnect (200), as the
     * reference's client reports it; only an error reply from Redis is an ERROR (503). */
    r = kv_command(app->kv, "SET health_check ok EX 10");
    if (r == NULL)
        return json_pack("{s:s}", "status", "DISCONNECTED");
    if (r->type == REDIS_REPLY_ERROR) {
        json_t *j = json_pack("{s:s,s:s}", "status", "ERROR", "error", r->str);
        freeReplyObject(r);
        *error = 1;
        return j;
    }
    freeReplyObject(r);
    r = kv_command(app->kv, "GET health_check");
    if (r == NULL)
        return json_pack("{s:s}", "status", "DISCONNECTED");
    if (r->type == REDIS_REPLY_ERROR) {
        json_t *j = json_pack("{s:s,s:s}", "status", "ERROR", "error", r->str);
        freeReplyObject(r);
        *error = 1;
        return j;
    }
    ok = r->type == REDIS_REPLY_STRING && strcmp(r->str, "ok") == 0;
    freeReplyObject(r);
    if (!ok)
        *error = 1;
    return json_pack("{s:s,s:I}", "status", ok ? "OK" : "ERROR", "latency",
                     (json_int_t)(clock_mono_ms() - t0));
}

static json_t *check_db(struct app *app, int *error)
{
    char err[256];
    double ms;

    if (db_ping(app->db, &ms, err, sizeof(err)) != 0) {
        *error = 1;
        return json_pack("{s:s,s:s}", "status", "ERROR", "error", err);
    }
    return json_pack("{s:s,s:I}", "status", "OK", "latency", (json_int_t)ms);
}

int api_root_health(struct request *req)
{
    char ts[ISODATE_SIZE];
    int error = 0;
    json_t *redis = check_redis(req->app, &error);
    json_t *db = check_db(req->app, &error);

    now_iso(ts);
    return reply_json(req, error ? 503 : 200,
                      json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:o,s:o}}", "status",
                                error ? "ERROR" : "OK", "timestamp", ts, "service", "api-gateway",
                                "version", ADSERVERD_API_VERSION, "environment",
                                req->app->cfg->node_env, "checks", "redis", redis, "database",
                                db));
}

int api_root_metrics(struct request *req)
{
    struct buf out;
    int size, in_use, connected;
    unsigned long resets, kconn, kfail;
    int rc;

    buf_init(&out, 4 * 1024 * 1024);
    db_pool_stats(req->app->db, &size, &in_use, &connected, &resets);
    kv_stats(req->app->kv, &kconn, &kfail);
    rc = metrics_render(req->app->metrics, &out);
    if (req->app->serving != NULL)
        rc |= serving_metrics(req->app->serving, &out);
    rc |= buf_printf(&out,
                     "# HELP adserverd_db_pool_connections PostgreSQL pool connections.\n"
                     "# TYPE adserverd_db_pool_connections gauge\n"
                     "adserverd_db_pool_connections{state=\"size\"} %d\n"
                     "adserverd_db_pool_connections{state=\"in_use\"} %d\n"
                     "adserverd_db_pool_connections{state=\"connected\"} %d\n"
                     "# HELP adserverd_db_reconnects_total PostgreSQL connections re-opened.\n"
                     "# TYPE adserverd_db_reconnects_total counter\n"
                     "adserverd_db_reconnects_total %lu\n"
                     "# HELP adserverd_redis_connects_total Redis connections opened.\n"
                     "# TYPE adserverd_redis_connects_total counter\n"
                     "adserverd_redis_connects_total %lu\n"
                     "# HELP adserverd_redis_failures_total Redis connections lost or refused.\n"
                     "# TYPE adserverd_redis_failures_total counter\n"
                     "adserverd_redis_failures_total %lu\n",
                     size, in_use, connected, resets, kconn, kfail);
    rc |= http_server_metrics(req->app->admin, req->app->ad, &out);
    rc |= beacon_metrics(req->app, &out);
    rc |= spool_drain_metrics(req->app->drain, &out);
    rc |= spend_metrics(req->app->spend, &out);
    if (rc != 0) {
        buf_release(&out);
        return -1;
    }
    rc = reply_data(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
    buf_release(&out);
    return rc;
}

int api_root_ad_health(struct request *req)
{
    /* a spool that refuses beacons (full, or a failed sync): take this instance out */
    if (req->app->spool != NULL && spool_refusing(req->app->spool))
        return reply_json(req, 503, json_pack("{s:s,s:s}", "status", "NOT_READY", "reason",
                                              "beacon spool full or failed"));
    return reply_json(req, 200, json_pack("{s:s}", "status", "OK"));
}
