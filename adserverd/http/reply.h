/*
 * reply: every response leaves through here, so the transport headers
 * (security headers, CORS, request id, rate limit) are added in one place
 * and the contract's error bodies (docs/admin-api.md, formats A to H) are
 * built in one place.
 *
 * Each function queues the response on the request's connection and
 * returns 0, or -1 when MHD refused it (the connection is then closed).
 * While the request body is still arriving the response is kept instead
 * and sent once the body has been drained (lingering close, reply_flush).
 * A request is answered once; later calls return -1.
 */
#ifndef REPLY_H
#define REPLY_H

#include <jansson.h>
#include <stddef.h>

struct request;
struct MHD_Response;

/* 2xx/4xx JSON body; takes the reference to body. */
int reply_json(struct request *req, unsigned status, json_t *body);
/* Any body with a content type; data is copied. */
int reply_data(struct request *req, unsigned status, const char *content_type, const void *data,
               size_t len);
/* An empty body (204, or a status with Content-Length: 0). */
int reply_empty(struct request *req, unsigned status);
/* A response built elsewhere (files, ranges); takes ownership of resp. */
int reply_response(struct request *req, unsigned status, struct MHD_Response *resp);

/* Format A: {"error":{"message":..,"code":..}}. */
int reply_error(struct request *req, unsigned status, const char *code, const char *message);
/* Format B: auth validation, details is an array of {field,message[,value]} (taken). */
int reply_validation_all(struct request *req, json_t *details);
/* Format C: {"error":{"message":"Validation failed","details":[{field,message}]}}. */
int reply_validation(struct request *req, const char *field, const char *message);
/* Format C variants: message with details taken as given. */
int reply_validation_details(struct request *req, const char *message, json_t *details);
/* Format D: malformed UUID path parameter named param. */
int reply_bad_uuid(struct request *req, const char *param);
/* Format E: no route. */
int reply_not_found(struct request *req);
/* Format F: global error handler; message hidden in production. */
int reply_internal(struct request *req, unsigned status, const char *message);
/* Format G: {"error":"<message>"}. */
int reply_plain_error(struct request *req, unsigned status, const char *message);
/* Format H: 429 from the rate limiter. */
int reply_rate_limited(struct request *req);
/* CORS preflight: 204 with the listener's CORS headers. */
int reply_preflight(struct request *req);

/*
 * Send the answer kept while the request body drained (see finish() in
 * reply.c); a no-op when none is kept. Called by http_server only, from
 * MHD's access handler. 0, or -1 when MHD refused it.
 */
int reply_flush(struct request *req);
/* Drop a kept answer that will never be sent (connection gone). */
void reply_discard(struct request *req);

/* Serialise v the way every JSON answer is serialised; caller frees. */
char *reply_dump(const json_t *v, size_t *len);

#endif
