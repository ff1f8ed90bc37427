/*
 * listener: what the transport knows of the listener a request arrived on:
 * its kind (which decides headers, CORS, rate limits and Bearer auth), its
 * route table and its counters. The MHD plumbing that runs it is
 * http_server.h.
 *
 * Apart from http_server.h so that reply and router, which only read these
 * fields, sit below the server that calls them instead of in a cycle with
 * it. Filled by main.c before listener_start(); read-only afterwards except
 * inflight, which is atomic. Read on every request by reply and router
 * (kind, routes) without a lock; two listeners per process.
 */
#ifndef HTTP_LISTENER_H
#define HTTP_LISTENER_H

#include "http/connlimit.h"
#include "http/route.h"

#include <stdatomic.h>

struct app;
struct MHD_Daemon;

enum listener_kind { LISTENER_ADMIN, LISTENER_AD };

struct listener {
    const char *name;           /* "admin" or "ad", for logs and metrics */
    enum listener_kind kind;
    struct app *app;
    struct route_table routes;  /* borrowed; static for the life of the process */
    struct MHD_Daemon *mhd;
    int port;                   /* the bound port (useful when 0 was asked) */
    atomic_int inflight;        /* requests between first byte and completion */
    struct connlimit limits;    /* per-address and total connection limits */
    atomic_ulong refused_framing; /* requests refused by framing.h */
    atomic_ulong lingered;      /* early answers sent after draining the body */
    atomic_ulong linger_aborted; /* drains cut at linger_bytes/linger_ms (closed, unanswered) */
};

#endif
