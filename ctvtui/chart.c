/*
 * chart: text charts for ctvtui (see chart.h).
 *
 * Everything is computed into a caller buffer through one small appender
 * that stops at the buffer's end, so a narrow terminal or a small buffer
 * truncates a chart instead of overflowing it. Scaling rounds up: any
 * non-zero value gets at least one eighth, so one impression in a minute is
 * visible next to a thousand.
 */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Eighths of a block, index 0 (empty) to 8 (full). */
static const char *const spark_utf8[9] = {" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                          "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                          "\xe2\x96\x87", "\xe2\x96\x88"};
static const char spark_ascii[9] = {' ', '_', '.', ',', ':', '-', '=', '+', '#'};
/* Horizontal eighths for bars: left-aligned partial blocks. */
static const char *const hbar_utf8[9] = {"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
                                         "\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a",
                                         "\xe2\x96\x89", "\xe2\x96\x88"};
#define LIGHT_SHADE "\xe2\x96\x91"
#define LINE_GLYPH "\xe2\x94\x80"

struct out {
    char *p;
    size_t size;
    size_t len;
    int full;
};

static void out_init(struct out *o, char *p, size_t size)
{
    o->p = p;
    o->size = size;
    o->len = 0;
    o->full = size == 0;
    if (size > 0)
        p[0] = '\0';
}

/* Append s whole or not at all (a glyph is never cut in half). */
static int out_put(struct out *o, const char *s)
{
    size_t n = strlen(s);
    if (o->full || o->len + n + 1 > o->size) {
        o->full = 1;
        return -1;
    }
    memcpy(o->p + o->len, s, n + 1);
    o->len += n;
    return 0;
}

static int out_putc(struct out *o, char c)
{
    char s[2] = {c, '\0'};
    return out_put(o, s);
}

static double clamp0(double v)
{
    return (isnan(v) || v < 0) ? 0 : v;
}

/* Level 0..levels for v against max, rounding up so non-zero shows. */
static int level_of(double v, double max, int levels)
{
    v = clamp0(v);
    if (max <= 0 || v <= 0)
        return 0;
    if (v >= max)
        return levels;
    int l = (int)ceil(v / max * levels);
    return l < 1 ? 1 : (l > levels ? levels : l);
}

static double series_max(const double *v, size_t from, size_t n)
{
    double m = 0;
    for (size_t i = from; v && i < n; i++)
        if (clamp0(v[i]) > m)
            m = clamp0(v[i]);
    return m;
}

int chart_sparkline(char *out, size_t outsz, const double *v, size_t n, int width, double max,
                    int utf8)
{
    struct out o;
    out_init(&o, out, outsz);
    if (width <= 0 || v == NULL)
        return 0;
    size_t from = n > (size_t)width ? n - (size_t)width : 0;
    if (max <= 0)
        max = series_max(v, from, n);
    int cols = 0;
    for (size_t i = from; i < n; i++) {
        int l = level_of(v[i], max, 8);
        if (l == 0)
            l = 1; /* baseline */
        int rc = utf8 ? out_put(&o, spark_utf8[l]) : out_putc(&o, spark_ascii[l]);
        if (rc != 0)
            break;
        cols++;
    }
    return cols;
}

int chart_columns(char *out, size_t outsz, const double *v, const double *target, size_t n,
                  int width, int height, double max, int utf8)
{
    struct out o;
    out_init(&o, out, outsz);
    if (width <= 0 || height <= 0 || v == NULL)
        return 0;
    size_t from = n > (size_t)width ? n - (size_t)width : 0;
    if (max <= 0) {
        double a = series_max(v, from, n), b = series_max(target, from, n);
        max = a > b ? a : b;
    }
    int levels = height * 8;
    int cols = (int)(n - from);
    for (int row = height - 1; row >= 0; row--) {
        for (size_t i = from; i < n; i++) {
            int l = level_of(v[i], max, levels);
            int in_row = l - row * 8; /* eighths of this row covered by the column */
            int t_row = -1;
            if (target) {
                int tl = level_of(target[i], max, levels);
                t_row = tl > 0 ? (tl - 1) / 8 : -1;
            }
            if (in_row >= 8)
                out_put(&o, utf8 ? spark_utf8[8] : "#");
            else if (t_row == row && in_row <= 0)
                out_put(&o, utf8 ? LINE_GLYPH : "-");
            else if (in_row > 0)
                utf8 ? out_put(&o, spark_utf8[in_row]) : out_putc(&o, spark_ascii[in_row]);
            else
                out_putc(&o, ' ');
        }
        if (row > 0)
            out_putc(&o, '\n');
    }
    return o.full ? 0 : cols;
}

int chart_bar(char *out, size_t outsz, double frac, int width, int utf8)
{
    struct out o;
    out_init(&o, out, outsz);
    if (width <= 0)
        return 0;
    if (isnan(frac) || frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    int eighths = (int)lround(frac * width * 8);
    int full = eighths / 8, part = eighths % 8;
    int cols = 0;
    for (int i = 0; i < full; i++, cols++)
        out_put(&o, utf8 ? hbar_utf8[8] : "#");
    if (part > 0 && cols < width) {
        out_put(&o, utf8 ? hbar_utf8[part] : "#");
        cols++;
    }
    for (; cols < width; cols++)
        out_put(&o, utf8 ? LIGHT_SHADE : ".");
    return o.full ? 0 : cols;
}

int chart_pace(char *out, size_t outsz, double spent, double ideal, int width, int utf8)
{
    struct out o;
    out_init(&o, out, outsz);
    if (width <= 0)
        return 0;
    if (isnan(spent) || spent < 0)
        spent = 0;
    if (spent > 1)
        spent = 1;
    if (isnan(ideal) || ideal < 0)
        ideal = 0;
    if (ideal > 1)
        ideal = 1;
    int filled = (int)lround(spent * width);
    int mark = (int)lround(ideal * width);
    if (mark >= width)
        mark = width - 1;
    for (int i = 0; i < width; i++) {
        if (i == mark)
            out_put(&o, utf8 ? "\xe2\x94\x82" : "|");
        else if (i < filled)
            out_put(&o, utf8 ? hbar_utf8[8] : "#");
        else
            out_put(&o, utf8 ? LIGHT_SHADE : ".");
    }
    return o.full ? 0 : width;
}

void chart_human(char *out, size_t outsz, double v)
{
    static const char suffix[] = {'\0', 'k', 'M', 'G', 'T'};
    if (outsz == 0)
        return;
    v = clamp0(v);
    int s = 0;
    while (v >= 999.95 && s < 4) {
        v /= 1000;
        s++;
    }
    int rc;
    if (s == 0)
        rc = snprintf(out, outsz, "%.0f", v);
    else if (v < 99.95)
        rc = snprintf(out, outsz, "%.1f%c", v, suffix[s]);
    else
        rc = snprintf(out, outsz, "%.0f%c", v, suffix[s]);
    if (rc < 0)
        out[0] = '\0';
}

int chart_funnel(char *out, size_t outsz, const char *const *labels, const double *values,
                 size_t n, int label_w, int bar_w, int utf8)
{
    struct out o;
    out_init(&o, out, outsz);
    if (labels == NULL || values == NULL)
        return 0;
    double base = n > 0 ? clamp0(values[0]) : 0;
    char line[64], bar[1024];
    for (size_t i = 0; i < n; i++) {
        double frac = base > 0 ? clamp0(values[i]) / base : 0;
        char num[16];
        chart_human(num, sizeof num, values[i]);
        if (snprintf(line, sizeof line, "%-*.*s ", label_w, label_w, labels[i]) < 0)
            return 0;
        out_put(&o, line);
        chart_bar(bar, sizeof bar, frac, bar_w, utf8);
        out_put(&o, bar);
        if (snprintf(line, sizeof line, " %6s %5.1f%%", num, frac * 100) < 0)
            return 0;
        out_put(&o, line);
        if (i + 1 < n)
            out_putc(&o, '\n');
    }
    return o.full ? 0 : label_w + 1 + bar_w + 14;
}
