/*
 * Fuzz target: the streaming multipart/form-data parser. The first byte
 * picks the piece size the body is fed in (so delimiters and header blocks
 * straddle pieces at every offset), the next bytes up to the first newline
 * are a Content-Type value whose boundary is parsed the way the upload
 * route does, the rest is the body. Callbacks touch every byte they get.
 */
#include "http/multipart.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps the callbacks' work observable so it is not optimised away. */
static volatile size_t sink;

static int on_begin(void *ctx, const struct multipart_part *p)
{
    size_t *sum = ctx;

    *sum += (p->name ? strlen(p->name) : 0) + (p->filename ? strlen(p->filename) : 0) +
            (p->content_type ? strlen(p->content_type) : 0);
    return 0;
}

static int on_data(void *ctx, const char *d, size_t n)
{
    size_t *sum = ctx;

    for (size_t i = 0; i < n; i++)
        *sum += (unsigned char)d[i];
    return 0;
}

static int on_end(void *ctx)
{
    size_t *sum = ctx;

    (*sum)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct multipart_callbacks cb = {on_begin, on_data, on_end};
    char ct[512];
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    const uint8_t *nl;
    struct multipart *mp;
    size_t step, off, ctlen, sum = 0;

    if (size < 2)
        return 0;
    step = (size_t)data[0] % 64 + 1;
    data++;
    size--;
    nl = memchr(data, '\n', size);
    ctlen = nl != NULL ? (size_t)(nl - data) : size;
    if (ctlen >= sizeof(ct))
        return 0;
    memcpy(ct, data, ctlen);
    ct[ctlen] = '\0';
    if (multipart_boundary(ct, boundary, sizeof(boundary)) != 0)
        memcpy(boundary, "b", 2);
    if (nl == NULL)
        return 0;
    data = nl + 1;
    size -= ctlen + 1;
    mp = multipart_new(boundary, &cb, &sum);
    for (off = 0; off < size; off += step)
        if (multipart_feed(mp, (const char *)data + off, size - off < step ? size - off : step) !=
            0)
            break;
    (void)multipart_finish(mp);
    multipart_free(mp);
    sink = sum;
    return 0;
}
