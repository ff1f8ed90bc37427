/*
 * view_help: every key of the view below, from the key table (keys.c), so
 * help cannot drift from what the keys do.
 */
#include "text.h"
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>

struct help {
    unsigned ctx;
    const char *of;
    int scroll;
};

static int help_open(struct view *v, struct ui *ui, void *arg)
{
    (void)ui;
    struct view *below = arg;
    struct help *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->ctx = below ? below->ops->keys_ctx : KEYS_BROWSE;
    s->of = below ? below->title : "";
    snprintf(v->title, sizeof v->title, "Help: %.100s", s->of);
    v->state = s;
    return 0;
}

static void help_draw(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols)
{
    struct help *s = v->state;
    const char *key, *text;
    size_t i = 0;
    int row = 0, y = 0;
    wattron(w, ui_attr(ui, UI_HEADER));
    ui_put(w, y++, 1, "Keys (q or Esc closes this help)", cols - 2, 0);
    wattroff(w, ui_attr(ui, UI_HEADER));
    while (keys_help_next(s->ctx | KEYS_HELP, &i, &key, &text) == 0) {
        if (row++ < s->scroll)
            continue;
        if (y >= lines)
            break;
        char line[256];
        snprintf(line, sizeof line, "%-14s %s", key, text);
        ui_put(w, y++, 2, line, cols - 3, 0);
    }
}

static int help_key(struct view *v, struct ui *ui, int is_key, unsigned ch)
{
    struct help *s = v->state;
    (void)is_key;
    switch (keys_lookup((int)ch, KEYS_HELP)) {
    case ACT_DOWN:
    case ACT_PAGE_DOWN:
        s->scroll++;
        return 1;
    case ACT_UP:
    case ACT_PAGE_UP:
        if (s->scroll > 0)
            s->scroll--;
        return 1;
    case ACT_HELP:
        ui_pop(ui);
        return 1;
    default:
        return 0;
    }
}

static void help_close(struct view *v)
{
    free(v->state);
}

const struct view_ops view_help_ops = {
    .name = "help",
    .keys_ctx = KEYS_HELP,
    .open = help_open,
    .draw = help_draw,
    .key = help_key,
    .close = help_close,
};
