/*
 * storage_spool: see storage_spool.h.
 */
#include "storage/storage_spool.h"

#include <errno.h>
#include <unistd.h>

int storage_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = write(fd, c, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int storage_spool_write(struct storage_spool *s, const void *p, size_t n)
{
    if (s->werrno != 0)
        return -1;
    if (n > UINT64_MAX - s->size) {
        s->werrno = EFBIG;
        return -1;
    }
    if (storage_write_all(s->fd, p, n) != 0) {
        s->werrno = errno;
        return -1;
    }
    s->size += n;
    return 0;
}
