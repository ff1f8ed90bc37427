/*
 * vast: see vast.h.
 *
 * A render builds a libxml2 tree and serialises it with xmlsave into the
 * caller's bounded buf. Building a tree (rather than xmlTextWriter) is what
 * makes a URL containing "]]>" safe: the serialiser splits such a CDATA
 * section, xmlTextWriter would copy it through and end the section early.
 *
 * Element order is each schema's xs:sequence; the per-version differences
 * are kept in the few functions that write the differing parts
 * (inline_v3/inline_v4, linear_*, video_clicks, event_name), so a reader can
 * hold one function against one XSD. Inputs are checked before anything is
 * built, so a bad ad fails the render with a message naming ad and field.
 *
 * Load: one render per ad request, a few dozen nodes per ad.
 */
#include "vast/vast.h"
#include "vast/xmlerr.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#define VAST_NS "http://www.iab.com/VAST"
#define DAY_MS UINT32_C(86400000)
/* Progress offsets are HH:MM:SS(.mmm) with two-digit hours. */
#define OFFSET_MAX_MS UINT32_C(360000000)

struct builder {
    xmlDocPtr doc;
    xmlNsPtr ns; /* the VAST namespace on the root; NULL for 3.0 */
    enum vast_version v;
    size_t ad; /* index of the ad being written, for messages */
    char *err;
    size_t errlen;
};

static const char *const version_names[] = {
    [VAST_3_0] = "3.0",
    [VAST_4_0] = "4.0",
    [VAST_4_1] = "4.1",
    [VAST_4_2] = "4.2",
};

const char *vast_version_name(enum vast_version v)
{
    if ((unsigned)v > VAST_4_2)
        return NULL;
    return version_names[v];
}

void vast_init(void)
{
    xmlInitParser();
}

/* ------------------------------------------------------------------------- */
/* Input checks                                                               */
/* ------------------------------------------------------------------------- */

/*
 * 1 when s is well-formed UTF-8 (no overlong forms, surrogates or code points
 * past U+10FFFF) made of XML 1.0 Chars only: the serialiser copies bytes as
 * they are, so anything else would make the document unparseable.
 */
int vast_text_ok(const char *s)
{
    static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        uint32_t cp;
        int extra, i;

        if (*p < 0x80) {
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                return 0;
            p++;
            continue;
        }
        if (*p >= 0xc2 && *p <= 0xdf) {
            cp = *p & 0x1f;
            extra = 1;
        } else if (*p >= 0xe0 && *p <= 0xef) {
            cp = *p & 0x0f;
            extra = 2;
        } else if (*p >= 0xf0 && *p <= 0xf4) {
            cp = *p & 0x07;
            extra = 3;
        } else {
            return 0;
        }
        p++;
        for (i = 0; i < extra; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (*p & 0x3f);
        }
        if (cp < min_cp[extra] || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff ||
            cp > 0x10ffff)
            return 0;
    }
    return 1;
}

/* A required string: present, and text XML can carry. */
static int check_req(struct builder *b, const char *s, const char *field)
{
    if (xmlerr_empty(s)) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: %s is required", b->ad, field);
        return -1;
    }
    if (!vast_text_ok(s)) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: %s is not UTF-8 or has a control character",
                    b->ad, field);
        return -1;
    }
    return 0;
}

static int check_opt(struct builder *b, const char *s, const char *field)
{
    return xmlerr_empty(s) ? 0 : check_req(b, s, field);
}

static int check_list(struct builder *b, const char *const *list, size_t n, const char *field)
{
    size_t i;

    if (n > 0 && list == NULL) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: %s list is NULL", b->ad, field);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (check_req(b, list[i], field) != 0)
            return -1;
    }
    return 0;
}

static int currency_ok(const char *s)
{
    int i;

    if (s == NULL)
        return 0;
    for (i = 0; i < 3; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return 0;
    }
    return s[3] == '\0';
}

static int check_tracking(struct builder *b, const struct vast_tracking *t)
{
    if ((unsigned)t->event > VAST_EVENT_PLAYER_COLLAPSE) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: unknown tracking event %d", b->ad, (int)t->event);
        return -1;
    }
    if (t->event == VAST_EVENT_PROGRESS && t->offset_percent <= 0 &&
        t->offset_ms >= OFFSET_MAX_MS) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: progress offset past 99:59:59.999", b->ad);
        return -1;
    }
    if (t->event == VAST_EVENT_PROGRESS && t->offset_percent > 100) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: progress offset above 100%%", b->ad);
        return -1;
    }
    return check_req(b, t->url, "tracking url");
}

static int check_media(struct builder *b, const struct vast_media_file *m)
{
    if (m->delivery != VAST_DELIVERY_PROGRESSIVE && m->delivery != VAST_DELIVERY_STREAMING) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: unknown media file delivery", b->ad);
        return -1;
    }
    if (check_req(b, m->url, "media file url") != 0 ||
        check_req(b, m->mime_type, "media file type") != 0 ||
        check_opt(b, m->codec, "media file codec") != 0)
        return -1;
    return 0;
}

/* Everything the schemas require, before any node is made. */
static int check_ad(struct builder *b, const struct vast_ad *ad)
{
    size_t i;

    if (check_opt(b, ad->id, "id") != 0 || check_req(b, ad->ad_system, "ad system") != 0 ||
        check_opt(b, ad->ad_system_version, "ad system version") != 0 ||
        check_req(b, ad->title, "title") != 0 ||
        check_opt(b, ad->description, "description") != 0 ||
        check_opt(b, ad->advertiser, "advertiser") != 0 ||
        check_opt(b, ad->creative_id, "creative id") != 0 ||
        check_opt(b, ad->creative_ad_id, "creative ad id") != 0 ||
        check_opt(b, ad->universal_ad_id_registry, "universal ad id registry") != 0 ||
        check_opt(b, ad->universal_ad_id, "universal ad id") != 0 ||
        check_opt(b, ad->click_through, "click-through url") != 0)
        return -1;
    if (b->v >= VAST_4_1 && check_req(b, ad->ad_serving_id, "ad serving id") != 0)
        return -1;
    if (ad->n_verifications > 0 && ad->verifications == NULL) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: verification list is NULL", b->ad);
        return -1;
    }
    for (i = 0; i < ad->n_verifications; i++) {
        const struct vast_verification *vv = &ad->verifications[i];

        if (check_req(b, vv->vendor, "verification vendor") != 0 ||
            check_req(b, vv->javascript_url, "verification url") != 0 ||
            check_opt(b, vv->parameters, "verification parameters") != 0 ||
            check_opt(b, vv->not_executed_url, "verification tracking url") != 0)
            return -1;
    }
    if ((unsigned)ad->pricing_model > VAST_PRICING_FLAT) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: unknown pricing model", b->ad);
        return -1;
    }
    if (ad->pricing_model != VAST_PRICING_NONE && ad->pricing_model != VAST_PRICING_FLAT &&
        (!currency_ok(ad->pricing_currency) || ad->pricing_micros < 0)) {
        xmlerr_fail(b->err, b->errlen,
                    "ad %zu: pricing needs a three-letter currency and a price >= 0", b->ad);
        return -1;
    }
    if (check_list(b, ad->categories, ad->n_categories, "category") != 0)
        return -1;
    if (ad->n_categories > 0 && check_req(b, ad->category_authority, "category authority") != 0)
        return -1;
    if (ad->duration_ms >= DAY_MS) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: duration must be under 24 hours (xs:time)", b->ad);
        return -1;
    }
    if (ad->n_impressions == 0 || ad->impressions == NULL) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: at least one impression url is required", b->ad);
        return -1;
    }
    for (i = 0; i < ad->n_impressions; i++) {
        if (check_req(b, ad->impressions[i].url, "impression url") != 0 ||
            check_opt(b, ad->impressions[i].id, "impression id") != 0)
            return -1;
    }
    if (ad->n_media_files == 0 || ad->media_files == NULL) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: at least one media file is required", b->ad);
        return -1;
    }
    for (i = 0; i < ad->n_media_files; i++) {
        if (check_media(b, &ad->media_files[i]) != 0)
            return -1;
    }
    if (ad->mezzanine != NULL && check_media(b, ad->mezzanine) != 0)
        return -1;
    if (check_list(b, ad->click_tracking, ad->n_click_tracking, "click tracking url") != 0 ||
        check_list(b, ad->error_urls, ad->n_error_urls, "error url") != 0)
        return -1;
    if (ad->n_tracking > 0 && ad->tracking == NULL) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: tracking list is NULL", b->ad);
        return -1;
    }
    for (i = 0; i < ad->n_tracking; i++) {
        if (check_tracking(b, &ad->tracking[i]) != 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Tree helpers: each returns NULL (and records why) when libxml2 fails.      */
/* ------------------------------------------------------------------------- */

static xmlNodePtr oom(struct builder *b)
{
    xmlerr_fail(b->err, b->errlen, "out of memory in libxml2");
    return NULL;
}

static xmlNodePtr el(struct builder *b, xmlNodePtr parent, const char *name)
{
    xmlNodePtr n = xmlNewChild(parent, b->ns, BAD_CAST name, NULL);

    return n != NULL ? n : oom(b);
}

static int attr(struct builder *b, xmlNodePtr node, const char *name, const char *value)
{
    if (xmlNewProp(node, BAD_CAST name, BAD_CAST value) == NULL) {
        oom(b);
        return -1;
    }
    return 0;
}

static int attr_uint(struct builder *b, xmlNodePtr node, const char *name, unsigned value)
{
    char tmp[16];

    snprintf(tmp, sizeof(tmp), "%u", value);
    return attr(b, node, name, tmp);
}

/* <name>text</name>, text escaped by the serialiser. */
static xmlNodePtr el_text(struct builder *b, xmlNodePtr parent, const char *name, const char *text)
{
    xmlNodePtr n = el(b, parent, name);
    xmlNodePtr t;

    if (n == NULL)
        return NULL;
    t = xmlNewDocText(b->doc, BAD_CAST text);
    if (t == NULL)
        return oom(b);
    if (xmlAddChild(n, t) == NULL) {
        xmlFreeNode(t);
        return oom(b);
    }
    return n;
}

/* <name><![CDATA[url]]></name>: URLs keep '&' and macros readable. */
static xmlNodePtr el_cdata(struct builder *b, xmlNodePtr parent, const char *name, const char *url)
{
    size_t len = strlen(url);
    xmlNodePtr n, c;

    if (len > INT_MAX) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: url too long", b->ad);
        return NULL;
    }
    n = el(b, parent, name);
    if (n == NULL)
        return NULL;
    c = xmlNewCDataBlock(b->doc, BAD_CAST url, (int)len);
    if (c == NULL)
        return oom(b);
    if (xmlAddChild(n, c) == NULL) {
        xmlFreeNode(c);
        return oom(b);
    }
    return n;
}

static int opt_text(struct builder *b, xmlNodePtr parent, const char *name, const char *text)
{
    if (xmlerr_empty(text))
        return 0;
    return el_text(b, parent, name, text) != NULL ? 0 : -1;
}

/* HH:MM:SS.mmm; hours two digits (callers keep ms under 100 h). */
static void format_time(uint32_t ms, char out[16])
{
    snprintf(out, 16, "%02" PRIu32 ":%02" PRIu32 ":%02" PRIu32 ".%03" PRIu32, ms / 3600000,
             ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
}

/* ------------------------------------------------------------------------- */
/* Parts shared by the versions                                               */
/* ------------------------------------------------------------------------- */

static int ad_system(struct builder *b, xmlNodePtr inl, const struct vast_ad *ad)
{
    xmlNodePtr n = el_text(b, inl, "AdSystem", ad->ad_system);

    if (n == NULL)
        return -1;
    if (!xmlerr_empty(ad->ad_system_version) && attr(b, n, "version", ad->ad_system_version) != 0)
        return -1;
    return 0;
}

static int errors(struct builder *b, xmlNodePtr inl, const struct vast_ad *ad, size_t max)
{
    size_t i;

    for (i = 0; i < ad->n_error_urls && i < max; i++) {
        if (el_cdata(b, inl, "Error", ad->error_urls[i]) == NULL)
            return -1;
    }
    return 0;
}

static int impressions(struct builder *b, xmlNodePtr inl, const struct vast_ad *ad)
{
    size_t i;

    for (i = 0; i < ad->n_impressions; i++) {
        xmlNodePtr n = el_cdata(b, inl, "Impression", ad->impressions[i].url);

        if (n == NULL)
            return -1;
        if (!xmlerr_empty(ad->impressions[i].id) && attr(b, n, "id", ad->impressions[i].id) != 0)
            return -1;
    }
    return 0;
}

/* Pricing for the models every schema knows; value as xs:decimal, no trailing zeros. */
static int pricing(struct builder *b, xmlNodePtr inl, const struct vast_ad *ad)
{
    static const char *const models[] = {
        [VAST_PRICING_CPM] = "cpm",
        [VAST_PRICING_CPC] = "cpc",
        [VAST_PRICING_CPV] = "cpv",
    };
    char value[48];
    xmlNodePtr n;
    int len;

    if (ad->pricing_model == VAST_PRICING_NONE || ad->pricing_model == VAST_PRICING_FLAT)
        return 0;
    len = snprintf(value, sizeof(value), "%" PRId64 ".%06" PRId64, ad->pricing_micros / 1000000,
                   ad->pricing_micros % 1000000);
    if (len < 0 || (size_t)len >= sizeof(value)) {
        xmlerr_fail(b->err, b->errlen, "ad %zu: price does not format", b->ad);
        return -1;
    }
    while (value[len - 1] == '0')
        value[--len] = '\0';
    if (value[len - 1] == '.')
        value[--len] = '\0';
    n = el_text(b, inl, "Pricing", value);
    if (n == NULL || attr(b, n, "model", models[ad->pricing_model]) != 0 ||
        attr(b, n, "currency", ad->pricing_currency) != 0)
        return -1;
    return 0;
}

/* The event's name in b->v's schema, NULL when that version has none. */
static const char *event_name(enum vast_version v, enum vast_event e)
{
    switch (e) {
    case VAST_EVENT_CREATIVE_VIEW:
        return "creativeView";
    case VAST_EVENT_LOADED:
        return v >= VAST_4_1 ? "loaded" : NULL;
    case VAST_EVENT_START:
        return "start";
    case VAST_EVENT_FIRST_QUARTILE:
        return "firstQuartile";
    case VAST_EVENT_MIDPOINT:
        return "midpoint";
    case VAST_EVENT_THIRD_QUARTILE:
        return "thirdQuartile";
    case VAST_EVENT_COMPLETE:
        return "complete";
    case VAST_EVENT_PROGRESS:
        return "progress";
    case VAST_EVENT_MUTE:
        return "mute";
    case VAST_EVENT_UNMUTE:
        return "unmute";
    case VAST_EVENT_PAUSE:
        return "pause";
    case VAST_EVENT_RESUME:
        return "resume";
    case VAST_EVENT_REWIND:
        return "rewind";
    case VAST_EVENT_SKIP:
        return "skip";
    case VAST_EVENT_CLOSE:
        /* Linear ads close with closeLinear; vast4.xsd lacks it and has close. */
        return v == VAST_4_0 ? "close" : "closeLinear";
    case VAST_EVENT_PLAYER_EXPAND:
        return v == VAST_3_0 ? "fullscreen" : "playerExpand";
    case VAST_EVENT_PLAYER_COLLAPSE:
        return v == VAST_3_0 ? "exitFullscreen" : "playerCollapse";
    }
    return NULL;
}

static int tracking_events(struct builder *b, xmlNodePtr linear, const struct vast_ad *ad)
{
    xmlNodePtr list = NULL;
    size_t i;

    for (i = 0; i < ad->n_tracking; i++) {
        const struct vast_tracking *t = &ad->tracking[i];
        const char *name = event_name(b->v, t->event);
        xmlNodePtr n;

        if (name == NULL)
            continue;
        /* Made on first use: an empty TrackingEvents is noise. */
        if (list == NULL && (list = el(b, linear, "TrackingEvents")) == NULL)
            return -1;
        n = el_cdata(b, list, "Tracking", t->url);
        if (n == NULL || attr(b, n, "event", name) != 0)
            return -1;
        if (t->event == VAST_EVENT_PROGRESS) {
            char off[16];

            if (t->offset_percent > 0)
                snprintf(off, sizeof(off), "%d%%", t->offset_percent);
            else
                format_time(t->offset_ms, off);
            if (attr(b, n, "offset", off) != 0)
                return -1;
        }
    }
    return 0;
}

/* ClickThrough first in 3.0; ClickTracking first in every 4.x schema. */
static int video_clicks(struct builder *b, xmlNodePtr linear, const struct vast_ad *ad)
{
    xmlNodePtr vc;
    size_t i;

    if (xmlerr_empty(ad->click_through) && ad->n_click_tracking == 0)
        return 0;
    vc = el(b, linear, "VideoClicks");
    if (vc == NULL)
        return -1;
    if (b->v == VAST_3_0 && !xmlerr_empty(ad->click_through) &&
        el_cdata(b, vc, "ClickThrough", ad->click_through) == NULL)
        return -1;
    for (i = 0; i < ad->n_click_tracking; i++) {
        if (el_cdata(b, vc, "ClickTracking", ad->click_tracking[i]) == NULL)
            return -1;
    }
    if (b->v != VAST_3_0 && !xmlerr_empty(ad->click_through) &&
        el_cdata(b, vc, "ClickThrough", ad->click_through) == NULL)
        return -1;
    return 0;
}

/*
 * 4.1+: <Mezzanine> with delivery, type and size (required). Not in 3.0,
 * and not in 4.0 either: its schema makes Mezzanine a bare URI, which
 * players reading 4.1 rules (vast-client) flag for the missing attributes,
 * while the attributes would break the 4.0 schema.
 */
static int mezzanine(struct builder *b, xmlNodePtr mfs, const struct vast_ad *ad)
{
    const struct vast_media_file *m = ad->mezzanine;
    xmlNodePtr n;

    if (m == NULL || xmlerr_empty(m->url) || b->v == VAST_3_0 || b->v == VAST_4_0)
        return 0;
    n = el_cdata(b, mfs, "Mezzanine", m->url);
    if (n == NULL)
        return -1;
    if (attr(b, n, "delivery",
             m->delivery == VAST_DELIVERY_STREAMING ? "streaming" : "progressive") != 0 ||
        attr(b, n, "type", m->mime_type) != 0 || attr_uint(b, n, "width", m->width) != 0 ||
        attr_uint(b, n, "height", m->height) != 0)
        return -1;
    if (!xmlerr_empty(m->codec) && attr(b, n, "codec", m->codec) != 0)
        return -1;
    return 0;
}

static int media_files(struct builder *b, xmlNodePtr linear, const struct vast_ad *ad)
{
    xmlNodePtr mfs = el(b, linear, "MediaFiles");
    size_t i;

    if (mfs == NULL)
        return -1;
    for (i = 0; i < ad->n_media_files; i++) {
        const struct vast_media_file *m = &ad->media_files[i];
        xmlNodePtr n = el_cdata(b, mfs, "MediaFile", m->url);

        if (n == NULL ||
            attr(b, n, "delivery",
                 m->delivery == VAST_DELIVERY_STREAMING ? "streaming" : "progressive") != 0 ||
            attr(b, n, "type", m->mime_type) != 0 || attr_uint(b, n, "width", m->width) != 0 ||
            attr_uint(b, n, "height", m->height) != 0)
            return -1;
        if (!xmlerr_empty(m->codec) && attr(b, n, "codec", m->codec) != 0)
            return -1;
        if (m->bitrate_kbps > 0 && attr_uint(b, n, "bitrate", m->bitrate_kbps) != 0)
            return -1;
    }
    return mezzanine(b, mfs, ad);
}

static int duration(struct builder *b, xmlNodePtr linear, const struct vast_ad *ad)
{
    char d[16];

    format_time(ad->duration_ms, d);
    return el_text(b, linear, "Duration", d) != NULL ? 0 : -1;
}

/* 3.0: Duration, TrackingEvents?, VideoClicks?, MediaFiles. */
static int linear_v3(struct builder *b, xmlNodePtr creative, const struct vast_ad *ad)
{
    xmlNodePtr linear = el(b, creative, "Linear");

    if (linear == NULL || duration(b, linear, ad) != 0 || tracking_events(b, linear, ad) != 0 ||
        video_clicks(b, linear, ad) != 0 || media_files(b, linear, ad) != 0)
        return -1;
    return 0;
}

/* 4.x: TrackingEvents?, Duration, MediaFiles, VideoClicks?. */
static int linear_v4(struct builder *b, xmlNodePtr creative, const struct vast_ad *ad)
{
    xmlNodePtr linear = el(b, creative, "Linear");

    if (linear == NULL || tracking_events(b, linear, ad) != 0 || duration(b, linear, ad) != 0 ||
        media_files(b, linear, ad) != 0 || video_clicks(b, linear, ad) != 0)
        return -1;
    return 0;
}

/* Creatives/Creative with the attributes spelled as the version wants. */
static xmlNodePtr creative(struct builder *b, xmlNodePtr inl, const struct vast_ad *ad)
{
    xmlNodePtr list = el(b, inl, "Creatives");
    xmlNodePtr c;

    if (list == NULL || (c = el(b, list, "Creative")) == NULL)
        return NULL;
    if (!xmlerr_empty(ad->creative_id) && attr(b, c, "id", ad->creative_id) != 0)
        return NULL;
    if (!xmlerr_empty(ad->creative_ad_id) &&
        attr(b, c, b->v == VAST_3_0 ? "AdID" : "adId", ad->creative_ad_id) != 0)
        return NULL;
    return c;
}

/* Last in Creative: 4.2 is a sequence ending with it, 4.0/4.1 accept any order. */
static int universal_ad_id(struct builder *b, xmlNodePtr c, const struct vast_ad *ad)
{
    const char *reg =
        xmlerr_empty(ad->universal_ad_id_registry) ? "unknown" : ad->universal_ad_id_registry;
    const char *val = xmlerr_empty(ad->universal_ad_id) ? "unknown" : ad->universal_ad_id;
    xmlNodePtr n = el_text(b, c, "UniversalAdId", val);

    if (n == NULL || attr(b, n, "idRegistry", reg) != 0)
        return -1;
    if (b->v == VAST_4_0 && attr(b, n, "idValue", val) != 0)
        return -1;
    return 0;
}

/* 3.0: AdSystem, AdTitle, Description?, Advertiser?, Pricing?, Error?, Impression+, Creatives. */
static int inline_v3(struct builder *b, xmlNodePtr inl, const struct vast_ad *ad)
{
    xmlNodePtr c;

    if (ad_system(b, inl, ad) != 0 || el_text(b, inl, "AdTitle", ad->title) == NULL ||
        opt_text(b, inl, "Description", ad->description) != 0 ||
        opt_text(b, inl, "Advertiser", ad->advertiser) != 0 || pricing(b, inl, ad) != 0 ||
        errors(b, inl, ad, 1) != 0 || impressions(b, inl, ad) != 0)
        return -1;
    c = creative(b, inl, ad);
    if (c == NULL || linear_v3(b, c, ad) != 0)
        return -1;
    return verification_build(inl, 1, ad->verifications, ad->n_verifications, b->err, b->errlen);
}

/*
 * 4.x: AdSystem, Error*, Impression+, Pricing?, AdServingId (4.1+), AdTitle,
 * Advertiser?, Category*, Creatives, Description?.
 */
static int inline_v4(struct builder *b, xmlNodePtr inl, const struct vast_ad *ad)
{
    xmlNodePtr c;
    size_t i;

    if (ad_system(b, inl, ad) != 0 || errors(b, inl, ad, SIZE_MAX) != 0)
        return -1;
    /* 4.0 has verifications as an extension, and Extensions come before Impression */
    if (b->v == VAST_4_0 && verification_build(inl, 1, ad->verifications, ad->n_verifications,
                                               b->err, b->errlen) != 0)
        return -1;
    if (impressions(b, inl, ad) != 0 || pricing(b, inl, ad) != 0)
        return -1;
    if (b->v >= VAST_4_1 && el_text(b, inl, "AdServingId", ad->ad_serving_id) == NULL)
        return -1;
    if (el_text(b, inl, "AdTitle", ad->title) == NULL)
        return -1;
    if (b->v >= VAST_4_1 && verification_build(inl, 0, ad->verifications, ad->n_verifications,
                                               b->err, b->errlen) != 0)
        return -1;
    if (opt_text(b, inl, "Advertiser", ad->advertiser) != 0)
        return -1;
    for (i = 0; i < ad->n_categories; i++) {
        xmlNodePtr n = el_text(b, inl, "Category", ad->categories[i]);

        if (n == NULL || attr(b, n, "authority", ad->category_authority) != 0)
            return -1;
    }
    c = creative(b, inl, ad);
    if (c == NULL || linear_v4(b, c, ad) != 0 || universal_ad_id(b, c, ad) != 0)
        return -1;
    return opt_text(b, inl, "Description", ad->description);
}

static int ad_element(struct builder *b, xmlNodePtr root, const struct vast_ad *ad)
{
    xmlNodePtr n = el(b, root, "Ad");
    xmlNodePtr inl;

    if (n == NULL)
        return -1;
    if (!xmlerr_empty(ad->id) && attr(b, n, "id", ad->id) != 0)
        return -1;
    if (ad->sequence > 0 && attr_uint(b, n, "sequence", ad->sequence) != 0)
        return -1;
    inl = el(b, n, "InLine");
    if (inl == NULL)
        return -1;
    return b->v == VAST_3_0 ? inline_v3(b, inl, ad) : inline_v4(b, inl, ad);
}

/* ------------------------------------------------------------------------- */
/* Entry points                                                               */
/* ------------------------------------------------------------------------- */

int vast_build(const struct vast_ad *ads, size_t n, enum vast_version v,
               const char *nofill_error_url, xmlDocPtr doc, xmlNodePtr *out, char *err,
               size_t errlen)
{
    struct builder b = {.doc = doc, .v = v, .err = err, .errlen = errlen};
    xmlNodePtr root = NULL;
    size_t i;
    int rc = -1;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (vast_version_name(v) == NULL) {
        xmlerr_fail(b.err, b.errlen, "unknown VAST version");
        goto cleanup;
    }
    if (n > 0 && ads == NULL) {
        xmlerr_fail(b.err, b.errlen, "ads is NULL");
        goto cleanup;
    }
    for (i = 0; i < n; i++) {
        b.ad = i;
        if (check_ad(&b, &ads[i]) != 0)
            goto cleanup;
    }
    if (n == 0 && v != VAST_3_0 && !xmlerr_empty(nofill_error_url) &&
        !vast_text_ok(nofill_error_url)) {
        xmlerr_fail(b.err, b.errlen, "no-fill error url is not UTF-8 or has a control character");
        goto cleanup;
    }

    root = xmlNewDocNode(doc, NULL, BAD_CAST "VAST", NULL);
    if (root == NULL) {
        oom(&b);
        goto cleanup;
    }
    if (v != VAST_3_0) {
        b.ns = xmlNewNs(root, BAD_CAST VAST_NS, NULL);
        if (b.ns == NULL) {
            oom(&b);
            goto cleanup;
        }
        xmlSetNs(root, b.ns);
    }
    if (attr(&b, root, "version", vast_version_name(v)) != 0)
        goto cleanup;
    for (i = 0; i < n; i++) {
        b.ad = i;
        if (ad_element(&b, root, &ads[i]) != 0)
            goto cleanup;
    }
    /* vast3_draft.xsd has no root Error: a 3.0 no-fill is an empty VAST. */
    if (n == 0 && v != VAST_3_0 && !xmlerr_empty(nofill_error_url) &&
        el_cdata(&b, root, "Error", nofill_error_url) == NULL)
        goto cleanup;
    *out = root;
    root = NULL;
    rc = 0;
cleanup:
    xmlFreeNode(root);
    return rc;
}

struct save_ctx {
    struct buf *out;
    int overflow;
};

/*
 * Past the buf's maximum the rest is dropped but reported as written:
 * failing here would make libxml2 print "I/O error" on stderr, outside our
 * JSON log; vast_save() turns the flag into its -1.
 */
static int save_write(void *ctx, const char *data, int len)
{
    struct save_ctx *s = ctx;

    if (len < 0)
        return -1;
    if (!s->overflow && buf_append(s->out, data, (size_t)len) != 0)
        s->overflow = 1;
    return len;
}

static int save_close(void *ctx)
{
    (void)ctx;
    return 0;
}

int vast_save(xmlDocPtr doc, struct buf *out)
{
    struct save_ctx s = {.out = out, .overflow = 0};
    xmlSaveCtxtPtr save;
    long written;
    int closed;

    /* Indented: a few bytes more per ad, and documents people can read in logs. */
    save = xmlSaveToIO(save_write, save_close, &s, "UTF-8", XML_SAVE_FORMAT);
    if (save == NULL)
        return -1;
    written = xmlSaveDoc(save, doc);
    closed = xmlSaveClose(save);
    return (written < 0 || closed < 0 || s.overflow) ? -1 : 0;
}

int vast_render(const struct vast_ad *ads, size_t n, enum vast_version v,
                const char *nofill_error_url, struct buf *out, char *err, size_t errlen)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr root = NULL;
    int rc = -1;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    doc = xmlNewDoc(BAD_CAST "1.0");
    if (doc == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "out of memory in libxml2");
        goto cleanup;
    }
    if (vast_build(ads, n, v, nofill_error_url, doc, &root, err, errlen) != 0)
        goto cleanup;
    xmlDocSetRootElement(doc, root);
    if (vast_save(doc, out) != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "document larger than the output limit or not writable");
        goto cleanup;
    }
    rc = 0;
cleanup:
    xmlFreeDoc(doc);
    return rc;
}
