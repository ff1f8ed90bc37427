/*
 * ffprobe: see ffprobe.h.
 *
 * ffprobe prints numbers both as JSON numbers and as strings ("duration":
 * "15.000000", "bit_rate": "17061"); num() accepts either and refuses
 * anything else, NaN, infinities and negatives where they make no sense.
 */
#include "media/ffprobe.h"
#include "lib/buf.h"
#include "media/child.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Demuxers allowed to open an upload: our containers, nothing that follows links. */
#define FORMAT_WHITELIST "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi"

/* A JSON number or a numeric string; 0 with *v set, -1 otherwise. */
static int num(const json_t *j, double *v)
{
    const char *s;
    char *end;
    double d;

    if (json_is_number(j)) {
        d = json_number_value(j);
    } else if (json_is_string(j)) {
        s = json_string_value(j);
        if (s[0] == '\0')
            return -1;
        d = strtod(s, &end);
        if (*end != '\0')
            return -1;
    } else {
        return -1;
    }
    if (!isfinite(d))
        return -1;
    *v = d;
    return 0;
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL ? s : "";
}

/* "30000/1001" into lowest terms; 0/0 when absent or not a positive rate. */
static void rate(const char *s, uint32_t *num_out, uint32_t *den_out)
{
    unsigned long a, b, x, y;
    char *end;

    *num_out = *den_out = 0;
    a = strtoul(s, &end, 10);
    if (end == s || *end != '/')
        return;
    s = end + 1;
    b = strtoul(s, &end, 10);
    if (end == s || *end != '\0' || a == 0 || b == 0 || a > UINT32_MAX || b > UINT32_MAX)
        return;
    x = a, y = b;
    while (y != 0) {
        unsigned long t = x % y;
        x = y;
        y = t;
    }
    *num_out = (uint32_t)(a / x);
    *den_out = (uint32_t)(b / x);
}

static int level_of(const json_t *stream)
{
    double v;

    if (num(json_object_get(stream, "level"), &v) != 0 || v < 0 || v > 255)
        return -1;
    return (int)v;
}

static void video_codec_string(const json_t *st, char *out, size_t n)
{
    const char *name = str(st, "codec_name");
    const char *profile = str(st, "profile");
    const char *tag = str(st, "codec_tag_string");
    int level = level_of(st);

    if (strcmp(name, "h264") == 0) {
        /* profile_idc and constraint flags as encoders set them for each profile */
        const char *pc = strcmp(profile, "Constrained Baseline") == 0 ? "42C0"
                         : strcmp(profile, "Baseline") == 0           ? "4200"
                         : strcmp(profile, "Main") == 0               ? "4D40"
                         : strcmp(profile, "High 10") == 0            ? "6E00"
                         : strcmp(profile, "High 4:2:2") == 0         ? "7A00"
                                                                       : "6400";
        snprintf(out, n, "%s.%s%02X", strcmp(tag, "avc3") == 0 ? "avc3" : "avc1", pc,
                 level >= 0 ? level : 0x1F);
    } else if (strcmp(name, "hevc") == 0) {
        int main10 = strcmp(profile, "Main 10") == 0;
        snprintf(out, n, "%s.%d.%d.L%d.90", strcmp(tag, "hev1") == 0 ? "hev1" : "hvc1",
                 main10 ? 2 : 1, main10 ? 4 : 6, level >= 0 ? level : 93);
    } else if (strcmp(name, "vp8") == 0 || strcmp(name, "vp9") == 0) {
        snprintf(out, n, "%s", name);
    } else if (strcmp(name, "av1") == 0) {
        snprintf(out, n, "av01");
    } else if (strcmp(name, "mpeg4") == 0) {
        snprintf(out, n, "mp4v.20.9");
    } else {
        snprintf(out, n, "%s", name);
    }
}

static void audio_codec_string(const json_t *st, char *out, size_t n)
{
    const char *name = str(st, "codec_name");
    const char *profile = str(st, "profile");

    if (strcmp(name, "aac") == 0)
        snprintf(out, n, "mp4a.40.%d", strcmp(profile, "HE-AACv2") == 0 ? 29
                                       : strcmp(profile, "HE-AAC") == 0 ? 5
                                                                        : 2);
    else if (strcmp(name, "ac3") == 0)
        snprintf(out, n, "ac-3");
    else if (strcmp(name, "eac3") == 0)
        snprintf(out, n, "ec-3");
    else
        snprintf(out, n, "%s", name);
}

/* Clockwise degrees from the display matrix side data or the old rotate tag. */
static int rotation_of(const json_t *st)
{
    const json_t *sd = json_object_get(st, "side_data_list");
    double v = 0;
    int found = 0;
    long deg;

    for (size_t i = 0; i < json_array_size(sd); i++) {
        const json_t *e = json_array_get(sd, i);
        /* ffprobe states the matrix's rotation counter-clockwise */
        if (num(json_object_get(e, "rotation"), &v) == 0) {
            v = -v;
            found = 1;
            break;
        }
    }
    if (!found && num(json_object_get(json_object_get(st, "tags"), "rotate"), &v) != 0)
        return 0;
    if (fabs(v) > 3600)
        return 0;
    deg = lround(v) % 360;
    if (deg < 0)
        deg += 360;
    /* only right angles change the display size; others are shown as coded */
    return deg % 90 == 0 ? (int)deg : 0;
}

static void container_of(const json_t *format, struct ffprobe_info *in)
{
    const char *fmt = str(format, "format_name");
    const char *brand = str(json_object_get(format, "tags"), "major_brand");

    if (strncmp(fmt, "mov,", 4) == 0) {
        int qt = strcmp(brand, "qt  ") == 0;
        snprintf(in->container, sizeof(in->container), qt ? "mov" : "mp4");
        in->mime = qt ? "video/quicktime" : "video/mp4";
    } else if (strcmp(fmt, "matroska,webm") == 0) {
        /* WebM is the Matroska subset with VP8/VP9/AV1 and Opus/Vorbis */
        int webm = (in->video_name[0] == '\0' || strcmp(in->video_name, "vp8") == 0 ||
                    strcmp(in->video_name, "vp9") == 0 || strcmp(in->video_name, "av1") == 0) &&
                   (in->audio_name[0] == '\0' || strcmp(in->audio_name, "opus") == 0 ||
                    strcmp(in->audio_name, "vorbis") == 0);
        snprintf(in->container, sizeof(in->container), webm ? "webm" : "mkv");
        in->mime = webm ? "video/webm" : "video/x-matroska";
    } else if (strcmp(fmt, "avi") == 0) {
        snprintf(in->container, sizeof(in->container), "avi");
        in->mime = "video/x-msvideo";
    } else {
        snprintf(in->container, sizeof(in->container), "other");
        in->mime = "application/octet-stream";
    }
}

static uint64_t to_ms(double seconds)
{
    if (seconds <= 0 || seconds > 1e12)
        return 0;
    return (uint64_t)llround(seconds * 1000.0);
}

int ffprobe_parse(const char *json, size_t len, struct ffprobe_info *out, char *err,
                  size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    const json_t *streams, *format, *video = NULL, *audio = NULL;
    struct ffprobe_info in;
    double v;
    int rc = -1;

    memset(&in, 0, sizeof(in));
    in.video_frames = -1;
    in.faststart = -1;
    if (root == NULL || !json_is_object(root)) {
        snprintf(err, errlen, "unreadable ffprobe output");
        goto cleanup;
    }
    streams = json_object_get(root, "streams");
    format = json_object_get(root, "format");
    if (!json_is_array(streams) || !json_is_object(format)) {
        snprintf(err, errlen, "ffprobe output without streams or format");
        goto cleanup;
    }
    for (size_t i = 0; i < json_array_size(streams); i++) {
        const json_t *st = json_array_get(streams, i);
        const char *type = str(st, "codec_type");
        const json_t *disp = json_object_get(st, "disposition");
        double pic = 0;

        /* cover art is a one-frame "video" stream: not the picture we serve */
        if (num(json_object_get(disp, "attached_pic"), &pic) == 0 && pic != 0)
            continue;
        if (video == NULL && strcmp(type, "video") == 0)
            video = st;
        else if (audio == NULL && strcmp(type, "audio") == 0)
            audio = st;
    }
    if (video != NULL) {
        uint32_t w = 0, h = 0;

        in.has_video = 1;
        snprintf(in.video_name, sizeof(in.video_name), "%s", str(video, "codec_name"));
        video_codec_string(video, in.video_codec, sizeof(in.video_codec));
        if (num(json_object_get(video, "width"), &v) == 0 && v > 0 && v <= 1e6)
            w = (uint32_t)v;
        if (num(json_object_get(video, "height"), &v) == 0 && v > 0 && v <= 1e6)
            h = (uint32_t)v;
        in.rotation = rotation_of(video);
        in.width = in.rotation % 180 == 90 ? h : w;
        in.height = in.rotation % 180 == 90 ? w : h;
        rate(str(video, "avg_frame_rate"), &in.fps_num, &in.fps_den);
        if (in.fps_den == 0)
            rate(str(video, "r_frame_rate"), &in.fps_num, &in.fps_den);
        if (num(json_object_get(video, "nb_frames"), &v) == 0 && v >= 0 && v < 1e15)
            in.video_frames = (long long)v;
    }
    if (audio != NULL) {
        in.has_audio = 1;
        snprintf(in.audio_name, sizeof(in.audio_name), "%s", str(audio, "codec_name"));
        audio_codec_string(audio, in.audio_codec, sizeof(in.audio_codec));
    }
    container_of(format, &in);
    if (num(json_object_get(format, "duration"), &v) == 0)
        in.duration_ms = to_ms(v);
    if (in.duration_ms == 0) {
        for (size_t i = 0; i < json_array_size(streams); i++)
            if (num(json_object_get(json_array_get(streams, i), "duration"), &v) == 0 &&
                to_ms(v) > in.duration_ms)
                in.duration_ms = to_ms(v);
    }
    if (num(json_object_get(format, "size"), &v) == 0 && v > 0 && v < 1e18)
        in.size = (uint64_t)v;
    if (num(json_object_get(format, "bit_rate"), &v) == 0 && v > 0 && v < 4e12)
        in.bitrate_kbps = (uint32_t)llround(v / 1000.0);
    else if (in.size > 0 && in.duration_ms > 0)
        in.bitrate_kbps = (uint32_t)((in.size * 8 + in.duration_ms / 2) / in.duration_ms);
    *out = in;
    rc = 0;
cleanup:
    json_decref(root);
    return rc;
}

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

int ffprobe_check(const struct ffprobe_info *in, char *err, size_t errlen)
{
    /* What ffmpeg decodes well and a mezzanine plausibly holds. */
    static const char *const vcodecs[] = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4",
                                          "prores", "mpeg2video"};
    static const char *const acodecs[] = {"aac", "mp3", "opus", "vorbis", "ac3", "eac3",
                                          "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_f32le"};
    uint64_t secs = (in->duration_ms + 500) / 1000;

    if (!in->has_video) {
        snprintf(err, errlen, in->has_audio ? "audio only: no video stream" : "no video stream");
        return -1;
    }
    if (!in_list(in->video_name, vcodecs, sizeof(vcodecs) / sizeof(vcodecs[0]))) {
        snprintf(err, errlen,
                 "unsupported video codec '%.24s': use H.264, HEVC, VP8, VP9, AV1 or ProRes",
                 in->video_name[0] != '\0' ? in->video_name : "unknown");
        return -1;
    }
    if (in->has_audio && !in_list(in->audio_name, acodecs, sizeof(acodecs) / sizeof(acodecs[0]))) {
        snprintf(err, errlen, "unsupported audio codec '%.24s': use AAC, MP3, Opus or Vorbis",
                 in->audio_name[0] != '\0' ? in->audio_name : "unknown");
        return -1;
    }
    if (in->width == 0 || in->height == 0) {
        snprintf(err, errlen, "the video stream does not state its size");
        return -1;
    }
    if (in->width > FFPROBE_MAX_WIDTH || in->height > FFPROBE_MAX_HEIGHT || in->width < 16 ||
        in->height < 16) {
        snprintf(err, errlen, "video size %ux%u is outside 16x16..%ux%u", in->width, in->height,
                 FFPROBE_MAX_WIDTH, FFPROBE_MAX_HEIGHT);
        return -1;
    }
    if (in->video_frames == 0) {
        snprintf(err, errlen, "the video stream has no frames");
        return -1;
    }
    if (in->fps_den != 0 && (uint64_t)in->fps_num > (uint64_t)in->fps_den * 240) {
        snprintf(err, errlen, "frame rate %u/%u is above 240 fps", in->fps_num, in->fps_den);
        return -1;
    }
    if (in->duration_ms == 0) {
        snprintf(err, errlen, "the file does not state its duration");
        return -1;
    }
    if (secs < FFPROBE_MIN_SECONDS) {
        snprintf(err, errlen, "duration %.3f s is under 1 second",
                 (double)in->duration_ms / 1000.0);
        return -1;
    }
    if (secs > FFPROBE_MAX_SECONDS) {
        snprintf(err, errlen, "duration %.3f s exceeds 120 seconds",
                 (double)in->duration_ms / 1000.0);
        return -1;
    }
    return 0;
}

/*
 * One line of stderr fit for a person: without the "[demuxer @ 0x...] "
 * prefix, the input's name, or control characters.
 */
static void clean_line(const char *start, const char *end, const char *input, char *out,
                       size_t n)
{
    size_t ilen = strlen(input);
    const char *at;

    if (end - start > 2 && start[0] == '[' && (at = memchr(start, ']', (size_t)(end - start))) &&
        at + 2 <= end && at[1] == ' ')
        start = at + 2;
    if ((size_t)(end - start) > ilen + 2 && strncmp(start, input, ilen) == 0 &&
        start[ilen] == ':' && start[ilen + 1] == ' ')
        start += ilen + 2;
    snprintf(out, n, "%.*s", (int)(end - start), start);
    for (char *p = out; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

/* Previous line start..end before pos in [text, pos), skipping empty lines. */
static int prev_line(const char *text, const char **pos, const char **start, const char **end)
{
    const char *e = *pos;

    while (e > text && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
        e--;
    if (e == text)
        return -1;
    *end = e;
    while (e > text && e[-1] != '\n')
        e--;
    *start = e;
    *pos = e;
    return 0;
}

/*
 * ffprobe's reason, from the end of its stderr: the last line, and the one
 * before it when the last is generic ("Invalid data found when processing
 * input" follows the specific "moov atom not found").
 */
static void stderr_reason(const char *tail, const char *input, char *out, size_t n)
{
    const char *pos = tail + strlen(tail);
    const char *s1, *e1, *s2, *e2;
    char last[160], before[160];

    if (prev_line(tail, &pos, &s1, &e1) != 0) {
        snprintf(out, n, "no message");
        return;
    }
    clean_line(s1, e1, input, last, sizeof(last));
    if (prev_line(tail, &pos, &s2, &e2) == 0) {
        clean_line(s2, e2, input, before, sizeof(before));
        if (strcmp(before, last) != 0) {
            snprintf(out, n, "%.90s (%.90s)", before, last);
            return;
        }
    }
    snprintf(out, n, "%s", last);
}

int ffprobe_run(struct child_slots *slots, const char *ffprobe, const struct child_limits *lim,
                int fd, struct ffprobe_info *out, char *err, size_t errlen)
{
    static const char input[] = "file:/dev/fd/3"; /* CHILD_INPUT_FD */
    char how[128], line[200];
    struct child_result res;
    struct buf o;
    int rc = FFPROBE_ESTART;

    const char *const argv[] = {ffprobe, "-hide_banner", "-v", "error",
                                "-protocol_whitelist", "file", "-format_whitelist",
                                FORMAT_WHITELIST, "-print_format", "json", "-show_format",
                                "-show_streams", "-i", input, NULL};
    buf_init(&o, FFPROBE_OUT_MAX);
    if (child_run(slots, argv, lim, fd, &o, &res, err, errlen) != 0)
        goto cleanup;
    rc = FFPROBE_EUNREADABLE;
    if (res.timed_out || res.overflowed || !res.exited || res.exit_code != 0) {
        child_describe(&res, lim, how, sizeof(how));
        stderr_reason(res.err_tail, input, line, sizeof(line));
        if (res.exited)
            snprintf(err, errlen, "ffprobe cannot read the file: %s", line);
        else
            snprintf(err, errlen, "ffprobe %s", how);
        goto cleanup;
    }
    if (ffprobe_parse(o.data != NULL ? o.data : "", o.len, out, err, errlen) != 0)
        goto cleanup;
    rc = FFPROBE_OK;
cleanup:
    buf_release(&o);
    return rc;
}
