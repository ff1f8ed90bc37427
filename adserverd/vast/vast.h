/*
 * vast: render IAB VAST 3.0, 4.0, 4.1 and 4.2 documents from plain structs.
 *
 * The decision path fills struct vast_ad from the snapshot (URLs already
 * signed by trackurl or expanded by macros) and gets bytes back; nothing here
 * knows about campaigns, the database or HTTP. Each version's document
 * validates against that version's IAB schema (../shared/vast/; the tests
 * check it): element order, required elements and attribute spellings differ
 * per version and are handled here, as are the pieces a version lacks:
 *
 *   - root <Error> for a no-fill: 4.0, 4.1, 4.2 only (vast3_draft.xsd allows
 *     only <Ad> under <VAST>, so a 3.0 no-fill is an empty <VAST>);
 *   - InLine <Error>: any number in 4.x, at most one in 3.0 (the first URL);
 *   - xmlns="http://www.iab.com/VAST": 4.x only (3.0 has no namespace);
 *   - AdServingId: 4.1+ (required there); Category: 4.0+ (vast4.xsd already
 *     defines it); UniversalAdId: 4.0+ (4.0 also wants the idValue
 *     attribute; "unknown"/"unknown" when the creative has none, as 4.1 says);
 *   - Creative adId is "AdID" in 3.0;
 *   - Pricing: models cpm, cpc, cpv only (no schema has a flat model: a flat
 *     price is not written);
 *   - tracking events a version does not define are left out (see enum);
 *   - OMID verifications: <AdVerifications> after AdTitle in 4.1+, an
 *     <Extensions><Extension type="AdVerifications"> in 3.0 (last) and 4.0
 *     (after Error), the form players of those versions read.
 *
 * Libxml2 builds the tree and serialises it, so escaping and CDATA are the
 * library's: every URL is a CDATA section (one containing "]]>" is split by
 * the serialiser), every other text escaped. Strings must be UTF-8 without
 * characters XML 1.0 forbids (C0 controls but tab, LF, CR); anything else
 * fails the render rather than producing a document players cannot parse.
 * URLs are written as given: player macros such as [ERRORCODE] stay literal,
 * which players need, although libxml2's xs:anyURI check rejects brackets.
 *
 * Thread-safe once vast_init() has run. Cost: one small libxml2 tree per call.
 */
#ifndef VAST_H
#define VAST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "vast/verification.h"

enum vast_version {
    VAST_3_0,
    VAST_4_0,
    VAST_4_1,
    VAST_4_2,
};

enum vast_pricing_model {
    VAST_PRICING_NONE = 0,
    VAST_PRICING_CPM,
    VAST_PRICING_CPC,
    VAST_PRICING_CPV,
    VAST_PRICING_FLAT, /* no VAST schema has it: Pricing is omitted */
};

enum vast_delivery {
    VAST_DELIVERY_PROGRESSIVE = 0,
    VAST_DELIVERY_STREAMING,
};

/*
 * Linear tracking events. Written under each version's name; left out where
 * the version has none: LOADED is 4.1+; CLOSE is "closeLinear" except in 4.0
 * ("close", 4.0 has no closeLinear); PLAYER_EXPAND/COLLAPSE are
 * "fullscreen"/"exitFullscreen" in 3.0. No "notUsed": no schema has it.
 */
enum vast_event {
    VAST_EVENT_CREATIVE_VIEW,
    VAST_EVENT_LOADED,
    VAST_EVENT_START,
    VAST_EVENT_FIRST_QUARTILE,
    VAST_EVENT_MIDPOINT,
    VAST_EVENT_THIRD_QUARTILE,
    VAST_EVENT_COMPLETE,
    VAST_EVENT_PROGRESS,
    VAST_EVENT_MUTE,
    VAST_EVENT_UNMUTE,
    VAST_EVENT_PAUSE,
    VAST_EVENT_RESUME,
    VAST_EVENT_REWIND,
    VAST_EVENT_SKIP,
    VAST_EVENT_CLOSE,
    VAST_EVENT_PLAYER_EXPAND,
    VAST_EVENT_PLAYER_COLLAPSE,
};

/* All strings below are borrowed for the duration of the render call. */

struct vast_impression {
    const char *url; /* required */
    const char *id;  /* Impression@id; NULL or "" = none */
};

struct vast_tracking {
    enum vast_event event;
    const char *url;
    /* PROGRESS only, one of: offset_percent 1..100, else offset_ms (>= 0). */
    int offset_percent;
    uint32_t offset_ms;
};

struct vast_media_file {
    const char *url;
    enum vast_delivery delivery;
    const char *mime_type; /* required, e.g. "video/mp4" */
    unsigned width, height;
    unsigned bitrate_kbps; /* 0 = unknown, not written */
    const char *codec;     /* RFC 6381 codec string; NULL or "" = not written */
};

/*
 * One InLine ad with one Linear creative. Optional strings: NULL or "" means
 * absent. Required: ad_system, title, creative's duration (< 24 h, xs:time),
 * >= 1 impression and >= 1 media file; ad_serving_id for 4.1+.
 */
struct vast_ad {
    const char *id;            /* Ad@id */
    unsigned sequence;         /* Ad@sequence inside a pod; 0 = not written */
    const char *ad_serving_id; /* AdServingId (4.1+) */
    const char *ad_system;
    const char *ad_system_version;
    const char *title;
    const char *description;
    const char *advertiser; /* the advertiser's domain */

    enum vast_pricing_model pricing_model;
    const char *pricing_currency; /* ISO 4217, three letters */
    int64_t pricing_micros;       /* >= 0, micro-units of the currency */

    const char *const *categories; /* IAB content taxonomy codes (4.0+) */
    size_t n_categories;
    const char *category_authority; /* URI of the taxonomy; required with categories */

    const char *creative_id;
    const char *creative_ad_id;
    const char *universal_ad_id_registry; /* e.g. "ad-id.org"; NULL = "unknown" */
    const char *universal_ad_id;          /* NULL = "unknown" */
    uint32_t duration_ms;

    const struct vast_media_file *media_files;
    size_t n_media_files;
    /* The original upload for stitchers that transcode themselves (4.1+:
     * Mezzanine after the MediaFiles); NULL = none. */
    const struct vast_media_file *mezzanine;
    const char *click_through;
    const char *const *click_tracking;
    size_t n_click_tracking;
    const struct vast_impression *impressions;
    size_t n_impressions;
    const char *const *error_urls;
    size_t n_error_urls;
    const struct vast_tracking *tracking;
    size_t n_tracking;
    const struct vast_verification *verifications; /* OMID scripts (verification.h) */
    size_t n_verifications;
};

/*
 * Prepare libxml2 for use from many threads (xmlInitParser). Call once from
 * the main thread before the first render; idempotent.
 */
void vast_init(void);

/*
 * Append the VAST document for ads[0..n) (an ad pod when n > 1; the caller
 * sets each ad's sequence) to out, XML declaration first, UTF-8. n == 0 gives
 * a no-fill: root <Error> with nofill_error_url when given and the version
 * allows it (not 3.0); nofill_error_url is ignored when n > 0.
 * Returns 0, or -1 with a message in err (never containing a URL) on invalid
 * input or when out's maximum would be passed; out may then hold part of a
 * document (reset it).
 */
int vast_render(const struct vast_ad *ads, size_t n, enum vast_version v,
                const char *nofill_error_url, struct buf *out, char *err, size_t errlen);

/* The version attribute's text: "3.0", "4.0", "4.1", "4.2"; NULL if out of range. */
const char *vast_version_name(enum vast_version v);

/*
 * 1 when s (NUL-terminated) is strict UTF-8 of XML 1.0 characters only, the
 * rule every string of a render must pass; else 0. For callers that want to
 * reject bad creative metadata when the catalog is built, not per request.
 */
int vast_text_ok(const char *s);

/*
 * For vmap.c, the only other libxml2 user: the same document as an element
 * tree. vast_build() makes the <VAST> element (with its namespace) in doc,
 * unattached, in *out; doc keeps ownership of its nodes, so the caller
 * attaches *out or frees it with xmlFreeNode(). vast_save() appends doc
 * serialised to out (0, or -1 when out's maximum would be passed).
 * The types are libxml2's xmlDoc and xmlNode, declared here as incomplete
 * so that including vast.h does not pull libxml2 into other modules.
 */
struct _xmlDoc;
struct _xmlNode;
int vast_build(const struct vast_ad *ads, size_t n, enum vast_version v,
               const char *nofill_error_url, struct _xmlDoc *doc, struct _xmlNode **out, char *err,
               size_t errlen);
int vast_save(struct _xmlDoc *doc, struct buf *out);

#endif
