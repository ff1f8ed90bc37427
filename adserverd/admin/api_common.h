/*
 * api_common: small pieces every admin resource handler needs the same way:
 * the query string shaped as Express's qs shapes it, the contract's UUID
 * check of path parameters (format D), the log line of a failed query, and
 * the one way a handler runs a query: take a pooled connection, run, give
 * it back, answer a miss with 404 and a failure with 500.
 */
#ifndef API_COMMON_H
#define API_COMMON_H

#include <jansson.h>

struct db_conn;
struct request;

/* The request's query string as an object (a new reference; NULL on OOM). */
json_t *api_query(const struct request *req);

/*
 * Path parameter i when it is a contract UUID (docs/admin-api.md); otherwise
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

/* How long a handler waits for a pooled connection before answering 500. */
#define API_DB_WAIT_MS 5000

/*
 * What one endpoint answers when its query does not succeed: the error
 * bodies its contract section names, and the log line's words. The
 * strings are borrowed: they must live as long as the call that uses them.
 */
struct api_db_errors {
    const char *resource;        /* "campaign": the log line's subject */
    const char *what;            /* "get": the log line's query field */
    const char *missing_code;    /* 404 code; NULL when a miss is a failure too */
    const char *missing_message; /* 404 message */
    const char *fail_code;       /* 500 code */
    const char *fail_message;    /* 500 message */
};

/*
 * A handler's query: run on c with the handler's arg; return 0 on success,
 * 1 when the row is missing (or not the caller's), -1 on failure with the
 * SQLSTATE in state. Every db_* result enum keeps these values.
 */
typedef int api_db_query_fn(struct db_conn *c, void *arg, char state[6]);

/*
 * The handler pattern, once: take a connection from req's pool (at most
 * API_DB_WAIT_MS), run query, release the connection, then answer a miss
 * with 404 and a failure or pool timeout with 500 and a log line, as e
 * says. Returns 0 when the query succeeded: the caller renders the 2xx
 * from what query left in arg. Returns -1 when the reply was sent.
 */
int api_db_run(struct request *req, api_db_query_fn *query, void *arg,
               const struct api_db_errors *e);

/* Log e's failure with state and answer e's 500; returns what reply_error() does. */
int api_db_reply_failure(struct request *req, const struct api_db_errors *e, const char *state);

#endif
