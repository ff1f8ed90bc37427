/*
 * db_beacons: every query of the beacon tables (sql/009_beacon_events.sql)
 * and the drain's writes to the contract's impressions and
 * campaign_daily_stats. Batches go as PostgreSQL array literals through
 * unnest(), so one statement carries a whole drain batch; the drain builds
 * the arrays and runs these inside its one transaction per batch.
 *
 * Every function returns the result (caller PQclear()s) or NULL with
 * sqlstate set, like db_exec().
 */
#ifndef DB_BEACONS_H
#define DB_BEACONS_H

#include "db/db.h"

/* $1 uuid[] of campaign ids -> rows (id, imp_micros): existing campaigns, CPM price. */
PGresult *db_beacons_campaigns(struct db_conn *c, const char *ids, char sqlstate[6]);
/* $1 uuid[] of creative ids -> rows (id): existing creatives. */
PGresult *db_beacons_creatives(struct db_conn *c, const char *ids, char sqlstate[6]);
/* 14 arrays (see the SQL) -> rows (event_id) of the events that were new. */
PGresult *db_beacons_insert_events(struct db_conn *c, const char *const p[14], char sqlstate[6]);
/* 10 arrays: the contract's impressions rows of new impressions. */
PGresult *db_beacons_insert_impressions(struct db_conn *c, const char *const p[10],
                                        char sqlstate[6]);
/* 4 arrays (asid, completed, clicked, quartile): progress of impressions rows. */
PGresult *db_beacons_progress(struct db_conn *c, const char *const p[4], char sqlstate[6]);
/* 5 arrays (campaign, date, impressions, clicks, completions): daily counts. */
PGresult *db_beacons_daily_counts(struct db_conn *c, const char *const p[5], char sqlstate[6]);
/* 3 arrays (campaign, date, micros): spend through beacon_spend_apply(). */
PGresult *db_beacons_spend(struct db_conn *c, const char *const p[3], char sqlstate[6]);
/* 7 arrays: dead letters. */
PGresult *db_beacons_dead_letters(struct db_conn *c, const char *const p[7], char sqlstate[6]);

/* Spend record of every campaign: rows (id, budget_micros, spent_micros, click_url, time_zone). */
PGresult *db_beacons_spend_all(struct db_conn *c, char sqlstate[6]);
/* Sum of overspend and dead letters: one row (overspend_micros, dead_letters). */
PGresult *db_beacons_totals(struct db_conn *c, char sqlstate[6]);
/* Spend per campaign and UTC hour of the last 48 hours: rows (id, hour, micros). */
PGresult *db_beacons_spend_hours(struct db_conn *c, char sqlstate[6]);
/*
 * Per-minute series of campaign $1 over [$2, $3) (timestamptz text): rows
 * (minute epoch seconds, impressions, starts, completes, clicks, spend_micros).
 */
PGresult *db_beacons_series(struct db_conn *c, const char *campaign, const char *from,
                            const char *to, char sqlstate[6]);

/*
 * Pacing inputs of campaign $1: one row (budget_micros, start_ms, end_ms,
 * pacing_mode, time_zone), none when it does not exist.
 */
PGresult *db_beacons_campaign_pacing(struct db_conn *c, const char *campaign, char sqlstate[6]);

/*
 * Capped impressions of the last 8 days per viewer, campaign and UTC hour:
 * rows (cap_key, campaign_id, hour, n), to rebuild frequency caps.
 */
PGresult *db_beacons_cap_hours(struct db_conn *c, char sqlstate[6]);

#endif
