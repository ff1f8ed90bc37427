/*
 * model: tolerant JSON readers and display formats (see model.h).
 */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double model_num(const json_t *obj, const char *key, double def)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_number(v))
        return json_number_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        double d = strtod(s, &end);
        if (end != s && *end == '\0' && isfinite(d))
            return d;
    }
    return def;
}

const char *model_str(const json_t *obj, const char *key, const char *def)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : def;
}

void model_money(char *out, size_t outsz, double v)
{
    char digits[64];
    int neg = v < 0;
    if (outsz == 0)
        return;
    if (snprintf(digits, sizeof digits, "%.2f", fabs(v)) >= (int)sizeof digits) {
        snprintf(out, outsz, "$?");
        return;
    }
    const char *dot = strchr(digits, '.');
    size_t intlen = dot ? (size_t)(dot - digits) : strlen(digits);
    char grouped[96];
    size_t g = 0;
    for (size_t i = 0; i < intlen; i++) {
        if (i > 0 && (intlen - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    snprintf(out, outsz, "%s$%s%s", neg ? "-" : "", grouped, dot ? dot : "");
}

void model_date(char *out, size_t outsz, const char *iso)
{
    if (iso == NULL || strlen(iso) < 10)
        snprintf(out, outsz, "-");
    else
        snprintf(out, outsz, "%.10s", iso);
}

double model_epoch(const char *iso)
{
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (iso == NULL || sscanf(iso, "%4d-%2d-%2d", &y, &mo, &d) != 3)
        return -1;
    if (strlen(iso) >= 19 && sscanf(iso + 11, "%2d:%2d:%2d", &h, &mi, &s) != 3)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    time_t t = timegm(&tm);
    return t == (time_t)-1 ? -1 : (double)t;
}

double model_ideal_spend(double budget, double start, double end, double now)
{
    if (budget <= 0 || end <= start)
        return 0;
    double f = (now - start) / (end - start);
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    return budget * f;
}

void model_target_steps(double *t, size_t n)
{
    double prev = n > 0 ? t[0] : 0;
    for (size_t i = 1; i < n; i++) {
        double cur = t[i];
        t[i] = cur >= prev ? cur - prev : cur;
        prev = cur;
    }
    if (n > 1)
        t[0] = t[1];
    else if (n == 1)
        t[0] = 0;
}
