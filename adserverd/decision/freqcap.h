/*
 * freqcap: frequency-cap keys, Redis key layout and the Lua scripts that
 * enforce caps atomically across instances (docs/architecture.md).
 *
 * The cap key names a viewer: SHA-256 of the IFA, else of the device id,
 * else of IP and User-Agent, as 32 hex digits (128 bits). Raw events store
 * it, so counters can be rebuilt from PostgreSQL after a FLUSHALL.
 *
 * Decision time, one EVALSHA of FREQCAP_SCRIPT_RESERVE per ad request for
 * all capped candidates (none when no candidate has a cap): per campaign it
 * drops expired reservations, counts impressions in the current hour, day
 * and week plus pending reservations, and reserves up to the requested
 * number of slots that stay under every cap. Lua scripts run atomically in
 * Redis, so two instances can never hand out more slots than a cap allows.
 * Impression beacon: FREQCAP_SCRIPT_COMMIT turns a reservation into a
 * count (and counts an impression whose reservation already expired, once).
 * A reservation with no impression expires after hold_ms and frees its slot;
 * FREQCAP_SCRIPT_RELEASE frees unused ones at once.
 *
 * Keys (K = cap key, C = campaign id, R = reservation id, i.e. request id):
 *   fc:{u:K}:C:r        ZSET  member "R:k" (slot k of request R), score = expiry ms;
 *                             TTL = newest reservation's expiry
 *   fc:{u:K}:C:h:<n>    count of impressions in local hour n since the epoch
 *   fc:{u:K}:C:d:<n>    ... in local day n          TTL: end of window + 1 h
 *   fc:{u:K}:C:w:<n>    ... in local Monday-week n
 *   fc:{u:K}:C:s        ZSET  committed members, score = forget time: drops
 *                             duplicate impression beacons
 * Windows are fixed (calendar hour, day, week in the campaign's time zone,
 * like its pacing days), not sliding. The hash tag is the viewer, not the
 * campaign: every key one request touches is the same viewer's, so the one
 * multi-campaign script call stays inside one Redis Cluster slot. A tag per
 * campaign would make that call CROSSSLOT on a cluster.
 *
 * Argument building writes into a caller-provided struct freqcap_args (no
 * allocation); the caller runs it through kv (hiredis). Pure apart from
 * SHA-256 (OpenSSL libcrypto). Safe from any thread.
 */
#ifndef FREQCAP_H
#define FREQCAP_H

#include <stddef.h>
#include <stdint.h>

struct tz_zone;
struct snapshot_caps;

#define FREQCAP_KEY_HEX 32     /* hex digits of a cap key */
#define FREQCAP_INPUT_MAX 2048 /* longest IFA/device id/IP + UA hashed */
#define FREQCAP_MAX_ITEMS 64   /* campaigns in one reserve or release call */
#define FREQCAP_RID_MAX 128    /* longest reservation id */
#define FREQCAP_ARGV_MAX (6 + 8 * FREQCAP_MAX_ITEMS)
#define FREQCAP_STORE_MAX (FREQCAP_MAX_ITEMS * 4 * 256 + 1024)

/* What a cap key was derived from (stored with raw events). */
enum freqcap_source {
    FREQCAP_SOURCE_IFA,
    FREQCAP_SOURCE_DEVICE_ID,
    FREQCAP_SOURCE_IP_UA,
};

/*
 * The viewer's cap key into out (32 hex digits and a NUL). An IFA counts
 * when it is not all zeros (limit ad tracking) and not an unfilled macro
 * ("{IFA}", "[IFA]", "%IFA%", "$IFA"); IFAs compare without case. Any
 * argument may be NULL. 0 and *src; -1 when nothing identifies the viewer
 * or an input is longer than FREQCAP_INPUT_MAX (callers then treat every
 * capped campaign as at its cap).
 */
int freqcap_key(const char *ifa, const char *device_id, const char *ip, const char *ua,
                char out[FREQCAP_KEY_HEX + 1], enum freqcap_source *src);

/* Current windows of a campaign's zone: bucket numbers and when they end. */
struct freqcap_windows {
    int64_t hour, day, week;                      /* local hour, day, Monday-week numbers */
    int64_t hour_end_ms, day_end_ms, week_end_ms; /* UTC */
};

void freqcap_windows(const struct tz_zone *zone, int64_t now_ms, struct freqcap_windows *out);

enum freqcap_script {
    FREQCAP_SCRIPT_RESERVE,
    FREQCAP_SCRIPT_COMMIT,
    FREQCAP_SCRIPT_RELEASE,
};

/* The Lua text of a script (static storage). */
const char *freqcap_script(enum freqcap_script which);

/*
 * The SHA-1 of a script as 40 hex digits and a NUL, for EVALSHA. On a
 * NOSCRIPT reply (Redis restarted or flushed its scripts) the caller sends
 * the same arguments with EVAL and the script text instead. 0, or -1.
 */
int freqcap_script_sha1(enum freqcap_script which, char out[41]);

/* A Redis command built into caller-owned storage: pass argc/argv/argvlen to kv. */
struct freqcap_args {
    int argc;
    const char *argv[FREQCAP_ARGV_MAX];
    size_t argvlen[FREQCAP_ARGV_MAX];
    char store[FREQCAP_STORE_MAX]; /* argv points in here; large: keep one per thread */
    size_t used;
};

/* One capped campaign of a reserve or release call. */
struct freqcap_item {
    const char *campaign_id;
    const struct snapshot_caps *caps; /* reserve only */
    const struct tz_zone *zone;       /* reserve only: the campaign's windows */
    uint32_t slots;                   /* reserve: slots wanted; release: first slot to free */
    uint32_t slots_end;               /* release only: free slots [slots, slots_end) */
};

/*
 * EVALSHA of the reserve script for items[0..n) (n >= 1). The reply is an
 * array of n integers: slots granted per item, in order, between 0 and the
 * slots asked for; freqcap_reserve_check() validates it. Granted slots of
 * item i are "R:0" .. "R:g-1" for R = reservation_id. 0, or -1 when n is 0
 * or above FREQCAP_MAX_ITEMS, or a string is too long.
 */
int freqcap_reserve_args(struct freqcap_args *a, const char sha[41], const char *cap_key,
                         const char *reservation_id, int64_t now_ms, int64_t hold_ms,
                         const struct freqcap_item *items, size_t n);

/*
 * Check a reserve reply (its integers, in order) against the request and
 * copy it to granted[0..n). 0, or -1 when it has the wrong length or a
 * value out of range (granted untouched: treat every item as denied).
 */
int freqcap_reserve_check(const struct freqcap_item *items, size_t n, const long long *reply,
                          size_t nreply, uint32_t *granted);

/*
 * EVALSHA of the commit script for slot k of reservation_id: counts one
 * impression of campaign_id in the current windows of zone (dedup_ms:
 * how long a repeated beacon for the same slot is recognised). Reply: 1
 * converted a reservation, 0 counted without one (it had expired), -1
 * duplicate (nothing counted). 0, or -1 when a string is too long.
 */
int freqcap_commit_args(struct freqcap_args *a, const char sha[41], const char *cap_key,
                        const char *campaign_id, const struct tz_zone *zone,
                        const char *reservation_id, uint32_t k, int64_t now_ms, int64_t dedup_ms);

/*
 * EVALSHA of the release script: frees slots [slots, slots_end) of each
 * item's reservation (reserved but not served). Reply: slots freed.
 * 0, or -1 as freqcap_reserve_args().
 */
int freqcap_release_args(struct freqcap_args *a, const char sha[41], const char *cap_key,
                         const char *reservation_id, const struct freqcap_item *items, size_t n);

#endif
