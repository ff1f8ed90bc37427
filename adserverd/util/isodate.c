/*
 * isodate: see isodate.h.
 *
 * The grammar (the date shapes of docs/admin-api.md) is read left to right
 * with a cursor; each field has a fixed width, so there is no
 * backtracking. Calendar arithmetic uses Howard Hinnant's days_from_civil / civil_from_days (proleptic
 * Gregorian, exact for any int32 year), which is what V8 applies too.
 * Inputs come from request bodies and query strings; they are short, and the
 * work is linear in their length.
 */
#include "util/isodate.h"

#define MS_PER_DAY INT64_C(86400000)

/* Days from 1970-01-01 to y-m-d; d may exceed the month's length (roll-over). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read exactly n digits at s[*pos] into *out, within [lo, hi]; advance *pos. */
static int read_field(const char *s, size_t len, size_t *pos, int n, int lo, int hi, int *out)
{
    int v = 0;

    if (len - *pos < (size_t)n)
        return -1;
    for (int i = 0; i < n; i++) {
        char c = s[*pos + (size_t)i];
        if (!is_digit(c))
            return -1;
        v = v * 10 + (c - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *pos += (size_t)n;
    *out = v;
    return 0;
}

static int expect(const char *s, size_t len, size_t *pos, char c)
{
    if (*pos >= len || s[*pos] != c)
        return -1;
    (*pos)++;
    return 0;
}

/*
 * Milliseconds of the fraction digits at s[*pos], as V8's DateParser reads
 * them: the digit run is one numeral of which at most 9 significant digits
 * (leading zeros skipped) are kept, then scaled by the run's length capped at
 * 9. So ".1234" is 123 and ".5" is 500 like plain truncation, but a run longer
 * than 9 with leading zeros keeps digits it should drop: ".0123456789" is 123
 * ms, not 12 [quirk, reproduced because the reference stores what V8 read].
 */
static int read_millis(const char *s, size_t len, size_t *pos, int *out)
{
    size_t start = *pos, i = *pos;
    int value = 0, significant = 0;

    while (i < len && s[i] == '0')
        i++;
    while (i < len && is_digit(s[i])) {
        if (significant < 9) {
            value = value * 10 + (s[i] - '0');
            significant++;
        }
        i++;
    }
    if (i == start)
        return -1;

    size_t length = i - start;
    if (length == 1) {
        value *= 100;
    } else if (length == 2) {
        value *= 10;
    } else if (length > 3) {
        if (length > 9)
            length = 9;
        while (length-- > 3)
            value /= 10;
    }
    *pos = i;
    *out = value;
    return 0;
}

/* Zone suffix at s[*pos]: nothing, Z, +HH:MM or +HHMM; offset in minutes east. */
static int read_zone(const char *s, size_t len, size_t *pos, int *minutes)
{
    int sign, hh, mm;

    if (*pos == len) {
        *minutes = 0;
        return 0;
    }
    if (s[*pos] == 'Z') {
        (*pos)++;
        *minutes = 0;
        return 0;
    }
    if (s[*pos] == '+')
        sign = 1;
    else if (s[*pos] == '-')
        sign = -1;
    else
        return -1;
    (*pos)++;
    if (read_field(s, len, pos, 2, 0, 23, &hh) != 0)
        return -1;
    if (*pos < len && s[*pos] == ':')
        (*pos)++;
    if (read_field(s, len, pos, 2, 0, 59, &mm) != 0)
        return -1;
    *minutes = sign * (hh * 60 + mm);
    return 0;
}

/* The broken-down fields of an accepted string; zone is minutes east of UTC. */
struct fields {
    int year, month, day, hour, minute, second, millis, zone;
};

/* Date part, then the optional time part; every absent field keeps its default. */
static int read_fields(const char *s, size_t len, struct fields *f)
{
    size_t pos = 0;

    if (read_field(s, len, &pos, 4, 0, 9999, &f->year) != 0)
        return -1;
    if (pos == len)
        return 0;
    if (expect(s, len, &pos, '-') != 0 || read_field(s, len, &pos, 2, 1, 12, &f->month) != 0)
        return -1;
    if (pos == len)
        return 0;
    if (expect(s, len, &pos, '-') != 0 || read_field(s, len, &pos, 2, 1, 31, &f->day) != 0)
        return -1;
    if (pos == len)
        return 0;

    if (s[pos] != 'T' && s[pos] != ' ')
        return -1;
    pos++;
    if (read_field(s, len, &pos, 2, 0, 23, &f->hour) != 0 || expect(s, len, &pos, ':') != 0 ||
        read_field(s, len, &pos, 2, 0, 59, &f->minute) != 0)
        return -1;
    if (pos < len && s[pos] == ':') {
        pos++;
        if (read_field(s, len, &pos, 2, 0, 59, &f->second) != 0)
            return -1;
        if (pos < len && s[pos] == '.') {
            pos++;
            if (read_millis(s, len, &pos, &f->millis) != 0)
                return -1;
        }
    }
    if (read_zone(s, len, &pos, &f->zone) != 0 || pos != len)
        return -1;
    return 0;
}

int isodate_parse(const char *s, size_t len, int64_t *epoch_ms)
{
    struct fields f = {.year = 0, .month = 1, .day = 1};

    if (read_fields(s, len, &f) != 0)
        return -1;
    *epoch_ms = days_from_civil(f.year, f.month, f.day) * MS_PER_DAY +
                (int64_t)(f.hour * 60 + f.minute - f.zone) * 60000 + (int64_t)f.second * 1000 +
                f.millis;
    return 0;
}

static void put_digits(char *out, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

int isodate_format(int64_t epoch_ms, char out[ISODATE_SIZE])
{
    /* 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z */
    const int64_t min_ms = INT64_C(-62167219200000);
    const int64_t max_ms = INT64_C(253402300799999);
    int64_t days, ms_of_day, year;
    int month, day;

    if (epoch_ms < min_ms || epoch_ms > max_ms)
        return -1;
    /* Floor division: instants before 1970 belong to the earlier day. */
    days = epoch_ms / MS_PER_DAY;
    ms_of_day = epoch_ms % MS_PER_DAY;
    if (ms_of_day < 0) {
        ms_of_day += MS_PER_DAY;
        days--;
    }
    civil_from_days(days, &year, &month, &day);

    put_digits(out, year, 4);
    out[4] = '-';
    put_digits(out + 5, month, 2);
    out[7] = '-';
    put_digits(out + 8, day, 2);
    out[10] = 'T';
    put_digits(out + 11, ms_of_day / 3600000, 2);
    out[13] = ':';
    put_digits(out + 14, ms_of_day / 60000 % 60, 2);
    out[16] = ':';
    put_digits(out + 17, ms_of_day / 1000 % 60, 2);
    out[19] = '.';
    put_digits(out + 20, ms_of_day % 1000, 3);
    out[23] = 'Z';
    out[24] = '\0';
    return 0;
}
