/*
 * creative_worker: see creative_worker.h.
 *
 * One thread (core/bgthread.h owns its start, wake-ups and stop), one
 * mutex-protected queue of creative ids (deduplicated, bounded: overflow is
 * harmless because pending work is rescanned from PostgreSQL every tick).
 * An enqueue wakes the thread; otherwise it sleeps until the next tick.
 * PostgreSQL is used in short steps (read the job, later write the verdict
 * in one transaction) so no pooled connection is held while a file is
 * fetched from S3.
 */
#include "media/creative_worker.h"
#include "core/app.h"
#include "core/bgthread.h"
#include "core/config.h"
#include "media/creative_url.h"
#include "db/db.h"
#include "db/db_creative_media.h"
#include "db/db_creative_renditions.h"
#include "db/db_creatives.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "media/child.h"
#include "media/ffprobe.h"
#include "media/ladder.h"
#include "media/media_index.h"
#include "media/rendition_job.h"
#include "media/sniff.h"
#include "storage/storage.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAX 256
/* Creatives a rendition thread looks at per pass, most needed first. */
#define RENDITION_SCAN 16
#define DB_WAIT_MS 5000
/* New keys without a creative_media row probed per tick (the demo seed's). */
#define PROBES_PER_TICK 32
#define DEFAULT_MAX_BYTES 524288000ull

struct creative_worker {
    struct app *app;
    struct child_slots *slots; /* bounds the media tools running at once */
    struct ladder ladder;      /* media_ladder, parsed at start */
    /* The rendition threads (media_jobs of them): transcodes never delay
     * the measuring of new uploads on this thread. */
    struct bgthread *renditions;
    struct bgthread *thread;
    pthread_mutex_t mu; /* guards queue, head and n */
    char queue[QUEUE_MAX][37];
    int head;
    int n;
};

/* What processing concluded about one file. */
struct verdict {
    int transient; /* retry later: storage or PostgreSQL trouble */
    int ok;        /* a usable video */
    char reason[512];
    struct ffprobe_info info;
    int have_info;
    uint64_t size;
};

static uint64_t max_bytes(const struct app *app)
{
    return app->cfg->upload_max_bytes > 0 ? (uint64_t)app->cfg->upload_max_bytes
                                          : DEFAULT_MAX_BYTES;
}

/* ------------------------------------------------------------------------ */
/* Reading and judging one file                                             */
/* ------------------------------------------------------------------------ */

/*
 * A descriptor holding the object's bytes: the stored file itself (local)
 * or an unlinked copy under the data directory (S3). -1 with v filled when
 * there is none.
 */
static int open_bytes(struct app *app, const char *key, struct verdict *v)
{
    char err[256];
    char path[4096];
    uint64_t size = 0;
    int fd = -1;
    int rc;

    if (storage_backend(app->storage) == STORAGE_BACKEND_LOCAL) {
        rc = storage_open_read(app->storage, key, &fd, &size, err, sizeof(err));
    } else {
        if (snprintf(path, sizeof(path), "%s/creative-probe-XXXXXX", app->cfg->data_dir) >=
            (int)sizeof(path)) {
            v->transient = 1;
            snprintf(v->reason, sizeof(v->reason), "data directory path too long");
            return -1;
        }
        fd = mkstemp(path);
        if (fd < 0) {
            int e = errno;
            v->transient = 1;
            snprintf(v->reason, sizeof(v->reason), "cannot create temporary file: %s", strerror(e));
            return -1;
        }
        (void)unlink(path); /* gone from the directory; freed on close */
        rc = storage_fetch_to_fd(app->storage, key, fd, max_bytes(app), &size, err, sizeof(err));
    }
    if (rc == STORAGE_NOT_FOUND) {
        snprintf(v->reason, sizeof(v->reason), "the stored file is missing");
    } else if (rc != 0) {
        v->transient = 1;
        snprintf(v->reason, sizeof(v->reason), "cannot read the stored file: %s", err);
    }
    if (rc != 0) {
        if (fd >= 0)
            (void)close(fd); /* nothing written worth keeping */
        return -1;
    }
    v->size = size;
    return fd;
}

/* The fence around each ffprobe run, from the configuration. */
static void probe_limits(const struct app *app, struct child_limits *lim)
{
    memset(lim, 0, sizeof(*lim));
    lim->cpu_s = app->cfg->media_cpu_s;
    lim->as_mb = app->cfg->media_mem_mb;
    lim->fsize_mb = 0; /* ffprobe writes no file */
    lim->nice = app->cfg->media_nice;
    lim->timeout_ms = (long)app->cfg->media_probe_timeout_s * 1000;
}

static void judge(struct creative_worker *w, const char *key, struct verdict *v)
{
    struct app *app = w->app;
    char err[FFPROBE_ERR_LEN];
    struct child_limits lim;
    struct sniff_result sn;
    int fd = open_bytes(app, key, v);
    int rc;

    if (fd < 0)
        return;
    /* Refuse playlists and foreign formats before any tool opens them. */
    if (sniff_read_fd(fd, &sn) != 0) {
        int e = errno;
        v->transient = 1;
        snprintf(v->reason, sizeof(v->reason), "cannot read the stored file: %s", strerror(e));
        goto cleanup;
    }
    if (sn.reason != NULL) {
        snprintf(v->reason, sizeof(v->reason), "%s", sn.reason);
        goto cleanup;
    }
    probe_limits(app, &lim);
    /* Not under the transcode slots: one probe at a time runs on this
     * thread, and a new upload must not wait for another's ladder. */
    rc = ffprobe_run(NULL, app->cfg->media_ffprobe, &lim, fd, &v->info, err, sizeof(err));
    if (rc == FFPROBE_ESTART) {
        v->transient = 1;
        snprintf(v->reason, sizeof(v->reason), "cannot run ffprobe: %s", err);
        goto cleanup;
    }
    if (rc != FFPROBE_OK) {
        snprintf(v->reason, sizeof(v->reason), "%s", err);
        goto cleanup;
    }
    v->info.faststart = sn.faststart;
    v->have_info = 1;
    if (ffprobe_check(&v->info, err, sizeof(err)) != 0)
        snprintf(v->reason, sizeof(v->reason), "%s", err);
    else
        v->ok = 1;
cleanup:
    (void)close(fd); /* read-only, or an unlinked copy */
}

/* ------------------------------------------------------------------------ */
/* Recording the verdict                                                    */
/* ------------------------------------------------------------------------ */

static void log_corrections(const char *id, const struct db_creative_media_job *job,
                            const struct verdict *v, const char *dur)
{
    char dd[24], dw[16], dh[16], mw[16], mh[16], ds[24], ms[24];

    if (job->duration == atol(dur) && (job->width == 0 || job->width == (long)v->info.width) &&
        (job->height == 0 || job->height == (long)v->info.height) &&
        (job->file_size < 0 || (uint64_t)job->file_size == v->size))
        return;
    snprintf(dd, sizeof(dd), "%ld", job->duration);
    /* 0 and -1 stand for SQL NULL: nothing was declared */
    snprintf(dw, sizeof(dw), job->width != 0 ? "%ld" : "null", job->width);
    snprintf(dh, sizeof(dh), job->height != 0 ? "%ld" : "null", job->height);
    snprintf(mw, sizeof(mw), "%u", v->info.width);
    snprintf(mh, sizeof(mh), "%u", v->info.height);
    snprintf(ds, sizeof(ds), job->file_size >= 0 ? "%lld" : "null", job->file_size);
    snprintf(ms, sizeof(ms), "%llu", (unsigned long long)v->size);
    log_info("creative metadata corrected from the file", "creative", id, "declared_duration", dd,
             "measured_duration", dur, "declared_width", dw, "measured_width", mw,
             "declared_height", dh, "measured_height", mh, "declared_size", ds, "measured_size",
             ms);
}

/* The probe's facts as creative_media's columns (borrowing its strings). */
static void facts_from_probe(const struct ffprobe_info *in, struct db_creative_media_facts *out)
{
    out->mime = in->mime;
    out->container = in->container;
    out->video_codec = in->video_codec;
    out->audio_codec = in->audio_codec;
    out->bitrate_kbps = in->bitrate_kbps;
    out->duration_ms = in->duration_ms;
    out->width = in->width;
    out->height = in->height;
    out->fps_num = in->fps_num;
    out->fps_den = in->fps_den;
    out->faststart = in->faststart;
}

/* One transaction: the creatives row (if still processing) and creative_media. */
static int record(struct app *app, const struct ladder *ladder, const char *id,
                  const struct db_creative_media_job *job, const struct verdict *v)
{
    struct db_conn *c = db_acquire(app->db, DB_WAIT_MS);
    char dur[24], w[16], h[16], size[24], state[6] = "";
    char err[256], nplanned[16];
    struct db_creative_media_facts facts;
    int crc, mrc, planned = 0;
    int rc = -1;

    if (c == NULL)
        return -1;
    memset(&facts, 0, sizeof(facts));
    if (v->ok || v->have_info)
        facts_from_probe(&v->info, &facts);
    snprintf(dur, sizeof(dur), "%llu", (unsigned long long)((v->info.duration_ms + 500) / 1000));
    snprintf(w, sizeof(w), "%u", v->info.width);
    snprintf(h, sizeof(h), "%u", v->info.height);
    snprintf(size, sizeof(size), "%llu", (unsigned long long)v->size);
    if (db_simple(c, "BEGIN", err, sizeof(err)) != 0)
        goto cleanup;
    if (v->ok) {
        /* With a ladder the creative stays 'processing' (with the measured
         * values) until its first rendition is ready (rendition_job.h). */
        planned = rendition_job_plan(c, ladder, id, v->info.width, v->info.height, state);
        crc = planned < 0 ? DB_CREATIVES_ERROR
                          : db_creatives_finish_processing(
                                c, id, planned > 0 ? "processing" : "active", dur,
                                v->info.width ? w : NULL, v->info.height ? h : NULL, size, state);
        mrc = crc == DB_CREATIVES_ERROR ? DB_CREATIVE_MEDIA_ERROR
                                        : db_creative_media_ready(c, id, &facts, v->size, state);
    } else {
        crc = db_creatives_finish_processing(c, id, "failed", NULL, NULL, NULL, NULL, state);
        mrc = crc == DB_CREATIVES_ERROR
                  ? DB_CREATIVE_MEDIA_ERROR
                  : db_creative_media_failed(c, id, v->reason, v->have_info ? &facts : NULL,
                                             v->size, state);
    }
    if (crc == DB_CREATIVES_ERROR || mrc == DB_CREATIVE_MEDIA_ERROR) {
        log_error("cannot record creative processing", "creative", id, "sqlstate", state);
        db_simple(c, "ROLLBACK", NULL, 0);
        goto cleanup;
    }
    if (db_simple(c, "COMMIT", err, sizeof(err)) != 0) {
        log_error("cannot record creative processing", "creative", id, "error", err);
        goto cleanup;
    }
    rc = 0;
    if (mrc == DB_CREATIVE_MEDIA_NOT_FOUND) {
        log_info("creative gone during processing; skipped", "creative", id);
    } else if (v->ok) {
        if (crc == DB_CREATIVES_NOT_FOUND)
            log_info("creative status changed during processing; kept", "creative", id);
        log_corrections(id, job, v, dur);
        snprintf(nplanned, sizeof(nplanned), "%d", planned);
        log_info(planned > 0 ? "creative measured; renditions planned" : "creative processed",
                 "creative", id, "status", planned > 0 ? "processing" : "active", "mime",
                 v->info.mime, "video_codec", v->info.video_codec, "duration_s", dur,
                 "renditions", nplanned);
    } else {
        log_info("creative failed processing", "creative", id, "reason", v->reason);
    }
cleanup:
    db_release(app->db, c);
    return rc;
}

/* A transient failure: count it; past the limit the creative fails. */
static void retry_or_fail(struct app *app, const struct ladder *ladder, const char *id,
                          const struct db_creative_media_job *job, struct verdict *v)
{
    struct db_conn *c = db_acquire(app->db, DB_WAIT_MS);
    char state[6] = "";
    int attempts = 0;
    int rc;

    if (c == NULL) {
        log_warn("creative processing postponed", "creative", id, "reason", v->reason);
        return;
    }
    rc = db_creative_media_retry(c, id, v->reason, &attempts, state);
    db_release(app->db, c);
    if (rc != DB_CREATIVE_MEDIA_OK) {
        if (rc == DB_CREATIVE_MEDIA_ERROR)
            log_error("cannot count a processing attempt", "creative", id, "sqlstate", state);
        return;
    }
    if (attempts < CREATIVE_WORKER_MAX_ATTEMPTS) {
        log_warn("creative processing will be retried", "creative", id, "reason", v->reason);
        return;
    }
    v->transient = 0;
    (void)record(app, ladder, id, job, v);
}


static void process(struct creative_worker *w, const char *id)
{
    struct app *app = w->app;
    struct db_creative_media_job job;
    struct verdict v;
    struct db_conn *c = db_acquire(app->db, DB_WAIT_MS);
    char state[6] = "";
    int rc;

    if (c == NULL) {
        log_warn("creative processing postponed: no database connection", "creative", id);
        return;
    }
    rc = db_creative_media_job(c, id, &job, state);
    db_release(app->db, c);
    if (rc == DB_CREATIVE_MEDIA_ERROR) {
        log_error("cannot read creative processing job", "creative", id, "sqlstate", state);
        return;
    }
    if (rc == DB_CREATIVE_MEDIA_OK) {
        memset(&v, 0, sizeof(v));
        judge(w, job.storage_key, &v);
        if (v.transient) {
            retry_or_fail(app, &w->ladder, id, &job, &v);
            return;
        }
        if (record(app, &w->ladder, id, &job, &v) == 0 && app->media_index != NULL &&
            storage_backend(app->storage) == STORAGE_BACKEND_LOCAL)
            (void)media_index_put(app->media_index, job.storage_key, v.ok ? v.info.mime : NULL);
        if (v.ok)
            bgthread_wake(w->renditions); /* its ladder was planned */
    }
}

/* ------------------------------------------------------------------------ */
/* The tick: pending rescan and media index rebuild                         */
/* ------------------------------------------------------------------------ */

/* Type of a stored file from its magic bytes, for keys without creative_media. */
static const char *probe_type(struct app *app, const char *key)
{
    struct sniff_result sn;
    uint64_t size;
    int fd = -1;
    const char *mime = NULL;

    if (storage_open_read(app->storage, key, &fd, &size, NULL, 0) != 0)
        return NULL;
    if (sniff_read_fd(fd, &sn) == 0) {
        if (sn.kind == SNIFF_ISOBMFF)
            mime = sn.quicktime ? "video/quicktime" : "video/mp4";
        else if (sn.kind == SNIFF_MATROSKA)
            mime = sn.webm ? "video/webm" : "video/x-matroska";
        else if (sn.kind == SNIFF_AVI)
            mime = "video/x-msvideo";
    }
    (void)close(fd); /* read-only */
    return mime;
}

/* The static string for a type processing reports, or NULL (unknown). */
static const char *known_type(const char *mime)
{
    static const char *const types[] = {"video/mp4", "video/quicktime", "video/x-msvideo",
                                        "video/webm", "video/x-matroska"};

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(mime, types[i]) == 0)
            return types[i];
    return NULL;
}

/* Rendition keys gathered for the index: owned strings, static types. */
struct extra_keys {
    struct media_index_entry *e;
    size_t n;
    size_t cap;
};

static void extra_add(void *ctx, const char *key, const char *mime)
{
    struct extra_keys *x = ctx;

    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 64;
        x->e = xrealloc(x->e, x->cap * sizeof(*x->e));
    }
    x->e[x->n].key = xstrdup(key);
    x->e[x->n].mime = mime; /* static: rendition_job.h's types */
    x->n++;
}

/* Every object of every ready rendition, appended to x. */
static void rendition_keys(struct db_conn *c, struct extra_keys *x)
{
    json_t *rows = NULL;
    char state[6] = "";

    if (db_creative_renditions_objects(c, NULL, &rows, state) != DB_CREATIVE_RENDITIONS_OK) {
        log_error("cannot list rendition objects", "sqlstate", state);
        return;
    }
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        rendition_job_each_key(json_string_value(json_object_get(r, "storage_key")),
                               json_string_value(json_object_get(r, "mp4_key")),
                               json_string_value(json_object_get(r, "hls_key")),
                               (int)json_integer_value(json_object_get(r, "hls_segments")),
                               extra_add, x);
    }
    json_decref(rows);
}

static void rebuild_index(struct creative_worker *w, struct db_conn *c)
{
    struct extra_keys x = {NULL, 0, 0};
    struct app *app = w->app;
    json_t *refs = NULL;
    struct media_index_entry *e = NULL;
    char(*keys)[STORAGE_KEY_MAX + 1] = NULL;
    char state[6] = "";
    size_t n = 0, i;
    int probes = 0;

    if (db_creatives_media_refs(c, &refs, state) != DB_CREATIVES_OK) {
        log_error("cannot rebuild the media index", "sqlstate", state);
        return;
    }
    rendition_keys(c, &x);
    e = xcalloc(json_array_size(refs) + x.n + 1, sizeof(*e));
    keys = xcalloc(json_array_size(refs) + 1, sizeof(*keys));
    for (i = 0; i < json_array_size(refs); i++) {
        json_t *row = json_array_get(refs, i);
        const char *key = json_string_value(json_object_get(row, "storage_key"));
        const char *url = json_string_value(json_object_get(row, "video_url"));

        if (key != NULL) {
            e[n].key = key;
            e[n].mime = json_string_value(json_object_get(row, "mime"));
            n++;
            continue;
        }
        /* Rows made without the upload route (the demo seed): key from the URL. */
        if (url == NULL || creative_url_key(app, url, keys[n], sizeof(keys[n])) != 0)
            continue;
        e[n].key = keys[n];
        if (media_index_lookup(app->media_index, keys[n], NULL, 0)) {
            char mime[128];
            /* Known already: keep the type probed before (unknown stays unknown). */
            media_index_lookup(app->media_index, keys[n], mime, sizeof(mime));
            e[n].mime = known_type(mime);
        } else if (probes < PROBES_PER_TICK) {
            probes++;
            e[n].mime = probe_type(app, keys[n]);
        } else {
            continue; /* next tick */
        }
        n++;
    }
    for (i = 0; i < x.n; i++)
        e[n++] = x.e[i];
    (void)media_index_replace(app->media_index, e, n);
    for (i = 0; i < x.n; i++)
        free((char *)x.e[i].key);
    free(x.e);
    free(keys);
    free(e);
    json_decref(refs);
}

static int queue_has(const struct creative_worker *w, const char *id)
{
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->queue[(w->head + i) % QUEUE_MAX], id) == 0)
            return 1;
    return 0;
}

/* Lock held. */
static void queue_push(struct creative_worker *w, const char *id)
{
    if (strlen(id) != 36 || w->n == QUEUE_MAX || queue_has(w, id))
        return;
    memcpy(w->queue[(w->head + w->n) % QUEUE_MAX], id, 37);
    w->n++;
}

static void tick(struct creative_worker *w)
{
    struct app *app = w->app;
    struct db_conn *c = db_acquire(app->db, DB_WAIT_MS);
    json_t *ids = NULL;
    char state[6] = "";
    size_t i;

    if (c == NULL)
        return; /* PostgreSQL is down; the next tick tries again */
    if (db_creative_media_pending(c, QUEUE_MAX, &ids, state) == DB_CREATIVE_MEDIA_OK) {
        pthread_mutex_lock(&w->mu);
        for (i = 0; i < json_array_size(ids); i++)
            queue_push(w, json_string_value(json_array_get(ids, i)));
        pthread_mutex_unlock(&w->mu);
        json_decref(ids);
    } else {
        log_error("cannot list pending creatives", "sqlstate", state);
    }
    if (app->media_index != NULL && storage_backend(app->storage) == STORAGE_BACKEND_LOCAL)
        rebuild_index(w, c);
    db_release(app->db, c);
}

/* ------------------------------------------------------------------------ */
/* Thread                                                                   */
/* ------------------------------------------------------------------------ */

/* Take the oldest queued id into id; 0 when the queue is empty. */
static int queue_pop(struct creative_worker *w, char id[37])
{
    int have = 0;

    pthread_mutex_lock(&w->mu);
    if (w->n > 0) {
        memcpy(id, w->queue[w->head], 37);
        w->head = (w->head + 1) % QUEUE_MAX;
        w->n--;
        have = 1;
    }
    pthread_mutex_unlock(&w->mu);
    return have;
}

/*
 * A rendition thread: one rung at a time, always of the creative that
 * needs one most (db_creative_renditions_open: creatives not yet servable
 * first), until none is left; then it sleeps until a ladder is planned or
 * the tick passes (which also resumes work after a restart or a transient
 * failure).
 */
static void renditions_main(struct bgthread *t, void *arg)
{
    struct creative_worker *w = arg;
    struct app *app = w->app;

    while (bgthread_wait(t, CREATIVE_WORKER_TICK_S * 1000)) {
        int progress = 1;

        /* Each pass starts again from the most needed creative; one whose
         * rung is postponed (storage down, say) does not block the others. */
        while (progress && !bgthread_stopping(t)) {
            struct db_conn *c = db_acquire(app->db, DB_WAIT_MS);
            char state[6] = "";
            json_t *ids = NULL;
            int rc;

            if (c == NULL)
                break;
            rc = db_creative_renditions_open(c, RENDITION_SCAN, rendition_job_stale_s(app), &ids,
                                             state);
            db_release(app->db, c);
            if (rc != DB_CREATIVE_RENDITIONS_OK) {
                log_error("cannot list unfinished renditions", "sqlstate", state);
                break;
            }
            progress = 0;
            for (size_t i = 0; i < json_array_size(ids) && !progress && !bgthread_stopping(t);
                 i++)
                progress = rendition_job_step(app, w->slots,
                                              json_string_value(json_array_get(ids, i))) == 1;
            json_decref(ids);
        }
    }
}

/*
 * The loop: one queued creative per pass, the tick when due (the first at
 * once, to resume work after a restart), and a sleep until the next tick or
 * an enqueue when there is nothing to do.
 */
static void run(struct bgthread *t, void *arg)
{
    struct creative_worker *w = arg;
    int64_t next = clock_mono_ms();
    char id[37];

    while (!bgthread_stopping(t)) {
        int have = queue_pop(w, id);
        int64_t now;

        if (have)
            process(w, id);
        now = clock_mono_ms();
        if (now >= next) {
            next = now + CREATIVE_WORKER_TICK_S * 1000;
            tick(w);
            continue;
        }
        if (!have && !bgthread_wait(t, (int)(next - now)))
            break;
    }
}

struct creative_worker *creative_worker_start(struct app *app, char *err, size_t errlen)
{
    struct creative_worker *w = xcalloc(1, sizeof(*w));

    w->app = app;
    if (ladder_parse(app->cfg->media_ladder, &w->ladder, err, errlen) != 0) {
        free(w);
        return NULL;
    }
    w->slots = child_slots_new(app->cfg->media_jobs > 0 ? app->cfg->media_jobs
                                                        : child_default_jobs());
    if (w->slots == NULL) {
        snprintf(err, errlen, "creative worker: cannot create the media job slots");
        free(w);
        return NULL;
    }
    w->renditions = bgthread_start("ctv-renditions",
                                   app->cfg->media_jobs > 0 ? app->cfg->media_jobs
                                                            : child_default_jobs(),
                                   renditions_main, w, err, errlen);
    if (w->renditions == NULL) {
        bgthread_stop(w->renditions);
        child_slots_free(w->slots);
        free(w);
        return NULL;
    }
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        snprintf(err, errlen, "creative worker: cannot create a mutex");
        bgthread_stop(w->renditions);
        child_slots_free(w->slots);
        free(w);
        return NULL;
    }
    w->thread = bgthread_start("creative", 1, run, w, err, errlen);
    if (w->thread == NULL) {
        pthread_mutex_destroy(&w->mu);
        bgthread_stop(w->renditions);
        child_slots_free(w->slots);
        free(w);
        return NULL;
    }
    return w;
}

void creative_worker_stop(struct creative_worker *w)
{
    if (w == NULL)
        return;
    bgthread_stop(w->thread); /* a file being measured is finished first */
    /* a rung being made is abandoned (its tools killed) and made after the restart */
    child_slots_cancel(w->slots);
    bgthread_stop(w->renditions);
    pthread_mutex_destroy(&w->mu);
    child_slots_free(w->slots);
    free(w);
}

void creative_worker_enqueue(struct creative_worker *w, const char *creative_id)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    queue_push(w, creative_id);
    pthread_mutex_unlock(&w->mu);
    bgthread_wake(w->thread);
}
