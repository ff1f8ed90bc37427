/* Unit tests of ctvtui's text: display columns of UTF-8 names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvtui/text.h"

#include <locale.h>
#include <string.h>

#define CAFE "Caf\xc3\xa9"             /* 4 columns, 5 bytes */
#define TOKYO "\xe6\x9d\xb1\xe4\xba\xac" /* 2 wide characters: 4 columns */

static void test_text_width_counts_columns(void **state)
{
    (void)state;
    assert_int_equal(text_width("abc"), 3);
    assert_int_equal(text_width(CAFE), 4);
    assert_int_equal(text_width(TOKYO), 4);
    assert_int_equal(text_width("\xff" "a"), 2); /* an invalid byte counts 1 */
}

static void test_text_fit_pads_and_cuts_by_columns(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(text_fit(out, sizeof out, CAFE, 6, 1, 0), 6);
    assert_string_equal(out, CAFE "  ");
    /* a wide character that does not fit whole is left out, then padded */
    assert_int_equal(text_fit(out, sizeof out, TOKYO, 3, 1, 0), 3);
    assert_string_equal(out, "\xe6\x9d\xb1 ");
    assert_int_equal(text_fit(out, sizeof out, "abcdef", 4, 0, 1), 4);
    assert_string_equal(out, "abc~");
    text_fit(out, sizeof out, "a\tb", 5, 0, 0);
    assert_string_equal(out, "a?b"); /* controls never reach the screen */
}

static void test_text_fit_small_buffer(void **state)
{
    (void)state;
    char out[4];
    text_fit(out, sizeof out, TOKYO, 10, 1, 0);
    assert_string_equal(out, "\xe6\x9d\xb1"); /* whole characters only */
}

static void test_text_prev_next_len(void **state)
{
    (void)state;
    assert_int_equal(text_prev_len(CAFE, 5), 2);
    assert_int_equal(text_prev_len(CAFE, 3), 1);
    assert_int_equal(text_prev_len(TOKYO, 6), 3);
    assert_int_equal(text_prev_len("", 0), 0);
    assert_int_equal(text_next_len(TOKYO), 3);
    assert_int_equal(text_next_len(""), 0);
}

static void test_text_contains_ignores_ascii_case(void **state)
{
    (void)state;
    assert_true(text_contains("Spring Sale", "sale"));
    assert_true(text_contains("anything", ""));
    assert_true(text_contains(CAFE " Noel", "caf\xc3\xa9"));
    assert_false(text_contains("abc", "abcd"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_width_counts_columns),
        cmocka_unit_test(test_text_fit_pads_and_cuts_by_columns),
        cmocka_unit_test(test_text_fit_small_buffer),
        cmocka_unit_test(test_text_prev_next_len),
        cmocka_unit_test(test_text_contains_ignores_ascii_case),
    };
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        setlocale(LC_CTYPE, "");
    return cmocka_run_group_tests_name("tui_text", tests, NULL, NULL);
}
