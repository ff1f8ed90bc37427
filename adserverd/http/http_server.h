/*
 * http_server: the libmicrohttpd plumbing behind both listeners.
 *
 * Each listener is one MHD daemon with a thread pool on epoll and the
 * limits that keep slow or hostile clients from exhausting it: connection
 * timeout, global and per-IP connection limits, per-connection memory (which
 * bounds the request line and headers; MHD answers 414/431 past it) and the
 * body limit. MHD's callbacks are turned into struct request and handed to
 * the router; no other module includes <microhttpd.h> except reply.c.
 * Sits above the router and reply (it calls them); they see the listener
 * only through listener.h.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include "http/listener.h"

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

/* Stop the daemon and close every connection. Safe on a never-started listener. */
void listener_stop(struct listener *lst);

#endif
