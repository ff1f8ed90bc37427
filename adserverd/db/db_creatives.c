/*
 * db_creatives: see db_creatives.h.
 */
#include "db/db_creatives.h"

#include "db/db.h"
#include "db/db_creative_media.h"
#include "db/rowjson.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The creative row of the contract, in table order. */
/* clang-format off */
#define CREATIVE_COLS \
    "cr.id, cr.campaign_id, cr.name, cr.video_url, cr.duration, cr.file_size, cr.width, " \
    "cr.height, cr.format, cr.status, cr.uploaded_by, " \
    ISO("cr.created_at") " AS created_at, " ISO("cr.updated_at") " AS updated_at"
/* clang-format on */

/* Ownership through the campaign. */
#define OWNED "EXISTS (SELECT 1 FROM campaigns c WHERE c.id = cr.campaign_id AND c.created_by = $2)"

static const struct rowjson_col creative_cols[] = {
    {"id", ROWJSON_TEXT},         {"campaign_id", ROWJSON_TEXT}, {"name", ROWJSON_TEXT},
    {"video_url", ROWJSON_TEXT},  {"duration", ROWJSON_INT},     {"file_size", ROWJSON_TEXT},
    {"width", ROWJSON_INT},       {"height", ROWJSON_INT},       {"format", ROWJSON_TEXT},
    {"status", ROWJSON_TEXT},     {"uploaded_by", ROWJSON_TEXT}, {"created_at", ROWJSON_TEXT},
    {"updated_at", ROWJSON_TEXT},
};
#define NCOLS (sizeof(creative_cols) / sizeof(creative_cols[0]))

static int one_row(struct db_conn *c, const char *name, const char *sql, int np,
                   const char *const *params, json_t **out, char sqlstate[6])
{
    PGresult *r = db_exec(c, name, sql, np, params, sqlstate);
    json_t *o;
    int rc = DB_CREATIVES_ERROR;

    if (r == NULL)
        return DB_CREATIVES_ERROR;
    if (PQntuples(r) == 0) {
        rc = DB_CREATIVES_NOT_FOUND;
        goto cleanup;
    }
    o = rowjson_object(r, 0, creative_cols, NCOLS);
    if (o == NULL)
        goto cleanup; /* sqlstate is "" already: db_exec succeeded */
    *out = o;
    rc = DB_CREATIVES_OK;
cleanup:
    PQclear(r);
    return rc;
}

int db_creatives_list(struct db_conn *c, const char *campaign_id, json_t **out, char sqlstate[6])
{
    const char *p[1] = {campaign_id};
    PGresult *r = db_exec(c, "db_creatives_list",
                          "SELECT " CREATIVE_COLS " FROM creatives cr WHERE cr.campaign_id = $1 "
                          "ORDER BY cr.created_at DESC",
                          1, p, sqlstate);
    json_t *arr;

    if (r == NULL)
        return DB_CREATIVES_ERROR;
    arr = rowjson_array(r, creative_cols, NCOLS);
    PQclear(r);
    if (arr == NULL)
        return DB_CREATIVES_ERROR; /* sqlstate is "" already: db_exec succeeded */
    *out = arr;
    return DB_CREATIVES_OK;
}

int db_creatives_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                     char sqlstate[6])
{
    const char *p[2] = {id, owner};

    return one_row(c, "db_creatives_get",
                   "SELECT " CREATIVE_COLS " FROM creatives cr WHERE cr.id = $1 AND " OWNED, 2, p,
                   out, sqlstate);
}

int db_creatives_update(struct db_conn *c, const char *owner, const char *id, const json_t *values,
                        json_t **out, char sqlstate[6])
{
    char duration[24];
    const json_t *d = json_object_get(values, "duration");
    const char *p[5];

    p[0] = id;
    p[1] = owner;
    p[2] = json_string_value(json_object_get(values, "name"));
    p[3] = json_string_value(json_object_get(values, "status"));
    p[4] = NULL;
    if (json_is_integer(d)) {
        snprintf(duration, sizeof(duration), "%" PRId64, (int64_t)json_integer_value(d));
        p[4] = duration;
    }
    return one_row(c, "db_creatives_update",
                   "UPDATE creatives AS cr SET name = COALESCE($3::text, cr.name), "
                   "status = COALESCE($4::text, cr.status), "
                   "duration = COALESCE($5::integer, cr.duration), updated_at = now() "
                   "WHERE cr.id = $1 AND " OWNED " RETURNING " CREATIVE_COLS,
                   5, p, out, sqlstate);
}

int db_creatives_set_status(struct db_conn *c, const char *owner, const char *id,
                            const char *status, json_t **out, char sqlstate[6])
{
    const char *p[3] = {id, owner, status};

    return one_row(c, "db_creatives_set_status",
                   "UPDATE creatives AS cr SET status = $3, updated_at = now() "
                   "WHERE cr.id = $1 AND " OWNED " RETURNING " CREATIVE_COLS,
                   3, p, out, sqlstate);
}

int db_creatives_delete(struct db_conn *c, const char *owner, const char *id, json_t **video_url,
                        char sqlstate[6])
{
    const char *p[2] = {id, owner};
    PGresult *r =
        db_exec(c, "db_creatives_delete",
                "DELETE FROM creatives AS cr WHERE cr.id = $1 AND " OWNED " RETURNING cr.video_url",
                2, p, sqlstate);
    const char *url;
    int rc;

    if (r == NULL)
        return DB_CREATIVES_ERROR;
    rc = PQntuples(r) > 0 ? DB_CREATIVES_OK : DB_CREATIVES_NOT_FOUND;
    if (rc == DB_CREATIVES_OK && video_url != NULL) {
        url = db_get(r, 0, "video_url");
        *video_url = json_string(url != NULL ? url : "");
    }
    PQclear(r);
    return rc;
}

/* ---- Upload and processing (api_uploads.c, creative_worker.c) ---------- */

int db_creatives_insert_upload(struct db_conn *c, const struct db_creatives_upload *u, json_t **out,
                               char sqlstate[6])
{
    const char *p[10] = {u->id,        u->campaign_id, u->name,   u->video_url, u->duration,
                         u->file_size, u->width,       u->height, u->format,    u->uploaded_by};

    return one_row(c, "db_creatives_insert_upload",
                   "INSERT INTO creatives AS cr (id, campaign_id, name, video_url, duration, "
                   "file_size, width, height, format, status, uploaded_by) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'processing', $10) "
                   "RETURNING " CREATIVE_COLS,
                   10, p, out, sqlstate);
}

int db_creatives_finish_processing(struct db_conn *c, const char *id, const char *status,
                                   const char *duration, const char *width, const char *height,
                                   const char *file_size, char sqlstate[6])
{
    const char *p[6] = {id, status, duration, width, height, file_size};
    PGresult *r = db_exec(c, "db_creatives_finish_processing",
                          "UPDATE creatives SET status = $2, "
                          "duration = COALESCE($3::integer, duration), "
                          "width = COALESCE($4::integer, width), "
                          "height = COALESCE($5::integer, height), "
                          "file_size = COALESCE($6::bigint, file_size), updated_at = now() "
                          "WHERE id = $1 AND status = 'processing'",
                          6, p, sqlstate);
    int rc;

    if (r == NULL)
        return DB_CREATIVES_ERROR;
    rc = strcmp(PQcmdTuples(r), "0") == 0 ? DB_CREATIVES_NOT_FOUND : DB_CREATIVES_OK;
    PQclear(r);
    return rc;
}

int db_creatives_media_refs(struct db_conn *c, json_t **out, char sqlstate[6])
{
    static const struct rowjson_col cols[] = {
        {"id", ROWJSON_TEXT},
        {"video_url", ROWJSON_TEXT},
        {"storage_key", ROWJSON_TEXT},
        {"mime", ROWJSON_TEXT},
    };
    PGresult *r = db_exec(c, "db_creatives_media_refs",
                          "SELECT cr.id, cr.video_url, m.storage_key, m.mime FROM creatives cr "
                          "LEFT JOIN creative_media m ON m.creative_id = cr.id",
                          0, NULL, sqlstate);
    json_t *arr;

    if (r == NULL)
        return DB_CREATIVES_ERROR;
    arr = rowjson_array(r, cols, sizeof(cols) / sizeof(cols[0]));
    PQclear(r);
    if (arr == NULL)
        return DB_CREATIVES_ERROR; /* sqlstate is "" already: db_exec succeeded */
    *out = arr;
    return DB_CREATIVES_OK;
}

int db_creatives_create_upload(struct db_conn *c, const struct db_creatives_upload *u,
                               const char *storage_key, const char *declared_type, json_t **out,
                               char sqlstate[6])
{
    json_t *row = NULL;
    int rc = DB_CREATIVES_ERROR;

    if (db_simple(c, "BEGIN", NULL, 0) != 0)
        goto cleanup;
    if (db_creatives_insert_upload(c, u, &row, sqlstate) != DB_CREATIVES_OK ||
        db_creative_media_insert(c, u->id, storage_key, declared_type, sqlstate) !=
            DB_CREATIVE_MEDIA_OK ||
        db_simple(c, "COMMIT", NULL, 0) != 0) {
        /* a failed ROLLBACK leaves the connection in a transaction: db_release drops it */
        (void)db_simple(c, "ROLLBACK", NULL, 0);
        goto cleanup;
    }
    *out = row;
    row = NULL;
    rc = DB_CREATIVES_OK;
cleanup:
    json_decref(row);
    return rc;
}
