/*
 * xmlerr: the error recording and string test shared by the vast and vmap
 * renderers (private to adserverd/vast/).
 *
 * Both renderers stop at the first bad field and report it; later failures
 * are consequences of the first, so only the first message is kept. Pure,
 * thread-safe, no allocation.
 */
#ifndef VAST_XMLERR_H
#define VAST_XMLERR_H

#include <stddef.h>

/*
 * Format a message into err[0..errlen) unless err already holds one (or
 * err is NULL or errlen 0): the first failure is the cause.
 */
void xmlerr_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 when s is NULL or "", the renderers' "field absent". */
int xmlerr_empty(const char *s);

#endif
