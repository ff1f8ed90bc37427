/*
 * api_thirdparty: the admin endpoints of an advertiser's own measurement:
 * third-party tracker URLs of a creative and of a campaign (the campaign's
 * are added to every creative of it, after the creative's own) and the
 * OMID verification scripts of a creative. Stored in sql/011's tables
 * (db_thirdparty), served from the catalog snapshot (vast/trackers.h).
 *
 * All routes are ROUTE_AUTH and scoped to the caller: a foreign or missing
 * object answers 404 (CREATIVE_NOT_FOUND or CAMPAIGN_NOT_FOUND), a malformed
 * id format D. A PUT replaces the whole document (absent lists are empty),
 * is validated completely before anything is stored (first failure in
 * format C, naming the field and index: "events.start[3]") and answers 200
 * with the stored document; a GET before any PUT answers empty lists.
 *
 * Returns 0 after replying; -1 only when no reply could be queued.
 */
#ifndef API_THIRDPARTY_H
#define API_THIRDPARTY_H

struct request;

int api_thirdparty_creative_trackers_get(struct request *req); /* GET  /creatives/:id/trackers */
int api_thirdparty_creative_trackers_put(struct request *req); /* PUT  /creatives/:id/trackers */
int api_thirdparty_campaign_trackers_get(struct request *req); /* GET  /campaigns/:id/trackers */
int api_thirdparty_campaign_trackers_put(struct request *req); /* PUT  /campaigns/:id/trackers */
int api_thirdparty_verifications_get(struct request *req); /* GET /creatives/:id/verifications */
int api_thirdparty_verifications_put(struct request *req); /* PUT /creatives/:id/verifications */

#endif
