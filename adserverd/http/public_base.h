/*
 * public_base: the base URL ("scheme://host[:port]", no trailing slash)
 * under which the client of one request reaches this listener, for the
 * URLs we hand to players (tracking beacons, media files, ad tags).
 *
 * Order: public_url when configured; else X-Forwarded-Host (and
 * X-Forwarded-Proto, "http" or "https") when the TCP peer is in
 * trusted_proxies; else the request's Host; else the local address the
 * connection arrived on (never a wildcard such as 0.0.0.0 or ::, which no
 * client can reach). A header is used only when it is a host name, an IPv4
 * address or a bracketed IPv6 address with an optional port and nothing
 * else, so a hostile Host (a path, CRLF, a userinfo '@', an over-long name)
 * never reaches a URL: it is ignored and the next source is used
 * (hostport.h says exactly what is accepted).
 *
 * Load: once per ad request that builds URLs (a scan of one header); the
 * result is kept in the request.
 */
#ifndef PUBLIC_BASE_H
#define PUBLIC_BASE_H

#include <stddef.h>

struct request;

/*
 * The base URL of req, computed on first use and kept in req (valid for the
 * request's lifetime). Never NULL; "" only if no source at all was usable.
 */
const char *http_public_base(struct request *req);

#endif
