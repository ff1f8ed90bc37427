/*
 * Unit tests for adserverd/snapshot: builder validation and recovery after
 * a rejected campaign, creative grouping, interning without case, category
 * parents and exclusions, and the holder: readers acquiring while a writer
 * publishes (run under ASan and valgrind, a use after free would show).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision/snapshot.h"

static struct snapshot_campaign_spec spec(const char *id)
{
    struct snapshot_campaign_spec s;

    memset(&s, 0, sizeof(s));
    s.id = id;
    s.status = SNAPSHOT_STATUS_ACTIVE;
    s.start_ms = 0;
    s.end_ms = INT64_C(4102444800000); /* 2100 */
    s.budget_total_micros = INT64_C(1000000000);
    s.priority = 5;
    s.weight = 1;
    s.pacing = SNAPSHOT_PACING_ASAP;
    return s;
}

static struct snapshot_creative_spec creative(const char *id, const char *campaign, uint32_t ms)
{
    struct snapshot_creative_spec c;

    memset(&c, 0, sizeof(c));
    c.id = id;
    c.campaign_id = campaign;
    c.status = SNAPSHOT_CREATIVE_ACTIVE;
    c.duration_ms = ms;
    c.media_url = "https://cdn.example/a.mp4";
    c.mime = "video/mp4";
    return c;
}

static void expect_rejected(struct snapshot_builder *b, struct snapshot_campaign_spec s,
                            const char *why)
{
    char err[160] = "";

    if (snapshot_builder_add_campaign(b, &s, err, sizeof(err)) != -1)
        fail_msg("accepted: %s", why);
    assert_true(err[0] != '\0');
}

static void test_snapshot_builder_rejects_bad_campaigns(void **state)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot_campaign_spec s;
    struct snapshot *snap = NULL;
    const char *const empty[] = {""};
    char err[160];

    (void)state;
    s = spec("a");
    assert_int_equal(snapshot_builder_add_campaign(b, &s, err, sizeof(err)), 0);
    expect_rejected(b, spec("a"), "duplicate id");
    expect_rejected(b, spec(""), "empty id");
    s = spec("p0"), s.priority = 0;
    expect_rejected(b, s, "priority 0");
    s = spec("p11"), s.priority = 11;
    expect_rejected(b, s, "priority 11");
    s = spec("w0"), s.weight = 0;
    expect_rejected(b, s, "weight 0");
    s = spec("flight"), s.end_ms = s.start_ms;
    expect_rejected(b, s, "empty flight");
    s = spec("hour"), s.daypart[3] = 1u << 24;
    expect_rejected(b, s, "hour 24");
    s = spec("zone"), s.time_zone = "Mars/Olympus_Mons";
    expect_rejected(b, s, "unknown zone");
    s = spec("value"), s.sets[SNAPSHOT_DIM_OS].v = empty, s.sets[SNAPSHOT_DIM_OS].n = 1;
    expect_rejected(b, s, "empty targeting value");
    s = spec("status"), s.status = (enum snapshot_status)9;
    expect_rejected(b, s, "unknown status");
    /* The builder goes on after a rejection, holding only what it accepted. */
    s = spec("b");
    assert_int_equal(snapshot_builder_add_campaign(b, &s, err, sizeof(err)), 0);
    assert_int_equal(snapshot_builder_finish(b, 42, &snap, err, sizeof(err)), 0);
    assert_int_equal(snapshot_campaign_count(snap), 2);
    assert_string_equal(snapshot_campaign(snap, 0)->id, "a");
    assert_string_equal(snapshot_campaign(snap, 1)->id, "b");
    assert_string_equal(snapshot_campaign(snap, 1)->time_zone, "UTC");
    assert_true(snapshot_built_ms(snap) == 42);
    snapshot_free(snap);
    snapshot_builder_free(b);
}

static void test_snapshot_builder_rejects_bad_creatives(void **state)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot_campaign_spec s = spec("a");
    struct snapshot_creative_spec c;
    char err[160];

    (void)state;
    assert_int_equal(snapshot_builder_add_campaign(b, &s, err, sizeof(err)), 0);
    c = creative("x", "a", 15000);
    assert_int_equal(snapshot_builder_add_creative(b, &c, err, sizeof(err)), 0);
    assert_int_equal(snapshot_builder_add_creative(b, &c, err, sizeof(err)), -1);
    c = creative("y", "nope", 15000);
    assert_int_equal(snapshot_builder_add_creative(b, &c, err, sizeof(err)), -1);
    c = creative("z", "a", 0);
    assert_int_equal(snapshot_builder_add_creative(b, &c, err, sizeof(err)), -1);
    snapshot_builder_free(b);
}

static void test_snapshot_creatives_grouped_by_campaign(void **state)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot_campaign_spec s;
    struct snapshot_creative_spec c;
    struct snapshot *snap;
    const struct snapshot_campaign *ca, *cb;
    uint32_t idx;
    char err[160];
    static const char *const order[][2] = {
        {"a1", "a"}, {"b1", "b"}, {"a2", "a"}, {"b2", "b"}, {"a3", "a"}};

    (void)state;
    s = spec("a");
    assert_int_equal(snapshot_builder_add_campaign(b, &s, err, sizeof(err)), 0);
    s = spec("b");
    assert_int_equal(snapshot_builder_add_campaign(b, &s, err, sizeof(err)), 0);
    for (size_t i = 0; i < 5; i++) {
        c = creative(order[i][0], order[i][1], 15000);
        assert_int_equal(snapshot_builder_add_creative(b, &c, err, sizeof(err)), 0);
    }
    assert_int_equal(snapshot_builder_finish(b, 0, &snap, err, sizeof(err)), 0);
    ca = snapshot_campaign(snap, 0);
    cb = snapshot_campaign(snap, 1);
    assert_int_equal(ca->n_creatives, 3);
    assert_int_equal(cb->n_creatives, 2);
    assert_string_equal(snapshot_creative(snap, ca->first_creative)->id, "a1");
    assert_string_equal(snapshot_creative(snap, ca->first_creative + 2)->id, "a3");
    assert_string_equal(snapshot_creative(snap, cb->first_creative + 1)->id, "b2");
    assert_int_equal(snapshot_creative(snap, cb->first_creative)->campaign, 1);
    assert_int_equal(snapshot_creative_find(snap, "b2", &idx), 0);
    assert_string_equal(snapshot_creative(snap, idx)->id, "b2");
    assert_int_equal(snapshot_creative_find(snap, "zz", &idx), -1);
    assert_int_equal(snapshot_campaign_find(snap, "b", &idx), 0);
    assert_int_equal(idx, 1);
    assert_int_equal(snapshot_campaign_find(snap, "B", &idx), -1);
    snapshot_free(snap);
    snapshot_builder_free(b);
}

/* Renditions and the mezzanine are copied with their strings: the spec's may go. */
static void test_snapshot_creative_media_files_copied(void **state)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot_campaign_spec s = spec("a");
    struct snapshot_creative_spec c;
    struct vast_media_file files[2], mezz;
    char url0[64], url1[64], codec[32], murl[64];
    const struct snapshot_creative *cr;
    struct snapshot *snap;
    char err[160];

    (void)state;
    assert_int_equal(snapshot_builder_add_campaign(b, &s, err, sizeof(err)), 0);
    snprintf(url0, sizeof(url0), "https://cdn.example/a/720p.mp4");
    snprintf(url1, sizeof(url1), "https://cdn.example/a/hls/master.m3u8");
    snprintf(codec, sizeof(codec), "avc1.64001F");
    snprintf(murl, sizeof(murl), "https://cdn.example/a.mov");
    files[0] = (struct vast_media_file){url0, VAST_DELIVERY_PROGRESSIVE, "video/mp4", 1280, 720,
                                        2900, codec};
    files[1] = (struct vast_media_file){url1, VAST_DELIVERY_STREAMING, "application/x-mpegURL",
                                        1280, 720, 0, codec};
    mezz = (struct vast_media_file){murl, VAST_DELIVERY_PROGRESSIVE, "video/quicktime", 1920, 1080,
                                    0, NULL};
    c = creative("x", "a", 15000);
    c.media_files = files;
    c.n_media_files = 2;
    c.mezzanine = &mezz;
    assert_int_equal(snapshot_builder_add_creative(b, &c, err, sizeof(err)), 0);
    c = creative("y", "a", 15000); /* no renditions: served as uploaded */
    assert_int_equal(snapshot_builder_add_creative(b, &c, err, sizeof(err)), 0);
    memset(url0, 'X', sizeof(url0) - 1);
    memset(codec, 'X', sizeof(codec) - 1);
    memset(murl, 'X', sizeof(murl) - 1);
    assert_int_equal(snapshot_builder_finish(b, 0, &snap, err, sizeof(err)), 0);
    cr = snapshot_creative(snap, 0);
    assert_int_equal(cr->n_media_files, 2);
    assert_string_equal(cr->media_files[0].url, "https://cdn.example/a/720p.mp4");
    assert_string_equal(cr->media_files[0].codec, "avc1.64001F");
    assert_int_equal(cr->media_files[0].bitrate_kbps, 2900);
    assert_int_equal(cr->media_files[1].delivery, VAST_DELIVERY_STREAMING);
    assert_string_equal(cr->media_files[1].mime_type, "application/x-mpegURL");
    assert_non_null(cr->mezzanine);
    assert_string_equal(cr->mezzanine->url, "https://cdn.example/a.mov");
    assert_null(cr->mezzanine->codec);
    assert_int_equal(cr->mezzanine->width, 1920);
    cr = snapshot_creative(snap, 1);
    assert_int_equal(cr->n_media_files, 0);
    assert_null(cr->media_files);
    assert_null(cr->mezzanine);
    snapshot_free(snap);
    snapshot_builder_free(b);
}

static void test_snapshot_interning_folds_case_and_dedups(void **state)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot_campaign_spec s = spec("a");
    const char *const countries[] = {"US", "us", "Ca"};
    struct snapshot *snap;
    const struct snapshot_campaign *c;
    uint32_t us;
    char err[160];

    (void)state;
    s.sets[SNAPSHOT_DIM_COUNTRY].v = countries;
    s.sets[SNAPSHOT_DIM_COUNTRY].n = 3;
    s.advertiser_domain = "Brand.EXAMPLE";
    assert_int_equal(snapshot_builder_add_campaign(b, &s, err, sizeof(err)), 0);
    assert_int_equal(snapshot_builder_finish(b, 0, &snap, err, sizeof(err)), 0);
    c = snapshot_campaign(snap, 0);
    assert_int_equal(c->sets[SNAPSHOT_DIM_COUNTRY].n, 2);
    us = snapshot_intern_find(snap, "uS", 2);
    assert_true(us != SNAPSHOT_NO_ID);
    assert_true(snapshot_set_has(&c->sets[SNAPSHOT_DIM_COUNTRY], us));
    assert_true(
        snapshot_set_has(&c->sets[SNAPSHOT_DIM_COUNTRY], snapshot_intern_find(snap, "CA", 2)));
    assert_true(snapshot_intern_find(snap, "fr", 2) == SNAPSHOT_NO_ID);
    /* Length, not the NUL, ends the value. */
    assert_true(snapshot_intern_find(snap, "usa", 2) == us);
    assert_string_equal(snapshot_intern_text(snap, us), "us");
    assert_string_equal(c->advertiser_domain, "brand.example");
    assert_true(c->domain_id == snapshot_intern_find(snap, "BRAND.example", 13));
    snapshot_free(snap);
    snapshot_builder_free(b);
}

static void test_snapshot_category_parents_and_exclusions(void **state)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot_campaign_spec s = spec("a");
    const char *const cats[] = {"IAB2-3", "IAB19"};
    struct snapshot *snap;
    const struct snapshot_campaign *c;
    uint32_t iab2, iab2_3, iab19, iab7;
    char err[160];

    (void)state;
    s.categories.v = cats;
    s.categories.n = 2;
    assert_int_equal(snapshot_builder_add_campaign(b, &s, err, sizeof(err)), 0);
    assert_int_equal(snapshot_builder_exclude(b, "IAB2", "IAB2", err, sizeof(err)), 0);
    assert_int_equal(snapshot_builder_exclude(b, "IAB19", "IAB7", err, sizeof(err)), 0);
    assert_int_equal(snapshot_builder_exclude(b, "", "IAB7", err, sizeof(err)), -1);
    assert_int_equal(snapshot_builder_finish(b, 0, &snap, err, sizeof(err)), 0);
    c = snapshot_campaign(snap, 0);
    iab2 = snapshot_intern_find(snap, "iab2", 4);
    iab2_3 = snapshot_intern_find(snap, "IAB2-3", 6);
    iab19 = snapshot_intern_find(snap, "IAB19", 5);
    iab7 = snapshot_intern_find(snap, "IAB7", 4);
    assert_int_equal(c->n_categories, 3); /* IAB2-3, its parent IAB2, IAB19 */
    assert_int_equal(c->n_category_names, 2);
    assert_string_equal(c->category_names[0], "IAB2-3");
    assert_true(snapshot_excludes(snap, iab2, iab2));
    assert_true(snapshot_excludes(snap, iab7, iab19));
    assert_true(snapshot_excludes(snap, iab19, iab7));
    assert_false(snapshot_excludes(snap, iab2_3, iab2_3));
    assert_false(snapshot_excludes(snap, iab2, iab19));
    snapshot_free(snap);
    snapshot_builder_free(b);
}

static struct snapshot *tiny_snapshot(int64_t stamp)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot_campaign_spec s = spec("a");
    struct snapshot *snap = NULL;
    char err[160];

    if (snapshot_builder_add_campaign(b, &s, err, sizeof(err)) != 0 ||
        snapshot_builder_finish(b, stamp, &snap, err, sizeof(err)) != 0)
        fail_msg("build: %s", err);
    snapshot_builder_free(b);
    return snap;
}

struct race {
    struct snapshot_holder *h;
    atomic_int stop;
    atomic_long reads;
};

static void *reader(void *arg)
{
    struct race *r = arg;
    int64_t last = -1;

    while (!atomic_load(&r->stop)) {
        struct snapshot *s = snapshot_acquire(r->h);
        if (s == NULL)
            continue;
        /* Publishes are ordered: a reader never goes back in time. */
        if (snapshot_built_ms(s) < last || snapshot_campaign_count(s) != 1)
            abort();
        last = snapshot_built_ms(s);
        snapshot_release(s);
        atomic_fetch_add(&r->reads, 1);
    }
    return NULL;
}

static void test_snapshot_holder_publish_while_reading(void **state)
{
    struct snapshot_holder h;
    struct race r;
    pthread_t t[4];
    struct snapshot *s;
    int64_t v;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    assert_null(snapshot_acquire(&h));
    r.h = &h;
    atomic_init(&r.stop, 0);
    atomic_init(&r.reads, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, reader, &r), 0);
    /* At least 2,000 publishes, and until readers overlapped them (valgrind serialises). */
    for (v = 1; v <= 2000 || (atomic_load(&r.reads) < 2000 && v < 1000000); v++)
        snapshot_publish(&h, tiny_snapshot(v));
    atomic_store(&r.stop, 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_true(atomic_load(&r.reads) >= 2000);
    /* A reference outlives a later publish and the holder itself. */
    s = snapshot_acquire(&h);
    assert_true(snapshot_built_ms(s) == v - 1);
    snapshot_publish(&h, tiny_snapshot(v));
    snapshot_holder_release(&h);
    assert_int_equal(snapshot_campaign_count(s), 1);
    snapshot_release(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_builder_rejects_bad_campaigns),
        cmocka_unit_test(test_snapshot_builder_rejects_bad_creatives),
        cmocka_unit_test(test_snapshot_creatives_grouped_by_campaign),
        cmocka_unit_test(test_snapshot_creative_media_files_copied),
        cmocka_unit_test(test_snapshot_interning_folds_case_and_dedups),
        cmocka_unit_test(test_snapshot_category_parents_and_exclusions),
        cmocka_unit_test(test_snapshot_holder_publish_while_reading),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
