/* Unit tests of serve_media's Range parsing (RFC 9110 single byte ranges). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ad/serve_media.h"

static void expect_partial(const char *hdr, uint64_t size, uint64_t start, uint64_t len)
{
    uint64_t s = 99, l = 99;

    assert_int_equal(serve_media_parse_range(hdr, size, &s, &l), SERVE_MEDIA_PARTIAL);
    assert_int_equal(s, start);
    assert_int_equal(l, len);
}

static void expect(const char *hdr, uint64_t size, enum serve_media_range want)
{
    uint64_t s = 99, l = 99;

    assert_int_equal(serve_media_parse_range(hdr, size, &s, &l), want);
    assert_int_equal(s, 99); /* untouched unless PARTIAL */
    assert_int_equal(l, 99);
}

static void test_serve_media_parse_range_partial(void **state)
{
    (void)state;
    expect_partial("bytes=0-99", 1000, 0, 100);
    expect_partial("bytes=0-0", 1000, 0, 1);
    expect_partial("bytes=100-", 1000, 100, 900);
    expect_partial("bytes=-100", 1000, 900, 100);
    expect_partial("bytes=-5000", 1000, 0, 1000);     /* suffix longer than the file */
    expect_partial("bytes=900-5000", 1000, 900, 100); /* end clipped */
    expect_partial("bytes=999-999", 1000, 999, 1);
    expect_partial("Bytes = 1 - 2 ", 1000, 1, 2);                 /* unit case, optional spaces */
    expect_partial("bytes=0-99999999999999999999999", 10, 0, 10); /* saturating digits */
}

static void test_serve_media_parse_range_unsatisfiable(void **state)
{
    (void)state;
    expect("bytes=1000-", 1000, SERVE_MEDIA_UNSATISFIABLE);
    expect("bytes=1000-2000", 1000, SERVE_MEDIA_UNSATISFIABLE);
    expect("bytes=-0", 1000, SERVE_MEDIA_UNSATISFIABLE);
    expect("bytes=0-", 0, SERVE_MEDIA_UNSATISFIABLE);
    expect("bytes=-1", 0, SERVE_MEDIA_UNSATISFIABLE);
    expect("bytes=99999999999999999999999-", 1000, SERVE_MEDIA_UNSATISFIABLE);
}

static void test_serve_media_parse_range_ignored(void **state)
{
    (void)state;
    expect(NULL, 1000, SERVE_MEDIA_FULL);
    expect("", 1000, SERVE_MEDIA_FULL);
    expect("bytes=", 1000, SERVE_MEDIA_FULL);
    expect("bytes=-", 1000, SERVE_MEDIA_FULL);
    expect("bytes=5-2", 1000, SERVE_MEDIA_FULL);     /* last < first: invalid, ignored */
    expect("bytes=0-1,5-6", 1000, SERVE_MEDIA_FULL); /* several ranges: whole file */
    expect("bytes=a-b", 1000, SERVE_MEDIA_FULL);
    expect("items=0-1", 1000, SERVE_MEDIA_FULL);
    expect("bytes 0-1", 1000, SERVE_MEDIA_FULL);
    expect("bytes=+1-2", 1000, SERVE_MEDIA_FULL);
    expect("bytes=1-2x", 1000, SERVE_MEDIA_FULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_media_parse_range_partial),
        cmocka_unit_test(test_serve_media_parse_range_unsatisfiable),
        cmocka_unit_test(test_serve_media_parse_range_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
