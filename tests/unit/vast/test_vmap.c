/*
 * Unit tests of vmap: playlists with inline VAST 4.2 and by-reference
 * breaks, validated against vmap_1.0.1-vast4.2-local.xsd (which imports
 * vast_4.2.xsd, so the embedded VAST is validated too; see xsd_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vast/trackurl.h"
#include "vast/vast.h"
#include "vast/vmap.h"
#include "tests/unit/xsd_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VMAP_XSD "vmap_1.0.1-vast4.2-local.xsd"
#define VMAP_NS "http://www.iab.net/videosuite/vmap"
#define POD 3

struct fixture {
    xmlSchemaPtr schema;
    char *imp, *start, *nofill, *error;
    struct vast_impression imp_list[1];
    struct vast_tracking trk[1];
    struct vast_media_file mf[1];
    char ids[POD][16];
    struct vast_ad ads[POD];
    struct buf out;
    char err[256];
};

static char *sign(enum trackurl_type t)
{
    static const unsigned char key[] = "test key, thirty-two bytes long!";
    struct trackurl_event ev = {.type = t, .issued_at = 1735689600};
    char *url = NULL;

    strcpy(ev.ad_serving_id, "123e4567-e89b-42d3-a456-426614174000");
    strcpy(ev.campaign_id, "11111111-2222-4333-8444-555555555555");
    strcpy(ev.creative_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    if (trackurl_sign(key, sizeof(key) - 1, &ev, "https://ads.example.com", &url) != 0)
        return NULL;
    return url;
}

static int group_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char dirbuf[4096];
    size_t i;

    if (f == NULL)
        return -1;
    xsd_init();
    vast_init();
    f->schema = xsd_load(xsd_dir(dirbuf, sizeof(dirbuf)), VMAP_XSD);
    f->imp = sign(TRACKURL_IMPRESSION);
    f->start = sign(TRACKURL_START);
    f->nofill = sign(TRACKURL_NOFILL);
    f->error = sign(TRACKURL_ERROR);
    if (f->imp == NULL || f->start == NULL || f->nofill == NULL || f->error == NULL)
        return -1;
    f->imp_list[0] = (struct vast_impression){.url = f->imp};
    f->trk[0] = (struct vast_tracking){.event = VAST_EVENT_START, .url = f->start};
    f->mf[0] = (struct vast_media_file){.url = "https://cdn.example.com/a.mp4",
                                        .mime_type = "video/mp4",
                                        .width = 1920,
                                        .height = 1080,
                                        .bitrate_kbps = 4000};
    for (i = 0; i < POD; i++) {
        snprintf(f->ids[i], sizeof(f->ids[i]), "ad-%zu", i + 1);
        f->ads[i] = (struct vast_ad){.id = f->ids[i],
                                     .sequence = (unsigned)(i + 1),
                                     .ad_serving_id = "123e4567-e89b-42d3-a456-426614174000",
                                     .ad_system = "adserverd",
                                     .title = "Spot",
                                     .duration_ms = 15000,
                                     .impressions = f->imp_list,
                                     .n_impressions = 1,
                                     .tracking = f->trk,
                                     .n_tracking = 1,
                                     .media_files = f->mf,
                                     .n_media_files = 1};
    }
    buf_init(&f->out, 1024 * 1024);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;

    if (f == NULL)
        return 0;
    xmlSchemaFree(f->schema);
    free(f->imp);
    free(f->start);
    free(f->nofill);
    free(f->error);
    buf_release(&f->out);
    free(f);
    return 0;
}

static void render_ok(struct fixture *f, const struct vmap_break *b, size_t n)
{
    buf_reset(&f->out);
    if (vmap_render(b, n, &f->out, f->err, sizeof(f->err)) != 0)
        fail_msg("vmap_render: %s", f->err);
    assert_non_null(f->out.data);
}

static void assert_valid(struct fixture *f, const char *name, enum xsd_mask mask)
{
    int rc = xsd_validate(f->schema, name, f->out.data, f->out.len, mask);

    if (rc == 1)
        skip();
    if (rc != 0)
        fail_msg("%s does not validate against %s:\n%s", name, VMAP_XSD, f->out.data);
}

static xmlDocPtr parse(const struct fixture *f)
{
    xmlDocPtr doc = xmlReadMemory(f->out.data, (int)f->out.len, "out.xml", NULL, XML_PARSE_NONET);

    assert_non_null(doc);
    return doc;
}

static xmlNodePtr nth(xmlDocPtr doc, const char *name, int n)
{
    return xsd_find(xmlDocGetRootElement(doc), name, &n);
}

static void assert_prop(xmlNodePtr node, const char *name, const char *want)
{
    xmlChar *got;

    assert_non_null(node);
    got = xmlGetProp(node, BAD_CAST name);
    if (want == NULL) {
        assert_null(got);
        return;
    }
    if (got == NULL || strcmp((const char *)got, want) != 0)
        fail_msg("@%s: got \"%s\", want \"%s\"", name, got ? (const char *)got : "(none)", want);
    xmlFree(got);
}

static void assert_content(xmlNodePtr node, const char *want)
{
    xmlChar *got;

    assert_non_null(node);
    got = xmlNodeGetContent(node);
    assert_non_null(got);
    if (strcmp((const char *)got, want) != 0)
        fail_msg("content: got \"%s\", want \"%s\"", (const char *)got, want);
    xmlFree(got);
}

/* VASTAdData's only element child is a <VAST> in the VAST namespace: an element, not text. */
static void assert_inline_vast(xmlNodePtr data, int ads)
{
    xmlNodePtr c, vast = NULL;
    int elements = 0, count = 0;

    assert_non_null(data);
    for (c = data->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            elements++;
            vast = c;
        } else {
            assert_int_equal(c->type, XML_TEXT_NODE); /* indentation only */
            assert_null(strpbrk((const char *)c->content, "<&"));
        }
    }
    assert_int_equal(elements, 1);
    assert_string_equal((const char *)vast->name, "VAST");
    assert_non_null(vast->ns);
    assert_string_equal((const char *)vast->ns->href, "http://www.iab.com/VAST");
    assert_null(vast->ns->prefix);
    assert_prop(vast, "version", "4.2");
    for (c = vast->children; c != NULL; c = c->next)
        count += c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "Ad") == 0;
    assert_int_equal(count, ads);
}

static void test_vmap_render_inline_preroll(void **state)
{
    struct fixture *f = *state;
    struct vmap_break b = {
        .offset = VMAP_OFFSET_START, .break_id = "preroll", .ads = f->ads, .n_ads = 1};
    xmlDocPtr doc;
    xmlNodePtr root;

    render_ok(f, &b, 1);
    assert_memory_equal(f->out.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39);
    doc = parse(f);
    root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "VMAP");
    assert_string_equal((const char *)root->ns->href, VMAP_NS);
    assert_string_equal((const char *)root->ns->prefix, "vmap");
    assert_prop(root, "version", "1.0");
    assert_prop(nth(doc, "AdBreak", 0), "timeOffset", "start");
    assert_prop(nth(doc, "AdBreak", 0), "breakType", "linear");
    assert_prop(nth(doc, "AdBreak", 0), "breakId", "preroll");
    assert_string_equal((const char *)nth(doc, "AdBreak", 0)->ns->prefix, "vmap");
    assert_null(nth(doc, "AdTagURI", 0));
    /* The only TrackingEvents is the ad's own, inside the VAST. */
    assert_int_equal(xsd_count(doc, "TrackingEvents"), 1);
    assert_null(nth(doc, "TrackingEvents", 0)->ns->prefix);
    assert_inline_vast(nth(doc, "VASTAdData", 0), 1);
    assert_content(nth(doc, "Impression", 0), f->imp);
    xmlFreeDoc(doc);
    assert_valid(f, "vmap-inline.xml", MASK_MACROS);
}

static void test_vmap_render_by_reference(void **state)
{
    struct fixture *f = *state;
    struct vmap_break b = {.offset = VMAP_OFFSET_TIME,
                           .offset_ms = 600000,
                           .break_id = "mid-1",
                           .ad_tag_uri =
                               "https://ads.example.com/vast?pod=2&v=4.2&cb=[CACHEBUSTING]"};
    xmlDocPtr doc;

    render_ok(f, &b, 1);
    assert_non_null(strstr(f->out.data, "<![CDATA[https://ads.example.com/vast?pod=2&v=4.2&cb="
                                        "[CACHEBUSTING]]]>"));
    doc = parse(f);
    assert_prop(nth(doc, "AdBreak", 0), "timeOffset", "00:10:00.000");
    assert_prop(nth(doc, "AdTagURI", 0), "templateType", "vast3");
    assert_content(nth(doc, "AdTagURI", 0), b.ad_tag_uri);
    assert_null(nth(doc, "VASTAdData", 0));
    xmlFreeDoc(doc);
    assert_valid(f, "vmap-reference.xml", MASK_MACROS);
}

/* Pre-roll pod inline, mid-roll by reference, post-roll inline no-fill; tracking on each. */
static void test_vmap_render_playlist(void **state)
{
    struct fixture *f = *state;
    struct vmap_break b[] = {
        {.offset = VMAP_OFFSET_START,
         .break_id = "pre",
         .ads = f->ads,
         .n_ads = POD,
         .break_start_url = "https://ads.example.com/b/start?id=pre",
         .break_end_url = "https://ads.example.com/b/end?id=pre",
         .error_url = "https://ads.example.com/b/error?id=pre&code=[ERRORCODE]"},
        {.offset = VMAP_OFFSET_TIME,
         .offset_ms = 3723004,
         .ad_tag_uri = "https://ads.example.com/vast?pod=mid",
         .error_url = "https://ads.example.com/b/error?id=mid&code=[ERRORCODE]"},
        {.offset = VMAP_OFFSET_END, .break_id = "post", .nofill_error_url = f->nofill},
    };
    xmlDocPtr doc;

    render_ok(f, b, 3);
    doc = parse(f);
    assert_int_equal(xsd_count(doc, "AdBreak"), 3);
    assert_prop(nth(doc, "AdBreak", 1), "timeOffset", "01:02:03.004");
    assert_prop(nth(doc, "AdBreak", 1), "breakId", NULL);
    assert_prop(nth(doc, "AdBreak", 2), "timeOffset", "end");
    assert_inline_vast(nth(doc, "VASTAdData", 0), POD);
    assert_inline_vast(nth(doc, "VASTAdData", 1), 0);
    assert_prop(nth(doc, "Ad", 2), "sequence", "3");
    /* The post-roll's VAST is a no-fill with its root Error. */
    assert_content(nth(doc, "Error", 0), f->nofill);
    /* In document order: each pod ad's start, then pre's three, then mid's error. */
    assert_int_equal(xsd_count(doc, "Tracking"), POD + 3 + 1);
    assert_prop(nth(doc, "Tracking", POD), "event", "breakStart");
    assert_prop(nth(doc, "Tracking", POD + 1), "event", "breakEnd");
    assert_prop(nth(doc, "Tracking", POD + 2), "event", "error");
    assert_content(nth(doc, "Tracking", POD + 2),
                   "https://ads.example.com/b/error?id=pre&code=[ERRORCODE]");
    assert_string_equal((const char *)nth(doc, "Tracking", POD)->ns->prefix, "vmap");
    assert_prop(nth(doc, "AdSource", 0), "allowMultipleAds", "true");
    xmlFreeDoc(doc);
    assert_valid(f, "vmap-playlist.xml", MASK_MACROS);
}

static void test_vmap_render_empty_playlist(void **state)
{
    struct fixture *f = *state;
    xmlDocPtr doc;

    render_ok(f, NULL, 0);
    doc = parse(f);
    assert_int_equal(xsd_count(doc, "AdBreak"), 0);
    xmlFreeDoc(doc);
    assert_valid(f, "vmap-empty.xml", MASK_MACROS);
}

static void test_vmap_render_hostile_strings(void **state)
{
    static const char url[] = "https://h.example/t?a=]]>&b=<\"'>&c=\xc3\xa9&d=[ERRORCODE]";
    struct fixture *f = *state;
    struct vmap_break b[] = {
        {.offset = VMAP_OFFSET_START,
         .break_id = "id \"<&>\" ]]> 'q' \xe2\x82\xac",
         .ads = f->ads,
         .n_ads = 1,
         .break_start_url = url},
        {.offset = VMAP_OFFSET_END, .ad_tag_uri = url, .error_url = url},
    };
    xmlDocPtr doc;

    render_ok(f, b, 2);
    doc = parse(f);
    assert_prop(nth(doc, "AdBreak", 0), "breakId", "id \"<&>\" ]]> 'q' \xe2\x82\xac");
    assert_content(nth(doc, "AdTagURI", 0), url);
    /* Tracking 0 is the ad's own start event inside the VAST. */
    assert_content(nth(doc, "Tracking", 1), url);
    assert_content(nth(doc, "Tracking", 2), url);
    xmlFreeDoc(doc);
    /* "]]>" puts a raw ']' in the URL, no URI character: mask it too. */
    assert_valid(f, "vmap-hostile.xml", MASK_ALL);
}

static void test_vmap_render_rejects_bad_input(void **state)
{
    struct fixture *f = *state;
    struct vast_ad bad_ad;
    struct vmap_break b;

#define REJECT(what, needle)                                                                       \
    do {                                                                                           \
        buf_reset(&f->out);                                                                        \
        f->err[0] = '\0';                                                                          \
        if (vmap_render(&b, 1, &f->out, f->err, sizeof(f->err)) != -1)                             \
            fail_msg("accepted: %s", what);                                                        \
        if (strstr(f->err, needle) == NULL)                                                        \
            fail_msg("%s: message \"%s\" lacks \"%s\"", what, f->err, needle);                     \
    } while (0)

    b = (struct vmap_break){.offset = (enum vmap_offset)9, .ads = f->ads, .n_ads = 1};
    REJECT("bad offset kind", "offset");
    b = (struct vmap_break){
        .offset = VMAP_OFFSET_TIME, .offset_ms = 360000000, .ads = f->ads, .n_ads = 1};
    REJECT("offset of 100 h", "offset");
    b = (struct vmap_break){
        .offset = VMAP_OFFSET_START, .break_id = "x\x01", .ads = f->ads, .n_ads = 1};
    REJECT("control character in break id", "break id");
    b = (struct vmap_break){.offset = VMAP_OFFSET_START, .ad_tag_uri = "https://a\xff"};
    REJECT("invalid UTF-8 tag", "ad tag uri");
    b = (struct vmap_break){.offset = VMAP_OFFSET_START, .n_ads = 2};
    REJECT("NULL ads", "ads");
    /* A bad ad fails the whole playlist, named by break and ad. */
    bad_ad = f->ads[0];
    bad_ad.ad_serving_id = NULL;
    b = (struct vmap_break){.offset = VMAP_OFFSET_START, .ads = &bad_ad, .n_ads = 1};
    REJECT("ad without AdServingId", "break 0: ad 0: ad serving id");
    assert_int_equal(vmap_render(NULL, 1, &f->out, f->err, sizeof(f->err)), -1);
    assert_int_equal(vmap_render(&b, 1, &f->out, NULL, 0), -1);
#undef REJECT
}

static void test_vmap_render_output_limit(void **state)
{
    struct fixture *f = *state;
    struct vmap_break b = {.offset = VMAP_OFFSET_START, .ads = f->ads, .n_ads = POD};
    struct buf small;

    render_ok(f, &b, 1);
    buf_init(&small, f->out.len - 1);
    assert_int_equal(vmap_render(&b, 1, &small, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, "limit"));
    buf_release(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vmap_render_inline_preroll),
        cmocka_unit_test(test_vmap_render_by_reference),
        cmocka_unit_test(test_vmap_render_playlist),
        cmocka_unit_test(test_vmap_render_empty_playlist),
        cmocka_unit_test(test_vmap_render_hostile_strings),
        cmocka_unit_test(test_vmap_render_rejects_bad_input),
        cmocka_unit_test(test_vmap_render_output_limit),
    };
    return cmocka_run_group_tests_name("vmap", tests, group_setup, group_teardown);
}
