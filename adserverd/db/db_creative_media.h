/*
 * db_creative_media: every query on creative_media (sql/007), our own table
 * of what creative processing measured in an uploaded file and why it
 * failed. One row per creative uploaded through the API, made in the
 * upload's transaction; it goes when its creative goes (ON DELETE CASCADE).
 *
 * Results: DB_CREATIVE_MEDIA_OK, DB_CREATIVE_MEDIA_NOT_FOUND, or
 * DB_CREATIVE_MEDIA_ERROR with the SQLSTATE in sqlstate ("" for a lost
 * connection; the caller logs). Out-parameters are written only on OK.
 */
#ifndef DB_CREATIVE_MEDIA_H
#define DB_CREATIVE_MEDIA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db_conn;

enum db_creative_media_result {
    DB_CREATIVE_MEDIA_OK = 0,
    DB_CREATIVE_MEDIA_NOT_FOUND = 1,
    DB_CREATIVE_MEDIA_ERROR = -1,
};

/* What processing needs to know about one pending creative. */
struct db_creative_media_job {
    char storage_key[1025];
    char status[24]; /* the creative's status now */
    int attempts;    /* earlier runs that hit a transient error */
    long duration;   /* declared seconds */
    long width;      /* declared; 0 when null */
    long height;
    long long file_size; /* as uploaded; -1 when null */
};

/*
 * The measured columns of a row: what the media probe read, copied by the
 * caller (media/creative_worker.c) so this layer does not depend on the
 * probe. Strings are borrowed for the call; "" is stored as is.
 */
struct db_creative_media_facts {
    const char *mime;        /* "video/mp4" */
    const char *container;   /* "mp4", "mov", "avi" */
    const char *video_codec; /* RFC 6381 string or FourCC */
    const char *audio_codec; /* "" without audio */
    uint32_t bitrate_kbps;
    uint64_t duration_ms;
    uint32_t width;   /* 0: unknown, stored as NULL */
    uint32_t height;  /* 0: unknown, stored as NULL */
    uint32_t fps_num; /* fps_den 0: unknown, both stored as NULL */
    uint32_t fps_den;
    int faststart;    /* moov before mdat: 1, 0, or -1 unknown (stored as NULL) */
};

/* Record the upload of creative_id (state 'pending'). */
int db_creative_media_insert(struct db_conn *c, const char *creative_id, const char *storage_key,
                             const char *declared_type, char sqlstate[6]);

/* Up to limit pending creative ids, oldest first: *out is a new array of strings. */
int db_creative_media_pending(struct db_conn *c, int limit, json_t **out, char sqlstate[6]);

/*
 * The job of creative_id if it is still pending and its creative (so its
 * campaign) still exists; NOT_FOUND otherwise.
 */
int db_creative_media_job(struct db_conn *c, const char *creative_id,
                          struct db_creative_media_job *job, char sqlstate[6]);

/* The pending row becomes 'ready' with what facts say and the size read back. */
int db_creative_media_ready(struct db_conn *c, const char *creative_id,
                            const struct db_creative_media_facts *facts, uint64_t file_size,
                            char sqlstate[6]);

/*
 * The pending row becomes 'failed' with reason; facts (may be NULL) keeps
 * what was measured when the file is a video the rules refuse.
 */
int db_creative_media_failed(struct db_conn *c, const char *creative_id, const char *reason,
                             const struct db_creative_media_facts *facts, uint64_t file_size,
                             char sqlstate[6]);

/*
 * Every rendition of creative_id failed: the row (ready after measuring)
 * becomes 'failed' with reason, so the media route shows why.
 */
int db_creative_media_renditions_failed(struct db_conn *c, const char *creative_id,
                                        const char *reason, char sqlstate[6]);

/* Count one more transient failure; *attempts receives the new count. */
int db_creative_media_retry(struct db_conn *c, const char *creative_id, const char *reason,
                            int *attempts, char sqlstate[6]);

/*
 * GET /api/v1/creatives/:id/media: the row of a creative of owner's
 * campaigns as an object (keys as the columns, bigints as strings like the
 * contract's rows), or NOT_FOUND (also for a creative without a row).
 */
int db_creative_media_get(struct db_conn *c, const char *owner, const char *creative_id,
                          json_t **out, char sqlstate[6]);

#endif
