/*
 * keys: the key table (see keys.h).
 *
 * One row per action and context set: up to four key codes, the name shown
 * to the user, the help text, and whether the bottom bar shows it (the bar
 * has 80 columns at worst, so only the main keys of a view go there; `?`
 * lists them all). vim keys and arrows are aliases in the same row.
 */
#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)
#define ESC 27

struct key_entry {
    int codes[4];
    const char *name;
    const char *help;
    unsigned ctx;
    enum keys_action action;
    const char *bar; /* short label for the bottom bar, NULL: help only */
};

static const struct key_entry key_table[] = {
    /* first, so the key bar always has room for them */
    {{'?', KEY_F(1)}, "? F1", "this help", KEYS_BROWSE, ACT_HELP, "help"},
    {{'q', ESC, KEY_BACKSPACE}, "q Esc", "back; quits from the first view",
     KEYS_BROWSE | KEYS_HELP, ACT_BACK, "back"},
    {{'k', KEY_UP}, "k Up", "move up", KEYS_BROWSE | KEYS_HELP, ACT_UP, NULL},
    {{'j', KEY_DOWN}, "j Down", "move down", KEYS_BROWSE | KEYS_HELP, ACT_DOWN, NULL},
    {{CTRL('b'), KEY_PPAGE}, "^B PgUp", "page up", KEYS_BROWSE | KEYS_HELP, ACT_PAGE_UP, NULL},
    {{CTRL('f'), KEY_NPAGE, ' '}, "^F PgDn Space", "page down", KEYS_BROWSE | KEYS_HELP,
     ACT_PAGE_DOWN, NULL},
    {{'g', KEY_HOME}, "g Home", "first line", KEYS_BROWSE | KEYS_HELP, ACT_TOP, NULL},
    {{'G', KEY_END}, "G End", "last line", KEYS_BROWSE | KEYS_HELP, ACT_BOTTOM, NULL},
    {{'h', KEY_LEFT}, "h Left", "previous sort column", KEYS_LIST, ACT_LEFT, NULL},
    {{'l', KEY_RIGHT}, "l Right", "next sort column", KEYS_LIST, ACT_RIGHT, NULL},
    {{'\n', '\r', KEY_ENTER}, "Enter", "open the selected campaign", KEYS_LIST | KEYS_DASH,
     ACT_OPEN, "open"},
    {{'s'}, "s", "sort by the next column", KEYS_LIST, ACT_SORT_NEXT, "sort"},
    {{'S'}, "S", "reverse the sort order", KEYS_LIST, ACT_SORT_REVERSE, NULL},
    {{'/'}, "/", "filter by name (Enter keeps, Esc clears)", KEYS_LIST, ACT_FILTER, "filter"},
    {{'f'}, "f", "cycle the status filter (all, draft, active, paused, completed)", KEYS_LIST,
     ACT_STATUS_FILTER, "status"},
    {{'n'}, "n", "new campaign", KEYS_LIST | KEYS_DASH, ACT_NEW, "new"},
    {{'e'}, "e", "edit the campaign", KEYS_LIST | KEYS_DETAIL, ACT_EDIT, "edit"},
    {{'a'}, "a", "activate the campaign", KEYS_LIST | KEYS_DETAIL, ACT_ACTIVATE, "activate"},
    {{'p'}, "p", "pause the campaign", KEYS_LIST | KEYS_DETAIL, ACT_PAUSE, "pause"},
    {{'c'}, "c", "mark the campaign completed", KEYS_LIST | KEYS_DETAIL, ACT_COMPLETE, NULL},
    {{'w'}, "w", "set the campaign back to draft", KEYS_LIST | KEYS_DETAIL, ACT_DRAFT, NULL},
    {{'d', KEY_DC}, "d Del", "delete (soft: marks completed), asks first",
     KEYS_LIST | KEYS_DETAIL, ACT_DELETE, "delete"},
    {{'D'}, "D", "delete permanently, asks first", KEYS_LIST | KEYS_DETAIL, ACT_DELETE_HARD,
     NULL},
    {{'u'}, "u", "upload a creative", KEYS_DETAIL, ACT_UPLOAD, "upload"},
    {{'L'}, "L", "live stats of the campaign", KEYS_DETAIL | KEYS_LIST, ACT_LIVE, "live"},
    {{'y'}, "y", "copy the VAST tag (OSC 52) and show it", KEYS_DETAIL, ACT_COPY_VAST, "vast"},
    {{'Y'}, "Y", "copy the VMAP tag (OSC 52) and show it", KEYS_DETAIL, ACT_COPY_VMAP, NULL},
    {{'1'}, "1", "dashboard", KEYS_BROWSE, ACT_DASHBOARD, NULL},
    {{'2'}, "2", "campaigns", KEYS_BROWSE, ACT_CAMPAIGNS, NULL},
    {{'r', KEY_F(5)}, "r F5", "reload from the server", KEYS_BROWSE, ACT_REFRESH, "reload"},
    {{CTRL('l')}, "^L", "redraw the screen", KEYS_ALL, ACT_REDRAW, NULL},
    {{'\t', KEY_DOWN}, "Tab Down", "next field", KEYS_FORM | KEYS_LOGIN, ACT_NEXT_FIELD, "next"},
    {{KEY_BTAB, KEY_UP}, "S-Tab Up", "previous field", KEYS_FORM | KEYS_LOGIN, ACT_PREV_FIELD,
     NULL},
    {{'\n', '\r', KEY_ENTER}, "Enter", "next field; on the last field, submit",
     KEYS_FORM | KEYS_LOGIN, ACT_NEXT_FIELD, NULL},
    {{CTRL('s'), KEY_F(2)}, "^S F2", "submit", KEYS_FORM | KEYS_LOGIN, ACT_SUBMIT, "submit"},
    {{'\t'}, "Tab", "complete the path", KEYS_UPLOAD, ACT_COMPLETE_PATH, "complete"},
    {{'\n', '\r', KEY_ENTER}, "Enter", "next field; on the last, start the upload", KEYS_UPLOAD,
     ACT_NEXT_FIELD, NULL},
    {{CTRL('s'), KEY_F(2)}, "^S F2", "start the upload", KEYS_UPLOAD, ACT_SUBMIT, "upload"},
    {{KEY_UP, KEY_BTAB}, "Up S-Tab", "previous field", KEYS_UPLOAD, ACT_PREV_FIELD, NULL},
    {{KEY_DOWN}, "Down", "next field", KEYS_UPLOAD, ACT_NEXT_FIELD, NULL},
    {{'y', 'Y'}, "y", "yes", KEYS_CONFIRM, ACT_YES, "yes"},
    {{'n', 'N', ESC, 'q'}, "n Esc", "no", KEYS_CONFIRM, ACT_NO, "no"},
    {{ESC, CTRL('g')}, "Esc", "back (forms: cancel)", KEYS_FORM | KEYS_UPLOAD | KEYS_LOGIN,
     ACT_BACK, "back"},
    {{'Q', CTRL('c')}, "Q", "quit", KEYS_BROWSE | KEYS_HELP, ACT_QUIT, "quit"},
    {{CTRL('c')}, "^C", "quit", KEYS_FORM | KEYS_UPLOAD | KEYS_LOGIN, ACT_QUIT, NULL},
};

#define KEY_TABLE_LEN (sizeof key_table / sizeof key_table[0])

enum keys_action keys_lookup(int ch, unsigned ctx)
{
    for (size_t i = 0; i < KEY_TABLE_LEN; i++) {
        if (!(key_table[i].ctx & ctx))
            continue;
        for (size_t k = 0; k < 4 && key_table[i].codes[k] != 0; k++)
            if (key_table[i].codes[k] == ch)
                return key_table[i].action;
    }
    return ACT_NONE;
}

void keys_bar(unsigned ctx, int width, char *out, size_t outsz)
{
    size_t len = 0;
    if (outsz == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < KEY_TABLE_LEN; i++) {
        const struct key_entry *e = &key_table[i];
        if (!(e->ctx & ctx) || e->bar == NULL)
            continue;
        /* the first word of the name is the key to press */
        char item[48];
        size_t klen = strcspn(e->name, " ");
        int n = snprintf(item, sizeof item, "%s%.*s %s", len ? "  " : "", (int)klen, e->name,
                         e->bar);
        if (n < 0 || (size_t)n >= sizeof item)
            continue;
        if ((int)(len + (size_t)n) > width || len + (size_t)n + 1 > outsz)
            break;
        memcpy(out + len, item, (size_t)n + 1);
        len += (size_t)n;
    }
}

int keys_help_next(unsigned ctx, size_t *i, const char **key, const char **help)
{
    while (*i < KEY_TABLE_LEN) {
        const struct key_entry *e = &key_table[(*i)++];
        if (e->ctx & ctx) {
            *key = e->name;
            *help = e->help;
            return 0;
        }
    }
    return -1;
}
