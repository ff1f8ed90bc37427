/*
 * uuid: see uuid.h. Randomness from getrandom(2); a v4 UUID is 122 random
 * bits with the version and variant bits fixed (RFC 4122 section 4.4).
 */
#include "util/uuid.h"

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
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
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
