/*
 * request: accessors of request.h over libmicrohttpd's connection values.
 */
#include "http/request.h"
#include "lib/xalloc.h"

#include <microhttpd.h>
#include <string.h>

const char *request_header(const struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *request_query(const struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct each_ctx {
    int (*fn)(void *ctx, const char *key, const char *value);
    void *ctx;
    int rc;
};

static enum MHD_Result each_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct each_ctx *e = cls;

    (void)kind;
    e->rc = e->fn(e->ctx, key, value);
    return e->rc == 0 ? MHD_YES : MHD_NO;
}

int request_query_each(const struct request *req,
                       int (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    struct each_ctx e = {fn, ctx, 0};

    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, each_cb, &e);
    return e.rc;
}

const char *request_param(const struct request *req, int i)
{
    return i >= 0 && i < req->nparams ? req->params[i] : "";
}

int request_add_header(struct request *req, const char *name, const char *value)
{
    if (req->nhdr >= REQUEST_MAX_HEADERS)
        return -1;
    req->hdr_name[req->nhdr] = name;
    req->hdr_value[req->nhdr] = xstrdup(value);
    req->nhdr++;
    return 0;
}

double request_elapsed_ms(const struct request *req)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - req->start.tv_sec) * 1000.0 +
           (double)(now.tv_nsec - req->start.tv_nsec) / 1e6;
}
