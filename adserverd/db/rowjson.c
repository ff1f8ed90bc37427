/*
 * rowjson: see rowjson.h.
 */
#include "db/rowjson.h"

#include "db/db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *rowjson_object(const PGresult *res, int row, const struct rowjson_col *cols, size_t n)
{
    json_t *obj = json_object();
    json_t *v;
    const char *text;
    size_t i;

    if (obj == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        text = db_get(res, row, cols[i].name);
        if (text == NULL)
            v = json_null();
        else if (cols[i].kind == ROWJSON_INT)
            v = json_integer((json_int_t)strtoll(text, NULL, 10));
        else
            v = json_string(text);
        if (v == NULL || json_object_set_new(obj, cols[i].name, v) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

json_t *rowjson_array(const PGresult *res, const struct rowjson_col *cols, size_t n)
{
    json_t *arr = json_array();
    json_t *o;
    int r, rows = PQntuples(res);

    if (arr == NULL)
        return NULL;
    for (r = 0; r < rows; r++) {
        o = rowjson_object(res, r, cols, n);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *rowjson_number(double v)
{
    if (v == 0)
        return json_integer(0);
    if (isfinite(v) && v == trunc(v) && fabs(v) <= 9007199254740991.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

int rowjson_fixed2(double v, char out[32])
{
    /* %.60f prints the exact binary value far enough to see every tie: a
     * double's distance from x.xx5 is at least one ulp, visible well before
     * the 60th digit for any |v| >= 1e-3 (smaller values have 0 there). */
    char digits[400];
    char *dot;
    int neg = signbit(v) && v != 0;
    int n, i, carry;
    size_t len;

    if (!isfinite(v) || fabs(v) >= 1e21)
        return -1;
    n = snprintf(digits, sizeof(digits), "%.60f", fabs(v));
    if (n < 0 || (size_t)n >= sizeof(digits))
        return -1;
    dot = strchr(digits, '.');
    if (dot == NULL)
        return -1;
    carry = dot[3] >= '5';
    dot[3] = '\0';
    len = strlen(digits);
    for (i = (int)len - 1; i >= 0 && carry; i--) {
        if (digits[i] == '.')
            continue;
        if (digits[i] == '9') {
            digits[i] = '0';
        } else {
            digits[i]++;
            carry = 0;
        }
    }
    n = snprintf(out, 32, "%s%s%s", neg ? "-" : "", carry ? "1" : "", digits);
    return (n < 0 || n >= 32) ? -1 : 0;
}

double rowjson_round2(double v)
{
    char s[32];

    if (rowjson_fixed2(v, s) != 0)
        return v;
    return strtod(s, NULL) + 0.0; /* + 0.0 turns -0 into 0, as JSON does */
}

double rowjson_parse(const char *text)
{
    return text != NULL ? strtod(text, NULL) : 0;
}
