/*
 * Unit tests of vast/trackers: the parser's limits and messages (field and
 * index named, nothing kept on failure), URL normalisation into the splice
 * alphabet, the per-request macro fill, merging a campaign's trackers after
 * a creative's, and VAST output with trackers and verifications validated
 * against each version's IAB schema (xsd_check.h; skipped when absent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/xsd_check.h"
#include "vast/trackers.h"

#define NVERSIONS 4

static const char *const xsd_files[NVERSIONS] = {
    [VAST_3_0] = "vast3_draft.xsd",
    [VAST_4_0] = "vast4.xsd",
    [VAST_4_1] = "vast_4.1.xsd",
    [VAST_4_2] = "vast_4.2.xsd",
};

static xmlSchemaPtr schemas[NVERSIONS];

static int group_setup(void **state)
{
    char dirbuf[4096];
    const char *dir;
    int v;

    (void)state;
    xsd_init();
    vast_init();
    dir = xsd_dir(dirbuf, sizeof(dirbuf));
    for (v = 0; v < NVERSIONS; v++)
        schemas[v] = xsd_load(dir, xsd_files[v]);
    return 0;
}

static int group_teardown(void **state)
{
    int v;

    (void)state;
    for (v = 0; v < NVERSIONS; v++)
        xmlSchemaFree(schemas[v]);
    return 0;
}

/* Parse text as a trackers (verif 0) or verifications (1) document. */
static int parse_text(const char *text, int verif, struct trackers *t, struct trackers_fail *f)
{
    json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
    int rc;

    assert_non_null(doc);
    rc = verif ? trackers_verifications_parse(doc, t, f) : trackers_parse(doc, t, f);
    json_decref(doc);
    return rc;
}

static void expect_fail(const char *text, int verif, const char *field, const char *message)
{
    struct trackers t;
    struct trackers_fail f;

    trackers_init(&t);
    assert_int_equal(parse_text(text, verif, &t, &f), -1);
    assert_string_equal(f.field, field);
    assert_string_equal(f.message, message);
    assert_true(trackers_empty(&t));
}

static void test_trackers_parse_rejects(void **state)
{
    char big[TRACKERS_URL_MAX + 64], doc[TRACKERS_URL_MAX + 128];

    (void)state;
    expect_fail("[]", 0, "", "\"value\" must be of type object");
    expect_fail("{\"impression\":\"https://a.example\"}", 0, "impression",
                "\"impression\" must be an array");
    expect_fail("{\"click\":[\"https://a.example/\",\"ftp://b.example/\"]}", 0, "click[1]",
                "\"click[1]\" must be an http or https URL");
    expect_fail("{\"events\":{\"start\":[\"https://a.example/\",\"https://a.example/\","
                "\"https://a.example/ x\"]}}",
                0, "events.start[2]",
                "\"events.start[2]\" must not contain whitespace or control characters");
    expect_fail("{\"error\":[\"https://a.example/\\u0001\"]}", 0, "error[0]",
                "\"error[0]\" must not contain whitespace or control characters");
    expect_fail("{\"error\":[\"https://\"]}", 0, "error[0]",
                "\"error[0]\" must be an http or https URL");
    expect_fail("{\"error\":[7]}", 0, "error[0]", "\"error[0]\" must be a string");
    expect_fail("{\"events\":{\"rewind\":[]}}", 0, "events.rewind",
                "\"events.rewind\" is not allowed");
    expect_fail("{\"events\":[]}", 0, "events", "\"events\" must be of type object");
    expect_fail("{\"views\":[]}", 0, "views", "\"views\" is not allowed");
    expect_fail("{\"impression\":[\"http://a.example/1\",\"http://a.example/2\","
                "\"http://a.example/3\",\"http://a.example/4\",\"http://a.example/5\","
                "\"http://a.example/6\",\"http://a.example/7\",\"http://a.example/8\","
                "\"http://a.example/9\",\"http://a.example/10\",\"http://a.example/11\"]}",
                0, "impression", "\"impression\" must contain less than or equal to 10 items");
    memset(big, 'a', sizeof(big));
    memcpy(big, "https://a.example/", 18);
    big[TRACKERS_URL_MAX + 1] = '\0';
    snprintf(doc, sizeof(doc), "{\"impression\":[\"%s\"]}", big);
    expect_fail(doc, 0, "impression[0]",
                "\"impression[0]\" length must be less than or equal to 2048 characters long");
    big[TRACKERS_URL_MAX] = '\0';
    snprintf(doc, sizeof(doc), "{\"impression\":[\"%s\"]}", big);
    {
        struct trackers t;
        struct trackers_fail f;

        trackers_init(&t);
        assert_int_equal(parse_text(doc, 0, &t, &f), 0);
        assert_int_equal(t.n[TRACKERS_IMPRESSION], 1);
        trackers_release(&t);
    }
    expect_fail("{\"verifications\":[{}]}", 1, "verifications[0].vendor",
                "\"verifications[0].vendor\" is required");
    expect_fail("[{\"vendor\":\"v\"}]", 1, "verifications[0].javascript_url",
                "\"verifications[0].javascript_url\" is required");
    expect_fail("[{\"vendor\":\"v\",\"javascript_url\":\"https://v.example/a.js\","
                "\"browser_optional\":\"yes\"}]",
                1, "verifications[0].browser_optional",
                "\"verifications[0].browser_optional\" must be a boolean");
    expect_fail("[{\"vendor\":\"v\",\"javascript_url\":\"https://v.example/a.js\","
                "\"not_executed_url\":\"javascript:alert(1)\"}]",
                1, "verifications[0].not_executed_url",
                "\"verifications[0].not_executed_url\" must be an http or https URL");
    expect_fail("[{\"vendor\":\"v\",\"javascript_url\":\"https://v.example/a.js\",\"x\":1}]", 1,
                "verifications[0].x", "\"verifications[0].x\" is not allowed");
    expect_fail("[1,2,3,4,5,6]", 1, "verifications",
                "\"verifications\" must contain less than or equal to 5 items");
    expect_fail("{\"verifications\":{}}", 1, "verifications",
                "\"verifications\" must be an array");
}

/* A failed parse keeps what t held before: a bad PUT changes nothing. */
static void test_trackers_parse_keeps_old_on_failure(void **state)
{
    struct trackers t;
    struct trackers_fail f;

    (void)state;
    trackers_init(&t);
    assert_int_equal(parse_text("{\"impression\":[\"https://a.example/i\"]}", 0, &t, &f), 0);
    assert_int_equal(parse_text("{\"impression\":[\"https://b.example/i\",\"bad\"]}", 0, &t, &f),
                     -1);
    assert_int_equal(t.n[TRACKERS_IMPRESSION], 1);
    assert_string_equal(t.urls[TRACKERS_IMPRESSION][0], "https://a.example/i");
    trackers_release(&t);
}

static void test_trackers_parse_normalises(void **state)
{
    struct trackers t;
    struct trackers_fail f;
    json_t *doc;
    char *text;

    (void)state;
    trackers_init(&t);
    assert_int_equal(parse_text("{\"impression\":[\"HTTPS://a.example/p?q=\\u00e9<x>\\\"{y}|"
                                "&m=[IFA]]]>\"],\"events\":{\"skip\":[\"http://s.example/\"]}}",
                                0, &t, &f),
                     0);
    assert_string_equal(t.urls[TRACKERS_IMPRESSION][0],
                        "HTTPS://a.example/p?q=%C3%A9%3Cx%3E%22%7By%7D%7C&m=[IFA]]]%3E");
    doc = trackers_json(&t);
    text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"events\":{\"start\":[],"));
    assert_non_null(strstr(text, "\"skip\":[\"http://s.example/\"]"));
    free(text);
    json_decref(doc);
    trackers_release(&t);
}

static void test_trackers_fill_macros(void **state)
{
    struct macros_ctx mc;
    struct buf out;
    const char *p;

    (void)state;
    macros_ctx_init(&mc);
    mc.cachebuster = 42;
    mc.device_ua = "Roku/DVP <x> \"]]>\"";
    mc.ad_serving_id = "abc-123";
    mc.universal_ad_id = "ad-id.org CNPA0484000H";
    buf_init(&out, 4096);
    assert_int_equal(trackers_fill(&mc,
                                   "https://t.example/i?cb=[CACHEBUSTING]&ua=[DEVICEUA]&id="
                                   "[ADSERVINGID]&u=[UNIVERSALADID]&e=[ERRORCODE]&ip=[DEVICEIP]",
                                   &out),
                     0);
    assert_int_equal(buf_putc(&out, '\0'), 0);
    assert_string_equal(out.data, "https://t.example/i?cb=00000042&ua=Roku%2FDVP%20%3Cx%3E%20%22%5D"
                                  "%5D%3E%22&id=abc-123&u=ad-id.org%20CNPA0484000H&e=[ERRORCODE]"
                                  "&ip=-1");
    for (p = out.data; *p != '\0'; p++)
        assert_true(trackers_url_char((unsigned char)*p));
    buf_release(&out);
}

static void test_trackers_merge_order(void **state)
{
    struct trackers own, camp;
    struct trackers_fail f;

    (void)state;
    trackers_init(&own);
    trackers_init(&camp);
    assert_int_equal(parse_text("{\"impression\":[\"https://own.example/i\"]}", 0, &own, &f), 0);
    assert_int_equal(parse_text("{\"impression\":[\"https://camp.example/i\"],\"click\":"
                                "[\"https://camp.example/c\"]}",
                                0, &camp, &f),
                     0);
    trackers_merge(&own, &camp);
    assert_int_equal(own.n[TRACKERS_IMPRESSION], 2);
    assert_string_equal(own.urls[TRACKERS_IMPRESSION][0], "https://own.example/i");
    assert_string_equal(own.urls[TRACKERS_IMPRESSION][1], "https://camp.example/i");
    assert_int_equal(own.n[TRACKERS_CLICK], 1);
    trackers_release(&own);
    trackers_release(&camp);
}

/* Count of elements called name in xml. */
static int count_in(const char *xml, size_t len, const char *name)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "out.xml", NULL, XML_PARSE_NONET);
    int n;

    assert_non_null(doc);
    n = xsd_count(doc, name);
    xmlFreeDoc(doc);
    return n;
}

static void test_trackers_vast_valid_every_version(void **state)
{
    static const struct vast_impression imp = {"https://ads.example/i?s=1", "sid"};
    static const struct vast_tracking ours = {VAST_EVENT_START, "https://ads.example/t/start", 0, 0};
    static const char *const errs[] = {"https://ads.example/t/error?c=[ERRORCODE]"};
    static const struct vast_media_file mf = {
        "https://ads.example/m.mp4", VAST_DELIVERY_PROGRESSIVE, "video/mp4", 1280, 720, 0, NULL};
    struct trackers t;
    struct trackers_fail f;
    struct macros_ctx mc;
    int v;

    (void)state;
    trackers_init(&t);
    assert_int_equal(
        parse_text("{\"impression\":[\"https://nielsen.example/i?cb=[CACHEBUSTING]\","
                   "\"https://agency.example/i?sid=[ADSERVINGID]\"],\"click\":"
                   "[\"https://agency.example/c\"],\"error\":[\"https://agency.example/e?c="
                   "[ERRORCODE]\"],\"events\":{\"start\":[\"https://agency.example/s\"],"
                   "\"complete\":[\"https://agency.example/done?p=[ADPLAYHEAD]\"]}}",
                   0, &t, &f),
        0);
    assert_int_equal(
        parse_text("[{\"vendor\":\"doubleverify.com-omid\",\"javascript_url\":"
                   "\"https://cdn.dv.example/dvtp_src.js\",\"browser_optional\":true,"
                   "\"parameters\":\"{\\\"ctx\\\":\\\"]]>\\\"}\",\"not_executed_url\":"
                   "\"https://dv.example/ne?r=[REASON]&id=[ADSERVINGID]\"},"
                   "{\"vendor\":\"ias.com-omid\",\"javascript_url\":\"https://ias.example/o.js\"}]",
                   1, &t, &f),
        0);
    macros_ctx_init(&mc);
    mc.cachebuster = 7;
    mc.ad_serving_id = "0123456789abcdef0123456789abcdef0000";
    for (v = 0; v < NVERSIONS; v++) {
        struct vast_ad ad;
        struct buf out;
        void *block = NULL;
        char err[256] = "", name[32];
        int rc;

        memset(&ad, 0, sizeof(ad));
        ad.id = "a1";
        ad.ad_serving_id = mc.ad_serving_id;
        ad.ad_system = "adserverd";
        ad.title = "Brand";
        ad.creative_id = "c1";
        ad.duration_ms = 15000;
        ad.media_files = &mf;
        ad.n_media_files = 1;
        ad.impressions = &imp;
        ad.n_impressions = 1;
        ad.tracking = &ours;
        ad.n_tracking = 1;
        ad.error_urls = errs;
        ad.n_error_urls = 1;
        assert_int_equal(trackers_ad_fill(&t, &mc, &ad, &block), 0);
        assert_non_null(block);
        assert_int_equal(ad.n_impressions, 3);
        assert_string_equal(ad.impressions[0].url, imp.url);
        assert_string_equal(ad.impressions[1].url, "https://nielsen.example/i?cb=00000007");
        assert_int_equal(ad.n_tracking, 3);
        assert_int_equal(ad.n_error_urls, 2);
        assert_int_equal(ad.n_click_tracking, 1);
        assert_int_equal(ad.n_verifications, 2);
        buf_init(&out, 1024 * 1024);
        rc = vast_render(&ad, 1, (enum vast_version)v, NULL, &out, err, sizeof(err));
        if (rc != 0)
            fail_msg("vast_render: %s", err);
        assert_int_equal(count_in(out.data, out.len, "Impression"), 3);
        assert_int_equal(count_in(out.data, out.len, "Verification"), 2);
        assert_int_equal(count_in(out.data, out.len, "JavaScriptResource"), 2);
        assert_int_equal(count_in(out.data, out.len, "AdVerifications"), 1);
        assert_int_equal(count_in(out.data, out.len, "Extension"), v < VAST_4_1 ? 1 : 0);
        assert_non_null(strstr(out.data, "apiFramework=\"omid\""));
        assert_non_null(strstr(out.data, "event=\"verificationNotExecuted\""));
        assert_non_null(strstr(out.data, "id=0123456789abcdef0123456789abcdef0000"));
        assert_non_null(strstr(out.data, "[ADPLAYHEAD]"));
        snprintf(name, sizeof(name), "trackers-%s.xml", vast_version_name((enum vast_version)v));
        rc = xsd_validate(schemas[v], name, out.data, out.len, MASK_ALL);
        if (rc == 1) {
            buf_release(&out);
            free(block);
            trackers_release(&t);
            skip();
        }
        if (rc != 0)
            fail_msg("%s does not validate against %s:\n%s", name, xsd_files[v], out.data);
        buf_release(&out);
        free(block);
    }
    trackers_release(&t);
}

static void test_trackers_ad_fill_empty_untouched(void **state)
{
    struct trackers t;
    struct macros_ctx mc;
    struct vast_ad ad;
    void *block = (void *)&ad;

    (void)state;
    trackers_init(&t);
    macros_ctx_init(&mc);
    memset(&ad, 0, sizeof(ad));
    assert_int_equal(trackers_ad_fill(&t, &mc, &ad, &block), 0);
    assert_null(block);
    assert_null(ad.impressions);
    assert_int_equal(trackers_ad_fill(NULL, &mc, &ad, &block), 0);
    assert_null(block);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trackers_parse_rejects),
        cmocka_unit_test(test_trackers_parse_keeps_old_on_failure),
        cmocka_unit_test(test_trackers_parse_normalises),
        cmocka_unit_test(test_trackers_fill_macros),
        cmocka_unit_test(test_trackers_merge_order),
        cmocka_unit_test(test_trackers_vast_valid_every_version),
        cmocka_unit_test(test_trackers_ad_fill_empty_untouched),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
