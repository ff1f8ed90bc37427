/*
 * storage_local: creatives in a local directory (see storage_local.h).
 *
 * Durability: a committed object has been fsync'ed, renamed over its key and
 * its directory fsync'ed, so after a crash a key holds either the old or the
 * new bytes in full, never a mix. Directories created on the way are fsync'ed
 * into their parents too. A "<name>.tmp-<hex>" file is left behind only if
 * the process dies between open and commit/abort; the suffix makes such
 * leftovers easy to find and remove.
 *
 * Safety: the root directory is opened once; every path is walked one
 * component at a time with openat(O_NOFOLLOW | O_DIRECTORY), and files are
 * opened with O_NOFOLLOW, so neither ".." (refused by storage_key_check) nor a
 * symlink inside the tree can lead outside it.
 *
 * Load: one upload at a time per writer, a few per minute in practice; reads
 * are one open + fstat per media request.
 */
#include "storage/storage_local.h"
#include "storage/storage_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/storage_types.h"
#include "lib/xalloc.h"

#define TMP_SUFFIX_FMT "%s.tmp-%08x"
#define TMP_SUFFIX_LEN 13 /* ".tmp-" + 8 hex digits */
#define TMP_TRIES 16
#define COPY_CHUNK 65536

struct storage_local {
    int root_fd;
};

struct storage_local_writer {
    int dir_fd;                 /* parent directory of the key */
    struct storage_spool spool; /* the temporary file (fd -1 once closed) */
    char *tmp_name;             /* relative to dir_fd; NULL once renamed or unlinked */
    char *base_name;            /* last key component */
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

struct storage_local *storage_local_new(const char *dir, char *err, size_t errlen)
{
    struct storage_local *sl;
    int fd;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        set_errno_err(err, errlen, "cannot open storage directory", errno);
        return NULL;
    }
    sl = xcalloc(1, sizeof(*sl));
    sl->root_fd = fd;
    return sl;
}

void storage_local_free(struct storage_local *sl)
{
    if (sl == NULL)
        return;
    /* Read-only directory descriptor: close cannot lose data. */
    (void)close(sl->root_fd);
    free(sl);
}

/*
 * Open the directory holding key's last component, creating missing
 * directories when create is set. On success *dir_fd_out is a descriptor the
 * caller closes and *base_out points into key. ENOENT/ENOTDIR on the way are
 * reported as STORAGE_NOT_FOUND when not creating.
 */
static int walk_parent(struct storage_local *sl, const char *key, int create, int *dir_fd_out,
                       const char **base_out, char *err, size_t errlen)
{
    char comp[NAME_MAX + 1];
    const char *p = key;
    const char *slash;
    int fd = -1;
    int next;
    int ret = -1;

    fd = dup(sl->root_fd);
    if (fd < 0) {
        set_errno_err(err, errlen, "dup", errno);
        goto cleanup;
    }
    while ((slash = strchr(p, '/')) != NULL) {
        size_t len = (size_t)(slash - p);

        if (len > NAME_MAX) {
            set_err(err, errlen, "key component too long");
            goto cleanup;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create) {
            if (mkdirat(fd, comp, 0755) != 0 && errno != EEXIST) {
                set_errno_err(err, errlen, "cannot create directory", errno);
                goto cleanup;
            }
            /* Make the new entry durable before anything is put inside it. */
            if (fsync(fd) != 0) {
                set_errno_err(err, errlen, "cannot sync directory", errno);
                goto cleanup;
            }
            next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0) {
            int e = errno;

            if (!create && (e == ENOENT || e == ENOTDIR)) {
                ret = STORAGE_NOT_FOUND;
                goto cleanup;
            }
            /* ELOOP/ENOTDIR: a symlink or a file where a directory should be. */
            set_errno_err(err, errlen, "cannot open directory", e);
            goto cleanup;
        }
        (void)close(fd); /* read-only directory descriptor */
        fd = next;
        p = slash + 1;
    }
    if (strlen(p) > NAME_MAX) {
        set_err(err, errlen, "key component too long");
        goto cleanup;
    }
    *dir_fd_out = fd;
    *base_out = p;
    fd = -1;
    ret = 0;
cleanup:
    if (fd >= 0)
        (void)close(fd);
    return ret;
}

struct storage_local_writer *storage_local_writer_open(struct storage_local *sl, const char *key,
                                                       char *err, size_t errlen)
{
    struct storage_local_writer *w = NULL;
    struct storage_local_writer *ret = NULL;
    const char *base;
    int dir_fd = -1;
    int fd = -1;
    char *tmp = NULL;
    size_t tmp_size;
    int i;

    if (walk_parent(sl, key, 1, &dir_fd, &base, err, errlen) != 0)
        goto cleanup;
    if (strlen(base) + TMP_SUFFIX_LEN > NAME_MAX) {
        set_err(err, errlen, "key component too long");
        goto cleanup;
    }
    tmp_size = strlen(base) + TMP_SUFFIX_LEN + 1;
    tmp = xmalloc(tmp_size);
    for (i = 0; i < TMP_TRIES && fd < 0; i++) {
        unsigned int r;
        int n;

        if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
            set_errno_err(err, errlen, "getrandom", errno);
            goto cleanup;
        }
        n = snprintf(tmp, tmp_size, TMP_SUFFIX_FMT, base, r);
        if (n < 0 || (size_t)n >= tmp_size) {
            set_err(err, errlen, "temporary name too long");
            goto cleanup;
        }
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) {
            set_errno_err(err, errlen, "cannot create temporary file", errno);
            goto cleanup;
        }
    }
    if (fd < 0) {
        set_err(err, errlen, "cannot create temporary file: name collisions");
        goto cleanup;
    }
    w = xcalloc(1, sizeof(*w));
    w->dir_fd = dir_fd;
    w->spool.fd = fd;
    w->tmp_name = tmp;
    w->base_name = xstrdup(base);
    ret = w;
    dir_fd = -1;
    fd = -1;
    tmp = NULL;
cleanup:
    if (fd >= 0)
        (void)close(fd);
    if (dir_fd >= 0)
        (void)close(dir_fd);
    free(tmp);
    return ret;
}

int storage_local_writer_write(struct storage_local_writer *w, const void *p, size_t n)
{
    return storage_spool_write(&w->spool, p, n);
}

/* Close and forget everything w holds; unlink the temporary file if still there. */
static void writer_release(struct storage_local_writer *w)
{
    if (w->spool.fd >= 0)
        (void)close(w->spool.fd); /* the data is being thrown away */
    if (w->tmp_name != NULL)
        (void)unlinkat(w->dir_fd, w->tmp_name, 0); /* best effort: already failing */
    (void)close(w->dir_fd);
    free(w->tmp_name);
    free(w->base_name);
    free(w);
}

int storage_local_writer_commit(struct storage_local_writer *w, uint64_t *size_out, char *err,
                                size_t errlen)
{
    int ret = -1;
    int fd;

    if (w->spool.werrno != 0) {
        set_errno_err(err, errlen, "write failed", w->spool.werrno);
        goto cleanup;
    }
    if (fsync(w->spool.fd) != 0) {
        set_errno_err(err, errlen, "cannot sync file", errno);
        goto cleanup;
    }
    fd = w->spool.fd;
    w->spool.fd = -1;
    if (close(fd) != 0) {
        set_errno_err(err, errlen, "cannot close file", errno);
        goto cleanup;
    }
    if (renameat(w->dir_fd, w->tmp_name, w->dir_fd, w->base_name) != 0) {
        set_errno_err(err, errlen, "cannot rename into place", errno);
        goto cleanup;
    }
    free(w->tmp_name);
    w->tmp_name = NULL;
    if (fsync(w->dir_fd) != 0) {
        /* The rename may not survive a crash: undo it so failure means absent. */
        set_errno_err(err, errlen, "cannot sync directory", errno);
        (void)unlinkat(w->dir_fd, w->base_name, 0);
        goto cleanup;
    }
    if (size_out != NULL)
        *size_out = w->spool.size;
    ret = 0;
cleanup:
    writer_release(w);
    return ret;
}

void storage_local_writer_abort(struct storage_local_writer *w)
{
    if (w != NULL)
        writer_release(w);
}

int storage_local_delete(struct storage_local *sl, const char *key, char *err, size_t errlen)
{
    const char *base;
    int dir_fd = -1;
    int ret;

    ret = walk_parent(sl, key, 0, &dir_fd, &base, err, errlen);
    if (ret == STORAGE_NOT_FOUND)
        return 0; /* already gone, as S3 treats it */
    if (ret != 0)
        return -1;
    ret = 0;
    if (unlinkat(dir_fd, base, 0) != 0 && errno != ENOENT) {
        set_errno_err(err, errlen, "cannot delete", errno);
        ret = -1;
    }
    (void)close(dir_fd);
    return ret;
}

int storage_local_open_read(struct storage_local *sl, const char *key, int *fd_out,
                            uint64_t *size_out, char *err, size_t errlen)
{
    const char *base;
    struct stat sb;
    int dir_fd = -1;
    int fd = -1;
    int ret;

    ret = walk_parent(sl, key, 0, &dir_fd, &base, err, errlen);
    if (ret != 0) {
        if (ret == STORAGE_NOT_FOUND)
            set_err(err, errlen, "no such object");
        goto cleanup;
    }
    ret = -1;
    fd = openat(dir_fd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) {
            set_err(err, errlen, "no such object");
            ret = STORAGE_NOT_FOUND;
        } else {
            set_errno_err(err, errlen, "cannot open object", errno);
        }
        goto cleanup;
    }
    if (fstat(fd, &sb) != 0) {
        set_errno_err(err, errlen, "cannot stat object", errno);
        goto cleanup;
    }
    if (!S_ISREG(sb.st_mode)) {
        /* A directory (a key prefix) or a fifo is not an object. */
        set_err(err, errlen, "no such object");
        ret = STORAGE_NOT_FOUND;
        goto cleanup;
    }
    /* O_NONBLOCK only kept a fifo from blocking the open; regular files ignore it,
     * but clear it so the caller gets an ordinary descriptor. */
    if (fcntl(fd, F_SETFL, 0) != 0) {
        set_errno_err(err, errlen, "cannot set descriptor flags", errno);
        goto cleanup;
    }
    *fd_out = fd;
    *size_out = (uint64_t)sb.st_size;
    fd = -1;
    ret = 0;
cleanup:
    if (fd >= 0)
        (void)close(fd); /* read-only */
    if (dir_fd >= 0)
        (void)close(dir_fd);
    return ret;
}

int storage_local_fetch_to_fd(struct storage_local *sl, const char *key, int fd, uint64_t max_bytes,
                              uint64_t *size_out, char *err, size_t errlen)
{
    char *chunk = NULL;
    uint64_t size = 0;
    uint64_t total = 0;
    int in = -1;
    int ret;

    ret = storage_local_open_read(sl, key, &in, &size, err, errlen);
    if (ret != 0)
        goto cleanup;
    ret = -1;
    if (size > max_bytes) {
        set_err(err, errlen, "object larger than the limit");
        goto cleanup;
    }
    chunk = xmalloc(COPY_CHUNK);
    for (;;) {
        ssize_t r = read(in, chunk, COPY_CHUNK);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            set_errno_err(err, errlen, "cannot read object", errno);
            goto cleanup;
        }
        if (r == 0)
            break;
        /* The file may have grown since fstat: enforce the limit on bytes read. */
        if ((uint64_t)r > max_bytes - total) {
            set_err(err, errlen, "object larger than the limit");
            goto cleanup;
        }
        if (storage_write_all(fd, chunk, (size_t)r) != 0) {
            set_errno_err(err, errlen, "cannot write copy", errno);
            goto cleanup;
        }
        total += (uint64_t)r;
    }
    if (size_out != NULL)
        *size_out = total;
    ret = 0;
cleanup:
    free(chunk);
    if (in >= 0)
        (void)close(in); /* read-only */
    return ret;
}
