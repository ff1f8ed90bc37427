/*
 * cmd_campaigns: campaigns list|get|create|update|status|delete|stats
 * over docs/admin-api.md. Bodies come from -f (a JSON object) and flags,
 * flags winning; values are sent as the API expects them (numbers as JSON
 * numbers when they read as numbers), and the API's validation decides.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>


static const struct output_col LIST_COLS[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"STATUS", "status"},
    {"BUDGET", "budget_total"},
    {"SPENT", "budget_spent"},
    {"START", "start_date"},
    {"END", "end_date"},
    {"CREATIVES", "creative_count"},
    {"IMPRESSIONS", "total_impressions"},
};

static const struct cli_field FIELDS[] = {
    {OPT_NAME, "name", 's'},           {OPT_DESCRIPTION, "description", 's'},
    {OPT_BUDGET, "budget_total", 'n'}, {OPT_START_DATE, "start_date", 's'},
    {OPT_END_DATE, "end_date", 's'},   {OPT_PRICING_MODEL, "pricing_model", 's'},
    {OPT_CPM_RATE, "cpm_rate", 'n'},   {OPT_CPC_RATE, "cpc_rate", 'n'},
    {OPT_CPV_RATE, "cpv_rate", 'n'},   {OPT_COUNT, NULL, 0},
};

/* Print a {"campaign": {...}}-shaped answer by the output mode. */
static void print_campaign(struct cli *cli, const struct apiclient_response *r, const char *key)
{
    const json_t *obj = json_object_get(r->json, key);

    if (cli->json)
        cli_print_raw(r);
    else if (cli->quiet)
        printf("%s\n", json_string_value(json_object_get(obj, "id")) != NULL
                           ? json_string_value(json_object_get(obj, "id"))
                           : "");
    else
        cli_print_object(cli, obj, NULL);
}

static int list_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX] = "/api/v1/campaigns";
    static const struct {
        enum cli_opt_id opt;
        const char *name;
    } query[] = {{OPT_STATUS, "status"},
                 {OPT_START_DATE, "start_date"},
                 {OPT_END_DATE, "end_date"},
                 {OPT_PAGE, "page"},
                 {OPT_LIMIT, "limit"}};
    size_t i;
    int rc;

    for (i = 0; i < sizeof(query) / sizeof(query[0]); i++)
        if (a->val[query[i].opt] != NULL &&
            apiclient_url_add_query(path, sizeof(path), query[i].name, a->val[query[i].opt]) != 0)
            return cli_usage_error(cli, "query too long");
    rc = cli_call(cli, "GET", path, NULL, &r);
    if (rc == EXIT_OK) {
        if (cli->json)
            cli_print_raw(&r);
        else
            cli_print_table(cli, json_object_get(r.json, "campaigns"), LIST_COLS,
                            sizeof(LIST_COLS) / sizeof(LIST_COLS[0]));
    }
    apiclient_response_release(&r);
    return rc;
}

/* GET the path of fmt (one %s: the id, percent-encoded) and print answer[key]. */
static int get_and_print(struct cli *cli, const char *id, const char *fmt, const char *key)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX];
    int rc;

    if (cli_path(path, sizeof(path), fmt, id) != 0)
        return cli_usage_error(cli, "id too long");
    rc = cli_call(cli, "GET", path, NULL, &r);
    if (rc == EXIT_OK)
        print_campaign(cli, &r, key);
    apiclient_response_release(&r);
    return rc;
}

static int get_run(struct cli *cli, const struct cli_args *a)
{
    return get_and_print(cli, a->pos[0], "/api/v1/campaigns/%s", "campaign");
}

static int stats_run(struct cli *cli, const struct cli_args *a)
{
    return get_and_print(cli, a->pos[0], "/api/v1/campaigns/%s/stats", "stats");
}

/* POST (id NULL) or PUT a body built from -f and flags. */
static int write_run(struct cli *cli, const struct cli_args *a, const char *id)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX] = "/api/v1/campaigns";
    json_t *body = NULL;
    int rc;

    if (id != NULL && cli_path(path, sizeof(path), "/api/v1/campaigns/%s", id) != 0)
        return cli_usage_error(cli, "id too long");
    rc = cli_build_body(cli, a, FIELDS, NULL, &body);
    if (rc != EXIT_OK)
        return rc;
    rc = cli_call(cli, id != NULL ? "PUT" : "POST", path, body, &r);
    if (rc == EXIT_OK)
        print_campaign(cli, &r, "campaign");
    json_decref(body);
    apiclient_response_release(&r);
    return rc;
}

static int create_run(struct cli *cli, const struct cli_args *a)
{
    return write_run(cli, a, NULL);
}

static int update_run(struct cli *cli, const struct cli_args *a)
{
    return write_run(cli, a, a->pos[0]);
}

static int status_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX];
    json_t *body;
    int rc;

    if (cli_path(path, sizeof(path), "/api/v1/campaigns/%s/status", a->pos[0]) != 0)
        return cli_usage_error(cli, "id too long");
    body = json_pack("{s:s}", "status", a->pos[1]);
    rc = cli_call(cli, "PUT", path, body, &r);
    if (rc == EXIT_OK)
        print_campaign(cli, &r, "campaign");
    json_decref(body);
    apiclient_response_release(&r);
    return rc;
}

static int delete_run(struct cli *cli, const struct cli_args *a)
{
    return cli_delete(cli,
                      a->val[OPT_HARD] != NULL ? "/api/v1/campaigns/%s?hard=true"
                                               : "/api/v1/campaigns/%s",
                      a->pos[0]);
}

static const enum cli_opt_id LIST_OPTS[] = {OPT_STATUS, OPT_START_DATE, OPT_END_DATE,
                                            OPT_PAGE,   OPT_LIMIT,      OPT_COUNT};
static const enum cli_opt_id WRITE_OPTS[] = {
    OPT_FILE,          OPT_NAME,     OPT_DESCRIPTION, OPT_BUDGET,   OPT_START_DATE, OPT_END_DATE,
    OPT_PRICING_MODEL, OPT_CPM_RATE, OPT_CPC_RATE,    OPT_CPV_RATE, OPT_COUNT};
static const enum cli_opt_id DELETE_OPTS[] = {OPT_HARD, OPT_COUNT};
static const enum cli_opt_id NO_OPTS[] = {OPT_COUNT};

#define WRITE_ARGS                                                                                 \
    "[-f FILE|-] [--name NAME] [--description TEXT] [--budget AMOUNT] [--start-date DATE] "        \
    "[--end-date DATE] [--pricing-model MODEL] [--cpm-rate AMOUNT] [--cpc-rate AMOUNT] "           \
    "[--cpv-rate AMOUNT]"

static const enum cli_opt_id FILE_OPTS[] = {OPT_FILE, OPT_COUNT};

static const struct cli_cmd CMDS[] = {
    {"list", "[--status STATUS] [--start-date DATE] [--end-date DATE] [--page N] [--limit N]",
     "list your campaigns (newest first)", LIST_OPTS, 0, 0, list_run},
    {"get", "<id>", "show a campaign with its totals and metrics", NO_OPTS, 1, 1, get_run},
    {"create", WRITE_ARGS, "create a campaign (status draft)", WRITE_OPTS, 0, 0, create_run},
    {"update", "<id> " WRITE_ARGS, "change the given fields of a campaign", WRITE_OPTS, 1, 1,
     update_run},
    {"status", "<id> draft|active|paused|completed", "set a campaign's status", NO_OPTS, 2, 2,
     status_run},
    {"delete", "<id> [--hard]", "mark a campaign completed, or remove it with --hard", DELETE_OPTS,
     1, 1, delete_run},
    {"stats", "<id>", "show a campaign's delivery totals, CTR and completion rate", NO_OPTS, 1, 1,
     stats_run},
    {"trackers", "get|set <id> [-f FILE|-]",
     "show or replace the third-party trackers added to every creative of a campaign",
     FILE_OPTS, 2, 2, cmd_trackers_campaign},
};

const struct cli_noun cmd_campaigns_noun = {"campaigns", "manage campaigns", CMDS,
                                            sizeof(CMDS) / sizeof(CMDS[0])};
