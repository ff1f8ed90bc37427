/*
 * Unit tests for adserverd/jsnum: Joi 17's number()/integer()/precision(2)
 * conversions (docs/admin-api.md), JavaScript string lengths and String()
 * of numbers. Expected results were checked against Joi 17.13 on Node 20.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "util/jsnum.h"

#define SENTINEL 12345.678

/* ---- Helpers ---- */

static int parse_str(const char *s, double *out)
{
    return jsnum_parse(s, strlen(s), out);
}

static void assert_str_number(const char *s, double want)
{
    double d = SENTINEL;
    json_t *v = json_string(s);

    assert_non_null(v);
    if (parse_str(s, &d) != JSNUM_OK)
        fail_msg("\"%s\" not converted", s);
    if (d != want)
        fail_msg("\"%s\" -> %.17g, want %.17g", s, d, want);
    d = SENTINEL;
    assert_int_equal(jsnum_number(v, &d), JSNUM_OK);
    assert_true(d == want);
    json_decref(v);
}

static void assert_str_result(const char *s, int want)
{
    double d = SENTINEL;
    int r = parse_str(s, &d);

    if (r != want)
        fail_msg("\"%s\" -> %d, want %d", s, r, want);
    assert_true(d == SENTINEL);
}

static void assert_js_string(double v, const char *want)
{
    char out[JSNUM_STRING_SIZE];

    assert_int_equal(jsnum_js_string(v, out, sizeof(out)), 0);
    if (strcmp(out, want) != 0)
        fail_msg("String(%.17g) = %s, want %s", v, out, want);
}

static void assert_format2(double v, const char *want)
{
    char out[32];

    assert_int_equal(jsnum_format2(v, out, sizeof(out)), 0);
    if (strcmp(out, want) != 0)
        fail_msg("format2(%.17g) = %s, want %s", v, out, want);
}

/* ---- jsnum_number / jsnum_parse ---- */

static void test_jsnum_number_json_numbers(void **state)
{
    json_t *v;
    double d = SENTINEL;

    (void)state;
    v = json_integer(1000);
    assert_int_equal(jsnum_number(v, &d), JSNUM_OK);
    assert_true(d == 1000);
    json_decref(v);

    v = json_real(1234.567);
    assert_int_equal(jsnum_number(v, &d), JSNUM_OK);
    assert_true(d == 1234.567);
    json_decref(v);

    v = json_real(-0.0);
    assert_int_equal(jsnum_number(v, &d), JSNUM_OK);
    assert_true(d == 0 && !signbit(d));
    json_decref(v);

    v = json_integer(9007199254740991LL);
    assert_int_equal(jsnum_number(v, &d), JSNUM_OK);
    assert_true(d == 9007199254740991.0);
    json_decref(v);
}

static void test_jsnum_number_json_unsafe(void **state)
{
    json_t *v;
    double d = SENTINEL;

    (void)state;
    v = json_integer(9007199254740992LL);
    assert_int_equal(jsnum_number(v, &d), JSNUM_UNSAFE);
    json_decref(v);
    v = json_integer(-9007199254740992LL);
    assert_int_equal(jsnum_number(v, &d), JSNUM_UNSAFE);
    json_decref(v);
    v = json_real(1e21);
    assert_int_equal(jsnum_number(v, &d), JSNUM_UNSAFE);
    json_decref(v);
    assert_true(d == SENTINEL);
}

static void test_jsnum_number_not_numbers(void **state)
{
    json_t *values[] = {json_null(),        json_true(),        json_false(),
                        json_string(""),    json_string(" "),   json_string("abc"),
                        json_object(),      json_array(),       json_string("Infinity"),
                        json_string("NaN"), json_string("0x10")};
    double d = SENTINEL;

    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        assert_non_null(values[i]);
        assert_int_equal(jsnum_number(values[i], &d), JSNUM_NOT_NUMBER);
        json_decref(values[i]);
    }
    assert_int_equal(jsnum_number(NULL, &d), JSNUM_NOT_NUMBER);
    assert_true(d == SENTINEL);
}

static void test_jsnum_parse_numeric_strings(void **state)
{
    (void)state;
    assert_str_number("1234.567", 1234.567);
    assert_str_number("-5", -5);
    assert_str_number("+5", 5);
    assert_str_number("1e3", 1000);
    assert_str_number("1E3", 1000);
    assert_str_number("1.5e1", 15);
    assert_str_number("-1.5e3", -1500);
    assert_str_number("1e+5", 100000);
    assert_str_number("1e-7", 1e-7);
    assert_str_number("5.", 5);
    assert_str_number(".5", 0.5);
    assert_str_number("00.50", 0.5);
    assert_str_number("007", 7);
    assert_str_number("1.0", 1);
    assert_str_number("1.10", 1.1);
    assert_str_number("-0", 0);
    assert_str_number("-0.0", 0);
    assert_str_number("0.", 0);
    assert_str_number("0e5", 0);
    assert_str_number("0.0000001", 1e-7);
    assert_str_number("0.10000000000000000000", 0.1);
    assert_str_number("9007199254740991", 9007199254740991.0);
    assert_str_number("0.0000000000000000000000000000000001e30", 0.0001);
    assert_str_number("5e-324", 5e-324);
}

static void test_jsnum_parse_negative_zero_is_zero(void **state)
{
    double d = SENTINEL;

    (void)state;
    assert_int_equal(parse_str("-0", &d), JSNUM_OK);
    assert_false(signbit(d));
    assert_int_equal(parse_str("-0e1", &d), JSNUM_OK);
    assert_false(signbit(d));
}

/* JavaScript's \s: ASCII blanks, NBSP, the Unicode spaces, LS, PS and BOM. */
static void test_jsnum_parse_javascript_white_space(void **state)
{
    (void)state;
    assert_str_number(" 5 ", 5);
    assert_str_number("\t\n\v\f\r5\r\n", 5);
    assert_str_number("\302\2405\343\200\200", 5);        /* NBSP, U+3000 */
    assert_str_number("\357\273\2775", 5);                /* BOM */
    assert_str_number("5\xe2\x80\xa8", 5);                /* U+2028 */
    assert_str_number("\341\232\2005\342\200\212", 5);    /* U+1680, U+200A */
    assert_str_number("\342\200\2575\342\201\237", 5);    /* U+202F, U+205F */
    assert_str_result("\342\200\2135", JSNUM_NOT_NUMBER); /* ZWSP is not \s */
    assert_str_result("5 5", JSNUM_NOT_NUMBER);
}

static void test_jsnum_parse_not_numbers(void **state)
{
    static const char *const bad[] = {
        "",      "  ",    "abc",      "1e",  "e3",   ".",    "-.",   ".e1",
        "1.2.3", "0x10",  "Infinity", "NaN", "1_0",  "1,5",  "--5",  "+-5",
        "5-",    "1e5.5", "1ee5",     "5e+", "five", "1 e5", "\xff",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_str_result(bad[i], JSNUM_NOT_NUMBER);
}

/* Joi's number.unsafe for strings whose digits do not survive a double. */
static void test_jsnum_parse_unsafe(void **state)
{
    static const char *const unsafe[] = {
        "1e400",
        "1e-400",
        "12345678901234567890",
        "9007199254740993",
        "9007199254740992",
        "0.1000000000000000000001",
        "1.00000000000000000001e0",
        "100000000000000000000000",
        "1e21",
        ".0",
        "-.0",
        "+.0",
        ".00",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++)
        assert_str_result(unsafe[i], JSNUM_UNSAFE);
}

/* A long numeral is fine when its digits match String(value). */
static void test_jsnum_parse_long_numerals(void **state)
{
    char s[3000];

    (void)state;
    strcpy(s, "1.");
    memset(s + 2, '0', 2500);
    s[2502] = '\0';
    assert_str_number(s, 1);
    s[2501] = '1';
    assert_str_result(s, JSNUM_UNSAFE);
    memset(s, '0', 2500);
    strcpy(s + 2500, "42");
    assert_str_number(s, 42);
}

static void test_jsnum_parse_uses_len_not_nul(void **state)
{
    double d = SENTINEL;
    const char with_nul[] = "5\0";

    (void)state;
    assert_int_equal(jsnum_parse("12x", 2, &d), JSNUM_OK);
    assert_true(d == 12);
    assert_int_equal(jsnum_parse(with_nul, 2, &d), JSNUM_NOT_NUMBER);
    assert_int_equal(jsnum_parse("", 0, &d), JSNUM_NOT_NUMBER);
    assert_true(d == 12);
}

/* ---- jsnum_integer / jsnum_parse_integer ---- */

static void test_jsnum_integer_accepts(void **state)
{
    json_t *v;
    int64_t i = -1;
    int not_integer = -1;

    (void)state;
    v = json_integer(20);
    assert_int_equal(jsnum_integer(v, &i, &not_integer), JSNUM_OK);
    assert_true(i == 20);
    assert_int_equal(not_integer, 0);
    json_decref(v);

    v = json_real(30.0);
    assert_int_equal(jsnum_integer(v, &i, &not_integer), JSNUM_OK);
    assert_true(i == 30);
    json_decref(v);

    v = json_string("1.0");
    assert_int_equal(jsnum_integer(v, &i, NULL), JSNUM_OK);
    assert_true(i == 1);
    json_decref(v);

    assert_int_equal(jsnum_parse_integer(" -7 ", 4, &i, &not_integer), JSNUM_OK);
    assert_true(i == -7);
    assert_int_equal(jsnum_parse_integer("1e3", 3, &i, &not_integer), JSNUM_OK);
    assert_true(i == 1000);
    assert_int_equal(jsnum_parse_integer("-9007199254740991", 17, &i, &not_integer), JSNUM_OK);
    assert_true(i == -9007199254740991LL);
}

static void test_jsnum_integer_rejects(void **state)
{
    json_t *v;
    int64_t i = 99;
    int not_integer = -1;

    (void)state;
    v = json_real(1.5);
    assert_int_equal(jsnum_integer(v, &i, &not_integer), JSNUM_NOT_INTEGER);
    assert_int_equal(not_integer, 1);
    json_decref(v);

    assert_int_equal(jsnum_parse_integer("2.5", 3, &i, &not_integer), JSNUM_NOT_INTEGER);
    assert_int_equal(not_integer, 1);
    assert_int_equal(jsnum_parse_integer("1e-7", 4, &i, &not_integer), JSNUM_NOT_INTEGER);
    assert_int_equal(not_integer, 1);

    assert_int_equal(jsnum_parse_integer("abc", 3, &i, &not_integer), JSNUM_NOT_NUMBER);
    assert_int_equal(not_integer, 0);
    v = json_null();
    assert_int_equal(jsnum_integer(v, &i, &not_integer), JSNUM_NOT_NUMBER);
    assert_int_equal(not_integer, 0);
    json_decref(v);

    /* Unsafe beats not-integer, as in Joi (validate runs before rules). */
    v = json_real(1e20);
    assert_int_equal(jsnum_integer(v, &i, &not_integer), JSNUM_UNSAFE);
    assert_int_equal(not_integer, 0);
    json_decref(v);
    assert_true(i == 99);
}

/* ---- jsnum_round2 / jsnum_format2 ---- */

static void test_jsnum_round2_contract_examples(void **state)
{
    (void)state;
    assert_true(jsnum_round2(100.555) == 100.56);
    assert_true(jsnum_round2(1234.567) == 1234.57);
    assert_true(jsnum_round2(1000) == 1000);
    assert_true(jsnum_round2(0.001) == 0);
    assert_true(jsnum_round2(0.005) == 0.01);
}

/* Math.round(v * 100) / 100 on doubles, not decimal rounding. */
static void test_jsnum_round2_binary_half_up(void **state)
{
    (void)state;
    assert_true(jsnum_round2(1.005) == 1);    /* 1.005 * 100 = 100.49999999999999 */
    assert_true(jsnum_round2(2.675) == 2.68); /* 2.675 * 100 = 267.5 exactly */
    assert_true(jsnum_round2(1.015) == 1.01);
    assert_true(jsnum_round2(8.345) == 8.35);
    assert_true(jsnum_round2(-0.125) == -0.12); /* halves go towards +infinity */
    assert_true(jsnum_round2(-2.345) == -2.35);
    assert_true(jsnum_round2(0.435) == 0.44);
    assert_true(jsnum_round2(0.1 + 0.2) == 0.3);
    assert_false(signbit(jsnum_round2(-0.001)));
    assert_false(signbit(jsnum_round2(-0.005)));
    assert_true(isnan(jsnum_round2(NAN)));
    assert_true(isinf(jsnum_round2(INFINITY)));
    assert_true(jsnum_round2(4503599627370497.0) == 4503599627370497.0);
}

static void test_jsnum_format2_renders_two_decimals(void **state)
{
    char tiny[8] = "xyz";

    (void)state;
    assert_format2(1000, "1000.00");
    assert_format2(0, "0.00");
    assert_format2(-0.0, "0.00");
    assert_format2(7.5, "7.50");
    assert_format2(100.555, "100.56");
    assert_format2(1234.567, "1234.57");
    assert_format2(1.005, "1.00");
    assert_format2(0.001, "0.00");
    assert_format2(-0.005, "0.00");
    assert_format2(-0.5, "-0.50");
    assert_format2(-1234.567, "-1234.57");
    assert_format2(1000000000, "1000000000.00");
    assert_format2(jsnum_round2(0.1 + 0.2), "0.30");
    assert_format2(0.01, "0.01");
    assert_format2(12345678.9, "12345678.90");
    assert_format2(90071992547409.9, "90071992547409.91"); /* v * 100 = 9007199254740991 */

    assert_int_equal(jsnum_format2(90071992547409.92, tiny, sizeof(tiny)), -1); /* 2^53 */
    assert_int_equal(jsnum_format2(1e300, tiny, sizeof(tiny)), -1);
    assert_int_equal(jsnum_format2(NAN, tiny, sizeof(tiny)), -1);
    assert_int_equal(jsnum_format2(INFINITY, tiny, sizeof(tiny)), -1);
    assert_int_equal(jsnum_format2(1.5, tiny, 4), -1); /* "1.50" needs 5 */
    assert_string_equal(tiny, "xyz");
    assert_int_equal(jsnum_format2(1.5, tiny, 5), 0);
    assert_string_equal(tiny, "1.50");
}

/* ---- jsnum_utf16_len ---- */

static void test_jsnum_utf16_len_counts_units(void **state)
{
    (void)state;
    assert_int_equal(jsnum_utf16_len("", 0), 0);
    assert_int_equal(jsnum_utf16_len("abc", 3), 3);
    assert_int_equal(jsnum_utf16_len("ü", strlen("ü")), 1);
    assert_int_equal(jsnum_utf16_len("中国", strlen("中国")), 2);
    assert_int_equal(jsnum_utf16_len("😀", strlen("😀")), 2);
    assert_int_equal(jsnum_utf16_len("a😀b", strlen("a😀b")), 4);
    assert_int_equal(jsnum_utf16_len("a\0b", 3), 3);
    assert_int_equal(jsnum_utf16_len("abc", 2), 2);
    /* Invalid UTF-8: a cut or bogus 4-byte lead counts once, never past n. */
    assert_int_equal(jsnum_utf16_len("\xf0\x9f\x98", 3), 1);
    assert_int_equal(jsnum_utf16_len("\xff\xff", 2), 2);
    assert_int_equal(jsnum_utf16_len("\x80\x80", 2), 0);
}

/* ---- jsnum_js_string ---- */

static void test_jsnum_js_string_plain(void **state)
{
    (void)state;
    assert_js_string(1.5, "1.5");
    assert_js_string(100, "100");
    assert_js_string(0.1 + 0.2, "0.30000000000000004");
    assert_js_string(0, "0");
    assert_js_string(-0.0, "0");
    assert_js_string(-5, "-5");
    assert_js_string(1234.567, "1234.567");
    assert_js_string(0.000001, "0.000001");
    assert_js_string(123456789012345680000.0, "123456789012345680000");
    assert_js_string(9007199254740993.0, "9007199254740992");
    assert_js_string(1.0 / 3, "0.3333333333333333");
}

static void test_jsnum_js_string_exponent(void **state)
{
    (void)state;
    assert_js_string(1e21, "1e+21");
    assert_js_string(1e-7, "1e-7");
    assert_js_string(-1.5e-7, "-1.5e-7");
    assert_js_string(1.7976931348623157e308, "1.7976931348623157e+308");
    assert_js_string(5e-324, "5e-324");
    assert_js_string(2.2250738585072014e-308, "2.2250738585072014e-308");
    assert_js_string(1e23, "1e+23");
}

/* Powers of two where the nearest shorter decimal misses (see shortest_digits). */
static void test_jsnum_js_string_power_of_two_boundaries(void **state)
{
    (void)state;
    assert_js_string(ldexp(1, -1017), "7.120236347223045e-307");
    assert_js_string(ldexp(1, -1007), "7.291122019556398e-304");
    assert_js_string(ldexp(1, -957), "8.209073602596753e-289");
    assert_js_string(ldexp(1, 53), "9007199254740992");
    assert_js_string(ldexp(1, -1074), "5e-324");
}

static void test_jsnum_js_string_specials_and_size(void **state)
{
    char out[JSNUM_STRING_SIZE] = "untouched";

    (void)state;
    assert_js_string(NAN, "NaN");
    assert_js_string(INFINITY, "Infinity");
    assert_js_string(-INFINITY, "-Infinity");
    assert_int_equal(jsnum_js_string(1.5, out, 3), -1);
    assert_string_equal(out, "untouched");
    assert_int_equal(jsnum_js_string(1.5, out, 4), 0);
    assert_string_equal(out, "1.5");
    assert_int_equal(jsnum_js_string(-1.2345678901234568e-300, out, sizeof(out)), 0);
    assert_string_equal(out, "-1.2345678901234568e-300"); /* 24 characters, the longest form */
}

/* String(v) always reads back as v through jsnum_parse (Joi's own round trip). */
static void test_jsnum_js_string_round_trips(void **state)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char out[JSNUM_STRING_SIZE];

    (void)state;
    for (int i = 0; i < 20000; i++) {
        double v, back = 0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(&v, &x, sizeof(v));
        if (!isfinite(v) || fabs(v) > 9007199254740991.0)
            continue;
        assert_int_equal(jsnum_js_string(v, out, sizeof(out)), 0);
        assert_int_equal(parse_str(out, &back), JSNUM_OK);
        assert_true(back == (v == 0 ? 0 : v));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsnum_number_json_numbers),
        cmocka_unit_test(test_jsnum_number_json_unsafe),
        cmocka_unit_test(test_jsnum_number_not_numbers),
        cmocka_unit_test(test_jsnum_parse_numeric_strings),
        cmocka_unit_test(test_jsnum_parse_negative_zero_is_zero),
        cmocka_unit_test(test_jsnum_parse_javascript_white_space),
        cmocka_unit_test(test_jsnum_parse_not_numbers),
        cmocka_unit_test(test_jsnum_parse_unsafe),
        cmocka_unit_test(test_jsnum_parse_long_numerals),
        cmocka_unit_test(test_jsnum_parse_uses_len_not_nul),
        cmocka_unit_test(test_jsnum_integer_accepts),
        cmocka_unit_test(test_jsnum_integer_rejects),
        cmocka_unit_test(test_jsnum_round2_contract_examples),
        cmocka_unit_test(test_jsnum_round2_binary_half_up),
        cmocka_unit_test(test_jsnum_format2_renders_two_decimals),
        cmocka_unit_test(test_jsnum_utf16_len_counts_units),
        cmocka_unit_test(test_jsnum_js_string_plain),
        cmocka_unit_test(test_jsnum_js_string_exponent),
        cmocka_unit_test(test_jsnum_js_string_power_of_two_boundaries),
        cmocka_unit_test(test_jsnum_js_string_specials_and_size),
        cmocka_unit_test(test_jsnum_js_string_round_trips),
    };
    return cmocka_run_group_tests_name("jsnum", tests, NULL, NULL);
}
