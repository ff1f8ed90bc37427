/*
 * db_users: every query on the users table.
 * Results are copied into struct request_user; nothing is cached, so a
 * user deleted or changed directly in PostgreSQL is seen on the next request.
 */
#ifndef DB_USERS_H
#define DB_USERS_H

#include "http/request.h"

struct db_conn;

/* 0 found (out filled), 1 no such user, -1 database error. id must be UUID syntax. */
int db_users_get(struct db_conn *c, const char *id, struct request_user *out);
/* As above by exact e-mail; also returns the stored hash (copied into hash[128]). */
int db_users_get_by_email(struct db_conn *c, const char *email, struct request_user *out,
                          char hash[128]);
/*
 * Insert a user; 0 created (out filled), 1 e-mail already taken, -1 error.
 */
int db_users_create(struct db_conn *c, const char *email, const char *hash, const char *name,
                    const char *role, struct request_user *out);

#endif
