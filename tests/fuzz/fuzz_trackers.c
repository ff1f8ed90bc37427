/*
 * Fuzz target for adserverd/vast/trackers: the parser the admin API runs on
 * a tracker or verification document and the catalog builder runs on what
 * was stored. The input is JSON text (jansson decides what parses); the
 * first byte picks the document kind. Properties checked, not just "no
 * crash":
 *
 *   - a parse that fails leaves the struct empty and names a field;
 *   - a parse that succeeds gives a canonical document that parses again
 *     to the same canonical document (what the API stores is what serving
 *     loads);
 *   - every URL filled for a request with hostile macro values is made of
 *     trackers_url_char() characters only (the splice alphabet: never
 *     "]]>", '<', '"' or whitespace), and a VAST document with the ad's
 *     verifications renders for every version.
 */
#include <jansson.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vast/trackers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_alphabet(const char *s)
{
    for (; *s != '\0'; s++)
        if (!trackers_url_char((unsigned char)*s))
            abort();
}

static void check_roundtrip(int verif, const struct trackers *t)
{
    struct trackers again;
    struct trackers_fail f;
    json_t *a = verif ? trackers_verifications_json(t) : trackers_json(t), *b;

    trackers_init(&again);
    if ((verif ? trackers_verifications_parse(a, &again, &f) : trackers_parse(a, &again, &f)) != 0)
        abort();
    b = verif ? trackers_verifications_json(&again) : trackers_json(&again);
    if (!json_equal(a, b))
        abort();
    json_decref(a);
    json_decref(b);
    trackers_release(&again);
}

static void check_render(const struct trackers *t)
{
    static const struct vast_impression imp = {"https://ads.example/i?x=1", "id"};
    static const struct vast_media_file mf = {
        "https://ads.example/m.mp4", VAST_DELIVERY_PROGRESSIVE, "video/mp4", 640, 360, 0, NULL};
    struct macros_ctx mc;
    struct vast_ad ad;
    void *block = NULL;
    size_t i;
    int v;

    macros_ctx_init(&mc);
    mc.device_ua = "Mozilla/5.0 <x> \"]]>\" \x01";
    mc.ifa = "]]><Ad/>";
    mc.ad_serving_id = "0123456789abcdef0123456789abcdef0000";
    mc.now_ms = 1735689600000;
    mc.cachebuster = 12345678;
    memset(&ad, 0, sizeof(ad));
    ad.id = "a";
    ad.ad_serving_id = mc.ad_serving_id;
    ad.ad_system = "adserverd";
    ad.title = "t";
    ad.creative_id = "c";
    ad.duration_ms = 15000;
    ad.media_files = &mf;
    ad.n_media_files = 1;
    ad.impressions = &imp;
    ad.n_impressions = 1;
    if (trackers_ad_fill(t, &mc, &ad, &block) != 0)
        abort();
    for (i = 0; i < ad.n_impressions; i++)
        check_alphabet(ad.impressions[i].url);
    for (i = 0; i < ad.n_tracking; i++)
        check_alphabet(ad.tracking[i].url);
    for (i = 0; i < ad.n_click_tracking; i++)
        check_alphabet(ad.click_tracking[i]);
    for (i = 0; i < ad.n_error_urls; i++)
        check_alphabet(ad.error_urls[i]);
    for (i = 0; i < ad.n_verifications; i++)
        if (ad.verifications[i].not_executed_url != NULL)
            check_alphabet(ad.verifications[i].not_executed_url);
    for (v = VAST_3_0; v <= VAST_4_2; v++) {
        struct buf out;
        char err[256] = "";

        buf_init(&out, 64 * 1024 * 1024);
        if (vast_render(&ad, 1, (enum vast_version)v, NULL, &out, err, sizeof(err)) != 0)
            abort();
        buf_release(&out);
    }
    free(block);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trackers t;
    struct trackers_fail f;
    json_t *doc;
    int verif, rc;

    if (size < 1 || size > 256 * 1024)
        return 0;
    verif = data[0] & 1;
    doc = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
    if (doc == NULL)
        return 0;
    trackers_init(&t);
    rc = verif ? trackers_verifications_parse(doc, &t, &f) : trackers_parse(doc, &t, &f);
    if (rc != 0) {
        if (!trackers_empty(&t) || f.message[0] == '\0')
            abort();
    } else {
        check_roundtrip(verif, &t);
        check_render(&t);
    }
    trackers_release(&t);
    json_decref(doc);
    return 0;
}
