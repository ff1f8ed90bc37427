/*
 * api_campaigns: the campaign endpoints of the admin API (docs/admin-api.md
 * 3.3): list, get, create, update, status, delete, stats. All routes are
 * ROUTE_AUTH: req->user is the caller, and every read and write is scoped to
 * the caller's campaigns (a foreign campaign answers 404 like a missing one).
 *
 * Each handler parses (UUID path parameter, body or query), validates with
 * validate's schemas, acts through db_campaigns / db_stats and renders the
 * contract's body. Returns 0 after replying; -1 only when no reply could be
 * queued.
 */
#ifndef API_CAMPAIGNS_H
#define API_CAMPAIGNS_H

struct request;

int api_campaigns_list(struct request *req);       /* GET    /api/v1/campaigns */
int api_campaigns_get(struct request *req);        /* GET    /api/v1/campaigns/:id */
int api_campaigns_create(struct request *req);     /* POST   /api/v1/campaigns */
int api_campaigns_update(struct request *req);     /* PUT    /api/v1/campaigns/:id */
int api_campaigns_set_status(struct request *req); /* PUT    /api/v1/campaigns/:id/status */
int api_campaigns_delete(struct request *req);     /* DELETE /api/v1/campaigns/:id */
int api_campaigns_stats(struct request *req);      /* GET    /api/v1/campaigns/:id/stats */

#endif
