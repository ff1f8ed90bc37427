/*
 * test_db_beacons: the drain's money statements of adserverd/db/db_beacons
 * against a real PostgreSQL (DATABASE_URL, skipped when unset). Spend is
 * counted in micro-units; the contract's budget_spent and daily
 * spend_amount follow it in cents and never pass budget_total; what goes
 * past the budget is recorded as overspend (each batch its own excess). Rows of one
 * campaign and day in one batch are summed before they are applied.
 * The fixture owns one user and one campaign (budget 0.02, i.e. 20000
 * micro-units); everything else cascades from the campaign.
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

#include "db/db.h"
#include "db/db_beacons.h"
#include "tests/unit/pg_sql.h"

struct fixture {
    struct db_pool *pool;
    PGconn *pg;
    char user_id[64];
    char campaign_id[64];
    char day[16];
};

static int setup(void **state)
{
    const char *url = getenv("DATABASE_URL");
    static int serial;
    struct fixture *f;
    char email[128];
    const char *p[1];
    time_t now = time(NULL);
    struct tm tm;

    *state = NULL;
    if (url == NULL || url[0] == '\0')
        return 0;
    f = calloc(1, sizeof(*f));
    assert_non_null(f);
    *state = f;
    f->pg = PQconnectdb(url);
    assert_int_equal(PQstatus(f->pg), CONNECTION_OK);
    f->pool = db_pool_new(url, 1);
    gmtime_r(&now, &tm);
    strftime(f->day, sizeof(f->day), "%Y-%m-%d", &tm);
    snprintf(email, sizeof(email), "db-beacons-%ld-%ld-%d@example.com", (long)getpid(),
             (long)now, ++serial);
    p[0] = email;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO users (email, password_hash, name) VALUES ($1, 'x', 'dbb')"
                         " RETURNING id",
                         1, p, f->user_id, sizeof(f->user_id)),
                     0);
    p[0] = f->user_id;
    assert_int_equal(sql(f->pg,
                         "INSERT INTO campaigns (name, status, budget_total, start_date, end_date,"
                         " created_by, pricing_model, cpm_rate) VALUES ('dbb', 'active', 0.02,"
                         " now(), now() + interval '1 day', $1, 'cpm', 10) RETURNING id",
                         1, p, f->campaign_id, sizeof(f->campaign_id)),
                     0);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *p[1];

    if (f == NULL)
        return 0;
    p[0] = f->campaign_id;
    if (f->campaign_id[0] != '\0')
        (void)sql(f->pg, "DELETE FROM campaigns WHERE id = $1", 1, p, NULL, 0);
    p[0] = f->user_id;
    if (f->user_id[0] != '\0')
        (void)sql(f->pg, "DELETE FROM users WHERE id = $1", 1, p, NULL, 0);
    db_pool_free(f->pool);
    PQfinish(f->pg);
    free(f);
    return 0;
}

/* One drain batch of spend: micros[0..n) for the campaign today. */
static void spend(struct fixture *f, const long long *micros, int n)
{
    char camps[512] = "{", days[256] = "{", ms[256] = "{";
    const char *p[3] = {camps, days, ms};
    struct db_conn *c = db_acquire(f->pool, 5000);
    char st[6] = "";
    PGresult *r;

    for (int i = 0; i < n; i++) {
        const char *sep = i + 1 < n ? "," : "}";
        size_t l;

        l = strlen(camps);
        snprintf(camps + l, sizeof(camps) - l, "%s%s", f->campaign_id, sep);
        l = strlen(days);
        snprintf(days + l, sizeof(days) - l, "%s%s", f->day, sep);
        l = strlen(ms);
        snprintf(ms + l, sizeof(ms) - l, "%lld%s", micros[i], sep);
    }
    assert_non_null(c);
    r = db_beacons_spend(c, p, st);
    if (r == NULL)
        fail_msg("db_beacons_spend: sqlstate %s", st);
    assert_int_equal(PQntuples(r), 1); /* one campaign and day: summed first */
    PQclear(r);
    db_release(f->pool, c);
}

static void value(struct fixture *f, const char *q, char *out, size_t n)
{
    const char *p[1] = {f->campaign_id};

    out[0] = '\0';
    assert_int_equal(sql(f->pg, q, 1, p, out, n), 0);
}

static void test_db_beacons_spend_capped_at_budget(void **state)
{
    struct fixture *f = *state;
    const long long first[] = {5000, 10000}; /* 15000 of 20000 */
    const long long second[] = {15000};      /* 30000: 10000 past the budget */
    const long long third[] = {1000};
    char v[64];

    if (f == NULL)
        skip();
    spend(f, first, 2);
    value(f, "SELECT budget_spent FROM campaigns WHERE id = $1", v, sizeof(v));
    assert_string_equal(v, "0.01"); /* 15000 micro-units: cents rounded down */
    value(f, "SELECT count(*) FROM campaign_overspend WHERE campaign_id = $1", v, sizeof(v));
    assert_string_equal(v, "0");

    spend(f, second, 1);
    value(f, "SELECT spent_micros || ' ' || billable_micros || ' ' || overspend_micros"
             " FROM campaign_spend WHERE campaign_id = $1",
          v, sizeof(v));
    assert_string_equal(v, "30000 20000 10000");
    value(f, "SELECT budget_spent FROM campaigns WHERE id = $1", v, sizeof(v));
    assert_string_equal(v, "0.02"); /* never above budget_total */
    value(f, "SELECT spend_amount FROM campaign_daily_stats WHERE campaign_id = $1", v,
          sizeof(v));
    assert_string_equal(v, "0.02");
    value(f, "SELECT count(*) || ' ' || sum(overspend_micros) FROM campaign_overspend"
             " WHERE campaign_id = $1",
          v, sizeof(v));
    assert_string_equal(v, "1 10000");

    spend(f, third, 1); /* further spend past the budget is a new overspend record */
    value(f, "SELECT count(*) || ' ' || sum(overspend_micros) FROM campaign_overspend"
             " WHERE campaign_id = $1",
          v, sizeof(v));
    assert_string_equal(v, "2 11000");
    value(f, "SELECT budget_spent FROM campaigns WHERE id = $1", v, sizeof(v));
    assert_string_equal(v, "0.02");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_db_beacons_spend_capped_at_budget, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
