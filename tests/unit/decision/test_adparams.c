/* Unit tests of adparams: every parameter's bound, macros as absent, trusted proxies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decision/adparams.h"

#include <string.h>

static int set(struct adparams *p, const char *k, const char *v)
{
    char err[256];
    return adparams_set(p, k, v, err, sizeof(err));
}

static void test_adparams_set_defaults(void **state)
{
    struct adparams p;
    char err[256];
    (void)state;
    adparams_init(&p);
    assert_int_equal(adparams_finish(&p, err, sizeof(err)), 0);
    assert_int_equal(p.version, VAST_4_2);
    assert_int_equal(p.pod.max_ads, 1);
    assert_int_equal(p.preroll, 1);
    assert_int_equal(p.postroll, 1);
    assert_int_equal(p.t.livestream, TARGETING_LIVE_UNKNOWN);
    assert_null(p.t.country);
}

static void test_adparams_set_valid(void **state)
{
    struct adparams p;
    char err[256];
    (void)state;
    adparams_init(&p);
    assert_int_equal(set(&p, "ifa", "6D92078A-8246-4BA4-AE5B-76104861E7DC"), 0);
    assert_int_equal(set(&p, "ifa_type", "rida"), 0);
    assert_int_equal(set(&p, "ua", "Roku/DVP-9.10 (519.10E04111A)"), 0);
    assert_int_equal(set(&p, "ip", "203.0.113.7"), 0);
    assert_int_equal(set(&p, "country", "us"), 0);
    assert_int_equal(set(&p, "region", "US-NY"), 0);
    assert_int_equal(set(&p, "dma", "501"), 0);
    assert_int_equal(set(&p, "device_type", "ctv"), 0);
    assert_int_equal(set(&p, "os", "roku"), 0);
    assert_int_equal(set(&p, "app_bundle", "com.example.tv"), 0);
    assert_int_equal(set(&p, "app_name", "Example TV \xc3\xa9"), 0);
    assert_int_equal(set(&p, "content_genre", "sports"), 0);
    assert_int_equal(set(&p, "content_rating", "TV-PG"), 0);
    assert_int_equal(set(&p, "content_category", "IAB17"), 0);
    assert_int_equal(set(&p, "livestream", "1"), 0);
    assert_int_equal(set(&p, "us_privacy", "1YNN"), 0);
    assert_int_equal(set(&p, "gdpr", "0"), 0);
    assert_int_equal(set(&p, "gdpr_consent", "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA"), 0);
    assert_int_equal(set(&p, "pod_max_ads", "4"), 0);
    assert_int_equal(set(&p, "pod_duration", "60"), 0);
    assert_int_equal(set(&p, "min_ad_duration", "5"), 0);
    assert_int_equal(set(&p, "max_ad_duration", "30"), 0);
    assert_int_equal(set(&p, "vast_version", "3.0"), 0);
    assert_int_equal(set(&p, "campaign_id", "123e4567-e89b-42d3-a456-426614174000"), 0);
    assert_int_equal(set(&p, "cb", "anything <goes> here"), 0); /* unknown: ignored */
    assert_int_equal(adparams_finish(&p, err, sizeof(err)), 0);
    assert_string_equal(p.t.country, "us");
    assert_string_equal(p.t.ip, "203.0.113.7");
    assert_int_equal(p.t.livestream, TARGETING_LIVE_YES);
    assert_int_equal(p.version, VAST_3_0);
    assert_int_equal(p.pod.max_ads, 4);
    assert_int_equal(p.pod.duration_s, 60);
    assert_int_equal(p.pod.min_ad_s, 5);
    assert_int_equal(p.pod.max_ad_s, 30);
}

static void test_adparams_set_rejects(void **state)
{
    static const char *const bad[][2] = {
        {"country", "USA"},        {"country", "1a"},          {"region", "NY"},
        {"region", "US_NY"},       {"dma", "50"},              {"dma", "5012"},
        {"ip", "300.1.1.1"},       {"ip", "localhost"},        {"ifa", "a b"},
        {"ifa_type", "x/y"},       {"ua", "a\nb"},             {"ua", "\xff"},
        {"device_type", "c t v"},  {"os", "<roku>"},           {"livestream", "yes"},
        {"gdpr", "2"},             {"lmt", "-1"},              {"us_privacy", "2YNN"},
        {"us_privacy", "1YN"},     {"pod_max_ads", "0"},       {"pod_max_ads", "11"},
        {"pod_max_ads", "+3"},     {"pod_max_ads", "3.5"},     {"pod_duration", "601"},
        {"min_ad_duration", "0"},  {"max_ad_duration", "1e3"}, {"vast_version", "2.0"},
        {"vast_version", "4"},     {"campaign_id", "nope"},    {"content_duration", "0"},
        {"content_duration", "86401"}, {"midrolls", "30,20"},  {"midrolls", "30,"},
        {"midrolls", "a"},         {"midroll_every", "10"},    {"break_source", "both"},
        {"preroll", "maybe"},      {"app_name", "a\x01"},     {"content_rating", "TV PG"},
    };
    char err[256];
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct adparams p;
        adparams_init(&p);
        err[0] = '\0';
        if (adparams_set(&p, bad[i][0], bad[i][1], err, sizeof(err)) != -1)
            fail_msg("%s=%s accepted", bad[i][0], bad[i][1]);
        assert_non_null(strstr(err, bad[i][0]));
        assert_string_equal(p.bad, bad[i][0]);
    }
}

static void test_adparams_set_lengths(void **state)
{
    char big[3000];
    struct adparams p;
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    adparams_init(&p);
    big[128] = '\0';
    assert_int_equal(set(&p, "ifa", big), 0);
    big[128] = 'a';
    adparams_init(&p);
    big[129] = '\0';
    assert_int_equal(set(&p, "ifa", big), -1);
    adparams_init(&p);
    big[513] = '\0';
    big[129] = 'a';
    assert_int_equal(set(&p, "ua", big), -1);
}

static void test_adparams_set_macros_absent(void **state)
{
    struct adparams p;
    (void)state;
    adparams_init(&p);
    assert_int_equal(set(&p, "ifa", "[IFA]"), 0);
    assert_int_equal(set(&p, "content_duration", "[CONTENT_DURATION]"), 0);
    assert_int_equal(set(&p, "gdpr", "{GDPR}"), 0);
    assert_int_equal(set(&p, "ip", "%%IP%%"), 0);
    assert_int_equal(set(&p, "dma", "$DMA"), 0);
    assert_int_equal(set(&p, "country", ""), 0);
    assert_int_equal(set(&p, "os", NULL), 0);
    assert_null(p.t.ifa);
    assert_null(p.t.ip);
    assert_int_equal(p.gdpr, -1);
    assert_int_equal(p.content_duration, 0);
}

static void test_adparams_set_duplicates_and_count(void **state)
{
    struct adparams p;
    char err[256];
    (void)state;
    adparams_init(&p);
    assert_int_equal(set(&p, "country", "US"), 0);
    assert_int_equal(adparams_set(&p, "country", "CA", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "more than once"));
    adparams_init(&p);
    for (int i = 0; i < ADPARAMS_MAX_ARGS; i++)
        assert_int_equal(set(&p, "cb", "1"), 0);
    assert_int_equal(set(&p, "cb", "1"), -1);
}

static void test_adparams_finish_rules(void **state)
{
    struct adparams p;
    char err[256];
    (void)state;
    adparams_init(&p);
    set(&p, "min_ad_duration", "30");
    set(&p, "max_ad_duration", "15");
    assert_int_equal(adparams_finish(&p, err, sizeof(err)), -1);
    assert_string_equal(p.bad, "min_ad_duration");

    adparams_init(&p);
    set(&p, "midroll_every", "600");
    assert_int_equal(adparams_finish(&p, err, sizeof(err)), -1);

    adparams_init(&p);
    set(&p, "midroll_every", "600");
    set(&p, "content_duration", "1800");
    assert_int_equal(adparams_finish(&p, err, sizeof(err)), 0);
    assert_int_equal(p.n_midrolls, 2);
    assert_int_equal(p.midrolls[0], 600);
    assert_int_equal(p.midrolls[1], 1200);

    adparams_init(&p);
    set(&p, "midroll_every", "30");
    set(&p, "content_duration", "3600");
    assert_int_equal(adparams_finish(&p, err, sizeof(err)), -1); /* 119 breaks */

    adparams_init(&p);
    set(&p, "midrolls", "300,900");
    set(&p, "content_duration", "600");
    assert_int_equal(adparams_finish(&p, err, sizeof(err)), -1);

    adparams_init(&p);
    set(&p, "pod_duration", "90");
    assert_int_equal(adparams_finish(&p, err, sizeof(err)), 0);
    assert_int_equal(p.pod.max_ads, ADPARAMS_MAX_POD_ADS);
}

static void test_adparams_device_proxies(void **state)
{
    struct adparams_proxies px;
    struct adparams p;
    char err[256];
    (void)state;
    assert_int_equal(adparams_proxies_parse(&px, "10.0.0.0/8, 192.0.2.1,2001:db8::/32", err,
                                            sizeof(err)),
                     0);
    assert_int_equal(px.n, 3);
    assert_true(adparams_proxies_has(&px, "10.1.2.3"));
    assert_true(adparams_proxies_has(&px, "::ffff:10.1.2.3"));
    assert_true(adparams_proxies_has(&px, "192.0.2.1"));
    assert_false(adparams_proxies_has(&px, "192.0.2.2"));
    assert_true(adparams_proxies_has(&px, "2001:db8::5"));
    assert_false(adparams_proxies_has(&px, "2001:db9::5"));
    assert_int_equal(adparams_proxies_parse(&px, "10.0.0.0/33", err, sizeof(err)), -1);
    assert_int_equal(adparams_proxies_parse(&px, "nope", err, sizeof(err)), -1);
    assert_int_equal(adparams_proxies_parse(&px, "10.0.0.0/8", err, sizeof(err)), 0);

    /* Trusted peer: X-Device-IP and X-Device-User-Agent win. */
    adparams_init(&p);
    adparams_device(&p, &px, "10.0.0.9", "SSAI/1.0", "198.51.100.1", "203.0.113.5", "Roku/9");
    assert_string_equal(p.t.ip, "203.0.113.5");
    assert_string_equal(p.t.ua, "Roku/9");
    /* Trusted peer, X-Forwarded-For only: right-most untrusted address. */
    adparams_init(&p);
    adparams_device(&p, &px, "10.0.0.9", "SSAI/1.0", "1.1.1.1, 198.51.100.1, 10.0.0.7", NULL,
                    NULL);
    assert_string_equal(p.t.ip, "198.51.100.1");
    assert_string_equal(p.t.ua, "SSAI/1.0");
    /* Untrusted peer: headers ignored. */
    adparams_init(&p);
    adparams_device(&p, &px, "198.51.100.9", "Player/2", "1.1.1.1", "203.0.113.5", "Roku/9");
    assert_string_equal(p.t.ip, "198.51.100.9");
    assert_string_equal(p.t.ua, "Player/2");
    /* Query values win over everything. */
    adparams_init(&p);
    assert_int_equal(set(&p, "ip", "192.0.2.55"), 0);
    assert_int_equal(set(&p, "ua", "Query/1"), 0);
    adparams_device(&p, &px, "10.0.0.9", "SSAI/1.0", NULL, "203.0.113.5", "Roku/9");
    assert_string_equal(p.t.ip, "192.0.2.55");
    assert_string_equal(p.t.ua, "Query/1");
    /* A malformed header from a trusted peer is ignored. */
    adparams_init(&p);
    adparams_device(&p, &px, "10.0.0.9", NULL, "junk", "not-an-ip", "bad\x01ua");
    assert_string_equal(p.t.ip, "10.0.0.9");
    assert_null(p.t.ua);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adparams_set_defaults),
        cmocka_unit_test(test_adparams_set_valid),
        cmocka_unit_test(test_adparams_set_rejects),
        cmocka_unit_test(test_adparams_set_lengths),
        cmocka_unit_test(test_adparams_set_macros_absent),
        cmocka_unit_test(test_adparams_set_duplicates_and_count),
        cmocka_unit_test(test_adparams_finish_rules),
        cmocka_unit_test(test_adparams_device_proxies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
