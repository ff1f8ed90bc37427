/*
 * output: see output.h. Widths are display columns (term_text_width), so
 * UTF-8 names line up; a cut never splits a character.
 */
#include "output.h"
#include "client/term.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one column */

void output_table_init(struct output_table *t, size_t ncols, const char *const *headers)
{
    size_t i;

    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    t->headers = xcalloc(ncols, sizeof(char *));
    t->keep = xcalloc(ncols ? ncols : 1, sizeof(int));
    for (i = 0; i < ncols; i++)
        t->headers[i] = xstrdup(headers[i] != NULL ? headers[i] : "");
}

void output_table_release(struct output_table *t)
{
    size_t i;

    for (i = 0; i < t->ncols; i++)
        free(t->headers[i]);
    for (i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->keep);
    free(t->headers);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

void output_table_keep(struct output_table *t, size_t col)
{
    if (col < t->ncols)
        t->keep[col] = 1;
}

void output_table_add(struct output_table *t, const char *const *cells)
{
    size_t i;

    if (t->nrows == t->cap) {
        t->cap = t->cap ? st_mult(t->cap, 2) : 16;
        t->cells = xrealloc(t->cells, st_mult(st_mult(t->cap, t->ncols), sizeof(char *)));
    }
    for (i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i] != NULL ? cells[i] : "");
    t->nrows++;
}

int output_fit_widths(int *widths, const int *keep, size_t n, int avail, int min)
{
    int total = 0, widest;
    size_t i, pick;

    for (i = 0; i < n; i++)
        total += widths[i];
    total += n > 0 ? (int)(n - 1) * OUTPUT_GAP : 0;
    while (total > avail) {
        widest = -1;
        pick = n;
        for (i = 0; i < n; i++)
            if (widths[i] > min && widths[i] > widest && (keep == NULL || !keep[i])) {
                widest = widths[i];
                pick = i;
            }
        if (pick == n)
            break; /* everything is at its minimum */
        widths[pick]--;
        total--;
    }
    return total;
}

/* cell cut to w columns ("~" marks a cut), padded to w unless last. */
static int put_cell(struct buf *out, const char *cell, int w, int last)
{
    int cw = term_text_width(cell, strlen(cell)), used;
    size_t bytes;

    if (cw > w) {
        bytes = term_text_fit(cell, w - 1, &used);
        if (buf_append(out, cell, bytes) != 0 || buf_puts(out, ELLIPSIS) != 0)
            return -1;
        cw = used + 1;
    } else if (buf_puts(out, cell) != 0) {
        return -1;
    }
    if (!last)
        for (; cw < w + OUTPUT_GAP; cw++)
            if (buf_putc(out, ' ') != 0)
                return -1;
    return 0;
}

/* One cell of TSV: tabs, CR and LF become spaces. */
static int put_tsv(struct buf *out, const char *cell)
{
    for (; *cell != '\0'; cell++)
        if (buf_putc(out, (*cell == '\t' || *cell == '\n' || *cell == '\r') ? ' ' : *cell) != 0)
            return -1;
    return 0;
}

/* Append line to out, cut at width columns (ellipsis), bold when asked. */
static int put_line(struct buf *out, const struct buf *line, int width, int bold)
{
    size_t bytes = line->len;
    int used;

    if (bold && buf_puts(out, "\033[1m") != 0)
        return -1;
    if (term_text_width(line->data, line->len) > width && width > 1) {
        bytes = term_text_fit(line->data, width - 1, &used);
        if (buf_append(out, line->data, bytes) != 0 || buf_puts(out, ELLIPSIS) != 0)
            return -1;
    } else if (line->len > 0 && buf_append(out, line->data, line->len) != 0) {
        return -1;
    }
    if (bold && buf_puts(out, "\033[0m") != 0)
        return -1;
    return buf_putc(out, '\n');
}

int output_table_render(const struct output_table *t, int tty, int width, int color,
                        struct buf *out)
{
    struct buf line;
    int *w = NULL, rc = -1;
    size_t r, c;

    if (!tty) {
        for (r = 0; r < t->nrows; r++) {
            for (c = 0; c < t->ncols; c++)
                if ((c > 0 && buf_putc(out, '\t') != 0) ||
                    put_tsv(out, t->cells[r * t->ncols + c]) != 0)
                    return -1;
            if (buf_putc(out, '\n') != 0)
                return -1;
        }
        return 0;
    }
    buf_init(&line, out->max);
    w = xcalloc(t->ncols ? t->ncols : 1, sizeof(int));
    for (c = 0; c < t->ncols; c++) {
        w[c] = term_text_width(t->headers[c], strlen(t->headers[c]));
        for (r = 0; r < t->nrows; r++) {
            const char *cell = t->cells[r * t->ncols + c];
            int cw = term_text_width(cell, strlen(cell));

            if (cw > w[c])
                w[c] = cw;
        }
    }
    output_fit_widths(w, t->keep, t->ncols, width, OUTPUT_MIN_COL);
    for (c = 0; c < t->ncols; c++)
        if (put_cell(&line, t->headers[c], w[c], c + 1 == t->ncols) != 0)
            goto cleanup;
    if (put_line(out, &line, width, color) != 0)
        goto cleanup;
    for (r = 0; r < t->nrows; r++) {
        buf_reset(&line);
        for (c = 0; c < t->ncols; c++)
            if (put_cell(&line, t->cells[r * t->ncols + c], w[c], c + 1 == t->ncols) != 0)
                goto cleanup;
        if (put_line(out, &line, width, 0) != 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    buf_release(&line);
    free(w);
    return rc;
}

char *output_cell(const json_t *v, int tty)
{
    char tmp[64];
    struct buf b;
    size_t i;
    char *s;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return xstrdup(json_string_value(v));
    case JSON_INTEGER:
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return xstrdup(tmp);
    case JSON_REAL:
        /* the shortest %g form that reads back as the same double */
        for (i = 1; i <= 17; i++) {
            snprintf(tmp, sizeof(tmp), "%.*g", (int)i, json_real_value(v));
            if (strtod(tmp, NULL) == json_real_value(v))
                break;
        }
        return xstrdup(tmp);
    case JSON_TRUE:
        return xstrdup("true");
    case JSON_FALSE:
        return xstrdup("false");
    case JSON_NULL:
        return xstrdup(tty ? "-" : "");
    case JSON_ARRAY:
        for (i = 0; i < json_array_size(v); i++)
            if (json_is_object(json_array_get(v, i)) || json_is_array(json_array_get(v, i)))
                goto compact;
        buf_init(&b, 1 << 20);
        for (i = 0; i < json_array_size(v); i++) {
            const json_t *e = json_array_get(v, i);

            s = output_cell(e, tty);
            if ((i > 0 && buf_putc(&b, ',') != 0) || buf_puts(&b, s) != 0) {
                free(s);
                buf_release(&b);
                goto compact;
            }
            free(s);
        }
        s = buf_detach(&b, NULL);
        return s != NULL ? s : xstrdup("");
    default:
        break;
    }
compact:
    s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s == NULL)
        return xstrdup("?");
    {
        char *copy = xstrdup(s);

        free(s);
        return copy;
    }
}
