/*
 * api_series: see api_series.h. parse (id, minutes) -> ownership ->
 * one query for the counts, one for the pacing inputs -> render every
 * minute, zeros included, oldest first.
 */
#include "admin/api_series.h"
#include "admin/api_common.h"
#include "core/app.h"
#include "lib/clock.h"
#include "db/db.h"
#include "db/db_beacons.h"
#include "db/db_campaigns.h"
#include "util/isodate.h"
#include "decision/pacing.h"
#include "http/reply.h"
#include "http/request.h"
#include "util/tz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MINUTES_MAX 1440
#define NOT_FOUND "Campaign not found"

/* The instants here are recent minutes, always inside isodate's 0000-9999. */
static void iso(int64_t ms, char out[ISODATE_SIZE])
{
    if (isodate_format(ms, out) != 0)
        snprintf(out, ISODATE_SIZE, "1970-01-01T00:00:00.000Z");
}


/* minutes: absent -> 60; an integer 1..1440; else -1. */
static int parse_minutes(const char *v)
{
    char *end;
    long n;

    if (v == NULL)
        return 60;
    n = strtol(v, &end, 10);
    if (end == v || *end != '\0' || n < 1 || n > MINUTES_MAX)
        return -1;
    return (int)n;
}

/* Even-pacing target (cumulative micro-units for the campaign's day) at instant t. */
static int64_t target_at(const struct tz_zone *zone, int even, int64_t budget, int64_t spent,
                         int64_t start_ms, int64_t end_ms, int64_t t)
{
    struct pacing_params pp = pacing_params_default();
    struct pacing_input in;
    struct pacing_result pr;
    struct tz_local loc;

    if (!even || zone == NULL)
        return 0;
    tz_local(zone, t, &loc);
    memset(&in, 0, sizeof(in));
    in.mode = PACING_EVEN;
    in.budget_total = budget;
    in.spend.total = spent;
    in.spend.today = 0;
    in.flight_start_ms = start_ms;
    in.flight_end_ms = end_ms;
    in.day_start_ms = tz_day_start(zone, loc.day);
    in.day_end_ms = tz_day_start(zone, loc.day + 1);
    in.now_ms = t;
    if (pacing_evaluate(&pp, &in, &pr) != 0)
        return 0;
    return pr.target;
}

/* The series' query: the window (text, borrowed) and the two results (owned). */
struct series_query {
    struct request *req;
    const char *id, *from, *to;
    PGresult *rows, *camp;
};

/* Ownership (404), then the counts per minute and the one pacing row. */
static int query_series(struct db_conn *c, void *arg, char state[6])
{
    struct series_query *q = arg;
    int rc = db_campaigns_owned(c, q->req->user.id, q->id, state);

    if (rc != DB_CAMPAIGNS_OK)
        return rc;
    q->rows = db_beacons_series(c, q->id, q->from, q->to, state);
    q->camp = q->rows != NULL ? db_beacons_campaign_pacing(c, q->id, state) : NULL;
    return q->camp != NULL && PQntuples(q->camp) == 1 ? 0 : -1;
}

static const struct api_db_errors series_errors = {
    "campaign", "series", "CAMPAIGN_NOT_FOUND", NOT_FOUND,
    "SERIES_RETRIEVAL_FAILED", "Failed to retrieve series",
};

int api_series_get(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    int minutes = parse_minutes(request_query(req, "minutes"));
    struct series_query q = {.req = req, .id = id};
    PGresult *rows, *camp;
    struct tz_zone *zone = NULL;
    char from_s[64], to_s[64], iso_s[64], err[128];
    int64_t now, to_ms, from_ms, budget = 0, start_ms = 0, end_ms = 0, spent = 0;
    int even = 0, r = 0, ret = 0;
    json_t *points, *body;

    if (id == NULL)
        return 0;
    if (minutes < 0)
        return reply_validation(req, "minutes", "minutes must be an integer from 1 to 1440");
    now = clock_wall_ms();
    to_ms = now - now % 60000 + 60000; /* the end of the current minute */
    from_ms = to_ms - (int64_t)minutes * 60000;
    iso(from_ms, from_s); /* PostgreSQL reads ISO 8601 with Z */
    iso(to_ms, to_s);
    q.from = from_s;
    q.to = to_s;
    if (api_db_run(req, query_series, &q, &series_errors) != 0)
        goto cleanup;
    rows = q.rows;
    camp = q.camp;
    budget = strtoll(db_get(camp, 0, "budget_micros"), NULL, 10);
    start_ms = strtoll(db_get(camp, 0, "start_ms"), NULL, 10);
    end_ms = strtoll(db_get(camp, 0, "end_ms"), NULL, 10);
    spent = strtoll(db_get(camp, 0, "spent_micros"), NULL, 10);
    even = strcmp(db_get(camp, 0, "pacing_mode"), "even") == 0;
    if (even && tz_load(NULL, db_get(camp, 0, "time_zone"), &zone, err, sizeof(err)) != 0)
        zone = NULL;
    points = json_array();
    for (int64_t t = from_ms; t < to_ms; t += 60000) {
        long long imp = 0, starts = 0, comp = 0, clicks = 0, sp = 0;
        if (r < PQntuples(rows) && strtoll(PQgetvalue(rows, r, 0), NULL, 10) * 1000 == t) {
            imp = strtoll(db_get(rows, r, "impressions"), NULL, 10);
            starts = strtoll(db_get(rows, r, "starts"), NULL, 10);
            comp = strtoll(db_get(rows, r, "completes"), NULL, 10);
            clicks = strtoll(db_get(rows, r, "clicks"), NULL, 10);
            sp = strtoll(db_get(rows, r, "spend_micros"), NULL, 10);
            r++;
        }
        iso(t, iso_s);
        json_array_append_new(
            points,
            json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "t", iso_s, "impressions",
                      (json_int_t)imp, "starts", (json_int_t)starts, "completes",
                      (json_int_t)comp, "clicks", (json_int_t)clicks, "spend_micros",
                      (json_int_t)sp, "pacing_target_micros",
                      (json_int_t)target_at(zone, even, budget, spent, start_ms, end_ms,
                                            t + 60000)));
    }
    body = json_object();
    json_object_set_new(body, "campaign_id", json_string(id));
    json_object_set_new(body, "step_s", json_integer(60));
    iso(from_ms, iso_s);
    json_object_set_new(body, "from", json_string(iso_s));
    iso(to_ms, iso_s);
    json_object_set_new(body, "to", json_string(iso_s));
    json_object_set_new(body, "points", points);
    ret = reply_json(req, 200, body);
cleanup:
    if (q.rows != NULL)
        PQclear(q.rows);
    if (q.camp != NULL)
        PQclear(q.camp);
    tz_free(zone);
    return ret;
}
