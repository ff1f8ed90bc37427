/*
 * fuzz_prerender: the fragment path's promise under arbitrary input. The
 * input is split into a title, a click-through value and an impression URL
 * value (NUL separated; a campaign owner controls the first two, a request
 * influences the expanded click-through). Whenever the fragment path
 * accepts the values, its document must equal vast_render()'s byte for
 * byte; when it refuses, nothing may have been appended.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "vast/prerender.h"
#include "vast/vast.h"

static const char *field(const uint8_t **p, const uint8_t *end, char *out, size_t n)
{
    size_t k = 0;

    while (*p < end && **p != '\0' && k + 1 < n)
        out[k++] = (char)*(*p)++;
    if (*p < end)
        (*p)++;
    out[k] = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int inited;
    char title[256], click[512], imp[512], err[160];
    const uint8_t *p = data, *end = data + size;
    const char *values[VAST_SLOT_COUNT] = {0};
    struct vast_ad tmpl, real;
    struct vast_impression it, ir;
    struct vast_media_file mf;
    struct vast_prerender *pr;
    struct buf a, b;
    int v, rc;

    if (!inited) {
        vast_init();
        inited = 1;
    }
    field(&p, end, title, sizeof(title));
    field(&p, end, click, sizeof(click));
    field(&p, end, imp, sizeof(imp));
    v = size > 0 ? data[size - 1] % 4 : 0;

    memset(&tmpl, 0, sizeof(tmpl));
    memset(&mf, 0, sizeof(mf));
    mf.url = "https://cdn.example.com/a.mp4";
    mf.mime_type = "video/mp4";
    mf.width = 1280;
    mf.height = 720;
    tmpl.id = "ad-1";
    tmpl.ad_system = "adserverd";
    tmpl.title = title;
    tmpl.duration_ms = 15000;
    tmpl.media_files = &mf;
    tmpl.n_media_files = 1;
    real = tmpl;
    it.url = vast_prerender_marker(VAST_SLOT_IMPRESSION);
    it.id = NULL;
    ir.url = imp;
    ir.id = NULL;
    tmpl.impressions = &it;
    real.impressions = &ir;
    tmpl.n_impressions = real.n_impressions = 1;
    tmpl.ad_serving_id = vast_prerender_marker(VAST_SLOT_SERVING_ID);
    real.ad_serving_id = "0a1b2c3d-0000-4000-8000-000000000001";
    tmpl.click_through = vast_prerender_marker(VAST_SLOT_CLICK_THROUGH);
    real.click_through = click;
    values[VAST_SLOT_SERVING_ID] = real.ad_serving_id;
    values[VAST_SLOT_IMPRESSION] = imp;
    values[VAST_SLOT_CLICK_THROUGH] = click;

    pr = vast_prerender_new(1);
    buf_init(&a, 1 << 20);
    buf_init(&b, 1 << 20);
    /* The impression URL is ours (signed) in production: the contract is its alphabet. */
    if (vast_prerender_add(pr, 0, &tmpl) == 0 && imp[0] != '\0' && click[0] != '\0' &&
        vast_prerender_value_ok(VAST_SLOT_IMPRESSION, imp)) {
        if (buf_puts(&b, "x") != 0)
            abort();
        rc = vast_prerender_ad(pr, 0, (enum vast_version)v, values, &b);
        if (rc == 1 && b.len != 1)
            abort(); /* refused but appended */
        if (rc == 0) {
            buf_reset(&b);
            if (vast_prerender_open(pr, (enum vast_version)v, &b) != 0 ||
                vast_prerender_ad(pr, 0, (enum vast_version)v, values, &b) != 0 ||
                vast_prerender_close(pr, (enum vast_version)v, &b) != 0)
                abort();
            if (vast_render(&real, 1, (enum vast_version)v, NULL, &a, err, sizeof(err)) != 0 ||
                a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
                abort(); /* accepted values must give the tree's bytes */
        }
    }
    buf_release(&a);
    buf_release(&b);
    vast_prerender_free(pr);
    return 0;
}
