/*
 * api_creatives: the creative endpoints of the admin API other than the
 * upload ones (docs/admin-api.md): list a campaign's creatives,
 * get, update, set status, delete, stats. All routes are ROUTE_AUTH; a
 * creative belongs to the owner of its campaign, and a foreign one answers
 * 404 exactly like a missing one. Uploads (3.4.1, 3.4.8) live in their own
 * module.
 *
 * Returns 0 after replying; -1 only when no reply could be queued.
 */
#ifndef API_CREATIVES_H
#define API_CREATIVES_H

struct request;

int api_creatives_list(struct request *req);       /* GET /api/v1/campaigns/:campaignId/creatives */
int api_creatives_get(struct request *req);        /* GET    /api/v1/creatives/:id */
int api_creatives_update(struct request *req);     /* PUT    /api/v1/creatives/:id */
int api_creatives_set_status(struct request *req); /* PUT    /api/v1/creatives/:id/status */
int api_creatives_delete(struct request *req);     /* DELETE /api/v1/creatives/:id */
int api_creatives_stats(struct request *req);      /* GET    /api/v1/creatives/:id/stats */

#endif
