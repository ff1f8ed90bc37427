/*
 * output: ctvctl's tables, as pure functions of their rows (unit-tested).
 *
 * On a TTY: a header, columns aligned with two spaces between them, the
 * whole line fitted to the terminal width by shrinking the widest columns
 * first (never below OUTPUT_MIN_COL, never an id column) and cutting cells
 * with an ellipsis; a line still too wide is cut at the width itself. The
 * header is bold when colour is on. Otherwise: tab-separated values, no header, tabs
 * and newlines inside a cell turned into spaces, nothing cut: one record per
 * line for cut/awk/while-read (gh's rule).
 */
#ifndef CTVCTL_OUTPUT_H
#define CTVCTL_OUTPUT_H

#include "lib/buf.h"

#include <jansson.h>
#include <stddef.h>

#define OUTPUT_MIN_COL 6
#define OUTPUT_GAP 2

/* A column: header and the key it shows from each row object. */
struct output_col {
    const char *header;
    const char *key;
};

/* A table of text cells; every string is owned by the table. */
struct output_table {
    size_t ncols;
    size_t nrows;
    size_t cap;
    char **headers; /* ncols */
    char **cells;   /* nrows * ncols, row-major */
    int *keep;      /* ncols: 1 = never shrunk (ids a script or a person copies) */
};

void output_table_init(struct output_table *t, size_t ncols, const char *const *headers);
void output_table_release(struct output_table *t);
/* Never shrink column col (an id); the line is still cut at the width. */
void output_table_keep(struct output_table *t, size_t col);
/* Append a row of ncols cells (copied; NULL is shown as empty). */
void output_table_add(struct output_table *t, const char *const *cells);

/*
 * Shrink widths[0..n) so that their sum plus gaps fits avail, the widest
 * first, none below min (or its own width when smaller) and none whose keep
 * flag is set (keep may be NULL). Returns the final line width (may exceed
 * avail when even the minimums do not fit: the renderer then cuts lines).
 */
int output_fit_widths(int *widths, const int *keep, size_t n, int avail, int min);

/* Render t into out: tty (aligned, fitted to width) or TSV; bold header when color. */
int output_table_render(const struct output_table *t, int tty, int width, int color,
                        struct buf *out);

/*
 * A JSON value as a cell: strings as they are, integers in decimal, reals
 * in the shortest form that reads back ("18.75"), true/false, null as "-"
 * on a TTY and "" otherwise, arrays of scalars comma-joined, other values
 * as compact JSON. The result is malloc'd.
 */
char *output_cell(const json_t *v, int tty);

#endif
