/*
 * ladder: the rendition ladder, from configuration to the rungs one
 * creative gets.
 *
 * The ladder is the `media_ladder` setting, a comma-separated list of
 * NAME=WIDTHxHEIGHT@KBPS rungs (the default is the usual CTV ladder:
 * 1080p, 720p, 480p, 360p). For one source, ladder_plan() keeps the rungs
 * whose box the source fills (no rung is upscaled), fits the output inside
 * the box with the source's aspect ratio (even dimensions, as H.264 4:2:0
 * needs), and orders them smallest first so the first servable rendition
 * is ready soonest. A source smaller than every rung still gets one
 * rendition, at its own size, under the smallest rung's name.
 *
 * Pure functions: no I/O, no globals, thread-safe. ladder_parse() reads
 * configuration, which an operator writes: it is strict and bounded (at
 * most LADDER_MAX rungs) and has a fuzz target.
 */
#ifndef MEDIA_LADDER_H
#define MEDIA_LADDER_H

#include <stddef.h>
#include <stdint.h>

#define LADDER_MAX 8
#define LADDER_NAME_MAX 15

/* The default ladder: widely used CTV rungs and H.264 bitrates. */
#define LADDER_DEFAULT "1080p=1920x1080@5000,720p=1280x720@3000,480p=854x480@1200,360p=640x360@700"

struct ladder_rung {
    char name[LADDER_NAME_MAX + 1];
    uint32_t width;  /* the box: output fits inside it */
    uint32_t height;
    uint32_t kbps;   /* video bitrate asked of the encoder */
};

struct ladder {
    struct ladder_rung rung[LADDER_MAX];
    size_t n; /* 0: no renditions, the upload is served as it is */
};

/*
 * Parse text into *out. "" or "none" is the empty ladder. 0, or -1 with a
 * reason in err (names: 1..15 of [A-Za-z0-9_-], unique; sizes 16..7680 x
 * 16..4320; 100..100000 kbps).
 */
int ladder_parse(const char *text, struct ladder *out, char *err, size_t errlen);

/*
 * The rungs for a source of src_w x src_h (display size), smallest first,
 * into out (room for LADDER_MAX), widths and heights already fitted.
 * Returns how many (0 only for an empty ladder or an empty source).
 */
size_t ladder_plan(const struct ladder *l, uint32_t src_w, uint32_t src_h,
                   struct ladder_rung *out);

#endif
