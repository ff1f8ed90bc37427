/*
 * mediaprobe: container parsing for creative processing, see mediaprobe.h.
 *
 * MP4/MOV (ISO/IEC 14496-12, QuickTime File Format): the top level is walked
 * header by header through the reader; ftyp names the brand, moov is read
 * whole and parsed in memory along the fixed paths we need
 * (moov/mvhd, moov/mvex/{mehd,trex}, moov/trak/{tkhd,mdia/{mdhd,hdlr,
 * minf/stbl/{stsd,stsz}}}); each moof adds its trun durations to the track.
 * AVI (RIFF, OpenDML): chunk headers are walked the same way and the hdrl list
 * is read whole (avih, strl/{strh,strf}, odml/dmlh).
 *
 * Invariants: every length is checked against its parent before use; a child
 * that overruns its parent is EMALFORMED, a top-level box or chunk that
 * overruns the file is ETRUNCATED (an upload cut short). Walking is iterative
 * with fixed nesting, so hostile input bounds neither stack nor time beyond
 * MEDIAPROBE_TOP_MAX reads. Results go into a local struct and are copied out
 * only on success.
 *
 * Load: once per upload, off the request path (creative processing worker);
 * a probe reads a few kilobytes for a typical ad.
 */
#include "media/mediaprobe.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FOURCC(a, b, c, d)                                                                         \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* ------------------------------------------------------------------------
 * Byte helpers and the probe context
 * ------------------------------------------------------------------------ */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return ((uint64_t)be32(p) << 32) | be32(p + 4);
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* A FourCC as printable text for messages and codec names ("avc1", "FMP4"). */
static void fourcc_str(uint32_t v, char out[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(v >> (24 - 8 * i));
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[4] = '\0';
}

struct probe {
    const struct mediaprobe_reader *r;
    char *err;
    size_t errlen;
};

static int fail(struct probe *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first reason only: inner failures are the precise ones. */
static int fail(struct probe *p, int status, const char *fmt, ...)
{
    va_list ap;

    if (p->err != NULL && p->errlen > 0 && p->err[0] == '\0') {
        va_start(ap, fmt);
        /* A cut message is still a message. */
        (void)vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* Read n bytes at off; a range past the end is ETRUNCATED. */
static int rd(struct probe *p, uint64_t off, void *buf, size_t n)
{
    const struct mediaprobe_reader *r = p->r;

    if (off > r->size || n > r->size - off)
        return fail(p, MEDIAPROBE_ETRUNCATED, "file ends at byte %llu, inside a header",
                    (unsigned long long)r->size);
    if (n == 0)
        return 0;
    if (r->read_at(r->ctx, off, buf, n) != 0) {
        int saved = errno;
        fail(p, MEDIAPROBE_EIO, "read failed at byte %llu: %s", (unsigned long long)off,
             strerror(saved));
        errno = saved;
        return MEDIAPROBE_EIO;
    }
    return 0;
}

/* v / timescale seconds in milliseconds, rounded; 0 when unknown or absurd. */
static uint64_t to_ms(uint64_t v, uint32_t timescale)
{
    if (timescale == 0 || v / timescale > UINT32_MAX)
        return 0;
    return v / timescale * 1000 + ((v % timescale) * 1000 + timescale / 2) / timescale;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* frames per (dur / timescale) seconds, as a reduced fraction that fits 32 bits. */
static void set_fps(struct mediaprobe_info *info, uint64_t frames, uint64_t dur, uint64_t timescale)
{
    uint64_t num, den, g;

    if (frames == 0 || dur == 0 || timescale == 0 || frames > UINT32_MAX || timescale > UINT32_MAX)
        return;
    num = frames * timescale;
    den = dur;
    g = gcd64(num, den);
    num /= g;
    den /= g;
    while (num > UINT32_MAX || den > UINT32_MAX) {
        /* Variable frame rate with an odd total: keep the ratio, lose exactness. */
        num = (num + 1) / 2;
        den = (den + 1) / 2;
    }
    if (num == 0 || den == 0)
        return;
    info->fps_num = (uint32_t)num;
    info->fps_den = (uint32_t)den;
}

/* ------------------------------------------------------------------------
 * MP4/MOV: boxes held in memory
 * ------------------------------------------------------------------------ */

struct box {
    uint32_t type;
    const uint8_t *body;
    size_t len;
};

struct boxiter {
    const uint8_t *p;
    size_t left;
    uint32_t parent;
};

static void boxiter_init(struct boxiter *it, const uint8_t *p, size_t len, uint32_t parent)
{
    it->p = p;
    it->left = len;
    it->parent = parent;
}

/*
 * The next child box: 1 with *b set, 0 at the end, or a negative status.
 * Fewer than 8 bytes left ends the list: QuickTime pads some lists with a
 * 4-byte zero terminator.
 */
static int boxiter_next(struct probe *p, struct boxiter *it, struct box *b)
{
    uint64_t size;
    size_t hdr = 8;
    char t[5], pt[5];

    if (it->left < 8)
        return 0;
    size = be32(it->p);
    b->type = be32(it->p + 4);
    if (size == 1) {
        if (it->left < 16)
            goto overrun;
        size = be64(it->p + 8);
        hdr = 16;
    } else if (size == 0) {
        size = it->left; /* to the end of the parent */
    }
    if (size < hdr || size > it->left)
        goto overrun;
    b->body = it->p + hdr;
    b->len = (size_t)size - hdr;
    it->p += size;
    it->left -= (size_t)size;
    return 1;

overrun:
    fourcc_str(b->type, t);
    fourcc_str(it->parent, pt);
    return fail(p, MEDIAPROBE_EMALFORMED, "box '%s' has a bad size inside '%s'", t, pt);
}

/* The first child of the given type, searching one level: 1, 0 or a negative status. */
static int box_find(struct probe *p, const uint8_t *body, size_t len, uint32_t parent,
                    uint32_t type, struct box *out)
{
    struct boxiter it;
    struct box b;
    int rc;

    boxiter_init(&it, body, len, parent);
    while ((rc = boxiter_next(p, &it, &b)) == 1) {
        if (b.type == type) {
            *out = b;
            return 1;
        }
    }
    return rc;
}

static int too_short(struct probe *p, uint32_t type)
{
    char t[5];

    fourcc_str(type, t);
    return fail(p, MEDIAPROBE_EMALFORMED, "box '%s' is too short", t);
}

struct track {
    uint32_t handler; /* 'vide', 'soun', ... */
    uint32_t id;
    uint32_t timescale;
    uint64_t duration; /* mdhd, in timescale units */
    uint32_t samples;  /* stsz */
    uint32_t tkhd_w, tkhd_h;
    uint32_t entry_w, entry_h;
    int rotation;
    char codec[48];
    /* from fragments */
    uint32_t trex_duration;
    uint64_t frag_duration;
    uint64_t frag_samples;
};

struct mp4 {
    uint32_t major_brand;
    bool have_ftyp;
    bool have_moov;
    bool seen_mdat;
    bool faststart;
    bool fragmented;
    uint32_t timescale; /* mvhd */
    uint64_t duration;  /* mvhd, in its timescale; 0 unknown */
    uint64_t mehd;      /* fragment_duration, movie timescale; 0 unknown */
    struct track video;
    struct track audio;
    bool have_video;
    bool have_audio;
};

/* "all ones" is ISO's "unknown" for durations. */
static uint64_t dur_field(const uint8_t *p, int version)
{
    uint64_t v = version == 1 ? be64(p) : be32(p);

    if ((version == 1 && v == UINT64_MAX) || (version != 1 && v == UINT32_MAX))
        return 0;
    return v;
}

/*
 * The timescale and duration of an mvhd or mdhd box (ISO/IEC 14496-12
 * 8.2.2 and 8.4.2 share this head): version and flags, creation and
 * modification times (32 bits each in version 0, 64 in version 1), then
 * timescale and duration. Outputs written only on success.
 */
static int parse_time_header(struct probe *p, const struct box *b, uint32_t *timescale,
                             uint64_t *duration)
{
    int v;

    if (b->len < 4)
        return too_short(p, b->type);
    v = b->body[0];
    if (b->len < (v == 1 ? 32u : 20u))
        return too_short(p, b->type);
    *timescale = be32(b->body + (v == 1 ? 20 : 12));
    *duration = dur_field(b->body + (v == 1 ? 24 : 16), v == 1);
    return 0;
}

static int parse_tkhd(struct probe *p, struct track *t, const struct box *b)
{
    const uint8_t *q;
    int32_t a, bb, c, d;
    int v;

    if (b->len < 4)
        return too_short(p, b->type);
    v = b->body[0];
    if (b->len < (v == 1 ? 96u : 84u))
        return too_short(p, b->type);
    t->id = be32(b->body + (v == 1 ? 20 : 12));
    /* after the durations: reserved[2], layer, alternate_group, volume, reserved */
    q = b->body + (v == 1 ? 36 + 16 : 24 + 16);
    a = (int32_t)be32(q);
    bb = (int32_t)be32(q + 4);
    c = (int32_t)be32(q + 12);
    d = (int32_t)be32(q + 16);
    t->tkhd_w = be32(q + 36) >> 16;
    t->tkhd_h = be32(q + 40) >> 16;
    /* Pure rotations only; shears, scales and flips keep 0. */
    if (a == 0 && d == 0 && bb == 0x10000 && c == -0x10000)
        t->rotation = 90;
    else if (a == 0 && d == 0 && bb == -0x10000 && c == 0x10000)
        t->rotation = 270;
    else if (a == -0x10000 && d == -0x10000 && bb == 0 && c == 0)
        t->rotation = 180;
    return 0;
}

/* Length of an MPEG-4 descriptor (ISO/IEC 14496-1 expandable size): 0 or -1. */
static int desc_len(const uint8_t **q, size_t *left, size_t *len)
{
    size_t n = 0;

    for (int i = 0; i < 4; i++) {
        if (*left == 0)
            return -1;
        uint8_t c = **q;
        (*q)++;
        (*left)--;
        n = (n << 7) | (c & 0x7f);
        if (!(c & 0x80)) {
            *len = n;
            return 0;
        }
    }
    return -1;
}

/*
 * esds: ES_Descriptor > DecoderConfigDescriptor (objectTypeIndication) >
 * DecoderSpecificInfo (AAC: audioObjectType). Writes "mp4a.40.2" and the like;
 * leaves codec alone when the descriptor is not understood.
 */
static void esds_codec(const struct box *b, const char *prefix, char *codec, size_t n)
{
    const uint8_t *q = b->body + 4;
    size_t left, len;
    uint8_t oti, flags;

    if (b->len < 4)
        return;
    left = b->len - 4;
    if (left < 1 || *q != 0x03)
        return;
    q++, left--;
    if (desc_len(&q, &left, &len) != 0 || left < 3)
        return;
    flags = q[2];
    q += 3, left -= 3;
    if (flags & 0x80) { /* streamDependence: ES_ID */
        if (left < 2)
            return;
        q += 2, left -= 2;
    }
    if (flags & 0x40) { /* URL */
        if (left < 1 || left - 1 < q[0])
            return;
        left -= 1 + (size_t)q[0];
        q += 1 + q[0];
    }
    if (flags & 0x20) { /* OCR_ES_Id */
        if (left < 2)
            return;
        q += 2, left -= 2;
    }
    if (left < 1 || *q != 0x04)
        return;
    q++, left--;
    if (desc_len(&q, &left, &len) != 0 || left < 13 || len < 13)
        return;
    oti = q[0];
    if (oti == 0x40 && len > 13) { /* MPEG-4 audio: AudioSpecificConfig follows */
        const uint8_t *s = q + 13;
        size_t sl = left - 13, dl;
        if (sl >= 1 && *s == 0x05) {
            s++, sl--;
            if (desc_len(&s, &sl, &dl) == 0 && dl >= 1 && sl >= 1) {
                unsigned aot = s[0] >> 3;
                if (aot == 31 && dl >= 2 && sl >= 2)
                    aot = 32 + (((s[0] & 7u) << 3) | (s[1] >> 5));
                snprintf(codec, n, "%s.40.%u", prefix, aot);
                return;
            }
        }
    }
    snprintf(codec, n, "%s.%02X", prefix, oti);
}

/* RFC 6381 / ISO 14496-15 Annex E codec parameter for HEVC from hvcC. */
static void hvcc_codec(const struct box *b, const char *type, char *codec, size_t n)
{
    const uint8_t *h = b->body;
    static const char *const space[] = {"", "A", "B", "C"};
    uint32_t compat, rev = 0;
    int last, len;

    if (b->len < 13)
        return;
    compat = be32(h + 2);
    for (int i = 0; i < 32; i++)
        rev |= ((compat >> i) & 1u) << (31 - i);
    len = snprintf(codec, n, "%s.%s%u.%X.%c%u", type, space[h[1] >> 6], h[1] & 0x1fu, rev,
                   (h[1] & 0x20) ? 'H' : 'L', h[12]);
    for (last = 5; last >= 0 && h[6 + last] == 0; last--)
        ;
    for (int i = 0; i <= last && len > 0 && (size_t)len < n; i++)
        len += snprintf(codec + len, n - (size_t)len, ".%X", h[6 + i]);
}

static void video_entry(const struct box *e, struct track *t)
{
    char type[5];
    struct box c;
    struct boxiter it;
    struct probe quiet = {NULL, NULL, 0};

    fourcc_str(e->type, type);
    snprintf(t->codec, sizeof(t->codec), "%s", type);
    /* VisualSampleEntry: 8 SampleEntry + 70 fixed bytes, then child boxes */
    if (e->len < 78)
        return;
    t->entry_w = be16(e->body + 24);
    t->entry_h = be16(e->body + 26);
    boxiter_init(&it, e->body + 78, e->len - 78, e->type);
    /* Codec configuration is optional detail: a bad child keeps the FourCC. */
    while (boxiter_next(&quiet, &it, &c) == 1) {
        const uint8_t *q = c.body;
        switch (c.type) {
        case FOURCC('a', 'v', 'c', 'C'):
            if (c.len >= 4)
                snprintf(t->codec, sizeof(t->codec), "%s.%02X%02X%02X", type, q[1], q[2], q[3]);
            return;
        case FOURCC('h', 'v', 'c', 'C'):
            hvcc_codec(&c, type, t->codec, sizeof(t->codec));
            return;
        case FOURCC('v', 'p', 'c', 'C'): /* full box: version, flags, then profile, level */
            if (c.len >= 7)
                snprintf(t->codec, sizeof(t->codec), "%s.%02u.%02u.%02u", type, (unsigned)q[4],
                         (unsigned)q[5], (unsigned)q[6] >> 4);
            return;
        case FOURCC('a', 'v', '1', 'C'):
            if (c.len >= 3)
                snprintf(t->codec, sizeof(t->codec), "%s.%u.%02u%c.%02u", type, (unsigned)q[1] >> 5,
                         q[1] & 0x1fu, (q[2] & 0x80) ? 'H' : 'M',
                         (q[2] & 0x40) ? ((q[2] & 0x20) ? 12u : 10u) : 8u);
            return;
        case FOURCC('e', 's', 'd', 's'):
            esds_codec(&c, type, t->codec, sizeof(t->codec));
            return;
        default:
            break;
        }
    }
}

static void audio_entry(const struct box *e, struct track *t)
{
    char type[5];
    struct box c, w;
    struct boxiter it;
    struct probe quiet = {NULL, NULL, 0};
    size_t skip = 28; /* SampleEntry 8 + AudioSampleEntry 20 */

    fourcc_str(e->type, type);
    /* RFC 6381 spells these lowercase; FourCCs stay as they are. */
    if (e->type == FOURCC('O', 'p', 'u', 's'))
        snprintf(t->codec, sizeof(t->codec), "opus");
    else if (e->type == FOURCC('f', 'L', 'a', 'C'))
        snprintf(t->codec, sizeof(t->codec), "flac");
    else
        snprintf(t->codec, sizeof(t->codec), "%s", type);
    if (e->len < skip)
        return;
    /* QuickTime sound description versions 1 and 2 carry more fixed fields. */
    if (be16(e->body + 8) == 1)
        skip += 16;
    else if (be16(e->body + 8) == 2)
        skip += 36;
    if (e->len < skip)
        return;
    boxiter_init(&it, e->body + skip, e->len - skip, e->type);
    while (boxiter_next(&quiet, &it, &c) == 1) {
        if (c.type == FOURCC('e', 's', 'd', 's')) {
            esds_codec(&c, type, t->codec, sizeof(t->codec));
            return;
        }
        /* QuickTime keeps esds inside a 'wave' atom. */
        if (c.type == FOURCC('w', 'a', 'v', 'e') &&
            box_find(&quiet, c.body, c.len, c.type, FOURCC('e', 's', 'd', 's'), &w) == 1) {
            esds_codec(&w, type, t->codec, sizeof(t->codec));
            return;
        }
    }
}

static int parse_stbl(struct probe *p, struct track *t, const struct box *stbl)
{
    struct boxiter it;
    struct box b, e;
    int rc;

    boxiter_init(&it, stbl->body, stbl->len, stbl->type);
    while ((rc = boxiter_next(p, &it, &b)) == 1) {
        if (b.type == FOURCC('s', 't', 's', 'd')) {
            struct boxiter ei;
            if (b.len < 8)
                return too_short(p, b.type);
            if (be32(b.body + 4) == 0)
                continue;
            boxiter_init(&ei, b.body + 8, b.len - 8, b.type);
            rc = boxiter_next(p, &ei, &e); /* the first entry describes the track */
            if (rc < 0)
                return rc;
            if (rc == 0)
                return too_short(p, b.type);
            if (t->handler == FOURCC('v', 'i', 'd', 'e'))
                video_entry(&e, t);
            else if (t->handler == FOURCC('s', 'o', 'u', 'n'))
                audio_entry(&e, t);
        } else if (b.type == FOURCC('s', 't', 's', 'z') || b.type == FOURCC('s', 't', 'z', '2')) {
            if (b.len < 12)
                return too_short(p, b.type);
            t->samples = be32(b.body + 8);
        }
    }
    return rc;
}

static int parse_trak(struct probe *p, struct mp4 *m, const struct box *trak)
{
    struct track t;
    struct boxiter it, mi;
    struct box b, c, stbl;
    int rc;

    memset(&t, 0, sizeof(t));
    boxiter_init(&it, trak->body, trak->len, trak->type);
    while ((rc = boxiter_next(p, &it, &b)) == 1) {
        if (b.type == FOURCC('t', 'k', 'h', 'd')) {
            if ((rc = parse_tkhd(p, &t, &b)) != 0)
                return rc;
        } else if (b.type == FOURCC('m', 'd', 'i', 'a')) {
            boxiter_init(&mi, b.body, b.len, b.type);
            /* hdlr must be known before stsd says what the entry is. */
            rc = box_find(p, b.body, b.len, b.type, FOURCC('h', 'd', 'l', 'r'), &c);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                if (c.len < 12)
                    return too_short(p, c.type);
                t.handler = be32(c.body + 8);
            }
            while ((rc = boxiter_next(p, &mi, &c)) == 1) {
                if (c.type == FOURCC('m', 'd', 'h', 'd')) {
                    if ((rc = parse_time_header(p, &c, &t.timescale, &t.duration)) != 0)
                        return rc;
                } else if (c.type == FOURCC('m', 'i', 'n', 'f')) {
                    rc = box_find(p, c.body, c.len, c.type, FOURCC('s', 't', 'b', 'l'), &stbl);
                    if (rc < 0)
                        return rc;
                    if (rc == 1 && (rc = parse_stbl(p, &t, &stbl)) != 0)
                        return rc;
                }
            }
            if (rc < 0)
                return rc;
        }
    }
    if (rc < 0)
        return rc;
    /* The first track of each kind describes the creative. */
    if (t.handler == FOURCC('v', 'i', 'd', 'e') && !m->have_video) {
        m->video = t;
        m->have_video = true;
    } else if (t.handler == FOURCC('s', 'o', 'u', 'n') && !m->have_audio) {
        m->audio = t;
        m->have_audio = true;
    }
    return 0;
}

static int parse_mvex(struct probe *p, struct mp4 *m, const struct box *mvex)
{
    struct boxiter it;
    struct box b;
    int rc;

    boxiter_init(&it, mvex->body, mvex->len, mvex->type);
    while ((rc = boxiter_next(p, &it, &b)) == 1) {
        if (b.type == FOURCC('m', 'e', 'h', 'd')) {
            if (b.len < 8 || (b.body[0] == 1 && b.len < 12))
                return too_short(p, b.type);
            m->mehd = dur_field(b.body + 4, b.body[0]);
        } else if (b.type == FOURCC('t', 'r', 'e', 'x')) {
            uint32_t id;
            if (b.len < 24)
                return too_short(p, b.type);
            id = be32(b.body + 4);
            if (m->have_video && id == m->video.id)
                m->video.trex_duration = be32(b.body + 12);
            if (m->have_audio && id == m->audio.id)
                m->audio.trex_duration = be32(b.body + 12);
        }
    }
    return rc;
}

static int parse_moov(struct probe *p, struct mp4 *m, const uint8_t *body, size_t len)
{
    struct boxiter it;
    struct box b, mvex;
    bool have_mvex = false;
    int rc;

    boxiter_init(&it, body, len, FOURCC('m', 'o', 'o', 'v'));
    while ((rc = boxiter_next(p, &it, &b)) == 1) {
        if (b.type == FOURCC('m', 'v', 'h', 'd'))
            rc = parse_time_header(p, &b, &m->timescale, &m->duration);
        else if (b.type == FOURCC('t', 'r', 'a', 'k'))
            rc = parse_trak(p, m, &b);
        else if (b.type == FOURCC('m', 'v', 'e', 'x')) {
            mvex = b;
            have_mvex = true;
        }
        if (rc < 0)
            return rc;
    }
    if (rc < 0)
        return rc;
    /* trex names track ids, so read it once every trak is known. */
    return have_mvex ? parse_mvex(p, m, &mvex) : 0;
}

/* traf: tfhd names the track and its default duration, each trun adds samples. */
static int parse_traf(struct probe *p, struct mp4 *m, const struct box *traf)
{
    struct boxiter it;
    struct box b;
    struct track *t = NULL;
    uint32_t def = 0;
    int rc;

    boxiter_init(&it, traf->body, traf->len, traf->type);
    while ((rc = boxiter_next(p, &it, &b)) == 1) {
        if (b.type == FOURCC('t', 'f', 'h', 'd')) {
            uint32_t flags, id;
            size_t off = 8;
            if (b.len < 8)
                return too_short(p, b.type);
            flags = be32(b.body) & 0xffffff;
            id = be32(b.body + 4);
            t = NULL;
            if (m->have_video && id == m->video.id)
                t = &m->video;
            else if (m->have_audio && id == m->audio.id)
                t = &m->audio;
            if (t == NULL)
                continue;
            def = t->trex_duration;
            off += (flags & 0x01) ? 8 : 0; /* base_data_offset */
            off += (flags & 0x02) ? 4 : 0; /* sample_description_index */
            if (flags & 0x08) {
                if (b.len < off + 4)
                    return too_short(p, b.type);
                def = be32(b.body + off);
            }
        } else if (b.type == FOURCC('t', 'r', 'u', 'n') && t != NULL) {
            uint32_t flags, count;
            size_t off = 8, each = 0;
            if (b.len < 8)
                return too_short(p, b.type);
            flags = be32(b.body) & 0xffffff;
            count = be32(b.body + 4);
            off += (flags & 0x001) ? 4 : 0; /* data_offset */
            off += (flags & 0x004) ? 4 : 0; /* first_sample_flags */
            for (uint32_t bit = 0x100; bit <= 0x800; bit <<= 1)
                each += (flags & bit) ? 4 : 0;
            if (b.len < off || (each > 0 && (b.len - off) / each < count))
                return fail(p, MEDIAPROBE_EMALFORMED, "trun holds fewer samples than it counts");
            if (flags & 0x100) {
                for (uint32_t i = 0; i < count; i++)
                    t->frag_duration += be32(b.body + off + (size_t)i * each);
            } else {
                t->frag_duration += (uint64_t)count * def;
            }
            t->frag_samples += count;
        }
    }
    return rc;
}

static int parse_moof(struct probe *p, struct mp4 *m, const uint8_t *body, size_t len)
{
    struct boxiter it;
    struct box b;
    int rc;

    boxiter_init(&it, body, len, FOURCC('m', 'o', 'o', 'f'));
    while ((rc = boxiter_next(p, &it, &b)) == 1) {
        if (b.type == FOURCC('t', 'r', 'a', 'f') && (rc = parse_traf(p, m, &b)) != 0)
            return rc;
    }
    return rc;
}

/* Read a whole top-level box body of len bytes at off, at most max. */
static int read_body(struct probe *p, uint64_t off, uint64_t len, size_t max, uint32_t type,
                     uint8_t **out)
{
    uint8_t *buf;
    int rc;

    if (len > max) {
        char t[5];
        fourcc_str(type, t);
        return fail(p, MEDIAPROBE_ETOOBIG, "'%s' box of %llu bytes is over the %zu byte limit", t,
                    (unsigned long long)len, max);
    }
    buf = xmalloc((size_t)len);
    rc = rd(p, off, buf, (size_t)len);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

static bool qt_top_type(uint32_t type)
{
    switch (type) {
    case FOURCC('m', 'o', 'o', 'v'):
    case FOURCC('m', 'd', 'a', 't'):
    case FOURCC('w', 'i', 'd', 'e'):
    case FOURCC('f', 'r', 'e', 'e'):
    case FOURCC('s', 'k', 'i', 'p'):
    case FOURCC('p', 'n', 'o', 't'):
        return true;
    default:
        return false;
    }
}

/* Brands of still images in ISO files (HEIF, AVIF, JPEG 2000): no moov to find. */
static bool image_brand(uint32_t brand)
{
    switch (brand) {
    case FOURCC('m', 'i', 'f', '1'):
    case FOURCC('m', 's', 'f', '1'):
    case FOURCC('h', 'e', 'i', 'c'):
    case FOURCC('h', 'e', 'i', 'x'):
    case FOURCC('a', 'v', 'i', 'f'):
    case FOURCC('j', 'p', '2', ' '):
        return true;
    default:
        return false;
    }
}

/* Duration of a track in ms: its mdhd, plus what its fragments add. */
static uint64_t track_ms(const struct track *t)
{
    return to_ms(t->duration + t->frag_duration, t->timescale);
}

static int mp4_finish(struct probe *p, struct mp4 *m, struct mediaprobe_info *info)
{
    struct track *v = &m->video;
    uint64_t ms = 0;
    uint32_t w, h;

    if (!m->have_moov) {
        if (m->have_ftyp && image_brand(m->major_brand))
            return fail(p, MEDIAPROBE_ENOTMEDIA, "an image file, not a video");
        return fail(p, MEDIAPROBE_EMALFORMED, "no moov box: the file was never finalised");
    }
    if (!m->have_video)
        return fail(p, MEDIAPROBE_ENOVIDEO,
                    m->have_audio ? "audio only: no video track" : "no video track");
    if (m->video.codec[0] == '\0')
        return fail(p, MEDIAPROBE_EMALFORMED, "video track without a sample description");
    /* Headers without samples: an upload cut off right after its moov. */
    if (!m->seen_mdat)
        return fail(p, MEDIAPROBE_ETRUNCATED, "no media data after the headers");
    if (!m->have_ftyp || m->major_brand == FOURCC('q', 't', ' ', ' ')) {
        info->container = MEDIAPROBE_MOV;
        info->format = "mov";
        info->mime = "video/quicktime";
    } else {
        info->container = MEDIAPROBE_MP4;
        info->format = "mp4";
        info->mime = "video/mp4";
    }
    /* The movie header's duration includes edit lists; fragments have none. */
    if (!m->fragmented)
        ms = to_ms(m->duration, m->timescale);
    if (ms == 0 && m->mehd != 0)
        ms = to_ms(m->mehd, m->timescale);
    if (ms == 0) {
        ms = track_ms(v);
        if (m->have_audio && track_ms(&m->audio) > ms)
            ms = track_ms(&m->audio);
    }
    info->duration_ms = ms;
    w = v->tkhd_w ? v->tkhd_w : v->entry_w;
    h = v->tkhd_h ? v->tkhd_h : v->entry_h;
    if (v->rotation == 90 || v->rotation == 270) {
        uint32_t tmp = w;
        w = h;
        h = tmp;
    }
    info->width = w;
    info->height = h;
    info->rotation = v->rotation;
    set_fps(info, (uint64_t)v->samples + v->frag_samples, v->duration + v->frag_duration,
            v->timescale);
    snprintf(info->video_codec, sizeof(info->video_codec), "%s", v->codec);
    if (m->have_audio)
        snprintf(info->audio_codec, sizeof(info->audio_codec), "%s", m->audio.codec);
    info->faststart = m->faststart;
    info->fragmented = m->fragmented;
    return 0;
}

static int probe_mp4(struct probe *p, struct mediaprobe_info *info)
{
    uint64_t off = 0, size = p->r->size;
    struct mp4 *m = xcalloc(1, sizeof(*m));
    uint8_t hdr[16];
    uint8_t *body = NULL;
    unsigned count = 0;
    int rc = 0;

    while (off < size) {
        uint64_t bsize, hlen = 8, avail = size - off;
        uint32_t type;
        char t[5];

        if (++count > MEDIAPROBE_TOP_MAX) {
            rc = fail(p, MEDIAPROBE_ETOOBIG, "more than %u top-level boxes", MEDIAPROBE_TOP_MAX);
            goto cleanup;
        }
        if (avail < 8) {
            /* A few stray bytes after a complete file (some muxers pad). */
            if (m->have_moov)
                break;
            rc = fail(p, MEDIAPROBE_ETRUNCATED, "file ends inside a box header");
            goto cleanup;
        }
        if ((rc = rd(p, off, hdr, avail >= 16 ? 16 : 8)) != 0)
            goto cleanup;
        bsize = be32(hdr);
        type = be32(hdr + 4);
        fourcc_str(type, t);
        if (count == 1 && type != FOURCC('f', 't', 'y', 'p') && !qt_top_type(type)) {
            rc = fail(p, MEDIAPROBE_ENOTMEDIA, "not a video file");
            goto cleanup;
        }
        if (bsize == 1) {
            if (avail < 16) {
                rc = fail(p, MEDIAPROBE_ETRUNCATED, "file ends inside a box header");
                goto cleanup;
            }
            bsize = be64(hdr + 8);
            hlen = 16;
        } else if (bsize == 0) {
            bsize = avail;
        }
        if (bsize < hlen) {
            rc = fail(p, count == 1 ? MEDIAPROBE_ENOTMEDIA : MEDIAPROBE_EMALFORMED,
                      "box '%s' at byte %llu has a bad size", t, (unsigned long long)off);
            goto cleanup;
        }
        if (bsize > avail) {
            rc = fail(p, MEDIAPROBE_ETRUNCATED,
                      "box '%s' at byte %llu runs %llu bytes past the end of the file", t,
                      (unsigned long long)off, (unsigned long long)(bsize - avail));
            goto cleanup;
        }
        switch (type) {
        case FOURCC('f', 't', 'y', 'p'):
            if (bsize - hlen < 4) {
                rc = too_short(p, type);
                goto cleanup;
            }
            if (!m->have_ftyp && (rc = rd(p, off + hlen, hdr, 4)) != 0)
                goto cleanup;
            if (!m->have_ftyp)
                m->major_brand = be32(hdr);
            m->have_ftyp = true;
            break;
        case FOURCC('m', 'o', 'o', 'v'):
            if (m->have_moov) {
                rc = fail(p, MEDIAPROBE_EMALFORMED, "two moov boxes");
                goto cleanup;
            }
            rc = read_body(p, off + hlen, bsize - hlen, MEDIAPROBE_MOOV_MAX, type, &body);
            if (rc == 0)
                rc = parse_moov(p, m, body, (size_t)(bsize - hlen));
            free(body);
            body = NULL;
            if (rc != 0)
                goto cleanup;
            m->have_moov = true;
            m->faststart = !m->seen_mdat;
            break;
        case FOURCC('m', 'd', 'a', 't'):
            m->seen_mdat = true;
            break;
        case FOURCC('m', 'o', 'o', 'f'):
            m->fragmented = true;
            rc = read_body(p, off + hlen, bsize - hlen, MEDIAPROBE_HEADER_MAX, type, &body);
            if (rc == 0)
                rc = parse_moof(p, m, body, (size_t)(bsize - hlen));
            free(body);
            body = NULL;
            if (rc != 0)
                goto cleanup;
            break;
        default:
            break;
        }
        off += bsize;
    }
    rc = mp4_finish(p, m, info);

cleanup:
    free(m);
    return rc;
}

/* ------------------------------------------------------------------------
 * AVI: RIFF chunks
 * ------------------------------------------------------------------------ */

struct avi {
    uint32_t us_per_frame; /* avih */
    uint32_t avih_frames;
    uint32_t avih_w, avih_h;
    uint32_t dmlh_frames; /* OpenDML total over every RIFF */
    bool have_video;
    bool have_audio;
    uint32_t v_scale, v_rate, v_length;
    uint32_t v_w, v_h;
    uint64_t max_ms; /* longest stream */
    char vcodec[48];
    char acodec[48];
};

static const char *wave_format_name(uint16_t tag)
{
    switch (tag) {
    case 0x0001:
    case 0xfffe:
        return "pcm";
    case 0x0050:
        return "mp2";
    case 0x0055:
        return "mp3";
    case 0x00ff:
    case 0x1610:
    case 0x706d:
        return "aac";
    case 0x2000:
        return "ac-3";
    case 0x0161:
    case 0x0162:
        return "wma";
    default:
        return NULL;
    }
}

/* length * scale / rate seconds in ms, rounded; 0 when unknown. */
static uint64_t avi_ms(uint32_t length, uint32_t scale, uint32_t rate)
{
    return to_ms((uint64_t)length * scale, rate);
}

static void parse_strl(struct avi *a, const uint8_t *q, size_t len)
{
    const uint8_t *strh = NULL, *strf = NULL;
    size_t strh_len = 0, strf_len = 0;
    uint32_t type, scale, rate, length;

    /* Children: walk with even padding; a bad size ends the list. */
    while (len >= 8) {
        uint32_t id = be32(q), n = le32(q + 4);
        if (n > len - 8)
            break;
        if (id == FOURCC('s', 't', 'r', 'h') && strh == NULL) {
            strh = q + 8;
            strh_len = n;
        } else if (id == FOURCC('s', 't', 'r', 'f') && strf == NULL) {
            strf = q + 8;
            strf_len = n;
        }
        n += n & 1;
        if (n > len - 8)
            break;
        q += 8 + n;
        len -= 8 + n;
    }
    if (strh == NULL || strh_len < 36)
        return;
    type = be32(strh);
    scale = le32(strh + 20);
    rate = le32(strh + 24);
    length = le32(strh + 32);
    if (type == FOURCC('v', 'i', 'd', 's') && !a->have_video) {
        char cc[5];
        a->have_video = true;
        a->v_scale = scale;
        a->v_rate = rate;
        a->v_length = length;
        fourcc_str(be32(strh + 4), cc); /* fccHandler, unless strf says better */
        if (strf != NULL && strf_len >= 20) {
            int32_t h = (int32_t)le32(strf + 8);
            a->v_w = le32(strf + 4);
            a->v_h = h < 0 ? (uint32_t)0 - (uint32_t)h : (uint32_t)h;
            if (be32(strf + 16) != 0)
                fourcc_str(be32(strf + 16), cc);
        }
        snprintf(a->vcodec, sizeof(a->vcodec), "%s", cc);
    } else if (type == FOURCC('a', 'u', 'd', 's') && !a->have_audio) {
        a->have_audio = true;
        if (strf != NULL && strf_len >= 2) {
            uint16_t tag = le16(strf);
            const char *name = wave_format_name(tag);
            if (name != NULL)
                snprintf(a->acodec, sizeof(a->acodec), "%s", name);
            else
                snprintf(a->acodec, sizeof(a->acodec), "0x%04x", tag);
        } else {
            snprintf(a->acodec, sizeof(a->acodec), "unknown");
        }
    } else {
        return;
    }
    if (avi_ms(length, scale, rate) > a->max_ms)
        a->max_ms = avi_ms(length, scale, rate);
}

static int parse_hdrl(struct probe *p, struct avi *a, const uint8_t *q, size_t len)
{
    while (len >= 8) {
        uint32_t id = be32(q), n = le32(q + 4);
        if (n > len - 8)
            return fail(p, MEDIAPROBE_EMALFORMED, "chunk overruns the avi header list");
        if (id == FOURCC('a', 'v', 'i', 'h')) {
            if (n < 40)
                return fail(p, MEDIAPROBE_EMALFORMED, "avi main header is too short");
            a->us_per_frame = le32(q + 8);
            a->avih_frames = le32(q + 8 + 16);
            a->avih_w = le32(q + 8 + 32);
            a->avih_h = le32(q + 8 + 36);
        } else if (id == FOURCC('L', 'I', 'S', 'T') && n >= 4) {
            uint32_t lt = be32(q + 8);
            if (lt == FOURCC('s', 't', 'r', 'l')) {
                parse_strl(a, q + 12, n - 4);
            } else if (lt == FOURCC('o', 'd', 'm', 'l') && n >= 16 &&
                       be32(q + 12) == FOURCC('d', 'm', 'l', 'h') && le32(q + 16) >= 4) {
                a->dmlh_frames = le32(q + 20);
            }
        }
        n += n & 1;
        if (n > len - 8)
            break; /* a pad byte missing at the very end is harmless */
        q += 8 + n;
        len -= 8 + n;
    }
    return 0;
}

static int probe_avi(struct probe *p, struct mediaprobe_info *info)
{
    uint64_t off = 0, size = p->r->size;
    struct avi a;
    uint8_t hdr[12];
    uint8_t *body = NULL;
    unsigned count = 0;
    bool have_hdrl = false;
    int rc;

    memset(&a, 0, sizeof(a));
    /* Top level: RIFF 'AVI ' then, past 1 GiB, RIFF 'AVIX' (OpenDML); each
     * holds chunks. off walks RIFFs, inner walks their chunks. */
    while (off < size) {
        uint64_t riff_end, inner;

        if (size - off < 12) {
            if (have_hdrl)
                break;
            return fail(p, MEDIAPROBE_ETRUNCATED, "file ends inside a riff header");
        }
        if ((rc = rd(p, off, hdr, 12)) != 0)
            return rc;
        if (be32(hdr) != FOURCC('R', 'I', 'F', 'F') ||
            (off == 0 && be32(hdr + 8) != FOURCC('A', 'V', 'I', ' '))) {
            if (off == 0)
                return fail(p, MEDIAPROBE_ENOTMEDIA, "not a video file");
            break; /* trailing bytes after the last RIFF: ignore */
        }
        riff_end = off + 8 + (uint64_t)le32(hdr + 4);
        if (riff_end > size)
            return fail(p, MEDIAPROBE_ETRUNCATED,
                        "riff at byte %llu runs %llu bytes past the end of the file",
                        (unsigned long long)off, (unsigned long long)(riff_end - size));
        inner = off + 12;
        while (inner + 8 <= riff_end) {
            uint32_t id, n;
            if (++count > MEDIAPROBE_TOP_MAX)
                return fail(p, MEDIAPROBE_ETOOBIG, "more than %u chunks", MEDIAPROBE_TOP_MAX);
            if ((rc = rd(p, inner, hdr, 12 <= riff_end - inner ? 12 : 8)) != 0)
                return rc;
            id = be32(hdr);
            n = le32(hdr + 4);
            if (n > riff_end - inner - 8)
                return fail(p, MEDIAPROBE_ETRUNCATED, "chunk at byte %llu runs past its riff",
                            (unsigned long long)inner);
            if (off == 0 && !have_hdrl && id == FOURCC('L', 'I', 'S', 'T') && n >= 4 &&
                be32(hdr + 8) == FOURCC('h', 'd', 'r', 'l')) {
                rc = read_body(p, inner + 12, n - 4, MEDIAPROBE_HEADER_MAX, id, &body);
                if (rc == 0)
                    rc = parse_hdrl(p, &a, body, n - 4);
                free(body);
                body = NULL;
                if (rc != 0)
                    return rc;
                have_hdrl = true;
            }
            inner += 8 + (uint64_t)n + (n & 1);
        }
        off = riff_end + (riff_end & 1);
    }
    if (!have_hdrl)
        return fail(p, MEDIAPROBE_EMALFORMED, "avi without a header list");
    if (!a.have_video)
        return fail(p, MEDIAPROBE_ENOVIDEO,
                    a.have_audio ? "audio only: no video stream" : "no video stream");
    info->container = MEDIAPROBE_AVI;
    info->format = "avi";
    info->mime = "video/x-msvideo";
    info->duration_ms = a.max_ms;
    if (info->duration_ms == 0) {
        uint32_t frames = a.dmlh_frames ? a.dmlh_frames : a.avih_frames;
        info->duration_ms = ((uint64_t)frames * a.us_per_frame + 500) / 1000;
    }
    info->width = a.v_w ? a.v_w : a.avih_w;
    info->height = a.v_h ? a.v_h : a.avih_h;
    set_fps(info, a.v_rate, a.v_scale, 1);
    snprintf(info->video_codec, sizeof(info->video_codec), "%s", a.vcodec);
    snprintf(info->audio_codec, sizeof(info->audio_codec), "%s", a.acodec);
    info->faststart = true;
    return 0;
}

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------ */

int mediaprobe_read(const struct mediaprobe_reader *r, struct mediaprobe_info *info, char *err,
                    size_t errlen)
{
    struct probe p = {r, err, errlen};
    struct mediaprobe_info out;
    uint8_t head[12];
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    memset(&out, 0, sizeof(out));
    out.size = r->size;
    if (r->size < 12)
        return fail(&p, MEDIAPROBE_ENOTMEDIA, r->size == 0 ? "empty file" : "not a video file");
    if ((rc = rd(&p, 0, head, sizeof(head))) != 0)
        return rc;
    if (be32(head) == FOURCC('R', 'I', 'F', 'F'))
        rc = probe_avi(&p, &out);
    else
        rc = probe_mp4(&p, &out);
    if (rc != 0)
        return rc;
    if (out.duration_ms > 0) {
        uint64_t bits = out.size > UINT64_MAX / 8 ? UINT64_MAX : out.size * 8;
        uint64_t kbps = bits / out.duration_ms + (bits % out.duration_ms >= out.duration_ms / 2);
        out.bitrate_kbps = kbps > UINT32_MAX ? UINT32_MAX : (uint32_t)kbps;
    }
    *info = out;
    return 0;
}

struct mem_src {
    const uint8_t *data;
};

static int mem_read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
    const struct mem_src *m = ctx;

    memcpy(buf, m->data + off, n);
    return 0;
}

int mediaprobe_read_mem(const void *data, size_t len, struct mediaprobe_info *info, char *err,
                        size_t errlen)
{
    struct mem_src m = {data};
    struct mediaprobe_reader r = {mem_read_at, &m, len};

    return mediaprobe_read(&r, info, err, errlen);
}

static int fd_read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
    int fd = *(int *)ctx;
    uint8_t *q = buf;

    while (n > 0) {
        ssize_t got = pread(fd, q, n, (off_t)off);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0) { /* the file shrank under us */
            errno = EIO;
            return -1;
        }
        q += got;
        off += (uint64_t)got;
        n -= (size_t)got;
    }
    return 0;
}

int mediaprobe_read_fd(int fd, struct mediaprobe_info *info, char *err, size_t errlen)
{
    struct mediaprobe_reader r = {fd_read_at, &fd, 0};
    struct probe p = {&r, err, errlen};
    struct stat st;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        fail(&p, MEDIAPROBE_EIO, "fstat failed: %s", strerror(saved));
        errno = saved;
        return MEDIAPROBE_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return fail(&p, MEDIAPROBE_EIO, "not a regular file");
    }
    r.size = (uint64_t)st.st_size;
    return mediaprobe_read(&r, info, err, errlen);
}

const char *mediaprobe_strerror(int status)
{
    switch (status) {
    case MEDIAPROBE_OK:
        return "ok";
    case MEDIAPROBE_EIO:
        return "read error";
    case MEDIAPROBE_ENOTMEDIA:
        return "not a video file";
    case MEDIAPROBE_ENOVIDEO:
        return "no video track";
    case MEDIAPROBE_ETRUNCATED:
        return "file is truncated";
    case MEDIAPROBE_EMALFORMED:
        return "malformed container";
    case MEDIAPROBE_ETOOBIG:
        return "container headers too large";
    default:
        return "unknown error";
    }
}
