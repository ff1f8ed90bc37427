/*
 * Unit tests of validate: the Joi-compatible schemas of docs/admin-api.md,
 * 3.4 and section 4 (first failure, Joi's order, messages, converted values)
 * and the qs-shaped query parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "admin/validate.h"

#include <stdio.h>
#include <string.h>

/* One case: JSON input text, expected field and message (NULL = valid). */
struct vcase {
    const char *json;
    const char *field;
    const char *message;
};

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &err);

    if (v == NULL)
        fail_msg("bad test JSON %s: %s", text, err.text);
    return v;
}

static void run_cases(const struct validate_schema *schema, const struct vcase *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        json_t *in = parse(cases[i].json);
        json_t *values = NULL;
        struct validate_failure f = {NULL, NULL};
        int rc = validate_object(schema, in, &values, &f);

        if (cases[i].message == NULL) {
            if (rc != VALIDATE_OK)
                fail_msg("%s: unexpected failure %s / %s", cases[i].json, f.field, f.message);
            assert_non_null(values);
        } else {
            if (rc != VALIDATE_INVALID)
                fail_msg("%s: expected %s", cases[i].json, cases[i].message);
            if (strcmp(f.field, cases[i].field) != 0 || strcmp(f.message, cases[i].message) != 0)
                fail_msg("%s: got %s / %s, expected %s / %s", cases[i].json, f.field, f.message,
                         cases[i].field, cases[i].message);
            assert_null(values);
        }
        validate_failure_release(&f);
        json_decref(values);
        json_decref(in);
    }
}

#define BASE                                                                                       \
    "\"name\":\"Campaign\",\"budget_total\":100,\"start_date\":\"2025-01-01\","                    \
    "\"end_date\":\"2025-02-01\""

static void test_validate_campaign_create_messages(void **state)
{
    static const struct vcase cases[] = {
        {"{}", "name", "Campaign name is required"},
        {"{\"name\":1}", "name", "\"name\" must be a string"},
        {"{\"name\":\"\"}", "name", "\"name\" is not allowed to be empty"},
        {"{\"name\":\"ab\"}", "name", "Campaign name must be at least 3 characters long"},
        {"{" BASE ",\"cpm_rate\":1}", NULL, NULL},
        {"{" BASE "}", "", "CPM rate is required when using CPM pricing model"},
        {"{" BASE ",\"pricing_model\":\"flat\"}", NULL, NULL},
        {"{" BASE ",\"pricing_model\":\"cpc\",\"cpm_rate\":1}", "",
         "CPC rate is required when using CPC pricing model"},
        {"{" BASE ",\"pricing_model\":\"cpv\",\"cpv_rate\":null}", "",
         "CPV rate is required when using CPV pricing model"},
        {"{" BASE ",\"cpm_rate\":1,\"description\":null}", NULL, NULL},
        {"{" BASE ",\"cpm_rate\":1,\"description\":\"\"}", NULL, NULL},
        {"{" BASE ",\"cpm_rate\":1,\"description\":[]}", "description",
         "\"description\" must be a string"},
        {"{\"name\":\"abc\"}", "budget_total", "Budget is required"},
        {"{\"name\":\"abc\",\"budget_total\":\"\"}", "budget_total",
         "\"budget_total\" must be a number"},
        {"{\"name\":\"abc\",\"budget_total\":-1}", "budget_total",
         "Budget must be a positive number"},
        {"{\"name\":\"abc\",\"budget_total\":0.004}", "budget_total",
         "Budget must be a positive number"},
        {"{\"name\":\"abc\",\"budget_total\":0.994}", "budget_total", "Budget must be at least $1"},
        {"{\"name\":\"abc\",\"budget_total\":1000000000.006}", "budget_total",
         "Budget cannot exceed $1,000,000,000"},
        {"{\"name\":\"abc\",\"budget_total\":9007199254740992}", "budget_total",
         "\"budget_total\" must be a safe number"},
        {"{\"name\":\"abc\",\"budget_total\":\"0x10\"}", "budget_total",
         "\"budget_total\" must be a number"},
        {"{\"name\":\"abc\",\"budget_total\":5}", "start_date", "Start date is required"},
        {"{\"name\":\"abc\",\"budget_total\":5,\"start_date\":\"2025-1-1\"}", "start_date",
         "Start date must be in ISO format"},
        {"{\"name\":\"abc\",\"budget_total\":5,\"start_date\":{}}", "start_date",
         "\"start_date\" must be a valid date"},
        {"{\"name\":\"abc\",\"budget_total\":5,\"start_date\":\"2025-01-01\"}", "end_date",
         "End date is required"},
        {"{\"name\":\"abc\",\"budget_total\":5,\"start_date\":\"2025-01-01\",\"end_date\":"
         "\"2025-01-01T00:00:00.000+00:00\"}",
         "end_date", "End date must be after start date"},
        /* a four-digit JSON number is a year to Joi (RegExp.test stringifies it) [quirk] */
        {"{\"name\":\"abc\",\"budget_total\":5,\"start_date\":2024,\"end_date\":2025,"
         "\"cpm_rate\":1}",
         NULL, NULL},
        {"{" BASE ",\"pricing_model\":true}", "pricing_model",
         "Pricing model must be one of: cpm, cpc, cpv, flat"},
        {"{" BASE ",\"cpm_rate\":0.001}", "cpm_rate", "CPM rate must be a positive number"},
        {"{" BASE ",\"cpm_rate\":0.005}", NULL, NULL},
        {"{" BASE ",\"cpm_rate\":1000.004}", NULL, NULL},
        {"{" BASE ",\"cpm_rate\":1000.005}", "cpm_rate", "CPM rate cannot exceed $1,000"},
        {"{" BASE ",\"cpc_rate\":100.01,\"cpm_rate\":1}", "cpc_rate",
         "CPC rate cannot exceed $100"},
        {"{" BASE ",\"cpm_rate\":1,\"status\":\"active\"}", "status", "\"status\" is not allowed"},
        {"{" BASE ",\"b\":1,\"a\":1,\"7\":1,\"3\":1}", "3", "\"3\" is not allowed"},
        {"{" BASE ",\"b\":1,\"01\":1}", "b", "\"b\" is not allowed"},
        {"{" BASE ",\"4294967295\":1,\"x\":1}", "4294967295", "\"4294967295\" is not allowed"},
        {"[]", "", "\"value\" must be of type object"},
        {"\"text\"", "", "\"value\" must be of type object"},
        {"null", "", "\"value\" must be of type object"},
    };
    (void)state;
    run_cases(&validate_campaign_create_schema, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_validate_campaign_create_values(void **state)
{
    json_t *in = parse("{\"name\":\"Spring\",\"budget_total\":\"100.555\",\"start_date\":"
                       "\"2025-01-01T01:00:00+01:00\",\"end_date\":\"2025-01-02\","
                       "\"cpm_rate\":1.005,\"cpc_rate\":null}");
    json_t *v = NULL;
    struct validate_failure f = {NULL, NULL};
    (void)state;

    assert_int_equal(validate_object(&validate_campaign_create_schema, in, &v, &f), VALIDATE_OK);
    assert_string_equal(json_string_value(json_object_get(v, "name")), "Spring");
    assert_true(json_real_value(json_object_get(v, "budget_total")) == 100.56);
    assert_true(json_real_value(json_object_get(v, "cpm_rate")) == 1.0); /* 1.005 * 100 < 100.5 */
    assert_true(json_is_null(json_object_get(v, "cpc_rate")));
    assert_null(json_object_get(v, "cpv_rate"));
    assert_null(json_object_get(v, "description"));
    assert_int_equal(json_integer_value(json_object_get(v, "start_date")), 1735689600000LL);
    assert_int_equal(json_integer_value(json_object_get(v, "end_date")), 1735776000000LL);
    assert_string_equal(json_string_value(json_object_get(v, "pricing_model")), "cpm");
    json_decref(v);
    json_decref(in);
}

static void test_validate_campaign_update_rules(void **state)
{
    static const struct vcase cases[] = {
        {"{}", "", "\"value\" must have at least 1 key"},
        {"{\"x\":1}", "x", "\"x\" is not allowed"},
        {"{\"name\":\"ab\",\"x\":1}", "name", "Campaign name must be at least 3 characters long"},
        {"{\"budget_total\":null}", "budget_total", "\"budget_total\" must be a number"},
        {"{\"end_date\":\"2000-01-01\"}", NULL, NULL},
        {"{\"start_date\":\"2025-02-01\",\"end_date\":\"2025-01-01\"}", "end_date",
         "End date must be after start date"},
        {"{\"pricing_model\":\"cpc\"}", NULL, NULL},
        {"{\"description\":\"\"}", NULL, NULL},
        {"{\"status\":\"active\"}", "status", "\"status\" is not allowed"},
    };
    (void)state;
    run_cases(&validate_campaign_update_schema, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_validate_status_and_lists(void **state)
{
    static const struct vcase status[] = {
        {"{}", "status", "Status is required"},
        {"{\"status\":\"paused\"}", NULL, NULL},
        {"{\"status\":\"Paused\"}", "status",
         "Status must be one of: draft, active, paused, completed"},
        {"{\"status\":\"paused\",\"why\":1}", "why", "\"why\" is not allowed"},
    };
    static const struct vcase list[] = {
        {"{\"page\":\"0\"}", "page", "Page number must be positive"},
        {"{\"page\":\"1.5\"}", "page", "\"page\" must be an integer"},
        {"{\"page\":\"x\"}", "page", "\"page\" must be a number"},
        {"{\"limit\":\"101\"}", "limit", "Limit cannot exceed 100"},
        {"{\"limit\":\"-1\"}", "limit", "Limit must be positive"},
        {"{\"status\":[\"a\"]}", "status",
         "Status filter must be one of: draft, active, paused, completed"},
        {"{\"start_date\":[\"2025\"]}", "start_date", "\"start_date\" must be a valid date"},
        {"{\"end_date\":\"2025-02-29x\"}", "end_date", "End date must be in ISO format"},
        {"{\"q\":\"1\"}", "q", "\"q\" is not allowed"},
        {"{\"page\":\"  7 \",\"limit\":\"100\"}", NULL, NULL},
    };
    static const struct vcase creatives[] = {
        {"{\"page\":\"0\"}", "page", "\"page\" must be a positive number"},
        {"{\"limit\":\"0\"}", "limit", "\"limit\" must be a positive number"},
        {"{\"limit\":\"500\"}", "limit", "\"limit\" must be less than or equal to 100"},
        {"{\"status\":\"gone\"}", "status",
         "Status must be one of: active, inactive, processing, failed"},
        {"{\"status\":\"failed\"}", NULL, NULL},
    };
    json_t *in = parse("{}"), *v = NULL;
    struct validate_failure f = {NULL, NULL};
    (void)state;

    run_cases(&validate_campaign_status_schema, status, sizeof(status) / sizeof(status[0]));
    run_cases(&validate_campaign_list_schema, list, sizeof(list) / sizeof(list[0]));
    run_cases(&validate_creative_list_schema, creatives, sizeof(creatives) / sizeof(creatives[0]));
    /* defaults: page 1 and limit 20 as integers */
    assert_int_equal(validate_object(&validate_campaign_list_schema, in, &v, &f), VALIDATE_OK);
    assert_true(json_is_integer(json_object_get(v, "page")));
    assert_int_equal(json_integer_value(json_object_get(v, "page")), 1);
    assert_int_equal(json_integer_value(json_object_get(v, "limit")), 20);
    json_decref(v);
    json_decref(in);
}

static void test_validate_creative_metadata(void **state)
{
    static const struct vcase cases[] = {
        {"{}", "name", "Creative name is required"},
        {"{\"name\":\"ab\"}", "name", "Creative name must be at least 3 characters long"},
        {"{\"name\":\"abc\",\"duration\":\"0\"}", "duration", "Duration must be positive"},
        {"{\"name\":\"abc\",\"duration\":\"121\"}", "duration",
         "Duration cannot exceed 120 seconds"},
        {"{\"name\":\"abc\",\"duration\":\"2.5\"}", "duration", "\"duration\" must be an integer"},
        {"{\"name\":\"abc\",\"duration\":\"\"}", "duration", "\"duration\" must be a number"},
        {"{\"name\":\"abc\",\"width\":-1}", "width", "Width must be positive"},
        {"{\"name\":\"abc\",\"width\":1.5}", "width", "\"width\" must be an integer"},
        {"{\"name\":\"abc\",\"height\":\"0\"}", "height", "Height must be positive"},
        {"{\"name\":\"abc\",\"height\":\"1e400\"}", "height", "\"height\" must be a safe number"},
        {"{\"name\":\"abc\",\"format\":\"mp4\"}", "format", "\"format\" is not allowed"},
        {"{\"name\":\"abc\",\"duration\":\"30\",\"width\":\"1920\",\"height\":1080}", NULL, NULL},
        {"[1]", "", "\"value\" must be of type object"},
    };
    json_t *meta = parse("{\"name\":\"ab\"}");
    struct validate_failure f = {NULL, NULL};
    (void)state;

    run_cases(&validate_creative_metadata_schema, cases, sizeof(cases) / sizeof(cases[0]));
    assert_int_equal(validate_creative_metadata(meta, &f), VALIDATE_INVALID);
    assert_string_equal(f.field, "name");
    assert_string_equal(f.message, "Creative name must be at least 3 characters long");
    validate_failure_release(&f);
    validate_failure_release(&f); /* idempotent */
    json_decref(meta);
}

static void test_validate_creative_update(void **state)
{
    static const struct vcase cases[] = {
        {"{}", "", "\"value\" must have at least 1 key"},
        {"{\"width\":1}", "width", "\"width\" is not allowed"},
        {"{\"status\":\"processing\"}", "status", "Status must be either active or inactive"},
        {"{\"status\":\"inactive\",\"duration\":120}", NULL, NULL},
        {"{\"name\":\"\xf0\x9f\x98\x80\"}", "name",
         "Creative name must be at least 3 characters long"}, /* 2 UTF-16 units */
        {"{\"name\":\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"}", NULL, NULL},
    };
    (void)state;
    run_cases(&validate_creative_update_schema, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The query string q parsed, dumped compactly. */
static char *query_dump(const char *q)
{
    json_t *o = json_object();
    char *s;

    validate_query_parse(o, q, strlen(q));
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

static void test_validate_query_parse(void **state)
{
    static const char *const cases[][2] = {
        {"", "{}"},
        {"a=1&b=2", "{\"a\":\"1\",\"b\":\"2\"}"},
        {"a=1&a=2&a=3", "{\"a\":[\"1\",\"2\",\"3\"]}"},
        {"a[]=1", "{\"a\":{\"0\":\"1\"}}"},
        {"a[b]=1", "{\"a\":{\"0\":\"1\"}}"},
        {"[a]=1", "{\"a\":\"1\"}"}, /* qs strips the brackets of a lone segment */
        {"[a][b]=1", "{\"a\":{\"0\":\"1\"}}"},
        {"a[=1", "{\"a[\":\"1\"}"},
        {"flag&&=x&=y", "{\"flag\":\"\"}"},
        {"q=a+b%20c", "{\"q\":\"a b c\"}"},
        {"q=%C3%A9", "{\"q\":\"\xc3\xa9\"}"},
        {"q=%ff+x", "{\"q\":\"%ff x\"}"}, /* not UTF-8: kept as sent, '+' still a space */
        {"q=%zz", "{\"q\":\"%zz\"}"},     /* bad escape: kept */
        {"q=%4", "{\"q\":\"%4\"}"},
        {"q=\xe9", "{\"q\":\"\xc3\xa9\"}"}, /* a raw byte is a Latin-1 character */
        {"a]=b=c", "{\"a]\":\"b=c\"}"},
        {"a=b=c", "{\"a\":\"b=c\"}"},
        {"__proto__=1&x=2", "{\"x\":\"2\"}"},
    };
    size_t i;
    char *got;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        got = query_dump(cases[i][0]);
        if (got == NULL || strcmp(got, cases[i][1]) != 0)
            fail_msg("query %s: got %s, expected %s", cases[i][0], got ? got : "(null)",
                     cases[i][1]);
        free(got);
    }
}

static void test_validate_query_parse_nul_and_limits(void **state)
{
    json_t *o = json_object();
    char many[8000];
    size_t i, n = 0;
    (void)state;

    validate_query_parse(o, "k%00=v%00w", 10);
    assert_int_equal(json_object_size(o), 1);
    assert_non_null(json_object_getn(o, "k\0", 2));
    assert_int_equal(json_string_length(json_object_getn(o, "k\0", 2)), 3);
    json_decref(o);
    /* at most 1000 parts are read (qs's parameterLimit) */
    o = json_object();
    for (i = 0; i < 1200; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "%s%zu=", i ? "&" : "", i);
    validate_query_parse(o, many, n);
    assert_int_equal(json_object_size(o), 1000);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_campaign_create_messages),
        cmocka_unit_test(test_validate_campaign_create_values),
        cmocka_unit_test(test_validate_campaign_update_rules),
        cmocka_unit_test(test_validate_status_and_lists),
        cmocka_unit_test(test_validate_creative_metadata),
        cmocka_unit_test(test_validate_creative_update),
        cmocka_unit_test(test_validate_query_parse),
        cmocka_unit_test(test_validate_query_parse_nul_and_limits),
    };
    return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
