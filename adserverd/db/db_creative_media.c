/*
 * db_creative_media: see db_creative_media.h.
 */
#include "db/db_creative_media.h"

#include "db/db.h"
#include "db/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* OK when the statement changed a row, NOT_FOUND when none, ERROR on failure. */
static int changed(PGresult *r)
{
    int rc;

    if (r == NULL)
        return DB_CREATIVE_MEDIA_ERROR;
    rc = strcmp(PQcmdTuples(r), "0") == 0 ? DB_CREATIVE_MEDIA_NOT_FOUND : DB_CREATIVE_MEDIA_OK;
    PQclear(r);
    return rc;
}

int db_creative_media_insert(struct db_conn *c, const char *creative_id, const char *storage_key,
                             const char *declared_type, char sqlstate[6])
{
    const char *p[3] = {creative_id, storage_key, declared_type};

    return changed(db_exec(c, "db_creative_media_insert",
                           "INSERT INTO creative_media (creative_id, storage_key, declared_type) "
                           "VALUES ($1, $2, $3)",
                           3, p, sqlstate));
}

int db_creative_media_pending(struct db_conn *c, int limit, json_t **out, char sqlstate[6])
{
    char lim[16];
    const char *p[1] = {lim};
    PGresult *r;
    json_t *arr;
    int rc = DB_CREATIVE_MEDIA_ERROR;

    snprintf(lim, sizeof(lim), "%d", limit);
    r = db_exec(c, "db_creative_media_pending",
                "SELECT creative_id FROM creative_media WHERE state = 'pending' "
                "ORDER BY created_at LIMIT $1",
                1, p, sqlstate);
    if (r == NULL)
        return DB_CREATIVE_MEDIA_ERROR;
    arr = json_array();
    if (arr == NULL)
        goto cleanup; /* sqlstate is "" already: db_exec succeeded */
    for (int i = 0; i < PQntuples(r); i++) {
        if (json_array_append_new(arr, json_string(PQgetvalue(r, i, 0))) != 0) {
            json_decref(arr);
            goto cleanup;
        }
    }
    *out = arr;
    rc = DB_CREATIVE_MEDIA_OK;
cleanup:
    PQclear(r);
    return rc;
}

static long num(const PGresult *r, const char *col, long null_value)
{
    const char *v = db_get(r, 0, col);

    return v != NULL ? strtol(v, NULL, 10) : null_value;
}

int db_creative_media_job(struct db_conn *c, const char *creative_id,
                          struct db_creative_media_job *job, char sqlstate[6])
{
    const char *p[1] = {creative_id};
    PGresult *r = db_exec(c, "db_creative_media_job",
                          "SELECT m.storage_key, m.attempts, cr.status, cr.duration, cr.width, "
                          "cr.height, cr.file_size FROM creative_media m "
                          "JOIN creatives cr ON cr.id = m.creative_id "
                          "JOIN campaigns ca ON ca.id = cr.campaign_id "
                          "WHERE m.creative_id = $1 AND m.state = 'pending'",
                          1, p, sqlstate);
    const char *key, *status, *size;
    int rc = DB_CREATIVE_MEDIA_NOT_FOUND;

    if (r == NULL)
        return DB_CREATIVE_MEDIA_ERROR;
    if (PQntuples(r) != 1)
        goto cleanup;
    key = db_get(r, 0, "storage_key");
    status = db_get(r, 0, "status");
    size = db_get(r, 0, "file_size");
    snprintf(job->storage_key, sizeof(job->storage_key), "%s", key != NULL ? key : "");
    snprintf(job->status, sizeof(job->status), "%s", status != NULL ? status : "");
    job->attempts = (int)num(r, "attempts", 0);
    job->duration = num(r, "duration", 0);
    job->width = num(r, "width", 0);
    job->height = num(r, "height", 0);
    job->file_size = size != NULL ? strtoll(size, NULL, 10) : -1;
    rc = DB_CREATIVE_MEDIA_OK;
cleanup:
    PQclear(r);
    return rc;
}

/* The measured columns as text parameters; NULLs without info. */
struct measured {
    char bitrate[16], duration_ms[24], width[16], height[16], fps_num[16], fps_den[16];
    char file_size[24];
    const char *p[12]; /* mime .. file_size, in the statements' order $3.. */
};

static void measured_fill(struct measured *m, const struct db_creative_media_facts *info,
                          uint64_t file_size)
{
    memset(m->p, 0, sizeof(m->p));
    snprintf(m->file_size, sizeof(m->file_size), "%llu", (unsigned long long)file_size);
    m->p[11] = m->file_size;
    if (info == NULL)
        return;
    snprintf(m->bitrate, sizeof(m->bitrate), "%u", info->bitrate_kbps);
    snprintf(m->duration_ms, sizeof(m->duration_ms), "%llu", (unsigned long long)info->duration_ms);
    snprintf(m->width, sizeof(m->width), "%u", info->width);
    snprintf(m->height, sizeof(m->height), "%u", info->height);
    snprintf(m->fps_num, sizeof(m->fps_num), "%u", info->fps_num);
    snprintf(m->fps_den, sizeof(m->fps_den), "%u", info->fps_den);
    m->p[0] = info->mime;
    m->p[1] = info->container;
    m->p[2] = info->video_codec;
    m->p[3] = info->audio_codec;
    m->p[4] = m->bitrate;
    m->p[5] = m->duration_ms;
    m->p[6] = info->width != 0 ? m->width : NULL;
    m->p[7] = info->height != 0 ? m->height : NULL;
    m->p[8] = info->fps_den != 0 ? m->fps_num : NULL;
    m->p[9] = info->fps_den != 0 ? m->fps_den : NULL;
    m->p[10] = info->faststart < 0 ? NULL : info->faststart ? "true" : "false";
}

#define SET_MEASURED                                                                               \
    "mime = $3, container = $4, video_codec = $5, audio_codec = $6, bitrate_kbps = $7, "           \
    "duration_ms = $8, width = $9, height = $10, fps_num = $11, fps_den = $12, "                   \
    "faststart = $13, file_size = $14, processed_at = now() "

int db_creative_media_ready(struct db_conn *c, const char *creative_id,
                            const struct db_creative_media_facts *info, uint64_t file_size,
                            char sqlstate[6])
{
    struct measured m;
    const char *p[14];

    measured_fill(&m, info, file_size);
    p[0] = creative_id;
    p[1] = NULL;
    memcpy(&p[2], m.p, sizeof(m.p));
    return changed(
        db_exec(c, "db_creative_media_ready",
                "UPDATE creative_media SET state = 'ready', failure_reason = $2, " SET_MEASURED
                "WHERE creative_id = $1 AND state = 'pending'",
                14, p, sqlstate));
}

int db_creative_media_failed(struct db_conn *c, const char *creative_id, const char *reason,
                             const struct db_creative_media_facts *info, uint64_t file_size,
                             char sqlstate[6])
{
    struct measured m;
    const char *p[14];

    measured_fill(&m, info, file_size);
    p[0] = creative_id;
    p[1] = reason;
    memcpy(&p[2], m.p, sizeof(m.p));
    return changed(
        db_exec(c, "db_creative_media_failed",
                "UPDATE creative_media SET state = 'failed', failure_reason = $2, " SET_MEASURED
                "WHERE creative_id = $1 AND state = 'pending'",
                14, p, sqlstate));
}

int db_creative_media_renditions_failed(struct db_conn *c, const char *creative_id,
                                        const char *reason, char sqlstate[6])
{
    const char *p[2] = {creative_id, reason};

    return changed(db_exec(c, "db_creative_media_renditions_failed",
                           "UPDATE creative_media SET state = 'failed', failure_reason = $2 "
                           "WHERE creative_id = $1 AND state = 'ready'",
                           2, p, sqlstate));
}

int db_creative_media_retry(struct db_conn *c, const char *creative_id, const char *reason,
                            int *attempts, char sqlstate[6])
{
    const char *p[2] = {creative_id, reason};
    PGresult *r = db_exec(c, "db_creative_media_retry",
                          "UPDATE creative_media SET attempts = attempts + 1, failure_reason = $2 "
                          "WHERE creative_id = $1 AND state = 'pending' RETURNING attempts",
                          2, p, sqlstate);
    int rc = DB_CREATIVE_MEDIA_NOT_FOUND;

    if (r == NULL)
        return DB_CREATIVE_MEDIA_ERROR;
    if (PQntuples(r) == 1) {
        *attempts = (int)num(r, "attempts", 0);
        rc = DB_CREATIVE_MEDIA_OK;
    }
    PQclear(r);
    return rc;
}

int db_creative_media_get(struct db_conn *c, const char *owner, const char *creative_id,
                          json_t **out, char sqlstate[6])
{
    static const struct rowjson_col cols[] = {
        {"creative_id", ROWJSON_TEXT},   {"storage_key", ROWJSON_TEXT},
        {"declared_type", ROWJSON_TEXT}, {"state", ROWJSON_TEXT},
        {"attempts", ROWJSON_INT},       {"mime", ROWJSON_TEXT},
        {"container", ROWJSON_TEXT},     {"video_codec", ROWJSON_TEXT},
        {"audio_codec", ROWJSON_TEXT},   {"bitrate_kbps", ROWJSON_INT},
        {"duration_ms", ROWJSON_TEXT},   {"width", ROWJSON_INT},
        {"height", ROWJSON_INT},         {"fps_num", ROWJSON_INT},
        {"fps_den", ROWJSON_INT},        {"faststart", ROWJSON_TEXT},
        {"file_size", ROWJSON_TEXT},     {"failure_reason", ROWJSON_TEXT},
        {"created_at", ROWJSON_TEXT},    {"processed_at", ROWJSON_TEXT},
    };
    const char *p[2] = {creative_id, owner};
    PGresult *r = db_exec(
        c, "db_creative_media_get",
        "SELECT m.creative_id, m.storage_key, m.declared_type, m.state, "
        "m.attempts, m.mime, m.container, m.video_codec, m.audio_codec, "
        "m.bitrate_kbps, m.duration_ms, m.width, m.height, m.fps_num, "
        "m.fps_den, m.faststart::text AS faststart, m.file_size, "
        "m.failure_reason, " ISO("m.created_at") " AS created_at, " ISO(
            "m.processed_at") " AS processed_at "
                              "FROM creative_media m JOIN creatives cr ON cr.id = m.creative_id "
                              "JOIN campaigns ca ON ca.id = cr.campaign_id "
                              "WHERE m.creative_id = $1 AND ca.created_by = $2",
        2, p, sqlstate);
    json_t *o;
    int rc = DB_CREATIVE_MEDIA_NOT_FOUND;

    if (r == NULL)
        return DB_CREATIVE_MEDIA_ERROR;
    if (PQntuples(r) != 1)
        goto cleanup;
    o = rowjson_object(r, 0, cols, sizeof(cols) / sizeof(cols[0]));
    if (o == NULL) {
        rc = DB_CREATIVE_MEDIA_ERROR;
        goto cleanup;
    }
    /* A boolean column reads best as a JSON boolean. */
    {
        json_t *fs = json_object_get(o, "faststart");
        if (json_is_string(fs))
            json_object_set_new(o, "faststart",
                                json_boolean(strcmp(json_string_value(fs), "true") == 0));
    }
    *out = o;
    rc = DB_CREATIVE_MEDIA_OK;
cleanup:
    PQclear(r);
    return rc;
}
