/*
 * serve_media: GET/HEAD /media/<key> on the ad listener, the creative files
 * of the local storage backend, for players and SSAI stitchers.
 *
 * Players seek and stitchers fetch in pieces, so single byte ranges are
 * honoured (206 with Content-Range, 416 when unsatisfiable; several ranges
 * get the whole file, which RFC 9110 allows), with Accept-Ranges, a strong
 * ETag, Last-Modified, If-None-Match (304) and If-Range. Only keys of
 * creatives that exist are served (media_index.h), with the media type read
 * from the bytes; the file is sent by libmicrohttpd straight from its
 * descriptor (sendfile), never copied through memory. With the S3 backend
 * players fetch from the bucket or CDN and this route answers 404.
 *
 * Called on the ad listener's threads; never touches PostgreSQL.
 */
#ifndef SERVE_MEDIA_H
#define SERVE_MEDIA_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct request;

/* Route handler of /media/<key> (GET, and HEAD through the router). */
int serve_media_get(struct request *req);

/*
 * The URL a player fetches key from, NUL-terminated into out[n]: the
 * storage's public URL (S3, or MEDIA_BASE_URL / CLOUDFRONT_URL when set),
 * else, for local storage, ADSERVERD_PUBLIC_URL + "/media/" + key (key
 * URI-encoded, '/' kept). 0, or -1 when key is invalid, out is too small or
 * local storage has no ADSERVERD_PUBLIC_URL. The VAST renderer calls this.
 */
int media_url_for_key(struct app *app, const char *key, char *out, size_t n);

/*
 * For local storage without public_url only: "/media/<key>" (URI-encoded)
 * into out[n], the path the ad listener serves key under; the ad handler
 * joins it to the request's public base (http/public_base.h), so players
 * fetch it from where they reached us. 0, or -1 otherwise.
 */
int media_path_for_key(struct app *app, const char *key, char *out, size_t n);

/* Outcome of parsing a Range header against a file of a given size. */
enum serve_media_range {
    SERVE_MEDIA_FULL = 0,          /* no usable single byte range: send everything (200) */
    SERVE_MEDIA_PARTIAL = 1,       /* send [*start, *start + *len) (206) */
    SERVE_MEDIA_UNSATISFIABLE = 2, /* 416 with Content-Range: bytes * / size */
};

/*
 * Parse hdr (a Range value, or NULL) for a file of size bytes: "bytes=a-b",
 * "bytes=a-", "bytes=-n". Malformed values and lists of several ranges are
 * ignored (FULL). *start and *len are written only for PARTIAL. Pure.
 */
enum serve_media_range serve_media_parse_range(const char *hdr, uint64_t size, uint64_t *start,
                                               uint64_t *len);

#endif
