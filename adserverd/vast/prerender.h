/*
 * prerender: VAST <Ad> elements rendered once, at snapshot build, and
 * completed per request by splicing a few values into them.
 *
 * Why: building and serialising a libxml2 tree per ad per request is most
 * of a VAST answer's cost, yet almost all of an ad (titles, categories,
 * pricing, MediaFile attributes, element order per version, escaping) is
 * the same for every request. The catalog thread renders each creative's
 * <Ad> through the same libxml2 renderer (vast_render), for every version
 * served, with unique markers where per-request values go; the output is
 * cut at the markers into literal segments and slots. Per request the
 * serving path writes literal, value, literal, ... into the answer.
 *
 * Invariant (tested byte for byte against vast_render): a spliced document
 * equals what vast_render() would produce for the same values, because
 * every spliced value is from an alphabet the serialiser writes unchanged
 * in its place (vast_prerender_value_ok(): checked per request for values
 * from outside, asserted in debug builds and tests for the values we
 * generate ourselves). A value outside
 * its alphabet (a click-through URL a campaign owner typed) makes
 * vast_prerender_ad() answer 1 and the caller renders that request with
 * vast_render() instead, so output never depends on which path ran.
 *
 * The base URL (scheme://host[:port]) of MediaFile URLs that live under the
 * ad listener is a slot, not a literal, so it can differ per request.
 *
 * VMAP: the same <Ad> is also kept as vmap_render() writes it inside an
 * inline break (deeper indentation), with the playlist and break framing.
 *
 * Immutable after vast_prerender_add() calls end (the catalog thread builds
 * it before publishing the snapshot that owns it); reads are lock-free from
 * any thread. Memory: about 1-2 KiB per creative and version.
 */
#ifndef VAST_PRERENDER_H
#define VAST_PRERENDER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "vast/vast.h"

#define VAST_PRERENDER_TRACKING_MAX 16

/* What a slot receives per request. */
enum vast_slot {
    VAST_SLOT_SERVING_ID,     /* AdServingId and Impression@id: [0-9a-f-] */
    VAST_SLOT_SEQUENCE,       /* the Ad's sequence number in a pod, or "" for none */
    VAST_SLOT_BASE,           /* base URL in a MediaFile URL */
    VAST_SLOT_IMPRESSION,     /* Impression URL */
    VAST_SLOT_ERROR,          /* InLine Error URL */
    VAST_SLOT_CLICK_TRACKING, /* ClickTracking URL */
    VAST_SLOT_CLICK_THROUGH,  /* ClickThrough URL */
    VAST_SLOT_TIME_OFFSET,    /* VMAP AdBreak@timeOffset: "start", "end", HH:MM:SS.mmm */
    VAST_SLOT_BREAK_ID,       /* VMAP AdBreak@breakId: [a-z0-9-] */
    VAST_SLOT_TRACKING,       /* Tracking URL k is slot VAST_SLOT_TRACKING + k */
    VAST_SLOT_COUNT = VAST_SLOT_TRACKING + VAST_PRERENDER_TRACKING_MAX
};

struct vast_prerender;

/* Room for n ads (indexes 0..n-1), none rendered yet. */
struct vast_prerender *vast_prerender_new(size_t n);
/* NULL is fine. */
void vast_prerender_free(struct vast_prerender *pr);

/*
 * The marker to put in a template's field for slot s (static storage).
 * For VAST_SLOT_BASE: put the marker at the start of the MediaFile URL in
 * place of the base. For VAST_SLOT_SEQUENCE: leave the template's sequence
 * 0 (the slot is made at the Ad's start tag).
 */
const char *vast_prerender_marker(enum vast_slot s);

/*
 * Render ad idx for every version from tmpl: an ad as vast_render() takes
 * it, whose per-request fields (ad_serving_id, impression url and id, error
 * url, click tracking, click through when present, tracking urls,
 * optionally the MediaFile's base) hold markers, and whose other strings
 * do not contain "@@". 0; 1 when the ad cannot be prerendered (a static
 * string looks like a marker, more than VAST_PRERENDER_TRACKING_MAX
 * tracking events, or vast_render() refused it: requests for it then use
 * vast_render()); -1 on allocation failure. Not thread-safe; call before
 * publishing.
 */
int vast_prerender_add(struct vast_prerender *pr, size_t idx, const struct vast_ad *tmpl);

/* 1 when ad idx has fragments (vast_prerender_add() returned 0 for it). */
int vast_prerender_has(const struct vast_prerender *pr, size_t idx);

/* 1 when value may be spliced into slot s unchanged (see the invariant). */
int vast_prerender_value_ok(enum vast_slot s, const char *value);

/*
 * Append the document's start (XML declaration, <VAST ...>) / end for v.
 * 0, or -1 when out is full.
 */
int vast_prerender_open(const struct vast_prerender *pr, enum vast_version v, struct buf *out);
int vast_prerender_close(const struct vast_prerender *pr, enum vast_version v, struct buf *out);

/*
 * Append ad idx for version v with values[slot] (NULL counts as "").
 * 0; 1 when idx has no fragment or the click-through or base value is
 * outside its slot's alphabet (nothing of the ad is appended then: render
 * the request with vast_render()); -1 when out is full. The other values
 * are the caller's own (ids, sequence, signed URLs) and must be in their
 * alphabets: asserted, not checked, in release builds.
 */
int vast_prerender_ad(const struct vast_prerender *pr, size_t idx, enum vast_version v,
                      const char *const values[VAST_SLOT_COUNT], struct buf *out);

/*
 * The same for a VMAP playlist whose breaks all carry their ads inline (VAST
 * 4.2 inside VASTAdData, as vmap_render() writes them): the document's
 * start, a break's start (time_offset and break_id as vmap_render() writes
 * them, in their alphabets), its ads (vast_prerender_vmap_ad(), same rules
 * as vast_prerender_ad()), the break's end, the document's end. 0, or -1
 * when out is full (or nothing was prerendered yet).
 */
int vast_prerender_vmap_open(const struct vast_prerender *pr, struct buf *out);
int vast_prerender_vmap_break_open(const struct vast_prerender *pr, const char *time_offset,
                                   const char *break_id, struct buf *out);
int vast_prerender_vmap_ad(const struct vast_prerender *pr, size_t idx,
                           const char *const values[VAST_SLOT_COUNT], struct buf *out);
int vast_prerender_vmap_break_close(const struct vast_prerender *pr, struct buf *out);
int vast_prerender_vmap_close(const struct vast_prerender *pr, struct buf *out);

#endif
