/*
 * apiclient: a blocking client of adserverd's admin API (libcurl + jansson).
 *
 * Used by ctvctl and ctvtui. One struct apiclient wraps one curl easy
 * handle, so it keeps its connection alive between requests.
 *
 * Thread-safety: call apiclient_global_init() once from main() before any
 * thread starts. After that each thread uses its own struct apiclient (one
 * client per thread); a client is never shared between threads. The TUI runs
 * requests on a worker thread with a client made for that thread.
 *
 * Tokens: the client holds copies of the access and refresh tokens. Before a
 * request whose access token has expired (its "exp" claim, 30 s of margin)
 * and after a 401 answer, it calls POST /api/v1/auth/refresh with the refresh
 * token once, keeps the new pair, calls the on_tokens callback (so the caller
 * saves them) and repeats the request. Tokens are never logged or printed.
 *
 * Errors: every request fills a struct apiclient_response (also on failure)
 * and returns its class (enum apiclient_err); callers map a class to an exit
 * code or a status line.
 */
#ifndef APICLIENT_H
#define APICLIENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* What went wrong, by class. The order is stable. */
enum apiclient_err {
    APICLIENT_OK = 0,          /* 2xx */
    APICLIENT_ENOTFOUND = 1,   /* 404 */
    APICLIENT_EAUTH = 2,       /* 401, 403, or no token to send */
    APICLIENT_EVALIDATION = 3, /* 400, 413, 415, 422 */
    APICLIENT_ECONFLICT = 4,   /* 409 */
    APICLIENT_ERATELIMIT = 5,  /* 429 */
    APICLIENT_ESERVER = 6,     /* 5xx, an unexpected status, or a 2xx that is not JSON */
    APICLIENT_ENETWORK = 7,    /* no answer: DNS, connect, reset, TLS */
    APICLIENT_ETIMEOUT = 8,    /* no complete answer within the timeout */
    APICLIENT_EABORTED = 9,    /* the progress callback asked to stop */
    APICLIENT_ELOCAL = 10,     /* a local failure: file unreadable, answer too large */
};

/*
 * An answer. Everything is owned by the struct; apiclient_response_release()
 * frees it. Start from a zeroed struct (= {0}); every request function
 * releases what the struct held before filling it again.
 */
struct apiclient_response {
    long status; /* HTTP status; 0 when no answer came */
    char *body;  /* the raw body, NUL-terminated (NULL when none) */
    size_t body_len;
    json_t *json;           /* the parsed body, or NULL (not JSON, or APICLIENT_RAW) */
    char content_type[128]; /* the Content-Type header ("" when absent) */
    long retry_after;       /* Retry-After seconds of a 429, else -1 */
    enum apiclient_err err;
    /*
     * A one-line human message for a failure: the API's error.message (or
     * the plain-string error of format G), else a transport description.
     * Empty on success.
     */
    char message[512];
};

/* Release what r owns; r may then be reused. Safe on a zeroed struct. */
void apiclient_response_release(struct apiclient_response *r);

/* Called after a refresh with the new tokens (borrowed for the call only). */
typedef void (*apiclient_tokens_fn)(void *ctx, const char *access_token, const char *refresh_token);

/*
 * Progress of an upload: bytes sent so far and in total (0 when unknown).
 * Return 0 to continue, non-zero to abort the transfer (APICLIENT_EABORTED).
 * libcurl calls it often (several times a second and on every chunk); the
 * callback rate-limits its own drawing.
 */
typedef int (*apiclient_progress_fn)(void *ctx, uint64_t sent, uint64_t total);

/* Request flags. */
#define APICLIENT_NOAUTH 0x1    /* send no Authorization header (login, health) */
#define APICLIENT_NOREFRESH 0x2 /* never refresh on this request (logout) */
#define APICLIENT_RAW 0x4       /* do not parse the body as JSON */

/* Once per process, before threads: curl_global_init. 0 or -1. */
int apiclient_global_init(void);
void apiclient_global_cleanup(void);

/*
 * A client of the server at base_url (e.g. "http://127.0.0.1:3000"; copied).
 * timeout_ms bounds each request (connect + answer); uploads use it as the
 * connect timeout and as the longest stall, not as a total. NULL when libcurl
 * cannot make a handle. Free with apiclient_free() (NULL allowed).
 */
struct apiclient *apiclient_new(const char *base_url, long timeout_ms);
void apiclient_free(struct apiclient *c);

/* Replace the tokens (copied; NULL clears). */
void apiclient_set_tokens(struct apiclient *c, const char *access_token, const char *refresh_token);
/* Current tokens (owned by c, valid until the next call that changes them). */
const char *apiclient_access_token(const struct apiclient *c);
const char *apiclient_refresh_token(const struct apiclient *c);
/* Called after each successful automatic refresh. */
void apiclient_on_tokens(struct apiclient *c, apiclient_tokens_fn fn, void *ctx);
void apiclient_set_timeout(struct apiclient *c, long timeout_ms);
/* The base URL (owned by c). */
const char *apiclient_base_url(const struct apiclient *c);

/*
 * method path [body]: path is relative to the base URL and may hold a query
 * string ("/api/v1/campaigns?status=active"); body (borrowed) is sent as
 * application/json when not NULL. Fills *out (release it afterwards, also on
 * failure) and returns out->err.
 */
enum apiclient_err apiclient_request(struct apiclient *c, const char *method, const char *path,
                                     const json_t *body, int flags, struct apiclient_response *out);

/* GET of an absolute URL (any host), no auth, body kept raw. */
enum apiclient_err apiclient_fetch_url(struct apiclient *c, const char *url,
                                       struct apiclient_response *out);

/*
 * Multipart POST of a file to path, streamed from disk by libcurl (never
 * read whole). file_field is the part name ("video"), content_type the
 * part's declared type, filename the name sent (NULL: the basename of
 * file_path). fields are extra text parts as name, value pairs ending with
 * NULL (may be NULL). progress may be NULL.
 */
enum apiclient_err apiclient_upload(struct apiclient *c, const char *path, const char *file_field,
                                    const char *file_path, const char *filename,
                                    const char *content_type, const char *const *fields,
                                    apiclient_progress_fn progress, void *progress_ctx,
                                    struct apiclient_response *out);

/*
 * POST /api/v1/auth/login; on 200 the client keeps the returned tokens.
 * The password is sent once and not kept.
 */
enum apiclient_err apiclient_login(struct apiclient *c, const char *email, const char *password,
                                   struct apiclient_response *out);

/*
 * Revoke both tokens: POST /api/v1/auth/logout with the access token, then
 * with the refresh token (the API revokes whichever token is the Bearer).
 * An access token that is already invalid is not an error. Clears the
 * client's tokens. out is the refresh token's revocation answer.
 */
enum apiclient_err apiclient_logout(struct apiclient *c, struct apiclient_response *out);

/* ---- Pure helpers (no I/O; unit-tested) --------------------------------- */

/* The class of an HTTP status (0 -> APICLIENT_ENETWORK). */
enum apiclient_err apiclient_err_from_status(long status);
/* A short lowercase name of a class ("not found", "network", ...). */
const char *apiclient_err_name(enum apiclient_err err);

/*
 * base + path with exactly one '/' between them (trailing slashes of base
 * dropped, a leading '/' added to path). 0, or -1 when out is too small.
 */
int apiclient_join_url(const char *base, const char *path, char *out, size_t n);

/*
 * Append "name=value" to a URL under construction, percent-encoding value
 * (RFC 3986 unreserved characters kept), with '?' or '&' as needed.
 * 0, or -1 when out (n bytes, NUL-terminated) is too small (out unchanged).
 */
int apiclient_url_add_query(char *url, size_t n, const char *name, const char *value);

/*
 * The message of an API error body into out: error.message of formats
 * A-F, or the string of format G. 0 when found, -1 otherwise ("" in out).
 */
int apiclient_error_message(const json_t *body, char *out, size_t n);

/*
 * The field messages of a validation body (formats B and C): the details
 * array (borrowed from body) or NULL. Elements are {field, message} objects
 * or plain strings.
 */
const json_t *apiclient_error_details(const json_t *body);

/* The "exp" claim of a JWT (not verified). 0, or -1 when absent or malformed. */
int apiclient_token_exp(const char *jwt, long long *exp);

#endif
