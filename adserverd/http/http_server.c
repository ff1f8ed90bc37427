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
#include "http/framing.h"
#include "http/reply.h"
#include "http/request.h"
#include "http/router.h"
#include "lib/xalloc.h"
#include "util/uuid.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    framing_add(cls, key, key_size, value != NULL ? value : "", value != NULL ? value_size : 0);
    return MHD_YES;
}

/*
 * The transport checks of a new request, before any handler: framing
 * (framing.h), then whether a body follows. 0 to go on; -1 when answered
 * (400/414/431 with Connection: close, so nothing after it is parsed).
 */
static int transport_begin(struct listener *lst, struct request *req, const char *version)
{
    const struct config *cfg = lst->app->cfg;
    struct framing_limits lim = {(size_t)cfg->url_max, (unsigned)cfg->header_count_max,
                                 (size_t)cfg->header_bytes_max};
    struct framing f;
    const char *why = "bad request";
    const char *cl, *te, *expect;
    int status;

    framing_init(&f, &lim);
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, count_header, &f);
    status = framing_verdict(&f, strcmp(version, MHD_HTTP_VERSION_1_0) == 0, strlen(req->raw_url),
                             &why);
    if (status != 0) {
        atomic_fetch_add(&lst->refused_framing, 1);
        if (uuid_v4(req->id) != 0)
            req->id[0] = '\0';
        req->close = 1;
        reply_error(req, (unsigned)status,
                    status == 414   ? "URI_TOO_LONG"
                    : status == 431 ? "REQUEST_HEADER_FIELDS_TOO_LARGE"
                                    : "BAD_REQUEST",
                    why);
        return -1;
    }
    cl = request_header(req, "Content-Length");
    te = request_header(req, "Transfer-Encoding");
    expect = request_header(req, "Expect");
    req->body_pending = te != NULL || (cl != NULL && strcmp(cl, "0") != 0);
    req->expect_continue = expect != NULL && strcasecmp(expect, "100-continue") == 0;
    return 0;
}

/*
 * After an early answer: drop body bytes until the body ends or a bound is
 * hit. libmicrohttpd 0.9.75 accepts a response only right after the headers
 * or after the whole body (MHD_queue_response refuses in between), so past
 * a bound the answer cannot be sent any more: the connection is closed.
 */
static enum MHD_Result linger(struct listener *lst, struct request *req, size_t n)
{
    const struct config *cfg = req->app->cfg;
    struct timespec now;
    double ms;

    req->linger_seen += n;
    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (double)(now.tv_sec - req->linger_start.tv_sec) * 1000.0 +
         (double)(now.tv_nsec - req->linger_start.tv_nsec) / 1e6;
    if (req->linger_seen > (uint64_t)cfg->linger_bytes || ms > (double)cfg->linger_ms) {
        atomic_fetch_add(&lst->linger_aborted, 1);
        return MHD_NO;
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct listener *lst = cls;
    struct request *req = *con_cls;

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
        if (transport_begin(lst, req, version != NULL ? version : "") != 0)
            return MHD_YES;
        router_begin(req);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;

        *upload_data_size = 0;
        /* the body is coming: an answer made from now on waits for its end */
        req->expect_continue = 0;
        if (req->deferred != NULL)
            return linger(lst, req, n);
        if (req->responded)
            return MHD_YES;
        if (req->stream_data != NULL) {
            if (req->stream_data(req, upload_data, n) == 0)
                return MHD_YES;
            /* an answer made mid-body drains the rest; anything else closes */
            return req->deferred != NULL ? MHD_YES : MHD_NO;
        }
        req->body_seen += n;
        if (!req->body_too_large && buf_append(&req->body, upload_data, n) != 0) {
            req->body_too_large = 1;
            buf_release(&req->body);
            reply_internal(req, 413, "request entity too large");
        }
        return MHD_YES;
    }
    req->body_pending = 0;
    if (req->deferred != NULL) {
        /* the whole body was drained: the early answer can go out now */
        atomic_fetch_add(&lst->lingered, 1);
        return reply_flush(req) == 0 ? MHD_YES : MHD_NO;
    }
    if (req->responded)
        return MHD_YES;
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
    reply_discard(req);
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

/* MHD's accept policy: the connection limits, before the connection exists. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct listener *lst = cls;

    (void)addrlen;
    return connlimit_admit(&lst->limits, addr) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct listener *lst = cls;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        int over = 0;

        *socket_context =
            (void *)connlimit_opened(&lst->limits, ci != NULL ? ci->client_addr : NULL, &over);
        /* admitted together with others past the limit: MHD sees the shutdown
         * as a closed peer and ends the connection (NOTIFY_CLOSED follows) */
        if (over && fd != NULL)
            (void)shutdown(fd->connect_fd, SHUT_RDWR);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        connlimit_closed(&lst->limits, (uintptr_t)*socket_context);
    }
}

int http_server_metrics(const struct listener *admin, const struct listener *ad, struct buf *out)
{
    const struct listener *l[2] = {admin, ad};
    int rc = 0;

    rc |= buf_printf(out, "# HELP adserverd_connections_refused_total Connections refused at "
                          "accept, by listener and reason.\n"
                          "# TYPE adserverd_connections_refused_total counter\n");
    for (int i = 0; i < 2; i++) {
        if (l[i] == NULL)
            continue;
        rc |= buf_printf(out,
                         "adserverd_connections_refused_total{listener=\"%s\",reason=\"per_address\"} %lu\n"
                         "adserverd_connections_refused_total{listener=\"%s\",reason=\"total\"} %lu\n",
                         l[i]->name, atomic_load(&l[i]->limits.refused_per_address), l[i]->name,
                         atomic_load(&l[i]->limits.refused_total));
    }
    rc |= buf_printf(out, "# HELP adserverd_connections_open Connections open, by listener.\n"
                          "# TYPE adserverd_connections_open gauge\n");
    for (int i = 0; i < 2; i++)
        if (l[i] != NULL)
            rc |= buf_printf(out, "adserverd_connections_open{listener=\"%s\"} %u\n", l[i]->name,
                             atomic_load(&l[i]->limits.open_total));
    rc |= buf_printf(out, "# HELP adserverd_requests_refused_framing_total Requests refused "
                          "before routing (framing, URL or header limits).\n"
                          "# TYPE adserverd_requests_refused_framing_total counter\n");
    for (int i = 0; i < 2; i++)
        if (l[i] != NULL)
            rc |= buf_printf(out, "adserverd_requests_refused_framing_total{listener=\"%s\"} %lu\n",
                             l[i]->name, atomic_load(&l[i]->refused_framing));
    rc |= buf_printf(out, "# HELP adserverd_lingering_aborted_total Connections closed because "
                          "a body drained after an early answer passed linger_bytes or linger_ms.\n"
                          "# TYPE adserverd_lingering_aborted_total counter\n");
    for (int i = 0; i < 2; i++)
        if (l[i] != NULL)
            rc |= buf_printf(out, "adserverd_lingering_aborted_total{listener=\"%s\"} %lu\n",
                             l[i]->name, atomic_load(&l[i]->linger_aborted));
    rc |= buf_printf(out, "# HELP adserverd_lingering_answers_total Early answers sent after "
                          "draining the request body.\n"
                          "# TYPE adserverd_lingering_answers_total counter\n");
    for (int i = 0; i < 2; i++)
        if (l[i] != NULL)
            rc |= buf_printf(out, "adserverd_lingering_answers_total{listener=\"%s\"} %lu\n",
                             l[i]->name, atomic_load(&l[i]->lingered));
    return rc != 0 ? -1 : 0;
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
    unsigned int mhd_limit;

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
    {
        unsigned long long m = (unsigned long long)cfg->conn_limit * (threads > 0 ? threads : 1);
        mhd_limit = m > 1048576 ? 1048576 : (unsigned int)m; /* far past any descriptor limit */
    }
    if (connlimit_init(&lst->limits, (unsigned)cfg->per_ip_limit, (unsigned)cfg->conn_limit,
                       cfg->trusted_proxies, err, errlen) != 0)
        return -1;
    /*
     * MHD's own per-IP limit is off (connlimit does it, with the trusted
     * proxies exempt). MHD splits its total evenly between the pool's
     * threads and refuses past a thread's share, however idle the others;
     * accepts are not spread evenly under load, so its total is set to
     * conn_limit per thread and connlimit enforces the real one.
     */
    lst->mhd = MHD_start_daemon(
        flags, (uint16_t)port, on_accept, lst, on_request, lst, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, lst,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, lst, MHD_OPTION_NOTIFY_COMPLETED, on_completed, lst,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, lst, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->conn_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
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
