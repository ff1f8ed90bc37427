/*
 * Unit tests for adserverd/media/sniff: the containers we serve are
 * recognised from their first bytes (the committed fixtures and
 * hand-made heads), playlists, manifests and links are refused whatever
 * their name, faststart is read from the top-level boxes, and truncation
 * at every length of a real file never reads out of bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/sniff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fixture_dir(void)
{
    const char *d = getenv("MEDIA_FIXTURES");

    return d != NULL && d[0] != '\0' ? d : "tests/fixtures/media";
}

static void sniff_fixture(const char *name, struct sniff_result *r)
{
    char path[512];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", fixture_dir(), name);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    assert_int_equal(sniff_read_fd(fd, r), 0);
    assert_int_equal(close(fd), 0);
}

static void test_sniff_read_fd_fixtures(void **state)
{
    static const struct {
        const char *file;
        enum sniff_kind kind;
        int quicktime, webm, faststart;
    } cases[] = {
        {"h264-aac-15s-320x180.mp4", SNIFF_ISOBMFF, 0, 0, 1},
        {"h264-aac-10s-320x180-moov-end.mp4", SNIFF_ISOBMFF, 0, 0, 0},
        {"h264-aac-10s-320x240.mov", SNIFF_ISOBMFF, 1, 0, 0},
        {"h264-aac-10s-320x180-frag.mp4", SNIFF_ISOBMFF, 0, 0, 1},
        {"vp9-opus-4s-320x180.webm", SNIFF_MATROSKA, 0, 1, -1},
        {"vp8-vorbis-4s-320x180.webm", SNIFF_MATROSKA, 0, 1, -1},
        {"mpeg4-mp3-12s-320x240.avi", SNIFF_AVI, 0, 0, -1},
        {"not-a-video.mp4", SNIFF_UNKNOWN, 0, 0, -1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sniff_result r;

        sniff_fixture(cases[i].file, &r);
        if (r.kind != cases[i].kind || r.quicktime != cases[i].quicktime ||
            r.webm != cases[i].webm || r.faststart != cases[i].faststart)
            fail_msg("%s: kind %d qt %d webm %d faststart %d", cases[i].file, r.kind, r.quicktime,
                     r.webm, r.faststart);
        if (cases[i].kind == SNIFF_UNKNOWN)
            assert_string_equal(r.reason, "not a video file");
        else
            assert_null(r.reason);
    }
}

static void expect(const char *head, size_t len, enum sniff_kind kind, const char *reason)
{
    struct sniff_result r;

    assert_int_equal(sniff_read_mem(head, len, &r), 0);
    if (r.kind != kind)
        fail_msg("'%.20s': kind %d, expected %d", head, r.kind, kind);
    if (reason == NULL)
        assert_null(r.reason);
    else
        assert_string_equal(r.reason, reason);
}

static void test_sniff_read_mem_refuses_references(void **state)
{
    static const char *const texts[] = {
        "#EXTM3U\n#EXTINF:10,\nhttp://example.invalid/a.ts\n",
        "\xEF\xBB\xBF  \r\n#EXTM3U\n",
        "#EXT-X-VERSION:3\n",
        "ffconcat version 1.0\nfile 'http://x/y.mp4'\n",
        "<?xml version=\"1.0\"?><MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"/>",
        "<MPD>",
        "https://cdn.example.invalid/creative.mp4\n",
        "file:/etc/passwd",
        "v=0\no=- 0 0 IN IP4 127.0.0.1\n",
        "[playlist]\nFile1=http://x\n",
    };
    const char *reason = "a playlist or link to other files, not a video file";

    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        expect(texts[i], strlen(texts[i]), SNIFF_REFERENCE, reason);
}

static void test_sniff_read_mem_heads(void **state)
{
    static const unsigned char qt_no_ftyp[] = {0, 0, 0, 8, 'w', 'i', 'd', 'e',
                                               0, 0, 0, 8, 'm', 'o', 'o', 'v'};
    static const unsigned char mkv[] = {0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01,
                                        0x42, 0x82, 0x88, 'm',  'a',  't',  'r',  'o',  's',
                                        'k',  'a'};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0};
    struct sniff_result r;

    (void)state;
    expect("", 0, SNIFF_UNKNOWN, "empty file");
    expect("ftyp", 4, SNIFF_UNKNOWN, "not a video file");
    expect((const char *)png, sizeof(png), SNIFF_UNKNOWN, "an image file, not a video");
    expect("RIFF\x04\0\0\0WAVEfmt ", 16, SNIFF_UNKNOWN, "not a video file");
    assert_int_equal(sniff_read_mem(qt_no_ftyp, sizeof(qt_no_ftyp), &r), 0);
    assert_int_equal(r.kind, SNIFF_ISOBMFF);
    assert_true(r.quicktime);
    assert_int_equal(r.faststart, 1);
    assert_int_equal(sniff_read_mem(mkv, sizeof(mkv), &r), 0);
    assert_int_equal(r.kind, SNIFF_MATROSKA);
    assert_false(r.webm);
}

/* A box whose size points past the end, a size under 8, a 64-bit size. */
static void test_sniff_read_mem_box_walk_is_bounded(void **state)
{
    unsigned char b[64] = {0};
    struct sniff_result r;

    (void)state;
    memcpy(b, "\0\0\0\x10" "ftypisom\0\0\0\0", 16);
    memcpy(b + 16, "\x7F\0\0\0free", 8); /* 2 GiB box in a 64-byte file */
    assert_int_equal(sniff_read_mem(b, sizeof(b), &r), 0);
    assert_int_equal(r.kind, SNIFF_ISOBMFF);
    assert_int_equal(r.faststart, -1);
    memcpy(b + 16, "\0\0\0\x03free", 8);
    assert_int_equal(sniff_read_mem(b, sizeof(b), &r), 0);
    assert_int_equal(r.faststart, -1);
    memcpy(b + 16, "\0\0\0\x01mdat\0\0\0\0\0\0\0\x20", 16); /* large-size form */
    assert_int_equal(sniff_read_mem(b, sizeof(b), &r), 0);
    assert_int_equal(r.faststart, 0);
}

static void test_sniff_read_mem_truncated_everywhere(void **state)
{
    char path[512];
    unsigned char buf[8192];
    ssize_t n;
    int fd;

    (void)state;
    snprintf(path, sizeof(path), "%s/h264-aac-15s-320x180.mp4", fixture_dir());
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    n = read(fd, buf, sizeof(buf));
    assert_int_equal(n, (ssize_t)sizeof(buf));
    assert_int_equal(close(fd), 0);
    for (size_t cut = 0; cut <= sizeof(buf); cut += 7) {
        unsigned char *c = malloc(cut + 1); /* exact size: ASan sees overreads */
        struct sniff_result r;

        assert_non_null(c);
        memcpy(c, buf, cut);
        assert_int_equal(sniff_read_mem(c, cut, &r), 0);
        assert_true(r.kind == SNIFF_ISOBMFF || cut < 12);
        free(c);
    }
}

static void test_sniff_read_fd_not_regular_file(void **state)
{
    int p[2];
    struct sniff_result r;

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(sniff_read_fd(p[0], &r), -1);
    assert_int_equal(close(p[0]), 0);
    assert_int_equal(close(p[1]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff_read_fd_fixtures),
        cmocka_unit_test(test_sniff_read_mem_refuses_references),
        cmocka_unit_test(test_sniff_read_mem_heads),
        cmocka_unit_test(test_sniff_read_mem_box_walk_is_bounded),
        cmocka_unit_test(test_sniff_read_mem_truncated_everywhere),
        cmocka_unit_test(test_sniff_read_fd_not_regular_file),
    };
    return cmocka_run_group_tests_name("sniff", tests, NULL, NULL);
}
