/*
 * Fuzz target for adserverd/isodate: isodate_parse() on arbitrary bytes must
 * not crash or read out of bounds, and whatever it accepts must survive
 * isodate_format() and parse back to the same instant. The first 8 bytes are
 * also fed to isodate_format() as an instant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/isodate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(int64_t ms)
{
    char out[ISODATE_SIZE];
    int64_t back;

    if (isodate_format(ms, out) != 0)
        return;
    if (strlen(out) != ISODATE_SIZE - 1 || out[10] != 'T' || out[23] != 'Z')
        abort();
    if (isodate_parse(out, strlen(out), &back) != 0 || back != ms)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ms;

    if (isodate_parse((const char *)data, size, &ms) == 0) {
        if (size < 4)
            abort();
        check_round_trip(ms);
    }
    if (size >= sizeof(ms)) {
        memcpy(&ms, data, sizeof(ms));
        check_round_trip(ms);
        /* Bring the instant into 0000-9999 so formatting is exercised too. */
        check_round_trip(ms % INT64_C(253402300800000));
    }
    return 0;
}
