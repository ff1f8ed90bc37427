/*
 * beacon: see beacon.h. Expected load: the ad listener's busiest route
 * (one beacon per quartile per ad); the work per beacon is one HMAC, one
 * write(2) under the spool lock, one Redis round trip and a share of one
 * fdatasync.
 */
#include "beacon.h"
#include "app.h"
#include "beacon_record.h"
#include "clock.h"
#include "config.h"
#include "freqcap.h"
#include "http_server.h"
#include "kv.h"
#include "log.h"
#include "reply.h"
#include "request.h"
#include "spend.h"
#include "spool.h"
#include "spool_drain.h"
#include "trackurl.h"
#include "tz.h"
#include "xalloc.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEDUP_TTL_S 172800 /* retry markers outlive the beacon's max age */

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
};

/* SHA-1 hex of a script, through OpenSSL (freqcap does the same for its own). */
#include <openssl/sha.h>
static void sha1_hex(const char *text, char out[41])
{
    unsigned char md[SHA_DIGEST_LENGTH];
    static const char hex[] = "0123456789abcdef";

    SHA1((const unsigned char *)text, strlen(text), md);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[40] = '\0';
}

struct beacon *beacon_new(void)
{
    struct beacon *b = xcalloc(1, sizeof(*b));
    char err[128];

    sha1_hex(spend_lua, b->spend_sha);
    if (freqcap_script_sha1(FREQCAP_SCRIPT_COMMIT, b->commit_sha) != 0 ||
        tz_parse_posix("UTC0", &b->utc, err, sizeof(err)) != 0) {
        free(b);
        return NULL;
    }
    return b;
}

void beacon_free(struct beacon *b)
{
    if (b == NULL)
        return;
    tz_free(b->utc);
    free(b);
}

/* ------------------------------------------------------------------------ */
/* Redis at intake: one pipelined round trip                                */
/* ------------------------------------------------------------------------ */

static int cap_key_set(const unsigned char *k)
{
    for (int i = 0; i < TRACKURL_CAP_KEY_LEN; i++)
        if (k[i] != 0)
            return 1;
    return 0;
}

static void hex16(const unsigned char *k, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[k[i] >> 4];
        out[2 * i + 1] = hex[k[i] & 15];
    }
    out[32] = '\0';
}

/*
 * Count a verified beacon in Redis: 1 counted, 0 a retry (marker present),
 * -1 Redis unavailable (the drain's PostgreSQL record stays authoritative).
 */
static int redis_count(struct app *app, const struct beacon_record *r,
                       const struct trackurl_event *ev)
{
    static _Thread_local struct freqcap_args fa;
    struct beacon *b = app->beacon;
    char marker[160], total[80], hour[96], price[24], ttl[16], cap[33];
    const char *sargv[8];
    size_t slen[8];
    const int sargc = 8;
    int argc[2];
    const char **argv[2];
    const size_t *argvlen[2];
    redisReply *rep[2] = {NULL, NULL};
    int n = 1;
    int64_t now = clock_wall_ms();
    int ret = -1;

    snprintf(marker, sizeof(marker), "bk:{%s}:%s:%s", ev->campaign_id, ev->ad_serving_id,
             trackurl_type_name(ev->type));
    snprintf(total, sizeof(total), "sp:{%s}:t", ev->campaign_id);
    snprintf(hour, sizeof(hour), "sp:{%s}:h:%lld", ev->campaign_id,
             (long long)(now / 3600000));
    snprintf(price, sizeof(price), "%lld", (long long)ev->price_micros);
    snprintf(ttl, sizeof(ttl), "%d", DEDUP_TTL_S);
    sargv[0] = "EVALSHA";
    sargv[1] = b->spend_sha;
    sargv[2] = "3";
    sargv[3] = marker;
    sargv[4] = total;
    sargv[5] = hour;
    sargv[6] = price;
    sargv[7] = ttl;
    for (int i = 0; i < sargc; i++)
        slen[i] = strlen(sargv[i]);
    argc[0] = sargc;
    argv[0] = sargv;
    argvlen[0] = slen;
    if (r->type == TRACKURL_IMPRESSION && cap_key_set(ev->cap_key)) {
        hex16(ev->cap_key, cap);
        /* the reservation id is the request's AdServingId (contracts.md item 4) */
        if (freqcap_commit_args(&fa, b->commit_sha, cap, ev->campaign_id, b->utc,
                                ev->ad_serving_id, 0, now, INT64_C(86400000)) == 0) {
            argc[1] = fa.argc;
            argv[1] = fa.argv;
            argvlen[1] = fa.argvlen;
            n = 2;
        }
    }
    if (kv_pipeline(app->kv, n, argc, argv, argvlen, rep) != 0) {
        atomic_fetch_add(&b->redis_errors, 1);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (rep[i] == NULL)
            goto cleanup;
    for (int i = 0; i < n; i++) {
        if (rep[i]->type == REDIS_REPLY_ERROR && strncmp(rep[i]->str, "NOSCRIPT", 8) == 0) {
            /* Redis restarted or flushed its scripts: send the text once */
            const char *text = i == 0 ? spend_lua : freqcap_script(FREQCAP_SCRIPT_COMMIT);
            const char **a = i == 0 ? sargv : argv[1];
            const size_t *al = i == 0 ? slen : argvlen[1];
            const char *copy[FREQCAP_ARGV_MAX];
            size_t copylen[FREQCAP_ARGV_MAX];
            memcpy(copy, a, sizeof(copy[0]) * (size_t)argc[i]);
            memcpy(copylen, al, sizeof(copylen[0]) * (size_t)argc[i]);
            copy[0] = "EVAL";
            copylen[0] = 4;
            copy[1] = text;
            copylen[1] = strlen(text);
            freeReplyObject(rep[i]);
            rep[i] = kv_command_argv(app->kv, argc[i], copy, copylen);
            if (rep[i] == NULL)
                goto cleanup;
        }
    }
    if (rep[0]->type != REDIS_REPLY_INTEGER)
        goto cleanup;
    ret = rep[0]->integer == 1 ? 1 : 0;
cleanup:
    for (int i = 0; i < n; i++)
        if (rep[i] != NULL)
            freeReplyObject(rep[i]);
    if (ret < 0)
        atomic_fetch_add(&b->redis_errors, 1);
    return ret;
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
static int intake(struct request *req, struct beacon_record *r, answer_fn answer)
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
        return intake(req, &r, answer_track);
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
    {
        int c = redis_count(app, &r, &ev);
        atomic_fetch_add(&app->beacon->count[c == 0 ? CNT_DEDUP : CNT_ACCEPTED][ev.type], 1);
    }
    if (ev.type == TRACKURL_CLICK && req->nparams < REQUEST_MAX_PARAMS) {
        /* keep the verified campaign id for answer_click (params are freed at completion) */
        req->params[req->nparams++] = xstrdup(ev.campaign_id);
        return intake(req, &r, answer_click);
    }
    return intake(req, &r, answer_track);
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
    return intake(req, &r, answer_queued);
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
                     "# HELP adserverd_beacon_redis_errors_total Intake Redis calls that failed.\n"
                     "# TYPE adserverd_beacon_redis_errors_total counter\n"
                     "adserverd_beacon_redis_errors_total %lu\n",
                     atomic_load(&b->track_accepted), atomic_load(&b->legacy_accepted),
                     atomic_load(&b->refused_full), atomic_load(&b->refused_failed),
                     atomic_load(&b->redis_errors));
    return rc != 0 ? -1 : 0;
}
