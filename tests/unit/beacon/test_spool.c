/*
 * Unit tests for adserverd/spool: CRC-32C, append and read back in order,
 * recovery that cuts a torn tail or a corrupt record (and never returns
 * it), rotation and release (segments deleted only when released), the
 * size bound (SPOOL_FULL, nothing lost), group commit (a waiter is
 * woken once its record is synced; always-policy appends are synced at
 * once) and interval mode (acknowledged once written, before any sync;
 * synced by its own thread every interval). Real files in a temporary
 * directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "beacon/spool.h"

struct fx {
    char dir[64];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_spool.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *de;
    char p[512];

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int count_segments(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    while ((de = readdir(d)) != NULL)
        n += strncmp(de->d_name, "seg-", 4) == 0;
    closedir(d);
    return n;
}

static struct spool *open_spool(const char *dir, int64_t max, int64_t seg, int sync_ms)
{
    struct spool_opts o = {max, seg, sync_ms};
    char err[256];
    struct spool *sp = spool_open(dir, &o, err, sizeof(err));
    if (sp == NULL)
        fail_msg("spool_open: %s", err);
    return sp;
}

struct collect {
    int n;
    char got[4096][32];
};

static void on_rec(void *ctx, const void *data, size_t len, int64_t ms)
{
    struct collect *c = ctx;
    assert_true(ms > 0);
    assert_true(len < 32);
    memcpy(c->got[c->n], data, len);
    c->got[c->n][len] = '\0';
    c->n++;
}

static void append_n(struct spool *sp, int from, int to)
{
    for (int i = from; i < to; i++) {
        char rec[32];
        uint64_t seq;
        int n = snprintf(rec, sizeof(rec), "record-%d", i);
        assert_int_equal(spool_append(sp, rec, (size_t)n, &seq), SPOOL_OK);
    }
}

static int read_all(struct spool *sp, struct collect *c)
{
    struct spool_cursor cur;
    int n, total = 0;

    spool_cursor_start(sp, &cur);
    while ((n = spool_read(sp, &cur, 100, on_rec, c)) > 0)
        total += n;
    assert_true(n == 0);
    return total;
}

static void test_spool_crc32c_vector(void **state)
{
    (void)state;
    /* the standard check value of CRC-32C */
    assert_int_equal(spool_crc32c(0, "123456789", 9), 0xE3069283u);
}

static void test_spool_append_read_in_order(void **state)
{
    struct fx *f = *state;
    struct spool *sp = open_spool(f->dir, 1 << 20, 1 << 16, 0);
    struct collect *c = calloc(1, sizeof(*c));

    /* an idle spool leaves no file: the first append creates the segment */
    assert_int_equal(count_segments(f->dir), 0);
    append_n(sp, 0, 100);
    assert_int_equal(count_segments(f->dir), 1);
    assert_int_equal(read_all(sp, c), 100);
    for (int i = 0; i < 100; i++) {
        char want[32];
        snprintf(want, sizeof(want), "record-%d", i);
        assert_string_equal(c->got[i], want);
    }
    spool_free(sp);
    /* reopened: every record is recovered, in order */
    sp = open_spool(f->dir, 1 << 20, 1 << 16, 0);
    memset(c, 0, sizeof(*c));
    assert_int_equal(read_all(sp, c), 100);
    assert_string_equal(c->got[99], "record-99");
    spool_free(sp);
    free(c);
}

/* Path of the only (or first) segment holding records. */
static void first_segment(const char *dir, char *out, size_t n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char best[256] = "";

    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, "seg-", 4) == 0 && (best[0] == '\0' || strcmp(de->d_name, best) < 0))
            snprintf(best, sizeof(best), "%s", de->d_name);
    closedir(d);
    snprintf(out, n, "%s/%s", dir, best);
}

static void test_spool_recovery_cuts_torn_tail(void **state)
{
    struct fx *f = *state;
    struct spool *sp = open_spool(f->dir, 1 << 20, 1 << 16, 0);
    struct collect *c = calloc(1, sizeof(*c));
    struct spool_stats st;
    char path[512];
    struct stat sb;

    append_n(sp, 0, 10);
    spool_free(sp);
    first_segment(f->dir, path, sizeof(path));
    assert_int_equal(stat(path, &sb), 0);
    /* cut the last record in half, as a crash during write(2) might */
    assert_int_equal(truncate(path, sb.st_size - 5), 0);
    sp = open_spool(f->dir, 1 << 20, 1 << 16, 0);
    spool_stats(sp, &st);
    assert_int_equal(st.recovered, 9);
    assert_true(st.cut_bytes > 0);
    assert_int_equal(read_all(sp, c), 9);
    assert_string_equal(c->got[8], "record-8");
    /* appends after recovery go on cleanly */
    append_n(sp, 10, 12);
    memset(c, 0, sizeof(*c));
    assert_int_equal(read_all(sp, c), 11);
    assert_string_equal(c->got[10], "record-11");
    spool_free(sp);
    free(c);
}

static void test_spool_recovery_never_replays_corruption(void **state)
{
    struct fx *f = *state;
    struct spool *sp = open_spool(f->dir, 1 << 20, 1 << 16, 0);
    struct collect *c = calloc(1, sizeof(*c));
    char path[512];
    FILE *fp;
    long off;

    append_n(sp, 0, 10);
    spool_free(sp);
    first_segment(f->dir, path, sizeof(path));
    /* flip one payload byte of record 5: 8 magic + 5 records of 16 + 8 bytes */
    off = 8 + 5 * (16 + 8) + 16 + 2;
    fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, off, SEEK_SET), 0);
    assert_int_equal(fputc('X', fp), 'X');
    fclose(fp);
    sp = open_spool(f->dir, 1 << 20, 1 << 16, 0);
    assert_int_equal(read_all(sp, c), 5);
    for (int i = 0; i < c->n; i++)
        assert_null(strchr(c->got[i], 'X'));
    spool_free(sp);
    free(c);
}

static void test_spool_rotation_and_release(void **state)
{
    struct fx *f = *state;
    /* tiny segments: a few records each */
    struct spool *sp = open_spool(f->dir, 1 << 20, 100, 0);
    struct collect *c = calloc(1, sizeof(*c));
    struct spool_cursor cur;
    struct spool_stats st;
    int n;

    append_n(sp, 0, 40);
    assert_true(count_segments(f->dir) > 5);
    spool_cursor_start(sp, &cur);
    n = spool_read(sp, &cur, 20, on_rec, c);
    assert_int_equal(n, 20);
    assert_int_equal(spool_release(sp, &cur), 0);
    /* what was not read is still there */
    spool_free(sp);
    sp = open_spool(f->dir, 1 << 20, 100, 0);
    spool_stats(sp, &st);
    assert_true(st.recovered >= 20 && st.recovered < 40);
    memset(c, 0, sizeof(*c));
    read_all(sp, c);
    assert_string_equal(c->got[c->n - 1], "record-39");
    spool_cursor_start(sp, &cur);
    while (spool_read(sp, &cur, 100, NULL, NULL) > 0)
        ;
    assert_int_equal(spool_release(sp, &cur), 0);
    spool_free(sp);
    free(c);
}

static void test_spool_full_refuses_without_loss(void **state)
{
    struct fx *f = *state;
    struct spool *sp = open_spool(f->dir, 400, 4096, 0);
    struct collect *c = calloc(1, sizeof(*c));
    uint64_t seq;
    int ok = 0;

    for (int i = 0; i < 100; i++) {
        char rec[32];
        int n = snprintf(rec, sizeof(rec), "record-%d", i);
        enum spool_result r = spool_append(sp, rec, (size_t)n, &seq);
        if (r == SPOOL_FULL)
            break;
        assert_int_equal(r, SPOOL_OK);
        ok++;
    }
    assert_true(ok > 5 && ok < 100);
    assert_int_equal(spool_refusing(sp), 1);
    assert_int_equal(read_all(sp, c), ok);
    spool_free(sp);
    free(c);
}

static atomic_int woken;
static void on_wake(void *ctx, int ok)
{
    (void)ctx;
    if (ok)
        atomic_fetch_add(&woken, 1);
}

static void test_spool_group_commit_wakes_waiters(void **state)
{
    struct fx *f = *state;
    struct spool *sp = open_spool(f->dir, 1 << 20, 1 << 16, 5);
    struct spool_waiter w[10];
    struct spool_stats st;
    int registered = 0;

    atomic_store(&woken, 0);
    for (int i = 0; i < 10; i++) {
        uint64_t seq;
        int r;
        assert_int_equal(spool_append(sp, "x", 1, &seq), SPOOL_OK);
        w[i].seq = seq;
        w[i].wake = on_wake;
        w[i].ctx = NULL;
        r = spool_wait(sp, &w[i], NULL, NULL);
        assert_true(r == 0 || r == 1);
        registered += r == 0;
    }
    assert_true(registered >= 1); /* a 5 ms window: the first ones wait */
    for (int i = 0; i < 200 && atomic_load(&woken) < registered; i++) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    spool_stats(sp, &st);
    /* some waiters may have found their record synced already (1), the rest woke */
    assert_int_equal(atomic_load(&woken), registered);
    assert_true(st.syncs >= 1 && st.syncs < 10); /* grouped: fewer syncs than records */
    spool_free(sp);
}

static struct spool *open_interval(const char *dir, int interval_ms)
{
    struct spool_opts o = {1 << 20, 1 << 16, 0, interval_ms};
    char err[256];
    struct spool *sp = spool_open(dir, &o, err, sizeof(err));
    if (sp == NULL)
        fail_msg("spool_open: %s", err);
    return sp;
}

/* Records in every segment file of dir, read from the files as a new process would. */
static int records_on_disk(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct collect *c = calloc(1, sizeof(*c));
    static unsigned char buf[1 << 17];
    int n;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        char p[512];
        FILE *fp;
        size_t len;
        if (strncmp(de->d_name, "seg-", 4) != 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        fp = fopen(p, "rb");
        assert_non_null(fp);
        len = fread(buf, 1, sizeof(buf), fp);
        fclose(fp);
        spool_scan(buf, len, on_rec, c);
    }
    closedir(d);
    n = c->n;
    free(c);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/*
 * Interval mode acknowledges at write(2): spool_wait answers 1 at once and
 * registers nothing, before any fdatasync ran, and the record is already
 * in the segment file for any other reader (what survives kill -9).
 */
static void test_spool_interval_acknowledges_once_written(void **state)
{
    struct fx *f = *state;
    struct spool *sp = open_interval(f->dir, 10000); /* no periodic sync during the test */
    struct spool_stats st;

    atomic_store(&woken, 0);
    for (int i = 0; i < 20; i++) {
        struct spool_waiter w = {0};
        char rec[32];
        int n = snprintf(rec, sizeof(rec), "record-%d", i);
        assert_int_equal(spool_append(sp, rec, (size_t)n, &w.seq), SPOOL_OK);
        w.wake = on_wake;
        assert_int_equal(spool_wait(sp, &w, NULL, NULL), 1);
    }
    spool_stats(sp, &st);
    assert_int_equal(st.appended, 20);
    assert_int_equal(st.syncs, 0); /* acknowledged without a sync */
    assert_int_equal(records_on_disk(f->dir), 20);
    spool_free(sp); /* the final sync */
    assert_int_equal(atomic_load(&woken), 0); /* nothing was registered */
    /* a restart recovers every acknowledged record */
    sp = open_interval(f->dir, 10000);
    spool_stats(sp, &st);
    assert_int_equal(st.recovered, 20);
    assert_int_equal(st.cut_bytes, 0);
    spool_free(sp);
}

/* The interval thread syncs on its own, every interval, only when records are new. */
static void test_spool_interval_syncs_periodically(void **state)
{
    struct fx *f = *state;
    struct spool *sp = open_interval(f->dir, 20);
    struct spool_stats st;
    uint64_t first;

    append_n(sp, 0, 5);
    for (int i = 0; i < 200; i++) {
        spool_stats(sp, &st);
        if (st.syncs >= 1)
            break;
        sleep_ms(5);
    }
    assert_true(st.syncs >= 1);
    first = st.syncs;
    sleep_ms(100); /* five intervals with nothing new: no sync */
    spool_stats(sp, &st);
    assert_int_equal(st.syncs, first);
    append_n(sp, 5, 10);
    for (int i = 0; i < 200; i++) {
        spool_stats(sp, &st);
        if (st.syncs > first)
            break;
        sleep_ms(5);
    }
    assert_true(st.syncs > first);
    assert_int_equal(st.failed, 0);
    spool_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spool_crc32c_vector),
        cmocka_unit_test_setup_teardown(test_spool_append_read_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spool_recovery_cuts_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spool_recovery_never_replays_corruption, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spool_rotation_and_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spool_full_refuses_without_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spool_group_commit_wakes_waiters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spool_interval_acknowledges_once_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spool_interval_syncs_periodically, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
