/*
 * cmd_creatives: creatives list|get|upload|update|status|delete|stats|media
 * over docs/admin-api.md and GET /api/v1/creatives/:id/media.
 *
 * upload streams the file through libcurl's mime API (never read whole),
 * with a progress bar on a TTY. --wait polls the creative every 500 ms
 * until processing made it active or failed (exit 1, with the reason from
 * the media endpoint) or --wait-timeout passes (exit 10). media --wait
 * polls the media endpoint until every rendition is made.
 */
#include "cli.h"
#include "lib/clock.h"
#include "progress.h"
#include "client/term.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define POLL_MS 500
#define WAIT_DEFAULT_MS (300L * 1000)

static const struct output_col LIST_COLS[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"STATUS", "status"},
    {"DURATION", "duration"},
    {"WIDTH", "width"},
    {"HEIGHT", "height"},
    {"FORMAT", "format"},
    {"SIZE", "file_size"},
    {"CREATED", "created_at"},
};

static const struct cli_field UPDATE_FIELDS[] = {
    {OPT_NAME, "name", 's'},
    {OPT_STATUS, "status", 's'},
    {OPT_DURATION, "duration", 'n'},
    {OPT_COUNT, NULL, 0},
};

static void print_creative(struct cli *cli, const struct apiclient_response *r, const char *key)
{
    const json_t *obj = json_object_get(r->json, key);
    const char *id = json_string_value(json_object_get(obj, "id"));

    if (cli->json)
        cli_print_raw(r);
    else if (cli->quiet)
        printf("%s\n", id != NULL ? id : "");
    else
        cli_print_object(cli, obj, NULL);
}

static int list_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX];
    json_t *rows, *kept;
    const json_t *row;
    size_t i;
    int rc;

    if (cli_path(path, sizeof(path), "/api/v1/campaigns/%s/creatives", a->pos[0]) != 0 ||
        (a->val[OPT_STATUS] != NULL &&
         apiclient_url_add_query(path, sizeof(path), "status", a->val[OPT_STATUS]) != 0))
        return cli_usage_error(cli, "argument too long");
    rc = cli_call(cli, "GET", path, NULL, &r);
    if (rc != EXIT_OK)
        goto cleanup;
    if (cli->json) {
        cli_print_raw(&r);
        goto cleanup;
    }
    /* The API validates status but does not filter by it (a contract quirk): filter here. */
    rows = json_object_get(r.json, "creatives");
    kept = json_array();
    json_array_foreach(rows, i, row)
    {
        const char *st = json_string_value(json_object_get(row, "status"));

        if (a->val[OPT_STATUS] == NULL || (st != NULL && strcmp(st, a->val[OPT_STATUS]) == 0))
            json_array_append(kept, (json_t *)row);
    }
    cli_print_table(cli, kept, LIST_COLS, sizeof(LIST_COLS) / sizeof(LIST_COLS[0]));
    json_decref(kept);
cleanup:
    apiclient_response_release(&r);
    return rc;
}

static int by_id(struct cli *cli, const char *method, const char *fmt, const char *id,
                 const json_t *body, const char *key)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX];
    int rc;

    if (cli_path(path, sizeof(path), fmt, id) != 0)
        return cli_usage_error(cli, "id too long");
    rc = cli_call(cli, method, path, body, &r);
    if (rc == EXIT_OK)
        print_creative(cli, &r, key);
    apiclient_response_release(&r);
    return rc;
}

static int get_run(struct cli *cli, const struct cli_args *a)
{
    return by_id(cli, "GET", "/api/v1/creatives/%s", a->pos[0], NULL, "creative");
}

static int stats_run(struct cli *cli, const struct cli_args *a)
{
    return by_id(cli, "GET", "/api/v1/creatives/%s/stats", a->pos[0], NULL, "stats");
}

static void sleep_ms(long ms);

static const struct output_col RENDITION_COLS[] = {
    {"RUNG", "rung"},           {"STATE", "state"},        {"WIDTH", "width"},
    {"HEIGHT", "height"},       {"KBPS", "bitrate_kbps"},  {"VIDEO", "video_codec"},
    {"AUDIO", "audio_codec"},   {"SIZE", "file_size"},     {"REASON", "failure_reason"},
};

/* Rungs of a media object in state pending or running. */
static size_t open_rungs(const json_t *media, size_t *ready)
{
    const json_t *r;
    size_t i, open = 0;

    *ready = 0;
    json_array_foreach(json_object_get(media, "renditions"), i, r)
    {
        const char *st = json_string_value(json_object_get(r, "state"));
        if (st != NULL && (strcmp(st, "pending") == 0 || strcmp(st, "running") == 0))
            open++;
        else if (st != NULL && strcmp(st, "ready") == 0)
            (*ready)++;
    }
    return open;
}

/*
 * media shows what processing measured and, below it, the rendition
 * ladder as a table. --wait polls until the file is measured and no rung
 * is pending or running (exit 0), or measuring failed (exit 1), noting
 * each newly ready rung on stderr.
 */
static int media_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX];
    int64_t start = clock_mono_ms();
    long wait_ms = WAIT_DEFAULT_MS;
    size_t seen_ready = 0;
    const json_t *media;
    json_t *shown;
    int rc;

    if (a->val[OPT_WAIT_TIMEOUT] != NULL &&
        clientcfg_parse_timeout(a->val[OPT_WAIT_TIMEOUT], &wait_ms) != 0)
        return cli_usage_error(cli, "--wait-timeout must be seconds > 0");
    if (cli_path(path, sizeof(path), "/api/v1/creatives/%s/media", a->pos[0]) != 0)
        return cli_usage_error(cli, "id too long");
    for (;;) {
        const char *st;
        size_t ready, open;

        apiclient_response_release(&r);
        rc = cli_call(cli, "GET", path, NULL, &r);
        if (rc != EXIT_OK)
            goto cleanup;
        media = json_object_get(r.json, "media");
        st = json_string_value(json_object_get(media, "state"));
        open = open_rungs(media, &ready);
        if (a->val[OPT_WAIT] == NULL)
            break;
        if (ready > seen_ready) {
            cli_note(cli, "%zu of %zu renditions ready", ready,
                     json_array_size(json_object_get(media, "renditions")));
            seen_ready = ready;
        }
        if (st != NULL && strcmp(st, "failed") == 0) {
            const char *why = json_string_value(json_object_get(media, "failure_reason"));
            cli_error(cli, "creative %s failed processing%s%s", a->pos[0], why ? ": " : "",
                      why ? why : "");
            rc = EXIT_FAIL;
            break;
        }
        if (st != NULL && strcmp(st, "ready") == 0 && open == 0)
            break;
        if (clock_mono_ms() - start >= wait_ms) {
            cli_error(cli, "creative %s: %zu renditions still pending after %.0f s", a->pos[0],
                      open, (double)wait_ms / 1000.0);
            rc = EXIT_TIMEOUT;
            break;
        }
        sleep_ms(POLL_MS);
    }
    media = json_object_get(r.json, "media");
    if (cli->json) {
        cli_print_raw(&r);
    } else if (cli->quiet) {
        const char *st = json_string_value(json_object_get(media, "state"));
        printf("%s\n", st != NULL ? st : "");
    } else {
        shown = json_deep_copy(media);
        if (shown != NULL) {
            json_object_del(shown, "renditions");
            cli_print_object(cli, shown, NULL);
            json_decref(shown);
        }
        if (json_array_size(json_object_get(media, "renditions")) > 0) {
            printf("\n");
            cli_print_table(cli, json_object_get(media, "renditions"), RENDITION_COLS,
                            sizeof(RENDITION_COLS) / sizeof(RENDITION_COLS[0]));
        }
    }
cleanup:
    apiclient_response_release(&r);
    return rc;
}

static int update_run(struct cli *cli, const struct cli_args *a)
{
    json_t *body = NULL;
    int rc = cli_build_body(cli, a, UPDATE_FIELDS, NULL, &body);

    if (rc == EXIT_OK)
        rc = by_id(cli, "PUT", "/api/v1/creatives/%s", a->pos[0], body, "creative");
    json_decref(body);
    return rc;
}

static int status_run(struct cli *cli, const struct cli_args *a)
{
    json_t *body = json_pack("{s:s}", "status", a->pos[1]);
    int rc = by_id(cli, "PUT", "/api/v1/creatives/%s/status", a->pos[0], body, "creative");

    json_decref(body);
    return rc;
}

static int delete_run(struct cli *cli, const struct cli_args *a)
{
    return cli_delete(cli, "/api/v1/creatives/%s", a->pos[0]);
}

/* The declared type the API accepts for a file name's extension. */
static const char *type_for(const char *file)
{
    const char *dot = strrchr(file, '.');

    if (dot == NULL)
        return "application/octet-stream";
    if (strcasecmp(dot, ".mp4") == 0)
        return "video/mp4";
    if (strcasecmp(dot, ".mov") == 0)
        return "video/quicktime";
    if (strcasecmp(dot, ".avi") == 0)
        return "video/x-msvideo";
    if (strcasecmp(dot, ".webm") == 0)
        return "video/webm";
    return "application/octet-stream";
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/*
 * Poll the creative until active or failed; *r holds the last answer.
 * Returns EXIT_OK (active), EXIT_FAIL (failed, reason printed), EXIT_TIMEOUT
 * or an API error's code.
 */
static int wait_processed(struct cli *cli, const char *id, long limit_ms,
                          struct apiclient_response *r)
{
    char path[CLI_PATH_MAX];
    int64_t start = clock_mono_ms();
    const char *st;
    int rc;

    if (cli_path(path, sizeof(path), "/api/v1/creatives/%s", id) != 0)
        return EXIT_USAGE;
    cli_note(cli, "waiting for processing of %s", id);
    for (;;) {
        rc = cli_call(cli, "GET", path, NULL, r);
        if (rc != EXIT_OK)
            return rc;
        st = json_string_value(json_object_get(json_object_get(r->json, "creative"), "status"));
        if (st != NULL && strcmp(st, "active") == 0)
            return EXIT_OK;
        if (st != NULL && strcmp(st, "failed") == 0) {
            struct apiclient_response m = {0};
            char mpath[CLI_PATH_MAX];
            const char *why = NULL;

            if (cli_path(mpath, sizeof(mpath), "/api/v1/creatives/%s/media", id) == 0 &&
                apiclient_request(cli->client, "GET", mpath, NULL, 0, &m) == APICLIENT_OK)
                why = json_string_value(
                    json_object_get(json_object_get(m.json, "media"), "failure_reason"));
            cli_error(cli, "creative %s failed processing%s%s", id, why ? ": " : "",
                      why ? why : "");
            apiclient_response_release(&m);
            return EXIT_FAIL;
        }
        if (clock_mono_ms() - start >= limit_ms) {
            cli_error(cli, "creative %s still %s after %.0f s", id, st != NULL ? st : "unknown",
                      (double)limit_ms / 1000.0);
            return EXIT_TIMEOUT;
        }
        sleep_ms(POLL_MS);
    }
}

static int upload_run(struct cli *cli, const struct cli_args *a)
{
    const char *campaign = a->pos[0], *file = a->pos[1], *base, *dot, *id;
    struct apiclient_response r = {0};
    const char *fields[3] = {"metadata", NULL, NULL};
    char path[CLI_PATH_MAX], name[256];
    json_t *meta = json_object();
    struct progress bar;
    struct apiclient *c;
    char *meta_text = NULL;
    long wait_ms = WAIT_DEFAULT_MS;
    struct stat st;
    int rc = EXIT_OK;

    if (a->val[OPT_WAIT_TIMEOUT] != NULL &&
        clientcfg_parse_timeout(a->val[OPT_WAIT_TIMEOUT], &wait_ms) != 0) {
        rc = cli_usage_error(cli, "--wait-timeout must be seconds > 0");
        goto cleanup;
    }
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        cli_error(cli, "%s: %s", file,
                  errno != 0 && !S_ISDIR(st.st_mode) ? strerror(errno) : "not a regular file");
        rc = EXIT_FAIL;
        goto cleanup;
    }
    if (cli_path(path, sizeof(path), "/api/v1/campaigns/%s/creatives", campaign) != 0) {
        rc = cli_usage_error(cli, "id too long");
        goto cleanup;
    }
    /* Name: --name, else the file name without its extension. */
    base = strrchr(file, '/');
    base = base != NULL ? base + 1 : file;
    dot = strrchr(base, '.');
    snprintf(name, sizeof(name), "%.*s", (int)(dot != NULL && dot > base ? dot - base : 255), base);
    json_object_set_new(meta, "name", json_string(a->val[OPT_NAME] ? a->val[OPT_NAME] : name));
    if (a->val[OPT_DURATION] != NULL)
        json_object_set_new(meta, "duration", cli_flag_value(a->val[OPT_DURATION], 'n'));
    if (a->val[OPT_WIDTH] != NULL)
        json_object_set_new(meta, "width", cli_flag_value(a->val[OPT_WIDTH], 'n'));
    if (a->val[OPT_HEIGHT] != NULL)
        json_object_set_new(meta, "height", cli_flag_value(a->val[OPT_HEIGHT], 'n'));
    meta_text = json_dumps(meta, JSON_COMPACT);
    fields[1] = meta_text;

    c = cli_authed(cli, &rc);
    if (c == NULL)
        goto cleanup;
    /* Progress only for a person watching: stderr a TTY, not -q, not --no-progress. */
    progress_init(&bar,
                  cli->tty_err && !cli->quiet && a->val[OPT_NO_PROGRESS] == NULL ? stderr : NULL,
                  term_width(2, 80));
    apiclient_upload(c, path, "video", file, NULL,
                     a->val[OPT_CONTENT_TYPE] ? a->val[OPT_CONTENT_TYPE] : type_for(file), fields,
                     progress_update, &bar, &r);
    progress_finish(&bar);
    if (r.err != APICLIENT_OK) {
        rc = cli_fail(cli, &r);
        goto cleanup;
    }
    id = json_string_value(json_object_get(json_object_get(r.json, "creative"), "id"));
    if (a->val[OPT_WAIT] != NULL && id != NULL) {
        char idcopy[64];

        snprintf(idcopy, sizeof(idcopy), "%s", id);
        rc = wait_processed(cli, idcopy, wait_ms, &r);
        if (rc != EXIT_OK && rc != EXIT_FAIL)
            goto cleanup;
        if (r.err == APICLIENT_OK)
            print_creative(cli, &r, "creative");
        goto cleanup;
    }
    print_creative(cli, &r, "creative");
cleanup:
    free(meta_text);
    json_decref(meta);
    apiclient_response_release(&r);
    return rc;
}

static const enum cli_opt_id LIST_OPTS[] = {OPT_STATUS, OPT_COUNT};
static const enum cli_opt_id UPLOAD_OPTS[] = {OPT_NAME,         OPT_DURATION,     OPT_WIDTH,
                                              OPT_HEIGHT,       OPT_CONTENT_TYPE, OPT_WAIT,
                                              OPT_WAIT_TIMEOUT, OPT_NO_PROGRESS,  OPT_COUNT};
static const enum cli_opt_id UPDATE_OPTS[] = {OPT_FILE, OPT_NAME, OPT_STATUS, OPT_DURATION,
                                              OPT_COUNT};
static const enum cli_opt_id NO_OPTS[] = {OPT_COUNT};
static const enum cli_opt_id MEDIA_OPTS[] = {OPT_WAIT, OPT_WAIT_TIMEOUT, OPT_COUNT};
static const enum cli_opt_id FILE_OPTS[] = {OPT_FILE, OPT_COUNT};

static const struct cli_cmd CMDS[] = {
    {"list", "<campaign-id> [--status STATUS]", "list a campaign's creatives", LIST_OPTS, 1, 1,
     list_run},
    {"get", "<id>", "show a creative", NO_OPTS, 1, 1, get_run},
    {"upload",
     "<campaign-id> <file> [--name NAME] [--duration SECONDS] [--width PIXELS] "
     "[--height PIXELS] [--content-type TYPE] [--wait] [--wait-timeout SECONDS] [--no-progress]",
     "upload a video (MP4, MOV, AVI, WebM), streamed, with a progress bar on a TTY", UPLOAD_OPTS, 2, 2,
     upload_run},
    {"update", "<id> [-f FILE|-] [--name NAME] [--status active|inactive] [--duration SECONDS]",
     "change the given fields of a creative", UPDATE_OPTS, 1, 1, update_run},
    {"status", "<id> active|inactive", "set a creative's status", NO_OPTS, 2, 2, status_run},
    {"delete", "<id>", "delete a creative and its stored file", NO_OPTS, 1, 1, delete_run},
    {"stats", "<id>", "show a creative's impressions, completions and clicks", NO_OPTS, 1, 1,
     stats_run},
    {"media", "<id> [--wait] [--wait-timeout SECONDS]",
     "show what processing read from the file and its renditions, or why it failed",
     MEDIA_OPTS, 1, 1, media_run},
    {"trackers", "get|set <id> [-f FILE|-]",
     "show or replace a creative's third-party impression, click, error and event trackers",
     FILE_OPTS, 2, 2, cmd_trackers_creative},
    {"verifications", "get|set <id> [-f FILE|-]",
     "show or replace a creative's OMID verification scripts", FILE_OPTS, 2, 2,
     cmd_trackers_verifications},
};

const struct cli_noun cmd_creatives_noun = {"creatives", "manage creatives (video files)", CMDS,
                                            sizeof(CMDS) / sizeof(CMDS[0])};
