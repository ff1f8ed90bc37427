/*
 * view_edit: create a campaign (POST) or edit one (PUT with only the
 * changed fields, since the API rejects an empty update and a PUT of
 * unchanged values would still bump updated_at).
 *
 * Nothing is validated here beyond what the keyboard allows: the API's
 * messages (format C, the first failure) are the rules operators know from
 * the web dashboard, and form_apply_errors() puts each one at its field.
 * A created campaign opens in its detail view, ready for a creative.
 */
#include "form.h"
#include "model.h"
#include "ui.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { TAG_SAVE = 1 };

static const char *const pricing_models[] = {"cpm", "cpc", "cpv", "flat", NULL};

static const struct form_field edit_fields[] = {
    {.label = "Name", .key = "name", .kind = FORM_TEXT},
    {.label = "Description", .key = "description", .kind = FORM_TEXT, .optional = 1},
    {.label = "Budget ($)", .key = "budget_total", .kind = FORM_NUMBER},
    {.label = "Start date", .key = "start_date", .kind = FORM_TEXT},
    {.label = "End date", .key = "end_date", .kind = FORM_TEXT},
    {.label = "Pricing", .key = "pricing_model", .kind = FORM_CHOICE, .choices = pricing_models},
    {.label = "CPM rate ($)", .key = "cpm_rate", .kind = FORM_NUMBER, .optional = 1},
    {.label = "CPC rate ($)", .key = "cpc_rate", .kind = FORM_NUMBER, .optional = 1},
    {.label = "CPV rate ($)", .key = "cpv_rate", .kind = FORM_NUMBER, .optional = 1},
};
#define NFIELDS (sizeof edit_fields / sizeof edit_fields[0])

struct edit {
    struct form form;
    char id[64]; /* "" when creating */
    int busy;
};

static void set_from(struct form *f, const json_t *c, const char *key, int is_date)
{
    int i = form_find(f, key);
    const json_t *v = json_object_get(c, key);
    char buf[64];
    const char *s = NULL;
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_number(v) && snprintf(buf, sizeof buf, "%g", json_number_value(v)) > 0)
        s = buf;
    if (s && is_date) {
        model_date(buf, sizeof buf, s);
        s = buf;
    }
    if (i >= 0)
        form_set(f, (size_t)i, s ? s : "", 1);
}

static int edit_open(struct view *v, struct ui *ui, void *arg)
{
    (void)ui;
    const json_t *c = arg;
    struct edit *s = xcalloc(1, sizeof *s);
    form_init(&s->form, edit_fields, NFIELDS);
    if (c) {
        snprintf(s->id, sizeof s->id, "%s", model_str(c, "id", ""));
        set_from(&s->form, c, "name", 0);
        set_from(&s->form, c, "description", 0);
        set_from(&s->form, c, "budget_total", 0);
        set_from(&s->form, c, "start_date", 1);
        set_from(&s->form, c, "end_date", 1);
        set_from(&s->form, c, "pricing_model", 0);
        set_from(&s->form, c, "cpm_rate", 0);
        set_from(&s->form, c, "cpc_rate", 0);
        set_from(&s->form, c, "cpv_rate", 0);
        snprintf(v->title, sizeof v->title, "Edit: %.100s", model_str(c, "name", ""));
    } else {
        /* a useful default flight: today for 30 days */
        char d[16];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(d, sizeof d, "%Y-%m-%d", &tm);
        form_set(&s->form, 3, d, 1);
        now += 30 * 86400;
        gmtime_r(&now, &tm);
        strftime(d, sizeof d, "%Y-%m-%d", &tm);
        form_set(&s->form, 4, d, 1);
        snprintf(v->title, sizeof v->title, "New campaign");
    }
    v->state = s;
    return 0;
}

static void edit_close(struct view *v)
{
    struct edit *s = v->state;
    form_release(&s->form);
    free(s);
}

static void edit_draw(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols)
{
    struct edit *s = v->state;
    (void)lines;
    int width = cols - 4 < 90 ? cols - 4 : 90;
    wattron(w, ui_attr(ui, UI_HEADER));
    ui_put(w, 0, 2, s->id[0] ? "Edit campaign (only changed fields are sent)" : "New campaign",
           width, 0);
    wattroff(w, ui_attr(ui, UI_HEADER));
    ui_put(w, 1, 2, "Dates: YYYY-MM-DD or ISO date-time. Pricing: Space or Left/Right.", width, 0);
    int used = form_draw(&s->form, w, 3, 2, 14, width, ui_attr(ui, UI_SELECTED),
                         ui_attr(ui, UI_ERROR));
    int y = 4 + used;
    if (s->form.message[0]) {
        wattron(w, ui_attr(ui, UI_ERROR));
        ui_put(w, y, 2, s->form.message, width, 0);
        wattroff(w, ui_attr(ui, UI_ERROR));
    } else if (s->busy) {
        ui_put(w, y, 2, "saving...", width, 0);
    }
    /* put the cursor back on the focused field: form_draw set it before the message */
    form_draw(&s->form, w, 3, 2, 14, width, ui_attr(ui, UI_SELECTED), ui_attr(ui, UI_ERROR));
}

static void submit(struct view *v, struct ui *ui)
{
    struct edit *s = v->state;
    char path[256];
    json_t *body = form_body(&s->form, s->id[0] != '\0');
    if (body == NULL) {
        ui_error(ui, "out of memory");
        return;
    }
    if (s->id[0] && json_object_size(body) == 0) {
        ui_message(ui, "nothing changed");
        json_decref(body);
        return;
    }
    form_clear_errors(&s->form);
    if (s->id[0]) {
        snprintf(path, sizeof path, "/api/v1/campaigns/%s", s->id);
        if (ui_request(ui, v, TAG_SAVE, "PUT", path, body) == 0)
            s->busy = 1;
    } else if (ui_request(ui, v, TAG_SAVE, "POST", "/api/v1/campaigns", body) == 0) {
        s->busy = 1;
    }
    json_decref(body);
}

static int edit_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    struct edit *s = v->state;
    int rc = form_key(&s->form, keys_lookup((int)ch, KEYS_FORM), is_key, ch);

    if (rc == FORM_SUBMIT) {
        submit(v, ui);
        return 1;
    }
    return rc;
}

static void edit_result(struct view *v, struct ui *ui, struct fetch_result *r)
{
    struct edit *s = v->state;
    if (r->kind != FETCH_DONE)
        return;
    s->busy = 0;
    if (r->err == APICLIENT_OK) {
        const json_t *c = json_object_get(r->json, "campaign");
        char id[64];
        snprintf(id, sizeof id, "%s", model_str(c, "id", s->id));
        int created = s->id[0] == '\0';
        ui_message(ui, "%s", model_str(r->json, "message", "saved"));
        ui_pop(ui); /* frees s */
        if (created && id[0])
            ui_push(ui, &view_campaign_ops, id);
        return;
    }
    if (r->err == APICLIENT_EVALIDATION && r->json) {
        form_apply_errors(&s->form, r->json);
        ui_error(ui, "the server refused the campaign: see the marked field");
        return;
    }
    ui_fail(ui, v, r, "save");
}

const struct view_ops view_edit_ops = {
    .name = "edit",
    .keys_ctx = KEYS_FORM,
    .open = edit_open,
    .draw = edit_draw,
    .key = edit_key,
    .result = edit_result,
    .close = edit_close,
};
