/*
 * api_explain: GET /api/v1/decisions/explain on the admin listener (Bearer
 * auth). Takes the /vast parameters, runs the same decision without
 * touching Redis (every frequency cap is assumed to have room, and nothing
 * is reserved):
 *   {"request":{...parsed parameters...},
 *    "chosen":[{"campaign_id","creative_id","sequence"}],
 *    "campaigns":[{"campaign_id","name","reason","detail"}],
 *    "no_fill_reason":null|"..."}
 * "campaigns" lists the caller's own campaigns of the catalog (admins see
 * every one); "chosen" is filtered the same way.
 */
#ifndef API_EXPLAIN_H
#define API_EXPLAIN_H

struct request;

int api_explain_get(struct request *req);

#endif
