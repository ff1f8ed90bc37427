/*
 * Unit tests for lib/hexcode: hex digits both ways, percent-encoding with
 * and without '/', and the decoder's flags (form '+', lenient escapes, NUL
 * refusal, bounded output, decoding in place). Expected escapes follow
 * RFC 3986 (unreserved A-Za-z0-9-._~ kept, upper-case hex), the same
 * output JavaScript's encodeURIComponent gives for these inputs except
 * that !'()* are escaped too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/hexcode.h"

static void test_hexcode_hex_digit_all(void **state)
{
    (void)state;
    assert_int_equal(hex_digit('0'), 0);
    assert_int_equal(hex_digit('9'), 9);
    assert_int_equal(hex_digit('a'), 10);
    assert_int_equal(hex_digit('F'), 15);
    assert_int_equal(hex_digit('g'), -1);
    assert_int_equal(hex_digit('G'), -1);
    assert_int_equal(hex_digit('/'), -1);
    assert_int_equal(hex_digit(':'), -1);
    assert_int_equal(hex_digit('\0'), -1);
    assert_int_equal(hex_digit(0xC3), -1);
}

static void test_hexcode_hex_encode_lower(void **state)
{
    const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof(in) + 1];

    (void)state;
    memset(out, 'x', sizeof(out));
    hex_encode(in, sizeof(in), out);
    assert_string_equal(out, "00017f80abff");
    hex_encode(in, 0, out);
    assert_string_equal(out, "");
}

static void test_hexcode_hex_encode_buf_long(void **state)
{
    unsigned char in[300];
    char want[2 * sizeof(in) + 1];
    struct buf b;

    (void)state;
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 7);
    hex_encode(in, sizeof(in), want);
    buf_init(&b, 1000);
    assert_int_equal(buf_puts(&b, "\\x"), 0);
    assert_int_equal(hex_encode_buf(&b, in, sizeof(in)), 0);
    assert_int_equal(b.len, 2 + 2 * sizeof(in));
    assert_string_equal(b.data + 2, want);
    buf_release(&b);
}

static void test_hexcode_hex_encode_buf_full_unchanged(void **state)
{
    unsigned char in[100] = {0};
    struct buf b;

    (void)state;
    buf_init(&b, 150);
    assert_int_equal(buf_puts(&b, "ab"), 0);
    assert_int_equal(hex_encode_buf(&b, in, sizeof(in)), -1);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "ab");
    buf_release(&b);
}

static void test_hexcode_hex_decode_ok_and_bad(void **state)
{
    unsigned char out[4] = {9, 9, 9, 9};

    (void)state;
    assert_int_equal(hex_decode("00aBfF10", out, 4), 0);
    assert_int_equal(out[0], 0x00);
    assert_int_equal(out[1], 0xab);
    assert_int_equal(out[2], 0xff);
    assert_int_equal(out[3], 0x10);
    memset(out, 9, sizeof(out));
    assert_int_equal(hex_decode("00ab-f10", out, 4), -1);
    assert_int_equal(out[0], 9); /* untouched on failure */
    assert_int_equal(hex_decode("0", out, 1), -1);
}

static void test_hexcode_pct_encode_sets(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(pct_encode(out, sizeof(out), "a-Z_0.~", 0), 7);
    assert_string_equal(out, "a-Z_0.~");
    assert_int_equal(pct_encode(out, sizeof(out), "a b/c?&=\xc3\xa9", 0), 24);
    assert_string_equal(out, "a%20b%2Fc%3F%26%3D%C3%A9");
    assert_int_equal(pct_encode(out, sizeof(out), "dir/a b", PCT_KEEP_SLASH), 9);
    assert_string_equal(out, "dir/a%20b");
    assert_int_equal(pct_encode(out, sizeof(out), "", 0), 0);
    assert_string_equal(out, "");
}

static void test_hexcode_pct_encode_truncates_whole_escapes(void **state)
{
    char out[6];

    (void)state;
    /* "ab%20c" needs 6 + NUL: 'a','b' fit, "%20" fits (o + 3 < 6), 'c' does not */
    assert_int_equal(pct_encode(out, sizeof(out), "ab c", 0), 6);
    assert_string_equal(out, "ab%20");
    assert_int_equal(pct_encode(out, 4, "a b", 0), 5);
    assert_string_equal(out, "a");
    assert_int_equal(pct_encode(NULL, 0, "a b", 0), 5);
}

static void test_hexcode_pct_encode_buf_full_unchanged(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "x="), 0);
    assert_int_equal(pct_encode_buf(&b, "a b", 0), 0);
    assert_string_equal(b.data, "x=a%20b");
    assert_int_equal(pct_encode_buf(&b, "  ", 0), -1);
    assert_string_equal(b.data, "x=a%20b");
    assert_int_equal(b.len, 7);
    buf_release(&b);
}

static void test_hexcode_pct_decode_strict(void **state)
{
    char out[32];
    size_t n = 99;

    (void)state;
    assert_int_equal(pct_decode("a%20b%2fc+d", 11, out, sizeof(out), &n, 0), 0);
    assert_string_equal(out, "a b/c+d");
    assert_int_equal(n, 7);
    assert_int_equal(pct_decode("a%2", 3, out, sizeof(out), NULL, 0), -1);
    assert_int_equal(pct_decode("a%zz", 4, out, sizeof(out), NULL, 0), -1);
    assert_int_equal(pct_decode("%", 1, out, sizeof(out), NULL, 0), -1);
    assert_int_equal(pct_decode("", 0, out, sizeof(out), &n, 0), 0);
    assert_int_equal(n, 0);
    assert_string_equal(out, "");
}

static void test_hexcode_pct_decode_plus_and_lenient(void **state)
{
    char out[32];
    size_t n = 0;

    (void)state;
    assert_int_equal(pct_decode("a+b%2", 5, out, sizeof(out), &n, PCT_PLUS_SPACE | PCT_LENIENT), 0);
    assert_string_equal(out, "a b%2");
    assert_int_equal(n, 5);
    assert_int_equal(pct_decode("%zz%41", 6, out, sizeof(out), &n, PCT_LENIENT), 0);
    assert_string_equal(out, "%zzA");
}

static void test_hexcode_pct_decode_nul(void **state)
{
    char out[8];
    size_t n = 0;

    (void)state;
    assert_int_equal(pct_decode("a%00b", 5, out, sizeof(out), NULL, PCT_NO_NUL), -1);
    assert_int_equal(pct_decode("a\0b", 3, out, sizeof(out), NULL, PCT_NO_NUL), -1);
    assert_int_equal(pct_decode("a%00b", 5, out, sizeof(out), &n, 0), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "a\0b", 4);
}

static void test_hexcode_pct_decode_bounded(void **state)
{
    char out[4];

    (void)state;
    assert_int_equal(pct_decode("abc", 3, out, sizeof(out), NULL, 0), 0);
    assert_string_equal(out, "abc");
    assert_int_equal(pct_decode("abcd", 4, out, sizeof(out), NULL, 0), -1);
    assert_int_equal(pct_decode("%41%42%43", 9, out, sizeof(out), NULL, 0), 0);
    assert_string_equal(out, "ABC");
    assert_int_equal(pct_decode("", 0, out, 0, NULL, 0), -1);
}

static void test_hexcode_pct_decode_in_place(void **state)
{
    char s[] = "x%3Dy+%26z";
    size_t n = 0;

    (void)state;
    assert_int_equal(pct_decode(s, strlen(s), s, sizeof(s), &n, PCT_PLUS_SPACE), 0);
    assert_string_equal(s, "x=y &z");
    assert_int_equal(n, 6);
}

static void test_hexcode_pct_round_trip(void **state)
{
    char in[256], enc[3 * 255 + 1], dec[256];
    size_t n = 0;

    (void)state;
    for (int i = 1; i < 256; i++)
        in[i - 1] = (char)i;
    in[255] = '\0';
    assert_int_equal(pct_encode(enc, sizeof(enc), in, 0), 3 * 255 - 2 * 66);
    assert_int_equal(pct_decode(enc, strlen(enc), dec, sizeof(dec), &n, PCT_NO_NUL), 0);
    assert_int_equal(n, 255);
    assert_string_equal(dec, in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hexcode_hex_digit_all),
        cmocka_unit_test(test_hexcode_hex_encode_lower),
        cmocka_unit_test(test_hexcode_hex_encode_buf_long),
        cmocka_unit_test(test_hexcode_hex_encode_buf_full_unchanged),
        cmocka_unit_test(test_hexcode_hex_decode_ok_and_bad),
        cmocka_unit_test(test_hexcode_pct_encode_sets),
        cmocka_unit_test(test_hexcode_pct_encode_truncates_whole_escapes),
        cmocka_unit_test(test_hexcode_pct_encode_buf_full_unchanged),
        cmocka_unit_test(test_hexcode_pct_decode_strict),
        cmocka_unit_test(test_hexcode_pct_decode_plus_and_lenient),
        cmocka_unit_test(test_hexcode_pct_decode_nul),
        cmocka_unit_test(test_hexcode_pct_decode_bounded),
        cmocka_unit_test(test_hexcode_pct_decode_in_place),
        cmocka_unit_test(test_hexcode_pct_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
