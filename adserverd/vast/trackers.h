/*
 * trackers: an advertiser's own measurement on an ad: third-party
 * impression, click, error and linear-event tracker URLs, and OMID
 * verification scripts (vendor, script URL, parameters, not-executed URL).
 *
 * Why here, in vast/: the same parsed form is validated once by the admin
 * API (PUT), loaded once per creative by the catalog builder, and written
 * into VAST per request. One parser serves all three, so what the API
 * accepts is exactly what serving can render (tests/fuzz/fuzz_trackers.c
 * feeds it hostile JSON).
 *
 * What changes per request is only the macro values: trackers_fill()
 * replaces the server-known IAB macros with percent-encoded values. Every
 * URL is normalised when parsed (bytes outside the URL alphabet below are
 * percent-encoded), so the output of trackers_fill() is always made of
 * trackers_url_char() characters: no '<', '>', '"', whitespace or control
 * characters, and so never "]]>". A renderer that writes VAST from
 * fragments made at snapshot build can splice it into a CDATA section
 * unchanged.
 *
 * Limits (bad input is refused, never truncated): a URL is http or https,
 * at most TRACKERS_URL_MAX bytes as sent; a list holds at most
 * TRACKERS_LIST_MAX URLs; at most TRACKERS_VERIFICATIONS_MAX verifications.
 * A struct trackers is immutable once parsed; reads need no lock.
 * Load: parse once per admin PUT and per creative per catalog build; fill
 * once per URL per served ad.
 */
#ifndef TRACKERS_H
#define TRACKERS_H

#include <jansson.h>
#include <stddef.h>

#include "lib/buf.h"
#include "vast/macros.h"
#include "vast/vast.h"

#define TRACKERS_URL_MAX 2048
#define TRACKERS_LIST_MAX 10
#define TRACKERS_VERIFICATIONS_MAX 5
#define TRACKERS_VENDOR_MAX 255
#define TRACKERS_PARAMETERS_MAX 8192

/* The lists of a trackers document; events keep the API's order. */
enum trackers_list {
    TRACKERS_IMPRESSION,
    TRACKERS_CLICK,
    TRACKERS_ERROR,
    TRACKERS_EV_START,
    TRACKERS_EV_FIRST_QUARTILE,
    TRACKERS_EV_MIDPOINT,
    TRACKERS_EV_THIRD_QUARTILE,
    TRACKERS_EV_COMPLETE,
    TRACKERS_EV_PAUSE,
    TRACKERS_EV_RESUME,
    TRACKERS_EV_MUTE,
    TRACKERS_EV_UNMUTE,
    TRACKERS_EV_SKIP,
    TRACKERS_EV_CLOSE,
    TRACKERS_NLISTS
};

struct trackers_verification {
    char *vendor;           /* e.g. "company.com-omid" */
    char *javascript_url;   /* the OMID script */
    int browser_optional;   /* 0 or 1 */
    char *parameters;       /* opaque text for the script; NULL = none */
    char *not_executed_url; /* tracker for verificationNotExecuted; NULL = none */
};

/* All strings owned by the struct; release with trackers_release(). */
struct trackers {
    char **urls[TRACKERS_NLISTS];
    size_t n[TRACKERS_NLISTS];
    struct trackers_verification *verifications;
    size_t n_verifications;
};

/* The first failure of a parse: field ("events.start[3]") and message, format C. */
struct trackers_fail {
    char field[96];
    char message[256];
};

/* An empty set (every list empty). */
void trackers_init(struct trackers *t);
/* Free what t owns and leave it empty. */
void trackers_release(struct trackers *t);
/* 1 when t has no URL and no verification. */
int trackers_empty(const struct trackers *t);

/*
 * Parse a trackers document ({"impression":[..],"click":[..],"error":[..],
 * "events":{"start":[..],...}}; every key optional, unknown keys refused)
 * into t's lists (t's verifications untouched). 0; -1 with the first
 * failure in *f and t unchanged.
 */
int trackers_parse(const json_t *body, struct trackers *t, struct trackers_fail *f);

/*
 * Parse a verifications list: a JSON array, or an object whose only key
 * "verifications" holds one, of {"vendor","javascript_url" (required),
 * "browser_optional","parameters","not_executed_url"} into t's
 * verifications (lists untouched). 0; -1 with *f and t unchanged.
 */
int trackers_verifications_parse(const json_t *body, struct trackers *t, struct trackers_fail *f);

/* The canonical documents of t (new references; every list present). */
json_t *trackers_json(const struct trackers *t);
json_t *trackers_verifications_json(const struct trackers *t);

/*
 * Append a copy of src's URLs and verifications after dst's (a campaign's
 * trackers after its creative's own). Lists may then exceed the per-list
 * limit of one document; that is intended.
 */
void trackers_merge(struct trackers *dst, const struct trackers *src);

/* The API's name of list l ("impression", "start", ...). */
const char *trackers_list_name(enum trackers_list l);
/* The VAST event of an event list (l >= TRACKERS_EV_START). */
enum vast_event trackers_list_event(enum trackers_list l);

/*
 * s[0..len) (surrounding whitespace trimmed) as a tracker URL in the
 * normalised form of a parse: a new string (caller free()s it), or NULL when
 * it is not an http or https URL of at most TRACKERS_URL_MAX bytes without
 * inner whitespace or control characters. For URLs from outside the API
 * (a third-party VAST answer).
 */
char *trackers_url_normalise(const char *s, size_t len);

/* Append a copy of url (already normalised) to list l of t. */
void trackers_add(struct trackers *t, enum trackers_list l, const char *url);

/* 1 when c may appear in a stored URL and in trackers_fill()'s output. */
int trackers_url_char(unsigned char c);

/*
 * Append url with the server-known macros filled (see macros.h; values
 * percent-encoded, the player's macros left literal). The output is made of
 * trackers_url_char() characters only when url came from a parse. 0, or -1
 * when out's maximum would be passed.
 */
int trackers_fill(const struct macros_ctx *ctx, const char *url, struct buf *out);

/*
 * Add t's trackers and verifications to ad a for one request: a's
 * impression, click-tracking, error and tracking arrays are replaced by
 * arrays holding a's own entries first, then t's URLs filled by
 * trackers_fill() with ctx; a's verifications are set from t with their
 * not-executed URLs filled. Everything new lives in one block, *block
 * (caller free()s it after the render; a's own strings stay borrowed), NULL
 * when t is NULL or empty (a untouched). 0, or -1 when the filled text would
 * pass TRACKERS_AD_TEXT_MAX (a untouched, *block NULL).
 */
#define TRACKERS_AD_TEXT_MAX (4 * 1024 * 1024)
int trackers_ad_fill(const struct trackers *t, const struct macros_ctx *ctx, struct vast_ad *a,
                     void **block);

#endif
