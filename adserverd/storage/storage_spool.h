/*
 * storage_spool: the file an upload is written into before a backend
 * commits it (local: the temporary file renamed into place; S3: the unlinked
 * file PUT in one request). Internal to the storage modules.
 *
 * The first write error sticks, so a caller streaming a body can keep
 * feeding chunks and check once, at commit.
 */
#ifndef STORAGE_SPOOL_H
#define STORAGE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct storage_spool {
    int fd;        /* owned by the embedding writer */
    uint64_t size; /* bytes written so far */
    int werrno;    /* first write error, 0 while none */
};

/* write(2) all n bytes, retrying on EINTR and short writes; 0, or -1 with errno. */
int storage_write_all(int fd, const void *p, size_t n);

/* Append n bytes to s; -1 (and the error kept in s->werrno) on failure. */
int storage_spool_write(struct storage_spool *s, const void *p, size_t n);

#endif
