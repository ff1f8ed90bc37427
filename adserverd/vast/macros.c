/*
 * macros: see macros.h.
 *
 * One left-to-right pass: text is copied in runs up to the next '[', and a
 * '[' that opens a known server macro ("[", 1..32 of A-Z 0-9 _, "]") is
 * replaced by its encoded value. A '[' that does not is copied and scanning
 * resumes right after it, so "[[IFA]" keeps its first bracket and fills the
 * macro. Work is linear in the URL; output is bounded by the caller's buf.
 */
#include "vast/macros.h"

#include <string.h>

#include "lib/hexcode.h"
#include "util/isodate.h"

#define NAME_MAX_LEN 32

enum macro_id {
    M_CACHEBUSTING,
    M_TIMESTAMP,
    M_IFA,
    M_IFATYPE,
    M_DEVICEUA,
    M_DEVICEIP,
    M_APPBUNDLE,
    M_ADSERVINGID,
    M_DOMAIN,
    M_PAGEURL,
    M_LIMITADTRACKING,
    M_GDPRCONSENT,
    M_REGULATIONS,
    M_UNIVERSALADID,
};

static const struct {
    const char *name;
    enum macro_id id;
} server_macros[] = {
    {"CACHEBUSTING", M_CACHEBUSTING},
    {"TIMESTAMP", M_TIMESTAMP},
    {"IFA", M_IFA},
    {"IFATYPE", M_IFATYPE},
    {"DEVICEUA", M_DEVICEUA},
    {"DEVICEIP", M_DEVICEIP},
    {"APPBUNDLE", M_APPBUNDLE},
    {"ADSERVINGID", M_ADSERVINGID},
    {"DOMAIN", M_DOMAIN},
    {"PAGEURL", M_PAGEURL},
    {"LIMITADTRACKING", M_LIMITADTRACKING},
    {"GDPRCONSENT", M_GDPRCONSENT},
    {"REGULATIONS", M_REGULATIONS},
    {"UNIVERSALADID", M_UNIVERSALADID},
};

void macros_ctx_init(struct macros_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->now_ms = -1;
    ctx->cachebuster = -1;
    ctx->limit_ad_tracking = -1;
}

/* Append s percent-encoded (upper-case hex), or "-1" when s is unknown. */
static int put_encoded(struct buf *out, const char *s)
{
    if (s == NULL || *s == '\0')
        return buf_puts(out, "-1");
    return pct_encode_buf(out, s, 0);
}

static int put_value(const struct macros_ctx *ctx, enum macro_id id, struct buf *out)
{
    char tmp[ISODATE_SIZE];

    switch (id) {
    case M_CACHEBUSTING:
        if (ctx->cachebuster < 0 || ctx->cachebuster > 99999999L)
            return put_encoded(out, NULL);
        return buf_printf(out, "%08ld", ctx->cachebuster);
    case M_TIMESTAMP:
        if (ctx->now_ms < 0 || isodate_format(ctx->now_ms, tmp) != 0)
            return put_encoded(out, NULL);
        return put_encoded(out, tmp);
    case M_LIMITADTRACKING:
        if (ctx->limit_ad_tracking < 0)
            return put_encoded(out, NULL);
        return put_encoded(out, ctx->limit_ad_tracking ? "1" : "0");
    case M_IFA:
        return put_encoded(out, ctx->ifa);
    case M_IFATYPE:
        return put_encoded(out, ctx->ifa_type);
    case M_DEVICEUA:
        return put_encoded(out, ctx->device_ua);
    case M_DEVICEIP:
        return put_encoded(out, ctx->device_ip);
    case M_APPBUNDLE:
        return put_encoded(out, ctx->app_bundle);
    case M_ADSERVINGID:
        return put_encoded(out, ctx->ad_serving_id);
    case M_DOMAIN:
        return put_encoded(out, ctx->domain);
    case M_PAGEURL:
        return put_encoded(out, ctx->page_url);
    case M_GDPRCONSENT:
        return put_encoded(out, ctx->gdpr_consent);
    case M_REGULATIONS:
        return put_encoded(out, ctx->regulations);
    case M_UNIVERSALADID:
        return put_encoded(out, ctx->universal_ad_id);
    }
    return -1;
}

static int is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The server macro opened by the '[' at p, and its length with brackets; -1 if none. */
static int server_macro_at(const char *p, enum macro_id *id, size_t *len)
{
    size_t n = 0, i;

    while (n < NAME_MAX_LEN && is_name_char(p[1 + n]))
        n++;
    if (n == 0 || p[1 + n] != ']')
        return -1;
    for (i = 0; i < sizeof(server_macros) / sizeof(server_macros[0]); i++) {
        if (strlen(server_macros[i].name) == n && memcmp(server_macros[i].name, p + 1, n) == 0) {
            *id = server_macros[i].id;
            *len = n + 2;
            return 0;
        }
    }
    return -1;
}

int macros_expand(const struct macros_ctx *ctx, const char *url, struct buf *out)
{
    const char *p = url;

    while (*p != '\0') {
        const char *open = strchr(p, '[');
        enum macro_id id;
        size_t mlen;

        if (open == NULL)
            return buf_puts(out, p);
        if (buf_append(out, p, (size_t)(open - p)) != 0)
            return -1;
        if (server_macro_at(open, &id, &mlen) == 0) {
            if (put_value(ctx, id, out) != 0)
                return -1;
            p = open + mlen;
        } else {
            if (buf_putc(out, '[') != 0)
                return -1;
            p = open + 1;
        }
    }
    return 0;
}
