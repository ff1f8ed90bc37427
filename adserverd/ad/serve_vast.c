/*
 * serve_vast: see serve_vast.h. Parse -> decide -> render -> reply; the
 * release of unused cap slots runs after the response (request->after).
 * When a candidate is capped the connection is suspended between the
 * decision's two phases while the Redis I/O thread makes the reserve call
 * (serving.h); the worker serves other requests meanwhile.
 */
#include "ad/serve_vast.h"
#include "decision/adparams.h"
#include "core/app.h"
#include "lib/log.h"
#include "http/http_server.h"
#include "http/reply.h"
#include "http/public_base.h"
#include "http/request.h"
#include "decision/serving.h"
#include "vast/vast.h"
#include "lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define VAST_OUT_MAX (1024 * 1024)
#define HOLD_MS (15 * 60 * 1000)

struct parse_ctx {
    struct adparams *p;
    char err[256];
};

static int take(void *ctx, const char *key, const char *value)
{
    struct parse_ctx *c = ctx;

    return adparams_set(c->p, key, value, c->err, sizeof(c->err)) != 0 ? 1 : 0;
}

int serve_vast_params(struct request *req, struct adparams *p)
{
    struct parse_ctx c = {.p = p, .err = ""};

    adparams_init(p);
    if (request_query_each(req, take, &c) != 0 || adparams_finish(p, c.err, sizeof(c.err)) != 0) {
        reply_validation(req, p->bad != NULL ? p->bad : "query", c.err);
        return -1;
    }
    adparams_device(p, serving_proxies(req->app->serving), req->ip,
                    request_header(req, "User-Agent"), request_header(req, "X-Forwarded-For"),
                    request_header(req, "X-Device-IP"), request_header(req, "X-Device-User-Agent"));
    p->base = http_public_base(req);
    return 0;
}

/* A request between its decision and its answer; lives in req->state. */
struct vast_state {
    struct adparams p;
    struct serving_result r;
    const char *route;
};

static void state_free(void *state)
{
    free(state);
}

/* Render st's decision and reply; hands the release to after-response work. */
static int render(struct request *req, struct vast_state *st, int decided)
{
    struct serving *sv = req->app->serving;
    struct serving_result *r = &st->r;
    struct serving_strings strs = {0};
    struct vast_ad ads[DECISION_MAX_ADS];
    const char *nofill_url = NULL;
    const char *reason;
    struct buf out;
    char err[256];
    size_t n = 0;
    int rc, spliced;

    buf_init(&out, VAST_OUT_MAX);
    /* Fragments pre-rendered with the snapshot first; the libxml2 tree when they cannot serve. */
    spliced = decided ? serving_render_vast(sv, r, &st->p, 0, st->p.version, &out, &strs, &n) : -1;
    if (spliced == 0) {
        reason = NULL;
        goto reply;
    }
    if (spliced < 0 || serving_ads(sv, r, &st->p, 0, ads, &n, &strs) != 0) {
        log_error("ad decision failed", "route", st->route);
        n = 0;
        r->breaks[0].no_fill = "internal_error";
    }
    reason = n == 0 ? r->breaks[0].no_fill : NULL;
    if (n == 0)
        nofill_url = serving_nofill_url(sv, r, &strs);
    if (vast_render(ads, n, st->p.version, nofill_url, &out, err, sizeof(err)) != 0) {
        log_error("vast render failed", "error", err);
        buf_reset(&out);
        n = 0;
        reason = "render_error";
        if (vast_render(NULL, 0, st->p.version, nofill_url, &out, err, sizeof(err)) != 0) {
            rc = reply_internal(req, 500, "render failed");
            goto done;
        }
    }
reply:
    if (reason != NULL && request_add_header(req, "X-Adserverd-No-Fill", reason) != 0) {
        rc = -1;
        goto done;
    }
    (void)request_add_header(req, "Cache-Control", "no-store");
    rc = reply_data(req, 200, "application/xml; charset=utf-8", out.data, out.len);
done:
    serving_count(sv, st->route, n, reason);
    req->after_state = serving_done(sv, r);
    req->after = serving_after;
    serving_strings_free(&strs);
    buf_release(&out);
    return rc;
}

/* The cap call answered (Redis I/O thread): let MHD call on_resumed. */
static void on_caps(void *ctx)
{
    http_server_resume(ctx);
}

static int on_resumed(struct request *req)
{
    struct vast_state *st = req->state;

    return render(req, st, serving_continue(req->app->serving, &st->r) == 0);
}

static int answer(struct request *req, const char *route, int need_campaign)
{
    struct serving *sv = req->app->serving;
    struct vast_state *st = xmalloc(sizeof(*st));
    int64_t hold = HOLD_MS;
    int rc;

    st->route = route;
    req->state = st;
    req->state_free = state_free;
    if (serve_vast_params(req, &st->p) != 0)
        return 0;
    if (need_campaign && st->p.campaign_id == NULL)
        return reply_validation(req, "campaign_id", "campaign_id is required");
    rc = serving_begin(sv, &st->p, &st->p.pod, &hold, 1, 1, &st->r);
    if (rc == SERVING_CAPS) {
        /* Suspend first: the wake may come before serving_caps_submit() returns. */
        http_server_suspend(req, on_resumed);
        serving_caps_submit(sv, &st->r, on_caps, req);
        return 0;
    }
    return render(req, st, rc == SERVING_READY);
}

int serve_vast_get(struct request *req)
{
    return answer(req, "vast", 0);
}

int serve_vast_campaign(struct request *req)
{
    return answer(req, "api_vast", 1);
}
