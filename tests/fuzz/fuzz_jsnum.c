/*
 * Fuzz target for adserverd/jsnum: jsnum_parse() on arbitrary bytes must not
 * crash or read out of bounds; an accepted value must print with
 * jsnum_js_string() as a string that parses back to the same value (Joi's own
 * round-trip rule), and round2/format2/utf16_len must hold their contracts.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsnum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char out[JSNUM_STRING_SIZE], money[48];
    double d, back;
    int64_t i;
    int not_integer;

    if (jsnum_utf16_len(s, size) > size)
        abort();
    if (jsnum_parse_integer(s, size, &i, &not_integer) == JSNUM_NOT_INTEGER && !not_integer)
        abort();
    if (jsnum_parse(s, size, &d) != JSNUM_OK)
        return 0;
    if (!isfinite(d) || fabs(d) > 9007199254740991.0 || signbit(d) != (d < 0))
        abort();
    if (jsnum_js_string(d, out, sizeof(out)) != 0)
        abort();
    if (jsnum_parse(out, strlen(out), &back) != JSNUM_OK || back != d)
        abort();
    if (jsnum_format2(d, money, sizeof(money)) != 0 && fabs(d) < 1e13)
        abort();
    back = jsnum_round2(d);
    if (fabs(back - d) > 0.005000001 * (1 + fabs(d) * 1e-12))
        abort();
    return 0;
}
