/*
 * Fuzz target for the client side's text parsers: clientcfg's config file
 * syntax and timeouts, and apiclient's JWT claim decoding (the exp of a
 * token read from a file the user may have edited). Nothing may crash, read
 * out of bounds or leak; a timeout that parses is within (0, 1 day].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/apiclient.h"
#include "client/clientcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *server = NULL, err[256];
    long ms = -1, t;
    long long exp;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (clientcfg_parse_config(text, &server, &ms, err, sizeof(err)) == 0 && ms != -1 &&
        (ms <= 0 || ms > 86400L * 1000))
        abort();
    free(server);
    if (clientcfg_parse_timeout(text, &t) == 0 && (t <= 0 || t > 86400L * 1000))
        abort();
    (void)apiclient_token_exp(text, &exp);
    free(text);
    return 0;
}
