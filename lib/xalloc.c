/*
 * xalloc: see xalloc.h. Abort on OOM with one line on stderr; the logger is
 * not used here because it may itself need memory.
 */
#include "lib/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die_oom(size_t n)
{
    fprintf(stderr, "{\"level\":\"error\",\"msg\":\"out of memory\",\"bytes\":%zu}\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        die_oom(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        die_oom(st_mult(count, size));
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        die_oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(st_add(len, 1));
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

size_t st_add(size_t a, size_t b)
{
    if (a > SIZE_MAX - b) {
        fprintf(stderr, "{\"level\":\"error\",\"msg\":\"size overflow\"}\n");
        abort();
    }
    return a + b;
}

size_t st_mult(size_t a, size_t b)
{
    if (b != 0 && a > SIZE_MAX / b) {
        fprintf(stderr, "{\"level\":\"error\",\"msg\":\"size overflow\"}\n");
        abort();
    }
    return a * b;
}
