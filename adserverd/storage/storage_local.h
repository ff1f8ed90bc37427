/*
 * storage_local: the local-directory backend of storage.h.
 *
 * Internal to the storage module: only storage.c calls these; everyone else
 * uses storage.h, whose comments give the behaviour. Keys reaching here have
 * passed storage_key_check(). All paths are resolved relative to a directory
 * descriptor opened once, walking one component at a time with O_NOFOLLOW, so
 * a symlink planted under the directory can never redirect a write or a read.
 */
#ifndef STORAGE_LOCAL_H
#define STORAGE_LOCAL_H

#include <stddef.h>
#include <stdint.h>

struct storage_local;
struct storage_local_writer;

/* dir must exist; it is opened now and kept open. Free with storage_local_free(). */
struct storage_local *storage_local_new(const char *dir, char *err, size_t errlen);
void storage_local_free(struct storage_local *sl);

/* Writer lifecycle as storage_writer_*(); commit and abort free w. */
struct storage_local_writer *storage_local_writer_open(struct storage_local *sl, const char *key,
                                                       char *err, size_t errlen);
int storage_local_writer_write(struct storage_local_writer *w, const void *p, size_t n);
int storage_local_writer_commit(struct storage_local_writer *w, uint64_t *size_out, char *err,
                                size_t errlen);
void storage_local_writer_abort(struct storage_local_writer *w);

int storage_local_delete(struct storage_local *sl, const char *key, char *err, size_t errlen);
/* *fd_out owned by the caller. 0, -1 or STORAGE_NOT_FOUND. */
int storage_local_open_read(struct storage_local *sl, const char *key, int *fd_out,
                            uint64_t *size_out, char *err, size_t errlen);
int storage_local_fetch_to_fd(struct storage_local *sl, const char *key, int fd, uint64_t max_bytes,
                              uint64_t *size_out, char *err, size_t errlen);

#endif
