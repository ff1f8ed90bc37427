/*
 * view_dashboard: the first screen. KPIs (campaigns by status, budget and
 * spend, impressions, clicks, CTR, completion rate), daily impressions and
 * spend charts, and the top campaigns (Enter opens one).
 *
 * GET /api/v1/analytics/summary has everything but drafts (it counts
 * active, paused and completed), so GET /api/v1/campaigns supplies the
 * per-status counts.
 */
#include "chart.h"
#include "client/clientcfg.h"
#include "model.h"
#include "ui.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <string.h>

enum { TAG_SUMMARY = 1, TAG_CAMPAIGNS };
#define DAYS_MAX 400

struct dash {
    json_t *summary;
    json_t *campaigns;
    size_t sel;
};

static void dash_refresh(struct view *v, struct ui *ui)
{
    ui_request(ui, v, TAG_SUMMARY, "GET", "/api/v1/analytics/summary", NULL);
    ui_request(ui, v, TAG_CAMPAIGNS, "GET", "/api/v1/campaigns", NULL);
}

static int dash_open(struct view *v, struct ui *ui, void *arg)
{
    (void)arg;
    v->state = xcalloc(1, sizeof(struct dash));
    snprintf(v->title, sizeof v->title, "Dashboard");
    if (ui_cfg(ui)->access_token)
        dash_refresh(v, ui);
    return 0;
}

static void dash_close(struct view *v)
{
    struct dash *s = v->state;
    json_decref(s->summary);
    json_decref(s->campaigns);
    free(s);
}

static void header(WINDOW *w, struct ui *ui, int y, const char *text, int cols)
{
    wattron(w, ui_attr(ui, UI_HEADER));
    ui_put(w, y, 1, text, cols - 2, 0);
    wattroff(w, ui_attr(ui, UI_HEADER));
}

static void dash_draw(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols)
{
    struct dash *s = v->state;
    const json_t *sum = json_object_get(s->summary, "summary");
    char buf[4096], a[32], b[32], c[32], bar[512];
    int utf8 = ui_utf8(ui);
    int y = 0;
    if (sum == NULL) {
        ui_put(w, 1, 2, v->stale ? "Could not load the dashboard (r retries)." : "Loading...",
               cols - 4, 0);
        return;
    }
    int counts[4] = {0, 0, 0, 0};
    static const char *const st[4] = {"draft", "active", "paused", "completed"};
    size_t i;
    const json_t *x;
    json_array_foreach(s->campaigns, i, x)
    {
        for (int k = 0; k < 4; k++)
            if (strcmp(model_str(x, "status", ""), st[k]) == 0)
                counts[k]++;
    }
    snprintf(buf, sizeof buf, "Campaigns    %.0f total: %d active, %d paused, %d draft, %d completed",
             model_num(sum, "totalCampaigns", 0), counts[1], counts[2], counts[0], counts[3]);
    ui_put(w, y++, 1, buf, cols - 2, 0);
    double budget = model_num(sum, "totalBudget", 0), spent = model_num(sum, "totalSpent", 0);
    model_money(a, sizeof a, budget);
    model_money(b, sizeof b, spent);
    model_money(c, sizeof c, model_num(sum, "budgetRemaining", 0));
    chart_bar(bar, sizeof bar, budget > 0 ? spent / budget : 0, 12, utf8);
    snprintf(buf, sizeof buf, "Budget       %s / %s  %s  %.1f%% used, %s left", b, a, bar,
             model_num(sum, "budgetUtilization", 0), c);
    ui_put(w, y++, 1, buf, cols - 2, 0);
    chart_human(a, sizeof a, model_num(sum, "totalImpressions", 0));
    chart_human(b, sizeof b, model_num(sum, "totalClicks", 0));
    chart_human(c, sizeof c, model_num(sum, "totalCompletions", 0));
    snprintf(buf, sizeof buf, "Delivery     %s impr  %s clicks  CTR %.2f%%  %s completes  VCR %.2f%%", a,
             b, model_num(sum, "ctr", 0), c, model_num(sum, "completionRate", 0));
    ui_put(w, y++, 1, buf, cols - 2, 0);
    y++;

    const json_t *ts = json_object_get(s->summary, "timeSeries");
    static double impr[DAYS_MAX], spend[DAYS_MAX];
    size_t n = 0;
    json_array_foreach(ts, i, x)
    {
        if (n >= DAYS_MAX)
            break;
        impr[n] = model_num(x, "impressions", 0);
        spend[n] = model_num(x, "spend", 0);
        n++;
    }
    int width = cols - 26;
    if (n == 0) {
        header(w, ui, y++, "Daily impressions and spend: no delivery yet", cols);
    } else {
        char d1[16], d2[16];
        model_date(d1, sizeof d1, model_str(json_array_get(ts, n > (size_t)width ? n - (size_t)width : 0), "date", NULL));
        model_date(d2, sizeof d2, model_str(json_array_get(ts, n - 1), "date", NULL));
        snprintf(buf, sizeof buf, "Daily, %s to %s", d1, d2);
        header(w, ui, y++, buf, cols);
        chart_sparkline(bar, sizeof bar, impr, n, width, 0, utf8);
        chart_human(a, sizeof a, impr[n - 1]);
        snprintf(buf, sizeof buf, "impressions %s %s", bar, a);
        wattron(w, ui_attr(ui, UI_CHART));
        ui_put(w, y++, 3, buf, cols - 4, 0);
        wattroff(w, ui_attr(ui, UI_CHART));
        chart_sparkline(bar, sizeof bar, spend, n, width, 0, utf8);
        model_money(a, sizeof a, spend[n - 1]);
        snprintf(buf, sizeof buf, "spend       %s %s", bar, a);
        wattron(w, ui_attr(ui, UI_CHART2));
        ui_put(w, y++, 3, buf, cols - 4, 0);
        wattroff(w, ui_attr(ui, UI_CHART2));
    }
    y++;
    const json_t *top = json_object_get(s->summary, "topCampaigns");
    header(w, ui, y++, "Top campaigns                         status      impr.    spend    CTR", cols);
    if (json_array_size(top) == 0)
        ui_put(w, y++, 3, "none yet: n creates a campaign, 2 lists them", cols - 4, 0);
    if (s->sel >= json_array_size(top))
        s->sel = json_array_size(top) ? json_array_size(top) - 1 : 0;
    json_array_foreach(top, i, x)
    {
        if (y >= lines)
            break;
        char name[256];
        snprintf(name, sizeof name, "%s", model_str(x, "name", ""));
        chart_human(a, sizeof a, model_num(x, "impressions", 0));
        model_money(b, sizeof b, model_num(x, "spend", 0));
        int selected = i == s->sel;
        if (selected) {
            wattron(w, ui_attr(ui, UI_SELECTED));
            mvwhline(w, y, 0, ' ', cols);
        }
        ui_put(w, y, 3, name, 35, 1);
        snprintf(buf, sizeof buf, "%-10s %6s %10s %5.2f%%", model_str(x, "status", ""), a, b,
                 model_num(x, "ctr", 0));
        ui_put(w, y, 39, buf, cols - 40, 0);
        if (selected)
            wattroff(w, ui_attr(ui, UI_SELECTED));
        y++;
    }
}

static int dash_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    struct dash *s = v->state;
    if (!is_key && ch >= 0x80)
        return 0;
    const json_t *top = json_object_get(s->summary, "topCampaigns");
    switch (keys_lookup((int)ch, KEYS_DASH)) {
    case ACT_UP:
        if (s->sel > 0)
            s->sel--;
        return 1;
    case ACT_DOWN:
        if (s->sel + 1 < json_array_size(top))
            s->sel++;
        return 1;
    case ACT_OPEN: {
        const json_t *c = json_array_get(top, s->sel);
        if (c)
            ui_push(ui, &view_campaign_ops, (void *)model_str(c, "id", ""));
        return 1;
    }
    case ACT_NEW:
        ui_push(ui, &view_edit_ops, NULL);
        return 1;
    default:
        return 0;
    }
}

static void dash_result(struct view *v, struct ui *ui, struct fetch_result *r)
{
    struct dash *s = v->state;
    if (r->kind != FETCH_DONE)
        return;
    if (r->err != APICLIENT_OK) {
        ui_fail(ui, v, r, r->tag == TAG_SUMMARY ? "analytics" : "campaigns");
        return;
    }
    json_t **slot = r->tag == TAG_SUMMARY ? &s->summary : &s->campaigns;
    json_t *val = r->tag == TAG_SUMMARY ? r->json : json_object_get(r->json, "campaigns");
    json_decref(*slot);
    *slot = json_incref(val);
}

const struct view_ops view_dashboard_ops = {
    .name = "dashboard",
    .keys_ctx = KEYS_DASH,
    .refresh_ms = 60000,
    .open = dash_open,
    .draw = dash_draw,
    .key = dash_key,
    .refresh = dash_refresh,
    .result = dash_result,
    .close = dash_close,
};
