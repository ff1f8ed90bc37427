/*
 * db_creative_renditions: see db_creative_renditions.h.
 */
#include "db/db_creative_renditions.h"

#include "db/db.h"
#include "db/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static int changed(PGresult *r)
{
    int rc;

    if (r == NULL)
        return DB_CREATIVE_RENDITIONS_ERROR;
    rc = strcmp(PQcmdTuples(r), "0") == 0 ? DB_CREATIVE_RENDITIONS_NOT_FOUND
                                           : DB_CREATIVE_RENDITIONS_OK;
    PQclear(r);
    return rc;
}

int db_creative_renditions_plan(struct db_conn *c, const char *creative_id,
                                const struct db_rendition_plan *rungs, size_t n,
                                char sqlstate[6])
{
    for (size_t i = 0; i < n; i++) {
        char pos[24], w[16], h[16], k[16];
        const char *p[6] = {creative_id, rungs[i].rung, pos, w, h, k};
        PGresult *r;

        snprintf(pos, sizeof(pos), "%zu", i);
        snprintf(w, sizeof(w), "%u", rungs[i].width);
        snprintf(h, sizeof(h), "%u", rungs[i].height);
        snprintf(k, sizeof(k), "%u", rungs[i].kbps);
        r = db_exec(c, "db_creative_renditions_plan",
                    "INSERT INTO creative_renditions (creative_id, rung, position, target_width, "
                    "target_height, target_kbps) VALUES ($1, $2, $3, $4, $5, $6) "
                    "ON CONFLICT (creative_id, rung) DO NOTHING",
                    6, p, sqlstate);
        if (r == NULL)
            return DB_CREATIVE_RENDITIONS_ERROR;
        PQclear(r);
    }
    return DB_CREATIVE_RENDITIONS_OK;
}

int db_creative_renditions_open(struct db_conn *c, int limit, int stale_s, json_t **out,
                                char sqlstate[6])
{
    char lim[16], stale[16];
    const char *p[2] = {lim, stale};
    PGresult *r;
    json_t *arr;
    int rc = DB_CREATIVE_RENDITIONS_ERROR;

    snprintf(lim, sizeof(lim), "%d", limit);
    snprintf(stale, sizeof(stale), "%d", stale_s);
    /* Creatives not yet servable (no ready rung) first, then the oldest. */
    r = db_exec(c, "db_creative_renditions_open",
                "SELECT creative_id FROM creative_renditions GROUP BY creative_id "
                "HAVING bool_or(state = 'pending' OR (state = 'running' AND "
                "started_at < now() - make_interval(secs => $2::int))) "
                "ORDER BY bool_or(state = 'ready'), min(created_at) LIMIT $1",
                2, p, sqlstate);
    if (r == NULL)
        return DB_CREATIVE_RENDITIONS_ERROR;
    arr = json_array();
    if (arr == NULL)
        goto cleanup;
    for (int i = 0; i < PQntuples(r); i++) {
        if (json_array_append_new(arr, json_string(PQgetvalue(r, i, 0))) != 0) {
            json_decref(arr);
            goto cleanup;
        }
    }
    *out = arr;
    rc = DB_CREATIVE_RENDITIONS_OK;
cleanup:
    PQclear(r);
    return rc;
}

static int int_col(const PGresult *r, const char *col)
{
    const char *v = db_get(r, 0, col);

    return v != NULL ? (int)strtol(v, NULL, 10) : 0;
}

int db_creative_renditions_next(struct db_conn *c, const char *creative_id, int stale_s,
                                struct db_rendition_job *job, char sqlstate[6])
{
    char stale[16];
    const char *p[2] = {creative_id, stale};
    PGresult *r;

    snprintf(stale, sizeof(stale), "%d", stale_s);
    /* One statement claims the rung; SKIP LOCKED keeps two rendition threads
     * (or daemons) off the same row. A 'running' row older than a run may
     * take was left by a stopped or crashed daemon: claimed again, counted. */
    r = db_exec(
        c, "db_creative_renditions_next",
        "UPDATE creative_renditions r SET state = 'running', started_at = now(), "
        "attempts = r.attempts + 1 FROM creative_media m "
        "WHERE m.creative_id = r.creative_id AND (r.creative_id, r.rung) = "
        "(SELECT creative_id, rung FROM creative_renditions WHERE creative_id = $1 AND "
        "(state = 'pending' OR (state = 'running' AND "
        "started_at < now() - make_interval(secs => $2::int))) "
        "ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED) "
        "RETURNING r.rung, r.target_width, r.target_height, r.target_kbps, r.attempts, "
        "m.storage_key",
        2, p, sqlstate);
    const char *rung, *key;
    int rc = DB_CREATIVE_RENDITIONS_NOT_FOUND;

    if (r == NULL)
        return DB_CREATIVE_RENDITIONS_ERROR;
    if (PQntuples(r) != 1)
        goto cleanup;
    rung = db_get(r, 0, "rung");
    key = db_get(r, 0, "storage_key");
    snprintf(job->rung, sizeof(job->rung), "%s", rung != NULL ? rung : "");
    snprintf(job->storage_key, sizeof(job->storage_key), "%s", key != NULL ? key : "");
    job->target_width = int_col(r, "target_width");
    job->target_height = int_col(r, "target_height");
    job->target_kbps = int_col(r, "target_kbps");
    job->attempts = int_col(r, "attempts");
    rc = DB_CREATIVE_RENDITIONS_OK;
cleanup:
    PQclear(r);
    return rc;
}

int db_creative_renditions_ready(struct db_conn *c, const char *creative_id, const char *rung,
                                 const struct db_rendition_done *d, char sqlstate[6])
{
    char w[16], h[16], b[16], size[24], segs[16], ms[24];
    const char *p[12] = {creative_id, rung,           w,          h,        b,    d->video_codec,
                         d->audio_codec, size, d->mp4_key, d->hls_key, segs, ms};

    snprintf(w, sizeof(w), "%d", d->width);
    snprintf(h, sizeof(h), "%d", d->height);
    snprintf(b, sizeof(b), "%d", d->bitrate_kbps);
    snprintf(size, sizeof(size), "%llu", (unsigned long long)d->file_size);
    snprintf(segs, sizeof(segs), "%d", d->hls_segments);
    snprintf(ms, sizeof(ms), "%lld", (long long)d->encode_ms);
    return changed(db_exec(
        c, "db_creative_renditions_ready",
        "UPDATE creative_renditions SET state = 'ready', width = $3, height = $4, "
        "bitrate_kbps = $5, video_codec = $6, audio_codec = $7, file_size = $8, mp4_key = $9, "
        "hls_key = $10, hls_segments = $11, encode_ms = $12, failure_reason = NULL, "
        "finished_at = now() WHERE creative_id = $1 AND rung = $2 AND state = 'running'",
        12, p, sqlstate));
}

int db_creative_renditions_failed(struct db_conn *c, const char *creative_id, const char *rung,
                                  const char *reason, char sqlstate[6])
{
    const char *p[3] = {creative_id, rung, reason};

    return changed(db_exec(c, "db_creative_renditions_failed",
                           "UPDATE creative_renditions SET state = 'failed', failure_reason = $3, "
                           "finished_at = now() WHERE creative_id = $1 AND rung = $2 AND "
                           "state = 'running'",
                           3, p, sqlstate));
}

int db_creative_renditions_retry(struct db_conn *c, const char *creative_id, const char *rung,
                                 const char *reason, char sqlstate[6])
{
    const char *p[3] = {creative_id, rung, reason};

    return changed(db_exec(c, "db_creative_renditions_retry",
                           "UPDATE creative_renditions SET state = 'pending', failure_reason = $3 "
                           "WHERE creative_id = $1 AND rung = $2 AND state = 'running'",
                           3, p, sqlstate));
}

int db_creative_renditions_counts(struct db_conn *c, const char *creative_id, int *ready,
                                  int *open, int *failed, char *last_reason, size_t n,
                                  char sqlstate[6])
{
    const char *p[1] = {creative_id};
    PGresult *r = db_exec(
        c, "db_creative_renditions_counts",
        "SELECT count(*) FILTER (WHERE state = 'ready') AS ready, "
        "count(*) FILTER (WHERE state IN ('pending', 'running')) AS open, "
        "count(*) FILTER (WHERE state = 'failed') AS failed, "
        "(SELECT failure_reason FROM creative_renditions WHERE creative_id = $1 AND "
        "state = 'failed' ORDER BY finished_at DESC LIMIT 1) AS reason "
        "FROM creative_renditions WHERE creative_id = $1",
        1, p, sqlstate);
    const char *reason;

    if (r == NULL)
        return DB_CREATIVE_RENDITIONS_ERROR;
    *ready = int_col(r, "ready");
    *open = int_col(r, "open");
    *failed = int_col(r, "failed");
    reason = db_get(r, 0, "reason");
    snprintf(last_reason, n, "%s", reason != NULL ? reason : "");
    PQclear(r);
    return DB_CREATIVE_RENDITIONS_OK;
}

static int rows_json(PGresult *r, const struct rowjson_col *cols, size_t n, json_t **out)
{
    json_t *arr;

    if (r == NULL)
        return DB_CREATIVE_RENDITIONS_ERROR;
    arr = rowjson_array(r, cols, n);
    PQclear(r);
    if (arr == NULL)
        return DB_CREATIVE_RENDITIONS_ERROR;
    *out = arr;
    return DB_CREATIVE_RENDITIONS_OK;
}

int db_creative_renditions_ready_list(struct db_conn *c, const char *creative_id, json_t **out,
                                      char sqlstate[6])
{
    static const struct rowjson_col cols[] = {
        {"rung", ROWJSON_TEXT},        {"width", ROWJSON_INT},
        {"height", ROWJSON_INT},       {"bitrate_kbps", ROWJSON_INT},
        {"video_codec", ROWJSON_TEXT}, {"audio_codec", ROWJSON_TEXT},
        {"hls_key", ROWJSON_TEXT},
    };
    const char *p[1] = {creative_id};

    return rows_json(db_exec(c, "db_creative_renditions_ready_list",
                             "SELECT rung, width, height, bitrate_kbps, video_codec, audio_codec, "
                             "hls_key FROM creative_renditions WHERE creative_id = $1 AND "
                             "state = 'ready' ORDER BY position DESC",
                             1, p, sqlstate),
                     cols, sizeof(cols) / sizeof(cols[0]), out);
}

int db_creative_renditions_list(struct db_conn *c, const char *creative_id, json_t **out,
                                char sqlstate[6])
{
    static const struct rowjson_col cols[] = {
        {"rung", ROWJSON_TEXT},          {"state", ROWJSON_TEXT},
        {"attempts", ROWJSON_INT},       {"target_width", ROWJSON_INT},
        {"target_height", ROWJSON_INT},  {"target_kbps", ROWJSON_INT},
        {"width", ROWJSON_INT},          {"height", ROWJSON_INT},
        {"bitrate_kbps", ROWJSON_INT},   {"video_codec", ROWJSON_TEXT},
        {"audio_codec", ROWJSON_TEXT},   {"file_size", ROWJSON_TEXT},
        {"mp4_key", ROWJSON_TEXT},       {"hls_key", ROWJSON_TEXT},
        {"hls_segments", ROWJSON_INT},   {"encode_ms", ROWJSON_TEXT},
        {"failure_reason", ROWJSON_TEXT}, {"started_at", ROWJSON_TEXT},
        {"finished_at", ROWJSON_TEXT},
    };
    const char *p[1] = {creative_id};

    return rows_json(
        db_exec(c, "db_creative_renditions_list",
                "SELECT rung, state, attempts, target_width, target_height, target_kbps, width, "
                "height, bitrate_kbps, video_codec, audio_codec, file_size, mp4_key, hls_key, "
                "hls_segments, encode_ms, failure_reason, " ISO("started_at") " AS started_at, " ISO(
                    "finished_at") " AS finished_at FROM creative_renditions "
                                   "WHERE creative_id = $1 ORDER BY position",
                1, p, sqlstate),
        cols, sizeof(cols) / sizeof(cols[0]), out);
}

int db_creative_renditions_objects(struct db_conn *c, const char *creative_id, json_t **out,
                                   char sqlstate[6])
{
    static const struct rowjson_col cols[] = {
        {"creative_id", ROWJSON_TEXT}, {"storage_key", ROWJSON_TEXT},
        {"mp4_key", ROWJSON_TEXT},     {"hls_key", ROWJSON_TEXT},
        {"hls_segments", ROWJSON_INT},
    };
    const char *p[1] = {creative_id};

    return rows_json(db_exec(c, "db_creative_renditions_objects",
                             "SELECT r.creative_id, m.storage_key, r.mp4_key, r.hls_key, "
                             "r.hls_segments FROM creative_renditions r "
                             "JOIN creative_media m ON m.creative_id = r.creative_id "
                             "WHERE r.state = 'ready' AND ($1::uuid IS NULL OR "
                             "r.creative_id = $1::uuid)",
                             1, p, sqlstate),
                     cols, sizeof(cols) / sizeof(cols[0]), out);
}
