/*
 * Fuzz target: request body parsing (JSON and urlencoded forms) under every
 * content type the transport distinguishes. The first byte picks the type.
 */
#include "http/body.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {
        "application/json",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-8",
        "text/plain",
    };
    json_t *out = NULL;
    char msg[256];

    if (size == 0)
        return 0;
    if (body_parse(types[data[0] % 4], NULL, (const char *)data + 1, size - 1, &out, msg,
                   sizeof(msg)) == 0)
        json_decref(out);
    return 0;
}
