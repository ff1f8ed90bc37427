/*
 * route: what a handler module hands to the transport, and how a listener's
 * routes are listed. Types only.
 *
 * Apart from router.h so that the listener (listener.h), the router and the
 * one route table at the top of the daemon (routes.c) share them without
 * the transport ever naming a handler: the table points down at handlers
 * and at these types; nothing here points up. A table is static and
 * read-only for the life of the process, so every worker reads it without
 * a lock.
 */
#ifndef HTTP_ROUTE_H
#define HTTP_ROUTE_H

#include <stddef.h>

struct request;

enum route_flags {
    ROUTE_AUTH = 1,   /* Bearer token required (runs before the handler) */
    ROUTE_STREAM = 2, /* body streamed to the handler instead of buffered */
};

struct route {
    const char *method;  /* upper case; GET routes also answer HEAD */
    const char *pattern; /* "/api/v1/campaigns/:id"; ":" segments are parameters, a final
                            "*" segment one parameter holding the rest of the path */
    int flags;
    /* Answers the request with reply_*(); returns 0, or -1 to make the router send a 500. */
    int (*handler)(struct request *req);
    /*
     * ROUTE_STREAM only: called after auth, before the body arrives; sets
     * req->stream_data. May reply (then the body is not read).
     */
    int (*stream_begin)(struct request *req);
};

/* A listener's routes, tried in order; the first match wins. Borrowed. */
struct route_table {
    const struct route *routes;
    size_t n;
};

#endif
