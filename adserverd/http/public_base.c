/*
 * public_base: see public_base.h.
 */
#include "http/public_base.h"
#include "core/config.h"
#include "core/app.h"
#include "http/hostport.h"
#include "http/http_server.h"
#include "http/request.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static int use_host(char *out, size_t n, const char *scheme, const char *host)
{
    int w;

    if (host == NULL || !hostport_valid(host, strlen(host)))
        return -1;
    w = snprintf(out, n, "%s://%s", scheme, host);
    return w > 0 && (size_t)w < n ? 0 : -1;
}

/* The local address of the connection, when it is not a wildcard. */
static int use_local(struct request *req, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char ip[INET6_ADDRSTRLEN];
    int w = -1;

    if (ci == NULL || getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
        if (s4->sin_addr.s_addr == htonl(INADDR_ANY) ||
            inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip)) == NULL)
            return -1;
        w = snprintf(out, n, "http://%s:%u", ip, (unsigned)ntohs(s4->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
        if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) ||
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip)) == NULL)
            return -1;
        w = snprintf(out, n, "http://[%s]:%u", ip, (unsigned)ntohs(s6->sin6_port));
    }
    return w > 0 && (size_t)w < n ? 0 : -1;
}

const char *http_public_base(struct request *req)
{
    const struct config *cfg = req->app->cfg;
    const char *pub = cfg->public_url;

    if (req->base[0] != '\0')
        return req->base;
    if (pub != NULL && pub[0] != '\0') {
        size_t len = strlen(pub);
        while (len > 0 && pub[len - 1] == '/')
            len--;
        if (len < sizeof(req->base)) {
            memcpy(req->base, pub, len);
            req->base[len] = '\0';
            return req->base;
        }
    }
    if (adparams_proxies_has(&req->lst->limits.proxies, req->ip)) {
        const char *proto = request_header(req, "X-Forwarded-Proto");
        const char *scheme = proto != NULL && strcasecmp(proto, "https") == 0 ? "https" : "http";

        if (use_host(req->base, sizeof(req->base), scheme,
                     request_header(req, "X-Forwarded-Host")) == 0)
            return req->base;
    }
    if (use_host(req->base, sizeof(req->base), "http", request_header(req, "Host")) == 0)
        return req->base;
    if (use_local(req, req->base, sizeof(req->base)) == 0)
        return req->base;
    req->base[0] = '\0';
    return req->base;
}
