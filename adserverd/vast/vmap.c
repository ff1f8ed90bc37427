/*
 * vmap: see vmap.h.
 *
 * The playlist is one libxml2 tree: an inline break's <VAST> is built by
 * vast_build() straight into this document and attached under VASTAdData, so
 * it is serialised as elements (with its own default namespace), never as
 * escaped text, and nothing is parsed twice. Order per the schema: AdBreak
 * holds AdSource?, TrackingEvents?, Extensions?.
 *
 * Load: one render per /vmap request; a few breaks of a few ads each.
 */
#include "vast/vmap.h"
#include "vast/xmlerr.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#define VMAP_NS "http://www.iab.net/videosuite/vmap"
#define OFFSET_MAX_MS UINT32_C(360000000) /* HH with two digits */

struct builder {
    xmlDocPtr doc;
    xmlNsPtr ns;
    size_t brk; /* index of the break being written, for messages */
    char *err;
    size_t errlen;
};

static xmlNodePtr el(struct builder *b, xmlNodePtr parent, const char *name)
{
    xmlNodePtr n = xmlNewChild(parent, b->ns, BAD_CAST name, NULL);

    if (n == NULL)
        xmlerr_fail(b->err, b->errlen, "out of memory in libxml2");
    return n;
}

static int attr(struct builder *b, xmlNodePtr node, const char *name, const char *value)
{
    if (xmlNewProp(node, BAD_CAST name, BAD_CAST value) == NULL) {
        xmlerr_fail(b->err, b->errlen, "out of memory in libxml2");
        return -1;
    }
    return 0;
}

static xmlNodePtr el_cdata(struct builder *b, xmlNodePtr parent, const char *name, const char *url)
{
    size_t len = strlen(url);
    xmlNodePtr n, c;

    if (len > INT_MAX) {
        xmlerr_fail(b->err, b->errlen, "break %zu: url too long", b->brk);
        return NULL;
    }
    n = el(b, parent, name);
    if (n == NULL)
        return NULL;
    c = xmlNewCDataBlock(b->doc, BAD_CAST url, (int)len);
    if (c == NULL || xmlAddChild(n, c) == NULL) {
        xmlFreeNode(c);
        xmlerr_fail(b->err, b->errlen, "out of memory in libxml2");
        return NULL;
    }
    return n;
}

static int check_opt(struct builder *b, const char *s, const char *field)
{
    if (!xmlerr_empty(s) && !vast_text_ok(s)) {
        xmlerr_fail(b->err, b->errlen, "break %zu: %s is not UTF-8 or has a control character",
                    b->brk, field);
        return -1;
    }
    return 0;
}

static int check_break(struct builder *b, const struct vmap_break *br)
{
    if (br->offset != VMAP_OFFSET_START && br->offset != VMAP_OFFSET_END &&
        br->offset != VMAP_OFFSET_TIME) {
        xmlerr_fail(b->err, b->errlen, "break %zu: unknown time offset kind", b->brk);
        return -1;
    }
    if (br->offset == VMAP_OFFSET_TIME && br->offset_ms >= OFFSET_MAX_MS) {
        xmlerr_fail(b->err, b->errlen, "break %zu: time offset past 99:59:59.999", b->brk);
        return -1;
    }
    if (xmlerr_empty(br->ad_tag_uri) && br->n_ads > 0 && br->ads == NULL) {
        xmlerr_fail(b->err, b->errlen, "break %zu: ads is NULL", b->brk);
        return -1;
    }
    if (check_opt(b, br->break_id, "break id") != 0 ||
        check_opt(b, br->ad_tag_uri, "ad tag uri") != 0 ||
        check_opt(b, br->break_start_url, "breakStart url") != 0 ||
        check_opt(b, br->break_end_url, "breakEnd url") != 0 ||
        check_opt(b, br->error_url, "error url") != 0)
        return -1;
    return 0;
}

void vmap_time_offset(const struct vmap_break *br, char out[16])
{
    uint32_t ms = br->offset_ms;

    if (br->offset == VMAP_OFFSET_START)
        snprintf(out, 16, "start");
    else if (br->offset == VMAP_OFFSET_END)
        snprintf(out, 16, "end");
    else
        snprintf(out, 16, "%02" PRIu32 ":%02" PRIu32 ":%02" PRIu32 ".%03" PRIu32, ms / 3600000,
                 ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
}

static int time_offset(struct builder *b, xmlNodePtr ab, const struct vmap_break *br)
{
    char t[16];

    vmap_time_offset(br, t);
    return attr(b, ab, "timeOffset", t);
}

/* AdSource with an inline VAST 4.2 built into this document, or an AdTagURI. */
static int ad_source(struct builder *b, xmlNodePtr ab, const struct vmap_break *br)
{
    char vast_err[256] = "";
    xmlNodePtr src = el(b, ab, "AdSource");
    xmlNodePtr data, vast = NULL;

    if (src == NULL || attr(b, src, "allowMultipleAds", "true") != 0)
        return -1;
    if (!xmlerr_empty(br->ad_tag_uri)) {
        xmlNodePtr tag = el_cdata(b, src, "AdTagURI", br->ad_tag_uri);

        /* The schema knows no "vast4"; vast3 is the closest it accepts. */
        if (tag == NULL || attr(b, tag, "templateType", "vast3") != 0)
            return -1;
        return 0;
    }
    data = el(b, src, "VASTAdData");
    if (data == NULL)
        return -1;
    if (vast_build(br->ads, br->n_ads, VAST_4_2, br->nofill_error_url, b->doc, &vast, vast_err,
                   sizeof(vast_err)) != 0) {
        xmlerr_fail(b->err, b->errlen, "break %zu: %s", b->brk, vast_err);
        return -1;
    }
    if (xmlAddChild(data, vast) == NULL) {
        xmlFreeNode(vast);
        xmlerr_fail(b->err, b->errlen, "out of memory in libxml2");
        return -1;
    }
    return 0;
}

static int tracking(struct builder *b, xmlNodePtr ab, const struct vmap_break *br)
{
    static const char *const events[] = {"breakStart", "breakEnd", "error"};
    const char *urls[] = {br->break_start_url, br->break_end_url, br->error_url};
    xmlNodePtr list = NULL;
    size_t i;

    for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        xmlNodePtr t;

        if (xmlerr_empty(urls[i]))
            continue;
        if (list == NULL && (list = el(b, ab, "TrackingEvents")) == NULL)
            return -1;
        t = el_cdata(b, list, "Tracking", urls[i]);
        if (t == NULL || attr(b, t, "event", events[i]) != 0)
            return -1;
    }
    return 0;
}

static int ad_break(struct builder *b, xmlNodePtr root, const struct vmap_break *br)
{
    xmlNodePtr ab = el(b, root, "AdBreak");

    if (ab == NULL || time_offset(b, ab, br) != 0 || attr(b, ab, "breakType", "linear") != 0)
        return -1;
    if (!xmlerr_empty(br->break_id) && attr(b, ab, "breakId", br->break_id) != 0)
        return -1;
    if (ad_source(b, ab, br) != 0 || tracking(b, ab, br) != 0)
        return -1;
    return 0;
}

int vmap_render(const struct vmap_break *breaks, size_t n, struct buf *out, char *err,
                size_t errlen)
{
    struct builder b = {.err = err, .errlen = errlen};
    xmlNodePtr root;
    size_t i;
    int rc = -1;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (n > 0 && breaks == NULL) {
        xmlerr_fail(b.err, b.errlen, "breaks is NULL");
        goto cleanup;
    }
    for (i = 0; i < n; i++) {
        b.brk = i;
        if (check_break(&b, &breaks[i]) != 0)
            goto cleanup;
    }
    b.doc = xmlNewDoc(BAD_CAST "1.0");
    if (b.doc == NULL) {
        xmlerr_fail(b.err, b.errlen, "out of memory in libxml2");
        goto cleanup;
    }
    root = xmlNewDocNode(b.doc, NULL, BAD_CAST "VMAP", NULL);
    if (root == NULL) {
        xmlerr_fail(b.err, b.errlen, "out of memory in libxml2");
        goto cleanup;
    }
    xmlDocSetRootElement(b.doc, root);
    b.ns = xmlNewNs(root, BAD_CAST VMAP_NS, BAD_CAST "vmap");
    if (b.ns == NULL) {
        xmlerr_fail(b.err, b.errlen, "out of memory in libxml2");
        goto cleanup;
    }
    xmlSetNs(root, b.ns);
    if (attr(&b, root, "version", "1.0") != 0)
        goto cleanup;
    for (i = 0; i < n; i++) {
        b.brk = i;
        if (ad_break(&b, root, &breaks[i]) != 0)
            goto cleanup;
    }
    if (vast_save(b.doc, out) != 0) {
        xmlerr_fail(b.err, b.errlen, "document larger than the output limit or not writable");
        goto cleanup;
    }
    rc = 0;
cleanup:
    xmlFreeDoc(b.doc);
    return rc;
}
