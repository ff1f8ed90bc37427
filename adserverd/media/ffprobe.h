/*
 * ffprobe: what an uploaded creative really is, measured by Debian's
 * ffprobe in a child process (child.h) and read from its JSON
 * (`-print_format json -show_format -show_streams`) with jansson.
 *
 * Why ffprobe: it reads every container and codec the field uses, the
 * same way the transcoder will; the daemon keeps no container parser of
 * its own beyond the magic-byte sniff (sniff.h) that refuses playlists
 * before any tool sees them.
 *
 * The run is fenced: only the file protocol (`-protocol_whitelist file`),
 * only the demuxers of the containers we accept (`-format_whitelist`), the
 * input passed as an open descriptor (`file:/dev/fd/3`), resource limits and a timeout from the
 * caller. ffprobe_parse() is separate so tests and the fuzzer feed it any
 * text: the JSON is untrusted (it describes an uploaded file), every field
 * is optional and type-checked, and sizes are bounded.
 *
 * ffprobe_check() holds the rules a creative must pass to be served (a
 * video stream in a codec we accept, sane dimensions and frame rate, a
 * duration that rounds into 1..120 s); each refusal is a sentence a person
 * can act on.
 *
 * No logging, no globals, thread-safe.
 */
#ifndef MEDIA_FFPROBE_H
#define MEDIA_FFPROBE_H

#include <stddef.h>
#include <stdint.h>

struct child_slots;
struct child_limits;

/* Largest ffprobe output read (a short ad's is ~5 KiB). */
#define FFPROBE_OUT_MAX (1u << 20)
/* A buffer of this size holds any reason. */
#define FFPROBE_ERR_LEN 256
/* Largest display size accepted: 8K UHD. */
#define FFPROBE_MAX_WIDTH 7680
#define FFPROBE_MAX_HEIGHT 4320
/* The contract's creative duration bounds, in whole seconds. */
#define FFPROBE_MIN_SECONDS 1
#define FFPROBE_MAX_SECONDS 120

struct ffprobe_info {
    char container[8]; /* "mp4", "mov", "webm", "mkv" or "avi" */
    const char *mime;  /* static: video/mp4, video/quicktime, video/webm, ... */
    uint64_t size;     /* bytes, as ffprobe read them; 0 when unstated */
    uint64_t duration_ms; /* container duration, else the longest stream's; 0 unknown */
    /* Display size of the first video stream after its rotation; 0 unknown. */
    uint32_t width;
    uint32_t height;
    int rotation;       /* 0, 90, 180 or 270 degrees clockwise */
    uint32_t fps_num;   /* average frame rate fps_num/fps_den; 0/0 unknown */
    uint32_t fps_den;
    uint32_t bitrate_kbps; /* whole file, rounded; 0 unknown */
    int has_video;
    int has_audio;
    long long video_frames; /* nb_frames of the video stream; -1 when unstated */
    /* ffmpeg's codec names ("h264", "aac"); "" when absent. */
    char video_name[24];
    char audio_name[24];
    /* RFC 6381 codec strings where ffprobe says enough ("avc1.640015",
     * "hvc1.1.6.L60.90", "mp4a.40.2"), else a common short form ("vp9",
     * "opus"); "" when the stream is absent. For VAST's codec attribute. */
    char video_codec[48];
    char audio_codec[48];
    /* moov before mdat (plays while loading): 1, 0, or -1 unknown. ffprobe
     * does not say; ffprobe_parse() sets -1 and the caller fills it from
     * the sniff (sniff.h). */
    int faststart;
};

/*
 * Parse len bytes of ffprobe JSON into *out. 0 on success (a file without
 * a video stream still parses: has_video is 0), -1 with a reason in err
 * when the text is not ffprobe output. *out is written only on success.
 */
int ffprobe_parse(const char *json, size_t len, struct ffprobe_info *out, char *err,
                  size_t errlen);

/*
 * The rules a servable creative passes. 0, or -1 with a reason in err.
 */
int ffprobe_check(const struct ffprobe_info *info, char *err, size_t errlen);

/* Results of ffprobe_run(). */
enum ffprobe_status {
    FFPROBE_OK = 0,
    FFPROBE_EUNREADABLE = -1, /* ffprobe ran and refused the file (err says why) */
    FFPROBE_ESTART = -2,      /* ffprobe could not run: transient, retry later */
};

/*
 * Run ffprobe (a path or a name found in PATH) on the regular file open on
 * fd (left open) within lim, bounded by slots (may be NULL). On FFPROBE_OK
 * *out is filled.
 */
int ffprobe_run(struct child_slots *slots, const char *ffprobe, const struct child_limits *lim,
                int fd, struct ffprobe_info *out, char *err, size_t errlen);

#endif
