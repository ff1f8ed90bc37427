/*
 * Fuzz target for what ctvtui does with a server's answer: any bytes as a
 * JSON body through form_apply_errors() (messages must end up bounded and
 * NUL-terminated, focus inside the form), any member through model_num/
 * model_str/model_epoch/model_money, and any bytes as a UTF-8 name through
 * text_fit/text_width (a fitted name never exceeds its columns and is
 * never cut inside a character) and the charts.
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctvtui/chart.h"
#include "ctvtui/form.h"
#include "ctvtui/model.h"
#include "ctvtui/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct form_field fields[] = {
    {.label = "Name", .key = "name", .kind = FORM_TEXT},
    {.label = "Budget", .key = "budget_total", .kind = FORM_NUMBER},
    {.label = "CPM", .key = "cpm_rate", .kind = FORM_NUMBER, .optional = 1},
};

static void check_text(const char *s)
{
    char out[64];
    for (int cols = 0; cols < 20; cols += 7) {
        int used = text_fit(out, sizeof out, s, cols, 1, 1);
        if (used > cols || text_width(out) > cols || strlen(out) >= sizeof out)
            abort();
    }
    size_t len = strlen(s);
    while (len > 0) {
        size_t n = text_prev_len(s, len);
        if (n == 0 || n > len || n > 4)
            abort();
        len -= n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        setlocale(LC_CTYPE, "C.UTF-8");
        init = 1;
    }
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    check_text(s);

    json_t *body = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    struct form f;
    form_init(&f, fields, 3);
    form_apply_errors(&f, body);
    if (f.focus >= f.n || strlen(f.message) >= FORM_MSG_MAX)
        abort();
    for (size_t i = 0; i < f.n; i++)
        if (strlen(f.fields[i].error) >= FORM_MSG_MAX)
            abort();
    json_t *b = form_body(&f, 0);
    json_decref(b);
    form_release(&f);

    const char *key;
    json_t *v;
    char buf[256];
    double vals[4] = {0, 0, 0, 0};
    size_t k = 0;
    json_object_foreach(body, key, v)
    {
        double d = model_num(body, key, 0);
        const char *str = model_str(body, key, NULL);
        if (str) {
            check_text(str);
            model_epoch(str);
            model_date(buf, sizeof buf, str);
        }
        model_money(buf, sizeof buf, d);
        chart_human(buf, 8, d);
        if (k < 4)
            vals[k++] = d;
    }
    static const char *const labels[] = {"a", "b", "c", "d"};
    chart_funnel(buf, sizeof buf, labels, vals, 4, 3, 10, 1);
    chart_columns(buf, sizeof buf, vals, vals, 4, 4, 3, 0, 1);
    chart_sparkline(buf, sizeof buf, vals, 4, 4, 0, 0);
    chart_pace(buf, sizeof buf, vals[0], vals[1], 12, 1);
    json_decref(body);
    free(s);
    return 0;
}
