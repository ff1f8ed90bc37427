/*
 * serve_vmap: see serve_vmap.h.
 */
#include "ad/serve_vmap.h"
#include "decision/adparams.h"
#include "core/app.h"
#include "lib/buf.h"
#include "lib/hexcode.h"
#include "lib/log.h"
#include "http/http_server.h"
#include "http/reply.h"
#include "http/request.h"
#include "ad/serve_vast.h"
#include "decision/serving.h"
#include "vast/vmap.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VMAP_OUT_MAX (4 * 1024 * 1024)
#define TAG_MAX 8192
#define HOLD_MS (15 * 60 * 1000)

/* Parameters that shape the playlist, not a break: left out of AdTagURIs. */
static int vmap_only(const char *key)
{
    static const char *const keys[] = {"preroll", "postroll", "midrolls", "midroll_every",
                                       "break_source"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i], key) == 0)
            return 1;
    return 0;
}

static int copy_arg(void *ctx, const char *key, const char *value)
{
    struct buf *b = ctx;

    if (key == NULL || vmap_only(key))
        return 0;
    if (buf_putc(b, '&') != 0 || pct_encode_buf(b, key, 0) != 0)
        return 1;
    if (value != NULL && (buf_putc(b, '=') != 0 || pct_encode_buf(b, value, 0) != 0))
        return 1;
    return 0;
}

/* The AdTagURI of a break: /vast with the request's own parameters. */
static char *tag_uri(struct request *req, const char *base, const char *break_id)
{
    struct buf b;

    buf_init(&b, TAG_MAX);
    if (buf_printf(&b, "%s/vast?break=%s", base, break_id) != 0 ||
        request_query_each(req, copy_arg, &b) != 0 || buf_putc(&b, '\0') != 0) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

static void keep_str(struct serving_strings *s, char *str)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = str;
}

/* A /vmap request between its decision and its answer; lives in req->state. */
struct vmap_state {
    struct adparams p;
    struct serving_result r;
    int decided; /* r holds a decision (serving_done() owed) */
    struct vmap_break breaks[SERVING_MAX_BREAKS];
    char ids[SERVING_MAX_BREAKS][24];
    size_t nb;
};

static void state_free(void *state)
{
    free(state);
}

/* Render the playlist (AdTagURIs, or the decided breaks inline) and reply. */
static int render(struct request *req, struct vmap_state *st)
{
    struct serving *sv = req->app->serving;
    struct serving_result *r = st->decided ? &st->r : NULL;
    struct serving_strings strs = {0};
    struct buf out;
    char err[256];
    size_t total = 0;
    int rc = -1;

    buf_init(&out, VMAP_OUT_MAX);
    if (st->nb > 0 && st->p.source == ADPARAMS_SOURCE_TAG) {
        for (size_t b = 0; b < st->nb; b++) {
            char *u = tag_uri(req, st->p.base, st->ids[b]);
            if (u == NULL) {
                rc = reply_validation(req, "query", "query string too long for an ad tag");
                goto done;
            }
            keep_str(&strs, u);
            st->breaks[b].ad_tag_uri = u;
        }
    } else if (r != NULL) {
        /* Fragments pre-rendered with the snapshot first; else the libxml2 tree. */
        int spliced = serving_render_vmap(sv, r, &st->p, st->breaks, &out, &strs, &total);
        if (spliced == 0)
            goto reply;
        if (spliced < 0) {
            rc = reply_internal(req, 500, "render failed");
            goto done;
        }
        for (size_t b = 0; b < st->nb; b++) {
            struct vast_ad *ads = xcalloc(DECISION_MAX_ADS, sizeof(*ads));
            size_t n = 0;
            keep_str(&strs, (char *)ads);
            if (serving_ads(sv, r, &st->p, b, ads, &n, &strs) != 0) {
                rc = reply_internal(req, 500, "render failed");
                goto done;
            }
            st->breaks[b].ads = ads;
            st->breaks[b].n_ads = n;
            total += n;
            if (n == 0)
                st->breaks[b].nofill_error_url = serving_nofill_url(sv, r, &strs);
        }
    }
    if (vmap_render(st->breaks, st->nb, &out, err, sizeof(err)) != 0) {
        log_error("vmap render failed", "error", err);
        rc = reply_internal(req, 500, "render failed");
        goto done;
    }
reply:
    if (r != NULL && total == 0)
        (void)request_add_header(req, "X-Adserverd-No-Fill", r->breaks[0].no_fill);
    (void)request_add_header(req, "Cache-Control", "no-store");
    rc = reply_data(req, 200, "application/xml; charset=utf-8", out.data, out.len);
done:
    if (r != NULL) {
        serving_count(sv, "vmap", total, total == 0 ? r->breaks[0].no_fill : NULL);
        req->after_state = serving_done(sv, r);
        req->after = serving_after;
    }
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
    struct vmap_state *st = req->state;

    if (serving_continue(req->app->serving, &st->r) != 0) {
        log_error("ad decision failed", "route", "vmap");
        req->after_state = serving_done(req->app->serving, &st->r);
        req->after = serving_after;
        st->decided = 0;
        return reply_internal(req, 500, "decision failed");
    }
    return render(req, st);
}

int serve_vmap_get(struct request *req)
{
    struct serving *sv = req->app->serving;
    struct vmap_state *st = xcalloc(1, sizeof(*st));
    struct adparams *p = &st->p;
    struct decision_pod pods[SERVING_MAX_BREAKS];
    int64_t hold[SERVING_MAX_BREAKS];
    size_t nb = 0;
    int rc;

    req->state = st;
    req->state_free = state_free;
    if (serve_vast_params(req, p) != 0)
        return 0;
    if (p->preroll) {
        st->breaks[nb].offset = VMAP_OFFSET_START;
        snprintf(st->ids[nb], sizeof(st->ids[nb]), "preroll");
        hold[nb] = HOLD_MS;
        nb++;
    }
    for (uint32_t i = 0; i < p->n_midrolls; i++) {
        st->breaks[nb].offset = VMAP_OFFSET_TIME;
        st->breaks[nb].offset_ms = p->midrolls[i] * 1000u;
        snprintf(st->ids[nb], sizeof(st->ids[nb]), "midroll-%u", i + 1);
        hold[nb] = HOLD_MS + (int64_t)p->midrolls[i] * 1000;
        nb++;
    }
    if (p->postroll) {
        st->breaks[nb].offset = VMAP_OFFSET_END;
        snprintf(st->ids[nb], sizeof(st->ids[nb]), "postroll");
        hold[nb] = HOLD_MS + (int64_t)p->content_duration * 1000;
        nb++;
    }
    st->nb = nb;
    for (size_t b = 0; b < nb; b++) {
        st->breaks[b].break_id = st->ids[b];
        pods[b] = p->pod;
    }
    if (nb == 0 || p->source == ADPARAMS_SOURCE_TAG)
        return render(req, st);
    /* Every break in one decision: one reserve call for the whole playlist. */
    rc = serving_begin(sv, p, pods, hold, nb, 1, &st->r);
    st->decided = 1;
    if (rc < 0) {
        log_error("ad decision failed", "route", "vmap");
        req->after_state = serving_done(sv, &st->r);
        req->after = serving_after;
        st->decided = 0;
        return reply_internal(req, 500, "decision failed");
    }
    if (rc == SERVING_CAPS) {
        http_server_suspend(req, on_resumed); /* before the submit: the wake may come first */
        serving_caps_submit(sv, &st->r, on_caps, req);
        return 0;
    }
    return render(req, st);
}
