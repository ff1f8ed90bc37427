/*
 * ui: screen layout, the view stack and the event loop (see ui.h).
 *
 * The loop sleeps in poll() on the terminal and the fetch worker's pipe,
 * 100 ms while a request is in flight (the spinner turns) and 250 ms
 * otherwise (periodic refreshes, message expiry), so a key press or an
 * answer is handled within one poll wake-up and the screen never waits on
 * the network. Everything that depends on the terminal size is computed at
 * draw time from LINES/COLS; KEY_RESIZE only re-creates the body window
 * and marks the screen dirty, in one place (ui_resize).
 */
#include "ui.h"

#include "client/clientcfg.h"
#include "lib/clock.h"
#include "text.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MSG_KEEP_MS 5000

struct ui {
    struct ui_settings s;
    struct fetch *fetch;
    struct view *top;
    unsigned next_id;
    int quit;
    int dirty;
    int utf8;
    int color;
    attr_t attrs[UI_ROLE_COUNT];
    WINDOW *body;
    SCREEN *screen; /* from newterm() */
    char msg[512];
    int64_t msg_until;
    char err[512];
    /* confirmation */
    int confirm_active;
    unsigned confirm_view;
    ui_confirm_fn confirm_fn;
    void *confirm_arg;
    char confirm_q[256];
    /* popup */
    char *popup_text;
    char popup_title[64];
    /* spinner */
    int pending;
    int64_t pending_since;
    /* login in flight: the e-mail to store with the tokens */
    char login_email[256];
    char login_server[512];
    int login_open;
};

static const char *const spinner_utf8[] = {"\xe2\xa0\x8b", "\xe2\xa0\x99", "\xe2\xa0\xb9",
                                           "\xe2\xa0\xb8", "\xe2\xa0\xbc", "\xe2\xa0\xb4",
                                           "\xe2\xa0\xa6", "\xe2\xa0\xa7", "\xe2\xa0\x87",
                                           "\xe2\xa0\x8f"};
static const char *const spinner_ascii[] = {"|", "/", "-", "\\"};

/* ------------------------------------------------------------ colours ---- */

static void colors_init(struct ui *ui)
{
    /* monochrome: roles differ by bold/reverse/underline only */
    attr_t mono[UI_ROLE_COUNT] = {
        [UI_NORMAL] = A_NORMAL,   [UI_TITLE] = A_REVERSE,  [UI_SELECTED] = A_REVERSE,
        [UI_HEADER] = A_BOLD,     [UI_ERROR] = A_BOLD,     [UI_OK] = A_NORMAL,
        [UI_WARN] = A_BOLD,       [UI_DIM] = A_NORMAL,     [UI_CHART] = A_NORMAL,
        [UI_CHART2] = A_NORMAL,   [UI_KEYBAR] = A_REVERSE,
    };
    memcpy(ui->attrs, mono, sizeof mono);
    if (!ui->color || !has_colors() || start_color() != OK) {
        ui->color = 0;
        return;
    }
    use_default_colors();
    int c256 = COLORS >= 256;
    /* pair, foreground, background (-1: the terminal's default) */
    struct {
        enum ui_role role;
        short fg, bg;
        attr_t extra;
    } map[] = {
        {UI_TITLE, COLOR_WHITE, c256 ? 24 : COLOR_BLUE, A_BOLD},
        {UI_SELECTED, COLOR_BLACK, c256 ? 153 : COLOR_CYAN, 0},
        {UI_HEADER, c256 ? 75 : COLOR_CYAN, -1, A_BOLD},
        {UI_ERROR, c256 ? 196 : COLOR_RED, -1, A_BOLD},
        {UI_OK, c256 ? 77 : COLOR_GREEN, -1, 0},
        {UI_WARN, c256 ? 214 : COLOR_YELLOW, -1, 0},
        {UI_DIM, c256 ? 244 : COLOR_WHITE, -1, 0},
        {UI_CHART, c256 ? 39 : COLOR_CYAN, -1, 0},
        {UI_CHART2, c256 ? 208 : COLOR_MAGENTA, -1, 0},
        {UI_KEYBAR, COLOR_BLACK, c256 ? 250 : COLOR_WHITE, 0},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        short pair = (short)(i + 1);
        if (init_pair(pair, map[i].fg, map[i].bg) == OK)
            ui->attrs[map[i].role] = COLOR_PAIR(pair) | map[i].extra;
    }
}

attr_t ui_attr(const struct ui *ui, enum ui_role role)
{
    return role < UI_ROLE_COUNT ? ui->attrs[role] : A_NORMAL;
}

int ui_utf8(const struct ui *ui)
{
    return ui->utf8;
}

int ui_color(const struct ui *ui)
{
    return ui->color;
}

struct clientcfg *ui_cfg(struct ui *ui)
{
    return ui->s.cfg;
}

void ui_dirty(struct ui *ui)
{
    ui->dirty = 1;
}

/* ------------------------------------------------------------ drawing ---- */

void ui_put(WINDOW *w, int y, int x, const char *s, int cols, int pad)
{
    char buf[2048];
    if (cols <= 0)
        return;
    text_fit(buf, sizeof buf, s ? s : "", cols, pad, 0);
    mvwaddstr(w, y, x, buf);
}

static void draw_title(struct ui *ui)
{
    char left[256], right[512];
    attr_t a = ui_attr(ui, UI_TITLE);
    attron(a);
    mvhline(0, 0, ' ', COLS);
    snprintf(left, sizeof left, " ctvtui \xe2\x94\x82 %s", ui->top ? ui->top->title : "");
    if (!ui->utf8)
        snprintf(left, sizeof left, " ctvtui | %s", ui->top ? ui->top->title : "");
    struct clientcfg *cfg = ui->s.cfg;
    snprintf(right, sizeof right, "%s%s%s ", cfg->email ? cfg->email : "", cfg->email ? " @ " : "",
             cfg->server ? cfg->server : "");
    int rw = text_width(right);
    int lw = COLS - rw - 1;
    if (lw < COLS / 2) {
        lw = COLS;
        rw = 0;
    }
    char cut[512];
    text_fit(cut, sizeof cut, left, lw, 0, 1);
    mvaddstr(0, 0, cut);
    if (rw > 0)
        ui_put(stdscr, 0, COLS - rw, right, rw, 0);
    attroff(a);
}

static void draw_status(struct ui *ui, int64_t now)
{
    char line[1024], right[128] = "";
    int y = LINES - 2;
    move(y, 0);
    clrtoeol();
    if (ui->pending > 0) {
        int64_t el = now - ui->pending_since;
        size_t n = ui->utf8 ? 10 : 4;
        const char *glyph = ui->utf8 ? spinner_utf8[(el / 100) % n] : spinner_ascii[(el / 100) % n];
        snprintf(right, sizeof right, "%s loading %.1fs ", glyph, (double)el / 1000.0);
    } else if (ui->top && ui->top->stale && ui->top->loaded_ms > 0) {
        snprintf(right, sizeof right, "stale: updated %llds ago ",
                 (long long)((now - ui->top->loaded_ms) / 1000));
    }
    int rw = text_width(right);
    if (ui->err[0]) {
        snprintf(line, sizeof line, " error: %s", ui->err);
        attron(ui_attr(ui, UI_ERROR));
        ui_put(stdscr, y, 0, line, COLS - rw - 1, 0);
        attroff(ui_attr(ui, UI_ERROR));
    } else if (ui->msg[0] && now < ui->msg_until) {
        snprintf(line, sizeof line, " %s", ui->msg);
        attron(ui_attr(ui, UI_OK));
        ui_put(stdscr, y, 0, line, COLS - rw - 1, 0);
        attroff(ui_attr(ui, UI_OK));
    }
    if (rw > 0) {
        attron(ui_attr(ui, ui->pending ? UI_WARN : UI_DIM));
        ui_put(stdscr, y, COLS - rw, right, rw, 0);
        attroff(ui_attr(ui, ui->pending ? UI_WARN : UI_DIM));
    }
}

static void draw_keybar(struct ui *ui)
{
    char bar[512];
    unsigned ctx = ui->top ? ui->top->ops->keys_ctx : 0;
    if (ui->confirm_active)
        ctx = KEYS_CONFIRM;
    keys_bar(ctx, COLS - 2, bar, sizeof bar);
    attron(ui_attr(ui, UI_KEYBAR));
    mvhline(LINES - 1, 0, ' ', COLS);
    ui_put(stdscr, LINES - 1, 1, bar, COLS - 2, 0);
    attroff(ui_attr(ui, UI_KEYBAR));
}

/* A framed box centred in the body with up to maxw columns of text. */
static void draw_box(struct ui *ui, const char *title, const char *text, const char *footer)
{
    int bl = LINES - 3, bc = COLS;
    int w = bc - 4 < 76 ? bc - 4 : 76;
    int inner = w - 4;
    /* wrap text by columns, keeping explicit newlines */
    char lines[40][512];
    int n = 0;
    const char *p = text;
    while (*p && n < 40) {
        size_t len = 0;
        int cols = 0;
        size_t last_space = 0;
        while (p[len] && p[len] != '\n') {
            size_t cl = text_next_len(p + len);
            char one[8];
            snprintf(one, sizeof one, "%.*s", (int)cl, p + len);
            int cw = text_width(one);
            if (cols + cw > inner || len + cl >= sizeof lines[0])
                break;
            if (p[len] == ' ')
                last_space = len;
            cols += cw;
            len += cl ? cl : 1;
        }
        /* wrap at the last space when a word would be cut (URLs have none: hard wrap) */
        int cut = p[len] && p[len] != '\n' && last_space > 0;
        size_t take = cut ? last_space : len;
        snprintf(lines[n++], sizeof lines[0], "%.*s", (int)take, p);
        p += cut ? last_space + 1 : len;
        if (*p == '\n')
            p++;
    }
    int h = n + 4 + (footer ? 1 : 0);
    if (h > bl)
        h = bl;
    int y = 1 + (bl - h) / 2, x = (bc - w) / 2;
    WINDOW *win = newwin(h, w, y, x);
    if (win == NULL)
        return;
    werase(win);
    box(win, 0, 0);
    wattron(win, ui_attr(ui, UI_HEADER));
    ui_put(win, 0, 2, title, w - 4, 0);
    wattroff(win, ui_attr(ui, UI_HEADER));
    for (int i = 0; i < n && i + 2 < h - 1 - (footer ? 1 : 0); i++)
        ui_put(win, i + 2, 2, lines[i], inner, 0);
    if (footer) {
        wattron(win, ui_attr(ui, UI_DIM));
        ui_put(win, h - 2, 2, footer, inner, 0);
        wattroff(win, ui_attr(ui, UI_DIM));
    }
    wnoutrefresh(win);
    delwin(win);
}

static void draw(struct ui *ui)
{
    int64_t now = clock_mono_ms();
    erase();
    if (COLS < UI_MIN_COLS || LINES < UI_MIN_LINES) {
        char note[128];
        snprintf(note, sizeof note, "terminal too small: %dx%d, ctvtui needs %dx%d", COLS, LINES,
                 UI_MIN_COLS, UI_MIN_LINES);
        attron(ui_attr(ui, UI_WARN));
        ui_put(stdscr, LINES / 2, 0, note, COLS, 0);
        attroff(ui_attr(ui, UI_WARN));
        curs_set(0);
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    int want_cursor = 0;
    /* the view first: it may retitle itself from the data it draws */
    if (ui->body && ui->top) {
        werase(ui->body);
        ui->top->ops->draw(ui->top, ui, ui->body, LINES - 3, COLS);
        want_cursor = (ui->top->ops->keys_ctx & (KEYS_FORM | KEYS_LOGIN | KEYS_UPLOAD)) != 0 &&
                      !ui->top->no_cursor;
    }
    draw_title(ui);
    draw_status(ui, now);
    draw_keybar(ui);
    wnoutrefresh(stdscr);
    if (ui->body)
        wnoutrefresh(ui->body);
    if (ui->confirm_active) {
        draw_box(ui, "Confirm", ui->confirm_q, "y: yes   n/Esc: no");
        want_cursor = 0;
    } else if (ui->popup_text) {
        draw_box(ui, ui->popup_title, ui->popup_text, "any key: close");
        want_cursor = 0;
    }
    curs_set(want_cursor ? 1 : 0);
    if (want_cursor && ui->body)
        wnoutrefresh(ui->body); /* leaves the cursor where the form put it */
    doupdate();
    ui->dirty = 0;
}

static void ui_resize(struct ui *ui)
{
    /* the one place that reacts to a new size: ncurses already updated LINES/COLS */
    if (ui->body)
        delwin(ui->body);
    ui->body = NULL;
    if (LINES > 3 && COLS > 0)
        ui->body = newwin(LINES - 3, COLS, 1, 0);
    if (ui->body)
        keypad(ui->body, TRUE);
    clearok(curscr, TRUE);
    ui->dirty = 1;
}

/* ------------------------------------------------------------ messages --- */

void ui_message(struct ui *ui, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
    va_end(ap);
    ui->msg_until = clock_mono_ms() + MSG_KEEP_MS;
    ui->err[0] = '\0';
    ui->dirty = 1;
}

void ui_error(struct ui *ui, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->err, sizeof ui->err, fmt, ap);
    va_end(ap);
    ui->dirty = 1;
}

void ui_fail(struct ui *ui, struct view *v, const struct fetch_result *r, const char *what)
{
    if (v)
        v->stale = 1;
    if (r->err == APICLIENT_ETIMEOUT) {
        ui_error(ui, "%s: no answer within %.0f s (timeout)", what,
                 (double)ui->s.cfg->timeout_ms / 1000.0);
        return;
    }
    if (r->err == APICLIENT_ERATELIMIT) {
        /* take_results() already pushed the view's next refresh past Retry-After */
        ui_error(ui, "%s: rate limited by the server; next try in %ld s", what,
                 r->retry_after > 0 ? r->retry_after : 60L);
        return;
    }
    if (r->err == APICLIENT_EAUTH && !ui->login_open && !ui->s.cfg->token_from_env) {
        ui_error(ui, "%s: %s; log in", what, r->message[0] ? r->message : "not logged in");
        ui_push(ui, &view_login_ops, NULL);
        return;
    }
    ui_error(ui, "%s: %s", what, r->message[0] ? r->message : apiclient_err_name(r->err));
}

void ui_confirm(struct ui *ui, struct view *v, ui_confirm_fn fn, void *arg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->confirm_q, sizeof ui->confirm_q, fmt, ap);
    va_end(ap);
    ui->confirm_active = 1;
    ui->confirm_view = v->id;
    ui->confirm_fn = fn;
    ui->confirm_arg = arg;
    ui->dirty = 1;
}

void ui_popup(struct ui *ui, const char *title, const char *text)
{
    free(ui->popup_text);
    ui->popup_text = xstrdup(text);
    snprintf(ui->popup_title, sizeof ui->popup_title, "%s", title);
    ui->dirty = 1;
}

int ui_clipboard(struct ui *ui, const char *text)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(text);
    size_t outn = st_add(st_mult((n + 2) / 3, 4), 16);
    char *out = xmalloc(outn);
    size_t o = 0;
    memcpy(out, "\033]52;c;", 7);
    o = 7;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)text[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)text[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)text[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o++] = '\a';
    /* curses owns stdout; the escape goes around it, between two refreshes */
    int rc = 0;
    if (fwrite(out, 1, o, stdout) != o || fflush(stdout) != 0)
        rc = -1;
    free(out);
    (void)ui;
    return rc;
}

/* ------------------------------------------------------------ views ------ */

int ui_push(struct ui *ui, const struct view_ops *ops, void *arg)
{
    struct view *v = xcalloc(1, sizeof *v);
    v->ops = ops;
    v->id = ++ui->next_id;
    snprintf(v->title, sizeof v->title, "%s", ops->name);
    v->below = ui->top;
    ui->top = v;
    if (ops == &view_login_ops)
        ui->login_open = 1;
    if (ops->open && ops->open(v, ui, arg) != 0) {
        ui->top = v->below;
        if (ops == &view_login_ops)
            ui->login_open = 0;
        free(v);
        return -1;
    }
    v->refresh_ms = ops->refresh_ms;
    if (v->refresh_ms > 0)
        v->next_refresh_ms = clock_mono_ms() + v->refresh_ms;
    ui->dirty = 1;
    return 0;
}

static void view_close(struct ui *ui, struct view *v)
{
    if (ui->fetch)
        fetch_cancel(ui->fetch, v->id);
    if (v->ops == &view_login_ops)
        ui->login_open = 0;
    if (ui->confirm_active && ui->confirm_view == v->id)
        ui->confirm_active = 0;
    if (v->ops->close)
        v->ops->close(v);
    free(v);
}

void ui_pop(struct ui *ui)
{
    struct view *v = ui->top;
    if (v == NULL)
        return;
    /* after a form the data below changed; after a failure it is old */
    int changed = (v->ops->keys_ctx & (KEYS_FORM | KEYS_UPLOAD)) != 0;
    ui->top = v->below;
    view_close(ui, v);
    ui->dirty = 1;
    int old = ui->top && clock_mono_ms() - ui->top->loaded_ms > 2000;
    /* reload; but a first load still in flight (a slow server) is not asked twice */
    int first_pending = ui->top && ui->top->loaded_ms == 0 && ui->top->loading > 0;
    if (ui->top && ui->top->ops->refresh && (changed || ((ui->top->stale || old) && !first_pending)))
        (ui->top->ops->refresh)(ui->top, ui);
}

void ui_goto(struct ui *ui, const struct view_ops *ops)
{
    int found = 0;
    for (struct view *v = ui->top; v; v = v->below)
        if (v->ops == ops)
            found = 1;
    if (!found) {
        while (ui->top && ui->top->below)
            ui_pop(ui);
        ui_push(ui, ops, NULL);
        return;
    }
    while (ui->top && ui->top->ops != ops)
        ui_pop(ui);
    if (ui->top && ui->top->ops->refresh)
        (ui->top->ops->refresh)(ui->top, ui);
}

void ui_quit(struct ui *ui)
{
    ui->quit = 1;
}

static struct view *view_by_id(struct ui *ui, unsigned id)
{
    for (struct view *v = ui->top; v; v = v->below)
        if (v->id == id)
            return v;
    return NULL;
}

/* ------------------------------------------------------------ requests --- */

static int submit(struct ui *ui, struct view *v, const struct fetch_job *job)
{
    if (fetch_submit(ui->fetch, job) != 0) {
        ui_error(ui, "too many requests waiting; try again");
        return -1;
    }
    if (ui->pending == 0)
        ui->pending_since = clock_mono_ms();
    ui->pending++;
    if (v)
        v->loading++;
    ui->dirty = 1;
    return 0;
}

int ui_request(struct ui *ui, struct view *v, int tag, const char *method, const char *path,
               const json_t *body)
{
    struct fetch_job job = {.op = FETCH_REQUEST, .owner = v ? v->id : 0, .tag = tag,
                            .method = method, .path = path, .body = body};
    return submit(ui, v, &job);
}

int ui_login(struct ui *ui, struct view *v, int tag, const char *server, const char *email,
             const char *password)
{
    struct clientcfg *cfg = ui->s.cfg;
    if (server && server[0] && (cfg->server == NULL || strcmp(server, cfg->server) != 0)) {
        free(cfg->server);
        cfg->server = xstrdup(server);
        fetch_set_server(ui->fetch, server);
    }
    snprintf(ui->login_email, sizeof ui->login_email, "%s", email);
    snprintf(ui->login_server, sizeof ui->login_server, "%s", cfg->server);
    struct fetch_job job = {.op = FETCH_LOGIN, .owner = v->id, .tag = tag, .email = email,
                            .password = password};
    return submit(ui, v, &job);
}

int ui_upload(struct ui *ui, struct view *v, int tag, const char *path, const char *file,
              const char *const *fields)
{
    struct fetch_job job = {.op = FETCH_UPLOAD, .owner = v->id, .tag = tag, .path = path,
                            .file = file, .fields = fields};
    return submit(ui, v, &job);
}

void ui_cancel(struct ui *ui, struct view *v)
{
    fetch_cancel(ui->fetch, v->id);
}

static void save_tokens(struct ui *ui, const struct fetch_result *r)
{
    struct clientcfg *cfg = ui->s.cfg;
    char err[256];
    if (cfg->token_from_env || r->access_token == NULL)
        return; /* CTVCTL_TOKEN is never written (clientcfg.h) */
    const char *email = ui->login_email[0] ? ui->login_email : cfg->email;
    char *email_copy = email ? xstrdup(email) : NULL;
    if (clientcfg_save_tokens(cfg, cfg->server, email_copy, r->access_token, r->refresh_token,
                              err, sizeof err) != CLIENTCFG_OK)
        ui_error(ui, "cannot save the token: %s", err);
    free(email_copy);
    ui->dirty = 1;
}

static void take_results(struct ui *ui)
{
    struct fetch_result *r;
    while ((r = fetch_take(ui->fetch)) != NULL) {
        if (r->kind == FETCH_TOKENS) {
            save_tokens(ui, r);
            fetch_result_free(r);
            continue;
        }
        if (r->kind == FETCH_DONE && ui->pending > 0) {
            ui->pending--;
            if (ui->pending > 0)
                ui->pending_since = clock_mono_ms();
        }
        struct view *v = view_by_id(ui, r->owner);
        if (v) {
            if (r->kind == FETCH_DONE && v->loading > 0)
                v->loading--;
            if (r->kind == FETCH_DONE && r->err == APICLIENT_ERATELIMIT) {
                /* back off: no periodic request before the server allows it */
                long wait_s = r->retry_after > 0 ? r->retry_after : 60;
                int64_t until = clock_mono_ms() + wait_s * 1000;
                if (v->next_refresh_ms < until)
                    v->next_refresh_ms = until;
            }
            if (r->kind == FETCH_DONE && r->err == APICLIENT_OK) {
                v->loaded_ms = clock_mono_ms();
                v->stale = 0;
            }
            if (v->ops->result)
                v->ops->result(v, ui, r);
        }
        fetch_result_free(r);
        ui->dirty = 1;
    }
}

/* ------------------------------------------------------------ keys ------- */

static void handle_key(struct ui *ui, int is_key, unsigned ch)
{
    if (is_key && ch == KEY_RESIZE) {
        ui_resize(ui);
        return;
    }
    ui->dirty = 1;
    if (ui->popup_text) {
        free(ui->popup_text);
        ui->popup_text = NULL;
        return;
    }
    if (ui->confirm_active) {
        enum keys_action a = keys_lookup((int)ch, KEYS_CONFIRM);
        if (a != ACT_YES && a != ACT_NO)
            return;
        ui->confirm_active = 0;
        struct view *v = view_by_id(ui, ui->confirm_view);
        if (v && ui->confirm_fn)
            ui->confirm_fn(v, ui, a == ACT_YES, ui->confirm_arg);
        return;
    }
    struct view *top = ui->top;
    if (top == NULL)
        return;
    ui->err[0] = '\0';
    if (top->ops->key && top->ops->key(top, ui, is_key, ch))
        return;
    /* keys_lookup takes curses codes and characters in one int space */
    int code = (int)ch;
    if (!is_key && ch >= 0x80)
        return; /* a wide character must not alias a KEY_* code */
    switch (keys_lookup(code, top->ops->keys_ctx)) {
    case ACT_HELP:
        ui_push(ui, &view_help_ops, top);
        break;
    case ACT_BACK:
        if (top->below == NULL || (top->below->ops == &view_login_ops && top->below->below == NULL))
            ui_quit(ui);
        else
            ui_pop(ui);
        break;
    case ACT_QUIT:
        ui_quit(ui);
        break;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        break;
    case ACT_REFRESH:
        if (top->ops->refresh)
            (top->ops->refresh)(top, ui);
        break;
    case ACT_DASHBOARD:
        ui_goto(ui, &view_dashboard_ops);
        break;
    case ACT_CAMPAIGNS:
        ui_goto(ui, &view_campaigns_ops);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------ loop ------- */

struct ui *ui_new(const struct ui_settings *s, char *err, size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "ctvtui needs a terminal (stdin and stdout)");
        return NULL;
    }
    struct ui *ui = xcalloc(1, sizeof *ui);
    ui->s = *s;
    ui->color = s->color;
    struct clientcfg *cfg = s->cfg;
    ui->fetch = fetch_new(cfg->server, cfg->timeout_ms, cfg->access_token, cfg->refresh_token, err,
                          errlen);
    if (ui->fetch == NULL) {
        free(ui);
        return NULL;
    }
    const char *cs = nl_langinfo(CODESET);
    ui->utf8 = cs && strcmp(cs, "UTF-8") == 0;
    /*
     * TERM=dumb (or none) cannot address the cursor at all; drive it as the
     * plainest full-screen terminal there is, a monochrome VT100, with ASCII
     * charts, rather than printing garbage or refusing to start.
     */
    const char *term = getenv("TERM");
    int dumb = term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0;
    if (dumb) {
        ui->utf8 = 0;
        ui->color = 0;
    }
    set_escdelay(25);
    ui->screen = newterm(dumb ? "vt100" : NULL, stdout, stdin);
    if (ui->screen == NULL) {
        snprintf(err, errlen, "cannot start curses on this terminal");
        fetch_free(ui->fetch, 0);
        free(ui);
        return NULL;
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    colors_init(ui);
    ui_resize(ui);
    return ui;
}

void ui_free(struct ui *ui)
{
    if (ui == NULL)
        return;
    while (ui->top) {
        struct view *v = ui->top;
        ui->top = v->below;
        view_close(ui, v);
    }
    if (ui->body)
        delwin(ui->body);
    endwin();
    if (ui->screen)
        delscreen(ui->screen);
    fetch_free(ui->fetch, 1000);
    free(ui->popup_text);
    free(ui);
}

int ui_run(struct ui *ui)
{
    int64_t last_status = 0;
    while (!ui->quit && ui->top) {
        int64_t now = clock_mono_ms();
        struct view *top = ui->top;
        if (top->refresh_ms > 0 && top->ops->refresh && now >= top->next_refresh_ms) {
            top->next_refresh_ms = now + top->refresh_ms;
            if (top->loading == 0)
                (top->ops->refresh)(top, ui);
        }
        /* the spinner, message expiry and "updated Ns ago" need a tick */
        if (ui->pending > 0 || now - last_status >= 1000 || (ui->msg[0] && now >= ui->msg_until)) {
            if (ui->msg[0] && now >= ui->msg_until)
                ui->msg[0] = '\0';
            ui->dirty = 1;
            last_status = now;
        }
        if (ui->dirty)
            draw(ui);
        struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                {.fd = fetch_fd(ui->fetch), .events = POLLIN}};
        int rc = poll(pfd, 2, ui->pending > 0 ? 100 : 250);
        if (rc < 0 && errno != EINTR)
            break;
        take_results(ui);
        wint_t wc;
        int krc;
        /* drain every key that is there (also after SIGWINCH, which ncurses turns into KEY_RESIZE) */
        while (!ui->quit && (krc = get_wch(&wc)) != ERR)
            handle_key(ui, krc == KEY_CODE_YES, (unsigned)wc);
    }
    return 0;
}
