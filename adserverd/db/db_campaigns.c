/*
 * db_campaigns: see db_campaigns.h.
 *
 * Aggregates are correlated subqueries per campaign rather than one join
 * over creatives and daily stats: the reference's join multiplied every sum
 * by the number of creatives [a quirk kept: docs/admin-api.md]; the subqueries give
 * the true sums. Instants travel as epoch milliseconds (validate's output)
 * and are turned into timestamptz in SQL, exactly, whatever the year.
 */
#include "db/db_campaigns.h"

#include "db/db.h"
#include "util/jsnum.h"
#include "db/rowjson.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define FROM_MS(p) "(timestamptz 'epoch' + " p "::bigint * interval '1 millisecond')"

/* The campaign row of the contract, in table order. */
/* clang-format off */
#define CAMPAIGN_COLS \
    "c.id, c.name, c.description, c.status, c.budget_total, c.budget_spent, " \
    ISO("c.start_date") " AS start_date, " ISO("c.end_date") " AS end_date, c.created_by, " \
    ISO("c.created_at") " AS created_at, " ISO("c.updated_at") " AS updated_at, " \
    "c.pricing_model, c.cpm_rate, c.cpc_rate, c.cpv_rate"
/* clang-format on */

#define CREATIVE_COUNT "(SELECT COUNT(*) FROM creatives cr WHERE cr.campaign_id = c.id)"
#define STATS_SUM(col)                                                                             \
    "(SELECT COALESCE(SUM(s." col "), 0) FROM campaign_daily_stats s WHERE s.campaign_id = c.id)"

static const struct rowjson_col campaign_cols[] = {
    {"id", ROWJSON_TEXT},
    {"name", ROWJSON_TEXT},
    {"description", ROWJSON_TEXT},
    {"status", ROWJSON_TEXT},
    {"budget_total", ROWJSON_TEXT},
    {"budget_spent", ROWJSON_TEXT},
    {"start_date", ROWJSON_TEXT},
    {"end_date", ROWJSON_TEXT},
    {"created_by", ROWJSON_TEXT},
    {"created_at", ROWJSON_TEXT},
    {"updated_at", ROWJSON_TEXT},
    {"pricing_model", ROWJSON_TEXT},
    {"cpm_rate", ROWJSON_TEXT},
    {"cpc_rate", ROWJSON_TEXT},
    {"cpv_rate", ROWJSON_TEXT},
    /* extras of the list and get queries (absent columns are null, so not used elsewhere) */
    {"creative_count", ROWJSON_TEXT},
    {"total_impressions", ROWJSON_TEXT},
    {"total_clicks", ROWJSON_TEXT},
    {"total_spend", ROWJSON_TEXT},
};
#define NCOLS_ROW 15
#define NCOLS_LIST 17
#define NCOLS_GET 19

/* Text parameters from validated values; buffers live in the caller's struct. */
struct param_text {
    char buf[4][40];
    int used;
};

/* Money (already rounded by validation) as numeric text; NULL for null/absent. */
static const char *money(struct param_text *pt, const json_t *v)
{
    char *out;

    if (!json_is_number(v) || pt->used >= 4)
        return NULL;
    out = pt->buf[pt->used++];
    if (jsnum_format2(json_number_value(v), out, sizeof(pt->buf[0])) != 0)
        return NULL;
    return out;
}

static const char *millis(char out[24], const json_t *v)
{
    if (!json_is_integer(v))
        return NULL;
    snprintf(out, 24, "%" PRId64, (int64_t)json_integer_value(v));
    return out;
}

/* Run name/sql and turn its first row into *out (cols[0..n)). */
static int one_row(struct db_conn *c, const char *name, const char *sql, int np,
                   const char *const *params, size_t ncols, json_t **out, char sqlstate[6])
{
    PGresult *r = db_exec(c, name, sql, np, params, sqlstate);
    json_t *o;
    int rc = DB_CAMPAIGNS_ERROR;

    if (r == NULL)
        return DB_CAMPAIGNS_ERROR;
    if (PQntuples(r) == 0) {
        rc = DB_CAMPAIGNS_NOT_FOUND;
        goto cleanup;
    }
    o = rowjson_object(r, 0, campaign_cols, ncols);
    if (o == NULL)
        goto cleanup; /* sqlstate is "" already: db_exec succeeded */
    if (out != NULL)
        *out = o;
    else
        json_decref(o);
    rc = DB_CAMPAIGNS_OK;
cleanup:
    PQclear(r);
    return rc;
}

int db_campaigns_list(struct db_conn *c, const char *owner, const struct db_campaigns_filter *f,
                      json_t **out, char sqlstate[6])
{
    const char *p[4] = {owner, f->status, f->start_ms, f->end_ms};
    /* clang-format off */
    PGresult *r = db_exec(c, "db_campaigns_list",
        "SELECT " CAMPAIGN_COLS ", "
            CREATIVE_COUNT " AS creative_count, "
            STATS_SUM("impressions_count") " AS total_impressions "
        "FROM campaigns c WHERE c.created_by = $1 "
        "AND ($2::text IS NULL OR c.status = $2::text) "
        "AND ($3::bigint IS NULL OR c.end_date >= " FROM_MS("$3") ") "
        "AND ($4::bigint IS NULL OR c.start_date <= " FROM_MS("$4") ") "
        "ORDER BY c.created_at DESC",
        4, p, sqlstate);
    /* clang-format on */
    json_t *arr;

    if (r == NULL)
        return DB_CAMPAIGNS_ERROR;
    arr = rowjson_array(r, campaign_cols, NCOLS_LIST);
    PQclear(r);
    if (arr == NULL)
        return DB_CAMPAIGNS_ERROR; /* sqlstate is "" already: db_exec succeeded */
    *out = arr;
    return DB_CAMPAIGNS_OK;
}

int db_campaigns_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                     char sqlstate[6])
{
    const char *p[2] = {id, owner};

    /* clang-format off */
    return one_row(c, "db_campaigns_get",
        "SELECT " CAMPAIGN_COLS ", "
            CREATIVE_COUNT " AS creative_count, "
            STATS_SUM("impressions_count") " AS total_impressions, "
            STATS_SUM("clicks_count") " AS total_clicks, "
            STATS_SUM("spend_amount") " AS total_spend "
        "FROM campaigns c WHERE c.id = $1 AND c.created_by = $2",
        2, p, NCOLS_GET, out, sqlstate);
    /* clang-format on */
}

int db_campaigns_create(struct db_conn *c, const char *owner, const json_t *values, json_t **out,
                        char sqlstate[6])
{
    struct param_text pt = {.used = 0};
    char start[24], end[24];
    const char *desc = json_string_value(json_object_get(values, "description"));
    const char *p[10];

    /* description: absent, null and "" are all stored as NULL on create */
    p[0] = json_string_value(json_object_get(values, "name"));
    p[1] = (desc != NULL && desc[0] != '\0') ? desc : NULL;
    p[2] = money(&pt, json_object_get(values, "budget_total"));
    p[3] = millis(start, json_object_get(values, "start_date"));
    p[4] = millis(end, json_object_get(values, "end_date"));
    p[5] = json_string_value(json_object_get(values, "pricing_model"));
    p[6] = money(&pt, json_object_get(values, "cpm_rate"));
    p[7] = money(&pt, json_object_get(values, "cpc_rate"));
    p[8] = money(&pt, json_object_get(values, "cpv_rate"));
    p[9] = owner;
    /* clang-format off */
    return one_row(c, "db_campaigns_create",
        "INSERT INTO campaigns AS c (name, description, status, budget_total, budget_spent, "
            "start_date, end_date, pricing_model, cpm_rate, cpc_rate, cpv_rate, created_by) "
        "VALUES ($1, $2, 'draft', $3::numeric, 0, " FROM_MS("$4") ", " FROM_MS("$5") ", "
            "COALESCE($6, 'cpm'), $7::numeric, $8::numeric, $9::numeric, $10::uuid) "
        "RETURNING " CAMPAIGN_COLS,
        10, p, NCOLS_ROW, out, sqlstate);
    /* clang-format on */
}

int db_campaigns_update(struct db_conn *c, const char *owner, const char *id, const json_t *values,
                        json_t **out, char sqlstate[6])
{
    struct param_text pt = {.used = 0};
    char start[24], end[24];
    const char *p[15];

    /* NULL = keep; nullable fields carry a presence flag, since null is a value there */
    p[0] = id;
    p[1] = owner;
    p[2] = json_string_value(json_object_get(values, "name"));
    p[3] = json_object_get(values, "description") != NULL ? "t" : "f";
    p[4] = json_string_value(json_object_get(values, "description"));
    p[5] = money(&pt, json_object_get(values, "budget_total"));
    p[6] = millis(start, json_object_get(values, "start_date"));
    p[7] = millis(end, json_object_get(values, "end_date"));
    p[8] = json_string_value(json_object_get(values, "pricing_model"));
    p[9] = json_object_get(values, "cpm_rate") != NULL ? "t" : "f";
    p[10] = money(&pt, json_object_get(values, "cpm_rate"));
    p[11] = json_object_get(values, "cpc_rate") != NULL ? "t" : "f";
    p[12] = money(&pt, json_object_get(values, "cpc_rate"));
    p[13] = json_object_get(values, "cpv_rate") != NULL ? "t" : "f";
    p[14] = money(&pt, json_object_get(values, "cpv_rate"));
    /* clang-format off */
    return one_row(c, "db_campaigns_update",
        "UPDATE campaigns AS c SET "
            "name = COALESCE($3::text, c.name), "
            "description = CASE WHEN $4::boolean THEN $5::text ELSE c.description END, "
            "budget_total = COALESCE($6::numeric, c.budget_total), "
            "start_date = COALESCE(" FROM_MS("$7") ", c.start_date), "
            "end_date = COALESCE(" FROM_MS("$8") ", c.end_date), "
            "pricing_model = COALESCE($9::text, c.pricing_model), "
            "cpm_rate = CASE WHEN $10::boolean THEN $11::numeric ELSE c.cpm_rate END, "
            "cpc_rate = CASE WHEN $12::boolean THEN $13::numeric ELSE c.cpc_rate END, "
            "cpv_rate = CASE WHEN $14::boolean THEN $15::numeric ELSE c.cpv_rate END, "
            "updated_at = now() "
        "WHERE c.id = $1 AND c.created_by = $2 RETURNING " CAMPAIGN_COLS,
        15, p, NCOLS_ROW, out, sqlstate);
    /* clang-format on */
}

int db_campaigns_set_status(struct db_conn *c, const char *owner, const char *id,
                            const char *status, json_t **out, char sqlstate[6])
{
    const char *p[3] = {id, owner, status};

    return one_row(c, "db_campaigns_set_status",
                   "UPDATE campaigns AS c SET status = $3, updated_at = now() "
                   "WHERE c.id = $1 AND c.created_by = $2 RETURNING " CAMPAIGN_COLS,
                   3, p, NCOLS_ROW, out, sqlstate);
}

/* A statement whose only answer is "which row": OK when it returned one. */
static int touched(struct db_conn *c, const char *name, const char *sql, const char *id,
                   const char *owner, char sqlstate[6])
{
    const char *p[2] = {id, owner};
    PGresult *r = db_exec(c, name, sql, 2, p, sqlstate);
    int rc;

    if (r == NULL)
        return DB_CAMPAIGNS_ERROR;
    rc = PQntuples(r) > 0 ? DB_CAMPAIGNS_OK : DB_CAMPAIGNS_NOT_FOUND;
    PQclear(r);
    return rc;
}

int db_campaigns_delete(struct db_conn *c, const char *owner, const char *id, int hard,
                        char sqlstate[6])
{
    if (hard)
        return touched(c, "db_campaigns_delete_hard",
                       "DELETE FROM campaigns WHERE id = $1 AND created_by = $2 RETURNING id", id,
                       owner, sqlstate);
    return touched(c, "db_campaigns_delete_soft",
                   "UPDATE campaigns SET status = 'completed', updated_at = now() "
                   "WHERE id = $1 AND created_by = $2 RETURNING id",
                   id, owner, sqlstate);
}

int db_campaigns_owned(struct db_conn *c, const char *owner, const char *id, char sqlstate[6])
{
    return touched(c, "db_campaigns_owned",
                   "SELECT id FROM campaigns WHERE id = $1 AND created_by = $2", id, owner,
                   sqlstate);
}
