/*
 * Fuzz target for adserverd/adparams: the input is split at '&' and '=' into
 * query arguments (as MHD would hand them over, already decoded), then the
 * rest goes through the device-header path. Nothing may crash; every string
 * an accepted request carries must respect its bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decision/adparams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void bounded(const char *s, size_t max)
{
    if (s != NULL && strlen(s) > max)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct adparams_proxies px;
    static int init;
    char *copy, *save = NULL, *xff;
    struct adparams p;
    char err[256];
    int ok = 1;

    if (!init) {
        init = 1;
        if (adparams_proxies_parse(&px, "127.0.0.0/8,::1", err, sizeof(err)) != 0)
            abort();
    }
    if (size > 8192)
        return 0;
    copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    /* Trailing part after a '\n' is the X-Forwarded-For header. */
    xff = strchr(copy, '\n');
    if (xff != NULL)
        *xff++ = '\0';
    adparams_init(&p);
    for (char *t = strtok_r(copy, "&", &save); t != NULL; t = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(t, '=');
        if (eq != NULL)
            *eq++ = '\0';
        if (adparams_set(&p, t, eq, err, sizeof(err)) != 0) {
            ok = 0;
            break;
        }
    }
    if (ok && adparams_finish(&p, err, sizeof(err)) == 0) {
        adparams_device(&p, &px, "127.0.0.1", "UA", xff, xff, xff);
        bounded(p.t.ifa, 128);
        bounded(p.t.ua, 512);
        bounded(p.t.country, 2);
        bounded(p.t.dma, 3);
        bounded(p.gdpr_consent, 2048);
        if (p.pod.max_ads < 1 || p.pod.max_ads > ADPARAMS_MAX_POD_ADS)
            abort();
        if (p.n_midrolls > ADPARAMS_MAX_MIDROLLS)
            abort();
        for (uint32_t i = 1; i < p.n_midrolls; i++)
            if (p.midrolls[i] <= p.midrolls[i - 1])
                abort();
    } else if (strlen(err) == 0 || strlen(err) >= sizeof(err)) {
        abort();
    }
    free(copy);
    return 0;
}
