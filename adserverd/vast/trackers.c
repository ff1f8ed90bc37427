/*
 * trackers: see trackers.h.
 *
 * Parsing is all-or-nothing: the new lists are built aside and moved into
 * the caller's struct only when the whole document passed, so a bad PUT
 * never leaves half a change behind. Messages follow the admin API's
 * format C texts ("\"events.start[3]\" must be an http or https URL").
 */
#include "vast/trackers.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"

static const char *const list_names[TRACKERS_NLISTS] = {
    [TRACKERS_IMPRESSION] = "impression",
    [TRACKERS_CLICK] = "click",
    [TRACKERS_ERROR] = "error",
    [TRACKERS_EV_START] = "start",
    [TRACKERS_EV_FIRST_QUARTILE] = "firstQuartile",
    [TRACKERS_EV_MIDPOINT] = "midpoint",
    [TRACKERS_EV_THIRD_QUARTILE] = "thirdQuartile",
    [TRACKERS_EV_COMPLETE] = "complete",
    [TRACKERS_EV_PAUSE] = "pause",
    [TRACKERS_EV_RESUME] = "resume",
    [TRACKERS_EV_MUTE] = "mute",
    [TRACKERS_EV_UNMUTE] = "unmute",
    [TRACKERS_EV_SKIP] = "skip",
    [TRACKERS_EV_CLOSE] = "close",
};

static const enum vast_event list_events[TRACKERS_NLISTS] = {
    [TRACKERS_EV_START] = VAST_EVENT_START,
    [TRACKERS_EV_FIRST_QUARTILE] = VAST_EVENT_FIRST_QUARTILE,
    [TRACKERS_EV_MIDPOINT] = VAST_EVENT_MIDPOINT,
    [TRACKERS_EV_THIRD_QUARTILE] = VAST_EVENT_THIRD_QUARTILE,
    [TRACKERS_EV_COMPLETE] = VAST_EVENT_COMPLETE,
    [TRACKERS_EV_PAUSE] = VAST_EVENT_PAUSE,
    [TRACKERS_EV_RESUME] = VAST_EVENT_RESUME,
    [TRACKERS_EV_MUTE] = VAST_EVENT_MUTE,
    [TRACKERS_EV_UNMUTE] = VAST_EVENT_UNMUTE,
    [TRACKERS_EV_SKIP] = VAST_EVENT_SKIP,
    [TRACKERS_EV_CLOSE] = VAST_EVENT_CLOSE,
};

const char *trackers_list_name(enum trackers_list l)
{
    return (unsigned)l < TRACKERS_NLISTS ? list_names[l] : NULL;
}

enum vast_event trackers_list_event(enum trackers_list l)
{
    return (unsigned)l < TRACKERS_NLISTS ? list_events[l] : VAST_EVENT_START;
}

void trackers_init(struct trackers *t)
{
    memset(t, 0, sizeof(*t));
}

static void free_lists(char **urls[TRACKERS_NLISTS], const size_t n[TRACKERS_NLISTS])
{
    size_t l, i;

    for (l = 0; l < TRACKERS_NLISTS; l++) {
        for (i = 0; i < n[l]; i++)
            free(urls[l][i]);
        free(urls[l]);
    }
}

static void free_verifications(struct trackers_verification *vs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(vs[i].vendor);
        free(vs[i].javascript_url);
        free(vs[i].parameters);
        free(vs[i].not_executed_url);
    }
    free(vs);
}

void trackers_release(struct trackers *t)
{
    free_lists(t->urls, t->n);
    free_verifications(t->verifications, t->n_verifications);
    trackers_init(t);
}

int trackers_empty(const struct trackers *t)
{
    size_t l;

    for (l = 0; l < TRACKERS_NLISTS; l++)
        if (t->n[l] > 0)
            return 0;
    return t->n_verifications == 0;
}

/* ---- URLs --------------------------------------------------------------- */

int trackers_url_char(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

static int failf(struct trackers_fail *f, const char *field, const char *label, const char *text)
{
    snprintf(f->field, sizeof(f->field), "%s", field);
    snprintf(f->message, sizeof(f->message), "\"%s\" %s", label, text);
    return -1;
}

/*
 * Check s as a tracker URL and return it normalised (a new string): bytes
 * outside trackers_url_char() percent-encoded, the rest kept. NULL with *f.
 */
static char *url_parse(const json_t *v, const char *label, struct trackers_fail *f)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *s = json_string_value(v);
    const char *host;
    char *out, *o;
    size_t len, i;

    if (s == NULL) {
        failf(f, label, label, "must be a string");
        return NULL;
    }
    len = json_string_length(v);
    if (len != strlen(s) || len == 0) {
        failf(f, label, label, "is not allowed to be empty");
        return NULL;
    }
    if (len > TRACKERS_URL_MAX) {
        failf(f, label, label, "length must be less than or equal to 2048 characters long");
        return NULL;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= 0x20 || c == 0x7f) {
            failf(f, label, label, "must not contain whitespace or control characters");
            return NULL;
        }
    }
    if (strncasecmp(s, "http://", 7) == 0)
        host = s + 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        host = s + 8;
    else
        host = NULL;
    if (host == NULL || *host == '\0' || *host == '/' || *host == '?' || *host == '#') {
        failf(f, label, label, "must be an http or https URL");
        return NULL;
    }
    out = xmalloc(len * 3 + 1);
    for (i = 0, o = out; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (trackers_url_char(c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 0x0f];
        }
    }
    *o = '\0';
    return out;
}

char *trackers_url_normalise(const char *s, size_t len)
{
    struct trackers_fail f;
    json_t *v;
    char *out;

    while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
                       s[len - 1] == '\n'))
        len--;
    v = json_stringn_nocheck(s, len);
    if (v == NULL)
        return NULL;
    out = url_parse(v, "url", &f);
    json_decref(v);
    return out;
}

void trackers_add(struct trackers *t, enum trackers_list l, const char *url)
{
    if ((unsigned)l >= TRACKERS_NLISTS)
        return;
    t->urls[l] = xrealloc(t->urls[l], (t->n[l] + 1) * sizeof(char *));
    t->urls[l][t->n[l]++] = xstrdup(url);
}

int trackers_fill(const struct macros_ctx *ctx, const char *url, struct buf *out)
{
    return macros_expand(ctx, url, out);
}

/* ---- Trackers documents ------------------------------------------------- */

/* list l of body (obj) into urls/n; label prefix "events." for events. */
static int list_parse(const json_t *obj, enum trackers_list l, const char *prefix, char ***urls,
                      size_t *n, struct trackers_fail *f)
{
    const json_t *v = json_object_get(obj, list_names[l]);
    char label[64], elabel[96];
    size_t i;

    snprintf(label, sizeof(label), "%.20s%s", prefix, list_names[l]);
    *urls = NULL;
    *n = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return failf(f, label, label, "must be an array");
    if (json_array_size(v) > TRACKERS_LIST_MAX)
        return failf(f, label, label, "must contain less than or equal to 10 items");
    if (json_array_size(v) == 0)
        return 0;
    *urls = xcalloc(json_array_size(v), sizeof(**urls));
    for (i = 0; i < json_array_size(v); i++) {
        snprintf(elabel, sizeof(elabel), "%s[%zu]", label, i);
        (*urls)[i] = url_parse(json_array_get(v, i), elabel, f);
        if ((*urls)[i] == NULL)
            return -1; /* the caller frees the *n + 1 slots via n */
        (*n)++;
    }
    return 0;
}

/* The first key of obj not in known[0..nknown) fails "is not allowed". */
static int unknown_key(const json_t *obj, const char *const *known, size_t nknown,
                       const char *prefix, struct trackers_fail *f)
{
    const char *key;
    const json_t *v;
    char label[96];
    size_t i;

    json_object_foreach((json_t *)obj, key, v)
    {
        for (i = 0; i < nknown && (known[i] == NULL || strcmp(known[i], key) != 0); i++)
            ;
        if (i == nknown) {
            snprintf(label, sizeof(label), "%s%.60s", prefix, key);
            return failf(f, label, label, "is not allowed");
        }
    }
    return 0;
}

int trackers_parse(const json_t *body, struct trackers *t, struct trackers_fail *f)
{
    static const char *const top[] = {"impression", "click", "error", "events"};
    char **urls[TRACKERS_NLISTS] = {NULL};
    size_t n[TRACKERS_NLISTS] = {0};
    const json_t *events;
    size_t l;
    int ret = -1;

    if (!json_is_object(body)) {
        failf(f, "", "value", "must be of type object");
        goto cleanup;
    }
    for (l = TRACKERS_IMPRESSION; l <= TRACKERS_ERROR; l++)
        if (list_parse(body, (enum trackers_list)l, "", &urls[l], &n[l], f) != 0)
            goto cleanup;
    events = json_object_get(body, "events");
    if (events != NULL && !json_is_null(events)) {
        if (!json_is_object(events)) {
            failf(f, "events", "events", "must be of type object");
            goto cleanup;
        }
        for (l = TRACKERS_EV_START; l < TRACKERS_NLISTS; l++)
            if (list_parse(events, (enum trackers_list)l, "events.", &urls[l], &n[l], f) != 0)
                goto cleanup;
        if (unknown_key(events, list_names + TRACKERS_EV_START,
                        TRACKERS_NLISTS - TRACKERS_EV_START, "events.", f) != 0)
            goto cleanup;
    }
    if (unknown_key(body, top, sizeof(top) / sizeof(top[0]), "", f) != 0)
        goto cleanup;
    free_lists(t->urls, t->n);
    memcpy(t->urls, urls, sizeof(urls));
    memcpy(t->n, n, sizeof(n));
    return 0;
cleanup:
    free_lists(urls, n);
    return ret;
}

static json_t *list_json(char *const *urls, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < n; i++)
        json_array_append_new(a, json_string(urls[i]));
    return a;
}

json_t *trackers_json(const struct trackers *t)
{
    json_t *doc = json_object(), *events = json_object();
    size_t l;

    for (l = TRACKERS_IMPRESSION; l <= TRACKERS_ERROR; l++)
        json_object_set_new(doc, list_names[l], list_json(t->urls[l], t->n[l]));
    for (l = TRACKERS_EV_START; l < TRACKERS_NLISTS; l++)
        json_object_set_new(events, list_names[l], list_json(t->urls[l], t->n[l]));
    json_object_set_new(doc, "events", events);
    return doc;
}

/* ---- Verifications ------------------------------------------------------ */

/* UTF-8 characters of s (jansson guarantees valid UTF-8). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* A text field: string, no NUL, XML-safe, 1..max characters; a new copy in *out. */
static int text_parse(const json_t *v, const char *label, size_t max, int required, char **out,
                      struct trackers_fail *f)
{
    const char *s = json_string_value(v);
    char text[96];

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return required ? failf(f, label, label, "is required") : 0;
    if (s == NULL)
        return failf(f, label, label, "must be a string");
    if (json_string_length(v) != strlen(s) || s[0] == '\0')
        return failf(f, label, label, "is not allowed to be empty");
    if (utf8_chars(s) > max) {
        snprintf(text, sizeof(text), "length must be less than or equal to %zu characters long",
                 max);
        return failf(f, label, label, text);
    }
    if (!vast_text_ok(s))
        return failf(f, label, label, "must not contain control characters");
    *out = xstrdup(s);
    return 0;
}

static int verification_parse(const json_t *o, size_t i, struct trackers_verification *out,
                              struct trackers_fail *f)
{
    static const char *const keys[] = {"vendor", "javascript_url", "browser_optional",
                                       "parameters", "not_executed_url"};
    struct trackers_verification v = {NULL, NULL, 0, NULL, NULL};
    const json_t *x;
    char label[96], prefix[48];

    snprintf(prefix, sizeof(prefix), "verifications[%zu].", i);
    if (!json_is_object(o)) {
        snprintf(label, sizeof(label), "verifications[%zu]", i);
        return failf(f, label, label, "must be of type object");
    }
    snprintf(label, sizeof(label), "%svendor", prefix);
    if (text_parse(json_object_get(o, "vendor"), label, TRACKERS_VENDOR_MAX, 1, &v.vendor, f) != 0)
        goto fail;
    snprintf(label, sizeof(label), "%sjavascript_url", prefix);
    x = json_object_get(o, "javascript_url");
    if (x == NULL || json_is_null(x)) {
        failf(f, label, label, "is required");
        goto fail;
    }
    v.javascript_url = url_parse(x, label, f);
    if (v.javascript_url == NULL)
        goto fail;
    snprintf(label, sizeof(label), "%sbrowser_optional", prefix);
    x = json_object_get(o, "browser_optional");
    if (x != NULL && !json_is_null(x) && !json_is_boolean(x)) {
        failf(f, label, label, "must be a boolean");
        goto fail;
    }
    v.browser_optional = json_is_true(x);
    snprintf(label, sizeof(label), "%sparameters", prefix);
    if (text_parse(json_object_get(o, "parameters"), label, TRACKERS_PARAMETERS_MAX, 0,
                   &v.parameters, f) != 0)
        goto fail;
    snprintf(label, sizeof(label), "%snot_executed_url", prefix);
    x = json_object_get(o, "not_executed_url");
    if (x != NULL && !json_is_null(x)) {
        v.not_executed_url = url_parse(x, label, f);
        if (v.not_executed_url == NULL)
            goto fail;
    }
    if (unknown_key(o, keys, sizeof(keys) / sizeof(keys[0]), prefix, f) != 0)
        goto fail;
    *out = v;
    return 0;
fail:
    free(v.vendor);
    free(v.javascript_url);
    free(v.parameters);
    free(v.not_executed_url);
    return -1;
}

int trackers_verifications_parse(const json_t *body, struct trackers *t, struct trackers_fail *f)
{
    static const char *const top[] = {"verifications"};
    struct trackers_verification *vs = NULL;
    const json_t *list = body;
    size_t i, n = 0;

    if (json_is_object(body)) {
        if (unknown_key(body, top, 1, "", f) != 0)
            return -1;
        list = json_object_get(body, "verifications");
        if (list == NULL)
            return failf(f, "verifications", "verifications", "is required");
    }
    if (!json_is_array(list))
        return failf(f, "verifications", "verifications", "must be an array");
    if (json_array_size(list) > TRACKERS_VERIFICATIONS_MAX)
        return failf(f, "verifications", "verifications",
                     "must contain less than or equal to 5 items");
    if (json_array_size(list) > 0)
        vs = xcalloc(json_array_size(list), sizeof(*vs));
    for (i = 0; i < json_array_size(list); i++) {
        if (verification_parse(json_array_get(list, i), i, &vs[i], f) != 0) {
            free_verifications(vs, n);
            return -1;
        }
        n++;
    }
    free_verifications(t->verifications, t->n_verifications);
    t->verifications = vs;
    t->n_verifications = n;
    return 0;
}

json_t *trackers_verifications_json(const struct trackers *t)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < t->n_verifications; i++) {
        const struct trackers_verification *v = &t->verifications[i];

        json_array_append_new(
            a, json_pack("{s:s,s:s,s:b,s:s?,s:s?}", "vendor", v->vendor, "javascript_url",
                         v->javascript_url, "browser_optional", v->browser_optional,
                         "parameters", v->parameters, "not_executed_url", v->not_executed_url));
    }
    return a;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

void trackers_merge(struct trackers *dst, const struct trackers *src)
{
    size_t l, i;

    for (l = 0; l < TRACKERS_NLISTS; l++) {
        if (src->n[l] == 0)
            continue;
        dst->urls[l] = xrealloc(dst->urls[l], (dst->n[l] + src->n[l]) * sizeof(char *));
        for (i = 0; i < src->n[l]; i++)
            dst->urls[l][dst->n[l]++] = xstrdup(src->urls[l][i]);
    }
    if (src->n_verifications == 0)
        return;
    dst->verifications =
        xrealloc(dst->verifications, (dst->n_verifications + src->n_verifications) *
                                         sizeof(dst->verifications[0]));
    for (i = 0; i < src->n_verifications; i++) {
        const struct trackers_verification *s = &src->verifications[i];
        struct trackers_verification *d = &dst->verifications[dst->n_verifications++];

        d->vendor = xstrdup(s->vendor);
        d->javascript_url = xstrdup(s->javascript_url);
        d->browser_optional = s->browser_optional;
        d->parameters = dup_or_null(s->parameters);
        d->not_executed_url = dup_or_null(s->not_executed_url);
    }
}

/* ---- Per request -------------------------------------------------------- */

/* Append url filled, NUL-terminated, to text; its offset in *at. */
static int fill_one(const struct macros_ctx *ctx, const char *url, struct buf *text, size_t *at)
{
    *at = text->len;
    if (trackers_fill(ctx, url, text) != 0 || buf_putc(text, '\0') != 0)
        return -1;
    return 0;
}

/* Round n up to pointer alignment, so every array of the block is aligned. */
static size_t align_up(size_t n)
{
    const size_t a = sizeof(void *) > sizeof(uint64_t) ? sizeof(void *) : sizeof(uint64_t);

    return (n + a - 1) / a * a;
}

int trackers_ad_fill(const struct trackers *t, const struct macros_ctx *ctx, struct vast_ad *a,
                     void **block)
{
    size_t n_imp, n_click, n_err, n_track = 0, i, l, k, off;
    size_t o_imp, o_click, o_err, o_track, o_ver, o_text, total;
    size_t *at = NULL;
    struct buf text;
    char *mem = NULL, *base;
    struct vast_impression *imps;
    const char **clicks, **errs;
    struct vast_tracking *track;
    struct vast_verification *ver;
    int ret = -1;

    *block = NULL;
    if (t == NULL || trackers_empty(t))
        return 0;
    buf_init(&text, TRACKERS_AD_TEXT_MAX);
    for (l = TRACKERS_EV_START; l < TRACKERS_NLISTS; l++)
        n_track += t->n[l];
    n_imp = a->n_impressions + t->n[TRACKERS_IMPRESSION];
    n_click = a->n_click_tracking + t->n[TRACKERS_CLICK];
    n_err = a->n_error_urls + t->n[TRACKERS_ERROR];
    n_track += a->n_tracking;
    /* every filled URL's offset in text, in list order, then verification URLs */
    k = t->n_verifications;
    for (l = 0; l < TRACKERS_NLISTS; l++)
        k += t->n[l];
    at = xcalloc(k + 1, sizeof(*at));
    k = 0;
    for (l = 0; l < TRACKERS_NLISTS; l++)
        for (i = 0; i < t->n[l]; i++)
            if (fill_one(ctx, t->urls[l][i], &text, &at[k++]) != 0)
                goto cleanup;
    for (i = 0; i < t->n_verifications; i++) {
        at[k] = SIZE_MAX;
        if (t->verifications[i].not_executed_url != NULL &&
            fill_one(ctx, t->verifications[i].not_executed_url, &text, &at[k]) != 0)
            goto cleanup;
        k++;
    }
    o_imp = 0;
    o_click = align_up(o_imp + n_imp * sizeof(*imps));
    o_err = align_up(o_click + n_click * sizeof(*clicks));
    o_track = align_up(o_err + n_err * sizeof(*errs));
    o_ver = align_up(o_track + n_track * sizeof(*track));
    o_text = align_up(o_ver + t->n_verifications * sizeof(*ver));
    total = o_text + text.len + 1;
    mem = xcalloc(1, total);
    base = mem + o_text;
    if (text.len > 0)
        memcpy(base, text.data, text.len);
    imps = (struct vast_impression *)(void *)(mem + o_imp);
    clicks = (const char **)(void *)(mem + o_click);
    errs = (const char **)(void *)(mem + o_err);
    track = (struct vast_tracking *)(void *)(mem + o_track);
    ver = (struct vast_verification *)(void *)(mem + o_ver);
    for (i = 0; i < a->n_impressions; i++)
        imps[i] = a->impressions[i];
    for (i = 0; i < a->n_click_tracking; i++)
        clicks[i] = a->click_tracking[i];
    for (i = 0; i < a->n_error_urls; i++)
        errs[i] = a->error_urls[i];
    for (i = 0; i < a->n_tracking; i++)
        track[i] = a->tracking[i];
    k = 0;
    off = a->n_tracking;
    for (l = 0; l < TRACKERS_NLISTS; l++) {
        for (i = 0; i < t->n[l]; i++) {
            const char *u = base + at[k++];

            if (l == TRACKERS_IMPRESSION) {
                imps[a->n_impressions + i].url = u;
                imps[a->n_impressions + i].id = NULL;
            } else if (l == TRACKERS_CLICK) {
                clicks[a->n_click_tracking + i] = u;
            } else if (l == TRACKERS_ERROR) {
                errs[a->n_error_urls + i] = u;
            } else {
                memset(&track[off], 0, sizeof(track[off]));
                track[off].event = list_events[l];
                track[off++].url = u;
            }
        }
    }
    for (i = 0; i < t->n_verifications; i++, k++) {
        const struct trackers_verification *v = &t->verifications[i];

        ver[i].vendor = v->vendor;
        ver[i].javascript_url = v->javascript_url;
        ver[i].browser_optional = v->browser_optional;
        ver[i].parameters = v->parameters;
        ver[i].not_executed_url = at[k] != SIZE_MAX ? base + at[k] : NULL;
    }
    a->impressions = imps;
    a->n_impressions = n_imp;
    a->click_tracking = clicks;
    a->n_click_tracking = n_click;
    a->error_urls = errs;
    a->n_error_urls = n_err;
    a->tracking = track;
    a->n_tracking = n_track;
    a->verifications = t->n_verifications > 0 ? ver : NULL;
    a->n_verifications = t->n_verifications;
    *block = mem;
    mem = NULL;
    ret = 0;
cleanup:
    free(mem);
    free(at);
    buf_release(&text);
    return ret;
}
