/*
 * beacon: see beacon.h. Expected load: the ad listener's busiest route
 * (one beacon per quartile per ad); the work per beacon is one HMAC, one
 * write(2) under the spool lock, one Redis round trip and a share of one
 * fdatasync.
 */
#include "ad/beacon.h"
#include "core/app.h"
#include "beacon/beacon_record.h"
#include "lib/clock.h"
#include "lib/hexcode.h"
#include "core/config.h"
#include "decision/freqcap.h"
#include "http/http_server.h"
#include "redis/kv.h"
#include "lib/log.h"
#include "http/reply.h"
#include "http/request.h"
#include "decision/spend.h"
#include "beacon/spool.h"
#include "beacon/spool_drain.h"
#include "vast/trackurl.h"
#include "util/tz.h"
#include "lib/xalloc.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
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
    pthread_cond_t qcond;
    struct pending *queue;
    int qhead, qlen, qstop;
    struct counter_batch *batch;
    pthread_t thread;
    int started;
};

/* SHA-1 hex of a script, through OpenSSL (freqcap does the same for its own). */
#include <openssl/sha.h>
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
     * ordinal in those four for its AdServingId (contracts.md item 4).
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

static void *counter_main(void *arg)
{
    struct beacon *b = arg;

    log_set_request(NULL);
    for (;;) {
        int n = 0, stop;

        pthread_mutex_lock(&b->qmu);
        while (b->qlen == 0 && !b->qstop)
            pthread_cond_wait(&b->qcond, &b->qmu);
        stop = b->qstop;
        while (n < BATCH_MAX && b->qlen > 0) {
            b->batch->items[n++] = b->queue[b->qhead];
            b->qhead = (b->qhead + 1) % QUEUE_MAX;
            b->qlen--;
        }
        pthread_mutex_unlock(&b->qmu);
        if (n > 0)
            send_batch(b, b->batch, n);
        if (stop && n == 0)
            break;
    }
    return NULL;
}

void beacon_set_spend(struct beacon *b, struct spend *s)
{
    atomic_store(&b->spend, s);
}

/* Queue a verified beacon's counter updates (never blocks on Redis). */
static void counter_queue(struct beacon *b, const struct trackurl_event *ev)
{
    struct pending *it;

    pthread_mutex_lock(&b->qmu);
    if (b->qlen >= QUEUE_MAX) {
        pthread_mutex_unlock(&b->qmu);
        atomic_fetch_add(&b->redis_dropped, 1);
        return;
    }
    it = &b->queue[(b->qhead + b->qlen) % QUEUE_MAX];
    b->qlen++;
    memcpy(it->campaign, ev->campaign_id, sizeof(it->campaign));
    memcpy(it->asid, ev->ad_serving_id, sizeof(it->asid));
    it->type = ev->type;
    it->price = ev->price_micros;
    it->now_ms = clock_wall_ms();
    memcpy(it->cap, ev->cap_key, sizeof(it->cap));
    pthread_cond_signal(&b->qcond);
    pthread_mutex_unlock(&b->qmu);
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
    pthread_cond_init(&b->qcond, NULL);
    if (pthread_create(&b->thread, NULL, counter_main, b) != 0) {
        beacon_free(b);
        return NULL;
    }
    b->started = 1;
    return b;
}

void beacon_free(struct beacon *b)
{
    if (b == NULL)
        return;
    if (b->started) {
        pthread_mutex_lock(&b->qmu);
        b->qstop = 1;
        pthread_cond_signal(&b->qcond);
        pthread_mutex_unlock(&b->qmu);
        pthread_join(b->thread, NULL);
    }
    pthread_mutex_destroy(&b->qmu);
    pthread_cond_destroy(&b->qcond);
    tz_free(b->utc);
    free(b->queue);
    free(b->batch);
    free(b);
}

/* ------------------------------------------------------------------------ */
/* Spool and group commit                                                   */
/* ------------------------------------------------------------------------ */

typedef int (*answer_fn)(struct request *req, int ok);

struct wait_state {
    struct spool_waiter w;
    struct request *req;
    answer_fn answer;
    atomic_int ok;
};

static void on_synced(void *ctx, int ok)
{
    struct wait_state *st = ctx;

    atomic_store(&st->ok, ok);
    http_server_resume(st->req);
}

static int on_resumed(struct request *req)
{
    struct wait_state *st = req->state;

    return st->answer(req, atomic_load(&st->ok));
}

static void suspend_now(void *ctx)
{
    struct wait_state *st = ctx;

    http_server_suspend(st->req, on_resumed);
}

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
static int intake(struct request *req, struct beacon_record *r, const struct trackurl_event *ev,
                  answer_fn answer)
{
    struct app *app = req->app;
    unsigned char rec[BEACON_RECORD_MAX];
    size_t len;
    uint64_t seq;
    enum spool_result sr;
    struct wait_state *st;
    int w;

    random_id(r->id);
    r->received_ms = clock_wall_ms();
    len = beacon_record_encode(r, rec);
    if (len == 0)
        return answer(req, 0);
    sr = spool_append(app->spool, rec, len, &seq);
    if (sr != SPOOL_OK) {
        atomic_fetch_add(sr == SPOOL_FULL ? &app->beacon->refused_full
                                          : &app->beacon->refused_failed,
                         1);
        return answer(req, 0);
    }
    if (ev != NULL)
        counter_queue(app->beacon, ev); /* only what was spooled is counted */
    st = xcalloc(1, sizeof(*st));
    st->w.seq = seq;
    st->w.wake = on_synced;
    st->w.ctx = st;
    st->req = req;
    st->answer = answer;
    req->state = st;
    req->state_free = free;
    w = spool_wait(app->spool, &st->w, suspend_now, st);
    if (w == 1)
        return answer(req, 1);
    if (w < 0)
        return answer(req, 0);
    return 0; /* suspended: on_resumed answers */
}

/* ------------------------------------------------------------------------ */
/* GET|HEAD /t/:event                                                       */
/* ------------------------------------------------------------------------ */

/* The smallest transparent GIF (43 bytes), for players that load beacons as images. */
static const unsigned char gif1x1[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

static int wants_image(const struct request *req)
{
    const char *acc = request_header(req, "Accept");

    return acc != NULL && strstr(acc, "image/") != NULL;
}

static int answer_pixel(struct request *req)
{
    request_add_header(req, "Cache-Control", "no-store");
    if (wants_image(req))
        return reply_data(req, 200, "image/gif", gif1x1, sizeof(gif1x1));
    return reply_empty(req, 204);
}

static int answer_track(struct request *req, int ok)
{
    if (!ok) {
        request_add_header(req, "Retry-After", "1");
        return reply_empty(req, 503);
    }
    return answer_pixel(req);
}

/* Clicks: the redirect target is looked up after durability, from our table. */
static int answer_click(struct request *req, int ok)
{
    char url[2048];
    /* the verified campaign id, kept by beacon_track_get as a second parameter */
    const char *cid = req->nparams > 1 ? req->params[1] : NULL;

    if (!ok) {
        request_add_header(req, "Retry-After", "1");
        return reply_empty(req, 503);
    }
    if (cid != NULL && spend_click_url(req->app->spend, cid, url, sizeof(url)) == 0) {
        request_add_header(req, "Location", url);
        request_add_header(req, "Cache-Control", "no-store");
        return reply_empty(req, 302);
    }
    return answer_pixel(req);
}

static void set_str(struct beacon_record *r, enum beacon_str i, const char *s)
{
    size_t n;

    if (s == NULL)
        return;
    n = strlen(s);
    if (n > BEACON_STR_MAX)
        n = BEACON_STR_MAX; /* a longer User-Agent is cut, not refused */
    r->s[i] = s;
    r->slen[i] = (uint16_t)n;
}

int beacon_track_get(struct request *req)
{
    struct app *app = req->app;
    struct beacon_record r;
    struct trackurl_event ev;
    enum trackurl_result vr;
    enum trackurl_type t = TRACKURL_IMPRESSION;
    const char *name = request_param(req, 0);
    int64_t now = clock_wall_ms() / 1000;

    memset(&r, 0, sizeof(r));
    vr = trackurl_verify(app->track_key, app->track_key_len, req->raw_url, now,
                         app->cfg->beacon_max_age_s, &ev);
    set_str(&r, BEACON_S_USER_AGENT, request_header(req, "User-Agent"));
    set_str(&r, BEACON_S_IP, req->ip);
    if (vr != TRACKURL_OK) {
        if (name != NULL)
            trackurl_type_parse(name, strlen(name), &t);
        r.source = BEACON_SRC_INVALID;
        r.type = t;
        r.invalid = vr;
        atomic_fetch_add(&app->beacon->invalid[vr], 1);
        return intake(req, &r, NULL, answer_track);
    }
    r.source = BEACON_SRC_BEACON;
    r.type = ev.type;
    memcpy(r.ad_serving_id, ev.ad_serving_id, sizeof(r.ad_serving_id));
    r.issued_at = ev.issued_at;
    memcpy(r.cap_key, ev.cap_key, sizeof(r.cap_key));
    r.price_micros = ev.price_micros;
    r.error_code = ev.error_code;
    r.playhead_ms = ev.content_playhead_ms;
    set_str(&r, BEACON_S_CAMPAIGN, ev.campaign_id);
    set_str(&r, BEACON_S_CREATIVE, ev.creative_id);
    if (ev.type == TRACKURL_CLICK && req->nparams < REQUEST_MAX_PARAMS) {
        /* keep the verified campaign id for answer_click (params are freed at completion) */
        req->params[req->nparams++] = xstrdup(ev.campaign_id);
        return intake(req, &r, &ev, answer_click);
    }
    return intake(req, &r, &ev, answer_track);
}

/* ------------------------------------------------------------------------ */
/* POST /api/v1/track-impression (contract 3.5) and /api/v1/impression      */
/* ------------------------------------------------------------------------ */

static int answer_queued(struct request *req, int ok)
{
    uint64_t q;

    if (!ok)
        return reply_plain_error(req, 503, "Failed to track impression");
    q = spool_drain_pending(req->app->drain);
    return reply_json(req, 202, json_pack("{s:s,s:I}", "status", "queued", "queue_size",
                                          (json_int_t)q));
}

/* A body field as text: strings as they are, numbers and booleans printed; NULL when absent. */
static const char *field(json_t *body, const char *name, char *tmp, size_t n)
{
    json_t *v = json_object_get(body, name);

    if (v == NULL || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(tmp, n, "%lld", (long long)json_integer_value(v));
        return tmp;
    }
    if (json_is_real(v)) {
        snprintf(tmp, n, "%.17g", json_real_value(v));
        return tmp;
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL; /* objects and arrays are not a value for a column */
}

static int impression_post(struct request *req, enum beacon_source src)
{
    struct beacon_record r;
    char t1[32], t2[32], t3[32], t4[32], t5[32], t6[32], t7[32], t8[32], t9[32];
    json_t *body = req->json;
    const char *campaign, *creative;

    if (!json_is_object(body))
        body = NULL;
    campaign = body != NULL ? field(body, "campaign_id", t1, sizeof(t1)) : NULL;
    creative = body != NULL ? field(body, "creative_id", t2, sizeof(t2)) : NULL;
    if (campaign == NULL || campaign[0] == '\0' || creative == NULL || creative[0] == '\0')
        return reply_plain_error(req, 400, "campaign_id and creative_id are required");
    memset(&r, 0, sizeof(r));
    r.source = src;
    r.type = TRACKURL_IMPRESSION;
    set_str(&r, BEACON_S_CAMPAIGN, campaign);
    set_str(&r, BEACON_S_CREATIVE, creative);
    set_str(&r, BEACON_S_AD_ID, field(body, "ad_id", t3, sizeof(t3)));
    set_str(&r, BEACON_S_DEVICE_TYPE, field(body, "device_type", t4, sizeof(t4)));
    set_str(&r, BEACON_S_COUNTRY, field(body, "location_country", t5, sizeof(t5)));
    set_str(&r, BEACON_S_REGION, field(body, "location_region", t6, sizeof(t6)));
    set_str(&r, BEACON_S_USER_AGENT, field(body, "user_agent", t7, sizeof(t7)));
    set_str(&r, BEACON_S_IP, field(body, "ip_address", t8, sizeof(t8)));
    set_str(&r, BEACON_S_SESSION, field(body, "session_id", t9, sizeof(t9)));
    atomic_fetch_add(src == BEACON_SRC_TRACK ? &req->app->beacon->track_accepted
                                             : &req->app->beacon->legacy_accepted,
                     1);
    return intake(req, &r, NULL, answer_queued);
}

int beacon_track_impression(struct request *req)
{
    return impression_post(req, BEACON_SRC_TRACK);
}

int beacon_legacy_impression(struct request *req)
{
    return impression_post(req, BEACON_SRC_LEGACY);
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
