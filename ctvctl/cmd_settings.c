/*
 * cmd_settings: the serving settings of a campaign, four nouns of one shape:
 * targeting, caps, pacing, advertiser, each with get and set, over
 * GET|PUT /api/v1/campaigns/:id/<noun> (README, adserverd(8)).
 *
 * The API's PUT replaces the whole object, so set starts from the current
 * object (a GET), or from -f FILE when given, then applies the flags: a flag
 * changes one field and leaves the others as they were.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>


struct settings {
    const char *key; /* path suffix and answer key */
    const struct cli_field *fields;
};

static const struct cli_field TARGETING_FIELDS[] = {
    {OPT_COUNTRIES, "countries", 'l'},
    {OPT_REGIONS, "regions", 'l'},
    {OPT_DMAS, "dmas", 'l'},
    {OPT_DEVICE_TYPES, "device_types", 'l'},
    {OPT_OS, "os", 'l'},
    {OPT_APP_BUNDLES, "app_bundles", 'l'},
    {OPT_CONTENT_GENRES, "content_genres", 'l'},
    {OPT_CONTENT_RATINGS, "content_ratings", 'l'},
    {OPT_CONTENT_CATEGORIES, "content_categories", 'l'},
    {OPT_LIVESTREAM, "livestream", 's'},
    {OPT_COUNT, NULL, 0},
};
static const struct cli_field CAPS_FIELDS[] = {
    {OPT_PER_HOUR, "per_hour", 'N'},
    {OPT_PER_DAY, "per_day", 'N'},
    {OPT_PER_WEEK, "per_week", 'N'},
    {OPT_COUNT, NULL, 0},
};
static const struct cli_field PACING_FIELDS[] = {
    {OPT_MODE, "mode", 's'},
    {OPT_TIME_ZONE, "time_zone", 's'},
    {OPT_PRIORITY, "priority", 'n'},
    {OPT_WEIGHT, "weight", 'n'},
    {OPT_COUNT, NULL, 0},
};
static const struct cli_field ADVERTISER_FIELDS[] = {
    {OPT_DOMAIN, "domain", 'S'},
    {OPT_IAB_CATEGORIES, "iab_categories", 'l'},
    {OPT_CLICK_THROUGH_URL, "click_through_url", 'S'},
    {OPT_COUNT, NULL, 0},
};

static const struct settings TARGETING = {"targeting", TARGETING_FIELDS};
static const struct settings CAPS = {"caps", CAPS_FIELDS};
static const struct settings PACING = {"pacing", PACING_FIELDS};
static const struct settings ADVERTISER = {"advertiser", ADVERTISER_FIELDS};

static void print_settings(struct cli *cli, const struct apiclient_response *r,
                           const struct settings *s)
{
    if (cli->json)
        cli_print_raw(r);
    else if (!cli->quiet)
        cli_print_object(cli, json_object_get(r->json, s->key), NULL);
}

static int get_settings(struct cli *cli, const struct cli_args *a, const struct settings *s)
{
    struct apiclient_response r = {0};
    char path[CLI_PATH_MAX];
    int rc;

    /* the key is a fixed name of letters: encoding leaves it as it is */
    if (cli_path(path, sizeof(path), "/api/v1/campaigns/%s/%s", a->pos[0], s->key) != 0)
        return cli_usage_error(cli, "id too long");
    rc = cli_call(cli, "GET", path, NULL, &r);
    if (rc == EXIT_OK)
        print_settings(cli, &r, s);
    apiclient_response_release(&r);
    return rc;
}

static int set_settings(struct cli *cli, const struct cli_args *a, const struct settings *s)
{
    struct apiclient_response r = {0};
    const struct cli_field *f;
    char path[CLI_PATH_MAX];
    json_t *body = NULL;
    int rc, any = a->val[OPT_FILE] != NULL;

    for (f = s->fields; f->key != NULL; f++)
        any |= a->val[f->opt] != NULL;
    if (!any)
        return cli_usage_error(cli, "nothing to set: give -f FILE or a field option");
    /* the key is a fixed name of letters: encoding leaves it as it is */
    if (cli_path(path, sizeof(path), "/api/v1/campaigns/%s/%s", a->pos[0], s->key) != 0)
        return cli_usage_error(cli, "id too long");
    if (a->val[OPT_FILE] == NULL) {
        /* Start from what is stored: PUT replaces the whole object. */
        rc = cli_call(cli, "GET", path, NULL, &r);
        if (rc != EXIT_OK)
            goto cleanup;
    }
    rc = cli_build_body(cli, a, s->fields, json_object_get(r.json, s->key), &body);
    if (rc != EXIT_OK)
        goto cleanup;
    rc = cli_call(cli, "PUT", path, body, &r);
    if (rc == EXIT_OK)
        print_settings(cli, &r, s);
cleanup:
    json_decref(body);
    apiclient_response_release(&r);
    return rc;
}

#define PAIR(name, S)                                                                              \
    static int name##_get(struct cli *cli, const struct cli_args *a)                               \
    {                                                                                              \
        return get_settings(cli, a, &S);                                                           \
    }                                                                                              \
    static int name##_set(struct cli *cli, const struct cli_args *a)                               \
    {                                                                                              \
        return set_settings(cli, a, &S);                                                           \
    }
PAIR(targeting, TARGETING)
PAIR(caps, CAPS)
PAIR(pacing, PACING)
PAIR(advertiser, ADVERTISER)
#undef PAIR

static const enum cli_opt_id NO_OPTS[] = {OPT_COUNT};
static const enum cli_opt_id TARGETING_OPTS[] = {OPT_FILE,
                                                 OPT_COUNTRIES,
                                                 OPT_REGIONS,
                                                 OPT_DMAS,
                                                 OPT_DEVICE_TYPES,
                                                 OPT_OS,
                                                 OPT_APP_BUNDLES,
                                                 OPT_CONTENT_GENRES,
                                                 OPT_CONTENT_RATINGS,
                                                 OPT_CONTENT_CATEGORIES,
                                                 OPT_LIVESTREAM,
                                                 OPT_COUNT};
static const enum cli_opt_id CAPS_OPTS[] = {OPT_FILE, OPT_PER_HOUR, OPT_PER_DAY, OPT_PER_WEEK,
                                            OPT_COUNT};
static const enum cli_opt_id PACING_OPTS[] = {OPT_FILE,     OPT_MODE,   OPT_TIME_ZONE,
                                              OPT_PRIORITY, OPT_WEIGHT, OPT_COUNT};
static const enum cli_opt_id ADVERTISER_OPTS[] = {OPT_FILE, OPT_DOMAIN, OPT_IAB_CATEGORIES,
                                                  OPT_CLICK_THROUGH_URL, OPT_COUNT};

static const struct cli_cmd TARGETING_CMDS[] = {
    {"get", "<campaign-id>", "show the campaign's targeting", NO_OPTS, 1, 1, targeting_get},
    {"set",
     "<campaign-id> [-f FILE|-] [--countries LIST] [--regions LIST] [--dmas LIST] "
     "[--device-types LIST] [--os LIST] [--app-bundles LIST] [--content-genres LIST] "
     "[--content-ratings LIST] [--content-categories LIST] [--livestream any|only|never]",
     "change targeting (lists are comma-separated; '' empties one; dayparts via -f)",
     TARGETING_OPTS, 1, 1, targeting_set},
};
static const struct cli_cmd CAPS_CMDS[] = {
    {"get", "<campaign-id>", "show the campaign's frequency caps", NO_OPTS, 1, 1, caps_get},
    {"set", "<campaign-id> [-f FILE|-] [--per-hour N] [--per-day N] [--per-week N]",
     "change frequency caps ('none' removes one)", CAPS_OPTS, 1, 1, caps_set},
};
static const struct cli_cmd PACING_CMDS[] = {
    {"get", "<campaign-id>", "show the campaign's pacing", NO_OPTS, 1, 1, pacing_get},
    {"set",
     "<campaign-id> [-f FILE|-] [--mode even|asap] [--time-zone ZONE] [--priority N] "
     "[--weight N]",
     "change pacing", PACING_OPTS, 1, 1, pacing_set},
};
static const struct cli_cmd ADVERTISER_CMDS[] = {
    {"get", "<campaign-id>", "show the campaign's advertiser settings", NO_OPTS, 1, 1,
     advertiser_get},
    {"set",
     "<campaign-id> [-f FILE|-] [--domain DOMAIN] [--iab-categories LIST] "
     "[--click-through-url URL]",
     "change the advertiser domain, IAB categories, click-through URL", ADVERTISER_OPTS, 1, 1,
     advertiser_set},
};

const struct cli_noun cmd_targeting_noun = {"targeting", "a campaign's targeting", TARGETING_CMDS,
                                            2};
const struct cli_noun cmd_caps_noun = {"caps", "a campaign's frequency caps", CAPS_CMDS, 2};
const struct cli_noun cmd_pacing_noun = {"pacing", "a campaign's pacing", PACING_CMDS, 2};
const struct cli_noun cmd_advertiser_noun = {"advertiser", "a campaign's advertiser settings",
                                             ADVERTISER_CMDS, 2};
