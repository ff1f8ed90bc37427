/*
 * uuid: see uuid.h. Randomness from getrandom(2); a v4 UUID is 122 random
 * bits with the version and variant bits fixed (RFC 4122 section 4.4).
 */
#include "util/uuid.h"
#include "lib/hexcode.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int uuid_v4(char out[37])
{
    uint8_t b[16];
    size_t got = 0;

    while (got < sizeof(b)) {
        ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
        if (n < 0)
            return -1;
        got += (size_t)n;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
    return 0;
}

/* Bytes per group of the 8-4-4-4-12 text. */
static const size_t uuid_group[] = {4, 2, 2, 2, 6};

int uuid_parse(const char *s, unsigned char out[16])
{
    size_t i = 0, o = 0;

    for (size_t g = 0; g < sizeof(uuid_group) / sizeof(uuid_group[0]); g++) {
        if ((g > 0 && s[i++] != '-') || hex_decode(s + i, out + o, uuid_group[g]) != 0)
            return -1;
        i += 2 * uuid_group[g];
        o += uuid_group[g];
    }
    return s[36] == '\0' ? 0 : -1;
}

void uuid_format(const unsigned char in[16], char out[37])
{
    size_t i = 0, o = 0;

    for (size_t g = 0; g < sizeof(uuid_group) / sizeof(uuid_group[0]); g++) {
        if (g > 0)
            out[o++] = '-';
        hex_encode(in + i, uuid_group[g], out + o); /* NUL-terminates each time */
        i += uuid_group[g];
        o += 2 * uuid_group[g];
    }
}

int uuid_syntax(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};

    if (s == NULL || strlen(s) != 36)
        return 0;
    for (int i = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return 0;
            d++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int uuid_valid(const char *s)
{
    char v;

    if (!uuid_syntax(s))
        return 0;
    if (strcmp(s, "00000000-0000-0000-0000-000000000000") == 0)
        return 1;
    v = (char)tolower((unsigned char)s[19]);
    return s[14] >= '1' && s[14] <= '5' && (v == '8' || v == '9' || v == 'a' || v == 'b');
}
