/*
 * sniff: see sniff.h.
 */
#include "media/sniff.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Box types that may open a QuickTime file that has no ftyp. */
static int qt_top_box(const unsigned char *t)
{
    static const char *const types[] = {"moov", "mdat", "free", "skip", "wide", "pnot"};

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (memcmp(t, types[i], 4) == 0)
            return 1;
    return 0;
}

/* Text that names other resources: what a media tool would go and open. */
static int references_elsewhere(const unsigned char *h, size_t n)
{
    static const char *const openers[] = {"#EXTM3U", "#EXT-X-", "ffconcat", "<?xml", "<MPD",
                                          "<smil",   "[playlist]", "v=0\r", "v=0\n", "http://",
                                          "https://", "file:", "rtmp://", "rtsp://", "ftp://",
                                          "#EXTINF", "<asx", "<playlist", "concat:", "subfile,"};
    size_t i = 0;

    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        i = 3; /* UTF-8 byte order mark */
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    for (size_t k = 0; k < sizeof(openers) / sizeof(openers[0]); k++) {
        size_t len = strlen(openers[k]);
        if (n - i >= len && strncasecmp((const char *)h + i, openers[k], len) == 0)
            return 1;
    }
    return 0;
}

/* Walk top-level boxes: is moov before mdat? -1 when the walk cannot tell. */
static int faststart(const struct sniff_reader *r, uint64_t off)
{
    unsigned char hd[16];

    for (int i = 0; i < SNIFF_BOXES_MAX && off + 8 <= r->size; i++) {
        uint64_t size;

        if (r->read_at(r->ctx, off, hd, 8) != 0)
            return -1;
        size = be32(hd);
        if (size == 1) {
            if (off + 16 > r->size || r->read_at(r->ctx, off + 8, hd + 8, 8) != 0)
                return -1;
            size = be64(hd + 8);
            if (size < 16)
                return -1;
        } else if (size == 0) {
            size = r->size - off; /* to the end of the file */
        } else if (size < 8) {
            return -1;
        }
        if (memcmp(hd + 4, "moov", 4) == 0)
            return 1;
        if (memcmp(hd + 4, "mdat", 4) == 0)
            return 0;
        if (size > r->size - off)
            return -1;
        off += size;
    }
    return -1;
}

int sniff_read(const struct sniff_reader *r, struct sniff_result *out)
{
    unsigned char h[SNIFF_HEAD];
    size_t n = r->size < sizeof(h) ? (size_t)r->size : sizeof(h);
    struct sniff_result res = {SNIFF_UNKNOWN, "not a video file", 0, 0, -1};

    if (n > 0 && r->read_at(r->ctx, 0, h, n) != 0)
        return -1;
    if (n == 0) {
        res.reason = "empty file";
    } else if (n >= 12 && memcmp(h + 4, "ftyp", 4) == 0) {
        res.kind = SNIFF_ISOBMFF;
        res.quicktime = memcmp(h + 8, "qt  ", 4) == 0;
    } else if (n >= 8 && qt_top_box(h + 4)) {
        res.kind = SNIFF_ISOBMFF;
        res.quicktime = 1;
    } else if (n >= 4 && memcmp(h, "\x1A\x45\xDF\xA3", 4) == 0) {
        res.kind = SNIFF_MATROSKA;
        /* The DocType element (0x4282, then a one-byte size 0x84) sits in the
         * EBML header, within its first few dozen bytes. */
        for (size_t i = 4; i + 7 <= n && i < 64; i++)
            if (h[i] == 0x42 && h[i + 1] == 0x82 && h[i + 2] == 0x84 &&
                memcmp(h + i + 3, "webm", 4) == 0)
                res.webm = 1;
    } else if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "AVI ", 4) == 0) {
        res.kind = SNIFF_AVI;
    } else if (references_elsewhere(h, n)) {
        res.kind = SNIFF_REFERENCE;
        res.reason = "a playlist or link to other files, not a video file";
    } else if (n >= 8 && (memcmp(h, "\x89PNG", 4) == 0 || memcmp(h, "\xFF\xD8\xFF", 3) == 0 ||
                          memcmp(h, "GIF8", 4) == 0)) {
        res.reason = "an image file, not a video";
    }
    if (res.kind == SNIFF_ISOBMFF || res.kind == SNIFF_MATROSKA || res.kind == SNIFF_AVI)
        res.reason = NULL;
    if (res.kind == SNIFF_ISOBMFF)
        res.faststart = faststart(r, 0);
    *out = res;
    return 0;
}

struct mem {
    const unsigned char *p;
    size_t len;
};

static int mem_read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
    const struct mem *m = ctx;

    if (off > m->len || n > m->len - off) {
        errno = EINVAL;
        return -1;
    }
    memcpy(buf, m->p + off, n);
    return 0;
}

int sniff_read_mem(const void *data, size_t len, struct sniff_result *out)
{
    struct mem m = {data, len};
    struct sniff_reader r = {mem_read_at, &m, len};

    return sniff_read(&r, out);
}

static int fd_read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
    int fd = *(const int *)ctx;
    size_t done = 0;

    while (done < n) {
        ssize_t k = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO; /* shorter than fstat said: changed under us */
            return -1;
        }
        done += (size_t)k;
    }
    return 0;
}

int sniff_read_fd(int fd, struct sniff_result *out)
{
    struct stat st;
    struct sniff_reader r = {fd_read_at, &fd, 0};

    if (fstat(fd, &st) != 0)
        return -1;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    r.size = (uint64_t)st.st_size;
    return sniff_read(&r, out);
}
