/*
 * term: what ctvctl and ctvtui need to know about the terminal.
 *
 * Whether a descriptor is a TTY, how wide it is, whether to use colour
 * (a flag beats NO_COLOR, which beats the TTY test; jq's rule), reading a
 * password from /dev/tty without echo, and the display width of UTF-8 text
 * for tables that must fit the terminal.
 *
 * Thread-safe except term_read_password (it changes the terminal's modes).
 */
#ifndef TERM_H
#define TERM_H

#include <stddef.h>

enum term_color {
    TERM_COLOR_AUTO = -1, /* colour on a TTY unless NO_COLOR is set and non-empty */
    TERM_COLOR_NEVER = 0,
    TERM_COLOR_ALWAYS = 1,
};

/* 1 when fd is a terminal. */
int term_isatty(int fd);

/*
 * Columns of the terminal on fd; when fd is not a terminal, $COLUMNS when it
 * is a positive number, else fallback.
 */
int term_width(int fd, int fallback);

/* Whether to colour output on fd under flag (reads NO_COLOR). */
int term_use_color(int fd, enum term_color flag);

/* The decision itself, pure: flag, then NO_COLOR (set and non-empty), then is_tty. */
int term_color_decide(enum term_color flag, int is_tty, const char *no_color);

/*
 * Print prompt on /dev/tty and read one line there with echo off (restored
 * afterwards, also on SIGINT-free errors). The newline is stripped.
 * 0, or -1 when there is no terminal or the line does not fit in n bytes.
 */
int term_read_password(const char *prompt, char *buf, size_t n);

/*
 * Display columns of the first len bytes of UTF-8 text s (wcwidth per code
 * point when the locale knows it, 1 otherwise; control characters 0;
 * malformed bytes 1 each).
 */
int term_text_width(const char *s, size_t len);

/*
 * Bytes of s that fit in cols display columns without splitting a
 * character; *used gets their width (may be NULL).
 */
size_t term_text_fit(const char *s, int cols, int *used);

#endif
