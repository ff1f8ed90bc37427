/*
 * vmap: render IAB VMAP 1.0.1 playlists of linear ad breaks.
 *
 * A break either carries its ads inline (AdSource/VASTAdData holding a VAST
 * 4.2 document as a child element, rendered by vast) or points at an ad tag
 * (AdSource/AdTagURI, a CDATA URL) that the player calls when the break
 * comes. Output validates against vmap_1.0.1-vast4.2-local.xsd (the
 * IAB's own vmap.xsd does not compile in libxml2; the tests use a local
 * variant of it beside the other schemas).
 *
 * Schema-imposed details: elements are in the vmap namespace
 * (http://www.iab.net/videosuite/vmap, prefix "vmap"), version="1.0";
 * AdTagURI@templateType has only vast1|vast2|vast3|proprietary, so a tag
 * answering VAST 4.x is declared "vast3" (the VMAP spec predates VAST 4);
 * timeOffset and breakType are free strings in the schema, written here as
 * "start", "end" or HH:MM:SS.mmm, and "linear".
 *
 * Thread-safe once vast_init() has run.
 */
#ifndef VMAP_H
#define VMAP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "vast/vast.h"

enum vmap_offset {
    VMAP_OFFSET_START, /* pre-roll */
    VMAP_OFFSET_END,   /* post-roll */
    VMAP_OFFSET_TIME,  /* mid-roll at offset_ms into the content */
};

/*
 * One linear break. Strings and arrays are borrowed for the render call;
 * optional strings: NULL or "" = absent. Exactly one source: ad_tag_uri, or
 * (when ad_tag_uri is absent) the inline ads[0..n_ads), which may be empty
 * (an inline no-fill, with nofill_error_url as its VAST root Error).
 */
struct vmap_break {
    enum vmap_offset offset;
    uint32_t offset_ms; /* VMAP_OFFSET_TIME only; under 100 hours */
    const char *break_id;
    const char *ad_tag_uri;
    const struct vast_ad *ads;
    size_t n_ads;
    const char *nofill_error_url;
    /* Break-level TrackingEvents, each optional. */
    const char *break_start_url;
    const char *break_end_url;
    const char *error_url; /* the player fills [ERRORCODE] */
};

/*
 * Append the VMAP document for breaks[0..n) to out (XML declaration, UTF-8;
 * n == 0 is a valid empty playlist). Inline breaks render their ads as VAST
 * 4.2 (see vast_render() for the ad rules). Returns 0, or -1 with a message
 * in err (never a URL) on invalid input or when out's maximum would be
 * passed; out may then hold part of a document (reset it).
 */
int vmap_render(const struct vmap_break *breaks, size_t n, struct buf *out, char *err,
                size_t errlen);

/* br's timeOffset text ("start", "end" or HH:MM:SS.mmm), as vmap_render() writes it. */
void vmap_time_offset(const struct vmap_break *br, char out[16]);

#endif
