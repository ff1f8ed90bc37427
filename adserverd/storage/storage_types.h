/*
 * storage_types: the values storage.h and its backends (storage_local.h,
 * storage_s3.h) share: which backend, the result codes, the key limit and
 * the settings.
 *
 * Apart from storage.h so the backends need not include the front they sit
 * behind (storage.c dispatches to them): the dependency runs one way,
 * storage -> backends -> these types. Declarations only; no code.
 */
#ifndef STORAGE_TYPES_H
#define STORAGE_TYPES_H

enum storage_backend {
    STORAGE_BACKEND_LOCAL,
    STORAGE_BACKEND_S3,
};

/* Results other than 0 and -1 that callers act on. */
enum storage_result {
    STORAGE_OK = 0,
    STORAGE_ERROR = -1,
    STORAGE_NOT_FOUND = -2,     /* no object under that key (reads only) */
    STORAGE_NO_PUBLIC_URL = -3, /* local without public_base_url: the ad listener serves it */
};

/* Longest key accepted (S3's limit, in bytes). */
#define STORAGE_KEY_MAX 1024

/*
 * Settings, borrowed by storage_new() (which copies what it keeps). Unused
 * fields of the other backend are ignored.
 */
struct storage_config {
    enum storage_backend backend;
    /* local */
    const char *local_dir; /* existing directory; keys are created beneath it */
    /* s3 */
    const char *s3_endpoint; /* "http(s)://host[:port]"; NULL or "" means AWS,
                                https://s3.<region>.amazonaws.com */
    const char *bucket;      /* 3..63 of [a-z0-9.-] */
    const char *region;      /* signing region, e.g. "us-east-1" */
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* optional: sent as x-amz-security-token */
    int path_style;            /* nonzero: <endpoint>/<bucket>/<key> (S3-compatible
                                  servers); zero: <bucket>.<endpoint host>/<key> */
    const char *tmp_dir;       /* where uploads are spooled before the PUT; NULL: /tmp */
    long connect_timeout_ms;   /* 0: 10000 */
    long timeout_s;            /* whole transfer; 0: 900 (500 MiB at ~600 KB/s) */
    /* both */
    const char *public_base_url; /* optional: players fetch <public_base_url>/<key>
                                    (a CDN such as CLOUDFRONT_URL) */
};

#endif
