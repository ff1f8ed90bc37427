/*
 * Fuzz target for ctvctl's VAST/VMAP checker: vastcheck_run() on arbitrary
 * bytes (what `ctvctl vast fetch` gets from any URL) must not crash, read
 * out of bounds or leak, and always returns a summary object.
 */
#include <stdint.h>
#include <stdlib.h>

#include <libxml/parser.h>

#include "ctvctl/vastcheck.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xmlInitParser();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf problems;
    json_t *summary = NULL;
    int n;

    buf_init(&problems, 64 * 1024);
    n = vastcheck_run((const char *)data, size, NULL, &summary, &problems);
    if (!json_is_object(summary) || n < -1)
        abort();
    json_decref(summary);
    buf_release(&problems);
    return 0;
}
