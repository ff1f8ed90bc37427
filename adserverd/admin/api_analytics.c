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

/* The summary's query: its inputs and what it read (owned). */
struct summary_query {
    struct request *req;
    struct db_stats_range range;
    json_t *camp, *tot, *series, *top;
};

static int query_summary(struct db_conn *c, void *arg, char state[6])
{
    struct summary_query *q = arg;

    return db_stats_summary(c, q->req->user.id, &q->range, &q->camp, &q->tot, &q->series, &q->top,
                            state);
}

static const struct api_db_errors summary_errors = {
    "analytics", "summary", NULL, NULL,
    "ANALYTICS_RETRIEVAL_FAILED", "Failed to retrieve summary analytics",
};

int api_analytics_summary(struct request *req)
{
    struct summary_query q = {.req = req};
    json_t *query = NULL, *body;

    if (range_of(req, &query, &q.range) != 0) {
        api_db_reply_failure(req, &summary_errors, "");
        goto done;
    }
    if (api_db_run(req, query_summary, &q, &summary_errors) != 0)
        goto done;
    body = json_pack("{s:o,s:o,s:o}", "summary", summary_of(q.camp, q.tot), "timeSeries",
                     days_of(q.series, 0), "topCampaigns", top_of(q.top));
    if (body == NULL)
        api_db_reply_failure(req, &summary_errors, "");
    else
        reply_json(req, 200, body);
done:
    json_decref(query);
    json_decref(q.camp);
    json_decref(q.tot);
    json_decref(q.series);
    json_decref(q.top);
    return 0;
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

/* One campaign's analytics query: its inputs and what it read (owned). */
struct campaign_query {
    struct request *req;
    const char *id;
    json_t *query, *daily, *creatives;
};

/* Ownership first (404), then the range: a bad range of an owned campaign is a 500. */
static int query_campaign(struct db_conn *c, void *arg, char state[6])
{
    struct campaign_query *q = arg;
    struct db_stats_range range = {NULL, NULL};
    int rc = db_campaigns_owned(c, q->req->user.id, q->id, state);

    if (rc != DB_CAMPAIGNS_OK)
        return rc;
    if (range_of(q->req, &q->query, &range) != 0)
        return -1;
    return db_stats_campaign_analytics(c, q->id, &range, &q->daily, &q->creatives, state) ==
                   DB_STATS_OK
               ? 0
               : -1;
}

static const struct api_db_errors campaign_errors = {
    "analytics", "campaign", "CAMPAIGN_NOT_FOUND", "Campaign not found",
    "ANALYTICS_RETRIEVAL_FAILED", "Failed to retrieve campaign analytics",
};

int api_analytics_campaign(struct request *req)
{
    /* no UUID check: a malformed id fails in PostgreSQL, a 500 [quirk, 3.6.2] */
    struct campaign_query q = {.req = req, .id = request_param(req, 0)};
    json_t *body = NULL;
    int rc = api_db_run(req, query_campaign, &q, &campaign_errors);

    if (rc == 0)
        body = json_pack("{s:o,s:o}", "dailyStats", days_of(q.daily, 1), "creativeBreakdown",
                         breakdown_of(q.creatives));
    json_decref(q.query);
    json_decref(q.daily);
    json_decref(q.creatives);
    if (rc != 0)
        return 0;
    if (body == NULL)
        return api_db_reply_failure(req, &campaign_errors, "");
    return reply_json(req, 200, body);
}
