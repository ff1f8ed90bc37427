/*
 * Unit tests of creative_url (the contract's video_url and the way back) and
 * creative_url_player, over a local store in a temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/app.h"
#include "core/config.h"
#include "media/creative_url.h"
#include "storage/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY "campaigns/c1/creatives/0b9e.mp4"

struct fixture {
    char dir[64];
    struct config cfg;
    struct app app;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct storage_config sc = {0};
    char err[256];

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/test-creative-url-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    sc.backend = STORAGE_BACKEND_LOCAL;
    sc.local_dir = f->dir;
    f->app.storage = storage_new(&sc, err, sizeof(err));
    if (f->app.storage == NULL)
        return -1;
    f->cfg.node_env = (char *)"test";
    f->cfg.s3_bucket = (char *)"bucket-a";
    f->app.cfg = &f->cfg;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    storage_free(f->app.storage);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_creative_url_video_forms(void **state)
{
    struct fixture *f = *state;
    char url[512];

    /* Outside production: literally localhost:4566, whatever the storage. */
    assert_int_equal(creative_url_video(&f->app, KEY, url, sizeof(url)), 0);
    assert_string_equal(url, "http://localhost:4566/bucket-a/" KEY);
    assert_int_equal(creative_url_video(&f->app, KEY, url, 20), -1);
    /* Production, local storage, no public URL: the contract's bucket form. */
    f->cfg.node_env = (char *)"production";
    assert_int_equal(creative_url_video(&f->app, KEY, url, sizeof(url)), 0);
    assert_string_equal(url, "https://bucket-a.s3.amazonaws.com/" KEY);
    f->cfg.cloudfront_url = (char *)"https://cdn.example.com/";
    assert_int_equal(creative_url_video(&f->app, KEY, url, sizeof(url)), 0);
    assert_string_equal(url, "https://cdn.example.com/" KEY);
    /* Production with the ad listener's public URL: where the file really is. */
    f->cfg.public_url = (char *)"https://ads.example.com";
    assert_int_equal(creative_url_video(&f->app, KEY, url, sizeof(url)), 0);
    assert_string_equal(url, "https://ads.example.com/media/" KEY);
}

static void test_creative_url_key_round_trip(void **state)
{
    struct fixture *f = *state;
    char key[256];

    f->cfg.public_url = (char *)"https://ads.example.com/";
    f->cfg.cloudfront_url = (char *)"https://cdn.example.com";
    assert_int_equal(
        creative_url_key(&f->app, "http://localhost:4566/bucket-a/" KEY, key, sizeof(key)), 0);
    assert_string_equal(key, KEY);
    assert_int_equal(
        creative_url_key(&f->app, "https://ads.example.com/media/demo/a%20b.mp4", key, sizeof(key)),
        0);
    assert_string_equal(key, "demo/a b.mp4");
    assert_int_equal(creative_url_key(&f->app, "https://cdn.example.com/" KEY, key, sizeof(key)),
                     0);
    assert_string_equal(key, KEY);
    /* Not ours, or not a valid key. */
    assert_int_equal(creative_url_key(&f->app, "https://example.com/v.mp4", key, sizeof(key)), -1);
    assert_int_equal(
        creative_url_key(&f->app, "http://localhost:4566/other/" KEY, key, sizeof(key)), -1);
    assert_int_equal(
        creative_url_key(&f->app, "https://ads.example.com/media/a/../b", key, sizeof(key)), -1);
    assert_int_equal(
        creative_url_key(&f->app, "https://ads.example.com/media/a%00b", key, sizeof(key)), -1);
    assert_int_equal(
        creative_url_key(&f->app, "https://ads.example.com/media/a?x=1", key, sizeof(key)), -1);
    assert_int_equal(creative_url_key(&f->app, "https://ads.example.com/media/", key, sizeof(key)),
                     -1);
}

static void test_creative_url_player_local(void **state)
{
    struct fixture *f = *state;
    char url[512];

    assert_int_equal(creative_url_player(&f->app, KEY, url, sizeof(url)), -1); /* no public URL */
    f->cfg.public_url = (char *)"http://127.0.0.1:8080//";
    assert_int_equal(creative_url_player(&f->app, "demo/a b.mp4", url, sizeof(url)), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/media/demo/a%20b.mp4");
    assert_int_equal(creative_url_player(&f->app, "demo/a b.mp4", url, 30), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_creative_url_video_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creative_url_key_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creative_url_player_local, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
