/*
 * db_creative_renditions: every query on creative_renditions (sql/010), our
 * own table of each uploaded creative's rendition ladder: one row per rung,
 * planned when processing found the upload servable, worked smallest first
 * by the creative worker, measured when ready. Rows go with their creative
 * (ON DELETE CASCADE).
 *
 * Results: DB_CREATIVE_RENDITIONS_OK, _NOT_FOUND, or _ERROR with the
 * SQLSTATE in sqlstate ("" for a lost connection; the caller logs).
 * Out-parameters are written only on OK.
 */
#ifndef DB_CREATIVE_RENDITIONS_H
#define DB_CREATIVE_RENDITIONS_H

#include <jansson.h>
#include <stdint.h>

struct db_conn;

enum db_creative_renditions_result {
    DB_CREATIVE_RENDITIONS_OK = 0,
    DB_CREATIVE_RENDITIONS_NOT_FOUND = 1,
    DB_CREATIVE_RENDITIONS_ERROR = -1,
};

/* One planned rung: its name, output size and video bitrate. */
struct db_rendition_plan {
    const char *rung;
    unsigned width;
    unsigned height;
    unsigned kbps;
};

/* Insert the planned rungs of creative_id in work order (state 'pending';
 * existing rows kept). */
int db_creative_renditions_plan(struct db_conn *c, const char *creative_id,
                                const struct db_rendition_plan *rungs, size_t n,
                                char sqlstate[6]);

/* Up to limit creative ids with claimable rungs (pending, or running for
 * more than stale_s seconds), those without a ready rung first, then the
 * oldest: *out a new array. */
int db_creative_renditions_open(struct db_conn *c, int limit, int stale_s, json_t **out,
                                char sqlstate[6]);

/* The next rung to make, claimed ('running', started now, attempts counted). */
struct db_rendition_job {
    char rung[16];
    int target_width;
    int target_height;
    int target_kbps;
    int attempts; /* including this run */
    char storage_key[1025]; /* the mezzanine's */
};

/*
 * Claim the first pending rung of creative_id (smallest first), or one
 * left 'running' for more than stale_s seconds (its daemon stopped), if
 * the creative still exists; NOT_FOUND when none is claimable.
 */
int db_creative_renditions_next(struct db_conn *c, const char *creative_id, int stale_s,
                                struct db_rendition_job *job, char sqlstate[6]);

/* What a ready rung measured and where it is stored. */
struct db_rendition_done {
    int width;
    int height;
    int bitrate_kbps;
    const char *video_codec;
    const char *audio_codec;
    uint64_t file_size;
    const char *mp4_key;
    const char *hls_key;
    int hls_segments;
    int64_t encode_ms;
};

/* The running rung becomes ready; NOT_FOUND when it (or its creative) is gone. */
int db_creative_renditions_ready(struct db_conn *c, const char *creative_id, const char *rung,
                                 const struct db_rendition_done *d, char sqlstate[6]);

/* The running rung becomes failed with reason. */
int db_creative_renditions_failed(struct db_conn *c, const char *creative_id, const char *rung,
                                  const char *reason, char sqlstate[6]);

/* A transient failure: the rung goes back to pending for a later run. */
int db_creative_renditions_retry(struct db_conn *c, const char *creative_id, const char *rung,
                                 const char *reason, char sqlstate[6]);

/*
 * Counts of creative_id's rungs by state into *ready, *open (pending or
 * running) and *failed; the reason of the last failure copied into
 * last_reason[n] ("" when none).
 */
int db_creative_renditions_counts(struct db_conn *c, const char *creative_id, int *ready,
                                  int *open, int *failed, char *last_reason, size_t n,
                                  char sqlstate[6]);

/*
 * The ready rungs of creative_id, largest first, as objects {rung, width,
 * height, bitrate_kbps, video_codec, audio_codec, hls_key} (for the master
 * playlist).
 */
int db_creative_renditions_ready_list(struct db_conn *c, const char *creative_id, json_t **out,
                                      char sqlstate[6]);

/*
 * Every rung of creative_id as the API shows it, smallest first (an empty
 * array when there is none).
 */
int db_creative_renditions_list(struct db_conn *c, const char *creative_id, json_t **out,
                                char sqlstate[6]);

/*
 * The stored objects of every ready rung of every creative, as objects
 * {creative_id, storage_key (the mezzanine's), mp4_key, hls_key,
 * hls_segments}: the media index rebuild and deletes expand them to keys.
 * creative_id NULL: all creatives.
 */
int db_creative_renditions_objects(struct db_conn *c, const char *creative_id, json_t **out,
                                   char sqlstate[6]);

#endif
