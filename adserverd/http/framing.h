/*
 * framing: the request-framing rules of RFC 9112 (sections 6.3 and 11.2),
 * checked on the header list libmicrohttpd parsed, before any handler runs.
 *
 * Why: behind a proxy that frames a request differently from us, an
 * ambiguous request (two lengths, a length and a chunked coding, an unknown
 * coding, a header name the proxy reads differently) lets a client hide a
 * second request in the first one's body. libmicrohttpd 0.9.75 accepts all
 * of these; every one of them is visible in its parsed header list (it keeps
 * duplicates as separate entries and header names byte for byte), so the
 * check needs no access to the raw bytes. What the library normalises
 * before we see it (bare-LF line endings, a NUL inside a value, an obs-fold
 * whose continuation is plain token characters) is listed in adserverd(8).
 *
 * Use: framing_init(), framing_add() once per header in arrival order, then
 * framing_verdict(). The struct holds no pointers into the headers, so the
 * caller may free them between calls. Pure logic, no allocation; runs once
 * per request on both listeners (a few hundred bytes scanned).
 */
#ifndef FRAMING_H
#define FRAMING_H

#include <stddef.h>

struct framing_limits {
    size_t url_max;          /* longest request target (bytes): 414 past it */
    unsigned headers_max;    /* most header fields: 431 past it */
    size_t header_bytes_max; /* largest header block, names + values + 4 per field: 431 */
};

struct framing {
    struct framing_limits lim;
    unsigned nheaders;
    size_t header_bytes;
    unsigned n_content_length;
    unsigned n_transfer_encoding;
    unsigned n_host;
    int te_chunked;       /* the one Transfer-Encoding is exactly "chunked" */
    int status;           /* first violation: 400, 431; 0 while none */
    const char *reason;   /* static text of the first violation */
};

void framing_init(struct framing *f, const struct framing_limits *lim);

/* Account one header field as parsed (name and value exactly as received). */
void framing_add(struct framing *f, const char *name, size_t name_len, const char *value,
                 size_t value_len);

/*
 * The verdict once every header was added: 0 when the request may proceed,
 * else 400, 414 or 431 with a static reason in *reason. http_10 is non-zero
 * for an HTTP/1.0 request; url_len is the length of the request target.
 */
int framing_verdict(const struct framing *f, int http_10, size_t url_len, const char **reason);

#endif
