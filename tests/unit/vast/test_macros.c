/*
 * Unit tests of macros: server macros filled and percent-encoded, unknown
 * ones -1, player macros and anything else bracketed left alone, bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vast/macros.h"

#include <string.h>

struct fixture {
    struct macros_ctx ctx;
    struct buf out;
};

static int setup(void **state)
{
    static struct fixture f;

    macros_ctx_init(&f.ctx);
    buf_init(&f.out, 8192);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    buf_release(&f->out);
    return 0;
}

/* Expand url with f's context; returns the result (valid until the next call). */
static const char *expand(struct fixture *f, const char *url)
{
    buf_reset(&f->out);
    assert_int_equal(macros_expand(&f->ctx, url, &f->out), 0);
    return f->out.data != NULL ? f->out.data : "";
}

static void fill(struct macros_ctx *c)
{
    c->now_ms = INT64_C(1735787045678); /* 2025-01-02T03:04:05.678Z */
    c->cachebuster = 4242;
    c->limit_ad_tracking = 1;
    c->ifa = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
    c->ifa_type = "rida";
    c->device_ua = "Roku/DVP-12.0 (12.0.0.4182-88)";
    c->device_ip = "2001:db8::1";
    c->app_bundle = "com.example.tv";
    c->ad_serving_id = "123e4567-e89b-42d3-a456-426614174000";
    c->domain = "example.com";
    c->page_url = "https://example.com/watch?v=1&t=2";
    c->gdpr_consent = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
    c->regulations = "gdpr,coppa";
}

static void test_macros_expand_fills_server_macros(void **state)
{
    struct fixture *f = *state;

    fill(&f->ctx);
    assert_string_equal(expand(f, "https://t.example/i?cb=[CACHEBUSTING]&ts=[TIMESTAMP]"),
                        "https://t.example/i?cb=00004242&ts=2025-01-02T03%3A04%3A05.678Z");
    assert_string_equal(expand(f, "[IFA]|[IFATYPE]|[LIMITADTRACKING]"),
                        "6D92078A-8246-4BA4-AE5B-76104861E7DC|rida|1");
    assert_string_equal(expand(f, "ua=[DEVICEUA]&ip=[DEVICEIP]"),
                        "ua=Roku%2FDVP-12.0%20%2812.0.0.4182-88%29&ip=2001%3Adb8%3A%3A1");
    assert_string_equal(expand(f, "[APPBUNDLE]/[ADSERVINGID]/[DOMAIN]"),
                        "com.example.tv/123e4567-e89b-42d3-a456-426614174000/example.com");
    assert_string_equal(expand(f, "p=[PAGEURL]"),
                        "p=https%3A%2F%2Fexample.com%2Fwatch%3Fv%3D1%26t%3D2");
    assert_string_equal(expand(f, "g=[GDPRCONSENT]&r=[REGULATIONS]"),
                        "g=CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA&r=gdpr%2Ccoppa");
    f->ctx.limit_ad_tracking = 0;
    f->ctx.cachebuster = 99999999;
    assert_string_equal(expand(f, "[LIMITADTRACKING][CACHEBUSTING]"), "099999999");
}

static void test_macros_expand_unknown_is_minus_one(void **state)
{
    struct fixture *f = *state;

    assert_string_equal(
        expand(f, "a=[CACHEBUSTING]&b=[TIMESTAMP]&c=[IFA]&d=[IFATYPE]&e=[DEVICEUA]&f=[DEVICEIP]"
                  "&g=[APPBUNDLE]&h=[ADSERVINGID]&i=[DOMAIN]&j=[PAGEURL]&k=[LIMITADTRACKING]"
                  "&l=[GDPRCONSENT]&m=[REGULATIONS]"),
        "a=-1&b=-1&c=-1&d=-1&e=-1&f=-1&g=-1&h=-1&i=-1&j=-1&k=-1&l=-1&m=-1");
    /* Empty strings are unknown too; out-of-range numbers as well. */
    f->ctx.ifa = "";
    f->ctx.cachebuster = 100000000;
    f->ctx.now_ms = INT64_C(253402300800000); /* year 10000: no ISO form */
    assert_string_equal(expand(f, "[IFA][CACHEBUSTING][TIMESTAMP]"), "-1-1-1");
}

static void test_macros_expand_keeps_player_macros(void **state)
{
    struct fixture *f = *state;
    const char *url =
        "https://t.example/e?c=[ERRORCODE]&p=[CONTENTPLAYHEAD]&m=[MEDIAPLAYHEAD]&a=[ADPLAYHEAD]"
        "&u=[ASSETURI]&b=[BREAKPOSITION]&s=[PODSEQUENCE]&r=[REASON]&x=[SOME_FUTURE_MACRO2]";

    fill(&f->ctx);
    assert_string_equal(expand(f, url), url);
}

static void test_macros_expand_odd_brackets(void **state)
{
    struct fixture *f = *state;

    fill(&f->ctx);
    f->ctx.ifa = "X";
    assert_string_equal(expand(f, "[[IFA]]"), "[X]");
    assert_string_equal(expand(f, "[IFA"), "[IFA");
    assert_string_equal(expand(f, "IFA]"), "IFA]");
    assert_string_equal(expand(f, "[ifa]"), "[ifa]");
    assert_string_equal(expand(f, "[]"), "[]");
    assert_string_equal(expand(f, "["), "[");
    assert_string_equal(expand(f, "[ IFA]"), "[ IFA]");
    assert_string_equal(expand(f, "[IFA][IFA]"), "XX");
    assert_string_equal(expand(f, "%%IFA%%"), "%%IFA%%");
    /* A name longer than any macro is not one, whatever follows. */
    assert_string_equal(expand(f, "[AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA][IFA]"),
                        "[AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA]X");
    assert_string_equal(expand(f, ""), "");
    assert_string_equal(expand(f, "https://plain.example/p?a=1&b=%20"),
                        "https://plain.example/p?a=1&b=%20");
}

/* Only RFC 3986 unreserved characters survive unencoded; UTF-8 bytes are encoded. */
static void test_macros_expand_encodes_each_value(void **state)
{
    struct fixture *f = *state;

    f->ctx.app_bundle = "a-z_A.Z~0 9!*'();:@&=+$,/?#[]%\"<>\\^`{|}\xc3\xa9";
    assert_string_equal(expand(f, "[APPBUNDLE]"),
                        "a-z_A.Z~0%209%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D%25"
                        "%22%3C%3E%5C%5E%60%7B%7C%7D%C3%A9");
    /* A value that looks like a macro is data, not expanded again. */
    f->ctx.domain = "[IFA]";
    assert_string_equal(expand(f, "[DOMAIN]"), "%5BIFA%5D");
}

static void test_macros_expand_bounded(void **state)
{
    struct fixture *f = *state;
    struct buf small;

    fill(&f->ctx);
    buf_init(&small, 16);
    assert_int_equal(macros_expand(&f->ctx, "0123456789abcdef", &small), 0);
    buf_reset(&small);
    assert_int_equal(macros_expand(&f->ctx, "0123456789abcdefg", &small), -1);
    buf_reset(&small);
    /* The expansion, not the template, is what is bounded. */
    assert_int_equal(macros_expand(&f->ctx, "[DEVICEUA]", &small), -1);
    buf_reset(&small);
    assert_int_equal(macros_expand(&f->ctx, "x=[CACHEBUSTING]", &small), 0);
    assert_string_equal(small.data, "x=00004242");
    buf_release(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_macros_expand_fills_server_macros, setup, teardown),
        cmocka_unit_test_setup_teardown(test_macros_expand_unknown_is_minus_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_macros_expand_keeps_player_macros, setup, teardown),
        cmocka_unit_test_setup_teardown(test_macros_expand_odd_brackets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_macros_expand_encodes_each_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_macros_expand_bounded, setup, teardown),
    };
    return cmocka_run_group_tests_name("macros", tests, NULL, NULL);
}
