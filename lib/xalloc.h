/*
 * xalloc: allocation that never returns NULL.
 *
 * Out of memory in a server is not recoverable in any useful way, so these
 * log one line and abort (house style, after htop). Library calls that
 * allocate internally (jansson, libpq, libxml2) still return NULL and are
 * checked by their callers.
 */
#ifndef XALLOC_H
#define XALLOC_H

#include <stddef.h>

/* Each returns memory owned by the caller, released with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Overflow-checked size arithmetic: aborts on overflow (git's st_add/st_mult). */
size_t st_add(size_t a, size_t b);
size_t st_mult(size_t a, size_t b);

#endif
