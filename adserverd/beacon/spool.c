/*
 * spool: see spool.h for the format and the guarantees.
 *
 * Locks: mu guards the segment list, the active file and written_seq
 * (appends, rotation, the reader's view of sizes); wmu guards the waiter
 * list and synced_seq. The sync thread takes mu only to read (written_seq,
 * active fd) and to close retired descriptors, then runs fdatasync outside
 * every lock, so appends go on while the disk syncs. A rotation syncs the
 * old segment itself before switching, so a sync of the new active file
 * covers every record written before it; the old descriptor is retired,
 * not closed, because the sync thread may be inside fdatasync on it.
 *
 * The sync threads are one bgthread group: four group-commit threads
 * (woken through the group's eventfd by spool_wait, at most one pending
 * wake at a time, see wake_pending) or, in interval mode, one thread that
 * syncs at a fixed rate and has no waiters to wake.
 *
 * Expected load: tens of thousands of appends per second from the ad
 * listener's worker threads; one fdatasync per group-commit window, or one
 * per interval.
 */
#include "beacon/spool.h"
#include "core/bgthread.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEGMENTS 4096
/*
 * Sync threads. Concurrent fdatasync calls on one file share the
 * filesystem's journal commits: on the development VM one thread managed
 * 310-511 syncs/s, two 2,731/s, four 4,674/s. With several in flight a
 * beacon waits for a sync that starts within one window of it, not for
 * the one before it to finish.
 */
#define SYNC_THREADS 4
#define MAX_RETIRED 16
#define READ_CHUNK (256 * 1024)
#define PATH_MAX_LEN 4096

struct segment {
    uint64_t num;
    int64_t size;
};

struct spool {
    char *dir;
    struct spool_opts opts;

    pthread_mutex_t mu;
    struct segment *segs; /* sorted by num; the last one is active */
    int nsegs;
    int fd;               /* active segment, O_APPEND; -1 when there is none */
    int has_active;       /* the last of segs is open for appends */
    uint64_t next_num;    /* number of the next segment created */
    int64_t active_born_ms;
    int active_refs;              /* syncs running on fd */
    int retired[MAX_RETIRED];     /* sealed segments' fds, closed when unused */
    int retired_refs[MAX_RETIRED];
    int nretired;
    uint64_t written_seq;
    int64_t bytes, peak_bytes;
    int failed;
    uint64_t appended, refused, syncs;

    pthread_mutex_t wmu;
    uint64_t synced_seq;
    struct spool_waiter *waiters;
    int stop;
    struct bgthread *sync;  /* the sync threads (group commit) or the interval thread */
    atomic_int wake_pending; /* a wake is written and no sync thread has returned from it */
    uint64_t started_upto; /* highest seq a started sync covers (mu) */
    int64_t last_start;    /* mono ms of the latest sync start (wmu) */

    /* reader (drain thread) */
    int rfd;
    uint64_t rfd_seg;
    unsigned char *rbuf;
    struct spool_cursor released; /* everything before it is gone */

    uint64_t cut_bytes, recovered;
};

/* ---- CRC-32C (Castagnoli, reflected 0x82F63B78), table driven ---- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t spool_crc32c(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;

    pthread_once(&crc_once, crc_init);
    crc = ~crc;
    while (len-- > 0)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_i64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static int64_t get_i64(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    return (int64_t)u;
}

void spool_encode(unsigned char *out, const void *data, size_t len, int64_t ms)
{
    uint32_t crc;

    put_u32(out, (uint32_t)len);
    put_i64(out + 8, ms);
    memcpy(out + SPOOL_HEADER, data, len);
    crc = spool_crc32c(0, out + 8, 8 + len);
    put_u32(out + 4, crc);
}

/*
 * Parse records in buf[off..len): calls fn for each complete valid record
 * and returns the offset after the last one. *bad = 1 when it stopped at an
 * invalid record (as opposed to an incomplete one at the end).
 */
static size_t scan_records(const unsigned char *buf, size_t off, size_t len,
                           void (*fn)(void *, const void *, size_t, int64_t), void *ctx, int max,
                           int *bad, int *count)
{
    int n = 0;

    *bad = 0;
    while (max <= 0 || n < max) {
        uint32_t rlen, crc;

        if (len - off < SPOOL_HEADER) {
            if (len - off > 0 && max <= 0)
                *bad = 1;
            break;
        }
        rlen = get_u32(buf + off);
        if (rlen == 0 || rlen > SPOOL_RECORD_MAX) {
            *bad = 1;
            break;
        }
        if (len - off - SPOOL_HEADER < rlen) {
            if (max <= 0)
                *bad = 1;
            break;
        }
        crc = get_u32(buf + off + 4);
        if (spool_crc32c(0, buf + off + 8, 8 + (size_t)rlen) != crc) {
            *bad = 1;
            break;
        }
        if (fn != NULL)
            fn(ctx, buf + off + SPOOL_HEADER, rlen, get_i64(buf + off + 8));
        off += SPOOL_HEADER + rlen;
        n++;
    }
    if (count != NULL)
        *count = n;
    return off;
}

size_t spool_scan(const unsigned char *buf, size_t len,
                  void (*fn)(void *ctx, const void *data, size_t len, int64_t ms), void *ctx)
{
    int bad;

    if (len < SPOOL_MAGIC_LEN || memcmp(buf, SPOOL_MAGIC, SPOOL_MAGIC_LEN) != 0)
        return 0;
    return scan_records(buf, SPOOL_MAGIC_LEN, len, fn, ctx, 0, &bad, NULL);
}

/* ---- files ---- */

static void seg_path(const struct spool *sp, uint64_t num, char *out, size_t n)
{
    snprintf(out, n, "%s/seg-%016" PRIx64 ".spl", sp->dir, num);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Create segment num as the active one. Under mu (or before threads). */
static int segment_create(struct spool *sp, uint64_t num)
{
    char path[PATH_MAX_LEN];
    int fd;

    if (sp->nsegs >= MAX_SEGMENTS)
        return -1;
    seg_path(sp, num, path, sizeof(path));
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (write_all(fd, SPOOL_MAGIC, SPOOL_MAGIC_LEN) != 0 || fdatasync(fd) != 0 ||
        fsync_dir(sp->dir) != 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    sp->fd = fd;
    sp->has_active = 1;
    sp->next_num = num + 1;
    sp->segs[sp->nsegs].num = num;
    sp->segs[sp->nsegs].size = SPOOL_MAGIC_LEN;
    sp->nsegs++;
    sp->bytes += SPOOL_MAGIC_LEN;
    sp->active_born_ms = clock_mono_ms();
    return 0;
}

/*
 * Seal the active segment: synced, its descriptor retired (closed once no
 * sync uses it). The next append creates the next segment, so an idle
 * spool leaves no file behind. Under mu.
 */
static int seal_locked(struct spool *sp)
{
    int old = sp->fd;

    if (!sp->has_active)
        return 0;
    if (sp->nretired >= MAX_RETIRED)
        return -1; /* syncs close them as they end; should not happen */
    if (fdatasync(old) != 0) {
        int e = errno;
        sp->failed = 1;
        log_error("spool fdatasync failed; refusing beacons", "error", strerror(e));
        return -1;
    }
    sp->retired[sp->nretired] = old;
    sp->retired_refs[sp->nretired++] = sp->active_refs;
    sp->active_refs = 0;
    sp->fd = -1;
    sp->has_active = 0;
    return 0;
}

/* Seal the active segment and start the next one. Under mu. */
static int rotate_locked(struct spool *sp)
{
    if (seal_locked(sp) != 0)
        return -1;
    if (segment_create(sp, sp->next_num) != 0) {
        log_error("spool segment creation failed", "error", strerror(errno));
        return -1;
    }
    return 0;
}

static int cmp_seg(const void *a, const void *b)
{
    const struct segment *x = a, *y = b;
    return x->num < y->num ? -1 : x->num > y->num;
}

struct recover_ctx {
    uint64_t n;
};

static void count_record(void *ctx, const void *data, size_t len, int64_t ms)
{
    struct recover_ctx *rc = ctx;
    (void)data;
    (void)len;
    (void)ms;
    rc->n++;
}

/* Read one segment, cut it at its valid prefix; -1 on an I/O error. */
static int recover_segment(struct spool *sp, struct segment *s)
{
    char path[PATH_MAX_LEN];
    struct stat st;
    unsigned char *buf = NULL;
    struct recover_ctx rc = {0};
    size_t valid;
    int fd;
    int ret = -1;

    seg_path(sp, s->num, path, sizeof(path));
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0)
        goto cleanup;
    buf = xmalloc((size_t)st.st_size + 1);
    for (size_t got = 0; got < (size_t)st.st_size;) {
        ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
        if (r <= 0)
            goto cleanup;
        got += (size_t)r;
    }
    valid = spool_scan(buf, (size_t)st.st_size, count_record, &rc);
    if (valid < SPOOL_MAGIC_LEN) {
        /* not even the magic: rewrite it so the segment is well formed (and empty) */
        if (ftruncate(fd, 0) != 0 || pwrite(fd, SPOOL_MAGIC, SPOOL_MAGIC_LEN, 0) != SPOOL_MAGIC_LEN)
            goto cleanup;
        valid = SPOOL_MAGIC_LEN;
    }
    if (valid < (size_t)st.st_size) {
        char cut[32];
        snprintf(cut, sizeof(cut), "%zu", (size_t)st.st_size - valid);
        log_warn("spool segment cut at its last valid record", "segment", path, "bytes", cut);
        sp->cut_bytes += (uint64_t)st.st_size - valid;
        if (ftruncate(fd, (off_t)valid) != 0)
            goto cleanup;
    }
    if (fdatasync(fd) != 0)
        goto cleanup;
    s->size = (int64_t)valid;
    sp->bytes += s->size;
    sp->recovered += rc.n;
    ret = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    free(buf);
    return ret;
}

static int recover(struct spool *sp, char *err, size_t errlen)
{
    DIR *d = opendir(sp->dir);
    struct dirent *de;

    if (d == NULL) {
        snprintf(err, errlen, "spool: cannot open %s: %s", sp->dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        unsigned long long num;
        int consumed = 0;
        if (sscanf(de->d_name, "seg-%16llx.spl%n", &num, &consumed) != 1 ||
            de->d_name[consumed] != '\0' || consumed != 24)
            continue;
        if (sp->nsegs >= MAX_SEGMENTS - 1) {
            closedir(d);
            snprintf(err, errlen, "spool: too many segments in %s", sp->dir);
            return -1;
        }
        sp->segs[sp->nsegs].num = num;
        sp->segs[sp->nsegs].size = 0;
        sp->nsegs++;
    }
    closedir(d);
    qsort(sp->segs, (size_t)sp->nsegs, sizeof(sp->segs[0]), cmp_seg);
    for (int i = 0; i < sp->nsegs; i++) {
        if (recover_segment(sp, &sp->segs[i]) != 0) {
            snprintf(err, errlen, "spool: cannot recover segment %d: %s", i, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* ---- sync thread ---- */

static void wake_upto(struct spool *sp, uint64_t upto, int all_failed)
{
    struct spool_waiter *ready = NULL, **pp;

    pthread_mutex_lock(&sp->wmu);
    if (!all_failed && upto > sp->synced_seq)
        sp->synced_seq = upto;
    pp = &sp->waiters;
    while (*pp != NULL) {
        struct spool_waiter *w = *pp;
        if (all_failed || w->seq <= sp->synced_seq) {
            *pp = w->next;
            w->next = ready;
            ready = w;
        } else {
            pp = &w->next;
        }
    }
    pthread_mutex_unlock(&sp->wmu);
    while (ready != NULL) {
        struct spool_waiter *w = ready;
        ready = w->next;
        w->wake(w->ctx, !all_failed);
    }
}

/*
 * One sync: fdatasync of the active segment covering every record written
 * before it, then wake their waiters. force: run even when no record is
 * new (the final round). 0, or -1 when fdatasync failed (the spool is
 * failed then).
 */
static int sync_round(struct spool *sp, int force)
{
    uint64_t upto;
    int fd, failed;

    pthread_mutex_lock(&sp->mu);
    upto = sp->written_seq;
    fd = sp->fd;
    failed = sp->failed;
    if (fd < 0) {
        /* no active segment: every record written is in a sealed, synced one */
        if (upto > sp->started_upto)
            sp->started_upto = upto;
        pthread_mutex_unlock(&sp->mu);
        wake_upto(sp, upto, failed);
        return failed ? -1 : 0;
    }
    if (!force && upto <= sp->started_upto) {
        pthread_mutex_unlock(&sp->mu);
        return 0; /* another thread's sync already covers these */
    }
    if (upto > sp->started_upto)
        sp->started_upto = upto;
    sp->active_refs++;
    pthread_mutex_unlock(&sp->mu);
    if (!failed && fd >= 0) {
        if (fdatasync(fd) != 0) {
            int e = errno;
            pthread_mutex_lock(&sp->mu);
            sp->failed = 1;
            pthread_mutex_unlock(&sp->mu);
            log_error("spool fdatasync failed; refusing beacons", "error", strerror(e));
            failed = 1;
        }
    }
    pthread_mutex_lock(&sp->mu);
    if (fd == sp->fd) {
        sp->active_refs--;
    } else {
        for (int i = 0; i < sp->nretired; i++)
            if (sp->retired[i] == fd)
                sp->retired_refs[i]--;
    }
    /* a sealed segment's fd closes once no sync uses it (rotation synced it) */
    for (int i = 0; i < sp->nretired;) {
        if (sp->retired_refs[i] == 0) {
            close(sp->retired[i]);
            sp->retired[i] = sp->retired[sp->nretired - 1];
            sp->retired_refs[i] = sp->retired_refs[sp->nretired - 1];
            sp->nretired--;
        } else {
            i++;
        }
    }
    if (!failed)
        sp->syncs++;
    pthread_mutex_unlock(&sp->mu);
    wake_upto(sp, upto, failed);
    return failed ? -1 : 0;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Any waiter whose record no started sync covers yet? Under wmu. */
static int uncovered_waiters(struct spool *sp)
{
    uint64_t started;

    if (sp->waiters == NULL)
        return 0;
    pthread_mutex_lock(&sp->mu);
    started = sp->started_upto;
    pthread_mutex_unlock(&sp->mu);
    for (struct spool_waiter *w = sp->waiters; w != NULL; w = w->next)
        if (w->seq > started)
            return 1;
    return 0;
}

/*
 * Group commit: sleep until a waiter's record is not covered by a started
 * sync, then start one fdatasync per window (the window fills meanwhile).
 * Every 100 ms without waiters it also syncs what was appended, so records
 * nobody waits for are not left unsynced for long.
 */
static void sync_main(struct bgthread *t, void *arg)
{
    struct spool *sp = arg;

    log_set_request(NULL);
    for (;;) {
        int due;
        int64_t now, wait;

        pthread_mutex_lock(&sp->wmu);
        due = uncovered_waiters(sp);
        pthread_mutex_unlock(&sp->wmu);
        if (!due) {
            if (!bgthread_wait(t, 100))
                break;
            /* cleared before the check below: a waiter registered after
             * this store wakes a thread again (see spool_wait) */
            atomic_store(&sp->wake_pending, 0);
        }
        if (bgthread_stopping(t))
            break;
        pthread_mutex_lock(&sp->wmu);
        due = uncovered_waiters(sp);
        now = clock_mono_ms();
        wait = sp->last_start + sp->opts.sync_ms - now;
        if (due && wait <= 0)
            sp->last_start = now;
        pthread_mutex_unlock(&sp->wmu);
        if (due && wait > 0) {
            sleep_ms(wait);
            continue;
        }
        sync_round(sp, 0);
    }
}

/*
 * Interval mode: appends were acknowledged at write(2); one fdatasync
 * starts every interval_ms (fixed rate, so a slow sync does not stretch
 * the window of the next one). A failed sync fails the spool (sync_round).
 */
static void interval_main(struct bgthread *t, void *arg)
{
    struct spool *sp = arg;
    int64_t next = clock_mono_ms() + sp->opts.interval_ms;

    log_set_request(NULL);
    for (;;) {
        int64_t now = clock_mono_ms();

        if (now < next) {
            if (!bgthread_wait(t, (int)(next - now)))
                break;
            continue;
        }
        next += sp->opts.interval_ms;
        if (next <= now)
            next = now + sp->opts.interval_ms; /* the sync overran a whole interval */
        sync_round(sp, 0);
    }
}

/* ---- public ---- */

struct spool *spool_open(const char *dir, const struct spool_opts *opts, char *err,
                         size_t errlen)
{
    struct spool *sp = xcalloc(1, sizeof(*sp));

    sp->dir = xstrdup(dir);
    sp->opts = *opts;
    sp->fd = -1;
    sp->rfd = -1;
    sp->segs = xcalloc(MAX_SEGMENTS, sizeof(sp->segs[0]));
    pthread_mutex_init(&sp->mu, NULL);
    pthread_mutex_init(&sp->wmu, NULL);
    atomic_init(&sp->wake_pending, 0);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "spool: cannot create %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (recover(sp, err, errlen) != 0)
        goto fail;
    /* recovered segments are sealed; the first append creates the next one */
    sp->next_num = sp->nsegs > 0 ? sp->segs[sp->nsegs - 1].num + 1 : 1;
    sp->peak_bytes = sp->bytes;
    sp->rbuf = xmalloc(READ_CHUNK);
    spool_cursor_start(sp, &sp->released);
    if (opts->interval_ms > 0)
        sp->sync = bgthread_start("spool-interval", 1, interval_main, sp, err, errlen);
    else
        sp->sync = bgthread_start("spool-sync", opts->sync_ms > 0 ? SYNC_THREADS : 1, sync_main,
                                  sp, err, errlen);
    if (sp->sync == NULL)
        goto fail;
    return sp;
fail:
    spool_free(sp);
    return NULL;
}

void spool_free(struct spool *sp)
{
    if (sp == NULL)
        return;
    if (sp->sync != NULL) {
        pthread_mutex_lock(&sp->wmu);
        sp->stop = 1; /* spool_wait refuses from now on */
        pthread_mutex_unlock(&sp->wmu);
        bgthread_stop(sp->sync);
        sp->sync = NULL;
        sync_round(sp, 1); /* the final sync: every waiter left is answered */
    }
    wake_upto(sp, 0, 1); /* anyone left (none after the final round) */
    for (int i = 0; i < sp->nretired; i++)
        close(sp->retired[i]);
    if (sp->fd >= 0)
        close(sp->fd);
    if (sp->rfd >= 0)
        close(sp->rfd);
    pthread_mutex_destroy(&sp->mu);
    pthread_mutex_destroy(&sp->wmu);
    free(sp->rbuf);
    free(sp->segs);
    free(sp->dir);
    free(sp);
}

enum spool_result spool_append(struct spool *sp, const void *data, size_t len, uint64_t *seq)
{
    unsigned char rec[SPOOL_HEADER + SPOOL_RECORD_MAX];
    size_t n = SPOOL_HEADER + len;
    enum spool_result res = SPOOL_FAILED;
    struct segment *act;

    if (len == 0 || len > SPOOL_RECORD_MAX)
        return SPOOL_FAILED;
    spool_encode(rec, data, len, clock_wall_ms());
    pthread_mutex_lock(&sp->mu);
    if (sp->failed)
        goto refused;
    if (sp->bytes + (int64_t)n > sp->opts.max_bytes) {
        res = SPOOL_FULL;
        goto refused;
    }
    if (!sp->has_active && segment_create(sp, sp->next_num) != 0) {
        int e = errno;
        log_error("spool segment creation failed", "error", strerror(e));
        goto refused;
    }
    act = &sp->segs[sp->nsegs - 1];
    if (act->size + (int64_t)n > sp->opts.segment_bytes && act->size > SPOOL_MAGIC_LEN) {
        if (rotate_locked(sp) != 0)
            goto refused;
        act = &sp->segs[sp->nsegs - 1];
    }
    if (write_all(sp->fd, rec, n) != 0) {
        int e = errno;
        /* a short write leaves a torn record: nothing may follow it in this file */
        sp->failed = 1;
        log_error("spool write failed; refusing beacons", "error", strerror(e));
        goto refused;
    }
    if (sp->opts.sync_ms == 0 && sp->opts.interval_ms == 0) {
        if (fdatasync(sp->fd) != 0) {
            int e = errno;
            sp->failed = 1;
            log_error("spool fdatasync failed; refusing beacons", "error", strerror(e));
            goto refused;
        }
        sp->syncs++;
    }
    act->size += (int64_t)n;
    sp->bytes += (int64_t)n;
    if (sp->bytes > sp->peak_bytes)
        sp->peak_bytes = sp->bytes;
    sp->appended++;
    *seq = ++sp->written_seq;
    pthread_mutex_unlock(&sp->mu);
    if (sp->opts.sync_ms == 0 && sp->opts.interval_ms == 0) {
        pthread_mutex_lock(&sp->wmu);
        if (*seq > sp->synced_seq)
            sp->synced_seq = *seq;
        pthread_mutex_unlock(&sp->wmu);
    }
    return SPOOL_OK;
refused:
    sp->refused++;
    pthread_mutex_unlock(&sp->mu);
    return res;
}

int spool_wait(struct spool *sp, struct spool_waiter *w, void (*before_wait)(void *ctx),
               void *ctx)
{
    int failed;

    pthread_mutex_lock(&sp->mu);
    failed = sp->failed;
    pthread_mutex_unlock(&sp->mu);
    if (failed)
        return -1;
    if (sp->opts.interval_ms > 0)
        return 1; /* acknowledged once written: the interval thread syncs it */
    pthread_mutex_lock(&sp->wmu);
    if (w->seq <= sp->synced_seq) {
        pthread_mutex_unlock(&sp->wmu);
        return 1;
    }
    if (sp->stop) {
        pthread_mutex_unlock(&sp->wmu);
        return -1;
    }
    if (before_wait != NULL)
        before_wait(ctx);
    w->next = sp->waiters;
    sp->waiters = w;
    pthread_mutex_unlock(&sp->wmu);
    /* one eventfd write per wake-up of the sync threads, not per beacon */
    if (!atomic_exchange(&sp->wake_pending, 1))
        bgthread_wake(sp->sync);
    return 0;
}

int spool_refusing(struct spool *sp)
{
    int r;

    pthread_mutex_lock(&sp->mu);
    r = sp->failed || sp->bytes + SPOOL_HEADER + 512 > sp->opts.max_bytes;
    pthread_mutex_unlock(&sp->mu);
    return r;
}

/* ---- reader ---- */

void spool_cursor_start(struct spool *sp, struct spool_cursor *cur)
{
    pthread_mutex_lock(&sp->mu);
    cur->seg = sp->nsegs > 0 ? sp->segs[0].num : sp->next_num;
    cur->off = SPOOL_MAGIC_LEN;
    pthread_mutex_unlock(&sp->mu);
}

/* Size of segment num and whether a later one exists; -1 when num is gone. Under mu. */
static int64_t seg_size_locked(struct spool *sp, uint64_t num, uint64_t *next)
{
    for (int i = 0; i < sp->nsegs; i++) {
        if (sp->segs[i].num == num) {
            *next = i + 1 < sp->nsegs ? sp->segs[i + 1].num : 0;
            return sp->segs[i].size;
        }
        if (sp->segs[i].num > num) {
            /* cursor on a deleted segment: move to this one */
            *next = sp->segs[i].num;
            return -1;
        }
    }
    *next = 0;
    return -1;
}

int spool_read(struct spool *sp, struct spool_cursor *cur, int max,
               void (*fn)(void *ctx, const void *data, size_t len, int64_t ms), void *ctx)
{
    int total = 0;

    while (total < max) {
        uint64_t next;
        int64_t size;
        size_t want, got = 0, end;
        int bad, count;

        pthread_mutex_lock(&sp->mu);
        size = seg_size_locked(sp, cur->seg, &next);
        pthread_mutex_unlock(&sp->mu);
        if (size < 0) {
            if (next == 0)
                break;
            cur->seg = next;
            cur->off = SPOOL_MAGIC_LEN;
            continue;
        }
        if ((int64_t)cur->off >= size) {
            if (next == 0)
                break; /* caught up with the active segment */
            cur->seg = next;
            cur->off = SPOOL_MAGIC_LEN;
            continue;
        }
        if (sp->rfd < 0 || sp->rfd_seg != cur->seg) {
            char path[PATH_MAX_LEN];
            if (sp->rfd >= 0)
                close(sp->rfd);
            seg_path(sp, cur->seg, path, sizeof(path));
            sp->rfd = open(path, O_RDONLY | O_CLOEXEC);
            if (sp->rfd < 0)
                return -1;
            sp->rfd_seg = cur->seg;
        }
        want = (size_t)(size - (int64_t)cur->off);
        if (want > READ_CHUNK)
            want = READ_CHUNK;
        while (got < want) {
            ssize_t r = pread(sp->rfd, sp->rbuf + got, want - got, (off_t)(cur->off + got));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return -1;
            got += (size_t)r;
        }
        end = scan_records(sp->rbuf, 0, got, fn, ctx, max - total, &bad, &count);
        if (bad) {
            /* written by us after recovery, checksummed: only a disk fault gets here */
            log_error("spool record unreadable; skipping the rest of the segment");
            cur->off = (uint64_t)size;
            continue;
        }
        if (end == 0)
            return -1; /* a record longer than READ_CHUNK: impossible by SPOOL_RECORD_MAX */
        cur->off += end;
        total += count;
    }
    return total;
}

int spool_release(struct spool *sp, struct spool_cursor *cur)
{
    int ret = 0;
    int i;

    pthread_mutex_lock(&sp->mu);
    if (sp->has_active) {
        struct segment *act = &sp->segs[sp->nsegs - 1];
        /* caught up with the active segment: seal it so it can be deleted */
        if (cur->seg == act->num && (int64_t)cur->off >= act->size &&
            (act->size >= sp->opts.segment_bytes / 8 ||
             clock_mono_ms() - sp->active_born_ms >= 1000) &&
            !sp->failed)
            seal_locked(sp);
    }
    /* past the end of a sealed segment: on to the next (or the one to come) */
    for (int k = 0; k < sp->nsegs; k++) {
        int is_active = sp->has_active && k == sp->nsegs - 1;
        if (sp->segs[k].num == cur->seg && !is_active && (int64_t)cur->off >= sp->segs[k].size) {
            cur->seg = k + 1 < sp->nsegs ? sp->segs[k + 1].num : sp->next_num;
            cur->off = SPOOL_MAGIC_LEN;
        }
    }
    for (i = 0; i < sp->nsegs - (sp->has_active ? 1 : 0) && sp->segs[i].num < cur->seg; i++) {
        char path[PATH_MAX_LEN];
        seg_path(sp, sp->segs[i].num, path, sizeof(path));
        if (unlink(path) != 0 && errno != ENOENT) {
            ret = -1;
            break;
        }
        sp->bytes -= sp->segs[i].size;
    }
    if (i > 0) {
        memmove(sp->segs, sp->segs + i, (size_t)(sp->nsegs - i) * sizeof(sp->segs[0]));
        sp->nsegs -= i;
    }
    sp->released = *cur;
    pthread_mutex_unlock(&sp->mu);
    return ret;
}

/* Append time of the first record at or after cur; 0 when none. */
static int64_t peek_ms(struct spool *sp, struct spool_cursor cur)
{
    for (int guard = 0; guard < MAX_SEGMENTS; guard++) {
        char path[PATH_MAX_LEN];
        unsigned char hdr[SPOOL_HEADER];
        uint64_t next;
        int64_t size;
        int fd;
        ssize_t r;

        pthread_mutex_lock(&sp->mu);
        size = seg_size_locked(sp, cur.seg, &next);
        pthread_mutex_unlock(&sp->mu);
        if (size < 0 || (int64_t)cur.off + SPOOL_HEADER > size) {
            if (next == 0)
                return 0;
            cur.seg = next;
            cur.off = SPOOL_MAGIC_LEN;
            continue;
        }
        seg_path(sp, cur.seg, path, sizeof(path));
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return 0;
        r = pread(fd, hdr, sizeof(hdr), (off_t)cur.off);
        close(fd);
        return r == (ssize_t)sizeof(hdr) ? get_i64(hdr + 8) : 0;
    }
    return 0;
}

void spool_stats(struct spool *sp, struct spool_stats *out)
{
    struct spool_cursor rel;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&sp->mu);
    out->bytes = sp->bytes;
    out->peak_bytes = sp->peak_bytes;
    out->appended = sp->appended;
    out->syncs = sp->syncs;
    out->refused = sp->refused;
    out->cut_bytes = sp->cut_bytes;
    out->recovered = sp->recovered;
    out->segments = sp->nsegs;
    out->failed = sp->failed;
    rel = sp->released;
    pthread_mutex_unlock(&sp->mu);
    out->oldest_ms = peek_ms(sp, rel);
}
