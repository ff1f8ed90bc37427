/*
 * Fuzz target: the transport's header checks. The input is read as a header
 * block ("name: value" lines split at '\n', as a parser would hand them
 * over); each line goes through framing_add() and hostport_valid(), then the
 * verdict is taken with the first byte choosing HTTP/1.0 and the URL length.
 */
#include "http/framing.h"
#include "http/hostport.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct framing_limits lim = {8192, 100, 16384};
    const char *p, *end;
    const char *why = NULL;
    struct framing f;
    int v;

    if (size == 0)
        return 0;
    framing_init(&f, &lim);
    p = (const char *)data + 1;
    end = (const char *)data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        const char *colon = memchr(p, ':', (size_t)(le - p));

        if (colon != NULL) {
            framing_add(&f, p, (size_t)(colon - p), colon + 1, (size_t)(le - colon - 1));
            (void)hostport_valid(colon + 1, (size_t)(le - colon - 1));
        }
        p = le + 1;
    }
    v = framing_verdict(&f, data[0] & 1, (size_t)data[0] * 64, &why);
    if (v != 0 && v != 400 && v != 414 && v != 431)
        abort();
    if (v != 0 && why == NULL)
        abort();
    return 0;
}
