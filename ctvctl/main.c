/*
 * ctvctl: the scriptable CLI over adserverd's admin API.
 *
 * This is the skeleton of the foundation issue: --version and --help. The
 * commands (campaigns, creatives, analytics, ...) arrive with issue #6.
 * Exit codes: 0 ok, 2 usage (stable; see ctvctl(1)).
 */
#include "version.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: ctvctl [--server URL] [--json] <noun> <verb> [args]\n"
               "\n"
               "  -h, --help      show this help\n"
               "  -V, --version   show the version\n"
               "\n"
               "See ctvctl(1).\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
                      strcmp(argv[1], "version") == 0)) {
        printf("ctvctl %s\n", ADSERVERD_VERSION);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "ctvctl: error: no commands yet\n");
    usage(stderr);
    return 2;
}
