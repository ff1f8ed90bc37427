/*
 * text: UTF-8 by display columns (see text.h).
 *
 * Decoding goes through mbrtowc so the locale decides; bytes that do not
 * decode are shown as one column each (they become '?' on screen) instead
 * of stopping the string, because the API may echo any bytes back.
 */
#include "text.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

/* Decode one character at s: its byte length (>= 1 unless at NUL) and width. */
static size_t decode(const char *s, size_t avail, int *width)
{
    mbstate_t st;
    wchar_t wc;
    if (avail == 0 || s[0] == '\0') {
        *width = 0;
        return 0;
    }
    memset(&st, 0, sizeof st);
    size_t n = mbrtowc(&wc, s, avail, &st);
    if (n == 0) {
        *width = 0;
        return 0;
    }
    if (n == (size_t)-1 || n == (size_t)-2) {
        *width = 1;
        return 1;
    }
    int w = wcwidth(wc);
    *width = w < 0 ? 1 : w;
    return n;
}

int text_width(const char *s)
{
    int cols = 0;
    size_t left = strlen(s);
    while (left > 0) {
        int w;
        size_t n = decode(s, left, &w);
        if (n == 0)
            break;
        cols += w;
        s += n;
        left -= n;
    }
    return cols;
}

int text_fit(char *out, size_t outsz, const char *s, int cols, int pad, int ellipsis)
{
    if (outsz == 0)
        return 0;
    size_t len = 0, left = strlen(s);
    int used = 0;
    int total = text_width(s);
    int budget = cols;
    if (ellipsis && total > cols && cols > 0)
        budget = cols - 1;
    while (left > 0) {
        int w;
        size_t n = decode(s, left, &w);
        if (n == 0 || used + w > budget || len + n + 1 > outsz)
            break;
        unsigned char c = (unsigned char)s[0];
        if (n == 1 && (c < 0x20 || c == 0x7f || c >= 0x80)) {
            out[len++] = '?'; /* controls and undecodable bytes */
        } else {
            memcpy(out + len, s, n);
            len += n;
        }
        used += w;
        s += n;
        left -= n;
    }
    if (ellipsis && total > cols && cols > 0 && len + 2 <= outsz) {
        out[len++] = '~';
        used++;
    }
    while (pad && used < cols && len + 2 <= outsz) {
        out[len++] = ' ';
        used++;
    }
    out[len] = '\0';
    return used;
}

size_t text_prev_len(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    size_t n = 1;
    /* back over continuation bytes, at most 3 */
    while (n < len && n < 4 && ((unsigned char)s[len - n] & 0xc0) == 0x80)
        n++;
    return n;
}

size_t text_next_len(const char *s)
{
    int w;
    return decode(s, strlen(s), &w);
}

int text_contains(const char *haystack, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0)
        return 1;
    for (const char *h = haystack; *h; h++) {
        size_t i = 0;
        while (i < nl && h[i] &&
               tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl)
            return 1;
    }
    return 0;
}
