/*
 * api_root: GET / and GET /health (docs/admin-api.md) and GET /metrics on
 * the admin listener; GET /health on the ad listener for load balancers.
 */
#ifndef API_ROOT_H
#define API_ROOT_H

struct request;

int api_root_get(struct request *req);
int api_root_health(struct request *req);
int api_root_metrics(struct request *req);
/* Ad listener liveness: no PostgreSQL, answers from memory. */
int api_root_ad_health(struct request *req);

#endif
