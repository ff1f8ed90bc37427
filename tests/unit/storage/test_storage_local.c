/*
 * Unit tests for storage_local through the storage.h interface: streamed
 * writes with atomic commit, abort, key and symlink safety, reads, deletes,
 * copies and public URLs. Each test gets a fresh temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/storage.h"

struct fixture {
    char root[64];    /* mkdtemp: holds store/ and outside/ */
    char store[96];   /* the storage directory */
    char outside[96]; /* a directory the store must never write into */
    struct storage *st;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct storage_config cfg = {.backend = STORAGE_BACKEND_LOCAL};
    char err[256] = "";

    if (f == NULL)
        return -1;
    strcpy(f->root, "/tmp/test_storage_local.XXXXXX");
    if (mkdtemp(f->root) == NULL)
        return -1;
    snprintf(f->store, sizeof(f->store), "%s/store", f->root);
    snprintf(f->outside, sizeof(f->outside), "%s/outside", f->root);
    if (mkdir(f->store, 0755) != 0 || mkdir(f->outside, 0755) != 0)
        return -1;
    cfg.local_dir = f->store;
    f->st = storage_new(&cfg, err, sizeof(err));
    if (f->st == NULL)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    storage_free(f->st);
    if (nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return -1;
    free(f);
    return 0;
}

static void put(struct storage *st, const char *key, const char *data)
{
    char err[256] = "";
    struct storage_writer *w = storage_writer_open(st, key, "video/mp4", err, sizeof(err));
    uint64_t size = 0;

    assert_non_null(w);
    assert_int_equal(storage_writer_write(w, data, strlen(data)), 0);
    assert_int_equal(storage_writer_commit(w, &size, err, sizeof(err)), 0);
    assert_int_equal(size, strlen(data));
}

/* Read the whole object through storage_open_read into a malloc'ed string. */
static char *get(struct storage *st, const char *key)
{
    char err[256] = "";
    uint64_t size = 0;
    char *data;
    int fd = -1;

    assert_int_equal(storage_open_read(st, key, &fd, &size, err, sizeof(err)), 0);
    data = calloc(1, (size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(pread(fd, data, (size_t)size, 0), (ssize_t)size);
    assert_int_equal(close(fd), 0);
    return data;
}

/* Number of entries in dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    assert_int_equal(closedir(d), 0);
    return n;
}

static void test_storage_local_writer_commit_roundtrip(void **state)
{
    struct fixture *f = *state;
    const char *key = "campaigns/c1/creatives/u1.mp4";
    char err[256] = "";
    struct storage_writer *w;
    uint64_t size = 0;
    char path[256];
    char *data;

    w = storage_writer_open(f->st, key, "video/mp4", err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(storage_writer_write(w, "hello ", 6), 0);
    assert_int_equal(storage_writer_write(w, "", 0), 0);
    assert_int_equal(storage_writer_write(w, "world", 5), 0);
    /* Not visible before commit. */
    snprintf(path, sizeof(path), "%s/%s", f->store, key);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(storage_writer_commit(w, &size, err, sizeof(err)), 0);
    assert_int_equal(size, 11);
    data = get(f->st, key);
    assert_string_equal(data, "hello world");
    free(data);
    /* Only the object is left in its directory: no temporary file. */
    snprintf(path, sizeof(path), "%s/campaigns/c1/creatives", f->store);
    assert_int_equal(count_entries(path), 1);
}

static void test_storage_local_writer_commit_replaces(void **state)
{
    struct fixture *f = *state;
    char *data;

    put(f->st, "a.mp4", "first version");
    put(f->st, "a.mp4", "second");
    data = get(f->st, "a.mp4");
    assert_string_equal(data, "second");
    free(data);
}

static void test_storage_local_writer_abort_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    struct storage_writer *w;
    uint64_t size = 0;
    char path[256];
    int fd = -1;

    w = storage_writer_open(f->st, "x/y.mp4", NULL, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(storage_writer_write(w, "partial", 7), 0);
    storage_writer_abort(w);
    storage_writer_abort(NULL);
    assert_int_equal(storage_open_read(f->st, "x/y.mp4", &fd, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    assert_int_equal(fd, -1);
    snprintf(path, sizeof(path), "%s/x", f->store);
    assert_int_equal(count_entries(path), 0);
}

/* A write error (here EFBIG from RLIMIT_FSIZE) sticks and fails the commit. */
static void test_storage_local_writer_commit_reports_write_error(void **state)
{
    struct fixture *f = *state;
    static char big[8192];
    struct rlimit old;
    struct rlimit lim = {.rlim_cur = 1024, .rlim_max = 0};
    char err[256] = "";
    struct storage_writer *w;
    uint64_t size = 12345;
    int wr1;
    int wr2;

    w = storage_writer_open(f->st, "big.mp4", NULL, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim.rlim_max = old.rlim_max;
    assert_ptr_not_equal(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    wr1 = storage_writer_write(w, big, sizeof(big));
    wr2 = storage_writer_write(w, "x", 1);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(wr1, -1);
    assert_int_equal(wr2, -1);
    assert_int_equal(storage_writer_commit(w, &size, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "write failed"));
    assert_int_equal(size, 12345);
    assert_int_equal(count_entries(f->store), 0);
}

static void test_storage_local_writer_open_rejects_bad_keys(void **state)
{
    static const char *const bad[] = {
        "",           "../x.mp4", "a/../../x.mp4", "..",
        "/etc/x.mp4", "a\\b.mp4", "a//b.mp4",      "a/./b.mp4",
        "a/",         ".",        "a/b\n.mp4",     "a/\x7f.mp4",
    };
    struct fixture *f = *state;
    char longkey[STORAGE_KEY_MAX + 2];
    char err[256];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_null(storage_writer_open(f->st, bad[i], NULL, err, sizeof(err)));
        assert_true(err[0] != '\0');
    }
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    assert_null(storage_writer_open(f->st, longkey, NULL, err, sizeof(err)));
    assert_int_equal(count_entries(f->store), 0);
    assert_int_equal(count_entries(f->outside), 0);
}

/* A component longer than NAME_MAX (with room for the temp suffix) is refused. */
static void test_storage_local_writer_open_rejects_long_component(void **state)
{
    struct fixture *f = *state;
    char key[300];
    char err[256] = "";

    memset(key, 'n', 250);
    strcpy(key + 250, ".mp4");
    assert_null(storage_writer_open(f->st, key, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "too long"));
}

static void test_storage_local_writer_open_refuses_symlinked_dir(void **state)
{
    struct fixture *f = *state;
    char link[160];
    char err[256] = "";

    snprintf(link, sizeof(link), "%s/evil", f->store);
    assert_int_equal(symlink(f->outside, link), 0);
    assert_null(storage_writer_open(f->st, "evil/x.mp4", NULL, err, sizeof(err)));
    assert_true(err[0] != '\0');
    assert_int_equal(count_entries(f->outside), 0);
}

static void test_storage_local_open_read_refuses_symlinked_file(void **state)
{
    struct fixture *f = *state;
    char target[160];
    char link[160];
    char err[256] = "";
    uint64_t size = 0;
    int fd = -1;
    int tfd;

    snprintf(target, sizeof(target), "%s/secret", f->outside);
    snprintf(link, sizeof(link), "%s/link.mp4", f->store);
    tfd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(tfd >= 0);
    assert_int_equal(write(tfd, "secret", 6), 6);
    assert_int_equal(close(tfd), 0);
    assert_int_equal(symlink(target, link), 0);
    assert_int_not_equal(storage_open_read(f->st, "link.mp4", &fd, &size, err, sizeof(err)), 0);
    assert_int_equal(fd, -1);
}

static void test_storage_local_open_read_not_found(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    uint64_t size = 0;
    int fd = -1;

    put(f->st, "dir/file.mp4", "x");
    assert_int_equal(storage_open_read(f->st, "missing.mp4", &fd, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    assert_int_equal(storage_open_read(f->st, "nodir/missing.mp4", &fd, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    /* A file where a directory is expected, and a directory as a key. */
    assert_int_equal(storage_open_read(f->st, "dir/file.mp4/x", &fd, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    assert_int_equal(storage_open_read(f->st, "dir", &fd, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    assert_int_equal(fd, -1);
}

static void test_storage_local_open_read_size_and_range(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    char part[5] = "";
    uint64_t size = 0;
    int fd = -1;

    put(f->st, "r.mp4", "0123456789");
    assert_int_equal(storage_open_read(f->st, "r.mp4", &fd, &size, err, sizeof(err)), 0);
    assert_int_equal(size, 10);
    assert_int_equal(pread(fd, part, 4, 3), 4);
    assert_string_equal(part, "3456");
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    assert_int_equal(close(fd), 0);
}

static void test_storage_local_delete_removes_and_is_idempotent(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    uint64_t size = 0;
    int fd = -1;

    put(f->st, "d/x.mp4", "bytes");
    assert_int_equal(storage_delete(f->st, "d/x.mp4", err, sizeof(err)), 0);
    assert_int_equal(storage_open_read(f->st, "d/x.mp4", &fd, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    assert_int_equal(storage_delete(f->st, "d/x.mp4", err, sizeof(err)), 0);
    assert_int_equal(storage_delete(f->st, "nodir/x.mp4", err, sizeof(err)), 0);
    assert_int_equal(storage_delete(f->st, "../x.mp4", err, sizeof(err)), -1);
}

static void test_storage_local_fetch_to_fd_copies_and_limits(void **state)
{
    struct fixture *f = *state;
    char path[160];
    char err[256] = "";
    char copy[16] = "";
    uint64_t size = 0;
    int fd;

    put(f->st, "f.mp4", "fetch me");
    snprintf(path, sizeof(path), "%s/copy", f->outside);
    fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(storage_fetch_to_fd(f->st, "f.mp4", fd, 100, &size, err, sizeof(err)), 0);
    assert_int_equal(size, 8);
    assert_int_equal(pread(fd, copy, sizeof(copy) - 1, 0), 8);
    assert_string_equal(copy, "fetch me");
    assert_int_equal(storage_fetch_to_fd(f->st, "f.mp4", fd, 7, &size, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "limit"));
    assert_int_equal(storage_fetch_to_fd(f->st, "nope.mp4", fd, 100, &size, err, sizeof(err)),
                     STORAGE_NOT_FOUND);
    assert_int_equal(close(fd), 0);
}

static void test_storage_local_public_url_none_without_base(void **state)
{
    struct fixture *f = *state;
    char out[64] = "untouched";
    char err[256] = "";
    char *url = NULL;

    assert_int_equal(storage_public_url(f->st, "a.mp4", out, sizeof(out)), STORAGE_NO_PUBLIC_URL);
    assert_string_equal(out, "untouched");
    assert_int_equal(storage_presign(f->st, "PUT", "a.mp4", 60, 0, &url, err, sizeof(err)), -1);
    assert_null(url);
    assert_int_equal(storage_backend(f->st), STORAGE_BACKEND_LOCAL);
}

static void test_storage_local_public_url_with_base(void **state)
{
    struct fixture *f = *state;
    struct storage_config cfg = {
        .backend = STORAGE_BACKEND_LOCAL,
        .local_dir = f->store,
        .public_base_url = "https://cdn.example.com/media/",
    };
    char err[256] = "";
    char out[128] = "";
    char small[8] = "keep";
    struct storage *st = storage_new(&cfg, err, sizeof(err));

    assert_non_null(st);
    assert_int_equal(storage_public_url(st, "campaigns/c/a b.mp4", out, sizeof(out)), 0);
    assert_string_equal(out, "https://cdn.example.com/media/campaigns/c/a%20b.mp4");
    assert_int_equal(storage_public_url(st, "campaigns/c/a b.mp4", small, sizeof(small)), -1);
    assert_string_equal(small, "keep");
    assert_int_equal(storage_public_url(st, "../a.mp4", out, sizeof(out)), -1);
    storage_free(st);
}

static void test_storage_local_new_rejects_missing_dir(void **state)
{
    struct fixture *f = *state;
    struct storage_config cfg = {.backend = STORAGE_BACKEND_LOCAL};
    char dir[160];
    char err[256] = "";

    snprintf(dir, sizeof(dir), "%s/does-not-exist", f->root);
    cfg.local_dir = dir;
    assert_null(storage_new(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "No such file"));
    cfg.local_dir = NULL;
    assert_null(storage_new(&cfg, err, sizeof(err)));
    storage_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_storage_local_writer_commit_roundtrip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_writer_commit_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_writer_abort_leaves_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_writer_commit_reports_write_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_writer_open_rejects_bad_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_writer_open_rejects_long_component,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_writer_open_refuses_symlinked_dir, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_open_read_refuses_symlinked_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_open_read_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_open_read_size_and_range, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_delete_removes_and_is_idempotent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_fetch_to_fd_copies_and_limits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_public_url_none_without_base, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_public_url_with_base, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_local_new_rejects_missing_dir, setup,
                                        teardown),
    };

    return cmocka_run_group_tests_name("storage_local", tests, NULL, NULL);
}
