/*
 * beacon_record: see beacon_record.h. Layout (version 1):
 *   u8 version, u8 source, u8 type, u8 invalid, id[16], i64 received_ms,
 *   asid[36] (text, zero when none), i64 issued_at, cap_key[16],
 *   i64 price_micros, i32 error_code, i64 playhead_ms,
 *   then BEACON_S_COUNT strings: u16 length, bytes.
 */
#include "beacon/beacon_record.h"
#include "lib/hexcode.h"

#include <stdio.h>
#include <string.h>

#define FIXED (4 + 16 + 8 + 36 + 8 + TRACKURL_CAP_KEY_LEN + 8 + 4 + 8)

static void put64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static int64_t get64(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    return (int64_t)u;
}

void beacon_record_set_str(struct beacon_record *r, enum beacon_str i, const char *s)
{
    size_t n;

    if (s == NULL)
        return;
    n = strlen(s);
    if (n > BEACON_STR_MAX)
        n = BEACON_STR_MAX;
    r->s[i] = s;
    r->slen[i] = (uint16_t)n;
}

size_t beacon_record_encode(const struct beacon_record *r, unsigned char *out)
{
    size_t n = 0;
    size_t asl = strlen(r->ad_serving_id);

    if ((unsigned)r->source > BEACON_SRC_INVALID || (unsigned)r->type >= TRACKURL_TYPE_COUNT ||
        (unsigned)r->invalid > TRACKURL_MALFORMED || (asl != 0 && asl != 36))
        return 0;
    out[n++] = BEACON_RECORD_VERSION;
    out[n++] = (unsigned char)r->source;
    out[n++] = (unsigned char)r->type;
    out[n++] = (unsigned char)r->invalid;
    memcpy(out + n, r->id, 16);
    n += 16;
    put64(out + n, r->received_ms);
    n += 8;
    memset(out + n, 0, 36);
    memcpy(out + n, r->ad_serving_id, asl);
    n += 36;
    put64(out + n, r->issued_at);
    n += 8;
    memcpy(out + n, r->cap_key, TRACKURL_CAP_KEY_LEN);
    n += TRACKURL_CAP_KEY_LEN;
    put64(out + n, r->price_micros);
    n += 8;
    put64(out + n, (int64_t)r->error_code); /* only 4 bytes kept */
    n += 4;
    put64(out + n, r->playhead_ms);
    n += 8;
    for (int i = 0; i < BEACON_S_COUNT; i++) {
        size_t l = r->s[i] != NULL ? r->slen[i] : 0;
        if (l > BEACON_STR_MAX || n + 2 + l > BEACON_RECORD_MAX)
            return 0;
        out[n++] = (unsigned char)(l & 0xff);
        out[n++] = (unsigned char)(l >> 8);
        if (l > 0)
            memcpy(out + n, r->s[i], l);
        n += l;
    }
    return n;
}

int beacon_record_decode(const unsigned char *in, size_t len, struct beacon_record *r)
{
    struct beacon_record t;
    size_t n = 0;

    if (len < FIXED || in[0] != BEACON_RECORD_VERSION || in[1] > BEACON_SRC_INVALID ||
        in[2] >= TRACKURL_TYPE_COUNT || in[3] > TRACKURL_MALFORMED)
        return -1;
    memset(&t, 0, sizeof(t));
    t.source = (enum beacon_source)in[1];
    t.type = (enum trackurl_type)in[2];
    t.invalid = (enum trackurl_result)in[3];
    n = 4;
    memcpy(t.id, in + n, 16);
    n += 16;
    t.received_ms = get64(in + n);
    n += 8;
    memcpy(t.ad_serving_id, in + n, 36);
    t.ad_serving_id[36] = '\0';
    if (t.ad_serving_id[0] == '\0') {
        /* none: all 36 bytes zero, so the record has one encoding */
        for (int i = 0; i < 36; i++)
            if (in[n + (size_t)i] != 0)
                return -1;
    } else if (strlen(t.ad_serving_id) != 36) {
        return -1;
    }
    for (size_t i = 0; t.ad_serving_id[i] != '\0'; i++) {
        char c = t.ad_serving_id[i];
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    n += 36;
    t.issued_at = get64(in + n);
    n += 8;
    memcpy(t.cap_key, in + n, TRACKURL_CAP_KEY_LEN);
    n += TRACKURL_CAP_KEY_LEN;
    t.price_micros = get64(in + n);
    n += 8;
    t.error_code = (int32_t)((uint32_t)in[n] | (uint32_t)in[n + 1] << 8 |
                             (uint32_t)in[n + 2] << 16 | (uint32_t)in[n + 3] << 24);
    n += 4;
    t.playhead_ms = get64(in + n);
    n += 8;
    if (t.price_micros < 0)
        return -1;
    for (int i = 0; i < BEACON_S_COUNT; i++) {
        size_t l;
        if (len - n < 2)
            return -1;
        l = (size_t)in[n] | (size_t)in[n + 1] << 8;
        n += 2;
        if (l > BEACON_STR_MAX || len - n < l)
            return -1;
        t.s[i] = (const char *)in + n;
        t.slen[i] = (uint16_t)l;
        n += l;
    }
    if (n != len)
        return -1;
    if (t.source == BEACON_SRC_BEACON && t.ad_serving_id[0] == '\0')
        return -1;
    *r = t;
    return 0;
}

void beacon_record_event_id(const struct beacon_record *r, char out[64])
{
    if (r->source == BEACON_SRC_BEACON) {
        snprintf(out, 64, "%s:%s", r->ad_serving_id, trackurl_type_name(r->type));
        return;
    }
    out[0] = 'r';
    out[1] = ':';
    hex_encode(r->id, 16, out + 2);
}
