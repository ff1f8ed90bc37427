/*
 * Fuzz target for lib/hexcode: arbitrary bytes must round-trip through
 * pct_encode/pct_decode and hex_encode/hex_decode unchanged; the buffer and
 * array forms of each encoder must agree; every decoder flag combination
 * must stay inside its output bound (ASan checks) and never grow the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hexcode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[FUZZ_MAX + 1], enc[3 * FUZZ_MAX + 1], dec[FUZZ_MAX + 1];
    static char hex[2 * FUZZ_MAX + 1];
    static unsigned char bytes[FUZZ_MAX];
    struct buf b;
    size_t n, len;

    if (size > FUZZ_MAX)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    len = strlen(text); /* the encoders take C strings */

    for (unsigned flags = 0; flags <= PCT_KEEP_SLASH; flags++) {
        n = pct_encode(enc, sizeof(enc), text, flags);
        if (n >= sizeof(enc) || strlen(enc) != n)
            abort();
        buf_init(&b, sizeof(enc));
        if (pct_encode_buf(&b, text, flags) != 0 || b.len != n ||
            memcmp(b.data != NULL ? b.data : "", enc, n) != 0)
            abort();
        buf_release(&b);
        if (pct_decode(enc, n, dec, sizeof(dec), &n, PCT_NO_NUL) != 0 || n != len ||
            memcmp(dec, text, len) != 0)
            abort();
    }
    for (unsigned flags = 0; flags < 8; flags++) {
        if (pct_decode((const char *)data, size, dec, sizeof(dec), &n, flags) == 0 &&
            (n > size || dec[n] != '\0'))
            abort();
    }

    hex_encode(data, size, hex);
    if (hex_decode(hex, bytes, size) != 0 || memcmp(bytes, data, size) != 0)
        abort();
    if (size % 2 == 0 && hex_decode((const char *)data, bytes, size / 2) == 0) {
        for (size_t i = 0; i < size; i++)
            if (hex_digit(data[i]) < 0)
                abort();
    }
    return 0;
}
