/*
 * Unit tests for adserverd/media/child: real child processes (/bin/sh and
 * coreutils) show that each fence is applied: the limits and niceness the
 * child sees, stdin from /dev/null, only the input descriptor inherited, a
 * session of its own, the timeout killing the whole group, stdout capped,
 * stderr's tail kept, CPU and file-size limits enforced, slots bounding
 * concurrency.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "media/child.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct child_limits plain = {60, 1024, 0, 0, 10000};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *script, const struct child_limits *lim, int in_fd, struct buf *out,
              struct child_result *res)
{
    const char *const argv[] = {"sh", "-c", script, NULL};
    char err[256] = "";
    int rc = child_run(NULL, argv, lim, in_fd, out, res, err, sizeof(err));

    if (rc != 0)
        print_error("child_run: %s\n", err);
    return rc;
}

static void test_child_run_exit_code_stdout_and_stderr_tail(void **state)
{
    struct child_result res;
    struct buf out;
    char how[128];

    (void)state;
    buf_init(&out, 4096);
    assert_int_equal(sh("echo out; echo first >&2; echo last >&2; exit 3", &plain, -1, &out, &res),
                     0);
    assert_true(res.exited);
    assert_int_equal(res.exit_code, 3);
    assert_false(res.timed_out);
    assert_string_equal(out.data, "out\n");
    assert_string_equal(res.err_tail, "first\nlast\n");
    child_describe(&res, &plain, how, sizeof(how));
    assert_string_equal(how, "exit code 3");
    buf_release(&out);
}

static void test_child_run_stderr_keeps_the_end(void **state)
{
    struct child_result res;

    (void)state;
    /* 10,000 bytes of x, then the reason a person needs */
    assert_int_equal(sh("head -c 10000 /dev/zero | tr '\\0' x >&2; echo ' the reason' >&2",
                        &plain, -1, NULL, &res),
                     0);
    assert_int_equal(strlen(res.err_tail), CHILD_ERR_TAIL);
    assert_non_null(strstr(res.err_tail, "xxx the reason\n"));
}

/* What the child sees: limits, niceness, stdin, descriptors, session. */
static void test_child_run_fences_are_applied(void **state)
{
    struct child_limits lim = {7, 512, 2, 5, 10000};
    struct child_result res;
    struct buf out;
    char expect[512];

    (void)state;
    buf_init(&out, 8192);
    assert_int_equal(
        sh("ulimit -t; ulimit -v; nice; readlink /proc/self/fd/0; "
           "ls /proc/$$/fd | tr '\\n' ' '; echo; "
           "echo \"$(cut -d' ' -f6 /proc/$$/stat) $$\"; echo \"$PATH\"",
           &lim, -1, &out, &res),
        0);
    assert_true(res.exited);
    assert_int_equal(res.exit_code, 0);
    /* the session id (field 6) is the shell's own pid: a new session */
    {
        char *line = strrchr(out.data, '\n');
        char *prev;
        long sid, pid;

        *line = '\0';
        line = strrchr(out.data, '\n'); /* before PATH */
        *line = '\0';
        prev = strrchr(out.data, '\n');
        assert_int_equal(sscanf(prev + 1, "%ld %ld", &sid, &pid), 2);
        assert_int_equal(sid, pid);
        *prev = '\0';
    }
    snprintf(expect, sizeof(expect), "7\n%d\n5\n/dev/null\n0 1 2 ", 512 * 1024);
    assert_string_equal(out.data, expect);
    buf_release(&out);
}

static void test_child_run_input_fd_is_descriptor_3(void **state)
{
    char path[] = "/tmp/test_child_XXXXXX";
    int fd = mkstemp(path);
    struct child_result res;
    struct buf out;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(unlink(path), 0); /* unlinked, like an S3 copy */
    assert_int_equal(write(fd, "creative bytes", 14), 14);
    buf_init(&out, 4096);
    assert_int_equal(sh("cat /dev/fd/3; ls /proc/$$/fd | tr '\\n' ' '", &plain, fd, &out, &res),
                     0);
    assert_string_equal(out.data, "creative bytes0 1 2 3 ");
    assert_int_equal(close(fd), 0);
    buf_release(&out);
}

static int process_gone(long pid)
{
    char path[64], buf[256];
    FILE *f;
    char *p;
    int gone;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 1;
    gone = fgets(buf, sizeof(buf), f) == NULL;
    fclose(f);
    if (gone)
        return 1;
    p = strrchr(buf, ')'); /* state follows the command name */
    return p != NULL && (p[2] == 'Z' || p[2] == 'X');
}

static void test_child_run_timeout_kills_the_group(void **state)
{
    struct child_limits lim = {60, 1024, 0, 0, 400};
    struct child_result res;
    struct buf out;
    double t0 = now_s();
    long grandchild = 0;
    char how[128];

    (void)state;
    buf_init(&out, 4096);
    assert_int_equal(sh("sleep 30 & echo $!; sleep 30", &lim, -1, &out, &res), 0);
    assert_true(now_s() - t0 < 5.0);
    assert_true(res.timed_out);
    assert_false(res.exited);
    assert_int_equal(res.signal, SIGKILL);
    assert_int_equal(sscanf(out.data, "%ld", &grandchild), 1);
    for (int i = 0; i < 100 && !process_gone(grandchild); i++)
        usleep(10000);
    assert_true(process_gone(grandchild));
    child_describe(&res, &lim, how, sizeof(how));
    assert_string_equal(how, "timed out after 1 s");
    buf_release(&out);
}

static void test_child_run_stdout_cap_kills(void **state)
{
    struct child_result res;
    struct buf out;

    (void)state;
    buf_init(&out, 65536);
    assert_int_equal(sh("exec yes", &plain, -1, &out, &res), 0);
    assert_true(res.overflowed);
    assert_true(out.len <= 65536);
    assert_int_equal(res.signal, SIGKILL);
    buf_release(&out);
}

static void test_child_run_cpu_limit(void **state)
{
    struct child_limits lim = {1, 1024, 0, 0, 20000};
    struct child_result res;
    double t0 = now_s();
    char how[128];

    (void)state;
    assert_int_equal(sh("while :; do :; done", &lim, -1, NULL, &res), 0);
    assert_false(res.timed_out);
    assert_true(res.signal == SIGXCPU || res.signal == SIGKILL);
    assert_true(now_s() - t0 < 15.0);
    child_describe(&res, &lim, how, sizeof(how));
    if (res.signal == SIGXCPU)
        assert_string_equal(how, "killed: CPU time limit of 1 s");
}

static void test_child_run_file_size_limit(void **state)
{
    struct child_limits lim = {60, 1024, 1, 0, 10000};
    char dir[] = "/tmp/test_child_dir_XXXXXX";
    char script[400], file[300];
    struct child_result res;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/out", dir);
    snprintf(script, sizeof(script), "exec head -c 3000000 /dev/zero > %s", file);
    assert_int_equal(sh(script, &lim, -1, NULL, &res), 0);
    assert_int_equal(res.signal, SIGXFSZ);
    assert_int_equal(unlink(file), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_child_run_missing_program_is_an_error(void **state)
{
    const char *const argv[] = {"/nonexistent/ffprobe", NULL};
    const char *const argv2[] = {"no-such-tool-anywhere", NULL};
    struct child_result res;
    char err[256];

    (void)state;
    assert_int_equal(child_run(NULL, argv, &plain, -1, NULL, &res, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not found"));
    assert_int_equal(child_run(NULL, argv2, &plain, -1, NULL, &res, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no-such-tool-anywhere"));
}

struct racer {
    struct child_slots *slots;
    int rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    const char *const argv[] = {"sleep", "0.3", NULL};
    struct child_result res;
    char err[256];

    r->rc = child_run(r->slots, argv, &plain, -1, NULL, &res, err, sizeof(err));
    if (r->rc == 0 && (!res.exited || res.exit_code != 0))
        r->rc = -1;
    return NULL;
}

/* One slot: two 0.3 s children cannot overlap, so together take >= 0.6 s. */
static void test_child_run_slots_bound_concurrency(void **state)
{
    struct racer r[2];
    pthread_t t[2];
    double t0;

    (void)state;
    r[0].slots = r[1].slots = child_slots_new(1);
    assert_non_null(r[0].slots);
    t0 = now_s();
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_true(now_s() - t0 >= 0.59);
    assert_int_equal(r[0].rc, 0);
    assert_int_equal(r[1].rc, 0);
    child_slots_free(r[0].slots);
    child_slots_free(NULL);
}

struct sleeper {
    struct child_slots *slots;
    struct child_result res;
    int rc;
};

static void *sleep_long(void *arg)
{
    struct sleeper *z = arg;
    const char *const argv[] = {"sleep", "30", NULL};
    char err[256];

    z->rc = child_run(z->slots, argv, &plain, -1, NULL, &z->res, err, sizeof(err));
    return NULL;
}

/* Shutdown: a running child is killed at once, a new one never starts. */
static void test_child_slots_cancel_ends_runs(void **state)
{
    struct sleeper z;
    const char *const argv[] = {"true", NULL};
    struct child_result res;
    char err[256], how[128];
    pthread_t t;
    double t0;

    (void)state;
    memset(&z, 0, sizeof(z));
    z.slots = child_slots_new(1);
    assert_non_null(z.slots);
    t0 = now_s();
    assert_int_equal(pthread_create(&t, NULL, sleep_long, &z), 0);
    usleep(300000);
    child_slots_cancel(z.slots);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(now_s() - t0 < 5.0);
    assert_int_equal(z.rc, 0);
    assert_true(z.res.cancelled);
    assert_int_equal(z.res.signal, SIGKILL);
    child_describe(&z.res, &plain, how, sizeof(how));
    assert_string_equal(how, "stopped: the daemon is shutting down");
    assert_int_equal(child_run(z.slots, argv, &plain, -1, NULL, &res, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not started"));
    child_slots_free(z.slots);
}

static void test_child_default_jobs_small_machine(void **state)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    (void)state;
    if (n <= 2)
        assert_int_equal(child_default_jobs(), 1);
    else
        assert_int_equal(child_default_jobs(), (int)(n / 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_child_run_exit_code_stdout_and_stderr_tail),
        cmocka_unit_test(test_child_run_stderr_keeps_the_end),
        cmocka_unit_test(test_child_run_fences_are_applied),
        cmocka_unit_test(test_child_run_input_fd_is_descriptor_3),
        cmocka_unit_test(test_child_run_timeout_kills_the_group),
        cmocka_unit_test(test_child_run_stdout_cap_kills),
        cmocka_unit_test(test_child_run_cpu_limit),
        cmocka_unit_test(test_child_run_file_size_limit),
        cmocka_unit_test(test_child_run_missing_program_is_an_error),
        cmocka_unit_test(test_child_run_slots_bound_concurrency),
        cmocka_unit_test(test_child_slots_cancel_ends_runs),
        cmocka_unit_test(test_child_default_jobs_small_machine),
    };
    return cmocka_run_group_tests_name("child", tests, NULL, NULL);
}
