/*
 * form: labelled input fields with per-field messages (create/edit campaign,
 * login, upload).
 *
 * The API is the authority on validity: a form sends what was typed and
 * puts each message of the API's error body (format B: every failure,
 * format C: the first one, docs/admin-api.md) under the field it names,
 * so the operator reads "Budget must be at least $1" where the budget is.
 * Editing is UTF-8 aware (a backspace removes a character, not a byte).
 * The form owns its field values; labels, keys and choice lists are static
 * strings the caller keeps alive.
 */
#ifndef CTVTUI_FORM_H
#define CTVTUI_FORM_H

#include "keys.h"

#include <curses.h>
#include <jansson.h>
#include <stddef.h>

#define FORM_VALUE_MAX 1024
#define FORM_MSG_MAX 256

enum form_kind {
    FORM_TEXT,     /* sent as a JSON string */
    FORM_NUMBER,   /* sent as a string (the API converts numeric strings, 4.1) */
    FORM_SECRET,   /* text shown as '*' */
    FORM_CHOICE,   /* one of choices[], cycled with Space/Left/Right */
};

struct form_field {
    const char *label;
    const char *key;              /* JSON member; NULL: not sent */
    enum form_kind kind;
    const char *const *choices;   /* FORM_CHOICE: NULL-terminated */
    int optional;                 /* empty -> omitted from the body */
    char value[FORM_VALUE_MAX];
    char initial[FORM_VALUE_MAX]; /* to send only changes on edit */
    size_t cursor;                /* byte offset in value */
    char error[FORM_MSG_MAX];
};

struct form {
    struct form_field *fields;   /* owned, n of them */
    size_t n;
    size_t focus;
    char message[FORM_MSG_MAX];  /* whole-form message (field "" or format A) */
};

/* Set up a form of n fields copied from tmpl (values empty). */
void form_init(struct form *f, const struct form_field *tmpl, size_t n);
void form_release(struct form *f);

/* Set a field's value (and its initial value when initial is non-zero). */
void form_set(struct form *f, size_t i, const char *value, int initial);
/* The field whose key is key, or -1. */
int form_find(const struct form *f, const char *key);

/* Clear every message. */
void form_clear_errors(struct form *f);

/*
 * Put the messages of an API error body under their fields. Messages for a
 * field the form does not have, for field "", string details and format A
 * go to f->message, except that the cross-field pricing message ("CPM rate
 * is required ...") goes to the rate field it is about. Focus moves to the
 * first field with a message. Returns the number of messages placed.
 */
int form_apply_errors(struct form *f, const json_t *body);

/*
 * Edit the focused field with one key: a printable wide character, or
 * KEY_BACKSPACE/KEY_DC/KEY_LEFT/KEY_RIGHT/KEY_HOME/KEY_END/^U/^K/^W, Space
 * and arrows on a choice. Returns 1 when the key was used, 0 otherwise.
 * is_key: ch is a curses KEY_* code, not a character.
 */
int form_edit(struct form *f, int is_key, unsigned ch);

void form_focus_next(struct form *f);
void form_focus_prev(struct form *f);

#define FORM_SUBMIT 2

/*
 * One key of a form view, a already looked up in the view's key table:
 * next/previous field, Enter on the last field or the submit key give
 * FORM_SUBMIT (the caller sends the form), anything else goes to
 * form_edit(). Returns FORM_SUBMIT, 1 when the key was used, 0 otherwise.
 */
int form_key(struct form *f, enum keys_action a, int is_key, unsigned ch);

/*
 * The request body: every non-optional field, and optional fields that are
 * not empty; with only_changed, only fields whose value differs from the
 * initial one. New reference, owned by the caller.
 */
json_t *form_body(const struct form *f, int only_changed);

/*
 * Draw the form at (y, x) of w, label column label_w wide, values up to
 * width columns. Each field takes one line plus one for its message when it
 * has one. Sets the cursor on the focused field. attr_err/attr_focus are
 * the caller's colour attributes. Returns the lines used.
 */
int form_draw(const struct form *f, WINDOW *w, int y, int x, int label_w, int width,
              attr_t attr_focus, attr_t attr_err);

#endif
