/*
 * db_stats: the read-only statistics queries over campaign_daily_stats and
 * impressions: campaign stats (docs/admin-api.md), creative stats
 * (3.4.7) and analytics (3.6).
 *
 * Every query is scoped to the owner of the campaigns it reads. Results are
 * JSON (rowjson): the stats objects of 3.3.7 / 3.4.7 in their contract
 * shape, and for analytics rows of PostgreSQL text the handler turns into
 * JavaScript numbers the way the reference does. Dates of campaign_daily_stats
 * come back as midnight UTC ISO strings.
 *
 * Date bounds (analytics) are passed to PostgreSQL as text cast to date,
 * unvalidated, as the reference does: NULL means no bound, an unparsable one
 * is DB_STATS_ERROR (22007/22008) [quirk, 3.6]. Both bounds are inclusive.
 *
 * Results: DB_STATS_OK with *out a new reference (caller json_decref()s it),
 * DB_STATS_NOT_FOUND, or DB_STATS_ERROR with the SQLSTATE in sqlstate
 * ("" for a lost connection; the caller logs). *out only on DB_STATS_OK.
 */
#ifndef DB_STATS_H
#define DB_STATS_H

#include <jansson.h>

struct db_conn;

enum db_stats_result {
    DB_STATS_OK = 0,
    DB_STATS_NOT_FOUND = 1,
    DB_STATS_ERROR = -1,
};

/* Inclusive date range; NULL members are open ends. */
struct db_stats_range {
    const char *start;
    const char *end;
};

/* 3.3.7: {id, name, budget_total, ..., ctr, completion_rate} of one owned campaign. */
int db_stats_campaign(struct db_conn *c, const char *owner, const char *id, json_t **out,
                      char sqlstate[6]);

/* 3.4.7: {id, name, status, duration, impressions_count, ...} of one owned creative. */
int db_stats_creative(struct db_conn *c, const char *owner, const char *id, json_t **out,
                      char sqlstate[6]);

/*
 * Analytics summary inputs, all PostgreSQL text:
 * *campaigns: {total, active, paused, completed, budget, spent} over all owner's campaigns;
 * *totals: {impressions, clicks, completions} of the owner's stats rows in range;
 * *series: [{date, impressions, clicks, completions, spend}] per date, ascending;
 * *top: up to 10 [{id, name, status, budget_total, budget_spent, impressions, clicks,
 *   spend}], every campaign included, most impressions first.
 * All four are written on DB_STATS_OK only.
 */
int db_stats_summary(struct db_conn *c, const char *owner, const struct db_stats_range *range,
                     json_t **campaigns, json_t **totals, json_t **series, json_t **top,
                     char sqlstate[6]);

/*
 * Campaign analytics inputs of campaign_id (ownership checked by the caller):
 * *daily: [{date, impressions, clicks, completions, spend}] ascending;
 * *creatives: [{id, name, video_url, status, impressions, completions}] from
 * impressions served in range, most impressions first.
 */
int db_stats_campaign_analytics(struct db_conn *c, const char *campaign_id,
                                const struct db_stats_range *range, json_t **daily,
                                json_t **creatives, char sqlstate[6]);

#endif
