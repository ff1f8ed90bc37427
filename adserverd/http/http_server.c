/*
 * http_server: see http_server.h.
 *
 * Request life cycle in MHD terms: the URI log callback makes the struct
 * request (it is the first callback and sees the raw request target, which
 * the 404 body echoes); the access handler's first call (headers in) runs
 * router_begin, body chunks are buffered up to the body limit or streamed
 * to the route, the final call runs router_dispatch; the completion
 * callback records metrics and frees the request.
 */
#include "http/http_server.h"
#include "core/app.h"
#include "core/config.h"
#include "lib/log.h"
#include "core/metrics.h"
#include "http/reply.h"
#include "http/request.h"
#include "http/router.h"
#include "lib/xalloc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * A body past the limit is read and dropped (so the 413 reaches the client)
 * until this many times the limit, then the connection is closed.
 */
#define DISCARD_FACTOR 4

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct listener *lst = cls;
    struct request *req = xcalloc(1, sizeof(*req));

    (void)conn;
    req->app = lst->app;
    req->lst = lst;
    req->raw_url = xstrdup(uri != NULL ? uri : "");
    clock_gettime(CLOCK_MONOTONIC, &req->start);
    buf_init(&req->body, (size_t)lst->app->cfg->body_limit);
    atomic_fetch_add(&lst->inflight, 1);
    return req;
}

static void peer_ip(struct MHD_Connection *conn, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

    snprintf(out, n, "unknown");
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        /* An IPv4-mapped peer is reported in its IPv4 form, as Node does for ::ffff:a.b.c.d. */
        inet_ntop(AF_INET6, &s6->sin6_addr, out, (socklen_t)n);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct listener *lst = cls;
    struct request *req = *con_cls;

    (void)version;
    if (req == NULL) {
        /* MHD always calls the URI log callback first; be defensive anyway. */
        req = on_uri(lst, url, conn);
        *con_cls = req;
    }
    if (!req->first_call_done) {
        req->first_call_done = 1;
        req->conn = conn;
        req->path = xstrdup(url != NULL ? url : "/");
        snprintf(req->method, sizeof(req->method), "%s", method);
        req->is_head = strcmp(method, "HEAD") == 0;
        peer_ip(conn, req->ip, sizeof(req->ip));
        router_begin(req);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;

        *upload_data_size = 0;
        if (req->responded)
            return MHD_YES;
        if (req->stream_data != NULL)
            return req->stream_data(req, upload_data, n) == 0 ? MHD_YES : MHD_NO;
        req->body_seen += n;
        if (!req->body_too_large && buf_append(&req->body, upload_data, n) != 0) {
            req->body_too_large = 1;
            buf_release(&req->body);
        }
        if (req->body_too_large &&
            req->body_seen > (uint64_t)req->app->cfg->body_limit * DISCARD_FACTOR)
            return MHD_NO;
        return MHD_YES;
    }
    if (req->resume != NULL) {
        /* back from http_server_suspend(): the handler's second half answers */
        int (*fn)(struct request *) = req->resume;
        req->resume = NULL;
        req->suspended = 0;
        if (fn(req) != 0 && !req->responded)
            reply_internal(req, 500, "Internal server error");
        if (!req->responded)
            reply_internal(req, 500, "no response");
        return MHD_YES;
    }
    router_dispatch(req);
    return MHD_YES;
}

void http_server_suspend(struct request *req, int (*resume)(struct request *req))
{
    req->resume = resume;
    req->suspended = 1;
    MHD_suspend_connection(req->conn);
}

void http_server_resume(struct request *req)
{
    /* suspended stays set until the resumed call: the handler may still be returning */
    MHD_resume_connection(req->conn);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct listener *lst = cls;
    struct request *req = *con_cls;
    const char *route;

    (void)conn;
    (void)toe;
    if (req == NULL)
        return;
    route = req->route != NULL ? req->route->pattern : "unmatched";
    if (req->first_call_done)
        metrics_observe(lst->app->metrics, lst->name, route, req->responded ? req->status : 0,
                        request_elapsed_ms(req));
    if (req->stream_free != NULL)
        req->stream_free(req->stream_state);
    if (req->after != NULL)
        req->after(req->after_state);
    if (req->state_free != NULL)
        req->state_free(req->state);
    for (int i = 0; i < req->nparams; i++)
        free(req->params[i]);
    for (int i = 0; i < req->nhdr; i++)
        free(req->hdr_value[i]);
    json_decref(req->json);
    buf_release(&req->body);
    free(req->token);
    free(req->raw_url);
    free(req->path);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&lst->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct listener *lst = cls;
    char msg[512];
    size_t n;

    if (!log_enabled(LOG_DEBUG))
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_debug("libmicrohttpd", "listener", lst->name, "detail", msg);
}

int listener_start(struct listener *lst, const char *bind_addr, int port, int threads,
                   char *err, size_t errlen)
{
    const struct config *cfg = lst->app->cfg;
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                         MHD_ALLOW_SUSPEND_RESUME;
    const union MHD_DaemonInfo *di;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, bind_addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        sslen = sizeof(*s4);
    } else if (inet_pton(AF_INET6, bind_addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        sslen = sizeof(*s6);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "%s listener: bad bind address %s", lst->name, bind_addr);
        return -1;
    }
    (void)sslen;
    atomic_store(&lst->inflight, 0);
    lst->mhd = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, lst, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, lst, MHD_OPTION_NOTIFY_COMPLETED, on_completed, lst,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, lst, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->conn_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->conn_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->per_ip_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->conn_memory_kb * 1024,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned int)1024, MHD_OPTION_END);
    if (lst->mhd == NULL) {
        snprintf(err, errlen, "%s listener: cannot listen on %s:%d", lst->name, bind_addr, port);
        return -1;
    }
    di = MHD_get_daemon_info(lst->mhd, MHD_DAEMON_INFO_BIND_PORT);
    lst->port = di != NULL ? di->port : port;
    return 0;
}

void listener_quiesce(struct listener *lst)
{
    if (lst->mhd != NULL) {
        MHD_socket s = MHD_quiesce_daemon(lst->mhd);
        if (s != MHD_INVALID_SOCKET)
            close(s);
    }
}

int listener_drain(struct listener *lst, int timeout_ms)
{
    int waited = 0;

    while (atomic_load(&lst->inflight) > 0 && waited < timeout_ms) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
        waited += 10;
    }
    return atomic_load(&lst->inflight);
}

void listener_stop(struct listener *lst)
{
    if (lst->mhd != NULL)
        MHD_stop_daemon(lst->mhd);
    lst->mhd = NULL;
}
