/*
 * db_users: every query on the users table.
 * Results are copied into struct db_user; nothing is cached, so a user
 * deleted or changed directly in PostgreSQL is seen on the next request.
 * The row type is defined here, where it is read; the transport embeds it
 * in struct request as the authenticated caller (http/request.h).
 */
#ifndef DB_USERS_H
#define DB_USERS_H

struct db_conn;

/* One users row (without the password hash), NUL-terminated strings. */
struct db_user {
    char id[40];
    char email[256];
    char name[256];
    char role[24];
    char status[24];
    char created_at[32];
};

/* 0 found (out filled), 1 no such user, -1 database error. id must be UUID syntax. */
int db_users_get(struct db_conn *c, const char *id, struct db_user *out);
/* As above by exact e-mail; also returns the stored hash (copied into hash[128]). */
int db_users_get_by_email(struct db_conn *c, const char *email, struct db_user *out,
                          char hash[128]);
/*
 * Insert a user; 0 created (out filled), 1 e-mail already taken, -1 error.
 */
int db_users_create(struct db_conn *c, const char *email, const char *hash, const char *name,
                    const char *role, struct db_user *out);

#endif
