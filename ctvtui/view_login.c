/*
 * view_login: server, e-mail and password; the tokens go to the same token
 * file as ctvctl's (clientcfg), so logging in here logs ctvctl in too.
 *
 * Opened first when there is no token, and on top of any view whose request
 * came back 401 after the client's own refresh failed; on success it pops
 * and the view below reloads. Validation messages of the login body
 * (format B: every failure) appear under their fields.
 */
#include "client/clientcfg.h"
#include "form.h"
#include "ui.h"
#include "lib/xalloc.h"

#include <string.h>

enum { F_SERVER, F_EMAIL, F_PASSWORD };
enum { TAG_LOGIN = 1 };

static const struct form_field login_fields[] = {
    {.label = "Server", .key = "server", .kind = FORM_TEXT},
    {.label = "E-mail", .key = "email", .kind = FORM_TEXT},
    {.label = "Password", .key = "password", .kind = FORM_SECRET},
};

struct login {
    struct form form;
    int busy;
};

static int login_open(struct view *v, struct ui *ui, void *arg)
{
    (void)arg;
    struct login *s = xcalloc(1, sizeof *s);
    struct clientcfg *cfg = ui_cfg(ui);
    form_init(&s->form, login_fields, 3);
    form_set(&s->form, F_SERVER, cfg->server, 1);
    if (cfg->email)
        form_set(&s->form, F_EMAIL, cfg->email, 1);
    s->form.focus = cfg->email ? F_PASSWORD : F_EMAIL;
    snprintf(v->title, sizeof v->title, "Log in");
    v->state = s;
    return 0;
}

static void login_draw(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols)
{
    struct login *s = v->state;
    int width = cols - 4 < 70 ? cols - 4 : 70;
    int y = lines / 2 - 5;
    if (y < 1)
        y = 1;
    wattron(w, ui_attr(ui, UI_HEADER));
    ui_put(w, y, 2, "Log in to adserverd", width, 0);
    wattroff(w, ui_attr(ui, UI_HEADER));
    ui_put(w, y + 1, 2, "The token is stored like ctvctl's (ctvctl login uses the same file).",
           width, 0);
    int used = form_draw(&s->form, w, y + 3, 2, 10, width, ui_attr(ui, UI_SELECTED),
                         ui_attr(ui, UI_ERROR));
    if (s->form.message[0]) {
        wattron(w, ui_attr(ui, UI_ERROR));
        ui_put(w, y + 4 + used, 2, s->form.message, width, 0);
        wattroff(w, ui_attr(ui, UI_ERROR));
    } else if (s->busy) {
        ui_put(w, y + 4 + used, 2, "logging in...", width, 0);
    }
    /* form_draw left the cursor on the focused field; keep it there */
    int cy, cx;
    getyx(w, cy, cx);
    wmove(w, cy, cx);
}

static void submit(struct view *v, struct ui *ui)
{
    struct login *s = v->state;
    form_clear_errors(&s->form);
    if (ui_login(ui, v, TAG_LOGIN, s->form.fields[F_SERVER].value, s->form.fields[F_EMAIL].value,
                 s->form.fields[F_PASSWORD].value) == 0)
        s->busy = 1;
}

static int login_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    struct login *s = v->state;
    int rc = form_key(&s->form, keys_lookup((int)ch, KEYS_LOGIN), is_key, ch);

    if (rc == FORM_SUBMIT) {
        submit(v, ui);
        return 1;
    }
    return rc;
}

static void login_result(struct view *v, struct ui *ui, struct fetch_result *r)
{
    struct login *s = v->state;
    if (r->kind != FETCH_DONE)
        return;
    s->busy = 0;
    if (r->err == APICLIENT_OK) {
        ui_message(ui, "logged in as %s", s->form.fields[F_EMAIL].value);
        struct view *below = v->below;
        ui_pop(ui); /* frees s */
        if (below && below->ops->refresh)
            (below->ops->refresh)(below, ui);
        return;
    }
    if (r->json && r->status == 400) {
        form_apply_errors(&s->form, r->json);
    } else {
        snprintf(s->form.message, sizeof s->form.message, "%.200s",
                 r->message[0] ? r->message : apiclient_err_name(r->err));
        if (r->err == APICLIENT_EAUTH)
            s->form.focus = F_PASSWORD;
    }
    /* never keep a rejected password on screen longer than needed */
    form_set(&s->form, F_PASSWORD, "", 0);
}

static void login_close(struct view *v)
{
    struct login *s = v->state;
    if (s == NULL)
        return;
    explicit_bzero(s->form.fields[F_PASSWORD].value, sizeof s->form.fields[F_PASSWORD].value);
    form_release(&s->form);
    free(s);
}

const struct view_ops view_login_ops = {
    .name = "login",
    .keys_ctx = KEYS_LOGIN,
    .open = login_open,
    .draw = login_draw,
    .key = login_key,
    .result = login_result,
    .close = login_close,
};
