/*
 * beacon: the HTTP side of beacon intake; see beacon.h. Everything between
 * the request and the answer that is not HTTP (verification, the spool
 * record, the append and its waiter, the Redis counters) is in
 * beacon/intake.c. Expected load: the ad listener's busiest route (one
 * beacon per quartile per ad); per beacon one small allocation for the
 * wait state besides what intake does.
 */
#include "ad/beacon.h"
#include "beacon/intake.h"
#include "beacon/spool_drain.h"
#include "core/app.h"
#include "core/config.h"
#include "decision/spend.h"
#include "http/http_server.h"
#include "http/reply.h"
#include "http/request.h"
#include "lib/clock.h"
#include "lib/xalloc.h"
#include "vast/trackurl.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Waiting for durability with the connection suspended                     */
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

/*
 * Spool r, then answer through answer(req, ok) once it is durable under the
 * fsync policy (now, or from the resumed connection). ok = 0: refused.
 */
static int intake(struct request *req, struct beacon_record *r, const struct trackurl_event *ev,
                  answer_fn answer)
{
    struct app *app = req->app;
    struct wait_state *st = xcalloc(1, sizeof(*st));
    int w;

    /* set up before the append: the wake may come on the sync thread at once */
    st->w.wake = on_synced;
    st->w.ctx = st;
    st->req = req;
    st->answer = answer;
    req->state = st;
    req->state_free = free;
    w = beacon_intake(app->beacon, app->spool, r, ev, &st->w, suspend_now, st);
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

int beacon_track_get(struct request *req)
{
    struct app *app = req->app;
    struct beacon_record r;
    struct trackurl_event ev;
    enum trackurl_result vr;

    vr = beacon_verify_track(app->beacon, app->track_key, app->track_key_len, req->raw_url,
                             clock_wall_ms() / 1000, app->cfg->beacon_max_age_s,
                             request_param(req, 0), request_header(req, "User-Agent"), req->ip,
                             &r, &ev);
    if (vr != TRACKURL_OK)
        return intake(req, &r, NULL, answer_track);
    if (ev.type == TRACKURL_CLICK && req->nparams < REQUEST_MAX_PARAMS) {
        /* keep the verified campaign id for answer_click (params are freed at completion) */
        req->params[req->nparams++] = xstrdup(ev.campaign_id);
        return intake(req, &r, &ev, answer_click);
    }
    return intake(req, &r, &ev, answer_track);
}

/* ------------------------------------------------------------------------ */
/* POST /api/v1/track-impression (docs/admin-api.md) and /api/v1/impression      */
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
    beacon_record_set_str(&r, BEACON_S_CAMPAIGN, campaign);
    beacon_record_set_str(&r, BEACON_S_CREATIVE, creative);
    beacon_record_set_str(&r, BEACON_S_AD_ID, field(body, "ad_id", t3, sizeof(t3)));
    beacon_record_set_str(&r, BEACON_S_DEVICE_TYPE, field(body, "device_type", t4, sizeof(t4)));
    beacon_record_set_str(&r, BEACON_S_COUNTRY, field(body, "location_country", t5, sizeof(t5)));
    beacon_record_set_str(&r, BEACON_S_REGION, field(body, "location_region", t6, sizeof(t6)));
    beacon_record_set_str(&r, BEACON_S_USER_AGENT, field(body, "user_agent", t7, sizeof(t7)));
    beacon_record_set_str(&r, BEACON_S_IP, field(body, "ip_address", t8, sizeof(t8)));
    beacon_record_set_str(&r, BEACON_S_SESSION, field(body, "session_id", t9, sizeof(t9)));
    beacon_count_posted(req->app->beacon, src);
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

