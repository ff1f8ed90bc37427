/*
 * app: the daemon-wide context handed to every handler through
 * struct request. It holds the read-only configuration and the long-lived
 * service handles; each handle's own header says what it guards.
 * Built once in main.c before the listeners start; torn down after they stop.
 *
 * Forward declarations only: every module includes this header, so it must
 * not pull in any layer above core (the decision engine least of all).
 * Handles are pointers whose owner is main.c unless a comment says else.
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct db_pool;
struct kv;
struct metrics;
struct ratelimit;
struct email_tlds;
struct storage;
struct media_index;
struct creative_worker;
struct listener;
struct password_dummy;
struct catalog;
struct ticker;
struct serving;
struct spool;
struct spool_drain;
struct spend;
struct beacon;
struct snapshot_holder;
struct decision_spend_source;

#define APP_MAX_ORIGINS 16

struct app {
    const struct config *cfg;
    struct db_pool *db;
    struct kv *kv;
    struct metrics *metrics;
    struct ratelimit *rl;
    struct email_tlds *tlds;
    struct storage *storage;
    struct media_index *media_index;         /* keys the ad listener serves (media_index.h) */
    struct creative_worker *creative_worker; /* processing thread (creative_worker.h) */
    struct listener *admin;
    struct listener *ad;
    char *origins[APP_MAX_ORIGINS]; /* CORS_ORIGIN split at start (owned) */
    int norigins;
    struct password_dummy *dummy; /* login timing for unknown e-mails (owned) */
    int64_t jwt_ttl_s;            /* JWT_EXPIRES_IN */
    int64_t refresh_ttl_s;        /* REFRESH_TOKEN_EXPIRES_IN */
    /* HMAC key of tracking URLs (trackurl.h): tracking_secret, or derived
     * from jwt_secret so instances sharing JWT_SECRET agree. Set at start. */
    unsigned char track_key[64];
    size_t track_key_len;
    /* The servable catalog (snapshot.h), published by the catalog thread. */
    struct snapshot_holder *snapshots; /* made in app_init, freed in app_release */
    struct catalog *catalog; /* builder thread (catalog.h) */
    struct ticker *ticker;   /* per-slot time and spend state (decision/ticker.h) */
    struct serving *serving; /* ad decisions and rendering (serving.h) */
    /* NULL = none: decisions use the snapshot's budget_spent */
    struct decision_spend_source *spend_src; /* owned by main.c */
    /* beacons and money; NULL in subcommands other than serve */
    struct spool *spool;             /* durable beacon queue (spool.h) */
    struct spool_drain *drain;       /* spool -> PostgreSQL thread (spool_drain.h) */
    struct spend *spend;             /* spend counters for decisioning (spend.h) */
    struct beacon *beacon;           /* intake counters and scripts (beacon.h) */
};

#endif
