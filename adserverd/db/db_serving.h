/*
 * db_serving: every query on our own serving tables (sql/008): campaign_serving
 * (pacing and advertiser facts), campaign_targeting and campaign_caps. These
 * hold what ad serving needs beyond the contract's campaigns row; the catalog
 * builder reads them, the admin API writes them through here.
 *
 * Every query is scoped to the campaign's owner (created_by) in the same
 * statement, so a campaign of another user is indistinguishable from a
 * missing one. An absent row reads as the table's defaults. A PUT replaces
 * the settings it owns with one upsert; pacing and advertiser share the
 * campaign_serving row and each writes only its own columns.
 *
 * Results: DB_SERVING_OK with *out a new object (caller json_decref()s it)
 * in the API's key order; DB_SERVING_NOT_FOUND (no *out); DB_SERVING_ERROR
 * with the SQLSTATE in sqlstate ("" for a connection failure).
 * Inputs (values) are borrowed: the validated objects of api_serving.
 */
#ifndef DB_SERVING_H
#define DB_SERVING_H

#include <jansson.h>

struct db_conn;

enum db_serving_result {
    DB_SERVING_OK = 0,
    DB_SERVING_NOT_FOUND = 1,
    DB_SERVING_ERROR = -1,
};

/*
 * Targeting: {countries, regions, dmas, device_types, os, app_bundles,
 * content_genres, content_ratings, content_categories (string arrays),
 * livestream, dayparts (array of 7 integer bitmasks, Sunday first, bit h =
 * hour h)}. put reads the same keys from values.
 */
int db_serving_targeting_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                             char sqlstate[6]);
int db_serving_targeting_put(struct db_conn *c, const char *owner, const char *id,
                             const json_t *values, json_t **out, char sqlstate[6]);

/* Caps: {per_hour, per_day, per_week}, each an integer or null. */
int db_serving_caps_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                        char sqlstate[6]);
int db_serving_caps_put(struct db_conn *c, const char *owner, const char *id, const json_t *values,
                        json_t **out, char sqlstate[6]);

/* Pacing: {mode, time_zone, priority, weight}. */
int db_serving_pacing_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                          char sqlstate[6]);
int db_serving_pacing_put(struct db_conn *c, const char *owner, const char *id,
                          const json_t *values, json_t **out, char sqlstate[6]);

/* Advertiser: {domain, iab_categories, click_through_url}. */
int db_serving_advertiser_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                              char sqlstate[6]);
int db_serving_advertiser_put(struct db_conn *c, const char *owner, const char *id,
                              const json_t *values, json_t **out, char sqlstate[6]);

#endif
