/*
 * keys: ctvtui's one key table (tig's request table, htop's function bar).
 *
 * Every key maps to an action in the contexts (views) where it applies, with
 * the help text that `?` and the bottom key bar show, so a key cannot work
 * without being documented on screen. Views that edit text (login, forms,
 * the upload path) see raw keys first and only fall back to this table for
 * keys they do not consume.
 */
#ifndef CTVTUI_KEYS_H
#define CTVTUI_KEYS_H

#include <stddef.h>

/* Contexts: one bit per view kind. */
enum keys_ctx {
    KEYS_LOGIN = 1u << 0,
    KEYS_DASH = 1u << 1,
    KEYS_LIST = 1u << 2,
    KEYS_DETAIL = 1u << 3,
    KEYS_FORM = 1u << 4,
    KEYS_UPLOAD = 1u << 5,
    KEYS_LIVE = 1u << 6,
    KEYS_HELP = 1u << 7,
    KEYS_CONFIRM = 1u << 8,
};
#define KEYS_BROWSE (KEYS_DASH | KEYS_LIST | KEYS_DETAIL | KEYS_LIVE)
#define KEYS_ALL 0x1ffu

enum keys_action {
    ACT_NONE = 0,
    ACT_UP,
    ACT_DOWN,
    ACT_PAGE_UP,
    ACT_PAGE_DOWN,
    ACT_TOP,
    ACT_BOTTOM,
    ACT_LEFT,
    ACT_RIGHT,
    ACT_OPEN,
    ACT_BACK,
    ACT_QUIT,
    ACT_HELP,
    ACT_REFRESH,
    ACT_REDRAW,
    ACT_FILTER,
    ACT_STATUS_FILTER,
    ACT_SORT_NEXT,
    ACT_SORT_REVERSE,
    ACT_DASHBOARD,
    ACT_CAMPAIGNS,
    ACT_NEW,
    ACT_EDIT,
    ACT_ACTIVATE,
    ACT_PAUSE,
    ACT_COMPLETE,
    ACT_DRAFT,
    ACT_DELETE,
    ACT_DELETE_HARD,
    ACT_UPLOAD,
    ACT_LIVE,
    ACT_COPY_VAST,
    ACT_COPY_VMAP,
    ACT_NEXT_FIELD,
    ACT_PREV_FIELD,
    ACT_SUBMIT,
    ACT_COMPLETE_PATH,
    ACT_YES,
    ACT_NO,
};

/* The action of key ch in context ctx, ACT_NONE when it has none there. */
enum keys_action keys_lookup(int ch, unsigned ctx);

/*
 * The bottom key bar of context ctx: "key label" pairs that fit in width
 * columns, written to out (NUL-terminated, truncated to outsz).
 */
void keys_bar(unsigned ctx, int width, char *out, size_t outsz);

/*
 * The help lines of context ctx, one per key entry: *key and *help point to
 * static strings. Returns 0 while entries remain (i starts at 0 and is
 * advanced by the call), -1 at the end.
 */
int keys_help_next(unsigned ctx, size_t *i, const char **key, const char **help);

#endif
