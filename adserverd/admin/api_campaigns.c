/*
 * api_campaigns: see api_campaigns.h.
 *
 * Error bodies are the contract's per-endpoint codes (section 10); a
 * database failure is logged here with its SQLSTATE and answered with the
 * endpoint's fixed 500 body, never with database text.
 */
#include "admin/api_campaigns.h"
#include "admin/api_common.h"

#include "core/app.h"
#include "db/db.h"
#include "db/db_campaigns.h"
#include "db/db_stats.h"
#include "lib/log.h"
#include "http/reply.h"
#include "http/request.h"
#include "db/rowjson.h"
#include "util/uuid.h"
#include "admin/validate.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DB_WAIT_MS 5000

#define NOT_FOUND "Campaign not found"
#define NOT_FOUND_UPDATE "Campaign not found or you do not have permission to update it"
#define NOT_FOUND_DELETE "Campaign not found or you do not have permission to delete it"

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

/* Validate input against schema; on failure answer format C and return -1. */
static int validated(struct request *req, const struct validate_schema *schema, const json_t *input,
                     json_t **values)
{
    struct validate_failure f = {NULL, NULL};

    if (validate_object(schema, input, values, &f) == VALIDATE_OK)
        return 0;
    reply_validation(req, f.field, f.message);
    validate_failure_release(&f);
    return -1;
}

/* The epoch-ms value of a validated date as decimal text, or NULL when absent. */
static const char *ms_text(const json_t *values, const char *key, char out[24])
{
    const json_t *v = json_object_get(values, key);

    if (!json_is_integer(v))
        return NULL;
    snprintf(out, 24, "%" PRId64, (int64_t)json_integer_value(v));
    return out;
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

/*
 * metrics of 3.3.2 from the row's sums: numbers, and ctr as a two-decimal
 * string when there are impressions, else the number 0 [quirk].
 */
static json_t *metrics_of(const json_t *row)
{
    double impressions =
        rowjson_parse(json_string_value(json_object_get(row, "total_impressions")));
    double clicks = rowjson_parse(json_string_value(json_object_get(row, "total_clicks")));
    double spend = rowjson_parse(json_string_value(json_object_get(row, "total_spend")));
    char ctr[32];
    json_t *m = json_object();

    if (m == NULL)
        return NULL;
    json_object_set_new(m, "impressions", rowjson_number(impressions));
    json_object_set_new(m, "clicks", rowjson_number(clicks));
    if (impressions > 0 && rowjson_fixed2(clicks / impressions * 100, ctr) == 0)
        json_object_set_new(m, "ctr", json_string(ctr));
    else
        json_object_set_new(m, "ctr", json_integer(0));
    json_object_set_new(m, "spend", rowjson_number(spend));
    return m;
}

/* {"message": message, "campaign": row} (row taken). */
static int reply_campaign(struct request *req, unsigned status, const char *message, json_t *row)
{
    return reply_json(req, status, json_pack("{s:s,s:o}", "message", message, "campaign", row));
}

/* ------------------------------------------------------------------------ */
/* Handlers                                                                 */
/* ------------------------------------------------------------------------ */

int api_campaigns_list(struct request *req)
{
    json_t *query = api_query(req);
    json_t *values = NULL, *rows = NULL, *page, *limit;
    struct db_campaigns_filter filter;
    char start[24], end[24], state[6] = "";
    struct db_conn *c = NULL;
    int rc;

    if (validated(req, &validate_campaign_list_schema, query, &values) != 0)
        goto done;
    filter.status = json_string_value(json_object_get(values, "status"));
    filter.start_ms = ms_text(values, "start_date", start);
    filter.end_ms = ms_text(values, "end_date", end);
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_campaigns_list(c, req->user.id, &filter, &rows, state) : DB_CAMPAIGNS_ERROR;
    if (rc != DB_CAMPAIGNS_OK) {
        api_log_db_failure("campaign", "list", state);
        reply_error(req, 500, "CAMPAIGNS_RETRIEVAL_FAILED", "Failed to retrieve campaigns");
        goto done;
    }
    /* page and limit are validated and echoed, never applied [quirk, 3.3.1] */
    page = json_object_get(values, "page");
    limit = json_object_get(values, "limit");
    reply_json(req, 200,
               json_pack("{s:O,s:I,s:O,s:O}", "campaigns", rows, "total",
                         (json_int_t)json_array_size(rows), "page", page, "limit", limit));
done:
    db_release(req->app->db, c);
    json_decref(rows);
    json_decref(values);
    json_decref(query);
    return 0;
}

int api_campaigns_get(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *row = NULL, *metrics;
    char state[6] = "";
    struct db_conn *c;
    int rc;

    if (id == NULL)
        return 0;
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_campaigns_get(c, req->user.id, id, &row, state) : DB_CAMPAIGNS_ERROR;
    db_release(req->app->db, c);
    if (rc == DB_CAMPAIGNS_NOT_FOUND)
        return reply_error(req, 404, "CAMPAIGN_NOT_FOUND", NOT_FOUND);
    if (rc != DB_CAMPAIGNS_OK || (metrics = metrics_of(row)) == NULL) {
        json_decref(row);
        api_log_db_failure("campaign", "get", state);
        return reply_error(req, 500, "CAMPAIGN_RETRIEVAL_FAILED", "Failed to retrieve campaign");
    }
    json_object_set_new(row, "metrics", metrics);
    return reply_json(req, 200, json_pack("{s:o}", "campaign", row));
}

int api_campaigns_create(struct request *req)
{
    json_t *values = NULL, *row = NULL;
    char state[6] = "";
    struct db_conn *c;
    int rc;

    if (validated(req, &validate_campaign_create_schema, req->json, &values) != 0)
        return 0;
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_campaigns_create(c, req->user.id, values, &row, state) : DB_CAMPAIGNS_ERROR;
    db_release(req->app->db, c);
    json_decref(values);
    if (rc != DB_CAMPAIGNS_OK) {
        api_log_db_failure("campaign", "create", state);
        return reply_error(req, 500, "CAMPAIGN_CREATION_FAILED", "Failed to create campaign");
    }
    return reply_campaign(req, 201, "Campaign created successfully", row);
}

int api_campaigns_update(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *values = NULL, *row = NULL;
    char state[6] = "";
    struct db_conn *c;
    int rc;

    if (id == NULL || validated(req, &validate_campaign_update_schema, req->json, &values) != 0)
        return 0;
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_campaigns_update(c, req->user.id, id, values, &row, state)
                   : DB_CAMPAIGNS_ERROR;
    db_release(req->app->db, c);
    json_decref(values);
    if (rc == DB_CAMPAIGNS_NOT_FOUND)
        return reply_error(req, 404, "CAMPAIGN_NOT_FOUND", NOT_FOUND_UPDATE);
    if (rc != DB_CAMPAIGNS_OK) {
        /* constraint violations land here too [quirk, 3.3.4] */
        api_log_db_failure("campaign", "update", state);
        return reply_error(req, 500, "CAMPAIGN_UPDATE_FAILED", "Failed to update campaign");
    }
    return reply_campaign(req, 200, "Campaign updated successfully", row);
}

int api_campaigns_set_status(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *values = NULL, *row = NULL;
    const char *status;
    char state[6] = "", message[64];
    struct db_conn *c;
    int rc;

    if (id == NULL || validated(req, &validate_campaign_status_schema, req->json, &values) != 0)
        return 0;
    status = json_string_value(json_object_get(values, "status"));
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_campaigns_set_status(c, req->user.id, id, status, &row, state)
                   : DB_CAMPAIGNS_ERROR;
    db_release(req->app->db, c);
    snprintf(message, sizeof(message), "Campaign status updated to %s", status);
    json_decref(values);
    if (rc == DB_CAMPAIGNS_NOT_FOUND)
        return reply_error(req, 404, "CAMPAIGN_NOT_FOUND", NOT_FOUND_UPDATE);
    if (rc != DB_CAMPAIGNS_OK) {
        api_log_db_failure("campaign", "set_status", state);
        return reply_error(req, 500, "STATUS_UPDATE_FAILED", "Failed to update campaign status");
    }
    return reply_campaign(req, 200, message, row);
}

int api_campaigns_delete(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *query;
    char state[6] = "";
    struct db_conn *c;
    int hard, rc;

    if (id == NULL)
        return 0;
    /* only the exact string "true" (not "TRUE", not a repeated key) is a hard delete */
    query = api_query(req);
    hard = json_is_string(json_object_get(query, "hard")) &&
           strcmp(json_string_value(json_object_get(query, "hard")), "true") == 0 &&
           json_string_length(json_object_get(query, "hard")) == 4;
    json_decref(query);
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_campaigns_delete(c, req->user.id, id, hard, state) : DB_CAMPAIGNS_ERROR;
    db_release(req->app->db, c);
    if (rc == DB_CAMPAIGNS_NOT_FOUND)
        return reply_error(req, 404, "CAMPAIGN_NOT_FOUND", NOT_FOUND_DELETE);
    if (rc != DB_CAMPAIGNS_OK) {
        /* a hard delete of a campaign with impressions fails here (23503) [quirk, 3.3.6] */
        api_log_db_failure("campaign", "delete", state);
        return reply_error(req, 500, "CAMPAIGN_DELETION_FAILED", "Failed to delete campaign");
    }
    return reply_json(
        req, 200,
        json_pack("{s:s,s:s}", "message",
                  hard ? "Campaign permanently deleted" : "Campaign marked as completed",
                  "campaignId", id));
}

int api_campaigns_stats(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    json_t *stats = NULL;
    char state[6] = "";
    struct db_conn *c;
    int rc;

    if (id == NULL)
        return 0;
    c = db_acquire(req->app->db, DB_WAIT_MS);
    rc = c != NULL ? db_stats_campaign(c, req->user.id, id, &stats, state) : DB_STATS_ERROR;
    db_release(req->app->db, c);
    if (rc == DB_STATS_NOT_FOUND)
        return reply_error(req, 404, "CAMPAIGN_NOT_FOUND", NOT_FOUND);
    if (rc != DB_STATS_OK) {
        api_log_db_failure("campaign", "stats", state);
        return reply_error(req, 500, "STATS_RETRIEVAL_FAILED", "Failed to retrieve campaign stats");
    }
    return reply_json(req, 200, json_pack("{s:o}", "stats", stats));
}
