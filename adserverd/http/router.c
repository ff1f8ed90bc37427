/*
 * router: see router.h. The stages follow the admin API's processing order
 * (docs/admin-api.md); the admin and ad listeners differ only where
 * docs/architecture.md says (headers and CORS in reply.c; rate limit and
 * Bearer auth here, admin only).
 */
#include "http/router.h"
#include "core/app.h"
#include "http/auth.h"
#include "http/body.h"
#include "core/config.h"
#include "http/listener.h"
#include "lib/log.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "http/request.h"
#include "util/uuid.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Compare one pattern segment with one path segment (case-insensitive). */
static int seg_equal(const char *pat, size_t plen, const char *s, size_t slen)
{
    return plen == slen && strncasecmp(pat, s, plen) == 0;
}

/* Length of the path with one trailing slash ignored ("/" stays "/"). */
static size_t path_len(const char *path)
{
    size_t n = strlen(path);

    /* "/x/" is "/x", but "//" is not "/" (Express's non-strict routing) */
    if (n > 1 && path[n - 1] == '/' && path[n - 2] != '/')
        n--;
    return n;
}

static int pattern_match(const char *pat, const char *path, size_t len, char **params,
                         int *nparams)
{
    const char *p = pat;
    const char *s = path;
    const char *end = path + len;
    int np = 0;

    while (*p != '\0' && s < end) {
        if (*p != '/' || *s != '/')
            goto fail;
        p++;
        s++;
        if (p[0] == '*' && p[1] == '\0') {
            /* A final "*" segment takes the rest of the path, slashes included. */
            if (s == end || np >= REQUEST_MAX_PARAMS)
                goto fail;
            params[np++] = xstrndup(s, (size_t)(end - s));
            p++;
            s = end;
            break;
        }
        const char *pe = strchr(p, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p);
        const char *se = memchr(s, '/', (size_t)(end - s));
        size_t sl = se ? (size_t)(se - s) : (size_t)(end - s);

        if (*p == ':') {
            if (sl == 0 || np >= REQUEST_MAX_PARAMS)
                goto fail;
            params[np++] = xstrndup(s, sl);
        } else if (!seg_equal(p, pl, s, sl)) {
            goto fail;
        }
        p += pl;
        s += sl;
    }
    if (*p != '\0' || s != end)
        goto fail;
    *nparams = np;
    return 1;
fail:
    for (int i = 0; i < np; i++)
        free(params[i]);
    return 0;
}

const struct route *router_match(const struct route_table *t, const char *method,
                                 const char *path, char **params, int *nparams)
{
    size_t len = path_len(path);
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

    if (len == 0)
        return NULL;
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->routes[i].method, m) != 0)
            continue;
        if (pattern_match(t->routes[i].pattern, path, len, params, nparams))
            return &t->routes[i];
    }
    return NULL;
}

static int is_prefix_ci(const char *path, const char *prefix)
{
    return strncasecmp(path, prefix, strlen(prefix)) == 0;
}

/* Paths under /api are rate limited on the admin listener (docs/admin-api.md). */
static int path_limited(const char *path)
{
    return is_prefix_ci(path, "/api") && (path[4] == '\0' || path[4] == '/');
}

static void match_route(struct request *req)
{
    if (req->route != NULL || req->nparams < 0)
        return;
    req->route = router_match(&req->lst->routes, req->method, req->path, req->params,
                              &req->nparams);
    if (req->route == NULL)
        req->nparams = -1; /* looked, none */
}

/* Request id, rate limit, authentication: 0 to go on, -1 when answered. */
static int pre_handler(struct request *req)
{
    int admin = req->lst->kind == LISTENER_ADMIN;

    if (uuid_v4(req->id) != 0)
        snprintf(req->id, sizeof(req->id), "00000000-0000-4000-8000-000000000000");
    log_set_request(req->id);
    if (admin && path_limited(req->path)) {
        struct ratelimit_verdict v;
        int over = ratelimit_check(req->app->rl, req->ip, &v);

        req->rl_set = 1;
        req->rl_limit = v.limit;
        req->rl_remaining = v.remaining;
        req->rl_reset = v.reset_s;
        req->rl_window_s = v.window_s;
        if (over != 0) {
            reply_rate_limited(req);
            return -1;
        }
    }
    match_route(req);
    if (admin && (req->route != NULL ? (req->route->flags & ROUTE_AUTH) != 0
                                     : is_prefix_ci(req->path, "/api/v1/"))) {
        if (auth_request(req) != 0)
            return -1;
    }
    if (req->route == NULL) {
        reply_not_found(req);
        return -1;
    }
    return 0;
}

void router_begin(struct request *req)
{
    const char *cl;
    char *end;
    unsigned long long n;

    if (strcmp(req->method, "OPTIONS") == 0)
        return; /* answered in router_dispatch, so the connection stays open */
    match_route(req);
    if (req->route != NULL && (req->route->flags & ROUTE_STREAM)) {
        if (pre_handler(req) != 0)
            return;
        if (req->route->stream_begin != NULL && req->route->stream_begin(req) != 0 &&
            !req->responded)
            reply_internal(req, 500, "stream set-up failed");
        return;
    }
    cl = request_header(req, "Content-Length");
    if (cl != NULL) {
        n = strtoull(cl, &end, 10);
        if (end != cl && *end == '\0' && n > (unsigned long long)req->app->cfg->body_limit) {
            req->body_too_large = 1;
            reply_internal(req, 413, "request entity too large");
        }
    }
}

void router_dispatch(struct request *req)
{
    char msg[256];
    int status;

    if (req->responded)
        return;
    if (strcmp(req->method, "OPTIONS") == 0) {
        reply_preflight(req);
        return;
    }
    if (req->stream_data != NULL || (req->route != NULL && (req->route->flags & ROUTE_STREAM))) {
        /* streaming routes did their stages in router_begin */
        if (req->route->handler(req) != 0 && !req->responded && !req->suspended)
            reply_internal(req, 500, "handler failed");
        goto out;
    }
    if (req->body_too_large) {
        reply_internal(req, 413, "request entity too large");
        goto out;
    }
    status = body_parse(request_header(req, "Content-Type"),
                        request_header(req, "Content-Encoding"), req->body.data ? req->body.data : "",
                        req->body.len, &req->json, msg, sizeof(msg));
    buf_release(&req->body);
    if (status != 0) {
        reply_internal(req, (unsigned)status, msg);
        goto out;
    }
    if (pre_handler(req) != 0)
        goto out;
    if (req->route->handler(req) != 0 && !req->responded && !req->suspended) {
        log_error("handler failed", "route", req->route->pattern);
        reply_internal(req, 500, "Internal server error");
    }
out:
    if (!req->responded && !req->suspended)
        reply_internal(req, 500, "no response");
    log_set_request(NULL);
}
