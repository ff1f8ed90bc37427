/*
 * Fuzz target for adserverd/email: email_valid() on arbitrary bytes must not
 * crash, read out of bounds or leak, and its verdict must respect the rule's
 * invariants (one '@', length limits, no blanks). The TLD list is loaded once
 * from FUZZ_TLDS_PATH, else Debian's default path.
 * Build: clang -fsanitize=fuzzer,address,undefined ... (see the report).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/email.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set once before the first input and only read afterwards; libFuzzer gives
 * a target no other place to keep it. */
static struct email_tlds *tlds;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *path = getenv("FUZZ_TLDS_PATH");
    char err[256];

    (void)argc;
    (void)argv;
    tlds = email_tlds_load(path ? path : EMAIL_TLDS_DEFAULT_PATH, err, sizeof(err));
    if (tlds == NULL) {
        fprintf(stderr, "fuzz_email: %s\n", err);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t ats = 0;

    if (!email_valid(tlds, s, size))
        return 0;
    for (size_t i = 0; i < size; i++) {
        if (s[i] == '@')
            ats++;
        if (s[i] == ' ' || s[i] == '\0' || s[i] == '\t' || s[i] == '\n')
            abort(); /* blanks and NULs are never valid */
    }
    if (ats != 1 || size < 5 || size > 254 * 4)
        abort();
    /* Validity is a property of the whole string: a trailing dot breaks it. */
    if (size < 1024) {
        char copy[1025];
        memcpy(copy, s, size);
        copy[size] = '.';
        if (email_valid(tlds, copy, size + 1))
            abort();
    }
    return 0;
}
