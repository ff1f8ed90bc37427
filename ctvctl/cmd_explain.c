/*
 * cmd_explain: why an ad request would (not) fill, from
 * GET /api/v1/decisions/explain (contracts item 5). The arguments are the
 * /vast query parameters as key=value words, passed through encoded:
 *   ctvctl explain country=US device_type=ctv pod_duration=30
 * The table lists every campaign the caller may see with its verdict; the
 * chosen creatives and a no-fill reason go to stderr as notes. -q prints
 * the chosen campaign ids.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct output_col COLS[] = {
    {"CAMPAIGN", "campaign_id"},
    {"NAME", "name"},
    {"REASON", "reason"},
    {"DETAIL", "detail"},
};

static int explain_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    char path[8192] = "/api/v1/decisions/explain", key[128];
    const json_t *chosen, *e;
    const char *nofill;
    size_t i;
    int k, rc;

    for (k = 0; k < a->npos; k++) {
        const char *eq = strchr(a->pos[k], '=');

        if (eq == NULL || eq == a->pos[k] || (size_t)(eq - a->pos[k]) >= sizeof(key))
            return cli_usage_error(cli, "'%.60s' is not key=value", a->pos[k]);
        snprintf(key, sizeof(key), "%.*s", (int)(eq - a->pos[k]), a->pos[k]);
        if (apiclient_url_add_query(path, sizeof(path), key, eq + 1) != 0)
            return cli_usage_error(cli, "query too long");
    }
    rc = cli_call(cli, "GET", path, NULL, &r);
    if (rc != EXIT_OK)
        goto cleanup;
    if (cli->json) {
        cli_print_raw(&r);
        goto cleanup;
    }
    chosen = json_object_get(r.json, "chosen");
    if (cli->quiet) {
        json_array_foreach(chosen, i, e)
        {
            const char *id = json_string_value(json_object_get(e, "campaign_id"));

            if (id != NULL)
                printf("%s\n", id);
        }
        goto cleanup;
    }
    cli_print_table(cli, json_object_get(r.json, "campaigns"), COLS,
                    sizeof(COLS) / sizeof(COLS[0]));
    json_array_foreach(chosen, i, e)
    {
        json_int_t seq = json_integer_value(json_object_get(e, "sequence"));

        cli_note(cli, "chosen #%" JSON_INTEGER_FORMAT ": campaign %s creative %s", seq,
                 json_string_value(json_object_get(e, "campaign_id")),
                 json_string_value(json_object_get(e, "creative_id")));
    }
    nofill = json_string_value(json_object_get(r.json, "no_fill_reason"));
    if (nofill != NULL)
        cli_note(cli, "no fill: %s", nofill);
cleanup:
    apiclient_response_release(&r);
    return rc;
}

static const enum cli_opt_id NO_OPTS[] = {OPT_COUNT};

static const struct cli_cmd EXPLAIN[] = {
    {NULL, "[key=value ...]",
     "trace the ad decision for a request with these /vast parameters", NO_OPTS, 0, CLI_MAX_POS,
     explain_run},
};

const struct cli_noun cmd_explain_noun = {"explain", "trace an ad decision", EXPLAIN, 1};
