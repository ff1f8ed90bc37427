/*
 * adparams: the query parameters of an ad request (/vast, /api/v1/vast,
 * /vmap, explain), parsed, bounded and validated before any decision runs.
 *
 * Parameters follow IAB CTV practice (the names the IAB's CTV macro guide
 * and the big SSAI vendors use): device (ifa, ifa_type, ua, ip, device_id,
 * device_type, os, lmt), geography (country, region, dma), app (app_bundle,
 * app_name), content (content_genre, content_rating, content_category,
 * livestream, content_id, content_duration), privacy (us_privacy, gdpr,
 * gdpr_consent), the pod (pod_max_ads, pod_duration, min_ad_duration,
 * max_ad_duration), campaign_id, vast_version, and for VMAP the breaks
 * (preroll, postroll, midrolls, midroll_every, break_source).
 *
 * Rules: every value has a length bound and a character set; a bad value is
 * rejected with a message naming the parameter (the HTTP layer answers 400).
 * A value that is an unfilled macro ("[IFA]", "{IFA}", "%%IFA%%", "$IFA" or
 * empty) counts as absent, since publishers paste tag URLs whose macros a
 * player does not always fill. Unknown parameters (cache busters) are
 * ignored; a known one given twice is an error; at most ADPARAMS_MAX_ARGS
 * arguments in all.
 *
 * Device address and user agent: the query's ip/ua win; otherwise, when the
 * TCP peer is a configured trusted proxy (an SSAI server), X-Device-IP, then
 * the right-most X-Forwarded-For address that is not itself a trusted
 * proxy, and X-Device-User-Agent; otherwise the peer address and the
 * User-Agent header. Headers from any other peer are ignored.
 *
 * Strings in struct adparams are borrowed from the caller's request (MHD
 * keeps them for the request's lifetime) or point into the struct itself;
 * nothing is allocated. Pure functions, safe from any thread.
 */
#ifndef ADPARAMS_H
#define ADPARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "decision/decision.h"
#include "decision/targeting.h"
#include "vast/vast.h"

#define ADPARAMS_MAX_ARGS 64      /* query arguments accepted in one request */
#define ADPARAMS_MAX_POD_ADS 10   /* pod_max_ads upper bound */
#define ADPARAMS_MAX_DURATION 600 /* seconds: pod_duration, min/max_ad_duration */
#define ADPARAMS_MAX_CONTENT 86400
#define ADPARAMS_MAX_MIDROLLS 30 /* mid-roll breaks of one VMAP */
#define ADPARAMS_MAX_PROXIES 32  /* entries of trusted_proxies */

enum adparams_source {
    ADPARAMS_SOURCE_INLINE, /* VMAP breaks carry their VAST (VASTAdData) */
    ADPARAMS_SOURCE_TAG,    /* VMAP breaks point back at /vast (AdTagURI) */
};

struct adparams {
    struct targeting_request t; /* targeting and cap-key inputs */
    const char *app_name;
    const char *us_privacy;
    const char *gdpr_consent;
    const char *content_id;
    const char *campaign_id; /* NULL: any campaign */
    int gdpr;                /* 0, 1; -1 unknown */
    int lmt;                 /* 0, 1; -1 unknown */
    enum vast_version version;
    int version_set;
    struct decision_pod pod; /* max_ads 1 unless pod_* said otherwise */
    int pod_set;             /* any pod_* parameter given */
    /* VMAP */
    int preroll, postroll;                   /* 0 or 1, default 1 */
    uint32_t midrolls[ADPARAMS_MAX_MIDROLLS]; /* offsets in seconds, ascending */
    uint32_t n_midrolls;
    uint32_t midroll_every; /* seconds, 0 = none */
    uint32_t content_duration;
    enum adparams_source source;
    const char *base; /* URL base for tracking and media URLs of this request (set by the
                         ad handler from the transport; NULL: serving's configured base) */
    const char *bad; /* after a failed adparams_set/finish: the parameter at fault */
    /* private: which known keys were seen, and the argument count */
    uint64_t seen;
    unsigned nargs;
    char ip_buf[64];
};

/* Defaults: no targeting values, VAST 4.2, a single ad, preroll and postroll, inline. */
void adparams_init(struct adparams *p);

/*
 * Take one query argument (value NULL for a key without '='). 0; or -1 with
 * a message for the client in err (it names the parameter, never echoes a
 * long value). value must live as long as p.
 */
int adparams_set(struct adparams *p, const char *key, const char *value, char *err,
                 size_t errlen);

/* Checks across parameters (min <= max, offsets inside the content). 0, or -1 and err. */
int adparams_finish(struct adparams *p, char *err, size_t errlen);

/* Trusted proxy networks (trusted_proxies: comma-separated addresses or CIDRs). */
struct adparams_proxy {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned bits;
};
struct adparams_proxies {
    struct adparams_proxy v[ADPARAMS_MAX_PROXIES];
    size_t n;
};

/* Parse list (NULL or "" = none). 0, or -1 with err. */
int adparams_proxies_parse(struct adparams_proxies *out, const char *list, char *err,
                           size_t errlen);
/* 1 when ip (text) is inside one of the networks. */
int adparams_proxies_has(const struct adparams_proxies *px, const char *ip);

/*
 * Fill the device address and user agent when the query did not: see the
 * header comment. peer is the TCP peer; the header values may be NULL. A
 * header value that fails validation is ignored, not an error.
 */
void adparams_device(struct adparams *p, const struct adparams_proxies *px, const char *peer,
                     const char *user_agent, const char *xff, const char *x_device_ip,
                     const char *x_device_ua);

#endif
