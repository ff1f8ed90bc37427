/*
 * Unit tests of ctvctl's VAST/VMAP checker: good and broken documents, the
 * duration rule, and (when ../shared/vast is there) XSD validation of the
 * IAB's own sample; skipped, never passed, without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvctl/vastcheck.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GOOD                                                                                       \
    "<VAST version=\"4.2\" xmlns=\"http://www.iab.com/VAST\"><Ad id=\"a1\" sequence=\"1\">"        \
    "<InLine><AdSystem>x</AdSystem><AdTitle>Spot</AdTitle>"                                        \
    "<Impression><![CDATA[http://t/i?cb=[CACHEBUSTING]]]></Impression>"                            \
    "<Creatives><Creative><Linear><Duration>00:00:15.000</Duration><MediaFiles>"                   \
    "<MediaFile delivery=\"progressive\" type=\"video/mp4\" width=\"1280\" height=\"720\">"        \
    "<![CDATA[http://m/a.mp4]]></MediaFile></MediaFiles></Linear></Creative></Creatives>"          \
    "</InLine></Ad></VAST>"

static int run(const char *doc, json_t **sum, struct buf *p)
{
    buf_init(p, 64 * 1024);
    return vastcheck_run(doc, strlen(doc), NULL, sum, p);
}

static void test_vastcheck_good_inline(void **state)
{
    struct buf p;
    json_t *sum;
    const json_t *ad;
    (void)state;
    assert_int_equal(run(GOOD, &sum, &p), 0);
    assert_string_equal(json_string_value(json_object_get(sum, "kind")), "VAST");
    assert_string_equal(json_string_value(json_object_get(sum, "version")), "4.2");
    ad = json_array_get(json_object_get(sum, "ads"), 0);
    assert_string_equal(json_string_value(json_object_get(ad, "title")), "Spot");
    assert_string_equal(json_string_value(json_object_get(ad, "duration")), "00:00:15.000");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(ad, "media"), 0), "url")),
        "http://m/a.mp4");
    json_decref(sum);
    buf_release(&p);
}

static void test_vastcheck_empty_vast_is_no_fill(void **state)
{
    struct buf p;
    json_t *sum;
    (void)state;
    assert_int_equal(run("<VAST version=\"4.2\"/>", &sum, &p), 0);
    assert_int_equal(json_array_size(json_object_get(sum, "ads")), 0);
    json_decref(sum);
    buf_release(&p);
}

static void test_vastcheck_problems_listed(void **state)
{
    struct buf p;
    json_t *sum;
    (void)state;
    assert_int_equal(run("<VAST version=\"9\"><Ad><InLine><AdSystem>x</AdSystem>"
                         "<Creatives><Creative><Linear><Duration>15s</Duration><MediaFiles>"
                         "<MediaFile type=\"video/mp4\">ftp://x</MediaFile></MediaFiles></Linear>"
                         "</Creative></Creatives></InLine></Ad></VAST>",
                         &sum, &p),
                     8);
    assert_non_null(strstr(p.data, "unknown VAST version '9'"));
    assert_non_null(strstr(p.data, "InLine without AdTitle"));
    assert_non_null(strstr(p.data, "InLine without an Impression"));
    assert_non_null(strstr(p.data, "Duration '15s' is not HH:MM:SS[.mmm]"));
    assert_non_null(strstr(p.data, "MediaFile without the delivery attribute"));
    assert_non_null(strstr(p.data, "MediaFile URL 'ftp://x' is not http(s)"));
    json_decref(sum);
    buf_release(&p);
}

static void test_vastcheck_not_xml_and_wrong_root(void **state)
{
    struct buf p;
    json_t *sum;
    (void)state;
    assert_int_equal(run("<VAST><Ad></VAST>", &sum, &p), -1);
    assert_non_null(strstr(p.data, "line 1:"));
    json_decref(sum);
    buf_release(&p);
    assert_int_equal(run("<html/>", &sum, &p), 1);
    assert_non_null(strstr(p.data, "root element is <html>"));
    json_decref(sum);
    buf_release(&p);
}

static void test_vastcheck_vmap_breaks(void **state)
{
    struct buf p;
    json_t *sum;
    const json_t *br;
    (void)state;
    assert_int_equal(run("<vmap:VMAP xmlns:vmap=\"http://www.iab.net/videosuite/vmap\" "
                         "version=\"1.0\"><vmap:AdBreak timeOffset=\"start\" breakType=\"linear\" "
                         "breakId=\"pre\"><vmap:AdSource><vmap:VASTAdData>" GOOD
                         "</vmap:VASTAdData></vmap:AdSource></vmap:AdBreak>"
                         "<vmap:AdBreak timeOffset=\"00:10:00.000\" breakType=\"linear\">"
                         "<vmap:AdSource><vmap:AdTagURI templateType=\"vast3\">"
                         "<![CDATA[http://x/vast]]></vmap:AdTagURI></vmap:AdSource></vmap:AdBreak>"
                         "</vmap:VMAP>",
                         &sum, &p),
                     0);
    assert_string_equal(json_string_value(json_object_get(sum, "kind")), "VMAP");
    br = json_array_get(json_object_get(sum, "breaks"), 0);
    assert_string_equal(json_string_value(json_object_get(br, "offset")), "start");
    assert_int_equal(json_integer_value(json_object_get(br, "ads")), 1);
    assert_int_equal(json_array_size(json_object_get(sum, "breaks")), 2);
    json_decref(sum);
    buf_release(&p);
}

static void test_vastcheck_duration_rule(void **state)
{
    double s = 0;
    (void)state;
    assert_true(vastcheck_duration("00:00:15", &s));
    assert_true(s == 15.0);
    assert_true(vastcheck_duration("01:02:03.500", &s));
    assert_true(s == 3723.5);
    assert_false(vastcheck_duration("00:60:00", NULL));
    assert_false(vastcheck_duration("0:00:15", NULL));
    assert_false(vastcheck_duration("00:00:15.5", NULL));
    assert_false(vastcheck_duration("00:00:15Z", NULL));
}

/* A whole file into a new string (the IAB samples are a few KB). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = malloc(1 << 20);

    assert_non_null(f);
    assert_non_null(data);
    *len = fread(data, 1, (1 << 20) - 1, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

static void test_vastcheck_schema_iab_sample(void **state)
{
    const char *shared = getenv("SHARED_DIR");
    char dir[1024], path[1200];
    struct buf p;
    json_t *sum;
    size_t len;
    char *doc;
    (void)state;
    snprintf(dir, sizeof(dir), "%s/vast", shared != NULL && *shared ? shared : "../shared");
    snprintf(path, sizeof(path), "%s/vast_4.2.xsd", dir);
    if (access(path, R_OK) != 0) {
        skip(); /* the schemas live outside the repository */
        return;
    }
    snprintf(path, sizeof(path), "%s/samples/vast-4.2/Inline_Simple.xml", dir);
    doc = slurp(path, &len);
    buf_init(&p, 64 * 1024);
    assert_int_equal(vastcheck_run(doc, len, dir, &sum, &p), 0);
    assert_int_equal(json_array_size(json_object_get(sum, "ads")), 1);
    json_decref(sum);
    buf_reset(&p);
    /* GOOD passes the checker but not the schema: AdTitle comes after Impression in 4.2 */
    assert_int_equal(vastcheck_run(GOOD, strlen(GOOD), NULL, &sum, &p), 0);
    json_decref(sum);
    assert_true(vastcheck_run(GOOD, strlen(GOOD), dir, &sum, &p) > 0);
    assert_non_null(strstr(p.data, "AdTitle"));
    json_decref(sum);
    buf_release(&p);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vastcheck_good_inline),
        cmocka_unit_test(test_vastcheck_empty_vast_is_no_fill),
        cmocka_unit_test(test_vastcheck_problems_listed),
        cmocka_unit_test(test_vastcheck_not_xml_and_wrong_root),
        cmocka_unit_test(test_vastcheck_vmap_breaks),
        cmocka_unit_test(test_vastcheck_duration_rule),
        cmocka_unit_test(test_vastcheck_schema_iab_sample),
    };
    int rc;

    xmlInitParser();
    rc = cmocka_run_group_tests_name("vastcheck", tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
