/*
 * form: input fields and the API's validation messages at the field (see
 * form.h).
 *
 * Values are kept as UTF-8 bytes with a byte cursor that only ever rests on
 * a character boundary; characters arrive as wide characters from
 * get_wch() and are encoded with wcrtomb (the locale is UTF-8 whenever
 * names with accents can be typed at all).
 */
#include "form.h"

#include "text.h"
#include "lib/xalloc.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#define CTRL(c) ((c) & 0x1f)

void form_init(struct form *f, const struct form_field *tmpl, size_t n)
{
    f->fields = xcalloc(n, sizeof *f->fields);
    f->n = n;
    f->focus = 0;
    f->message[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        f->fields[i] = tmpl[i];
        f->fields[i].value[0] = f->fields[i].initial[0] = f->fields[i].error[0] = '\0';
        f->fields[i].cursor = 0;
        if (tmpl[i].kind == FORM_CHOICE && tmpl[i].choices && tmpl[i].choices[0])
            form_set(f, i, tmpl[i].choices[0], 0);
    }
}

void form_release(struct form *f)
{
    free(f->fields);
    f->fields = NULL;
    f->n = 0;
}

void form_set(struct form *f, size_t i, const char *value, int initial)
{
    if (i >= f->n)
        return;
    struct form_field *fd = &f->fields[i];
    snprintf(fd->value, sizeof fd->value, "%s", value ? value : "");
    fd->cursor = strlen(fd->value);
    if (initial)
        snprintf(fd->initial, sizeof fd->initial, "%s", fd->value);
}

int form_find(const struct form *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->fields[i].key && strcmp(f->fields[i].key, key) == 0)
            return (int)i;
    return -1;
}

void form_clear_errors(struct form *f)
{
    f->message[0] = '\0';
    for (size_t i = 0; i < f->n; i++)
        f->fields[i].error[0] = '\0';
}

/* The cross-field pricing rule reports field ""; it is about one rate. */
static int pricing_field(const struct form *f, const char *msg)
{
    static const char *const map[][2] = {
        {"CPM rate", "cpm_rate"}, {"CPC rate", "cpc_rate"}, {"CPV rate", "cpv_rate"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strncmp(msg, map[i][0], strlen(map[i][0])) == 0)
            return form_find(f, map[i][1]);
    return -1;
}

static void add_message(char *dst, size_t size, const char *msg)
{
    size_t len = strlen(dst);
    if (len > 0 && len + 2 < size) {
        dst[len++] = ';';
        dst[len++] = ' ';
        dst[len] = '\0';
    }
    if (len + 1 < size)
        snprintf(dst + len, size - len, "%s", msg);
}

int form_apply_errors(struct form *f, const json_t *body)
{
    int placed = 0, first = -1;
    form_clear_errors(f);
    const json_t *err = json_object_get(body, "error");
    if (json_is_string(err)) { /* format G */
        add_message(f->message, sizeof f->message, json_string_value(err));
        return 1;
    }
    const json_t *details = json_object_get(err, "details");
    size_t i;
    const json_t *d;
    json_array_foreach(details, i, d)
    {
        const char *msg = json_is_string(d) ? json_string_value(d)
                                            : json_string_value(json_object_get(d, "message"));
        const char *field = json_string_value(json_object_get(d, "field"));
        if (msg == NULL)
            continue;
        int at = field && field[0] ? form_find(f, field) : pricing_field(f, msg);
        if (at >= 0) {
            add_message(f->fields[at].error, sizeof f->fields[at].error, msg);
            if (first < 0 || at < first)
                first = at;
        } else {
            add_message(f->message, sizeof f->message, msg);
        }
        placed++;
    }
    if (placed == 0) {
        const char *msg = json_string_value(json_object_get(err, "message"));
        add_message(f->message, sizeof f->message, msg ? msg : "request failed");
        placed = 1;
    }
    if (first >= 0)
        f->focus = (size_t)first;
    return placed;
}

void form_focus_next(struct form *f)
{
    if (f->n > 0)
        f->focus = (f->focus + 1) % f->n;
}

void form_focus_prev(struct form *f)
{
    if (f->n > 0)
        f->focus = (f->focus + f->n - 1) % f->n;
}

static void choice_step(struct form_field *fd, int dir)
{
    size_t n = 0, cur = 0;
    while (fd->choices[n]) {
        if (strcmp(fd->choices[n], fd->value) == 0)
            cur = n;
        n++;
    }
    if (n == 0)
        return;
    cur = (cur + n + (size_t)(dir > 0 ? 1 : n - 1)) % n;
    snprintf(fd->value, sizeof fd->value, "%s", fd->choices[cur]);
    fd->cursor = strlen(fd->value);
}

static int insert_char(struct form_field *fd, wchar_t wc)
{
    char mb[MB_LEN_MAX];
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = wcrtomb(mb, wc, &st);
    size_t len = strlen(fd->value);
    if (n == (size_t)-1 || len + n + 1 > sizeof fd->value)
        return 1; /* unencodable or full: swallow the key */
    memmove(fd->value + fd->cursor + n, fd->value + fd->cursor, len - fd->cursor + 1);
    memcpy(fd->value + fd->cursor, mb, n);
    fd->cursor += n;
    return 1;
}

int form_edit(struct form *f, int is_key, unsigned ch)
{
    if (f->n == 0)
        return 0;
    struct form_field *fd = &f->fields[f->focus];
    size_t len = strlen(fd->value);
    if (fd->kind == FORM_CHOICE) {
        if ((!is_key && ch == ' ') || (is_key && ch == KEY_RIGHT)) {
            choice_step(fd, 1);
            return 1;
        }
        if (is_key && ch == KEY_LEFT) {
            choice_step(fd, -1);
            return 1;
        }
        return 0;
    }
    if (is_key || ch == 127 || ch == CTRL('h')) {
        unsigned k = ch == 127 || ch == CTRL('h') ? (unsigned)KEY_BACKSPACE : ch;
        switch (k) {
        case KEY_BACKSPACE: {
            size_t n = text_prev_len(fd->value, fd->cursor);
            memmove(fd->value + fd->cursor - n, fd->value + fd->cursor, len - fd->cursor + 1);
            fd->cursor -= n;
            return 1;
        }
        case KEY_DC: {
            size_t n = text_next_len(fd->value + fd->cursor);
            memmove(fd->value + fd->cursor, fd->value + fd->cursor + n, len - fd->cursor - n + 1);
            return 1;
        }
        case KEY_LEFT:
            fd->cursor -= text_prev_len(fd->value, fd->cursor);
            return 1;
        case KEY_RIGHT:
            fd->cursor += text_next_len(fd->value + fd->cursor);
            return 1;
        case KEY_HOME:
            fd->cursor = 0;
            return 1;
        case KEY_END:
            fd->cursor = len;
            return 1;
        default:
            return 0;
        }
    }
    switch (ch) {
    case CTRL('u'):
        fd->value[0] = '\0';
        fd->cursor = 0;
        return 1;
    case CTRL('k'):
        fd->value[fd->cursor] = '\0';
        return 1;
    case CTRL('a'):
        fd->cursor = 0;
        return 1;
    case CTRL('e'):
        fd->cursor = len;
        return 1;
    case CTRL('w'): { /* delete the word before the cursor */
        size_t c = fd->cursor;
        while (c > 0 && fd->value[c - 1] == ' ')
            c--;
        while (c > 0 && fd->value[c - 1] != ' ')
            c--;
        memmove(fd->value + c, fd->value + fd->cursor, len - fd->cursor + 1);
        fd->cursor = c;
        return 1;
    }
    default:
        break;
    }
    if (ch < 0x20 || ch == 0x7f)
        return 0;
    return insert_char(fd, (wchar_t)ch);
}

json_t *form_body(const struct form *f, int only_changed)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < f->n; i++) {
        const struct form_field *fd = &f->fields[i];
        if (fd->key == NULL)
            continue;
        if (only_changed && strcmp(fd->value, fd->initial) == 0)
            continue;
        if (fd->optional && fd->value[0] == '\0' && !only_changed)
            continue;
        json_t *v = (fd->optional && fd->value[0] == '\0') ? json_null()
                                                             : json_string(fd->value);
        if (v == NULL || json_object_set_new(o, fd->key, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

int form_draw(const struct form *f, WINDOW *w, int y, int x, int label_w, int width,
              attr_t attr_focus, attr_t attr_err)
{
    char cell[FORM_VALUE_MAX * 2];
    int line = 0, cy = -1, cx = -1;
    int vw = width - label_w - 2;
    if (vw < 4)
        vw = 4;
    for (size_t i = 0; i < f->n; i++) {
        const struct form_field *fd = &f->fields[i];
        int focus = i == f->focus;
        text_fit(cell, sizeof cell, fd->label, label_w, 1, 1);
        if (focus)
            wattron(w, A_BOLD);
        mvwaddstr(w, y + line, x, cell);
        waddstr(w, focus ? "> " : "  ");
        if (focus)
            wattroff(w, A_BOLD);
        char shown[FORM_VALUE_MAX + 8];
        if (fd->kind == FORM_SECRET) {
            size_t n = (size_t)text_width(fd->value);
            if (n >= sizeof shown)
                n = sizeof shown - 1;
            memset(shown, '*', n);
            shown[n] = '\0';
        } else if (fd->kind == FORM_CHOICE) {
            snprintf(shown, sizeof shown, "< %s >", fd->value);
        } else {
            snprintf(shown, sizeof shown, "%s", fd->value);
        }
        /* scroll long values so the cursor stays visible */
        const char *start = shown;
        char before[FORM_VALUE_MAX + 8];
        size_t cur = fd->kind == FORM_SECRET ? (size_t)text_width(fd->value)
                                             : (fd->kind == FORM_CHOICE ? 0 : fd->cursor);
        snprintf(before, sizeof before, "%.*s", (int)cur, shown);
        while (text_width(before) >= vw - 1 && *start) {
            size_t n = text_next_len(start);
            start += n ? n : 1;
            snprintf(before, sizeof before, "%.*s", (int)(cur - (size_t)(start - shown)), start);
        }
        text_fit(cell, sizeof cell, start, vw, 1, 0);
        wattron(w, focus ? attr_focus : A_UNDERLINE);
        waddstr(w, cell);
        wattroff(w, focus ? attr_focus : A_UNDERLINE);
        if (focus) {
            cy = y + line;
            cx = x + label_w + 2 + text_width(before);
        }
        line++;
        if (fd->error[0]) {
            text_fit(cell, sizeof cell, fd->error, vw - 2, 0, 1);
            wattron(w, attr_err);
            mvwaddstr(w, y + line, x + label_w + 2, "! ");
            waddstr(w, cell);
            wattroff(w, attr_err);
            line++;
        }
    }
    if (cy >= 0)
        wmove(w, cy, cx);
    return line;
}

int form_key(struct form *f, enum keys_action a, int is_key, unsigned ch)
{
    if (!is_key && ch >= 0x80)
        a = ACT_NONE; /* a wide character is text, never a command */
    switch (a) {
    case ACT_NEXT_FIELD:
        if (!is_key && (ch == '\n' || ch == '\r') && f->focus == f->n - 1)
            return FORM_SUBMIT;
        form_focus_next(f);
        return 1;
    case ACT_PREV_FIELD:
        form_focus_prev(f);
        return 1;
    case ACT_SUBMIT:
        return FORM_SUBMIT;
    default:
        return form_edit(f, is_key, ch);
    }
}
