/*
 * progress: the upload progress bar of ctvctl (curl's tool_cb_prg idea).
 *
 * Drawn on stderr only when stderr is a TTY and --no-progress is not given,
 * at most 10 times a second (and once at 100 %), fitted to the terminal
 * width, as
 *   [#########.........]  45%  12.3 MiB / 27.0 MiB  4.1 MiB/s  ETA 0:04
 * The formatting functions are pure and unit-tested.
 */
#ifndef CTVCTL_PROGRESS_H
#define CTVCTL_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_INTERVAL_MS 100 /* 10 Hz */

struct progress {
    FILE *out;        /* where to draw (stderr); NULL: draw nothing */
    int width;        /* terminal columns */
    int64_t start_ms; /* monotonic time of the first call */
    int64_t last_ms;  /* last draw, -1 before the first */
    int drawn;        /* something is on the line (needs a final newline) */
    int done;         /* the 100 % line was drawn */
    unsigned draws;   /* how many times it drew (tests read it from --debug output) */
};

/* Start a bar on out (NULL: off) for a terminal of width columns. */
void progress_init(struct progress *p, FILE *out, int width);
/* An apiclient_progress_fn: draws when due. Always returns 0 (continue). */
int progress_update(void *ctx, uint64_t sent, uint64_t total);
/* Finish the line (newline) if anything was drawn. */
void progress_finish(struct progress *p);

/* ---- Pure helpers ------------------------------------------------------- */

/* "0 B", "999 B", "1.0 KiB", "12.3 MiB", "1.50 GiB" into out. */
void progress_bytes(uint64_t n, char *out, size_t len);
/* "0:04", "1:02:03"; "--:--" for an unknown (negative) time. */
void progress_eta(double seconds, char *out, size_t len);
/*
 * The whole line (no '\r'), at most width columns: bar, percent, bytes,
 * rate and ETA; parts are dropped from the right when the width is small,
 * the bar first shrinks. total 0 means unknown (no bar, no percent, no ETA).
 */
void progress_format(uint64_t sent, uint64_t total, double elapsed_s, int width, char *out,
                     size_t len);
/* Whether to draw now: first call, PROGRESS_INTERVAL_MS since the last, or finished. */
int progress_due(int64_t last_ms, int64_t now_ms, uint64_t sent, uint64_t total);

#endif
