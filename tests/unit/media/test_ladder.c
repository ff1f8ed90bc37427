/*
 * Unit tests for adserverd/media/ladder: parsing the media_ladder setting
 * (the default, "none", every refusal) and planning the rungs of sources
 * of many shapes (no upscaling, aspect kept, even sizes, smallest first,
 * one rendition at the source's size when it is smaller than every rung).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/ladder.h"

#include <string.h>

static void test_ladder_parse_default_and_none(void **state)
{
    struct ladder l;
    char err[256];

    (void)state;
    assert_int_equal(ladder_parse(LADDER_DEFAULT, &l, err, sizeof(err)), 0);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.rung[0].name, "1080p");
    assert_int_equal(l.rung[0].width, 1920);
    assert_int_equal(l.rung[0].height, 1080);
    assert_int_equal(l.rung[0].kbps, 5000);
    assert_string_equal(l.rung[3].name, "360p");
    assert_int_equal(l.rung[3].kbps, 700);
    assert_int_equal(ladder_parse("none", &l, err, sizeof(err)), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(ladder_parse("", &l, err, sizeof(err)), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(ladder_parse(NULL, &l, err, sizeof(err)), 0);
    assert_int_equal(l.n, 0);
}

static void test_ladder_parse_refusals(void **state)
{
    static const char *const bad[] = {
        "720p",
        "720p=1280x720",
        "720p=1280x720@",
        "720p=1280*720@3000",
        "=1280x720@3000",
        "720p=1280x720@3000,",
        "720p=1280x720@3000,720p=640x360@700",
        "a b=1280x720@3000",
        "averyveryverylongname=1280x720@3000",
        "big=7681x720@3000",
        "tiny=15x15@3000",
        "slow=1280x720@99",
        "fast=1280x720@100001",
        "x=1280x720@3000 ",
        "a=16x16@100,b=16x16@100,c=16x16@100,d=16x16@100,e=16x16@100,f=16x16@100,"
        "g=16x16@100,h=16x16@100,i=16x16@100",
    };
    struct ladder l;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (ladder_parse(bad[i], &l, err, sizeof(err)) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(err, "media_ladder"));
    }
}

static size_t plan(const char *text, uint32_t w, uint32_t h, struct ladder_rung *out)
{
    struct ladder l;
    char err[256];

    assert_int_equal(ladder_parse(text, &l, err, sizeof(err)), 0);
    return ladder_plan(&l, w, h, out);
}

static void test_ladder_plan_full_hd_source_gets_every_rung_smallest_first(void **state)
{
    struct ladder_rung r[LADDER_MAX];

    (void)state;
    assert_int_equal(plan(LADDER_DEFAULT, 1920, 1080, r), 4);
    assert_string_equal(r[0].name, "360p");
    assert_int_equal(r[0].width, 640);
    assert_int_equal(r[0].height, 360);
    assert_string_equal(r[1].name, "480p");
    assert_int_equal(r[1].width, 852); /* 853.3 fits, made even */
    assert_int_equal(r[1].height, 480);
    assert_string_equal(r[3].name, "1080p");
    assert_int_equal(r[3].width, 1920);
}

static void test_ladder_plan_never_upscales(void **state)
{
    struct ladder_rung r[LADDER_MAX];

    (void)state;
    /* 720p source: no 1080p */
    assert_int_equal(plan(LADDER_DEFAULT, 1280, 720, r), 3);
    assert_string_equal(r[2].name, "720p");
    assert_int_equal(r[2].width, 1280);
    /* 4:3 source 640x480: 360p fits as 480x360, 480p as 640x480 */
    assert_int_equal(plan(LADDER_DEFAULT, 640, 480, r), 2);
    assert_int_equal(r[0].width, 480);
    assert_int_equal(r[0].height, 360);
    assert_int_equal(r[1].width, 640);
    assert_int_equal(r[1].height, 480);
}

static void test_ladder_plan_small_and_portrait_sources_get_one_at_their_size(void **state)
{
    struct ladder_rung r[LADDER_MAX];

    (void)state;
    assert_int_equal(plan(LADDER_DEFAULT, 320, 180, r), 1);
    assert_string_equal(r[0].name, "360p");
    assert_int_equal(r[0].width, 320);
    assert_int_equal(r[0].height, 180);
    assert_int_equal(r[0].kbps, 700);
    /* odd sizes become even */
    assert_int_equal(plan(LADDER_DEFAULT, 181, 321, r), 1);
    assert_int_equal(r[0].width, 180);
    assert_int_equal(r[0].height, 320);
    /* a 1080x1920 portrait: boxes fit by height, 360p is 202x360 */
    assert_int_equal(plan(LADDER_DEFAULT, 1080, 1920, r), 4);
    assert_int_equal(r[0].width, 202);
    assert_int_equal(r[0].height, 360);
    assert_int_equal(r[3].width, 608);
    assert_int_equal(r[3].height, 1080);
}

static void test_ladder_plan_empty(void **state)
{
    struct ladder_rung r[LADDER_MAX];

    (void)state;
    assert_int_equal(plan("none", 1920, 1080, r), 0);
    assert_int_equal(plan(LADDER_DEFAULT, 0, 1080, r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ladder_parse_default_and_none),
        cmocka_unit_test(test_ladder_parse_refusals),
        cmocka_unit_test(test_ladder_plan_full_hd_source_gets_every_rung_smallest_first),
        cmocka_unit_test(test_ladder_plan_never_upscales),
        cmocka_unit_test(test_ladder_plan_small_and_portrait_sources_get_one_at_their_size),
        cmocka_unit_test(test_ladder_plan_empty),
    };
    return cmocka_run_group_tests_name("ladder", tests, NULL, NULL);
}
