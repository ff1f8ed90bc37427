/*
 * Fuzz target for spool recovery. The first byte picks a mode:
 *
 *   even: the rest is a segment file as found after a crash. The recovery
 *         scan and spool_open() (on a real directory) must not crash, and
 *         the records spool_open() recovers must be exactly the ones the
 *         scan accepts.
 *   odd:  a valid segment of up to 64 known records is built, then the rest
 *         of the input drives damage: a truncation point and byte flips.
 *         Recovery must return a prefix of the original records, each
 *         byte-identical: a torn or corrupt record is never replayed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "beacon/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NREC 64
#define MAXLEN 96

static char dir[64];

static void clean_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[512];

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
}

struct check {
    int n;
    size_t lens[NREC];
    unsigned char recs[NREC][MAXLEN];
    int bad;
};

static void expect(void *ctx, const void *p, size_t len, int64_t ms)
{
    struct check *c = ctx;
    (void)ms;
    if (c->n >= NREC || len != c->lens[c->n] || memcmp(p, c->recs[c->n], len) != 0)
        c->bad = 1;
    c->n++;
}

static void count(void *ctx, const void *p, size_t len, int64_t ms)
{
    (void)p;
    (void)len;
    (void)ms;
    (*(int *)ctx)++;
}

static void raw_mode(const uint8_t *data, size_t size)
{
    char path[128];
    FILE *f;
    int scanned = 0;
    struct spool_opts o = {1 << 24, 1 << 20, 0};
    struct spool *sp;
    struct spool_stats st;
    char err[256];

    spool_scan(data, size, count, &scanned);
    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/tmp/fuzz_spool.XXXXXX");
        if (mkdtemp(dir) == NULL)
            abort();
    }
    clean_dir();
    snprintf(path, sizeof(path), "%s/seg-0000000000000001.spl", dir);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    sp = spool_open(dir, &o, err, sizeof(err));
    if (sp == NULL)
        abort();
    spool_stats(sp, &st);
    if ((int)st.recovered != scanned)
        abort();
    spool_free(sp);
}

static void damage_mode(const uint8_t *data, size_t size)
{
    static unsigned char seg[8 + NREC * (SPOOL_HEADER + MAXLEN)];
    static struct check c;
    size_t len = 8, cut;
    int n = size > 0 ? data[0] % NREC + 1 : 1;

    memset(&c, 0, sizeof(c));
    memcpy(seg, SPOOL_MAGIC, 8);
    for (int i = 0; i < n; i++) {
        c.lens[i] = (size_t)(i * 7 % MAXLEN) + 1;
        for (size_t k = 0; k < c.lens[i]; k++)
            c.recs[i][k] = (unsigned char)(i * 31 + k);
        spool_encode(seg + len, c.recs[i], c.lens[i], 1000 + i);
        len += SPOOL_HEADER + c.lens[i];
    }
    cut = len;
    if (size >= 3) {
        cut = ((size_t)data[1] << 8 | data[2]) % (len + 1);
        data += 3;
        size -= 3;
        /* byte flips: (offset hi, offset lo, xor) triples */
        for (; size >= 3; data += 3, size -= 3) {
            size_t off = ((size_t)data[0] << 8 | data[1]) % len;
            seg[off] ^= data[2] == 0 ? 1 : data[2];
        }
    }
    c.n = 0;
    spool_scan(seg, cut, expect, &c);
    if (c.bad || c.n > n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0)
        raw_mode(data + 1, size - 1);
    else
        damage_mode(data + 1, size - 1);
    return 0;
}
