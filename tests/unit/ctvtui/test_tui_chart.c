/* Unit tests of ctvtui's chart: exact text of every chart kind, both glyph sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvtui/chart.h"

#include <string.h>

#define B1 "\xe2\x96\x81"
#define B4 "\xe2\x96\x84"
#define B8 "\xe2\x96\x88"
#define SHADE "\xe2\x96\x91"

static void test_chart_sparkline_ascii_scales_and_rounds_up(void **state)
{
    (void)state;
    char out[64];
    double v[] = {0, 1, 4, 8};
    assert_int_equal(chart_sparkline(out, sizeof out, v, 4, 10, 0, 0), 4);
    /* 0 is the baseline '_', 1/8 rounds up to one eighth ('_'), 4/8 ':' , 8/8 '#' */
    assert_string_equal(out, "__:#");
    double one[] = {1, 1000};
    chart_sparkline(out, sizeof out, one, 2, 10, 0, 0);
    assert_string_equal(out, "_#"); /* 1 of 1000 is still visible above zero's level */
}

static void test_chart_sparkline_utf8_keeps_last_width_values(void **state)
{
    (void)state;
    char out[64];
    double v[] = {8, 8, 0, 4, 8};
    assert_int_equal(chart_sparkline(out, sizeof out, v, 5, 3, 8, 1), 3);
    assert_string_equal(out, B1 B4 B8);
}

static void test_chart_sparkline_truncates_without_splitting_glyphs(void **state)
{
    (void)state;
    char out[8]; /* room for two 3-byte glyphs and the NUL */
    double v[] = {8, 8, 8, 8};
    assert_int_equal(chart_sparkline(out, sizeof out, v, 4, 4, 8, 1), 2);
    assert_string_equal(out, B8 B8);
}

static void test_chart_columns_rows_and_target_line(void **state)
{
    (void)state;
    char out[256];
    double v[] = {0, 2, 4};
    double t[] = {2, 2, 2};
    /* height 2, max 4: 4 fills both rows, 2 fills the bottom row; the target (2)
     * sits in the bottom row where no column covers it */
    assert_int_equal(chart_columns(out, sizeof out, v, t, 3, 10, 2, 4, 0), 3);
    assert_string_equal(out, "  #\n-##");
    assert_int_equal(chart_columns(out, sizeof out, v, NULL, 3, 10, 2, 4, 0), 3);
    assert_string_equal(out, "  #\n ##");
}

static void test_chart_columns_utf8_partial_rows(void **state)
{
    (void)state;
    char out[256];
    double v[] = {1, 8};
    chart_columns(out, sizeof out, v, NULL, 2, 10, 1, 8, 1);
    assert_string_equal(out, B1 B8);
}

static void test_chart_bar_fractions(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(chart_bar(out, sizeof out, 0.5, 10, 0), 10);
    assert_string_equal(out, "#####.....");
    chart_bar(out, sizeof out, 2.0, 4, 0);
    assert_string_equal(out, "####");
    chart_bar(out, sizeof out, -1, 4, 0);
    assert_string_equal(out, "....");
    chart_bar(out, sizeof out, 0.25, 2, 1);
    assert_string_equal(out, "\xe2\x96\x8c" SHADE); /* half a cell, then shade */
}

static void test_chart_pace_marker(void **state)
{
    (void)state;
    char out[128];
    chart_pace(out, sizeof out, 0.2, 0.5, 10, 0);
    assert_string_equal(out, "##...|....");
    chart_pace(out, sizeof out, 1.0, 1.0, 4, 0);
    assert_string_equal(out, "###|");
}

static void test_chart_funnel_relative_to_first(void **state)
{
    (void)state;
    char out[512];
    const char *labels[] = {"Impr", "Starts", "Done"};
    double v[] = {200, 100, 0};
    assert_true(chart_funnel(out, sizeof out, labels, v, 3, 6, 4, 0) > 0);
    assert_string_equal(out, "Impr   ####    200 100.0%\n"
                             "Starts ##..    100  50.0%\n"
                             "Done   ....      0   0.0%");
}

static void test_chart_human_suffixes(void **state)
{
    (void)state;
    char out[16];
    chart_human(out, sizeof out, 950);
    assert_string_equal(out, "950");
    chart_human(out, sizeof out, 1234);
    assert_string_equal(out, "1.2k");
    chart_human(out, sizeof out, 154000);
    assert_string_equal(out, "154k");
    chart_human(out, sizeof out, 2500000);
    assert_string_equal(out, "2.5M");
    chart_human(out, sizeof out, -5);
    assert_string_equal(out, "0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chart_sparkline_ascii_scales_and_rounds_up),
        cmocka_unit_test(test_chart_sparkline_utf8_keeps_last_width_values),
        cmocka_unit_test(test_chart_sparkline_truncates_without_splitting_glyphs),
        cmocka_unit_test(test_chart_columns_rows_and_target_line),
        cmocka_unit_test(test_chart_columns_utf8_partial_rows),
        cmocka_unit_test(test_chart_bar_fractions),
        cmocka_unit_test(test_chart_pace_marker),
        cmocka_unit_test(test_chart_funnel_relative_to_first),
        cmocka_unit_test(test_chart_human_suffixes),
    };
    return cmocka_run_group_tests_name("tui_chart", tests, NULL, NULL);
}
