/*
 * storage_s3: creatives in an S3-compatible bucket (see storage_s3.h).
 *
 * Uploads are spooled to a temporary file (unlinked at once, so a crash leaves
 * nothing behind) and sent with a single PUT streamed from that file: memory
 * stays at libcurl's buffers whatever the size, and the PUT knows its length
 * up front, which S3 requires without chunked signing. A single PUT is
 * allowed up to 5 GiB, far above the contract's 500 MiB limit, so multipart
 * upload is not needed.
 *
 * Signing is libcurl's CURLOPT_AWS_SIGV4 ("aws:amz:<region>:s3"). With curl
 * 7.88.1 every request must carry "x-amz-content-sha256: UNSIGNED-PAYLOAD":
 * without it curl signs the SHA-256 of an empty body (it never hashes a body
 * sent through a read callback) and sends no such header, which S3 rejects;
 * with it curl signs the header and uses its value as the payload hash.
 * A session token goes in x-amz-security-token (curl 7.88.1 has no option
 * for it); being an x-amz-* header, curl signs it.
 *
 * Every request gets its own easy handle: the struct is read-only after
 * storage_s3_new(), so any thread may use it. Timeouts: connect, a whole-
 * transfer limit and a low-speed abort (a stalled peer fails within a minute).
 */
#include "storage/storage_s3.h"
#include "storage/storage_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "lib/buf.h"
#include "storage/sigv4.h"
#include "lib/xalloc.h"

#define URL_MAX 8192
#define ERR_BODY_MAX 4096
#define CONTENT_TYPE_MAX 255
#define TOKEN_MAX 4096 /* STS tokens are about 1 KiB; S3 allows a few */
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_S 900L
#define LOW_SPEED_BYTES 1024L /* below this many bytes per second ... */
#define LOW_SPEED_TIME_S 60L  /* ... for this long, give up */

struct storage_s3 {
    char *endpoint;       /* scheme://host[:port], no trailing '/' */
    char *vhost_endpoint; /* scheme://<bucket>.host[:port]; NULL in path style */
    char *bucket;
    char *region;
    char *access_key_id;
    char *secret;        /* wiped on free */
    char *session_token; /* NULL when none; wiped on free */
    char *aws_sigv4;     /* "aws:amz:<region>:s3" */
    char *token_header;  /* "x-amz-security-token: ..." or NULL; wiped on free */
    char *tmp_dir;
    int path_style;
    int aws_default; /* no endpoint configured: AWS itself */
    long connect_timeout_ms;
    long timeout_s;
};

struct storage_s3_writer {
    struct storage_s3 *s3;
    struct storage_spool spool; /* unlinked spool file */
    char *key;
    char *content_type;
};

/* State shared with libcurl's callbacks during one request. */
struct xfer {
    CURL *h;
    int in_fd;  /* PUT body source, -1 otherwise */
    int out_fd; /* GET destination, -1 otherwise */
    uint64_t max_bytes;
    uint64_t written;
    int io_errno; /* errno of a failed read/write in a callback */
    int too_big;
    struct buf body; /* start of a non-200 body, for the S3 error code */
};

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

static void set_errno_err(char *err, size_t errlen, const char *what, int errnum)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: %s", what, strerror(errnum));
}

static char *xstrdup_opt(const char *s)
{
    return (s != NULL && s[0] != '\0') ? xstrdup(s) : NULL;
}

static void free_secret(char *s)
{
    if (s == NULL)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

static int bucket_valid(const char *b)
{
    size_t n = strlen(b);
    size_t i;

    if (n < 3 || n > 63)
        return 0;
    for (i = 0; i < n; i++) {
        char c = b[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
    }
    return b[0] != '.' && b[0] != '-' && b[n - 1] != '.' && b[n - 1] != '-';
}

/* Header values come from callers and config; CR/LF would inject headers. */
static int header_value_valid(const char *v, size_t max)
{
    size_t n = strlen(v);
    size_t i;

    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++) {
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
            return 0;
    }
    return 1;
}

/* Check endpoint, region and credentials the way sigv4 will use them, by signing once. */
static int probe_sign(const struct storage_s3 *s3, char *err, size_t errlen)
{
    struct sigv4_request r = {
        .method = "GET",
        .endpoint = s3->path_style ? s3->endpoint : s3->vhost_endpoint,
        .bucket = s3->bucket,
        .path_style = s3->path_style,
        .key = "probe",
        .region = s3->region,
        .access_key_id = s3->access_key_id,
        .secret_key = s3->secret,
        .session_token = s3->session_token,
        .expires = 1,
        .now = 0,
    };
    char *url = NULL;
    char why[128];

    if (sigv4_presign(&r, &url, why, sizeof(why)) != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "s3 config: %s", why);
        return -1;
    }
    free(url);
    return 0;
}

struct storage_s3 *storage_s3_new(const struct storage_config *cfg, char *err, size_t errlen)
{
    struct storage_s3 *s3 = xcalloc(1, sizeof(*s3));
    struct storage_s3 *ret = NULL;
    struct buf b;
    struct stat sb;
    const char *sep;
    size_t n;

    buf_init(&b, URL_MAX);
    if (cfg->bucket == NULL || !bucket_valid(cfg->bucket)) {
        set_err(err, errlen, "s3 config: bucket must be 3..63 of [a-z0-9.-]");
        goto cleanup;
    }
    if (cfg->region == NULL || cfg->region[0] == '\0' || cfg->access_key_id == NULL ||
        cfg->secret_access_key == NULL) {
        set_err(err, errlen, "s3 config: region and credentials are required");
        goto cleanup;
    }
    if (cfg->connect_timeout_ms < 0 || cfg->timeout_s < 0) {
        set_err(err, errlen, "s3 config: timeouts must not be negative");
        goto cleanup;
    }
    s3->bucket = xstrdup(cfg->bucket);
    s3->region = xstrdup(cfg->region);
    s3->access_key_id = xstrdup(cfg->access_key_id);
    s3->secret = xstrdup(cfg->secret_access_key);
    s3->session_token = xstrdup_opt(cfg->session_token);
    s3->path_style = cfg->path_style != 0;
    s3->connect_timeout_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    s3->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : DEFAULT_TIMEOUT_S;
    s3->tmp_dir = xstrdup(cfg->tmp_dir != NULL && cfg->tmp_dir[0] != '\0' ? cfg->tmp_dir : "/tmp");
    if (cfg->s3_endpoint != NULL && cfg->s3_endpoint[0] != '\0') {
        n = strlen(cfg->s3_endpoint);
        while (n > 0 && cfg->s3_endpoint[n - 1] == '/')
            n--;
        s3->endpoint = xstrndup(cfg->s3_endpoint, n);
    } else {
        s3->aws_default = 1;
        if (buf_printf(&b, "https://s3.%s.amazonaws.com", s3->region) != 0) {
            set_err(err, errlen, "s3 config: region too long");
            goto cleanup;
        }
        s3->endpoint = buf_detach(&b, NULL);
    }
    if (!s3->path_style) {
        sep = strstr(s3->endpoint, "://");
        if (sep == NULL) {
            set_err(err, errlen, "s3 config: endpoint must start with http:// or https://");
            goto cleanup;
        }
        buf_reset(&b);
        if (buf_append(&b, s3->endpoint, (size_t)(sep + 3 - s3->endpoint)) != 0 ||
            buf_printf(&b, "%s.%s", s3->bucket, sep + 3) != 0) {
            set_err(err, errlen, "s3 config: endpoint too long");
            goto cleanup;
        }
        s3->vhost_endpoint = buf_detach(&b, NULL);
    }
    if (probe_sign(s3, err, errlen) != 0)
        goto cleanup;
    if (stat(s3->tmp_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        set_err(err, errlen, "s3 config: tmp dir is not a directory");
        goto cleanup;
    }
    buf_reset(&b);
    if (buf_printf(&b, "aws:amz:%s:s3", s3->region) != 0) {
        set_err(err, errlen, "s3 config: region too long");
        goto cleanup;
    }
    s3->aws_sigv4 = buf_detach(&b, NULL);
    if (s3->session_token != NULL) {
        buf_reset(&b);
        if (!header_value_valid(s3->session_token, TOKEN_MAX) ||
            buf_printf(&b, "x-amz-security-token: %s", s3->session_token) != 0) {
            set_err(err, errlen, "s3 config: session token too long or not printable ascii");
            goto cleanup;
        }
        s3->token_header = buf_detach(&b, NULL);
    }
    ret = s3;
    s3 = NULL;
cleanup:
    buf_release(&b);
    storage_s3_free(s3);
    return ret;
}

void storage_s3_free(struct storage_s3 *s3)
{
    if (s3 == NULL)
        return;
    free(s3->endpoint);
    free(s3->vhost_endpoint);
    free(s3->bucket);
    free(s3->region);
    free(s3->access_key_id);
    free_secret(s3->secret);
    free_secret(s3->session_token);
    free_secret(s3->token_header);
    free(s3->aws_sigv4);
    free(s3->tmp_dir);
    free(s3);
}

/* <endpoint>/<bucket>/<key> or <vhost endpoint>/<key>, encoded once. */
static int object_url(const struct storage_s3 *s3, const char *key, struct buf *out)
{
    if (s3->path_style) {
        if (buf_puts(out, s3->endpoint) != 0 || buf_putc(out, '/') != 0 ||
            sigv4_uri_encode(out, s3->bucket, 0) != 0)
            return -1;
    } else if (buf_puts(out, s3->vhost_endpoint) != 0) {
        return -1;
    }
    if (buf_putc(out, '/') != 0 || sigv4_uri_encode(out, key, 1) != 0)
        return -1;
    return 0;
}

int storage_s3_public_url(struct storage_s3 *s3, const char *key, struct buf *out)
{
    /* Contract 3.4.1: production video_url on AWS is the global virtual-hosted form. */
    if (s3->aws_default) {
        if (buf_printf(out, "https://%s.s3.amazonaws.com/", s3->bucket) != 0 ||
            sigv4_uri_encode(out, key, 1) != 0)
            return -1;
        return 0;
    }
    return object_url(s3, key, out);
}

int storage_s3_presign(struct storage_s3 *s3, const char *method, const char *key, long expires,
                       time_t now, char **out_url, char *err, size_t errlen)
{
    struct sigv4_request r = {
        .method = method,
        .endpoint = s3->path_style ? s3->endpoint : s3->vhost_endpoint,
        .bucket = s3->bucket,
        .path_style = s3->path_style,
        .key = key,
        .region = s3->region,
        .access_key_id = s3->access_key_id,
        .secret_key = s3->secret,
        .session_token = s3->session_token,
        .expires = expires,
        .now = now,
    };

    if (method == NULL || (strcmp(method, "PUT") != 0 && strcmp(method, "GET") != 0)) {
        set_err(err, errlen, "presign method must be PUT or GET");
        return -1;
    }
    return sigv4_presign(&r, out_url, err, errlen);
}

/* ---- libcurl plumbing ------------------------------------------------------------------- */

/* Response body: to out_fd when it is a 200 to a GET, else the first bytes to body. */
static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb; /* size is always 1 (libcurl docs) */
    long code = 0;

    if (x->out_fd >= 0 && curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
        code == 200) {
        if ((uint64_t)n > x->max_bytes - x->written) {
            x->too_big = 1;
            return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
        }
        if (storage_write_all(x->out_fd, p, n) != 0) {
            x->io_errno = errno;
            return 0;
        }
        x->written += n;
        return n;
    }
    if (x->body.len < x->body.max) {
        size_t room = x->body.max - x->body.len;

        /* Cannot fail: never more than the room left. */
        (void)buf_append(&x->body, p, n < room ? n : room);
    }
    return n;
}

static size_t on_read(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;

    for (;;) {
        ssize_t r = read(x->in_fd, p, size * nmemb);

        if (r >= 0)
            return (size_t)r;
        if (errno != EINTR) {
            x->io_errno = errno;
            return CURL_READFUNC_ABORT;
        }
    }
}

/* libcurl rewinds the body if it must resend it (e.g. after a 100-continue refusal). */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
    struct xfer *x = ud;

    if (lseek(x->in_fd, (off_t)offset, origin) < 0)
        return CURL_SEEKFUNC_FAIL;
    return CURL_SEEKFUNC_OK;
}

/* The <Code> of an S3 XML error body, or "" (only [A-Za-z0-9.] kept, max 63). */
static void s3_error_code(const struct buf *body, char out[64])
{
    const char *start;
    size_t i = 0;

    out[0] = '\0';
    if (body->data == NULL)
        return;
    start = strstr(body->data, "<Code>");
    if (start == NULL)
        return;
    start += 6;
    while (i < 63 &&
           ((start[i] >= 'A' && start[i] <= 'Z') || (start[i] >= 'a' && start[i] <= 'z') ||
            (start[i] >= '0' && start[i] <= '9') || start[i] == '.')) {
        out[i] = start[i];
        i++;
    }
    out[i] = '\0';
}

static void status_err(char *err, size_t errlen, const char *method, long status,
                       const struct buf *body)
{
    char code[64];

    s3_error_code(body, code);
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "s3 %s failed: HTTP %ld%s%s", method, status,
                 code[0] != '\0' ? " " : "", code);
}

/*
 * Run one signed request for key. PUT sends x->in_fd (upload_size bytes) with
 * content_type; GET streams a 200 body to x->out_fd; DELETE sends nothing.
 * Returns 0 with *status_out once a response arrived (any status), -1 with
 * err set when none did.
 */
static int s3_perform(struct storage_s3 *s3, struct xfer *x, const char *method, const char *key,
                      const char *content_type, uint64_t upload_size, long *status_out, char *err,
                      size_t errlen)
{
    struct curl_slist *hdrs = NULL;
    struct curl_slist *tmp;
    struct buf url;
    struct buf ct;
    char errbuf[CURL_ERROR_SIZE];
    CURLcode rc;
    long status = 0;
    int ret = -1;

    buf_init(&url, URL_MAX);
    buf_init(&ct, CONTENT_TYPE_MAX + 32);
    errbuf[0] = '\0';
    x->h = curl_easy_init();
    if (x->h == NULL) {
        set_err(err, errlen, "cannot create libcurl handle");
        goto cleanup;
    }
    if (object_url(s3, key, &url) != 0) {
        set_err(err, errlen, "object url too long");
        goto cleanup;
    }
    tmp = curl_slist_append(hdrs, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (tmp == NULL)
        goto oom;
    hdrs = tmp;
    if (s3->token_header != NULL) {
        tmp = curl_slist_append(hdrs, s3->token_header);
        if (tmp == NULL)
            goto oom;
        hdrs = tmp;
    }
    if (content_type != NULL) {
        if (buf_printf(&ct, "Content-Type: %s", content_type) != 0)
            goto oom;
        tmp = curl_slist_append(hdrs, ct.data);
        if (tmp == NULL)
            goto oom;
        hdrs = tmp;
    }
    if (curl_easy_setopt(x->h, CURLOPT_URL, url.data) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_AWS_SIGV4, s3->aws_sigv4) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_USERNAME, s3->access_key_id) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_PASSWORD, s3->secret) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, s3->connect_timeout_ms) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_TIMEOUT, s3->timeout_s) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME_S) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK ||
        curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x) != CURLE_OK) {
        set_err(err, errlen, "cannot configure libcurl");
        goto cleanup;
    }
    if (strcmp(method, "PUT") == 0) {
        if (curl_easy_setopt(x->h, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
            curl_easy_setopt(x->h, CURLOPT_READFUNCTION, on_read) != CURLE_OK ||
            curl_easy_setopt(x->h, CURLOPT_READDATA, x) != CURLE_OK ||
            curl_easy_setopt(x->h, CURLOPT_SEEKFUNCTION, on_seek) != CURLE_OK ||
            curl_easy_setopt(x->h, CURLOPT_SEEKDATA, x) != CURLE_OK ||
            curl_easy_setopt(x->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)upload_size) != CURLE_OK) {
            set_err(err, errlen, "cannot configure libcurl");
            goto cleanup;
        }
    } else if (strcmp(method, "DELETE") == 0) {
        if (curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "DELETE") != CURLE_OK) {
            set_err(err, errlen, "cannot configure libcurl");
            goto cleanup;
        }
    }
    rc = curl_easy_perform(x->h);
    if (rc != CURLE_OK) {
        if (x->too_big)
            set_err(err, errlen, "object larger than the limit");
        else if (x->io_errno != 0)
            set_errno_err(err, errlen, "local i/o during transfer", x->io_errno);
        else if (err != NULL && errlen > 0)
            snprintf(err, errlen, "s3 %s failed: %s%s%s", method, curl_easy_strerror(rc),
                     errbuf[0] != '\0' ? ": " : "", errbuf);
        goto cleanup;
    }
    if (curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
        set_err(err, errlen, "cannot read http status");
        goto cleanup;
    }
    *status_out = status;
    ret = 0;
    goto cleanup;
oom:
    set_err(err, errlen, "out of memory building headers");
cleanup:
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(x->h); /* NULL is fine */
    x->h = NULL;
    buf_release(&url);
    buf_release(&ct);
    return ret;
}

static void xfer_init(struct xfer *x)
{
    memset(x, 0, sizeof(*x));
    x->in_fd = -1;
    x->out_fd = -1;
    buf_init(&x->body, ERR_BODY_MAX);
}

/* ---- operations ------------------------------------------------------------------------- */

struct storage_s3_writer *storage_s3_writer_open(struct storage_s3 *s3, const char *key,
                                                 const char *content_type, char *err, size_t errlen)
{
    struct storage_s3_writer *w = NULL;
    struct buf path;
    int fd = -1;

    buf_init(&path, URL_MAX);
    if (content_type == NULL)
        content_type = "application/octet-stream";
    if (!header_value_valid(content_type, CONTENT_TYPE_MAX)) {
        set_err(err, errlen, "content type is empty, too long or not printable ascii");
        goto cleanup;
    }
    if (buf_printf(&path, "%s/adserverd-s3-XXXXXX", s3->tmp_dir) != 0) {
        set_err(err, errlen, "tmp dir path too long");
        goto cleanup;
    }
    fd = mkostemp(path.data, O_CLOEXEC);
    if (fd < 0) {
        set_errno_err(err, errlen, "cannot create spool file", errno);
        goto cleanup;
    }
    /* Unlinked now: the open descriptor keeps the data, a crash leaves no file. */
    if (unlink(path.data) != 0) {
        set_errno_err(err, errlen, "cannot unlink spool file", errno);
        goto cleanup;
    }
    w = xcalloc(1, sizeof(*w));
    w->s3 = s3;
    w->spool.fd = fd;
    w->key = xstrdup(key);
    w->content_type = xstrdup(content_type);
    fd = -1;
cleanup:
    if (fd >= 0)
        (void)close(fd); /* nothing written yet */
    buf_release(&path);
    return w;
}

int storage_s3_writer_write(struct storage_s3_writer *w, const void *p, size_t n)
{
    return storage_spool_write(&w->spool, p, n);
}

static void writer_release(struct storage_s3_writer *w)
{
    (void)close(w->spool.fd); /* unlinked spool file: closing discards it */
    free(w->key);
    free(w->content_type);
    free(w);
}

int storage_s3_writer_commit(struct storage_s3_writer *w, uint64_t *size_out, char *err,
                             size_t errlen)
{
    struct xfer x;
    long status = 0;
    int ret = -1;

    xfer_init(&x);
    if (w->spool.werrno != 0) {
        set_errno_err(err, errlen, "write failed", w->spool.werrno);
        goto cleanup;
    }
    if (lseek(w->spool.fd, 0, SEEK_SET) != 0) {
        set_errno_err(err, errlen, "cannot rewind spool file", errno);
        goto cleanup;
    }
    x.in_fd = w->spool.fd;
    if (s3_perform(w->s3, &x, "PUT", w->key, w->content_type, w->spool.size, &status, err,
                   errlen) != 0)
        goto cleanup;
    if (status != 200) {
        status_err(err, errlen, "PUT", status, &x.body);
        goto cleanup;
    }
    if (size_out != NULL)
        *size_out = w->spool.size;
    ret = 0;
cleanup:
    buf_release(&x.body);
    writer_release(w);
    return ret;
}

void storage_s3_writer_abort(struct storage_s3_writer *w)
{
    if (w != NULL)
        writer_release(w);
}

int storage_s3_delete(struct storage_s3 *s3, const char *key, char *err, size_t errlen)
{
    struct xfer x;
    long status = 0;
    char code[64];
    int ret = -1;

    xfer_init(&x);
    if (s3_perform(s3, &x, "DELETE", key, NULL, 0, &status, err, errlen) != 0)
        goto cleanup;
    s3_error_code(&x.body, code);
    /* S3 answers 204 even for a missing key; a 404 can only mean a missing bucket. */
    if (status != 204 && status != 200 && !(status == 404 && strcmp(code, "NoSuchKey") == 0)) {
        status_err(err, errlen, "DELETE", status, &x.body);
        goto cleanup;
    }
    ret = 0;
cleanup:
    buf_release(&x.body);
    return ret;
}

int storage_s3_fetch_to_fd(struct storage_s3 *s3, const char *key, int fd, uint64_t max_bytes,
                           uint64_t *size_out, char *err, size_t errlen)
{
    struct xfer x;
    long status = 0;
    char code[64];
    int ret = -1;

    xfer_init(&x);
    x.out_fd = fd;
    x.max_bytes = max_bytes;
    if (s3_perform(s3, &x, "GET", key, NULL, 0, &status, err, errlen) != 0)
        goto cleanup;
    if (status != 200) {
        s3_error_code(&x.body, code);
        status_err(err, errlen, "GET", status, &x.body);
        if (status == 404 && strcmp(code, "NoSuchBucket") != 0)
            ret = STORAGE_NOT_FOUND;
        goto cleanup;
    }
    if (size_out != NULL)
        *size_out = x.written;
    ret = 0;
cleanup:
    buf_release(&x.body);
    return ret;
}
