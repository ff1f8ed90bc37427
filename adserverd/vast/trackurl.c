/*
 * trackurl: see trackurl.h.
 *
 * Payload, format version 1 (82 bytes, integers big-endian):
 *
 *   0      version (1)
 *   1      event (enum trackurl_type)
 *   2..9   issued_at, epoch seconds (int64, >= 0)
 *   10..25 ad serving id (UUID, 16 bytes)
 *   26..41 campaign id
 *   42..57 creative id
 *   58..73 cap key hash
 *   74..81 price_micros (int64, >= 0)
 *
 * A binary record keeps the URL short (110 characters of payload) and has one
 * encoding per event: base64url is decoded strictly (no padding, unused bits
 * zero), so a payload that verifies re-encodes to the same text. Verification
 * order is cheapest-rejection first and never parses unsigned bytes: bound the
 * input, split the query, HMAC the payload text, compare in constant time,
 * then decode. Called once per beacon and once per URL rendered (a VAST ad has
 * about ten): one HMAC-SHA256 over 110 bytes each.
 */
#include "vast/trackurl.h"
#include "lib/hexcode.h"
#include "util/uuid.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/buf.h"

#define FORMAT_VERSION 1
#define PAYLOAD_LEN 82
#define PAYLOAD_B64_LEN 110 /* 27 * 4 + 2 */
#define SIG_LEN 16          /* HMAC-SHA256 truncated to 128 bits */
#define SIG_B64_LEN 22      /* 5 * 4 + 2 */
#define QUERY_PARAMS_MAX 16
#define MACRO_VALUE_MAX 32 /* decoded [ERRORCODE] / [CONTENTPLAYHEAD] value */
/* base + "/t/" + longest name + the query: comfortably under this. */
#define URL_MAX (TRACKURL_BASE_MAX + 256)

static const char *const type_names[TRACKURL_TYPE_COUNT] = {
    [TRACKURL_IMPRESSION] = "impression",
    [TRACKURL_START] = "start",
    [TRACKURL_FIRST_QUARTILE] = "firstQuartile",
    [TRACKURL_MIDPOINT] = "midpoint",
    [TRACKURL_THIRD_QUARTILE] = "thirdQuartile",
    [TRACKURL_COMPLETE] = "complete",
    [TRACKURL_CLICK] = "click",
    [TRACKURL_ERROR] = "error",
    [TRACKURL_PAUSE] = "pause",
    [TRACKURL_RESUME] = "resume",
    [TRACKURL_MUTE] = "mute",
    [TRACKURL_UNMUTE] = "unmute",
    [TRACKURL_SKIP] = "skip",
    [TRACKURL_CLOSE] = "close",
    [TRACKURL_NOFILL] = "noFill",
};

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *trackurl_type_name(enum trackurl_type t)
{
    if ((unsigned)t >= TRACKURL_TYPE_COUNT)
        return NULL;
    return type_names[t];
}

int trackurl_type_parse(const char *s, size_t len, enum trackurl_type *out)
{
    unsigned i;

    for (i = 0; i < TRACKURL_TYPE_COUNT; i++) {
        if (strlen(type_names[i]) == len && memcmp(type_names[i], s, len) == 0) {
            *out = (enum trackurl_type)i;
            return 0;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------------- */
/* Encodings                                                                  */
/* ------------------------------------------------------------------------- */

static void put_be64(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get_be64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* base64url without padding; out gets 4 * n / 3 rounded up characters and a NUL. */
static void b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;

    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

        out[o++] = b64url_alphabet[v >> 18];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        out[o++] = b64url_alphabet[in[i] >> 2];
        out[o++] = b64url_alphabet[(in[i] & 3) << 4];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

        out[o++] = b64url_alphabet[v >> 10];
        out[o++] = b64url_alphabet[(v >> 4) & 63];
        out[o++] = b64url_alphabet[(v & 15) << 2];
    }
    out[o] = '\0';
}

static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/*
 * Decode exactly n bytes from in[0..len). Strict: len must be the unpadded
 * length for n, and the bits past the last byte must be zero, so each byte
 * string has one accepted text.
 */
static int b64url_decode(const char *in, size_t len, unsigned char *out, size_t n)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t i, o = 0;

    if (len != (n * 4 + 2) / 3)
        return -1;
    for (i = 0; i < len; i++) {
        int v = b64url_value(in[i]);

        if (v < 0)
            return -1;
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (o != n || (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return 0;
}

/*
 * A keyed HMAC-SHA256 context per thread, reused while the key stays the
 * same: OpenSSL 3's one-shot HMAC() fetches the algorithm under a global
 * lock and allocates on every call, which showed as 16 % of the ad
 * listener's CPU (a VAST ad signs 14 URLs). EVP_MAC_init() with a NULL key
 * restarts the context with the key it already holds. The context is freed
 * by the key's destructor when the thread ends.
 */
struct mac_cache {
    EVP_MAC_CTX *ctx;
    unsigned char key[64];
    size_t keylen;
};

static pthread_key_t mac_key;
static pthread_once_t mac_once = PTHREAD_ONCE_INIT;
static int mac_key_ok;

static void mac_cache_free(void *p)
{
    struct mac_cache *c = p;

    if (c == NULL)
        return;
    EVP_MAC_CTX_free(c->ctx);
    OPENSSL_cleanse(c->key, sizeof(c->key));
    free(c);
}

static void mac_key_init(void)
{
    mac_key_ok = pthread_key_create(&mac_key, mac_cache_free) == 0;
}

/* This thread's context keyed with key, or NULL (callers fall back to HMAC()). */
static EVP_MAC_CTX *mac_ctx(const unsigned char *key, size_t keylen)
{
    struct mac_cache *c;
    EVP_MAC *mac;
    OSSL_PARAM params[2];

    if (keylen > sizeof(c->key) || pthread_once(&mac_once, mac_key_init) != 0 || !mac_key_ok)
        return NULL;
    c = pthread_getspecific(mac_key);
    if (c != NULL && c->keylen == keylen && CRYPTO_memcmp(c->key, key, keylen) == 0) {
        if (EVP_MAC_init(c->ctx, NULL, 0, NULL) != 1)
            return NULL;
        return c->ctx;
    }
    if (c == NULL) {
        c = calloc(1, sizeof(*c));
        if (c == NULL)
            return NULL;
        if (pthread_setspecific(mac_key, c) != 0) {
            free(c);
            return NULL;
        }
    }
    EVP_MAC_CTX_free(c->ctx);
    c->ctx = NULL;
    c->keylen = 0;
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL)
        return NULL;
    c->ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (c->ctx == NULL)
        return NULL;
    params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(c->ctx, key, keylen, params) != 1) {
        EVP_MAC_CTX_free(c->ctx);
        c->ctx = NULL;
        return NULL;
    }
    memcpy(c->key, key, keylen);
    c->keylen = keylen;
    return c->ctx;
}

/* Truncated HMAC-SHA256 of the payload text. */
static int payload_mac(const unsigned char *key, size_t keylen, const char *d, size_t dlen,
                       unsigned char mac[SIG_LEN])
{
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int full_len = 0;
    size_t out_len = 0;
    EVP_MAC_CTX *ctx;
    int rc = -1;

    if (keylen > 0x7fffffff)
        goto cleanup;
    ctx = mac_ctx(key, keylen);
    if (ctx != NULL) {
        if (EVP_MAC_update(ctx, (const unsigned char *)d, dlen) != 1 ||
            EVP_MAC_final(ctx, full, &out_len, sizeof(full)) != 1 || out_len < SIG_LEN)
            goto cleanup;
    } else if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)d, dlen, full,
                    &full_len) == NULL ||
               full_len < SIG_LEN) {
        goto cleanup;
    }
    memcpy(mac, full, SIG_LEN);
    rc = 0;
cleanup:
    OPENSSL_cleanse(full, sizeof(full));
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Signing                                                                    */
/* ------------------------------------------------------------------------- */

/* RFC 3986 characters of scheme, authority and path; '?' and '#' excluded. */
static int base_char_ok(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("-._~:/@[]!$&'()*+,;=%", c) != NULL;
}

/* Length of base_url without one trailing '/', or 0 when it is unusable. */
static size_t base_len(const char *base_url)
{
    size_t len = strnlen(base_url, TRACKURL_BASE_MAX + 1);
    size_t i;

    if (len > TRACKURL_BASE_MAX)
        return 0;
    if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0)
        return 0;
    for (i = 0; i < len; i++) {
        if (!base_char_ok((unsigned char)base_url[i]))
            return 0;
    }
    if (base_url[len - 1] == '/')
        len--;
    /* Something must follow the scheme's "//". */
    if (len <= (base_url[4] == 's' ? 8u : 7u))
        return 0;
    return len;
}

static int payload_build(const struct trackurl_event *ev, unsigned char p[PAYLOAD_LEN])
{
    if ((unsigned)ev->type >= TRACKURL_TYPE_COUNT || ev->issued_at < 0 || ev->price_micros < 0)
        return -1;
    p[0] = FORMAT_VERSION;
    p[1] = (unsigned char)ev->type;
    put_be64(p + 2, (uint64_t)ev->issued_at);
    if (uuid_parse(ev->ad_serving_id, p + 10) != 0 || uuid_parse(ev->campaign_id, p + 26) != 0 ||
        uuid_parse(ev->creative_id, p + 42) != 0)
        return -1;
    memcpy(p + 58, ev->cap_key, TRACKURL_CAP_KEY_LEN);
    put_be64(p + 74, (uint64_t)ev->price_micros);
    return 0;
}

int trackurl_sign(const unsigned char *key, size_t keylen, const struct trackurl_event *ev,
                  const char *base_url, char **out)
{
    unsigned char payload[PAYLOAD_LEN];
    unsigned char mac[SIG_LEN];
    char d[PAYLOAD_B64_LEN + 1];
    char s[SIG_B64_LEN + 1];
    struct buf url;
    size_t blen;
    int rc = -1;

    buf_init(&url, URL_MAX);
    if (key == NULL || keylen < TRACKURL_KEY_MIN)
        goto cleanup;
    blen = base_len(base_url);
    if (blen == 0)
        goto cleanup;
    if (payload_build(ev, payload) != 0)
        goto cleanup;
    b64url_encode(payload, sizeof(payload), d);
    if (payload_mac(key, keylen, d, PAYLOAD_B64_LEN, mac) != 0)
        goto cleanup;
    b64url_encode(mac, sizeof(mac), s);

    if (buf_append(&url, base_url, blen) != 0 ||
        buf_printf(&url, "/t/%s?d=%s&s=%s", type_names[ev->type], d, s) != 0)
        goto cleanup;
    /* Player macros, literal: outside the signature because the player fills them. */
    if (ev->type == TRACKURL_ERROR || ev->type == TRACKURL_NOFILL) {
        if (buf_puts(&url, "&e=[ERRORCODE]") != 0)
            goto cleanup;
    }
    if (ev->type != TRACKURL_NOFILL) {
        if (buf_puts(&url, "&cp=[CONTENTPLAYHEAD]") != 0)
            goto cleanup;
    }
    *out = buf_detach(&url, NULL);
    rc = 0;
cleanup:
    buf_release(&url);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Verifying                                                                  */
/* ------------------------------------------------------------------------- */

struct span {
    const char *p; /* NULL when the parameter is absent */
    size_t len;
};

struct query {
    struct span d, s, e, cp;
};

static int span_is(const char *p, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(p, lit, len) == 0;
}

/* Split q[0..len) at '&' into the parameters we read; -1 on a repeat or too many. */
static int query_split(const char *q, size_t len, struct query *out)
{
    size_t pos = 0;
    unsigned count = 0;

    memset(out, 0, sizeof(*out));
    while (pos <= len) {
        const char *amp = memchr(q + pos, '&', len - pos);
        size_t end = amp != NULL ? (size_t)(amp - q) : len;
        const char *eq = memchr(q + pos, '=', end - pos);
        struct span *slot = NULL;

        if (++count > QUERY_PARAMS_MAX)
            return -1;
        if (eq != NULL) {
            const char *k = q + pos;
            size_t klen = (size_t)(eq - k);

            if (span_is(k, klen, "d"))
                slot = &out->d;
            else if (span_is(k, klen, "s"))
                slot = &out->s;
            else if (span_is(k, klen, "e"))
                slot = &out->e;
            else if (span_is(k, klen, "cp"))
                slot = &out->cp;
        }
        if (slot != NULL) {
            if (slot->p != NULL)
                return -1;
            slot->p = eq + 1;
            slot->len = end - (size_t)(eq + 1 - q);
        }
        pos = end + 1;
    }
    return 0;
}

/* Percent-decode a short macro value into out (NUL-terminated); -1 if unusable. */
static int macro_value(const struct span *v, char out[MACRO_VALUE_MAX + 1])
{
    if (v->p == NULL || v->len == 0)
        return -1;
    return pct_decode(v->p, v->len, out, MACRO_VALUE_MAX + 1, NULL, PCT_NO_NUL);
}

/* Digits only, 1..6 of them: [ERRORCODE] as players send it (e.g. 303, 405). */
static int parse_error_code(const struct span *v)
{
    char s[MACRO_VALUE_MAX + 1];
    int code = 0;
    size_t i, n;

    if (macro_value(v, s) != 0)
        return -1;
    n = strlen(s);
    if (n == 0 || n > 6)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        code = code * 10 + (s[i] - '0');
    }
    return code;
}

static int two_digits(const char *s, int max)
{
    int v;

    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    v = (s[0] - '0') * 10 + (s[1] - '0');
    return v <= max ? v : -1;
}

/* [CONTENTPLAYHEAD] is HH:MM:SS or HH:MM:SS.mmm; ms, or -1. */
static int64_t parse_playhead(const struct span *v)
{
    char s[MACRO_VALUE_MAX + 1];
    int h, m, sec, ms = 0;
    size_t n;

    if (macro_value(v, s) != 0)
        return -1;
    n = strlen(s);
    if ((n != 8 && n != 12) || s[2] != ':' || s[5] != ':')
        return -1;
    h = two_digits(s, 99);
    m = two_digits(s + 3, 59);
    sec = two_digits(s + 6, 59);
    if (h < 0 || m < 0 || sec < 0)
        return -1;
    if (n == 12) {
        size_t i;

        if (s[8] != '.')
            return -1;
        for (i = 9; i < 12; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            ms = ms * 10 + (s[i] - '0');
        }
    }
    return ((int64_t)h * 3600 + m * 60 + sec) * 1000 + ms;
}

/* The event named by the last path segment, which must follow "/t/". */
static int path_type(const char *path, size_t len, enum trackurl_type *out)
{
    const char *slash = NULL;
    size_t i;

    for (i = len; i > 0; i--) {
        if (path[i - 1] == '/') {
            slash = path + i - 1;
            break;
        }
    }
    if (slash == NULL || slash - path < 2 || slash[-1] != 't' || slash[-2] != '/')
        return -1;
    return trackurl_type_parse(slash + 1, len - (size_t)(slash + 1 - path), out);
}

static int in_window(int64_t issued, int64_t now, int64_t max_age_s)
{
    int64_t age;

    if (max_age_s < 0 || __builtin_sub_overflow(now, issued, &age))
        return 0;
    return age <= max_age_s && age >= -(int64_t)TRACKURL_SKEW_S;
}

enum trackurl_result trackurl_verify(const unsigned char *key, size_t keylen,
                                     const char *path_and_query, int64_t now, int64_t max_age_s,
                                     struct trackurl_event *out)
{
    unsigned char want[SIG_LEN], got[SIG_LEN];
    unsigned char p[PAYLOAD_LEN];
    enum trackurl_type path_ev;
    struct trackurl_event ev;
    struct query q;
    const char *qmark;
    size_t len;
    enum trackurl_result rc = TRACKURL_MALFORMED;

    if (path_and_query == NULL)
        goto cleanup;
    len = strnlen(path_and_query, TRACKURL_INPUT_MAX + 1);
    if (len > TRACKURL_INPUT_MAX)
        goto cleanup;
    qmark = memchr(path_and_query, '?', len);
    if (qmark == NULL)
        goto cleanup;
    if (path_type(path_and_query, (size_t)(qmark - path_and_query), &path_ev) != 0)
        goto cleanup;
    if (query_split(qmark + 1, len - (size_t)(qmark + 1 - path_and_query), &q) != 0)
        goto cleanup;
    if (q.d.p == NULL || q.d.len != PAYLOAD_B64_LEN)
        goto cleanup;

    rc = TRACKURL_BAD_SIGNATURE;
    if (key == NULL || keylen < TRACKURL_KEY_MIN)
        goto cleanup;
    if (q.s.p == NULL || b64url_decode(q.s.p, q.s.len, got, sizeof(got)) != 0)
        goto cleanup;
    if (payload_mac(key, keylen, q.d.p, q.d.len, want) != 0)
        goto cleanup;
    if (CRYPTO_memcmp(want, got, SIG_LEN) != 0)
        goto cleanup;

    /* Signed by us from here on: a bad field means a format we do not know. */
    rc = TRACKURL_MALFORMED;
    if (b64url_decode(q.d.p, q.d.len, p, sizeof(p)) != 0)
        goto cleanup;
    if (p[0] != FORMAT_VERSION || p[1] >= TRACKURL_TYPE_COUNT || (p[2] & 0x80) || (p[74] & 0x80))
        goto cleanup;
    memset(&ev, 0, sizeof(ev));
    ev.type = (enum trackurl_type)p[1];
    ev.issued_at = (int64_t)get_be64(p + 2);
    uuid_format(p + 10, ev.ad_serving_id);
    uuid_format(p + 26, ev.campaign_id);
    uuid_format(p + 42, ev.creative_id);
    memcpy(ev.cap_key, p + 58, TRACKURL_CAP_KEY_LEN);
    ev.price_micros = (int64_t)get_be64(p + 74);

    /* The path is not signed; an impression payload under /t/click is tampering. */
    rc = TRACKURL_BAD_SIGNATURE;
    if (ev.type != path_ev)
        goto cleanup;
    rc = TRACKURL_EXPIRED;
    if (!in_window(ev.issued_at, now, max_age_s))
        goto cleanup;

    ev.error_code = parse_error_code(&q.e);
    ev.content_playhead_ms = parse_playhead(&q.cp);
    *out = ev;
    rc = TRACKURL_OK;
cleanup:
    OPENSSL_cleanse(want, sizeof(want));
    return rc;
}
