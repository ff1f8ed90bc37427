/*
 * trackurl: signed tracking URLs for the VAST beacons we serve.
 *
 * Every Impression, Tracking, ClickTracking and Error URL that points back at
 * adserverd is minted here when the VAST is rendered and checked here when the
 * player calls it, so a beacon proves which ad serving, campaign and creative
 * it belongs to without any lookup:
 *
 *   <base>/t/<event>?d=<payload>&s=<sig>[&e=[ERRORCODE]][&cp=[CONTENTPLAYHEAD]]
 *
 * d is the base64url (no padding) of a fixed 82-byte binary record (format
 * version, event, issue time, ad serving id, campaign id, creative id, cap key
 * hash, price); s is the base64url of HMAC-SHA256(key, d as sent), truncated
 * to 128 bits. The signature covers the payload text exactly as it appears in
 * the URL, so it is checked before anything is decoded. The bracketed player
 * macros come after the signature on purpose: the player replaces them, so
 * they cannot be signed; what verify reads from them is untrusted.
 *
 * Pure computation: no I/O, no globals, safe from any thread. Signed URLs are
 * bearer tokens for spend: never log them.
 */
#ifndef TRACKURL_H
#define TRACKURL_H

#include <stddef.h>
#include <stdint.h>

/* Shortest HMAC key accepted: 128 bits. */
#define TRACKURL_KEY_MIN 16
/* Longest base URL trackurl_sign() accepts, and longest input of verify. */
#define TRACKURL_BASE_MAX 512
#define TRACKURL_INPUT_MAX 2048
/* Bytes of the cap key hash carried in the payload. */
#define TRACKURL_CAP_KEY_LEN 16
/* Clock skew tolerated between the instance that signs and the one verifying. */
#define TRACKURL_SKEW_S 300

/* The payload's event byte; the numbering is part of the URL format. */
enum trackurl_type {
    TRACKURL_IMPRESSION = 0,
    TRACKURL_START = 1,
    TRACKURL_FIRST_QUARTILE = 2,
    TRACKURL_MIDPOINT = 3,
    TRACKURL_THIRD_QUARTILE = 4,
    TRACKURL_COMPLETE = 5,
    TRACKURL_CLICK = 6,
    TRACKURL_ERROR = 7,
    TRACKURL_PAUSE = 8,
    TRACKURL_RESUME = 9,
    TRACKURL_MUTE = 10,
    TRACKURL_UNMUTE = 11,
    TRACKURL_SKIP = 12,
    TRACKURL_CLOSE = 13,
    TRACKURL_NOFILL = 14,
};
#define TRACKURL_TYPE_COUNT 15

enum trackurl_result {
    TRACKURL_OK = 0,
    TRACKURL_BAD_SIGNATURE = 1, /* wrong or missing HMAC, or path event != signed event */
    TRACKURL_EXPIRED = 2,       /* older than max_age_s, or issued in the future */
    TRACKURL_MALFORMED = 3,     /* not a tracking URL we could have produced */
};

/*
 * One beacon. ids are UUID text (8-4-4-4-12 hex, any case; read back in lower
 * case); a nofill beacon has the nil UUID as campaign and creative id.
 */
struct trackurl_event {
    enum trackurl_type type;
    char ad_serving_id[37];
    char campaign_id[37];
    char creative_id[37];
    int64_t issued_at;                           /* epoch seconds, >= 0 */
    unsigned char cap_key[TRACKURL_CAP_KEY_LEN]; /* hash of IFA, device id or IP+UA */
    int64_t price_micros; /* what this event costs, micro-units of the campaign
                             currency, >= 0; 0 = not billable */
    /*
     * Filled by trackurl_verify() only, from the unsigned player macros:
     * [ERRORCODE] (0..999999) and [CONTENTPLAYHEAD] in ms, -1 when absent,
     * left unreplaced or unreadable. Ignored by trackurl_sign().
     */
    int error_code;
    int64_t content_playhead_ms;
};

/* The event's URL name ("firstQuartile", "noFill"...); NULL if out of range. */
const char *trackurl_type_name(enum trackurl_type t);
/* Parse s[0..len) as an event's URL name; 0 and *out, or -1. */
int trackurl_type_parse(const char *s, size_t len, enum trackurl_type *out);

/*
 * Mint the URL for ev under base_url ("http://" or "https://", host, optional
 * path prefix; no query, fragment, blank or control character; one trailing
 * '/' is dropped; at most TRACKURL_BASE_MAX bytes). keylen >= TRACKURL_KEY_MIN.
 * The error and noFill events get "&e=[ERRORCODE]", every event but noFill
 * "&cp=[CONTENTPLAYHEAD]". On success *out is a new NUL-terminated string
 * owned by the caller (free()); on -1 (bad key, base or field) *out is untouched.
 */
int trackurl_sign(const unsigned char *key, size_t keylen, const struct trackurl_event *ev,
                  const char *base_url, char **out);

/*
 * Check a beacon's path and query as the server received it ("/t/start?d=..",
 * with any path prefix before "/t/"; at most TRACKURL_INPUT_MAX bytes are read,
 * longer input is MALFORMED). Parameters other than d, s, e and cp are ignored
 * (players add cache busters); at most 16 parameters. Accepted when the
 * signature matches and issued_at lies in [now - max_age_s, now +
 * TRACKURL_SKEW_S]. The HMAC is compared in constant time. *out is written
 * only on TRACKURL_OK; path_and_query is only read.
 */
enum trackurl_result trackurl_verify(const unsigned char *key, size_t keylen,
                                     const char *path_and_query, int64_t now, int64_t max_age_s,
                                     struct trackurl_event *out);

#endif
