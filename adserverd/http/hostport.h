/*
 * hostport: syntax of a Host (or X-Forwarded-Host) value we are willing to
 * put into a URL: a DNS name (letters, digits, '-', dot-separated labels of
 * 1..63, at most 253 bytes), an IPv4 address, or an IPv6 address in
 * brackets, optionally followed by ':' and a port 1..65535. Nothing else:
 * no path, userinfo, whitespace, control bytes or percent-escapes.
 *
 * Why its own module: the check guards every URL handed to players when
 * public_url is unset, so it is pure, unit tested and fuzzed on its own.
 * Load: once per ad request that builds URLs; reads at most HOSTPORT_MAX bytes.
 */
#ifndef HOSTPORT_H
#define HOSTPORT_H

#include <stddef.h>

#define HOSTPORT_MAX 262 /* 253 for the name, ':' and a 5-digit port, or a bracketed v6 */

/* 1 when s[0..len) is a valid host[:port] as described above, else 0. */
int hostport_valid(const char *s, size_t len);

#endif
