/*
 * sigv4: AWS Signature Version 4 query-string authentication (presigned S3 URLs).
 *
 * The upload-url endpoint (docs/admin-api.md) hands out a presigned PUT URL
 * and must do so without contacting storage, so the signature is computed here,
 * from AWS's published algorithm: canonical request -> string to sign -> signing
 * key (HMAC-SHA256 chain over date, region, "s3", "aws4_request") -> signature.
 * Only the `host` header is signed and the payload is UNSIGNED-PAYLOAD, so the
 * holder of the URL may send any body and any Content-Type.
 *
 * Requests made by adserverd itself are signed by libcurl (CURLOPT_AWS_SIGV4,
 * see storage_s3.c); this module only builds URLs for others to use.
 *
 * Pure computation: no I/O, no globals, safe from any thread. Secrets never
 * appear in error strings, and key material is wiped from the stack.
 */
#ifndef SIGV4_H
#define SIGV4_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

/* Bounds from S3: a presigned URL lives one second to seven days; keys are at
 * most 1024 bytes of UTF-8. */
#define SIGV4_EXPIRES_MAX 604800L
#define SIGV4_KEY_MAX 1024

/*
 * What to sign. Every string is borrowed for the duration of the call.
 *
 * endpoint is a base URL, "http://" or "https://", host with optional port, no
 * path beyond an optional trailing "/", no user info, no query. With
 * path_style set, the object path is /<bucket>/<key> (S3-compatible servers,
 * e.g. "http://127.0.0.1:4569"); with path_style clear the endpoint already
 * names the bucket (virtual-hosted, e.g. "https://examplebucket.s3.amazonaws.com")
 * and bucket is ignored (may be NULL). A default port (80 for http, 443 for
 * https) is dropped from the signed host, as HTTP clients drop it from Host:.
 */
struct sigv4_request {
    const char *method;        /* "GET", "PUT", ...: upper-case token */
    const char *endpoint;      /* see above */
    const char *bucket;        /* path-style only */
    int path_style;            /* nonzero: /<bucket>/<key> */
    const char *key;           /* object key, UTF-8, 1..SIGV4_KEY_MAX bytes */
    const char *region;        /* e.g. "us-east-1" */
    const char *access_key_id; /* goes into the URL (not secret) */
    const char *secret_key;    /* used for the HMAC chain only */
    const char *session_token; /* optional (NULL or ""): X-Amz-Security-Token */
    long expires;              /* seconds, 1..SIGV4_EXPIRES_MAX */
    time_t now;                /* signing time, epoch seconds (injectable for tests) */
};

/*
 * Build the presigned URL for r. On success *out_url is a NUL-terminated string
 * owned by the caller (free()). On failure returns -1, writes a message (never
 * containing the secret or the session token) to err and leaves *out_url alone.
 */
int sigv4_presign(const struct sigv4_request *r, char **out_url, char *err, size_t errlen);

/*
 * Append s to out URI-encoded the way SigV4 wants for S3: every byte except the
 * unreserved A-Za-z0-9-._~ becomes %XX (upper-case hex); '/' is kept when
 * keep_slash is nonzero (object key paths), encoded otherwise (query values).
 * No double encoding. Returns -1 when out's maximum would be passed (out may
 * then hold part of s).
 * Also used by storage_s3 to build the request URLs libcurl signs, so both
 * agree byte for byte on the canonical path.
 */
int sigv4_uri_encode(struct buf *out, const char *s, int keep_slash);

#endif
