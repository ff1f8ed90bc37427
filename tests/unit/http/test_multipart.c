/* Unit tests of multipart: boundaries, parts, streaming in every split, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/multipart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the callbacks saw, as text: "[name|filename|type]data|" per part. */
struct seen {
    char log[4096];
    size_t len;
    int parts;
    int stop_at_part; /* part_begin returns -1 for this part number (1-based); 0 never */
};

static void put(struct seen *s, const char *p, size_t n)
{
    if (s->len + n >= sizeof(s->log))
        n = sizeof(s->log) - 1 - s->len;
    memcpy(s->log + s->len, p, n);
    s->len += n;
    s->log[s->len] = '\0';
}

static int on_begin(void *ctx, const struct multipart_part *p)
{
    struct seen *s = ctx;
    char b[512];

    s->parts++;
    snprintf(b, sizeof(b), "[%s%s|%s|%s]", p->form_data ? "" : "!", p->name ? p->name : "-",
             p->filename ? p->filename : "-", p->content_type ? p->content_type : "-");
    put(s, b, strlen(b));
    return s->parts == s->stop_at_part ? -1 : 0;
}

static int on_data(void *ctx, const char *d, size_t n)
{
    assert_true(n > 0);
    put(ctx, d, n);
    return 0;
}

static int on_end(void *ctx)
{
    put(ctx, "|", 1);
    return 0;
}

static const struct multipart_callbacks cbs = {on_begin, on_data, on_end};

/* Parse body fed in pieces of step bytes; returns finish()'s status. */
static int parse(const char *boundary, const char *body, size_t len, size_t step, struct seen *s)
{
    struct multipart *mp = multipart_new(boundary, &cbs, s);
    int rc = MULTIPART_OK;

    for (size_t off = 0; off < len && rc == MULTIPART_OK; off += step)
        rc = multipart_feed(mp, body + off, len - off < step ? len - off : step);
    if (rc == MULTIPART_OK)
        rc = multipart_finish(mp);
    multipart_free(mp);
    return rc;
}

static const char form[] = "--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"metadata\"\r\n"
                           "\r\n"
                           "{\"name\":\"Ad\"}\r\n"
                           "--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"video\"; filename=\"a.MP4\"\r\n"
                           "Content-Type: Video/MP4; codecs=avc1\r\n"
                           "\r\n"
                           "\r\n--X\r\nbinary\r\n-\r\n"
                           "--XyZ--\r\n"
                           "epilogue --XyZ garbage";

static void test_multipart_feed_every_split(void **state)
{
    const char *want = "[metadata|-|-]{\"name\":\"Ad\"}|"
                       "[video|a.MP4|video/mp4]\r\n--X\r\nbinary\r\n-|";
    (void)state;
    for (size_t step = 1; step <= sizeof(form); step++) {
        struct seen s = {0};
        assert_int_equal(parse("XyZ", form, sizeof(form) - 1, step, &s), MULTIPART_OK);
        assert_string_equal(s.log, want);
    }
}

static void test_multipart_feed_preamble_and_empty_part(void **state)
{
    static const char body[] = "preamble\r\n--b\r\n\r\n\r\n--b\r\n"
                               "content-disposition: attachment; name=x\r\n\r\nv\r\n--b--";
    struct seen s = {0};
    (void)state;
    assert_int_equal(parse("b", body, sizeof(body) - 1, 3, &s), MULTIPART_OK);
    assert_string_equal(s.log, "[!-|-|-]|[!x|-|-]v|");
}

static void test_multipart_feed_folded_and_escaped_headers(void **state)
{
    static const char body[] = "--b\r\nContent-Disposition: form-data;\r\n"
                               " name=\"a\\\"b\"; filename=\"c:\\\\x.avi\"\r\n\r\nz\r\n--b--\r\n";
    struct seen s = {0};
    (void)state;
    assert_int_equal(parse("b", body, sizeof(body) - 1, 1000, &s), MULTIPART_OK);
    assert_string_equal(s.log, "[a\"b|c:\\x.avi|-]z|");
}

static void test_multipart_feed_filename_ext_wins(void **state)
{
    static const char body[] = "--b\r\nContent-Disposition: form-data; name=v; filename=\"x.bin\"; "
                               "filename*=UTF-8''%e2%82%ac.mov\r\n\r\n\r\n--b--";
    struct seen s = {0};
    (void)state;
    assert_int_equal(parse("b", body, sizeof(body) - 1, 7, &s), MULTIPART_OK);
    assert_string_equal(s.log, "[v|\xe2\x82\xac.mov|-]|");
}

static void test_multipart_finish_truncated(void **state)
{
    static const char body[] = "--b\r\nContent-Disposition: form-data; name=v\r\n\r\nabc";
    struct seen s = {0};
    (void)state;
    assert_int_equal(parse("b", body, sizeof(body) - 1, 5, &s), MULTIPART_ETRUNCATED);
    assert_string_equal(multipart_strerror(MULTIPART_ETRUNCATED), "Unexpected end of form");
    /* An empty body and a body without any boundary are truncated forms too. */
    assert_int_equal(parse("b", "", 0, 1, &s), MULTIPART_ETRUNCATED);
    assert_int_equal(parse("b", "hello", 5, 1, &s), MULTIPART_ETRUNCATED);
}

static void test_multipart_feed_malformed(void **state)
{
    static const char *const bad[] = {
        "--b\r\nno colon here\r\n\r\nx\r\n--b--",
        "--b\r\n: empty name\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--b--",
        "--bX\r\n\r\nx\r\n--b--",
        "--b\nContent-Disposition: form-data; name=a\n\nx\n--b--",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct seen s = {0};
        assert_int_equal(parse("b", bad[i], strlen(bad[i]), 2, &s), MULTIPART_EMALFORMED);
    }
    assert_string_equal(multipart_strerror(MULTIPART_EMALFORMED), "Malformed part header");
}

static void test_multipart_feed_header_limit(void **state)
{
    size_t n = MULTIPART_HEADER_MAX + 64;
    char *body = malloc(n + 32);
    struct seen s = {0};
    size_t len;
    (void)state;
    assert_non_null(body);
    len = (size_t)snprintf(body, n + 32, "--b\r\nX-Pad: ");
    memset(body + len, 'a', n - len);
    len = n;
    assert_int_equal(parse("b", body, len, 1000, &s), MULTIPART_EMALFORMED);
    assert_int_equal(s.parts, 0);
    free(body);
}

static void test_multipart_feed_callback_stops(void **state)
{
    struct seen s = {0};
    struct multipart *mp;
    (void)state;
    s.stop_at_part = 2;
    mp = multipart_new("XyZ", &cbs, &s);
    assert_int_equal(multipart_feed(mp, form, sizeof(form) - 1), MULTIPART_ESTOPPED);
    /* Sticky: nothing more is reported. */
    assert_int_equal(multipart_feed(mp, "--XyZ--", 7), MULTIPART_ESTOPPED);
    assert_int_equal(multipart_finish(mp), MULTIPART_ESTOPPED);
    assert_int_equal(s.parts, 2);
    multipart_free(mp);
}

/* A big part streams through with bounded holding: every byte arrives once, in order. */
static int count_data(void *ctx, const char *d, size_t n)
{
    size_t *total = ctx;
    for (size_t i = 0; i < n; i++)
        assert_int_equal((unsigned char)d[i], (unsigned char)(((*total) + i) % 251));
    *total += n;
    return 0;
}

static int no_begin(void *ctx, const struct multipart_part *p)
{
    (void)ctx;
    (void)p;
    return 0;
}

static int no_end(void *ctx)
{
    (void)ctx;
    return 0;
}

static void test_multipart_feed_large_part(void **state)
{
    static const struct multipart_callbacks c = {no_begin, count_data, no_end};
    static const char head[] = "--bb\r\nContent-Disposition: form-data; name=video; "
                               "filename=x.mp4\r\n\r\n";
    size_t total = 0, sent = 0, big = 3u << 20;
    char chunk[7777];
    struct multipart *mp = multipart_new("bb", &c, &total);
    (void)state;
    assert_int_equal(multipart_feed(mp, head, sizeof(head) - 1), 0);
    while (sent < big) {
        size_t n = big - sent < sizeof(chunk) ? big - sent : sizeof(chunk);
        for (size_t i = 0; i < n; i++)
            chunk[i] = (char)((sent + i) % 251);
        assert_int_equal(multipart_feed(mp, chunk, n), 0);
        sent += n;
    }
    assert_int_equal(multipart_feed(mp, "\r\n--bb--\r\n", 10), 0);
    assert_int_equal(multipart_finish(mp), 0);
    assert_int_equal(total, big);
    multipart_free(mp);
}

static void test_multipart_boundary_parse(void **state)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    char longb[MULTIPART_BOUNDARY_MAX + 64];
    (void)state;
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof(b)), 0);
    assert_string_equal(b, "abc");
    assert_int_equal(
        multipart_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\"", b, sizeof(b)),
        0);
    assert_string_equal(b, "a b:c");
    assert_int_equal(multipart_boundary("multipart/form-data", b, sizeof(b)), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"\"", b, sizeof(b)), -1);
    snprintf(longb, sizeof(longb), "multipart/form-data; boundary=%0*d", MULTIPART_BOUNDARY_MAX + 1,
             0);
    assert_int_equal(multipart_boundary(longb, b, sizeof(b)), -1);
    assert_int_equal(multipart_boundary("application/json", b, sizeof(b)), 1);
    assert_int_equal(multipart_boundary("multipart/form-datax; boundary=a", b, sizeof(b)), 1);
    assert_int_equal(multipart_boundary(NULL, b, sizeof(b)), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multipart_feed_every_split),
        cmocka_unit_test(test_multipart_feed_preamble_and_empty_part),
        cmocka_unit_test(test_multipart_feed_folded_and_escaped_headers),
        cmocka_unit_test(test_multipart_feed_filename_ext_wins),
        cmocka_unit_test(test_multipart_finish_truncated),
        cmocka_unit_test(test_multipart_feed_malformed),
        cmocka_unit_test(test_multipart_feed_header_limit),
        cmocka_unit_test(test_multipart_feed_callback_stops),
        cmocka_unit_test(test_multipart_feed_large_part),
        cmocka_unit_test(test_multipart_boundary_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
