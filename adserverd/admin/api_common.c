/*
 * api_common: see api_common.h.
 */
#include "admin/api_common.h"
#include "lib/log.h"
#include "http/reply.h"
#include "http/request.h"
#include "util/uuid.h"
#include "admin/validate.h"
#include "core/app.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

json_t *api_query(const struct request *req)
{
    json_t *q = json_object();
    const char *mark = strchr(req->raw_url, '?');

    if (q != NULL && mark != NULL)
        validate_query_parse(q, mark + 1, strlen(mark + 1));
    return q;
}

const char *api_uuid_param(struct request *req, int i, const char *name)
{
    const char *id = request_param(req, i);

    if (uuid_valid(id))
        return id;
    reply_bad_uuid(req, name);
    return NULL;
}

void api_log_db_failure(const char *resource, const char *what, const char *sqlstate)
{
    char msg[64];
    int client = strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0;

    snprintf(msg, sizeof(msg), "%s query %s", resource, client ? "rejected" : "failed");
    if (client)
        log_warn(msg, "query", what, "sqlstate", sqlstate);
    else
        log_error(msg, "query", what, "sqlstate", sqlstate);
}

int api_db_reply_failure(struct request *req, const struct api_db_errors *e, const char *state)
{
    api_log_db_failure(e->resource, e->what, state);
    return reply_error(req, 500, e->fail_code, e->fail_message);
}

int api_db_run(struct request *req, api_db_query_fn *query, void *arg,
               const struct api_db_errors *e)
{
    char state[6] = "";
    struct db_conn *c = db_acquire(req->app->db, API_DB_WAIT_MS);
    int rc = c != NULL ? query(c, arg, state) : -1;

    /* Released before the reply is built: rendering never holds a connection. */
    db_release(req->app->db, c);
    if (rc == 0)
        return 0;
    if (rc == 1 && e->missing_code != NULL)
        reply_error(req, 404, e->missing_code, e->missing_message);
    else
        api_db_reply_failure(req, e, state);
    return -1;
}
