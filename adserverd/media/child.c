/*
 * child: see child.h.
 *
 * fork() then, in the child, only async-signal-safe calls (setsid,
 * setpriority, setrlimit, open, dup2, close_range, execve): the daemon is
 * multi-threaded, so anything that may take a lock (malloc, stdio) is done
 * before the fork. An exec failure travels back as errno over a
 * close-on-exec pipe, so "ffprobe not installed" is a clear error rather
 * than an exit code 127 to guess at.
 */
#include "media/child.h"
#include "lib/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_DIRS "/usr/local/bin:/usr/bin:/bin"
#define CHILD_PATH "PATH=" CHILD_DIRS

struct child_slots {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int free;
    atomic_int cancel; /* child_slots_cancel() was called */
};

struct child_slots *child_slots_new(int max)
{
    struct child_slots *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return NULL;
    }
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    s->free = max < 1 ? 1 : max;
    atomic_init(&s->cancel, 0);
    return s;
}

void child_slots_cancel(struct child_slots *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->cancel, 1);
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static int cancelled(struct child_slots *s)
{
    return s != NULL && atomic_load(&s->cancel);
}

void child_slots_free(struct child_slots *s)
{
    if (s == NULL)
        return;
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void slot_take(struct child_slots *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    while (s->free == 0 && !atomic_load(&s->cancel))
        pthread_cond_wait(&s->cv, &s->mu);
    s->free--; /* may go negative once cancelled: nothing runs then */
    pthread_mutex_unlock(&s->mu);
}

static void slot_give(struct child_slots *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->free++;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int child_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    /* Transcoding is CPU-bound: on a small machine one job leaves the other
     * core to the listeners. */
    if (n <= 2)
        return 1;
    return (int)(n / 2);
}

/* argv[0] as an executable path: itself when it has a '/', else PATH's first match. */
static int resolve(const char *name, char *out, size_t n)
{
    const char *path = getenv("PATH");
    struct stat st;

    if (strchr(name, '/') != NULL) {
        if (snprintf(out, n, "%s", name) >= (int)n)
            return -1;
        return access(out, X_OK);
    }
    if (path == NULL || path[0] == '\0')
        path = CHILD_DIRS;
    while (*path != '\0') {
        const char *end = strchr(path, ':');
        size_t len = end != NULL ? (size_t)(end - path) : strlen(path);

        if (len > 0 && snprintf(out, n, "%.*s/%s", (int)len, path, name) < (int)n &&
            stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        path += len;
        if (*path == ':')
            path++;
    }
    return -1;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static rlim_t mb(long v)
{
    return (rlim_t)v * 1024 * 1024;
}

/* In the child after fork: async-signal-safe only. Never returns. */
static void child_exec(const char *exe, const char *const argv[], const struct child_limits *lim,
                       int in_fd, int out_w, int err_w, int status_w, pid_t parent)
{
    static const char *const envp[] = {CHILD_PATH, "LC_ALL=C", NULL};
    struct rlimit rl;
    int e, devnull;

    if (setsid() < 0)
        goto fail;
    /* the daemon killed outright (SIGKILL) takes its tools along */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        goto fail;
    if (lim->nice > 0 && setpriority(PRIO_PROCESS, 0, lim->nice) != 0)
        goto fail;
    if (lim->cpu_s > 0) {
        /* soft limit: SIGXCPU; the hard one a second later is SIGKILL */
        rl.rlim_cur = (rlim_t)lim->cpu_s;
        rl.rlim_max = (rlim_t)lim->cpu_s + 1;
        if (setrlimit(RLIMIT_CPU, &rl) != 0)
            goto fail;
    }
    if (lim->as_mb > 0) {
        rl.rlim_cur = rl.rlim_max = mb(lim->as_mb);
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            goto fail;
    }
    rl.rlim_cur = rl.rlim_max = mb(lim->fsize_mb);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        goto fail;
    devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
        goto fail;
    if (in_fd == CHILD_INPUT_FD) {
        if (fcntl(in_fd, F_SETFD, 0) != 0) /* dup2 onto itself keeps close-on-exec */
            goto fail;
    } else if (in_fd >= 0 && dup2(in_fd, CHILD_INPUT_FD) < 0) {
        goto fail;
    }
    /* Everything else the daemon holds (sockets, the spool) stays out;
     * status_w (>= 10, close-on-exec) is kept until execve. */
    if (close_range(in_fd >= 0 ? CHILD_INPUT_FD + 1 : CHILD_INPUT_FD, (unsigned)status_w - 1,
                    0) != 0 ||
        close_range((unsigned)status_w + 1, ~0u, 0) != 0)
        goto fail;
    execve(exe, (char *const *)argv, (char *const *)envp);
fail:
    e = errno;
    if (write(status_w, &e, sizeof(e)) < 0) {
        /* nothing left to tell */
    }
    _exit(127);
}

/* Keep the last CHILD_ERR_TAIL bytes of stderr. */
static void tail_append(char *tail, size_t *len, const char *data, size_t n)
{
    if (n >= CHILD_ERR_TAIL) {
        memcpy(tail, data + n - CHILD_ERR_TAIL, CHILD_ERR_TAIL);
        *len = CHILD_ERR_TAIL;
    } else {
        if (*len + n > CHILD_ERR_TAIL) {
            size_t drop = *len + n - CHILD_ERR_TAIL;
            memmove(tail, tail + drop, *len - drop);
            *len -= drop;
        }
        memcpy(tail + *len, data, n);
        *len += n;
    }
    tail[*len] = '\0';
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        (void)close(*fd); /* pipe ends: nothing buffered to lose */
    *fd = -1;
}

int child_run(struct child_slots *slots, const char *const argv[], const struct child_limits *lim,
              int in_fd, struct buf *out, struct child_result *res, char *err, size_t errlen)
{
    char exe[4096];
    char chunk[8192];
    char tail[CHILD_ERR_TAIL + 1] = "";
    size_t tail_len = 0;
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, stp[2] = {-1, -1};
    int exec_errno = 0, status = 0, killed = 0;
    int timed_out = 0, overflowed = 0, res_cancelled = 0;
    int64_t deadline;
    pid_t pid, parent;
    ssize_t n;
    int rc = -1;

    if (argv == NULL || argv[0] == NULL || lim == NULL || lim->timeout_ms <= 0) {
        snprintf(err, errlen, "bad child arguments");
        return -1;
    }
    if (resolve(argv[0], exe, sizeof(exe)) != 0) {
        snprintf(err, errlen, "%s: not found or not executable", argv[0]);
        return -1;
    }
    if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
        pipe2(stp, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        close_fd(&outp[0]), close_fd(&outp[1]), close_fd(&errp[0]), close_fd(&errp[1]);
        close_fd(&stp[0]), close_fd(&stp[1]);
        return -1;
    }
    /* Above the descriptors the child rearranges (0..3). */
    {
        int hi = fcntl(stp[1], F_DUPFD_CLOEXEC, 10);
        if (hi < 0) {
            snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
            close_fd(&outp[0]), close_fd(&outp[1]), close_fd(&errp[0]), close_fd(&errp[1]);
            close_fd(&stp[0]), close_fd(&stp[1]);
            return -1;
        }
        close_fd(&stp[1]);
        stp[1] = hi;
    }
    slot_take(slots);
    if (cancelled(slots)) {
        snprintf(err, errlen, "stopping: %s not started", argv[0]);
        goto cleanup;
    }
    parent = getpid();
    pid = fork();
    if (pid == 0)
        child_exec(exe, argv, lim, in_fd, outp[1], errp[1], stp[1], parent);
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork: %s", strerror(errno));
        goto cleanup;
    }
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&stp[1]);
    /* The child writes errno here only when it could not exec; EOF means execve ran. */
    n = read(stp[0], &exec_errno, sizeof(exec_errno));
    close_fd(&stp[0]);
    if (n == (ssize_t)sizeof(exec_errno)) {
        (void)waitpid(pid, &status, 0);
        snprintf(err, errlen, "cannot run %s: %s", exe, strerror(exec_errno));
        goto cleanup;
    }

    deadline = now_ms() + lim->timeout_ms;
    while (outp[0] >= 0 || errp[0] >= 0) {
        struct pollfd pf[2];
        int64_t left = deadline - now_ms();
        int np = 0, pr;

        if (left <= 0) {
            timed_out = 1;
            break;
        }
        if (cancelled(slots)) {
            res_cancelled = 1;
            break;
        }
        if (outp[0] >= 0)
            pf[np++] = (struct pollfd){.fd = outp[0], .events = POLLIN};
        if (errp[0] >= 0)
            pf[np++] = (struct pollfd){.fd = errp[0], .events = POLLIN};
        pr = poll(pf, (nfds_t)np, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            break; /* cannot watch it: kill it below */
        for (int i = 0; i < np; i++) {
            int *fd = pf[i].fd == outp[0] ? &outp[0] : &errp[0];

            if (pf[i].revents == 0)
                continue;
            n = read(*fd, chunk, sizeof(chunk));
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                close_fd(fd);
                continue;
            }
            if (fd == &errp[0]) {
                tail_append(tail, &tail_len, chunk, (size_t)n);
            } else if (out != NULL && buf_append(out, chunk, (size_t)n) != 0) {
                overflowed = 1;
            }
        }
        if (overflowed)
            break;
    }
    if (outp[0] >= 0 || errp[0] >= 0) {
        /* timed out, overflowed or unwatchable: end the whole group */
        (void)kill(-pid, SIGKILL);
        killed = 1;
    }
    /* Both pipes are at EOF: the child is exiting. Wait for it within
     * what is left of the deadline (a child that closed its output but
     * keeps running is killed too). */
    for (;;) {
        pid_t w = waitpid(pid, &status, killed ? 0 : WNOHANG);

        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(err, errlen, "cannot wait for %s: %s", exe, strerror(errno));
            goto cleanup;
        }
        if (!killed && now_ms() >= deadline) {
            timed_out = 1;
            (void)kill(-pid, SIGKILL);
            killed = 1;
            continue;
        }
        if (!killed) {
            struct timespec ts = {0, 10 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    /* A grandchild may still hold the group: it goes too. */
    (void)kill(-pid, SIGKILL);
    memset(res, 0, sizeof(*res));
    res->timed_out = timed_out;
    res->overflowed = overflowed;
    res->cancelled = res_cancelled;
    if (WIFEXITED(status)) {
        res->exited = 1;
        res->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->signal = WTERMSIG(status);
    }
    memcpy(res->err_tail, tail, tail_len + 1);
    rc = 0;
cleanup:
    slot_give(slots);
    close_fd(&outp[0]), close_fd(&outp[1]), close_fd(&errp[0]), close_fd(&errp[1]);
    close_fd(&stp[0]), close_fd(&stp[1]);
    return rc;
}

void child_describe(const struct child_result *res, const struct child_limits *lim, char *out,
                    size_t n)
{
    if (res->cancelled) {
        snprintf(out, n, "stopped: the daemon is shutting down");
    } else if (res->timed_out) {
        snprintf(out, n, "timed out after %ld s", (lim->timeout_ms + 999) / 1000);
    } else if (res->overflowed) {
        snprintf(out, n, "output too large");
    } else if (res->signal == SIGXCPU) {
        snprintf(out, n, "killed: CPU time limit of %ld s", lim->cpu_s);
    } else if (res->signal == SIGXFSZ) {
        snprintf(out, n, "killed: output file size limit of %ld MiB", lim->fsize_mb);
    } else if (res->signal != 0) {
        snprintf(out, n, "killed by signal %d (%s)", res->signal, strsignal(res->signal));
    } else {
        snprintf(out, n, "exit code %d", res->exit_code);
    }
}
