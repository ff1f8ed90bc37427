/*
 * cmd_trackers: the advertiser's own measurement of a creative or campaign,
 * as verbs of the creatives and campaigns nouns:
 *
 *   ctvctl creatives trackers get|set <creative-id> [-f FILE|-]
 *   ctvctl creatives verifications get|set <creative-id> [-f FILE|-]
 *   ctvctl campaigns trackers get|set <campaign-id> [-f FILE|-]
 *
 * over GET|PUT /api/v1/{creatives,campaigns}/:id/{trackers,verifications}
 * (adserverd(8)). The documents are nested lists, which flags describe
 * badly, so set takes the whole document from -f FILE (or stdin) and the
 * API replaces what was stored with it; get prints the stored document as
 * indented JSON (--json: the answer unchanged).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* get|set of resource key ("trackers", "verifications") of an object under base. */
static int run(struct cli *cli, const struct cli_args *a, const char *base, const char *key)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX], fmt[96];
    json_t *body = NULL;
    const char *verb = a->pos[0], *id = a->pos[1];
    char *text;
    int rc, set;

    if (strcmp(verb, "get") != 0 && strcmp(verb, "set") != 0)
        return cli_usage_error(cli, "unknown action %s: use get or set", verb);
    set = verb[0] == 's';
    if (!set && a->val[OPT_FILE] != NULL)
        return cli_usage_error(cli, "-f is for set");
    if (set && a->val[OPT_FILE] == NULL)
        return cli_usage_error(cli, "set needs the document: -f FILE or -f -");
    /* base and key are fixed names of letters: the format only escapes the id */
    snprintf(fmt, sizeof(fmt), "/api/v1/%s/%%s/%s", base, key);
    if (cli_path(path, sizeof(path), fmt, id) != 0)
        return cli_usage_error(cli, "id too long");
    if (set) {
        rc = cli_read_json_file(cli, a->val[OPT_FILE], &body);
        if (rc != EXIT_OK)
            return rc;
    }
    rc = cli_call(cli, set ? "PUT" : "GET", path, body, &r);
    if (rc == EXIT_OK) {
        if (cli->json) {
            cli_print_raw(&r);
        } else if (!cli->quiet) {
            text = json_dumps(json_object_get(r.json, key), JSON_INDENT(2) | JSON_ENCODE_ANY);
            if (text == NULL) {
                rc = EXIT_SERVER;
                cli_error(cli, "answer without %s", key);
            } else {
                printf("%s\n", text);
                free(text);
            }
        }
    }
    json_decref(body);
    apiclient_response_release(&r);
    return rc;
}

int cmd_trackers_creative(struct cli *cli, const struct cli_args *a)
{
    return run(cli, a, "creatives", "trackers");
}

int cmd_trackers_campaign(struct cli *cli, const struct cli_args *a)
{
    return run(cli, a, "campaigns", "trackers");
}

int cmd_trackers_verifications(struct cli *cli, const struct cli_args *a)
{
    return run(cli, a, "creatives", "verifications");
}
