/*
 * cmd_tag: a campaign's VAST and VMAP tag URLs (GET .../vast-tag), the
 * URLs to paste into a player or SSAI configuration. --vast or --vmap
 * prints that one URL alone, for scripts.
 */
#include "cli.h"

#include <stdio.h>

static int tag_run(struct cli *cli, const struct cli_args *a)
{
    static const char *const keys[] = {"campaignId", "vast", "vmap", NULL};
    struct apiclient_response r = {0};
    char path[1024];
    const char *one = NULL;
    int rc;

    if (a->val[OPT_VAST] != NULL && a->val[OPT_VMAP] != NULL)
        return cli_usage_error(cli, "--vast and --vmap exclude each other");
    if (cli_path(path, sizeof(path), "/api/v1/campaigns/%s/vast-tag", a->pos[0]) != 0)
        return cli_usage_error(cli, "id too long");
    rc = cli_call(cli, "GET", path, NULL, &r);
    if (rc != EXIT_OK)
        goto cleanup;
    if (a->val[OPT_VAST] != NULL)
        one = "vast";
    else if (a->val[OPT_VMAP] != NULL)
        one = "vmap";
    if (cli->json) {
        cli_print_raw(&r);
    } else if (one != NULL) {
        const char *url = json_string_value(json_object_get(r.json, one));

        if (url == NULL) {
            cli_error(cli, "the answer has no %s tag", one);
            rc = EXIT_SERVER;
        } else {
            printf("%s\n", url);
        }
    } else if (cli->quiet) {
        printf("%s\n", json_string_value(json_object_get(r.json, "vast")));
    } else {
        cli_print_object(cli, r.json, keys);
    }
cleanup:
    apiclient_response_release(&r);
    return rc;
}

static const enum cli_opt_id TAG_OPTS[] = {OPT_VAST, OPT_VMAP, OPT_COUNT};

static const struct cli_cmd TAG[] = {
    {NULL, "<campaign-id> [--vast|--vmap]",
     "print the campaign's VAST and VMAP tag URLs (IAB macros left for the player)", TAG_OPTS, 1,
     1, tag_run},
};

const struct cli_noun cmd_tag_noun = {"tag", "a campaign's VAST/VMAP tag URLs", TAG, 1};
