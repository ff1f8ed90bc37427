/*
 * cmd_vast: vast fetch <url> [--schema DIR]: fetch a VAST or VMAP document
 * (any URL, redirects followed, no login), check it (vastcheck.h) and
 * summarise its ads. Exit 0 when valid, 1 when it has problems (listed on
 * stderr), or the transport's code. --json prints the summary and the
 * problems as one object: {"url","status","valid","problems":[...],
 * "summary":{...}} (the fetched document is not JSON).
 */
#include "cli.h"
#include "vastcheck.h"
#include "lib/xalloc.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct output_col AD_COLS[] = {
    {"AD", "id"},       {"SEQ", "sequence"},      {"TYPE", "type"},
    {"TITLE", "title"}, {"DURATION", "duration"}, {"MEDIA", "media_summary"},
};

static const char *str_or(const char *s)
{
    return s != NULL ? s : "?";
}

/* "video/mp4 1280x720, ..." for the table. */
static void add_media_summary(json_t *ads)
{
    json_t *ad, *m;
    size_t i, k;

    json_array_foreach(ads, i, ad)
    {
        struct buf b;
        char *s;

        buf_init(&b, 4096);
        json_array_foreach(json_object_get(ad, "media"), k, m)(void)
            buf_printf(&b, "%s%s %sx%s", k > 0 ? ", " : "",
                       str_or(json_string_value(json_object_get(m, "type"))),
                       str_or(json_string_value(json_object_get(m, "width"))),
                       str_or(json_string_value(json_object_get(m, "height"))));
        s = buf_detach(&b, NULL);
        json_object_set_new(ad, "media_summary", json_string(s != NULL ? s : ""));
        free(s);
    }
}

static int fetch_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    struct apiclient *c = cli_client(cli);
    const char *url = a->pos[0];
    json_t *summary = NULL, *problems_json;
    struct buf problems;
    int n, rc;

    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return cli_usage_error(cli, "the URL must start with http:// or https://");
    if (c == NULL)
        return EXIT_FAIL;
    buf_init(&problems, 64 * 1024);
    if (apiclient_fetch_url(c, url, &r) != APICLIENT_OK) {
        rc = cli_fail(cli, &r);
        goto cleanup;
    }
    n = vastcheck_run(r.body, r.body_len, a->val[OPT_SCHEMA], &summary, &problems);
    rc = n == 0 ? EXIT_OK : EXIT_FAIL;
    add_media_summary(json_object_get(summary, "ads"));
    if (cli->json) {
        char *line, *save = NULL, *text;
        json_t *doc;

        problems_json = json_array();
        for (line = problems.data != NULL ? strtok_r(problems.data, "\n", &save) : NULL;
             line != NULL; line = strtok_r(NULL, "\n", &save))
            json_array_append_new(problems_json, json_string(line));
        doc = json_pack("{s:s,s:i,s:b,s:o,s:O}", "url", url, "status", (int)r.status, "valid",
                        n == 0, "problems", problems_json, "summary", summary);
        text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
        if (text != NULL)
            printf("%s\n", text);
        free(text);
        json_decref(doc);
    } else {
        if (cli->quiet) {
            cli_print_table(cli, json_object_get(summary, "ads"), AD_COLS, 1);
        } else {
            const char *kind = json_string_value(json_object_get(summary, "kind"));
            const char *version = json_string_value(json_object_get(summary, "version"));

            if (kind != NULL)
                cli_note(cli, "%s %s: %zu ad(s)%s", kind, version != NULL ? version : "?",
                         json_array_size(json_object_get(summary, "ads")),
                         json_array_size(json_object_get(summary, "ads")) == 0 &&
                                 strcmp(kind, "VAST") == 0
                             ? " (no fill)"
                             : "");
            if (json_array_size(json_object_get(summary, "breaks")) > 0) {
                static const struct output_col BREAK_COLS[] = {
                    {"BREAK", "id"}, {"OFFSET", "offset"}, {"TYPE", "type"}, {"ADS", "ads"}};

                cli_print_table(cli, json_object_get(summary, "breaks"), BREAK_COLS, 4);
                if (cli->tty_out)
                    printf("\n");
            }
            cli_print_table(cli, json_object_get(summary, "ads"), AD_COLS,
                            sizeof(AD_COLS) / sizeof(AD_COLS[0]));
        }
        if (problems.len > 0)
            fprintf(stderr, "%s", problems.data);
        if (n != 0)
            cli_error(cli, "%s: %d problem(s)", url, n < 0 ? 1 : n);
    }
cleanup:
    json_decref(summary);
    buf_release(&problems);
    apiclient_response_release(&r);
    xmlCleanupParser();
    return rc;
}

static const enum cli_opt_id FETCH_OPTS[] = {OPT_SCHEMA, OPT_COUNT};

static const struct cli_cmd CMDS[] = {
    {"fetch", "<url> [--schema DIR]",
     "fetch a VAST/VMAP URL, check it (structure, durations, media files) and list its ads",
     FETCH_OPTS, 1, 1, fetch_run},
};

const struct cli_noun cmd_vast_noun = {"vast", "check VAST/VMAP documents", CMDS, 1};
