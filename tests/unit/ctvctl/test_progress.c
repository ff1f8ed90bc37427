/* Unit tests of ctvctl's progress line: units, ETA, layout by width, the 10 Hz rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvctl/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_progress_bytes_units(void **state)
{
    char s[32];
    (void)state;
    progress_bytes(0, s, sizeof(s));
    assert_string_equal(s, "0 B");
    progress_bytes(1023, s, sizeof(s));
    assert_string_equal(s, "1023 B");
    progress_bytes(1024, s, sizeof(s));
    assert_string_equal(s, "1.0 KiB");
    progress_bytes(12897484, s, sizeof(s));
    assert_string_equal(s, "12.3 MiB");
    progress_bytes(1610612736ULL, s, sizeof(s));
    assert_string_equal(s, "1.50 GiB");
}

static void test_progress_eta_forms(void **state)
{
    char s[16];
    (void)state;
    progress_eta(4.4, s, sizeof(s));
    assert_string_equal(s, "0:04");
    progress_eta(62, s, sizeof(s));
    assert_string_equal(s, "1:02");
    progress_eta(3723, s, sizeof(s));
    assert_string_equal(s, "1:02:03");
    progress_eta(-1, s, sizeof(s));
    assert_string_equal(s, "--:--");
}

static void test_progress_format_full_line(void **state)
{
    char s[256];
    (void)state;
    /* half of 2 MiB in 1 s: 1 MiB/s, 1 s left */
    progress_format(1048576, 2097152, 1.0, 80, s, sizeof(s));
    /* the tail takes 45 columns, the bar the 33 left between its brackets, 16 filled */
    assert_string_equal(s, "[################.................]  50%  1.0 MiB / 2.0 MiB  "
                           "1.0 MiB/s  ETA 0:01");
    assert_int_equal(strlen(s), 80);
    /* a wide terminal: the bar stops at 40 */
    progress_format(1048576, 2097152, 1.0, 200, s, sizeof(s));
    assert_memory_equal(s, "[####################....................]  50%", 47);
}

static void test_progress_format_narrow_and_unknown(void **state)
{
    char s[256];
    (void)state;
    /* too narrow for a bar of 10: the text alone, cut to the width */
    progress_format(1048576, 2097152, 1.0, 40, s, sizeof(s));
    assert_string_equal(s, " 50%  1.0 MiB / 2.0 MiB  1.0 MiB/s  ETA ");
    assert_int_equal(strlen(s), 40);
    /* unknown total: bytes and rate only */
    progress_format(2048, 0, 2.0, 80, s, sizeof(s));
    assert_string_equal(s, "2.0 KiB  1.0 KiB/s");
    /* nothing sent yet: rate 0, ETA unknown */
    progress_format(0, 100, 0.0, 120, s, sizeof(s));
    assert_non_null(strstr(s, "  0%"));
    assert_non_null(strstr(s, "ETA --:--"));
}

static void test_progress_due_10hz(void **state)
{
    (void)state;
    assert_true(progress_due(-1, 5, 1, 100));        /* first */
    assert_false(progress_due(1000, 1099, 5, 100));  /* 99 ms later */
    assert_true(progress_due(1000, 1100, 5, 100));   /* 100 ms later */
    assert_true(progress_due(1000, 1001, 100, 100)); /* finished: always drawn */
}

static void test_progress_update_throttles(void **state)
{
    struct progress p;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int i;
    (void)state;
    assert_non_null(f);
    progress_init(&p, f, 80);
    for (i = 1; i <= 1000; i++) /* a burst of calls within a few ms */
        progress_update(&p, (uint64_t)i, 1000);
    progress_finish(&p);
    assert_int_equal(fclose(f), 0);
    /* the first call and the final 100 % only */
    assert_int_equal(p.draws, 2);
    assert_non_null(strstr(text, "100%"));
    assert_int_equal(text[len - 1], '\n');
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_bytes_units),
        cmocka_unit_test(test_progress_eta_forms),
        cmocka_unit_test(test_progress_format_full_line),
        cmocka_unit_test(test_progress_format_narrow_and_unknown),
        cmocka_unit_test(test_progress_due_10hz),
        cmocka_unit_test(test_progress_update_throttles),
    };
    return cmocka_run_group_tests_name("progress", tests, NULL, NULL);
}
