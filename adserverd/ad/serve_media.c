/*
 * serve_media: see serve_media.h.
 *
 * Per request: one index lookup (shared lock), one open + fstat of the file
 * (storage_open_read walks the key without following symlinks), and a
 * response that libmicrohttpd streams from the descriptor and closes. Keys
 * are checked by storage_key_check() before anything else, so "..", empty
 * components and control bytes never reach the file system.
 */
#include "ad/serve_media.h"
#include "core/app.h"
#include "lib/buf.h"
#include "core/config.h"
#include "lib/log.h"
#include "media/media_index.h"
#include "http/reply.h"
#include "http/request.h"
#include "storage/sigv4.h"
#include "storage/storage.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Keys name one upload each (a fresh UUID), so their bytes never change. */
#define CACHE_CONTROL "public, max-age=86400"
#define URL_MAX 8192

/* ------------------------------------------------------------------------ */
/* Ranges and validators                                                    */
/* ------------------------------------------------------------------------ */

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Decimal digits at *sp, saturating at UINT64_MAX. -1 when there is none. */
static int parse_u64(const char **sp, uint64_t *out)
{
    const char *s = *sp;
    uint64_t v = 0;

    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');

        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *sp = s;
    *out = v;
    return 0;
}

enum serve_media_range serve_media_parse_range(const char *hdr, uint64_t size, uint64_t *start,
                                               uint64_t *len)
{
    const char *s;
    uint64_t a = 0, b = 0;
    int has_a, has_b;

    if (hdr == NULL)
        return SERVE_MEDIA_FULL;
    s = skip_ws(hdr);
    if (strncasecmp(s, "bytes", 5) != 0)
        return SERVE_MEDIA_FULL;
    s = skip_ws(s + 5);
    if (*s != '=')
        return SERVE_MEDIA_FULL;
    s = skip_ws(s + 1);
    has_a = parse_u64(&s, &a) == 0;
    s = skip_ws(s);
    if (*s != '-')
        return SERVE_MEDIA_FULL;
    s = skip_ws(s + 1);
    has_b = parse_u64(&s, &b) == 0;
    s = skip_ws(s);
    if (*s != '\0' || (!has_a && !has_b))
        return SERVE_MEDIA_FULL; /* malformed, or a list of ranges */
    if (!has_a) {
        /* suffix: the last b bytes */
        if (b == 0 || size == 0)
            return SERVE_MEDIA_UNSATISFIABLE;
        if (b > size)
            b = size;
        *start = size - b;
        *len = b;
        return SERVE_MEDIA_PARTIAL;
    }
    if (has_b && b < a)
        return SERVE_MEDIA_FULL; /* invalid range-spec: ignore the header */
    if (a >= size)
        return SERVE_MEDIA_UNSATISFIABLE;
    if (!has_b || b >= size)
        b = size - 1;
    *start = a;
    *len = b - a + 1;
    return SERVE_MEDIA_PARTIAL;
}

/* If-None-Match: "*" or a list of entity tags, compared weakly. */
static int etag_listed(const char *list, const char *etag)
{
    const char *s = list;
    size_t elen = strlen(etag);

    if (strcmp(skip_ws(s), "*") == 0)
        return 1;
    while (*s != '\0') {
        const char *t = skip_ws(s);
        const char *e = strchr(t, ',');
        size_t n = e != NULL ? (size_t)(e - t) : strlen(t);

        while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
            n--;
        if (n > 2 && t[0] == 'W' && t[1] == '/') {
            t += 2;
            n -= 2;
        }
        if (n == elen && memcmp(t, etag, n) == 0)
            return 1;
        if (e == NULL)
            break;
        s = e + 1;
    }
    return 0;
}

static int add(struct MHD_Response *r, const char *k, const char *v)
{
    return MHD_add_response_header(r, k, v) == MHD_YES ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Handler                                                                  */
/* ------------------------------------------------------------------------ */

int serve_media_get(struct request *req)
{
    struct app *app = req->app;
    const char *key = request_param(req, 0);
    size_t plen = strlen(req->path);
    char mime[128], etag[64], lastmod[64], crange[96], err[256];
    const char *range;
    const char *cond;
    struct MHD_Response *resp = NULL;
    struct stat sb;
    struct tm tm;
    uint64_t size = 0, start = 0, len = 0;
    unsigned status = 200;
    int fd = -1;
    int rc;

    /* A trailing '/' was dropped by the router; no key ends with one. */
    if (storage_backend(app->storage) != STORAGE_BACKEND_LOCAL || app->media_index == NULL ||
        (plen > 0 && req->path[plen - 1] == '/') || storage_key_check(key, NULL, 0) != 0 ||
        !media_index_lookup(app->media_index, key, mime, sizeof(mime)))
        return reply_not_found(req);
    rc = storage_open_read(app->storage, key, &fd, &size, err, sizeof(err));
    if (rc == STORAGE_NOT_FOUND)
        return reply_not_found(req);
    if (rc != 0) {
        log_error("cannot open creative file", "key", key, "error", err);
        return reply_internal(req, 500, "cannot read media");
    }
    if (fstat(fd, &sb) != 0 || gmtime_r(&sb.st_mtim.tv_sec, &tm) == NULL ||
        strftime(lastmod, sizeof(lastmod), "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0) {
        (void)close(fd); /* read-only */
        return reply_internal(req, 500, "cannot read media");
    }
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)size,
             (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)sb.st_mtim.tv_nsec);

    cond = request_header(req, "If-None-Match");
    range = request_header(req, "Range");
    if (request_header(req, "If-Range") != NULL) {
        const char *ir = request_header(req, "If-Range");
        /* Honour the range only for the representation the client has. */
        if (strcmp(ir, etag) != 0 && strcmp(ir, lastmod) != 0)
            range = NULL;
    }
    if (cond != NULL && etag_listed(cond, etag)) {
        status = 304;
        (void)close(fd);
        fd = -1;
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        switch (serve_media_parse_range(range, size, &start, &len)) {
        case SERVE_MEDIA_PARTIAL:
            status = 206;
            snprintf(crange, sizeof(crange), "bytes %llu-%llu/%llu", (unsigned long long)start,
                     (unsigned long long)(start + len - 1), (unsigned long long)size);
            resp = MHD_create_response_from_fd_at_offset64(len, fd, start);
            break;
        case SERVE_MEDIA_UNSATISFIABLE:
            status = 416;
            snprintf(crange, sizeof(crange), "bytes */%llu", (unsigned long long)size);
            (void)close(fd);
            fd = -1;
            resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
            break;
        case SERVE_MEDIA_FULL:
            resp = MHD_create_response_from_fd_at_offset64(size, fd, 0);
            break;
        }
    }
    if (resp == NULL) {
        if (fd >= 0)
            (void)close(fd);
        return reply_internal(req, 500, "cannot build media response");
    }
    /* From here MHD owns fd (if any) and closes it with the response. */
    rc = add(resp, "Accept-Ranges", "bytes") | add(resp, "ETag", etag) |
         add(resp, "Last-Modified", lastmod) | add(resp, "Cache-Control", CACHE_CONTROL);
    if (status == 200 || status == 206)
        rc |= add(resp, "Content-Type", mime);
    if (status == 206 || status == 416)
        rc |= add(resp, "Content-Range", crange);
    if (rc != 0) {
        MHD_destroy_response(resp);
        return reply_internal(req, 500, "cannot build media response");
    }
    return reply_response(req, status, resp);
}

/* ------------------------------------------------------------------------ */
/* URLs                                                                     */
/* ------------------------------------------------------------------------ */

int media_path_for_key(struct app *app, const char *key, char *out, size_t n)
{
    char probe[8];
    struct buf b;
    int rc = -1;

    /* only a local file without any public URL is served by the ad listener itself */
    if (storage_public_url(app->storage, key, probe, sizeof(probe)) != STORAGE_NO_PUBLIC_URL ||
        (app->cfg->public_url != NULL && app->cfg->public_url[0] != '\0'))
        return -1;
    buf_init(&b, URL_MAX);
    if (buf_puts(&b, "/media/") != 0 || sigv4_uri_encode(&b, key, 1) != 0 || b.len >= n)
        goto cleanup;
    memcpy(out, b.data, b.len + 1);
    rc = 0;
cleanup:
    buf_release(&b);
    return rc;
}

int media_url_for_key(struct app *app, const char *key, char *out, size_t n)
{
    const char *base = app->cfg->public_url;
    size_t blen;
    struct buf b;
    int rc = storage_public_url(app->storage, key, out, n);

    if (rc != STORAGE_NO_PUBLIC_URL)
        return rc == 0 ? 0 : -1;
    if (base == NULL || base[0] == '\0')
        return -1;
    blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    buf_init(&b, URL_MAX);
    rc = -1;
    if (buf_append(&b, base, blen) != 0 || buf_puts(&b, "/media/") != 0 ||
        sigv4_uri_encode(&b, key, 1) != 0 || b.len >= n)
        goto cleanup;
    memcpy(out, b.data, b.len + 1);
    rc = 0;
cleanup:
    buf_release(&b);
    return rc;
}
