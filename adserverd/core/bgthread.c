/*
 * bgthread: see bgthread.h. The stop flag is an atomic read on every pass;
 * the eventfd is written on stop too, and never drained once stopping, so
 * every thread of a group sees it readable and leaves its wait.
 */
#include "core/bgthread.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xalloc.h"

#define BGTHREAD_MAX 16

struct bgthread {
    char name[16];
    int fd;
    atomic_int stop;
    bgthread_main_fn *main;
    void *arg;
    int n;
    pthread_t threads[BGTHREAD_MAX];
};

static void *trampoline(void *p)
{
    struct bgthread *t = p;

    t->main(t, t->arg);
    return NULL;
}

static void stop_and_join(struct bgthread *t, int started)
{
    atomic_store(&t->stop, 1);
    bgthread_wake(t);
    for (int i = 0; i < started; i++)
        pthread_join(t->threads[i], NULL);
}

struct bgthread *bgthread_start(const char *name, int n, bgthread_main_fn *main, void *arg,
                                char *err, size_t errlen)
{
    struct bgthread *t;
    int started = 0, rc = 0;

    if (name == NULL || main == NULL || n < 1 || n > BGTHREAD_MAX) {
        snprintf(err, errlen, "bgthread: bad arguments");
        return NULL;
    }
    t = xcalloc(1, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->main = main;
    t->arg = arg;
    t->n = n;
    atomic_init(&t->stop, 0);
    t->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (t->fd < 0) {
        snprintf(err, errlen, "%s: eventfd: %s", t->name, strerror(errno));
        goto fail;
    }
    for (started = 0; started < n; started++) {
        rc = pthread_create(&t->threads[started], NULL, trampoline, t);
        if (rc != 0) {
            snprintf(err, errlen, "%s: pthread_create: %s", t->name, strerror(rc));
            goto fail;
        }
        /* The name is cosmetic (ps, perf, gdb): a failure changes nothing. */
        (void)pthread_setname_np(t->threads[started], t->name);
    }
    return t;

fail:
    if (t->fd >= 0) {
        stop_and_join(t, started);
        if (close(t->fd) != 0)
            log_warn("bgthread: cannot close its eventfd", "thread", t->name, "error",
                     strerror(errno));
    }
    free(t);
    return NULL;
}

void bgthread_wake(struct bgthread *t)
{
    uint64_t one = 1;

    /* EAGAIN means the counter is already non-zero: the wake is pending. */
    if (write(t->fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_warn("bgthread: cannot write its eventfd", "thread", t->name, "error",
                 strerror(errno));
}

bool bgthread_stopping(const struct bgthread *t)
{
    return atomic_load(&((struct bgthread *)t)->stop) != 0;
}

int bgthread_fd(const struct bgthread *t)
{
    return t->fd;
}

void bgthread_drain(struct bgthread *t)
{
    uint64_t v;

    if (bgthread_stopping(t))
        return; /* leave it readable so every thread of the group sees it */
    if (read(t->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        log_warn("bgthread: cannot read its eventfd", "thread", t->name, "error",
                 strerror(errno));
}

bool bgthread_wait(struct bgthread *t, int timeout_ms)
{
    struct pollfd p = {.fd = t->fd, .events = POLLIN};
    int rc;

    if (bgthread_stopping(t))
        return false;
    rc = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);
    if (rc < 0 && errno != EINTR)
        log_warn("bgthread: poll failed", "thread", t->name, "error", strerror(errno));
    if (rc > 0)
        bgthread_drain(t);
    return !bgthread_stopping(t);
}

void bgthread_stop(struct bgthread *t)
{
    if (t == NULL)
        return;
    stop_and_join(t, t->n);
    if (close(t->fd) != 0)
        log_warn("bgthread: cannot close its eventfd", "thread", t->name, "error",
                 strerror(errno));
    free(t);
}
