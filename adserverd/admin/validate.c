/*
 * validate: see validate.h.
 *
 * The steps per field follow Joi 17's validator (lib/validator.js) for the
 * schema shapes the reference uses:
 *   1. conversion: numeric strings become numbers (jsnum: an unsafe string
 *      fails here, before anything else); ISO strings, and numbers whose
 *      JavaScript text is an ISO date (2025 is the year 2025 [quirk]),
 *      become dates;
 *   2. presence: an absent field is "is required", takes its default, or is
 *      skipped;
 *   3. allowed values: null / "" when allowed; for a one-of field any other
 *      value is "any.only", whatever its type;
 *   4. base type: "must be a string", "is not allowed to be empty", "must be
 *      a number", "must be a safe number", "must be a valid date", "must be
 *      in ISO format"; money is rounded to cents here (precision(2));
 *   5. rules in the reference's order: integer, positive, min, max;
 *      string min, max; date greater.
 * Then unknown keys in JavaScript's Object.keys() order (array-index keys
 * first, ascending, then insertion order), then object rules.
 *
 * Expected load: a handful of fields per admin request; nothing here is on
 * the ad-serving path.
 */
#include "admin/validate.h"

#include "util/isodate.h"
#include "lib/buf.h"
#include "lib/hexcode.h"
#include "util/jsnum.h"
#include "lib/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Failures                                                                 */
/* ------------------------------------------------------------------------ */

void validate_failure_release(struct validate_failure *f)
{
    if (f == NULL)
        return;
    free(f->field);
    free(f->message);
    f->field = NULL;
    f->message = NULL;
}

/* Joi's label: the key, or "value" for the whole object and for the key "". */
static const char *label_of(const char *key)
{
    return (key == NULL || key[0] == '\0') ? "value" : key;
}

/* Record a failure; message is used as is when custom, else built from fmt. */
static int fail(struct validate_failure *out, const char *field, const char *custom,
                const char *fmt, const char *arg)
{
    const char *label = label_of(field);
    size_t n;
    char *msg;

    if (custom != NULL) {
        msg = xstrdup(custom);
    } else {
        /* fmt has "\"%s\"" for the label, then optionally %s for arg */
        n = st_add(st_add(strlen(fmt), strlen(label)), arg != NULL ? strlen(arg) : 0) + 1;
        msg = xmalloc(n);
        if (arg != NULL)
            snprintf(msg, n, fmt, label, arg);
        else
            snprintf(msg, n, fmt, label);
    }
    out->field = xstrdup(field != NULL ? field : "");
    out->message = msg;
    return VALIDATE_INVALID;
}

/* ------------------------------------------------------------------------ */
/* Fields                                                                   */
/* ------------------------------------------------------------------------ */

/* Where a field stands after conversion and presence. */
enum step { STEP_NEXT, STEP_DONE, STEP_FAILED };

static void limit_text(double v, char out[JSNUM_STRING_SIZE])
{
    if (jsnum_js_string(v, out, JSNUM_STRING_SIZE) != 0)
        snprintf(out, JSNUM_STRING_SIZE, "%g", v);
}

/*
 * date().iso() conversion: a string the ISO rule accepts, or a number whose
 * String() it accepts (RegExp.test converts numbers to text). 1 when v is a
 * date (epoch ms in *ms), else 0.
 */
static int date_convert(const json_t *v, int64_t *ms)
{
    char text[JSNUM_STRING_SIZE];

    if (json_is_string(v))
        return isodate_parse(json_string_value(v), json_string_length(v), ms) == 0;
    if (json_is_number(v)) {
        if (jsnum_js_string(json_number_value(v), text, sizeof(text)) != 0)
            return 0;
        return isodate_parse(text, strlen(text), ms) == 0;
    }
    return 0;
}

static int check_string(const struct validate_field *f, const json_t *v, json_t *values,
                        struct validate_failure *out)
{
    size_t len;
    char lim[JSNUM_STRING_SIZE];

    if (!json_is_string(v))
        return fail(out, f->name, NULL, "\"%s\" must be a string", NULL);
    if (json_string_length(v) == 0)
        return fail(out, f->name, NULL, "\"%s\" is not allowed to be empty", NULL);
    len = jsnum_utf16_len(json_string_value(v), json_string_length(v));
    if ((f->flags & VALIDATE_MIN) && (double)len < f->min) {
        limit_text(f->min, lim);
        return fail(out, f->name, f->msg_min, "\"%s\" length must be at least %s characters long",
                    lim);
    }
    if ((f->flags & VALIDATE_MAX) && (double)len > f->max) {
        limit_text(f->max, lim);
        return fail(out, f->name, f->msg_max,
                    "\"%s\" length must be less than or equal to %s characters long", lim);
    }
    json_object_set_new(values, f->name, json_stringn(json_string_value(v), json_string_length(v)));
    return VALIDATE_OK;
}

static int check_number(const struct validate_field *f, const json_t *v, json_t *values,
                        struct validate_failure *out)
{
    double d = 0;
    int64_t i = 0;
    int not_integer = 0;
    int r;
    char lim[JSNUM_STRING_SIZE];

    /* number.base and number.unsafe come before every rule, integer included */
    r = jsnum_number(v, &d);
    if (r == JSNUM_NOT_NUMBER)
        return fail(out, f->name, NULL, "\"%s\" must be a number", NULL);
    if (r == JSNUM_UNSAFE)
        return fail(out, f->name, NULL, "\"%s\" must be a safe number", NULL);
    if (f->flags & VALIDATE_ROUND2)
        d = jsnum_round2(d);
    if (f->type == VALIDATE_INTEGER) {
        r = jsnum_integer(v, &i, &not_integer);
        if (r != JSNUM_OK)
            return fail(out, f->name, NULL, "\"%s\" must be an integer", NULL);
    }
    if ((f->flags & VALIDATE_POSITIVE) && !(d > 0))
        return fail(out, f->name, f->msg_positive, "\"%s\" must be a positive number", NULL);
    if ((f->flags & VALIDATE_MIN) && !(d >= f->min)) {
        limit_text(f->min, lim);
        return fail(out, f->name, f->msg_min, "\"%s\" must be greater than or equal to %s", lim);
    }
    if ((f->flags & VALIDATE_MAX) && !(d <= f->max)) {
        limit_text(f->max, lim);
        return fail(out, f->name, f->msg_max, "\"%s\" must be less than or equal to %s", lim);
    }
    if (f->type == VALIDATE_INTEGER)
        json_object_set_new(values, f->name, json_integer((json_int_t)i));
    else
        json_object_set_new(values, f->name, json_real(d));
    return VALIDATE_OK;
}

static int check_date(const struct validate_field *f, const json_t *v, json_t *values,
                      struct validate_failure *out)
{
    int64_t ms;
    const json_t *ref;

    if (!date_convert(v, &ms)) {
        if (json_is_string(v))
            return fail(out, f->name, f->msg_format, "\"%s\" must be in ISO 8601 date format",
                        NULL);
        return fail(out, f->name, NULL, "\"%s\" must be a valid date", NULL);
    }
    if (f->greater != NULL) {
        ref = json_object_get(values, f->greater);
        if (json_is_integer(ref) && !(ms > (int64_t)json_integer_value(ref)))
            return fail(out, f->name, f->msg_greater, "\"%s\" must be greater than \"ref:%s\"",
                        f->greater);
    }
    json_object_set_new(values, f->name, json_integer((json_int_t)ms));
    return VALIDATE_OK;
}

static int check_oneof(const struct validate_field *f, const json_t *v, json_t *values,
                       struct validate_failure *out)
{
    size_t k;
    char list[512];
    size_t used = 0;
    int n;

    if (json_is_string(v)) {
        for (k = 0; f->oneof[k] != NULL; k++) {
            if (strlen(f->oneof[k]) == json_string_length(v) &&
                strcmp(f->oneof[k], json_string_value(v)) == 0) {
                json_object_set_new(values, f->name, json_string(f->oneof[k]));
                return VALIDATE_OK;
            }
        }
    }
    if (f->msg_only != NULL)
        return fail(out, f->name, f->msg_only, NULL, NULL);
    /* Joi's default: must be [one of ][a, b, c] */
    list[0] = '\0';
    for (k = 0; f->oneof[k] != NULL; k++) {
        n = snprintf(list + used, sizeof(list) - used, "%s%s", k ? ", " : "", f->oneof[k]);
        if (n < 0 || (size_t)n >= sizeof(list) - used)
            break;
        used += (size_t)n;
    }
    if (k == 1)
        return fail(out, f->name, NULL, "\"%s\" must be %s", list);
    return fail(out, f->name, NULL, "\"%s\" must be one of [%s]", list);
}

/* Steps 2 and 3: presence, defaults, allowed null and "". */
static enum step presence(const struct validate_field *f, const json_t *v, json_t *values,
                          struct validate_failure *out)
{
    if (v == NULL) {
        if (f->flags & VALIDATE_REQUIRED) {
            fail(out, f->name, f->msg_required, "\"%s\" is required", NULL);
            return STEP_FAILED;
        }
        if (f->flags & VALIDATE_DEFAULT) {
            if (f->type == VALIDATE_INTEGER)
                json_object_set_new(values, f->name, json_integer((json_int_t)f->def_number));
            else if (f->type == VALIDATE_NUMBER)
                json_object_set_new(values, f->name, json_real(f->def_number));
            else
                json_object_set_new(values, f->name, json_string(f->def_string));
        }
        return STEP_DONE;
    }
    if (json_is_null(v) && (f->flags & VALIDATE_ALLOW_NULL)) {
        json_object_set_new(values, f->name, json_null());
        return STEP_DONE;
    }
    if ((f->flags & VALIDATE_ALLOW_EMPTY) && json_is_string(v) && json_string_length(v) == 0) {
        json_object_set_new(values, f->name, json_string(""));
        return STEP_DONE;
    }
    return STEP_NEXT;
}

static int check_field(const struct validate_field *f, const json_t *v, json_t *values,
                       struct validate_failure *out)
{
    switch (presence(f, v, values, out)) {
    case STEP_DONE:
        return VALIDATE_OK;
    case STEP_FAILED:
        return VALIDATE_INVALID;
    case STEP_NEXT:
        break;
    }
    switch (f->type) {
    case VALIDATE_STRING:
        return check_string(f, v, values, out);
    case VALIDATE_NUMBER:
    case VALIDATE_INTEGER:
        return check_number(f, v, values, out);
    case VALIDATE_DATE:
        return check_date(f, v, values, out);
    case VALIDATE_ONEOF:
        return check_oneof(f, v, values, out);
    }
    return fail(out, f->name, NULL, "\"%s\" is not allowed", NULL);
}

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */
/* ------------------------------------------------------------------------ */

/* 1 when key[0..len) is an array index to JavaScript (canonical 0 .. 2^32 - 2). */
static int array_index(const char *key, size_t len, uint64_t *idx)
{
    uint64_t n = 0;
    size_t i;

    if (len == 0 || len > 10 || (key[0] == '0' && len > 1))
        return 0;
    for (i = 0; i < len; i++) {
        if (key[i] < '0' || key[i] > '9')
            return 0;
        n = n * 10 + (uint64_t)(key[i] - '0');
    }
    if (n > 4294967294ULL)
        return 0;
    *idx = n;
    return 1;
}

static int known_key(const struct validate_schema *s, const char *key, size_t len)
{
    size_t i;

    for (i = 0; i < s->nfields; i++)
        if (strlen(s->fields[i].name) == len && memcmp(s->fields[i].name, key, len) == 0)
            return 1;
    return 0;
}

/*
 * The first unknown key in Object.keys() order, or NULL. Keys are compared
 * with their length, so "name\u0000x" is unknown; it is reported up to its
 * NUL (the failure holds C strings).
 */
static const char *first_unknown(const struct validate_schema *s, const json_t *obj)
{
    const char *key;
    const char *best = NULL;
    const char *first_named = NULL;
    uint64_t idx, best_idx = 0;
    size_t len;
    json_t *v;

    json_object_keylen_foreach((json_t *)obj, key, len, v)
    {
        (void)v;
        if (known_key(s, key, len))
            continue;
        if (array_index(key, len, &idx)) {
            if (best == NULL || idx < best_idx) {
                best = key;
                best_idx = idx;
            }
        } else if (first_named == NULL) {
            first_named = key;
        }
    }
    return best != NULL ? best : first_named;
}

static int pricing_rule(const json_t *values, struct validate_failure *out)
{
    static const struct {
        const char *model, *rate, *message;
    } need[] = {
        {"cpm", "cpm_rate", "CPM rate is required when using CPM pricing model"},
        {"cpc", "cpc_rate", "CPC rate is required when using CPC pricing model"},
        {"cpv", "cpv_rate", "CPV rate is required when using CPV pricing model"},
    };
    const char *model = json_string_value(json_object_get(values, "pricing_model"));
    const json_t *rate;
    size_t i;

    if (model == NULL)
        return VALIDATE_OK;
    for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (strcmp(model, need[i].model) != 0)
            continue;
        rate = json_object_get(values, need[i].rate);
        /* JavaScript's !rate || rate <= 0: absent, null and 0 all fail */
        if (!json_is_number(rate) || !(json_number_value(rate) > 0))
            return fail(out, "", need[i].message, NULL, NULL);
    }
    return VALIDATE_OK;
}

int validate_object(const struct validate_schema *schema, const json_t *input, json_t **values,
                    struct validate_failure *out)
{
    json_t *vals = NULL;
    const char *unknown;
    char msg[64];
    size_t i;
    int rc = VALIDATE_INVALID;

    if (!json_is_object(input)) {
        fail(out, "", NULL, "\"%s\" must be of type object", NULL);
        goto cleanup;
    }
    vals = json_object();
    if (vals == NULL) {
        /* jansson could not allocate: report it as the body failing, never crash */
        fail(out, "", NULL, "\"%s\" must be of type object", NULL);
        goto cleanup;
    }
    for (i = 0; i < schema->nfields; i++) {
        const struct validate_field *f = &schema->fields[i];

        if (check_field(f, json_object_get(input, f->name), vals, out) != VALIDATE_OK)
            goto cleanup;
    }
    unknown = first_unknown(schema, input);
    if (unknown != NULL) {
        fail(out, unknown, NULL, "\"%s\" is not allowed", NULL);
        goto cleanup;
    }
    if (schema->min_keys > 0 && json_object_size(vals) < schema->min_keys) {
        snprintf(msg, sizeof(msg), "\"value\" must have at least %zu key%s", schema->min_keys,
                 schema->min_keys == 1 ? "" : "s");
        fail(out, "", msg, NULL, NULL);
        goto cleanup;
    }
    if (schema->rule == VALIDATE_RULE_PRICING && pricing_rule(vals, out) != VALIDATE_OK)
        goto cleanup;
    rc = VALIDATE_OK;
    if (values != NULL) {
        *values = vals;
        vals = NULL;
    }
cleanup:
    json_decref(vals);
    return rc;
}

int validate_creative_metadata(const json_t *meta, struct validate_failure *out)
{
    return validate_object(&validate_creative_metadata_schema, meta, NULL, out);
}

/* ------------------------------------------------------------------------ */
/* Query strings                                                            */
/* ------------------------------------------------------------------------ */

#define QUERY_MAX_PARTS 1000      /* qs parameterLimit */
#define QUERY_MAX_TEXT (1u << 20) /* decoded bytes per key or value; URLs are far shorter */

/* Append code point U+0000..U+00FF as UTF-8 (a Latin-1 byte as Node reads it). */
static void put_latin1(struct buf *b, unsigned char c)
{
    if (c < 0x80) {
        buf_putc(b, (char)c);
    } else {
        buf_putc(b, (char)(0xC0 | (c >> 6)));
        buf_putc(b, (char)(0x80 | (c & 0x3F)));
    }
}

/* 1 when s[0..n) is valid UTF-8 without surrogates or overlongs, as JSON text needs. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0, k, need;
    uint32_t cp;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] >= 0xC2 && s[i] <= 0xDF) {
            need = 1;
            cp = s[i] & 0x1F;
        } else if (s[i] >= 0xE0 && s[i] <= 0xEF) {
            need = 2;
            cp = s[i] & 0x0F;
        } else if (s[i] >= 0xF0 && s[i] <= 0xF4) {
            need = 3;
            cp = s[i] & 0x07;
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += need + 1;
    }
    return 1;
}

/*
 * qs's decoder: '+' to space, then decodeURIComponent; when that throws
 * (a bad escape, or escapes that are not UTF-8) the text with '+' replaced
 * is used as is. Characters are Latin-1 bytes of the request line first.
 * The result (valid UTF-8, may hold NULs) goes to out.
 */
static void query_decode(const char *s, size_t n, struct buf *out)
{
    struct buf bytes;
    size_t i;
    int hi, lo, ok = 1;

    buf_init(&bytes, QUERY_MAX_TEXT);
    for (i = 0; i < n && ok; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%') {
            hi = i + 2 < n ? hex_digit((unsigned char)s[i + 1]) : -1;
            lo = i + 2 < n ? hex_digit((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                ok = 0;
                break;
            }
            buf_putc(&bytes, (char)(hi * 16 + lo));
            i += 2;
        } else if (c == '+') {
            buf_putc(&bytes, ' ');
        } else {
            put_latin1(&bytes, c);
        }
    }
    if (ok && !utf8_valid((const unsigned char *)(bytes.data ? bytes.data : ""), bytes.len))
        ok = 0;
    if (ok) {
        buf_append(out, bytes.data ? bytes.data : "", bytes.len);
    } else {
        for (i = 0; i < n; i++)
            put_latin1(out, s[i] == '+' ? (unsigned char)' ' : (unsigned char)s[i]);
    }
    buf_release(&bytes);
}

/* Store one decoded key/value pair. */
static void query_put(json_t *obj, const char *key, size_t klen, const char *val, size_t vlen)
{
    const char *open = memchr(key, '[', klen);
    const char *close = open != NULL ? memchr(open, ']', klen - (size_t)(open - key)) : NULL;
    size_t blen = klen;
    int nested = 0;
    json_t *cur, *nv, *arr;

    if (open == key && close != NULL && close > open + 1 &&
        memchr(open + 1, '[', (size_t)(close - open - 1)) == NULL) {
        /* qs: "[a]=1" is {a: "1"}, "[a][b]=1" an object under "a" */
        nested = close + 1 < key + klen;
        blen = (size_t)(close - open - 1);
        key = open + 1;
    } else if (open != NULL && open != key && close != NULL) {
        /* a[b]=1, a[]=1: a non-string value under "a" */
        nested = 1;
        blen = (size_t)(open - key);
    }
    if (nested) {
        nv = json_object();
        if (nv != NULL && json_object_set_new(nv, "0", json_stringn(val, vlen)) != 0) {
            json_decref(nv);
            nv = NULL;
        }
    } else {
        nv = json_stringn(val, vlen);
    }
    /* obj.__proto__ = value does not create a key in JavaScript: Express drops it */
    if (nv == NULL || (blen == 9 && memcmp(key, "__proto__", 9) == 0)) {
        json_decref(nv);
        return;
    }
    cur = json_object_getn(obj, key, blen);
    if (cur == NULL) {
        json_object_setn_new(obj, key, blen, nv);
    } else if (json_is_array(cur)) {
        json_array_append_new(cur, nv);
    } else {
        /* a repeated key: qs makes an array of the values */
        arr = json_array();
        if (arr == NULL || json_array_append(arr, cur) != 0 ||
            json_array_append_new(arr, nv) != 0) {
            json_decref(arr);
            return;
        }
        json_object_setn_new(obj, key, blen, arr);
    }
}

void validate_query_parse(json_t *obj, const char *query, size_t len)
{
    struct buf key, val;
    size_t pos = 0, end, eq, parts = 0;
    const char *amp, *sep, *beq;

    buf_init(&key, QUERY_MAX_TEXT);
    buf_init(&val, QUERY_MAX_TEXT);
    while (pos < len && parts < QUERY_MAX_PARTS) {
        amp = memchr(query + pos, '&', len - pos);
        end = amp != NULL ? (size_t)(amp - query) : len;
        parts++; /* empty parts count towards qs's limit too */
        if (end > pos) {
            /* qs splits at "]=" when present, else at the first '=' */
            beq = NULL;
            for (sep = query + pos; sep + 1 < query + end; sep++) {
                if (sep[0] == ']' && sep[1] == '=') {
                    beq = sep + 1;
                    break;
                }
            }
            sep = beq != NULL ? beq : memchr(query + pos, '=', end - pos);
            eq = sep != NULL ? (size_t)(sep - query) : end;
            buf_reset(&key);
            buf_reset(&val);
            query_decode(query + pos, eq - pos, &key);
            if (sep != NULL)
                query_decode(query + eq + 1, end - eq - 1, &val);
            if (key.len > 0)
                query_put(obj, key.data, key.len, val.data ? val.data : "", val.len);
        }
        pos = end + 1;
    }
    buf_release(&key);
    buf_release(&val);
}

/* ------------------------------------------------------------------------ */
/* The reference's schemas                                                  */
/* ------------------------------------------------------------------------ */

static const char *const pricing_models[] = {"cpm", "cpc", "cpv", "flat", NULL};
static const char *const campaign_statuses[] = {"draft", "active", "paused", "completed", NULL};
static const char *const creative_statuses[] = {"active", "inactive", "processing", "failed", NULL};
static const char *const creative_settable[] = {"active", "inactive", NULL};

#define MONEY (VALIDATE_POSITIVE | VALIDATE_ROUND2 | VALIDATE_MIN | VALIDATE_MAX)

#define F_NAME(req, required_msg)                                                                  \
    {                                                                                              \
        .name = "name", .type = VALIDATE_STRING, .flags = (req) | VALIDATE_MIN | VALIDATE_MAX,     \
        .min = 3, .max = 255, .msg_required = (required_msg),                                      \
        .msg_min = "Campaign name must be at least 3 characters long",                             \
        .msg_max = "Campaign name cannot exceed 255 characters"                                    \
    }
#define F_DESCRIPTION                                                                              \
    {                                                                                              \
        .name = "description", .type = VALIDATE_STRING,                                            \
        .flags = VALIDATE_ALLOW_NULL | VALIDATE_ALLOW_EMPTY | VALIDATE_MAX, .max = 1000,           \
        .msg_max = "Description cannot exceed 1000 characters"                                     \
    }
#define F_BUDGET(req, required_msg)                                                                \
    {                                                                                              \
        .name = "budget_total", .type = VALIDATE_NUMBER, .flags = (req) | MONEY, .min = 1,         \
        .max = 1000000000, .msg_required = (required_msg),                                         \
        .msg_positive = "Budget must be a positive number",                                        \
        .msg_min = "Budget must be at least $1", .msg_max = "Budget cannot exceed $1,000,000,000"  \
    }
#define F_RATE(field, upper, label, upper_text)                                                    \
    {                                                                                              \
        .name = (field), .type = VALIDATE_NUMBER, .flags = VALIDATE_ALLOW_NULL | MONEY,            \
        .min = 0.01, .max = (upper), .msg_positive = label " rate must be a positive number",      \
        .msg_min = label " rate must be at least $0.01",                                           \
        .msg_max = label " rate cannot exceed $" upper_text                                        \
    }
#define F_RATES                                                                                    \
    F_RATE("cpm_rate", 1000, "CPM", "1,000"), F_RATE("cpc_rate", 100, "CPC", "100"),               \
        F_RATE("cpv_rate", 100, "CPV", "100")
#define F_PRICING(flags_)                                                                          \
    {                                                                                              \
        .name = "pricing_model", .type = VALIDATE_ONEOF, .flags = (flags_),                        \
        .oneof = pricing_models, .def_string = "cpm",                                              \
        .msg_only = "Pricing model must be one of: cpm, cpc, cpv, flat"                            \
    }

static const struct validate_field campaign_create_fields[] = {
    F_NAME(VALIDATE_REQUIRED, "Campaign name is required"),
    F_DESCRIPTION,
    F_BUDGET(VALIDATE_REQUIRED, "Budget is required"),
    {.name = "start_date",
     .type = VALIDATE_DATE,
     .flags = VALIDATE_REQUIRED,
     .msg_required = "Start date is required",
     .msg_format = "Start date must be in ISO format"},
    {.name = "end_date",
     .type = VALIDATE_DATE,
     .flags = VALIDATE_REQUIRED,
     .greater = "start_date",
     .msg_required = "End date is required",
     .msg_format = "End date must be in ISO format",
     .msg_greater = "End date must be after start date"},
    F_PRICING(VALIDATE_DEFAULT),
    F_RATES,
};

static const struct validate_field campaign_update_fields[] = {
    F_NAME(0, NULL),
    F_DESCRIPTION,
    F_BUDGET(0, NULL),
    {.name = "start_date", .type = VALIDATE_DATE, .msg_format = "Start date must be in ISO format"},
    {.name = "end_date",
     .type = VALIDATE_DATE,
     .greater = "start_date",
     .msg_format = "End date must be in ISO format",
     .msg_greater = "End date must be after start date"},
    F_PRICING(0),
    F_RATES,
};

static const struct validate_field campaign_status_fields[] = {
    {.name = "status",
     .type = VALIDATE_ONEOF,
     .flags = VALIDATE_REQUIRED,
     .oneof = campaign_statuses,
     .msg_required = "Status is required",
     .msg_only = "Status must be one of: draft, active, paused, completed"},
};

static const struct validate_field campaign_list_fields[] = {
    {.name = "status",
     .type = VALIDATE_ONEOF,
     .oneof = campaign_statuses,
     .msg_only = "Status filter must be one of: draft, active, paused, completed"},
    {.name = "start_date", .type = VALIDATE_DATE, .msg_format = "Start date must be in ISO format"},
    {.name = "end_date", .type = VALIDATE_DATE, .msg_format = "End date must be in ISO format"},
    {.name = "page",
     .type = VALIDATE_INTEGER,
     .flags = VALIDATE_POSITIVE | VALIDATE_DEFAULT,
     .def_number = 1,
     .msg_positive = "Page number must be positive"},
    {.name = "limit",
     .type = VALIDATE_INTEGER,
     .flags = VALIDATE_POSITIVE | VALIDATE_MAX | VALIDATE_DEFAULT,
     .max = 100,
     .def_number = 20,
     .msg_positive = "Limit must be positive",
     .msg_max = "Limit cannot exceed 100"},
};

#define F_CREATIVE_NAME(req, required_msg)                                                         \
    {                                                                                              \
        .name = "name", .type = VALIDATE_STRING, .flags = (req) | VALIDATE_MIN | VALIDATE_MAX,     \
        .min = 3, .max = 255, .msg_required = (required_msg),                                      \
        .msg_min = "Creative name must be at least 3 characters long",                             \
        .msg_max = "Creative name cannot exceed 255 characters"                                    \
    }
#define F_DURATION                                                                                 \
    {                                                                                              \
        .name = "duration", .type = VALIDATE_INTEGER,                                              \
        .flags = VALIDATE_POSITIVE | VALIDATE_MIN | VALIDATE_MAX, .min = 1, .max = 120,            \
        .msg_positive = "Duration must be positive",                                               \
        .msg_min = "Duration must be at least 1 second",                                           \
        .msg_max = "Duration cannot exceed 120 seconds"                                            \
    }

static const struct validate_field creative_metadata_fields[] = {
    F_CREATIVE_NAME(VALIDATE_REQUIRED, "Creative name is required"),
    F_DURATION,
    {.name = "width",
     .type = VALIDATE_INTEGER,
     .flags = VALIDATE_POSITIVE,
     .msg_positive = "Width must be positive"},
    {.name = "height",
     .type = VALIDATE_INTEGER,
     .flags = VALIDATE_POSITIVE,
     .msg_positive = "Height must be positive"},
};

static const struct validate_field creative_update_fields[] = {
    F_CREATIVE_NAME(0, NULL),
    {.name = "status",
     .type = VALIDATE_ONEOF,
     .oneof = creative_settable,
     .msg_only = "Status must be either active or inactive"},
    F_DURATION,
};

static const struct validate_field creative_list_fields[] = {
    {.name = "status",
     .type = VALIDATE_ONEOF,
     .oneof = creative_statuses,
     .msg_only = "Status must be one of: active, inactive, processing, failed"},
    {.name = "page",
     .type = VALIDATE_INTEGER,
     .flags = VALIDATE_POSITIVE | VALIDATE_DEFAULT,
     .def_number = 1},
    {.name = "limit",
     .type = VALIDATE_INTEGER,
     .flags = VALIDATE_POSITIVE | VALIDATE_MAX | VALIDATE_DEFAULT,
     .max = 100,
     .def_number = 20},
};

#define SCHEMA(fields, min_keys, rule)                                                             \
    {                                                                                              \
        fields, sizeof(fields) / sizeof(fields[0]), min_keys, rule                                 \
    }

const struct validate_schema validate_campaign_create_schema =
    SCHEMA(campaign_create_fields, 0, VALIDATE_RULE_PRICING);
const struct validate_schema validate_campaign_update_schema =
    SCHEMA(campaign_update_fields, 1, VALIDATE_RULE_NONE);
const struct validate_schema validate_campaign_status_schema =
    SCHEMA(campaign_status_fields, 0, VALIDATE_RULE_NONE);
const struct validate_schema validate_campaign_list_schema =
    SCHEMA(campaign_list_fields, 0, VALIDATE_RULE_NONE);
const struct validate_schema validate_creative_metadata_schema =
    SCHEMA(creative_metadata_fields, 0, VALIDATE_RULE_NONE);
const struct validate_schema validate_creative_update_schema =
    SCHEMA(creative_update_fields, 1, VALIDATE_RULE_NONE);
const struct validate_schema validate_creative_list_schema =
    SCHEMA(creative_list_fields, 0, VALIDATE_RULE_NONE);
