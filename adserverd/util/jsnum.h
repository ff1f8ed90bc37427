/*
 * jsnum: JavaScript number semantics that the admin API's validation needs.
 *
 * The reference validates bodies and query strings with Joi 17 on V8, so a
 * value's fate depends on JavaScript rules: which strings number() converts,
 * when a converted value is "unsafe", how precision(2) rounds, how long a
 * string is (UTF-16 units), and how a number prints. These helpers reproduce
 * those rules (docs/admin-api.md) over jansson values and plain strings.
 *
 * Pure functions: no allocation that outlives a call, no state, thread-safe.
 * Number conversion does not depend on the C locale.
 */
#ifndef JSNUM_H
#define JSNUM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Results of the conversions, with the Joi error each one stands for. A
 * caller that only knows "must be a number" can test for != JSNUM_OK.
 */
enum jsnum_result {
    JSNUM_OK = 0,
    JSNUM_NOT_NUMBER = -1,  /* number.base:    "<field>" must be a number */
    JSNUM_UNSAFE = -2,      /* number.unsafe:  "<field>" must be a safe number */
    JSNUM_NOT_INTEGER = -3, /* number.integer: "<field>" must be an integer */
};

/* A buffer of this size always holds jsnum_js_string()'s output and NUL. */
#define JSNUM_STRING_SIZE 32

/*
 * Joi number() with conversion on: a JSON number is taken as is; a JSON
 * string is converted when it matches
 *   ^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$   (i; \s is JavaScript's)
 * and is then JSNUM_UNSAFE unless its digits survive the round trip through
 * a double the way Joi checks it ("1234.567", "1e3", " 5 ", "5." convert;
 * "0.1000000000000000000001", "1e400", "9007199254740993" are unsafe, and so,
 * as in Joi, are ".0" and "-.0"). Any value beyond +-(2^53 - 1) is
 * JSNUM_UNSAFE. null, booleans, "", other strings, objects and arrays are
 * JSNUM_NOT_NUMBER (so are NaN and infinities, which jansson never makes).
 * On JSNUM_OK writes the value to *out (never -0); otherwise *out untouched.
 * The value is not rounded: precision(2) is jsnum_round2().
 */
int jsnum_number(const json_t *v, double *out);

/* The string case of jsnum_number() for s[0..len) (UTF-8, no NUL needed):
 * query parameters and multipart fields. */
int jsnum_parse(const char *s, size_t len, double *out);

/*
 * Joi number().integer(): jsnum_number(), then JSNUM_NOT_INTEGER when the
 * value has a fractional part ("1.0" and 1.0 are integers). On JSNUM_OK
 * writes *out. not_integer, when not NULL, is always written: 1 exactly when
 * the result is JSNUM_NOT_INTEGER ("must be an integer" rather than "must be
 * a number"), else 0.
 */
int jsnum_integer(const json_t *v, int64_t *out, int *not_integer);

/* The string case of jsnum_integer(), as jsnum_parse() is of jsnum_number(). */
int jsnum_parse_integer(const char *s, size_t len, int64_t *out, int *not_integer);

/*
 * Joi precision(2) with conversion on: Math.round(v * 100) / 100 in IEEE
 * double arithmetic (Math.round rounds halves up, towards +infinity), so
 * 100.555 -> 100.56, 1234.567 -> 1234.57, 1.005 -> 1 (1.005 * 100 is
 * 100.49999999999999), -0.125 -> -0.12. A zero result is +0. NaN and
 * infinities come back unchanged.
 */
double jsnum_round2(double v);

/*
 * Write v rounded as jsnum_round2() does, with exactly two decimals and no
 * exponent, into out[0..n) NUL-terminated: "1000.00", "-0.50", "0.00": the
 * text of decimal(12,2) and numeric(10,2) SQL parameters. Returns 0; -1 when
 * v is not finite, |v * 100| reaches 2^53 (no longer exact), or n is too
 * small; out is then untouched.
 */
int jsnum_format2(double v, char *out, size_t n);

/*
 * The length JavaScript gives the string utf8[0..n): UTF-16 code units, so a
 * code point past U+FFFF counts 2. Joi's min()/max() on strings use it.
 * Meant for valid UTF-8 (jansson only produces that); otherwise every byte
 * that is not a continuation byte counts 1, so the result never exceeds n.
 */
size_t jsnum_utf16_len(const char *utf8, size_t n);

/*
 * JavaScript's String(v) into out[0..n) NUL-terminated: shortest digits that
 * read back as v, in plain or exponent form by ECMA-262 Number::toString:
 * "1.5", "100", "0.30000000000000004", "1e+21", "1e-7", "-0" as "0", "NaN",
 * "Infinity". Returns 0; -1 when n is too small (JSNUM_STRING_SIZE always
 * suffices), out then untouched.
 */
int jsnum_js_string(double v, char *out, size_t n);

#endif
