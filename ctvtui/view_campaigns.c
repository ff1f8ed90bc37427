/*
 * view_campaigns: the campaign list. Sortable columns, `/` name filter,
 * `f` status filter, a budget-used bar per row; Enter opens a campaign.
 *
 * GET /api/v1/campaigns returns every campaign of the caller (the contract
 * applies no paging), so sorting and filtering happen here on the cached
 * array: instant, and no request per key press. The selection follows the
 * campaign id across reloads, so a refresh never jumps the cursor.
 */
#include "actions.h"
#include "chart.h"
#include "model.h"
#include "text.h"
#include "ui.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

enum { TAG_LIST = 1 };

enum col { COL_NAME, COL_STATUS, COL_BUDGET, COL_SPENT, COL_USED, COL_IMPR, COL_END, COL_COUNT };
static const char *const col_names[COL_COUNT] = {"Name",  "Status", "Budget", "Spent",
                                                 "Used",  "Impr.",  "Ends"};
static const char *const status_filters[] = {NULL, "draft", "active", "paused", "completed"};
#define NSTATUS (sizeof status_filters / sizeof status_filters[0])

struct list {
    json_t *campaigns; /* the array of the last answer */
    size_t *rows;      /* indices into campaigns after filter and sort */
    size_t nrows;
    size_t sel, top;
    enum col sort;
    int desc;
    char filter[256];
    int filtering;     /* typing into the filter */
    size_t status;     /* index into status_filters */
    char keep_id[64];  /* id to re-select after a reload */
    struct actions_pending act;
    int page;          /* rows per page at the last draw */
};

static const json_t *row_at(const struct list *s, size_t i)
{
    return i < s->nrows ? json_array_get(s->campaigns, s->rows[i]) : NULL;
}

static double used_frac(const json_t *c)
{
    double total = model_num(c, "budget_total", 0);
    return total > 0 ? model_num(c, "budget_spent", 0) / total : 0;
}

/* qsort has no context pointer; the list is sorted on the UI thread only */
static const struct list *sort_list;

static int cmp_rows(const void *a, const void *b)
{
    const json_t *x = json_array_get(sort_list->campaigns, *(const size_t *)a);
    const json_t *y = json_array_get(sort_list->campaigns, *(const size_t *)b);
    int r = 0;
    double dx = 0, dy = 0;
    switch (sort_list->sort) {
    case COL_NAME:
        r = strcoll(model_str(x, "name", ""), model_str(y, "name", ""));
        break;
    case COL_STATUS:
        r = strcmp(model_str(x, "status", ""), model_str(y, "status", ""));
        break;
    case COL_END:
        r = strcmp(model_str(x, "end_date", ""), model_str(y, "end_date", ""));
        break;
    case COL_BUDGET:
        dx = model_num(x, "budget_total", 0), dy = model_num(y, "budget_total", 0);
        break;
    case COL_SPENT:
        dx = model_num(x, "budget_spent", 0), dy = model_num(y, "budget_spent", 0);
        break;
    case COL_USED:
        dx = used_frac(x), dy = used_frac(y);
        break;
    case COL_IMPR:
        dx = model_num(x, "total_impressions", 0), dy = model_num(y, "total_impressions", 0);
        break;
    default:
        break;
    }
    if (r == 0)
        r = dx < dy ? -1 : dx > dy ? 1 : 0;
    if (r == 0) /* stable: newest first, as the API sends them */
        r = *(const size_t *)a < *(const size_t *)b ? -1 : 1;
    return sort_list->desc ? -r : r;
}

static void rebuild(struct list *s)
{
    const json_t *cur = row_at(s, s->sel);
    char keep[64];
    snprintf(keep, sizeof keep, "%s", s->keep_id[0] ? s->keep_id : model_str(cur, "id", ""));
    free(s->rows);
    s->rows = NULL;
    s->nrows = 0;
    size_t n = json_array_size(s->campaigns);
    if (n == 0)
        return;
    s->rows = xcalloc(n, sizeof *s->rows);
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(s->campaigns, i);
        const char *st = status_filters[s->status];
        if (st && strcmp(model_str(c, "status", ""), st) != 0)
            continue;
        if (!text_contains(model_str(c, "name", ""), s->filter))
            continue;
        s->rows[s->nrows++] = i;
    }
    sort_list = s;
    qsort(s->rows, s->nrows, sizeof *s->rows, cmp_rows);
    s->sel = 0;
    for (size_t i = 0; i < s->nrows; i++)
        if (strcmp(model_str(row_at(s, i), "id", ""), keep) == 0)
            s->sel = i;
    s->keep_id[0] = '\0';
}

static void list_refresh(struct view *v, struct ui *ui)
{
    ui_request(ui, v, TAG_LIST, "GET", "/api/v1/campaigns", NULL);
}

static int list_open(struct view *v, struct ui *ui, void *arg)
{
    (void)arg;
    struct list *s = xcalloc(1, sizeof *s);
    s->sort = COL_NAME;
    v->state = s;
    snprintf(v->title, sizeof v->title, "Campaigns");
    list_refresh(v, ui);
    return 0;
}

static void list_close(struct view *v)
{
    struct list *s = v->state;
    json_decref(s->campaigns);
    free(s->rows);
    free(s);
}

static attr_t status_attr(struct ui *ui, const char *st)
{
    if (strcmp(st, "active") == 0)
        return ui_attr(ui, UI_OK);
    if (strcmp(st, "paused") == 0)
        return ui_attr(ui, UI_WARN);
    if (strcmp(st, "completed") == 0)
        return ui_attr(ui, UI_DIM);
    return A_NORMAL;
}

static void list_draw(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols)
{
    struct list *s = v->state;
    int utf8 = ui_utf8(ui);
    int show_end = cols >= 100;
    int wstatus = 9, wbudget = 12, wspent = 12, wused = 14, wimpr = 6, wend = show_end ? 10 : 0;
    int wname = cols - 2 - (wstatus + wbudget + wspent + wused + wimpr + wend) - (show_end ? 6 : 5);
    if (wname < 8)
        wname = 8;
    int widths[COL_COUNT] = {wname, wstatus, wbudget, wspent, wused, wimpr, wend};
    char cell[1024], hdr[64];

    /* line 0: filters */
    snprintf(cell, sizeof cell, "%zu of %zu  status: %s  filter: %s%s", s->nrows,
             json_array_size(s->campaigns), status_filters[s->status] ? status_filters[s->status] : "all",
             s->filter[0] || s->filtering ? s->filter : "(none, / to filter)",
             s->filtering ? "_" : "");
    wattron(w, s->filtering ? ui_attr(ui, UI_WARN) : ui_attr(ui, UI_DIM));
    ui_put(w, 0, 1, cell, cols - 2, 0);
    wattroff(w, s->filtering ? ui_attr(ui, UI_WARN) : ui_attr(ui, UI_DIM));

    /* line 1: headers, the sort column marked */
    int x = 1;
    wattron(w, ui_attr(ui, UI_HEADER));
    for (int c = 0; c < COL_COUNT; c++) {
        if (widths[c] == 0)
            continue;
        snprintf(hdr, sizeof hdr, "%s%s", col_names[c],
                 (int)s->sort == c ? (s->desc ? (utf8 ? "\xe2\x96\xbc" : "v") : (utf8 ? "\xe2\x96\xb2" : "^")) : "");
        /* money and counts are right-aligned, and so are their headers */
        int right = c == COL_BUDGET || c == COL_SPENT || c == COL_IMPR;
        int pad = right ? widths[c] - text_width(hdr) : 0;
        ui_put(w, 1, x + (pad > 0 ? pad : 0), hdr, widths[c], !right);
        x += widths[c] + 1;
    }
    wattroff(w, ui_attr(ui, UI_HEADER));

    int page = lines - 2;
    s->page = page > 0 ? page : 1;
    if (s->sel < s->top)
        s->top = s->sel;
    if (s->sel >= s->top + (size_t)s->page)
        s->top = s->sel - (size_t)s->page + 1;
    if (s->nrows == 0) {
        ui_put(w, 3, 2,
               v->loaded_ms ? "No campaigns match. n creates one; f and / change the filters."
                            : "Loading campaigns...",
               cols - 4, 0);
        return;
    }
    for (int r = 0; r < page && s->top + (size_t)r < s->nrows; r++) {
        size_t i = s->top + (size_t)r;
        const json_t *c = row_at(s, i);
        int y = 2 + r;
        int selected = i == s->sel;
        if (selected) {
            wattron(w, ui_attr(ui, UI_SELECTED));
            mvwhline(w, y, 0, ' ', cols);
        }
        x = 1;
        text_fit(cell, sizeof cell, model_str(c, "name", ""), widths[COL_NAME], 1, 1);
        ui_put(w, y, x, cell, widths[COL_NAME], 1);
        x += widths[COL_NAME] + 1;
        const char *st = model_str(c, "status", "?");
        if (!selected)
            wattron(w, status_attr(ui, st));
        ui_put(w, y, x, st, wstatus, 1);
        if (!selected)
            wattroff(w, status_attr(ui, st));
        x += wstatus + 1;
        char money[64];
        model_money(money, sizeof money, model_num(c, "budget_total", 0));
        snprintf(cell, sizeof cell, "%*s", wbudget, money);
        ui_put(w, y, x, cell, wbudget, 1);
        x += wbudget + 1;
        model_money(money, sizeof money, model_num(c, "budget_spent", 0));
        snprintf(cell, sizeof cell, "%*s", wspent, money);
        ui_put(w, y, x, cell, wspent, 1);
        x += wspent + 1;
        double f = used_frac(c);
        char bar[256];
        chart_bar(bar, sizeof bar, f, wused - 5, utf8);
        snprintf(cell, sizeof cell, "%s%4.0f%%", bar, f * 100);
        if (!selected)
            wattron(w, ui_attr(ui, f >= 0.9 ? UI_ERROR : UI_CHART));
        ui_put(w, y, x, cell, wused, 1);
        if (!selected)
            wattroff(w, ui_attr(ui, f >= 0.9 ? UI_ERROR : UI_CHART));
        x += wused + 1;
        char num[16];
        chart_human(num, sizeof num, model_num(c, "total_impressions", 0));
        snprintf(cell, sizeof cell, "%*s", wimpr, num);
        ui_put(w, y, x, cell, wimpr, 1);
        x += wimpr + 1;
        if (show_end) {
            model_date(cell, sizeof cell, model_str(c, "end_date", NULL));
            ui_put(w, y, x, cell, wend, 1);
        }
        if (selected)
            wattroff(w, ui_attr(ui, UI_SELECTED));
    }
}

static int filter_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    struct list *s = v->state;
    (void)ui;
    if (!is_key && (ch == '\n' || ch == '\r')) {
        s->filtering = 0;
        return 1;
    }
    if (!is_key && ch == 27) {
        s->filtering = 0;
        s->filter[0] = '\0';
        rebuild(s);
        return 1;
    }
    size_t len = strlen(s->filter);
    if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8))) {
        len -= text_prev_len(s->filter, len);
        s->filter[len] = '\0';
        rebuild(s);
        return 1;
    }
    if (is_key || ch < 0x20)
        return 1; /* swallow navigation while typing */
    char mb[8];
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = wcrtomb(mb, (wchar_t)ch, &st);
    if (n != (size_t)-1 && len + n + 1 < sizeof s->filter) {
        memcpy(s->filter + len, mb, n);
        s->filter[len + n] = '\0';
        rebuild(s);
    }
    return 1;
}

static int list_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    struct list *s = v->state;
    if (s->filtering)
        return filter_key(v, ui, is_key, ch);
    if (!is_key && ch >= 0x80)
        return 0;
    enum keys_action a = keys_lookup((int)ch, KEYS_LIST);
    const json_t *cur = row_at(s, s->sel);
    char id[64];
    snprintf(id, sizeof id, "%s", model_str(cur, "id", ""));
    switch (a) {
    case ACT_UP:
        if (s->sel > 0)
            s->sel--;
        return 1;
    case ACT_DOWN:
        if (s->sel + 1 < s->nrows)
            s->sel++;
        return 1;
    case ACT_PAGE_UP:
        s->sel = s->sel > (size_t)s->page ? s->sel - (size_t)s->page : 0;
        return 1;
    case ACT_PAGE_DOWN:
        s->sel = s->sel + (size_t)s->page < s->nrows ? s->sel + (size_t)s->page
                                                      : (s->nrows ? s->nrows - 1 : 0);
        return 1;
    case ACT_TOP:
        s->sel = 0;
        return 1;
    case ACT_BOTTOM:
        s->sel = s->nrows ? s->nrows - 1 : 0;
        return 1;
    case ACT_SORT_NEXT:
    case ACT_RIGHT:
        s->sort = (enum col)((s->sort + 1) % COL_COUNT);
        rebuild(s);
        ui_message(ui, "sorted by %s", col_names[s->sort]);
        return 1;
    case ACT_LEFT:
        s->sort = (enum col)((s->sort + COL_COUNT - 1) % COL_COUNT);
        rebuild(s);
        ui_message(ui, "sorted by %s", col_names[s->sort]);
        return 1;
    case ACT_SORT_REVERSE:
        s->desc = !s->desc;
        rebuild(s);
        return 1;
    case ACT_FILTER:
        s->filtering = 1;
        return 1;
    case ACT_STATUS_FILTER:
        s->status = (s->status + 1) % NSTATUS;
        rebuild(s);
        return 1;
    case ACT_OPEN:
        if (cur)
            ui_push(ui, &view_campaign_ops, id);
        return 1;
    case ACT_LIVE:
        if (cur)
            ui_push(ui, &view_live_ops, id);
        return 1;
    case ACT_NEW:
        ui_push(ui, &view_edit_ops, NULL);
        return 1;
    case ACT_EDIT:
        if (cur)
            ui_push(ui, &view_edit_ops, (void *)cur);
        return 1;
    default:
        return actions_ask(ui, v, &s->act, a, cur);
    }
}

static void list_result(struct view *v, struct ui *ui, struct fetch_result *r)
{
    struct list *s = v->state;
    if (r->kind != FETCH_DONE)
        return;
    if (r->tag == ACTIONS_TAG) {
        if (actions_result(ui, v, &s->act, r)) {
            snprintf(s->keep_id, sizeof s->keep_id, "%s", s->act.id);
            list_refresh(v, ui);
        }
        return;
    }
    if (r->err != APICLIENT_OK) {
        ui_fail(ui, v, r, "campaigns");
        return;
    }
    json_t *arr = json_object_get(r->json, "campaigns");
    if (!json_is_array(arr)) {
        ui_error(ui, "campaigns: unexpected answer");
        return;
    }
    if (s->keep_id[0] == '\0')
        snprintf(s->keep_id, sizeof s->keep_id, "%s", model_str(row_at(s, s->sel), "id", ""));
    json_decref(s->campaigns);
    s->campaigns = json_incref(arr);
    rebuild(s);
}

const struct view_ops view_campaigns_ops = {
    .name = "campaigns",
    .keys_ctx = KEYS_LIST,
    .refresh_ms = 60000,
    .open = list_open,
    .draw = list_draw,
    .key = list_key,
    .refresh = list_refresh,
    .result = list_result,
    .close = list_close,
};
