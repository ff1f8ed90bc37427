/*
 * view_upload: upload a creative from a local path, then watch processing.
 *
 * Phases: the form (path with Tab completion, name, duration), the upload
 * (a progress bar fed by the worker's FETCH_PROGRESS results; Esc aborts
 * it), then processing: GET /api/v1/creatives/:id every second until the
 * status leaves "processing"; a failed creative also shows why, from
 * GET /api/v1/creatives/:id/media.
 */
#include "chart.h"
#include "form.h"
#include "model.h"
#include "pathcomp.h"
#include "text.h"
#include "ui.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { TAG_UPLOAD = 1, TAG_POLL, TAG_MEDIA };
enum { F_FILE, F_NAME, F_DURATION };
enum phase { PH_FORM, PH_UPLOADING, PH_PROCESSING, PH_DONE };

static const struct form_field upload_fields[] = {
    {.label = "File", .key = NULL, .kind = FORM_TEXT},
    {.label = "Name", .key = "name", .kind = FORM_TEXT},
    {.label = "Duration (s)", .key = "duration", .kind = FORM_NUMBER, .optional = 1},
};

struct upload {
    struct form form;
    char campaign[64];
    enum phase phase;
    uint64_t sent, total;
    int64_t started_ms;
    char creative[64];
    char status[32];
    char detail[512];
    struct pathcomp pc;
    int show_matches;
};

static int upload_open(struct view *v, struct ui *ui, void *arg)
{
    (void)ui;
    struct upload *s = xcalloc(1, sizeof *s);
    snprintf(s->campaign, sizeof s->campaign, "%s", (const char *)arg);
    form_init(&s->form, upload_fields, 3);
    snprintf(v->title, sizeof v->title, "Upload a creative");
    v->state = s;
    return 0;
}

static void upload_close(struct view *v)
{
    struct upload *s = v->state;
    pathcomp_release(&s->pc);
    form_release(&s->form);
    free(s);
}

static void upload_draw(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols)
{
    struct upload *s = v->state;
    int width = cols - 4 < 90 ? cols - 4 : 90;
    int utf8 = ui_utf8(ui);
    char buf[1024], bar[512];
    wattron(w, ui_attr(ui, UI_HEADER));
    ui_put(w, 0, 2, "Upload a creative (MP4, MOV, AVI or WebM)", width, 0);
    wattroff(w, ui_attr(ui, UI_HEADER));
    int used = form_draw(&s->form, w, 2, 2, 14, width, ui_attr(ui, UI_SELECTED),
                         ui_attr(ui, UI_ERROR));
    int y = 3 + used;
    if (s->form.message[0]) {
        wattron(w, ui_attr(ui, UI_ERROR));
        ui_put(w, y++, 2, s->form.message, width, 0);
        wattroff(w, ui_attr(ui, UI_ERROR));
    }
    if (s->phase == PH_FORM && s->show_matches && s->pc.n > 1) {
        wattron(w, ui_attr(ui, UI_DIM));
        snprintf(buf, sizeof buf, "%zu matches:", s->pc.total);
        ui_put(w, y++, 4, buf, width, 0);
        for (size_t i = 0; i < s->pc.n && y < lines - 1; i++)
            ui_put(w, y++, 6, s->pc.matches[i], width - 4, 0);
        wattroff(w, ui_attr(ui, UI_DIM));
    }
    if (s->phase >= PH_UPLOADING) {
        double f = s->total ? (double)s->sent / (double)s->total : 0;
        chart_bar(bar, sizeof bar, f, width - 30 > 10 ? width - 30 : 10, utf8);
        char a[16], b[16];
        chart_human(a, sizeof a, (double)s->sent);
        chart_human(b, sizeof b, (double)s->total);
        snprintf(buf, sizeof buf, "%s %5.1f%%  %sB/%sB", bar, f * 100, a, b);
        wattron(w, ui_attr(ui, UI_CHART));
        ui_put(w, y++, 2, buf, width, 0);
        wattroff(w, ui_attr(ui, UI_CHART));
    }
    if (s->phase == PH_UPLOADING)
        ui_put(w, y++, 2, "uploading... (Esc aborts)", width, 0);
    if (s->phase >= PH_PROCESSING) {
        enum ui_role role = strcmp(s->status, "active") == 0   ? UI_OK
                            : strcmp(s->status, "failed") == 0 ? UI_ERROR
                                                               : UI_WARN;
        snprintf(buf, sizeof buf, "uploaded; creative status: %s%s", s->status,
                 s->phase == PH_PROCESSING ? " (checking every second)" : "");
        wattron(w, ui_attr(ui, role));
        ui_put(w, y++, 2, buf, width, 0);
        wattroff(w, ui_attr(ui, role));
        if (s->detail[0])
            ui_put(w, y++, 2, s->detail, width, 0);
        if (s->phase == PH_DONE)
            ui_put(w, y++, 2, "Esc goes back to the campaign.", width, 0);
    }
    v->no_cursor = s->phase != PH_FORM;
    if (s->phase == PH_FORM)
        form_draw(&s->form, w, 2, 2, 14, width, ui_attr(ui, UI_SELECTED), ui_attr(ui, UI_ERROR));
}

static void complete_path(struct upload *s)
{
    struct form_field *f = &s->form.fields[F_FILE];
    char out[FORM_VALUE_MAX];
    pathcomp_release(&s->pc);
    int n = pathcomp_complete(f->value, getenv("HOME"), out, sizeof out, &s->pc);
    s->show_matches = n > 1;
    if (n >= 1)
        form_set(&s->form, F_FILE, out, 0);
    f->error[0] = '\0';
    if (n == 0)
        snprintf(f->error, sizeof f->error, "no file matches");
    else if (n < 0)
        snprintf(f->error, sizeof f->error, "cannot read that folder");
}

static void start(struct view *v, struct ui *ui)
{
    struct upload *s = v->state;
    const char *file = s->form.fields[F_FILE].value;
    char path[4096], expanded[4096];
    struct stat st;
    form_clear_errors(&s->form);
    const char *home = getenv("HOME");
    if (file[0] == '~' && file[1] == '/' && home)
        snprintf(expanded, sizeof expanded, "%s%s", home, file + 1);
    else
        snprintf(expanded, sizeof expanded, "%s", file);
    /* local checks the server cannot make: the file must exist */
    if (expanded[0] == '\0' || stat(expanded, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(s->form.fields[F_FILE].error, FORM_MSG_MAX, "%s",
                 expanded[0] ? "no such file" : "a file is required");
        s->form.focus = F_FILE;
        return;
    }
    json_t *meta = form_body(&s->form, 0);
    char *meta_text = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
    json_decref(meta);
    if (meta_text == NULL) {
        ui_error(ui, "out of memory");
        return;
    }
    const char *fields[] = {"metadata", meta_text, NULL};
    snprintf(path, sizeof path, "/api/v1/campaigns/%s/creatives", s->campaign);
    if (ui_upload(ui, v, TAG_UPLOAD, path, expanded, fields) == 0) {
        s->phase = PH_UPLOADING;
        s->sent = 0;
        s->total = (uint64_t)st.st_size;
        s->show_matches = 0;
    }
    free(meta_text);
}

static int upload_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    struct upload *s = v->state;
    enum keys_action a = (!is_key && ch >= 0x80) ? ACT_NONE : keys_lookup((int)ch, KEYS_UPLOAD);
    if (s->phase != PH_FORM) {
        if (a == ACT_BACK && s->phase == PH_UPLOADING) {
            ui_cancel(ui, v);
            ui_message(ui, "upload aborted");
            ui_pop(ui);
            return 1;
        }
        return a == ACT_BACK || a == ACT_QUIT ? 0 : 1;
    }
    switch (a) {
    case ACT_COMPLETE_PATH:
        if (s->form.focus == F_FILE)
            complete_path(s);
        else
            form_focus_next(&s->form);
        return 1;
    case ACT_NEXT_FIELD:
        if (!is_key && (ch == '\n' || ch == '\r') && s->form.focus == s->form.n - 1)
            start(v, ui);
        else
            form_focus_next(&s->form);
        if (s->form.focus == F_NAME && s->form.fields[F_NAME].value[0] == '\0') {
            /* suggest the file's base name without extension */
            const char *file = s->form.fields[F_FILE].value;
            const char *base = strrchr(file, '/');
            char name[256];
            snprintf(name, sizeof name, "%.250s", base ? base + 1 : file);
            char *dot = strrchr(name, '.');
            if (dot)
                *dot = '\0';
            form_set(&s->form, F_NAME, name, 0);
        }
        return 1;
    case ACT_PREV_FIELD:
        form_focus_prev(&s->form);
        return 1;
    case ACT_SUBMIT:
        start(v, ui);
        return 1;
    default:
        s->show_matches = 0;
        return form_edit(&s->form, is_key, ch);
    }
}

static void poll_creative(struct view *v, struct ui *ui)
{
    struct upload *s = v->state;
    char path[256];
    if (s->phase != PH_PROCESSING || v->loading)
        return;
    snprintf(path, sizeof path, "/api/v1/creatives/%s", s->creative);
    ui_request(ui, v, TAG_POLL, "GET", path, NULL);
}

static void upload_result(struct view *v, struct ui *ui, struct fetch_result *r)
{
    struct upload *s = v->state;
    if (r->kind == FETCH_PROGRESS) {
        s->sent = r->sent;
        if (r->total)
            s->total = r->total;
        return;
    }
    if (r->kind != FETCH_DONE)
        return;
    if (r->tag == TAG_UPLOAD) {
        if (r->err != APICLIENT_OK) {
            s->phase = PH_FORM;
            if (r->err == APICLIENT_EVALIDATION && r->json) {
                form_apply_errors(&s->form, r->json);
                /* "video" messages are about the file */
                if (s->form.message[0] && s->form.fields[F_FILE].error[0] == '\0' &&
                    strstr(s->form.message, "ideo")) {
                    snprintf(s->form.fields[F_FILE].error, FORM_MSG_MAX, "%s", s->form.message);
                    s->form.message[0] = '\0';
                }
            }
            ui_fail(ui, v, r, "upload");
            return;
        }
        const json_t *c = json_object_get(r->json, "creative");
        snprintf(s->creative, sizeof s->creative, "%s", model_str(c, "id", ""));
        snprintf(s->status, sizeof s->status, "%s", model_str(c, "status", "processing"));
        s->sent = s->total;
        s->phase = strcmp(s->status, "processing") == 0 ? PH_PROCESSING : PH_DONE;
        ui_message(ui, "uploaded in %.1f s", (double)r->elapsed_ms / 1000.0);
        return;
    }
    if (r->tag == TAG_POLL) {
        if (r->err != APICLIENT_OK) {
            ui_fail(ui, v, r, "creative");
            return;
        }
        const json_t *c = json_object_get(r->json, "creative");
        snprintf(s->status, sizeof s->status, "%s", model_str(c, "status", "?"));
        if (strcmp(s->status, "processing") != 0) {
            s->phase = PH_DONE;
            char path[256];
            snprintf(path, sizeof path, "/api/v1/creatives/%s/media", s->creative);
            ui_request(ui, v, TAG_MEDIA, "GET", path, NULL);
        }
        return;
    }
    if (r->tag == TAG_MEDIA && r->err == APICLIENT_OK) {
        const json_t *m = json_object_get(r->json, "media");
        const char *reason = model_str(m, "error", model_str(m, "failure_reason", NULL));
        if (reason)
            snprintf(s->detail, sizeof s->detail, "why: %s", reason);
        else
            snprintf(s->detail, sizeof s->detail, "%s %s/%s, %.1f s",
                     model_str(m, "container", ""), model_str(m, "video_codec", "?"),
                     model_str(m, "audio_codec", "-"), model_num(m, "duration_ms", 0) / 1000.0);
    }
}

const struct view_ops view_upload_ops = {
    .name = "upload",
    .keys_ctx = KEYS_UPLOAD,
    .refresh_ms = 1000,
    .open = upload_open,
    .draw = upload_draw,
    .key = upload_key,
    .refresh = poll_creative,
    .result = upload_result,
    .close = upload_close,
};
