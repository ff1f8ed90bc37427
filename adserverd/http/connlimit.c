/*
 * connlimit: see connlimit.h.
 */
#include "http/connlimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int connlimit_init(struct connlimit *cl, unsigned per_address, unsigned total,
                   const char *trusted, char *err, size_t errlen)
{
    memset(cl, 0, sizeof(*cl));
    cl->per_address = per_address > 65000 ? 65000 : per_address; /* slots are 16 bits */
    cl->total = total;
    if (adparams_proxies_parse(&cl->proxies, trusted, err, errlen) != 0)
        return -1;
    if (getrandom(&cl->key, sizeof(cl->key), 0) != (ssize_t)sizeof(cl->key))
        cl->key = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull; /* not secret, still varies */
    return 0;
}

void connlimit_addr_text(const struct sockaddr *addr, char *out, size_t n)
{
    snprintf(out, n, "unknown");
    if (addr == NULL)
        return;
    if (addr->sa_family == AF_INET) {
        if (inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)addr)->sin_addr, out,
                      (socklen_t)n) == NULL)
            snprintf(out, n, "unknown");
    } else if (addr->sa_family == AF_INET6) {
        if (inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr,
                      out, (socklen_t)n) == NULL)
            snprintf(out, n, "unknown");
    }
}

/* Slot of addr: a keyed mix of the address bytes (FNV-1a then a final avalanche). */
static size_t slot_of(const struct connlimit *cl, const struct sockaddr *addr)
{
    const unsigned char *p = NULL;
    size_t len = 0;
    uint64_t h = 0xcbf29ce484222325ull ^ cl->key;

    if (addr->sa_family == AF_INET) {
        p = (const unsigned char *)&((const struct sockaddr_in *)(const void *)addr)->sin_addr;
        len = 4;
    } else if (addr->sa_family == AF_INET6) {
        p = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr;
        len = 16;
    }
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (size_t)(h % CONNLIMIT_SLOTS);
}

static int trusted(const struct connlimit *cl, const struct sockaddr *addr)
{
    char ip[64];

    if (cl->proxies.n == 0)
        return 0;
    connlimit_addr_text(addr, ip, sizeof(ip));
    return adparams_proxies_has(&cl->proxies, ip);
}

int connlimit_admit(struct connlimit *cl, const struct sockaddr *addr)
{
    if (atomic_load_explicit(&cl->open_total, memory_order_relaxed) >= cl->total) {
        atomic_fetch_add_explicit(&cl->refused_total, 1, memory_order_relaxed);
        return 0;
    }
    if (addr == NULL || trusted(cl, addr))
        return 1;
    if (atomic_load_explicit(&cl->slots[slot_of(cl, addr)], memory_order_relaxed) >=
        cl->per_address) {
        atomic_fetch_add_explicit(&cl->refused_per_address, 1, memory_order_relaxed);
        return 0;
    }
    return 1;
}

uintptr_t connlimit_opened(struct connlimit *cl, const struct sockaddr *addr, int *over)
{
    size_t slot;

    *over = 0;
    if (atomic_fetch_add_explicit(&cl->open_total, 1, memory_order_relaxed) >= cl->total) {
        atomic_fetch_add_explicit(&cl->refused_total, 1, memory_order_relaxed);
        *over = 1;
    }
    if (addr == NULL || trusted(cl, addr))
        return 0;
    slot = slot_of(cl, addr);
    if (atomic_fetch_add_explicit(&cl->slots[slot], 1, memory_order_relaxed) >= cl->per_address &&
        !*over) {
        atomic_fetch_add_explicit(&cl->refused_per_address, 1, memory_order_relaxed);
        *over = 1;
    }
    return (uintptr_t)slot + 1;
}

void connlimit_closed(struct connlimit *cl, uintptr_t token)
{
    atomic_fetch_sub_explicit(&cl->open_total, 1, memory_order_relaxed);
    if (token != 0)
        atomic_fetch_sub_explicit(&cl->slots[token - 1], 1, memory_order_relaxed);
}
