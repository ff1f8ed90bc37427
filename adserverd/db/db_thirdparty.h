/*
 * db_thirdparty: every query on sql/011's tables: creative_trackers,
 * campaign_trackers and creative_verifications, the advertiser's own
 * measurement the admin API stores and the catalog builder serves.
 *
 * Each row holds one whole document (JSON text) that the admin API has
 * validated and normalised with vast/trackers.h; this module stores and
 * returns it without looking inside. Every query is scoped to the owner of
 * the campaign in the same statement (a creative belongs to its campaign's
 * owner), so another user's object is indistinguishable from a missing one.
 *
 * Results: DB_THIRDPARTY_OK with *out a new reference to the stored document
 * (caller json_decref()s it), or *out NULL when the object exists but has no
 * document yet; DB_THIRDPARTY_NOT_FOUND (no *out); DB_THIRDPARTY_ERROR with
 * the SQLSTATE in sqlstate ("" for a lost connection; the caller logs).
 * Inputs are borrowed. Load: admin writes and reads only, never serving.
 */
#ifndef DB_THIRDPARTY_H
#define DB_THIRDPARTY_H

#include <jansson.h>

struct db_conn;

enum db_thirdparty_result {
    DB_THIRDPARTY_OK = 0,
    DB_THIRDPARTY_NOT_FOUND = 1,
    DB_THIRDPARTY_ERROR = -1,
};

/* The documents a row can hold; each names its table and owner kind. */
enum db_thirdparty_doc {
    DB_THIRDPARTY_CREATIVE_TRACKERS,
    DB_THIRDPARTY_CAMPAIGN_TRACKERS,
    DB_THIRDPARTY_CREATIVE_VERIFICATIONS,
};

/* The stored document of object id (a creative or a campaign, per doc). */
int db_thirdparty_get(struct db_conn *c, enum db_thirdparty_doc doc, const char *owner,
                      const char *id, json_t **out, char sqlstate[6]);

/* Replace the document of object id with value; *out is what was stored. */
int db_thirdparty_put(struct db_conn *c, enum db_thirdparty_doc doc, const char *owner,
                      const char *id, const json_t *value, json_t **out, char sqlstate[6]);

#endif
