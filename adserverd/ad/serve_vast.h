/*
 * serve_vast: GET /vast and GET /api/v1/vast on the ad listener: parse the
 * request's parameters (adparams), decide one pod (serving), answer its
 * VAST document (vast_version 3.0/4.0/4.1/4.2, default 4.2). A no-fill is
 * an empty VAST with the root Error URL (4.x) and the reason in the
 * X-Adserverd-No-Fill header. /api/v1/vast requires campaign_id and serves
 * that campaign only; /vast honours campaign_id when given.
 */
#ifndef SERVE_VAST_H
#define SERVE_VAST_H

struct request;
struct adparams;

int serve_vast_get(struct request *req);
int serve_vast_campaign(struct request *req);

/*
 * Parse the query and the device headers of req into p (adparams_init()
 * first). 0; or -1 after answering 400 (the contract's validation body,
 * field = the parameter).
 */
int serve_vast_params(struct request *req, struct adparams *p);

#endif
