/*
 * cmd_analytics: analytics summary|campaign over docs/admin-api.md.
 * Tables show the main part (the summary's numbers, a campaign's daily
 * rows); --json has the whole answer. On a TTY the second part (top
 * campaigns, creative breakdown) follows after a blank line; piped output
 * stays one table so scripts can read it line by line.
 */
#include "cli.h"

#include <stdio.h>


static const struct output_col TOP_COLS[] = {
    {"ID", "id"},         {"NAME", "name"}, {"STATUS", "status"}, {"IMPRESSIONS", "impressions"},
    {"CLICKS", "clicks"}, {"CTR", "ctr"},   {"SPEND", "spend"},
};
static const struct output_col DAILY_COLS[] = {
    {"DATE", "date"},
    {"IMPRESSIONS", "impressions"},
    {"CLICKS", "clicks"},
    {"COMPLETIONS", "completions"},
    {"SPEND", "spend"},
    {"CTR", "ctr"},
    {"COMPLETION_RATE", "completionRate"},
};
static const struct output_col CREATIVE_COLS[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"STATUS", "status"},
    {"IMPRESSIONS", "impressions"},
    {"COMPLETIONS", "completions"},
    {"COMPLETION_RATE", "completionRate"},
};

/* path plus ?start_date=&end_date= from the flags; 0 or -1. */
static int with_dates(char *path, size_t n, const struct cli_args *a)
{
    if (a->val[OPT_START_DATE] != NULL &&
        apiclient_url_add_query(path, n, "start_date", a->val[OPT_START_DATE]) != 0)
        return -1;
    if (a->val[OPT_END_DATE] != NULL &&
        apiclient_url_add_query(path, n, "end_date", a->val[OPT_END_DATE]) != 0)
        return -1;
    return 0;
}

static int summary_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX] = "/api/v1/analytics/summary";
    int rc;

    if (with_dates(path, sizeof(path), a) != 0)
        return cli_usage_error(cli, "dates too long");
    rc = cli_call(cli, "GET", path, NULL, &r);
    if (rc == EXIT_OK) {
        if (cli->json) {
            cli_print_raw(&r);
        } else if (cli->quiet) {
            cli_print_table(cli, json_object_get(r.json, "topCampaigns"), TOP_COLS, 1);
        } else {
            cli_print_object(cli, json_object_get(r.json, "summary"), NULL);
            if (cli->tty_out && json_array_size(json_object_get(r.json, "topCampaigns")) > 0) {
                printf("\n");
                cli_print_table(cli, json_object_get(r.json, "topCampaigns"), TOP_COLS,
                                sizeof(TOP_COLS) / sizeof(TOP_COLS[0]));
            }
        }
    }
    apiclient_response_release(&r);
    return rc;
}

static int campaign_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX];
    int rc;

    if (cli_path(path, sizeof(path), "/api/v1/analytics/campaigns/%s", a->pos[0]) != 0 ||
        with_dates(path, sizeof(path), a) != 0)
        return cli_usage_error(cli, "arguments too long");
    rc = cli_call(cli, "GET", path, NULL, &r);
    if (rc == EXIT_OK) {
        if (cli->json) {
            cli_print_raw(&r);
        } else if (cli->quiet) {
            cli_print_table(cli, json_object_get(r.json, "creativeBreakdown"), CREATIVE_COLS, 1);
        } else {
            cli_print_table(cli, json_object_get(r.json, "dailyStats"), DAILY_COLS,
                            sizeof(DAILY_COLS) / sizeof(DAILY_COLS[0]));
            if (cli->tty_out && json_array_size(json_object_get(r.json, "creativeBreakdown")) > 0) {
                printf("\n");
                cli_print_table(cli, json_object_get(r.json, "creativeBreakdown"), CREATIVE_COLS,
                                sizeof(CREATIVE_COLS) / sizeof(CREATIVE_COLS[0]));
            }
        }
    }
    apiclient_response_release(&r);
    return rc;
}

static const enum cli_opt_id DATE_OPTS[] = {OPT_START_DATE, OPT_END_DATE, OPT_COUNT};

static const struct cli_cmd CMDS[] = {
    {"summary", "[--start-date DATE] [--end-date DATE]",
     "totals over your campaigns (-q: ids of the top campaigns)", DATE_OPTS, 0, 0, summary_run},
    {"campaign", "<id> [--start-date DATE] [--end-date DATE]",
     "a campaign's daily numbers (-q: its creative ids)", DATE_OPTS, 1, 1, campaign_run},
};

const struct cli_noun cmd_analytics_noun = {"analytics", "delivery numbers", CMDS,
                                            sizeof(CMDS) / sizeof(CMDS[0])};
