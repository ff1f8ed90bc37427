/*
 * adparams: see adparams.h. One table lists every parameter with its bound
 * and character class, so the man page's list and the parser stay in step.
 */
#include "decision/adparams.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

enum kind {
    K_TOKEN,    /* [A-Za-z0-9._:-] */
    K_TEXT,     /* printable, no control characters (UTF-8 allowed) */
    K_COUNTRY,  /* two letters */
    K_REGION,   /* XX-YYY */
    K_DMA,      /* three digits */
    K_PRIVACY,  /* CCPA string: 1 then three of Y N - */
    K_IP,       /* IPv4 or IPv6 literal */
    K_UUID,     /* 8-4-4-4-12 hex */
    K_BOOL,     /* 0 1 true false */
    K_VERSION,  /* 3.0 4.0 4.1 4.2 */
    K_UINT,     /* decimal in [lo, hi] */
    K_LIST,     /* midrolls: comma-separated seconds */
    K_SOURCE,   /* inline | tag */
};

enum field {
    F_IFA, F_IFA_TYPE, F_UA, F_IP, F_DEVICE_ID, F_DEVICE_TYPE, F_OS, F_LMT,
    F_COUNTRY, F_REGION, F_DMA, F_APP_BUNDLE, F_APP_NAME,
    F_GENRE, F_RATING, F_CATEGORY, F_LIVESTREAM, F_CONTENT_ID, F_CONTENT_DURATION,
    F_US_PRIVACY, F_GDPR, F_GDPR_CONSENT,
    F_POD_MAX_ADS, F_POD_DURATION, F_MIN_AD, F_MAX_AD,
    F_CAMPAIGN_ID, F_VAST_VERSION,
    F_PREROLL, F_POSTROLL, F_MIDROLLS, F_MIDROLL_EVERY, F_BREAK_SOURCE,
};

struct param {
    const char *name;
    enum field field;
    enum kind kind;
    unsigned max; /* longest value (bytes), or the upper bound of K_UINT */
    unsigned min; /* K_UINT lower bound */
};

static const struct param params[] = {
    {"ifa", F_IFA, K_TOKEN, 128, 0},
    {"ifa_type", F_IFA_TYPE, K_TOKEN, 16, 0},
    {"ua", F_UA, K_TEXT, 512, 0},
    {"ip", F_IP, K_IP, 45, 0},
    {"device_id", F_DEVICE_ID, K_TOKEN, 128, 0},
    {"device_type", F_DEVICE_TYPE, K_TOKEN, 32, 0},
    {"os", F_OS, K_TOKEN, 32, 0},
    {"lmt", F_LMT, K_BOOL, 5, 0},
    {"country", F_COUNTRY, K_COUNTRY, 2, 0},
    {"region", F_REGION, K_REGION, 6, 0},
    {"dma", F_DMA, K_DMA, 3, 0},
    {"app_bundle", F_APP_BUNDLE, K_TOKEN, 255, 0},
    {"app_name", F_APP_NAME, K_TEXT, 255, 0},
    {"content_genre", F_GENRE, K_TEXT, 64, 0},
    {"content_rating", F_RATING, K_TOKEN, 16, 0},
    {"content_category", F_CATEGORY, K_TOKEN, 32, 0},
    {"livestream", F_LIVESTREAM, K_BOOL, 5, 0},
    {"content_id", F_CONTENT_ID, K_TOKEN, 128, 0},
    {"content_duration", F_CONTENT_DURATION, K_UINT, ADPARAMS_MAX_CONTENT, 1},
    {"us_privacy", F_US_PRIVACY, K_PRIVACY, 4, 0},
    {"gdpr", F_GDPR, K_BOOL, 5, 0},
    {"gdpr_consent", F_GDPR_CONSENT, K_TOKEN, 2048, 0},
    {"pod_max_ads", F_POD_MAX_ADS, K_UINT, ADPARAMS_MAX_POD_ADS, 1},
    {"pod_duration", F_POD_DURATION, K_UINT, ADPARAMS_MAX_DURATION, 1},
    {"min_ad_duration", F_MIN_AD, K_UINT, ADPARAMS_MAX_DURATION, 1},
    {"max_ad_duration", F_MAX_AD, K_UINT, ADPARAMS_MAX_DURATION, 1},
    {"campaign_id", F_CAMPAIGN_ID, K_UUID, 36, 0},
    {"vast_version", F_VAST_VERSION, K_VERSION, 3, 0},
    {"preroll", F_PREROLL, K_BOOL, 5, 0},
    {"postroll", F_POSTROLL, K_BOOL, 5, 0},
    {"midrolls", F_MIDROLLS, K_LIST, 512, 0},
    {"midroll_every", F_MIDROLL_EVERY, K_UINT, ADPARAMS_MAX_CONTENT, 30},
    {"break_source", F_BREAK_SOURCE, K_SOURCE, 6, 0},
};

#define NPARAMS (sizeof(params) / sizeof(params[0]))

void adparams_init(struct adparams *p)
{
    memset(p, 0, sizeof(*p));
    p->t.livestream = TARGETING_LIVE_UNKNOWN;
    p->gdpr = -1;
    p->lmt = -1;
    p->version = VAST_4_2;
    p->pod.max_ads = 1;
    p->preroll = 1;
    p->postroll = 1;
    p->source = ADPARAMS_SOURCE_INLINE;
}

/* "[X]", "{X}", "%%X%%", "$X", "${X}": a macro the player left unfilled. */
static int unfilled_macro(const char *v, size_t n)
{
    if (n >= 2 && ((v[0] == '[' && v[n - 1] == ']') || (v[0] == '{' && v[n - 1] == '}') ||
                   (v[0] == '%' && v[n - 1] == '%')))
        return 1;
    if (n >= 2 && v[0] == '$' && (isalpha((unsigned char)v[1]) || v[1] == '{'))
        return 1;
    return 0;
}

static int is_token(const char *v)
{
    for (; *v != '\0'; v++)
        if (!isalnum((unsigned char)*v) && strchr("._:-", *v) == NULL)
            return 0;
    return 1;
}

/* Strict UTF-8 without C0/C1 controls or DEL. */
static int is_text(const char *v)
{
    const unsigned char *s = (const unsigned char *)v;

    while (*s != '\0') {
        unsigned c = *s;
        size_t len;
        unsigned cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            s++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[k] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0x80 && cp <= 0x9f) ||
            cp == 0xfffe || cp == 0xffff)
            return 0;
        s += len;
    }
    return 1;
}

static int is_uuid(const char *v)
{
    if (strlen(v) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (v[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)v[i])) {
            return 0;
        }
    }
    return 1;
}

static int parse_bool(const char *v, int *out)
{
    if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0) {
        *out = 0;
        return 0;
    }
    return -1;
}

/* Decimal digits only, no sign or spaces, value in [lo, hi]. */
static int parse_uint(const char *v, size_t n, unsigned lo, unsigned hi, uint32_t *out)
{
    unsigned long x = 0;

    if (n == 0 || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (unsigned long)(v[i] - '0');
    }
    if (x < lo || x > hi)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

static int ip_ok(const char *v, char *norm, size_t normlen)
{
    unsigned char a[16];
    int fam = strchr(v, ':') != NULL ? AF_INET6 : AF_INET;

    if (inet_pton(fam, v, a) != 1)
        return 0;
    if (norm != NULL && inet_ntop(fam, a, norm, (socklen_t)normlen) == NULL)
        return 0;
    return 1;
}

static int parse_list(struct adparams *p, const char *v)
{
    uint32_t prev = 0;
    const char *s = v;

    p->n_midrolls = 0;
    while (*s != '\0') {
        const char *e = strchr(s, ',');
        size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
        uint32_t x;
        if (p->n_midrolls >= ADPARAMS_MAX_MIDROLLS ||
            parse_uint(s, n, 1, ADPARAMS_MAX_CONTENT, &x) != 0 || x <= prev)
            return -1;
        p->midrolls[p->n_midrolls++] = x;
        prev = x;
        if (e == NULL)
            break;
        s = e + 1;
        if (*s == '\0')
            return -1;
    }
    return p->n_midrolls > 0 ? 0 : -1;
}

static const char *kind_rule(const struct param *q)
{
    switch (q->kind) {
    case K_TOKEN:
        return "letters, digits and . _ : - only";
    case K_TEXT:
        return "UTF-8 text without control characters";
    case K_COUNTRY:
        return "an ISO 3166-1 alpha-2 country code";
    case K_REGION:
        return "an ISO 3166-2 subdivision code such as US-NY";
    case K_DMA:
        return "a three-digit Nielsen DMA code";
    case K_PRIVACY:
        return "a four-character US Privacy string such as 1YNN";
    case K_IP:
        return "an IPv4 or IPv6 address";
    case K_UUID:
        return "a UUID";
    case K_BOOL:
        return "0, 1, true or false";
    case K_VERSION:
        return "3.0, 4.0, 4.1 or 4.2";
    case K_UINT:
        return "a whole number in range";
    case K_LIST:
        return "ascending comma-separated offsets in seconds";
    case K_SOURCE:
        return "inline or tag";
    }
    return "valid";
}

/* Check v against q's class; 0 and the parsed number in *num, or -1. */
static int check_value(struct adparams *p, const struct param *q, const char *v, uint32_t *num)
{
    size_t n = strlen(v);

    if (q->kind != K_UINT && n > q->max)
        return -1;
    switch (q->kind) {
    case K_TOKEN:
        return is_token(v) ? 0 : -1;
    case K_TEXT:
        return is_text(v) ? 0 : -1;
    case K_COUNTRY:
        return n == 2 && isalpha((unsigned char)v[0]) && isalpha((unsigned char)v[1]) ? 0 : -1;
    case K_REGION:
        if (n < 4 || !isalpha((unsigned char)v[0]) || !isalpha((unsigned char)v[1]) ||
            v[2] != '-')
            return -1;
        for (size_t i = 3; i < n; i++)
            if (!isalnum((unsigned char)v[i]))
                return -1;
        return 0;
    case K_DMA:
        return n == 3 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
                       isdigit((unsigned char)v[2])
                   ? 0
                   : -1;
    case K_PRIVACY:
        if (n != 4 || v[0] != '1')
            return -1;
        for (int i = 1; i < 4; i++)
            if (strchr("YNyn-", v[i]) == NULL)
                return -1;
        return 0;
    case K_IP:
        return ip_ok(v, p->ip_buf, sizeof(p->ip_buf)) ? 0 : -1;
    case K_UUID:
        return is_uuid(v) ? 0 : -1;
    case K_BOOL: {
        int b;
        if (parse_bool(v, &b) != 0)
            return -1;
        *num = (uint32_t)b;
        return 0;
    }
    case K_VERSION:
        if (strcmp(v, "3.0") == 0)
            *num = VAST_3_0;
        else if (strcmp(v, "4.0") == 0)
            *num = VAST_4_0;
        else if (strcmp(v, "4.1") == 0)
            *num = VAST_4_1;
        else if (strcmp(v, "4.2") == 0)
            *num = VAST_4_2;
        else
            return -1;
        return 0;
    case K_UINT:
        return parse_uint(v, n, q->min, q->max, num);
    case K_LIST:
        return parse_list(p, v);
    case K_SOURCE:
        if (strcmp(v, "inline") == 0)
            *num = ADPARAMS_SOURCE_INLINE;
        else if (strcmp(v, "tag") == 0)
            *num = ADPARAMS_SOURCE_TAG;
        else
            return -1;
        return 0;
    }
    return -1;
}

static void store(struct adparams *p, const struct param *q, const char *v, uint32_t num)
{
    struct targeting_request *t = &p->t;

    switch (q->field) {
    case F_IFA: t->ifa = v; break;
    case F_IFA_TYPE: t->ifa_type = v; break;
    case F_UA: t->ua = v; break;
    case F_IP: t->ip = p->ip_buf; break;
    case F_DEVICE_ID: t->device_id = v; break;
    case F_DEVICE_TYPE: t->device_type = v; break;
    case F_OS: t->os = v; break;
    case F_LMT: p->lmt = (int)num; break;
    case F_COUNTRY: t->country = v; break;
    case F_REGION: t->region = v; break;
    case F_DMA: t->dma = v; break;
    case F_APP_BUNDLE: t->app_bundle = v; break;
    case F_APP_NAME: p->app_name = v; break;
    case F_GENRE: t->content_genre = v; break;
    case F_RATING: t->content_rating = v; break;
    case F_CATEGORY: t->content_category = v; break;
    case F_LIVESTREAM: t->livestream = num ? TARGETING_LIVE_YES : TARGETING_LIVE_NO; break;
    case F_CONTENT_ID: p->content_id = v; break;
    case F_CONTENT_DURATION: p->content_duration = num; break;
    case F_US_PRIVACY: p->us_privacy = v; break;
    case F_GDPR: p->gdpr = (int)num; break;
    case F_GDPR_CONSENT: p->gdpr_consent = v; break;
    case F_POD_MAX_ADS: p->pod.max_ads = num; p->pod_set = 1; break;
    case F_POD_DURATION: p->pod.duration_s = num; p->pod_set = 1; break;
    case F_MIN_AD: p->pod.min_ad_s = num; p->pod_set = 1; break;
    case F_MAX_AD: p->pod.max_ad_s = num; p->pod_set = 1; break;
    case F_CAMPAIGN_ID: p->campaign_id = v; break;
    case F_VAST_VERSION: p->version = (enum vast_version)num; p->version_set = 1; break;
    case F_PREROLL: p->preroll = (int)num; break;
    case F_POSTROLL: p->postroll = (int)num; break;
    case F_MIDROLLS: break; /* parse_list stored them */
    case F_MIDROLL_EVERY: p->midroll_every = num; break;
    case F_BREAK_SOURCE: p->source = (enum adparams_source)num; break;
    }
}

int adparams_set(struct adparams *p, const char *key, const char *value, char *err,
                 size_t errlen)
{
    const struct param *q = NULL;
    uint32_t num = 0;

    p->bad = key != NULL && strlen(key) <= 32 ? key : "query";
    if (++p->nargs > ADPARAMS_MAX_ARGS) {
        p->bad = "query";
        snprintf(err, errlen, "too many query parameters (at most %d)", ADPARAMS_MAX_ARGS);
        return -1;
    }
    if (key == NULL)
        return 0;
    for (size_t i = 0; i < NPARAMS; i++) {
        if (strcmp(params[i].name, key) == 0) {
            q = &params[i];
            break;
        }
    }
    if (q == NULL)
        return 0; /* cache busters and parameters of other systems */
    if (p->seen & (UINT64_C(1) << q->field)) {
        snprintf(err, errlen, "parameter %s given more than once", q->name);
        return -1;
    }
    p->seen |= UINT64_C(1) << q->field;
    if (value == NULL || value[0] == '\0' || unfilled_macro(value, strlen(value)))
        return 0;
    if (check_value(p, q, value, &num) != 0) {
        if (q->kind == K_UINT)
            snprintf(err, errlen, "%s must be a whole number from %u to %u", q->name, q->min,
                     q->max);
        else if (q->kind == K_LIST)
            snprintf(err, errlen,
                     "%s must be at most %d ascending comma-separated offsets in seconds "
                     "(1 to %d)",
                     q->name, ADPARAMS_MAX_MIDROLLS, ADPARAMS_MAX_CONTENT);
        else
            snprintf(err, errlen, "%s must be %s, at most %u characters", q->name, kind_rule(q),
                     q->max);
        return -1;
    }
    store(p, q, value, num);
    return 0;
}

int adparams_finish(struct adparams *p, char *err, size_t errlen)
{
    if (p->pod.min_ad_s != 0 && p->pod.max_ad_s != 0 && p->pod.min_ad_s > p->pod.max_ad_s) {
        snprintf(err, errlen, "min_ad_duration must not exceed max_ad_duration");
        p->bad = "min_ad_duration";
        return -1;
    }
    if (p->pod.duration_s != 0 && p->pod.min_ad_s != 0 && p->pod.min_ad_s > p->pod.duration_s) {
        snprintf(err, errlen, "min_ad_duration must not exceed pod_duration");
        p->bad = "min_ad_duration";
        return -1;
    }
    /* A duration without a count means "fill the duration": allow the largest pod. */
    if (p->pod.duration_s != 0 && !(p->seen & (UINT64_C(1) << F_POD_MAX_ADS)))
        p->pod.max_ads = ADPARAMS_MAX_POD_ADS;
    if (p->midroll_every != 0 && p->content_duration == 0) {
        snprintf(err, errlen, "midroll_every needs content_duration");
        p->bad = "midroll_every";
        return -1;
    }
    if (p->midroll_every != 0 && p->n_midrolls != 0) {
        snprintf(err, errlen, "give midrolls or midroll_every, not both");
        p->bad = "midrolls";
        return -1;
    }
    if (p->midroll_every != 0) {
        for (uint32_t t = p->midroll_every; t < p->content_duration; t += p->midroll_every) {
            if (p->n_midrolls >= ADPARAMS_MAX_MIDROLLS) {
                p->bad = "midroll_every";
                snprintf(err, errlen, "midroll_every gives more than %d mid-rolls",
                         ADPARAMS_MAX_MIDROLLS);
                return -1;
            }
            p->midrolls[p->n_midrolls++] = t;
        }
    }
    if (p->content_duration != 0 && p->n_midrolls != 0 &&
        p->midrolls[p->n_midrolls - 1] >= p->content_duration) {
        snprintf(err, errlen, "midrolls must lie inside content_duration");
        p->bad = "midrolls";
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Trusted proxies and device headers
 * ------------------------------------------------------------------------ */

static int parse_net(const char *s, size_t n, struct adparams_proxy *out)
{
    char text[64];
    const char *slash;
    unsigned long bits;
    char *end;

    if (n == 0 || n >= sizeof(text))
        return -1;
    memcpy(text, s, n);
    text[n] = '\0';
    slash = strchr(text, '/');
    out->family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    if (slash != NULL) {
        bits = strtoul(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || bits > (out->family == AF_INET ? 32u : 128u))
            return -1;
        text[slash - text] = '\0';
    } else {
        bits = out->family == AF_INET ? 32 : 128;
    }
    memset(out->addr, 0, sizeof(out->addr));
    if (inet_pton(out->family, text, out->addr) != 1)
        return -1;
    out->bits = (unsigned)bits;
    return 0;
}

int adparams_proxies_parse(struct adparams_proxies *out, const char *list, char *err,
                           size_t errlen)
{
    const char *s = list;

    out->n = 0;
    if (s == NULL)
        return 0;
    while (*s != '\0') {
        const char *e = strchr(s, ',');
        size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
        while (n > 0 && *s == ' ') {
            s++;
            n--;
        }
        while (n > 0 && s[n - 1] == ' ')
            n--;
        if (n > 0) {
            if (out->n >= ADPARAMS_MAX_PROXIES || parse_net(s, n, &out->v[out->n]) != 0) {
                snprintf(err, errlen,
                         "trusted_proxies: at most %d addresses or CIDR networks, "
                         "comma-separated",
                         ADPARAMS_MAX_PROXIES);
                return -1;
            }
            out->n++;
        }
        if (e == NULL)
            break;
        s = e + 1;
    }
    return 0;
}

static int net_has(const struct adparams_proxy *p, int family, const unsigned char *a)
{
    unsigned full = p->bits / 8, rest = p->bits % 8;

    if (p->family != family)
        return 0;
    if (memcmp(p->addr, a, full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (p->addr[full] & mask) == (a[full] & mask);
}

int adparams_proxies_has(const struct adparams_proxies *px, const char *ip)
{
    unsigned char a[16];
    int family;

    if (px == NULL || ip == NULL || px->n == 0)
        return 0;
    family = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;
    memset(a, 0, sizeof(a));
    if (inet_pton(family, ip, a) != 1)
        return 0;
    /* An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d. */
    if (family == AF_INET6 && strncmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.') != NULL) {
        unsigned char v4[16] = {0};
        if (inet_pton(AF_INET, ip + 7, v4) == 1)
            for (size_t i = 0; i < px->n; i++)
                if (net_has(&px->v[i], AF_INET, v4))
                    return 1;
    }
    for (size_t i = 0; i < px->n; i++)
        if (net_has(&px->v[i], family, a))
            return 1;
    return 0;
}

/* The right-most X-Forwarded-For address that is not a trusted proxy, into out. */
static int xff_client(const struct adparams_proxies *px, const char *xff, char *out, size_t n)
{
    size_t len = strlen(xff);

    if (len > 2048)
        return -1;
    while (len > 0) {
        size_t end = len, start;
        char text[64];
        while (end > 0 && (xff[end - 1] == ' ' || xff[end - 1] == ','))
            end--;
        start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        while (start < end && xff[start] == ' ')
            start++;
        if (end > start && end - start < sizeof(text)) {
            memcpy(text, xff + start, end - start);
            text[end - start] = '\0';
            if (!ip_ok(text, out, n))
                return -1;
            if (!adparams_proxies_has(px, text))
                return 0;
        } else if (end > start) {
            return -1;
        }
        len = start;
    }
    return -1;
}

void adparams_device(struct adparams *p, const struct adparams_proxies *px, const char *peer,
                     const char *user_agent, const char *xff, const char *x_device_ip,
                     const char *x_device_ua)
{
    int trusted = adparams_proxies_has(px, peer);

    if (p->t.ip == NULL) {
        if (trusted && x_device_ip != NULL && strlen(x_device_ip) < 64 &&
            ip_ok(x_device_ip, p->ip_buf, sizeof(p->ip_buf)))
            p->t.ip = p->ip_buf;
        else if (trusted && xff != NULL && xff_client(px, xff, p->ip_buf, sizeof(p->ip_buf)) == 0)
            p->t.ip = p->ip_buf;
        else if (peer != NULL && ip_ok(peer, p->ip_buf, sizeof(p->ip_buf)))
            p->t.ip = p->ip_buf;
    }
    if (p->t.ua == NULL) {
        if (trusted && x_device_ua != NULL && strlen(x_device_ua) <= 512 && is_text(x_device_ua))
            p->t.ua = x_device_ua;
        else if (user_agent != NULL && strlen(user_agent) <= 512 && is_text(user_agent))
            p->t.ua = user_agent;
    }
}
