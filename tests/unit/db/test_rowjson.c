/*
 * Unit tests of rowjson's number rendering: JavaScript numbers in JSON and
 * Number.prototype.toFixed(2) (docs/admin-api.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/rowjson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_rowjson_fixed2_rounding(void **state)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0.00"},
        {12.5, "12.50"},
        {0.125, "0.13"}, /* exact tie: up */
        {0.375, "0.38"},
        {1.005, "1.00"}, /* the double is below 1.005 */
        {66.66666666666667, "66.67"},
        {99.995, "100.00"}, /* 99.99500000000000455 */
        {999.999, "1000.00"},
        {-0.125, "-0.13"},
        {-0.001, "-0.00"},
        {1e20, "100000000000000000000.00"},
        {2.675, "2.67"}, /* 2.67499999999999982 */
    };
    char out[32];
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(rowjson_fixed2(cases[i].v, out), 0);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("toFixed(%.17g): got %s, expected %s", cases[i].v, out, cases[i].want);
    }
    assert_int_equal(rowjson_fixed2(1e21, out), -1);
    assert_int_equal(rowjson_fixed2(NAN, out), -1);
    assert_int_equal(rowjson_fixed2(INFINITY, out), -1);
}

static void test_rowjson_round2_and_number(void **state)
{
    json_t *j;
    (void)state;

    assert_true(rowjson_round2(1500.0 / 8000 * 100) == 18.75);
    assert_true(rowjson_round2(100.0 / 3) == 33.33);
    assert_false(signbit(rowjson_round2(-0.001)));
    j = rowjson_number(5.0);
    assert_true(json_is_integer(j));
    assert_int_equal(json_integer_value(j), 5);
    json_decref(j);
    j = rowjson_number(-0.0);
    assert_true(json_is_integer(j));
    assert_int_equal(json_integer_value(j), 0);
    json_decref(j);
    j = rowjson_number(18.75);
    assert_true(json_is_real(j));
    json_decref(j);
    j = rowjson_number(9007199254740992.0); /* beyond 2^53 - 1: stays a real */
    assert_true(json_is_real(j));
    json_decref(j);
    assert_true(rowjson_parse("900.75") == 900.75);
    assert_true(rowjson_parse(NULL) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rowjson_fixed2_rounding),
        cmocka_unit_test(test_rowjson_round2_and_number),
    };
    return cmocka_run_group_tests_name("rowjson", tests, NULL, NULL);
}
