/*
 * Unit tests for lib/mediaprobe: the committed fixtures of
 * tests/fixtures/media (made by scripts/make-media-fixtures.sh) read back with
 * the values ffprobe wrote into their MANIFEST.tsv, exact expectations per
 * fixture, and hostile input: truncation at every length, byte flips,
 * impossible sizes, failing readers.
 *
 * Fixtures are found under $MEDIA_FIXTURES, else tests/fixtures/media relative
 * to the working directory (the top of the tree, as make runs the tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/mediaprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static const char *fixture_dir(void)
{
    const char *d = getenv("MEDIA_FIXTURES");

    return d != NULL && d[0] != '\0' ? d : "tests/fixtures/media";
}

static void fixture_path(char *out, size_t n, const char *name)
{
    int len = snprintf(out, n, "%s/%s", fixture_dir(), name);

    assert_true(len > 0 && (size_t)len < n);
}

/* The whole fixture in memory (free() it). */
static uint8_t *load(const char *name, size_t *len)
{
    char path[512];
    struct stat st;
    uint8_t *data;
    FILE *f;

    fixture_path(path, sizeof(path), name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    assert_int_equal(fstat(fileno(f), &st), 0);
    data = malloc((size_t)st.st_size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    assert_int_equal(fclose(f), 0);
    *len = (size_t)st.st_size;
    return data;
}

/* Probe a fixture through the fd reader, the path adserverd uses. */
static int probe_file(const char *name, struct mediaprobe_info *info, char *err)
{
    char path[512];
    int fd, rc;

    fixture_path(path, sizeof(path), name);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    rc = mediaprobe_read_fd(fd, info, err, MEDIAPROBE_ERR_LEN);
    assert_int_equal(close(fd), 0);
    return rc;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Append a box header (size, type) at buf + *off; returns where it starts. */
static size_t box(uint8_t *buf, size_t *off, uint32_t size, const char *type)
{
    size_t at = *off;

    put32(buf + at, size);
    memcpy(buf + at + 4, type, 4);
    *off += 8;
    return at;
}

/* Offset of the first top-level box of the given type, or SIZE_MAX. */
static size_t find_top(const uint8_t *d, size_t len, const char *type)
{
    size_t off = 0;

    while (off + 8 <= len) {
        uint32_t size = ((uint32_t)d[off] << 24) | ((uint32_t)d[off + 1] << 16) |
                        ((uint32_t)d[off + 2] << 8) | d[off + 3];
        if (memcmp(d + off + 4, type, 4) == 0)
            return off;
        if (size < 8)
            return SIZE_MAX;
        off += size;
    }
    return SIZE_MAX;
}

/* ------------------------------------------------------------------------
 * Fixtures against ffprobe's MANIFEST.tsv
 * ------------------------------------------------------------------------ */

static void test_mediaprobe_read_fd_matches_ffprobe_manifest(void **state)
{
    char path[512], line[512];
    FILE *f;
    int rows = 0;

    (void)state;
    fixture_path(path, sizeof(path), "MANIFEST.tsv");
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    while (fgets(line, sizeof(line), f) != NULL) {
        char name[128], vtag[16], atag[16], rate[32];
        unsigned long long ms, bytes;
        unsigned w, h, num = 0, den = 0;
        struct mediaprobe_info info;
        char err[MEDIAPROBE_ERR_LEN];
        int rc;

        if (line[0] == '#')
            continue;
        assert_int_equal(sscanf(line, "%127s %llu %u %u %15s %15s %31s %llu", name, &ms, &w, &h,
                                vtag, atag, rate, &bytes),
                         8);
        rows++;
        rc = probe_file(name, &info, err);
        if (strcmp(vtag, "-") == 0) { /* ffprobe saw no video stream */
            assert_int_equal(rc, MEDIAPROBE_ENOVIDEO);
            continue;
        }
        if (rc != 0)
            fail_msg("%s: %s (%s)", name, mediaprobe_strerror(rc), err);
        assert_int_equal(info.size, bytes);
        if (info.duration_ms != ms)
            fail_msg("%s: duration %llu ms, ffprobe %llu ms", name,
                     (unsigned long long)info.duration_ms, ms);
        assert_int_equal(info.width, w);
        assert_int_equal(info.height, h);
        /* ffprobe names the sample entry or FourCC; ours starts with it. */
        assert_int_equal(strncasecmp(info.video_codec, vtag, strlen(vtag)), 0);
        if (strcmp(atag, "-") == 0)
            assert_string_equal(info.audio_codec, "");
        else
            assert_int_equal(strncasecmp(info.audio_codec, atag, strlen(atag)), 0);
        assert_int_equal(sscanf(rate, "%u/%u", &num, &den), 2);
        assert_int_equal(info.fps_num, num);
        assert_int_equal(info.fps_den, den);
    }
    assert_int_equal(fclose(f), 0);
    assert_true(rows >= 10);
}

/* ------------------------------------------------------------------------
 * Each fixture, exactly
 * ------------------------------------------------------------------------ */

static void test_mediaprobe_read_fd_faststart_mp4(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("h264-aac-15s-320x180.mp4", &info, err), 0);
    assert_int_equal(info.container, MEDIAPROBE_MP4);
    assert_string_equal(info.format, "mp4");
    assert_string_equal(info.mime, "video/mp4");
    assert_int_equal(info.duration_ms, 15000);
    assert_int_equal(info.width, 320);
    assert_int_equal(info.height, 180);
    assert_int_equal(info.rotation, 0);
    assert_int_equal(info.fps_num, 30);
    assert_int_equal(info.fps_den, 1);
    assert_string_equal(info.video_codec, "avc1.640015"); /* High, level 2.1 */
    assert_string_equal(info.audio_codec, "mp4a.40.2");   /* AAC-LC */
    assert_int_equal(info.bitrate_kbps, (info.size * 8 + 7500) / 15000);
    assert_true(info.faststart);
    assert_false(info.fragmented);
    assert_string_equal(err, "");
}

static void test_mediaprobe_read_fd_moov_at_end(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("h264-aac-10s-320x180-moov-end.mp4", &info, err), 0);
    assert_int_equal(info.container, MEDIAPROBE_MP4);
    assert_int_equal(info.duration_ms, 10000);
    assert_int_equal(info.fps_num, 25);
    assert_int_equal(info.fps_den, 1);
    assert_false(info.faststart);
}

static void test_mediaprobe_read_fd_quicktime_ntsc(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("h264-aac-10s-320x240.mov", &info, err), 0);
    assert_int_equal(info.container, MEDIAPROBE_MOV);
    assert_string_equal(info.format, "mov");
    assert_string_equal(info.mime, "video/quicktime");
    assert_int_equal(info.duration_ms, 10010);
    assert_int_equal(info.width, 320);
    assert_int_equal(info.height, 240);
    assert_int_equal(info.fps_num, 30000);
    assert_int_equal(info.fps_den, 1001);
    assert_string_equal(info.audio_codec, "mp4a.40.2");
}

static void test_mediaprobe_read_fd_avi(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("mpeg4-mp3-12s-320x240.avi", &info, err), 0);
    assert_int_equal(info.container, MEDIAPROBE_AVI);
    assert_string_equal(info.format, "avi");
    assert_string_equal(info.mime, "video/x-msvideo");
    /* The MP3 stream, with its encoder delay, is the longest. */
    assert_int_equal(info.duration_ms, 12042);
    assert_int_equal(info.width, 320);
    assert_int_equal(info.height, 240);
    assert_int_equal(info.fps_num, 24);
    assert_int_equal(info.fps_den, 1);
    assert_string_equal(info.video_codec, "FMP4");
    assert_string_equal(info.audio_codec, "mp3");
    assert_true(info.faststart);
}

static void test_mediaprobe_read_fd_fragmented(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("h264-aac-10s-320x180-frag.mp4", &info, err), 0);
    assert_true(info.fragmented);
    assert_true(info.faststart);
    /* The empty moov says nothing: the duration is summed from the truns. */
    assert_int_equal(info.duration_ms, 10067);
    assert_int_equal(info.fps_num, 30);
    assert_int_equal(info.fps_den, 1);
    assert_string_equal(info.video_codec, "avc1.640015");
}

static void test_mediaprobe_read_fd_hevc_codec_string(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("hevc-10s-320x180.mp4", &info, err), 0);
    /* Main profile (1), compatibility 0x6 reversed, Main tier level 2 (60),
     * constraint byte 0x90 (progressive, frame-only). */
    assert_string_equal(info.video_codec, "hvc1.1.6.L60.90");
    assert_string_equal(info.audio_codec, "");
    assert_int_equal(info.duration_ms, 10000);
}

static void test_mediaprobe_read_fd_vp9_opus(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("vp9-opus-10s-320x180.mp4", &info, err), 0);
    /* Profile 0, 8 bits; the level depends on the encoder's choice. */
    assert_int_equal(strncmp(info.video_codec, "vp09.00.", 8), 0);
    assert_int_equal(strcmp(info.video_codec + strlen(info.video_codec) - 3, ".08"), 0);
    assert_string_equal(info.audio_codec, "opus");
}

static void test_mediaprobe_read_fd_portrait_rotation(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("h264-10s-320x180-portrait.mp4", &info, err), 0);
    assert_int_equal(info.rotation, 90);
    assert_int_equal(info.width, 180); /* as displayed, not as coded */
    assert_int_equal(info.height, 320);
}

static void test_mediaprobe_read_fd_demo_creative(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("ctv-demo-15s-1280x720.mp4", &info, err), 0);
    assert_int_equal(info.width, 1280);
    assert_int_equal(info.height, 720);
    assert_int_equal(info.duration_ms, 15015); /* 450 frames at 29.97 */
    assert_int_equal(info.fps_num, 30000);
    assert_int_equal(info.fps_den, 1001);
    assert_string_equal(info.video_codec, "avc1.4D401F"); /* Main, level 3.1 */
    assert_true(info.faststart);
    assert_true(info.size < 200 * 1024);
}

/* ------------------------------------------------------------------------
 * Not a video
 * ------------------------------------------------------------------------ */

static void test_mediaprobe_read_fd_text_named_mp4_is_not_media(void **state)
{
    struct mediaprobe_info info, before;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    memset(&info, 0x5a, sizeof(info));
    before = info;
    assert_int_equal(probe_file("not-a-video.mp4", &info, err), MEDIAPROBE_ENOTMEDIA);
    assert_string_equal(err, "not a video file");
    assert_memory_equal(&info, &before, sizeof(info)); /* untouched on failure */
}

static void test_mediaprobe_read_fd_audio_only_is_no_video(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(probe_file("aac-10s.m4a", &info, err), MEDIAPROBE_ENOVIDEO);
    assert_string_equal(err, "audio only: no video track");
}

static void test_mediaprobe_read_mem_empty_and_short(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I'};

    (void)state;
    assert_int_equal(mediaprobe_read_mem("", 0, &info, err, sizeof(err)), MEDIAPROBE_ENOTMEDIA);
    assert_string_equal(err, "empty file");
    assert_int_equal(mediaprobe_read_mem("ftyp", 4, &info, err, sizeof(err)), MEDIAPROBE_ENOTMEDIA);
    assert_int_equal(mediaprobe_read_mem(png, sizeof(png), &info, err, sizeof(err)),
                     MEDIAPROBE_ENOTMEDIA);
    /* A RIFF that is not an AVI (a WAVE file). */
    assert_int_equal(mediaprobe_read_mem("RIFF\x04\0\0\0WAVEfmt ", 16, &info, err, sizeof(err)),
                     MEDIAPROBE_ENOTMEDIA);
}

static void test_mediaprobe_read_mem_heif_image_is_not_media(void **state)
{
    uint8_t buf[64];
    size_t off = 0;
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    memset(buf, 0, sizeof(buf));
    box(buf, &off, 16, "ftyp");
    memcpy(buf + off, "heic\0\0\0\0", 8);
    off += 8;
    box(buf, &off, 12, "meta");
    off += 4;
    assert_int_equal(mediaprobe_read_mem(buf, off, &info, err, sizeof(err)), MEDIAPROBE_ENOTMEDIA);
    assert_string_equal(err, "an image file, not a video");
}

/* ------------------------------------------------------------------------
 * Broken files
 * ------------------------------------------------------------------------ */

/* A strict prefix of a finished file never passes for a whole one. */
static void check_every_prefix_fails(const char *name)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];
    size_t len;
    uint8_t *d = load(name, &len);

    for (size_t cut = 0; cut < len; cut += (cut < 4096 ? 1 : 613)) {
        /* A private copy, so ASan sees any read past the cut. */
        uint8_t *c = malloc(cut ? cut : 1);
        int rc;
        assert_non_null(c);
        memcpy(c, d, cut);
        rc = mediaprobe_read_mem(c, cut, &info, err, sizeof(err));
        free(c);
        if (rc == 0)
            fail_msg("%s cut at %zu bytes passed", name, cut);
        assert_true(rc == MEDIAPROBE_ETRUNCATED || rc == MEDIAPROBE_ENOTMEDIA ||
                    rc == MEDIAPROBE_EMALFORMED);
        assert_true(err[0] != '\0');
    }
    free(d);
}

static void test_mediaprobe_read_mem_truncated_mp4(void **state)
{
    (void)state;
    check_every_prefix_fails("h264-aac-15s-320x180.mp4");
    check_every_prefix_fails("h264-aac-10s-320x180-moov-end.mp4");
}

static void test_mediaprobe_read_mem_truncated_avi(void **state)
{
    (void)state;
    check_every_prefix_fails("mpeg4-mp3-12s-320x240.avi");
}

static void test_mediaprobe_read_mem_cut_after_moov(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];
    size_t len, mdat;
    uint8_t *d = load("h264-aac-15s-320x180.mp4", &len);

    (void)state;
    mdat = find_top(d, len, "mdat");
    assert_true(mdat != SIZE_MAX);
    /* Every box complete, but the samples never arrived. */
    assert_int_equal(mediaprobe_read_mem(d, mdat, &info, err, sizeof(err)), MEDIAPROBE_ETRUNCATED);
    assert_string_equal(err, "no media data after the headers");
    free(d);
}

static void test_mediaprobe_read_mem_quicktime_without_ftyp(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];
    size_t len, ftyp_len;
    uint8_t *d = load("h264-aac-10s-320x240.mov", &len);

    (void)state;
    /* Old QuickTime files start straight with wide/mdat/moov. Dropping
     * ftyp moves the sample data but the probe never follows offsets. */
    assert_int_equal(find_top(d, len, "ftyp"), 0);
    ftyp_len = d[3];
    assert_int_equal(mediaprobe_read_mem(d + ftyp_len, len - ftyp_len, &info, err, sizeof(err)), 0);
    assert_int_equal(info.container, MEDIAPROBE_MOV);
    assert_int_equal(info.duration_ms, 10010);
    free(d);
}

/* Deterministic byte flips in the headers: no crash, no read out of bounds. */
static void test_mediaprobe_read_mem_flipped_bytes(void **state)
{
    static const char *const names[] = {"h264-aac-15s-320x180.mp4", "h264-aac-10s-320x180-frag.mp4",
                                        "mpeg4-mp3-12s-320x240.avi", "h264-aac-10s-320x240.mov"};
    uint32_t seed = 12345;

    (void)state;
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        size_t len, hdr;
        uint8_t *d = load(names[n], &len);
        uint8_t *c = malloc(len);

        assert_non_null(c);
        /* Flip within the first 8 KiB and the last 8 KiB, where the headers are. */
        hdr = len < 8192 ? len : 8192;
        for (int round = 0; round < 1500; round++) {
            struct mediaprobe_info info;
            char err[MEDIAPROBE_ERR_LEN];
            int rc;
            memcpy(c, d, len);
            for (int k = 0; k < 4; k++) {
                size_t at;
                seed = seed * 1103515245u + 12345u;
                at = (seed >> 8) % hdr;
                if (seed & 1)
                    at = len - 1 - at;
                seed = seed * 1103515245u + 12345u;
                c[at] ^= (uint8_t)(1u << ((seed >> 16) & 7));
            }
            rc = mediaprobe_read_mem(c, len, &info, err, sizeof(err));
            assert_true(rc <= 0 && rc >= MEDIAPROBE_ETOOBIG);
            if (rc != 0)
                assert_true(err[0] != '\0');
        }
        free(c);
        free(d);
    }
}

static void test_mediaprobe_read_mem_bad_box_sizes(void **state)
{
    uint8_t buf[64];
    size_t off;
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    /* A second box whose size is below its own header. */
    memset(buf, 0, sizeof(buf));
    off = 0;
    box(buf, &off, 16, "ftyp");
    memcpy(buf + off, "isom\0\0\0\0", 8);
    off += 8;
    box(buf, &off, 4, "free");
    off += 16;
    assert_int_equal(mediaprobe_read_mem(buf, off, &info, err, sizeof(err)), MEDIAPROBE_EMALFORMED);

    /* A 64-bit size running far past the end. */
    memset(buf, 0, sizeof(buf));
    off = 0;
    box(buf, &off, 16, "ftyp");
    memcpy(buf + off, "isom\0\0\0\0", 8);
    off += 8;
    box(buf, &off, 1, "mdat");
    put32(buf + off, 0x7fffffff);
    put32(buf + off + 4, 0xffffffff);
    off += 8;
    assert_int_equal(mediaprobe_read_mem(buf, off, &info, err, sizeof(err)), MEDIAPROBE_ETRUNCATED);

    /* ftyp and mdat only: never finalised. */
    memset(buf, 0, sizeof(buf));
    off = 0;
    box(buf, &off, 16, "ftyp");
    memcpy(buf + off, "isom\0\0\0\0", 8);
    off += 8;
    box(buf, &off, 0, "mdat"); /* size 0: to the end of the file */
    off += 8;
    assert_int_equal(mediaprobe_read_mem(buf, off, &info, err, sizeof(err)), MEDIAPROBE_EMALFORMED);
    assert_string_equal(err, "no moov box: the file was never finalised");
}

static void test_mediaprobe_read_mem_trak_overruns_moov(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];
    size_t len, moov;
    uint8_t *d = load("h264-aac-15s-320x180.mp4", &len);

    (void)state;
    moov = find_top(d, len, "moov");
    assert_true(moov != SIZE_MAX);
    /* moov's first child is mvhd: claim it is 1 GiB. */
    assert_memory_equal(d + moov + 12, "mvhd", 4);
    put32(d + moov + 8, 1u << 30);
    assert_int_equal(mediaprobe_read_mem(d, len, &info, err, sizeof(err)), MEDIAPROBE_EMALFORMED);
    assert_string_equal(err, "box 'mvhd' has a bad size inside 'moov'");
    free(d);
}

/* Found by the fuzzer: a video track whose stsd lists no entry passed as a
 * video with no codec. */
static void test_mediaprobe_read_mem_video_without_sample_entry_is_malformed(void **state)
{
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];
    size_t len, moov;
    uint8_t *d = load("hevc-10s-320x180.mp4", &len); /* one track: video */
    uint8_t *stsd;

    (void)state;
    moov = find_top(d, len, "moov");
    assert_true(moov != SIZE_MAX);
    stsd = memmem(d + moov, len - moov, "stsd", 4);
    assert_non_null(stsd);
    put32(stsd + 8, 0); /* after type and version/flags: entry_count */
    assert_int_equal(mediaprobe_read_mem(d, len, &info, err, sizeof(err)), MEDIAPROBE_EMALFORMED);
    assert_string_equal(err, "video track without a sample description");
    free(d);
}

/* A reader claiming a huge file; serves zeros past its small real prefix. */
struct fake {
    const uint8_t *data;
    size_t len;
    int fail_errno;
    unsigned reads;
};

static int fake_read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
    struct fake *f = ctx;

    f->reads++;
    if (f->fail_errno != 0) {
        errno = f->fail_errno;
        return -1;
    }
    memset(buf, 0, n);
    if (off < f->len)
        memcpy(buf, f->data + off, f->len - off < n ? f->len - off : n);
    return 0;
}

static void test_mediaprobe_read_huge_moov_is_too_big(void **state)
{
    uint8_t buf[32];
    size_t off = 0;
    struct fake f;
    struct mediaprobe_reader r;
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    box(buf, &off, 16, "ftyp");
    memcpy(buf + off, "isom\0\0\0\0", 8);
    off += 8;
    box(buf, &off, MEDIAPROBE_MOOV_MAX + 9, "moov");
    f = (struct fake){buf, off, 0, 0};
    r = (struct mediaprobe_reader){fake_read_at, &f, (uint64_t)off + MEDIAPROBE_MOOV_MAX + 1};
    assert_int_equal(mediaprobe_read(&r, &info, err, sizeof(err)), MEDIAPROBE_ETOOBIG);
    assert_true(f.reads <= 4); /* refused before reading it */
}

static void test_mediaprobe_read_too_many_boxes(void **state)
{
    size_t n = MEDIAPROBE_TOP_MAX + 2, len = n * 8, off = 0;
    uint8_t *buf = calloc(n, 8);
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_non_null(buf);
    box(buf, &off, 12, "ftyp");
    memcpy(buf + off, "isom", 4);
    off += 4;
    while (off + 8 <= len)
        box(buf, &off, 8, "free");
    assert_int_equal(mediaprobe_read_mem(buf, off, &info, err, sizeof(err)), MEDIAPROBE_ETOOBIG);
    free(buf);
}

static void test_mediaprobe_read_reader_failure_is_eio(void **state)
{
    struct fake f = {NULL, 0, EACCES, 0};
    struct mediaprobe_reader r = {fake_read_at, &f, 4096};
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    errno = 0;
    assert_int_equal(mediaprobe_read(&r, &info, err, sizeof(err)), MEDIAPROBE_EIO);
    assert_int_equal(errno, EACCES);
    assert_string_equal(err, "read failed at byte 0: Permission denied");
}

static void test_mediaprobe_read_fd_not_regular_file(void **state)
{
    int fds[2];
    struct mediaprobe_info info;
    char err[MEDIAPROBE_ERR_LEN];

    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(mediaprobe_read_fd(fds[0], &info, err, sizeof(err)), MEDIAPROBE_EIO);
    assert_string_equal(err, "not a regular file");
    assert_int_equal(close(fds[0]), 0);
    assert_int_equal(close(fds[1]), 0);
}

static void test_mediaprobe_read_error_buffer_optional_and_bounded(void **state)
{
    struct mediaprobe_info info;
    char small[8];

    (void)state;
    assert_int_equal(mediaprobe_read_mem("not a video at all", 18, &info, NULL, 0),
                     MEDIAPROBE_ENOTMEDIA);
    memset(small, 'x', sizeof(small));
    assert_int_equal(mediaprobe_read_mem("not a video at all", 18, &info, small, sizeof(small)),
                     MEDIAPROBE_ENOTMEDIA);
    assert_string_equal(small, "not a v");
}

static void test_mediaprobe_strerror_every_status(void **state)
{
    (void)state;
    assert_string_equal(mediaprobe_strerror(MEDIAPROBE_OK), "ok");
    for (int s = MEDIAPROBE_EIO; s >= MEDIAPROBE_ETOOBIG; s--)
        assert_string_not_equal(mediaprobe_strerror(s), "unknown error");
    assert_string_equal(mediaprobe_strerror(-99), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mediaprobe_read_fd_matches_ffprobe_manifest),
        cmocka_unit_test(test_mediaprobe_read_fd_faststart_mp4),
        cmocka_unit_test(test_mediaprobe_read_fd_moov_at_end),
        cmocka_unit_test(test_mediaprobe_read_fd_quicktime_ntsc),
        cmocka_unit_test(test_mediaprobe_read_fd_avi),
        cmocka_unit_test(test_mediaprobe_read_fd_fragmented),
        cmocka_unit_test(test_mediaprobe_read_fd_hevc_codec_string),
        cmocka_unit_test(test_mediaprobe_read_fd_vp9_opus),
        cmocka_unit_test(test_mediaprobe_read_fd_portrait_rotation),
        cmocka_unit_test(test_mediaprobe_read_fd_demo_creative),
        cmocka_unit_test(test_mediaprobe_read_fd_text_named_mp4_is_not_media),
        cmocka_unit_test(test_mediaprobe_read_fd_audio_only_is_no_video),
        cmocka_unit_test(test_mediaprobe_read_mem_empty_and_short),
        cmocka_unit_test(test_mediaprobe_read_mem_heif_image_is_not_media),
        cmocka_unit_test(test_mediaprobe_read_mem_truncated_mp4),
        cmocka_unit_test(test_mediaprobe_read_mem_truncated_avi),
        cmocka_unit_test(test_mediaprobe_read_mem_cut_after_moov),
        cmocka_unit_test(test_mediaprobe_read_mem_quicktime_without_ftyp),
        cmocka_unit_test(test_mediaprobe_read_mem_flipped_bytes),
        cmocka_unit_test(test_mediaprobe_read_mem_bad_box_sizes),
        cmocka_unit_test(test_mediaprobe_read_mem_trak_overruns_moov),
        cmocka_unit_test(test_mediaprobe_read_mem_video_without_sample_entry_is_malformed),
        cmocka_unit_test(test_mediaprobe_read_huge_moov_is_too_big),
        cmocka_unit_test(test_mediaprobe_read_too_many_boxes),
        cmocka_unit_test(test_mediaprobe_read_reader_failure_is_eio),
        cmocka_unit_test(test_mediaprobe_read_fd_not_regular_file),
        cmocka_unit_test(test_mediaprobe_read_error_buffer_optional_and_bounded),
        cmocka_unit_test(test_mediaprobe_strerror_every_status),
    };

    return cmocka_run_group_tests_name("mediaprobe", tests, NULL, NULL);
}
