/*
 * api_analytics: see api_analytics.h.
 *
 * start_date / end_date go to PostgreSQL unvalidated, as the reference
 * passes them [quirk, 3.6]: an unparsable date is a 500. An empty value is
 * no bound (JavaScript's falsy ""), and a repeated or bracketed parameter
 * (an array or object to Express) is a 500 as PostgreSQL rejects it there.
 */
#include "admin/api_analytics.h"
#include "admin/api_common.h"

#include "core/app.h"
#include "db/db.h"
#include "db/db_campaigns.h"
#include "db/db_stats.h"
#include "lib/log.h"
#include "http/reply.h"
#include "http/request.h"
#include "db/rowjson.h"
#include "admin/validate.h"

#include <string.h>

#define DB_WAIT_MS 5000

/* Text column key of row as a JavaScript number (parseInt / parseFloat). */
static double num(const json_t *row, const char *key)
{
    return rowjson_parse(json_string_value(json_object_get(row, key)));
}

/* part / whole * 100 rounded to two decimals, 0 without a whole. */
static double rate(double part, double whole)
{
    return whole > 0 ? rowjson_round2(part / whole * 100) : 0;
}

/*
 * The date range of the query: 0, or -1 when a bound is not a plain string
 * (then the reference's query fails). *query keeps the strings alive.
 */
static int range_of(const struct request *req, json_t **query, struct db_stats_range *r)
{
    const char *mark = strchr(req->raw_url, '?');
    const json_t *s, *e;

    *query = json_object();
    if (*query == NULL)
        return -1;
    if (mark != NULL)
        validate_query_parse(*query, mark + 1, strlen(mark + 1));
    s = json_object_get(*query, "start_date");
    e = json_object_get(*query, "end_date");
    if ((s != NULL && !json_is_string(s)) || (e != NULL && !json_is_string(e)))
        return -1;
    r->start = json_string_length(s) > 0 ? json_string_value(s) : NULL;
    r->end = json_string_length(e) > 0 ? json_string_value(e) : NULL;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Summary                                                                  */
/* ------------------------------------------------------------------------ */

static json_t *summary_of(const json_t *camp, const json_t *tot)
{
    double budget = num(camp, "budget"), spent = num(camp, "spent");
    double imp = num(tot, "impressions"), clicks = num(tot, "clicks");
    double completions = num(tot, "completions");

    /* clang-format off */
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                     "totalCampaigns", rowjson_number(num(camp, "total")),
                     "activeCampaigns", rowjson_number(num(camp, "active")),
                     "pausedCampaigns", rowjson_number(num(camp, "paused")),
                     "completedCampaigns", rowjson_number(num(camp, "completed")),
                     "totalBudget", rowjson_number(budget),
                     "totalSpent", rowjson_number(spent),
                     "budgetRemaining", rowjson_number(budget - spent),
                     "budgetUtilization", rowjson_number(rate(spent, budget)),
                     "totalImpressions", rowjson_number(imp),
                     "totalClicks", rowjson_number(clicks),
                     "totalCompletions", rowjson_number(completions),
                     "ctr", rowjson_number(rate(clicks, imp)),
                     "completionRate", rowjson_number(rate(completions, imp)));
    /* clang-format on */
}

/* [{date, impressions, clicks, completions, spend}] with numbers; with_rates adds ctr and
 * completionRate (campaign daily stats). */
static json_t *days_of(const json_t *rows, int with_rates)
{
    json_t *out = json_array();
    const json_t *r;
    json_t *o;
    size_t i;

    if (out == NULL)
        return NULL;
    json_array_foreach(rows, i, r)
    {
        double imp = num(r, "impressions"), clicks = num(r, "clicks");
        double completions = num(r, "completions");

        o = json_pack("{s:s,s:o,s:o,s:o,s:o}", "date",
                      json_string_value(json_object_get(r, "date")), "impressions",
                      rowjson_number(imp), "clicks", rowjson_number(clicks), "completions",
                      rowjson_number(completions), "spend", rowjson_number(num(r, "spend")));
        if (o != NULL && with_rates) {
            json_object_set_new(o, "ctr", rowjson_number(rate(clicks, imp)));
            json_object_set_new(o, "completionRate", rowjson_number(rate(completions, imp)));
        }
        if (o == NULL || json_array_append_new(out, o) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static json_t *top_of(const json_t *rows)
{
    json_t *out = json_array();
    const json_t *r;
    json_t *o;
    size_t i;

    if (out == NULL)
        return NULL;
    json_array_foreach(rows, i, r)
    {
        double imp = num(r, "impressions"), clicks = num(r, "clicks");

        o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                      json_string_value(json_object_get(r, "id")), "name",
                      json_string_value(json_object_get(r, "name")), "status",
                      json_string_value(json_object_get(r, "status")), "budgetTotal",
                      rowjson_number(num(r, "budget_total")), "budgetSpent",
                      rowjson_number(num(r, "budget_spent")), "impressions", rowjson_number(imp),
                      "clicks", rowjson_number(clicks), "spend", rowjson_number(num(r, "spend")),
                      "ctr", rowjson_number(rate(clicks, imp)));
        if (o == NULL || json_array_append_new(out, o) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

int api_analytics_summary(struct request *req)
{
    json_t *query = NULL, *camp = NULL, *tot = NULL, *series = NULL, *top = NULL, *body = NULL;
    struct db_stats_range range = {NULL, NULL};
    char state[6] = "";
    struct db_conn *c = NULL;
    int rc = DB_STATS_ERROR;

    if (range_of(req, &query, &range) == 0) {
        c = db_acquire(req->app->db, DB_WAIT_MS);
        if (c != NULL)
            rc = db_stats_summary(c, req->user.id, &range, &camp, &tot, &series, &top, state);
        db_release(req->app->db, c);
    }
    if (rc == DB_STATS_OK)
        body = json_pack("{s:o,s:o,s:o}", "summary", summary_of(camp, tot), "timeSeries",
                         days_of(series, 0), "topCampaigns", top_of(top));
    json_decref(query);
    json_decref(camp);
    json_decref(tot);
    json_decref(series);
    json_decref(top);
    if (body == NULL) {
        api_log_db_failure("analytics", "summary", state);
        return reply_error(req, 500, "ANALYTICS_RETRIEVAL_FAILED",
                           "Failed to retrieve summary analytics");
    }
    return reply_json(req, 200, body);
}

/* ------------------------------------------------------------------------ */
/* One campaign                                                             */
/* ------------------------------------------------------------------------ */

static json_t *breakdown_of(const json_t *rows)
{
    json_t *out = json_array();
    const json_t *r;
    json_t *o, *cr;
    char text[32];
    size_t i;

    if (out == NULL)
        return NULL;
    json_array_foreach(rows, i, r)
    {
        double imp = num(r, "impressions"), completions = num(r, "completions");

        /* a two-decimal string with impressions, else the number 0 [quirk, 3.6.2] */
        if (imp > 0 && rowjson_fixed2(completions / imp * 100, text) == 0)
            cr = json_string(text);
        else
            cr = json_integer(0);
        o = json_pack(
            "{s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", json_string_value(json_object_get(r, "id")),
            "name", json_string_value(json_object_get(r, "name")), "videoUrl",
            json_string_value(json_object_get(r, "video_url")), "status",
            json_string_value(json_object_get(r, "status")), "impressions", rowjson_number(imp),
            "completions", rowjson_number(completions), "completionRate", cr);
        if (o == NULL || json_array_append_new(out, o) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

int api_analytics_campaign(struct request *req)
{
    /* no UUID check: a malformed id fails in PostgreSQL, a 500 [quirk, 3.6.2] */
    const char *id = request_param(req, 0);
    json_t *query = NULL, *daily = NULL, *creatives = NULL, *body = NULL;
    struct db_stats_range range = {NULL, NULL};
    char state[6] = "";
    struct db_conn *c = NULL;
    int rc = DB_CAMPAIGNS_ERROR;

    c = db_acquire(req->app->db, DB_WAIT_MS);
    if (c != NULL)
        rc = db_campaigns_owned(c, req->user.id, id, state);
    if (rc == DB_CAMPAIGNS_NOT_FOUND) {
        db_release(req->app->db, c);
        return reply_error(req, 404, "CAMPAIGN_NOT_FOUND", "Campaign not found");
    }
    if (rc == DB_CAMPAIGNS_OK && range_of(req, &query, &range) == 0 &&
        db_stats_campaign_analytics(c, id, &range, &daily, &creatives, state) == DB_STATS_OK)
        body = json_pack("{s:o,s:o}", "dailyStats", days_of(daily, 1), "creativeBreakdown",
                         breakdown_of(creatives));
    db_release(req->app->db, c);
    json_decref(query);
    json_decref(daily);
    json_decref(creatives);
    if (body == NULL) {
        api_log_db_failure("analytics", "campaign", state);
        return reply_error(req, 500, "ANALYTICS_RETRIEVAL_FAILED",
                           "Failed to retrieve campaign analytics");
    }
    return reply_json(req, 200, body);
}
