/*
 * api_common: small pieces every admin resource handler needs the same way:
 * the query string shaped as Express's qs shapes it, the contract's UUID
 * check of path parameters (format D), and the log line of a failed query.
 */
#ifndef API_COMMON_H
#define API_COMMON_H

#include <jansson.h>

struct request;

/* The request's query string as an object (a new reference; NULL on OOM). */
json_t *api_query(const struct request *req);

/*
 * Path parameter i when it is a contract UUID (API-CONTRACT.md 3); otherwise
 * answers 400 format D naming name ("id", "campaignId") and returns NULL.
 * The string lives as long as req.
 */
const char *api_uuid_param(struct request *req, int i, const char *name);

/*
 * Log a failed query of resource ("campaign", "creative", ...). SQLSTATE
 * classes 22 (bad data) and 23 (constraints) come from the client's input,
 * so they are warnings; anything else is an error (an outage or a bug).
 */
void api_log_db_failure(const char *resource, const char *what, const char *sqlstate);

#endif
