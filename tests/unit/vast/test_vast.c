/*
 * Unit tests of vast: every document rendered here is parsed back and
 * validated against its own version's IAB schema (xsd_check.h): single ads,
 * pods of 1..6, no-fills, hostile text and URLs, in 3.0, 4.0, 4.1 and 4.2.
 * URLs are real ones: signed by trackurl and expanded by macros, so the
 * literal player macros they keep are part of what is validated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vast/macros.h"
#include "vast/trackurl.h"
#include "vast/vast.h"
#include "tests/unit/xsd_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NVERSIONS 4
#define POD_MAX 6
#define OUT_MAX (1024 * 1024)

static const char *const xsd_files[NVERSIONS] = {
    [VAST_3_0] = "vast3_draft.xsd",
    [VAST_4_0] = "vast4.xsd",
    [VAST_4_1] = "vast_4.1.xsd",
    [VAST_4_2] = "vast_4.2.xsd",
};

/* Storage behind one struct vast_ad. */
struct ad_parts {
    char id[16], serving_id[40], creative_id[16], title[32];
    struct vast_impression imp[2];
    struct vast_tracking trk[17];
    struct vast_media_file mf[2];
    const char *clicks[2];
    const char *errors[2];
    const char *cats[2];
};

struct fixture {
    xmlSchemaPtr schema[NVERSIONS];
    char *track[TRACKURL_TYPE_COUNT]; /* our signed URLs, by event */
    char *pixel;                      /* a third-party URL after macro expansion */
    struct ad_parts parts[POD_MAX];
    struct vast_ad ads[POD_MAX];
    struct buf out;
    char err[256];
};

static int group_setup(void **state)
{
    static const unsigned char key[] = "test key, thirty-two bytes long!";
    struct fixture *f = calloc(1, sizeof(*f));
    struct macros_ctx mc;
    struct buf pixel;
    char dirbuf[4096];
    const char *dir;
    int v, t;

    if (f == NULL)
        return -1;
    xsd_init();
    vast_init();
    dir = xsd_dir(dirbuf, sizeof(dirbuf));
    for (v = 0; v < NVERSIONS; v++)
        f->schema[v] = xsd_load(dir, xsd_files[v]);
    for (t = 0; t < TRACKURL_TYPE_COUNT; t++) {
        struct trackurl_event ev = {.type = (enum trackurl_type)t, .issued_at = 1735689600};

        strcpy(ev.ad_serving_id, "123e4567-e89b-42d3-a456-426614174000");
        strcpy(ev.campaign_id, "11111111-2222-4333-8444-555555555555");
        strcpy(ev.creative_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
        if (trackurl_sign(key, sizeof(key) - 1, &ev, "https://ads.example.com", &f->track[t]) != 0)
            return -1;
    }
    macros_ctx_init(&mc);
    mc.cachebuster = 12345678;
    mc.ifa = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
    mc.device_ua = "Roku/DVP-12.0 (12.0.0.4182-88)";
    buf_init(&pixel, 4096);
    if (macros_expand(&mc,
                      "https://pixel.example/imp?cb=[CACHEBUSTING]&ifa=[IFA]&ua=[DEVICEUA]"
                      "&ip=[DEVICEIP]&ph=[CONTENTPLAYHEAD]",
                      &pixel) != 0)
        return -1;
    f->pixel = buf_detach(&pixel, NULL);
    buf_init(&f->out, OUT_MAX);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    int i;

    if (f == NULL)
        return 0;
    for (i = 0; i < NVERSIONS; i++)
        xmlSchemaFree(f->schema[i]);
    for (i = 0; i < TRACKURL_TYPE_COUNT; i++)
        free(f->track[i]);
    free(f->pixel);
    buf_release(&f->out);
    free(f);
    return 0;
}

/* A complete ad: the i-th of a pod. */
static struct vast_ad *make_ad(struct fixture *f, size_t i)
{
    static const enum vast_event events[] = {
        VAST_EVENT_CREATIVE_VIEW, VAST_EVENT_LOADED,
        VAST_EVENT_START,         VAST_EVENT_FIRST_QUARTILE,
        VAST_EVENT_MIDPOINT,      VAST_EVENT_THIRD_QUARTILE,
        VAST_EVENT_COMPLETE,      VAST_EVENT_MUTE,
        VAST_EVENT_UNMUTE,        VAST_EVENT_PAUSE,
        VAST_EVENT_RESUME,        VAST_EVENT_REWIND,
        VAST_EVENT_SKIP,          VAST_EVENT_CLOSE,
        VAST_EVENT_PLAYER_EXPAND, VAST_EVENT_PLAYER_COLLAPSE,
    };
    static const enum trackurl_type tracked[] = {
        TRACKURL_START,    TRACKURL_START,          TRACKURL_START,    TRACKURL_FIRST_QUARTILE,
        TRACKURL_MIDPOINT, TRACKURL_THIRD_QUARTILE, TRACKURL_COMPLETE, TRACKURL_MUTE,
        TRACKURL_UNMUTE,   TRACKURL_PAUSE,          TRACKURL_RESUME,   TRACKURL_START,
        TRACKURL_SKIP,     TRACKURL_CLOSE,          TRACKURL_START,    TRACKURL_START,
    };
    struct ad_parts *p = &f->parts[i];
    struct vast_ad *ad = &f->ads[i];
    size_t k;

    memset(p, 0, sizeof(*p));
    memset(ad, 0, sizeof(*ad));
    snprintf(p->id, sizeof(p->id), "ad-%zu", i + 1);
    snprintf(p->serving_id, sizeof(p->serving_id), "123e4567-e89b-42d3-a456-42661417400%zu", i);
    snprintf(p->creative_id, sizeof(p->creative_id), "cr-%zu", i + 1);
    snprintf(p->title, sizeof(p->title), "Spot %zu", i + 1);
    p->imp[0] = (struct vast_impression){.url = f->track[TRACKURL_IMPRESSION], .id = "adserverd"};
    p->imp[1] = (struct vast_impression){.url = f->pixel};
    for (k = 0; k < sizeof(events) / sizeof(events[0]); k++)
        p->trk[k] = (struct vast_tracking){.event = events[k], .url = f->track[tracked[k]]};
    p->trk[k++] = (struct vast_tracking){
        .event = VAST_EVENT_PROGRESS, .url = f->track[TRACKURL_START], .offset_ms = 5000};
    p->mf[0] = (struct vast_media_file){.url = "https://cdn.example.com/c/1080.mp4",
                                        .delivery = VAST_DELIVERY_PROGRESSIVE,
                                        .mime_type = "video/mp4",
                                        .width = 1920,
                                        .height = 1080,
                                        .bitrate_kbps = 6000,
                                        .codec = "avc1.640028"};
    p->mf[1] = (struct vast_media_file){.url = "https://cdn.example.com/c/master.m3u8",
                                        .delivery = VAST_DELIVERY_STREAMING,
                                        .mime_type = "application/x-mpegURL",
                                        .width = 1280,
                                        .height = 720};
    p->clicks[0] = f->track[TRACKURL_CLICK];
    p->errors[0] = f->track[TRACKURL_ERROR];
    p->errors[1] = "https://pixel.example/err?code=[ERRORCODE]";
    p->cats[0] = "IAB1-1";
    p->cats[1] = "652";

    ad->id = p->id;
    ad->ad_serving_id = p->serving_id;
    ad->ad_system = "adserverd";
    ad->ad_system_version = "1.0";
    ad->title = p->title;
    ad->description = "A thirty second spot";
    ad->advertiser = "brand.example";
    ad->pricing_model = VAST_PRICING_CPM;
    ad->pricing_currency = "USD";
    ad->pricing_micros = 12500000;
    ad->categories = p->cats;
    ad->n_categories = 2;
    ad->category_authority = "https://iabtechlab.com/standards/content-taxonomy";
    ad->creative_id = p->creative_id;
    ad->creative_ad_id = "ADID-0001";
    ad->universal_ad_id_registry = "ad-id.org";
    ad->universal_ad_id = "ABCD1234000H";
    ad->duration_ms = 30000;
    ad->media_files = p->mf;
    ad->n_media_files = 2;
    ad->click_through = "https://brand.example/landing?utm_source=ctv&x=1";
    ad->click_tracking = p->clicks;
    ad->n_click_tracking = 1;
    ad->impressions = p->imp;
    ad->n_impressions = 2;
    ad->error_urls = p->errors;
    ad->n_error_urls = 2;
    ad->tracking = p->trk;
    ad->n_tracking = k;
    return ad;
}

static void render_ok(struct fixture *f, const struct vast_ad *ads, size_t n, enum vast_version v,
                      const char *nofill)
{
    buf_reset(&f->out);
    if (vast_render(ads, n, v, nofill, &f->out, f->err, sizeof(f->err)) != 0)
        fail_msg("vast_render: %s", f->err);
    assert_non_null(f->out.data);
}

/* Validate f->out against v's schema (masked macros), or skip when the schemas are absent. */
static void assert_valid(struct fixture *f, enum vast_version v, const char *name,
                         enum xsd_mask mask)
{
    int rc = xsd_validate(f->schema[v], name, f->out.data, f->out.len, mask);

    if (rc == 1)
        skip();
    if (rc != 0)
        fail_msg("%s does not validate against %s:\n%s", name, xsd_files[v], f->out.data);
}

static xmlDocPtr parse(const struct fixture *f)
{
    xmlDocPtr doc = xmlReadMemory(f->out.data, (int)f->out.len, "out.xml", NULL, XML_PARSE_NONET);

    assert_non_null(doc);
    return doc;
}

/* Text of the nth element called name, or NULL; caller frees. */
static char *text_of(xmlDocPtr doc, const char *name, int nth)
{
    xmlNodePtr n = xsd_find(xmlDocGetRootElement(doc), name, &nth);
    xmlChar *c;
    char *s;

    if (n == NULL)
        return NULL;
    c = xmlNodeGetContent(n);
    assert_non_null(c);
    s = strdup((const char *)c);
    xmlFree(c);
    assert_non_null(s);
    return s;
}

static void assert_text(xmlDocPtr doc, const char *name, int nth, const char *want)
{
    char *got = text_of(doc, name, nth);

    if (got == NULL)
        fail_msg("no %s #%d", name, nth);
    if (strcmp(got, want) != 0)
        fail_msg("%s #%d: got \"%s\", want \"%s\"", name, nth, got, want);
    free(got);
}

/* Attribute value of the nth element called name, or NULL; caller frees. */
static char *attr_of(xmlDocPtr doc, const char *name, int nth, const char *attr)
{
    xmlNodePtr n = xsd_find(xmlDocGetRootElement(doc), name, &nth);
    xmlChar *c;
    char *s;

    if (n == NULL)
        return NULL;
    c = xmlGetProp(n, BAD_CAST attr);
    if (c == NULL)
        return NULL;
    s = strdup((const char *)c);
    xmlFree(c);
    return s;
}

static void assert_attr(xmlDocPtr doc, const char *name, int nth, const char *attr,
                        const char *want)
{
    char *got = attr_of(doc, name, nth, attr);

    if (want == NULL) {
        if (got != NULL)
            fail_msg("%s #%d has %s=\"%s\"", name, nth, attr, got);
        return;
    }
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s #%d @%s: got \"%s\", want \"%s\"", name, nth, attr, got ? got : "(none)",
                 want);
    free(got);
}

static int has_event(xmlDocPtr doc, const char *event)
{
    int i, n = xsd_count(doc, "Tracking");

    for (i = 0; i < n; i++) {
        char *e = attr_of(doc, "Tracking", i, "event");
        int hit = e != NULL && strcmp(e, event) == 0;

        free(e);
        if (hit)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------- */

static void test_vast_render_single_ad_each_version(void **state)
{
    struct fixture *f = *state;
    int v;

    for (v = 0; v < NVERSIONS; v++) {
        const struct vast_ad *ad = make_ad(f, 0);
        char name[64];
        xmlDocPtr doc;
        xmlNodePtr root;

        render_ok(f, ad, 1, (enum vast_version)v, NULL);
        assert_memory_equal(f->out.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39);
        doc = parse(f);
        root = xmlDocGetRootElement(doc);
        assert_string_equal((const char *)root->name, "VAST");
        assert_attr(doc, "VAST", 0, "version", vast_version_name((enum vast_version)v));
        if (v == VAST_3_0)
            assert_null(root->ns);
        else
            assert_string_equal((const char *)root->ns->href, "http://www.iab.com/VAST");
        assert_null(root->ns != NULL ? root->ns->prefix : NULL);

        assert_attr(doc, "Ad", 0, "id", "ad-1");
        assert_attr(doc, "Ad", 0, "sequence", NULL);
        assert_text(doc, "AdSystem", 0, "adserverd");
        assert_attr(doc, "AdSystem", 0, "version", "1.0");
        assert_text(doc, "AdTitle", 0, "Spot 1");
        assert_text(doc, "Impression", 0, f->track[TRACKURL_IMPRESSION]);
        assert_attr(doc, "Impression", 0, "id", "adserverd");
        assert_text(doc, "Impression", 1, f->pixel);
        assert_text(doc, "Pricing", 0, "12.5");
        assert_attr(doc, "Pricing", 0, "model", "cpm");
        assert_attr(doc, "Pricing", 0, "currency", "USD");
        assert_text(doc, "Duration", 0, "00:00:30.000");
        assert_text(doc, "ClickThrough", 0, "https://brand.example/landing?utm_source=ctv&x=1");
        assert_text(doc, "ClickTracking", 0, f->track[TRACKURL_CLICK]);
        assert_attr(doc, "MediaFile", 0, "delivery", "progressive");
        assert_attr(doc, "MediaFile", 0, "type", "video/mp4");
        assert_attr(doc, "MediaFile", 0, "width", "1920");
        assert_attr(doc, "MediaFile", 0, "height", "1080");
        assert_attr(doc, "MediaFile", 0, "bitrate", "6000");
        assert_attr(doc, "MediaFile", 0, "codec", "avc1.640028");
        assert_attr(doc, "MediaFile", 1, "delivery", "streaming");
        assert_attr(doc, "MediaFile", 1, "bitrate", NULL);
        assert_attr(doc, "Creative", 0, "id", "cr-1");
        assert_attr(doc, "Tracking", 0, "event", "creativeView");
        assert_true(has_event(doc, "progress"));
        assert_false(has_event(doc, "notUsed"));
        /* The macros a player fills are still literal in the parsed document. */
        assert_non_null(strstr(f->out.data, "&e=[ERRORCODE]"));
        assert_non_null(strstr(f->out.data, "ph=[CONTENTPLAYHEAD]"));

        /* What each version has or lacks. */
        assert_int_equal(xsd_count(doc, "AdServingId"), v >= VAST_4_1 ? 1 : 0);
        assert_int_equal(xsd_count(doc, "UniversalAdId"), v >= VAST_4_0 ? 1 : 0);
        assert_int_equal(xsd_count(doc, "Category"), v >= VAST_4_0 ? 2 : 0);
        assert_int_equal(xsd_count(doc, "Error"), v == VAST_3_0 ? 1 : 2);
        assert_int_equal(has_event(doc, "loaded"), v >= VAST_4_1);
        assert_int_equal(has_event(doc, "closeLinear"), v != VAST_4_0);
        assert_int_equal(has_event(doc, "close"), v == VAST_4_0);
        assert_int_equal(has_event(doc, "fullscreen"), v == VAST_3_0);
        assert_int_equal(has_event(doc, "playerExpand"), v != VAST_3_0);
        if (v == VAST_3_0) {
            assert_attr(doc, "Creative", 0, "AdID", "ADID-0001");
            assert_attr(doc, "Creative", 0, "adId", NULL);
        } else {
            assert_attr(doc, "Creative", 0, "adId", "ADID-0001");
            assert_text(doc, "UniversalAdId", 0, "ABCD1234000H");
            assert_attr(doc, "UniversalAdId", 0, "idRegistry", "ad-id.org");
            assert_attr(doc, "UniversalAdId", 0, "idValue", v == VAST_4_0 ? "ABCD1234000H" : NULL);
            assert_text(doc, "Category", 1, "652");
            assert_attr(doc, "Category", 0, "authority",
                        "https://iabtechlab.com/standards/content-taxonomy");
        }
        if (v >= VAST_4_1)
            assert_text(doc, "AdServingId", 0, "123e4567-e89b-42d3-a456-426614174000");
        xmlFreeDoc(doc);

        snprintf(name, sizeof(name), "vast-%s-single.xml", vast_version_name((enum vast_version)v));
        assert_valid(f, (enum vast_version)v, name, MASK_MACROS);
    }
}

static void test_vast_render_pods_each_version(void **state)
{
    struct fixture *f = *state;
    size_t n, i;
    int v;

    for (v = 0; v < NVERSIONS; v++) {
        for (n = 1; n <= POD_MAX; n++) {
            char name[64];
            xmlDocPtr doc;

            for (i = 0; i < n; i++) {
                make_ad(f, i);
                f->ads[i].sequence = (unsigned)(i + 1);
            }
            render_ok(f, f->ads, n, (enum vast_version)v, NULL);
            doc = parse(f);
            assert_int_equal(xsd_count(doc, "Ad"), (int)n);
            for (i = 0; i < n; i++) {
                char seq[8], id[16];

                snprintf(seq, sizeof(seq), "%zu", i + 1);
                snprintf(id, sizeof(id), "ad-%zu", i + 1);
                assert_attr(doc, "Ad", (int)i, "sequence", seq);
                assert_attr(doc, "Ad", (int)i, "id", id);
                if (v >= VAST_4_1)
                    assert_text(doc, "AdServingId", (int)i, f->parts[i].serving_id);
            }
            xmlFreeDoc(doc);
            snprintf(name, sizeof(name), "vast-%s-pod-%zu.xml",
                     vast_version_name((enum vast_version)v), n);
            assert_valid(f, (enum vast_version)v, name, MASK_MACROS);
        }
    }
}

/* Root Error exists in the 4.x schemas only; 3.0's draft allows nothing but Ad. */
static void test_vast_render_nofill_each_version(void **state)
{
    struct fixture *f = *state;
    const char *nofill = f->track[TRACKURL_NOFILL];
    int v;

    for (v = 0; v < NVERSIONS; v++) {
        char name[64];
        xmlDocPtr doc;

        render_ok(f, NULL, 0, (enum vast_version)v, nofill);
        doc = parse(f);
        assert_int_equal(xsd_count(doc, "Ad"), 0);
        if (v == VAST_3_0) {
            assert_int_equal(xsd_count(doc, "Error"), 0);
        } else {
            assert_int_equal(xsd_count(doc, "Error"), 1);
            assert_text(doc, "Error", 0, nofill);
            assert_non_null(strstr(f->out.data, "&e=[ERRORCODE]]]></Error>"));
        }
        xmlFreeDoc(doc);
        snprintf(name, sizeof(name), "vast-%s-nofill.xml", vast_version_name((enum vast_version)v));
        assert_valid(f, (enum vast_version)v, name, MASK_MACROS);

        /* Without a URL: an empty VAST, valid everywhere. */
        render_ok(f, NULL, 0, (enum vast_version)v, NULL);
        doc = parse(f);
        assert_null(xmlDocGetRootElement(doc)->children);
        xmlFreeDoc(doc);
        snprintf(name, sizeof(name), "vast-%s-empty.xml", vast_version_name((enum vast_version)v));
        assert_valid(f, (enum vast_version)v, name, MASK_NONE);
    }
    /* The no-fill URL is for n == 0 only. */
    render_ok(f, make_ad(f, 0), 1, VAST_4_2, "https://nofill.example/x");
    assert_null(strstr(f->out.data, "nofill.example"));
}

static void test_vast_render_hostile_strings(void **state)
{
    static const char title[] = "Caf\xc3\xa9 \"Cr\xc3\xa8me\" & <Br\xc3\xbbl\xc3\xa9"
                                "e> ]]> 'x' "
                                "\xe2\x82\xac \xf0\x9f\x8e\xac\ttab";
    static const char url[] = "https://h.example/p?a=1&b=<2>&c=\"3\"&d='4'&e=]]>&f=\xc3\xa9&"
                              "g=]]]]>&h=[ERRORCODE]";
    static const char *const cats[] = {"IAB1 <&> \"]]>\""};
    struct fixture *f = *state;
    int v;

    for (v = 0; v < NVERSIONS; v++) {
        struct vast_ad *ad = make_ad(f, 0);
        struct vast_impression imp = {.url = url, .id = "id \"<&>\" ]]>"};
        const char *urls[] = {url};
        char name[64];
        xmlDocPtr doc;

        ad->id = "ad \"1\" <&>";
        ad->title = title;
        ad->description = title;
        ad->advertiser = "\xc3\xa9\x64itions-<&>.example";
        ad->ad_system = "sys ]]> <&>";
        ad->creative_id = "cr'\"<>&";
        ad->universal_ad_id = "uid ]]> &";
        ad->categories = cats;
        ad->n_categories = 1;
        ad->impressions = &imp;
        ad->n_impressions = 1;
        ad->click_through = url;
        ad->click_tracking = urls;
        ad->n_click_tracking = 1;
        ad->error_urls = urls;
        ad->n_error_urls = 1;
        f->parts[0].mf[0].url = url;
        f->parts[0].trk[0].url = url;
        render_ok(f, ad, 1, (enum vast_version)v, NULL);

        /* The serialiser split the CDATA around each "]]>". */
        assert_non_null(strstr(f->out.data, "e=]]]]><![CDATA[>&f="));
        doc = parse(f);
        assert_attr(doc, "Ad", 0, "id", "ad \"1\" <&>");
        assert_text(doc, "AdTitle", 0, title);
        assert_text(doc, "AdSystem", 0, "sys ]]> <&>");
        assert_text(doc, "Description", 0, title);
        assert_text(doc, "Advertiser", 0, "\xc3\xa9\x64itions-<&>.example");
        assert_text(doc, "Impression", 0, url);
        assert_attr(doc, "Impression", 0, "id", "id \"<&>\" ]]>");
        assert_text(doc, "Error", 0, url);
        assert_text(doc, "ClickThrough", 0, url);
        assert_text(doc, "ClickTracking", 0, url);
        assert_text(doc, "MediaFile", 0, url);
        assert_text(doc, "Tracking", 0, url);
        assert_attr(doc, "Creative", 0, "id", "cr'\"<>&");
        if (v != VAST_3_0) {
            assert_text(doc, "Category", 0, "IAB1 <&> \"]]>\"");
            assert_text(doc, "UniversalAdId", 0, "uid ]]> &");
        }
        xmlFreeDoc(doc);
        snprintf(name, sizeof(name), "vast-%s-hostile.xml",
                 vast_version_name((enum vast_version)v));
        /* "]]>" puts a raw ']' in the URL, no URI character: mask it too. */
        assert_valid(f, (enum vast_version)v, name, MASK_ALL);
    }
}

static size_t count_char(const char *s, char c)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += *s == c;
    return n;
}

static size_t count_str(const char *s, const char *needle)
{
    size_t n = 0;

    while ((s = strstr(s, needle)) != NULL) {
        n++;
        s += strlen(needle);
    }
    return n;
}

/* Masking hides nothing but brackets: a macro-free document validates as it is. */
static void test_vast_render_validates_unmasked_without_macros(void **state)
{
    struct fixture *f = *state;
    static const char *const errs[] = {"https://err.example/e?c=1"};
    struct vast_impression imp = {.url = "https://imp.example/i?a=1&b=2", .id = "1"};
    struct vast_tracking trk = {.event = VAST_EVENT_START, .url = "https://t.example/s"};
    int v;

    for (v = 0; v < NVERSIONS; v++) {
        struct vast_ad *ad = make_ad(f, 0);
        char name[64];

        ad->impressions = &imp;
        ad->n_impressions = 1;
        ad->error_urls = errs;
        ad->n_error_urls = 1;
        ad->tracking = &trk;
        ad->n_tracking = 1;
        ad->click_tracking = NULL;
        ad->n_click_tracking = 0;
        render_ok(f, ad, 1, (enum vast_version)v, NULL);
        assert_int_equal(count_char(f->out.data, '['), 2 * count_str(f->out.data, "<![CDATA["));
        snprintf(name, sizeof(name), "vast-%s-plain.xml", vast_version_name((enum vast_version)v));
        assert_valid(f, (enum vast_version)v, name, MASK_NONE);
    }
}

/* The minimum an ad needs: no optional element at all. */
static void test_vast_render_minimal_ad(void **state)
{
    struct fixture *f = *state;
    struct vast_impression imp = {.url = "https://imp.example/i"};
    struct vast_media_file mf = {
        .url = "https://cdn.example/a.mp4", .mime_type = "video/mp4", .width = 640, .height = 360};
    int v;

    for (v = 0; v < NVERSIONS; v++) {
        struct vast_ad ad = {.ad_system = "adserverd",
                             .title = "t",
                             .ad_serving_id = "s",
                             .duration_ms = 15000,
                             .impressions = &imp,
                             .n_impressions = 1,
                             .media_files = &mf,
                             .n_media_files = 1};
        char name[64];
        xmlDocPtr doc;

        render_ok(f, &ad, 1, (enum vast_version)v, NULL);
        doc = parse(f);
        assert_int_equal(xsd_count(doc, "TrackingEvents"), 0);
        assert_int_equal(xsd_count(doc, "VideoClicks"), 0);
        assert_int_equal(xsd_count(doc, "Pricing"), 0);
        assert_attr(doc, "Ad", 0, "id", NULL);
        if (v != VAST_3_0) {
            assert_text(doc, "UniversalAdId", 0, "unknown");
            assert_attr(doc, "UniversalAdId", 0, "idRegistry", "unknown");
        }
        xmlFreeDoc(doc);
        snprintf(name, sizeof(name), "vast-%s-minimal.xml",
                 vast_version_name((enum vast_version)v));
        assert_valid(f, (enum vast_version)v, name, MASK_NONE);
    }
}

static void test_vast_render_pricing_and_times(void **state)
{
    static const struct {
        enum vast_pricing_model model;
        int64_t micros;
        const char *text; /* NULL: no Pricing */
        const char *model_attr;
    } cases[] = {
        {VAST_PRICING_CPM, 12500000, "12.5", "cpm"}, {VAST_PRICING_CPC, 0, "0", "cpc"},
        {VAST_PRICING_CPV, 1, "0.000001", "cpv"},    {VAST_PRICING_CPM, 7000000, "7", "cpm"},
        {VAST_PRICING_FLAT, 5000000, NULL, NULL},    {VAST_PRICING_NONE, 5000000, NULL, NULL},
    };
    struct fixture *f = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vast_ad *ad = make_ad(f, 0);
        xmlDocPtr doc;

        ad->pricing_model = cases[i].model;
        ad->pricing_micros = cases[i].micros;
        ad->pricing_currency = "eur";
        render_ok(f, ad, 1, VAST_4_2, NULL);
        doc = parse(f);
        if (cases[i].text == NULL) {
            assert_int_equal(xsd_count(doc, "Pricing"), 0);
        } else {
            assert_text(doc, "Pricing", 0, cases[i].text);
            assert_attr(doc, "Pricing", 0, "model", cases[i].model_attr);
            assert_attr(doc, "Pricing", 0, "currency", "eur");
        }
        xmlFreeDoc(doc);
    }

    /* Duration and progress offsets: HH:MM:SS.mmm; percentages as n%. */
    {
        struct vast_ad *ad = make_ad(f, 0);
        struct vast_tracking trk[] = {
            {.event = VAST_EVENT_PROGRESS, .url = "https://t.example/p", .offset_ms = 3723004},
            {.event = VAST_EVENT_PROGRESS, .url = "https://t.example/q", .offset_percent = 100},
        };
        xmlDocPtr doc;

        ad->duration_ms = 86399999;
        ad->tracking = trk;
        ad->n_tracking = 2;
        render_ok(f, ad, 1, VAST_4_2, NULL);
        doc = parse(f);
        assert_text(doc, "Duration", 0, "23:59:59.999");
        assert_attr(doc, "Tracking", 0, "offset", "01:02:03.004");
        assert_attr(doc, "Tracking", 1, "offset", "100%");
        xmlFreeDoc(doc);
        assert_valid(f, VAST_4_2, "vast-4.2-offsets.xml", MASK_MACROS);
    }
}

static void test_vast_render_rejects_bad_input(void **state)
{
    struct fixture *f = *state;
    struct vast_ad *ad;
    size_t i;
    static const char *const bad_text[] = {
        "ctl\x01",
        "bad \xc3",
        "overlong \xc0\xaf",
        "surrogate \xed\xa0\x80",
        "nonchar \xef\xbf\xbe",
        "past \xf4\x90\x80\x80",
        "lone \x80",
        "esc \x1b",
    };

#define REJECT(v, what)                                                                            \
    do {                                                                                           \
        buf_reset(&f->out);                                                                        \
        f->err[0] = '\0';                                                                          \
        if (vast_render(ad, 1, (v), NULL, &f->out, f->err, sizeof(f->err)) != -1)                  \
            fail_msg("accepted: %s", what);                                                        \
        assert_true(f->err[0] != '\0');                                                            \
        assert_null(strstr(f->err, "http"));                                                       \
    } while (0)

    for (i = 0; i < sizeof(bad_text) / sizeof(bad_text[0]); i++) {
        ad = make_ad(f, 0);
        ad->title = bad_text[i];
        REJECT(VAST_4_2, bad_text[i]);
        assert_non_null(strstr(f->err, "title"));
        ad = make_ad(f, 0);
        f->parts[0].imp[1].url = bad_text[i];
        REJECT(VAST_3_0, bad_text[i]);
        assert_false(vast_text_ok(bad_text[i]));
    }
    assert_true(vast_text_ok("tab\tLF\nCR\r \xc3\xa9 \xef\xbf\xbd \xf4\x8f\xbf\xbf"));

    ad = make_ad(f, 0);
    ad->title = "";
    REJECT(VAST_4_2, "empty title");
    ad = make_ad(f, 0);
    ad->ad_system = NULL;
    REJECT(VAST_4_2, "no ad system");
    ad = make_ad(f, 0);
    ad->n_impressions = 0;
    REJECT(VAST_4_2, "no impression");
    ad = make_ad(f, 0);
    f->parts[0].imp[0].url = "";
    REJECT(VAST_4_2, "empty impression url");
    ad = make_ad(f, 0);
    ad->n_media_files = 0;
    REJECT(VAST_4_2, "no media file");
    ad = make_ad(f, 0);
    f->parts[0].mf[1].mime_type = NULL;
    REJECT(VAST_4_2, "media file without type");
    ad = make_ad(f, 0);
    f->parts[0].mf[1].delivery = (enum vast_delivery)7;
    REJECT(VAST_4_2, "bad delivery");
    ad = make_ad(f, 0);
    ad->duration_ms = 86400000;
    REJECT(VAST_4_2, "24 h duration");
    ad = make_ad(f, 0);
    ad->pricing_currency = "US";
    REJECT(VAST_4_2, "two-letter currency");
    ad = make_ad(f, 0);
    ad->pricing_currency = "U$D";
    REJECT(VAST_4_2, "currency with a symbol");
    ad = make_ad(f, 0);
    ad->pricing_micros = -1;
    REJECT(VAST_4_2, "negative price");
    ad = make_ad(f, 0);
    ad->pricing_model = (enum vast_pricing_model)9;
    REJECT(VAST_4_2, "bad pricing model");
    ad = make_ad(f, 0);
    ad->pricing_model = (enum vast_pricing_model)-1;
    REJECT(VAST_4_2, "negative pricing model");
    ad = make_ad(f, 0);
    ad->category_authority = NULL;
    REJECT(VAST_4_2, "categories without authority");
    ad = make_ad(f, 0);
    ad->categories = NULL;
    REJECT(VAST_4_2, "NULL category list");
    ad = make_ad(f, 0);
    f->parts[0].trk[0].event = (enum vast_event)99;
    REJECT(VAST_4_2, "unknown event");
    ad = make_ad(f, 0);
    f->parts[0].trk[16].offset_ms = 360000000;
    REJECT(VAST_4_2, "offset of 100 h");
    ad = make_ad(f, 0);
    f->parts[0].trk[16].offset_percent = 101;
    REJECT(VAST_4_2, "offset of 101%");
    ad = make_ad(f, 0);
    ad->error_urls = NULL;
    REJECT(VAST_4_2, "NULL error list");

    /* AdServingId is required from 4.1 only. */
    ad = make_ad(f, 0);
    ad->ad_serving_id = NULL;
    REJECT(VAST_4_1, "4.1 without AdServingId");
    REJECT(VAST_4_2, "4.2 without AdServingId");
    render_ok(f, ad, 1, VAST_4_0, NULL);
    render_ok(f, ad, 1, VAST_3_0, NULL);

    /* Bad version, NULL ads, a bad no-fill URL. */
    ad = make_ad(f, 0);
    REJECT((enum vast_version)4, "version 4");
    assert_int_equal(vast_render(NULL, 2, VAST_4_2, NULL, &f->out, f->err, sizeof(f->err)), -1);
    assert_int_equal(vast_render(NULL, 0, VAST_4_2, "bad \x02", &f->out, f->err, sizeof(f->err)),
                     -1);
    assert_null(vast_version_name((enum vast_version)4));
    /* No error buffer is fine. */
    ad->title = NULL;
    assert_int_equal(vast_render(ad, 1, VAST_4_2, NULL, &f->out, NULL, 0), -1);
#undef REJECT
}

/* The document must fit the caller's maximum, or the render fails. */
static void test_vast_render_output_limit(void **state)
{
    struct fixture *f = *state;
    const struct vast_ad *ad = make_ad(f, 0);
    struct buf small;
    size_t need;

    render_ok(f, ad, 1, VAST_4_2, NULL);
    need = f->out.len;
    buf_init(&small, need - 1);
    assert_int_equal(vast_render(ad, 1, VAST_4_2, NULL, &small, f->err, sizeof(f->err)), -1);
    assert_non_null(strstr(f->err, "limit"));
    buf_release(&small);
    buf_init(&small, need);
    assert_int_equal(vast_render(ad, 1, VAST_4_2, NULL, &small, f->err, sizeof(f->err)), 0);
    assert_int_equal(small.len, need);
    assert_memory_equal(small.data, f->out.data, need);
    buf_release(&small);
}

/* The upload as <Mezzanine> in 4.1+ with delivery, type and size; none in 3.0 and 4.0. */
static void test_vast_render_mezzanine_each_version(void **state)
{
    struct fixture *f = *state;
    static const struct vast_media_file mezz = {
        "https://cdn.example/creatives/spot.mov", VAST_DELIVERY_PROGRESSIVE, "video/quicktime",
        1920, 1080, 0, "avc1.640028"};
    int v;

    for (v = 0; v < NVERSIONS; v++) {
        struct vast_ad *ad = make_ad(f, 0);
        char name[64];
        xmlDocPtr doc;

        ad->mezzanine = &mezz;
        render_ok(f, ad, 1, (enum vast_version)v, NULL);
        snprintf(name, sizeof(name), "mezzanine-%s", vast_version_name((enum vast_version)v));
        assert_valid(f, (enum vast_version)v, name, MASK_MACROS);
        doc = parse(f);
        assert_int_equal(xsd_count(doc, "Mezzanine"), v >= VAST_4_1 ? 1 : 0);
        assert_int_equal(xsd_count(doc, "MediaFile"), 2);
        if (v >= VAST_4_1) {
            assert_text(doc, "Mezzanine", 0, mezz.url);
            assert_attr(doc, "Mezzanine", 0, "delivery", "progressive");
            assert_attr(doc, "Mezzanine", 0, "type", "video/quicktime");
            assert_attr(doc, "Mezzanine", 0, "width", "1920");
            assert_attr(doc, "Mezzanine", 0, "height", "1080");
            assert_attr(doc, "Mezzanine", 0, "codec", "avc1.640028");
        }
        xmlFreeDoc(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vast_render_mezzanine_each_version),
        cmocka_unit_test(test_vast_render_single_ad_each_version),
        cmocka_unit_test(test_vast_render_pods_each_version),
        cmocka_unit_test(test_vast_render_nofill_each_version),
        cmocka_unit_test(test_vast_render_hostile_strings),
        cmocka_unit_test(test_vast_render_validates_unmasked_without_macros),
        cmocka_unit_test(test_vast_render_minimal_ad),
        cmocka_unit_test(test_vast_render_pricing_and_times),
        cmocka_unit_test(test_vast_render_rejects_bad_input),
        cmocka_unit_test(test_vast_render_output_limit),
    };
    return cmocka_run_group_tests_name("vast", tests, group_setup, group_teardown);
}
