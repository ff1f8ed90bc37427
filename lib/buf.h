/*
 * buf: a growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * Every buffer that grows from outside input has a cap; an append that would
 * pass it fails with -1 and leaves the buffer unchanged, so callers turn it
 * into a 413 or a parse error instead of growing without bound.
 * The contents are always NUL-terminated (the NUL is not counted in len).
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* hard maximum of len */
};

/* Initialise an empty buffer that may hold at most max bytes. */
void buf_init(struct buf *b, size_t max);
/* Free the contents; the struct may be reused after buf_init(). */
void buf_release(struct buf *b);
/* Empty the buffer, keeping its memory. */
void buf_reset(struct buf *b);

/* 0 on success, -1 when the result would exceed max (buffer unchanged). */
int buf_append(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Hand the contents to the caller (free() them) and leave b empty. */
char *buf_detach(struct buf *b, size_t *len);

#endif
