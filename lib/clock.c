/*
 * clock: see clock.h. clock_gettime cannot fail for these clock ids on
 * Linux, so there is no error path.
 */
#include "lib/clock.h"

#include <time.h>

static int64_t ms_of(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void)
{
    return ms_of(CLOCK_MONOTONIC);
}

int64_t clock_wall_ms(void)
{
    return ms_of(CLOCK_REALTIME);
}
