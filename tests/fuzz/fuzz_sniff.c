/*
 * libFuzzer target for adserverd/media/sniff: any bytes, as an uploaded
 * creative's head. Must not crash or read out of bounds, and its verdict
 * must be consistent: a refused file has a reason, an accepted one a kind.
 */
#include "media/sniff.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sniff_result r;

    if (sniff_read_mem(data, size, &r) != 0)
        abort(); /* memory never fails to read */
    if (r.reason == NULL && (r.kind == SNIFF_UNKNOWN || r.kind == SNIFF_REFERENCE))
        abort();
    if (r.reason != NULL && r.kind != SNIFF_UNKNOWN && r.kind != SNIFF_REFERENCE)
        abort();
    if (r.faststart < -1 || r.faststart > 1 || (r.kind != SNIFF_ISOBMFF && r.faststart != -1))
        abort();
    return 0;
}
