/*
 * freqcap: see freqcap.h for the key layout and the protocol.
 *
 * The scripts take every key through KEYS (as Redis Cluster requires) and
 * the caller's clock through ARGV, so tests control time and every
 * instance agrees on reservation expiry up to clock skew. Counters are
 * created by the commit script only; the reserve script only reads them.
 *
 * Per ad request: one SHA-256 and a few hundred bytes of snprintf into the
 * caller's struct freqcap_args.
 */
#include "decision/freqcap.h"
#include "lib/hexcode.h"
#include "decision/snapshot.h"
#include "util/tz.h"

#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SLACK_MS INT64_C(3600000) /* counters outlive their window by an hour */
#define MS_PER_HOUR INT64_C(3600000)

/*
 * KEYS: 4 per campaign i (0-based): reservations, hour, day, week counter.
 * ARGV: now_ms, hold_ms, reservation id, then 4 per campaign: hour, day and
 * week cap (0 = none) and slots wanted. Returns slots granted per campaign.
 * A key's TTL only ever grows, so an instance configured with a shorter
 * hold cannot expire another's longer reservations early.
 */
static const char reserve_lua[] =
    "local now = tonumber(ARGV[1])\n"
    "local hold = tonumber(ARGV[2])\n"
    "local rid = ARGV[3]\n"
    "local out = {}\n"
    "for i = 0, #KEYS / 4 - 1 do\n"
    "  local rk = KEYS[4 * i + 1]\n"
    "  redis.call('ZREMRANGEBYSCORE', rk, '-inf', now)\n"
    "  local pending = redis.call('ZCARD', rk)\n"
    "  local room = tonumber(ARGV[4 * i + 7])\n"
    "  for w = 0, 2 do\n"
    "    local cap = tonumber(ARGV[4 * i + 4 + w])\n"
    "    if cap > 0 then\n"
    "      local used = tonumber(redis.call('GET', KEYS[4 * i + 2 + w]) or '0') + pending\n"
    "      if cap - used < room then room = cap - used end\n"
    "    end\n"
    "  end\n"
    "  if room < 0 then room = 0 end\n"
    "  for k = 0, room - 1 do\n"
    "    redis.call('ZADD', rk, now + hold, rid .. ':' .. k)\n"
    "  end\n"
    "  if room > 0 and redis.call('PTTL', rk) < hold then redis.call('PEXPIRE', rk, hold) end\n"
    "  out[i + 1] = room\n"
    "end\n"
    "return out\n";

/*
 * KEYS: reservations, hour, day, week counter, seen set.
 * ARGV: member, now_ms, hour/day/week counter TTL (ms), dedup_ms.
 */
static const char commit_lua[] =
    "local now = tonumber(ARGV[2])\n"
    "local dedup = tonumber(ARGV[6])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)\n"
    "if redis.call('ZADD', KEYS[5], 'NX', now + dedup, ARGV[1]) == 0 then return -1 end\n"
    "if redis.call('PTTL', KEYS[5]) < dedup then redis.call('PEXPIRE', KEYS[5], dedup) end\n"
    "local had = redis.call('ZREM', KEYS[1], ARGV[1])\n"
    "for w = 0, 2 do\n"
    "  redis.call('INCR', KEYS[2 + w])\n"
    "  redis.call('PEXPIRE', KEYS[2 + w], ARGV[3 + w])\n"
    "end\n"
    "return had\n";

/* KEYS: one reservation set per campaign. ARGV: rid, then from, to per campaign. */
static const char release_lua[] =
    "local n = 0\n"
    "for i = 1, #KEYS do\n"
    "  for k = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1]) - 1 do\n"
    "    n = n + redis.call('ZREM', KEYS[i], ARGV[1] .. ':' .. k)\n"
    "  end\n"
    "end\n"
    "return n\n";

/* ------------------------------------------------------------------------
 * Cap key
 * ------------------------------------------------------------------------ */

/* An IFA that identifies nobody: empty, all zeros, or an unfilled macro. */
static int ifa_usable(const char *ifa)
{
    int nonzero = 0;

    if (ifa == NULL || ifa[0] == '\0' || strchr("{[%$#", ifa[0]) != NULL)
        return 0;
    for (const char *p = ifa; *p; p++)
        nonzero |= *p != '0' && *p != '-';
    return nonzero;
}

static int present(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* Append s (or "") to buf at *len; -1 when it does not fit. */
static int put(char *buf, size_t *len, const char *s, int fold)
{
    size_t n = s ? strlen(s) : 0;

    if (n > FREQCAP_INPUT_MAX - *len)
        return -1;
    for (size_t i = 0; i < n; i++)
        buf[*len + i] = fold && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    *len += n;
    return 0;
}

int freqcap_key(const char *ifa, const char *device_id, const char *ip, const char *ua,
                char out[FREQCAP_KEY_HEX + 1], enum freqcap_source *src)
{
    char msg[FREQCAP_INPUT_MAX];
    unsigned char md[SHA256_DIGEST_LENGTH];
    enum freqcap_source source;
    size_t len = 0;
    int rc = -1;

    /* The prefix keeps the three namespaces apart; "\n" cannot occur in an IP. */
    if (ifa_usable(ifa)) {
        source = FREQCAP_SOURCE_IFA;
        if (put(msg, &len, "ifa:", 0) != 0 || put(msg, &len, ifa, 1) != 0)
            goto cleanup;
    } else if (present(device_id)) {
        source = FREQCAP_SOURCE_DEVICE_ID;
        if (put(msg, &len, "dev:", 0) != 0 || put(msg, &len, device_id, 0) != 0)
            goto cleanup;
    } else if (present(ip) || present(ua)) {
        source = FREQCAP_SOURCE_IP_UA;
        if (put(msg, &len, "ipua:", 0) != 0 || put(msg, &len, ip, 0) != 0 ||
            put(msg, &len, "\n", 0) != 0 || put(msg, &len, ua, 0) != 0)
            goto cleanup;
    } else {
        goto cleanup;
    }
    if (SHA256((const unsigned char *)msg, len, md) == NULL)
        goto cleanup;
    hex_encode(md, FREQCAP_KEY_HEX / 2, out);
    *src = source;
    rc = 0;
cleanup:
    return rc;
}

/* ------------------------------------------------------------------------
 * Windows
 * ------------------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void freqcap_windows(const struct tz_zone *zone, int64_t now_ms, struct freqcap_windows *out)
{
    struct tz_local l;
    int64_t local_ms;

    tz_local(zone, now_ms, &l);
    local_ms = now_ms + (int64_t)l.offset * 1000;
    out->hour = floor_div(local_ms, MS_PER_HOUR);
    /* Zones change offset on hour boundaries (or half hours): a TTL bound is enough. */
    out->hour_end_ms = now_ms + (MS_PER_HOUR - (local_ms - out->hour * MS_PER_HOUR));
    out->day = l.day;
    out->day_end_ms = tz_day_start(zone, l.day + 1);
    /* Day 0 was a Thursday: +3 starts weeks on Mondays (ISO). */
    out->week = floor_div(l.day + 3, 7);
    out->week_end_ms = tz_day_start(zone, (out->week + 1) * 7 - 3);
}

/* ------------------------------------------------------------------------
 * Scripts and arguments
 * ------------------------------------------------------------------------ */

const char *freqcap_script(enum freqcap_script which)
{
    switch (which) {
    case FREQCAP_SCRIPT_RESERVE:
        return reserve_lua;
    case FREQCAP_SCRIPT_COMMIT:
        return commit_lua;
    case FREQCAP_SCRIPT_RELEASE:
        return release_lua;
    }
    return NULL;
}

int freqcap_script_sha1(enum freqcap_script which, char out[41])
{
    const char *s = freqcap_script(which);
    unsigned char md[SHA_DIGEST_LENGTH];

    if (s == NULL || SHA1((const unsigned char *)s, strlen(s), md) == NULL)
        return -1;
    hex_encode(md, SHA_DIGEST_LENGTH, out);
    return 0;
}

static void args_init(struct freqcap_args *a)
{
    a->argc = 0;
    a->used = 0;
}

/* Append one printf-formatted argument; -1 when argv or the store is full. */
__attribute__((format(printf, 2, 3))) static int arg(struct freqcap_args *a, const char *fmt, ...)
{
    size_t room = sizeof(a->store) - a->used;
    va_list ap;
    int n;

    if (a->argc >= FREQCAP_ARGV_MAX)
        return -1;
    va_start(ap, fmt);
    n = vsnprintf(a->store + a->used, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room)
        return -1;
    a->argv[a->argc] = a->store + a->used;
    a->argvlen[a->argc] = (size_t)n;
    a->argc++;
    a->used += (size_t)n + 1;
    return 0;
}

/* Bounded ids keep keys short and reject what could not be ours. */
static int ids_ok(const char *cap_key, const char *rid)
{
    return cap_key != NULL && strlen(cap_key) == FREQCAP_KEY_HEX &&
           (rid == NULL || (rid[0] != '\0' && strlen(rid) <= FREQCAP_RID_MAX));
}

static int campaign_ok(const char *id)
{
    return id != NULL && id[0] != '\0' && strlen(id) <= SNAPSHOT_ID_MAX;
}

int freqcap_reserve_args(struct freqcap_args *a, const char sha[41], const char *cap_key,
                         const char *reservation_id, int64_t now_ms, int64_t hold_ms,
                         const struct freqcap_item *items, size_t n)
{
    struct freqcap_windows w;

    args_init(a);
    if (n == 0 || n > FREQCAP_MAX_ITEMS || !ids_ok(cap_key, reservation_id) ||
        reservation_id == NULL || hold_ms <= 0)
        return -1;
    if (arg(a, "EVALSHA") != 0 || arg(a, "%s", sha) != 0 || arg(a, "%zu", 4 * n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *c = items[i].campaign_id;
        if (!campaign_ok(c))
            return -1;
        freqcap_windows(items[i].zone, now_ms, &w);
        if (arg(a, "fc:{u:%s}:%s:r", cap_key, c) != 0 ||
            arg(a, "fc:{u:%s}:%s:h:%lld", cap_key, c, (long long)w.hour) != 0 ||
            arg(a, "fc:{u:%s}:%s:d:%lld", cap_key, c, (long long)w.day) != 0 ||
            arg(a, "fc:{u:%s}:%s:w:%lld", cap_key, c, (long long)w.week) != 0)
            return -1;
    }
    if (arg(a, "%lld", (long long)now_ms) != 0 || arg(a, "%lld", (long long)hold_ms) != 0 ||
        arg(a, "%s", reservation_id) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct snapshot_caps *caps = items[i].caps;
        if (arg(a, "%u", caps->per_hour) != 0 || arg(a, "%u", caps->per_day) != 0 ||
            arg(a, "%u", caps->per_week) != 0 || arg(a, "%u", items[i].slots) != 0)
            return -1;
    }
    return 0;
}

int freqcap_reserve_check(const struct freqcap_item *items, size_t n, const long long *reply,
                          size_t nreply, uint32_t *granted)
{
    if (nreply != n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (reply[i] < 0 || reply[i] > (long long)items[i].slots)
            return -1;
    }
    for (size_t i = 0; i < n; i++)
        granted[i] = (uint32_t)reply[i];
    return 0;
}

int freqcap_commit_args(struct freqcap_args *a, const char sha[41], const char *cap_key,
                        const char *campaign_id, const struct tz_zone *zone,
                        const char *reservation_id, uint32_t k, int64_t now_ms, int64_t dedup_ms)
{
    struct freqcap_windows w;
    const char *c = campaign_id;

    args_init(a);
    if (!ids_ok(cap_key, reservation_id) || reservation_id == NULL || !campaign_ok(c) ||
        dedup_ms <= 0)
        return -1;
    freqcap_windows(zone, now_ms, &w);
    if (arg(a, "EVALSHA") != 0 || arg(a, "%s", sha) != 0 || arg(a, "5") != 0 ||
        arg(a, "fc:{u:%s}:%s:r", cap_key, c) != 0 ||
        arg(a, "fc:{u:%s}:%s:h:%lld", cap_key, c, (long long)w.hour) != 0 ||
        arg(a, "fc:{u:%s}:%s:d:%lld", cap_key, c, (long long)w.day) != 0 ||
        arg(a, "fc:{u:%s}:%s:w:%lld", cap_key, c, (long long)w.week) != 0 ||
        arg(a, "fc:{u:%s}:%s:s", cap_key, c) != 0 || arg(a, "%s:%u", reservation_id, k) != 0 ||
        arg(a, "%lld", (long long)now_ms) != 0 ||
        arg(a, "%lld", (long long)(w.hour_end_ms - now_ms + SLACK_MS)) != 0 ||
        arg(a, "%lld", (long long)(w.day_end_ms - now_ms + SLACK_MS)) != 0 ||
        arg(a, "%lld", (long long)(w.week_end_ms - now_ms + SLACK_MS)) != 0 ||
        arg(a, "%lld", (long long)dedup_ms) != 0)
        return -1;
    return 0;
}

int freqcap_release_args(struct freqcap_args *a, const char sha[41], const char *cap_key,
                         const char *reservation_id, const struct freqcap_item *items, size_t n)
{
    args_init(a);
    if (n == 0 || n > FREQCAP_MAX_ITEMS || !ids_ok(cap_key, reservation_id) ||
        reservation_id == NULL)
        return -1;
    if (arg(a, "EVALSHA") != 0 || arg(a, "%s", sha) != 0 || arg(a, "%zu", n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!campaign_ok(items[i].campaign_id) || items[i].slots_end < items[i].slots ||
            arg(a, "fc:{u:%s}:%s:r", cap_key, items[i].campaign_id) != 0)
            return -1;
    }
    if (arg(a, "%s", reservation_id) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (arg(a, "%u", items[i].slots) != 0 || arg(a, "%u", items[i].slots_end) != 0)
            return -1;
    }
    return 0;
}
