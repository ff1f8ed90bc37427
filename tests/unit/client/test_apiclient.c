/* Unit tests of apiclient's pure parts: URLs, error classes and messages, JWT expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client/apiclient.h"

#include <string.h>

static void test_apiclient_join_url_slashes(void **state)
{
    char out[128];
    (void)state;
    assert_int_equal(apiclient_join_url("http://h:1", "/api/v1/x", out, sizeof(out)), 0);
    assert_string_equal(out, "http://h:1/api/v1/x");
    assert_int_equal(apiclient_join_url("http://h:1///", "api/v1/x", out, sizeof(out)), 0);
    assert_string_equal(out, "http://h:1/api/v1/x");
    assert_int_equal(apiclient_join_url("http://h:1/", "//health", out, sizeof(out)), 0);
    assert_string_equal(out, "http://h:1/health");
    assert_int_equal(apiclient_join_url("http://h:1/base", "/x?a=1", out, sizeof(out)), 0);
    assert_string_equal(out, "http://h:1/base/x?a=1");
}

static void test_apiclient_join_url_too_small(void **state)
{
    char out[10];
    (void)state;
    assert_int_equal(apiclient_join_url("http://host", "/path", out, sizeof(out)), -1);
}

static void test_apiclient_url_add_query_encodes(void **state)
{
    char url[128] = "/api/v1/decisions/explain";
    (void)state;
    assert_int_equal(apiclient_url_add_query(url, sizeof(url), "ua", "a b&c=d/é"), 0);
    assert_string_equal(url, "/api/v1/decisions/explain?ua=a%20b%26c%3Dd%2F%C3%A9");
    assert_int_equal(apiclient_url_add_query(url, sizeof(url), "pod", "30"), 0);
    assert_string_equal(url, "/api/v1/decisions/explain?ua=a%20b%26c%3Dd%2F%C3%A9&pod=30");
}

static void test_apiclient_url_add_query_too_small(void **state)
{
    char url[16] = "/x";
    (void)state;
    assert_int_equal(apiclient_url_add_query(url, sizeof(url), "name", "a long value"), -1);
    assert_string_equal(url, "/x");
}

static void test_apiclient_err_from_status_classes(void **state)
{
    (void)state;
    assert_int_equal(apiclient_err_from_status(200), APICLIENT_OK);
    assert_int_equal(apiclient_err_from_status(201), APICLIENT_OK);
    assert_int_equal(apiclient_err_from_status(202), APICLIENT_OK);
    assert_int_equal(apiclient_err_from_status(400), APICLIENT_EVALIDATION);
    assert_int_equal(apiclient_err_from_status(413), APICLIENT_EVALIDATION);
    assert_int_equal(apiclient_err_from_status(415), APICLIENT_EVALIDATION);
    assert_int_equal(apiclient_err_from_status(401), APICLIENT_EAUTH);
    assert_int_equal(apiclient_err_from_status(403), APICLIENT_EAUTH);
    assert_int_equal(apiclient_err_from_status(404), APICLIENT_ENOTFOUND);
    assert_int_equal(apiclient_err_from_status(409), APICLIENT_ECONFLICT);
    assert_int_equal(apiclient_err_from_status(429), APICLIENT_ERATELIMIT);
    assert_int_equal(apiclient_err_from_status(500), APICLIENT_ESERVER);
    assert_int_equal(apiclient_err_from_status(503), APICLIENT_ESERVER);
    assert_int_equal(apiclient_err_from_status(302), APICLIENT_ESERVER);
    assert_int_equal(apiclient_err_from_status(0), APICLIENT_ENETWORK);
    assert_string_equal(apiclient_err_name(APICLIENT_ENOTFOUND), "not found");
    assert_string_equal(apiclient_err_name(APICLIENT_ETIMEOUT), "timeout");
}

static void test_apiclient_error_message_formats(void **state)
{
    char msg[64];
    json_t *a =
        json_loads("{\"error\":{\"message\":\"Campaign not found\",\"code\":\"X\"}}", 0, NULL);
    json_t *g = json_loads("{\"error\":\"campaign_id and creative_id are required\"}", 0, NULL);
    json_t *none = json_loads("{\"status\":\"OK\"}", 0, NULL);
    (void)state;
    assert_int_equal(apiclient_error_message(a, msg, sizeof(msg)), 0);
    assert_string_equal(msg, "Campaign not found");
    assert_int_equal(apiclient_error_message(g, msg, sizeof(msg)), 0);
    assert_string_equal(msg, "campaign_id and creative_id are required");
    assert_int_equal(apiclient_error_message(none, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "");
    assert_int_equal(apiclient_error_message(NULL, msg, sizeof(msg)), -1);
    json_decref(a);
    json_decref(g);
    json_decref(none);
}

static void test_apiclient_error_details_c_and_strings(void **state)
{
    json_t *c = json_loads("{\"error\":{\"message\":\"Validation failed\",\"details\":"
                           "[{\"field\":\"name\",\"message\":\"Campaign name is required\"}]}}",
                           0, NULL);
    json_t *f = json_loads("{\"error\":{\"message\":\"File validation failed\",\"details\":"
                           "[\"Invalid file extension.\"]}}",
                           0, NULL);
    const json_t *d;
    (void)state;
    d = apiclient_error_details(c);
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "field")), "name");
    d = apiclient_error_details(f);
    assert_non_null(d);
    assert_true(json_is_string(json_array_get(d, 0)));
    assert_null(apiclient_error_details(NULL));
    json_decref(c);
    json_decref(f);
}

static void test_apiclient_token_exp_reads_claim(void **state)
{
    /* {"alg":"HS256","typ":"JWT"} . {"id":"x","iat":1700000000,"exp":1700003600} . sig */
    const char *jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                      "eyJpZCI6IngiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.c2ln";
    long long exp = 0;
    (void)state;
    assert_int_equal(apiclient_token_exp(jwt, &exp), 0);
    assert_true(exp == 1700003600LL);
}

static void test_apiclient_token_exp_malformed(void **state)
{
    long long exp = 7;
    (void)state;
    assert_int_equal(apiclient_token_exp("not-a-jwt", &exp), -1);
    assert_int_equal(apiclient_token_exp("a.!!!.c", &exp), -1);
    /* {"id":"x"} has no exp */
    assert_int_equal(apiclient_token_exp("eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IngifQ.c2ln", &exp), -1);
    assert_int_equal(apiclient_token_exp(NULL, &exp), -1);
    assert_true(exp == 7);
}

static void test_apiclient_new_request_to_nowhere(void **state)
{
    /* A closed port: a network class error, a message, no crash, no leak. */
    struct apiclient *c = apiclient_new("http://127.0.0.1:1", 2000);
    struct apiclient_response r = {0};
    (void)state;
    assert_non_null(c);
    assert_int_equal(apiclient_request(c, "GET", "/health", NULL, APICLIENT_NOAUTH, &r),
                     APICLIENT_ENETWORK);
    assert_int_equal(r.status, 0);
    assert_true(strlen(r.message) > 0);
    apiclient_response_release(&r);
    apiclient_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apiclient_join_url_slashes),
        cmocka_unit_test(test_apiclient_join_url_too_small),
        cmocka_unit_test(test_apiclient_url_add_query_encodes),
        cmocka_unit_test(test_apiclient_url_add_query_too_small),
        cmocka_unit_test(test_apiclient_err_from_status_classes),
        cmocka_unit_test(test_apiclient_error_message_formats),
        cmocka_unit_test(test_apiclient_error_details_c_and_strings),
        cmocka_unit_test(test_apiclient_token_exp_reads_claim),
        cmocka_unit_test(test_apiclient_token_exp_malformed),
        cmocka_unit_test(test_apiclient_new_request_to_nowhere),
    };
    int rc;

    if (apiclient_global_init() != 0)
        return 1;
    rc = cmocka_run_group_tests_name("apiclient", tests, NULL, NULL);
    apiclient_global_cleanup();
    return rc;
}
