/* Unit tests of uuid: generation and the contract's UUID rule (section 3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/uuid.h"

#include <string.h>

static void test_uuid_v4_format(void **state)
{
    char a[37], b[37];
    (void)state;
    assert_int_equal(uuid_v4(a), 0);
    assert_int_equal(uuid_v4(b), 0);
    assert_int_equal(strlen(a), 36);
    assert_true(uuid_valid(a));
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    assert_string_not_equal(a, b);
}

static void test_uuid_valid_rules(void **state)
{
    (void)state;
    assert_true(uuid_valid("00000000-0000-0000-0000-000000000000"));
    assert_true(uuid_valid("123E4567-E89B-12D3-A456-426614174000"));
    assert_false(uuid_valid("123e4567-e89b-62d3-a456-426614174000")); /* version 6 */
    assert_false(uuid_valid("123e4567-e89b-12d3-c456-426614174000")); /* variant c */
    assert_false(uuid_valid("not-a-uuid"));
    assert_false(uuid_valid("123e4567e89b12d3a456426614174000"));
    assert_false(uuid_valid(""));
    assert_true(uuid_syntax("123e4567-e89b-62d3-c456-426614174000"));
}

static void test_uuid_parse_format_round_trip(void **state)
{
    unsigned char b[16];
    char out[37];
    (void)state;
    assert_int_equal(uuid_parse("123E4567-e89b-12d3-A456-426614174000", b), 0);
    assert_int_equal(b[0], 0x12);
    assert_int_equal(b[15], 0x00);
    assert_int_equal(b[6], 0x12);
    uuid_format(b, out);
    assert_string_equal(out, "123e4567-e89b-12d3-a456-426614174000");
}

static void test_uuid_parse_rejects_other_shapes(void **state)
{
    unsigned char b[16];
    (void)state;
    assert_int_equal(uuid_parse("123e4567e89b12d3a456426614174000", b), -1);
    assert_int_equal(uuid_parse("123e4567-e89b-12d3-a456-42661417400", b), -1);
    assert_int_equal(uuid_parse("123e4567-e89b-12d3-a456-4266141740000", b), -1);
    assert_int_equal(uuid_parse("123e4567-e89b-12d3-a456_426614174000", b), -1);
    assert_int_equal(uuid_parse("123e4567-e89b-12d3-a456-42661417400g", b), -1);
    assert_int_equal(uuid_parse("", b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid_v4_format),
        cmocka_unit_test(test_uuid_valid_rules),
        cmocka_unit_test(test_uuid_parse_format_round_trip),
        cmocka_unit_test(test_uuid_parse_rejects_other_shapes),
    };
    return cmocka_run_group_tests_name("uuid", tests, NULL, NULL);
}
