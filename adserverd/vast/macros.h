/*
 * macros: IAB VAST 4.x macro substitution in advertiser-supplied URLs.
 *
 * Third-party impression, tracking and click URLs carry macros such as
 * [CACHEBUSTING] or [IFA]. The ones the ad server knows at decision time are
 * replaced here, once per URL and request, before the URL goes into the VAST;
 * each value is percent-encoded on its own (RFC 3986 unreserved characters
 * kept), and a server macro whose value is unknown becomes -1 (the IAB's
 * "unknown" value). Every other bracketed name is left literal, in
 * particular the player's own ([ERRORCODE], [CONTENTPLAYHEAD],
 * [MEDIAPLAYHEAD], [ADPLAYHEAD], [ASSETURI], [BREAKPOSITION], [PODSEQUENCE],
 * [REASON]...): only the player knows them, and it expects the brackets.
 *
 * Server macros: [CACHEBUSTING] [TIMESTAMP] [IFA] [IFATYPE] [DEVICEUA]
 * [DEVICEIP] [APPBUNDLE] [ADSERVINGID] [DOMAIN] [PAGEURL] [LIMITADTRACKING]
 * [GDPRCONSENT] [REGULATIONS] [UNIVERSALADID]. Names are upper case, as the IAB writes them.
 *
 * Pure computation: no allocation beyond the caller's buf, no globals, safe
 * from any thread.
 */
#ifndef MACROS_H
#define MACROS_H

#include <stdint.h>

#include "lib/buf.h"

/*
 * What the server knows about one ad request. Strings are borrowed for the
 * call; NULL or "" means unknown. Start from macros_ctx_init(), which sets
 * everything unknown (a zeroed struct would claim LIMITADTRACKING=0).
 */
struct macros_ctx {
    int64_t now_ms;            /* [TIMESTAMP], epoch ms; < 0 unknown */
    long cachebuster;          /* [CACHEBUSTING], 0..99999999 (8 digits); < 0 unknown */
    int limit_ad_tracking;     /* [LIMITADTRACKING]: 0 or 1; < 0 unknown */
    const char *ifa;           /* [IFA] */
    const char *ifa_type;      /* [IFATYPE], e.g. "rida", "aaid", "idfa", "tifa" */
    const char *device_ua;     /* [DEVICEUA] */
    const char *device_ip;     /* [DEVICEIP] */
    const char *app_bundle;    /* [APPBUNDLE] */
    const char *ad_serving_id; /* [ADSERVINGID] */
    const char *domain;        /* [DOMAIN] */
    const char *page_url;      /* [PAGEURL] */
    const char *gdpr_consent;  /* [GDPRCONSENT], the TCF string */
    const char *regulations;   /* [REGULATIONS], e.g. "gdpr,coppa" */
    const char *universal_ad_id; /* [UNIVERSALADID], "registry value" as VAST 4.1 writes it */
};

/* Set every field of ctx to unknown. */
void macros_ctx_init(struct macros_ctx *ctx);

/*
 * Append url to out with the server macros replaced. The rest of url is
 * copied byte for byte. Returns 0, or -1 when out's maximum would be passed
 * (out then holds a prefix of the result; reset it before reuse).
 */
int macros_expand(const struct macros_ctx *ctx, const char *url, struct buf *out);

#endif
