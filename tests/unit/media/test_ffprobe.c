/*
 * Unit tests for adserverd/media/ffprobe: the real ffprobe, fenced as the
 * daemon runs it, on every committed fixture compared with MANIFEST.tsv
 * (what scripts/make-media-fixtures.sh recorded); hostile files made here
 * (truncated, empty, a playlist pointing at a listening socket on
 * 127.0.0.1 that must never be contacted); and the parser and the rules on
 * hand-written JSON (rotation, cover art, absurd sizes, a 10-hour
 * duration, unsupported codecs, streams without frames).
 *
 * Fixtures are found under $MEDIA_FIXTURES, else tests/fixtures/media
 * relative to the working directory (the top of the tree). ffprobe comes
 * from PATH (scripts/deps.sh installs Debian's ffmpeg package).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/child.h"
#include "media/ffprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* The daemon's defaults (adserverd(8)): 600 s CPU, 2 GiB, nice 10, 30 s. */
static const struct child_limits lim = {600, 2048, 0, 10, 30000};

static const char *fixture_dir(void)
{
    const char *d = getenv("MEDIA_FIXTURES");

    return d != NULL && d[0] != '\0' ? d : "tests/fixtures/media";
}

static int open_fixture(const char *name)
{
    char path[512];
    int fd;

    assert_true(snprintf(path, sizeof(path), "%s/%s", fixture_dir(), name) < (int)sizeof(path));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    return fd;
}

static int probe_fd(int fd, struct ffprobe_info *in, char *err)
{
    return ffprobe_run(NULL, "ffprobe", &lim, fd, in, err, FFPROBE_ERR_LEN);
}

/* An unlinked temporary file holding len bytes of data. */
static int temp_with(const void *data, size_t len)
{
    char path[] = "/tmp/test_ffprobe_XXXXXX";
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    return fd;
}

/* ------------------------------------------------------------------------
 * The real ffprobe on the fixtures
 * ------------------------------------------------------------------------ */

static void test_ffprobe_run_matches_manifest(void **state)
{
    char path[512], line[512];
    FILE *f;
    int n = 0;

    (void)state;
    snprintf(path, sizeof(path), "%s/MANIFEST.tsv", fixture_dir());
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char name[128], vtag[32], atag[32], fr[32], err[FFPROBE_ERR_LEN];
        unsigned long long dur, bytes;
        unsigned w, h, fn = 0, fd_ = 0;
        struct ffprobe_info in;
        int fd, rc;

        if (line[0] == '#')
            continue;
        assert_int_equal(sscanf(line, "%127s %llu %u %u %31s %31s %31s %llu", name, &dur, &w, &h,
                                vtag, atag, fr, &bytes),
                         8);
        fd = open_fixture(name);
        rc = probe_fd(fd, &in, err);
        assert_int_equal(close(fd), 0);
        if (rc != FFPROBE_OK)
            fail_msg("%s: %s", name, err);
        if (in.duration_ms != dur || in.width != w || in.height != h || in.size != bytes)
            fail_msg("%s: %llu ms %ux%u %llu B, manifest %llu ms %ux%u %llu B", name,
                     (unsigned long long)in.duration_ms, in.width, in.height,
                     (unsigned long long)in.size, dur, w, h, bytes);
        assert_int_equal(in.has_audio, strcmp(atag, "-") != 0);
        assert_int_equal(in.has_video, strcmp(vtag, "-") != 0);
        if (sscanf(fr, "%u/%u", &fn, &fd_) == 2) {
            /* the manifest has r_frame_rate; the average matches on these files */
            assert_int_equal((unsigned long long)in.fps_num * fd_,
                             (unsigned long long)fn * in.fps_den);
        }
        if (in.has_video)
            assert_int_equal(ffprobe_check(&in, err, sizeof(err)), 0);
        else
            assert_int_equal(ffprobe_check(&in, err, sizeof(err)), -1);
        assert_int_equal(in.faststart, -1);
        n++;
    }
    assert_int_equal(fclose(f), 0);
    assert_true(n >= 12);
}

static void test_ffprobe_run_codec_strings_and_containers(void **state)
{
    static const struct {
        const char *file, *container, *mime, *video, *audio;
    } cases[] = {
        {"h264-aac-15s-320x180.mp4", "mp4", "video/mp4", "avc1.640015", "mp4a.40.2"},
        {"ctv-demo-15s-1280x720.mp4", "mp4", "video/mp4", "avc1.4D401F", "mp4a.40.2"},
        {"h264-aac-10s-320x240.mov", "mov", "video/quicktime", "avc1.640016", "mp4a.40.2"},
        {"hevc-10s-320x180.mp4", "mp4", "video/mp4", "hvc1.1.6.L60.90", ""},
        {"vp9-opus-4s-320x180.webm", "webm", "video/webm", "vp9", "opus"},
        {"vp8-vorbis-4s-320x180.webm", "webm", "video/webm", "vp8", "vorbis"},
        {"mpeg4-mp3-12s-320x240.avi", "avi", "video/x-msvideo", "mp4v.20.9", "mp3"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ffprobe_info in;
        char err[FFPROBE_ERR_LEN];
        int fd = open_fixture(cases[i].file);

        assert_int_equal(probe_fd(fd, &in, err), FFPROBE_OK);
        assert_int_equal(close(fd), 0);
        assert_string_equal(in.container, cases[i].container);
        assert_string_equal(in.mime, cases[i].mime);
        assert_string_equal(in.video_codec, cases[i].video);
        assert_string_equal(in.audio_codec, cases[i].audio);
        assert_true(in.bitrate_kbps > 0);
    }
}

static void test_ffprobe_run_portrait_rotation(void **state)
{
    struct ffprobe_info in;
    char err[FFPROBE_ERR_LEN];
    int fd = open_fixture("h264-10s-320x180-portrait.mp4");

    (void)state;
    assert_int_equal(probe_fd(fd, &in, err), FFPROBE_OK);
    assert_int_equal(close(fd), 0);
    assert_int_equal(in.rotation, 90);
    assert_int_equal(in.width, 180);
    assert_int_equal(in.height, 320);
}

/* ------------------------------------------------------------------------
 * Hostile files through the real ffprobe
 * ------------------------------------------------------------------------ */

static void test_ffprobe_run_text_empty_and_truncated_fail_with_reason(void **state)
{
    struct ffprobe_info in;
    char err[FFPROBE_ERR_LEN];
    char head[4096];
    int fd, src;

    (void)state;
    fd = temp_with("this is not a video, only txt\n", 30);
    assert_int_equal(probe_fd(fd, &in, err), FFPROBE_EUNREADABLE);
    assert_non_null(strstr(err, "ffprobe cannot read the file: "));
    assert_null(strstr(err, "/dev/fd")); /* the input's name is cut */
    assert_int_equal(close(fd), 0);

    fd = temp_with("", 0);
    assert_int_equal(probe_fd(fd, &in, err), FFPROBE_EUNREADABLE);
    assert_int_equal(close(fd), 0);

    /* the moov of this file is at its end: the first 4 KiB hold none */
    src = open_fixture("h264-aac-10s-320x180-moov-end.mp4");
    assert_int_equal(read(src, head, sizeof(head)), (ssize_t)sizeof(head));
    assert_int_equal(close(src), 0);
    fd = temp_with(head, sizeof(head));
    assert_int_equal(probe_fd(fd, &in, err), FFPROBE_EUNREADABLE);
    assert_string_equal(err, "ffprobe cannot read the file: moov atom not found (Invalid data "
                             "found when processing input)");
    assert_int_equal(close(fd), 0);
}

/* A playlist pointing at a socket we listen on: ffprobe must refuse the
 * demuxer and never connect. */
static void test_ffprobe_run_playlist_never_fetches(void **state)
{
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);
    char text[512], err[FFPROBE_ERR_LEN];
    struct ffprobe_info in;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int fd;

    (void)state;
    assert_true(s >= 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s, 4), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    snprintf(text, sizeof(text),
             "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:%u/seg.ts\n"
             "#EXT-X-ENDLIST\n",
             ntohs(a.sin_port));
    fd = temp_with(text, strlen(text));
    assert_int_equal(probe_fd(fd, &in, err), FFPROBE_EUNREADABLE);
    assert_int_equal(close(fd), 0);
    assert_int_equal(accept(s, NULL, NULL), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    assert_int_equal(close(s), 0);
}

static void test_ffprobe_run_timeout_is_a_reason(void **state)
{
    struct child_limits quick = lim;
    struct ffprobe_info in;
    char err[FFPROBE_ERR_LEN];
    int fd = open_fixture("h264-aac-15s-320x180.mp4");

    (void)state;
    quick.timeout_ms = 1; /* no ffprobe starts in 1 ms */
    assert_int_equal(ffprobe_run(NULL, "ffprobe", &quick, fd, &in, err, sizeof(err)),
                     FFPROBE_EUNREADABLE);
    assert_string_equal(err, "ffprobe timed out after 1 s");
    assert_int_equal(ffprobe_run(NULL, "/nonexistent/ffprobe", &lim, fd, &in, err, sizeof(err)),
                     FFPROBE_ESTART);
    assert_int_equal(close(fd), 0);
}

/* ------------------------------------------------------------------------
 * The parser and the rules on hand-written JSON
 * ------------------------------------------------------------------------ */

#define VIDEO(extra)                                                                               \
    "{\"streams\":[{\"codec_type\":\"video\",\"codec_name\":\"h264\",\"profile\":\"High\","        \
    "\"level\":40,\"width\":1920,\"height\":1080,\"avg_frame_rate\":\"30000/1001\"" extra "}"

static int parse(const char *json, struct ffprobe_info *in)
{
    char err[FFPROBE_ERR_LEN];

    return ffprobe_parse(json, strlen(json), in, err, sizeof(err));
}

static void test_ffprobe_parse_basic_numbers_as_strings(void **state)
{
    struct ffprobe_info in;
    char err[FFPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(parse(VIDEO(",\"nb_frames\":\"450\"") "],\"format\":{\"format_name\":"
                                                            "\"mov,mp4,m4a,3gp,3g2,mj2\","
                                                            "\"duration\":\"15.015\",\"size\":"
                                                            "\"153663\",\"bit_rate\":81872}}",
                           &in),
                     0);
    assert_string_equal(in.container, "mp4");
    assert_int_equal(in.duration_ms, 15015);
    assert_int_equal(in.width, 1920);
    assert_int_equal(in.height, 1080);
    assert_int_equal(in.fps_num, 30000);
    assert_int_equal(in.fps_den, 1001);
    assert_int_equal(in.bitrate_kbps, 82);
    assert_int_equal(in.size, 153663);
    assert_int_equal(in.video_frames, 450);
    assert_string_equal(in.video_codec, "avc1.640028");
    assert_false(in.has_audio);
    assert_int_equal(ffprobe_check(&in, err, sizeof(err)), 0);
}

static void test_ffprobe_parse_refuses_what_is_not_ffprobe_output(void **state)
{
    struct ffprobe_info in;
    char err[FFPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(ffprobe_parse("", 0, &in, err, sizeof(err)), -1);
    assert_string_equal(err, "unreadable ffprobe output");
    assert_int_equal(parse("[1,2]", &in), -1);
    assert_int_equal(parse("{\"streams\":{}}", &in), -1);
    assert_int_equal(parse("{\"streams\":[],\"format\":3}", &in), -1);
    /* duplicate keys are refused, not resolved */
    assert_int_equal(parse("{\"streams\":[],\"format\":{},\"format\":{}}", &in), -1);
    /* wrong types are ignored field by field */
    assert_int_equal(parse("{\"streams\":[7,{\"codec_type\":\"video\",\"width\":\"wide\","
                           "\"height\":-3}],\"format\":{\"duration\":\"NaN\",\"size\":[]}}",
                           &in),
                     0);
    assert_true(in.has_video);
    assert_int_equal(in.width, 0);
    assert_int_equal(in.height, 0);
    assert_int_equal(in.duration_ms, 0);
    assert_int_equal(ffprobe_check(&in, err, sizeof(err)), -1);
}

static void test_ffprobe_parse_rotation_and_cover_art(void **state)
{
    struct ffprobe_info in;

    (void)state;
    assert_int_equal(
        parse("{\"streams\":[{\"codec_type\":\"video\",\"codec_name\":\"mjpeg\",\"width\":600,"
              "\"height\":600,\"disposition\":{\"attached_pic\":1}},"
              "{\"codec_type\":\"video\",\"codec_name\":\"h264\",\"width\":1920,\"height\":1080,"
              "\"side_data_list\":[{\"side_data_type\":\"Display Matrix\",\"rotation\":90}]}],"
              "\"format\":{\"format_name\":\"mov,mp4\",\"duration\":\"10\"}}",
              &in),
        0);
    assert_string_equal(in.video_name, "h264");
    assert_int_equal(in.rotation, 270);
    assert_int_equal(in.width, 1080);
    assert_int_equal(in.height, 1920);
    assert_int_equal(parse(VIDEO(",\"tags\":{\"rotate\":\"180\"}") "],\"format\":{}}", &in), 0);
    assert_int_equal(in.rotation, 180);
    assert_int_equal(in.width, 1920);
}

static void expect_refused(const char *json, const char *reason_part)
{
    struct ffprobe_info in;
    char err[FFPROBE_ERR_LEN];

    assert_int_equal(parse(json, &in), 0);
    assert_int_equal(ffprobe_check(&in, err, sizeof(err)), -1);
    if (strstr(err, reason_part) == NULL)
        fail_msg("reason '%s' lacks '%s'", err, reason_part);
}

static void test_ffprobe_check_refusals_have_reasons(void **state)
{
    (void)state;
    /* a 10-hour duration header */
    expect_refused(VIDEO("") "],\"format\":{\"duration\":\"36000.0\"}}",
                   "duration 36000.000 s exceeds 120 seconds");
    expect_refused(VIDEO("") "],\"format\":{\"duration\":\"0.3\"}}", "under 1 second");
    expect_refused(VIDEO("") "],\"format\":{}}", "does not state its duration");
    /* absurd dimensions */
    expect_refused("{\"streams\":[{\"codec_type\":\"video\",\"codec_name\":\"h264\","
                   "\"width\":65535,\"height\":65535}],\"format\":{\"duration\":\"10\"}}",
                   "video size 65535x65535 is outside 16x16..7680x4320");
    expect_refused("{\"streams\":[{\"codec_type\":\"video\",\"codec_name\":\"h264\","
                   "\"width\":8,\"height\":8}],\"format\":{\"duration\":\"10\"}}",
                   "outside 16x16");
    /* zero-length video stream */
    expect_refused(VIDEO(",\"nb_frames\":\"0\"") "],\"format\":{\"duration\":\"10\"}}",
                   "the video stream has no frames");
    /* unsupported codecs */
    expect_refused("{\"streams\":[{\"codec_type\":\"video\",\"codec_name\":\"cinepak\","
                   "\"width\":320,\"height\":240}],\"format\":{\"duration\":\"10\"}}",
                   "unsupported video codec 'cinepak'");
    expect_refused(VIDEO("") ",{\"codec_type\":\"audio\",\"codec_name\":\"wmav2\"}],"
                             "\"format\":{\"duration\":\"10\"}}",
                   "unsupported audio codec 'wmav2'");
    expect_refused("{\"streams\":[{\"codec_type\":\"audio\",\"codec_name\":\"aac\"}],"
                   "\"format\":{\"duration\":\"10\"}}",
                   "audio only: no video stream");
    expect_refused("{\"streams\":[{\"codec_type\":\"video\",\"codec_name\":\"h264\","
                   "\"width\":320,\"height\":240,\"avg_frame_rate\":\"1000/1\"}],"
                   "\"format\":{\"duration\":\"10\"}}",
                   "frame rate 1000/1 is above 240 fps");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ffprobe_run_matches_manifest),
        cmocka_unit_test(test_ffprobe_run_codec_strings_and_containers),
        cmocka_unit_test(test_ffprobe_run_portrait_rotation),
        cmocka_unit_test(test_ffprobe_run_text_empty_and_truncated_fail_with_reason),
        cmocka_unit_test(test_ffprobe_run_playlist_never_fetches),
        cmocka_unit_test(test_ffprobe_run_timeout_is_a_reason),
        cmocka_unit_test(test_ffprobe_parse_basic_numbers_as_strings),
        cmocka_unit_test(test_ffprobe_parse_refuses_what_is_not_ffprobe_output),
        cmocka_unit_test(test_ffprobe_parse_rotation_and_cover_art),
        cmocka_unit_test(test_ffprobe_check_refusals_have_reasons),
    };
    return cmocka_run_group_tests_name("ffprobe", tests, NULL, NULL);
}
