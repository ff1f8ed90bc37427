/*
 * api_serving: the admin endpoints of what ad serving needs beyond the
 * contract's campaign object: targeting, frequency caps,
 * pacing and advertiser facts of a campaign, each a resource of its own under
 * /api/v1/campaigns/:id/, and the VAST/VMAP tag URLs a CTV publisher pastes
 * into its ad server. The contract's campaign object and its PUT are left
 * untouched; the settings live in sql/008's tables (db_serving).
 *
 * All routes are ROUTE_AUTH and scoped to the caller's campaigns: a foreign
 * or missing campaign answers 404 CAMPAIGN_NOT_FOUND, a malformed id format
 * D. A PUT replaces the whole resource (absent fields take their defaults),
 * is validated field by field in the contract's format C (first failure,
 * Joi-style messages) and answers 200 with the stored object; a GET of a
 * campaign that never had a PUT answers the defaults.
 *
 * Returns 0 after replying; -1 only when no reply could be queued.
 */
#ifndef API_SERVING_H
#define API_SERVING_H

struct request;

int api_serving_targeting_get(struct request *req);  /* GET /api/v1/campaigns/:id/targeting */
int api_serving_targeting_put(struct request *req);  /* PUT /api/v1/campaigns/:id/targeting */
int api_serving_caps_get(struct request *req);       /* GET /api/v1/campaigns/:id/caps */
int api_serving_caps_put(struct request *req);       /* PUT /api/v1/campaigns/:id/caps */
int api_serving_pacing_get(struct request *req);     /* GET /api/v1/campaigns/:id/pacing */
int api_serving_pacing_put(struct request *req);     /* PUT /api/v1/campaigns/:id/pacing */
int api_serving_advertiser_get(struct request *req); /* GET /api/v1/campaigns/:id/advertiser */
int api_serving_advertiser_put(struct request *req); /* PUT /api/v1/campaigns/:id/advertiser */
int api_serving_vast_tag(struct request *req);       /* GET /api/v1/campaigns/:id/vast-tag */

#endif
