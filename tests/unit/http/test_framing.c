/* Unit tests of framing: RFC 9112 6.3/11.2 rules on a parsed header list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/framing.h"

#include <string.h>

static const struct framing_limits LIM = {8192, 100, 16384};

/* Verdict of a header list given as "name", "value" pairs, NULL-terminated. */
static int verdict(int http_10, size_t url_len, const char *const *kv, const char **why)
{
    struct framing f;

    framing_init(&f, &LIM);
    for (size_t i = 0; kv[i] != NULL; i += 2)
        framing_add(&f, kv[i], strlen(kv[i]), kv[i + 1], strlen(kv[i + 1]));
    return framing_verdict(&f, http_10, url_len, why);
}

static void test_framing_verdict_plain_request_passes(void **state)
{
    const char *kv[] = {"Host", "x", "Content-Length", "12", "Content-Type", "application/json", NULL};
    const char *why = "unset";
    (void)state;
    assert_int_equal(verdict(0, 10, kv, &why), 0);
    assert_string_equal(why, "unset"); /* written only on a refusal */
}

static void test_framing_verdict_length_and_chunked(void **state)
{
    const char *a[] = {"Host", "x", "Content-Length", "5", "Transfer-Encoding", "chunked", NULL};
    const char *b[] = {"Host", "x", "Transfer-Encoding", "chunked", "Content-Length", "5", NULL};
    const char *why = NULL;
    (void)state;
    assert_int_equal(verdict(0, 1, a, &why), 400);
    assert_string_equal(why, "both Content-Length and Transfer-Encoding");
    assert_int_equal(verdict(0, 1, b, &why), 400);
}

static void test_framing_verdict_duplicate_or_odd_length(void **state)
{
    const char *dup[] = {"Host", "x", "Content-Length", "0", "content-length", "0", NULL};
    const char *bad[][4] = {{"Content-Length", "+5"}, {"Content-Length", "5,5"},
                            {"Content-Length", ""},   {"Content-Length", " 5"},
                            {"Content-Length", "1e3"}, {"Content-Length", "12345678901234567890"}};
    const char *why = NULL;
    (void)state;
    assert_int_equal(verdict(0, 1, dup, &why), 400);
    assert_string_equal(why, "more than one Content-Length");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *kv[] = {"Host", "x", bad[i][0], bad[i][1], NULL};
        assert_int_equal(verdict(0, 1, kv, &why), 400);
        assert_string_equal(why, "invalid Content-Length");
    }
}

static void test_framing_verdict_transfer_encoding(void **state)
{
    const char *ok[] = {"Host", "x", "Transfer-Encoding", "Chunked", NULL};
    const char *foo[] = {"Host", "x", "Transfer-Encoding", "gzip, chunked", NULL};
    const char *two[] = {"Host", "x", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked",
                         NULL};
    const char *v10[] = {"Host", "x", "Transfer-Encoding", "chunked", NULL};
    const char *why = NULL;
    (void)state;
    assert_int_equal(verdict(0, 1, ok, &why), 0);
    assert_int_equal(verdict(0, 1, foo, &why), 400);
    assert_string_equal(why, "unsupported Transfer-Encoding");
    assert_int_equal(verdict(0, 1, two, &why), 400);
    assert_int_equal(verdict(1, 1, v10, &why), 400);
    assert_string_equal(why, "Transfer-Encoding on HTTP/1.0");
}

static void test_framing_verdict_names_and_values(void **state)
{
    const char *names[] = {"Content-Length ", "X A", "X(A)", "X\tA", "X\rA", ""};
    const char *cr[] = {"Host", "x", "X-A", "a\rb", NULL};
    const char *why = NULL;
    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *kv[] = {"Host", "x", names[i], "1", NULL};
        assert_int_equal(verdict(0, 1, kv, &why), 400);
    }
    assert_int_equal(verdict(0, 1, cr, &why), 400);
    assert_string_equal(why, "invalid header value");
}

static void test_framing_verdict_host(void **state)
{
    const char *none[] = {"Accept", "*/*", NULL};
    const char *two[] = {"Host", "a", "Host", "b", NULL};
    const char *why = NULL;
    (void)state;
    assert_int_equal(verdict(0, 1, none, &why), 400);
    assert_string_equal(why, "missing Host");
    assert_int_equal(verdict(1, 1, none, &why), 0); /* HTTP/1.0 has no Host requirement */
    assert_int_equal(verdict(0, 1, two, &why), 400);
}

static void test_framing_verdict_limits(void **state)
{
    struct framing f;
    static char big[20000];
    const char *why = NULL;
    const char *kv[] = {"Host", "x", NULL};
    (void)state;
    assert_int_equal(verdict(0, 8192, kv, &why), 0);
    assert_int_equal(verdict(0, 8193, kv, &why), 414);
    framing_init(&f, &LIM);
    framing_add(&f, "Host", 4, "x", 1);
    for (int i = 0; i < 100; i++)
        framing_add(&f, "X-A", 3, "v", 1);
    assert_int_equal(framing_verdict(&f, 0, 1, &why), 431);
    memset(big, 'b', sizeof(big));
    framing_init(&f, &LIM);
    framing_add(&f, "Host", 4, "x", 1);
    framing_add(&f, "X-Big", 5, big, sizeof(big));
    assert_int_equal(framing_verdict(&f, 0, 1, &why), 431);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing_verdict_plain_request_passes),
        cmocka_unit_test(test_framing_verdict_length_and_chunked),
        cmocka_unit_test(test_framing_verdict_duplicate_or_odd_length),
        cmocka_unit_test(test_framing_verdict_transfer_encoding),
        cmocka_unit_test(test_framing_verdict_names_and_values),
        cmocka_unit_test(test_framing_verdict_host),
        cmocka_unit_test(test_framing_verdict_limits),
    };
    return cmocka_run_group_tests_name("framing", tests, NULL, NULL);
}
