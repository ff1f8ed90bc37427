/*
 * storage: where uploaded creatives live, behind one interface.
 *
 * Two backends: a local directory (default; the ad listener serves the files
 * itself, with range requests) and an S3-compatible bucket (players fetch from
 * the bucket or a CDN in front of it). Uploads are streamed: a writer takes the
 * multipart body chunk by chunk into a temporary file, so memory stays bounded
 * whatever the file size (the contract allows 500 MiB), and the object appears
 * under its key only when commit succeeds: a failed or aborted upload leaves
 * nothing behind (local: temp file unlinked; S3: nothing was sent).
 *
 * Keys are relative paths such as "campaigns/<id>/creatives/<uuid>.mp4". Every
 * key passes storage_key_check() on every call, for both backends, so a key
 * that is safe on S3 is also safe as a local path.
 *
 * Thread safety: a struct storage is immutable after storage_new() and may be
 * shared by all threads; a writer belongs to one thread at a time. The S3
 * backend uses libcurl: the program must call curl_global_init() before
 * starting threads (libcurl's rule, not ours). Lower layer: failures are
 * returned with a message in err (never a secret), nothing is logged.
 */
#ifndef STORAGE_H
#define STORAGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "storage/storage_types.h"

struct storage;
struct storage_writer;

/*
 * Check the configuration and create the store. Local: the directory must
 * exist. S3: no network traffic (the bucket is not probed). Returns NULL with
 * a message in err on failure. Free with storage_free().
 */
struct storage *storage_new(const struct storage_config *cfg, char *err, size_t errlen);
/* Release st (NULL is fine). No writer of st may still be open. */
void storage_free(struct storage *st);

enum storage_backend storage_backend(const struct storage *st);

/*
 * 0 when key is acceptable: 1..STORAGE_KEY_MAX bytes, relative (no leading
 * '/'), no backslash, no control byte, no empty, "." or ".." path component
 * (so no "//" and no trailing '/'). Keys are C strings, so a caller building
 * one from input that may hold a NUL byte must reject that input itself.
 */
int storage_key_check(const char *key, char *err, size_t errlen);

/*
 * Start storing key. content_type (NULL: application/octet-stream) is sent to
 * S3 and ignored by the local backend. Returns NULL with a message in err on
 * failure. The writer must be ended by exactly one storage_writer_commit() or
 * storage_writer_abort(), both of which free it.
 * Local: creates missing parent directories (never following symlinks) and a
 * temporary file <dir>/<key>.tmp-<random> beside the target.
 * S3: spools to an already-unlinked file in tmp_dir.
 */
struct storage_writer *storage_writer_open(struct storage *st, const char *key,
                                           const char *content_type, char *err, size_t errlen);
/*
 * Append n bytes. -1 on an I/O error; the error sticks and commit reports it,
 * so a caller may keep feeding and check only at commit, or stop early.
 */
int storage_writer_write(struct storage_writer *w, const void *p, size_t n);
/*
 * Make the object visible under its key, replacing any previous one, and free
 * w whatever the outcome. On success *size_out (may be NULL) is the byte count.
 * Local: fsync file, rename over the target, fsync directory. S3: one PUT of
 * the spooled file (streamed from disk), success only on HTTP 200. On failure
 * nothing new is visible under the key.
 */
int storage_writer_commit(struct storage_writer *w, uint64_t *size_out, char *err, size_t errlen);
/* Drop everything written and free w (NULL is fine). */
void storage_writer_abort(struct storage_writer *w);

/*
 * Remove the object. Removing a key that does not exist succeeds, as on S3.
 * Contract 3.4.6 deletes best-effort: the caller may ignore -1.
 */
int storage_delete(struct storage *st, const char *key, char *err, size_t errlen);

/*
 * Local backend only (S3 returns -1): open the object for reading, so the ad
 * listener can serve it with range requests (pread/sendfile on the fd).
 * On success *fd_out is a read-only descriptor owned by the caller (close()
 * it) and *size_out the file's size. STORAGE_NOT_FOUND when the key has no
 * regular file. Symlinks are never followed.
 */
int storage_open_read(struct storage *st, const char *key, int *fd_out, uint64_t *size_out,
                      char *err, size_t errlen);

/*
 * Both backends: write the whole object to fd (at its current offset), e.g. a
 * temporary file that creative processing probes. S3 does one signed GET and
 * streams the body to fd. Fails with -1 if the object is larger than
 * max_bytes (fd then holds a partial copy: the caller owns and discards it).
 * On success *size_out (may be NULL) is the byte count. STORAGE_NOT_FOUND when
 * there is no such object.
 */
int storage_fetch_to_fd(struct storage *st, const char *key, int fd, uint64_t max_bytes,
                        uint64_t *size_out, char *err, size_t errlen);

/*
 * The URL players fetch key from, written NUL-terminated into out[n]:
 *  - public_base_url set: <public_base_url>/<key>;
 *  - S3 on AWS (no endpoint configured): https://<bucket>.s3.amazonaws.com/<key>;
 *  - other S3: <endpoint>/<bucket>/<key> (path style) or
 *    <scheme>://<bucket>.<endpoint host>/<key>;
 *  - local without public_base_url: STORAGE_NO_PUBLIC_URL, out untouched; the
 *    caller builds the ad listener's own media URL.
 * The key is URI-encoded ('/' kept). -1 for an invalid key or when n is too small.
 */
int storage_public_url(struct storage *st, const char *key, char *out, size_t n);

/*
 * S3 only (local returns -1): a presigned URL letting its holder do method
 * ("PUT" or "GET") on key without credentials until now + expires seconds
 * (1..604800). Computed locally (sigv4), no network. *out_url is owned by the
 * caller (free()). It is a bearer credential: never log it.
 */
int storage_presign(struct storage *st, const char *method, const char *key, long expires,
                    time_t now, char **out_url, char *err, size_t errlen);

#endif
