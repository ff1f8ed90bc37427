/*
 * hexcode: see hexcode.h. Table-driven and branch-light because the ad
 * path escapes every macro value and the beacon path decodes every
 * tracking URL; no allocation except through the caller's struct buf.
 * Invariant: an escape is always '%' and two upper-case hex digits, so the
 * encoded length of a byte is 1 or 3 and a truncated output never ends in
 * half an escape.
 */
#include "lib/hexcode.h"

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void hex_encode(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_lower[in[i] >> 4];
        out[2 * i + 1] = hex_lower[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

int hex_encode_buf(struct buf *b, const unsigned char *in, size_t n)
{
    char chunk[2 * 64 + 1];
    size_t start = b->len;

    /* Chunks keep the stack small for long inputs (raw beacon records). */
    for (size_t i = 0; i < n; i += 64) {
        size_t k = n - i < 64 ? n - i : 64;

        hex_encode(in + i, k, chunk);
        if (buf_append(b, chunk, 2 * k) != 0) {
            b->len = start;
            if (b->data != NULL)
                b->data[start] = '\0';
            return -1;
        }
    }
    return 0;
}

int hex_decode(const char *in, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < 2 * n; i++)
        if (hex_digit((unsigned char)in[i]) < 0)
            return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)(hex_digit((unsigned char)in[2 * i]) << 4 |
                                 hex_digit((unsigned char)in[2 * i + 1]));
    return 0;
}

/* 1 when byte c is written as it is. */
static int pct_keep(unsigned char c, unsigned flags)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && (flags & PCT_KEEP_SLASH));
}

size_t pct_encode(char *out, size_t n, const char *s, unsigned flags)
{
    size_t o = 0;
    int room = n > 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        size_t w = pct_keep(*p, flags) ? 1 : 3;

        if (room && o + w < n) {
            if (w == 1) {
                out[o] = (char)*p;
            } else {
                out[o] = '%';
                out[o + 1] = hex_upper[*p >> 4];
                out[o + 2] = hex_upper[*p & 0x0f];
            }
        } else if (room) {
            out[o] = '\0';
            room = 0;
        }
        o += w;
    }
    if (room)
        out[o] = '\0';
    return o;
}

int pct_encode_buf(struct buf *b, const char *s, unsigned flags)
{
    size_t start = b->len;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        char esc[3] = {'%', hex_upper[*p >> 4], hex_upper[*p & 0x0f]};
        int rc = pct_keep(*p, flags) ? buf_putc(b, (char)*p) : buf_append(b, esc, sizeof(esc));

        if (rc != 0) {
            b->len = start;
            if (b->data != NULL)
                b->data[start] = '\0';
            return -1;
        }
    }
    return 0;
}

int pct_decode(const char *s, size_t len, char *out, size_t n, size_t *outlen, unsigned flags)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (c == '%') {
            int hi = i + 2 < len ? hex_digit((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_digit((unsigned char)s[i + 2]) : -1;

            if (hi >= 0 && lo >= 0) {
                c = (char)(hi << 4 | lo);
                i += 2;
            } else if (!(flags & PCT_LENIENT)) {
                return -1;
            }
        } else if (c == '+' && (flags & PCT_PLUS_SPACE)) {
            c = ' ';
        }
        if ((c == '\0' && (flags & PCT_NO_NUL)) || o + 1 >= n)
            return -1;
        out[o++] = c;
    }
    if (n == 0)
        return -1;
    out[o] = '\0';
    if (outlen != NULL)
        *outlen = o;
    return 0;
}
