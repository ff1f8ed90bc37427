/*
 * serve_adrequest: POST /api/v1/ad-request on the ad listener, the old Go
 * ad server's JSON API kept for its clients. Body: {"device_id" (required),
 * "device_type", "app_id" (app bundle), "user_agent", "context": {any of
 * the /vast parameters, e.g. "country", "os", "ip", "ifa", "livestream"}}.
 * 200 {ad_id, campaign_id, creative_id, video_url, duration, format,
 * click_url, tracking_url, timestamp} for one ad (ad_id is its
 * AdServingId, tracking_url its signed impression beacon); 204 when
 * nothing is eligible; 400 {"error":"Invalid request","details":"..."}.
 */
#ifndef SERVE_ADREQUEST_H
#define SERVE_ADREQUEST_H

struct request;

int serve_adrequest_post(struct request *req);

#endif
