/*
 * db_serving: see db_serving.h.
 *
 * Each statement renders its answer with json_build_object (which keeps key
 * order, unlike jsonb), so the read and the write of a resource share one
 * expression and NULL columns of a missing row fall back to the defaults in
 * one place. Writes take the validated values as one JSON parameter and
 * unpack it in SQL: arrays never pass through array-literal quoting.
 * The upsert selects the campaign with its owner, so a foreign or missing
 * campaign inserts nothing and returns no row.
 */
#include "db/db_serving.h"

#include "db/db.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
/* The key's array of values as text[], in the order sent. */
#define ARR(k)                                                                                   \
    "ARRAY(SELECT e FROM json_array_elements_text(v.j->'" k "') WITH ORDINALITY AS x(e, n) "     \
    "ORDER BY n)"

#define JOIN(table, alias)                                                                       \
    "FROM campaigns c LEFT JOIN " table " " alias " ON " alias ".campaign_id = c.id "            \
    "WHERE c.id = $1 AND c.created_by = $2"

#define TARGETING_JSON                                                                           \
    "json_build_object('countries', to_json(COALESCE(t.countries, '{}')), "                      \
    "'regions', to_json(COALESCE(t.regions, '{}')), "                                            \
    "'dmas', to_json(COALESCE(t.dmas, '{}')), "                                                  \
    "'device_types', to_json(COALESCE(t.device_types, '{}')), "                                  \
    "'os', to_json(COALESCE(t.os, '{}')), "                                                      \
    "'app_bundles', to_json(COALESCE(t.app_bundles, '{}')), "                                    \
    "'content_genres', to_json(COALESCE(t.content_genres, '{}')), "                              \
    "'content_ratings', to_json(COALESCE(t.content_ratings, '{}')), "                            \
    "'content_categories', to_json(COALESCE(t.content_categories, '{}')), "                      \
    "'livestream', COALESCE(t.livestream, 'any'), "                                              \
    "'dayparts', to_json(COALESCE(t.dayparts, '{0,0,0,0,0,0,0}')))::text AS obj"

#define CAPS_JSON                                                                                \
    "json_build_object('per_hour', k.per_hour, 'per_day', k.per_day, "                           \
    "'per_week', k.per_week)::text AS obj"

#define PACING_JSON                                                                              \
    "json_build_object('mode', COALESCE(s.pacing_mode, 'even'), "                                \
    "'time_zone', COALESCE(s.time_zone, 'UTC'), 'priority', COALESCE(s.priority, 5), "           \
    "'weight', COALESCE(s.weight, 100))::text AS obj"

#define ADVERTISER_JSON                                                                          \
    "json_build_object('domain', s.advertiser_domain, "                                          \
    "'iab_categories', to_json(COALESCE(s.iab_categories, '{}')), "                              \
    "'click_through_url', s.click_through_url)::text AS obj"
/* clang-format on */

/* Run statement name with (id, owner[, values]) and parse its one "obj" column. */
static int run(struct db_conn *c, const char *name, const char *sql, const char *owner,
               const char *id, const json_t *values, json_t **out, char sqlstate[6])
{
    const char *params[3] = {id, owner, NULL};
    char *text = NULL;
    PGresult *res = NULL;
    json_t *obj;
    int rc = DB_SERVING_ERROR;

    if (values != NULL) {
        text = json_dumps(values, JSON_COMPACT);
        if (text == NULL)
            goto cleanup;
        params[2] = text;
    }
    res = db_exec(c, name, sql, values != NULL ? 3 : 2, params, sqlstate);
    if (res == NULL)
        goto cleanup;
    if (PQntuples(res) == 0) {
        rc = DB_SERVING_NOT_FOUND;
        goto cleanup;
    }
    obj = json_loads(db_get(res, 0, "obj") != NULL ? db_get(res, 0, "obj") : "", 0, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        goto cleanup;
    }
    *out = obj;
    rc = DB_SERVING_OK;
cleanup:
    PQclear(res);
    free(text);
    return rc;
}

/* ---- Targeting --------------------------------------------------------- */

int db_serving_targeting_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                             char sqlstate[6])
{
    return run(c, "db_serving_targeting_get",
               "SELECT " TARGETING_JSON " " JOIN("campaign_targeting", "t"), owner, id, NULL, out,
               sqlstate);
}

int db_serving_targeting_put(struct db_conn *c, const char *owner, const char *id,
                             const json_t *values, json_t **out, char sqlstate[6])
{
    /* clang-format off */
    return run(c, "db_serving_targeting_put",
               "WITH v AS (SELECT $3::json AS j) "
               "INSERT INTO campaign_targeting AS t (campaign_id, countries, regions, dmas, "
               "device_types, os, app_bundles, content_genres, content_ratings, "
               "content_categories, livestream, dayparts, updated_at) "
               "SELECT c.id, " ARR("countries") ", " ARR("regions") ", " ARR("dmas") ", "
                   ARR("device_types") ", " ARR("os") ", " ARR("app_bundles") ", "
                   ARR("content_genres") ", " ARR("content_ratings") ", "
                   ARR("content_categories") ", "
               "v.j->>'livestream', ARRAY(SELECT e::integer FROM "
               "json_array_elements_text(v.j->'dayparts') WITH ORDINALITY AS x(e, n) ORDER BY n), "
               "now() FROM v, campaigns c WHERE c.id = $1 AND c.created_by = $2 "
               "ON CONFLICT (campaign_id) DO UPDATE SET countries = EXCLUDED.countries, "
               "regions = EXCLUDED.regions, dmas = EXCLUDED.dmas, "
               "device_types = EXCLUDED.device_types, os = EXCLUDED.os, "
               "app_bundles = EXCLUDED.app_bundles, content_genres = EXCLUDED.content_genres, "
               "content_ratings = EXCLUDED.content_ratings, "
               "content_categories = EXCLUDED.content_categories, "
               "livestream = EXCLUDED.livestream, dayparts = EXCLUDED.dayparts, "
               "updated_at = now() RETURNING " TARGETING_JSON,
               owner, id, values, out, sqlstate);
    /* clang-format on */
}

/* ---- Caps -------------------------------------------------------------- */

int db_serving_caps_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                        char sqlstate[6])
{
    return run(c, "db_serving_caps_get", "SELECT " CAPS_JSON " " JOIN("campaign_caps", "k"), owner,
               id, NULL, out, sqlstate);
}

int db_serving_caps_put(struct db_conn *c, const char *owner, const char *id, const json_t *values,
                        json_t **out, char sqlstate[6])
{
    /* clang-format off */
    return run(c, "db_serving_caps_put",
               "WITH v AS (SELECT $3::json AS j) "
               "INSERT INTO campaign_caps AS k (campaign_id, per_hour, per_day, per_week, "
               "updated_at) SELECT c.id, (v.j->>'per_hour')::integer, "
               "(v.j->>'per_day')::integer, (v.j->>'per_week')::integer, now() "
               "FROM v, campaigns c WHERE c.id = $1 AND c.created_by = $2 "
               "ON CONFLICT (campaign_id) DO UPDATE SET per_hour = EXCLUDED.per_hour, "
               "per_day = EXCLUDED.per_day, per_week = EXCLUDED.per_week, updated_at = now() "
               "RETURNING " CAPS_JSON,
               owner, id, values, out, sqlstate);
    /* clang-format on */
}

/* ---- Pacing ------------------------------------------------------------ */

int db_serving_pacing_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                          char sqlstate[6])
{
    return run(c, "db_serving_pacing_get", "SELECT " PACING_JSON " " JOIN("campaign_serving", "s"),
               owner, id, NULL, out, sqlstate);
}

int db_serving_pacing_put(struct db_conn *c, const char *owner, const char *id,
                          const json_t *values, json_t **out, char sqlstate[6])
{
    /* clang-format off */
    return run(c, "db_serving_pacing_put",
               "WITH v AS (SELECT $3::json AS j) "
               "INSERT INTO campaign_serving AS s (campaign_id, pacing_mode, time_zone, priority, "
               "weight, updated_at) SELECT c.id, v.j->>'mode', v.j->>'time_zone', "
               "(v.j->>'priority')::integer, (v.j->>'weight')::integer, now() "
               "FROM v, campaigns c WHERE c.id = $1 AND c.created_by = $2 "
               "ON CONFLICT (campaign_id) DO UPDATE SET pacing_mode = EXCLUDED.pacing_mode, "
               "time_zone = EXCLUDED.time_zone, priority = EXCLUDED.priority, "
               "weight = EXCLUDED.weight, updated_at = now() RETURNING " PACING_JSON,
               owner, id, values, out, sqlstate);
    /* clang-format on */
}

/* ---- Advertiser -------------------------------------------------------- */

int db_serving_advertiser_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                              char sqlstate[6])
{
    return run(c, "db_serving_advertiser_get",
               "SELECT " ADVERTISER_JSON " " JOIN("campaign_serving", "s"), owner, id, NULL, out,
               sqlstate);
}

int db_serving_advertiser_put(struct db_conn *c, const char *owner, const char *id,
                              const json_t *values, json_t **out, char sqlstate[6])
{
    /* clang-format off */
    return run(c, "db_serving_advertiser_put",
               "WITH v AS (SELECT $3::json AS j) "
               "INSERT INTO campaign_serving AS s (campaign_id, advertiser_domain, "
               "iab_categories, click_through_url, updated_at) SELECT c.id, v.j->>'domain', "
               ARR("iab_categories") ", v.j->>'click_through_url', now() "
               "FROM v, campaigns c WHERE c.id = $1 AND c.created_by = $2 "
               "ON CONFLICT (campaign_id) DO UPDATE SET "
               "advertiser_domain = EXCLUDED.advertiser_domain, "
               "iab_categories = EXCLUDED.iab_categories, "
               "click_through_url = EXCLUDED.click_through_url, updated_at = now() "
               "RETURNING " ADVERTISER_JSON,
               owner, id, values, out, sqlstate);
    /* clang-format on */
}
