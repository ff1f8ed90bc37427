/*
 * router: the one transport layer both listeners share (docs/admin-api.md,
 * "Processing order"; docs/architecture.md, "Transport rules per listener").
 *
 * A listener has a static route table (route.h); the tables themselves are
 * at the top of the daemon (routes.c), so the router never names a handler.
 * router_dispatch() runs the contract's
 * stages in order: body parsing, request id, rate limit (admin /api paths),
 * routing (case-insensitive, one trailing slash ignored, HEAD as GET),
 * authentication for protected routes, then the handler. Stages that answer
 * (a parse error, a 429, a 401, a 404) stop the request there.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include "http/route.h"

struct request;

/*
 * Find the route for method and path. Parameters are copied into
 * params (caller frees each). *path_known is set when some route matches
 * the path with another method. NULL when nothing matches.
 */
const struct route *router_match(const struct route_table *t, const char *method,
                                 const char *path, char **params, int *nparams);

/* First stage, when the headers are in: preflight, early 413, streaming set-up. */
void router_begin(struct request *req);
/* Final stage, when the whole body is in: everything else. Always replies. */
void router_dispatch(struct request *req);

#endif
