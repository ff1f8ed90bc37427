/* Unit tests of hostport: which Host values may become part of a URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/hostport.h"

#include <string.h>

static int valid(const char *s)
{
    return hostport_valid(s, strlen(s));
}

static void test_hostport_valid_accepts_names_addresses_ports(void **state)
{
    const char *ok[] = {"localhost", "localhost:8080", "127.0.0.1", "127.0.0.1:1",
                        "ads.example.com", "a-b.c-d.example:65535", "[::1]", "[::1]:8080",
                        "[2001:db8::7]:443", "[::ffff:127.0.0.1]"};
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_true(valid(ok[i]));
}

static void test_hostport_valid_refuses_everything_else(void **state)
{
    char longname[300];
    const char *bad[] = {"",
                         "evil.example/path",
                         "user@evil.example",
                         "evil.example\r\nX: y",
                         "evil example",
                         "evil.example:",
                         "evil.example:0",
                         "evil.example:65536",
                         "evil.example:80:81",
                         "evil..example",
                         ".example",
                         "[::1",
                         "[::1]x",
                         "[not:v6]",
                         "[]",
                         "evil.example?x",
                         "evil.example#x",
                         "evil%2eexample",
                         "evil_example"};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(valid(bad[i]));
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_false(valid(longname));
    memset(longname, 'a', 64);
    longname[64] = '\0';
    assert_false(valid(longname)); /* a label is at most 63 */
    assert_false(hostport_valid("a\0b", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostport_valid_accepts_names_addresses_ports),
        cmocka_unit_test(test_hostport_valid_refuses_everything_else),
    };
    return cmocka_run_group_tests_name("hostport", tests, NULL, NULL);
}
