/*
 * body: see body.h. JSON through jansson (depth bounded by jansson's own
 * limit of 2048); forms parsed here, bounded in parameter count and depth.
 */
#include "http/body.h"
#include "lib/hexcode.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Media type without parameters, lower-cased into out. */
static void media_type(const char *ct, char *out, size_t n)
{
    size_t i = 0;

    while (*ct == ' ' || *ct == '\t')
        ct++;
    for (; *ct && *ct != ';' && *ct != ' ' && i + 1 < n; ct++)
        out[i++] = (char)tolower((unsigned char)*ct);
    out[i] = '\0';
}

/* The charset parameter, or NULL. Copied into out. */
static const char *charset_of(const char *ct, char *out, size_t n)
{
    const char *p = ct;

    while ((p = strchr(p, ';')) != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "charset=", 8) == 0) {
            size_t i = 0;
            p += 8;
            if (*p == '"')
                p++;
            while (*p && *p != ';' && *p != '"' && *p != ' ' && i + 1 < n)
                out[i++] = (char)tolower((unsigned char)*p++);
            out[i] = '\0';
            return out;
        }
    }
    return NULL;
}

size_t body_form_decode(char *s, size_t len)
{
    size_t o = 0;

    /* Lenient as qs is: a malformed escape stays as sent. The output is never
     * longer than the input, so s[len] (the caller's NUL) bounds it. */
    if (pct_decode(s, len, s, len + 1, &o, PCT_PLUS_SPACE | PCT_LENIENT) != 0) {
        s[0] = '\0';
        return 0;
    }
    return o;
}

/*
 * Set key path (a, a[b], a[b][c], a[]) to value (taken) in obj. Keys deeper than the
 * bound keep the rest as a literal key, as qs does.
 */
static void form_set(json_t *obj, char *key, json_t *value)
{
    char *seg[BODY_MAX_FORM_DEPTH + 1];
    int nseg = 0;
    char *open = strchr(key, '[');
    json_t *cur = obj;

    if (open == NULL || open == key) {
        seg[nseg++] = key;
    } else {
        *open = '\0';
        seg[nseg++] = key;
        char *p = open + 1;
        while (nseg <= BODY_MAX_FORM_DEPTH) {
            char *close = strchr(p, ']');
            if (close == NULL)
                break;
            *close = '\0';
            seg[nseg++] = p;
            if (close[1] != '[')
                break;
            p = close + 2;
        }
    }
    for (int i = 0; i < nseg; i++) {
        int last = i == nseg - 1;
        if (json_is_array(cur)) {
            if (last) {
                json_array_append_new(cur, value);
                return;
            }
            json_t *child = json_object();
            json_array_append_new(cur, child);
            cur = child;
            continue;
        }
        json_t *existing = json_object_get(cur, seg[i]);
        if (last) {
            if (existing == NULL) {
                json_object_set_new(cur, seg[i], value);
            } else if (json_is_array(existing)) {
                json_array_append_new(existing, value);
            } else if (json_is_string(existing)) {
                json_t *arr = json_array();
                json_array_append(arr, existing);
                json_array_append_new(arr, value);
                json_object_set_new(cur, seg[i], arr);
            } else {
                json_decref(value);
            }
            return;
        }
        if (existing == NULL || !(json_is_object(existing) || json_is_array(existing))) {
            /* a[]=x makes an array, a[b]=x an object */
            existing = seg[i + 1][0] == '\0' ? json_array() : json_object();
            /* set_new frees the container when it fails (bad key): stop here then */
            if (json_object_set_new(cur, seg[i], existing) != 0) {
                json_decref(value);
                return;
            }
        }
        cur = existing;
    }
}

/* Keys become JSON object keys, which must be UTF-8: such parameters are dropped. */
static int utf8_valid(const char *s)
{
    json_t *probe = json_string(s);

    json_decref(probe);
    return probe != NULL;
}

static json_t *parse_form(const char *data, size_t len)
{
    json_t *obj = json_object();
    char *copy = xstrndup(data, len);
    char *save = NULL;
    int count = 0;

    if (obj == NULL) {
        free(copy);
        return NULL;
    }
    for (char *part = strtok_r(copy, "&", &save); part != NULL && count < BODY_MAX_FORM_PARAMS;
         part = strtok_r(NULL, "&", &save), count++) {
        char *eq = strchr(part, '=');
        const char *val = "";
        if (eq != NULL) {
            *eq = '\0';
            val = eq + 1;
            body_form_decode(eq + 1, strlen(eq + 1));
        }
        body_form_decode(part, strlen(part));
        if (part[0] == '\0' || !utf8_valid(part))
            continue;
        /* json_string() refuses invalid UTF-8: such a parameter is dropped */
        json_t *jv = json_string(val);
        if (jv == NULL)
            continue;
        form_set(obj, part, jv);
    }
    free(copy);
    return obj;
}

int body_parse(const char *content_type, const char *content_encoding, const char *data,
               size_t len, json_t **out, char *msg, size_t msglen)
{
    char type[128];
    char cs[64];
    const char *charset;
    json_error_t jerr;
    json_t *v;
    size_t i;

    if (content_encoding != NULL && content_encoding[0] != '\0' &&
        strcasecmp(content_encoding, "identity") != 0) {
        snprintf(msg, msglen, "unsupported content encoding \"%s\"", content_encoding);
        return 415;
    }
    if (content_type == NULL) {
        *out = json_object();
        return 0;
    }
    media_type(content_type, type, sizeof(type));
    charset = charset_of(content_type, cs, sizeof(cs));
    if (strcmp(type, "application/json") == 0) {
        if (charset != NULL && strncmp(charset, "utf-", 4) != 0) {
            snprintf(msg, msglen, "unsupported charset \"%s\"", charset);
            return 415;
        }
        for (i = 0; i < len && isspace((unsigned char)data[i]); i++)
            ;
        if (i == len) {
            *out = json_object();
            return 0;
        }
        if (data[i] != '{' && data[i] != '[') {
            snprintf(msg, msglen, "Unexpected token in JSON at position %zu", i);
            return 400;
        }
        v = json_loadb(data, len, 0, &jerr);
        /* JSON.parse reads integers past 64 bits as doubles: so do we, then validation
         * answers "must be a safe number" instead of a parse error. */
        if (v == NULL && strstr(jerr.text, "too big") != NULL)
            v = json_loadb(data, len, JSON_DECODE_INT_AS_REAL, &jerr);
        if (v == NULL) {
            snprintf(msg, msglen, "%s", jerr.text);
            return 400;
        }
        *out = v;
        return 0;
    }
    if (strcmp(type, "application/x-www-form-urlencoded") == 0) {
        if (charset != NULL && strcmp(charset, "utf-8") != 0) {
            snprintf(msg, msglen, "unsupported charset \"%s\"", charset);
            return 415;
        }
        v = parse_form(data, len);
        if (v == NULL) {
            snprintf(msg, msglen, "out of memory");
            return 400;
        }
        *out = v;
        return 0;
    }
    *out = json_object();
    return 0;
}
