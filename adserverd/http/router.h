/*
 * router: the one transport layer both listeners share (API-CONTRACT.md
 * section 1, ARCHITECTURE.md "Transport rules per listener").
 *
 * A listener has a static route table. router_dispatch() runs the contract's
 * stages in order: body parsing, request id, rate limit (admin /api paths),
 * routing (case-insensitive, one trailing slash ignored, HEAD as GET),
 * authentication for protected routes, then the handler. Stages that answer
 * (a parse error, a 429, a 401, a 404) stop the request there.
 */
#ifndef ROUTER_H
#define ROUTER_H

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

struct route_table {
    const struct route *routes;
    size_t n;
};

/*
 * Find the route for method and path. Parameters are copied into
 * params (caller frees each). *path_known is set when some route matches
 * the path with another method. NULL when nothing matches.
 */
const struct route *router_match(const struct route_table *t, const char *method,
                                 const char *path, char **params, int *nparams);

/* The two listeners' route tables (defined at the end of router.c). */
extern const struct route_table router_admin_table;
extern const struct route_table router_ad_table;

/* First stage, when the headers are in: preflight, early 413, streaming set-up. */
void router_begin(struct request *req);
/* Final stage, when the whole body is in: everything else. Always replies. */
void router_dispatch(struct request *req);

#endif
