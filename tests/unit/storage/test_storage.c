/*
 * Unit tests for storage.c and the network-free parts of storage_s3: key
 * rules, configuration checks, public URLs per backend and mode, presigning
 * through the storage interface, and the S3 writer's spool file. No test here
 * talks to a server (see test_storage_s3.c for that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/sigv4.h"
#include "storage/storage.h"

#define SECRET "s3cr3t-s3cr3t-s3cr3t"

static struct storage_config s3_cfg(void)
{
    struct storage_config c = {
        .backend = STORAGE_BACKEND_S3,
        .s3_endpoint = "http://127.0.0.1:4569/",
        .bucket = "ctv-ad-server-creatives",
        .region = "us-east-1",
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = SECRET,
        .path_style = 1,
    };
    return c;
}

static void test_storage_key_check_accepts(void **state)
{
    static const char *const good[] = {
        "a",   "campaigns/c1/creatives/u1.mp4", "a..b.mp4",    ".hidden",
        "...", "a b+c=d \xc3\xbc.mp4",          "x/y_z-~.mov",
    };
    char err[128];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(storage_key_check(good[i], err, sizeof(err)), 0);
}

static void test_storage_key_check_rejects(void **state)
{
    static const char *const bad[] = {
        "",     "..", ".",     "../a", "a/..", "a/../b", "/a",
        "a//b", "a/", "a/./b", "a\\b", "a\tb", "a\x7f",  "a\rb",
    };
    char longkey[STORAGE_KEY_MAX + 2];
    char err[128];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(storage_key_check(bad[i], err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(storage_key_check(NULL, err, sizeof(err)), -1);
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    assert_int_equal(storage_key_check(longkey, err, sizeof(err)), -1);
    longkey[STORAGE_KEY_MAX] = '\0';
    assert_int_equal(storage_key_check(longkey, err, sizeof(err)), 0);
}

static void test_storage_new_s3_rejects_bad_config(void **state)
{
    struct storage_config c;
    char err[256];
    int i;

    (void)state;
    for (i = 0; i < 11; i++) {
        c = s3_cfg();
        switch (i) {
        case 0:
            c.bucket = "ab";
            break;
        case 1:
            c.bucket = "Upper_Case";
            break;
        case 2:
            c.bucket = NULL;
            break;
        case 3:
            c.s3_endpoint = "ftp://127.0.0.1";
            break;
        case 4:
            c.s3_endpoint = "http://127.0.0.1:4569/prefix";
            break;
        case 5:
            c.secret_access_key = "";
            break;
        case 6:
            c.region = "us east";
            break;
        case 7:
            c.tmp_dir = "/nonexistent/dir";
            break;
        case 8:
            c.timeout_s = -1;
            break;
        case 9:
            c.session_token = "tok\r\nX-Injected: 1";
            break;
        default:
            c.access_key_id = NULL;
            break;
        }
        err[0] = '\0';
        assert_null(storage_new(&c, err, sizeof(err)));
        assert_true(err[0] != '\0');
        assert_null(strstr(err, SECRET));
    }
    c = s3_cfg();
    c.backend = (enum storage_backend)42;
    assert_null(storage_new(&c, err, sizeof(err)));
    c = s3_cfg();
    c.public_base_url = "cdn.example.com";
    assert_null(storage_new(&c, err, sizeof(err)));
}

static void check_public_url(const struct storage_config *c, const char *key, const char *want)
{
    char err[256] = "";
    char out[256] = "";
    struct storage *st = storage_new(c, err, sizeof(err));

    assert_non_null(st);
    assert_int_equal(storage_backend(st), STORAGE_BACKEND_S3);
    assert_int_equal(storage_public_url(st, key, out, sizeof(out)), 0);
    assert_string_equal(out, want);
    storage_free(st);
}

static void test_storage_public_url_s3_path_style(void **state)
{
    struct storage_config c = s3_cfg();

    (void)state;
    check_public_url(&c, "campaigns/c/a b+.mp4",
                     "http://127.0.0.1:4569/ctv-ad-server-creatives/campaigns/c/a%20b%2B.mp4");
}

static void test_storage_public_url_s3_aws_default(void **state)
{
    struct storage_config c = s3_cfg();

    (void)state;
    c.s3_endpoint = NULL;
    c.path_style = 0;
    c.region = "eu-west-1";
    check_public_url(&c, "campaigns/c/u.mp4",
                     "https://ctv-ad-server-creatives.s3.amazonaws.com/campaigns/c/u.mp4");
}

static void test_storage_public_url_s3_vhost_endpoint(void **state)
{
    struct storage_config c = s3_cfg();

    (void)state;
    c.s3_endpoint = "https://objects.example.com:9000";
    c.path_style = 0;
    check_public_url(&c, "k.mp4", "https://ctv-ad-server-creatives.objects.example.com:9000/k.mp4");
}

/* Contract 3.4.1: outside production video_url is http://localhost:4566/<bucket>/<key>. */
static void test_storage_public_url_s3_public_base(void **state)
{
    struct storage_config c = s3_cfg();

    (void)state;
    c.public_base_url = "http://localhost:4566/ctv-ad-server-creatives";
    check_public_url(&c, "campaigns/c/creatives/u.mp4",
                     "http://localhost:4566/ctv-ad-server-creatives/campaigns/c/creatives/u.mp4");
}

static void test_storage_presign_s3_matches_sigv4(void **state)
{
    struct storage_config c = s3_cfg();
    struct sigv4_request r = {
        .method = "PUT",
        .endpoint = "http://127.0.0.1:4569",
        .bucket = "ctv-ad-server-creatives",
        .path_style = 1,
        .key = "campaigns/c/u_my file.mp4",
        .region = "us-east-1",
        .access_key_id = "AKIDEXAMPLE",
        .secret_key = SECRET,
        .expires = 3600,
        .now = 1700000000,
    };
    char err[256] = "";
    char *via_storage = NULL;
    char *direct = NULL;
    struct storage *st = storage_new(&c, err, sizeof(err));

    (void)state;
    assert_non_null(st);
    assert_int_equal(
        storage_presign(st, "PUT", r.key, 3600, 1700000000, &via_storage, err, sizeof(err)), 0);
    assert_int_equal(sigv4_presign(&r, &direct, err, sizeof(err)), 0);
    assert_string_equal(via_storage, direct);
    free(via_storage);
    free(direct);
    via_storage = NULL;
    assert_int_equal(storage_presign(st, "DELETE", r.key, 3600, 0, &via_storage, err, sizeof(err)),
                     -1);
    assert_int_equal(storage_presign(st, "PUT", "../k", 3600, 0, &via_storage, err, sizeof(err)),
                     -1);
    assert_int_equal(storage_presign(st, "PUT", "k", 0, 0, &via_storage, err, sizeof(err)), -1);
    assert_null(via_storage);
    storage_free(st);
}

static void test_storage_presign_s3_aws_default_vhost(void **state)
{
    struct storage_config c = s3_cfg();
    char err[256] = "";
    char *url = NULL;
    struct storage *st;

    (void)state;
    c.s3_endpoint = "";
    c.path_style = 0;
    c.region = "us-west-2";
    st = storage_new(&c, err, sizeof(err));
    assert_non_null(st);
    assert_int_equal(storage_presign(st, "GET", "k.mp4", 60, 1700000000, &url, err, sizeof(err)),
                     0);
    assert_int_equal(strncmp(url,
                             "https://ctv-ad-server-creatives.s3.us-west-2.amazonaws.com/"
                             "k.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&",
                             strlen("https://ctv-ad-server-creatives.s3.us-west-2.amazonaws.com/"
                                    "k.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&")),
                     0);
    assert_null(strstr(url, SECRET));
    free(url);
    storage_free(st);
}

/* The spool file is unlinked at once: nothing in tmp_dir even while writing. */
static void test_storage_writer_open_s3_spool_is_unlinked(void **state)
{
    struct storage_config c = s3_cfg();
    char dir[] = "/tmp/test_storage_spool.XXXXXX";
    char err[256] = "";
    struct storage_writer *w;
    struct storage *st;
    struct dirent *e;
    DIR *d;
    int n = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    c.tmp_dir = dir;
    st = storage_new(&c, err, sizeof(err));
    assert_non_null(st);
    w = storage_writer_open(st, "k.mp4", "video/mp4", err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(storage_writer_write(w, "data", 4), 0);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    assert_int_equal(closedir(d), 0);
    assert_int_equal(n, 0);
    storage_writer_abort(w);
    assert_null(storage_writer_open(st, "k.mp4", "video/mp4\r\nX-Injected: 1", err, sizeof(err)));
    assert_null(storage_writer_open(st, "../k.mp4", "video/mp4", err, sizeof(err)));
    assert_int_equal(rmdir(dir), 0);
    storage_free(st);
}

/* S3 cannot hand out file descriptors; players fetch from the bucket. */
static void test_storage_open_read_s3_unsupported(void **state)
{
    struct storage_config c = s3_cfg();
    char err[256] = "";
    uint64_t size = 0;
    int fd = -1;
    struct storage *st = storage_new(&c, err, sizeof(err));

    (void)state;
    assert_non_null(st);
    assert_int_equal(storage_open_read(st, "k.mp4", &fd, &size, err, sizeof(err)), -1);
    assert_int_equal(fd, -1);
    storage_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_storage_key_check_accepts),
        cmocka_unit_test(test_storage_key_check_rejects),
        cmocka_unit_test(test_storage_new_s3_rejects_bad_config),
        cmocka_unit_test(test_storage_public_url_s3_path_style),
        cmocka_unit_test(test_storage_public_url_s3_aws_default),
        cmocka_unit_test(test_storage_public_url_s3_vhost_endpoint),
        cmocka_unit_test(test_storage_public_url_s3_public_base),
        cmocka_unit_test(test_storage_presign_s3_matches_sigv4),
        cmocka_unit_test(test_storage_presign_s3_aws_default_vhost),
        cmocka_unit_test(test_storage_writer_open_s3_spool_is_unlinked),
        cmocka_unit_test(test_storage_open_read_s3_unsupported),
    };

    return cmocka_run_group_tests_name("storage", tests, NULL, NULL);
}
