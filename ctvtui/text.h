/*
 * text: UTF-8 strings measured in terminal columns, for ctvtui.
 *
 * Campaign names are UTF-8 from the API ("Café Noël", "東京 CTV"); a table
 * cell must be cut and padded by display columns, not bytes, or wide
 * characters break the columns and a cut lands inside a character. Pure
 * functions over the C library's mbrtowc/wcwidth, so they follow the locale
 * that main() set with setlocale(LC_ALL, "").
 */
#ifndef CTVTUI_TEXT_H
#define CTVTUI_TEXT_H

#include <stddef.h>

/* Display columns of s; invalid bytes and control characters count 1. */
int text_width(const char *s);

/*
 * Copy s into out cut to at most cols columns and, when pad is non-zero,
 * padded with spaces to exactly cols. A cut string ends with "~" when
 * ellipsis is non-zero and at least one column was dropped. Never splits a
 * character. Returns the columns written.
 */
int text_fit(char *out, size_t outsz, const char *s, int cols, int pad, int ellipsis);

/* Byte length of the character that ends at s[len] (0 when len is 0). */
size_t text_prev_len(const char *s, size_t len);

/* Byte length of the character starting at s (0 at the NUL). */
size_t text_next_len(const char *s);

/* Case-insensitive (ASCII letters) substring test; "" matches everything. */
int text_contains(const char *haystack, const char *needle);

#endif
