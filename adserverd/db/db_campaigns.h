/*
 * db_campaigns: every query on the campaigns table (docs/admin-api.md).
 *
 * Rows come back as JSON objects in the contract's shape (rowjson): the
 * campaign row's keys in table order, numerics as PostgreSQL's text,
 * timestamps as ISO strings. Every query is scoped to the owner
 * (created_by), so a campaign of another user is indistinguishable from a
 * missing one. Nothing is cached: tests and tools change these rows directly.
 *
 * Results: DB_CAMPAIGNS_OK with *out a new reference (caller json_decref()s
 * it), DB_CAMPAIGNS_NOT_FOUND, or DB_CAMPAIGNS_ERROR with the SQLSTATE in
 * sqlstate ("" for a lost connection; the caller logs). *out is written only
 * on DB_CAMPAIGNS_OK. ids are passed to PostgreSQL as text: a malformed one
 * is an error (22P02), callers check UUID syntax first where the contract
 * wants a 400.
 */
#ifndef DB_CAMPAIGNS_H
#define DB_CAMPAIGNS_H

#include <jansson.h>

struct db_conn;

enum db_campaigns_result {
    DB_CAMPAIGNS_OK = 0,
    DB_CAMPAIGNS_NOT_FOUND = 1,
    DB_CAMPAIGNS_ERROR = -1,
};

/* Filters of GET /campaigns; NULL members do not filter. */
struct db_campaigns_filter {
    const char *status;
    const char *start_ms; /* keeps end_date >= this instant (epoch ms, decimal text) */
    const char *end_ms;   /* keeps start_date <= this instant */
};

/*
 * The owner's campaigns, newest first, each row plus creative_count and
 * total_impressions (true sums, no join fan-out). *out is an array.
 */
int db_campaigns_list(struct db_conn *c, const char *owner, const struct db_campaigns_filter *f,
                      json_t **out, char sqlstate[6]);

/* One campaign plus creative_count, total_impressions, total_clicks, total_spend. */
int db_campaigns_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                     char sqlstate[6]);

/*
 * Insert a draft campaign from validate_campaign_create_schema's values
 * (borrowed); *out is the new row.
 */
int db_campaigns_create(struct db_conn *c, const char *owner, const json_t *values, json_t **out,
                        char sqlstate[6]);

/*
 * Write the fields present in values (validate_campaign_update_schema's
 * output, borrowed) and updated_at; *out is the updated row. A constraint
 * violation is DB_CAMPAIGNS_ERROR with its SQLSTATE.
 */
int db_campaigns_update(struct db_conn *c, const char *owner, const char *id, const json_t *values,
                        json_t **out, char sqlstate[6]);

/* Set status (one of the four); *out is the updated row. */
int db_campaigns_set_status(struct db_conn *c, const char *owner, const char *id,
                            const char *status, json_t **out, char sqlstate[6]);

/*
 * DELETE ?hard=true: remove the row (creatives and daily stats cascade;
 * impressions do not, so a campaign with impressions fails with 23503).
 * Soft: set status 'completed'. No *out.
 */
int db_campaigns_delete(struct db_conn *c, const char *owner, const char *id, int hard,
                        char sqlstate[6]);

/* DB_CAMPAIGNS_OK when id names a campaign of owner, else NOT_FOUND (or ERROR). */
int db_campaigns_owned(struct db_conn *c, const char *owner, const char *id, char sqlstate[6]);

#endif
