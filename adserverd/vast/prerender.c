/*
 * prerender: see prerender.h.
 *
 * A fragment is one text (the literals, back to back) and a list of
 * segments: copy text[off, off + len), then write slot `slot` (or nothing
 * when it is SLOT_NONE). Markers are "@@" two digits "@@"; the template's
 * static strings are checked for "@@" first, so every "@@" in the output is
 * one of ours.
 */
#include "vast/prerender.h"
#include "lib/xalloc.h"
#include "vast/vmap.h"
#include "vast/xmlerr.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NVERSIONS 4
#define NVARIANTS (NVERSIONS + 1) /* the four versions, then 4.2 inside a VMAP */
#define IN_VMAP NVERSIONS
#define SLOT_NONE 0xff
#define MARKER_LEN 6 /* "@@nn@@" */
#define RENDER_MAX (256 * 1024)

struct seg {
    uint32_t off, len;
    uint8_t slot;
};

struct frag {
    char *text;
    struct seg *segs;
    uint32_t nsegs;
};

struct piece {
    char *text;
    size_t len;
};

struct vast_prerender {
    size_t n;
    struct frag (*frags)[NVARIANTS]; /* [ad][variant]; text NULL: not rendered */
    struct piece head[NVARIANTS], tail[NVARIANTS]; /* document start and end; VMAP: playlist */
    struct frag break_open;                        /* VMAP: AdBreak .. <VAST ...> */
    struct piece break_close;                      /* VMAP: </VAST> .. </vmap:AdBreak> */
};

static char markers[VAST_SLOT_COUNT][MARKER_LEN + 1] = {{0}};

const char *vast_prerender_marker(enum vast_slot s)
{
    /* Writes the same bytes every time: harmless if two threads race the first call. */
    if (markers[s][0] == '\0')
        snprintf(markers[s], sizeof(markers[s]), "@@%02d@@", (int)s);
    return markers[s];
}

struct vast_prerender *vast_prerender_new(size_t n)
{
    struct vast_prerender *pr = xcalloc(1, sizeof(*pr));

    pr->n = n;
    pr->frags = xcalloc(n > 0 ? n : 1, sizeof(*pr->frags));
    for (int s = 0; s < VAST_SLOT_COUNT; s++)
        (void)vast_prerender_marker((enum vast_slot)s);
    return pr;
}

void vast_prerender_free(struct vast_prerender *pr)
{
    if (pr == NULL)
        return;
    for (size_t i = 0; i < pr->n; i++) {
        for (int v = 0; v < NVARIANTS; v++) {
            free(pr->frags[i][v].text);
            free(pr->frags[i][v].segs);
        }
    }
    for (int v = 0; v < NVARIANTS; v++) {
        free(pr->head[v].text);
        free(pr->tail[v].text);
    }
    free(pr->break_open.text);
    free(pr->break_open.segs);
    free(pr->break_close.text);
    free(pr->frags);
    free(pr);
}

/* ------------------------------------------------------------------------- */
/* Alphabets                                                                  */
/* ------------------------------------------------------------------------- */

/*
 * RFC 3986 characters (unreserved, reserved, '%'). In a CDATA section the
 * serialiser copies them unchanged, and without '>' no "]]>" can end the
 * section early.
 */
static int url_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    /* A switch, not strchr: this runs for every byte of every URL of every answer. */
    switch (c) {
    case '-': case '.': case '_': case '~': case ':': case '/': case '?': case '#': case '[':
    case ']': case '@': case '!': case '$': case '&': case '\'': case '(': case ')': case '*':
    case '+': case ',': case ';': case '=': case '%':
        return 1;
    default:
        return 0;
    }
}

int vast_prerender_value_ok(enum vast_slot s, const char *value)
{
    const unsigned char *p = (const unsigned char *)(value != NULL ? value : "");

    switch (s) {
    case VAST_SLOT_SERVING_ID:
        /* hex and '-' only: text and attribute value alike need no escaping */
        for (; *p != '\0'; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
                return 0;
        return 1;
    case VAST_SLOT_TIME_OFFSET:
    case VAST_SLOT_BREAK_ID:
        /* our own texts: "start", "end", "HH:MM:SS.mmm", "preroll", "midroll-3" */
        for (; *p != '\0'; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || *p == '-' ||
                  *p == ':' || *p == '.'))
                return 0;
        return 1;
    case VAST_SLOT_SEQUENCE:
        for (size_t i = 0; p[i] != '\0'; i++)
            if (p[i] < '0' || p[i] > '9' || i >= 9)
                return 0;
        return 1;
    default:
        if ((int)s < 0 || s >= VAST_SLOT_COUNT)
            return 0;
        for (; *p != '\0'; p++)
            if (!url_char(*p))
                return 0;
        return 1;
    }
}

/* ------------------------------------------------------------------------- */
/* Building                                                                   */
/* ------------------------------------------------------------------------- */

static int has_marker_text(const char *s)
{
    return s != NULL && strstr(s, "@@") != NULL;
}

/* The template's static strings must not look like markers. */
static int statics_ok(const struct vast_ad *a)
{
    const char *const s[] = {a->id,          a->ad_system,     a->ad_system_version,
                             a->title,       a->description,   a->advertiser,
                             a->pricing_currency, a->category_authority, a->creative_id,
                             a->creative_ad_id, a->universal_ad_id_registry, a->universal_ad_id};

    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        if (has_marker_text(s[i]))
            return 0;
    for (size_t i = 0; i < a->n_categories; i++)
        if (has_marker_text(a->categories[i]))
            return 0;
    for (size_t i = 0; i < a->n_media_files; i++) {
        const char *u = a->media_files[i].url;
        const char *base = vast_prerender_marker(VAST_SLOT_BASE);
        if (u != NULL && strncmp(u, base, MARKER_LEN) == 0)
            u += MARKER_LEN;
        if (has_marker_text(u) || has_marker_text(a->media_files[i].mime_type) ||
            has_marker_text(a->media_files[i].codec))
            return 0;
    }
    return a->n_tracking <= VAST_PRERENDER_TRACKING_MAX && a->sequence == 0;
}

static const char *memfind(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* Cut the <Ad> text into segments at the markers. */
static int cut_markers(const char *ad, size_t len, struct frag *f)
{
    size_t cap = 8, lit = 0;
    const char *p = ad, *end = ad + len;

    f->text = xmalloc(len + 1);
    f->segs = xmalloc(cap * sizeof(*f->segs));
    f->nsegs = 0;
    while (p < end) {
        const char *m = memfind(p, (size_t)(end - p), "@@");
        size_t upto = m != NULL ? (size_t)(m - p) : (size_t)(end - p);
        int slot = SLOT_NONE;

        if (m != NULL) {
            if (end - m < MARKER_LEN || m[2] < '0' || m[2] > '9' || m[3] < '0' || m[3] > '9' ||
                m[4] != '@' || m[5] != '@')
                return -1;
            slot = (m[2] - '0') * 10 + (m[3] - '0');
            if (slot >= VAST_SLOT_COUNT)
                return -1;
        }
        if (f->nsegs == cap) {
            cap *= 2;
            f->segs = xrealloc(f->segs, cap * sizeof(*f->segs));
        }
        memcpy(f->text + lit, p, upto);
        f->segs[f->nsegs++] = (struct seg){(uint32_t)lit, (uint32_t)upto, (uint8_t)slot};
        lit += upto;
        p += upto + (m != NULL ? MARKER_LEN : 0);
    }
    return 0;
}

/*
 * The <Ad> text as segments, with a sequence slot just before its start
 * tag's '>' (where vast_render writes ' sequence="n"' when n > 0; a '>'
 * inside an attribute value is escaped, so the first raw one ends the tag).
 */
static int cut(const char *ad, size_t len, struct frag *f)
{
    const char *start = memfind(ad, len, "<Ad");
    const char *gt = start != NULL ? memchr(start, '>', len - (size_t)(start - ad)) : NULL;
    const char *seq = vast_prerender_marker(VAST_SLOT_SEQUENCE);
    size_t at;
    char *tmp;
    int rc;

    if (gt == NULL)
        return -1;
    at = (size_t)(gt - ad);
    tmp = xmalloc(len + MARKER_LEN);
    memcpy(tmp, ad, at);
    memcpy(tmp + at, seq, MARKER_LEN);
    memcpy(tmp + at + MARKER_LEN, ad + at, len - at);
    rc = cut_markers(tmp, len + MARKER_LEN, f);
    free(tmp);
    return rc;
}

static void frag_clear(struct frag *f)
{
    free(f->text);
    free(f->segs);
    memset(f, 0, sizeof(*f));
}

static const char *memrfind(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* The start of the line holding p (its indentation included). */
static const char *line_start(const char *doc, const char *p)
{
    while (p > doc && p[-1] == ' ')
        p--;
    return p;
}

/*
 * Split a one-ad document at its <Ad> element, indentation and final
 * newline included: [0, *ad_start) before, [*ad_start, *ad_end) the ad.
 * The last "</Ad>" is the element's end: a raw "</Ad>" can only occur
 * earlier, inside the ad's own CDATA.
 */
static int split_doc(const char *doc, size_t len, size_t *ad_start, size_t *ad_end)
{
    const char *a = memfind(doc, len, "<Ad");
    const char *e = memrfind(doc, len, "</Ad>");

    if (a == NULL || e == NULL || e < a)
        return -1;
    *ad_start = (size_t)(line_start(doc, a) - doc);
    e += 5;
    if (e < doc + len && *e == '\n')
        e++;
    *ad_end = (size_t)(e - doc);
    return 0;
}

static int piece_same(const struct piece *p, const char *text, size_t len)
{
    return p->len == len && memcmp(p->text, text, len) == 0;
}

static void piece_set(struct piece *p, const char *text, size_t len)
{
    p->text = xmalloc(len + 1);
    memcpy(p->text, text, len);
    p->len = len;
}

/*
 * The framing of variant v from a rendered one-ad document: set on the
 * first ad, compared on the others (one renderer makes them all: a
 * difference means the split is wrong, so that ad is refused).
 */
static int framing(struct piece *head, struct piece *tail, const char *doc, size_t len,
                   size_t s, size_t e)
{
    if (head->text == NULL) {
        piece_set(head, doc, s);
        piece_set(tail, doc + e, len - e);
        return 0;
    }
    return piece_same(head, doc, s) && piece_same(tail, doc + e, len - e) ? 0 : -1;
}

/*
 * The VMAP variant: one inline pre-roll break with break_id a marker. The
 * playlist start (up to the AdBreak's line) and end, the break's start
 * (with its timeOffset turned into a slot) and end are cut around the ad.
 */
static int render_vmap(struct vast_prerender *pr, const struct vast_ad *tmpl, struct frag *ad)
{
    struct vmap_break brk;
    struct buf out;
    char err[160];
    size_t s, e, bs, be;
    const char *ab, *abe, *to;
    int rc = -1;

    memset(&brk, 0, sizeof(brk));
    brk.offset = VMAP_OFFSET_START;
    brk.break_id = vast_prerender_marker(VAST_SLOT_BREAK_ID);
    brk.ads = tmpl;
    brk.n_ads = 1;
    buf_init(&out, RENDER_MAX);
    if (vmap_render(&brk, 1, &out, err, sizeof(err)) != 0 ||
        split_doc(out.data, out.len, &s, &e) != 0)
        goto cleanup;
    ab = memfind(out.data, s, "<vmap:AdBreak");
    abe = memrfind(out.data + e, out.len - e, "</vmap:AdBreak>");
    if (ab == NULL || abe == NULL)
        goto cleanup;
    bs = (size_t)(line_start(out.data, ab) - out.data);
    abe += strlen("</vmap:AdBreak>");
    if (abe < out.data + out.len && *abe == '\n')
        abe++;
    be = (size_t)(abe - out.data);
    to = memfind(out.data + bs, s - bs, "timeOffset=\"start\"");
    if (to == NULL ||
        framing(&pr->head[IN_VMAP], &pr->tail[IN_VMAP], out.data, out.len, bs, be) != 0 ||
        cut(out.data + s, e - s, ad) != 0)
        goto cleanup;
    if (pr->break_open.text == NULL) {
        /* "timeOffset=\"" then the slot marker in place of "start" */
        size_t pre = (size_t)(to - out.data) + strlen("timeOffset=\"");
        size_t post = pre + strlen("start");
        struct buf t;
        buf_init(&t, RENDER_MAX);
        if (buf_append(&t, out.data + bs, pre - bs) != 0 ||
            buf_puts(&t, vast_prerender_marker(VAST_SLOT_TIME_OFFSET)) != 0 ||
            buf_append(&t, out.data + post, s - post) != 0 ||
            cut_markers(t.data, t.len, &pr->break_open) != 0) {
            buf_release(&t);
            frag_clear(&pr->break_open);
            goto cleanup;
        }
        buf_release(&t);
        piece_set(&pr->break_close, out.data + e, be - e);
    } else if (!piece_same(&pr->break_close, out.data + e, be - e)) {
        goto cleanup;
    }
    rc = 0;
cleanup:
    buf_release(&out);
    return rc;
}

int vast_prerender_add(struct vast_prerender *pr, size_t idx, const struct vast_ad *tmpl)
{
    struct frag made[NVARIANTS];
    char err[160];
    int rc = 1;

    memset(made, 0, sizeof(made));
    if (idx >= pr->n || !statics_ok(tmpl))
        return 1;
    for (int v = 0; v < NVERSIONS; v++) {
        struct buf out;
        size_t s, e;

        buf_init(&out, RENDER_MAX);
        if (vast_render(tmpl, 1, (enum vast_version)v, NULL, &out, err, sizeof(err)) != 0 ||
            split_doc(out.data, out.len, &s, &e) != 0 || cut(out.data + s, e - s, &made[v]) != 0 ||
            framing(&pr->head[v], &pr->tail[v], out.data, out.len, s, e) != 0) {
            buf_release(&out);
            goto cleanup;
        }
        buf_release(&out);
    }
    if (render_vmap(pr, tmpl, &made[IN_VMAP]) != 0)
        goto cleanup;
    for (int v = 0; v < NVARIANTS; v++) {
        frag_clear(&pr->frags[idx][v]);
        pr->frags[idx][v] = made[v];
        memset(&made[v], 0, sizeof(made[v]));
    }
    rc = 0;
cleanup:
    for (int v = 0; v < NVARIANTS; v++)
        frag_clear(&made[v]);
    return rc;
}

int vast_prerender_has(const struct vast_prerender *pr, size_t idx)
{
    return pr != NULL && idx < pr->n && pr->frags[idx][0].text != NULL;
}

/* ------------------------------------------------------------------------- */
/* Per request                                                                */
/* ------------------------------------------------------------------------- */

int vast_prerender_open(const struct vast_prerender *pr, enum vast_version v, struct buf *out)
{
    if ((int)v < 0 || v >= NVERSIONS || pr->head[v].text == NULL)
        return -1;
    return buf_append(out, pr->head[v].text, pr->head[v].len);
}

int vast_prerender_close(const struct vast_prerender *pr, enum vast_version v, struct buf *out)
{
    if ((int)v < 0 || v >= NVERSIONS || pr->tail[v].text == NULL)
        return -1;
    return buf_append(out, pr->tail[v].text, pr->tail[v].len);
}

/* Write fragment f with values; 0, 1 (refused: out back at mark), -1 (out full). */
static int splice(const struct frag *f, const char *const values[VAST_SLOT_COUNT],
                  struct buf *out)
{
    size_t mark = out->len;

    for (uint32_t i = 0; i < f->nsegs; i++) {
        const struct seg *sg = &f->segs[i];
        const char *val;

        if (buf_append(out, f->text + sg->off, sg->len) != 0)
            return -1;
        if (sg->slot == SLOT_NONE)
            continue;
        val = values[sg->slot] != NULL ? values[sg->slot] : "";
        /*
         * The click-through and the base come from outside (a campaign
         * owner, the request): checked always. The rest we generate in
         * their alphabets (hex ids, digits, our own signed URLs): asserted
         * in debug builds and tests, not paid per byte in production.
         */
        if (sg->slot == VAST_SLOT_CLICK_THROUGH || sg->slot == VAST_SLOT_BASE) {
            if (!vast_prerender_value_ok((enum vast_slot)sg->slot, val)) {
                out->len = mark; /* nothing of this ad: the caller renders by tree */
                return 1;
            }
        } else {
            assert(vast_prerender_value_ok((enum vast_slot)sg->slot, val));
        }
        if (sg->slot == VAST_SLOT_SEQUENCE) {
            if (val[0] != '\0' &&
                (buf_puts(out, " sequence=\"") != 0 || buf_puts(out, val) != 0 ||
                 buf_putc(out, '"') != 0))
                return -1;
        } else if (buf_puts(out, val) != 0) {
            return -1;
        }
    }
    return 0;
}

int vast_prerender_ad(const struct vast_prerender *pr, size_t idx, enum vast_version v,
                      const char *const values[VAST_SLOT_COUNT], struct buf *out)
{
    if (!vast_prerender_has(pr, idx) || (int)v < 0 || v >= NVERSIONS)
        return 1;
    return splice(&pr->frags[idx][v], values, out);
}

int vast_prerender_vmap_ad(const struct vast_prerender *pr, size_t idx,
                           const char *const values[VAST_SLOT_COUNT], struct buf *out)
{
    if (!vast_prerender_has(pr, idx))
        return 1;
    return splice(&pr->frags[idx][IN_VMAP], values, out);
}

int vast_prerender_vmap_open(const struct vast_prerender *pr, struct buf *out)
{
    if (pr->head[IN_VMAP].text == NULL)
        return -1;
    return buf_append(out, pr->head[IN_VMAP].text, pr->head[IN_VMAP].len);
}

int vast_prerender_vmap_close(const struct vast_prerender *pr, struct buf *out)
{
    if (pr->tail[IN_VMAP].text == NULL)
        return -1;
    return buf_append(out, pr->tail[IN_VMAP].text, pr->tail[IN_VMAP].len);
}

int vast_prerender_vmap_break_open(const struct vast_prerender *pr, const char *time_offset,
                                   const char *break_id, struct buf *out)
{
    const char *values[VAST_SLOT_COUNT] = {0};

    if (pr->break_open.text == NULL)
        return -1;
    values[VAST_SLOT_TIME_OFFSET] = time_offset;
    values[VAST_SLOT_BREAK_ID] = break_id;
    return splice(&pr->break_open, values, out) == 0 ? 0 : -1;
}

int vast_prerender_vmap_break_close(const struct vast_prerender *pr, struct buf *out)
{
    if (pr->break_close.text == NULL)
        return -1;
    return buf_append(out, pr->break_close.text, pr->break_close.len);
}
