/*
 * http_server: the libmicrohttpd plumbing behind both listeners.
 *
 * Each listener is one MHD daemon with a thread pool on epoll and the
 * limits that keep slow or hostile clients from exhausting it: connection
 * timeout, total and per-address connection limits (connlimit.h; trusted
 * proxies exempt), per-connection memory, strict framing with URL and
 * header limits checked before any handler runs (framing.h), the body limit,
 * and lingering close: an answer made before the body arrived is sent once
 * the body has been drained, so the client reads it instead of a connection
 * reset; a body longer than linger_bytes or slower than linger_ms closes the
 * connection unanswered (libmicrohttpd cannot send an answer mid-body).
 * MHD's callbacks are turned into struct request and handed to the router; no other module includes <microhttpd.h> except reply.c.
 * Sits above the router and reply (it calls them); they see the listener
 * only through listener.h.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include "http/listener.h"
#include "lib/buf.h"

#include <stddef.h>

struct request;

/*
 * Bind and start lst on bind_addr:port with threads workers. Returns 0, or
 * -1 with a reason in err. lst must outlive listener_stop().
 */
int listener_start(struct listener *lst, const char *bind_addr, int port, int threads,
                   char *err, size_t errlen);
/* Stop accepting new connections (graceful shutdown, first step). */
void listener_quiesce(struct listener *lst);
/* Wait up to timeout_ms for in-flight requests to finish; returns how many remain. */
int listener_drain(struct listener *lst, int timeout_ms);
/*
 * Park req's connection (no worker thread waits) until http_server_resume();
 * then resume(req) runs on a worker and must answer. Call from a handler
 * only, before it returns without answering.
 */
void http_server_suspend(struct request *req, int (*resume)(struct request *req));
/* Wake a suspended request; safe from any thread, once per suspend. */
void http_server_resume(struct request *req);

/*
 * Append the transport counters of both listeners (refused connections by
 * reason, refused framing, lingering answers) to out in Prometheus text.
 * Either listener may be NULL. 0, or -1 when out is full.
 */
int http_server_metrics(const struct listener *admin, const struct listener *ad, struct buf *out);

/* Stop the daemon and close every connection. Safe on a never-started listener. */
void listener_stop(struct listener *lst);

#endif
