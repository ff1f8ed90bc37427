/* Unit tests of term: the colour rule and UTF-8 display widths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client/term.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

static void test_term_color_decide_rules(void **state)
{
    (void)state;
    assert_true(term_color_decide(TERM_COLOR_AUTO, 1, NULL));
    assert_false(term_color_decide(TERM_COLOR_AUTO, 0, NULL));
    assert_false(term_color_decide(TERM_COLOR_AUTO, 1, "1"));
    assert_true(term_color_decide(TERM_COLOR_AUTO, 1, "")); /* empty NO_COLOR is unset */
    assert_true(term_color_decide(TERM_COLOR_ALWAYS, 0, "1"));
    assert_false(term_color_decide(TERM_COLOR_NEVER, 1, NULL));
}

static void test_term_text_width_utf8(void **state)
{
    (void)state;
    assert_int_equal(term_text_width("abc", 3), 3);
    assert_int_equal(term_text_width("caf\xc3\xa9", 5), 4);
    assert_int_equal(term_text_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4); /* two wide CJK */
    assert_int_equal(term_text_width("a\tb", 3), 2);                     /* control: 0 */
    assert_int_equal(term_text_width("\xff"
                                     "a",
                                     2),
                     2); /* malformed: 1 */
    assert_int_equal(term_text_width("abcdef", 2), 2);
}

static void test_term_text_fit_never_splits(void **state)
{
    int used = -1;
    (void)state;
    assert_int_equal(term_text_fit("hello", 3, &used), 3);
    assert_int_equal(used, 3);
    assert_int_equal(term_text_fit("caf\xc3\xa9!", 4, &used), 5);
    assert_int_equal(used, 4);
    /* a wide character that does not fit stays out whole */
    assert_int_equal(term_text_fit("a\xe6\x97\xa5", 2, &used), 1);
    assert_int_equal(used, 1);
    assert_int_equal(term_text_fit("abc", 0, NULL), 0);
}

static void test_term_width_fallback_and_columns(void **state)
{
    (void)state;
    setenv("COLUMNS", "123", 1);
    assert_int_equal(term_width(-1, 80), 123);
    setenv("COLUMNS", "x", 1);
    assert_int_equal(term_width(-1, 80), 80);
    unsetenv("COLUMNS");
    assert_int_equal(term_width(-1, 77), 77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_term_color_decide_rules),
        cmocka_unit_test(test_term_text_width_utf8),
        cmocka_unit_test(test_term_text_fit_never_splits),
        cmocka_unit_test(test_term_width_fallback_and_columns),
    };
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        setlocale(LC_CTYPE, "");
    return cmocka_run_group_tests_name("term", tests, NULL, NULL);
}
