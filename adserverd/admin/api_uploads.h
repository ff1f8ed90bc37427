/*
 * api_uploads: creative uploads on the admin API.
 *
 *   POST /api/v1/campaigns/:campaignId/creatives             (docs/admin-api.md)
 *   POST /api/v1/campaigns/:campaignId/creatives/upload-url  (docs/admin-api.md)
 *   GET  /api/v1/creatives/:id/media                         (ours: what processing found)
 *
 * The upload is a streaming route (ROUTE_AUTH | ROUTE_STREAM): after auth,
 * api_uploads_begin() sets up a multipart parser and every body chunk goes
 * through it as it arrives, the `video` part straight into a storage writer,
 * so memory stays flat whatever the file size. A refusal decided while the
 * body streams (a malformed campaignId, no multipart body, the contract's
 * step 3) stops the storing and is answered when the body is in, the rest
 * being read and dropped meanwhile, so a client still sending reads an
 * answer rather than a reset; a body going on past twice the file limit
 * (plus 1 MiB) after a refusal gets its connection closed. api_uploads_create()
 * runs the contract's remaining checks in order once the body is complete,
 * commits the object and inserts the row; every answer other than 201 leaves
 * no stored object behind.
 */
#ifndef API_UPLOADS_H
#define API_UPLOADS_H

struct request;

/* stream_begin of the upload route. */
int api_uploads_begin(struct request *req);
/* Handler of the upload route, once the body is complete. */
int api_uploads_create(struct request *req);
/* POST .../creatives/upload-url: a presigned S3 PUT URL, no network. */
int api_uploads_url(struct request *req);
/* GET /api/v1/creatives/:id/media: the creative_media row of an owned creative. */
int api_uploads_media(struct request *req);

#endif
