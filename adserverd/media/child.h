/*
 * child: runs the media tools (ffprobe, ffmpeg) as child processes, never
 * linked into adserverd, fenced so a hostile upload cannot hurt the daemon.
 *
 * Why a child and not a library: a decoder bug on an uploaded file then
 * crashes or hangs a throw-away process, not the ad server; the kernel
 * enforces the limits below, and serving keeps its CPU.
 *
 * Each child runs:
 *   - in a new session (its own process group), so a timeout kills the
 *     whole group with one kill(2) and no grandchild outlives it, and with
 *     PR_SET_PDEATHSIG so a daemon killed outright takes it along;
 *   - with RLIMIT_CPU (seconds of CPU), RLIMIT_AS (address space) and
 *     RLIMIT_FSIZE (largest file it may write) from struct child_limits,
 *     and at a niceness, so HTTP workers win the CPU;
 *   - with stdin from /dev/null, a fixed small environment (PATH, LC_ALL=C)
 *     and every descriptor of the daemon closed but the input file, which
 *     the child sees as descriptor 3 (so "file:/dev/fd/3" reads it, also
 *     when it is an unlinked temporary copy, and no daemon path leaks into
 *     the tool's messages);
 *   - under a wall-clock timeout counted by the parent.
 * stdout is captured up to a caller's cap (ffprobe's JSON); past it the
 * child is killed and the run reported as overflowed. The last
 * CHILD_ERR_TAIL bytes of stderr are kept: ffmpeg prints the reason a
 * person can act on last.
 *
 * Concurrency: a struct child_slots is a counting semaphore shared by
 * every caller of one daemon; child_run() waits for a free slot, so at
 * most `max` tools run at once whatever the number of worker threads.
 *
 * Thread-safe; child_run() blocks its caller (a background thread, never
 * an HTTP worker) for the child's life. Expected load: a few children per
 * uploaded creative, uploads a few per minute.
 */
#ifndef MEDIA_CHILD_H
#define MEDIA_CHILD_H

#include <stddef.h>

struct buf;

/* Bytes of stderr kept, the end of it. */
#define CHILD_ERR_TAIL 2048

struct child_limits {
    long cpu_s;       /* RLIMIT_CPU seconds; 0 = unlimited */
    long as_mb;       /* RLIMIT_AS MiB; 0 = unlimited */
    long fsize_mb;    /* RLIMIT_FSIZE MiB; 0 = the child may write no file */
    int nice;         /* added niceness, 0..19 */
    long timeout_ms;  /* wall clock; > 0 */
};

struct child_result {
    int exited;        /* 1: exit_code is valid */
    int exit_code;
    int signal;        /* the signal that ended it (0 when it exited) */
    int timed_out;     /* killed by the wall-clock timeout */
    int overflowed;    /* killed because stdout passed its cap */
    int cancelled;     /* killed by child_slots_cancel() (shutdown) */
    char err_tail[CHILD_ERR_TAIL + 1]; /* last bytes of stderr, NUL-terminated */
};

struct child_slots;

/* A semaphore of max (>= 1) slots. Free with child_slots_free (NULL ok). */
struct child_slots *child_slots_new(int max);
void child_slots_free(struct child_slots *s);

/* Shutdown: every run under s ends now (its group killed, res->cancelled)
 * and no new one starts. Safe from any thread; s may be NULL. */
void child_slots_cancel(struct child_slots *s);

/* The descriptor number the input file has in the child. */
#define CHILD_INPUT_FD 3

/*
 * Run argv[0] (an absolute path, or a name looked up in PATH) with argv,
 * within lim. in_fd (-1: none) is given to the child as CHILD_INPUT_FD; it
 * stays open in the caller. slots may be NULL (no bound). out (may be NULL: stdout is
 * dropped) receives stdout; its own max is the cap. Returns 0 when the
 * child ran (see *res for how it ended, whatever it was), -1 when it could
 * not be started (err says why; *res untouched).
 */
int child_run(struct child_slots *slots, const char *const argv[], const struct child_limits *lim,
              int in_fd, struct buf *out, struct child_result *res, char *err, size_t errlen);

/* A short description of how the run ended, for a failure reason:
 * "timed out after 30 s", "killed by signal 24 (CPU time limit)", "exit
 * code 1". Written to out (always NUL-terminated). */
void child_describe(const struct child_result *res, const struct child_limits *lim, char *out,
                    size_t n);

/* Default number of slots for this machine: 1 up to 2 cores, else half. */
int child_default_jobs(void);

#endif
