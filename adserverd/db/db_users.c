/*
 * db_users: see db_users.h. Timestamps are rendered by PostgreSQL in the
 * contract's ISO form so no C-side date conversion is needed.
 */
#include "db/db_users.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define USER_COLS                                                                               \
    "id, email, name, role, status, "                                                          \
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at"

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src != NULL ? src : "");
}

static void fill(const PGresult *r, struct db_user *u)
{
    copy(u->id, sizeof(u->id), db_get(r, 0, "id"));
    copy(u->email, sizeof(u->email), db_get(r, 0, "email"));
    copy(u->name, sizeof(u->name), db_get(r, 0, "name"));
    copy(u->role, sizeof(u->role), db_get(r, 0, "role"));
    copy(u->status, sizeof(u->status), db_get(r, 0, "status"));
    copy(u->created_at, sizeof(u->created_at), db_get(r, 0, "created_at"));
}

int db_users_get(struct db_conn *c, const char *id, struct db_user *out)
{
    const char *p[1] = {id};
    PGresult *r = db_exec(c, "db_users_get", "SELECT " USER_COLS " FROM users WHERE id = $1", 1,
                          p, NULL);
    int rc;

    if (r == NULL)
        return -1;
    rc = PQntuples(r) == 1 ? 0 : 1;
    if (rc == 0)
        fill(r, out);
    PQclear(r);
    return rc;
}

int db_users_get_by_email(struct db_conn *c, const char *email, struct db_user *out,
                          char hash[128])
{
    const char *p[1] = {email};
    PGresult *r = db_exec(c, "db_users_get_by_email",
                          "SELECT " USER_COLS ", password_hash FROM users WHERE email = $1", 1, p,
                          NULL);
    int rc;

    if (r == NULL)
        return -1;
    rc = PQntuples(r) == 1 ? 0 : 1;
    if (rc == 0) {
        fill(r, out);
        copy(hash, 128, db_get(r, 0, "password_hash"));
    }
    PQclear(r);
    return rc;
}

int db_users_create(struct db_conn *c, const char *email, const char *hash, const char *name,
                    const char *role, struct db_user *out)
{
    const char *p[4] = {email, hash, name, role};
    char state[6];
    PGresult *r = db_exec(c, "db_users_create",
                          "INSERT INTO users (email, password_hash, name, role, status) "
                          "VALUES ($1, $2, $3, $4, 'active') RETURNING " USER_COLS,
                          4, p, state);

    if (r == NULL)
        return strcmp(state, "23505") == 0 ? 1 : -1;
    fill(r, out);
    PQclear(r);
    return 0;
}
