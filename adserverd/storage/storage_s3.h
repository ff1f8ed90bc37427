/*
 * storage_s3: the S3-compatible backend of storage.h.
 *
 * Internal to the storage module: only storage.c calls these; everyone else
 * uses storage.h, whose comments give the behaviour. Keys reaching here have
 * passed storage_key_check(). Requests are made with libcurl, which signs
 * them itself (CURLOPT_AWS_SIGV4); presigned URLs come from sigv4.h.
 */
#ifndef STORAGE_S3_H
#define STORAGE_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/buf.h"
#include "storage/storage_types.h"

struct storage_s3;
struct storage_s3_writer;

/* Validates and copies the s3 fields of cfg; no network. */
struct storage_s3 *storage_s3_new(const struct storage_config *cfg, char *err, size_t errlen);
/* Wipes the secret before freeing. NULL is fine. */
void storage_s3_free(struct storage_s3 *s3);

/* Writer lifecycle as storage_writer_*(); commit and abort free w. */
struct storage_s3_writer *storage_s3_writer_open(struct storage_s3 *s3, const char *key,
                                                 const char *content_type, char *err,
                                                 size_t errlen);
int storage_s3_writer_write(struct storage_s3_writer *w, const void *p, size_t n);
int storage_s3_writer_commit(struct storage_s3_writer *w, uint64_t *size_out, char *err,
                             size_t errlen);
void storage_s3_writer_abort(struct storage_s3_writer *w);

int storage_s3_delete(struct storage_s3 *s3, const char *key, char *err, size_t errlen);
/* 0, -1 or STORAGE_NOT_FOUND. */
int storage_s3_fetch_to_fd(struct storage_s3 *s3, const char *key, int fd, uint64_t max_bytes,
                           uint64_t *size_out, char *err, size_t errlen);

/* Append the URL players use for key when no public base is set (storage.h). */
int storage_s3_public_url(struct storage_s3 *s3, const char *key, struct buf *out);

int storage_s3_presign(struct storage_s3 *s3, const char *method, const char *key, long expires,
                       time_t now, char **out_url, char *err, size_t errlen);

#endif
