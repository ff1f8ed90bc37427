/*
 * Unit tests of the two route tables (adserverd/routes.c): the rules the
 * router relies on and the admin API's public routes.
 *
 * - every entry is well formed (upper-case method, absolute pattern, a
 *   handler; stream_begin exactly on ROUTE_STREAM entries);
 * - every entry is reachable: router_match finds that very entry for its
 *   own pattern (no earlier entry shadows it, no duplicate);
 * - on the admin listener every /api/v1 route needs a Bearer token except
 *   register, login, refresh and track-impression; the ad listener has no
 *   authenticated route (players carry no token).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/request.h"
#include "http/router.h"
#include "routes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pattern with each ":param" and a final "*" replaced by a sample segment */
static void sample_path(const char *pattern, char *out, size_t n)
{
    size_t o = 0;

    for (const char *p = pattern; *p != '\0' && o + 8 < n;) {
        if (*p == ':' || (*p == '*' && p[1] == '\0')) {
            memcpy(out + o, "x1", 2);
            o += 2;
            while (*p != '\0' && *p != '/')
                p++;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

static void check_table(const struct route_table *t)
{
    char path[512];
    char *params[REQUEST_MAX_PARAMS];
    int np;

    assert_true(t->n > 0);
    for (size_t i = 0; i < t->n; i++) {
        const struct route *r = &t->routes[i];

        for (const char *m = r->method; *m != '\0'; m++)
            assert_true(isupper((unsigned char)*m));
        assert_true(r->pattern[0] == '/');
        assert_non_null(r->handler);
        assert_int_equal(r->stream_begin != NULL, (r->flags & ROUTE_STREAM) != 0);
        sample_path(r->pattern, path, sizeof(path));
        np = 0;
        if (router_match(t, r->method, path, params, &np) != r)
            fail_msg("%s %s is shadowed or duplicated", r->method, r->pattern);
        for (int k = 0; k < np; k++)
            free(params[k]);
    }
}

static void test_routes_admin_well_formed_and_reachable(void **state)
{
    (void)state;
    check_table(&routes_admin);
}

static void test_routes_ad_well_formed_and_reachable(void **state)
{
    (void)state;
    check_table(&routes_ad);
}

static int is_public(const char *method, const char *pattern)
{
    static const char *const open[] = {"/api/v1/auth/register", "/api/v1/auth/login",
                                       "/api/v1/auth/refresh", "/api/v1/track-impression"};

    for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++)
        if (strcmp(method, "POST") == 0 && strcmp(pattern, open[i]) == 0)
            return 1;
    return 0;
}

static void test_routes_admin_auth_except_public(void **state)
{
    int publics = 0;

    (void)state;
    for (size_t i = 0; i < routes_admin.n; i++) {
        const struct route *r = &routes_admin.routes[i];
        int api = strncmp(r->pattern, "/api/v1/", 8) == 0;

        if (!api) {
            assert_int_equal(r->flags & ROUTE_AUTH, 0); /* /, /health, /metrics */
        } else if (is_public(r->method, r->pattern)) {
            assert_int_equal(r->flags & ROUTE_AUTH, 0);
            publics++;
        } else if ((r->flags & ROUTE_AUTH) == 0) {
            fail_msg("%s %s answers without a token", r->method, r->pattern);
        }
    }
    assert_int_equal(publics, 4);
}

static void test_routes_ad_no_auth(void **state)
{
    (void)state;
    for (size_t i = 0; i < routes_ad.n; i++)
        assert_int_equal(routes_ad.routes[i].flags & ROUTE_AUTH, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_admin_well_formed_and_reachable),
        cmocka_unit_test(test_routes_ad_well_formed_and_reachable),
        cmocka_unit_test(test_routes_admin_auth_except_public),
        cmocka_unit_test(test_routes_ad_no_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
