/* Unit tests of ctvtui's key table: contexts, aliases, the key bar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvtui/keys.h"

#include <curses.h>
#include <string.h>

static void test_keys_lookup_vim_and_arrows_alias(void **state)
{
    (void)state;
    assert_int_equal(keys_lookup('j', KEYS_LIST), ACT_DOWN);
    assert_int_equal(keys_lookup(KEY_DOWN, KEYS_LIST), ACT_DOWN);
    assert_int_equal(keys_lookup('k', KEYS_DETAIL), ACT_UP);
    assert_int_equal(keys_lookup(KEY_UP, KEYS_DETAIL), ACT_UP);
    assert_int_equal(keys_lookup('q', KEYS_LIVE), ACT_BACK);
    assert_int_equal(keys_lookup(27, KEYS_LIST), ACT_BACK);
    assert_int_equal(keys_lookup('?', KEYS_DASH), ACT_HELP);
}

static void test_keys_lookup_respects_context(void **state)
{
    (void)state;
    /* j is a letter in a form, not a move */
    assert_int_equal(keys_lookup('j', KEYS_FORM), ACT_NONE);
    assert_int_equal(keys_lookup(KEY_DOWN, KEYS_FORM), ACT_NEXT_FIELD);
    /* n is "new" in the list but "no" in a confirmation */
    assert_int_equal(keys_lookup('n', KEYS_LIST), ACT_NEW);
    assert_int_equal(keys_lookup('n', KEYS_CONFIRM), ACT_NO);
    assert_int_equal(keys_lookup('y', KEYS_CONFIRM), ACT_YES);
    assert_int_equal(keys_lookup('y', KEYS_DETAIL), ACT_COPY_VAST);
    assert_int_equal(keys_lookup('u', KEYS_LIST), ACT_NONE);
    assert_int_equal(keys_lookup('\t', KEYS_UPLOAD), ACT_COMPLETE_PATH);
}

static void test_keys_bar_fits_width_and_starts_with_help(void **state)
{
    (void)state;
    char bar[512];
    keys_bar(KEYS_DETAIL, 80, bar, sizeof bar);
    assert_true(strlen(bar) <= 80);
    assert_non_null(strstr(bar, "? help"));
    assert_non_null(strstr(bar, "q back"));
    assert_true(strncmp(bar, "? help", 6) == 0);
    keys_bar(KEYS_LIST, 20, bar, sizeof bar);
    assert_true(strlen(bar) <= 20);
    keys_bar(KEYS_DETAIL, 80, bar, 4); /* a tiny buffer is never overrun */
    assert_true(strlen(bar) < 4);
}

static void test_keys_help_lists_every_context_key(void **state)
{
    (void)state;
    size_t i = 0;
    const char *key, *help;
    int n = 0, saw_vast = 0;
    while (keys_help_next(KEYS_DETAIL, &i, &key, &help) == 0) {
        assert_true(key[0] != '\0' && help[0] != '\0');
        if (strcmp(key, "y") == 0)
            saw_vast = 1;
        n++;
    }
    assert_true(n >= 15);
    assert_true(saw_vast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_lookup_vim_and_arrows_alias),
        cmocka_unit_test(test_keys_lookup_respects_context),
        cmocka_unit_test(test_keys_bar_fits_width_and_starts_with_help),
        cmocka_unit_test(test_keys_help_lists_every_context_key),
    };
    return cmocka_run_group_tests_name("tui_keys", tests, NULL, NULL);
}
