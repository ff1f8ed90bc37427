/*
 * test_prerender: the fragment path against the libxml2 tree renderer.
 * For many random ads (awkward static text, every pricing model, optional
 * parts, random tracking events) in pods of 1 to 4, for every version, the
 * document spliced from fragments must equal vast_render()'s byte for byte.
 * Values outside a slot's alphabet must be refused (the caller then falls
 * back to vast_render()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "vast/prerender.h"
#include "vast/vast.h"
#include "vast/vmap.h"

#define ROUNDS 300
#define POD_MAX 4
#define BASE "https://ads.example.tv:8443"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *pick(const char *const *v, size_t n)
{
    return v[rnd((uint32_t)n)];
}
#define PICK(a) pick(a, sizeof(a) / sizeof(a[0]))

/* One ad's storage: the strings both ads (template and real) point into. */
struct sample {
    struct vast_ad tmpl, real;
    struct vast_impression imp_t, imp_r;
    struct vast_media_file mf_t, mf_r;
    struct vast_tracking tr_t[VAST_PRERENDER_TRACKING_MAX], tr_r[VAST_PRERENDER_TRACKING_MAX];
    const char *ct_t[1], *ct_r[1], *err_t[1], *err_r[1];
    const char *cats[3];
    char id[40], asid[40], seq[12], media_rest[80], media_full[128];
    char urls[VAST_SLOT_COUNT][200];
    const char *values[VAST_SLOT_COUNT];
};

static void random_url(char *out, size_t n)
{
    static const char alpha[] = "abcXYZ019-._~:/?#[]@!$&'()*+,;=%";
    size_t len = 20 + rnd(120);
    int k = snprintf(out, n, "%s/t/", BASE);

    for (size_t i = (size_t)k; i < len && i + 1 < n; i++)
        out[i] = alpha[rnd(sizeof(alpha) - 1)];
    out[len < n - 1 ? len : n - 1] = '\0';
}

static void random_hex_id(char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 36; i++)
        out[i] = (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : hex[rnd(16)];
    out[36] = '\0';
}

static void make_sample(struct sample *s, unsigned sequence)
{
    static const char *const titles[] = {"Ad", "Tom & Jerry <3", "Caf\xc3\xa9 \"quoted\" 'single'",
                                         "]]> not CDATA", "\xe6\x97\xa5\xe6\x9c\xac tab\there",
                                         "a > b < c", "x&amp;y"};
    static const char *const advertisers[] = {NULL, "", "example.com", "shop.example.co.uk"};
    static const char *const categories[] = {"IAB1", "IAB17-3", "IAB&<>", "IAB24"};
    static const char *const mimes[] = {"video/mp4", "video/webm", "application/x-mpegURL"};
    static const char *const codecs[] = {NULL, "avc1.64001F", "vp9"};
    static const enum vast_event evs[] = {
        VAST_EVENT_CREATIVE_VIEW, VAST_EVENT_LOADED,     VAST_EVENT_START,
        VAST_EVENT_FIRST_QUARTILE, VAST_EVENT_MIDPOINT,   VAST_EVENT_THIRD_QUARTILE,
        VAST_EVENT_COMPLETE,      VAST_EVENT_PROGRESS,   VAST_EVENT_MUTE,
        VAST_EVENT_UNMUTE,        VAST_EVENT_PAUSE,      VAST_EVENT_RESUME,
        VAST_EVENT_REWIND,        VAST_EVENT_SKIP,       VAST_EVENT_CLOSE,
        VAST_EVENT_PLAYER_EXPAND, VAST_EVENT_PLAYER_COLLAPSE};
    struct vast_ad *t = &s->tmpl, *r = &s->real;
    int local_media = rnd(2);
    int click = rnd(3) != 0;

    memset(s, 0, sizeof(*s));
    random_hex_id(s->id);
    random_hex_id(s->asid);
    t->id = s->id;
    t->ad_system = "adserverd";
    t->ad_system_version = rnd(2) ? "1.4.0" : NULL;
    t->title = PICK(titles);
    t->description = rnd(3) == 0 ? "A <b>bold</b> & honest description" : NULL;
    t->advertiser = PICK(advertisers);
    t->pricing_model = (enum vast_pricing_model)rnd(5);
    t->pricing_currency = "USD";
    t->pricing_micros = (int64_t)rnd(100000000);
    t->n_categories = rnd(4);
    for (size_t i = 0; i < t->n_categories && i < 3; i++)
        s->cats[i] = PICK(categories);
    if (t->n_categories > 3)
        t->n_categories = 3;
    t->categories = s->cats;
    t->category_authority = "https://iabtechlab.com/standards/content-taxonomy/";
    t->creative_id = s->id;
    t->creative_ad_id = rnd(2) ? s->id : NULL;
    t->universal_ad_id_registry = rnd(2) ? "ad-id.org" : NULL;
    t->universal_ad_id = rnd(2) ? "ABCD1234000H" : NULL;
    t->duration_ms = rnd(86400000u);

    snprintf(s->media_rest, sizeof(s->media_rest), "/media/%s.mp4?v=%u&x=1", s->id, rnd(1000));
    s->mf_t.delivery = rnd(2) ? VAST_DELIVERY_PROGRESSIVE : VAST_DELIVERY_STREAMING;
    s->mf_t.mime_type = PICK(mimes);
    s->mf_t.width = 320 + rnd(3600);
    s->mf_t.height = 240 + rnd(2000);
    s->mf_t.bitrate_kbps = rnd(3) == 0 ? 0 : 300 + rnd(20000);
    s->mf_t.codec = PICK(codecs);
    s->mf_r = s->mf_t;
    if (local_media) {
        snprintf(s->media_full, sizeof(s->media_full), "%s%s",
                 vast_prerender_marker(VAST_SLOT_BASE), s->media_rest);
        s->mf_t.url = s->media_full;
        snprintf(s->urls[VAST_SLOT_BASE], sizeof(s->urls[0]), "%s", BASE);
        s->mf_r.url = s->urls[VAST_SLOT_COUNT - 1]; /* spare row holds the full URL */
        snprintf(s->urls[VAST_SLOT_COUNT - 1], sizeof(s->urls[0]), "%s%s", BASE, s->media_rest);
        s->values[VAST_SLOT_BASE] = s->urls[VAST_SLOT_BASE];
    } else {
        s->mf_t.url = "https://cdn.example.com/a&b]]>c.mp4";
        s->mf_r.url = s->mf_t.url;
    }
    t->media_files = &s->mf_t;
    t->n_media_files = 1;

    /* Up to VAST_PRERENDER_TRACKING_MAX - 1 events (the last row is the media URL). */
    t->n_tracking = rnd(VAST_PRERENDER_TRACKING_MAX - 1);
    for (size_t k = 0; k < t->n_tracking; k++) {
        s->tr_t[k].event = evs[rnd(sizeof(evs) / sizeof(evs[0]))];
        if (s->tr_t[k].event == VAST_EVENT_PROGRESS) {
            if (rnd(2))
                s->tr_t[k].offset_percent = 1 + (int)rnd(100);
            else
                s->tr_t[k].offset_ms = rnd(3600000);
        }
        s->tr_r[k] = s->tr_t[k];
        s->tr_t[k].url = vast_prerender_marker((enum vast_slot)(VAST_SLOT_TRACKING + k));
        random_url(s->urls[VAST_SLOT_TRACKING + k], sizeof(s->urls[0]));
        s->tr_r[k].url = s->urls[VAST_SLOT_TRACKING + k];
        s->values[VAST_SLOT_TRACKING + k] = s->tr_r[k].url;
    }
    t->tracking = s->tr_t;

    *r = *t;
    r->tracking = s->tr_r;
    r->media_files = &s->mf_r;

    t->ad_serving_id = vast_prerender_marker(VAST_SLOT_SERVING_ID);
    r->ad_serving_id = s->asid;
    s->values[VAST_SLOT_SERVING_ID] = s->asid;

    random_url(s->urls[VAST_SLOT_IMPRESSION], sizeof(s->urls[0]));
    s->imp_t.url = vast_prerender_marker(VAST_SLOT_IMPRESSION);
    s->imp_t.id = vast_prerender_marker(VAST_SLOT_SERVING_ID);
    s->imp_r.url = s->urls[VAST_SLOT_IMPRESSION];
    s->imp_r.id = s->asid;
    t->impressions = &s->imp_t;
    r->impressions = &s->imp_r;
    t->n_impressions = r->n_impressions = 1;
    s->values[VAST_SLOT_IMPRESSION] = s->urls[VAST_SLOT_IMPRESSION];

    random_url(s->urls[VAST_SLOT_ERROR], sizeof(s->urls[0]));
    s->err_t[0] = vast_prerender_marker(VAST_SLOT_ERROR);
    s->err_r[0] = s->urls[VAST_SLOT_ERROR];
    t->error_urls = s->err_t;
    r->error_urls = s->err_r;
    t->n_error_urls = r->n_error_urls = 1;
    s->values[VAST_SLOT_ERROR] = s->err_r[0];

    random_url(s->urls[VAST_SLOT_CLICK_TRACKING], sizeof(s->urls[0]));
    s->ct_t[0] = vast_prerender_marker(VAST_SLOT_CLICK_TRACKING);
    s->ct_r[0] = s->urls[VAST_SLOT_CLICK_TRACKING];
    t->click_tracking = s->ct_t;
    r->click_tracking = s->ct_r;
    t->n_click_tracking = r->n_click_tracking = rnd(4) != 0;
    s->values[VAST_SLOT_CLICK_TRACKING] = s->ct_r[0];

    if (click) {
        random_url(s->urls[VAST_SLOT_CLICK_THROUGH], sizeof(s->urls[0]));
        t->click_through = vast_prerender_marker(VAST_SLOT_CLICK_THROUGH);
        r->click_through = s->urls[VAST_SLOT_CLICK_THROUGH];
        s->values[VAST_SLOT_CLICK_THROUGH] = r->click_through;
    }

    r->sequence = sequence;
    if (sequence > 0)
        snprintf(s->seq, sizeof(s->seq), "%u", sequence);
    s->values[VAST_SLOT_SEQUENCE] = s->seq;
}

static void test_prerender_matches_tree_renderer(void **state)
{
    static struct sample samples[POD_MAX];
    struct vast_ad real[POD_MAX];
    size_t compared = 0;

    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        size_t n = 1 + rnd(POD_MAX);
        struct vast_prerender *pr = vast_prerender_new(n);

        for (size_t i = 0; i < n; i++) {
            make_sample(&samples[i], n > 1 ? (unsigned)(i + 1) : 0);
            real[i] = samples[i].real;
            assert_int_equal(vast_prerender_add(pr, i, &samples[i].tmpl), 0);
            assert_true(vast_prerender_has(pr, i));
        }
        for (int v = VAST_3_0; v <= VAST_4_2; v++) {
            struct buf tree, frag;
            char err[160];

            buf_init(&tree, 1 << 20);
            buf_init(&frag, 1 << 20);
            assert_int_equal(vast_render(real, n, (enum vast_version)v, NULL, &tree, err,
                                         sizeof(err)),
                             0);
            assert_int_equal(vast_prerender_open(pr, (enum vast_version)v, &frag), 0);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(vast_prerender_ad(pr, i, (enum vast_version)v,
                                                   samples[i].values, &frag),
                                 0);
            assert_int_equal(vast_prerender_close(pr, (enum vast_version)v, &frag), 0);
            if (tree.len != frag.len || memcmp(tree.data, frag.data, tree.len) != 0) {
                fprintf(stderr, "round %d version %d differs:\n--- tree\n%.*s\n--- frag\n%.*s\n",
                        round, v, (int)tree.len, tree.data, (int)frag.len, frag.data);
                fail();
            }
            compared++;
            buf_release(&tree);
            buf_release(&frag);
        }
        vast_prerender_free(pr);
    }
    assert_int_equal(compared, ROUNDS * 4);
}

#define BREAKS_MAX 5

/* Playlists of 1..5 inline breaks of 1..4 ads: spliced equals vmap_render(). */
static void test_prerender_vmap_matches_tree_renderer(void **state)
{
    static struct sample samples[BREAKS_MAX][POD_MAX];
    struct vast_ad real[BREAKS_MAX][POD_MAX];
    struct vmap_break breaks[BREAKS_MAX];
    char ids[BREAKS_MAX][24];
    size_t compared = 0;

    (void)state;
    for (int round = 0; round < ROUNDS / 3; round++) {
        size_t nb = 1 + rnd(BREAKS_MAX), total = 0;
        struct vast_prerender *pr = vast_prerender_new(BREAKS_MAX * POD_MAX);
        struct buf tree, frag;
        char err[160];

        memset(breaks, 0, sizeof(breaks));
        for (size_t b = 0; b < nb; b++) {
            size_t n = 1 + rnd(POD_MAX);
            if (b == 0)
                breaks[b].offset = VMAP_OFFSET_START;
            else
                breaks[b].offset = b + 1 == nb && rnd(2) ? VMAP_OFFSET_END : VMAP_OFFSET_TIME;
            breaks[b].offset_ms = (uint32_t)(b * 600000 + rnd(1000));
            snprintf(ids[b], sizeof(ids[b]), b == 0 ? "preroll" : "midroll-%zu", b);
            breaks[b].break_id = ids[b];
            for (size_t i = 0; i < n; i++) {
                make_sample(&samples[b][i], n > 1 ? (unsigned)(i + 1) : 0);
                real[b][i] = samples[b][i].real;
                assert_int_equal(vast_prerender_add(pr, b * POD_MAX + i, &samples[b][i].tmpl), 0);
            }
            breaks[b].ads = real[b];
            breaks[b].n_ads = n;
            total += n;
        }
        buf_init(&tree, 1 << 22);
        buf_init(&frag, 1 << 22);
        assert_int_equal(vmap_render(breaks, nb, &tree, err, sizeof(err)), 0);
        assert_int_equal(vast_prerender_vmap_open(pr, &frag), 0);
        for (size_t b = 0; b < nb; b++) {
            char off[16];
            vmap_time_offset(&breaks[b], off);
            assert_int_equal(vast_prerender_vmap_break_open(pr, off, ids[b], &frag), 0);
            for (size_t i = 0; i < breaks[b].n_ads; i++)
                assert_int_equal(
                    vast_prerender_vmap_ad(pr, b * POD_MAX + i, samples[b][i].values, &frag), 0);
            assert_int_equal(vast_prerender_vmap_break_close(pr, &frag), 0);
        }
        assert_int_equal(vast_prerender_vmap_close(pr, &frag), 0);
        if (tree.len != frag.len || memcmp(tree.data, frag.data, tree.len) != 0) {
            fprintf(stderr, "vmap round %d differs:\n--- tree\n%.*s\n--- frag\n%.*s\n", round,
                    (int)tree.len, tree.data, (int)frag.len, frag.data);
            fail();
        }
        assert_true(total > 0);
        compared++;
        buf_release(&tree);
        buf_release(&frag);
        vast_prerender_free(pr);
    }
    assert_int_equal(compared, ROUNDS / 3);
}

static void test_prerender_value_ok_alphabets(void **state)
{
    (void)state;
    assert_true(
        vast_prerender_value_ok(VAST_SLOT_SERVING_ID, "0a1b2c3d-0000-4000-8000-00000000ff01"));
    assert_false(vast_prerender_value_ok(VAST_SLOT_SERVING_ID, "0A1B"));
    assert_false(vast_prerender_value_ok(VAST_SLOT_SERVING_ID, "a\"b"));
    assert_true(vast_prerender_value_ok(VAST_SLOT_SEQUENCE, ""));
    assert_true(vast_prerender_value_ok(VAST_SLOT_SEQUENCE, "12"));
    assert_false(vast_prerender_value_ok(VAST_SLOT_SEQUENCE, "1\""));
    assert_true(vast_prerender_value_ok(VAST_SLOT_IMPRESSION, BASE "/t/i?a=1&b=[x]"));
    assert_false(vast_prerender_value_ok(VAST_SLOT_IMPRESSION, "https://x/]]>"));
    assert_false(vast_prerender_value_ok(VAST_SLOT_CLICK_THROUGH, "https://x/a b"));
    assert_false(vast_prerender_value_ok(VAST_SLOT_CLICK_THROUGH, "https://x/\xc3\xa9"));
    assert_false(vast_prerender_value_ok(VAST_SLOT_BASE, "http://h<"));
}

/* A value outside its alphabet: refused with nothing appended (tree fallback). */
static void test_prerender_refuses_unsafe_value(void **state)
{
    static struct sample s;
    struct vast_prerender *pr = vast_prerender_new(1);
    struct buf out;

    (void)state;
    do {
        make_sample(&s, 0);
    } while (s.tmpl.click_through == NULL);
    assert_int_equal(vast_prerender_add(pr, 0, &s.tmpl), 0);
    s.values[VAST_SLOT_CLICK_THROUGH] = "https://x.example/<script>";
    buf_init(&out, 1 << 20);
    assert_int_equal(buf_puts(&out, "HEAD"), 0);
    assert_int_equal(vast_prerender_ad(pr, 0, VAST_4_2, s.values, &out), 1);
    assert_int_equal(out.len, 4);
    buf_release(&out);
    vast_prerender_free(pr);
}

/* A static string that looks like a marker: not prerendered (requests use the tree). */
static void test_prerender_rejects_marker_lookalike(void **state)
{
    static struct sample s;
    struct vast_prerender *pr = vast_prerender_new(2);

    (void)state;
    make_sample(&s, 0);
    s.tmpl.title = "@@03@@ sale";
    assert_int_equal(vast_prerender_add(pr, 1, &s.tmpl), 1);
    assert_false(vast_prerender_has(pr, 1));
    assert_int_equal(vast_prerender_add(pr, 5, &s.tmpl), 1); /* out of range */
    vast_prerender_free(pr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prerender_matches_tree_renderer),
        cmocka_unit_test(test_prerender_vmap_matches_tree_renderer),
        cmocka_unit_test(test_prerender_value_ok_alphabets),
        cmocka_unit_test(test_prerender_refuses_unsafe_value),
        cmocka_unit_test(test_prerender_rejects_marker_lookalike),
    };

    vast_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
