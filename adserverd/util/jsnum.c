/*
 * jsnum: see jsnum.h.
 *
 * The string conversion is Joi 17's number() coerce step (lib/types/number.js)
 * followed by its validate step:
 *   1. match numberRx; trim JavaScript white space; parseFloat; -0 becomes 0;
 *   2. with an exponent in the input: the significant digits of the input and
 *      of String(value) must be equal (extractSignificantDigits);
 *      without one: String(value) must equal normalizeDecimal(input), unless
 *      String(value) itself is in exponent form;
 *   3. |value| > Number.MAX_SAFE_INTEGER is unsafe.
 * Failing 2 or 3 is number.unsafe. Steps 2 and 3 compare short strings, so
 * they run in fixed 64-byte buffers: anything longer cannot equal a
 * String(value), which is at most 25 characters.
 *
 * parseFloat is done by strtod() on a copy without the decimal point (digits
 * and an adjusted exponent), so LC_NUMERIC cannot change the result; glibc's
 * strtod rounds correctly to nearest, as V8 does. String(v) tries 1 to 17
 * significant digits with "%.*e" and keeps the first that reads back as v
 * (see shortest_digits for the one exception).
 */
#include "util/jsnum.h"

#include "lib/xalloc.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Joi's arithmetic must be IEEE double, not x87 extended precision. */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "jsnum needs FLT_EVAL_METHOD == 0 (SSE2 or equivalent double arithmetic)"
#endif

#define MAX_SAFE_INTEGER 9007199254740991.0 /* 2^53 - 1 */
#define TWO_POW_52 4503599627370496.0
#define TWO_POW_53 9007199254740992.0
#define SHORT 64 /* comparison buffers; see the file comment */

/* ---- JavaScript white space (\s and String.prototype.trim) ---- */

/* Byte length of the white-space code point starting at s[i], or 0. */
static size_t ws_at(const unsigned char *s, size_t len, size_t i)
{
    size_t left = len - i;

    if (s[i] == ' ' || (s[i] >= 0x09 && s[i] <= 0x0D))
        return 1;
    if (left >= 2 && s[i] == 0xC2 && s[i + 1] == 0xA0)
        return 2;
    if (left < 3)
        return 0;
    if (s[i] == 0xE1 && s[i + 1] == 0x9A && s[i + 2] == 0x80) /* U+1680 */
        return 3;
    if (s[i] == 0xE2 && s[i + 1] == 0x80 &&
        ((s[i + 2] >= 0x80 && s[i + 2] <= 0x8A) || s[i + 2] == 0xA8 || s[i + 2] == 0xA9 ||
         s[i + 2] == 0xAF)) /* U+2000-200A, U+2028, U+2029, U+202F */
        return 3;
    if (s[i] == 0xE2 && s[i + 1] == 0x81 && s[i + 2] == 0x9F) /* U+205F */
        return 3;
    if (s[i] == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80) /* U+3000 */
        return 3;
    if (s[i] == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF) /* U+FEFF */
        return 3;
    return 0;
}

/* Byte length of the white-space code point ending at s[end - 1], or 0. */
static size_t ws_before(const unsigned char *s, size_t end)
{
    for (size_t n = 1; n <= 3 && n <= end; n++) {
        if (ws_at(s, end, end - n) == n)
            return n;
    }
    return 0;
}

/* ---- Fixed-size string builder for the short comparisons ---- */

struct shortstr {
    char s[SHORT];
    size_t len;
    int overflow;
};

static void ss_putc(struct shortstr *b, char c)
{
    if (b->len + 1 >= SHORT) {
        b->overflow = 1;
        return;
    }
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

static void ss_put(struct shortstr *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ss_putc(b, s[i]);
}

static int ss_equal(const struct shortstr *b, const char *s)
{
    return !b->overflow && strcmp(b->s, s) == 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Joi's extractSignificantDigits: drop a trailing exponent, the first '.',
 * then trailing zeros, then a leading sign and leading zeros.
 */
static void significant_digits(const char *s, size_t n, struct shortstr *out)
{
    size_t end = n, dot, k, m;

    /* /[eE][+-]?\d+$/ */
    k = n;
    while (k > 0 && is_digit(s[k - 1]))
        k--;
    if (k < n && k > 0) {
        size_t e = k;
        if (e > 0 && (s[e - 1] == '+' || s[e - 1] == '-'))
            e--;
        if (e > 0 && (s[e - 1] == 'e' || s[e - 1] == 'E'))
            end = e - 1;
    }
    dot = end;
    for (size_t i = 0; i < end; i++) {
        if (s[i] == '.') {
            dot = i;
            break;
        }
    }
    /* Positions 0..m-1 of the string without its first '.'. */
    m = dot < end ? end - 1 : end;
#define AT(i) (s[(i) < dot ? (i) : (i) + 1])
    while (m > 0 && AT(m - 1) == '0')
        m--;
    k = 0;
    if (k < m && (AT(0) == '+' || AT(0) == '-'))
        k++;
    while (k < m && AT(k) == '0')
        k++;
    for (; k < m; k++)
        ss_putc(out, AT(k));
#undef AT
}

/* Joi's normalizeDecimal for an input without exponent. */
static void normalize_decimal(const char *s, size_t n, struct shortstr *out)
{
    size_t dot = n, body, zeros, i;
    int negative = 0, insert_zero = 0;

    if (n > 0 && s[0] == '+') { /* /^\+/ */
        s++;
        n--;
    }
    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            dot = i;
            break;
        }
    }
    if (dot < n) { /* /\.0*$/ */
        for (i = dot + 1; i < n && s[i] == '0'; i++)
            ;
        if (i == n) {
            n = dot;
            dot = n;
        }
    }
    body = 0;
    if (n > 0 && s[0] == '-') {
        negative = 1;
        body = 1;
    }
    if (body < n && s[body] == '.') { /* /^([+-])?\./ -> '$10.' */
        insert_zero = 1;
    } else { /* /^([+-]?)0+([0-9])/ -> '$1$2' */
        for (zeros = 0; body + zeros < n && s[body + zeros] == '0'; zeros++)
            ;
        if (zeros > 0 && body + zeros < n && is_digit(s[body + zeros]))
            body += zeros;
        else if (zeros > 1)
            body += zeros - 1;
    }
    if (dot < n) { /* includes('.') && endsWith('0'): /0+$/ */
        while (n > 0 && s[n - 1] == '0')
            n--;
    }
    if (negative)
        ss_putc(out, '-');
    if (insert_zero)
        ss_putc(out, '0');
    ss_put(out, s + body, n - body);
    if (strcmp(out->s, "-0") == 0 && !out->overflow) {
        out->s[0] = '0';
        out->s[1] = '\0';
        out->len = 1;
    }
}

/*
 * strtod() of the numeral s[0..n) (already matched: sign, digits, optional
 * '.', digits, optional exponent) rewritten without its '.', so the decimal
 * point of the C locale plays no part.
 */
static double parse_float(const char *s, size_t n, size_t dot, size_t epos)
{
    char stack[256];
    char *buf = stack, *p;
    size_t cap = st_add(n, 32);
    long long exp10 = 0, frac = 0;
    double d;

    if (cap > sizeof(stack))
        buf = xmalloc(cap);
    p = buf;
    for (size_t i = 0; i < epos; i++) {
        if (i == dot)
            continue;
        if (dot < epos && i > dot)
            frac++;
        *p++ = s[i];
    }
    if (epos < n) {
        size_t i = epos + 1;
        int negative = 0;
        if (s[i] == '+' || s[i] == '-')
            negative = s[i++] == '-';
        /* Saturate: past 10^12 the result is 0 or infinity whatever the
         * mantissa, given inputs far shorter than 10^12 digits. */
        for (; i < n; i++) {
            if (exp10 < 1000000000000LL)
                exp10 = exp10 * 10 + (s[i] - '0');
        }
        if (negative)
            exp10 = -exp10;
    }
    exp10 -= frac;
    if (snprintf(p, 32, "e%lld", exp10) < 0)
        p[0] = '\0';
    d = strtod(buf, NULL);
    if (buf != stack)
        free(buf);
    return d;
}

/* The numberRx match, trim, parseFloat and unsafe checks; see the file comment. */
int jsnum_parse(const char *str, size_t len, double *out)
{
    const unsigned char *u = (const unsigned char *)str;
    size_t b = 0, e = len, i, w, int_digits = 0, frac_digits = 0, dot, epos;
    char js[JSNUM_STRING_SIZE];
    struct shortstr norm = {.len = 0};
    double d;

    while (b < e && (w = ws_at(u, e, b)) > 0)
        b += w;
    while (e > b && (w = ws_before(u, e)) > 0)
        e -= w;
    str += b;
    len = e - b;

    i = 0;
    if (i < len && (str[i] == '+' || str[i] == '-'))
        i++;
    for (; i < len && is_digit(str[i]); i++)
        int_digits++;
    dot = len;
    if (i < len && str[i] == '.') {
        dot = i++;
        for (; i < len && is_digit(str[i]); i++)
            frac_digits++;
    }
    if (int_digits == 0 && frac_digits == 0)
        return JSNUM_NOT_NUMBER;
    epos = len;
    if (i < len && (str[i] == 'e' || str[i] == 'E')) {
        size_t digits = 0;
        epos = i++;
        if (i < len && (str[i] == '+' || str[i] == '-'))
            i++;
        for (; i < len && is_digit(str[i]); i++)
            digits++;
        if (digits == 0)
            return JSNUM_NOT_NUMBER;
    }
    if (i != len)
        return JSNUM_NOT_NUMBER;

    d = parse_float(str, len, dot, epos);
    if (d == 0)
        d = 0; /* -0 */
    if (jsnum_js_string(d, js, sizeof(js)) != 0)
        return JSNUM_UNSAFE;
    if (epos < len) {
        struct shortstr a = {.len = 0}, c = {.len = 0};
        significant_digits(str, len, &a);
        significant_digits(js, strlen(js), &c);
        if (a.overflow || !ss_equal(&c, a.s))
            return JSNUM_UNSAFE;
    } else if (strchr(js, 'e') == NULL) {
        normalize_decimal(str, len, &norm);
        if (!ss_equal(&norm, js))
            return JSNUM_UNSAFE;
    }
    if (fabs(d) > MAX_SAFE_INTEGER)
        return JSNUM_UNSAFE;
    *out = d;
    return JSNUM_OK;
}

int jsnum_number(const json_t *v, double *out)
{
    double d;

    if (json_is_string(v))
        return jsnum_parse(json_string_value(v), json_string_length(v), out);
    if (json_is_integer(v))
        d = (double)json_integer_value(v); /* rounds to nearest, as JSON.parse */
    else if (json_is_real(v))
        d = json_real_value(v);
    else
        return JSNUM_NOT_NUMBER;
    if (!isfinite(d))
        return JSNUM_NOT_NUMBER;
    if (fabs(d) > MAX_SAFE_INTEGER)
        return JSNUM_UNSAFE;
    *out = d == 0 ? 0 : d;
    return JSNUM_OK;
}

/* Joi's integer rule after a successful conversion (safe range already checked). */
static int to_integer(int r, double d, int64_t *out, int *not_integer)
{
    if (r == JSNUM_OK && d != trunc(d))
        r = JSNUM_NOT_INTEGER;
    if (not_integer != NULL)
        *not_integer = r == JSNUM_NOT_INTEGER;
    if (r == JSNUM_OK)
        *out = (int64_t)d;
    return r;
}

int jsnum_integer(const json_t *v, int64_t *out, int *not_integer)
{
    double d = 0;
    int r = jsnum_number(v, &d);

    return to_integer(r, d, out, not_integer);
}

int jsnum_parse_integer(const char *s, size_t len, int64_t *out, int *not_integer)
{
    double d = 0;
    int r = jsnum_parse(s, len, &d);

    return to_integer(r, d, out, not_integer);
}

/* Math.round: nearest integer, halves towards +infinity, sign of zero kept. */
static double js_round(double x)
{
    double r;

    if (!isfinite(x) || fabs(x) >= TWO_POW_52)
        return x; /* already integral (or NaN/infinity) */
    r = floor(x);
    /* x - floor(x) is exact for |x| < 2^52. */
    if (x - r >= 0.5)
        r += 1;
    if (r == 0 && signbit(x))
        r = -0.0;
    return r;
}

double jsnum_round2(double v)
{
    double r = js_round(v * 100) / 100;
    return r == 0 ? 0 : r;
}

int jsnum_format2(double v, char *out, size_t n)
{
    double k = js_round(v * 100);
    char tmp[32];
    long long cents, abs_cents;
    int w;

    if (!isfinite(k) || fabs(k) >= TWO_POW_53)
        return -1;
    cents = (long long)k;
    abs_cents = cents < 0 ? -cents : cents;
    w = snprintf(tmp, sizeof(tmp), "%s%lld.%02lld", cents < 0 ? "-" : "", abs_cents / 100,
                 abs_cents % 100);
    if (w < 0 || (size_t)w >= sizeof(tmp) || (size_t)w >= n)
        return -1;
    memcpy(out, tmp, (size_t)w + 1);
    return 0;
}

size_t jsnum_utf16_len(const char *utf8, size_t n)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t units = 0;

    for (size_t i = 0; i < n; i++) {
        if ((s[i] & 0xC0) == 0x80)
            continue;
        units++;
        /* A complete 4-byte sequence is a surrogate pair. */
        if (s[i] >= 0xF0 && s[i] <= 0xF4 && n - i > 3 && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80)
            units++;
    }
    return units;
}

/* a == the double that "<m>e<scale>" reads as. */
static int reads_back(unsigned long long m, int scale, double a)
{
    char buf[48];

    if (snprintf(buf, sizeof(buf), "%llue%d", m, scale) <= 0)
        return 0;
    return strtod(buf, NULL) == a;
}

/*
 * Shortest decimal digits of |v| (v finite, non-zero) that read back as v,
 * and of those the closest to v: digits[0..*k) without a point, and the
 * exponent n of ECMA-262 Number::toString (value = 0.d1d2... * 10^n).
 * For each precision p, "%.*e" gives the nearest p-digit decimal; when v is a
 * power of two its lower neighbour is twice as close as its upper one, so the
 * nearest decimal may miss while the next one on the other side reads back;
 * that one is tried too (JavaScript picks it, e.g. 2^-1017 is
 * 7.120236347223045e-307).
 */
static void shortest_digits(double v, char digits[24], int *k, int *n)
{
    double a = fabs(v);
    unsigned long long m = 0;
    int scale = 0, len;

    for (int p = 1; p <= 17; p++) {
        char buf[48] = "0e+00";
        const char *e;
        int exp10;

        if (snprintf(buf, sizeof(buf), "%.*e", p - 1, a) <= 0)
            continue;
        e = strchr(buf, 'e'); /* "d[.ddd]e[+-]xx", any locale's point */
        if (e == NULL)
            continue;
        m = 0;
        for (const char *c = buf; c < e; c++) {
            if (is_digit(*c))
                m = m * 10 + (unsigned long long)(*c - '0');
        }
        exp10 = atoi(e + 1);
        scale = exp10 - (p - 1);
        if (reads_back(m, scale, a) || p == 17)
            break;
        if (strtod(buf, NULL) < a) {
            if (reads_back(m + 1, scale, a)) {
                m++;
                break;
            }
        } else if (m > 1 && reads_back(m - 1, scale, a)) {
            m--;
            break;
        }
    }
    while (m >= 10 && m % 10 == 0) {
        m /= 10;
        scale++;
    }
    len = snprintf(digits, 24, "%llu", m);
    if (len <= 0) {
        digits[0] = '0';
        digits[1] = '\0';
        len = 1;
    }
    *k = len;
    *n = len + scale;
}

int jsnum_js_string(double v, char *out, size_t size)
{
    char digits[24], tmp[JSNUM_STRING_SIZE];
    size_t o = 0;
    int k, n;

    if (isnan(v)) {
        snprintf(tmp, sizeof(tmp), "NaN");
    } else if (isinf(v)) {
        snprintf(tmp, sizeof(tmp), "%s", v < 0 ? "-Infinity" : "Infinity");
    } else if (v == 0) {
        snprintf(tmp, sizeof(tmp), "0");
    } else {
        shortest_digits(v, digits, &k, &n);
        if (v < 0)
            tmp[o++] = '-';
        if (k <= n && n <= 21) {
            memcpy(tmp + o, digits, (size_t)k);
            o += (size_t)k;
            for (int i = 0; i < n - k; i++)
                tmp[o++] = '0';
        } else if (0 < n && n <= 21) {
            memcpy(tmp + o, digits, (size_t)n);
            o += (size_t)n;
            tmp[o++] = '.';
            memcpy(tmp + o, digits + n, (size_t)(k - n));
            o += (size_t)(k - n);
        } else if (-6 < n && n <= 0) {
            tmp[o++] = '0';
            tmp[o++] = '.';
            for (int i = 0; i < -n; i++)
                tmp[o++] = '0';
            memcpy(tmp + o, digits, (size_t)k);
            o += (size_t)k;
        } else {
            tmp[o++] = digits[0];
            if (k > 1) {
                tmp[o++] = '.';
                memcpy(tmp + o, digits + 1, (size_t)(k - 1));
                o += (size_t)(k - 1);
            }
            int w = snprintf(tmp + o, sizeof(tmp) - o, "e%c%d", n - 1 < 0 ? '-' : '+',
                             n - 1 < 0 ? 1 - n : n - 1);
            if (w < 0)
                return -1;
            o += (size_t)w;
        }
        tmp[o] = '\0';
    }
    if (strlen(tmp) >= size)
        return -1;
    memcpy(out, tmp, strlen(tmp) + 1);
    return 0;
}
