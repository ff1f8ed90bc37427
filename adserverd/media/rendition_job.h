/*
 * rendition_job: the rendition ladder of one creative, worked by the
 * creative worker thread after processing found the upload servable.
 *
 * For each planned rung (sql/010, smallest first) it claims the rung,
 * transcodes it (transcode.h) from the stored upload, which stays as the
 * mezzanine, stores the MP4, the HLS media playlist and its segments, and
 * records what ffprobe measured on the output; then it rewrites the
 * creative's HLS master playlist to list every ready rung. With its first
 * ready rung the creative becomes 'active' (servable); when every rung
 * failed it becomes 'failed' with the last reason.
 *
 * Storage layout beside the upload <dir>/<id>.<ext>:
 *   <dir>/<id>/<rung>.mp4
 *   <dir>/<id>/hls/master.m3u8
 *   <dir>/<id>/hls/<rung>/index.m3u8, seg_000.ts, ...
 * Nothing is left half-written: a rung's objects are stored segments
 * first, playlist and MP4 last, and deleted again when storing or
 * recording fails or the creative went away meanwhile.
 *
 * S3: the upload is fetched into an unlinked temporary file for each rung.
 *
 * Restart: a shutdown kills the tools of a rung being made and puts it
 * back to pending; a rung left 'running' by a crashed daemon is claimed
 * again once older than rendition_job_stale_s() (its attempt counted); transient failures (a tool that cannot start, storage
 * or PostgreSQL down) put the rung back to pending, up to
 * RENDITION_MAX_ATTEMPTS.
 *
 * Runs on the creative worker's thread only; PostgreSQL connections are
 * held for short steps, never across a transcode.
 */
#ifndef MEDIA_RENDITION_JOB_H
#define MEDIA_RENDITION_JOB_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct child_slots;
struct db_conn;
struct ladder;
struct ffprobe_info;

#define RENDITION_MAX_ATTEMPTS 5

/* Media types of rendition objects. */
#define RENDITION_HLS_TYPE "application/vnd.apple.mpegurl"
#define RENDITION_TS_TYPE "video/mp2t"

/*
 * Plan the rungs of creative_id for a source of display size w x h, inside
 * the caller's transaction. Returns the number planned (0: the ladder is
 * empty), or -1 with the SQLSTATE in sqlstate.
 */
int rendition_job_plan(struct db_conn *c, const struct ladder *l, const char *creative_id,
                       uint32_t w, uint32_t h, char sqlstate[6]);

/*
 * Make the next unfinished rung of creative_id, if any. Returns 1 when a
 * rung ended (ready or failed: there may be more), 0 when none was left or
 * a transient failure postponed it (a later tick resumes). One rung per
 * call lets the worker interleave other creatives' work, so a new upload
 * is measured while a long ladder is being made. Logs what it does.
 */
int rendition_job_step(struct app *app, struct child_slots *slots, const char *creative_id);

/*
 * Seconds after which a rung still 'running' is taken as abandoned by a
 * stopped or crashed daemon and claimed again: longer than a run can take.
 */
int rendition_job_stale_s(const struct app *app);

/*
 * The key of a rendition object: the upload's key without its extension,
 * then "/" and suffix ("360p.mp4", "hls/master.m3u8"). 0, or -1 when it
 * does not fit in out[n].
 */
int rendition_key(const char *storage_key, const char *suffix, char *out, size_t n);

/*
 * Every object key of one ready rung (row of
 * db_creative_renditions_objects()), passed to fn with its media type.
 */
void rendition_job_each_key(const char *storage_key, const char *mp4_key, const char *hls_key,
                            int hls_segments,
                            void (*fn)(void *ctx, const char *key, const char *mime), void *ctx);

#endif
