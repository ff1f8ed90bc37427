/*
 * Unit tests for adserverd/isodate: every shape docs/admin-api.md accepts
 * or rejects, the V8 behaviours it keeps (day roll-over, fraction reading),
 * and the toISOString() rendering of 1.9. Expected instants were checked
 * against Node 20 with TZ=UTC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/isodate.h"

#define SENTINEL INT64_C(0x5A5A5A5A5A5A5A5A)

/* Parse s, format the result and compare with want. */
static void assert_parses_to(const char *s, const char *want)
{
    int64_t ms = SENTINEL;
    char out[ISODATE_SIZE];

    if (isodate_parse(s, strlen(s), &ms) != 0)
        fail_msg("rejected: \"%s\"", s);
    assert_int_equal(isodate_format(ms, out), 0);
    if (strcmp(out, want) != 0)
        fail_msg("\"%s\" -> %s, want %s", s, out, want);
}

static void assert_rejected(const char *s)
{
    int64_t ms = SENTINEL;

    if (isodate_parse(s, strlen(s), &ms) != -1)
        fail_msg("accepted: \"%s\"", s);
    assert_true(ms == SENTINEL);
}

static void test_isodate_parse_partial_dates(void **state)
{
    (void)state;
    assert_parses_to("2025", "2025-01-01T00:00:00.000Z");
    assert_parses_to("2025-07", "2025-07-01T00:00:00.000Z");
    assert_parses_to("2025-01-15", "2025-01-15T00:00:00.000Z");
    assert_parses_to("0000-01-01", "0000-01-01T00:00:00.000Z");
    assert_parses_to("9999-12-31", "9999-12-31T00:00:00.000Z");
}

static void test_isodate_parse_epoch_value(void **state)
{
    int64_t ms = SENTINEL;

    (void)state;
    assert_int_equal(isodate_parse("1970-01-01", 10, &ms), 0);
    assert_true(ms == 0);
    assert_int_equal(isodate_parse("2025-01-01T00:00:00.000Z", 24, &ms), 0);
    assert_true(ms == INT64_C(1735689600000));
    assert_int_equal(isodate_parse("1969-12-31T23:59:59.999Z", 24, &ms), 0);
    assert_true(ms == -1);
}

static void test_isodate_parse_date_times(void **state)
{
    (void)state;
    assert_parses_to("2025-01-01T10:00", "2025-01-01T10:00:00.000Z");
    assert_parses_to("2025-01-01 10:00", "2025-01-01T10:00:00.000Z");
    assert_parses_to("2025-01-01T10:20:30", "2025-01-01T10:20:30.000Z");
    assert_parses_to("2025-01-01 10:00:00.5+05:30", "2025-01-01T04:30:00.500Z");
    assert_parses_to("2025-12-31T23:59:59.999Z", "2025-12-31T23:59:59.999Z");
    assert_parses_to("2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000Z");
}

static void test_isodate_parse_zones(void **state)
{
    (void)state;
    assert_parses_to("2025-01-01T10:00Z", "2025-01-01T10:00:00.000Z");
    assert_parses_to("2025-01-01T10:00+05:30", "2025-01-01T04:30:00.000Z");
    assert_parses_to("2025-01-01T10:00+0530", "2025-01-01T04:30:00.000Z");
    assert_parses_to("2025-01-01T10:00:00.5-0530", "2025-01-01T15:30:00.500Z");
    assert_parses_to("2025-01-01T10:00-00:00", "2025-01-01T10:00:00.000Z");
    assert_parses_to("2025-01-01T10:00+23:59", "2024-12-31T10:01:00.000Z");
    assert_parses_to("1970-01-01T00:00:00+0100", "1969-12-31T23:00:00.000Z");
    assert_parses_to("2025-01-01T00:00:00.000-00:01", "2025-01-01T00:01:00.000Z");
}

static void test_isodate_parse_no_zone_is_utc(void **state)
{
    int64_t a = 0, b = 1;

    (void)state;
    assert_int_equal(isodate_parse("2025-06-01T12:00:00", 19, &a), 0);
    assert_int_equal(isodate_parse("2025-06-01T12:00:00Z", 20, &b), 0);
    assert_true(a == b);
}

static void test_isodate_parse_fraction_cut_to_millis(void **state)
{
    (void)state;
    assert_parses_to("2025-01-01T10:00:00.1Z", "2025-01-01T10:00:00.100Z");
    assert_parses_to("2025-01-01T10:00:00.12Z", "2025-01-01T10:00:00.120Z");
    assert_parses_to("2025-01-01T10:00:00.012Z", "2025-01-01T10:00:00.012Z");
    assert_parses_to("2025-01-01T10:00:00.123456Z", "2025-01-01T10:00:00.123Z");
    assert_parses_to("2025-01-01T10:00:00.9999Z", "2025-01-01T10:00:00.999Z");
    assert_parses_to("2025-01-01T10:00:00.999999999999999999999999Z", "2025-01-01T10:00:00.999Z");
    assert_parses_to("2025-01-01T10:00:00.0000000001Z", "2025-01-01T10:00:00.000Z");
}

/* V8 keeps 9 significant digits but scales by the run length capped at 9. */
static void test_isodate_parse_fraction_v8_quirk(void **state)
{
    (void)state;
    assert_parses_to("2025-01-01T10:00:00.0123456789Z", "2025-01-01T10:00:00.123Z");
    assert_parses_to("2025-01-01T10:00:00.000123456789Z", "2025-01-01T10:00:00.123Z");
    assert_parses_to("2025-01-01T10:00:00.00999999999Z", "2025-01-01T10:00:00.999Z");
    assert_parses_to("2025-01-01T10:00:00.00000000012345Z", "2025-01-01T10:00:00.000Z");
}

static void test_isodate_parse_day_rollover_quirk(void **state)
{
    (void)state;
    assert_parses_to("2025-02-30", "2025-03-02T00:00:00.000Z");
    assert_parses_to("2025-02-31", "2025-03-03T00:00:00.000Z");
    assert_parses_to("2025-02-29", "2025-03-01T00:00:00.000Z");
    assert_parses_to("2024-02-29", "2024-02-29T00:00:00.000Z");
    assert_parses_to("2024-02-30", "2024-03-01T00:00:00.000Z");
    assert_parses_to("2025-04-31", "2025-05-01T00:00:00.000Z");
    assert_parses_to("1900-02-29", "1900-03-01T00:00:00.000Z");
    assert_parses_to("2000-02-29", "2000-02-29T00:00:00.000Z");
    assert_parses_to("0000-02-30", "0000-03-01T00:00:00.000Z");
    assert_parses_to("2025-02-30T10:00Z", "2025-03-02T10:00:00.000Z");
}

static void test_isodate_parse_rejects_out_of_range_fields(void **state)
{
    (void)state;
    assert_rejected("2025-00-01");
    assert_rejected("2025-13-01");
    assert_rejected("2025-01-00");
    assert_rejected("2025-01-32");
    assert_rejected("2025-01-01T24:00");
    assert_rejected("2025-01-01T24:00:00.000Z");
    assert_rejected("2025-01-01T23:60");
    assert_rejected("2025-01-01T23:59:60");
    assert_rejected("2025-01-01T10:00+24:00");
    assert_rejected("2025-01-01T10:00+05:60");
}

static void test_isodate_parse_rejects_other_forms(void **state)
{
    (void)state;
    assert_rejected("");
    assert_rejected("2025-W01");
    assert_rejected("2025-W01-1");
    assert_rejected("20250101");
    assert_rejected("2025-0101");
    assert_rejected("202501");
    assert_rejected("2025-001");
    assert_rejected("+002025-01-01");
    assert_rejected("-2025-01-01");
    assert_rejected("25-01-01");
    assert_rejected("2025-1-01");
    assert_rejected("2025-01-1");
    assert_rejected("2025-01-01T10:00+05");
    assert_rejected("2025-01-01 10:00+05");
    assert_rejected("2025-01-01T10");
    assert_rejected("2025-01-01T1000");
    assert_rejected("2025-01-01T10:00.5");
    assert_rejected("2025-01-01T10:00:00.");
    assert_rejected("2025-01-01T10:00:00,5");
    assert_rejected("2025-01-01t10:00");
    assert_rejected("2025-01-01T10:00z");
    assert_rejected("2025-01-01\t10:00");
    assert_rejected("2025-01-01  10:00");
    assert_rejected("2025-01-01T");
    assert_rejected("2025-01-01Z");
    assert_rejected("2025-01Z");
    assert_rejected("2025-");
    assert_rejected("2025-01-");
    assert_rejected("2025-01-01T10:00:");
    assert_rejected("2025-01-01T10:00+05:3");
    assert_rejected("2025-01-01T10:00+5:30");
}

static void test_isodate_parse_rejects_junk(void **state)
{
    (void)state;
    assert_rejected(" 2025");
    assert_rejected("2025 ");
    assert_rejected("2025-01-01T10:00:00Z ");
    assert_rejected("2025-01-01T10:00:00ZZ");
    assert_rejected("2025-01-01x");
    assert_rejected("2O25");
    assert_rejected("not a date");
    assert_rejected("١٢٣٤");
}

static void test_isodate_parse_uses_len_not_nul(void **state)
{
    const char with_nul[] = "2025-01-01\0T10:00";
    int64_t ms = SENTINEL;

    (void)state;
    /* A prefix of a longer buffer is parsed on its own. */
    assert_int_equal(isodate_parse("2025-01-01T10:00", 10, &ms), 0);
    assert_true(ms == INT64_C(1735689600000));
    /* An embedded NUL is just a bad character. */
    ms = SENTINEL;
    assert_int_equal(isodate_parse(with_nul, sizeof(with_nul) - 1, &ms), -1);
    assert_true(ms == SENTINEL);
    assert_int_equal(isodate_parse("2025", 3, &ms), -1);
    assert_int_equal(isodate_parse("", 0, &ms), -1);
    assert_true(ms == SENTINEL);
}

static void test_isodate_format_known_instants(void **state)
{
    char out[ISODATE_SIZE];

    (void)state;
    assert_int_equal(isodate_format(0, out), 0);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    assert_int_equal(isodate_format(INT64_C(1735689600000), out), 0);
    assert_string_equal(out, "2025-01-01T00:00:00.000Z");
    assert_int_equal(isodate_format(-1, out), 0);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    assert_int_equal(isodate_format(INT64_C(951782400000), out), 0);
    assert_string_equal(out, "2000-02-29T00:00:00.000Z");
    assert_int_equal(isodate_format(INT64_C(-62167219200000), out), 0);
    assert_string_equal(out, "0000-01-01T00:00:00.000Z");
    assert_int_equal(isodate_format(INT64_C(253402300799999), out), 0);
    assert_string_equal(out, "9999-12-31T23:59:59.999Z");
}

static void test_isodate_format_rejects_out_of_range(void **state)
{
    char out[ISODATE_SIZE] = "untouched";

    (void)state;
    assert_int_equal(isodate_format(INT64_C(-62167219200001), out), -1);
    assert_int_equal(isodate_format(INT64_C(253402300800000), out), -1);
    assert_int_equal(isodate_format(INT64_MIN, out), -1);
    assert_int_equal(isodate_format(INT64_MAX, out), -1);
    assert_string_equal(out, "untouched");
}

/* A zone can carry an in-range string outside the printable years. */
static void test_isodate_parse_zone_crosses_year_range(void **state)
{
    int64_t ms = 0;
    char out[ISODATE_SIZE];

    (void)state;
    assert_int_equal(isodate_parse("0000-01-01T00:00+00:01", 22, &ms), 0);
    assert_true(ms == INT64_C(-62167219260000));
    assert_int_equal(isodate_format(ms, out), -1);
    assert_int_equal(isodate_parse("9999-12-31T23:59-00:01", 22, &ms), 0);
    assert_true(ms == INT64_C(253402300800000));
    assert_int_equal(isodate_format(ms, out), -1);
}

/* Days all over 0000-9999, every day of 1900-2100, and odd instants survive the round trip. */
static void test_isodate_format_parse_round_trip(void **state)
{
    const int64_t day = INT64_C(86400000);
    char out[ISODATE_SIZE];
    int64_t back;

    (void)state;
    for (int64_t ms = INT64_C(-62167219200000); ms <= INT64_C(253402300799999); ms += 13 * day) {
        assert_int_equal(isodate_format(ms, out), 0);
        assert_int_equal(isodate_parse(out, strlen(out), &back), 0);
        assert_true(back == ms);
        assert_int_equal(isodate_parse(out, 10, &back), 0);
        assert_true(back == ms);
    }
    for (int64_t ms = INT64_C(-2208988800000); ms < INT64_C(4133980800000); ms += day) {
        assert_int_equal(isodate_format(ms, out), 0);
        assert_int_equal(isodate_parse(out, strlen(out), &back), 0);
        assert_true(back == ms);
    }
    for (int64_t ms = -day * 800; ms < day * 800; ms += 3600007) {
        assert_int_equal(isodate_format(ms, out), 0);
        assert_int_equal(isodate_parse(out, strlen(out), &back), 0);
        assert_true(back == ms);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isodate_parse_partial_dates),
        cmocka_unit_test(test_isodate_parse_epoch_value),
        cmocka_unit_test(test_isodate_parse_date_times),
        cmocka_unit_test(test_isodate_parse_zones),
        cmocka_unit_test(test_isodate_parse_no_zone_is_utc),
        cmocka_unit_test(test_isodate_parse_fraction_cut_to_millis),
        cmocka_unit_test(test_isodate_parse_fraction_v8_quirk),
        cmocka_unit_test(test_isodate_parse_day_rollover_quirk),
        cmocka_unit_test(test_isodate_parse_rejects_out_of_range_fields),
        cmocka_unit_test(test_isodate_parse_rejects_other_forms),
        cmocka_unit_test(test_isodate_parse_rejects_junk),
        cmocka_unit_test(test_isodate_parse_uses_len_not_nul),
        cmocka_unit_test(test_isodate_parse_zone_crosses_year_range),
        cmocka_unit_test(test_isodate_format_known_instants),
        cmocka_unit_test(test_isodate_format_rejects_out_of_range),
        cmocka_unit_test(test_isodate_format_parse_round_trip),
    };
    return cmocka_run_group_tests_name("isodate", tests, NULL, NULL);
}
