/*
 * Unit tests for adserverd/tz: TZif and POSIX-rule loading, offsets and
 * local time across DST, day starts of 23- and 25-hour days, name safety.
 * The zoneinfo comparison runs glibc's localtime_r() as the reference; it
 * is safe here because this test binary has one thread. Tests that need
 * /usr/share/zoneinfo are skipped when it is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/isodate.h"
#include "util/tz.h"

#define ZONEINFO "/usr/share/zoneinfo"
#define HOUR_MS INT64_C(3600000)

static int64_t at(const char *iso)
{
    int64_t ms = 0;

    if (isodate_parse(iso, strlen(iso), &ms) != 0)
        fail_msg("bad instant %s", iso);
    return ms;
}

static int have_zoneinfo(void)
{
    return access(ZONEINFO "/America/New_York", R_OK) == 0;
}

static struct tz_zone *load(const char *name)
{
    struct tz_zone *z = NULL;
    char err[128] = "";

    if (tz_load(ZONEINFO, name, &z, err, sizeof(err)) != 0)
        fail_msg("tz_load %s: %s", name, err);
    return z;
}

static struct tz_zone *posix(const char *rule)
{
    struct tz_zone *z = NULL;
    char err[128] = "";

    if (tz_parse_posix(rule, &z, err, sizeof(err)) != 0)
        fail_msg("tz_parse_posix %s: %s", rule, err);
    return z;
}

static void test_tz_posix_us_rules(void **state)
{
    struct tz_zone *z = posix("EST5EDT,M3.2.0,M11.1.0");

    (void)state;
    /* 2025: DST from Sunday 9 March 02:00 EST to Sunday 2 November 02:00 EDT. */
    assert_int_equal(tz_offset(z, at("2025-03-09T06:59:59Z")), -5 * 3600);
    assert_int_equal(tz_offset(z, at("2025-03-09T07:00:00Z")), -4 * 3600);
    assert_int_equal(tz_offset(z, at("2025-11-02T05:59:59Z")), -4 * 3600);
    assert_int_equal(tz_offset(z, at("2025-11-02T06:00:00Z")), -5 * 3600);
    /* Far future is still expanded. */
    assert_int_equal(tz_offset(z, at("2099-07-01T00:00:00Z")), -4 * 3600);
    assert_int_equal(tz_offset(z, at("2099-12-01T00:00:00Z")), -5 * 3600);
    tz_free(z);
}

static void test_tz_posix_southern_hemisphere(void **state)
{
    /* Sydney: DST from the first Sunday of October to the first Sunday of April. */
    struct tz_zone *z = posix("AEST-10AEDT,M10.1.0,M4.1.0/3");

    (void)state;
    assert_int_equal(tz_offset(z, at("2025-01-15T00:00:00Z")), 11 * 3600);
    assert_int_equal(tz_offset(z, at("2025-07-15T00:00:00Z")), 10 * 3600);
    /* 2025-04-06 03:00 AEDT = 2025-04-05T16:00Z back to AEST. */
    assert_int_equal(tz_offset(z, at("2025-04-05T15:59:59Z")), 11 * 3600);
    assert_int_equal(tz_offset(z, at("2025-04-05T16:00:00Z")), 10 * 3600);
    tz_free(z);
}

static void test_tz_posix_fixed_and_quoted(void **state)
{
    struct tz_zone *z = posix("<+0530>-5:30");

    (void)state;
    assert_int_equal(tz_offset(z, at("2025-06-01T00:00:00Z")), 5 * 3600 + 1800);
    tz_free(z);
    z = posix("UTC0");
    assert_int_equal(tz_offset(z, 0), 0);
    tz_free(z);
}

static void test_tz_posix_rejects_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "E5",
        "EST",
        "EST5EDT",
        "EST5EDT,M13.1.0,M11.1.0",
        "EST5EDT,M3.6.0,M11.1.0",
        "EST5EDT,M3.2.7,M11.1.0",
        "EST5EDT,J0,J365",
        "EST5EDT,M3.2.0",
        "<AB>5",
        "EST5x",
    };
    struct tz_zone *z = NULL;
    char err[64];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (tz_parse_posix(bad[i], &z, err, sizeof(err)) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_null(z);
}

static void test_tz_local_fields(void **state)
{
    struct tz_zone *z = posix("JST-9");
    struct tz_local l;

    (void)state;
    /* Friday 2025-01-03 15:30 UTC is Saturday 00:30 in Tokyo. */
    tz_local(z, at("2025-01-03T15:30:00Z"), &l);
    assert_int_equal(l.dow, 6);
    assert_int_equal(l.hour, 0);
    assert_int_equal(l.minute, 30);
    assert_int_equal(l.offset, 9 * 3600);
    assert_true(l.day == at("2025-01-04") / (24 * HOUR_MS));
    /* Before 1970 days are negative and still floor correctly. */
    tz_local(z, at("1969-12-31T14:59:00Z"), &l);
    assert_true(l.day == -1);
    assert_int_equal(l.hour, 23);
    assert_int_equal(l.dow, 3);
    tz_free(z);
}

static void test_tz_day_start_dst_days(void **state)
{
    struct tz_zone *z = posix("EST5EDT,M3.2.0,M11.1.0");
    int64_t d;

    (void)state;
    /* 9 March 2025 has 23 hours, 2 November 25. */
    d = at("2025-03-09") / (24 * HOUR_MS);
    assert_true(tz_day_start(z, d) == at("2025-03-09T05:00:00Z"));
    assert_true(tz_day_start(z, d + 1) - tz_day_start(z, d) == 23 * HOUR_MS);
    d = at("2025-11-02") / (24 * HOUR_MS);
    assert_true(tz_day_start(z, d) == at("2025-11-02T04:00:00Z"));
    assert_true(tz_day_start(z, d + 1) - tz_day_start(z, d) == 25 * HOUR_MS);
    tz_free(z);
}

static void test_tz_day_start_skipped_midnight(void **state)
{
    /* A zone that springs forward at midnight: the day starts at 01:00. */
    struct tz_zone *z = posix("XST3XDT,M3.5.0/0,M10.5.0/1");
    int64_t d = at("2025-03-30") / (24 * HOUR_MS);
    struct tz_local l;

    (void)state;
    /* 00:00 XST (UTC-3) = 03:00Z; the clock jumps to 01:00 XDT then. */
    assert_true(tz_day_start(z, d) == at("2025-03-30T03:00:00Z"));
    tz_local(z, tz_day_start(z, d), &l);
    assert_int_equal(l.hour, 1);
    tz_local(z, tz_day_start(z, d) - 1, &l);
    assert_true(l.day == d - 1);
    tz_free(z);
}

static void test_tz_load_builtin_utc(void **state)
{
    struct tz_zone *z = NULL;
    char err[64];

    (void)state;
    assert_int_equal(tz_load("/nonexistent", "UTC", &z, err, sizeof(err)), 0);
    assert_int_equal(tz_offset(z, at("2025-06-01T00:00:00Z")), 0);
    tz_free(z);
}

static void test_tz_load_rejects_unsafe_names(void **state)
{
    static const char *const bad[] = {
        "../etc/passwd",    "/etc/passwd", "America/../../etc", "America//New_York",
        "America/New York", "./UTC",       "America/",          "a\\b",
    };
    struct tz_zone *z = NULL;
    char err[64];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (tz_load(ZONEINFO, bad[i], &z, err, sizeof(err)) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(tz_load(ZONEINFO, "No/Such_Zone", &z, err, sizeof(err)), -1);
    assert_string_equal(err, "unknown time zone");
    assert_null(z);
}

/* Offsets of our table against glibc's for many instants, 1970 to 2099. */
static void compare_with_libc(const char *name)
{
    struct tz_zone *z = load(name);
    int64_t step = 7 * HOUR_MS + 13 * 60000; /* lands on every hour of the day over time */
    char tzvar[128];

    snprintf(tzvar, sizeof(tzvar), ":%s/%s", ZONEINFO, name);
    setenv("TZ", tzvar, 1);
    tzset();
    for (int64_t ms = 0; ms < at("2099-12-31T00:00:00Z"); ms += step) {
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        if (localtime_r(&t, &tm) == NULL)
            fail_msg("localtime_r");
        if (tz_offset(z, ms) != tm.tm_gmtoff)
            fail_msg("%s at %lld: ours %d, libc %ld", name, (long long)ms, tz_offset(z, ms),
                     tm.tm_gmtoff);
    }
    tz_free(z);
}

static void test_tz_load_matches_libc(void **state)
{
    static const char *const zones[] = {
        "America/New_York",  "Europe/Berlin",   "Australia/Sydney", "Asia/Kolkata",
        "America/Sao_Paulo", "Pacific/Chatham", "Europe/Dublin",    "Asia/Tehran",
        "America/Havana",    "Pacific/Apia",
    };

    (void)state;
    if (!have_zoneinfo())
        skip();
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
        compare_with_libc(zones[i]);
    unsetenv("TZ");
    tzset();
}

/* A v2 file with no transitions: only the footer rule (what "slim" files lean on). */
static void test_tz_parse_tzif_footer_only(void **state)
{
    uint8_t buf[256];
    size_t n = 0;
    struct tz_zone *z = NULL;
    char err[64];
    static const char footer[] = "\nEST5EDT,M3.2.0,M11.1.0\n";

    (void)state;
    memset(buf, 0, sizeof(buf));
    for (int block = 0; block < 2; block++) {
        memcpy(buf + n, "TZif2", 5);
        /* counts: isut 0, isstd 0, leap 0, time 0, type 1, char 4 */
        buf[n + 39] = 1;
        buf[n + 43] = 4;
        n += 44;
        /* ttinfo: utoff -18000, isdst 0, idx 0; then "EST\0" */
        buf[n] = 0xff, buf[n + 1] = 0xff, buf[n + 2] = 0xb9, buf[n + 3] = 0xb0;
        n += 6;
        memcpy(buf + n, "EST", 4);
        n += 4;
    }
    memcpy(buf + n, footer, sizeof(footer) - 1);
    n += sizeof(footer) - 1;
    assert_int_equal(tz_parse_tzif(buf, n, &z, err, sizeof(err)), 0);
    assert_int_equal(tz_offset(z, at("2025-07-01T00:00:00Z")), -4 * 3600);
    assert_int_equal(tz_offset(z, at("2025-01-01T00:00:00Z")), -5 * 3600);
    tz_free(z);
    /* Cut anywhere, it must fail cleanly. */
    for (size_t cut = 0; cut < n; cut++) {
        z = NULL;
        if (tz_parse_tzif(buf, cut, &z, err, sizeof(err)) == 0)
            fail_msg("accepted a file cut at %zu", cut);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_posix_us_rules),
        cmocka_unit_test(test_tz_posix_southern_hemisphere),
        cmocka_unit_test(test_tz_posix_fixed_and_quoted),
        cmocka_unit_test(test_tz_posix_rejects_malformed),
        cmocka_unit_test(test_tz_local_fields),
        cmocka_unit_test(test_tz_day_start_dst_days),
        cmocka_unit_test(test_tz_day_start_skipped_midnight),
        cmocka_unit_test(test_tz_load_builtin_utc),
        cmocka_unit_test(test_tz_load_rejects_unsafe_names),
        cmocka_unit_test(test_tz_load_matches_libc),
        cmocka_unit_test(test_tz_parse_tzif_footer_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
