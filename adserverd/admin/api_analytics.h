/*
 * api_analytics: the analytics endpoints of the admin API (docs/admin-api.md
 * 3.6): the caller's summary and one campaign's daily stats and creative
 * breakdown. ROUTE_AUTH; computed over the caller's own campaigns only.
 *
 * The numbers are the reference's JavaScript arithmetic on PostgreSQL's
 * sums (parseInt / parseFloat, ratios rounded to two decimals), so the JSON
 * types and values match it: numbers everywhere except the breakdown's
 * completionRate, a two-decimal string or the number 0 [quirk].
 *
 * Returns 0 after replying; -1 only when no reply could be queued.
 */
#ifndef API_ANALYTICS_H
#define API_ANALYTICS_H

struct request;

int api_analytics_summary(struct request *req);  /* GET /api/v1/analytics/summary */
int api_analytics_campaign(struct request *req); /* GET /api/v1/analytics/campaigns/:id */

#endif
