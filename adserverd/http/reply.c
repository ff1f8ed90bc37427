/*
 * reply: see reply.h. The admin listener sends helmet's header set and the
 * CORS allow-list; the ad listener sends only nosniff and answers any Origin
 * (players load media and VAST cross-origin). Header values that never
 * change are string constants.
 */
#include "http/reply.h"
#include "core/app.h"
#include "core/config.h"
#include "http/listener.h"
#include "http/request.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CT_JSON "application/json; charset=utf-8"

/* Sent when a body could not be serialised (allocation failure inside jansson). */
static const char oom_body[] =
    "{\"error\":{\"message\":\"Internal server error\",\"code\":\"INTERNAL_SERVER_ERROR\"}}";

static const char *const security_headers[][2] = {
    {"Content-Security-Policy",
     "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action "
     "'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src "
     "'self';script-src-attr 'none';style-src 'self' https: "
     "'unsafe-inline';upgrade-insecure-requests"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Origin-Agent-Cluster", "?1"},
    {"Referrer-Policy", "no-referrer"},
    {"Strict-Transport-Security", "max-age=15552000; includeSubDomains"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-DNS-Prefetch-Control", "off"},
    {"X-Download-Options", "noopen"},
    {"X-Frame-Options", "SAMEORIGIN"},
    {"X-Permitted-Cross-Domain-Policies", "none"},
    {"X-XSS-Protection", "0"},
};

static int origin_allowed(const struct request *req, const char *origin)
{
    const struct app *app = req->app;

    for (int i = 0; i < app->norigins; i++)
        if (strcmp(app->origins[i], origin) == 0)
            return 1;
    return 0;
}

static int add(struct MHD_Response *r, const char *k, const char *v)
{
    return MHD_add_response_header(r, k, v) == MHD_YES ? 0 : -1;
}

static int add_transport_headers(struct request *req, struct MHD_Response *r, int preflight)
{
    const char *origin = request_header(req, "Origin");
    int admin = req->lst->kind == LISTENER_ADMIN;
    int rc = 0;
    char num[32];

    if (admin) {
        for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
            rc |= add(r, security_headers[i][0], security_headers[i][1]);
        if (origin != NULL && origin_allowed(req, origin))
            rc |= add(r, "Access-Control-Allow-Origin", origin);
    } else {
        rc |= add(r, "X-Content-Type-Options", "nosniff");
        if (origin != NULL && origin[0] != '\0')
            rc |= add(r, "Access-Control-Allow-Origin", origin);
    }
    rc |= add(r, "Access-Control-Allow-Credentials", "true");
    if (preflight) {
        const char *acrh = request_header(req, "Access-Control-Request-Headers");
        rc |= add(r, "Access-Control-Allow-Methods",
                  admin ? "GET,HEAD,PUT,PATCH,POST,DELETE" : "GET,HEAD,POST,OPTIONS");
        rc |= add(r, "Vary", "Origin, Access-Control-Request-Headers");
        if (acrh != NULL)
            rc |= add(r, "Access-Control-Allow-Headers", acrh);
        if (!admin)
            rc |= add(r, "Access-Control-Max-Age", "600");
        return rc;
    }
    rc |= add(r, "Vary", "Origin");
    if (req->id[0] != '\0')
        rc |= add(r, "X-Request-ID", req->id);
    if (req->rl_set) {
        snprintf(num, sizeof(num), "%ld;w=%ld", req->rl_limit, req->rl_window_s);
        rc |= add(r, "RateLimit-Policy", num);
        snprintf(num, sizeof(num), "%ld", req->rl_limit);
        rc |= add(r, "RateLimit-Limit", num);
        snprintf(num, sizeof(num), "%ld", req->rl_remaining);
        rc |= add(r, "RateLimit-Remaining", num);
        snprintf(num, sizeof(num), "%ld", req->rl_reset);
        rc |= add(r, "RateLimit-Reset", num);
    }
    for (int i = 0; i < req->nhdr; i++)
        rc |= add(r, req->hdr_name[i], req->hdr_value[i]);
    return rc;
}

/*
 * Queue r now, or keep it while the request body is still arriving: an
 * answer sent before the body was read makes MHD close the connection with
 * unread bytes, the kernel then resets it and the client loses the answer.
 * http_server drains the body and calls reply_flush() at its end (past
 * linger_bytes or linger_ms it closes the connection instead). A client that sent "Expect: 100-continue"
 * is answered at once: it has not sent the body and will not.
 */
static int finish(struct request *req, unsigned status, struct MHD_Response *r, int preflight)
{
    int rc = -1;

    if (r == NULL)
        return -1;
    if (req->responded)
        goto cleanup;
    if (add_transport_headers(req, r, preflight) != 0)
        goto cleanup;
    if (req->close && add(r, "Connection", "close") != 0)
        goto cleanup;
    if (req->body_pending && !req->expect_continue) {
        req->deferred = r;
        req->deferred_status = status;
        clock_gettime(CLOCK_MONOTONIC, &req->linger_start);
        req->responded = 1;
        req->status = (int)status;
        return 0;
    }
    if (MHD_queue_response(req->conn, status, r) != MHD_YES)
        goto cleanup;
    req->responded = 1;
    req->status = (int)status;
    rc = 0;
cleanup:
    MHD_destroy_response(r);
    return rc;
}

int reply_flush(struct request *req)
{
    struct MHD_Response *r = req->deferred;
    int rc = -1;

    if (r == NULL)
        return 0;
    req->deferred = NULL;
    /* the body was not read to its end: MHD closes after this answer anyway */
    if (req->body_pending && !req->close && add(r, "Connection", "close") != 0)
        goto cleanup;
    if (MHD_queue_response(req->conn, req->deferred_status, r) != MHD_YES)
        goto cleanup;
    rc = 0;
cleanup:
    MHD_destroy_response(r);
    return rc;
}

void reply_discard(struct request *req)
{
    if (req->deferred != NULL)
        MHD_destroy_response(req->deferred);
    req->deferred = NULL;
}

char *reply_dump(const json_t *v, size_t *len)
{
    /* 15 significant digits print money and percentages the way JS does (33.33, not
     * 33.329999999999998); integers are stored as json integers by callers. */
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

    if (s != NULL && len != NULL)
        *len = strlen(s);
    return s;
}

int reply_data(struct request *req, unsigned status, const char *content_type, const void *data,
               size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);

    if (r == NULL)
        return -1;
    if (content_type != NULL && add(r, "Content-Type", content_type) != 0) {
        MHD_destroy_response(r);
        return -1;
    }
    return finish(req, status, r, 0);
}

int reply_json(struct request *req, unsigned status, json_t *body)
{
    size_t len = 0;
    char *s = body != NULL ? reply_dump(body, &len) : NULL;
    struct MHD_Response *r;

    json_decref(body);
    if (s == NULL)
        return reply_data(req, 500, CT_JSON, oom_body, sizeof(oom_body) - 1);
    r = MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(s);
        return -1;
    }
    if (add(r, "Content-Type", CT_JSON) != 0) {
        MHD_destroy_response(r);
        return -1;
    }
    return finish(req, status, r, 0);
}

int reply_empty(struct request *req, unsigned status)
{
    return finish(req, status, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT),
                  0);
}

int reply_response(struct request *req, unsigned status, struct MHD_Response *resp)
{
    return finish(req, status, resp, 0);
}

int reply_preflight(struct request *req)
{
    return finish(req, 204, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), 1);
}

int reply_error(struct request *req, unsigned status, const char *code, const char *message)
{
    return reply_json(req, status,
                      json_pack("{s:{s:s,s:s}}", "error", "message", message, "code", code));
}

int reply_validation_all(struct request *req, json_t *details)
{
    return reply_json(req, 400,
                      json_pack("{s:{s:s,s:s,s:o}}", "error", "message", "Validation failed",
                                "code", "VALIDATION_ERROR", "details", details));
}

int reply_validation(struct request *req, const char *field, const char *message)
{
    return reply_validation_details(req, "Validation failed",
                                    json_pack("[{s:s,s:s}]", "field", field, "message", message));
}

int reply_validation_details(struct request *req, const char *message, json_t *details)
{
    return reply_json(req, 400,
                      json_pack("{s:{s:s,s:o}}", "error", "message", message, "details", details));
}

int reply_bad_uuid(struct request *req, const char *param)
{
    char msg[64];

    snprintf(msg, sizeof(msg), "Invalid %s format", param);
    return reply_json(req, 400,
                      json_pack("{s:{s:s,s:s,s:s}}", "error", "message", msg, "code",
                                "INVALID_UUID_FORMAT", "requestId", req->id));
}

int reply_not_found(struct request *req)
{
    return reply_json(req, 404,
                      json_pack("{s:{s:s,s:s,s:s,s:s,s:s}}", "error", "message", "Route not found",
                                "code", "ROUTE_NOT_FOUND", "path", req->raw_url, "method",
                                req->method, "requestId", req->id));
}

int reply_internal(struct request *req, unsigned status, const char *message)
{
    json_t *err;

    if (config_is_production(req->app->cfg))
        message = "Internal server error";
    err = json_pack("{s:s,s:s}", "message", message, "code", "INTERNAL_SERVER_ERROR");
    if (err != NULL && req->id[0] != '\0')
        json_object_set_new(err, "requestId", json_string(req->id));
    return reply_json(req, status, err != NULL ? json_pack("{s:o}", "error", err) : NULL);
}

int reply_plain_error(struct request *req, unsigned status, const char *message)
{
    return reply_json(req, status, json_pack("{s:s}", "error", message));
}

int reply_rate_limited(struct request *req)
{
    char reset[32];

    snprintf(reset, sizeof(reset), "%ld", req->rl_reset);
    if (request_add_header(req, "Retry-After", reset) != 0)
        return -1;
    return reply_error(req, 429, "RATE_LIMIT_EXCEEDED",
                       "Too many requests from this IP, please try again later.");
}
