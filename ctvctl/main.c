/*
 * ctvctl: the scriptable CLI over adserverd's admin API.
 *
 *   ctvctl [global options] <noun> [<verb>] [args and options]
 *
 * main() parses the global options, finds the noun and its verb in the
 * tables (cli_nouns, each noun's cmds[]), parses the rest against the
 * verb's option list plus the global ones (so global options may also
 * follow the verb, as with git and gh), resolves the configuration and runs
 * the verb. Exit codes are in cli.h and ctvctl(1).
 *
 * Hidden helpers for tests and completion scripts (like git's --list-cmds):
 * --list-commands prints "noun verb" lines, --list-options every option.
 */
#include "client/apiclient.h"
#include "cli.h"
#include "client/term.h"
#include "lib/version.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const enum cli_opt_id GLOBAL_OPTS[] = {OPT_SERVER, OPT_TIMEOUT,  OPT_JSON, OPT_QUIET,
                                              OPT_COLOR,  OPT_NO_COLOR, OPT_HELP, OPT_COUNT};

static int in_list(const enum cli_opt_id *list, enum cli_opt_id id)
{
    for (; list != NULL && *list != OPT_COUNT; list++)
        if (*list == id)
            return 1;
    return 0;
}

static const struct cli_opt *find_long(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < OPT_COUNT; i++)
        if (strlen(cli_opts[i].name) == len && strncmp(cli_opts[i].name, name, len) == 0)
            return &cli_opts[i];
    return NULL;
}

static const struct cli_opt *find_short(char c)
{
    size_t i;

    for (i = 0; i < OPT_COUNT; i++)
        if (cli_opts[i].short_name == c)
            return &cli_opts[i];
    return NULL;
}

/*
 * Parse argv[*i..] into a. Stops at the first positional when stop_at_pos
 * (the global part before the noun). Returns 0 or EXIT_USAGE (printed).
 */
static int parse_args(struct cli *cli, int argc, char **argv, int *i, const enum cli_opt_id *extra,
                      int stop_at_pos, int allow_version, struct cli_args *a)
{
    int only_pos = 0;

    for (; *i < argc; (*i)++) {
        const char *arg = argv[*i], *value = NULL;
        const struct cli_opt *o = NULL;
        char shown[64];

        if (only_pos || arg[0] != '-' || arg[1] == '\0') {
            if (stop_at_pos)
                return 0;
            if (a->npos == CLI_MAX_POS)
                return cli_usage_error(cli, "too many arguments");
            a->pos[a->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            if (stop_at_pos) {
                (*i)++;
                return 0;
            }
            only_pos = 1;
            continue;
        }
        if (arg[1] == '-') {
            const char *eq = strchr(arg + 2, '=');
            size_t len = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);

            o = find_long(arg + 2, len);
            if (eq != NULL)
                value = eq + 1;
            snprintf(shown, sizeof(shown), "--%.*s", (int)(len > 40 ? 40 : len), arg + 2);
        } else {
            o = find_short(arg[1]);
            if (arg[2] != '\0')
                value = arg + 2;
            snprintf(shown, sizeof(shown), "-%c", arg[1]);
        }
        if (o == NULL)
            return cli_usage_error(cli, "unknown option %s", shown);
        if (!in_list(GLOBAL_OPTS, o->id) && !in_list(extra, o->id) &&
            !(allow_version && o->id == OPT_VERSION)) {
            if (cli->cmd != NULL)
                return cli_usage_error(cli, "option %s does not apply to '%s%s%s'", shown,
                                       cli->noun->name, cli->cmd->name ? " " : "",
                                       cli->cmd->name ? cli->cmd->name : "");
            return cli_usage_error(cli, "option %s must follow the command", shown);
        }
        if (o->arg == NULL && value != NULL) {
            if (arg[1] != '-')
                return cli_usage_error(cli, "options cannot be combined: %s", arg);
            return cli_usage_error(cli, "option %s takes no value", shown);
        }
        if (o->arg != NULL && value == NULL) {
            if (*i + 1 >= argc)
                return cli_usage_error(cli, "option %s needs a value (%s)", shown, o->arg);
            value = argv[++*i];
        }
        a->val[o->id] = value != NULL ? value : "1";
    }
    return 0;
}

/* "-s, --server URL" or "--json": an option as help shows it. */
static void opt_left(const struct cli_opt *o, char *out, size_t n)
{
    if (o->short_name)
        snprintf(out, n, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    else
        snprintf(out, n, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static void print_global_options(FILE *f)
{
    char left[64];
    size_t i;

    fprintf(f, "Global options (before or after the command):\n");
    for (i = 0; GLOBAL_OPTS[i] != OPT_COUNT; i++) {
        opt_left(&cli_opts[GLOBAL_OPTS[i]], left, sizeof(left));
        fprintf(f, "  %-26s %s\n", left, cli_opts[GLOBAL_OPTS[i]].help);
    }
    opt_left(&cli_opts[OPT_VERSION], left, sizeof(left));
    fprintf(f, "  %-26s %s\n", left, cli_opts[OPT_VERSION].help);
}

static void usage(FILE *f)
{
    size_t n, v;

    fprintf(f, "usage: ctvctl [options] <command> [<verb>] [args]\n\nCommands:\n");
    for (n = 0; cli_nouns[n] != NULL; n++) {
        const struct cli_noun *noun = cli_nouns[n];
        char left[160] = "";

        snprintf(left, sizeof(left), "%s", noun->name);
        if (noun->cmds[0].name != NULL) {
            strncat(left, " ", sizeof(left) - strlen(left) - 1);
            for (v = 0; v < noun->ncmds; v++) {
                if (v > 0)
                    strncat(left, "|", sizeof(left) - strlen(left) - 1);
                strncat(left, noun->cmds[v].name, sizeof(left) - strlen(left) - 1);
            }
        }
        if (strlen(left) > 26)
            fprintf(f, "  %s\n  %-26s %s\n", left, "", noun->summary);
        else
            fprintf(f, "  %-26s %s\n", left, noun->summary);
    }
    fputc('\n', f);
    print_global_options(f);
    fprintf(f, "\nExit codes: 0 ok, 1 failed, 2 usage, 3 authentication, 4 not found,\n"
               "5 validation, 6 conflict, 7 rate limited, 8 server error, 9 network,\n"
               "10 timeout.\n\n"
               "'ctvctl <command> --help' shows a command's options. See ctvctl(1).\n");
}

static void cmd_usage_line(FILE *f, const struct cli_noun *noun, const struct cli_cmd *cmd)
{
    fprintf(f, "ctvctl %s%s%s %s", noun->name, cmd->name ? " " : "", cmd->name ? cmd->name : "",
            cmd->args);
}

static void noun_help(FILE *f, const struct cli_noun *noun)
{
    size_t v;

    fprintf(f, "%s: %s\n\n", noun->name, noun->summary);
    for (v = 0; v < noun->ncmds; v++) {
        fputs("  ", f);
        cmd_usage_line(f, noun, &noun->cmds[v]);
        fprintf(f, "\n      %s\n", noun->cmds[v].summary);
    }
    fprintf(f, "\n'ctvctl %s <verb> --help' shows a verb's options.\n", noun->name);
}

static void cmd_help(FILE *f, const struct cli_noun *noun, const struct cli_cmd *cmd)
{
    const enum cli_opt_id *id;

    fputs("usage: ", f);
    cmd_usage_line(f, noun, cmd);
    fprintf(f, "\n\n%s\n", cmd->summary);
    if (cmd->opts != NULL && cmd->opts[0] != OPT_COUNT) {
        fprintf(f, "\nOptions:\n");
        for (id = cmd->opts; *id != OPT_COUNT; id++) {
            char left[64];

            opt_left(&cli_opts[*id], left, sizeof(left));
            fprintf(f, "  %-26s %s\n", left, cli_opts[*id].help);
        }
    }
    fputc('\n', f);
    print_global_options(f);
}

static void list_commands(void)
{
    size_t n, v;

    for (n = 0; cli_nouns[n] != NULL; n++)
        for (v = 0; v < cli_nouns[n]->ncmds; v++)
            printf("%s%s%s\n", cli_nouns[n]->name, cli_nouns[n]->cmds[v].name ? " " : "",
                   cli_nouns[n]->cmds[v].name ? cli_nouns[n]->cmds[v].name : "");
}

/* Every option, or (noun, verb) given: the options that command accepts, globals included. */
static int list_options(int argc, char **argv, int i)
{
    const struct cli_noun *noun = NULL;
    const struct cli_cmd *cmd = NULL;
    size_t k;

    for (k = 0; i < argc && cli_nouns[k] != NULL; k++)
        if (strcmp(cli_nouns[k]->name, argv[i]) == 0)
            noun = cli_nouns[k];
    if (noun != NULL) {
        cmd = &noun->cmds[0];
        for (k = 0; i + 1 < argc && k < noun->ncmds; k++)
            if (noun->cmds[k].name != NULL && strcmp(noun->cmds[k].name, argv[i + 1]) == 0)
                cmd = &noun->cmds[k];
    }
    for (k = 0; k < OPT_COUNT; k++) {
        if (cmd != NULL && !in_list(GLOBAL_OPTS, cli_opts[k].id) &&
            !in_list(cmd->opts, cli_opts[k].id))
            continue;
        if (cmd != NULL && cli_opts[k].id == OPT_VERSION)
            continue;
        printf("--%s", cli_opts[k].name);
        if (cli_opts[k].short_name)
            printf(" -%c", cli_opts[k].short_name);
        printf("\n");
    }
    return EXIT_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
    struct cli_args a;
    const struct cli_noun *noun = NULL;
    const struct cli_cmd *cmd = NULL;
    enum term_color color;
    char err[512];
    int i = 1, rc;
    size_t k;
    long ms;

    memset(&a, 0, sizeof(a));
    if (argc >= 2 && strcmp(argv[1], "--list-commands") == 0) {
        list_commands();
        return EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "--list-options") == 0)
        return list_options(argc, argv, 2);
    cli->color_err = term_use_color(2, TERM_COLOR_AUTO);
    rc = parse_args(cli, argc, argv, &i, NULL, 1, 1, &a);
    if (rc != 0)
        return rc;
    if (a.val[OPT_VERSION] != NULL) {
        printf("ctvctl %s\n", ADSERVERD_VERSION);
        return EXIT_OK;
    }
    if (i >= argc) {
        if (a.val[OPT_HELP] != NULL) {
            usage(stdout);
            return EXIT_OK;
        }
        cli_error(cli, "no command given");
        usage(stderr);
        return EXIT_USAGE;
    }
    for (k = 0; cli_nouns[k] != NULL; k++)
        if (strcmp(cli_nouns[k]->name, argv[i]) == 0)
            noun = cli_nouns[k];
    if (noun == NULL && strcmp(argv[i], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (noun == NULL)
        return cli_usage_error(cli, "unknown command '%.60s'", argv[i]);
    cli->noun = noun;
    i++;
    if (noun->cmds[0].name == NULL) {
        cmd = &noun->cmds[0];
    } else {
        if (i >= argc || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            a.val[OPT_HELP] != NULL) {
            int asked = a.val[OPT_HELP] != NULL || i < argc;

            if (!asked)
                cli_error(cli, "'%s' needs a verb", noun->name);
            noun_help(asked ? stdout : stderr, noun);
            return asked ? EXIT_OK : EXIT_USAGE;
        }
        for (k = 0; k < noun->ncmds; k++)
            if (strcmp(noun->cmds[k].name, argv[i]) == 0)
                cmd = &noun->cmds[k];
        if (cmd == NULL)
            return cli_usage_error(cli, "unknown verb '%.60s' for '%s'", argv[i], noun->name);
        i++;
    }
    cli->cmd = cmd;
    rc = parse_args(cli, argc, argv, &i, cmd->opts, 0, 0, &a);
    if (rc != 0)
        return rc;
    if (a.val[OPT_HELP] != NULL) {
        cmd_help(stdout, noun, cmd);
        return EXIT_OK;
    }
    if (a.npos < cmd->min_pos)
        return cli_usage_error(cli, "missing argument");
    if (a.npos > cmd->max_pos)
        return cli_usage_error(cli, "unexpected argument '%.60s'", a.pos[cmd->max_pos]);
    if (a.val[OPT_TIMEOUT] != NULL && clientcfg_parse_timeout(a.val[OPT_TIMEOUT], &ms) != 0)
        return cli_usage_error(cli, "--timeout must be seconds > 0, got '%.40s'",
                               a.val[OPT_TIMEOUT]);
    if (a.val[OPT_COLOR] != NULL && a.val[OPT_NO_COLOR] != NULL)
        return cli_usage_error(cli, "--color and --no-color exclude each other");

    color = a.val[OPT_COLOR]      ? TERM_COLOR_ALWAYS
            : a.val[OPT_NO_COLOR] ? TERM_COLOR_NEVER
                                  : TERM_COLOR_AUTO;
    cli->json = a.val[OPT_JSON] != NULL;
    cli->quiet = a.val[OPT_QUIET] != NULL;
    cli->tty_out = term_isatty(1);
    cli->tty_err = term_isatty(2);
    cli->color_out = term_use_color(1, color);
    cli->color_err = term_use_color(2, color);
    cli->width = term_width(1, 80);
    cli->over.server = a.val[OPT_SERVER];
    cli->over.timeout = a.val[OPT_TIMEOUT];
    if (clientcfg_load(&cli->cfg, &cli->over, err, sizeof(err)) != CLIENTCFG_OK) {
        cli_error(cli, "%s", err);
        return EXIT_FAIL;
    }
    return cmd->run(cli, &a);
}

int main(int argc, char **argv)
{
    struct cli cli;
    int rc;

    setlocale(LC_CTYPE, "");
    memset(&cli, 0, sizeof(cli));
    clientcfg_init(&cli.cfg);
    if (apiclient_global_init() != 0) {
        fprintf(stderr, "ctvctl: error: cannot initialise libcurl\n");
        return EXIT_FAIL;
    }
    rc = run(&cli, argc, argv);
    if (fflush(stdout) != 0 && rc == EXIT_OK) {
        fprintf(stderr, "ctvctl: error: cannot write the output\n");
        rc = EXIT_FAIL;
    }
    apiclient_free(cli.client);
    clientcfg_release(&cli.cfg);
    apiclient_global_cleanup();
    return rc;
}
