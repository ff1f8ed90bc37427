/*
 * creative_worker: creative processing (docs/admin-api.md), a background
 * thread that turns an uploaded creative from 'processing' into 'active' or
 * 'failed' by reading what the stored file really is.
 *
 * The reference flips every upload to 'active' on a 5 s timer; here the
 * stored bytes are fetched (local: opened in place; S3: copied into an
 * unlinked temporary file under the data directory) and probed
 * (mediaprobe.h): a file that is not an MP4/MOV/AVI video, has no video
 * track, or whose measured duration does not round into 1..120 s fails,
 * with the reason stored in creative_media (sql/007) and logged. A video
 * becomes 'active' with the measured duration (rounded to whole seconds),
 * display size and byte size replacing the declared ones (differences are
 * logged). A creative deleted meanwhile, or whose status its owner changed
 * meanwhile, is left as it is. Transient failures (storage or PostgreSQL
 * down) are retried every few seconds, up to a limit, then fail.
 *
 * Work arrives through creative_worker_enqueue() (the upload route) and a
 * rescan of pending creative_media rows every few seconds, which also
 * resumes work after a restart. The same tick rebuilds the media index
 * (media_index.h) from PostgreSQL, so the ad listener never queries it.
 *
 * Load: uploads are rare (a few per minute); one file is processed at a
 * time, and probing reads only container headers.
 */
#ifndef CREATIVE_WORKER_H
#define CREATIVE_WORKER_H

#include <stddef.h>

struct app;
struct creative_worker;

/* Seconds between rescans of pending work and media index rebuilds. */
#define CREATIVE_WORKER_TICK_S 5
/* Transient failures tolerated per creative before it fails. */
#define CREATIVE_WORKER_MAX_ATTEMPTS 5

/*
 * Start the thread. app (its db, storage, media_index and cfg) must outlive
 * the worker. NULL with a message in err when the thread cannot start.
 */
struct creative_worker *creative_worker_start(struct app *app, char *err, size_t errlen);

/*
 * Stop and join the thread, then free w (NULL is fine). A file being
 * processed is finished first; queued work stays pending in PostgreSQL and
 * is resumed by the next start.
 */
void creative_worker_stop(struct creative_worker *w);

/*
 * Ask for creative_id (copied) to be processed soon. Never blocks on I/O;
 * when the queue is full the id is dropped and found by the next rescan.
 * w may be NULL (no worker: the rescan of a later start will find it).
 */
void creative_worker_enqueue(struct creative_worker *w, const char *creative_id);

#endif
