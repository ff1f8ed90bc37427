/*
 * transcode: one rung of the rendition ladder, made by Debian's ffmpeg in
 * fenced child processes (child.h): an H.264/AAC MP4 at the rung's size
 * and bitrate (faststart, 2-second closed GOPs so every HLS segment starts
 * on a keyframe), then the same stream cut into an HLS VOD media playlist
 * and MPEG-TS segments without re-encoding, then the MP4 measured by
 * ffprobe (its real size, bitrate and codecs go into VAST).
 *
 * Files are written into a work directory the caller owns and removes;
 * storing them is the caller's business. The source is read through a
 * descriptor (the child's fd 3), only with the file protocol and our
 * demuxers; outputs are bounded by RLIMIT_FSIZE.
 *
 * Load: CPU-bound, one core per run (-threads 1): concurrency is the
 * caller's child_slots. A 15 s 720p source takes seconds at veryfast.
 * No logging, no globals, thread-safe.
 */
#ifndef MEDIA_TRANSCODE_H
#define MEDIA_TRANSCODE_H

#include "media/child.h"
#include "media/ffprobe.h"

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Most segments one media playlist may have (120 s at 2 s is 60). */
#define TRANSCODE_SEGMENTS_MAX 1000
/* HLS segment length in seconds; a multiple of the GOP. */
#define TRANSCODE_SEGMENT_S 4
/* AAC bitrate of every rung (stereo, 48 kHz). */
#define TRANSCODE_AUDIO_KBPS 128

struct transcode_settings {
    const char *ffmpeg;  /* program name or path */
    const char *ffprobe;
    const char *preset;  /* x264 preset */
    struct child_limits lim;       /* per ffmpeg run */
    struct child_limits probe_lim; /* for the measuring ffprobe */
};

struct transcode_result {
    struct ffprobe_info info; /* of the MP4 */
    int hls_segments;         /* seg_000.ts .. in hls/ */
    int64_t encode_ms;        /* wall time of the MP4 encode */
};

enum transcode_status {
    TRANSCODE_OK = 0,
    TRANSCODE_EFAILED = -1, /* the tool refused or failed: err is the reason */
    TRANSCODE_ESTART = -2,  /* could not run a tool or write the work dir: retry later */
};

/*
 * Make one rung of width x height (even, fitted to the source's aspect) at
 * kbps from the source on in_fd, into workdir: workdir/r.mp4 and
 * workdir/hls/index.m3u8 with its segments. slots bounds concurrency (may
 * be NULL).
 */
int transcode_rung(struct child_slots *slots, const struct transcode_settings *s, int in_fd,
                   unsigned width, unsigned height, unsigned kbps, const char *workdir,
                   struct transcode_result *out, char *err, size_t errlen);

/* One variant of a master playlist. */
struct transcode_variant {
    unsigned bitrate_kbps; /* measured average of the whole file */
    unsigned width;
    unsigned height;
    const char *video_codec; /* RFC 6381 */
    const char *audio_codec; /* "" when none */
    const char *uri;         /* relative to the master playlist */
};

/*
 * Append an HLS master playlist of v[0..n) (in the order given) to out.
 * BANDWIDTH is the measured average plus 10% (encoders are asked for a
 * capped VBR of +10%), AVERAGE-BANDWIDTH the average. -1 when out is full.
 */
int transcode_master(const struct transcode_variant *v, size_t n, struct buf *out);

/*
 * Count the segments a media playlist at path lists, checking they are
 * seg_000.ts, seg_001.ts, ... and exist beside it; -1 otherwise.
 */
int transcode_count_segments(const char *playlist_path, char *err, size_t errlen);

#endif
