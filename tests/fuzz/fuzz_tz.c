/*
 * Fuzz target for adserverd/tz: arbitrary bytes as a TZif file must be
 * rejected or yield a zone whose lookups stay sane: offsets within 26 hours
 * either way, local fields in range, day starts that belong to their day.
 * The input is also tried as a POSIX TZ rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DAY_MS INT64_C(86400000)

static void probe(const struct tz_zone *z)
{
    /* 1900, 1970, 2025, 2037 (end of fat files), 2100 and beyond. */
    static const int64_t instants[] = {INT64_C(-2208988800000), 0,
                                       INT64_C(1748779200000),  INT64_C(2140000000000),
                                       INT64_C(4102444800000),  INT64_C(9000000000000)};
    struct tz_local l;

    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        int32_t off = tz_offset(z, instants[i]);
        if (off < -26 * 3600 || off > 26 * 3600)
            abort();
        tz_local(z, instants[i], &l);
        if (l.hour < 0 || l.hour > 23 || l.minute < 0 || l.minute > 59 || l.dow < 0 || l.dow > 6)
            abort();
        /*
         * The day's first instant: not after the instant, itself in that day,
         * and at most a day plus the largest backward jump (2 x 26 h) before.
         */
        int64_t start = tz_day_start(z, l.day);
        struct tz_local at_start;
        tz_local(z, start, &at_start);
        if (start > instants[i] || start < instants[i] - 4 * DAY_MS || at_start.day != l.day)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tz_zone *z = NULL;
    char err[128], rule[256];

    if (tz_parse_tzif(data, size, &z, err, sizeof(err)) == 0) {
        probe(z);
        tz_free(z);
    }
    if (size < sizeof(rule)) {
        memcpy(rule, data, size);
        rule[size] = '\0';
        z = NULL;
        if (tz_parse_posix(rule, &z, err, sizeof(err)) == 0) {
            probe(z);
            tz_free(z);
        }
    }
    return 0;
}
