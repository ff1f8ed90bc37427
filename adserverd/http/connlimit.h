/*
 * connlimit: per-address and total connection limits of one listener, with
 * trusted proxies exempt from the per-address one.
 *
 * Why not libmicrohttpd's own per-IP limit: it cannot exempt anything, and
 * an SSAI stitcher, a load balancer or a carrier-grade NAT pool is one
 * address carrying thousands of legitimate players. It also counts nothing,
 * and operators need refusals counted by reason in /metrics.
 *
 * How: libmicrohttpd asks connlimit_admit() (its accept policy callback)
 * before it takes a connection, which refuses cheaply what is already over
 * a limit; it then reports every connection it took and closed
 * (connlimit_opened/connlimit_closed, its connection notifier).
 * connlimit_opened() counts exactly (one atomic add) and says when that
 * connection is one too many, which happens when simultaneous accepts from
 * several worker threads pass the admission check together: the caller
 * then shuts the socket down, so the limit is exact in the steady state.
 * Counts live in a fixed table of atomic counters indexed by a keyed hash
 * of the address, so no lock is shared across connections. Two addresses
 * landing in one slot share a limit: the key is random per process, so a
 * client cannot choose a colliding address, and with CONNLIMIT_SLOTS slots
 * the chance that two active addresses meet is small; when they do, both
 * are still served up to the limit together.
 *
 * Load: one hash and two atomic operations per connection, none per request.
 */
#ifndef CONNLIMIT_H
#define CONNLIMIT_H

#include "decision/adparams.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONNLIMIT_SLOTS 16384

struct connlimit {
    unsigned per_address;   /* connections per untrusted address */
    unsigned total;         /* connections of the listener */
    struct adparams_proxies proxies; /* exempt from per_address */
    uint64_t key;           /* hash key, random per process */
    atomic_uint open_total;
    atomic_ulong refused_per_address;
    atomic_ulong refused_total;
    atomic_ushort slots[CONNLIMIT_SLOTS];
};

/*
 * Set up cl (embedded, zeroed by the caller or not). trusted is the
 * trusted_proxies list. 0, or -1 with a reason in err.
 */
int connlimit_init(struct connlimit *cl, unsigned per_address, unsigned total,
                   const char *trusted, char *err, size_t errlen);

/* 1 when a connection from addr may be taken, else 0 (and the refusal is counted). */
int connlimit_admit(struct connlimit *cl, const struct sockaddr *addr);

/*
 * Count a connection taken from addr; returns the token connlimit_closed()
 * needs (0 for an address that is not counted per address). *over is set
 * to 1 when this connection is past a limit (the refusal is counted): the
 * caller closes it, and still calls connlimit_closed() when it is gone.
 */
uintptr_t connlimit_opened(struct connlimit *cl, const struct sockaddr *addr, int *over);
void connlimit_closed(struct connlimit *cl, uintptr_t token);

/* The address as text ("unknown" when it is neither IPv4 nor IPv6). */
void connlimit_addr_text(const struct sockaddr *addr, char *out, size_t n);

#endif
