/* Unit tests of ctvctl's output: width fitting, aligned and TSV tables, JSON cells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvctl/output.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

static void test_output_fit_widths_shrinks_widest_first(void **state)
{
    int w[3] = {36, 30, 6};
    (void)state;
    /* 36+30+6 + 2 gaps of 2 = 76; fit 50: the two wide ones shrink, evenly at the end */
    assert_int_equal(output_fit_widths(w, NULL, 3, 50, 6), 50);
    assert_int_equal(w[2], 6);
    assert_true(w[0] == 20 || w[0] == 21);
    assert_int_equal(w[0] + w[1], 40);
}

static void test_output_fit_widths_floor(void **state)
{
    int w[2] = {30, 4};
    (void)state;
    /* never below the minimum: the line stays wider than asked */
    assert_int_equal(output_fit_widths(w, NULL, 2, 5, 6), 12);
    assert_int_equal(w[0], 6);
    assert_int_equal(w[1], 4);
}

static void test_output_fit_widths_keeps_ids(void **state)
{
    int w[3] = {36, 30, 10};
    const int keep[3] = {1, 0, 0};
    (void)state;
    assert_int_equal(output_fit_widths(w, keep, 3, 60, 6), 60);
    assert_int_equal(w[0], 36);
    assert_int_equal(w[1] + w[2], 20);
}

static void test_output_table_line_cut_at_width(void **state)
{
    static const char *const h[] = {"ID", "NAME", "STATUS"};
    static const char *const r1[] = {"0123456789abcdef", "name", "active"};
    struct output_table t;
    struct buf b;
    (void)state;
    output_table_init(&t, 3, h);
    output_table_keep(&t, 0);
    output_table_add(&t, r1);
    buf_init(&b, 4096);
    /* 16 + 2 + 6 + 2 + 6 = 32 > 20 even at the minimum: lines are cut at 20 columns */
    assert_int_equal(output_table_render(&t, 1, 20, 0, &b), 0);
    assert_string_equal(b.data, "ID                N\xe2\x80\xa6\n"
                                "0123456789abcdef  n\xe2\x80\xa6\n");
    buf_release(&b);
    output_table_release(&t);
}

static void test_output_table_tty_aligned_and_cut(void **state)
{
    static const char *const h[] = {"ID", "NAME", "STATUS"};
    static const char *const r1[] = {"1", "a very long campaign name indeed", "active"};
    static const char *const r2[] = {"22", "short", NULL};
    struct output_table t;
    struct buf b;
    (void)state;
    output_table_init(&t, 3, h);
    output_table_add(&t, r1);
    output_table_add(&t, r2);
    buf_init(&b, 4096);
    assert_int_equal(output_table_render(&t, 1, 30, 0, &b), 0);
    /* ID(2) NAME(30->18) STATUS(6) with gaps: 2+2+18+2+6 = 30 columns */
    assert_string_equal(b.data, "ID  NAME                STATUS\n"
                                "1   a very long campa\xe2\x80\xa6  active\n"
                                "22  short               \n");
    buf_reset(&b);
    assert_int_equal(output_table_render(&t, 1, 200, 1, &b), 0);
    assert_memory_equal(b.data, "\033[1mID  NAME", 10);
    assert_non_null(strstr(b.data, "a very long campaign name indeed  active\n"));
    buf_release(&b);
    output_table_release(&t);
}

static void test_output_table_tsv_plain(void **state)
{
    static const char *const h[] = {"A", "B"};
    static const char *const r1[] = {"x\ty", "line1\nline2"};
    static const char *const r2[] = {"", "z"};
    struct output_table t;
    struct buf b;
    (void)state;
    output_table_init(&t, 2, h);
    output_table_add(&t, r1);
    output_table_add(&t, r2);
    buf_init(&b, 4096);
    assert_int_equal(output_table_render(&t, 0, 10, 1, &b), 0);
    /* no header, no colour, no cutting, tabs/newlines inside cells made spaces */
    assert_string_equal(b.data, "x y\tline1 line2\n\tz\n");
    buf_release(&b);
    output_table_release(&t);
}

static void test_output_table_utf8_width(void **state)
{
    static const char *const h[] = {"N", "X"};
    static const char *const r1[] = {"caf\xc3\xa9", "1"};
    struct output_table t;
    struct buf b;
    (void)state;
    output_table_init(&t, 2, h);
    output_table_add(&t, r1);
    buf_init(&b, 4096);
    assert_int_equal(output_table_render(&t, 1, 80, 0, &b), 0);
    /* "café" is 4 columns: padded like a 4-letter word */
    assert_string_equal(b.data, "N     X\ncaf\xc3\xa9  1\n");
    buf_release(&b);
    output_table_release(&t);
}

static void test_output_cell_json_types(void **state)
{
    json_t *v =
        json_loads("[\"s\",12,18.75,0.1,true,null,[\"US\",\"CA\"],{\"a\":1},[{\"b\":2}]]", 0, NULL);
    static const char *const tty[] = {"s", "12",    "18.75",     "0.1",        "true",
                                      "-", "US,CA", "{\"a\":1}", "[{\"b\":2}]"};
    size_t i;
    char *c;
    (void)state;
    for (i = 0; i < json_array_size(v); i++) {
        c = output_cell(json_array_get(v, i), 1);
        assert_string_equal(c, tty[i]);
        free(c);
    }
    c = output_cell(json_array_get(v, 5), 0);
    assert_string_equal(c, "");
    free(c);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_fit_widths_shrinks_widest_first),
        cmocka_unit_test(test_output_fit_widths_floor),
        cmocka_unit_test(test_output_fit_widths_keeps_ids),
        cmocka_unit_test(test_output_table_line_cut_at_width),
        cmocka_unit_test(test_output_table_tty_aligned_and_cut),
        cmocka_unit_test(test_output_table_tsv_plain),
        cmocka_unit_test(test_output_table_utf8_width),
        cmocka_unit_test(test_output_cell_json_types),
    };
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        setlocale(LC_CTYPE, "");
    return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
