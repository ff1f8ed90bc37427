/*
 * view_campaign: one campaign. Fields, stats, pacing (spend against the
 * even-pace ideal), creatives with their processing status, targeting and
 * caps, the third-party trackers added to every creative (how many URLs of
 * each kind), and the VAST/VMAP tags (y/Y copy them through OSC 52 and show
 * them). Under each creative, its rendition ladder (rung, state, measured
 * size and bitrate) or why processing failed, from the creative's media answer.
 *
 * The first load asks for the campaign, its stats, creatives, serving
 * settings and tags; after that only the campaign, stats and creatives are
 * asked again (what changes while an operator watches: spend, a creative
 * leaving "processing"), every 3 s while a creative is processing and every
 * 60 s otherwise; `r` reloads everything.
 */
#include "actions.h"
#include "chart.h"
#include "model.h"
#include "text.h"
#include "ui.h"
#include "lib/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum {
    TAG_CAMPAIGN = 1,
    TAG_STATS,
    TAG_CREATIVES,
    TAG_TARGETING,
    TAG_CAPS,
    TAG_PACING,
    TAG_VAST,
    TAG_TRACKERS,
    TAG_COUNT
};

static const char *const tag_member[TAG_COUNT] = {
    [TAG_CAMPAIGN] = "campaign", [TAG_STATS] = "stats",   [TAG_CREATIVES] = "creatives",
    [TAG_TARGETING] = "targeting", [TAG_CAPS] = "caps",   [TAG_PACING] = "pacing",
    [TAG_VAST] = NULL, /* the whole object */
    [TAG_TRACKERS] = "trackers",
};
static const char *const tag_path[TAG_COUNT] = {
    [TAG_CAMPAIGN] = "", [TAG_STATS] = "/stats", [TAG_CREATIVES] = "/creatives",
    [TAG_TARGETING] = "/targeting", [TAG_CAPS] = "/caps", [TAG_PACING] = "/pacing",
    [TAG_VAST] = "/vast-tag", [TAG_TRACKERS] = "/trackers",
};

/* Media answers (GET /api/v1/creatives/:id/media) are tagged MEDIA_TAG + the
 * creative's slot; at most MEDIA_MAX creatives show their renditions. */
#define MEDIA_TAG 100
#define MEDIA_MAX 32

struct detail {
    char id[64];
    json_t *data[TAG_COUNT];
    char media_id[MEDIA_MAX][40]; /* creative of each slot */
    json_t *media[MEDIA_MAX];     /* its last media answer, or NULL */
    int scroll;
    struct actions_pending act;
};

static void request(struct view *v, struct ui *ui, int tag)
{
    struct detail *s = v->state;
    char path[256];
    snprintf(path, sizeof path, "/api/v1/campaigns/%s%s", s->id, tag_path[tag]);
    ui_request(ui, v, tag, "GET", path, NULL);
}

static void detail_refresh(struct view *v, struct ui *ui)
{
    /* serving settings and tags change only through edits: asked on open and on `r` */
    request(v, ui, TAG_CAMPAIGN);
    request(v, ui, TAG_STATS);
    request(v, ui, TAG_CREATIVES);
}

static void detail_full(struct view *v, struct ui *ui)
{
    for (int t = TAG_CAMPAIGN; t < TAG_COUNT; t++)
        request(v, ui, t);
}

static int detail_open(struct view *v, struct ui *ui, void *arg)
{
    struct detail *s = xcalloc(1, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", (const char *)arg);
    v->state = s;
    snprintf(v->title, sizeof v->title, "Campaign");
    detail_full(v, ui);
    return 0;
}

static void detail_close(struct view *v)
{
    struct detail *s = v->state;
    for (int t = 0; t < TAG_COUNT; t++)
        json_decref(s->data[t]);
    for (int i = 0; i < MEDIA_MAX; i++)
        json_decref(s->media[i]);
    free(s);
}

/* Lines scroll: line() draws only what falls in the window. */
struct pen {
    WINDOW *w;
    int y;      /* logical line */
    int scroll;
    int lines, cols;
};

static int pen_row(struct pen *p)
{
    int row = p->y - p->scroll;
    return row >= 0 && row < p->lines ? row : -1;
}

__attribute__((format(printf, 4, 5))) static void line(struct pen *p, attr_t a, int x,
                                                        const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    int row = pen_row(p);
    if (row >= 0) {
        wattron(p->w, a);
        ui_put(p->w, row, x, buf, p->cols - x - 1, 0);
        wattroff(p->w, a);
    }
    p->y++;
}

/* A label in the header colour and a value on the same line. */
static void field(struct pen *p, struct ui *ui, const char *label, const char *value)
{
    int row = pen_row(p);
    if (row >= 0) {
        wattron(p->w, ui_attr(ui, UI_HEADER));
        ui_put(p->w, row, 1, label, 12, 1);
        wattroff(p->w, ui_attr(ui, UI_HEADER));
        ui_put(p->w, row, 14, value, p->cols - 15, 0);
    }
    p->y++;
}

/*
 * The campaign's third-party trackers as counts ("2 impression, 1 click,
 * 0 error, 3 event"): the URLs themselves are long and ctvctl shows them.
 */
static void draw_trackers(struct pen *p, struct ui *ui, const json_t *t)
{
    const json_t *ev = json_object_get(t, "events"), *x;
    size_t imp = json_array_size(json_object_get(t, "impression"));
    size_t click = json_array_size(json_object_get(t, "click"));
    size_t err = json_array_size(json_object_get(t, "error"));
    size_t events = 0;
    const char *k;
    char buf[160];

    json_object_foreach((json_t *)ev, k, x)
        events += json_array_size(x);
    if (imp + click + err + events == 0)
        snprintf(buf, sizeof buf, "none (third-party URLs added to every creative)");
    else
        snprintf(buf, sizeof buf, "%zu impression, %zu click, %zu error, %zu event URLs", imp,
                 click, err, events);
    field(p, ui, "Trackers", buf);
}

static void join_list(char *out, size_t outsz, const char *label, const json_t *arr)
{
    size_t len = strlen(out), i;
    const json_t *x;
    if (json_array_size(arr) == 0)
        return;
    int n = snprintf(out + len, outsz - len, "%s%s ", len ? "  " : "", label);
    if (n < 0 || (size_t)n >= outsz - len)
        return;
    len += (size_t)n;
    json_array_foreach(arr, i, x)
    {
        char num[32];
        const char *s = json_string_value(x);
        if (s == NULL) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(x));
            s = num;
        }
        n = snprintf(out + len, outsz - len, "%s%s", i ? "," : "", s);
        if (n < 0 || (size_t)n >= outsz - len)
            return;
        len += (size_t)n;
    }
}

static void draw_targeting(struct pen *p, struct ui *ui, const json_t *t)
{
    static const char *const lists[][2] = {
        {"countries", "countries"}, {"regions", "regions"}, {"dmas", "DMAs"},
        {"device_types", "devices"}, {"os", "OS"}, {"app_bundles", "apps"},
        {"content_genres", "genres"}, {"content_ratings", "ratings"},
        {"content_categories", "categories"}};
    char buf[1024] = "";
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        join_list(buf, sizeof buf, lists[i][1], json_object_get(t, lists[i][0]));
    const char *live = model_str(t, "livestream", "any");
    if (strcmp(live, "any") != 0) {
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%slivestream %s", len ? "  " : "", live);
    }
    if (json_array_size(json_object_get(t, "dayparts")) > 0) {
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s%zu dayparts", len ? "  " : "",
                 json_array_size(json_object_get(t, "dayparts")));
    }
    field(p, ui, "Targeting", buf[0] ? buf : "everyone (no targeting)");
}

/*
 * The rendition ladder of one creative under its line: each rung's state
 * (with measured size and bitrate once ready), or why processing failed.
 */
static void draw_renditions(struct pen *p, struct ui *ui, const json_t *media)
{
    char buf[1024] = "";
    size_t i, len = 0;
    const json_t *r;
    const char *why = model_str(media, "failure_reason", NULL);

    if (strcmp(model_str(media, "state", ""), "failed") == 0) {
        line(p, ui_attr(ui, UI_ERROR), 4, "failed: %s", why != NULL ? why : "unknown reason");
        return;
    }
    json_array_foreach(json_object_get(media, "renditions"), i, r)
    {
        const char *st = model_str(r, "state", "?");
        int n;

        if (strcmp(st, "ready") == 0)
            n = snprintf(buf + len, sizeof buf - len, "%s%s %.0fx%.0f %.0fk", len ? "  " : "",
                         model_str(r, "rung", "?"), model_num(r, "width", 0),
                         model_num(r, "height", 0), model_num(r, "bitrate_kbps", 0));
        else
            n = snprintf(buf + len, sizeof buf - len, "%s%s %s", len ? "  " : "",
                         model_str(r, "rung", "?"), st);
        if (n < 0 || (size_t)n >= sizeof buf - len)
            break;
        len += (size_t)n;
    }
    if (len > 0)
        line(p, A_NORMAL, 4, "renditions: %s", buf);
}

/* The media answer of creative id, if loaded. */
static const json_t *media_of(const struct detail *s, const char *id)
{
    for (int i = 0; id != NULL && i < MEDIA_MAX; i++)
        if (s->media[i] != NULL && strcmp(s->media_id[i], id) == 0)
            return s->media[i];
    return NULL;
}

/* Rungs of a media answer still pending or running. */
static int open_rungs(const json_t *media)
{
    size_t i;
    const json_t *r;
    int n = 0;

    json_array_foreach(json_object_get(media, "renditions"), i, r)
    {
        const char *st = model_str(r, "state", "");
        n += strcmp(st, "pending") == 0 || strcmp(st, "running") == 0;
    }
    return n;
}

/*
 * Ask for the media of creatives still processing or with renditions
 * still being made, and once for the others (their renditions no longer
 * change), in the slot of their index. Returns 1 when any is unfinished.
 */
static int request_media(struct view *v, struct ui *ui, const json_t *creatives)
{
    int unfinished = 0;
    struct detail *s = v->state;
    char path[256];
    size_t i;
    const json_t *x;

    json_array_foreach(creatives, i, x)
    {
        const char *id = model_str(x, "id", NULL);
        int processing = strcmp(model_str(x, "status", ""), "processing") == 0;

        if (i >= MEDIA_MAX || id == NULL || strlen(id) >= sizeof s->media_id[0])
            break;
        if (strcmp(s->media_id[i], id) == 0 && s->media[i] != NULL && !processing &&
            open_rungs(s->media[i]) == 0)
            continue;
        unfinished = 1;
        if (strcmp(s->media_id[i], id) != 0) {
            json_decref(s->media[i]);
            s->media[i] = NULL;
            snprintf(s->media_id[i], sizeof s->media_id[i], "%s", id);
        }
        snprintf(path, sizeof path, "/api/v1/creatives/%s/media", id);
        ui_request(ui, v, MEDIA_TAG + (int)i, "GET", path, NULL);
    }
    return unfinished;
}

/* detail_draw()'s sections, top to bottom; each writes its lines through the pen. */

/* Name, description, status with the price, and the flight dates. */
static void draw_overview(struct pen *p, struct ui *ui, const json_t *c, double now)
{
    char buf[1024], a[64];
    int utf8 = ui_utf8(ui);
    field(p, ui, "Name", model_str(c, "name", ""));
    const char *desc = model_str(c, "description", NULL);
    if (desc && desc[0])
        field(p, ui, "Description", desc);
    const char *pm = model_str(c, "pricing_model", "cpm");
    char rate_key[16];
    snprintf(rate_key, sizeof rate_key, "%s_rate", pm);
    double rate = model_num(c, rate_key, -1);
    model_money(a, sizeof a, rate);
    snprintf(buf, sizeof buf, "%-10s  pricing %s%s%s", model_str(c, "status", "?"), pm,
             rate >= 0 ? " " : "", rate >= 0 ? a : "");
    field(p, ui, "Status", buf);
    char d1[16], d2[16];
    model_date(d1, sizeof d1, model_str(c, "start_date", NULL));
    model_date(d2, sizeof d2, model_str(c, "end_date", NULL));
    double t0 = model_epoch(model_str(c, "start_date", NULL));
    double t1 = model_epoch(model_str(c, "end_date", NULL));
    snprintf(buf, sizeof buf, "%s %s %s  (%s)", d1, utf8 ? "\xe2\x86\x92" : "->", d2,
             now < t0 ? "not started" : now > t1 ? "ended" : "running");
    field(p, ui, "Flight", buf);
}

/* Budget used and pacing against the straight line from flight start to end. */
static void draw_budget(struct pen *p, struct ui *ui, const json_t *c, double now)
{
    char buf[1024], a[64], b[64], bar[512];
    int utf8 = ui_utf8(ui);
    double t0 = model_epoch(model_str(c, "start_date", NULL));
    double t1 = model_epoch(model_str(c, "end_date", NULL));
    double budget = model_num(c, "budget_total", 0), spent = model_num(c, "budget_spent", 0);
    int bw = p->cols - 14 - 40;
    if (bw > 40)
        bw = 40;
    if (bw < 10)
        bw = 10;
    chart_bar(bar, sizeof bar, budget > 0 ? spent / budget : 0, bw, utf8);
    model_money(a, sizeof a, budget);
    model_money(b, sizeof b, spent);
    snprintf(buf, sizeof buf, "%s %5.1f%%  %s of %s", bar, budget > 0 ? spent / budget * 100 : 0,
             b, a);
    field(p, ui, "Budget used", buf);
    double ideal = model_ideal_spend(budget, t0, t1, now);
    chart_pace(bar, sizeof bar, budget > 0 ? spent / budget : 0, budget > 0 ? ideal / budget : 0,
               bw, utf8);
    model_money(a, sizeof a, ideal);
    double diff = spent - ideal;
    model_money(b, sizeof b, diff < 0 ? -diff : diff);
    snprintf(buf, sizeof buf, "%s  ideal %s, %s %s", bar, a, diff < 0 ? "behind" : "ahead", b);
    field(p, ui, "Pacing", buf);
}

/* The totals line, when the stats have arrived. */
static void draw_stats(struct pen *p, struct ui *ui, const json_t *st)
{
    char buf[1024], i1[16], i2[16], i3[16];
    if (st == NULL)
        return;
    chart_human(i1, sizeof i1, model_num(st, "total_impressions", 0));
    chart_human(i2, sizeof i2, model_num(st, "total_clicks", 0));
    chart_human(i3, sizeof i3, model_num(st, "total_completions", 0));
    snprintf(buf, sizeof buf, "impr %s  clicks %s  completes %s  CTR %.2f%%  VCR %.2f%%", i1, i2,
             i3, model_num(st, "ctr", 0), model_num(st, "completion_rate", 0));
    field(p, ui, "Stats", buf);
}

/* Pacing mode, priority and weight, then the frequency caps, on one line. */
static void draw_serving(struct pen *p, struct ui *ui, const json_t *pc, const json_t *caps)
{
    static const char *const capk[][2] = {
        {"per_hour", "hour"}, {"per_day", "day"}, {"per_week", "week"}};
    char buf[1024] = "";
    int any = 0;
    if (pc == NULL && caps == NULL)
        return;
    if (pc)
        snprintf(buf, sizeof buf, "%s, %s, priority %.0f, weight %.0f", model_str(pc, "mode", "?"),
                 model_str(pc, "time_zone", "UTC"), model_num(pc, "priority", 0),
                 model_num(pc, "weight", 0));
    for (size_t i = 0; caps && i < 3; i++) {
        double n = model_num(caps, capk[i][0], -1);
        if (n < 0)
            continue;
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s%.0f/%s", any ? ", " : "; caps ", n, capk[i][1]);
        any = 1;
    }
    if (caps && !any) {
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "; no frequency caps");
    }
    field(p, ui, "Serving", buf);
}

/* The heading and one line per creative, coloured by its status. */
static void draw_creatives(struct pen *p, struct ui *ui, const struct detail *s, const json_t *cr)
{
    size_t i;
    const json_t *x;
    p->y++;
    line(p, ui_attr(ui, UI_HEADER), 1, "Creatives (%zu)%s", json_array_size(cr),
         json_array_size(cr) == 0 ? "  u uploads one" : "");
    json_array_foreach(cr, i, x)
    {
        const char *cs = model_str(x, "status", "?");
        char size[16];
        chart_human(size, sizeof size, model_num(x, "file_size", 0));
        attr_t at = strcmp(cs, "active") == 0   ? ui_attr(ui, UI_OK)
                    : strcmp(cs, "failed") == 0 ? ui_attr(ui, UI_ERROR)
                    : strcmp(cs, "processing") == 0 ? ui_attr(ui, UI_WARN)
                                                    : A_NORMAL;
        char name[256];
        text_fit(name, sizeof name, model_str(x, "name", ""), 28, 1, 1);
        double wd = model_num(x, "width", -1), ht = model_num(x, "height", -1);
        char dims[32] = "";
        if (wd > 0 && ht > 0)
            snprintf(dims, sizeof dims, "%.0fx%.0f", wd, ht);
        line(p, at, 2, "%s %-10s %3.0fs %-9s %-4s %sB", name, cs, model_num(x, "duration", 0),
             dims, model_str(x, "format", ""), size);
        if (media_of(s, model_str(x, "id", NULL)) != NULL)
            draw_renditions(p, ui, media_of(s, model_str(x, "id", NULL)));
    }
}

static void detail_draw(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols)
{
    struct detail *s = v->state;
    const json_t *c = s->data[TAG_CAMPAIGN];
    const json_t *vast = s->data[TAG_VAST];
    struct pen p = {w, 0, s->scroll, lines, cols};
    double now = (double)time(NULL);
    if (c == NULL) {
        line(&p, A_NORMAL, 2, "%s", v->stale ? "Could not load the campaign (r retries)." : "Loading...");
        return;
    }
    snprintf(v->title, sizeof v->title, "Campaign: %.100s", model_str(c, "name", ""));
    draw_overview(&p, ui, c, now);
    draw_budget(&p, ui, c, now);
    draw_stats(&p, ui, s->data[TAG_STATS]);
    draw_serving(&p, ui, s->data[TAG_PACING], s->data[TAG_CAPS]);
    if (s->data[TAG_TARGETING])
        draw_targeting(&p, ui, s->data[TAG_TARGETING]);
    if (s->data[TAG_TRACKERS])
        draw_trackers(&p, ui, s->data[TAG_TRACKERS]);
    if (vast) {
        field(&p, ui, "VAST tag", model_str(vast, "vast", "-"));
        field(&p, ui, "VMAP tag", model_str(vast, "vmap", "-"));
    }
    draw_creatives(&p, ui, s, s->data[TAG_CREATIVES]);
    if (s->scroll > 0 && p.y - s->scroll < lines / 2)
        s->scroll = p.y > lines ? p.y - lines : 0;
}

static void copy_tag(struct view *v, struct ui *ui, const char *which)
{
    struct detail *s = v->state;
    const char *tag = model_str(s->data[TAG_VAST], which, NULL);
    if (tag == NULL) {
        ui_error(ui, "no %s tag yet (r reloads)", which);
        return;
    }
    if (ui_clipboard(ui, tag) != 0)
        ui_error(ui, "could not write the tag to the terminal");
    char title[64];
    snprintf(title, sizeof title, "%s tag (copied to the clipboard via OSC 52)",
             strcmp(which, "vast") == 0 ? "VAST" : "VMAP");
    ui_popup(ui, title, tag);
}

static int detail_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    struct detail *s = v->state;
    if (!is_key && ch >= 0x80)
        return 0;
    enum keys_action a = keys_lookup((int)ch, KEYS_DETAIL);
    switch (a) {
    case ACT_UP:
        if (s->scroll > 0)
            s->scroll--;
        return 1;
    case ACT_DOWN:
        s->scroll++;
        return 1;
    case ACT_PAGE_UP:
        s->scroll = s->scroll > 10 ? s->scroll - 10 : 0;
        return 1;
    case ACT_PAGE_DOWN:
        s->scroll += 10;
        return 1;
    case ACT_TOP:
        s->scroll = 0;
        return 1;
    case ACT_REFRESH:
        detail_full(v, ui);
        return 1;
    case ACT_COPY_VAST:
        copy_tag(v, ui, "vast");
        return 1;
    case ACT_COPY_VMAP:
        copy_tag(v, ui, "vmap");
        return 1;
    case ACT_EDIT:
        if (s->data[TAG_CAMPAIGN])
            ui_push(ui, &view_edit_ops, s->data[TAG_CAMPAIGN]);
        return 1;
    case ACT_UPLOAD:
        ui_push(ui, &view_upload_ops, s->id);
        return 1;
    case ACT_LIVE:
        ui_push(ui, &view_live_ops, s->id);
        return 1;
    default:
        return actions_ask(ui, v, &s->act, a, s->data[TAG_CAMPAIGN]);
    }
}

static void detail_result(struct view *v, struct ui *ui, struct fetch_result *r)
{
    struct detail *s = v->state;
    if (r->kind != FETCH_DONE)
        return;
    if (r->tag == ACTIONS_TAG) {
        if (actions_result(ui, v, &s->act, r)) {
            if (s->act.action == ACT_DELETE_HARD) {
                ui_pop(ui);
                return;
            }
            /* a status change answers the new row: show it before the reload */
            json_t *row = json_object_get(r->json, "campaign");
            if (json_is_object(row)) {
                json_decref(s->data[TAG_CAMPAIGN]);
                s->data[TAG_CAMPAIGN] = json_incref(row);
            }
            detail_refresh(v, ui);
        }
        return;
    }
    if (r->tag >= MEDIA_TAG && r->tag < MEDIA_TAG + MEDIA_MAX) {
        /* a creative without media (made before processing existed) shows none */
        json_t *m = r->err == APICLIENT_OK ? json_object_get(r->json, "media") : NULL;
        if (json_is_object(m)) {
            json_decref(s->media[r->tag - MEDIA_TAG]);
            s->media[r->tag - MEDIA_TAG] = json_incref(m);
        }
        return;
    }
    if (r->tag <= 0 || r->tag >= TAG_COUNT)
        return;
    if (r->err != APICLIENT_OK) {
        /* settings endpoints are extras: a server without them is not an error */
        if (r->tag >= TAG_TARGETING && r->err == APICLIENT_ENOTFOUND && s->data[TAG_CAMPAIGN])
            return;
        ui_fail(ui, v, r, tag_member[r->tag] ? tag_member[r->tag] : "vast-tag");
        return;
    }
    json_t *val = tag_member[r->tag] ? json_object_get(r->json, tag_member[r->tag]) : r->json;
    if (val == NULL)
        return;
    json_decref(s->data[r->tag]);
    s->data[r->tag] = json_incref(val);
    if (r->tag == TAG_CREATIVES) {
        /*
         * Poll fast only while a creative is processing: the admin API's
         * default rate limit is 100 requests per 15 minutes per address.
         */
        int processing = 0;
        size_t i;
        const json_t *x;
        json_array_foreach(val, i, x)
        {
            if (strcmp(model_str(x, "status", ""), "processing") == 0)
                processing = 1;
        }
        /* renditions of an active creative still being made: a slower poll */
        int unfinished = request_media(v, ui, val);
        v->refresh_ms = processing ? 3000 : unfinished ? 15000 : 60000;
    }
}

const struct view_ops view_campaign_ops = {
    .name = "campaign",
    .keys_ctx = KEYS_DETAIL,
    .refresh_ms = 3000,
    .open = detail_open,
    .draw = detail_draw,
    .key = detail_key,
    .refresh = detail_refresh,
    .result = detail_result,
    .close = detail_close,
};
