/*
 * view_live: live statistics of one campaign, refreshed every 3 s.
 *
 * GET /api/v1/campaigns/:id/series?minutes=N feeds three charts: impressions
 * per minute, spend per minute against the pacing target, and the
 * completion funnel (impressions, starts, completes, clicks) over the
 * window. N follows the terminal width (one column per minute, 10..60), so
 * the newest minute is always the rightmost column.
 */
#include "chart.h"
#include "model.h"
#include "ui.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { TAG_SERIES = 1, TAG_CAMPAIGN };
#define SERIES_MAX 1440

struct live {
    char id[64];
    char name[256];
    int minutes;    /* window asked for */
    json_t *points; /* last answer's array */
    char updated[16];
    int refreshes;
};

static int window_minutes(int cols)
{
    int m = cols - 14;
    return m < 10 ? 10 : m > 60 ? 60 : m;
}

static void live_refresh(struct view *v, struct ui *ui)
{
    struct live *s = v->state;
    char path[256];
    s->minutes = window_minutes(COLS);
    snprintf(path, sizeof path, "/api/v1/campaigns/%s/series?minutes=%d", s->id, s->minutes);
    ui_request(ui, v, TAG_SERIES, "GET", path, NULL);
}

static int live_open(struct view *v, struct ui *ui, void *arg)
{
    struct live *s = xcalloc(1, sizeof *s);
    char path[256];
    snprintf(s->id, sizeof s->id, "%s", (const char *)arg);
    v->state = s;
    snprintf(v->title, sizeof v->title, "Live");
    snprintf(path, sizeof path, "/api/v1/campaigns/%s", s->id);
    ui_request(ui, v, TAG_CAMPAIGN, "GET", path, NULL);
    live_refresh(v, ui);
    return 0;
}

static void live_close(struct view *v)
{
    struct live *s = v->state;
    json_decref(s->points);
    free(s);
}

/* Copy one member of every point into out (at most max values). */
static size_t series(const json_t *points, const char *key, double scale, double *out, size_t max)
{
    size_t i, n = 0;
    const json_t *p;
    json_array_foreach(points, i, p)
    {
        if (n >= max)
            break;
        out[n++] = model_num(p, key, 0) * scale;
    }
    return n;
}

static double sum(const double *v, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; i++)
        t += v[i];
    return t;
}

static double maxv(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

/* Draw a multi-line chart string at y, x; returns lines drawn. */
static int put_block(WINDOW *w, int y, int x, const char *text, int cols, attr_t a)
{
    int n = 0;
    const char *p = text;
    wattron(w, a);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[4096];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        ui_put(w, y + n, x, line, cols, 0);
        n++;
        p += len + (nl ? 1 : 0);
        if (!nl)
            break;
    }
    wattroff(w, a);
    return n;
}

static void live_draw(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols)
{
    struct live *s = v->state;
    static double impr[SERIES_MAX], spend[SERIES_MAX], target[SERIES_MAX];
    double totals[4];
    static const char *const funnel_labels[] = {"Impressions", "Starts", "Completes", "Clicks"};
    char buf[8192], a[32], b[32];
    int utf8 = ui_utf8(ui);
    snprintf(v->title, sizeof v->title, "Live: %.100s", s->name[0] ? s->name : s->id);
    snprintf(buf, sizeof buf, "last %d min, one column per minute; every 3 s%s%s", s->minutes,
             s->updated[0] ? "; updated " : "", s->updated);
    wattron(w, ui_attr(ui, UI_DIM));
    ui_put(w, 0, 1, buf, cols - 2, 0);
    wattroff(w, ui_attr(ui, UI_DIM));
    if (s->points == NULL) {
        ui_put(w, 2, 2, v->stale ? "No series yet (r retries)." : "Loading...", cols - 4, 0);
        return;
    }
    size_t n = series(s->points, "impressions", 1, impr, SERIES_MAX);
    series(s->points, "spend_micros", 1e-6, spend, SERIES_MAX);
    series(s->points, "pacing_target_micros", 1e-6, target, SERIES_MAX);
    model_target_steps(target, n);
    double tmp[SERIES_MAX];
    totals[0] = sum(impr, n);
    totals[1] = sum(tmp, series(s->points, "starts", 1, tmp, SERIES_MAX));
    totals[2] = sum(tmp, series(s->points, "completes", 1, tmp, SERIES_MAX));
    totals[3] = sum(tmp, series(s->points, "clicks", 1, tmp, SERIES_MAX));

    /* heights: share what the terminal has (80x24 leaves 21 body lines) */
    int avail = lines - 1 - 3 - 5; /* header, 3 titles, funnel */
    int h1 = avail / 2 > 8 ? 8 : avail / 2, h2 = avail - h1 > 6 ? 6 : avail - h1;
    if (h1 < 2)
        h1 = 2;
    if (h2 < 2)
        h2 = 2;
    int width = cols - 14;
    int y = 1;
    chart_human(a, sizeof a, totals[0]);
    chart_human(b, sizeof b, maxv(impr, n));
    snprintf(buf, sizeof buf, "Impressions/min   total %s, peak %s/min, now %.0f/min", a, b,
             n ? impr[n - 1] : 0);
    wattron(w, ui_attr(ui, UI_HEADER));
    ui_put(w, y++, 1, buf, cols - 2, 0);
    wattroff(w, ui_attr(ui, UI_HEADER));
    chart_columns(buf, sizeof buf, impr, NULL, n, width, h1, 0, utf8);
    snprintf(a, sizeof a, "%8.0f", maxv(impr, n));
    ui_put(w, y, 1, a, 9, 0);
    y += put_block(w, y, 11, buf, width, ui_attr(ui, UI_CHART));

    char m1[32], m2[32];
    model_money(m1, sizeof m1, sum(spend, n));
    model_money(m2, sizeof m2, sum(target, n));
    snprintf(buf, sizeof buf, "Spend/min vs even-pace target %s  spent %s, target %s",
             utf8 ? "(\xe2\x94\x80)" : "(-)", m1, m2);
    wattron(w, ui_attr(ui, UI_HEADER));
    ui_put(w, y++, 1, buf, cols - 2, 0);
    wattroff(w, ui_attr(ui, UI_HEADER));
    double top = maxv(spend, n) > maxv(target, n) ? maxv(spend, n) : maxv(target, n);
    chart_columns(buf, sizeof buf, spend, target, n, width, h2, 0, utf8);
    snprintf(a, sizeof a, "$%7.2f", top);
    ui_put(w, y, 1, a, 9, 0);
    y += put_block(w, y, 11, buf, width, ui_attr(ui, UI_CHART2));

    wattron(w, ui_attr(ui, UI_HEADER));
    ui_put(w, y++, 1, "Completion funnel (window)", cols - 2, 0);
    wattroff(w, ui_attr(ui, UI_HEADER));
    int bar_w = cols - 2 - 12 - 14 - 2;
    if (bar_w > 50)
        bar_w = 50;
    chart_funnel(buf, sizeof buf, funnel_labels, totals, 4, 11, bar_w, utf8);
    if (y < lines)
        put_block(w, y, 2, buf, cols - 3, ui_attr(ui, UI_OK));
}

static int live_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    (void)v;
    (void)ui;
    (void)is_key;
    (void)ch;
    return 0; /* everything comes from the key table: r, q, ? */
}

static void live_result(struct view *v, struct ui *ui, struct fetch_result *r)
{
    struct live *s = v->state;
    if (r->kind != FETCH_DONE)
        return;
    if (r->tag == TAG_CAMPAIGN) {
        if (r->err == APICLIENT_OK)
            snprintf(s->name, sizeof s->name, "%s",
                     model_str(json_object_get(r->json, "campaign"), "name", ""));
        return;
    }
    if (r->err != APICLIENT_OK) {
        v->stale = 1;
        if (r->err == APICLIENT_ENOTFOUND && s->name[0])
            ui_error(ui, "series: this server has no per-minute series (%s)", r->message);
        else
            ui_fail(ui, v, r, "series");
        return;
    }
    json_t *pts = json_object_get(r->json, "points");
    if (!json_is_array(pts)) {
        ui_error(ui, "series: unexpected answer");
        return;
    }
    json_decref(s->points);
    s->points = json_incref(pts);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(s->updated, sizeof s->updated, "%H:%M:%S", &tm);
    s->refreshes++;
}

const struct view_ops view_live_ops = {
    .name = "live",
    .keys_ctx = KEYS_LIVE,
    .refresh_ms = 3000,
    .open = live_open,
    .draw = live_draw,
    .key = live_key,
    .refresh = live_refresh,
    .result = live_result,
    .close = live_close,
};
