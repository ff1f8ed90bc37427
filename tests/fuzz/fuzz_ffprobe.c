/*
 * libFuzzer target for adserverd/media/ffprobe: any text as ffprobe's JSON
 * (it describes an uploaded, hostile file). ffprobe_parse() and
 * ffprobe_check() must not crash, leak or overflow, and what they report
 * must be bounded: strings terminated, display sizes within what was
 * accepted, a checked file within the rules.
 */
#include "media/ffprobe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ffprobe_info in;
    char err[FFPROBE_ERR_LEN];

    if (ffprobe_parse((const char *)data, size, &in, err, sizeof(err)) != 0)
        return 0;
    if (strlen(in.video_codec) >= sizeof(in.video_codec) || in.mime == NULL ||
        strlen(in.container) >= sizeof(in.container))
        abort();
    if (in.rotation != 0 && in.rotation != 90 && in.rotation != 180 && in.rotation != 270)
        abort();
    if (ffprobe_check(&in, err, sizeof(err)) == 0 &&
        (in.width > FFPROBE_MAX_WIDTH || in.height > FFPROBE_MAX_HEIGHT || !in.has_video ||
         in.duration_ms < 500 || in.duration_ms >= 120500))
        abort();
    return 0;
}
