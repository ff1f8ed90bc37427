/*
 * db_beacons: see db_beacons.h. The statement names are the function names
 * (db.c prepares each once per connection).
 */
#include "db/db_beacons.h"

PGresult *db_beacons_campaigns(struct db_conn *c, const char *ids, char sqlstate[6])
{
    const char *p[1] = {ids};
    return db_exec(c, "db_beacons_campaigns",
                   "SELECT id::text AS id, CASE WHEN pricing_model = 'cpm' AND cpm_rate > 0 "
                   "THEN (cpm_rate * 1000)::bigint ELSE 0 END AS imp_micros "
                   "FROM campaigns WHERE id = ANY($1::uuid[])",
                   1, p, sqlstate);
}

PGresult *db_beacons_creatives(struct db_conn *c, const char *ids, char sqlstate[6])
{
    const char *p[1] = {ids};
    return db_exec(c, "db_beacons_creatives",
                   "SELECT id::text AS id FROM creatives WHERE id = ANY($1::uuid[])", 1, p,
                   sqlstate);
}

PGresult *db_beacons_insert_events(struct db_conn *c, const char *const p[14], char sqlstate[6])
{
    return db_exec(c, "db_beacons_insert_events",
                   "INSERT INTO beacon_events (event_id, source, event_type, valid, "
                   "invalid_reason, ad_serving_id, campaign_id, creative_id, impression_id, "
                   "cap_key, price_micros, error_code, playhead_ms, received_at) "
                   "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], "
                   "$5::text[], $6::uuid[], $7::uuid[], $8::uuid[], $9::uuid[], $10::text[], "
                   "$11::bigint[], $12::int[], $13::bigint[], $14::timestamptz[]) "
                   "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                   14, p, sqlstate);
}

PGresult *db_beacons_insert_impressions(struct db_conn *c, const char *const p[10],
                                        char sqlstate[6])
{
    return db_exec(c, "db_beacons_insert_impressions",
                   "INSERT INTO impressions (id, campaign_id, creative_id, served_at, device_type, "
                   "location_country, location_region, user_agent, ip_address, session_id) "
                   "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], "
                   "$4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], "
                   "$9::inet[], $10::text[])",
                   10, p, sqlstate);
}

PGresult *db_beacons_progress(struct db_conn *c, const char *const p[4], char sqlstate[6])
{
    return db_exec(c, "db_beacons_progress",
                   "UPDATE impressions i SET completed = i.completed OR u.completed, "
                   "clicked = i.clicked OR u.clicked, "
                   "duration_watched = CASE WHEN u.q > 0 THEN "
                   "GREATEST(COALESCE(i.duration_watched, 0), (cr.duration * u.q) / 4) "
                   "ELSE i.duration_watched END "
                   "FROM (SELECT asid, bool_or(cm) AS completed, bool_or(ck) AS clicked, "
                   "max(q) AS q FROM unnest($1::text[], $2::bool[], $3::bool[], $4::int[]) "
                   "AS t(asid, cm, ck, q) GROUP BY asid) u, beacon_events e, creatives cr "
                   "WHERE e.event_id = u.asid || ':impression' AND cr.id = e.creative_id "
                   "AND i.id = e.impression_id",
                   4, p, sqlstate);
}

PGresult *db_beacons_daily_counts(struct db_conn *c, const char *const p[5], char sqlstate[6])
{
    return db_exec(c, "db_beacons_daily_counts",
                   "INSERT INTO campaign_daily_stats (campaign_id, date, impressions_count, "
                   "clicks_count, completions_count) "
                   "SELECT c, d, sum(i)::int, sum(k)::int, sum(m)::int FROM unnest($1::uuid[], "
                   "$2::date[], $3::int[], $4::int[], $5::int[]) AS u(c, d, i, k, m) "
                   "GROUP BY c, d ORDER BY c, d "
                   "ON CONFLICT (campaign_id, date) DO UPDATE SET "
                   "impressions_count = COALESCE(campaign_daily_stats.impressions_count, 0) "
                   "+ EXCLUDED.impressions_count, "
                   "clicks_count = COALESCE(campaign_daily_stats.clicks_count, 0) "
                   "+ EXCLUDED.clicks_count, "
                   "completions_count = COALESCE(campaign_daily_stats.completions_count, 0) "
                   "+ EXCLUDED.completions_count",
                   5, p, sqlstate);
}

PGresult *db_beacons_spend(struct db_conn *c, const char *const p[3], char sqlstate[6])
{
    return db_exec(c, "db_beacons_spend",
                   "SELECT beacon_spend_apply(s.c, s.d, s.m) FROM (SELECT c, d, sum(m)::bigint "
                   "AS m FROM unnest($1::uuid[], $2::date[], $3::bigint[]) AS u(c, d, m) "
                   "GROUP BY c, d HAVING sum(m) > 0 ORDER BY c, d) s",
                   3, p, sqlstate);
}

PGresult *db_beacons_dead_letters(struct db_conn *c, const char *const p[7], char sqlstate[6])
{
    return db_exec(c, "db_beacons_dead_letters",
                   "INSERT INTO beacon_dead_letters (event_id, reason, campaign_id, creative_id, "
                   "event_type, record, received_at) SELECT * FROM unnest($1::text[], "
                   "$2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], "
                   "$7::timestamptz[]) ON CONFLICT (event_id) DO NOTHING",
                   7, p, sqlstate);
}

PGresult *db_beacons_spend_all(struct db_conn *c, char sqlstate[6])
{
    return db_exec(c, "db_beacons_spend_all",
                   "SELECT c.id::text AS id, (c.budget_total * 1000000)::bigint AS budget_micros, "
                   "COALESCE(s.spent_micros, 0) AS spent_micros, "
                   "v.click_through_url AS click_url, COALESCE(v.time_zone, 'UTC') AS time_zone "
                   "FROM campaigns c "
                   "LEFT JOIN campaign_spend s ON s.campaign_id = c.id "
                   "LEFT JOIN campaign_serving v ON v.campaign_id = c.id",
                   0, NULL, sqlstate);
}

PGresult *db_beacons_totals(struct db_conn *c, char sqlstate[6])
{
    return db_exec(c, "db_beacons_totals",
                   "SELECT (SELECT COALESCE(sum(overspend_micros), 0) FROM campaign_spend) "
                   "AS overspend_micros, (SELECT count(*) FROM beacon_dead_letters) "
                   "AS dead_letters",
                   0, NULL, sqlstate);
}

PGresult *db_beacons_spend_hours(struct db_conn *c, char sqlstate[6])
{
    return db_exec(c, "db_beacons_spend_hours",
                   "SELECT campaign_id::text AS id, "
                   "floor(extract(epoch FROM received_at) / 3600)::bigint AS hour, "
                   "sum(price_micros)::bigint AS micros FROM beacon_events "
                   "WHERE valid AND received_at >= now() - interval '48 hours' "
                   "AND price_micros > 0 GROUP BY 1, 2",
                   0, NULL, sqlstate);
}

PGresult *db_beacons_series(struct db_conn *c, const char *campaign, const char *from,
                            const char *to, char sqlstate[6])
{
    const char *p[3] = {campaign, from, to};
    return db_exec(c, "db_beacons_series",
                   "SELECT (floor(extract(epoch FROM received_at) / 60) * 60)::bigint AS t, "
                   "count(*) FILTER (WHERE event_type = 'impression') AS impressions, "
                   "count(*) FILTER (WHERE event_type = 'start') AS starts, "
                   "count(*) FILTER (WHERE event_type = 'complete') AS completes, "
                   "count(*) FILTER (WHERE event_type = 'click') AS clicks, "
                   "COALESCE(sum(price_micros), 0)::bigint AS spend_micros "
                   "FROM beacon_events WHERE campaign_id = $1::uuid AND valid "
                   "AND received_at >= $2::timestamptz AND received_at < $3::timestamptz "
                   "GROUP BY 1 ORDER BY 1",
                   3, p, sqlstate);
}

PGresult *db_beacons_campaign_pacing(struct db_conn *c, const char *campaign, char sqlstate[6])
{
    const char *p[1] = {campaign};
    return db_exec(c, "db_beacons_campaign_pacing",
                   "SELECT (c.budget_total * 1000000)::bigint AS budget_micros, "
                   "(extract(epoch FROM c.start_date) * 1000)::bigint AS start_ms, "
                   "(extract(epoch FROM c.end_date) * 1000)::bigint AS end_ms, "
                   "COALESCE(s.pacing_mode, 'even') AS pacing_mode, "
                   "COALESCE(s.time_zone, 'UTC') AS time_zone, "
                   "COALESCE(sp.spent_micros, 0) AS spent_micros "
                   "FROM campaigns c LEFT JOIN campaign_serving s ON s.campaign_id = c.id "
                   "LEFT JOIN campaign_spend sp ON sp.campaign_id = c.id WHERE c.id = $1::uuid",
                   1, p, sqlstate);
}

PGresult *db_beacons_cap_hours(struct db_conn *c, char sqlstate[6])
{
    return db_exec(c, "db_beacons_cap_hours",
                   "SELECT cap_key, campaign_id::text AS campaign_id, "
                   "floor(extract(epoch FROM received_at) / 3600)::bigint AS hour, "
                   "count(*) AS n FROM beacon_events WHERE valid AND event_type = 'impression' "
                   "AND cap_key IS NOT NULL AND received_at >= now() - interval '8 days' "
                   "GROUP BY 1, 2, 3",
                   0, NULL, sqlstate);
}
