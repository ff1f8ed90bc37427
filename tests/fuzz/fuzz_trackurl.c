/*
 * Fuzz target for adserverd/trackurl. The first byte picks a mode:
 *
 *   even: trackurl_verify() on the rest as a path and query. It must not
 *         crash or read past the input; when it accepts (seeds in
 *         tests/fuzz/corpus/trackurl are valid URLs under this key, so
 *         mutations of their unsigned parts can be accepted) the event must
 *         sign again to the very payload the input carried: one encoding
 *         per event.
 *   odd:  an event built from the rest is signed, must verify to the same
 *         fields, and must stop verifying when any byte of "/t/<event>?d=..
 *         &s=.." is changed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vast/trackurl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[] = "fuzz key: thirty-two bytes long!";
#define KEYLEN (sizeof(key) - 1)
#define NOW INT64_C(1735689600)
#define BASE "https://ads.example.com/p"
#define ORIGIN_LEN (sizeof("https://ads.example.com") - 1)

static void same_event(const struct trackurl_event *a, const struct trackurl_event *b)
{
    if (a->type != b->type || a->issued_at != b->issued_at || a->price_micros != b->price_micros ||
        strcmp(a->ad_serving_id, b->ad_serving_id) != 0 ||
        strcmp(a->campaign_id, b->campaign_id) != 0 ||
        strcmp(a->creative_id, b->creative_id) != 0 ||
        memcmp(a->cap_key, b->cap_key, TRACKURL_CAP_KEY_LEN) != 0)
        abort();
}

/* Abort unless hay holds the parameter "name=value" of a URL we signed. */
static void must_hold(const char *hay, size_t hay_len, const char *url, const char *name,
                      size_t value_len)
{
    const char *at = strstr(url, name);

    if (at == NULL || memmem(hay, hay_len, at + 1, strlen(name) - 1 + value_len) == NULL)
        abort();
}

static void verify_input(const uint8_t *data, size_t size)
{
    struct trackurl_event ev;
    char *pq = malloc(size + 1);
    char *again = NULL;

    if (pq == NULL)
        abort();
    memcpy(pq, data, size);
    pq[size] = '\0';
    if (trackurl_verify(key, KEYLEN, pq, NOW, 86400, &ev) == TRACKURL_OK) {
        if (trackurl_sign(key, KEYLEN, &ev, BASE, &again) != 0)
            abort();
        /* Base64url decoding is strict: the accepted text is the only encoding. */
        must_hold(pq, size, again, "?d=", 110);
        must_hold(pq, size, again, "&s=", 22);
        free(again);
    }
    free(pq);
}

static uint64_t take64(const uint8_t **p, size_t *left)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < 8 && *left > 0; i++, (*p)++, (*left)--)
        v = v << 8 | **p;
    return v;
}

static void uuid_from(const uint8_t **p, size_t *left, char out[37])
{
    uint64_t hi = take64(p, left), lo = take64(p, left);

    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(hi >> 32),
             (unsigned)(hi >> 16 & 0xffff), (unsigned)(hi & 0xffff), (unsigned)(lo >> 48),
             (unsigned long long)(lo & UINT64_C(0xffffffffffff)));
}

static void sign_and_tamper(const uint8_t *data, size_t size)
{
    struct trackurl_event ev, out;
    const uint8_t *p = data;
    size_t left = size, i, start, end;
    char *url = NULL;
    char *pq;
    uint64_t pos;

    memset(&ev, 0, sizeof(ev));
    ev.type = (enum trackurl_type)(take64(&p, &left) % TRACKURL_TYPE_COUNT);
    ev.issued_at = (int64_t)(take64(&p, &left) >> 1);
    ev.price_micros = (int64_t)(take64(&p, &left) >> 1);
    uuid_from(&p, &left, ev.ad_serving_id);
    uuid_from(&p, &left, ev.campaign_id);
    uuid_from(&p, &left, ev.creative_id);
    for (i = 0; i < TRACKURL_CAP_KEY_LEN && left > 0; i++, p++, left--)
        ev.cap_key[i] = *p;
    pos = take64(&p, &left);

    if (trackurl_sign(key, KEYLEN, &ev, BASE, &url) != 0)
        abort();
    pq = url + ORIGIN_LEN;
    if (trackurl_verify(key, KEYLEN, pq, ev.issued_at, 0, &out) != TRACKURL_OK)
        abort();
    same_event(&ev, &out);

    /* From the '/' of "/t/" to the end of s: every byte is load-bearing. */
    start = (size_t)(strstr(pq, "/t/") - pq);
    end = (size_t)(strstr(pq, "&s=") + 3 + 22 - pq);
    i = start + (size_t)(pos % (end - start));
    pq[i] ^= (char)(1 + (pos >> 32) % 255);
    if (pq[i] == '\0')
        pq[i] = '~';
    if (trackurl_verify(key, KEYLEN, pq, ev.issued_at, 0, &out) == TRACKURL_OK)
        abort();
    free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0)
        verify_input(data + 1, size - 1);
    else
        sign_and_tamper(data + 1, size - 1);
    return 0;
}
