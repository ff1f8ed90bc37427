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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid_v4_format),
        cmocka_unit_test(test_uuid_valid_rules),
    };
    return cmocka_run_group_tests_name("uuid", tests, NULL, NULL);
}
