/*
 * db_creatives: the queries on the creatives table behind the non-upload
 * creative endpoints (docs/admin-api.md).
 *
 * A creative belongs to the owner of its campaign (not to uploaded_by), so
 * every query joins campaigns and filters on campaigns.created_by: another
 * user's creative is indistinguishable from a missing one. Rows come back as
 * JSON objects in the contract's creative shape (rowjson). Nothing is cached.
 *
 * Results: DB_CREATIVES_OK with *out a new reference (caller json_decref()s
 * it), DB_CREATIVES_NOT_FOUND, or DB_CREATIVES_ERROR with the SQLSTATE in
 * sqlstate ("" for a lost connection; the caller logs). *out is written only
 * on DB_CREATIVES_OK.
 */
#ifndef DB_CREATIVES_H
#define DB_CREATIVES_H

#include <jansson.h>

struct db_conn;

enum db_creatives_result {
    DB_CREATIVES_OK = 0,
    DB_CREATIVES_NOT_FOUND = 1,
    DB_CREATIVES_ERROR = -1,
};

/* Every creative of campaign_id (ownership checked by the caller), newest first: an array. */
int db_creatives_list(struct db_conn *c, const char *campaign_id, json_t **out, char sqlstate[6]);

/* One creative of owner's campaigns. */
int db_creatives_get(struct db_conn *c, const char *owner, const char *id, json_t **out,
                     char sqlstate[6]);

/*
 * Write the fields present in values (validate_creative_update_schema's
 * output, borrowed: name, status, duration) and updated_at; *out is the row.
 */
int db_creatives_update(struct db_conn *c, const char *owner, const char *id, const json_t *values,
                        json_t **out, char sqlstate[6]);

/* Set status ("active" or "inactive"); *out is the row. */
int db_creatives_set_status(struct db_conn *c, const char *owner, const char *id,
                            const char *status, json_t **out, char sqlstate[6]);

/*
 * Delete the row; *video_url (when not NULL) receives the deleted row's
 * video_url as a new JSON string, for the best-effort storage clean-up.
 * Impressions referencing the creative make it fail with 23503.
 */
int db_creatives_delete(struct db_conn *c, const char *owner, const char *id, json_t **video_url,
                        char sqlstate[6]);

/* ---- Upload and processing (api_uploads.c, creative_worker.c) ---------- */

/* An uploaded creative's row (3.4.1); strings borrowed, NULL means SQL NULL. */
struct db_creatives_upload {
    const char *id; /* also the uuid in the storage key */
    const char *campaign_id;
    const char *name;
    const char *video_url;
    const char *duration; /* decimal text */
    const char *file_size;
    const char *width;
    const char *height;
    const char *format;
    const char *uploaded_by;
};

/* Insert u with status 'processing' (ownership checked by the caller); *out is the row. */
int db_creatives_insert_upload(struct db_conn *c, const struct db_creatives_upload *u, json_t **out,
                               char sqlstate[6]);

/*
 * An upload's rows in one transaction: the creative (as
 * db_creatives_insert_upload) and its creative_media record (storage_key,
 * declared_type; see db_creative_media_insert), both or neither. On success
 * *out is the creative's row (the caller owns it); on failure the
 * transaction is rolled back and *out is untouched.
 */
int db_creatives_create_upload(struct db_conn *c, const struct db_creatives_upload *u,
                               const char *storage_key, const char *declared_type, json_t **out,
                               char sqlstate[6]);

/*
 * End processing of id: status ("active" or "failed") and, where not NULL,
 * the measured duration, width, height and file_size (decimal text). Only a
 * row still 'processing' changes (a status set meanwhile by its owner
 * stands): DB_CREATIVES_NOT_FOUND otherwise.
 */
int db_creatives_finish_processing(struct db_conn *c, const char *id, const char *status,
                                   const char *duration, const char *width, const char *height,
                                   const char *file_size, char sqlstate[6]);

/*
 * Every creative's id and video_url with its creative_media storage_key and
 * mime (null when it has none), for the media index: *out is an array of
 * {id, video_url, storage_key, mime}.
 */
int db_creatives_media_refs(struct db_conn *c, json_t **out, char sqlstate[6]);

#endif
