/*
 * unwrap: follow a third-party VAST tag to its InLine ad on the server.
 *
 * SSAI stitchers and many CTV players cannot follow VAST wrappers, so a
 * tag creative served to them must be resolved here: fetch the tag, and
 * while the answer is a <Wrapper>, collect its impressions, trackers,
 * error URLs and verifications and fetch its VASTAdTagURI, until an
 * <InLine> with a playable MediaFile. The result is everything a renderer
 * needs to answer one InLine with every wrapper's measurement merged.
 *
 * Bounds (a hostile ad server can only make a chain fail, never stall or
 * crash the daemon): one time budget for the whole chain (each fetch gets
 * what is left), at most UNWRAP_MAX_HOPS documents (VAST's own wrapper
 * limit), a byte cap per answer, a URL seen twice is a loop, only http and
 * https (redirects too), and no connection to a loopback, private,
 * link-local or unspecified address unless allow_private. Parsing uses
 * libxml2 without network access, DTD loading or entity substitution, at
 * its default depth and amplification limits.
 *
 * unwrap_run() blocks for at most the budget: call it from a fetch thread,
 * never on an HTTP worker. Thread-safe (curl_global_init() must have run,
 * as for every libcurl user). Load: one chain per tag creative served with
 * unwrap=1 and not cached.
 */
#ifndef TAG_UNWRAP_H
#define TAG_UNWRAP_H

#include <stddef.h>
#include <stdint.h>

#include "vast/macros.h"
#include "vast/trackers.h"

#define UNWRAP_MAX_HOPS 5
#define UNWRAP_DEFAULT_MAX_BYTES (256 * 1024)

/* Why a chain ended; each failure maps to a VAST error code (unwrap_vast_error). */
enum unwrap_status {
    UNWRAP_OK = 0,
    UNWRAP_TIMEOUT,  /* the budget ran out (301) */
    UNWRAP_FETCH,    /* connection refused, HTTP error status, bad scheme (301) */
    UNWRAP_BLOCKED,  /* a loopback or private address without allow_private (301) */
    UNWRAP_XML,      /* not well-formed, not VAST, too large (100) */
    UNWRAP_EMPTY,    /* a VAST without an ad (303) */
    UNWRAP_LOOP,     /* a tag URL came back (302) */
    UNWRAP_HOPS,     /* more than UNWRAP_MAX_HOPS documents (302) */
    UNWRAP_NO_MEDIA, /* an InLine without a playable MediaFile (403) */
};

struct unwrap_opts {
    int64_t budget_ms;     /* the whole chain; <= 0: 300 */
    size_t max_bytes;      /* per answer; 0: UNWRAP_DEFAULT_MAX_BYTES */
    int allow_private;     /* 1: loopback and private addresses may be fetched */
    const struct macros_ctx *macros; /* fills server macros in tag URLs; NULL = none */
};

/* One parsed document (a hop). Strings owned; release with unwrap_doc_release(). */
struct unwrap_doc {
    int is_wrapper;        /* 1 Wrapper, 0 InLine */
    char *tag_uri;         /* Wrapper: VASTAdTagURI, normalised; NULL when absent */
    struct trackers found; /* impression, click, error, event URLs and verifications */
    char *media_url;       /* InLine: the chosen MediaFile; NULL = none playable */
    char *media_type;
    unsigned width, height, bitrate_kbps;
    uint32_t duration_ms;  /* InLine: Linear Duration; 0 = absent */
    char *click_through;   /* InLine: ClickThrough, normalised; NULL = none */
    char *title;           /* InLine: AdTitle when it is XML-safe text; NULL = none */
};

/* The chain's outcome. Strings owned; release with unwrap_result_release(). */
struct unwrap_result {
    enum unwrap_status status;
    int hops;                /* documents fetched */
    char message[160];       /* why, for logs (never contains a URL) */
    struct trackers merged;  /* every hop's URLs and verifications, outermost first */
    struct unwrap_doc inline_ad; /* UNWRAP_OK: the InLine (its own URLs are in merged) */
};

void unwrap_doc_release(struct unwrap_doc *d);
void unwrap_result_release(struct unwrap_result *r);

/*
 * Parse one answer (xml[0..len), untrusted) into *doc. UNWRAP_OK (a Wrapper
 * with a tag URI, or an InLine: an InLine without a playable MediaFile is
 * still UNWRAP_OK here, media_url NULL), UNWRAP_XML or UNWRAP_EMPTY; *doc is
 * filled only on UNWRAP_OK.
 */
enum unwrap_status unwrap_parse(const char *xml, size_t len, struct unwrap_doc *doc);

/*
 * Resolve the tag url within opts' budget into *out (always initialised;
 * release it). Returns out->status. On failure out->merged still holds the
 * Error URLs collected so far: the caller fires them with the code.
 */
enum unwrap_status unwrap_run(const struct unwrap_opts *opts, const char *url,
                              struct unwrap_result *out);

/* The VAST error code of a failed chain: 100, 301, 302, 303 or 403; 0 for UNWRAP_OK. */
int unwrap_vast_error(enum unwrap_status s);

/* A short name for metrics and logs ("timeout", "loop", ...). */
const char *unwrap_status_name(enum unwrap_status s);

#endif
