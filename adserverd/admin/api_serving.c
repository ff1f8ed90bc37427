/*
 * api_serving: see api_serving.h.
 *
 * The bodies are nested (arrays, daypart objects), which validate's flat
 * field tables do not describe, so this module validates them itself in the
 * same style: fields in declaration order, then unknown keys, first failure
 * only, Joi's default texts with the offending element's path as the label
 * ("\"countries[3]\" must be a string"). Each validator builds the values
 * object db_serving stores; handlers never pass raw input on.
 *
 * Dayparts are stored as seven hour bitmasks (Sunday first): the form the
 * catalog builder tests in O(1). A GET renders them back as {days, hours}
 * groups, one per distinct non-empty mask in order of its first day, so the
 * stored object may group differently from what was sent but means the same.
 */
#include "admin/api_serving.h"
#include "admin/api_common.h"

#include "core/app.h"
#include "core/config.h"
#include "db/db.h"
#include "db/db_campaigns.h"
#include "db/db_serving.h"
#include "http/reply.h"
#include "http/request.h"
#include "util/tz.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


/* A settings body is small: nine lists of 500 values of 100 characters at most. */
#define BODY_MAX (1024 * 1024)
#define LIST_MAX 500
#define VALUE_MAX 100
#define DAYPARTS_MAX 168
#define IAB_MAX 100
#define DOMAIN_MAX 253
#define URL_MAX 2000
#define CAP_MAX 1000000000

#define NOT_FOUND "Campaign not found"

/* A validation failure: label and message, answered as format C. */
struct fail {
    char field[96];
    char message[256];
};

/* Record the failure "\"<label>\" <text>" under field; returns -1 for chaining. */
static int failf(struct fail *f, const char *field, const char *label, const char *text)
{
    snprintf(f->field, sizeof(f->field), "%s", field);
    snprintf(f->message, sizeof(f->message), "\"%s\" %s", label, text);
    return -1;
}

/* UTF-8 characters of s (jansson guarantees valid UTF-8). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/*
 * Unknown keys of obj: the first key not in known (NULL-terminated) fails
 * with "\"<prefix><key>\" is not allowed". Keys are quoted as sent, bounded.
 */
static int check_unknown(const json_t *obj, const char *const *known, const char *prefix,
                         struct fail *f)
{
    const char *key;
    const json_t *v;
    char label[96];
    size_t i;

    json_object_foreach((json_t *)obj, key, v)
    {
        for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
            ;
        if (known[i] == NULL) {
            snprintf(label, sizeof(label), "%s%.60s", prefix, key);
            return failf(f, label, label, "is not allowed");
        }
    }
    return 0;
}

/* The body must be an object. */
static int check_object(const json_t *body, struct fail *f)
{
    if (json_is_object(body))
        return 0;
    return failf(f, "", "value", "must be of type object");
}

/* v is an integral JSON number within [min, max]; *out its value. */
static int check_int(const json_t *v, const char *name, long long min, long long max,
                     long long *out, struct fail *f)
{
    double d;
    char text[96];

    if (!json_is_number(v))
        return failf(f, name, name, "must be a number");
    d = json_number_value(v);
    /* the cast is defined only in range: larger magnitudes fail min/max below */
    if (d != d || (d > -9.0e18 && d < 9.0e18 && (double)(long long)d != d))
        return failf(f, name, name, "must be an integer");
    if (d < (double)min) {
        snprintf(text, sizeof(text), "must be greater than or equal to %lld", min);
        return failf(f, name, name, text);
    }
    if (d > (double)max) {
        snprintf(text, sizeof(text), "must be less than or equal to %lld", max);
        return failf(f, name, name, text);
    }
    *out = (long long)d;
    return 0;
}

/* v is one of allowed (NULL-terminated, shown as "[a, b]"). */
static int check_oneof(const json_t *v, const char *name, const char *const *allowed,
                       struct fail *f)
{
    char text[128] = "must be one of [";
    size_t i;

    for (i = 0; allowed[i] != NULL; i++)
        if (json_is_string(v) && strcmp(json_string_value(v), allowed[i]) == 0)
            return 0;
    for (i = 0; allowed[i] != NULL; i++) {
        strncat(text, allowed[i], sizeof(text) - strlen(text) - 1);
        if (allowed[i + 1] != NULL)
            strncat(text, ", ", sizeof(text) - strlen(text) - 1);
    }
    strncat(text, "]", sizeof(text) - strlen(text) - 1);
    return failf(f, name, name, text);
}

/* ---- Targeting ---------------------------------------------------------- */

static const char *const TARGETING_LISTS[] = {
    "countries",
    "regions",
    "dmas",
    "device_types",
    "os",
    "app_bundles",
    "content_genres",
    "content_ratings",
    "content_categories",
};
#define NLISTS (sizeof(TARGETING_LISTS) / sizeof(TARGETING_LISTS[0]))

static const char *const TARGETING_KEYS[] = {
    "countries",
    "regions",
    "dmas",
    "device_types",
    "os",
    "app_bundles",
    "content_genres",
    "content_ratings",
    "content_categories",
    "livestream",
    "dayparts",
    NULL,
};
static const char *const LIVESTREAM[] = {"any", "only", "never", NULL};

/*
 * A list of non-empty strings of at most VALUE_MAX characters; countries are
 * upper-cased and must be ISO 3166-1 alpha-2. *out receives a new array.
 */
static int check_list(const json_t *v, const char *name, size_t max, int country, json_t **out,
                      struct fail *f)
{
    char label[96], text[64];
    json_t *arr;
    size_t i;

    if (v == NULL) {
        *out = json_array();
        return 0;
    }
    if (!json_is_array(v))
        return failf(f, name, name, "must be an array");
    if (json_array_size(v) > max) {
        snprintf(text, sizeof(text), "must contain less than or equal to %zu items", max);
        return failf(f, name, name, text);
    }
    arr = json_array();
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        const char *s = json_string_value(e);

        snprintf(label, sizeof(label), "%s[%zu]", name, i);
        if (!json_is_string(e)) {
            failf(f, name, label, "must be a string");
            goto fail;
        }
        if (s[0] == '\0' || json_string_length(e) != strlen(s)) {
            failf(f, name, label, "is not allowed to be empty");
            goto fail;
        }
        if (utf8_chars(s) > VALUE_MAX) {
            snprintf(text, sizeof(text), "length must be less than or equal to %d characters long",
                     VALUE_MAX);
            failf(f, name, label, text);
            goto fail;
        }
        if (country) {
            char cc[3];

            if (strlen(s) != 2 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1])) {
                failf(f, name, label, "must be an ISO 3166-1 alpha-2 country code");
                goto fail;
            }
            cc[0] = (char)toupper((unsigned char)s[0]);
            cc[1] = (char)toupper((unsigned char)s[1]);
            cc[2] = '\0';
            json_array_append_new(arr, json_string(cc));
        } else {
            json_array_append_new(arr, json_string(s));
        }
    }
    *out = arr;
    return 0;
fail:
    json_decref(arr);
    return -1;
}

/* An array of integers in [0, max] of 1..nmax items, ORed into *bits. */
static int check_bits(const json_t *part, const char *key, size_t index, long long max, size_t nmax,
                      unsigned *bits, struct fail *f)
{
    const json_t *v = json_object_get(part, key);
    char label[96], text[64];
    long long n;
    size_t i;

    snprintf(label, sizeof(label), "dayparts[%zu].%s", index, key);
    if (v == NULL)
        return failf(f, "dayparts", label, "is required");
    if (!json_is_array(v))
        return failf(f, "dayparts", label, "must be an array");
    if (json_array_size(v) == 0)
        return failf(f, "dayparts", label, "must contain at least 1 items");
    if (json_array_size(v) > nmax) {
        snprintf(text, sizeof(text), "must contain less than or equal to %zu items", nmax);
        return failf(f, "dayparts", label, text);
    }
    *bits = 0;
    for (i = 0; i < json_array_size(v); i++) {
        char elabel[160];

        snprintf(elabel, sizeof(elabel), "%s[%zu]", label, i);
        if (check_int(json_array_get(v, i), elabel, 0, max, &n, f) != 0) {
            snprintf(f->field, sizeof(f->field), "dayparts");
            return -1;
        }
        *bits |= 1u << n;
    }
    return 0;
}

/* [{days, hours}, ...] into seven hour masks (Sunday first). */
static int check_dayparts(const json_t *v, long long masks[7], struct fail *f)
{
    static const char *const keys[] = {"days", "hours", NULL};
    char label[96], prefix[48], text[64];
    unsigned days, hours;
    size_t i, d;

    memset(masks, 0, 7 * sizeof(masks[0]));
    if (v == NULL)
        return 0;
    if (!json_is_array(v))
        return failf(f, "dayparts", "dayparts", "must be an array");
    if (json_array_size(v) > DAYPARTS_MAX) {
        snprintf(text, sizeof(text), "must contain less than or equal to %d items", DAYPARTS_MAX);
        return failf(f, "dayparts", "dayparts", text);
    }
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *part = json_array_get(v, i);

        snprintf(label, sizeof(label), "dayparts[%zu]", i);
        if (!json_is_object(part))
            return failf(f, "dayparts", label, "must be of type object");
        if (check_bits(part, "days", i, 6, 7, &days, f) != 0 ||
            check_bits(part, "hours", i, 23, 24, &hours, f) != 0)
            return -1;
        snprintf(prefix, sizeof(prefix), "dayparts[%zu].", i);
        if (check_unknown(part, keys, prefix, f) != 0) {
            snprintf(f->field, sizeof(f->field), "dayparts");
            return -1;
        }
        for (d = 0; d < 7; d++)
            if (days & (1u << d))
                masks[d] |= hours;
    }
    return 0;
}

static int validate_targeting(const json_t *body, json_t **values, struct fail *f)
{
    json_t *out = json_object(), *list, *masks_json;
    const json_t *live;
    long long masks[7];
    size_t i;

    if (check_object(body, f) != 0)
        goto fail;
    for (i = 0; i < NLISTS; i++) {
        const char *name = TARGETING_LISTS[i];

        if (check_list(json_object_get(body, name), name, LIST_MAX, i == 0, &list, f) != 0)
            goto fail;
        json_object_set_new(out, name, list);
    }
    live = json_object_get(body, "livestream");
    if (live != NULL && check_oneof(live, "livestream", LIVESTREAM, f) != 0)
        goto fail;
    json_object_set_new(out, "livestream",
                        json_string(live != NULL ? json_string_value(live) : "any"));
    if (check_dayparts(json_object_get(body, "dayparts"), masks, f) != 0)
        goto fail;
    if (check_unknown(body, TARGETING_KEYS, "", f) != 0)
        goto fail;
    masks_json = json_array();
    for (i = 0; i < 7; i++)
        json_array_append_new(masks_json, json_integer(masks[i]));
    json_object_set_new(out, "dayparts", masks_json);
    *values = out;
    return 0;
fail:
    json_decref(out);
    return -1;
}

/* Replace the stored masks under "dayparts" with {days, hours} groups. */
static void render_dayparts(json_t *targeting)
{
    const json_t *stored = json_object_get(targeting, "dayparts");
    json_t *groups = json_array();
    json_int_t masks[7];
    size_t d, e;
    int h;

    for (d = 0; d < 7; d++)
        masks[d] = json_integer_value(json_array_get(stored, d));
    for (d = 0; d < 7; d++) {
        json_t *days, *hours;
        int seen = 0;

        if (masks[d] == 0)
            continue;
        for (e = 0; e < d; e++)
            seen |= masks[e] == masks[d];
        if (seen)
            continue;
        days = json_array();
        hours = json_array();
        for (e = d; e < 7; e++)
            if (masks[e] == masks[d])
                json_array_append_new(days, json_integer((json_int_t)e));
        for (h = 0; h < 24; h++)
            if (masks[d] & ((json_int_t)1 << h))
                json_array_append_new(hours, json_integer(h));
        json_array_append_new(groups, json_pack("{s:o,s:o}", "days", days, "hours", hours));
    }
    json_object_set_new(targeting, "dayparts", groups);
}

/* ---- Caps --------------------------------------------------------------- */

static const char *const CAPS_KEYS[] = {"per_hour", "per_day", "per_week", NULL};

static int validate_caps(const json_t *body, json_t **values, struct fail *f)
{
    json_t *out = json_object();
    long long n;
    size_t i;

    if (check_object(body, f) != 0)
        goto fail;
    for (i = 0; CAPS_KEYS[i] != NULL; i++) {
        const json_t *v = json_object_get(body, CAPS_KEYS[i]);

        if (v == NULL || json_is_null(v)) {
            json_object_set_new(out, CAPS_KEYS[i], json_null());
            continue;
        }
        if (check_int(v, CAPS_KEYS[i], 1, CAP_MAX, &n, f) != 0)
            goto fail;
        json_object_set_new(out, CAPS_KEYS[i], json_integer(n));
    }
    if (check_unknown(body, CAPS_KEYS, "", f) != 0)
        goto fail;
    *values = out;
    return 0;
fail:
    json_decref(out);
    return -1;
}

/* ---- Pacing ------------------------------------------------------------- */

static const char *const PACING_KEYS[] = {"mode", "time_zone", "priority", "weight", NULL};
static const char *const PACING_MODES[] = {"even", "asap", NULL};

/*
 * A zone name tz_load() can load from /usr/share/zoneinfo, or "UTC": tz_load
 * refuses absolute paths and "." or ".." parts, so no file outside the
 * zoneinfo tree is opened. The zone is loaded only to prove it exists.
 */
static int check_zone(const json_t *v, struct fail *f)
{
    struct tz_zone *z = NULL;
    char err[128];

    if (!json_is_string(v))
        return failf(f, "time_zone", "time_zone", "must be a string");
    if (json_string_value(v)[0] == '\0')
        return failf(f, "time_zone", "time_zone", "is not allowed to be empty");
    if (json_string_length(v) > TZ_NAME_MAX ||
        strlen(json_string_value(v)) != json_string_length(v) ||
        tz_load(NULL, json_string_value(v), &z, err, sizeof(err)) != 0)
        return failf(f, "time_zone", "time_zone", "must be a valid IANA time zone");
    tz_free(z);
    return 0;
}

static int validate_pacing(const json_t *body, json_t **values, struct fail *f)
{
    json_t *out = json_object();
    const json_t *v;
    const char *zone;
    long long n;

    if (check_object(body, f) != 0)
        goto fail;
    v = json_object_get(body, "mode");
    if (v != NULL && check_oneof(v, "mode", PACING_MODES, f) != 0)
        goto fail;
    json_object_set_new(out, "mode", json_string(v != NULL ? json_string_value(v) : "even"));
    v = json_object_get(body, "time_zone");
    if (v != NULL && check_zone(v, f) != 0)
        goto fail;
    zone = v != NULL ? json_string_value(v) : "UTC";
    json_object_set_new(out, "time_zone", json_string(zone));
    v = json_object_get(body, "priority");
    n = 5;
    if (v != NULL && check_int(v, "priority", 1, 10, &n, f) != 0)
        goto fail;
    json_object_set_new(out, "priority", json_integer(n));
    v = json_object_get(body, "weight");
    n = 100;
    if (v != NULL && check_int(v, "weight", 1, 1000000, &n, f) != 0)
        goto fail;
    json_object_set_new(out, "weight", json_integer(n));
    if (check_unknown(body, PACING_KEYS, "", f) != 0)
        goto fail;
    *values = out;
    return 0;
fail:
    json_decref(out);
    return -1;
}

/* ---- Advertiser --------------------------------------------------------- */

static const char *const ADVERTISER_KEYS[] = {"domain", "iab_categories", "click_through_url",
                                              NULL};

/* A hostname of two or more LDH labels; lower-cased into out. */
static int domain_valid(const char *s, char *out, size_t outlen)
{
    size_t i, label = 0, labels = 1, len = strlen(s);

    if (len == 0 || len > DOMAIN_MAX || len >= outlen)
        return 0;
    for (i = 0; i < len; i++) {
        char ch = (char)tolower((unsigned char)s[i]);

        if (ch == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
            labels++;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                   (ch == '-' && label > 0)) {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
        out[i] = ch;
    }
    out[len] = '\0';
    return label > 0 && s[len - 1] != '-' && labels >= 2;
}

/* IAB<n> or IAB<n>-<m>, n and m 1..999 without leading zeros; upper-cased into out. */
static int iab_valid(const char *s, char *out, size_t outlen)
{
    size_t i, len = strlen(s), digits = 0;
    int parts = 1;

    if (len < 4 || len >= outlen || strncasecmp(s, "IAB", 3) != 0)
        return 0;
    for (i = 0; i < len; i++)
        out[i] = (char)toupper((unsigned char)s[i]);
    out[len] = '\0';
    for (i = 3; i < len; i++) {
        if (out[i] == '-' && digits > 0 && parts == 1) {
            parts++;
            digits = 0;
        } else if (isdigit((unsigned char)out[i]) && !(digits == 0 && out[i] == '0') &&
                   digits < 3) {
            digits++;
        } else {
            return 0;
        }
    }
    return digits > 0;
}

/* An absolute http(s) URL with a host and no whitespace or control characters. */
static int url_valid(const char *s)
{
    const char *p;
    size_t i;

    if (strncasecmp(s, "https://", 8) == 0)
        p = s + 8;
    else if (strncasecmp(s, "http://", 7) == 0)
        p = s + 7;
    else
        return 0;
    if (*p == '\0' || *p == '/' || *p == '?' || *p == '#' || *p == ':' || *p == '@')
        return 0;
    for (i = 0; s[i] != '\0'; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '"' || s[i] == '<' ||
            s[i] == '>' || s[i] == '\\')
            return 0;
    return 1;
}

static int validate_advertiser(const json_t *body, json_t **values, struct fail *f)
{
    json_t *out = json_object(), *cats = NULL;
    const json_t *v;
    char host[DOMAIN_MAX + 1], code[16], label[48], text[96];
    size_t i;

    if (check_object(body, f) != 0)
        goto fail;
    v = json_object_get(body, "domain");
    if (v == NULL || json_is_null(v)) {
        json_object_set_new(out, "domain", json_null());
    } else if (!json_is_string(v)) {
        failf(f, "domain", "domain", "must be a string");
        goto fail;
    } else if (json_string_value(v)[0] == '\0') {
        failf(f, "domain", "domain", "is not allowed to be empty");
        goto fail;
    } else if (json_string_length(v) != strlen(json_string_value(v)) ||
               !domain_valid(json_string_value(v), host, sizeof(host))) {
        failf(f, "domain", "domain", "must contain a valid domain name");
        goto fail;
    } else {
        json_object_set_new(out, "domain", json_string(host));
    }

    v = json_object_get(body, "iab_categories");
    cats = json_array();
    if (v != NULL && !json_is_array(v)) {
        failf(f, "iab_categories", "iab_categories", "must be an array");
        goto fail;
    }
    if (json_array_size(v) > IAB_MAX) {
        snprintf(text, sizeof(text), "must contain less than or equal to %d items", IAB_MAX);
        failf(f, "iab_categories", "iab_categories", text);
        goto fail;
    }
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);

        snprintf(label, sizeof(label), "iab_categories[%zu]", i);
        if (!json_is_string(e)) {
            failf(f, "iab_categories", label, "must be a string");
            goto fail;
        }
        if (json_string_length(e) != strlen(json_string_value(e)) ||
            !iab_valid(json_string_value(e), code, sizeof(code))) {
            failf(f, "iab_categories", label,
                  "must be an IAB content category (IAB<n> or IAB<n>-<m>)");
            goto fail;
        }
        json_array_append_new(cats, json_string(code));
    }
    json_object_set_new(out, "iab_categories", cats);
    cats = NULL;

    v = json_object_get(body, "click_through_url");
    if (v == NULL || json_is_null(v)) {
        json_object_set_new(out, "click_through_url", json_null());
    } else if (!json_is_string(v)) {
        failf(f, "click_through_url", "click_through_url", "must be a string");
        goto fail;
    } else if (json_string_value(v)[0] == '\0') {
        failf(f, "click_through_url", "click_through_url", "is not allowed to be empty");
        goto fail;
    } else if (json_string_length(v) > URL_MAX) {
        snprintf(text, sizeof(text), "length must be less than or equal to %d characters long",
                 URL_MAX);
        failf(f, "click_through_url", "click_through_url", text);
        goto fail;
    } else if (json_string_length(v) != strlen(json_string_value(v)) ||
               !url_valid(json_string_value(v))) {
        failf(f, "click_through_url", "click_through_url",
              "must be a valid uri with a scheme matching the http|https pattern");
        goto fail;
    } else {
        json_object_set_new(out, "click_through_url", json_string(json_string_value(v)));
    }
    if (check_unknown(body, ADVERTISER_KEYS, "", f) != 0)
        goto fail;
    *values = out;
    return 0;
fail:
    json_decref(cats);
    json_decref(out);
    return -1;
}

/* ---- Shared handler body ------------------------------------------------ */

/* One resource: its key in the answer and its validator, reader and writer. */
struct resource {
    const char *key;
    int (*validate)(const json_t *body, json_t **values, struct fail *f);
    int (*get)(struct db_conn *c, const char *owner, const char *id, json_t **out,
               char sqlstate[6]);
    int (*put)(struct db_conn *c, const char *owner, const char *id, const json_t *values,
               json_t **out, char sqlstate[6]);
};

static const struct resource TARGETING = {"targeting", validate_targeting, db_serving_targeting_get,
                                          db_serving_targeting_put};
static const struct resource CAPS = {"caps", validate_caps, db_serving_caps_get,
                                     db_serving_caps_put};
static const struct resource PACING = {"pacing", validate_pacing, db_serving_pacing_get,
                                       db_serving_pacing_put};
static const struct resource ADVERTISER = {"advertiser", validate_advertiser,
                                           db_serving_advertiser_get, db_serving_advertiser_put};

/* One resource query: its inputs (borrowed) and its result (owned). */
struct resource_query {
    struct request *req;
    const struct resource *r;
    const char *id;
    int put;
    const json_t *values; /* the validated body of a PUT */
    json_t *out;
};

static int query_resource(struct db_conn *c, void *arg, char state[6])
{
    struct resource_query *q = arg;

    if (q->put)
        return q->r->put(c, q->req->user.id, q->id, q->values, &q->out, state);
    return q->r->get(c, q->req->user.id, q->id, &q->out, state);
}

/* GET (put == 0) or PUT a resource of campaign :id. */
static int handle(struct request *req, const struct resource *r, int put)
{
    struct resource_query q = {.req = req, .r = r, .id = api_uuid_param(req, 0, "id"), .put = put};
    struct api_db_errors e = {
        "campaign", NULL, "CAMPAIGN_NOT_FOUND", NOT_FOUND,
        put ? "SETTINGS_UPDATE_FAILED" : "SETTINGS_RETRIEVAL_FAILED",
        put ? "Failed to update campaign settings" : "Failed to retrieve campaign settings",
    };
    json_t *values = NULL;
    struct fail f;
    char what[32];
    int rc;

    if (q.id == NULL)
        return 0;
    if (put) {
        if (req->body_seen > BODY_MAX)
            return reply_internal(req, 413, "request entity too large");
        if (r->validate(req->json, &values, &f) != 0)
            return reply_validation(req, f.field, f.message);
    }
    snprintf(what, sizeof(what), "%s_%s", r->key, put ? "put" : "get");
    e.what = what;
    q.values = values;
    rc = api_db_run(req, query_resource, &q, &e);
    json_decref(values);
    if (rc != 0)
        return 0;
    if (r == &TARGETING)
        render_dayparts(q.out);
    return reply_json(req, 200, json_pack("{s:o}", r->key, q.out));
}

int api_serving_targeting_get(struct request *req)
{
    return handle(req, &TARGETING, 0);
}

int api_serving_targeting_put(struct request *req)
{
    return handle(req, &TARGETING, 1);
}

int api_serving_caps_get(struct request *req)
{
    return handle(req, &CAPS, 0);
}

int api_serving_caps_put(struct request *req)
{
    return handle(req, &CAPS, 1);
}

int api_serving_pacing_get(struct request *req)
{
    return handle(req, &PACING, 0);
}

int api_serving_pacing_put(struct request *req)
{
    return handle(req, &PACING, 1);
}

int api_serving_advertiser_get(struct request *req)
{
    return handle(req, &ADVERTISER, 0);
}

int api_serving_advertiser_put(struct request *req)
{
    return handle(req, &ADVERTISER, 1);
}

/* ---- Tags --------------------------------------------------------------- */

/*
 * The ad listener's base URL as players reach it: public_url when set, else
 * http://<host of the admin request's Host header>:<ad_port> (a dev setup
 * where both listeners share a host); a Host that is not a plain hostname or
 * address falls back to localhost so no header text reaches the tag.
 */
static void ad_base(struct request *req, char *out, size_t n)
{
    const char *pub = req->app->cfg->public_url;
    const char *host = request_header(req, "Host");
    size_t len, i;

    if (pub != NULL && pub[0] != '\0') {
        len = strlen(pub);
        while (len > 0 && pub[len - 1] == '/')
            len--;
        snprintf(out, n, "%.*s", (int)len, pub);
        return;
    }
    len = 0;
    if (host != NULL && host[0] == '[') {
        const char *end = strchr(host, ']');

        len = end != NULL ? (size_t)(end - host) + 1 : 0;
        for (i = 1; i + 1 < len; i++)
            if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.')
                len = 0;
    } else if (host != NULL) {
        while (isalnum((unsigned char)host[len]) || host[len] == '.' || host[len] == '-')
            len++;
        if (host[len] != '\0' && host[len] != ':')
            len = 0;
    }
    if (len == 0 || len > 255)
        snprintf(out, n, "http://localhost:%d", req->app->cfg->ad_port);
    else
        snprintf(out, n, "http://%.*s:%d", (int)len, host, req->app->cfg->ad_port);
}

#define DEVICE_MACROS                                                                              \
    "&ifa=[IFA]&ifa_type=[IFATYPE]&ua=[DEVICEUA]&ip=[DEVICEIP]&app_bundle=[APPBUNDLE]"             \
    "&app_name=[APPNAME]&app_store_url=[STOREURL]&device_type=[DEVICETYPE]"                        \
    "&lmt=[LIMITADTRACKING]&us_privacy=[USPRIVACY]&gdpr=[GDPR]&gdpr_consent=[GDPRCONSENT]"

/* Whether campaign id is the caller's. */
struct owned_query {
    struct request *req;
    const char *id;
};

static int query_owned(struct db_conn *c, void *arg, char state[6])
{
    struct owned_query *q = arg;

    return db_campaigns_owned(c, q->req->user.id, q->id, state);
}

static const struct api_db_errors vast_tag_errors = {
    "campaign", "vast_tag", "CAMPAIGN_NOT_FOUND", NOT_FOUND,
    "SETTINGS_RETRIEVAL_FAILED", "Failed to retrieve campaign settings",
};

int api_serving_vast_tag(struct request *req)
{
    const char *id = api_uuid_param(req, 0, "id");
    struct owned_query q = {.req = req, .id = id};
    char base[320], vast[1024], vmap[1024];

    if (id == NULL || api_db_run(req, query_owned, &q, &vast_tag_errors) != 0)
        return 0;
    ad_base(req, base, sizeof(base));
    if (snprintf(vast, sizeof(vast), "%s/vast?campaign_id=%s" DEVICE_MACROS "&cb=[CACHEBUSTING]",
                 base, id) >= (int)sizeof(vast) ||
        snprintf(vmap, sizeof(vmap),
                 "%s/vmap?campaign_id=%s&content_id=[CONTENTID]"
                 "&content_duration=[CONTENT_DURATION]&livestream=[LIVESTREAM]" DEVICE_MACROS
                 "&cb=[CACHEBUSTING]",
                 base, id) >= (int)sizeof(vmap))
        return reply_error(req, 500, "SETTINGS_RETRIEVAL_FAILED",
                           "Failed to retrieve campaign settings");
    return reply_json(req, 200,
                      json_pack("{s:s,s:s,s:s}", "campaignId", id, "vast", vast, "vmap", vmap));
}
