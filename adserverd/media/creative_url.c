/*
 * creative_url: see creative_url.h.
 */
#include "media/creative_url.h"
#include "lib/hexcode.h"
#include "core/app.h"
#include "core/config.h"
#include "lib/buf.h"
#include "storage/sigv4.h"
#include "storage/storage.h"

#include <stdio.h>
#include <string.h>

#define PREFIX_MAX 2048

/* Contract 3.4.1: "http://localhost:4566/<bucket>/" outside production. */
static int dev_prefix(const struct app *app, char *out, size_t n)
{
    int w = snprintf(out, n, "http://localhost:4566/%s/", app->cfg->s3_bucket);

    return w > 0 && (size_t)w < n ? 0 : -1;
}

/* Production without a storage URL: CLOUDFRONT_URL or the AWS bucket. */
static int aws_prefix(const struct app *app, char *out, size_t n)
{
    const char *cf = app->cfg->cloudfront_url;
    int w;

    if (cf != NULL && cf[0] != '\0') {
        size_t len = strlen(cf);
        while (len > 0 && cf[len - 1] == '/')
            len--;
        w = snprintf(out, n, "%.*s/", (int)len, cf);
    } else {
        w = snprintf(out, n, "https://%s.s3.amazonaws.com/", app->cfg->s3_bucket);
    }
    return w > 0 && (size_t)w < n ? 0 : -1;
}

int creative_url_video(struct app *app, const char *key, char *out, size_t n)
{
    char prefix[PREFIX_MAX];
    int w;

    if (!config_is_production(app->cfg)) {
        if (dev_prefix(app, prefix, sizeof(prefix)) != 0)
            return -1;
    } else if (creative_url_player(app, key, out, n) == 0) {
        return 0;
    } else if (aws_prefix(app, prefix, sizeof(prefix)) != 0) {
        return -1;
    }
    w = snprintf(out, n, "%s%s", prefix, key);
    return w > 0 && (size_t)w < n ? 0 : -1;
}

/*
 * Percent-decode s into out[n]; -1 on a bad escape, a NUL byte or overflow.
 * A literal '?' or '#' means a query or fragment rode along: not a key.
 */
static int decode(const char *s, char *out, size_t n)
{
    if (strpbrk(s, "?#") != NULL)
        return -1;
    return pct_decode(s, strlen(s), out, n, NULL, PCT_NO_NUL);
}

static int try_prefix(const char *url, const char *prefix, char *out, size_t n)
{
    size_t pl = strlen(prefix);

    if (pl == 0 || strncmp(url, prefix, pl) != 0)
        return -1;
    if (decode(url + pl, out, n) != 0 || storage_key_check(out, NULL, 0) != 0)
        return -1;
    return 0;
}

int creative_url_key(struct app *app, const char *url, char *out, size_t n)
{
    char prefix[PREFIX_MAX];
    size_t len;

    if (dev_prefix(app, prefix, sizeof(prefix)) == 0 && try_prefix(url, prefix, out, n) == 0)
        return 0;
    /* The storage's own public form: the URL of key "k" less the "k". */
    if (storage_public_url(app->storage, "k", prefix, sizeof(prefix)) == 0 &&
        (len = strlen(prefix)) > 1 && prefix[len - 1] == 'k' && prefix[len - 2] == '/') {
        prefix[len - 1] = '\0';
        if (try_prefix(url, prefix, out, n) == 0)
            return 0;
    }
    if (app->cfg->public_url != NULL && app->cfg->public_url[0] != '\0') {
        len = strlen(app->cfg->public_url);
        while (len > 0 && app->cfg->public_url[len - 1] == '/')
            len--;
        if (snprintf(prefix, sizeof(prefix), "%.*s/media/", (int)len, app->cfg->public_url) <
                (int)sizeof(prefix) &&
            try_prefix(url, prefix, out, n) == 0)
            return 0;
    }
    if (aws_prefix(app, prefix, sizeof(prefix)) == 0 && try_prefix(url, prefix, out, n) == 0)
        return 0;
    return -1;
}

/* Longest player URL built for the local backend (base + "/media/" + key). */
#define PLAYER_URL_MAX 8192

int creative_url_player(struct app *app, const char *key, char *out, size_t n)
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
    buf_init(&b, PLAYER_URL_MAX);
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

int creative_url_path(struct app *app, const char *key, char *out, size_t n)
{
    char probe[8];
    struct buf b;
    int rc = -1;

    /* only a local file without any public URL is served by the ad listener itself */
    if (storage_public_url(app->storage, key, probe, sizeof(probe)) != STORAGE_NO_PUBLIC_URL ||
        (app->cfg->public_url != NULL && app->cfg->public_url[0] != '\0'))
        return -1;
    buf_init(&b, PLAYER_URL_MAX);
    if (buf_puts(&b, "/media/") != 0 || sigv4_uri_encode(&b, key, 1) != 0 || b.len >= n)
        goto cleanup;
    memcpy(out, b.data, b.len + 1);
    rc = 0;
cleanup:
    buf_release(&b);
    return rc;
}
