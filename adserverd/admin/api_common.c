/*
 * api_common: see api_common.h.
 */
#include "admin/api_common.h"
#include "lib/log.h"
#include "http/reply.h"
#include "http/request.h"
#include "util/uuid.h"
#include "admin/validate.h"

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
