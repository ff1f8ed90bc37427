/* Unit tests of body: JSON strictness, forms, content types (docs/admin-api.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/body.h"

#include <string.h>

static int parse(const char *ct, const char *data, json_t **out)
{
    char msg[256];
    return body_parse(ct, NULL, data, strlen(data), out, msg, sizeof(msg));
}

static void test_body_parse_json_object(void **state)
{
    json_t *v = NULL;
    (void)state;
    assert_int_equal(parse("application/json", "{\"a\":1}", &v), 0);
    assert_true(json_is_object(v));
    assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
    json_decref(v);
}

static void test_body_parse_json_strict(void **state)
{
    json_t *v = NULL;
    (void)state;
    assert_int_equal(parse("application/json", "\"str\"", &v), 400);
    assert_int_equal(parse("application/json", "42", &v), 400);
    assert_int_equal(parse("application/json", "null", &v), 400);
    assert_int_equal(parse("application/json", "{\"malformed\": json}", &v), 400);
    assert_int_equal(parse("application/json", "{} x", &v), 400);
}

static void test_body_parse_json_empty_is_object(void **state)
{
    json_t *v = NULL;
    (void)state;
    assert_int_equal(parse("application/json", "  \n", &v), 0);
    assert_true(json_is_object(v));
    assert_int_equal(json_object_size(v), 0);
    json_decref(v);
}

static void test_body_parse_json_array(void **state)
{
    json_t *v = NULL;
    (void)state;
    assert_int_equal(parse("application/json; charset=utf-8", "[1,2]", &v), 0);
    assert_true(json_is_array(v));
    json_decref(v);
}

static void test_body_parse_charset_415(void **state)
{
    json_t *v = NULL;
    char msg[64];
    (void)state;
    assert_int_equal(parse("application/json; charset=latin1", "{}", &v), 415);
    assert_int_equal(body_parse("application/json", "gzip", "{}", 2, &v, msg, sizeof(msg)), 415);
}

static void test_body_parse_other_type_is_empty(void **state)
{
    json_t *v = NULL;
    (void)state;
    assert_int_equal(parse("text/plain", "{\"email\":\"a@b.co\"}", &v), 0);
    assert_int_equal(json_object_size(v), 0);
    json_decref(v);
    assert_int_equal(parse(NULL, "whatever", &v), 0);
    assert_int_equal(json_object_size(v), 0);
    json_decref(v);
}

static void test_body_parse_form_nested(void **state)
{
    json_t *v = NULL;
    (void)state;
    assert_int_equal(parse("application/x-www-form-urlencoded",
                           "email=a%40b.co&name=A+B&a[b][c]=1&r[]=x&r[]=y&d=1&d=2", &v),
                     0);
    assert_string_equal(json_string_value(json_object_get(v, "email")), "a@b.co");
    assert_string_equal(json_string_value(json_object_get(v, "name")), "A B");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(v, "a"), "b"), "c")),
        "1");
    assert_int_equal(json_array_size(json_object_get(v, "r")), 2);
    assert_int_equal(json_array_size(json_object_get(v, "d")), 2);
    json_decref(v);
}

static void test_body_form_decode_bad_escape_kept(void **state)
{
    char s[] = "a%ZZb%4";
    (void)state;
    assert_int_equal(body_form_decode(s, strlen(s)), 7);
    assert_string_equal(s, "a%ZZb%4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_parse_json_object),
        cmocka_unit_test(test_body_parse_json_strict),
        cmocka_unit_test(test_body_parse_json_empty_is_object),
        cmocka_unit_test(test_body_parse_json_array),
        cmocka_unit_test(test_body_parse_charset_415),
        cmocka_unit_test(test_body_parse_other_type_is_empty),
        cmocka_unit_test(test_body_parse_form_nested),
        cmocka_unit_test(test_body_form_decode_bad_escape_kept),
    };
    return cmocka_run_group_tests_name("body", tests, NULL, NULL);
}
