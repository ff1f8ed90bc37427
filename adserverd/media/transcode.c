/*
 * transcode: see transcode.h.
 */
#include "media/transcode.h"
#include "lib/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FORMAT_WHITELIST "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi"

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The reason of a failed run: how it ended and ffmpeg's last words. */
static void reason(const char *tool, const struct child_result *res,
                   const struct child_limits *lim, char *err, size_t errlen)
{
    char how[128];
    const char *tail = res->err_tail;
    size_t n = strlen(tail);
    const char *line;

    child_describe(res, lim, how, sizeof(how));
    while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
        n--;
    line = tail + n;
    while (line > tail && line[-1] != '\n')
        line--;
    if (line < tail + n)
        snprintf(err, errlen, "%s %s: %.*s", tool, how, (int)(tail + n - line), line);
    else
        snprintf(err, errlen, "%s %s", tool, how);
    for (char *p = err; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

static int run(struct child_slots *slots, const char *tool, const char *const argv[],
               const struct child_limits *lim, int in_fd, char *err, size_t errlen)
{
    struct child_result res;

    if (child_run(slots, argv, lim, in_fd, NULL, &res, err, errlen) != 0)
        return TRANSCODE_ESTART;
    if (res.exited && res.exit_code == 0 && !res.timed_out)
        return TRANSCODE_OK;
    reason(tool, &res, lim, err, errlen);
    /* a shutdown is no verdict on the file: the rung is made after the restart */
    return res.cancelled ? TRANSCODE_ESTART : TRANSCODE_EFAILED;
}

int transcode_count_segments(const char *playlist_path, char *err, size_t errlen)
{
    char line[512], dir[4096], path[4400];
    const char *slash = strrchr(playlist_path, '/');
    FILE *f;
    int n = 0, rc = -1;
    struct stat st;

    if (slash == NULL || (size_t)(slash - playlist_path) >= sizeof(dir)) {
        snprintf(err, errlen, "bad playlist path");
        return -1;
    }
    memcpy(dir, playlist_path, (size_t)(slash - playlist_path));
    dir[slash - playlist_path] = '\0';
    f = fopen(playlist_path, "re");
    if (f == NULL) {
        snprintf(err, errlen, "no media playlist: %s", strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char want[32];

        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        snprintf(want, sizeof(want), "seg_%03d.ts", n);
        if (strcmp(line, want) != 0 || n >= TRANSCODE_SEGMENTS_MAX) {
            snprintf(err, errlen, "unexpected segment in the media playlist");
            goto cleanup;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, want);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "segment %s missing", want);
            goto cleanup;
        }
        n++;
    }
    if (n == 0) {
        snprintf(err, errlen, "the media playlist lists no segment");
        goto cleanup;
    }
    rc = n;
cleanup:
    fclose(f); /* read-only */
    return rc;
}

int transcode_rung(struct child_slots *slots, const struct transcode_settings *s, int in_fd,
                   unsigned width, unsigned height, unsigned kbps, const char *workdir,
                   struct transcode_result *out, char *err, size_t errlen)
{
    char mp4[4200], mp4_in[4210], hls[4200], seg[4240], playlist[4240];
    char vf[96], bv[24], maxrate[24], bufsize[24], ab[16], gop[64];
    struct transcode_result r;
    int64_t t0;
    int fd = -1, rc;

    memset(&r, 0, sizeof(r));
    if (snprintf(mp4, sizeof(mp4), "%s/r.mp4", workdir) >= (int)sizeof(mp4) ||
        snprintf(hls, sizeof(hls), "%s/hls", workdir) >= (int)sizeof(hls)) {
        snprintf(err, errlen, "work directory path too long");
        return TRANSCODE_ESTART;
    }
    snprintf(mp4_in, sizeof(mp4_in), "file:%s", mp4);
    snprintf(seg, sizeof(seg), "%s/seg_%%03d.ts", hls);
    snprintf(playlist, sizeof(playlist), "%s/index.m3u8", hls);
    if (mkdir(hls, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", hls, strerror(errno));
        return TRANSCODE_ESTART;
    }
    /* setsar=1: square pixels, as the fitted size already has the display aspect */
    snprintf(vf, sizeof(vf), "scale=%u:%u:flags=bicubic,setsar=1", width, height);
    snprintf(bv, sizeof(bv), "%uk", kbps);
    snprintf(maxrate, sizeof(maxrate), "%uk", kbps + kbps / 10);
    snprintf(bufsize, sizeof(bufsize), "%uk", kbps * 2);
    snprintf(ab, sizeof(ab), "%dk", TRANSCODE_AUDIO_KBPS);
    /* a keyframe every 2 s, whatever the frame rate: segments cut cleanly */
    snprintf(gop, sizeof(gop), "expr:gte(t,n_forced*2)");
    {
        const char *const argv[] = {
            s->ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-threads", "1",
            "-protocol_whitelist", "file", "-format_whitelist", FORMAT_WHITELIST, "-i",
            "file:/dev/fd/3", "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata",
            "-1", "-vf", vf, "-c:v", "libx264", "-preset", s->preset, "-profile:v", "high",
            "-pix_fmt", "yuv420p", "-b:v", bv, "-maxrate", maxrate, "-bufsize", bufsize,
            "-force_key_frames", gop, "-sc_threshold", "0", "-x264-params", "threads=1",
            "-threads", "1", "-c:a", "aac", "-b:a", ab, "-ac", "2", "-ar", "48000", "-movflags",
            "+faststart", "-f", "mp4", "-y", mp4, NULL};
        t0 = now_ms();
        rc = run(slots, "ffmpeg", argv, &s->lim, in_fd, err, errlen);
        r.encode_ms = now_ms() - t0;
        if (rc != TRANSCODE_OK)
            return rc;
    }
    {
        char hls_time[16];
        const char *const argv[] = {
            s->ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-protocol_whitelist", "file",
            "-format_whitelist", "mov,mp4,m4a,3gp,3g2,mj2", "-i", mp4_in, "-map", "0", "-c",
            "copy", "-f", "hls", "-hls_time", hls_time, "-hls_playlist_type", "vod",
            "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
            "-hls_segment_filename", seg, "-y", playlist, NULL};

        snprintf(hls_time, sizeof(hls_time), "%d", TRANSCODE_SEGMENT_S);
        rc = run(slots, "ffmpeg (hls)", argv, &s->lim, -1, err, errlen);
        if (rc != TRANSCODE_OK)
            return rc;
    }
    r.hls_segments = transcode_count_segments(playlist, err, errlen);
    if (r.hls_segments < 0)
        return TRANSCODE_EFAILED;
    fd = open(mp4, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the rendition: %s", strerror(errno));
        return TRANSCODE_ESTART;
    }
    rc = ffprobe_run(slots, s->ffprobe, &s->probe_lim, fd, &r.info, err, errlen);
    (void)close(fd); /* read-only */
    if (rc == FFPROBE_ESTART)
        return TRANSCODE_ESTART;
    if (rc != FFPROBE_OK || !r.info.has_video || r.info.bitrate_kbps == 0)
        return TRANSCODE_EFAILED;
    *out = r;
    return TRANSCODE_OK;
}

int transcode_master(const struct transcode_variant *v, size_t n, struct buf *out)
{
    if (buf_puts(out, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n") != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned long long avg = (unsigned long long)v[i].bitrate_kbps * 1000;
        int rc;

        if (v[i].audio_codec != NULL && v[i].audio_codec[0] != '\0')
            rc = buf_printf(out,
                            "#EXT-X-STREAM-INF:BANDWIDTH=%llu,AVERAGE-BANDWIDTH=%llu,"
                            "RESOLUTION=%ux%u,CODECS=\"%s,%s\"\n%s\n",
                            avg + avg / 10, avg, v[i].width, v[i].height, v[i].video_codec,
                            v[i].audio_codec, v[i].uri);
        else
            rc = buf_printf(out,
                            "#EXT-X-STREAM-INF:BANDWIDTH=%llu,AVERAGE-BANDWIDTH=%llu,"
                            "RESOLUTION=%ux%u,CODECS=\"%s\"\n%s\n",
                            avg + avg / 10, avg, v[i].width, v[i].height, v[i].video_codec,
                            v[i].uri);
        if (rc != 0)
            return -1;
    }
    return 0;
}
