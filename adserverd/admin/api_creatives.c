/*
 * api_creatives: see api_creatives.h.
 *
 * Deleting a creative removes the row first, then the stored object, best
 * effort: a storage failure is logged and does not change the answer (the
 * reference ignores it too, 3.4.6).
 */
#include "admin/api_creatives.h"
#include "admin/api_common.h"

#include "core/app.h"
#include "media/creative_url.h"
#include "media/rendition_job.h"
#include "db/db.h"
#include "db/db_campaigns.h"
#include "db/db_creative_renditions.h"
#include "db/db_creatives.h"
#include "db/db_stats.h"
#include "lib/log.h"
#include "http/reply.h"
#include "http/request.h"
#include "storage/storage.h"
#include "util/uuid.h"
#include "admin/validate.h"

#include <stdio.h>
#include <string.h>

#define DB_WAIT_MS 5000

#define NOT_FOUND "Creative not found"
#define NOT_FOUND_PERMISSION "Creative not found or you do not have permission"

/* {"message": message, "creative": row} (row taken). */
static int reply_creative(struct request *req, const char *message, json_t *row)
{
    return reply_json(req, 200, json_pack("{s:s,s:o}", "message", message, "creative", row));
}

int api_creatives_list(struct request *req)
{
    const char *campaign = api_uuid_param(req, 0, "campaignId");
    json_t *query = NULL, *rows = NULL;
    char state[6] = "";
    struct validate_failure f = {NULL, NULL};
    struct db_conn *c = NULL;
    int rc;

    if (campaign == NULL)
        return 0;
    /* status, page and limit are validated but never applied [quirk, 3.4.2] */
    query = api_query(req);
    if (validate_object(&validate_creative_list_schema, query, NULL, &f) != VALIDATE_OK) {
        reply_validation(req, f.field, f.message);
        validate_failure_release(&f);
        goto done;
    }
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_campaigns_owned(c, req->user.id, campaign, state) : DB_CAMPAIGNS_ERROR;
    if (rc == DB_CAMPAIGNS_NOT_FOUND) {
        reply_error(req, 404, "CAMPAIGN_NOT_FOUND",
                    "Campaign not found or you do not have permission");
        goto done;
    }
    if (rc == DB_CAMPAIGNS_OK)
        rc = db_creatives_list(c, campaign, &rows, state) == DB_CREATIVES_OK ? 0 : -1;
    if (rc != 0) {
        api_log_db_failure("creative", "list", state);
        reply_error(req, 500, "CREATIVES_RETRIEVAL_FAILED", "Failed to retrieve creatives");
        goto done;
    }
    reply_json(req, 200,
               json_pack("{s:O,s:I,s:s}", "creatives", rows, "total",
                         (json_int_t)json_array_size(rows), "campaignId", campaign));
done:
    db_release(req->app->db, c);
    json_decref(rows);
    json_decref(query);
    return 0;
}

int api_creatives_get(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *row = NULL;
    char state[6] = "";
    struct db_conn *c;
    int rc;

    if (id == NULL)
        return 0;
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_creatives_get(c, req->user.id, id, &row, state) : DB_CREATIVES_ERROR;
    db_release(req->app->db, c);
    if (rc == DB_CREATIVES_NOT_FOUND)
        return reply_error(req, 404, "CREATIVE_NOT_FOUND", NOT_FOUND);
    if (rc != DB_CREATIVES_OK) {
        api_log_db_failure("creative", "get", state);
        return reply_error(req, 500, "CREATIVE_RETRIEVAL_FAILED", "Failed to retrieve creative");
    }
    return reply_json(req, 200, json_pack("{s:o}", "creative", row));
}

int api_creatives_update(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *values = NULL, *row = NULL;
    struct validate_failure f = {NULL, NULL};
    char state[6] = "";
    struct db_conn *c;
    int rc;

    if (id == NULL)
        return 0;
    if (validate_object(&validate_creative_update_schema, req->json, &values, &f) != VALIDATE_OK) {
        reply_validation(req, f.field, f.message);
        validate_failure_release(&f);
        return 0;
    }
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_creatives_update(c, req->user.id, id, values, &row, state)
                   : DB_CREATIVES_ERROR;
    db_release(req->app->db, c);
    json_decref(values);
    if (rc == DB_CREATIVES_NOT_FOUND)
        return reply_error(req, 404, "CREATIVE_NOT_FOUND", NOT_FOUND_PERMISSION);
    if (rc != DB_CREATIVES_OK) {
        api_log_db_failure("creative", "update", state);
        return reply_error(req, 500, "CREATIVE_UPDATE_FAILED", "Failed to update creative");
    }
    return reply_creative(req, "Creative updated successfully", row);
}

int api_creatives_set_status(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    const json_t *st = json_object_get(req->json, "status");
    const char *status;
    json_t *row = NULL;
    char state[6] = "", message[64];
    struct db_conn *c;
    int rc;

    if (id == NULL)
        return 0;
    /* exactly the strings "active" or "inactive"; other fields are ignored (3.4.5) */
    status = json_string_value(st);
    if (status == NULL || strlen(status) != json_string_length(st) ||
        (strcmp(status, "active") != 0 && strcmp(status, "inactive") != 0))
        return reply_error(req, 400, "INVALID_STATUS",
                           "Invalid status. Must be either active or inactive");
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_creatives_set_status(c, req->user.id, id, status, &row, state)
                   : DB_CREATIVES_ERROR;
    db_release(req->app->db, c);
    if (rc == DB_CREATIVES_NOT_FOUND)
        return reply_error(req, 404, "CREATIVE_NOT_FOUND", NOT_FOUND_PERMISSION);
    if (rc != DB_CREATIVES_OK) {
        api_log_db_failure("creative", "set_status", state);
        return reply_error(req, 500, "STATUS_UPDATE_FAILED", "Failed to update creative status");
    }
    snprintf(message, sizeof(message), "Creative status updated to %s", status);
    return reply_creative(req, message, row);
}

/* Best effort, like the upload's object: log what could not be removed. */
static void delete_object(void *ctx, const char *key, const char *mime)
{
    struct app *app = ctx;
    char err[256];

    (void)mime;
    if (storage_delete(app->storage, key, err, sizeof(err)) != STORAGE_OK)
        log_warn("rendition object not deleted", "key", key, "error", err);
}

int api_creatives_delete(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *url = NULL, *objects = NULL;
    char key[STORAGE_KEY_MAX + 1];
    char state[6] = "", err[256] = "";
    struct db_conn *c;
    int rc;

    if (id == NULL)
        return 0;
    c = db_acquire(req->app->db, DB_WAIT_MS);
    /* The renditions' objects, known only from their rows, which the delete cascades away. */
    if (c != NULL &&
        db_creative_renditions_objects(c, id, &objects, state) != DB_CREATIVE_RENDITIONS_OK)
        objects = NULL; /* the delete below reports a database failure */
    rc = c != NULL ? db_creatives_delete(c, req->user.id, id, &url, state) : DB_CREATIVES_ERROR;
    db_release(req->app->db, c);
    if (rc != DB_CREATIVES_OK)
        json_decref(objects);
    if (rc == DB_CREATIVES_NOT_FOUND)
        return reply_error(req, 404, "CREATIVE_NOT_FOUND", NOT_FOUND_PERMISSION);
    if (rc != DB_CREATIVES_OK) {
        /* impressions referencing the creative make this fail (23503) [quirk, 3.4.6] */
        api_log_db_failure("creative", "delete", state);
        return reply_error(req, 500, "CREATIVE_DELETION_FAILED", "Failed to delete creative");
    }
    /* best effort: the row is gone whatever happens to the object (3.4.6) */
    if (json_string_value(url) != NULL && req->app->storage != NULL &&
        creative_url_key(req->app, json_string_value(url), key, sizeof(key)) == 0) {
        rc = storage_delete(req->app->storage, key, err, sizeof(err));
        if (rc != STORAGE_OK)
            log_warn("creative object not deleted", "creative", id, "error", err);
    }
    for (size_t i = 0; req->app->storage != NULL && i < json_array_size(objects); i++) {
        json_t *o = json_array_get(objects, i);
        rendition_job_each_key(i == 0 ? json_string_value(json_object_get(o, "storage_key")) : NULL,
                               json_string_value(json_object_get(o, "mp4_key")),
                               json_string_value(json_object_get(o, "hls_key")),
                               (int)json_integer_value(json_object_get(o, "hls_segments")),
                               delete_object, req->app);
    }
    json_decref(objects);
    json_decref(url);
    return reply_json(
        req, 200,
        json_pack("{s:s,s:s}", "message", "Creative deleted successfully", "creativeId", id));
}

int api_creatives_stats(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *stats = NULL;
    char state[6] = "";
    struct db_conn *c;
    int rc;

    if (id == NULL)
        return 0;
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_stats_creative(c, req->user.id, id, &stats, state) : DB_STATS_ERROR;
    db_release(req->app->db, c);
    if (rc == DB_STATS_NOT_FOUND)
        return reply_error(req, 404, "CREATIVE_NOT_FOUND", NOT_FOUND);
    if (rc != DB_STATS_OK) {
        api_log_db_failure("creative", "stats", state);
        return reply_error(req, 500, "STATS_RETRIEVAL_FAILED", "Failed to retrieve creative stats");
    }
    return reply_json(req, 200, json_pack("{s:o}", "stats", stats));
}
