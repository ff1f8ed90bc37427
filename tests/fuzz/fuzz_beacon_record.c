/*
 * Fuzz target for adserverd/beacon_record: decoding arbitrary bytes (a
 * spool record the drain reads) must not crash or read out of bounds; what
 * decodes must encode back to the very same bytes (one encoding per record).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "beacon/beacon_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct beacon_record r;
    static unsigned char out[BEACON_RECORD_MAX];
    size_t n;
    char id[64];

    if (beacon_record_decode(data, size, &r) != 0)
        return 0;
    beacon_record_event_id(&r, id);
    n = beacon_record_encode(&r, out);
    /* the error code keeps 4 bytes, the rest round-trips exactly */
    if (n != size || memcmp(out, data, n) != 0)
        abort();
    return 0;
}
