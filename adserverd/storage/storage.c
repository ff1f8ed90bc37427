/*
 * storage: backend selection, key rules and public URLs (see storage.h).
 *
 * This file only checks arguments and dispatches; each backend owns its I/O
 * (storage_local.c, storage_s3.c). Key checking lives here so both backends
 * accept exactly the same keys and neither can be reached with one the other
 * would refuse.
 */
#include "storage/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "storage/sigv4.h"
#include "storage/storage_local.h"
#include "storage/storage_s3.h"
#include "lib/xalloc.h"

/* Public base URLs are configuration, not input; this bounds the copy. */
#define PUBLIC_BASE_MAX 2048
#define URL_MAX 8192

struct storage {
    enum storage_backend backend;
    struct storage_local *local; /* set when backend is LOCAL */
    struct storage_s3 *s3;       /* set when backend is S3 */
    char *public_base;           /* NULL or the base without a trailing '/' */
};

struct storage_writer {
    struct storage_local_writer *local; /* exactly one of these is set */
    struct storage_s3_writer *s3;
};

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

int storage_key_check(const char *key, char *err, size_t errlen)
{
    const char *comp;
    size_t len;
    size_t i;

    if (key == NULL || key[0] == '\0') {
        set_err(err, errlen, "key is empty");
        return -1;
    }
    len = strlen(key);
    if (len > STORAGE_KEY_MAX) {
        set_err(err, errlen, "key is too long");
        return -1;
    }
    if (key[0] == '/') {
        set_err(err, errlen, "key must be relative");
        return -1;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];

        if (c < 0x20 || c == 0x7f || c == '\\') {
            set_err(err, errlen, "key has a control character or backslash");
            return -1;
        }
    }
    /* Walk components: none may be empty, "." or "..". */
    for (comp = key;; comp += strcspn(comp, "/") + 1) {
        size_t clen = strcspn(comp, "/");

        if (clen == 0 || (clen == 1 && comp[0] == '.') ||
            (clen == 2 && comp[0] == '.' && comp[1] == '.')) {
            set_err(err, errlen, "key has an empty, '.' or '..' path component");
            return -1;
        }
        if (comp[clen] == '\0')
            break;
    }
    return 0;
}

struct storage *storage_new(const struct storage_config *cfg, char *err, size_t errlen)
{
    struct storage *st = xcalloc(1, sizeof(*st));
    struct storage *ret = NULL;

    st->backend = cfg->backend;
    if (cfg->public_base_url != NULL && cfg->public_base_url[0] != '\0') {
        size_t n = strlen(cfg->public_base_url);

        if (n > PUBLIC_BASE_MAX || (strncmp(cfg->public_base_url, "http://", 7) != 0 &&
                                    strncmp(cfg->public_base_url, "https://", 8) != 0)) {
            set_err(err, errlen, "public base url must be an http(s) url");
            goto cleanup;
        }
        while (n > 0 && cfg->public_base_url[n - 1] == '/')
            n--;
        st->public_base = xstrndup(cfg->public_base_url, n);
    }
    switch (cfg->backend) {
    case STORAGE_BACKEND_LOCAL:
        if (cfg->local_dir == NULL || cfg->local_dir[0] == '\0') {
            set_err(err, errlen, "local storage needs a directory");
            goto cleanup;
        }
        st->local = storage_local_new(cfg->local_dir, err, errlen);
        if (st->local == NULL)
            goto cleanup;
        break;
    case STORAGE_BACKEND_S3:
        st->s3 = storage_s3_new(cfg, err, errlen);
        if (st->s3 == NULL)
            goto cleanup;
        break;
    default:
        set_err(err, errlen, "unknown storage backend");
        goto cleanup;
    }
    ret = st;
    st = NULL;
cleanup:
    storage_free(st);
    return ret;
}

void storage_free(struct storage *st)
{
    if (st == NULL)
        return;
    storage_local_free(st->local);
    storage_s3_free(st->s3);
    free(st->public_base);
    free(st);
}

enum storage_backend storage_backend(const struct storage *st)
{
    return st->backend;
}

struct storage_writer *storage_writer_open(struct storage *st, const char *key,
                                           const char *content_type, char *err, size_t errlen)
{
    struct storage_writer *w;
    struct storage_local_writer *lw = NULL;
    struct storage_s3_writer *sw = NULL;

    if (storage_key_check(key, err, errlen) != 0)
        return NULL;
    if (st->local != NULL)
        lw = storage_local_writer_open(st->local, key, err, errlen);
    else
        sw = storage_s3_writer_open(st->s3, key, content_type, err, errlen);
    if (lw == NULL && sw == NULL)
        return NULL;
    w = xcalloc(1, sizeof(*w));
    w->local = lw;
    w->s3 = sw;
    return w;
}

int storage_writer_write(struct storage_writer *w, const void *p, size_t n)
{
    if (w->local != NULL)
        return storage_local_writer_write(w->local, p, n);
    return storage_s3_writer_write(w->s3, p, n);
}

int storage_writer_commit(struct storage_writer *w, uint64_t *size_out, char *err, size_t errlen)
{
    int ret;

    if (w->local != NULL)
        ret = storage_local_writer_commit(w->local, size_out, err, errlen);
    else
        ret = storage_s3_writer_commit(w->s3, size_out, err, errlen);
    free(w);
    return ret;
}

void storage_writer_abort(struct storage_writer *w)
{
    if (w == NULL)
        return;
    if (w->local != NULL)
        storage_local_writer_abort(w->local);
    else
        storage_s3_writer_abort(w->s3);
    free(w);
}

int storage_delete(struct storage *st, const char *key, char *err, size_t errlen)
{
    if (storage_key_check(key, err, errlen) != 0)
        return -1;
    if (st->local != NULL)
        return storage_local_delete(st->local, key, err, errlen);
    return storage_s3_delete(st->s3, key, err, errlen);
}

int storage_open_read(struct storage *st, const char *key, int *fd_out, uint64_t *size_out,
                      char *err, size_t errlen)
{
    if (storage_key_check(key, err, errlen) != 0)
        return -1;
    if (st->local == NULL) {
        set_err(err, errlen, "open_read is not supported by the s3 backend");
        return -1;
    }
    return storage_local_open_read(st->local, key, fd_out, size_out, err, errlen);
}

int storage_fetch_to_fd(struct storage *st, const char *key, int fd, uint64_t max_bytes,
                        uint64_t *size_out, char *err, size_t errlen)
{
    if (storage_key_check(key, err, errlen) != 0)
        return -1;
    if (st->local != NULL)
        return storage_local_fetch_to_fd(st->local, key, fd, max_bytes, size_out, err, errlen);
    return storage_s3_fetch_to_fd(st->s3, key, fd, max_bytes, size_out, err, errlen);
}

int storage_public_url(struct storage *st, const char *key, char *out, size_t n)
{
    struct buf b;
    int ret = -1;

    buf_init(&b, URL_MAX);
    if (storage_key_check(key, NULL, 0) != 0)
        goto cleanup;
    if (st->public_base != NULL) {
        if (buf_puts(&b, st->public_base) != 0 || buf_putc(&b, '/') != 0 ||
            sigv4_uri_encode(&b, key, 1) != 0)
            goto cleanup;
    } else if (st->s3 != NULL) {
        if (storage_s3_public_url(st->s3, key, &b) != 0)
            goto cleanup;
    } else {
        ret = STORAGE_NO_PUBLIC_URL;
        goto cleanup;
    }
    if (b.len >= n)
        goto cleanup;
    memcpy(out, b.data, b.len + 1);
    ret = 0;
cleanup:
    buf_release(&b);
    return ret;
}

int storage_presign(struct storage *st, const char *method, const char *key, long expires,
                    time_t now, char **out_url, char *err, size_t errlen)
{
    if (storage_key_check(key, err, errlen) != 0)
        return -1;
    if (st->s3 == NULL) {
        set_err(err, errlen, "presigned urls need the s3 backend");
        return -1;
    }
    return storage_s3_presign(st->s3, method, key, expires, now, out_url, err, errlen);
}
