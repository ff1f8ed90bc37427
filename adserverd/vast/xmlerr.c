/*
 * xmlerr: see xmlerr.h. One copy for vast.c and vmap.c.
 */
#include "vast/xmlerr.h"

#include <stdarg.h>
#include <stdio.h>

void xmlerr_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0 || err[0] != '\0')
        return;
    va_start(ap, fmt);
    (void)vsnprintf(err, errlen, fmt, ap); /* a truncated message is still the cause */
    va_end(ap);
}

int xmlerr_empty(const char *s)
{
    return s == NULL || *s == '\0';
}
