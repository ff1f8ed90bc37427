/*
 * cli: what every ctvctl command shares: the exit codes, the one option
 * table (it feeds --help, --list-options and, through a test, the man page
 * and the completions), the noun/verb tables, argument parsing, and the
 * helpers that turn API answers into output or into an error and its code.
 *
 * A command's run() gets the parsed arguments and returns an exit code.
 * Data goes to stdout, everything else to stderr as "ctvctl: error: ..."
 * or "ctvctl: ...".
 */
#ifndef CTVCTL_CLI_H
#define CTVCTL_CLI_H

#include "client/apiclient.h"
#include "client/clientcfg.h"
#include "output.h"

#include <jansson.h>
#include <stdio.h>

/* Exit codes: stable, documented in ctvctl(1). */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_FAIL = 1,     /* the operation ran and failed (creative failed, VAST invalid, local I/O) */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_AUTH = 3,     /* not logged in, token refused or expired, token file refused */
    EXIT_NOTFOUND = 4, /* 404 */
    EXIT_VALIDATION = 5, /* 400/413/415: the API's field messages are printed */
    EXIT_CONFLICT = 6,   /* 409 */
    EXIT_RATELIMIT = 7,  /* 429 */
    EXIT_SERVER = 8,     /* 5xx, or an answer that is not what the API promises */
    EXIT_NETWORK = 9,    /* no connection, reset, DNS */
    EXIT_TIMEOUT = 10,   /* no answer within --timeout */
};

/* Every option of every command. */
enum cli_opt_id {
    OPT_SERVER,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_QUIET,
    OPT_COLOR,
    OPT_NO_COLOR,
    OPT_HELP,
    OPT_VERSION,
    OPT_FILE,
    OPT_EMAIL,
    OPT_PASSWORD_STDIN,
    OPT_NAME,
    OPT_DESCRIPTION,
    OPT_BUDGET,
    OPT_START_DATE,
    OPT_END_DATE,
    OPT_PRICING_MODEL,
    OPT_CPM_RATE,
    OPT_CPC_RATE,
    OPT_CPV_RATE,
    OPT_STATUS,
    OPT_PAGE,
    OPT_LIMIT,
    OPT_HARD,
    OPT_DURATION,
    OPT_WIDTH,
    OPT_HEIGHT,
    OPT_CONTENT_TYPE,
    OPT_WAIT,
    OPT_WAIT_TIMEOUT,
    OPT_NO_PROGRESS,
    OPT_COUNTRIES,
    OPT_REGIONS,
    OPT_DMAS,
    OPT_DEVICE_TYPES,
    OPT_OS,
    OPT_APP_BUNDLES,
    OPT_CONTENT_GENRES,
    OPT_CONTENT_RATINGS,
    OPT_CONTENT_CATEGORIES,
    OPT_LIVESTREAM,
    OPT_PER_HOUR,
    OPT_PER_DAY,
    OPT_PER_WEEK,
    OPT_MODE,
    OPT_TIME_ZONE,
    OPT_PRIORITY,
    OPT_WEIGHT,
    OPT_DOMAIN,
    OPT_IAB_CATEGORIES,
    OPT_CLICK_THROUGH_URL,
    OPT_VAST,
    OPT_VMAP,
    OPT_SCHEMA,
    OPT_COUNT
};

struct cli_opt {
    enum cli_opt_id id;
    const char *name; /* long name, without "--" */
    char short_name;  /* 0 when none */
    const char *arg;  /* metavariable, NULL for a flag */
    const char *help;
};

/* The table, OPT_COUNT entries in enum order. */
extern const struct cli_opt cli_opts[OPT_COUNT];

#define CLI_MAX_POS 16

/* A parsed command line of one command. */
struct cli_args {
    const char *val[OPT_COUNT]; /* option values ("1" for flags), NULL when absent */
    const char *pos[CLI_MAX_POS];
    int npos;
};

struct cli;

/* A verb of a noun, or (name NULL) the command of a noun that has no verbs. */
struct cli_cmd {
    const char *name;
    const char *args; /* after "ctvctl <noun> [<verb>]", e.g. "<id> [--hard]" */
    const char *summary;
    const enum cli_opt_id *opts; /* accepted options besides the global ones, OPT_COUNT-ended */
    int min_pos, max_pos;
    int (*run)(struct cli *cli, const struct cli_args *a);
};

struct cli_noun {
    const char *name;
    const char *summary;
    const struct cli_cmd *cmds;
    size_t ncmds;
};

/* The state of one run. */
struct cli {
    struct clientcfg cfg;
    struct clientcfg_overrides over;
    struct apiclient *client; /* made on first use */
    int json;
    int quiet;
    int color_out; /* colour on stdout */
    int color_err; /* colour on stderr */
    int tty_out;
    int tty_err;
    int width;
    const struct cli_noun *noun;
    const struct cli_cmd *cmd;
};

/* The nouns, in --help order. */
extern const struct cli_noun *const cli_nouns[];

/*
 * Verbs shared by two nouns (cmd_trackers.c): "<noun> trackers|verifications
 * get|set <id> [-f FILE|-]" of a creative or a campaign.
 */
int cmd_trackers_creative(struct cli *cli, const struct cli_args *a);
int cmd_trackers_campaign(struct cli *cli, const struct cli_args *a);
int cmd_trackers_verifications(struct cli *cli, const struct cli_args *a);

/* Nouns defined by the cmd_*.c files. */
extern const struct cli_noun cmd_login_noun, cmd_logout_noun, cmd_whoami_noun;
extern const struct cli_noun cmd_campaigns_noun, cmd_creatives_noun, cmd_analytics_noun;
extern const struct cli_noun cmd_targeting_noun, cmd_caps_noun, cmd_pacing_noun,
    cmd_advertiser_noun;
extern const struct cli_noun cmd_tag_noun, cmd_explain_noun, cmd_vast_noun, cmd_health_noun,
    cmd_version_noun;

/* "ctvctl: error: <fmt>\n" on stderr (red on a colour TTY). */
void cli_error(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "ctvctl: <fmt>\n" on stderr, unless -q. */
void cli_note(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error for the current command: message, its usage line; returns EXIT_USAGE. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The exit code of an API error class. */
int cli_exit_for(enum apiclient_err err);

/*
 * Print a failed answer (the API's message, its field messages, hints) and
 * return its exit code.
 */
int cli_fail(struct cli *cli, const struct apiclient_response *r);

/* The client, made on first use with the resolved server and timeout; NULL after an error. */
struct apiclient *cli_client(struct cli *cli);
/*
 * The client with the user's tokens loaded; on failure prints why and sets
 * *code (EXIT_AUTH for no token or a refused token file).
 */
struct apiclient *cli_authed(struct cli *cli, int *code);

/*
 * One authenticated request; on failure prints it and returns its exit
 * code, else 0 with *r filled (release it).
 */
int cli_call(struct cli *cli, const char *method, const char *path, const json_t *body,
             struct apiclient_response *r);

/*
 * DELETE the path of fmt (one %s: id, percent-encoded) and report it: the
 * answer with --json, the id with -q, else the API's message on stderr.
 * Returns the exit code.
 */
int cli_delete(struct cli *cli, const char *fmt, const char *id);

/* --json: the answer's body unchanged (a newline added when missing). */
void cli_print_raw(const struct apiclient_response *r);

/* One object as FIELD VALUE lines; keys NULL = all keys in order. */
void cli_print_object(struct cli *cli, const json_t *obj, const char *const *keys);
/* An array of objects as a table of cols; -q prints each element's "id". */
void cli_print_table(struct cli *cli, const json_t *arr, const struct output_col *cols,
                     size_t ncols);

/*
 * Read -f FILE (or "-" for stdin) as a JSON object into *out (new
 * reference); a usage-class problem prints and returns the exit code.
 */
int cli_read_json_file(struct cli *cli, const char *path, json_t **out);

/*
 * A flag's text as the JSON value the API expects: kind 'n' a number when
 * it reads as one (else the text, for the API to refuse with its message),
 * 's' a string, 'l' a comma-separated list of strings ("" is []), 'N' a
 * number or null for "none", 'S' a string or null for "none".
 */
json_t *cli_flag_value(const char *text, char kind);

/* A body field set by an option. */
struct cli_field {
    enum cli_opt_id opt;
    const char *key;
    char kind; /* as for cli_flag_value */
};

/*
 * A request body: the -f file's object when given (else {} or base, copied),
 * then each field whose option is set. *out is a new reference. 0 or an
 * exit code (printed).
 */
int cli_build_body(struct cli *cli, const struct cli_args *a, const struct cli_field *fields,
                   const json_t *base, json_t **out);

/* Longest API path the commands build (id included, percent-encoded). */
#define CLI_PATH_MAX 1024

/* Build "<fmt>" into a path buffer with UUID-safe escaping of each %s argument. */
int cli_path(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
