/* Unit tests of ctvtui's form: UTF-8 editing, API messages at the field, bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctvtui/form.h"

#include <locale.h>
#include <string.h>

static const char *const models[] = {"cpm", "cpc", "flat", NULL};
static const struct form_field tmpl[] = {
    {.label = "Name", .key = "name", .kind = FORM_TEXT},
    {.label = "Budget", .key = "budget_total", .kind = FORM_NUMBER},
    {.label = "Pricing", .key = "pricing_model", .kind = FORM_CHOICE, .choices = models},
    {.label = "CPM", .key = "cpm_rate", .kind = FORM_NUMBER, .optional = 1},
};

static int setup(void **state)
{
    static struct form f;
    form_init(&f, tmpl, 4);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    form_release(*state);
    return 0;
}

static void type(struct form *f, const wchar_t *s)
{
    for (; *s; s++)
        assert_int_equal(form_edit(f, 0, (unsigned)*s), 1);
}

static void test_form_edit_utf8_backspace_removes_a_character(void **state)
{
    struct form *f = *state;
    type(f, L"Caf\u00e9 \u6771");
    assert_string_equal(f->fields[0].value, "Caf\xc3\xa9 \xe6\x9d\xb1");
    assert_int_equal(form_edit(f, 1, KEY_BACKSPACE), 1);
    assert_string_equal(f->fields[0].value, "Caf\xc3\xa9 ");
    form_edit(f, 1, KEY_BACKSPACE);
    form_edit(f, 1, KEY_BACKSPACE);
    assert_string_equal(f->fields[0].value, "Caf");
    /* cursor moves by characters; insert in the middle */
    type(f, L"\u00e9");
    form_edit(f, 1, KEY_LEFT);
    type(f, L"x");
    assert_string_equal(f->fields[0].value, "Cafx\xc3\xa9");
    form_edit(f, 0, 0x15); /* ^U clears */
    assert_string_equal(f->fields[0].value, "");
    assert_int_equal(form_edit(f, 0, 0x01 + 2), 0); /* ^C is not an edit */
}

static void test_form_choice_cycles(void **state)
{
    struct form *f = *state;
    assert_string_equal(f->fields[2].value, "cpm"); /* first choice by default */
    f->focus = 2;
    form_edit(f, 0, ' ');
    assert_string_equal(f->fields[2].value, "cpc");
    form_edit(f, 1, KEY_LEFT);
    form_edit(f, 1, KEY_LEFT);
    assert_string_equal(f->fields[2].value, "flat");
    assert_int_equal(form_edit(f, 0, 'x'), 0); /* letters do nothing on a choice */
}

static void test_form_apply_errors_format_c_at_the_field(void **state)
{
    struct form *f = *state;
    json_t *body = json_loads("{\"error\":{\"message\":\"Validation failed\",\"details\":"
                              "[{\"field\":\"budget_total\",\"message\":\"Budget must be at least $1\"}]}}",
                              0, NULL);
    assert_non_null(body);
    assert_int_equal(form_apply_errors(f, body), 1);
    assert_string_equal(f->fields[1].error, "Budget must be at least $1");
    assert_int_equal(f->focus, 1);
    assert_string_equal(f->message, "");
    json_decref(body);
}

static void test_form_apply_errors_cross_field_and_format_a(void **state)
{
    struct form *f = *state;
    json_t *body = json_loads("{\"error\":{\"message\":\"Validation failed\",\"details\":"
                              "[{\"field\":\"\",\"message\":\"CPM rate is required when using CPM pricing model\"}]}}",
                              0, NULL);
    form_apply_errors(f, body);
    assert_string_equal(f->fields[3].error, "CPM rate is required when using CPM pricing model");
    assert_int_equal(f->focus, 3);
    json_decref(body);
    body = json_loads("{\"error\":{\"message\":\"Invalid email or password\",\"code\":\"X\"}}", 0,
                      NULL);
    form_apply_errors(f, body);
    assert_string_equal(f->message, "Invalid email or password");
    assert_string_equal(f->fields[3].error, ""); /* cleared */
    json_decref(body);
    /* format B: every failure, two on one field are joined */
    body = json_loads("{\"error\":{\"details\":[{\"field\":\"name\",\"message\":\"a\"},"
                      "{\"field\":\"name\",\"message\":\"b\"},{\"field\":\"zzz\",\"message\":\"c\"}]}}",
                      0, NULL);
    assert_int_equal(form_apply_errors(f, body), 3);
    assert_string_equal(f->fields[0].error, "a; b");
    assert_string_equal(f->message, "c");
    json_decref(body);
}

static void test_form_body_all_or_changed(void **state)
{
    struct form *f = *state;
    form_set(f, 0, "Spring", 1);
    form_set(f, 1, "1000", 1);
    json_t *b = form_body(f, 0);
    assert_string_equal(json_string_value(json_object_get(b, "name")), "Spring");
    assert_string_equal(json_string_value(json_object_get(b, "budget_total")), "1000");
    assert_null(json_object_get(b, "cpm_rate")); /* optional and empty: omitted */
    json_decref(b);
    form_set(f, 1, "2000", 0);
    b = form_body(f, 1);
    assert_int_equal(json_object_size(b), 2); /* budget, and the choice set by init */
    assert_string_equal(json_string_value(json_object_get(b, "budget_total")), "2000");
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_form_edit_utf8_backspace_removes_a_character, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_form_choice_cycles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_form_apply_errors_format_c_at_the_field, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_form_apply_errors_cross_field_and_format_a, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_form_body_all_or_changed, setup, teardown),
    };
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        setlocale(LC_CTYPE, "");
    return cmocka_run_group_tests_name("tui_form", tests, NULL, NULL);
}
