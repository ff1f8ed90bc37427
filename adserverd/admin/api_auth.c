/*
 * api_auth: see api_auth.h.
 *
 * The rules reproduce Joi's messages for these bodies (docs/admin-api.md):
 * unknown keys are dropped, a field contributes its type error or its rule
 * errors, and "role" may contribute two. Login spends the same bcrypt time
 * for an unknown e-mail as for a wrong password, and checks the user's
 * status only after the password, so the three failures look alike.
 */
#include "admin/api_auth.h"
#include "admin/api_common.h"
#include "core/app.h"
#include "http/auth.h"
#include "auth/auth_jwt.h"
#include "core/config.h"
#include "db/db.h"
#include "db/db_users.h"
#include "auth/email.h"
#include "util/jsnum.h"
#include "lib/log.h"
#include "auth/password.h"
#include "http/reply.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Validation (format B)                                                    */
/* ------------------------------------------------------------------------ */

static void detail(json_t *details, const char *field, const char *message, json_t *value)
{
    json_t *d = json_pack("{s:s,s:s}", "field", field, "message", message);

    if (d == NULL)
        return;
    if (value != NULL)
        json_object_set(d, "value", value);
    json_array_append_new(details, d);
}

static void quoted(char *out, size_t n, const char *field, const char *rest)
{
    snprintf(out, n, "\"%s\" %s", field, rest);
}

/*
 * A required string field: returns the value when it is a non-empty string,
 * else records the type/required/empty error and returns NULL.
 */
static json_t *string_field(json_t *body, json_t *details, const char *field,
                            const char *required_msg)
{
    json_t *v = json_object_get(body, field);
    char msg[128];

    if (v == NULL) {
        detail(details, field, required_msg, NULL);
        return NULL;
    }
    if (!json_is_string(v)) {
        quoted(msg, sizeof(msg), field, "must be a string");
        detail(details, field, msg, v);
        return NULL;
    }
    if (json_string_length(v) == 0) {
        quoted(msg, sizeof(msg), field, "is not allowed to be empty");
        detail(details, field, msg, v);
        return NULL;
    }
    return v;
}

static size_t units(json_t *v)
{
    return jsnum_utf16_len(json_string_value(v), json_string_length(v));
}

static void check_email(struct request *req, json_t *body, json_t *details)
{
    json_t *v = string_field(body, details, "email", "Email is required");

    if (v != NULL && !email_valid(req->app->tlds, json_string_value(v), json_string_length(v)))
        detail(details, "email", "Please provide a valid email address", v);
}

/* Joi reports an array body as one error about the whole value. */
static int body_is_array(struct request *req)
{
    json_t *details;

    if (!json_is_array(req->json))
        return 0;
    details = json_array();
    detail(details, "", "\"value\" must be of type object", req->json);
    reply_validation_all(req, details);
    return 1;
}

static int validate_register(struct request *req, const char **email, const char **password,
                             size_t *password_len, const char **name, const char **role)
{
    json_t *body = req->json;
    json_t *details = json_array();
    json_t *v;

    check_email(req, body, details);
    v = string_field(body, details, "password", "Password is required");
    if (v != NULL && units(v) < 8)
        detail(details, "password", "Password must be at least 8 characters long", v);
    else if (v != NULL && units(v) > 128)
        detail(details, "password", "Password cannot exceed 128 characters", v);
    v = string_field(body, details, "name", "Name is required");
    if (v != NULL && units(v) < 2)
        detail(details, "name", "Name must be at least 2 characters long", v);
    else if (v != NULL && units(v) > 100)
        detail(details, "name", "Name cannot exceed 100 characters", v);
    v = json_object_get(body, "role");
    *role = "advertiser";
    if (v != NULL) {
        const char *s = json_string_value(v);
        if (s == NULL || (strcmp(s, "advertiser") != 0 && strcmp(s, "admin") != 0)) {
            detail(details, "role", "\"role\" must be one of [advertiser, admin]", v);
            if (s == NULL)
                detail(details, "role", "\"role\" must be a string", v);
            else if (*s == '\0')
                detail(details, "role", "\"role\" is not allowed to be empty", v);
        } else {
            *role = s;
        }
    }
    if (json_array_size(details) > 0) {
        reply_validation_all(req, details);
        return -1;
    }
    json_decref(details);
    *email = json_string_value(json_object_get(body, "email"));
    *password = json_string_value(json_object_get(body, "password"));
    *password_len = json_string_length(json_object_get(body, "password"));
    *name = json_string_value(json_object_get(body, "name"));
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Tokens                                                                   */
/* ------------------------------------------------------------------------ */

/* Mint an access and a refresh token; a new object, or NULL. */
static json_t *mint_pair(struct app *app, const struct db_user *u)
{
    const struct config *cfg = app->cfg;
    int64_t now = (int64_t)time(NULL);
    char *access = NULL, *refresh = NULL;
    json_t *out = NULL;

    if (auth_jwt_mint(cfg->jwt_secret, strlen(cfg->jwt_secret), u->id, u->email, u->role, now,
                      app->jwt_ttl_s, &access) != 0 ||
        auth_jwt_mint(cfg->jwt_secret, strlen(cfg->jwt_secret), u->id, u->email, u->role, now,
                      app->refresh_ttl_s, &refresh) != 0)
        goto cleanup;
    out = json_pack("{s:s,s:s}", "accessToken", access, "refreshToken", refresh);
cleanup:
    free(access);
    free(refresh);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Handlers                                                                 */
/* ------------------------------------------------------------------------ */

int api_auth_register(struct request *req)
{
    const char *email, *password, *name, *role;
    size_t password_len;
    char hash[PASSWORD_HASH_SIZE];
    char stored[128];
    struct db_user u;
    struct db_conn *c = NULL;
    json_t *tokens;
    int rc;

    if (body_is_array(req) || validate_register(req, &email, &password, &password_len, &name,
                                                &role) != 0)
        return 0;
    c = db_acquire(req->app->db, API_DB_WAIT_MS);
    if (c == NULL)
        goto failed;
    /* Look first so a taken e-mail does not cost a bcrypt hash. */
    rc = db_users_get_by_email(c, email, &u, stored);
    if (rc < 0)
        goto failed;
    if (rc == 0)
        goto exists;
    /* Don't hold a pooled connection across the quarter second of bcrypt. */
    db_release(req->app->db, c);
    c = NULL;
    if (password_hash(password, password_len, (unsigned)req->app->cfg->bcrypt_cost, hash) != 0)
        goto failed;
    c = db_acquire(req->app->db, API_DB_WAIT_MS);
    if (c == NULL)
        goto failed;
    rc = db_users_create(c, email, hash, name, role, &u);
    if (rc < 0)
        goto failed;
    if (rc == 1)
        goto exists;
    db_release(req->app->db, c);
    tokens = mint_pair(req->app, &u);
    if (tokens == NULL)
        return reply_error(req, 500, "REGISTRATION_FAILED", "Failed to create user");
    return reply_json(req, 201,
                      json_pack("{s:s,s:{s:s,s:s,s:s,s:s,s:s},s:o}", "message",
                                "User created successfully", "user", "id", u.id, "email", u.email,
                                "name", u.name, "role", u.role, "createdAt", u.created_at, "tokens",
                                tokens));
exists:
    db_release(req->app->db, c);
    return reply_error(req, 409, "USER_EXISTS", "A user with this email already exists");
failed:
    db_release(req->app->db, c);
    return reply_error(req, 500, "REGISTRATION_FAILED", "Failed to create user");
}

int api_auth_login(struct request *req)
{
    json_t *details, *pw;
    const char *email;
    char hash[128];
    struct db_user u;
    struct db_conn *c;
    json_t *tokens;
    int rc, ok;

    if (body_is_array(req))
        return 0;
    details = json_array();
    check_email(req, req->json, details);
    pw = string_field(req->json, details, "password", "Password is required");
    if (json_array_size(details) > 0)
        return reply_validation_all(req, details);
    json_decref(details);
    email = json_string_value(json_object_get(req->json, "email"));
    c = db_acquire(req->app->db, API_DB_WAIT_MS);
    if (c == NULL)
        return reply_error(req, 500, "LOGIN_FAILED", "Login failed");
    rc = db_users_get_by_email(c, email, &u, hash);
    db_release(req->app->db, c);
    if (rc < 0)
        return reply_error(req, 500, "LOGIN_FAILED", "Login failed");
    if (rc == 1) {
        password_verify_dummy(req->app->dummy, json_string_value(pw), json_string_length(pw));
        return reply_error(req, 401, "INVALID_CREDENTIALS", "Invalid email or password");
    }
    ok = password_verify(json_string_value(pw), json_string_length(pw), hash);
    if (ok < 0)
        log_warn("stored password hash unusable", "user", u.id);
    if (ok != 1 || strcmp(u.status, "active") != 0)
        return reply_error(req, 401, "INVALID_CREDENTIALS", "Invalid email or password");
    tokens = mint_pair(req->app, &u);
    if (tokens == NULL)
        return reply_error(req, 500, "LOGIN_FAILED", "Login failed");
    return reply_json(req, 200,
                      json_pack("{s:s,s:{s:s,s:s,s:s,s:s},s:o}", "message", "Login successful",
                                "user", "id", u.id, "email", u.email, "name", u.name, "role",
                                u.role, "tokens", tokens));
}

int api_auth_profile(struct request *req)
{
    const struct db_user *u = &req->user;

    return reply_json(req, 200,
                      json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s}}", "user", "id", u->id, "email",
                                u->email, "name", u->name, "role", u->role, "status", u->status,
                                "createdAt", u->created_at));
}

int api_auth_logout(struct request *req)
{
    /* Refuse to claim a logout that revoked nothing (Redis down): fail closed. */
    if (auth_revoke(req->app, req->token, req->token_exp) != 0)
        return reply_error(req, 500, "LOGOUT_FAILED", "Logout failed");
    return reply_json(req, 200, json_pack("{s:s}", "message", "Logout successful"));
}

int api_auth_refresh(struct request *req)
{
    json_t *details, *v;
    struct db_user u;
    int64_t exp;
    json_t *tokens;

    if (body_is_array(req))
        return 0;
    details = json_array();
    v = string_field(req->json, details, "refreshToken", "Refresh token is required");
    if (json_array_size(details) > 0)
        return reply_validation_all(req, details);
    json_decref(details);
    switch (auth_verify(req->app, json_string_value(v), &u, &exp)) {
    case AUTH_OK:
        break;
    case AUTH_INVALID:
        return reply_error(req, 401, "INVALID_REFRESH_TOKEN", "Invalid refresh token");
    case AUTH_ERROR:
        return reply_error(req, 500, "AUTH_SERVICE_ERROR", "Authentication service error");
    }
    tokens = mint_pair(req->app, &u);
    if (tokens == NULL)
        return reply_error(req, 500, "AUTH_SERVICE_ERROR", "Authentication service error");
    /* The used refresh token must not work twice: no new pair unless it is revoked. */
    if (auth_revoke(req->app, json_string_value(v), exp) != 0) {
        json_decref(tokens);
        return reply_error(req, 500, "AUTH_SERVICE_ERROR", "Authentication service error");
    }
    return reply_json(req, 200,
                      json_pack("{s:s,s:o}", "message", "Token refreshed successfully", "tokens",
                                tokens));
}
