/*
 * hostport: see hostport.h.
 */
#include "http/hostport.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* A DNS name: dot-separated labels of letters, digits and '-', 1..63 each. */
static int name_valid(const char *s, size_t len)
{
    size_t label = 0;

    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-') {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

static int port_valid(const char *s, size_t len)
{
    unsigned v = 0;

    if (len == 0 || len > 5)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

int hostport_valid(const char *s, size_t len)
{
    const char *colon;
    size_t hlen;

    if (s == NULL || len == 0 || len > HOSTPORT_MAX)
        return 0;
    if (s[0] == '[') {
        const char *end = memchr(s, ']', len);
        char v6[64];
        unsigned char a[16];
        size_t alen;

        if (end == NULL)
            return 0;
        alen = (size_t)(end - s) - 1;
        if (alen == 0 || alen >= sizeof(v6))
            return 0;
        memcpy(v6, s + 1, alen);
        v6[alen] = '\0';
        if (inet_pton(AF_INET6, v6, a) != 1)
            return 0;
        hlen = (size_t)(end - s) + 1;
        if (hlen == len)
            return 1;
        return s[hlen] == ':' && port_valid(s + hlen + 1, len - hlen - 1);
    }
    colon = memchr(s, ':', len);
    hlen = colon != NULL ? (size_t)(colon - s) : len;
    if (!name_valid(s, hlen))
        return 0;
    return colon == NULL || port_valid(colon + 1, len - hlen - 1);
}
