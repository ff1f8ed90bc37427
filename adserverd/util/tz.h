/*
 * tz: IANA time zones as immutable offset tables, for day-parting and pacing.
 *
 * Campaigns target hours and days in their own zone (docs/architecture.md)
 * and pace over their own days. libc can only convert through the process-wide
 * TZ variable: setenv() + tzset() from the catalog thread would race every
 * other thread's localtime_r() and getenv(). So the catalog builder loads each
 * zone once from the zoneinfo database (TZif, RFC 8536) into a sorted table of
 * UTC offsets, the footer's POSIX rule expanded up to the year 2100; request
 * threads then convert with a binary search and integer arithmetic: no
 * environment, no I/O, no lock, no allocation. Beyond 2100 the last offset
 * holds.
 *
 * A zone is immutable after loading and may be read by any number of threads.
 */
#ifndef TZ_H
#define TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz_zone;

/* Local calendar position of an instant in a zone. */
struct tz_local {
    int64_t day;    /* local days since 1970-01-01 */
    int dow;        /* day of week, 0 = Sunday (as PostgreSQL's dow) */
    int hour;       /* 0-23 */
    int minute;     /* 0-59 */
    int32_t offset; /* seconds east of UTC in effect */
};

/* The longest zone name tz_load() accepts. */
#define TZ_NAME_MAX 255

/*
 * Load zone name ("Europe/Berlin") from the zoneinfo directory dir
 * (NULL: /usr/share/zoneinfo). "UTC" and "" are built in and need no file.
 * Names must be relative paths of [A-Za-z0-9._+-] components without "."
 * or ".." parts. 0 and *out a new zone (tz_free()), or -1 with a message in
 * err (unknown zone, unreadable or malformed file).
 */
int tz_load(const char *dir, const char *name, struct tz_zone **out, char *err, size_t errlen);

/*
 * Build a zone from TZif bytes (data is not kept). Same results as
 * tz_load(); exposed for tests and the fuzzer.
 */
int tz_parse_tzif(const uint8_t *data, size_t len, struct tz_zone **out, char *err, size_t errlen);

/*
 * Build a zone from a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), as found
 * in TZif footers; tests use it to pin DST rules without a zoneinfo database.
 */
int tz_parse_posix(const char *rule, struct tz_zone **out, char *err, size_t errlen);

/* Free a zone; NULL is fine. */
void tz_free(struct tz_zone *z);

/* Seconds east of UTC in effect at utc_ms. */
int32_t tz_offset(const struct tz_zone *z, int64_t utc_ms);

/* Local day, day of week, hour and minute of utc_ms. */
void tz_local(const struct tz_zone *z, int64_t utc_ms, struct tz_local *out);

/*
 * The first UTC instant (ms) whose local day is day: local midnight, or the
 * first instant after it when a transition skips midnight. Pacing measures
 * its days with this, so a 23- or 25-hour DST day counts its true length.
 */
int64_t tz_day_start(const struct tz_zone *z, int64_t day);

#endif
