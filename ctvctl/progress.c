/*
 * progress: see progress.h. The line is redrawn with '\r' and padded to its
 * previous length so a shorter line leaves no residue.
 */
#include "progress.h"
#include "lib/clock.h"

#include <stdio.h>
#include <string.h>

void progress_bytes(uint64_t n, char *out, size_t len)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = -1;

    if (n < 1024) {
        snprintf(out, len, "%llu B", (unsigned long long)n);
        return;
    }
    while (v >= 1024.0 && u < 3) {
        v /= 1024.0;
        u++;
    }
    snprintf(out, len, v < 10.0 && u >= 2 ? "%.2f %s" : "%.1f %s", v, units[u]);
}

void progress_eta(double seconds, char *out, size_t len)
{
    unsigned long s;

    if (seconds < 0 || seconds > 359999.0) {
        snprintf(out, len, "--:--");
        return;
    }
    s = (unsigned long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, len, "%lu:%02lu", s / 60, s % 60);
}

void progress_format(uint64_t sent, uint64_t total, double elapsed_s, int width, char *out,
                     size_t len)
{
    char done[32], all[32], rate[32], eta[16], tail[192], bar[256];
    double bps = elapsed_s > 0 ? (double)sent / elapsed_s : 0;
    int pct = 0, barw, fill, i;

    progress_bytes(sent, done, sizeof(done));
    progress_bytes((uint64_t)bps, rate, sizeof(rate));
    if (total > 0) {
        if (sent > total)
            sent = total;
        pct = (int)((double)sent * 100.0 / (double)total);
        progress_bytes(total, all, sizeof(all));
        progress_eta(bps > 0 ? (double)(total - sent) / bps : -1, eta, sizeof(eta));
        snprintf(tail, sizeof(tail), " %3d%%  %s / %s  %s/s  ETA %s", pct, done, all, rate, eta);
    } else {
        snprintf(tail, sizeof(tail), " %s  %s/s", done, rate);
    }
    /* the bar takes what the tail leaves, between 10 and 40 columns, or goes */
    barw = width - (int)strlen(tail) - 2;
    if (barw > 40)
        barw = 40;
    if (total == 0 || barw < 10) {
        snprintf(out, len, "%.*s", width > 0 ? width : 0, tail[0] == ' ' ? tail + 1 : tail);
        return;
    }
    fill = (int)((double)barw * pct / 100.0);
    bar[0] = '[';
    for (i = 0; i < barw; i++)
        bar[1 + i] = i < fill ? '#' : '.';
    bar[1 + barw] = ']';
    bar[2 + barw] = '\0';
    snprintf(out, len, "%s%s", bar, tail);
}

int progress_due(int64_t last_ms, int64_t now_ms, uint64_t sent, uint64_t total)
{
    if (last_ms < 0)
        return 1;
    if (total > 0 && sent >= total)
        return 1;
    return now_ms - last_ms >= PROGRESS_INTERVAL_MS;
}

void progress_init(struct progress *p, FILE *out, int width)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->width = width > 1 ? width - 1 : 79; /* the last column would wrap on some terminals */
    p->start_ms = clock_mono_ms();
    p->last_ms = -1;
}

int progress_update(void *ctx, uint64_t sent, uint64_t total)
{
    struct progress *p = ctx;
    int64_t now = clock_mono_ms();
    char line[512];

    if (p->out == NULL || p->done || (sent == 0 && total == 0))
        return 0;
    if (!progress_due(p->last_ms, now, sent, total))
        return 0;
    progress_format(sent, total, (double)(now - p->start_ms) / 1000.0, p->width, line,
                    sizeof(line));
    fprintf(p->out, "\r%-*s", p->width, line);
    fflush(p->out);
    p->last_ms = now;
    p->drawn = 1;
    p->draws++;
    if (total > 0 && sent >= total)
        p->done = 1;
    return 0;
}

void progress_finish(struct progress *p)
{
    if (p->out != NULL && p->drawn) {
        fputc('\n', p->out);
        fflush(p->out);
    }
    p->drawn = 0;
}
