/*
 * auth: see auth.h. The signature is checked before Redis and PostgreSQL
 * are asked anything, so forged tokens cost no I/O; the outcome is the same
 * as the reference's blacklist-first order.
 */
#include "http/auth.h"
#include "core/app.h"
#include "auth/auth_jwt.h"
#include "core/config.h"
#include "db/db.h"
#include "db/db_users.h"
#include "redis/kv.h"
#include "lib/log.h"
#include "http/reply.h"
#include "http/request.h"
#include "util/uuid.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define REVOKE_MIN_TTL 86400

static int missing(struct request *req)
{
    reply_error(req, 401, "MISSING_TOKEN", "Authorization token required");
    return -1;
}

static int invalid(struct request *req)
{
    reply_error(req, 401, "INVALID_TOKEN", "Invalid or expired token");
    return -1;
}

int auth_is_revoked(struct app *app, const char *token)
{
    redisReply *r = kv_command(app->kv, "EXISTS blacklist:%s", token);
    int rc = -1;

    if (r != NULL && r->type == REDIS_REPLY_INTEGER)
        rc = r->integer > 0;
    if (r != NULL)
        freeReplyObject(r);
    return rc;
}

int auth_revoke(struct app *app, const char *token, int64_t exp)
{
    int64_t now = (int64_t)time(NULL);
    int64_t ttl = exp - now;
    redisReply *r;
    int rc = -1;

    if (ttl < REVOKE_MIN_TTL)
        ttl = REVOKE_MIN_TTL;
    r = kv_command(app->kv, "SET blacklist:%s true EX %lld", token, (long long)ttl);
    if (r != NULL && r->type == REDIS_REPLY_STATUS)
        rc = 0;
    if (r != NULL)
        freeReplyObject(r);
    return rc;
}

enum auth_result auth_verify(struct app *app, const char *token, struct db_user *user,
                             int64_t *exp)
{
    const struct config *cfg = app->cfg;
    struct auth_jwt_claims claims;
    enum auth_jwt_result jr;
    struct db_conn *c;
    int found, revoked;

    jr = auth_jwt_verify(cfg->jwt_secret, strlen(cfg->jwt_secret), token, (int64_t)time(NULL),
                         &claims);
    if (jr == AUTH_JWT_INTERNAL)
        return AUTH_ERROR;
    if (jr != AUTH_JWT_OK) {
        log_debug("token rejected", "reason", auth_jwt_result_str(jr));
        return AUTH_INVALID;
    }
    if (!uuid_syntax(claims.id))
        return AUTH_INVALID;
    revoked = auth_is_revoked(app, token);
    if (revoked == 1)
        return AUTH_INVALID;
    if (revoked < 0)
        log_warn("revocation check skipped", "reason", "redis unavailable");
    c = db_acquire(app->db, 5000);
    if (c == NULL)
        return AUTH_ERROR;
    found = db_users_get(c, claims.id, user);
    db_release(app->db, c);
    if (found < 0)
        return AUTH_ERROR;
    if (found == 1)
        return AUTH_INVALID;
    *exp = claims.exp;
    return AUTH_OK;
}

int auth_request(struct request *req)
{
    const char *h = request_header(req, "Authorization");
    const char *start, *end;

    if (h == NULL)
        return missing(req);
    start = h;
    while (*start != '\0' && isspace((unsigned char)*start))
        start++;
    end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    if ((size_t)(end - start) < 7 || strncmp(start, "Bearer ", 7) != 0)
        return missing(req);
    free(req->token);
    req->token = xstrndup(start + 7, (size_t)(end - start - 7));
    switch (auth_verify(req->app, req->token, &req->user, &req->token_exp)) {
    case AUTH_OK:
        req->authed = 1;
        return 0;
    case AUTH_INVALID:
        return invalid(req);
    case AUTH_ERROR:
        break;
    }
    reply_error(req, 500, "AUTH_SERVICE_ERROR", "Authentication service error");
    return -1;
}
