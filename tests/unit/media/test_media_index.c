/* Unit tests of media_index: replace, put, lookup, duplicates, types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "media/media_index.h"

#include <stdio.h>
#include <string.h>

static void test_media_index_replace_and_lookup(void **state)
{
    struct media_index *mi = media_index_new();
    const struct media_index_entry e[] = {
        {"b/2.mp4", "video/mp4"},
        {"a/1.mov", NULL},
        {"c/3.avi", "video/x-msvideo"},
        {"a/1.mov", "video/quicktime"}, /* duplicate: the known type wins */
    };
    char mime[64];
    (void)state;
    assert_non_null(mi);
    assert_int_equal(media_index_replace(mi, e, 4), 3);
    assert_int_equal(media_index_size(mi), 3);
    assert_int_equal(media_index_lookup(mi, "a/1.mov", mime, sizeof(mime)), 1);
    assert_string_equal(mime, "video/quicktime");
    assert_int_equal(media_index_lookup(mi, "b/2.mp4", mime, sizeof(mime)), 1);
    assert_string_equal(mime, "video/mp4");
    assert_int_equal(media_index_lookup(mi, "c/3.avi", NULL, 0), 1);
    assert_int_equal(media_index_lookup(mi, "c/3.av", mime, sizeof(mime)), 0);
    assert_int_equal(media_index_lookup(mi, "", mime, sizeof(mime)), 0);
    /* A rebuild drops what is gone. */
    assert_int_equal(media_index_replace(mi, e + 1, 1), 1);
    assert_int_equal(media_index_lookup(mi, "b/2.mp4", mime, sizeof(mime)), 0);
    assert_int_equal(media_index_lookup(mi, "a/1.mov", mime, sizeof(mime)), 1);
    assert_string_equal(mime, MEDIA_INDEX_UNKNOWN_TYPE);
    assert_int_equal(media_index_replace(mi, NULL, 0), 0);
    assert_int_equal(media_index_lookup(mi, "a/1.mov", mime, sizeof(mime)), 0);
    media_index_free(mi);
    media_index_free(NULL);
}

static void test_media_index_put_keeps_order(void **state)
{
    struct media_index *mi = media_index_new();
    char key[32], mime[64];
    (void)state;
    /* Insert out of order, past the first growth steps. */
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k/%03d", (i * 37) % 100);
        assert_int_equal(media_index_put(mi, key, NULL), 0);
    }
    assert_int_equal(media_index_size(mi), 100);
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k/%03d", i);
        assert_int_equal(media_index_lookup(mi, key, mime, sizeof(mime)), 1);
        assert_string_equal(mime, MEDIA_INDEX_UNKNOWN_TYPE);
    }
    /* put on an existing key changes its type only. */
    assert_int_equal(media_index_put(mi, "k/050", "video/mp4"), 0);
    assert_int_equal(media_index_size(mi), 100);
    assert_int_equal(media_index_lookup(mi, "k/050", mime, sizeof(mime)), 1);
    assert_string_equal(mime, "video/mp4");
    /* Truncated copy of the type. */
    assert_int_equal(media_index_lookup(mi, "k/050", mime, 6), 1);
    assert_string_equal(mime, "video");
    media_index_free(mi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_media_index_replace_and_lookup),
        cmocka_unit_test(test_media_index_put_keeps_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
