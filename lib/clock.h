/*
 * clock: "now" in milliseconds, the two ways the programs need it.
 * Monotonic time measures intervals (back-offs, debounces, latencies) and
 * never jumps; wall time is for timestamps and epoch-aligned windows.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC (an arbitrary origin). */
int64_t clock_mono_ms(void);
/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);

#endif
