/*
 * chart: the text charts of ctvtui (sparklines, column charts with a target
 * overlay, progress/budget bars, the completion funnel, compact numbers).
 *
 * Pure functions: they read numbers and write text into the caller's buffer,
 * never touch curses, so they are unit-tested byte for byte (the idea of
 * redis's sparkline.c). Output is UTF-8 block glyphs when utf8 is non-zero,
 * plain ASCII otherwise (TERM=dumb, a non-UTF-8 locale). Every glyph is one
 * terminal column wide, so "width" is both the column count and, in ASCII,
 * the byte count. Each function NUL-terminates out (also when it truncates)
 * and returns the number of columns drawn.
 */
#ifndef CTVTUI_CHART_H
#define CTVTUI_CHART_H

#include <stddef.h>

/*
 * One row of 8-level bars for the last `width` values of v (older values
 * scroll off the left; fewer values than width leave the line short).
 * max <= 0 scales to the largest value; negatives count as 0; 0 draws the
 * lowest glyph so an idle series is still visible as a baseline.
 */
int chart_sparkline(char *out, size_t outsz, const double *v, size_t n, int width, double max,
                    int utf8);

/*
 * A column chart `height` rows tall and up to `width` columns wide, rows
 * separated by '\n' (top row first, no trailing newline). Each column is one
 * value of v (the last `width` ones), filled in eighths of a row. target,
 * when not NULL, is a second series of the same length drawn as a line glyph
 * ('-' in ASCII) in the row its value reaches where the column does not
 * cover it: spend per minute against the pacing target. Scale: max of both
 * series (max <= 0) or max.
 */
int chart_columns(char *out, size_t outsz, const double *v, const double *target, size_t n,
                  int width, int height, double max, int utf8);

/* A horizontal bar `width` columns wide filled to frac (clamped to 0..1). */
int chart_bar(char *out, size_t outsz, double frac, int width, int utf8);

/*
 * A pacing bar: filled to spent (fraction of the budget, 0..1) with a marker
 * glyph ('|') at ideal, the fraction that an even pace would have spent by
 * now. The marker replaces the cell it falls in.
 */
int chart_pace(char *out, size_t outsz, double spent, double ideal, int width, int utf8);

/*
 * The funnel: n lines "label  bar  value  pct%" where every bar and
 * percentage is relative to values[0] (impressions -> starts -> completes).
 * label_w pads the labels; bar_w is the bar width.
 */
int chart_funnel(char *out, size_t outsz, const char *const *labels, const double *values,
                 size_t n, int label_w, int bar_w, int utf8);

/* Compact number: 950, 1.2k, 34.5k, 1.2M, 3.4G (at most 6 bytes + NUL). */
void chart_human(char *out, size_t outsz, double v);

#endif
