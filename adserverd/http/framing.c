/*
 * framing: see framing.h. Each rule names the RFC 9112/9110 requirement it
 * enforces; the first violation wins so the reason a client sees is stable.
 */
#include "http/framing.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 5.6.2: tchar. A header name is one or more of these. */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int name_is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

static void fail(struct framing *f, int status, const char *reason)
{
    if (f->status == 0) {
        f->status = status;
        f->reason = reason;
    }
}

void framing_init(struct framing *f, const struct framing_limits *lim)
{
    memset(f, 0, sizeof(*f));
    f->lim = *lim;
}

void framing_add(struct framing *f, const char *name, size_t name_len, const char *value,
                 size_t value_len)
{
    f->nheaders++;
    /* name ": " value CRLF; saturating, the limit is far below SIZE_MAX */
    if (f->header_bytes < f->lim.header_bytes_max + 1)
        f->header_bytes += name_len + value_len + 4;
    if (f->nheaders > f->lim.headers_max || f->header_bytes > f->lim.header_bytes_max)
        fail(f, 431, "request header fields too large");
    if (name_len == 0) {
        fail(f, 400, "empty header name");
        return;
    }
    /* 11.2 and 5.1: no whitespace before the colon, names are tokens */
    for (size_t i = 0; i < name_len; i++) {
        if (!is_tchar((unsigned char)name[i])) {
            fail(f, 400, "invalid header name");
            return;
        }
    }
    /* RFC 9110 5.5: CR, LF and NUL are never valid inside a field value */
    for (size_t i = 0; i < value_len; i++) {
        if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0') {
            fail(f, 400, "invalid header value");
            return;
        }
    }
    if (name_is(name, name_len, "Content-Length")) {
        f->n_content_length++;
        /* 6.3: only 1*DIGIT; a list, a sign, spaces or emptiness are ambiguous */
        if (value_len == 0 || value_len > 19)
            fail(f, 400, "invalid Content-Length");
        for (size_t i = 0; i < value_len; i++)
            if (value[i] < '0' || value[i] > '9')
                fail(f, 400, "invalid Content-Length");
    } else if (name_is(name, name_len, "Transfer-Encoding")) {
        f->n_transfer_encoding++;
        /* we decode no coding but chunked, so anything else cannot be framed */
        f->te_chunked = name_is(value, value_len, "chunked");
    } else if (name_is(name, name_len, "Host")) {
        f->n_host++;
    }
}

int framing_verdict(const struct framing *f, int http_10, size_t url_len, const char **reason)
{
    int status = 0;
    const char *why = NULL;

    if (url_len > f->lim.url_max) {
        status = 414;
        why = "request target too long";
    } else if (f->status != 0) {
        status = f->status;
        why = f->reason;
    } else if (f->n_content_length > 0 && f->n_transfer_encoding > 0) {
        /* 6.3 item 3: a server MAY reject; a proxy in front may pick the other one */
        status = 400;
        why = "both Content-Length and Transfer-Encoding";
    } else if (f->n_content_length > 1) {
        status = 400;
        why = "more than one Content-Length";
    } else if (f->n_transfer_encoding > 1 || (f->n_transfer_encoding == 1 && !f->te_chunked)) {
        status = 400;
        why = "unsupported Transfer-Encoding";
    } else if (f->n_transfer_encoding > 0 && http_10) {
        /* 6.1: HTTP/1.0 has no Transfer-Encoding; 1.0 proxies frame by close */
        status = 400;
        why = "Transfer-Encoding on HTTP/1.0";
    } else if (f->n_host > 1 || (f->n_host == 0 && !http_10)) {
        /* RFC 9112 3.2: exactly one Host on HTTP/1.1 */
        status = 400;
        why = f->n_host > 1 ? "more than one Host" : "missing Host";
    }
    if (status != 0 && reason != NULL)
        *reason = why;
    return status;
}
