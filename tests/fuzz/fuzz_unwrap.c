/*
 * Fuzz target for adserverd/tag/unwrap's parser: the VAST answer of a
 * third-party ad server, untrusted bytes (huge, deeply nested, entity
 * tricks, non-UTF-8). Properties checked beyond "no crash, no leak":
 *
 *   - a Wrapper is accepted only with a tag URI, an InLine's playable
 *     media URL is set only with its type;
 *   - every URL the parser keeps is in the splice alphabet
 *     (trackers_url_char()), as an advertiser's own URLs are;
 *   - the kept lists are bounded (at most 32 URLs per list per document).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tag/unwrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_url(const char *s)
{
    if (s == NULL)
        return;
    if (strncasecmp(s, "http", 4) != 0)
        abort();
    for (; *s != '\0'; s++)
        if (!trackers_url_char((unsigned char)*s))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct unwrap_doc d;
    size_t l, i;

    if (size > 512 * 1024)
        return 0;
    if (unwrap_parse((const char *)data, size, &d) != UNWRAP_OK)
        return 0;
    if (d.is_wrapper && d.tag_uri == NULL)
        abort();
    if ((d.media_url == NULL) != (d.media_type == NULL))
        abort();
    check_url(d.tag_uri);
    check_url(d.media_url);
    check_url(d.click_through);
    for (l = 0; l < TRACKERS_NLISTS; l++) {
        if (d.found.n[l] > 32)
            abort();
        for (i = 0; i < d.found.n[l]; i++)
            check_url(d.found.urls[l][i]);
    }
    for (i = 0; i < d.found.n_verifications; i++) {
        check_url(d.found.verifications[i].javascript_url);
        check_url(d.found.verifications[i].not_executed_url);
    }
    unwrap_doc_release(&d);
    return 0;
}
