/*
 * cli: see cli.h. The option table below is the only list of options: --help
 * prints from it, --list-options prints it for the test that checks the man
 * page and the three completion scripts against it.
 */
#include "cli.h"
#include "client/term.h"
#include "lib/hexcode.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (10 * 1024 * 1024) /* the API's body limit */

const struct cli_opt cli_opts[OPT_COUNT] = {
    {OPT_SERVER, "server", 's', "URL", "admin API base URL (CTVCTL_SERVER, config file)"},
    {OPT_TIMEOUT, "timeout", 0, "SECONDS", "per-request timeout (CTVCTL_TIMEOUT; default 30)"},
    {OPT_JSON, "json", 0, NULL, "print the API's JSON answer unchanged"},
    {OPT_QUIET, "quiet", 'q', NULL, "print ids only (lists, create, upload); no notes"},
    {OPT_COLOR, "color", 0, NULL, "colour even when not on a TTY"},
    {OPT_NO_COLOR, "no-color", 0, NULL, "never colour (so does NO_COLOR)"},
    {OPT_HELP, "help", 'h', NULL, "show help for the command and exit"},
    {OPT_VERSION, "version", 'V', NULL, "print the version and exit"},
    {OPT_FILE, "file", 'f', "FILE",
     "request body from a JSON file ('-' for stdin); flags override"},
    {OPT_EMAIL, "email", 'e', "EMAIL", "account e-mail (prompted on a TTY when absent)"},
    {OPT_PASSWORD_STDIN, "password-stdin", 0, NULL,
     "read the password from the first line of stdin"},
    {OPT_NAME, "name", 0, "NAME", "name"},
    {OPT_DESCRIPTION, "description", 0, "TEXT", "campaign description"},
    {OPT_BUDGET, "budget", 0, "AMOUNT", "total budget (budget_total)"},
    {OPT_START_DATE, "start-date", 0, "DATE", "start date, ISO 8601"},
    {OPT_END_DATE, "end-date", 0, "DATE", "end date, ISO 8601"},
    {OPT_PRICING_MODEL, "pricing-model", 0, "MODEL", "cpm, cpc, cpv or flat"},
    {OPT_CPM_RATE, "cpm-rate", 0, "AMOUNT", "price per thousand impressions"},
    {OPT_CPC_RATE, "cpc-rate", 0, "AMOUNT", "price per click"},
    {OPT_CPV_RATE, "cpv-rate", 0, "AMOUNT", "price per completed view"},
    {OPT_STATUS, "status", 0, "STATUS", "status (a filter for list)"},
    {OPT_PAGE, "page", 0, "N", "page number (validated by the API)"},
    {OPT_LIMIT, "limit", 0, "N", "page size 1..100 (validated by the API)"},
    {OPT_HARD, "hard", 0, NULL, "delete the row instead of marking it completed"},
    {OPT_DURATION, "duration", 0, "SECONDS", "creative duration, 1..120"},
    {OPT_WIDTH, "width", 0, "PIXELS", "creative width"},
    {OPT_HEIGHT, "height", 0, "PIXELS", "creative height"},
    {OPT_CONTENT_TYPE, "content-type", 0, "TYPE", "declared type (default from the extension)"},
    {OPT_WAIT, "wait", 0, NULL, "wait until processing made the creative active or failed"},
    {OPT_WAIT_TIMEOUT, "wait-timeout", 0, "SECONDS", "longest --wait (default 300)"},
    {OPT_NO_PROGRESS, "no-progress", 0, NULL, "no progress bar"},
    {OPT_COUNTRIES, "countries", 0, "LIST", "ISO 3166-1 alpha-2 codes, comma-separated"},
    {OPT_REGIONS, "regions", 0, "LIST", "regions, comma-separated"},
    {OPT_DMAS, "dmas", 0, "LIST", "DMA codes, comma-separated"},
    {OPT_DEVICE_TYPES, "device-types", 0, "LIST", "device types, comma-separated"},
    {OPT_OS, "os", 0, "LIST", "operating systems, comma-separated"},
    {OPT_APP_BUNDLES, "app-bundles", 0, "LIST", "app bundles, comma-separated"},
    {OPT_CONTENT_GENRES, "content-genres", 0, "LIST", "content genres, comma-separated"},
    {OPT_CONTENT_RATINGS, "content-ratings", 0, "LIST", "content ratings, comma-separated"},
    {OPT_CONTENT_CATEGORIES, "content-categories", 0, "LIST",
     "content categories, comma-separated"},
    {OPT_LIVESTREAM, "livestream", 0, "WHICH", "any, only or never"},
    {OPT_PER_HOUR, "per-hour", 0, "N", "impressions per device per hour ('none' clears)"},
    {OPT_PER_DAY, "per-day", 0, "N", "impressions per device per day ('none' clears)"},
    {OPT_PER_WEEK, "per-week", 0, "N", "impressions per device per week ('none' clears)"},
    {OPT_MODE, "mode", 0, "MODE", "even or asap"},
    {OPT_TIME_ZONE, "time-zone", 0, "ZONE", "IANA time zone of the day boundaries"},
    {OPT_PRIORITY, "priority", 0, "N", "priority 1..10"},
    {OPT_WEIGHT, "weight", 0, "N", "weight 1..1000000"},
    {OPT_DOMAIN, "domain", 0, "DOMAIN", "advertiser domain ('none' clears)"},
    {OPT_IAB_CATEGORIES, "iab-categories", 0, "LIST", "IAB categories, comma-separated"},
    {OPT_CLICK_THROUGH_URL, "click-through-url", 0, "URL", "click-through URL ('none' clears)"},
    {OPT_VAST, "vast", 0, NULL, "print only the VAST tag URL"},
    {OPT_VMAP, "vmap", 0, NULL, "print only the VMAP tag URL"},
    {OPT_SCHEMA, "schema", 0, "DIR", "also validate against the IAB XSDs in DIR"},
};

const struct cli_noun *const cli_nouns[] = {
    &cmd_login_noun,     &cmd_logout_noun,     &cmd_whoami_noun,    &cmd_campaigns_noun,
    &cmd_creatives_noun, &cmd_analytics_noun,  &cmd_targeting_noun, &cmd_caps_noun,
    &cmd_pacing_noun,    &cmd_advertiser_noun, &cmd_tag_noun,       &cmd_explain_noun,
    &cmd_vast_noun,      &cmd_health_noun,     &cmd_version_noun,   NULL,
};

static void vmsg(const struct cli *cli, const char *prefix, int red, const char *fmt, va_list ap)
{
    if (red)
        fputs("\033[31m", stderr);
    fputs(prefix, stderr);
    if (red)
        fputs("\033[0m", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    (void)cli;
}

void cli_error(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(cli, "ctvctl: error: ", cli != NULL && cli->color_err, fmt, ap);
    va_end(ap);
}

void cli_note(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    if (cli != NULL && cli->quiet)
        return;
    va_start(ap, fmt);
    vmsg(cli, "ctvctl: ", 0, fmt, ap);
    va_end(ap);
}

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(cli, "ctvctl: error: ", cli != NULL && cli->color_err, fmt, ap);
    va_end(ap);
    if (cli != NULL && cli->noun != NULL && cli->cmd != NULL)
        fprintf(stderr, "usage: ctvctl %s%s%s %s\n", cli->noun->name,
                cli->cmd->name != NULL ? " " : "", cli->cmd->name != NULL ? cli->cmd->name : "",
                cli->cmd->args);
    else if (cli != NULL && cli->noun != NULL)
        fprintf(stderr, "usage: ctvctl %s <verb> [options]; see 'ctvctl %s --help'\n",
                cli->noun->name, cli->noun->name);
    else
        fprintf(stderr, "usage: ctvctl [options] <command> [args]; see 'ctvctl --help'\n");
    return EXIT_USAGE;
}

int cli_exit_for(enum apiclient_err err)
{
    switch (err) {
    case APICLIENT_OK:
        return EXIT_OK;
    case APICLIENT_ENOTFOUND:
        return EXIT_NOTFOUND;
    case APICLIENT_EAUTH:
        return EXIT_AUTH;
    case APICLIENT_EVALIDATION:
        return EXIT_VALIDATION;
    case APICLIENT_ECONFLICT:
        return EXIT_CONFLICT;
    case APICLIENT_ERATELIMIT:
        return EXIT_RATELIMIT;
    case APICLIENT_ESERVER:
        return EXIT_SERVER;
    case APICLIENT_ENETWORK:
        return EXIT_NETWORK;
    case APICLIENT_ETIMEOUT:
        return EXIT_TIMEOUT;
    case APICLIENT_EABORTED:
    case APICLIENT_ELOCAL:
        return EXIT_FAIL;
    }
    return EXIT_FAIL;
}

int cli_fail(struct cli *cli, const struct apiclient_response *r)
{
    const json_t *details = apiclient_error_details(r->json), *d;
    size_t i;

    cli_error(cli, "%s", r->message[0] != '\0' ? r->message : apiclient_err_name(r->err));
    json_array_foreach(details, i, d)
    {
        const char *field = json_string_value(json_object_get(d, "field"));
        const char *msg = json_string_value(json_object_get(d, "message"));

        if (json_is_string(d))
            fprintf(stderr, "  %s\n", json_string_value(d));
        else if (msg != NULL)
            fprintf(stderr, "  %s: %s\n", field != NULL && field[0] != '\0' ? field : "(body)",
                    msg);
    }
    if (r->err == APICLIENT_EAUTH && r->status == 401)
        fprintf(stderr, "  hint: log in again with 'ctvctl login'\n");
    if (r->err == APICLIENT_ERATELIMIT && r->retry_after >= 0)
        fprintf(stderr, "  hint: retry after %ld s\n", r->retry_after);
    return cli_exit_for(r->err);
}

struct apiclient *cli_client(struct cli *cli)
{
    if (cli->client == NULL) {
        cli->client = apiclient_new(cli->cfg.server, cli->cfg.timeout_ms);
        if (cli->client == NULL)
            cli_error(cli, "cannot initialise libcurl");
    }
    return cli->client;
}

/* Save refreshed tokens where they came from (never for CTVCTL_TOKEN). */
static void save_tokens(void *ctx, const char *access, const char *refresh)
{
    struct cli *cli = ctx;
    char err[512];

    if (cli->cfg.token_from_env)
        return;
    if (clientcfg_save_tokens(
            &cli->cfg, cli->cfg.token_server != NULL ? cli->cfg.token_server : cli->cfg.server,
            cli->cfg.email, access, refresh, err, sizeof(err)) != CLIENTCFG_OK)
        cli_error(cli, "token refreshed but not saved: %s", err);
}

struct apiclient *cli_authed(struct cli *cli, int *code)
{
    struct apiclient *c;
    char err[512];
    int rc;

    c = cli_client(cli);
    if (c == NULL) {
        *code = EXIT_FAIL;
        return NULL;
    }
    if (apiclient_access_token(c) != NULL)
        return c;
    rc = clientcfg_load_tokens(&cli->cfg, err, sizeof(err));
    if (rc != CLIENTCFG_OK) {
        cli_error(cli, "%s", err);
        *code = rc == CLIENTCFG_ERR ? EXIT_FAIL : EXIT_AUTH;
        return NULL;
    }
    if (!cli->cfg.token_from_env && cli->cfg.token_server != NULL &&
        cli->cfg.token_server[0] != '\0' && strcmp(cli->cfg.token_server, cli->cfg.server) != 0) {
        cli_error(cli, "logged in to %s, not %s; run 'ctvctl login --server %s'",
                  cli->cfg.token_server, cli->cfg.server, cli->cfg.server);
        *code = EXIT_AUTH;
        return NULL;
    }
    apiclient_set_tokens(c, cli->cfg.access_token, cli->cfg.refresh_token);
    apiclient_on_tokens(c, save_tokens, cli);
    return c;
}

int cli_call(struct cli *cli, const char *method, const char *path, const json_t *body,
             struct apiclient_response *r)
{
    struct apiclient *c;
    int code = EXIT_OK;

    c = cli_authed(cli, &code);
    if (c == NULL)
        return code;
    if (apiclient_request(c, method, path, body, 0, r) != APICLIENT_OK)
        return cli_fail(cli, r);
    return EXIT_OK;
}

int cli_delete(struct cli *cli, const char *fmt, const char *id)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX];
    const char *msg;
    int rc;

    if (cli_path(path, sizeof(path), fmt, id) != 0)
        return cli_usage_error(cli, "id too long");
    rc = cli_call(cli, "DELETE", path, NULL, &r);
    if (rc == EXIT_OK) {
        msg = json_string_value(json_object_get(r.json, "message"));
        if (cli->json)
            cli_print_raw(&r);
        else if (cli->quiet)
            printf("%s\n", id);
        else
            cli_note(cli, "%s: %s", id, msg != NULL ? msg : "deleted");
    }
    apiclient_response_release(&r);
    return rc;
}

void cli_print_raw(const struct apiclient_response *r)
{
    if (r->body != NULL) {
        fwrite(r->body, 1, r->body_len, stdout);
        if (r->body_len == 0 || r->body[r->body_len - 1] != '\n')
            fputc('\n', stdout);
    }
}

static void emit(struct cli *cli, const struct output_table *t)
{
    struct buf b;

    buf_init(&b, (size_t)256 << 20);
    if (output_table_render(t, cli->tty_out, cli->width, cli->color_out, &b) != 0)
        cli_error(cli, "output too large");
    else if (b.len > 0)
        fwrite(b.data, 1, b.len, stdout);
    buf_release(&b);
}

void cli_print_object(struct cli *cli, const json_t *obj, const char *const *keys)
{
    static const char *const headers[] = {"FIELD", "VALUE"};
    struct output_table t;
    const char *key;
    const json_t *v;
    const char *cells[2];
    size_t i;

    output_table_init(&t, 2, headers);
    if (keys != NULL) {
        for (i = 0; keys[i] != NULL; i++) {
            char *cell;

            v = json_object_get(obj, keys[i]);
            if (v == NULL)
                continue;
            cell = output_cell(v, cli->tty_out);
            cells[0] = keys[i];
            cells[1] = cell;
            output_table_add(&t, cells);
            free(cell);
        }
    } else {
        json_object_foreach((json_t *)obj, key, v)
        {
            char *cell = output_cell(v, cli->tty_out);

            cells[0] = key;
            cells[1] = cell;
            output_table_add(&t, cells);
            free(cell);
        }
    }
    emit(cli, &t);
    output_table_release(&t);
}

void cli_print_table(struct cli *cli, const json_t *arr, const struct output_col *cols,
                     size_t ncols)
{
    const char *headers[16] = {0}, *cells[16] = {0};
    char *owned[16];
    struct output_table t;
    const json_t *row;
    size_t i, c;

    if (cli->quiet) {
        json_array_foreach(arr, i, row)
        {
            const char *id = json_string_value(json_object_get(row, "id"));

            if (id != NULL)
                printf("%s\n", id);
        }
        return;
    }
    if (ncols > 16)
        ncols = 16;
    for (c = 0; c < ncols; c++)
        headers[c] = cols[c].header;
    output_table_init(&t, ncols, headers);
    /* ids are copied by hand: never shrink them (a too wide line is cut at its end instead) */
    for (c = 0; c < ncols; c++)
        if (strcmp(cols[c].key, "id") == 0 || strstr(cols[c].key, "_id") != NULL)
            output_table_keep(&t, c);
    json_array_foreach(arr, i, row)
    {
        for (c = 0; c < ncols; c++) {
            const json_t *v = json_object_get(row, cols[c].key);

            owned[c] = v != NULL ? output_cell(v, cli->tty_out) : xstrdup("");
            cells[c] = owned[c];
        }
        output_table_add(&t, cells);
        for (c = 0; c < ncols; c++)
            free(owned[c]);
    }
    emit(cli, &t);
    output_table_release(&t);
}

/* json_load_callback source: a stream, refused past FILE_MAX bytes. */
struct capped {
    FILE *f;
    size_t total;
    int over;
};

static size_t read_capped(void *buffer, size_t buflen, void *data)
{
    struct capped *c = data;
    size_t n = fread(buffer, 1, buflen, c->f);

    c->total += n;
    if (c->total > FILE_MAX) {
        c->over = 1;
        return (size_t)-1;
    }
    if (n == 0 && ferror(c->f))
        return (size_t)-1;
    return n;
}

int cli_read_json_file(struct cli *cli, const char *path, json_t **out)
{
    struct capped cap = {0};
    json_error_t e;
    json_t *doc;
    FILE *f;

    if (strcmp(path, "-") == 0) {
        f = stdin;
    } else {
        f = fopen(path, "rb");
        if (f == NULL) {
            cli_error(cli, "cannot open %s: %s", path, strerror(errno));
            return EXIT_USAGE;
        }
    }
    /* 10 MB is the API's own body limit */
    cap.f = f;
    doc = json_load_callback(read_capped, &cap, 0, &e);
    if (f != stdin)
        fclose(f);
    if (cap.over) {
        json_decref(doc);
        cli_error(cli, "%s: larger than %d bytes", strcmp(path, "-") == 0 ? "stdin" : path,
                  FILE_MAX);
        return EXIT_USAGE;
    }
    if (doc == NULL) {
        cli_error(cli, "%s: line %d: %s", strcmp(path, "-") == 0 ? "stdin" : path, e.line, e.text);
        return EXIT_USAGE;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        cli_error(cli, "%s: a JSON object is required", strcmp(path, "-") == 0 ? "stdin" : path);
        return EXIT_USAGE;
    }
    *out = doc;
    return EXIT_OK;
}

/* A strict JSON-style number: -?digits(.digits)?([eE][+-]?digits)? */
static int is_number(const char *s)
{
    const char *p = s;

    if (*p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0' && p - s < 32;
}

json_t *cli_flag_value(const char *text, char kind)
{
    json_t *arr;
    const char *p, *comma;

    switch (kind) {
    case 'N':
        if (strcmp(text, "none") == 0 || strcmp(text, "null") == 0)
            return json_null();
        /* fall through */
    case 'n':
        if (is_number(text)) {
            if (strpbrk(text, ".eE") == NULL && strlen(text) < 16)
                return json_integer(strtoll(text, NULL, 10));
            return json_real(strtod(text, NULL));
        }
        return json_string(text);
    case 'S':
        if (strcmp(text, "none") == 0 || strcmp(text, "null") == 0)
            return json_null();
        return json_string(text);
    case 'l':
        arr = json_array();
        if (text[0] == '\0')
            return arr;
        for (p = text;; p = comma + 1) {
            comma = strchr(p, ',');
            json_array_append_new(arr,
                                  json_stringn(p, comma != NULL ? (size_t)(comma - p) : strlen(p)));
            if (comma == NULL)
                break;
        }
        return arr;
    default:
        return json_string(text);
    }
}

int cli_path(char *out, size_t n, const char *fmt, ...)
{
    size_t o = 0;
    va_list ap;
    int rc = -1;

    va_start(ap, fmt);
    for (; *fmt != '\0'; fmt++) {
        if (fmt[0] == '%' && fmt[1] == 's') {
            const char *s = va_arg(ap, const char *);
            size_t w = pct_encode(out + o, n - o, s, 0);

            fmt++;
            /* Room for the escape and the rest of the path, as before. */
            if (w + 3 >= n - o) {
                o += strlen(out + o);
                goto cleanup;
            }
            o += w;
        } else {
            if (o + 2 >= n)
                goto cleanup;
            out[o++] = *fmt;
        }
    }
    rc = 0;
cleanup:
    out[o < n ? o : n - 1] = '\0';
    va_end(ap);
    return rc;
}

int cli_build_body(struct cli *cli, const struct cli_args *a, const struct cli_field *fields,
                   const json_t *base, json_t **out)
{
    json_t *body = NULL;
    int rc;

    if (a->val[OPT_FILE] != NULL) {
        rc = cli_read_json_file(cli, a->val[OPT_FILE], &body);
        if (rc != EXIT_OK)
            return rc;
    } else {
        body = base != NULL ? json_deep_copy(base) : json_object();
        if (body == NULL) {
            cli_error(cli, "out of memory");
            return EXIT_FAIL;
        }
    }
    for (; fields != NULL && fields->key != NULL; fields++)
        if (a->val[fields->opt] != NULL)
            json_object_set_new(body, fields->key,
                                cli_flag_value(a->val[fields->opt], fields->kind));
    *out = body;
    return EXIT_OK;
}
