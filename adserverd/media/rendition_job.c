/*
 * rendition_job: see rendition_job.h.
 */
#include "media/rendition_job.h"
#include "core/app.h"
#include "core/config.h"
#include "db/db.h"
#include "db/db_creative_media.h"
#include "db/db_creative_renditions.h"
#include "db/db_creatives.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "media/child.h"
#include "media/ladder.h"
#include "media/media_index.h"
#include "media/transcode.h"
#include "storage/storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_WAIT_MS 5000
#define KEY_LEN (STORAGE_KEY_MAX + 1)
/* A master playlist of LADDER_MAX rungs is under 2 KiB. */
#define MASTER_MAX 16384

int rendition_job_plan(struct db_conn *c, const struct ladder *l, const char *creative_id,
                       uint32_t w, uint32_t h, char sqlstate[6])
{
    struct ladder_rung rungs[LADDER_MAX];
    struct db_rendition_plan plan[LADDER_MAX];
    size_t n = ladder_plan(l, w, h, rungs);

    for (size_t i = 0; i < n; i++)
        plan[i] = (struct db_rendition_plan){rungs[i].name, rungs[i].width, rungs[i].height,
                                             rungs[i].kbps};
    if (n > 0 && db_creative_renditions_plan(c, creative_id, plan, n, sqlstate) !=
                     DB_CREATIVE_RENDITIONS_OK)
        return -1;
    return (int)n;
}

int rendition_job_stale_s(const struct app *app)
{
    /* a run is one encode (bounded by the timeout), a remux, a probe and the stores */
    return app->cfg->media_transcode_timeout_s + 2 * app->cfg->media_probe_timeout_s + 120;
}

int rendition_key(const char *storage_key, const char *suffix, char *out, size_t n)
{
    const char *slash = strrchr(storage_key, '/');
    const char *dot = strrchr(storage_key, '.');
    size_t stem = dot != NULL && (slash == NULL || dot > slash) ? (size_t)(dot - storage_key)
                                                                : strlen(storage_key);
    int len = snprintf(out, n, "%.*s/%s", (int)stem, storage_key, suffix);

    return len > 0 && (size_t)len < n ? 0 : -1;
}

void rendition_job_each_key(const char *storage_key, const char *mp4_key, const char *hls_key,
                            int hls_segments,
                            void (*fn)(void *ctx, const char *key, const char *mime), void *ctx)
{
    char key[KEY_LEN];
    const char *slash;

    if (mp4_key != NULL)
        fn(ctx, mp4_key, "video/mp4");
    if (hls_key != NULL) {
        fn(ctx, hls_key, RENDITION_HLS_TYPE);
        slash = strrchr(hls_key, '/');
        for (int i = 0; slash != NULL && i < hls_segments && i < TRANSCODE_SEGMENTS_MAX; i++)
            if (snprintf(key, sizeof(key), "%.*s/seg_%03d.ts", (int)(slash - hls_key), hls_key,
                         i) < (int)sizeof(key))
                fn(ctx, key, RENDITION_TS_TYPE);
    }
    if (storage_key != NULL && rendition_key(storage_key, "hls/master.m3u8", key, sizeof(key)) == 0)
        fn(ctx, key, RENDITION_HLS_TYPE);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * The upload's bytes on a descriptor: the stored file (local) or an
 * unlinked copy (S3). -1 with err; *missing set when the object is not
 * there at all (a verdict, not a transient failure).
 */
static int open_source(struct app *app, const char *key, int *missing, char *err, size_t errlen)
{
    char path[4096];
    uint64_t size = 0;
    int fd = -1, rc;

    *missing = 0;
    if (storage_backend(app->storage) == STORAGE_BACKEND_LOCAL) {
        rc = storage_open_read(app->storage, key, &fd, &size, err, errlen);
        *missing = rc == STORAGE_NOT_FOUND;
        return rc == 0 ? fd : -1;
    }
    if (snprintf(path, sizeof(path), "%s/rendition-src-XXXXXX", app->cfg->data_dir) >=
        (int)sizeof(path)) {
        snprintf(err, errlen, "data directory path too long");
        return -1;
    }
    fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno));
        return -1;
    }
    (void)unlink(path); /* freed on close */
    rc = storage_fetch_to_fd(app->storage, key, fd, (uint64_t)app->cfg->upload_max_bytes, &size,
                             err, errlen);
    *missing = rc == STORAGE_NOT_FOUND;
    if (rc != 0) {
        (void)close(fd); /* a partial copy: nothing to keep */
        return -1;
    }
    return fd;
}

/* Remove the work directory and what the tools left in it (two levels). */
static void remove_tree(const char *dir)
{
    char path[4400];
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
            continue;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(path);
        else
            (void)unlink(path); /* scratch files: a leftover is only disk */
    }
    closedir(d);
    if (rmdir(dir) != 0)
        log_warn("cannot remove a transcode work directory", "dir", dir, "error",
                 strerror(errno));
}

static int store_file(struct app *app, const char *path, const char *key, const char *type,
                      uint64_t *size, char *err, size_t errlen)
{
    struct storage_writer *w;
    char chunk[65536];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    w = storage_writer_open(app->storage, key, type, err, errlen);
    if (w == NULL) {
        (void)close(fd);
        return -1;
    }
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        (void)storage_writer_write(w, chunk, (size_t)n); /* errors stick; commit says */
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        storage_writer_abort(w);
        (void)close(fd);
        return -1;
    }
    (void)close(fd); /* read-only */
    return storage_writer_commit(w, size, err, errlen);
}

struct stored {
    char keys[TRANSCODE_SEGMENTS_MAX + 2][KEY_LEN];
    int n;
};

static void delete_stored(struct app *app, const struct stored *s)
{
    char err[256];

    for (int i = 0; i < s->n; i++)
        if (storage_delete(app->storage, s->keys[i], err, sizeof(err)) != 0)
            log_warn("cannot delete a rendition object", "key", s->keys[i], "error", err);
}

/* Store segments, then the media playlist, then the MP4 (the order players need them in). */
static int store_rung(struct app *app, const char *storage_key, const char *rung,
                      const char *workdir, int segments, struct stored *s, uint64_t *mp4_size,
                      char *err, size_t errlen)
{
    char path[4400], suffix[64];

    s->n = 0;
    for (int i = 0; i <= segments + 1; i++) {
        const char *type;

        if (i < segments) {
            snprintf(path, sizeof(path), "%s/hls/seg_%03d.ts", workdir, i);
            snprintf(suffix, sizeof(suffix), "hls/%s/seg_%03d.ts", rung, i);
            type = RENDITION_TS_TYPE;
        } else if (i == segments) {
            snprintf(path, sizeof(path), "%s/hls/index.m3u8", workdir);
            snprintf(suffix, sizeof(suffix), "hls/%s/index.m3u8", rung);
            type = RENDITION_HLS_TYPE;
        } else {
            snprintf(path, sizeof(path), "%s/r.mp4", workdir);
            snprintf(suffix, sizeof(suffix), "%s.mp4", rung);
            type = "video/mp4";
        }
        if (rendition_key(storage_key, suffix, s->keys[s->n], KEY_LEN) != 0) {
            snprintf(err, errlen, "rendition key too long");
            return -1;
        }
        if (store_file(app, path, s->keys[s->n], type, i == segments + 1 ? mp4_size : NULL, err,
                       errlen) != 0)
            return -1;
        s->n++;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Recording                                                                */
/* ------------------------------------------------------------------------ */

static void index_put(void *ctx, const char *key, const char *mime)
{
    struct app *app = ctx;

    (void)media_index_put(app->media_index, key, mime);
}

/* Rewrite the creative's master playlist from its ready rungs. */
static void store_master(struct app *app, const char *id, const char *storage_key)
{
    struct db_conn *c = db_acquire(app->db, DB_WAIT_MS);
    struct transcode_variant v[LADDER_MAX];
    char keys[LADDER_MAX][KEY_LEN];
    char key[KEY_LEN], state[6] = "", err[256];
    json_t *ready = NULL;
    struct buf b;
    struct storage_writer *w;
    size_t n = 0;

    buf_init(&b, MASTER_MAX);
    if (c == NULL)
        goto cleanup;
    if (db_creative_renditions_ready_list(c, id, &ready, state) != DB_CREATIVE_RENDITIONS_OK) {
        log_error("cannot list ready renditions", "creative", id, "sqlstate", state);
        goto cleanup;
    }
    for (size_t i = 0; i < json_array_size(ready) && n < LADDER_MAX; i++) {
        json_t *r = json_array_get(ready, i);
        const char *hls = json_string_value(json_object_get(r, "hls_key"));
        const char *rung = json_string_value(json_object_get(r, "rung"));

        if (hls == NULL || rung == NULL)
            continue;
        /* relative to hls/master.m3u8 */
        snprintf(keys[n], sizeof(keys[n]), "%s/index.m3u8", rung);
        v[n] = (struct transcode_variant){
            (unsigned)json_integer_value(json_object_get(r, "bitrate_kbps")),
            (unsigned)json_integer_value(json_object_get(r, "width")),
            (unsigned)json_integer_value(json_object_get(r, "height")),
            json_string_value(json_object_get(r, "video_codec")),
            json_string_value(json_object_get(r, "audio_codec")), keys[n]};
        if (v[n].video_codec == NULL)
            continue;
        n++;
    }
    if (n == 0 || transcode_master(v, n, &b) != 0 ||
        rendition_key(storage_key, "hls/master.m3u8", key, sizeof(key)) != 0)
        goto cleanup;
    w = storage_writer_open(app->storage, key, RENDITION_HLS_TYPE, err, sizeof(err));
    if (w == NULL) {
        log_error("cannot store the hls master playlist", "creative", id, "error", err);
        goto cleanup;
    }
    (void)storage_writer_write(w, b.data, b.len); /* errors stick; commit reports them */
    if (storage_writer_commit(w, NULL, err, sizeof(err)) != 0) {
        log_error("cannot store the hls master playlist", "creative", id, "error", err);
        goto cleanup;
    }
    if (app->media_index != NULL && storage_backend(app->storage) == STORAGE_BACKEND_LOCAL)
        (void)media_index_put(app->media_index, key, RENDITION_HLS_TYPE);
cleanup:
    db_release(app->db, c);
    json_decref(ready);
    buf_release(&b);
}

/*
 * After a rung ended: the creative becomes active with its first ready
 * rung, or failed when no rung is left and none is ready.
 */
static void settle(struct db_conn *c, const char *id)
{
    char state[6] = "", reason[512], why[600];
    int ready = 0, open = 0, failed = 0;

    if (db_creative_renditions_counts(c, id, &ready, &open, &failed, reason, sizeof(reason),
                                      state) != DB_CREATIVE_RENDITIONS_OK) {
        log_error("cannot count renditions", "creative", id, "sqlstate", state);
        return;
    }
    if (ready > 0) {
        if (db_creatives_finish_processing(c, id, "active", NULL, NULL, NULL, NULL, state) ==
            DB_CREATIVES_OK)
            log_info("creative processed", "creative", id, "status", "active");
    } else if (open == 0 && failed > 0) {
        snprintf(why, sizeof(why), "every rendition failed: %s", reason);
        if (db_creatives_finish_processing(c, id, "failed", NULL, NULL, NULL, NULL, state) ==
                DB_CREATIVES_OK &&
            db_creative_media_renditions_failed(c, id, why, state) != DB_CREATIVE_MEDIA_ERROR)
            log_info("creative failed processing", "creative", id, "reason", why);
    }
}

/* ------------------------------------------------------------------------ */
/* One rung                                                                 */
/* ------------------------------------------------------------------------ */

static void settings(const struct app *app, struct transcode_settings *s)
{
    const struct config *cfg = app->cfg;

    memset(s, 0, sizeof(*s));
    s->ffmpeg = cfg->media_ffmpeg;
    s->ffprobe = cfg->media_ffprobe;
    s->preset = cfg->media_preset;
    s->lim = (struct child_limits){cfg->media_cpu_s, cfg->media_mem_mb, cfg->media_output_mb,
                                   cfg->media_nice, (long)cfg->media_transcode_timeout_s * 1000};
    s->probe_lim = (struct child_limits){cfg->media_cpu_s, cfg->media_mem_mb, 0, cfg->media_nice,
                                         (long)cfg->media_probe_timeout_s * 1000};
}

/* The verdict on a claimed rung, recorded in one short transaction. */
static int record(struct app *app, const char *id, const struct db_rendition_job *job,
                  int outcome, const char *reason, const struct db_rendition_done *done)
{
    struct db_conn *c = db_acquire(app->db, DB_WAIT_MS);
    char state[6] = "", err[256];
    int rc = -1, r;

    if (c == NULL)
        return -1;
    if (db_simple(c, "BEGIN", err, sizeof(err)) != 0)
        goto cleanup;
    if (outcome == TRANSCODE_OK)
        r = db_creative_renditions_ready(c, id, job->rung, done, state);
    else if (outcome == TRANSCODE_EFAILED || job->attempts >= RENDITION_MAX_ATTEMPTS)
        r = db_creative_renditions_failed(c, id, job->rung, reason, state);
    else
        r = db_creative_renditions_retry(c, id, job->rung, reason, state);
    if (r == DB_CREATIVE_RENDITIONS_OK)
        settle(c, id);
    if (r == DB_CREATIVE_RENDITIONS_ERROR || db_simple(c, "COMMIT", err, sizeof(err)) != 0) {
        log_error("cannot record a rendition", "creative", id, "rung", job->rung, "sqlstate",
                  state);
        db_simple(c, "ROLLBACK", NULL, 0);
        goto cleanup;
    }
    rc = r == DB_CREATIVE_RENDITIONS_OK ? 0 : 1; /* 1: the creative is gone */
cleanup:
    db_release(app->db, c);
    return rc;
}

/* Make one claimed rung. Returns 0 to go on with the next rung, -1 to stop for now. */
static int one_rung(struct app *app, struct child_slots *slots, const char *id,
                    const struct db_rendition_job *job, int src)
{
    struct transcode_settings s;
    struct transcode_result tr;
    struct db_rendition_done done;
    struct stored *st = calloc(1, sizeof(*st));
    char workdir[4096], err[512] = "", ms[24], kbps[16];
    uint64_t mp4_size = 0;
    int rc, outcome, recorded;

    if (st == NULL)
        return -1;
    settings(app, &s);
    if (snprintf(workdir, sizeof(workdir), "%s/rendition-XXXXXX", app->cfg->data_dir) >=
            (int)sizeof(workdir) ||
        mkdtemp(workdir) == NULL) {
        snprintf(err, sizeof(err), "cannot create a work directory under %s", app->cfg->data_dir);
        outcome = TRANSCODE_ESTART;
        workdir[0] = '\0';
    } else {
        outcome = transcode_rung(slots, &s, src, (unsigned)job->target_width,
                                 (unsigned)job->target_height, (unsigned)job->target_kbps,
                                 workdir, &tr, err, sizeof(err));
    }
    if (outcome == TRANSCODE_OK &&
        store_rung(app, job->storage_key, job->rung, workdir, tr.hls_segments, st, &mp4_size, err,
                   sizeof(err)) != 0) {
        delete_stored(app, st);
        st->n = 0;
        outcome = TRANSCODE_ESTART; /* storage trouble: try again later */
    }
    memset(&done, 0, sizeof(done));
    if (outcome == TRANSCODE_OK) {
        done = (struct db_rendition_done){(int)tr.info.width, (int)tr.info.height,
                                          (int)tr.info.bitrate_kbps, tr.info.video_codec,
                                          tr.info.audio_codec, mp4_size, st->keys[st->n - 1],
                                          st->keys[st->n - 2], tr.hls_segments, tr.encode_ms};
    }
    recorded = record(app, id, job, outcome, err, &done);
    if (outcome == TRANSCODE_OK && recorded != 0) {
        delete_stored(app, st); /* the creative went away, or the verdict was not kept */
    } else if (outcome == TRANSCODE_OK) {
        if (app->media_index != NULL && storage_backend(app->storage) == STORAGE_BACKEND_LOCAL)
            rendition_job_each_key(NULL, done.mp4_key, done.hls_key, done.hls_segments, index_put,
                                   app);
        store_master(app, id, job->storage_key);
        snprintf(ms, sizeof(ms), "%lld", (long long)tr.encode_ms);
        snprintf(kbps, sizeof(kbps), "%u", tr.info.bitrate_kbps);
        log_info("rendition ready", "creative", id, "rung", job->rung, "bitrate_kbps", kbps,
                 "encode_ms", ms);
    } else if (outcome == TRANSCODE_EFAILED) {
        log_warn("rendition failed", "creative", id, "rung", job->rung, "reason", err);
    } else {
        log_warn("rendition postponed", "creative", id, "rung", job->rung, "reason", err);
    }
    if (workdir[0] != '\0')
        remove_tree(workdir);
    rc = outcome == TRANSCODE_ESTART || recorded < 0 ? -1 : 0;
    free(st);
    return rc;
}

int rendition_job_step(struct app *app, struct child_slots *slots, const char *creative_id)
{
    struct db_rendition_job job;
    struct db_conn *c = db_acquire(app->db, DB_WAIT_MS);
    char err[256], state[6] = "";
    int src, rc, missing;

    if (c == NULL)
        return 0; /* the next tick finds the rung again */
    rc = db_creative_renditions_next(c, creative_id, rendition_job_stale_s(app), &job, state);
    db_release(app->db, c);
    if (rc == DB_CREATIVE_RENDITIONS_ERROR)
        log_error("cannot claim a rendition", "creative", creative_id, "sqlstate", state);
    if (rc != DB_CREATIVE_RENDITIONS_OK)
        return 0;
    src = open_source(app, job.storage_key, &missing, err, sizeof(err));
    if (src < 0) {
        struct db_rendition_done none;

        memset(&none, 0, sizeof(none));
        if (missing)
            snprintf(err, sizeof(err), "the stored upload is missing");
        (void)record(app, creative_id, &job, missing ? TRANSCODE_EFAILED : TRANSCODE_ESTART, err,
                     &none);
        log_warn(missing ? "rendition failed" : "rendition postponed", "creative", creative_id,
                 "reason", err);
        return missing ? 1 : 0;
    }
    rc = one_rung(app, slots, creative_id, &job, src);
    (void)close(src); /* read-only, or an unlinked copy */
    return rc == 0 ? 1 : 0;
}
