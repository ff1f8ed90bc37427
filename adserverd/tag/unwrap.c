/*
 * unwrap: see unwrap.h.
 *
 * Every URL taken from an answer goes through trackers_url_normalise(), the
 * rule the admin API applies to an advertiser's own URLs, so what a third
 * party sends ends up in the same URL-safe alphabet as what we store. Per
 * document at most LIST_CAP URLs per list are kept: the byte cap bounds the
 * work, this bounds what one hop adds to the answer.
 */
#include "tag/unwrap.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/version.h"
#include "lib/xalloc.h"
#include "vast/vast.h"

#define LIST_CAP 32
#define DEFAULT_BUDGET_MS 300
#define MAX_REDIRECTS 3

/* ---- Releasing ---------------------------------------------------------- */

void unwrap_doc_release(struct unwrap_doc *d)
{
    free(d->tag_uri);
    trackers_release(&d->found);
    free(d->media_url);
    free(d->media_type);
    free(d->click_through);
    free(d->title);
    memset(d, 0, sizeof(*d));
}

void unwrap_result_release(struct unwrap_result *r)
{
    trackers_release(&r->merged);
    unwrap_doc_release(&r->inline_ad);
    memset(r, 0, sizeof(*r));
}

int unwrap_vast_error(enum unwrap_status s)
{
    switch (s) {
    case UNWRAP_OK:
        return 0;
    case UNWRAP_XML:
        return 100;
    case UNWRAP_TIMEOUT:
    case UNWRAP_FETCH:
    case UNWRAP_BLOCKED:
        return 301;
    case UNWRAP_LOOP:
    case UNWRAP_HOPS:
        return 302;
    case UNWRAP_EMPTY:
        return 303;
    case UNWRAP_NO_MEDIA:
        return 403;
    }
    return 900;
}

const char *unwrap_status_name(enum unwrap_status s)
{
    static const char *const names[] = {
        [UNWRAP_OK] = "ok",         [UNWRAP_TIMEOUT] = "timeout", [UNWRAP_FETCH] = "fetch",
        [UNWRAP_BLOCKED] = "blocked", [UNWRAP_XML] = "xml",      [UNWRAP_EMPTY] = "empty",
        [UNWRAP_LOOP] = "loop",     [UNWRAP_HOPS] = "hops",       [UNWRAP_NO_MEDIA] = "no_media",
    };

    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

/* ---- Parsing ------------------------------------------------------------ */

static int is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The first element child of n called name, or NULL. */
static xmlNodePtr child(const xmlNode *n, const char *name)
{
    xmlNodePtr c;

    for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

/* n's text as a normalised URL (new string) or NULL. */
static char *url_of(xmlNodePtr n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *u = NULL;

    if (t != NULL)
        u = trackers_url_normalise((const char *)t, strlen((const char *)t));
    xmlFree(t);
    return u;
}

/* n's trimmed text when XML-safe and at most max bytes (new string) or NULL. */
static char *text_of(xmlNodePtr n, size_t max)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *s = (const char *)t;
    char *out = NULL;
    size_t len;

    if (t == NULL)
        return NULL;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                       s[len - 1] == '\n'))
        len--;
    if (len > 0 && len <= max) {
        out = xstrndup(s, len);
        if (!vast_text_ok(out)) {
            free(out);
            out = NULL;
        }
    }
    xmlFree(t);
    return out;
}

/* Add n's URL to list l of t (bounded). */
static void add_url(struct trackers *t, enum trackers_list l, xmlNodePtr n)
{
    char *u;

    if (t->n[l] >= LIST_CAP)
        return;
    u = url_of(n);
    if (u == NULL)
        return;
    trackers_add(t, l, u);
    free(u);
}

static int event_list(const char *ev, enum trackers_list *out)
{
    static const struct {
        const char *name;
        enum trackers_list l;
    } map[] = {
        {"start", TRACKERS_EV_START},       {"firstQuartile", TRACKERS_EV_FIRST_QUARTILE},
        {"midpoint", TRACKERS_EV_MIDPOINT}, {"thirdQuartile", TRACKERS_EV_THIRD_QUARTILE},
        {"complete", TRACKERS_EV_COMPLETE}, {"pause", TRACKERS_EV_PAUSE},
        {"resume", TRACKERS_EV_RESUME},     {"mute", TRACKERS_EV_MUTE},
        {"unmute", TRACKERS_EV_UNMUTE},     {"skip", TRACKERS_EV_SKIP},
        {"close", TRACKERS_EV_CLOSE},       {"closeLinear", TRACKERS_EV_CLOSE},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(ev, map[i].name) == 0) {
            *out = map[i].l;
            return 0;
        }
    return -1;
}

/* HH:MM:SS or HH:MM:SS.mmm into ms; 0 when malformed. */
static uint32_t parse_duration(xmlNodePtr n)
{
    char *t = text_of(n, 32);
    unsigned h, m, s, ms = 0;
    char frac[8] = "";
    uint32_t out = 0;

    if (t != NULL && sscanf(t, "%2u:%2u:%2u.%3[0-9]", &h, &m, &s, frac) >= 3 && m < 60 &&
        s < 60 && h < 24) {
        if (frac[0] != '\0') {
            ms = (unsigned)atoi(frac);
            ms *= strlen(frac) == 1 ? 100 : strlen(frac) == 2 ? 10 : 1;
        }
        out = ((h * 60 + m) * 60 + s) * 1000 + ms;
    }
    free(t);
    return out;
}

/* One <Verification> into t (skipped when it has no usable vendor or script). */
static void add_verification(struct trackers *t, xmlNodePtr v)
{
    struct trackers_verification tv = {NULL, NULL, 0, NULL, NULL};
    xmlChar *vendor = xmlGetProp(v, BAD_CAST "vendor");
    xmlNodePtr c, te;

    if (t->n_verifications >= TRACKERS_VERIFICATIONS_MAX * 2 || vendor == NULL)
        goto cleanup;
    if (strlen((const char *)vendor) > 0 && strlen((const char *)vendor) <= TRACKERS_VENDOR_MAX &&
        vast_text_ok((const char *)vendor))
        tv.vendor = xstrdup((const char *)vendor);
    for (c = v->children; c != NULL && tv.javascript_url == NULL; c = c->next) {
        xmlChar *api;

        if (!is(c, "JavaScriptResource"))
            continue;
        api = xmlGetProp(c, BAD_CAST "apiFramework");
        if (api == NULL || strcmp((const char *)api, "omid") == 0) {
            xmlChar *opt = xmlGetProp(c, BAD_CAST "browserOptional");

            tv.javascript_url = url_of(c);
            tv.browser_optional = opt != NULL && strcmp((const char *)opt, "true") == 0;
            xmlFree(opt);
        }
        xmlFree(api);
    }
    if (child(v, "VerificationParameters") != NULL)
        tv.parameters = text_of(child(v, "VerificationParameters"), TRACKERS_PARAMETERS_MAX);
    te = child(v, "TrackingEvents");
    for (c = te != NULL ? te->children : NULL; c != NULL && tv.not_executed_url == NULL;
         c = c->next) {
        xmlChar *ev = is(c, "Tracking") ? xmlGetProp(c, BAD_CAST "event") : NULL;

        if (ev != NULL && strcmp((const char *)ev, "verificationNotExecuted") == 0)
            tv.not_executed_url = url_of(c);
        xmlFree(ev);
    }
    if (tv.vendor != NULL && tv.javascript_url != NULL) {
        t->verifications = xrealloc(t->verifications,
                                    (t->n_verifications + 1) * sizeof(t->verifications[0]));
        t->verifications[t->n_verifications++] = tv;
        memset(&tv, 0, sizeof(tv));
    }
cleanup:
    free(tv.vendor);
    free(tv.javascript_url);
    free(tv.parameters);
    free(tv.not_executed_url);
    xmlFree(vendor);
}

static void add_verifications(struct trackers *t, xmlNodePtr list)
{
    xmlNodePtr c;

    for (c = list != NULL ? list->children : NULL; c != NULL; c = c->next)
        if (is(c, "Verification"))
            add_verification(t, c);
}

/* The first playable MediaFile of mfs into d. */
static void pick_media(struct unwrap_doc *d, xmlNodePtr mfs)
{
    xmlNodePtr c;

    for (c = mfs != NULL ? mfs->children : NULL; c != NULL && d->media_url == NULL; c = c->next) {
        xmlChar *type, *w, *h, *br;

        if (!is(c, "MediaFile"))
            continue;
        type = xmlGetProp(c, BAD_CAST "type");
        if (type != NULL && strncmp((const char *)type, "video/", 6) == 0 &&
            strlen((const char *)type) < 64 && vast_text_ok((const char *)type)) {
            d->media_url = url_of(c);
            if (d->media_url != NULL) {
                d->media_type = xstrdup((const char *)type);
                w = xmlGetProp(c, BAD_CAST "width");
                h = xmlGetProp(c, BAD_CAST "height");
                br = xmlGetProp(c, BAD_CAST "bitrate");
                d->width = w != NULL ? (unsigned)strtoul((const char *)w, NULL, 10) % 100000 : 0;
                d->height = h != NULL ? (unsigned)strtoul((const char *)h, NULL, 10) % 100000 : 0;
                d->bitrate_kbps =
                    br != NULL ? (unsigned)strtoul((const char *)br, NULL, 10) % 1000000 : 0;
                xmlFree(w);
                xmlFree(h);
                xmlFree(br);
            }
        }
        xmlFree(type);
    }
}

/* The Linear creatives of ad (Wrapper or InLine) into d. */
static void parse_creatives(struct unwrap_doc *d, xmlNodePtr ad)
{
    xmlNodePtr cr, lin, c, te, vc;

    for (cr = child(child(ad, "Creatives"), "Creative"); cr != NULL; cr = cr->next) {
        if (!is(cr, "Creative") || (lin = child(cr, "Linear")) == NULL)
            continue;
        te = child(lin, "TrackingEvents");
        for (c = te != NULL ? te->children : NULL; c != NULL; c = c->next) {
            xmlChar *ev = is(c, "Tracking") ? xmlGetProp(c, BAD_CAST "event") : NULL;
            enum trackers_list l;

            if (ev != NULL && event_list((const char *)ev, &l) == 0)
                add_url(&d->found, l, c);
            xmlFree(ev);
        }
        vc = child(lin, "VideoClicks");
        for (c = vc != NULL ? vc->children : NULL; c != NULL; c = c->next) {
            if (is(c, "ClickTracking"))
                add_url(&d->found, TRACKERS_CLICK, c);
            else if (is(c, "ClickThrough") && !d->is_wrapper && d->click_through == NULL)
                d->click_through = url_of(c);
        }
        if (!d->is_wrapper && d->media_url == NULL) {
            pick_media(d, child(lin, "MediaFiles"));
            if (d->media_url != NULL && child(lin, "Duration") != NULL)
                d->duration_ms = parse_duration(child(lin, "Duration"));
        }
    }
}

enum unwrap_status unwrap_parse(const char *xml, size_t len, struct unwrap_doc *doc)
{
    struct unwrap_doc d;
    xmlDocPtr x = NULL;
    xmlNodePtr root, ad = NULL, body = NULL, c;
    enum unwrap_status st = UNWRAP_XML;

    memset(&d, 0, sizeof(d));
    if (xml == NULL || len == 0 || len > INT32_MAX)
        return UNWRAP_XML;
    /* no XML_PARSE_NOENT / DTDLOAD / HUGE: no entity substitution, default limits */
    x = xmlReadMemory(xml, (int)len, "tag.xml", NULL,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    root = x != NULL ? xmlDocGetRootElement(x) : NULL;
    if (!is(root, "VAST"))
        goto cleanup;
    for (c = root->children; c != NULL && body == NULL; c = c->next) {
        if (!is(c, "Ad"))
            continue;
        ad = c;
        body = child(ad, "InLine");
        if (body == NULL)
            body = child(ad, "Wrapper");
    }
    if (body == NULL) {
        st = ad == NULL ? UNWRAP_EMPTY : UNWRAP_XML;
        goto cleanup;
    }
    d.is_wrapper = is(body, "Wrapper");
    for (c = root->children; c != NULL; c = c->next)
        if (is(c, "Error"))
            add_url(&d.found, TRACKERS_ERROR, c);
    for (c = body->children; c != NULL; c = c->next) {
        if (is(c, "Impression"))
            add_url(&d.found, TRACKERS_IMPRESSION, c);
        else if (is(c, "Error"))
            add_url(&d.found, TRACKERS_ERROR, c);
        else if (is(c, "AdVerifications"))
            add_verifications(&d.found, c);
        else if (is(c, "VASTAdTagURI") && d.is_wrapper && d.tag_uri == NULL)
            d.tag_uri = url_of(c);
        else if (is(c, "AdTitle") && !d.is_wrapper && d.title == NULL)
            d.title = text_of(c, 255);
        else if (is(c, "Extensions")) {
            xmlNodePtr e;

            for (e = c->children; e != NULL; e = e->next) {
                xmlChar *type = is(e, "Extension") ? xmlGetProp(e, BAD_CAST "type") : NULL;

                if (type != NULL && strcmp((const char *)type, "AdVerifications") == 0)
                    add_verifications(&d.found, child(e, "AdVerifications"));
                xmlFree(type);
            }
        }
    }
    parse_creatives(&d, body);
    if (d.is_wrapper && d.tag_uri == NULL)
        goto cleanup; /* a Wrapper that points nowhere is not a usable document */
    *doc = d;
    memset(&d, 0, sizeof(d));
    st = UNWRAP_OK;
cleanup:
    unwrap_doc_release(&d);
    xmlFreeDoc(x);
    return st;
}

/* ---- Fetching ----------------------------------------------------------- */

struct fetch {
    struct buf body;
    int overflow;
    int blocked;
    int allow_private;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;

    if (buf_append(&f->body, data, size * n) != 0) {
        f->overflow = 1;
        return 0;
    }
    return size * n;
}

static int private_v4(const unsigned char *a)
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
}

/* 1 when the address is one a third-party tag must not reach. */
static int private_addr(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

        return private_v4((const unsigned char *)&in->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        const unsigned char *a = in6->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        static const unsigned char zero[15] = {0};

        if (memcmp(a, mapped, 12) == 0)
            return private_v4(a + 12);
        if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
            return 1;                                      /* :: and ::1 */
        return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
    }
    return 1;
}

/* Every connection, redirects included, passes here before it is made. */
static curl_socket_t on_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct fetch *f = arg;

    (void)purpose;
    if (!f->allow_private && private_addr(&addr->addr)) {
        f->blocked = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* GET url within ms into f->body; UNWRAP_OK or why not, with a message. */
static enum unwrap_status fetch(const char *url, int64_t ms, struct fetch *f, char *msg,
                                size_t msglen)
{
    CURL *c = curl_easy_init();
    CURLcode rc;
    long status = 0;
    enum unwrap_status st = UNWRAP_FETCH;

    if (c == NULL) {
        snprintf(msg, msglen, "curl_easy_init failed");
        return UNWRAP_FETCH;
    }
    if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ms) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_USERAGENT, "adserverd/" ADSERVERD_VERSION) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEDATA, f) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_socket) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, f) != CURLE_OK) {
        snprintf(msg, msglen, "curl option refused");
        goto cleanup;
    }
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        (void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (f->blocked) {
        st = UNWRAP_BLOCKED;
        snprintf(msg, msglen, "address not allowed (private or loopback)");
    } else if (f->overflow) {
        st = UNWRAP_XML;
        snprintf(msg, msglen, "answer larger than the cap");
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        st = UNWRAP_TIMEOUT;
        snprintf(msg, msglen, "time budget exhausted");
    } else if (rc != CURLE_OK) {
        snprintf(msg, msglen, "fetch failed: %s", curl_easy_strerror(rc));
    } else if (status < 200 || status > 299) {
        snprintf(msg, msglen, "HTTP status %ld", status);
    } else {
        st = UNWRAP_OK;
    }
cleanup:
    curl_easy_cleanup(c);
    return st;
}

/* ---- The chain ---------------------------------------------------------- */

enum unwrap_status unwrap_run(const struct unwrap_opts *opts, const char *url,
                              struct unwrap_result *out)
{
    int64_t budget = opts->budget_ms > 0 ? opts->budget_ms : DEFAULT_BUDGET_MS;
    int64_t deadline = clock_mono_ms() + budget;
    size_t max_bytes = opts->max_bytes > 0 ? opts->max_bytes : UNWRAP_DEFAULT_MAX_BYTES;
    char *seen[UNWRAP_MAX_HOPS + 1] = {NULL};
    char *next = NULL;
    struct macros_ctx none;
    const struct macros_ctx *mc = opts->macros;
    struct buf filled;
    int i;

    if (mc == NULL) {
        macros_ctx_init(&none);
        mc = &none;
    }
    memset(out, 0, sizeof(*out));
    out->status = UNWRAP_FETCH;
    next = trackers_url_normalise(url, strlen(url));
    if (next == NULL) {
        snprintf(out->message, sizeof(out->message), "tag URL is not http or https");
        goto done;
    }
    for (;;) {
        struct fetch f;
        struct unwrap_doc d;
        int64_t left = deadline - clock_mono_ms();
        enum unwrap_status st;

        for (i = 0; i < out->hops; i++)
            if (strcmp(seen[i], next) == 0) {
                out->status = UNWRAP_LOOP;
                snprintf(out->message, sizeof(out->message), "hop %d repeats hop %d", out->hops + 1,
                         i + 1);
                goto done;
            }
        if (out->hops >= UNWRAP_MAX_HOPS) {
            out->status = UNWRAP_HOPS;
            snprintf(out->message, sizeof(out->message), "more than %d documents",
                     UNWRAP_MAX_HOPS);
            goto done;
        }
        if (left <= 0) {
            out->status = UNWRAP_TIMEOUT;
            snprintf(out->message, sizeof(out->message), "time budget exhausted");
            goto done;
        }
        seen[out->hops++] = next;
        /* the server's macros of the URL are filled per request, like our own trackers */
        buf_init(&filled, TRACKERS_URL_MAX * 8);
        if (trackers_fill(mc, next, &filled) != 0 || buf_putc(&filled, '\0') != 0) {
            buf_release(&filled);
            snprintf(out->message, sizeof(out->message), "tag URL too long after macros");
            goto done;
        }
        next = NULL;
        memset(&f, 0, sizeof(f));
        buf_init(&f.body, max_bytes);
        f.allow_private = opts->allow_private;
        st = fetch(filled.data, left, &f, out->message, sizeof(out->message));
        buf_release(&filled);
        if (st == UNWRAP_OK)
            st = unwrap_parse(f.body.data, f.body.len, &d);
        buf_release(&f.body);
        if (st != UNWRAP_OK) {
            out->status = st;
            if (out->message[0] == '\0' || st == UNWRAP_XML || st == UNWRAP_EMPTY)
                snprintf(out->message, sizeof(out->message), "hop %d: %s", out->hops,
                         st == UNWRAP_EMPTY ? "VAST without an ad" : "not a usable VAST document");
            goto done;
        }
        trackers_merge(&out->merged, &d.found);
        if (!d.is_wrapper) {
            if (d.media_url == NULL) {
                out->status = UNWRAP_NO_MEDIA;
                snprintf(out->message, sizeof(out->message), "InLine without a playable MediaFile");
                unwrap_doc_release(&d);
                goto done;
            }
            out->inline_ad = d;
            out->status = UNWRAP_OK;
            out->message[0] = '\0';
            goto done;
        }
        next = d.tag_uri;
        d.tag_uri = NULL;
        unwrap_doc_release(&d);
    }
done:
    for (i = 0; i < out->hops; i++)
        free(seen[i]);
    free(next);
    return out->status;
}
