/*
 * mediaprobe: what an uploaded creative really is, read from its bytes.
 *
 * The upload route trusts only the declared type and the file name (the
 * contract's 3.4.1); creative processing then calls this module on the stored
 * bytes to recognise the container by content (MP4/MOV boxes, AVI RIFF
 * chunks), and to read the duration, display size, codecs, frame rate and
 * average bitrate that VAST's Linear/Duration and MediaFile attributes must
 * state truthfully. A payload that is not a video is reported as such, with a
 * reason the caller can log and store.
 *
 * Only headers are read, never media samples: for MP4/MOV the top-level box
 * headers, ftyp, the whole moov (at most MEDIAPROBE_MOOV_MAX bytes) and, in
 * fragmented files, each moof; for AVI the chunk headers and the hdrl list.
 * Reads go through a reader callback, so the same code probes a local file
 * (mediaprobe_read_fd), memory (mediaprobe_read_mem, tests and fuzzing) or
 * remote storage (a reader doing HTTP range requests). The input is untrusted:
 * every size is checked against its parent and the file, the number of boxes
 * and the bytes held are bounded, and nothing recurses.
 *
 * No logging (lower layers return, upper layers log), no globals, thread-safe.
 */
#ifndef MEDIAPROBE_H
#define MEDIAPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest moov box read into memory (a 2-hour film's is ~20 MiB; a 30 s ad's ~20 KiB). */
#define MEDIAPROBE_MOOV_MAX (64u << 20)
/* Largest moof or AVI hdrl list read into memory. */
#define MEDIAPROBE_HEADER_MAX (4u << 20)
/* Most top-level boxes or chunks walked (a fragmented file has two per fragment). */
#define MEDIAPROBE_TOP_MAX 100000u
/* A buffer of this size holds any error message. */
#define MEDIAPROBE_ERR_LEN 128

enum mediaprobe_container {
    MEDIAPROBE_MP4 = 1, /* ISO base media file (ftyp other than 'qt  ') */
    MEDIAPROBE_MOV = 2, /* QuickTime ('qt  ' brand, or no ftyp at all) */
    MEDIAPROBE_AVI = 3, /* RIFF 'AVI ' */
};

/* Return codes: 0 or one of these negatives. */
enum mediaprobe_status {
    MEDIAPROBE_OK = 0,
    MEDIAPROBE_EIO = -1,        /* the reader failed; errno is kept */
    MEDIAPROBE_ENOTMEDIA = -2,  /* not MP4, MOV or AVI: not a video we know */
    MEDIAPROBE_ENOVIDEO = -3,   /* a known container without a video track */
    MEDIAPROBE_ETRUNCATED = -4, /* a box or chunk runs past the end of the file */
    MEDIAPROBE_EMALFORMED = -5, /* the structure contradicts itself */
    MEDIAPROBE_ETOOBIG = -6,    /* past one of the limits above */
};

/*
 * Random access to the bytes being probed. read_at() must fill exactly n bytes
 * at off and return 0, or return -1 with errno set; it is only called for
 * ranges inside [0, size). Reads are few and sequential (one per top-level
 * box header, one per header box read whole), so a remote reader needs no
 * cache of its own.
 */
struct mediaprobe_reader {
    int (*read_at)(void *ctx, uint64_t off, void *buf, size_t n);
    void *ctx;
    uint64_t size;
};

struct mediaprobe_info {
    enum mediaprobe_container container;
    const char *format; /* "mp4", "mov" or "avi"; static */
    const char *mime;   /* "video/mp4", "video/quicktime" or "video/x-msvideo"; static */
    uint64_t size;      /* bytes, as the reader said */
    /* Presentation length of the longest track in milliseconds, rounded; 0 when
     * the container does not say (then bitrate_kbps is 0 too). */
    uint64_t duration_ms;
    /* Display size of the first video track, after its rotation; 0 when unknown. */
    uint32_t width;
    uint32_t height;
    int rotation; /* 0, 90, 180 or 270 degrees clockwise, from the MP4/MOV track matrix */
    /* Average frame rate fps_num/fps_den in lowest terms; 0/0 when unknown. */
    uint32_t fps_num;
    uint32_t fps_den;
    uint32_t bitrate_kbps; /* whole file: size * 8 / duration, rounded (VAST's bitrate) */
    /* RFC 6381 codec strings where the container carries what they need
     * ("avc1.64000D", "hvc1.1.6.L60.90", "vp09.00.10.08", "mp4a.40.2"), else the
     * sample entry or FourCC ("FMP4", "opus", "mp3"); audio_codec is "" when
     * there is no audio track. */
    char video_codec[48];
    char audio_codec[48];
    /* The header (moov, hdrl) precedes the media data, so a player can start
     * before the download ends. Always true for AVI, whose hdrl comes first. */
    bool faststart;
    bool fragmented; /* MP4/MOV with moof fragments (durations read from them) */
};

/*
 * Probe the bytes behind r. On success returns 0 and fills *info; on failure
 * returns a mediaprobe_status, leaves *info untouched and, when err is not
 * NULL, writes a short lowercase reason (at most errlen bytes with the NUL;
 * MEDIAPROBE_ERR_LEN is always enough) fit to log and to show to the user.
 */
int mediaprobe_read(const struct mediaprobe_reader *r, struct mediaprobe_info *info, char *err,
                    size_t errlen);

/* Probe len bytes at data (not copied, only read during the call). */
int mediaprobe_read_mem(const void *data, size_t len, struct mediaprobe_info *info, char *err,
                        size_t errlen);

/* Probe the regular file open on fd, with pread(2): the offset is unchanged and
 * fd stays open (the caller closes it). */
int mediaprobe_read_fd(int fd, struct mediaprobe_info *info, char *err, size_t errlen);

/* A fixed phrase for a status ("not a video file", ...); static. */
const char *mediaprobe_strerror(int status);

#endif
