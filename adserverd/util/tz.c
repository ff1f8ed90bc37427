/*
 * tz: see tz.h.
 *
 * A zone is a sorted array of transitions (UTC seconds, offset that starts
 * there) plus the offset before the first one. TZif files give the
 * transitions up to their last explicit one (2037 for "fat" files, often
 * much earlier for "slim" ones); the footer's POSIX rule continues them, so
 * it is expanded here once, year by year, up to 2100. Lookups are a binary
 * search: a few hundred entries, under ten comparisons.
 *
 * Only the catalog builder calls the loaders (a few dozen zones per build);
 * every function after loading is pure and allocation-free.
 * Calendar arithmetic: Howard Hinnant's days_from_civil (proleptic Gregorian).
 */
#include "util/tz.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZIF_MAX_SIZE (1 << 20)   /* real files are under 4 KB */
#define TZIF_MAX_TIMES 20000      /* real files have under 2,000 transitions */
#define TZ_FIRST_YEAR 1900        /* the footer rule is expanded from here at the earliest */
#define TZ_LAST_YEAR 2100         /* ... up to here */
#define TZ_MAX_OFFSET (26 * 3600) /* RFC 8536 bounds offsets at about 25 hours */
#define TZ_CLAMP_MS INT64_C(1000000000000000) /* +-31,000 years keeps ms math in range */
#define SECS_PER_DAY 86400

struct tz_zone {
    size_t n;
    int64_t *at;    /* UTC seconds, strictly ascending */
    int32_t *off;   /* off[i] holds from at[i] to at[i + 1] */
    int32_t before; /* offset before at[0] (or always, when n == 0) */
};

/* One year's worth of a POSIX rule: "Mm.w.d", "Jn" or "n", then a time. */
struct posix_date {
    char kind; /* 'M', 'J' or 'n' */
    int m, w, d;
    int n;
    int32_t secs; /* local time of day of the change; may be negative or past 24h */
};

struct posix_rule {
    int32_t std_off; /* seconds east of UTC */
    int32_t dst_off;
    int has_dst;
    struct posix_date start, end;
};

/* A growable transition list while loading (build time only). */
struct table {
    size_t n, cap;
    int64_t *at;
    int32_t *off;
};

/* ------------------------------------------------------------------------
 * Calendar
 * ------------------------------------------------------------------------ */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t year_of_day(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    return yoe + era * 400 + (mp >= 10);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* 1970-01-01 was a Thursday (4). */
static int dow_of_day(int64_t day)
{
    int64_t r = (day + 4) % 7;
    return (int)(r < 0 ? r + 7 : r);
}

/* ------------------------------------------------------------------------
 * Building
 * ------------------------------------------------------------------------ */

static void table_release(struct table *t)
{
    free(t->at);
    free(t->off);
}

/*
 * Append a change; one at the same or an earlier instant than the last entry
 * replaces that entry's offset (a rule whose end and next start coincide,
 * as in permanent DST), and a change to the offset already in effect is
 * dropped, so lookups never see empty intervals.
 */
static void table_push(struct table *t, int32_t before, int64_t at, int32_t off)
{
    if (t->n > 0 && at <= t->at[t->n - 1]) {
        t->off[t->n - 1] = off;
        if (t->n >= 2 ? t->off[t->n - 2] == off : before == off)
            t->n--;
        return;
    }
    if ((t->n > 0 ? t->off[t->n - 1] : before) == off)
        return;
    if (t->n == t->cap) {
        t->cap = t->cap ? st_mult(t->cap, 2) : 64;
        t->at = xrealloc(t->at, st_mult(t->cap, sizeof(*t->at)));
        t->off = xrealloc(t->off, st_mult(t->cap, sizeof(*t->off)));
    }
    t->at[t->n] = at;
    t->off[t->n] = off;
    t->n++;
}

static struct tz_zone *zone_from_table(struct table *t, int32_t before)
{
    struct tz_zone *z = xcalloc(1, sizeof(*z));

    z->n = t->n;
    z->at = t->at;
    z->off = t->off;
    z->before = before;
    t->at = NULL;
    t->off = NULL;
    t->n = t->cap = 0;
    return z;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    /* Truncation only shortens a message. */
    if (errlen > 0)
        (void)snprintf(err, errlen, "%s", msg);
}

/* ------------------------------------------------------------------------
 * POSIX TZ rules (RFC 8536 section 3.3, with its extension of hours to 167)
 * ------------------------------------------------------------------------ */

static int parse_name(const char **p)
{
    const char *s = *p;
    size_t n = 0;

    if (*s == '<') {
        s++;
        while (*s != '>') {
            if (*s == '\0' || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                                (*s >= '0' && *s <= '9') || *s == '+' || *s == '-'))
                return -1;
            s++;
            n++;
        }
        s++;
    } else {
        while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
            s++;
            n++;
        }
    }
    if (n < 3)
        return -1;
    *p = s;
    return 0;
}

static int parse_num(const char **p, int lo, int hi, int *out)
{
    const char *s = *p;
    int v = 0, digits = 0;

    while (*s >= '0' && *s <= '9' && digits < 4) {
        v = v * 10 + (*s - '0');
        s++;
        digits++;
    }
    if (digits == 0 || v < lo || v > hi)
        return -1;
    *p = s;
    *out = v;
    return 0;
}

/* [+|-]hh[:mm[:ss]] with hh up to max_h; result in seconds, sign applied. */
static int parse_hms(const char **p, int max_h, int32_t *out)
{
    const char *s = *p;
    int sign = 1, h, m = 0, sec = 0;

    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    if (parse_num(&s, 0, max_h, &h) != 0)
        return -1;
    if (*s == ':') {
        s++;
        if (parse_num(&s, 0, 59, &m) != 0)
            return -1;
        if (*s == ':') {
            s++;
            if (parse_num(&s, 0, 59, &sec) != 0)
                return -1;
        }
    }
    *p = s;
    *out = sign * (h * 3600 + m * 60 + sec);
    return 0;
}

static int parse_date(const char **p, struct posix_date *d)
{
    const char *s = *p;

    if (*s == 'M') {
        s++;
        d->kind = 'M';
        if (parse_num(&s, 1, 12, &d->m) != 0 || *s++ != '.' || parse_num(&s, 1, 5, &d->w) != 0 ||
            *s++ != '.' || parse_num(&s, 0, 6, &d->d) != 0)
            return -1;
    } else if (*s == 'J') {
        s++;
        d->kind = 'J';
        if (parse_num(&s, 1, 365, &d->n) != 0)
            return -1;
    } else {
        d->kind = 'n';
        if (parse_num(&s, 0, 365, &d->n) != 0)
            return -1;
    }
    d->secs = 2 * 3600;
    if (*s == '/') {
        s++;
        if (parse_hms(&s, 167, &d->secs) != 0)
            return -1;
    }
    *p = s;
    return 0;
}

static int parse_rule(const char *s, struct posix_rule *r)
{
    int32_t west;

    memset(r, 0, sizeof(*r));
    if (parse_name(&s) != 0 || parse_hms(&s, 24, &west) != 0)
        return -1;
    /* POSIX offsets count hours west of Greenwich; ours count east. */
    r->std_off = -west;
    if (*s == '\0')
        return 0;
    if (parse_name(&s) != 0)
        return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if (parse_hms(&s, 24, &west) != 0)
            return -1;
        r->dst_off = -west;
    }
    /* A DST name without rules means a libc default we do not guess at. */
    if (*s++ != ',' || parse_date(&s, &r->start) != 0 || *s++ != ',' ||
        parse_date(&s, &r->end) != 0 || *s != '\0')
        return -1;
    return 0;
}

/* Local day number (days since 1970-01-01) of a rule date in year y. */
static int64_t rule_day(const struct posix_date *d, int64_t y)
{
    int64_t jan1 = days_from_civil(y, 1, 1);

    if (d->kind == 'J')
        return jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
    if (d->kind == 'n')
        return jan1 + d->n;
    int64_t first = days_from_civil(y, d->m, 1);
    int64_t next = d->m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, d->m + 1, 1);
    int64_t day = first + (d->d - dow_of_day(first) + 7) % 7 + 7 * (d->w - 1);
    while (day >= next)
        day -= 7;
    return day;
}

/* Append the rule's changes for years from..TZ_LAST_YEAR after what t holds. */
static void expand_rule(struct table *t, int32_t before, const struct posix_rule *r, int64_t from)
{
    if (!r->has_dst) {
        if (t->n == 0 || t->at[t->n - 1] < INT64_MAX)
            table_push(t, before, t->n ? t->at[t->n - 1] + 1 : INT64_MIN, r->std_off);
        return;
    }
    /* Times before 1900 do not matter to ad serving; TZif files may start at -2^59. */
    if (from < TZ_FIRST_YEAR)
        from = TZ_FIRST_YEAR;
    for (int64_t y = from; y <= TZ_LAST_YEAR; y++) {
        /* The change to DST happens in standard time, the change back in DST. */
        int64_t on = rule_day(&r->start, y) * SECS_PER_DAY + r->start.secs - r->std_off;
        int64_t off = rule_day(&r->end, y) * SECS_PER_DAY + r->end.secs - r->dst_off;
        int64_t first = on < off ? on : off, second = on < off ? off : on;
        int32_t first_off = on < off ? r->dst_off : r->std_off;
        int32_t second_off = on < off ? r->std_off : r->dst_off;
        int64_t last = t->n ? t->at[t->n - 1] : INT64_MIN;

        if (first > last)
            table_push(t, before, first, first_off);
        if (second > last)
            table_push(t, before, second, second_off);
    }
}

int tz_parse_posix(const char *rule, struct tz_zone **out, char *err, size_t errlen)
{
    struct posix_rule r;
    struct table t = {0};
    int32_t before;

    if (parse_rule(rule, &r) != 0) {
        set_err(err, errlen, "malformed POSIX TZ rule");
        return -1;
    }
    before = r.std_off;
    if (r.has_dst)
        expand_rule(&t, before, &r, 1970);
    *out = zone_from_table(&t, before);
    return 0;
}

/* ------------------------------------------------------------------------
 * TZif (RFC 8536)
 * ------------------------------------------------------------------------ */

struct tzif_header {
    char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int read_header(const uint8_t *p, size_t len, struct tzif_header *h)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    h->version = (char)p[4];
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > TZIF_MAX_TIMES ||
        h->leapcnt > TZIF_MAX_TIMES || h->charcnt > 65536 ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
        return -1;
    return 0;
}

/* Bytes of the data block after a header; time_size is 4 (v1) or 8. */
static size_t block_size(const struct tzif_header *h, size_t time_size)
{
    return (size_t)h->timecnt * time_size + h->timecnt + (size_t)h->typecnt * 6 + h->charcnt +
           (size_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* Fill t from one data block; *before is time type 0's offset (RFC 8536 3.2). */
static int read_block(const uint8_t *p, const struct tzif_header *h, size_t time_size,
                      struct table *t, int32_t *before)
{
    const uint8_t *times = p;
    const uint8_t *idx = times + (size_t)h->timecnt * time_size;
    const uint8_t *types = idx + h->timecnt;
    int32_t offs[256];
    int64_t prev = 0;

    for (uint32_t i = 0; i < h->typecnt; i++) {
        int32_t o = (int32_t)be32(types + 6 * (size_t)i);
        if (o < -TZ_MAX_OFFSET || o > TZ_MAX_OFFSET || types[6 * (size_t)i + 4] > 1)
            return -1;
        offs[i] = o;
    }
    *before = offs[0];
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t at = time_size == 8 ? be64(times + 8 * (size_t)i)
                                    : (int64_t)(int32_t)be32(times + 4 * (size_t)i);
        /* Strictly ascending, as RFC 8536 requires; table_push relies on it. */
        if (idx[i] >= h->typecnt || (i > 0 && at <= prev))
            return -1;
        table_push(t, *before, at, offs[idx[i]]);
        prev = at;
    }
    return 0;
}

int tz_parse_tzif(const uint8_t *data, size_t len, struct tz_zone **out, char *err, size_t errlen)
{
    struct tzif_header h;
    struct table t = {0};
    struct posix_rule rule;
    size_t pos, size;
    int32_t before = 0;
    int rc = -1;
    char footer[128];

    if (read_header(data, len, &h) != 0)
        goto malformed;
    size = block_size(&h, 4);
    if (len - 44 < size)
        goto malformed;
    pos = 44 + size;
    if (h.version == '\0') {
        if (read_block(data + 44, &h, 4, &t, &before) != 0)
            goto malformed;
        *out = zone_from_table(&t, before);
        return 0;
    }
    /* Version 2+: skip the 32-bit block, read the 64-bit one and the footer. */
    if (read_header(data + pos, len - pos, &h) != 0)
        goto malformed;
    pos += 44;
    size = block_size(&h, 8);
    if (len - pos < size)
        goto malformed;
    if (read_block(data + pos, &h, 8, &t, &before) != 0)
        goto malformed;
    pos += size;
    if (pos >= len || data[pos] != '\n')
        goto malformed;
    pos++;
    size = 0;
    while (pos + size < len && data[pos + size] != '\n')
        size++;
    if (pos + size >= len || size >= sizeof(footer) || memchr(data + pos, '\0', size) != NULL)
        goto malformed;
    if (size > 0) {
        memcpy(footer, data + pos, size);
        footer[size] = '\0';
        if (parse_rule(footer, &rule) != 0)
            goto malformed;
        expand_rule(&t, before, &rule,
                    t.n ? year_of_day(floor_div(t.at[t.n - 1], SECS_PER_DAY)) : 1970);
    }
    *out = zone_from_table(&t, before);
    rc = 0;
    goto cleanup;
malformed:
    set_err(err, errlen, "malformed zoneinfo file");
cleanup:
    table_release(&t);
    return rc;
}

/* Relative path of safe components: no "", ".", ".." parts, no leading '/'. */
static int name_valid(const char *name)
{
    size_t len = strlen(name), part = 0;

    if (len == 0 || len > TZ_NAME_MAX)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        char c = name[i];
        if (c == '/' || c == '\0') {
            if (part == 0 || (part == 1 && name[i - 1] == '.') ||
                (part == 2 && name[i - 1] == '.' && name[i - 2] == '.'))
                return 0;
            part = 0;
            continue;
        }
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '+' || c == '-'))
            return 0;
        part++;
    }
    return 1;
}

/* Read a whole regular file of at most TZIF_MAX_SIZE bytes. */
static int read_file(const char *path, uint8_t **data, size_t *len)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        st.st_size > TZIF_MAX_SIZE)
        goto cleanup;
    buf = xmalloc((size_t)st.st_size);
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto cleanup;
        got += (size_t)n;
    }
    *data = buf;
    *len = got;
    buf = NULL;
    rc = 0;
cleanup:
    free(buf);
    /* Read-only descriptor: a close error cannot lose data. */
    (void)close(fd);
    return rc;
}

int tz_load(const char *dir, const char *name, struct tz_zone **out, char *err, size_t errlen)
{
    char path[4096];
    uint8_t *data = NULL;
    size_t len = 0;
    int n, rc = -1;

    if (name[0] == '\0' || strcmp(name, "UTC") == 0) {
        *out = xcalloc(1, sizeof(**out));
        return 0;
    }
    if (!name_valid(name)) {
        set_err(err, errlen, "invalid time zone name");
        return -1;
    }
    n = snprintf(path, sizeof(path), "%s/%s", dir ? dir : TZ_DEFAULT_DIR, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        set_err(err, errlen, "time zone path too long");
        return -1;
    }
    if (read_file(path, &data, &len) != 0) {
        set_err(err, errlen, "unknown time zone");
        goto cleanup;
    }
    rc = tz_parse_tzif(data, len, out, err, errlen);
cleanup:
    free(data);
    return rc;
}

void tz_free(struct tz_zone *z)
{
    if (z == NULL)
        return;
    free(z->at);
    free(z->off);
    free(z);
}

/* ------------------------------------------------------------------------
 * Lookups (request path)
 * ------------------------------------------------------------------------ */

/* Offset in effect at UTC second t. */
static int32_t offset_at(const struct tz_zone *z, int64_t t)
{
    size_t lo = 0, hi = z->n;

    if (z->n == 0 || t < z->at[0])
        return z->before;
    /* Invariant: at[lo] <= t, and t < at[hi] when hi < n. */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->off[lo];
}

static int64_t clamp_ms(int64_t ms)
{
    return ms < -TZ_CLAMP_MS ? -TZ_CLAMP_MS : ms > TZ_CLAMP_MS ? TZ_CLAMP_MS : ms;
}

int32_t tz_offset(const struct tz_zone *z, int64_t utc_ms)
{
    return offset_at(z, floor_div(clamp_ms(utc_ms), 1000));
}

void tz_local(const struct tz_zone *z, int64_t utc_ms, struct tz_local *out)
{
    int64_t t = floor_div(clamp_ms(utc_ms), 1000);
    int32_t off = offset_at(z, t);
    int64_t local = t + off;
    int64_t day = floor_div(local, SECS_PER_DAY);
    int64_t secs = local - day * SECS_PER_DAY;

    out->day = day;
    out->dow = dow_of_day(day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs % 3600 / 60);
    out->offset = off;
}

/*
 * Local time is continuous between transitions, so the first instant of a
 * local day is either local midnight under some interval's offset (valid
 * when it falls inside that interval) or a transition that jumps into the
 * day. Only intervals within a day and a bit of midnight can matter.
 */
int64_t tz_day_start(const struct tz_zone *z, int64_t day)
{
    const int64_t max_day = TZ_CLAMP_MS / 1000 / SECS_PER_DAY;
    int64_t midnight, lo, hi, best = INT64_MAX;
    size_t i = 0;

    day = day < -max_day ? -max_day : day > max_day ? max_day : day;
    midnight = day * SECS_PER_DAY;
    lo = midnight - 2 * SECS_PER_DAY;
    hi = midnight + 2 * SECS_PER_DAY;
    /* The interval before the first transition. */
    if (z->n == 0 || midnight - z->before < z->at[0])
        best = midnight - z->before;
    /* First transition at or after lo, then the interval containing lo. */
    for (size_t hi_i = z->n; i < hi_i;) {
        size_t mid = i + (hi_i - i) / 2;
        if (z->at[mid] < lo)
            i = mid + 1;
        else
            hi_i = mid;
    }
    if (i > 0)
        i--;
    for (; i < z->n && z->at[i] <= hi; i++) {
        int64_t start = z->at[i], end = i + 1 < z->n ? z->at[i + 1] : INT64_MAX;
        int64_t cand = midnight - z->off[i];
        if (cand >= start && cand < end && cand < best)
            best = cand;
        /* start >= lo: far-away starts (TZif's "big bang" entries) cannot matter. */
        if (start >= lo && start < best && floor_div(start + z->off[i], SECS_PER_DAY) == day)
            best = start;
    }
    /* Unreachable for a consistent table; keep a sane answer anyway. */
    if (best == INT64_MAX)
        best = midnight - offset_at(z, midnight);
    return best * 1000;
}
