/*
 * request: one HTTP request as the router and handlers see it.
 *
 * Made by http_server when libmicrohttpd first reports the request (URI log
 * callback) and freed in its completion callback, so everything hanging off
 * it lives exactly as long as the request. Handlers read fields, call
 * request_* accessors and answer with reply_*(); they never touch MHD.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include "db/db_users.h"
#include "lib/buf.h"

#include <jansson.h>
#include <stdint.h>
#include <time.h>

struct app;
struct listener;
struct route;
struct MHD_Connection;
struct MHD_Response;

#define REQUEST_MAX_PARAMS 3
#define REQUEST_MAX_HEADERS 16

struct request {
    struct app *app;
    const struct listener *lst;
    struct MHD_Connection *conn;

    char *raw_url;     /* request target as sent, query included (owned) */
    char *path;        /* path only, as MHD decoded it (owned) */
    char method[16];
    int is_head;       /* HEAD is routed as GET; MHD drops the body */
    char id[40];       /* request id; empty until assigned (docs/admin-api.md) */
    char ip[64];       /* peer address of the TCP connection */
    struct timespec start;

    /* body */
    struct buf body;
    uint64_t body_seen;   /* bytes received, also the discarded ones */
    int body_too_large;
    json_t *json;         /* parsed body, {} when none (owned) */

    /* routing */
    const struct route *route;
    char *params[REQUEST_MAX_PARAMS]; /* path parameters in pattern order (owned) */
    int nparams;
    int first_call_done;
    int responded;
    int status;           /* status sent, for metrics */

    /* transport (http_server and reply only) */
    int close;            /* answer with Connection: close (framing refused) */
    int body_pending;     /* the request has a body that has not been read to its end */
    int expect_continue;  /* the client waits for 100 Continue before its body */
    struct MHD_Response *deferred; /* early answer kept while the body drains */
    unsigned deferred_status;
    struct timespec linger_start;  /* when the early answer was made */
    uint64_t linger_seen;          /* body bytes dropped since then */
    char base[288];       /* public base URL (public_base.h), "" until computed */

    /* authentication */
    int authed;
    struct db_user user;  /* the caller, re-read from PostgreSQL per request */
    char *token;          /* the Bearer token that authenticated (owned) */
    int64_t token_exp;    /* its exp claim (seconds) */

    /* rate limit headers, set by ratelimit when the path is limited */
    int rl_set;
    long rl_limit, rl_remaining, rl_reset, rl_window_s;

    /* extra response headers (names and values static or owned by arena) */
    const char *hdr_name[REQUEST_MAX_HEADERS];
    char *hdr_value[REQUEST_MAX_HEADERS];
    int nhdr;

    /* streaming body consumer (uploads); called instead of buffering */
    int (*stream_data)(struct request *req, const char *data, size_t n);
    void *stream_state;
    void (*stream_free)(void *state);

    /* Work to run once the response is sent (off the response path), then done. */
    void (*after)(void *state);
    void *after_state;
    /*
     * Suspended until an asynchronous step ends (the beacon's group commit):
     * http_server_suspend() parks the connection without a worker thread;
     * http_server_resume() (any thread) makes MHD call resume(), which answers.
     */
    int suspended;
    int (*resume)(struct request *req);
    void *state;                    /* the handler's, freed by state_free at completion */
    void (*state_free)(void *state);
};

/* Header or query value, or NULL. Valid for the request's lifetime. */
const char *request_header(const struct request *req, const char *name);
const char *request_query(const struct request *req, const char *name);
/*
 * Call fn for each query argument in order; stops when fn returns non-zero
 * and returns that value. Values are MHD-decoded; a key without '=' has a
 * NULL value.
 */
int request_query_each(const struct request *req,
                       int (*fn)(void *ctx, const char *key, const char *value), void *ctx);
/* Path parameter i of the matched route (never NULL for a matched index). */
const char *request_param(const struct request *req, int i);
/* Add a response header; value is copied. -1 when the table is full. */
int request_add_header(struct request *req, const char *name, const char *value);
/* Milliseconds since the request started. */
double request_elapsed_ms(const struct request *req);

#endif
