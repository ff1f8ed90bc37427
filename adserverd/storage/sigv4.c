/*
 * sigv4: presigned S3 URLs (AWS Signature Version 4, query-string auth).
 *
 * Follows AWS's "Authenticating Requests: Using Query Parameters (AWS Signature
 * Version 4)" for S3:
 *
 *   canonical request = METHOD \n /encoded/path \n sorted X-Amz-* query \n
 *                       host:<host> \n \n host \n UNSIGNED-PAYLOAD
 *   string to sign    = AWS4-HMAC-SHA256 \n <yyyymmddThhmmssZ> \n
 *                       <yyyymmdd>/<region>/s3/aws4_request \n hex(sha256(canonical))
 *   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), "s3"),
 *                       "aws4_request")
 *   signature         = hex(HMAC(signing key, string to sign))
 *
 * S3 differs from other services in two ways that matter here: the path is
 * encoded once (no double encoding) and is not normalised, so the path signed
 * is exactly the one put in the URL.
 *
 * Every string is built in a bounded buf; the bounds are far above anything a
 * valid request produces, so hitting one means bad input, reported as such.
 * Called once per upload-url request: cost is four HMACs and one SHA-256.
 */
#include "storage/sigv4.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/buf.h"
#include "lib/hexcode.h"

#define SHA256_LEN 32
/* Generous caps: a 1024-byte key encodes to at most 3 KiB; tokens are ~2 KiB. */
#define URL_MAX 16384
#define TEXT_MAX 16384
#define HOST_MAX 255

struct endpoint {
    const char *base;        /* points into the caller's string */
    size_t base_len;         /* scheme://authority, without a trailing "/" */
    char host[HOST_MAX + 1]; /* signed host: lower-case, default port dropped */
};

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int sigv4_uri_encode(struct buf *out, const char *s, int keep_slash)
{
    return pct_encode_buf(out, s, keep_slash ? PCT_KEEP_SLASH : 0);
}

/*
 * Split "scheme://host[:port][/]" into the URL base and the host to sign.
 * Anything else (user info, a path, a query, odd characters) is refused so the
 * signed host can never differ from what a client puts in Host:.
 */
static int endpoint_parse(const char *ep, struct endpoint *out, char *err, size_t errlen)
{
    const char *auth;
    const char *end;
    const char *colon = NULL;
    const char *dport;
    size_t host_len;
    size_t i;

    if (strncmp(ep, "http://", 7) == 0) {
        auth = ep + 7;
        dport = "80";
    } else if (strncmp(ep, "https://", 8) == 0) {
        auth = ep + 8;
        dport = "443";
    } else {
        set_err(err, errlen, "endpoint must start with http:// or https://");
        return -1;
    }
    end = auth + strcspn(auth, "/");
    if (*end == '/' && end[1] != '\0') {
        set_err(err, errlen, "endpoint must not have a path");
        return -1;
    }
    if (end == auth) {
        set_err(err, errlen, "endpoint has no host");
        return -1;
    }
    for (i = 0; auth + i < end; i++) {
        unsigned char c = (unsigned char)auth[i];

        /* Brackets and colons allow IPv6 literals; '@', '?', '#', '%' are out. */
        if (!(is_unreserved(c) || c == ':' || c == '[' || c == ']')) {
            set_err(err, errlen, "endpoint host has an invalid character");
            return -1;
        }
        if (c == ':')
            colon = auth + i;
        if (c == ']')
            colon = NULL; /* colons inside an IPv6 literal are not the port */
    }
    host_len = (size_t)(end - auth);
    if (colon != NULL && strlen(dport) == (size_t)(end - colon - 1) &&
        strncmp(colon + 1, dport, strlen(dport)) == 0)
        host_len = (size_t)(colon - auth);
    if (host_len == 0 || host_len > HOST_MAX) {
        set_err(err, errlen, "endpoint host is empty or too long");
        return -1;
    }
    for (i = 0; i < host_len; i++) {
        char c = auth[i];

        out->host[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out->host[host_len] = '\0';
    out->base = ep;
    out->base_len = (size_t)(end - ep);
    return 0;
}

static int validate(const struct sigv4_request *r, char *err, size_t errlen)
{
    const char *p;

    if (r->method == NULL || r->method[0] == '\0' || r->endpoint == NULL || r->key == NULL ||
        r->region == NULL || r->access_key_id == NULL || r->secret_key == NULL) {
        set_err(err, errlen, "missing request field");
        return -1;
    }
    for (p = r->method; *p != '\0'; p++) {
        if (*p < 'A' || *p > 'Z') {
            set_err(err, errlen, "method must be an upper-case token");
            return -1;
        }
    }
    if (r->path_style && (r->bucket == NULL || r->bucket[0] == '\0')) {
        set_err(err, errlen, "path-style request needs a bucket");
        return -1;
    }
    if (r->key[0] == '\0' || strlen(r->key) > SIGV4_KEY_MAX) {
        set_err(err, errlen, "key must be 1..1024 bytes");
        return -1;
    }
    if (r->region[0] == '\0') {
        set_err(err, errlen, "region is empty");
        return -1;
    }
    /* Region goes unencoded into the credential scope: keep it to [a-z0-9-]. */
    for (p = r->region; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            set_err(err, errlen, "region has an invalid character");
            return -1;
        }
    }
    if (r->access_key_id[0] == '\0' || r->secret_key[0] == '\0') {
        set_err(err, errlen, "credentials are empty");
        return -1;
    }
    if (r->expires < 1 || r->expires > SIGV4_EXPIRES_MAX) {
        set_err(err, errlen, "expires must be 1..604800 seconds");
        return -1;
    }
    return 0;
}

static int sha256_hex(const char *data, size_t n, char out[2 * SHA256_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (EVP_Digest(data, n, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != SHA256_LEN)
        return -1;
    hex_encode(md, SHA256_LEN, out);
    return 0;
}

static int hmac(const unsigned char *key, size_t key_len, const char *msg,
                unsigned char out[SHA256_LEN])
{
    unsigned int len = 0;

    if (key_len > (size_t)0x7fffffff)
        return -1;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out, &len) ==
            NULL ||
        len != SHA256_LEN)
        return -1;
    return 0;
}

/* The signing key, kSigning; the secret never leaves this function unwiped. */
static int signing_key(const char *secret, const char *date, const char *region,
                       unsigned char out[SHA256_LEN])
{
    struct buf k;
    unsigned char a[SHA256_LEN];
    unsigned char b[SHA256_LEN];
    int ret = -1;

    buf_init(&k, TEXT_MAX);
    if (buf_puts(&k, "AWS4") != 0 || buf_puts(&k, secret) != 0)
        goto cleanup;
    if (hmac((const unsigned char *)k.data, k.len, date, a) != 0 ||
        hmac(a, sizeof(a), region, b) != 0 || hmac(b, sizeof(b), "s3", a) != 0 ||
        hmac(a, sizeof(a), "aws4_request", b) != 0)
        goto cleanup;
    memcpy(out, b, SHA256_LEN);
    ret = 0;
cleanup:
    if (k.data != NULL)
        OPENSSL_cleanse(k.data, k.len);
    buf_release(&k);
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(b, sizeof(b));
    return ret;
}

/* The object path, "/<bucket>/<key>" or "/<key>", encoded once. */
static int build_path(const struct sigv4_request *r, struct buf *path)
{
    if (buf_putc(path, '/') != 0)
        return -1;
    if (r->path_style) {
        if (sigv4_uri_encode(path, r->bucket, 0) != 0 || buf_putc(path, '/') != 0)
            return -1;
    }
    return sigv4_uri_encode(path, r->key, 1);
}

/*
 * The query without the signature. Parameter names are already in byte order
 * (Algorithm < Credential < Date < Expires < Security-Token < SignedHeaders),
 * which is the order the canonical request requires, so the same string
 * serves for the canonical request and the URL.
 */
static int build_query(const struct sigv4_request *r, const char *amz_date, const char *scope,
                       struct buf *q)
{
    struct buf cred;
    int ret = -1;

    buf_init(&cred, TEXT_MAX);
    if (buf_printf(&cred, "%s/%s", r->access_key_id, scope) != 0)
        goto cleanup;
    if (buf_puts(q, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=") != 0 ||
        sigv4_uri_encode(q, cred.data, 0) != 0 ||
        buf_printf(q, "&X-Amz-Date=%s&X-Amz-Expires=%ld", amz_date, r->expires) != 0)
        goto cleanup;
    if (r->session_token != NULL && r->session_token[0] != '\0') {
        if (buf_puts(q, "&X-Amz-Security-Token=") != 0 ||
            sigv4_uri_encode(q, r->session_token, 0) != 0)
            goto cleanup;
    }
    if (buf_puts(q, "&X-Amz-SignedHeaders=host") != 0)
        goto cleanup;
    ret = 0;
cleanup:
    buf_release(&cred);
    return ret;
}

int sigv4_presign(const struct sigv4_request *r, char **out_url, char *err, size_t errlen)
{
    struct endpoint ep;
    struct buf path;
    struct buf query;
    struct buf text; /* canonical request, then string to sign */
    struct buf url;
    struct tm tm;
    char amz_date[17];
    char date[9];
    char scope[128];
    char hash_hex[2 * SHA256_LEN + 1];
    unsigned char key[SHA256_LEN];
    unsigned char sig[SHA256_LEN];
    char sig_hex[2 * SHA256_LEN + 1];
    int n;
    int ret = -1;

    buf_init(&path, URL_MAX);
    buf_init(&query, URL_MAX);
    buf_init(&text, TEXT_MAX);
    buf_init(&url, URL_MAX);
    if (validate(r, err, errlen) != 0 || endpoint_parse(r->endpoint, &ep, err, errlen) != 0)
        goto cleanup;
    if (gmtime_r(&r->now, &tm) == NULL ||
        strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm) != 16) {
        set_err(err, errlen, "signing time out of range");
        goto cleanup;
    }
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    n = snprintf(scope, sizeof(scope), "%s/%s/s3/aws4_request", date, r->region);
    if (n < 0 || (size_t)n >= sizeof(scope)) {
        set_err(err, errlen, "region too long");
        goto cleanup;
    }
    if (build_path(r, &path) != 0 || build_query(r, amz_date, scope, &query) != 0) {
        set_err(err, errlen, "presigned url too long");
        goto cleanup;
    }
    if (buf_printf(&text, "%s\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", r->method, path.data,
                   query.data, ep.host) != 0 ||
        sha256_hex(text.data, text.len, hash_hex) != 0) {
        set_err(err, errlen, "cannot hash canonical request");
        goto cleanup;
    }
    buf_reset(&text);
    if (buf_printf(&text, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, hash_hex) != 0 ||
        signing_key(r->secret_key, date, r->region, key) != 0 ||
        hmac(key, sizeof(key), text.data, sig) != 0) {
        set_err(err, errlen, "cannot compute signature");
        goto cleanup;
    }
    hex_encode(sig, sizeof(sig), sig_hex);
    if (buf_append(&url, ep.base, ep.base_len) != 0 || buf_puts(&url, path.data) != 0 ||
        buf_putc(&url, '?') != 0 || buf_puts(&url, query.data) != 0 ||
        buf_printf(&url, "&X-Amz-Signature=%s", sig_hex) != 0) {
        set_err(err, errlen, "presigned url too long");
        goto cleanup;
    }
    *out_url = buf_detach(&url, NULL);
    ret = 0;
cleanup:
    OPENSSL_cleanse(key, sizeof(key));
    buf_release(&path);
    buf_release(&query);
    buf_release(&text);
    buf_release(&url);
    return ret;
}
