/*
 * catalog_load: the catalog builder's queries; see catalog_load.h.
 *
 * Three statements, run once per rebuild (at most a few per second, usually
 * one per refresh interval): campaigns joined with their serving, targeting
 * and cap rows; creatives of those campaigns joined with creative_media;
 * the exclusion table. Text arrays come back as JSON (to_json) so the only
 * array parser is jansson's; dayparts come back as seven columns.
 */
#include "decision/catalog_load.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "media/creative_url.h"
#include "lib/log.h"
#include "decision/snapshot.h"
#include "vast/trackers.h"
#include "lib/xalloc.h"

#define URL_BUF 2048

/* $1 status, $2 how long after end_date a campaign stays in the catalog. */
static const char campaigns_sql[] =
    "SELECT c.id::text AS id, c.created_by::text AS owner_id, c.name, c.status,"
    " (extract(epoch FROM c.start_date) * 1000)::bigint AS start_ms,"
    " (extract(epoch FROM c.end_date) * 1000)::bigint AS end_ms,"
    " c.pricing_model,"
    " (COALESCE(CASE c.pricing_model WHEN 'cpm' THEN c.cpm_rate WHEN 'cpc' THEN c.cpc_rate"
    "  WHEN 'cpv' THEN c.cpv_rate END, 0) * 1000000)::bigint AS rate_micros,"
    " (c.budget_total * 1000000)::bigint AS budget_total_micros,"
    " (COALESCE(c.budget_spent, 0) * 1000000)::bigint AS budget_spent_micros,"
    " COALESCE(s.priority, 5) AS priority, COALESCE(s.weight, 100) AS weight,"
    " COALESCE(s.pacing_mode, 'even') AS pacing_mode,"
    " COALESCE(s.time_zone, 'UTC') AS time_zone, s.advertiser_domain,"
    " to_json(COALESCE(s.iab_categories, '{}'::text[]))::text AS categories,"
    " s.click_through_url,"
    " to_json(COALESCE(t.countries, '{}'::text[]))::text AS countries,"
    " to_json(COALESCE(t.regions, '{}'::text[]))::text AS regions,"
    " to_json(COALESCE(t.dmas, '{}'::text[]))::text AS dmas,"
    " to_json(COALESCE(t.device_types, '{}'::text[]))::text AS device_types,"
    " to_json(COALESCE(t.os, '{}'::text[]))::text AS os,"
    " to_json(COALESCE(t.app_bundles, '{}'::text[]))::text AS app_bundles,"
    " to_json(COALESCE(t.content_genres, '{}'::text[]))::text AS content_genres,"
    " to_json(COALESCE(t.content_ratings, '{}'::text[]))::text AS content_ratings,"
    " to_json(COALESCE(t.content_categories, '{}'::text[]))::text AS content_categories,"
    " COALESCE(t.livestream, 'any') AS livestream,"
    " COALESCE(t.dayparts[1], 0) AS dp0, COALESCE(t.dayparts[2], 0) AS dp1,"
    " COALESCE(t.dayparts[3], 0) AS dp2, COALESCE(t.dayparts[4], 0) AS dp3,"
    " COALESCE(t.dayparts[5], 0) AS dp4, COALESCE(t.dayparts[6], 0) AS dp5,"
    " COALESCE(t.dayparts[7], 0) AS dp6,"
    " COALESCE(k.per_hour, 0) AS per_hour, COALESCE(k.per_day, 0) AS per_day,"
    " COALESCE(k.per_week, 0) AS per_week"
    " FROM campaigns c"
    " LEFT JOIN campaign_serving s ON s.campaign_id = c.id"
    " LEFT JOIN campaign_targeting t ON t.campaign_id = c.id"
    " LEFT JOIN campaign_caps k ON k.campaign_id = c.id"
    " WHERE c.status = $1 AND c.end_date > now() - $2::interval"
    " ORDER BY c.id";

/* $1 campaign status, $2 slack after end_date, $3 creative status. */
static const char creatives_sql[] =
    "SELECT cr.id::text AS id, cr.campaign_id::text AS campaign_id, cr.status,"
    " COALESCE(m.duration_ms, cr.duration::bigint * 1000) AS duration_ms,"
    " cr.video_url, m.storage_key,"
    " COALESCE(m.mime, CASE lower(cr.format) WHEN 'mp4' THEN 'video/mp4'"
    "  WHEN 'webm' THEN 'video/webm' WHEN 'mov' THEN 'video/quicktime' END) AS mime,"
    " COALESCE(m.width, cr.width, 0) AS width, COALESCE(m.height, cr.height, 0) AS height,"
    " COALESCE(m.bitrate_kbps, 0) AS bitrate_kbps,"
    /* ready renditions, largest first, and the HLS master beside them (rendition_job.h) */
    " m.video_codec,"
    " (SELECT json_agg(json_build_object('mp4_key', r.mp4_key, 'width', r.width,"
    "   'height', r.height, 'bitrate_kbps', r.bitrate_kbps, 'video_codec', r.video_codec)"
    "   ORDER BY r.position DESC)::text FROM creative_renditions r"
    "   WHERE r.creative_id = cr.id AND r.state = 'ready') AS renditions,"
    " regexp_replace(m.storage_key, '\\.[^./]*$', '') || '/hls/master.m3u8' AS hls_master_key,"
    " tc.trackers::text AS creative_trackers, tp.trackers::text AS campaign_trackers,"
    " tv.verifications::text AS verifications"
    " FROM creatives cr"
    " JOIN campaigns c ON c.id = cr.campaign_id"
    " LEFT JOIN creative_media m ON m.creative_id = cr.id"
    " LEFT JOIN creative_trackers tc ON tc.creative_id = cr.id"
    " LEFT JOIN campaign_trackers tp ON tp.campaign_id = cr.campaign_id"
    " LEFT JOIN creative_verifications tv ON tv.creative_id = cr.id"
    " WHERE c.status = $1 AND c.end_date > now() - $2::interval AND cr.status = $3"
    " ORDER BY cr.campaign_id, cr.id";

static const char exclusions_sql[] =
    "SELECT category_a, category_b FROM iab_category_exclusions ORDER BY 1, 2";

static const char *const dim_columns[SNAPSHOT_NDIMS] = {
    [SNAPSHOT_DIM_COUNTRY] = "countries",
    [SNAPSHOT_DIM_REGION] = "regions",
    [SNAPSHOT_DIM_DMA] = "dmas",
    [SNAPSHOT_DIM_DEVICE_TYPE] = "device_types",
    [SNAPSHOT_DIM_OS] = "os",
    [SNAPSHOT_DIM_APP_BUNDLE] = "app_bundles",
    [SNAPSHOT_DIM_CONTENT_GENRE] = "content_genres",
    [SNAPSHOT_DIM_CONTENT_RATING] = "content_ratings",
    [SNAPSHOT_DIM_CONTENT_CATEGORY] = "content_categories",
};

static const char *const campaign_params[] = {"active", "1 day"};
static const char *const creative_params[] = {"active", "1 day", "active"};

int catalog_load_prepare(PGconn *pg, char *err, size_t errlen)
{
    static const struct {
        const char *name, *sql;
        int n;
    } stmts[] = {
        {"catalog_load_campaigns", campaigns_sql, 2},
        {"catalog_load_creatives", creatives_sql, 3},
        {"catalog_load_exclusions", exclusions_sql, 0},
    };
    size_t i;

    for (i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
        PGresult *res = PQprepare(pg, stmts[i].name, stmts[i].sql, stmts[i].n, NULL);
        int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;

        if (!ok)
            snprintf(err, errlen, "prepare %s: %s", stmts[i].name, PQerrorMessage(pg));
        PQclear(res);
        if (!ok)
            return -1;
    }
    return 0;
}

/* Value of column name in row, NULL when SQL NULL or no such column. */
static const char *col(const PGresult *res, int row, const char *name)
{
    int c = PQfnumber(res, name);

    if (c < 0 || PQgetisnull(res, row, c))
        return NULL;
    return PQgetvalue(res, row, c);
}

/* Log fields end at the first NULL: never pass one as a value. */
static const char *orempty(const char *s)
{
    return s != NULL ? s : "";
}

static int col_i64(const PGresult *res, int row, const char *name, int64_t lo, int64_t hi,
                   int64_t *out)
{
    const char *v = col(res, row, name);
    char *end;
    long long x;

    if (v == NULL)
        return -1;
    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int col_u32(const PGresult *res, int row, const char *name, uint32_t *out)
{
    int64_t x;

    if (col_i64(res, row, name, 0, UINT32_MAX, &x) != 0)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

/* A parsed JSON text array whose strings a snapshot_strings borrows. */
struct strarr {
    json_t *json;
    const char **v;
    size_t n;
};

static void strarr_release(struct strarr *a)
{
    json_decref(a->json);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

static int strarr_parse(const char *text, struct strarr *a)
{
    size_t i, n;

    memset(a, 0, sizeof(*a));
    if (text == NULL)
        return 0;
    a->json = json_loads(text, JSON_DECODE_ANY, NULL);
    if (a->json == NULL || !json_is_array(a->json))
        goto fail;
    n = json_array_size(a->json);
    if (n == 0)
        return 0;
    a->v = xcalloc(n, sizeof(*a->v));
    for (i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a->json, i));
        if (s == NULL) /* a NULL element: nothing to match */
            goto fail;
        a->v[a->n++] = s;
    }
    return 0;
fail:
    strarr_release(a);
    return -1;
}

static int parse_enum(const char *v, const char *const *names, int n, int *out)
{
    int i;

    for (i = 0; v != NULL && i < n; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

/* One campaign row into b; -1 with err when it must be skipped. */
static int add_campaign(struct snapshot_builder *b, const PGresult *res, int row, char *err,
                        size_t errlen)
{
    static const char *const statuses[] = {"draft", "active", "paused", "completed"};
    static const char *const pricings[] = {"cpm", "cpc", "cpv", "flat"};
    static const char *const pacings[] = {"even", "asap"};
    static const char *const lives[] = {"any", "only", "never"};
    struct snapshot_campaign_spec spec;
    struct strarr arrs[SNAPSHOT_NDIMS + 1];
    int status, pricing, pacing, live, i, d, ret = -1;
    int64_t x;

    memset(&spec, 0, sizeof(spec));
    memset(arrs, 0, sizeof(arrs));
    spec.id = col(res, row, "id");
    spec.owner_id = col(res, row, "owner_id");
    spec.name = col(res, row, "name");
    spec.time_zone = col(res, row, "time_zone");
    spec.advertiser_domain = col(res, row, "advertiser_domain");
    spec.click_url = col(res, row, "click_through_url");
    if (spec.id == NULL) {
        snprintf(err, errlen, "campaign without id");
        goto cleanup;
    }
    if (parse_enum(col(res, row, "status"), statuses, 4, &status) != 0 ||
        parse_enum(col(res, row, "pricing_model"), pricings, 4, &pricing) != 0 ||
        parse_enum(col(res, row, "pacing_mode"), pacings, 2, &pacing) != 0 ||
        parse_enum(col(res, row, "livestream"), lives, 3, &live) != 0) {
        snprintf(err, errlen, "unknown status, pricing, pacing or livestream value");
        goto cleanup;
    }
    spec.status = (enum snapshot_status)status;
    spec.pricing = (enum snapshot_pricing)pricing;
    spec.pacing = (enum snapshot_pacing)pacing;
    spec.livestream = (enum snapshot_live)live;
    if (col_i64(res, row, "start_ms", INT64_MIN, INT64_MAX, &spec.start_ms) != 0 ||
        col_i64(res, row, "end_ms", INT64_MIN, INT64_MAX, &spec.end_ms) != 0 ||
        col_i64(res, row, "rate_micros", 0, INT64_MAX, &spec.rate_micros) != 0 ||
        col_i64(res, row, "budget_total_micros", 0, INT64_MAX, &spec.budget_total_micros) != 0 ||
        col_i64(res, row, "budget_spent_micros", 0, INT64_MAX, &spec.budget_spent_micros) != 0 ||
        col_u32(res, row, "priority", &spec.priority) != 0 ||
        col_u32(res, row, "weight", &spec.weight) != 0 ||
        col_u32(res, row, "per_hour", &spec.caps.per_hour) != 0 ||
        col_u32(res, row, "per_day", &spec.caps.per_day) != 0 ||
        col_u32(res, row, "per_week", &spec.caps.per_week) != 0) {
        snprintf(err, errlen, "number out of range");
        goto cleanup;
    }
    for (d = 0; d < 7; d++) {
        char name[4] = {'d', 'p', (char)('0' + d), '\0'};
        if (col_i64(res, row, name, 0, 0xffffff, &x) != 0) {
            snprintf(err, errlen, "daypart mask out of range");
            goto cleanup;
        }
        spec.daypart[d] = (uint32_t)x;
    }
    for (i = 0; i < SNAPSHOT_NDIMS + 1; i++) {
        const char *name = i < SNAPSHOT_NDIMS ? dim_columns[i] : "categories";
        if (strarr_parse(col(res, row, name), &arrs[i]) != 0) {
            snprintf(err, errlen, "malformed %s", name);
            goto cleanup;
        }
        if (i < SNAPSHOT_NDIMS) {
            spec.sets[i].v = arrs[i].v;
            spec.sets[i].n = arrs[i].n;
        } else {
            spec.categories.v = arrs[i].v;
            spec.categories.n = arrs[i].n;
        }
    }
    ret = snapshot_builder_add_campaign(b, &spec, err, errlen);
cleanup:
    for (i = 0; i < SNAPSHOT_NDIMS + 1; i++)
        strarr_release(&arrs[i]);
    return ret;
}

/* The URL players fetch: creative_url_player() when the key is known, else video_url. */
static const char *media_url(struct app *app, const char *key, const char *video_url, char *buf,
                             size_t n)
{
    char derived[1024];

    if (app == NULL || app->storage == NULL || app->cfg == NULL)
        return video_url;
    if (key == NULL && video_url != NULL &&
        creative_url_key(app, video_url, derived, sizeof(derived)) == 0)
        key = derived;
    if (key != NULL && creative_url_player(app, key, buf, n) == 0)
        return buf;
    /* local storage, no public_url: a path, joined to each request's base when served */
    if (key != NULL && creative_url_path(app, key, buf, n) == 0)
        return buf;
    return video_url;
}

/* Most renditions a creative shows (the ladder's limit, plus the HLS master). */
#define RENDITIONS_MAX 8

/*
 * The ready renditions of a row as MediaFiles (each MP4, progressive, then
 * the HLS master, streaming) and the upload as the Mezzanine; fills spec's
 * fields with pointers into files[], mezz and urls[] (copied by the builder).
 * Without renditions (or URLs for them) spec is left serving the upload.
 * Returns the parsed list, which the strings point into: the caller frees
 * it (json_decref) once the builder has copied the creative.
 */
static json_t *add_renditions(struct app *app, const PGresult *res, int row,
                           struct snapshot_creative_spec *spec, struct vast_media_file *files,
                           struct vast_media_file *mezz, char (*urls)[URL_BUF])
{
    json_t *list = NULL;
    const char *text = col(res, row, "renditions");
    const char *master = col(res, row, "hls_master_key");
    size_t i, n = 0;

    if (text == NULL || app == NULL || app->storage == NULL ||
        (list = json_loads(text, 0, NULL)) == NULL)
        return NULL;
    for (i = 0; i < json_array_size(list) && n < RENDITIONS_MAX; i++) {
        json_t *r = json_array_get(list, i);
        const char *key = json_string_value(json_object_get(r, "mp4_key"));

        /* where players fetch it: a public URL, else our own path (media_url()) */
        if (key == NULL || (creative_url_player(app, key, urls[n], URL_BUF) != 0 &&
                            creative_url_path(app, key, urls[n], URL_BUF) != 0))
            continue;
        files[n] = (struct vast_media_file){
            urls[n],
            VAST_DELIVERY_PROGRESSIVE,
            "video/mp4",
            (unsigned)json_integer_value(json_object_get(r, "width")),
            (unsigned)json_integer_value(json_object_get(r, "height")),
            (unsigned)json_integer_value(json_object_get(r, "bitrate_kbps")),
            json_string_value(json_object_get(r, "video_codec"))};
        n++;
    }
    /* HLS: one adaptive master playlist, sized as its largest rung */
    if (n > 0 && master != NULL &&
        (creative_url_player(app, master, urls[n], URL_BUF) == 0 ||
         creative_url_path(app, master, urls[n], URL_BUF) == 0)) {
        files[n] = files[0];
        files[n].url = urls[n];
        files[n].delivery = VAST_DELIVERY_STREAMING;
        files[n].mime_type = "application/x-mpegURL";
        files[n].bitrate_kbps = 0;
        n++;
    }
    if (n > 0) {
        *mezz = (struct vast_media_file){spec->media_url,
                                         VAST_DELIVERY_PROGRESSIVE,
                                         spec->mime != NULL ? spec->mime : "video/mp4",
                                         spec->width,
                                         spec->height,
                                         0,
                                         col(res, row, "video_codec")};
        spec->media_files = files;
        spec->n_media_files = (uint32_t)n;
        spec->mezzanine = spec->media_url != NULL ? mezz : NULL;
    }
    return list;
}

/* Parse stored document text with parse into t (NULL text: nothing to add). 0 or -1. */
static int parse_doc(const char *text, struct trackers *t,
                     int (*parse)(const json_t *, struct trackers *, struct trackers_fail *),
                     char *err, size_t errlen)
{
    struct trackers_fail f;
    json_t *doc;
    int rc;

    if (text == NULL)
        return 0;
    doc = json_loads(text, JSON_DECODE_ANY, NULL);
    rc = doc != NULL ? parse(doc, t, &f) : -1;
    json_decref(doc);
    if (rc != 0)
        snprintf(err, errlen, "stored third-party document does not parse");
    return rc;
}

/*
 * The creative's third-party trackers and verifications, then its
 * campaign's trackers: *out NULL when there are none. A stored document
 * that does not parse keeps the creative out of the catalog (an advertiser
 * pays for measured impressions only), which the caller logs. 0 or -1.
 */
static int load_trackers(const PGresult *res, int row, struct trackers **out, char *err,
                         size_t errlen)
{
    struct trackers own, campaign;
    int ret = -1;

    trackers_init(&own);
    trackers_init(&campaign);
    *out = NULL;
    if (parse_doc(col(res, row, "creative_trackers"), &own, trackers_parse, err, errlen) != 0 ||
        parse_doc(col(res, row, "verifications"), &own, trackers_verifications_parse, err,
                  errlen) != 0 ||
        parse_doc(col(res, row, "campaign_trackers"), &campaign, trackers_parse, err, errlen) != 0)
        goto cleanup;
    trackers_merge(&own, &campaign);
    if (!trackers_empty(&own)) {
        *out = xmalloc(sizeof(**out));
        **out = own;
        trackers_init(&own);
    }
    ret = 0;
cleanup:
    trackers_release(&own);
    trackers_release(&campaign);
    return ret;
}

static int add_creative(struct app *app, struct snapshot_builder *b, const PGresult *res, int row,
                        char *err, size_t errlen)
{
    static const char *const statuses[] = {"active", "inactive", "processing", "failed"};
    struct snapshot_creative_spec spec;
    struct vast_media_file files[RENDITIONS_MAX + 1], mezz;
    char url[URL_BUF];
    char urls[RENDITIONS_MAX + 1][URL_BUF]; /* 18 KiB, on the builder thread */
    json_t *list;
    int status, rc;

    memset(&spec, 0, sizeof(spec));
    spec.id = col(res, row, "id");
    spec.campaign_id = col(res, row, "campaign_id");
    spec.mime = col(res, row, "mime");
    if (spec.id == NULL || spec.campaign_id == NULL) {
        snprintf(err, errlen, "creative without id");
        return -1;
    }
    if (parse_enum(col(res, row, "status"), statuses, 4, &status) != 0) {
        snprintf(err, errlen, "unknown creative status");
        return -1;
    }
    spec.status = (enum snapshot_creative_status)status;
    if (col_u32(res, row, "duration_ms", &spec.duration_ms) != 0 ||
        col_u32(res, row, "width", &spec.width) != 0 ||
        col_u32(res, row, "height", &spec.height) != 0 ||
        col_u32(res, row, "bitrate_kbps", &spec.bitrate_kbps) != 0) {
        snprintf(err, errlen, "number out of range");
        return -1;
    }
    spec.media_url =
        media_url(app, col(res, row, "storage_key"), col(res, row, "video_url"), url, sizeof(url));
    if (load_trackers(res, row, &spec.trackers, err, errlen) != 0)
        return -1;
    list = add_renditions(app, res, row, &spec, files, &mezz, urls);
    rc = snapshot_builder_add_creative(b, &spec, err, errlen);
    json_decref(list);
    if (rc != 0 && spec.trackers != NULL) {
        trackers_release(spec.trackers);
        free(spec.trackers);
    }
    return rc;
}

static PGresult *run(PGconn *pg, const char *name, int n, const char *const *params, char *err,
                     size_t errlen)
{
    PGresult *res = PQexecPrepared(pg, name, n, params, NULL, NULL, 0);

    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s: %s", name, PQerrorMessage(pg));
        PQclear(res);
        return NULL;
    }
    return res;
}

static int simple(PGconn *pg, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(pg, sql);
    int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;

    if (!ok)
        snprintf(err, errlen, "%s: %s", sql, PQerrorMessage(pg));
    PQclear(res);
    return ok ? 0 : -1;
}

int catalog_load_read(PGconn *pg, struct app *app, struct snapshot_builder *b,
                    struct catalog_load_counts *counts, char *err, size_t errlen)
{
    struct catalog_load_counts c = {0};
    PGresult *res = NULL;
    char why[256];
    int i, in_tx = 0, ret = -1;

    if (simple(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, errlen) != 0)
        goto cleanup;
    in_tx = 1;
    res = run(pg, "catalog_load_campaigns", 2, campaign_params, err, errlen);
    if (res == NULL)
        goto cleanup;
    for (i = 0; i < PQntuples(res); i++) {
        if (add_campaign(b, res, i, why, sizeof(why)) == 0) {
            c.campaigns++;
            continue;
        }
        c.skipped++;
        log_warn("catalog: campaign skipped", "campaign", orempty(col(res, i, "id")), "reason",
                 why);
    }
    PQclear(res);
    res = run(pg, "catalog_load_creatives", 3, creative_params, err, errlen);
    if (res == NULL)
        goto cleanup;
    for (i = 0; i < PQntuples(res); i++) {
        if (add_creative(app, b, res, i, why, sizeof(why)) == 0) {
            c.creatives++;
            continue;
        }
        c.skipped++;
        log_warn("catalog: creative skipped", "creative", orempty(col(res, i, "id")), "reason",
                 why);
    }
    PQclear(res);
    res = run(pg, "catalog_load_exclusions", 0, NULL, err, errlen);
    if (res == NULL)
        goto cleanup;
    for (i = 0; i < PQntuples(res); i++) {
        const char *a = col(res, i, "category_a"), *bb = col(res, i, "category_b");
        if (a != NULL && bb != NULL && snapshot_builder_exclude(b, a, bb, why, sizeof(why)) == 0) {
            c.exclusions++;
            continue;
        }
        c.skipped++;
        log_warn("catalog: category exclusion skipped", "category_a", orempty(a), "category_b",
                 orempty(bb), "reason", a != NULL && bb != NULL ? why : "null category");
    }
    in_tx = 0;
    if (simple(pg, "COMMIT", err, errlen) != 0)
        goto cleanup;
    *counts = c;
    ret = 0;
cleanup:
    PQclear(res);
    if (in_tx && PQstatus(pg) == CONNECTION_OK) {
        char ignored[64];
        (void)simple(pg, "ROLLBACK", ignored, sizeof(ignored));
    }
    return ret;
}
