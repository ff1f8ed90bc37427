/*
 * Unit tests for adserverd/beacon_record: a signed beacon and a
 * track-impression record survive encode/decode field by field, event ids
 * have their documented shapes, and truncated, extended or out-of-range
 * input is refused (the drain dead-letters what fails here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "beacon/beacon_record.h"

static void fill_beacon(struct beacon_record *r)
{
    memset(r, 0, sizeof(*r));
    r->source = BEACON_SRC_BEACON;
    r->type = TRACKURL_COMPLETE;
    memcpy(r->id, "0123456789abcdef", 16);
    r->received_ms = 1765000000123;
    strcpy(r->ad_serving_id, "0b8e6c4e-2f0a-4c1e-9a57-4a1d2b3c4d5e");
    r->issued_at = 1765000000;
    memset(r->cap_key, 0xab, sizeof(r->cap_key));
    r->price_micros = 12345;
    r->error_code = -1;
    r->playhead_ms = 15000;
    r->s[BEACON_S_CAMPAIGN] = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
    r->slen[BEACON_S_CAMPAIGN] = 36;
    r->s[BEACON_S_USER_AGENT] = "Roku/DVP-9.10 (519.10E04111A)";
    r->slen[BEACON_S_USER_AGENT] = (uint16_t)strlen(r->s[BEACON_S_USER_AGENT]);
}

static void test_beacon_record_round_trip(void **state)
{
    struct beacon_record r, d;
    unsigned char buf[BEACON_RECORD_MAX];
    size_t n;
    char id[64];

    (void)state;
    fill_beacon(&r);
    n = beacon_record_encode(&r, buf);
    assert_true(n > 0);
    assert_int_equal(beacon_record_decode(buf, n, &d), 0);
    assert_int_equal(d.source, BEACON_SRC_BEACON);
    assert_int_equal(d.type, TRACKURL_COMPLETE);
    assert_memory_equal(d.id, r.id, 16);
    assert_true(d.received_ms == r.received_ms);
    assert_string_equal(d.ad_serving_id, r.ad_serving_id);
    assert_true(d.issued_at == r.issued_at && d.price_micros == 12345 && d.playhead_ms == 15000);
    assert_int_equal(d.error_code, -1);
    assert_memory_equal(d.cap_key, r.cap_key, 16);
    assert_int_equal(d.slen[BEACON_S_CAMPAIGN], 36);
    assert_memory_equal(d.s[BEACON_S_CAMPAIGN], r.s[BEACON_S_CAMPAIGN], 36);
    assert_int_equal(d.slen[BEACON_S_CREATIVE], 0);
    beacon_record_event_id(&d, id);
    assert_string_equal(id, "0b8e6c4e-2f0a-4c1e-9a57-4a1d2b3c4d5e:complete");
}

static void test_beacon_record_unsigned_event_id(void **state)
{
    struct beacon_record r;
    char id[64];

    (void)state;
    memset(&r, 0, sizeof(r));
    r.source = BEACON_SRC_TRACK;
    memset(r.id, 0x5a, 16);
    beacon_record_event_id(&r, id);
    assert_string_equal(id, "r:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
}

static void test_beacon_record_rejects_malformed(void **state)
{
    struct beacon_record r, d;
    unsigned char buf[BEACON_RECORD_MAX + 1];
    size_t n;

    (void)state;
    fill_beacon(&r);
    n = beacon_record_encode(&r, buf);
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(beacon_record_decode(buf, cut, &d), -1);
    buf[n] = 0;
    assert_int_equal(beacon_record_decode(buf, n + 1, &d), -1); /* trailing byte */
    buf[0] = 2;
    assert_int_equal(beacon_record_decode(buf, n, &d), -1); /* unknown version */
    buf[0] = 1;
    buf[2] = TRACKURL_TYPE_COUNT;
    assert_int_equal(beacon_record_decode(buf, n, &d), -1); /* event out of range */
    /* a string longer than the bound does not encode */
    fill_beacon(&r);
    r.slen[BEACON_S_USER_AGENT] = BEACON_STR_MAX + 1;
    assert_int_equal(beacon_record_encode(&r, buf), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beacon_record_round_trip),
        cmocka_unit_test(test_beacon_record_unsigned_event_id),
        cmocka_unit_test(test_beacon_record_rejects_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
