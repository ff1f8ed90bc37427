/*
 * api_series: GET /api/v1/campaigns/:id/series?minutes=N, a campaign's per-minute impressions, starts, completes, clicks,
 * spend and even-pacing target over the last N minutes, for ctvtui's
 * charts. Admin listener, Bearer auth, ownership 404 like the contract.
 * Read fresh from PostgreSQL (beacon_events), so it lags the beacons by
 * the drain's delay (normally well under a second).
 */
#ifndef API_SERIES_H
#define API_SERIES_H

struct request;

int api_series_get(struct request *req);

#endif
