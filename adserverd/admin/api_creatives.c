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

#define NOT_FOUND "Creative not found"
#define NOT_FOUND_PERMISSION "Creative not found or you do not have permission"

/* {"message": message, "creative": row} (row taken). */
static int reply_creative(struct request *req, const char *message, json_t *row)
{
    return reply_json(req, 200, json_pack("{s:s,s:o}", "message", message, "creative", row));
}

/* One handler's query: its inputs (borrowed) and its result (owned). */
struct creative_query {
    struct request *req;
    const char *id; /* the creative's, or the campaign's for a list */
    const json_t *values;
    const char *status;
    json_t *out;
    json_t *objects; /* delete: the renditions' stored objects (owned) */
};

/* The campaign's creatives, once its ownership is checked on the same connection. */
static int query_list(struct db_conn *c, void *arg, char state[6])
{
    struct creative_query *q = arg;
    int rc = db_campaigns_owned(c, q->req->user.id, q->id, state);

    if (rc != DB_CAMPAIGNS_OK)
        return rc;
    return db_creatives_list(c, q->id, &q->out, state) == DB_CREATIVES_OK ? 0 : -1;
}

static int query_get(struct db_conn *c, void *arg, char state[6])
{
    struct creative_query *q = arg;

    return db_creatives_get(c, q->req->user.id, q->id, &q->out, state);
}

static int query_update(struct db_conn *c, void *arg, char state[6])
{
    struct creative_query *q = arg;

    return db_creatives_update(c, q->req->user.id, q->id, q->values, &q->out, state);
}

static int query_set_status(struct db_conn *c, void *arg, char state[6])
{
    struct creative_query *q = arg;

    return db_creatives_set_status(c, q->req->user.id, q->id, q->status, &q->out, state);
}

/*
 * The renditions' objects are known only from their rows, which the delete
 * cascades away: read them first, on the same connection, and keep them
 * only when the delete went through.
 */
static int query_delete(struct db_conn *c, void *arg, char state[6])
{
    struct creative_query *q = arg;
    int rc;

    if (db_creative_renditions_objects(c, q->id, &q->objects, state) != DB_CREATIVE_RENDITIONS_OK)
        q->objects = NULL; /* the delete below reports a database failure */
    rc = db_creatives_delete(c, q->req->user.id, q->id, &q->out, state);
    if (rc != DB_CREATIVES_OK) {
        json_decref(q->objects);
        q->objects = NULL;
    }
    return rc;
}

static int query_stats(struct db_conn *c, void *arg, char state[6])
{
    struct creative_query *q = arg;

    return db_stats_creative(c, q->req->user.id, q->id, &q->out, state);
}

static const struct api_db_errors list_errors = {
    "creative", "list", "CAMPAIGN_NOT_FOUND", "Campaign not found or you do not have permission",
    "CREATIVES_RETRIEVAL_FAILED", "Failed to retrieve creatives",
};
static const struct api_db_errors get_errors = {
    "creative", "get", "CREATIVE_NOT_FOUND", NOT_FOUND,
    "CREATIVE_RETRIEVAL_FAILED", "Failed to retrieve creative",
};
static const struct api_db_errors update_errors = {
    "creative", "update", "CREATIVE_NOT_FOUND", NOT_FOUND_PERMISSION,
    "CREATIVE_UPDATE_FAILED", "Failed to update creative",
};
static const struct api_db_errors set_status_errors = {
    "creative", "set_status", "CREATIVE_NOT_FOUND", NOT_FOUND_PERMISSION,
    "STATUS_UPDATE_FAILED", "Failed to update creative status",
};
/* impressions referencing the creative make this fail (23503) [quirk, 3.4.6] */
static const struct api_db_errors delete_errors = {
    "creative", "delete", "CREATIVE_NOT_FOUND", NOT_FOUND_PERMISSION,
    "CREATIVE_DELETION_FAILED", "Failed to delete creative",
};
static const struct api_db_errors stats_errors = {
    "creative", "stats", "CREATIVE_NOT_FOUND", NOT_FOUND,
    "STATS_RETRIEVAL_FAILED", "Failed to retrieve creative stats",
};

int api_creatives_list(struct request *req)
{
    struct creative_query q = {.req = req, .id = api_uuid_param(req, 0, "campaignId")};
    json_t *query = NULL;
    struct validate_failure f = {NULL, NULL};

    if (q.id == NULL)
        return 0;
    /* status, page and limit are validated but never applied [quirk, 3.4.2] */
    query = api_query(req);
    if (validate_object(&validate_creative_list_schema, query, NULL, &f) != VALIDATE_OK) {
        reply_validation(req, f.field, f.message);
        validate_failure_release(&f);
        goto done;
    }
    if (api_db_run(req, query_list, &q, &list_errors) != 0)
        goto done;
    reply_json(req, 200,
               json_pack("{s:O,s:I,s:s}", "creatives", q.out, "total",
                         (json_int_t)json_array_size(q.out), "campaignId", q.id));
done:
    json_decref(q.out);
    json_decref(query);
    return 0;
}

int api_creatives_get(struct request *req)
{
    struct creative_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};

    if (q.id == NULL || api_db_run(req, query_get, &q, &get_errors) != 0)
        return 0;
    return reply_json(req, 200, json_pack("{s:o}", "creative", q.out));
}

int api_creatives_update(struct request *req)
{
    struct creative_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};
    json_t *values = NULL;
    struct validate_failure f = {NULL, NULL};
    int rc;

    if (q.id == NULL)
        return 0;
    if (validate_object(&validate_creative_update_schema, req->json, &values, &f) != VALIDATE_OK) {
        reply_validation(req, f.field, f.message);
        validate_failure_release(&f);
        return 0;
    }
    q.values = values;
    rc = api_db_run(req, query_update, &q, &update_errors);
    json_decref(values);
    if (rc != 0)
        return 0;
    return reply_creative(req, "Creative updated successfully", q.out);
}

int api_creatives_set_status(struct request *req)
{
    struct creative_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};
    const json_t *st = json_object_get(req->json, "status");
    char message[64];

    if (q.id == NULL)
        return 0;
    /* exactly the strings "active" or "inactive"; other fields are ignored (3.4.5) */
    q.status = json_string_value(st);
    if (q.status == NULL || strlen(q.status) != json_string_length(st) ||
        (strcmp(q.status, "active") != 0 && strcmp(q.status, "inactive") != 0))
        return reply_error(req, 400, "INVALID_STATUS",
                           "Invalid status. Must be either active or inactive");
    if (api_db_run(req, query_set_status, &q, &set_status_errors) != 0)
        return 0;
    snprintf(message, sizeof(message), "Creative status updated to %s", q.status);
    return reply_creative(req, message, q.out);
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
    struct creative_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};
    const char *id = q.id;
    json_t *url, *objects;
    char key[STORAGE_KEY_MAX + 1];
    char err[256] = "";
    int rc;

    if (id == NULL || api_db_run(req, query_delete, &q, &delete_errors) != 0)
        return 0;
    url = q.out;
    objects = q.objects;
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
    struct creative_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};

    if (q.id == NULL || api_db_run(req, query_stats, &q, &stats_errors) != 0)
        return 0;
    return reply_json(req, 200, json_pack("{s:o}", "stats", q.out));
}
