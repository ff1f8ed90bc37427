/*
 * auth: Bearer authentication of the admin API (docs/admin-api.md) and
 * token revocation.
 *
 * The token must carry a valid HS256 signature and a future exp (checked by
 * auth_jwt), must not be revoked in Redis, and must name an existing user,
 * who is re-read from PostgreSQL on every request. A Redis outage does not
 * lock operators out: the revocation check is skipped (and logged) while
 * Redis is unreachable, as the reference does.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdint.h>

struct request;
struct app;

struct db_user;

enum auth_result { AUTH_OK = 0, AUTH_INVALID = 1, AUTH_ERROR = -1 };

/* Authenticate req: 0 with req->user and req->token set, or -1 after answering 401/500. */
int auth_request(struct request *req);

/*
 * Verify token as a Bearer token is verified (signature, HS256, exp, not
 * revoked, user exists): AUTH_OK with *user and *exp filled, AUTH_INVALID,
 * or AUTH_ERROR when PostgreSQL failed. Used by /auth/refresh too.
 */
enum auth_result auth_verify(struct app *app, const char *token, struct db_user *user,
                             int64_t *exp);

/*
 * Revoke token until at least max(86400 s, its remaining lifetime).
 * 0, or -1 when Redis is unreachable.
 */
int auth_revoke(struct app *app, const char *token, int64_t exp);

/* 1 when token is revoked, 0 when not, -1 when Redis cannot tell. */
int auth_is_revoked(struct app *app, const char *token);

#endif
