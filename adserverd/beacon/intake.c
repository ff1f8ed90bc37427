/*
 * intake: see intake.h. The counter thread is a bgthread woken when the
 * queue goes from empty to non-empty; it takes up to BATCH_MAX queued
 * updates per pass under qmu (held for a copy, never across Redis) and
 * sends them as one pipeline.
 */
#include "beacon/intake.h"
#include "core/app.h"
#include "core/bgthread.h"
#include "decision/freqcap.h"
#include "decision/spend.h"
#include "lib/clock.h"
#include "lib/hexcode.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "redis/kv.h"
#include "util/tz.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spend counters and the retry marker, atomically per campaign (hash tag {C}). */
static const char spend_lua[] =
    "if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then\n"
    "  local p = tonumber(ARGV[1])\n"
    "  if p > 0 then\n"
    "    redis.call('INCRBY', KEYS[2], p)\n"
    "    redis.call('INCRBY', KEYS[3], p)\n"
    "    redis.call('EXPIRE', KEYS[3], 176400)\n"
    "  end\n"
    "  return 1\n"
    "end\n"
    "return 0\n";

/*
 * Redis counting runs on a thread of its own: intake queues what a verified
 * beacon adds and returns at once, and the counter thread sends everything
 * queued in one pipeline (per beacon: the spend script with its retry
 * marker, and for impressions the frequency-cap commit). So no worker
 * thread waits on Redis, and a burst of beacons costs one round trip, not
 * one each. The queue is bounded: past it (Redis far behind or down) an
 * update is dropped and counted; PostgreSQL's record, which decisioning
 * also reads (spend.h), stays exact.
 */
#define QUEUE_MAX 16384
#define BATCH_MAX 1024
#define CMD_ARGS 16

struct pending {
    char campaign[37];
    char asid[37];
    enum trackurl_type type;
    int64_t price;
    int64_t now_ms;
    unsigned char cap[TRACKURL_CAP_KEY_LEN];
};

struct counter_batch {
    struct pending items[BATCH_MAX];
    int argc[2 * BATCH_MAX];
    const char *argv[2 * BATCH_MAX][CMD_ARGS];
    size_t argl[2 * BATCH_MAX][CMD_ARGS];
    const char **av[2 * BATCH_MAX];
    const size_t *al[2 * BATCH_MAX];
    redisReply *rep[2 * BATCH_MAX];
    int item_of[2 * BATCH_MAX]; /* command -> item; -1 for a cap commit */
    char arena[2 * BATCH_MAX * 512];
    size_t used;
    struct freqcap_args fa;
};

enum { CNT_ACCEPTED, CNT_DEDUP, CNT_KINDS };

struct beacon {
    char spend_sha[41];
    char commit_sha[41];
    struct tz_zone *utc;
    atomic_ulong count[CNT_KINDS][TRACKURL_TYPE_COUNT];
    atomic_ulong invalid[TRACKURL_MALFORMED + 1];
    atomic_ulong track_accepted, legacy_accepted;
    atomic_ulong refused_full, refused_failed;
    atomic_ulong redis_errors;
    atomic_ulong redis_dropped;

    /* the counter thread's queue (see counter_main) */
    struct kv *kv;
    struct spend *_Atomic spend; /* campaign zones for cap windows; NULL until set */
    pthread_mutex_t qmu;
    struct pending *queue;
    int qhead, qlen;
    struct counter_batch *batch;
    struct bgthread *thread;
};

/* SHA-1 hex of a script, through OpenSSL (freqcap does the same for its own). */
static void sha1_hex(const char *text, char out[41])
{
    unsigned char md[SHA_DIGEST_LENGTH];

    SHA1((const unsigned char *)text, strlen(text), md);
    hex_encode(md, SHA_DIGEST_LENGTH, out);
}


static int cap_key_set(const unsigned char *k)
{
    for (int i = 0; i < TRACKURL_CAP_KEY_LEN; i++)
        if (k[i] != 0)
            return 1;
    return 0;
}

/* Copy a string into the batch's arena; NULL when it is full. */
static const char *arena_put(struct counter_batch *cb, const char *s, size_t n)
{
    char *p;

    if (cb->used + n + 1 > sizeof(cb->arena))
        return NULL;
    p = cb->arena + cb->used;
    memcpy(p, s, n);
    p[n] = '\0';
    cb->used += n + 1;
    return p;
}

static int add_spend(struct beacon *b, struct counter_batch *cb, int c, const struct pending *it)
{
    char tmp[4][160];
    const char *fixed[3] = {"EVALSHA", b->spend_sha, "3"};
    int argc = 0;

    snprintf(tmp[0], sizeof(tmp[0]), "bk:{%s}:%s:%s", it->campaign, it->asid,
             trackurl_type_name(it->type));
    snprintf(tmp[1], sizeof(tmp[1]), "sp:{%s}:t", it->campaign);
    snprintf(tmp[2], sizeof(tmp[2]), "sp:{%s}:h:%lld", it->campaign,
             (long long)(it->now_ms / 3600000));
    snprintf(tmp[3], sizeof(tmp[3]), "%lld", (long long)it->price);
    for (int i = 0; i < 3; i++)
        cb->argv[c][argc++] = fixed[i];
    for (int i = 0; i < 4; i++) {
        cb->argv[c][argc] = arena_put(cb, tmp[i], strlen(tmp[i]));
        if (cb->argv[c][argc++] == NULL)
            return -1;
    }
    cb->argv[c][argc++] = "172800"; /* retry markers outlive the beacon's max age */
    cb->argc[c] = argc;
    for (int i = 0; i < argc; i++)
        cb->argl[c][i] = strlen(cb->argv[c][i]);
    return 0;
}

static int add_commit(struct beacon *b, struct counter_batch *cb, int c, const struct pending *it)
{
    char cap[33];

    hex_encode(it->cap, TRACKURL_CAP_KEY_LEN, cap);
    const struct tz_zone *zone = spend_zone(atomic_load(&b->spend), it->campaign);
    char rid[37];
    unsigned slot = 0;
    unsigned char slot_byte;

    /*
     * The reservation is the request's id, the same 36 characters with the
     * last four "0000"; serving puts the ad's slot (two hex digits) and
     * ordinal in those four for its AdServingId (decision/serving.c builds it so).
     */
    memcpy(rid, it->asid, sizeof(rid));
    memcpy(rid + 32, "0000", 4);
    if (hex_decode(it->asid + 32, &slot_byte, 1) == 0)
        slot = slot_byte;
    if (freqcap_commit_args(&cb->fa, b->commit_sha, cap, it->campaign, zone != NULL ? zone : b->utc,
                            rid, slot,
                            it->now_ms, INT64_C(86400000)) != 0 ||
        cb->fa.argc > CMD_ARGS)
        return -1;
    for (int i = 0; i < cb->fa.argc; i++) {
        cb->argv[c][i] = arena_put(cb, cb->fa.argv[i], cb->fa.argvlen[i]);
        if (cb->argv[c][i] == NULL)
            return -1;
        cb->argl[c][i] = cb->fa.argvlen[i];
    }
    cb->argc[c] = cb->fa.argc;
    return 0;
}

/* Load both scripts (after NOSCRIPT: Redis restarted or flushed them). */
static void load_scripts(struct beacon *b)
{
    redisReply *r = kv_command(b->kv, "SCRIPT LOAD %s", spend_lua);
    if (r != NULL)
        freeReplyObject(r);
    r = kv_command(b->kv, "SCRIPT LOAD %s", freqcap_script(FREQCAP_SCRIPT_COMMIT));
    if (r != NULL)
        freeReplyObject(r);
}

static void send_batch(struct beacon *b, struct counter_batch *cb, int n)
{
    int ncmd = 0;

    cb->used = 0;
    for (int i = 0; i < n; i++) {
        const struct pending *it = &cb->items[i];
        if (add_spend(b, cb, ncmd, it) == 0)
            cb->item_of[ncmd++] = i;
        if (it->type == TRACKURL_IMPRESSION && cap_key_set(it->cap) &&
            add_commit(b, cb, ncmd, it) == 0)
            cb->item_of[ncmd++] = -1;
    }
    for (int c = 0; c < ncmd; c++) {
        cb->av[c] = cb->argv[c];
        cb->al[c] = cb->argl[c];
    }
    for (int attempt = 0; attempt < 2 && ncmd > 0; attempt++) {
        int noscript = 0;
        if (kv_pipeline(b->kv, ncmd, cb->argc, cb->av, cb->al, cb->rep) != 0) {
            atomic_fetch_add(&b->redis_errors, (unsigned long)n);
            return;
        }
        for (int c = 0; c < ncmd; c++) {
            redisReply *r = cb->rep[c];
            if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0)
                noscript = 1;
        }
        if (noscript && attempt == 0) {
            for (int c = 0; c < ncmd; c++)
                freeReplyObject(cb->rep[c]);
            load_scripts(b); /* EVALSHA is idempotent here: the markers make a resend safe */
            continue;
        }
        for (int c = 0; c < ncmd; c++) {
            redisReply *r = cb->rep[c];
            int i = cb->item_of[c];
            if (i >= 0) {
                if (r->type == REDIS_REPLY_INTEGER)
                    atomic_fetch_add(&b->count[r->integer == 1 ? CNT_ACCEPTED : CNT_DEDUP]
                                              [cb->items[i].type],
                                     1);
                else
                    atomic_fetch_add(&b->redis_errors, 1);
            }
            freeReplyObject(r);
        }
        return;
    }
}

/* Take up to BATCH_MAX queued updates into b->batch; how many. */
static int counter_take(struct beacon *b)
{
    int n = 0;

    pthread_mutex_lock(&b->qmu);
    while (n < BATCH_MAX && b->qlen > 0) {
        b->batch->items[n++] = b->queue[b->qhead];
        b->qhead = (b->qhead + 1) % QUEUE_MAX;
        b->qlen--;
    }
    pthread_mutex_unlock(&b->qmu);
    return n;
}

static void counter_main(struct bgthread *t, void *arg)
{
    struct beacon *b = arg;
    bool run = true;

    log_set_request(NULL);
    while (run) {
        int n;

        /* the queue is checked after every wake-up, so a push that finds it
         * empty (and wakes) is never missed */
        run = bgthread_wait(t, -1);
        while ((n = counter_take(b)) > 0)
            send_batch(b, b->batch, n); /* at stop too: what was queued is sent */
    }
}

void beacon_set_spend(struct beacon *b, struct spend *s)
{
    atomic_store(&b->spend, s);
}

/* Queue a verified beacon's counter updates (never blocks on Redis). */
/* Queue a verified beacon's counter updates (never blocks on Redis). */
static void counter_queue(struct beacon *b, const struct trackurl_event *ev)
{
    struct pending *it;
    int was_empty;

    pthread_mutex_lock(&b->qmu);
    if (b->qlen >= QUEUE_MAX) {
        pthread_mutex_unlock(&b->qmu);
        atomic_fetch_add(&b->redis_dropped, 1);
        return;
    }
    it = &b->queue[(b->qhead + b->qlen) % QUEUE_MAX];
    was_empty = b->qlen == 0;
    b->qlen++;
    memcpy(it->campaign, ev->campaign_id, sizeof(it->campaign));
    memcpy(it->asid, ev->ad_serving_id, sizeof(it->asid));
    it->type = ev->type;
    it->price = ev->price_micros;
    it->now_ms = clock_wall_ms();
    memcpy(it->cap, ev->cap_key, sizeof(it->cap));
    pthread_mutex_unlock(&b->qmu);
    /* one eventfd write per burst: a non-empty queue is drained by the
     * thread's current pass or by the wake its first push made */
    if (was_empty)
        bgthread_wake(b->thread);
}

struct beacon *beacon_new(struct kv *kv)
{
    struct beacon *b = xcalloc(1, sizeof(*b));
    char err[128];

    b->kv = kv;
    sha1_hex(spend_lua, b->spend_sha);
    if (freqcap_script_sha1(FREQCAP_SCRIPT_COMMIT, b->commit_sha) != 0 ||
        tz_parse_posix("UTC0", &b->utc, err, sizeof(err)) != 0) {
        free(b);
        return NULL;
    }
    b->queue = xcalloc(QUEUE_MAX, sizeof(*b->queue));
    b->batch = xcalloc(1, sizeof(*b->batch));
    pthread_mutex_init(&b->qmu, NULL);
    b->thread = bgthread_start("beacon-counter", 1, counter_main, b, err, sizeof(err));
    if (b->thread == NULL) {
        log_error("beacon counter thread did not start", "error", err);
        beacon_free(b);
        return NULL;
    }
    return b;
}

void beacon_free(struct beacon *b)
{
    if (b == NULL)
        return;
    bgthread_stop(b->thread); /* the thread's last pass sends what is queued */
    pthread_mutex_destroy(&b->qmu);
    tz_free(b->utc);
    free(b->queue);
    free(b->batch);
    free(b);
}

/* ------------------------------------------------------------------------ */
/* Verification, record, spool                                              */
/* ------------------------------------------------------------------------ */

static void random_id(unsigned char id[16])
{
    if (RAND_bytes(id, 16) != 1) {
        /* no entropy: a time and counter id is still unique in this process */
        static atomic_ulong ctr;
        int64_t t = clock_wall_ms();
        unsigned long c = atomic_fetch_add(&ctr, 1);
        memcpy(id, &t, 8);
        memcpy(id + 8, &c, sizeof(c) < 8 ? sizeof(c) : 8);
    }
}

/*
 * Spool r, then answer through answer(req, ok) once it is durable under the
 * fsync policy (now, or from the resumed connection). ok = 0: refused.
 */
enum trackurl_result beacon_verify_track(struct beacon *b, const unsigned char *key,
                                         size_t keylen, const char *path_and_query,
                                         int64_t now_s, int64_t max_age_s,
                                         const char *event_name, const char *user_agent,
                                         const char *ip, struct beacon_record *r,
                                         struct trackurl_event *ev)
{
    enum trackurl_result vr;
    enum trackurl_type t = TRACKURL_IMPRESSION;

    memset(r, 0, sizeof(*r));
    vr = trackurl_verify(key, keylen, path_and_query, now_s, max_age_s, ev);
    beacon_record_set_str(r, BEACON_S_USER_AGENT, user_agent);
    beacon_record_set_str(r, BEACON_S_IP, ip);
    if (vr != TRACKURL_OK) {
        if (event_name != NULL)
            trackurl_type_parse(event_name, strlen(event_name), &t);
        r->source = BEACON_SRC_INVALID;
        r->type = t;
        r->invalid = vr;
        atomic_fetch_add(&b->invalid[vr], 1);
        return vr;
    }
    r->source = BEACON_SRC_BEACON;
    r->type = ev->type;
    memcpy(r->ad_serving_id, ev->ad_serving_id, sizeof(r->ad_serving_id));
    r->issued_at = ev->issued_at;
    memcpy(r->cap_key, ev->cap_key, sizeof(r->cap_key));
    r->price_micros = ev->price_micros;
    r->error_code = ev->error_code;
    r->playhead_ms = ev->content_playhead_ms;
    beacon_record_set_str(r, BEACON_S_CAMPAIGN, ev->campaign_id);
    beacon_record_set_str(r, BEACON_S_CREATIVE, ev->creative_id);
    return vr;
}

void beacon_count_posted(struct beacon *b, enum beacon_source src)
{
    atomic_fetch_add(src == BEACON_SRC_TRACK ? &b->track_accepted : &b->legacy_accepted, 1);
}

int beacon_intake(struct beacon *b, struct spool *sp, struct beacon_record *r,
                  const struct trackurl_event *ev, struct spool_waiter *w,
                  void (*before_wait)(void *ctx), void *ctx)
{
    unsigned char rec[BEACON_RECORD_MAX];
    size_t len;
    uint64_t seq;
    enum spool_result sr;

    random_id(r->id);
    r->received_ms = clock_wall_ms();
    len = beacon_record_encode(r, rec);
    if (len == 0)
        return -1;
    sr = spool_append(sp, rec, len, &seq);
    if (sr != SPOOL_OK) {
        atomic_fetch_add(sr == SPOOL_FULL ? &b->refused_full : &b->refused_failed, 1);
        return -1;
    }
    if (ev != NULL)
        counter_queue(b, ev); /* only what was spooled is counted */
    w->seq = seq;
    return spool_wait(sp, w, before_wait, ctx);
}

/* ------------------------------------------------------------------------ */
/* /metrics                                                                 */
/* ------------------------------------------------------------------------ */

int beacon_metrics(struct app *app, struct buf *out)
{
    struct beacon *b = app->beacon;
    static const char *const reasons[] = {"ok", "bad_signature", "expired", "malformed"};
    int rc = 0;

    if (b == NULL)
        return 0;
    rc |= buf_puts(out, "# HELP adserverd_beacons_total Signed beacons by event and outcome "
                        "(accepted: counted; deduplicated: a retry of one already counted).\n"
                        "# TYPE adserverd_beacons_total counter\n");
    for (int t = 0; t < TRACKURL_TYPE_COUNT; t++) {
        rc |= buf_printf(out, "adserverd_beacons_total{event=\"%s\",outcome=\"accepted\"} %lu\n",
                         trackurl_type_name((enum trackurl_type)t),
                         atomic_load(&b->count[CNT_ACCEPTED][t]));
        rc |= buf_printf(out,
                         "adserverd_beacons_total{event=\"%s\",outcome=\"deduplicated\"} %lu\n",
                         trackurl_type_name((enum trackurl_type)t),
                         atomic_load(&b->count[CNT_DEDUP][t]));
    }
    rc |= buf_puts(out, "# HELP adserverd_beacons_invalid_total Beacons that did not verify "
                        "(stored, never counted).\n"
                        "# TYPE adserverd_beacons_invalid_total counter\n");
    for (int i = 1; i <= TRACKURL_MALFORMED; i++)
        rc |= buf_printf(out, "adserverd_beacons_invalid_total{reason=\"%s\"} %lu\n", reasons[i],
                         atomic_load(&b->invalid[i]));
    rc |= buf_printf(out,
                     "# HELP adserverd_impressions_posted_total Impressions posted to the API.\n"
                     "# TYPE adserverd_impressions_posted_total counter\n"
                     "adserverd_impressions_posted_total{route=\"track-impression\"} %lu\n"
                     "adserverd_impressions_posted_total{route=\"impression\"} %lu\n"
                     "# HELP adserverd_beacons_refused_total Events refused with 503.\n"
                     "# TYPE adserverd_beacons_refused_total counter\n"
                     "adserverd_beacons_refused_total{reason=\"spool_full\"} %lu\n"
                     "adserverd_beacons_refused_total{reason=\"spool_failed\"} %lu\n"
                     "# HELP adserverd_beacon_redis_errors_total Intake Redis updates that failed.\n"
                     "# TYPE adserverd_beacon_redis_errors_total counter\n"
                     "adserverd_beacon_redis_errors_total %lu\n"
                     "# HELP adserverd_beacon_redis_dropped_total Updates dropped: queue full.\n"
                     "# TYPE adserverd_beacon_redis_dropped_total counter\n"
                     "adserverd_beacon_redis_dropped_total %lu\n",
                     atomic_load(&b->track_accepted), atomic_load(&b->legacy_accepted),
                     atomic_load(&b->refused_full), atomic_load(&b->refused_failed),
                     atomic_load(&b->redis_errors), atomic_load(&b->redis_dropped));
    return rc != 0 ? -1 : 0;
}
