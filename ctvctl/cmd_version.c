/*
 * cmd_version: ctvctl's version, and the server's from GET / when it
 * answers (a warning, not a failure, when it does not: the client version
 * is still worth printing). --json: {"client": "...", "server": <GET / or null>}.
 */
#include "cli.h"
#include "lib/version.h"

#include <stdio.h>
#include <stdlib.h>

static int version_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    struct apiclient *c = cli_client(cli);
    const char *server_version = NULL;

    (void)a;
    if (c != NULL && apiclient_request(c, "GET", "/", NULL, APICLIENT_NOAUTH, &r) == APICLIENT_OK)
        server_version = json_string_value(json_object_get(r.json, "version"));
    if (cli->json) {
        json_t *doc = json_pack("{s:s,s:O}", "client", ADSERVERD_VERSION, "server",
                                server_version != NULL ? r.json : json_null());
        char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;

        if (text != NULL)
            printf("%s\n", text);
        free(text);
        json_decref(doc);
    } else {
        printf("ctvctl %s\n", ADSERVERD_VERSION);
        if (server_version != NULL)
            printf("server %s %s\n", cli->cfg.server, server_version);
        else
            cli_note(cli, "server %s did not answer: %s", cli->cfg.server,
                     r.message[0] ? r.message : "no version in its answer");
    }
    apiclient_response_release(&r);
    return EXIT_OK;
}

static const enum cli_opt_id NO_OPTS[] = {OPT_COUNT};

static const struct cli_cmd VERSION[] = {
    {NULL, "", "print ctvctl's version and the server's", NO_OPTS, 0, 0, version_run},
};

const struct cli_noun cmd_version_noun = {"version", "print the versions", VERSION, 1};
