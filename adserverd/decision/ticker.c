/*
 * ticker: see ticker.h. The loop takes a reference to the published
 * snapshot, evaluates it and releases it: a snapshot replaced meanwhile is
 * still evaluated safely (its state is only read by requests that hold it).
 * The period is measured from the start of one pass to the next, so the
 * staleness bound is the period, not period plus pass.
 */
#include "decision/ticker.h"
#include "core/app.h"
#include "core/bgthread.h"
#include "core/config.h"
#include "decision/tick.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <stdlib.h>

struct ticker {
    struct app *app;
    struct bgthread *thread;
    int period_ms;
};

static void tick_once(struct ticker *t)
{
    struct snapshot *s = snapshot_acquire(t->app->snapshots);
    struct pacing_params pp = pacing_params_default();

    if (s == NULL)
        return;
    if (tick_evaluate(s, t->app->spend_src, &pp, clock_wall_ms()) != 0)
        log_error("decision tick failed: pacing parameters out of range");
    snapshot_release(s);
}

static void ticker_main(struct bgthread *bt, void *arg)
{
    struct ticker *t = arg;
    int64_t next = clock_mono_ms();

    log_set_request(NULL);
    for (;;) {
        int64_t now = clock_mono_ms();
        int wait = next > now ? (int)(next - now) : 0;
        if (!bgthread_wait(bt, wait))
            break;
        now = clock_mono_ms();
        next = now + t->period_ms;
        tick_once(t);
    }
}

struct ticker *ticker_start(struct app *app, char *err, size_t errlen)
{
    struct ticker *t = xcalloc(1, sizeof(*t));

    t->app = app;
    t->period_ms = app->cfg->decision_tick_ms;
    if (t->period_ms < TICKER_PERIOD_MS_MIN || t->period_ms > TICKER_PERIOD_MS_MAX)
        t->period_ms = TICKER_PERIOD_MS_DEFAULT;
    t->thread = bgthread_start("adsd-ticker", 1, ticker_main, t, err, errlen);
    if (t->thread == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

void ticker_kick(struct ticker *t)
{
    if (t != NULL)
        bgthread_wake(t->thread);
}

void ticker_stop(struct ticker *t)
{
    if (t == NULL)
        return;
    bgthread_stop(t->thread);
    free(t);
}
