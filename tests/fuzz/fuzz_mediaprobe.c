/*
 * libFuzzer target for lib/mediaprobe: any bytes, as an uploaded creative.
 * Seed it with tests/fixtures/media (real MP4, MOV, AVI headers); the input
 * is probed through the memory reader, so ASan sees any read past its end.
 */
#include "media/mediaprobe.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    if (mediaprobe_read_mem(data, size, &info, err, sizeof(err)) == 0) {
        /* A success must describe a video. */
        if (info.format == NULL || info.mime == NULL || info.video_codec[0] == '\0')
            __builtin_trap();
    } else if (err[0] == '\0') {
        __builtin_trap(); /* every failure says why */
    }
    return 0;
}
