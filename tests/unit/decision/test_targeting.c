/*
 * Unit tests for adserverd/targeting: every string dimension (listed value
 * matches without case, other and missing values fail and are reported as
 * that dimension), empty sets, the livestream tri-state, and day-parting in
 * the campaign's zone across local midnight and a DST change. Day-part tests
 * need /usr/share/zoneinfo and are skipped without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "util/isodate.h"
#include "decision/snapshot.h"
#include "decision/targeting.h"

static int64_t at(const char *iso)
{
    int64_t ms = 0;

    if (isodate_parse(iso, strlen(iso), &ms) != 0)
        fail_msg("bad instant %s", iso);
    return ms;
}

static struct snapshot_campaign_spec spec(const char *id)
{
    struct snapshot_campaign_spec s;

    memset(&s, 0, sizeof(s));
    s.id = id;
    s.status = SNAPSHOT_STATUS_ACTIVE;
    s.end_ms = INT64_C(4102444800000);
    s.budget_total_micros = 1000000;
    s.priority = 1;
    s.weight = 1;
    return s;
}

/* A snapshot of one campaign; freed by the caller with snapshot_free(). */
static struct snapshot *one(const struct snapshot_campaign_spec *s)
{
    struct snapshot_builder *b = snapshot_builder_new(NULL);
    struct snapshot *snap = NULL;
    char err[160] = "";

    if (snapshot_builder_add_campaign(b, s, err, sizeof(err)) != 0 ||
        snapshot_builder_finish(b, 0, &snap, err, sizeof(err)) != 0)
        fail_msg("build: %s", err);
    snapshot_builder_free(b);
    return snap;
}

/* Point the request's field for dimension d at v. */
static void set_dim(struct targeting_request *r, enum snapshot_dim d, const char *v)
{
    const char **f[SNAPSHOT_NDIMS] = {
        [SNAPSHOT_DIM_COUNTRY] = &r->country,
        [SNAPSHOT_DIM_REGION] = &r->region,
        [SNAPSHOT_DIM_DMA] = &r->dma,
        [SNAPSHOT_DIM_DEVICE_TYPE] = &r->device_type,
        [SNAPSHOT_DIM_OS] = &r->os,
        [SNAPSHOT_DIM_APP_BUNDLE] = &r->app_bundle,
        [SNAPSHOT_DIM_CONTENT_GENRE] = &r->content_genre,
        [SNAPSHOT_DIM_CONTENT_RATING] = &r->content_rating,
        [SNAPSHOT_DIM_CONTENT_CATEGORY] = &r->content_category,
    };
    *f[d] = v;
}

static enum targeting_result run(const struct snapshot *snap, const struct targeting_request *r,
                                 enum snapshot_dim *dim)
{
    struct targeting_keys k;

    targeting_resolve(snap, r, &k);
    return targeting_match(snapshot_campaign(snap, 0), &k, dim);
}

/* Campaign targets {"Alpha", "beta"} on d only; every other dimension is open. */
static void check_dimension(enum snapshot_dim d)
{
    const char *const values[] = {"Alpha", "beta"};
    struct snapshot_campaign_spec s = spec("c");
    struct targeting_request r;
    struct snapshot *snap;
    enum snapshot_dim dim = SNAPSHOT_NDIMS;

    s.sets[d].v = values;
    s.sets[d].n = 2;
    snap = one(&s);
    memset(&r, 0, sizeof(r));
    /* Values on the other dimensions do not matter. */
    for (int o = 0; o < SNAPSHOT_NDIMS; o++) {
        if (o != (int)d)
            set_dim(&r, (enum snapshot_dim)o, "whatever");
    }
    set_dim(&r, d, "BETA");
    assert_int_equal(run(snap, &r, &dim), TARGETING_MATCH);
    set_dim(&r, d, "alpha");
    assert_int_equal(run(snap, &r, &dim), TARGETING_MATCH);
    set_dim(&r, d, "gamma");
    assert_int_equal(run(snap, &r, &dim), TARGETING_FAIL_DIM);
    assert_int_equal(dim, d);
    dim = SNAPSHOT_NDIMS;
    set_dim(&r, d, NULL);
    assert_int_equal(run(snap, &r, &dim), TARGETING_FAIL_DIM);
    assert_int_equal(dim, d);
    set_dim(&r, d, "");
    assert_int_equal(run(snap, &r, &dim), TARGETING_FAIL_DIM);
    snapshot_free(snap);
}

static void test_targeting_match_country(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_COUNTRY);
}

static void test_targeting_match_region(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_REGION);
}

static void test_targeting_match_dma(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_DMA);
}

static void test_targeting_match_device_type(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_DEVICE_TYPE);
}

static void test_targeting_match_os(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_OS);
}

static void test_targeting_match_app_bundle(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_APP_BUNDLE);
}

static void test_targeting_match_content_genre(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_CONTENT_GENRE);
}

static void test_targeting_match_content_rating(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_CONTENT_RATING);
}

static void test_targeting_match_content_category(void **state)
{
    (void)state;
    check_dimension(SNAPSHOT_DIM_CONTENT_CATEGORY);
}

static void test_targeting_match_empty_sets_match_anything(void **state)
{
    struct snapshot_campaign_spec s = spec("c");
    struct snapshot *snap = one(&s);
    struct targeting_request r;

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(run(snap, &r, NULL), TARGETING_MATCH);
    r.country = "zz";
    r.os = "anything";
    r.livestream = TARGETING_LIVE_YES;
    assert_int_equal(run(snap, &r, NULL), TARGETING_MATCH);
    snapshot_free(snap);
}

static void test_targeting_match_reports_first_failing_dimension(void **state)
{
    const char *const us[] = {"US"}, *const roku[] = {"roku"};
    struct snapshot_campaign_spec s = spec("c");
    struct targeting_request r;
    struct snapshot *snap;
    enum snapshot_dim dim;

    (void)state;
    s.sets[SNAPSHOT_DIM_COUNTRY].v = us, s.sets[SNAPSHOT_DIM_COUNTRY].n = 1;
    s.sets[SNAPSHOT_DIM_OS].v = roku, s.sets[SNAPSHOT_DIM_OS].n = 1;
    snap = one(&s);
    memset(&r, 0, sizeof(r));
    r.country = "fr";
    r.os = "tvos";
    assert_int_equal(run(snap, &r, &dim), TARGETING_FAIL_DIM);
    assert_int_equal(dim, SNAPSHOT_DIM_COUNTRY);
    r.country = "us";
    assert_int_equal(run(snap, &r, &dim), TARGETING_FAIL_DIM);
    assert_int_equal(dim, SNAPSHOT_DIM_OS);
    assert_string_equal(targeting_dim_name(dim), "os");
    snapshot_free(snap);
}

static void test_targeting_match_livestream_tristate(void **state)
{
    /* rows: campaign ANY, ONLY, NEVER; columns: request UNKNOWN, YES, NO */
    static const int want[3][3] = {{1, 1, 1}, {0, 1, 0}, {0, 0, 1}};
    struct targeting_request r;

    (void)state;
    memset(&r, 0, sizeof(r));
    for (int c = 0; c < 3; c++) {
        struct snapshot_campaign_spec s = spec("c");
        struct snapshot *snap;
        s.livestream = (enum snapshot_live)c;
        snap = one(&s);
        for (int q = 0; q < 3; q++) {
            r.livestream = (enum targeting_live)q;
            enum targeting_result got = run(snap, &r, NULL);
            if (got != (want[c][q] ? TARGETING_MATCH : TARGETING_FAIL_LIVESTREAM))
                fail_msg("campaign %d request %d: got %d", c, q, got);
        }
        snapshot_free(snap);
    }
}

static int have_zoneinfo(void)
{
    return access("/usr/share/zoneinfo/America/New_York", R_OK) == 0;
}

static void test_targeting_daypart_across_local_midnight(void **state)
{
    struct snapshot_campaign_spec s = spec("c");
    struct targeting_request r;
    struct snapshot *snap;

    (void)state;
    if (!have_zoneinfo())
        skip();
    /* Tokyo, Friday 23:00-23:59 and Saturday 00:00-00:59 local. */
    s.time_zone = "Asia/Tokyo";
    s.daypart[5] = 1u << 23;
    s.daypart[6] = 1u << 0;
    snap = one(&s);
    memset(&r, 0, sizeof(r));
    r.now_ms = at("2025-01-03T14:30:00Z"); /* Fri 23:30 JST */
    assert_int_equal(run(snap, &r, NULL), TARGETING_MATCH);
    r.now_ms = at("2025-01-03T15:30:00Z"); /* Sat 00:30 JST */
    assert_int_equal(run(snap, &r, NULL), TARGETING_MATCH);
    r.now_ms = at("2025-01-03T16:00:00Z"); /* Sat 01:00 JST */
    assert_int_equal(run(snap, &r, NULL), TARGETING_FAIL_DAYPART);
    r.now_ms = at("2025-01-03T13:59:59Z"); /* Fri 22:59 JST */
    assert_int_equal(run(snap, &r, NULL), TARGETING_FAIL_DAYPART);
    /* Saturday 23:00 is not Friday 23:00: the day of week matters. */
    r.now_ms = at("2025-01-04T14:30:00Z");
    assert_int_equal(run(snap, &r, NULL), TARGETING_FAIL_DAYPART);
    snapshot_free(snap);
}

static void test_targeting_daypart_follows_dst(void **state)
{
    struct snapshot_campaign_spec s = spec("c");
    struct targeting_request r;
    struct snapshot *snap;

    (void)state;
    if (!have_zoneinfo())
        skip();
    /* New York, Sundays 09:00-09:59 local. */
    s.time_zone = "America/New_York";
    s.daypart[0] = 1u << 9;
    snap = one(&s);
    memset(&r, 0, sizeof(r));
    /* Sunday 2 March 2025, EST (UTC-5): 09:00 local = 14:00Z. */
    r.now_ms = at("2025-03-02T14:15:00Z");
    assert_int_equal(run(snap, &r, NULL), TARGETING_MATCH);
    r.now_ms = at("2025-03-02T13:15:00Z");
    assert_int_equal(run(snap, &r, NULL), TARGETING_FAIL_DAYPART);
    /* Sunday 9 March 2025, DST began at 02:00: 09:00 EDT = 13:00Z. */
    r.now_ms = at("2025-03-09T13:15:00Z");
    assert_int_equal(run(snap, &r, NULL), TARGETING_MATCH);
    r.now_ms = at("2025-03-09T14:15:00Z");
    assert_int_equal(run(snap, &r, NULL), TARGETING_FAIL_DAYPART);
    /* The same UTC hour on a UTC campaign would have matched: the zone is what counts. */
    snapshot_free(snap);
    s.time_zone = "UTC";
    s.daypart[0] = 1u << 14;
    snap = one(&s);
    assert_int_equal(run(snap, &r, NULL), TARGETING_MATCH);
    snapshot_free(snap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targeting_match_country),
        cmocka_unit_test(test_targeting_match_region),
        cmocka_unit_test(test_targeting_match_dma),
        cmocka_unit_test(test_targeting_match_device_type),
        cmocka_unit_test(test_targeting_match_os),
        cmocka_unit_test(test_targeting_match_app_bundle),
        cmocka_unit_test(test_targeting_match_content_genre),
        cmocka_unit_test(test_targeting_match_content_rating),
        cmocka_unit_test(test_targeting_match_content_category),
        cmocka_unit_test(test_targeting_match_empty_sets_match_anything),
        cmocka_unit_test(test_targeting_match_reports_first_failing_dimension),
        cmocka_unit_test(test_targeting_match_livestream_tristate),
        cmocka_unit_test(test_targeting_daypart_across_local_midnight),
        cmocka_unit_test(test_targeting_daypart_follows_dst),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
