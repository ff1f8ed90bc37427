/*
 * ctvtui: the operators' terminal UI over adserverd's admin API.
 *
 * This is the skeleton of the foundation issue: --version and --help. The
 * views arrive with issue #7.
 */
#include "version.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: ctvtui [--server URL]\n"
               "\n"
               "  -h, --help      show this help\n"
               "  -V, --version   show the version\n"
               "\n"
               "See ctvtui(1).\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("ctvtui %s\n", ADSERVERD_VERSION);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "ctvtui: error: no views yet\n");
    usage(stderr);
    return 2;
}
