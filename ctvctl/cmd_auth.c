/*
 * cmd_auth: login, logout, whoami.
 *
 * login stores the tokens in the token file (0600, see clientcfg.h) with the
 * server they belong to; tokens are never printed, not even with --json
 * (which prints the answer's "user" object). logout revokes the access and
 * the refresh token on the server, then deletes the file; when the server
 * cannot be reached the file is kept, since nothing was revoked.
 */
#include "cli.h"
#include "client/term.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_MAX 1024

/* One line of stdin without its end of line; 0 or -1 (empty, too long, EOF). */
static int read_line(FILE *f, char *buf, size_t n)
{
    size_t len;

    if (fgets(buf, (int)n, f) == NULL)
        return -1;
    len = strlen(buf);
    if (len + 1 == n && buf[len - 1] != '\n')
        return -1;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    return 0;
}

static int login_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    char email[320], password[SECRET_MAX], err[512];
    const json_t *user;
    struct apiclient *c;
    int rc = EXIT_FAIL;

    memset(password, 0, sizeof(password));
    if (a->val[OPT_EMAIL] != NULL) {
        snprintf(email, sizeof(email), "%s", a->val[OPT_EMAIL]);
    } else if (!a->val[OPT_PASSWORD_STDIN] && term_isatty(0)) {
        fprintf(stderr, "E-mail: ");
        if (read_line(stdin, email, sizeof(email)) != 0 || email[0] == '\0')
            return cli_usage_error(cli, "no e-mail given");
    } else {
        return cli_usage_error(cli, "--email is required when stdin is not a terminal");
    }
    if (a->val[OPT_PASSWORD_STDIN] != NULL) {
        if (read_line(stdin, password, sizeof(password)) != 0 || password[0] == '\0')
            return cli_usage_error(cli, "no password on stdin");
    } else if (term_read_password("Password: ", password, sizeof(password)) != 0) {
        return cli_usage_error(cli, "no terminal to ask for the password; use --password-stdin");
    }
    c = cli_client(cli);
    if (c == NULL)
        goto cleanup;
    if (apiclient_login(c, email, password, &r) != APICLIENT_OK) {
        rc = cli_fail(cli, &r);
        goto cleanup;
    }
    if (clientcfg_save_tokens(&cli->cfg, cli->cfg.server, email, apiclient_access_token(c),
                              apiclient_refresh_token(c), err, sizeof(err)) != CLIENTCFG_OK) {
        cli_error(cli, "%s", err);
        goto cleanup;
    }
    user = json_object_get(r.json, "user");
    if (cli->json) {
        json_t *doc = json_pack("{s:O}", "user", user != NULL ? user : json_null());
        char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;

        if (text != NULL)
            printf("%s\n", text);
        free(text);
        json_decref(doc);
    } else if (cli->quiet) {
        printf("%s\n", json_string_value(json_object_get(user, "id")));
    } else {
        cli_note(cli, "logged in to %s as %s", cli->cfg.server, email);
    }
    rc = EXIT_OK;
cleanup:
    memset(password, 0, sizeof(password));
    apiclient_response_release(&r);
    return rc;
}

static int logout_run(struct cli *cli, const struct cli_args *a)
{
    struct apiclient_response r = {0};
    struct apiclient *c;
    char err[512];
    int rc = EXIT_OK;

    (void)a;
    c = cli_authed(cli, &rc);
    if (c == NULL)
        return rc;
    if (apiclient_logout(c, &r) != APICLIENT_OK && r.err != APICLIENT_EAUTH) {
        rc = cli_fail(cli, &r);
        cli_error(cli, "tokens not revoked; %s kept", cli->cfg.token_path);
        goto cleanup;
    }
    if (!cli->cfg.token_from_env &&
        clientcfg_delete_tokens(&cli->cfg, err, sizeof(err)) != CLIENTCFG_OK) {
        cli_error(cli, "%s", err);
        rc = EXIT_FAIL;
        goto cleanup;
    }
    if (cli->json)
        cli_print_raw(&r);
    else
        cli_note(cli, "logged out of %s%s", cli->cfg.server,
                 r.err == APICLIENT_EAUTH ? " (the tokens had already expired)" : "");
cleanup:
    apiclient_response_release(&r);
    return rc;
}

static int whoami_run(struct cli *cli, const struct cli_args *a)
{
    static const char *const keys[] = {"id",     "email",     "name",   "role",
                                       "status", "createdAt", "server", NULL};
    struct apiclient_response r = {0};
    json_t *user;
    int rc;

    (void)a;
    rc = cli_call(cli, "GET", "/api/v1/auth/profile", NULL, &r);
    if (rc != EXIT_OK)
        goto cleanup;
    if (cli->json) {
        cli_print_raw(&r);
        goto cleanup;
    }
    user = json_deep_copy(json_object_get(r.json, "user"));
    if (!json_is_object(user)) {
        json_decref(user);
        cli_error(cli, "profile answer holds no user");
        rc = EXIT_SERVER;
        goto cleanup;
    }
    if (cli->quiet) {
        printf("%s\n", json_string_value(json_object_get(user, "id")));
    } else {
        json_object_set_new(user, "server", json_string(cli->cfg.server));
        cli_print_object(cli, user, keys);
    }
    json_decref(user);
cleanup:
    apiclient_response_release(&r);
    return rc;
}

static const enum cli_opt_id LOGIN_OPTS[] = {OPT_EMAIL, OPT_PASSWORD_STDIN, OPT_COUNT};
static const enum cli_opt_id NO_OPTS[] = {OPT_COUNT};

static const struct cli_cmd LOGIN[] = {
    {NULL, "[--email EMAIL] [--password-stdin]",
     "log in and store the tokens in $XDG_CONFIG_HOME/ctvctl/token (mode 0600)", LOGIN_OPTS, 0, 0,
     login_run},
};
static const struct cli_cmd LOGOUT[] = {
    {NULL, "", "revoke the access and refresh tokens and delete the token file", NO_OPTS, 0, 0,
     logout_run},
};
static const struct cli_cmd WHOAMI[] = {
    {NULL, "", "show the logged-in user and the server", NO_OPTS, 0, 0, whoami_run},
};

const struct cli_noun cmd_login_noun = {"login", "log in and store the tokens", LOGIN, 1};
const struct cli_noun cmd_logout_noun = {"logout", "revoke the tokens and forget them", LOGOUT, 1};
const struct cli_noun cmd_whoami_noun = {"whoami", "show the logged-in user", WHOAMI, 1};
