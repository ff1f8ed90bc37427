/*
 * ctvtui: the operators' terminal UI over adserverd's admin API.
 *
 * main() reads the options, the locale (UTF-8 names need it before curses
 * starts), the shared configuration and token file of ctvctl (clientcfg),
 * decides on colour (--no-color, NO_COLOR and TERM=dumb turn it off), and
 * hands over to the UI loop with the dashboard as the first view (and the
 * login on top of it when there is no token).
 */
#include "client/apiclient.h"
#include "client/clientcfg.h"
#include "client/term.h"
#include "ui.h"
#include "lib/version.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: ctvtui [--server URL] [--timeout SECONDS] [--no-color]\n"
               "\n"
               "      --server URL       admin API of adserverd (else CTVCTL_SERVER, the config\n"
               "                         file, the token's server, http://127.0.0.1:3000)\n"
               "      --timeout SECONDS  per-request timeout (default 30)\n"
               "      --no-color         monochrome (also NO_COLOR=1 or TERM=dumb)\n"
               "  -h, --help             show this help\n"
               "  -V, --version          show the version\n"
               "\n"
               "Keys: ? in any view. See ctvtui(1).\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'}, {"timeout", required_argument, NULL, 't'},
        {"no-color", no_argument, NULL, 'n'},     {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
    struct clientcfg_overrides ov = {NULL, NULL};
    struct clientcfg cfg;
    struct ui *ui = NULL;
    char err[512];
    int no_color = 0, c, rc = 1;

    setlocale(LC_ALL, "");
    while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            ov.server = optarg;
            break;
        case 't':
            ov.timeout = optarg;
            break;
        case 'n':
            no_color = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("ctvtui %s\n", ADSERVERD_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ctvtui: error: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    clientcfg_init(&cfg);
    if (apiclient_global_init() != 0) {
        fprintf(stderr, "ctvtui: error: cannot initialise libcurl\n");
        return 1;
    }
    if (clientcfg_load(&cfg, &ov, err, sizeof err) != CLIENTCFG_OK) {
        fprintf(stderr, "ctvtui: error: %s\n", err);
        rc = 2;
        goto cleanup;
    }
    int trc = clientcfg_load_tokens(&cfg, err, sizeof err);
    if (trc == CLIENTCFG_EMODE || trc == CLIENTCFG_ERR) {
        /* the same refusal as ctvctl: a readable token file is a leak */
        fprintf(stderr, "ctvtui: error: %s\n", err);
        goto cleanup;
    }
    const char *term = getenv("TERM");
    int dumb = term == NULL || strcmp(term, "dumb") == 0;
    struct ui_settings s = {
        .cfg = &cfg,
        .color = !dumb && term_use_color(STDOUT_FILENO,
                                         no_color ? TERM_COLOR_NEVER : TERM_COLOR_AUTO),
    };
    ui = ui_new(&s, err, sizeof err);
    if (ui == NULL) {
        fprintf(stderr, "ctvtui: error: %s\n", err);
        goto cleanup;
    }
    ui_push(ui, &view_dashboard_ops, NULL);
    if (cfg.access_token == NULL)
        ui_push(ui, &view_login_ops, NULL);
    rc = ui_run(ui);
cleanup:
    ui_free(ui);
    clientcfg_release(&cfg);
    apiclient_global_cleanup();
    return rc;
}
