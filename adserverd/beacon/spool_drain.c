/*
 * spool_drain: see spool_drain.h. One thread, started, woken and stopped
 * through core/bgthread.h (its sleeps are bgthread_wait, so a stop cuts an
 * idle pause or a back-off short); a batch is read from the
 * spool with a tentative cursor that becomes the real one only after
 * COMMIT. Expected load: a few transactions per second of up to
 * drain_batch events each (thousands of events per second).
 */
#include "beacon/spool_drain.h"
#include "core/app.h"
#include "core/bgthread.h"
#include "beacon/beacon_record.h"
#include "lib/clock.h"
#include "lib/hexcode.h"
#include "core/config.h"
#include "db/db.h"
#include "db/db_beacons.h"
#include "util/isodate.h"
#include "lib/log.h"
#include "beacon/spool.h"
#include "util/uuid.h"
#include "lib/xalloc.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ARRAY_MAX (256u * 1024 * 1024)
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 2000
#define IDLE_MS 50

struct item {
    struct beacon_record r;
    unsigned char *raw;
    size_t rawlen;
    int64_t ms;
    char event_id[64];
    const char *dead; /* reason, or NULL */
    char campaign[37];
    char creative[37];
    char impression_id[37];
    int is_new;
    int valid; /* counted when new: beacon or track/legacy, decoded, not dead */
};

struct spool_drain {
    struct app *app;
    struct bgthread *thread;

    struct item *items;
    int n, max;

    atomic_ullong drained;     /* records committed since start */
    atomic_ullong batches;
    atomic_ullong dead;        /* dead letters written since start */
    atomic_ullong db_errors;   /* failed batch attempts */
    atomic_llong last_batch_us;
    atomic_ullong batch_us_sum;
    atomic_llong last_commit_ms; /* wall clock */
};

/* ---- helpers ---- */

static int64_t wall_ms(void)
{
    return clock_wall_ms();
}

/* Receipt times are recent, always inside isodate's 0000-9999. */
static void ts_text(int64_t ms, char out[64])
{
    if (isodate_format(ms, out) != 0)
        snprintf(out, 64, "1970-01-01T00:00:00.000Z");
}

static void date_text(int64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&s, &tm);
    snprintf(out, 32, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/*
 * Append s[0..n) to an array literal as one quoted element, made valid
 * UTF-8 without control characters (a byte that is neither becomes '?'),
 * so a player's odd User-Agent can never fail the batch. NULL -> NULL.
 */
static int arr_text(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = 0;

    if (b->len > 1 || (b->len == 1 && b->data[0] != '{'))
        rc |= buf_putc(b, ',');
    if (s == NULL)
        return rc | buf_puts(b, "NULL");
    rc |= buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        size_t l = utf8_len(p + i, n - i);
        if (l == 0 || (l == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
            rc |= buf_putc(b, '?');
            i++;
            continue;
        }
        if (l == 1 && (p[i] == '"' || p[i] == '\\'))
            rc |= buf_putc(b, '\\');
        rc |= buf_append(b, p + i, l);
        i += l;
    }
    return rc | buf_putc(b, '"');
}

static int arr_str(struct buf *b, const char *s)
{
    return arr_text(b, s, s != NULL ? strlen(s) : 0);
}

static int arr_int(struct buf *b, long long v)
{
    char t[24];
    snprintf(t, sizeof(t), "%lld", v);
    return arr_str(b, t);
}

static int arr_hex(struct buf *b, const unsigned char *d, size_t n)
{
    int rc = 0;

    if (b->len > 1)
        rc |= buf_putc(b, ',');
    rc |= buf_puts(b, "\"\\\\x");
    rc |= hex_encode_buf(b, d, n);
    return rc | buf_putc(b, '"');
}

/* Code points in valid UTF-8 text (invalid bytes count one each). */
static size_t chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; c++) {
        size_t l = utf8_len((const unsigned char *)s + i, n - i);
        i += l == 0 ? 1 : l;
    }
    return c;
}

/* A string field as a C string in out (n bytes), empty when absent. */
static void sfield(const struct beacon_record *r, enum beacon_str i, char *out, size_t n)
{
    size_t l = r->s[i] != NULL ? r->slen[i] : 0;
    if (l >= n)
        l = n - 1;
    if (l > 0)
        memcpy(out, r->s[i], l);
    out[l] = '\0';
}

static const char *len_check(const struct beacon_record *r, enum beacon_str i, size_t max,
                             const char *reason)
{
    return r->s[i] != NULL && chars(r->s[i], r->slen[i]) > max ? reason : NULL;
}

/* Decode and check one record; fills it->dead when it cannot be applied. */
static void item_prepare(struct item *it)
{
    char ip[BEACON_STR_MAX + 1];
    unsigned char addr[16];
    const char *why = NULL;

    if (beacon_record_decode(it->raw, it->rawlen, &it->r) != 0) {
        it->dead = "undecodable spool record";
        snprintf(it->event_id, sizeof(it->event_id), "x:%016llx:%zu",
                 (unsigned long long)it->ms, it->rawlen);
        /* unique enough for a dead letter: the checksum of the bytes */
        {
            uint32_t crc = spool_crc32c(0, it->raw, it->rawlen);
            size_t l = strlen(it->event_id);
            snprintf(it->event_id + l, sizeof(it->event_id) - l, ":%08x", crc);
        }
        return;
    }
    beacon_record_event_id(&it->r, it->event_id);
    if (it->r.source == BEACON_SRC_INVALID)
        return;
    sfield(&it->r, BEACON_S_CAMPAIGN, it->campaign, sizeof(it->campaign));
    sfield(&it->r, BEACON_S_CREATIVE, it->creative, sizeof(it->creative));
    if (it->r.slen[BEACON_S_CAMPAIGN] != 36 || !uuid_syntax(it->campaign))
        why = "malformed campaign_id";
    else if (it->r.slen[BEACON_S_CREATIVE] != 36 || !uuid_syntax(it->creative))
        why = "malformed creative_id";
    if (why == NULL)
        why = len_check(&it->r, BEACON_S_DEVICE_TYPE, 50, "device_type longer than 50");
    if (why == NULL)
        why = len_check(&it->r, BEACON_S_COUNTRY, 2, "location_country longer than 2");
    if (why == NULL)
        why = len_check(&it->r, BEACON_S_REGION, 100, "location_region longer than 100");
    if (why == NULL && it->r.s[BEACON_S_SESSION] != NULL && it->r.slen[BEACON_S_SESSION] > 0)
        why = len_check(&it->r, BEACON_S_SESSION, 255, "session_id longer than 255");
    else if (why == NULL)
        why = len_check(&it->r, BEACON_S_AD_ID, 255, "ad_id longer than 255");
    sfield(&it->r, BEACON_S_IP, ip, sizeof(ip));
    if (why == NULL && ip[0] != '\0' && inet_pton(AF_INET, ip, addr) != 1 &&
        inet_pton(AF_INET6, ip, addr) != 1)
        why = "malformed ip_address";
    for (char *p = it->campaign; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
    for (char *p = it->creative; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
    it->dead = why;
    it->valid = why == NULL;
    if (it->valid && it->r.type == TRACKURL_IMPRESSION && uuid_v4(it->impression_id) != 0)
        it->dead = "no entropy for an impression id";
}

/* ---- one transaction ---- */

enum tx_result { TX_OK, TX_CONN, TX_RETRY, TX_DATA };

static enum tx_result classify(const char *st)
{
    if (st[0] == '\0' || strncmp(st, "08", 2) == 0 || strncmp(st, "57", 2) == 0)
        return TX_CONN;
    if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0)
        return TX_RETRY;
    return TX_DATA;
}

#define NARR 14

struct arrays {
    struct buf a[NARR];
    int n;
};

static void arrays_init(struct arrays *x, int n)
{
    x->n = n;
    for (int i = 0; i < n; i++) {
        buf_init(&x->a[i], ARRAY_MAX);
        buf_putc(&x->a[i], '{');
    }
}

static int arrays_close(struct arrays *x, const char **p)
{
    int rc = 0;
    for (int i = 0; i < x->n; i++) {
        rc |= buf_putc(&x->a[i], '}');
        p[i] = x->a[i].data;
    }
    return rc;
}

static void arrays_release(struct arrays *x)
{
    for (int i = 0; i < x->n; i++)
        buf_release(&x->a[i]);
}

/* A result's first column, sorted, with the row each value came from. */
struct id_row {
    const char *id;
    int row;
};

static int id_cmp(const void *a, const void *b)
{
    return strcmp(((const struct id_row *)a)->id, ((const struct id_row *)b)->id);
}

/* Index res by its first column (free() it; valid while res lives). */
static struct id_row *result_index(const PGresult *res)
{
    int rows = PQntuples(res);
    struct id_row *ix = xcalloc((size_t)rows + 1, sizeof(*ix));

    for (int r = 0; r < rows; r++) {
        ix[r].id = PQgetvalue(res, r, 0);
        ix[r].row = r;
    }
    qsort(ix, (size_t)rows, sizeof(*ix), id_cmp);
    return ix;
}

/* The row of id in an index of n rows, or -1. */
static int result_find(const struct id_row *ix, int n, const char *id)
{
    const struct id_row key = {id, 0};
    const struct id_row *hit = bsearch(&key, ix, (size_t)n, sizeof(*ix), id_cmp);
    return hit != NULL ? hit->row : -1;
}

static const char *type_name(enum trackurl_type t)
{
    const char *n = trackurl_type_name(t);
    return n != NULL ? n : "unknown";
}

static const char *source_name(enum beacon_source s)
{
    switch (s) {
    case BEACON_SRC_BEACON:
        return "beacon";
    case BEACON_SRC_TRACK:
        return "track";
    case BEACON_SRC_LEGACY:
        return "legacy";
    default:
        return "invalid";
    }
}

static const char *invalid_name(enum trackurl_result r)
{
    switch (r) {
    case TRACKURL_BAD_SIGNATURE:
        return "bad_signature";
    case TRACKURL_EXPIRED:
        return "expired";
    case TRACKURL_MALFORMED:
        return "malformed";
    default:
        return NULL;
    }
}

/*
 * apply() is one transaction of the steps below, in this order: each later
 * step reads what an earlier one marked on the items (dead, is_new). A step
 * returns STEP_OK, STEP_DB when a statement failed (SQLSTATE in st), or
 * STEP_FULL when an array outgrew ARRAY_MAX (the batch is data-bad as is).
 */
enum step_result { STEP_OK, STEP_DB, STEP_FULL };

/* The statement's result: cleared when it succeeded. */
static enum step_result step_done(PGresult *res)
{
    if (res == NULL)
        return STEP_DB;
    PQclear(res);
    return STEP_OK;
}

/* Mark items of unknown campaigns or creatives dead; a CPM campaign's price into cpm[i]. */
static enum step_result mark_unknown(struct db_conn *c, struct item *items, int n, int64_t *cpm,
                                     char st[6])
{
    struct arrays x;
    const char *p[NARR];
    PGresult *res = NULL;
    struct id_row *ix = NULL;
    enum step_result ret = STEP_FULL;
    int nix;

    arrays_init(&x, 2);
    for (int i = 0; i < n; i++) {
        if (items[i].valid && items[i].dead == NULL) {
            arr_str(&x.a[0], items[i].campaign);
            arr_str(&x.a[1], items[i].creative);
        }
    }
    if (arrays_close(&x, p) != 0)
        goto cleanup;
    ret = STEP_DB;
    if ((res = db_beacons_campaigns(c, p[0], st)) == NULL)
        goto cleanup;
    ix = result_index(res);
    nix = PQntuples(res);
    for (int i = 0; i < n; i++) {
        int r;
        if (!items[i].valid || items[i].dead != NULL)
            continue;
        r = result_find(ix, nix, items[i].campaign);
        if (r < 0)
            items[i].dead = "unknown campaign";
        else
            cpm[i] = strtoll(PQgetvalue(res, r, 1), NULL, 10);
    }
    free(ix);
    PQclear(res);
    ix = NULL;
    if ((res = db_beacons_creatives(c, p[1], st)) == NULL)
        goto cleanup;
    ix = result_index(res);
    nix = PQntuples(res);
    for (int i = 0; i < n; i++)
        if (items[i].valid && items[i].dead == NULL &&
            result_find(ix, nix, items[i].creative) < 0)
            items[i].dead = "unknown creative";
    PQclear(res);
    ret = STEP_OK;
cleanup:
    free(ix);
    arrays_release(&x);
    return ret;
}

/* Dead items go to the dead letters, with their raw record; their count into *ndead. */
static enum step_result write_dead_letters(struct db_conn *c, const struct item *items, int n,
                                           int *ndead, char st[6])
{
    struct arrays x;
    const char *p[NARR];
    enum step_result ret = STEP_FULL;

    arrays_init(&x, 7);
    for (int i = 0; i < n; i++) {
        const struct item *it = &items[i];
        char ts[64];

        if (it->dead == NULL)
            continue;
        (*ndead)++;
        ts_text(it->ms, ts);
        arr_str(&x.a[0], it->event_id);
        arr_str(&x.a[1], it->dead);
        arr_text(&x.a[2], it->r.s[BEACON_S_CAMPAIGN], it->r.slen[BEACON_S_CAMPAIGN]);
        arr_text(&x.a[3], it->r.s[BEACON_S_CREATIVE], it->r.slen[BEACON_S_CREATIVE]);
        arr_str(&x.a[4], it->r.s[BEACON_S_CAMPAIGN] != NULL || it->valid ? type_name(it->r.type)
                                                                          : NULL);
        arr_hex(&x.a[5], it->raw, it->rawlen);
        arr_str(&x.a[6], ts);
    }
    if (arrays_close(&x, p) == 0)
        ret = *ndead > 0 ? step_done(db_beacons_dead_letters(c, p, st)) : STEP_OK;
    arrays_release(&x);
    return ret;
}

/* One raw event row: the item as received, valid or not. */
static void event_row(struct arrays *x, const struct item *it)
{
    char ts[64], cap[2 * TRACKURL_CAP_KEY_LEN + 1];
    int has_cap = 0;

    hex_encode(it->r.cap_key, TRACKURL_CAP_KEY_LEN, cap);
    for (int k = 0; k < TRACKURL_CAP_KEY_LEN; k++)
        has_cap |= it->r.cap_key[k];
    ts_text(it->ms, ts);
    arr_str(&x->a[0], it->event_id);
    arr_str(&x->a[1], source_name(it->r.source));
    arr_str(&x->a[2], type_name(it->r.type));
    arr_str(&x->a[3], it->valid ? "t" : "f");
    arr_str(&x->a[4], it->valid ? NULL : invalid_name(it->r.invalid));
    arr_str(&x->a[5], it->valid && it->r.ad_serving_id[0] ? it->r.ad_serving_id : NULL);
    arr_str(&x->a[6], it->valid ? it->campaign : NULL);
    arr_str(&x->a[7], it->valid ? it->creative : NULL);
    arr_str(&x->a[8], it->impression_id[0] ? it->impression_id : NULL);
    arr_str(&x->a[9], it->valid && has_cap ? cap : NULL);
    arr_int(&x->a[10], it->valid ? it->r.price_micros : 0);
    if (it->valid && it->r.source == BEACON_SRC_BEACON && it->r.error_code >= 0)
        arr_int(&x->a[11], it->r.error_code);
    else
        arr_str(&x->a[11], NULL);
    if (it->valid && it->r.source == BEACON_SRC_BEACON && it->r.playhead_ms >= 0)
        arr_int(&x->a[12], it->r.playhead_ms);
    else
        arr_str(&x->a[12], NULL);
    arr_str(&x->a[13], ts);
}

/* Mark the items whose event ids res returned (inserted, so new); a repeat counts once. */
static void mark_new(const PGresult *res, struct item *items, int n)
{
    char *used = xcalloc((size_t)PQntuples(res) + 1, 1);
    struct id_row *ix = result_index(res);
    int nix = PQntuples(res);

    for (int i = 0; i < n; i++) {
        int r;
        if (items[i].dead != NULL)
            continue;
        r = result_find(ix, nix, items[i].event_id);
        if (r >= 0 && !used[r]) {
            used[r] = 1; /* the same beacon twice in one batch counts once */
            items[i].is_new = 1;
        }
    }
    free(used);
    free(ix);
}

/* Raw events of the live items; the RETURNING set says which were new. */
static enum step_result insert_events(struct db_conn *c, struct item *items, int n,
                                      const int64_t *cpm, char st[6])
{
    struct arrays x;
    const char *p[NARR];
    PGresult *res;
    enum step_result ret = STEP_FULL;

    arrays_init(&x, 14);
    for (int i = 0; i < n; i++) {
        struct item *it = &items[i];

        if (it->dead != NULL)
            continue;
        if (it->valid && it->r.source != BEACON_SRC_BEACON && it->r.type == TRACKURL_IMPRESSION)
            it->r.price_micros = cpm[i]; /* unsigned impressions cost what the campaign's CPM says */
        event_row(&x, it);
    }
    if (arrays_close(&x, p) != 0)
        goto cleanup;
    ret = STEP_DB;
    if ((res = db_beacons_insert_events(c, p, st)) == NULL)
        goto cleanup;
    mark_new(res, items, n);
    PQclear(res);
    ret = STEP_OK;
cleanup:
    arrays_release(&x);
    return ret;
}

/* A text column of r, NULL when empty. */
static void arr_field(struct buf *b, const struct beacon_record *r, int k)
{
    arr_text(b, r->slen[k] ? r->s[k] : NULL, r->slen[k]);
}

/* The contract's impressions rows, one per new valid impression. */
static enum step_result insert_impressions(struct db_conn *c, const struct item *items, int n,
                                           char st[6])
{
    struct arrays x;
    const char *p[NARR];
    enum step_result ret = STEP_FULL;
    int cnt = 0;

    arrays_init(&x, 10);
    for (int i = 0; i < n; i++) {
        const struct item *it = &items[i];
        const struct beacon_record *r = &it->r;
        char ts[64];

        if (!it->is_new || !it->valid || r->type != TRACKURL_IMPRESSION)
            continue;
        cnt++;
        ts_text(it->ms, ts);
        arr_str(&x.a[0], it->impression_id);
        arr_str(&x.a[1], it->campaign);
        arr_str(&x.a[2], it->creative);
        arr_str(&x.a[3], ts);
        arr_field(&x.a[4], r, BEACON_S_DEVICE_TYPE);
        arr_field(&x.a[5], r, BEACON_S_COUNTRY);
        arr_field(&x.a[6], r, BEACON_S_REGION);
        arr_field(&x.a[7], r, BEACON_S_USER_AGENT);
        arr_field(&x.a[8], r, BEACON_S_IP);
        /* docs/admin-api.md: session_id, or ad_id when session_id is empty */
        arr_field(&x.a[9], r, r->slen[BEACON_S_SESSION] > 0 ? BEACON_S_SESSION : BEACON_S_AD_ID);
    }
    if (arrays_close(&x, p) == 0)
        ret = cnt > 0 ? step_done(db_beacons_insert_impressions(c, p, st)) : STEP_OK;
    arrays_release(&x);
    return ret;
}

/* 1-4 for the quartiles and complete, 0 otherwise. */
static int quartile_of(enum trackurl_type t)
{
    switch (t) {
    case TRACKURL_FIRST_QUARTILE:
        return 1;
    case TRACKURL_MIDPOINT:
        return 2;
    case TRACKURL_THIRD_QUARTILE:
        return 3;
    case TRACKURL_COMPLETE:
        return 4;
    default:
        return 0;
    }
}

/* Quartiles, complete and click of signed beacons move their impression row. */
static enum step_result record_progress(struct db_conn *c, const struct item *items, int n,
                                        char st[6])
{
    struct arrays x;
    const char *p[NARR];
    enum step_result ret = STEP_FULL;
    int cnt = 0;

    arrays_init(&x, 4);
    for (int i = 0; i < n; i++) {
        const struct item *it = &items[i];
        enum trackurl_type t = it->r.type;
        int q = quartile_of(t);

        if (!it->is_new || !it->valid || it->r.source != BEACON_SRC_BEACON)
            continue;
        if (q == 0 && t != TRACKURL_CLICK)
            continue;
        cnt++;
        arr_str(&x.a[0], it->r.ad_serving_id);
        arr_str(&x.a[1], t == TRACKURL_COMPLETE ? "t" : "f");
        arr_str(&x.a[2], t == TRACKURL_CLICK ? "t" : "f");
        arr_int(&x.a[3], q);
    }
    if (arrays_close(&x, p) == 0)
        ret = cnt > 0 ? step_done(db_beacons_progress(c, p, st)) : STEP_OK;
    arrays_release(&x);
    return ret;
}

/* Daily impression, click and complete counts, and spend, per campaign and UTC day. */
static enum step_result add_daily(struct db_conn *c, const struct item *items, int n, char st[6])
{
    struct arrays x;
    const char *p[NARR];
    enum step_result ret = STEP_FULL;
    int cnt = 0, spent = 0;

    arrays_init(&x, 8);
    for (int i = 0; i < n; i++) {
        const struct item *it = &items[i];
        enum trackurl_type t = it->r.type;
        char day[32];

        if (!it->is_new || !it->valid)
            continue;
        date_text(it->ms, day);
        if (t == TRACKURL_IMPRESSION || t == TRACKURL_CLICK || t == TRACKURL_COMPLETE) {
            cnt++;
            arr_str(&x.a[0], it->campaign);
            arr_str(&x.a[1], day);
            arr_int(&x.a[2], t == TRACKURL_IMPRESSION);
            arr_int(&x.a[3], t == TRACKURL_CLICK);
            arr_int(&x.a[4], t == TRACKURL_COMPLETE);
        }
        if (it->r.price_micros > 0) {
            spent++;
            arr_str(&x.a[5], it->campaign);
            arr_str(&x.a[6], day);
            arr_int(&x.a[7], it->r.price_micros);
        }
    }
    if (arrays_close(&x, p) != 0)
        goto cleanup;
    ret = cnt > 0 ? step_done(db_beacons_daily_counts(c, p, st)) : STEP_OK;
    if (ret == STEP_OK && spent > 0)
        ret = step_done(db_beacons_spend(c, p + 5, st));
cleanup:
    arrays_release(&x);
    return ret;
}

/* The steps of one batch in one transaction: referents, dead letters, events, effects. */
static enum tx_result apply(struct db_conn *c, struct item *items, int n, int *ndead)
{
    char st[6] = "";
    char err[256];
    int64_t *cpm = xcalloc((size_t)n, sizeof(int64_t));
    enum step_result sr;
    enum tx_result ret = TX_CONN;

    *ndead = 0;
    for (int i = 0; i < n; i++)
        items[i].is_new = 0;
    if (db_simple(c, "BEGIN", err, sizeof(err)) != 0)
        goto cleanup;
    sr = mark_unknown(c, items, n, cpm, st);
    if (sr == STEP_OK)
        sr = write_dead_letters(c, items, n, ndead, st);
    if (sr == STEP_OK)
        sr = insert_events(c, items, n, cpm, st);
    if (sr == STEP_OK)
        sr = insert_impressions(c, items, n, st);
    if (sr == STEP_OK)
        sr = record_progress(c, items, n, st);
    if (sr == STEP_OK)
        sr = add_daily(c, items, n, st);
    if (sr == STEP_OK)
        ret = db_simple(c, "COMMIT", err, sizeof(err)) == 0 ? TX_OK : TX_CONN;
    else if (sr == STEP_FULL)
        ret = TX_DATA;
    else if ((ret = classify(st)) == TX_DATA)
        log_warn("drain batch failed", "sqlstate", st);
cleanup:
    if (ret != TX_OK)
        db_simple(c, "ROLLBACK", err, sizeof(err));
    free(cpm);
    return ret;
}

/* ---- thread ---- */

static void item_clear(struct item *it)
{
    free(it->raw);
    memset(it, 0, sizeof(*it));
}

static void on_record(void *ctx, const void *data, size_t len, int64_t ms)
{
    struct spool_drain *d = ctx;
    struct item *it = &d->items[d->n++];

    memset(it, 0, sizeof(*it));
    it->raw = xmalloc(len);
    memcpy(it->raw, data, len);
    it->rawlen = len;
    it->ms = ms;
    item_prepare(it);
}

/* Sleep up to ms unless stopping; 1 when stopping. */
static int nap(struct bgthread *t, int ms)
{
    return !bgthread_wait(t, ms);
}

/* Apply the batch; on a data error, one record per transaction. 0 done, -1 connection down. */
static int commit_batch(struct spool_drain *d)
{
    struct db_conn *c = db_acquire(d->app->db, 1000);
    enum tx_result r;
    int ndead = 0, tries = 0;

    if (c == NULL)
        return -1;
    do {
        r = apply(c, d->items, d->n, &ndead);
    } while (r == TX_RETRY && ++tries < 5);
    if (r == TX_DATA || r == TX_RETRY) {
        /* find the culprits: a record that fails alone is set aside */
        for (int i = 0; i < d->n && r != TX_CONN; i++) {
            int nd1 = 0;
            r = apply(c, &d->items[i], 1, &nd1);
            if (r == TX_DATA || r == TX_RETRY) {
                d->items[i].dead = "database refused the event";
                d->items[i].valid = 0;
                r = apply(c, &d->items[i], 1, &nd1);
            }
            ndead += nd1;
        }
    }
    db_release(d->app->db, c);
    if (r != TX_OK) {
        atomic_fetch_add(&d->db_errors, 1);
        return -1;
    }
    atomic_fetch_add(&d->dead, (unsigned long long)ndead);
    return 0;
}

static void drain_main(struct bgthread *t, void *arg)
{
    struct spool_drain *d = arg;
    struct spool_cursor cur, next;
    int backoff = BACKOFF_MIN_MS;
    int64_t warned = 0;

    log_set_request(NULL);
    spool_cursor_start(d->app->spool, &cur);
    for (;;) {
        int got;
        int64_t t0;

        if (bgthread_stopping(t))
            break;
        next = cur;
        d->n = 0;
        got = spool_read(d->app->spool, &next, d->max, on_record, d);
        if (got < 0) {
            log_error("spool read failed");
            if (nap(t, 1000))
                break;
            continue;
        }
        if (got == 0) {
            spool_release(d->app->spool, &cur);
            if (nap(t, IDLE_MS))
                break;
            continue;
        }
        t0 = clock_mono_ms();
        for (;;) {
            if (commit_batch(d) == 0)
                break;
            if (clock_mono_ms() - warned > 10000) {
                warned = clock_mono_ms();
                log_warn("postgresql unavailable; beacons stay in the spool");
            }
            if (nap(t, backoff)) {
                for (int i = 0; i < d->n; i++)
                    item_clear(&d->items[i]);
                goto out;
            }
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        }
        backoff = BACKOFF_MIN_MS;
        {
            int64_t us = (clock_mono_ms() - t0) * 1000;
            atomic_store(&d->last_batch_us, us);
            atomic_fetch_add(&d->batch_us_sum, (unsigned long long)us);
        }
        for (int i = 0; i < d->n; i++)
            item_clear(&d->items[i]);
        cur = next;
        if (spool_release(d->app->spool, &cur) != 0)
            log_error("spool segment deletion failed");
        atomic_fetch_add(&d->drained, (unsigned long long)got);
        atomic_fetch_add(&d->batches, 1);
        atomic_store(&d->last_commit_ms, wall_ms());
        if (got < d->max && nap(t, IDLE_MS))
            break;
    }
out:
    return;
}

struct spool_drain *spool_drain_start(struct app *app, char *err, size_t errlen)
{
    struct spool_drain *d = xcalloc(1, sizeof(*d));

    d->app = app;
    d->max = app->cfg->drain_batch;
    d->items = xcalloc((size_t)d->max, sizeof(*d->items));
    d->thread = bgthread_start("spool-drain", 1, drain_main, d, err, errlen);
    if (d->thread == NULL) {
        free(d->items);
        free(d);
        return NULL;
    }
    return d;
}

void spool_drain_stop(struct spool_drain *d)
{
    if (d == NULL)
        return;
    bgthread_stop(d->thread); /* after the batch in progress */
    free(d->items);
    free(d);
}

uint64_t spool_drain_pending(struct spool_drain *d)
{
    struct spool_stats s;
    uint64_t in, out;

    if (d == NULL)
        return 0;
    spool_stats(d->app->spool, &s);
    in = s.appended + s.recovered;
    out = atomic_load(&d->drained);
    return in > out ? in - out : 0;
}

int spool_drain_metrics(struct spool_drain *d, struct buf *out)
{
    struct spool_stats s;
    int64_t now = wall_ms();
    double age;

    if (d == NULL)
        return 0;
    spool_stats(d->app->spool, &s);
    age = s.oldest_ms > 0 && now > s.oldest_ms ? (double)(now - s.oldest_ms) / 1000.0 : 0.0;
    return buf_printf(
        out,
        "# HELP adserverd_spool_bytes Bytes of spool segments not yet drained.\n"
        "# TYPE adserverd_spool_bytes gauge\n"
        "adserverd_spool_bytes %lld\n"
        "# HELP adserverd_spool_peak_bytes Highest spool size since start.\n"
        "# TYPE adserverd_spool_peak_bytes gauge\n"
        "adserverd_spool_peak_bytes %lld\n"
        "# HELP adserverd_spool_oldest_unsent_seconds Age of the oldest event not yet in "
        "PostgreSQL.\n"
        "# TYPE adserverd_spool_oldest_unsent_seconds gauge\n"
        "adserverd_spool_oldest_unsent_seconds %.3f\n"
        "# HELP adserverd_spool_pending_events Events in the spool not yet in PostgreSQL.\n"
        "# TYPE adserverd_spool_pending_events gauge\n"
        "adserverd_spool_pending_events %llu\n"
        "# HELP adserverd_spool_appended_total Records appended since start.\n"
        "# TYPE adserverd_spool_appended_total counter\n"
        "adserverd_spool_appended_total %llu\n"
        "# HELP adserverd_spool_fsyncs_total fdatasync calls of the spool.\n"
        "# TYPE adserverd_spool_fsyncs_total counter\n"
        "adserverd_spool_fsyncs_total %llu\n"
        "# HELP adserverd_spool_recovered_records Records found in the spool at start.\n"
        "# TYPE adserverd_spool_recovered_records gauge\n"
        "adserverd_spool_recovered_records %llu\n"
        "# HELP adserverd_spool_cut_bytes Torn or corrupt bytes cut at recovery.\n"
        "# TYPE adserverd_spool_cut_bytes gauge\n"
        "adserverd_spool_cut_bytes %llu\n"
        "# HELP adserverd_spool_failed 1 after a failed write or fdatasync (beacons get 503).\n"
        "# TYPE adserverd_spool_failed gauge\n"
        "adserverd_spool_failed %d\n"
        "# HELP adserverd_drain_events_total Events committed to PostgreSQL.\n"
        "# TYPE adserverd_drain_events_total counter\n"
        "adserverd_drain_events_total %llu\n"
        "# HELP adserverd_drain_batches_total Drain transactions committed.\n"
        "# TYPE adserverd_drain_batches_total counter\n"
        "adserverd_drain_batches_total %llu\n"
        "# HELP adserverd_drain_batch_seconds Latency of the last drain batch.\n"
        "# TYPE adserverd_drain_batch_seconds gauge\n"
        "adserverd_drain_batch_seconds %.6f\n"
        "# HELP adserverd_drain_batch_seconds_sum Total drain batch time.\n"
        "# TYPE adserverd_drain_batch_seconds_sum counter\n"
        "adserverd_drain_batch_seconds_sum %.6f\n"
        "# HELP adserverd_drain_dead_letters_total Events set aside with a reason.\n"
        "# TYPE adserverd_drain_dead_letters_total counter\n"
        "adserverd_drain_dead_letters_total %llu\n"
        "# HELP adserverd_drain_errors_total Drain attempts that failed (PostgreSQL down).\n"
        "# TYPE adserverd_drain_errors_total counter\n"
        "adserverd_drain_errors_total %llu\n",
        (long long)s.bytes, (long long)s.peak_bytes, age,
        (unsigned long long)spool_drain_pending(d), (unsigned long long)s.appended,
        (unsigned long long)s.syncs, (unsigned long long)s.recovered,
        (unsigned long long)s.cut_bytes, s.failed, (unsigned long long)atomic_load(&d->drained),
        (unsigned long long)atomic_load(&d->batches),
        (double)atomic_load(&d->last_batch_us) / 1e6,
        (double)atomic_load(&d->batch_us_sum) / 1e6, (unsigned long long)atomic_load(&d->dead),
        (unsigned long long)atomic_load(&d->db_errors));
}
