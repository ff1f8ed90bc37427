/*
 * db_stats: see db_stats.h.
 *
 * Sums are taken per campaign or per date straight from
 * campaign_daily_stats, never over a join with creatives, so they are the
 * true sums (the reference's campaign GET multiplied them; 3.3.2).
 */
#include "db/db_stats.h"

#include "db/db.h"
#include "db/rowjson.h"

#include <string.h>

#define DAY(col) "to_char(" col ", 'YYYY-MM-DD\"T00:00:00.000Z\"')"
#define IN_RANGE(col, lo, hi)                                                                      \
    "(" lo "::date IS NULL OR " col " >= " lo "::date) AND (" hi "::date IS NULL OR " col          \
    " <= " hi "::date)"
#define OWNED_CREATIVE                                                                             \
    "EXISTS (SELECT 1 FROM campaigns c WHERE c.id = cr.campaign_id AND c.created_by = $2)"

static const struct rowjson_col campaign_stats_cols[] = {
    {"id", ROWJSON_TEXT},
    {"name", ROWJSON_TEXT},
    {"budget_total", ROWJSON_TEXT},
    {"budget_spent", ROWJSON_TEXT},
    {"total_impressions", ROWJSON_TEXT},
    {"total_clicks", ROWJSON_TEXT},
    {"total_completions", ROWJSON_TEXT},
    {"total_spend", ROWJSON_TEXT},
    {"ctr", ROWJSON_TEXT},
    {"completion_rate", ROWJSON_TEXT},
};
static const struct rowjson_col creative_stats_cols[] = {
    {"id", ROWJSON_TEXT},
    {"name", ROWJSON_TEXT},
    {"status", ROWJSON_TEXT},
    {"duration", ROWJSON_INT},
    {"impressions_count", ROWJSON_TEXT},
    {"completions_count", ROWJSON_TEXT},
    {"clicks_count", ROWJSON_TEXT},
    {"avg_duration_watched", ROWJSON_TEXT},
};
static const struct rowjson_col owner_campaign_cols[] = {
    {"total", ROWJSON_TEXT},     {"active", ROWJSON_TEXT}, {"paused", ROWJSON_TEXT},
    {"completed", ROWJSON_TEXT}, {"budget", ROWJSON_TEXT}, {"spent", ROWJSON_TEXT},
};
static const struct rowjson_col totals_cols[] = {
    {"impressions", ROWJSON_TEXT}, {"clicks", ROWJSON_TEXT}, {"completions", ROWJSON_TEXT}};
static const struct rowjson_col day_cols[] = {
    {"date", ROWJSON_TEXT},        {"impressions", ROWJSON_TEXT}, {"clicks", ROWJSON_TEXT},
    {"completions", ROWJSON_TEXT}, {"spend", ROWJSON_TEXT},
};
static const struct rowjson_col top_cols[] = {
    {"id", ROWJSON_TEXT},           {"name", ROWJSON_TEXT},         {"status", ROWJSON_TEXT},
    {"budget_total", ROWJSON_TEXT}, {"budget_spent", ROWJSON_TEXT}, {"impressions", ROWJSON_TEXT},
    {"clicks", ROWJSON_TEXT},       {"spend", ROWJSON_TEXT},
};
static const struct rowjson_col breakdown_cols[] = {
    {"id", ROWJSON_TEXT},     {"name", ROWJSON_TEXT},        {"video_url", ROWJSON_TEXT},
    {"status", ROWJSON_TEXT}, {"impressions", ROWJSON_TEXT}, {"completions", ROWJSON_TEXT},
};
#define N(a) (sizeof(a) / sizeof(a[0]))

/*
 * Run a query; as_array: *out is every row, else the first row (NOT_FOUND
 * when there is none).
 */
static int run(struct db_conn *c, const char *name, const char *sql, int np,
               const char *const *params, const struct rowjson_col *cols, size_t ncols,
               int as_array, json_t **out, char sqlstate[6])
{
    PGresult *r = db_exec(c, name, sql, np, params, sqlstate);
    json_t *j;
    int rc = DB_STATS_ERROR;

    if (r == NULL)
        return DB_STATS_ERROR;
    if (!as_array && PQntuples(r) == 0) {
        rc = DB_STATS_NOT_FOUND;
        goto cleanup;
    }
    j = as_array ? rowjson_array(r, cols, ncols) : rowjson_object(r, 0, cols, ncols);
    if (j == NULL)
        goto cleanup; /* sqlstate is "" already: db_exec succeeded */
    *out = j;
    rc = DB_STATS_OK;
cleanup:
    PQclear(r);
    return rc;
}

int db_stats_campaign(struct db_conn *c, const char *owner, const char *id, json_t **out,
                      char sqlstate[6])
{
    const char *p[2] = {id, owner};

    return run(c, "db_stats_campaign",
               "SELECT c.id, c.name, c.budget_total, c.budget_spent, "
               "COALESCE(SUM(s.impressions_count), 0) AS total_impressions, "
               "COALESCE(SUM(s.clicks_count), 0) AS total_clicks, "
               "COALESCE(SUM(s.completions_count), 0) AS total_completions, "
               "COALESCE(SUM(s.spend_amount), 0) AS total_spend, "
               "CASE WHEN COALESCE(SUM(s.impressions_count), 0) > 0 THEN "
               "ROUND(SUM(s.clicks_count)::numeric / SUM(s.impressions_count) * 100, 2) "
               "ELSE 0 END AS ctr, "
               "CASE WHEN COALESCE(SUM(s.impressions_count), 0) > 0 THEN "
               "ROUND(SUM(s.completions_count)::numeric / SUM(s.impressions_count) * 100, 2) "
               "ELSE 0 END AS completion_rate "
               "FROM campaigns c LEFT JOIN campaign_daily_stats s ON s.campaign_id = c.id "
               "WHERE c.id = $1 AND c.created_by = $2 GROUP BY c.id",
               2, p, campaign_stats_cols, N(campaign_stats_cols), 0, out, sqlstate);
}

int db_stats_creative(struct db_conn *c, const char *owner, const char *id, json_t **out,
                      char sqlstate[6])
{
    const char *p[2] = {id, owner};

    return run(c, "db_stats_creative",
               "SELECT cr.id, cr.name, cr.status, cr.duration, "
               "COUNT(i.id) AS impressions_count, "
               "COUNT(i.id) FILTER (WHERE i.completed) AS completions_count, "
               "COUNT(i.id) FILTER (WHERE i.clicked) AS clicks_count, "
               "ROUND(AVG(i.duration_watched), 2) AS avg_duration_watched "
               "FROM creatives cr LEFT JOIN impressions i ON i.creative_id = cr.id "
               "WHERE cr.id = $1 AND " OWNED_CREATIVE " GROUP BY cr.id",
               2, p, creative_stats_cols, N(creative_stats_cols), 0, out, sqlstate);
}

int db_stats_summary(struct db_conn *c, const char *owner, const struct db_stats_range *range,
                     json_t **campaigns, json_t **totals, json_t **series, json_t **top,
                     char sqlstate[6])
{
    const char *p1[1] = {owner};
    const char *p3[3] = {owner, range->start, range->end};
    json_t *camp = NULL, *tot = NULL, *ser = NULL, *tp = NULL;
    int rc;

    rc = run(c, "db_stats_summary_campaigns",
             "SELECT COUNT(*) AS total, "
             "COUNT(*) FILTER (WHERE status = 'active') AS active, "
             "COUNT(*) FILTER (WHERE status = 'paused') AS paused, "
             "COUNT(*) FILTER (WHERE status = 'completed') AS completed, "
             "COALESCE(SUM(budget_total), 0) AS budget, COALESCE(SUM(budget_spent), 0) AS spent "
             "FROM campaigns WHERE created_by = $1",
             1, p1, owner_campaign_cols, N(owner_campaign_cols), 0, &camp, sqlstate);
    if (rc != DB_STATS_OK)
        goto cleanup;
    rc = run(c, "db_stats_summary_totals",
             "SELECT COALESCE(SUM(s.impressions_count), 0) AS impressions, "
             "COALESCE(SUM(s.clicks_count), 0) AS clicks, "
             "COALESCE(SUM(s.completions_count), 0) AS completions "
             "FROM campaign_daily_stats s JOIN campaigns c ON c.id = s.campaign_id "
             "WHERE c.created_by = $1 AND " IN_RANGE("s.date", "$2", "$3"),
             3, p3, totals_cols, N(totals_cols), 0, &tot, sqlstate);
    if (rc != DB_STATS_OK)
        goto cleanup;
    /* clang-format off */
    rc = run(c, "db_stats_summary_series",
        "SELECT " DAY("s.date") " AS date, SUM(s.impressions_count) AS impressions, "
            "SUM(s.clicks_count) AS clicks, SUM(s.completions_count) AS completions, "
            "SUM(s.spend_amount) AS spend "
        "FROM campaign_daily_stats s JOIN campaigns c ON c.id = s.campaign_id "
        "WHERE c.created_by = $1 AND " IN_RANGE("s.date", "$2", "$3") " "
        "GROUP BY s.date ORDER BY s.date",
        3, p3, day_cols, N(day_cols), 1, &ser, sqlstate);
    if (rc != DB_STATS_OK)
        goto cleanup;
    rc = run(c, "db_stats_summary_top",
        "SELECT c.id, c.name, c.status, c.budget_total, c.budget_spent, "
            "COALESCE(SUM(s.impressions_count), 0) AS impressions, "
            "COALESCE(SUM(s.clicks_count), 0) AS clicks, "
            "COALESCE(SUM(s.spend_amount), 0) AS spend "
        "FROM campaigns c LEFT JOIN campaign_daily_stats s "
            "ON s.campaign_id = c.id AND " IN_RANGE("s.date", "$2", "$3") " "
        "WHERE c.created_by = $1 GROUP BY c.id "
        "ORDER BY impressions DESC, c.created_at DESC, c.id LIMIT 10",
        3, p3, top_cols, N(top_cols), 1, &tp, sqlstate);
    /* clang-format on */
    if (rc != DB_STATS_OK)
        goto cleanup;
    *campaigns = camp;
    *totals = tot;
    *series = ser;
    *top = tp;
    return DB_STATS_OK;
cleanup:
    json_decref(camp);
    json_decref(tot);
    json_decref(ser);
    json_decref(tp);
    return rc == DB_STATS_NOT_FOUND ? DB_STATS_ERROR : rc;
}

int db_stats_campaign_analytics(struct db_conn *c, const char *campaign_id,
                                const struct db_stats_range *range, json_t **daily,
                                json_t **creatives, char sqlstate[6])
{
    const char *p[3] = {campaign_id, range->start, range->end};
    json_t *d = NULL, *cr = NULL;
    int rc;

    /* clang-format off */
    rc = run(c, "db_stats_campaign_daily",
        "SELECT " DAY("s.date") " AS date, s.impressions_count AS impressions, "
            "s.clicks_count AS clicks, s.completions_count AS completions, "
            "s.spend_amount AS spend "
        "FROM campaign_daily_stats s "
        "WHERE s.campaign_id = $1 AND " IN_RANGE("s.date", "$2", "$3") " ORDER BY s.date",
        3, p, day_cols, N(day_cols), 1, &d, sqlstate);
    if (rc != DB_STATS_OK)
        goto cleanup;
    rc = run(c, "db_stats_campaign_breakdown",
        "SELECT cr.id, cr.name, cr.video_url, cr.status, COUNT(i.id) AS impressions, "
            "COUNT(i.id) FILTER (WHERE i.completed) AS completions "
        "FROM creatives cr LEFT JOIN impressions i ON i.creative_id = cr.id "
            "AND " IN_RANGE("(i.served_at AT TIME ZONE 'UTC')::date", "$2", "$3") " "
        "WHERE cr.campaign_id = $1 GROUP BY cr.id "
        "ORDER BY impressions DESC, cr.created_at DESC, cr.id",
        3, p, breakdown_cols, N(breakdown_cols), 1, &cr, sqlstate);
    /* clang-format on */
    if (rc != DB_STATS_OK)
        goto cleanup;
    *daily = d;
    *creatives = cr;
    return DB_STATS_OK;
cleanup:
    json_decref(d);
    json_decref(cr);
    return rc == DB_STATS_NOT_FOUND ? DB_STATS_ERROR : rc;
}
