/*
 * sniff: the few magic bytes read before an uploaded file is handed to
 * ffprobe, and nothing more (ffprobe, in a child process, measures the
 * file: see ffprobe.h).
 *
 * Why it exists at all: a file that is really a playlist or a manifest
 * (HLS #EXTM3U, DASH MPD, ffconcat, SDP, a bare URL) would make a media
 * tool open what it points at. Such files, and anything that is not one of
 * the containers we serve (ISO BMFF MP4/MOV, Matroska/WebM, RIFF AVI), are
 * refused here so no tool ever sees them; ffprobe additionally runs with
 * only the file protocol and a demuxer whitelist.
 *
 * For ISO BMFF files it also walks the top-level box headers (at most
 * SNIFF_BOXES_MAX of them, headers only) to tell whether the movie header
 * (moov) precedes the media data (mdat): a "faststart" file plays while it
 * downloads, which ffprobe does not report.
 *
 * No logging, no globals, thread-safe. Input is untrusted: every length is
 * checked against the file size; nothing recurses.
 */
#ifndef MEDIA_SNIFF_H
#define MEDIA_SNIFF_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the head examined. */
#define SNIFF_HEAD 512
/* Top-level boxes walked for the faststart answer. */
#define SNIFF_BOXES_MAX 256

enum sniff_kind {
    SNIFF_UNKNOWN = 0,  /* not a container we serve */
    SNIFF_ISOBMFF = 1,  /* MP4 or QuickTime */
    SNIFF_MATROSKA = 2, /* Matroska or WebM (EBML) */
    SNIFF_AVI = 3,      /* RIFF AVI */
    SNIFF_REFERENCE = 4 /* a playlist, manifest or URL: refers to other files */
};

struct sniff_result {
    enum sniff_kind kind;
    const char *reason; /* static; why it is refused; NULL for a container we serve */
    int quicktime;      /* ISO BMFF with the 'qt  ' brand, or no ftyp */
    int webm;           /* Matroska whose DocType is "webm" */
    int faststart;      /* ISO BMFF: moov before mdat; -1 when not known */
};

/*
 * Random access to the bytes: fill exactly n bytes at off and return 0, or
 * -1 (errno set). Only called inside [0, size).
 */
struct sniff_reader {
    int (*read_at)(void *ctx, uint64_t off, void *buf, size_t n);
    void *ctx;
    uint64_t size;
};

/* Sniff the bytes behind r. 0 with *out filled (kind may be UNKNOWN or
 * REFERENCE, with a reason), -1 when the reader failed. */
int sniff_read(const struct sniff_reader *r, struct sniff_result *out);

/* The same over len bytes at data (read during the call only). */
int sniff_read_mem(const void *data, size_t len, struct sniff_result *out);

/* The same over the regular file open on fd (pread; the offset is unchanged). */
int sniff_read_fd(int fd, struct sniff_result *out);

#endif
