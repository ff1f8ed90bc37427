/*
 * cmd_health: GET /health (no login needed). Prints the overall status and
 * each check; exits 8 when the server says 503 (a check is ERROR), so a CI
 * job can gate on it. The body is printed in both cases.
 */
#include "cli.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int health_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    struct apiclient *c = cli_client(cli);
    json_t *flat;
    const json_t *check;
    const char *name;
    int rc;

    (void)a;
    if (c == NULL)
        return EXIT_FAIL;
    apiclient_request(c, "GET", "/health", NULL, APICLIENT_NOAUTH, &r);
    if (r.json == NULL || !json_is_object(r.json) || json_object_get(r.json, "status") == NULL) {
        rc = cli_fail(cli, &r);
        goto cleanup;
    }
    rc = r.err == APICLIENT_OK ? EXIT_OK : cli_exit_for(r.err);
    if (cli->json) {
        cli_print_raw(&r);
    } else if (cli->quiet) {
        printf("%s\n", json_string_value(json_object_get(r.json, "status")));
    } else {
        flat = json_object();
        json_object_set(flat, "status", json_object_get(r.json, "status"));
        json_object_set(flat, "version", json_object_get(r.json, "version"));
        json_object_set(flat, "environment", json_object_get(r.json, "environment"));
        json_object_foreach(json_object_get(r.json, "checks"), name, check)
        {
            const json_t *lat = json_object_get(check, "latency");
            const json_t *err = json_object_get(check, "error");
            char *l = lat != NULL ? output_cell(lat, 0) : NULL;
            char line[512];

            snprintf(line, sizeof(line), "%s%s%s%s%s",
                     json_string_value(json_object_get(check, "status")) != NULL
                         ? json_string_value(json_object_get(check, "status"))
                         : "?",
                     l != NULL ? " (" : "", l != NULL ? l : "", l != NULL ? " ms)" : "",
                     err != NULL ? " error" : "");
            free(l);
            json_object_set_new(flat, name, json_string(line));
        }
        cli_print_object(cli, flat, NULL);
        json_decref(flat);
    }
    if (rc != EXIT_OK)
        cli_error(cli, "server unhealthy (HTTP %ld)", r.status);
cleanup:
    apiclient_response_release(&r);
    return rc;
}

static const enum cli_opt_id NO_OPTS[] = {OPT_COUNT};

static const struct cli_cmd HEALTH[] = {
    {NULL, "", "check the server's health (no login needed)", NO_OPTS, 0, 0, health_run},
};

const struct cli_noun cmd_health_noun = {"health", "check the server's health", HEALTH, 1};
