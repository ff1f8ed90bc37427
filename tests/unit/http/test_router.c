/* Unit tests of router_match: case, trailing slash, HEAD, parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/request.h"
#include "http/router.h"

#include <stdlib.h>

static int h(struct request *req)
{
    (void)req;
    return 0;
}

static const struct route routes[] = {
    {"GET", "/", 0, h, NULL},
    {"GET", "/api/v1/campaigns/:id", ROUTE_AUTH, h, NULL},
    {"PUT", "/api/v1/campaigns/:id/status", ROUTE_AUTH, h, NULL},
    {"GET", "/api/v1/campaigns/:campaignId/creatives", ROUTE_AUTH, h, NULL},
};
static const struct route_table table = {routes, 4};

static void release(char **p, int n)
{
    for (int i = 0; i < n; i++)
        free(p[i]);
}

static void test_router_match_params(void **state)
{
    char *p[REQUEST_MAX_PARAMS];
    int n = 0;
    (void)state;
    assert_ptr_equal(router_match(&table, "GET", "/api/v1/campaigns/abc", p, &n), &routes[1]);
    assert_int_equal(n, 1);
    assert_string_equal(p[0], "abc");
    release(p, n);
    assert_ptr_equal(router_match(&table, "GET", "/API/V1/Campaigns/XyZ/creatives/", p, &n),
                     &routes[3]);
    assert_string_equal(p[0], "XyZ");
    release(p, n);
}

static void test_router_match_head_and_root(void **state)
{
    char *p[REQUEST_MAX_PARAMS];
    int n = 0;
    (void)state;
    assert_ptr_equal(router_match(&table, "HEAD", "/", p, &n), &routes[0]);
    assert_int_equal(n, 0);
}

static void test_router_match_misses(void **state)
{
    char *p[REQUEST_MAX_PARAMS];
    int n = 0;
    (void)state;
    assert_null(router_match(&table, "POST", "/api/v1/campaigns/abc", p, &n));
    assert_null(router_match(&table, "GET", "/api/v1/campaigns/", p, &n));
    assert_null(router_match(&table, "GET", "/api/v1/campaigns//", p, &n));
    assert_null(router_match(&table, "GET", "/api/v1/campaigns/a/b", p, &n));
    assert_null(router_match(&table, "GET", "", p, &n));
    assert_null(router_match(&table, "GET", "//", p, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_match_params),
        cmocka_unit_test(test_router_match_head_and_root),
        cmocka_unit_test(test_router_match_misses),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
