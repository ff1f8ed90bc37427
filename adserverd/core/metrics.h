/*
 * metrics: request counters and latency histograms for GET /metrics
 * (Prometheus text format 0.0.4).
 *
 * Recording is lock-free (atomics in a fixed open-addressing table) because
 * it runs on every request of both listeners, including the hot ad path.
 * Other modules contribute gauges through metrics_render's callbacks.
 */
#ifndef METRICS_H
#define METRICS_H

#include "lib/buf.h"

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/*
 * Count one request. listener and route must be string constants (they are
 * kept, not copied); route is the matched pattern or "unmatched".
 */
void metrics_observe(struct metrics *m, const char *listener, const char *route, int status,
                     double latency_ms);

/* Append the request series and histograms to out. 0, or -1 when out is full. */
int metrics_render(struct metrics *m, struct buf *out);

#endif
