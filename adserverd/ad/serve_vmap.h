/*
 * serve_vmap: GET /vmap on the ad listener, a VMAP 1.0.1 playlist: a
 * pre-roll (preroll=1, default), mid-rolls at the offsets of midrolls=
 * (seconds) or every midroll_every seconds of content_duration, and a
 * post-roll (postroll=1, default). Each break is a pod shaped by the pod_*
 * parameters; break_source=inline (default) puts its VAST in VASTAdData,
 * decided now (all breaks in one decision, one Redis call at most),
 * break_source=tag points AdTagURI back at /vast with the request's
 * parameters.
 */
#ifndef SERVE_VMAP_H
#define SERVE_VMAP_H

struct request;

int serve_vmap_get(struct request *req);

#endif
