/*
 * libFuzzer target for adserverd/media/ladder: any text as the media_ladder
 * setting, then a plan for a source size taken from the input. Parsing
 * must not crash or overflow, and every plan must keep its promises: at
 * least one rung, none larger than the source (unless the source is
 * smaller than every rung, then exactly its own size), even sizes,
 * smallest first.
 */
#include "media/ladder.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[512], err[256];
    struct ladder l;
    struct ladder_rung out[LADDER_MAX];
    uint32_t w, h;
    size_t n;

    if (size < 4 || size - 4 >= sizeof(text))
        return 0;
    w = 16 + ((uint32_t)data[0] << 8 | data[1]) % 7665;
    h = 16 + ((uint32_t)data[2] << 8 | data[3]) % 4305;
    memcpy(text, data + 4, size - 4);
    text[size - 4] = '\0';
    if (ladder_parse(text, &l, err, sizeof(err)) != 0)
        return 0;
    if (l.n > LADDER_MAX)
        abort();
    n = ladder_plan(&l, w, h, out);
    if ((l.n == 0) != (n == 0))
        abort();
    for (size_t i = 0; i < n; i++) {
        if (out[i].width % 2 || out[i].height % 2 || out[i].width > w || out[i].height > h)
            abort();
        if (i > 0 && (uint64_t)out[i].width * out[i].height <
                         (uint64_t)out[i - 1].width * out[i - 1].height)
            abort();
    }
    return 0;
}
