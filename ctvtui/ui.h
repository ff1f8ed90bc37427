/*
 * ui: ctvtui's screen, view stack and event loop.
 *
 * The screen is a title line, the view's area, a status line (spinner,
 * messages, the error line) and the key bar. Views are a stack: Enter opens
 * one on top, q/Esc pops it, and only the top one draws and gets keys.
 * Each view kind is one file filling a struct view_ops (tig's view_ops):
 *   open     once, when pushed: allocate state, ask for data
 *   draw     paint the view's area from its state; never does I/O
 *   key      one key press; returns 1 when consumed
 *   refresh  ask for fresh data (also called every refresh_ms, and on `r`)
 *   result   an answer of the fetch worker for this view
 *   close    free the state
 * Network answers reach a view only through result(), on the UI thread, so
 * views never lock anything. KEY_RESIZE, the too-small notice, the help
 * overlay, confirmations and the spinner live here, in one place.
 *
 * Only the UI thread calls these functions.
 */
#ifndef CTVTUI_UI_H
#define CTVTUI_UI_H

#include "fetch.h"
#include "keys.h"

#include <curses.h>
#include <jansson.h>
#include <stdint.h>

#define UI_MIN_COLS 60
#define UI_MIN_LINES 16

struct ui;
struct view;

/* Colour roles; ui_attr() turns one into curses attributes (monochrome aware). */
enum ui_role {
    UI_NORMAL = 0,
    UI_TITLE,
    UI_SELECTED,
    UI_HEADER,
    UI_ERROR,
    UI_OK,
    UI_WARN,
    UI_DIM,
    UI_CHART,
    UI_CHART2,
    UI_KEYBAR,
    UI_ROLE_COUNT,
};

struct view_ops {
    const char *name;
    unsigned keys_ctx; /* enum keys_ctx bits: which key table rows apply */
    int refresh_ms;    /* periodic refresh at open, 0 for none (struct view can change it) */
    int (*open)(struct view *v, struct ui *ui, void *arg);
    void (*draw)(struct view *v, struct ui *ui, WINDOW *w, int lines, int cols);
    /* is_key: ch is a KEY_* code; else a (wide) character */
    int (*key)(struct view *v, struct ui *ui, int is_key, unsigned ch);
    void (*refresh)(struct view *v, struct ui *ui);
    void (*result)(struct view *v, struct ui *ui, struct fetch_result *r);
    void (*close)(struct view *v);
};

struct view {
    const struct view_ops *ops;
    void *state;      /* the view's own, freed by close */
    unsigned id;      /* owner id for fetch jobs; unique per push */
    char title[128];
    int loading;      /* requests of this view in flight */
    int64_t loaded_ms; /* clock_mono_ms of the last good answer, 0 never */
    int stale;        /* the last refresh failed: data shown is old */
    int64_t next_refresh_ms;
    int refresh_ms;   /* current period (ops->refresh_ms at open; the view may change it) */
    int no_cursor;    /* a form view that is not editing right now (upload in progress) */
    struct view *below;
};

/* Confirmation answer callback: yes is 1 or 0. */
typedef void (*ui_confirm_fn)(struct view *v, struct ui *ui, int yes, void *arg);

/* Process-wide settings main() hands to ui_new(). */
struct ui_settings {
    struct clientcfg *cfg; /* borrowed: server, tokens, token file */
    int color;             /* 0: monochrome (NO_COLOR, TERM=dumb, --no-color) */
};

/*
 * Start curses and the fetch worker. NULL with err filled on failure (not a
 * terminal, no worker). Free with ui_free(), which ends curses.
 */
struct ui *ui_new(const struct ui_settings *s, char *err, size_t errlen);
void ui_free(struct ui *ui);

/* Run the loop until the last view is popped or quit; returns the exit code. */
int ui_run(struct ui *ui);

/* Push a view of ops (open gets arg). -1 when open failed (nothing pushed). */
int ui_push(struct ui *ui, const struct view_ops *ops, void *arg);
/* Pop the top view (close it). */
void ui_pop(struct ui *ui);
/* Pop views down to (not including) the first of ops, or to the bottom; push ops if absent. */
void ui_goto(struct ui *ui, const struct view_ops *ops);
void ui_quit(struct ui *ui);

/* The attributes of role (bold/reverse only in monochrome). */
attr_t ui_attr(const struct ui *ui, enum ui_role role);
/* Whether charts may use UTF-8 block glyphs. */
int ui_utf8(const struct ui *ui);
/* Whether colours are on. */
int ui_color(const struct ui *ui);

/*
 * Ask the worker; the answer comes to v->ops->result with tag. body may be
 * NULL (borrowed, serialised now). 0, or -1 (queue full: error line set).
 */
int ui_request(struct ui *ui, struct view *v, int tag, const char *method, const char *path,
               const json_t *body);
/* Login (the tokens are saved when the answer comes). */
int ui_login(struct ui *ui, struct view *v, int tag, const char *server, const char *email,
             const char *password);
/* Upload a file; FETCH_PROGRESS results come to v before the final one. */
int ui_upload(struct ui *ui, struct view *v, int tag, const char *path, const char *file,
              const char *const *fields);
/* Abort v's upload and drop its queued requests. */
void ui_cancel(struct ui *ui, struct view *v);

/* The status line: info message (kept ~5 s) or the error line (kept until next action). */
void ui_message(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ui_error(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A standard failure line for a result ("campaigns: timeout after 30 s",
 * "... not found"); a 401 after the client's own refresh opens the login.
 */
void ui_fail(struct ui *ui, struct view *v, const struct fetch_result *r, const char *what);

/* A y/n question over the current view; fn is called with the answer. */
void ui_confirm(struct ui *ui, struct view *v, ui_confirm_fn fn, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Show text in a box over the view until a key is pressed (the VAST tag). */
void ui_popup(struct ui *ui, const char *title, const char *text);

/* Put text on the terminal's clipboard with OSC 52 (the terminal may ignore it). */
int ui_clipboard(struct ui *ui, const char *text);

/* Mark the screen for a full redraw. */
void ui_dirty(struct ui *ui);

/* The configuration (server, tokens) main() loaded. */
struct clientcfg *ui_cfg(struct ui *ui);

/* Draw s at (y, x) in at most cols columns, padded when pad (UTF-8 aware). */
void ui_put(WINDOW *w, int y, int x, const char *s, int cols, int pad);

/* Views, defined in view_<name>.c. */
extern const struct view_ops view_login_ops;
extern const struct view_ops view_dashboard_ops;
extern const struct view_ops view_campaigns_ops;
extern const struct view_ops view_campaign_ops;
extern const struct view_ops view_edit_ops;
extern const struct view_ops view_upload_ops;
extern const struct view_ops view_live_ops;
extern const struct view_ops view_help_ops;

#endif
