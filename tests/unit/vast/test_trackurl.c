/*
 * Unit tests of trackurl: the URL format (against a vector computed outside
 * this code, with Python's hmac and base64), round trips for every event,
 * tampering, expiry, malformed input and the unsigned player macros.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vast/trackurl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN (sizeof(key) - 1)
#define T0 INT64_C(1735689600) /* 2025-01-01T00:00:00Z */
#define DAY INT64_C(86400)

/* Python: d = b64url(payload), s = b64url(HMAC-SHA256(key, d)[:16]), no padding. */
static const char vector[] =
    "https://ads.example.com/t/start?"
    "d=AQEAAAAAZ3SFgBI-RWfom0LTpFZCZhQXQAARERERIiJDM4REVVVVVVVVqqqqqru7TMyN3e7u7u7u7gABAgMEBQYHCAkK"
    "CwwNDg8AAAAAAAAJxA&s=G0FLo9KvybNuIxI5mjn2Vw&cp=[CONTENTPLAYHEAD]";

static void event_init(struct trackurl_event *ev, enum trackurl_type type)
{
    size_t i;

    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    strcpy(ev->ad_serving_id, "123e4567-e89b-42d3-a456-426614174000");
    strcpy(ev->campaign_id, "11111111-2222-4333-8444-555555555555");
    strcpy(ev->creative_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    ev->issued_at = T0;
    for (i = 0; i < TRACKURL_CAP_KEY_LEN; i++)
        ev->cap_key[i] = (unsigned char)i;
    ev->price_micros = 2500;
}

/* The path and query of a URL under https://ads.example.com. */
static const char *path_of(const char *url)
{
    const char *p = strstr(url, "://");

    assert_non_null(p);
    p = strchr(p + 3, '/');
    assert_non_null(p);
    return p;
}

static char *sign_ok(const struct trackurl_event *ev, const char *base)
{
    char *url = NULL;

    assert_int_equal(trackurl_sign(key, KEYLEN, ev, base, &url), 0);
    assert_non_null(url);
    return url;
}

static enum trackurl_result verify(const char *pq, int64_t now, struct trackurl_event *out)
{
    return trackurl_verify(key, KEYLEN, pq, now, DAY, out);
}

static void test_trackurl_sign_matches_vector(void **state)
{
    struct trackurl_event ev;
    char *url;

    (void)state;
    event_init(&ev, TRACKURL_START);
    url = sign_ok(&ev, "https://ads.example.com");
    assert_string_equal(url, vector);
    free(url);
    /* One trailing slash of the base is dropped; same URL. */
    url = sign_ok(&ev, "https://ads.example.com/");
    assert_string_equal(url, vector);
    free(url);
}

static void test_trackurl_verify_vector(void **state)
{
    struct trackurl_event out;

    (void)state;
    memset(&out, 0x5a, sizeof(out));
    assert_int_equal(verify(path_of(vector), T0 + 10, &out), TRACKURL_OK);
    assert_int_equal(out.type, TRACKURL_START);
    assert_string_equal(out.ad_serving_id, "123e4567-e89b-42d3-a456-426614174000");
    assert_string_equal(out.campaign_id, "11111111-2222-4333-8444-555555555555");
    assert_string_equal(out.creative_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    assert_true(out.issued_at == T0);
    assert_true(out.price_micros == 2500);
    assert_int_equal(out.cap_key[0], 0);
    assert_int_equal(out.cap_key[15], 15);
    /* Unreplaced macro: nothing read from it. */
    assert_true(out.content_playhead_ms == -1);
    assert_int_equal(out.error_code, -1);
}

static void test_trackurl_sign_verify_every_event(void **state)
{
    int t;

    (void)state;
    for (t = 0; t < TRACKURL_TYPE_COUNT; t++) {
        struct trackurl_event ev, out;
        char prefix[128];
        char *url;

        event_init(&ev, (enum trackurl_type)t);
        /* Upper-case ids are accepted and read back in lower case. */
        strcpy(ev.campaign_id, "ABCDEF00-2222-4333-8444-555555555555");
        ev.price_micros = INT64_MAX;
        ev.issued_at = T0 + t;
        url = sign_ok(&ev, "http://127.0.0.1:8080/ad");
        snprintf(prefix, sizeof(prefix),
                 "http://127.0.0.1:8080/ad/t/%s?d=", trackurl_type_name((enum trackurl_type)t));
        assert_memory_equal(url, prefix, strlen(prefix));
        assert_int_equal(strstr(url, "&e=[ERRORCODE]") != NULL,
                         t == TRACKURL_ERROR || t == TRACKURL_NOFILL);
        assert_int_equal(strstr(url, "&cp=[CONTENTPLAYHEAD]") != NULL, t != TRACKURL_NOFILL);
        assert_int_equal(verify(path_of(url), T0, &out), TRACKURL_OK);
        assert_int_equal(out.type, t);
        assert_string_equal(out.campaign_id, "abcdef00-2222-4333-8444-555555555555");
        assert_true(out.price_micros == INT64_MAX);
        assert_true(out.issued_at == T0 + t);
        free(url);
    }
}

static void test_trackurl_type_names(void **state)
{
    enum trackurl_type t;

    (void)state;
    assert_string_equal(trackurl_type_name(TRACKURL_FIRST_QUARTILE), "firstQuartile");
    assert_string_equal(trackurl_type_name(TRACKURL_NOFILL), "noFill");
    assert_null(trackurl_type_name((enum trackurl_type)TRACKURL_TYPE_COUNT));
    assert_int_equal(trackurl_type_parse("thirdQuartile", 13, &t), 0);
    assert_int_equal(t, TRACKURL_THIRD_QUARTILE);
    assert_int_equal(trackurl_type_parse("thirdquartile", 13, &t), -1);
    assert_int_equal(trackurl_type_parse("start", 4, &t), -1);
    assert_int_equal(trackurl_type_parse("", 0, &t), -1);
}

/* Any change to the path's event, d or s is refused. */
static void test_trackurl_verify_rejects_tampering(void **state)
{
    struct trackurl_event out;
    char pq[512];
    size_t i, start, end;

    (void)state;
    snprintf(pq, sizeof(pq), "%s", path_of(vector));
    start = (size_t)(strstr(pq, "d=") - pq) + 2;
    end = (size_t)(strstr(pq, "&cp=") - pq);
    for (i = start; i < end; i++) {
        char saved = pq[i];
        enum trackurl_result r;

        if (saved == '&' || saved == '=' || pq[i - 1] == '&')
            continue; /* the separators and the name "s" */
        pq[i] = saved == 'A' ? 'B' : 'A';
        r = verify(pq, T0, &out);
        if (r != TRACKURL_BAD_SIGNATURE)
            fail_msg("byte %zu changed: result %d", i, (int)r);
        pq[i] = saved;
    }
    assert_int_equal(verify(pq, T0, &out), TRACKURL_OK);

    /* The path's event is not signed but must match the signed one. */
    snprintf(pq, sizeof(pq), "/t/click%s", strchr(vector, '?'));
    assert_int_equal(verify(pq, T0, &out), TRACKURL_BAD_SIGNATURE);
    /* Another key. */
    assert_int_equal(trackurl_verify((const unsigned char *)"another key, 16+ bytes", 22,
                                     path_of(vector), T0, DAY, &out),
                     TRACKURL_BAD_SIGNATURE);
    /* A key below the minimum never verifies anything. */
    assert_int_equal(trackurl_verify(key, TRACKURL_KEY_MIN - 1, path_of(vector), T0, DAY, &out),
                     TRACKURL_BAD_SIGNATURE);
    /* No signature, a padded one, a truncated one. */
    snprintf(pq, sizeof(pq), "%s", path_of(vector));
    *strstr(pq, "&s=") = '\0';
    assert_int_equal(verify(pq, T0, &out), TRACKURL_BAD_SIGNATURE);
    snprintf(pq, sizeof(pq), "%s", path_of(vector));
    memcpy(strstr(pq, "&cp="), "==", 2);
    assert_int_equal(verify(pq, T0, &out), TRACKURL_BAD_SIGNATURE);
}

static void test_trackurl_verify_expiry_window(void **state)
{
    struct trackurl_event out;
    const char *pq = path_of(vector);

    (void)state;
    assert_int_equal(verify(pq, T0, &out), TRACKURL_OK);
    assert_int_equal(verify(pq, T0 + DAY, &out), TRACKURL_OK);
    assert_int_equal(verify(pq, T0 + DAY + 1, &out), TRACKURL_EXPIRED);
    assert_int_equal(verify(pq, T0 - TRACKURL_SKEW_S, &out), TRACKURL_OK);
    assert_int_equal(verify(pq, T0 - TRACKURL_SKEW_S - 1, &out), TRACKURL_EXPIRED);
    assert_int_equal(verify(pq, INT64_MIN, &out), TRACKURL_EXPIRED);
    assert_int_equal(verify(pq, INT64_MAX, &out), TRACKURL_EXPIRED);
    assert_int_equal(trackurl_verify(key, KEYLEN, pq, T0, -1, &out), TRACKURL_EXPIRED);
    assert_int_equal(trackurl_verify(key, KEYLEN, pq, T0 + 5, 5, &out), TRACKURL_OK);
    assert_int_equal(trackurl_verify(key, KEYLEN, pq, T0 + 6, 5, &out), TRACKURL_EXPIRED);
}

static void test_trackurl_verify_malformed(void **state)
{
    struct trackurl_event out;
    const char *q = strchr(vector, '?');
    char pq[4096];

    (void)state;
    memset(&out, 0x5a, sizeof(out));
    assert_int_equal(verify("", T0, &out), TRACKURL_MALFORMED);
    assert_int_equal(verify(NULL, T0, &out), TRACKURL_MALFORMED);
    assert_int_equal(verify("/t/start", T0, &out), TRACKURL_MALFORMED);
    assert_int_equal(verify("/t/start?", T0, &out), TRACKURL_MALFORMED);
    snprintf(pq, sizeof(pq), "/x/start%s", q);
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    snprintf(pq, sizeof(pq), "/t/Start%s", q);
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    snprintf(pq, sizeof(pq), "t/start%s", q);
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    snprintf(pq, sizeof(pq), "/t/start/%s", q);
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    /* d twice, d truncated, d missing. */
    snprintf(pq, sizeof(pq), "/t/start%s&d=x", q);
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    snprintf(pq, sizeof(pq), "/t/start?d=AQEA&s=G0FLo9KvybNuIxI5mjn2Vw");
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    assert_int_equal(verify("/t/start?s=G0FLo9KvybNuIxI5mjn2Vw", T0, &out), TRACKURL_MALFORMED);
    /* Seventeen parameters. */
    snprintf(pq, sizeof(pq), "/t/start%s&a&b&c&d1&e1&f&g&h&i&j&k&l&m&n", q);
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    /* Longer than TRACKURL_INPUT_MAX, even though it starts well. */
    snprintf(pq, sizeof(pq), "/t/start%s&pad=", q);
    memset(pq + strlen(pq), 'x', TRACKURL_INPUT_MAX);
    pq[TRACKURL_INPUT_MAX + 1] = '\0';
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    /* Nothing written on failure. */
    assert_int_equal(out.error_code, 0x5a5a5a5a);
}

static void test_trackurl_verify_reads_player_macros(void **state)
{
    struct trackurl_event ev, out;
    char pq[1024];
    char *url, *macro;

    (void)state;
    event_init(&ev, TRACKURL_ERROR);
    url = sign_ok(&ev, "https://ads.example.com");
    macro = strstr(url, "&e=[ERRORCODE]");
    assert_non_null(macro);
    *macro = '\0';

    snprintf(pq, sizeof(pq), "%s&e=405&cp=00:01:02.345", path_of(url));
    assert_int_equal(verify(pq, T0, &out), TRACKURL_OK);
    assert_int_equal(out.error_code, 405);
    assert_true(out.content_playhead_ms == 62345);

    /* Percent-encoded as vast-client sends them, plus a cache buster. */
    snprintf(pq, sizeof(pq), "%s&cb=123&e=%%34%%30%%33&cp=01%%3A00%%3A00", path_of(url));
    assert_int_equal(verify(pq, T0, &out), TRACKURL_OK);
    assert_int_equal(out.error_code, 403);
    assert_true(out.content_playhead_ms == 3600000);

    /* Unreplaced or junk values are unknown, not failures. */
    const char *junk[] = {"e=[ERRORCODE]&cp=[CONTENTPLAYHEAD]",
                          "e=&cp=",
                          "e=-1&cp=-1",
                          "e=1234567&cp=00:00:60",
                          "e=40x&cp=00:00:01.5",
                          "e=%zz&cp=%00",
                          "e=4%00&cp=00:60:00.000"};
    size_t i;

    for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        snprintf(pq, sizeof(pq), "%s&%s", path_of(url), junk[i]);
        assert_int_equal(verify(pq, T0, &out), TRACKURL_OK);
        assert_int_equal(out.error_code, -1);
        assert_true(out.content_playhead_ms == -1);
    }
    /* A repeated macro parameter is not ours. */
    snprintf(pq, sizeof(pq), "%s&e=1&e=2", path_of(url));
    assert_int_equal(verify(pq, T0, &out), TRACKURL_MALFORMED);
    free(url);
}

static void test_trackurl_sign_rejects_bad_input(void **state)
{
    static const char *const bad_bases[] = {
        "ftp://ads.example.com",
        "https://",
        "http:///",
        "https://ads.example.com/?x=1",
        "https://ads.example.com/#f",
        "https://ads example.com",
        "https://ads.example.com/\"",
        "https://ads.example.com/<",
        "ads.example.com",
        "",
    };
    struct trackurl_event ev;
    char *url = (char *)"untouched";
    char long_base[TRACKURL_BASE_MAX + 2];
    size_t i;

    (void)state;
    event_init(&ev, TRACKURL_IMPRESSION);
    for (i = 0; i < sizeof(bad_bases) / sizeof(bad_bases[0]); i++) {
        if (trackurl_sign(key, KEYLEN, &ev, bad_bases[i], &url) != -1)
            fail_msg("base accepted: %s", bad_bases[i]);
    }
    memcpy(long_base, "https://", 8);
    memset(long_base + 8, 'a', sizeof(long_base) - 9);
    long_base[sizeof(long_base) - 1] = '\0';
    assert_int_equal(trackurl_sign(key, KEYLEN, &ev, long_base, &url), -1);
    long_base[sizeof(long_base) - 2] = '\0'; /* exactly TRACKURL_BASE_MAX */
    assert_int_equal(trackurl_sign(key, KEYLEN, &ev, long_base, &url), 0);
    free(url);
    url = (char *)"untouched";

    assert_int_equal(trackurl_sign(key, TRACKURL_KEY_MIN - 1, &ev, "https://a.example", &url), -1);
    assert_int_equal(trackurl_sign(NULL, KEYLEN, &ev, "https://a.example", &url), -1);
    ev.issued_at = -1;
    assert_int_equal(trackurl_sign(key, KEYLEN, &ev, "https://a.example", &url), -1);
    event_init(&ev, TRACKURL_IMPRESSION);
    ev.price_micros = -1;
    assert_int_equal(trackurl_sign(key, KEYLEN, &ev, "https://a.example", &url), -1);
    event_init(&ev, (enum trackurl_type)TRACKURL_TYPE_COUNT);
    assert_int_equal(trackurl_sign(key, KEYLEN, &ev, "https://a.example", &url), -1);
    event_init(&ev, TRACKURL_IMPRESSION);
    strcpy(ev.creative_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee"); /* 35 characters */
    assert_int_equal(trackurl_sign(key, KEYLEN, &ev, "https://a.example", &url), -1);
    strcpy(ev.creative_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeeg");
    assert_int_equal(trackurl_sign(key, KEYLEN, &ev, "https://a.example", &url), -1);
    strcpy(ev.creative_id, "aaaaaaaabbbb-4ccc-8ddd-eeeeeeeeeeee0");
    assert_int_equal(trackurl_sign(key, KEYLEN, &ev, "https://a.example", &url), -1);
    assert_string_equal(url, "untouched");
}

/* A no-fill has no campaign or creative: the nil UUID stands in. */
static void test_trackurl_nofill_with_nil_ids(void **state)
{
    struct trackurl_event ev, out;
    char *url;

    (void)state;
    event_init(&ev, TRACKURL_NOFILL);
    strcpy(ev.campaign_id, "00000000-0000-0000-0000-000000000000");
    strcpy(ev.creative_id, "00000000-0000-0000-0000-000000000000");
    memset(ev.cap_key, 0, sizeof(ev.cap_key));
    ev.price_micros = 0;
    url = sign_ok(&ev, "https://ads.example.com/");
    assert_non_null(strstr(url, "/t/noFill?d="));
    assert_int_equal(verify(path_of(url), T0, &out), TRACKURL_OK);
    assert_string_equal(out.campaign_id, "00000000-0000-0000-0000-000000000000");
    assert_true(out.price_micros == 0);
    free(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trackurl_sign_matches_vector),
        cmocka_unit_test(test_trackurl_verify_vector),
        cmocka_unit_test(test_trackurl_sign_verify_every_event),
        cmocka_unit_test(test_trackurl_type_names),
        cmocka_unit_test(test_trackurl_verify_rejects_tampering),
        cmocka_unit_test(test_trackurl_verify_expiry_window),
        cmocka_unit_test(test_trackurl_verify_malformed),
        cmocka_unit_test(test_trackurl_verify_reads_player_macros),
        cmocka_unit_test(test_trackurl_sign_rejects_bad_input),
        cmocka_unit_test(test_trackurl_nofill_with_nil_ids),
    };
    return cmocka_run_group_tests_name("trackurl", tests, NULL, NULL);
}
