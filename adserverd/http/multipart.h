/*
 * multipart: a bounded, streaming parser of multipart/form-data bodies
 * (RFC 7578, RFC 2046 section 5.1), for the creative upload route.
 *
 * The body is pushed in whatever pieces the transport delivers and parts are
 * reported through callbacks as they arrive: part headers once complete, the
 * part's bytes in pieces, then the part's end. Nothing is buffered beyond one
 * window (MULTIPART_WINDOW bytes plus the delimiter) and one part's header
 * block (MULTIPART_HEADER_MAX), so a 500 MiB file costs the same memory as a
 * 5 byte one. The caller applies its own limits (part count, field sizes,
 * file size) in the callbacks; a callback returning non-zero stops the
 * parser for good.
 *
 * Error texts are busboy's (the reference parses uploads with multer on
 * busboy), because the contract echoes them in 400 bodies.
 *
 * No I/O, no logging, no globals; one parser per request, one thread at a
 * time.
 */
#ifndef MULTIPART_H
#define MULTIPART_H

#include <stddef.h>

/* Longest boundary accepted (RFC 2046 allows 70; busboy has no limit). */
#define MULTIPART_BOUNDARY_MAX 200
/* Largest header block of one part (busboy's is 16 KiB of header pairs). */
#define MULTIPART_HEADER_MAX 8192
/* Bytes held at most between two calls to the data callback. */
#define MULTIPART_WINDOW 65536

enum multipart_status {
    MULTIPART_OK = 0,
    MULTIPART_EMALFORMED = -1, /* a part header or the bytes after a boundary are wrong */
    MULTIPART_ETRUNCATED = -2, /* the body ended before the closing boundary */
    MULTIPART_ESTOPPED = -3,   /* a callback returned non-zero */
};

/*
 * One part's headers, valid only during the part callback (copy what you
 * keep). Strings are NUL-terminated; a value holding a NUL byte makes the
 * header malformed, so none is cut short.
 */
struct multipart_part {
    int form_data;            /* Content-Disposition type is form-data */
    const char *name;         /* name parameter; NULL when absent */
    const char *filename;     /* filename* (RFC 5987, decoded) or filename; NULL when
                                 absent; not reduced to a base name */
    const char *content_type; /* type/subtype lower-cased, parameters dropped; NULL
                                 when the header is absent or unparsable */
};

struct multipart_callbacks {
    /* A part's headers are complete. */
    int (*part_begin)(void *ctx, const struct multipart_part *part);
    /* Some of the current part's bytes (n > 0). */
    int (*part_data)(void *ctx, const char *data, size_t n);
    /* The current part ended (its closing delimiter was seen). */
    int (*part_end)(void *ctx);
};

struct multipart;

/*
 * Parse a Content-Type header value. Returns 0 and writes the boundary
 * (NUL-terminated) to out[n] for multipart/form-data with a usable boundary;
 * 1 when the type is not multipart/form-data (or ct is NULL); -1 when it is
 * multipart/form-data without a boundary, or with one that is empty, longer
 * than MULTIPART_BOUNDARY_MAX or holding CR, LF or NUL ("Multipart: Boundary
 * not found"). n must be at least MULTIPART_BOUNDARY_MAX + 1.
 */
int multipart_boundary(const char *ct, char *out, size_t n);

/*
 * A parser for the given boundary (copied). cb is copied; ctx is passed to
 * every callback. Free with multipart_free().
 */
struct multipart *multipart_new(const char *boundary, const struct multipart_callbacks *cb,
                                void *ctx);
/* NULL is fine. */
void multipart_free(struct multipart *mp);

/*
 * Push n more body bytes. Returns MULTIPART_OK or a multipart_status; after
 * a failure every later call returns the same status and calls nothing.
 */
int multipart_feed(struct multipart *mp, const char *data, size_t n);

/*
 * The body is complete: MULTIPART_OK when the closing boundary was seen,
 * MULTIPART_ETRUNCATED otherwise, or the earlier failure.
 */
int multipart_finish(struct multipart *mp);

/* busboy's text for a status ("Malformed part header", "Unexpected end of form"). */
const char *multipart_strerror(int status);

#endif
