/*
 * metrics: see metrics.h. A series is claimed once with a compare-and-swap
 * on its state and then only incremented. The table holds far more slots
 * than routes x statuses; past that, observations are counted in an
 * overflow counter rather than blocking.
 */
#include "core/metrics.h"
#include "lib/xalloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SERIES 1024
#define NLISTENERS 2

static const double bucket_ms[] = {0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000};
#define NBUCKETS (sizeof(bucket_ms) / sizeof(bucket_ms[0]))

struct series {
    atomic_int state; /* 0 empty, 1 being claimed, 2 ready */
    const char *listener;
    const char *route;
    int status;
    atomic_ulong count;
};

struct histogram {
    const char *listener;
    atomic_ulong buckets[NBUCKETS];
    atomic_ulong count;
    atomic_ullong sum_us;
};

struct metrics {
    struct series series[SERIES];
    struct histogram hist[NLISTENERS];
    atomic_ulong overflow;
};

struct metrics *metrics_new(void)
{
    struct metrics *m = xcalloc(1, sizeof(*m));

    m->hist[0].listener = "admin";
    m->hist[1].listener = "ad";
    return m;
}

void metrics_free(struct metrics *m)
{
    free(m);
}

static uint64_t mix(const void *a, const void *b, int status)
{
    uint64_t h = (uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ULL;

    h ^= (uint64_t)(uintptr_t)b + 0x7F4A7C159E3779B9ULL + (h << 6) + (h >> 2);
    h ^= (uint64_t)status * 0xC2B2AE3D27D4EB4FULL;
    return h ^ (h >> 29);
}

void metrics_observe(struct metrics *m, const char *listener, const char *route, int status,
                     double latency_ms)
{
    uint64_t h = mix(listener, route, status);
    struct histogram *hg = strcmp(listener, "ad") == 0 ? &m->hist[1] : &m->hist[0];

    for (int probe = 0; probe < SERIES; probe++) {
        struct series *s = &m->series[(h + (uint64_t)probe) % SERIES];
        int st = atomic_load(&s->state);
        if (st == 0) {
            int expect = 0;
            if (atomic_compare_exchange_strong(&s->state, &expect, 1)) {
                s->listener = listener;
                s->route = route;
                s->status = status;
                atomic_store(&s->count, 1);
                atomic_store(&s->state, 2);
                goto hist;
            }
            st = atomic_load(&s->state);
        }
        while (st == 1)
            st = atomic_load(&s->state);
        if (s->listener == listener && s->route == route && s->status == status) {
            atomic_fetch_add(&s->count, 1);
            goto hist;
        }
    }
    atomic_fetch_add(&m->overflow, 1);
hist:
    for (size_t i = 0; i < NBUCKETS; i++)
        if (latency_ms <= bucket_ms[i])
            atomic_fetch_add(&hg->buckets[i], 1);
    atomic_fetch_add(&hg->count, 1);
    atomic_fetch_add(&hg->sum_us, (unsigned long long)(latency_ms * 1000.0));
}

int metrics_render(struct metrics *m, struct buf *out)
{
    int rc = 0;

    rc |= buf_puts(out, "# HELP adserverd_http_requests_total HTTP requests answered.\n"
                        "# TYPE adserverd_http_requests_total counter\n");
    for (int i = 0; i < SERIES; i++) {
        struct series *s = &m->series[i];
        if (atomic_load(&s->state) != 2)
            continue;
        rc |= buf_printf(out,
                         "adserverd_http_requests_total{listener=\"%s\",route=\"%s\","
                         "status=\"%d\"} %lu\n",
                         s->listener, s->route, s->status, atomic_load(&s->count));
    }
    rc |= buf_printf(out,
                     "# HELP adserverd_http_series_overflow_total Requests not counted by "
                     "route.\n# TYPE adserverd_http_series_overflow_total counter\n"
                     "adserverd_http_series_overflow_total %lu\n",
                     atomic_load(&m->overflow));
    rc |= buf_puts(out, "# HELP adserverd_http_request_duration_seconds Time from first byte "
                        "to response queued.\n"
                        "# TYPE adserverd_http_request_duration_seconds histogram\n");
    for (int l = 0; l < NLISTENERS; l++) {
        struct histogram *h = &m->hist[l];
        for (size_t i = 0; i < NBUCKETS; i++)
            rc |= buf_printf(out,
                             "adserverd_http_request_duration_seconds_bucket{listener=\"%s\","
                             "le=\"%g\"} %lu\n",
                             h->listener, bucket_ms[i] / 1000.0, atomic_load(&h->buckets[i]));
        rc |= buf_printf(out,
                         "adserverd_http_request_duration_seconds_bucket{listener=\"%s\","
                         "le=\"+Inf\"} %lu\n"
                         "adserverd_http_request_duration_seconds_sum{listener=\"%s\"} %.6f\n"
                         "adserverd_http_request_duration_seconds_count{listener=\"%s\"} %lu\n",
                         h->listener, atomic_load(&h->count), h->listener,
                         (double)atomic_load(&h->sum_us) / 1e6, h->listener,
                         atomic_load(&h->count));
    }
    return rc ? -1 : 0;
}
