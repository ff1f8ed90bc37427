/*
 * test_catalog: the catalog builder against a real PostgreSQL (DATABASE_URL,
 * migrated by tests/run.sh; skipped when unset). Inserts a campaign with
 * serving, targeting, caps and a creative, plus one with an unknown time
 * zone, starts the catalog thread and checks the published snapshot, then
 * updates a row and expects the NOTIFY path to publish it within 1 s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/app.h"
#include "decision/catalog.h"
#include "core/config.h"
#include "decision/snapshot.h"
#include "tests/unit/pg_sql.h"

struct fixture {
    PGconn *pg;
    char user_id[64];
    char good_id[64];
    char bad_id[64];
    char creative_id[64];
    int excl_inserted;
};

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
    const char *url = getenv("DATABASE_URL");
    struct fixture *f;
    char email[128], flag[8];
    const char *p[2];

    if (url == NULL || url[0] == '\0') {
        *state = NULL;
        return 0;
    }
    f = calloc(1, sizeof(*f));
    assert_non_null(f);
    *state = f;
    f->pg = PQconnectdb(url);
    assert_int_equal(PQstatus(f->pg), CONNECTION_OK);
    snprintf(email, sizeof(email), "catalog-test-%ld-%ld@example.com", (long)getpid(),
             (long)time(NULL));
    p[0] = email;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO users (email, password_hash, name) VALUES ($1, 'x', 'cat')"
                         " RETURNING id",
                         1, p, f->user_id, sizeof(f->user_id)),
                     0);
    p[0] = f->user_id;
    assert_int_equal(
        sql(f->pg,
            "INSERT INTO campaigns (name, status, budget_total, budget_spent, start_date,"
            " end_date, created_by, pricing_model, cpm_rate) VALUES ('cat good', 'active',"
            " 1234.56, 10.01, now() - interval '1 day', now() + interval '10 days', $1, 'cpm',"
            " 12.34) RETURNING id",
            1, p, f->good_id, sizeof(f->good_id)),
        0);
    assert_int_equal(sql(f->pg,
                         "INSERT INTO campaigns (name, status, budget_total, start_date,"
                         " end_date, created_by, pricing_model) VALUES ('cat bad zone', 'active',"
                         " 100, now() - interval '1 day', now() + interval '10 days', $1, 'flat')"
                         " RETURNING id",
                         1, p, f->bad_id, sizeof(f->bad_id)),
                     0);
    p[0] = f->good_id;
    p[1] = f->user_id;
    assert_int_equal(
        sql(f->pg,
            "INSERT INTO campaign_serving (campaign_id, priority, weight, pacing_mode, time_zone,"
            " advertiser_domain, iab_categories, click_through_url) VALUES ($1, 3, 250, 'asap',"
            " 'Europe/Berlin', 'example.com', '{IAB2-3,IAB26-4}', 'https://example.com/c')",
            1, p, NULL, 0),
        0);
    assert_int_equal(sql(f->pg,
                         "INSERT INTO campaign_targeting (campaign_id, countries, device_types,"
                         " livestream, dayparts) VALUES ($1, '{US,CA}', '{ctv}', 'never',"
                         " '{0,16777215,0,0,0,0,1}')",
                         1, p, NULL, 0),
                     0);
    assert_int_equal(sql(f->pg,
                         "INSERT INTO campaign_caps (campaign_id, per_hour, per_week)"
                         " VALUES ($1, 2, 10)",
                         1, p, NULL, 0),
                     0);
    assert_int_equal(sql(f->pg,
                         "INSERT INTO creatives (campaign_id, name, video_url, duration, width,"
                         " height, status, uploaded_by) VALUES ($1, 'spot',"
                         " 'http://cdn.example.com/spot.mp4', 15, 1920, 1080, 'active', $2)"
                         " RETURNING id",
                         2, p, f->creative_id, sizeof(f->creative_id)),
                     0);
    p[0] = f->bad_id;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO campaign_serving (campaign_id, time_zone)"
                         " VALUES ($1, 'Mars/Olympus_Mons')",
                         1, p, NULL, 0),
                     0);
    assert_int_equal(sql(f->pg,
                         "WITH i AS (INSERT INTO iab_category_exclusions VALUES"
                         " ('IAB26-4', 'IAB26-4') ON CONFLICT DO NOTHING RETURNING 1)"
                         " SELECT count(*) FROM i",
                         0, NULL, flag, sizeof(flag)),
                     0);
    f->excl_inserted = strcmp(flag, "1") == 0;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *p[1];

    if (f == NULL)
        return 0;
    p[0] = f->good_id;
    if (f->good_id[0] != '\0')
        (void)sql(f->pg, "DELETE FROM campaigns WHERE id = $1", 1, p, NULL, 0);
    p[0] = f->bad_id;
    if (f->bad_id[0] != '\0')
        (void)sql(f->pg, "DELETE FROM campaigns WHERE id = $1", 1, p, NULL, 0);
    p[0] = f->user_id;
    if (f->user_id[0] != '\0')
        (void)sql(f->pg, "DELETE FROM users WHERE id = $1", 1, p, NULL, 0);
    if (f->excl_inserted)
        (void)sql(f->pg,
                  "DELETE FROM iab_category_exclusions WHERE category_a = 'IAB26-4'"
                  " AND category_b = 'IAB26-4'",
                  0, NULL, NULL, 0);
    PQfinish(f->pg);
    free(f);
    return 0;
}

/* Wait up to limit_ms for the published campaign id to have weight w (0: any). */
static int wait_for(struct snapshot_holder *h, const char *id, uint32_t w, int64_t limit_ms)
{
    int64_t end = mono_ms() + limit_ms;

    for (;;) {
        struct snapshot *s = snapshot_acquire(h);
        uint32_t i;
        int found = 0;

        if (s != NULL && snapshot_campaign_find(s, id, &i) == 0)
            found = w == 0 || snapshot_campaign(s, i)->weight == w;
        snapshot_release(s);
        if (found)
            return 0;
        if (mono_ms() >= end)
            return -1;
        usleep(10 * 1000);
    }
}

static void test_catalog_build_and_notify(void **state)
{
    struct fixture *f = *state;
    struct config cfg;
    struct app app;
    struct snapshot_holder h;
    struct catalog *c;
    struct catalog_stats st;
    struct snapshot *s;
    const struct snapshot_campaign *sc;
    const struct snapshot_creative *cr;
    uint32_t i, id;
    int64_t t0, took;
    char err[256];
    const char *p[1];

    if (f == NULL)
        skip();
    memset(&cfg, 0, sizeof(cfg));
    memset(&app, 0, sizeof(app));
    cfg.database_url = getenv("DATABASE_URL");
    cfg.catalog_refresh_s = 30;
    app.cfg = &cfg;
    assert_int_equal(snapshot_holder_init(&h), 0);
    c = catalog_start(&app, &h, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(wait_for(&h, f->good_id, 0, 10000), 0);

    s = snapshot_acquire(&h);
    assert_non_null(s);
    assert_int_equal(snapshot_campaign_find(s, f->good_id, &i), 0);
    assert_int_equal(snapshot_campaign_find(s, f->bad_id, &id), -1); /* unknown zone: skipped */
    sc = snapshot_campaign(s, i);
    assert_string_equal(sc->owner_id, f->user_id);
    assert_int_equal(sc->status, SNAPSHOT_STATUS_ACTIVE);
    assert_int_equal(sc->pricing, SNAPSHOT_PRICING_CPM);
    assert_int_equal(sc->rate_micros, 12340000);
    assert_int_equal(sc->budget_total_micros, 1234560000);
    assert_int_equal(sc->budget_spent_micros, 10010000);
    assert_int_equal(sc->priority, 3);
    assert_int_equal(sc->weight, 250);
    assert_int_equal(sc->pacing, SNAPSHOT_PACING_ASAP);
    assert_string_equal(sc->time_zone, "Europe/Berlin");
    assert_non_null(sc->zone);
    assert_string_equal(sc->advertiser_domain, "example.com");
    assert_string_equal(sc->click_url, "https://example.com/c");
    assert_int_equal(sc->n_category_names, 2);
    assert_int_equal(sc->livestream, SNAPSHOT_LIVE_NEVER);
    assert_int_equal(sc->daypart[0], 0);
    assert_int_equal(sc->daypart[1], 16777215);
    assert_int_equal(sc->daypart[6], 1);
    assert_true(sc->has_daypart);
    assert_int_equal(sc->caps.per_hour, 2);
    assert_int_equal(sc->caps.per_day, 0);
    assert_int_equal(sc->caps.per_week, 10);
    assert_int_equal(sc->sets[SNAPSHOT_DIM_COUNTRY].n, 2);
    id = snapshot_intern_find(s, "ca", 2);
    assert_true(id != SNAPSHOT_NO_ID);
    assert_true(snapshot_set_has(&sc->sets[SNAPSHOT_DIM_COUNTRY], id));
    assert_int_equal(sc->sets[SNAPSHOT_DIM_DEVICE_TYPE].n, 1);
    assert_int_equal(sc->sets[SNAPSHOT_DIM_REGION].n, 0);
    id = snapshot_intern_find(s, "IAB26-4", 7);
    assert_true(id != SNAPSHOT_NO_ID);
    assert_int_equal(snapshot_excludes(s, id, id), 1);
    assert_int_equal(sc->n_creatives, 1);
    assert_int_equal(sc->n_active_creatives, 1);
    cr = snapshot_creative(s, sc->first_creative);
    assert_string_equal(cr->id, f->creative_id);
    assert_int_equal(cr->status, SNAPSHOT_CREATIVE_ACTIVE);
    assert_int_equal(cr->duration_ms, 15000);
    assert_string_equal(cr->media_url, "http://cdn.example.com/spot.mp4"); /* no storage */
    assert_string_equal(cr->mime, "video/mp4");
    assert_int_equal(cr->width, 1920);
    assert_int_equal(cr->height, 1080);
    snapshot_release(s);

    /* NOTIFY path: the refresh interval is 30 s, so only the trigger can do this. */
    p[0] = f->good_id;
    t0 = mono_ms();
    assert_int_equal(sql(f->pg, "UPDATE campaign_serving SET weight = 777 WHERE campaign_id = $1",
                         1, p, NULL, 0),
                     0);
    assert_int_equal(wait_for(&h, f->good_id, 777, 1000), 0);
    took = mono_ms() - t0;
    assert_true(took <= 1000);

    /* Outage: the server drops the LISTEN connection; the snapshot stays, the thread
     * reconnects and the next change still arrives. */
    assert_int_equal(sql(f->pg,
                         "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         " WHERE application_name = 'adserverd-catalog'"
                         " AND pid <> pg_backend_pid()",
                         0, NULL, NULL, 0),
                     0);
    assert_int_equal(wait_for(&h, f->good_id, 777, 0), 0);
    t0 = mono_ms();
    for (;;) {
        catalog_stats(c, &st);
        if (st.connected && st.failures > 0)
            break;
        assert_true(mono_ms() - t0 < 5000);
        usleep(10 * 1000);
    }
    assert_int_equal(sql(f->pg, "UPDATE campaign_serving SET weight = 778 WHERE campaign_id = $1",
                         1, p, NULL, 0),
                     0);
    assert_int_equal(wait_for(&h, f->good_id, 778, 1000), 0);

    /* A campaign paused leaves the catalog. */
    assert_int_equal(
        sql(f->pg, "UPDATE campaigns SET status = 'paused' WHERE id = $1", 1, p, NULL, 0), 0);
    t0 = mono_ms();
    for (;;) {
        int gone;
        s = snapshot_acquire(&h);
        gone = snapshot_campaign_find(s, f->good_id, &i) != 0;
        snapshot_release(s);
        if (gone)
            break;
        assert_true(mono_ms() - t0 < 1000);
        usleep(10 * 1000);
    }

    catalog_stats(c, &st);
    assert_true(st.builds >= 3);
    assert_true(st.connected);
    assert_true(st.last_built_at_ms > 0);
    t0 = mono_ms();
    catalog_stop(c);
    assert_true(mono_ms() - t0 < 1000); /* woken by the eventfd, not the refresh timer */
    snapshot_holder_release(&h);
}

static void test_catalog_start_needs_url(void **state)
{
    struct config cfg;
    struct app app;
    struct snapshot_holder h;
    char err[256] = "";

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    memset(&app, 0, sizeof(app));
    app.cfg = &cfg;
    assert_int_equal(snapshot_holder_init(&h), 0);
    assert_null(catalog_start(&app, &h, err, sizeof(err)));
    assert_true(err[0] != '\0');
    catalog_stop(NULL);
    snapshot_holder_release(&h);
}

/* A database that is down at start: no snapshot, failures counted, prompt stop. */
static void test_catalog_database_down(void **state)
{
    struct config cfg;
    struct app app;
    struct snapshot_holder h;
    struct catalog_stats st;
    struct catalog *c;
    char err[256];
    int64_t t0;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    memset(&app, 0, sizeof(app));
    cfg.database_url = (char *)"postgresql://127.0.0.1:1/none?connect_timeout=1";
    app.cfg = &cfg;
    assert_int_equal(snapshot_holder_init(&h), 0);
    c = catalog_start(&app, &h, err, sizeof(err));
    assert_non_null(c);
    t0 = mono_ms();
    do {
        catalog_stats(c, &st);
        if (st.failures > 0)
            break;
        usleep(10 * 1000);
    } while (mono_ms() - t0 < 3000);
    assert_true(st.failures > 0);
    assert_int_equal(st.connected, 0);
    assert_int_equal(st.builds, 0);
    assert_null(snapshot_acquire(&h));
    t0 = mono_ms();
    catalog_stop(c);
    assert_true(mono_ms() - t0 < 1000);
    snapshot_holder_release(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_catalog_build_and_notify, setup, teardown),
        cmocka_unit_test(test_catalog_start_needs_url),
        cmocka_unit_test(test_catalog_database_down),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
