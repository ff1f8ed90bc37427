/* Unit tests of ctvtui's model: the contract's mixed JSON types, money, pacing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvtui/model.h"

#include <string.h>

static void test_model_num_string_or_number(void **state)
{
    (void)state;
    json_t *o = json_loads("{\"a\":\"1000.00\",\"b\":12.5,\"c\":0,\"d\":\"x\",\"e\":null}", 0, NULL);
    assert_true(model_num(o, "a", -1) == 1000.0);
    assert_true(model_num(o, "b", -1) == 12.5);
    assert_true(model_num(o, "c", -1) == 0);
    assert_true(model_num(o, "d", -1) == -1);
    assert_true(model_num(o, "e", -1) == -1);
    assert_true(model_num(o, "missing", 7) == 7);
    assert_string_equal(model_str(o, "a", "?"), "1000.00");
    assert_string_equal(model_str(o, "b", "?"), "?");
    json_decref(o);
}

static void test_model_money_groups_thousands(void **state)
{
    (void)state;
    char out[32];
    model_money(out, sizeof out, 1234567.891);
    assert_string_equal(out, "$1,234,567.89");
    model_money(out, sizeof out, 0);
    assert_string_equal(out, "$0.00");
    model_money(out, sizeof out, -12.5);
    assert_string_equal(out, "-$12.50");
    model_money(out, sizeof out, 999);
    assert_string_equal(out, "$999.00");
}

static void test_model_epoch_and_ideal_spend(void **state)
{
    (void)state;
    assert_true(model_epoch("1970-01-02T00:00:00.000Z") == 86400);
    assert_true(model_epoch("2026-12-07") > 0);
    assert_true(model_epoch("nope") < 0);
    assert_true(model_epoch(NULL) < 0);
    assert_true(model_ideal_spend(1000, 0, 100, 25) == 250);
    assert_true(model_ideal_spend(1000, 0, 100, -5) == 0);
    assert_true(model_ideal_spend(1000, 0, 100, 500) == 1000);
    assert_true(model_ideal_spend(1000, 100, 100, 100) == 0);
    char d[16];
    model_date(d, sizeof d, "2026-12-07T10:00:00.000Z");
    assert_string_equal(d, "2026-12-07");
    model_date(d, sizeof d, NULL);
    assert_string_equal(d, "-");
}

static void test_model_target_steps_per_minute_and_midnight(void **state)
{
    (void)state;
    double t[] = {100, 110, 121, 5, 15};
    model_target_steps(t, 5);
    assert_true(t[0] == 10 && t[1] == 10 && t[2] == 11);
    assert_true(t[3] == 5); /* local midnight: the running total restarted */
    assert_true(t[4] == 10);
    double one[] = {42};
    model_target_steps(one, 1);
    assert_true(one[0] == 0);
    model_target_steps(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_num_string_or_number),
        cmocka_unit_test(test_model_money_groups_thousands),
        cmocka_unit_test(test_model_epoch_and_ideal_spend),
        cmocka_unit_test(test_model_target_steps_per_minute_and_midnight),
    };
    return cmocka_run_group_tests_name("tui_model", tests, NULL, NULL);
}
