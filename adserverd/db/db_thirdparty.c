/*
 * db_thirdparty: see db_thirdparty.h.
 *
 * The owner check and the write are one statement: the upsert selects the
 * object joined with its campaign's owner, so a foreign or missing object
 * inserts nothing and returns no row. Documents travel as one json
 * parameter and come back as text, parsed by jansson only.
 */
#include "db/db_thirdparty.h"

#include "db/db.h"

#include <stdlib.h>

/* clang-format off */
#define OWNED_CREATIVE                                                                           \
    "FROM creatives cr JOIN campaigns c ON c.id = cr.campaign_id "                               \
    "WHERE cr.id = $1 AND c.created_by = $2"
#define OWNED_CAMPAIGN "FROM campaigns c WHERE c.id = $1 AND c.created_by = $2"
/* clang-format on */

static const struct {
    const char *get_name, *get_sql, *put_name, *put_sql;
} stmts[] = {
    [DB_THIRDPARTY_CREATIVE_TRACKERS] =
        {"db_thirdparty_get_creative_trackers",
         "SELECT t.trackers::text AS doc FROM creatives cr JOIN campaigns c ON "
         "c.id = cr.campaign_id LEFT JOIN creative_trackers t ON t.creative_id = cr.id "
         "WHERE cr.id = $1 AND c.created_by = $2",
         "db_thirdparty_put_creative_trackers",
         "INSERT INTO creative_trackers AS t (creative_id, trackers, updated_at) "
         "SELECT cr.id, $3::json, now() " OWNED_CREATIVE " "
         "ON CONFLICT (creative_id) DO UPDATE SET trackers = EXCLUDED.trackers, "
         "updated_at = now() RETURNING t.trackers::text AS doc"},
    [DB_THIRDPARTY_CAMPAIGN_TRACKERS] =
        {"db_thirdparty_get_campaign_trackers",
         "SELECT t.trackers::text AS doc FROM campaigns c LEFT JOIN campaign_trackers t ON "
         "t.campaign_id = c.id WHERE c.id = $1 AND c.created_by = $2",
         "db_thirdparty_put_campaign_trackers",
         "INSERT INTO campaign_trackers AS t (campaign_id, trackers, updated_at) "
         "SELECT c.id, $3::json, now() " OWNED_CAMPAIGN " "
         "ON CONFLICT (campaign_id) DO UPDATE SET trackers = EXCLUDED.trackers, "
         "updated_at = now() RETURNING t.trackers::text AS doc"},
    [DB_THIRDPARTY_CREATIVE_VERIFICATIONS] =
        {"db_thirdparty_get_creative_verifications",
         "SELECT v.verifications::text AS doc FROM creatives cr JOIN campaigns c ON "
         "c.id = cr.campaign_id LEFT JOIN creative_verifications v ON v.creative_id = cr.id "
         "WHERE cr.id = $1 AND c.created_by = $2",
         "db_thirdparty_put_creative_verifications",
         "INSERT INTO creative_verifications AS v (creative_id, verifications, updated_at) "
         "SELECT cr.id, $3::json, now() " OWNED_CREATIVE " "
         "ON CONFLICT (creative_id) DO UPDATE SET verifications = EXCLUDED.verifications, "
         "updated_at = now() RETURNING v.verifications::text AS doc"},
};

/* Run name with (id, owner[, value]) and parse the "doc" column of its one row. */
static int run(struct db_conn *c, const char *name, const char *sql, const char *owner,
               const char *id, const json_t *value, json_t **out, char sqlstate[6])
{
    const char *params[3] = {id, owner, NULL};
    char *text = NULL;
    const char *doc;
    PGresult *res = NULL;
    json_t *obj = NULL;
    int rc = DB_THIRDPARTY_ERROR;

    if (value != NULL) {
        text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text == NULL)
            goto cleanup;
        params[2] = text;
    }
    res = db_exec(c, name, sql, value != NULL ? 3 : 2, params, sqlstate);
    if (res == NULL)
        goto cleanup;
    if (PQntuples(res) == 0) {
        rc = DB_THIRDPARTY_NOT_FOUND;
        goto cleanup;
    }
    doc = db_get(res, 0, "doc");
    if (doc != NULL) {
        obj = json_loads(doc, JSON_DECODE_ANY, NULL);
        if (obj == NULL)
            goto cleanup;
    }
    *out = obj;
    rc = DB_THIRDPARTY_OK;
cleanup:
    PQclear(res);
    free(text);
    return rc;
}

int db_thirdparty_get(struct db_conn *c, enum db_thirdparty_doc doc, const char *owner,
                      const char *id, json_t **out, char sqlstate[6])
{
    if ((unsigned)doc > DB_THIRDPARTY_CREATIVE_VERIFICATIONS)
        return DB_THIRDPARTY_ERROR;
    return run(c, stmts[doc].get_name, stmts[doc].get_sql, owner, id, NULL, out, sqlstate);
}

int db_thirdparty_put(struct db_conn *c, enum db_thirdparty_doc doc, const char *owner,
                      const char *id, const json_t *value, json_t **out, char sqlstate[6])
{
    if ((unsigned)doc > DB_THIRDPARTY_CREATIVE_VERIFICATIONS || value == NULL)
        return DB_THIRDPARTY_ERROR;
    return run(c, stmts[doc].put_name, stmts[doc].put_sql, owner, id, value, out, sqlstate);
}
