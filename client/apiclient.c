/*
 * apiclient: see apiclient.h.
 *
 * Each request resets the easy handle (curl_easy_reset keeps the connection
 * cache) and sets every option again, so no option of one request leaks into
 * the next. Bodies are collected in a bounded buf: an answer past
 * BODY_MAX is an error, never an unbounded allocation. CURLOPT_NOSIGNAL is
 * set because the TUI runs requests on a worker thread (no SIGALRM for
 * timeouts there).
 */
#include "client/apiclient.h"
#include "lib/buf.h"
#include "lib/hexcode.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/version.h"

#define BODY_MAX ((size_t)64 * 1024 * 1024)
#define JWT_MAX 8192

struct apiclient {
    CURL *curl;
    char *base;
    char *access;
    char *refresh;
    long timeout_ms;
    apiclient_tokens_fn on_tokens;
    void *tokens_ctx;
    char errbuf[CURL_ERROR_SIZE];
};

/* One transfer's collection state. */
struct xfer {
    struct buf body;
    struct apiclient_response *out;
    int overflow;
    apiclient_progress_fn progress;
    void *progress_ctx;
};

/* ---- Pure helpers ------------------------------------------------------- */

enum apiclient_err apiclient_err_from_status(long status)
{
    if (status == 0)
        return APICLIENT_ENETWORK;
    if (status >= 200 && status < 300)
        return APICLIENT_OK;
    switch (status) {
    case 400:
    case 413:
    case 415:
    case 422:
        return APICLIENT_EVALIDATION;
    case 401:
    case 403:
        return APICLIENT_EAUTH;
    case 404:
        return APICLIENT_ENOTFOUND;
    case 409:
        return APICLIENT_ECONFLICT;
    case 429:
        return APICLIENT_ERATELIMIT;
    default:
        return APICLIENT_ESERVER;
    }
}

const char *apiclient_err_name(enum apiclient_err err)
{
    switch (err) {
    case APICLIENT_OK:
        return "ok";
    case APICLIENT_ENOTFOUND:
        return "not found";
    case APICLIENT_EAUTH:
        return "authentication";
    case APICLIENT_EVALIDATION:
        return "validation";
    case APICLIENT_ECONFLICT:
        return "conflict";
    case APICLIENT_ERATELIMIT:
        return "rate limited";
    case APICLIENT_ESERVER:
        return "server error";
    case APICLIENT_ENETWORK:
        return "network";
    case APICLIENT_ETIMEOUT:
        return "timeout";
    case APICLIENT_EABORTED:
        return "aborted";
    case APICLIENT_ELOCAL:
        return "local";
    }
    return "unknown";
}

int apiclient_join_url(const char *base, const char *path, char *out, size_t n)
{
    size_t blen = strlen(base);
    int w;

    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    while (path[0] == '/' && path[1] == '/')
        path++;
    w = snprintf(out, n, "%.*s%s%s", (int)blen, base, path[0] == '/' ? "" : "/", path);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int apiclient_url_add_query(char *url, size_t n, const char *name, const char *value)
{
    size_t len = strlen(url), i;

    if (len + strlen(name) + 2 >= n)
        return -1;
    url[len] = strchr(url, '?') != NULL ? '&' : '?';
    i = len + 1;
    memcpy(url + i, name, strlen(name));
    i += strlen(name);
    url[i++] = '=';
    if (pct_encode(url + i, n - i, value, 0) >= n - i) {
        url[len] = '\0';
        return -1;
    }
    return 0;
}

int apiclient_error_message(const json_t *body, char *out, size_t n)
{
    const json_t *e = json_object_get(body, "error");
    const char *msg = NULL;

    if (n > 0)
        out[0] = '\0';
    if (json_is_string(e))
        msg = json_string_value(e);
    else if (json_is_string(json_object_get(e, "message")))
        msg = json_string_value(json_object_get(e, "message"));
    if (msg == NULL || n == 0)
        return -1;
    snprintf(out, n, "%s", msg);
    return 0;
}

const json_t *apiclient_error_details(const json_t *body)
{
    const json_t *d = json_object_get(json_object_get(body, "error"), "details");

    return json_is_array(d) ? d : NULL;
}

static int b64url_value(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '-' || ch == '+')
        return 62;
    if (ch == '_' || ch == '/')
        return 63;
    return -1;
}

/* Claims object of a JWT (new reference) or NULL. */
static json_t *jwt_claims(const char *jwt)
{
    const char *p = strchr(jwt, '.'), *end;
    unsigned char out[JWT_MAX];
    unsigned long acc = 0;
    size_t o = 0;
    int bits = 0, v;

    if (p == NULL)
        return NULL;
    p++;
    end = strchr(p, '.');
    if (end == NULL || (size_t)(end - p) > JWT_MAX)
        return NULL;
    for (; p < end && *p != '='; p++) {
        v = b64url_value((unsigned char)*p);
        if (v < 0)
            return NULL;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1UL << bits) - 1;
        }
    }
    return json_loadb((const char *)out, o, 0, NULL);
}

int apiclient_token_exp(const char *jwt, long long *exp)
{
    json_t *claims;
    const json_t *e;
    int rc = -1;

    if (jwt == NULL)
        return -1;
    claims = jwt_claims(jwt);
    e = json_object_get(claims, "exp");
    if (json_is_integer(e)) {
        *exp = (long long)json_integer_value(e);
        rc = 0;
    } else if (json_is_real(e)) {
        *exp = (long long)json_real_value(e);
        rc = 0;
    }
    json_decref(claims);
    return rc;
}

/*
 * Expired, or about to: within min(5 s, a quarter of its lifetime) of exp,
 * so a short-lived token (tests use 2 s) is not refreshed on every request.
 */
static int token_expired(const char *jwt)
{
    long long exp, iat = 0, margin = 5;
    json_t *claims;

    if (apiclient_token_exp(jwt, &exp) != 0)
        return 0; /* opaque token: let the server decide */
    claims = jwt_claims(jwt);
    if (json_is_integer(json_object_get(claims, "iat")))
        iat = (long long)json_integer_value(json_object_get(claims, "iat"));
    json_decref(claims);
    if (iat > 0 && (exp - iat) / 4 < margin)
        margin = (exp - iat) / 4;
    return exp - margin <= (long long)time(NULL);
}

/* ---- Responses ---------------------------------------------------------- */

void apiclient_response_release(struct apiclient_response *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
    r->retry_after = -1;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct xfer *x = ctx;
    size_t n = size * nmemb;

    if (buf_append(&x->body, data, n) != 0) {
        x->overflow = 1;
        return 0;
    }
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct xfer *x = ctx;
    size_t n = size * nmemb, len = n;
    const char *v;

    while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* a new response (after a 100 Continue, or a redirect) */
        x->out->content_type[0] = '\0';
        x->out->retry_after = -1;
    } else if (len > 13 && strncasecmp(data, "content-type:", 13) == 0) {
        v = data + 13;
        while (v < data + len && (*v == ' ' || *v == '\t'))
            v++;
        snprintf(x->out->content_type, sizeof(x->out->content_type), "%.*s", (int)(data + len - v),
                 v);
    } else if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
        char tmp[32];

        snprintf(tmp, sizeof(tmp), "%.*s", (int)(len - 12), data + 12);
        x->out->retry_after = strtol(tmp, NULL, 10);
    }
    return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct xfer *x = ctx;

    (void)dltotal;
    (void)dlnow;
    if (x->progress == NULL)
        return 0;
    return x->progress(x->progress_ctx, ulnow > 0 ? (uint64_t)ulnow : 0,
                       ultotal > 0 ? (uint64_t)ultotal : 0);
}

/* ---- Client ------------------------------------------------------------- */

int apiclient_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void apiclient_global_cleanup(void)
{
    curl_global_cleanup();
}

struct apiclient *apiclient_new(const char *base_url, long timeout_ms)
{
    struct apiclient *c = xcalloc(1, sizeof(*c));

    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        free(c);
        return NULL;
    }
    c->base = xstrdup(base_url);
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
    return c;
}

static void wipe(char **s)
{
    if (*s != NULL) {
        memset(*s, 0, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

void apiclient_free(struct apiclient *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    wipe(&c->access);
    wipe(&c->refresh);
    free(c->base);
    free(c);
}

void apiclient_set_tokens(struct apiclient *c, const char *access_token, const char *refresh_token)
{
    /* Copy before wiping: the arguments may be our own strings. */
    char *a = access_token != NULL ? xstrdup(access_token) : NULL;
    char *r = refresh_token != NULL ? xstrdup(refresh_token) : NULL;

    wipe(&c->access);
    wipe(&c->refresh);
    c->access = a;
    c->refresh = r;
}

const char *apiclient_access_token(const struct apiclient *c)
{
    return c->access;
}

const char *apiclient_refresh_token(const struct apiclient *c)
{
    return c->refresh;
}

void apiclient_on_tokens(struct apiclient *c, apiclient_tokens_fn fn, void *ctx)
{
    c->on_tokens = fn;
    c->tokens_ctx = ctx;
}

void apiclient_set_timeout(struct apiclient *c, long timeout_ms)
{
    if (timeout_ms > 0)
        c->timeout_ms = timeout_ms;
}

const char *apiclient_base_url(const struct apiclient *c)
{
    return c->base;
}

/* What one transfer sends. */
struct send {
    const char *method;
    const char *url;
    const char *json;   /* body text or NULL */
    const char *bearer; /* token or NULL */
    curl_mime *mime;    /* multipart body or NULL */
    int flags;
    int follow;
};

/* perform()'s steps: set the transfer up, run it, read the answer. */

/* Every curl option of s on c's handle, the body going to x; 1 when all were taken. */
static int set_options(struct apiclient *c, const struct send *s, struct xfer *x)
{
    int ok = 1;

#define SET(opt, val) ok &= curl_easy_setopt(c->curl, opt, val) == CURLE_OK
    SET(CURLOPT_URL, s->url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, c->errbuf);
    SET(CURLOPT_USERAGENT, "ctvctl/" ADSERVERD_VERSION);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    if (s->mime != NULL) {
        /* Large uploads: bound stalls, not the total. */
        long secs = c->timeout_ms / 1000 > 0 ? c->timeout_ms / 1000 : 1;

        SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
        SET(CURLOPT_LOW_SPEED_TIME, secs);
        SET(CURLOPT_MIMEPOST, s->mime);
        SET(CURLOPT_XFERINFOFUNCTION, on_progress);
        SET(CURLOPT_XFERINFODATA, x);
        SET(CURLOPT_NOPROGRESS, 0L);
    } else {
        SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
    }
    if (s->follow) {
        SET(CURLOPT_FOLLOWLOCATION, 1L);
        SET(CURLOPT_MAXREDIRS, 5L);
        SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    if (s->mime == NULL) {
        if (strcmp(s->method, "GET") == 0) {
            SET(CURLOPT_HTTPGET, 1L);
        } else {
            SET(CURLOPT_POSTFIELDS, s->json != NULL ? s->json : "");
            SET(CURLOPT_POSTFIELDSIZE, (long)(s->json != NULL ? strlen(s->json) : 0));
            if (strcmp(s->method, "POST") != 0)
                SET(CURLOPT_CUSTOMREQUEST, s->method);
        }
    }
#undef SET
    return ok;
}

/* Append line to *headers; 1 when it was, 0 on OOM (the list stays as it was). */
static int add_header(struct curl_slist **headers, const char *line)
{
    struct curl_slist *h = curl_slist_append(*headers, line);

    if (h == NULL)
        return 0;
    *headers = h;
    return 1;
}

/* The request headers of s into *headers (the caller frees them); 1 when all were added. */
static int make_headers(const struct send *s, struct curl_slist **headers)
{
    char auth[JWT_MAX + 32];
    int ok = add_header(headers, (s->flags & APICLIENT_RAW) ? "Accept: */*"
                                                           : "Accept: application/json");

    if (s->json != NULL)
        ok &= add_header(headers, "Content-Type: application/json");
    if (s->bearer != NULL) {
        if (snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->bearer) >=
            (int)sizeof(auth))
            ok = 0;
        else
            ok &= add_header(headers, auth);
        memset(auth, 0, sizeof(auth)); /* the token does not linger on the stack */
    }
    return ok;
}

/* A failed transfer as out's error and message. */
static void transfer_failed(const struct apiclient *c, CURLcode cc, const struct xfer *x,
                            struct apiclient_response *out)
{
    const char *detail = c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc);

    if (cc == CURLE_OPERATION_TIMEDOUT) {
        out->err = APICLIENT_ETIMEOUT;
        snprintf(out->message, sizeof(out->message), "no answer from %s within %.1f s", c->base,
                 (double)c->timeout_ms / 1000.0);
    } else if (cc == CURLE_ABORTED_BY_CALLBACK) {
        out->err = APICLIENT_EABORTED;
        snprintf(out->message, sizeof(out->message), "transfer aborted");
    } else if (cc == CURLE_WRITE_ERROR && x->overflow) {
        out->err = APICLIENT_ELOCAL;
        snprintf(out->message, sizeof(out->message), "answer larger than %zu bytes", BODY_MAX);
    } else if (cc == CURLE_READ_ERROR) {
        out->err = APICLIENT_ELOCAL;
        snprintf(out->message, sizeof(out->message), "cannot read the file: %s", detail);
    } else {
        out->err = APICLIENT_ENETWORK;
        snprintf(out->message, sizeof(out->message), "%s: %s", c->base, detail);
    }
}

/* The answer into out: status, body (taken from x), JSON unless raw, error and message. */
static void read_answer(struct apiclient *c, const struct send *s, struct xfer *x,
                        struct apiclient_response *out)
{
    if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status) != CURLE_OK)
        out->status = 0;
    out->body_len = x->body.len;
    out->body = buf_detach(&x->body, NULL);
    if (out->body == NULL)
        out->body = xstrdup("");
    out->err = apiclient_err_from_status(out->status);
    if (!(s->flags & APICLIENT_RAW) && out->body_len > 0)
        out->json = json_loadb(out->body, out->body_len, JSON_DECODE_ANY, NULL);
    if (out->err == APICLIENT_OK) {
        if (!(s->flags & APICLIENT_RAW) && out->json == NULL) {
            out->err = APICLIENT_ESERVER;
            snprintf(out->message, sizeof(out->message),
                     "HTTP %ld answer is not JSON (Content-Type: %s)", out->status,
                     out->content_type[0] ? out->content_type : "none");
        }
    } else if (apiclient_error_message(out->json, out->message, sizeof(out->message)) != 0) {
        snprintf(out->message, sizeof(out->message), "HTTP %ld%s", out->status,
                 out->json == NULL && out->body_len > 0 ? " with a non-JSON body" : "");
    }
}

/* One transfer of s; out (released first) gets the answer or the failure. */
static enum apiclient_err perform(struct apiclient *c, const struct send *s,
                                  apiclient_progress_fn progress, void *progress_ctx,
                                  struct apiclient_response *out)
{
    struct curl_slist *headers = NULL;
    struct xfer x;
    CURLcode cc;
    int ok;

    apiclient_response_release(out);
    memset(&x, 0, sizeof(x));
    buf_init(&x.body, BODY_MAX);
    x.out = out;
    x.progress = progress;
    x.progress_ctx = progress_ctx;
    c->errbuf[0] = '\0';

    curl_easy_reset(c->curl);
    ok = set_options(c, s, &x);
    ok &= make_headers(s, &headers);
    ok &= curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
    if (!ok) {
        out->err = APICLIENT_ELOCAL;
        snprintf(out->message, sizeof(out->message), "cannot set up the request");
        goto cleanup;
    }
    cc = curl_easy_perform(c->curl);
    if (cc != CURLE_OK)
        transfer_failed(c, cc, &x, out);
    else
        read_answer(c, s, &x, out);
cleanup:
    curl_slist_free_all(headers);
    buf_release(&x.body);
    return out->err;
}

static char *make_url(const struct apiclient *c, const char *path)
{
    size_t n = st_add(st_add(strlen(c->base), strlen(path)), 2);
    char *url = xmalloc(n);

    if (apiclient_join_url(c->base, path, url, n) != 0)
        url[0] = '\0'; /* cannot happen: n is large enough */
    return url;
}

/* POST /api/v1/auth/refresh; 0 when new tokens were stored. */
static int do_refresh(struct apiclient *c)
{
    struct apiclient_response r = {0};
    struct send s = {0};
    const json_t *tokens;
    const char *a, *f;
    json_t *body;
    char *text, *url;
    int rc = -1;

    if (c->refresh == NULL)
        return -1;
    body = json_pack("{s:s}", "refreshToken", c->refresh);
    text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL)
        return -1;
    url = make_url(c, "/api/v1/auth/refresh");
    s.method = "POST";
    s.url = url;
    s.json = text;
    s.flags = APICLIENT_NOAUTH;
    if (perform(c, &s, NULL, NULL, &r) == APICLIENT_OK) {
        tokens = json_object_get(r.json, "tokens");
        a = json_string_value(json_object_get(tokens, "accessToken"));
        f = json_string_value(json_object_get(tokens, "refreshToken"));
        if (a != NULL && f != NULL) {
            apiclient_set_tokens(c, a, f);
            if (c->on_tokens != NULL)
                c->on_tokens(c->tokens_ctx, c->access, c->refresh);
            rc = 0;
        }
    }
    memset(text, 0, strlen(text));
    free(text);
    free(url);
    apiclient_response_release(&r);
    return rc;
}

/*
 * One request with the refresh rules of the header: refresh first when the
 * access token has expired, else once after a 401.
 */
static enum apiclient_err authed(struct apiclient *c, struct send *s,
                                 apiclient_progress_fn progress, void *progress_ctx,
                                 struct apiclient_response *out)
{
    int may_refresh = !(s->flags & (APICLIENT_NOAUTH | APICLIENT_NOREFRESH)) && c->refresh != NULL;
    int refreshed = 0;

    if (may_refresh && (c->access == NULL || token_expired(c->access)))
        refreshed = do_refresh(c) == 0;
    s->bearer = (s->flags & APICLIENT_NOAUTH) ? NULL : c->access;
    perform(c, s, progress, progress_ctx, out);
    if (may_refresh && !refreshed && out->status == 401 && do_refresh(c) == 0) {
        s->bearer = c->access;
        perform(c, s, progress, progress_ctx, out);
    }
    return out->err;
}

enum apiclient_err apiclient_request(struct apiclient *c, const char *method, const char *path,
                                     const json_t *body, int flags, struct apiclient_response *out)
{
    struct send s = {0};
    char *text = NULL, *url;
    enum apiclient_err err;

    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text == NULL) {
            apiclient_response_release(out);
            out->err = APICLIENT_ELOCAL;
            snprintf(out->message, sizeof(out->message), "cannot encode the request body");
            return out->err;
        }
    }
    url = make_url(c, path);
    s.method = method;
    s.url = url;
    s.json = text;
    s.flags = flags;
    err = authed(c, &s, NULL, NULL, out);
    free(url);
    free(text);
    return err;
}

enum apiclient_err apiclient_fetch_url(struct apiclient *c, const char *url,
                                       struct apiclient_response *out)
{
    struct send s = {0};

    s.method = "GET";
    s.url = url;
    s.flags = APICLIENT_NOAUTH | APICLIENT_RAW;
    s.follow = 1;
    return perform(c, &s, NULL, NULL, out);
}

enum apiclient_err apiclient_upload(struct apiclient *c, const char *path, const char *file_field,
                                    const char *file_path, const char *filename,
                                    const char *content_type, const char *const *fields,
                                    apiclient_progress_fn progress, void *progress_ctx,
                                    struct apiclient_response *out)
{
    struct send s = {0};
    curl_mime *mime;
    curl_mimepart *part;
    const char *base;
    char *url = NULL;
    size_t i;
    int ok = 1;

    apiclient_response_release(out);
    mime = curl_mime_init(c->curl);
    if (mime == NULL) {
        out->err = APICLIENT_ELOCAL;
        snprintf(out->message, sizeof(out->message), "cannot set up the upload");
        return out->err;
    }
    for (i = 0; fields != NULL && fields[i] != NULL && fields[i + 1] != NULL; i += 2) {
        part = curl_mime_addpart(mime);
        ok &= part != NULL && curl_mime_name(part, fields[i]) == CURLE_OK &&
              curl_mime_data(part, fields[i + 1], CURL_ZERO_TERMINATED) == CURLE_OK;
    }
    base = strrchr(file_path, '/');
    base = base != NULL ? base + 1 : file_path;
    part = curl_mime_addpart(mime);
    /* curl_mime_filedata streams the file while sending; it is never read whole. */
    ok = ok && part != NULL && curl_mime_name(part, file_field) == CURLE_OK;
    if (ok && curl_mime_filedata(part, file_path) != CURLE_OK) {
        out->err = APICLIENT_ELOCAL;
        snprintf(out->message, sizeof(out->message), "cannot read %s", file_path);
        goto cleanup;
    }
    ok = ok && curl_mime_filename(part, filename != NULL ? filename : base) == CURLE_OK &&
         curl_mime_type(part, content_type) == CURLE_OK;
    if (!ok) {
        out->err = APICLIENT_ELOCAL;
        snprintf(out->message, sizeof(out->message), "cannot set up the upload");
        goto cleanup;
    }
    url = make_url(c, path);
    s.method = "POST";
    s.url = url;
    s.mime = mime;
    authed(c, &s, progress, progress_ctx, out);
cleanup:
    curl_mime_free(mime);
    free(url);
    return out->err;
}

enum apiclient_err apiclient_login(struct apiclient *c, const char *email, const char *password,
                                   struct apiclient_response *out)
{
    json_t *body = json_pack("{s:s,s:s}", "email", email, "password", password);
    const json_t *tokens;
    const char *a, *r;
    struct send s = {0};
    char *text, *url;

    text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        apiclient_response_release(out);
        out->err = APICLIENT_ELOCAL;
        snprintf(out->message, sizeof(out->message), "cannot encode the login request");
        return out->err;
    }
    url = make_url(c, "/api/v1/auth/login");
    s.method = "POST";
    s.url = url;
    s.json = text;
    s.flags = APICLIENT_NOAUTH;
    if (perform(c, &s, NULL, NULL, out) == APICLIENT_OK) {
        tokens = json_object_get(out->json, "tokens");
        a = json_string_value(json_object_get(tokens, "accessToken"));
        r = json_string_value(json_object_get(tokens, "refreshToken"));
        if (a == NULL || r == NULL) {
            out->err = APICLIENT_ESERVER;
            snprintf(out->message, sizeof(out->message), "login answer holds no tokens");
        } else {
            apiclient_set_tokens(c, a, r);
        }
    }
    memset(text, 0, strlen(text));
    free(text);
    free(url);
    return out->err;
}

enum apiclient_err apiclient_logout(struct apiclient *c, struct apiclient_response *out)
{
    struct apiclient_response first = {0};
    struct send s = {0};
    char *url = make_url(c, "/api/v1/auth/logout");

    s.method = "POST";
    s.url = url;
    s.flags = APICLIENT_NOREFRESH;
    if (c->access != NULL) {
        s.bearer = c->access;
        perform(c, &s, NULL, NULL, &first);
    }
    if (c->refresh != NULL) {
        s.bearer = c->refresh;
        perform(c, &s, NULL, NULL, out);
        /* A network or server failure of the first call matters more than a 401 of the second. */
        if (first.err != APICLIENT_OK && first.err != APICLIENT_EAUTH && c->access != NULL &&
            out->err == APICLIENT_OK) {
            apiclient_response_release(out);
            *out = first;
            memset(&first, 0, sizeof(first));
        }
    } else {
        apiclient_response_release(out);
        *out = first;
        memset(&first, 0, sizeof(first));
        if (c->access == NULL) {
            out->err = APICLIENT_EAUTH;
            snprintf(out->message, sizeof(out->message), "no token to revoke");
        }
    }
    apiclient_response_release(&first);
    free(url);
    if (out->err == APICLIENT_OK || out->err == APICLIENT_EAUTH)
        apiclient_set_tokens(c, NULL, NULL);
    return out->err;
}
