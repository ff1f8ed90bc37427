/*
 * beacon_record: the spool's record format for one tracking event, shared
 * by intake (beacon, api_track) and the drain (spool_drain).
 *
 * Binary, little-endian, versioned by the first byte, so a record written
 * by one build is read by the next; decoding bounds every length and
 * rejects anything else (a spool record is checksummed, but a decoder bug
 * must never crash the drain: the drain dead-letters what fails here).
 *
 * The record keeps what the drain needs and nothing it can look up: the
 * verified trackurl fields for a signed beacon, the contract's fields for
 * track-impression, the player's address and User-Agent. Signed URLs are
 * never stored.
 */
#ifndef BEACON_RECORD_H
#define BEACON_RECORD_H

#include "vast/trackurl.h"

#include <stddef.h>
#include <stdint.h>

#define BEACON_RECORD_VERSION 1
#define BEACON_STR_MAX 800 /* longest string field kept (longer ones are cut) */
#define BEACON_RECORD_MAX 8192

enum beacon_source {
    BEACON_SRC_BEACON = 0,  /* signed tracking URL, verified */
    BEACON_SRC_TRACK = 1,   /* POST /api/v1/track-impression (docs/admin-api.md) */
    BEACON_SRC_LEGACY = 2,  /* POST /api/v1/impression (old Go API) */
    BEACON_SRC_INVALID = 3, /* tracking URL that did not verify: stored, never counted */
};

enum beacon_str {
    BEACON_S_CAMPAIGN,  /* text as given (track/legacy); the UUID of a signed beacon */
    BEACON_S_CREATIVE,
    BEACON_S_AD_ID,
    BEACON_S_DEVICE_TYPE,
    BEACON_S_COUNTRY,
    BEACON_S_REGION,
    BEACON_S_USER_AGENT,
    BEACON_S_IP,
    BEACON_S_SESSION,
    BEACON_S_COUNT,
};

struct beacon_record {
    enum beacon_source source;
    enum trackurl_type type;        /* the event (impression for track/legacy) */
    enum trackurl_result invalid;   /* BEACON_SRC_INVALID: why */
    unsigned char id[16];           /* random record id: the event id of unsigned events */
    int64_t received_ms;
    /* signed beacons (zero otherwise) */
    char ad_serving_id[37];
    int64_t issued_at;
    unsigned char cap_key[TRACKURL_CAP_KEY_LEN];
    int64_t price_micros;
    int32_t error_code;
    int64_t playhead_ms;
    /* strings (pointers into the caller's storage on encode, into the input on decode) */
    const char *s[BEACON_S_COUNT];
    uint16_t slen[BEACON_S_COUNT];
};

/* Encode r into out (BEACON_RECORD_MAX bytes); the length, or 0 when a field is out of range. */
size_t beacon_record_encode(const struct beacon_record *r, unsigned char *out);
/*
 * Decode in[0..len) into *r; string pointers point into in (not NUL-terminated:
 * use slen). 0, or -1 when the record is malformed.
 */
int beacon_record_decode(const unsigned char *in, size_t len, struct beacon_record *r);
/*
 * Point string field i of r at s (NULL: left unset). s is not copied: it must
 * live until r is encoded. A string longer than BEACON_STR_MAX is cut, not
 * refused (a long User-Agent must not lose the event).
 */
void beacon_record_set_str(struct beacon_record *r, enum beacon_str i, const char *s);
/* The event id: "<AdServingId>:<event>" for signed beacons, else the record id as hex. */
void beacon_record_event_id(const struct beacon_record *r, char out[64]);

#endif
