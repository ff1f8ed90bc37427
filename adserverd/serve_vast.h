/*
 * serve_vast: GET /vast on the ad listener. Until decisioning lands
 * (issue #4) every request is a no-fill: an empty VAST 4.2 document, which
 * players treat as "no ad" and which validates against the IAB schema.
 */
#ifndef SERVE_VAST_H
#define SERVE_VAST_H

struct request;

int serve_vast_get(struct request *req);

#endif
