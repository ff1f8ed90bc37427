/*
 * spend: see spend.h. The published table is an immutable sorted array
 * swapped under a rwlock; readers (the decision ticker once per campaign
 * per tick, the series endpoint, beacon intake) bsearch it under the read
 * lock; ad decisions never do. The refresh loop is a core/bgthread
 * ("adsd-spend"). Expected load: one Redis pipeline of 2 commands per campaign
 * per refresh (1,000 campaigns at 250 ms: 8,000 commands/s), one
 * PostgreSQL read every 5 s.
 */
#include "decision/spend.h"
#include "core/app.h"
#include "core/bgthread.h"
#include "lib/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "db/db_beacons.h"
#include "decision/freqcap.h"
#include "redis/kv.h"
#include "lib/log.h"
#include "decision/snapshot.h"
#include "util/tz.h"
#include "lib/xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOURS 49          /* hour buckets kept: two days and the current hour */
#define PG_EVERY_MS 5000  /* PostgreSQL record and campaign list */
#define MAX_CAMPAIGNS 100000

struct entry {
    char id[37];
    int64_t budget;
    int64_t pg_total;
    int64_t redis_total;
    int64_t base_hour;        /* hours[k] is UTC hour base_hour - k */
    int64_t pg_hours[HOURS];
    int64_t redis_hours[HOURS];
    char *click_url;
    const struct tz_zone *zone; /* the campaign's, from spend's zone cache */
};

struct table {
    struct entry *e;
    int n;
};

#define CHUNK 256 /* campaigns per Redis pipeline */

/* Argument storage of one refresh pipeline (1.3 MB: the thread's, on the heap). */
struct pipe_bufs {
    char keys[CHUNK][1 + HOURS][96];
    const char *argv[CHUNK * 2][2 + HOURS];
    size_t argl[CHUNK * 2][2 + HOURS];
    int argc[CHUNK * 2];
    const char **av[CHUNK * 2];
    const size_t *al[CHUNK * 2];
    redisReply *rep[CHUNK * 2];
};

struct spend {
    struct app *app;
    struct pipe_bufs *pb;
    struct bgthread *thread; /* "adsd-spend" */

    pthread_rwlock_t lock;
    struct table *pub; /* published; replaced whole */

    struct table *work; /* the thread's own */
    int64_t last_pg;
    atomic_llong overspend_micros;
    atomic_llong dead_letters;
    atomic_ullong rebuilds;
    atomic_ullong refreshes;
    atomic_int exhausted; /* campaigns whose spend reached their budget, as decisioning sees it */
    atomic_ullong cap_keys_rebuilt;

    /* zones by name, loaded once, freed at stop (entries point into them) */
    pthread_mutex_t zmu;
    struct zone_slot {
        char *name;
        struct tz_zone *zone;
    } *zones;
    int nzones;
};

/* The zone called name, loaded on first use; UTC when it cannot load. */
static const struct tz_zone *zone_get(struct spend *s, const char *name)
{
    struct tz_zone *z = NULL;
    char err[128];
    const struct tz_zone *ret = NULL;

    pthread_mutex_lock(&s->zmu);
    for (int i = 0; i < s->nzones; i++)
        if (strcmp(s->zones[i].name, name) == 0) {
            ret = s->zones[i].zone;
            goto out;
        }
    if (tz_load(NULL, name, &z, err, sizeof(err)) != 0 &&
        tz_load(NULL, "UTC", &z, err, sizeof(err)) != 0)
        goto out;
    s->zones = xrealloc(s->zones, (size_t)(s->nzones + 1) * sizeof(*s->zones));
    s->zones[s->nzones].name = xstrdup(name);
    s->zones[s->nzones].zone = z;
    s->nzones++;
    ret = z;
out:
    pthread_mutex_unlock(&s->zmu);
    return ret;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->id, ((const struct entry *)b)->id);
}

static void table_free(struct table *t)
{
    if (t == NULL)
        return;
    for (int i = 0; i < t->n; i++)
        free(t->e[i].click_url);
    free(t->e);
    free(t);
}

static struct table *table_copy(const struct table *t)
{
    struct table *c = xcalloc(1, sizeof(*c));

    c->n = t->n;
    c->e = xcalloc((size_t)t->n + 1, sizeof(*c->e));
    memcpy(c->e, t->e, sizeof(*c->e) * (size_t)t->n);
    for (int i = 0; i < t->n; i++)
        c->e[i].click_url = t->e[i].click_url != NULL ? xstrdup(t->e[i].click_url) : NULL;
    return c;
}

static struct entry *find(const struct table *t, const char *id)
{
    struct entry key;

    if (t == NULL || strlen(id) != 36)
        return NULL;
    memcpy(key.id, id, 37);
    return bsearch(&key, t->e, (size_t)t->n, sizeof(key), entry_cmp);
}

/* Shift an entry's hour buckets so that hours[0] is hour now_h. */
static void shift_hours(struct entry *e, int64_t now_h)
{
    int64_t d = now_h - e->base_hour;

    if (d == 0)
        return;
    if (d < 0 || d >= HOURS) {
        memset(e->pg_hours, 0, sizeof(e->pg_hours));
        memset(e->redis_hours, 0, sizeof(e->redis_hours));
    } else {
        memmove(e->pg_hours + d, e->pg_hours, sizeof(int64_t) * (size_t)(HOURS - d));
        memset(e->pg_hours, 0, sizeof(int64_t) * (size_t)d);
        memmove(e->redis_hours + d, e->redis_hours, sizeof(int64_t) * (size_t)(HOURS - d));
        memset(e->redis_hours, 0, sizeof(int64_t) * (size_t)d);
    }
    e->base_hour = now_h;
}

/* ---- PostgreSQL: the record, the campaign list, click-through URLs ---- */

static int refresh_pg(struct spend *s)
{
    struct db_conn *c = db_acquire(s->app->db, 500);
    PGresult *res = NULL, *hours = NULL, *tot = NULL;
    struct table *t = NULL;
    int64_t now_h = clock_wall_ms() / 3600000;
    int ret = -1;

    if (c == NULL)
        return -1;
    res = db_beacons_spend_all(c, NULL);
    hours = res != NULL ? db_beacons_spend_hours(c, NULL) : NULL;
    tot = hours != NULL ? db_beacons_totals(c, NULL) : NULL;
    if (tot == NULL)
        goto cleanup;
    t = xcalloc(1, sizeof(*t));
    t->n = PQntuples(res) < MAX_CAMPAIGNS ? PQntuples(res) : MAX_CAMPAIGNS;
    t->e = xcalloc((size_t)t->n + 1, sizeof(*t->e));
    for (int r = 0; r < t->n; r++) {
        struct entry *e = &t->e[r];
        const char *url = db_get(res, r, "click_url");
        struct entry *old = find(s->work, PQgetvalue(res, r, 0));
        snprintf(e->id, sizeof(e->id), "%s", PQgetvalue(res, r, 0));
        e->budget = strtoll(db_get(res, r, "budget_micros"), NULL, 10);
        e->pg_total = strtoll(db_get(res, r, "spent_micros"), NULL, 10);
        e->click_url = url != NULL && url[0] != '\0' ? xstrdup(url) : NULL;
        e->zone = zone_get(s, db_get(res, r, "time_zone") != NULL ? db_get(res, r, "time_zone")
                                                                   : "UTC");
        e->base_hour = now_h;
        if (old != NULL) {
            shift_hours(old, now_h);
            e->redis_total = old->redis_total;
            memcpy(e->redis_hours, old->redis_hours, sizeof(e->redis_hours));
        }
    }
    qsort(t->e, (size_t)t->n, sizeof(*t->e), entry_cmp);
    for (int r = 0; r < PQntuples(hours); r++) {
        struct entry *e = find(t, PQgetvalue(hours, r, 0));
        int64_t h = strtoll(PQgetvalue(hours, r, 1), NULL, 10);
        if (e != NULL && now_h - h >= 0 && now_h - h < HOURS)
            e->pg_hours[now_h - h] = strtoll(PQgetvalue(hours, r, 2), NULL, 10);
    }
    atomic_store(&s->overspend_micros, strtoll(PQgetvalue(tot, 0, 0), NULL, 10));
    atomic_store(&s->dead_letters, strtoll(PQgetvalue(tot, 0, 1), NULL, 10));
    table_free(s->work);
    s->work = t;
    t = NULL;
    ret = 0;
cleanup:
    if (res != NULL)
        PQclear(res);
    if (hours != NULL)
        PQclear(hours);
    if (tot != NULL)
        PQclear(tot);
    table_free(t);
    db_release(s->app->db, c);
    return ret;
}

/* ---- Redis: counters, and their rebuild after a FLUSHALL ---- */

/* Raise a counter to at least ARGV[1] (never lower what intake added since). */
static const char raise_lua[] =
    "local c = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "local v = tonumber(ARGV[1])\n"
    "if v > c then redis.call('SET', KEYS[1], ARGV[1]) end\n"
    "if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end\n"
    "return 0\n";

/*
 * Frequency-cap counters of the current hour, day and week per viewer and
 * campaign, from the capped impressions PostgreSQL recorded, with the key
 * layout and windows of freqcap.h (the campaign's zone). Raised, never
 * lowered (an impression counted since the flush stays counted).
 */
static int rebuild_caps(struct spend *s)
{
    struct db_conn *c = db_acquire(s->app->db, 2000);
    PGresult *res;
    struct kv *kv = s->app->kv;
    int64_t now = clock_wall_ms();
    int ret = -1;
    unsigned long long keys = 0;

    if (c == NULL)
        return -1;
    res = db_beacons_cap_hours(c, NULL);
    db_release(s->app->db, c);
    if (res == NULL)
        return -1;
    /* rows are per UTC hour; sum them into the windows they fall in */
    for (int r = 0; r < PQntuples(res); r++) {
        const char *cap = PQgetvalue(res, r, 0);
        const char *cid = PQgetvalue(res, r, 1);
        int64_t hour_ms = strtoll(PQgetvalue(res, r, 2), NULL, 10) * 3600000;
        long long n = strtoll(PQgetvalue(res, r, 3), NULL, 10);
        const struct entry *e = find(s->work, cid);
        const struct tz_zone *z = e != NULL && e->zone != NULL ? e->zone : zone_get(s, "UTC");
        struct freqcap_windows at, cur;
        char key[160];

        if (z == NULL || strlen(cap) != 32)
            continue;
        freqcap_windows(z, hour_ms, &at);
        freqcap_windows(z, now, &cur);
        struct {
            char w;
            int64_t bucket, cur, end;
        } ws[3] = {{'h', at.hour, cur.hour, cur.hour_end_ms},
                   {'d', at.day, cur.day, cur.day_end_ms},
                   {'w', at.week, cur.week, cur.week_end_ms}};
        for (int k = 0; k < 3; k++) {
            redisReply *rep;
            char val[24], ttl[24];
            if (ws[k].bucket != ws[k].cur)
                continue;
            snprintf(key, sizeof(key), "fc:{u:%s}:%s:%c:%lld", cap, cid, ws[k].w,
                     (long long)ws[k].bucket);
            snprintf(val, sizeof(val), "%lld", n);
            snprintf(ttl, sizeof(ttl), "%lld", (long long)((ws[k].end - now) / 1000 + 3600));
            /* several hours of one day add up: INCRBY, the key starts empty after a flush */
            rep = kv_command(kv, "INCRBY %s %s", key, val);
            if (rep == NULL)
                goto cleanup;
            freeReplyObject(rep);
            rep = kv_command(kv, "EXPIRE %s %s", key, ttl);
            if (rep == NULL)
                goto cleanup;
            freeReplyObject(rep);
            keys++;
        }
    }
    atomic_fetch_add(&s->cap_keys_rebuilt, keys);
    ret = 0;
cleanup:
    PQclear(res);
    return ret;
}

static int rebuild_redis(struct spend *s)
{
    struct kv *kv = s->app->kv;
    struct table *t = s->work;
    redisReply *r;
    int64_t now_h = clock_wall_ms() / 3600000;

    for (int i = 0; i < t->n; i++) {
        struct entry *e = &t->e[i];
        char key[96], val[24];
        if (e->pg_total > 0) {
            snprintf(key, sizeof(key), "sp:{%s}:t", e->id);
            snprintf(val, sizeof(val), "%lld", (long long)e->pg_total);
            r = kv_command(kv, "EVAL %s 1 %s %s 0", raise_lua, key, val);
            if (r == NULL)
                return -1;
            freeReplyObject(r);
        }
        for (int h = 0; h < HOURS; h++) {
            if (e->pg_hours[h] <= 0)
                continue;
            snprintf(key, sizeof(key), "sp:{%s}:h:%lld", e->id, (long long)(now_h - h));
            snprintf(val, sizeof(val), "%lld", (long long)e->pg_hours[h]);
            r = kv_command(kv, "EVAL %s 1 %s %s 176400", raise_lua, key, val);
            if (r == NULL)
                return -1;
            freeReplyObject(r);
        }
    }
    /* the marker first: a crash in the middle must not rebuild (and add) caps twice */
    r = kv_command(kv, "SET sp:epoch %lld", (long long)clock_wall_ms());
    if (r == NULL)
        return -1;
    freeReplyObject(r);
    if (rebuild_caps(s) != 0)
        log_warn("frequency caps not rebuilt from postgresql");
    r = kv_command(kv, "PING");
    if (r == NULL)
        return -1;
    freeReplyObject(r);
    atomic_fetch_add(&s->rebuilds, 1);
    log_info("spend counters rebuilt from postgresql");
    return 0;
}

static int refresh_redis(struct spend *s)
{
    struct kv *kv = s->app->kv;
    struct table *t = s->work;
    redisReply *r;
    int64_t now_h = clock_wall_ms() / 3600000;
    int exists;
    struct pipe_bufs *b = s->pb;

    if (t == NULL)
        return -1;
    r = kv_command(kv, "EXISTS sp:epoch");
    if (r == NULL)
        return -1;
    exists = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (!exists) {
        /* rebuild from a fresh read of the record, not the last 5 s one */
        if (refresh_pg(s) != 0 || rebuild_redis(s) != 0)
            return -1;
        t = s->work;
    }
    for (int base = 0; base < t->n; base += CHUNK) {
        int m = t->n - base < CHUNK ? t->n - base : CHUNK;
        char(*keys)[1 + HOURS][96] = b->keys;
        const char *(*argv)[2 + HOURS] = b->argv;
        size_t(*argl)[2 + HOURS] = b->argl;
        int *argc = b->argc;
        const char ***av = b->av;
        const size_t **al = b->al;
        redisReply **rep = b->rep;

        for (int i = 0; i < m; i++) {
            struct entry *e = &t->e[base + i];
            snprintf(keys[i][0], 96, "sp:{%s}:t", e->id);
            argv[2 * i][0] = "GET";
            argv[2 * i][1] = keys[i][0];
            argc[2 * i] = 2;
            argv[2 * i + 1][0] = "MGET";
            for (int h = 0; h < HOURS; h++) {
                snprintf(keys[i][1 + h], 96, "sp:{%s}:h:%lld", e->id, (long long)(now_h - h));
                argv[2 * i + 1][1 + h] = keys[i][1 + h];
            }
            argc[2 * i + 1] = 1 + HOURS;
            for (int k = 0; k < 2; k++) {
                for (int j = 0; j < argc[2 * i + k]; j++)
                    argl[2 * i + k][j] = strlen(argv[2 * i + k][j]);
                av[2 * i + k] = argv[2 * i + k];
                al[2 * i + k] = argl[2 * i + k];
            }
        }
        if (kv_pipeline(kv, 2 * m, argc, av, al, rep) != 0)
            return -1;
        for (int i = 0; i < m; i++) {
            struct entry *e = &t->e[base + i];
            redisReply *tr = rep[2 * i], *hr = rep[2 * i + 1];
            shift_hours(e, now_h);
            if (tr != NULL && tr->type == REDIS_REPLY_STRING)
                e->redis_total = strtoll(tr->str, NULL, 10);
            else if (tr != NULL && tr->type == REDIS_REPLY_NIL)
                e->redis_total = 0;
            if (hr != NULL && hr->type == REDIS_REPLY_ARRAY && hr->elements == HOURS) {
                for (int h = 0; h < HOURS; h++) {
                    redisReply *x = hr->element[h];
                    e->redis_hours[h] =
                        x->type == REDIS_REPLY_STRING ? strtoll(x->str, NULL, 10) : 0;
                }
            }
            freeReplyObject(tr);
            freeReplyObject(hr);
        }
    }
    return 0;
}

static void publish(struct spend *s)
{
    struct table *fresh, *old;

    if (s->work == NULL)
        return;
    fresh = table_copy(s->work);
    {
        int n = 0;
        for (int i = 0; i < fresh->n; i++) {
            const struct entry *e = &fresh->e[i];
            n += e->budget > 0 && (e->pg_total >= e->budget || e->redis_total >= e->budget);
        }
        atomic_store(&s->exhausted, n);
    }
    pthread_rwlock_wrlock(&s->lock);
    old = s->pub;
    s->pub = fresh;
    pthread_rwlock_unlock(&s->lock);
    table_free(old);
    atomic_fetch_add(&s->refreshes, 1);
}

static void refresh(struct spend *s)
{
    int64_t now = clock_mono_ms();

    if (s->work == NULL || now - s->last_pg >= PG_EVERY_MS) {
        if (refresh_pg(s) == 0)
            s->last_pg = now;
    }
    refresh_redis(s);
    publish(s);
}

static void spend_main(struct bgthread *t, void *arg)
{
    struct spend *s = arg;

    log_set_request(NULL);
    while (bgthread_wait(t, s->app->cfg->spend_refresh_ms))
        refresh(s);
}

struct spend *spend_start(struct app *app, char *err, size_t errlen)
{
    struct spend *s = xcalloc(1, sizeof(*s));

    s->app = app;
    s->pb = xcalloc(1, sizeof(*s->pb));
    pthread_mutex_init(&s->zmu, NULL);
    pthread_rwlock_init(&s->lock, NULL);
    refresh(s);
    s->thread = bgthread_start("adsd-spend", 1, spend_main, s, err, errlen);
    if (s->thread == NULL) {
        table_free(s->pub);
        table_free(s->work);
        pthread_rwlock_destroy(&s->lock);
        pthread_mutex_destroy(&s->zmu);
        free(s->pb);
        free(s);
        return NULL;
    }
    return s;
}

void spend_stop(struct spend *s)
{
    if (s == NULL)
        return;
    bgthread_stop(s->thread);
    table_free(s->pub);
    table_free(s->work);
    pthread_rwlock_destroy(&s->lock);
    for (int i = 0; i < s->nzones; i++) {
        free(s->zones[i].name);
        tz_free(s->zones[i].zone);
    }
    free(s->zones);
    pthread_mutex_destroy(&s->zmu);
    free(s->pb);
    free(s);
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* Spend since UTC ms day_start (on an hour boundary or inside one: that hour counts). */
static int64_t since(const struct entry *e, int64_t day_start_ms)
{
    int64_t from_h = day_start_ms / 3600000;
    int64_t sum = 0;

    for (int h = 0; h < HOURS; h++) {
        if (e->base_hour - h < from_h)
            break;
        sum += max64(e->pg_hours[h], e->redis_hours[h]);
    }
    return sum;
}

int spend_get(void *ctx, uint32_t i, const struct snapshot_campaign *c, struct pacing_spend *out)
{
    struct spend *s = ctx;
    const struct entry *e;
    int ret = -1;

    (void)i;
    pthread_rwlock_rdlock(&s->lock);
    e = find(s->pub, c->id);
    if (e != NULL) {
        int64_t now = clock_wall_ms();
        int64_t start = now - now % 86400000;
        if (c->zone != NULL) {
            struct tz_local loc;
            tz_local(c->zone, now, &loc);
            start = tz_day_start(c->zone, loc.day);
        }
        out->total = max64(e->pg_total, e->redis_total);
        out->today = since(e, start);
        ret = 0;
    }
    pthread_rwlock_unlock(&s->lock);
    return ret;
}

int spend_lookup(struct spend *s, const char *campaign_id, int64_t *total, int64_t *today_utc)
{
    const struct entry *e;
    int ret = -1;

    pthread_rwlock_rdlock(&s->lock);
    e = find(s->pub, campaign_id);
    if (e != NULL) {
        int64_t now = clock_wall_ms();
        *total = max64(e->pg_total, e->redis_total);
        *today_utc = since(e, now - now % 86400000);
        ret = 0;
    }
    pthread_rwlock_unlock(&s->lock);
    return ret;
}

int spend_click_url(struct spend *s, const char *campaign_id, char *out, size_t n)
{
    const struct entry *e;
    int ret = -1;

    if (s == NULL)
        return -1;
    pthread_rwlock_rdlock(&s->lock);
    e = find(s->pub, campaign_id);
    if (e != NULL && e->click_url != NULL && strlen(e->click_url) < n) {
        memcpy(out, e->click_url, strlen(e->click_url) + 1);
        ret = 0;
    }
    pthread_rwlock_unlock(&s->lock);
    return ret;
}

int spend_metrics(struct spend *s, struct buf *out)
{
    if (s == NULL)
        return 0;
    return buf_printf(out,
                      "# HELP adserverd_overspend_micros Spend past budget_total over all "
                      "campaigns (PostgreSQL record, micro-units).\n"
                      "# TYPE adserverd_overspend_micros gauge\n"
                      "adserverd_overspend_micros %lld\n"
                      "# HELP adserverd_dead_letters Events in beacon_dead_letters.\n"
                      "# TYPE adserverd_dead_letters gauge\n"
                      "adserverd_dead_letters %lld\n"
                      "# HELP adserverd_spend_rebuilds_total Redis counters rebuilt from "
                      "PostgreSQL (after a FLUSHALL or restart).\n"
                      "# TYPE adserverd_spend_rebuilds_total counter\n"
                      "adserverd_spend_rebuilds_total %llu\n"
                      "# HELP adserverd_spend_refreshes_total Spend counter refreshes.\n"
                      "# TYPE adserverd_spend_refreshes_total counter\n"
                      "adserverd_spend_refreshes_total %llu\n"
                      "# HELP adserverd_freqcap_keys_rebuilt_total Frequency-cap counters "
                      "rebuilt from PostgreSQL after a FLUSHALL.\n"
                      "# TYPE adserverd_freqcap_keys_rebuilt_total counter\n"
                      "adserverd_freqcap_keys_rebuilt_total %llu\n"
                      "# HELP adserverd_spend_campaigns_exhausted Campaigns whose spend (any "
                      "instance) reached their budget: decisioning no longer serves them.\n"
                      "# TYPE adserverd_spend_campaigns_exhausted gauge\n"
                      "adserverd_spend_campaigns_exhausted %d\n",
                      (long long)atomic_load(&s->overspend_micros),
                      (long long)atomic_load(&s->dead_letters),
                      (unsigned long long)atomic_load(&s->rebuilds),
                      (unsigned long long)atomic_load(&s->refreshes),
                      (unsigned long long)atomic_load(&s->cap_keys_rebuilt), atomic_load(&s->exhausted));
}

const struct tz_zone *spend_zone(struct spend *s, const char *campaign_id)
{
    const struct entry *e;
    const struct tz_zone *z = NULL;

    if (s == NULL)
        return NULL;
    pthread_rwlock_rdlock(&s->lock);
    e = find(s->pub, campaign_id);
    if (e != NULL)
        z = e->zone;
    pthread_rwlock_unlock(&s->lock);
    return z;
}
