/*
 * Unit tests for adserverd/media/transcode: the real ffmpeg, fenced as the
 * daemon runs it, makes a rung from a committed fixture (an H.264/AAC MP4
 * of the asked size, measured by ffprobe, faststart, plus an HLS media
 * playlist whose segments exist); a source ffmpeg cannot read fails with
 * a reason; the master playlist text; segment counting refuses playlists
 * that name other files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "media/sniff.h"
#include "media/transcode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fixture_dir(void)
{
    const char *d = getenv("MEDIA_FIXTURES");

    return d != NULL && d[0] != '\0' ? d : "tests/fixtures/media";
}

/* The daemon's defaults (adserverd(8)). */
static void defaults(struct transcode_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->ffmpeg = "ffmpeg";
    s->ffprobe = "ffprobe";
    s->preset = "veryfast";
    s->lim = (struct child_limits){600, 2048, 2048, 10, 1800000};
    s->probe_lim = (struct child_limits){600, 2048, 0, 10, 30000};
}

static void rm_tree(const char *dir)
{
    char path[1024];
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void test_transcode_rung_makes_mp4_and_hls(void **state)
{
    struct transcode_settings s;
    struct transcode_result r;
    struct sniff_result sn;
    char path[512], dir[] = "/tmp/test_transcode_XXXXXX", mp4[600], pl[600], err[512];
    int fd, out;

    (void)state;
    defaults(&s);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/h264-aac-15s-320x180.mp4", fixture_dir());
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    if (transcode_rung(NULL, &s, fd, 256, 144, 300, dir, &r, err, sizeof(err)) != TRANSCODE_OK)
        fail_msg("transcode: %s", err);
    assert_int_equal(close(fd), 0);
    assert_int_equal(r.info.width, 256);
    assert_int_equal(r.info.height, 144);
    assert_string_equal(r.info.container, "mp4");
    assert_true(strncmp(r.info.video_codec, "avc1.64", 7) == 0);
    assert_string_equal(r.info.audio_codec, "mp4a.40.2");
    assert_true(r.info.duration_ms > 14500 && r.info.duration_ms < 15500);
    assert_true(r.info.bitrate_kbps > 0 && r.info.bitrate_kbps < 600);
    /* 15 s at 4 s segments on 2 s keyframes: 4 segments */
    assert_int_equal(r.hls_segments, 4);
    assert_true(r.encode_ms > 0);
    snprintf(mp4, sizeof(mp4), "%s/r.mp4", dir);
    out = open(mp4, O_RDONLY);
    assert_true(out >= 0);
    assert_int_equal(sniff_read_fd(out, &sn), 0);
    assert_int_equal(sn.faststart, 1);
    assert_int_equal(close(out), 0);
    snprintf(pl, sizeof(pl), "%s/hls/index.m3u8", dir);
    assert_int_equal(transcode_count_segments(pl, err, sizeof(err)), 4);
    rm_tree(dir);
}

static void test_transcode_rung_unreadable_source_fails_with_reason(void **state)
{
    struct transcode_settings s;
    struct transcode_result r;
    char dir[] = "/tmp/test_transcode_XXXXXX", tmp[] = "/tmp/test_transcode_src_XXXXXX";
    char err[512] = "";
    int fd;

    (void)state;
    defaults(&s);
    assert_non_null(mkdtemp(dir));
    fd = mkstemp(tmp);
    assert_true(fd >= 0);
    assert_int_equal(unlink(tmp), 0);
    assert_int_equal(write(fd, "not a video at all", 18), 18);
    assert_int_equal(transcode_rung(NULL, &s, fd, 256, 144, 300, dir, &r, err, sizeof(err)),
                     TRANSCODE_EFAILED);
    assert_true(strncmp(err, "ffmpeg exit code ", 17) == 0);
    assert_non_null(strstr(err, "Invalid data found"));
    assert_int_equal(close(fd), 0);
    s.ffmpeg = "/nonexistent/ffmpeg";
    fd = open("/dev/null", O_RDONLY);
    assert_int_equal(transcode_rung(NULL, &s, fd, 256, 144, 300, dir, &r, err, sizeof(err)),
                     TRANSCODE_ESTART);
    assert_int_equal(close(fd), 0);
    rm_tree(dir);
}

static void test_transcode_master_lists_variants(void **state)
{
    const struct transcode_variant v[2] = {
        {1210, 1280, 720, "avc1.64001F", "mp4a.40.2", "720p/index.m3u8"},
        {300, 256, 144, "avc1.64000C", "", "144p/index.m3u8"},
    };
    struct buf b;

    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(transcode_master(v, 2, &b), 0);
    assert_string_equal(b.data, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                                "#EXT-X-STREAM-INF:BANDWIDTH=1331000,AVERAGE-BANDWIDTH=1210000,"
                                "RESOLUTION=1280x720,CODECS=\"avc1.64001F,mp4a.40.2\"\n"
                                "720p/index.m3u8\n"
                                "#EXT-X-STREAM-INF:BANDWIDTH=330000,AVERAGE-BANDWIDTH=300000,"
                                "RESOLUTION=256x144,CODECS=\"avc1.64000C\"\n144p/index.m3u8\n");
    buf_release(&b);
    buf_init(&b, 64);
    assert_int_equal(transcode_master(v, 2, &b), -1);
    buf_release(&b);
}

static void test_transcode_count_segments_refuses_foreign_names(void **state)
{
    char dir[] = "/tmp/test_transcode_XXXXXX", pl[600], seg[600], err[256];
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(pl, sizeof(pl), "%s/index.m3u8", dir);
    snprintf(seg, sizeof(seg), "%s/seg_000.ts", dir);
    f = fopen(seg, "w");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    f = fopen(pl, "w");
    assert_non_null(f);
    fputs("#EXTM3U\n#EXTINF:4,\nseg_000.ts\n#EXTINF:4,\nhttp://127.0.0.1/x.ts\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(transcode_count_segments(pl, err, sizeof(err)), -1);
    assert_string_equal(err, "unexpected segment in the media playlist");
    f = fopen(pl, "w");
    assert_non_null(f);
    fputs("#EXTM3U\n#EXTINF:4,\nseg_000.ts\n#EXTINF:4,\nseg_001.ts\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(transcode_count_segments(pl, err, sizeof(err)), -1);
    assert_string_equal(err, "segment seg_001.ts missing");
    f = fopen(pl, "w");
    assert_non_null(f);
    fputs("#EXTM3U\n#EXTINF:4,\nseg_000.ts\n#EXT-X-ENDLIST\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(transcode_count_segments(pl, err, sizeof(err)), 1);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transcode_rung_makes_mp4_and_hls),
        cmocka_unit_test(test_transcode_rung_unreadable_source_fails_with_reason),
        cmocka_unit_test(test_transcode_master_lists_variants),
        cmocka_unit_test(test_transcode_count_segments_refuses_foreign_names),
    };
    return cmocka_run_group_tests_name("transcode", tests, NULL, NULL);
}
