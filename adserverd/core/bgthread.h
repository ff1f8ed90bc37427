/*
 * bgthread: the one owner of adserverd's background threads (the catalog
 * builder, the spend refresher, the spool's sync threads and drain, the
 * beacon counter thread, the creative worker, and any ticker).
 *
 * Every such thread has the same life: started once at boot with a name,
 * woken when there is work, asked to stop at shutdown and joined. Writing
 * that by hand in each module is how shutdown races and lost wake-ups creep
 * in, so it lives here once. A module keeps its own state and its own
 * locks; it only hands its loop to bgthread_start() and, inside the loop,
 * sleeps through bgthread_wait().
 *
 * Wake-ups are counted on an eventfd, so a bgthread_wake() that arrives
 * while the thread is busy is not lost: the next bgthread_wait() returns at
 * once. Threads that must also wait on other descriptors (the catalog waits
 * on PostgreSQL's socket) poll bgthread_fd() beside their own and call
 * bgthread_drain() when it is readable.
 *
 * A group started with n > 1 threads shares one wake-up counter: a wake
 * reaches whichever thread waits first; bgthread_stop wakes them all.
 */
#ifndef CORE_BGTHREAD_H
#define CORE_BGTHREAD_H

#include <stdbool.h>
#include <stddef.h>

struct bgthread;

/* The loop of a background thread: runs until it returns. It should return
 * once bgthread_wait() returned false (stop asked). */
typedef void bgthread_main_fn(struct bgthread *t, void *arg);

/*
 * Start n threads (1..16) named `name` (at most 15 characters are shown by
 * ps and perf), each running main(t, arg). On failure returns NULL, writes
 * a reason to err and no thread runs. The caller owns the result and ends
 * it with bgthread_stop().
 */
struct bgthread *bgthread_start(const char *name, int n, bgthread_main_fn *main, void *arg,
                                char *err, size_t errlen);

/* Ask for a pass of the loop: the next (or current) bgthread_wait() returns
 * true at once. Safe from any thread, also from a signal-free hot path: one
 * write(2) on an eventfd, no lock. */
void bgthread_wake(struct bgthread *t);

/*
 * Sleep until woken, timeout_ms passed (< 0: no timeout) or stop was asked.
 * Returns false when the thread should stop, true otherwise (woken or timed
 * out: the loop re-checks its own state either way).
 */
bool bgthread_wait(struct bgthread *t, int timeout_ms);

/* True once bgthread_stop() has been called. */
bool bgthread_stopping(const struct bgthread *t);

/* The eventfd that becomes readable on a wake or a stop, for loops that
 * poll other descriptors too; call bgthread_drain() when it is readable. */
int bgthread_fd(const struct bgthread *t);
void bgthread_drain(struct bgthread *t);

/* Ask every thread of the group to stop, wake them, join them and free t.
 * NULL is a no-op. Must not be called from one of t's own threads. */
void bgthread_stop(struct bgthread *t);

#endif
