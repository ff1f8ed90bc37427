/*
 * api_campaigns: see api_campaigns.h.
 *
 * Error bodies are the contract's per-endpoint codes (docs/admin-api.md, error bodies); a
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
/* Queries                                                                  */
/* ------------------------------------------------------------------------ */

/* One handler's query: its inputs (borrowed) and its result (owned). */
struct campaign_query {
    struct request *req;
    const char *id;
    const json_t *values;
    const struct db_campaigns_filter *filter;
    const char *status;
    int hard;
    json_t *out;
};

static int query_list(struct db_conn *c, void *arg, char state[6])
{
    struct campaign_query *q = arg;

    return db_campaigns_list(c, q->req->user.id, q->filter, &q->out, state);
}

static int query_get(struct db_conn *c, void *arg, char state[6])
{
    struct campaign_query *q = arg;

    return db_campaigns_get(c, q->req->user.id, q->id, &q->out, state);
}

static int query_create(struct db_conn *c, void *arg, char state[6])
{
    struct campaign_query *q = arg;

    return db_campaigns_create(c, q->req->user.id, q->values, &q->out, state);
}

static int query_update(struct db_conn *c, void *arg, char state[6])
{
    struct campaign_query *q = arg;

    return db_campaigns_update(c, q->req->user.id, q->id, q->values, &q->out, state);
}

static int query_set_status(struct db_conn *c, void *arg, char state[6])
{
    struct campaign_query *q = arg;

    return db_campaigns_set_status(c, q->req->user.id, q->id, q->status, &q->out, state);
}

static int query_delete(struct db_conn *c, void *arg, char state[6])
{
    struct campaign_query *q = arg;

    return db_campaigns_delete(c, q->req->user.id, q->id, q->hard, state);
}

static int query_stats(struct db_conn *c, void *arg, char state[6])
{
    struct campaign_query *q = arg;

    return db_stats_campaign(c, q->req->user.id, q->id, &q->out, state);
}

static const struct api_db_errors list_errors = {
    "campaign", "list", NULL, NULL, "CAMPAIGNS_RETRIEVAL_FAILED", "Failed to retrieve campaigns",
};
static const struct api_db_errors get_errors = {
    "campaign", "get", "CAMPAIGN_NOT_FOUND", NOT_FOUND,
    "CAMPAIGN_RETRIEVAL_FAILED", "Failed to retrieve campaign",
};
static const struct api_db_errors create_errors = {
    "campaign", "create", NULL, NULL, "CAMPAIGN_CREATION_FAILED", "Failed to create campaign",
};
/* constraint violations land in the 500 too [quirk, 3.3.4] */
static const struct api_db_errors update_errors = {
    "campaign", "update", "CAMPAIGN_NOT_FOUND", NOT_FOUND_UPDATE,
    "CAMPAIGN_UPDATE_FAILED", "Failed to update campaign",
};
static const struct api_db_errors set_status_errors = {
    "campaign", "set_status", "CAMPAIGN_NOT_FOUND", NOT_FOUND_UPDATE,
    "STATUS_UPDATE_FAILED", "Failed to update campaign status",
};
/* a hard delete of a campaign with impressions fails (23503) [quirk, 3.3.6] */
static const struct api_db_errors delete_errors = {
    "campaign", "delete", "CAMPAIGN_NOT_FOUND", NOT_FOUND_DELETE,
    "CAMPAIGN_DELETION_FAILED", "Failed to delete campaign",
};
static const struct api_db_errors stats_errors = {
    "campaign", "stats", "CAMPAIGN_NOT_FOUND", NOT_FOUND,
    "STATS_RETRIEVAL_FAILED", "Failed to retrieve campaign stats",
};

/* ------------------------------------------------------------------------ */
/* Handlers                                                                 */
/* ------------------------------------------------------------------------ */

int api_campaigns_list(struct request *req)
{
    json_t *query = api_query(req);
    json_t *values = NULL, *page, *limit;
    struct db_campaigns_filter filter;
    struct campaign_query q = {.req = req, .filter = &filter};
    char start[24], end[24];

    if (validated(req, &validate_campaign_list_schema, query, &values) != 0)
        goto done;
    filter.status = json_string_value(json_object_get(values, "status"));
    filter.start_ms = ms_text(values, "start_date", start);
    filter.end_ms = ms_text(values, "end_date", end);
    if (api_db_run(req, query_list, &q, &list_errors) != 0)
        goto done;
    /* page and limit are validated and echoed, never applied [quirk, 3.3.1] */
    page = json_object_get(values, "page");
    limit = json_object_get(values, "limit");
    reply_json(req, 200,
               json_pack("{s:O,s:I,s:O,s:O}", "campaigns", q.out, "total",
                         (json_int_t)json_array_size(q.out), "page", page, "limit", limit));
done:
    json_decref(q.out);
    json_decref(values);
    json_decref(query);
    return 0;
}

int api_campaigns_get(struct request *req)
{
    struct campaign_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};
    json_t *metrics;

    if (q.id == NULL || api_db_run(req, query_get, &q, &get_errors) != 0)
        return 0;
    if ((metrics = metrics_of(q.out)) == NULL) {
        json_decref(q.out);
        return api_db_reply_failure(req, &get_errors, "");
    }
    json_object_set_new(q.out, "metrics", metrics);
    return reply_json(req, 200, json_pack("{s:o}", "campaign", q.out));
}

int api_campaigns_create(struct request *req)
{
    struct campaign_query q = {.req = req};
    json_t *values = NULL;
    int rc;

    if (validated(req, &validate_campaign_create_schema, req->json, &values) != 0)
        return 0;
    q.values = values;
    rc = api_db_run(req, query_create, &q, &create_errors);
    json_decref(values);
    if (rc != 0)
        return 0;
    return reply_campaign(req, 201, "Campaign created successfully", q.out);
}

int api_campaigns_update(struct request *req)
{
    struct campaign_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};
    json_t *values = NULL;
    int rc;

    if (q.id == NULL || validated(req, &validate_campaign_update_schema, req->json, &values) != 0)
        return 0;
    q.values = values;
    rc = api_db_run(req, query_update, &q, &update_errors);
    json_decref(values);
    if (rc != 0)
        return 0;
    return reply_campaign(req, 200, "Campaign updated successfully", q.out);
}

int api_campaigns_set_status(struct request *req)
{
    struct campaign_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};
    json_t *values = NULL;
    char message[64];
    int rc;

    if (q.id == NULL || validated(req, &validate_campaign_status_schema, req->json, &values) != 0)
        return 0;
    q.status = json_string_value(json_object_get(values, "status"));
    snprintf(message, sizeof(message), "Campaign status updated to %s", q.status);
    rc = api_db_run(req, query_set_status, &q, &set_status_errors);
    json_decref(values);
    if (rc != 0)
        return 0;
    return reply_campaign(req, 200, message, q.out);
}

int api_campaigns_delete(struct request *req)
{
    struct campaign_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};
    json_t *query;

    if (q.id == NULL)
        return 0;
    /* only the exact string "true" (not "TRUE", not a repeated key) is a hard delete */
    query = api_query(req);
    q.hard = json_is_string(json_object_get(query, "hard")) &&
             strcmp(json_string_value(json_object_get(query, "hard")), "true") == 0 &&
             json_string_length(json_object_get(query, "hard")) == 4;
    json_decref(query);
    if (api_db_run(req, query_delete, &q, &delete_errors) != 0)
        return 0;
    return reply_json(
        req, 200,
        json_pack("{s:s,s:s}", "message",
                  q.hard ? "Campaign permanently deleted" : "Campaign marked as completed",
                  "campaignId", q.id));
}

int api_campaigns_stats(struct request *req)
{
    struct campaign_query q = {.req = req, .id = api_uuid_param(req, 0, "id")};

    if (q.id == NULL || api_db_run(req, query_stats, &q, &stats_errors) != 0)
        return 0;
    return reply_json(req, 200, json_pack("{s:o}", "stats", q.out));
}
