/*
 * test_spool_drain: the spool-to-PostgreSQL drain against a real
 * PostgreSQL (DATABASE_URL, migrated by tests/run.sh; skipped when unset)
 * and a real spool in a temporary folder, with the configuration an
 * operator gets (config_load without flags: drain_batch, spool sizes and
 * fsync window at their defaults).
 *
 * What money depends on: a valid impression makes one raw event, one
 * contract impressions row, one daily count and the campaign's CPM price
 * in campaign_spend; the same record twice in a batch, or replayed in a
 * later batch (what a kill -9 between COMMIT and segment release causes),
 * counts once; an event for an unknown campaign or with a malformed id
 * goes to the dead letters with its reason and blocks nothing. The
 * fixture owns one user, campaign and creative and deletes every row the
 * drain wrote for them.
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
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "beacon/beacon_record.h"
#include "beacon/spool.h"
#include "beacon/spool_drain.h"
#include "core/app.h"
#include "core/config.h"
#include "db/db.h"
#include "lib/clock.h"
#include "util/uuid.h"
#include "tests/unit/pg_sql.h"

struct fixture {
    PGconn *pg;
    char user_id[64];
    char campaign_id[64];
    char creative_id[64];
    char dir[128];
    char event_ids[4][64]; /* dead letters and events to delete */
    int nevents;
    struct config cfg;
    struct spool_opts so;
    struct app app;
    struct spool_drain *drain; /* running, or NULL */
};

/* The first value of q with one parameter, as a number (-1 when there is no row). */
static long long value(struct fixture *f, const char *q, const char *param)
{
    char out[64] = "";
    const char *p[1] = {param};

    if (sql(f->pg, q, 1, p, out, sizeof(out)) != 0)
        return -1;
    return atoll(out);
}

static void make_rows(struct fixture *f)
{
    static int serial;
    char email[128];
    const char *p[2];

    snprintf(email, sizeof(email), "spool-drain-%ld-%ld-%d@example.com", (long)getpid(),
             (long)time(NULL), ++serial);
    p[0] = email;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO users (email, password_hash, name) VALUES ($1, 'x', 'drain')"
                         " RETURNING id",
                         1, p, f->user_id, sizeof(f->user_id)),
                     0);
    p[0] = f->user_id;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO campaigns (name, status, budget_total, start_date, end_date,"
                         " created_by, pricing_model, cpm_rate) VALUES ('drain', 'active', 1000,"
                         " now() - interval '1 day', now() + interval '1 day', $1, 'cpm', 10)"
                         " RETURNING id",
                         1, p, f->campaign_id, sizeof(f->campaign_id)),
                     0);
    p[0] = f->campaign_id;
    p[1] = f->user_id;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO creatives (campaign_id, name, video_url, duration,"
                         " uploaded_by) VALUES ($1, 'spot', 'http://127.0.0.1/spot.mp4', 15, $2)"
                         " RETURNING id",
                         2, p, f->creative_id, sizeof(f->creative_id)),
                     0);
}

static int setup(void **state)
{
    const char *url = getenv("DATABASE_URL");
    char name[] = "test_spool_drain";
    char *argv[] = {name, NULL};
    char **rest = NULL, err[256] = "";
    struct fixture *f;
    int nrest = 0;

    *state = NULL;
    if (url == NULL || url[0] == '\0')
        return 0;
    f = calloc(1, sizeof(*f));
    assert_non_null(f);
    *state = f;
    f->pg = PQconnectdb(url);
    assert_int_equal(PQstatus(f->pg), CONNECTION_OK);
    make_rows(f);
    if (config_load(&f->cfg, 1, argv, &rest, &nrest, err, sizeof(err)) != 0)
        fail_msg("config_load: %s", err);
    free(rest); /* the array only; its strings are argv's */
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_spool_drain.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->so.max_bytes = (int64_t)f->cfg.spool_max_mb * 1024 * 1024;
    f->so.segment_bytes = (int64_t)f->cfg.spool_segment_mb * 1024 * 1024;
    f->so.sync_ms = config_spool_sync_ms(&f->cfg);
    f->app.cfg = &f->cfg;
    f->app.db = db_pool_new(url, 2);
    assert_non_null(f->app.db);
    f->app.spool = spool_open(f->dir, &f->so, err, sizeof(err));
    if (f->app.spool == NULL)
        fail_msg("spool_open: %s", err);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *p[1];
    char cmd[160];

    if (f == NULL)
        return 0;
    spool_drain_stop(f->drain); /* still running when an assertion failed */
    spool_free(f->app.spool);
    db_pool_free(f->app.db);
    for (int i = 0; i < f->nevents; i++) {
        p[0] = f->event_ids[i];
        (void)sql(f->pg, "DELETE FROM beacon_dead_letters WHERE event_id = $1", 1, p, NULL, 0);
    }
    p[0] = f->campaign_id;
    if (f->campaign_id[0] != '\0') {
        (void)sql(f->pg, "DELETE FROM beacon_events WHERE campaign_id = $1", 1, p, NULL, 0);
        (void)sql(f->pg, "DELETE FROM impressions WHERE campaign_id = $1", 1, p, NULL, 0);
        (void)sql(f->pg, "DELETE FROM campaigns WHERE id = $1", 1, p, NULL, 0);
    }
    p[0] = f->user_id;
    if (f->user_id[0] != '\0')
        (void)sql(f->pg, "DELETE FROM users WHERE id = $1", 1, p, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (f->dir[0] != '\0' && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    config_release(&f->cfg);
    PQfinish(f->pg);
    free(f);
    return 0;
}

/* An unsigned impression (POST /api/v1/track-impression) of campaign and creative. */
static size_t track_record(const char *campaign, const char *creative, unsigned char *out,
                           char event_id[64])
{
    struct beacon_record r;
    size_t n;

    memset(&r, 0, sizeof(r));
    r.source = BEACON_SRC_TRACK;
    r.type = TRACKURL_IMPRESSION;
    assert_int_equal(getrandom(r.id, sizeof(r.id), 0), (ssize_t)sizeof(r.id));
    r.received_ms = clock_wall_ms();
    r.error_code = -1;
    r.playhead_ms = -1;
    r.s[BEACON_S_CAMPAIGN] = campaign;
    r.slen[BEACON_S_CAMPAIGN] = (uint16_t)strlen(campaign);
    r.s[BEACON_S_CREATIVE] = creative;
    r.slen[BEACON_S_CREATIVE] = (uint16_t)strlen(creative);
    r.s[BEACON_S_DEVICE_TYPE] = "ctv";
    r.slen[BEACON_S_DEVICE_TYPE] = 3;
    r.s[BEACON_S_COUNTRY] = "US";
    r.slen[BEACON_S_COUNTRY] = 2;
    r.s[BEACON_S_IP] = "203.0.113.7";
    r.slen[BEACON_S_IP] = 11;
    r.s[BEACON_S_SESSION] = "session-1";
    r.slen[BEACON_S_SESSION] = 9;
    n = beacon_record_encode(&r, out);
    assert_true(n > 0);
    beacon_record_event_id(&r, event_id);
    return n;
}

static void append(struct fixture *f, const unsigned char *rec, size_t n)
{
    uint64_t seq = 0;

    assert_int_equal(spool_append(f->app.spool, rec, n, &seq), SPOOL_OK);
}

/* Run the drain until the spool is empty (at most 20 s), then stop it. */
static void drain(struct fixture *f)
{
    char err[256] = "";
    int64_t end = clock_mono_ms() + 20000;

    f->drain = spool_drain_start(&f->app, err, sizeof(err));
    if (f->drain == NULL)
        fail_msg("spool_drain_start: %s", err);
    while (spool_drain_pending(f->drain) > 0 && clock_mono_ms() < end)
        usleep(20 * 1000);
    assert_int_equal(spool_drain_pending(f->drain), 0);
    spool_drain_stop(f->drain);
    f->drain = NULL;
}

/* Close and reopen the spool, as a restarted process does: what is on disk is recovered. */
static void reopen(struct fixture *f)
{
    char err[256] = "";

    spool_free(f->app.spool);
    f->app.spool = spool_open(f->dir, &f->so, err, sizeof(err));
    if (f->app.spool == NULL)
        fail_msg("spool_open: %s", err);
}

static void assert_counted_once(struct fixture *f)
{
    assert_int_equal(value(f, "SELECT count(*) FROM beacon_events WHERE campaign_id = $1",
                           f->campaign_id),
                     1);
    assert_int_equal(
        value(f, "SELECT count(*) FROM impressions WHERE campaign_id = $1", f->campaign_id), 1);
    assert_int_equal(value(f,
                           "SELECT sum(impressions_count) FROM campaign_daily_stats"
                           " WHERE campaign_id = $1",
                           f->campaign_id),
                     1);
    /* cpm_rate 10.00 per thousand: 10000 micro-units per impression */
    assert_int_equal(value(f, "SELECT spent_micros FROM campaign_spend WHERE campaign_id = $1",
                           f->campaign_id),
                     10000);
}

static void test_spool_drain_impression_counted_once(void **state)
{
    struct fixture *f = *state;
    unsigned char rec[BEACON_RECORD_MAX];
    char id[64];
    size_t n;

    if (f == NULL)
        skip();
    n = track_record(f->campaign_id, f->creative_id, rec, id);
    append(f, rec, n);
    append(f, rec, n); /* a player's retry inside the same batch */
    drain(f);
    assert_counted_once(f);
    assert_int_equal(value(f, "SELECT count(*) FROM beacon_events WHERE event_id = $1", id), 1);
    assert_int_equal(value(f, "SELECT count(*) FROM beacon_dead_letters WHERE event_id = $1", id),
                     0);

    /* the same record replayed in a later batch by a restarted process, as after a
     * kill -9 between COMMIT and the segment's release */
    reopen(f);
    append(f, rec, n);
    drain(f);
    assert_counted_once(f);
}

static void test_spool_drain_bad_events_dead_lettered(void **state)
{
    struct fixture *f = *state;
    unsigned char rec[BEACON_RECORD_MAX];
    char unknown[37], reason[64] = "";
    const char *p[1];
    size_t n;

    if (f == NULL)
        skip();
    assert_int_equal(uuid_v4(unknown), 0);
    n = track_record(unknown, f->creative_id, rec, f->event_ids[f->nevents++]);
    append(f, rec, n);
    n = track_record("not-a-campaign", f->creative_id, rec, f->event_ids[f->nevents++]);
    append(f, rec, n);
    n = track_record(f->campaign_id, f->creative_id, rec, f->event_ids[f->nevents++]);
    append(f, rec, n); /* the good one in the same batch still counts */
    drain(f);

    p[0] = f->event_ids[0];
    assert_int_equal(sql(f->pg, "SELECT reason FROM beacon_dead_letters WHERE event_id = $1", 1,
                         p, reason, sizeof(reason)),
                     0);
    assert_string_equal(reason, "unknown campaign");
    p[0] = f->event_ids[1];
    assert_int_equal(sql(f->pg, "SELECT reason FROM beacon_dead_letters WHERE event_id = $1", 1,
                         p, reason, sizeof(reason)),
                     0);
    assert_string_equal(reason, "malformed campaign_id");
    assert_int_equal(value(f, "SELECT count(*) FROM beacon_events WHERE event_id = $1",
                           f->event_ids[0]),
                     0);
    assert_counted_once(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_spool_drain_impression_counted_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spool_drain_bad_events_dead_lettered, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
