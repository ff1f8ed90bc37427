/*
 * ladder: see ladder.h.
 */
#include "media/ladder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* A decimal in [lo, hi] at *p, advancing it; -1 when there is none. */
static long number(const char **p, long lo, long hi)
{
    const char *s = *p;
    long v = 0;

    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s - '0');
        if (v > hi)
            return -1;
        s++;
    }
    if (v < lo)
        return -1;
    *p = s;
    return v;
}

int ladder_parse(const char *text, struct ladder *out, char *err, size_t errlen)
{
    struct ladder l;
    const char *p = text;

    memset(&l, 0, sizeof(l));
    if (text == NULL || text[0] == '\0' || strcmp(text, "none") == 0) {
        *out = l;
        return 0;
    }
    for (;;) {
        struct ladder_rung *r;
        size_t n = 0;
        long w, h, k;

        if (l.n == LADDER_MAX) {
            snprintf(err, errlen, "media_ladder: more than %d rungs", LADDER_MAX);
            return -1;
        }
        r = &l.rung[l.n];
        while (name_char(p[n]) && n <= LADDER_NAME_MAX)
            n++;
        if (n == 0 || n > LADDER_NAME_MAX || p[n] != '=') {
            snprintf(err, errlen, "media_ladder: rung %zu: expected NAME=WIDTHxHEIGHT@KBPS",
                     l.n + 1);
            return -1;
        }
        memcpy(r->name, p, n);
        r->name[n] = '\0';
        for (size_t i = 0; i < l.n; i++)
            if (strcmp(l.rung[i].name, r->name) == 0) {
                snprintf(err, errlen, "media_ladder: rung name %s repeated", r->name);
                return -1;
            }
        p += n + 1;
        w = number(&p, 16, 7680);
        if (w < 0 || *p++ != 'x' || (h = number(&p, 16, 4320)) < 0 || *p++ != '@' ||
            (k = number(&p, 100, 100000)) < 0 || (*p != ',' && *p != '\0')) {
            snprintf(err, errlen,
                     "media_ladder: rung %s: expected WIDTHxHEIGHT@KBPS within "
                     "16..7680 x 16..4320 @ 100..100000",
                     r->name);
            return -1;
        }
        r->width = (uint32_t)w;
        r->height = (uint32_t)h;
        r->kbps = (uint32_t)k;
        l.n++;
        if (*p == '\0')
            break;
        p++;
    }
    *out = l;
    return 0;
}

/* Fit src inside box keeping the aspect ratio; even sizes, at least 2. */
static void fit(uint32_t src_w, uint32_t src_h, uint32_t box_w, uint32_t box_h, uint32_t *w,
                uint32_t *h)
{
    /* compare src_w/src_h with box_w/box_h without division */
    if ((uint64_t)src_w * box_h >= (uint64_t)box_w * src_h) {
        *w = box_w;
        *h = (uint32_t)(((uint64_t)box_w * src_h + src_w / 2) / src_w);
    } else {
        *h = box_h;
        *w = (uint32_t)(((uint64_t)box_h * src_w + src_h / 2) / src_h);
    }
    *w &= ~1u;
    *h &= ~1u;
    if (*w < 2)
        *w = 2;
    if (*h < 2)
        *h = 2;
}

static int by_area(const void *a, const void *b)
{
    const struct ladder_rung *x = a, *y = b;
    uint64_t ax = (uint64_t)x->width * x->height, ay = (uint64_t)y->width * y->height;

    return ax < ay ? -1 : ax > ay ? 1 : 0;
}

size_t ladder_plan(const struct ladder *l, uint32_t src_w, uint32_t src_h,
                   struct ladder_rung *out)
{
    size_t n = 0, smallest = 0;

    if (l->n == 0 || src_w == 0 || src_h == 0)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        struct ladder_rung r = l->rung[i];

        if ((uint64_t)r.width * r.height <
            (uint64_t)l->rung[smallest].width * l->rung[smallest].height)
            smallest = i;
        fit(src_w, src_h, r.width, r.height, &r.width, &r.height);
        if (r.width > src_w || r.height > src_h)
            continue; /* would upscale */
        out[n++] = r;
    }
    if (n == 0) {
        out[0] = l->rung[smallest];
        out[0].width = src_w & ~1u;
        out[0].height = src_h & ~1u;
        if (out[0].width < 2)
            out[0].width = 2;
        if (out[0].height < 2)
            out[0].height = 2;
        n = 1;
    }
    qsort(out, n, sizeof(*out), by_area);
    return n;
}
